/* SPDX-License-Identifier: MIT */
#include "answer-check.h"
#include "csv.h"

bool answer_is_whole(const char *data, size_t size, bool line_end_at_end) {
        return !answer_is_markup(data, size) && (!line_end_at_end || size == 0 || data[size - 1] == '\n');
}

bool answer_is_markup(const char *data, size_t size) {
        size_t i = 0;
        if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
                i = 3;
        while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
                i++;
        return i < size && data[i] == '<';
}

typedef struct TableCheck {
        const char *const *required;
        size_t n_header;
        bool header_done;
        unsigned bad_line, bad_column;
        char *problem;      /* what is wrong, or NULL */
} TableCheck;

static int check_record(void *userdata, unsigned line, char **fields, size_t n) {
        TableCheck *c = userdata;
        if (!c->header_done) {
                c->header_done = true;
                c->n_header = n;
                for (const char *const *r = c->required; r && *r; r++) {
                        bool found = false;
                        for (size_t i = 0; i < n && !found; i++)
                                found = streq(fields[i], *r);
                        if (!found) {
                                c->bad_line = line;
                                c->bad_column = 1;
                                c->problem = strdup_printf("the answer has no '%s' column: it is not this table", *r);
                                return c->problem ? -EBADMSG : -ENOMEM;
                        }
                }
                return 0;
        }
        if (n == c->n_header)
                return 0;
        c->bad_line = line;
        c->bad_column = (unsigned) (n < c->n_header ? n : c->n_header) + 1;
        c->problem = strdup_printf("a row of %zu field%s under a header of %zu: the answer is cut off or no table", n,
                                   n == 1 ? "" : "s", c->n_header);
        return c->problem ? -EBADMSG : -ENOMEM;
}

static int answer_finding(Findings *findings, Severity severity, const char *label, unsigned line, unsigned column,
                          const char *problem) {
        Location loc = { .file = label, .line = line, .column = column };
        int r = findings_add(findings, severity, "remote-answer", NULL, NULL, NULL, &loc, "%s", problem);
        return r < 0 ? r : -EBADMSG;
}

int answer_check_table(const char *data, size_t size, const char *label, const char *const *required_columns,
                       bool line_end_at_end, Severity severity, Findings *findings) {
        if (answer_is_markup(data, size))
                return answer_finding(findings, severity, label, 1, 1,
                                      "the answer is an HTML or XML page, not CSV (a proxy's or a login page?)");
        if (line_end_at_end && size > 0 && data[size - 1] != '\n') {
                /* Even where the cut fell between two fields and every row looks whole. */
                unsigned line = 1;
                const char *last = data;
                for (const char *p = data; (p = memchr(p, '\n', size - (size_t) (p - data))); p++) {
                        line++;
                        last = p + 1;
                }
                return answer_finding(findings, severity, label, line, (unsigned) (size - (size_t) (last - data)) + 1,
                                      "the answer does not end with a line end: it is cut off");
        }
        TableCheck c = { .required = required_columns };
        /* The parser's own findings (a quote open at the end, invalid UTF-8, ...) say where; they
         * become one finding of the caller's severity. */
        Findings parse;
        findings_init(&parse);
        int r = csv_parse(data, size, label, check_record, &c, &parse);
        if (r == -ENOMEM || (r >= 0 && c.header_done)) {
                free(c.problem);
                findings_done(&parse);
                return r < 0 ? r : 0;
        }
        if (c.problem)
                r = answer_finding(findings, severity, label, c.bad_line, c.bad_column, c.problem);
        else if (r >= 0)
                r = answer_finding(findings, severity, label, 1, 1, "the answer is empty: no header, no table");
        else if (parse.n_items > 0) {
                const Finding *f = &parse.items[0];
                _cleanup_free_ char *text = strdup_printf("%s: the answer is cut off or no table", f->message);
                r = text ? answer_finding(findings, severity, label, f->line, f->column_no, text) : -ENOMEM;
        } else
                r = answer_finding(findings, severity, label, 1, 1, "the answer cannot be read as CSV");
        free(c.problem);
        findings_done(&parse);
        return r;
}

int answer_refused(Findings *dst, const char *label, const Findings *answer, const char *consequence) {
        const Finding *f = answer->n_items > 0 ? &answer->items[0] : NULL;
        bool at = f && f->file;
        Location loc = { .file = at ? f->file : label, .line = at ? f->line : 0, .column = at ? f->column_no : 0 };
        return findings_add(dst, SEVERITY_WARNING, "remote-answer", f ? f->table : NULL, NULL, NULL, &loc, "%s; %s",
                            f ? f->message : "the answer cannot be used", consequence);
}

bool answer_error_is_bad_answer(int r) {
        return r == -EBADMSG || r == -EREMOTEIO || r == -ECONNRESET || r == -EFBIG;
}
