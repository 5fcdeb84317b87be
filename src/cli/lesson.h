/* lesson.h: the lessons (doc/lessons/NAME.bl, installed in
 * pkgdatadir/lessons): found, listed with their titles, split into
 * narrative and commands, and walked through one command at a time
 * (`lesson NAME`, cmd_lesson.c).  The walk's state lives in the session
 * (S->lesson); the prompt and the dashboard only ask it for the next
 * command and run `lesson run` on an empty Enter. */
#ifndef BL_LESSON_H
#define BL_LESSON_H

#include <stddef.h>
#include "bl.h"
#include "session.h"

/* One command of a lesson and the narrative before it: the comment lines
 * (verbatim, '#' kept) since the previous command, one blank line between
 * paragraphs, no blank line first or last; "" when there is none. */
typedef struct bl_lesson_step {
    char *narr;
    char *cmd;                   /* the line as written, spaces trimmed */
} bl_lesson_step;

typedef struct bl_lesson {
    char *name;                  /* "ridge_tour" */
    char *title;                 /* from the first comment line; "" if none */
    bl_lesson_step *steps;
    size_t nsteps;
    char *tail;                  /* the narrative after the last command */
    size_t pos;                  /* the next command (nsteps: none left) */
    int running;                 /* a command of the lesson is being run */
} bl_lesson;

/* Splits the script TEXT into steps (a command is every line that is not
 * blank nor a comment); NAME is copied.  *OUT is a new lesson at its first
 * command; BL_ENOMEM. */
int bl_lesson_parse(const char *name, const char *text, bl_lesson **out, bl_err *e);
void bl_lesson_free(bl_lesson *L);

/* The title of a lesson from its first line LINE ("# Lesson 1: a ridge
 * tour.  Ridge ..." → "a ridge tour"): the '#'s and a "Lesson N:" dropped,
 * cut after the first sentence; into BUF. */
void bl_lesson_title(const char *line, char *buf, size_t len);

/* Finds lesson NAME (no '/'): NAME.bl in $BILAB_LESSONDIR, then the
 * installed pkgdatadir/lessons, then the source tree's doc/lessons.
 * Returns 1 and fills BUF with its path when found. */
int bl_lesson_find(const char *name, char *buf, size_t len);

/* The lessons of those directories, sorted by name, each once (the first
 * directory's wins): *NAMES and *PATHS, N of each, to be freed with
 * bl_words_free.  BL_ENOMEM. */
int bl_lesson_list(char ***names, char ***paths, size_t *n);

/* Reads and splits the lesson at PATH; its name is NAME. */
int bl_lesson_load(const char *name, const char *path, bl_lesson **out, bl_err *e);

/* ---- what the prompt and the dashboard ask ---- */
/* The next command of the lesson being walked through, or NULL when none
 * runs: an empty Enter then runs `lesson run`. */
const char *bl_lesson_next(const bl_session *S);
/* The prompt: "bilab> ", or "bilab[NAME K/N]> " during a lesson (K the
 * next command's number, N the lesson's commands). */
void bl_lesson_prompt(const bl_session *S, char *buf, size_t len);

#endif
