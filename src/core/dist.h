/* dist.h: a grid's points shared among processes (MPI ranks), without MPI
 * here.  Every process runs the same session; the point loops of surface,
 * compare over a budget and the stochastic compare hand point K to the
 * process K mod size (a cyclic distribution fixed by the grid alone), each
 * computes its points with the one-process code, and the parts are then
 * combined on every process by a bitwise OR of buffers in which the
 * points a process does not own are zero bytes, so that the combined
 * numbers are those of one process bit for bit.
 *
 * The one collective operation, BOR, is the caller's (the cli's mpi.c
 * sets it with bl_dist_set); with none set there is one process and
 * everything below is a no-op. */
#ifndef BL_DIST_H
#define BL_DIST_H

#include <stddef.h>
#include "bl.h"

typedef struct bl_dist {
    int rank, size;
    /* BYTES bytes at BUF OR-ed bit by bit over every process, in place,
     * the result on every process; 0, or nonzero when the collective
     * failed (then MSG, LEN: why) */
    int (*bor)(void *arg, void *buf, size_t bytes, char *msg, size_t len);
    void *arg;
} bl_dist;

/* Sets the process-wide distribution (copied; NULL or size 1: one process). */
void bl_dist_set(const bl_dist *d);
int bl_dist_rank(void);
int bl_dist_size(void);
/* Whether this process computes item K (K mod size == rank). */
int bl_dist_owns(size_t k);
/* The bitwise OR over every process (BL_OK, or BL_EIO with E). */
int bl_dist_bor(void *buf, size_t bytes, bl_err *e);
/* Every process's BYTES bytes at MINE, in rank order, into ALL (size ×
 * BYTES bytes) on every process. */
int bl_dist_allgather(const void *mine, size_t bytes, void *all, bl_err *e);
/* An array of NBLOCKS blocks of NITEMS items of ITEMSIZE bytes each
 * (item k of block b at (b·NITEMS + k)·ITEMSIZE): the items this process
 * does not compute (MINE[k] == 0) zeroed, then combined by BOR. */
int bl_dist_merge(void *buf, size_t nblocks, size_t nitems, size_t itemsize,
                  const unsigned char *mine, bl_err *e);

#endif
