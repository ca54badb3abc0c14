/* SPDX-License-Identifier: MIT */
#pragma once

/* A ZIP archive the Directory sent (GET /<schema>/api/zip, every table of a schema), read from
 * memory: only the members asked for, by their exact names at the archive's top level. The sizes
 * the archive claims are not trusted: each member is inflated at most to max_member_bytes and all
 * of them together to max_total_bytes; at most LIMIT_ARCHIVE_MEMBERS members in all; nothing is
 * written anywhere. Core code: errors and a message, never logs. */

#include "util.h"

typedef struct ArchiveMember {
        char *data;                  /* NUL-terminated; NULL when the archive has no such member */
        size_t size;
} ArchiveMember;

/* ret[i] gets the member names[i]. -EBADMSG for no ZIP, a damaged or encrypted member or a name
 * twice; -EFBIG past a limit; -ENOMEM. *reterr_message (malloc()ed) says which on failure; ret is
 * then untouched. */
int archive_read_members(const void *data, size_t size, const char *const *names, size_t n_names,
                         size_t max_member_bytes, size_t max_total_bytes, ArchiveMember *ret,
                         char **reterr_message);
void archive_members_done(ArchiveMember *members, size_t n);
