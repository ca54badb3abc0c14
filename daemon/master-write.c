/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <sys/stat.h>
#include <time.h>

#include "csv.h"
#include "diff.h"
#include "limits.h"
#include "master-write.h"
#include "master.h"

typedef enum Placement {
        PLACE_UNDECIDED,
        PLACE_DECIDING,       /* on the path being decided: a parent cycle */
        PLACE_NESTED,
        PLACE_TOP,
} Placement;

typedef struct Writer {
        const Dataset *d;
        const Mapping *m;
        const Vocabularies *v;
        const MasterWriteOptions *o;
        FILE *out;
        int biobanks, collections, facts;
        uint8_t *placement;   /* per Collections row */
        unsigned *depth;      /* per Collections row: 1 under a biobank, 2 under that, ... */
        int c_biobank, c_parent; /* columns of Collections: biobank, parent_collection */
        /* Nested collections as lists in table order: the first under each biobank row and each
         * collection row, then the next under the same parent (SIZE_MAX ends a list). */
        size_t *first_under_biobank, *first_under_collection, *next_child;
        MasterWriteResult *res;
} Writer;

static bool is_own(const Writer *w, const char *id) {
        if (w->o->every_row_own)
                return true;
        char buf[64];
        const char *node = directory_id_node(id, buf, sizeof buf);
        return node && streq(node, w->o->node);
}

/* ---- YAML scalars ---- */

/* UTF-8 sequences YAML reads as line breaks or a byte order mark: always escaped. */
static size_t special_unicode(const unsigned char *p) {
        if (p[0] == 0xC2 && p[1] == 0x85)
                return 2;
        if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
                return 3;
        if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
                return 3;
        return 0;
}

/* Whether s reads back as itself unquoted. Conservative: letters, digits, non-ASCII text and a few
 * punctuation marks that mean nothing to YAML; ':' only in block context and never before a space. */
static bool is_plain_safe(const char *s, bool flow) {
        const unsigned char *p = (const unsigned char *) s;
        if (!*p || !(isalnum(*p) || *p >= 0x80))
                return false;
        if (streq(s, "null") || streq(s, "Null") || streq(s, "NULL"))
                return false;
        for (; *p; p++) {
                if (*p >= 0x80) {
                        if (special_unicode(p))
                                return false;
                        continue;
                }
                if (isalnum(*p) || strchr(" _.-/()+@=", *p))
                        continue;
                if (*p == ':' && !flow && p[1] && p[1] != ' ')
                        continue;
                return false;
        }
        return p[-1] != ' ';
}

static int write_scalar(FILE *out, const char *s, bool flow) {
        if (is_plain_safe(s, flow))
                return fputs(s, out) < 0 ? -EIO : 0;
        /* Double quotes: every byte survives as written, with escapes for what could not. */
        if (fputc('"', out) == EOF)
                return -EIO;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                size_t special = special_unicode(p);
                int r = 0;
                if (special) {
                        r = fprintf(out, "\\u%04x",
                                    special == 2 ? 0x85u : p[0] == 0xEF ? 0xFEFFu : p[2] == 0xA8 ? 0x2028u : 0x2029u);
                        p += special - 1;
                } else if (*p == '"' || *p == '\\')
                        r = fprintf(out, "\\%c", *p);
                else if (*p == '\n')
                        r = fputs("\\n", out);
                else if (*p == '\t')
                        r = fputs("\\t", out);
                else if (*p < 0x20 || *p == 0x7F)
                        r = fprintf(out, "\\x%02x", *p);
                else
                        r = fputc(*p, out) == EOF ? -1 : 0;
                if (r < 0)
                        return -EIO;
        }
        return fputc('"', out) == EOF ? -EIO : 0;
}

/* A label as comment text: one line, no control characters. */
static void write_comment_text(FILE *out, const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                size_t special = special_unicode(p);
                if (special) {
                        fputc(' ', out);
                        p += special - 1;
                } else
                        fputc(*p < 0x20 || *p == 0x7F ? ' ' : *p, out);
        }
}

/* ---- values ---- */

/* The value as the master writes it: a reference local where the reader expands it back, else as
 * it is. *ret_owned is what to free. */
static const char *written_value(const Writer *w, const ModelColumn *col, const char *value, const char *biobank_id,
                                 char **ret_owned) {
        *ret_owned = NULL;
        if (col->ontology || !col->ref_table)
                return value;
        if (streq(col->ref_table, "Collections") && !biobank_id)
                return value;
        *ret_owned = mapping_local_id(w->m, col->ref_table, w->o->node, value,
                                      streq(col->ref_table, "Collections") ? biobank_id : NULL);
        return *ret_owned ?: value;
}

/* "  # Serum, DNA": every item's label (its id where it has none), when any item has one. */
static int write_labels(const Writer *w, const ModelColumn *col, const char *cell) {
        if (!col->ontology || !w->v)
                return 0;
        for (int pass = 0; pass < 2; pass++) {
                bool any = false, first = true;
                const char *state = cell, *item;
                size_t len;
                while (dataset_list_next(&state, &item, &len)) {
                        _cleanup_free_ char *id = strndup(item, len);
                        if (!id)
                                return -ENOMEM;
                        const char *label = vocab_label(w->v, col->ontology, id);
                        any = any || (label && !streq(label, id));
                        if (pass == 1) {
                                fputs(first ? "  # " : ", ", w->out);
                                write_comment_text(w->out, label ?: id);
                        }
                        first = false;
                }
                if (!any)
                        return 0;
        }
        return 0;
}

static int write_field(const Writer *w, unsigned indent, const ModelColumn *col, const char *cell,
                       const char *biobank_id) {
        fprintf(w->out, "%*s%s: ", indent, "", col->name);
        if (column_type_is_list(col->type)) {
                fputc('[', w->out);
                const char *state = cell, *item;
                size_t len;
                bool first = true;
                while (dataset_list_next(&state, &item, &len)) {
                        _cleanup_free_ char *value = strndup(item, len), *owned = NULL;
                        if (!value)
                                return -ENOMEM;
                        if (!first)
                                fputs(", ", w->out);
                        int r = write_scalar(w->out, written_value(w, col, value, biobank_id, &owned), true);
                        if (r < 0)
                                return r;
                        first = false;
                }
                fputc(']', w->out);
        } else {
                _cleanup_free_ char *owned = NULL;
                int r = write_scalar(w->out, written_value(w, col, cell, biobank_id, &owned), false);
                if (r < 0)
                        return r;
        }
        int r = write_labels(w, col, cell);
        if (r < 0)
                return r;
        return fputc('\n', w->out) == EOF ? -EIO : 0;
}

static bool is_inherited_column(const char *name) {
        for (size_t i = 0; i < MASTER_N_INHERITED_FIELDS; i++)
                if (streq(master_inherited_fields[i], name))
                        return true;
        return false;
}

/* Whether the reader fills in this very value when the field is left out. */
static bool reader_fills_in(const Writer *w, const ModelTable *t, const Row *row, size_t c) {
        const ModelColumn *col = &t->columns[c];
        if (col->default_value && streq(col->default_value, row->cells[c]))
                return true;
        char buf[32];
        return mapping_derived_value(w->m, t, row->cells, c, buf, sizeof buf) > 0 && streq(buf, row->cells[c]);
}

/* The fields of a row after its id. parent: the row a nested collection inherits from (its
 * inherited fields are written only where they differ), NULL for a row written on its own;
 * implied: columns the nesting gives (biobank, parent_collection), left out. */
static int write_fields(const Writer *w, unsigned indent, size_t table, const Row *row, const Row *parent,
                        const char *implied_a, const char *implied_b, const char *biobank_id) {
        const ModelTable *t = &w->d->model->tables[table];
        for (size_t c = 0; c < t->n_columns; c++) {
                const ModelColumn *col = &t->columns[c];
                const char *cell = row->cells[c];
                if (c == t->id_column || !col->node_owned || isempty(cell))
                        continue;
                if (streq_ptr(col->name, implied_a) || streq_ptr(col->name, implied_b))
                        continue;
                if (parent && is_inherited_column(col->name) && streq_ptr(parent->cells[c], cell))
                        continue;
                if (reader_fills_in(w, t, row, c))
                        continue;
                int r = write_field(w, indent, col, cell, biobank_id);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_id(const Writer *w, unsigned indent, size_t table, const char *id, const char *biobank_id) {
        const char *name = w->d->model->tables[table].name;
        _cleanup_free_ char *local = NULL;
        if (!streq(name, "Collections") || biobank_id)
                local = mapping_local_id(w->m, name, w->o->node, id, biobank_id);
        fprintf(w->out, "%*s- id: ", indent, "");
        int r = write_scalar(w->out, local ?: id, false);
        if (r < 0)
                return r;
        return fputc('\n', w->out) == EOF ? -EIO : 0;
}

/* ---- collections: nested where that reads back the same ---- */

static const char *cell_of(const Writer *w, size_t table, const Row *row, const char *column) {
        int c = model_column_index(&w->d->model->tables[table], column);
        return c < 0 ? NULL : row->cells[c];
}

static Row *own_row(const Writer *w, int table, const char *id) {
        if (table < 0 || !id || !is_own(w, id))
                return NULL;
        return dataset_find(w->d, (size_t) table, id);
}

/* A collection nests under its parent (biobank or collection) when the parent is written nested
 * or is its biobank, the id is local to that biobank, and no inherited field would fill a value
 * the collection lacks. */
static Placement decide(Writer *w, size_t position) {
        if (w->placement[position] != PLACE_UNDECIDED)
                return w->placement[position] == PLACE_DECIDING ? PLACE_TOP : w->placement[position];
        w->placement[position] = PLACE_DECIDING;
        const DatasetTable *ct = &w->d->tables[w->collections];
        const Row *row = ct->rows[position];
        Placement p = PLACE_TOP;
        const char *biobank_id = w->c_biobank >= 0 ? row->cells[w->c_biobank] : NULL;
        const char *parent_id = w->c_parent >= 0 ? row->cells[w->c_parent] : NULL;
        const Row *biobank = own_row(w, w->biobanks, biobank_id);
        _cleanup_free_ char *local = biobank ? mapping_local_id(w->m, "Collections", w->o->node, row->id, biobank_id)
                                             : NULL;
        const Row *parent = biobank;
        unsigned depth = 1;
        if (local && parent_id) {
                size_t pp;
                parent = NULL;
                if (is_own(w, parent_id) && dataset_find_position(w->d, (size_t) w->collections, parent_id, &pp) >= 0 &&
                    streq_ptr(ct->rows[pp]->cells[w->c_biobank], biobank_id) &&
                    decide(w, pp) == PLACE_NESTED && w->depth[pp] < LIMIT_PULL_NESTING) {
                        parent = ct->rows[pp];
                        depth = w->depth[pp] + 1;
                }
        }
        if (local && parent) {
                p = PLACE_NESTED;
                const ModelTable *mt = &w->d->model->tables[w->collections];
                for (size_t i = 0; i < MASTER_N_INHERITED_FIELDS; i++) {
                        int c = model_column_index(mt, master_inherited_fields[i]);
                        int pc = model_column_index(&w->d->model->tables[parent == biobank ? w->biobanks
                                                                                          : w->collections],
                                                    master_inherited_fields[i]);
                        if (c >= 0 && !row->cells[c] && pc >= 0 && parent->cells[pc])
                                p = PLACE_TOP;
                }
        }
        w->placement[position] = p;
        w->depth[position] = p == PLACE_NESTED ? depth : 0;
        return p;
}

/* The inherited cells a child compares with, as one row of the Collections table's shape. */
static void parent_view(const Writer *w, const Row *parent, bool parent_is_biobank, const char **cells, Row *ret) {
        const ModelTable *mt = &w->d->model->tables[w->collections];
        const ModelTable *pt = &w->d->model->tables[parent_is_biobank ? w->biobanks : w->collections];
        for (size_t c = 0; c < mt->n_columns; c++) {
                int pc = is_inherited_column(mt->columns[c].name) ? model_column_index(pt, mt->columns[c].name) : -1;
                cells[c] = pc >= 0 ? parent->cells[pc] : NULL;
        }
        *ret = (Row) { .id = parent->id, .cells = cells };
}

/* Links each nested collection into its parent's list, keeping table order. */
static int link_children(Writer *w, size_t n_biobanks, size_t n_collections) {
        w->first_under_biobank = malloc((n_biobanks + 1) * sizeof(size_t));
        w->first_under_collection = malloc((n_collections + 1) * sizeof(size_t));
        w->next_child = malloc((n_collections + 1) * sizeof(size_t));
        if (!w->first_under_biobank || !w->first_under_collection || !w->next_child)
                return -ENOMEM;
        memset(w->first_under_biobank, 0xff, (n_biobanks + 1) * sizeof(size_t));
        memset(w->first_under_collection, 0xff, (n_collections + 1) * sizeof(size_t));
        for (size_t i = n_collections; i-- > 0;) {
                if (w->placement[i] != PLACE_NESTED)
                        continue;
                const Row *row = w->d->tables[w->collections].rows[i];
                const char *parent_id = w->c_parent >= 0 ? row->cells[w->c_parent] : NULL;
                size_t *head, position;
                if (parent_id) {
                        if (dataset_find_position(w->d, (size_t) w->collections, parent_id, &position) < 0)
                                return -EINVAL; /* decide() found it */
                        head = &w->first_under_collection[position];
                } else {
                        if (dataset_find_position(w->d, (size_t) w->biobanks, row->cells[w->c_biobank], &position) < 0)
                                return -EINVAL;
                        head = &w->first_under_biobank[position];
                }
                w->next_child[i] = *head;
                *head = i;
        }
        return 0;
}

static int write_nested_collections(Writer *w, unsigned indent, const Row *parent, bool parent_is_biobank,
                                    size_t parent_position, const char *biobank_id) {
        const DatasetTable *ct = &w->d->tables[w->collections];
        const ModelTable *mt = ct->model;
        size_t first = parent_is_biobank ? w->first_under_biobank[parent_position]
                                         : w->first_under_collection[parent_position];
        if (first == SIZE_MAX)
                return 0;
        _cleanup_free_ const char **cells = calloc(mt->n_columns, sizeof(char *));
        if (!cells)
                return -ENOMEM;
        Row view;
        parent_view(w, parent, parent_is_biobank, cells, &view);
        fprintf(w->out, "%*scollections:\n", indent, "");
        for (size_t i = first; i != SIZE_MAX; i = w->next_child[i]) {
                const Row *row = ct->rows[i];
                int r = write_id(w, indent + 2, (size_t) w->collections, row->id, biobank_id);
                if (r < 0)
                        return r;
                r = write_fields(w, indent + 4, (size_t) w->collections, row, &view, "biobank", "parent_collection",
                                 biobank_id);
                if (r < 0)
                        return r;
                w->res->n_rows[w->collections]++;
                r = write_nested_collections(w, indent + 4, row, false, i, biobank_id);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the document ---- */

static bool row_is_written(Writer *w, size_t table, size_t position) {
        const Row *row = w->d->tables[table].rows[position];
        if (!is_own(w, row->id))
                return false;
        if ((int) table == w->collections)
                return w->placement[position] == PLACE_TOP;
        return true;
}

static int write_section(Writer *w, const char *key, size_t table) {
        const DatasetTable *dt = &w->d->tables[table];
        bool any = false;
        for (size_t i = 0; i < dt->n_rows; i++) {
                if (!row_is_written(w, table, i))
                        continue;
                const Row *row = dt->rows[i];
                if (!any)
                        fprintf(w->out, "\n%s:\n", key);
                any = true;
                const char *biobank_id = cell_of(w, table, row, "biobank");
                if ((int) table != w->collections && (int) table != w->biobanks)
                        biobank_id = NULL; /* only collection ids and references hang on a biobank */
                int r = write_id(w, 2, table, row->id, (int) table == w->biobanks ? NULL : biobank_id);
                if (r < 0)
                        return r;
                r = write_fields(w, 4, table, row, NULL, NULL, NULL, (int) table == w->biobanks ? row->id : biobank_id);
                if (r < 0)
                        return r;
                w->res->n_rows[table]++;
                if ((int) table == w->biobanks) {
                        r = write_nested_collections(w, 4, row, true, i, row->id);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int write_facts_csv(Writer *w) {
        if (w->facts < 0)
                return 0;
        const DatasetTable *ft = &w->d->tables[w->facts];
        const ModelTable *mt = ft->model;
        _cleanup_free_ const char **fields = calloc(mt->n_columns, sizeof(char *));
        if (!fields)
                return -ENOMEM;
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        size_t n = 0;
        for (size_t c = 0; c < mt->n_columns; c++)
                if (mt->columns[c].node_owned)
                        fields[n++] = mt->columns[c].name;
        int r = csv_write_record(out, fields, n);
        size_t rows = 0;
        for (size_t i = 0; r >= 0 && i < ft->n_rows; i++) {
                const Row *row = ft->rows[i];
                if (!is_own(w, row->id))
                        continue;
                char *local = mapping_local_id(w->m, mt->name, w->o->node, row->id, NULL);
                n = 0;
                for (size_t c = 0; c < mt->n_columns; c++)
                        if (mt->columns[c].node_owned)
                                fields[n++] = c == mt->id_column ? (local ?: row->id) : row->cells[c];
                r = csv_write_record(out, fields, n);
                free(local);
                rows++;
        }
        _cleanup_free_ char *csv = NULL;
        size_t csv_size = 0;
        r = memstream_done(out, &buf, &size, r, &csv, &csv_size);
        if (r < 0 || rows == 0)
                return r;
        w->res->n_rows[w->facts] = rows;
        w->res->facts_csv = TAKE_PTR(csv);
        w->res->facts_csv_size = csv_size;
        return 0;
}

static void write_header(Writer *w) {
        const MasterWriteOptions *o = w->o;
        if (o->schema_ref)
                fprintf(w->out, "# yaml-language-server: $schema=%s\n", o->schema_ref);
        fprintf(w->out, "# Master file of node %s, pulled by bbmri-dirsync", o->node);
        if (o->source)
                fprintf(w->out, " from %s", o->source);
        if (o->schema_name)
                fprintf(w->out, ", schema %s", o->schema_name);
        if (o->pulled_usec > 0) {
                time_t t = (time_t) (o->pulled_usec / 1000000);
                struct tm tm;
                char when[64];
                if (gmtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
                        fprintf(w->out, ", at %s", when);
        }
        fputs(".\n# Rows:", w->out);
        bool first = true;
        for (size_t t = 0; t < w->d->model->n_tables; t++) {
                if (w->res->n_rows[t] == 0)
                        continue;
                fprintf(w->out, "%s %s %zu", first ? "" : ",", w->d->model->tables[t].name, w->res->n_rows[t]);
                first = false;
        }
        if (first)
                fputs(" none", w->out);
        if (w->res->facts_csv && o->facts_file)
                fprintf(w->out, " (the facts in %s)", o->facts_file);
        fputs(".\n# Lookup values are Directory ids, their labels in the comment after them. Fields a nested\n"
              "# collection takes from its parent, derived values and defaults are left out.\n",
              w->out);
}

void master_write_result_done(MasterWriteResult *r) {
        free(r->yaml);
        free(r->facts_csv);
        *r = (MasterWriteResult) {};
}

int master_write_build(const Dataset *d, const Mapping *m, const Vocabularies *v, const MasterWriteOptions *o,
                       MasterWriteResult *ret) {
        if (!d || !m || !o || !o->node || !ret)
                return -EINVAL;
        if (d->model->n_tables > MASTER_WRITE_MAX_TABLES)
                return -E2BIG;
        _cleanup_(master_write_result_done) MasterWriteResult res = {};
        Writer w = {
                .d = d,
                .m = m,
                .v = v,
                .o = o,
                .res = &res,
                .biobanks = model_table_index(d->model, "Biobanks"),
                .collections = model_table_index(d->model, "Collections"),
                .facts = model_table_index(d->model, "CollectionFacts"),
                .c_biobank = -1,
                .c_parent = -1,
        };
        size_t n_collections = w.collections >= 0 ? d->tables[w.collections].n_rows : 0;
        _cleanup_free_ uint8_t *placement = calloc(n_collections + 1, 1);
        _cleanup_free_ unsigned *depth = calloc(n_collections + 1, sizeof(unsigned));
        if (!placement || !depth)
                return -ENOMEM;
        w.placement = placement;
        w.depth = depth;
        if (w.collections >= 0) {
                w.c_biobank = model_column_index(&d->model->tables[w.collections], "biobank");
                w.c_parent = model_column_index(&d->model->tables[w.collections], "parent_collection");
        }
        for (size_t i = 0; i < n_collections; i++)
                if (is_own(&w, d->tables[w.collections].rows[i]->id)) {
                        if (decide(&w, i) == PLACE_TOP)
                                res.n_top_level_collections++;
                }
        for (size_t t = 0; t < d->model->n_tables; t++)
                for (size_t i = 0; i < d->tables[t].n_rows; i++)
                        if (!is_own(&w, d->tables[t].rows[i]->id))
                                res.n_other_rows++;
        int r = link_children(&w, w.biobanks >= 0 ? d->tables[w.biobanks].n_rows : 0, n_collections);
        _cleanup_free_ size_t *first_under_biobank = w.first_under_biobank;
        _cleanup_free_ size_t *first_under_collection = w.first_under_collection;
        _cleanup_free_ size_t *next_child = w.next_child;
        if (r < 0)
                return r;

        r = write_facts_csv(&w);
        if (r < 0)
                return r;

        /* The body first (it counts the rows), then the header above it. */
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        w.out = out;
        fputs("node: ", out);
        r = write_scalar(out, o->node, false);
        fputc('\n', out);
        for (size_t i = 0; r >= 0 && i < MASTER_N_SECTIONS; i++) {
                int t = model_table_index(d->model, master_sections[i].table);
                if (t >= 0)
                        r = write_section(&w, master_sections[i].key, (size_t) t);
        }
        if (r >= 0 && res.facts_csv) {
                fputs("\ncollection_facts:\n  - file: ", out);
                r = write_scalar(out, o->facts_file ?: "facts.csv", false);
                fputc('\n', out);
        }
        _cleanup_free_ char *body = NULL;
        size_t body_size = 0;
        r = memstream_done(out, &buf, &size, r, &body, &body_size);
        if (r < 0)
                return r;

        buf = NULL;
        size = 0;
        out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        w.out = out;
        write_header(&w);
        fwrite(body, 1, body_size, out);
        r = memstream_done(out, &buf, &size, ferror(out) ? -EIO : 0, &res.yaml, &res.yaml_size);
        if (r < 0)
                return r;
        *ret = res;
        res = (MasterWriteResult) {};
        return 0;
}

static bool exists(const char *path) {
        struct stat st;
        return lstat(path, &st) >= 0;
}

int master_write_files(const MasterWriteResult *res, const char *master_path, const char *facts_path, bool force) {
        if (!res || !res->yaml || !master_path || (res->facts_csv && !facts_path))
                return -EINVAL;
        if (!force && (exists(master_path) || (res->facts_csv && exists(facts_path))))
                return -EEXIST;
        if (res->facts_csv) {
                int r = write_file_atomic(facts_path, res->facts_csv, res->facts_csv_size, 0644);
                if (r < 0)
                        return r;
        }
        return write_file_atomic(master_path, res->yaml, res->yaml_size, 0644);
}
