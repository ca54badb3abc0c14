/* SPDX-License-Identifier: MIT */
#include <ctype.h>

#include "limits.h"
#include "emx2-names.h"
#include "model.h"
#include "yamltree.h"

/* The id patterns are ours, but the model file is read like any other input: a counted
 * repetition such as ((a{255}){255}){255} makes regcomp() build an automaton of millions of
 * states. */
#define MODEL_ID_PATTERN_MAX_BYTES LIMIT_ID_PATTERN_BYTES
#define MODEL_ID_PATTERN_MAX_REPEAT LIMIT_ID_PATTERN_REPEAT

static const char *const column_type_names[_COLUMN_TYPE_MAX] = {
        [COLUMN_STRING] = "string",
        [COLUMN_TEXT] = "text",
        [COLUMN_INT] = "int",
        [COLUMN_BOOL] = "bool",
        [COLUMN_REF] = "ref",
        [COLUMN_REF_ARRAY] = "ref_array",
        [COLUMN_ONTOLOGY] = "ontology",
        [COLUMN_ONTOLOGY_ARRAY] = "ontology_array",
        [COLUMN_HYPERLINK] = "hyperlink",
        [COLUMN_EMAIL] = "email",
        [COLUMN_DATE] = "date",
        [COLUMN_DATETIME] = "datetime",
        [COLUMN_REFBACK] = "refback",
        [COLUMN_HEADING] = "heading",
};

const char *column_type_to_string(ColumnType t) {
        if ((unsigned) t >= _COLUMN_TYPE_MAX)
                return NULL;
        return column_type_names[t];
}

int column_type_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < _COLUMN_TYPE_MAX; i++)
                if (streq(column_type_names[i], s))
                        return (int) i;
        return -EINVAL;
}

bool column_type_is_list(ColumnType t) {
        return t == COLUMN_REF_ARRAY || t == COLUMN_ONTOLOGY_ARRAY || t == COLUMN_REFBACK;
}

static void model_column_done(ModelColumn *c) {
        free(c->name);
        free(c->ref_table);
        free(c->ontology);
        free(c->default_value);
        free(c->refback_via);
        free(c->description);
}

static void model_table_done(ModelTable *t) {
        free(t->name);
        free(t->description);
        free(t->id_kind);
        /* id_pattern is set only once id_regex compiled, so it tells whether to regfree(). */
        if (t->id_pattern)
                regfree(&t->id_regex);
        free(t->id_pattern);
        free(t->id_message);
        for (size_t i = 0; i < t->n_columns; i++)
                model_column_done(&t->columns[i]);
        free(t->columns);
}

Model *model_free(Model *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_tables; i++)
                model_table_done(&m->tables[i]);
        free(m->tables);
        free(m->source);
        free(m);
        return NULL;
}

typedef struct Parser {
        const YDoc *doc;
        Findings *findings;
        bool failed;      /* an error finding was added: the model is refused at the end */
        int fatal;        /* -ENOMEM: stop at once */
} Parser;

static void parser_oom(Parser *p, int r) {
        if (r == -ENOMEM)
                p->fatal = r;
}

_printf_(3, 4) static void parser_error(Parser *p, const YNode *n, const char *fmt, ...) {
        Location loc;
        ynode_location(p->doc, n, &loc);
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(p->findings, SEVERITY_ERROR, "model-invalid", NULL, NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        p->failed = true;
        parser_oom(p, r);
}

static void check_keys(Parser *p, const YNode *map, const char *what, const char *const *allowed) {
        int r = ynode_check_keys(p->doc, map, what, allowed, p->findings);
        if (r < 0) {
                p->failed = true;
                parser_oom(p, r);
        }
}

/* Copies the string value of map[key] to *ret: NULL when absent or null, which is an error
 * finding when required. An empty string is always an error. */
static int get_string(Parser *p, const YNode *map, const char *key, bool required, const char *where, char **ret) {
        const YNode *n = ynode_get(map, key);
        if (!n || ynode_is_null(n)) {
                if (required)
                        parser_error(p, map, "'%s' is required in %s", key, where);
                *ret = NULL;
                return required ? -EINVAL : 0;
        }
        const char *s;
        int r = ynode_get_string(p->doc, n, key, &s, p->findings);
        if (r < 0) {
                p->failed = true;
                parser_oom(p, r);
                return r;
        }
        if (isempty(s)) {
                parser_error(p, n, "'%s' must not be empty", key);
                return -EINVAL;
        }
        *ret = strdup(s);
        if (!*ret) {
                p->fatal = -ENOMEM;
                return -ENOMEM;
        }
        return 0;
}

static int get_bool(Parser *p, const YNode *map, const char *key, bool *ret) {
        const YNode *n = ynode_get(map, key);
        if (!n) {
                *ret = false;
                return 0;
        }
        int r = ynode_get_bool(p->doc, n, key, ret, p->findings);
        if (r < 0) {
                p->failed = true;
                parser_oom(p, r);
        }
        return r;
}

/* Refuses patterns whose counted repetitions multiply beyond MODEL_ID_PATTERN_MAX_REPEAT
 * (over-approximated: every {n} or {n,m} counts, nested or not). */
static bool pattern_repeat_is_bounded(const char *s) {
        uint64_t product = 1;
        for (const char *c = s; *c; c++) {
                if (*c != '{' || !isdigit((unsigned char) c[1]))
                        continue;
                uint64_t bound = 0;
                const char *d = c + 1;
                for (; isdigit((unsigned char) *d); d++) {
                        bound = bound * 10 + (uint64_t) (*d - '0');
                        if (bound > MODEL_ID_PATTERN_MAX_REPEAT)
                                return false;
                }
                if (*d == ',') {
                        uint64_t upper = 0;
                        bool any = false;
                        for (d++; isdigit((unsigned char) *d); d++) {
                                any = true;
                                upper = upper * 10 + (uint64_t) (*d - '0');
                                if (upper > MODEL_ID_PATTERN_MAX_REPEAT)
                                        return false;
                        }
                        if (any && upper > bound)
                                bound = upper;
                }
                if (bound > 1)
                        product *= bound;
                if (product > MODEL_ID_PATTERN_MAX_REPEAT)
                        return false;
        }
        return true;
}

static void parse_id_pattern(Parser *p, const YNode *tmap, ModelTable *t) {
        const YNode *n = ynode_get(tmap, "id_pattern");
        _cleanup_free_ char *pattern = NULL;
        _cleanup_free_ char *where = strdup_printf("table '%s'", t->name ?: "?");
        if (!where) {
                p->fatal = -ENOMEM;
                return;
        }
        if (get_string(p, tmap, "id_pattern", true, where, &pattern) < 0)
                return;
        if (strlen(pattern) > MODEL_ID_PATTERN_MAX_BYTES) {
                parser_error(p, n, "id_pattern is longer than %u bytes", MODEL_ID_PATTERN_MAX_BYTES);
                return;
        }
        if (!pattern_repeat_is_bounded(pattern)) {
                parser_error(p, n, "id_pattern repeats more than %u times", MODEL_ID_PATTERN_MAX_REPEAT);
                return;
        }
        int k = regcomp(&t->id_regex, pattern, REG_EXTENDED | REG_NOSUB);
        if (k != 0) {
                char buf[256];
                regerror(k, &t->id_regex, buf, sizeof(buf));
                parser_error(p, n, "id_pattern is not a valid POSIX extended regular expression: %s", buf);
                return;
        }
        t->id_pattern = TAKE_PTR(pattern);
}

static void parse_column(Parser *p, const YNode *cmap, ModelTable *t, ModelColumn *c, bool *ret_server_owned) {
        static const char *const keys[] = {
                "name", "type", "key", "required", "ref", "ontology", "refback_via", "default", "owner",
                "ordered", "description", "any", NULL,
        };
        *ret_server_owned = false;
        if (!cmap || cmap->type != YNODE_MAPPING) {
                parser_error(p, cmap, "a column must be a mapping, not %s", ynode_type_name(cmap));
                return;
        }
        check_keys(p, cmap, "a column", keys);

        _cleanup_free_ char *where = strdup_printf("a column of table '%s'", t->name ?: "?");
        if (!where) {
                p->fatal = -ENOMEM;
                return;
        }
        (void) get_string(p, cmap, "name", true, where, &c->name);
        if (c->name) {
                free(where);
                where = strdup_printf("column '%s' of table '%s'", c->name, t->name ?: "?");
                if (!where) {
                        p->fatal = -ENOMEM;
                        return;
                }
        }
        (void) get_string(p, cmap, "ref", false, where, &c->ref_table);
        (void) get_string(p, cmap, "ontology", false, where, &c->ontology);
        if (c->ontology && !emx2_table_name_is_valid(c->ontology))
                parser_error(p, ynode_get(cmap, "ontology"),
                             "ontology table name '%.64s' is not one EMX2 accepts (" EMX2_TABLE_NAME_RULE ")", c->ontology);
        (void) get_string(p, cmap, "refback_via", false, where, &c->refback_via);
        (void) get_string(p, cmap, "description", false, where, &c->description);
        (void) get_bool(p, cmap, "key", &c->key);
        (void) get_bool(p, cmap, "required", &c->required);
        (void) get_bool(p, cmap, "ordered", &c->ordered);
        (void) get_bool(p, cmap, "any", &c->takes_any);

        /* Kept as written ('false', '0'): empty is allowed, a list or mapping is not. */
        const YNode *dn = ynode_get(cmap, "default");
        if (dn && !ynode_is_null(dn)) {
                const char *s;
                int r = ynode_get_string(p->doc, dn, "default", &s, p->findings);
                if (r < 0) {
                        p->failed = true;
                        parser_oom(p, r);
                } else if (!(c->default_value = strdup(s)))
                        p->fatal = -ENOMEM;
        }

        _cleanup_free_ char *owner = NULL;
        if (get_string(p, cmap, "owner", false, where, &owner) >= 0 && owner) {
                if (streq(owner, "server"))
                        *ret_server_owned = true;
                else if (!streq(owner, "node"))
                        parser_error(p, ynode_get(cmap, "owner"), "owner must be 'node' or 'server', not '%.64s'", owner);
        }

        _cleanup_free_ char *type = NULL;
        if (get_string(p, cmap, "type", true, where, &type) < 0)
                return;
        int ct = column_type_from_string(type);
        if (ct < 0) {
                parser_error(p, ynode_get(cmap, "type"), "unknown column type '%.64s' of column '%s' in table '%s'", type,
                             c->name ?: "?", t->name ?: "?");
                return;
        }
        c->type = (ColumnType) ct;
        c->node_owned = !*ret_server_owned && c->type != COLUMN_REFBACK && c->type != COLUMN_HEADING;

        /* Each kind of column says where its values come from, and only that. */
        const char *cname = c->name ?: "?";
        switch (c->type) {
        case COLUMN_REF:
        case COLUMN_REF_ARRAY:
                if (!c->ref_table && !c->ontology)
                        parser_error(p, cmap, "column '%s' of type %s needs 'ref' or 'ontology'", cname, type);
                else if (c->ref_table && c->ontology)
                        parser_error(p, cmap, "column '%s' has both 'ref' and 'ontology'", cname);
                break;
        case COLUMN_ONTOLOGY:
        case COLUMN_ONTOLOGY_ARRAY:
                if (!c->ontology)
                        parser_error(p, cmap, "column '%s' of type %s needs 'ontology'", cname, type);
                if (c->ref_table)
                        parser_error(p, ynode_get(cmap, "ref"), "column '%s' of type %s cannot have 'ref'", cname, type);
                break;
        case COLUMN_REFBACK:
                if (!c->ref_table || !c->refback_via)
                        parser_error(p, cmap, "refback column '%s' needs 'ref' and 'refback_via'", cname);
                if (c->ontology)
                        parser_error(p, ynode_get(cmap, "ontology"), "refback column '%s' cannot have 'ontology'", cname);
                break;
        default:
                if (c->ref_table)
                        parser_error(p, ynode_get(cmap, "ref"), "column '%s' of type %s cannot have 'ref'", cname, type);
                if (c->ontology)
                        parser_error(p, ynode_get(cmap, "ontology"), "column '%s' of type %s cannot have 'ontology'",
                                     cname, type);
                break;
        }
        if (c->takes_any && !c->ontology)
                parser_error(p, ynode_get(cmap, "any"), "only a lookup column (with 'ontology') can take '*' (any)");
        if (c->refback_via && c->type != COLUMN_REFBACK)
                parser_error(p, ynode_get(cmap, "refback_via"), "only a refback column can have 'refback_via'");
        if (c->key && (c->type == COLUMN_REFBACK || c->type == COLUMN_HEADING || column_type_is_list(c->type)))
                parser_error(p, ynode_get(cmap, "key"), "column '%s' of type %s cannot be the key", cname, type);
}

static void parse_table(Parser *p, const YNode *tmap, ModelTable *t) {
        static const char *const keys[] = {
                "name", "description", "id_kind", "id_pattern", "id_message", "columns", NULL,
        };
        if (!tmap || tmap->type != YNODE_MAPPING) {
                parser_error(p, tmap, "a table must be a mapping, not %s", ynode_type_name(tmap));
                return;
        }
        check_keys(p, tmap, "a table", keys);
        (void) get_string(p, tmap, "name", true, "a table", &t->name);
        if (t->name && !emx2_table_name_is_valid(t->name))
                parser_error(p, ynode_get(tmap, "name"), "table name '%.64s' is not one EMX2 accepts (" EMX2_TABLE_NAME_RULE ")",
                             t->name);
        _cleanup_free_ char *where = strdup_printf("table '%s'", t->name ?: "?");
        if (!where) {
                p->fatal = -ENOMEM;
                return;
        }
        (void) get_string(p, tmap, "description", false, where, &t->description);
        (void) get_string(p, tmap, "id_kind", true, where, &t->id_kind);
        (void) get_string(p, tmap, "id_message", false, where, &t->id_message);
        parse_id_pattern(p, tmap, t);
        if (p->fatal)
                return;

        const YNode *cols = ynode_get(tmap, "columns");
        if (!cols || cols->type != YNODE_SEQUENCE || cols->n_items == 0) {
                parser_error(p, cols ?: tmap, "table '%s' needs 'columns': a list of columns", t->name ?: "?");
                return;
        }
        t->columns = calloc(cols->n_items, sizeof(ModelColumn));
        if (!t->columns) {
                p->fatal = -ENOMEM;
                return;
        }
        size_t n_keys = 0;
        for (size_t i = 0; i < cols->n_items && !p->fatal; i++) {
                ModelColumn *c = &t->columns[i];
                bool server_owned;
                t->n_columns = i + 1;
                parse_column(p, cols->items[i], t, c, &server_owned);
                if (c->name)
                        for (size_t j = 0; j < i; j++)
                                if (streq_ptr(t->columns[j].name, c->name)) {
                                        parser_error(p, cols->items[i], "duplicate column '%s' in table '%s'", c->name,
                                                     t->name ?: "?");
                                        break;
                                }
                if (c->key) {
                        if (n_keys == 0)
                                t->id_column = i;
                        else
                                parser_error(p, cols->items[i], "table '%s' has more than one key column ('%s' and '%s')",
                                             t->name ?: "?", t->columns[t->id_column].name ?: "?", c->name ?: "?");
                        n_keys++;
                }
        }
        if (n_keys == 0 && !p->fatal)
                parser_error(p, tmap, "table '%s' has no key column", t->name ?: "?");
}

/* Every ref and refback must point inside the model; checked once all tables are known. */
static void check_references(Parser *p, Model *m, const YNode *tables) {
        for (size_t i = 0; i < m->n_tables; i++) {
                ModelTable *t = &m->tables[i];
                const YNode *cols = ynode_get(tables->items[i], "columns");
                for (size_t j = 0; j < t->n_columns; j++) {
                        ModelColumn *c = &t->columns[j];
                        c->ref_table_index = c->ref_table ? model_table_index(m, c->ref_table) : -1;
                        if (!c->ref_table)
                                continue;
                        const YNode *at = ynode_get(cols->items[j], "ref");
                        const ModelTable *target = model_find_table(m, c->ref_table);
                        if (!target) {
                                parser_error(p, at, "column '%s' of table '%s' refers to table '%s', which is not in the model",
                                             c->name ?: "?", t->name ?: "?", c->ref_table);
                                continue;
                        }
                        if (c->type != COLUMN_REFBACK || !c->refback_via)
                                continue;
                        const ModelColumn *via = model_find_column(target, c->refback_via);
                        if (!via || (via->type != COLUMN_REF && via->type != COLUMN_REF_ARRAY) ||
                            !streq_ptr(via->ref_table, t->name))
                                parser_error(p, ynode_get(cols->items[j], "refback_via"),
                                             "refback column '%s' of table '%s': '%s' is not a column of '%s' referring to '%s'",
                                             c->name ?: "?", t->name ?: "?", c->refback_via, c->ref_table, t->name ?: "?");
                }
        }
}

int model_parse(const char *data, size_t size, const char *filename, Model **ret, Findings *findings) {
        static const char *const keys[] = { "version", "tables", NULL };
        _cleanup_(ydoc_freep) YDoc *doc = NULL;
        int r = ydoc_parse(data, size, filename, &doc, findings);
        if (r < 0)
                return r;

        Parser p = { .doc = doc, .findings = findings };
        const YNode *root = doc->root;
        if (root->type != YNODE_MAPPING) {
                parser_error(&p, root, "the model file must be a mapping with 'version' and 'tables'");
                return p.fatal ?: -EBADMSG;
        }
        check_keys(&p, root, "the model file", keys);

        const YNode *vn = ynode_get(root, "version");
        int64_t version = 0;
        if (!vn)
                parser_error(&p, root, "'version' is required (version: 1)");
        else if (ynode_get_int64(doc, vn, "version", &version, findings) < 0)
                p.failed = true;
        else if (version != 1)
                parser_error(&p, vn, "unsupported model version %" PRIi64 " (this program reads version 1)", version);

        _cleanup_(model_freep) Model *m = calloc(1, sizeof(Model));
        if (!m)
                return -ENOMEM;
        m->source = strdup(doc->filename);
        if (!m->source)
                return -ENOMEM;

        const YNode *tables = ynode_get(root, "tables");
        if (!tables || tables->type != YNODE_SEQUENCE || tables->n_items == 0) {
                parser_error(&p, tables ?: root, "'tables' must be a non-empty list of tables");
                return p.fatal ?: -EBADMSG;
        }
        m->tables = calloc(tables->n_items, sizeof(ModelTable));
        if (!m->tables)
                return -ENOMEM;
        for (size_t i = 0; i < tables->n_items && !p.fatal; i++) {
                ModelTable *t = &m->tables[i];
                m->n_tables = i + 1;
                t->index = i;
                parse_table(&p, tables->items[i], t);
                if (t->name)
                        for (size_t j = 0; j < i; j++)
                                if (streq_ptr(m->tables[j].name, t->name)) {
                                        parser_error(&p, ynode_get(tables->items[i], "name"), "duplicate table '%s'",
                                                     t->name);
                                        break;
                                }
        }
        if (p.fatal)
                return p.fatal;
        /* Cross-table checks only make sense on tables that parsed: a table missing its columns
         * list would make every reference to it look wrong. */
        if (!p.failed)
                check_references(&p, m, tables);
        if (p.fatal)
                return p.fatal;
        if (p.failed)
                return -EBADMSG;
        *ret = TAKE_PTR(m);
        return 0;
}

int model_load(const char *path, Model **ret, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r = read_file_limited(path, LIMIT_MAPPING_FILE_BYTES, &data, &size);
        if (r < 0) {
                Location loc = { .file = path };
                int k = r == -EFBIG ? findings_error_at(findings, "file-too-large", &loc,
                                                        "file is larger than the limit of %u bytes",
                                                        LIMIT_MAPPING_FILE_BYTES)
                                    : findings_error_at(findings, "file-unreadable", &loc, "cannot read model file: %s",
                                                        strerror(-r));
                return k < 0 ? k : r;
        }
        return model_parse(data, size, path, ret, findings);
}

const ModelTable *model_find_table(const Model *m, const char *name) {
        int i = model_table_index(m, name);
        return i < 0 ? NULL : &m->tables[i];
}

int model_table_index(const Model *m, const char *name) {
        if (!m || !name)
                return -ENOENT;
        for (size_t i = 0; i < m->n_tables; i++)
                if (streq_ptr(m->tables[i].name, name))
                        return (int) i;
        return -ENOENT;
}

const ModelColumn *model_find_column(const ModelTable *t, const char *name) {
        int i = model_column_index(t, name);
        return i < 0 ? NULL : &t->columns[i];
}

int model_column_index(const ModelTable *t, const char *name) {
        if (!t || !name)
                return -ENOENT;
        for (size_t i = 0; i < t->n_columns; i++)
                if (streq_ptr(t->columns[i].name, name))
                        return (int) i;
        return -ENOENT;
}
