/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>

#include "quality.h"
#include "diff.h"
#include "suggest.h"
#include "validate.h"

typedef struct Validator {
        Dataset *d;
        const Vocabularies *v;
        const char *node;
        Findings *findings;
        int persons, networks, biobanks, collections, facts; /* table indexes, -1 when absent */
} Validator;

static int report(Validator *vd, Severity sev, const char *code, size_t table, Row *row, int column, const char *fmt,
                  ...) _printf_(7, 8);
static int report(Validator *vd, Severity sev, const char *code, size_t table, Row *row, int column, const char *fmt,
                  ...) {
        const ModelTable *t = &vd->d->model->tables[table];
        Location at = column >= 0 ? dataset_cell_location(row, (size_t) column) : row->origin;
        const Location *loc = &at;
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(vd->findings, sev, code, t->name, row->id, column >= 0 ? t->columns[column].name : NULL,
                              loc && loc->file ? loc : NULL, fmt, ap);
        va_end(ap);
        if (sev == SEVERITY_ERROR)
                row->flags |= ROW_HAS_ERROR;
        return r;
}

#define REPORT(...)                                     \
        do {                                            \
                int _r = report(__VA_ARGS__);           \
                if (_r < 0)                             \
                        return _r;                      \
        } while (0)

/* 1 to 18 digits and nothing else: a whole number parse_int() reads without strtoll(). */
static bool is_plain_count(const char *s) {
        size_t n = 0;
        while (n < 18 && s[n] >= '0' && s[n] <= '9')
                n++;
        return n > 0 && s[n] == 0;
}

static bool parse_int(const char *s, long long *ret) {
        if (!s || !*s)
                return false;
        /* Up to 18 plain digits, nearly every count: read directly (what strtoll() gives them). */
        long long digits = 0;
        size_t n = 0;
        while (n < 18 && s[n] >= '0' && s[n] <= '9')
                digits = digits * 10 + (s[n++] - '0');
        if (s[n] == 0) {
                *ret = digits;
                return true;
        }
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || *end)
                return false;
        *ret = v;
        return true;
}

/* ---- value syntax ---- */

static bool email_is_valid(const char *s) {
        const char *at = strchr(s, '@');
        if (!at || at == s || strchr(at + 1, '@'))
                return false;
        for (const char *p = s; *p; p++)
                if (isspace((unsigned char) *p) || *p == ',' || *p == ';')
                        return false;
        const char *dot = strrchr(at + 1, '.');
        return dot && dot > at + 1 && dot[1] != 0;
}

static bool hyperlink_is_valid(const char *s) {
        const char *rest = startswith(s, "https://");
        if (!rest)
                rest = startswith(s, "http://");
        if (!rest || !*rest || *rest == '/')
                return false;
        for (const char *p = rest; *p; p++)
                if (isspace((unsigned char) *p))
                        return false;
        return true;
}

static bool date_is_valid(const char *s) {
        int y, m, d;
        char extra;
        if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
                return false;
        static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
                return false;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return !(m == 2 && d == 29 && !leap);
}

static bool datetime_is_valid(const char *s) {
        /* yyyy-mm-ddThh:mm[:ss[.fff]][Z|±hh[:]mm] */
        char date[11];
        if (strlen(s) < 16 || (s[10] != 'T' && s[10] != ' '))
                return false;
        memcpy(date, s, 10);
        date[10] = 0;
        if (!date_is_valid(date))
                return false;
        const char *p = s + 11;
        if (!isdigit((unsigned char) p[0]) || !isdigit((unsigned char) p[1]) || p[2] != ':' ||
            !isdigit((unsigned char) p[3]) || !isdigit((unsigned char) p[4]))
                return false;
        p += 5;
        if (*p == ':') {
                if (!isdigit((unsigned char) p[1]) || !isdigit((unsigned char) p[2]))
                        return false;
                p += 3;
                if (*p == '.')
                        for (p++; isdigit((unsigned char) *p); p++)
                                ;
        }
        if (*p == 0 || streq(p, "Z"))
                return true;
        if (*p != '+' && *p != '-')
                return false;
        p++;
        size_t digits = 0;
        for (; *p; p++)
                if (isdigit((unsigned char) *p))
                        digits++;
                else if (*p != ':')
                        return false;
        return digits == 4;
}

/* ---- model rules ---- */

/* The id patterns' two fixed forms: validate.h. */
typedef ValidateIdForm IdForm;

static bool is_ascii_alnum(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool in_local_class(char c) { /* [A-Za-z0-9_] */
        return is_ascii_alnum(c) || c == '_';
}

static bool in_segment_class(char c) { /* [-A-Za-z0-9_] */
        return in_local_class(c) || c == '-';
}

static bool in_rest_class(char c) { /* [-A-Za-z0-9_:] */
        return in_segment_class(c) || c == ':';
}

static size_t literal_span(const char *s) {
        size_t n = 0;
        while (in_rest_class(s[n]))
                n++;
        return n;
}

static IdForm id_form(const char *pattern) {
        static const char local_tail[] = "[A-Za-z0-9_]+_[-A-Za-z0-9_:]+$";
        static const char nested_head[] = "[-A-Za-z0-9_]+_[-A-Za-z0-9_]+";
        static const char nested_tail[] = "[-A-Za-z0-9_:]+$";
        IdForm regex = { .shape = VALIDATE_ID_SHAPE_REGEX };
        if (!pattern || pattern[0] != '^')
                return regex;
        const char *prefix = pattern + 1;
        size_t n = literal_span(prefix);
        if (streq(prefix + n, local_tail))
                return (IdForm) { .shape = VALIDATE_ID_SHAPE_LOCAL, .prefix = prefix, .prefix_len = n };
        const char *infix = startswith(prefix + n, nested_head);
        size_t m = infix ? literal_span(infix) : 0;
        if (m == 0 || infix[0] != ':' || !streq(infix + m, nested_tail))
                return regex;
        return (IdForm) { .shape = VALIDATE_ID_SHAPE_NESTED, .prefix = prefix, .prefix_len = n, .infix = infix, .infix_len = m };
}

/* The characters ids may have: A-Z, a-z, 0-9, ':', '_', '-' (bytes: the C locale's isalnum()). */
static const bool id_chars[256] = {
        ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true, [':'] = true, ['_'] = true, ['-'] = true,
};

bool validate_id_scan(const char *id, size_t *ret_len, bool *ret_empty_segment) {
        /* One pass for the length, the characters and "::" (the rules' three looks at every id). */
        bool empty = false;
        size_t n = 0;
        for (unsigned char c; (c = (unsigned char) id[n]); n++) {
                if (!id_chars[c])
                        return false;
                empty |= c == ':' && n > 0 && id[n - 1] == ':';
        }
        *ret_len = n;
        *ret_empty_segment = empty;
        return true;
}

/* s[0..n) is A_B with A, B non-empty, A of in_a, B of the id characters (s's are: in_a is a
 * subset of them, with '_'). */
static bool split_at_underscore(const char *s, size_t n, bool (*in_a)(char)) {
        /* The first '_' after A's first character, within A's class, leaves B the most. */
        for (size_t k = 1; k + 1 < n && in_a(s[k]); k++)
                if (s[k] == '_')
                        return in_a(s[0]);
        return false;
}

bool validate_id_form_matches_scanned(const ModelTable *t, const ValidateIdForm *form, const char *id, size_t n) {
        /* The forms' classes are all within the id characters, which id has only: what is left to
         * test is where the literals and the '_' are. */
        if (form->shape == VALIDATE_ID_SHAPE_REGEX)
                return regexec(&t->id_regex, id, 0, NULL, 0) == 0;
        if (n < form->prefix_len || memcmp(id, form->prefix, form->prefix_len) != 0)
                return false;
        const char *rest = id + form->prefix_len;
        size_t m = n - form->prefix_len;
        if (form->shape == VALIDATE_ID_SHAPE_LOCAL)
                return split_at_underscore(rest, m, in_local_class);
        /* The parent's part has no ':', so it ends at the first one, where S must follow (and then
         * the row's own part, of at least one character). */
        const char *colon = memchr(rest, ':', m);
        size_t j = colon ? (size_t) (colon - rest) : m;
        return split_at_underscore(rest, j, in_segment_class) && m - j > form->infix_len &&
               memcmp(rest + j, form->infix, form->infix_len) == 0;
}

ValidateIdForm validate_id_form(const ModelTable *t) {
        return id_form(t->id_pattern);
}

bool validate_id_matches(const ModelTable *t, const char *id) {
        IdForm form = id_form(t->id_pattern);
        size_t n;
        bool empty;
        /* The fixed forms allow the id characters only; another pattern is regexec()'s to judge. */
        if (!validate_id_scan(id, &n, &empty))
                return form.shape == VALIDATE_ID_SHAPE_REGEX && regexec(&t->id_regex, id, 0, NULL, 0) == 0;
        return validate_id_form_matches_scanned(t, &form, id, n);
}

static int check_id(Validator *vd, size_t table, const IdForm *form, Row *row) {
        const ModelTable *t = &vd->d->model->tables[table];
        int idc = (int) t->id_column;
        /* BBMRI-ERIC's ValidateIDs checks of characters and empty segments are server rules here: an
         * error under their id where they have one (VID:BBCharsInvalid, ...), IdCharsInvalid elsewhere */
        const char *kind = (int) table == vd->biobanks    ? "BB"
                           : (int) table == vd->collections ? "Coll"
                           : (int) table == vd->persons     ? "Ct"
                           : (int) table == vd->networks    ? "Net"
                                                             : NULL;
        char code[32];
        size_t n;
        bool empty_segment;
        if (!validate_id_scan(row->id, &n, &empty_segment)) {
                snprintf(code, sizeof code, "VID:%sCharsInvalid", kind ?: "");
                REPORT(vd, SEVERITY_ERROR, kind ? code : "IdCharsInvalid", table, row, idc,
                       "id '%s' has a character outside A-Z, a-z, 0-9, ':', '_', '-'", row->id);
                return 0;
        }
        if (empty_segment) {
                snprintf(code, sizeof code, "VID:%sEmptySeg", kind ?: "");
                REPORT(vd, SEVERITY_ERROR, kind ? code : "IdEmptySeg", table, row, idc, "id '%s' has an empty segment '::'", row->id);
        }
        if (!validate_id_form_matches_scanned(t, form, row->id, n))
                REPORT(vd, SEVERITY_ERROR, "id-pattern", table, row, idc, "%s (id '%s')", t->id_message ?: "invalid id",
                       row->id);
        /* The node code, compared where it is; a code of 16 characters or more is no node's. */
        size_t len;
        const char *at = directory_id_node_at(row->id, &len);
        if (!at || len >= 16 || (strncmp(at, vd->node, len) == 0 && vd->node[len] == 0))
                return 0;
        bool eu_allowed = (int) table == vd->persons || (int) table == vd->networks;
        if (eu_allowed && ((len == 2 && memcmp(at, "EU", 2) == 0) || (len == 3 && memcmp(at, "EXT", 3) == 0)))
                return 0;
        REPORT(vd, SEVERITY_ERROR, "id-node", table, row, idc, "id '%s' belongs to node '%.*s', not to '%s'", row->id,
               (int) len, at, vd->node);
        return 0;
}

static int check_value(Validator *vd, size_t table, Row *row, size_t c, const char *value, size_t len) {
        const ModelTable *t = &vd->d->model->tables[table];
        const ModelColumn *column = &t->columns[c];
        char small[512];
        _cleanup_free_ char *big = NULL;
        const char *v = value;
        if (value[len] != 0 && value[len] != DATASET_LIST_SEP)
                return 0;
        if (value[len] == DATASET_LIST_SEP) {
                if (len < sizeof small) {
                        memcpy(small, value, len);
                        small[len] = 0;
                        v = small;
                } else {
                        big = strndup(value, len);
                        if (!big)
                                return -ENOMEM;
                        v = big;
                }
        }
        long long ignored;
        switch (column->type) {
        case COLUMN_INT:
                if (!parse_int(v, &ignored))
                        REPORT(vd, SEVERITY_ERROR, "wrong-type", table, row, (int) c, "'%s' must be a whole number, not '%s'",
                               column->name, v);
                break;
        case COLUMN_BOOL:
                if (!streq(v, "true") && !streq(v, "false"))
                        REPORT(vd, SEVERITY_ERROR, "wrong-type", table, row, (int) c, "'%s' must be true or false, not '%s'",
                               column->name, v);
                break;
        case COLUMN_EMAIL:
                if (!email_is_valid(v))
                        REPORT(vd, SEVERITY_ERROR, "EmailInvalid", table, row, (int) c, "'%s' is not an e-mail address", v);
                break;
        case COLUMN_HYPERLINK:
                if (!hyperlink_is_valid(v))
                        REPORT(vd, SEVERITY_ERROR, "URLInvalid", table, row, (int) c,
                               "'%s' is not an http:// or https:// link", v);
                break;
        case COLUMN_DATE:
                if (!date_is_valid(v))
                        REPORT(vd, SEVERITY_ERROR, "wrong-type", table, row, (int) c, "'%s' is not a date (yyyy-mm-dd)", v);
                break;
        case COLUMN_DATETIME:
                if (!datetime_is_valid(v))
                        REPORT(vd, SEVERITY_ERROR, "wrong-type", table, row, (int) c,
                               "'%s' is not a date and time (yyyy-mm-ddThh:mm:ss+hhmm)", v);
                break;
        case COLUMN_REF:
        case COLUMN_REF_ARRAY:
        case COLUMN_ONTOLOGY:
        case COLUMN_ONTOLOGY_ARRAY:
                if (column->ontology && streq(v, "*") && column->takes_any)
                        break; /* a fact sheet's any value */
                if (column->ontology) {
                        VocabAnswer answer = vocab_check(vd->v, column->ontology, v);
                        if (answer == VOCAB_MEMBER && streq(v, "*"))
                                REPORT(vd, SEVERITY_WARNING, "any-value", table, row, (int) c,
                                       "'*' stands for any value in a fact sheet; list the values themselves");
                        if (answer == VOCAB_NOT_MEMBER) {
                                /* BBMRI-ERIC's CC:DiagRange; the range is refused anyway, so the
                                 * error kind wins and the quality check leaves this value alone */
                                if (vocab_is_diagnosis_range(column->ontology, v))
                                        REPORT(vd, SEVERITY_ERROR, "CC:DiagRange", table, row, (int) c,
                                               "'%s' is a range of codes; list the codes themselves", v);
                                else
                                        REPORT(vd, SEVERITY_ERROR, "vocabulary", table, row, (int) c,
                                               "'%s' is not a term of the Directory's %s", v, column->ontology);
                        }
                }
                /* A reference to a row of the dataset is checked where the blocking walk resolves
                 * it anyway (dangling_reference()): one look-up per reference, not two. */
                break;
        default:
                break;
        }
        return 0;
}

/* Cells that passed, per column: short values are shared between cells (the dataset interns
 * them), and every check of a cell depends only on its text and the column, so a value seen good
 * once is good again. 400,000 fact rows repeat a few dozen sexes, materials and collections. */
#define VALIDATE_GOOD_CACHE 64u

static size_t findings_total(const Findings *f) {
        return f->n_errors + f->n_warnings + f->n_infos;
}

/* Whether check_value() looks at a value of column at all (it says nothing on the other types,
 * and references are the walk's): keep with check_value(). */
static bool value_is_checked(const ModelColumn *column) {
        switch (column->type) {
        case COLUMN_INT:
        case COLUMN_BOOL:
        case COLUMN_EMAIL:
        case COLUMN_HYPERLINK:
        case COLUMN_DATE:
        case COLUMN_DATETIME:
                return true;
        case COLUMN_REF:
        case COLUMN_REF_ARRAY:
        case COLUMN_ONTOLOGY:
        case COLUMN_ONTOLOGY_ARRAY:
                return column->ontology != NULL;
        default:
                return false;
        }
}

static int check_model_rules(Validator *vd, size_t table) {
        const ModelTable *t = &vd->d->model->tables[table];
        DatasetTable *dt = &vd->d->tables[table];
        /* Per column: good values by address, then by text (equal cells are not always one copy:
         * at 10x the facts' terms missed the first cache 200,000 times). */
        _cleanup_free_ const char **good = calloc(t->n_columns * 2 * VALIDATE_GOOD_CACHE, sizeof(char *));
        if (!good)
                return -ENOMEM;
        IdForm form = id_form(t->id_pattern);
        /* The columns a row is checked in: the node's own, but the id; whether their values are. */
        _cleanup_free_ size_t *checked = calloc(t->n_columns ?: 1, sizeof(size_t));
        _cleanup_free_ bool *values_checked = calloc(t->n_columns ?: 1, sizeof(bool));
        if (!checked || !values_checked)
                return -ENOMEM;
        size_t n_checked = 0;
        for (size_t c = 0; c < t->n_columns; c++)
                if (c != t->id_column && t->columns[c].node_owned) {
                        values_checked[n_checked] = value_is_checked(&t->columns[c]);
                        checked[n_checked++] = c;
                }
        for (size_t i = 0; i < dt->n_rows; i++) {
                Row *row = dt->rows[i];
                int r = check_id(vd, table, &form, row);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < n_checked; k++) {
                        size_t c = checked[k];
                        const ModelColumn *column = &t->columns[c];
                        const char *value = row->cells[c];
                        if (!value) {
                                /* A value given but refused (misspelt field, wrong type, unmapped
                                 * term) was reported where it was refused: once is enough. */
                                if (column->required && !dataset_cell_refused(vd->d, row, c))
                                        REPORT(vd, SEVERITY_ERROR, "required", table, row, -1,
                                               "required field '%s' is missing", column->name);
                                continue;
                        }
                        if (!values_checked[k])
                                continue;
                        const char **slot = &good[c * 2 * VALIDATE_GOOD_CACHE +
                                                  (((uintptr_t) value >> 4) & (VALIDATE_GOOD_CACHE - 1))];
                        if (*slot == value)
                                continue;
                        /* Counts (two in every fact row) seldom repeat: a plain number is what
                         * check_value() takes without a word, told here. */
                        if (column->type == COLUMN_INT && is_plain_count(value))
                                continue;
                        size_t len = strlen(value);
                        const char **same = &good[c * 2 * VALIDATE_GOOD_CACHE + VALIDATE_GOOD_CACHE +
                                                  (hash_bytes(value, len) & (VALIDATE_GOOD_CACHE - 1))];
                        if (*same && streq(*same, value)) {
                                *slot = value;
                                continue;
                        }
                        size_t before = findings_total(vd->findings);
                        if (column_type_is_list(column->type)) {
                                const char *state = value, *item;
                                size_t n;
                                while (dataset_list_next(&state, &item, &n))
                                        if ((r = check_value(vd, table, row, c, item, n)) < 0)
                                                return r;
                        } else if ((r = check_value(vd, table, row, c, value, len)) < 0)
                                return r;
                        if (findings_total(vd->findings) == before)
                                *slot = *same = value;
                }
        }
        return 0;
}

/* ---- blocking ---- */

/* The walk keeps its state in the rows' scratch flags and finds targets through the dataset's own
 * id index: no second index of 400,000 ids. */
#define BLOCKER_MEMO_SLOTS 1024u
/* Rows of a table are walked with their single references hashed BLOCKER_AHEAD rows ahead and
 * the targets' index slots, then (half as far ahead) rows, brought into the cache meanwhile: the
 * 800,000 facts of a 20x node name 72,000 collections in no order, and one look-up after the
 * other waited for memory (the walk took 0.14 s at 20x, 0.11 s with the look-ahead). */
#define BLOCKER_AHEAD 16u
#define BLOCKER_RING (2 * BLOCKER_AHEAD) /* hashes of the rows from the walk's to the newest */
#define BLOCKER_AHEAD_REFS 4u

typedef struct Blocker {
        Dataset *d;
        Findings *findings;     /* NULL: a quiet walk (validate_propagate_blocking()) */
        const char *node;
        ForeignRefs *foreign;   /* references to other nodes' rows set aside, or NULL */
        /* Reference cell -> the row it names: fact rows name the same collection over and over,
         * and equal short cells share one pointer. */
        struct {
                const char *cell;
                size_t target;
                Row *row;
        } memo[BLOCKER_MEMO_SLOTS];
        /* The walk's look-ahead: the table's single-reference columns and, per row in flight,
         * their cells' hashes. */
        size_t ahead_columns[BLOCKER_AHEAD_REFS], n_ahead_columns;
        uint32_t ahead_hashes[BLOCKER_RING][BLOCKER_AHEAD_REFS];
        const Row *current; /* the row the walk is at: its hashes are ahead_hashes[current_slot] */
        size_t current_slot;
        /* Per table t, the columns the walk follows: followed[followed_at[t] .. followed_at[t + 1]),
         * not every column of every row asked again. */
        size_t *followed, *followed_at;
} Blocker;

/* A reference the walk follows: to a table of the node's own, not to a lookup table. */
static bool is_followed_reference(const ModelColumn *column) {
        return column->node_owned && !column->ontology && column->ref_table && column->ref_table_index >= 0;
}

static bool is_single_reference(const ModelColumn *column) {
        return is_followed_reference(column) && !column_type_is_list(column->type);
}

/* The hash of a single reference cell: taken ahead for the row the walk is at. */
static uint32_t reference_hash(const Blocker *b, const Row *row, size_t c) {
        if (row == b->current)
                for (size_t k = 0; k < b->n_ahead_columns; k++)
                        if (b->ahead_columns[k] == c)
                                return b->ahead_hashes[b->current_slot][k];
        return dataset_id_hash(row->cells[c]);
}

/* Hashes row i's single references and asks for their slots; asks for the targets of the row
 * hashed BLOCKER_AHEAD / 2 rows before. */
static void look_ahead(Blocker *b, const ModelTable *t, const DatasetTable *dt, size_t i) {
        if (i < dt->n_rows) {
                const Row *row = dt->rows[i];
                for (size_t k = 0; k < b->n_ahead_columns; k++) {
                        size_t c = b->ahead_columns[k];
                        uint32_t h = row->cells[c] ? dataset_id_hash(row->cells[c]) : 0;
                        b->ahead_hashes[i % BLOCKER_RING][k] = h;
                        if (row->cells[c])
                                dataset_prefetch_slot(b->d, (size_t) t->columns[c].ref_table_index, h);
                }
        }
        if (i < BLOCKER_AHEAD / 2)
                return;
        size_t j = i - BLOCKER_AHEAD / 2;
        if (j < dt->n_rows)
                for (size_t k = 0; k < b->n_ahead_columns; k++) {
                        size_t c = b->ahead_columns[k];
                        if (dt->rows[j]->cells[c])
                                dataset_prefetch_row(b->d, (size_t) t->columns[c].ref_table_index,
                                                     b->ahead_hashes[j % BLOCKER_RING][k]);
                }
}

static int visit(Blocker *b, size_t table, Row *row, bool *ret_blocked);

/* A reference whose target the master does not define: an error of the referencing row. */
static int dangling_reference(Blocker *b, size_t table, Row *row, size_t c, const char *target_id) {
        const ModelTable *t = &b->d->model->tables[table];
        const ModelColumn *column = &t->columns[c];
        Location at = dataset_cell_location(row, c);
        row->flags |= ROW_HAS_ERROR;
        /* The id meant, when the table is small enough to compare with (a typo in a contact): the
         * local parts compared, after the "bbmri-eric:contactID:BE_" both share. */
        const char *us = startswith(target_id, "bbmri-eric:") ? strchr(target_id, '_') : NULL;
        size_t shared = us ? (size_t) (us + 1 - target_id) : 0;
        Suggestion s;
        suggestion_init(&s, target_id + shared);
        const DatasetTable *target = &b->d->tables[column->ref_table_index];
        for (size_t i = 0; target->n_rows <= LIMIT_SUGGEST_ROWS && i < target->n_rows; i++)
                if (strncmp(target->rows[i]->id, target_id, shared) == 0)
                        suggestion_offer(&s, target->rows[i]->id + shared);
        const char *meant = suggestion_best(&s) ? suggestion_best(&s) - shared : NULL;
        return findings_add(b->findings, SEVERITY_ERROR, "dangling-reference", t->name, row->id, column->name,
                            at.file ? &at : NULL, "'%s' refers to %s '%s', which the master does not define%s%s%s",
                            column->name, column->ref_table, target_id, meant ? "; did you mean '" : "", meant ?: "",
                            meant ? "'?" : "");
}

/* Follows one reference: the target's blocked state, or a dangling-reference error. */
static int follow(Blocker *b, size_t table, Row *row, size_t c, size_t target, const char *id, Row *to,
                  bool *ret_blocked) {
        *ret_blocked = false;
        if (!to && !b->findings)
                return 0; /* reported by the first walk, and the row has its error */
        if (!to && b->foreign && foreign_id_is_other_node(id, b->node))
                return foreign_refs_add(b->foreign, table, row, c, target, id);
        if (!to) {
                int r = dangling_reference(b, table, row, c, id);
                if (r < 0)
                        return r;
                *ret_blocked = true;
                return 0;
        }
        return visit(b, target, to, ret_blocked);
}

static int visit(Blocker *b, size_t table, Row *row, bool *ret_blocked) {
        if (row->flags & ROW_SCRATCH_DONE) {
                *ret_blocked = row->flags & ROW_BLOCKED;
                return 0;
        }
        if (row->flags & ROW_SCRATCH_ACTIVE) {
                /* A reference cycle (a collection among its own parents): report it on this row. */
                Location *loc = row->origin.file ? &row->origin : NULL;
                row->flags |= ROW_HAS_ERROR | ROW_BLOCKED;
                *ret_blocked = true;
                if (!b->findings)
                        return 0;
                int r = findings_add(b->findings, SEVERITY_ERROR, "reference-cycle", b->d->model->tables[table].name,
                                     row->id, NULL, loc, "'%s' refers to itself through a chain of references", row->id);
                return r;
        }
        row->flags |= ROW_SCRATCH_ACTIVE;
        bool blocked = row->flags & (ROW_HAS_ERROR | ROW_BLOCKED);
        const ModelTable *t = &b->d->model->tables[table];
        /* Every reference is followed even once the row is blocked, so that a cycle through a
         * row with errors is still found; each row is visited once, so this stays linear. */
        for (size_t f = b->followed_at[table]; f < b->followed_at[table + 1]; f++) {
                size_t c = b->followed[f];
                const ModelColumn *column = &t->columns[c];
                if (!row->cells[c])
                        continue;
                int target = column->ref_table_index;
                const char *cell = row->cells[c];
                bool tb = false;
                int r;
                if (!column_type_is_list(column->type)) {
                        size_t k = ((uintptr_t) cell >> 3) & (BLOCKER_MEMO_SLOTS - 1);
                        if (b->memo[k].cell != cell || b->memo[k].target != (size_t) target) {
                                b->memo[k].cell = cell;
                                b->memo[k].target = (size_t) target;
                                b->memo[k].row = dataset_find_hashed(b->d, (size_t) target, cell,
                                                                     reference_hash(b, row, c));
                        }
                        r = follow(b, table, row, c, (size_t) target, cell, b->memo[k].row, &tb);
                        if (r < 0)
                                return r;
                        blocked = blocked || tb;
                        continue;
                }
                const char *state = cell, *item;
                size_t n;
                while (dataset_list_next(&state, &item, &n)) {
                        char buf[256];
                        _cleanup_free_ char *big = NULL;
                        const char *id = buf;
                        if (n < sizeof buf) {
                                memcpy(buf, item, n);
                                buf[n] = 0;
                        } else if (!(id = big = strndup(item, n)))
                                return -ENOMEM;
                        r = follow(b, table, row, c, (size_t) target, id, dataset_find(b->d, (size_t) target, id), &tb);
                        if (r < 0)
                                return r;
                        blocked = blocked || tb;
                }
        }
        if (blocked)
                row->flags |= ROW_BLOCKED;
        row->flags = (row->flags & ~ROW_SCRATCH_ACTIVE) | ROW_SCRATCH_DONE;
        *ret_blocked = blocked;
        return 0;
}

static int propagate(Dataset *d, const char *node, ForeignRefs *foreign, Findings *findings) {
        _cleanup_free_ Blocker *b = calloc(1, sizeof(Blocker));
        if (!b)
                return -ENOMEM;
        b->d = d;
        b->findings = findings;
        b->node = node;
        b->foreign = foreign;
        size_t n_columns = 0;
        for (size_t t = 0; t < d->model->n_tables; t++)
                n_columns += d->model->tables[t].n_columns;
        _cleanup_free_ size_t *followed = b->followed = malloc((n_columns ?: 1) * sizeof(size_t));
        _cleanup_free_ size_t *followed_at = b->followed_at = malloc((d->model->n_tables + 1) * sizeof(size_t));
        if (!followed || !followed_at)
                return -ENOMEM;
        size_t n_followed = 0;
        for (size_t t = 0; t < d->model->n_tables; t++) {
                const ModelTable *mt = &d->model->tables[t];
                b->followed_at[t] = n_followed;
                for (size_t c = 0; c < mt->n_columns; c++)
                        if (is_followed_reference(&mt->columns[c]))
                                b->followed[n_followed++] = c;
        }
        b->followed_at[d->model->n_tables] = n_followed;
        int r = 0;
        for (size_t t = 0; t < d->model->n_tables && r >= 0; t++) {
                const ModelTable *mt = &d->model->tables[t];
                const DatasetTable *dt = &d->tables[t];
                b->n_ahead_columns = 0;
                for (size_t c = 0; c < mt->n_columns && b->n_ahead_columns < BLOCKER_AHEAD_REFS; c++)
                        if (is_single_reference(&mt->columns[c]))
                                b->ahead_columns[b->n_ahead_columns++] = c;
                for (size_t i = 0; i < BLOCKER_AHEAD; i++)
                        look_ahead(b, mt, dt, i);
                for (size_t i = 0; i < dt->n_rows && r >= 0; i++) {
                        look_ahead(b, mt, dt, i + BLOCKER_AHEAD);
                        b->current = dt->rows[i];
                        b->current_slot = i % BLOCKER_RING;
                        bool ignored;
                        r = visit(b, t, dt->rows[i], &ignored);
                }
                b->current = NULL;
        }
        for (size_t t = 0; t < d->model->n_tables; t++)
                for (size_t i = 0; i < d->tables[t].n_rows; i++)
                        d->tables[t].rows[i]->flags &= ~(ROW_SCRATCH_ACTIVE | ROW_SCRATCH_DONE);
        return r;
}


/* The quality checks, family by family, on a thread of its own and, once the rules and the
 * reference walk are done, here too: each thread takes the next family not yet taken, the
 * costliest first, into that family's own findings (merged in the families' order). */
typedef struct QualityWorker {
        pthread_t thread;
        const Dataset *d;
        const Vocabularies *v;
        const QualityOptions *options;
        pthread_mutex_t lock;
        pthread_cond_t ready;
        bool prepared;           /* under lock: checks (or prepare_error) is set */
        QualityPrepared *checks;
        int prepare_error;
        atomic_size_t next_family;
        Findings *findings;      /* one per family */
        size_t n_families;
        atomic_int error;
} QualityWorker;

static void quality_take_families(QualityWorker *w) {
        for (size_t k; (k = atomic_fetch_add(&w->next_family, 1)) < w->n_families;) {
                size_t f = quality_family_by_cost(k);
                int r = f < w->n_families ? quality_check_family(w->checks, f, &w->findings[f]) : -EINVAL;
                if (r < 0) {
                        atomic_store(&w->error, r);
                        atomic_store(&w->next_family, w->n_families); /* the rest is not worth it */
                }
        }
}

static void *quality_worker(void *userdata) {
        QualityWorker *w = userdata;
        QualityPrepared *checks = NULL;
        int r = quality_prepare(w->d, w->v, w->options, &checks);
        pthread_mutex_lock(&w->lock);
        w->checks = checks;
        w->prepare_error = r;
        w->prepared = true;
        pthread_cond_broadcast(&w->ready);
        pthread_mutex_unlock(&w->lock);
        if (r >= 0)
                quality_take_families(w);
        return NULL;
}

/* Here, after the rules and the walk: what is left of the families. */
static int quality_help(QualityWorker *w) {
        pthread_mutex_lock(&w->lock);
        while (!w->prepared)
                pthread_cond_wait(&w->ready, &w->lock);
        pthread_mutex_unlock(&w->lock);
        if (w->prepare_error < 0)
                return w->prepare_error;
        quality_take_families(w);
        return 0;
}

int validate_dataset_deferring(Dataset *d, const Vocabularies *v, const QualityOptions *options, ForeignRefs *foreign,
                               Findings *findings) {
        const char *node = options->node;
        Validator vd = {
                .d = d,
                .v = v,
                .node = node,
                .findings = findings,
                .persons = model_table_index(d->model, "Persons"),
                .networks = model_table_index(d->model, "Networks"),
                .biobanks = model_table_index(d->model, "Biobanks"),
                .collections = model_table_index(d->model, "Collections"),
                .facts = model_table_index(d->model, "CollectionFacts"),
        };
        /* The quality checks only read the rows' cells (the rules and the reference walk mark the
         * rows' flags, which the checks never read): on a second thread, and here too once the
         * rules and the walk are done. The findings go in as if in sequence: the rules', the
         * quality checks' family by family, then the walk's. */
        QualityWorker w = { .d = d, .v = v, .options = options, .n_families = quality_family_count() };
        w.findings = calloc(w.n_families ?: 1, sizeof(Findings));
        if (!w.findings)
                return -ENOMEM;
        for (size_t f = 0; f < w.n_families; f++)
                findings_init(&w.findings[f]);
        Findings all_quality, walked;
        findings_init(&all_quality);
        findings_init(&walked);
        bool apart = pthread_mutex_init(&w.lock, NULL) == 0;
        if (apart && pthread_cond_init(&w.ready, NULL) != 0) {
                pthread_mutex_destroy(&w.lock);
                apart = false;
        }
        bool started = apart && pthread_create(&w.thread, NULL, quality_worker, &w) == 0;
        int r = 0;
        for (size_t t = 0; r >= 0 && t < d->model->n_tables; t++)
                r = check_model_rules(&vd, t);
        if (started) {
                if (r >= 0)
                        r = propagate(d, node, foreign, &walked);
                int k = r >= 0 ? quality_help(&w) : 0;
                (void) pthread_join(w.thread, NULL);
                if (r >= 0)
                        r = k < 0 ? k : atomic_load(&w.error);
                quality_prepared_free(w.checks);
        } else if (r >= 0)
                r = quality_check_dataset(d, v, options, &all_quality);
        if (apart) {
                pthread_cond_destroy(&w.ready);
                pthread_mutex_destroy(&w.lock);
        }
        for (size_t f = 0; r >= 0 && f < w.n_families; f++)
                r = findings_move_within_limits(findings, &w.findings[f]);
        if (r >= 0)
                r = findings_move_within_limits(findings, &all_quality);
        if (r >= 0 && !started)
                r = propagate(d, node, foreign, &walked);
        if (r >= 0)
                r = findings_move_within_limits(findings, &walked);
        for (size_t f = 0; f < w.n_families; f++)
                findings_done(&w.findings[f]);
        free(w.findings);
        findings_done(&all_quality);
        findings_done(&walked);
        return r;
}

int validate_dataset_with(Dataset *d, const Vocabularies *v, const QualityOptions *options, Findings *findings) {
        return validate_dataset_deferring(d, v, options, NULL, findings);
}

int validate_propagate_blocking(Dataset *d) {
        return propagate(d, NULL, NULL, NULL);
}

int validate_dataset(Dataset *d, const Vocabularies *v, const char *node, Findings *findings) {
        return validate_dataset_with(d, v, &(QualityOptions) { .node = node }, findings);
}
