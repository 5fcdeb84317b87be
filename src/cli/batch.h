/* batch.h: running commands from a file, a string or standard input. */
#ifndef BL_BATCH_H
#define BL_BATCH_H

#include <stdio.h>
#include "session.h"

/* Runs every line of F (NAME for messages).  Stops at the first failing
 * command unless the session keeps going.  Returns BL_OK or the first
 * error's status. */
int bl_batch_stream(bl_session *S, FILE *f, const char *name);
/* How deep scripts may source scripts.  Deeper is an error that stops
 * every script of the chain, even with --keep-going (a script that
 * sources itself twice would otherwise run 2^16 times); the line after
 * the outermost script goes on. */
#define BL_SOURCE_MAXDEPTH 16

/* Runs the script at PATH (source FILE, bilab -f FILE). */
int bl_batch_file(bl_session *S, const char *path, bl_err *e);

#endif
