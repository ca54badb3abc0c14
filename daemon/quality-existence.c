/* SPDX-License-Identifier: MIT */
/* CollectionExistence (CEX) and OrphanedCollections (OC): biobanks without collections, collections
 * without a biobank. */
#include "quality-families.h"

static const QualityCheckInfo existence_checks[] = {
        { "CEX:NoCollections", SEVERITY_QUALITY_ERROR, "Biobanks", "The biobank has no collection.",
          "Describe at least one collection of the biobank, or withdraw the biobank." },
        { "OC:Orphan", SEVERITY_QUALITY_ERROR, "Collections", "The collection's biobank is not in the Directory.",
          "Set the collection's biobank to the id of an existing biobank of the node." },
};

static int check_existence(QualityContext *q) {
        if (q->biobanks < 0 || q->collections < 0)
                return 0;
        const DatasetTable *bt = &q->d->tables[q->biobanks], *ct = &q->d->tables[q->collections];
        int biobank = quality_column(q, q->collections, "biobank");
        /* Per biobank (by position): whether a collection names it. */
        _cleanup_free_ bool *with_collections = calloc_written(bt->n_rows ?: 1, sizeof(bool));
        if (!with_collections)
                return -ENOMEM;
        for (size_t i = 0; i < ct->n_rows; i++) {
                const Row *row = ct->rows[i];
                const char *b = quality_cell(row, biobank);
                if (q->biobank_of[i] != SIZE_MAX)
                        with_collections[q->biobank_of[i]] = true;
                else
                        QUALITY_REPORT(q, "OC:Orphan", (size_t) q->collections, row, biobank,
                                       b ? "the collection's biobank '%s' is not defined" : "the collection has no biobank%s",
                                       b ?: "");
        }
        for (size_t i = 0; i < bt->n_rows; i++)
                if (!with_collections[i])
                        QUALITY_REPORT(q, "CEX:NoCollections", (size_t) q->biobanks, bt->rows[i], -1,
                                       "the biobank has no collection");
        return 0;
}

const QualityFamily quality_family_existence = {
        .name = "CollectionExistence, OrphanedCollections",
        .run = check_existence,
        .checks = existence_checks,
        .n_checks = ELEMENTSOF(existence_checks),
};
