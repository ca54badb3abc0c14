/* SPDX-License-Identifier: MIT */
#include "emx2csv.h"
#include "test.h"

static Model *model;

static int table_index(const char *name) {
        return model_table_index(model, name);
}

TEST(test_read_write_round_trip) {
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(model, &d), 0);
        size_t coll = (size_t) table_index("Collections");
        static const char csv[] =
                "id,name,materials,size,withdrawn,facts,mg_insertedBy,national_node,colour\n"
                "bbmri-eric:ID:BE_A:collection:x,\"Tumour, frozen\",\"DNA, SERUM\",120,false,f1,admin,BE,red\n"
                "bbmri-eric:ID:BE_A:collection:y,Short row\n";
        Emx2ReadStats stats = {};
        Findings f;
        findings_init(&f);
        CHECK_INT(emx2_read_table(d, coll, csv, strlen(csv), "Collections.csv", &stats, &f), 0);
        CHECK_INT(f.n_items, 0);
        CHECK_INT(stats.n_rows, 2);
        /* The refback (facts), system (mg_*) and publisher (national_node) columns are dropped
         * silently; an unknown column is model drift. */
        CHECK_INT(strv_length(stats.unknown_columns), 1);
        CHECK_STR(stats.unknown_columns[0], "colour");
        Row *x = dataset_find(d, coll, "bbmri-eric:ID:BE_A:collection:x");
        CHECK(x != NULL);
        int materials = model_column_index(&model->tables[coll], "materials");
        CHECK_STR(x->cells[materials], "DNA\x1fSERUM");
        CHECK_INT(dataset_cell_location(x, (size_t) materials).line, 2);
        CHECK_INT(dataset_cell_location(x, (size_t) materials).column, 3);
        CHECK(x->cells[model_column_index(&model->tables[coll], "facts")] == NULL);

        _cleanup_free_ char *out = NULL;
        size_t size;
        bool columns[64] = {};
        columns[model_column_index(&model->tables[coll], "name")] = true;
        columns[materials] = true;
        CHECK_INT(emx2_table_to_buffer(d, coll, NULL, 0, columns, false, &out, &size), 0);
        CHECK_STR(out, "id,name,materials\n"
                       "bbmri-eric:ID:BE_A:collection:x,\"Tumour, frozen\",\"DNA,SERUM\"\n"
                       "bbmri-eric:ID:BE_A:collection:y,Short row,\n");
        emx2_read_stats_done(&stats);
        findings_done(&f);
}

TEST(test_full_header_has_no_server_columns) {
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(model, &d), 0);
        size_t networks = (size_t) table_index("Persons");
        _cleanup_free_ char *out = NULL;
        size_t size;
        CHECK_INT(emx2_table_to_buffer(d, networks, NULL, 0, NULL, false, &out, &size), 0);
        CHECK_STR(out, "id,title_before_name,first_name,last_name,title_after_name,email,phone,address,zip,city,"
                       "country,role\n");
}

TEST(test_errors) {
        static const struct {
                const char *csv, *message;
        } cases[] = {
                { "name,email\nx,y\n", "Persons.csv:1: error: the header has no 'id' column" },
                { "id,email\nbbmri-eric:contactID:BE_a,a@b.c\nbbmri-eric:contactID:BE_a,d@e.f\n",
                  "Persons.csv:3:1: error: duplicate id 'bbmri-eric:contactID:BE_a' (first at Persons.csv:2)" },
                { "id,email\n,a@b.c\n", "Persons.csv:2:1: error: row without an id" },
                { "id,email\nbbmri-eric:contactID:BE_a,a@b.c,extra\n", "Persons.csv:2:3: error: row has 3 fields" },
                { "id,email\n\"open\n", "Persons.csv:2:1: error: quoted field is never closed" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(dataset_freep) Dataset *d = NULL;
                CHECK_INT(dataset_new(model, &d), 0);
                Emx2ReadStats stats = {};
                Findings f;
                findings_init(&f);
                CHECK_INT(emx2_read_table(d, 0, cases[i].csv, strlen(cases[i].csv), "Persons.csv", &stats, &f),
                          -EBADMSG);
                _cleanup_free_ char *m = f.n_items ? finding_format(&f.items[0]) : NULL;
                CHECK_CONTAINS(m, cases[i].message);
                emx2_read_stats_done(&stats);
                findings_done(&f);
        }
}

TEST(test_duplicate_row_findings) {
        /* A row is filled before it is put in the index: a duplicate's own cell errors are not
         * reported (it is not read), the first row's are, in order, and the rows stay in order. */
        size_t networks = (size_t) table_index("Networks");
        CHECK(column_type_is_list(model->tables[networks].columns[model_column_index(&model->tables[networks],
                                                                                    "also_known")].type));
        static const char csv[] = "id,name,also_known\n"
                                  "bbmri-eric:networkID:BE_a,a@b.c,x\x1fy\n"
                                  "bbmri-eric:networkID:BE_b,b@b.c,\n"
                                  "bbmri-eric:networkID:BE_a,d@e.f,z\x1fw\n"
                                  "bbmri-eric:networkID:BE_c,c@b.c,\"p,q\"\n";
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(model, &d), 0);
        Emx2ReadStats stats = {};
        Findings f;
        findings_init(&f);
        CHECK_INT(emx2_read_table(d, networks, csv, strlen(csv), "Networks.csv", &stats, &f), -EBADMSG);
        CHECK_INT(f.n_items, 2);
        CHECK_INT(f.n_errors, 2);
        _cleanup_free_ char *first = f.n_items > 0 ? finding_format(&f.items[0]) : NULL;
        _cleanup_free_ char *second = f.n_items > 1 ? finding_format(&f.items[1]) : NULL;
        CHECK_CONTAINS(first, "Networks.csv:2:3: error: value contains a control character");
        CHECK_CONTAINS(second, "Networks.csv:4:1: error: duplicate id 'bbmri-eric:networkID:BE_a' (first at Networks.csv:2)");
        CHECK_INT(stats.n_rows, 3);
        CHECK_INT(d->tables[networks].n_rows, 3);
        static const char *const order[] = { "bbmri-eric:networkID:BE_a", "bbmri-eric:networkID:BE_b",
                                             "bbmri-eric:networkID:BE_c" };
        for (size_t i = 0; i < ELEMENTSOF(order) && i < d->tables[networks].n_rows; i++) {
                const Row *row = d->tables[networks].rows[i];
                CHECK(streq(row->id, order[i]) && dataset_find(d, networks, order[i]) == row);
        }
        const Row *a = dataset_find(d, networks, "bbmri-eric:networkID:BE_a");
        CHECK(a && streq_ptr(a->cells[model_column_index(&model->tables[networks], "name")], "a@b.c"));
        const Row *c = dataset_find(d, networks, "bbmri-eric:networkID:BE_c");
        CHECK(c && streq_ptr(c->cells[model_column_index(&model->tables[networks], "also_known")], "p\x1fq"));
        emx2_read_stats_done(&stats);
        findings_done(&f);
}

TEST(test_ignored_columns) {
        CHECK(emx2_column_is_ignored("national_node"));
        CHECK(emx2_column_is_ignored("mg_updatedOn"));
        CHECK(emx2_column_is_ignored("combined_quality"));
        CHECK(!emx2_column_is_ignored("name"));
        /* AlsoKnownIn.pid is a staging column: the model wins over the publisher list. */
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(model, &d), 0);
        size_t aki = (size_t) table_index("AlsoKnownIn");
        static const char csv[] = "id,name_system,pid,url\nbbmri-eric:akiID:BE_x,BBMRI.be,P1,https://x.example.org\n";
        Emx2ReadStats stats = {};
        Findings f;
        findings_init(&f);
        CHECK_INT(emx2_read_table(d, aki, csv, strlen(csv), "AlsoKnownIn.csv", &stats, &f), 0);
        Row *r = dataset_find(d, aki, "bbmri-eric:akiID:BE_x");
        CHECK(r && streq_ptr(r->cells[model_column_index(&model->tables[aki], "pid")], "P1"));
        emx2_read_stats_done(&stats);
        findings_done(&f);
}

TEST_MAIN_WITH_MODEL((void) 0, RUN(test_read_write_round_trip); RUN(test_full_header_has_no_server_columns); RUN(test_errors); RUN(test_duplicate_row_findings);
                     RUN(test_ignored_columns))
