/* SPDX-License-Identifier: MIT */
#include <utf8proc.h>

#include "unicode.h"
#include "util.h"

int utf8_nfc(const char *s, char **ret) {
        const unsigned char *p = (const unsigned char *) s;
        while (*p && *p < 0x80)
                p++;
        if (!*p) {
                *ret = NULL;
                return 0;
        }
        utf8proc_uint8_t *nfc = NULL;
        utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *) s, 0, &nfc,
                                          UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (n < 0)
                return n == UTF8PROC_ERROR_NOMEM ? -ENOMEM : -EINVAL;
        if (streq((const char *) nfc, s)) {
                free(nfc);
                *ret = NULL;
                return 0;
        }
        *ret = (char *) nfc;
        return 1;
}
