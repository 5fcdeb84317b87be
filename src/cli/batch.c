/* batch.c: scripts and piped input, line by line. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "command.h"

int bl_batch_stream(bl_session *S, FILE *f, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int first = BL_OK;
    (void)name;
    while (!S->quit && !S->unwinding && (len = getline(&line, &cap, f)) >= 0) {
        int st = bl_execute_line(S, line);
        if (st && first == BL_OK) first = st;
        if (st && !S->keep_going) break;
        if (st == BL_EINTR && !S->keep_going) break;
    }
    free(line);
    return first;
}

int bl_batch_file(bl_session *S, const char *path, bl_err *e)
{
    if (S->source_depth == 0) S->unwinding = 0;
    if (S->source_depth >= BL_SOURCE_MAXDEPTH) {
        bl_err_set(e, BL_EINVAL, "scripts nested more than %d deep (a script that sources "
                   "itself?): every script of the chain stops", BL_SOURCE_MAXDEPTH);
        S->unwinding = 1;              /* reported once, here; the rest unwind quietly */
        return BL_EINVAL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        bl_err_set(e, BL_EIO, "cannot open '%s': %s", path, strerror(errno));
        return BL_EIO;
    }
    S->source_depth++;
    int st = bl_batch_stream(S, f, path);
    S->source_depth--;
    fclose(f);
    if (st && S->unwinding) bl_err_set(e, st, "%s", "");   /* said already */
    else if (st && S->keep_going) bl_err_set(e, st, "a command failed in '%s'", path);
    else if (st) bl_err_set(e, st, "stopped at a failing command in '%s'", path);
    return st;
}
