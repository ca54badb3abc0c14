/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "emx2-names.h"
#include "limits.h"

/* molgenis-emx2 Constants.SCHEMA_NAME_REGEX and TABLE_NAME_REGEX:
 * ^(?!.* _|.*_ )[a-zA-Z][-a-zA-Z0-9 _]{0,62}$ (tables without '-', {0,30}). */
static bool name_is_valid(const char *name, size_t max_chars, bool dash) {
        if (!name)
                return false;
        size_t n = strlen(name);
        if (n == 0 || n > max_chars)
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = name[i];
                bool letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
                bool digit = ch >= '0' && ch <= '9';
                if (i == 0 ? !letter : !(letter || digit || ch == '_' || ch == ' ' || (dash && ch == '-')))
                        return false;
                if (i > 0 && ((ch == ' ' && name[i - 1] == '_') || (ch == '_' && name[i - 1] == ' ')))
                        return false;
        }
        return true;
}

bool emx2_schema_name_is_valid(const char *name) {
        return name_is_valid(name, LIMIT_EMX2_SCHEMA_NAME_CHARS, true);
}

bool emx2_table_name_is_valid(const char *name) {
        return name_is_valid(name, LIMIT_EMX2_TABLE_NAME_CHARS, false);
}
