/* args.h: the words of the command language: splitting lines into
 * commands and words, numbers, key=value, ranges lo:hi:n[:log]. */
#ifndef BL_ARGS_H
#define BL_ARGS_H

#include <stddef.h>
#include "bl.h"

/* Splits LINE into commands at ';' outside double quotes and drops a '#'
 * comment (outside quotes) to the end of the line.  Empty commands are
 * skipped.  *CMDS is a malloc'd array of malloc'd strings (trimmed). */
int bl_split_commands(const char *line, char ***cmds, size_t *n, bl_err *e);
/* Splits one command into words at white space; "double quotes" group a
 * word (\" and \\ escape inside them).  Error on an unterminated quote. */
int bl_args_tokenize(const char *cmd, char ***words, size_t *n, bl_err *e);
void bl_words_free(char **words, size_t n);
/* S as one word for bl_args_tokenize: in double quotes, '"' and '\\' escaped
 * (malloc'd; NULL when out of memory).  A newline stays as it is: a
 * command is one line, so such a word cannot be replayed from a script. */
char *bl_quote_word(const char *s);

/* Whole-string numbers.  WHAT names the argument in the error message,
 * e.g. "'abc' is not a number for inner.tol".  Doubles accept inf and
 * -inf but never nan. */
int bl_parse_double(const char *s, const char *what, double *v, bl_err *e);
int bl_parse_long(const char *s, const char *what, long lo, long hi, long *v,
                  bl_err *e);
/* (bl_fmt_limit, bl.h, prints limits so that these read them back.) */
/* A comma-separated list of doubles ("1,2.5,-3"); at most MAX values. */
int bl_parse_doubles(const char *s, const char *what, double *v, size_t max,
                     size_t *n, bl_err *e);

/* Splits "key=value" in place: returns 1 and sets *KEY, *VAL when WORD has
 * an '=' (not at position 0), else 0. */
int bl_split_kv(char *word, char **key, char **val);

/* Ranges: "lo:hi:n" or "lo:hi:n:log": finite ends, 1 ≤ n ≤ BL_RANGE_MAXN
 * (the one limit on the points of a range, an axis of a surface or a
 * compare; doc/manual.md "Surfaces and comparisons"). */
#define BL_RANGE_MAXN 100000L
typedef struct bl_range {
    double lo, hi;
    size_t n;
    int logscale;
} bl_range;

int bl_parse_range(const char *s, const char *what, bl_range *r, bl_err *e);
double bl_range_value(const bl_range *r, size_t i);

/* Names are looked up with bl_lookup (bl.h): one rule for every table. */

#endif
