/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "vocab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        Vocabularies *v = NULL;
        if (vocab_new_builtin(&v, &f) < 0)
                abort(); /* the built-in tables always load */
        /* The same bytes as an ontology CSV and as a vocabulary YAML. */
        if (vocab_load_csv(v, "MaterialTypes", (const char *) data, size, "fuzz.csv", &f) >= 0)
                (void) vocab_check(v, "MaterialTypes", "SERUM");
        (void) vocab_parse_yaml(v, (const char *) data, size, "fuzz.yaml", &f);
        (void) vocab_id_for_label(v, "Countries", "Belgium");
        vocab_free(v);
        findings_done(&f);
        return 0;
}
