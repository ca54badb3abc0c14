/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "master.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        RecordSet *set = NULL;
        if (record_set_new(&set) < 0)
                return 0;
        /* No base folder: facts files named by the input are refused, never read. */
        (void) master_parse_yaml((const char *) data, size, "fuzz.yaml", NULL, set, &f);
        record_set_free(set);
        findings_done(&f);
        return 0;
}
