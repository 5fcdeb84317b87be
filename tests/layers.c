/* layers.c: the link check of the layers (Makefile.am).  Built once per
 * library, linked with that library whole (every object, used or not)
 * and with only what the layer may use below it: libblcore.a with GSL,
 * BLAS and libm; libblrender.a with core and PLplot; libblcli.a with
 * render, core, readline and PLplot, without ncurses.  A call from a layer
 * up into another (core into cli, render into cli, cli into the
 * dashboard or curses) then fails to link, even from an object no test
 * uses.  Run, it says what it checked, in TAP. */
#include "config.h"

#include <stdio.h>

int main(void)
{
    printf("1..1\nok 1 - %s links whole against the layers below it alone\n", BL_LAYER);
    return 0;
}
