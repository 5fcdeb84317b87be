/* batch.h: running commands from a file, a string or standard input. */
#ifndef BL_BATCH_H
#define BL_BATCH_H

#include <stdio.h>
#include "session.h"

/* Runs every line of F (NAME for messages).  Stops at the first failing
 * command or Ctrl-C unless the session keeps going, and always at a read
 * error, a line longer than BL_LINE_MAX or a NUL byte.  Returns BL_OK or
 * the first error's status.  E is filled only for what no command has
 * reported already (a read error, Ctrl-C between commands): the caller
 * reports it when E->msg is not empty. */
int bl_batch_stream(bl_session *S, FILE *f, const char *name, bl_err *e);
/* How deep scripts may source scripts.  Deeper is an error that stops
 * every script of the chain, even with --keep-going (a script that
 * sources itself twice would otherwise run 2^16 times); the line after
 * the outermost script goes on. */
#define BL_SOURCE_MAXDEPTH 16

/* Runs the script at PATH (source FILE, bilab -f FILE), a regular file
 * or a pipe; E as for bl_batch_stream, and for a file that cannot be
 * opened or is a directory or a device. */
int bl_batch_file(bl_session *S, const char *path, bl_err *e);

#endif
