/* SPDX-License-Identifier: MIT */
#include "test-pipeline.h"

#define COLL "bbmri-eric:ID:BE_UZA:collection:oncology"

#define variant pipeline_variant

TEST(test_valid_master) {
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, true);
        CHECK_INT(p.findings.n_errors, 0);
        CHECK_INT(p.findings.n_warnings, 0);
        for (size_t t = 0; p.dataset && t < p.model->n_tables; t++)
                for (size_t i = 0; i < p.dataset->tables[t].n_rows; i++)
                        CHECK(!(p.dataset->tables[t].rows[i]->flags & ROW_BLOCKED));
        pipeline_done(&p);
}

TEST(test_rules) {
        static const struct {
                const char *from, *to, *code;
                Severity severity;
                const char *table, *id, *column;
        } cases[] = {
                { "    email: biobank@uza.be\n", "", "required", SEVERITY_ERROR, "Persons", "bbmri-eric:contactID:BE_contact", NULL },
                { "biobank@uza.be", "biobank at uza", "EmailInvalid", SEVERITY_ERROR, "Persons", "bbmri-eric:contactID:BE_contact", "email" },
                { "biobank@uza.be", "biobank@example.org", "CTF:EmailPlaceholder", SEVERITY_QUALITY_ERROR, "Persons", "bbmri-eric:contactID:BE_contact", "email" },
                { "    country: BE\nnetworks", "    country: BE\n    phone: \"+32 3 821\"\nnetworks", "CTF:PhoneInvalid", SEVERITY_QUALITY_ERROR, "Persons", "bbmri-eric:contactID:BE_contact", "phone" },
                { "    first_name: An\n", "", "CTF:FirstNameMissing", SEVERITY_QUALITY_WARNING, "Persons", "bbmri-eric:contactID:BE_contact", NULL },
                { "  - id: UZA\n", "  - id: \"bbmri-eric:ID:BE_UZ A\"\n", "VID:BBCharsInvalid", SEVERITY_ERROR, "Biobanks", "bbmri-eric:ID:BE_UZ A", "id" },
                { "  - id: UZA\n", "  - id: \"bbmri-eric:contactID:BE_UZA\"\n", "id-pattern", SEVERITY_ERROR, "Biobanks", "bbmri-eric:contactID:BE_UZA", "id" },
                { "  - id: UZA\n", "  - id: \"bbmri-eric:ID:NL_UZA\"\n", "id-node", SEVERITY_ERROR, "Biobanks", "bbmri-eric:ID:NL_UZA", "id" },
                { "    network: [bbmri-be]\n", "    network: [nowhere]\n", "dangling-reference", SEVERITY_ERROR, "Biobanks", "bbmri-eric:ID:BE_UZA", "network" },
                { "    latitude: \"51.1557\"\n", "    latitude: \"51,1557\"\n    longitude: \"4.4139\"\n", "BG:BBLatInvalid", SEVERITY_QUALITY_ERROR, "Biobanks", "bbmri-eric:ID:BE_UZA", "latitude" },
                { "    latitude: \"51.1557\"\n", "    latitude: \"151.5\"\n    longitude: \"4.4139\"\n", "BG:BBLatInvalid", SEVERITY_QUALITY_ERROR, "Biobanks", "bbmri-eric:ID:BE_UZA", "latitude" },
                { "Universitair Ziekenhuis Antwerpen", "unknown", "BBF:JuridicalInvalid", SEVERITY_QUALITY_ERROR, "Biobanks", "bbmri-eric:ID:BE_UZA", "juridical_person" },
                { "    collections:\n", "    url: ftp://uza.be\n    collections:\n", "URLInvalid", SEVERITY_ERROR, "Biobanks", "bbmri-eric:ID:BE_UZA", "url" },
                { "Hospital biobank of the Antwerp University Hospital", "To be provided", "SE:BBDescPlaceholder", SEVERITY_QUALITY_WARNING, "Biobanks", "bbmri-eric:ID:BE_UZA", "description" },
                { "Hospital biobank of the Antwerp University Hospital", "Biobank", "SE:BBDescShort", SEVERITY_QUALITY_WARNING, "Biobanks", "bbmri-eric:ID:BE_UZA", "description" },
                { "        type: [Disease specific]\n", "", "CC:TypeMissing", SEVERITY_QUALITY_ERROR, "Collections", COLL, NULL },
                { "        diagnosis_available: [C50.9]\n", "", "CC:DiagMissingDisease", SEVERITY_QUALITY_ERROR, "Collections", COLL, "type" },
                { "[C50.9]", "[C50-C52]", "CC:DiagRange", SEVERITY_ERROR, "Collections", COLL, "diagnosis_available" },
                { "[C50.9]", "[Z99.99.9]", "unmapped-value", SEVERITY_ERROR, "Collections", COLL, "diagnosis_available" },
                { "        materials: [Serum]\n", "", "CC:MaterialsMissing", SEVERITY_QUALITY_ERROR, "Collections", COLL, "data_categories" },
                { "[Biological samples, Medical records]", "[Medical records]", "CC:SampleCatMismatch", SEVERITY_QUALITY_ERROR, "Collections", COLL, "materials" },
                { "        size: 12000\n", "        size: 12000\n        order_of_magnitude: 2\n", "CC:SizeOoMMismatch", SEVERITY_QUALITY_ERROR, "Collections", COLL, "size" },
                { "        age_low: 18\n", "        age_low: 95\n", "CC:AgeRangeInverted", SEVERITY_QUALITY_ERROR, "Collections", COLL, "age_low" },
                { "        age_low: 18\n", "        age_low: -5\n", "CC:AgeLowBelowMin", SEVERITY_QUALITY_ERROR, "Collections", COLL, "age_low" },
                { "        age_unit: year\n", "", "CC:AgeUnitMissing", SEVERITY_QUALITY_ERROR, "Collections", COLL, "age_low" },
                { "        age_low: 18\n", "        age_low: 90\n", "CC:AgeRangePoint", SEVERITY_QUALITY_INFO, "Collections", COLL, "age_low" },
                { "    collections:\n      - id: oncology\n", "    collections:\n      - id: oncology\n        latitude: \"51.2\"\n        longitude: \"3,7\"\n", "BG:CollLonInvalid", SEVERITY_QUALITY_ERROR, "Collections", COLL, "longitude" },
                { NULL, "      - id: sub\n        name: Sub\n        description: A sub-collection bigger than its parent\n"
                        "        type: [Disease specific]\n        data_categories: [Biological samples, Medical records]\n"
                        "        materials: [Serum]\n        size: 20000\n        diagnosis_available: [C50.9]\n"
                        "        parent_collection: oncology\n",
                  "CP:SizeOver", SEVERITY_QUALITY_ERROR, "Collections", COLL, "size" },
                { NULL, "collection_facts:\n  - id: f\n    collection: \"" COLL "\"\n    number_of_donors: 4\n    last_update: 2026-01-15\n",
                  "FT:KAnonViolation", SEVERITY_QUALITY_WARNING, "Collections", COLL, NULL },
                { NULL, "  - id: EMPTY\n    name: Empty biobank\n    description: A biobank without any collection at all\n"
                        "    juridical_person: Somebody\n    country: BE\n    contact: contact\n",
                  "CEX:NoCollections", SEVERITY_QUALITY_ERROR, "Biobanks", "bbmri-eric:ID:BE_EMPTY", NULL },
                { NULL, "collections:\n  - id: \"bbmri-eric:ID:BE_GHOST:collection:c\"\n    biobank: GHOST\n",
                  "OC:Orphan", SEVERITY_QUALITY_ERROR, "Collections", "bbmri-eric:ID:BE_GHOST:collection:c", "biobank" },
                { NULL, "        parent_collection: loop\n      - id: loop\n        name: Loop\n        description: Part of a loop of parents\n"
                        "        type: [Other]\n        parent_collection: oncology\n",
                  "reference-cycle", SEVERITY_ERROR, "Collections", NULL, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = variant(cases[i].from, cases[i].to);
                CHECK(text != NULL);
                if (!text)
                        continue;
                Pipeline p;
                pipeline_run(&p, text, true);
                const Finding *f = pipeline_finding(&p, cases[i].code);
                if (!f)
                        fprintf(stderr, "case %zu: no finding %s\n", i, cases[i].code);
                CHECK(f != NULL);
                if (f) {
                        CHECK_INT(f->severity, cases[i].severity);
                        CHECK_STR(f->table, cases[i].table);
                        if (cases[i].id)
                                CHECK_STR(f->id, cases[i].id);
                        if (cases[i].column)
                                CHECK_STR(f->column, cases[i].column);
                }
                pipeline_done(&p);
        }
}

TEST(test_blocking) {
        /* The biobank's contact is missing: the biobank has an error, its collection, sub-collection
         * and facts are blocked with it; the other biobank and its collection are not. */
        static const char extra[] =
                "        collections:\n"
                "          - id: sub\n"
                "            name: Sub\n"
                "            description: Part of the oncology collection\n"
                "            type: [Other]\n"
                "            facts: [{id: f1, last_update: 2026-01-15}]\n"
                "  - id: OTHER\n"
                "    name: Other biobank\n"
                "    description: Another biobank of the same node\n"
                "    juridical_person: Somebody\n"
                "    country: BE\n"
                "    contact: contact\n"
                "    collections:\n"
                "      - id: c\n"
                "        name: C\n"
                "        description: A collection of the other biobank\n"
                "        type: [Other]\n"
                "        data_categories: [Survey data]\n"
                "        size: 100\n";
        _cleanup_free_ char *base = variant("    contact: contact\n    network", "    network");
        _cleanup_free_ char *text = strdup_printf("%s%s", base, extra);
        Pipeline p;
        pipeline_run(&p, text, true);
        CHECK(pipeline_finding(&p, "required") != NULL);
        static const struct {
                const char *table, *id;
                bool blocked;
        } rows[] = {
                { "Biobanks", "bbmri-eric:ID:BE_UZA", true },
                { "Collections", COLL, true },
                { "Collections", "bbmri-eric:ID:BE_UZA:collection:sub", true },
                { "CollectionFacts", "bbmri-eric:factID:BE_f1", true },
                { "Biobanks", "bbmri-eric:ID:BE_OTHER", false },
                { "Collections", "bbmri-eric:ID:BE_OTHER:collection:c", false },
                { "Persons", "bbmri-eric:contactID:BE_contact", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                int t = model_table_index(p.model, rows[i].table);
                Row *r = p.dataset ? dataset_find(p.dataset, (size_t) t, rows[i].id) : NULL;
                CHECK(r != NULL);
                if (r && !!(r->flags & ROW_BLOCKED) != rows[i].blocked)
                        fprintf(stderr, "%s %s: blocked %d\n", rows[i].table, rows[i].id, !!(r->flags & ROW_BLOCKED));
                CHECK(r && !!(r->flags & ROW_BLOCKED) == rows[i].blocked);
        }
        pipeline_done(&p);
}

TEST(test_findings_order) {
        /* The quality checks and the reference walk run alongside the rules; their findings still
         * come as in sequence: the rules', the quality checks', the walk's (dangling-reference). */
        _cleanup_free_ char *base = variant("    network: [bbmri-be]\n", "    network: [nowhere]\n    url: ftp://uza.be\n");
        /* quality findings of both parts: the fields' family (a short description) and the texts'
         * (FFPE in a description, not in the materials) */
        _cleanup_free_ char *shorter = pipeline_variant_of(base, "Hospital biobank of the Antwerp University Hospital", "Biobank");
        _cleanup_free_ char *text = pipeline_variant_of(shorter, "Tumour and matched normal tissue from surgery",
                                                        "Tumour tissue from surgery, kept as FFPE blocks");
        Pipeline p;
        pipeline_run(&p, text, true);
        ssize_t last_rule = -1, first_quality = -1, last_quality = -1, walk = -1;
        for (size_t i = 0; i < p.findings.n_items; i++) {
                const Finding *f = &p.findings.items[i];
                bool quality = f->severity == SEVERITY_QUALITY_ERROR || f->severity == SEVERITY_QUALITY_WARNING ||
                               f->severity == SEVERITY_QUALITY_INFO;
                if (streq_ptr(f->code, "dangling-reference"))
                        walk = (ssize_t) i;
                else if (quality) {
                        if (first_quality < 0)
                                first_quality = (ssize_t) i;
                        last_quality = (ssize_t) i;
                } else if (streq_ptr(f->code, "URLInvalid"))
                        last_rule = (ssize_t) i;
        }
        CHECK(last_rule >= 0);
        CHECK(first_quality >= 0);
        CHECK(walk >= 0);
        CHECK(last_rule < first_quality);
        CHECK(last_quality < walk);
        CHECK(pipeline_finding(&p, "SE:BBDescShort") != NULL);
        CHECK(pipeline_finding(&p, "TXT:FFPEMaterial") != NULL);
        /* Their parts ran on two threads; together they are the checks' findings in sequence. */
        Findings alone;
        findings_init(&alone);
        CHECK_INT(quality_check_dataset(p.dataset, p.vocab, &(QualityOptions) { .node = "BE" }, &alone), 0);
        CHECK_INT(alone.n_items, (size_t) (last_quality - first_quality + 1));
        for (size_t i = 0; i < alone.n_items && first_quality + (ssize_t) i <= last_quality; i++) {
                const Finding *a = &alone.items[i], *b = &p.findings.items[first_quality + (ssize_t) i];
                CHECK(streq_ptr(a->code, b->code) && streq_ptr(a->id, b->id) && streq_ptr(a->message, b->message));
        }
        findings_done(&alone);
        pipeline_done(&p);
}

TEST(test_many_references) {
        /* Enough facts that the walk looks ahead over many rows, naming 20 collections in turn by
         * ids too long to share one copy (so that every fact is looked up): every seventh names a
         * collection the master lacks, and exactly those are reported and blocked. */
#define LONG_COLL "cohort-with-a-local-identifier-long-enough-not-to-be-shared-"
        _cleanup_free_ char *colls = strdup("    collections:\n");
        _cleanup_free_ char *facts = strdup("collection_facts:\n");
        for (unsigned i = 0; colls && i < 20; i++) {
                char *more = strdup_printf("%s      - {id: " LONG_COLL "%u, name: C%u, description: Collection %u, "
                                           "type: [Other], data_categories: [Survey data], size: 100}\n",
                                           colls, i, i, i);
                free(colls);
                colls = more;
        }
        size_t n_dangling = 0;
        for (unsigned i = 0; facts && i < 300; i++) {
                bool dangling = i % 7 == 3;
                n_dangling += dangling;
                char *more = strdup_printf("%s  - {id: m%u, collection: \"bbmri-eric:ID:BE_UZA:collection:%s%u\", "
                                           "last_update: 2026-01-15}\n",
                                           facts, i, dangling ? "gone" : LONG_COLL, dangling ? i : i % 20);
                free(facts);
                facts = more;
        }
        CHECK(colls && facts);
        _cleanup_free_ char *with_colls = variant("    collections:\n", colls ?: "");
        _cleanup_free_ char *text = strdup_printf("%s%s", with_colls ?: "", facts ?: "");
        Pipeline p;
        pipeline_run(&p, text, true);
        size_t n_reported = 0;
        for (size_t i = 0; i < p.findings.n_items; i++) {
                const Finding *f = &p.findings.items[i];
                if (!streq_ptr(f->code, "dangling-reference"))
                        continue;
                n_reported++;
                unsigned k = 0;
                CHECK(f->id && sscanf(f->id, "bbmri-eric:factID:BE_m%u", &k) == 1 && k % 7 == 3);
        }
        CHECK_INT(n_reported, n_dangling);
        CHECK_INT(p.findings.n_errors, n_dangling);
        int t = model_table_index(p.model, "CollectionFacts");
        for (unsigned i = 0; p.dataset && i < 300; i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:factID:BE_m%u", i);
                Row *r = dataset_find(p.dataset, (size_t) t, id);
                CHECK(r != NULL);
                CHECK(r && !!(r->flags & ROW_BLOCKED) == (i % 7 == 3));
        }
        pipeline_done(&p);
#undef LONG_COLL
}

/* The number of findings with this code, of any kind. */
static size_t count_code(const Pipeline *p, const char *code) {
        size_t n = 0;
        for (size_t i = 0; i < p->findings.n_items; i++)
                n += streq_ptr(p->findings.items[i].code, code);
        return n;
}

TEST(test_lookup_tables) {
        /* With the built-in DiseaseTypes, a term known only to the full table is accepted: a
         * label, or a range the Directory keeps as a term... */
        _cleanup_free_ char *label = variant("[C50.9]", "[Kikuchi-Fujimoto disease, C00-C14]");
        Pipeline p;
        pipeline_run(&p, label, true);
        CHECK_INT(p.findings.n_errors, 0);
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "diagnosis_available"), "ORPHA:50918\x1f" "urn:miriam:icd:C00-C14");
        /* ... which is one CC:DiagRange, a quality error, and no unknown term. */
        CHECK_INT(count_code(&p, "CC:DiagRange"), 1);
        const Finding *f = pipeline_finding(&p, "CC:DiagRange");
        CHECK(f && f->severity == SEVERITY_QUALITY_ERROR);
        pipeline_done(&p);

        /* A range the Directory lacks: one CC:DiagRange, of kind error, and nothing else about it. */
        _cleanup_free_ char *range = variant("[C50.9]", "[C50.9, C50-C52]");
        pipeline_run(&p, range, true);
        CHECK_INT(count_code(&p, "CC:DiagRange"), 1);
        f = pipeline_finding(&p, "CC:DiagRange");
        CHECK(f && f->severity == SEVERITY_ERROR);
        CHECK_INT(p.findings.n_errors, 1);
        CHECK(!pipeline_finding(&p, "unmapped-value") && !pipeline_finding(&p, "vocabulary"));
        pipeline_done(&p);

        /* Well-formed codes the Directory does not have are refused, the closest term named. */
        _cleanup_free_ char *wrong = variant("[C50.9]", "[C5O.9]");
        pipeline_run(&p, wrong, true);
        f = pipeline_finding(&p, "unmapped-value");
        CHECK(f && f->severity == SEVERITY_ERROR);
        if (f)
                CHECK_CONTAINS(f->message, "closest: 'urn:miriam:icd:C50.9'");
        pipeline_done(&p);
        static const char *const unknown[] = { "[A90]", "[C99.1]", "[ORPHA:12345]" };
        for (size_t i = 0; i < ELEMENTSOF(unknown); i++) {
                _cleanup_free_ char *text = variant("[C50.9]", unknown[i]);
                pipeline_run(&p, text, true);
                CHECK_INT(count_code(&p, "unmapped-value"), 1);
                pipeline_done(&p);
        }

        /* The fact sheets' '*' (any) in each of its columns. */
        _cleanup_free_ char *facts = variant(NULL,
                "        facts:\n"
                "          - {id: f0, sex: \"*\", age_range: \"*\", sample_type: \"*\", disease: \"*\", number_of_samples: 12000, "
                "number_of_donors: 500, last_update: 2026-01-15}\n"
                "          - {id: f1, sex: Female, age_range: \"*\", sample_type: Serum, disease: C50.9, number_of_samples: 100, "
                "number_of_donors: 50, last_update: 2026-01-15}\n");
        pipeline_run(&p, facts, true);
        CHECK_INT(p.findings.n_errors, 0);
        CHECK_INT(p.findings.n_warnings, 0);
        static const char *const columns[] = { "sex", "age_range", "sample_type", "disease" };
        for (size_t i = 0; i < ELEMENTSOF(columns); i++)
                CHECK_STR(pipeline_cell(&p, "CollectionFacts", "bbmri-eric:factID:BE_f0", columns[i]),
                          "*");
        /* The model says so (any: true), so '*' stays valid there with copies of the tables that
         * lack it. */
        static const char *const tables[] = { "SexTypes", "AgeRanges", "MaterialTypes", "DiseaseTypes" };
        static const char *const copies[] = { "name\nFEMALE\n", "name\nAdult\n", "name\nSERUM\n",
                                              "name\nurn:miriam:icd:C50.9\n" };
        for (size_t i = 0; i < ELEMENTSOF(tables); i++)
                CHECK_INT(vocab_load_csv(p.vocab, tables[i], copies[i], strlen(copies[i]), "copy.csv", &p.findings), 0);
        Findings again;
        findings_init(&again);
        Dataset *d = NULL;
        CHECK_INT(mapping_apply(p.mapping, p.model, p.vocab, "BE", p.records, &d, &again), 0);
        if (d)
                CHECK_INT(validate_dataset(d, p.vocab, "BE", &again), 0);
        CHECK_INT(again.n_errors, 0);
        findings_done(&again);
        dataset_free(d); /* before the model it uses */
        pipeline_done(&p);

        /* Elsewhere '*' is a warning: a collection lists what it has. */
        _cleanup_free_ char *any = variant("[Serum]", "[Serum, \"*\"]");
        pipeline_run(&p, any, true);
        CHECK_INT(p.findings.n_errors, 0);
        CHECK_INT(count_code(&p, "any-value"), 1);
        f = pipeline_finding(&p, "any-value");
        CHECK(f && f->severity == SEVERITY_WARNING && streq_ptr(f->column, "materials"));
        pipeline_done(&p);
}

/* The character test of an id against the model's patterns says what regexec() says, on ids
 * next to every edge of the two forms (and on a pattern of neither form, which is regexec()'s). */
TEST(test_id_patterns) {
        Findings f;
        findings_init(&f);
        _cleanup_(model_freep) Model *m = NULL;
        CHECK_INT(model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &m, &f), 0);
        static const char *const tails[] = {
                "BE_x", "BE_", "_x", "B_x", "BE__x", "BE_x:y", "BE_x:", "BE:x_y", "BE-x_y", "BE_x-y", "BE_-",
                "B-E_x", "_", "", "BE_x:collection:c", "BE_x:collection:", "BE_x:collection:c:d",
                "BE_x_y:collection:c-d_e", "BE_:collection:c", "_x:collection:c", "B_x:collectionc",
                "BE_x::collection:c", "BE_x:collection::", "BE x", "BE_x\xc3\xa9", "BE_x:Collection:c",
        };
        size_t checked = 0, matched = 0;
        for (size_t t = 0; m && t < m->n_tables; t++) {
                const ModelTable *mt = &m->tables[t];
                const char *open = strchr(mt->id_pattern, '[');
                CHECK(open != NULL);
                for (size_t i = 0; open && i < ELEMENTSOF(tails); i++)
                        for (int cut = 0; cut < 2; cut++) {
                                /* The table's own prefix, and one a character short. */
                                _cleanup_free_ char *id = strdup_printf(
                                        "%.*s%s", (int) (open - mt->id_pattern - 1 - cut), mt->id_pattern + 1, tails[i]);
                                bool want = regexec(&mt->id_regex, id, 0, NULL, 0) == 0;
                                if (validate_id_matches(mt, id) != want)
                                        fprintf(stderr, "%s: '%s' should %smatch\n", mt->name, id, want ? "" : "not ");
                                CHECK(validate_id_matches(mt, id) == want);
                                checked++;
                                matched += want;
                        }
        }
        CHECK(checked > 300);
        CHECK(matched > 20);
        /* Another form: regexec() decides. */
        ModelTable other = { .id_pattern = (char *) "^x(a|b)+$" };
        CHECK_INT(regcomp(&other.id_regex, other.id_pattern, REG_EXTENDED | REG_NOSUB), 0);
        CHECK(validate_id_matches(&other, "xab"));
        CHECK(!validate_id_matches(&other, "xc"));
        regfree(&other.id_regex);
        findings_done(&f);
}

/* The rules on cells and ids set in the dataset directly (the mapping refuses most bad values
 * before): whole numbers as strtoll() reads them, told apart quickly when plain, and the node code
 * of an id where it is. */
TEST(test_counts_and_nodes) {
        static const struct {
                const char *value;
                bool good;
        } counts[] = {
                { "12", true },   { "007", true },    { "123456789012345678", true }, { "1234567890123456789", true },
                { "-5", true },   { "+5", true },     { " 5", true },                 { "99999999999999999999", false },
                { "5 ", false },  { "1x", false },    { "x", false },                 { "1x", false },
                { "0", true },    { "-", false },
        };
        static const struct {
                const char *table, *id;
                bool wrong_node;
        } ids[] = {
                { "Persons", "bbmri-eric:contactID:EU_x", false },  { "Persons", "bbmri-eric:contactID:EXT_x", false },
                { "Persons", "bbmri-eric:contactID:NL_x", true },   { "Biobanks", "bbmri-eric:ID:EU_x", true },
                { "Biobanks", "bbmri-eric:ID:BEX_x", true },        { "Biobanks", "bbmri-eric:ID:B_x", true },
                { "Biobanks", "bbmri-eric:ID:ABCDEFGHIJKLMNOP_x", false }, { "Biobanks", "bbmri-eric:ID:BE_y", false },
                { "Biobanks", "bbmri-eric:ID:ABCDEFGHIJKLMNO_x", true },
        };
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, false);
        CHECK(p.dataset != NULL);
        if (!p.dataset) {
                pipeline_done(&p);
                return;
        }
        int facts = model_table_index(p.model, "CollectionFacts");
        const ModelTable *ft = &p.model->tables[facts];
        int samples = model_column_index(ft, "number_of_samples");
        CHECK(facts >= 0 && samples >= 0);
        for (size_t i = 0; i < ELEMENTSOF(counts); i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:factID:BE_count%zu", i);
                Row *row = NULL;
                CHECK_INT(dataset_add_row(p.dataset, (size_t) facts, id, NULL, &row), 0);
                CHECK_INT(dataset_set(p.dataset, row, (size_t) facts, (size_t) samples, counts[i].value, NULL), 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                Row *row = NULL;
                CHECK_INT(dataset_add_row(p.dataset, (size_t) model_table_index(p.model, ids[i].table), ids[i].id, NULL,
                                          &row), 0);
        }
        CHECK_INT(validate_dataset(p.dataset, p.vocab, "BE", &p.findings), 0);
        for (size_t i = 0; i < ELEMENTSOF(counts); i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:factID:BE_count%zu", i);
                size_t n = 0;
                for (size_t k = 0; k < p.findings.n_items; k++) {
                        const Finding *f = &p.findings.items[k];
                        n += streq_ptr(f->code, "wrong-type") && streq_ptr(f->id, id) &&
                             streq_ptr(f->column, "number_of_samples");
                }
                if (n != !counts[i].good)
                        fprintf(stderr, "count '%s': %zu findings\n", counts[i].value, n);
                CHECK_INT(n, !counts[i].good);
        }
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                size_t n = 0;
                for (size_t k = 0; k < p.findings.n_items; k++)
                        n += streq_ptr(p.findings.items[k].code, "id-node") && streq_ptr(p.findings.items[k].id, ids[i].id);
                if (n != ids[i].wrong_node)
                        fprintf(stderr, "id '%s': %zu id-node findings\n", ids[i].id, n);
                CHECK_INT(n, ids[i].wrong_node);
        }
        /* Values too long to share one copy: a good one is good again, a bad one is reported on
         * every row (the caches of good values, by address and by text). */
        int persons = model_table_index(p.model, "Persons");
        int email = model_column_index(&p.model->tables[persons], "email");
        static const struct {
                const char *email;
                bool good;
        } emails[] = {
                { "someone.with.a.rather.long.name@a-department-of-a-university-hospital.example.org", true },
                { "someone.with.a.rather.long.name@a-department-of-a-university-hospital.example.org", true },
                { "someone.with.a.rather.long.name at a-department-of-a-university-hospital.example.org", false },
                { "someone.with.a.rather.long.name at a-department-of-a-university-hospital.example.org", false },
                { "someone.with.a.rather.long.name@a-department-of-a-university-hospital.example.org", true },
        };
        for (size_t i = 0; i < ELEMENTSOF(emails); i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:contactID:BE_mail%zu", i);
                Row *row = NULL;
                CHECK_INT(dataset_add_row(p.dataset, (size_t) persons, id, NULL, &row), 0);
                CHECK_INT(dataset_set(p.dataset, row, (size_t) persons, (size_t) email, emails[i].email, NULL), 0);
        }
        CHECK_INT(validate_dataset(p.dataset, p.vocab, "BE", &p.findings), 0);
        for (size_t i = 0; i < ELEMENTSOF(emails); i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:contactID:BE_mail%zu", i);
                size_t n = 0;
                for (size_t k = 0; k < p.findings.n_items; k++)
                        n += streq_ptr(p.findings.items[k].code, "EmailInvalid") && streq_ptr(p.findings.items[k].id, id);
                CHECK_INT(n, emails[i].good ? 0 : 1);
        }
        const Finding *f = NULL;
        for (size_t k = 0; k < p.findings.n_items && !f; k++)
                if (streq_ptr(p.findings.items[k].code, "id-node") &&
                    streq_ptr(p.findings.items[k].id, "bbmri-eric:ID:BEX_x"))
                        f = &p.findings.items[k];
        CHECK(f && streq_ptr(f->message, "id 'bbmri-eric:ID:BEX_x' belongs to node 'BEX', not to 'BE'"));
        pipeline_done(&p);
}

TEST_MAIN(RUN(test_id_patterns); RUN(test_counts_and_nodes); RUN(test_valid_master); RUN(test_lookup_tables); RUN(test_rules); RUN(test_blocking); RUN(test_findings_order); RUN(test_many_references))
