/* tap.h: a minimal TAP producer for the unit tests (automake's tap-driver). */
#ifndef BL_TAP_H
#define BL_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;
#define TAP_UNUSED __attribute__((unused))

TAP_UNUSED static void tap_plan(int n) { printf("1..%d\n", n); }

static int tap_ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
TAP_UNUSED static int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (!cond) tap_failed++;
    return cond;
}

/* |a - b| <= tol * max(1, |b|); prints both on failure. */
TAP_UNUSED static int tap_close(double a, double b, double tol, const char *what)
{
    double scale = fabs(b) > 1 ? fabs(b) : 1;
    int ok = fabs(a - b) <= tol * scale && a == a && b == b;
    tap_ok(ok, "%s (%.17g vs %.17g, diff %.3g)", what, a, b, fabs(a - b) / scale);
    return ok;
}

static void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
TAP_UNUSED static void tap_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* With no plan given up front, call at the end. */
TAP_UNUSED static int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
