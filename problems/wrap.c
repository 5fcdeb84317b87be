/* wrap.c: K-fold cross-validation (outer=cv folds=K) and the learned step
 * (learn_eta=1) for every type built on a base type (wrap.h).
 *
 * With θ = (θ_1, …, θ_K), θ_k ∈ R^p, and the base's G_k, L_k on fold k:
 *   G(θ, ω) = Σ_k G_k(θ_k, ω),  L(θ, ω) = (1/K) Σ_k L_k(θ_k, ω),
 *   ∇θG = (∇θG_1, …, ∇θG_K),    ∇θL = (1/K)(∇θL_1, …, ∇θL_K),
 *   H = diag(H_1, …, H_K),      C v = Σ_k C_k v_k,  Cᵀu = (C_1ᵀu, …, C_Kᵀu),
 * so a = H⁻¹∇θL has blocks a_k = H_k⁻¹∇θL_k/K and ∇F = ∇ωL − C a =
 * (1/K) Σ_k (∇ωL_k − C_k H_k⁻¹∇θL_k): the mean of the folds' hypergradients.
 * The unrolled map is the base's step on every block.  learn_eta appends
 * ω_{d+1} = log η: every ω-derivative of G and L is 0 there; the step's is
 * ∂Φ/∂log η = η ∂Φ/∂η = (Φ(θ) − θ) ⊙ [Φ ≠ 0] for Φ(θ) = ST(θ − η∇f(θ), ηλ)
 * (on {|z_j| > ηλ_j}, Φ_j − θ_j = −η(∇f_j + λ_j sign z_j); off it Φ_j = 0
 * whatever η). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "wrap.h"

const char *const bl_wrap_outer_names[] = {"holdout", "cv", NULL};

typedef struct {
    const bl_problem_type *base;
    size_t K, pb, db;      /* folds, the base's dim θ and dim ω */
    int eta;               /* learn_eta: ω has db + 1 entries */
    int par;               /* 1: the folds run on threads of their own */
    bl_problem **sub;      /* K instances of base */
    bl_dataset **fold;     /* K fold data sets (NULL: holdout on P->data) */
    gsl_vector **wp, **wd; /* per fold workspace, pb and db */
    double *val;           /* per fold scalar */
} wrap_state;

static void wrap_state_free(wrap_state *s)
{
    if (!s) return;
    for (size_t k = 0; k < s->K; k++) {
        if (s->sub) bl_problem_free(s->sub[k]);
        if (s->fold) bl_dataset_free(s->fold[k]);
        if (s->wp) gsl_vector_free(s->wp[k]);
        if (s->wd) gsl_vector_free(s->wd[k]);
    }
    free(s->sub);
    free(s->fold);
    free(s->wp);
    free(s->wd);
    free(s->val);
    free(s);
}

/* Fold k of K of DS's training split: validation = rows [lo, hi), training
 * = the others, in order. */
static bl_dataset *fold_data(const bl_dataset *ds, size_t K, size_t k)
{
    size_t n = ds->X->size1, p = ds->X->size2;
    size_t lo = k * n / K, hi = (k + 1) * n / K, m = hi - lo;
    bl_dataset *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    char name[64];
    snprintf(name, sizeof name, "fold %zu of %zu", k + 1, K);
    f->name = strdup(name);
    f->X = gsl_matrix_alloc(n - m, p);
    f->y = gsl_vector_alloc(n - m);
    f->Xv = gsl_matrix_alloc(m, p);
    f->yv = gsl_vector_alloc(m);
    if (!f->name || !f->X || !f->y || !f->Xv || !f->yv) {
        bl_dataset_free(f);
        return NULL;
    }
    f->task = ds->task;
    f->standardized = ds->standardized;
    for (size_t i = 0, r = 0; i < n; i++) {
        gsl_vector_const_view row = gsl_matrix_const_row(ds->X, i);
        int val = i >= lo && i < hi;
        gsl_vector_view dst = val ? gsl_matrix_row(f->Xv, i - lo) : gsl_matrix_row(f->X, r);
        gsl_vector_memcpy(&dst.vector, &row.vector);
        gsl_vector_set(val ? f->yv : f->y, val ? i - lo : r, gsl_vector_get(ds->y, i));
        r += !val;
    }
    return f;
}

static double par_of(const bl_problem *P, const char *name)
{
    int i = bl_param_find(P->type->params, P->type->nparams, name);
    return i >= 0 ? P->par[i] : 0.0;
}

int bl_wrap_init(bl_problem *P, const bl_problem_type *base, bl_err *e)
{
    const char *who = P->type->name;
    int cv = par_of(P, "outer") == 1;
    size_t K = cv ? (size_t)par_of(P, "folds") : 1;
    if (cv) {
        int st = bl_dataset_check(P->data, who, e);
        if (st) return st;
        if (P->data->X->size1 < 2 * K) {
            bl_err_set(e, BL_EINVAL, "%s: outer=cv with folds=%zu needs at least %zu "
                       "training rows, the data has %zu", who, K, 2 * K,
                       P->data->X->size1);
            return BL_EINVAL;
        }
    }
    wrap_state *s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    s->base = base;
    s->K = K;
    s->eta = par_of(P, "learn_eta") != 0;
    s->sub = calloc(K, sizeof *s->sub);
    s->wp = calloc(K, sizeof *s->wp);
    s->wd = calloc(K, sizeof *s->wd);
    s->val = calloc(K, sizeof *s->val);
    if (cv) s->fold = calloc(K, sizeof *s->fold);
    if (!s->sub || !s->wp || !s->wd || !s->val || (cv && !s->fold)) goto nomem;
    for (size_t k = 0; k < K; k++) {
        if (cv && !(s->fold[k] = fold_data(P->data, K, k))) goto nomem;
        s->sub[k] = bl_problem_alloc(base, NULL, cv ? s->fold[k] : P->data, e);
        if (!s->sub[k]) {
            wrap_state_free(s);
            return e ? e->code : BL_EINVAL;
        }
    }
    s->pb = s->sub[0]->p;
    s->db = s->sub[0]->d;
    for (size_t k = 0; k < K; k++) {
        s->wp[k] = gsl_vector_alloc(s->pb);
        s->wd[k] = gsl_vector_alloc(s->db);
        if (!s->wp[k] || !s->wd[k]) goto nomem;
    }
    /* threads only where a fold's work outweighs starting them */
    s->par = K > 1 && P->data->X->size1 * s->pb >= 20000;
    P->p = K * s->pb;
    P->d = s->db + (size_t)s->eta;
    P->eta_slot = s->eta ? P->d : 0;
    P->state = s;
    return BL_OK;
nomem:
    wrap_state_free(s);
    bl_err_set(e, BL_ENOMEM, "out of memory building %s", who);
    return BL_ENOMEM;
}

void bl_wrap_free(bl_problem *P)
{
    wrap_state_free(P->state);
    P->state = NULL;
}

int bl_wrap_clone(const bl_problem *src, bl_problem *dst)
{
    const wrap_state *a = src->state;
    return bl_wrap_init(dst, a->base, NULL);
}

size_t bl_wrap_folds(const bl_problem *P)
{
    return P && P->type->free == bl_wrap_free ? ((const wrap_state *)P->state)->K : 0;
}

bl_problem *bl_wrap_fold(const bl_problem *P, size_t k)
{
    size_t K = bl_wrap_folds(P);
    return k < K ? ((const wrap_state *)P->state)->sub[k] : NULL;
}

/* ---- views ---- */

#define BLK(v, k) gsl_vector_const_subvector((v), (size_t)(k) * s->pb, s->pb).vector
#define BLKW(v, k) gsl_vector_subvector((v), (size_t)(k) * s->pb, s->pb).vector
#define OMB(om) gsl_vector_const_subvector((om), 0, s->db).vector
#define SUB(k) s->sub[k]
#define FOLDS _Pragma("omp parallel for schedule(static) if (s->par)") \
    for (long k = 0; k < (long)s->K; k++)

/* out[0..db) ← Σ_k wd[k] (in fold order), times SCALE; the η slot 0. */
static void sum_wd(const wrap_state *s, double scale, gsl_vector *out)
{
    for (size_t i = 0; i < s->db; i++) {
        double t = 0;
        for (size_t k = 0; k < s->K; k++) t += gsl_vector_get(s->wd[k], i);
        gsl_vector_set(out, i, scale * t);
    }
    if (s->eta) gsl_vector_set(out, s->db, 0.0);
}

static double sum_val(const wrap_state *s)
{
    double t = 0;
    for (size_t k = 0; k < s->K; k++) t += s->val[k];
    return t;
}

/* ---- values and derivatives ---- */

double bl_wrap_G(bl_problem *P, cvec *th, cvec *om)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k);
        s->val[k] = s->base->G(SUB(k), &t, &omb);
    }
    return sum_val(s);
}

double bl_wrap_L(bl_problem *P, cvec *th, cvec *om)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k);
        s->val[k] = s->base->L(SUB(k), &t, &omb);
    }
    return sum_val(s) / (double)s->K;
}

void bl_wrap_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k), o = BLKW(g, k);
        s->base->G_theta(SUB(k), &t, &omb, &o);
    }
}

void bl_wrap_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k);
        s->base->G_omega(SUB(k), &t, &omb, s->wd[k]);
    }
    sum_wd(s, 1.0, g);
}

void bl_wrap_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k), o = BLKW(g, k);
        s->base->L_theta(SUB(k), &t, &omb, &o);
        if (s->K > 1) gsl_vector_scale(&o, 1.0 / (double)s->K);
    }
}

void bl_wrap_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k);
        s->base->L_omega(SUB(k), &t, &omb, s->wd[k]);
    }
    sum_wd(s, 1.0 / (double)s->K, g);
}

void bl_wrap_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k), vk = BLK(v, k), o = BLKW(out, k);
        s->base->hvp(SUB(k), &t, &omb, &vk, &o);
    }
}

void bl_wrap_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k), vk = BLK(v, k);
        s->base->cvp(SUB(k), &t, &omb, &vk, s->wd[k]);
    }
    sum_wd(s, 1.0, out);
}

void bl_wrap_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om), ub = OMB(u);
    FOLDS {
        gsl_vector t = BLK(th, k), o = BLKW(out, k);
        s->base->ctvp(SUB(k), &t, &omb, &ub, &o);
    }
}

int bl_wrap_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    int st = BL_OK;
    gsl_matrix_set_zero(H);
    for (size_t k = 0; k < s->K && st == BL_OK; k++) {
        gsl_vector t = BLK(th, k);
        gsl_matrix_view B = gsl_matrix_submatrix(H, k * s->pb, k * s->pb, s->pb, s->pb);
        st = bl_problem_hessian(SUB(k), &t, &omb, &B.matrix);
    }
    return st;
}

double bl_wrap_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    double L = 0;
    for (size_t k = 0; k < s->K; k++) {
        gsl_vector t = BLK(th, k);
        L = fmax(L, bl_problem_lipschitz(SUB(k), &t, &omb));
    }
    return L;
}

/* The base's default ω (fold 1's under cv); learn_eta: log η = −log L_G at
 * θ = 0, the inner step 1/L_G. */
void bl_wrap_omega0(bl_problem *P, gsl_vector *om)
{
    wrap_state *s = P->state;
    gsl_vector_view omb = gsl_vector_subvector(om, 0, s->db);
    bl_problem_omega0(SUB(0), &omb.vector);
    if (s->eta) {
        gsl_vector *z = gsl_vector_calloc(P->p);
        double L = z ? bl_wrap_lipschitz(P, z, om) : 1.0;
        gsl_vector_set(om, s->db, L > 0 && isfinite(L) ? -log(L) : 0.0);
        gsl_vector_free(z);
    }
}

int bl_wrap_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    size_t n = 0;
    char line[1024];
    buf[0] = 0;
    if (s->K > 1)
        n += (size_t)snprintf(buf, len, "cv: %zu folds of the training split, each its own "
                              "inner problem (θ_k ∈ R^%zu); F = the mean of their "
                              "validation losses", s->K, s->pb);
    for (size_t k = 0; k < s->K && n < len; k++) {
        gsl_vector t = BLK(th, k);
        if (!s->base->report || s->base->report(SUB(k), &t, &omb, line, sizeof line))
            continue;
        if (s->K > 1) {
            char *nl = strchr(line, '\n');
            if (nl) *nl = 0;                 /* one line a fold */
            n += (size_t)snprintf(buf + n, len - n, "\nfold %zu: %s", k + 1, line);
        } else {
            n += (size_t)snprintf(buf + n, len - n, "%s", line);
        }
    }
    if (s->eta && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%sη = e^ω%zu = %.6g: the step of the "
                              "unrolled estimators (learn_eta=1)", n ? "\n" : "",
                              s->db + 1, exp(gsl_vector_get(om, s->db)));
    return n ? BL_OK : BL_EINVAL;
}

/* ---- the unrolled map ---- */

void bl_wrap_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k), o = BLKW(out, k);
        s->base->step(SUB(k), &t, &omb, eta, &o);
    }
}

/* wp[k] ← ∂Φ_k/∂log η = (Φ(θ_k) − θ_k) ⊙ [Φ ≠ 0] */
static void dphi_dlogeta(wrap_state *s, size_t k, const gsl_vector *t, const gsl_vector *omb,
                         double eta)
{
    gsl_vector *w = s->wp[k];
    s->base->step(SUB(k), t, omb, eta, w);
    for (size_t j = 0; j < s->pb; j++) {
        double f = gsl_vector_get(w, j);
        gsl_vector_set(w, j, f != 0 ? f - gsl_vector_get(t, j) : 0.0);
    }
}

void bl_wrap_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                      gsl_vector *gth, gsl_vector *gom)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th, k), a = BLK(alpha, k);
        gsl_vector o = gth ? BLKW(gth, k) : t;
        s->base->step_vjp(SUB(k), &t, &omb, eta, &a, gth ? &o : NULL, s->wd[k]);
        if (s->eta) {
            double d;
            dphi_dlogeta(s, (size_t)k, &t, &omb, eta);
            gsl_blas_ddot(s->wp[k], &a, &d);
            s->val[k] = d;
        }
    }
    sum_wd(s, 1.0, gom);
    if (s->eta) gsl_vector_set(gom, s->db, sum_val(s));
}

void bl_wrap_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                      gsl_vector *out)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om), ub = OMB(u);
    double ue = s->eta ? gsl_vector_get(u, s->db) : 0.0;
    FOLDS {
        gsl_vector t = BLK(th, k), o = BLKW(out, k);
        gsl_vector vk = v ? BLK(v, k) : t;
        s->base->step_jvp(SUB(k), &t, &omb, eta, v ? &vk : NULL, &ub, &o);
        if (ue != 0) {
            dphi_dlogeta(s, (size_t)k, &t, &omb, eta);
            gsl_blas_daxpy(ue, s->wp[k], &o);
        }
    }
}

int bl_wrap_cd_sweep(bl_problem *P, gsl_vector *th, cvec *om)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLKW(th, k);
        s->val[k] = s->base->cd_sweep(SUB(k), &t, &omb);
    }
    for (size_t k = 0; k < s->K; k++)
        if (s->val[k] != BL_OK) return (int)s->val[k];
    return BL_OK;
}

/* The sweep's derivatives fold by fold (cd_jvp, cd_vjp of problem.h): fold
 * k's rows of J and its block of α; the η slot's column of J stays 0 and its
 * gom entry is 0 (coordinate descent has no step). */
int bl_wrap_cd_jvp(bl_problem *P, gsl_vector *th, cvec *om, gsl_matrix *J)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLKW(th, k);
        gsl_matrix_view jk = gsl_matrix_submatrix(J, (size_t)k * s->pb, 0, s->pb, s->db);
        s->val[k] = s->base->cd_jvp(SUB(k), &t, &omb, &jk.matrix);
    }
    for (size_t k = 0; k < s->K; k++)
        if (s->val[k] != BL_OK) return (int)s->val[k];
    return BL_OK;
}

void bl_wrap_cd_vjp(bl_problem *P, cvec *th1, cvec *om, gsl_vector *alpha, gsl_vector *gom)
{
    wrap_state *s = P->state;
    gsl_vector omb = OMB(om);
    FOLDS {
        gsl_vector t = BLK(th1, k), a = BLKW(alpha, k);
        s->base->cd_vjp(SUB(k), &t, &omb, &a, s->wd[k]);
    }
    sum_wd(s, 1.0, gom);
}
