/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "push-journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PushJournalSummary s = {};
        if (push_journal_parse((const char *) data, size, &s) >= 0)
                push_journal_summary_done(&s);
        return 0;
}
