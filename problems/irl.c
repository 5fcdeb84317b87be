/* irl.c: maximum-entropy inverse reinforcement learning on a gridworld
 * (doc/problems/irl.md; Ziebart et al. 2008, 2010).
 *
 *   G(θ, ω) = −(1/n) Σ_{(s,a) ∈ train} log π_θ(a|s) + (e^ω/2)‖θ‖²
 *   L(θ, ω) = −(1/m) Σ_{(s,a) ∈ held-out} log π_θ(a|s)
 *
 * θ ∈ R^S is a reward per state (one-hot state features), ω the log
 * ridge strength.  π_θ is the soft-optimal (maximum causal entropy) policy
 * of reward θ: π(a|s) = exp(Q(s,a) − V(s)), Q(s,a) = θ_s + γ P_{sa}·V and
 * V(s) = log Σ_a exp Q(s,a), the soft Bellman fixed point.  Since θ_s does
 * not depend on a, π(·|s) = softmax_a(γ P_{sa}·V): the likelihood sees θ
 * only through V.
 *
 * bellman=implicit: V is the fixed point V = θ + S(V), S(V)_s =
 * log Σ_a exp(γ P_{sa}·V), solved by Newton's method (soft policy
 * iteration, monotone from V = 0) to round-off; derivatives by the
 * implicit function theorem, dV/dθ = M⁻¹ with M = I − γP_π.
 * bellman=unrolled: V is K value-iteration steps V_{k+1} = θ + S(V_k)
 * from V_0 = 0, differentiated exactly through the K steps (reverse mode
 * for gradients, forward-over-reverse for H v): what automatic
 * differentiation of a truncated solver gives.  It tends to the implicit
 * one like γ^K. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"
#include "linalg.h"

enum {
    PAR_SIZE, PAR_NTRAJ, PAR_NVAL, PAR_HORIZON, PAR_GAMMA, PAR_SLIP, PAR_SCALE,
    PAR_BELLMAN, PAR_K, PAR_SEED, NPAR
};
enum { BELLMAN_IMPLICIT, BELLMAN_UNROLLED };
enum { NA = 5 };                     /* stay, up, down, left, right */

static const char *const bellman_names[] = {"implicit", "unrolled", NULL};

static const bl_param irl_params[NPAR] = {
    {"size", 5, 2, 15, 1, "side of the square grid (S = size² states, θ ∈ R^S)", NULL},
    {"ntraj", 10, 1, 10000, 1, "expert trajectories for training (G)", NULL},
    {"nval", 20, 1, 10000, 1, "held-out expert trajectories (L)", NULL},
    {"horizon", 10, 1, 1000, 1, "state-action pairs per trajectory", NULL},
    {"gamma", 0.9, 0, 0.999, 0, "discount γ", NULL},
    {"slip", 0.1, 0, 1, 0, "probability that a random action's move happens instead", NULL},
    {"scale", 1, 0, 100, 0, "true reward: +scale at the goal, −scale at the trap", NULL},
    {"bellman", 0, 0, 1, 1, "how V depends on θ: implicit (the soft Bellman fixed point) or "
     "unrolled (K value-iteration steps from 0)", bellman_names},
    {"K", 20, 0, 2000, 1, "value-iteration steps of bellman=unrolled", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator of the grid and trajectories",
     NULL},
};

typedef struct {
    size_t side, S, K;
    int mode;
    double gamma, slip;
    size_t *next;             /* S×NA: the cell action a leads to (walls: stay) */
    size_t goal, trap;
    gsl_vector *rtrue;        /* S, the true reward */
    gsl_matrix *Pexp;         /* S×NA, the expert's policy (implicit V of rtrue) */
    gsl_matrix *Ct, *Cv;      /* S×NA pair counts, training and held-out */
    gsl_vector *ct, *cv;      /* S, state counts */
    double nt, nv;            /* pairs in each */
    /* the cache: everything at the θ it was computed for */
    int have;
    gsl_vector *th;           /* S */
    gsl_matrix *V;            /* (K+1)×S unrolled iterates, or 1×S: V* */
    gsl_matrix *Pi;           /* (K+1)·S × NA policies π_k(a|s), or S×NA */
    gsl_matrix *Minv;         /* S×S, (I − γP_π)⁻¹ (implicit) */
    size_t newton_its;
    double bellman_res;       /* ‖V − θ − S(V)‖∞ at the end */
    /* workspace */
    gsl_matrix *M;            /* S×S */
    gsl_permutation *perm;
    gsl_vector *w1, *w2, *w3, *w4; /* S */
    gsl_matrix *Y;            /* S×NA */
    gsl_matrix *Vd;           /* (K+1)×S tangents */
    gsl_matrix *Lam;          /* (K+1)×S adjoints */
} irl_state;

static void irl_state_free(irl_state *s)
{
    if (!s) return;
    free(s->next);
    gsl_vector_free(s->rtrue);
    gsl_matrix_free(s->Pexp);
    gsl_matrix_free(s->Ct);
    gsl_matrix_free(s->Cv);
    gsl_vector_free(s->ct);
    gsl_vector_free(s->cv);
    gsl_vector_free(s->th);
    gsl_matrix_free(s->V);
    gsl_matrix_free(s->Pi);
    gsl_matrix_free(s->Minv);
    gsl_matrix_free(s->M);
    gsl_permutation_free(s->perm);
    gsl_vector_free(s->w1);
    gsl_vector_free(s->w2);
    gsl_vector_free(s->w3);
    gsl_vector_free(s->w4);
    gsl_matrix_free(s->Y);
    gsl_matrix_free(s->Vd);
    gsl_matrix_free(s->Lam);
    free(s);
}

static irl_state *irl_state_alloc(size_t side, int mode, size_t K)
{
    irl_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    size_t S = side * side, R = mode == BELLMAN_UNROLLED ? K + 1 : 1;
    s->side = side;
    s->S = S;
    s->mode = mode;
    s->K = K;
    s->next = malloc(S * NA * sizeof *s->next);
    s->rtrue = gsl_vector_alloc(S);
    s->Pexp = gsl_matrix_alloc(S, NA);
    s->Ct = gsl_matrix_calloc(S, NA);
    s->Cv = gsl_matrix_calloc(S, NA);
    s->ct = gsl_vector_calloc(S);
    s->cv = gsl_vector_calloc(S);
    s->th = gsl_vector_alloc(S);
    s->V = gsl_matrix_alloc(R, S);
    s->Pi = gsl_matrix_alloc(R * S, NA);
    s->Minv = gsl_matrix_alloc(S, S);
    s->M = gsl_matrix_alloc(S, S);
    s->perm = gsl_permutation_alloc(S);
    s->w1 = gsl_vector_alloc(S);
    s->w2 = gsl_vector_alloc(S);
    s->w3 = gsl_vector_alloc(S);
    s->w4 = gsl_vector_alloc(S);
    s->Y = gsl_matrix_alloc(S, NA);
    s->Vd = gsl_matrix_alloc(R, S);
    s->Lam = gsl_matrix_alloc(R, S);
    if (!s->next || !s->rtrue || !s->Pexp || !s->Ct || !s->Cv || !s->ct || !s->cv || !s->th || !s->V
        || !s->Pi || !s->Minv || !s->M || !s->perm || !s->w1 || !s->w2 || !s->w3 || !s->w4
        || !s->Y || !s->Vd || !s->Lam) {
        irl_state_free(s);
        return NULL;
    }
    return s;
}

/* ---- the MDP ---- */

/* (P_{sa}·V) = (1 − ε)V(next(s,a)) + (ε/A) Σ_b V(next(s,b)) */
static double pdot(const irl_state *s, size_t st, size_t a, const double *V)
{
    const size_t *nx = s->next + st * NA;
    double m = 0;
    for (size_t b = 0; b < NA; b++) m += V[nx[b]];
    return (1 - s->slip) * V[nx[a]] + s->slip / NA * m;
}

/* out += Pᵀy: out(s') += Σ_{s,a} P(s'|s,a) y(s,a) */
static void ptrans_add(const irl_state *s, const gsl_matrix *Y, double c, gsl_vector *out)
{
    for (size_t st = 0; st < s->S; st++) {
        const size_t *nx = s->next + st * NA;
        double ybar = 0;
        for (size_t a = 0; a < NA; a++) {
            double y = c * gsl_matrix_get(Y, st, a);
            ybar += y;
            gsl_vector_set(out, nx[a], gsl_vector_get(out, nx[a]) + (1 - s->slip) * y);
        }
        for (size_t b = 0; b < NA; b++)
            gsl_vector_set(out, nx[b], gsl_vector_get(out, nx[b]) + s->slip / NA * ybar);
    }
}

/* the policy of value V: π(·|s) = softmax_a(γ P_{sa}·V) into PI (S×NA);
 * returns nothing; SV (may be NULL) ← S(V)_s = log Σ_a exp(γ P_{sa}·V) */
static void policy(const irl_state *s, const double *V, gsl_matrix *Pi, double *SV)
{
    for (size_t st = 0; st < s->S; st++) {
        double q[NA], mx = -INFINITY, z = 0;
        for (size_t a = 0; a < NA; a++) {
            q[a] = s->gamma * pdot(s, st, a, V);
            mx = fmax(mx, q[a]);
        }
        for (size_t a = 0; a < NA; a++) z += exp(q[a] - mx);
        for (size_t a = 0; a < NA; a++) gsl_matrix_set(Pi, st, a, exp(q[a] - mx) / z);
        if (SV) SV[st] = mx + log(z);
    }
}

/* M ← I − γP_π */
static void bellman_jacobian(const irl_state *s, const gsl_matrix *Pi, gsl_matrix *M)
{
    gsl_matrix_set_identity(M);
    for (size_t st = 0; st < s->S; st++) {
        const size_t *nx = s->next + st * NA;
        for (size_t a = 0; a < NA; a++) {
            double pa = s->gamma * gsl_matrix_get(Pi, st, a);
            gsl_matrix_set(M, st, nx[a], gsl_matrix_get(M, st, nx[a]) - pa * (1 - s->slip));
            for (size_t b = 0; b < NA; b++)
                gsl_matrix_set(M, st, nx[b], gsl_matrix_get(M, st, nx[b]) - pa * s->slip / NA);
        }
    }
}

/* The soft Bellman fixed point V = r + S(V) by Newton's method from V = 0
 * into V (S), with its policy in PI; uses s->M, s->perm, s->w3, s->w4.
 * Newton's iterates rise monotonically to V* after the first (S is
 * convex and I − γP_π an M-matrix); it stops when the residual is at
 * round-off or stops decreasing. */
static int soft_bellman(irl_state *s, const gsl_vector *r, double *V, gsl_matrix *Pi,
                        size_t *its, double *res)
{
    size_t S = s->S;
    double *SV = s->w4->data, prev = INFINITY;
    memset(V, 0, S * sizeof *V);
    for (size_t it = 0;; it++) {
        policy(s, V, Pi, SV);
        double nf = 0, nv = 0;
        for (size_t i = 0; i < S; i++) {
            double f = V[i] - gsl_vector_get(r, i) - SV[i];
            gsl_vector_set(s->w3, i, f);
            nf = fmax(nf, fabs(f));
            nv = fmax(nv, fabs(V[i]));
        }
        if (!isfinite(nf)) return BL_EDIVERGE;
        *its = it;
        *res = nf;
        if (nf <= 4 * DBL_EPSILON * (1 + nv) || (it > 3 && nf >= prev) || it == 200) break;
        prev = nf;
        int sg;
        bellman_jacobian(s, Pi, s->M);
        if (gsl_linalg_LU_decomp(s->M, s->perm, &sg) != GSL_SUCCESS
            || gsl_linalg_LU_svx(s->M, s->perm, s->w3) != GSL_SUCCESS)
            return BL_EDIVERGE;
        for (size_t i = 0; i < S; i++) V[i] -= gsl_vector_get(s->w3, i);
    }
    return BL_OK;
}

/* Fills the cache at θ (nothing to do when it holds θ already). */
static int evaluate(irl_state *s, cvec *th)
{
    size_t S = s->S;
    if (s->have) {
        size_t i = 0;
        while (i < S && gsl_vector_get(th, i) == gsl_vector_get(s->th, i)) i++;
        if (i == S) return BL_OK;
    }
    s->have = 0;
    gsl_vector_memcpy(s->th, th);
    if (s->mode == BELLMAN_IMPLICIT) {
        int sg;
        gsl_vector_view V = gsl_matrix_row(s->V, 0);
        int st = soft_bellman(s, th, V.vector.data, s->Pi, &s->newton_its, &s->bellman_res);
        if (st) return st;
        bellman_jacobian(s, s->Pi, s->M);
        if (gsl_linalg_LU_decomp(s->M, s->perm, &sg) != GSL_SUCCESS
            || gsl_linalg_LU_invert(s->M, s->perm, s->Minv) != GSL_SUCCESS)
            return BL_EDIVERGE;
    } else {
        double *SV = s->w4->data;
        gsl_vector_view V0 = gsl_matrix_row(s->V, 0);
        gsl_vector_set_zero(&V0.vector);
        for (size_t k = 0; k <= s->K; k++) {
            gsl_matrix_view Pk = gsl_matrix_submatrix(s->Pi, k * S, 0, S, NA);
            policy(s, gsl_matrix_ptr(s->V, k, 0), &Pk.matrix, SV);
            if (k == s->K) break;
            for (size_t i = 0; i < S; i++)
                gsl_matrix_set(s->V, k + 1, i, gsl_vector_get(th, i) + SV[i]);
        }
        double nf = 0;
        for (size_t i = 0; i < S; i++)
            nf = fmax(nf, fabs(gsl_matrix_get(s->V, s->K, i) - gsl_vector_get(th, i) - SV[i]));
        s->bellman_res = nf;
        s->newton_its = s->K;
    }
    for (size_t i = 0; i < s->V->size2; i++)
        if (!isfinite(gsl_matrix_get(s->V, s->mode == BELLMAN_IMPLICIT ? 0 : s->K, i)))
            return BL_EDIVERGE;
    s->have = 1;
    return BL_OK;
}

/* the final policy (the one the likelihood uses) */
static gsl_matrix_view final_policy(irl_state *s)
{
    size_t k = s->mode == BELLMAN_IMPLICIT ? 0 : s->K;
    return gsl_matrix_submatrix(s->Pi, k * s->S, 0, s->S, NA);
}

/* −(1/n) Σ c(s,a) log π(a|s) */
static double nll(irl_state *s, const gsl_matrix *C, double n)
{
    gsl_matrix_view Pi = final_policy(s);
    double t = 0;
    for (size_t st = 0; st < s->S; st++)
        for (size_t a = 0; a < NA; a++) {
            double c = gsl_matrix_get(C, st, a);
            if (c > 0) t -= c * log(gsl_matrix_get(&Pi.matrix, st, a));
        }
    return t / n;
}

/* g ← ∇_V f at the final V: γ Pᵀy, y(s,a) = −(c(s,a) − c(s)π(a|s))/n */
static void grad_V(irl_state *s, const gsl_matrix *C, const gsl_vector *c, double n,
                   gsl_vector *g)
{
    gsl_matrix_view Pi = final_policy(s);
    for (size_t st = 0; st < s->S; st++)
        for (size_t a = 0; a < NA; a++)
            gsl_matrix_set(s->Y, st, a, -(gsl_matrix_get(C, st, a)
                                          - gsl_vector_get(c, st)
                                                * gsl_matrix_get(&Pi.matrix, st, a)) / n);
    gsl_vector_set_zero(g);
    ptrans_add(s, s->Y, s->gamma, g);
}

/* out += γPᵀz with z(s,a) = wt(s)π(a|s)(q̇(s,a) − Σ_b π(b|s)q̇(s,b)),
 * q̇ = γPV̇: the derivative of π-weighted sums along V̇ */
static void add_curvature(irl_state *s, const gsl_matrix *Pi, const double *Vdot,
                          const gsl_vector *wt, gsl_vector *out)
{
    for (size_t st = 0; st < s->S; st++) {
        double q[NA], m = 0;
        for (size_t a = 0; a < NA; a++) {
            q[a] = s->gamma * pdot(s, st, a, Vdot);
            m += gsl_matrix_get(Pi, st, a) * q[a];
        }
        for (size_t a = 0; a < NA; a++)
            gsl_matrix_set(s->Y, st, a, gsl_vector_get(wt, st) * gsl_matrix_get(Pi, st, a)
                                            * (q[a] - m));
    }
    ptrans_add(s, s->Y, s->gamma, out);
}

/* out ← γP_πᵀ x (the transpose of the value-iteration Jacobian) */
static void jac_t(irl_state *s, const gsl_matrix *Pi, const gsl_vector *x, gsl_vector *out)
{
    for (size_t st = 0; st < s->S; st++)
        for (size_t a = 0; a < NA; a++)
            gsl_matrix_set(s->Y, st, a, gsl_matrix_get(Pi, st, a) * gsl_vector_get(x, st));
    gsl_vector_set_zero(out);
    ptrans_add(s, s->Y, s->gamma, out);
}

/* out ← γP_π x */
static void jac(irl_state *s, const gsl_matrix *Pi, const double *x, gsl_vector *out)
{
    for (size_t st = 0; st < s->S; st++) {
        double t = 0;
        for (size_t a = 0; a < NA; a++) t += gsl_matrix_get(Pi, st, a) * pdot(s, st, a, x);
        gsl_vector_set(out, st, s->gamma * t);
    }
}

/* ∇θ of the likelihood term with counts C (c, n) into g */
static void nll_grad(irl_state *s, const gsl_matrix *C, const gsl_vector *c, double n,
                     gsl_vector *g)
{
    size_t S = s->S;
    if (s->mode == BELLMAN_IMPLICIT) {
        grad_V(s, C, c, n, s->w1);
        gsl_blas_dgemv(CblasTrans, 1.0, s->Minv, s->w1, 0.0, g);     /* M⁻ᵀ∇_V f */
        return;
    }
    gsl_vector_set_zero(g);
    if (s->K == 0) return;
    gsl_vector_view lam = gsl_matrix_row(s->Lam, s->K);
    grad_V(s, C, c, n, &lam.vector);
    for (size_t k = s->K; k-- > 0;) {
        gsl_vector_view lk1 = gsl_matrix_row(s->Lam, k + 1), lk = gsl_matrix_row(s->Lam, k);
        gsl_vector_add(g, &lk1.vector);
        if (k == 0) break;
        gsl_matrix_view Pk = gsl_matrix_submatrix(s->Pi, k * S, 0, S, NA);
        jac_t(s, &Pk.matrix, &lk1.vector, &lk.vector);
    }
}

/* H v of the likelihood term (forward over reverse) into out */
static void nll_hvp(irl_state *s, const gsl_matrix *C, const gsl_vector *c, double n, cvec *v,
                    gsl_vector *out)
{
    size_t S = s->S;
    gsl_vector *wt = s->w2;
    if (s->mode == BELLMAN_IMPLICIT) {
        gsl_matrix_view Pi = final_policy(s);
        /* V̇ = M⁻¹v, λ = M⁻ᵀ∇_V f, λ̇ = M⁻ᵀ γPᵀ z with weights c(s)/n + λ(s) */
        gsl_vector *Vd = s->w3;
        gsl_blas_dgemv(CblasNoTrans, 1.0, s->Minv, v, 0.0, Vd);
        grad_V(s, C, c, n, s->w1);
        gsl_blas_dgemv(CblasTrans, 1.0, s->Minv, s->w1, 0.0, wt);    /* λ */
        gsl_blas_daxpy(1.0 / n, c, wt);
        gsl_vector_set_zero(s->w1);
        add_curvature(s, &Pi.matrix, Vd->data, wt, s->w1);
        gsl_blas_dgemv(CblasTrans, 1.0, s->Minv, s->w1, 0.0, out);
        return;
    }
    gsl_vector_set_zero(out);
    if (s->K == 0) return;
    /* tangents V̇_0 = 0, V̇_{k+1} = v + γP_{π_k}V̇_k */
    gsl_vector_view v0 = gsl_matrix_row(s->Vd, 0);
    gsl_vector_set_zero(&v0.vector);
    for (size_t k = 0; k < s->K; k++) {
        gsl_matrix_view Pk = gsl_matrix_submatrix(s->Pi, k * S, 0, S, NA);
        gsl_vector_view vk1 = gsl_matrix_row(s->Vd, k + 1);
        jac(s, &Pk.matrix, gsl_matrix_ptr(s->Vd, k, 0), &vk1.vector);
        gsl_vector_add(&vk1.vector, v);
    }
    /* adjoints λ_k (into s->Lam) and their tangents λ̇_k (in w1) */
    gsl_vector_view lam = gsl_matrix_row(s->Lam, s->K);
    grad_V(s, C, c, n, &lam.vector);
    for (size_t k = s->K; k-- > 1;) {
        gsl_matrix_view Pk = gsl_matrix_submatrix(s->Pi, k * S, 0, S, NA);
        gsl_vector_view lk1 = gsl_matrix_row(s->Lam, k + 1), lk = gsl_matrix_row(s->Lam, k);
        jac_t(s, &Pk.matrix, &lk1.vector, &lk.vector);
    }
    gsl_vector *ld = s->w1, *tmp = s->w4;
    {
        /* λ̇_K = ∇²f V̇_K = γPᵀz with weights c(s)/n */
        gsl_matrix_view PK = gsl_matrix_submatrix(s->Pi, s->K * S, 0, S, NA);
        gsl_vector_memcpy(wt, c);
        gsl_vector_scale(wt, 1.0 / n);
        gsl_vector_set_zero(ld);
        add_curvature(s, &PK.matrix, gsl_matrix_ptr(s->Vd, s->K, 0), wt, ld);
    }
    for (size_t k = s->K; k-- > 0;) {
        gsl_vector_add(out, ld);                          /* + λ̇_{k+1} */
        if (k == 0) break;
        gsl_matrix_view Pk = gsl_matrix_submatrix(s->Pi, k * S, 0, S, NA);
        gsl_vector_view lk1 = gsl_matrix_row(s->Lam, k + 1);
        jac_t(s, &Pk.matrix, ld, tmp);                    /* γP_{π_k}ᵀλ̇_{k+1} */
        add_curvature(s, &Pk.matrix, gsl_matrix_ptr(s->Vd, k, 0), &lk1.vector, tmp);
        gsl_vector_memcpy(ld, tmp);
    }
}

/* ---- the problem ---- */

static size_t draw_action(gsl_rng *r, const gsl_matrix *Pi, size_t st)
{
    double u = gsl_rng_uniform(r), c = 0;
    for (size_t a = 0; a < NA; a++) {
        c += gsl_matrix_get(Pi, st, a);
        if (u < c) return a;
    }
    return NA - 1;
}

static void sample(irl_state *s, gsl_rng *r, const gsl_matrix *Pi, size_t ntraj,
                   size_t horizon, gsl_matrix *C, gsl_vector *c, double *n)
{
    for (size_t j = 0; j < ntraj; j++) {
        size_t st = gsl_rng_uniform_int(r, s->S);
        for (size_t t = 0; t < horizon; t++) {
            size_t a = draw_action(r, Pi, st);
            gsl_matrix_set(C, st, a, gsl_matrix_get(C, st, a) + 1);
            gsl_vector_set(c, st, gsl_vector_get(c, st) + 1);
            size_t b = gsl_rng_uniform(r) < s->slip ? gsl_rng_uniform_int(r, NA) : a;
            st = s->next[st * NA + b];
        }
    }
    *n = (double)(ntraj * horizon);
}

static int irl_init(bl_problem *P, bl_err *e)
{
    size_t side = (size_t)P->par[PAR_SIZE], K = (size_t)P->par[PAR_K];
    int mode = (int)P->par[PAR_BELLMAN];
    irl_state *s = irl_state_alloc(side, mode, K);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_vector *V = gsl_vector_alloc(side * side);
    int st = BL_OK;
    if (!s || !r || !V) {
        st = BL_ENOMEM;
        bl_err_set(e, st, "out of memory building irl with size=%zu", side);
        goto done;
    }
    size_t S = s->S;
    s->gamma = P->par[PAR_GAMMA];
    s->slip = P->par[PAR_SLIP];
    for (size_t i = 0; i < side; i++)
        for (size_t j = 0; j < side; j++) {
            size_t x = i * side + j, *nx = s->next + x * NA;
            nx[0] = x;
            nx[1] = i > 0 ? x - side : x;
            nx[2] = i + 1 < side ? x + side : x;
            nx[3] = j > 0 ? x - 1 : x;
            nx[4] = j + 1 < side ? x + 1 : x;
        }
    /* Draw order (mt19937 seeded with seed): the goal cell
     * (gsl_rng_uniform_int(S)), the trap (uniform_int(S − 1), skipping the
     * goal); then the training and the held-out trajectories, each: the
     * start (uniform_int(S)), then per step the action (inverse CDF of
     * π*(·|s) at gsl_rng_uniform) and the slip (gsl_rng_uniform < slip,
     * then the action that moves: uniform_int(5)). */
    gsl_rng_set(r, (unsigned long)P->par[PAR_SEED]);
    s->goal = gsl_rng_uniform_int(r, S);
    s->trap = gsl_rng_uniform_int(r, S - 1);
    if (s->trap >= s->goal) s->trap++;
    gsl_vector_set_zero(s->rtrue);
    gsl_vector_set(s->rtrue, s->goal, P->par[PAR_SCALE]);
    gsl_vector_set(s->rtrue, s->trap, -P->par[PAR_SCALE]);
    size_t its;
    double res;
    st = soft_bellman(s, s->rtrue, V->data, s->Pexp, &its, &res);
    if (st) {
        bl_err_set(e, st, "the expert's soft Bellman equation could not be solved");
        goto done;
    }
    size_t hz = (size_t)P->par[PAR_HORIZON];
    sample(s, r, s->Pexp, (size_t)P->par[PAR_NTRAJ], hz, s->Ct, s->ct, &s->nt);
    sample(s, r, s->Pexp, (size_t)P->par[PAR_NVAL], hz, s->Cv, s->cv, &s->nv);
    P->p = S;
    P->d = 1;
    P->state = s;
    s = NULL;
done:
    irl_state_free(s);
    gsl_rng_free(r);
    gsl_vector_free(V);
    return st;
}

static void irl_free(bl_problem *P)
{
    irl_state_free(P->state);
    P->state = NULL;
}

static int irl_clone(const bl_problem *src, bl_problem *dst)
{
    const irl_state *a = src->state;
    irl_state *b = irl_state_alloc(a->side, a->mode, a->K);
    if (!b) return BL_ENOMEM;
    b->gamma = a->gamma;
    b->slip = a->slip;
    memcpy(b->next, a->next, a->S * NA * sizeof *a->next);
    b->goal = a->goal;
    b->trap = a->trap;
    gsl_vector_memcpy(b->rtrue, a->rtrue);
    gsl_matrix_memcpy(b->Pexp, a->Pexp);
    gsl_matrix_memcpy(b->Ct, a->Ct);
    gsl_matrix_memcpy(b->Cv, a->Cv);
    gsl_vector_memcpy(b->ct, a->ct);
    gsl_vector_memcpy(b->cv, a->cv);
    b->nt = a->nt;
    b->nv = a->nv;
    dst->state = b;               /* the cache starts empty: it is only a cache */
    return BL_OK;
}

/* A failed Bellman solve (it cannot fail for finite θ) leaves NaN, which
 * the engine reports as divergence. */
static int ready(irl_state *s, cvec *th) { return evaluate(s, th) == BL_OK; }

static double irl_G(bl_problem *P, cvec *th, cvec *om)
{
    irl_state *s = P->state;
    if (!ready(s, th)) return NAN;
    double t = gsl_blas_dnrm2(th);
    return nll(s, s->Ct, s->nt) + 0.5 * exp(gsl_vector_get(om, 0)) * t * t;
}

static double irl_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    irl_state *s = P->state;
    if (!ready(s, th)) return NAN;
    return nll(s, s->Cv, s->nv);
}

static void irl_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    irl_state *s = P->state;
    if (!ready(s, th)) {
        gsl_vector_set_all(g, NAN);
        return;
    }
    nll_grad(s, s->Ct, s->ct, s->nt, g);
    gsl_blas_daxpy(exp(gsl_vector_get(om, 0)), th, g);
}

static void irl_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    double t = gsl_blas_dnrm2(th);
    gsl_vector_set(g, 0, 0.5 * exp(gsl_vector_get(om, 0)) * t * t);
}

static void irl_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    irl_state *s = P->state;
    if (!ready(s, th)) {
        gsl_vector_set_all(g, NAN);
        return;
    }
    nll_grad(s, s->Cv, s->cv, s->nv, g);
}

static void irl_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static void irl_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    irl_state *s = P->state;
    if (!ready(s, th)) {
        gsl_vector_set_all(out, NAN);
        return;
    }
    nll_hvp(s, s->Ct, s->ct, s->nt, v, out);
    gsl_blas_daxpy(exp(gsl_vector_get(om, 0)), v, out);
}

/* C = e^ω θᵀ (1×S) */
static void irl_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P;
    double t;
    gsl_blas_ddot(th, v, &t);
    gsl_vector_set(out, 0, exp(gsl_vector_get(om, 0)) * t);
}

static void irl_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P;
    gsl_vector_memcpy(out, th);
    gsl_vector_scale(out, exp(gsl_vector_get(om, 0)) * gsl_vector_get(u, 0));
}

/* Dense H from S products H e_j, symmetrised (the products are symmetric
 * only to round-off) */
static int irl_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    size_t p = P->p;
    gsl_vector *e = gsl_vector_calloc(p);
    if (!e) return BL_ENOMEM;
    for (size_t j = 0; j < p; j++) {
        gsl_vector_view col = gsl_matrix_column(H, j);
        gsl_vector_set_basis(e, j);
        irl_hvp(P, th, om, e, &col.vector);
    }
    gsl_vector_free(e);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++) {
            double a = 0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i));
            gsl_matrix_set(H, i, j, a);
            gsl_matrix_set(H, j, i, a);
        }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            if (!isfinite(gsl_matrix_get(H, i, j))) return BL_EDIVERGE;
    return BL_OK;
}

/* Twice the largest eigenvalue of H at θ (not a global bound: the
 * curvature grows away from θ = 0, where the policy is uniform; by default
 * λmax(H) is 0.22 at θ = 0 and 0.41 at θ*).  The engine's own power
 * iteration starts from 1/√p, which is the flat direction of the
 * likelihood (π does not change when θ shifts by a constant), and would
 * see only e^ω. */
static double irl_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    size_t p = P->p;
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    double lmin = NAN, lmax = NAN;
    if (H && irl_hessian(P, th, om, H) == BL_OK) bl_sym_eig_range(H, &lmin, &lmax);
    gsl_matrix_free(H);
    return 2.0 * lmax;
}

/* ω = log 0.01 */
static void irl_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set(om, 0, log(0.01));
}

/* −(1/n) Σ c(s,a) log π(a|s) for a given policy */
static double nll_of(const irl_state *s, const gsl_matrix *Pi, const gsl_matrix *C, double n)
{
    double t = 0;
    for (size_t st = 0; st < s->S; st++)
        for (size_t a = 0; a < NA; a++) {
            double c = gsl_matrix_get(C, st, a);
            if (c > 0) t -= c * log(gsl_matrix_get(Pi, st, a));
        }
    return t / n;
}

static int irl_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)om;
    irl_state *s = P->state;
    size_t S = s->S, k = 0, agree = 0;
    int n;
    if (evaluate(s, th) != BL_OK) {
        snprintf(buf, len, "the soft Bellman equation could not be solved at this θ");
        return BL_OK;
    }
    gsl_matrix_view Pm = final_policy(s);
    for (size_t st = 0; st < S; st++) {
        size_t a1 = 0, a2 = 0;
        for (size_t a = 1; a < NA; a++) {
            if (gsl_matrix_get(s->Pexp, st, a) > gsl_matrix_get(s->Pexp, st, a1)) a1 = a;
            if (gsl_matrix_get(&Pm.matrix, st, a) > gsl_matrix_get(&Pm.matrix, st, a2)) a2 = a;
        }
        agree += a1 == a2;
    }
    n = snprintf(buf, len, "held-out −log-likelihood per step: %.6g at θ, %.6g for the expert's "
                 "own policy, %.6g for the uniform policy (log 5)\n"
                 "greedy actions equal to the expert's in %zu of %zu cells; goal at (%zu, %zu), "
                 "trap at (%zu, %zu) (row, column)\n%s: ‖V − θ − S(V)‖∞ = %.3g after %zu %s",
                 nll(s, s->Cv, s->nv), nll_of(s, s->Pexp, s->Cv, s->nv), log((double)NA), agree,
                 S, s->goal / s->side, s->goal % s->side, s->trap / s->side, s->trap % s->side,
                 s->mode == BELLMAN_IMPLICIT ? "soft Bellman fixed point" : "unrolled",
                 s->bellman_res, s->newton_its,
                 s->mode == BELLMAN_IMPLICIT ? "Newton steps" : "value-iteration steps");
    if (n < 0) return BL_OK;
    k = (size_t)n < len ? (size_t)n : len;
    if (s->side <= 8) {
        for (size_t i = 0; i < s->side && k + 1 < len; i++) {
            n = snprintf(buf + k, len - k, "\nθ row %zu:", i);
            if (n < 0) break;
            k += (size_t)n;
            for (size_t j = 0; j < s->side && k + 1 < len; j++) {
                n = snprintf(buf + k, len - k, " %7.3f", gsl_vector_get(th, i * s->side + j));
                if (n < 0) break;
                k += (size_t)n;
            }
        }
    }
    return BL_OK;
}

const bl_problem_type bl_problem_irl = {
    .name = "irl",
    .summary = "max-entropy inverse reinforcement learning on a gridworld (soft Bellman fixed point)",
    .inner_text = "G(θ, ω) = −(1/n) Σ_train log π_θ(a|s) + (e^ω/2)‖θ‖²",
    .outer_text = "L(θ, ω) = −(1/m) Σ_held-out log π_θ(a|s)",
    .notes =
        "θ ∈ R^S: a reward per cell of a size×size grid (S = size²); ω ∈ R.  Actions stay, "
        "up, down, left, right (into a wall: stay); with probability slip the move of a "
        "uniformly random action happens instead.  π_θ(a|s) = exp(Q(s,a) − V(s)) is the "
        "soft-optimal policy: Q(s,a) = θ_s + γ P_{sa}·V, V(s) = log Σ_a exp Q(s,a).  The "
        "expert acts with π of the true reward (+scale at a goal cell, −scale at a trap, "
        "0 elsewhere, drawn with seed); ntraj training and nval held-out trajectories of "
        "horizon pairs from uniform starts.\n"
        "bellman=implicit: V solves V = θ + S(V) (Newton's method to round-off); "
        "∇θ = M⁻ᵀ∇_V with M = I − γP_π (implicit function theorem); H v forward over "
        "reverse: V̇ = M⁻¹v, H v = M⁻ᵀγPᵀz + e^ω v, z(s,a) = (c(s)/n + λ(s))π(a|s)(q̇(s,a) − "
        "π_s·q̇_s), q̇ = γPV̇, λ = M⁻ᵀ∇_V f.  bellman=unrolled: V = V_K after K steps "
        "V_{k+1} = θ + S(V_k), V_0 = 0, differentiated through the K steps (exact for that "
        "truncated V; tends to implicit like γ^K).  C = e^ω θᵀ.\n"
        "The likelihood depends on θ only up to a constant shift (π is unchanged by "
        "θ + c·1): without the ridge H is singular along 1.  No closed form; show prints "
        "the held-out likelihood under the true reward and how many greedy actions match "
        "the expert's.  The inner step η uses twice λmax(H) at the starting θ (an "
        "estimate, not a bound: the curvature grows away from θ = 0).  Default ω = log 0.01.",
    .params = irl_params,
    .nparams = NPAR,
    .flags = 0,
    .solver = "gd",
    .init = irl_init,
    .free = irl_free,
    .clone = irl_clone,
    .G = irl_G,
    .L = irl_L,
    .G_theta = irl_G_theta,
    .G_omega = irl_G_omega,
    .L_theta = irl_L_theta,
    .L_omega = irl_L_omega,
    .hvp = irl_hvp,
    .cvp = irl_cvp,
    .ctvp = irl_ctvp,
    .hessian = irl_hessian,
    .lipschitz = irl_lipschitz,
    .omega0 = irl_omega0,
    .report = irl_report,
};
