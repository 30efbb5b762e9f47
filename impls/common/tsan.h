/* Telling ThreadSanitizer about synchronisation it cannot see.
 *
 * Libraries such as Concurrency Kit synchronise in inline assembly, which
 * TSan does not instrument: the data a lock protects then looks racy. A
 * variant built on such a lock calls lab_tsan_acquire(lock) right after
 * taking it and lab_tsan_release(lock) right before releasing it, which
 * gives TSan the happens-before edge the assembly provides, and nothing
 * more (a real race on other data is still reported; no suppression file
 * is involved). Outside a TSan build both are no-ops.
 *
 * Where the library's own copies race in TSan's eyes and no address can
 * carry the edge (Concurrency Kit's ring copies a slot in and out inside
 * the call that publishes it, ck_ring.h), lab_tsan_ignore_begin()/end()
 * around that one call make TSan skip this thread's plain reads and
 * writes inside it, and nothing else. */
#ifndef LAB_COMMON_TSAN_H
#define LAB_COMMON_TSAN_H

#if defined(__SANITIZE_THREAD__) /* gcc */
#define LAB_TSAN 1
#elif defined(__has_feature) /* clang */
#if __has_feature(thread_sanitizer)
#define LAB_TSAN 1
#endif
#endif

#ifdef LAB_TSAN
#include <sanitizer/tsan_interface.h>
#define lab_tsan_acquire(addr) __tsan_acquire((void *)(addr))
#define lab_tsan_release(addr) __tsan_release((void *)(addr))
/* the dynamic-annotation entry points of the TSan runtime (no header) */
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#define lab_tsan_ignore_begin() \
    (AnnotateIgnoreReadsBegin(__FILE__, __LINE__), AnnotateIgnoreWritesBegin(__FILE__, __LINE__))
#define lab_tsan_ignore_end() \
    (AnnotateIgnoreWritesEnd(__FILE__, __LINE__), AnnotateIgnoreReadsEnd(__FILE__, __LINE__))
#else
#define lab_tsan_acquire(addr) ((void)(addr))
#define lab_tsan_release(addr) ((void)(addr))
#define lab_tsan_ignore_begin() ((void)0)
#define lab_tsan_ignore_end() ((void)0)
#endif

/* For a library call whose plain reads come after the point where a release
 * annotation can be placed: CK's CLH unlock reads its node's predecessor
 * link after the critical section ends and before the store that hands the
 * node to the next owner, both inside one inline function, so no
 * lab_tsan_release() can sit between them. Wrap only that call; TSan then
 * does not record its reads (its writes, and every other access, are still
 * checked). The runtime exports these (Valgrind-style dynamic annotations)
 * without declaring them in <sanitizer/tsan_interface.h>. */
#ifdef LAB_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define lab_tsan_ignore_reads_begin() AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define lab_tsan_ignore_reads_end() AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define lab_tsan_ignore_reads_begin() ((void)0)
#define lab_tsan_ignore_reads_end() ((void)0)
#endif

#endif
