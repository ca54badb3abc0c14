/* SPDX-License-Identifier: MIT */
#pragma once

/* Mappings (design §4): YAML files under mappings/, declarative. They say, per table, which
 * master field feeds which Directory column (the default is the column of the same name), how
 * local ids expand to full ids, which derived values to compute, and the value vocabularies:
 * MIABIS 2.0 labels and local terms (French, Dutch, ...) onto Directory ontology ids. Directory
 * ids and Directory labels (case-insensitive) are always accepted as they are.
 *
 * mapping_apply() turns node records into the dataset; an unmapped value is a finding that names
 * the value, the field, the row and the mapping files searched. */

#include "dataset.h"
#include "records.h"
#include "vocab.h"

typedef struct Mapping Mapping;

Mapping *mapping_free(Mapping *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Mapping, mapping_free);

int mapping_new(Mapping **ret);
/* Adds one mapping file; later files take precedence for the same term. From memory (fuzzing
 * entry point) or from a file (LIMIT_MAPPING_FILE_BYTES). */
int mapping_parse(Mapping *m, const char *data, size_t size, const char *filename, Findings *findings);
int mapping_load(Mapping *m, const char *path, Findings *findings);

/* Maps a value of an ontology table: Directory id as is, then mapping terms, then Directory
 * labels (case-insensitive). Returns 0 and *ret_id, or -ENOENT. */
int mapping_lookup(const Mapping *m, const Vocabularies *v, const char *ontology, const char *value,
                   const char **ret_id);

/* Files searched, for messages: "mappings/miabis-2.0.yaml, mappings/example-local.yaml". */
const char *mapping_files_description(const Mapping *m);

/* Builds the dataset from records. node is the node code ("BE"); a record set whose own node
 * differs is an error. Every problem is a finding (unknown field, duplicate id, unmapped value,
 * a value of the wrong shape); rows with problems are still added when possible, flagged
 * ROW_HAS_ERROR, so validation can report the rest. Returns 0 (even with error findings) or a
 * negative errno on OOM. */
int mapping_apply(const Mapping *m, const Model *model, const Vocabularies *v, const char *node,
                  const RecordSet *records, Dataset **ret, Findings *findings);

/* The same, a record at a time, for readers that hand records over as they read them (a big
 * node's 400,000 fact rows never exist as records all at once). new, then any number of
 * mapping_run_record() (usable as a RecordSink) and mapping_run_records() (which also checks
 * the set's node), then finish, which hands over the dataset. */
typedef struct MappingRun MappingRun;
int mapping_run_new(const Mapping *m, const Model *model, const Vocabularies *v, const char *node,
                    Findings *findings, MappingRun **ret);
int mapping_run_record(MappingRun *run, const Record *rec);
int mapping_run_records(MappingRun *run, const RecordSet *records);
int mapping_run_finish(MappingRun *run, Dataset **ret);
MappingRun *mapping_run_free(MappingRun *run);
DEFINE_TRIVIAL_CLEANUP_FUNC(MappingRun, mapping_run_free);

/* The value a derived rule gives column of a row whose cells are given (what the mapping fills in
 * when the master leaves it out): written into buf, returns the source column's index + 1, or 0
 * when no rule derives the column or its source gives nothing. */
int mapping_derived_value(const Mapping *m, const ModelTable *t, const char *const *cells, size_t column,
                          char *buf, size_t size);

/* Full id of a local id for a table ("uza-contact" in Persons -> bbmri-eric:contactID:BE_uza-contact);
 * for Collections biobank_id is the owning biobank's full id. Full ids (starting with
 * "bbmri-eric:") are returned as is. malloc()ed, NULL on OOM or when the table has no rule. */
char *mapping_expand_id(const Mapping *m, const char *table, const char *node, const char *local,
                        const char *biobank_id);

/* The reverse: the local id that mapping_expand_id() turns into full (same table, node and
 * biobank), or NULL when none does (another node's id, a template without {local}) or on OOM.
 * malloc()ed. */
char *mapping_local_id(const Mapping *m, const char *table, const char *node, const char *full,
                       const char *biobank_id);

/* What a master may write besides the Directory's own names, for the JSON Schema: each alias of
 * a table's columns (func(userdata, alias, column)) and each term the mapping files give a lookup
 * table (func(userdata, term, id)). Stop at and return a negative return. */
typedef int (*MappingPairFunc)(void *userdata, const char *key, const char *value);
int mapping_for_each_alias(const Mapping *m, const char *table, MappingPairFunc func, void *userdata);
int mapping_for_each_term(const Mapping *m, const char *ontology, MappingPairFunc func, void *userdata);
