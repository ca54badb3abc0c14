/* SPDX-License-Identifier: MIT */
#pragma once

/* "Did you mean": the candidate closest to what was written, compared without case and accents
 * ("Sérum" = "serum") by edit distance, when it is close enough to be meant (at most a third of
 * the word's letters, at least one, wrong). Core code, no allocation. */

#include <stdbool.h>
#include <stddef.h>

#include "limits.h"

typedef struct Suggestion {
        char query[LIMIT_SUGGEST_BYTES]; /* folded */
        size_t query_len;
        bool usable;                     /* the query was short enough to compare */
        const char *best;                /* the candidate as offered (not copied) */
        size_t best_distance;
} Suggestion;

void suggestion_init(Suggestion *s, const char *query);
/* Considers a candidate; it must outlive the suggestion. An exact match (after folding) wins. */
void suggestion_offer(Suggestion *s, const char *candidate);
/* The closest candidate that is close enough, or NULL. */
const char *suggestion_best(const Suggestion *s);

/* Edit distance of two strings after folding (exposed for tests); SIZE_MAX when either is longer
 * than LIMIT_SUGGEST_BYTES. */
size_t suggest_distance(const char *a, const char *b);
