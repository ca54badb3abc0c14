/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "orphanet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        Orphanet *o = NULL;
        if (orphanet_parse((const char *) data, size, "fuzz.xml", &o, &f) == 0) {
                /* every ICD-10 mapping of a code is found again from the ICD-10 side */
                size_t n;
                const OrphaMapping *m = orphanet_to_icd10(o, "558", &n);
                for (size_t i = 0; i < n; i++) {
                        size_t k;
                        const OrphaMapping *back = orphanet_from_icd10(o, m[i].code, &k);
                        bool found = false;
                        for (size_t j = 0; j < k && !found; j++)
                                found = streq(back[j].code, "558");
                        if (!found)
                                abort();
                }
        }
        orphanet_free(o);
        findings_done(&f);
        return 0;
}
