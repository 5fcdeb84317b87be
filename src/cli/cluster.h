/* cluster.h: bilab on many processes (mpirun -np N bilab -f sweep.bl).
 * Every MPI call of bilab is in cluster.c; built without MPI (the
 * default: ./configure --with-mpi builds with it) these are no-ops of one
 * process, rank 0.
 *
 * Every rank runs the same script, so the sessions stay the same; the
 * point loops of surface, compare and compare search are shared among
 * the ranks by the engine (src/core/dist.h) through the one collective
 * set here.  Rank 0 alone prints and writes files: the others' standard
 * output and error go to /dev/null and their file writes are dropped.
 * After every command the ranks agree on its status, so that a command
 * that failed on one rank fails on all and the script stops everywhere
 * at the same line (rank 0 reports the first failing rank's message). */
#ifndef BL_CLUSTER_H
#define BL_CLUSTER_H

#include "bl.h"

/* Starts MPI when bilab was launched by mpirun (a no-op otherwise, and
 * without MPI), sets the engine's distribution, and on ranks above 0
 * sends standard output and error to /dev/null.  Returns 0, or -1 when
 * MPI could not start (a line on stderr says why). */
int bl_cluster_init(int *argc, char ***argv);
/* Ends MPI (after the last command of every rank). */
void bl_cluster_finish(void);
int bl_cluster_rank(void);
int bl_cluster_size(void);
/* "Open MPI 4.1.4" style, or NULL when built without MPI. */
const char *bl_cluster_library(void);
/* The status of a command agreed among the ranks: ST when every rank has
 * it, else that of the lowest failing rank; on a rank where the command
 * succeeded but another failed, E gets "rank R: MESSAGE" (R that rank).
 * An interrupt (*CANCEL set) on any rank is set on every rank.  With one
 * process, ST. */
int bl_cluster_agree(int st, bl_err *e, bl_cancel_t *cancel);

#endif
