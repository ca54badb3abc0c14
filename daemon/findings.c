/* SPDX-License-Identifier: MIT */
#include "findings.h"
#include "limits.h"

const char *severity_to_string(Severity s) {
        switch (s) {
        case SEVERITY_INFO:
                return "info";
        case SEVERITY_WARNING:
                return "warning";
        case SEVERITY_ERROR:
                return "error";
        case SEVERITY_QUALITY_INFO:
                return "quality info";
        case SEVERITY_QUALITY_WARNING:
                return "quality warning";
        case SEVERITY_QUALITY_ERROR:
                return "quality error";
        case _SEVERITY_MAX:
                break;
        }
        return "unknown";
}

void findings_init(Findings *f) {
        *f = (Findings) {};
}

void findings_done(Findings *f) {
        free(f->items);
        arena_done(&f->strings);
        *f = (Findings) {};
}

/* Whether f, holding n_items, keeps one more finding, else counts it as dropped. Past the limit,
 * only what holds a row back is kept: errors and quality errors of a row, which the quality policy
 * tells apart by row and check (a dropped one would let its row through). */
static bool keeps(Findings *f, size_t n_items, Severity severity, const char *table, const char *id) {
        bool holds_rows = (severity == SEVERITY_ERROR || severity == SEVERITY_QUALITY_ERROR) && table && id;
        if (n_items < LIMIT_FINDINGS || (holds_rows && n_items < LIMIT_FINDINGS_ACTED_ON))
                return true;
        f->n_dropped++;
        if (holds_rows && severity == SEVERITY_QUALITY_ERROR)
                f->n_dropped_quality_errors++;
        return false;
}

int findings_addv(Findings *f, Severity severity, const char *code, const char *table, const char *id,
                  const char *column, const Location *loc, const char *fmt, va_list ap) {
        switch (severity) {
        case SEVERITY_ERROR:
                f->n_errors++;
                break;
        case SEVERITY_WARNING:
                f->n_warnings++;
                break;
        case SEVERITY_INFO:
                f->n_infos++;
                break;
        case SEVERITY_QUALITY_ERROR:
                f->n_quality_errors++;
                break;
        case SEVERITY_QUALITY_WARNING:
                f->n_quality_warnings++;
                break;
        case SEVERITY_QUALITY_INFO:
                f->n_quality_infos++;
                break;
        case _SEVERITY_MAX:
                return -EINVAL;
        }
        if (!keeps(f, f->n_items, severity, table, id))
                return 0;
        if (f->n_items == f->allocated) {
                size_t n = f->allocated ? f->allocated * 2 : 16;
                Finding *items = realloc(f->items, n * sizeof(Finding));
                if (!items)
                        return -ENOMEM;
                f->items = items;
                f->allocated = n;
        }
        /* A run adds tens of thousands of findings: each one's strings are one block of the set's
         * arena, the message (formatted on the stack when short, as nearly all are) first; a table
         * or file named as by the finding before shares its string (which also makes sorting
         * cheaper). */
        char head[256];
        /* Many messages are fixed text, or the text of one argument: told apart without printf. */
        const char *text = !strchr(fmt, '%') ? fmt : NULL;
        if (!text && streq(fmt, "%s"))
                text = va_arg(ap, const char *) ?: "(null)"; /* as glibc prints it */
        size_t m;
        if (text)
                m = strlen(text);
        else {
                va_list aq;
                va_copy(aq, ap);
                int k = vsnprintf(head, sizeof head, fmt, aq);
                va_end(aq);
                if (k < 0)
                        return -ENOMEM;
                m = (size_t) k;
        }
        Finding n = { .severity = severity };
        const char *file = loc ? loc->file : NULL;
        if (table && f->last_table && streq(table, f->last_table)) {
                n.table = f->last_table;
                table = NULL;
        }
        if (file && f->last_file && streq(file, f->last_file)) {
                n.file = f->last_file;
                file = NULL;
        }
        const char *strings[] = { code, table, id, column, file };
        char **fields[] = { &n.code, &n.table, &n.id, &n.column, &n.file };
        size_t lengths[ELEMENTSOF(strings)], total = m + 1;
        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                total += lengths[i] = strings[i] ? strlen(strings[i]) + 1 : 0;
        char *block = arena_alloc(&f->strings, total);
        if (!block)
                return -ENOMEM;
        if (text)
                memcpy(block, text, m + 1);
        else if (m < sizeof head)
                memcpy(block, head, m + 1);
        else
                (void) vsnprintf(block, m + 1, fmt, ap);
        n.message = block;
        char *p = block + m + 1;
        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (strings[i]) {
                        *fields[i] = memcpy(p, strings[i], lengths[i]);
                        p += lengths[i];
                }
        if (n.file) {
                n.line = loc->line;
                n.column_no = loc->column;
        }
        f->last_table = n.table ?: f->last_table;
        f->last_file = n.file ?: f->last_file;
        f->items[f->n_items++] = n;
        return 0;
}

int findings_add(Findings *f, Severity severity, const char *code, const char *table, const char *id,
                 const char *column, const Location *loc, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(f, severity, code, table, id, column, loc, fmt, ap);
        va_end(ap);
        return r;
}

int findings_error_at(Findings *f, const char *code, const Location *loc, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(f, SEVERITY_ERROR, code, NULL, NULL, NULL, loc, fmt, ap);
        va_end(ap);
        return r;
}

int findings_move_within_limits(Findings *dst, Findings *src) {
        size_t n_dropped = src->n_dropped, n_dropped_quality_errors = src->n_dropped_quality_errors;
        Findings kept = {};
        if (src->n_items > 0 && !(kept.items = malloc(src->n_items * sizeof(Finding))))
                return -ENOMEM;
        kept.allocated = src->n_items;
        /* dst's drop counts grow here; its other counts grow by src's as findings_move() adds them */
        for (size_t i = 0; i < src->n_items; i++) {
                Finding *x = &src->items[i];
                if (keeps(dst, dst->n_items + kept.n_items, x->severity, x->table, x->id))
                        kept.items[kept.n_items++] = *x;
        }
        kept.strings = src->strings; /* a dropped finding's strings stay there until findings_done() */
        kept.n_errors = src->n_errors;
        kept.n_warnings = src->n_warnings;
        kept.n_infos = src->n_infos;
        kept.n_quality_errors = src->n_quality_errors;
        kept.n_quality_warnings = src->n_quality_warnings;
        kept.n_quality_infos = src->n_quality_infos;
        kept.n_dropped = n_dropped;
        kept.n_dropped_quality_errors = n_dropped_quality_errors;
        free(src->items);
        *src = (Findings) {};
        return findings_move(dst, &kept);
}

int findings_move(Findings *dst, Findings *src) {
        if (src->n_items > 0 && dst->n_items + src->n_items > dst->allocated) {
                size_t n = dst->n_items + src->n_items;
                Finding *items = realloc(dst->items, (n ? n : 1) * sizeof(Finding));
                if (!items)
                        return -ENOMEM;
                dst->items = items;
                dst->allocated = n;
        }
        if (src->n_items > 0)
                memcpy(dst->items + dst->n_items, src->items, src->n_items * sizeof(Finding));
        arena_adopt(&dst->strings, &src->strings);
        dst->n_items += src->n_items;
        dst->n_errors += src->n_errors;
        dst->n_warnings += src->n_warnings;
        dst->n_infos += src->n_infos;
        dst->n_quality_errors += src->n_quality_errors;
        dst->n_quality_warnings += src->n_quality_warnings;
        dst->n_quality_infos += src->n_quality_infos;
        dst->n_dropped += src->n_dropped;
        dst->n_dropped_quality_errors += src->n_dropped_quality_errors;
        free(src->items);
        *src = (Findings) {};
        return 0;
}

char *finding_format(const Finding *f) {
        const char *sev = severity_to_string(f->severity);
        if (f->file) {
                if (f->column_no > 0)
                        return strdup_printf("%s:%u:%u: %s: %s", f->file, f->line, f->column_no, sev, f->message);
                if (f->line > 0)
                        return strdup_printf("%s:%u: %s: %s", f->file, f->line, sev, f->message);
                return strdup_printf("%s: %s: %s", f->file, sev, f->message);
        }
        return strdup_printf("%s: %s%s%s%s%s%s%s", sev, f->table ?: "", f->table ? " " : "", f->id ?: "",
                             f->table || f->id ? ": " : "", f->column ?: "", f->column ? ": " : "", f->message);
}

static int cmp_str_opt(const char *a, const char *b) {
        if (a == b) /* shared, see findings_addv() */
                return 0;
        if (!a || !b)
                return (a != NULL) - (b != NULL);
        return strcmp(a, b);
}

static int finding_compare(const void *x, const void *y) {
        const Finding *a = x, *b = y;
        int r = cmp_str_opt(a->file, b->file);
        if (r != 0)
                return r;
        if (a->line != b->line)
                return a->line < b->line ? -1 : 1;
        if (a->column_no != b->column_no)
                return a->column_no < b->column_no ? -1 : 1;
        if ((r = cmp_str_opt(a->table, b->table)) != 0)
                return r;
        if ((r = cmp_str_opt(a->id, b->id)) != 0)
                return r;
        if ((r = cmp_str_opt(a->column, b->column)) != 0)
                return r;
        if ((r = cmp_str_opt(a->code, b->code)) != 0)
                return r;
        return cmp_str_opt(a->message, b->message);
}

/* A stable merge sort of pointers with the comparison inlined: glibc's qsort() is the same stable
 * merge sort (so the order is the same) but calls through a pointer and moves whole findings; and
 * halves already in order, common among findings, are told with one comparison. */
static void sort_pointers(const Finding **a, const Finding **tmp, size_t n) {
        if (n <= 8) {
                for (size_t i = 1; i < n; i++) {
                        const Finding *x = a[i];
                        size_t j = i;
                        for (; j > 0 && finding_compare(a[j - 1], x) > 0; j--)
                                a[j] = a[j - 1];
                        a[j] = x;
                }
                return;
        }
        size_t h = n / 2, i = 0, j = h, k = 0;
        sort_pointers(a, tmp, h);
        sort_pointers(a + h, tmp, n - h);
        if (finding_compare(a[h - 1], a[h]) <= 0)
                return;
        memcpy(tmp, a, h * sizeof(*a));
        while (i < h && j < n)
                a[k++] = finding_compare(a[j], tmp[i]) < 0 ? a[j++] : tmp[i++];
        while (i < h)
                a[k++] = tmp[i++];
}

void findings_sort(Findings *f) {
        size_t n = f->n_items;
        if (n < 2)
                return;
        _cleanup_free_ const Finding **order = reallocarray(NULL, n, sizeof(Finding *));
        _cleanup_free_ const Finding **tmp = reallocarray(NULL, n / 2 + 1, sizeof(Finding *));
        Finding *items = reallocarray(NULL, f->allocated, sizeof(Finding));
        if (!order || !tmp || !items) {
                free(items);
                qsort(f->items, n, sizeof(Finding), finding_compare); /* the same order, in place */
                return;
        }
        for (size_t i = 0; i < n; i++)
                order[i] = &f->items[i];
        sort_pointers(order, tmp, n);
        for (size_t i = 0; i < n; i++)
                items[i] = *order[i];
        free(f->items);
        f->items = items;
}
