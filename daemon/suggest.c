/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <string.h>

#include "suggest.h"

/* Base letters of U+00C0..U+00FF (Latin-1 letters with accents), '?' where there is none. */
static const char latin1_base[64] = "aaaaaaaceeeeiiii"
                                    "dnooooo?ouuuuyts"
                                    "aaaaaaaceeeeiiii"
                                    "dnooooo?ouuuuyty";

/* Lower case, accents off, '_', '-' and ' ' alike (field names mix them); NUL-terminated. Returns
 * the length, or SIZE_MAX when it does not fit. */
static size_t fold(const char *s, char *out, size_t size) {
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (n + 1 >= size)
                        return SIZE_MAX;
                unsigned char c = *p;
                if (c == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
                        c = (unsigned char) latin1_base[p[1] - 0x80];
                        p++;
                } else if (c >= 'A' && c <= 'Z')
                        c = (unsigned char) (c - 'A' + 'a');
                else if (c == '-' || c == ' ')
                        c = '_';
                out[n++] = (char) c;
        }
        out[n] = 0;
        return n;
}

/* Levenshtein distance with one row of LIMIT_SUGGEST_BYTES cells; some value above bound as soon
 * as a whole row is above it (a row's minimum never falls), so that the 47,000 ids and labels of
 * DiseaseTypes cost little each. */
static size_t distance_folded(const char *a, size_t na, const char *b, size_t nb, size_t bound) {
        /* A common start and end change nothing ("urn:miriam:icd:" of every ICD-10 id). */
        while (na > 0 && nb > 0 && *a == *b)
                a++, b++, na--, nb--;
        while (na > 0 && nb > 0 && a[na - 1] == b[nb - 1])
                na--, nb--;
        size_t row[LIMIT_SUGGEST_BYTES + 1];
        for (size_t j = 0; j <= nb; j++)
                row[j] = j;
        for (size_t i = 1; i <= na; i++) {
                size_t diagonal = row[0];
                row[0] = i;
                size_t lowest = row[0];
                for (size_t j = 1; j <= nb; j++) {
                        size_t up = row[j];
                        size_t best = diagonal + (a[i - 1] != b[j - 1]);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        diagonal = up;
                        if (best < lowest)
                                lowest = best;
                }
                if (lowest > bound)
                        return lowest;
        }
        return row[nb];
}

size_t suggest_distance(const char *a, const char *b) {
        char fa[LIMIT_SUGGEST_BYTES], fb[LIMIT_SUGGEST_BYTES];
        size_t na = fold(a, fa, sizeof fa), nb = fold(b, fb, sizeof fb);
        if (na == SIZE_MAX || nb == SIZE_MAX)
                return SIZE_MAX;
        return distance_folded(fa, na, fb, nb, SIZE_MAX);
}

/* The largest distance suggestion_best() accepts. */
static size_t allowed_distance(const Suggestion *s) {
        return s->query_len / 3 > 1 ? s->query_len / 3 : 1;
}

void suggestion_init(Suggestion *s, const char *query) {
        *s = (Suggestion) { .best_distance = SIZE_MAX };
        s->query_len = fold(query, s->query, sizeof s->query);
        s->usable = s->query_len != SIZE_MAX && s->query_len > 0;
        if (s->usable)
                s->best_distance = allowed_distance(s) + 1; /* what is farther is never suggested */
}

void suggestion_offer(Suggestion *s, const char *candidate) {
        if (!s->usable || !candidate)
                return;
        char folded[LIMIT_SUGGEST_BYTES];
        /* Folding stops where the candidate grows too long to beat the best (long labels). */
        size_t room = s->query_len + s->best_distance + 1;
        size_t n = fold(candidate, folded, room < sizeof folded ? room : sizeof folded);
        if (n == SIZE_MAX || n == 0)
                return;
        /* A length gap larger than the best distance so far cannot beat it. */
        size_t gap = n > s->query_len ? n - s->query_len : s->query_len - n;
        if (gap >= s->best_distance)
                return;
        size_t d = distance_folded(s->query, s->query_len, folded, n, s->best_distance);
        if (d < s->best_distance) {
                s->best = candidate;
                s->best_distance = d;
        }
}

const char *suggestion_best(const Suggestion *s) {
        return s->best && s->best_distance <= allowed_distance(s) ? s->best : NULL;
}
