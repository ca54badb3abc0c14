/* SPDX-License-Identifier: MIT */
/* CollectionContent's Orphanet checks (CC): ORPHA codes Orphanet does not know, and the ICD-10 /
 * ORPHA codes a collection could add by Orphanet's mappings. They run when quality.orphanet_file
 * names Orphanet's en_product1.xml. Withdrawn collections are left out, as BBMRI-ERIC's tool does. */
#include "quality-families.h"

#define ICD10_PREFIX "urn:miriam:icd:"
#define ORPHA_PREFIX "ORPHA:"

static const QualityCheckInfo orphanet_checks[] = {
        { "CC:OrphaInvalid", SEVERITY_QUALITY_ERROR, "Collections", "An ORPHA code is not in Orphanet's nomenclature.",
          "Correct the ORPHA code (orpha.net lists the valid ones) or remove it." },
        { "CC:RDOrphaSuggest", SEVERITY_QUALITY_INFO, "Collections",
          "A rare-disease collection without ORPHA codes has ICD-10 codes Orphanet maps to ORPHA codes.",
          "Consider adding the ORPHA codes Orphanet maps the collection's ICD-10 codes to." },
        { "CC:OrphaIcdSuggest", SEVERITY_QUALITY_INFO, "Collections",
          "An ORPHA code's ICD-10 translation is not among the diagnoses.",
          "Add the ICD-10 code until the Directory searches by semantic mapping." },
        { "CC:DiagCrosswalkOrphaSuggest", SEVERITY_QUALITY_INFO, "Collections",
          "An ICD-10 diagnosis maps safely to exactly one ORPHA code the collection lacks.",
          "Add that ORPHA code to diagnosis_available." },
        { "CC:DiagCrosswalkOrphaAmbiguous", SEVERITY_QUALITY_INFO, "Collections",
          "An ICD-10 diagnosis maps to several or risky ORPHA codes; none is added automatically.",
          "Choose the fitting ORPHA codes, if any, by hand." },
        { "CC:DiagCrosswalkIcdSuggest", SEVERITY_QUALITY_INFO, "Collections",
          "An ORPHA diagnosis maps safely to exactly one ICD-10 code the collection lacks.",
          "Add that ICD-10 code to diagnosis_available." },
        { "CC:DiagCrosswalkIcdAmbiguous", SEVERITY_QUALITY_INFO, "Collections",
          "An ORPHA diagnosis maps to several or risky ICD-10 codes; none is added automatically.",
          "Choose the fitting ICD-10 codes, if any, by hand." },
};

/* A collection's codes without their prefixes: ICD-10 ("C50.9") and valid ORPHA ("558"). */
typedef struct Codes {
        char **icd10, **orpha;
        size_t n_icd10, n_orpha;
} Codes;

static void codes_done(Codes *c) {
        strv_free(c->icd10);
        strv_free(c->orpha);
}

static bool has(char *const *list, size_t n, const char *code) {
        for (size_t i = 0; i < n; i++)
                if (streq(list[i], code))
                        return true;
        return false;
}

/* Appends s to a text list ", "-separated, once. */
static int add_candidate(char **list, const char *s) {
        if (*list) {
                /* already there? */
                for (const char *p = strstr(*list, s); p; p = strstr(p + 1, s))
                        if ((p == *list || (p - *list >= 2 && p[-2] == ',' && p[-1] == ' ')) &&
                            (p[strlen(s)] == 0 || p[strlen(s)] == ','))
                                return 0;
        }
        char *n = strdup_printf("%s%s%s", *list ?: "", *list ? ", " : "", s);
        if (!n)
                return -ENOMEM;
        free(*list);
        *list = n;
        return 0;
}

/* One crosswalk: the mappings of one code, those the collection lacks, sorted into the safe ones
 * (exact; narrower-to-broader where allowed) and the risky ones. */
typedef struct Crosswalk {
        char *safe, *risky, *all; /* ", "-lists; all = safe then risky, for the ambiguous finding */
        size_t n_safe;
        bool exact; /* the single safe one is exact */
} Crosswalk;

static void crosswalk_done(Crosswalk *w) {
        free(w->safe);
        free(w->risky);
        free(w->all);
}

static int crosswalk(const OrphaMapping *m, size_t n, char *const *existing, size_t n_existing, bool allow_ntbt,
                     const char *prefix, Crosswalk *w) {
        int r;
        /* exact ones first, then narrower-to-broader, as BBMRI-ERIC orders them */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n; i++) {
                        if (has(existing, n_existing, m[i].code))
                                continue;
                        bool take = pass == 0 ? m[i].type == ORPHA_MAPPING_EXACT
                                              : m[i].type == ORPHA_MAPPING_NTBT && allow_ntbt;
                        if (!take)
                                continue;
                        _cleanup_free_ char *item = strdup_printf("%s%s", prefix, m[i].code);
                        if (!item)
                                return -ENOMEM;
                        size_t before = w->safe ? strlen(w->safe) : 0;
                        if ((r = add_candidate(&w->safe, item)) < 0)
                                return r;
                        if ((w->safe ? strlen(w->safe) : 0) != before && w->n_safe++ == 0)
                                w->exact = pass == 0;
                }
        for (size_t i = 0; i < n; i++)
                if (!has(existing, n_existing, m[i].code) && m[i].type == ORPHA_MAPPING_BTNT) {
                        _cleanup_free_ char *item = strdup_printf("%s%s/%s", prefix, m[i].code,
                                                                  orpha_mapping_type_name(m[i].type));
                        if (!item || (r = add_candidate(&w->risky, item)) < 0)
                                return -ENOMEM;
                }
        w->all = strdup_printf("%s%s%s", w->safe ?: "", w->safe && w->risky ? ", " : "", w->risky ?: "");
        return w->all ? 0 : -ENOMEM;
}

static int read_codes(QualityContext *q, const Row *row, int column, Codes *c) {
        const Orphanet *o = q->options->orphanet;
        const char *state = quality_cell(row, column), *it;
        size_t n;
        while (dataset_list_next(&state, &it, &n)) {
                _cleanup_free_ char *item = strndup(it, n);
                if (!item)
                        return -ENOMEM;
                const char *core;
                int r = 0;
                if ((core = startswith(item, ICD10_PREFIX)))
                        r = strv_extend(&c->icd10, core), c->n_icd10 += r >= 0;
                else if ((core = startswith(item, ORPHA_PREFIX))) {
                        if (orphanet_is_code(o, core))
                                r = strv_extend(&c->orpha, core), c->n_orpha += r >= 0;
                        else
                                r = quality_report(q, "CC:OrphaInvalid", (size_t) q->collections, row, column,
                                                   "'%s' is not an ORPHA code of Orphanet's nomenclature", item);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_collection(QualityContext *q, const Row *row, int type, int diagnoses) {
        const Orphanet *o = q->options->orphanet;
        size_t t = (size_t) q->collections;
        _cleanup_(codes_done) Codes c = {};
        int r = read_codes(q, row, diagnoses, &c);
        if (r < 0)
                return r;
        bool rd = quality_list_has(quality_cell(row, type), "RD"), orpha_fix = false;
        _cleanup_free_ bool *handled = calloc(c.n_orpha ?: 1, sizeof(bool));
        if (!handled)
                return -ENOMEM;
        if (rd || c.n_orpha > 0) {
                for (size_t i = 0; i < c.n_icd10; i++) {
                        size_t n;
                        const OrphaMapping *m = orphanet_from_icd10(o, c.icd10[i], &n);
                        _cleanup_(crosswalk_done) Crosswalk w = {};
                        if ((r = crosswalk(m, n, c.orpha, c.n_orpha, rd, "ORPHA:", &w)) < 0)
                                return r;
                        if (w.n_safe == 1) {
                                orpha_fix = true;
                                QUALITY_REPORT(q, "CC:DiagCrosswalkOrphaSuggest", t, row, diagnoses,
                                               "ICD-10 diagnosis %s maps to %s (%s): consider adding it", c.icd10[i],
                                               w.safe, w.exact ? "exact mapping" : "narrower ICD-10 to broader ORPHA");
                        } else if (w.n_safe > 1 || w.risky)
                                QUALITY_REPORT(q, "CC:DiagCrosswalkOrphaAmbiguous", t, row, diagnoses,
                                               "ICD-10 diagnosis %s has several or risky ORPHA candidates: %s",
                                               c.icd10[i], w.all);
                }
                for (size_t i = 0; i < c.n_orpha; i++) {
                        size_t n;
                        const OrphaMapping *m = orphanet_to_icd10(o, c.orpha[i], &n);
                        _cleanup_(crosswalk_done) Crosswalk w = {};
                        if ((r = crosswalk(m, n, c.icd10, c.n_icd10, true, "", &w)) < 0)
                                return r;
                        if (w.n_safe == 1) {
                                handled[i] = true;
                                QUALITY_REPORT(q, "CC:DiagCrosswalkIcdSuggest", t, row, diagnoses,
                                               "ORPHA diagnosis %s maps to ICD-10 %s (%s): consider adding it",
                                               c.orpha[i], w.safe,
                                               w.exact ? "exact mapping" : "narrower ORPHA to broader ICD-10");
                        } else if (w.n_safe > 1 || w.risky) {
                                handled[i] = true;
                                QUALITY_REPORT(q, "CC:DiagCrosswalkIcdAmbiguous", t, row, diagnoses,
                                               "ORPHA diagnosis %s has several or risky ICD-10 candidates: %s",
                                               c.orpha[i], w.all);
                        }
                }
        }
        if (rd && c.n_orpha == 0 && !orpha_fix)
                for (size_t i = 0; i < c.n_icd10; i++) {
                        size_t n;
                        const OrphaMapping *m = orphanet_from_icd10(o, c.icd10[i], &n);
                        _cleanup_free_ char *list = NULL;
                        for (size_t j = 0; j < n; j++) {
                                _cleanup_free_ char *item = strdup_printf(
                                        "%s(%s)/%s", m[j].code, orphanet_name(o, m[j].code) ?: m[j].code,
                                        orpha_mapping_type_name(m[j].type));
                                if (!item || add_candidate(&list, item) < 0)
                                        return -ENOMEM;
                        }
                        if (list)
                                QUALITY_REPORT(q, "CC:RDOrphaSuggest", t, row, diagnoses,
                                               "consider the ORPHA codes Orphanet maps ICD-10 %s to: %s", c.icd10[i],
                                               list);
                }
        for (size_t i = 0; i < c.n_orpha; i++) {
                if (handled[i])
                        continue;
                size_t n;
                const OrphaMapping *m = orphanet_to_icd10(o, c.orpha[i], &n);
                for (size_t j = 0; j < n; j++)
                        if (!has(c.icd10, c.n_icd10, m[j].code))
                                QUALITY_REPORT(q, "CC:OrphaIcdSuggest", t, row, diagnoses,
                                               "ORPHA code %s translates to ICD-10 %s (%s mapping), which is not listed",
                                               c.orpha[i], m[j].code, orpha_mapping_type_name(m[j].type));
        }
        return 0;
}

static int check_orphanet(QualityContext *q) {
        if (q->collections < 0 || !q->options || !q->options->orphanet)
                return 0;
        int c = q->collections, type = quality_column(q, c, "type"), diagnoses = quality_column(q, c, "diagnosis_available");
        const DatasetTable *ct = &q->d->tables[c];
        for (size_t i = 0; i < ct->n_rows; i++) {
                if (quality_withdrawn(q, c, i))
                        continue;
                int r = check_collection(q, ct->rows[i], type, diagnoses);
                if (r < 0)
                        return r;
        }
        return 0;
}

const QualityFamily quality_family_orphanet = {
        .name = "CollectionContent (Orphanet)",
        .run = check_orphanet,
        .checks = orphanet_checks,
        .n_checks = ELEMENTSOF(orphanet_checks),
};
