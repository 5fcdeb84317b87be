/* batch.c: scripts and piped input, line by line. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "command.h"
#include "fileio.h"

int bl_batch_stream(bl_session *S, FILE *f, const char *name, bl_err *e)
{
    char *line = NULL;
    size_t cap = 0, len, lineno = 0;
    int first = BL_OK, r;
    /* unwinding: a script nested past BL_SOURCE_MAXDEPTH stops every
     * script of the chain, whatever --keep-going says */
    while (!S->quit && !S->unwinding) {
        if (*S->cancel && !S->keep_going) {   /* Ctrl-C during the last command */
            bl_err_set(e, BL_EINTR, "'%s' interrupted after line %zu", name, lineno);
            first = BL_EINTR;
            break;
        }
        r = bl_read_line(f, &line, &cap, &len, BL_LINE_MAX);
        if (r == 0) break;
        if (r < 0) {
            /* a read error ends the script: what was read is not all of it */
            if (r == BL_EFORMAT)
                bl_err_set(e, r, "'%s':%zu: line longer than %zu bytes (the limit of a "
                           "command line; not a text file?)", name, lineno + 1, BL_LINE_MAX);
            else
                bl_err_set(e, r, "error reading '%s': %s", name, strerror(errno));
            first = r;
            break;
        }
        lineno++;
        if (memchr(line, '\0', len)) {
            bl_err_set(e, BL_EFORMAT, "'%s':%zu: contains a NUL byte (not a text file?)",
                       name, lineno);
            first = BL_EFORMAT;
            break;
        }
        int st = bl_execute_line(S, line);
        if (st && first == BL_OK) first = st;
        if (st && !S->keep_going) break;      /* --keep-going: even past Ctrl-C */
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
    FILE *f;
    /* a script may come through a pipe (bilab -f <(...)), never from a
     * directory or a device */
    int st = bl_open_input(path, BL_INPUT_PIPES, &f, e);
    if (st) return st;
    S->source_depth++;
    st = bl_batch_stream(S, f, path, e);
    S->source_depth--;
    fclose(f);
    return st;
}
