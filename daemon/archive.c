/* SPDX-License-Identifier: MIT */
#include <zip.h>

#include "archive.h"
#include "limits.h"

void archive_members_done(ArchiveMember *members, size_t n) {
        for (size_t i = 0; members && i < n; i++) {
                members[i].data = mfree(members[i].data);
                members[i].size = 0;
        }
}

static void zip_discardp(zip_t **za) {
        if (*za)
                zip_discard(*za);
}

/* One member, inflated into b while it stays within the limits. */
static int read_member(zip_t *za, zip_uint64_t index, const char *name, size_t max_member, size_t max_total,
                       size_t *total_left, ByteBuffer *b, char **reterr_message) {
        zip_file_t *f = zip_fopen_index(za, index, 0);
        if (!f) {
                *reterr_message = strdup_printf("%s cannot be opened in the archive (damaged or encrypted)", name);
                return -EBADMSG;
        }
        int r = byte_buffer_grow(b, 0);
        char chunk[64 * 1024];
        while (r >= 0) {
                zip_int64_t n = zip_fread(f, chunk, sizeof chunk);
                if (n < 0) {
                        *reterr_message = strdup_printf("%s in the archive is damaged", name);
                        r = -EBADMSG;
                } else if (n == 0)
                        break;
                else if ((size_t) n > max_member - b->size) {
                        *reterr_message = strdup_printf("%s in the archive inflates past %zu bytes", name,
                                                        max_member);
                        r = -EFBIG;
                } else if ((size_t) n > *total_left) {
                        *reterr_message = strdup_printf("the archive's members inflate past %zu bytes in all "
                                                        "(at %s)", max_total, name);
                        r = -EFBIG;
                } else {
                        r = byte_buffer_append(b, chunk, (size_t) n);
                        *total_left -= (size_t) n;
                }
        }
        (void) zip_fclose(f);
        return r;
}

int archive_read_members(const void *data, size_t size, const char *const *names, size_t n_names,
                         size_t max_member_bytes, size_t max_total_bytes, ArchiveMember *ret,
                         char **reterr_message) {
        zip_error_t error;
        zip_error_init(&error);
        zip_source_t *src = zip_source_buffer_create(data, size, 0, &error);
        _cleanup_(zip_discardp) zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &error)
                                                : NULL;
        if (!za) {
                int code = zip_error_code_zip(&error);
                zip_error_fini(&error);
                if (src)
                        zip_source_free(src);
                if (code == ZIP_ER_MEMORY)
                        return -ENOMEM;
                *reterr_message = strdup("the answer is no ZIP archive that can be read");
                return -EBADMSG;
        }
        zip_error_fini(&error);
        zip_int64_t n = zip_get_num_entries(za, 0);
        if (n < 0 || (zip_uint64_t) n > LIMIT_ARCHIVE_MEMBERS) {
                *reterr_message = strdup_printf("the archive has more than %u members", LIMIT_ARCHIVE_MEMBERS);
                return -EFBIG;
        }
        _cleanup_free_ ByteBuffer *got = calloc(n_names ?: 1, sizeof(ByteBuffer));
        _cleanup_free_ bool *seen = calloc(n_names ?: 1, sizeof(bool));
        if (!got || !seen)
                return -ENOMEM;
        size_t total_left = max_total_bytes;
        int r = 0;
        for (zip_uint64_t i = 0; r >= 0 && i < (zip_uint64_t) n; i++) {
                const char *name = zip_get_name(za, i, ZIP_FL_ENC_GUESS);
                if (!name)
                        continue;
                for (size_t k = 0; r >= 0 && k < n_names; k++) {
                        if (!streq(name, names[k]))
                                continue;
                        if (seen[k]) {
                                *reterr_message = strdup_printf("%s is in the archive twice", name);
                                r = -EBADMSG;
                                break;
                        }
                        seen[k] = true;
                        r = read_member(za, i, name, max_member_bytes, max_total_bytes, &total_left, &got[k],
                                        reterr_message);
                }
        }
        if (r < 0) {
                for (size_t k = 0; k < n_names; k++)
                        free(got[k].data);
                return r;
        }
        for (size_t k = 0; k < n_names; k++)
                ret[k] = (ArchiveMember) { .data = got[k].data, .size = got[k].size };
        return 0;
}
