/* SPDX-License-Identifier: MIT */
#pragma once

/* What a run is doing and how far it has got, for the program to show (design §11: the core
 * never draws). One task per slot: the master (read, map, validate on the run's thread) and the
 * Directory (reads on the fetch's thread, the push, the verification read), which can overlap.
 * Written from the thread doing the work, read from any (a program's ticker): under a mutex, and
 * cheap enough to call per table or request. Every function takes NULL for "nobody watches". */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ProgressSlot {
        PROGRESS_LOCAL,
        PROGRESS_REMOTE,
        _PROGRESS_SLOT_MAX,
} ProgressSlot;

typedef struct ProgressTask {
        const char *what;             /* a static text ("waiting for the Directory: staging tables");
                                       * NULL: nothing going on */
        const char *unit;             /* what done counts when there is no total ("rows"), or NULL */
        size_t done, total;           /* total 0: not known */
        uint64_t started_usec;        /* CLOCK_MONOTONIC: when the task began */
} ProgressTask;

typedef struct Progress {
        pthread_mutex_t lock;
        ProgressTask tasks[_PROGRESS_SLOT_MAX];
} Progress;

void progress_init(Progress *p);
void progress_done(Progress *p);

/* Starts a task, or moves an unfinished one on to its next step (its clock keeps running: the
 * wait is what people see). what must be a static string. */
void progress_begin(Progress *p, ProgressSlot slot, const char *what, size_t total);
/* The same for a step whose total is not known, counting units done ("rows"; static). */
void progress_count(Progress *p, ProgressSlot slot, const char *what, const char *unit);
void progress_advance(Progress *p, ProgressSlot slot, size_t n);
void progress_end(Progress *p, ProgressSlot slot);
/* A copy of every slot's task. */
void progress_get(Progress *p, ProgressTask ret[static _PROGRESS_SLOT_MAX]);

/* What a batch of reads waits for, by the schemas in it. */
const char *progress_reads_what(bool staging, bool published, bool lookups);
