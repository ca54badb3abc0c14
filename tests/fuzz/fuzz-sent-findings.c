/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "sent-findings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        SentFindings *s = NULL;
        if (sent_findings_parse((const char *) data, size, "2026-12-04", &s) >= 0) {
                /* What was read is written back the same way (keys in order). */
                char *out = NULL;
                size_t n = 0;
                if (sent_findings_format(s, &out, &n) >= 0) {
                        SentFindings *again = NULL;
                        if (sent_findings_parse(out, n, "2026-12-04", &again) < 0 ||
                            sent_findings_size(again) != sent_findings_size(s))
                                __builtin_trap();
                        sent_findings_free(again);
                }
                free(out);
                sent_findings_free(s);
        }
        return 0;
}
