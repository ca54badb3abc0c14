/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "vocab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        Vocabularies *v = NULL;
        if (vocab_new_builtin(&v) < 0)
                abort(); /* the built-in tables always load */
        /* The bytes as an ontology CSV, then as a value looked up in it and in a built-in table
         * (the bisections over both forms of a table). */
        _cleanup_free_ char *value = strndup((const char *) data, size);
        if (!value)
                abort();
        if (vocab_load_csv(v, "MaterialTypes", (const char *) data, size, "fuzz.csv", &f) >= 0) {
                (void) vocab_check(v, "MaterialTypes", "SERUM");
                (void) vocab_check(v, "MaterialTypes", value);
                (void) vocab_id_for_label(v, "MaterialTypes", value);
                (void) vocab_id_caseless(v, "MaterialTypes", value);
                (void) vocab_label(v, "MaterialTypes", value);
        }
        (void) vocab_check(v, "DiseaseTypes", value);
        (void) vocab_id_for_label(v, "DiseaseTypes", value);
        (void) vocab_id_caseless(v, "DiseaseTypes", value);
        (void) vocab_id_for_label(v, "Countries", "Belgium");
        vocab_free(v);
        findings_done(&f);
        return 0;
}
