/* SPDX-License-Identifier: MIT */
/* Quality checks, part A: collection content (CC). Each check: data that trips it, data that
 * does not. */
#include "quality.h"
#include "test-pipeline.h"

#define COLL "bbmri-eric:ID:BE_UZA:collection:oncology"
#define SUB "bbmri-eric:ID:BE_UZA:collection:sub"

#define expect pipeline_expect
#define expect_coll(from, to, code) expect((from), (to), (code), true, "Collections", COLL)
#define expect_none(from, to, code) expect((from), (to), (code), false, NULL, NULL)

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
        expect_none("[Disease specific]", "[Rare disease collection]\n        diagnosis_available: [ORPHA:558, C50.9]\n#",
                    "CC:RDOrphaMissing");
        expect_coll("[C50.9]", "[ORPHA:558, C50.9]", "CC:OrphaNeedsRDType");
        expect_none("[Disease specific]", "[Rare disease collection]\n        diagnosis_available: [ORPHA:558, C50.9]\n#",
                    "CC:OrphaNeedsRDType");
        expect_coll("[C50.9]", "[ORPHA:558]", "CC:OrphaNeedsIcd");
        expect_none("[C50.9]", "[ORPHA:558, C50.9]", "CC:OrphaNeedsIcd");
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
                    "        image_dataset_type: [Video]\n#", "CC:ImgDataMissing");
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
        /* at most 10 samples: the order of magnitude 1 says little, BBMRI-ERIC does not check it */
        expect_none("        size: 12000\n", "        size: 12000\n        order_of_magnitude: 1\n", "CC:SizeOoMMismatch");
        expect_coll("        size: 12000\n", "        size: 120000\n        order_of_magnitude: 5\n", "CC:LargeNoSubcoll");
        expect_none("        size: 12000\n", "        size: 120000\n        order_of_magnitude: 5\n" SUB_COLLECTION(""),
                    "CC:LargeNoSubcoll");
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

TEST(test_withdrawn_left_out) {
        expect_coll("        type: [Disease specific]\n", "", "CC:TypeMissing");
        expect_none("        type: [Disease specific]\n", "        withdrawn: true\n", "CC:TypeMissing");
}

TEST_MAIN(RUN(test_valid_master_is_clean); RUN(test_types_and_diagnoses); RUN(test_diagnosis_ranges);
          RUN(test_rare_disease); RUN(test_samples); RUN(test_imaging); RUN(test_size); RUN(test_ages);
          RUN(test_withdrawn_left_out))
