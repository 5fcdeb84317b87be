/* repl.h: the interactive prompt (GNU readline: history, completion). */
#ifndef BL_REPL_H
#define BL_REPL_H

#include "session.h"

/* Reads and runs commands until quit or end of input; returns 0. */
int bl_repl(bl_session *S);

#endif
