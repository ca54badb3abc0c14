/* SPDX-License-Identifier: MIT */
#include "test.h"
#include "records.h"

TEST(test_records_and_fields) {
        _cleanup_(record_set_freep) RecordSet *s = NULL;
        CHECK_INT(record_set_new(&s), 0);
        if (!s)
                return;
        CHECK_INT(s->n_records, 0);
        CHECK(s->node == NULL);

        CHECK_INT(record_set_set_node(s, "BE"), 0);
        CHECK_STR(s->node, "BE");
        CHECK_INT(record_set_set_node(s, "NL"), 0);
        CHECK_STR(s->node, "NL");

        const char *file = record_set_intern_file(s, "/data/master.yaml");
        Location loc = { .file = file, .line = 10, .column = 5 };
        char table[] = "Biobanks", id[] = "UZA";
        Record *r = NULL;
        CHECK_INT(record_set_add(s, table, id, &loc, &r), 0);
        CHECK(r != NULL);
        /* Copied: the caller's buffers may change. */
        table[0] = 'X';
        id[0] = 'X';
        CHECK_STR(r->table, "Biobanks");
        CHECK_STR(r->id, "UZA");
        CHECK(r->location.file == file);
        CHECK_INT(r->location.line, 10);
        CHECK_INT(r->location.column, 5);
        CHECK_INT(s->n_records, 1);
        CHECK(s->records[0] == r);

        char value[] = "Biobank@UZA";
        const char *name_values[] = { value };
        Location at = { .file = file, .line = 11, .column = 11 };
        CHECK_INT(record_add_field(s, r, "name", name_values, 1, false, false, &at), 0);
        value[0] = 'X';
        const char *materials[] = { "Serum", "Tissue, cryo preserved", NULL };
        CHECK_INT(record_add_field(s, r, "materials", materials, 3, true, false, NULL), 0);
        const char *country[] = { "BE" };
        Location parent = { .file = file, .line = 3, .column = 14 };
        CHECK_INT(record_add_field(s, r, "country", country, 1, false, true, &parent), 0);
        CHECK_INT(record_add_field(s, r, "empty", NULL, 0, true, false, NULL), 0);
        CHECK_INT(record_add_field(s, r, "bad", NULL, 2, false, false, NULL), -EINVAL);
        CHECK_INT(r->n_fields, 4);

        const RecordField *f = record_get_field(r, "name");
        CHECK(f != NULL);
        if (f) {
                CHECK_INT(f->n_values, 1);
                CHECK_STR(f->values[0], "Biobank@UZA");
                CHECK(!f->is_list);
                CHECK(!f->inherited);
                CHECK_INT(f->location.line, 11);
                CHECK_INT(f->location.column, 11);
                CHECK(f->location.file == file);
        }
        f = record_get_field(r, "materials");
        CHECK(f && f->is_list && f->n_values == 3);
        if (f && f->n_values == 3) {
                CHECK_STR(f->values[0], "Serum");
                CHECK_STR(f->values[1], "Tissue, cryo preserved");
                CHECK(f->values[2] == NULL);
                CHECK(f->location.file == NULL);
        }
        f = record_get_field(r, "country");
        CHECK(f && f->inherited && f->location.line == 3);
        f = record_get_field(r, "empty");
        CHECK(f && f->n_values == 0 && f->values == NULL);
        CHECK(record_get_field(r, "missing") == NULL);

        /* Many records and fields grow their arrays and keep earlier pointers valid. */
        Record *first = r;
        for (int i = 0; i < 1000; i++) {
                char buf[32];
                snprintf(buf, sizeof(buf), "p%d", i);
                Record *p = NULL;
                CHECK_INT(record_set_add(s, "Persons", buf, NULL, &p), 0);
                for (int k = 0; p && k < 20; k++) {
                        char fname[16];
                        snprintf(fname, sizeof(fname), "f%d", k);
                        const char *v[] = { buf };
                        CHECK_INT(record_add_field(s, p, fname, v, 1, false, false, NULL), 0);
                }
        }
        CHECK_INT(s->n_records, 1001);
        CHECK(s->records[0] == first);
        CHECK_STR(first->id, "UZA");
        CHECK_STR(s->records[1000]->id, "p999");
        CHECK_STR(s->records[1000]->table, "Persons");
        CHECK_INT(s->records[1000]->n_fields, 20);
        CHECK_STR(record_get_field(s->records[1000], "f19")->values[0], "p999");

        /* A record without an id (the reader reports that, the set only keeps it). */
        Record *noid = NULL;
        CHECK_INT(record_set_add(s, "Persons", NULL, NULL, &noid), 0);
        CHECK(noid && noid->id == NULL);
        CHECK_INT(record_set_set_node(s, NULL), 0);
        CHECK(s->node == NULL);
}

TEST(test_intern_file) {
        _cleanup_(record_set_freep) RecordSet *s = NULL;
        CHECK_INT(record_set_new(&s), 0);
        if (!s)
                return;
        char path[] = "/data/a.yaml";
        const char *a = record_set_intern_file(s, path);
        CHECK_STR(a, "/data/a.yaml");
        CHECK(a != path);
        path[6] = 'b';
        CHECK_STR(a, "/data/a.yaml");
        const char *b = record_set_intern_file(s, "/data/facts.csv");
        CHECK_STR(b, "/data/facts.csv");
        CHECK(a != b);
        /* Same path, same pointer, even after the vector grew. */
        for (int i = 0; i < 50; i++) {
                char p[32];
                snprintf(p, sizeof(p), "/data/f%d.csv", i);
                CHECK(record_set_intern_file(s, p) != NULL);
        }
        CHECK(record_set_intern_file(s, "/data/a.yaml") == a);
        CHECK(record_set_intern_file(s, "/data/facts.csv") == b);
        CHECK_INT(strv_length(s->files), 52);
        CHECK(record_set_intern_file(s, NULL) == NULL);
}

/* Borrowed fields point at the caller's name and strings (a reader that hands each record to a
 * sink at once); only the array of value pointers is the set's, so the caller's may change. */
TEST(test_borrowed_fields) {
        _cleanup_(record_set_freep) RecordSet *s = NULL;
        CHECK_INT(record_set_new(&s), 0);
        if (!s)
                return;
        Record *r = NULL;
        CHECK_INT(record_set_add(s, "Collections", "c1", NULL, &r), 0);
        if (!r)
                return;
        char name[] = "materials", serum[] = "SERUM", dna[] = "DNA";
        const char *items[] = { serum, dna, NULL };
        Location at = { .line = 4, .column = 9 };
        CHECK_INT(record_add_field_borrowed(s, r, name, items, 3, true, false, &at), 0);
        items[0] = "changed";
        CHECK_INT(record_add_field_borrowed(s, r, NULL, items, 1, false, false, NULL), -EINVAL);
        CHECK_INT(record_add_field_borrowed(s, r, "x", NULL, 1, false, false, NULL), -EINVAL);
        CHECK_INT(r->n_fields, 1);
        const RecordField *f = record_get_field(r, "materials");
        CHECK(f && f->name == name && f->n_values == 3 && f->is_list && f->location.line == 4);
        if (f && f->n_values == 3) {
                CHECK(f->values != items);
                CHECK(f->values[0] == serum);
                CHECK(f->values[1] == dna);
                CHECK(f->values[2] == NULL);
                dna[0] = 'R';
                CHECK_STR(f->values[1], "RNA");
        }
        /* The copying variant next to it still copies. */
        CHECK_INT(record_add_field(s, r, name, items + 1, 1, false, false, NULL), 0);
        CHECK(r->n_fields == 2 && r->fields[1].name != name && r->fields[1].values[0] != dna);
        CHECK_STR(r->fields[1].values[0], "RNA");
}

TEST_MAIN(RUN(test_records_and_fields); RUN(test_intern_file); RUN(test_borrowed_fields))
