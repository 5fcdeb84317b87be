/* gen_session.c: writes random but plausible bilab sessions from the
 * grammar of gen.c (the program's own tables), for the random session test
 * (tests/fuzz/sessions.sh) and to seed the fuzzers.
 *
 *   gen_session [--seed=N] [--count=C] [--lines=L] DIR
 *       DIR/s001.bl ... one session a file, L commands (from 1 to L);
 *   gen_session --corpus [--seed=N] [--count=C] DIR
 *       the same as inputs of fuzz_cmd (a first byte picks the start);
 *   gen_session --dict
 *       a libFuzzer dictionary of the vocabulary on standard output. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl.h"
#include "gen.h"

int main(int argc, char **argv)
{
    unsigned long seed = 1;
    long count = 20, lines = 30;
    int corpus = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--seed=", 7)) seed = strtoul(argv[i] + 7, NULL, 10);
        else if (!strncmp(argv[i], "--count=", 8)) count = strtol(argv[i] + 8, NULL, 10);
        else if (!strncmp(argv[i], "--lines=", 8)) lines = strtol(argv[i] + 8, NULL, 10);
        else if (!strcmp(argv[i], "--corpus")) corpus = 1;
        else if (!strcmp(argv[i], "--dict")) {
            bl_gen_dict(stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "gen_session: unknown option %s\n", argv[i]);
            return 2;
        } else dir = argv[i];
    }
    if (!dir || count < 1 || lines < 1) {
        fprintf(stderr, "usage: gen_session [--corpus] [--seed=N] [--count=C] [--lines=L] DIR"
                        " | --dict\n");
        return 2;
    }
    bl_init();
    bl_gen g;
    bl_gen_seed(&g, seed);
    static char buf[65536];
    for (long k = 0; k < count; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s%03ld.%s", dir, corpus ? "c" : "s", k + 1,
                 corpus ? "in" : "bl");
        FILE *f = fopen(path, "wb");
        if (!f) {
            perror(path);
            return 1;
        }
        int n = 1 + (int)(bl_gen_next(&g) % (unsigned long)lines);
        if (corpus) fputc((int)(bl_gen_next(&g) & 0xFF), f);
        size_t len = bl_gen_session(&g, buf, corpus ? 4000 : sizeof buf, n);
        fwrite(buf, 1, len, f);
        fclose(f);
    }
    return 0;
}
