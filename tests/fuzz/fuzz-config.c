/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        Config *c = NULL;
        if (config_parse((const char *) data, size, "/fuzz/config.yaml", "/usr/share/bbmri-dirsync", &c, &f) >= 0)
                config_free(c);
        findings_done(&f);
        return 0;
}
