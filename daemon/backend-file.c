/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <sys/stat.h>

#include "backend-file.h"
#include "export.h"
#include "limits.h"

/* The file:// backend: a folder laid out like the server, <folder>/<schema>/<Table>.csv. A push
 * writes every staging table of the model into a new folder and swaps it in as a whole, so a crash
 * leaves the old state or the new one, never a mix. Columns the model does not know are not
 * carried over (the staging schema holds the model's columns only). */

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

/* Applies one table's upserts with the server's semantics: only the marked columns are written. */
static int apply_upserts(Dataset *d, const Model *model, const PushTable *pt) {
        const ModelTable *t = &model->tables[pt->table];
        for (size_t i = 0; i < pt->n_upserts; i++) {
                const Row *src = pt->upserts[i];
                Row *row = dataset_find(d, pt->table, src->id);
                if (!row) {
                        int r = dataset_add_row(d, pt->table, src->id, NULL, &row);
                        if (r < 0)
                                return r;
                }
                for (size_t c = 0; c < t->n_columns; c++) {
                        if (!pt->columns[c] || c == t->id_column)
                                continue;
                        int r = dataset_set(d, row, pt->table, c, src->cells[c], NULL);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

typedef struct PushFill {
        FileBackend *fb;
        const Dataset *d;
        const char *schema_dir;
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

static int fill_schema(void *userdata, const char *tmp_dir) {
        PushFill *pf = userdata;
        const Model *model = pf->d->model;
        for (size_t t = 0; t < model->n_tables; t++) {
                if (pf->fb->fault_after_files >= 0 && pf->written >= (size_t) pf->fb->fault_after_files)
                        return -EIO;
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                int r = emx2_table_to_buffer(pf->d, t, NULL, 0, NULL, false, &data, &size);
                if (r < 0)
                        return r;
                _cleanup_free_ char *path = strdup_printf("%s/%s.csv", tmp_dir, model->tables[t].name);
                if (!path)
                        return -ENOMEM;
                r = write_file_atomic(path, data, size, 0644);
                if (r < 0)
                        return r;
                pf->written++;
        }
        /* Other files of the schema folder come along unchanged. */
        DIR *dir = opendir(pf->schema_dir);
        if (!dir)
                return errno == ENOENT ? 0 : -errno;
        int r = 0;
        struct dirent *de;
        while (r >= 0 && (de = readdir(dir))) {
                if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
                        continue;
                _cleanup_free_ char *target = path_join(tmp_dir, de->d_name);
                if (!target) {
                        r = -ENOMEM;
                        break;
                }
                struct stat st;
                if (stat(target, &st) == 0)
                        continue; /* one of the tables just written */
                _cleanup_free_ char *source = path_join(pf->schema_dir, de->d_name);
                r = source ? copy_file(source, target) : -ENOMEM;
        }
        closedir(dir);
        return r;
}

static int file_push(Backend *b, const Model *model, const PushPlan *plan, PushResult *result, Findings *findings) {
        FileBackend *fb = file_backend(b);
        const char *schema = b->config->staging_schema;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        int r = dataset_new(model, &d);
        if (r < 0)
                return r;
        /* Start from what the staging schema holds now. */
        for (size_t t = 0; t < model->n_tables; t++) {
                Emx2ReadStats stats = {};
                r = backend_fetch_into(b, SCHEMA_STAGING, NULL, d, t, &stats, findings);
                emx2_read_stats_done(&stats);
                if (r < 0) {
                        result->error = strdup_printf("cannot read %s/%s.csv before the push", schema,
                                                      model->tables[t].name);
                        return r;
                }
        }
        size_t upserts = 0, deletes = 0;
        for (size_t i = 0; i < plan->n_tables; i++) {
                r = apply_upserts(d, model, &plan->tables[i]);
                if (r < 0)
                        return r;
                upserts += plan->tables[i].n_upserts;
        }
        /* Deletions in reverse reference order, as the server needs them. */
        for (size_t i = plan->n_tables; i > 0; i--) {
                const PushTable *pt = &plan->tables[i - 1];
                for (size_t k = 0; k < pt->n_deletes; k++) {
                        r = dataset_remove_row(d, pt->table, pt->deletes[k]);
                        if (r < 0 && r != -ENOENT)
                                return r;
                        deletes++;
                }
        }
        _cleanup_free_ char *schema_dir = path_join(fb->folder, schema);
        if (!schema_dir)
                return -ENOMEM;
        PushFill pf = { .fb = fb, .d = d, .schema_dir = schema_dir };
        r = push_result_add_record(result, "folder swap", schema, upserts, deletes);
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
