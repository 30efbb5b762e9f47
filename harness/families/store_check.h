/* store_check.h: the store family's correctness pass, run untimed after
 * every store trial (store.c) and by the conformance tests.
 *
 * Records carry a self-check: every byte of a check record follows from its
 * id and version (the name spells them and is padded with bytes derived
 * from them; the status is a checksum), so a copy mixed from two writes, or
 * a record of another key, is detected wherever it is read.
 *
 * The pass inserts `keys` records, then writers and readers race on them:
 * each record has one writer, which updates it with the next version and
 * reads it back, for `rounds` rounds and then on until `overlaps` reads
 * have followed an update made since the reader's previous read (threads
 * that seldom run at once, on a busy machine, seldom race) or `max_ms` have
 * passed; readers get every record in turn and the record being written,
 * over and over, the first one also scanning once. Faults, by name: a torn record (a copy
 * that is not whole), a lost update (an update that returned 0 and is not
 * what a read-back, a later read or the final read sees), a version that
 * goes back, a wrong record, an error from a live record. Finally every
 * record is read once more and removed. */
#ifndef FAM_STORE_CHECK_H
#define FAM_STORE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "lab_store.h"

struct fam_store_check {
    const struct lab_store *s;
    void *self;
    unsigned threads;        /* >= 2: half writers (at least one), the rest readers */
    unsigned keys;           /* records raced on (default 16) */
    unsigned rounds;         /* updates of each record, at least (default 256) */
    unsigned overlaps;       /* ... and on until this many reads followed an
                                update since the reader's last (default 500) */
    unsigned max_ms;         /* ... or for this long (default 250) */
    void (*tick)(void *arg); /* progress, every 64 ops per thread; may be NULL */
    void *tick_arg;
};

/* 0, or -1 with a one-line reason naming the fault. */
int fam_store_check_pass(const struct fam_store_check *c, char *why, size_t n);

/* The check record for (id, version); whether t is one, whole. */
void fam_store_check_record(struct lab_task *t, uint64_t id, uint32_t version);
int fam_store_check_intact(const struct lab_task *t);

#endif
