/* gen.h: plausible random bilab input from the program's own tables (the
 * commands, settings, problems and their parameters, estimators and their
 * parameters, bundled data sets), for the fuzz targets and the random
 * session test (doc/testing.md).
 *
 * Every path a command is given is a plain name in the current directory
 * (no '/'), so that generated sessions only write where they are run. */
#ifndef BL_FUZZ_GEN_H
#define BL_FUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bl_gen {
    uint64_t s;
    int odd;          /* per mille of values that are wrong on purpose */
} bl_gen;

void bl_gen_seed(bl_gen *g, uint64_t seed);
uint64_t bl_gen_next(bl_gen *g);
/* One command (no newline) appended to BUF (CAP bytes, NUL-terminated);
 * returns the new length. */
size_t bl_gen_command(bl_gen *g, char *buf, size_t len, size_t cap);
/* LINES commands, one a line, a few lines with several joined by ';' and
 * comments; returns the length. */
size_t bl_gen_session(bl_gen *g, char *buf, size_t cap, int lines);
/* A byte-level mutation with insertions from the vocabulary. */
size_t bl_gen_mutate(bl_gen *g, char *buf, size_t len, size_t cap);
/* A libFuzzer dictionary of the vocabulary. */
void bl_gen_dict(FILE *f);

/* Whether TEXT (commands) names a path outside the current directory in a
 * command that reads or writes files (save, export, plot, source, data
 * load, its val=): the fuzz targets skip such input, so that fuzzing
 * never touches files outside its own scratch directory. */
int bl_gen_unsafe_paths(const char *text);

/* Standalone drivers without AddressSanitizer cap their address space
 * (MB), so that a file asking for a huge matrix fails to allocate instead
 * of swapping; under ASan, ASAN_OPTIONS=allocator_may_return_null=1 and
 * max_allocation_size_mb do the same (tests/fuzz/fuzz.sh). */
void bl_gen_limit_memory(long mb);

#endif
