/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "publication.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        PublicationWatch w = {};
        if (publication_parse((const char *) data, size, &w) >= 0)
                publication_watch_done(&w);
        return 0;
}
