/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        Mapping *m = NULL;
        if (mapping_new(&m) < 0)
                return 0;
        if (mapping_parse(m, (const char *) data, size, "fuzz.yaml", &f) >= 0) {
                const char *id = NULL;
                (void) mapping_lookup(m, NULL, "MaterialTypes", "Serum", &id);
                free(mapping_expand_id(m, "Collections", "BE", "x", "bbmri-eric:ID:BE_A"));
                (void) mapping_files_description(m);
        }
        mapping_free(m);
        findings_done(&f);
        return 0;
}
