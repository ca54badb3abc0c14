/* SPDX-License-Identifier: MIT */
/* CollectionContent (CC): whether a collection's types, data categories, materials, diagnoses,
 * imaging fields, size and age range say the same thing. Withdrawn collections are left out, as
 * BBMRI-ERIC's tool does. */
#include <math.h>

#include "limits.h"

#include "quality-families.h"

#define ICD10_PREFIX "urn:miriam:icd:"
#define ORPHA_PREFIX "ORPHA:"

static const QualityCheckInfo content_checks[] = {
        { "CC:TypeMissing", SEVERITY_QUALITY_ERROR, "Collections", "The collection has no type.",
          "Give the collection its type(s), e.g. Disease specific, Population based." },
        { "CC:DiagRange", SEVERITY_QUALITY_ERROR, "Collections",
          "A diagnosis is a range of codes, which makes the diagnosis search miss the collection.",
          "List the diagnosis codes themselves instead of the range." },
        { "CC:SizeOoMMismatch", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection's size is outside its order of magnitude.",
          "Correct the size or the order of magnitude so that 10^OoM <= size <= 10^(OoM+1)." },
        { "CC:LargeNoSubcoll", SEVERITY_QUALITY_INFO, "Collections",
          "A large collection (order of magnitude above 4) has no sub-collections.",
          "Unless the collection is really homogeneous, describe its parts as sub-collections." },
        { "CC:LargeOoMOnly", SEVERITY_QUALITY_INFO, "Collections",
          "A very large collection (order of magnitude above 5) has no exact size.",
          "Give the collection's exact size (number of samples)." },
        { "CC:DiagMissingDisease", SEVERITY_QUALITY_ERROR, "Collections",
          "A hospital, disease-specific or rare-disease collection lists no diagnosis.",
          "List the collection's diagnoses (diagnosis_available) as ICD-10 or ORPHA codes." },
        { "CC:DiagTypeMismatch", SEVERITY_QUALITY_INFO, "Collections",
          "Diagnoses are listed but the collection is not of type hospital, disease specific or rare disease.",
          "Check the collection's types; add Hospital, Disease specific or Rare disease where it is one." },
        { "CC:MaterialsMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "Biological samples are among the data categories but no material type is listed.",
          "List the material types of the samples (materials)." },
        { "CC:SampleCatMismatch", SEVERITY_QUALITY_ERROR, "Collections",
          "Material types are listed but Biological samples is not among the data categories.",
          "Add Biological samples to the data categories, or remove the material types." },
        { "CC:MedRecDiagGap", SEVERITY_QUALITY_WARNING, "Collections",
          "Medical records are among the data categories but no diagnosis is listed.",
          "List the diagnoses the medical records cover (diagnosis_available)." },
        { "CC:DiagCatMismatch", SEVERITY_QUALITY_WARNING, "Collections",
          "Diagnoses are listed but Medical records is not among the data categories.",
          "Add Medical records to the data categories where the diagnoses come from them." },
        { "CC:RDOrphaMissing", SEVERITY_QUALITY_WARNING, "Collections",
          "A rare-disease collection lists no ORPHA code among its diagnoses.",
          "Add the ORPHA codes of the rare diseases the collection covers." },
        { "CC:OrphaNeedsRDType", SEVERITY_QUALITY_WARNING, "Collections",
          "ORPHA codes are listed but the collection is not of type rare disease.",
          "Add Rare disease (RD) to the collection's types." },
        { "CC:OrphaNeedsIcd", SEVERITY_QUALITY_WARNING, "Collections",
          "ORPHA codes are listed but no ICD-10 code, so searches by ICD-10 miss the collection.",
          "Add the ICD-10 codes matching the ORPHA codes." },
        { "CC:ImgModMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "Imaging data is among the data categories but no imaging modality is listed.",
          "List the imaging modalities (imaging_modality)." },
        { "CC:ImgDataMissing", SEVERITY_QUALITY_WARNING, "Collections",
          "Imaging data is among the data categories but no image dataset type is listed.",
          "List the image dataset types (image_dataset_type)." },
        { "CC:ImageCatMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "Imaging modalities or image dataset types are listed but Imaging data is not among the data categories.",
          "Add Imaging data to the data categories." },
        { "CC:ImageTypeMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "Imaging modalities or image dataset types are listed but the collection is not of type image.",
          "Add Image to the collection's types." },
        { "CC:AgeUnitMissing", SEVERITY_QUALITY_ERROR, "Collections", "An age range is given without an age unit.",
          "Give the age unit (age_unit) of age_low and age_high." },
        { "CC:AgeLowBelowMin", SEVERITY_QUALITY_ERROR, "Collections",
          "age_low is below the lowest possible age (-1 year, i.e. prenatal, in the collection's unit).",
          "Correct age_low." },
        { "CC:AgeHighBelowMin", SEVERITY_QUALITY_ERROR, "Collections",
          "age_high is below the lowest possible age (-1 year, i.e. prenatal, in the collection's unit).",
          "Correct age_high." },
        { "CC:AgeRangeInverted", SEVERITY_QUALITY_ERROR, "Collections", "age_low is higher than age_high.",
          "Swap or correct age_low and age_high." },
        { "CC:AgeRangePoint", SEVERITY_QUALITY_INFO, "Collections",
          "age_low equals age_high (may be right, often a typing error).",
          "Check age_low and age_high; widen the range where the collection covers more ages." },
};

typedef struct ContentColumns {
        int type, categories, materials, diagnoses, size, oom, modality, image_type, age_low, age_high,
                age_unit;
} ContentColumns;

static bool has_any_type(const char *types, const char *const *wanted) {
        for (; *wanted; wanted++)
                if (quality_list_has(types, *wanted))
                        return true;
        return false;
}

/* -1 years in the collection's age unit: the lowest age (prenatal) BBMRI-ERIC accepts. */
static double age_min_limit(const char *unit) {
        if (streq_ptr(unit, "MONTH"))
                return -12.0;
        if (streq_ptr(unit, "WEEK"))
                return -52.1775;
        if (streq_ptr(unit, "DAY"))
                return -365.2;
        return -1.0;
}

typedef struct Diagnoses {
        size_t n, n_icd10, n_orpha, n_ranges;
        const char *first_range; /* into the cell: up to the next separator */
        size_t first_range_len;
} Diagnoses;

/* Whether an ORPHA: diagnosis counts as one (BBMRI-ERIC's tool counts the codes Orphanet knows;
 * without Orphanet's file every ORPHA: code counts, as the check's documentation says). */
static bool orpha_counts(const QualityContext *q, const char *code, size_t len) {
        const Orphanet *o = q->options ? q->options->orphanet : NULL;
        char buf[LIMIT_QUALITY_CODE_BYTES];
        if (!o)
                return true;
        len -= strlen(ORPHA_PREFIX);
        if (len >= sizeof buf)
                return false;
        memcpy(buf, code + strlen(ORPHA_PREFIX), len);
        buf[len] = 0;
        return orphanet_is_code(o, buf); /* an unknown one is CC:OrphaInvalid (quality-orphanet.c) */
}

/* Whether a diagnosis range is a term of DiseaseTypes (or cannot be told: no copy of it). A range
 * that is no term is a vocabulary error already, reported by validate.c as CC:DiagRange of kind
 * error: one finding per value, and the error wins. */
static bool range_not_refused(const QualityContext *q, const char *code, size_t len) {
        char buf[LIMIT_QUALITY_CODE_BYTES];
        if (len >= sizeof buf)
                return true;
        memcpy(buf, code, len);
        buf[len] = 0;
        return vocab_check(q->v, "DiseaseTypes", buf) != VOCAB_NOT_MEMBER;
}

static Diagnoses count_diagnoses(const QualityContext *q, const char *cell) {
        Diagnoses g = {};
        const char *state = cell, *it;
        size_t n;
        while (dataset_list_next(&state, &it, &n)) {
                g.n++;
                if (memchr(it, '-', n) && range_not_refused(q, it, n) && g.n_ranges++ == 0) {
                        g.first_range = it;
                        g.first_range_len = n;
                }
                if (n > strlen(ICD10_PREFIX) && memcmp(it, ICD10_PREFIX, strlen(ICD10_PREFIX)) == 0)
                        g.n_icd10++;
                else if (n > strlen(ORPHA_PREFIX) && memcmp(it, ORPHA_PREFIX, strlen(ORPHA_PREFIX)) == 0 &&
                         orpha_counts(q, it, n))
                        g.n_orpha++;
        }
        return g;
}

static int check_diagnoses(QualityContext *q, const ContentColumns *k, const Row *row) {
        size_t t = (size_t) q->collections;
        const char *types = quality_cell(row, k->type), *cats = quality_cell(row, k->categories);
        static const char *const disease_types[] = { "HOSPITAL", "DISEASE_SPECIFIC", "RD", NULL };
        Diagnoses g = count_diagnoses(q, quality_cell(row, k->diagnoses));
        if (g.n_ranges > 0)
                QUALITY_REPORT(q, "CC:DiagRange", t, row, k->diagnoses,
                               "'%.*s' is a range of diagnoses (%zu such in all); list the codes themselves",
                               (int) g.first_range_len, g.first_range, g.n_ranges);
        bool disease = types && has_any_type(types, disease_types);
        if (disease && g.n == 0)
                QUALITY_REPORT(q, "CC:DiagMissingDisease", t, row, k->type,
                               "a hospital, disease-specific or rare-disease collection lists no diagnosis");
        if (g.n > 0 && !disease)
                QUALITY_REPORT(q, "CC:DiagTypeMismatch", t, row, k->type,
                               "diagnoses are listed but no type is hospital, disease specific or rare disease");
        if (quality_list_has(cats, "MEDICAL_RECORDS") && g.n == 0)
                QUALITY_REPORT(q, "CC:MedRecDiagGap", t, row, k->categories,
                               "medical records are available but no diagnosis is listed");
        if (g.n > 0 && !quality_list_has(cats, "MEDICAL_RECORDS"))
                QUALITY_REPORT(q, "CC:DiagCatMismatch", t, row, k->categories,
                               "diagnoses are listed but Medical records is not among the data categories");
        bool rd = quality_list_has(types, "RD");
        if (rd && g.n_orpha == 0)
                QUALITY_REPORT(q, "CC:RDOrphaMissing", t, row, k->diagnoses,
                               "a rare-disease collection lists no ORPHA code");
        if (g.n_orpha > 0 && !rd)
                QUALITY_REPORT(q, "CC:OrphaNeedsRDType", t, row, k->type,
                               "ORPHA codes are listed but the collection's types lack rare disease (RD)");
        if (g.n_orpha > 0 && g.n_icd10 == 0)
                QUALITY_REPORT(q, "CC:OrphaNeedsIcd", t, row, k->diagnoses,
                               "ORPHA codes are listed but no ICD-10 code");
        return 0;
}

static int check_samples_and_images(QualityContext *q, const ContentColumns *k, const Row *row) {
        size_t t = (size_t) q->collections;
        const char *types = quality_cell(row, k->type), *cats = quality_cell(row, k->categories),
                   *mats = quality_cell(row, k->materials), *modality = quality_cell(row, k->modality),
                   *image_type = quality_cell(row, k->image_type);
        if (!types)
                QUALITY_REPORT(q, "CC:TypeMissing", t, row, k->type, "the collection has no type");
        bool samples = quality_list_has(cats, "BIOLOGICAL_SAMPLES");
        if (samples && !mats)
                QUALITY_REPORT(q, "CC:MaterialsMissing", t, row, k->categories,
                               "biological samples are available but no material type is listed");
        if (mats && !samples)
                QUALITY_REPORT(q, "CC:SampleCatMismatch", t, row, k->materials,
                               "material types are listed but Biological samples is not among the data categories");
        bool imaging = quality_list_has(cats, "IMAGING_DATA");
        if (imaging && !modality)
                QUALITY_REPORT(q, "CC:ImgModMissing", t, row, k->categories,
                               "imaging data is available but no imaging modality is listed");
        if (imaging && !image_type)
                QUALITY_REPORT(q, "CC:ImgDataMissing", t, row, k->categories,
                               "imaging data is available but no image dataset type is listed");
        if ((modality || image_type) && !imaging)
                QUALITY_REPORT(q, "CC:ImageCatMissing", t, row, k->categories,
                               "imaging modalities or image dataset types are listed but Imaging data is not among "
                               "the data categories");
        if ((modality || image_type) && !quality_list_has(types, "IMAGE"))
                QUALITY_REPORT(q, "CC:ImageTypeMissing", t, row, k->type,
                               "imaging modalities or image dataset types are listed but the collection's types "
                               "lack Image");
        return 0;
}

/* 10^n, as pow() gives it: read from a table where a double holds it exactly (up to 10^22). */
static double power_of_ten(long long n) {
        static const double exact[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
        return n >= 0 && (size_t) n < ELEMENTSOF(exact) ? exact[n] : pow(10.0, (double) n);
}

static int check_size(QualityContext *q, const ContentColumns *k, const Row *row, bool has_children) {
        size_t t = (size_t) q->collections;
        long long size, oom;
        bool has_size = quality_parse_int(quality_cell(row, k->size), &size);
        if (!quality_parse_int(quality_cell(row, k->oom), &oom))
                return 0;
        if (has_size && oom > 1) {
                double lo = power_of_ten(oom), hi = power_of_ten(oom + 1);
                if ((double) size < lo || (double) size > hi)
                        QUALITY_REPORT(q, "CC:SizeOoMMismatch", t, row, k->size,
                                       "size %lld is outside its order of magnitude %lld (%.0f to %.0f)", size, oom, lo,
                                       hi);
        }
        if (oom > 4 && !has_children)
                QUALITY_REPORT(q, "CC:LargeNoSubcoll", t, row, k->oom,
                               "a collection of order of magnitude %lld (over 100,000) has no sub-collections", oom);
        if (oom > 5 && (!has_size || size == 0))
                QUALITY_REPORT(q, "CC:LargeOoMOnly", t, row, k->size,
                               "a collection of order of magnitude %lld (over 1,000,000) has no exact size", oom);
        return 0;
}

static int check_ages(QualityContext *q, const ContentColumns *k, const Row *row) {
        size_t t = (size_t) q->collections;
        long long low, high;
        const char *unit = quality_cell(row, k->age_unit);
        bool has_low = quality_parse_int(quality_cell(row, k->age_low), &low),
             has_high = quality_parse_int(quality_cell(row, k->age_high), &high);
        if ((has_low || has_high) && !unit)
                QUALITY_REPORT(q, "CC:AgeUnitMissing", t, row, has_low ? k->age_low : k->age_high,
                               "an age range needs an age unit (age_unit)");
        double min = age_min_limit(unit);
        if (has_high && (double) high < min)
                QUALITY_REPORT(q, "CC:AgeHighBelowMin", t, row, k->age_high, "age_high %lld is below %g %s", high, min,
                               unit ?: "YEAR");
        if (has_low && (double) low < min)
                QUALITY_REPORT(q, "CC:AgeLowBelowMin", t, row, k->age_low, "age_low %lld is below %g %s", low, min,
                               unit ?: "YEAR");
        if (has_low && has_high && low > high)
                QUALITY_REPORT(q, "CC:AgeRangeInverted", t, row, k->age_low, "age_low %lld is above age_high %lld", low,
                               high);
        else if (has_low && has_high && low == high)
                QUALITY_REPORT(q, "CC:AgeRangePoint", t, row, k->age_low, "the age range is a single age (%lld)", low);
        return 0;
}

static int check_content(QualityContext *q) {
        if (q->collections < 0)
                return 0;
        int c = q->collections;
        ContentColumns k = {
                .type = quality_column(q, c, "type"),
                .categories = quality_column(q, c, "data_categories"),
                .materials = quality_column(q, c, "materials"),
                .diagnoses = quality_column(q, c, "diagnosis_available"),
                .size = quality_column(q, c, "size"),
                .oom = quality_column(q, c, "order_of_magnitude"),
                .modality = quality_column(q, c, "imaging_modality"),
                .image_type = quality_column(q, c, "image_dataset_type"),
                .age_low = quality_column(q, c, "age_low"),
                .age_high = quality_column(q, c, "age_high"),
                .age_unit = quality_column(q, c, "age_unit"),
        };
        const DatasetTable *ct = &q->d->tables[c];
        _cleanup_free_ bool *has_children = calloc_written(ct->n_rows ?: 1, sizeof(bool));
        if (!has_children)
                return -ENOMEM;
        for (size_t i = 0; i < ct->n_rows; i++)
                if (q->parent_of[i] != SIZE_MAX)
                        has_children[q->parent_of[i]] = true;
        for (size_t i = 0; i < ct->n_rows; i++) {
                const Row *row = ct->rows[i];
                int r;
                if (quality_withdrawn(q, c, i))
                        continue;
                if ((r = check_diagnoses(q, &k, row)) < 0 || (r = check_samples_and_images(q, &k, row)) < 0 ||
                    (r = check_size(q, &k, row, has_children[i])) < 0 || (r = check_ages(q, &k, row)) < 0)
                        return r;
        }
        return 0;
}

const QualityFamily quality_family_content = {
        .name = "CollectionContent",
        .run = check_content,
        .checks = content_checks,
        .n_checks = ELEMENTSOF(content_checks),
};
