/* SPDX-License-Identifier: MIT */
/* Quality checks, part B: ids (VID), contacts (CTF), names and descriptions (SE), biobank fields
 * (BBF), coordinates (BG). Each check: data that trips it, data that does not. */
#include "quality.h"
#include "test-pipeline.h"

#define BB "bbmri-eric:ID:BE_UZA"
#define COLL "bbmri-eric:ID:BE_UZA:collection:oncology"
#define CONTACT "bbmri-eric:contactID:BE_contact"

/* VALID_MASTER with a phone, a longitude and a url: none of this part's checks fires on it. */
static char *good_master(void) {
        _cleanup_free_ char *a = pipeline_variant("    country: BE\nnetworks", "    country: BE\n    phone: \"+3238213000\"\nnetworks");
        _cleanup_free_ char *b = a ? pipeline_variant_of(a, "    latitude: \"51.1557\"\n",
                                                          "    latitude: \"51.1557\"\n    longitude: \"4.4139\"\n") : NULL;
        return b ? pipeline_variant_of(b, "    country: BE\n    contact: contact\n",
                                       "    country: BE\n    url: https://www.uza.example/biobank\n    contact: contact\n")
                 : NULL;
}

/* Runs the good master with `from` replaced by `to` (from NULL: appended); with validate false only
 * the quality checks run, without a node (so the id checks that our errors cover can be seen). */
static void expect_full(const char *from, const char *to, bool validate, const char *code, bool fires,
                        const char *table, const char *id) {
        _cleanup_free_ char *base = good_master();
        _cleanup_free_ char *text = base ? pipeline_variant_of(base, from, to) : NULL;
        CHECK(text != NULL);
        if (!text) {
                fprintf(stderr, "%s: '%s' is not in the master\n", code, from ?: "");
                return;
        }
        Pipeline p;
        pipeline_run(&p, text, validate);
        if (!validate && p.dataset)
                CHECK_INT(quality_check_dataset(p.dataset, p.vocab, &(QualityOptions) {}, &p.findings), 0);
        pipeline_check_errors_only(&p, &(QualityOptions) { .node = validate ? "BE" : NULL });
        const Finding *f = NULL;
        for (size_t i = 0; i < p.findings.n_items && !f; i++)
                if (streq_ptr(p.findings.items[i].code, code) &&
                    (!fires || (streq_ptr(p.findings.items[i].table, table) && streq_ptr(p.findings.items[i].id, id))))
                        f = &p.findings.items[i];
        if (!!f != fires)
                fprintf(stderr, "%s: expected it %s (%s %s) in:\n%s\n", code, fires ? "to fire" : "not to fire",
                        table ?: "", id ?: "", text);
        CHECK(!!f == fires);
        if (f && fires)
                CHECK(severity_is_quality(f->severity) && f->severity == quality_check_info(code)->level);
        pipeline_done(&p);
}

static void expect(const char *from, const char *to, const char *code, bool fires, const char *table, const char *id) {
        expect_full(from, to, true, code, fires, table, id);
}

TEST(test_good_master_is_clean) {
        _cleanup_free_ char *text = good_master();
        Pipeline p;
        pipeline_run(&p, text, true);
        for (size_t i = 0; i < p.findings.n_items; i++) {
                const char *code = p.findings.items[i].code;
                bool mine = startswith(code, "VID:") || startswith(code, "CTF:") || startswith(code, "SE:") ||
                            startswith(code, "BBF:") || startswith(code, "BG:") || startswith(code, "URL:");
                if (mine)
                        fprintf(stderr, "unexpected %s on %s\n", code, p.findings.items[i].id);
                CHECK(!mine);
        }
        CHECK_INT(p.findings.n_errors, 0);
        pipeline_done(&p);
}

TEST(test_contacts) {
        expect("    first_name: An\n", "", "CTF:FirstNameMissing", true, "Persons", CONTACT);
        expect(NULL, "", "CTF:FirstNameMissing", false, NULL, NULL);
        expect("    last_name: Peeters\n", "", "CTF:LastNameMissing", true, "Persons", CONTACT);
        expect(NULL, "", "CTF:LastNameMissing", false, NULL, NULL);
        expect("biobank@uza.be", "biobank@example.org", "CTF:EmailPlaceholder", true, "Persons", CONTACT);
        expect("biobank@uza.be", "biobank@test.com", "CTF:EmailPlaceholder", true, "Persons", CONTACT);
        expect("biobank@uza.be", "biobank@unknown.be", "CTF:EmailPlaceholder", true, "Persons", CONTACT);
        expect("biobank@uza.be", "biobank@uza.example", "CTF:EmailPlaceholder", false, NULL, NULL);
        expect("biobank@uza.be", "biobank@example.org.be", "CTF:EmailPlaceholder", false, NULL, NULL);
        /* the contact's biobank is in BE */
        expect("biobank@uza.be", "biobank@uza.nl", "CTF:EmailCountrySuffix", true, "Persons", CONTACT);
        expect(NULL, "", "CTF:EmailCountrySuffix", false, NULL, NULL);
        expect("biobank@uza.be", "biobank@uza.com", "CTF:EmailCountrySuffix", false, NULL, NULL);
        expect("biobank@uza.be", "biobank@uza.eu", "CTF:EmailCountrySuffix", false, NULL, NULL);
        expect("biobank@uza.be", "biobank@uza.EU", "CTF:EmailCountrySuffix", false, NULL, NULL);
        expect("biobank@uza.be", "biobank@uza.Nl", "CTF:EmailCountrySuffix", true, "Persons", CONTACT);
        expect("biobank@uza.be", "biobank@uza.n", "CTF:EmailCountrySuffix", false, NULL, NULL);
        expect("biobank@uza.be", "biobank@uza.example", "CTF:EmailCountrySuffix", false, NULL, NULL);
        expect("    phone: \"+3238213000\"\n", "", "CTF:PhoneMissing", true, "Persons", CONTACT);
        expect(NULL, "", "CTF:PhoneMissing", false, NULL, NULL);
        expect("\"+3238213000\"", "\"+32 3 821 30 00\"", "CTF:PhoneInvalid", true, "Persons", CONTACT);
        expect("\"+3238213000\"", "\"03 821 30 00\"", "CTF:PhoneInvalid", true, "Persons", CONTACT);
        expect("\"+3238213000\"", "\"+3238213000123456\"", "CTF:PhoneInvalid", true, "Persons", CONTACT);
        expect("\"+3238213000\"", "\"+323821300012345\"", "CTF:PhoneInvalid", false, NULL, NULL);
        expect(NULL, "", "CTF:PhoneInvalid", false, NULL, NULL);
}

TEST(test_names_and_descriptions) {
        expect("    name: Biobank@UZA\n", "    name: N/A\n", "SE:BBNameMissing", true, "Biobanks", BB);
        expect(NULL, "", "SE:BBNameMissing", false, NULL, NULL);
        expect("Oncology collection", "NA", "SE:CollNameMissing", true, "Collections", COLL);
        expect(NULL, "", "SE:CollNameMissing", false, NULL, NULL);
        expect("Hospital biobank of the Antwerp University Hospital", "N/A", "SE:BBDescMissing", true, "Biobanks", BB);
        expect(NULL, "", "SE:BBDescMissing", false, NULL, NULL);
        expect("Tumour and matched normal tissue from surgery", "\"N/A\"", "SE:CollDescMissing", true, "Collections", COLL);
        expect(NULL, "", "SE:CollDescMissing", false, NULL, NULL);
        expect("Hospital biobank of the Antwerp University Hospital", "To be provided.", "SE:BBDescPlaceholder", true,
               "Biobanks", BB);
        expect("Hospital biobank of the Antwerp University Hospital", "Not specified by the hospital yet",
               "SE:BBDescPlaceholder", false, NULL, NULL);
        expect("Tumour and matched normal tissue from surgery", "Description not available yet", "SE:CollDescPlaceholder",
               true, "Collections", COLL);
        expect(NULL, "", "SE:CollDescPlaceholder", false, NULL, NULL);
        expect("Hospital biobank of the Antwerp University Hospital", "Hospital biobank", "SE:BBDescShort", true,
               "Biobanks", BB);
        expect(NULL, "", "SE:BBDescShort", false, NULL, NULL);
        expect("Tumour and matched normal tissue from surgery", "Tumours", "SE:CollDescShort", true, "Collections", COLL);
        expect(NULL, "", "SE:CollDescShort", false, NULL, NULL);
        /* a placeholder is not reported as short too */
        expect("Hospital biobank of the Antwerp University Hospital", "Not available", "SE:BBDescShort", false, NULL, NULL);
}

TEST(test_biobank_fields) {
        expect("Universitair Ziekenhuis Antwerpen", "unknown", "BBF:JuridicalInvalid", true, "Biobanks", BB);
        expect("Universitair Ziekenhuis Antwerpen", "Hospital (Unknown)", "BBF:JuridicalInvalid", true, "Biobanks", BB);
        expect("Universitair Ziekenhuis Antwerpen", "n/a", "BBF:JuridicalInvalid", true, "Biobanks", BB);
        expect("Universitair Ziekenhuis Antwerpen", "To be filled in later", "BBF:JuridicalInvalid", true, "Biobanks", BB);
        expect("Universitair Ziekenhuis Antwerpen", "Unknownia University", "BBF:JuridicalInvalid", false, NULL, NULL);
        expect(NULL, "", "BBF:JuridicalInvalid", false, NULL, NULL);
}

TEST(test_coordinates) {
        expect("\"51.1557\"", "\"51,1557\"", "BG:BBLatInvalid", true, "Biobanks", BB);
        expect("\"51.1557\"", "\"151.5\"", "BG:BBLatInvalid", true, "Biobanks", BB);
        expect("\"51.1557\"", "\"51\"", "BG:BBLatInvalid", true, "Biobanks", BB);
        /* the range's edges: the integer part decides, at the limit the value (as strtod reads it) */
        expect("\"51.1557\"", "\"-90.0\"", "BG:BBLatInvalid", false, NULL, NULL);
        expect("\"51.1557\"", "\"0090.000\"", "BG:BBLatInvalid", false, NULL, NULL);
        expect("\"51.1557\"", "\"90.0000000000000000001\"", "BG:BBLatInvalid", false, NULL, NULL);
        expect("\"51.1557\"", "\"90.001\"", "BG:BBLatInvalid", true, "Biobanks", BB);
        expect("\"51.1557\"", "\"89.999\"", "BG:BBLatInvalid", false, NULL, NULL);
        expect("\"51.1557\"", "\"91.0\"", "BG:BBLatInvalid", true, "Biobanks", BB);
        expect("\"51.1557\"", "\"100000000000000000000.0\"", "BG:BBLatInvalid", true, "Biobanks", BB);
        expect("\"4.4139\"", "\"-180.0\"", "BG:BBLonInvalid", false, NULL, NULL);
        expect("\"4.4139\"", "\"180.5\"", "BG:BBLonInvalid", true, "Biobanks", BB);
        expect("\"4.4139\"", "\"179.99\"", "BG:BBLonInvalid", false, NULL, NULL);
        expect(NULL, "", "BG:BBLatInvalid", false, NULL, NULL);
        expect("\"4.4139\"", "\"4.4139 E\"", "BG:BBLonInvalid", true, "Biobanks", BB);
        expect(NULL, "", "BG:BBLonInvalid", false, NULL, NULL);
        expect("    longitude: \"4.4139\"\n", "", "BG:BBCoordsMissing", true, "Biobanks", BB);
        expect(NULL, "", "BG:BBCoordsMissing", false, NULL, NULL);
        expect("    url: https://www.uza.example/biobank\n", "", "URL:BBMissing", true, "Biobanks", BB);
        expect("    url: https://www.uza.example/biobank\n", "    url: \" \"\n", "URL:BBMissing", true, "Biobanks", BB);
        expect(NULL, "", "URL:BBMissing", false, NULL, NULL);
        /* the form is checked when both are given, as theirs does */
        expect("    latitude: \"51.1557\"\n    longitude: \"4.4139\"\n", "    latitude: \"51,1557\"\n", "BG:BBLatInvalid",
               false, NULL, NULL);
        expect("      - id: oncology\n", "      - id: oncology\n        latitude: \"51,2\"\n        longitude: \"4.4\"\n",
               "BG:CollLatInvalid", true, "Collections", COLL);
        expect("      - id: oncology\n", "      - id: oncology\n        latitude: \"51.2\"\n        longitude: \"-400.0\"\n",
               "BG:CollLonInvalid", true, "Collections", COLL);
        expect("      - id: oncology\n", "      - id: oncology\n        latitude: \"51.2\"\n        longitude: \"-4.0\"\n",
               "BG:CollLonInvalid", false, NULL, NULL);
        expect("      - id: oncology\n", "      - id: oncology\n        latitude: \"51.2\"\n        longitude: \"-4.0\"\n",
               "BG:CollLatInvalid", false, NULL, NULL);
}

TEST(test_withdrawn_left_out) {
        /* BBMRI-ERIC's tool skips withdrawn biobanks and their collections */
        expect("    name: Biobank@UZA\n", "    name: N/A\n    withdrawn: true\n", "SE:BBNameMissing", false, NULL, NULL);
        expect("Oncology collection", "NA", "SE:CollNameMissing", true, "Collections", COLL);
        expect("    name: Biobank@UZA\n", "    name: Biobank@UZA\n    withdrawn: true\n", "SE:CollDescShort", false, NULL,
               NULL);
        expect("    collections:\n      - id: oncology\n        name: Oncology collection\n        description: Tumour and matched normal tissue from surgery\n",
               "    withdrawn: true\n    collections:\n      - id: oncology\n        name: Oncology collection\n        description: Tumours\n",
               "SE:CollDescShort", false, NULL, NULL);
        expect("    collections:\n      - id: oncology\n        name: Oncology collection\n        description: Tumour and matched normal tissue from surgery\n",
               "    collections:\n      - id: oncology\n        name: Oncology collection\n        description: Tumours\n",
               "SE:CollDescShort", true, "Collections", COLL);
}

TEST(test_ids) {
        expect(NULL, "collections:\n  - id: \"bbmri-eric:ID:BE_OTHER:collection:c\"\n    name: C\n"
                     "    description: A collection filed under another biobank's id\n    type: [Other]\n    biobank: UZA\n",
               "VID:CollNoBBPrefix", true, "Collections", "bbmri-eric:ID:BE_OTHER:collection:c");
        expect(NULL, "", "VID:CollNoBBPrefix", false, NULL, NULL);
        /* without a node, ids that break no server rule */
        expect_full("  - id: UZA\n", "  - id: \"bbmri-eric:ID:XX_UZA\"\n", false, "VID:BBExtPrefix", true, "Biobanks",
                    "bbmri-eric:ID:XX_UZA");
        expect_full("  - id: UZA\n", "  - id: \"bbmri-eric:ID:EXT_UZA\"\n", false, "VID:BBExtPrefix", false, NULL, NULL);
        expect_full("  - id: UZA\n", "  - id: \"bbmri-eric:ID:EXTRA_UZA\"\n", false, "VID:BBExtFormat", true, "Biobanks",
                    "bbmri-eric:ID:EXTRA_UZA");
        expect_full("  - id: UZA\n", "  - id: \"bbmri-eric:ID:EXT_UZA\"\n", false, "VID:BBExtFormat", false, NULL, NULL);
        expect_full("  - id: UZA\n", "  - id: \"bbmri-eric:ID:be_UZA\"\n", false, "VID:BBPrefix", true, "Biobanks",
                    "bbmri-eric:ID:be_UZA");
        expect_full(NULL, "", false, "VID:BBPrefix", false, NULL, NULL);
        expect_full("  - id: contact\n", "  - id: \"bbmri-eric:contactID:XX_contact\"\n", false, "VID:CtExtPrefix", true,
                    "Persons", "bbmri-eric:contactID:XX_contact");
        expect_full("  - id: contact\n", "  - id: \"bbmri-eric:contactID:be_contact\"\n", false, "VID:CtPrefix", true,
                    "Persons", "bbmri-eric:contactID:be_contact");
        expect_full("  - id: contact\n", "  - id: \"bbmri-eric:contactID:EXTRA_contact\"\n", false, "VID:CtExtFormat",
                    true, "Persons", "bbmri-eric:contactID:EXTRA_contact");
        expect_full(NULL, "", false, "VID:CtPrefix", false, NULL, NULL);
        expect_full("  - id: bbmri-be\n", "  - id: \"bbmri-eric:networkID:XX_net\"\n", false, "VID:NetExtPrefix", true,
                    "Networks", "bbmri-eric:networkID:XX_net");
        expect_full("  - id: bbmri-be\n", "  - id: \"bbmri-eric:networkID:be_net\"\n", false, "VID:NetCountry", true,
                    "Networks", "bbmri-eric:networkID:be_net");
        expect_full("  - id: bbmri-be\n", "  - id: \"bbmri-eric:networkID:EU_net\"\n", false, "VID:NetCountry", false,
                    NULL, NULL);
        /* with the node: the server rule's error wins, one finding */
        expect("  - id: UZA\n", "  - id: \"bbmri-eric:ID:NL_UZA\"\n", "VID:BBPrefix", false, NULL, NULL);
        expect("  - id: UZA\n", "  - id: \"bbmri-eric:ID:XX_UZA\"\n", "VID:BBExtPrefix", false, NULL, NULL);
}

/* The characters and empty-segment checks are server rules: errors under BBMRI-ERIC's ids. */
TEST(test_id_errors_under_their_ids) {
        static const struct {
                const char *from, *to, *code;
        } cases[] = {
                { "  - id: UZA\n", "  - id: \"bbmri-eric:ID:BE_UZ A\"\n", "VID:BBCharsInvalid" },
                { "  - id: contact\n", "  - id: \"bbmri-eric:contactID:BE_cont#act\"\n", "VID:CtCharsInvalid" },
                { "  - id: bbmri-be\n", "  - id: \"bbmri-eric:networkID:BE_be::net\"\n", "VID:NetEmptySeg" },
                { "  - id: UZA\n", "  - id: \"bbmri-eric:ID:BE_UZA::x\"\n", "VID:BBEmptySeg" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *base = good_master();
                _cleanup_free_ char *text = pipeline_variant_of(base, cases[i].from, cases[i].to);
                Pipeline p;
                pipeline_run(&p, text, true);
                const Finding *f = pipeline_finding(&p, cases[i].code);
                if (!f)
                        fprintf(stderr, "no %s\n", cases[i].code);
                CHECK(f && f->severity == SEVERITY_ERROR);
                pipeline_done(&p);
        }
}

/* The collection's access fields and DUO terms, inserted after its age_unit. */
#define AGE_UNIT "        age_unit: year\n"
static void expect_access(const char *fields, const char *code, bool fires) {
        _cleanup_free_ char *to = strdup_printf(AGE_UNIT "%s", fields);
        expect(AGE_UNIT, to, code, fires, "Collections", COLL);
}

TEST(test_access) {
        expect("    network: [bbmri-be]\n", "    network: [bbmri-be]\n    collaboration_commercial: false\n",
               "AP:BBAvailNone", true, "Biobanks", BB);
        expect("    network: [bbmri-be]\n", "    network: [bbmri-be]\n    collaboration_non_for_profit: true\n",
               "AP:BBAvailNone", false, NULL, NULL);
        expect_access("", "AP:AccessMissing", true);
        expect_access("        access_description: On request to the biobank's access committee\n", "AP:AccessMissing",
                      false);
        expect_access("        access_uri: https://www.uza.example/access\n", "AP:AccessMissing", false);
        expect_access("", "AP:DuoMissing", true);
        expect_access("        data_use: [DUO_0000021]\n", "AP:DuoMissing", false);
        expect_access("        data_use: [DUO_0000021]\n", "AP:GenericDuoMissing", true);
        expect_access("        data_use: [DUO_0000006]\n", "AP:GenericDuoMissing", false);
        expect_access("        data_use: [DUO_0000042]\n", "AP:DataRetDuo", true);
        expect_access("        data_use: [DUO_0000042, DUO_0000029]\n", "AP:DataRetDuo", false);
        expect_access("        access_joint_project: [Samples]\n        data_use: [DUO_0000042]\n", "AP:JointDuo",
                      true);
        expect_access("        access_joint_project: [Samples]\n        data_use: [DUO_0000042, DUO_0000020]\n",
                      "AP:JointDuo", false);
        expect_access("        data_use: [DUO_0000042]\n", "AP:JointDuo", false);
        expect_access("        collaboration_non_for_profit: true\n", "AP:CollDuoMissing", true);
        expect_access("        collaboration_non_for_profit: true\n        data_use: [DUO_0000018]\n", "AP:CollDuoMissing",
                      false);
        expect_access("        collaboration_non_for_profit: true\n        collaboration_commercial: true\n",
                      "AP:CollDuoMissing", false);
        /* the biobank's flags count where the collection has none of its own */
        expect("    network: [bbmri-be]\n", "    network: [bbmri-be]\n    collaboration_non_for_profit: true\n",
               "AP:BBDuoMissing", true, "Collections", COLL);
        expect("    network: [bbmri-be]\n",
               "    network: [bbmri-be]\n    collaboration_non_for_profit: true\n    collaboration_commercial: true\n",
               "AP:BBDuoMissing", false, NULL, NULL);
        expect_access("        collaboration_commercial: true\n        data_use: [DUO_0000018]\n", "AP:CollDuoConflict",
                      true);
        expect_access("        collaboration_commercial: true\n        data_use: [DUO_0000042]\n", "AP:CollDuoConflict",
                      false);
        expect("    network: [bbmri-be]\n", "    network: [bbmri-be]\n    collaboration_commercial: true\n",
               "AP:BBAttrDuoConflict", false, NULL, NULL);
        _cleanup_free_ char *base = good_master();
        _cleanup_free_ char *b = pipeline_variant_of(base, "    network: [bbmri-be]\n",
                                                      "    network: [bbmri-be]\n    collaboration_commercial: true\n");
        _cleanup_free_ char *text = b ? pipeline_variant_of(b, AGE_UNIT, AGE_UNIT "        data_use: [DUO_0000018]\n") : NULL;
        Pipeline p;
        pipeline_run(&p, text, true);
        const Finding *f = pipeline_finding(&p, "AP:BBAttrDuoConflict");
        CHECK(f && streq_ptr(f->id, COLL));
        CHECK(!pipeline_finding(&p, "AP:CollDuoConflict"));
        pipeline_done(&p);
        /* the good master's collection is of type Disease specific and holds serum */
        expect_access("", "AP:DiseaseDuoMissing", true);
        expect_access("        data_use: [DUO_0000007]\n", "AP:DiseaseDuoMissing", false);
        expect_access("", "AP:BioDuoMissing", true);
        expect_access("        data_use: [DUO_0000021]\n", "AP:BioDuoMissing", false);
        expect("        materials: [Serum]\n", "", "AP:BioDuoMissing", false, NULL, NULL);
}

#define NET "bbmri-eric:networkID:EU_BBMRI-ERIC:networks:COVID19"
#define CID "bbmri-eric:ID:BE_UZA:collection:COVID19"
/* A second collection of UZA, inserted after the first one's age_unit. */
static void expect_covid(const char *collection, const char *code, bool fires, const char *table, const char *id) {
        _cleanup_free_ char *to = strdup_printf(AGE_UNIT "      - id: %s", collection);
        expect(AGE_UNIT, to, code, fires, table, id);
}

TEST(test_covid) {
        /* the EU COVID-19 network, which the biobank can name (a network of another area) */
        static const char covid_net[] = "  - id: \"" NET "\"\n    name: COVID-19\n"
                                        "    description: BBMRI-ERIC's network of COVID-19 biobanks\n    contact: contact\n";
#define C19 "COVID19\n        name: COVID-19 samples\n        description: Samples of patients with COVID-19\n" \
            "        data_categories: [Biological samples]\n        size: 50\n"
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Serum]\n        diagnosis_available: [U07.1]\n",
                     "C19:BBNetMissing", true, "Biobanks", BB);
        {
                _cleanup_free_ char *base = good_master();
                _cleanup_free_ char *nets = strdup_printf("%sbiobanks:\n", covid_net);
                _cleanup_free_ char *a = pipeline_variant_of(base, "biobanks:\n", nets);
                _cleanup_free_ char *b = a ? pipeline_variant_of(a, "    network: [bbmri-be]\n",
                                                                 "    network: [bbmri-be, \"" NET "\"]\n") : NULL;
                _cleanup_free_ char *c = b ? pipeline_variant_of(b, AGE_UNIT,
                                                                 AGE_UNIT "      - id: " C19 "        type: [Disease specific]\n"
                                                                 "        materials: [Serum]\n        diagnosis_available: [U07.1]\n")
                                           : NULL;
                CHECK(c != NULL);
                Pipeline p;
                pipeline_run(&p, c, true);
                for (size_t i = 0; i < p.findings.n_items; i++)
                        if (p.findings.items[i].severity == SEVERITY_ERROR)
                                fprintf(stderr, "error %s: %s\n", p.findings.items[i].code, p.findings.items[i].message);
                CHECK_INT(p.findings.n_errors, 0);
                CHECK(pipeline_cell(&p, "Collections", CID, "name") != NULL);
                CHECK(!pipeline_finding(&p, "C19:BBNetMissing"));
                CHECK(pipeline_finding(&p, "C19:CovidDiagMissing") == NULL);
                pipeline_done(&p);
        }
        expect(NULL, "", "C19:BBNetMissing", false, NULL, NULL);
        expect_covid(C19 "        type: [Other]\n        materials: [Serum]\n        diagnosis_available: [U07.1]\n",
                     "C19:NeedsDisease", true, "Collections", CID);
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Serum]\n        diagnosis_available: [U07.1]\n",
                     "C19:NeedsDisease", false, NULL, NULL);
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Tissue (frozen)]\n        diagnosis_available: [U07.1]\n",
                     "C19:MaterialsSuspect", true, "Collections", CID);
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Serum]\n        diagnosis_available: [U07.1]\n",
                     "C19:MaterialsSuspect", false, NULL, NULL);
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Serum]\n        diagnosis_available: [J18.9]\n",
                     "C19:CovidDiagMissing", true, "Collections", CID);
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Serum]\n        diagnosis_available: [U07.2]\n",
                     "C19:CovidDiagMissing", false, NULL, NULL);
#define PROS "COVID19PROSPECTIVE\n        name: Prospective COVID-19 collection\n" \
             "        description: Ability to collect samples of COVID-19 patients\n        data_categories: [Biological samples]\n" \
             "        materials: [Serum]\n"
#define PID "bbmri-eric:ID:BE_UZA:collection:COVID19PROSPECTIVE"
        expect_covid(PROS "        type: [Prospective study]\n        diagnosis_available: [U07.1]\n",
                     "C19:ProsNeedsDisease", true, "Collections", PID);
        expect_covid(PROS "        type: [Prospective study, Disease specific]\n        diagnosis_available: [U07.1]\n",
                     "C19:ProsNeedsDisease", false, NULL, NULL);
        expect_covid(PROS "        type: [Disease specific]\n        diagnosis_available: [U07.1]\n", "C19:ProsNeedsType", true,
                     "Collections", PID);
        expect_covid(PROS "        type: [Prospective study, Disease specific]\n        diagnosis_available: [U07.1]\n",
                     "C19:ProsNeedsType", false, NULL, NULL);
        expect_covid(PROS "        type: [Prospective study, Disease specific]\n        diagnosis_available: [U07.1]\n"
                          "        size: 500\n",
                     "C19:ProsOoMNonZero", true, "Collections", PID);
        expect_covid(PROS "        type: [Prospective study, Disease specific]\n        diagnosis_available: [U07.1]\n"
                          "        size: 5\n",
                     "C19:ProsOoMNonZero", false, NULL, NULL);
        expect_covid(PROS "        type: [Prospective study, Disease specific]\n        diagnosis_available: [J18.9]\n",
                     "C19:ProsDataMissing", true, "Collections", PID);
        expect_covid(PROS "        type: [Prospective study, Disease specific]\n        diagnosis_available: [U07.1]\n",
                     "C19:ProsDataMissing", false, NULL, NULL);
#define ABLE "able\n        name: Ability to collect COVID-19 samples\n        description: Samples of future COVID-19 patients\n" \
             "        data_categories: [Biological samples]\n        materials: [Serum]\n        type: [Disease specific]\n" \
             "        diagnosis_available: [U07.1]\n"
        expect_covid(ABLE, "C19:AbilityNeedsPros", true, "Collections", "bbmri-eric:ID:BE_UZA:collection:able");
        expect_covid(PROS "        type: [Prospective study, Disease specific]\n        diagnosis_available: [U07.1]\n",
                     "C19:AbilityNeedsPros", false, NULL, NULL);
        expect_covid(ABLE "        size: 2000\n", "C19:AbilityOoMNonZero", true, "Collections",
                     "bbmri-eric:ID:BE_UZA:collection:able");
        expect_covid(ABLE "        size: 2\n", "C19:AbilityOoMNonZero", false, NULL, NULL);
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Serum]\n        diagnosis_available: [U07.1, J12-J18]\n",
                     "C19:DiagRange", true, "Collections", CID);
        expect_covid(C19 "        type: [Disease specific]\n        materials: [Serum]\n        diagnosis_available: [U07.1, J18.9]\n",
                     "C19:DiagRange", false, NULL, NULL);
}

/* Contact reuse: a second biobank UZG (its own contact jan@uzgent.be) with collection 'general', whose
 * contact is uzg_contact; UZA's collection's contact is uza_contact (NULL: UZA's own, inherited). */
#define PERSONS_EXTRA                                                                                                \
        "  - id: jan\n    first_name: Jan\n    last_name: Claes\n    email: jan@uzgent.be\n    country: BE\n"        \
        "  - id: piet\n    first_name: Piet\n    last_name: Janssens\n    email: piet@uza.be\n    country: BE\n"     \
        "  - id: desk\n    first_name: Help\n    last_name: Desk\n    email: desk@gmail.com\n"                       \
        "    address: \" Drie   Eikenstraat 655\"\n    zip: \"2650\"\n    country: BE\n"                             \
        "  - id: help\n    first_name: Help\n    last_name: Line\n    email: help@gmail.com\n    country: BE\n"
static char *reuse_master(const char *jan_email, const char *uza_contact, const char *uzg_contact, const char *uzg_extra) {
        _cleanup_free_ char *base = good_master();
        _cleanup_free_ char *persons = strdup_printf("    phone: \"+3238213000\"\n    address: Drie Eikenstraat 655\n"
                                                      "    zip: \"2650\"\n%snetworks:\n",
                                                      PERSONS_EXTRA);
        _cleanup_free_ char *a = pipeline_variant_of(base, "    phone: \"+3238213000\"\nnetworks:\n", persons);
        _cleanup_free_ char *b = a ? pipeline_variant_of(a, "jan@uzgent.be", jan_email) : NULL;
        _cleanup_free_ char *own = uza_contact ? strdup_printf(AGE_UNIT "        contact: %s\n", uza_contact) : strdup(AGE_UNIT);
        _cleanup_free_ char *c = b && own ? pipeline_variant_of(b, AGE_UNIT, own) : NULL;
        return c ? strdup_printf("%s  - id: UZG\n    name: Biobank UZ Gent\n    description: Hospital biobank of Ghent University Hospital\n"
                                 "    juridical_person: Universitair Ziekenhuis Gent\n    country: BE\n    contact: jan\n%s"
                                 "    collections:\n      - id: general\n        name: General collection\n"
                                 "        description: Blood of hospital patients\n        type: [Hospital]\n"
                                 "        data_categories: [Biological samples]\n        materials: [Serum]\n"
                                 "        contact: %s\n",
                                 c, uzg_extra, uzg_contact)
                 : NULL;
}

static void expect_reuse(const char *jan_email, const char *uza_contact, const char *uzg_contact, const char *uzg_extra,
                         const char *code, bool fires, const char *table, const char *id) {
        _cleanup_free_ char *text = reuse_master(jan_email, uza_contact, uzg_contact, uzg_extra);
        pipeline_expect_in(text, NULL, "", code, fires, table, id);
}

#define UZG_GENERAL "bbmri-eric:ID:BE_UZG:collection:general"
#define CTA_PERSON "CTA:CrossBiobankInstitutionContact"
#define CTA_COLL "CTA:CollectionForeignInstitutionContact"
TEST(test_contact_reuse) {
        /* each collection its biobank's own contact: no reuse */
        expect_reuse("jan@uzgent.be", NULL, "jan", "", CTA_PERSON, false, NULL, NULL);
        expect_reuse("jan@uzgent.be", NULL, "jan", "", CTA_COLL, false, NULL, NULL);
        expect_reuse("jan@uzgent.be", NULL, "jan", "", "CTR:CrossBiobankReuse", false, NULL, NULL);
        /* UZA's own contact used by a collection of UZG */
        expect_reuse("jan@uzgent.be", NULL, "contact", "", CTA_PERSON, true, "Persons", CONTACT);
        expect_reuse("jan@uzgent.be", NULL, "contact", "", CTA_COLL, true, "Collections", UZG_GENERAL);
        expect_reuse("jan@uzgent.be", NULL, "contact", "", "CTR:CrossBiobankReuse", false, NULL, NULL);
        /* the same institution (UZG's contact shares UZA's domain): nothing */
        expect_reuse("jan@uza.be", NULL, "contact", "", CTA_PERSON, false, NULL, NULL);
        expect_reuse("jan@uza.be", NULL, "contact", "", CTA_COLL, false, NULL, NULL);
        expect_reuse("jan@uza.be", NULL, "contact", "", "CTR:CrossBiobankReuse", false, NULL, NULL);
        /* a withdrawn biobank's collections are left out */
        expect_reuse("jan@uzgent.be", NULL, "contact", "    withdrawn: true\n", CTA_PERSON, false, NULL, NULL);
        /* UZA's e-mail domain */
        expect_reuse("jan@uzgent.be", "piet", "piet", "", CTA_PERSON, true, "Persons", "bbmri-eric:contactID:BE_piet");
        expect_reuse("jan@uzgent.be", "piet", "piet", "", CTA_COLL, true, "Collections", UZG_GENERAL);
        /* UZA's contact's address (case and whitespace aside), with a public mail domain */
        expect_reuse("jan@uzgent.be", "desk", "desk", "", CTA_PERSON, true, "Persons", "bbmri-eric:contactID:BE_desk");
        expect_reuse("jan@uzgent.be", "desk", "desk", "", CTA_COLL, true, "Collections", UZG_GENERAL);
        expect_reuse("jan@uzgent.be", "desk", "desk", "", "CTR:CrossBiobankReuse", false, NULL, NULL);
        /* no evidence of an institution: only shown */
        expect_reuse("jan@uzgent.be", "help", "help", "", "CTR:CrossBiobankReuse", true, "Persons",
                     "bbmri-eric:contactID:BE_help");
        expect_reuse("jan@uzgent.be", "help", "help", "", CTA_PERSON, false, NULL, NULL);
        expect_reuse("jan@uzgent.be", "help", "help", "", CTA_COLL, false, NULL, NULL);
        /* a contact that both biobanks have as their own is shared on purpose */
        expect_reuse("jan@uzgent.be", NULL, "contact", "", CTA_PERSON, true, "Persons", CONTACT);
        {
                _cleanup_free_ char *text = reuse_master("jan@uzgent.be", NULL, "contact", "");
                _cleanup_free_ char *both = text ? pipeline_variant_of(text, "    contact: jan\n", "    contact: contact\n") : NULL;
                pipeline_expect_in(both, NULL, "", CTA_PERSON, false, NULL, NULL);
                pipeline_expect_in(both, NULL, "", "CTR:CrossBiobankReuse", false, NULL, NULL);
        }
}

/* Member areas: the quality checks alone (a biobank of another area is an error of the node's master). */
#define UZA_COUNTRY "    juridical_person: Universitair Ziekenhuis Antwerpen\n    country: BE\n"
static void expect_area(const char *from, const char *to, const char *code, bool fires, const char *id) {
        expect_full(from, to, false, code, fires, "Biobanks", id);
}
#define OTHER_BIOBANK(id, jp)                                                                                  \
        "  - id: \"" id "\"\n    name: Other biobank\n    description: A biobank in another staging area\n" \
        "    juridical_person: " jp "\n    country: BE\n    contact: contact\n"

TEST(test_member_areas) {
        expect_area(UZA_COUNTRY, "    juridical_person: Universitair Ziekenhuis Antwerpen\n    country: NL\n",
                    "MAC:IsoStageMismatch", true, BB);
        expect_area(NULL, "", "MAC:IsoStageMismatch", false, NULL);
        /* no member country: not this check's business */
        expect_area(UZA_COUNTRY, "    juridical_person: Universitair Ziekenhuis Antwerpen\n    country: US\n",
                    "MAC:IsoStageMismatch", false, NULL);
        expect_area(NULL, OTHER_BIOBANK("bbmri-eric:ID:EXT_other", "Another Hospital"), "MAC:MemberNonMember", true,
                    "bbmri-eric:ID:EXT_other");
        expect_area(NULL, "", "MAC:MemberNonMember", false, NULL);
        /* the same juridical person (case and whitespace aside) as UZA, in BE's own area */
        expect_area(NULL, OTHER_BIOBANK("bbmri-eric:ID:EXT_other", "universitair  Ziekenhuis Antwerpen"),
                    "MAC:MemberDupOtherArea", true, "bbmri-eric:ID:EXT_other");
        expect_area(NULL, OTHER_BIOBANK("bbmri-eric:ID:EXT_other", "universitair  Ziekenhuis Antwerpen"),
                    "MAC:MemberNonMember", false, NULL);
        expect_area(NULL, OTHER_BIOBANK("bbmri-eric:ID:EU_other", "Universitair Ziekenhuis Antwerpen"),
                    "MAC:MemberDupOtherArea", true, "bbmri-eric:ID:EU_other");
        /* EU alone, or another institution: allowed */
        expect_area(NULL, OTHER_BIOBANK("bbmri-eric:ID:EU_other", "European Hospital"), "MAC:MemberDupOtherArea", false,
                    NULL);
        expect_area(NULL, OTHER_BIOBANK("bbmri-eric:ID:EU_other", "European Hospital"), "MAC:MemberNonMember", false,
                    NULL);
}

/* COVID-19 diagnoses as BBMRI-ERIC's tool finds them (substrings, case and all; 'Z03.818' with any
 * character for the '.'; within the first 127 bytes of an item), set in the dataset directly as
 * the vocabulary would refuse most of them. */
TEST(test_covid_codes) {
        _cleanup_free_ char *far = strdup_printf("urn:%0130dU07.1", 0);
        const struct {
                const char *items[2];
                bool covid_missing, range;
        } cases[] = {
                { { "urn:miriam:icd:U07.1" }, false, false },
                { { "840539006" }, false, false },
                { { "RA01.0" }, false, false },
                { { "u07.1" }, true, false },
                { { "urn:miriam:icd:Z03.818", "C50-C52" }, true, true },
                { { "Z03x818", "C50-C52" }, true, true },
                { { "Z03.81", "C50-C52" }, true, false },
                { { "C50.9", "C50-C52" }, true, false },
                { { "U07.1", "C50-C52" }, false, true },
                { { far }, true, false },
        };
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, false);
        CHECK(p.dataset != NULL);
        int c = model_table_index(p.model, "Collections");
        const ModelTable *ct = c >= 0 ? &p.model->tables[c] : NULL;
        int diagnoses = ct ? model_column_index(ct, "diagnosis_available") : -1;
        CHECK(diagnoses >= 0);
        for (size_t i = 0; p.dataset && diagnoses >= 0 && i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:ID:BE_UZA:collection:c%zu:COVID19", i);
                Row *row = NULL;
                CHECK_INT(dataset_add_row(p.dataset, (size_t) c, id, NULL, &row), 0);
                size_t n = cases[i].items[1] ? 2 : 1;
                CHECK_INT(dataset_set_list(p.dataset, row, (size_t) c, (size_t) diagnoses, cases[i].items, n, NULL), 0);
        }
        Findings f;
        findings_init(&f);
        if (p.dataset)
                CHECK_INT(quality_check_dataset(p.dataset, p.vocab, &(QualityOptions) { .node = "BE" }, &f), 0);
        for (size_t i = 0; p.dataset && i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:ID:BE_UZA:collection:c%zu:COVID19", i);
                bool missing = false, range = false;
                for (size_t k = 0; k < f.n_items; k++)
                        if (streq_ptr(f.items[k].id, id)) {
                                missing |= streq_ptr(f.items[k].code, "C19:CovidDiagMissing");
                                range |= streq_ptr(f.items[k].code, "C19:DiagRange");
                        }
                if (missing != cases[i].covid_missing || range != cases[i].range)
                        fprintf(stderr, "case %zu (%s): CovidDiagMissing %d, DiagRange %d\n", i, cases[i].items[0],
                                missing, range);
                CHECK(missing == cases[i].covid_missing);
                CHECK(range == cases[i].range);
        }
        findings_done(&f);
        pipeline_done(&p);
}

TEST_MAIN(RUN(test_good_master_is_clean); RUN(test_covid_codes); RUN(test_contacts); RUN(test_names_and_descriptions); RUN(test_biobank_fields);
          RUN(test_coordinates); RUN(test_withdrawn_left_out); RUN(test_ids); RUN(test_id_errors_under_their_ids);
          RUN(test_access); RUN(test_covid); RUN(test_contact_reuse);
          RUN(test_member_areas))
