/* SPDX-License-Identifier: MIT */
#pragma once

/* Rows of other nodes (design §5): a reference of the master to a full id of another node (an EU
 * network, another node's study or person) is no error of the master. Validation sets such
 * references aside (ForeignRefs); once the Directory's rows are known they are resolved against
 * the staging area and the published Directory, and a row only the published Directory has is
 * brought into the staging area unchanged, with the rows it needs in turn. Core code: it returns
 * findings and never logs. */

#include "dataset.h"

typedef struct ForeignRef {
        size_t table;             /* the referencing row's table */
        Row *row;                 /* the referencing row, in the local dataset */
        size_t column;
        size_t target_table;
        char *target_id;
} ForeignRef;

typedef struct ForeignRefs {
        ForeignRef *items;
        size_t n_items, allocated;
} ForeignRefs;

void foreign_refs_done(ForeignRefs *f);
int foreign_refs_add(ForeignRefs *f, size_t table, Row *row, size_t column, size_t target_table, const char *id);

/* Whether id is a full Directory id of a node other than node (EU and EXT count as other nodes). */
bool foreign_id_is_other_node(const char *id, const char *node);

/* Whether any reference is to a row neither the local dataset nor staging has: only then does a
 * run need the published Directory. */
bool foreign_refs_need_published(const ForeignRefs *f, const Dataset *staging);

/* The tables a published read must bring for resolving: the targets of the model's references to
 * the node's tables (never the facts). mask has model->n_tables entries. */
void foreign_tables_mask(const Model *model, bool *mask);

typedef struct ForeignSources {
        const char *node;         /* the node: a row of its own is never brought, the master defines it */
        const Dataset *staging;   /* the staging area as fetched, or its last snapshot; may be NULL */
        const Dataset *published; /* every node's published rows, or the last copy; may be NULL */
        /* How an unresolved reference is said: "which neither the staging area nor the published
         * Directory has". */
        const char *missing_phrase;
} ForeignSources;

typedef struct ForeignResolution {
        size_t n_resolved, n_unresolved;
        /* Published rows the staging area lacks, with the rows they need in turn, as published
         * (NULL when there are none); referencing rows that are held back bring nothing. */
        Dataset *bring;
} ForeignResolution;

void foreign_resolution_done(ForeignResolution *r);

/* Resolves every reference. An unresolved one is a finding of `severity` on the referencing row;
 * SEVERITY_ERROR also marks it ROW_HAS_ERROR and holds back the rows that depend on it (the
 * blocking walk runs again). Returns 0 or -ENOMEM. */
int foreign_resolve(Dataset *local, const ForeignRefs *refs, const ForeignSources *sources, Severity severity,
                    Findings *findings, ForeignResolution *ret);
