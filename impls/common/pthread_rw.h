/* The pthread reader-writer lock as a struct lab_lockops (lockmap.h), for
 * the store/pthread_rw_* peers. They call pthread directly, so they run only
 * under the threads runner (LAB_CAP_THREADS_ONLY): a blocked fiber would
 * block its carrier thread. */
#ifndef LAB_PTHREAD_RW_H
#define LAB_PTHREAD_RW_H

#include "lockmap.h"

/* kind: PTHREAD_RWLOCK_PREFER_READER_NP (glibc's default) or
   PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP. */
int lab_pthread_rw_create(const struct lab_store_cfg *cfg, int kind, void **self);

#endif
