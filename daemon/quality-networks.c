/* SPDX-License-Identifier: MIT */
/* SubcollectionNetworkMembership (SNM) and BBMRICohorts (BCO): a sub-collection is in its parent's
 * networks; a collection in BBMRI-ERIC's cohort networks has a fact sheet and allows commercial
 * use; a biobank is never itself in them. Withdrawn rows are left out, as BBMRI-ERIC's tool does. */
#include "quality-families.h"

static const QualityCheckInfo membership_checks[] = {
        { "SNM:SubcollNetMissing", SEVERITY_QUALITY_WARNING, "Collections",
          "A sub-collection is not in a network its parent collection is in.",
          "Add the parent collection's networks to the sub-collection (network), or remove them from the parent." },
};

static const QualityCheckInfo cohorts_checks[] = {
        { "BCO:AccessConflict", SEVERITY_QUALITY_ERROR, "Collections",
          "A collection of the BBMRI-Cohorts networks is not available for commercial collaboration.",
          "Set collaboration_commercial (of the collection, or of its biobank), or take the collection out of the "
          "BBMRI-Cohorts networks." },
        { "BCO:FactsMissing", SEVERITY_QUALITY_ERROR, "Collections",
          "A collection of the BBMRI-Cohorts networks has no fact sheet.",
          "Prepare the collection's fact rows (collection_facts) and send them." },
        { "BCO:BBNetFlag", SEVERITY_QUALITY_ERROR, "Biobanks", "A biobank is itself in a BBMRI-Cohorts network.",
          "Take the biobank out of the BBMRI-Cohorts networks and put the collections that belong there in them." },
};

static int check_membership(QualityContext *q) {
        if (q->collections < 0)
                return 0;
        int c = q->collections, network = quality_column(q, c, "network"),
            parent = quality_column(q, c, "parent_collection");
        const DatasetTable *ct = &q->d->tables[c];
        for (size_t i = 0; i < ct->n_rows; i++) {
                const Row *row = ct->rows[i];
                const char *up = quality_cell(row, parent);
                const Row *parent_row = quality_parent_of(q, i);
                if (!parent_row || quality_withdrawn(q, c, i))
                        continue;
                const char *state = quality_cell(parent_row, network), *it, *mine = quality_cell(row, network);
                size_t n;
                while (dataset_list_next(&state, &it, &n)) {
                        bool found = false;
                        const char *s = mine, *m;
                        size_t mn;
                        while (!found && dataset_list_next(&s, &m, &mn))
                                found = mn == n && memcmp(m, it, n) == 0;
                        if (!found)
                                QUALITY_REPORT(q, "SNM:SubcollNetMissing", (size_t) c, row, network,
                                               "the sub-collection is not in network '%.*s', though its parent '%s' is",
                                               (int) n, it, up);
                }
        }
        return 0;
}

static bool in_cohorts(const char *networks) {
        return quality_list_has(networks, QUALITY_COHORTS_NETWORK) || quality_list_has(networks, QUALITY_COHORTS_DNA_NETWORK);
}

static int check_cohorts(QualityContext *q) {
        if (q->collections < 0 || q->biobanks < 0)
                return 0;
        int c = q->collections, network = quality_column(q, c, "network"),
            commercial = quality_column(q, c, "collaboration_commercial"),
            bb_commercial = quality_column(q, q->biobanks, "collaboration_commercial"),
            bb_network = quality_column(q, q->biobanks, "network");
        const DatasetTable *ct = &q->d->tables[c], *bt = &q->d->tables[q->biobanks];
        _cleanup_free_ bool *has_facts = calloc_written(ct->n_rows ?: 1, sizeof(bool));
        if (!has_facts)
                return -ENOMEM;
        for (size_t i = 0; q->facts >= 0 && i < q->d->tables[q->facts].n_rows; i++)
                if (q->collection_of[i] != SIZE_MAX)
                        has_facts[q->collection_of[i]] = true;
        for (size_t i = 0; i < ct->n_rows; i++) {
                const Row *row = ct->rows[i];
                if (!in_cohorts(quality_cell(row, network)) || quality_withdrawn(q, c, i))
                        continue;
                const char *own = quality_cell(row, commercial);
                const Row *bb = quality_biobank_of(q, i);
                /* the collection allows it, or its biobank does and the collection does not forbid it */
                bool allowed = quality_is_true(own) ||
                               (bb && quality_is_true(quality_cell(bb, bb_commercial)) && !(own && strcaseeq(own, "false")));
                if (!allowed)
                        QUALITY_REPORT(q, "BCO:AccessConflict", (size_t) c, row, commercial,
                                       "the collection is in BBMRI-Cohorts but neither it nor its biobank allows "
                                       "commercial collaboration (collection: %s, biobank: %s)",
                                       own ?: "not set", (bb ? quality_cell(bb, bb_commercial) : NULL) ?: "not set");
                if (!has_facts[i])
                        QUALITY_REPORT(q, "BCO:FactsMissing", (size_t) c, row, -1,
                                       "the collection is in BBMRI-Cohorts but has no fact sheet");
        }
        for (size_t i = 0; i < bt->n_rows; i++) {
                const Row *row = bt->rows[i];
                if (quality_withdrawn(q, q->biobanks, i))
                        continue;
                static const char *const cohorts[] = { QUALITY_COHORTS_NETWORK, QUALITY_COHORTS_DNA_NETWORK };
                for (size_t k = 0; k < ELEMENTSOF(cohorts); k++)
                        if (quality_list_has(quality_cell(row, bb_network), cohorts[k]))
                                QUALITY_REPORT(q, "BCO:BBNetFlag", (size_t) q->biobanks, row, bb_network,
                                               "the biobank is itself in network '%s'; only its collections should be",
                                               cohorts[k]);
        }
        return 0;
}

const QualityFamily quality_family_membership = {
        .name = "SubcollectionNetworkMembership",
        .run = check_membership,
        .checks = membership_checks,
        .n_checks = ELEMENTSOF(membership_checks),
};

const QualityFamily quality_family_cohorts = {
        .name = "BBMRICohorts",
        .run = check_cohorts,
        .checks = cohorts_checks,
        .n_checks = ELEMENTSOF(cohorts_checks),
};
