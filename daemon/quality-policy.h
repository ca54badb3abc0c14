/* SPDX-License-Identifier: MIT */
#pragma once

/* The quality policy (quality.block): which quality errors hold a row back from the push. Errors
 * hold their rows back already (validation's ROW_BLOCKED walk); this decides for quality errors,
 * once the run has the Directory's current rows and the change set. Core code: it marks the
 * changes, the local rows and the findings, and never logs. */

#include "config.h"
#include "diff.h"
#include "quality.h"

/* The Directory's current quality errors of rows, as (table, row id, check id): what `new`
 * tolerates. Collecting them runs the checks on the Directory's rows (errors only: about a third of
 * checking the master), so a run may collect them on another thread while it reads the master (they depend only
 * on remote, v and options, all read-only there). */
typedef struct DirectoryQualityErrors DirectoryQualityErrors;
int directory_quality_errors_collect(const Dataset *remote, const Vocabularies *v, const QualityOptions *options,
                                     DirectoryQualityErrors **ret);
DirectoryQualityErrors *directory_quality_errors_free(DirectoryQualityErrors *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(DirectoryQualityErrors, directory_quality_errors_free);

typedef struct QualityPolicyResult {
        size_t n_held_back;    /* changes held back by a quality error of their own */
        size_t n_held_needing; /* changes held back because they refer to a held-back new row */
        size_t n_tolerated;    /* quality errors of changed rows that the Directory's rows have already */
} QualityPolicyResult;

/* Applies block to changes (the diff of local against remote), and notes for every held-back change
 * why (Change.n_held_by ..., also for errors, also with none):
 *  - new: a quality error of an added or changed row holds it back unless remote (the
 *    Directory's current rows, checked here with the same checks) has the same (table, row id,
 *    check id); such a tolerated finding gets in_directory;
 *  - all: every quality error of an added or changed row holds it back;
 *  - none: nothing is held back by quality.
 * A finding that holds its row back gets holds_back; the change becomes blocked and its local row
 * ROW_BLOCKED (so that the push leaves it out and the verification does not miss it). An added
 * or changed row that refers to a held-back added row (not in the Directory: the server would
 * refuse the reference) is held back too, with needs naming that row; a held-back changed row
 * holds nobody back, as the Directory keeps its current version to refer to. The change set's
 * blocked counts follow. known: remote's errors collected beforehand, or NULL to collect them
 * here when a changed row has a quality error. Returns 0, -ENOMEM, or -E2BIG when findings had to
 * drop quality errors of rows (LIMIT_FINDINGS_ACTED_ON): then no row can be told apart. */
int quality_policy_apply(QualityBlock block, Dataset *local, const Dataset *remote, const Vocabularies *v,
                         const QualityOptions *options, const DirectoryQualityErrors *known, ChangeSet *changes,
                         Findings *findings, QualityPolicyResult *ret);
