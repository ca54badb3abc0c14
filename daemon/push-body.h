/* SPDX-License-Identifier: MIT */
#pragma once

/* The bodies of a push (design §8): from a push plan to the CSV of each request and the ZIPs of
 * the one-transaction import. Only the plan's columns are written (id always); within a table
 * that references itself (Collections.parent_collection) a row is sent after the row it points
 * at, and deleted before it. The server applies a ZIP table by table in reference order, each
 * table's upserts and then its deletions, checking references at once: a deletion that a later
 * table of the plan could still point at cannot go in that transaction, so it follows in ZIPs of
 * its own, children first. Core code: no logging, no I/O. */

#include "backend.h"

/* Order of a plan table's upserts: indexes into pt->upserts, referenced rows first. */
int push_body_upsert_order(const Model *model, const PushTable *pt, size_t **ret_order);

/* CSV of upserts [first, first + n) in push order (order from push_body_upsert_order) of a plan
 * table; with mg_delete_column, a column mg_delete=false is added (a ZIP that also deletes). */
int push_body_upserts_csv(const Model *model, const PushTable *pt, const size_t *order, size_t first, size_t n,
                          bool mg_delete_column, char **ret_data, size_t *ret_size);
/* CSV of a plan table's deletions: header "id" (the DELETE request's body), or with
 * mg_delete_column the plan's upsert header plus mg_delete=true (one file with upserts). */
int push_body_deletes_csv(const Model *model, const PushTable *pt, bool mg_delete_column, char **ret_data,
                          size_t *ret_size);

/* The ZIP imports of a plan: the first carries every upsert and the deletions the server can apply
 * in that transaction; each later one the deletions of one table, in reverse reference order. */
typedef struct PushZipStep {
        bool *upserts;               /* per plan table (plan->tables index) */
        bool *deletes;
        size_t n_upserts, n_deletes; /* rows in this step */
} PushZipStep;

typedef struct PushZipPlan {
        PushZipStep *steps;
        size_t n_steps;
        size_t n_tables;             /* plan->n_tables */
} PushZipPlan;
PushZipPlan *push_zip_plan_free(PushZipPlan *z);
DEFINE_TRIVIAL_CLEANUP_FUNC(PushZipPlan, push_zip_plan_free);

int push_zip_plan(const Model *model, const PushPlan *plan, PushZipPlan **ret);

/* The ZIP of one step: one <Table>.csv per table with work in it, reference order. */
int push_body_zip(const Model *model, const PushPlan *plan, const PushZipStep *step, void **ret_data,
                  size_t *ret_size);
