/* expr.h: the expression language of `define` (doc/expressions.md).
 *
 * An expression such as `0.5*(theta[0]-omega[0])^2 + 0.1*theta[0]^4` or
 * `mean(softplus(-y*(X*theta))) + exp(omega[0])/2*norm2(theta)` is
 * compiled once into a tape of vector-valued nodes (length 1 for scalars,
 * broadcasting between a scalar and a vector).  On the tape:
 *   - values, with a domain check that names the failing operation;
 *   - gradients in θ and ω by one reverse sweep;
 *   - second-order products by forward-over-reverse: a tangent sweep along
 *     a direction (v_θ, v_ω), then one reverse sweep that carries the
 *     adjoints and their tangents.  Its θ part is ∇²_θθ v_θ + ∇²_θω v_ω
 *     and its ω part ∇²_ωθ v_θ + ∇²_ωω v_ω, which gives H v, C v and Cᵀ u
 *     (doc/catalogue.md, "Notation") from the same code.
 * Derivatives are exact to round-off: no finite differences anywhere. */
#ifndef BL_EXPR_H
#define BL_EXPR_H

#include <stddef.h>
#include <gsl/gsl_vector.h>
#include "bl.h"
#include "data.h"

#define BL_EXPR_MAXPARAMS 32
#define BL_EXPR_NAMELEN 32

/* A named parameter (`define param name=value`). */
typedef struct bl_expr_param {
    char name[BL_EXPR_NAMELEN];
    double value;
} bl_expr_param;

/* What names mean while compiling: the dimensions of θ and ω, the data
 * (NULL: X, y, Xv, yv are unavailable) and the parameters. */
typedef struct bl_expr_env {
    size_t p, d;
    const bl_dataset *data;
    const bl_expr_param *params;
    size_t nparams;
} bl_expr_env;

typedef struct bl_expr bl_expr;

/* Compiles TEXT.  LABEL ("inner", "outer" or NULL) starts error messages;
 * a syntax or name error gives "LABEL: what was expected (column N)"
 * followed by two lines: the expression and a caret under the place. */
int bl_expr_compile(const char *text, const bl_expr_env *env, const char *label,
                    bl_expr **out, bl_err *e);
void bl_expr_free(bl_expr *x);

/* The source text, the number of tape nodes, whether X, y, Xv or yv
 * occur. */
const char *bl_expr_text(const bl_expr *x);
size_t bl_expr_nodes(const bl_expr *x);
int bl_expr_uses_data(const bl_expr *x);

/* The value at (θ, ω); NaN or ±Inf on a domain error. */
double bl_expr_value(bl_expr *x, const gsl_vector *th, const gsl_vector *om);
/* The value with a domain check: BL_EINVAL and a message that names the
 * operation, its argument and its place (with a caret) when any node of
 * the tape is not finite.  WHERE ("at θ = 0, ω = 0") goes into it. */
int bl_expr_check(bl_expr *x, const gsl_vector *th, const gsl_vector *om,
                  const char *where, double *value, bl_err *e);
/* The value, and the gradient in θ (GTH, size p) and in ω (GOM, size d);
 * either may be NULL.  One forward and one reverse sweep. */
double bl_expr_grad(bl_expr *x, const gsl_vector *th, const gsl_vector *om,
                    gsl_vector *gth, gsl_vector *gom);
/* The directional derivative of the gradient along (VTH, VOM) (NULL: a
 * zero direction): HTH = ∇²_θθ·VTH + ∇²_θω·VOM, HOM = ∇²_ωθ·VTH + ∇²_ωω·VOM;
 * either output may be NULL. */
void bl_expr_hess_dir(bl_expr *x, const gsl_vector *th, const gsl_vector *om,
                      const gsl_vector *vth, const gsl_vector *vom,
                      gsl_vector *hth, gsl_vector *hom);

/* Whether NAME may name a parameter: an identifier that is not a variable,
 * data or function name of the language; fills E otherwise. */
int bl_expr_param_name_ok(const char *name, bl_err *e);

/* ---- definitions: what `define` accumulates for the custom problem ---- */

typedef struct bl_expr_def {
    size_t p, d;                 /* dimensions; 0 until `define dims` */
    char *inner, *outer;         /* expression texts; NULL until defined */
    bl_expr_param params[BL_EXPR_MAXPARAMS];
    size_t nparams;
} bl_expr_def;

bl_expr_def *bl_expr_def_new(void);
bl_expr_def *bl_expr_def_copy(const bl_expr_def *def);   /* NULL: a new one */
void bl_expr_def_free(bl_expr_def *def);
/* Replaces the inner (WHICH 0) or outer (WHICH 1) text. */
int bl_expr_def_set_text(bl_expr_def *def, int which, const char *text);
/* Sets or adds a parameter; BL_EINVAL for a bad name or too many. */
int bl_expr_def_set_param(bl_expr_def *def, const char *name, double value,
                          bl_err *e);
/* 1 when the dimensions and both expressions are given. */
int bl_expr_def_complete(const bl_expr_def *def);
/* The environment of DEF on DATA. */
void bl_expr_def_env(const bl_expr_def *def, const bl_dataset *data,
                     bl_expr_env *env);

#endif
