/* SPDX-License-Identifier: MIT */
#pragma once

/* The Directory's staging model as data (mappings/directory-model.yaml), not code: tables in
 * reference order, columns with type, required flag, reference or ontology target, who owns
 * them, and the server's id pattern per table. When BBMRI-ERIC changes the model, that file
 * changes, not C code. */

#include <regex.h>

#include "findings.h"

typedef enum ColumnType {
        COLUMN_STRING,
        COLUMN_TEXT,
        COLUMN_INT,
        COLUMN_BOOL,
        COLUMN_REF,
        COLUMN_REF_ARRAY,
        COLUMN_ONTOLOGY,
        COLUMN_ONTOLOGY_ARRAY,
        COLUMN_HYPERLINK,
        COLUMN_EMAIL,
        COLUMN_DATE,
        COLUMN_DATETIME,
        COLUMN_REFBACK,
        COLUMN_HEADING,
        _COLUMN_TYPE_MAX,
} ColumnType;

const char *column_type_to_string(ColumnType t);   /* EMX2 spelling: "ref_array" ... */
int column_type_from_string(const char *s);          /* ColumnType or -EINVAL */
bool column_type_is_list(ColumnType t);              /* ref_array, ontology_array (refback too) */

typedef struct ModelColumn {
        char *name;
        ColumnType type;
        bool key;            /* the primary key (id) */
        bool required;
        bool node_owned;     /* sent to the server and compared; false for refback, heading, computed */
        bool ordered;        /* list order matters when comparing (none in today's model) */
        char *ref_table;     /* ref/ref_array/refback: target table in the same schema */
        int ref_table_index; /* its index in the model (resolved on load), -1 without ref_table */
        char *ontology;      /* ontology/ontology_array, or ref to DirectoryOntologies: lookup table */
        bool takes_any;      /* a fact sheet's '*' (any value) belongs here (`any: true`) */
        char *default_value; /* e.g. "false" for withdrawn, or NULL */
        char *refback_via;   /* refback: the column of ref_table pointing here */
        char *description;   /* short, for messages and docs, may be NULL */
} ModelColumn;

typedef struct ModelTable {
        char *name;
        char *description;
        size_t index;        /* position in reference order (parents first) */
        char *id_kind;       /* the id's kind segment: "contactID", "ID", "networkID", ... */
        char *id_pattern;    /* POSIX extended regex equivalent to the server's JS regex */
        char *id_message;    /* the server's message when the pattern fails */
        regex_t id_regex;
        ModelColumn *columns;
        size_t n_columns;
        size_t id_column;    /* index of the key column */
} ModelTable;

typedef struct Model {
        char *source;        /* file it was read from */
        ModelTable *tables;  /* reference order */
        size_t n_tables;
} Model;

Model *model_free(Model *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Model, model_free);

/* Parses the model file (from memory or file). Unknown keys, unknown types, a ref to a table not
 * in the model, bad regexes: findings at file:line:col, -EBADMSG. */
int model_parse(const char *data, size_t size, const char *filename, Model **ret, Findings *findings);
int model_load(const char *path, Model **ret, Findings *findings);

/* Look-ups; NULL / -ENOENT when absent. */
const ModelTable *model_find_table(const Model *m, const char *name);
int model_table_index(const Model *m, const char *name);
const ModelColumn *model_find_column(const ModelTable *t, const char *name);
int model_column_index(const ModelTable *t, const char *name);
