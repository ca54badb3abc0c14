/* SPDX-License-Identifier: MIT */
#include "miabis-doc.h"
#include "miabis-xml.h"

/* The lookup tables MIABIS 2.0 enumerates: the schema's simple type, written as the label the
 * mapping files give each Directory id. */
enum {
        TERM_SEX,
        TERM_TIME_UNIT,
        TERM_DATA_CATEGORY,
        TERM_MATERIAL_TYPE,
        TERM_TEMPERATURE,
        TERM_COLLECTION_TYPE,
        _TERM_MAX,
};
static const char *const term_schema_types[_TERM_MAX] = {
        [TERM_SEX] = "Sex",
        [TERM_TIME_UNIT] = "TimeUnit",
        [TERM_DATA_CATEGORY] = "DataCategory",
        [TERM_MATERIAL_TYPE] = "MaterialType",
        [TERM_TEMPERATURE] = "Temperature",
        [TERM_COLLECTION_TYPE] = "CollectionType",
};

typedef enum ValueKind {
        VALUE_TEXT,            /* the cell as it is */
        VALUE_TERM,            /* one element per list item, as its MIABIS label */
        VALUE_REF,             /* IDREFS of one encoded Directory id */
        VALUE_DISEASES,        /* IDREFS of the disease elements */
        VALUE_SUB_COLLECTIONS, /* IDREFS of the collections whose parent (or biobank) this row is */
} ValueKind;

typedef struct ElementSpec {
        const char *column;    /* Directory column; NULL for VALUE_SUB_COLLECTIONS */
        const char *element;
        ValueKind kind;
        int term;
} ElementSpec;

/* In schema order. */
static const ElementSpec person_elements[] = {
        { "first_name", "firstname", VALUE_TEXT }, { "last_name", "lastname", VALUE_TEXT },
        { "phone", "phone", VALUE_TEXT },          { "email", "email", VALUE_TEXT },
        { "address", "address", VALUE_TEXT },      { "zip", "zip", VALUE_TEXT },
        { "city", "city", VALUE_TEXT },            { "country", "country", VALUE_TEXT },
        {},
};

static const ElementSpec biobank_elements[] = {
        { "acronym", "acronym", VALUE_TEXT },
        { "name", "name", VALUE_TEXT },
        { "url", "url", VALUE_TEXT },
        { "juridical_person", "juristicPerson", VALUE_TEXT },
        { "country", "country", VALUE_TEXT },
        { "contact", "contactInformation", VALUE_REF },
        { "description", "description", VALUE_TEXT },
        { NULL, "sampleCollections", VALUE_SUB_COLLECTIONS },
        {},
};

static const ElementSpec collection_elements[] = {
        { "acronym", "acronym", VALUE_TEXT },
        { "name", "name", VALUE_TEXT },
        { "description", "description", VALUE_TEXT },
        { "sex", "sex", VALUE_TERM, TERM_SEX },
        { "age_low", "ageLow", VALUE_TEXT },
        { "age_high", "ageHigh", VALUE_TEXT },
        { "age_unit", "ageUnit", VALUE_TERM, TERM_TIME_UNIT },
        { "data_categories", "dataCategory", VALUE_TERM, TERM_DATA_CATEGORY },
        { "materials", "materialType", VALUE_TERM, TERM_MATERIAL_TYPE },
        { "storage_temperatures", "storageTemperature", VALUE_TERM, TERM_TEMPERATURE },
        { "type", "collectionType", VALUE_TERM, TERM_COLLECTION_TYPE },
        { "diagnosis_available", "diseases", VALUE_DISEASES },
        { "contact", "contactInformation", VALUE_REF },
        { "biobank", "biobanks", VALUE_REF },
        { NULL, "sampleCollections", VALUE_SUB_COLLECTIONS },
        { "size", "size", VALUE_TEXT },
        { "order_of_magnitude", "orderOfMagnitude", VALUE_TEXT },
        {},
};

typedef struct Writer {
        const Dataset *d;
        xmlDoc *doc;
        xmlNode *root;
        xmlNs *ns;
        char **labels[_TERM_MAX];   /* the schema's enumeration values */
        StrMap *by_id[_TERM_MAX];   /* Directory id -> MIABIS label */
        StrMap *children;           /* collection or biobank id -> strv of encoded collection ids */
        size_t **left_out;          /* per table: per column values, [n_columns] whole rows */
        int persons, biobanks, collections;
        MiabisExportStats *stats;
} Writer;

static void writer_done(Writer *w) {
        for (size_t i = 0; i < _TERM_MAX; i++) {
                strv_free(w->labels[i]);
                strmap_free(w->by_id[i]);
        }
        if (w->children) {
                size_t i = 0;
                void *v;
                while (strmap_iterate(w->children, &i, NULL, &v))
                        strv_free(v);
                strmap_free(w->children);
        }
        if (w->left_out)
                for (size_t t = 0; t < w->d->model->n_tables; t++)
                        free(w->left_out[t]);
        free(w->left_out);
        if (w->doc)
                xmlFreeDoc(w->doc);
}

/* The ontology a term column takes its values from, per the model. */
static const char *term_ontology(const Writer *w, int term) {
        const ModelTable *t = &w->d->model->tables[w->collections];
        for (const ElementSpec *s = collection_elements; s->element; s++)
                if (s->kind == VALUE_TERM && s->term == term) {
                        const ModelColumn *c = model_find_column(t, s->column);
                        return c ? c->ontology : NULL;
                }
        return NULL;
}

/* Reverse tables: each MIABIS label is looked up through the mapping (as a master's value would
 * be); the id it maps to is written back as that label, the first label winning. */
static int build_labels(Writer *w, const Mapping *m, const Vocabularies *v) {
        for (int term = 0; term < _TERM_MAX; term++) {
                int r = miabis_schema_enumeration(term_schema_types[term], &w->labels[term]);
                if (r < 0)
                        return r == -ENOENT ? -EINVAL : r;
                if (!(w->by_id[term] = strmap_new()))
                        return -ENOMEM;
                const char *ontology = term_ontology(w, term);
                for (char **label = w->labels[term]; ontology && *label; label++) {
                        const char *id = NULL;
                        if (mapping_lookup(m, v, ontology, *label, &id) < 0)
                                continue;
                        r = strmap_put(w->by_id[term], id, *label);
                        if (r < 0 && r != -EEXIST)
                                return r;
                }
        }
        return 0;
}

static void count_left_out(Writer *w, int table, size_t column, size_t n) {
        w->left_out[table][column] += n;
}

static size_t cell_values(const ModelColumn *c, const char *cell) {
        return column_type_is_list(c->type) ? dataset_list_count(cell) : 1;
}

/* An item of a list cell as a NUL-terminated string in buf (items are short ids). */
static const char *item_string(const char *item, size_t len, char *buf, size_t size) {
        if (len >= size)
                len = size - 1;
        memcpy(buf, item, len);
        buf[len] = 0;
        return buf;
}

static int add_text(Writer *w, xmlNode *parent, const char *element, const char *text) {
        return xmlNewTextChild(parent, w->ns, BAD_CAST element, BAD_CAST text) ? 0 : -ENOMEM;
}

static int add_idrefs(Writer *w, xmlNode *parent, const char *element, char *const *encoded) {
        size_t n = 0;
        for (char *const *e = encoded; e && *e; e++)
                n += strlen(*e) + 1;
        if (n == 0)
                return 0;
        _cleanup_free_ char *text = malloc(n);
        if (!text)
                return -ENOMEM;
        char *p = text;
        for (char *const *e = encoded; *e; e++) {
                if (p != text)
                        *p++ = ' ';
                size_t k = strlen(*e);
                memcpy(p, *e, k);
                p += k;
        }
        *p = 0;
        return add_text(w, parent, element, text);
}

/* Encoded ids of the items of a list cell (or the one value of a scalar). */
static int encode_items(const ModelColumn *c, const char *cell, char ***ret) {
        _cleanup_strv_free_ char **out = NULL;
        if (!column_type_is_list(c->type)) {
                if (strv_consume(&out, miabis_id_encode(cell)) < 0)
                        return -ENOMEM;
        } else {
                const char *state = cell, *item;
                size_t len;
                while (dataset_list_next(&state, &item, &len)) {
                        _cleanup_free_ char *one = strndup(item, len);
                        if (!one || strv_consume(&out, miabis_id_encode(one)) < 0)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* Is a value not in the element list carried all the same? A sub-collection is named by its
 * parent, a collection's country is its biobank's when they agree, withdrawn false is the default. */
static bool carried_implicitly(const Writer *w, int table, const Row *row, size_t column) {
        const ModelTable *t = &w->d->model->tables[table];
        const char *name = t->columns[column].name;
        if (streq(name, "withdrawn"))
                return streq(row->cells[column], "false");
        if (table != w->collections)
                return false;
        if (streq(name, "parent_collection"))
                return true;
        if (streq(name, "country")) {
                int b = model_column_index(t, "biobank");
                int bc = model_column_index(&w->d->model->tables[w->biobanks], "country");
                const Row *biobank = b >= 0 && row->cells[b] ? dataset_find(w->d, (size_t) w->biobanks, row->cells[b])
                                                             : NULL;
                return biobank && bc >= 0 && streq_ptr(biobank->cells[bc], row->cells[column]);
        }
        return false;
}

static bool is_written_column(const ElementSpec *specs, const char *column) {
        for (const ElementSpec *s = specs; s->element; s++)
                if (s->column && streq(s->column, column))
                        return true;
        return false;
}

/* Writes the elements of one row; counts what is left out. */
static int write_row(Writer *w, int table, const Row *row, const ElementSpec *specs, xmlNode *node) {
        const ModelTable *t = &w->d->model->tables[table];
        /* An age range in months has no MIABIS unit: the unit and both ages are left out. */
        bool ages_ok = true;
        if (table == w->collections) {
                int unit = model_column_index(t, "age_unit");
                ages_ok = unit < 0 || !row->cells[unit] || strmap_get(w->by_id[TERM_TIME_UNIT], row->cells[unit]);
        }
        for (const ElementSpec *s = specs; s->element; s++) {
                int r = 0;
                if (s->kind == VALUE_SUB_COLLECTIONS) {
                        r = add_idrefs(w, node, s->element, strmap_get(w->children, row->id));
                        if (r < 0)
                                return r;
                        continue;
                }
                int c = model_column_index(t, s->column);
                const char *cell = c >= 0 ? row->cells[c] : NULL;
                if (!cell)
                        continue;
                if (!ages_ok && startswith(s->column, "age_")) {
                        count_left_out(w, table, (size_t) c, 1);
                        continue;
                }
                switch (s->kind) {
                case VALUE_TEXT:
                        r = add_text(w, node, s->element, cell);
                        break;
                case VALUE_TERM: {
                        const char *state = cell, *item;
                        size_t len;
                        char buf[256];
                        while (r >= 0 && dataset_list_next(&state, &item, &len)) {
                                const char *label = strmap_get(w->by_id[s->term], item_string(item, len, buf, sizeof buf));
                                if (label)
                                        r = add_text(w, node, s->element, label);
                                else
                                        count_left_out(w, table, (size_t) c, 1);
                        }
                        break;
                }
                case VALUE_REF:
                case VALUE_DISEASES: {
                        _cleanup_strv_free_ char **encoded = NULL;
                        r = encode_items(&t->columns[c], cell, &encoded);
                        if (r >= 0)
                                r = add_idrefs(w, node, s->element, encoded);
                        break;
                }
                default:
                        break;
                }
                if (r < 0)
                        return r;
        }
        /* Everything else the node owns and MIABIS has no element for. */
        for (size_t c = 0; c < t->n_columns; c++) {
                const ModelColumn *col = &t->columns[c];
                if (c == t->id_column || !col->node_owned || !row->cells[c] || is_written_column(specs, col->name) ||
                    carried_implicitly(w, table, row, c))
                        continue;
                count_left_out(w, table, c, cell_values(col, row->cells[c]));
        }
        return 0;
}

static int write_diseases(Writer *w, const Vocabularies *v) {
        const ModelTable *t = &w->d->model->tables[w->collections];
        int c = model_column_index(t, "diagnosis_available");
        if (c < 0)
                return 0;
        _cleanup_(strmap_freep) StrMap *seen = strmap_new();
        _cleanup_(arena_done) Arena keys;
        arena_init(&keys);
        if (!seen)
                return -ENOMEM;
        const DatasetTable *dt = &w->d->tables[w->collections];
        for (size_t i = 0; i < dt->n_rows; i++) {
                const char *state = dt->rows[i]->cells[c], *item;
                size_t len;
                while (state && dataset_list_next(&state, &item, &len)) {
                        _cleanup_free_ char *id = strndup(item, len);
                        if (!id)
                                return -ENOMEM;
                        if (strmap_contains(seen, id))
                                continue;
                        const char *key = arena_strdup(&keys, id);
                        if (!key || strmap_put(seen, key, NULL) < 0)
                                return -ENOMEM;

                        const char *ontology = "Directory", *code = id;
                        if (startswith(id, "urn:miriam:icd:"))
                                ontology = "ICD-10", code = startswith(id, "urn:miriam:icd:");
                        else if (startswith(id, "ORPHA:"))
                                ontology = "ORPHA", code = startswith(id, "ORPHA:");
                        _cleanup_free_ char *xml_id = miabis_id_encode(id);
                        xmlNode *node = xmlNewChild(w->root, w->ns, BAD_CAST "disease", NULL);
                        if (!xml_id || !node || !xmlNewProp(node, BAD_CAST "id", BAD_CAST xml_id))
                                return -ENOMEM;
                        int r = add_text(w, node, "ontology", ontology);
                        if (r >= 0)
                                r = add_text(w, node, "code", code);
                        const char *label = vocab_label(v, "DiseaseTypes", id);
                        if (r >= 0 && label)
                                r = add_text(w, node, "description", label);
                        if (r < 0)
                                return r;
                        w->stats->n_diseases++;
                }
        }
        return 0;
}

/* Which collections each biobank (top level) and each collection (sub-collections) lists. */
static int index_children(Writer *w) {
        const ModelTable *t = &w->d->model->tables[w->collections];
        int parent = model_column_index(t, "parent_collection"), biobank = model_column_index(t, "biobank");
        const DatasetTable *dt = &w->d->tables[w->collections];
        for (size_t i = 0; i < dt->n_rows; i++) {
                const Row *row = dt->rows[i];
                const char *owner = parent >= 0 && row->cells[parent] &&
                                                    dataset_find(w->d, (size_t) w->collections, row->cells[parent])
                                            ? row->cells[parent]
                                            : biobank >= 0 ? row->cells[biobank] : NULL;
                if (!owner)
                        continue;
                char **list = strmap_get(w->children, owner);
                bool is_new = !list;
                if (strv_consume(&list, miabis_id_encode(row->id)) < 0) {
                        if (is_new)
                                strv_free(list);
                        return -ENOMEM;
                }
                int r = strmap_replace(w->children, owner, list);
                if (r < 0) {
                        strv_free(list);
                        return r;
                }
        }
        return 0;
}

static int write_table(Writer *w, int table, const char *element, const ElementSpec *specs, bool id_attribute,
                       size_t *ret_count) {
        const DatasetTable *dt = &w->d->tables[table];
        for (size_t i = 0; i < dt->n_rows; i++) {
                const Row *row = dt->rows[i];
                _cleanup_free_ char *xml_id = miabis_id_encode(row->id);
                xmlNode *node = xmlNewChild(w->root, w->ns, BAD_CAST element, NULL);
                if (!xml_id || !node)
                        return -ENOMEM;
                if (id_attribute ? !xmlNewProp(node, BAD_CAST "id", BAD_CAST xml_id)
                                 : add_text(w, node, "id", xml_id) < 0)
                        return -ENOMEM;
                int r = write_row(w, table, row, specs, node);
                if (r < 0)
                        return r;
        }
        *ret_count = dt->n_rows;
        return 0;
}

static int collect_stats(Writer *w) {
        const Model *model = w->d->model;
        MiabisExportStats *s = w->stats;
        for (size_t t = 0; t < model->n_tables; t++) {
                const ModelTable *mt = &model->tables[t];
                for (size_t c = 0; c <= mt->n_columns; c++) {
                        size_t n = w->left_out[t][c == 0 ? mt->n_columns : c - 1]; /* whole rows first */
                        if (n == 0)
                                continue;
                        MiabisLeftOut *grown = realloc(s->left_out, (s->n_left_out + 1) * sizeof(MiabisLeftOut));
                        if (!grown)
                                return -ENOMEM;
                        s->left_out = grown;
                        s->left_out[s->n_left_out++] = (MiabisLeftOut) {
                                .table = mt->name,
                                .column = c == 0 ? NULL : mt->columns[c - 1].name,
                                .count = n,
                        };
                        if (c == 0)
                                s->n_rows_left_out += n;
                        else
                                s->n_values_left_out += n;
                }
        }
        return 0;
}

static int build_document(Writer *w, const Mapping *m, const Vocabularies *v) {
        const Model *model = w->d->model;
        w->persons = model_table_index(model, "Persons");
        w->biobanks = model_table_index(model, "Biobanks");
        w->collections = model_table_index(model, "Collections");
        if (w->persons < 0 || w->biobanks < 0 || w->collections < 0)
                return -EINVAL;
        w->left_out = calloc(model->n_tables, sizeof(size_t *));
        if (!w->left_out)
                return -ENOMEM;
        for (size_t t = 0; t < model->n_tables; t++)
                if (!(w->left_out[t] = calloc(model->tables[t].n_columns + 1, sizeof(size_t))))
                        return -ENOMEM;
        if (!(w->children = strmap_new()))
                return -ENOMEM;
        int r = build_labels(w, m, v);
        if (r < 0 || (r = index_children(w)) < 0)
                return r;

        xmlInitParser();
        w->doc = xmlNewDoc(BAD_CAST "1.0");
        w->root = w->doc ? xmlNewDocNode(w->doc, NULL, BAD_CAST "miabis", NULL) : NULL;
        w->ns = w->root ? xmlNewNs(w->root, BAD_CAST MIABIS_NAMESPACE, NULL) : NULL;
        if (!w->ns)
                return -ENOMEM;
        xmlSetNs(w->root, w->ns);
        xmlDocSetRootElement(w->doc, w->root);

        /* The schema's order: disease, contactInformation, biobank, samplecollection. */
        if ((r = write_diseases(w, v)) < 0 ||
            (r = write_table(w, w->persons, "contactInformation", person_elements, true, &w->stats->n_contacts)) < 0 ||
            (r = write_table(w, w->biobanks, "biobank", biobank_elements, false, &w->stats->n_biobanks)) < 0 ||
            (r = write_table(w, w->collections, "samplecollection", collection_elements, false,
                             &w->stats->n_collections)) < 0)
                return r;
        for (size_t t = 0; t < model->n_tables; t++)
                if ((int) t != w->persons && (int) t != w->biobanks && (int) t != w->collections)
                        w->left_out[t][model->tables[t].n_columns] = w->d->tables[t].n_rows;
        return collect_stats(w);
}

static int export_named(const Dataset *d, const Mapping *m, const Vocabularies *v, const char *name, char **ret_data,
                        size_t *ret_size, MiabisExportStats *ret_stats, Findings *findings) {
        MiabisExportStats stats = {};
        Writer w = { .d = d, .stats = &stats };
        int r = build_document(&w, m, v);
        if (r < 0) {
                writer_done(&w);
                miabis_export_stats_done(&stats);
                return r;
        }
        xmlChar *dumped = NULL;
        int size = 0;
        xmlDocDumpFormatMemoryEnc(w.doc, &dumped, &size, "UTF-8", 1);
        writer_done(&w);
        _cleanup_free_ char *data = dumped && size >= 0 ? strndup((const char *) dumped, (size_t) size) : NULL;
        if (dumped)
                xmlFree(dumped);
        if (!data) {
                miabis_export_stats_done(&stats);
                return -ENOMEM;
        }

        /* Read it back as a master would be: schema, references, ids. Only then is it handed out. */
        _cleanup_(record_set_freep) RecordSet *scratch = NULL;
        Findings check;
        findings_init(&check);
        r = record_set_new(&scratch);
        if (r >= 0)
                r = miabis_xml_parse(data, (size_t) size, name, scratch, &check);
        if (r < 0 && r != -ENOMEM) {
                int k = findings_move(findings, &check);
                r = k < 0 ? k : -EBADMSG;
        }
        findings_done(&check);
        if (r < 0) {
                miabis_export_stats_done(&stats);
                return r;
        }
        *ret_data = TAKE_PTR(data);
        *ret_size = (size_t) size;
        *ret_stats = stats;
        return 0;
}

int miabis_xml_export_buffer(const Dataset *d, const Mapping *m, const Vocabularies *v, char **ret_data,
                             size_t *ret_size, MiabisExportStats *ret_stats, Findings *findings) {
        return export_named(d, m, v, "MIABIS XML export", ret_data, ret_size, ret_stats, findings);
}

int miabis_xml_export(const Dataset *d, const Mapping *m, const Vocabularies *v, const char *path,
                      MiabisExportStats *ret_stats, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        MiabisExportStats stats = {};
        int r = export_named(d, m, v, path, &data, &size, &stats, findings);
        if (r < 0)
                return r;
        r = write_file_atomic(path, data, size, 0644);
        if (r < 0) {
                miabis_export_stats_done(&stats);
                return r;
        }
        *ret_stats = stats;
        return 0;
}

void miabis_export_stats_done(MiabisExportStats *s) {
        free(s->left_out);
        *s = (MiabisExportStats) {};
}

char *miabis_export_summary(const MiabisExportStats *s, const char *node, const char *path) {
        _cleanup_free_ char *rows = NULL;
        for (size_t i = 0; i < s->n_left_out; i++) {
                const MiabisLeftOut *l = &s->left_out[i];
                if (l->column)
                        continue;
                char *more = strdup_printf("%s%s%zu %s row%s", rows ?: "", rows ? ", " : "", l->count, l->table,
                                           l->count == 1 ? "" : "s");
                if (!more)
                        return NULL;
                free(rows);
                rows = more;
        }
        _cleanup_free_ char *left = NULL;
        if (s->n_rows_left_out + s->n_values_left_out == 0)
                left = strdup("nothing left out");
        else
                left = strdup_printf("left out, as MIABIS 2.0 cannot carry them: %s%s%zu value%s", rows ?: "",
                                     rows ? " and " : "", s->n_values_left_out, s->n_values_left_out == 1 ? "" : "s");
        if (!left)
                return NULL;
        return strdup_printf("export %s: %zu biobank%s, %zu collection%s, %zu contact%s and %zu disease%s written to "
                             "%s; %s",
                             node, s->n_biobanks, s->n_biobanks == 1 ? "" : "s", s->n_collections,
                             s->n_collections == 1 ? "" : "s", s->n_contacts, s->n_contacts == 1 ? "" : "s",
                             s->n_diseases, s->n_diseases == 1 ? "" : "s", path, left);
}

char *miabis_export_left_out_line(const MiabisExportStats *s, const char *table) {
        char *line = NULL;
        for (size_t i = 0; i < s->n_left_out; i++) {
                const MiabisLeftOut *l = &s->left_out[i];
                if (!streq(l->table, table))
                        continue;
                char *more = l->column ? strdup_printf("%s%s%s %zu", line ?: table, line ? ", " : ": ", l->column, l->count)
                                       : strdup_printf("%s%s%zu row%s", line ?: table, line ? ", " : ": ", l->count,
                                                       l->count == 1 ? "" : "s");
                free(line);
                if (!more)
                        return NULL;
                line = more;
        }
        return line;
}
