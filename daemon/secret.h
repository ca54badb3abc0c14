/* SPDX-License-Identifier: MIT */
#pragma once

/* Secrets (the API token, a sign-in password, a signed-in token): read from a file only the
 * service may read, kept in memory that is excluded from core dumps and wiped when released, and
 * never written into a message: secret_scrub() replaces them in any text that leaves the backend.
 * Core code: no logging. */

#include "util.h"

typedef struct Secret {
        char *value;                 /* NUL-terminated, in pages marked MADV_DONTDUMP; NULL: none */
        size_t size;                 /* bytes of value */
        size_t mapped;               /* bytes of the mapping */
} Secret;

void secret_done(Secret *s);

/* Copies value (size bytes) into s (which must be empty). */
int secret_set(Secret *s, const char *value, size_t size);

/* Reads a secret file: at most LIMIT_SECRET_FILE_BYTES, surrounding white space (a trailing
 * newline) stripped, refused when empty (-ENODATA), when group or others may read or write it
 * (-EPERM), or when it holds a NUL or a line break inside (-EBADMSG). *reterr_message says why,
 * naming the file but never its contents. */
int secret_read_file(const char *path, Secret *ret, char **reterr_message);

/* Replaces every occurrence of each non-empty secret in text by "[secret]". Returns a new string
 * (malloc()ed) or NULL on OOM; text NULL gives NULL. */
char *secret_scrub(const char *text, const Secret *const *secrets, size_t n_secrets);

/* Keeps the process out of core dumps and ptrace by others (prctl PR_SET_DUMPABLE 0), once a
 * secret is in memory: libcurl keeps its own copy of the header that carries a token. */
void secret_protect_process(void);
