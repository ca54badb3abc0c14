/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "answer-check.h"

/* Any bytes as a fetched answer: checked as a server's and as a file's, with and without a
 * required column, and refused into a warning as the callers do. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const lookup[] = { "name", NULL };
        for (int i = 0; i < 4; i++) {
                Findings answer, kept;
                findings_init(&answer);
                findings_init(&kept);
                int r = answer_check_table((const char *) data, size, "S/T.csv", i & 1 ? lookup : NULL, i & 2,
                                           SEVERITY_WARNING, &answer);
                if (r < 0 && r != -ENOMEM && (r != -EBADMSG || answer.n_items != 1))
                        __builtin_trap(); /* a refusal is one finding, never anything else */
                if (r < 0)
                        (void) answer_refused(&kept, "S/T.csv", &answer, "the last good copy stays in use");
                (void) answer_is_whole((const char *) data, size, i & 2);
                findings_done(&answer);
                findings_done(&kept);
        }
        return 0;
}
