/* SPDX-License-Identifier: MIT */
/* AccessPolicies (AP): whether biobanks and collections say how they can be accessed, and whether
 * their Data Use Ontology (DUO) terms agree with their collaboration flags, types and materials. */
#include "quality-families.h"

static const QualityCheckInfo access_checks[] = {
        { "AP:BBAvailNone", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank is available neither for commercial nor for non-for-profit collaboration.",
          "Set collaboration_commercial and/or collaboration_non_for_profit to true." },
        { "AP:AccessMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection gives no access mode (fee, joint project) and no access policy (description, URI).",
          "Fill access_fee or access_joint_project, or describe the access policy in access_description or access_uri." },
        { "AP:DuoMissing", SEVERITY_QUALITY_WARNING, "Collections", "The collection has no Data Use Ontology term.",
          "List the collection's DUO terms in data_use." },
        { "AP:GenericDuoMissing", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection has none of the generic research uses DUO:0000042, DUO:0000006, DUO:0000007.",
          "Add the DUO term of the research use the collection allows (e.g. DUO:0000042 general research use)." },
        { "AP:DataRetDuo", SEVERITY_QUALITY_INFO, "Collections",
          "The collection does not ask for data return (DUO:0000029), which BBMRI-ERIC's access policy recommends.",
          "Add DUO:0000029 to data_use if derived data must be returned to the biobank." },
        { "AP:JointDuo", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection is accessed in joint projects but lacks DUO:0000020 (collaboration required).",
          "Add DUO:0000020 to data_use." },
        { "AP:CollDuoMissing", SEVERITY_QUALITY_INFO, "Collections",
          "The collection is for non-for-profit collaboration only but lacks DUO:0000018.",
          "Add DUO:0000018 (not for profit, non commercial use only) to data_use, unless intended." },
        { "AP:BBDuoMissing", SEVERITY_QUALITY_INFO, "Collections",
          "The collection's biobank is for non-for-profit collaboration only (not overridden) but the collection lacks DUO:0000018.",
          "Add DUO:0000018 to data_use, or set the collection's own collaboration flags." },
        { "AP:CollDuoConflict", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection allows commercial collaboration but has DUO:0000018 (non commercial use only).",
          "Remove DUO:0000018 from data_use or set collaboration_commercial to false." },
        { "AP:BBAttrDuoConflict", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection's biobank allows commercial collaboration (not overridden) but the collection has DUO:0000018.",
          "Remove DUO:0000018 from data_use or set the collection's collaboration_commercial to false." },
        { "AP:DiseaseDuoMissing", SEVERITY_QUALITY_INFO, "Collections",
          "The collection is disease specific but lacks DUO:0000007 (disease-specific research).",
          "Add DUO:0000007 to data_use, unless intended." },
        { "AP:BioDuoMissing", SEVERITY_QUALITY_INFO, "Collections",
          "The collection holds biological material but lacks DUO:0000021 (ethics approval required).",
          "Add DUO:0000021 to data_use if access needs an ethics approval." },
};

/* Whether the data_use cell has the term, written DUO:0000018 or DUO_0000018. */
static bool has_duo(const char *cell, const char *number) {
        const char *state = cell, *it;
        size_t n, len = strlen(number);
        while (dataset_list_next(&state, &it, &n))
                if (n == len + 4 && (strncasecmp(it, "DUO:", 4) == 0 || strncasecmp(it, "DUO_", 4) == 0) &&
                    memcmp(it + 4, number, len) == 0)
                        return true;
        return false;
}

/* A list with an item other than NAV (not available). */
static bool has_materials(const char *cell) {
        const char *state = cell, *it;
        size_t n;
        while (dataset_list_next(&state, &it, &n))
                if (!(n == 3 && strncasecmp(it, "NAV", 3) == 0))
                        return true;
        return false;
}

typedef struct Flag {
        bool set, value; /* set: the cell has a value */
} Flag;

static Flag flag(const Row *row, int column) {
        const char *c = row ? quality_cell(row, column) : NULL;
        return (Flag) { .set = c && *c, .value = quality_is_true(c) };
}

/* The columns read, resolved once per run. */
typedef struct AccessColumns {
        int data_use, access[4], joint, type, materials, non_for_profit, commercial, biobank_non_for_profit,
                biobank_commercial;
} AccessColumns;

static int check_collection(QualityContext *q, const void *userdata, const Row *row, const Row *biobank) {
        const AccessColumns *k = userdata;
        size_t t = (size_t) q->collections;
        const char *duo = quality_cell(row, k->data_use);
        bool has_access = false;
        for (size_t i = 0; i < ELEMENTSOF(k->access); i++) {
                const char *c = quality_cell(row, k->access[i]);
                if (c && c[strspn(c, " \t\r\n")])
                        has_access = true;
        }
        if (!has_access)
                QUALITY_REPORT(q, "AP:AccessMissing", t, row, -1,
                               "no access mode (fee, joint project) and no access policy (description, URI)");
        /* Warnings and infos but for the DUO:0000018 conflicts: the policy's errors-only run
         * does without them. */
        bool all = !quality_errors_only(q);
        if (all && (!duo || !*duo))
                QUALITY_REPORT(q, "AP:DuoMissing", t, row, -1, "no Data Use Ontology term in data_use");
        int du = k->data_use;
        if (all && !has_duo(duo, "0000007") && !has_duo(duo, "0000006") && !has_duo(duo, "0000042"))
                QUALITY_REPORT(q, "AP:GenericDuoMissing", t, row, du,
                               "none of DUO:0000042, DUO:0000006, DUO:0000007 (generic research use) in data_use");
        if (all && !has_duo(duo, "0000029"))
                QUALITY_REPORT(q, "AP:DataRetDuo", t, row, du, "data return (DUO:0000029) is not asked for in data_use");
        const char *joint = quality_cell(row, k->joint);
        if (all && joint && *joint && !has_duo(duo, "0000020"))
                QUALITY_REPORT(q, "AP:JointDuo", t, row, du,
                               "access in joint projects, but DUO:0000020 (collaboration required) is not in data_use");

        Flag c_np = flag(row, k->non_for_profit), c_com = flag(row, k->commercial),
             b_np = flag(biobank, k->biobank_non_for_profit), b_com = flag(biobank, k->biobank_commercial);
        /* commercial use allowed: on the collection, or on the biobank where the collection says nothing */
        bool commercial = c_com.value || (!c_com.set && b_com.value);
        bool has_18 = has_duo(duo, "0000018");
        if (all && c_np.value && !commercial && !has_18)
                QUALITY_REPORT(q, "AP:CollDuoMissing", t, row, du,
                               "non-for-profit collaboration only, but DUO:0000018 is not in data_use");
        else if (all && !c_np.set && b_np.value && !commercial && !has_18)
                QUALITY_REPORT(q, "AP:BBDuoMissing", t, row, du,
                               "the biobank allows non-for-profit collaboration only, but DUO:0000018 is not in data_use");
        if (c_com.value && has_18)
                QUALITY_REPORT(q, "AP:CollDuoConflict", t, row, du,
                               "commercial collaboration is allowed, but data_use has DUO:0000018 (non commercial use only)");
        else if (!c_com.set && b_com.value && has_18)
                QUALITY_REPORT(q, "AP:BBAttrDuoConflict", t, row, du,
                               "the biobank allows commercial collaboration, but data_use has DUO:0000018 (non commercial use only)");
        if (all && quality_list_has(quality_cell(row, k->type), "DISEASE_SPECIFIC") &&
            !has_duo(duo, "0000007"))
                QUALITY_REPORT(q, "AP:DiseaseDuoMissing", t, row, du,
                               "a disease-specific collection without DUO:0000007 in data_use");
        if (all && has_materials(quality_cell(row, k->materials)) && !has_duo(duo, "0000021"))
                QUALITY_REPORT(q, "AP:BioDuoMissing", t, row, du,
                               "biological material without DUO:0000021 (ethics approval required) in data_use");
        return 0;
}

static int check_access(QualityContext *q) {
        int c = q->collections, b = q->biobanks;
        const AccessColumns k = {
                .data_use = quality_column(q, c, "data_use"),
                .access = { quality_column(q, c, "access_fee"), quality_column(q, c, "access_joint_project"),
                            quality_column(q, c, "access_description"), quality_column(q, c, "access_uri") },
                .joint = quality_column(q, c, "access_joint_project"),
                .type = quality_column(q, c, "type"),
                .materials = quality_column(q, c, "materials"),
                .non_for_profit = quality_column(q, c, "collaboration_non_for_profit"),
                .commercial = quality_column(q, c, "collaboration_commercial"),
                .biobank_non_for_profit = quality_column(q, b, "collaboration_non_for_profit"),
                .biobank_commercial = quality_column(q, b, "collaboration_commercial"),
        };
        if (b >= 0) {
                const DatasetTable *bt = &q->d->tables[q->biobanks];
                for (size_t i = 0; i < bt->n_rows; i++) {
                        const Row *row = bt->rows[i];
                        if (quality_withdrawn(q, q->biobanks, i))
                                continue;
                        if (!flag(row, k.biobank_commercial).value && !flag(row, k.biobank_non_for_profit).value)
                                QUALITY_REPORT(q, "AP:BBAvailNone", (size_t) q->biobanks, row, -1,
                                               "available neither for commercial nor for non-for-profit collaboration");
                }
        }
        return quality_each_collection(q, check_collection, &k);
}

const QualityFamily quality_family_access = {
        .name = "AccessPolicies",
        .run = check_access,
        .checks = access_checks,
        .n_checks = ELEMENTSOF(access_checks),
};
