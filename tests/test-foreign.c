/* SPDX-License-Identifier: MIT */
#include "diff.h"
#include "foreign.h"
#include "sync.h"
#include "test-pipeline.h"

#define EU_NET "bbmri-eric:networkID:EU_BBMRI-ERIC:networks:CRC-Cohort"
#define EU_PERSON "bbmri-eric:contactID:EU_crc-coordinator"
#define EU_GONE "bbmri-eric:networkID:EU_BBMRI-ERIC:networks:nowhere"
#define NL_BIOBANK "bbmri-eric:ID:NL_LUMC"
#define OTHER "bbmri-eric:ID:BE_OTHER"
#define OTHER_COLL "bbmri-eric:ID:BE_OTHER:collection:c"

/* UZA is in the EU network; OTHER in one that nobody has. */
static const char extra[] =
        "  - id: OTHER\n"
        "    name: Other biobank\n"
        "    description: Another biobank of the same node\n"
        "    juridical_person: Somebody\n"
        "    country: BE\n"
        "    contact: contact\n"
        "    network: [\"" EU_GONE "\"]\n"
        "    collections:\n"
        "      - id: c\n"
        "        name: C\n"
        "        description: A collection of the other biobank\n"
        "        type: [Other]\n"
        "        data_categories: [Survey data]\n"
        "        size: 100\n";

static void run_master(Pipeline *p, ForeignRefs *refs) {
        _cleanup_free_ char *base = pipeline_variant("    network: [bbmri-be]\n",
                                                     "    network: [bbmri-be, \"" EU_NET "\"]\n");
        _cleanup_free_ char *text = strdup_printf("%s%s", base, extra);
        pipeline_run(p, text, false);
        CHECK(p->dataset != NULL);
        *refs = (ForeignRefs) {};
        if (p->dataset)
                CHECK_INT(validate_dataset_deferring(p->dataset, p->vocab, &(QualityOptions) { .node = "BE" }, refs,
                                                     &p->findings),
                          0);
}

static Row *add(Dataset *d, const char *table, const char *id, const char *column, const char *value) {
        int t = model_table_index(d->model, table);
        Row *row = dataset_find(d, (size_t) t, id);
        if (!row)
                CHECK_INT(dataset_add_row(d, (size_t) t, id, NULL, &row), 0);
        if (column)
                CHECK_INT(dataset_set(d, row, (size_t) t, (size_t) model_column_index(&d->model->tables[t], column),
                                      value, NULL),
                          0);
        return row;
}

/* Every node's published rows: the EU network with its EU contact, and a Dutch biobank. */
static Dataset *published_of(const Model *model, bool with_contact) {
        Dataset *d = NULL;
        CHECK_INT(dataset_new(model, &d), 0);
        add(d, "Networks", EU_NET, "name", "CRC-Cohort");
        add(d, "Networks", EU_NET, "contact", EU_PERSON);
        if (with_contact) {
                add(d, "Persons", EU_PERSON, "first_name", "Eva");
                add(d, "Persons", EU_PERSON, "email", "crc@bbmri-eric.example");
        }
        add(d, "Biobanks", NL_BIOBANK, "name", "LUMC");
        return d;
}

static bool blocked(const Pipeline *p, const char *table, const char *id) {
        Row *row = dataset_find(p->dataset, (size_t) model_table_index(p->model, table), id);
        CHECK(row != NULL);
        return row && (row->flags & ROW_BLOCKED);
}

static size_t count_code(const Findings *f, const char *code, Severity severity) {
        size_t n = 0;
        for (size_t i = 0; i < f->n_items; i++)
                n += streq_ptr(f->items[i].code, code) && f->items[i].severity == severity;
        return n;
}

TEST(test_ids) {
        CHECK(foreign_id_is_other_node(EU_NET, "BE"));
        CHECK(foreign_id_is_other_node(NL_BIOBANK, "BE"));
        CHECK(!foreign_id_is_other_node("bbmri-eric:ID:BE_UZA", "BE"));
        CHECK(!foreign_id_is_other_node("nowhere", "BE"));
}

/* Without a place to set them aside, they are dangling references as before. */
TEST(test_not_deferred) {
        _cleanup_free_ char *text = pipeline_variant("    network: [bbmri-be]\n", "    network: [\"" EU_NET "\"]\n");
        Pipeline p;
        pipeline_run(&p, text, true);
        CHECK_INT(count_code(&p.findings, "dangling-reference", SEVERITY_ERROR), 1);
        pipeline_done(&p);
}

TEST(test_resolve_against_published) {
        Pipeline p;
        ForeignRefs refs;
        run_master(&p, &refs);
        ForeignResolution res = {};
        {
                /* Set aside, not reported, nothing held back yet. */
                CHECK_INT(refs.n_items, 2);
                CHECK_INT(count_code(&p.findings, "dangling-reference", SEVERITY_ERROR), 0);
                CHECK(!blocked(&p, "Biobanks", OTHER));

                _cleanup_(dataset_freep) Dataset *staging = NULL;
                CHECK_INT(dataset_new(p.model, &staging), 0);
                CHECK(foreign_refs_need_published(&refs, staging));
                _cleanup_(dataset_freep) Dataset *published = published_of(p.model, true);
                ForeignSources sources = { .staging = staging, .published = published };
                CHECK_INT(foreign_resolve(p.dataset, &refs, &sources, SEVERITY_ERROR, &p.findings, &res), 0);
                CHECK_INT(res.n_resolved, 1);
                CHECK_INT(res.n_unresolved, 1);
                /* The one nobody has is an error of the referencing row, and holds back its collection. */
                CHECK_INT(count_code(&p.findings, "dangling-reference", SEVERITY_ERROR), 1);
                const Finding *f = pipeline_finding(&p, "dangling-reference");
                CHECK(f && streq_ptr(f->id, OTHER) && streq_ptr(f->column, "network"));
                CHECK(f && strstr(f->message, EU_GONE) && strstr(f->message, "neither the staging area nor the published"));
                CHECK(f && f->file && f->line > 0);
                CHECK(blocked(&p, "Biobanks", OTHER));
                CHECK(blocked(&p, "Collections", OTHER_COLL));
                CHECK(!blocked(&p, "Biobanks", "bbmri-eric:ID:BE_UZA"));
                /* The network comes with its contact, unchanged; the Dutch biobank nobody asked for stays. */
                CHECK(res.bring != NULL);
                CHECK_INT(dataset_total_rows(res.bring), 2);
                CHECK(res.bring && dataset_find(res.bring, (size_t) model_table_index(p.model, "Networks"), EU_NET));
                CHECK(res.bring && dataset_find(res.bring, (size_t) model_table_index(p.model, "Persons"), EU_PERSON));
                CHECK(res.bring && !dataset_find(res.bring, (size_t) model_table_index(p.model, "Biobanks"), NL_BIOBANK));

                /* The push sends them whole, counted apart. */
                DiffOptions opts = { .node = "BE" };
                _cleanup_(change_set_freep) ChangeSet *changes = NULL;
                CHECK_INT(diff_datasets(p.dataset, staging, &opts, &changes), 0);
                _cleanup_(push_plan_freep) PushPlan *plan = NULL;
                CHECK_INT(sync_build_plan_with(p.model, changes, staging, res.bring, DELETIONS_WITHDRAW, &plan), 0);
                CHECK_INT(plan->n_foreign, 2);
                bool network_sent = false;
                for (size_t i = 0; i < plan->n_tables; i++) {
                        const PushTable *pt = &plan->tables[i];
                        const ModelTable *mt = &p.model->tables[pt->table];
                        for (size_t k = 0; k < pt->n_upserts; k++) {
                                CHECK(!streq(pt->upserts[k]->id, OTHER)); /* held back */
                                if (!streq(pt->upserts[k]->id, EU_NET))
                                        continue;
                                network_sent = true;
                                int c = model_column_index(mt, "contact");
                                CHECK(pt->columns[c]);
                                CHECK_STR(pt->upserts[k]->cells[c], EU_PERSON);
                        }
                }
                CHECK(network_sent);
        }
        foreign_resolution_done(&res);
        foreign_refs_done(&refs);
        pipeline_done(&p);
}

/* A row the staging area has is not brought again; the published Directory is not needed. */
TEST(test_resolve_in_staging) {
        Pipeline p;
        ForeignRefs refs;
        run_master(&p, &refs);
        ForeignResolution res = {};
        {
                _cleanup_(dataset_freep) Dataset *staging = published_of(p.model, true);
                add(staging, "Networks", EU_GONE, "name", "Somewhere after all");
                CHECK(!foreign_refs_need_published(&refs, staging));
                ForeignSources sources = { .staging = staging };
                CHECK_INT(foreign_resolve(p.dataset, &refs, &sources, SEVERITY_ERROR, &p.findings, &res), 0);
                CHECK_INT(res.n_resolved, 2);
                CHECK_INT(res.n_unresolved, 0);
                CHECK(res.bring == NULL);
                CHECK_INT(p.findings.n_errors, 0);
                /* The staging area's rows of other nodes are never the node's to remove. */
                DiffOptions opts = { .node = "BE" };
                _cleanup_(change_set_freep) ChangeSet *changes = NULL;
                CHECK_INT(diff_datasets(p.dataset, staging, &opts, &changes), 0);
                CHECK_INT(changes->total.removed, 0);
                for (size_t i = 0; i < changes->n_changes; i++)
                        CHECK(!foreign_id_is_other_node(changes->changes[i].id, "BE"));
        }
        foreign_resolution_done(&res);
        foreign_refs_done(&refs);
        pipeline_done(&p);
}

/* A published row whose own reference nobody has cannot come: the server would refuse it. */
TEST(test_broken_chain) {
        Pipeline p;
        ForeignRefs refs;
        run_master(&p, &refs);
        ForeignResolution res = {};
        {
                _cleanup_(dataset_freep) Dataset *published = published_of(p.model, false);
                ForeignSources sources = { .published = published };
                CHECK_INT(foreign_resolve(p.dataset, &refs, &sources, SEVERITY_ERROR, &p.findings, &res), 0);
                CHECK_INT(res.n_resolved, 0);
                CHECK_INT(res.n_unresolved, 2);
                CHECK(res.bring == NULL);
                bool chain = false;
                for (size_t i = 0; i < p.findings.n_items; i++)
                        chain = chain || (streq_ptr(p.findings.items[i].id, "bbmri-eric:ID:BE_UZA") &&
                                          strstr(p.findings.items[i].message, "which needs Persons '" EU_PERSON "'"));
                CHECK(chain);
                CHECK(blocked(&p, "Biobanks", "bbmri-eric:ID:BE_UZA"));
        }
        foreign_resolution_done(&res);
        foreign_refs_done(&refs);
        pipeline_done(&p);
}

/* A published row that needs a row of the node's own brings nothing: the master defines the node's rows. */
TEST(test_needs_own_row) {
        Pipeline p;
        ForeignRefs refs;
        run_master(&p, &refs);
        ForeignResolution res = {};
        {
                _cleanup_(dataset_freep) Dataset *published = published_of(p.model, true);
                add(published, "Networks", EU_NET, "contact", "bbmri-eric:contactID:BE_gone");
                add(published, "Persons", "bbmri-eric:contactID:BE_gone", "first_name", "Gone");
                ForeignSources sources = { .node = "BE", .published = published };
                CHECK_INT(foreign_resolve(p.dataset, &refs, &sources, SEVERITY_ERROR, &p.findings, &res), 0);
                CHECK_INT(res.n_resolved, 0);
                CHECK(res.bring == NULL);
                CHECK(blocked(&p, "Biobanks", "bbmri-eric:ID:BE_UZA"));
                bool named = false;
                for (size_t i = 0; i < p.findings.n_items; i++)
                        named = named || strstr(p.findings.items[i].message, "which needs Persons 'bbmri-eric:contactID:BE_gone'");
                CHECK(named);
        }
        foreign_resolution_done(&res);
        foreign_refs_done(&refs);
        pipeline_done(&p);
}

/* check's way: a warning, nothing held back. */
TEST(test_warning) {
        Pipeline p;
        ForeignRefs refs;
        run_master(&p, &refs);
        ForeignResolution res = {};
        {
                ForeignSources sources = { .missing_phrase = "which no copy has" };
                CHECK_INT(foreign_resolve(p.dataset, &refs, &sources, SEVERITY_WARNING, &p.findings, &res), 0);
                CHECK_INT(res.n_unresolved, 2);
                CHECK_INT(p.findings.n_errors, 0);
                CHECK_INT(count_code(&p.findings, "foreign-reference", SEVERITY_WARNING), 2);
                const Finding *f = pipeline_finding(&p, "foreign-reference");
                CHECK(f && strstr(f->message, "of another node, which no copy has"));
                CHECK(!blocked(&p, "Biobanks", OTHER));
                CHECK(!blocked(&p, "Collections", OTHER_COLL));
        }
        foreign_resolution_done(&res);
        foreign_refs_done(&refs);
        pipeline_done(&p);
}

TEST(test_tables_mask) {
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, false);
        bool mask[64] = {};
        CHECK(p.model->n_tables <= ELEMENTSOF(mask));
        foreign_tables_mask(p.model, mask);
        CHECK(mask[model_table_index(p.model, "Persons")]);
        CHECK(mask[model_table_index(p.model, "Networks")]);
        CHECK(mask[model_table_index(p.model, "Collections")]);
        CHECK(!mask[model_table_index(p.model, "CollectionFacts")]);
        pipeline_done(&p);
}

TEST_MAIN(RUN(test_ids); RUN(test_not_deferred); RUN(test_resolve_against_published); RUN(test_resolve_in_staging);
          RUN(test_broken_chain); RUN(test_needs_own_row); RUN(test_warning); RUN(test_tables_mask))
