/* SPDX-License-Identifier: MIT */
#include <utf8proc.h>

#include "unicode.h"
#include "util.h"

int utf8_nfc(const char *s, char **ret) {
        /* ASCII is its own NFC: one look at eight bytes at a time (strlen() finds the end). */
        size_t len = strlen(s), i = 0;
        for (; i + 8 <= len; i += 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & UINT64_C(0x8080808080808080))
                        break;
        }
        while (i < len && (unsigned char) s[i] < 0x80)
                i++;
        if (i == len) {
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
