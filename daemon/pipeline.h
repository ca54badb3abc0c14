/* SPDX-License-Identifier: MIT */
#pragma once

/* The local half of every command: load what the configuration names (model, vocabularies,
 * mappings), read the master, map it and validate it. Core code: it returns errors and findings
 * and never logs. */

#include "config.h"
#include "dataset.h"
#include "foreign.h"
#include "mapping.h"
#include "model.h"
#include "orphanet.h"
#include "progress.h"
#include "records.h"
#include "vocab.h"

typedef struct Local {
        Model *model;
        Vocabularies *vocab;
        Orphanet *orphanet; /* quality.orphanet_file, or NULL */
        Mapping *mapping;
        RecordSet *records;
        Dataset *dataset;
        ForeignRefs foreign;          /* references to other nodes' rows the master lacks: resolved
                                       * against the Directory (foreign_resolve()) */
        size_t n_vocab_tables_loaded; /* ontology tables read from a CSV copy */
        uint64_t usec_setup, usec_read, usec_map, usec_validate;
        Progress *progress;           /* told which step local_read() is at (PROGRESS_LOCAL; not owned) */
} Local;

void local_done(Local *l);

/* Loads the model, the built-in vocabularies (plus the DirectoryOntologies copy of a file
 * backend, when present) and the mapping files. A broken model or mapping file is a
 * configuration problem: -EINVAL with findings. */
int local_setup(const Config *config, Local *l, Findings *findings);

/* Reads every master file, maps and validates. Returns 0 when the dataset was built (error
 * findings may exist: count them), -EBADMSG/-E2BIG/-EFBIG when a master file could not be read as
 * a whole (findings say where), -ENOENT when a master file does not exist. */
int local_read(const Config *config, Local *l, Findings *findings);
