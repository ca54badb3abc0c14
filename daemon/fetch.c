/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/stat.h>

#include "answer-check.h"
#include "archive.h"
#include "export.h"
#include "fetch.h"
#include "limits.h"
#include "vocab.h"

void remote_fetch_init(RemoteFetch *f, Backend *backend, const Model *model, StateDir *state) {
        *f = (RemoteFetch) {
                .backend = backend,
                .model = model,
                .state = state,
        };
        findings_init(&f->findings);
        findings_init(&f->lookup_findings);
        atomic_init(&f->cancel, false);
        atomic_init(&f->caller_waiting, false);
}

SchemaRead *remote_fetch_add(RemoteFetch *f, SchemaKind schema, const char *node) {
        if (f->n_reads >= ELEMENTSOF(f->reads))
                return NULL;
        SchemaRead *s = &f->reads[f->n_reads++];
        *s = (SchemaRead) { .schema = schema, .node = node, .snapshot = f->state != NULL };
        findings_init(&s->findings);
        return s;
}

void remote_fetch_refresh_lookups(RemoteFetch *f) {
        f->refresh_lookups = f->state != NULL;
}

void remote_fetch_done(RemoteFetch *f) {
        if (f->started) {
                atomic_store(&f->cancel, true);
                (void) pthread_join(f->thread, NULL);
                f->started = false;
        }
        for (size_t i = 0; i < f->n_reads; i++) {
                SchemaRead *s = &f->reads[i];
                s->dataset = dataset_free(s->dataset);
                s->model_drift = model_drift_free(s->model_drift);
                strv_free(s->drift_tables);
                strv_free(s->drift_columns);
                s->drift_tables = s->drift_columns = NULL;
                findings_done(&s->findings);
                for (size_t t = 0; s->raw && t < f->model->n_tables; t++)
                        free(s->raw[t]);
                s->raw = mfree(s->raw);
                s->raw_sizes = mfree(s->raw_sizes);
        }
        findings_done(&f->findings);
        findings_done(&f->lookup_findings);
}

static bool reads_table(const SchemaRead *s, size_t table) {
        return !s->tables || s->tables[table];
}

static Findings *read_findings(RemoteFetch *f, SchemaRead *s) {
        return s->findings_apart ? &s->findings : &f->findings;
}

/* Reads one fetched table into the schema read's dataset and keeps its snapshot. */
static int read_table(RemoteFetch *f, SchemaRead *s, Dataset *d, size_t table, BackendRead *rd) {
        const char *name = f->model->tables[table].name;
        if (rd->error == -ENOENT && s->schema == SCHEMA_STAGING)
                return 0; /* a staging table that does not exist yet is empty */
        if (rd->error < 0)
                return findings_move(read_findings(f, s), &rd->findings) < 0 ? -ENOMEM : rd->error;
        const char *schema_name = backend_schema_name(f->backend->config, s->schema);
        _cleanup_free_ char *label = strdup_printf("%s/%s.csv", schema_name, name);
        if (!label)
                return -ENOMEM;
        bool line_end = f->backend->ops->line_end_at_end;
        if (!answer_is_whole(rd->data, rd->size, line_end)) {
                s->error_in_table = true; /* the check says so */
                return answer_check_table(rd->data, rd->size, label, NULL, line_end, SEVERITY_ERROR, read_findings(f, s));
        }
        /* Cut off answers are refused before they can become the snapshot. */
        /* emx2_read_table() keeps the label in the dataset: the rows' origins name it. */
        Emx2ReadStats stats = { .whole_rows = true };
        int r = emx2_read_table(d, table, rd->data, rd->size, label, &stats, read_findings(f, s));
        for (char **c = stats.unknown_columns; r >= 0 && c && *c; c++)
                if (strv_extend(&s->drift_tables, name) < 0 || strv_extend(&s->drift_columns, *c) < 0)
                        r = -ENOMEM;
        emx2_read_stats_done(&stats);
        if (r < 0) {
                s->error_in_table = r != -ENOMEM;
                return r;
        }
        if (s->snapshot && state_snapshot_add(f->state, schema_name, name, rd->data, rd->size) < 0)
                s->n_snapshot_failures++;
        if (s->keep_raw) {
                if (!s->raw)
                        s->raw = calloc(f->model->n_tables, sizeof(char *));
                if (!s->raw_sizes)
                        s->raw_sizes = calloc(f->model->n_tables, sizeof(size_t));
                if (!s->raw || !s->raw_sizes)
                        return -ENOMEM;
                free(s->raw[table]);
                s->raw[table] = TAKE_PTR(rd->data);
                s->raw_sizes[table] = rd->size;
        }
        return 0;
}

/* The live model against ours. An answer that is no model (an HTML page, a cut-off body, no model
 * CSV) is a warning, and the last good copy (kept with the snapshots) is compared instead and
 * carried into the new snapshot set. */
static int read_model(RemoteFetch *f, SchemaRead *s, BackendRead *rd) {
        if (rd->error == -EOPNOTSUPP)
                return 0;
        const char *schema = f->backend->config->staging_schema;
        _cleanup_free_ char *label = strdup_printf("%s/api/csv (model)", schema);
        if (!label)
                return -ENOMEM;
        Findings answer;
        findings_init(&answer);
        int r = rd->error;
        if (r < 0)
                r = findings_move(&answer, &rd->findings) < 0 ? -ENOMEM : r;
        if (r >= 0)
                r = answer_check_table(rd->data, rd->size, label, NULL, f->backend->ops->line_end_at_end,
                                       SEVERITY_WARNING, &answer);
        if (r >= 0)
                r = model_drift_compare(f->model, rd->data, rd->size, label, &s->model_drift, &answer);
        if (r >= 0 || !answer_error_is_bad_answer(r)) {
                int k = findings_move(read_findings(f, s), &answer);
                findings_done(&answer);
                if (r >= 0 && k >= 0 && s->snapshot &&
                    state_snapshot_add(f->state, schema, LIVE_MODEL_SNAPSHOT, rd->data, rd->size) < 0)
                        s->n_snapshot_failures++;
                return r < 0 ? r : k;
        }
        _cleanup_free_ char *last = NULL;
        size_t last_size = 0;
        bool have_last = f->state && state_snapshot_read(f->state, schema, LIVE_MODEL_SNAPSHOT, &last, &last_size) >= 0;
        r = answer_refused(read_findings(f, s), label, &answer,
                           have_last ? "the last good copy of the live model is compared instead"
                                     : "no earlier copy: the live model is not compared this run");
        findings_done(&answer);
        if (r < 0 || !have_last)
                return r;
        _cleanup_free_ char *last_label = strdup_printf("%s/api/csv (model, last good copy)", schema);
        if (!last_label)
                return -ENOMEM;
        r = model_drift_compare(f->model, last, last_size, last_label, &s->model_drift, read_findings(f, s));
        if (r < 0)
                return r;
        if (s->snapshot && state_snapshot_add(f->state, schema, LIVE_MODEL_SNAPSHOT, last, last_size) < 0)
                s->n_snapshot_failures++;
        return 0;
}

typedef struct LookupFill {
        BackendRead *reads;
        size_t n_reads;
        const char *cache_dir;        /* the copy being replaced (it may not exist) */
        const char *schema;
        bool line_end_at_end;
        Findings *findings;
        size_t n_refused;
} LookupFill;

/* An answer that is no lookup table (an HTML page, another table, a body cut off): a warning, and
 * that table's last good copy is linked into the new folder (it outlives the swap). */
static int refuse_lookup(LookupFill *lf, const char *label, const char *path, const char *last,
                         Findings *answer) {
        bool kept = link(last, path) == 0;
        if (!kept && errno != ENOENT)
                return -errno;
        lf->n_refused++;
        return answer_refused(lf->findings, label, answer,
                              kept ? "the last good copy stays in use" : "no earlier copy: the built-in table stays in use");
}

static int fill_lookups(void *userdata, const char *tmp_dir) {
        LookupFill *lf = userdata;
        for (size_t i = 0; i < lf->n_reads; i++) {
                BackendRead *rd = &lf->reads[i];
                if (rd->error == -ENOENT)
                        continue; /* a lookup table this Directory does not have */
                _cleanup_free_ char *name = strdup_printf("%s.csv", rd->table);
                _cleanup_free_ char *path = name ? path_join(tmp_dir, name) : NULL;
                _cleanup_free_ char *last = name ? path_join(lf->cache_dir, name) : NULL;
                _cleanup_free_ char *label = name ? path_join(lf->schema, name) : NULL;
                if (!path || !last || !label)
                        return -ENOMEM;
                /* Checked before it can replace the last good copy. */
                Findings answer;
                findings_init(&answer);
                int r = rd->error;
                if (r < 0)
                        r = findings_move(&answer, &rd->findings) < 0 ? -ENOMEM : r;
                else
                        r = answer_check_table(rd->data, rd->size, label, vocab_required_columns(), lf->line_end_at_end,
                                               SEVERITY_WARNING, &answer);
                if (r >= 0)
                        r = write_file_atomic(path, rd->data, rd->size, 0640);
                else if (r != -ENOMEM)
                        r = refuse_lookup(lf, label, path, last, &answer);
                findings_done(&answer);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The fetched lookup tables replace the cache as a whole; a failure on the way to the Directory
 * (unreachable, refused, out of time) keeps the whole old copy, and an answer that is no lookup
 * table keeps that table's old copy and leaves the new one due, so the next run asks again. */
static int store_lookups(StateDir *state, const Config *config, bool line_end_at_end, BackendRead *reads,
                         size_t n_reads, Findings *findings) {
        for (size_t i = 0; i < n_reads; i++)
                if (reads[i].error < 0 && reads[i].error != -ENOENT && !answer_error_is_bad_answer(reads[i].error))
                        return findings_move(findings, &reads[i].findings) < 0 ? -ENOMEM : reads[i].error;
        _cleanup_free_ char *dir = path_join(state_path(state), ONTOLOGY_CACHE_DIR);
        if (!dir)
                return -ENOMEM;
        struct stat st;
        bool had_copy = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
        LookupFill lf = { .reads = reads, .n_reads = n_reads, .cache_dir = dir,
                          .schema = backend_schema_name(config, SCHEMA_ONTOLOGY), .line_end_at_end = line_end_at_end,
                          .findings = findings };
        int r = replace_directory_atomic(dir, fill_lookups, &lf);
        if (r < 0)
                return r;
        if (lf.n_refused > 0) {
                /* Not fresh: as old as the copy it replaced (or older than any). */
                struct timespec times[2] = { had_copy ? st.st_mtim : (struct timespec) {} };
                times[1] = times[0];
                if (utimensat(AT_FDCWD, dir, times, 0) < 0)
                        return -errno;
        }
        return 1;
}

/* A failed archive read that says the server has no such export (or sent none that can be read),
 * rather than that it cannot be reached. */
static bool archive_unsupported(int error) {
        return error == -ENOENT || error == -EOPNOTSUPP || error == -EREMOTEIO || error == -EBADMSG;
}

/* The lookup tables as members of the ontology schema's archive; -ENOENT for those it lacks. */
static int lookups_from_archive(const BackendRead *archive, const char *const *tables, size_t n, BackendRead *reads) {
        _cleanup_free_ ArchiveMember *members = calloc(n ?: 1, sizeof(ArchiveMember));
        _cleanup_free_ char **names = calloc(n + 1, sizeof(char *));
        int r = members && names ? 0 : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (!(names[i] = strdup_printf("%s.csv", tables[i])))
                        r = -ENOMEM;
        _cleanup_free_ char *message = NULL;
        if (r >= 0)
                r = archive_read_members(archive->data, archive->size, (const char *const *) names, n,
                                         LIMIT_CSV_FILE_BYTES, LIMIT_ARCHIVE_BYTES, members, &message);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                reads[i].data = TAKE_PTR(members[i].data);
                reads[i].size = members[i].size;
                reads[i].error = reads[i].data ? 0 : -ENOENT;
        }
        strv_free(names);
        names = NULL;
        return r;
}

static void advance_progress(size_t index, void *userdata) {
        progress_advance(userdata, PROGRESS_REMOTE, 1);
}

/* The lookup tables from the archive read in the batch, or, when the server has no such export,
 * one by one in a batch of their own; then into the cache. */
static int refresh_lookups(RemoteFetch *f, BackendRead *archive) {
        size_t n = 0;
        const char *const *tables = vocab_folder_tables(&n);
        BackendRead *reads = calloc(n ?: 1, sizeof(BackendRead));
        if (!reads)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                backend_read_init(&reads[i], SCHEMA_ONTOLOGY, tables[i], NULL);
        int r = archive->error;
        if (r == 0)
                r = lookups_from_archive(archive, tables, n, reads);
        if (r < 0 && r != -ENOMEM && (archive->error == 0 || archive_unsupported(archive->error))) {
                progress_begin(f->backend->progress, PROGRESS_REMOTE, progress_reads_what(false, false, true), n);
                r = backend_fetch_many(f->backend, reads, n,
                                       &(BackendBatch) { .on_read_done = advance_progress,
                                                         .userdata = f->backend->progress, .cancel = &f->cancel });
        } else if (r < 0 && r != -ENOMEM)
                r = findings_move(&f->lookup_findings, &archive->findings) < 0 ? -ENOMEM : r;
        if (r >= 0)
                r = store_lookups(f->state, f->backend->config, f->backend->ops->line_end_at_end, reads, n,
                                  &f->lookup_findings);
        for (size_t i = 0; i < n; i++)
                backend_read_done(&reads[i]);
        free(reads);
        return r;
}

/* The batch: each schema's model (when checked) and tables, then the lookup tables. Reads are
 * taken in batch order as soon as they and all before them have ended, so that a schema's
 * findings come in a fixed order and a table's raw CSV is freed once read, whatever order the
 * answers arrive in. */
typedef struct Batch {
        RemoteFetch *fetch;
        BackendRead *reads;
        SchemaRead **owner;           /* per read: its schema read, NULL for a lookup table */
        size_t *table;                /* per read: its model table, SIZE_MAX for the live model */
        Dataset *datasets[REMOTE_FETCH_MAX_SCHEMAS];
        bool *done;
        size_t n, n_taken, first_lookup;
        int error;                    /* -ENOMEM while taking reads */
} Batch;

static void batch_done(Batch *b) {
        for (size_t i = 0; i < b->n; i++)
                backend_read_done(&b->reads[i]);
        for (size_t i = 0; i < ELEMENTSOF(b->datasets); i++)
                dataset_free(b->datasets[i]);
        free(b->reads);
        free(b->owner);
        free(b->table);
        free(b->done);
}

static int batch_build(Batch *b, RemoteFetch *f) {
        *b = (Batch) { .fetch = f };
        size_t n_lookups = f->refresh_lookups;
        size_t n = n_lookups;
        for (size_t i = 0; i < f->n_reads; i++) {
                const SchemaRead *s = &f->reads[i];
                n += s->check_model;
                for (size_t t = 0; t < f->model->n_tables; t++)
                        n += reads_table(s, t);
        }
        b->reads = calloc(n ?: 1, sizeof(BackendRead));
        b->owner = calloc(n ?: 1, sizeof(SchemaRead *));
        b->table = calloc(n ?: 1, sizeof(size_t));
        b->done = calloc(n ?: 1, sizeof(bool));
        if (!b->reads || !b->owner || !b->table || !b->done)
                return -ENOMEM;
        size_t k = 0;
        for (size_t i = 0; i < f->n_reads; i++) {
                SchemaRead *s = &f->reads[i];
                int r = dataset_new(f->model, &b->datasets[i]);
                if (r < 0)
                        return r;
                dataset_keep_cell_locations(b->datasets[i], false);
                if (s->check_model) {
                        b->owner[k] = s;
                        b->table[k] = SIZE_MAX;
                        backend_read_init(&b->reads[k++], s->schema, NULL, NULL);
                }
                for (size_t t = 0; t < f->model->n_tables; t++)
                        if (reads_table(s, t)) {
                                b->owner[k] = s;
                                b->table[k] = t;
                                backend_read_init(&b->reads[k++], s->schema, f->model->tables[t].name, s->node);
                        }
        }
        b->first_lookup = k;
        if (n_lookups > 0) {
                /* The lookup tables come as the ontology schema's ZIP: one request instead of one
                 * a table (refresh_lookups() reads them one by one from a server without it). */
                backend_read_init(&b->reads[k], SCHEMA_ONTOLOGY, NULL, NULL);
                b->reads[k++].archive = true;
        }
        b->n = n;
        return 0;
}

/* Takes one ended read: into its schema's dataset, unless that schema failed already. Lookup
 * tables stay until the cache is replaced. */
static void batch_take(Batch *b, size_t k) {
        SchemaRead *s = b->owner[k];
        BackendRead *rd = &b->reads[k];
        if (!s)
                return;
        if (s->error == 0 && b->error == 0) {
                RemoteFetch *f = b->fetch;
                Dataset *d = b->datasets[s - f->reads];
                int r = b->table[k] == SIZE_MAX ? read_model(f, s, rd) : read_table(f, s, d, b->table[k], rd);
                if (r == -ENOMEM)
                        b->error = r;
                else if (r < 0) {
                        s->error = r;
                        s->failed_table = b->table[k] == SIZE_MAX ? "api/csv (its model)"
                                                                  : f->model->tables[b->table[k]].name;
                }
        }
        backend_read_done(rd);
}

static void on_read_done(size_t index, void *userdata) {
        Batch *b = userdata;
        b->done[index] = true;
        progress_advance(b->fetch->backend->progress, PROGRESS_REMOTE, 1);
        while (b->n_taken < b->n && b->done[b->n_taken])
                batch_take(b, b->n_taken++);
}

int remote_fetch_run(RemoteFetch *f) {
        uint64_t start = now_usec_monotonic();
        Batch b;
        int r = batch_build(&b, f);
        bool schemas[SCHEMA_ONTOLOGY + 1] = {};
        for (size_t i = 0; i < f->n_reads; i++)
                schemas[f->reads[i].schema] = true;
        /* One read alone (the lookup tables' ZIP) has nothing to count: a spinner. */
        progress_begin(f->backend->progress, PROGRESS_REMOTE,
                       f->progress_what ?: progress_reads_what(schemas[SCHEMA_STAGING], schemas[SCHEMA_PUBLISHED],
                                                               f->refresh_lookups),
                       b.n > 1 ? b.n : 0);
        if (r >= 0) {
                BackendBatch batch = { .on_read_done = on_read_done, .userdata = &b, .cancel = &f->cancel };
                r = backend_fetch_many(f->backend, b.reads, b.n, &batch);
        }
        /* Reads the backend did not report (a batch that stopped short) are taken as they are. */
        while (r >= 0 && b.n_taken < b.n)
                batch_take(&b, b.n_taken++);
        if (r >= 0 && b.error < 0)
                r = b.error;
        if (r >= 0 && atomic_load(&f->cancel))
                r = -ECANCELED;
        f->error = 0;
        for (size_t i = 0; i < f->n_reads; i++) {
                SchemaRead *s = &f->reads[i];
                if (r < 0)
                        s->error = r;
                else if (s->error == 0)
                        s->dataset = TAKE_PTR(b.datasets[i]);
                if (s->error < 0 && f->error == 0)
                        f->error = s->error;
        }
        if (f->refresh_lookups)
                f->lookups_result = r < 0 ? r : refresh_lookups(f, &b.reads[b.first_lookup]);
        batch_done(&b);
        progress_end(f->backend->progress, PROGRESS_REMOTE);
        f->usec = now_usec_monotonic() - start;
        for (size_t i = 0; i < f->n_reads; i++) {
                SchemaRead *s = &f->reads[i];
                if (s->dataset && s->then && !atomic_load(&f->cancel) && !atomic_load(&f->caller_waiting))
                        s->then(s->dataset, s->then_userdata);
        }
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
                atomic_store(&f->caller_waiting, true);
                (void) pthread_join(f->thread, NULL);
                f->started = false;
        }
        return f->error;
}

LookupCacheState lookup_cache_state(StateDir *state) {
        _cleanup_free_ char *dir = path_join(state_path(state), ONTOLOGY_CACHE_DIR);
        struct stat st;
        if (!dir || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return LOOKUP_CACHE_MISSING;
        uint64_t now = now_usec_realtime();
        uint64_t mtime = (uint64_t) st.st_mtim.tv_sec * 1000000 + (uint64_t) st.st_mtim.tv_nsec / 1000;
        return mtime <= now && now - mtime < LIMIT_ONTOLOGY_CACHE_USEC ? LOOKUP_CACHE_FRESH : LOOKUP_CACHE_STALE;
}

int ontology_cache_refresh(Backend *backend, StateDir *state, Findings *findings) {
        if (lookup_cache_state(state) == LOOKUP_CACHE_FRESH)
                return 0;
        RemoteFetch f;
        remote_fetch_init(&f, backend, NULL, state);
        remote_fetch_refresh_lookups(&f);
        (void) remote_fetch_run(&f);
        int r = f.lookups_result;
        if (findings_move(findings, &f.lookup_findings) < 0)
                r = -ENOMEM;
        remote_fetch_done(&f);
        return r;
}

typedef struct CopyFill {
        const Model *model;
        const SchemaRead *read;
} CopyFill;

static int fill_published_copy(void *userdata, const char *tmp_dir) {
        const CopyFill *cf = userdata;
        for (size_t t = 0; t < cf->model->n_tables; t++) {
                if (!cf->read->raw[t])
                        continue;
                _cleanup_free_ char *name = strdup_printf("%s.csv", cf->model->tables[t].name);
                _cleanup_free_ char *path = name ? path_join(tmp_dir, name) : NULL;
                if (!path)
                        return -ENOMEM;
                int r = write_file_atomic(path, cf->read->raw[t], cf->read->raw_sizes[t], 0640);
                if (r < 0)
                        return r;
        }
        return 0;
}

int published_copy_save(StateDir *state, const Model *model, const SchemaRead *read) {
        if (!state || !read->raw)
                return -EINVAL;
        _cleanup_free_ char *dir = path_join(state_path(state), PUBLISHED_COPY_DIR);
        if (!dir)
                return -ENOMEM;
        CopyFill cf = { .model = model, .read = read };
        return replace_directory_atomic(dir, fill_published_copy, &cf);
}

int table_copies_load(const char *folder, const char *label, const Model *model, const bool *mask, Dataset **ret,
                      Findings *findings) {
        struct stat st;
        if (stat(folder, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        int r = dataset_new(model, &d);
        if (r < 0)
                return r;
        dataset_keep_cell_locations(d, false);
        for (size_t t = 0; t < model->n_tables; t++) {
                if (mask && !mask[t])
                        continue;
                _cleanup_free_ char *name = strdup_printf("%s.csv", model->tables[t].name);
                _cleanup_free_ char *path = name ? path_join(folder, name) : NULL;
                if (!path)
                        return -ENOMEM;
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                r = read_file_limited(path, LIMIT_CSV_FILE_BYTES, &data, &size);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                Emx2ReadStats stats = {};
                r = emx2_read_table(d, t, data, size, label, &stats, findings);
                emx2_read_stats_done(&stats);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(d);
        return 0;
}
