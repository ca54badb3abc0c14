/* SPDX-License-Identifier: MIT */
/* local_read(), as the commands run it: masters read with their facts files deferred, the facts
 * files read two at a time (the second half on a thread of its own) and joined into one dataset. */
#include "pipeline.h"
#include "test-pipeline.h"

static const char *const facts_header = "id,collection,sex,age_range,sample_type,number_of_samples,last_update\n";

static void write_facts(Pipeline *p, const char *name, int first, int n, int duplicate_of) {
        _cleanup_free_ char *text = strdup(facts_header);
        CHECK(text != NULL);
        for (int i = first; i < first + n; i++) {
                int id = i == first + n - 1 && duplicate_of >= 0 ? duplicate_of : i;
                _cleanup_free_ char *line = strdup_printf(
                        "f%d,bbmri-eric:ID:BE_UZA:collection:oncology,FEMALE,Adult,SERUM,%d,2026-01-15\n", id, 10 + i);
                _cleanup_free_ char *joined = strdup_printf("%s%s", text, line);
                CHECK(line && joined);
                free(text);
                text = TAKE_PTR(joined);
        }
        pipeline_write(p, name, text);
}

TEST(test_facts_files_side_by_side) {
        Pipeline p = {};
        snprintf(p.dir, sizeof p.dir, "/tmp/test-local-XXXXXX");
        CHECK(mkdtemp(p.dir) != NULL);
        findings_init(&p.findings);

        /* Five files: three read here, two on the second thread; the last row of the fifth file
         * repeats an id of the first. */
        pipeline_write(&p, "master.yaml",
                       VALID_MASTER "collection_facts:\n  - file: f1.csv\n  - file: f2.csv\n  - file: f3.csv\n"
                                    "  - file: f4.csv\n  - file: f5.csv\n");
        write_facts(&p, "f1.csv", 0, 40, -1);
        write_facts(&p, "f2.csv", 40, 40, -1);
        write_facts(&p, "f3.csv", 80, 40, -1);
        write_facts(&p, "f4.csv", 120, 40, -1);
        write_facts(&p, "f5.csv", 160, 40, 3);
        _cleanup_free_ char *config_text = strdup_printf(
                "node: BE\nmaster: master.yaml\nmappings: [%s/mappings/miabis-2.0.yaml]\nmodel: %s/mappings/directory-model.yaml\n"
                "directory:\n  url: file:remote\nstate_dir: state\n",
                SOURCE_ROOT, SOURCE_ROOT);
        pipeline_write(&p, "config.yaml", config_text);
        _cleanup_free_ char *config_path = path_join(p.dir, "config.yaml");
        _cleanup_(config_freep) Config *config = NULL;
        CHECK_INT(config_load(config_path, SOURCE_ROOT "/mappings", &config, &p.findings), 0);

        Local l = {};
        CHECK_INT(local_setup(config, &l, &p.findings), 0);
        CHECK_INT(local_read(config, &l, &p.findings), 0);
        int facts = model_table_index(l.model, "CollectionFacts");
        CHECK(facts >= 0);
        const DatasetTable *t = &l.dataset->tables[facts];
        /* 200 rows written, one a duplicate. */
        CHECK_INT(t->n_rows, 199);
        /* In file order, across the two halves. */
        CHECK_STR(t->rows[0]->id, "bbmri-eric:factID:BE_f0");
        CHECK_STR(t->rows[119]->id, "bbmri-eric:factID:BE_f119");
        CHECK_STR(t->rows[120]->id, "bbmri-eric:factID:BE_f120");
        CHECK_STR(t->rows[198]->id, "bbmri-eric:factID:BE_f198");
        /* Rows from the second thread are whole and findable, with their own file positions. */
        const Row *r = dataset_find(l.dataset, (size_t) facts, "bbmri-eric:factID:BE_f150");
        CHECK(r != NULL);
        CHECK(r && endswith(r->origin.file, "/f4.csv"));
        CHECK_INT(r ? r->origin.line : 0, 32);
        int size = model_column_index(&l.model->tables[facts], "number_of_samples");
        CHECK_STR(r ? r->cells[size] : NULL, "160");

        /* The duplicate across the halves: one error at the second definition, naming the first. */
        size_t n_duplicates = 0;
        for (size_t i = 0; i < p.findings.n_items; i++) {
                const Finding *f = &p.findings.items[i];
                if (!streq(f->code, "duplicate-id"))
                        continue;
                n_duplicates++;
                CHECK_STR(f->id, "bbmri-eric:factID:BE_f3");
                CHECK(f->file && endswith(f->file, "/f5.csv"));
                CHECK_INT(f->line, 41);
                CHECK_CONTAINS(f->message, "f1.csv:5");
        }
        CHECK_INT(n_duplicates, 1);
        const Row *first = dataset_find(l.dataset, (size_t) facts, "bbmri-eric:factID:BE_f3");
        CHECK(first && (first->flags & ROW_HAS_ERROR));
        CHECK(first && endswith(first->origin.file, "/f1.csv"));

        local_done(&l);
        pipeline_done(&p);
}

TEST_MAIN(RUN(test_facts_files_side_by_side))
