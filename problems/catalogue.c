/* catalogue.c: the table of problem types, in the order `problem list`
 * shows them.  A new problem adds one line here and one in catalogue.h. */
#include "config.h"

#include <stddef.h>

#include "catalogue.h"

const bl_problem_type *const bl_catalogue[] = {
    &bl_problem_quadratic,
    &bl_problem_ridge,
    NULL
};
