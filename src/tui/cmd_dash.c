/* cmd_dash.c: dash, the live dashboard (dash.c): a command of the tui
 * layer, which main.c adds to cli's table (bl_command_register). */
#include "config.h"

#include <stdio.h>
#include <unistd.h>
#ifdef HAVE_READLINE
#include <readline/readline.h>
#endif

#include "command.h"
#include "dash.h"

static int exec_dash(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)argc;
    (void)argv;
    if (S->batch || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        bl_err_set(e, BL_EINVAL, "the dashboard needs a terminal: it runs at the prompt or "
                   "with bilab --dash, not in batch mode");
        return BL_EINVAL;
    }
    if (bl_dash_active(S)) {
        bl_err_set(e, BL_EINVAL, "already in the dashboard");
        return BL_EINVAL;
    }
    S->busy.on = 0;            /* no progress line over the curses screen */
    int st = bl_dash_run(S, e);
#ifdef HAVE_READLINE
    /* the terminal may have been resized meanwhile; readline reads its
     * size again (its modes are its own: it sets them on each line) */
    if (rl_instream) rl_reset_screen_size();
#endif
    return st;
}

const bl_command bl_cmd_dash = {
    .name = "dash",
    .usage = "dash",
    .summary = "the live dashboard: step and watch the problem full-screen",
    .help =
        "dash   a full-screen view of the session: the inner G and ‖∇θG‖, the adjoint\n"
        "       residual, the outer F and ‖g‖ over their iterations, the estimators\n"
        "       of hypergrad.specs and outer.estimator beside the reference, and\n"
        "       the surface of F with the ω trajectory.  Everything is kept when\n"
        "       you leave; dash again resumes.  Needs a terminal (also bilab --dash).\n"
        "keys:\n" BL_DASH_KEYS,
    .minargs = 0, .maxargs = 0,
    .exec = exec_dash,
};
