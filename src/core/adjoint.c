/* adjoint.c: the adjoint iterators cg, neumann and fp, and the spectrum
 * of H that predicts how they behave. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

#include "adjoint.h"
#include "hypergrad.h"
#include "linalg.h"

#define DENSE_MAX 300
#define LANCZOS_MAX 120

/* ---- cg: conjugate gradients on H a = b ---- */

typedef struct { gsl_vector *r, *d, *Hd; double rr; } cg_state;

static int cg_alloc(void *s, size_t p)
{
    cg_state *c = s;
    c->r = gsl_vector_alloc(p);
    c->d = gsl_vector_alloc(p);
    c->Hd = gsl_vector_alloc(p);
    return c->r && c->d && c->Hd ? BL_OK : BL_ENOMEM;
}

static int cg_set(void *s, bl_adjoint *it)
{
    cg_state *c = s;
    gsl_vector_memcpy(c->r, it->b);
    if (it->warm) {                                   /* r = b − H a₀ */
        bl_problem_hvp(it->P, it->theta, it->omega, it->a, c->Hd);
        gsl_vector_sub(c->r, c->Hd);
    }
    gsl_vector_memcpy(c->d, c->r);
    gsl_blas_ddot(c->r, c->r, &c->rr);
    it->resid = it->bnorm > 0 ? sqrt(c->rr) / it->bnorm : sqrt(c->rr);
    return BL_OK;
}

static int cg_iterate(void *s, bl_adjoint *it)
{
    cg_state *c = s;
    double dHd, rr1;
    if (c->rr == 0) return BL_OK;                     /* solved exactly */
    bl_problem_hvp(it->P, it->theta, it->omega, c->d, c->Hd);
    gsl_blas_ddot(c->d, c->Hd, &dHd);
    /* ‖r‖² below DBL_MIN/ε: on a well-conditioned H (ivreg's kernel model)
     * cg with tol=0 drives r to the underflow level, where dᵀHd rounds to
     * 0; that is a solved system, not a curvature problem */
    if (dHd == 0 && c->rr < DBL_MIN / DBL_EPSILON) {
        c->rr = 0;
        return BL_OK;
    }
    if (!(dHd > 0)) {
        it->resid = dHd;                              /* reported by the caller */
        return BL_ENOTPD;
    }
    double alpha = c->rr / dHd;
    gsl_blas_daxpy(alpha, c->d, it->a);
    gsl_blas_daxpy(-alpha, c->Hd, c->r);
    gsl_blas_ddot(c->r, c->r, &rr1);
    gsl_vector_scale(c->d, rr1 / c->rr);
    gsl_vector_add(c->d, c->r);
    c->rr = rr1;
    it->resid = it->bnorm > 0 ? sqrt(rr1) / it->bnorm : sqrt(rr1);
    return BL_OK;
}

static void cg_free(void *s)
{
    cg_state *c = s;
    gsl_vector_free(c->r);
    gsl_vector_free(c->d);
    gsl_vector_free(c->Hd);
}

/* saved: ‖r‖², r and d */
static size_t cg_save(const void *s, const bl_adjoint *it, double *w)
{
    const cg_state *c = s;
    size_t p = it->a->size;
    if (w) {
        w[0] = c->rr;
        for (size_t i = 0; i < p; i++) {
            w[1 + i] = gsl_vector_get(c->r, i);
            w[1 + p + i] = gsl_vector_get(c->d, i);
        }
    }
    return 1 + 2 * p;
}

static int cg_load(void *s, bl_adjoint *it, const double *w, size_t n)
{
    cg_state *c = s;
    size_t p = it->a->size;
    if (n != 1 + 2 * p || !(w[0] >= 0)) return BL_EINVAL;
    c->rr = w[0];
    for (size_t i = 0; i < p; i++) {
        gsl_vector_set(c->r, i, w[1 + i]);
        gsl_vector_set(c->d, i, w[1 + p + i]);
    }
    it->resid = it->bnorm > 0 ? sqrt(c->rr) / it->bnorm : sqrt(c->rr);
    return BL_OK;
}

static const bl_adjoint_type cg_type = {
    .name = "cg",
    .help = "conjugate gradients on H a = ∇θL (one H-product an iteration)",
    .size = sizeof(cg_state),
    .alloc = cg_alloc, .set = cg_set, .iterate = cg_iterate, .free = cg_free,
    .save = cg_save, .load = cg_load,
};

/* ---- neumann: a = a₀ + η Σ_j (I − ηH)^j (b − H a₀); cold a₀ = 0 gives
 * η Σ_{j=0}^{K} (I − ηH)^j b after K iterations (K + 1 terms) ---- */

typedef struct { gsl_vector *v, *Hv; } neu_state;

static int neu_alloc(void *s, size_t p)
{
    neu_state *n = s;
    n->v = gsl_vector_alloc(p);
    n->Hv = gsl_vector_alloc(p);
    return n->v && n->Hv ? BL_OK : BL_ENOMEM;
}

static int neu_set(void *s, bl_adjoint *it)
{
    neu_state *n = s;
    gsl_vector_memcpy(n->v, it->b);                   /* v₀ = b − H a₀ */
    if (it->warm) {
        bl_problem_hvp(it->P, it->theta, it->omega, it->a, n->Hv);
        gsl_vector_sub(n->v, n->Hv);
    } else {
        gsl_vector_set_zero(it->a);
    }
    gsl_blas_daxpy(it->eta, n->v, it->a);             /* a = a₀ + η v₀ */
    it->resid = NAN;
    return BL_OK;
}

static int neu_iterate(void *s, bl_adjoint *it)
{
    neu_state *n = s;
    bl_problem_hvp(it->P, it->theta, it->omega, n->v, n->Hv);
    gsl_blas_daxpy(-it->eta, n->Hv, n->v);            /* v ← (I − ηH) v */
    gsl_blas_daxpy(it->eta, n->v, it->a);             /* a ← a + η v */
    it->resid = NAN;
    return BL_OK;
}

static void neu_free(void *s)
{
    neu_state *n = s;
    gsl_vector_free(n->v);
    gsl_vector_free(n->Hv);
}

/* saved: the last term v */
static size_t neu_save(const void *s, const bl_adjoint *it, double *w)
{
    const neu_state *n = s;
    size_t p = it->a->size;
    if (w)
        for (size_t i = 0; i < p; i++) w[i] = gsl_vector_get(n->v, i);
    return p;
}

static int neu_load(void *s, bl_adjoint *it, const double *w, size_t k)
{
    neu_state *n = s;
    size_t p = it->a->size;
    if (k != p) return BL_EINVAL;
    for (size_t i = 0; i < p; i++) gsl_vector_set(n->v, i, w[i]);
    return BL_OK;
}

static const bl_adjoint_type neu_type = {
    .name = "neumann",
    .help = "Neumann series a = η Σ_j (I − ηH)^j ∇θL, one term an iteration",
    .size = sizeof(neu_state),
    .flags = BL_ADJ_NEEDS_ETA,
    .alloc = neu_alloc, .set = neu_set, .iterate = neu_iterate, .free = neu_free,
    .save = neu_save, .load = neu_load,
};

/* ---- fp: a ← (I − ηH) a + η b from a₀ (0 when cold) ---- */

typedef struct { gsl_vector *Ha; int zero; } fp_state;

static int fp_alloc(void *s, size_t p)
{
    fp_state *f = s;
    f->Ha = gsl_vector_alloc(p);
    return f->Ha ? BL_OK : BL_ENOMEM;
}

static int fp_set(void *s, bl_adjoint *it)
{
    fp_state *f = s;
    f->zero = !it->warm;
    if (!it->warm) gsl_vector_set_zero(it->a);
    it->resid = it->warm ? NAN : 1.0;                 /* a₀ = 0: r = −b */
    return BL_OK;
}

static int fp_iterate(void *s, bl_adjoint *it)
{
    fp_state *f = s;
    if (f->zero) gsl_vector_set_zero(f->Ha);          /* H·0: no product */
    else bl_problem_hvp(it->P, it->theta, it->omega, it->a, f->Ha);
    f->zero = 0;
    gsl_vector_sub(f->Ha, it->b);                     /* H a − b */
    gsl_blas_daxpy(-it->eta, f->Ha, it->a);
    it->resid = NAN;
    return BL_OK;
}

static void fp_free(void *s) { gsl_vector_free(((fp_state *)s)->Ha); }

/* saved: whether a is still the zero start */
static size_t fp_save(const void *s, const bl_adjoint *it, double *w)
{
    (void)it;
    if (w) w[0] = ((const fp_state *)s)->zero;
    return 1;
}

static int fp_load(void *s, bl_adjoint *it, const double *w, size_t n)
{
    (void)it;
    if (n != 1 || (w[0] != 0 && w[0] != 1)) return BL_EINVAL;
    ((fp_state *)s)->zero = (int)w[0];
    return BL_OK;
}

static const bl_adjoint_type fp_type = {
    .name = "fp",
    .help = "fixed point a ← (I − ηH) a + η∇θL from a₀ = 0 (fp:k=K = neumann:k=K−1)",
    .size = sizeof(fp_state),
    .flags = BL_ADJ_NEEDS_ETA,
    .alloc = fp_alloc, .set = fp_set, .iterate = fp_iterate, .free = fp_free,
    .save = fp_save, .load = fp_load,
};

/* ---- the table and the life cycle ---- */

const bl_adjoint_type *const bl_adjoint_cg = &cg_type;
const bl_adjoint_type *const bl_adjoint_neumann = &neu_type;
const bl_adjoint_type *const bl_adjoint_fp = &fp_type;
const bl_adjoint_type *const bl_adjoint_types[] = {&cg_type, &neu_type, &fp_type, NULL};

const bl_adjoint_type *bl_adjoint_lookup(const char *name)
{
    const char *names[32];
    size_t n = 0;
    for (; n < 32 && bl_adjoint_types[n]; n++) names[n] = bl_adjoint_types[n]->name;
    int k = bl_lookup(name, names, n, "adjoint method", NULL, NULL);
    return k >= 0 ? bl_adjoint_types[k] : NULL;
}

bl_adjoint *bl_adjoint_alloc(const bl_adjoint_type *T, size_t p)
{
    bl_adjoint *it = calloc(1, sizeof *it);
    if (!it) return NULL;
    it->type = T;
    it->theta = gsl_vector_alloc(p);
    it->b = gsl_vector_alloc(p);
    it->a = gsl_vector_calloc(p);
    it->state = calloc(1, T->size);
    if (!it->theta || !it->b || !it->a || !it->state || T->alloc(it->state, p)) {
        bl_adjoint_free(it);
        return NULL;
    }
    return it;
}

void bl_adjoint_free(bl_adjoint *it)
{
    if (!it) return;
    if (it->state) it->type->free(it->state);
    free(it->state);
    gsl_vector_free(it->theta);
    gsl_vector_free(it->omega);
    gsl_vector_free(it->b);
    gsl_vector_free(it->a);
    bl_history_release(&it->hist);
    free(it);
}

size_t bl_adjoint_state_get(const bl_adjoint *it, double *w)
{
    size_t p = it->a->size;
    if (w) {
        w[0] = (double)it->iter;
        w[1] = it->warm;
        for (size_t i = 0; i < p; i++) w[2 + i] = gsl_vector_get(it->a, i);
    }
    return 2 + p + it->type->save(it->state, it, w ? w + 2 + p : NULL);
}

int bl_adjoint_state_put(bl_adjoint *it, const double *w, size_t n, bl_err *e)
{
    size_t p = it->a->size, want = bl_adjoint_state_get(it, NULL);
    if (n != want) {
        bl_err_set(e, BL_EINVAL, "the state of adjoint %s at p = %zu has %zu numbers, "
                   "not %zu", it->type->name, p, want, n);
        return BL_EINVAL;
    }
    if (!(w[0] >= 0 && w[0] <= 1e15) || w[0] != floor(w[0]) || (w[1] != 0 && w[1] != 1)) {
        bl_err_set(e, BL_EINVAL, "the state of adjoint %s has a count out of range",
                   it->type->name);
        return BL_EINVAL;
    }
    it->iter = (size_t)w[0];
    it->warm = (int)w[1];
    for (size_t i = 0; i < p; i++) gsl_vector_set(it->a, i, w[2 + i]);
    if (it->type->load(it->state, it, w + 2 + p, n - 2 - p) != BL_OK) {
        bl_err_set(e, BL_EINVAL, "the state of adjoint %s does not fit it", it->type->name);
        return BL_EINVAL;
    }
    return BL_OK;
}

double bl_adjoint_true_residual(bl_adjoint *it)
{
    bl_problem *P = it->P;
    unsigned long h0 = P->n_hvp;
    gsl_vector *r = gsl_vector_alloc(it->a->size);
    if (!r) return NAN;
    bl_problem_hvp(P, it->theta, it->omega, it->a, r);
    P->n_hvp = h0;                                    /* the inspector's product */
    gsl_vector_sub(r, it->b);
    double n = gsl_blas_dnrm2(r);
    gsl_vector_free(r);
    return it->bnorm > 0 ? n / it->bnorm : n;
}

static int record(bl_adjoint *it)
{
    if (it->track) it->resid = bl_adjoint_true_residual(it);
    return bl_history_push(&it->hist, gsl_blas_dnrm2(it->a), it->resid);
}

int bl_adjoint_set(bl_adjoint *it, bl_problem *P, const gsl_vector *theta,
                   const gsl_vector *omega, const gsl_vector *a0, double eta,
                   int track, bl_err *e)
{
    if (theta->size != it->a->size || theta->size != P->p || omega->size != P->d
        || (a0 && a0->size != P->p)) {
        bl_err_set(e, BL_EDIM, "adjoint solver sized for p=%zu, problem has p=%zu",
                   it->a->size, P->p);
        return BL_EDIM;
    }
    if (!it->omega || it->omega->size != omega->size) {
        gsl_vector_free(it->omega);
        if (!(it->omega = gsl_vector_alloc(omega->size))) return BL_ENOMEM;
    }
    if (!(eta > 0) && (it->type->flags & BL_ADJ_NEEDS_ETA)) {
        bl_err_set(e, BL_EINVAL, "%s needs a step η > 0", it->type->name);
        return BL_EINVAL;
    }
    it->P = P;
    gsl_vector_memcpy(it->theta, theta);
    gsl_vector_memcpy(it->omega, omega);
    bl_problem_L_theta(P, theta, omega, it->b);
    it->bnorm = gsl_blas_dnrm2(it->b);
    it->warm = a0 != NULL;
    if (a0) gsl_vector_memcpy(it->a, a0);
    else gsl_vector_set_zero(it->a);
    it->eta = eta;
    it->track = track;
    it->iter = 0;
    bl_history_clear(&it->hist);
    int st = it->type->set(it->state, it);
    return st ? st : record(it);
}

int bl_adjoint_iterate(bl_adjoint *it, bl_err *e)
{
    int st = it->type->iterate(it->state, it);
    if (st == BL_ENOTPD) {
        char who[256], use[512];
        bl_estimator_names(BL_EST_NEEDS_PD, who, sizeof who);
        bl_estimator_advice_not_pd(use, sizeof use);
        bl_err_set(e, st, "%s: H is not positive definite along a search direction "
                   "(dᵀHd = %.3g): %s need it; here use %s", it->type->name, it->resid,
                   who, use);
        return st;
    }
    if (st) return st;
    if (!bl_vector_finite(it->a)) {
        bl_err_set(e, BL_EDIVERGE, "%s diverged at iteration %zu (the adjoint is "
                   "not finite; is max|1 − ηλ| < 1?)", it->type->name, it->iter + 1);
        return BL_EDIVERGE;
    }
    it->iter++;
    return record(it);
}

int bl_adjoint_test(const bl_adjoint *it, double tol)
{
    return it->resid <= tol ? BL_OK : BL_CONTINUE;
}

int bl_adjoint_run(bl_adjoint *it, double tol, size_t maxit, bl_cancel_t *cancel,
                   bl_err *e)
{
    for (size_t k = 0; bl_adjoint_test(it, tol) != BL_OK; k++) {
        if (k >= maxit) {
            bl_err_set(e, BL_EMAXITER, "%s stopped after %zu iterations with relative "
                       "residual %.3g > tol = %.3g", it->type->name, maxit, it->resid, tol);
            return BL_EMAXITER;
        }
        if (cancel && *cancel) {
            bl_err_set(e, BL_EINTR, "interrupted after %zu iterations", k);
            return BL_EINTR;
        }
        int st = bl_adjoint_iterate(it, e);
        if (st) return st;
        if (it->resid > 1e8) {
            bl_err_set(e, BL_EDIVERGE, "%s diverges: relative residual %.3g after %zu "
                       "iterations (max|1 − ηλ| ≥ 1: see spectrum)", it->type->name,
                       it->resid, it->iter);
            return BL_EDIVERGE;
        }
    }
    return BL_OK;
}

/* ---- spectrum ---- */

static int lanczos(bl_problem *P, const gsl_vector *th, const gsl_vector *om,
                   bl_spectrum *s)
{
    size_t p = P->p, m = p < LANCZOS_MAX ? p : LANCZOS_MAX;
    gsl_matrix *V = gsl_matrix_calloc(m + 1, p), *T = gsl_matrix_calloc(m, m);
    gsl_vector *w = gsl_vector_alloc(p), *ev = gsl_vector_alloc(m);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(m);
    int st = BL_ENOMEM;
    if (!V || !T || !w || !ev || !r || !ws) goto out;
    gsl_rng_set(r, 1);                        /* a fixed, generic start */
    gsl_vector_view v0 = gsl_matrix_row(V, 0);
    for (size_t i = 0; i < p; i++) gsl_vector_set(&v0.vector, i, gsl_ran_gaussian(r, 1));
    gsl_vector_scale(&v0.vector, 1 / gsl_blas_dnrm2(&v0.vector));
    size_t k;
    for (k = 0; k < m; k++) {
        if ((st = bl_problem_poll(P, "spectrum (Lanczos)", (double)k, (double)m)) != BL_OK)
            goto out;                            /* Ctrl-C */
        st = BL_ENOMEM;
        gsl_vector_view vk = gsl_matrix_row(V, k);
        bl_problem_hvp(P, th, om, &vk.vector, w);
        /* full reorthogonalisation, twice, against every earlier vector */
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = 0; j <= k; j++) {
                gsl_vector_view vj = gsl_matrix_row(V, j);
                double c;
                gsl_blas_ddot(&vj.vector, w, &c);
                gsl_blas_daxpy(-c, &vj.vector, w);
                if (pass == 0 && j == k) gsl_matrix_set(T, k, k, c);   /* α_k */
            }
        double beta = gsl_blas_dnrm2(w);
        if (k + 1 == m || beta < 1e-13 * (fabs(gsl_matrix_get(T, k, k)) + 1e-300)) {
            k++;
            break;
        }
        gsl_matrix_set(T, k, k + 1, beta);
        gsl_matrix_set(T, k + 1, k, beta);
        gsl_vector_view vn = gsl_matrix_row(V, k + 1);
        gsl_vector_memcpy(&vn.vector, w);
        gsl_vector_scale(&vn.vector, 1 / beta);
    }
    if (P->busy) P->busy(P->busy_arg, "spectrum", 1, 1);
    /* T is built from the k×k leading block; symmetrise the upper part */
    gsl_matrix_view Tk = gsl_matrix_submatrix(T, 0, 0, k, k);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++) gsl_matrix_set(&Tk.matrix, j, i, gsl_matrix_get(&Tk.matrix, i, j));
    gsl_eigen_symm_workspace *wk = gsl_eigen_symm_alloc(k);
    gsl_vector_view evk = gsl_vector_subvector(ev, 0, k);
    st = wk && gsl_eigen_symm(&Tk.matrix, &evk.vector, wk) == 0 ? BL_OK : BL_EINVAL;
    if (st == BL_OK) {
        s->lmin = gsl_vector_min(&evk.vector);
        s->lmax = gsl_vector_max(&evk.vector);
        s->lanczos_steps = k;
    }
    gsl_eigen_symm_free(wk);
out:
    gsl_eigen_symm_free(ws);
    gsl_rng_free(r);
    gsl_vector_free(ev);
    gsl_vector_free(w);
    gsl_matrix_free(T);
    gsl_matrix_free(V);
    return st;
}

int bl_spectrum_compute(bl_problem *P, const gsl_vector *theta,
                        const gsl_vector *omega, bl_spectrum *s, bl_err *e)
{
    memset(s, 0, sizeof *s);
    /* dense: H and the eigensolver's copy; Lanczos: m + 1 basis vectors */
    double n = (double)P->p, m = n < LANCZOS_MAX ? n : LANCZOS_MAX;
    int st = bl_problem_mem(P, P->p <= DENSE_MAX ? bl_mem_dense(n, 2.0 * n + 4.0)
                                                 : bl_mem_dense(m + 4.0, n) + bl_mem_dense(m, m),
                            P->p <= DENSE_MAX ? "the spectrum's dense H"
                                              : "the spectrum's Lanczos basis", e);
    if (st) return st;
    if (P->p <= DENSE_MAX) {
        gsl_matrix *H = gsl_matrix_alloc(P->p, P->p);
        if (!H) return BL_ENOMEM;
        st = bl_problem_hessian(P, theta, omega, H);
        if (st == BL_OK && !bl_matrix_finite(H)) st = BL_EDIVERGE, s->lmin = s->lmax = NAN;
        else if (st == BL_OK) st = bl_sym_eig_range(H, &s->lmin, &s->lmax);
        if (st == BL_EDIVERGE) s->lmin = s->lmax = NAN;
        gsl_matrix_free(H);
        s->dense = 1;
    } else {
        st = lanczos(P, theta, omega, s);
    }
    if (st == BL_OK && (!isfinite(s->lmin) || !isfinite(s->lmax))) st = BL_EDIVERGE;
    if (st == BL_EINTR) bl_err_set(e, st, "interrupted");
    else if (st == BL_EDIVERGE)        /* never a NaN eigenvalue on the screen */
        bl_err_set(e, st, "H has non-finite entries at the current θ and ω");
    else if (st) bl_err_set(e, st, "the eigenvalues of H could not be computed");
    return st;
}

double bl_contraction(const bl_spectrum *s, double eta)
{
    return fmax(fabs(1 - eta * s->lmin), fabs(1 - eta * s->lmax));
}

double bl_predict_fp(const bl_spectrum *s, double eta, double tol)
{
    double q = bl_contraction(s, eta);
    if (!(q < 1)) return 0;
    if (q == 0) return 1;
    return ceil(log(tol) / log(q));
}

double bl_predict_cg(const bl_spectrum *s, double tol)
{
    if (!(s->lmin > 0)) return 0;
    double kappa = s->lmax / s->lmin;
    return ceil(0.5 * sqrt(kappa) * log(2 / tol));
}
