/* SPDX-License-Identifier: MIT */
/* Quality checks, part A: collection content (CC), fact sheets (FT), partitioning into
 * sub-collections (CP), networks of sub-collections (SNM), BBMRI-Cohorts (BCO), text against
 * structured fields (TXT). Each check: data that trips it, data that does not. */
#include "limits.h"
#include "orphanet.h"
#include "quality-internal.h"
#include "test-pipeline.h"

#define COLL "bbmri-eric:ID:BE_UZA:collection:oncology"
#define SUB "bbmri-eric:ID:BE_UZA:collection:sub"

#define expect pipeline_expect
#define expect_coll(from, to, code) expect((from), (to), (code), true, "Collections", COLL)
#define expect_none(from, to, code) expect((from), (to), (code), false, NULL, NULL)

/* The oncology collection's last line. */
#define TAIL "        age_unit: year\n"

/* A sub-collection of the oncology collection, with extra lines. */
#define SUB_COLLECTION(extra)                                                                 \
        "      - id: sub\n        name: Sub\n        description: Part of the oncology collection\n" \
        "        type: [Disease specific]\n        data_categories: [Biological samples, Medical records]\n" \
        "        materials: [Serum]\n        diagnosis_available: [C50.9]\n        parent_collection: oncology\n" extra

TEST(test_valid_master_is_clean) {
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, true);
        for (size_t i = 0; i < p.findings.n_items; i++) {
                const char *code = p.findings.items[i].code;
                bool mine = startswith(code, "CC:");
                if (mine)
                        fprintf(stderr, "unexpected %s on %s\n", code, p.findings.items[i].id);
                CHECK(!mine);
        }
        pipeline_done(&p);
}

TEST(test_types_and_diagnoses) {
        expect_coll("        type: [Disease specific]\n", "", "CC:TypeMissing");
        expect_none(NULL, "", "CC:TypeMissing");
        expect_coll("        diagnosis_available: [C50.9]\n", "", "CC:DiagMissingDisease");
        expect_none(NULL, "", "CC:DiagMissingDisease");
        expect_coll("[Disease specific]", "[Population based]", "CC:DiagTypeMismatch");
        expect_none("[Disease specific]", "[Hospital]", "CC:DiagTypeMismatch");
        expect_coll("        diagnosis_available: [C50.9]\n", "", "CC:MedRecDiagGap");
        expect_none(NULL, "", "CC:MedRecDiagGap");
        expect_coll("[Biological samples, Medical records]", "[Biological samples]", "CC:DiagCatMismatch");
        expect_none(NULL, "", "CC:DiagCatMismatch");
}

TEST(test_diagnosis_ranges) {
        /* a range the Directory refuses: one finding, of kind error */
        _cleanup_free_ char *text = pipeline_variant("[C50.9]", "[C50-C52]");
        Pipeline p;
        pipeline_run(&p, text, true);
        size_t n = 0;
        for (size_t i = 0; i < p.findings.n_items; i++)
                if (streq(p.findings.items[i].code, "CC:DiagRange")) {
                        n++;
                        CHECK_INT(p.findings.items[i].severity, SEVERITY_ERROR);
                        CHECK_STR(p.findings.items[i].column, "diagnosis_available");
                }
        CHECK_INT(n, 1);
        pipeline_done(&p);
        expect_none(NULL, "", "CC:DiagRange");
}

TEST(test_rare_disease) {
        expect_coll("[Disease specific]", "[Rare disease collection]", "CC:RDOrphaMissing");
        _cleanup_free_ char *rd = pipeline_variant("[Disease specific]", "[Rare disease collection]");
        pipeline_expect_in(rd, "[C50.9]", "[ORPHA:558, C50.9]", "CC:RDOrphaMissing", false, NULL, NULL);
        expect_coll("[C50.9]", "[ORPHA:558, C50.9]", "CC:OrphaNeedsRDType");
        pipeline_expect_in(rd, "[C50.9]", "[ORPHA:558, C50.9]", "CC:OrphaNeedsRDType", false, NULL, NULL);
        expect_coll("[C50.9]", "[ORPHA:558]", "CC:OrphaNeedsIcd");
        expect_none("[C50.9]", "[ORPHA:558, C50.9]", "CC:OrphaNeedsIcd");
}

/* Orphanet's checks: the quality checks run again on the read master, with the crafted Orphanet
 * file, into findings of their own. */
static void expect_orpha(const Orphanet *o, const char *base, const char *from, const char *to, const char *code,
                         bool fires) {
        _cleanup_free_ char *text = pipeline_variant_of(base ?: VALID_MASTER, from, to);
        CHECK(text != NULL);
        if (!text)
                return;
        Pipeline p;
        pipeline_run(&p, text, false);
        CHECK(p.dataset != NULL);
        Findings f;
        findings_init(&f);
        if (p.dataset)
                CHECK_INT(quality_check_dataset(p.dataset, p.vocab, &(QualityOptions) { .node = "BE", .orphanet = o }, &f), 0);
        pipeline_check_errors_only(&p, &(QualityOptions) { .node = "BE", .orphanet = o });
        const Finding *hit = NULL;
        for (size_t i = 0; i < f.n_items && !hit; i++)
                if (streq_ptr(f.items[i].code, code) && streq_ptr(f.items[i].id, COLL))
                        hit = &f.items[i];
        if (!!hit != fires)
                fprintf(stderr, "%s: expected it %s with %s\n", code, fires ? "to fire" : "not to fire", to);
        CHECK(!!hit == fires);
        if (hit)
                CHECK_INT(hit->severity, quality_check_info(code)->level);
        findings_done(&f);
        pipeline_done(&p);
}

TEST(test_orphanet) {
        _cleanup_(orphanet_freep) Orphanet *o = NULL;
        Findings f;
        findings_init(&f);
        CHECK_INT(orphanet_load(SOURCE_ROOT "/tests/data/en_product1-small.xml", &o, &f), 0);
        findings_done(&f);
        if (!o)
                return;
        _cleanup_free_ char *rd = pipeline_variant("[Disease specific]", "[Rare disease collection]");
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:50918, C50.9]", "CC:OrphaInvalid", true);
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:558, C50.9]", "CC:OrphaInvalid", false);
        /* with the file, an unknown ORPHA code is no ORPHA code for the other checks */
        expect_orpha(o, rd, "[C50.9]", "[ORPHA:50918, C50.9]", "CC:RDOrphaMissing", true);
        expect_orpha(o, rd, "[C50.9]", "[ORPHA:558, C50.9]", "CC:RDOrphaMissing", false);
        /* C50.9: exactly to 101 (safe), broader to 180250 (risky) */
        expect_orpha(o, rd, NULL, "", "CC:DiagCrosswalkOrphaSuggest", true);
        expect_orpha(o, NULL, NULL, "", "CC:DiagCrosswalkOrphaSuggest", false); /* no RD, no ORPHA code */
        expect_orpha(o, rd, "[C50.9]", "[ORPHA:101, C50.9]", "CC:DiagCrosswalkOrphaAmbiguous", true);
        expect_orpha(o, rd, "[C50.9]", "[ORPHA:101, ORPHA:180250, C50.9]", "CC:DiagCrosswalkOrphaAmbiguous",
                     false);
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:558, C50.9]", "CC:DiagCrosswalkIcdSuggest", true);
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:558, Q87.4]", "CC:DiagCrosswalkIcdSuggest", false);
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:180250, C50.9]", "CC:DiagCrosswalkIcdAmbiguous", true);
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:180250, C50.9, C50.8]", "CC:DiagCrosswalkIcdAmbiguous", false);
        /* Q77.3 maps only to a narrower ORPHA code (risky): no single suggestion, so the list */
        expect_orpha(o, rd, "[C50.9]", "[Q77.3]", "CC:RDOrphaSuggest", true);
        expect_orpha(o, rd, NULL, "", "CC:RDOrphaSuggest", false); /* C50.9 has its single suggestion */
        /* every ORPHA code with a missing translation gets a crosswalk finding first (see README) */
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:558, C50.9]", "CC:OrphaIcdSuggest", false);
        expect_orpha(o, NULL, "[C50.9]", "[ORPHA:558, Q87.4]", "CC:OrphaIcdSuggest", false);
}

/* Orphanet's file is read under the MIABIS reader's rules: each of these is refused. */
TEST(test_orphanet_refused) {
        static const struct {
                const char *text, *fragment;
        } cases[] = {
                { "<?xml version=\"1.0\"?>\n<!DOCTYPE JDBOR [<!ENTITY a \"aaaa\">]>\n<JDBOR>&a;</JDBOR>\n", "DOCTYPE" },
                { "<?xml version=\"1.0\"?>\n<JDBOR><DisorderList>\n", "" },
                { "<?xml version=\"1.0\"?>\n<miabis/>\n", "<JDBOR>" },
                { "<JDBOR><DisorderList><Disorder><Name lang=\"en\">x</Name></Disorder></DisorderList></JDBOR>",
                  "no disorder" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Findings f;
                findings_init(&f);
                Orphanet *o = NULL;
                CHECK_INT(orphanet_parse(cases[i].text, strlen(cases[i].text), "en_product1.xml", &o, &f), -EBADMSG);
                CHECK(o == NULL);
                CHECK(f.n_errors >= 1);
                CHECK(f.n_items >= 1 && strstr(f.items[0].message, cases[i].fragment) != NULL);
                CHECK(f.n_items >= 1 && streq_ptr(f.items[0].file, "en_product1.xml"));
                findings_done(&f);
        }
        /* nesting deeper than the limit */
        _cleanup_free_ char *deep = NULL;
        for (unsigned i = 0; i <= LIMIT_XML_DEPTH + 1; i++) {
                char *next = strdup_printf("%s%s", deep ?: "<JDBOR>", "<a>");
                free(deep);
                deep = next;
        }
        Findings f;
        findings_init(&f);
        Orphanet *o = NULL;
        CHECK_INT(orphanet_parse(deep, strlen(deep), "deep.xml", &o, &f), -E2BIG);
        findings_done(&f);
}

TEST(test_samples) {
        expect_coll("        materials: [Serum]\n", "", "CC:MaterialsMissing");
        expect_none(NULL, "", "CC:MaterialsMissing");
        expect_coll("[Biological samples, Medical records]", "[Medical records]", "CC:SampleCatMismatch");
        expect_none(NULL, "", "CC:SampleCatMismatch");
}

TEST(test_imaging) {
        static const char imaging[] = "[Biological samples, Medical records, Imaging data]";
        expect_coll("[Biological samples, Medical records]", imaging, "CC:ImgModMissing");
        expect_none("[Biological samples, Medical records]", "[Biological samples, Medical records, Imaging data]\n"
                    "        imaging_modality: [MR]\n#", "CC:ImgModMissing");
        expect_coll("[Biological samples, Medical records]", imaging, "CC:ImgDataMissing");
        expect_none("[Biological samples, Medical records]", "[Biological samples, Medical records, Imaging data]\n"
                    "        image_dataset_type: [Video Photographic Image IOD]\n#", "CC:ImgDataMissing");
        expect_coll("        materials", "        imaging_modality: [MR]\n        materials", "CC:ImageCatMissing");
        expect_none("[Biological samples, Medical records]", "[Biological samples, Medical records, Imaging data]\n"
                    "        imaging_modality: [MR]\n#", "CC:ImageCatMissing");
        expect_coll("        materials", "        imaging_modality: [MR]\n        materials", "CC:ImageTypeMissing");
        expect_none("[Disease specific]\n", "[Disease specific, Image collection]\n        imaging_modality: [MR]\n",
                    "CC:ImageTypeMissing");
}

TEST(test_size) {
        expect_coll("        size: 12000\n", "        size: 12000\n        order_of_magnitude: 2\n", "CC:SizeOoMMismatch");
        expect_none("        size: 12000\n", "        size: 12000\n        order_of_magnitude: 4\n", "CC:SizeOoMMismatch");
        /* the bounds belong to the order of magnitude */
        expect_none("        size: 12000\n", "        size: 10000\n        order_of_magnitude: 4\n", "CC:SizeOoMMismatch");
        expect_none("        size: 12000\n", "        size: 100000\n        order_of_magnitude: 4\n", "CC:SizeOoMMismatch");
        expect_coll("        size: 12000\n", "        size: 9999\n        order_of_magnitude: 4\n", "CC:SizeOoMMismatch");
        expect_coll("        size: 12000\n", "        size: 100001\n        order_of_magnitude: 4\n", "CC:SizeOoMMismatch");
        {
                _cleanup_free_ char *text = pipeline_variant("        size: 12000\n", "        size: 12000\n        order_of_magnitude: 2\n");
                Pipeline p;
                pipeline_run(&p, text ?: "", true);
                const Finding *f = pipeline_finding(&p, "CC:SizeOoMMismatch");
                CHECK(f && streq_ptr(f->message, "size 12000 is outside its order of magnitude 2 (100 to 1000)"));
                pipeline_done(&p);
        }
        /* at most 10 samples: the order of magnitude 1 says little, BBMRI-ERIC does not check it */
        expect_none("        size: 12000\n", "        size: 12000\n        order_of_magnitude: 1\n", "CC:SizeOoMMismatch");
        expect_coll("        size: 12000\n", "        size: 120000\n        order_of_magnitude: 5\n", "CC:LargeNoSubcoll");
        _cleanup_free_ char *large = pipeline_variant("        size: 12000\n", "        size: 120000\n        order_of_magnitude: 5\n");
        pipeline_expect_in(large, TAIL, TAIL SUB_COLLECTION(""), "CC:LargeNoSubcoll", false, NULL, NULL);
        expect_none("        size: 12000\n", "        size: 12000\n        order_of_magnitude: 4\n", "CC:LargeNoSubcoll");
        expect_coll("        size: 12000\n", "        order_of_magnitude: 6\n", "CC:LargeOoMOnly");
        expect_none("        size: 12000\n", "        size: 1200000\n        order_of_magnitude: 6\n", "CC:LargeOoMOnly");
}

TEST(test_ages) {
        expect_coll("        age_unit: year\n", "", "CC:AgeUnitMissing");
        expect_none(NULL, "", "CC:AgeUnitMissing");
        expect_coll("        age_low: 18\n", "        age_low: -5\n", "CC:AgeLowBelowMin");
        /* prenatal: -1 year is allowed, and -12 in months */
        expect_none("        age_low: 18\n", "        age_low: -1\n", "CC:AgeLowBelowMin");
        expect_none("        age_low: 18\n        age_high: 90\n        age_unit: year\n",
                    "        age_low: -12\n        age_high: 90\n        age_unit: month\n", "CC:AgeLowBelowMin");
        expect_coll("        age_low: 18\n        age_high: 90\n        age_unit: year\n",
                    "        age_low: -13\n        age_high: 90\n        age_unit: month\n", "CC:AgeLowBelowMin");
        expect_coll("        age_low: 18\n        age_high: 90\n", "        age_high: -3\n", "CC:AgeHighBelowMin");
        expect_none(NULL, "", "CC:AgeHighBelowMin");
        expect_coll("        age_low: 18\n", "        age_low: 95\n", "CC:AgeRangeInverted");
        expect_none(NULL, "", "CC:AgeRangeInverted");
        expect_coll("        age_low: 18\n", "        age_low: 90\n", "CC:AgeRangePoint");
        expect_none(NULL, "", "CC:AgeRangePoint");
}


/* A fact row of a collection's `facts:` list. */
#define FACT(id, sex, age, material, disease, samples, donors)                                             \
        "          - {id: " id ", sex: \"" sex "\", age_range: \"" age "\", sample_type: \"" material      \
        "\", disease: \"" disease "\", number_of_samples: " samples ", number_of_donors: " donors            \
        ", last_update: 2026-01-15}\n"
/* The oncology collection's fact sheet: the all-star row, and one row per value with the other
 * dimensions '*'. */
#define ALL_STAR FACT("f0", "*", "*", "*", "*", "12000", "500")
#define ONE_STAR_SERUM FACT("f2", "*", "*", "Serum", "*", "12000", "500")
#define ONE_STAR_C50 FACT("f3", "*", "*", "*", "C50.9", "12000", "500")
#define SHEET(rows) "        facts:\n" rows
#define GOOD_SHEET SHEET(ALL_STAR ONE_STAR_SERUM ONE_STAR_C50)
#define DNA_NETWORK "        network: [\"bbmri-eric:networkID:EU_BBMRI-ERIC:networks:BBMRI-Cohorts_DNA\"]\n"

static const char *const fact_checks[] = {
        "FT:DonorsZero",     "FT:KAnonViolation", "FT:CollFactsMismatch", "FT:AllStarMissing",  "FT:OneStarMissing",
        "FT:OneStarValue",   "FT:AllStarSizeGap", "FT:AllStarDonorGap",   "FT:SizeAboveAllStar", "FT:SizeBelowAllStar",
        "FT:SizeMissing",    "FT:DnaMaterials",   "FT:DnaNavPresent",     "CP:SizeOver",         "CP:DonorOver",
        "CP:SizeUnknown",    "CP:DonorUnknown",   "CP:FactSizeOver",      "CP:FactDonorOver",    "CP:FactSizeUnknown",
        "CP:FactDonorUnknown", "FT:AgeUnitMismatch", "FT:AgeRangeMismatch", "FT:AgeRangeBroad",
};

TEST(test_good_sheet_is_clean) {
        for (size_t i = 0; i < ELEMENTSOF(fact_checks); i++)
                expect_none(NULL, GOOD_SHEET, fact_checks[i]);
        expect_none(TAIL, TAIL DNA_NETWORK GOOD_SHEET, "FT:DnaMaterials");
}

TEST(test_fact_sheet) {
        expect_coll(NULL, SHEET(FACT("f0", "*", "*", "*", "*", "12000", "0") ONE_STAR_SERUM ONE_STAR_C50),
                    "FT:DonorsZero");
        expect_coll(NULL, SHEET(ALL_STAR ONE_STAR_SERUM FACT("f3", "*", "*", "*", "C50.9", "12000", "5")),
                    "FT:KAnonViolation");
        expect_coll(NULL, SHEET(ALL_STAR ONE_STAR_SERUM FACT("f3", "*", "*", "*", "C18.9", "12000", "500")),
                    "FT:CollFactsMismatch");
        expect_coll(NULL, SHEET(ALL_STAR FACT("f2", "*", "*", "Plasma", "*", "12000", "500") ONE_STAR_C50),
                    "FT:CollFactsMismatch");
        expect_coll(NULL, GOOD_SHEET FACT("f4", "Female", "*", "*", "*", "12000", "500"), "FT:CollFactsMismatch");
        expect_coll(NULL, SHEET(ONE_STAR_SERUM ONE_STAR_C50), "FT:AllStarMissing");
        expect_coll(NULL, GOOD_SHEET FACT("f4", "*", "*", "*", "*", "12000", "500"), "FT:AllStarMissing");
        expect_coll(NULL, SHEET(ALL_STAR FACT("f4", "*", "Adult", "Serum", "C50.9", "12000", "500")),
                    "FT:OneStarMissing");
        expect_coll(NULL, GOOD_SHEET FACT("f4", "*", "Adult", "Serum", "C50.9", "12000", "500"), "FT:OneStarValue");
        expect_coll(NULL, SHEET(FACT("f0", "*", "*", "*", "*", "11000", "500") ONE_STAR_SERUM ONE_STAR_C50),
                    "FT:AllStarSizeGap");
        expect_coll(NULL, SHEET(FACT("f0", "*", "*", "*", "*", "11000", "500") ONE_STAR_SERUM ONE_STAR_C50),
                    "FT:SizeAboveAllStar");
        expect_none(NULL, SHEET(FACT("f0", "*", "*", "*", "*", "11000", "500") ONE_STAR_SERUM ONE_STAR_C50),
                    "FT:SizeBelowAllStar");
        expect_coll(NULL, SHEET(FACT("f0", "*", "*", "*", "*", "13000", "500") ONE_STAR_SERUM ONE_STAR_C50),
                    "FT:SizeBelowAllStar");
        expect_coll(TAIL, TAIL "        number_of_donors: 400\n" GOOD_SHEET, "FT:AllStarDonorGap");
        expect_none(TAIL, TAIL "        number_of_donors: 500\n" GOOD_SHEET, "FT:AllStarDonorGap");
        expect_coll("        size: 12000\n        diagnosis_available: [C50.9]\n        age_low: 18\n        age_high: 90\n" TAIL,
                    "        order_of_magnitude: 4\n        diagnosis_available: [C50.9]\n" GOOD_SHEET, "FT:SizeMissing");
        expect_coll(TAIL, TAIL DNA_NETWORK SHEET(ALL_STAR FACT("f2", "*", "*", "Urine", "*", "12000", "500")),
                    "FT:DnaMaterials");
        expect_coll(TAIL, TAIL DNA_NETWORK SHEET(ALL_STAR ONE_STAR_SERUM FACT("f4", "*", "*", "NAV", "*", "1", "0")),
                    "FT:DnaNavPresent");
        expect_none(TAIL, TAIL DNA_NETWORK GOOD_SHEET, "FT:DnaNavPresent");
        /* NAV among the sheet's materials is left out of the comparison, wherever it came */
        expect_none(TAIL, TAIL DNA_NETWORK SHEET(ALL_STAR ONE_STAR_SERUM ONE_STAR_C50 FACT("f4", "*", "*", "NAV", "*", "1", "0")),
                    "FT:CollFactsMismatch");
        expect_none(TAIL, TAIL DNA_NETWORK SHEET(ALL_STAR FACT("f4", "*", "*", "NAV", "*", "1", "0") ONE_STAR_SERUM ONE_STAR_C50),
                    "FT:CollFactsMismatch");
}

/* The sub-collection's fact sheet: an all-star row. */
#define SUB_SHEET(samples, donors) "        facts:\n" FACT("s0", "*", "*", "*", "*", samples, donors)

TEST(test_fact_ages) {
        static const char adult[] = GOOD_SHEET FACT("f4", "*", "Adult", "*", "*", "100", "50");
        expect_coll(NULL, adult, "FT:AgeRangeBroad");
        expect_none(NULL, adult, "FT:AgeRangeMismatch");
        expect_coll(NULL, GOOD_SHEET FACT("f4", "*", "Child", "*", "*", "100", "50"), "FT:AgeRangeMismatch");
        expect_none(NULL, adult, "FT:AgeUnitMismatch");
        _cleanup_free_ char *adults = pipeline_variant("        age_low: 18\n        age_high: 90\n",
                                                       "        age_low: 25\n        age_high: 44\n");
        pipeline_expect_in(adults, NULL, adult, "FT:AgeRangeBroad", false, NULL, NULL);
        pipeline_expect_in(adults, NULL, adult, "FT:AgeRangeMismatch", false, NULL, NULL);
        /* a label row without support among well-supported ones is left out */
        pipeline_expect_in(adults, NULL, GOOD_SHEET FACT("f4", "*", "Adult", "*", "*", "100", "50")
                           FACT("f5", "*", "Child", "*", "*", "0", "0"), "FT:AgeRangeMismatch", false, NULL, NULL);
        expect_coll("        age_unit: year\n", "        age_unit: month\n" "        facts:\n" ALL_STAR ONE_STAR_SERUM
                    ONE_STAR_C50 FACT("f4", "*", "Adult", "*", "*", "100", "50"), "FT:AgeUnitMismatch");
}

/* The messages built without printf: what the format said. */
TEST(test_fact_messages) {
        static const struct {
                const char *rows, *code, *message;
        } cases[] = {
                { GOOD_SHEET FACT("f4", "*", "Adult", "*", "*", "100", "50"), "FT:AgeRangeBroad",
                  "the collection's ages 18 to 90 are broader than its fact sheet's (25 to 44 YEAR)" },
                { GOOD_SHEET FACT("f4", "*", "Aged (>80 years)", "*", "*", "100", "50"), "FT:AgeRangeBroad",
                  "the collection's ages 18 to 90 are broader than its fact sheet's (80 to over 80 YEAR)" },
                { SHEET(ONE_STAR_SERUM ONE_STAR_C50), "FT:AllStarMissing", "expected exactly one all-star fact row, found 0" },
                { GOOD_SHEET FACT("f4", "*", "*", "*", "*", "12000", "500"), "FT:AllStarMissing",
                  "expected exactly one all-star fact row, found 2" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = pipeline_variant(NULL, cases[i].rows);
                CHECK(text != NULL);
                Pipeline p;
                pipeline_run(&p, text ?: "", true);
                const Finding *f = pipeline_finding(&p, cases[i].code);
                CHECK(f != NULL);
                if (f && !streq_ptr(f->message, cases[i].message))
                        fprintf(stderr, "case %zu: '%s'\n", i, f->message);
                CHECK(f && streq_ptr(f->message, cases[i].message));
                pipeline_done(&p);
        }
}

TEST(test_partitioning) {
        expect_coll(NULL, SUB_COLLECTION("        size: 20000\n"), "CP:SizeOver");
        expect_none(NULL, SUB_COLLECTION("        size: 2000\n"), "CP:SizeOver");
        expect_coll(NULL, SUB_COLLECTION(""), "CP:SizeUnknown");
        expect_none(NULL, SUB_COLLECTION("        size: 2000\n"), "CP:SizeUnknown");
        expect_coll(TAIL, TAIL "        number_of_donors: 100\n" SUB_COLLECTION("        number_of_donors: 200\n"),
                    "CP:DonorOver");
        expect_none(TAIL, TAIL "        number_of_donors: 100\n" SUB_COLLECTION("        number_of_donors: 20\n"),
                    "CP:DonorOver");
        expect_coll(TAIL, TAIL "        number_of_donors: 100\n" SUB_COLLECTION(""), "CP:DonorUnknown");
        expect_none(NULL, SUB_COLLECTION(""), "CP:DonorUnknown");
        expect_coll(NULL, GOOD_SHEET SUB_COLLECTION(SUB_SHEET("20000", "500")), "CP:FactSizeOver");
        expect_none(NULL, GOOD_SHEET SUB_COLLECTION(SUB_SHEET("2000", "50")), "CP:FactSizeOver");
        expect_coll(NULL, GOOD_SHEET SUB_COLLECTION(SUB_SHEET("2000", "600")), "CP:FactDonorOver");
        expect_none(NULL, GOOD_SHEET SUB_COLLECTION(SUB_SHEET("2000", "50")), "CP:FactDonorOver");
        expect_coll(NULL, GOOD_SHEET SUB_COLLECTION(""), "CP:FactSizeUnknown");
        expect_none(NULL, GOOD_SHEET SUB_COLLECTION(SUB_SHEET("2000", "50")), "CP:FactSizeUnknown");
        expect_coll(NULL, GOOD_SHEET SUB_COLLECTION(SUB_SHEET("2000", "")), "CP:FactDonorUnknown");
        expect_none(NULL, GOOD_SHEET SUB_COLLECTION(SUB_SHEET("2000", "50")), "CP:FactDonorUnknown");
        /* a withdrawn sub-collection is left out */
        expect_none(NULL, SUB_COLLECTION("        size: 20000\n        withdrawn: true\n"), "CP:SizeOver");
}

#define COHORTS "        network: [\"bbmri-eric:networkID:EU_BBMRI-ERIC:networks:BBMRI-Cohorts\"]\n"

TEST(test_networks) {
        expect(TAIL, TAIL "        network: [bbmri-be]\n" SUB_COLLECTION(""), "SNM:SubcollNetMissing", true, "Collections", SUB);
        expect_none(TAIL, TAIL "        network: [bbmri-be]\n" SUB_COLLECTION("        network: [bbmri-be]\n"),
                    "SNM:SubcollNetMissing");
        expect_none(NULL, SUB_COLLECTION(""), "SNM:SubcollNetMissing");

        expect_coll(TAIL, TAIL COHORTS GOOD_SHEET, "BCO:AccessConflict");
        expect_none(TAIL, TAIL COHORTS "        collaboration_commercial: true\n" GOOD_SHEET, "BCO:AccessConflict");
        /* the biobank allows it, and the collection does not forbid it */
        _cleanup_free_ char *bb_commercial = pipeline_variant("    network: [bbmri-be]\n",
                                                              "    network: [bbmri-be]\n    collaboration_commercial: true\n");
        pipeline_expect_in(bb_commercial, TAIL, TAIL COHORTS GOOD_SHEET, "BCO:AccessConflict", false, NULL, NULL);
        pipeline_expect_in(bb_commercial, TAIL, TAIL COHORTS "        collaboration_commercial: false\n" GOOD_SHEET,
                           "BCO:AccessConflict", true, "Collections", COLL);
        expect_coll(TAIL, TAIL COHORTS "        collaboration_commercial: true\n", "BCO:FactsMissing");
        expect_none(TAIL, TAIL COHORTS "        collaboration_commercial: true\n" GOOD_SHEET, "BCO:FactsMissing");
        expect_none(NULL, "", "BCO:FactsMissing");
        expect("    network: [bbmri-be]\n",
               "    network: [bbmri-be, \"bbmri-eric:networkID:EU_BBMRI-ERIC:networks:BBMRI-Cohorts_DNA\"]\n",
               "BCO:BBNetFlag", true, "Biobanks", "bbmri-eric:ID:BE_UZA");
        expect_none(NULL, "", "BCO:BBNetFlag");
}

#define DESCRIPTION "Tumour and matched normal tissue from surgery"
#define TEXT(check, description, fires) \
        expect(DESCRIPTION, description, check, fires, (fires) ? "Collections" : NULL, (fires) ? COLL : NULL)

TEST(test_text_consistency) {
        TEXT("TXT:AgeRange", "Tissue of children with leukaemia", true);
        TEXT("TXT:AgeRange", "Tumour tissue of adults", false); /* age_low 18 */
        TEXT("TXT:AgeRange", "Tissue of children and adults", false);
        TEXT("TXT:AgeRange", "Tissue of children and their parents", false);
        expect(DESCRIPTION "\n        type: [Disease specific]\n        data_categories: [Biological samples, Medical records]\n"
               "        materials: [Serum]\n        size: 12000\n        diagnosis_available: [C50.9]\n        age_low: 18",
               "Geriatric tumour tissue\n        type: [Disease specific]\n        data_categories: [Biological samples, "
               "Medical records]\n        materials: [Serum]\n        size: 12000\n        diagnosis_available: [C50.9]\n"
               "        age_low: 10", "TXT:AgeRange", true, "Collections", COLL);
        TEXT("TXT:StudyType", "A prospective case-control study of tumour tissue", true);
        TEXT("TXT:StudyType", "Tumour tissue with follow-up visits", true);
        TEXT("TXT:StudyType", "Tumour tissue, prospectively kept", false);
        _cleanup_free_ char *longitudinal = pipeline_variant("[Disease specific]", "[Disease specific, Longitudinal]");
        pipeline_expect_in(longitudinal, DESCRIPTION, "Longitudinal follow-up of tumour tissue", "TXT:StudyType", false,
                           NULL, NULL);
        TEXT("TXT:FFPEMaterial", "FFPE blocks of tumour tissue from surgery", true);
        TEXT("TXT:FFPEMaterial", "Tumour tissue. No FFPE material is kept.", false);
        TEXT("TXT:FFPEMaterial", "Tumour tissue. FFPE blocks are available via access procedure at participating "
                                 "biobanks.", true);
        TEXT("TXT:FFPEMaterial", "Tumour tissue. FFPE material is available from participating biobanks.", false);
        _cleanup_free_ char *paraffin = pipeline_variant("[Serum]", "[Serum, Tissue (paraffin preserved)]");
        pipeline_expect_in(paraffin, DESCRIPTION, "FFPE blocks of tumour tissue", "TXT:FFPEMaterial", false, NULL, NULL);
        TEXT("TXT:CovidDiag", "Serum of COVID-19 patients", true);
        TEXT("TXT:CovidDiag", "Serum of people with long COVID", true);
        TEXT("TXT:CovidDiag", "Serum collected during the COVID-19 pandemic", false);
        TEXT("TXT:CovidDiag", "Serum of people tested COVID-19 negative", false);
        _cleanup_free_ char *covid = pipeline_variant("[C50.9]", "[C50.9, U07.1]");
        pipeline_expect_in(covid, DESCRIPTION, "Serum of COVID-19 patients", "TXT:CovidDiag", false, NULL, NULL);
}

/* The pre-test (literals every match contains) lets each text through to the regular expressions
 * that match it: a match of every alternative of every pattern, in other cases and mid-sentence. */
TEST(test_text_pretest) {
        static const char *const matches[] = {
                "PEDIATRIC", "Paediatric", "children", "Child", "infant", "NEWBORN", "neonatal", "Adults", "elderly",
                "Geriatric", "adults and pediatric", "Pediatric and adult", "adult and children", "children and adults",
                "parents", "Pregnant", "mother", "father", "caretaker", "family", "young adults", "Adolescents",
                "longitudinal", "follow-up", "Follow up", "followup", "repeated visits", "prospective", "case-control",
                "case control", "cases and controls", "case and control", "FFPE", "paraffin",
                "formalin-fixed paraffin-embedded", "Formalin fixed paraffin embedded", "ffpe blocks", "Paraffin block",
                "paraffin-embedded", "paraffinov\xc3\xa9 bloky", "not available", "no FFPE", "without ffpe",
                "without paraffin", "available via access procedure", "available through access procedure",
                "contributing biobanks", "participating biobank", "available via the partner biobanks",
                "available from national biobanks", "proxy for finding other biobanks", "whole slide", "WSI", "slides",
                "sections", "stained", "staining", "IHC", "H&E", "isolated DNA", "RNA extracted from FFPE",
                "FFPE derived DNA", "extraction of FFPE", "COVID-19", "covid19", "covid 19", "SARS-CoV-2", "sars cov 2",
                "sarscov2", "coronavirus", "long covid", "Long-COVID", "post-covid", "ongoing COVID", "COVID-19 negative",
                "covid19: negative", "not detected", "negative for SARS-CoV-2", "seronegative", "vaccine", "booster",
                "immunisation", "immunization", "vaccinated", "pandemic", "lockdown", "questionnaire", "survey",
                "school closures", "day care", "serology", "seroprevalence", "antibodies", "impact on",
                "covid-19 patients", "recovered patient", "convalescent", "after COVID-19 infection", "covid19 cohort",
                "hospitalised with covid", "hospitalized for covid",
        };
        for (size_t i = 0; i < ELEMENTSOF(matches); i++) {
                _cleanup_free_ char *text = strdup_printf("Tissue and data;\n%s, kept at -80 C.", matches[i]);
                int n = quality_text_lists_matching(text);
                if (n <= 0)
                        fprintf(stderr, "'%s': %d\n", matches[i], n);
                CHECK(n > 0);
        }
        CHECK_INT(quality_text_lists_matching("Tumour tissue from surgery"), 0);
        /* outside ASCII the regular expressions decide alone */
        CHECK(quality_text_lists_matching("Tissue of CHILDREN \xc3\xa9") > 0);
}

TEST(test_withdrawn_left_out) {
        expect_coll("        type: [Disease specific]\n", "", "CC:TypeMissing");
        expect_none("        type: [Disease specific]\n", "        withdrawn: true\n", "CC:TypeMissing");
        /* a sub-collection of a withdrawn collection is left out, also where the parents loop */
#define INVERTED SUB_COLLECTION("        age_low: 30\n        age_high: 20\n        age_unit: year\n")
        expect(TAIL, TAIL INVERTED, "CC:AgeRangeInverted", true, "Collections", SUB);
        expect_none(TAIL, TAIL "        withdrawn: true\n" INVERTED, "CC:AgeRangeInverted");
        expect(TAIL, TAIL "        parent_collection: sub\n" INVERTED, "CC:AgeRangeInverted", true, "Collections", SUB);
        expect_none(TAIL, TAIL "        parent_collection: sub\n        withdrawn: true\n" INVERTED, "CC:AgeRangeInverted");
#undef INVERTED
}

TEST_MAIN(RUN(test_valid_master_is_clean); RUN(test_types_and_diagnoses); RUN(test_diagnosis_ranges);
          RUN(test_rare_disease); RUN(test_orphanet); RUN(test_orphanet_refused); RUN(test_samples); RUN(test_imaging); RUN(test_size); RUN(test_ages);
          RUN(test_good_sheet_is_clean); RUN(test_fact_sheet); RUN(test_fact_ages); RUN(test_fact_messages); RUN(test_partitioning);
          RUN(test_networks); RUN(test_text_consistency);
          RUN(test_text_pretest); RUN(test_withdrawn_left_out))
