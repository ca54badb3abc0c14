/* SPDX-License-Identifier: MIT */
#pragma once

/* Diff (design §7, contract): per table, per id, added / changed (with each column's old and new
 * value) / removed / unchanged. Only node-owned columns are compared; lists as sets unless the
 * model says order matters; empty equals missing; booleans, integers and dates by value; text by
 * normalised spelling (trailing white space, CRLF). Rows of other nodes (by the id's node part,
 * unless DiffOptions.remote_is_node) are never removed. Linear in the number of rows (hash look-ups), sorted output. */

#include "dataset.h"

typedef enum ChangeKind {
        CHANGE_ADDED,
        CHANGE_CHANGED,
        CHANGE_REMOVED,
} ChangeKind;
const char *change_kind_to_string(ChangeKind k); /* "added", "changed", "removed" */

typedef struct ColumnChange {
        size_t column;
        const char *old_value;   /* remote cell (list cells use DATASET_LIST_SEP), may be NULL */
        const char *new_value;   /* local cell, may be NULL */
} ColumnChange;

typedef struct Change {
        ChangeKind kind;
        size_t table;
        const char *id;
        const Row *local;        /* NULL for removed */
        const Row *remote;       /* NULL for added */
        ColumnChange *columns;   /* changed: the differing columns; added: every non-empty column */
        size_t n_columns;
        bool blocked;            /* the local row is ROW_BLOCKED: reported, not pushed */
        /* Held back for a row it refers to (noted by quality_policy_apply()): an added row the
         * policy holds back (the Directory lacks it, so the reference would be refused), or,
         * with needs_errors, a row with errors or held back for them; needs_id NULL otherwise. */
        size_t needs_table;
        const char *needs_id;
        bool needs_errors;
        /* Why it is held back, found once for all held-back changes (quality_policy_apply()) so that
         * showing thousands of them stays linear: its errors, or without any the quality errors
         * the policy holds against it; n_held_by of them, the first one's code and message
         * (strings of the run's findings), and the quality errors' check ids, each once. */
        size_t n_held_by;
        bool held_by_errors;
        const char *held_by_code, *held_by_message;
        char *held_by_codes;     /* "CC:A, CC:B" (owned), or NULL */
} Change;

typedef struct DiffTableCounts {
        size_t added, changed, removed, unchanged, blocked;
} DiffTableCounts;

typedef struct ChangeSet {
        Change *changes;         /* by table (reference order), then id */
        size_t n_changes;
        DiffTableCounts *per_table; /* model->n_tables */
        DiffTableCounts total;
        size_t n_remote_node_rows;   /* remote rows of this node (for the removal guard's percent) */
        size_t n_already_withdrawn;  /* remote rows absent locally but already withdrawn */
} ChangeSet;

ChangeSet *change_set_free(ChangeSet *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ChangeSet, change_set_free);

typedef struct DiffOptions {
        const char *node;            /* rows of other nodes are never "removed" */
        bool remote_is_node;         /* the remote holds the node's rows only (the published schema,
                                      * filtered by national_node): each is the node's, whatever its id */
        bool withdrawn_is_removed;   /* a remote row absent locally with withdrawn=true counts as
                                      * already removed (policy withdraw), not as a removal */
} DiffOptions;

/* Compares local (the mapped master) with remote (a snapshot). Both must share one model. */
int diff_datasets(const Dataset *local, const Dataset *remote, const DiffOptions *opts, ChangeSet **ret);

/* Normalised form of a cell for comparison, by column type (exposed for tests): booleans
 * "true"/"false", integers without leading zeros or '+', dates yyyy-mm-dd, list items trimmed,
 * de-duplicated and sorted (unless ordered), scalars with trailing white space removed and CRLF
 * as LF. NULL for missing or empty. malloc()ed into *ret (NULL allowed). */
int diff_normalize_cell(const ModelColumn *col, const char *cell, char **ret);

/* Where the node code of a Directory id is: [start, start + *ret_len) of
 * "bbmri-eric:<kind>:<node>_..." (the length may be 0); NULL when the id has no such part. */
const char *directory_id_node_at(const char *id, size_t *ret_len);
/* Node code of a Directory id ("bbmri-eric:ID:BE_UZA:collection:x" -> "BE"), written into buf
 * (at least 16 bytes); NULL when the id has no node part, an empty one or one too long for buf. */
const char *directory_id_node(const char *id, char *buf, size_t size);
