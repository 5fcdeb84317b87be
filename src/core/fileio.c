/* fileio.c: atomic writes (a temporary beside the target, flushed, synced
 * and renamed over it) and checked reads.  See fileio.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

/* The temporaries being written, for bl_wfile_cleanup_signal.  A signal
 * handler takes no argument, so this one list is process-wide: a slot is
 * filled before the temporary exists and emptied after it is gone. */
#define NSLOTS 8
#define SLOT_LEN 4352
static char pending[NSLOTS][SLOT_LEN];
static volatile sig_atomic_t pending_used[NSLOTS];

void bl_wfile_cleanup_signal(void)
{
    for (int i = 0; i < NSLOTS; i++)
        if (pending_used[i]) unlink(pending[i]);
}

static int claim_slot(const char *tmpl)
{
    if (strlen(tmpl) >= SLOT_LEN) return -1;
    for (int i = 0; i < NSLOTS; i++)
        if (!pending_used[i]) {
            memcpy(pending[i], tmpl, strlen(tmpl) + 1);
            pending_used[i] = 1;
            return i;
        }
    return -1;
}

static void release_slot(int slot)
{
    if (slot >= 0) pending_used[slot] = 0;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int fail(bl_err *e, const char *path, int er)
{
    bl_err_set(e, er == ENOMEM ? BL_ENOMEM : BL_EIO, "cannot write '%s': %s", path,
               strerror(er));
    return er == ENOMEM ? BL_ENOMEM : BL_EIO;
}

/* The directory part of PATH ("." when none), malloc'd. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    if (slash == path) return xstrdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

static int discard_writes;

void bl_wfile_discard(int on)
{
    discard_writes = on;
}

int bl_wfile_open(bl_wfile *w, const char *path, bl_err *e)
{
    struct stat st;
    char *target = NULL, *tmp = NULL, *dir = NULL;
    int fd = -1, exists, slot = -1, er;

    memset(w, 0, sizeof *w);
    w->slot = -1;
    w->fd = -1;
    if (!path || !*path) {
        bl_err_set(e, BL_EINVAL, "no file name given");
        return BL_EINVAL;
    }
    if (discard_writes) {       /* an MPI rank above 0: rank 0 writes the file */
        w->f = fopen("/dev/null", "w");
        w->path = xstrdup(path);
        if (!w->f || !w->path) {
            if (w->f) fclose(w->f);
            free(w->path);
            w->f = NULL;
            w->path = NULL;
            return fail(e, path, ENOMEM);
        }
        w->fd = fileno(w->f);
        return BL_OK;
    }
    /* through a symbolic link to the file it names, so that the link stays */
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && stat(path, &st) == 0)
        target = realpath(path, NULL);
    else
        target = xstrdup(path);
    if (!target) return fail(e, path, errno ? errno : ENOMEM);
    exists = stat(target, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        free(target);
        return fail(e, path, EISDIR);
    }
    if (exists && !S_ISREG(st.st_mode)) {      /* a terminal, FIFO, /dev/null */
        w->f = fopen(target, "w");
        if (!w->f) {
            er = errno;
            free(target);
            return fail(e, path, er);
        }
        w->fd = fileno(w->f);
        w->path = target;
        return BL_OK;
    }

    dir = dir_of(target);
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    size_t len = (dir ? strlen(dir) : 0) + strlen(base) + 32;
    tmp = malloc(len);
    if (!dir || !tmp) {
        er = ENOMEM;
        goto bad;
    }
    /* a hidden name that says what it was for; short enough for NAME_MAX */
    snprintf(tmp, len, "%s/.%.*s.tmp.XXXXXX", dir, strlen(base) > 200 ? 200 : (int)strlen(base),
             base);
    slot = claim_slot(tmp);
    fd = mkstemp(slot >= 0 ? pending[slot] : tmp);
    if (fd < 0) {
        er = errno;
        goto bad;
    }
    if (slot >= 0) memcpy(tmp, pending[slot], strlen(pending[slot]) + 1);
    /* the mode of the file it replaces, or what a new file would get */
    if (exists) {
        (void)fchmod(fd, st.st_mode & 07777);
    } else {
        mode_t um = umask(0);
        umask(um);
        (void)fchmod(fd, 0666 & ~um);
    }
    w->f = fdopen(fd, "w");
    if (!w->f) {
        er = errno;
        close(fd);
        unlink(tmp);
        goto bad;
    }
    free(dir);
    w->fd = fd;
    w->path = target;
    w->tmp = tmp;
    w->slot = slot;
    return BL_OK;

bad:
    release_slot(slot);
    free(dir);
    free(tmp);
    free(target);
    return fail(e, path, er);
}

static void release(bl_wfile *w)
{
    release_slot(w->slot);
    free(w->path);
    free(w->tmp);
    memset(w, 0, sizeof *w);
    w->slot = -1;
    w->fd = -1;
}

void bl_wfile_abort(bl_wfile *w)
{
    if (!w) return;
    if (w->f) fclose(w->f);
    if (w->tmp) unlink(w->tmp);
    release(w);
}

int bl_wfile_commit(bl_wfile *w, bl_err *e)
{
    int er = 0;
    if (!w || !w->f) {
        bl_err_set(e, BL_EINVAL, "no file being written");
        return BL_EINVAL;
    }
    int last = errno;       /* the reason of the caller's last failed write */
    if (w->err) er = w->err;
    else if (ferror(w->f)) er = last ? last : EIO;
    else {
        errno = 0;
        if (fflush(w->f) != 0) er = errno ? errno : EIO;
    }
    if (!er && w->tmp && fsync(w->fd) != 0) er = errno;
    if (fclose(w->f) != 0 && !er) er = errno ? errno : EIO;
    w->f = NULL;
    if (!er && w->tmp && rename(w->tmp, w->path) != 0) er = errno;
    if (er && w->tmp) unlink(w->tmp);
    if (!er && w->tmp) {
        /* the rename itself lasts once the directory is on disk */
        char *dir = dir_of(w->path);
        int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    /* the message names the target (for a link, the file it points to) */
    int st = er ? fail(e, w->path, er) : BL_OK;
    release(w);
    return st;
}

/* ------------------------------------------------------------- reading */

static const char *kind_of(mode_t m)
{
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO or pipe";
    if (S_ISSOCK(m)) return "a socket";
    return "not a plain file";
}

int bl_open_input(const char *path, int pipes, FILE **f, bl_err *e)
{
    struct stat st;
    *f = NULL;
    if (!path || !*path) {
        bl_err_set(e, BL_EINVAL, "no file name given");
        return BL_EINVAL;
    }
    if (stat(path, &st) != 0) {
        bl_err_set(e, BL_EIO, "cannot open '%s': %s", path, strerror(errno));
        return BL_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        bl_err_set(e, BL_EIO, "cannot read '%s': it is a directory", path);
        return BL_EIO;
    }
    if (!S_ISREG(st.st_mode) && !(pipes && S_ISFIFO(st.st_mode))) {
        bl_err_set(e, BL_EIO, "cannot read '%s': it is %s, not a regular file", path,
                   kind_of(st.st_mode));
        return BL_EIO;
    }
    *f = fopen(path, "r");
    if (!*f) {
        bl_err_set(e, BL_EIO, "cannot open '%s': %s", path, strerror(errno));
        return BL_EIO;
    }
    return BL_OK;
}

int bl_read_line(FILE *f, char **line, size_t *cap, size_t *len, size_t max)
{
    size_t n = 0;
    int c;
    *len = 0;
    for (;;) {
        c = getc_unlocked(f);
        if (c == EOF) {
            if (ferror(f)) return BL_EIO;
            if (n == 0) return 0;
            break;
        }
        if (c == '\n') break;
        if (n >= max) return BL_EFORMAT;
        if (n + 2 > *cap) {
            size_t nc = *cap ? 2 * *cap : 256;
            if (nc > max + 2) nc = max + 2;
            if (nc < n + 2) nc = n + 2;
            char *p = realloc(*line, nc);
            if (!p) {
                errno = ENOMEM;
                return BL_EIO;
            }
            *line = p;
            *cap = nc;
        }
        (*line)[n++] = (char)c;
    }
    if (!*line) {          /* an empty first line: still a string */
        *line = malloc(1);
        if (!*line) {
            errno = ENOMEM;
            return BL_EIO;
        }
        *cap = 1;
    }
    (*line)[n] = '\0';
    *len = n;
    return 1;
}

/* ---- one vector in a file ---- */

#include <ctype.h>
#include <math.h>
#include <stdint.h>

int bl_vec_is_npy(const char *path)
{
    size_t l = strlen(path);
    return l >= 4 && !strcmp(path + l - 4, ".npy");
}

/* The value of KEY in the .npy header dict H ("'descr': '<f8'"): a
 * pointer past "KEY':" and its blanks, or NULL. */
static const char *npy_key(const char *h, const char *key)
{
    char k[32];
    snprintf(k, sizeof k, "'%s'", key);
    const char *p = strstr(h, k);
    if (!p) {
        snprintf(k, sizeof k, "\"%s\"", key);
        if (!(p = strstr(h, k))) return NULL;
    }
    p += strlen(k);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

static int npy_read(FILE *f, const char *path, double *v, size_t n, bl_err *e)
{
    unsigned char pre[12];
    char *h = NULL;
    int st = BL_EFORMAT;
    size_t got = fread(pre, 1, 10, f);
    if (got < 8 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        bl_err_set(e, st, "'%s' is not a .npy file (no \\x93NUMPY magic)", path);
        return st;
    }
    size_t hl;
    if (got < 10) goto trunc;
    if (pre[6] == 1) {
        hl = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) goto trunc;
        hl = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    } else {
        bl_err_set(e, st, "'%s': .npy version %d.%d is not supported (1, 2 or 3)", path,
                   pre[6], pre[7]);
        return st;
    }
    if (hl > 65536) {
        bl_err_set(e, st, "'%s': .npy header of %zu bytes (at most 65536)", path, hl);
        return st;
    }
    if (!(h = malloc(hl + 1))) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    if (fread(h, 1, hl, f) != hl) goto trunc;
    h[hl] = '\0';
    const char *d = npy_key(h, "descr"), *fo = npy_key(h, "fortran_order"),
               *sh = npy_key(h, "shape");
    if (!d || !fo || !sh || h[0] != '{') {
        bl_err_set(e, st, "'%s': malformed .npy header (needs descr, fortran_order and "
                   "shape)", path);
        goto out;
    }
    size_t w;
    if (!strncmp(d, "'<f8'", 5) || !strncmp(d, "\"<f8\"", 5)) w = 8;
    else if (!strncmp(d, "'<f4'", 5) || !strncmp(d, "\"<f4\"", 5)) w = 4;
    else {
        const char *q = strpbrk(d, ",}");
        bl_err_set(e, st, "'%s': .npy dtype %.*s is not supported (little-endian float64 "
                   "'<f8' or float32 '<f4')", path, q ? (int)(q - d) : 8, d);
        goto out;
    }
    /* shape: (N,), (N, 1) or (1, N) */
    if (*sh != '(') {
        bl_err_set(e, st, "'%s': malformed .npy shape", path);
        goto out;
    }
    size_t dims[3], nd = 0;
    const char *p = sh + 1;
    for (;;) {
        while (*p == ' ') p++;
        if (*p == ')') break;
        if (!isdigit((unsigned char)*p) || nd == 3) {
            bl_err_set(e, st, "'%s': malformed .npy shape", path);
            goto out;
        }
        char *end;
        unsigned long long x = strtoull(p, &end, 10);
        dims[nd++] = (size_t)x;
        p = end;
        while (*p == ' ') p++;
        if (*p == ',') p++;
    }
    size_t total = nd == 0 ? 1 : dims[0];
    if (nd == 2) {
        if (dims[0] != 1 && dims[1] != 1) {
            bl_err_set(e, BL_EDIM, "'%s' holds a %zu × %zu matrix, not a vector", path,
                       dims[0], dims[1]);
            st = BL_EDIM;
            goto out;
        }
        total = dims[0] * dims[1];
    } else if (nd != 1) {
        bl_err_set(e, BL_EDIM, "'%s' has %zu dimensions, not a vector", path, nd);
        st = BL_EDIM;
        goto out;
    }
    if (total != n) {
        bl_err_set(e, BL_EDIM, "'%s' has %zu numbers, not %zu", path, total, n);
        st = BL_EDIM;
        goto out;
    }
    /* the data, in blocks (float32 converted) */
    float buf[4096];
    for (size_t i = 0; i < n;) {
        size_t k = n - i, r;
        if (w == 8) {
            r = fread(v + i, 8, k, f);
        } else {
            if (k > 4096) k = 4096;
            r = fread(buf, 4, k, f);
            for (size_t j = 0; j < r; j++) v[i + j] = buf[j];
        }
        if (r == 0) {
            if (ferror(f)) {
                bl_err_set(e, BL_EIO, "cannot read '%s': %s", path, strerror(errno));
                st = BL_EIO;
            } else {
                bl_err_set(e, st, "'%s': truncated .npy data (%zu of %zu numbers)", path, i,
                           n);
            }
            goto out;
        }
        i += r;
    }
    if (fgetc(f) != EOF) {
        bl_err_set(e, st, "'%s': data past the %zu numbers of its .npy shape", path, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            bl_err_set(e, BL_EFORMAT, "'%s': number %zu is %g, not finite", path, i, v[i]);
            goto out;
        }
    st = BL_OK;
    goto out;
trunc:
    bl_err_set(e, st, "'%s': truncated .npy header", path);
out:
    free(h);
    return st;
}

static int txt_read(FILE *f, const char *path, double *v, size_t n, bl_err *e)
{
    char buf[65536], tok[80];
    size_t got = 0, line = 1, col = 0, tcol = 0, tl = 0;
    int comment = 0, st = BL_OK;
    for (;;) {
        size_t r = fread(buf, 1, sizeof buf, f);
        if (r == 0 && ferror(f)) {
            bl_err_set(e, BL_EIO, "cannot read '%s': %s", path, strerror(errno));
            return BL_EIO;
        }
        for (size_t i = 0; i <= r; i++) {
            int c = i < r ? (unsigned char)buf[i] : (r == 0 ? -1 : -2);
            if (c == -2) break;                     /* the next block */
            int sep = c == -1 || c == '\n' || c == ',' || c == ' ' || c == '\t' || c == '\r'
                      || c == ';' || c == '#';
            if (!comment && !sep) {
                if (tl == 0) tcol = col + 1;
                if (c == 0 || tl + 1 >= sizeof tok) {
                    bl_err_set(e, BL_EFORMAT, "'%s' line %zu, column %zu: %s", path, line,
                               tcol, c == 0 ? "a NUL byte" : "a token too long for a number");
                    return BL_EFORMAT;
                }
                tok[tl++] = (char)c;
            } else if (tl) {
                tok[tl] = '\0';
                char *end;
                errno = 0;
                double x = strtod(tok, &end);
                if (*end || end == tok) {
                    bl_err_set(e, BL_EFORMAT, "'%s' line %zu, column %zu: '%.40s' is not a "
                               "number", path, line, tcol, tok);
                    return BL_EFORMAT;
                }
                if (!isfinite(x)) {
                    bl_err_set(e, BL_EFORMAT, "'%s' line %zu, column %zu: '%.40s' is not "
                               "finite", path, line, tcol, tok);
                    return BL_EFORMAT;
                }
                if (got == n) {
                    bl_err_set(e, BL_EDIM, "'%s' has more than %zu numbers (line %zu, "
                               "column %zu)", path, n, line, tcol);
                    return BL_EDIM;
                }
                v[got++] = x;
                tl = 0;
            }
            if (c == '#') comment = 1;
            if (c == '\n') {
                line++;
                col = 0;
                comment = 0;
            } else {
                col++;
            }
        }
        if (r == 0) break;
    }
    if (got != n) {
        bl_err_set(e, BL_EDIM, "'%s' has %zu number%s, not %zu", path, got,
                   got == 1 ? "" : "s", n);
        st = BL_EDIM;
    }
    return st;
}

int bl_vec_read(const char *path, double *v, size_t n, bl_err *e)
{
    FILE *f;
    int st = bl_open_input(path, BL_INPUT_REGULAR, &f, e);
    if (st) return st;
    st = bl_vec_is_npy(path) ? npy_read(f, path, v, n, e) : txt_read(f, path, v, n, e);
    fclose(f);
    return st;
}

int bl_vec_write(const char *path, const double *v, size_t n, size_t stride, bl_err *e)
{
    bl_wfile w;
    int st = bl_wfile_open(&w, path, e);
    if (st) return st;
    if (bl_vec_is_npy(path)) {
        char h[128];
        int l = snprintf(h, sizeof h, "{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (%zu,), }", n);
        size_t tot = 10 + (size_t)l + 1, pad = (64 - tot % 64) % 64;
        size_t hl = (size_t)l + pad + 1;
        unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                 (unsigned char)(hl & 0xff), (unsigned char)(hl >> 8)};
        fwrite(pre, 1, 10, w.f);
        fwrite(h, 1, (size_t)l, w.f);
        for (size_t i = 0; i < pad; i++) fputc(' ', w.f);
        fputc('\n', w.f);
        if (stride == 1) {
            fwrite(v, sizeof *v, n, w.f);
        } else {
            for (size_t i = 0; i < n; i++) fwrite(v + i * stride, sizeof *v, 1, w.f);
        }
    } else {
        char num[40];
        for (size_t i = 0; i < n; i++) {
            int l = snprintf(num, sizeof num, "%.17g\n", v[i * stride]);
            fwrite(num, 1, (size_t)l, w.f);
        }
    }
    return bl_wfile_commit(&w, e);
}
