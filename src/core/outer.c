/* outer.c: outer optimisers and the outer step (inner solve, estimator,
 * projected update, optional Armijo backtracking on F). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "outer.h"

/* ---- gd: dir = −g ---- */

static int gd_alloc(void *s, size_t d) { (void)s; (void)d; return BL_OK; }
static void gd_nop(void *s) { (void)s; }
static void gd_direction(void *s, const gsl_vector *g, gsl_vector *dir)
{
    (void)s;
    gsl_vector_memcpy(dir, g);
    gsl_vector_scale(dir, -1.0);
}

static const bl_outer_type gd_type = {
    .name = "gd",
    .help = "gradient descent: ω ← ω − s g",
    .size = 0,
    .alloc = gd_alloc, .reset = gd_nop, .direction = gd_direction, .accept = gd_nop,
    .free = gd_nop,
};

/* ---- momentum (heavy ball): v ← βv + g, dir = −v, β = 0.9 ---- */

typedef struct { gsl_vector *v, *vt; } mom_state;

static int mom_alloc(void *s, size_t d)
{
    mom_state *m = s;
    m->v = gsl_vector_calloc(d);
    m->vt = gsl_vector_calloc(d);
    return m->v && m->vt ? BL_OK : BL_ENOMEM;
}
static void mom_reset(void *s) { gsl_vector_set_zero(((mom_state *)s)->v); }
static void mom_direction(void *s, const gsl_vector *g, gsl_vector *dir)
{
    mom_state *m = s;
    gsl_vector_memcpy(m->vt, m->v);
    gsl_vector_scale(m->vt, 0.9);
    gsl_vector_add(m->vt, g);
    gsl_vector_memcpy(dir, m->vt);
    gsl_vector_scale(dir, -1.0);
}
static void mom_accept(void *s) { mom_state *m = s; gsl_vector_memcpy(m->v, m->vt); }
static void mom_free(void *s)
{
    mom_state *m = s;
    gsl_vector_free(m->v);
    gsl_vector_free(m->vt);
}

/* Copies of the vectors V[0..K) into W and back. */
static size_t vecs_save(gsl_vector *const *v, size_t k, size_t d, double *w)
{
    if (w)
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < d; j++) w[i * d + j] = gsl_vector_get(v[i], j);
    return k * d;
}

static void vecs_load(gsl_vector *const *v, size_t k, size_t d, const double *w)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < d; j++) gsl_vector_set(v[i], j, w[i * d + j]);
}

static size_t mom_save(const void *s, size_t d, double *w)
{
    const mom_state *m = s;
    return vecs_save(&m->v, 1, d, w);
}

static int mom_load(void *s, size_t d, const double *w, size_t n)
{
    mom_state *m = s;
    if (n != d) return BL_EINVAL;
    vecs_load(&m->v, 1, d, w);
    return BL_OK;
}

static const bl_outer_type mom_type = {
    .name = "momentum",
    .help = "heavy ball: v ← 0.9 v + g, ω ← ω − s v",
    .size = sizeof(mom_state),
    .alloc = mom_alloc, .reset = mom_reset, .direction = mom_direction,
    .accept = mom_accept, .free = mom_free,
    .save = mom_save, .load = mom_load,
};

/* ---- adam: β1 = 0.9, β2 = 0.999, ε = 1e-8, bias-corrected ---- */

typedef struct { gsl_vector *m, *v, *mt, *vt; double k; } adam_state;

static int adam_alloc(void *s, size_t d)
{
    adam_state *a = s;
    a->m = gsl_vector_calloc(d);
    a->v = gsl_vector_calloc(d);
    a->mt = gsl_vector_calloc(d);
    a->vt = gsl_vector_calloc(d);
    a->k = 0;
    return a->m && a->v && a->mt && a->vt ? BL_OK : BL_ENOMEM;
}
static void adam_reset(void *s)
{
    adam_state *a = s;
    gsl_vector_set_zero(a->m);
    gsl_vector_set_zero(a->v);
    a->k = 0;
}
static void adam_direction(void *s, const gsl_vector *g, gsl_vector *dir)
{
    adam_state *a = s;
    double k = a->k + 1;
    for (size_t i = 0; i < g->size; i++) {
        double gi = gsl_vector_get(g, i);
        double m = 0.9 * gsl_vector_get(a->m, i) + 0.1 * gi;
        double v = 0.999 * gsl_vector_get(a->v, i) + 0.001 * gi * gi;
        gsl_vector_set(a->mt, i, m);
        gsl_vector_set(a->vt, i, v);
        double mh = m / (1 - pow(0.9, k)), vh = v / (1 - pow(0.999, k));
        gsl_vector_set(dir, i, -mh / (sqrt(vh) + 1e-8));
    }
}
static void adam_accept(void *s)
{
    adam_state *a = s;
    gsl_vector_memcpy(a->m, a->mt);
    gsl_vector_memcpy(a->v, a->vt);
    a->k += 1;
}
static void adam_free(void *s)
{
    adam_state *a = s;
    gsl_vector_free(a->m);
    gsl_vector_free(a->v);
    gsl_vector_free(a->mt);
    gsl_vector_free(a->vt);
}

/* saved: the steps taken k, then the moments m and v */
static size_t adam_save(const void *s, size_t d, double *w)
{
    const adam_state *a = s;
    gsl_vector *mv[2] = {a->m, a->v};
    if (w) w[0] = a->k;
    return 1 + vecs_save(mv, 2, d, w ? w + 1 : NULL);
}

static int adam_load(void *s, size_t d, const double *w, size_t n)
{
    adam_state *a = s;
    gsl_vector *mv[2] = {a->m, a->v};
    if (n != 1 + 2 * d || !(w[0] >= 0 && w[0] <= 1e15) || w[0] != floor(w[0]))
        return BL_EINVAL;
    a->k = w[0];
    vecs_load(mv, 2, d, w + 1);
    return BL_OK;
}

static const bl_outer_type adam_type = {
    .name = "adam",
    .help = "Adam (β1=0.9, β2=0.999, ε=1e-8) with step s",
    .size = sizeof(adam_state),
    .alloc = adam_alloc, .reset = adam_reset, .direction = adam_direction,
    .accept = adam_accept, .free = adam_free,
    .save = adam_save, .load = adam_load,
};

const bl_outer_type *const bl_outer_types[] = {&gd_type, &mom_type, &adam_type, NULL};

const bl_outer_type *bl_outer_lookup(const char *name)
{
    const char *names[32];
    size_t n = 0;
    for (; n < 32 && bl_outer_types[n]; n++) names[n] = bl_outer_types[n]->name;
    int k = bl_lookup(name, names, n, "outer optimiser", NULL, NULL);
    return k >= 0 ? bl_outer_types[k] : NULL;
}

/* ---- trace ---- */

void bl_trace_clear(bl_trace *t) { t->n = 0; }

void bl_trace_release(bl_trace *t)
{
    free(t->omega);
    free(t->F);
    free(t->gnorm);
    free(t->step);
    free(t->inner_iters);
    free(t->adjoint_iters);
    free(t->info);
    memset(t, 0, sizeof *t);
}

int bl_trace_converged(const bl_trace *t, size_t r)
{
    return r < t->n && t->info[r].inner.failures == 0;
}

const char *bl_step_why(int why)
{
    switch (why) {
    case BL_STEP_MOVED: return "ω moved";
    case BL_STEP_NOGRAD: return "the hypergradient is 0";
    case BL_STEP_BOX: return "the step points out of the box [outer.lo, outer.hi] and "
                             "the projection leaves ω where it is";
    case BL_STEP_NODECREASE: return "F did not decrease at any trial step";
    case BL_STEP_NONFINITE: return "F was not finite at the trial steps";
    case BL_STEP_SOLVEFAIL: return "the inner solves at the trial steps failed";
    case BL_STEP_ROUNDOFF: return "F did not decrease before the step fell below the "
                                  "round-off of ω";
    }
    return "unknown";
}

static int trace_push(bl_trace *t, const gsl_vector *om, double F, double gn,
                      double step, size_t inner, size_t adjoint, const bl_step_info *info)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        double *o = realloc(t->omega, cap * t->d * sizeof *o);
        if (!o) return BL_ENOMEM;
        t->omega = o;
        double *f = realloc(t->F, cap * sizeof *f);
        if (!f) return BL_ENOMEM;
        t->F = f;
        double *g = realloc(t->gnorm, cap * sizeof *g);
        if (!g) return BL_ENOMEM;
        t->gnorm = g;
        double *s = realloc(t->step, cap * sizeof *s);
        if (!s) return BL_ENOMEM;
        t->step = s;
        size_t *k = realloc(t->inner_iters, cap * sizeof *k);
        if (!k) return BL_ENOMEM;
        t->inner_iters = k;
        size_t *a = realloc(t->adjoint_iters, cap * sizeof *a);
        if (!a) return BL_ENOMEM;
        t->adjoint_iters = a;
        bl_step_info *si = realloc(t->info, cap * sizeof *si);
        if (!si) return BL_ENOMEM;
        t->info = si;
        t->cap = cap;
    }
    for (size_t i = 0; i < t->d; i++) t->omega[t->n * t->d + i] = gsl_vector_get(om, i);
    t->F[t->n] = F;
    t->gnorm[t->n] = gn;
    t->step[t->n] = step;
    t->inner_iters[t->n] = inner;
    t->adjoint_iters[t->n] = adjoint;
    t->info[t->n] = *info;
    t->n++;
    return BL_OK;
}

/* ---- iterator ---- */

bl_outer *bl_outer_alloc(const bl_outer_type *T, size_t d)
{
    bl_outer *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->type = T;
    o->d = d;
    o->trace.d = d;
    o->state = T->size ? calloc(1, T->size) : NULL;
    if ((T->size && !o->state) || T->alloc(o->state, d) != BL_OK) {
        bl_outer_free(o);
        return NULL;
    }
    return o;
}

size_t bl_outer_state_get(const bl_outer *o, double *w)
{
    if (w) {
        w[0] = (double)o->iter;
        w[1] = (double)o->solves;
    }
    return 2 + (o->type->save ? o->type->save(o->state, o->d, w ? w + 2 : NULL) : 0);
}

int bl_outer_state_put(bl_outer *o, const double *w, size_t n, bl_err *e)
{
    size_t want = bl_outer_state_get(o, NULL);
    if (n != want) {
        bl_err_set(e, BL_EINVAL, "the state of outer.opt %s at d = %zu has %zu numbers, "
                   "not %zu", o->type->name, o->d, want, n);
        return BL_EINVAL;
    }
    for (int i = 0; i < 2; i++)
        if (!(w[i] >= 0 && w[i] <= 1e15) || w[i] != floor(w[i])) {
            bl_err_set(e, BL_EINVAL, "the state of outer.opt %s has a count out of range",
                       o->type->name);
            return BL_EINVAL;
        }
    if (o->type->save && o->type->load(o->state, o->d, w + 2, n - 2) != BL_OK) {
        bl_err_set(e, BL_EINVAL, "the state of outer.opt %s does not fit it",
                   o->type->name);
        return BL_EINVAL;
    }
    o->iter = (size_t)w[0];
    o->solves = (size_t)w[1];
    return BL_OK;
}

void bl_outer_reset(bl_outer *o)
{
    o->type->reset(o->state);
    o->iter = 0;
    o->solves = 0;
    bl_trace_clear(&o->trace);
}

void bl_outer_free(bl_outer *o)
{
    if (!o) return;
    if (o->state) o->type->free(o->state);
    free(o->state);
    bl_trace_release(&o->trace);
    free(o);
}

static void project(gsl_vector *w, double lo, double hi)
{
    for (size_t i = 0; i < w->size; i++) {
        double v = gsl_vector_get(w, i);
        gsl_vector_set(w, i, v < lo ? lo : v > hi ? hi : v);
    }
}

int bl_outer_step(bl_outer *o, bl_outer_env *env, bl_err *e)
{
    bl_problem *P = env->P;
    const bl_outer_conf *oc = env->conf;
    size_t p = P->p, d = P->d, used = 0;
    int st = BL_ENOMEM;
    gsl_vector *th = gsl_vector_alloc(p), *th2 = gsl_vector_alloc(p);
    gsl_vector *g = gsl_vector_alloc(d), *dir = gsl_vector_alloc(d);
    gsl_vector *w2 = gsl_vector_alloc(d), *adj = gsl_vector_alloc(p);
    if (!th || !th2 || !g || !dir || !w2 || !adj) goto out;
    gsl_vector_memcpy(th, env->theta);

    /* 1. the inner problem at the current ω; every solve of the step is
     * counted in INFO, and one that stops short of inner.tol is kept (the
     * commands report it), not an error */
    bl_step_info info = {.resid = NAN, .why = BL_STEP_MOVED};
    bl_solve_info in;
    if (oc->inner_steps == 0) {
        o->solves++;
        st = bl_inner_solve_info(P, env->inner, env->omega, th, &in, env->cancel, e);
        used = in.iters;
        if (st == BL_EMAXITER || st == BL_ESTALL) st = BL_OK; /* go on from the iterate reached */
    } else {
        st = bl_inner_mem(env->inner->type, P, env->inner->mem, e);
        bl_inner *it = st ? NULL : bl_inner_alloc(env->inner->type, p);
        if (it) it->mem = env->inner->mem;
        if (st == BL_OK)
            st = it ? bl_inner_set(it, P, env->omega, th, env->inner->eta, e) : BL_ENOMEM;
        for (size_t k = 0; st == BL_OK && k < oc->inner_steps; k++) {
            if (env->cancel && *env->cancel) {       /* outer.inner can be 1e8 */
                bl_err_set(e, st = BL_EINTR, "interrupted");
                break;
            }
            st = bl_inner_iterate(it, e);
        }
        if (st == BL_OK) {
            gsl_vector_memcpy(th, it->theta);
            in = (bl_solve_info){.status = BL_OK, .iters = it->iter, .resid = it->resid,
                                 .converged = bl_inner_test(it, env->inner->tol) == BL_OK};
        }
        used = it ? it->iter : 0;
        bl_inner_free(it);
    }
    if (st) goto out;
    bl_tally_add(&info.inner, &in);
    info.resid = in.resid;

    /* 2. F and the hypergradient there */
    double F = bl_problem_L(P, th, env->omega);
    double eta = env->inner->eta > 0 ? env->inner->eta
                                     : bl_inner_default_eta(P, th, env->omega);
    bl_hg_ctx c = {.P = P, .omega = env->omega, .theta = th, .inner = env->inner,
                   .eta = eta, .cancel = env->cancel, .mem_max = env->mem_max,
                   .adjoint0 = env->adjoint, .warm = env->warm && env->adjoint,
                   .keep_unconverged = 1, .sampler = env->sampler,
                   .batch_outer = env->batch_outer, .seed = env->seed + o->iter};
    bl_hg_result r = {.grad = g, .adjoint = adj};
    st = bl_hypergrad(env->estimator, &c, &r, e);
    if (st) goto out;
    bl_tally_merge(&info.inner, &r.inner);
    double gn = gsl_blas_dnrm2(g);

    /* 3. the update, backtracked on F when asked.  When no halving gives
     * a decrease, ω is stationary to round-off: the step is 0, not an error,
     * and INFO says why. */
    o->type->direction(o->state, g, dir);
    double slope;
    gsl_blas_ddot(g, dir, &slope);
    if (oc->backtrack && !(slope < 0)) {
        /* momentum or adam pointing uphill: restart them (adaptive restart,
         * O'Donoghue & Candès) so that the line search has a descent
         * direction to work with */
        o->type->reset(o->state);
        o->type->direction(o->state, g, dir);
        gsl_blas_ddot(g, dir, &slope);
        if (!(slope < 0)) {
            gsl_vector_memcpy(dir, g);
            gsl_vector_scale(dir, -1.0);
        }
    }
    double s = oc->step, ndir = gsl_blas_dnrm2(dir);
    if (oc->maxstep > 0 && s * ndir > oc->maxstep) s = oc->maxstep / ndir;
    int nodec = 0, nonfinite = 0;
    for (int k = 0;; k++) {
        gsl_vector_memcpy(w2, env->omega);
        gsl_blas_daxpy(s, dir, w2);
        project(w2, oc->lo, oc->hi);
        if (gsl_vector_equal(w2, env->omega)) {
            /* ω does not move: no direction, the box, or (after halvings) a
             * step below the round-off of ω: no trial point left to solve at */
            info.why = k > 0 ? BL_STEP_ROUNDOFF : ndir == 0 ? BL_STEP_NOGRAD : BL_STEP_BOX;
            info.halvings = k;
            s = 0;
            break;
        }
        if (!oc->backtrack) break;
        gsl_vector_memcpy(th2, th);
        o->solves++;
        st = bl_inner_solve_info(P, env->inner, w2, th2, &in, env->cancel, e);
        used += in.iters;
        if (st == BL_EINTR) goto out;
        if (st == BL_OK || st == BL_EMAXITER || st == BL_ESTALL) {
            bl_tally_add(&info.inner, &in);
            double F2 = bl_problem_L(P, th2, w2), dec = 0;
            for (size_t i = 0; i < d; i++)                   /* gᵀ(ω' − ω) */
                dec += gsl_vector_get(g, i)
                       * (gsl_vector_get(w2, i) - gsl_vector_get(env->omega, i));
            if (isfinite(F2) && F2 <= F + 1e-4 * dec) {
                gsl_vector_memcpy(th, th2);
                info.halvings = k;
                break;
            }
            if (isfinite(F2)) nodec++;
            else nonfinite++;
        }
        if (k == 40) {
            info.why = nodec ? BL_STEP_NODECREASE : nonfinite ? BL_STEP_NONFINITE
                       : BL_STEP_SOLVEFAIL;
            info.halvings = k;
            s = 0;
            gsl_vector_memcpy(w2, env->omega);
            break;
        }
        s *= 0.5;
    }
    st = BL_OK;
    st = trace_push(&o->trace, env->omega, F, gn, s, used, r.iters, &info);
    if (st) goto out;
    o->type->accept(o->state);
    o->iter++;
    gsl_vector_memcpy(env->omega, w2);
    gsl_vector_memcpy(env->theta, th);
    env->have_adjoint = r.has_adjoint && env->adjoint;
    if (env->have_adjoint) gsl_vector_memcpy(env->adjoint, adj);
out:
    /* an estimator over mem.max has said so already */
    if (st == BL_ENOMEM && (!e || e->code != BL_ENOMEM)) bl_err_set(e, st, "out of memory");
    gsl_vector_free(th);
    gsl_vector_free(th2);
    gsl_vector_free(g);
    gsl_vector_free(dir);
    gsl_vector_free(w2);
    gsl_vector_free(adj);
    return st;
}
