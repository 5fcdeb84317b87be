/* test_fileio.c: atomic writes, checked inputs and capped line reads
 * (src/core/fileio.c). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "tap.h"

static char dir[512];

static const char *path_of(const char *name)
{
    static char buf[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *name, const char *s)
{
    FILE *f = fopen(path_of(name), "w");
    if (!f) return;
    fputs(s, f);
    fclose(f);
}

/* The whole of a small file, or "" */
static const char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = 0;
    buf[0] = '\0';
    if (!f) return buf;
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Temporaries (".NAME.tmp.XXXXXX") left in the directory. */
static int debris(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (!d) return -1;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void test_write(void)
{
    bl_wfile w;
    bl_err e = {0, ""};
    char p[700];
    snprintf(p, sizeof p, "%s", path_of("a.txt"));

    /* a new file: written whole on commit, nothing before */
    int st = bl_wfile_open(&w, p, &e);
    tap_ok(st == BL_OK && w.f && w.tmp && strstr(w.tmp, "/.a.txt.tmp.") != NULL,
           "open makes a temporary beside the target (%s)", w.tmp ? w.tmp : "none");
    fputs("first\n", w.f);
    fflush(w.f);
    tap_ok(access(p, F_OK) != 0 && debris() == 1, "before commit the target does not exist yet");
    st = bl_wfile_commit(&w, &e);
    tap_ok(st == BL_OK && !strcmp(slurp(p), "first\n") && debris() == 0,
           "commit renames it into place, no temporary left");
    tap_ok(w.f == NULL && w.tmp == NULL && w.path == NULL, "commit releases the record");

    /* the mode of the file it replaces is kept */
    chmod(p, 0640);
    st = bl_wfile_open(&w, p, &e);
    fputs("second\n", w.f);
    st = st ? st : bl_wfile_commit(&w, &e);
    struct stat sb;
    stat(p, &sb);
    tap_ok(st == BL_OK && !strcmp(slurp(p), "second\n") && (sb.st_mode & 0777) == 0640,
           "a replaced file keeps its mode (%o)", (unsigned)(sb.st_mode & 0777));

    /* abort: the old file stays, the temporary goes */
    st = bl_wfile_open(&w, p, &e);
    fputs("never\n", w.f);
    bl_wfile_abort(&w);
    tap_ok(st == BL_OK && !strcmp(slurp(p), "second\n") && debris() == 0,
           "abort leaves the old file and no temporary");

    /* a failed write (a writer's errno): commit fails, says why, keeps the old */
    st = bl_wfile_open(&w, p, &e);
    fputs("half", w.f);
    w.err = ENOSPC;
    st = st ? st : bl_wfile_commit(&w, &e);
    tap_ok(st == BL_EIO && !strcmp(slurp(p), "second\n") && debris() == 0 &&
           strstr(e.msg, "cannot write '") && strstr(e.msg, strerror(ENOSPC)),
           "a failed write: BL_EIO, old file intact, no temporary: '%s'", e.msg);

    /* a stream error without errno from the writer is still an error */
    st = bl_wfile_open(&w, p, &e);
    fputs("x", w.f);
    errno = 0;
    {
        /* make the stream's error flag set: read from a write-only stream */
        char c;
        if (fread(&c, 1, 1, w.f) != 0) c = 0;
    }
    st = st ? st : bl_wfile_commit(&w, &e);
    tap_ok(st == BL_EIO && !strcmp(slurp(p), "second\n") && debris() == 0,
           "a stream in error is not committed: '%s'", e.msg);

    /* a directory in the way, a missing directory */
    e.msg[0] = '\0';
    st = bl_wfile_open(&w, dir, &e);
    tap_ok(st == BL_EIO && w.f == NULL && strstr(e.msg, strerror(EISDIR)),
           "a directory is not written over: '%s'", e.msg);
    st = bl_wfile_open(&w, path_of("nosuch/x"), &e);
    tap_ok(st == BL_EIO && w.f == NULL && strstr(e.msg, strerror(ENOENT)),
           "a missing directory: '%s'", e.msg);
    st = bl_wfile_open(&w, "", &e);
    tap_ok(st == BL_EINVAL, "an empty name is refused");

    /* a device is written in place, never replaced */
    st = bl_wfile_open(&w, "/dev/null", &e);
    tap_ok(st == BL_OK && w.tmp == NULL, "/dev/null is written in place");
    if (st == BL_OK) {
        fputs("x", w.f);
        st = bl_wfile_commit(&w, &e);
        tap_ok(st == BL_OK && stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode),
               "and stays a device");
    }

    /* a link: the file it names is replaced, the link stays */
    put("target.txt", "old\n");
    unlink(path_of("link.txt"));
    if (symlink("target.txt", path_of("link.txt")) == 0) {
        st = bl_wfile_open(&w, path_of("link.txt"), &e);
        fputs("new\n", w.f);
        st = st ? st : bl_wfile_commit(&w, &e);
        struct stat lb;
        tap_ok(st == BL_OK && lstat(path_of("link.txt"), &lb) == 0 && S_ISLNK(lb.st_mode) &&
               !strcmp(slurp(path_of("target.txt")), "new\n"),
               "through a link the target file is replaced and the link kept");
    }

    /* the signal handler's cleanup removes temporaries in progress */
    bl_wfile w2;
    st = bl_wfile_open(&w, p, &e);
    int st2 = bl_wfile_open(&w2, path_of("b.txt"), &e);
    tap_ok(st == BL_OK && st2 == BL_OK && debris() == 2, "two writes in progress");
    bl_wfile_cleanup_signal();
    tap_ok(debris() == 0 && !strcmp(slurp(p), "second\n") && access(path_of("b.txt"), F_OK) != 0,
           "bl_wfile_cleanup_signal removes both temporaries, the old file stays");
    bl_wfile_abort(&w);
    bl_wfile_abort(&w2);
    unlink(path_of("target.txt"));
    unlink(path_of("link.txt"));
    unlink(p);
}

static void test_input(void)
{
    FILE *f = NULL;
    bl_err e = {0, ""};
    put("r.txt", "x\n");
    int st = bl_open_input(path_of("r.txt"), BL_INPUT_REGULAR, &f, &e);
    tap_ok(st == BL_OK && f, "a regular file opens");
    if (f) fclose(f);
    st = bl_open_input(dir, BL_INPUT_PIPES, &f, &e);
    tap_ok(st == BL_EIO && !f && strstr(e.msg, "it is a directory"), "a directory: '%s'", e.msg);
    st = bl_open_input("/dev/zero", BL_INPUT_PIPES, &f, &e);
    tap_ok(st == BL_EIO && !f && strstr(e.msg, "character device"), "/dev/zero: '%s'", e.msg);
    mkfifo(path_of("fifo"), 0600);
    st = bl_open_input(path_of("fifo"), BL_INPUT_REGULAR, &f, &e);
    tap_ok(st == BL_EIO && !f && strstr(e.msg, "FIFO"), "a FIFO, refused without blocking: '%s'",
           e.msg);
    st = bl_open_input(path_of("none"), BL_INPUT_REGULAR, &f, &e);
    tap_ok(st == BL_EIO && strstr(e.msg, "cannot open") && strstr(e.msg, strerror(ENOENT)),
           "a missing file: '%s'", e.msg);
    if (getuid() != 0) {
        chmod(path_of("r.txt"), 0);
        st = bl_open_input(path_of("r.txt"), BL_INPUT_REGULAR, &f, &e);
        tap_ok(st == BL_EIO && strstr(e.msg, strerror(EACCES)), "unreadable: '%s'", e.msg);
    }
    unlink(path_of("fifo"));
    unlink(path_of("r.txt"));
}

static void test_lines(void)
{
    char *line = NULL;
    size_t cap = 0, len = 0;
    FILE *f = fopen(path_of("l.txt"), "w+");
    if (!f) {
        tap_ok(0, "cannot write %s", path_of("l.txt"));
        return;
    }
    fputs("ab\n\ncd", f);
    fputc('\0', f);
    fputs("e\n12345\n123456\nlast", f);
    rewind(f);
    int r1 = bl_read_line(f, &line, &cap, &len, 5);
    tap_ok(r1 == 1 && len == 2 && !strcmp(line, "ab"), "a line without its newline");
    r1 = bl_read_line(f, &line, &cap, &len, 5);
    tap_ok(r1 == 1 && len == 0 && !strcmp(line, ""), "an empty line");
    r1 = bl_read_line(f, &line, &cap, &len, 5);
    tap_ok(r1 == 1 && len == 4 && memchr(line, '\0', len) == line + 2, "a NUL byte is kept, and counted");
    r1 = bl_read_line(f, &line, &cap, &len, 5);
    tap_ok(r1 == 1 && len == 5, "a line of exactly the limit");
    r1 = bl_read_line(f, &line, &cap, &len, 5);
    tap_ok(r1 == BL_EFORMAT && cap <= 7, "one byte past the limit: BL_EFORMAT, no more "
           "than limit + 2 bytes held (%zu)", cap);
    fclose(f);

    f = fopen(path_of("l.txt"), "w+");
    fputs("x\nlast", f);
    rewind(f);
    r1 = bl_read_line(f, &line, &cap, &len, 5);
    int r2 = bl_read_line(f, &line, &cap, &len, 5);
    int r3 = bl_read_line(f, &line, &cap, &len, 5);
    tap_ok(r1 == 1 && r2 == 1 && !strcmp(line, "last") && r3 == 0,
           "a last line without a newline, then the end");
    fclose(f);

    /* /dev/zero: stops at the limit instead of growing without end */
    f = fopen("/dev/zero", "r");
    if (f) {
        r1 = bl_read_line(f, &line, &cap, &len, BL_LINE_MAX);
        tap_ok(r1 == BL_EFORMAT && cap <= BL_LINE_MAX + 2,
               "/dev/zero stops at BL_LINE_MAX (%zu bytes held)", cap);
        fclose(f);
    }
    /* a read error (a directory opened as a stream) is an error */
    f = fopen(dir, "r");
    if (f) {
        r1 = bl_read_line(f, &line, &cap, &len, 5);
        tap_ok(r1 == BL_EIO && errno == EISDIR, "a read error is BL_EIO with errno");
        fclose(f);
    }
    free(line);
    unlink(path_of("l.txt"));
}

/* ---- one vector in a file (bl_vec_read, bl_vec_write) ---- */

/* A .npy file written byte by byte here, independently of bl_vec_write:
 * version 1.0, the header dict HDR padded with blanks and a newline to a
 * multiple of 64 bytes, then NBYTES of DATA. */
static void put_npy(const char *name, const char *hdr, const void *data, size_t nbytes)
{
    FILE *f = fopen(path_of(name), "wb");
    if (!f) return;
    size_t l = strlen(hdr), tot = 10 + l + 1, pad = (64 - tot % 64) % 64, hl = l + pad + 1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 255),
                             (unsigned char)(hl >> 8)};
    fwrite(pre, 1, 10, f);
    fwrite(hdr, 1, l, f);
    for (size_t i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    if (nbytes) fwrite(data, 1, nbytes, f);
    fclose(f);
}

static void test_vectors(void)
{
    bl_err e = {0};
    const size_t N = 1000000;
    double *v = malloc(N * sizeof *v), *w = malloc(N * sizeof *w);
    if (!v || !w) {
        tap_ok(0, "out of memory");
        free(v);
        free(w);
        return;
    }
    /* values that need all 17 digits, of every magnitude and sign */
    unsigned long long x = 88172645463325252ULL;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        v[i] = (i % 2 ? -1 : 1) * u * pow(10.0, (double)(int)(i % 41) - 20);
    }
    /* text, p = 10⁶, bit for bit */
    int st = bl_vec_write(path_of("t.csv"), v, N, 1, &e);
    memset(w, 0, N * sizeof *w);
    int rt = st ? st : bl_vec_read(path_of("t.csv"), w, N, &e);
    tap_ok(st == BL_OK && rt == BL_OK && !memcmp(v, w, N * sizeof *v),
           "text round trip of 10^6 numbers is bit for bit (%s)", e.msg);
    /* .npy, p = 10⁶, bit for bit; the header as numpy would read it */
    st = bl_vec_write(path_of("t.npy"), v, N, 1, &e);
    memset(w, 0, N * sizeof *w);
    rt = st ? st : bl_vec_read(path_of("t.npy"), w, N, &e);
    tap_ok(st == BL_OK && rt == BL_OK && !memcmp(v, w, N * sizeof *v),
           ".npy round trip of 10^6 numbers is bit for bit (%s)", e.msg);
    {
        FILE *f = fopen(path_of("t.npy"), "rb");
        unsigned char h[128] = {0};
        size_t r = f ? fread(h, 1, sizeof h, f) : 0;
        if (f) fclose(f);
        size_t hl = h[8] | (size_t)h[9] << 8;
        tap_ok(r == sizeof h && !memcmp(h, "\x93NUMPY\x01\x00", 8) && (10 + hl) % 64 == 0
               && h[10 + hl - 1] == '\n'
               && strstr((char *)h + 10, "'descr': '<f8'") && strstr((char *)h + 10, "'shape': (1000000,)")
               && strstr((char *)h + 10, "'fortran_order': False"),
               "the .npy header written: magic, v1.0, 64-byte aligned, <f8, shape (N,)");
        struct stat sb;
        tap_ok(stat(path_of("t.npy"), &sb) == 0 && (size_t)sb.st_size == 10 + hl + 8 * N,
               ".npy file size is header + 8N bytes");
    }
    /* .npy written by hand: float64 (3,), float32 (3, 1), (1, 3), version 2 */
    double d3[3] = {1.5, -2.25, 1e-300};
    float f3[3] = {0.1f, -3.0f, 7.5f};
    double r3[3];
    put_npy("a.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", d3, 24);
    st = bl_vec_read(path_of("a.npy"), r3, 3, &e);
    tap_ok(st == BL_OK && !memcmp(r3, d3, sizeof d3), "hand-made float64 (3,) .npy read");
    put_npy("b.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1), }", f3, 12);
    st = bl_vec_read(path_of("b.npy"), r3, 3, &e);
    tap_ok(st == BL_OK && r3[0] == (double)0.1f && r3[1] == -3 && r3[2] == 7.5,
           "hand-made float32 (3, 1) .npy read, converted exactly");
    put_npy("c.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 3), }", d3, 24);
    st = bl_vec_read(path_of("c.npy"), r3, 3, &e);
    tap_ok(st == BL_OK && !memcmp(r3, d3, sizeof d3), "(1, 3) .npy read");
    /* errors: one line each */
    st = bl_vec_read(path_of("a.npy"), r3, 2, &e);
    tap_ok(st == BL_EDIM && strstr(e.msg, "has 3 numbers, not 2"), "dimension mismatch: %s", e.msg);
    put_npy("m.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", d3, 24);
    st = bl_vec_read(path_of("m.npy"), r3, 3, &e);
    tap_ok(st == BL_EDIM && strstr(e.msg, "matrix"), "a matrix is refused: %s", e.msg);
    put_npy("i.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", d3, 24);
    st = bl_vec_read(path_of("i.npy"), r3, 3, &e);
    tap_ok(st == BL_EFORMAT && strstr(e.msg, "<i8"), "an int64 .npy is refused: %s", e.msg);
    put_npy("s.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", d3, 20);
    st = bl_vec_read(path_of("s.npy"), r3, 3, &e);
    tap_ok(st == BL_EFORMAT && strstr(e.msg, "truncated .npy data"), "short data: %s", e.msg);
    {
        double nan3[3] = {1, NAN, 2};
        put_npy("n.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", nan3, 24);
        st = bl_vec_read(path_of("n.npy"), r3, 3, &e);
        tap_ok(st == BL_EFORMAT && strstr(e.msg, "number 1") && strstr(e.msg, "not finite"),
               "NaN in a .npy: %s", e.msg);
    }
    /* a header cut short */
    {
        FILE *f = fopen(path_of("h.npy"), "wb");
        if (f) {
            fwrite("\x93NUMPY\x01\x00\x76\x00{'descr'", 1, 18, f);
            fclose(f);
        }
        st = bl_vec_read(path_of("h.npy"), r3, 3, &e);
        tap_ok(st == BL_EFORMAT && strstr(e.msg, "truncated .npy header"), "%s", e.msg);
        put("z.npy", "\x93NUM");
        st = bl_vec_read(path_of("z.npy"), r3, 3, &e);
        tap_ok(st == BL_EFORMAT && strstr(e.msg, "not a .npy"), "%s", e.msg);
    }
    /* text: separators, comments, errors with line and column */
    put("a.txt", "# theta\n1.5, -2.25\n\t1e-300 # last\n");
    st = bl_vec_read(path_of("a.txt"), r3, 3, &e);
    tap_ok(st == BL_OK && !memcmp(r3, d3, sizeof d3), "text with commas, blanks and comments");
    put("b.txt", "1\n2\n3 x4\n");
    st = bl_vec_read(path_of("b.txt"), r3, 3, &e);
    tap_ok(st == BL_EFORMAT && strstr(e.msg, "line 3, column 3: 'x4' is not a number"),
           "a bad number at line:column: %s", e.msg);
    put("c.txt", "1,nan,3\n");
    st = bl_vec_read(path_of("c.txt"), r3, 3, &e);
    tap_ok(st == BL_EFORMAT && strstr(e.msg, "line 1, column 3: 'nan' is not finite"),
           "NaN in text: %s", e.msg);
    put("d.txt", "1 2\n");
    st = bl_vec_read(path_of("d.txt"), r3, 3, &e);
    tap_ok(st == BL_EDIM && strstr(e.msg, "has 2 numbers, not 3"), "too few: %s", e.msg);
    /* a large file of numbers stops at the first one too many, and a large
     * file of garbage at its first token: memory bounded by the vector */
    {
        FILE *f = fopen(path_of("big.txt"), "w");
        for (int i = 0; f && i < 200000; i++) fputs("1 2 3 4 5 6 7 8 9 10\n", f);
        if (f) fclose(f);
        st = bl_vec_read(path_of("big.txt"), r3, 3, &e);
        tap_ok(st == BL_EDIM && strstr(e.msg, "more than 3 numbers (line 1, column 7)"),
               "a long file stops at the 4th number: %s", e.msg);
        f = fopen(path_of("junk.txt"), "w");
        for (int i = 0; f && i < 100000; i++) fputs("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", f);
        if (f) fclose(f);
        st = bl_vec_read(path_of("junk.txt"), r3, 3, &e);
        tap_ok(st == BL_EFORMAT && strstr(e.msg, "line 1, column 1: a token too long"),
               "garbage without separators stops at 80 bytes: %s", e.msg);
    }
    st = bl_vec_read(dir, r3, 3, &e);
    tap_ok(st != BL_OK && strstr(e.msg, "directory"), "a directory: %s", e.msg);
    /* a write that fails leaves the old file */
    st = bl_vec_write(path_of("nodir/x.npy"), d3, 3, 1, &e);
    tap_ok(st == BL_EIO && strstr(e.msg, "cannot write"), "unwritable: %s", e.msg);
    static const char *const names[] = {"t.csv", "t.npy", "a.npy", "b.npy", "c.npy", "m.npy",
                                        "i.npy", "s.npy", "n.npy", "h.npy", "z.npy", "a.txt",
                                        "b.txt", "c.txt", "d.txt", "big.txt", "junk.txt"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlink(path_of(names[i]));
    free(v);
    free(w);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bilab-test-fileio.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        tap_ok(0, "cannot create a temporary directory");
        return tap_done();
    }
    test_write();
    test_input();
    test_lines();
    test_vectors();
    rmdir(dir);
    return tap_done();
}
