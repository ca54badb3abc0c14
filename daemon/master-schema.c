/* SPDX-License-Identifier: MIT */
#include <jansson.h>

#include "limits.h"
#include "master-schema.h"
#include "master.h"

/* What the reader fills in for a nested entity: not required of what a person writes. */
static const char *const implied_columns[] = { "biobank", "parent_collection", "collection" };

static bool listed(const char *const *names, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(names[i], name))
                        return true;
        return false;
}

/* jansson's set_new steals the value; NULL (OOM) is refused, and so the one check at the end sees it. */
static json_t *obj_set(json_t *o, const char *key, json_t *value) {
        if (o && json_object_set_new(o, key, value) < 0)
                return NULL;
        return o;
}

static json_t *text_schema(void) {
        /* YAML reads 51.05 or 4000 as numbers; the master reads every scalar as text. */
        return json_pack("{s:[s,s]}", "type", "string", "number");
}

/* An id and, when it reads as a whole number, the number YAML makes of it. */
static int enum_add(json_t *values, const char *s) {
        if (json_array_append_new(values, json_string(s)) < 0)
                return -ENOMEM;
        char *end = NULL;
        long long n = strtoll(s, &end, 10);
        if (*s && !*end && s[0] != '+' && !(s[0] == '0' && s[1])) {
                if (json_array_append_new(values, json_integer(n)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

typedef struct Terms {
        json_t *ids, *labels;
} Terms;

static int add_term(void *userdata, const char *id, const char *label) {
        Terms *t = userdata;
        if (enum_add(t->ids, id) < 0)
                return -ENOMEM;
        return label && !streq(label, id) ? enum_add(t->labels, label) : 0;
}

static int add_mapped(void *userdata, const char *term, const char *id) {
        return enum_add(userdata, term);
}

static json_t *group(const char *description, json_t *values) {
        return json_pack("{s:s,s:o}", "description", description, "enum", values);
}

/* The values a lookup table accepts: Directory ids, labels and the mapping files' terms. NULL
 * when nothing is known of the table, or when it is too big to list (DiseaseTypes' 23,000 terms,
 * written as bare codes the mapping files' prefixes complete): any text then, and `check` says
 * what it makes of it. */
static json_t *lookup_schema(const Mapping *m, const Vocabularies *v, const char *ontology) {
        if (vocab_table_size(v, ontology) > LIMIT_SCHEMA_LOOKUP_TERMS)
                return NULL;
        json_t *ids = json_array(), *labels = json_array(), *terms = json_array();
        Terms t = { ids, labels };
        json_t *any = NULL;
        if (ids && labels && terms && vocab_for_each_term(v, ontology, add_term, &t) >= 0 &&
            mapping_for_each_term(m, ontology, add_mapped, terms) >= 0) {
                any = json_array();
                if (any && json_array_size(ids) > 0)
                        json_array_append_new(any, group("Directory ids", json_incref(ids)));
                if (any && json_array_size(labels) > 0)
                        json_array_append_new(any, group("Directory labels", json_incref(labels)));
                if (any && json_array_size(terms) > 0)
                        json_array_append_new(any, group("terms of the mapping files", json_incref(terms)));
        }
        json_decref(ids);
        json_decref(labels);
        json_decref(terms);
        if (!any || json_array_size(any) == 0) {
                json_decref(any);
                return NULL;
        }
        return json_pack("{s:o}", "anyOf", any);
}

static json_t *value_schema(const ModelColumn *col, json_t *defs) {
        switch (col->type) {
        case COLUMN_INT:
                return json_pack("{s:[s,s],s:s}", "type", "integer", "string", "pattern", "^[-+]?[0-9]+$");
        case COLUMN_BOOL:
                return json_pack("{s:[{s:s},{s:s,s:s}]}", "anyOf", "type", "boolean", "type", "string", "pattern",
                                 "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$");
        default:
                break;
        }
        if (col->ontology && json_object_get(defs, col->ontology)) {
                _cleanup_free_ char *ref = strdup_printf("#/$defs/%s", col->ontology);
                return ref ? json_pack("{s:s}", "$ref", ref) : NULL;
        }
        return text_schema();
}

static json_t *column_schema(const ModelColumn *col, json_t *defs) {
        json_t *item = value_schema(col, defs);
        json_t *s = column_type_is_list(col->type) && item
                            ? json_pack("{s:[o,{s:s,s:O}]}", "anyOf", item, "type", "array", "items", item)
                            : item;
        if (s && col->description)
                s = obj_set(s, "description", json_string(col->description));
        return s;
}

typedef struct Aliases {
        const ModelTable *t;
        json_t *properties, *defs;
        int error;
} Aliases;

static int add_alias(void *userdata, const char *alias, const char *column) {
        Aliases *a = userdata;
        const ModelColumn *col = model_find_column(a->t, column);
        if (!col || !col->node_owned || json_object_get(a->properties, alias))
                return 0;
        json_t *s = column_schema(col, a->defs);
        _cleanup_free_ char *d = strdup_printf("the same as '%s'", column);
        if (!s || !d || !obj_set(s, "description", json_string(d)) ||
            json_object_set_new(a->properties, alias, s) < 0)
                return -ENOMEM;
        return 0;
}

static json_t *array_of(const char *def) {
        _cleanup_free_ char *ref = strdup_printf("#/$defs/%s", def);
        return ref ? json_pack("{s:s,s:{s:s}}", "type", "array", "items", "$ref", ref) : NULL;
}

/* Whether the mapping derives the column (from another one's value). */
static bool is_derived(const Mapping *m, const ModelTable *t, size_t column) {
        _cleanup_free_ const char **cells = calloc(t->n_columns, sizeof(char *));
        if (!cells)
                return false;
        for (size_t c = 0; c < t->n_columns; c++)
                cells[c] = c == column ? NULL : "10";
        char buf[32];
        return mapping_derived_value(m, t, cells, column, buf, sizeof buf) > 0;
}

static json_t *table_schema(const ModelTable *t, const Mapping *m, json_t *defs) {
        json_t *properties = json_object(), *required = json_array();
        bool nestable = streq(t->name, "Collections") || streq(t->name, "CollectionFacts") ||
                        streq(t->name, "Services");
        for (size_t c = 0; properties && required && c < t->n_columns; c++) {
                const ModelColumn *col = &t->columns[c];
                if (!col->node_owned)
                        continue;
                if (json_object_set_new(properties, col->name, column_schema(col, defs)) < 0)
                        goto fail;
                bool optional = col->default_value || is_derived(m, t, c) ||
                                (nestable && listed(implied_columns, ELEMENTSOF(implied_columns), col->name)) ||
                                (streq(t->name, "Collections") &&
                                 listed(master_inherited_fields, MASTER_N_INHERITED_FIELDS, col->name));
                if (col->required && !optional && json_array_append_new(required, json_string(col->name)) < 0)
                        goto fail;
        }
        Aliases a = { t, properties, defs, 0 };
        if (!properties || !required || mapping_for_each_alias(m, t->name, add_alias, &a) < 0)
                goto fail;
        if (streq(t->name, "Biobanks")) {
                properties = obj_set(properties, "collections", array_of("Collections"));
                properties = obj_set(properties, "services", array_of("Services"));
        } else if (streq(t->name, "Collections")) {
                properties = obj_set(properties, "collections", array_of("Collections"));
                properties = obj_set(properties, "facts", array_of("CollectionFacts"));
                properties = obj_set(properties, "facts_file",
                                     json_pack("{s:s,s:s}", "type", "string", "description",
                                               "a CSV file of this collection's facts, relative to the master"));
        }
        if (!properties)
                goto fail;
        return json_pack("{s:s,s:s*,s:o,s:o,s:b}", "type", "object", "description", t->description, "properties",
                         properties, "required", required, "additionalProperties", 0);
fail:
        json_decref(properties);
        json_decref(required);
        return NULL;
}

int master_schema_build(const Model *model, const Mapping *m, const Vocabularies *v, char **ret_json,
                        size_t *ret_size) {
        json_t *defs = json_object(), *properties = json_object();
        json_t *root = NULL;
        int r = -ENOMEM;
        if (!defs || !properties)
                goto done;
        /* Lookup tables first: the columns refer to them. */
        for (size_t t = 0; t < model->n_tables; t++)
                for (size_t c = 0; c < model->tables[t].n_columns; c++) {
                        const char *ontology = model->tables[t].columns[c].ontology;
                        if (!ontology || json_object_get(defs, ontology))
                                continue;
                        json_t *s = lookup_schema(m, v, ontology);
                        if (s && json_object_set_new(defs, ontology, s) < 0)
                                goto done;
                }
        for (size_t t = 0; t < model->n_tables; t++) {
                json_t *s = table_schema(&model->tables[t], m, defs);
                if (!s || json_object_set_new(defs, model->tables[t].name, s) < 0)
                        goto done;
        }
        if (!obj_set(properties, "node",
                     json_pack("{s:s,s:s}", "type", "string", "description",
                               "the node code (BE): local ids become bbmri-eric:ID:BE_...")))
                goto done;
        for (size_t i = 0; i < MASTER_N_SECTIONS; i++)
                if (model_find_table(model, master_sections[i].table) &&
                    !obj_set(properties, master_sections[i].key, array_of(master_sections[i].table)))
                        goto done;
        if (model_find_table(model, "CollectionFacts") &&
            !obj_set(properties, "collection_facts",
                     json_pack("{s:s,s:{s:[{s:s},{s:s,s:{s:{s:s,s:s}},s:[s],s:b}]}}", "type", "array", "items",
                               "anyOf", "$ref", "#/$defs/CollectionFacts", "type", "object", "properties", "file",
                               "type", "string", "description", "a CSV file of facts, relative to the master",
                               "required", "file", "additionalProperties", 0)))
                goto done;
        root = json_pack("{s:s,s:s,s:s,s:s,s:O,s:[s],s:b,s:O}", "$schema",
                         "https://json-schema.org/draft/2020-12/schema", "title", "bbmri-dirsync master file",
                         "description",
                         "A node's records for the BBMRI-ERIC Directory, as bbmri-dirsync reads them (generated "
                         "from the model and the mapping files by `bbmri-dirsync schema`)",
                         "type", "object", "properties", properties, "required", "node", "additionalProperties", 0,
                         "$defs", defs);
        if (!root)
                goto done;
        char *json = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!json)
                goto done;
        size_t n = strlen(json);
        char *with_newline = realloc(json, n + 2);
        if (!with_newline) {
                free(json);
                goto done;
        }
        with_newline[n] = '\n';
        with_newline[n + 1] = 0;
        *ret_json = with_newline;
        *ret_size = n + 1;
        r = 0;
done:
        json_decref(root);
        json_decref(defs);
        json_decref(properties);
        return r;
}
