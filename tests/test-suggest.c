/* SPDX-License-Identifier: MIT */
#include "suggest.h"
#include "test.h"

TEST(test_distance_folds_case_and_accents) {
        CHECK_INT(suggest_distance("Sérum", "SERUM"), 0);
        CHECK_INT(suggest_distance("Moëlle", "moelle"), 0);
        CHECK_INT(suggest_distance("material-types", "material_types"), 0);
        CHECK_INT(suggest_distance("descripton", "description"), 1);
        CHECK_INT(suggest_distance("kitten", "sitting"), 3);
        CHECK_INT(suggest_distance("", "abc"), 3);
        char long_word[LIMIT_SUGGEST_BYTES + 8];
        memset(long_word, 'a', sizeof long_word - 1);
        long_word[sizeof long_word - 1] = 0;
        CHECK(suggest_distance(long_word, "a") == SIZE_MAX);
        /* A shared start and end count for nothing. */
        CHECK_INT(suggest_distance("urn:miriam:icd:C5O.9", "urn:miriam:icd:C50.9"), 1);
        CHECK_INT(suggest_distance("urn:miriam:icd:C50", "urn:miriam:icd:C50.9"), 2);
        CHECK_INT(suggest_distance("abcabc", "abc"), 3);
        CHECK_INT(suggest_distance("aXa", "aa"), 1);
}

TEST(test_suggestion_picks_closest_close_enough) {
        static const char *const columns[] = { "name", "acronym", "description", "url", "size", "materials" };
        Suggestion s;
        suggestion_init(&s, "descripton");
        for (size_t i = 0; i < ELEMENTSOF(columns); i++)
                suggestion_offer(&s, columns[i]);
        CHECK_STR(suggestion_best(&s), "description");

        suggestion_init(&s, "Matrials");
        for (size_t i = 0; i < ELEMENTSOF(columns); i++)
                suggestion_offer(&s, columns[i]);
        CHECK_STR(suggestion_best(&s), "materials");

        /* Nothing close: no guess. */
        suggestion_init(&s, "colour");
        for (size_t i = 0; i < ELEMENTSOF(columns); i++)
                suggestion_offer(&s, columns[i]);
        CHECK(suggestion_best(&s) == NULL);

        /* One letter off in a short word is still meant; two are not. */
        suggestion_init(&s, "urk");
        suggestion_offer(&s, "url");
        CHECK_STR(suggestion_best(&s), "url");
        suggestion_init(&s, "uxk");
        suggestion_offer(&s, "url");
        CHECK(suggestion_best(&s) == NULL);

        /* Among many candidates with one start, long ones (labels) in between: the closest, and
         * of two as close the first offered. */
        static const char *const diseases[] = {
                "urn:miriam:icd:C18", "Malignant neoplasm of breast - Malignant neoplasm: Breast, unspecified",
                "urn:miriam:icd:C50.8", "urn:miriam:icd:C50.9", "urn:miriam:icd:C5.9", "ORPHA:558",
        };
        static const struct {
                const char *query, *best;
        } cases[] = {
                { "urn:miriam:icd:C5O.9", "urn:miriam:icd:C50.9" },
                { "urn:miriam:icd:C50.7", "urn:miriam:icd:C50.8" },
                { "malignant neoplasm of breast - malignant neoplasm: breast, unspecifed",
                  "Malignant neoplasm of breast - Malignant neoplasm: Breast, unspecified" },
        };
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                suggestion_init(&s, cases[k].query);
                for (size_t i = 0; i < ELEMENTSOF(diseases); i++)
                        suggestion_offer(&s, diseases[i]);
                CHECK_STR(suggestion_best(&s), cases[k].best);
        }
}

TEST_MAIN(RUN(test_distance_folds_case_and_accents); RUN(test_suggestion_picks_closest_close_enough))
