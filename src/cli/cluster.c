/* cluster.c: MPI, all of it (cluster.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "dist.h"
#include "fileio.h"

#ifdef HAVE_MPI
#include <mpi.h>

static int rank = 0, size = 1, started = 0;
static char libname[MPI_MAX_LIBRARY_VERSION_STRING];

static void mpi_msg(int code, char *msg, size_t len)
{
    char s[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(code, s, &n) != MPI_SUCCESS) snprintf(s, sizeof s, "error %d", code);
    snprintf(msg, len, "MPI: %s", s);
}

/* dist.h's collective: MPI_Allreduce with MPI_BOR on bytes, in pieces
 * below 2³¹ bytes (an MPI count is an int). */
static int bor(void *arg, void *buf, size_t bytes, char *msg, size_t len)
{
    (void)arg;
    char *p = buf;
    const size_t piece = (size_t)1 << 30;
    while (bytes > 0) {
        int n = (int)(bytes < piece ? bytes : piece);
        int rc = MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_BYTE, MPI_BOR, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) {
            mpi_msg(rc, msg, len);
            return -1;
        }
        p += n;
        bytes -= (size_t)n;
    }
    return 0;
}

int bl_cluster_init(int *argc, char ***argv)
{
    /* the ranks' collectives are made from one thread at a time: the
     * command's, or a surface's own thread while the command's waits */
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "bilab: MPI could not start\n");
        return -1;
    }
    started = 1;
    /* errors come back to the caller as statuses (a failed collective is
     * reported as the command's error) rather than aborting at once */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int n = 0;
    MPI_Get_library_version(libname, &n);
    char *nl = strpbrk(libname, ",\n");
    if (nl) *nl = '\0';
    if (provided < MPI_THREAD_SERIALIZED && size > 1) {
        if (rank == 0)
            fprintf(stderr, "bilab: the MPI library gives no MPI_THREAD_SERIALIZED support\n");
        MPI_Finalize();
        started = 0;
        return -1;
    }
    bl_dist d = {rank, size, bor, NULL};
    bl_dist_set(&d);
    if (rank > 0) {
        /* rank 0 alone prints and writes files */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) {
            /* nothing to do: the output then merely repeats rank 0's */
        }
        bl_wfile_discard(1);
    }
    return 0;
}

void bl_cluster_finish(void)
{
    if (started) MPI_Finalize();
    started = 0;
}

int bl_cluster_rank(void) { return rank; }

int bl_cluster_size(void) { return size; }

const char *bl_cluster_library(void)
{
    return started ? libname : "MPI";
}

int bl_cluster_agree(int st, bl_err *e, bl_cancel_t *cancel)
{
    if (size <= 1) return st;
    /* every rank's status and message, gathered by the engine's collective */
    struct { int st, cancelled; char msg[sizeof e->msg]; } mine, *all = calloc((size_t)size, sizeof *all);
    if (!all) return st;
    memset(&mine, 0, sizeof mine);
    mine.st = st;
    mine.cancelled = cancel && *cancel;
    if (st && e) memcpy(mine.msg, e->msg, sizeof mine.msg);
    bl_err ge = {0};
    int gst = bl_dist_allgather(&mine, sizeof mine, all, &ge);
    if (gst) {
        if (e) *e = ge;
        free(all);
        return gst;
    }
    int out = st;
    for (int r = 0; r < size; r++)
        if (all[r].cancelled && cancel) *cancel = 1;
    for (int r = 0; r < size; r++) {
        if (all[r].st == BL_OK) continue;
        out = all[r].st;
        if (st == BL_OK && e) {
            all[r].msg[sizeof all[r].msg - 1] = '\0';
            bl_err_set(e, out, "rank %d: %s", r, all[r].msg[0] ? all[r].msg : bl_strerror(out));
        }
        break;
    }
    free(all);
    return out;
}

#else /* one process */

int bl_cluster_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

void bl_cluster_finish(void) {}

int bl_cluster_rank(void) { return 0; }

int bl_cluster_size(void) { return 1; }

const char *bl_cluster_library(void) { return NULL; }

int bl_cluster_agree(int st, bl_err *e, bl_cancel_t *cancel)
{
    (void)e;
    (void)cancel;
    return st;
}

#endif
