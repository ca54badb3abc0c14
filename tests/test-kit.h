/* SPDX-License-Identifier: MIT */
#pragma once

/* For tests of the master kinds: the project's model, built-in vocabularies and mapping files,
 * the bundled example read and mapped, and records mapped into a dataset. */

#include "master.h"
#include "mapping.h"
#include "test.h"
#include "validate.h"

typedef struct Kit {
        Model *model;
        Vocabularies *vocab;
        Mapping *mapping;
        Findings findings;
} Kit;

static inline void kit_init(Kit *k) {
        *k = (Kit) {};
        findings_init(&k->findings);
        CHECK_INT(model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &k->model, &k->findings), 0);
        CHECK_INT(vocab_new_builtin(&k->vocab), 0);
        CHECK_INT(mapping_new(&k->mapping), 0);
        CHECK_INT(mapping_load(k->mapping, SOURCE_ROOT "/mappings/miabis-2.0.yaml", &k->findings), 0);
        CHECK_INT(mapping_load(k->mapping, SOURCE_ROOT "/mappings/example-local.yaml", &k->findings), 0);
}

static inline void kit_done(Kit *k) {
        mapping_free(k->mapping);
        vocab_free(k->vocab);
        model_free(k->model);
        findings_done(&k->findings);
}

/* Maps records into a dataset and validates it (rows with errors stay, flagged). */
static inline Dataset *kit_map(Kit *k, const RecordSet *records) {
        Dataset *d = NULL;
        CHECK_INT(mapping_apply(k->mapping, k->model, k->vocab, "BE", records, &d, &k->findings), 0);
        if (d)
                CHECK_INT(validate_dataset(d, k->vocab, "BE", &k->findings), 0);
        return d;
}

/* The bundled example (config/example-master.yaml and its facts files), mapped. */
static inline Dataset *kit_example(Kit *k) {
        RecordSet *records = NULL;
        CHECK_INT(record_set_new(&records), 0);
        CHECK_INT(master_load_file(SOURCE_ROOT "/config/example-master.yaml", records, &k->findings), 0);
        Dataset *d = kit_map(k, records);
        record_set_free(records);
        return d;
}

static inline const char *kit_cell(const Dataset *d, const char *table, const char *id, const char *column) {
        int t = model_table_index(d->model, table);
        Row *row = t >= 0 ? dataset_find(d, (size_t) t, id) : NULL;
        int c = row ? model_column_index(&d->model->tables[t], column) : -1;
        return c >= 0 ? row->cells[c] : NULL;
}

/* The first finding whose message contains `text` (and, when given, with this code), or NULL. */
static inline const Finding *kit_finding(const Findings *f, const char *code, const char *text) {
        for (size_t i = 0; i < f->n_items; i++)
                if ((!code || streq_ptr(f->items[i].code, code)) && strstr(f->items[i].message, text))
                        return &f->items[i];
        return NULL;
}
