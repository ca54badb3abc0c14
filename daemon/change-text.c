/* SPDX-License-Identifier: MIT */
#include "change-text.h"
#include "limits.h"
#include "util.h"

const char *change_action(ChangeKind kind, DeletionPolicy deletions) {
        switch (kind) {
        case CHANGE_ADDED:
                return "add";
        case CHANGE_CHANGED:
                return "change";
        case CHANGE_REMOVED:
                return deletions == DELETIONS_DELETE ? "delete"
                       : deletions == DELETIONS_KEEP ? "keep (not removed)"
                                                     : "withdraw";
        }
        return "?";
}

/* What the headline calls the change: the diff's word, or for a removal what the policy does. */
static const char *change_word(const Change *c, DeletionPolicy deletions) {
        if (c->kind == CHANGE_REMOVED)
                return change_action(c->kind, deletions);
        return change_kind_to_string(c->kind);
}

char *change_held_back_reason(const Model *model, const Change *c, const Findings *findings, bool full) {
        if (c->n_held_by > 0) {
                /* Noted by the quality policy: its errors, or the quality errors it holds against it. */
                _cleanup_free_ char *why = change_shown_value(c->held_by_message, full);
                if (!why)
                        return NULL;
                if (c->held_by_errors)
                        return strdup_printf("%zu error%s; first: %s", c->n_held_by, c->n_held_by == 1 ? "" : "s", why);
                if (c->n_held_by == 1)
                        return strdup_printf("quality error %s: %s", c->held_by_code, why);
                return strdup_printf("%zu quality errors (%s); first: %s: %s", c->n_held_by,
                                     c->held_by_codes ?: c->held_by_code, c->held_by_code, why);
        }
        if (c->needs_id) {
                const char *needed = c->needs_table < model->n_tables ? model->tables[c->needs_table].name : "?";
                return strdup_printf("it refers to %s %s, which %s", needed, c->needs_id,
                                     c->needs_errors ? "is held back for errors"
                                                     : "is held back and not in the Directory yet");
        }
        /* Not noted (a change set the policy did not see): the row's errors, if any. */
        const char *table = c->table < model->n_tables ? model->tables[c->table].name : "?";
        size_t n = 0;
        const Finding *first = NULL;
        for (size_t i = 0; findings && i < findings->n_items; i++) {
                const Finding *f = &findings->items[i];
                if (f->severity != SEVERITY_ERROR || !streq_ptr(f->table, table) || !streq_ptr(f->id, c->id))
                        continue;
                if (!first)
                        first = f;
                n++;
        }
        if (!first)
                return strdup("it has errors");
        _cleanup_free_ char *why = change_shown_value(first->message, full);
        return why ? strdup_printf("%zu error%s; first: %s", n, n == 1 ? "" : "s", why) : NULL;
}

char *change_headline(const Model *model, const Change *c, const ChangeTextOptions *o) {
        const char *table = c->table < model->n_tables ? model->tables[c->table].name : "?";
        if (!c->blocked)
                return strdup_printf("%s %s %s", change_word(c, o->deletions), table, c->id);
        /* Held back: say how many errors the row has and the first, so nobody has to search. */
        _cleanup_free_ char *why = change_held_back_reason(model, c, o->findings, o->full);
        return why ? strdup_printf("%s %s %s (held back: %s)", change_word(c, o->deletions), table, c->id, why) : NULL;
}

char *change_shown_value(const char *value, bool full) {
        if (isempty(value))
                return strdup("(empty)");
        size_t chars = 0, cut = 0;
        for (const char *p = value; *p; p++)
                if (((unsigned char) *p & 0xC0) != 0x80) {
                        if (chars == LIMIT_SHOWN_VALUE_CHARS)
                                cut = (size_t) (p - value);
                        chars++;
                }
        if (full || chars <= LIMIT_SHOWN_VALUE_CHARS + 1)
                return strdup(value);
        return strdup_printf("%.*s…", (int) cut, value);
}

/* Whether item (len bytes) is one of the list's items. */
static bool list_has(const char *list, const char *item, size_t len) {
        for (const char *p = list; p && *p;) {
                size_t n = strcspn(p, (char[]) { DATASET_LIST_SEP, '\0' });
                if (n == len && memcmp(p, item, len) == 0)
                        return true;
                p += n + (p[n] == DATASET_LIST_SEP);
        }
        return false;
}

/* The items of from that are not in other, each with sign before it. */
static void list_difference(FILE *out, const char *from, const char *other, const char *sign, bool *first) {
        for (const char *p = from; p && *p;) {
                size_t n = strcspn(p, (char[]) { DATASET_LIST_SEP, '\0' });
                if (n > 0 && !list_has(other, p, n)) {
                        fprintf(out, "%s%s%.*s", *first ? "" : " ", sign, (int) n, p);
                        *first = false;
                }
                p += n + (p[n] == DATASET_LIST_SEP);
        }
}

char *change_column_text(const ModelTable *t, const ColumnChange *cc, bool full) {
        const ModelColumn *col = cc->column < t->n_columns ? &t->columns[cc->column] : NULL;
        const char *name = col ? col->name : "?";
        if (col && column_type_is_list(col->type)) {
                char *s = NULL;
                size_t size = 0;
                FILE *out = open_memstream(&s, &size);
                if (!out)
                        return NULL;
                bool first = true;
                fprintf(out, "%s: ", name);
                list_difference(out, cc->new_value, cc->old_value, "+", &first);
                list_difference(out, cc->old_value, cc->new_value, "-", &first);
                if (first) /* same items, another order */
                        fprintf(out, "order changed");
                if (fclose(out) != 0)
                        return mfree(s);
                return s;
        }
        _cleanup_free_ char *old_value = change_shown_value(cc->old_value, full);
        _cleanup_free_ char *new_value = change_shown_value(cc->new_value, full);
        if (!old_value || !new_value)
                return NULL;
        return strdup_printf("%s: %s → %s", name, old_value, new_value);
}
