/* TEST ONLY: MemoryStore, but insert() keeps a 64-byte note per record in
 * plain malloc'd memory that nothing frees: "leaked N bytes in M blocks"
 * after destroy() (LeakSanitizer's report in an ASan build). */
#include <stdio.h>

#include "base.h"

static int leak_insert(void *self, void *ts, const struct lab_task *t, uint64_t *id)
{
    char *note = malloc(64);
    if (!note) return -ENOMEM;
    snprintf(note, 64, "inserted %s", t ? t->name : "");
    return fs_insert(self, ts, t, id); /* note is never freed */
}

FS_VARIANT(faulty_leak, "leaks 64 bytes per insert", leak_insert, fs_get, fs_update);
