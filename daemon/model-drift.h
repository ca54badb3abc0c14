/* SPDX-License-Identifier: MIT */
#pragma once

/* Model drift: the live staging model (GET /<schema>/api/csv, MOLGENIS' model CSV with columns
 * tableName, tableExtends, columnName, columnType, key, required, refTable, ...) compared with the
 * project's model file. Core code: returns the differences, the caller logs them. */

#include "model.h"

typedef enum DriftKind {
        DRIFT_NEW_COLUMN,            /* the live model has a column the project's model lacks */
        DRIFT_MISSING_COLUMN,        /* a column of the project's model is not in the live model */
        DRIFT_CHANGED_TYPE,          /* the column's type differs */
        DRIFT_NEW_TABLE,             /* a live table the project's model lacks */
        DRIFT_MISSING_TABLE,         /* a table of the project's model is not in the live model */
} DriftKind;

const char *drift_kind_to_string(DriftKind k); /* "new-column", "missing-column", ... */

typedef struct Drift {
        DriftKind kind;
        char *table, *column;        /* column NULL for table drift */
        char *live_type;             /* the live column's type (EMX2 spelling), or NULL */
        char *model_type;            /* ours, or NULL */
        bool required;               /* the live column is required (for a new column) */
        bool blocking;               /* a new required column the project cannot fill: no push */
} Drift;

typedef struct ModelDrift {
        Drift *items;
        size_t n_items;
        size_t n_blocking;
} ModelDrift;

ModelDrift *model_drift_free(ModelDrift *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(ModelDrift, model_drift_free);

/* Parses the live model CSV (from memory) and compares it with the model. Findings (file:line)
 * only when the CSV cannot be read as a model (-EBADMSG). The live model's rows for tables the
 * project does not know are reported as DRIFT_NEW_TABLE once per table. */
int model_drift_compare(const Model *model, const char *csv, size_t size, const char *filename,
                        ModelDrift **ret, Findings *findings);
