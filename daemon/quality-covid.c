/* SPDX-License-Identifier: MIT */
/* COVID (C19): COVID-19 collections and their biobanks. The checks on the biobank attributes
 * `capabilities` and `covid19biobank` (C19:BBCovidCapMissing, BBAttrNeedsNet, CapNeedsContent,
 * BBProsCollNoAttr, BBProsAttrNoColl, BBNetNeedsAttr, BslFlagMissing) are not run: the EMX2 model
 * has no such columns, so no node could ever satisfy them. C19:TypeMissing is the model's required
 * rule for Collections.type here (error "required"). */
#include "quality-families.h"

#define COVID_NETWORK "bbmri-eric:networkID:EU_BBMRI-ERIC:networks:COVID19"

static const QualityCheckInfo covid_checks[] = {
        { "C19:BBNetMissing", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank has a COVID-19 collection but is not in the COVID-19 network " COVID_NETWORK ".",
          "Add " COVID_NETWORK " to the biobank's networks." },
        { "C19:DiagRange", SEVERITY_QUALITY_ERROR, "Collections",
          "A COVID-19 collection lists a range of diagnoses, which the diagnosis search cannot find.",
          "List the single diagnosis codes instead of the range." },
        { "C19:ProsNeedsDisease", SEVERITY_QUALITY_ERROR, "Collections",
          "A prospective COVID-19 collection (id ending :COVID19PROSPECTIVE) is not of type DISEASE_SPECIFIC.",
          "Add DISEASE_SPECIFIC to the collection's types." },
        { "C19:ProsNeedsType", SEVERITY_QUALITY_ERROR, "Collections",
          "A prospective COVID-19 collection (id ending :COVID19PROSPECTIVE) is not of type PROSPECTIVE_COLLECTION.",
          "Add PROSPECTIVE_COLLECTION to the collection's types." },
        { "C19:ProsOoMNonZero", SEVERITY_QUALITY_WARNING, "Collections",
          "A prospective COVID-19 collection, a capability to collect, has an order of magnitude above 0.",
          "Set the prospective collection's order_of_magnitude to 0." },
        { "C19:ProsDataMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "A prospective COVID-19 collection lists neither a COVID-19 diagnosis nor COVID-19 controls (Z03.818).",
          "Add the COVID-19 diagnosis (e.g. U07.1) or Z03.818 to diagnosis_available." },
        { "C19:AbilityNeedsPros", SEVERITY_QUALITY_ERROR, "Collections",
          "A COVID-19 collection named 'Ability to collect...' has no id ending :COVID19PROSPECTIVE.",
          "Give the collection an id ending :COVID19PROSPECTIVE." },
        { "C19:AbilityOoMNonZero", SEVERITY_QUALITY_WARNING, "Collections",
          "A COVID-19 'Ability to collect' collection has an order of magnitude above 0.",
          "Set the collection's order_of_magnitude to 0." },
        { "C19:NeedsDisease", SEVERITY_QUALITY_ERROR, "Collections",
          "A COVID-19 collection (id ending :COVID19) is not of type DISEASE_SPECIFIC.",
          "Add DISEASE_SPECIFIC to the collection's types." },
        { "C19:MaterialsSuspect", SEVERITY_QUALITY_WARNING, "Collections",
          "A COVID-19 collection (id ending :COVID19) has none of the usual materials (DNA, plasma, serum, swabs, ...).",
          "Check the collection's materials." },
        { "C19:CovidDiagMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "A COVID-19 collection (id ending :COVID19) lists no COVID-19 diagnosis.",
          "Add the COVID-19 diagnosis (U07.1 or U07.2) to diagnosis_available." },
};

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && streq(s + n - m, suffix);
}

/* their re.search('Z03.818', d): '.' is any character */
static bool has_covid_control(const char *d) {
        for (const char *p = strstr(d, "Z03"); p; p = strstr(p + 1, "Z03"))
                if (p[3] && startswith(p + 4, "818"))
                        return true;
        return false;
}

static bool has_covid_diagnosis(const char *d) {
        static const char *const codes[] = { "U07", "RA01", "840533007", "840534001", "840535000", "840536004",
                                             "840539006", "840544004", "840546002" };
        for (size_t i = 0; i < ELEMENTSOF(codes); i++)
                if (strstr(d, codes[i]))
                        return true;
        return false;
}

/* The columns read, resolved once per run. */
typedef struct CovidColumns {
        int diagnoses, type, materials, name, oom, biobank_network;
} CovidColumns;

static int check_collection(QualityContext *q, const void *userdata, const Row *row, const Row *biobank) {
        const CovidColumns *k = userdata;
        size_t t = (size_t) q->collections;
        int diag_col = k->diagnoses;
        const char *state = quality_cell(row, diag_col), *it;
        size_t n;
        bool covid = false, control = false, range = false;
        while (dataset_list_next(&state, &it, &n)) {
                /* Every code looked for starts with one of these: most diagnoses have none of them
                 * (nine strstr() less for each). */
                bool may = false;
                for (size_t i = 0; i < n && !may; i++)
                        may = it[i] == 'U' || it[i] == 'R' || it[i] == '8' || it[i] == 'Z';
                range = range || memchr(it, '-', n < 128 ? n : 127); /* in what the copy below keeps */
                if (!may)
                        continue;
                char d[128];
                size_t len = n < sizeof d ? n : sizeof d - 1; /* what snprintf "%.*s" kept, without its cost */
                memcpy(d, it, len);
                d[len] = 0;
                covid = covid || has_covid_diagnosis(d);
                control = control || has_covid_control(d);
        }
        const char *types = quality_cell(row, k->type), *mats = quality_cell(row, k->materials),
                   *name = quality_cell(row, k->name);
        long long oom = 0;
        bool has_oom = quality_parse_int(quality_cell(row, k->oom), &oom);
        if ((covid || control) && range)
                QUALITY_REPORT(q, "C19:DiagRange", t, row, diag_col,
                               "a COVID-19 collection lists a range of diagnoses ('%s')", quality_cell(row, diag_col));
        if ((covid || control) && biobank &&
            !quality_list_has(quality_cell(biobank, k->biobank_network), COVID_NETWORK))
                QUALITY_REPORT(q, "C19:BBNetMissing", (size_t) q->biobanks, biobank, -1,
                               "the biobank has the COVID-19 collection %s but is not in %s", row->id, COVID_NETWORK);
        bool prospective = ends_with(row->id, ":COVID19PROSPECTIVE");
        if (prospective) {
                if (!quality_list_has(types, "DISEASE_SPECIFIC"))
                        QUALITY_REPORT(q, "C19:ProsNeedsDisease", t, row, -1,
                                       "a prospective COVID-19 collection must be of type DISEASE_SPECIFIC");
                if (!quality_list_has(types, "PROSPECTIVE_COLLECTION"))
                        QUALITY_REPORT(q, "C19:ProsNeedsType", t, row, -1,
                                       "a prospective COVID-19 collection must be of type PROSPECTIVE_COLLECTION");
                if (has_oom && oom > 0)
                        QUALITY_REPORT(q, "C19:ProsOoMNonZero", t, row, -1,
                                       "a prospective collection (a capability) has order of magnitude %lld, not 0", oom);
                if (!covid && !control)
                        QUALITY_REPORT(q, "C19:ProsDataMissing", t, row, diag_col,
                                       "a prospective COVID-19 collection without COVID-19 diagnosis or controls");
        }
        if (name && startswith(name, "Ability to collect") && (covid || control) && !prospective) {
                QUALITY_REPORT(q, "C19:AbilityNeedsPros", t, row, -1,
                               "'%s' has no id ending :COVID19PROSPECTIVE", name);
                if (has_oom && oom > 0)
                        QUALITY_REPORT(q, "C19:AbilityOoMNonZero", t, row, -1,
                                       "a capability to collect has order of magnitude %lld, not 0", oom);
        }
        if (ends_with(row->id, ":COVID19")) {
                static const char *const usual[] = { "DNA",    "PATHOGEN", "PERIPHERAL_BLOOD_CELLS", "PLASMA",
                                                     "RNA",    "SALIVA",   "SERUM",                  "WHOLE_BLOOD",
                                                     "FECES",  "BUFFY_COAT", "NASAL_SWAB",           "THROAT_SWAB" };
                bool usual_material = false;
                for (size_t i = 0; i < ELEMENTSOF(usual); i++)
                        usual_material = usual_material || quality_list_has(mats, usual[i]);
                if (!quality_list_has(types, "DISEASE_SPECIFIC"))
                        QUALITY_REPORT(q, "C19:NeedsDisease", t, row, -1,
                                       "a COVID-19 collection must be of type DISEASE_SPECIFIC");
                if (!usual_material)
                        QUALITY_REPORT(q, "C19:MaterialsSuspect", t, row, -1,
                                       "a COVID-19 collection with none of the usual material types");
                if (!covid)
                        QUALITY_REPORT(q, "C19:CovidDiagMissing", t, row, diag_col,
                                       "a COVID-19 collection without COVID-19 diagnosis");
        }
        return 0;
}

static int check_covid(QualityContext *q) {
        int c = q->collections;
        const CovidColumns k = {
                .diagnoses = quality_column(q, c, "diagnosis_available"),
                .type = quality_column(q, c, "type"),
                .materials = quality_column(q, c, "materials"),
                .name = quality_column(q, c, "name"),
                .oom = quality_column(q, c, "order_of_magnitude"),
                .biobank_network = quality_column(q, q->biobanks, "network"),
        };
        return quality_each_collection(q, check_collection, &k);
}

const QualityFamily quality_family_covid = {
        .name = "COVID",
        .run = check_covid,
        .checks = covid_checks,
        .n_checks = ELEMENTSOF(covid_checks),
};
