/* fuzz_data.c: the CSV and LIBSVM readers (src/core/data.c) and the
 * split and standardisation after them, under arbitrary file contents.
 *
 * Built with libFuzzer, or with -DBL_FUZZ_STANDALONE and any compiler
 * (replays the files named on its command line, then a fixed-seed loop
 * of mutations of small valid files); doc/testing.md.
 *
 * The input is written to a scratch file and read as CSV (target: the
 * last column, then by name 'y', then by index 0) and as LIBSVM; a table
 * that reads is made into a data set.  Properties beyond "no crash, no
 * sanitizer report": a refusal has a status < 0 and a one-line message
 * (no newline, no control byte: file contents are quoted escaped by the
 * message sink, but the reader should not need that); an accepted table
 * has finite cells, one target a row and a name for every feature, and
 * its data set finite standardised splits. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "gen.h"

static char dir[256], csv[300], svm[300];

static void cleanup(void)
{
    unlink(csv);
    unlink(svm);
    rmdir(dir);
}

static void setup_once(void)
{
    static int done;
    if (done) return;
    done = 1;
    bl_init();
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bilab-fuzzdata.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) abort();
    snprintf(csv, sizeof csv, "%s/in.csv", dir);
    snprintf(svm, sizeof svm, "%s/in.libsvm", dir);
    atexit(cleanup);
}

static void check_msg(int st, const bl_err *e)
{
    if (st >= 0 || !e->msg[0] || strchr(e->msg, '\n')) {
        fprintf(stderr, "fuzz_data: status %d with message '%s'\n", st, e->msg);
        abort();
    }
}

static int finite_matrix(const gsl_matrix *M)
{
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            if (!isfinite(gsl_matrix_get(M, i, j))) return 0;
    return 1;
}

static void check_table(const bl_table *t)
{
    if (!t->X || !t->y || t->y->size != t->X->size1 || !t->names || !t->target) abort();
    for (size_t j = 0; j < t->X->size2; j++)
        if (!t->names[j]) abort();
    if (!finite_matrix(t->X)) abort();
    for (size_t i = 0; i < t->y->size; i++)
        if (!isfinite(gsl_vector_get(t->y, i))) abort();
}

static void to_dataset(const bl_table *t)
{
    bl_load_opts o;
    bl_load_opts_default(&o);
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    int st = bl_data_from_tables(t, NULL, &o, "fuzz", &ds, &e);
    if (st != BL_OK) {
        check_msg(st, &e);
        return;
    }
    if (!ds || !finite_matrix(ds->X) || !finite_matrix(ds->Xv)
        || ds->X->size2 != t->X->size2 || ds->y->size != ds->X->size1
        || ds->yv->size != ds->Xv->size1)
        abort();
    bl_dataset_free(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    if (size > 65536) return 0;
    for (int k = 0; k < 2; k++) {
        const char *path = k ? svm : csv;
        FILE *f = fopen(path, "wb");
        if (!f) abort();
        fwrite(data, 1, size, f);
        fclose(f);
    }
    static const char *const targets[] = {NULL, "y", "0"};
    for (int k = 0; k < 3; k++) {
        bl_table *t = NULL;
        bl_err e = {0, ""};
        int st = bl_table_read_csv(csv, targets[k], &t, &e);
        if (st == BL_OK) {
            check_table(t);
            to_dataset(t);
            bl_table_free(t);
        } else {
            check_msg(st, &e);
        }
    }
    bl_table *t = NULL;
    bl_err e = {0, ""};
    int st = bl_table_read_libsvm(svm, 0, &t, &e);
    if (st == BL_OK) {
        check_table(t);
        to_dataset(t);
        bl_table_free(t);
    } else {
        check_msg(st, &e);
    }
    return 0;
}

#ifdef BL_FUZZ_STANDALONE
static const char *const seeds[] = {
    "a,b,y\n1,2,3\n4,5,6\n7,8,9\n1,1,0\n",
    "\"x,1\",b,y\r\n1,2,3\r\n4,5,6\r\n0.5,1e-3,-2\r\n7,8,1\r\n",
    "x1,x2,x3,target\n1,2,3,1\n3,2,1,0\n2,2,2,1\n0,0,0,0\n5,1,2,1\n",
    "1 1:0.5 3:2\n-1 2:1 3:-1\n1 1:1\n-1 3:4\n",
    "+1 1:1e-3 2:2e3 # a comment\n-1 1:2\n+1 2:1\n-1 1:4 2:5\n",
    "a,b\n1,2\n",
};
#define NSEEDS (sizeof seeds / sizeof seeds[0])

int main(int argc, char **argv)
{
    bl_gen_limit_memory(4096);
    long iters = 2000;
    int files = 0;
    static uint8_t buf[65537];
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-runs=", 6)) {
            iters = strtol(argv[i] + 6, NULL, 10);
            continue;
        }
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "fuzz_data: cannot open %s\n", argv[i]);
            return 2;
        }
        size_t n = fread(buf, 1, 65536, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        files++;
    }
    bl_gen g;
    bl_gen_seed(&g, 7);
    for (long it = 0; it < iters; it++) {
        const char *s = seeds[bl_gen_next(&g) % NSEEDS];
        size_t len = strlen(s);
        memcpy(buf, s, len + 1);
        int k = 1 + (int)(bl_gen_next(&g) % 5);
        for (int m = 0; m < k; m++) {
            /* digits and separators matter most to these readers */
            size_t at = len ? bl_gen_next(&g) % (len + 1) : 0;
            static const char bytes[] = "0123456789,.:;-+e \n\r\"#\tnaifNA\xff";
            switch (bl_gen_next(&g) % 3) {
            case 0:
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = (uint8_t)bytes[bl_gen_next(&g) % (sizeof bytes - 1)];
                    len++;
                }
                break;
            case 1:
                if (at < len) memmove(buf + at, buf + at + 1, len - at - 1), len--;
                break;
            default:
                if (at < len) buf[at] = (uint8_t)bytes[bl_gen_next(&g) % (sizeof bytes - 1)];
            }
        }
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("fuzz_data: %d files and %ld mutated inputs, no failure\n", files, iters);
    return 0;
}
#endif
