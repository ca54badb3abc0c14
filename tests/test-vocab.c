/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "test.h"
#include "vocab.h"

TEST(test_builtin) {
        Findings f;
        findings_init(&f);
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v, &f), 0);
        CHECK_INT(f.n_items, 0);
        CHECK_INT(vocab_table_size(v, "Countries"), 35);
        CHECK_INT(vocab_table_size(v, "MaterialTypes"), 22);
        CHECK_INT(vocab_table_size(v, "SexTypes"), 9);
        CHECK(vocab_check(v, "Countries", "UK") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "Countries", "EU") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "Countries", "GB") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "MaterialTypes", "serum") == VOCAB_NOT_MEMBER); /* ids are exact */
        CHECK(vocab_check(v, "BodyParts", "T-11503") == VOCAB_UNKNOWN_TABLE);
        CHECK_STR(vocab_id_for_label(v, "MaterialTypes", "tissue (FROZEN)"), "TISSUE_FROZEN");
        CHECK_STR(vocab_id_for_label(v, "StorageTemperatureTypes", "liquid nitrogen"), "temperatureLN");
        CHECK_STR(vocab_id_caseless(v, "MaterialTypes", "serum"), "SERUM");
        CHECK(vocab_id_caseless(v, "MaterialTypes", "nothing") == NULL);
        CHECK_STR(vocab_label(v, "Countries", "BE"), "Belgium");
        CHECK(vocab_has_table(v, "DataUseOntologies"));
        findings_done(&f);
}

TEST(test_disease_syntax) {
        Findings f;
        findings_init(&f);
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v, &f), 0);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50.9") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50-C52") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "ORPHA:558") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "ORPHA:x") == VOCAB_NOT_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "C50.9") == VOCAB_NOT_MEMBER); /* the prefix is required */
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
        findings_done(&f);
}

TEST(test_csv_tables) {
        Findings f;
        findings_init(&f);
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v, &f), 0);
        static const char csv[] = "order,name,label,parent\n,SERUM,Serum,\n,NEW_THING,A new material,\n";
        CHECK_INT(vocab_load_csv(v, "MaterialTypes", csv, strlen(csv), "MaterialTypes.csv", &f), 0);
        /* The copy replaces the built-in table. */
        CHECK_INT(vocab_table_size(v, "MaterialTypes"), 2);
        CHECK(vocab_check(v, "MaterialTypes", "NEW_THING") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "MaterialTypes", "DNA") == VOCAB_NOT_MEMBER);
        static const char no_name[] = "label\nX\n";
        CHECK_INT(vocab_load_csv(v, "SexTypes", no_name, strlen(no_name), "SexTypes.csv", &f), -EBADMSG);
        _cleanup_free_ char *m = f.n_items ? finding_format(&f.items[0]) : NULL;
        CHECK_STR(m, "SexTypes.csv:1:1: error: the lookup table has no 'name' column");
        CHECK_INT(vocab_table_size(v, "SexTypes"), 9); /* the old table stays */

        /* A DirectoryOntologies folder: tables found there are loaded, others stay built in. */
        char dir[] = "/tmp/test-vocab-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *p = path_join(dir, "DiseaseTypes.csv");
        static const char diseases[] = "name,label\nurn:miriam:icd:C50.9,Breast\nORPHA:558,Marfan syndrome\n";
        CHECK_INT(write_file_atomic(p, diseases, strlen(diseases), 0644), 0);
        CHECK_INT(vocab_load_folder(v, dir, &f), 1);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50.9") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C18") == VOCAB_NOT_MEMBER); /* the table decides now */
        CHECK_STR(vocab_id_for_label(v, "DiseaseTypes", "marfan SYNDROME"), "ORPHA:558");
        rm_rf(dir);
        findings_done(&f);
}

TEST(test_full_disease_table) {
        /* The Directory's full DiseaseTypes table, when the reference copy is beside the project. */
        static const char folder[] = SOURCE_ROOT "/../shared/reference/emx2-directory/ontologies";
        struct stat st;
        if (stat(folder, &st) < 0) {
                fprintf(stderr, "note: %s absent, full-table check not run\n", folder);
                return;
        }
        Findings f;
        findings_init(&f);
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        CHECK_INT(vocab_new_builtin(&v, &f), 0);
        CHECK_INT(vocab_load_folder_table(v, folder, "DiseaseTypes", &f), 0);
        CHECK(vocab_table_size(v, "DiseaseTypes") > 20000);
        CHECK(vocab_check(v, "DiseaseTypes", "urn:miriam:icd:C50.9") == VOCAB_MEMBER);
        CHECK(vocab_check(v, "DiseaseTypes", "ORPHA:50918") == VOCAB_MEMBER);
        CHECK_INT(f.n_errors, 0);
        findings_done(&f);
}

TEST_MAIN(RUN(test_builtin); RUN(test_disease_syntax); RUN(test_csv_tables); RUN(test_full_disease_table))
