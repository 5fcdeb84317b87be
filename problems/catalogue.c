/* catalogue.c: the table of problem types, in the order `problem list`
 * shows them.  A new problem adds one line here and one in catalogue.h. */
#include "config.h"

#include <stddef.h>

#include "catalogue.h"

const bl_problem_type *const bl_catalogue[] = {
    &bl_problem_quadratic,
    &bl_problem_ridge,
    &bl_problem_ridge_multi,
    &bl_problem_logreg,
    &bl_problem_logreg_multi,
    &bl_problem_lasso,
    &bl_problem_enet,
    &bl_problem_wlasso,
    &bl_problem_l1logreg,
    &bl_problem_cleaning,
    &bl_problem_tv1d,
    &bl_problem_heat,
    &bl_problem_doublewell,
    &bl_problem_nonsingleton,
    &bl_problem_ivreg,
    &bl_problem_oed,
    &bl_problem_irl,
    &bl_problem_sor,
    &bl_problem_matcomp,
    &bl_problem_metaridge,
    &bl_problem_quadsum,
    &bl_problem_custom,
    NULL
};
