/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "csv.h"

static int count_fields(void *userdata, unsigned line, char **fields, size_t n) {
        size_t *total = userdata;
        for (size_t i = 0; i < n; i++)
                *total += strlen(fields[i]);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        size_t total = 0;
        (void) csv_parse((const char *) data, size, "fuzz.csv", count_fields, &total, &f);
        findings_done(&f);
        return 0;
}
