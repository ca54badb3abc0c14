/* SPDX-License-Identifier: MIT */
#pragma once

/* A change in the words people read (console, journal, HTML report): what will happen to the row
 * under the deletion policy, why a row is held back, and each changed column as "old → new"
 * (lists as +added and -removed items, long texts shortened with "…"). Builds strings only. */

#include "config.h"
#include "diff.h"
#include "findings.h"

typedef struct ChangeTextOptions {
        DeletionPolicy deletions;   /* how removals are applied */
        bool full;                  /* long values in full */
        const Findings *findings;   /* to say why a row is held back; may be NULL */
} ChangeTextOptions;

/* "add", "change", "withdraw", "delete" or "keep (not removed)". */
const char *change_action(ChangeKind kind, DeletionPolicy deletions);

/* "changed Collections <id>", "added ...", "withdraw ...", with " (held back: 2 errors; first:
 * <message>)" for a blocked row. malloc()ed. */
char *change_headline(const Model *model, const Change *c, const ChangeTextOptions *o);

/* Why a blocked row is held back: "2 errors; first: <message>"; for the quality policy
 * "quality error CC:X: <message>" or "2 quality errors (CC:X, CC:Y); first: CC:X: <message>", or
 * "it refers to <table> <id>, which is held back and not in the Directory yet"; else "it has
 * errors". malloc()ed. */
char *change_held_back_reason(const Model *model, const Change *c, const Findings *findings, bool full);

/* One column: "size: 100 → 12000", "materials: +SERUM -PLASMA", "description: (empty) → Long…".
 * malloc()ed. */
char *change_column_text(const ModelTable *t, const ColumnChange *cc, bool full);

/* A value shortened to LIMIT_SHOWN_VALUE_CHARS characters (UTF-8) with "…" unless full. malloc()ed. */
char *change_shown_value(const char *value, bool full);
