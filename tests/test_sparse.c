/* test_sparse.c: sparse (CSR) data against dense on the same numbers: the
 * CSR kernels against BLAS, the libsvm reader against its CSV twin, the
 * products and hypergradients of every problem that runs on CSR (ridge,
 * ridge-multi, logreg, logreg-multi, lasso, enet, cleaning) against the
 * same problem on the densified data, through both the moment path and
 * the matrix-free one; the libsvm round trip; a huge feature index loaded
 * in bounded memory.  doc/data.md, "Sparse data". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "fixtures.h"
#include "csr.h"
#include "hypergrad.h"
#include "inner.h"

static char dir[] = "/tmp/bilab-test-sparse.XXXXXX";

static const char *path_of(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "w");
    fputs(text, f);
    fclose(f);
}

/* ‖a − b‖ / max(‖b‖, tiny) */
static double reldiff(const gsl_vector *a, const gsl_vector *b)
{
    double nb = gsl_blas_dnrm2(b);
    return dist(a, b) / (nb > 1e-300 ? nb : 1e-300);
}

/* A random n × p matrix with about DENS of its entries non-zero. */
static gsl_matrix *rand_sparse(size_t n, size_t p, double dens)
{
    gsl_matrix *A = gsl_matrix_calloc(n, p);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            if (gsl_rng_uniform(rng) < dens) gsl_matrix_set(A, i, j, gsl_ran_gaussian(rng, 1.0));
    return A;
}

static void test_kernels(void)
{
    gsl_matrix *A = rand_sparse(37, 23, 0.2);
    bl_csr *S = bl_csr_from_dense(A);
    gsl_vector *x = gsl_vector_alloc(23), *u = gsl_vector_alloc(37);
    gsl_vector *y1 = gsl_vector_alloc(37), *y2 = gsl_vector_alloc(37);
    gsl_vector *z1 = gsl_vector_alloc(23), *z2 = gsl_vector_alloc(23);
    randn(x, 1);
    randn(u, 1);
    randn(y1, 1);
    gsl_vector_memcpy(y2, y1);
    randn(z1, 1);
    gsl_vector_memcpy(z2, z1);
    bl_csr_gemv(CblasNoTrans, 0.7, S, x, -0.3, y1);
    gsl_blas_dgemv(CblasNoTrans, 0.7, A, x, -0.3, y2);
    tap_ok(reldiff(y1, y2) < 1e-14, "csr y = αAx + βy equals BLAS (%.2g)", reldiff(y1, y2));
    bl_csr_gemv(CblasTrans, 1.3, S, u, 0.5, z1);
    gsl_blas_dgemv(CblasTrans, 1.3, A, u, 0.5, z2);
    tap_ok(reldiff(z1, z2) < 1e-14, "csr y = αAᵀu + βy equals BLAS (%.2g)", reldiff(z1, z2));
    gsl_matrix *D = bl_csr_to_dense(S);
    tap_ok(gsl_matrix_equal(A, D), "dense → CSR → dense is exact (nnz %zu)", S->nnz);
    bl_csr *T = bl_csr_transpose(S);
    gsl_matrix *DT = bl_csr_to_dense(T), *AT = gsl_matrix_alloc(23, 37);
    gsl_matrix_transpose_memcpy(AT, A);
    tap_ok(gsl_matrix_equal(AT, DT), "CSR transpose is Aᵀ");
    double cs[23];
    bl_csr_colsumsq(S, cs);
    double worst = 0;
    for (size_t j = 0; j < 23; j++) {
        gsl_vector_const_view c = gsl_matrix_const_column(A, j);
        double nr = gsl_blas_dnrm2(&c.vector);
        worst = fmax(worst, fabs(cs[j] - nr * nr) / fmax(1, nr * nr));
    }
    tap_ok(worst < 1e-14, "column sums of squares (%.2g)", worst);
    double c[37];
    for (size_t i = 0; i < 37; i++) c[i] = gsl_rng_uniform(rng);
    gsl_matrix *K1 = gsl_matrix_alloc(23, 23), *K2 = gsl_matrix_calloc(23, 23);
    bl_csr_gram(S, c, 0.25, K1);
    for (size_t i = 0; i < 37; i++)
        for (size_t a = 0; a < 23; a++)
            for (size_t b = 0; b < 23; b++)
                *gsl_matrix_ptr(K2, a, b) += 0.25 * c[i] * gsl_matrix_get(A, i, a) * gsl_matrix_get(A, i, b);
    gsl_matrix_sub(K1, K2);
    tap_ok(gsl_matrix_max(K1) < 1e-13 && gsl_matrix_min(K1) > -1e-13,
           "weighted Gram Σ c_i a_i a_iᵀ, both triangles");
    size_t idx[3] = {5, 0, 36};
    bl_csr *R = bl_csr_rows(S, idx, 3);
    gsl_matrix *DR = bl_csr_to_dense(R);
    int same = 1;
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 23; j++)
            same &= gsl_matrix_get(DR, i, j) == gsl_matrix_get(A, idx[i], j);
    tap_ok(same, "CSR row selection");
    double lm;
    bl_csr_lmax(S, 1.0 / 37, &lm);
    gsl_matrix *K = gsl_matrix_alloc(23, 23);
    bl_csr_gram(S, NULL, 1.0 / 37, K);
    gsl_vector *ev = gsl_vector_alloc(23);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(23);
    gsl_eigen_symm(K, ev, w);
    double ex = gsl_vector_max(ev);
    tap_ok(lm >= ex && lm <= 1.03 * ex, "power-iteration λmax %.6g within [λmax, 1.03 λmax], "
           "λmax = %.6g", lm, ex);
    gsl_eigen_symm_free(w);
    gsl_vector_free(ev);
    gsl_matrix_free(K);
    bl_csr_free(R);
    gsl_matrix_free(DR);
    bl_csr_free(T);
    gsl_matrix_free(DT);
    gsl_matrix_free(AT);
    gsl_matrix_free(K1);
    gsl_matrix_free(K2);
    gsl_matrix_free(D);
    gsl_matrix_free(A);
    bl_csr_free(S);
    gsl_vector_free(x);
    gsl_vector_free(u);
    gsl_vector_free(y1);
    gsl_vector_free(y2);
    gsl_vector_free(z1);
    gsl_vector_free(z2);
}

/* The libsvm file and its CSV twin load to the same numbers. */
static void test_twin(void)
{
    write_file("twin.svm",
               "1 1:0.5 4:-2\n-1 2:1.5\n1 3:2 5:1\n-1 1:-1 5:0.25\n1 2:3 4:1\n"
               "-1 3:-0.5\n1 1:2 2:-1\n-1 4:0.75 5:-1.5\n1 5:2\n-1 1:1 3:1\n");
    write_file("twin.csv",
               "f1,f2,f3,f4,f5,label\n0.5,0,0,-2,0,1\n0,1.5,0,0,0,-1\n0,0,2,0,1,1\n"
               "-1,0,0,0,0.25,-1\n0,3,0,1,0,1\n0,0,-0.5,0,0,-1\n2,-1,0,0,0,1\n"
               "0,0,0,0.75,-1.5,-1\n0,0,0,0,2,1\n1,0,1,0,0,-1\n");
    bl_load_opts o;
    bl_load_opts_default(&o);
    o.standardize = 0;
    o.seed = 3;
    bl_dataset *s = NULL, *d = NULL;
    bl_err e = {0, ""};
    int st = bl_data_load(path_of("twin.svm"), &o, &s, &e);
    tap_ok(st == BL_OK && s && s->X && !s->Xs, "sparse=auto keeps a 38%%-dense libsvm file dense");
    bl_dataset_free(s);
    s = NULL;
    o.sparse = BL_SPARSE_ON;
    st = bl_data_load(path_of("twin.svm"), &o, &s, &e);
    tap_ok(st == BL_OK && s && s->Xs && !s->X, "libsvm loads into CSR (sparse=on): %s",
           st ? e.msg : "ok");
    o.sparse = BL_SPARSE_OFF;
    st = bl_data_load(path_of("twin.csv"), &o, &d, &e);
    tap_ok(st == BL_OK && d && d->X && !d->Xs, "its CSV twin loads dense with sparse=off");
    if (!s || !d) return;
    gsl_matrix *A = bl_csr_to_dense(s->Xs), *B = bl_csr_to_dense(s->Xvs);
    tap_ok(gsl_matrix_equal(A, d->X) && gsl_matrix_equal(B, d->Xv)
           && gsl_vector_equal(s->y, d->y) && gsl_vector_equal(s->yv, d->yv),
           "the same split, rows and values (CSR densified equals the CSV)");
    tap_ok(bl_dataset_nnz(s) == 17, "nnz counts the stored entries (17, got %.0f)",
           bl_dataset_nnz(s));
    gsl_matrix_free(A);
    gsl_matrix_free(B);
    /* sparse standardisation: divided by the training std, not centred */
    bl_dataset *ss = NULL;
    o.standardize = 1;
    o.sparse = BL_SPARSE_ON;
    st = bl_data_load(path_of("twin.svm"), &o, &ss, &e);
    double worst = 0;
    int nomean = ss && ss->mean == NULL;
    for (size_t j = 0; ss && j < 5; j++) {
        double m1 = 0, m2 = 0;
        size_t n = d->X->size1;
        for (size_t i = 0; i < n; i++) {
            double v = gsl_matrix_get(d->X, i, j);
            m1 += v;
            m2 += v * v;
        }
        m1 /= (double)n;
        double sd = sqrt(m2 / (double)n - m1 * m1);
        if (!(sd > 0)) sd = 1;
        gsl_matrix *Z = bl_csr_to_dense(ss->Xs);
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs(gsl_matrix_get(Z, i, j) - gsl_matrix_get(d->X, i, j) / sd));
        gsl_matrix_free(Z);
    }
    tap_ok(st == BL_OK && nomean && !ss->scale && worst < 1e-15, "sparse standardize: x/sd(training), "
           "no centring (worst %.2g)", worst);
    /* sparse=off densifies a libsvm file; the CSV goes sparse with sparse=on */
    bl_dataset *t = NULL;
    o.standardize = 0;
    o.sparse = BL_SPARSE_OFF;
    st = bl_data_load(path_of("twin.svm"), &o, &t, &e);
    tap_ok(st == BL_OK && t->X && gsl_matrix_equal(t->X, d->X), "libsvm with sparse=off: dense");
    bl_dataset_free(t);
    t = NULL;
    o.sparse = BL_SPARSE_ON;
    st = bl_data_load(path_of("twin.csv"), &o, &t, &e);
    tap_ok(st == BL_OK && t->Xs && t->Xs->nnz + t->Xvs->nnz == 17, "CSV with sparse=on: CSR");
    bl_dataset_free(t);
    bl_dataset_free(ss);
    bl_dataset_free(s);
    bl_dataset_free(d);
}

/* A dense data set with the numbers of the sparse S. */
static bl_dataset *densified(const bl_dataset *s)
{
    bl_dataset *d = calloc(1, sizeof *d);
    d->X = bl_csr_to_dense(s->Xs);
    d->Xv = bl_csr_to_dense(s->Xvs);
    d->y = gsl_vector_alloc(s->y->size);
    d->yv = gsl_vector_alloc(s->yv->size);
    gsl_vector_memcpy(d->y, s->y);
    gsl_vector_memcpy(d->yv, s->yv);
    d->name = strdup("densified");
    d->target = strdup("y");
    d->task = s->task;
    return d;
}

static const bl_problem_type *type_named(const char *name)
{
    for (size_t i = 0; bl_catalogue[i]; i++)
        if (!strcmp(bl_catalogue[i]->name, name)) return bl_catalogue[i];
    return NULL;
}

static int est(const char *text, bl_problem *P, const gsl_vector *om, const gsl_vector *th,
               gsl_vector *g)
{
    static const bl_inner_conf tight = {NULL, 0, 1e-13, 100000, 0};
    bl_inner_conf ic = tight;
    ic.type = bl_inner_auto(P);
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    bl_hg_result r;
    memset(&r, 0, sizeof r);
    r.grad = g;
    bl_spec sp;
    bl_err e = {0, ""};
    int st = bl_spec_parse(text, &sp, &e);
    if (st == BL_OK) st = bl_hypergrad(&sp, &c, &r, &e);
    if (st) tap_diag("%s: %s", text, e.msg);
    return st;
}

#define TOL 1e-12

/* Every product and estimator of T on the sparse S and on its dense twin D. */
static void compare_problem(const char *name, const bl_dataset *s, const bl_dataset *d,
                            const char *path)
{
    const bl_problem_type *T = type_named(name);
    bl_err e = {0, ""};
    bl_problem *Ps = bl_problem_alloc(T, NULL, (bl_dataset *)s, &e);
    bl_problem *Pd = Ps ? bl_problem_alloc(T, NULL, (bl_dataset *)d, &e) : NULL;
    if (!tap_ok(Ps && Pd, "%s (%s): built on CSR and dense%s%s", name, path, Ps && Pd ? "" : ": ",
                Ps && Pd ? "" : e.msg)) {
        bl_problem_free(Ps);
        bl_problem_free(Pd);
        return;
    }
    size_t p = Ps->p, dd = Ps->d;
    gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(dd), *v = gsl_vector_alloc(p);
    gsl_vector *u = gsl_vector_alloc(dd);
    gsl_vector *a1 = gsl_vector_alloc(p), *a2 = gsl_vector_alloc(p);
    gsl_vector *b1 = gsl_vector_alloc(dd), *b2 = gsl_vector_alloc(dd);
    randn(th, 0.5);
    for (size_t j = 0; j < p; j += 3) gsl_vector_set(th, j, 0.0);  /* lasso: a support */
    randn(v, 1);
    randn(u, 1);
    bl_problem_omega0(Ps, om);
    if (!strcmp(name, "cleaning")) gsl_vector_set_all(om, 0.5);
    double w = 0;
    double g1 = bl_problem_G(Ps, th, om), g2 = bl_problem_G(Pd, th, om);
    double l1 = bl_problem_L(Ps, th, om), l2 = bl_problem_L(Pd, th, om);
    w = fmax(fabs(g1 - g2) / fabs(g2), fabs(l1 - l2) / fabs(l2));
    tap_ok(w < TOL, "%s (%s): G and L equal (%.2g)", name, path, w);
    bl_problem_G_theta(Ps, th, om, a1);
    bl_problem_G_theta(Pd, th, om, a2);
    tap_ok(reldiff(a1, a2) < TOL, "%s (%s): ∇θG equal (%.2g)", name, path, reldiff(a1, a2));
    bl_problem_L_theta(Ps, th, om, a1);
    bl_problem_L_theta(Pd, th, om, a2);
    tap_ok(reldiff(a1, a2) < TOL, "%s (%s): ∇θL equal (%.2g)", name, path, reldiff(a1, a2));
    bl_problem_G_omega(Ps, th, om, b1);
    bl_problem_G_omega(Pd, th, om, b2);
    tap_ok(reldiff(b1, b2) < TOL, "%s (%s): ∇ωG equal (%.2g)", name, path, reldiff(b1, b2));
    bl_problem_hvp(Ps, th, om, v, a1);
    bl_problem_hvp(Pd, th, om, v, a2);
    tap_ok(reldiff(a1, a2) < TOL, "%s (%s): H v equal (%.2g)", name, path, reldiff(a1, a2));
    bl_problem_cvp(Ps, th, om, v, b1);
    bl_problem_cvp(Pd, th, om, v, b2);
    tap_ok(reldiff(b1, b2) < TOL, "%s (%s): C v equal (%.2g)", name, path, reldiff(b1, b2));
    bl_problem_ctvp(Ps, th, om, u, a1);
    bl_problem_ctvp(Pd, th, om, u, a2);
    tap_ok(reldiff(a1, a2) < TOL, "%s (%s): Cᵀu equal (%.2g)", name, path, reldiff(a1, a2));
    if (Ps->type->hessian) {
        gsl_matrix *H1 = gsl_matrix_alloc(p, p), *H2 = gsl_matrix_alloc(p, p);
        bl_problem_hessian(Ps, th, om, H1);
        bl_problem_hessian(Pd, th, om, H2);
        double hm = 0, hd = 0;
        for (size_t i = 0; i < p * p; i++) {
            hm = fmax(hm, fabs(H2->data[i]));
            hd = fmax(hd, fabs(H1->data[i] - H2->data[i]));
        }
        tap_ok(hd <= TOL * hm, "%s (%s): dense H from CSR equal (%.2g)", name, path, hd / hm);
        gsl_matrix_free(H1);
        gsl_matrix_free(H2);
    }
    /* hypergradients at θ* (solved on the dense problem, to round-off) */
    gsl_vector_set_zero(a2);
    bl_inner_conf ic = {bl_inner_auto(Pd), 0, 1e-12, 100000, 0};
    int st = bl_inner_solve_at(Pd, &ic, om, a2, NULL, NULL, &e);
    if (st != BL_OK && st != BL_ESTALL) tap_diag("%s: inner solve: %s", name, e.msg);
    const char *specs[] = {"cg", "neumann", "fp", "reverse:t=60", "exact"};
    for (size_t k = 0; k < 5; k++) {
        gsl_vector_set_all(b1, NAN);
        gsl_vector_set_all(b2, NAN);
        int s1 = est(specs[k], Ps, om, a2, b1), s2 = est(specs[k], Pd, om, a2, b2);
        if (s1 != s2) {
            tap_ok(0, "%s (%s): %s fails on one form only (%d vs %d)", name, path, specs[k], s1, s2);
            continue;
        }
        if (s1 != BL_OK) {
            skip("estimator refused on both forms");
            continue;
        }
        double r = reldiff(b1, b2);
        tap_ok(r < 1e-10, "%s (%s): %s hypergradient equal (%.2g)", name, path, specs[k], r);
    }
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(v);
    gsl_vector_free(u);
    gsl_vector_free(a1);
    gsl_vector_free(a2);
    gsl_vector_free(b1);
    gsl_vector_free(b2);
    bl_problem_free(Ps);
    bl_problem_free(Pd);
}

static void test_problems(void)
{
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = 60;
    o.m = 40;
    o.p = 25;
    o.density = 0.2;
    o.seed = 11;
    o.standardize = 1;
    bl_dataset *cls = NULL, *reg = NULL;
    bl_err e = {0, ""};
    bl_data_synth("sparse", &o, &cls, &e);
    o.task = BL_TASK_REGRESSION;
    bl_data_synth("sparse", &o, &reg, &e);
    if (!tap_ok(cls && reg && cls->Xs && reg->Xs, "data synth sparse (n=60 p=25, density 0.2)"))
        return;
    double dens = (double)cls->Xs->nnz / (60.0 * 25.0);
    tap_ok(dens > 0.12 && dens < 0.28, "its density is about 0.2 (%.3f)", dens);
    bl_dataset *dcls = densified(cls), *dreg = densified(reg);
    const char *creg[] = {"ridge", "ridge-multi", "lasso", "enet"};
    const char *ccls[] = {"logreg", "logreg-multi", "cleaning"};
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: p ≤ bl_csr_dense_max, the moments formed from CSR;
         * pass 1: matrix-free, every product through X */
        bl_csr_dense_max = pass ? 0 : BL_CSR_EIG_MAX;
        const char *path = pass ? "matrix-free" : "moments";
        for (int k = 0; k < 4; k++) compare_problem(creg[k], reg, dreg, path);
        if (pass == 0)
            for (int k = 0; k < 3; k++) compare_problem(ccls[k], cls, dcls, "CSR");
    }
    bl_csr_dense_max = BL_CSR_EIG_MAX;
    /* problems that need dense data say so */
    bl_problem *W = bl_problem_alloc(type_named("wlasso"), NULL, reg, &e);
    tap_ok(!W && has(e.msg, "sparse=off") && has(e.msg, "ridge"),
           "wlasso refuses CSR data naming sparse=off and the problems that run: %s", e.msg);
    bl_problem_free(W);
    /* round trip: export as libsvm, read back, the same rows exactly */
    {
        const char *f = path_of("round.svm");
        int st = bl_data_export_libsvm(cls, f, &e);
        bl_table *t = NULL;
        if (st == BL_OK) st = bl_table_read_libsvm_sparse(f, cls->Xs->cols, &t, &e);
        int same = st == BL_OK && t->S->rows == 100 && t->S->nnz == cls->Xs->nnz + cls->Xvs->nnz;
        for (int sp = 0; same && sp < 2; sp++) {
            const bl_csr *A = sp ? cls->Xvs : cls->Xs;
            size_t off = sp ? 60 : 0;
            for (size_t i = 0; same && i < A->rows; i++) {
                size_t a = A->rowptr[i], b = t->S->rowptr[off + i];
                same &= A->rowptr[i + 1] - a == t->S->rowptr[off + i + 1] - b;
                for (size_t k = 0; same && k < A->rowptr[i + 1] - a; k++)
                    same &= A->col[a + k] == t->S->col[b + k] && A->val[a + k] == t->S->val[b + k];
                same &= gsl_vector_get(t->y, off + i)
                        == gsl_vector_get(sp ? cls->yv : cls->y, i);
            }
        }
        tap_ok(same, "libsvm round trip: every entry and label bit for bit%s%s",
               st ? ": " : "", st ? e.msg : "");
        bl_table_free(t);
    }
    bl_dataset_free(cls);
    bl_dataset_free(reg);
    bl_dataset_free(dcls);
    bl_dataset_free(dreg);
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A 10⁸-column file of 3 non-zeros loads in kilobytes. */
static void test_huge_index(void)
{
    write_file("huge.svm", "1 100000000:1\n-1 5:2\n1 3:1\n");
    bl_load_opts o;
    bl_load_opts_default(&o);
    o.mem_max = 64e6;
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    long before = maxrss_kb();
    int st = bl_data_load(path_of("huge.svm"), &o, &ds, &e);
    long after = maxrss_kb();
    tap_ok(st == BL_OK && ds && ds->Xs && ds->Xs->cols == 100000000 && ds->standardized
           && !ds->scale, "standardize=yes: loads as CSR with p = 10^8, column statistics "
           "for the used columns only%s%s", st ? ": " : "", st ? e.msg : "");
    double bytes = ds ? bl_dataset_bytes(ds) : 1e30;
    tap_ok(bytes < 1024, "its CSR matrices take %.0f bytes", bytes);
    tap_ok(after - before < 8192, "peak RSS grew by %ld kB loading it (under 8 MB)",
           after - before);
    bl_dataset_free(ds);
    ds = NULL;
    o.standardize = 0;
    st = bl_data_load(path_of("huge.svm"), &o, &ds, &e);
    tap_ok(st == BL_OK && ds && ds->Xs && !ds->standardized, "and with standardize=no");
    bl_dataset_free(ds);
    ds = NULL;
    o.sparse = BL_SPARSE_OFF;
    st = bl_data_load(path_of("huge.svm"), &o, &ds, &e);
    tap_ok(st != BL_OK && has(e.msg, "sparse=on"), "sparse=off refuses it, naming sparse=on: %s",
           e.msg);
    bl_dataset_free(ds);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    test_huge_index();          /* first: the RSS before it is the smallest */
    test_kernels();
    test_twin();
    test_problems();
    gsl_rng_free(rng);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) tap_diag("could not remove %s", dir);
    return tap_done();
}
