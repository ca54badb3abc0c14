/* SPDX-License-Identifier: MIT */
#pragma once

/* The YAML master writer (`pull`): a node's Directory rows as the master a person would have
 * written, which the reader (master.c) and the mapping turn back into exactly those rows.
 * Collections nest under their biobank and sub-collections under their parent; ids are written
 * local wherever expanding the local id gives the full id back; fields a nested collection would
 * inherit, derived values and column defaults are left out where they are what the reader would
 * fill in; lookup ids are followed by a comment with their labels. Collection facts go to one CSV
 * file the master names. Core code: it builds buffers and writes files, it never logs. */

#include "dataset.h"
#include "mapping.h"
#include "vocab.h"

#define MASTER_WRITE_MAX_TABLES 32
/* The JSON Schema `schema` writes, by the name pull looks for next to the master. */
#define MASTER_SCHEMA_FILE "master.schema.json"

typedef struct MasterWriteOptions {
        const char *node;          /* node code: only the node's own rows are written */
        bool every_row_own;        /* the rows are the node's alone (published, filtered by national_node):
                                    * each is written, whatever its id's prefix; else by the id's node part */
        const char *source;        /* for the header comment: where the rows were read */
        const char *schema_name;   /* for the header comment: which schema */
        uint64_t pulled_usec;      /* realtime, for the header comment; 0 leaves the time out */
        const char *facts_file;    /* name of the facts CSV as the master names it (relative to the master) */
        const char *schema_ref;    /* for the yaml-language-server line, or NULL */
} MasterWriteOptions;

typedef struct MasterWriteResult {
        char *yaml;
        size_t yaml_size;
        char *facts_csv;           /* NULL when the node has no collection facts */
        size_t facts_csv_size;
        size_t n_rows[MASTER_WRITE_MAX_TABLES]; /* written rows per model table (model order) */
        size_t n_other_rows;       /* rows of other nodes, not written */
        size_t n_top_level_collections; /* collections that could not nest without changing a value */
} MasterWriteResult;

void master_write_result_done(MasterWriteResult *r);

/* Builds the master (and the facts CSV) in memory. -ENOMEM, -E2BIG (a model of more tables than
 * the counts hold). */
int master_write_build(const Dataset *d, const Mapping *m, const Vocabularies *v, const MasterWriteOptions *o,
                       MasterWriteResult *ret);

/* Writes the result: the facts file (facts_path, when there are facts) first, then the master,
 * each to a temporary name, fsynced and renamed. Without force an existing file is left alone:
 * -EEXIST, nothing written. */
int master_write_files(const MasterWriteResult *res, const char *master_path, const char *facts_path, bool force);
