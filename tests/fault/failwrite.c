/* failwrite.c: an LD_PRELOAD shim for the fault-injection tests
 * (tests/cli/files.sh).  glibc's stdio writes through an internal write
 * that a preloaded write() cannot catch, so the shim takes over fdopen(),
 * through which bilab's atomic writes (src/core/fileio.c) make the stream
 * of their temporary: for a file whose path contains BL_FAIL_PATTERN the
 * stream is a fopencookie() one that
 *   - writes BL_FAIL_AFTER bytes (default: none) and then fails with
 *     BL_FAIL_ERRNO (default ENOSPC), as a full disk does;
 *   - sleeps BL_FAIL_DELAY_MS milliseconds before each write (a slow disk,
 *     so that a test can send a signal in the middle of a write).
 * With BL_FAIL_FSYNC set, fsync() of such a file fails with EIO.
 * Built by files.sh with $CC -shared -fPIC; not part of bilab. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cookie {
    int fd;
    long long left;     /* bytes that may still be written; < 0: no limit */
    int err;
    long delay_ms;
};

static int matches(int fd)
{
    const char *pat = getenv("BL_FAIL_PATTERN");
    char link[64], path[4096];
    ssize_t n;
    if (!pat || !*pat) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    return strstr(path, pat) != NULL;
}

static ssize_t ck_write(void *c, const char *buf, size_t n)
{
    struct cookie *k = c;
    size_t done = 0;
    if (k->delay_ms > 0) {
        struct timespec ts = { k->delay_ms / 1000, (k->delay_ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    size_t want = n;
    if (k->left >= 0 && (long long)n > k->left) n = (size_t)k->left;
    while (done < n) {
        ssize_t w = write(k->fd, buf + done, n - done);
        if (w < 0) return (ssize_t)done;
        done += (size_t)w;
    }
    if (k->left >= 0) k->left -= (long long)done;
    /* fopencookie: a count short of the request is an error, whose reason
     * is errno, as the disk filling up in the middle of a write() */
    if (done < want) errno = k->err;
    return (ssize_t)done;
}

static int ck_close(void *c)
{
    struct cookie *k = c;
    int r = close(k->fd);
    free(k);
    return r;
}

FILE *fdopen(int fd, const char *mode)
{
    static FILE *(*real)(int, const char *);
    if (!real) real = (FILE *(*)(int, const char *))dlsym(RTLD_NEXT, "fdopen");
    if (!matches(fd)) return real(fd, mode);
    struct cookie *k = malloc(sizeof *k);
    if (!k) return NULL;
    const char *after = getenv("BL_FAIL_AFTER"), *er = getenv("BL_FAIL_ERRNO"),
               *delay = getenv("BL_FAIL_DELAY_MS");
    k->fd = fd;
    k->left = after && *after ? atoll(after) : -1;
    k->err = er && *er ? atoi(er) : ENOSPC;
    k->delay_ms = delay && *delay ? atol(delay) : 0;
    cookie_io_functions_t io = { NULL, ck_write, NULL, ck_close };
    FILE *f = fopencookie(k, mode, io);
    if (!f) free(k);
    return f;
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (getenv("BL_FAIL_FSYNC") && matches(fd)) {
        errno = EIO;
        return -1;
    }
    return real(fd);
}
