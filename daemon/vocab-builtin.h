/* SPDX-License-Identifier: MIT */
#pragma once

/* The built-in lookup tables, generated at build time from mappings/vocabularies.tsv by
 * daemon/embed-vocabularies.py (vocab-builtin.c): read-only data, looked up in place by vocab.c. */

#include <stddef.h>
#include <stdint.h>

typedef struct VocabBuiltinTable {
        uint32_t first; /* its first term in vocab_builtin_terms (pairs), vocab_builtin_by_label and
                         * vocab_builtin_by_id_caseless (single entries) */
        uint32_t n_terms;
} VocabBuiltinTable;

/* When the tables were exported (the file's @exported), microseconds since the epoch, and as
 * written there. */
extern const uint64_t vocab_builtin_exported_usec;
extern const char vocab_builtin_exported[];
/* Every id and label, NUL-terminated. */
extern const char vocab_builtin_strings[];
/* Per term, sorted by id (bytes) within its table: offsets of its id and its label (which is ""
 * when the table has none) in vocab_builtin_strings. */
extern const uint32_t vocab_builtin_terms[];
/* Per table, its term numbers (0 = the table's first) by label and by id, ignoring ASCII case,
 * ties in id order. */
extern const uint32_t vocab_builtin_by_label[];
extern const uint32_t vocab_builtin_by_id_caseless[];
/* The tables, sorted by name, and where each one's terms are. */
extern const char *const vocab_builtin_table_names[];
extern const VocabBuiltinTable vocab_builtin_tables[];
extern const size_t vocab_builtin_n_tables;
