/* SPDX-License-Identifier: MIT */
#pragma once

/* The dataset: the central value. One table per model table, each a set of rows keyed by id
 * (hash-indexed: O(1) look-up), each row one cell per model column. The mapped master, the
 * staging snapshot and the published snapshot all have this shape.
 *
 * Cells are NUL-terminated strings in the dataset's arena, NULL when missing. A list cell holds
 * its items joined by DATASET_LIST_SEP (0x1F, which no input may contain). At Directory scale
 * (400,000 fact rows) a cell costs one pointer plus its text. */

#include "findings.h"
#include "model.h"

#define DATASET_LIST_SEP '\x1f'

enum {
        ROW_HAS_ERROR = 1u << 0, /* validation found an error in this row */
        ROW_BLOCKED = 1u << 1,   /* not to be pushed: an error here or in a row it depends on, or
                                  * the quality policy's decision (quality-policy.h) */
        ROW_HELD_BY_POLICY = 1u << 2, /* ROW_BLOCKED by the quality policy alone */
        ROW_HAS_REFUSED = 1u << 3,    /* a value given for one of its cells was refused (dataset_mark_refused()) */
        /* Scratch bits for one stage's walk over the rows; clear again when the stage returns. */
        ROW_SCRATCH_ACTIVE = 1u << 6,
        ROW_SCRATCH_DONE = 1u << 7,
};

/* Where a cell was written, in the row's file (a row's values all come from the file its origin
 * names: readers never mix files within a row). line 0 = unknown. Half a Location: a big node
 * has millions of cells. */
typedef struct CellLocation {
        uint32_t line, column;
} CellLocation;

typedef struct Row {
        const char *id;
        const char **cells;          /* n_columns of the table */
        Location origin;             /* where the row was written (file, line, column), or zeroes */
        void *cell_origin;           /* per-cell locations when the source has them, else NULL; read
                                      * them with dataset_cell_location() (see dataset.c) */
        unsigned flags;
} Row;

typedef struct DatasetTable {
        const ModelTable *model;
        Row **rows;             /* insertion order */
        size_t n_rows, allocated;
        uint64_t *index;        /* the id index: see dataset.c */
        size_t index_slots;
} DatasetTable;

typedef struct Dataset {
        const Model *model;     /* not owned; must outlive the dataset */
        DatasetTable *tables;   /* model->n_tables, same order */
        Arena arena;
} Dataset;

int dataset_new(const Model *model, Dataset **ret);
Dataset *dataset_free(Dataset *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Dataset, dataset_free);

/* Adds a row with all cells missing except the key cell, which is the row's id (the same
 * pointer as row->id). Returns -EEXIST (and *ret_row = the existing row, so the
 * caller can name both places) when the id is already in the table, -E2BIG past
 * LIMIT_ROWS_PER_TABLE. origin may be NULL. The id is copied. */
int dataset_add_row(Dataset *d, size_t table, const char *id, const Location *origin, Row **ret_row);
/* The same in two steps, for a reader that fills a row's cells while the index slot its id
 * hashes to (dataset_id_hash(); dataset_prefetch_slot()) comes into the cache: a new row (id
 * copied, cells missing; -E2BIG as above) that is not yet in the table and may be filled with
 * dataset_set*(), then its insertion, -EEXIST (and *ret_existing) when the id is there already:
 * the new row is then simply dropped (its memory stays in the arena). hash must be the id's. */
int dataset_new_row(Dataset *d, size_t table, const char *id, const Location *origin, Row **ret_row);
int dataset_insert_row(Dataset *d, size_t table, Row *row, uint32_t hash, Row **ret_existing);
Row *dataset_find(const Dataset *d, size_t table, const char *id);
/* The row's position in the table's rows: 0, or -ENOENT. */
int dataset_find_position(const Dataset *d, size_t table, const char *id, size_t *ret_position);

/* Look-ups in bulk. Each is a few dependent cache misses (slot, row, id) once a table outgrows
 * the cache; a caller that knows its next ids hashes each once and asks, a dozen look-ups ahead,
 * for its slot, then, a few ahead, for its row, so that the misses overlap instead of queueing. */
uint32_t dataset_id_hash(const char *id);
void dataset_prefetch_slot(const Dataset *d, size_t table, uint32_t hash);
void dataset_prefetch_row(const Dataset *d, size_t table, uint32_t hash);
Row *dataset_find_hashed(const Dataset *d, size_t table, const char *id, uint32_t hash);
int dataset_find_position_hashed(const Dataset *d, size_t table, const char *id, uint32_t hash, size_t *ret_position);
/* Moves every row of from into d (same model), after d's rows; from is left empty but usable. An
 * id d already has is not moved: duplicate() is told (existing row of d, row of from) and may add a
 * finding; a negative return stops the merge. Rows keep their memory (d adopts from's arena). */
typedef int (*DatasetDuplicateFunc)(void *userdata, size_t table, Row *existing, Row *duplicate);
int dataset_absorb(Dataset *d, Dataset *from, DatasetDuplicateFunc duplicate, void *userdata);

/* Makes room for n more rows in table (a hint: readers that can count rows save regrowing). */
int dataset_reserve_rows(Dataset *d, size_t table, size_t n);

/* Sets a cell (copied into the arena); value NULL or "" clears it. loc may be NULL; a loc in the
 * row's file is kept as the cell's location, any other (no file, or another file) resets it. The key cell cannot change: setting it
 * to the row's id is accepted (records loc), anything else is -EINVAL. Short values are shared
 * between cells: never write through a cell pointer. */
int dataset_set(Dataset *d, Row *row, size_t table, size_t column, const char *value, const Location *loc);
/* The same for the n bytes at value (which need not be NUL-terminated), for a reader that knows
 * the length already. */
int dataset_set_sized(Dataset *d, Row *row, size_t table, size_t column, const char *value, size_t n,
                      const Location *loc);
/* Sets a list cell from items (copied; empty items skipped); n == 0 or only empty items clear it.
 * -EINVAL when an item contains DATASET_LIST_SEP, -E2BIG past LIMIT_LIST_ITEMS. */
int dataset_set_list(Dataset *d, Row *row, size_t table, size_t column, const char *const *items, size_t n,
                     const Location *loc);
/* Whether cells keep their own locations (the default). A fetched snapshot is never reported on
 * cell by cell, so it does without: 8 bytes a cell. Rows keep their origin either way. */
void dataset_keep_cell_locations(Dataset *d, bool keep);
/* A copy of a file name that lives as long as the dataset, for the rows' origins: a reader's
 * label (a fetched table's "BBMRI-BE/Persons.csv") is gone once the reader returns. NULL on OOM. */
const char *dataset_intern_file(Dataset *d, const char *file);

/* A cell whose given value the mapping refused (and reported): validation does not report it
 * missing as well. dataset_absorb() carries the marks along with the rows. */
int dataset_mark_refused(Dataset *d, Row *row, size_t column);
bool dataset_cell_refused(const Dataset *d, const Row *row, size_t column);

/* Location of a cell: the cell's own when known, else the row's origin. */
Location dataset_cell_location(const Row *row, size_t column);

/* Iterates the items of a list cell: start with *state = cell; returns false at the end.
 * The item is [*ret_item, *ret_item + *ret_len), not NUL-terminated. */
bool dataset_list_next(const char **state, const char **ret_item, size_t *ret_len);
size_t dataset_list_count(const char *cell);

/* Deep-copies a row (for building push plans from snapshots): id, origin, cells, cell
 * locations and flags, into dst's arena. src must come from a dataset of the same model.
 * -EEXIST (and *ret_row = the existing row) when dst already has the id. Location.file pointers
 * are copied as they are: whoever owns those names must outlive dst. */
int dataset_copy_row(Dataset *dst, size_t table, const Row *src, Row **ret_row);

/* Removes a row (its memory stays in the arena until the dataset is freed); -ENOENT when absent.
 * O(rows in the table), to keep insertion order: meant for the rare removal, not for bulk use. */
int dataset_remove_row(Dataset *d, size_t table, const char *id);

size_t dataset_total_rows(const Dataset *d);
