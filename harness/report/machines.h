/* machines.h (report/ internal): machines side by side. A merged file
 * (results/merge.h) given alone becomes one report input per run; a report
 * of several runs gets a table with the machines in columns: the headline
 * metric of each implementation on each machine, and the seed's key
 * ratios (the [ratio] sections of workloads/) on each machine. */
#ifndef CONTEND_MACHINES_H
#define CONTEND_MACHINES_H

#include <stdio.h>

#include "report.h"

/* Is rp one merged file of several runs? */
int rep_machines_merged(const struct report *rp);
/* rep_write() of rp with each run of its merged file as an input. */
int rep_machines_write(const struct report *rp, char *err, size_t n);
/* The machines-in-columns section, when rp has several inputs and no
   baseline (with one, the inputs are builds to compare). */
struct doc;
int rep_machines_table(struct doc *d, const struct report *rp); /* 0 or -ENOMEM */

#endif
