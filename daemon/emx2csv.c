/* SPDX-License-Identifier: MIT */
#include "csv.h"
#include "diff.h"
#include "emx2csv.h"
#include "limits.h"

/* Columns the nightly publisher adds to the published schema (ERIC) and that no staging table
 * has: found by comparing the Directory's published model with its staging model, table by
 * table. A column of this list that the model does have for a table (AlsoKnownIn.pid) is read
 * as a model column: the model is asked first. */
static const char *const publisher_columns[] = {
        "national_node", "pid", "quality", "label", "full_name", "biobank_label", "catalog", "categories",
        "combined_quality", "commercial_use", "issued", "keywords", "language", "license", "modified", "publisher",
        "rdf_helpers", "EJP_RD_personalData", "EJP_RD_vpConnection", "qualityStandards",
};

bool emx2_column_is_ignored(const char *name) {
        if (startswith(name, "mg_"))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(publisher_columns); i++)
                if (streq(publisher_columns[i], name))
                        return true;
        return false;
}

void emx2_read_stats_done(Emx2ReadStats *s) {
        s->unknown_columns = strv_free(s->unknown_columns);
        s->n_rows = 0;
}

enum {
        SLOT_DROP = -1, /* read and thrown away */
};

/* Where a CSV column goes, and whether it is a list (told once here rather than per cell). */
typedef struct Slot {
        int column;         /* model column index or SLOT_DROP */
        bool list;
} Slot;

typedef struct Reader {
        Dataset *d;
        size_t table;
        const char *filename;
        Emx2ReadStats *stats;
        Findings *findings;
        Slot *slots;        /* per CSV column */
        size_t n_header;
        int id_slot;
        bool failed;        /* a row-level error was found: keep reading, report all */
        char **items;       /* scratch for list splitting */
        size_t items_allocated;
        Findings row_findings; /* the findings of the row being read, until it is known to be no duplicate */
} Reader;

static int reader_error(Reader *rd, unsigned line, unsigned column, const char *id, const char *col, const char *fmt,
                        ...) _printf_(6, 7);
static int reader_error(Reader *rd, unsigned line, unsigned column, const char *id, const char *col, const char *fmt,
                        ...) {
        Location loc = { .file = rd->filename, .line = line, .column = column };
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(rd->findings, SEVERITY_ERROR, "csv-table", rd->d->model->tables[rd->table].name, id, col,
                              &loc, fmt, ap);
        va_end(ap);
        rd->failed = true;
        return r;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int read_header(Reader *rd, unsigned line, char **fields, size_t n) {
        const ModelTable *t = &rd->d->model->tables[rd->table];
        rd->slots = calloc(n ? n : 1, sizeof(Slot));
        if (!rd->slots)
                return -ENOMEM;
        rd->n_header = n;
        rd->id_slot = -1;
        for (size_t i = 0; i < n; i++) {
                int c = model_column_index(t, fields[i]);
                rd->slots[i] = (Slot) { .column = SLOT_DROP };
                if (c >= 0) {
                        for (size_t k = 0; k < i; k++)
                                if (rd->slots[k].column == c) {
                                        int r = reader_error(rd, line, (unsigned) i + 1, NULL, fields[i],
                                                             "column '%s' appears twice in the header", fields[i]);
                                        return r < 0 ? r : -EBADMSG;
                                }
                        if (t->columns[c].node_owned || (size_t) c == t->id_column)
                                rd->slots[i] = (Slot) {
                                        .column = c,
                                        .list = column_type_is_list(t->columns[c].type),
                                };
                        if ((size_t) c == t->id_column)
                                rd->id_slot = (int) i;
                        continue;
                }
                if (emx2_column_is_ignored(fields[i]))
                        continue;
                if (!strv_contains(rd->stats->unknown_columns, fields[i])) {
                        int r = strv_extend(&rd->stats->unknown_columns, fields[i]);
                        if (r < 0)
                                return r;
                }
        }
        size_t n_unknown = strv_length(rd->stats->unknown_columns);
        if (n_unknown > 1)
                qsort(rd->stats->unknown_columns, n_unknown, sizeof(char *), compare_strings);
        if (rd->id_slot < 0) {
                int r = reader_error(rd, line, 0, NULL, "id", "the header has no 'id' column");
                return r < 0 ? r : -EBADMSG;
        }
        return 0;
}

int emx2_split_list(char *field, char ***items, size_t *allocated, size_t *ret_n) {
        size_t n = 0;
        char *p = field;
        for (;;) {
                char *comma = strchr(p, ',');
                if (comma)
                        *comma = 0;
                while (*p == ' ' || *p == '\t')
                        p++;
                size_t len = strlen(p);
                while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                        p[--len] = 0;
                if (len > 0) {
                        if (n >= LIMIT_LIST_ITEMS)
                                return -E2BIG;
                        if (n == *allocated) {
                                size_t a = *allocated ? *allocated * 2 : 16;
                                char **grown = realloc(*items, a * sizeof(char *));
                                if (!grown)
                                        return -ENOMEM;
                                *items = grown;
                                *allocated = a;
                        }
                        (*items)[n++] = p;
                }
                if (!comma)
                        break;
                p = comma + 1;
        }
        *ret_n = n;
        return 0;
}

static int read_record(void *userdata, unsigned line, char **fields, size_t n) {
        Reader *rd = userdata;
        if (!rd->slots)
                return read_header(rd, line, fields, n);

        const ModelTable *t = &rd->d->model->tables[rd->table];
        if (n > rd->n_header)
                return reader_error(rd, line, (unsigned) rd->n_header + 1, NULL, NULL,
                                    "row has %zu fields, the header only %zu", n, rd->n_header);
        if (n < rd->n_header && rd->stats->whole_rows)
                return reader_error(rd, line, (unsigned) n + 1, NULL, NULL,
                                    "row has %zu field%s, the header %zu: the answer is cut off", n, n == 1 ? "" : "s",
                                    rd->n_header);
        const char *id = (size_t) rd->id_slot < n ? fields[rd->id_slot] : "";
        if (isempty(id))
                return reader_error(rd, line, (unsigned) rd->id_slot + 1, NULL, "id", "row without an id");

        /* The row is filled first and put in the index last: by then the slot its id hashes to,
         * asked for now, has come into the cache (at 400,000 rows the index is far bigger than
         * the cache, and the wait for it was the read's largest single cost). Its findings wait
         * with it, so that a duplicate still gives its one error only. */
        uint32_t hash = dataset_id_hash(id);
        dataset_prefetch_slot(rd->d, rd->table, hash);
        Location origin = { .file = rd->filename, .line = line, .column = 0 };
        Row *row = NULL;
        int r = dataset_new_row(rd->d, rd->table, id, &origin, &row);
        if (r == -E2BIG) {
                int k = reader_error(rd, line, 0, id, NULL, "more than %u rows in one table", LIMIT_ROWS_PER_TABLE);
                return k < 0 ? k : r;
        }
        if (r < 0)
                return r;

        Findings *all = rd->findings;
        rd->findings = &rd->row_findings;
        for (size_t i = 0; i < n; i++) {
                int c = rd->slots[i].column;
                if (c == SLOT_DROP || (size_t) c == t->id_column || isempty(fields[i]))
                        continue;
                Location loc = { .file = rd->filename, .line = line, .column = (unsigned) i + 1 };
                if (rd->slots[i].list) {
                        size_t n_items = 0;
                        r = emx2_split_list(fields[i], &rd->items, &rd->items_allocated, &n_items);
                        if (r == -E2BIG)
                                r = reader_error(rd, line, (unsigned) i + 1, id, t->columns[c].name,
                                                 "more than %u items in one list", LIMIT_LIST_ITEMS);
                        else if (r >= 0)
                                r = dataset_set_list(rd->d, row, rd->table, (size_t) c, (const char *const *) rd->items,
                                                     n_items, &loc);
                } else
                        r = dataset_set_sized(rd->d, row, rd->table, (size_t) c, fields[i],
                                              csv_field_length(fields, i), &loc);
                if (r == -EINVAL)
                        r = reader_error(rd, line, (unsigned) i + 1, id, t->columns[c].name,
                                         "value contains a control character the Directory cannot store");
                if (r < 0)
                        break;
        }
        rd->findings = all;
        if (r < 0)
                return r;

        Row *first = NULL;
        r = dataset_insert_row(rd->d, rd->table, row, hash, &first);
        if (r == -EEXIST) {
                /* What a duplicate's cells said is not reported: it is not read. */
                findings_done(&rd->row_findings);
                const Location *at = &first->origin;
                if (at->file)
                        return reader_error(rd, line, (unsigned) rd->id_slot + 1, id, "id",
                                            "duplicate id '%s' (first at %s:%u)", id, at->file, at->line);
                return reader_error(rd, line, (unsigned) rd->id_slot + 1, id, "id", "duplicate id '%s'", id);
        }
        if (r < 0)
                return r;
        rd->stats->n_rows++;
        if (rd->row_findings.n_items > 0 || rd->row_findings.n_dropped > 0)
                return findings_move_within_limits(rd->findings, &rd->row_findings);
        return 0;
}

int emx2_read_table(Dataset *d, size_t table, const char *data, size_t size, const char *filename,
                    Emx2ReadStats *stats, Findings *findings) {
        Reader rd = {
                .d = d,
                .table = table,
                .filename = filename ? dataset_intern_file(d, filename) : NULL,
                .stats = stats,
                .findings = findings,
        };
        if (filename && !rd.filename)
                return -ENOMEM;
        /* Lines bound the rows from above (quoted newlines only make it generous). */
        size_t n_lines = 1;
        if (size > 0)
                for (const char *p = data, *end = data + size; (p = memchr(p, '\n', (size_t) (end - p))); p++)
                        n_lines++;
        int r = dataset_reserve_rows(d, table, n_lines);
        if (r < 0)
                return r;
        findings_init(&rd.row_findings);
        r = csv_parse(data, size, filename, read_record, &rd, findings);
        findings_done(&rd.row_findings);
        free(rd.slots);
        free(rd.items);
        if (r < 0)
                return r;
        return rd.failed ? -EBADMSG : 0;
}

static bool column_is_written(const ModelTable *t, size_t c, const bool *columns) {
        if (c == t->id_column)
                return true;
        if (!t->columns[c].node_owned)
                return false;
        return !columns || columns[c];
}

static int write_row(const ModelTable *t, const Row *row, const bool *columns, const char *flag_value, FILE *out,
                     char **scratch, size_t *scratch_size) {
        bool first = true;
        for (size_t c = 0; c < t->n_columns; c++) {
                if (!column_is_written(t, c, columns))
                        continue;
                if (!first && fputc(',', out) == EOF)
                        return -EIO;
                first = false;
                const char *cell = c == t->id_column ? row->id : row->cells[c];
                if (!cell)
                        continue;
                if (column_type_is_list(t->columns[c].type) && strchr(cell, DATASET_LIST_SEP)) {
                        size_t n = strlen(cell);
                        if (n + 1 > *scratch_size) {
                                char *s = realloc(*scratch, n + 1);
                                if (!s)
                                        return -ENOMEM;
                                *scratch = s;
                                *scratch_size = n + 1;
                        }
                        for (size_t k = 0; k <= n; k++)
                                (*scratch)[k] = cell[k] == DATASET_LIST_SEP ? ',' : cell[k];
                        cell = *scratch;
                }
                int r = csv_write_field(out, cell);
                if (r < 0)
                        return r;
        }
        if (flag_value && (fputc(',', out) == EOF || csv_write_field(out, flag_value) < 0))
                return -EIO;
        return fputc('\n', out) == EOF ? -EIO : 0;
}

static int write_header(const ModelTable *t, const bool *columns, const char *flag_column, FILE *out) {
        bool first = true;
        for (size_t c = 0; c < t->n_columns; c++) {
                if (!column_is_written(t, c, columns))
                        continue;
                if (!first && fputc(',', out) == EOF)
                        return -EIO;
                first = false;
                int r = csv_write_field(out, t->columns[c].name);
                if (r < 0)
                        return r;
        }
        if (flag_column && (fputc(',', out) == EOF || csv_write_field(out, flag_column) < 0))
                return -EIO;
        return fputc('\n', out) == EOF ? -EIO : 0;
}

int emx2_write_rows(const ModelTable *t, const Row *const *rows, size_t n_rows, const bool *columns, bool header,
                    const char *flag_column, const char *flag_value, FILE *out) {
        if (header) {
                int r = write_header(t, columns, flag_column, out);
                if (r < 0)
                        return r;
        }
        _cleanup_free_ char *scratch = NULL;
        size_t scratch_size = 0;
        for (size_t i = 0; i < n_rows; i++) {
                int r = write_row(t, rows[i], columns, flag_column ? flag_value : NULL, out, &scratch, &scratch_size);
                if (r < 0)
                        return r;
        }
        return ferror(out) ? -EIO : 0;
}

int emx2_write_table(const Dataset *d, size_t table, const Row *const *rows, size_t n_rows, const bool *columns,
                     bool skip_blocked, FILE *out) {
        const ModelTable *t = &d->model->tables[table];
        int r = write_header(t, columns, NULL, out);
        if (r < 0)
                return r;
        _cleanup_free_ char *scratch = NULL;
        size_t scratch_size = 0;
        const DatasetTable *dt = &d->tables[table];
        size_t n = rows ? n_rows : dt->n_rows;
        for (size_t i = 0; i < n; i++) {
                const Row *row = rows ? rows[i] : dt->rows[i];
                if (skip_blocked && (row->flags & ROW_BLOCKED))
                        continue;
                r = write_row(t, row, columns, NULL, out, &scratch, &scratch_size);
                if (r < 0)
                        return r;
        }
        return ferror(out) ? -EIO : 0;
}

int emx2_table_to_buffer(const Dataset *d, size_t table, const Row *const *rows, size_t n_rows, const bool *columns,
                         bool skip_blocked, char **ret_data, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        int r = emx2_write_table(d, table, rows, n_rows, columns, skip_blocked, out);
        return memstream_done(out, &buf, &size, r, ret_data, ret_size);
}

/* ---- the published schema's rows of one node ---- */

typedef struct NodeFilter {
        const char *node;
        FILE *out;
        int node_column, id_column;
        bool header_done;
} NodeFilter;

static int filter_record(void *userdata, unsigned line, char **fields, size_t n) {
        NodeFilter *nf = userdata;
        if (!nf->header_done) {
                nf->header_done = true;
                nf->node_column = nf->id_column = -1;
                for (size_t i = 0; i < n; i++) {
                        if (streq(fields[i], "national_node"))
                                nf->node_column = (int) i;
                        else if (streq(fields[i], "id"))
                                nf->id_column = (int) i;
                }
                return csv_write_record(nf->out, (const char *const *) fields, n);
        }
        bool keep;
        if (nf->node_column >= 0)
                keep = (size_t) nf->node_column < n && streq(fields[nf->node_column], nf->node);
        else {
                char buf[16];
                const char *node = nf->id_column >= 0 && (size_t) nf->id_column < n
                                           ? directory_id_node(fields[nf->id_column], buf, sizeof buf)
                                           : NULL;
                keep = node && streq(node, nf->node);
        }
        return keep ? csv_write_record(nf->out, (const char *const *) fields, n) : 0;
}

int emx2_filter_to_node(const char *data, size_t size, const char *filename, const char *node, char **ret_data,
                          size_t *ret_size, Findings *findings) {
        char *buf = NULL;
        size_t buf_size = 0;
        FILE *out = open_memstream(&buf, &buf_size);
        if (!out)
                return -ENOMEM;
        NodeFilter nf = { .node = node, .out = out };
        int r = csv_parse(data, size, filename, filter_record, &nf, findings);
        return memstream_done(out, &buf, &buf_size, r, ret_data, ret_size);
}
