/* SPDX-License-Identifier: MIT */
#pragma once

/* Vocabularies: the Directory's lookup tables (DirectoryOntologies), term id (`name`) and label.
 * Small tables are built into the program from the project's own file
 * (mappings/vocabularies.yaml, embedded at build time); the full tables, DiseaseTypes with its
 * ~23,000 terms among them, are read from <folder>/<Table>.csv when a copy is available and then
 * replace the built-in ones. For DiseaseTypes without a copy, an ICD-10/ORPHA syntax check
 * stands in. */

#include "findings.h"

typedef struct Vocabularies Vocabularies;

Vocabularies *vocab_free(Vocabularies *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Vocabularies, vocab_free);

/* The built-in tables. */
int vocab_new_builtin(Vocabularies **ret, Findings *findings);
/* Parses vocabulary YAML of the built-in format from memory (the fuzzing entry point). */
int vocab_parse_yaml(Vocabularies *v, const char *data, size_t size, const char *filename, Findings *findings);

/* Loads one table from an EMX2 ontology CSV (columns include `name` and usually `label`),
 * replacing the table if present. From memory, and from a folder (<dir>/<table>.csv; -ENOENT
 * when that file does not exist). */
int vocab_load_csv(Vocabularies *v, const char *table, const char *data, size_t size, const char *filename,
                   Findings *findings);
int vocab_load_folder_table(Vocabularies *v, const char *dir, const char *table, Findings *findings);
/* Loads every <dir>/<Table>.csv for which a table is referenced by the model or built in;
 * returns the number of tables loaded. */
int vocab_load_folder(Vocabularies *v, const char *dir, Findings *findings);
/* The lookup tables worth a copy (what vocab_load_folder() looks for). */
const char *const *vocab_folder_tables(size_t *ret_n);

typedef enum VocabAnswer {
        VOCAB_UNKNOWN_TABLE, /* no copy of this table: membership cannot be checked */
        VOCAB_MEMBER,
        VOCAB_NOT_MEMBER,
} VocabAnswer;

bool vocab_has_table(const Vocabularies *v, const char *table);
/* Is id a term of table? For DiseaseTypes without a table, answers by syntax:
 * urn:miriam:icd:<ICD-10 code> or ORPHA:<digits> is MEMBER, anything else NOT_MEMBER. */
VocabAnswer vocab_check(const Vocabularies *v, const char *table, const char *id);
/* Term id for a label, case-insensitive; NULL when none. */
const char *vocab_id_for_label(const Vocabularies *v, const char *table, const char *label);
/* Term id matching value without regard to case, when exactly one does; NULL otherwise. */
const char *vocab_id_caseless(const Vocabularies *v, const char *table, const char *value);
/* Label of a term id; NULL when unknown. */
const char *vocab_label(const Vocabularies *v, const char *table, const char *id);
/* Calls func(userdata, id, label) for every term of table (label may be NULL); stops at and
 * returns a negative return. 0 when the table is not loaded. */
int vocab_for_each_term(const Vocabularies *v, const char *table,
                        int (*func)(void *userdata, const char *id, const char *label), void *userdata);
size_t vocab_table_size(const Vocabularies *v, const char *table);
/* NULL-terminated list of table names loaded (malloc()ed vector of borrowed pointers). */
const char **vocab_tables(const Vocabularies *v);

/* Syntax checks used when the full DiseaseTypes table is not at hand. */
bool icd10_code_is_valid(const char *code);   /* "C50", "C50.9", "C18" (no ranges) */
bool orpha_code_is_valid(const char *code);   /* "ORPHA:1234" */
