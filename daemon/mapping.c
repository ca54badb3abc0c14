/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <math.h>

#include "limits.h"
#include "mapping.h"
#include "suggest.h"
#include "unicode.h"
#include "yamltree.h"

typedef enum DeriveRule {
        DERIVE_ORDER_OF_MAGNITUDE,
} DeriveRule;

typedef struct Derived {
        const char *table, *column, *from;
        DeriveRule rule;
        int64_t max;
} Derived;

typedef enum PrefixMatch {
        PREFIX_MATCH_ICD10,
} PrefixMatch;

typedef struct Prefix {
        const char *table;
        PrefixMatch match;
        const char *prefix;
} Prefix;

struct Mapping {
        Arena arena;
        StrMap *ids;            /* table -> template */
        StrMap *aliases;        /* "Table\037field" -> column */
        StrMap *values;         /* table -> StrMap (caseless term -> id) */
        Derived *derived;
        size_t n_derived;
        Prefix *prefixes;
        size_t n_prefixes;
        char **files;
        char *files_description;
};

Mapping *mapping_free(Mapping *m) {
        if (!m)
                return NULL;
        size_t i = 0;
        void *v;
        while (strmap_iterate(m->values, &i, NULL, &v))
                strmap_free(v);
        strmap_free(m->values);
        strmap_free(m->ids);
        strmap_free(m->aliases);
        free(m->derived);
        free(m->prefixes);
        strv_free(m->files);
        free(m->files_description);
        arena_done(&m->arena);
        free(m);
        return NULL;
}

int mapping_new(Mapping **ret) {
        _cleanup_(mapping_freep) Mapping *m = calloc(1, sizeof(Mapping));
        if (!m)
                return -ENOMEM;
        arena_init(&m->arena);
        m->ids = strmap_new();
        m->aliases = strmap_new();
        m->values = strmap_new();
        if (!m->ids || !m->aliases || !m->values)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

static int update_files_description(Mapping *m);
static int mapping_error(const YDoc *d, const YNode *n, Findings *f, const char *fmt, ...) _printf_(4, 5);
static int mapping_error(const YDoc *d, const YNode *n, Findings *f, const char *fmt, ...) {
        Location loc;
        ynode_location(d, n, &loc);
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(f, SEVERITY_ERROR, "mapping-file", NULL, NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

static const char *intern(Mapping *m, const char *s) {
        return arena_strdup(&m->arena, s);
}

/* Reads a mapping of scalar -> scalar (ids, aliases of one table, values of one table). */
static int for_each_pair(Mapping *m, const YDoc *d, const YNode *map, const char *what, Findings *f,
                         int (*func)(Mapping *m, const char *key, const char *value, void *userdata), void *userdata) {
        if (ynode_is_null(map))
                return 0;
        if (map->type != YNODE_MAPPING)
                return mapping_error(d, map, f, "'%s' must be a mapping, not %s", what, ynode_type_name(map));
        int ret = 0;
        for (size_t i = 0; i < map->n_items; i++) {
                const YNode *v = map->items[i];
                if (v->type != YNODE_SCALAR || ynode_is_null(v)) {
                        ret = mapping_error(d, v, f, "'%s' in %s must map to a single value", map->keys[i]->value, what);
                        if (ret == -ENOMEM)
                                return ret;
                        continue;
                }
                int r = func(m, map->keys[i]->value, v->value, userdata);
                if (r < 0)
                        return r;
        }
        return ret;
}

static int put_id(Mapping *m, const char *key, const char *value, void *userdata) {
        const char *k = intern(m, key), *v = intern(m, value);
        return k && v ? strmap_replace(m->ids, k, (void *) v) : -ENOMEM;
}

static int put_alias(Mapping *m, const char *key, const char *value, void *userdata) {
        _cleanup_free_ char *k = strdup_printf("%s\037%s", (const char *) userdata, key);
        const char *ik = k ? intern(m, k) : NULL, *v = intern(m, value);
        return ik && v ? strmap_replace(m->aliases, ik, (void *) v) : -ENOMEM;
}

static int put_value(Mapping *m, const char *key, const char *value, void *userdata) {
        StrMap *terms = userdata;
        /* Terms are kept in NFC, as values are looked up. */
        _cleanup_free_ char *nfc = NULL;
        if (utf8_nfc(key, &nfc) == -ENOMEM)
                return -ENOMEM;
        const char *k = intern(m, nfc ?: key), *v = intern(m, value);
        return k && v ? strmap_replace(terms, k, (void *) v) : -ENOMEM;
}

static int parse_derived(Mapping *m, const YDoc *d, const YNode *list, Findings *f) {
        if (ynode_is_null(list))
                return 0;
        if (list->type != YNODE_SEQUENCE)
                return mapping_error(d, list, f, "'derived' must be a list");
        static const char *const keys[] = { "table", "column", "rule", "from", "max", NULL };
        for (size_t i = 0; i < list->n_items; i++) {
                const YNode *e = list->items[i];
                int r = ynode_check_keys(d, e, "a derived value", keys, f);
                if (r < 0)
                        return r;
                const char *table, *column, *rule, *from;
                int64_t max = INT64_MAX;
                if (ynode_get_string(d, ynode_get(e, "table"), "table", &table, f) < 0 ||
                    ynode_get_string(d, ynode_get(e, "column"), "column", &column, f) < 0 ||
                    ynode_get_string(d, ynode_get(e, "rule"), "rule", &rule, f) < 0 ||
                    ynode_get_string(d, ynode_get(e, "from"), "from", &from, f) < 0)
                        return -EINVAL;
                if (ynode_get(e, "max") && ynode_get_int64(d, ynode_get(e, "max"), "max", &max, f) < 0)
                        return -EINVAL;
                if (!streq(rule, "order_of_magnitude"))
                        return mapping_error(d, ynode_get(e, "rule"), f, "unknown rule '%s' (order_of_magnitude)", rule);
                Derived *n = realloc(m->derived, (m->n_derived + 1) * sizeof(Derived));
                if (!n)
                        return -ENOMEM;
                m->derived = n;
                m->derived[m->n_derived++] = (Derived) {
                        .table = intern(m, table),
                        .column = intern(m, column),
                        .from = intern(m, from),
                        .rule = DERIVE_ORDER_OF_MAGNITUDE,
                        .max = max,
                };
        }
        return 0;
}

static int parse_prefixes(Mapping *m, const YDoc *d, const YNode *map, Findings *f) {
        if (ynode_is_null(map))
                return 0;
        if (map->type != YNODE_MAPPING)
                return mapping_error(d, map, f, "'prefixes' must be a mapping of lookup tables");
        static const char *const keys[] = { "match", "prefix", NULL };
        for (size_t i = 0; i < map->n_items; i++) {
                const YNode *list = map->items[i];
                if (list->type != YNODE_SEQUENCE)
                        return mapping_error(d, list, f, "prefixes of %s must be a list", map->keys[i]->value);
                for (size_t k = 0; k < list->n_items; k++) {
                        const YNode *e = list->items[k];
                        const char *match, *prefix;
                        if (ynode_check_keys(d, e, "a prefix rule", keys, f) < 0 ||
                            ynode_get_string(d, ynode_get(e, "match"), "match", &match, f) < 0 ||
                            ynode_get_string(d, ynode_get(e, "prefix"), "prefix", &prefix, f) < 0)
                                return -EINVAL;
                        if (!streq(match, "icd10"))
                                return mapping_error(d, ynode_get(e, "match"), f, "unknown match '%s' (icd10)", match);
                        Prefix *n = realloc(m->prefixes, (m->n_prefixes + 1) * sizeof(Prefix));
                        if (!n)
                                return -ENOMEM;
                        m->prefixes = n;
                        m->prefixes[m->n_prefixes++] = (Prefix) {
                                .table = intern(m, map->keys[i]->value),
                                .match = PREFIX_MATCH_ICD10,
                                .prefix = intern(m, prefix),
                        };
                }
        }
        return 0;
}

int mapping_parse(Mapping *m, const char *data, size_t size, const char *filename, Findings *findings) {
        _cleanup_(ydoc_freep) YDoc *d = NULL;
        int r = ydoc_parse(data, size, filename, &d, findings);
        if (r < 0)
                return r;
        static const char *const keys[] = { "version", "ids", "aliases", "derived", "prefixes", "values", NULL };
        r = ynode_check_keys(d, d->root, "a mapping file", keys, findings);
        if (r < 0)
                return r;
        const YNode *version = ynode_get(d->root, "version");
        int64_t v = 1;
        if (version && ynode_get_int64(d, version, "version", &v, findings) < 0)
                return -EINVAL;
        if (v != 1)
                return mapping_error(d, version, findings, "mapping format version %lld is not supported (1)",
                                     (long long) v);

        int ret = for_each_pair(m, d, ynode_get(d->root, "ids"), "ids", findings, put_id, NULL);
        if (ret == -ENOMEM)
                return ret;
        const YNode *aliases = ynode_get(d->root, "aliases");
        if (aliases && aliases->type != YNODE_MAPPING && !ynode_is_null(aliases))
                return mapping_error(d, aliases, findings, "'aliases' must be a mapping of tables");
        for (size_t i = 0; aliases && aliases->type == YNODE_MAPPING && i < aliases->n_items; i++) {
                r = for_each_pair(m, d, aliases->items[i], aliases->keys[i]->value, findings, put_alias,
                                  (void *) aliases->keys[i]->value);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        ret = r;
        }
        if ((r = parse_derived(m, d, ynode_get(d->root, "derived"), findings)) < 0)
                return r;
        if ((r = parse_prefixes(m, d, ynode_get(d->root, "prefixes"), findings)) < 0)
                return r;
        const YNode *values = ynode_get(d->root, "values");
        if (values && values->type != YNODE_MAPPING && !ynode_is_null(values))
                return mapping_error(d, values, findings, "'values' must be a mapping of lookup tables");
        for (size_t i = 0; values && values->type == YNODE_MAPPING && i < values->n_items; i++) {
                const char *table = values->keys[i]->value;
                StrMap *terms = strmap_get(m->values, table);
                if (!terms) {
                        const char *t = intern(m, table);
                        terms = strmap_new_caseless();
                        if (!t || !terms || strmap_put(m->values, t, terms) < 0) {
                                strmap_free(terms);
                                return -ENOMEM;
                        }
                }
                r = for_each_pair(m, d, values->items[i], table, findings, put_value, terms);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        ret = r;
        }
        if (ret < 0)
                return ret;

        r = strv_extend(&m->files, filename);
        if (r < 0)
                return r;
        return update_files_description(m);
}

int mapping_load(Mapping *m, const char *path, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(path, LIMIT_MAPPING_FILE_BYTES, &data, &size);
        if (r < 0) {
                Location loc = { .file = path };
                int k = findings_error_at(findings, "file-unreadable", &loc, "cannot read the mapping file: %s",
                                          r == -EFBIG ? "larger than the limit" : strerror(-r));
                return k < 0 ? k : r;
        }
        return mapping_parse(m, data, size, path, findings);
}

/* Built when a file is added, never on use: a mapping is shared read-only by the threads that
 * map fact files side by side. */
static int update_files_description(Mapping *m) {
        size_t n = 0;
        for (char **f = m->files; f && *f; f++)
                n += strlen(*f) + 2;
        char *d = malloc(n + 16), *p = d;
        if (!d)
                return -ENOMEM;
        *p = 0;
        for (char **f = m->files; f && *f; f++) {
                size_t k = strlen(*f);
                if (p != d) {
                        memcpy(p, ", ", 2);
                        p += 2;
                }
                memcpy(p, *f, k);
                p += k;
                *p = 0;
        }
        free(m->files_description);
        m->files_description = d;
        return 0;
}

const char *mapping_files_description(const Mapping *m) {
        return m->files_description && m->files_description[0] ? m->files_description : "no mapping file";
}

/* Applies a prefix rule to a bare code ("C50.9" -> "urn:miriam:icd:C50.9"); NULL when none applies. */
static char *apply_prefix(const Mapping *m, const char *table, const char *value) {
        for (size_t i = 0; i < m->n_prefixes; i++) {
                const Prefix *p = &m->prefixes[i];
                if (!streq(p->table, table) || startswith(value, p->prefix))
                        continue;
                if (p->match == PREFIX_MATCH_ICD10 && (icd10_code_is_valid(value) || icd10_range_is_valid(value)))
                        return strdup_printf("%s%s", p->prefix, value);
        }
        return NULL;
}

int mapping_lookup(const Mapping *m, const Vocabularies *v, const char *ontology, const char *value,
                   const char **ret_id) {
        /* A member is a member of a table there is a copy of. */
        if (v && vocab_check(v, ontology, value) == VOCAB_MEMBER) {
                *ret_id = value;
                return 0;
        }
        StrMap *terms = strmap_get(m->values, ontology);
        const char *id = terms ? strmap_get(terms, value) : NULL;
        if (id) {
                *ret_id = id;
                return 0;
        }
        if (v && vocab_has_table(v, ontology)) {
                id = vocab_id_for_label(v, ontology, value);
                if (!id)
                        id = vocab_id_caseless(v, ontology, value);
                if (id) {
                        *ret_id = id;
                        return 0;
                }
                return -ENOENT;
        }
        /* No copy of this lookup table here: the value passes as written and validation
         * checks what it can. */
        *ret_id = value;
        return 0;
}

static bool is_full_id(const char *s) {
        /* Asked of every id and reference: compared in place, stopping at the first difference
         * (the end of a shorter string is one). */
        static const char prefix[] = "bbmri-eric:";
        for (size_t i = 0; i < sizeof prefix - 1; i++)
                if (s[i] != prefix[i])
                        return false;
        return true;
}

/* Full ids (almost every id at scale) are used as written: no copy. *ret_owned is what to free. */
static const char *expand_id_borrowed(const Mapping *m, const char *table, const char *node, const char *local,
                                      const char *biobank_id, char **ret_owned) {
        *ret_owned = NULL;
        if (is_full_id(local))
                return local;
        *ret_owned = mapping_expand_id(m, table, node, local, biobank_id);
        return *ret_owned;
}

char *mapping_expand_id(const Mapping *m, const char *table, const char *node, const char *local,
                        const char *biobank_id) {
        if (is_full_id(local))
                return strdup(local);
        const char *tpl = strmap_get(m->ids, table);
        if (!tpl)
                return NULL;
        /* Two passes over the template: measure, then copy (called for every reference). */
        const char *parts[3] = { node, local, biobank_id };
        static const char *const names[3] = { "{node}", "{local}", "{biobank}" };
        char *out = NULL;
        for (int pass = 0; pass < 2; pass++) {
                size_t n = 0;
                for (const char *p = tpl; *p;) {
                        int k = -1;
                        for (int i = 0; i < 3 && k < 0; i++)
                                if (startswith(p, names[i]))
                                        k = i;
                        if (k < 0) {
                                if (out)
                                        out[n] = *p;
                                n++;
                                p++;
                                continue;
                        }
                        if (!parts[k]) {
                                free(out);
                                return NULL;
                        }
                        size_t len = strlen(parts[k]);
                        if (out)
                                memcpy(out + n, parts[k], len);
                        n += len;
                        p += strlen(names[k]);
                }
                if (out) {
                        out[n] = 0;
                        return out;
                }
                out = malloc(n + 1);
                if (!out)
                        return NULL;
        }
        return out;
}

/* The local id of a collection already holds its biobank's part ("HUB01:collection:cardio" in
 * biobank HUB01): the reader would double it. *ret_prefix: that part (malloc()ed). */
static bool collection_id_doubled(const Mapping *m, const char *node, const char *local, const char *biobank_id,
                                  char **ret_prefix) {
        *ret_prefix = NULL;
        if (!biobank_id || is_full_id(local))
                return false;
        _cleanup_free_ char *biobank_local = mapping_local_id(m, "Biobanks", node, biobank_id, NULL);
        _cleanup_free_ char *prefix = strdup_printf("%s:collection:", biobank_local ?: biobank_id);
        if (!prefix || !startswith(local, prefix))
                return false;
        *ret_prefix = TAKE_PTR(prefix);
        return true;
}

char *mapping_local_id(const Mapping *m, const char *table, const char *node, const char *full,
                       const char *biobank_id) {
        /* Expand a marker in place of the local part: what surrounds it is what full must have. */
        _cleanup_free_ char *shape = mapping_expand_id(m, table, node, "\x01", biobank_id);
        const char *marker = shape ? strchr(shape, '\x01') : NULL;
        if (!marker || strchr(marker + 1, '\x01'))
                return NULL;
        size_t before = (size_t) (marker - shape), after = strlen(marker + 1), n = strlen(full);
        if (n <= before + after || strncmp(full, shape, before) != 0 || !streq(full + n - after, marker + 1))
                return NULL;
        _cleanup_free_ char *local = strndup(full + before, n - before - after);
        if (!local || is_full_id(local))
                return NULL;
        _cleanup_free_ char *back = mapping_expand_id(m, table, node, local, biobank_id);
        if (!back || !streq(back, full))
                return NULL;
        _cleanup_free_ char *doubled = NULL;
        if (streq(table, "Collections") && collection_id_doubled(m, node, local, biobank_id, &doubled))
                return NULL; /* the reader refuses it: the full id is kept */
        return TAKE_PTR(local);
}

int mapping_for_each_alias(const Mapping *m, const char *table, MappingPairFunc func, void *userdata) {
        size_t i = 0, n = strlen(table);
        const char *key;
        void *column;
        while (strmap_iterate(m->aliases, &i, &key, &column)) {
                if (strncmp(key, table, n) != 0 || key[n] != '\037')
                        continue;
                int r = func(userdata, key + n + 1, column);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mapping_for_each_term(const Mapping *m, const char *ontology, MappingPairFunc func, void *userdata) {
        StrMap *terms = strmap_get(m->values, ontology);
        size_t i = 0;
        const char *term;
        void *id;
        while (terms && strmap_iterate(terms, &i, &term, &id)) {
                int r = func(userdata, term, id);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- records -> dataset ---- */

/* Recent answers of field_column(), by the name's address: readers hand the same name pointers
 * (a CSV header's, the interned ones) on every record. The text is compared too, since another
 * record set may hand other names at the same addresses. */
#define APPLY_FIELD_MEMO 64u

typedef struct FieldMemo {
        const char *given;      /* the pointer a record had */
        const char *name;       /* our copy of the text */
        size_t table;
        int column;
        bool model_name;        /* given is the model's own name of the column: its text cannot change */
} FieldMemo;

/* Recent answers of mapping_lookup() by lookup table and value, which 400,000 fact rows repeat
 * (a few dozen sexes, materials, age ranges): the answer depends on nothing else during a run. */
#define APPLY_LOOKUP_MEMO 256u
#define APPLY_LOOKUP_MEMO_BYTES 40u /* longer values are looked up every time */

typedef struct LookupMemo {
        const char *ontology;   /* NULL: an empty slot */
        const char *id;         /* the answer; NULL: the value itself */
        int result;             /* mapping_lookup()'s return */
        uint8_t length;         /* of value */
        char value[APPLY_LOOKUP_MEMO_BYTES];
} LookupMemo;

/* What the mapping asks of a column for every value, answered once per run. */
typedef struct ColumnPlan {
        bool is_list;
        bool has_prefix;        /* a prefix rule names its lookup table */
        bool to_collection;     /* a reference to Collections: a local id expands with the biobank */
        const char *derived;    /* the column derived from it (derived_from()), or NULL */
} ColumnPlan;

typedef struct TablePlan {
        ColumnPlan *columns;    /* per column of the table */
        size_t *defaults;       /* the node's columns with a default value */
        size_t n_defaults;
        bool is_collection;
} TablePlan;

typedef struct Apply {
        const Mapping *m;
        const TablePlan *plans; /* per table */
        StrMap **columns;       /* per table: field name as written -> column index + 1, or 0 unknown */
        FieldMemo field_memo[APPLY_FIELD_MEMO];
        const char *last_table_name; /* the record table name model_table_index() was last asked */
        int last_table;
        LookupMemo lookup_memo[APPLY_LOOKUP_MEMO];
        const bool *derivable[64]; /* per table and column: whether a derived rule fills it */
        const char *last_file_in, *last_file_out;
        const Model *model;
        const Vocabularies *v;
        const char *node;
        Dataset *d;
        Findings *findings;
        Findings row_findings;  /* the row being mapped: they wait for its insertion */
        StrMap *files;          /* record-set file name -> copy in the dataset arena */
        int biobanks_table;
} Apply;

static const char *dataset_file_slow(Apply *a, const char *file) {
        if (!file)
                return NULL;
        const char *copy = strmap_get(a->files, file);
        if (copy) {
                a->last_file_in = file;
                a->last_file_out = copy;
                return copy;
        }
        copy = arena_strdup(&a->d->arena, file);
        if (!copy || strmap_put(a->files, copy, (void *) copy) < 0)
                return NULL;
        a->last_file_in = file;
        a->last_file_out = copy;
        return copy;
}

static inline const char *dataset_file(Apply *a, const char *file) {
        /* Records intern their file names: consecutive fields almost always share one. */
        if (file && file == a->last_file_in)
                return a->last_file_out;
        return dataset_file_slow(a, file);
}

static inline Location dataset_location(Apply *a, const Location *loc) {
        return (Location) { .file = dataset_file(a, loc->file), .line = loc->line, .column = loc->column };
}

static int apply_error(Apply *a, Row *row, const char *code, const char *table, const char *id, const char *column,
                       const Location *loc, const char *fmt, ...) _printf_(8, 9);
static int apply_error(Apply *a, Row *row, const char *code, const char *table, const char *id, const char *column,
                       const Location *loc, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(a->findings, SEVERITY_ERROR, code, table, id, column, loc, fmt, ap);
        va_end(ap);
        if (row)
                row->flags |= ROW_HAS_ERROR;
        return r;
}

/* Full id of the biobank a record belongs to (its `biobank` field, else the reader's context).
 * *ret_owned is what to free. */
static const char *record_biobank_id(Apply *a, const Record *rec, char **ret_owned) {
        *ret_owned = NULL;
        /* The first "biobank", else the first "@biobank": one pass over the fields. */
        const RecordField *f = NULL;
        for (size_t i = 0; i < rec->n_fields; i++) {
                const char *name = rec->fields[i].name;
                if (name[0] == 'b' && streq(name, "biobank")) {
                        f = &rec->fields[i];
                        break;
                }
                if (!f && name[0] == '@' && streq(name, "@biobank"))
                        f = &rec->fields[i];
        }
        if (!f || f->n_values != 1 || !f->values[0])
                return NULL;
        return expand_id_borrowed(a->m, "Biobanks", a->node, f->values[0], NULL, ret_owned);
}

/* A record's biobank, found when first asked: most rows (a fact's full references, any full id)
 * never need it. */
typedef struct RecordBiobank {
        const Record *rec;
        bool known;
        const char *id;
        char *owned;
} RecordBiobank;

static const char *record_biobank(Apply *a, RecordBiobank *b) {
        if (!b->known) {
                b->id = record_biobank_id(a, b->rec, &b->owned);
                b->known = true;
        }
        return b->id;
}

static void record_biobank_done(RecordBiobank *b) {
        free(b->owned);
}

static bool is_canonical_int(const char *s) {
        const char *p = s[0] == '-' ? s + 1 : s;
        size_t n = 0;
        for (; p[n]; n++)
                if (p[n] < '0' || p[n] > '9' || n >= 9)
                        return false;
        return n > 0 && !(p[0] == '0' && n > 1);
}

/* *ret is NULL when value is already canonical (no copy needed). */
static int convert_int(const char *value, char **ret) {
        if (is_canonical_int(value)) {
                *ret = NULL;
                return 0;
        }
        char *end = NULL;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno != 0 || end == value || *end || v < INT32_MIN || v > INT32_MAX)
                return -EINVAL;
        *ret = strdup_printf("%lld", v);
        return *ret ? 0 : -ENOMEM;
}

/* The column derived from column `from` of table (a count's order_of_magnitude), or NULL. */
static const char *derived_from(const Mapping *m, const char *table, const char *from) {
        for (size_t i = 0; i < m->n_derived; i++)
                if (streq(m->derived[i].table, table) && streq(m->derived[i].from, from))
                        return m->derived[i].column;
        return NULL;
}

/* A given value refused (and reported): its cell, and the cells derived from it, are left empty
 * for that one reason, which validation then does not report again as "missing". */
static int mark_refused(Apply *a, Row *row, const ModelTable *t, size_t column) {
        int r = dataset_mark_refused(a->d, row, column);
        for (size_t i = 0; r >= 0 && i < a->m->n_derived; i++) {
                const Derived *dv = &a->m->derived[i];
                int d = streq(dv->table, t->name) && streq(dv->from, t->columns[column].name)
                                ? model_column_index(t, dv->column)
                                : -1;
                if (d >= 0)
                        r = dataset_mark_refused(a->d, row, (size_t) d);
        }
        return r;
}

static int convert_bool(const char *value, const char **ret) {
        if (strcaseeq(value, "true")) {
                *ret = "true";
                return 0;
        }
        if (strcaseeq(value, "false")) {
                *ret = "false";
                return 0;
        }
        return -EINVAL;
}

static int offer_vocab_term(void *userdata, const char *id, const char *label) {
        suggestion_offer(userdata, id);
        suggestion_offer(userdata, label);
        return 0;
}

static int offer_mapped_term(void *userdata, const char *term, const char *id) {
        suggestion_offer(userdata, term);
        return 0;
}

/* "'BONE_MARROW' (Bone marrow)": the closest id, label or local term of a lookup table, with the
 * id it stands for; NULL when none is close. malloc()ed. */
static char *suggest_value(const Mapping *m, const Vocabularies *v, const char *ontology, const char *value) {
        Suggestion s;
        suggestion_init(&s, value);
        if (v)
                (void) vocab_for_each_term(v, ontology, offer_vocab_term, &s);
        (void) mapping_for_each_term(m, ontology, offer_mapped_term, &s);
        const char *best = suggestion_best(&s);
        if (!best)
                return NULL;
        const char *id = NULL;
        if (mapping_lookup(m, v, ontology, best, &id) < 0 || streq(id, best))
                return strdup_printf("'%s'", best);
        return strdup_printf("'%s' (%s)", best, id);
}

/* mapping_lookup() through the run's memo. */
static int lookup_memoized(Apply *a, const char *ontology, const char *value, const char **ret_id) {
        size_t n = strnlen(value, APPLY_LOOKUP_MEMO_BYTES);
        if (n >= APPLY_LOOKUP_MEMO_BYTES)
                return mapping_lookup(a->m, a->v, ontology, value, ret_id);
        uint64_t h = hash_bytes(value, n) ^ (uint64_t) (uintptr_t) ontology;
        /* Two places a value may be in: two that share one (a sex and a disease of every fact
         * row) would otherwise take turns to push each other out. */
        LookupMemo *pair = &a->lookup_memo[(h ^ (h >> 29)) & (APPLY_LOOKUP_MEMO - 2)];
        for (LookupMemo *memo = pair; memo < pair + 2; memo++)
                if (memo->ontology == ontology && memo->length == n && memcmp(memo->value, value, n) == 0) {
                        if (memo->result >= 0)
                                *ret_id = memo->id ?: value;
                        return memo->result;
                }
        const char *id = NULL;
        int r = mapping_lookup(a->m, a->v, ontology, value, &id);
        /* The newer answer first, the older one kept second. */
        pair[1] = pair[0];
        LookupMemo *memo = &pair[0];
        memo->ontology = ontology;
        memo->length = (uint8_t) n;
        memo->result = r;
        memo->id = r >= 0 && id != value ? id : NULL;
        memcpy(memo->value, value, n + 1);
        if (r >= 0)
                *ret_id = id;
        return r;
}

/* Converts one raw value to the cell text of the column; *ret_owned is set when malloc()ed. */
static int convert_value(Apply *a, Row *row, const ModelTable *t, const ModelColumn *col, const ColumnPlan *plan,
                         RecordBiobank *biobank, const char *value, bool ascii, const Location *loc, const char **ret,
                         char **ret_owned) {
        *ret_owned = NULL;
        switch (col->type) {
        case COLUMN_INT: {
                if (convert_int(value, ret_owned) < 0) {
                        int r = apply_error(a, row, "wrong-type", t->name, row->id, col->name, loc,
                                            "'%s' must be a whole number, not '%s'", col->name, value);
                        return r < 0 ? r : -EINVAL;
                }
                *ret = *ret_owned ?: value;
                /* A count an order of magnitude is derived from: below zero it counts nothing. */
                const char *derived = plan->derived;
                if (derived && strtoll(*ret, NULL, 10) < 0) {
                        *ret_owned = mfree(*ret_owned);
                        int r = apply_error(a, row, "wrong-type", t->name, row->id, col->name, loc,
                                            "'%s' must not be negative, not '%s' (it counts, and %s is derived "
                                            "from it)", col->name, value, derived);
                        return r < 0 ? r : -EINVAL;
                }
                return 0;
        }
        case COLUMN_BOOL:
                if (convert_bool(value, ret) < 0) {
                        int r = apply_error(a, row, "wrong-type", t->name, row->id, col->name, loc,
                                            "'%s' must be true or false, not '%s'", col->name, value);
                        return r < 0 ? r : -EINVAL;
                }
                return 0;
        case COLUMN_REF:
        case COLUMN_REF_ARRAY:
        case COLUMN_ONTOLOGY:
        case COLUMN_ONTOLOGY_ARRAY:
                break;
        default:
                *ret = value;
                return 0;
        }

        if (col->ontology && col->takes_any && value[0] == '*' && !value[1]) {
                *ret = value; /* any value, whatever a copy of the lookup table holds */
                return 0;
        }

        /* Looked up in NFC, as the terms and ids are kept: "Se\u0301rum" finds "S\u00e9rum". */
        _cleanup_free_ char *nfc = NULL;
        if (!ascii && utf8_nfc(value, &nfc) == -ENOMEM)
                return -ENOMEM;
        if (nfc)
                value = nfc;

        if (col->ontology) {
                _cleanup_free_ char *prefixed = plan->has_prefix ? apply_prefix(a->m, col->ontology, value) : NULL;
                const char *id = NULL;
                /* A range the Directory lacks goes on as written: validation reports it as
                 * CC:DiagRange, not as an unknown value as well. */
                if (lookup_memoized(a, col->ontology, prefixed ?: value, &id) < 0 &&
                    !vocab_is_diagnosis_range(col->ontology, prefixed ?: value)) {
                        _cleanup_free_ char *closest = suggest_value(a->m, a->v, col->ontology, prefixed ?: value);
                        const char *const *files = (const char *const *) a->m->files;
                        size_t n_files = strv_length(a->m->files);
                        int r = apply_error(a, row, "unmapped-value", t->name, row->id, col->name, loc,
                                            "value '%s' of field '%s' (%s %s) is not mapped; searched %s and the "
                                            "Directory's %s ids and labels%s%s; to accept it, add it to %s under "
                                            "values: %s:",
                                            value, col->name, t->name, row->id, mapping_files_description(a->m),
                                            col->ontology, closest ? "; closest: " : "", closest ?: "",
                                            n_files > 0 ? files[n_files - 1] : "a mapping file", col->ontology);
                        return r < 0 ? r : -ENOENT;
                }
                if (!id)
                        id = prefixed ?: value;
                if (id == prefixed) {
                        *ret_owned = TAKE_PTR(prefixed);
                        *ret = *ret_owned;
                } else if (id == nfc) {
                        *ret_owned = TAKE_PTR(nfc);
                        *ret = *ret_owned;
                } else
                        *ret = id;
                return 0;
        }

        /* A reference inside the dataset: expand a local id with the target table's rule. */
        const char *target = col->ref_table;
        bool to_collection = plan->to_collection;
        *ret = is_full_id(value) ? value
                                 : expand_id_borrowed(a->m, target, a->node, value,
                                                      to_collection ? record_biobank(a, biobank) : NULL, ret_owned);
        if (*ret && *ret == nfc)
                *ret_owned = TAKE_PTR(nfc);
        if (!*ret) {
                int r = apply_error(a, row, "reference", t->name, row->id, col->name, loc,
                                    to_collection ? "collection '%s' must be given by its full id here (no biobank "
                                                    "to expand it with)"
                                                  : "cannot expand '%s' to a full id",
                                    value);
                return r < 0 ? r : -EINVAL;
        }
        return 0;
}

static const char *resolve_alias(const Mapping *m, const char *table, const char *field) {
        char key[256];
        int n = snprintf(key, sizeof key, "%s\037%s", table, field);
        if (n < 0 || (size_t) n >= sizeof key)
                return field;
        const char *column = strmap_get(m->aliases, key);
        return column ?: field;
}

/* Column of a field (after aliases), cached per table: the same few names repeat on every row. */
static int field_column(Apply *a, size_t table, const char *field) {
        FieldMemo *memo = &a->field_memo[((uintptr_t) field >> 3) & (APPLY_FIELD_MEMO - 1)];
        if (memo->given == field && memo->table == table && (memo->model_name || streq(memo->name, field)))
                return memo->column;
        const char *key = NULL;
        int c;
        void *cached = NULL;
        if (strmap_get_key(a->columns[table], field, &key, &cached))
                c = (int) (intptr_t) cached - 1;
        else {
                const ModelTable *t = &a->model->tables[table];
                c = model_column_index(t, resolve_alias(a->m, t->name, field));
                key = arena_strdup(&a->d->arena, field);
                if (key && strmap_put(a->columns[table], key, (void *) (intptr_t) (c < 0 ? 0 : c + 1)) < 0)
                        key = NULL;
        }
        if (key)
                *memo = (FieldMemo) {
                        .given = field,
                        .name = key,
                        .table = table,
                        .column = c,
                        .model_name = c >= 0 && field == a->model->tables[table].columns[c].name,
                };
        return c;
}

static int offer_alias(void *userdata, const char *alias, const char *column) {
        suggestion_offer(userdata, alias);
        return 0;
}

/* The field a misspelt name meant: a column the node writes, or an alias of one. */
static const char *suggest_field(const Mapping *m, const ModelTable *t, const char *name) {
        Suggestion s;
        suggestion_init(&s, name);
        for (size_t c = 0; c < t->n_columns; c++)
                if (t->columns[c].node_owned)
                        suggestion_offer(&s, t->columns[c].name);
        (void) mapping_for_each_alias(m, t->name, offer_alias, &s);
        return suggestion_best(&s);
}

static int apply_field(Apply *a, Row *row, size_t table, RecordBiobank *biobank, bool ascii, const RecordField *f) {
        const ModelTable *t = &a->model->tables[table];
        int c = field_column(a, table, f->name);
        Location loc = dataset_location(a, &f->location);
        if (c < 0) {
                /* The column meant, when one is close: the finding names it, so that validation
                 * does not report it missing as well. */
                const char *meant = suggest_field(a->m, t, f->name);
                int m = meant ? model_column_index(t, resolve_alias(a->m, t->name, meant)) : -1;
                if (m >= 0 && mark_refused(a, row, t, (size_t) m) < 0)
                        return -ENOMEM;
                int r = meant ? apply_error(a, row, "unknown-field", t->name, row->id,
                                            resolve_alias(a->m, t->name, meant), &loc,
                                            "unknown field '%s' for %s; did you mean '%s'?", f->name, t->name, meant)
                              : apply_error(a, row, "unknown-field", t->name, row->id, f->name, &loc,
                                            "unknown field '%s' for %s", f->name, t->name);
                return r < 0 ? r : 0;
        }
        const ModelColumn *col = &t->columns[c];
        if ((size_t) c == t->id_column)
                return 0;
        if (!col->node_owned) {
                int r = apply_error(a, row, "unknown-field", t->name, row->id, f->name, &loc,
                                    "field '%s' of %s is computed by the Directory and cannot be set", f->name, t->name);
                return r < 0 ? r : 0;
        }
        const ColumnPlan *plan = &a->plans[table].columns[c];
        bool is_list = plan->is_list;
        /* Even a list of one: "size: [12000]" is not a number, and a list is no way to write one. */
        if (f->is_list && !is_list) {
                if (mark_refused(a, row, t, (size_t) c) < 0)
                        return -ENOMEM;
                int r = apply_error(a, row, "wrong-type", t->name, row->id, f->name, &loc,
                                    f->n_values == 1 ? "'%s' takes a single value, not a list ([%s])"
                                                     : "'%s' takes a single value, not a list%.0s",
                                    f->name, f->n_values == 1 ? f->values[0] : "");
                return r < 0 ? r : 0;
        }
        if (row->cells[c] && f->inherited)
                return 0; /* the entity gave its own value */
        if (row->cells[c]) {
                int r = apply_error(a, row, "duplicate-field", t->name, row->id, f->name, &loc,
                                    "'%s' is given twice (once as '%s')", col->name, f->name);
                return r < 0 ? r : 0;
        }

        /* Nearly every field holds one value or a short list: no allocation for those. */
        const char *stack_items[8];
        _cleanup_free_ const char **heap_items = NULL;
        const char **items = stack_items;
        if (f->n_values > ELEMENTSOF(stack_items)) {
                items = heap_items = calloc(f->n_values, sizeof(char *));
                if (!items)
                        return -ENOMEM;
        }
        _cleanup_strv_free_ char **owned = NULL;
        size_t n = 0;
        for (size_t i = 0; i < f->n_values; i++) {
                if (isempty(f->values[i]))
                        continue;
                const char *cell = NULL;
                char *o = NULL;
                int r = convert_value(a, row, t, col, plan, biobank, f->values[i], ascii, &loc, &cell, &o);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        /* Reported: should the cell stay empty, it is not "missing" as well. */
                        if (mark_refused(a, row, t, (size_t) c) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (o && strv_consume(&owned, o) < 0)
                        return -ENOMEM;
                /* Two terms may map to one id ("Serum", "Sérum"): a list holds it once. Lists
                 * people write are short; past that, the diff compares lists as sets anyway. */
                bool seen = false;
                for (size_t k = 0; k < n && n < 64 && !seen; k++)
                        seen = streq(items[k], cell);
                if (!seen)
                        items[n++] = cell;
        }
        int r;
        if (is_list)
                r = dataset_set_list(a->d, row, table, (size_t) c, items, n, &loc);
        else if (n > 0 && items[0] == f->values[0] && f->length > 0)
                /* The value as read: its length is known. */
                r = dataset_set_sized(a->d, row, table, (size_t) c, items[0], f->length, &loc);
        else
                r = n > 0 ? dataset_set(a->d, row, table, (size_t) c, items[0], &loc) : 0;
        if (r == -EINVAL || r == -E2BIG) {
                if (mark_refused(a, row, t, (size_t) c) < 0)
                        return -ENOMEM;
                r = apply_error(a, row, "wrong-type", t->name, row->id, f->name, &loc,
                                r == -E2BIG ? "too many values for '%s'" : "'%s' holds a character that cannot be stored",
                                f->name);
        }
        return r < 0 ? r : 0;
}

int mapping_derived_value(const Mapping *m, const ModelTable *t, const char *const *cells, size_t column,
                          char *buf, size_t size) {
        for (size_t i = 0; i < m->n_derived; i++) {
                const Derived *dv = &m->derived[i];
                if (!streq(dv->table, t->name) || !streq(dv->column, t->columns[column].name))
                        continue;
                int from = model_column_index(t, dv->from);
                if (from < 0 || !cells[from])
                        return 0;
                char *end = NULL;
                errno = 0;
                long long v = strtoll(cells[from], &end, 10);
                if (errno != 0 || *end || v < 1)
                        return 0; /* a size of 0 or a bad number has no order of magnitude */
                long long oom = 0;
                for (long long x = v; x >= 10; x /= 10)
                        oom++;
                if (oom > dv->max)
                        oom = dv->max;
                snprintf(buf, size, "%lld", oom);
                return from + 1;
        }
        return 0;
}

static int apply_derived(Apply *a, Row *row, size_t table) {
        const ModelTable *t = &a->model->tables[table];
        const bool *derivable = a->derivable[table];
        for (size_t c = 0; derivable && c < t->n_columns; c++) {
                char buf[32];
                if (row->cells[c] || !derivable[c])
                        continue;
                int from = mapping_derived_value(a->m, t, row->cells, c, buf, sizeof buf);
                if (from <= 0)
                        continue;
                Location at = dataset_cell_location(row, (size_t) from - 1);
                int r = dataset_set(a->d, row, table, c, buf, &at);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_defaults(Apply *a, Row *row, size_t table) {
        const ModelTable *t = &a->model->tables[table];
        const TablePlan *plan = &a->plans[table];
        for (size_t i = 0; i < plan->n_defaults; i++) {
                size_t c = plan->defaults[i];
                if (row->cells[c])
                        continue;
                int r = dataset_set(a->d, row, table, c, t->columns[c].default_value, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A new row's cells from the record's fields, then what is derived and the defaults. */
static int apply_fields(Apply *a, Row *row, size_t table, const Record *rec, RecordBiobank *biobank) {
        /* Own fields first, inherited ones after, so an inherited value never hides a given one
         * (a second pass only for a record that has some). */
        bool inherited = false;
        int r;
        for (size_t i = 0; i < rec->n_fields; i++) {
                const RecordField *f = &rec->fields[i];
                inherited = inherited || f->inherited;
                if (f->name[0] == '@' || f->inherited)
                        continue;
                r = apply_field(a, row, table, biobank, rec->ascii, f);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; inherited && i < rec->n_fields; i++) {
                const RecordField *f = &rec->fields[i];
                if (f->name[0] == '@' || !f->inherited)
                        continue;
                r = apply_field(a, row, table, biobank, rec->ascii, f);
                if (r < 0)
                        return r;
        }
        r = apply_derived(a, row, table);
        if (r < 0)
                return r;
        return apply_defaults(a, row, table);
}

static int apply_record(Apply *a, const Record *rec) {
        /* Records come table by table. */
        int ti = a->last_table_name && streq(a->last_table_name, rec->table) ? a->last_table
                                                                              : model_table_index(a->model, rec->table);
        if (ti >= 0) {
                a->last_table_name = a->model->tables[ti].name;
                a->last_table = ti;
        }
        Location origin = dataset_location(a, &rec->location);
        if (ti < 0) {
                int r = apply_error(a, NULL, "unknown-table", rec->table, NULL, NULL, &origin, "unknown table '%s'",
                                    rec->table);
                return r < 0 ? r : 0;
        }
        size_t table = (size_t) ti;
        const ModelTable *t = &a->model->tables[table];

        _cleanup_(record_biobank_done) RecordBiobank biobank = { .rec = rec };
        bool is_collection = a->plans[table].is_collection;
        const char *biobank_id = is_collection ? record_biobank(a, &biobank) : NULL;
        if (is_collection && !biobank_id && !is_full_id(rec->id)) {
                int r = apply_error(a, NULL, "Orphan", t->name, rec->id, "biobank", &origin,
                                    "collection '%s' has no biobank: nest it under its biobank or give 'biobank'",
                                    rec->id);
                return r < 0 ? r : 0;
        }
        _cleanup_free_ char *doubled = NULL;
        if (is_collection && collection_id_doubled(a->m, a->node, rec->id, biobank_id, &doubled)) {
                int r = apply_error(a, NULL, "doubled-prefix", t->name, rec->id, "id", &origin,
                                    "collection id '%s' already holds its biobank's prefix '%s': write '%s' (the "
                                    "prefix is added to local ids), or the full id",
                                    rec->id, doubled, rec->id + strlen(doubled));
                return r < 0 ? r : 0;
        }
        /* Ids in NFC, as references to them are (an id with a decomposed letter is still refused
         * by the id rules, but once, and alike in both forms). */
        _cleanup_free_ char *id_owned = NULL, *id_nfc = NULL;
        if (!rec->ascii && utf8_nfc(rec->id, &id_nfc) == -ENOMEM)
                return -ENOMEM;
        const char *id = id_nfc ?: rec->id;
        if (!is_full_id(id))
                id = expand_id_borrowed(a->m, t->name, a->node, id, record_biobank(a, &biobank), &id_owned);
        if (!id) {
                int r = apply_error(a, NULL, "id", t->name, rec->id, "id", &origin,
                                    "no rule in %s expands the local id '%s' of %s", mapping_files_description(a->m),
                                    rec->id, t->name);
                return r < 0 ? r : 0;
        }

        /* The row is filled first and put in the index last: by then the slot its id hashes to,
         * asked for now, has come into the cache (at 400,000 rows the index is far bigger than the
         * cache). Its findings wait with it, so that a duplicate still gives its one error only. */
        uint32_t hash = dataset_id_hash(id);
        dataset_prefetch_slot(a->d, table, hash);
        Row *row = NULL;
        int r = dataset_new_row(a->d, table, id, &origin, &row);
        if (r == -E2BIG) {
                r = apply_error(a, NULL, "limit", t->name, id, NULL, &origin, "more than %u rows in %s",
                                LIMIT_ROWS_PER_TABLE, t->name);
                return r < 0 ? r : -E2BIG;
        }
        if (r < 0)
                return r;

        Findings *all = a->findings;
        a->findings = &a->row_findings;
        r = apply_fields(a, row, table, rec, &biobank);
        a->findings = all;
        Row *first = NULL;
        if (r >= 0)
                r = dataset_insert_row(a->d, table, row, hash, &first);
        if (r == -EEXIST) {
                /* What a duplicate's fields said is not reported: they were never its row's. */
                findings_done(&a->row_findings);
                if (first->origin.file)
                        r = apply_error(a, first, "duplicate-id", t->name, id, "id", &origin,
                                        "duplicate id '%s' (first defined at %s:%u)", id, first->origin.file,
                                        first->origin.line);
                else
                        r = apply_error(a, first, "duplicate-id", t->name, id, "id", &origin, "duplicate id '%s'", id);
                return r < 0 ? r : 0;
        }
        if (a->row_findings.n_items > 0 || a->row_findings.n_dropped > 0) {
                int k = findings_move_within_limits(a->findings, &a->row_findings);
                if (k < 0 && r >= 0)
                        r = k;
        }
        return r < 0 ? r : 0;
}

struct MappingRun {
        Apply a;
        TablePlan plans[64];
        StrMap *columns[64];
        bool *derivable[64];
        StrMap *files;
        Dataset *d;
};

static int plan_table(const Mapping *m, const ModelTable *t, TablePlan *ret) {
        TablePlan plan = { .is_collection = streq(t->name, "Collections") };
        plan.columns = calloc(t->n_columns ? t->n_columns : 1, sizeof(ColumnPlan));
        plan.defaults = calloc(t->n_columns ? t->n_columns : 1, sizeof(size_t));
        if (!plan.columns || !plan.defaults) {
                free(plan.columns);
                free(plan.defaults);
                return -ENOMEM;
        }
        for (size_t c = 0; c < t->n_columns; c++) {
                const ModelColumn *col = &t->columns[c];
                ColumnPlan *cp = &plan.columns[c];
                cp->is_list = column_type_is_list(col->type);
                cp->to_collection = col->ref_table && streq(col->ref_table, "Collections");
                cp->derived = derived_from(m, t->name, col->name);
                for (size_t i = 0; col->ontology && i < m->n_prefixes && !cp->has_prefix; i++)
                        cp->has_prefix = streq(m->prefixes[i].table, col->ontology);
                if (col->node_owned && col->default_value)
                        plan.defaults[plan.n_defaults++] = c;
        }
        *ret = plan;
        return 0;
}

MappingRun *mapping_run_free(MappingRun *run) {
        if (!run)
                return NULL;
        for (size_t t = 0; t < ELEMENTSOF(run->columns); t++) {
                strmap_free(run->columns[t]);
                free(run->derivable[t]);
                free(run->plans[t].columns);
                free(run->plans[t].defaults);
        }
        strmap_free(run->files);
        findings_done(&run->a.row_findings);
        dataset_free(run->d);
        free(run);
        return NULL;
}

int mapping_run_new(const Mapping *m, const Model *model, const Vocabularies *v, const char *node,
                    Findings *findings, MappingRun **ret) {
        if (!m || !model || !node)
                return -EINVAL;
        if (model->n_tables > ELEMENTSOF(((MappingRun *) NULL)->columns))
                return -E2BIG;
        _cleanup_(mapping_run_freep) MappingRun *run = calloc(1, sizeof(MappingRun));
        if (!run)
                return -ENOMEM;
        int r = dataset_new(model, &run->d);
        if (r < 0)
                return r;
        if (!(run->files = strmap_new()))
                return -ENOMEM;
        for (size_t t = 0; t < model->n_tables; t++)
                if (!(run->columns[t] = strmap_new()))
                        return -ENOMEM;
        /* Which columns a derived rule fills, so that a row asks only about those. */
        for (size_t i = 0; i < m->n_derived; i++) {
                int t = model_table_index(model, m->derived[i].table);
                int c = t >= 0 ? model_column_index(&model->tables[t], m->derived[i].column) : -1;
                if (c < 0)
                        continue;
                if (!run->derivable[t] && !(run->derivable[t] = calloc(model->tables[t].n_columns, sizeof(bool))))
                        return -ENOMEM;
                run->derivable[t][c] = true;
        }
        for (size_t t = 0; t < model->n_tables; t++)
                if ((r = plan_table(m, &model->tables[t], &run->plans[t])) < 0)
                        return r;
        run->a = (Apply) {
                .plans = run->plans,
                .columns = run->columns,
                .m = m,
                .model = model,
                .v = v,
                .node = node,
                .d = run->d,
                .findings = findings,
                .files = run->files,
        };
        for (size_t t = 0; t < model->n_tables; t++)
                run->a.derivable[t] = run->derivable[t];
        *ret = TAKE_PTR(run);
        return 0;
}

int mapping_run_record(MappingRun *run, const Record *rec) {
        if (!run || !run->d || !rec)
                return -EINVAL;
        return apply_record(&run->a, rec);
}

int mapping_run_records(MappingRun *run, const RecordSet *records) {
        if (!run || !run->d || !records)
                return -EINVAL;
        Apply *a = &run->a;
        if (records->node && !streq(records->node, a->node)) {
                const char *file = records->files ? records->files[0] : NULL;
                Location loc = { .file = file ? dataset_file(a, file) : NULL, .line = 1, .column = 1 };
                int r = findings_add(a->findings, SEVERITY_ERROR, "node", NULL, NULL, "node", file ? &loc : NULL,
                                     "the master is for node '%s' but the configuration is for node '%s'",
                                     records->node, a->node);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < records->n_records; i++) {
                int r = apply_record(a, records->records[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mapping_run_finish(MappingRun *run, Dataset **ret) {
        if (!run || !run->d)
                return -EINVAL;
        *ret = TAKE_PTR(run->d);
        run->a.d = NULL;
        return 0;
}

int mapping_apply(const Mapping *m, const Model *model, const Vocabularies *v, const char *node,
                  const RecordSet *records, Dataset **ret, Findings *findings) {
        _cleanup_(mapping_run_freep) MappingRun *run = NULL;
        int r = mapping_run_new(m, model, v, node, findings, &run);
        if (r < 0)
                return r;
        r = mapping_run_records(run, records);
        if (r < 0)
                return r;
        return mapping_run_finish(run, ret);
}
