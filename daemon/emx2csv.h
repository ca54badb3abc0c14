/* SPDX-License-Identifier: MIT */
#pragma once

/* The Directory's CSV encoding of one table (reference/directory-api.md): header of column names,
 * RFC 4180 quoting, lists comma-joined, booleans true/false, empty field = no value. Used for
 * export, the file backend, and CSV-folder masters. */

#include "dataset.h"

/* Columns the server adds or computes that a node never sends: publisher-added columns of the
 * published schema, mg_* system columns. Reading ignores them silently. */
bool emx2_column_is_ignored(const char *name);

typedef struct Emx2ReadStats {
        bool whole_rows;        /* in: a row with fewer fields than the header is an error (a server's
                                 * answer: EMX2 writes every field, so such a row was cut off) */
        size_t n_rows;
        char **unknown_columns; /* columns neither in the model nor ignored: model drift */
} Emx2ReadStats;
void emx2_read_stats_done(Emx2ReadStats *s);

/* Reads a <Table>.csv into table of d. Rows are added (duplicate id: error finding). Server-owned
 * columns (refback, heading) are accepted and dropped; unknown columns are listed in stats
 * (reported once by the caller). A missing id column is an error. Findings name file:line. */
int emx2_read_table(Dataset *d, size_t table, const char *data, size_t size, const char *filename,
                    Emx2ReadStats *stats, Findings *findings);

/* Splits an EMX2 list field in place ("DNA, SERUM": items trimmed, empty ones dropped) into
 * *items, grown as needed (the caller frees it; the items point into field). -E2BIG past
 * LIMIT_LIST_ITEMS. */
int emx2_split_list(char *field, char ***items, size_t *allocated, size_t *ret_n);

/* Writes rows of table (node-owned columns only, model order) as CSV to out. rows == NULL writes
 * every row of the dataset table except those flagged ROW_BLOCKED when skip_blocked. When
 * columns is non-NULL it selects which column indexes to write (the id column always is). */
int emx2_write_table(const Dataset *d, size_t table, const Row *const *rows, size_t n_rows,
                     const bool *columns, bool skip_blocked, FILE *out);
/* Rows given by the caller (of any dataset of the model), for push bodies: the header when header
 * is set, the columns selected by columns (id always), and when flag_column is non-NULL one more
 * column of that name holding flag_value in every row (mg_delete: "true" or "false"). */
int emx2_write_rows(const ModelTable *t, const Row *const *rows, size_t n_rows, const bool *columns, bool header,
                    const char *flag_column, const char *flag_value, FILE *out);
/* Same as emx2_write_table into a malloc()ed buffer. */
int emx2_table_to_buffer(const Dataset *d, size_t table, const Row *const *rows, size_t n_rows,
                         const bool *columns, bool skip_blocked, char **ret_data, size_t *ret_size);

/* The rows of one node of a published table (raw CSV in, raw CSV out, header kept): by its
 * national_node column when the table has one, else by the node part of the id. Used where the
 * server's ?filter={"national_node":...} is emulated: the file backend and the test emulator. */
int emx2_filter_to_node(const char *data, size_t size, const char *filename, const char *node, char **ret_data,
                        size_t *ret_size, Findings *findings);
