/* SPDX-License-Identifier: MIT */
#pragma once

/* For tests: a master written as text goes through read, map and validate with the project's own
 * mapping files and built-in vocabularies. */

#include "master.h"
#include "mapping.h"
#include "quality.h"
#include "test.h"
#include "validate.h"

typedef struct Pipeline {
        char dir[64];
        Model *model;
        Vocabularies *vocab;
        Mapping *mapping;
        RecordSet *records;
        Dataset *dataset;
        Findings findings;
        int read_result;
} Pipeline;

/* Writes file `name` with `text` into the pipeline's folder. */
static inline void pipeline_write(Pipeline *p, const char *name, const char *text) {
        _cleanup_free_ char *path = path_join(p->dir, name);
        CHECK_INT(write_file_atomic(path, text, strlen(text), 0644), 0);
}

/* Runs master.yaml (given as text) through the pipeline; validate when asked. */
static inline void pipeline_run(Pipeline *p, const char *master, bool validate) {
        *p = (Pipeline) {};
        snprintf(p->dir, sizeof p->dir, "/tmp/test-pipeline-XXXXXX");
        CHECK(mkdtemp(p->dir) != NULL);
        findings_init(&p->findings);
        CHECK_INT(model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &p->model, &p->findings), 0);
        CHECK_INT(vocab_new_builtin(&p->vocab), 0);
        CHECK_INT(mapping_new(&p->mapping), 0);
        CHECK_INT(mapping_load(p->mapping, SOURCE_ROOT "/mappings/miabis-2.0.yaml", &p->findings), 0);
        CHECK_INT(mapping_load(p->mapping, SOURCE_ROOT "/mappings/example-local.yaml", &p->findings), 0);
        CHECK_INT(record_set_new(&p->records), 0);
        pipeline_write(p, "master.yaml", master);
        _cleanup_free_ char *path = path_join(p->dir, "master.yaml");
        p->read_result = master_load_file(path, p->records, &p->findings);
        if (p->read_result < 0)
                return;
        CHECK_INT(mapping_apply(p->mapping, p->model, p->vocab, "BE", p->records, &p->dataset, &p->findings), 0);
        if (validate && p->dataset)
                CHECK_INT(validate_dataset(p->dataset, p->vocab, "BE", &p->findings), 0);
}

static inline void pipeline_done(Pipeline *p) {
        dataset_free(p->dataset);
        record_set_free(p->records);
        mapping_free(p->mapping);
        vocab_free(p->vocab);
        model_free(p->model);
        findings_done(&p->findings);
        if (p->dir[0])
                (void) rm_rf(p->dir);
}

/* The first finding with this code, or NULL. */
static inline const Finding *pipeline_finding(const Pipeline *p, const char *code) {
        for (size_t i = 0; i < p->findings.n_items; i++)
                if (streq_ptr(p->findings.items[i].code, code))
                        return &p->findings.items[i];
        return NULL;
}

/* A cell of a row, by table and column name. */
static inline const char *pipeline_cell(const Pipeline *p, const char *table, const char *id, const char *column) {
        int t = model_table_index(p->model, table);
        if (t < 0 || !p->dataset)
                return NULL;
        Row *row = dataset_find(p->dataset, (size_t) t, id);
        int c = model_column_index(&p->model->tables[t], column);
        return row && c >= 0 ? row->cells[c] : NULL;
}

/* A small valid master; tests append to or replace parts of it. */
#define VALID_MASTER                                                             \
        "node: BE\n"                                                             \
        "persons:\n"                                                             \
        "  - id: contact\n"                                                      \
        "    first_name: An\n"                                                   \
        "    last_name: Peeters\n"                                               \
        "    email: biobank@uza.be\n"                                            \
        "    country: BE\n"                                                      \
        "networks:\n"                                                            \
        "  - id: bbmri-be\n"                                                     \
        "    name: BBMRI.be\n"                                                   \
        "    description: Belgian network of biobanks\n"                         \
        "    contact: contact\n"                                                 \
        "biobanks:\n"                                                            \
        "  - id: UZA\n"                                                          \
        "    name: Biobank@UZA\n"                                                \
        "    description: Hospital biobank of the Antwerp University Hospital\n" \
        "    juridical_person: Universitair Ziekenhuis Antwerpen\n"              \
        "    country: BE\n"                                                      \
        "    contact: contact\n"                                                 \
        "    network: [bbmri-be]\n"                                              \
        "    latitude: \"51.1557\"\n"                                            \
        "    collections:\n"                                                     \
        "      - id: oncology\n"                                                 \
        "        name: Oncology collection\n"                                    \
        "        description: Tumour and matched normal tissue from surgery\n"   \
        "        type: [Disease specific]\n"                                     \
        "        data_categories: [Biological samples, Medical records]\n"       \
        "        materials: [Serum]\n"                                           \
        "        size: 12000\n"                                                  \
        "        diagnosis_available: [C50.9]\n"                                 \
        "        age_low: 18\n"                                                  \
        "        age_high: 90\n"                                                 \
        "        age_unit: year\n"

/* VALID_MASTER with the first `from` replaced by `to` (from NULL: `to` appended); NULL when `from`
 * is not in it. malloc()ed. */
#define pipeline_variant(from, to) pipeline_variant_of(VALID_MASTER, (from), (to))
static inline char *pipeline_variant_of(const char *base, const char *from, const char *to) {
        if (!from)
                return strdup_printf("%s%s", base, to);
        const char *at = strstr(base, from);
        if (!at)
                return NULL;
        return strdup_printf("%.*s%s%s", (int) (at - base), base, to, at + strlen(from));
}

/* The checks run errors_only (the policy's run on the Directory's rows) find exactly the quality
 * errors, in order, that the full run finds with the same options. */
static inline void pipeline_check_errors_only(const Pipeline *p, const QualityOptions *options) {
        if (!p->dataset)
                return;
        Findings all, errors;
        findings_init(&all);
        findings_init(&errors);
        QualityOptions only = *options;
        only.errors_only = true;
        CHECK_INT(quality_check_dataset(p->dataset, p->vocab, options, &all), 0);
        CHECK_INT(quality_check_dataset(p->dataset, p->vocab, &only, &errors), 0);
        size_t k = 0;
        for (size_t i = 0; i < all.n_items; i++) {
                const Finding *a = &all.items[i];
                if (a->severity != SEVERITY_QUALITY_ERROR)
                        continue;
                const Finding *b = k < errors.n_items ? &errors.items[k++] : NULL;
                bool same = b && b->severity == a->severity && streq_ptr(b->code, a->code) &&
                            streq_ptr(b->table, a->table) && streq_ptr(b->id, a->id) && streq_ptr(b->message, a->message);
                if (!same)
                        fprintf(stderr, "errors_only: %s on %s missing or out of order\n", a->code, a->id ?: "");
                CHECK(same);
        }
        CHECK_INT(errors.n_items, k);
        CHECK_INT(errors.n_quality_errors, all.n_quality_errors);
        CHECK_INT(errors.n_quality_warnings + errors.n_quality_infos, 0);
        findings_done(&all);
        findings_done(&errors);
}

/* Runs base (NULL: fails) with `from` replaced by `to` and checks that check `code` fires on (table, id)
 * (with its catalogue level) or, with fires false, that it does not fire at all. For the one-test-trips-it,
 * one-test-does-not pairs of the quality checks. */
static inline void pipeline_expect_in(const char *base, const char *from, const char *to, const char *code, bool fires,
                                      const char *table, const char *id) {
        _cleanup_free_ char *text = base ? pipeline_variant_of(base, from, to) : NULL;
        CHECK(text != NULL);
        if (!text) {
                fprintf(stderr, "%s: '%s' is not in the master\n", code, from ?: "");
                return;
        }
        Pipeline p;
        pipeline_run(&p, text, true);
        const Finding *f = NULL;
        for (size_t i = 0; i < p.findings.n_items && !f; i++)
                if (streq_ptr(p.findings.items[i].code, code) &&
                    (!fires || (streq_ptr(p.findings.items[i].table, table) && (!id || streq_ptr(p.findings.items[i].id, id)))))
                        f = &p.findings.items[i];
        if (!!f != fires)
                fprintf(stderr, "%s: expected it %s (%s %s)\n", code, fires ? "to fire" : "not to fire", table ?: "",
                        id ?: "");
        CHECK(!!f == fires);
        /* not firing means something only when the checks ran on the data */
        if (!p.dataset)
                fprintf(stderr, "%s: the master was not read\n", code);
        CHECK(p.dataset != NULL);
        pipeline_check_errors_only(&p, &(QualityOptions) { .node = "BE" });
        /* a quality check's finding has the level its catalogue gives it */
        const QualityCheckInfo *info = f && fires ? quality_check_info(code) : NULL;
        if (info)
                CHECK_INT(f->severity, info->level);
        pipeline_done(&p);
}

static inline void pipeline_expect(const char *from, const char *to, const char *code, bool fires, const char *table,
                                   const char *id) {
        pipeline_expect_in(VALID_MASTER, from, to, code, fires, table, id);
}
