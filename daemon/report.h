/* SPDX-License-Identifier: MIT */
#pragma once

/* The run report: what one run did, for people (the summary line) and for scripts (JSON, with a
 * format version; documented in README "JSON report"). Built by the core from plain data; the
 * program saves it and logs the summary. */

#include "backend.h"
#include "config.h"
#include "diff.h"
#include "findings.h"
#include "publication.h"

#define REPORT_FORMAT_VERSION 1

typedef struct ReportPhase {
        const char *name;         /* "read", "map", "validate", "fetch", "diff", "quality-policy", "push", "verify" */
        uint64_t usec;
} ReportPhase;

typedef struct RunReport {
        const char *command;      /* "check", "diff", "sync", ... */
        const char *node;
        const char *mode;         /* "report" or "push" */
        DeletionPolicy deletions; /* what a push does with removed rows (push.deletions) */
        bool dry_run;
        const char *against;      /* "staging" or "published" (diff/sync), or NULL */
        const char *config_path;
        const char *config_digest;
        const char *program_version;
        uint64_t started_usec, finished_usec; /* realtime */
        ReportPhase phases[12];
        size_t n_phases;
        const Dataset *local;     /* may be NULL */
        const ChangeSet *changes; /* may be NULL */
        const Dataset *foreign_rows; /* rows of other nodes the push brings from published, or NULL */
        const Findings *findings; /* may be NULL */
        bool pushed;              /* a push was attempted */
        size_t n_requests;
        size_t n_applied_upserts, n_applied_deletes;
        bool verified;            /* re-read after push showed no difference */
        const PushRequestRecord *push_records; /* the push's write requests, or NULL */
        size_t n_push_records;
        size_t n_model_drift, n_model_drift_blocking;  /* live model against ours */
        const char *interrupted_push_started;           /* a journal of an unfinished push was found */
        size_t interrupted_push_requests, interrupted_push_applied;
        size_t guard_removals, guard_limit;
        bool guard_limited;       /* false: no push.max_removals, guard_limit meaningless */
        bool guard_refused;
        size_t n_output_failures; /* configured report outputs that could not be written */
        bool listing_bounded;     /* false: every change and finding is listed */
        size_t max_listed;        /* report.max_changes: changes, and findings, listed in full */
        const char *quality_block;   /* quality.block, when the policy ran (diff, sync) */
        size_t n_quality_held_back;  /* changes the quality policy held back (own or a row they need) */
        size_t n_quality_tolerated;  /* quality errors the Directory's rows have already */
        /* The publication watch: pushed changes not yet published (overdue ones after the grace);
         * NULL when the run has none to show. publication_checked: this run compared them with
         * the published rows (sync), else they are as the last sync left them. */
        const PublicationWatch *publication;
        bool publication_checked;
        uint64_t publication_grace_usec;
        int exit_code;
        const char *outcome;      /* "success", "differences", "invalid-data", "refused", "failed", ... */
        const char *error;        /* message when failed, or NULL */
} RunReport;

/* How many entries of a list a report shows in full: report.max_changes, or all. */
size_t report_max_listed(const RunReport *r);

/* Which changes and findings a report lists in full (report.max_changes): all when the listing is
 * not bounded; otherwise the held-back changes are chosen first, then the others in their order,
 * and the findings by what needs action (errors, quality errors, quality warnings, warnings,
 * quality infos, infos), each kind in its order; what is chosen keeps its place in the list.
 * Computed once per report, for the JSON report and the HTML page alike. */
typedef struct ReportListing {
        bool *changes;             /* one per change */
        bool *findings;            /* one per kept finding */
        size_t n_changes, n_findings; /* how many are listed */
} ReportListing;
int report_listing_init(ReportListing *l, const RunReport *r);
void report_listing_done(ReportListing *l);

/* JSON report (jansson), pretty-printed with sorted keys, trailing newline. */
int report_to_json(const RunReport *r, char **ret_data, size_t *ret_size);

/* An HTML page of the run for the coordinator (report.html): the summary with counts linking to
 * the sections, then what needs action (errors, held-back rows, quality errors), then the changes
 * per biobank (rows of the whole node first), then warnings and infos folded; check ids linked to
 * the catalogue's explanation, files relative to the configuration's folder. Self-contained, every
 * text escaped, no script. */
int report_to_html(const RunReport *r, char **ret_data, size_t *ret_size);

/* Prometheus textfile (report.metrics, for the node exporter's textfile collector): last run and
 * last success time, duration, exit code, changes, findings, rows held back, push requests and
 * report outputs that failed; every series labelled with node and command (the last success
 * always with command "sync": only a sync moves it). */
int report_to_metrics(const RunReport *r, uint64_t last_success_usec, char **ret_data, size_t *ret_size);

/* "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 warnings; pushed in 1 request (0.8 s)" */
char *report_summary_line(const RunReport *r);
