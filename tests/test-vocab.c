/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/stat.h>

#include "mapping.h"
#include "model.h"
#include "test.h"
#include "vocab.h"

static Model *model;

TEST(test_builtin) {
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v), 0);
        /* Every DirectoryOntologies table of the export, the big one included. */
        _cleanup_free_ const char **tables = vocab_tables(v);
        CHECK_INT(strv_length((char **) tables), 27);
        CHECK_INT(vocab_table_size(v, "Countries"), 35);
        CHECK_INT(vocab_table_size(v, "MaterialTypes"), 22);
        CHECK_INT(vocab_table_size(v, "SexTypes"), 9);
        CHECK_INT(vocab_table_size(v, "DiseaseTypes"), 23532);
        CHECK_INT(vocab_table_size(v, "Languages"), 183);
        CHECK(vocab_check(v, "Countries", "UK") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "Countries", "EU") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "Countries", "GB") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "MaterialTypes", "serum") == VOCAB_NOT_MEMBER); /* ids are exact */
        CHECK(vocab_check(v, "BodyParts", "T-11503") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "BodyParts", "T-99999") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "NoSuchTable", "x") == VOCAB_UNKNOWN_TABLE);
        CHECK_STR(vocab_id_for_label(v, "MaterialTypes", "tissue (FROZEN)"), "TISSUE_FROZEN");
        CHECK_STR(vocab_id_for_label(v, "StorageTemperatureTypes", "liquid nitrogen"), "temperatureLN");
        CHECK(vocab_id_for_label(v, "MaterialTypes", "") == NULL);
        CHECK_STR(vocab_id_caseless(v, "MaterialTypes", "serum"), "SERUM");
        CHECK(vocab_id_caseless(v, "MaterialTypes", "nothing") == NULL);
        CHECK_STR(vocab_label(v, "Countries", "BE"), "Belgium");
        CHECK(vocab_label(v, "Countries", "XX") == NULL);
        /* A table without labels: ids only. */
        CHECK(vocab_check(v, "AccessRights", "Open access") == VOCAB_MEMBER);
        CHECK(vocab_label(v, "AccessRights", "Open access") == NULL);
        /* The fact sheets' '*' (any) is a term of the tables their columns take. */
        CHECK(vocab_check(v, "SexTypes", "*") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "AgeRanges", "*") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "MaterialTypes", "*") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "*") == VOCAB_MEMBER);
        CHECK(vocab_builtin_exported_at() > 1700000000ull * 1000000);
}

TEST(test_builtin_diseases) {
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v), 0);
        /* Diagnoses are validated exactly, with no copy of the Directory at hand. */
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50.9") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:A97.9") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "ORPHA:50918") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "ORPHA:558") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C00-C14") == VOCAB_MEMBER); /* a chapter block */
        /* Well-formed codes the Directory does not have. */
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C5O.9") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C99.1") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:A90") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50-C52") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "ORPHA:1") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "C50.9") == VOCAB_NOT_MEMBER); /* the prefix is part of the id */
        CHECK_STR(vocab_label(v, "DiseaseTypes", "ORPHA:50918"), "Kikuchi-Fujimoto disease");
        CHECK_STR(vocab_id_for_label(v, "DiseaseTypes", "KIKUCHI-fujimoto DISEASE"), "ORPHA:50918");
        CHECK_STR(vocab_id_caseless(v, "DiseaseTypes", "URN:MIRIAM:ICD:c50.9"), "urn:miriam:icd:C50.9");
}

typedef struct Walk {
        const Vocabularies *v;
        const char *table;
        char *previous;
        size_t n;
        bool ok;
} Walk;

static int walk_term(void *userdata, const char *id, const char *label) {
        Walk *w = userdata;
        /* In id order, each id once, and every look-up finds what the walk sees: the orders
         * embed-vocabularies.py computed agree with vocab.c's comparisons. */
        if ((w->previous && strcmp(w->previous, id) >= 0) || vocab_check(w->v, w->table, id) != VOCAB_MEMBER ||
            !streq_ptr(vocab_label(w->v, w->table, id), label)) {
                fprintf(stderr, "%s: term '%s' out of order or not found\n", w->table, id);
                w->ok = false;
        }
        const char *by_label = label ? vocab_id_for_label(w->v, w->table, label) : NULL;
        if (label && (!by_label || !strcaseeq(vocab_label(w->v, w->table, by_label), label) ||
                      strcmp(by_label, id) > 0)) {
                fprintf(stderr, "%s: label '%s' of '%s' found as '%s'\n", w->table, label, id, by_label ?: "(none)");
                w->ok = false;
        }
        const char *caseless = vocab_id_caseless(w->v, w->table, id);
        if (caseless && !streq(caseless, id)) {
                fprintf(stderr, "%s: '%s' found caseless as '%s'\n", w->table, id, caseless);
                w->ok = false;
        }
        free(w->previous);
        w->previous = strdup(id);
        w->n++;
        return w->previous ? 0 : -ENOMEM;
}

TEST(test_builtin_orders) {
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v), 0);
        _cleanup_free_ const char **tables = vocab_tables(v);
        for (const char **t = tables; t && *t; t++) {
                Walk w = { .v = v, .table = *t, .ok = true };
                CHECK_INT(vocab_for_each_term(v, *t, walk_term, &w), 0);
                CHECK(w.ok);
                CHECK_INT(w.n, vocab_table_size(v, *t));
                free(w.previous);
        }
}

TEST(test_model_tables_built_in) {
        /* Every lookup table the model's columns take values from is built in. */
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v), 0);
        size_t n = 0;
        for (size_t i = 0; i < model->n_tables; i++)
                for (size_t c = 0; c < model->tables[i].n_columns; c++) {
                        const char *ontology = model->tables[i].columns[c].ontology;
                        if (!ontology)
                                continue;
                        if (!vocab_has_table(v, ontology))
                                fprintf(stderr, "%s.%s: %s is not built in\n", model->tables[i].name,
                                        model->tables[i].columns[c].name, ontology);
                        CHECK(vocab_has_table(v, ontology));
                        CHECK(vocab_table_size(v, ontology) > 0);
                        n++;
                }
        CHECK(n > 20); /* the loop saw the model */
}

typedef struct MappedTerms {
        const Vocabularies *v;
        const char *table;
        size_t n, n_unknown;
} MappedTerms;

static int check_mapped(void *userdata, const char *term, const char *id) {
        MappedTerms *m = userdata;
        m->n++;
        if (vocab_check(m->v, m->table, id) != VOCAB_MEMBER) {
                fprintf(stderr, "%s: '%s' maps to '%s', no term of the Directory's\n", m->table, term, id);
                m->n_unknown++;
        }
        return 0;
}

TEST(test_shipped_mappings_name_terms) {
        /* Every local term of the shipped mapping files maps to a term the Directory has. */
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v), 0);
        Findings f;
        findings_init(&f);
        _cleanup_(mapping_freep) Mapping *m = NULL;
        CHECK_INT(mapping_new(&m), 0);
        CHECK_INT(mapping_load(m, SOURCE_ROOT "/mappings/miabis-2.0.yaml", &f), 0);
        CHECK_INT(mapping_load(m, SOURCE_ROOT "/mappings/example-local.yaml", &f), 0);
        size_t n = 0;
        _cleanup_free_ const char **tables = vocab_tables(v);
        for (const char **t = tables; t && *t; t++) {
                MappedTerms mt = { .v = v, .table = *t };
                CHECK_INT(mapping_for_each_term(m, *t, check_mapped, &mt), 0);
                CHECK_INT(mt.n_unknown, 0);
                n += mt.n;
        }
        CHECK(n > 50);
        findings_done(&f);
}

TEST(test_disease_syntax) {
        CHECK(icd10_code_is_valid("C50.9"));
        CHECK(icd10_code_is_valid("Z03.81"));
        CHECK(icd10_code_is_valid("U07.1"));
        CHECK(!icd10_code_is_valid("C50-C52"));
        CHECK(!icd10_code_is_valid("c50"));
        CHECK(!icd10_code_is_valid("C5"));
        CHECK(!icd10_code_is_valid("C50.123"));
        CHECK(orpha_code_is_valid("ORPHA:98896"));
        CHECK(!orpha_code_is_valid("ORPHA:"));
        CHECK(!orpha_code_is_valid("orpha:1"));
}

static void set_mtime(const char *path, uint64_t usec) {
        struct timespec ts[2] = {
                { .tv_sec = (time_t) (usec / 1000000), .tv_nsec = 0 },
                { .tv_sec = (time_t) (usec / 1000000), .tv_nsec = 0 },
        };
        CHECK_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
}

TEST(test_csv_tables) {
        Findings f;
        findings_init(&f);
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v), 0);
        static const char csv[] = "order,name,label,parent\n,SERUM,Serum,\n,NEW_THING,A new material,\n"
                                  ",Aa,Same label,\n,AA,same LABEL,\n,SERUM,Repeated,\n";
        CHECK_INT(vocab_load_csv(v, "MaterialTypes", csv, strlen(csv), "MaterialTypes.csv", &f), 0);
        /* The copy replaces the built-in table; a repeated id keeps its first label. */
        CHECK_INT(vocab_table_size(v, "MaterialTypes"), 4);
        CHECK(vocab_check(v, "MaterialTypes", "NEW_THING") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "MaterialTypes", "DNA") == VOCAB_NOT_MEMBER);
        CHECK_STR(vocab_label(v, "MaterialTypes", "SERUM"), "Serum");
        CHECK_STR(vocab_id_for_label(v, "MaterialTypes", "a NEW material"), "NEW_THING");
        CHECK_STR(vocab_id_for_label(v, "MaterialTypes", "same label"), "AA"); /* the smaller id */
        CHECK(vocab_id_caseless(v, "MaterialTypes", "aa") == NULL);             /* Aa or AA? */
        CHECK_STR(vocab_id_caseless(v, "MaterialTypes", "new_thing"), "NEW_THING");
        static const char no_name[] = "label\nX\n";
        CHECK_INT(vocab_load_csv(v, "SexTypes", no_name, strlen(no_name), "SexTypes.csv", &f), -EBADMSG);
        _cleanup_free_ char *m = f.n_items ? finding_format(&f.items[0]) : NULL;
        CHECK_STR(m, "SexTypes.csv:1:1: error: the lookup table has no 'name' column");
        CHECK_INT(vocab_table_size(v, "SexTypes"), 9); /* the old table stays */
        CHECK_INT(vocab_load_csv(v, "SexTypes", "", 0, "SexTypes.csv", &f), -EBADMSG);
        CHECK_INT(vocab_table_size(v, "SexTypes"), 9);
        static const char header_only[] = "name,label\n";
        CHECK_INT(vocab_load_csv(v, "Themes", header_only, strlen(header_only), "Themes.csv", &f), 0);
        CHECK_INT(vocab_table_size(v, "Themes"), 0);
        CHECK(vocab_check(v, "Themes", "x") == VOCAB_NOT_MEMBER);
        CHECK(vocab_id_for_label(v, "Themes", "x") == NULL);
        /* A label fetched in decomposed form (NFD: e + U+0301) is kept, and found, in NFC. */
        static const char nfd[] = "name,label\nSERUM,Se\xcc\x81rum\n";
        CHECK_INT(vocab_load_csv(v, "MaterialTypes", nfd, strlen(nfd), "MaterialTypes.csv", &f), 0);
        CHECK_STR(vocab_id_for_label(v, "MaterialTypes", "S\xc3\xa9rum"), "SERUM");
        CHECK_STR(vocab_label(v, "MaterialTypes", "SERUM"), "S\xc3\xa9rum");
        findings_done(&f);
}

TEST(test_copy_newer_wins) {
        Findings f;
        findings_init(&f);
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v), 0);
        /* A DirectoryOntologies folder (a file backend's, or the ontology cache): a table written
         * after the built-in tables were exported replaces the built-in one, an older one does not. */
        char dir[] = "/tmp/test-vocab-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *diseases_path = path_join(dir, "DiseaseTypes.csv");
        _cleanup_free_ char *sexes_path = path_join(dir, "SexTypes.csv");
        static const char diseases[] = "name,label\nurn:miriam:icd:C50.9,Breast\nORPHA:558,Marfan syndrome\n";
        static const char sexes[] = "name,label\nFEMALE,Female\nNEW_SEX,A new one\n";
        CHECK_INT(write_file_atomic(diseases_path, diseases, strlen(diseases), 0644), 0);
        CHECK_INT(write_file_atomic(sexes_path, sexes, strlen(sexes), 0644), 0);
        uint64_t exported = vocab_builtin_exported_at();
        set_mtime(diseases_path, exported + 3600ull * 1000000);
        set_mtime(sexes_path, exported - 24 * 3600ull * 1000000);
        CHECK_INT(vocab_load_folder(v, dir, &f), 1);
        CHECK_INT(vocab_table_size(v, "DiseaseTypes"), 2);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50.9") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C18") == VOCAB_NOT_MEMBER); /* the copy decides */
        CHECK_STR(vocab_id_for_label(v, "DiseaseTypes", "marfan SYNDROME"), "ORPHA:558");
        /* The older copy of SexTypes is left alone: the built-in table is newer. */
        CHECK_INT(vocab_table_size(v, "SexTypes"), 9);
        CHECK(vocab_check(v, "SexTypes", "NEW_SEX") == VOCAB_NOT_MEMBER);
        /* Written at the very second of the export: not newer. */
        set_mtime(sexes_path, exported);
        CHECK_INT(vocab_load_folder(v, dir, &f), 1);
        CHECK_INT(vocab_table_size(v, "SexTypes"), 9);
        set_mtime(sexes_path, exported + 1000000);
        CHECK_INT(vocab_load_folder(v, dir, &f), 2);
        CHECK(vocab_check(v, "SexTypes", "NEW_SEX") == VOCAB_MEMBER);
        CHECK_INT(f.n_errors, 0);
        rm_rf(dir);
        findings_done(&f);
}

TEST_MAIN_WITH_MODEL(, RUN(test_builtin); RUN(test_builtin_diseases); RUN(test_builtin_orders);
                     RUN(test_model_tables_built_in); RUN(test_shipped_mappings_name_terms); RUN(test_disease_syntax); RUN(test_csv_tables);
                     RUN(test_copy_newer_wins))
