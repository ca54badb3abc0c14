/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "export.h"
#include "fetch.h"
#include "limits.h"
#include "vocab.h"

void remote_fetch_init(RemoteFetch *f, Backend *backend, const Model *model, SchemaKind schema, const char *node,
                       StateDir *state) {
        *f = (RemoteFetch) {
                .backend = backend,
                .model = model,
                .schema = schema,
                .node = node,
                .state = state,
        };
        findings_init(&f->findings);
        atomic_init(&f->cancel, false);
}

void remote_fetch_done(RemoteFetch *f) {
        if (f->started) {
                atomic_store(&f->cancel, true);
                (void) pthread_join(f->thread, NULL);
                f->started = false;
        }
        f->dataset = dataset_free(f->dataset);
        findings_done(&f->findings);
        f->model_drift = model_drift_free(f->model_drift);
        strv_free(f->drift_tables);
        strv_free(f->drift_columns);
        f->drift_tables = f->drift_columns = NULL;
}

static int fetch_table(RemoteFetch *f, Dataset *d, size_t table) {
        const char *name = f->model->tables[table].name;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = f->backend->ops->fetch_table(f->backend, f->schema, name, f->node, &data, &size, &f->findings);
        if (r == -ENOENT && f->schema == SCHEMA_STAGING)
                return 0; /* a staging table that does not exist yet is empty */
        if (r < 0)
                return r;
        _cleanup_free_ char *label = strdup_printf("%s/%s.csv", backend_schema_name(f->backend->config, f->schema),
                                                   name);
        if (!label)
                return -ENOMEM;
        Emx2ReadStats stats = {};
        r = emx2_read_table(d, table, data, size, label, &stats, &f->findings);
        for (char **c = stats.unknown_columns; r >= 0 && c && *c; c++)
                if (strv_extend(&f->drift_tables, name) < 0 || strv_extend(&f->drift_columns, *c) < 0)
                        r = -ENOMEM;
        emx2_read_stats_done(&stats);
        if (r < 0) {
                f->error_in_table = r != -ENOMEM;
                return r;
        }
        if (f->state && state_snapshot_add(f->state, backend_schema_name(f->backend->config, f->schema), name,
                                           data, size) < 0)
                f->n_snapshot_failures++;
        return 0;
}

int remote_fetch_run(RemoteFetch *f) {
        uint64_t start = now_usec_monotonic();
        _cleanup_(dataset_freep) Dataset *d = NULL;
        int r = dataset_new(f->model, &d);
        if (r >= 0)
                dataset_keep_cell_locations(d, false);
        if (r >= 0 && f->check_model && f->schema == SCHEMA_STAGING) {
                /* The live model first: a drift that blocks the push is known before the tables. */
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                r = f->backend->ops->fetch_model(f->backend, &data, &size, &f->findings);
                if (r == -EOPNOTSUPP)
                        r = 0;
                else if (r >= 0) {
                        _cleanup_free_ char *label = strdup_printf("%s/api/csv (model)", f->backend->config->staging_schema);
                        r = label ? model_drift_compare(f->model, data, size, label, &f->model_drift, &f->findings)
                                  : -ENOMEM;
                        if (r < 0)
                                f->error_in_table = r != -ENOMEM;
                }
                if (r < 0)
                        f->failed_table = "api/csv (its model)";
        }
        for (size_t t = 0; r >= 0 && t < f->model->n_tables; t++) {
                if (atomic_load(&f->cancel)) {
                        r = -ECANCELED;
                        break;
                }
                r = fetch_table(f, d, t);
                if (r < 0 && !f->failed_table)
                        f->failed_table = f->model->tables[t].name;
        }
        f->usec = now_usec_monotonic() - start;
        f->error = r < 0 ? r : 0;
        if (r >= 0)
                f->dataset = TAKE_PTR(d);
        return f->error;
}

static void *fetch_thread(void *userdata) {
        (void) remote_fetch_run(userdata);
        return NULL;
}

int remote_fetch_start(RemoteFetch *f) {
        int r = pthread_create(&f->thread, NULL, fetch_thread, f);
        if (r != 0)
                return -r;
        f->started = true;
        return 0;
}

int remote_fetch_wait(RemoteFetch *f) {
        if (f->started) {
                (void) pthread_join(f->thread, NULL);
                f->started = false;
        }
        return f->error;
}

typedef struct OntologyFill {
        Backend *backend;
        Findings *findings;
        size_t n_written;
} OntologyFill;

static int fill_ontologies(void *userdata, const char *tmp_dir) {
        OntologyFill *of = userdata;
        size_t n = 0;
        const char *const *tables = vocab_folder_tables(&n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                int r = of->backend->ops->fetch_table(of->backend, SCHEMA_ONTOLOGY, tables[i], NULL, &data, &size,
                                                      of->findings);
                if (r == -ENOENT)
                        continue; /* a lookup table this Directory does not have */
                if (r < 0)
                        return r;
                _cleanup_free_ char *name = strdup_printf("%s.csv", tables[i]);
                _cleanup_free_ char *path = name ? path_join(tmp_dir, name) : NULL;
                if (!path)
                        return -ENOMEM;
                r = write_file_atomic(path, data, size, 0640);
                if (r < 0)
                        return r;
                of->n_written++;
        }
        return 0;
}

int ontology_cache_refresh(Backend *backend, StateDir *state, Findings *findings) {
        _cleanup_free_ char *dir = path_join(state_path(state), ONTOLOGY_CACHE_DIR);
        if (!dir)
                return -ENOMEM;
        struct stat st;
        uint64_t now = now_usec_realtime();
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
                uint64_t mtime = (uint64_t) st.st_mtim.tv_sec * 1000000 + (uint64_t) st.st_mtim.tv_nsec / 1000;
                if (mtime <= now && now - mtime < LIMIT_ONTOLOGY_CACHE_USEC)
                        return 0;
        }
        OntologyFill of = { .backend = backend, .findings = findings };
        int r = replace_directory_atomic(dir, fill_ontologies, &of);
        return r < 0 ? r : 1;
}
