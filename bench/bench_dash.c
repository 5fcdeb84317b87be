/* bench_dash.c: the dashboard's frame time and step-to-screen latency on
 * a p = 1000 quadratic (make bench).  The dashboard runs on a virtual
 * terminal: ncurses writes the escape sequences of xterm-256color to
 * /dev/null, so a frame's cost includes building the screen and ncurses'
 * update, not the terminal emulator's.  Prints figures; asserts nothing. */
#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl.h"
#include "command.h"
#include "dash.h"
#include "session.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static double maxof(const double *t, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) m = t[i] > m ? t[i] : m;
    return m;
}

/* The latency of KEY, N times: the step, the panels' model and the frame;
 * medians in ms. */
static void latency(bl_dash *D, int key, int n, const char *what)
{
    double tot[64], cmd[64], model[64], draw[64];
    if (n > 64) n = 64;
    for (int i = 0; i < n; i++) {
        double t0 = bl_clock();
        bl_dash_key(D, key);
        bl_dash_draw(D, 0);
        tot[i] = bl_clock() - t0;
        bl_dash_timings(D, &cmd[i], &model[i], &draw[i]);
    }
    double worst = maxof(tot, n);
    printf("    %-24s %8.2f ms   (step %.2f + panels' model %.2f + frame %.3f; worst %.2f; n=%d)\n",
           what, 1e3 * median(tot, n), 1e3 * median(cmd, n), 1e3 * median(model, n),
           1e3 * median(draw, n), 1e3 * worst, n);
}

static void frames(bl_dash *D, int full, int n, const char *what)
{
    double t[256];
    if (n > 256) n = 256;
    for (int i = 0; i < n; i++) {
        double t0 = bl_clock();
        bl_dash_draw(D, full);
        t[i] = bl_clock() - t0;
    }
    double worst = maxof(t, n);
    printf("    %-24s %8.3f ms   (worst %.3f; n=%d; a frame at 60 Hz is 16.7 ms)\n", what,
           1e3 * median(t, n), 1e3 * worst, n);
}

int main(void)
{
    setlocale(LC_CTYPE, "");
    const char *cs = nl_langinfo(CODESET);
    if (!cs || strcmp(cs, "UTF-8")) setlocale(LC_CTYPE, "C.UTF-8");
    bl_init();
    static bl_cancel_t cancel;
    FILE *null = fopen("/dev/null", "w");
    if (!null) return 1;
    bl_session *S = bl_session_new(null, null, &cancel);
    if (!S) return 1;
    S->batch = 1;
    const char *setup =
        "problem use quadratic p=1000 d=5; set hypergrad.specs exact cg:k=10 neumann:k=20; "
        "set inner.solver newton; surface omega[0]=-2:2:16 omega[1]=-2:2:10; "
        "set inner.solver gd; step inner 40; step adjoint 20";
    if (bl_execute_line(S, setup) != BL_OK) {
        printf("bench_dash: the set-up failed\n");
        return 1;
    }
    static const char *const terms[] = {"xterm-256color", "xterm", "vt100"};
    static const int sizes[][2] = {{24, 80}, {50, 160}};
    printf("dashboard: quadratic p=1000 d=5, hypergradient panel exact cg:k=10 neumann:k=20,\n"
           "a 16x10 surface; terminal %s on /dev/null, %s\n", "xterm-256color",
           strcmp(nl_langinfo(CODESET), "UTF-8") ? "ASCII" : "UTF-8");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        bl_dash *D = NULL;
        bl_err e = {0};
        FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
        if (!out || !in) return 1;
        for (size_t t = 0; t < 3 && !D; t++)
            D = bl_dash_open_virtual(S, terms[t], out, in, sizes[k][0], sizes[k][1], &e);
        if (!D) {
            printf("  no terminal: %s\n", e.msg);
            fclose(out);
            fclose(in);
            break;
        }
        printf("  %dx%d\n", sizes[k][1], sizes[k][0]);
        bl_execute_line(S, "set outer.estimator exact");
        frames(D, 0, 200, "redraw");
        frames(D, 1, 200, "full repaint");
        latency(D, 'i', 20, "i (inner step)");
        latency(D, 'a', 20, "a (adjoint step)");
        latency(D, 'o', 3, "o (outer step)");
        latency(D, '?', 10, "? (help overlay)");
        latency(D, 's', 1, "s (starts the surface)");
        bl_dash_close(D);
        fclose(out);
        fclose(in);
    }
    bl_session_free(S);
    fclose(null);
    return 0;
}
