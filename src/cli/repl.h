/* repl.h: the interactive prompt (GNU readline: history, completion). */
#ifndef BL_REPL_H
#define BL_REPL_H

#include <signal.h>
#include "session.h"

/* Set while the interactive prompt runs a command on a terminal: the
 * SIGINT handler then ends the line the terminal echoed "^C" on, so that
 * what the command prints next starts a line of its own.  The dashboard
 * clears it while it holds the screen (no echo there). */
extern volatile sig_atomic_t bl_sigint_newline;

/* Reads and runs commands until quit or end of input; returns 0. */
int bl_repl(bl_session *S);

#endif
