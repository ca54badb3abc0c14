/* SPDX-License-Identifier: MIT */
#include "fetch.h"

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
        for (size_t t = 0; r >= 0 && t < f->model->n_tables; t++) {
                if (atomic_load(&f->cancel)) {
                        r = -ECANCELED;
                        break;
                }
                r = fetch_table(f, d, t);
                if (r < 0)
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
