/* SPDX-License-Identifier: MIT */
#include "archive.h"
#include "export.h"
#include "test.h"

/* An archive of the named texts, built with the export's writer. */
static void make_zip(const char *const *names, const char *const *texts, size_t n, void **ret, size_t *ret_size) {
        ExportZipEntry *entries = calloc(n, sizeof(ExportZipEntry));
        CHECK(entries != NULL);
        for (size_t i = 0; i < n; i++)
                entries[i] = (ExportZipEntry) { .name = strdup(names[i]), .data = strdup(texts[i]),
                                                .size = strlen(texts[i]) };
        CHECK_INT(export_zip_buffer(entries, n, ret, ret_size), 0);
        export_zip_entries_free(entries, n);
}

TEST(test_members) {
        const char *names[] = { "molgenis.csv", "Countries.csv", "AgeUnits.csv" };
        const char *texts[] = { "tableName\n", "name,label\nBE,Belgium\n", "" };
        _cleanup_free_ void *zip = NULL;
        size_t size = 0;
        make_zip(names, texts, 3, &zip, &size);
        const char *want[] = { "AgeUnits.csv", "Countries.csv", "SexTypes.csv" };
        ArchiveMember got[3] = {};
        _cleanup_free_ char *message = NULL;
        CHECK_INT(archive_read_members(zip, size, want, 3, 1024, 4096, got, &message), 0);
        CHECK(got[0].data && got[0].size == 0);
        CHECK_STR(got[1].data, "name,label\nBE,Belgium\n");
        CHECK(!got[2].data);
        archive_members_done(got, 3);
}

TEST(test_limits_and_damage) {
        const char *names[] = { "Countries.csv", "Countries.csv" };
        const char *texts[] = { "name,label\nBE,Belgium\n", "name\n" };
        _cleanup_free_ void *zip = NULL;
        size_t size = 0;
        make_zip(names, texts, 1, &zip, &size);
        const char *want[] = { "Countries.csv" };
        ArchiveMember got[1] = {};
        char *message = NULL;
        CHECK_INT(archive_read_members(zip, size, want, 1, 8, 4096, got, &message), -EFBIG);
        CHECK(message && strstr(message, "Countries.csv"));
        CHECK(!got[0].data);
        message = mfree(message);
        CHECK_INT(archive_read_members(zip, size, want, 1, 1024, 8, got, &message), -EFBIG);
        message = mfree(message);
        CHECK_INT(archive_read_members("PK\3\4 not really", 15, want, 1, 1024, 4096, got, &message), -EBADMSG);
        message = mfree(message);
        CHECK_INT(archive_read_members("name,label\n", 11, want, 1, 1024, 4096, got, &message), -EBADMSG);
        message = mfree(message);
        /* A flipped byte in the compressed data: the check sum or the inflater says so. */
        unsigned char *bad = malloc(size);
        CHECK(bad != NULL);
        memcpy(bad, zip, size);
        /* The first member's data follows its local header: 30 bytes, the name, the extra field. */
        size_t at = 30 + (bad[26] | (size_t) bad[27] << 8) + (bad[28] | (size_t) bad[29] << 8);
        CHECK(at + 4 < size);
        for (size_t i = at; i < at + 4; i++)
                bad[i] ^= 0x55;
        CHECK_INT(archive_read_members(bad, size, want, 1, 1024, 4096, got, &message), -EBADMSG);
        free(bad);
        message = mfree(message);
}

TEST_MAIN(RUN(test_members); RUN(test_limits_and_damage))
