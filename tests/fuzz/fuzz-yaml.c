/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "yamltree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        YDoc *d = NULL;
        if (ydoc_parse((const char *) data, size, "fuzz.yaml", &d, &f) >= 0)
                ydoc_free(d);
        findings_done(&f);
        return 0;
}
