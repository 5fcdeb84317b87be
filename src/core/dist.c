/* dist.c: the distribution of a grid's points among processes (dist.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dist.h"

static bl_dist cur = {0, 1, NULL, NULL};

void bl_dist_set(const bl_dist *d)
{
    if (d && d->size > 1 && d->bor) cur = *d;
    else cur = (bl_dist){0, 1, NULL, NULL};
}

int bl_dist_rank(void) { return cur.rank; }

int bl_dist_size(void) { return cur.size; }

int bl_dist_owns(size_t k)
{
    return cur.size <= 1 || k % (size_t)cur.size == (size_t)cur.rank;
}

int bl_dist_bor(void *buf, size_t bytes, bl_err *e)
{
    if (cur.size <= 1 || bytes == 0) return BL_OK;
    char why[256] = "";
    if (cur.bor(cur.arg, buf, bytes, why, sizeof why) != 0) {
        bl_err_set(e, BL_EIO, "combining the ranks' results failed: %s",
                   why[0] ? why : "MPI error");
        return BL_EIO;
    }
    return BL_OK;
}

int bl_dist_allgather(const void *mine, size_t bytes, void *all, bl_err *e)
{
    size_t n = cur.size > 1 ? (size_t)cur.size : 1;
    memset(all, 0, n * bytes);
    memcpy((char *)all + (size_t)cur.rank * bytes, mine, bytes);
    return bl_dist_bor(all, n * bytes, e);
}

int bl_dist_merge(void *buf, size_t nblocks, size_t nitems, size_t itemsize,
                  const unsigned char *mine, bl_err *e)
{
    if (cur.size <= 1) return BL_OK;
    char *p = buf;
    for (size_t b = 0; b < nblocks; b++)
        for (size_t k = 0; k < nitems; k++)
            if (!mine[k]) memset(p + (b * nitems + k) * itemsize, 0, itemsize);
    return bl_dist_bor(buf, nblocks * nitems * itemsize, e);
}
