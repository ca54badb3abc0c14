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
