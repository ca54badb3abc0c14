/* SPDX-License-Identifier: MIT */
#pragma once

/* Vocabularies: the Directory's lookup tables (DirectoryOntologies), term id (`name`) and label.
 * Every table is built into the program (mappings/vocabularies.tsv, made C data at build time by
 * daemon/embed-vocabularies.py: nothing is parsed at startup, terms are found by bisection in
 * read-only memory). A copy of a table (<folder>/<Table>.csv of a file backend, or the ontology
 * cache of an https one) replaces the built-in table when it was written after the built-in
 * tables were exported. */

#include "findings.h"

typedef struct Vocabularies Vocabularies;

Vocabularies *vocab_free(Vocabularies *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Vocabularies, vocab_free);

/* The built-in tables. */
int vocab_new_builtin(Vocabularies **ret);
/* When the built-in tables were exported from the Directory (microseconds since the epoch). */
uint64_t vocab_builtin_exported_at(void);

/* Loads one table from an EMX2 ontology CSV (columns include `name` and usually `label`),
 * replacing the table if present. From memory, and from a folder (<dir>/<table>.csv; -ENOENT
 * when that file does not exist). */
int vocab_load_csv(Vocabularies *v, const char *table, const char *data, size_t size, const char *filename,
                   Findings *findings);
int vocab_load_folder_table(Vocabularies *v, const char *dir, const char *table, Findings *findings);
/* Loads every <dir>/<Table>.csv of a built-in table that was written after the built-in tables
 * were exported (an older copy is left alone); returns the number of tables loaded. A copy that
 * is no lookup table (no `name` column, no whole CSV, too many terms) is a warning naming it and
 * is left out: the built-in table stays. */
int vocab_load_folder(Vocabularies *v, const char *dir, Findings *findings);
/* The columns a copy of a lookup table must have (NULL-terminated): its term ids. */
const char *const *vocab_required_columns(void);
/* The lookup tables worth a copy (what vocab_load_folder() looks for): the built-in ones. */
const char *const *vocab_folder_tables(size_t *ret_n);

typedef enum VocabAnswer {
        VOCAB_UNKNOWN_TABLE, /* no copy of this table: membership cannot be checked */
        VOCAB_MEMBER,
        VOCAB_NOT_MEMBER,
} VocabAnswer;

bool vocab_has_table(const Vocabularies *v, const char *table);
/* Is id a term of table? Ids are exact (case matters). */
VocabAnswer vocab_check(const Vocabularies *v, const char *table, const char *id);
/* Whether value of a column taking table is a range of diagnoses ("urn:miriam:icd:C50-C52"):
 * BBMRI-ERIC's CC:DiagRange, whether or not the Directory has the range as a term (validate.c
 * reports it, never as an unknown term as well). */
bool vocab_is_diagnosis_range(const char *table, const char *value);
/* Term id for a label, ignoring ASCII case; of two terms with one label, the smaller id (in
 * byte order); NULL when none. */
const char *vocab_id_for_label(const Vocabularies *v, const char *table, const char *label);
/* Term id matching value without regard to case, when exactly one does; NULL otherwise. */
const char *vocab_id_caseless(const Vocabularies *v, const char *table, const char *value);
/* Label of a term id; NULL when unknown. */
const char *vocab_label(const Vocabularies *v, const char *table, const char *id);
/* Calls func(userdata, id, label) for every term of table in id order (label may be NULL); stops at and
 * returns a negative return. 0 when the table is not loaded. */
int vocab_for_each_term(const Vocabularies *v, const char *table,
                        int (*func)(void *userdata, const char *id, const char *label), void *userdata);
size_t vocab_table_size(const Vocabularies *v, const char *table);
/* NULL-terminated list of table names loaded (malloc()ed vector of borrowed pointers). */
const char **vocab_tables(const Vocabularies *v);

/* Syntax checks of diagnosis codes as nodes write them (the mapping files' prefixes). */
bool icd10_code_is_valid(const char *code);   /* "C50", "C50.9", "C18" (no ranges) */
bool icd10_range_is_valid(const char *code);  /* "C50-C52", "C00-C14" */
bool orpha_code_is_valid(const char *code);   /* "ORPHA:1234" */
