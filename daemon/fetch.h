/* SPDX-License-Identifier: MIT */
#pragma once

/* The fetch stage: every table of one schema, read through the backend into a dataset, the raw
 * CSV kept as the state directory's snapshot. It can run on a thread of its own while the master
 * is read and mapped (the two are independent, and this machine has two cores): it touches only
 * the backend, the model (read-only), its own dataset and findings, and the snapshot area of the
 * state directory. Core code: it returns errors and findings, the caller logs them. */

#include <pthread.h>
#include <stdatomic.h>

#include "backend.h"
#include "model-drift.h"
#include "state.h"

typedef struct RemoteFetch {
        /* What to fetch (not owned). */
        Backend *backend;
        const Model *model;
        SchemaKind schema;
        const char *node;
        StateDir *state;              /* NULL: no snapshots */
        bool check_model;             /* also read the live model and compare it (staging) */

        /* Results. */
        Dataset *dataset;             /* on success */
        Findings findings;
        int error;                    /* 0 or a negative errno */
        bool error_in_table;          /* the table arrived but could not be read as a table */
        const char *failed_table;     /* the table that failed (model string), with error */
        char **drift_tables, **drift_columns; /* columns the model does not know, pairwise */
        ModelDrift *model_drift;      /* the live model against ours, when checked and available */
        size_t n_snapshot_failures;
        uint64_t usec;                /* time the fetch itself took */

        pthread_t thread;
        bool started;
        atomic_bool cancel;
} RemoteFetch;

void remote_fetch_init(RemoteFetch *f, Backend *backend, const Model *model, SchemaKind schema, const char *node,
                       StateDir *state);
/* Cancels and waits for a running fetch (it stops between tables), then frees the results. */
void remote_fetch_done(RemoteFetch *f);

/* Fetches on the calling thread; returns f->error. */
int remote_fetch_run(RemoteFetch *f);
/* Starts the fetch on its own thread; -errno when no thread can be started (nothing runs then). */
int remote_fetch_start(RemoteFetch *f);
/* Waits for a started fetch; returns f->error. */
int remote_fetch_wait(RemoteFetch *f);

/* The ontology cache of an https backend: state_dir/ontologies/<Table>.csv, the lookup tables
 * vocab_folder_tables() names, fetched again when older than LIMIT_ONTOLOGY_CACHE_USEC (the
 * folder is replaced as a whole; a failed refresh keeps the old copy). Returns 1 when it fetched,
 * 0 when the copy was fresh, or a negative errno (findings say why). */
#define ONTOLOGY_CACHE_DIR "ontologies"
int ontology_cache_refresh(Backend *backend, StateDir *state, Findings *findings);
