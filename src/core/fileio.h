/* fileio.h: files that bilab writes appear whole or not at all, and files
 * it reads are checked before they are read.
 *
 * Writing: bl_wfile_open makes a temporary file beside the target (same
 * directory, so that the final rename is atomic), the caller writes to
 * w->f, and bl_wfile_commit flushes, fsyncs, closes and renames it over
 * the target; on any failure the temporary is removed, the old target is
 * left as it was, and E says why (with the errno text).  bl_wfile_abort
 * drops a write.  A target that exists and is not a regular file (a
 * terminal, a FIFO, /dev/null) is written in place, as there is nothing
 * to keep.
 *
 * Reading: bl_open_input refuses directories, devices and (unless
 * allowed) FIFOs before opening, so that a read never blocks on a pipe
 * with no writer nor runs forever on /dev/zero; bl_read_line reads one
 * line of at most BL_LINE_MAX bytes. */
#ifndef BL_FILEIO_H
#define BL_FILEIO_H

#include <stdio.h>
#include "bl.h"

/* The longest line bilab reads from a script, the terminal or a data file
 * (1 MiB, the newline not counted). */
#define BL_LINE_MAX ((size_t)1 << 20)

typedef struct bl_wfile {
    FILE *f;          /* write here */
    int fd;           /* its descriptor (synced before the rename) */
    char *path;       /* the target */
    char *tmp;        /* the temporary beside it; NULL when written in place */
    int slot;         /* its place in the list of temporaries a signal removes */
    int err;          /* the first errno a writer saw (0: none); commit fails */
} bl_wfile;

/* Opens a temporary for PATH.  On failure W->f is NULL and E says why. */
int bl_wfile_open(bl_wfile *w, const char *path, bl_err *e);
/* Finishes the write: flush, fsync, close, rename.  Returns BL_OK, or
 * BL_EIO with "cannot write 'PATH': REASON" in E (the target unchanged,
 * no temporary left).  W is released either way. */
int bl_wfile_commit(bl_wfile *w, bl_err *e);
/* Drops the write: closes and removes the temporary. */
void bl_wfile_abort(bl_wfile *w);
/* ON nonzero: from now on bl_wfile_open writes to /dev/null whatever the
 * path (the MPI ranks above 0, whose files rank 0 writes). */
void bl_wfile_discard(int on);
/* Removes every temporary still open.  Async-signal-safe: for SIGTERM and
 * SIGHUP handlers, before the process dies. */
void bl_wfile_cleanup_signal(void);

/* How bl_open_input treats a FIFO or pipe. */
enum { BL_INPUT_REGULAR = 0, BL_INPUT_PIPES = 1 };

/* Opens PATH for reading after checking what it is: a regular file (or,
 * with BL_INPUT_PIPES, a FIFO or pipe), readable.  One-line errors:
 * "cannot open 'PATH': No such file or directory", "'PATH' is a
 * directory", "'PATH' is not a regular file (a character device)". */
int bl_open_input(const char *path, int pipes, FILE **f, bl_err *e);

/* Reads one line of F into *LINE (grown as needed, *CAP its size), the
 * newline removed; *LEN is its length (it may hold NUL bytes).  Returns
 * 1 for a line, 0 at the end of the file, BL_EIO on a read error (errno
 * kept) and BL_EFORMAT for a line longer than MAX bytes (nothing more is
 * read past MAX + 1 bytes). */
int bl_read_line(FILE *f, char **line, size_t *cap, size_t *len, size_t max);

/* ---- one vector in a file (θ, ω): text or NumPy .npy ---- */

/* Whether PATH names a .npy file (by its extension). */
int bl_vec_is_npy(const char *path);
/* Reads one vector of exactly N numbers from PATH into V (the caller's, N
 * doubles): a .npy file (by extension: magic, version 1-3, descr '<f8' or
 * '<f4', shape (N,), (N, 1) or (1, N), C or Fortran order) or text (numbers
 * separated by commas, blanks or newlines; '#' starts a comment to the
 * end of the line).  Streams the file: nothing beyond V and a small buffer
 * is held, so a file of any size (garbage, /dev/zero behind a name) costs
 * at most N numbers of memory and stops at the first thing wrong.
 * One-line errors in E, V partly written then: "'PATH' line 3, column 7:
 * 'x1' is not a number", "... is not finite", "'PATH' has 4 numbers, not
 * N", "'PATH': truncated .npy header".  BL_OK, BL_EFORMAT, BL_EDIM, BL_EIO. */
int bl_vec_read(const char *path, double *v, size_t n, bl_err *e);
/* Writes V[0], V[STRIDE], ... (N numbers) to PATH atomically: .npy (v1.0,
 * '<f8', shape (N,)) by extension, else text, one number a line with
 * %.17g (read back bit for bit). */
int bl_vec_write(const char *path, const double *v, size_t n, size_t stride, bl_err *e);

#endif
