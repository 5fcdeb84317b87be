/* stoch.c: the sampler, counted minibatch oracles and the stochastic and
 * single-loop outer algorithms.  Each update is written as
 * doc/catalogue.md "Stochastic and single-loop methods" states it (after
 * benchmark_bilevel's solvers/); v ≈ −H⁻¹∇θL, v₀ = 0, and the step t
 * (from 0) uses lr = c/(t+1)^a. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>

#include "dist.h"
#include "stoch.h"

/* ================================ sampler ================================ */

const char *const bl_sampler_names[] = {"batches", "shuffle", "uniform", NULL};

unsigned long bl_seed_outer(unsigned long seed)
{
    return (seed + 0x9E3779B9UL) & 0xffffffffUL;
}

bl_sampler *bl_sampler_alloc(bl_sampler_kind kind, size_t n, size_t b, unsigned long seed)
{
    if (n == 0) return NULL;
    bl_sampler *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->kind = kind;
    s->n = n;
    s->b = b == 0 || b > n ? n : b;
    s->nb = (n + s->b - 1) / s->b;
    size_t len = kind == BL_SAMPLER_BATCHES ? s->nb : n;
    s->order = malloc(len * sizeof *s->order);
    s->buf = malloc((n > s->b ? n : s->b) * sizeof *s->buf);
    s->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->order || !s->buf || !s->r) {
        bl_sampler_free(s);
        return NULL;
    }
    for (size_t i = 0; i < len; i++) s->order[i] = i;
    gsl_rng_set(s->r, seed);
    return s;
}

void bl_sampler_free(bl_sampler *s)
{
    if (!s) return;
    free(s->order);
    free(s->buf);
    gsl_rng_free(s->r);
    free(s);
}

void bl_sampler_next(bl_sampler *s, bl_batch *B)
{
    size_t m;
    B->id = 0;
    if (s->kind == BL_SAMPLER_UNIFORM) {
        m = s->b;
        for (size_t j = 0; j < m; j++) s->buf[j] = gsl_rng_uniform_int(s->r, s->n);
        if (s->drawn / s->n != (s->drawn + m) / s->n || s->drawn == 0) s->epochs++;
        B->full = 0;
    } else {
        if (s->pos == 0) {     /* a new epoch: a new order */
            gsl_ran_shuffle(s->r, s->order, s->kind == BL_SAMPLER_BATCHES ? s->nb : s->n,
                            sizeof *s->order);
            s->epochs++;
        }
        if (s->kind == BL_SAMPLER_BATCHES) {
            size_t k = s->order[s->pos++], start = k * s->b;
            m = s->n - start < s->b ? s->n - start : s->b;
            for (size_t j = 0; j < m; j++) s->buf[j] = start + j;
            B->id = k;
            if (s->pos == s->nb) s->pos = 0;
        } else {
            m = s->n - s->pos < s->b ? s->n - s->pos : s->b;
            memcpy(s->buf, s->order + s->pos, m * sizeof *s->buf);
            s->pos += m;
            if (s->pos == s->n) s->pos = 0;
        }
        B->full = m == s->n;
    }
    s->drawn += m;
    B->idx = s->buf;
    B->m = m;
    B->w = (double)m / (double)s->n;
}

void bl_sampler_all(bl_sampler *s, bl_batch *B)
{
    for (size_t j = 0; j < s->n; j++) s->buf[j] = j;
    B->idx = s->buf;
    B->m = s->n;
    B->id = 0;
    B->w = 1;
    B->full = 1;
    s->drawn += s->n;
}

void bl_sampler_batch(bl_sampler *s, size_t k, bl_batch *B)
{
    size_t start = k * s->b, m = s->n - start < s->b ? s->n - start : s->b;
    for (size_t j = 0; j < m; j++) s->buf[j] = start + j;
    B->idx = s->buf;
    B->m = m;
    B->id = k;
    B->w = (double)m / (double)s->n;
    B->full = m == s->n;
    s->drawn += m;
}

/* ========================== counted minibatch oracles ========================== */

void bl_mb_G_theta(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g)
{
    if (B->full) bl_problem_G_theta(P, th, om, g);
    else { P->type->mb->G_theta(P, th, om, B->idx, B->m, g); P->n_grad++; }
}
void bl_mb_G_omega(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g)
{
    if (B->full) bl_problem_G_omega(P, th, om, g);
    else { P->type->mb->G_omega(P, th, om, B->idx, B->m, g); P->n_grad++; }
}
void bl_mb_L_theta(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g)
{
    if (B->full) bl_problem_L_theta(P, th, om, g);
    else { P->type->mb->L_theta(P, th, om, B->idx, B->m, g); P->n_grad++; }
}
void bl_mb_L_omega(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g)
{
    if (B->full) bl_problem_L_omega(P, th, om, g);
    else { P->type->mb->L_omega(P, th, om, B->idx, B->m, g); P->n_grad++; }
}
void bl_mb_hvp(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, cvec *v, gsl_vector *out)
{
    if (B->full) bl_problem_hvp(P, th, om, v, out);
    else { P->type->mb->hvp(P, th, om, B->idx, B->m, v, out); P->n_hvp++; }
}
void bl_mb_cvp(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, cvec *v, gsl_vector *out)
{
    if (B->full) bl_problem_cvp(P, th, om, v, out);
    else { P->type->mb->cvp(P, th, om, B->idx, B->m, v, out); P->n_cvp++; }
}
void bl_mb_ctvp(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, cvec *u, gsl_vector *out)
{
    if (B->full) bl_problem_ctvp(P, th, om, u, out);
    else { P->type->mb->ctvp(P, th, om, B->idx, B->m, u, out); P->n_cvp++; }
}

/* ============================== the algorithms ============================== */

/* the oracles an algorithm calls: counted once each */
static void GY(bl_sopt *o, cvec *y, cvec *x, const bl_batch *B, gsl_vector *g)
{ bl_mb_G_theta(o->P, y, x, B, g); o->oracles++; }
static void GX(bl_sopt *o, cvec *y, cvec *x, const bl_batch *B, gsl_vector *g)
{ bl_mb_G_omega(o->P, y, x, B, g); o->oracles++; }
static void LY(bl_sopt *o, cvec *y, cvec *x, const bl_batch *B, gsl_vector *g)
{ bl_mb_L_theta(o->P, y, x, B, g); o->oracles++; }
static void LX(bl_sopt *o, cvec *y, cvec *x, const bl_batch *B, gsl_vector *g)
{ bl_mb_L_omega(o->P, y, x, B, g); o->oracles++; }
static void HV(bl_sopt *o, cvec *y, cvec *x, const bl_batch *B, cvec *v, gsl_vector *out)
{ bl_mb_hvp(o->P, y, x, B, v, out); o->oracles++; }
static void CV(bl_sopt *o, cvec *y, cvec *x, const bl_batch *B, cvec *v, gsl_vector *out)
{ bl_mb_cvp(o->P, y, x, B, v, out); o->oracles++; }

static double lr(double c, double a, size_t t)
{
    return a == 0 ? c : c / pow((double)(t + 1), a);
}

#define PAR(o, name) bl_sopt_par(&(o)->spec, name)

/* y ← y − a·(u + b·w) for vectors (w may be NULL) */
static void axpy2(gsl_vector *y, double a, cvec *u, double b, cvec *w)
{
    for (size_t i = 0; i < y->size; i++) {
        double t = gsl_vector_get(u, i);
        if (w) t += b * gsl_vector_get(w, i);
        gsl_vector_set(y, i, gsl_vector_get(y, i) - a * t);
    }
}

/* ---- SOBA ---- */
static int soba_step(bl_sopt *o, bl_err *e)
{
    (void)e;
    double s = PAR(o, "step_size"), r = PAR(o, "outer_ratio");
    double a = PAR(o, "decay"), rho = lr(s, a, o->t), gam = lr(s / r, a, o->t);
    gsl_vector *gy = o->wp[0], *hv = o->wp[1], *ly = o->wp[2], *cv = o->wd[0], *lx = o->wd[1];
    bl_batch B, Bo;
    bl_sampler_next(o->sin, &B);
    GY(o, o->y, o->x, &B, gy);
    HV(o, o->y, o->x, &B, o->v, hv);
    CV(o, o->y, o->x, &B, o->v, cv);
    bl_sampler_next(o->sout, &Bo);
    LY(o, o->y, o->x, &Bo, ly);
    LX(o, o->y, o->x, &Bo, lx);
    axpy2(o->y, rho, gy, 0, NULL);
    axpy2(o->v, rho, hv, 1, ly);
    axpy2(o->x, gam, cv, 1, lx);
    return BL_OK;
}

/* ---- SABA: SAGA memories per batch; the mean in the last slot ---- */
static void saga(double *mem, size_t nb, size_t id, double w, gsl_vector *g)
{
    size_t n = g->size;
    double *m = mem + id * n, *bar = mem + nb * n;
    for (size_t j = 0; j < n; j++) {
        double gj = gsl_vector_get(g, j), diff = gj - m[j];
        gsl_vector_set(g, j, diff + bar[j]);
        bar[j] += w * diff;
        m[j] = gj;
    }
}

static int saba_step(bl_sopt *o, bl_err *e)
{
    (void)e;
    double s = PAR(o, "step_size"), r = PAR(o, "outer_ratio");
    gsl_vector *gy = o->wp[0], *hv = o->wp[1], *ly = o->wp[2], *cv = o->wd[0], *lx = o->wd[1];
    bl_batch B, Bo;
    bl_sampler_next(o->sin, &B);
    GY(o, o->y, o->x, &B, gy);
    HV(o, o->y, o->x, &B, o->v, hv);
    CV(o, o->y, o->x, &B, o->v, cv);
    bl_sampler_next(o->sout, &Bo);
    LY(o, o->y, o->x, &Bo, ly);
    LX(o, o->y, o->x, &Bo, lx);
    size_t ni = o->sin->nb, no = o->sout->nb;
    saga(o->m_gy, ni, B.id, B.w, gy);
    saga(o->m_hv, ni, B.id, B.w, hv);
    saga(o->m_cv, ni, B.id, B.w, cv);
    saga(o->m_ly, no, Bo.id, Bo.w, ly);
    saga(o->m_lx, no, Bo.id, Bo.w, lx);
    axpy2(o->y, s, gy, 0, NULL);
    axpy2(o->v, s, hv, 1, ly);
    axpy2(o->x, s / r, cv, 1, lx);
    return BL_OK;
}

/* ---- SRBA (benchmark_bilevel's srba.py): recursive directions, a
 * full-batch restart every `period` steps ---- */
static int srba_step(bl_sopt *o, bl_err *e)
{
    (void)e;
    double s = PAR(o, "step_size"), r = PAR(o, "outer_ratio");
    gsl_vector *gy = o->wp[0], *hv = o->wp[1], *ly = o->wp[2], *cv = o->wd[0], *lx = o->wd[1];
    gsl_vector *gy0 = o->wp[3], *hv0 = o->wp[4], *ly0 = o->wp[5], *cv0 = o->wd[2],
               *lx0 = o->wd[3];
    bl_batch B, Bo;
    if (o->t % o->period == 0) {
        bl_sampler_all(o->sin, &B);
        bl_sampler_all(o->sout, &Bo);
        GY(o, o->y, o->x, &B, o->d_y);
        HV(o, o->y, o->x, &B, o->v, hv);
        CV(o, o->y, o->x, &B, o->v, cv);
        LY(o, o->y, o->x, &Bo, ly);
        LX(o, o->y, o->x, &Bo, lx);
        gsl_vector_memcpy(o->d_v, hv);
        gsl_vector_add(o->d_v, ly);
        gsl_vector_memcpy(o->d_x, cv);
        gsl_vector_add(o->d_x, lx);
    } else {
        bl_sampler_next(o->sin, &B);
        bl_sampler_next(o->sout, &Bo);
        GY(o, o->y, o->x, &B, gy);
        HV(o, o->y, o->x, &B, o->v, hv);
        CV(o, o->y, o->x, &B, o->v, cv);
        LY(o, o->y, o->x, &Bo, ly);
        LX(o, o->y, o->x, &Bo, lx);
        GY(o, o->y_old, o->x_old, &B, gy0);
        HV(o, o->y_old, o->x_old, &B, o->v_old, hv0);
        CV(o, o->y_old, o->x_old, &B, o->v_old, cv0);
        LY(o, o->y_old, o->x_old, &Bo, ly0);
        LX(o, o->y_old, o->x_old, &Bo, lx0);
        for (size_t i = 0; i < o->p; i++) {
            o->d_y->data[i * o->d_y->stride] += gsl_vector_get(gy, i) - gsl_vector_get(gy0, i);
            o->d_v->data[i * o->d_v->stride] += (gsl_vector_get(hv, i) - gsl_vector_get(hv0, i))
                                                + (gsl_vector_get(ly, i) - gsl_vector_get(ly0, i));
        }
        for (size_t i = 0; i < o->d; i++)
            o->d_x->data[i * o->d_x->stride] += (gsl_vector_get(cv, i) - gsl_vector_get(cv0, i))
                                                + (gsl_vector_get(lx, i) - gsl_vector_get(lx0, i));
    }
    gsl_vector_memcpy(o->y_old, o->y);
    gsl_vector_memcpy(o->v_old, o->v);
    gsl_vector_memcpy(o->x_old, o->x);
    axpy2(o->y, s, o->d_y, 0, NULL);
    axpy2(o->v, s, o->d_v, 0, NULL);
    axpy2(o->x, s / r, o->d_x, 0, NULL);
    return BL_OK;
}

/* K minibatch SGD steps on y with step a */
static void sgd_inner(bl_sopt *o, size_t K, double a)
{
    bl_batch B;
    for (size_t k = 0; k < K; k++) {
        bl_sampler_next(o->sin, &B);
        GY(o, o->y, o->x, &B, o->wp[0]);
        axpy2(o->y, a, o->wp[0], 0, NULL);
    }
}

/* x ← x − a(lx + C_B'' v) on a fresh inner batch */
static void outer_update(bl_sopt *o, double a, cvec *lx)
{
    bl_batch B;
    bl_sampler_next(o->sin, &B);
    CV(o, o->y, o->x, &B, o->v, o->wd[0]);
    axpy2(o->x, a, lx, 1, o->wd[0]);
}

/* ---- AmIGO ---- */
static int amigo_step(bl_sopt *o, bl_err *e)
{
    (void)e;
    double s = PAR(o, "step_size"), r = PAR(o, "outer_ratio");
    size_t K = (size_t)PAR(o, "n_inner_steps");
    gsl_vector *ly = o->wp[2], *hv = o->wp[1], *lx = o->wd[1];
    bl_batch B, Bo;
    sgd_inner(o, K, s);
    bl_sampler_next(o->sout, &Bo);
    LY(o, o->y, o->x, &Bo, ly);
    LX(o, o->y, o->x, &Bo, lx);
    for (size_t k = 0; k < K; k++) {
        bl_sampler_next(o->sin, &B);
        HV(o, o->y, o->x, &B, o->v, hv);
        axpy2(o->v, s, hv, 1, ly);
    }
    outer_update(o, s / r, lx);
    return BL_OK;
}

/* ---- StocBiO: SHIA v = −s Σ_{j=0}^{J} Π_{i≤j}(I − sH_{B_i}) ∇yL_B'
 * (J products on J fresh inner batches, J + 1 terms) ---- */
static int stocbio_step(bl_sopt *o, bl_err *e)
{
    (void)e;
    double s = PAR(o, "step_size"), r = PAR(o, "outer_ratio");
    size_t K = (size_t)PAR(o, "n_inner_steps"), J = (size_t)PAR(o, "n_shia_steps");
    gsl_vector *ly = o->wp[2], *hv = o->wp[1], *acc = o->wp[3], *lx = o->wd[1];
    bl_batch B, Bo;
    sgd_inner(o, K, s);
    bl_sampler_next(o->sout, &Bo);
    LY(o, o->y, o->x, &Bo, ly);
    LX(o, o->y, o->x, &Bo, lx);
    gsl_vector_memcpy(acc, ly);         /* acc = Σ r_j, r_0 = ∇yL */
    for (size_t j = 0; j < J; j++) {
        bl_sampler_next(o->sin, &B);
        HV(o, o->y, o->x, &B, ly, hv);  /* r ← r − s H r (ly holds r) */
        axpy2(ly, s, hv, 0, NULL);
        gsl_vector_add(acc, ly);
    }
    gsl_vector_memcpy(o->v, acc);
    gsl_vector_scale(o->v, -s);
    outer_update(o, s / r, lx);
    return BL_OK;
}

/* ---- F2SA ---- */
static int f2sa_step(bl_sopt *o, bl_err *e)
{
    (void)e;
    double s = PAR(o, "step_size"), r = PAR(o, "outer_ratio"), dl = PAR(o, "delta_lmbda");
    size_t K = (size_t)PAR(o, "n_inner_steps");
    double a_y = lr(s, 5.0 / 7, o->t), a_z = lr(s, 4.0 / 7, o->t);
    double gam = lr(s / r, 4.0 / 7, o->t), dlt = lr(dl, 1.0 / 7, o->t);
    gsl_vector *g1 = o->wp[0], *g2 = o->wp[1], *ly = o->wp[2];
    gsl_vector *lx = o->wd[0], *gx1 = o->wd[1], *gx2 = o->wd[2];
    bl_batch B1, B2, Bo;
    for (size_t k = 0; k < K; k++) {
        bl_sampler_next(o->sin, &B1);
        GY(o, o->y, o->x, &B1, g1);
        bl_sampler_next(o->sin, &B2);
        GY(o, o->z, o->x, &B2, g2);
        bl_sampler_next(o->sout, &Bo);
        LY(o, o->y, o->x, &Bo, ly);
        for (size_t i = 0; i < o->p; i++) {
            gsl_vector_set(o->y, i, gsl_vector_get(o->y, i)
                           - a_y * (o->lmbda * gsl_vector_get(g1, i) + gsl_vector_get(ly, i)));
            gsl_vector_set(o->z, i, gsl_vector_get(o->z, i) - a_z * gsl_vector_get(g2, i));
        }
    }
    bl_sampler_next(o->sout, &Bo);
    LX(o, o->y, o->x, &Bo, lx);
    bl_sampler_next(o->sin, &B1);
    GX(o, o->y, o->x, &B1, gx1);
    bl_sampler_next(o->sin, &B2);
    GX(o, o->z, o->x, &B2, gx2);
    for (size_t i = 0; i < o->d; i++)
        gsl_vector_set(o->x, i, gsl_vector_get(o->x, i)
                       - gam * (gsl_vector_get(lx, i)
                                + o->lmbda * (gsl_vector_get(gx1, i) - gsl_vector_get(gx2, i))));
    o->lmbda += dlt;
    return BL_OK;
}

/* ---- BOME (full batch) ---- */
static int bome_step(bl_sopt *o, bl_err *e)
{
    (void)e;
    double s = PAR(o, "step_size"), r = PAR(o, "outer_ratio"), eta = PAR(o, "eta");
    size_t K = (size_t)PAR(o, "n_inner_steps");
    gsl_vector *fy = o->wp[0], *qy = o->wp[1], *gz = o->wp[2];
    gsl_vector *fx = o->wd[0], *qx = o->wd[1], *gx = o->wd[2];
    bl_batch B, Bo;
    bl_sampler_all(o->sin, &B);
    bl_sampler_all(o->sout, &Bo);
    gsl_vector_memcpy(o->z, o->y);
    for (size_t k = 0; k < K; k++) {
        GY(o, o->z, o->x, &B, gz);
        axpy2(o->z, s, gz, 0, NULL);
    }
    LY(o, o->y, o->x, &Bo, fy);
    LX(o, o->y, o->x, &Bo, fx);
    GY(o, o->y, o->x, &B, qy);
    GX(o, o->y, o->x, &B, qx);
    GX(o, o->z, o->x, &B, gx);
    gsl_vector_sub(qx, gx);
    double nqy = gsl_blas_dnrm2(qy), nqx = gsl_blas_dnrm2(qx), dy, dx;
    double nq2 = nqy * nqy + nqx * nqx;
    gsl_blas_ddot(fy, qy, &dy);
    gsl_blas_ddot(fx, qx, &dx);
    double phi = eta * nq2, lam = 0;
    if (nq2 > 0) lam = fmax(phi - (dy + dx), 0) / nq2;
    axpy2(o->y, s, fy, lam, qy);
    axpy2(o->x, s / r, fx, lam, qx);
    o->lmbda = lam;
    return BL_OK;
}

/* ---- the table ---- */

#define P_STEP(def) {"step_size", def, 0, INFINITY, 0, "step size s (inner; outer s/outer_ratio)"}
#define P_RATIO {"outer_ratio", 1, 0, INFINITY, 0, "ratio of inner to outer step"}
#define P_BATCH {"batch_size", 64, 0, 1e9, 1, "minibatch size b of both samplers (0 or full: all the samples)"}
#define P_K {"n_inner_steps", 10, 0, 1e6, 1, "inner steps K per outer step"}

static const bl_sopt_param soba_par[] = {
    P_STEP(0.1), P_RATIO, P_BATCH,
    {"decay", 0.5, 0, 1, 0, "exponent a of both steps c/(t+1)^a (bilab's; 0: constant steps)"},
};
static const bl_sopt_param saba_par[] = {P_STEP(0.1), P_RATIO, P_BATCH};
static const bl_sopt_param srba_par[] = {
    P_STEP(0.1), P_RATIO, P_BATCH,
    {"period_frac", 0.5, 0, INFINITY, 0, "full-batch restart every ⌊(n_in + n_out)·period_frac/b⌋ steps"},
};
static const bl_sopt_param amigo_par[] = {P_STEP(0.1), P_RATIO, P_K, P_BATCH};
static const bl_sopt_param stocbio_par[] = {
    P_STEP(0.1), P_RATIO, P_K, P_BATCH,
    {"n_shia_steps", 10, 0, 1e6, 1, "Hessian products J of the Neumann (SHIA) estimate"},
};
static const bl_sopt_param f2sa_par[] = {
    P_STEP(0.01), P_RATIO, P_BATCH,
    {"lmbda0", 1, 0, INFINITY, 0, "initial penalty λ₀"},
    {"delta_lmbda", 0.1, 0, INFINITY, 0, "penalty growth δ (λ += δ/(t+1)^{1/7})"},
    P_K,
};
static const bl_sopt_param bome_par[] = {
    P_STEP(0.1), P_RATIO,
    {"eta", 0.5, 0, INFINITY, 0, "φ = η‖∇q‖²"},
    P_K,
};

#define NP(a) (sizeof a / sizeof *a)
static const bl_sopt_type soba_type = {
    "soba", "SOBA: single loop, y, v, x together, steps c/√(t+1)", soba_par, NP(soba_par), 0,
    soba_step};
static const bl_sopt_type saba_type = {
    "saba", "SABA: SOBA's directions through SAGA memories per batch, constant steps",
    saba_par, NP(saba_par), BL_SOPT_BATCHES, saba_step};
static const bl_sopt_type srba_type = {
    "srba", "SRBA: recursive (SARAH) directions, full-batch restarts, constant steps",
    srba_par, NP(srba_par), 0, srba_step};
static const bl_sopt_type amigo_type = {
    "amigo", "AmIGO: K SGD steps on y, K on v (warm), one outer step", amigo_par,
    NP(amigo_par), 0, amigo_step};
static const bl_sopt_type stocbio_type = {
    "stocbio", "StocBiO: K SGD steps on y, Neumann (SHIA) adjoint, one outer step",
    stocbio_par, NP(stocbio_par), 0, stocbio_step};
static const bl_sopt_type f2sa_type = {
    "f2sa", "F2SA: fully first order, penalty λ growing, y and z by SGD", f2sa_par,
    NP(f2sa_par), 0, f2sa_step};
static const bl_sopt_type bome_type = {
    "bome", "BOME: full batch, first order, value-function gap with adaptive λ", bome_par,
    NP(bome_par), BL_SOPT_FULLBATCH, bome_step};

const bl_sopt_type *const bl_sopt_types[] = {
    &soba_type, &saba_type, &srba_type, &amigo_type, &stocbio_type, &f2sa_type, &bome_type,
    NULL};

const bl_sopt_type *bl_sopt_lookup(const char *name)
{
    const bl_sopt_type *hit = NULL;
    size_t len = strlen(name), n = 0;
    for (size_t k = 0; bl_sopt_types[k]; k++) {
        if (!strcmp(bl_sopt_types[k]->name, name)) return bl_sopt_types[k];
        if (len && !strncmp(bl_sopt_types[k]->name, name, len)) {
            hit = bl_sopt_types[k];
            n++;
        }
    }
    return n == 1 ? hit : NULL;
}

double bl_sopt_par(const bl_sopt_spec *s, const char *name)
{
    for (size_t i = 0; i < s->type->nparams; i++)
        if (!strcmp(s->type->params[i].name, name)) return s->par[i];
    return NAN;
}

int bl_sopt_parse(const char *text, bl_sopt_spec *out, bl_err *e)
{
    bl_sopt_spec s;
    memset(&s, 0, sizeof s);
    char buf[256];
    if (strlen(text) >= sizeof buf) {
        bl_err_set(e, BL_EINVAL, "spec too long: %.40s…", text);
        return BL_EINVAL;
    }
    strcpy(buf, text);
    char *colon = strchr(buf, ':');
    if (colon) *colon = 0;
    s.type = bl_sopt_lookup(buf);
    if (!s.type) {
        bl_err_set(e, BL_EINVAL, "no stochastic outer algorithm '%s' (soba, saba, srba, "
                   "amigo, stocbio, f2sa, bome)", buf);
        return BL_EINVAL;
    }
    for (size_t i = 0; i < s.type->nparams; i++) s.par[i] = s.type->params[i].def;
    size_t k = (size_t)snprintf(s.text, sizeof s.text, "%s", s.type->name);
    char *save = NULL;
    for (char *kv = colon ? strtok_r(colon + 1, ",", &save) : NULL; kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            bl_err_set(e, BL_EINVAL, "%s: '%s' is not key=value", s.type->name, kv);
            return BL_EINVAL;
        }
        *eq = 0;
        size_t i = 0;
        while (i < s.type->nparams && strcmp(s.type->params[i].name, kv)) i++;
        if (i == s.type->nparams) {
            char names[160] = "";
            for (size_t j = 0; j < s.type->nparams; j++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", j ? ", " : "",
                         s.type->params[j].name);
            }
            bl_err_set(e, BL_EINVAL, "%s has no parameter '%s' (%s)", s.type->name, kv, names);
            return BL_EINVAL;
        }
        const bl_sopt_param *pp = &s.type->params[i];
        char *end = NULL;
        double v = 0;
        if (strcmp(pp->name, "batch_size") || strcmp(eq + 1, "full")) {
            v = strtod(eq + 1, &end);
            if (end == eq + 1 || *end || !isfinite(v) || v < pp->lo || v > pp->hi
                || (pp->is_int && v != floor(v))) {
                bl_err_set(e, BL_EINVAL, "%s: %s=%s is not %s ≥ %g", s.type->name, pp->name,
                           eq + 1, pp->is_int ? "an integer" : "a number", pp->lo);
                return BL_EINVAL;
            }
        }
        if (!strcmp(pp->name, "outer_ratio") && !(v > 0)) {
            bl_err_set(e, BL_EINVAL, "%s: outer_ratio must be > 0", s.type->name);
            return BL_EINVAL;
        }
        s.par[i] = v;
        s.given[i] = 1;
        if (k < sizeof s.text)
            k += (size_t)snprintf(s.text + k, sizeof s.text - k, "%s%s=%s",
                                  k == strlen(s.type->name) ? ":" : ",", pp->name, eq + 1);
    }
    *out = s;
    return BL_OK;
}

/* ============================== the instance ============================== */

void bl_sopt_free(bl_sopt *o)
{
    if (!o) return;
    gsl_vector *v[] = {o->y, o->x, o->v, o->z, o->y_old, o->x_old, o->v_old, o->d_y, o->d_v,
                       o->d_x};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) gsl_vector_free(v[i]);
    for (int i = 0; i < 6; i++) gsl_vector_free(o->wp[i]);
    for (int i = 0; i < 4; i++) gsl_vector_free(o->wd[i]);
    free(o->m_gy); free(o->m_hv); free(o->m_cv); free(o->m_ly); free(o->m_lx);
    bl_sampler_free(o->sin);
    bl_sampler_free(o->sout);
    free(o->rows);
    free(o);
}

bl_sopt *bl_sopt_alloc(const bl_sopt_spec *spec, const bl_sopt_conf *conf, bl_problem *P,
                       cvec *theta0, cvec *omega0, bl_err *e)
{
    const bl_minibatch *mb = P->type->mb;
    if (!mb) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s has no minibatch oracles: the stochastic methods "
                   "run on quadsum, ridge, ridge-multi, logreg, logreg-multi and cleaning",
                   P->type->name);
        return NULL;
    }
    if (mb->check && mb->check(P, e) != BL_OK) return NULL;
    if ((spec->type->flags & BL_SOPT_BATCHES) && conf->sampler != BL_SAMPLER_BATCHES) {
        bl_err_set(e, BL_EINVAL, "%s keeps a memory per fixed batch: it needs sampler "
                   "batches, not %s", spec->type->name, bl_sampler_names[conf->sampler]);
        return NULL;
    }
    bl_sopt *o = calloc(1, sizeof *o);
    if (!o) goto nomem;
    o->spec = *spec;
    o->conf = *conf;
    o->P = P;
    o->p = P->p;
    o->d = P->d;
    o->n_in = mb->n_inner(P);
    o->n_out = mb->n_outer(P);
    double bs = bl_sopt_par(spec, "batch_size");
    size_t b = isnan(bs) ? 0 : (size_t)bs;   /* BOME: full batch */
    size_t bi = conf->batch_inner ? conf->batch_inner : b;
    size_t bo = conf->batch_outer ? conf->batch_outer : b;
    if (spec->type->flags & BL_SOPT_FULLBATCH) bi = bo = 0;
    o->sin = bl_sampler_alloc(conf->sampler, o->n_in, bi, conf->seed);
    o->sout = bl_sampler_alloc(conf->sampler, o->n_out, bo, bl_seed_outer(conf->seed));
    o->y = gsl_vector_alloc(o->p);
    o->x = gsl_vector_alloc(o->d);
    o->v = gsl_vector_calloc(o->p);
    o->z = gsl_vector_alloc(o->p);
    if (!o->sin || !o->sout || !o->y || !o->x || !o->v || !o->z) goto nomem;
    for (int i = 0; i < 6; i++)
        if (!(o->wp[i] = gsl_vector_alloc(o->p))) goto nomem;
    for (int i = 0; i < 4; i++)
        if (!(o->wd[i] = gsl_vector_alloc(o->d))) goto nomem;
    gsl_vector_memcpy(o->y, theta0);
    gsl_vector_memcpy(o->z, theta0);
    gsl_vector_memcpy(o->x, omega0);
    o->lmbda = isnan(bl_sopt_par(spec, "lmbda0")) ? 0 : bl_sopt_par(spec, "lmbda0");
    if (spec->type->step == saba_step) {
        size_t ni = o->sin->nb + 1, no = o->sout->nb + 1;
        o->m_gy = calloc(ni * o->p, sizeof(double));
        o->m_hv = calloc(ni * o->p, sizeof(double));
        o->m_cv = calloc(ni * o->d, sizeof(double));
        o->m_ly = calloc(no * o->p, sizeof(double));
        o->m_lx = calloc(no * o->d, sizeof(double));
        if (!o->m_gy || !o->m_hv || !o->m_cv || !o->m_ly || !o->m_lx) goto nomem;
    }
    if (spec->type->step == srba_step) {
        o->y_old = gsl_vector_alloc(o->p);
        o->v_old = gsl_vector_alloc(o->p);
        o->x_old = gsl_vector_alloc(o->d);
        o->d_y = gsl_vector_calloc(o->p);
        o->d_v = gsl_vector_calloc(o->p);
        o->d_x = gsl_vector_calloc(o->d);
        if (!o->y_old || !o->v_old || !o->x_old || !o->d_y || !o->d_v || !o->d_x) goto nomem;
        double per = (double)(o->n_in + o->n_out) * bl_sopt_par(spec, "period_frac")
                     / (double)(o->sin->b);
        o->period = per >= 1 ? (size_t)per : 1;
    }
    o->measure = 1;
    o->Fstar = NAN;
    if (mb->optimum) {
        double F;
        if (mb->optimum(P, NULL, &F) == BL_OK) o->Fstar = F;
    }
    return o;
nomem:
    bl_sopt_free(o);
    bl_err_set(e, BL_ENOMEM, "out of memory starting %s", spec->type->name);
    return NULL;
}

void bl_sopt_measure(bl_sopt *o, bl_sopt_row *r)
{
    bl_problem *P = o->P;
    unsigned long c[4] = {P->n_hvp, P->n_cvp, P->n_grad, P->n_eval};
    r->F = r->gnorm = r->gap = NAN;
    r->L = P->type->L(P, o->y, o->x);
    gsl_vector *ts = gsl_vector_alloc(o->p), *g = gsl_vector_alloc(o->d);
    gsl_vector *ly = gsl_vector_alloc(o->p), *hv = gsl_vector_alloc(o->p);
    if (ts && g && ly && hv) {
        if (P->type->theta_star && P->type->hypergrad && P->type->theta_star(P, o->x, ts) == BL_OK
            && P->type->hypergrad(P, o->x, g) == BL_OK) {
            r->F = P->type->L(P, ts, o->x);
            r->gnorm = gsl_blas_dnrm2(g);
            r->gap = r->F - o->Fstar;
        }
        P->type->L_theta(P, o->y, o->x, ly);
        P->type->hvp(P, o->y, o->x, o->v, hv);
        double nl = gsl_blas_dnrm2(ly);
        gsl_vector_add(hv, ly);
        r->vres = gsl_blas_dnrm2(hv) / (nl > 0 ? nl : 1);
    } else {
        r->vres = NAN;
    }
    if (o->spec.type == &f2sa_type || o->spec.type == &bome_type) r->vres = NAN;  /* no v */
    gsl_vector_free(ts);
    gsl_vector_free(g);
    gsl_vector_free(ly);
    gsl_vector_free(hv);
    r->oracles = o->oracles;
    r->epochs = (double)o->sin->drawn / (double)o->n_in;
    P->n_hvp = c[0];
    P->n_cvp = c[1];
    P->n_grad = c[2];
    P->n_eval = c[3];
}

int bl_sopt_step(bl_sopt *o, bl_err *e)
{
    int st = o->spec.type->step(o, e);
    if (st) return st;
    o->t++;
    for (size_t i = 0; i < o->p; i++)
        if (!isfinite(gsl_vector_get(o->y, i)) || !isfinite(gsl_vector_get(o->v, i))) {
            bl_err_set(e, BL_EDIVERGE, "%s diverged at step %zu (θ or v not finite): "
                       "lower step_size", o->spec.type->name, o->t);
            return BL_EDIVERGE;
        }
    for (size_t i = 0; i < o->d; i++)
        if (!isfinite(gsl_vector_get(o->x, i))) {
            bl_err_set(e, BL_EDIVERGE, "%s diverged at step %zu (ω not finite): lower "
                       "step_size", o->spec.type->name, o->t);
            return BL_EDIVERGE;
        }
    if (o->nrow == o->caprow) {
        size_t cap = o->caprow ? 2 * o->caprow : 64;
        bl_sopt_row *r = realloc(o->rows, cap * sizeof *r);
        if (!r) {
            bl_err_set(e, BL_ENOMEM, "out of memory");
            return BL_ENOMEM;
        }
        o->rows = r;
        o->caprow = cap;
    }
    bl_sopt_row *r = &o->rows[o->nrow++];
    if (o->measure) {
        bl_sopt_measure(o, r);
    } else {
        r->F = r->gnorm = r->gap = r->L = r->vres = NAN;
        r->oracles = o->oracles;
        r->epochs = (double)o->sin->drawn / (double)o->n_in;
    }
    return BL_OK;
}

/* ============================ runs over a budget ============================ */

const char *const bl_sbudget_names[] = {"calls", "epochs", "steps", NULL};

/* F(ω), ‖∇F(ω)‖ and F − F* from the closed forms (counts nothing) */
static int measure_at(bl_sopt *o, cvec *x, gsl_vector *ts, gsl_vector *g, double *F,
                      double *gn, double *gap)
{
    bl_problem *P = o->P;
    unsigned long c[4] = {P->n_hvp, P->n_cvp, P->n_grad, P->n_eval};
    int st = P->type->theta_star(P, x, ts);
    if (st == BL_OK) st = P->type->hypergrad(P, x, g);
    if (st == BL_OK) {
        *F = P->type->L(P, ts, x);
        *gn = gsl_blas_dnrm2(g);
        *gap = *F - o->Fstar;
    } else {
        *F = *gn = *gap = NAN;
    }
    P->n_hvp = c[0];
    P->n_cvp = c[1];
    P->n_grad = c[2];
    P->n_eval = c[3];
    return st;
}

static double spent(const bl_sopt *o, bl_sbudget kind)
{
    return kind == BL_SBUDGET_CALLS ? (double)o->oracles
           : kind == BL_SBUDGET_EPOCHS ? (double)o->sin->drawn / (double)o->n_in
                                       : (double)o->t;
}

int bl_sopt_budget_run(const bl_sopt_spec *spec, const bl_sopt_conf *conf, bl_problem *P,
                       cvec *theta0, cvec *omega0, bl_sbudget kind, const double *cp,
                       size_t ncp, double *gnorm, double *F, double *gap, size_t *steps,
                       bl_cancel_t *cancel, double *frac, void (*tick)(void *), void *targ,
                       bl_err *e)
{
    if (steps) *steps = 0;
    if (!P->type->theta_star || !P->type->hypergrad) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s has no closed-form θ*(ω) and ∇F to measure the "
                   "runs with (quadsum, ridge, ridge-multi have them)", P->type->name);
        return BL_EUNSUPPORTED;
    }
    bl_sopt *o = bl_sopt_alloc(spec, conf, P, theta0, omega0, e);
    if (!o) return e && e->code ? e->code : BL_ENOMEM;
    o->measure = 0;
    gsl_vector *prev = gsl_vector_alloc(o->d), *ts = gsl_vector_alloc(o->p);
    gsl_vector *g = gsl_vector_alloc(o->d);
    if (!prev || !ts || !g) {
        gsl_vector_free(prev);
        gsl_vector_free(ts);
        gsl_vector_free(g);
        bl_sopt_free(o);
        bl_err_set(e, BL_ENOMEM, "out of memory for a run of %s", spec->type->name);
        return BL_ENOMEM;
    }
    gsl_vector_memcpy(prev, o->x);
    int st = BL_OK, have = 0;        /* have: the measures of PREV are in m[] */
    double m[3] = {NAN, NAN, NAN};
    size_t j = 0;
    while (j < ncp) {
        if (cancel && *cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            break;
        }
        st = bl_sopt_step(o, e);
        if (st) break;
        double q = spent(o, kind);
        while (j < ncp && cp[j] < q) {
            if (!have) {
                measure_at(o, prev, ts, g, &m[0], &m[1], &m[2]);
                have = 1;
            }
            F[j] = m[0];
            gnorm[j] = m[1];
            gap[j] = m[2];
            j++;
        }
        gsl_vector_memcpy(prev, o->x);
        have = 0;
        o->nrow = 0;                 /* the rows are not kept */
        if (frac) {
#pragma omp atomic write
            *frac = ncp ? fmin(1, q / cp[ncp - 1]) : 1;
        }
        if (tick) tick(targ);
    }
    if (st == BL_EDIVERGE)
        for (; j < ncp; j++) F[j] = gnorm[j] = gap[j] = INFINITY;
    if (steps) *steps = o->t;
    gsl_vector_free(prev);
    gsl_vector_free(ts);
    gsl_vector_free(g);
    bl_sopt_free(o);
    return st;
}

#ifdef _OPENMP
#include <omp.h>
#endif

static int thread_zero(void)
{
#ifdef _OPENMP
    return omp_get_thread_num() == 0;
#else
    return 1;
#endif
}

/* the master thread's progress: the shares of the budgets spent */
typedef struct cmp_tick {
    double *frac;
    size_t n;
    double last;
    void (*progress)(void *, size_t, size_t);
    void *parg;
} cmp_tick;

static void on_tick(void *arg)
{
    cmp_tick *t = arg;
    double now = bl_clock();
    if (now - t->last < 0.2) return;
    t->last = now;
    double sum = 0;
    for (size_t r = 0; r < t->n; r++) {
        double v;
#pragma omp atomic read
        v = t->frac[r];
        sum += v;
    }
    t->progress(t->parg, (size_t)(sum * 1000), t->n * 1000);
}

/* The ranks' runs (run k on rank k mod size, dist.h) combined on every
 * rank: the curves, statuses and steps, the count done, an interrupt on
 * any rank, and the error of the lowest rank that failed. */
static int compare_merge(size_t n, size_t ncp, double *gnorm, double *F, double *gap,
                         int *status, size_t *steps, size_t *ndone, int *fail,
                         bl_cancel_t *cancel, bl_err *e)
{
    size_t np = (size_t)bl_dist_size();
    struct part { int fail, cancelled; size_t ndone; bl_err err; } part, *all = calloc(np, sizeof *all);
    unsigned char *mine = malloc(n ? n : 1);
    bl_err me = {0};
    int st = BL_ENOMEM;
    if (!mine || !all) {
        bl_err_set(e, BL_ENOMEM, "out of memory to combine the ranks' runs");
        goto out;
    }
    for (size_t k = 0; k < n; k++) mine[k] = (unsigned char)bl_dist_owns(k);
    if ((st = bl_dist_merge(gnorm, 1, n, ncp * sizeof(double), mine, &me))
        || (st = bl_dist_merge(F, 1, n, ncp * sizeof(double), mine, &me))
        || (st = bl_dist_merge(gap, 1, n, ncp * sizeof(double), mine, &me))
        || (st = bl_dist_merge(status, 1, n, sizeof(int), mine, &me))
        || (st = bl_dist_merge(steps, 1, n, sizeof(size_t), mine, &me)))
        goto out;
    memset(&part, 0, sizeof part);
    part.fail = *fail;
    part.cancelled = cancel && *cancel;
    part.ndone = *ndone;
    if (*fail && e) part.err = *e;
    if ((st = bl_dist_allgather(&part, sizeof part, all, &me))) goto out;
    int cancelled = 0, first = -1;
    *ndone = 0;
    for (size_t r = 0; r < np; r++) {
        *ndone += all[r].ndone;
        cancelled |= all[r].cancelled;
        if (all[r].fail && first < 0) first = (int)r;
    }
    if (cancelled && cancel) *cancel = 1;
    if (first >= 0) {
        *fail = 1;
        if (e) *e = all[first].err;
    }
    st = BL_OK;
out:
    if (st && e) *e = me;
    free(mine);
    free(all);
    return st;
}

int bl_sopt_compare_runs(const bl_sopt_spec *specs, size_t nspecs, const bl_sopt_conf *conf,
                         size_t nseeds, bl_problem *P, cvec *theta0, cvec *omega0,
                         bl_sbudget kind, const double *cp, size_t ncp, int threads,
                         double *gnorm, double *F, double *gap, int *status, size_t *steps,
                         bl_cancel_t *cancel, void (*progress)(void *, size_t, size_t),
                         void *parg, bl_err *e)
{
    size_t n = nspecs * nseeds, ndone = 0;
    /* what stops every run is found before any starts: one run's setup
     * on the session's problem (samplers, memories, checks) */
    for (size_t q = 0; q < nspecs; q++) {
        bl_sopt *o = bl_sopt_alloc(&specs[q], conf, P, theta0, omega0, e);
        if (!o) return e && e->code ? e->code : BL_ENOMEM;
        bl_sopt_free(o);
    }
    if (!P->type->theta_star || !P->type->hypergrad) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s has no closed-form θ*(ω) and ∇F to measure the "
                   "runs with (quadsum, ridge, ridge-multi have them)", P->type->name);
        return BL_EUNSUPPORTED;
    }
    for (size_t r = 0; r < n; r++) {
        status[r] = BL_EINTR;
        steps[r] = 0;
        for (size_t j = 0; j < ncp; j++) gnorm[r * ncp + j] = F[r * ncp + j] = gap[r * ncp + j] = NAN;
    }
    int fail = 0;
    double *frac = calloc(n ? n : 1, sizeof *frac);
    if (!frac) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    cmp_tick tk = {frac, n, bl_clock(), progress, parg};
#ifdef _OPENMP
    int nt = threads > 0 ? threads : omp_get_num_procs();
#else
    int nt = 1;
    (void)threads;
#endif
    (void)nt;
#pragma omp parallel num_threads(nt)
    {
        bl_problem *Q = bl_problem_clone(P);
        if (!Q) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long k = 0; k < (long)n; k++) {
            int stop;
#pragma omp atomic read
            stop = fail;
            if (stop || (cancel && *cancel) || !bl_dist_owns((size_t)k)) continue;
            size_t r = (size_t)k, q = r / nseeds, s = r % nseeds;
            bl_sopt_conf c = *conf;
            c.seed = conf->seed + s;
            bl_err mine = {0};
            int st = bl_sopt_budget_run(&specs[q], &c, Q, theta0, omega0, kind, cp, ncp,
                                        gnorm + r * ncp, F + r * ncp, gap + r * ncp, &steps[r],
                                        cancel, &frac[r],
                                        progress && thread_zero() ? on_tick : NULL, &tk, &mine);
            if (st != BL_OK && st != BL_EDIVERGE && st != BL_EINTR) {
#pragma omp critical(bl_sopt_compare_err)
                {
                    int was;
#pragma omp atomic read
                    was = fail;
                    if (!was) {
                        if (e) *e = mine;
#pragma omp atomic write
                        fail = 1;
                    }
                }
            }
            status[r] = st;
            if (st == BL_EINTR) continue;
#pragma omp atomic
            ndone++;
        }
        bl_problem_free(Q);
    }
    free(frac);
    if (bl_dist_size() > 1) {
        /* the ranks' runs combined: every rank has every run */
        int mst = compare_merge(n, ncp, gnorm, F, gap, status, steps, &ndone, &fail, cancel, e);
        if (mst) return mst;
    }
    if (progress && !fail && !(cancel && *cancel)) progress(parg, n * 1000, n * 1000);
    if (fail) {
        if (!e || !e->code) bl_err_set(e, BL_ENOMEM, "out of memory for the threads' copies "
                                       "of the problem");
        return e && e->code ? e->code : BL_ENOMEM;
    }
    if (cancel && *cancel) {
        bl_err_set(e, BL_EINTR, "interrupted: %zu of %zu runs done", ndone, n);
        return BL_EINTR;
    }
    return BL_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bl_quantile(const double *x, size_t n, double q, double *work)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) work[m++] = x[i];
    if (m == 0) return NAN;
    qsort(work, m, sizeof *work, cmp_double);
    double h = (double)(m - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= m - 1) return work[m - 1];
    double f = h - (double)lo;
    if (f == 0) return work[lo];
    if (isinf(work[lo + 1]) || isinf(work[lo])) return work[lo + 1] > work[lo] ? work[lo + 1] : work[lo];
    return work[lo] + f * (work[lo + 1] - work[lo]);
}

/* ============================ saving the state ============================ */

/* GSL's mt19937 state (gsl/rng/mt.c): 624 words below 2³² and the index
 * mti.  Written as those 625 numbers, not as bytes, so that a save reads
 * back on a machine whose unsigned long has another size; refused where
 * this GSL's state has another size (the layout changed). */
#define MT_N 624
typedef struct mt_mirror {
    unsigned long mt[MT_N];
    int mti;
} mt_mirror;

#define SOPT_STATE_TAG 16.0   /* the first word: the layout's version */

/* The words of one sampler: pos, drawn, epochs, the order, the RNG. */
static size_t sampler_len(const bl_sampler *s)
{
    return s->kind == BL_SAMPLER_BATCHES ? s->nb : s->n;
}

static size_t sampler_words(const bl_sampler *s)
{
    return 3 + sampler_len(s) + MT_N + 1;
}

static int rng_ok(const gsl_rng *r)
{
    return r->type == gsl_rng_mt19937 && gsl_rng_size(r) == sizeof(mt_mirror);
}

static size_t put_sampler(const bl_sampler *s, double *w)
{
    size_t k = 0, len = sampler_len(s);
    w[k++] = (double)s->pos;
    w[k++] = (double)s->drawn;
    w[k++] = (double)s->epochs;
    for (size_t i = 0; i < len; i++) w[k++] = (double)s->order[i];
    const mt_mirror *m = gsl_rng_state(s->r);
    for (size_t i = 0; i < MT_N; i++) w[k++] = (double)m->mt[i];
    w[k++] = (double)m->mti;
    return k;
}

/* A whole number in [0, HI] (as a double, exactly). */
static int whole(double x, double hi)
{
    return x >= 0 && x <= hi && x == floor(x);
}

static int get_sampler(bl_sampler *s, const double *w, bl_err *e)
{
    size_t k = 0, len = sampler_len(s);
    /* checked whole before anything changes */
    int ok = whole(w[0], (double)len) && whole(w[1], 9007199254740992.0)
             && whole(w[2], 9007199254740992.0);
    for (size_t i = 0; ok && i < len; i++) ok = whole(w[3 + i], (double)len - 1);
    for (size_t i = 0; ok && i < MT_N; i++) ok = whole(w[3 + len + i], 4294967295.0);
    ok = ok && whole(w[3 + len + MT_N], MT_N);
    if (!ok) {
        bl_err_set(e, BL_EINVAL, "the sampler's saved state is damaged (positions, order or "
                   "generator out of range)");
        return BL_EINVAL;
    }
    s->pos = (size_t)w[k++];
    s->drawn = (unsigned long)w[k++];
    s->epochs = (size_t)w[k++];
    for (size_t i = 0; i < len; i++) s->order[i] = (size_t)w[k++];
    mt_mirror *m = gsl_rng_state(s->r);
    for (size_t i = 0; i < MT_N; i++) m->mt[i] = (unsigned long)w[k++];
    m->mti = (int)w[k++];
    return BL_OK;
}

/* The vectors of the state, in the order they are written. */
static size_t state_vectors(bl_sopt *o, gsl_vector **v)
{
    size_t n = 0;
    v[n++] = o->y;
    v[n++] = o->x;
    v[n++] = o->v;
    v[n++] = o->z;
    if (o->y_old) {
        v[n++] = o->y_old;
        v[n++] = o->x_old;
        v[n++] = o->v_old;
        v[n++] = o->d_y;
        v[n++] = o->d_v;
        v[n++] = o->d_x;
    }
    return n;
}

/* SABA's memories: pointers and lengths. */
static size_t state_memories(bl_sopt *o, double **m, size_t *len)
{
    if (!o->m_gy) return 0;
    size_t ni = o->sin->nb + 1, no = o->sout->nb + 1;
    m[0] = o->m_gy; len[0] = ni * o->p;
    m[1] = o->m_hv; len[1] = ni * o->p;
    m[2] = o->m_cv; len[2] = ni * o->d;
    m[3] = o->m_ly; len[3] = no * o->p;
    m[4] = o->m_lx; len[4] = no * o->d;
    return 5;
}

/* The header: what the state belongs to (checked when it is read). */
#define SOPT_HEAD 13
static void state_head(const bl_sopt *o, double *w)
{
    size_t ti = 0;
    while (bl_sopt_types[ti] && bl_sopt_types[ti] != o->spec.type) ti++;
    w[0] = SOPT_STATE_TAG;
    w[1] = (double)ti;
    w[2] = (double)o->p;
    w[3] = (double)o->d;
    w[4] = (double)o->n_in;
    w[5] = (double)o->n_out;
    w[6] = (double)o->sin->b;
    w[7] = (double)o->sout->b;
    w[8] = (double)o->conf.sampler;
    w[9] = (double)o->conf.seed;
    w[10] = (double)o->t;
    w[11] = (double)o->oracles;
    w[12] = o->lmbda;
}

size_t bl_sopt_state_get(bl_sopt *o, double *w)
{
    gsl_vector *v[10];
    double *m[5];
    size_t len[5];
    size_t nv = state_vectors(o, v), nm = state_memories(o, m, len);
    size_t n = SOPT_HEAD + sampler_words(o->sin) + sampler_words(o->sout);
    for (size_t i = 0; i < nv; i++) n += v[i]->size;
    for (size_t i = 0; i < nm; i++) n += len[i];
    if (!w) return n;
    if (!rng_ok(o->sin->r) || !rng_ok(o->sout->r)) return 0;
    size_t k = SOPT_HEAD;
    state_head(o, w);
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < v[i]->size; j++) w[k++] = gsl_vector_get(v[i], j);
    for (size_t i = 0; i < nm; i++) {
        memcpy(w + k, m[i], len[i] * sizeof *w);
        k += len[i];
    }
    k += put_sampler(o->sin, w + k);
    k += put_sampler(o->sout, w + k);
    return k;
}

int bl_sopt_state_put(bl_sopt *o, const double *w, size_t n, bl_err *e)
{
    size_t want = bl_sopt_state_get(o, NULL);
    if (!rng_ok(o->sin->r) || !rng_ok(o->sout->r)) {
        bl_err_set(e, BL_EUNSUPPORTED, "this GSL's mt19937 state has another layout: the "
                   "samplers' state cannot be read back");
        return BL_EUNSUPPORTED;
    }
    if (n != want || n < SOPT_HEAD) {
        bl_err_set(e, BL_EINVAL, "%zu state words, but %s here takes %zu", n,
                   o->spec.type->name, want);
        return BL_EINVAL;
    }
    double h[SOPT_HEAD];
    state_head(o, h);
    static const char *const what[] = {"layout version", "algorithm", "p", "d", "n_inner",
                                       "n_outer", "inner batch size", "outer batch size",
                                       "sampler", "seed"};
    for (size_t i = 0; i < 10; i++)
        if (w[i] != h[i]) {
            size_t nt = 0;
            while (bl_sopt_types[nt]) nt++;
            if (i == 1 && whole(w[1], (double)nt - 1))
                bl_err_set(e, BL_EINVAL, "the saved state is %s's, not %s's",
                           bl_sopt_types[(size_t)w[1]]->name, o->spec.type->name);
            else
                bl_err_set(e, BL_EINVAL, "the saved state has another %s (%.17g, here %.17g)",
                           what[i], w[i], h[i]);
            return BL_EINVAL;
        }
    if (!whole(w[10], 9007199254740992.0) || !whole(w[11], 9007199254740992.0)
        || !isfinite(w[12])) {
        bl_err_set(e, BL_EINVAL, "the saved step count, oracle count or λ is not valid");
        return BL_EINVAL;
    }
    gsl_vector *v[10];
    double *m[5];
    size_t len[5];
    size_t nv = state_vectors(o, v), nm = state_memories(o, m, len);
    size_t k = SOPT_HEAD;
    for (size_t i = 0; i < nv; i++) k += v[i]->size;
    for (size_t i = 0; i < nm; i++) k += len[i];
    for (size_t i = SOPT_HEAD; i < k; i++)
        if (!isfinite(w[i])) {
            bl_err_set(e, BL_EINVAL, "state word %zu is not finite", i);
            return BL_EINVAL;
        }
    /* the samplers first: they are checked before anything changes */
    bl_sampler *si = bl_sampler_alloc(o->sin->kind, o->sin->n, o->sin->b, 0);
    bl_sampler *so = bl_sampler_alloc(o->sout->kind, o->sout->n, o->sout->b, 0);
    if (!si || !so) {
        bl_sampler_free(si);
        bl_sampler_free(so);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    int st = get_sampler(si, w + k, e);
    if (st == BL_OK) st = get_sampler(so, w + k + sampler_words(si), e);
    if (st) {
        bl_sampler_free(si);
        bl_sampler_free(so);
        return st;
    }
    bl_sampler_free(o->sin);
    bl_sampler_free(o->sout);
    o->sin = si;
    o->sout = so;
    o->t = (size_t)w[10];
    o->oracles = (unsigned long)w[11];
    o->lmbda = w[12];
    k = SOPT_HEAD;
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < v[i]->size; j++) gsl_vector_set(v[i], j, w[k++]);
    for (size_t i = 0; i < nm; i++) {
        memcpy(m[i], w + k, len[i] * sizeof *w);
        k += len[i];
    }
    o->nrow = 0;                  /* the history starts here */
    return BL_OK;
}
