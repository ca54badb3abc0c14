/* SPDX-License-Identifier: MIT */
#pragma once

/* The progress line on a terminal (program side): while a run goes on, a ticker thread shows what
 * it is doing once a task has run LIMIT_PROGRESS_AFTER_USEC ("waiting for the Directory: staging
 * tables 3 of 8 (4 s)", or a spinner with the task when there is no total), redrawn at most every
 * LIMIT_PROGRESS_REDRAW_USEC through log_status_show(), which clears it before any other line. */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "progress.h"

typedef struct ProgressLine {
        Progress *progress;          /* not owned */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct sigaction old_int, old_term; /* the dispositions before start */
        bool started, stop, catching;
} ProgressLine;

/* Starts the ticker when the console wants a status line (log_status_wanted()), else nothing.
 * While it runs, SIGINT and SIGTERM (when they would kill the process anyway) first clear the
 * line, so that Ctrl-C leaves no progress text before the shell's prompt, then kill as before.
 * Returns 0, or a negative errno when no thread could be started (the run goes on without). */
int progress_line_start(ProgressLine *l, Progress *progress);
/* Stops and joins the ticker, clears the line and puts the signal dispositions back; a line never
 * started is left alone. */
void progress_line_stop(ProgressLine *l);

/* The text for these tasks at now (CLOCK_MONOTONIC), tick choosing the spinner's frame: the tasks
 * running at least LIMIT_PROGRESS_AFTER_USEC, joined by "; ", cut to width - 1 characters (the
 * cursor stays on the line); "" when none. */
void progress_line_format(const ProgressTask *tasks, size_t n_tasks, uint64_t now, unsigned tick, size_t width,
                          char *buf, size_t size);
