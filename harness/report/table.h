/* table.h: the terminal tables of a run (report/table.c): every cell's
 * throughput, spread, fairness and check; the family's own metrics; the
 * event counters. */
#ifndef CONTEND_TABLE_H
#define CONTEND_TABLE_H

#include <stdio.h>

#include "run.h"

void rep_print_table(FILE *f, const struct run_result *r);

#endif
