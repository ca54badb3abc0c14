/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <sys/stat.h>

#include "backend-file.h"
#include "csv.h"
#include "export.h"
#include "limits.h"

/* The file:// backend: a folder laid out like the server, <folder>/<schema>/<Table>.csv. A push
 * writes the tables it changes into a new folder, links the other files there, and swaps it in as
 * a whole, so a crash leaves the old state or the new one, never a mix. Like the server it keeps
 * what it does not own: columns the model lacks keep their values, rows it does not touch (other
 * nodes' among them) stay as they are. */

typedef struct FileBackend {
        Backend backend;
        char *folder;
        int fault_after_files; /* tests: fail the push after writing this many files; -1 off */
} FileBackend;

static FileBackend *file_backend(Backend *b) {
        return (FileBackend *) b;
}

static char *table_path(FileBackend *fb, const char *schema, const char *table) {
        return strdup_printf("%s/%s/%s.csv", fb->folder, schema, table);
}

static int file_fetch_table(Backend *b, SchemaKind schema, const char *table, const char *node, char **ret_data,
                            size_t *ret_size, Findings *findings) {
        FileBackend *fb = file_backend(b);
        struct stat st;
        if (stat(fb->folder, &st) < 0 || !S_ISDIR(st.st_mode)) {
                Location loc = { .file = fb->folder };
                int r = findings_error_at(findings, "remote", &loc, "the Directory folder does not exist");
                return r < 0 ? r : -ENXIO;
        }
        const char *schema_name = backend_schema_name(b->config, schema);
        _cleanup_free_ char *path = table_path(fb, schema_name, table);
        if (!path)
                return -ENOMEM;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(path, LIMIT_CSV_FILE_BYTES, &data, &size);
        if (r < 0)
                return r;
        if (schema == SCHEMA_PUBLISHED && node)
                return emx2_filter_to_node(data, size, path, node, ret_data, ret_size, findings);
        *ret_data = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}

static int file_fetch_model(Backend *b, char **ret_data, size_t *ret_size, Findings *findings) {
        return -EOPNOTSUPP;
}

/* A table file as it is, every column and every row as text: a push changes the rows and columns
 * it carries and keeps the rest, as the server does (columns the model lacks, rows of other
 * nodes). */
typedef struct TextTable {
        Arena arena;
        char **header;
        size_t n_header, n_columns; /* columns read, and with the ones a push adds */
        char ***rows;               /* n_columns fields each; a deleted row's first field is NULL */
        size_t n_rows, allocated;
        const char *const *extra;   /* while reading: columns to add after the header's, or NULL */
        size_t n_extra;
} TextTable;

static void text_table_done(TextTable *t) {
        arena_done(&t->arena);
        free(t->rows);
        *t = (TextTable) {};
}

static int text_record(void *userdata, unsigned line, char **fields, size_t n) {
        TextTable *t = userdata;
        if (!t->header) {
                t->n_header = n;
                t->n_columns = n + t->n_extra;
                t->header = arena_alloc0(&t->arena, t->n_columns * sizeof(char *));
                if (!t->header)
                        return -ENOMEM;
                for (size_t i = 0; i < t->n_columns; i++)
                        if (!(t->header[i] = arena_strdup(&t->arena, i < n ? fields[i] : t->extra[i - n])))
                                return -ENOMEM;
                return 0;
        }
        if (n > t->n_header)
                return -EBADMSG;
        if (t->n_rows == t->allocated) {
                size_t a = t->allocated ? t->allocated * 2 : 64;
                char ***grown = realloc(t->rows, a * sizeof(char **));
                if (!grown)
                        return -ENOMEM;
                t->rows = grown;
                t->allocated = a;
        }
        char **row = arena_alloc0(&t->arena, t->n_columns * sizeof(char *));
        if (!row)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++)
                if (!(row[i] = arena_strdup(&t->arena, i < n ? fields[i] : "")))
                        return -ENOMEM;
        t->rows[t->n_rows++] = row;
        return 0;
}

/* extra: columns the table gets after its own (those of extra it already has are skipped). */
static int text_table_parse(TextTable *t, const char *data, size_t size, const char *label, char *const *extra,
                            Findings *findings) {
        arena_init(&t->arena);
        _cleanup_free_ const char **missing = NULL;
        if (extra) {
                /* Which of extra the header lacks is known only from the header: parse it alone first. */
                TextTable head = {};
                arena_init(&head.arena);
                const char *nl = memchr(data, '\n', size);
                int r = csv_parse(data, nl ? (size_t) (nl - data) + 1 : size, label, text_record, &head, findings);
                size_t n = strv_length(extra);
                missing = calloc(n + 1, sizeof(char *));
                if (r >= 0 && !missing)
                        r = -ENOMEM;
                for (size_t i = 0; r >= 0 && i < n; i++) {
                        bool found = false;
                        for (size_t k = 0; k < head.n_header && !found; k++)
                                found = streq(head.header[k], extra[i]);
                        if (!found)
                                missing[t->n_extra++] = extra[i];
                }
                text_table_done(&head);
                if (r < 0)
                        return r;
                t->extra = missing;
        }
        int r = csv_parse(data, size, label, text_record, t, findings);
        t->extra = NULL;
        return r;
}

static int text_column(const TextTable *t, const char *name) {
        for (size_t i = 0; i < t->n_columns; i++)
                if (streq(t->header[i], name))
                        return (int) i;
        return -1;
}

static int text_table_write(const TextTable *t, char **ret_data, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        int r = csv_write_record(out, (const char *const *) t->header, t->n_columns);
        for (size_t i = 0; r >= 0 && i < t->n_rows; i++)
                if (t->rows[i][0])
                        r = csv_write_record(out, (const char *const *) t->rows[i], t->n_columns);
        return memstream_done(out, &buf, &size, r, ret_data, ret_size);
}

/* One table's part of the plan applied to its file with the server's semantics: the upserts' marked
 * columns are written (new ones added to the header), new rows appended, deleted rows dropped;
 * every other column and row stays as it was. */
static int merge_table(const Model *model, const PushTable *pt, const char *current, size_t current_size,
                       const char *label, char **ret_data, size_t *ret_size, Findings *findings) {
        const ModelTable *mt = &model->tables[pt->table];
        /* The upserts as EMX2 CSV, then read back as text: the values spelled as everywhere else. */
        _cleanup_free_ char *ups = NULL;
        size_t ups_size = 0;
        {
                char *buf = NULL;
                size_t size = 0;
                FILE *out = open_memstream(&buf, &size);
                if (!out)
                        return -ENOMEM;
                int r = emx2_write_rows(mt, pt->upserts, pt->n_upserts, pt->columns, true, NULL, NULL, out);
                r = memstream_done(out, &buf, &size, r, &ups, &ups_size);
                if (r < 0)
                        return r;
        }
        _cleanup_(text_table_done) TextTable up = {}, cur = {};
        int r = text_table_parse(&up, ups, ups_size, "(push)", NULL, findings);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **columns = NULL;
        for (size_t i = 0; i < up.n_columns; i++)
                if (strv_extend(&columns, up.header[i]) < 0)
                        return -ENOMEM;
        r = text_table_parse(&cur, current, current_size, label, columns, findings);
        if (r == -EBADMSG && cur.header) {
                Location loc = { .file = label };
                int k = findings_error_at(findings, "remote", &loc, "a row has more fields than the header");
                return k < 0 ? k : r;
        }
        if (r < 0)
                return r;
        int id = text_column(&cur, mt->columns[mt->id_column].name);
        if (id < 0) {
                Location loc = { .file = label, .line = 1 };
                r = findings_error_at(findings, "remote", &loc, "the header has no '%s' column",
                                      mt->columns[mt->id_column].name);
                return r < 0 ? r : -EBADMSG;
        }
        _cleanup_(strmap_freep) StrMap *by_id = strmap_new();
        if (!by_id)
                return -ENOMEM;
        for (size_t i = 0; i < cur.n_rows; i++)
                if ((r = strmap_put(by_id, cur.rows[i][id], cur.rows[i])) < 0 && r != -EEXIST)
                        return r;
        _cleanup_free_ int *slot = calloc(up.n_columns ?: 1, sizeof(int));
        if (!slot)
                return -ENOMEM;
        for (size_t c = 0; c < up.n_columns; c++)
                slot[c] = text_column(&cur, up.header[c]);
        int up_id = text_column(&up, mt->columns[mt->id_column].name);
        if (up_id < 0)
                return -EINVAL;
        for (size_t i = 0; i < up.n_rows; i++) {
                char **row = strmap_get(by_id, up.rows[i][up_id]);
                if (!row) {
                        r = text_record(&cur, 0, (char *[]) { (char *) "" }, 1);
                        if (r < 0)
                                return r;
                        row = cur.rows[cur.n_rows - 1];
                        if ((r = strmap_put(by_id, up.rows[i][up_id], row)) < 0)
                                return r;
                }
                for (size_t c = 0; c < up.n_columns; c++)
                        row[slot[c]] = up.rows[i][c]; /* up's arena outlives the write below */
        }
        for (size_t k = 0; k < pt->n_deletes; k++) {
                char **row = strmap_get(by_id, pt->deletes[k]);
                if (row)
                        row[0] = NULL;
        }
        return text_table_write(&cur, ret_data, ret_size);
}

typedef struct PushFill {
        FileBackend *fb;
        const Model *model;
        const PushPlan *plan;
        const char *schema_dir;
        Findings *findings;
        size_t written;
} PushFill;

static int copy_file(const char *from, const char *to) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(from, LIMIT_CSV_FILE_BYTES, &data, &size);
        if (r < 0)
                return r;
        return write_file_atomic(to, data, size, 0644);
}

static const PushTable *plan_table(const PushPlan *plan, size_t table) {
        for (size_t i = 0; i < plan->n_tables; i++)
                if (plan->tables[i].table == table && plan->tables[i].n_upserts + plan->tables[i].n_deletes > 0)
                        return &plan->tables[i];
        return NULL;
}

/* One table of the model in the new folder: merged when the plan changes it, a header alone when
 * the schema lacks it (the server has every table), else left to the copy below. */
static int fill_table(PushFill *pf, size_t table, const char *tmp_dir) {
        const ModelTable *mt = &pf->model->tables[table];
        const PushTable *pt = plan_table(pf->plan, table);
        _cleanup_free_ char *name = strdup_printf("%s.csv", mt->name);
        _cleanup_free_ char *source = name ? path_join(pf->schema_dir, name) : NULL;
        _cleanup_free_ char *target = name ? path_join(tmp_dir, name) : NULL;
        if (!source || !target)
                return -ENOMEM;
        struct stat st;
        int r = stat(source, &st) < 0 ? -errno : 0;
        if (r < 0 && r != -ENOENT)
                return r;
        bool exists = r == 0 && st.st_size > 0; /* an empty file is a table not made yet */
        if (exists && !pt)
                return 0; /* linked below as it is */
        _cleanup_free_ char *current = NULL;
        size_t current_size = 0;
        r = exists ? read_file_limited(source, LIMIT_CSV_FILE_BYTES, &current, &current_size) : 0;
        if (r < 0)
                return r;
        if (pf->fb->fault_after_files >= 0 && pf->written >= (size_t) pf->fb->fault_after_files)
                return -EIO;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        if (!exists) {
                /* What a table of no rows looks like: its header. */
                char *buf = NULL;
                FILE *out = open_memstream(&buf, &size);
                if (!out)
                        return -ENOMEM;
                r = emx2_write_rows(mt, NULL, 0, NULL, true, NULL, NULL, out);
                r = memstream_done(out, &buf, &size, r, &current, &current_size);
                if (r < 0)
                        return r;
        }
        if (pt) {
                _cleanup_free_ char *label = path_join(pf->fb->backend.config->staging_schema, name);
                if (!label)
                        return -ENOMEM;
                r = merge_table(pf->model, pt, current, current_size, label, &data, &size, pf->findings);
                if (r < 0)
                        return r;
        }
        r = write_file_atomic(target, data ?: current, data ? size : current_size, 0644);
        if (r < 0)
                return r;
        pf->written++;
        return 0;
}

static int fill_schema(void *userdata, const char *tmp_dir) {
        PushFill *pf = userdata;
        for (size_t t = 0; t < pf->model->n_tables; t++) {
                int r = fill_table(pf, t, tmp_dir);
                if (r < 0)
                        return r;
        }
        /* Every other file of the schema folder comes along as it is (a link: nothing rewritten). */
        DIR *dir = opendir(pf->schema_dir);
        if (!dir)
                return errno == ENOENT ? 0 : -errno;
        int r = 0;
        struct dirent *de;
        while (r >= 0 && (de = readdir(dir))) {
                if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
                        continue;
                _cleanup_free_ char *target = path_join(tmp_dir, de->d_name);
                _cleanup_free_ char *source = path_join(pf->schema_dir, de->d_name);
                if (!target || !source) {
                        r = -ENOMEM;
                        break;
                }
                struct stat st;
                if (stat(target, &st) == 0)
                        continue; /* one of the tables just written */
                if (link(source, target) < 0)
                        r = copy_file(source, target);
        }
        closedir(dir);
        return r;
}

static int file_push(Backend *b, const Model *model, const PushPlan *plan, PushResult *result, Findings *findings) {
        FileBackend *fb = file_backend(b);
        const char *schema = b->config->staging_schema;
        size_t upserts = 0, deletes = 0;
        for (size_t i = 0; i < plan->n_tables; i++) {
                upserts += plan->tables[i].n_upserts;
                deletes += plan->tables[i].n_deletes;
        }
        _cleanup_free_ char *schema_dir = path_join(fb->folder, schema);
        if (!schema_dir)
                return -ENOMEM;
        PushFill pf = { .fb = fb, .model = model, .plan = plan, .schema_dir = schema_dir, .findings = findings };
        int r = push_result_add_record(result, "folder swap", schema, upserts, deletes);
        if (r < 0)
                return r;
        r = replace_directory_atomic(schema_dir, fill_schema, &pf);
        result->n_requests = 1;
        if (r < 0) {
                result->error = strdup_printf("cannot write the staging folder %s: %s", schema_dir, strerror(-r));
                return r;
        }
        result->n_applied_upserts = upserts;
        result->n_applied_deletes = deletes;
        result->records[result->n_records - 1].applied = true;
        return 0;
}

static void file_free(Backend *b) {
        FileBackend *fb = file_backend(b);
        free(fb->folder);
        free(fb);
}

/* A push killed before its folder swap leaves <schema>.tmp-XXXXXX beside the staging schema (the
 * swap itself is one system call, and the old contents it moves there are removed right after). */
static int file_remove_temporaries(Backend *b) {
        _cleanup_free_ char *stem = strdup_printf("%s.tmp-", b->config->staging_schema);
        return stem ? remove_temporaries(file_backend(b)->folder, stem) : -ENOMEM;
}

static const BackendOps file_ops = {
        .name = "file",
        .fetch_table = file_fetch_table,
        .fetch_model = file_fetch_model,
        .push = file_push,
        .free = file_free,
        .remove_temporaries = file_remove_temporaries,
};

int backend_file_open(const Config *config, const char *folder, Backend **ret) {
        FileBackend *fb = calloc(1, sizeof(FileBackend));
        if (!fb)
                return -ENOMEM;
        fb->folder = strdup(folder);
        if (!fb->folder) {
                free(fb);
                return -ENOMEM;
        }
        fb->backend = (Backend) { .ops = &file_ops, .config = config };
        fb->fault_after_files = -1;
        *ret = &fb->backend;
        return 0;
}

void backend_file_set_fault_after_files(Backend *b, int n_files) {
        file_backend(b)->fault_after_files = n_files;
}
