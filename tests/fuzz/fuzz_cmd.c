/* fuzz_cmd.c: bilab's command line under arbitrary input: every command,
 * setting, problem and estimator spec, a fresh session per input.
 *
 * Built two ways (doc/testing.md):
 *   - with clang -fsanitize=fuzzer,address,undefined: a libFuzzer target;
 *   - with -DBL_FUZZ_STANDALONE and any compiler: replays the files named
 *     on its command line, then runs a fixed-seed loop of sessions from
 *     the grammar of gen.c and their mutations.
 *
 * The first byte of an input picks the session it starts from (ridge on
 * synthetic data, quadratic, logreg, heat, lasso, doublewell, nothing);
 * the rest is run line by line as batch mode runs a script, keeping going
 * after errors.  Properties beyond "no crash, no sanitizer report":
 *   - every line on stderr is "bilab: CMD: ..." or "note: ..." (try, and
 *     problem use loading a problem's own data) on one line, or one of the
 *     two lines of a caret display under such a line;
 *   - no control byte but the newline reaches stderr;
 *   - a failing command leaves a status < 0, a successful one 0.
 * Work is bounded: after BL_FUZZ_BUDGET_MS of CPU time (default 200) the
 * Ctrl-C flag is raised every 10 ms, which every long operation polls;
 * one that does not shows up as a libFuzzer timeout.  Input that names a
 * path outside the scratch directory in a file command is skipped. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "bl.h"
#include "command.h"
#include "gen.h"
#include "session.h"

static bl_cancel_t cancel_flag;
static char scratch[256];
static int home = -1;               /* the directory libFuzzer works in */

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
    /* a scratch directory of our own: the commands' files go there */
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/bilab-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) abort();
    home = open(".", O_RDONLY | O_DIRECTORY);
    atexit(cleanup);
    setenv("OMP_NUM_THREADS", "1", 0);
}

/* Removes what the commands wrote into the scratch directory. */
static void sweep(void)
{
    DIR *d = opendir(".");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) unlink(de->d_name);
    closedir(d);
}

static const char *const starts[] = {
    "data synth regression n=30 m=20 p=5 seed=1; problem use ridge",
    "problem use quadratic p=6 d=2 seed=1",
    "data synth classification n=40 m=20 p=4 seed=2; problem use logreg",
    "problem use heat N=20 nt=5 s=4",
    "data synth regression n=30 m=20 p=6 seed=3; problem use lasso",
    "problem use doublewell",
    "",
};
#define NSTARTS (sizeof starts / sizeof starts[0])

/* Checks what one session wrote on stderr (see the header). */
static void check_stderr(const char *err)
{
    int caret = 0;                 /* lines of a caret display still allowed */
    for (const char *l = err; *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)l[i] < 0x20 || l[i] == 0x7F) {
                fprintf(stderr, "fuzz_cmd: a control byte 0x%02x on stderr: %.*s\n",
                        (unsigned char)l[i], (int)n, l);
                abort();
            }
        if ((n >= 7 && !strncmp(l, "bilab: ", 7)) || (n >= 6 && !strncmp(l, "note: ", 6))) {
            caret = memchr(l, '(', n) ? 2 : 0;            /* "(column N)" may follow */
        } else if (caret > 0 && n >= 2 && !strncmp(l, "  ", 2)) {
            caret--;
        } else {
            fprintf(stderr, "fuzz_cmd: a line on stderr that is not a message: '%.*s'\n",
                    (int)n, l);
            abort();
        }
        l = nl ? nl + 1 : l + n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    if (size < 1 || size > 4096) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (strlen(text) != size - 1 || bl_gen_unsafe_paths(text)) {   /* NULs, paths out */
        free(text);
        return 0;
    }
    /* the commands' files go to the scratch directory, and only there;
     * libFuzzer's corpus paths are relative to where it runs */
    if (chdir(scratch) != 0) abort();
    char *outb = NULL, *errb = NULL;
    size_t outn = 0, errn = 0;
    FILE *out = open_memstream(&outb, &outn), *err = open_memstream(&errb, &errn);
    bl_session *S = out && err ? bl_session_new(out, err, &cancel_flag) : NULL;
    if (!S) abort();
    S->batch = 1;
    S->keep_going = 1;
    cancel_flag = 0;
    const char *start = starts[data[0] % NSTARTS];
    if (*start && bl_execute_line(S, start) != BL_OK) abort();   /* our own setup */
    if (!S->P) bl_execute_line(S, "problem use quadratic p=3 d=1");
    bl_execute_line(S, "set threads 1; set timing off");
    fflush(err);
    long from = ftell(err);        /* only what the input made is checked */
    const char *budget = getenv("BL_FUZZ_BUDGET_MS");
    arm(budget ? atol(budget) : 200);
    for (char *line = text, *nl; line && !S->quit; line = nl) {
        nl = strchr(line, '\n');
        if (nl) *nl++ = '\0';
        int st = bl_execute_line(S, line);
        if (st > 0) abort();       /* BL_CONTINUE never escapes a command */
    }
    disarm();
    cancel_flag = 0;
    bl_session_free(S);
    fputc('\0', err);
    fclose(out);
    fclose(err);
    check_stderr(errb + (from > 0 && (size_t)from <= errn ? from : 0));
    free(outb);
    free(errb);
    free(text);
    sweep();
    if (home >= 0 && fchdir(home) != 0) abort();
    return 0;
}

#ifdef BL_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    bl_gen_limit_memory(4096);
    long iters = 300;
    unsigned long seed = 1;
    int files = 0;
    static uint8_t buf[4097];
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-runs=", 6)) {
            iters = strtol(argv[i] + 6, NULL, 10);
            continue;
        }
        if (!strncmp(argv[i], "-seed=", 6)) {
            seed = strtoul(argv[i] + 6, NULL, 10);
            continue;
        }
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "fuzz_cmd: cannot open %s\n", argv[i]);
            return 2;
        }
        size_t n = fread(buf, 1, 4096, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        files++;
    }
    bl_gen g;
    bl_gen_seed(&g, seed);
    for (long it = 0; it < iters; it++) {
        buf[0] = (uint8_t)bl_gen_next(&g);
        char *t = (char *)buf + 1;
        size_t len = bl_gen_session(&g, t, 3000, 1 + (int)(bl_gen_next(&g) % 8));
        int k = (int)(bl_gen_next(&g) % 4);
        for (int m = 0; m < k; m++) len = bl_gen_mutate(&g, t, len, 3000);
        LLVMFuzzerTestOneInput(buf, len + 1);
    }
    printf("fuzz_cmd: %d files and %ld generated sessions, no failure\n", files, iters);
    return 0;
}
#endif
