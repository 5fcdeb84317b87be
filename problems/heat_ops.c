/* heat_ops.c: the shared 1-D heat equation pieces (heat_ops.h). */
#include "config.h"

#include <math.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>

#include "bl.h"
#include "heat_ops.h"

int bl_heat_grid_init(bl_heat_grid *G, size_t N, size_t nt, double dt, double kappa)
{
    double h = 1.0 / (double)(N + 1);
    G->N = N;
    G->nt = nt;
    G->r = kappa * dt / (h * h);
    G->diag = gsl_vector_alloc(N);
    G->off = gsl_vector_alloc(N - 1);
    if (!G->diag || !G->off) {
        bl_heat_grid_release(G);
        return BL_ENOMEM;
    }
    gsl_vector_set_all(G->diag, 1 + 2 * G->r);
    gsl_vector_set_all(G->off, -G->r);
    return BL_OK;
}

int bl_heat_grid_copy(bl_heat_grid *dst, const bl_heat_grid *src)
{
    dst->N = src->N;
    dst->nt = src->nt;
    dst->r = src->r;
    dst->diag = gsl_vector_alloc(src->N);
    dst->off = gsl_vector_alloc(src->N - 1);
    if (!dst->diag || !dst->off) {
        bl_heat_grid_release(dst);
        return BL_ENOMEM;
    }
    gsl_vector_memcpy(dst->diag, src->diag);
    gsl_vector_memcpy(dst->off, src->off);
    return BL_OK;
}

void bl_heat_grid_release(bl_heat_grid *G)
{
    gsl_vector_free(G->diag);
    gsl_vector_free(G->off);
    G->diag = G->off = NULL;
}

void bl_heat_propagate(const bl_heat_grid *G, const gsl_vector *x, gsl_vector *out,
                       gsl_vector *a, gsl_vector *b)
{
    gsl_vector *u = a, *v = b;
    gsl_vector_memcpy(u, x);
    for (size_t k = 0; k < G->nt; k++) {
        if (gsl_linalg_solve_symm_tridiag(G->diag, G->off, u, v) != GSL_SUCCESS) {
            gsl_vector_set_all(out, NAN);
            return;
        }
        gsl_vector *t = u;
        u = v;
        v = t;
    }
    gsl_vector_memcpy(out, u);
}

size_t bl_heat_sensor(size_t j, size_t s, size_t N)
{
    return (size_t)floor(((double)j + 0.5) * (double)N / (double)s);
}

double bl_heat_dnorm2(const gsl_vector *x)
{
    return bl_heat_ddot(x, x);
}

double bl_heat_ddot(const gsl_vector *x, const gsl_vector *v)
{
    double s = 0;
    for (size_t i = 0; i + 1 < x->size; i++)
        s += (gsl_vector_get(x, i + 1) - gsl_vector_get(x, i))
             * (gsl_vector_get(v, i + 1) - gsl_vector_get(v, i));
    return s;
}

/* (DᵀDx)_j = 2x_j − x_{j−1} − x_{j+1} inside, x_0 − x_1 and x_{N−1} − x_{N−2}
 * at the ends */
void bl_heat_add_dtd(double a, const gsl_vector *x, gsl_vector *out)
{
    for (size_t i = 0; i + 1 < x->size; i++) {
        double t = a * (gsl_vector_get(x, i + 1) - gsl_vector_get(x, i));
        gsl_vector_set(out, i + 1, gsl_vector_get(out, i + 1) + t);
        gsl_vector_set(out, i, gsl_vector_get(out, i) - t);
    }
}

double bl_heat_norm(const bl_heat_grid *G)
{
    double sn = sin(M_PI / (2.0 * (double)(G->N + 1)));
    return pow(1.0 + G->r * 4.0 * sn * sn, -(double)G->nt);
}
