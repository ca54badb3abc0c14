/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <sys/stat.h>

#include "answer-check.h"
#include "csv.h"
#include "limits.h"
#include "unicode.h"
#include "vocab-builtin.h"
#include "vocab.h"

/* One lookup table, in the one form built-in and loaded tables share: ids and labels as C
 * strings in one block, terms sorted by id, and two orders of the term numbers for the caseless
 * look-ups; everything is found by bisection. A built-in table points into the program's
 * read-only data (vocab-builtin.c) and costs nothing until looked at. */
typedef struct VocabTable {
        const char *name;
        const char *strings;
        const uint32_t *terms;          /* per term: offsets of its id and its label ("" when none) */
        const uint32_t *by_label;       /* term numbers by label, ignoring ASCII case; ties by number */
        const uint32_t *by_id_caseless; /* term numbers by id, ignoring ASCII case */
        size_t n_terms;
        /* What a table loaded from a copy owns (NULL for a built-in one). */
        char *owned_name, *owned_strings;
        uint32_t *owned_index; /* terms, by_label and by_id_caseless in one allocation */
} VocabTable;

struct Vocabularies {
        StrMap *tables; /* name -> VocabTable */
};

static VocabTable *vocab_table_free(VocabTable *t) {
        if (!t)
                return NULL;
        free(t->owned_name);
        free(t->owned_strings);
        free(t->owned_index);
        free(t);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(VocabTable, vocab_table_free);

Vocabularies *vocab_free(Vocabularies *v) {
        if (!v)
                return NULL;
        size_t i = 0;
        void *t;
        while (strmap_iterate(v->tables, &i, NULL, &t))
                vocab_table_free(t);
        strmap_free(v->tables);
        free(v);
        return NULL;
}

/* Installs t under its name, replacing a table of the same name. Takes ownership. */
static int vocab_install(Vocabularies *v, VocabTable *t) {
        VocabTable *old = strmap_get(v->tables, t->name);
        if (old) {
                (void) strmap_remove(v->tables, old->name);
                vocab_table_free(old);
        }
        int r = strmap_put(v->tables, t->name, t);
        if (r < 0)
                vocab_table_free(t);
        return r;
}

int vocab_new_builtin(Vocabularies **ret) {
        _cleanup_(vocab_freep) Vocabularies *v = calloc(1, sizeof(Vocabularies));
        if (!v)
                return -ENOMEM;
        v->tables = strmap_new();
        if (!v->tables)
                return -ENOMEM;
        for (size_t i = 0; i < vocab_builtin_n_tables; i++) {
                const VocabBuiltinTable *b = &vocab_builtin_tables[i];
                VocabTable *t = calloc(1, sizeof(VocabTable));
                if (!t)
                        return -ENOMEM;
                *t = (VocabTable) {
                        .name = vocab_builtin_table_names[i],
                        .strings = vocab_builtin_strings,
                        .terms = vocab_builtin_terms + 2 * (size_t) b->first,
                        .by_label = vocab_builtin_by_label + b->first,
                        .by_id_caseless = vocab_builtin_by_id_caseless + b->first,
                        .n_terms = b->n_terms,
                };
                int r = vocab_install(v, t);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

uint64_t vocab_builtin_exported_at(void) {
        return vocab_builtin_exported_usec;
}

static const char *term_id(const VocabTable *t, size_t i) {
        return t->strings + t->terms[2 * i];
}

static const char *term_label(const VocabTable *t, size_t i) {
        return t->strings + t->terms[2 * i + 1];
}

static char ascii_tolower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* Byte order after folding ASCII letters: the order embed-vocabularies.py sorts by. */
static int fold_compare(const char *a, const char *b) {
        for (;; a++, b++) {
                unsigned char x = (unsigned char) ascii_tolower(*a), y = (unsigned char) ascii_tolower(*b);
                if (x != y || !x)
                        return (int) x - (int) y;
        }
}

/* The term number of id, or -1. */
static ssize_t find_id(const VocabTable *t, const char *id) {
        size_t lo = 0, hi = t->n_terms;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(term_id(t, mid), id);
                if (c == 0)
                        return (ssize_t) mid;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

/* The first position in order (term numbers sorted by field, ignoring ASCII case) whose field
 * equals key ignoring case; n_terms when none does. */
static size_t find_folded(const VocabTable *t, const uint32_t *order, const char *(*field)(const VocabTable *, size_t),
                          const char *key) {
        size_t lo = 0, hi = t->n_terms;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (fold_compare(field(t, order[mid]), key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < t->n_terms && fold_compare(field(t, order[lo]), key) == 0 ? lo : t->n_terms;
}

/* A table loaded from a copy, while it is read: strings and (id, label) offsets in file order. */
typedef struct TableBuilder {
        ByteBuffer strings;
        uint32_t *pairs;
        size_t n_pairs, allocated;
} TableBuilder;

static void table_builder_done(TableBuilder *b) {
        free(b->strings.data);
        free(b->pairs);
}

static int table_builder_add(TableBuilder *b, const char *id, const char *label) {
        if (b->n_pairs >= LIMIT_VOCABULARY_TERMS)
                return -E2BIG;
        if (!label)
                label = "";
        /* Labels kept in NFC, as values are looked up (and the built-in ones are); ids stay as
         * the Directory spells them: they are what is pushed. */
        _cleanup_free_ char *label_nfc = NULL;
        if (utf8_nfc(label, &label_nfc) == -ENOMEM)
                return -ENOMEM;
        label = label_nfc ?: label;
        size_t id_len = strlen(id), label_len = strlen(label);
        if (b->strings.size + id_len + label_len + 2 > UINT32_MAX)
                return -E2BIG;
        if (b->n_pairs == b->allocated) {
                size_t n = b->allocated ? b->allocated * 2 : 64;
                uint32_t *p = reallocarray(b->pairs, n, 2 * sizeof(uint32_t));
                if (!p)
                        return -ENOMEM;
                b->pairs = p;
                b->allocated = n;
        }
        uint32_t at = (uint32_t) b->strings.size;
        int r = byte_buffer_append(&b->strings, id, id_len + 1);
        if (r < 0)
                return r;
        r = byte_buffer_append(&b->strings, label, label_len + 1);
        if (r < 0)
                return r;
        b->pairs[2 * b->n_pairs] = at;
        b->pairs[2 * b->n_pairs + 1] = at + (uint32_t) id_len + 1;
        b->n_pairs++;
        return 0;
}

typedef struct SortKey {
        const char *key;
        uint32_t number;
} SortKey;

static int compare_exact(const void *a, const void *b) {
        const SortKey *x = a, *y = b;
        int c = strcmp(x->key, y->key);
        return c ? c : (x->number > y->number) - (x->number < y->number);
}

static int compare_folded(const void *a, const void *b) {
        const SortKey *x = a, *y = b;
        int c = fold_compare(x->key, y->key);
        return c ? c : (x->number > y->number) - (x->number < y->number);
}

/* Sorts the terms read by id (a repeated id keeps its first label: the Directory's own tables
 * repeat a few terms) and builds the caseless orders; takes the builder's strings. */
static int table_builder_finish(TableBuilder *b, const char *name, VocabTable **ret) {
        size_t n = b->n_pairs;
        _cleanup_free_ SortKey *keys = calloc(n ?: 1, sizeof(SortKey));
        _cleanup_(vocab_table_freep) VocabTable *t = calloc(1, sizeof(VocabTable));
        if (!keys || !t)
                return -ENOMEM;
        t->owned_name = strdup(name);
        t->owned_index = calloc(4 * (n ?: 1), sizeof(uint32_t));
        if (!t->owned_name || !t->owned_index)
                return -ENOMEM;
        const char *strings = b->strings.data ?: "";
        for (size_t i = 0; i < n; i++)
                keys[i] = (SortKey) { strings + b->pairs[2 * i], (uint32_t) i };
        qsort(keys, n, sizeof(SortKey), compare_exact);
        uint32_t *terms = t->owned_index;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (k > 0 && streq(keys[i].key, strings + terms[2 * (k - 1)]))
                        continue;
                terms[2 * k] = b->pairs[2 * keys[i].number];
                terms[2 * k + 1] = b->pairs[2 * keys[i].number + 1];
                k++;
        }
        uint32_t *by_label = terms + 2 * k, *by_id_caseless = by_label + k;
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < k; i++)
                        keys[i] = (SortKey) { strings + terms[2 * i + (pass == 0)], (uint32_t) i };
                qsort(keys, k, sizeof(SortKey), compare_folded);
                for (size_t i = 0; i < k; i++)
                        (pass == 0 ? by_label : by_id_caseless)[i] = keys[i].number;
        }
        t->name = t->owned_name;
        t->owned_strings = TAKE_PTR(b->strings.data);
        t->strings = t->owned_strings ?: "";
        t->terms = terms;
        t->by_label = by_label;
        t->by_id_caseless = by_id_caseless;
        t->n_terms = k;
        *ret = TAKE_PTR(t);
        return 0;
}

typedef struct CsvLoad {
        TableBuilder b;
        const char *filename;
        Findings *findings;
        int name_column, label_column;
        bool header_done;
} CsvLoad;

static int load_record(void *userdata, unsigned line, char **fields, size_t n) {
        CsvLoad *l = userdata;
        if (!l->header_done) {
                l->header_done = true;
                l->name_column = l->label_column = -1;
                for (size_t i = 0; i < n; i++) {
                        if (streq(fields[i], "name"))
                                l->name_column = (int) i;
                        else if (streq(fields[i], "label"))
                                l->label_column = (int) i;
                }
                if (l->name_column < 0) {
                        Location loc = { .file = l->filename, .line = line, .column = 1 };
                        int r = findings_error_at(l->findings, "vocabulary-file", &loc,
                                                  "the lookup table has no 'name' column");
                        return r < 0 ? r : -EBADMSG;
                }
                return 0;
        }
        if ((size_t) l->name_column >= n || isempty(fields[l->name_column]))
                return 0;
        const char *label = l->label_column >= 0 && (size_t) l->label_column < n ? fields[l->label_column] : NULL;
        int r = table_builder_add(&l->b, fields[l->name_column], label);
        if (r == -E2BIG) {
                Location loc = { .file = l->filename, .line = line, .column = 1 };
                int k = findings_error_at(l->findings, "vocabulary-file", &loc, "more than %u terms",
                                          LIMIT_VOCABULARY_TERMS);
                return k < 0 ? k : r;
        }
        return r;
}

int vocab_load_csv(Vocabularies *v, const char *table, const char *data, size_t size, const char *filename,
                   Findings *findings) {
        CsvLoad l = { .filename = filename, .findings = findings };
        int r = csv_parse(data, size, filename, load_record, &l, findings);
        if (r >= 0 && !l.header_done) {
                Location loc = { .file = filename, .line = 1, .column = 1 };
                r = findings_error_at(findings, "vocabulary-file", &loc, "the lookup table is empty");
                r = r < 0 ? r : -EBADMSG;
        }
        VocabTable *t = NULL;
        if (r >= 0)
                r = table_builder_finish(&l.b, table, &t);
        table_builder_done(&l.b);
        return r < 0 ? r : vocab_install(v, t);
}

int vocab_load_folder_table(Vocabularies *v, const char *dir, const char *table, Findings *findings) {
        _cleanup_free_ char *name = strdup_printf("%s.csv", table);
        _cleanup_free_ char *path = name ? path_join(dir, name) : NULL;
        if (!path)
                return -ENOMEM;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(path, LIMIT_CSV_FILE_BYTES, &data, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0) {
                Location loc = { .file = path };
                int k = findings_error_at(findings, "vocabulary-file", &loc, "cannot read the lookup table: %s",
                                          strerror(-r));
                return k < 0 ? k : r;
        }
        /* A copy of a server's answer: whole rows, a `name` column, no page of markup. */
        r = answer_check_table(data, size, path, vocab_required_columns(), false, SEVERITY_ERROR, findings);
        if (r < 0)
                return r;
        return vocab_load_csv(v, table, data, size, path, findings);
}

const char *const *vocab_required_columns(void) {
        static const char *const columns[] = { "name", NULL };
        return columns;
}

const char *const *vocab_folder_tables(size_t *ret_n) {
        *ret_n = vocab_builtin_n_tables;
        return vocab_builtin_table_names;
}

/* Whether the copy at dir/<table>.csv was written after the built-in tables were exported:
 * -ENOENT when there is none. */
static int copy_is_newer(const char *dir, const char *table) {
        _cleanup_free_ char *name = strdup_printf("%s.csv", table);
        _cleanup_free_ char *path = name ? path_join(dir, name) : NULL;
        if (!path)
                return -ENOMEM;
        struct stat st;
        if (stat(path, &st) < 0)
                return errno == ENOENT ? -ENOENT : 1; /* loading it says what is wrong */
        if (st.st_mtim.tv_sec < 0)
                return 0;
        uint64_t mtime = (uint64_t) st.st_mtim.tv_sec * 1000000 + (uint64_t) st.st_mtim.tv_nsec / 1000;
        return mtime > vocab_builtin_exported_usec;
}

/* A copy that is no lookup table is one warning and is left out: the Directory's answer was bad
 * (or an older version cached one), and the master is not to blame; the built-in table stays. */
static int load_copy(Vocabularies *v, const char *dir, const char *table, Findings *findings) {
        Findings copy;
        findings_init(&copy);
        int r = vocab_load_folder_table(v, dir, table, &copy);
        if (r != -EBADMSG && r != -E2BIG) {
                int k = findings_move(findings, &copy);
                findings_done(&copy);
                return k < 0 ? k : r;
        }
        _cleanup_free_ char *consequence = strdup_printf("this copy of %s is left out and the built-in table stays "
                                                         "in use", table);
        r = consequence ? answer_refused(findings, NULL, &copy, consequence) : -ENOMEM;
        findings_done(&copy);
        return r < 0 ? r : -EBADMSG;
}

int vocab_load_folder(Vocabularies *v, const char *dir, Findings *findings) {
        int n = 0;
        for (size_t i = 0; i < vocab_builtin_n_tables; i++) {
                const char *table = vocab_builtin_table_names[i];
                int r = copy_is_newer(dir, table);
                if (r == -ENOENT || r == 0)
                        continue;
                if (r < 0)
                        return r;
                r = load_copy(v, dir, table, findings);
                if (r == -ENOENT || r == -EBADMSG)
                        continue;
                if (r < 0)
                        return r;
                n++;
        }
        return n;
}

static const VocabTable *find_table(const Vocabularies *v, const char *table) {
        return v && table ? strmap_get(v->tables, table) : NULL;
}

bool vocab_has_table(const Vocabularies *v, const char *table) {
        return find_table(v, table) != NULL;
}

bool icd10_code_is_valid(const char *code) {
        /* A letter, two digits, then optionally '.' and one or two more characters: C50, C50.9,
         * Z03.81; no ranges ("C50-C52"). */
        if (!isupper((unsigned char) code[0]) || !isdigit((unsigned char) code[1]) ||
            !isalnum((unsigned char) code[2]))
                return false;
        const char *p = code + 3;
        if (!*p)
                return true;
        if (*p != '.')
                return false;
        p++;
        size_t n = 0;
        while (isalnum((unsigned char) p[n]))
                n++;
        return n >= 1 && n <= 2 && p[n] == 0;
}

bool icd10_range_is_valid(const char *code) {
        const char *dash = strchr(code, '-');
        if (!dash || dash - code > 8)
                return false;
        char first[9];
        memcpy(first, code, (size_t) (dash - code));
        first[dash - code] = 0;
        return icd10_code_is_valid(first) && icd10_code_is_valid(dash + 1);
}

bool vocab_is_diagnosis_range(const char *table, const char *value) {
        return table && streq(table, "DiseaseTypes") && strchr(value, '-');
}

bool orpha_code_is_valid(const char *code) {
        const char *p = startswith(code, "ORPHA:");
        if (!p || !*p)
                return false;
        for (; *p; p++)
                if (!isdigit((unsigned char) *p))
                        return false;
        return true;
}

VocabAnswer vocab_check(const Vocabularies *v, const char *table, const char *id) {
        const VocabTable *t = find_table(v, table);
        if (!t)
                return VOCAB_UNKNOWN_TABLE;
        return find_id(t, id) >= 0 ? VOCAB_MEMBER : VOCAB_NOT_MEMBER;
}

const char *vocab_id_for_label(const Vocabularies *v, const char *table, const char *label) {
        const VocabTable *t = find_table(v, table);
        if (!t || isempty(label))
                return NULL;
        size_t at = find_folded(t, t->by_label, term_label, label);
        return at < t->n_terms ? term_id(t, t->by_label[at]) : NULL;
}

const char *vocab_id_caseless(const Vocabularies *v, const char *table, const char *value) {
        const VocabTable *t = find_table(v, table);
        if (!t)
                return NULL;
        size_t at = find_folded(t, t->by_id_caseless, term_id, value);
        if (at >= t->n_terms)
                return NULL;
        /* Two ids that differ only in case: which one was meant cannot be told. */
        if (at + 1 < t->n_terms && fold_compare(term_id(t, t->by_id_caseless[at + 1]), value) == 0)
                return NULL;
        return term_id(t, t->by_id_caseless[at]);
}

const char *vocab_label(const Vocabularies *v, const char *table, const char *id) {
        const VocabTable *t = find_table(v, table);
        ssize_t i = t ? find_id(t, id) : -1;
        if (i < 0)
                return NULL;
        const char *label = term_label(t, (size_t) i);
        return *label ? label : NULL;
}

int vocab_for_each_term(const Vocabularies *v, const char *table,
                        int (*func)(void *userdata, const char *id, const char *label), void *userdata) {
        const VocabTable *t = find_table(v, table);
        for (size_t i = 0; t && i < t->n_terms; i++) {
                const char *label = term_label(t, i);
                int r = func(userdata, term_id(t, i), *label ? label : NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

size_t vocab_table_size(const Vocabularies *v, const char *table) {
        const VocabTable *t = find_table(v, table);
        return t ? t->n_terms : 0;
}

const char **vocab_tables(const Vocabularies *v) {
        size_t n = strmap_size(v->tables), i = 0, k = 0;
        const char **l = calloc(n + 1, sizeof(char *));
        if (!l)
                return NULL;
        const char *name;
        while (strmap_iterate(v->tables, &i, &name, NULL))
                l[k++] = name;
        return l;
}
