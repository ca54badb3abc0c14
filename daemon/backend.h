/* SPDX-License-Identifier: MIT */
#pragma once

/* The remote, seen only through this small table of functions (like isync's drivers): fetch a
 * table of a schema, fetch the live model, push a push plan. The sync logic never sees a path or
 * a URL. Backends: file:// (backend-file.h) and https:// (backend-https.h), opened by scheme
 * through backends.h; this interface knows none of them. */

#include <stdatomic.h>

#include "config.h"
#include "dataset.h"
#include "emx2csv.h"
#include "findings.h"
#include "http.h"
#include "progress.h"
#include "state.h"

typedef enum SchemaKind {
        SCHEMA_STAGING,
        SCHEMA_PUBLISHED,
        SCHEMA_ONTOLOGY,
} SchemaKind;

/* One table's part of a push, in the server's upsert semantics: only the columns marked in
 * `columns` are written (id always), rows absent from upserts are left alone. */
typedef struct PushTable {
        size_t table;               /* model table index */
        bool *columns;              /* n_columns of the table: which columns the upserts carry */
        const Row **upserts;        /* rows to insert or update (values from these rows) */
        size_t n_upserts;
        const char **deletes;       /* ids to delete */
        size_t n_deletes;
} PushTable;

/* Upserts go in reference order (tables ascending), deletes in reverse. */
typedef struct PushPlan {
        PushTable *tables;          /* ascending table index; only tables with work */
        size_t n_tables;
        size_t n_upserts, n_deletes;
        size_t n_withdrawals;       /* upserts that only set withdrawn (counted in n_upserts too) */
        size_t n_foreign;           /* upserts bringing rows of other nodes (counted in n_upserts too) */
        Dataset *rows;              /* owns rows built for the plan (withdrawals) */
} PushPlan;

PushPlan *push_plan_free(PushPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(PushPlan, push_plan_free);

/* One write request of a push and whether the server acknowledged it: what a failed push's report
 * says was and was not applied, and the push journal's entries. */
typedef struct PushRequestRecord {
        char *what;                 /* "ZIP import", "POST", "DELETE", "folder swap" */
        char *tables;               /* the tables it carries, comma-separated */
        size_t n_upserts, n_deletes;
        bool applied;
} PushRequestRecord;

typedef struct PushResult {
        size_t n_requests;          /* write requests sent (file backend: 1 swap) */
        size_t n_applied_upserts, n_applied_deletes;
        PushRequestRecord *records; /* every planned request, in order; applied ones first */
        size_t n_records;
        char *error;                /* what failed, or NULL; never contains a secret */
} PushResult;
int push_result_add_record(PushResult *r, const char *what, const char *tables, size_t n_upserts, size_t n_deletes);
void push_result_done(PushResult *r);

/* One read of a batch (backend_fetch_many()): a table, or the staging schema's live model. */
typedef struct BackendRead {
        SchemaKind schema;
        const char *table;          /* NULL: the live model of the staging schema */
        const char *node;           /* SCHEMA_PUBLISHED: only this node's rows; NULL: every row */
        bool archive;               /* instead: every table of the schema as one ZIP (GET /<schema>/api/zip;
                                     * -EOPNOTSUPP from backends without one) */
        /* Outcome, as fetch_table() and fetch_model() return it. */
        int error;                  /* 0, -ENOENT (no such table), -EOPNOTSUPP (no model), ... */
        char *data;                 /* the raw CSV, on success */
        size_t size;
        Findings findings;          /* what went wrong with this read */
} BackendRead;
void backend_read_init(BackendRead *r, SchemaKind schema, const char *table, const char *node);
void backend_read_done(BackendRead *r);

/* How a batch reports progress and is stopped. */
typedef struct BackendBatch {
        /* Called on the batch's thread as each read ends (in any order), once per read; may be NULL. */
        void (*on_read_done)(size_t index, void *userdata);
        void *userdata;
        const atomic_bool *cancel;  /* once set, reads not yet done end with -ECANCELED; may be NULL */
} BackendBatch;

typedef struct Backend Backend;
typedef struct BackendOps {
        const char *name;           /* "file", "https" */
        /* Its answers end with a line end (a server's CSV writer): one that does not was cut. */
        bool line_end_at_end;
        /* Raw CSV of a table. For SCHEMA_PUBLISHED, node filters rows to that node. -ENOENT when
         * the table does not exist on the remote (a file backend treats a missing file as an
         * empty table only for staging: see backend-file.c). */
        int (*fetch_table)(Backend *b, SchemaKind schema, const char *table, const char *node, char **ret_data,
                           size_t *ret_size, Findings *findings);
        /* Raw model CSV of the staging schema (-EOPNOTSUPP when the backend has none). */
        int (*fetch_model)(Backend *b, char **ret_data, size_t *ret_size, Findings *findings);
        /* Every read at once, where the backend can (NULL: one after the other through fetch_table
         * and fetch_model): see backend_fetch_many(). */
        int (*fetch_many)(Backend *b, BackendRead *reads, size_t n_reads, const BackendBatch *batch);
        /* Applies the plan to the staging schema. 0 when everything was applied. */
        int (*push)(Backend *b, const Model *model, const PushPlan *plan, PushResult *result, Findings *findings);
        void (*free)(Backend *b);
        /* Optional: removes the temporaries interrupted pushes left on the remote; called only by a
         * run that holds the state directory's lock. Returns how many it removed. */
        int (*remove_temporaries)(Backend *b);
} BackendOps;

struct Backend {
        const BackendOps *ops;
        const Config *config;       /* not owned */
        StateDir *state;            /* not owned, may be NULL: where the push journal and caches go */
        /* Told of each request as it ends (-v shows them), on the thread that sends it; NULL: nobody. */
        HttpObserver observe;
        void *observe_userdata;
        /* Told how far its reads and pushes are (PROGRESS_REMOTE); NULL: nobody. */
        Progress *progress;
};

Backend *backend_free(Backend *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(Backend, backend_free);

/* The backend's remove_temporaries, or 0 when it has none. */
int backend_remove_temporaries(Backend *b);

/* Schema name for a kind, from the configuration. */
const char *backend_schema_name(const Config *config, SchemaKind kind);

/* Runs a batch of reads: the backend's fetch_many, or one read after the other. Each read's outcome
 * is in it when this returns (batch->on_read_done() saw it end, and may have taken its data).
 * Returns 0, or -ENOMEM when the batch could not be run. */
int backend_fetch_many(Backend *b, BackendRead *reads, size_t n_reads, const BackendBatch *batch);

/* Fetches a whole table into d (parsing the CSV with emx2_read_table()); unknown columns are
 * added to stats. */
int backend_fetch_into(Backend *b, SchemaKind schema, const char *node, Dataset *d, size_t table,
                       Emx2ReadStats *stats, Findings *findings);
