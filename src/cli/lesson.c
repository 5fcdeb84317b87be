/* lesson.c: lessons found, listed, split into narrative and commands;
 * the walk-through's state (lesson.h). */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "fileio.h"
#include "lesson.h"

#ifndef BL_PKGDATADIR
#define BL_PKGDATADIR "/usr/local/share/bilab"
#endif
#ifndef BL_SRCLESSONDIR
#define BL_SRCLESSONDIR "doc/lessons"
#endif

/* ---- a growing string ---- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int bad;                     /* out of memory */
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->bad) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + n + 1 > cap) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->bad = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

/* The text gathered, as a string of its own ("" when empty); the buffer
 * starts again. */
static char *sb_take(sbuf *b)
{
    char *s = b->s ? b->s : strdup("");
    if (!s) b->bad = 1;
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}

/* ---- parsing ---- */

void bl_lesson_free(bl_lesson *L)
{
    if (!L) return;
    for (size_t i = 0; i < L->nsteps; i++) {
        free(L->steps[i].narr);
        free(L->steps[i].cmd);
    }
    free(L->steps);
    free(L->tail);
    free(L->title);
    free(L->name);
    free(L);
}

void bl_lesson_title(const char *line, char *buf, size_t len)
{
    if (!len) return;
    buf[0] = '\0';
    if (!line) return;
    while (*line == ' ' || *line == '\t') line++;
    if (*line != '#') return;
    while (*line == '#' || *line == ' ' || *line == '\t') line++;
    /* "Lesson:", "Lesson 4:" */
    if (!strncmp(line, "Lesson", 6)) {
        const char *p = line + 6;
        while (*p == ' ' || isdigit((unsigned char)*p)) p++;
        if (*p == ':') {
            line = p + 1;
            while (*line == ' ') line++;
        }
    }
    /* the first sentence: a '.' followed by two spaces, by a space and a
     * capital, or ending the line ("et al. 2020" goes on) */
    size_t n = 0;
    for (; line[n] && line[n] != '\n' && line[n] != '\r'; n++)
        if (line[n] == '.' && (line[n + 1] == '\0' || line[n + 1] == '\n' || line[n + 1] == '\r'
                               || (line[n + 1] == ' ' && (line[n + 2] == ' '
                                   || isupper((unsigned char)line[n + 2])))))
            break;
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
    if (n >= len) n = len - 1;
    memcpy(buf, line, n);
    buf[n] = '\0';
}

/* Adds a narrative line (NULL: a blank line) to B: blank lines only
 * between paragraphs, one at a time. */
static void narr_add(sbuf *b, int *blank, const char *line, size_t n)
{
    if (!line) {
        if (b->n) *blank = 1;
        return;
    }
    if (*blank) sb_add(b, "\n", 1);
    *blank = 0;
    if (b->n) sb_add(b, "\n", 1);
    sb_add(b, line, n);
}

int bl_lesson_parse(const char *name, const char *text, bl_lesson **out, bl_err *e)
{
    *out = NULL;
    bl_lesson *L = calloc(1, sizeof *L);
    sbuf narr = {0};
    int blank = 0, first = 1;
    size_t cap = 0;
    char title[256] = "";
    if (!L || !(L->name = strdup(name ? name : ""))) goto nomem;
    for (const char *p = text ? text : ""; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *next = end ? end + 1 : p + n;
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        while (n > 0 && (*p == ' ' || *p == '\t')) p++, n--;
        if (n == 0) {
            narr_add(&narr, &blank, NULL, 0);
        } else if (*p == '#') {
            if (first) {
                char line[512];
                snprintf(line, sizeof line, "%.*s", (int)(n < 500 ? n : 500), p);
                bl_lesson_title(line, title, sizeof title);
            }
            narr_add(&narr, &blank, p, n);
        } else {
            if (L->nsteps == cap) {
                size_t c = cap ? 2 * cap : 16;
                bl_lesson_step *s = realloc(L->steps, c * sizeof *s);
                if (!s) goto nomem;
                L->steps = s;
                cap = c;
            }
            bl_lesson_step *s = &L->steps[L->nsteps];
            s->narr = sb_take(&narr);
            s->cmd = strndup(p, n);
            L->nsteps++;
            if (!s->narr || !s->cmd) goto nomem;
            blank = 0;
        }
        first = 0;
        p = next;
    }
    L->tail = sb_take(&narr);
    L->title = strdup(title);
    if (narr.bad || !L->tail || !L->title) goto nomem;
    *out = L;
    return BL_OK;
nomem:
    free(narr.s);
    bl_lesson_free(L);
    bl_err_set(e, BL_ENOMEM, "out of memory");
    return BL_ENOMEM;
}

int bl_lesson_load(const char *name, const char *path, bl_lesson **out, bl_err *e)
{
    FILE *f;
    *out = NULL;
    int st = bl_open_input(path, BL_INPUT_REGULAR, &f, e);
    if (st) return st;
    sbuf text = {0};
    char *line = NULL;
    size_t cap = 0, len, lineno = 0;
    int r;
    while ((r = bl_read_line(f, &line, &cap, &len, BL_LINE_MAX)) > 0) {
        lineno++;
        if (memchr(line, '\0', len)) {
            r = BL_EFORMAT;
            break;
        }
        sb_add(&text, line, len);
        sb_add(&text, "\n", 1);
    }
    free(line);
    fclose(f);
    if (r < 0) {
        bl_err_set(e, r, "'%s':%zu: not a text file", path, lineno + 1);
        free(text.s);
        return r;
    }
    if (text.bad) {
        free(text.s);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    st = bl_lesson_parse(name, text.s, out, e);
    free(text.s);
    return st;
}

/* ---- finding ---- */

/* The directories, in the order they are searched; N of them. */
static size_t lesson_dirs(const char *dirs[3])
{
    size_t n = 0;
    const char *env = getenv("BILAB_LESSONDIR");
    if (env && *env) dirs[n++] = env;
    dirs[n++] = BL_PKGDATADIR "/lessons";
    dirs[n++] = BL_SRCLESSONDIR;
    return n;
}

int bl_lesson_find(const char *name, char *buf, size_t len)
{
    const char *dirs[3];
    size_t nd = lesson_dirs(dirs);
    if (!buf || !len) return 0;
    buf[0] = '\0';
    if (!name || !*name || strchr(name, '/')) return 0;
    for (size_t i = 0; i < nd; i++) {
        int n = snprintf(buf, len, "%s/%s.bl", dirs[i], name);
        if (n > 0 && (size_t)n < len && access(buf, R_OK) == 0) return 1;
    }
    buf[0] = '\0';
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int bl_lesson_list(char ***names, char ***paths, size_t *n)
{
    const char *dirs[3];
    size_t nd = lesson_dirs(dirs), cnt = 0, cap = 0;
    char **nm = NULL;
    *names = *paths = NULL;
    *n = 0;
    for (size_t d = 0; d < nd; d++) {
        DIR *dir = opendir(dirs[d]);
        if (!dir) continue;
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            size_t l = strlen(de->d_name);
            if (l < 4 || strcmp(de->d_name + l - 3, ".bl") || de->d_name[0] == '.') continue;
            char *name = strndup(de->d_name, l - 3);
            if (!name) goto nomem_dir;
            int seen = 0;
            for (size_t i = 0; i < cnt && !seen; i++) seen = !strcmp(nm[i], name);
            /* the first directory that has it: found as bl_lesson_find finds it */
            char path[4096];
            if (seen || !bl_lesson_find(name, path, sizeof path)) {
                free(name);
                continue;
            }
            if (cnt == cap) {
                size_t c = cap ? 2 * cap : 32;
                char **p = realloc(nm, c * sizeof *p);
                if (!p) {
                    free(name);
                    goto nomem_dir;
                }
                nm = p;
                cap = c;
            }
            nm[cnt++] = name;
            continue;
        nomem_dir:
            closedir(dir);
            bl_words_free(nm, cnt);
            return BL_ENOMEM;
        }
        closedir(dir);
    }
    if (cnt) qsort(nm, cnt, sizeof *nm, cmp_str);
    char **pa = calloc(cnt + 1, sizeof *pa);
    if (!pa) {
        bl_words_free(nm, cnt);
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < cnt; i++) {
        char path[4096];
        bl_lesson_find(nm[i], path, sizeof path);
        if (!(pa[i] = strdup(path))) {
            bl_words_free(nm, cnt);
            bl_words_free(pa, cnt);
            return BL_ENOMEM;
        }
    }
    *names = nm;
    *paths = pa;
    *n = cnt;
    return BL_OK;
}

/* ---- the walk-through ---- */

const char *bl_lesson_next(const bl_session *S)
{
    const bl_lesson *L = S ? S->lesson : NULL;
    return L && L->pos < L->nsteps ? L->steps[L->pos].cmd : NULL;
}

void bl_lesson_prompt(const bl_session *S, char *buf, size_t len)
{
    const bl_lesson *L = S ? S->lesson : NULL;
    if (L && L->pos < L->nsteps)
        snprintf(buf, len, "bilab[%s %zu/%zu]> ", L->name, L->pos + 1, L->nsteps);
    else
        snprintf(buf, len, "bilab> ");
}
