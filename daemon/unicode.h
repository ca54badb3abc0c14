/* SPDX-License-Identifier: MIT */
#pragma once

/* Unicode normalisation (utf8proc): terms and ids are looked up in NFC, so that a value typed in
 * decomposed form (NFD, as macOS writes file names and some editors text) finds the same entry
 * as its composed form. */

/* s (valid UTF-8) in NFC. Returns 0 with *ret NULL when s is NFC already (ASCII always is: no
 * work), 1 with *ret the malloc()ed NFC form when it differs, -ENOMEM, or -EINVAL when s is not
 * valid UTF-8. */
int utf8_nfc(const char *s, char **ret);
