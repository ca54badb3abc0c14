/* SPDX-License-Identifier: MIT */
#pragma once

/* EMX2's own rules for the names that also become paths here (file backend folders, snapshot
 * files): a schema or table name starts with a letter, holds letters, digits, '_' and spaces (a
 * schema name also '-'), never a space next to '_', and is short. Anything else ('/', '..', NUL,
 * a leading dot) the server would refuse, so it is refused before it can leave a folder. */

#include <stdbool.h>

bool emx2_schema_name_is_valid(const char *name);
bool emx2_table_name_is_valid(const char *name);

/* What the rule is, for an error message. */
#define EMX2_SCHEMA_NAME_RULE                                                                                  \
        "a letter, then at most 62 letters, digits, '-', '_' or spaces, no space next to '_'"
#define EMX2_TABLE_NAME_RULE "a letter, then at most 30 letters, digits, '_' or spaces, no space next to '_'"
