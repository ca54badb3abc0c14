/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>

#include "csv.h"
#include "limits.h"
#include "vocab.h"
#include "yamltree.h"

/* Generated at build time from mappings/vocabularies.yaml (daemon/embed-file.py). */
extern const char vocab_builtin_yaml[];
extern const size_t vocab_builtin_yaml_size;

typedef struct VocabTable {
        const char *name;
        StrMap *labels_by_id;   /* id -> label */
        StrMap *ids_by_label;   /* label (caseless) -> id */
        StrMap *ids_caseless;   /* id (caseless) -> id, or AMBIGUOUS */
        Arena arena;
} VocabTable;

struct Vocabularies {
        StrMap *tables; /* name -> VocabTable */
        Arena arena;    /* table names */
};

static const char AMBIGUOUS[] = "";

static VocabTable *vocab_table_free(VocabTable *t) {
        if (!t)
                return NULL;
        strmap_free(t->labels_by_id);
        strmap_free(t->ids_by_label);
        strmap_free(t->ids_caseless);
        arena_done(&t->arena);
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
        arena_done(&v->arena);
        free(v);
        return NULL;
}

static int vocab_new_empty(Vocabularies **ret) {
        _cleanup_(vocab_freep) Vocabularies *v = calloc(1, sizeof(Vocabularies));
        if (!v)
                return -ENOMEM;
        arena_init(&v->arena);
        v->tables = strmap_new();
        if (!v->tables)
                return -ENOMEM;
        *ret = TAKE_PTR(v);
        return 0;
}

static int vocab_table_new(const char *name, VocabTable **ret) {
        _cleanup_(vocab_table_freep) VocabTable *t = calloc(1, sizeof(VocabTable));
        if (!t)
                return -ENOMEM;
        arena_init(&t->arena);
        t->name = arena_strdup(&t->arena, name);
        t->labels_by_id = strmap_new();
        t->ids_by_label = strmap_new_caseless();
        t->ids_caseless = strmap_new_caseless();
        if (!t->name || !t->labels_by_id || !t->ids_by_label || !t->ids_caseless)
                return -ENOMEM;
        *ret = TAKE_PTR(t);
        return 0;
}

/* Adds a term; a repeated id keeps its first label (-EEXIST). */
static int vocab_table_add(VocabTable *t, const char *id, const char *label) {
        if (strmap_size(t->labels_by_id) >= LIMIT_VOCABULARY_TERMS)
                return -E2BIG;
        const char *i = arena_strdup(&t->arena, id);
        const char *l = label && *label ? arena_strdup(&t->arena, label) : NULL;
        if (!i || (label && *label && !l))
                return -ENOMEM;
        int r = strmap_put(t->labels_by_id, i, (void *) l);
        if (r < 0)
                return r;
        /* Two terms with one label (it happens): the first keeps it. */
        if (l && (r = strmap_put(t->ids_by_label, l, (void *) i)) < 0 && r != -EEXIST)
                return r;
        const char *other = strmap_get(t->ids_caseless, i);
        if (other && !streq(other, i))
                return strmap_replace(t->ids_caseless, i, (void *) AMBIGUOUS);
        if (!other && (r = strmap_put(t->ids_caseless, i, (void *) i)) < 0)
                return r;
        return 0;
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

static int vocab_error(const YDoc *d, const YNode *n, Findings *f, const char *fmt, ...) _printf_(4, 5);
static int vocab_error(const YDoc *d, const YNode *n, Findings *f, const char *fmt, ...) {
        Location loc;
        ynode_location(d, n, &loc);
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(f, SEVERITY_ERROR, "vocabulary-file", NULL, NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EBADMSG;
}

int vocab_parse_yaml(Vocabularies *v, const char *data, size_t size, const char *filename, Findings *findings) {
        _cleanup_(ydoc_freep) YDoc *d = NULL;
        int r = ydoc_parse(data, size, filename, &d, findings);
        if (r < 0)
                return r;
        static const char *const keys[] = { "version", "tables", NULL };
        r = ynode_check_keys(d, d->root, "a vocabulary file", keys, findings);
        if (r < 0)
                return r == -EINVAL ? -EBADMSG : r;
        const YNode *tables = ynode_get(d->root, "tables");
        if (!tables || tables->type != YNODE_MAPPING)
                return vocab_error(d, tables ?: d->root, findings, "'tables' must be a mapping of lookup tables");
        for (size_t i = 0; i < tables->n_items; i++) {
                const YNode *list = tables->items[i];
                if (list->type != YNODE_SEQUENCE)
                        return vocab_error(d, list, findings, "table '%s' must be a list of [id, label] pairs",
                                           tables->keys[i]->value);
                _cleanup_(vocab_table_freep) VocabTable *t = NULL;
                r = vocab_table_new(tables->keys[i]->value, &t);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < list->n_items; k++) {
                        const YNode *pair = list->items[k];
                        if (pair->type != YNODE_SEQUENCE || pair->n_items != 2 || pair->items[0]->type != YNODE_SCALAR ||
                            pair->items[1]->type != YNODE_SCALAR || isempty(pair->items[0]->value))
                                return vocab_error(d, pair, findings, "each term must be an [id, label] pair");
                        r = vocab_table_add(t, pair->items[0]->value, pair->items[1]->value);
                        if (r == -EEXIST)
                                return vocab_error(d, pair, findings, "term '%s' is listed twice in %s",
                                                   pair->items[0]->value, t->name);
                        if (r < 0)
                                return r;
                }
                r = vocab_install(v, TAKE_PTR(t));
                if (r < 0)
                        return r;
        }
        return 0;
}

int vocab_new_builtin(Vocabularies **ret, Findings *findings) {
        _cleanup_(vocab_freep) Vocabularies *v = NULL;
        int r = vocab_new_empty(&v);
        if (r < 0)
                return r;
        r = vocab_parse_yaml(v, vocab_builtin_yaml, vocab_builtin_yaml_size, "(built-in vocabularies)", findings);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

typedef struct CsvLoad {
        VocabTable *t;
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
        int r = vocab_table_add(l->t, fields[l->name_column], label);
        if (r == -EEXIST)
                return 0; /* the Directory's own tables repeat a few terms; the first wins */
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
        _cleanup_(vocab_table_freep) VocabTable *t = NULL;
        int r = vocab_table_new(table, &t);
        if (r < 0)
                return r;
        CsvLoad l = { .t = t, .filename = filename, .findings = findings };
        r = csv_parse(data, size, filename, load_record, &l, findings);
        if (r < 0)
                return r;
        if (!l.header_done) {
                Location loc = { .file = filename, .line = 1, .column = 1 };
                r = findings_error_at(findings, "vocabulary-file", &loc, "the lookup table is empty");
                return r < 0 ? r : -EBADMSG;
        }
        return vocab_install(v, TAKE_PTR(t));
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
        return vocab_load_csv(v, table, data, size, path, findings);
}

/* Lookup tables worth loading from a copy: the built-in ones and the big ones never built in. */
static const char *const folder_tables[] = {
        "Countries", "MaterialTypes", "DataCategories", "CollectionTypes", "SampleSizes", "SexTypes",
        "AgeUnits", "StorageTemperatureTypes", "AccessTypes", "SOPs", "CommonNetworkElements",
        "DataUseOntologies", "AgeRanges", "TRLs", "ServiceTypes", "DiseaseTypes", "BodyParts",
        "ImagingModalities", "ImageDatasetTypes",
};

const char *const *vocab_folder_tables(size_t *ret_n) {
        *ret_n = ELEMENTSOF(folder_tables);
        return folder_tables;
}

int vocab_load_folder(Vocabularies *v, const char *dir, Findings *findings) {
        int n = 0;
        for (size_t i = 0; i < ELEMENTSOF(folder_tables); i++) {
                int r = vocab_load_folder_table(v, dir, folder_tables[i], findings);
                if (r == -ENOENT)
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
        if (t)
                return strmap_contains(t->labels_by_id, id) ? VOCAB_MEMBER : VOCAB_NOT_MEMBER;
        if (table && streq(table, "DiseaseTypes")) {
                const char *icd = startswith(id, "urn:miriam:icd:");
                if ((icd && icd10_code_is_valid(icd)) || orpha_code_is_valid(id))
                        return VOCAB_MEMBER;
                return VOCAB_NOT_MEMBER;
        }
        return VOCAB_UNKNOWN_TABLE;
}

const char *vocab_id_for_label(const Vocabularies *v, const char *table, const char *label) {
        const VocabTable *t = find_table(v, table);
        return t ? strmap_get(t->ids_by_label, label) : NULL;
}

const char *vocab_id_caseless(const Vocabularies *v, const char *table, const char *value) {
        const VocabTable *t = find_table(v, table);
        const char *id = t ? strmap_get(t->ids_caseless, value) : NULL;
        return id == AMBIGUOUS ? NULL : id;
}

const char *vocab_label(const Vocabularies *v, const char *table, const char *id) {
        const VocabTable *t = find_table(v, table);
        return t ? strmap_get(t->labels_by_id, id) : NULL;
}

int vocab_for_each_term(const Vocabularies *v, const char *table,
                        int (*func)(void *userdata, const char *id, const char *label), void *userdata) {
        const VocabTable *t = find_table(v, table);
        size_t i = 0;
        const char *id;
        void *label;
        while (t && strmap_iterate(t->labels_by_id, &i, &id, &label)) {
                int r = func(userdata, id, label);
                if (r < 0)
                        return r;
        }
        return 0;
}

size_t vocab_table_size(const Vocabularies *v, const char *table) {
        const VocabTable *t = find_table(v, table);
        return t ? strmap_size(t->labels_by_id) : 0;
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
