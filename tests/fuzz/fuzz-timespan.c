/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = strndup((const char *) data, size);
        uint64_t v;
        if (s && parse_timespan(s, &v) >= 0) {
                char buf[64];
                (void) format_timespan(buf, sizeof buf, v);
        }
        return 0;
}
