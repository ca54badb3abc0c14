/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <string.h>

#include "progress.h"
#include "util.h"

void progress_init(Progress *p) {
        *p = (Progress) {};
        (void) pthread_mutex_init(&p->lock, NULL);
}

void progress_done(Progress *p) {
        (void) pthread_mutex_destroy(&p->lock);
}

static void begin_step(Progress *p, ProgressSlot slot, const char *what, const char *unit, size_t total) {
        if (!p || slot < 0 || slot >= _PROGRESS_SLOT_MAX)
                return;
        uint64_t now = now_usec_monotonic();
        pthread_mutex_lock(&p->lock);
        ProgressTask *t = &p->tasks[slot];
        if (!t->what)
                t->started_usec = now;
        t->what = what;
        t->unit = unit;
        t->done = 0;
        t->total = total;
        pthread_mutex_unlock(&p->lock);
}

void progress_begin(Progress *p, ProgressSlot slot, const char *what, size_t total) {
        begin_step(p, slot, what, NULL, total);
}

void progress_count(Progress *p, ProgressSlot slot, const char *what, const char *unit) {
        begin_step(p, slot, what, unit, 0);
}

void progress_advance(Progress *p, ProgressSlot slot, size_t n) {
        if (!p || slot < 0 || slot >= _PROGRESS_SLOT_MAX)
                return;
        pthread_mutex_lock(&p->lock);
        ProgressTask *t = &p->tasks[slot];
        t->done += n;
        if (t->total > 0 && t->done > t->total)
                t->done = t->total;
        pthread_mutex_unlock(&p->lock);
}

void progress_end(Progress *p, ProgressSlot slot) {
        if (!p || slot < 0 || slot >= _PROGRESS_SLOT_MAX)
                return;
        pthread_mutex_lock(&p->lock);
        p->tasks[slot] = (ProgressTask) {};
        pthread_mutex_unlock(&p->lock);
}

void progress_get(Progress *p, ProgressTask ret[static _PROGRESS_SLOT_MAX]) {
        if (!p) {
                memset(ret, 0, sizeof(ProgressTask) * _PROGRESS_SLOT_MAX);
                return;
        }
        pthread_mutex_lock(&p->lock);
        memcpy(ret, p->tasks, sizeof(p->tasks));
        pthread_mutex_unlock(&p->lock);
}

const char *progress_reads_what(bool staging, bool published, bool lookups) {
        static const char *const what[8] = {
                [0] = "waiting for the Directory",
                [1] = "waiting for the Directory: staging tables",
                [2] = "waiting for the Directory: published tables",
                [3] = "waiting for the Directory: staging and published tables",
                [4] = "waiting for the Directory: lookup tables",
                [5] = "waiting for the Directory: staging and lookup tables",
                [6] = "waiting for the Directory: published and lookup tables",
                [7] = "waiting for the Directory: staging, published and lookup tables",
        };
        return what[(staging ? 1 : 0) | (published ? 2 : 0) | (lookups ? 4 : 0)];
}
