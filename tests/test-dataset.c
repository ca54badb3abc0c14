/* SPDX-License-Identifier: MIT */
#include "test.h"
#include "dataset.h"
#include "limits.h"

static Model *load_model(void) {
        Findings f;
        findings_init(&f);
        Model *m = NULL;
        int r = model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &m, &f);
        CHECK_INT(r, 0);
        findings_done(&f);
        return m;
}

/* Column index by name, checked. */
static size_t col(const Model *m, size_t table, const char *name) {
        int i = model_column_index(&m->tables[table], name);
        CHECK(i >= 0);
        return i < 0 ? 0 : (size_t) i;
}

static size_t tab(const Model *m, const char *name) {
        int i = model_table_index(m, name);
        CHECK(i >= 0);
        return i < 0 ? 0 : (size_t) i;
}

TEST(test_add_find_duplicate) {
        _cleanup_(model_freep) Model *m = load_model();
        if (!m)
                return;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        size_t bb = tab(m, "Biobanks");
        CHECK(d->tables[bb].model == &m->tables[bb]);

        char id[64] = "bbmri-eric:ID:BE_UZA";
        Location origin = { .file = "master.yaml", .line = 12, .column = 5 };
        Row *row = NULL;
        CHECK_INT(dataset_add_row(d, bb, id, &origin, &row), 0);
        CHECK(row != NULL);
        /* The id is copied. */
        id[0] = 'X';
        CHECK_STR(row->id, "bbmri-eric:ID:BE_UZA");
        CHECK(row->id != id);
        CHECK(dataset_find(d, bb, "bbmri-eric:ID:BE_UZA") == row);
        CHECK(dataset_find(d, bb, "bbmri-eric:ID:BE_XYZ") == NULL);
        CHECK(dataset_find(d, tab(m, "Persons"), "bbmri-eric:ID:BE_UZA") == NULL);
        CHECK(dataset_find(d, 999, "bbmri-eric:ID:BE_UZA") == NULL);
        CHECK_STR(row->origin.file, "master.yaml");
        CHECK_INT(row->origin.line, 12);
        CHECK_INT(row->flags, 0);
        CHECK(row->cell_origin == NULL);

        /* Every cell missing except the key, which is the id itself. */
        for (size_t c = 0; c < m->tables[bb].n_columns; c++)
                if (c == m->tables[bb].id_column)
                        CHECK(row->cells[c] == row->id);
                else
                        CHECK(row->cells[c] == NULL);

        Row *other = NULL;
        CHECK_INT(dataset_add_row(d, bb, "bbmri-eric:ID:BE_UZA", NULL, &other), -EEXIST);
        CHECK(other == row);
        CHECK_INT(d->tables[bb].n_rows, 1);
        CHECK_INT(dataset_add_row(d, bb, "", NULL, &other), -EINVAL);
        CHECK_INT(dataset_add_row(d, bb, NULL, NULL, &other), -EINVAL);
        CHECK_INT(dataset_add_row(d, 999, "x", NULL, &other), -EINVAL);

        /* The same id in another table is another row. */
        Row *p = NULL;
        CHECK_INT(dataset_add_row(d, tab(m, "Persons"), "bbmri-eric:ID:BE_UZA", NULL, &p), 0);
        CHECK(p != row);
        CHECK(p->origin.file == NULL);
        CHECK_INT(dataset_total_rows(d), 2);
}

TEST(test_cells_lists_clearing) {
        _cleanup_(model_freep) Model *m = load_model();
        if (!m)
                return;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        size_t t = tab(m, "Collections");
        Row *row = NULL;
        CHECK_INT(dataset_add_row(d, t, "bbmri-eric:ID:BE_UZA:collection:onc", NULL, &row), 0);

        size_t name = col(m, t, "name"), materials = col(m, t, "materials"), type = col(m, t, "type");
        char value[32] = "Oncology";
        CHECK_INT(dataset_set(d, row, t, name, value, NULL), 0);
        value[0] = 'X';
        CHECK_STR(row->cells[name], "Oncology");
        CHECK_INT(dataset_set(d, row, t, name, "", NULL), 0);
        CHECK(row->cells[name] == NULL);
        CHECK_INT(dataset_set(d, row, t, name, "Again", NULL), 0);
        CHECK_INT(dataset_set(d, row, t, name, NULL, NULL), 0);
        CHECK(row->cells[name] == NULL);
        CHECK_INT(dataset_set(d, row, t, 9999, "x", NULL), -EINVAL);
        CHECK_INT(dataset_set(d, row, 9999, name, "x", NULL), -EINVAL);

        /* The key cell cannot drift from the row's identity. */
        size_t idc = m->tables[t].id_column;
        CHECK_INT(dataset_set(d, row, t, idc, "bbmri-eric:ID:BE_UZA:collection:onc", NULL), 0);
        CHECK_INT(dataset_set(d, row, t, idc, "bbmri-eric:ID:BE_UZA:collection:other", NULL), -EINVAL);
        CHECK_INT(dataset_set(d, row, t, idc, NULL, NULL), -EINVAL);
        CHECK_STR(row->cells[idc], "bbmri-eric:ID:BE_UZA:collection:onc");

        const char *items[] = { "SERUM", "", "TISSUE_FROZEN", NULL, "DNA" };
        CHECK_INT(dataset_set_list(d, row, t, materials, items, ELEMENTSOF(items), NULL), 0);
        CHECK_STR(row->cells[materials], "SERUM\x1fTISSUE_FROZEN\x1f" "DNA");
        CHECK_INT(dataset_list_count(row->cells[materials]), 3);

        const char *state = row->cells[materials], *item;
        size_t len, n = 0;
        static const char *const expected[] = { "SERUM", "TISSUE_FROZEN", "DNA" };
        while (dataset_list_next(&state, &item, &len)) {
                CHECK(n < 3);
                if (n < 3) {
                        CHECK_INT(len, strlen(expected[n]));
                        CHECK(strncmp(item, expected[n], len) == 0);
                }
                n++;
        }
        CHECK_INT(n, 3);
        CHECK(!dataset_list_next(&state, &item, &len));

        const char *one[] = { "Tissue, cryo preserved" };
        CHECK_INT(dataset_set_list(d, row, t, type, one, 1, NULL), 0);
        CHECK_STR(row->cells[type], "Tissue, cryo preserved");
        CHECK_INT(dataset_list_count(row->cells[type]), 1);
        state = row->cells[type];
        CHECK(dataset_list_next(&state, &item, &len));
        CHECK_INT(len, strlen("Tissue, cryo preserved"));
        CHECK(!dataset_list_next(&state, &item, &len));

        /* Clearing: no items, only empty items. */
        CHECK_INT(dataset_set_list(d, row, t, type, NULL, 0, NULL), 0);
        CHECK(row->cells[type] == NULL);
        CHECK_INT(dataset_list_count(row->cells[type]), 0);
        state = row->cells[type];
        CHECK(!dataset_list_next(&state, &item, &len));
        const char *empties[] = { "", "" };
        CHECK_INT(dataset_set_list(d, row, t, materials, empties, 2, NULL), 0);
        CHECK(row->cells[materials] == NULL);

        /* The separator is not allowed in an item: the old value stays. */
        CHECK_INT(dataset_set_list(d, row, t, materials, items, 1, NULL), 0);
        const char *bad[] = { "a", "b\x1f" "c" };
        CHECK_INT(dataset_set_list(d, row, t, materials, bad, 2, NULL), -EINVAL);
        CHECK_STR(row->cells[materials], "SERUM");
        CHECK_INT(dataset_set_list(d, row, t, materials, items, LIMIT_LIST_ITEMS + 1, NULL), -E2BIG);

        /* Lists joined to around the scratch buffer's size (256) and far past it. */
        for (size_t total = 250; total < 1300; total += total < 260 ? 1 : 1000) {
                /* Items of 9 bytes and one of what is left, joined by the separator. */
                char item_text[128][16], last[32], want[2048];
                const char *list[129];
                size_t k = 0, used = 0;
                while (used + 10 + 10 < total && k < 128) {
                        snprintf(item_text[k], sizeof item_text[k], "item%05zu", k);
                        list[k] = item_text[k];
                        used += 10;
                        k++;
                }
                size_t rest = total - used;
                memset(last, 'z', rest);
                last[rest] = 0;
                list[k++] = last;
                want[0] = 0;
                for (size_t j = 0; j < k; j++) {
                        if (j > 0)
                                strncat(want, "\x1f", sizeof want - strlen(want) - 1);
                        strncat(want, list[j], sizeof want - strlen(want) - 1);
                }
                CHECK_INT(dataset_set_list(d, row, t, materials, list, k, NULL), 0);
                CHECK_STR(row->cells[materials], want);
                CHECK_INT(strlen(row->cells[materials]), total);
        }

        /* Equal short values may share storage, but setting one never changes another. */
        Row *row2 = NULL;
        CHECK_INT(dataset_add_row(d, t, "bbmri-eric:ID:BE_UZA:collection:two", NULL, &row2), 0);
        CHECK_INT(dataset_set(d, row2, t, name, "Oncology", NULL), 0);
        CHECK_INT(dataset_set(d, row, t, name, "Oncology", NULL), 0);
        CHECK(row->cells[name] == row2->cells[name]); /* shared: seen lately */
        size_t acronym = col(m, t, "acronym");
        CHECK_INT(dataset_set(d, row, t, acronym, "Onco", NULL), 0); /* a prefix is another value */
        CHECK_STR(row->cells[acronym], "Onco");
        CHECK_INT(dataset_set(d, row2, t, acronym, "Oncology\x1f", NULL), 0);
        CHECK_STR(row2->cells[acronym], "Oncology\x1f");
        CHECK_INT(dataset_set(d, row, t, name, "Cardio", NULL), 0);
        CHECK_STR(row2->cells[name], "Oncology");
        CHECK_STR(row->cells[name], "Cardio");

        /* Every length that is shared, read from an odd address too: an equal value is shared, one
         * that differs in any single byte is not (the cache compares a word at a time). */
        char text[2 * 64 + 2];
        for (size_t size = 1; size <= 64; size++)
                for (size_t at = 0; at < 2; at++) {
                        for (size_t k = 0; k < size; k++)
                                text[at + k] = (char) ('a' + (size + k) % 26);
                        text[at + size] = 0;
                        CHECK_INT(dataset_set(d, row2, t, name, text + at, NULL), 0);
                        CHECK_INT(dataset_set(d, row, t, name, text + at, NULL), 0);
                        CHECK(row->cells[name] == row2->cells[name]);
                        for (size_t k = 0; k < size; k++) {
                                text[at + k] ^= 0x20;
                                CHECK_INT(dataset_set(d, row, t, name, text + at, NULL), 0);
                                CHECK_STR(row->cells[name], text + at);
                                CHECK(row->cells[name] != row2->cells[name]);
                                text[at + k] ^= 0x20;
                        }
                        CHECK_STR(row2->cells[name], text + at);
                }

        /* A value given with its length is read no further. */
        CHECK_INT(dataset_set_sized(d, row, t, name, "Neurology, and more", strlen("Neurology"), NULL), 0);
        CHECK_STR(row->cells[name], "Neurology");
        CHECK_INT(dataset_set_sized(d, row, t, name, "Neurology", 0, NULL), 0);
        CHECK(row->cells[name] == NULL);

        /* Long values are stored whole. */
        char big[5000];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        size_t desc = col(m, t, "description");
        CHECK_INT(dataset_set(d, row, t, desc, big, NULL), 0);
        CHECK_STR(row->cells[desc], big);
        CHECK_INT(dataset_set(d, row2, t, desc, big, NULL), 0);
        CHECK_STR(row2->cells[desc], big);
}

TEST(test_locations) {
        _cleanup_(model_freep) Model *m = load_model();
        if (!m)
                return;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        size_t t = tab(m, "Biobanks");
        Location origin = { .file = "m.yaml", .line = 3, .column = 5 };
        Row *row = NULL;
        CHECK_INT(dataset_add_row(d, t, "bbmri-eric:ID:BE_A", &origin, &row), 0);
        size_t name = col(m, t, "name"), country = col(m, t, "country"), network = col(m, t, "network");

        /* No cell location yet: the row's origin, and no per-cell array allocated. */
        CHECK_INT(dataset_set(d, row, t, name, "A", NULL), 0);
        CHECK(row->cell_origin == NULL);
        CHECK_INT(dataset_cell_location(row, name).line, 3);
        CHECK_INT(dataset_cell_location(row, name).column, 5);
        Location no_file = { .line = 7 };
        CHECK_INT(dataset_set(d, row, t, name, "A", &no_file), 0);
        CHECK(row->cell_origin == NULL);

        Location at = { .file = "m.yaml", .line = 4, .column = 11 };
        CHECK_INT(dataset_set(d, row, t, country, "BE", &at), 0);
        CHECK(row->cell_origin != NULL);
        Location l = dataset_cell_location(row, country);
        CHECK_STR(l.file, "m.yaml");
        CHECK_INT(l.line, 4);
        CHECK_INT(l.column, 11);
        CHECK_INT(dataset_cell_location(row, name).line, 3);

        /* A value from another file than the row's keeps no position of its own: the row's is
         * the one that can be named. */
        Location elsewhere = { .file = "other.csv", .line = 9, .column = 2 };
        CHECK_INT(dataset_set(d, row, t, name, "A", &elsewhere), 0);
        CHECK_STR(dataset_cell_location(row, name).file, "m.yaml");
        CHECK_INT(dataset_cell_location(row, name).line, 3);

        Location at2 = { .file = "m.yaml", .line = 6, .column = 14 };
        const char *nets[] = { "bbmri-eric:networkID:BE_x" };
        CHECK_INT(dataset_set_list(d, row, t, network, nets, 1, &at2), 0);
        CHECK_INT(dataset_cell_location(row, network).line, 6);

        /* A new value without a position forgets the old position. */
        CHECK_INT(dataset_set(d, row, t, country, "NL", NULL), 0);
        CHECK_INT(dataset_cell_location(row, country).line, 3);
        /* Clearing forgets it too. */
        CHECK_INT(dataset_set_list(d, row, t, network, NULL, 0, &at2), 0);
        CHECK_INT(dataset_cell_location(row, network).line, 3);
}

TEST(test_copy_and_remove) {
        _cleanup_(model_freep) Model *m = load_model();
        if (!m)
                return;
        _cleanup_(dataset_freep) Dataset *src = NULL, *dst = NULL;
        CHECK_INT(dataset_new(m, &src), 0);
        CHECK_INT(dataset_new(m, &dst), 0);
        size_t t = tab(m, "Persons");
        size_t email = col(m, t, "email"), last = col(m, t, "last_name");
        Location origin = { .file = "p.yaml", .line = 2, .column = 3 };
        Location at = { .file = "p.yaml", .line = 5, .column = 12 };
        Row *a = NULL;
        CHECK_INT(dataset_add_row(src, t, "bbmri-eric:contactID:BE_a", &origin, &a), 0);
        CHECK_INT(dataset_set(src, a, t, email, "a@example.org", &at), 0);
        CHECK_INT(dataset_set(src, a, t, last, "Peeters", NULL), 0);
        a->flags = ROW_HAS_ERROR;

        Row *copy = NULL;
        CHECK_INT(dataset_copy_row(dst, t, a, &copy), 0);
        CHECK(copy != a);
        CHECK(dataset_find(dst, t, "bbmri-eric:contactID:BE_a") == copy);
        CHECK_STR(copy->id, "bbmri-eric:contactID:BE_a");
        CHECK(copy->id != a->id);
        CHECK_STR(copy->cells[email], "a@example.org");
        CHECK(copy->cells[email] != a->cells[email]);
        CHECK_STR(copy->cells[last], "Peeters");
        CHECK(copy->cells[m->tables[t].id_column] == copy->id);
        CHECK_INT(copy->flags, ROW_HAS_ERROR);
        CHECK_INT(copy->origin.line, 2);
        CHECK_INT(dataset_cell_location(copy, email).line, 5);
        CHECK_INT(dataset_cell_location(copy, email).column, 12);
        CHECK_STR(dataset_cell_location(copy, email).file, "p.yaml");
        CHECK_INT(dataset_cell_location(copy, last).line, 2);

        /* The copy is independent of the source's later changes and lifetime. */
        CHECK_INT(dataset_set(src, a, t, last, "Janssens", NULL), 0);
        CHECK_STR(copy->cells[last], "Peeters");

        Row *existing = NULL;
        CHECK_INT(dataset_copy_row(dst, t, a, &existing), -EEXIST);
        CHECK(existing == copy);
        src = dataset_free(src);
        CHECK_STR(copy->cells[email], "a@example.org");

        /* Removal keeps the others, in order. */
        Row *b = NULL, *c = NULL;
        CHECK_INT(dataset_add_row(dst, t, "bbmri-eric:contactID:BE_b", NULL, &b), 0);
        CHECK_INT(dataset_add_row(dst, t, "bbmri-eric:contactID:BE_c", NULL, &c), 0);
        CHECK_INT(dataset_remove_row(dst, t, "bbmri-eric:contactID:BE_b"), 0);
        CHECK(dataset_find(dst, t, "bbmri-eric:contactID:BE_b") == NULL);
        CHECK(dataset_find(dst, t, "bbmri-eric:contactID:BE_a") == copy);
        CHECK(dataset_find(dst, t, "bbmri-eric:contactID:BE_c") == c);
        CHECK_INT(dst->tables[t].n_rows, 2);
        CHECK(dst->tables[t].rows[0] == copy);
        CHECK(dst->tables[t].rows[1] == c);
        CHECK_INT(dataset_remove_row(dst, t, "bbmri-eric:contactID:BE_b"), -ENOENT);
        CHECK_INT(dataset_total_rows(dst), 2);
        /* The id can come back. */
        CHECK_INT(dataset_add_row(dst, t, "bbmri-eric:contactID:BE_b", NULL, &b), 0);
        CHECK(dataset_find(dst, t, "bbmri-eric:contactID:BE_b") == b);
        CHECK(dst->tables[t].rows[2] == b);
        CHECK_INT(dataset_remove_row(dst, t, "bbmri-eric:contactID:BE_a"), 0);
        CHECK(dst->tables[t].rows[0] == c);
        CHECK(dst->tables[t].rows[1] == b);
}

TEST(test_many_rows) {
        _cleanup_(model_freep) Model *m = load_model();
        if (!m)
                return;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        size_t t = tab(m, "CollectionFacts");
        size_t coll = col(m, t, "collection"), sex = col(m, t, "sex"), age = col(m, t, "age_range"),
               material = col(m, t, "sample_type"), samples = col(m, t, "number_of_samples"),
               update = col(m, t, "last_update");
        static const char *const sexes[] = { "MALE", "FEMALE", "UNKNOWN" };
        static const char *const ages[] = { "ADULT", "CHILD", "NEWBORN", "AGED" };
        const size_t n = 100000;
        size_t before = d->arena.used_bytes;
        for (size_t i = 0; i < n; i++) {
                char id[80], collection[80], number[24];
                snprintf(id, sizeof(id), "bbmri-eric:factID:BE_UZA_onc_%zu", i);
                snprintf(collection, sizeof(collection), "bbmri-eric:ID:BE_UZA:collection:c%zu", i % 500);
                snprintf(number, sizeof(number), "%zu", i % 997);
                Row *row = NULL;
                int r = dataset_add_row(d, t, id, NULL, &row);
                if (r < 0) {
                        CHECK_INT(r, 0);
                        break;
                }
                if (dataset_set(d, row, t, coll, collection, NULL) < 0 ||
                    dataset_set(d, row, t, sex, sexes[i % 3], NULL) < 0 ||
                    dataset_set(d, row, t, age, ages[i % 4], NULL) < 0 ||
                    dataset_set(d, row, t, material, "SERUM", NULL) < 0 ||
                    dataset_set(d, row, t, samples, number, NULL) < 0 ||
                    dataset_set(d, row, t, update, "2024-05-01", NULL) < 0) {
                        CHECK(false);
                        break;
                }
        }
        CHECK_INT(d->tables[t].n_rows, n);
        CHECK_INT(dataset_total_rows(d), n);
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
                char id[80], collection[80];
                snprintf(id, sizeof(id), "bbmri-eric:factID:BE_UZA_onc_%zu", i);
                snprintf(collection, sizeof(collection), "bbmri-eric:ID:BE_UZA:collection:c%zu", i % 500);
                Row *row = dataset_find(d, t, id);
                if (row && streq(row->id, id) && streq_ptr(row->cells[coll], collection) &&
                    streq_ptr(row->cells[sex], sexes[i % 3]) && row == d->tables[t].rows[i])
                        found++;
        }
        CHECK_INT(found, n);
        CHECK(dataset_find(d, t, "bbmri-eric:factID:BE_UZA_onc_100000") == NULL);
        /* Repeated values are stored once: a fact row must cost a few hundred bytes at most,
         * or two snapshots of the whole Directory will not fit. */
        size_t per_row = (d->arena.used_bytes - before) / n;
        fprintf(stderr, "  %zu arena bytes per fact row\n", per_row);
        CHECK(per_row < 200);
}

typedef struct Duplicates {
        size_t n;
        bool wrong;
} Duplicates;

static int note_duplicate(void *userdata, size_t table, Row *existing, Row *duplicate) {
        Duplicates *dup = userdata;
        dup->n++;
        dup->wrong = dup->wrong || !streq(existing->id, duplicate->id) || existing == duplicate;
        return 0;
}

TEST(test_absorb) {
        /* Rows of a second dataset join the first, in order, each findable; ids both hold go to
         * the callback and stay the first's. Enough rows that the index grows and looks ahead. */
        _cleanup_(model_freep) Model *m = load_model();
        size_t facts = tab(m, "CollectionFacts");
        _cleanup_(dataset_freep) Dataset *d = NULL, *from = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        CHECK_INT(dataset_new(m, &from), 0);
        char id[64];
        for (unsigned i = 0; i < 3000; i++) {
                (void) snprintf(id, sizeof id, "bbmri-eric:factID:BE_f%u", i);
                Row *row = NULL;
                CHECK_INT(dataset_add_row(i < 2000 ? d : from, facts, id, NULL, &row), 0);
        }
        /* Every tenth of from's rows repeats one of d's. */
        for (unsigned i = 0; i < 1000; i += 10) {
                (void) snprintf(id, sizeof id, "bbmri-eric:factID:BE_f%u", i);
                Row *row = NULL;
                CHECK_INT(dataset_add_row(from, facts, id, NULL, &row), 0);
        }
        Duplicates dup = {};
        CHECK_INT(dataset_absorb(d, from, note_duplicate, &dup), 0);
        CHECK_INT(dup.n, 100);
        CHECK(!dup.wrong);
        CHECK_INT(d->tables[facts].n_rows, 3000);
        CHECK_INT(from->tables[facts].n_rows, 0);
        for (unsigned i = 0; i < 3000; i++) {
                (void) snprintf(id, sizeof id, "bbmri-eric:factID:BE_f%u", i);
                const Row *row = dataset_find(d, facts, id);
                CHECK(row && streq(row->id, id));
                CHECK(d->tables[facts].rows[i] == row);
        }
        CHECK(dataset_find(d, facts, "bbmri-eric:factID:BE_f3000") == NULL);
        size_t position = 7;
        CHECK_INT(dataset_find_position(d, facts, "bbmri-eric:factID:BE_f2500", &position), 0);
        CHECK_INT(position, 2500);
        CHECK_INT(dataset_find_position(d, facts, "bbmri-eric:factID:BE_f3000", &position), -ENOENT);
        CHECK_INT(position, 2500);
}

TEST(test_locations_on_the_row_line) {
        /* Cells on the row's own line (a CSV row) keep their columns, and the first cell elsewhere
         * (a YAML entity's next line, a column past 65535, a position without a column) keeps
         * every position known before it. */
        _cleanup_(model_freep) Model *m = load_model();
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        size_t t = tab(m, "Biobanks");
        size_t name = col(m, t, "name"), country = col(m, t, "country"), url = col(m, t, "url");
        static const struct {
                unsigned line, column;
        } last[] = { { 12, 4 }, { 10, 70000 }, { 10, 0 }, { 10, 9 } };
        for (size_t k = 0; k < ELEMENTSOF(last); k++) {
                Location origin = { .file = "Biobanks.csv", .line = 10, .column = 1 };
                char id[64];
                (void) snprintf(id, sizeof id, "bbmri-eric:ID:BE_L%zu", k);
                Row *row = NULL;
                CHECK_INT(dataset_add_row(d, t, id, &origin, &row), 0);
                Location a = { .file = "Biobanks.csv", .line = 10, .column = 3 };
                Location b = { .file = "Biobanks.csv", .line = 10, .column = 700 };
                CHECK_INT(dataset_set(d, row, t, name, "N", &a), 0);
                CHECK_INT(dataset_set(d, row, t, country, "BE", &b), 0);
                /* One without a position forgets its cell's, in either kind. */
                CHECK_INT(dataset_set(d, row, t, country, "NL", NULL), 0);
                CHECK_INT(dataset_cell_location(row, country).column, 1);
                CHECK_INT(dataset_set(d, row, t, country, "BE", &b), 0);
                Location c = { .file = "Biobanks.csv", .line = last[k].line, .column = last[k].column };
                CHECK_INT(dataset_set(d, row, t, url, "https://x.example.org", &c), 0);
                Location ln = dataset_cell_location(row, name), lc = dataset_cell_location(row, country),
                         lu = dataset_cell_location(row, url);
                CHECK(streq(ln.file, "Biobanks.csv") && ln.line == 10 && ln.column == 3);
                CHECK(lc.line == 10 && lc.column == 700);
                CHECK_INT(lu.line, last[k].line);
                CHECK_INT(lu.column, last[k].column);
                /* The row's origin for a cell never set. */
                Location none = dataset_cell_location(row, col(m, t, "acronym"));
                CHECK(none.line == 10 && none.column == 1);
                /* A copy keeps them all. */
                _cleanup_(dataset_freep) Dataset *e = NULL;
                CHECK_INT(dataset_new(m, &e), 0);
                Row *copy = NULL;
                CHECK_INT(dataset_copy_row(e, t, row, &copy), 0);
                CHECK_INT(dataset_cell_location(copy, country).column, 700);
                CHECK_INT(dataset_cell_location(copy, url).line, last[k].line);
                CHECK_INT(dataset_cell_location(copy, url).column, last[k].column);
        }
}

TEST(test_new_then_insert) {
        /* A row made first, filled, and put in the table after: findable only then; an id the table
         * has already is -EEXIST with the row that has it, and the table is unchanged. */
        _cleanup_(model_freep) Model *m = load_model();
        size_t bb = tab(m, "Biobanks"), name = col(m, bb, "name");
        _cleanup_(dataset_freep) Dataset *d = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        Row *row = NULL, *existing = NULL;
        const char *id = "bbmri-eric:ID:BE_UZA";
        CHECK_INT(dataset_new_row(d, bb, "", NULL, &row), -EINVAL);
        CHECK_INT(dataset_new_row(d, bb, id, NULL, &row), 0);
        CHECK_INT(dataset_set(d, row, bb, name, "UZA", NULL), 0);
        CHECK(dataset_find(d, bb, id) == NULL);
        CHECK_INT(d->tables[bb].n_rows, 0);
        CHECK_INT(dataset_insert_row(d, bb, row, dataset_id_hash(id), &existing), 0);
        CHECK(dataset_find(d, bb, id) == row && streq_ptr(row->cells[name], "UZA"));
        Row *again = NULL;
        CHECK_INT(dataset_new_row(d, bb, id, NULL, &again), 0);
        CHECK_INT(dataset_insert_row(d, bb, again, dataset_id_hash(id), &existing), -EEXIST);
        CHECK(existing == row);
        CHECK_INT(d->tables[bb].n_rows, 1);
        /* Enough rows that the index grows between making and inserting. */
        char many[64];
        for (unsigned i = 0; i < 5000; i++) {
                (void) snprintf(many, sizeof many, "bbmri-eric:ID:BE_B%u", i);
                CHECK_INT(dataset_new_row(d, bb, many, NULL, &row), 0);
                CHECK_INT(dataset_insert_row(d, bb, row, dataset_id_hash(many), NULL), 0);
        }
        for (unsigned i = 0; i < 5000; i += 7) {
                (void) snprintf(many, sizeof many, "bbmri-eric:ID:BE_B%u", i);
                Row *found = dataset_find(d, bb, many);
                CHECK(found && d->tables[bb].rows[i + 1] == found);
        }
}

TEST(test_refused_cells) {
        /* Marks of refused cells: per row and column, enough to grow the set, and carried along
         * when the rows move to another dataset. */
        _cleanup_(model_freep) Model *m = load_model();
        size_t facts = tab(m, "CollectionFacts"), size = col(m, facts, "number_of_samples");
        size_t sex = col(m, facts, "sex");
        _cleanup_(dataset_freep) Dataset *d = NULL, *from = NULL;
        CHECK_INT(dataset_new(m, &d), 0);
        CHECK_INT(dataset_new(m, &from), 0);
        Row *rows[300] = {};
        char id[64];
        for (unsigned i = 0; i < ELEMENTSOF(rows); i++) {
                (void) snprintf(id, sizeof id, "bbmri-eric:factID:BE_r%u", i);
                CHECK_INT(dataset_add_row(i < 100 ? d : from, facts, id, NULL, &rows[i]), 0);
        }
        for (unsigned i = 0; i < ELEMENTSOF(rows); i += 2)
                CHECK_INT(dataset_mark_refused(i < 100 ? d : from, rows[i], size), 0);
        CHECK_INT(dataset_mark_refused(d, rows[0], size), 0); /* twice is once */
        CHECK_INT(dataset_mark_refused(NULL, rows[0], size), -EINVAL);
        CHECK(dataset_cell_refused(from, rows[200], size));
        CHECK(!dataset_cell_refused(d, rows[200], size)); /* not yet d's */
        CHECK_INT(dataset_absorb(d, from, NULL, NULL), 0);
        for (unsigned i = 0; i < ELEMENTSOF(rows); i++) {
                CHECK(dataset_cell_refused(d, rows[i], size) == (i % 2 == 0));
                CHECK(!dataset_cell_refused(d, rows[i], sex));
                CHECK(!dataset_cell_refused(from, rows[i], size));
        }
}

TEST_MAIN(RUN(test_add_find_duplicate); RUN(test_cells_lists_clearing); RUN(test_locations); RUN(test_copy_and_remove);
          RUN(test_many_rows); RUN(test_absorb); RUN(test_locations_on_the_row_line); RUN(test_new_then_insert);
          RUN(test_refused_cells))
