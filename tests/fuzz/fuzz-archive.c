/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *names[] = { "Countries.csv", "AgeUnits.csv", "molgenis.csv" };
        ArchiveMember got[3] = {};
        char *message = NULL;
        if (archive_read_members(data, size, names, 3, 1024 * 1024, 4 * 1024 * 1024, got, &message) >= 0)
                archive_members_done(got, 3);
        free(message);
        return 0;
}
