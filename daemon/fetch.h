/* SPDX-License-Identifier: MIT */
#pragma once

/* The fetch stage, the one place every read of a run goes through: the schemas a run needs (the
 * staging tables with the live model, the published rows, ...) and the lookup-table refresh are
 * sent to the backend as ONE batch (backend_fetch_many(): concurrently over https), then each
 * schema's tables are read into a dataset of its own, the raw CSV kept as the state directory's
 * snapshot. It can run on a thread of its own while the master is read and mapped (the two are
 * independent, and this machine has two cores): it touches only the backend, the model
 * (read-only), its own datasets and findings, the snapshot area and the lookup cache of the state
 * directory. Core code: it returns errors and findings, the caller logs them.
 *
 * Use: remote_fetch_init(), remote_fetch_add() once per schema to read (and
 * remote_fetch_refresh_lookups()), remote_fetch_run() or _start()/_wait(), read each SchemaRead's
 * results, remote_fetch_done(). */

#include <pthread.h>
#include <stdatomic.h>

#include "backend.h"
#include "model-drift.h"
#include "state.h"

#define REMOTE_FETCH_MAX_SCHEMAS 4

/* The live model's last good copy is kept with the snapshots, as the staging schema's "molgenis"
 * (EMX2's name for a model file), replaced only by an answer that is a model, and used in its place
 * when one is not. */
#define LIVE_MODEL_SNAPSHOT "molgenis"

/* One schema's tables into one dataset. */
typedef struct SchemaRead {
        /* What to read (set by remote_fetch_add(); the caller may change them before the run). */
        SchemaKind schema;
        const char *node;             /* SCHEMA_PUBLISHED: only this node's rows; NULL: every node's */
        const bool *tables;           /* n_tables flags of the model: the tables to read; NULL: all
                                       * (not owned); a table not read stays empty in the dataset */
        bool check_model;             /* also read the live model and compare it (staging only) */
        bool snapshot;                /* keep the raw CSV as snapshot (default: when a state is given) */
        bool findings_apart;          /* its findings go to its own findings, not the batch's: a read
                                       * whose failure does not fail the run (the publication watch) */
        bool keep_raw;                /* keep each table's raw CSV in raw[] (for a copy of one's own) */
        /* Work on the dataset once the batch is read, on the fetch's thread, so that it overlaps
         * the caller's own work: called only when the read succeeded, was not cancelled and the
         * caller is not waiting yet (remote_fetch_wait()), for work that pays only alongside; it
         * must touch nothing but the dataset (read-only) and what it owns. */
        void (*then)(const Dataset *d, void *userdata);
        void *then_userdata;

        /* Results. */
        Dataset *dataset;             /* on success; taken by the caller or freed by remote_fetch_done() */
        int error;                    /* 0 or a negative errno */
        bool error_in_table;          /* the table arrived but could not be read as a table */
        const char *failed_table;     /* the table that failed (model string), with error */
        char **drift_tables, **drift_columns; /* columns the model does not know, pairwise */
        ModelDrift *model_drift;      /* the live model against ours, when checked and available */
        size_t n_snapshot_failures;
        Findings findings;            /* with findings_apart */
        char **raw;                   /* keep_raw: n_tables CSV texts as they came, NULL where not read */
        size_t *raw_sizes;
} SchemaRead;

typedef struct RemoteFetch {
        /* What to fetch (not owned). */
        Backend *backend;
        const Model *model;
        StateDir *state;              /* NULL: no snapshots, no lookup refresh */
        SchemaRead reads[REMOTE_FETCH_MAX_SCHEMAS];
        size_t n_reads;
        bool refresh_lookups;         /* also fetch the lookup tables into the cache (remote_fetch_refresh_lookups()) */
        const char *progress_what;    /* the progress line's words for this batch, NULL: what it reads */

        /* Results. */
        Findings findings;            /* of the schema reads, in the order they were added */
        Findings lookup_findings;     /* of the lookup refresh */
        int error;                    /* the first failed schema read's error, or 0 */
        int lookups_result;           /* 1 when the cache was replaced, else a negative errno */
        uint64_t usec;                /* time the fetch itself took */

        pthread_t thread;
        bool started;
        atomic_bool cancel;
        atomic_bool caller_waiting;
} RemoteFetch;

void remote_fetch_init(RemoteFetch *f, Backend *backend, const Model *model, StateDir *state);
/* Adds a schema to the batch; NULL when REMOTE_FETCH_MAX_SCHEMAS are there already. The pointer
 * stays valid until remote_fetch_done(). */
SchemaRead *remote_fetch_add(RemoteFetch *f, SchemaKind schema, const char *node);
/* Cancels and waits for a running fetch, then frees the results. */
void remote_fetch_done(RemoteFetch *f);

/* Fetches on the calling thread; returns f->error. */
int remote_fetch_run(RemoteFetch *f);
/* Starts the fetch on its own thread; -errno when no thread can be started (nothing runs then). */
int remote_fetch_start(RemoteFetch *f);
/* Waits for a started fetch; returns f->error. */
int remote_fetch_wait(RemoteFetch *f);

/* The ontology cache of an https backend: state_dir/ontologies/<Table>.csv, the lookup tables
 * vocab_folder_tables() names, fetched again when older than LIMIT_ONTOLOGY_CACHE_USEC (the
 * folder is replaced as a whole; a failed refresh keeps the old copy). Each answer is checked
 * first (answer_check_table(), a `name` column): one that is no lookup table is a warning naming
 * the table and the answer (in lookup_findings), that table's last good copy stays, and the new
 * copy is not fresh (the next run asks again). */
#define ONTOLOGY_CACHE_DIR "ontologies"
typedef enum LookupCacheState {
        LOOKUP_CACHE_FRESH,           /* young enough: nothing to fetch */
        LOOKUP_CACHE_STALE,           /* there, but due: it serves this run, the refresh rides along */
        LOOKUP_CACHE_MISSING,         /* none yet: the run needs it before the vocabularies load */
} LookupCacheState;
LookupCacheState lookup_cache_state(StateDir *state);
/* Adds the lookup refresh to the batch of f. */
void remote_fetch_refresh_lookups(RemoteFetch *f);
/* Refreshes the cache now, in one batch of its own. Returns 1 when it fetched, 0 when the copy was
 * fresh, or a negative errno (findings say why). */
int ontology_cache_refresh(Backend *backend, StateDir *state, Findings *findings);

/* The published rows of every node that a run read for references to rows of other nodes, kept
 * for check (which sees no remote): state_dir/published/<Table>.csv, the tables the read took
 * (keep_raw), replaced as a whole. */
#define PUBLISHED_COPY_DIR "published"
int published_copy_save(StateDir *state, const Model *model, const SchemaRead *read);
/* Reads the CSV copies folder/<Table>.csv of the tables in mask (NULL: all) into a new dataset,
 * a missing file being an empty table; -ENOENT when the folder is not there. label names the
 * folder in findings and must outlive the dataset. */
int table_copies_load(const char *folder, const char *label, const Model *model, const bool *mask, Dataset **ret,
                      Findings *findings);
