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

#include "stoch.h"

/* ================================ sampler ================================ */

const char *const bl_sampler_names[] = {"batches", "shuffle", "uniform", NULL};

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
    o->sout = bl_sampler_alloc(conf->sampler, o->n_out, bo, conf->seed + 1);
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
