/* SPDX-License-Identifier: MIT */
#include "csv.h"
#include "limits.h"
#include "master.h"
#include "yamltree.h"

const char *const master_inherited_fields[MASTER_N_INHERITED_FIELDS] = { "country",  "contact",  "head",
                                                                         "location", "latitude", "longitude" };

typedef struct Reader {
        const YDoc *doc;
        const char *file;       /* interned in the record set */
        const char *base_dir;   /* for fact CSV files; NULL refuses them */
        RecordSet *set;
        Findings *findings;
        MasterFactsFile *pending;
        size_t n_pending;
} Reader;

static void reader_location(const Reader *rd, const YNode *n, Location *ret) {
        *ret = (Location) { .file = rd->file, .line = n ? n->line : 0, .column = n ? n->column : 0 };
}

static int reader_error(const Reader *rd, const YNode *n, const char *table, const char *id, const char *fmt, ...)
        _printf_(5, 6);
static int reader_error(const Reader *rd, const YNode *n, const char *table, const char *id, const char *fmt, ...) {
        Location loc;
        reader_location(rd, n, &loc);
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(rd->findings, SEVERITY_ERROR, "master-structure", table, id, NULL, &loc, fmt, ap);
        va_end(ap);
        return r;
}

/* Adds a field written in YAML: a single value, a list of values, or null (skipped). */
static int add_yaml_field(const Reader *rd, Record *rec, const char *name, const YNode *value) {
        Location loc;
        reader_location(rd, value, &loc);
        if (ynode_is_null(value))
                return 0;
        if (value->type == YNODE_SCALAR)
                return record_add_field(rd->set, rec, name, &value->value, 1, false, false, &loc);
        if (value->type == YNODE_MAPPING)
                return reader_error(rd, value, rec->table, rec->id,
                                    "field '%s' must be a value or a list of values, not a mapping", name);
        _cleanup_free_ const char **items = calloc(value->n_items ? value->n_items : 1, sizeof(char *));
        if (!items)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < value->n_items; i++) {
                const YNode *item = value->items[i];
                if (item->type != YNODE_SCALAR)
                        return reader_error(rd, item, rec->table, rec->id,
                                            "the list '%s' may only hold single values, not %s", name,
                                            ynode_type_name(item));
                if (!ynode_is_null(item))
                        items[n++] = item->value;
        }
        return record_add_field(rd->set, rec, name, items, n, true, false, &loc);
}

static int add_implied(const Reader *rd, Record *rec, const char *name, const char *value, const Location *loc) {
        if (record_get_field(rec, name))
                return 0;
        return record_add_field(rd->set, rec, name, &value, 1, false, true, loc);
}

static int inherit_from(const Reader *rd, Record *child, const Record *parent) {
        for (size_t i = 0; i < MASTER_N_INHERITED_FIELDS; i++) {
                const RecordField *f = record_get_field(parent, master_inherited_fields[i]);
                if (!f || record_get_field(child, master_inherited_fields[i]))
                        continue;
                int r = record_add_field(rd->set, child, f->name, f->values, f->n_values, f->is_list, true,
                                         &f->location);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_entity(Reader *rd, const char *table, const YNode *node, const Record *parent_biobank,
                       const Record *parent_collection, Record **ret);

/* Structural keys of an entity: nested lists, not fields. */
static bool is_structural(const char *table, const char *key) {
        if (streq(table, "Biobanks"))
                return streq(key, "collections") || streq(key, "services");
        if (streq(table, "Collections"))
                return streq(key, "collections") || streq(key, "facts") || streq(key, "facts_file");
        return false;
}

/* A top-level entry with everything nested in it. With a sink, its records are handed over as
 * soon as it is read and their memory reused for the next one: a big master's records never all
 * exist at once. */
static int read_top_entity(Reader *rd, const char *table, const YNode *node) {
        RecordSetMark mark = record_set_mark(rd->set);
        int r = read_entity(rd, table, node, NULL, NULL, NULL);
        if (r < 0 || !rd->set->sink)
                return r;
        r = record_set_sink_since(rd->set, &mark);
        record_set_release(rd->set, &mark);
        return r;
}

static int read_list(Reader *rd, const char *table, const YNode *list, const char *what,
                     const Record *parent_biobank, const Record *parent_collection) {
        if (ynode_is_null(list))
                return 0;
        if (list->type != YNODE_SEQUENCE)
                return reader_error(rd, list, NULL, NULL, "'%s' must be a list, not %s", what, ynode_type_name(list));
        for (size_t i = 0; i < list->n_items; i++) {
                int r = parent_biobank || parent_collection
                                ? read_entity(rd, table, list->items[i], parent_biobank, parent_collection, NULL)
                                : read_top_entity(rd, table, list->items[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A CSV file of collection facts, header = field names. */
typedef struct FactsCsv {
        const Reader *rd;
        const char *file;
        char **header;
        size_t n_header;
        const char *collection_id;  /* implied collection, or NULL */
        const char *biobank_id;     /* context for local collection ids, or NULL */
} FactsCsv;

/* The same record as below, built on the stack over the CSV row's own strings and handed to the
 * set's sink: nothing is copied, nothing kept. */
static int facts_row_to_sink(FactsCsv *fc, unsigned line, char **fields, size_t n, const char *id,
                             const Location *row_loc) {
        RecordField stack_fields[LIMIT_FACTS_COLUMNS + 2];
        if (n > LIMIT_FACTS_COLUMNS)
                return findings_error_at(fc->rd->findings, "master-structure", row_loc,
                                         "row has %zu fields, more than the limit of %u", n, LIMIT_FACTS_COLUMNS);
        Record rec = {
                .table = "CollectionFacts",
                .id = id,
                .location = *row_loc,
                .fields = stack_fields,
        };
        bool has_collection = false, has_biobank = false;
        for (size_t i = 0; i < n; i++) {
                if (streq(fc->header[i], "id") || isempty(fields[i]))
                        continue;
                has_collection = has_collection || streq(fc->header[i], "collection");
                has_biobank = has_biobank || streq(fc->header[i], "@biobank");
                stack_fields[rec.n_fields++] = (RecordField) {
                        .name = fc->header[i],
                        .values = (const char **) &fields[i],
                        .n_values = 1,
                        .location = { .file = fc->file, .line = line, .column = (unsigned) i + 1 },
                };
        }
        if (fc->collection_id && !has_collection)
                stack_fields[rec.n_fields++] = (RecordField) {
                        .name = "collection",
                        .values = &fc->collection_id,
                        .n_values = 1,
                        .inherited = true,
                        .location = *row_loc,
                };
        if (fc->biobank_id && !has_biobank)
                stack_fields[rec.n_fields++] = (RecordField) {
                        .name = "@biobank",
                        .values = &fc->biobank_id,
                        .n_values = 1,
                        .inherited = true,
                        .location = *row_loc,
                };
        rec.allocated = rec.n_fields;
        return fc->rd->set->sink(fc->rd->set->sink_userdata, &rec);
}

static int facts_record(void *userdata, unsigned line, char **fields, size_t n) {
        FactsCsv *fc = userdata;
        const Reader *rd = fc->rd;
        if (!fc->header) {
                fc->header = calloc(n + 1, sizeof(char *));
                if (!fc->header)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        fc->header[i] = strdup(fields[i]);
                        if (!fc->header[i])
                                return -ENOMEM;
                }
                fc->n_header = n;
                if (n > LIMIT_FACTS_COLUMNS) {
                        Location loc = { .file = fc->file, .line = line, .column = LIMIT_FACTS_COLUMNS + 1 };
                        int r = findings_error_at(rd->findings, "master-structure", &loc,
                                                  "the facts file has %zu columns, more than the limit of %u", n,
                                                  LIMIT_FACTS_COLUMNS);
                        return r < 0 ? r : -EBADMSG;
                }
                /* One error at the header, rather than one per row where the column is given twice. */
                for (size_t i = 1; i < n; i++)
                        for (size_t k = 0; k < i; k++)
                                if (!isempty(fc->header[i]) && streq(fc->header[i], fc->header[k])) {
                                        Location loc = { .file = fc->file, .line = line, .column = (unsigned) i + 1 };
                                        int r = findings_error_at(rd->findings, "master-structure", &loc,
                                                                  "column '%s' appears twice in the facts file's "
                                                                  "header (first as column %zu)",
                                                                  fc->header[i], k + 1);
                                        return r < 0 ? r : -EBADMSG;
                                }
                if (!strv_contains(fc->header, "id")) {
                        Location loc = { .file = fc->file, .line = line, .column = 1 };
                        int r = findings_error_at(rd->findings, "master-structure", &loc,
                                                  "the facts file's header has no 'id' column");
                        return r < 0 ? r : -EBADMSG;
                }
                return 0;
        }
        if (n > fc->n_header) {
                Location loc = { .file = fc->file, .line = line, .column = (unsigned) fc->n_header + 1 };
                return findings_error_at(rd->findings, "master-structure", &loc, "row has %zu fields, the header only %zu",
                                         n, fc->n_header);
        }
        const char *id = NULL;
        for (size_t i = 0; i < n; i++)
                if (streq(fc->header[i], "id"))
                        id = fields[i];
        Location row_loc = { .file = fc->file, .line = line, .column = 1 };
        if (isempty(id))
                return findings_error_at(rd->findings, "master-structure", &row_loc, "fact row without an id");
        if (rd->set->sink)
                return facts_row_to_sink(fc, line, fields, n, id, &row_loc);
        Record *rec = NULL;
        int r = record_set_add(rd->set, "CollectionFacts", id, &row_loc, &rec);
        if (r < 0)
                return r;
        /* The row's fields, plus the implied collection and biobank. */
        if ((r = record_reserve_fields(rd->set, rec, n + 2)) < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (streq(fc->header[i], "id") || isempty(fields[i]))
                        continue;
                Location loc = { .file = fc->file, .line = line, .column = (unsigned) i + 1 };
                const char *v = fields[i];
                r = record_add_field(rd->set, rec, fc->header[i], &v, 1, false, false, &loc);
                if (r < 0)
                        return r;
        }
        if (fc->collection_id && (r = add_implied(rd, rec, "collection", fc->collection_id, &row_loc)) < 0)
                return r;
        if (fc->biobank_id && (r = add_implied(rd, rec, "@biobank", fc->biobank_id, &row_loc)) < 0)
                return r;
        return 0;
}

static int read_facts_file(Reader *rd, const YNode *path_node, const Record *collection, const Record *biobank) {
        if (path_node->type != YNODE_SCALAR || isempty(path_node->value))
                return reader_error(rd, path_node, NULL, NULL, "a facts file must be given as a path");
        if (!rd->base_dir)
                return reader_error(rd, path_node, NULL, NULL, "facts files cannot be read here");
        if (rd->n_pending >= LIMIT_FACTS_FILES)
                return reader_error(rd, path_node, NULL, NULL, "more than %u facts files", LIMIT_FACTS_FILES);
        MasterFactsFile *pending = reallocarray(rd->pending, rd->n_pending + 1, sizeof(MasterFactsFile));
        if (!pending)
                return -ENOMEM;
        rd->pending = pending;
        MasterFactsFile *p = &rd->pending[rd->n_pending];
        /* Ids, not records: a sink may have released the records by the time the file is read. */
        *p = (MasterFactsFile) {
                .path = path_join(rd->base_dir, path_node->value),
                .written = strdup(path_node->value),
                .collection_id = collection && collection->id ? strdup(collection->id) : NULL,
                .biobank_id = biobank && biobank->id ? strdup(biobank->id) : NULL,
        };
        reader_location(rd, path_node, &p->location);
        if (!p->path || !p->written || (collection && collection->id && !p->collection_id) ||
            (biobank && biobank->id && !p->biobank_id)) {
                free(p->path);
                free(p->written);
                free(p->collection_id);
                free(p->biobank_id);
                return -ENOMEM;
        }
        rd->n_pending++;
        return 0;
}

int master_read_facts_file(const MasterFactsFile *p, RecordSet *set, Findings *findings) {
        const Reader reader = { .set = set, .findings = findings }, *rd = &reader;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(p->path, LIMIT_CSV_FILE_BYTES, &data, &size);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG)
                return findings_error_at(rd->findings, "master-structure", &p->location,
                                         "facts file '%s' is larger than the limit of %u bytes", p->written,
                                         LIMIT_CSV_FILE_BYTES);
        if (r < 0)
                return findings_error_at(rd->findings, "master-structure", &p->location,
                                         "cannot read facts file '%s': %s", p->written, strerror(-r));
        FactsCsv fc = {
                .rd = rd,
                .file = record_set_intern_file(rd->set, p->path),
                .collection_id = p->collection_id,
                .biobank_id = p->biobank_id,
        };
        if (!fc.file)
                return -ENOMEM;
        r = csv_parse(data, size, fc.file, facts_record, &fc, rd->findings);
        if (r >= 0 && !fc.header)
                r = findings_error_at(rd->findings, "master-structure", &p->location,
                                      "facts file '%s' is empty: it needs at least its header line (with 'id')",
                                      p->written);
        strv_free(fc.header);
        /* Syntax problems are findings already; the rest of the master is still worth reading. */
        return r == -ENOMEM ? r : 0;
}

void master_facts_files_free(MasterFactsFile *files, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(files[i].path);
                free(files[i].written);
                free(files[i].collection_id);
                free(files[i].biobank_id);
        }
        free(files);
}

static int read_entity(Reader *rd, const char *table, const YNode *node, const Record *parent_biobank,
                       const Record *parent_collection, Record **ret) {
        if (node->type != YNODE_MAPPING)
                return reader_error(rd, node, table, NULL, "each entry of %s must be a mapping of fields, not %s", table,
                                    ynode_type_name(node));
        const YNode *id_node = ynode_get(node, "id");
        if (!id_node || id_node->type != YNODE_SCALAR || ynode_is_null(id_node))
                return reader_error(rd, node, table, NULL, "this %s entry has no id", table);

        Location loc;
        reader_location(rd, node, &loc);
        Record *rec = NULL;
        int r = record_set_add(rd->set, table, id_node->value, &loc, &rec);
        if (r < 0)
                return r;
        /* Its own fields, plus implied references and inherited fields. */
        if ((r = record_reserve_fields(rd->set, rec, node->n_items + 10)) < 0)
                return r;

        /* Fields first, so that nested entities can inherit them whatever the key order. */
        for (size_t i = 0; i < node->n_items; i++) {
                const char *key = node->keys[i]->value;
                if (streq(key, "id") || is_structural(table, key))
                        continue;
                if (key[0] == '@') {
                        r = reader_error(rd, node->keys[i], table, rec->id, "field names may not start with '@'");
                        if (r < 0)
                                return r;
                        continue;
                }
                r = add_yaml_field(rd, rec, key, node->items[i]);
                if (r < 0)
                        return r;
        }

        if (streq(table, "Collections") || streq(table, "Services")) {
                if (parent_biobank && (r = add_implied(rd, rec, "biobank", parent_biobank->id, &loc)) < 0)
                        return r;
        }
        if (streq(table, "Collections")) {
                if (parent_collection && (r = add_implied(rd, rec, "parent_collection", parent_collection->id, &loc)) < 0)
                        return r;
                const Record *parent = parent_collection ?: parent_biobank;
                if (parent && (r = inherit_from(rd, rec, parent)) < 0)
                        return r;
        }
        if (streq(table, "CollectionFacts")) {
                if (parent_collection && (r = add_implied(rd, rec, "collection", parent_collection->id, &loc)) < 0)
                        return r;
                if (parent_biobank && (r = add_implied(rd, rec, "@biobank", parent_biobank->id, &loc)) < 0)
                        return r;
        }

        for (size_t i = 0; i < node->n_items; i++) {
                const char *key = node->keys[i]->value;
                const YNode *value = node->items[i];
                if (!is_structural(table, key))
                        continue;
                if (streq(table, "Biobanks") && streq(key, "collections"))
                        r = read_list(rd, "Collections", value, "collections", rec, NULL);
                else if (streq(table, "Biobanks") && streq(key, "services"))
                        r = read_list(rd, "Services", value, "services", rec, NULL);
                else if (streq(key, "collections"))
                        r = read_list(rd, "Collections", value, "collections", parent_biobank, rec);
                else if (streq(key, "facts"))
                        r = read_list(rd, "CollectionFacts", value, "facts", parent_biobank, rec);
                else if (!ynode_is_null(value))
                        r = read_facts_file(rd, value, rec, parent_biobank);
                if (r < 0)
                        return r;
        }
        if (ret)
                *ret = rec;
        return 0;
}

/* One entry of 'collection_facts': a fact, or a CSV file of them. */
static int read_collection_facts_item(Reader *rd, const YNode *item) {
        const YNode *file = ynode_get(item, "file");
        if (file && item->n_items == 1)
                return read_facts_file(rd, file, NULL, NULL);
        if (file)
                return reader_error(rd, item, "CollectionFacts", NULL,
                                    "an entry naming a facts file may hold nothing but 'file'");
        return read_top_entity(rd, "CollectionFacts", item);
}

static int read_collection_facts(Reader *rd, const YNode *list) {
        if (ynode_is_null(list))
                return 0;
        if (list->type != YNODE_SEQUENCE)
                return reader_error(rd, list, NULL, NULL, "'collection_facts' must be a list, not %s",
                                    ynode_type_name(list));
        for (size_t i = 0; i < list->n_items; i++) {
                int r = read_collection_facts_item(rd, list->items[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

const MasterSection master_sections[MASTER_N_SECTIONS] = {
        { "persons", "Persons" },   { "also_known_in", "AlsoKnownIn" }, { "networks", "Networks" },
        { "biobanks", "Biobanks" }, { "collections", "Collections" },   { "services", "Services" },
        { "studies", "Studies" },
};

static const char *section_table(const char *key) {
        for (size_t i = 0; i < MASTER_N_SECTIONS; i++)
                if (streq(master_sections[i].key, key))
                        return master_sections[i].table;
        return NULL;
}

/* The top-level lists are read entry by entry while the file is parsed (a big master's tree
 * would be four times the file); what is left in the tree is read by read_document(). */
static bool stream_wants(const char *key, void *userdata) {
        return section_table(key) || streq(key, "collection_facts");
}

static int stream_item(const YDoc *doc, const char *key, const YNode *item, void *userdata) {
        Reader *rd = userdata;
        rd->doc = doc;
        if (streq(key, "collection_facts"))
                return read_collection_facts_item(rd, item);
        return read_top_entity(rd, section_table(key), item);
}

static int read_document(Reader *rd) {
        const YNode *root = rd->doc->root;
        if (root->type != YNODE_MAPPING) {
                int r = reader_error(rd, root, NULL, NULL, "the master file must be a mapping with 'node', 'biobanks', ...");
                return r < 0 ? r : -EBADMSG;
        }
        static const char *const allowed[] = { "node",    "persons",     "also_known_in", "networks",         "biobanks",
                                               "collections", "services", "studies",       "collection_facts", NULL };
        int r = ynode_check_keys(rd->doc, root, "the master file", allowed, rd->findings);
        if (r == -ENOMEM)
                return r;

        const YNode *node = ynode_get(root, "node");
        if (!node || node->type != YNODE_SCALAR || ynode_is_null(node)) {
                r = reader_error(rd, node ?: root, NULL, NULL, "the master file must name its node ('node: BE')");
                if (r < 0)
                        return r;
        } else if (rd->set->node && !streq(rd->set->node, node->value)) {
                r = reader_error(rd, node, NULL, NULL, "node '%s' differs from node '%s' of an earlier master file",
                                 node->value, rd->set->node);
                if (r < 0)
                        return r;
        } else if ((r = record_set_set_node(rd->set, node->value)) < 0)
                return r;

        for (size_t i = 0; i < MASTER_N_SECTIONS; i++) {
                const YNode *list = ynode_get(root, master_sections[i].key);
                if (list && (r = read_list(rd, master_sections[i].table, list, master_sections[i].key, NULL, NULL)) < 0)
                        return r;
        }
        const YNode *facts = ynode_get(root, "collection_facts");
        if (facts && (r = read_collection_facts(rd, facts)) < 0)
                return r;
        return 0;
}

static int parse_yaml(const char *data, size_t size, const char *filename, const char *base_dir, RecordSet *set,
                      MasterFactsFile **ret_facts, size_t *ret_n_facts, Findings *findings) {
        Reader rd = {
                .file = record_set_intern_file(set, filename ?: "<memory>"),
                .base_dir = base_dir,
                .set = set,
                .findings = findings,
        };
        if (!rd.file)
                return -ENOMEM;
        YStream stream = { .wants = stream_wants, .item = stream_item, .userdata = &rd };
        _cleanup_(ydoc_freep) YDoc *doc = NULL;
        int r = ydoc_parse_streamed(data, size, filename, &stream, &doc, findings);
        if (r >= 0) {
                rd.doc = doc;
                r = read_document(&rd);
        }
        if (r < 0) {
                master_facts_files_free(rd.pending, rd.n_pending);
                return r;
        }
        *ret_facts = rd.pending;
        *ret_n_facts = rd.n_pending;
        return 0;
}

int master_parse_yaml(const char *data, size_t size, const char *filename, const char *base_dir, RecordSet *set,
                      Findings *findings) {
        MasterFactsFile *facts = NULL;
        size_t n_facts = 0;
        int r = parse_yaml(data, size, filename, base_dir, set, &facts, &n_facts, findings);
        for (size_t i = 0; r >= 0 && i < n_facts; i++)
                r = master_read_facts_file(&facts[i], set, findings);
        master_facts_files_free(facts, n_facts);
        return r;
}

int master_read_bytes(const char *path, char **ret_data, size_t *ret_size, Findings *findings) {
        int r = read_file_limited(path, LIMIT_MASTER_FILE_BYTES, ret_data, ret_size);
        if (r == -EFBIG) {
                Location loc = { .file = path };
                int k = findings_error_at(findings, "file-too-large", &loc, "file is larger than the limit of %u bytes",
                                          LIMIT_MASTER_FILE_BYTES);
                return k < 0 ? k : r;
        }
        if (r < 0) {
                Location loc = { .file = path };
                int k = findings_error_at(findings, "file-unreadable", &loc, "cannot read the master file: %s",
                                          strerror(-r));
                return k < 0 ? k : r;
        }
        return 0;
}

int master_load_file_deferred(const char *path, RecordSet *set, MasterFactsFile **ret_facts, size_t *ret_n_facts,
                              Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = master_read_bytes(path, &data, &size, findings);
        if (r < 0)
                return r;
        _cleanup_free_ char *base_dir = path_dirname(path);
        if (!base_dir)
                return -ENOMEM;
        /* The tree is freed on return: the fact rows come after it, never beside it. */
        return parse_yaml(data, size, path, base_dir, set, ret_facts, ret_n_facts, findings);
}

int master_load_file(const char *path, RecordSet *set, Findings *findings) {
        MasterFactsFile *facts = NULL;
        size_t n_facts = 0;
        int r = master_load_file_deferred(path, set, &facts, &n_facts, findings);
        for (size_t i = 0; r >= 0 && i < n_facts; i++)
                r = master_read_facts_file(&facts[i], set, findings);
        master_facts_files_free(facts, n_facts);
        return r;
}
