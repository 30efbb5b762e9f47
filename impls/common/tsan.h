/* Telling ThreadSanitizer about synchronisation it cannot see.
 *
 * Libraries such as Concurrency Kit synchronise in inline assembly, which
 * TSan does not instrument: the data a lock protects then looks racy. A
 * variant built on such a lock calls lab_tsan_acquire(lock) right after
 * taking it and lab_tsan_release(lock) right before releasing it, which
 * gives TSan the happens-before edge the assembly provides, and nothing
 * more (a real race on other data is still reported; no suppression file
 * is involved). Outside a TSan build both are no-ops. */
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
#else
#define lab_tsan_acquire(addr) ((void)(addr))
#define lab_tsan_release(addr) ((void)(addr))
#endif

#endif
