/* SPDX-License-Identifier: MIT */
#include <ctype.h>

#include "quality-internal.h"
#include "test-pipeline.h"

#define COLL "bbmri-eric:ID:BE_UZA:collection:oncology"

/* Every check in the catalogue: a well-formed id (PREFIX:Name) met once, a quality level, a table
 * of the model, and text for people. */
TEST(test_catalogue) {
        _cleanup_(model_freep) Model *model = NULL;
        Findings findings;
        findings_init(&findings);
        CHECK_INT(model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &model, &findings), 0);
        size_t n = quality_check_count();
        CHECK(n >= 2);
        for (size_t i = 0; i < n; i++) {
                const QualityCheckInfo *c = quality_check_at(i);
                CHECK(c != NULL);
                if (!c)
                        continue;
                const char *colon = strchr(c->id, ':');
                CHECK(colon && colon > c->id && colon[1] && isupper((unsigned char) colon[1]));
                CHECK(severity_is_quality(c->level));
                CHECK(model && model_table_index(model, c->table) >= 0);
                CHECK(c->summary && strlen(c->summary) > 10);
                CHECK(c->fix && strlen(c->fix) > 10);
                CHECK(quality_check_info(c->id) == c); /* ids are unique */
        }
        CHECK(quality_check_at(n) == NULL);
        CHECK(quality_check_info("CC:NoSuchCheck") == NULL);
        /* The order in which threads take the families holds each family once. */
        size_t families = quality_family_count();
        CHECK(families >= 10);
        _cleanup_free_ bool *taken = calloc(families, sizeof(bool));
        CHECK(taken != NULL);
        for (size_t k = 0; taken && k < families; k++) {
                size_t f = quality_family_by_cost(k);
                CHECK(f < families && !taken[f]);
                if (f < families)
                        taken[f] = true;
        }
        CHECK(quality_family_by_cost(families) == SIZE_MAX);
        findings_done(&findings);
}

TEST(test_existence) {
        pipeline_expect(NULL, "", "CEX:NoCollections", false, NULL, NULL);
        pipeline_expect(NULL,
                        "  - id: EMPTY\n    name: Empty biobank\n    description: A biobank without any collection at all\n"
                        "    juridical_person: Somebody\n    country: BE\n    contact: contact\n",
                        "CEX:NoCollections", true, "Biobanks", "bbmri-eric:ID:BE_EMPTY");
        pipeline_expect(NULL, "", "OC:Orphan", false, NULL, NULL);
        pipeline_expect(NULL, "collections:\n  - id: \"bbmri-eric:ID:BE_GHOST:collection:c\"\n    biobank: GHOST\n",
                        "OC:Orphan", true, "Collections", "bbmri-eric:ID:BE_GHOST:collection:c");
}

/* Many collections: each one's biobank is looked up (ahead, in bulk) and found; the one biobank
 * without a collection, in the middle, is the only one reported. */
TEST(test_existence_many) {
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        CHECK(out != NULL);
        for (unsigned i = 0; i < 40; i++) {
                fprintf(out,
                        "  - id: B%u\n    name: Biobank %u\n    description: One of forty biobanks of the node\n"
                        "    juridical_person: Somebody\n    country: BE\n    contact: contact\n",
                        i, i);
                if (i != 20)
                        fprintf(out,
                                "    collections:\n      - id: c\n        name: C\n        description: A collection of "
                                "biobank %u\n        type: [Other]\n        data_categories: [Survey data]\n"
                                "        size: 100\n",
                                i);
        }
        CHECK(fclose(out) == 0);
        _cleanup_free_ char *master = pipeline_variant(NULL, text);
        free(text);
        Pipeline p;
        pipeline_run(&p, master, true);
        size_t n = 0;
        for (size_t i = 0; i < p.findings.n_items; i++)
                if (streq_ptr(p.findings.items[i].code, "CEX:NoCollections")) {
                        n++;
                        CHECK_STR(p.findings.items[i].id, "bbmri-eric:ID:BE_B20");
                }
        CHECK_INT(n, 1);
        pipeline_done(&p);
}

/* Findings of the quality checks have their kind and are counted apart from errors. */
TEST(test_kinds_counted_apart) {
        _cleanup_free_ char *text = pipeline_variant(
                NULL, "  - id: EMPTY\n    name: Empty biobank\n    description: A biobank without any collection at all\n"
                      "    juridical_person: Somebody\n    country: BE\n    contact: contact\n");
        Pipeline p;
        pipeline_run(&p, text, true);
        const Finding *f = pipeline_finding(&p, "CEX:NoCollections");
        CHECK(f && f->severity == SEVERITY_QUALITY_ERROR);
        CHECK_STR(severity_to_string(SEVERITY_QUALITY_ERROR), "quality error");
        CHECK_INT(p.findings.n_errors, 0);
        CHECK(p.findings.n_quality_errors >= 1);
        /* a quality error does not mark the row: the policy decides */
        int t = model_table_index(p.model, "Biobanks");
        Row *row = p.dataset ? dataset_find(p.dataset, (size_t) t, "bbmri-eric:ID:BE_EMPTY") : NULL;
        CHECK(row && !(row->flags & (ROW_HAS_ERROR | ROW_BLOCKED)));
        pipeline_done(&p);
}

/* A whole number as strtoll reads it, the whole cell: the digits read directly and the rest alike. */
TEST(test_parse_int) {
        static const struct {
                const char *s;
                bool ok;
                long long v;
        } cases[] = {
                { "0", true, 0 },
                { "-0", true, 0 },
                { "42", true, 42 },
                { "-42", true, -42 },
                { "007", true, 7 },
                { "123456789012345678", true, 123456789012345678LL },
                { "-123456789012345678", true, -123456789012345678LL },
                { "1234567890123456789", true, 1234567890123456789LL },
                { "9223372036854775807", true, 9223372036854775807LL },
                { "-9223372036854775808", true, -9223372036854775807LL - 1 },
                { "9223372036854775808", false, 0 },
                { " 5", true, 5 },
                { "+5", true, 5 },
                { "5 ", false, 0 },
                { "-", false, 0 },
                { "--5", false, 0 },
                { "1e3", false, 0 },
                { "12.5", false, 0 },
                { "", false, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                long long v = -1;
                bool ok = quality_parse_int(cases[i].s, &v);
                if (ok != cases[i].ok || (ok && v != cases[i].v))
                        fprintf(stderr, "'%s': %d %lld\n", cases[i].s, ok, v);
                CHECK(ok == cases[i].ok);
                CHECK(!ok ? v == -1 : v == cases[i].v);
        }
        long long v = -1;
        CHECK(!quality_parse_int(NULL, &v) && v == -1);
}

/* A list cell's items, told in place, as dataset_list_next() yields them. */
TEST(test_list_has) {
        static const char *const cells[] = {
                "A", "AB", "A\x1f" "B", "AB\x1f" "B", "B\x1f" "A", "A\x1f", "\x1f" "A", "B\x1f\x1f" "A", "", "BA\x1f" "AB",
        };
        static const char *const items[] = { "A", "B", "AB", "BA", "" };
        for (size_t i = 0; i < ELEMENTSOF(cells); i++)
                for (size_t k = 0; k < ELEMENTSOF(items); k++) {
                        bool want = false;
                        const char *state = cells[i], *it;
                        size_t n;
                        while (dataset_list_next(&state, &it, &n))
                                want = want || (n == strlen(items[k]) && memcmp(it, items[k], n) == 0);
                        CHECK(quality_list_has(cells[i], items[k]) == want);
                }
        CHECK(!quality_list_has(NULL, "A"));
        CHECK(quality_list_has("B\x1f\x1f" "A", ""));
}

TEST_MAIN(RUN(test_list_has); RUN(test_catalogue); RUN(test_existence); RUN(test_existence_many); RUN(test_kinds_counted_apart); RUN(test_parse_int))
