/* SPDX-License-Identifier: MIT */
#include "test.h"
#include "limits.h"
#include "model.h"

#define MODEL_FILE SOURCE_ROOT "/mappings/directory-model.yaml"

static int parse(const char *text, Model **ret, Findings *f) {
        return model_parse(text, strlen(text), "m.yaml", ret, f);
}

/* All findings as one text, so a test can look for one among several. */
static char *all_messages(const Findings *f) {
        char *all = strdup("");
        for (size_t i = 0; all && i < f->n_items; i++) {
                _cleanup_free_ char *line = finding_format(&f->items[i]);
                char *n = strdup_printf("%s%s\n", all, line ?: "(oom)");
                free(all);
                all = n;
        }
        return all;
}

static bool id_matches(const ModelTable *t, const char *id) {
        return regexec(&t->id_regex, id, 0, NULL, 0) == 0;
}

/* Counts the columns of each table straight from the file's text, so the test follows the file. */
static size_t count_columns_in_file(const char *text, const char *table) {
        _cleanup_free_ char *header = strdup_printf("\n  - name: %s\n", table);
        const char *start = strstr(text, header);
        if (!start)
                return 0;
        start += strlen(header);
        const char *end = strstr(start, "\n  - name: ");
        size_t n = 0;
        for (const char *s = start; (s = strstr(s, "\n      - {name: ")) && (!end || s < end); s++)
                n++;
        return n;
}

TEST(test_load_reference_model) {
        static const char *const order[] = {
                "Persons", "AlsoKnownIn", "Networks", "Biobanks", "Services", "Studies", "Collections", "CollectionFacts",
        };
        Findings f;
        findings_init(&f);
        _cleanup_(model_freep) Model *m = NULL;
        CHECK_INT(model_load(MODEL_FILE, &m, &f), 0);
        _cleanup_free_ char *msgs = all_messages(&f);
        CHECK_STR(msgs, "");
        if (!m) {
                findings_done(&f);
                return;
        }
        CHECK_STR(m->source, MODEL_FILE);
        CHECK_INT(m->n_tables, ELEMENTSOF(order));

        _cleanup_free_ char *text = NULL;
        size_t size;
        CHECK_INT(read_file_limited(MODEL_FILE, LIMIT_MAPPING_FILE_BYTES, &text, &size), 0);
        for (size_t i = 0; i < ELEMENTSOF(order) && i < m->n_tables; i++) {
                const ModelTable *t = &m->tables[i];
                CHECK_STR(t->name, order[i]);
                CHECK_INT(t->index, i);
                CHECK_INT(model_table_index(m, order[i]), i);
                CHECK(model_find_table(m, order[i]) == t);
                size_t expected = count_columns_in_file(text, order[i]);
                CHECK(expected > 0);
                CHECK_INT(t->n_columns, expected);
                CHECK_STR(t->columns[t->id_column].name, "id");
                CHECK(t->columns[t->id_column].key);
                for (size_t c = 0; c < t->n_columns; c++)
                        CHECK(!t->columns[c].ordered);
        }
        CHECK(model_find_table(m, "Nope") == NULL);
        CHECK_INT(model_table_index(m, "Nope"), -ENOENT);

        const ModelTable *persons = model_find_table(m, "Persons");
        CHECK_STR(persons->id_kind, "contactID");
        CHECK_STR(persons->id_message, "ID should start with bbmri-eric:contactID:{NationalNodeCode}_");
        CHECK_INT(persons->id_column, 0);

        const ModelTable *collections = model_find_table(m, "Collections");
        const ModelColumn *type = model_find_column(collections, "type");
        CHECK(type && type->type == COLUMN_ONTOLOGY_ARRAY);
        CHECK_STR(type->ontology, "CollectionTypes");
        CHECK(type->required);
        CHECK(type->node_owned);
        CHECK(type->ref_table == NULL);
        CHECK_INT(collections->id_column, 1); /* after the 'descriptives' heading */
        const ModelColumn *descriptives = model_find_column(collections, "descriptives");
        CHECK(descriptives && descriptives->type == COLUMN_HEADING);
        CHECK(!descriptives->node_owned);
        CHECK_INT(model_column_index(collections, "descriptives"), 0);
        const ModelColumn *parent = model_find_column(collections, "parent_collection");
        CHECK(parent && parent->type == COLUMN_REF && !parent->required);
        CHECK_STR(parent->ref_table, "Collections");
        const ModelColumn *diag = model_find_column(collections, "diagnosis_available");
        CHECK(diag && diag->type == COLUMN_REF_ARRAY);
        CHECK_STR(diag->ontology, "DiseaseTypes");
        CHECK(model_find_column(collections, "nope") == NULL);
        CHECK_INT(model_column_index(collections, "nope"), -ENOENT);

        const ModelTable *biobanks = model_find_table(m, "Biobanks");
        const ModelColumn *bcoll = model_find_column(biobanks, "collections");
        CHECK(bcoll && bcoll->type == COLUMN_REFBACK);
        CHECK(!bcoll->node_owned);
        CHECK_STR(bcoll->ref_table, "Collections");
        CHECK_STR(bcoll->refback_via, "biobank");
        const ModelColumn *withdrawn = model_find_column(biobanks, "withdrawn");
        CHECK(withdrawn && withdrawn->type == COLUMN_BOOL && withdrawn->required && withdrawn->node_owned);
        CHECK_STR(withdrawn->default_value, "false");
        CHECK_STR(model_find_column(biobanks, "name")->default_value, NULL);
        CHECK_STR(model_find_column(biobanks, "contact")->ref_table, "Persons");

        /* Id patterns: the right kind for the right table, nothing with spaces. */
        CHECK(id_matches(biobanks, "bbmri-eric:ID:BE_UZA"));
        CHECK(!id_matches(biobanks, "bbmri-eric:ID:BE UZA"));
        CHECK(!id_matches(biobanks, "bbmri-eric:contactID:BE_x"));
        CHECK(!id_matches(biobanks, "bbmri-eric:ID:BE_UZA "));
        CHECK(!id_matches(biobanks, "bbmri-eric:ID:BEUZA"));
        CHECK(id_matches(collections, "bbmri-eric:ID:BE_UZA:collection:x"));
        CHECK(id_matches(collections, "bbmri-eric:ID:BE_UZA:collection:oncology"));
        CHECK(!id_matches(collections, "bbmri-eric:ID:BE_UZA"));
        CHECK(!id_matches(collections, "bbmri-eric:ID:BE_UZA:collection:x y"));
        CHECK(id_matches(persons, "bbmri-eric:contactID:BE_x"));
        CHECK(!id_matches(persons, "bbmri-eric:ID:BE_x"));
        CHECK(!id_matches(persons, "bbmri-eric:contactID:BE_a b"));
        CHECK(id_matches(model_find_table(m, "CollectionFacts"), "bbmri-eric:factID:BE_UZA_f1"));
        /* '*' (any) belongs to the fact sheets' lookup columns, and to no other. */
        size_t n_any = 0;
        for (size_t t = 0; t < m->n_tables; t++)
                for (size_t c = 0; c < m->tables[t].n_columns; c++)
                        if (m->tables[t].columns[c].takes_any) {
                                CHECK_STR(m->tables[t].name, "CollectionFacts");
                                n_any++;
                        }
        CHECK_INT(n_any, 4);

        findings_done(&f);
}

TEST(test_column_types) {
        for (int t = 0; t < _COLUMN_TYPE_MAX; t++) {
                const char *s = column_type_to_string((ColumnType) t);
                CHECK(s != NULL);
                CHECK_INT(column_type_from_string(s), t);
        }
        CHECK_STR(column_type_to_string(COLUMN_REF_ARRAY), "ref_array");
        CHECK_STR(column_type_to_string(COLUMN_ONTOLOGY_ARRAY), "ontology_array");
        CHECK_STR(column_type_to_string(_COLUMN_TYPE_MAX), NULL);
        CHECK_INT(column_type_from_string("refarray"), -EINVAL);
        CHECK_INT(column_type_from_string("String"), -EINVAL);
        CHECK_INT(column_type_from_string(NULL), -EINVAL);
        CHECK(column_type_is_list(COLUMN_REF_ARRAY));
        CHECK(column_type_is_list(COLUMN_ONTOLOGY_ARRAY));
        CHECK(column_type_is_list(COLUMN_REFBACK));
        CHECK(!column_type_is_list(COLUMN_REF));
        CHECK(!column_type_is_list(COLUMN_STRING));
        CHECK(!column_type_is_list(COLUMN_HEADING));
}

TEST(test_small_model_and_owner) {
        Findings f;
        findings_init(&f);
        _cleanup_(model_freep) Model *m = NULL;
        CHECK_INT(parse("version: 1\n"
                        "tables:\n"
                        "  - name: A\n"
                        "    id_kind: aID\n"
                        "    id_pattern: '^a:[0-9]{1,3}$'\n"
                        "    columns:\n"
                        "      - {name: x, type: int, owner: server}\n"
                        "      - {name: id, type: string, key: true, required: true}\n"
                        "      - {name: tags, type: ontology_array, ontology: T, ordered: true}\n"
                        "      - {name: self, type: ref, ref: A}\n"
                        "      - {name: back, type: refback, ref: A, refback_via: self}\n",
                        &m, &f),
                  0);
        CHECK_INT(f.n_items, 0);
        if (m) {
                const ModelTable *t = &m->tables[0];
                CHECK_INT(t->n_columns, 5);
                CHECK_INT(t->id_column, 1);
                CHECK_STR(t->description, NULL);
                CHECK_STR(t->id_message, NULL);
                CHECK(!t->columns[0].node_owned); /* owner: server */
                CHECK(t->columns[1].node_owned && t->columns[1].required);
                CHECK(t->columns[2].ordered);
                CHECK(t->columns[3].node_owned);
                CHECK(!t->columns[4].node_owned);
                CHECK(id_matches(t, "a:12"));
                CHECK(!id_matches(t, "a:1234"));
        }
        findings_done(&f);
}

/* One bad model, one expected message fragment (with file:line:col). */
static void check_error(const char *text, const char *expected) {
        Findings f;
        findings_init(&f);
        Model *m = NULL;
        CHECK_INT(parse(text, &m, &f), -EBADMSG);
        CHECK(m == NULL);
        CHECK(f.n_errors > 0);
        _cleanup_free_ char *msgs = all_messages(&f);
        CHECK_CONTAINS(msgs, expected);
        findings_done(&f);
}

#define HEAD "version: 1\ntables:\n  - name: A\n    id_kind: aID\n    id_pattern: '^a$'\n    columns:\n"

TEST(test_errors) {
        check_error(HEAD "      - {name: id, type: string, key: true, colour: red}\n",
                    "m.yaml:7:45: error: unknown key 'colour' in a column");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: x, type: strng}\n",
                    "m.yaml:8:25: error: unknown column type 'strng' of column 'x' in table 'A'");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: x, type: ref, ref: Missing}\n",
                    "m.yaml:8:35: error: column 'x' of table 'A' refers to table 'Missing', which is not in the model");
        check_error("version: 1\ntables:\n  - name: A\n    id_kind: aID\n    id_pattern: '^a(b$'\n    columns:\n"
                    "      - {name: id, type: string, key: true}\n",
                    "m.yaml:5:17: error: id_pattern is not a valid POSIX extended regular expression");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: id2, type: string, key: true}\n",
                    "m.yaml:8:9: error: table 'A' has more than one key column ('id' and 'id2')");
        check_error(HEAD "      - {name: id, type: string}\n", "m.yaml:3:5: error: table 'A' has no key column");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: id, type: int}\n",
                    "m.yaml:8:9: error: duplicate column 'id' in table 'A'");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "  - name: A\n    id_kind: aID\n    id_pattern: '^a$'\n    columns:\n"
                         "      - {name: id, type: string, key: true}\n",
                    "m.yaml:8:11: error: duplicate table 'A'");
        check_error("version: 2\ntables:\n  - name: A\n    id_kind: aID\n    id_pattern: '^a$'\n    columns:\n"
                    "      - {name: id, type: string, key: true}\n",
                    "m.yaml:1:10: error: unsupported model version 2");
        check_error("tables:\n  - name: A\n    id_kind: aID\n    id_pattern: '^a$'\n    columns:\n"
                    "      - {name: id, type: string, key: true}\n",
                    "m.yaml:1:1: error: 'version' is required");
        check_error("version: 1\ntables: []\nextra: 1\n", "m.yaml:3:1: error: unknown key 'extra' in the model file");
        check_error("version: 1\ntables: []\n", "'tables' must be a non-empty list of tables");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: x, type: string, owner: nobody}\n",
                    "m.yaml:8:40: error: owner must be 'node' or 'server', not 'nobody'");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: x, type: ontology}\n",
                    "column 'x' of type ontology needs 'ontology'");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: x, type: int, any: true}\n",
                    "m.yaml:8:35: error: only a lookup column (with 'ontology') can take '*' (any)");
        check_error(HEAD "      - {name: id, type: string, key: true}\n"
                         "      - {name: x, type: refback, ref: A, refback_via: nope}\n",
                    "m.yaml:8:55: error: refback column 'x' of table 'A': 'nope' is not a column of 'A' referring to 'A'");
        check_error(HEAD "      - {name: id, type: string, key: yes please}\n",
                    "'key' must be true or false, not 'yes please'");
        check_error("version: 1\ntables:\n  - name: A\n    id_kind: aID\n    id_pattern: '^(((a{100}){100}){100})$'\n"
                    "    columns:\n      - {name: id, type: string, key: true}\n",
                    "m.yaml:5:17: error: id_pattern repeats more than");
        check_error("- just\n- a list\n", "m.yaml:1:1: error: the model file must be a mapping");
        check_error("version: 1\ntables:\n  - {name: A, id_kind: aID, columns: [{name: id, type: string, key: true}]}\n",
                    "m.yaml:3:5: error: 'id_pattern' is required in table 'A'");
        /* YAML errors come through from the YAML reader. */
        check_error("version: 1\ntables: [\n", "m.yaml:");
}

TEST(test_load_missing_file) {
        Findings f;
        findings_init(&f);
        Model *m = NULL;
        CHECK_INT(model_load("/nonexistent/model.yaml", &m, &f), -ENOENT);
        CHECK(m == NULL);
        _cleanup_free_ char *msgs = all_messages(&f);
        CHECK_CONTAINS(msgs, "/nonexistent/model.yaml: error: cannot read model file");
        findings_done(&f);
}

TEST_MAIN(RUN(test_load_reference_model); RUN(test_column_types); RUN(test_small_model_and_owner); RUN(test_errors);
          RUN(test_load_missing_file))
