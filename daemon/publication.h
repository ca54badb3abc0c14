/* SPDX-License-Identifier: MIT */
#pragma once

/* The publication watch (design §9): the central job copies each node's staging area to the
 * published Directory every night and may leave rows out. Every change a push sent is kept, with
 * when it was pushed, in the state directory (PUBLICATION_FILE, JSON); each sync compares them
 * with the published rows and reports those still not published after publication.grace. A
 * change that is published (the published row equals the master's again) is forgotten. Core:
 * no logging. */

#include "diff.h"

#define PUBLICATION_FILE "publication.json"

typedef struct PendingChange {
        char *table;
        char *id;
        uint64_t pushed_usec;      /* realtime, the last push of this row */
        bool overdue;              /* not published, pushed longer than the grace ago */
} PendingChange;

typedef struct PublicationWatch {
        PendingChange *items;
        size_t n_items, allocated;
        size_t n_overdue;
} PublicationWatch;

void publication_watch_done(PublicationWatch *w);

/* From memory: the state file as publication_to_json() wrote it. -EBADMSG when it is not. */
int publication_parse(const char *data, size_t size, PublicationWatch *ret);
int publication_to_json(const PublicationWatch *w, char **ret_data, size_t *ret_size);

/* The changes a push sent at pushed_usec (every change not blocked; removals unless
 * removals_kept): added, or their time moved to this push (no longer overdue then). */
int publication_note_push(PublicationWatch *w, const Model *model, const ChangeSet *changes, bool removals_kept,
                          uint64_t pushed_usec);

/* Against the master compared with the published rows (diff_datasets(local, published)): every
 * pending change without a difference there is published and dropped; the others are overdue
 * once pushed longer than grace_usec before now_usec. */
int publication_check(PublicationWatch *w, const Model *model, const ChangeSet *published_diff, uint64_t now_usec,
                      uint64_t grace_usec);
/* Without the published rows at hand (diff): the pending changes as the last check left them,
 * overdue once pushed longer than grace_usec before now_usec. */
void publication_mark_overdue(PublicationWatch *w, uint64_t now_usec, uint64_t grace_usec);
