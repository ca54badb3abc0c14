/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <pthread.h>

#include "csv.h"
#include "emx2csv.h"
#include "limits.h"
#include "master-csv.h"

enum {
        SLOT_IGNORED = -1, /* server-owned, system or unknown column: read and thrown away */
};

typedef struct TableReader {
        const ModelTable *table;
        const char *file;           /* interned in the record set */
        RecordSet *set;
        Findings *findings;
        int *slots;                 /* CSV column -> model column index, or SLOT_IGNORED */
        bool *slot_lists;           /* CSV column -> whether its model column takes a list */
        size_t n_header;
        int id_slot;
        char **items;               /* scratch for splitting list fields */
        size_t items_allocated;
        RecordField *row_fields;    /* n_header: the row being read */
        const char **row_items;     /* the row's list items, one list after the other */
        size_t row_items_allocated;
        bool ascii;                 /* the whole file is ASCII: its values need no NFC */
        bool failed;
} TableReader;

static int table_finding(TableReader *tr, Severity severity, const char *code, unsigned line, unsigned column,
                         const char *id, const char *col, const char *fmt, ...) _printf_(8, 9);
static int table_finding(TableReader *tr, Severity severity, const char *code, unsigned line, unsigned column,
                         const char *id, const char *col, const char *fmt, ...) {
        Location loc = { .file = tr->file, .line = line, .column = column };
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(tr->findings, severity, code, tr->table->name, id, col, &loc, fmt, ap);
        va_end(ap);
        if (severity == SEVERITY_ERROR)
                tr->failed = true;
        return r;
}

static int read_header(TableReader *tr, unsigned line, char **fields, size_t n) {
        const ModelTable *t = tr->table;
        tr->slots = calloc(n ? n : 1, sizeof(int));
        tr->slot_lists = calloc(n ? n : 1, sizeof(bool));
        tr->row_fields = calloc(n ? n : 1, sizeof(RecordField));
        if (!tr->slots || !tr->slot_lists || !tr->row_fields)
                return -ENOMEM;
        tr->n_header = n;
        tr->id_slot = -1;
        for (size_t i = 0; i < n; i++) {
                tr->slots[i] = SLOT_IGNORED;
                int c = model_column_index(t, fields[i]);
                if (c < 0) {
                        if (emx2_column_is_ignored(fields[i]))
                                continue;
                        int r = table_finding(tr, SEVERITY_WARNING, "model-drift", line, (unsigned) i + 1, NULL,
                                              fields[i],
                                              "model drift: %s has a column '%s' that the model does not know; it is "
                                              "ignored",
                                              t->name, fields[i]);
                        if (r < 0)
                                return r;
                        continue;
                }
                for (size_t k = 0; k < i; k++)
                        if (tr->slots[k] == c) {
                                int r = table_finding(tr, SEVERITY_ERROR, "csv-table", line, (unsigned) i + 1, NULL,
                                                      fields[i], "column '%s' appears twice in the header", fields[i]);
                                return r < 0 ? r : -EBADMSG;
                        }
                if ((size_t) c == t->id_column)
                        tr->id_slot = (int) i;
                /* Refback and heading columns are the server's: never a master's to set. */
                if (t->columns[c].node_owned || (size_t) c == t->id_column)
                        tr->slots[i] = c;
                tr->slot_lists[i] = column_type_is_list(t->columns[c].type);
        }
        if (tr->id_slot < 0) {
                int r = table_finding(tr, SEVERITY_ERROR, "csv-table", line, 0, NULL, "id",
                                      "the header has no 'id' column");
                return r < 0 ? r : -EBADMSG;
        }
        return 0;
}

/* Room for n more list items in the row after the first used. */
static int row_items_reserve(TableReader *tr, size_t used, size_t n) {
        if (used + n <= tr->row_items_allocated)
                return 0;
        size_t a = tr->row_items_allocated * 2 > used + n ? tr->row_items_allocated * 2 : used + n;
        const char **grown = reallocarray(tr->row_items, a, sizeof(char *));
        if (!grown)
                return -ENOMEM;
        tr->row_items = grown;
        tr->row_items_allocated = a;
        return 0;
}

/* The row's fields into tr->row_fields, their values borrowed: a scalar's is the parser's own
 * field pointer, a list's items lie in tr->row_items. *ret_n: how many. */
static int read_fields(TableReader *tr, unsigned line, const char *id, char **fields, size_t n, size_t *ret_n) {
        const ModelTable *t = tr->table;
        size_t n_out = 0, n_items_used = 0;
        for (size_t i = 0; i < n; i++) {
                int c = tr->slots[i];
                if (c == SLOT_IGNORED || (size_t) c == t->id_column || isempty(fields[i]))
                        continue;
                const ModelColumn *col = &t->columns[c];
                RecordField *f = &tr->row_fields[n_out];
                *f = (RecordField) {
                        .name = col->name,
                        .location = { .file = tr->file, .line = line, .column = (unsigned) i + 1 },
                };
                if (!tr->slot_lists[i]) {
                        f->values = (const char **) &fields[i];
                        f->n_values = 1;
                        f->length = csv_field_length(fields, i);
                        n_out++;
                        continue;
                }
                size_t n_items = 0;
                int r = emx2_split_list(fields[i], &tr->items, &tr->items_allocated, &n_items);
                if (r == -E2BIG) {
                        r = table_finding(tr, SEVERITY_ERROR, "csv-table", line, (unsigned) i + 1, id, col->name,
                                          "more than %u items in one list", LIMIT_LIST_ITEMS);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r < 0)
                        return r;
                if (n_items == 0)
                        continue;
                if ((r = row_items_reserve(tr, n_items_used, n_items)) < 0)
                        return r;
                memcpy(tr->row_items + n_items_used, tr->items, n_items * sizeof(char *));
                /* An offset until the row is read: the items may still move. */
                f->values = (const char **) (uintptr_t) n_items_used;
                f->n_values = n_items;
                f->is_list = true;
                n_items_used += n_items;
                n_out++;
        }
        for (size_t i = 0; i < n_out; i++)
                if (tr->row_fields[i].is_list)
                        tr->row_fields[i].values = tr->row_items + (uintptr_t) tr->row_fields[i].values;
        *ret_n = n_out;
        return 0;
}

static int read_record(void *userdata, unsigned line, char **fields, size_t n) {
        TableReader *tr = userdata;
        if (!tr->slots)
                return read_header(tr, line, fields, n);

        const ModelTable *t = tr->table;
        if (n > tr->n_header)
                return table_finding(tr, SEVERITY_ERROR, "csv-table", line, (unsigned) tr->n_header + 1, NULL, NULL,
                                     "row has %zu fields, the header only %zu", n, tr->n_header);
        const char *id = (size_t) tr->id_slot < n ? fields[tr->id_slot] : "";
        if (isempty(id))
                return table_finding(tr, SEVERITY_ERROR, "csv-table", line, (unsigned) tr->id_slot + 1, NULL, "id",
                                     "row without an id");

        size_t n_fields = 0;
        int r = read_fields(tr, line, id, fields, n, &n_fields);
        if (r < 0)
                return r;
        Record rec = {
                .table = t->name,
                .id = id,
                .location = { .file = tr->file, .line = line, .column = 1 },
                .fields = tr->row_fields,
                .n_fields = n_fields,
                .allocated = n_fields,
                .ascii = tr->ascii,
        };
        /* Mapped as soon as it is read, as the YAML reader does with its entities: a big folder's
         * rows never exist as records of the set, their values borrowed from the parser. */
        if (tr->set->sink)
                return record_set_sink_record(tr->set, &rec);
        return record_set_add_copy(tr->set, &rec);
}

/* The second half of a split table, read on its own thread. */
typedef struct HalfReader {
        TableReader tr;
        const char *data;
        size_t size;
        CsvPart part;
        int result;
        pthread_t thread;
} HalfReader;

static void *half_reader_run(void *userdata) {
        HalfReader *h = userdata;
        h->result = csv_parse_part(h->data, h->size, h->tr.file, &h->part, read_record, &h->tr, h->tr.findings);
        return NULL;
}

static size_t count_newlines(const char *data, size_t size) {
        size_t n = 0;
        for (const char *p = data, *end = data + size; (p = memchr(p, '\n', (size_t) (end - p))); p++)
                n++;
        return n;
}

/* Where a table file can be cut into two halves that parse as the whole does: after a line end
 * past the middle, with no quote before it (so no quoted line end either, and every line before
 * it is one record or blank), in a file of valid UTF-8 (utf8_valid) whose records stay within
 * LIMIT_CSV_ROWS. 0: not to be cut; else *ret_lines_before: the line ends before the cut. */
static size_t split_point(const char *data, size_t size, bool utf8_valid, size_t min_bytes, size_t *ret_lines_before) {
        if (!utf8_valid || size < min_bytes || size < 2)
                return 0;
        const char *nl = memchr(data + size / 2, '\n', size - size / 2);
        if (!nl || (size_t) (nl + 1 - data) >= size)
                return 0;
        size_t at = (size_t) (nl + 1 - data);
        if (memchr(data, '"', at))
                return 0;
        size_t before = count_newlines(data, at);
        if (before + count_newlines(data + at, size - at) >= LIMIT_CSV_ROWS)
                return 0;
        *ret_lines_before = before;
        return at;
}

/* One table read in two halves at once (split_point()): the header first, then the first half
 * here and the second on a thread into second's record set. */
static int parse_table_halves(TableReader *tr, const char *data, size_t size, size_t at, size_t lines_before,
                              MasterSecondReader *second, Findings *findings) {
        const char *nl = memchr(data, '\n', at); /* the header's line end: there is no quote before at */
        size_t header_end = (size_t) (nl + 1 - data);
        int r = csv_parse_part(data, header_end, tr->file, &(const CsvPart) { .first_line = 1, .utf8_checked = true },
                               read_record, tr, findings);
        CsvPart rest = { .first_line = 2, .utf8_checked = true };
        if (r < 0)
                return r; /* a header the table cannot be read with: nothing more, as in sequence */
        if (!tr->slots) /* a blank first line: the header is further on */
                return csv_parse_part(data + header_end, size - header_end, tr->file, &rest, read_record, tr, findings);

        second->tried = true;
        HalfReader h = {
                .tr = *tr,
                .data = data + at,
                .size = size - at,
                .part = { .first_line = 1 + (unsigned) lines_before, .utf8_checked = true },
        };
        h.tr.set = second->set;
        h.tr.findings = &second->findings;
        h.tr.file = record_set_intern_file(second->set, tr->file);
        h.tr.items = NULL;
        h.tr.items_allocated = 0;
        h.tr.row_items = NULL;
        h.tr.row_items_allocated = 0;
        h.tr.row_fields = calloc(tr->n_header ? tr->n_header : 1, sizeof(RecordField));
        if (!h.tr.file || !h.tr.row_fields) {
                free(h.tr.row_fields);
                return -ENOMEM;
        }
        if (pthread_create(&h.thread, NULL, half_reader_run, &h) != 0) {
                free(h.tr.row_fields);
                return csv_parse_part(data + header_end, size - header_end, tr->file, &rest, read_record, tr, findings);
        }
        r = csv_parse_part(data + header_end, at - header_end, tr->file, &rest, read_record, tr, findings);
        (void) pthread_join(h.thread, NULL);
        free(h.tr.items);
        free(h.tr.row_fields);
        free(h.tr.row_items);
        if (r < 0 || h.result == -ENOMEM) {
                /* The first half stopped: in sequence the second was never read. */
                findings_done(&second->findings);
                return r < 0 ? r : h.result;
        }
        second->used = true;
        /* Moved, second's set is empty; should the move fail, what is left is freed with it. */
        int k = findings_move_within_limits(findings, &second->findings);
        return k < 0 ? k : h.result;
}

int master_csv_parse_table_with(const Model *model, size_t table, const char *data, size_t size, const char *filename,
                                RecordSet *set, MasterSecondReader *second, Findings *findings) {
        if (table >= model->n_tables)
                return -EINVAL;
        TableReader tr = {
                .table = &model->tables[table],
                .file = record_set_intern_file(set, filename),
                .set = set,
                .findings = findings,
        };
        if (!tr.file)
                return -ENOMEM;
        /* One pass tells both: an all-ASCII file's values need no NFC. An invalid file is left to
         * the parser, which says where. */
        bool ascii = false, valid = utf8_is_valid_ascii(data, size, NULL, &ascii);
        tr.ascii = valid && ascii;
        size_t lines_before = 0;
        size_t at = second && !second->tried ? split_point(data, size, valid, second->min_bytes, &lines_before) : 0;
        int r = at > 0 ? parse_table_halves(&tr, data, size, at, lines_before, second, findings)
                       : csv_parse_part(data, size, tr.file, &(const CsvPart) { .first_line = 1, .utf8_checked = valid },
                                        read_record, &tr, findings);
        if (r >= 0 && !tr.slots) {
                /* Not even a header: most likely a file cut short or saved empty by mistake. */
                Location loc = { .file = tr.file };
                r = findings_add(findings, SEVERITY_ERROR, "csv-table", tr.table->name, NULL, NULL, &loc,
                                 "the table file is empty: a table without rows is its header line alone (at "
                                 "least 'id'), or no file at all");
                r = r < 0 ? r : -EBADMSG;
        }
        free(tr.slots);
        free(tr.slot_lists);
        free(tr.items);
        free(tr.row_fields);
        free(tr.row_items);
        return r;
}

int master_csv_parse_table(const Model *model, size_t table, const char *data, size_t size, const char *filename,
                           RecordSet *set, Findings *findings) {
        return master_csv_parse_table_with(model, table, data, size, filename, set, NULL, findings);
}

static int folder_error(Findings *findings, const char *path, int error, const char *fmt, ...) _printf_(4, 5);
static int folder_error(Findings *findings, const char *path, int error, const char *fmt, ...) {
        Location loc = { .file = path };
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(findings, SEVERITY_ERROR, error == -EFBIG ? "file-too-large" : "file-unreadable", NULL,
                              NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        return r < 0 ? r : error;
}

/* Other .csv files in the folder: a table the model does not have (or a misspelt one). */
static int report_other_files(const char *dir, const Model *model, Findings *findings) {
        DIR *d = opendir(dir);
        if (!d)
                return 0;
        int r = 0;
        struct dirent *de;
        while (r >= 0 && (de = readdir(d))) {
                size_t n = strlen(de->d_name);
                if (n <= 4 || !streq(de->d_name + n - 4, ".csv"))
                        continue;
                bool known = false;
                for (size_t t = 0; t < model->n_tables && !known; t++)
                        known = strlen(model->tables[t].name) == n - 4 &&
                                strncmp(model->tables[t].name, de->d_name, n - 4) == 0;
                if (known)
                        continue;
                _cleanup_free_ char *path = path_join(dir, de->d_name);
                Location loc = { .file = path };
                r = path ? findings_add(findings, SEVERITY_WARNING, "model-drift", NULL, NULL, NULL, &loc,
                                        "model drift: '%s' is not a table of the Directory model; it is ignored",
                                        de->d_name)
                         : -ENOMEM;
        }
        closedir(d);
        return r;
}

int master_csv_load_folder(const char *dir, const Model *model, RecordSet *set, Findings *findings) {
        return master_csv_load_folder_with(dir, model, set, NULL, findings);
}

int master_csv_load_folder_with(const char *dir, const Model *model, RecordSet *set, MasterSecondReader *second,
                                Findings *findings) {
        size_t found = 0;
        int ret = 0;
        for (size_t t = 0; t < model->n_tables; t++) {
                _cleanup_free_ char *name = strdup_printf("%s.csv", model->tables[t].name);
                _cleanup_free_ char *path = name ? path_join(dir, name) : NULL;
                if (!path)
                        return -ENOMEM;
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                int r = read_file_limited(path, LIMIT_CSV_FILE_BYTES, &data, &size);
                if (r == -ENOENT)
                        continue; /* a table without its file has no rows */
                if (r == -ENOMEM)
                        return r;
                if (r == -EFBIG)
                        return folder_error(findings, path, r, "file is larger than the limit of %u bytes",
                                            LIMIT_CSV_FILE_BYTES);
                if (r < 0)
                        return folder_error(findings, path, r, "cannot read the table: %s", strerror(-r));
                found++;
                r = master_csv_parse_table_with(model, t, data, size, path, set, second, findings);
                if (r == -ENOMEM)
                        return r;
                /* Go on with the other tables: one run reports every broken file. */
                if (r < 0 && ret == 0)
                        ret = r;
        }
        int r = report_other_files(dir, model, findings);
        if (r < 0)
                return r;
        if (found == 0) {
                Location loc = { .file = dir };
                r = findings_error_at(findings, "master-structure", &loc,
                                      "the folder holds none of the Directory's table files (%s.csv, %s.csv, ...)",
                                      model->tables[0].name, model->n_tables > 1 ? model->tables[1].name : "");
                return r < 0 ? r : -EBADMSG;
        }
        return ret;
}
