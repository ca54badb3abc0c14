/* SPDX-License-Identifier: MIT */
#include "master-csv.h"
#include "test-pipeline.h"

#define COLL "bbmri-eric:ID:BE_UZA:collection:oncology"

TEST(test_ids_and_values) {
        Pipeline p;
        pipeline_run(&p,
                     VALID_MASTER "        storage_temperatures: [-80°C, LN, Liquid Nitrogen]\n"
                                  "        sex: [Femme, male, MALE]\n"
                                  "        number_of_donors: 2000000000\n"
                                  "        collections:\n"
                                  "          - id: sub\n"
                                  "            name: Sub collection\n"
                                  "            description: A part of the oncology collection\n"
                                  "            type: DISEASE_SPECIFIC\n"
                                  "            data_categories: [biological samples]\n"
                                  "            material_types: [tissue (frozen), \"Tissue, cryo preserved\"]\n"
                                  "            size: 5\n"
                                  "            diagnosis_available: [C18, ORPHA:558, urn:miriam:icd:C50.9]\n"
                                  "            facts:\n"
                                  "              - id: f1\n"
                                  "                sex: Vrouw\n"
                                  "                disease: C18\n"
                                  "                number_of_samples: 10\n"
                                  "                last_update: 2026-01-15\n",
                     false);
        CHECK_INT(p.findings.n_errors, 0);
        CHECK(pipeline_cell(&p, "Persons", "bbmri-eric:contactID:BE_contact", "email") != NULL);
        CHECK_STR(pipeline_cell(&p, "Networks", "bbmri-eric:networkID:BE_bbmri-be", "contact"),
                  "bbmri-eric:contactID:BE_contact");
        CHECK_STR(pipeline_cell(&p, "Biobanks", "bbmri-eric:ID:BE_UZA", "network"), "bbmri-eric:networkID:BE_bbmri-be");
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "biobank"), "bbmri-eric:ID:BE_UZA");
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "type"), "DISEASE_SPECIFIC");
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "data_categories"), "BIOLOGICAL_SAMPLES\x1fMEDICAL_RECORDS");
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "age_unit"), "YEAR");
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "order_of_magnitude"), "4");
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "order_of_magnitude_donors"), "8"); /* capped */
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "withdrawn"), "false");
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "diagnosis_available"), "urn:miriam:icd:C50.9");
        /* Local term, MIABIS label and Directory label of the same id: one item each. */
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "storage_temperatures"), "temperature-60to-85\x1ftemperatureLN");
        /* French term, a Directory id in the wrong case, the id itself. */
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "sex"), "FEMALE\x1fMALE");
        const char *sub = "bbmri-eric:ID:BE_UZA:collection:sub";
        CHECK_STR(pipeline_cell(&p, "Collections", sub, "parent_collection"), COLL);
        CHECK_STR(pipeline_cell(&p, "Collections", sub, "materials"), "TISSUE_FROZEN"); /* alias, label */
        CHECK_STR(pipeline_cell(&p, "Collections", sub, "order_of_magnitude"), "0");
        CHECK_STR(pipeline_cell(&p, "Collections", sub, "diagnosis_available"),
                  "urn:miriam:icd:C18\x1fORPHA:558\x1furn:miriam:icd:C50.9");
        CHECK_STR(pipeline_cell(&p, "Collections", sub, "country"), "BE"); /* inherited twice */
        CHECK_STR(pipeline_cell(&p, "CollectionFacts", "bbmri-eric:factID:BE_f1", "collection"), sub);
        CHECK_STR(pipeline_cell(&p, "CollectionFacts", "bbmri-eric:factID:BE_f1", "sex"), "FEMALE");
        CHECK_STR(pipeline_cell(&p, "CollectionFacts", "bbmri-eric:factID:BE_f1", "disease"), "urn:miriam:icd:C18");
        pipeline_done(&p);
}

TEST(test_errors) {
        static const struct {
                const char *extra, *code, *message;
                unsigned line, column;
        } cases[] = {
                { "        volume: 3\n", "unknown-field", "unknown field 'volume' for Collections", 34, 17 },
                { "        materials_extra: [Sérums]\n", "unknown-field", "unknown field 'materials_extra'", 34, 26 },
                { "        storage_temperatures: [Freezer]\n", "unmapped-value",
                  "value 'Freezer' of field 'storage_temperatures' (Collections " COLL ") is not mapped; searched "
                  SOURCE_ROOT "/mappings/miabis-2.0.yaml, " SOURCE_ROOT "/mappings/example-local.yaml and the "
                  "Directory's StorageTemperatureTypes ids and labels", 34, 31 },
                { "        number_of_donors: many\n", "wrong-type", "'number_of_donors' must be a whole number, not 'many'",
                  34, 27 },
                { "        collaboration_commercial: perhaps\n", "wrong-type",
                  "'collaboration_commercial' must be true or false, not 'perhaps'", 34, 35 },
                { "        acronym: [A, B]\n", "wrong-type", "'acronym' takes a single value, not a list", 34, 18 },
                { "      - id: x\n        name: First\n      - id: x\n        name: Again\n", "duplicate-id",
                  "duplicate id 'bbmri-eric:ID:BE_UZA:collection:x'", 0, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = strdup_printf("%s%s", VALID_MASTER, cases[i].extra);
                Pipeline p;
                pipeline_run(&p, text, false);
                const Finding *f = pipeline_finding(&p, cases[i].code);
                CHECK(f != NULL);
                CHECK_CONTAINS(f ? f->message : NULL, cases[i].message);
                if (f && cases[i].line) {
                        CHECK_INT(f->line, cases[i].line);
                        CHECK_INT(f->column_no, cases[i].column);
                }
                pipeline_done(&p);
        }
}

TEST(test_later_file_wins_and_format) {
        Mapping *m = NULL;
        Findings f;
        findings_init(&f);
        CHECK_INT(mapping_new(&m), 0);
        static const char a[] = "version: 1\nvalues:\n  MaterialTypes:\n    Bloed: WHOLE_BLOOD\n";
        static const char b[] = "values:\n  MaterialTypes:\n    bloed: PLASMA\n";
        CHECK_INT(mapping_parse(m, a, strlen(a), "a.yaml", &f), 0);
        const char *id = NULL;
        CHECK_INT(mapping_lookup(m, NULL, "MaterialTypes", "BLOED", &id), 0);
        CHECK_STR(id, "WHOLE_BLOOD");
        CHECK_INT(mapping_parse(m, b, strlen(b), "b.yaml", &f), 0);
        CHECK_INT(mapping_lookup(m, NULL, "MaterialTypes", "Bloed", &id), 0);
        CHECK_STR(id, "PLASMA");
        CHECK_STR(mapping_files_description(m), "a.yaml, b.yaml");
        CHECK_INT(f.n_items, 0);

        static const char bad_key[] = "version: 1\ncolours: {}\n";
        CHECK_INT(mapping_parse(m, bad_key, strlen(bad_key), "c.yaml", &f), -EINVAL);
        static const char bad_version[] = "version: 7\n";
        CHECK_INT(mapping_parse(m, bad_version, strlen(bad_version), "d.yaml", &f), -EINVAL);
        static const char bad_rule[] = "derived: [{table: T, column: c, rule: magic, from: x}]\n";
        CHECK_INT(mapping_parse(m, bad_rule, strlen(bad_rule), "e.yaml", &f), -EINVAL);
        CHECK_INT(f.n_errors, 3);
        _cleanup_free_ char *m0 = finding_format(&f.items[0]);
        _cleanup_free_ char *m1 = finding_format(&f.items[1]);
        _cleanup_free_ char *m2 = finding_format(&f.items[2]);
        CHECK_STR(m0, "c.yaml:2:1: error: unknown key 'colours' in a mapping file");
        CHECK_STR(m1, "d.yaml:1:10: error: mapping format version 7 is not supported (1)");
        CHECK_CONTAINS(m2, "e.yaml:1:39: error: unknown rule 'magic'");
        mapping_free(m);
        findings_done(&f);
}

/* Terms and references written in decomposed Unicode (NFD, as macOS writes: e + U+0301) map like
 * their composed form (NFC), from the master and from a mapping file alike. */
TEST(test_nfd_terms) {
        Pipeline p;
        _cleanup_free_ char *text = strdup(VALID_MASTER);
        char *at = text ? strstr(text, "materials: [Serum]") : NULL;
        CHECK(at != NULL);
        _cleanup_free_ char *nfd = at ? strdup_printf("%.*smaterials: [Se\xcc\x81rum, Tissu congele\xcc\x81]%s",
                                                      (int) (at - text), text, at + strlen("materials: [Serum]"))
                                      : NULL;
        CHECK(nfd != NULL);
        pipeline_run(&p, nfd, false);
        CHECK_INT(p.findings.n_errors, 0);
        CHECK_STR(pipeline_cell(&p, "Collections", COLL, "materials"), "SERUM\x1fTISSUE_FROZEN");
        pipeline_done(&p);

        Mapping *m = NULL;
        Findings f;
        findings_init(&f);
        CHECK_INT(mapping_new(&m), 0);
        static const char nfd_file[] = "values:\n  MaterialTypes:\n    \"Bloe\xcc\x88" "d\": WHOLE_BLOOD\n";
        CHECK_INT(mapping_parse(m, nfd_file, strlen(nfd_file), "nfd.yaml", &f), 0);
        const char *id = NULL;
        CHECK_INT(mapping_lookup(m, NULL, "MaterialTypes", "Blo\xc3\xab" "d", &id), 0);
        CHECK_STR(id, "WHOLE_BLOOD");
        mapping_free(m);
        findings_done(&f);
}

TEST(test_expand_id) {
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, false);
        _cleanup_free_ char *a = mapping_expand_id(p.mapping, "Persons", "BE", "x", NULL);
        _cleanup_free_ char *b = mapping_expand_id(p.mapping, "Collections", "BE", "c", "bbmri-eric:ID:BE_B");
        _cleanup_free_ char *c = mapping_expand_id(p.mapping, "Biobanks", "BE", "bbmri-eric:ID:NL_kept", NULL);
        _cleanup_free_ char *d = mapping_expand_id(p.mapping, "CollectionFacts", "BE", "f-1", NULL);
        char *e = mapping_expand_id(p.mapping, "Collections", "BE", "c", NULL);
        CHECK_STR(a, "bbmri-eric:contactID:BE_x");
        CHECK_STR(b, "bbmri-eric:ID:BE_B:collection:c");
        CHECK_STR(c, "bbmri-eric:ID:NL_kept");
        CHECK_STR(d, "bbmri-eric:factID:BE_f-1");
        CHECK(e == NULL); /* a collection needs its biobank */
        pipeline_done(&p);
}

/* A run remembers a field's column by the name's address and a term's answer by its text: the same
 * buffer holding another name, or the same text in another lookup table, must still map as
 * itself, and a remembered failure is reported again on every row. */
TEST(test_run_remembers_exactly) {
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, false);
        size_t errors_before = p.findings.n_errors;
        _cleanup_(mapping_run_freep) MappingRun *run = NULL;
        _cleanup_(record_set_freep) RecordSet *set = NULL;
        CHECK_INT(mapping_run_new(p.mapping, p.model, p.vocab, "BE", &p.findings, &run), 0);
        CHECK_INT(record_set_new(&set), 0);
        static const struct {
                const char *field, *value, *want;
        } rows[] = {
                { "sex", "Male", "MALE" },          { "sex", "MALE", "MALE" },
                { "sample_type", "Male", NULL },    { "sex", "Male", "MALE" },
                { "sample_type", "SERUM", "SERUM" }, { "sex", "SERUM", NULL },
                { "sample_type", "Serum", "SERUM" }, { "sample_type", "Male", NULL },
                { "sex", "Vrouw", "FEMALE" },
        };
        char field[32], value[32];
        for (size_t i = 0; run && set && i < ELEMENTSOF(rows); i++) {
                char id[16];
                snprintf(id, sizeof id, "f%zu", i);
                Record *rec = NULL;
                CHECK_INT(record_set_add(set, "CollectionFacts", id, NULL, &rec), 0);
                snprintf(field, sizeof field, "%s", rows[i].field);
                snprintf(value, sizeof value, "%s", rows[i].value);
                const char *v = value;
                CHECK_INT(record_add_field_borrowed(set, rec, field, &v, 1, false, false, NULL), 0);
                CHECK_INT(mapping_run_record(run, rec), 0);
        }
        Dataset *d = NULL;
        CHECK_INT(mapping_run_finish(run, &d), 0);
        int facts = model_table_index(p.model, "CollectionFacts");
        CHECK(d != NULL && facts >= 0);
        for (size_t i = 0; d && facts >= 0 && i < ELEMENTSOF(rows); i++) {
                char id[64];
                snprintf(id, sizeof id, "bbmri-eric:factID:BE_f%zu", i);
                Row *row = dataset_find(d, (size_t) facts, id);
                int c = model_column_index(&p.model->tables[facts], rows[i].field);
                CHECK(row != NULL && c >= 0);
                if (!row || c < 0)
                        continue;
                if (rows[i].want)
                        CHECK_STR(row->cells[c], rows[i].want);
                else
                        CHECK(row->cells[c] == NULL && (row->flags & ROW_HAS_ERROR));
        }
        size_t unmapped = 0;
        for (size_t i = 0; i < p.findings.n_items; i++)
                unmapped += streq(p.findings.items[i].code, "unmapped-value");
        CHECK_INT(unmapped, 3);
        CHECK_INT(p.findings.n_errors - errors_before, 3);
        dataset_free(d);
        pipeline_done(&p);
}

static int map_to_run(void *userdata, const Record *rec) {
        return mapping_run_record(userdata, rec);
}

/* One table read as a CSV-folder master reads it, each row mapped as it is read. */
static Dataset *map_csv_table(Pipeline *p, const char *table, const char *csv) {
        _cleanup_(mapping_run_freep) MappingRun *run = NULL;
        _cleanup_(record_set_freep) RecordSet *set = NULL;
        CHECK_INT(mapping_run_new(p->mapping, p->model, p->vocab, "BE", &p->findings, &run), 0);
        CHECK_INT(record_set_new(&set), 0);
        record_set_set_sink(set, map_to_run, run);
        int t = model_table_index(p->model, table);
        CHECK(t >= 0);
        CHECK_INT(master_csv_parse_table(p->model, (size_t) t, csv, strlen(csv), "t.csv", set, &p->findings), 0);
        Dataset *d = NULL;
        CHECK_INT(mapping_run_finish(run, &d), 0);
        return d;
}

static const char *dataset_cell(const Dataset *d, const char *table, const char *id, const char *column) {
        int t = model_table_index(d->model, table);
        Row *row = t >= 0 ? dataset_find(d, (size_t) t, id) : NULL;
        int c = row ? model_column_index(&d->model->tables[t], column) : -1;
        return c >= 0 ? row->cells[c] : NULL;
}

/* The shortcuts a CSV-folder master's rows take (a file all ASCII needs no NFC; full ids and
 * references are used as written, a local one expanded; whole numbers already canonical kept)
 * give what the general way gives: a file with one decomposed letter is normalized throughout,
 * an id just short of the full prefix is local, the biobank of a collection found when asked. */
TEST(test_csv_rows_take_shortcuts_alike) {
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, false);
        size_t errors_before = p.findings.n_errors;
        static const char header[] = "id,collection,sample_type,number_of_samples\n";
        static const char rows[] = "f1,bbmri-eric:ID:BE_B:collection:c,Serum,007\n"
                                   "bbmri-eric:factID:BE_f2,bbmri-eric:ID:BE_B:collection:c,SERUM,123456789\n"
                                   "bbmri-eric,bbmri-eric:ID:BE_B:collection:c,serum,1234567890\n"
                                   "bbmri-eric:,bbmri-eric:ID:BE_B:collection:c,Serum,-0\n"
                                   "f5,bbmri-eric:ID:BE_B:collection:c,Serum,+12\n";
        _cleanup_free_ char *ascii = strdup_printf("%s%s", header, rows);
        _cleanup_free_ char *nfd = strdup_printf("%s%sf6,bbmri-eric:ID:BE_B:collection:c,Se\xcc\x81rum,0\n", header, rows);
        CHECK(ascii && nfd);
        Dataset *a = map_csv_table(&p, "CollectionFacts", ascii), *n = map_csv_table(&p, "CollectionFacts", nfd);
        CHECK(a && n);
        for (int k = 0; k < 2; k++) {
                const Dataset *d = k ? n : a;
                CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f1", "number_of_samples"), "7");
                CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f1", "sample_type"), "SERUM");
                CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f2", "number_of_samples"),
                          "123456789");
                CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_bbmri-eric", "number_of_samples"),
                          "1234567890");
                CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:", "number_of_samples"), "-0");
                CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f5", "number_of_samples"), "12");
                CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f5", "collection"),
                          "bbmri-eric:ID:BE_B:collection:c");
        }
        CHECK_STR(dataset_cell(n, "CollectionFacts", "bbmri-eric:factID:BE_f6", "sample_type"), "SERUM");
        CHECK_INT(p.findings.n_errors, errors_before);
        dataset_free(a);
        dataset_free(n);

        /* A collection's local id expands with its biobank, a local reference to it too; without a
         * biobank the collection is an orphan. */
        Dataset *c = map_csv_table(&p, "Collections",
                                   "id,biobank,parent_collection,name\n"
                                   "c1,bbmri-eric:ID:BE_B,,One\n"
                                   "c2,B,c1,Two\n"
                                   "c3,,,Three\n");
        CHECK(c != NULL);
        CHECK_STR(dataset_cell(c, "Collections", "bbmri-eric:ID:BE_B:collection:c1", "name"), "One");
        CHECK_STR(dataset_cell(c, "Collections", "bbmri-eric:ID:BE_B:collection:c2", "parent_collection"),
                  "bbmri-eric:ID:BE_B:collection:c1");
        const Finding *orphan = pipeline_finding(&p, "Orphan");
        CHECK(orphan && strstr(orphan->message, "collection 'c3' has no biobank"));
        dataset_free(c);
        pipeline_done(&p);
}

/* A row's findings wait until it is in the table: a duplicate gives its one error (not those of
 * its fields, nor its derived values'), a first definition its fields' errors in their order, and
 * between them the rows' findings keep the order the rows came in. */
TEST(test_row_findings_wait_for_the_row) {
        Pipeline p;
        pipeline_run(&p, VALID_MASTER, false);
        size_t before = p.findings.n_items;
        Dataset *d = map_csv_table(&p, "CollectionFacts",
                                   "id,collection,sex,sample_type,number_of_samples\n"
                                   "f1,bbmri-eric:ID:BE_B:collection:c,Martian,Serum,x1\n"
                                   "f2,bbmri-eric:ID:BE_B:collection:c,MALE,Serum,5\n"
                                   "f1,bbmri-eric:ID:BE_B:collection:c,Venusian,Plasmoid,x3\n"
                                   "f3,bbmri-eric:ID:BE_B:collection:c,MALE,Plasmoid,7\n");
        CHECK(d != NULL);
        static const struct {
                const char *code, *text;
                unsigned line;
        } want[] = {
                { "unmapped-value", "value 'Martian'", 2 },
                { "wrong-type", "not 'x1'", 2 },
                { "duplicate-id", "duplicate id 'bbmri-eric:factID:BE_f1' (first defined at t.csv:2)", 4 },
                { "unmapped-value", "value 'Plasmoid'", 5 },
        };
        CHECK_INT(p.findings.n_items - before, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want) && before + i < p.findings.n_items; i++) {
                const Finding *f = &p.findings.items[before + i];
                CHECK_STR(f->code, want[i].code);
                CHECK(strstr(f->message, want[i].text) != NULL);
                CHECK_INT(f->line, want[i].line);
        }
        /* The first definition stays, with its refused cells; the duplicate's values are gone. */
        CHECK(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f1", "sex") == NULL);
        CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f1", "sample_type"), "SERUM");
        CHECK_STR(dataset_cell(d, "CollectionFacts", "bbmri-eric:factID:BE_f3", "number_of_samples"), "7");
        int facts = model_table_index(p.model, "CollectionFacts");
        CHECK(facts >= 0 && d->tables[facts].n_rows == 3);
        dataset_free(d);
        pipeline_done(&p);
}

TEST_MAIN(RUN(test_run_remembers_exactly); RUN(test_ids_and_values); RUN(test_errors); RUN(test_later_file_wins_and_format); RUN(test_nfd_terms);
          RUN(test_expand_id); RUN(test_csv_rows_take_shortcuts_alike); RUN(test_row_findings_wait_for_the_row))
