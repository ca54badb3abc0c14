/* SPDX-License-Identifier: MIT */
#include "test-pipeline.h"

static const Record *find_record(const RecordSet *s, const char *table, const char *id) {
        for (size_t i = 0; i < s->n_records; i++)
                if (streq(s->records[i]->table, table) && streq_ptr(s->records[i]->id, id))
                        return s->records[i];
        return NULL;
}

static size_t count_table(const RecordSet *s, const char *table) {
        size_t n = 0;
        for (size_t i = 0; i < s->n_records; i++)
                n += streq(s->records[i]->table, table);
        return n;
}

TEST(test_small_master) {
        RecordSet *s = NULL;
        Findings f;
        findings_init(&f);
        CHECK_INT(record_set_new(&s), 0);
        CHECK_INT(master_load_file(SOURCE_ROOT "/tests/data/master/small.yaml", s, &f), 0);
        CHECK_INT(f.n_errors, 0);
        CHECK_STR(s->node, "BE");
        CHECK_INT(count_table(s, "Persons"), 1);
        CHECK_INT(count_table(s, "Networks"), 1);
        CHECK_INT(count_table(s, "Biobanks"), 1);
        CHECK_INT(count_table(s, "Collections"), 2);
        CHECK_INT(count_table(s, "CollectionFacts"), 2);

        const Record *onco = find_record(s, "Collections", "oncology");
        CHECK(onco != NULL);
        if (onco) {
                CHECK_INT(onco->location.line, 25);
                const RecordField *m = record_get_field(onco, "materials");
                CHECK(m && m->is_list && m->n_values == 3);
                CHECK_STR(m ? m->values[2] : NULL, "Sérum");
                CHECK_INT(m ? m->location.line : 0, 30);
                CHECK_INT(m ? m->location.column : 0, 20);
                /* Implied and inherited fields. */
                const RecordField *b = record_get_field(onco, "biobank");
                CHECK(b && b->inherited);
                CHECK_STR(b ? b->values[0] : NULL, "UZA");
                const RecordField *country = record_get_field(onco, "country");
                CHECK(country && country->inherited);
                CHECK_STR(country ? country->values[0] : NULL, "BE");
                CHECK_INT(country ? country->location.line : 0, 19); /* where the biobank says it */
                const RecordField *lat = record_get_field(onco, "latitude");
                CHECK_STR(lat ? lat->values[0] : NULL, "51.1557");
        }
        const Record *sub = find_record(s, "Collections", "oncology-breast");
        const RecordField *parent = sub ? record_get_field(sub, "parent_collection") : NULL;
        CHECK_STR(parent ? parent->values[0] : NULL, "oncology");
        /* A sub-collection inherits from its parent collection, which inherited from the biobank. */
        const RecordField *contact = sub ? record_get_field(sub, "contact") : NULL;
        CHECK_STR(contact ? contact->values[0] : NULL, "uza-contact");

        const Record *fact = find_record(s, "CollectionFacts", "uza-onco-2");
        CHECK(fact != NULL);
        if (fact) {
                CHECK(endswith(fact->location.file, "tests/data/master/facts.csv"));
                CHECK_INT(fact->location.line, 3);
                const RecordField *sex = record_get_field(fact, "sex");
                CHECK_STR(sex ? sex->values[0] : NULL, "Male");
                CHECK_INT(sex ? sex->location.column : 0, 2);
                const RecordField *coll = record_get_field(fact, "collection");
                CHECK_STR(coll ? coll->values[0] : NULL, "oncology");
                const RecordField *bb = record_get_field(fact, "@biobank");
                CHECK_STR(bb ? bb->values[0] : NULL, "UZA");
        }
        record_set_free(s);
        findings_done(&f);
}

TEST(test_structure_errors) {
        static const struct {
                const char *text, *message;
        } cases[] = {
                { "node: BE\nlaboratories: []\n", "m.yaml:2:1: error: unknown key 'laboratories' in the master file" },
                { "node: BE\npersons:\n  - first_name: An\n", "m.yaml:3:5: error: this Persons entry has no id" },
                { "node: BE\npersons:\n  - id: a\n    email: {x: y}\n",
                  "m.yaml:4:12: error: field 'email' must be a value or a list of values, not a mapping" },
                { "node: BE\npersons:\n  - id: a\n    role: [{x: y}]\n",
                  "m.yaml:4:12: error: the list 'role' may only hold single values, not a mapping" },
                { "node: BE\nbiobanks: {id: A}\n", "m.yaml:2:11: error: 'biobanks' must be a list, not a mapping" },
                { "persons: []\n", "the master file must name its node" },
                { "node: BE\nbiobanks:\n  - id: A\n    collections:\n      - id: c\n        facts_file: f.csv\n",
                  "m.yaml:6:21: error: facts files cannot be read here" },
                { "node: BE\ncollection_facts:\n  - {file: a.csv, id: x}\n",
                  "an entry naming a facts file may hold nothing but 'file'" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RecordSet *s = NULL;
                Findings f;
                findings_init(&f);
                CHECK_INT(record_set_new(&s), 0);
                (void) master_parse_yaml(cases[i].text, strlen(cases[i].text), "m.yaml", NULL, s, &f);
                CHECK(f.n_errors > 0);
                _cleanup_free_ char *m = f.n_items ? finding_format(&f.items[0]) : NULL;
                CHECK_CONTAINS(m, cases[i].message);
                record_set_free(s);
                findings_done(&f);
        }
}

TEST(test_facts_files) {
        Pipeline p;
        pipeline_run(&p,
                     VALID_MASTER "        facts_file: facts/uza.csv\n"
                                  "collection_facts:\n"
                                  "  - file: missing.csv\n",
                     false);
        /* The missing file is named at the line that names it. */
        const Finding *f = pipeline_finding(&p, "master-structure");
        CHECK(f != NULL);
        CHECK_CONTAINS(f ? f->message : NULL, "cannot read facts file 'facts/uza.csv'");
        CHECK_INT(f ? f->line : 0, 34);
        pipeline_done(&p);
}

TEST(test_two_files_one_node) {
        RecordSet *s = NULL;
        Findings f;
        findings_init(&f);
        CHECK_INT(record_set_new(&s), 0);
        CHECK_INT(master_parse_yaml("node: BE\n", 9, "a.yaml", NULL, s, &f), 0);
        CHECK_INT(f.n_errors, 0);
        CHECK_INT(master_parse_yaml("node: NL\n", 9, "b.yaml", NULL, s, &f), 0);
        _cleanup_free_ char *m = f.n_items ? finding_format(&f.items[0]) : NULL;
        CHECK_CONTAINS(m, "b.yaml:1:7: error: node 'NL' differs from node 'BE' of an earlier master file");
        record_set_free(s);
        findings_done(&f);
}

typedef struct Order {
        char seen[8][64];
        size_t n;
} Order;

static int note_record(void *userdata, const Record *rec) {
        Order *o = userdata;
        if (o->n < ELEMENTSOF(o->seen))
                (void) snprintf(o->seen[o->n], sizeof o->seen[o->n], "%s/%s", rec->table, rec->id);
        o->n++;
        return 0;
}

TEST(test_streamed_in_file_order) {
        /* The top-level lists are read entry by entry as the file is parsed: in the order of the
         * file, whatever the order of the sections, with 'node' last and a bad section between. */
        static const char text[] = "collections:\n"
                                   "  - {id: c1, biobank: B1, name: C1}\n"
                                   "biobanks:\n"
                                   "  - id: B1\n"
                                   "    collections:\n"
                                   "      - {id: c2, name: C2}\n"
                                   "services: {not: a list}\n"
                                   "persons:\n"
                                   "  - {id: p1, email: a@b.be}\n"
                                   "node: BE\n";
        RecordSet *s = NULL;
        Findings f;
        findings_init(&f);
        CHECK_INT(record_set_new(&s), 0);
        Order order = {};
        record_set_set_sink(s, note_record, &order);
        CHECK_INT(master_parse_yaml(text, strlen(text), "o.yaml", NULL, s, &f), 0);
        CHECK_INT(order.n, 4);
        CHECK_STR(order.seen[0], "Collections/c1");
        CHECK_STR(order.seen[1], "Biobanks/B1");
        CHECK_STR(order.seen[2], "Collections/c2");
        CHECK_STR(order.seen[3], "Persons/p1");
        CHECK_STR(s->node, "BE");
        /* Records went to the sink and their memory back to the set. */
        CHECK_INT(s->n_records, 0);
        CHECK_INT(f.n_errors, 1);
        _cleanup_free_ char *m = f.n_items ? finding_format(&f.items[0]) : NULL;
        CHECK_CONTAINS(m, "o.yaml:7:11: error: 'services' must be a list, not a mapping");
        record_set_free(s);
        findings_done(&f);
}

TEST_MAIN(RUN(test_small_master); RUN(test_structure_errors); RUN(test_facts_files); RUN(test_two_files_one_node);
          RUN(test_streamed_in_file_order))
