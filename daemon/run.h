/* SPDX-License-Identifier: MIT */
#pragma once

/* The run engine (design §11): one run of check, diff or sync (state, fetch alongside read, diff,
 * push, verify, report), shared by every command and the daemon. Core side: it never prints or
 * logs; it keeps what happened (findings, changes, the report) in the Run and hands each event to
 * the caller's sink as it happens, in order, so the program can log it. */

#include <pthread.h>
#include <stdbool.h>
#include <syslog.h>

#include "backend.h"
#include "config.h"
#include "diff.h"
#include "exit-codes.h"
#include "findings.h"
#include "foreign.h"
#include "pipeline.h"
#include "progress.h"
#include "publication.h"
#include "push-journal.h"
#include "report.h"
#include "state.h"
#include "sync.h"

typedef enum RunEventKind {
        RUN_EVENT_NONE = -1,       /* a plain message */
        RUN_EVENT_RUN_STARTED,
        RUN_EVENT_PUSH_DONE,
        RUN_EVENT_PUSH_FAILED,
        RUN_EVENT_REMOTE_UNREACHABLE,
        RUN_EVENT_MODEL_DRIFT,
        RUN_EVENT_REMOVAL_GUARD,
        RUN_EVENT_LOCK_BUSY,
        RUN_EVENT_FINDINGS,        /* findings->items[findings_from..n_items) are ready to be shown */
        RUN_EVENT_CHANGES,         /* the run's changes are ready to be shown */
        RUN_EVENT_PHASE,           /* a phase finished: "phase fetch: 1.234 s" (LOG_DEBUG) */
        RUN_EVENT_REQUEST,         /* a request to the Directory ended: "GET /path: 200 in 0.120 s" (LOG_DEBUG);
                                    * may come from the fetch's thread (never two at once) */
        RUN_EVENT_UNPUBLISHED,     /* pushed changes the published Directory does not show after the grace */
} RunEventKind;

#define RUN_EVENT_FIELDS_MAX 4

typedef struct RunEvent {
        RunEventKind kind;
        int priority;              /* a syslog LOG_* level */
        const char *message;       /* NULL for FINDINGS and CHANGES */
        const char *fields[RUN_EVENT_FIELDS_MAX]; /* structured fields, "BBMRI_TABLE=Collections" */
        size_t n_fields;
        const Findings *findings;  /* FINDINGS */
        size_t findings_from;
} RunEvent;

typedef struct Run Run;
typedef void (*RunEventSink)(const Run *run, const RunEvent *event, void *userdata);

typedef struct RunOptions {
        const char *config_path;
        const char *data_dir;      /* installed mappings and model */
        /* The configuration to use instead of loading config_path (the daemon's; not freed). */
        const Config *config;
        bool dry_run;
        bool force;
        bool strict;               /* check: a quality error fails it (exit 65) */
        RunEventSink sink;
        void *userdata;
} RunOptions;

/* Everything one run holds, released in one place. */
struct Run {
        RunOptions options;
        const char *command;
        bool model_blocks_push;  /* the live model has a required column ours lacks */
        bool unknown_columns_said; /* the fetched tables' columns the model lacks were named */
        PushJournalSummary interrupted; /* a journal of an unfinished earlier push, when found */
        PushResult push;         /* what the push did (the report points into it) */
        Config *config;
        bool config_borrowed;    /* the daemon's, not this run's */
        Findings findings;
        Local local;
        StateDir *state;
        Backend *backend;
        Dataset *remote;
        Dataset *published;      /* sync: the node's published rows, for the publication watch */
        Dataset *published_all;  /* every node's published rows, read for rows of other nodes */
        ForeignResolution foreign; /* rows of other nodes the push brings (foreign.bring) */
        ChangeSet *changes;
        PushPlan *plan;
        PublicationWatch publication; /* sync, diff: pushed changes not yet published (state file) */
        bool publication_loaded; /* publication holds the state file's, to be saved again (sync) */
        RunReport report;        /* finished when report.outcome is set */
        char *report_json;       /* the finished report, built once for the state and stdout */
        size_t report_json_size;
        uint64_t phase_start;
        char *error;
        char *summary;           /* pull: the outcome in one line for people */
        const char *pending_fields[RUN_EVENT_FIELDS_MAX]; /* for the next event; owned */
        size_t n_pending_fields;
        pthread_mutex_t sink_lock;  /* one event at a time: requests end on the fetch's thread */
        Progress progress;       /* what the run is doing now, for a program to show (any thread) */
};

void run_init(Run *run, const RunOptions *options, const char *command, const char *program_version);
void run_done(Run *run);

/* Each returns the run's exit code (EXIT_*, never negative); the report is finished (outcome set)
 * whenever the run got far enough to have one. */
int run_load_config(Run *run);
/* Configuration, then read, map and validate the master; 0 when there is a master to use (the
 * local half check and export share). */
int run_local(Run *run);
int run_check(Run *run);  /* run_local(), then the verdict on the master */
int run_diff(Run *run, bool against_published);
int run_sync(Run *run);
/* Reads the node's rows from the Directory (staging, or published filtered to the node) and
 * writes them as a YAML master to output (NULL: the configured master when it is one YAML file),
 * with the collection facts in <master stem>-facts.csv next to it. An existing file is never
 * replaced unless options.force (EXIT_CANT_WRITE, nothing written). */
int run_pull(Run *run, bool from_published, const char *output);
/* The JSON Schema of the master for this configuration's model and mapping files (malloc()ed). */
int run_schema(Run *run, char **ret_json, size_t *ret_size);

/* The finished report as JSON: built on first use, shared by the state directory and stdout. */
int run_report_json(Run *run, const char **ret_data, size_t *ret_size);

/* The push journal an earlier push left in the state directory, when there is one that can be read. */
int run_load_push_journal(StateDir *state, PushJournalSummary *ret);
