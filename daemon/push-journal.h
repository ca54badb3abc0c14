/* SPDX-License-Identifier: MIT */
#pragma once

/* The push journal (design §10): state_dir/push-journal.json, rewritten atomically before a
 * push's first request and after every request the server acknowledged, removed once a push has
 * been verified. A run that finds one knows the last push was cut short and what of it was
 * applied; it then re-reads the staging area and sends only what is still missing (acknowledged
 * rows no longer differ), so nothing is sent twice and nothing is lost. Format version 1:
 *   {"format_version":1,"started":"<ISO 8601 UTC>","schema":"BBMRI-BE","method":"csv",
 *    "finished":false,"requests":[{"what":"POST","tables":"Persons","upserts":3,"deletes":0,
 *    "applied":true},...]}
 * Core code: no I/O here (state.c writes the file), no logging. */

#include <jansson.h>

#include "backend.h"

#define PUSH_JOURNAL_FILE "push-journal.json"

/* The requests as a JSON array of {what, tables, upserts, deletes, applied}: the journal's and the
 * run report's (push.request_list). NULL on OOM. */
json_t *push_requests_json(const PushRequestRecord *records, size_t n_records);

int push_journal_to_json(const char *schema, const char *method, uint64_t started_usec, const PushResult *progress,
                         bool finished, char **ret_data, size_t *ret_size);

typedef struct PushJournalSummary {
        char *started;               /* as written */
        char *schema, *method;
        bool finished;
        size_t n_requests, n_applied;
        size_t applied_upserts, applied_deletes;
        char *pending_tables;        /* tables of requests not applied, comma-separated, or NULL */
} PushJournalSummary;
void push_journal_summary_done(PushJournalSummary *s);

/* -EBADMSG when data is not a journal of a known format version. */
int push_journal_parse(const char *data, size_t size, PushJournalSummary *ret);
