/* SPDX-License-Identifier: MIT */
#include <zip.h>

#include "push-body.h"
#include "sync.h"
#include "test.h"

static Model *model;

static size_t table(const char *name) {
        return (size_t) model_table_index(model, name);
}

static size_t col(const char *t, const char *name) {
        return (size_t) model_column_index(&model->tables[table(t)], name);
}

/* A plan table by hand: Collections with a parent and a child, given child first. */
static PushTable collections_table(Dataset *d, bool *columns, const Row **rows) {
        size_t t = table("Collections");
        Row *child = NULL, *parent = NULL, *other = NULL;
        CHECK_INT(dataset_add_row(d, t, "bbmri-eric:ID:BE_X:collection:child", NULL, &child), 0);
        CHECK_INT(dataset_set(d, child, t, col("Collections", "parent_collection"), "bbmri-eric:ID:BE_X:collection:parent",
                              NULL),
                  0);
        CHECK_INT(dataset_set(d, child, t, col("Collections", "name"), "Child, \"quoted\"", NULL), 0);
        CHECK_INT(dataset_add_row(d, t, "bbmri-eric:ID:BE_X:collection:other", NULL, &other), 0);
        CHECK_INT(dataset_set(d, other, t, col("Collections", "name"), "Other", NULL), 0);
        CHECK_INT(dataset_add_row(d, t, "bbmri-eric:ID:BE_X:collection:parent", NULL, &parent), 0);
        CHECK_INT(dataset_set(d, parent, t, col("Collections", "name"), "Parent", NULL), 0);
        rows[0] = child;
        rows[1] = other;
        rows[2] = parent;
        columns[col("Collections", "id")] = true;
        columns[col("Collections", "name")] = true;
        columns[col("Collections", "parent_collection")] = true;
        return (PushTable) { .table = t, .columns = columns, .upserts = rows, .n_upserts = 3 };
}

TEST(test_order_and_csv) {
        Dataset *d = NULL;
        CHECK_INT(dataset_new(model, &d), 0);
        bool *columns = calloc(model->tables[table("Collections")].n_columns, sizeof(bool));
        const Row *rows[3];
        PushTable pt = collections_table(d, columns, rows);
        size_t *order = NULL;
        CHECK_INT(push_body_upsert_order(model, &pt, &order), 0);
        /* The parent goes before the child that points at it; the others keep their order. */
        size_t pos_parent = 0, pos_child = 0;
        for (size_t i = 0; i < 3; i++) {
                if (order[i] == 2)
                        pos_parent = i;
                if (order[i] == 0)
                        pos_child = i;
        }
        CHECK(pos_parent < pos_child);
        char *csv = NULL;
        size_t size = 0;
        CHECK_INT(push_body_upserts_csv(model, &pt, order, 0, 3, false, &csv, &size), 0);
        /* Only the plan's columns, in model order; quoting per RFC 4180. */
        CHECK(startswith(csv, "id,name,parent_collection\n") != NULL);
        CHECK_CONTAINS(csv, "bbmri-eric:ID:BE_X:collection:child,\"Child, \"\"quoted\"\"\",bbmri-eric:ID:BE_X:collection:parent\n");
        CHECK(strstr(csv, "collection:parent,Parent,\n") < strstr(csv, "collection:child,"));
        free(csv);
        /* A slice, with the mg_delete column of a ZIP that also deletes. */
        CHECK_INT(push_body_upserts_csv(model, &pt, order, 1, 1, true, &csv, &size), 0);
        CHECK(startswith(csv, "id,name,parent_collection,mg_delete\n") != NULL);
        CHECK(endswith(csv, ",false\n"));
        CHECK_INT(push_body_upserts_csv(model, &pt, order, 2, 5, false, &csv, &size), -EINVAL);
        free(csv);
        free(order);
        free(columns);
        dataset_free(d);
}

TEST(test_deletes_csv) {
        const char *ids[] = { "bbmri-eric:ID:BE_X:collection:parent", "bbmri-eric:ID:BE_X:collection:child" };
        size_t t = table("Collections");
        bool *columns = calloc(model->tables[t].n_columns, sizeof(bool));
        columns[col("Collections", "id")] = columns[col("Collections", "size")] = true;
        PushTable pt = { .table = t, .columns = columns, .deletes = ids, .n_deletes = 2 };
        char *csv = NULL;
        size_t size = 0;
        CHECK_INT(push_body_deletes_csv(model, &pt, false, &csv, &size), 0);
        /* Children first: the reverse of the plan's order. */
        CHECK_STR(csv, "id\nbbmri-eric:ID:BE_X:collection:child\nbbmri-eric:ID:BE_X:collection:parent\n");
        free(csv);
        CHECK_INT(push_body_deletes_csv(model, &pt, true, &csv, &size), 0);
        CHECK_STR(csv, "id,size,mg_delete\nbbmri-eric:ID:BE_X:collection:child,,true\n"
                       "bbmri-eric:ID:BE_X:collection:parent,,true\n");
        free(csv);
        free(columns);
}

/* A plan of deletions in Biobanks, Collections and CollectionFacts plus an upsert of Persons. */
static PushPlan *deletion_plan(void) {
        PushPlan *p = calloc(1, sizeof(PushPlan));
        static const char *bio[] = { "bbmri-eric:ID:BE_X" };
        static const char *coll[] = { "bbmri-eric:ID:BE_X:collection:a" };
        static const char *facts[] = { "bbmri-eric:factID:BE_f1" };
        static const char *const names[] = { "Persons", "Biobanks", "Collections", "CollectionFacts" };
        p->tables = calloc(4, sizeof(PushTable));
        p->n_tables = 4;
        for (size_t i = 0; i < 4; i++) {
                p->tables[i].table = table(names[i]);
                p->tables[i].columns = calloc(model->tables[table(names[i])].n_columns, sizeof(bool));
                p->tables[i].columns[model->tables[table(names[i])].id_column] = true;
        }
        CHECK_INT(dataset_new(model, &p->rows), 0);
        Row *person = NULL;
        CHECK_INT(dataset_add_row(p->rows, table("Persons"), "bbmri-eric:contactID:BE_p", NULL, &person), 0);
        p->tables[0].upserts = calloc(1, sizeof(Row *));
        p->tables[0].upserts[0] = person;
        p->tables[0].n_upserts = 1;
        p->tables[1].deletes = calloc(1, sizeof(char *));
        p->tables[1].deletes[0] = bio[0];
        p->tables[1].n_deletes = 1;
        p->tables[2].deletes = calloc(1, sizeof(char *));
        p->tables[2].deletes[0] = coll[0];
        p->tables[2].n_deletes = 1;
        p->tables[3].deletes = calloc(1, sizeof(char *));
        p->tables[3].deletes[0] = facts[0];
        p->tables[3].n_deletes = 1;
        p->n_upserts = 1;
        p->n_deletes = 3;
        return p;
}

/* A ZIP body opened from memory (the caller keeps data alive and frees it); NULL fails the test. */
static zip_t *open_zip(const void *data, size_t size) {
        zip_error_t err;
        zip_error_init(&err);
        zip_source_t *src = zip_source_buffer_create(data, size, 0, &err);
        zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &err) : NULL;
        if (!za && src)
                zip_source_free(src);
        zip_error_fini(&err);
        CHECK(za != NULL);
        return za;
}

/* A member's text, NUL-terminated (at most size - 1 bytes); an empty or missing member fails. */
static void read_member(zip_t *za, const char *name, char *buf, size_t size) {
        buf[0] = 0;
        zip_file_t *f = zip_fopen(za, name, 0);
        zip_int64_t n = f ? zip_fread(f, buf, size - 1) : -1;
        if (f)
                zip_fclose(f);
        CHECK(n > 0);
        buf[n > 0 ? n : 0] = 0;
}

TEST(test_zip_steps) {
        PushPlan *plan = deletion_plan();
        PushZipPlan *z = NULL;
        CHECK_INT(push_zip_plan(model, plan, &z), 0);
        /* First import: the upsert and the facts' deletions (nothing later points at facts); then
         * Collections, then Biobanks, each in an import of its own, children first. */
        CHECK_INT(z->n_steps, 3);
        CHECK(z->steps[0].upserts[0] && !z->steps[0].deletes[1] && !z->steps[0].deletes[2] && z->steps[0].deletes[3]);
        CHECK_INT(z->steps[0].n_upserts, 1);
        CHECK_INT(z->steps[0].n_deletes, 1);
        CHECK(z->steps[1].deletes[2] && !z->steps[1].deletes[1] && !z->steps[1].upserts[0]);
        CHECK(z->steps[2].deletes[1] && !z->steps[2].deletes[2]);

        void *data = NULL;
        size_t size = 0;
        CHECK_INT(push_body_zip(model, plan, &z->steps[0], &data, &size), 0);
        zip_t *za = open_zip(data, size);
        if (za) {
                CHECK_INT(zip_get_num_entries(za, 0), 2);
                CHECK_STR(zip_get_name(za, 0, 0), "Persons.csv");
                CHECK_STR(zip_get_name(za, 1, 0), "CollectionFacts.csv");
                CHECK(zip_name_locate(za, "molgenis.csv", 0) < 0);
                char buf[256];
                read_member(za, "CollectionFacts.csv", buf, sizeof buf);
                CHECK_STR(buf, "id,mg_delete\nbbmri-eric:factID:BE_f1,true\n");
                zip_close(za);
        }
        free(data);
        push_zip_plan_free(z);
        push_plan_free(plan);
}

TEST(test_zip_upserts_and_deletes_in_one_file) {
        /* A table with upserts and deletions in the same import: one file, one header, the upserts
         * with mg_delete=false, then the deletions with mg_delete=true. */
        PushPlan *plan = deletion_plan();
        for (size_t i = 0; i < 3; i++) {
                plan->tables[i].n_upserts = 0;
                plan->tables[i].n_deletes = 0;
        }
        size_t facts = table("CollectionFacts");
        Row *fact = NULL;
        CHECK_INT(dataset_add_row(plan->rows, facts, "bbmri-eric:factID:BE_f2", NULL, &fact), 0);
        CHECK_INT(dataset_set(plan->rows, fact, facts, col("CollectionFacts", "number_of_samples"), "7", NULL), 0);
        PushTable *pt = &plan->tables[3];
        pt->columns[col("CollectionFacts", "number_of_samples")] = true;
        pt->upserts = calloc(1, sizeof(Row *));
        pt->upserts[0] = fact;
        pt->n_upserts = 1;
        PushZipPlan *z = NULL;
        CHECK_INT(push_zip_plan(model, plan, &z), 0);
        CHECK_INT(z->n_steps, 1);
        void *data = NULL;
        size_t size = 0;
        CHECK_INT(push_body_zip(model, plan, &z->steps[0], &data, &size), 0);
        zip_t *za = open_zip(data, size);
        if (za) {
                CHECK_INT(zip_get_num_entries(za, 0), 1);
                char buf[256];
                read_member(za, "CollectionFacts.csv", buf, sizeof buf);
                CHECK_STR(buf, "id,number_of_samples,mg_delete\nbbmri-eric:factID:BE_f2,7,false\n"
                               "bbmri-eric:factID:BE_f1,,true\n");
                zip_close(za);
        }
        free(data);
        push_zip_plan_free(z);
        push_plan_free(plan);
}

TEST(test_zip_upserts_only) {
        /* withdraw (the default) gives upserts only: one import. */
        PushPlan *plan = deletion_plan();
        for (size_t i = 1; i < 4; i++)
                plan->tables[i].n_deletes = 0;
        PushZipPlan *z = NULL;
        CHECK_INT(push_zip_plan(model, plan, &z), 0);
        CHECK_INT(z->n_steps, 1);
        push_zip_plan_free(z);
        /* Deletions alone: no empty first import. */
        plan->tables[0].n_upserts = 0;
        plan->tables[3].n_deletes = 1;
        CHECK_INT(push_zip_plan(model, plan, &z), 0);
        CHECK_INT(z->n_steps, 1);
        CHECK(z->steps[0].deletes[3]);
        push_zip_plan_free(z);
        push_plan_free(plan);
}

TEST_MAIN_WITH_MODEL((void) 0, RUN(test_order_and_csv); RUN(test_deletes_csv); RUN(test_zip_steps); RUN(test_zip_upserts_and_deletes_in_one_file);
                     RUN(test_zip_upserts_only))
