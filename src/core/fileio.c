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
