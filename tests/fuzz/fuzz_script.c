/* fuzz_script.c: saved scripts (the files `save` writes and `source` and
 * bilab -f read) under arbitrary contents.
 *
 * Built with libFuzzer, or with -DBL_FUZZ_STANDALONE and any compiler
 * (replays the files named on its command line, then a fixed-seed loop of
 * mutated saves of generated sessions); doc/testing.md.
 *
 * The input is written to a scratch file and run with `source` in a fresh
 * session (batch mode, stopping at the first failing command, as a replay
 * does).  Properties beyond "no crash, no sanitizer report", when the
 * script ran without an error: its session saved, replayed in a fresh
 * session and saved again gives the same file (a save is a fixed point of
 * save ∘ source), and every message was one line (as in fuzz_cmd).  The
 * same work bound and path rule as fuzz_cmd. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "bl.h"
#include "command.h"
#include "gen.h"
#include "session.h"

static bl_cancel_t cancel_flag;
static char scratch[256];
static int home = -1;               /* the directory libFuzzer works in */
static long roundtrips;             /* scripts whose save was replayed */

static void on_budget(int sig)
{
    (void)sig;
    cancel_flag = 1;
}

static void arm(long ms)
{
    struct itimerval t = {{0, 10000}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_VIRTUAL, &t, NULL);
}

static void disarm(void)
{
    struct itimerval t = {{0, 0}, {0, 0}};
    setitimer(ITIMER_VIRTUAL, &t, NULL);
}

static void cleanup(void) { rmdir(scratch); }

static void setup_once(void)
{
    static int done;
    if (done) return;
    done = 1;
    bl_init();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_budget;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGVTALRM, &sa, NULL);
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/bilab-fuzzscript.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) abort();
    home = open(".", O_RDONLY | O_DIRECTORY);
    atexit(cleanup);
}

static void sweep(void)
{
    DIR *d = opendir(".");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) unlink(de->d_name);
    closedir(d);
}

/* A fresh session writing into memory; runs LINE, returns its status. */
static bl_session *fresh(FILE **out, FILE **err, char **ob, size_t *on, char **eb, size_t *en)
{
    *out = open_memstream(ob, on);
    *err = open_memstream(eb, en);
    bl_session *S = *out && *err ? bl_session_new(*out, *err, &cancel_flag) : NULL;
    if (!S) abort();
    S->batch = 1;
    bl_execute_line(S, "problem use quadratic p=3 d=1; set threads 1");
    return S;
}

/* The buffers are the ones fclose leaves (it may move them). */
static void done_with(bl_session *S, FILE *out, FILE *err, char **ob, char **eb)
{
    bl_session_free(S);
    fclose(out);
    fclose(err);
    free(*ob);
    free(*eb);
}

/* The text of FILE after its first line (the header with the date). */
static char *body(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    return strdup(nl ? nl + 1 : buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    if (size > 8192) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* a script sourcing another by a path outside the scratch directory
     * is skipped, as fuzz_cmd skips such commands */
    if (strlen(text) != size || bl_gen_unsafe_paths(text)) {
        free(text);
        return 0;
    }
    if (chdir(scratch) != 0) abort();
    FILE *f = fopen("in.bl", "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    free(text);

    FILE *out, *err;
    char *ob = NULL, *eb = NULL;
    size_t on = 0, en = 0;
    bl_session *S = fresh(&out, &err, &ob, &on, &eb, &en);
    cancel_flag = 0;
    const char *budget = getenv("BL_FUZZ_BUDGET_MS");
    arm(budget ? atol(budget) : 200);
    int st = bl_execute_line(S, "source in.bl");
    disarm();
    int cancelled = cancel_flag != 0;
    cancel_flag = 0;
    if (st > 0) abort();
    if (st == BL_OK && !cancelled && !S->quit) {
        /* save → source → save is a fixed point */
        if (bl_execute_line(S, "save one.bl") == BL_OK) {
            FILE *o2, *e2;
            char *ob2 = NULL, *eb2 = NULL;
            size_t on2 = 0, en2 = 0;
            bl_session *T = fresh(&o2, &e2, &ob2, &on2, &eb2, &en2);
            int s1 = bl_execute_line(T, "source one.bl");
            int s2 = s1 == BL_OK ? bl_execute_line(T, "save two.bl") : s1;
            char *a = body("one.bl"), *b = s2 == BL_OK ? body("two.bl") : NULL;
            if (s1 != BL_OK || s2 != BL_OK || !a || !b || strcmp(a, b) != 0) {
                fflush(e2);
                fprintf(stderr, "fuzz_script: a save does not replay to itself (%d, %d)\n"
                        "--- saved:\n%s--- replayed and saved:\n%s--- errors:\n%s\n", s1, s2,
                        a ? a : "", b ? b : "", eb2 ? eb2 : "");
                abort();
            }
            free(a);
            free(b);
            done_with(T, o2, e2, &ob2, &eb2);
            roundtrips++;
        }
    }
    done_with(S, out, err, &ob, &eb);
    sweep();
    if (home >= 0 && fchdir(home) != 0) abort();
    return 0;
}

#ifdef BL_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    bl_gen_limit_memory(4096);
    long iters = 100;
    int files = 0;
    static uint8_t buf[8193];
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-runs=", 6)) {
            iters = strtol(argv[i] + 6, NULL, 10);
            continue;
        }
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "fuzz_script: cannot open %s\n", argv[i]);
            return 2;
        }
        size_t n = fread(buf, 1, 8192, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        files++;
    }
    bl_gen g;
    bl_gen_seed(&g, 11);
    for (long it = 0; it < iters; it++) {
        g.odd = it % 2 ? 60 : 5;        /* half of them mostly well-formed */
        size_t len = bl_gen_session(&g, (char *)buf, 6000, 1 + (int)(bl_gen_next(&g) % 6));
        if (bl_gen_next(&g) % 2) len = bl_gen_mutate(&g, (char *)buf, len, 6000);
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("fuzz_script: %d files and %ld generated scripts (%ld saved and replayed), no "
           "failure\n", files, iters, roundtrips);
    return 0;
}
#endif
