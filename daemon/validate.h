/* SPDX-License-Identifier: MIT */
#pragma once

/* Validation (design §5): model rules (required columns, types, id patterns, references that
 * resolve inside the dataset), vocabulary membership, and the offline quality rules of
 * BBMRI-ERIC's checks (reference/quality-checks.md). Findings carry the check id as their code.
 * An error marks its row ROW_HAS_ERROR; every row with an error, and every row that depends on
 * one through a reference, is marked ROW_BLOCKED and must not be pushed. */

#include "dataset.h"
#include "foreign.h"
#include "quality.h"
#include "vocab.h"

/* Dangling references are found by the walk that propagates ROW_BLOCKED along references (a row
 * referencing a blocked row is blocked), in time linear in the number of cells. */
int validate_dataset(Dataset *d, const Vocabularies *v, const char *node, Findings *findings);
/* The same, with the quality checks' options (node, Orphanet's nomenclature). */
int validate_dataset_with(Dataset *d, const Vocabularies *v, const QualityOptions *options, Findings *findings);
/* The same, with each reference to a full id of another node that d lacks set aside in foreign
 * (to be resolved against the Directory: foreign_resolve()) instead of reported as an error. */
int validate_dataset_deferring(Dataset *d, const Vocabularies *v, const QualityOptions *options, ForeignRefs *foreign,
                               Findings *findings);
/* The blocking walk again, after more rows got ROW_HAS_ERROR: ROW_BLOCKED only grows, and what
 * the first walk reported (dangling references, cycles) is not reported again. */
int validate_propagate_blocking(Dataset *d);

/* Whether id matches the table's id_pattern: what regexec() on its id_regex says, found with a
 * character test when the pattern has one of the model's fixed forms. */
bool validate_id_matches(const ModelTable *t, const char *id);

/* The same in parts, for a caller that tests many ids of a table. The model's id patterns have
 * one of two fixed forms (mappings/directory-model.yaml), P and S literals of letters, digits, ':',
 * '_' and '-' (S starting with ':'):
 *   ^P[A-Za-z0-9_]+_[-A-Za-z0-9_:]+$                       most tables
 *   ^P[-A-Za-z0-9_]+_[-A-Za-z0-9_]+S[-A-Za-z0-9_:]+$       Collections
 * For those a character test says exactly what regexec() says (the program keeps the C locale:
 * ranges are bytes), at a twentieth of the cost; any other pattern goes to regexec(). */
typedef enum ValidateIdShape {
        VALIDATE_ID_SHAPE_REGEX,
        VALIDATE_ID_SHAPE_LOCAL,  /* P, then local part and node part */
        VALIDATE_ID_SHAPE_NESTED, /* P, then a parent's local part, S, then the row's own part */
} ValidateIdShape;

typedef struct ValidateIdForm {
        ValidateIdShape shape;
        const char *prefix, *infix;
        size_t prefix_len, infix_len;
} ValidateIdForm;

/* The form of t's id_pattern, worked out once for its rows. */
ValidateIdForm validate_id_form(const ModelTable *t);
/* Whether every character of id is of A-Z, a-z, 0-9, ':', '_', '-' (the server's id rule; bytes, as
 * the C locale's isalnum() says); if so, its length and whether it has an empty segment "::". */
bool validate_id_scan(const char *id, size_t *ret_len, bool *ret_empty_segment);
/* Whether id, of n characters that passed validate_id_scan(), matches t's id_pattern of form. */
bool validate_id_form_matches_scanned(const ModelTable *t, const ValidateIdForm *form, const char *id, size_t n);
