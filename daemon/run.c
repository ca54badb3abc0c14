/* SPDX-License-Identifier: MIT */
#include <stdarg.h>

#include "backends.h"
#include "fetch.h"
#include "limits.h"
#include "master-schema.h"
#include "master-write.h"
#include "quality-policy.h"
#include "run.h"

void run_init(Run *run, const RunOptions *options, const char *command, const char *program_version) {
        *run = (Run) { .options = *options, .command = command };
        findings_init(&run->findings);
        run->report = (RunReport) {
                .command = command,
                .program_version = program_version,
                .started_usec = now_usec_realtime(),
                .config_path = options->config_path,
        };
        run->phase_start = now_usec_monotonic();
        (void) pthread_mutex_init(&run->sink_lock, NULL);
        progress_init(&run->progress);
        run->local.progress = &run->progress;
}

/* Structured fields for the next event; copied. */
static void run_add_field(Run *run, const char *field) {
        if (!field || run->n_pending_fields >= ELEMENTSOF(run->pending_fields))
                return;
        char *copy = strdup(field);
        if (copy)
                run->pending_fields[run->n_pending_fields++] = copy;
}

static void run_deliver(Run *run, RunEvent *e) {
        for (size_t i = 0; i < run->n_pending_fields; i++)
                e->fields[i] = run->pending_fields[i];
        e->n_fields = run->n_pending_fields;
        if (run->options.sink) {
                pthread_mutex_lock(&run->sink_lock);
                run->options.sink(run, e, run->options.userdata);
                pthread_mutex_unlock(&run->sink_lock);
        }
        for (size_t i = 0; i < run->n_pending_fields; i++)
                free((char *) run->pending_fields[i]);
        run->n_pending_fields = 0;
}

static void run_emit(Run *run, int priority, RunEventKind kind, const char *fmt, ...) _printf_(4, 5);
static void run_emit(Run *run, int priority, RunEventKind kind, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *message = strdup_vprintf(fmt, ap);
        va_end(ap);
        RunEvent e = { .kind = kind, .priority = priority, .message = message ?: fmt };
        run_deliver(run, &e);
}

/* Findings gathered from `from` on are ready to be shown; they stay for the report. */
static void run_emit_findings(Run *run, const Findings *f, size_t from) {
        RunEvent e = { .kind = RUN_EVENT_FINDINGS, .priority = LOG_INFO, .findings = f, .findings_from = from };
        run_deliver(run, &e);
}

void run_done(Run *run) {
        for (size_t i = 0; i < run->n_pending_fields; i++)
                free((char *) run->pending_fields[i]);
        push_journal_summary_done(&run->interrupted);
        publication_watch_done(&run->publication);
        push_result_done(&run->push);
        push_plan_free(run->plan);
        change_set_free(run->changes);
        foreign_resolution_done(&run->foreign);
        dataset_free(run->published_all);
        dataset_free(run->remote);
        dataset_free(run->published);
        backend_free(run->backend);
        local_done(&run->local);
        state_close(run->state);
        if (!run->config_borrowed)
                config_free(run->config);
        findings_done(&run->findings);
        free(run->report_json);
        free(run->error);
        free(run->summary);
        (void) pthread_mutex_destroy(&run->sink_lock);
        progress_done(&run->progress);
}

/* Each request as it ends (shown with -v): method, the URL's path alone (a query may carry
 * anything), status or why there was none, time, size and which try. On the fetch's thread too:
 * no pending fields, the sink under its lock. */
static void run_observe_request(const HttpAttempt *a, void *userdata) {
        Run *run = userdata;
        _cleanup_free_ char *tries = a->attempt > 1 ? strdup_printf(" (try %u)", a->attempt) : NULL;
        _cleanup_free_ char *message =
                a->status > 0 ? strdup_printf("%s %s: %ld in %.3f s (%zu bytes)%s", a->method, a->path, a->status,
                                              (double) a->usec / 1e6, a->bytes, tries ?: "")
                              : strdup_printf("%s %s: %s in %.3f s%s", a->method, a->path, a->failure ?: "failed",
                                              (double) a->usec / 1e6, tries ?: "");
        if (!message || !run->options.sink)
                return;
        RunEvent e = { .kind = RUN_EVENT_REQUEST, .priority = LOG_DEBUG, .message = message };
        pthread_mutex_lock(&run->sink_lock);
        run->options.sink(run, &e, run->options.userdata);
        pthread_mutex_unlock(&run->sink_lock);
}

/* Records a finished phase in the report and tells the sink (shown with -v). */
static void run_add_phase(Run *run, const char *name, uint64_t usec) {
        if (run->report.n_phases < ELEMENTSOF(run->report.phases))
                run->report.phases[run->report.n_phases++] = (ReportPhase) { name, usec };
        run_emit(run, LOG_DEBUG, RUN_EVENT_PHASE, "phase %s: %.3f s", name, (double) usec / 1e6);
}

static void run_phase(Run *run, const char *name) {
        uint64_t now = now_usec_monotonic();
        run_add_phase(run, name, now - run->phase_start);
        run->phase_start = now;
}

static void run_set_error(Run *run, const char *fmt, ...) _printf_(2, 3);
static void run_set_error(Run *run, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        free(run->error);
        run->error = strdup_vprintf(fmt, ap);
        va_end(ap);
        run->report.error = run->error;
}

static void report_from_config(Run *run) {
        run->report.node = run->config->node;
        run->report.mode = sync_mode_to_string(run->config->mode);
        run->report.deletions = run->config->deletions;
        run->report.config_digest = run->config->digest;
        run->report.listing_bounded = true;
        run->report.max_listed = (size_t) run->config->report_max_changes;
}

int run_load_config(Run *run) {
        if (run->options.config) {
                run->config = (Config *) run->options.config;
                run->config_borrowed = true;
                report_from_config(run);
                return 0;
        }
        int r = config_load(run->options.config_path, run->options.data_dir, &run->config, &run->findings);
        if (r < 0) {
                run_emit_findings(run, &run->findings, 0);
                if (run->findings.n_items == 0)
                        run_emit(run, LOG_ERR, RUN_EVENT_NONE, "%s: cannot load configuration: %s", run->options.config_path, strerror(-r));
                return EXIT_CONFIG;
        }
        report_from_config(run);
        return 0;
}

/* Loads model, vocabularies and mappings. Returns 0 or an exit code; findings are emitted. */
static int setup_local(Run *run) {
        int r = local_setup(run->config, &run->local, &run->findings);
        if (r < 0) {
                findings_sort(&run->findings);
                run_emit_findings(run, &run->findings, 0);
                if (r == -ENOMEM) {
                        run_emit(run, LOG_ERR, RUN_EVENT_NONE, "out of memory");
                        return EXIT_TEMPORARY;
                }
                return EXIT_CONFIG;
        }
        run_phase(run, "setup");
        return 0;
}

/* Reads, maps and validates the master. Returns 0 or an exit code; findings are emitted on
 * failure (the caller logs them otherwise). */
static int read_local(Run *run) {
        int r = local_read(run->config, &run->local, &run->findings);
        progress_end(&run->progress, PROGRESS_LOCAL);
        findings_sort(&run->findings);
        if (r < 0) {
                run_emit_findings(run, &run->findings, 0);
                if (r == -ENOMEM) {
                        run_emit(run, LOG_ERR, RUN_EVENT_NONE, "out of memory");
                        return EXIT_TEMPORARY;
                }
                /* A master path the configuration names that leads to no readable file (missing, a
                 * symlink loop, a file where a folder should be, refused) is a configuration
                 * mistake; a master file that is there but unreadable as a whole is invalid data. */
                if (r == -ENOENT || r == -EACCES || r == -EISDIR || r == -ELOOP || r == -ENOTDIR ||
                    r == -ENAMETOOLONG)
                        return EXIT_CONFIG;
                return EXIT_INVALID_DATA;
        }
        run->report.local = run->local.dataset;
        run->report.findings = &run->findings;
        run_add_phase(run, "read", run->local.usec_read);
        run_add_phase(run, "map", run->local.usec_map);
        run_add_phase(run, "validate", run->local.usec_validate);
        run->phase_start = now_usec_monotonic();
        return 0;
}

static int load_local(Run *run) {
        int r = setup_local(run);
        return r != 0 ? r : read_local(run);
}

static void finish_report(Run *run, int exit_code, const char *outcome) {
        run->report.finished_usec = now_usec_realtime();
        run->report.exit_code = exit_code;
        run->report.outcome = outcome;
        run->report_json = mfree(run->report_json);
}

int run_report_json(Run *run, const char **ret_data, size_t *ret_size) {
        if (!run->report_json) {
                int r = report_to_json(&run->report, &run->report_json, &run->report_json_size);
                if (r < 0)
                        return r;
        }
        *ret_data = run->report_json;
        *ret_size = run->report_json_size;
        return 0;
}

/* Without a remote (check, export), references to rows of other nodes are resolved from what the
 * last runs read: the staging snapshot and the copy of the published rows in the state directory.
 * One that neither has is a warning: the Directory may well have it, diff and sync will tell.
 * Copies that cannot be read count as missing (ignored collects why). */
static int resolve_foreign_with_copies(Run *run, Findings *ignored) {
        const Model *model = run->local.model;
        _cleanup_free_ bool *mask = calloc(model->n_tables, sizeof(bool));
        _cleanup_free_ char *staging_dir = strdup_printf("%s/snapshots/%s", run->config->state_dir,
                                                         run->config->staging_schema);
        _cleanup_free_ char *published_dir = path_join(run->config->state_dir, PUBLISHED_COPY_DIR);
        if (!mask || !staging_dir || !published_dir)
                return -ENOMEM;
        foreign_tables_mask(model, mask);
        _cleanup_(dataset_freep) Dataset *staging = NULL, *published = NULL;
        int r = table_copies_load(staging_dir, staging_dir, model, mask, &staging, ignored);
        if (r == -ENOMEM)
                return r;
        r = table_copies_load(published_dir, published_dir, model, mask, &published, ignored);
        if (r == -ENOMEM)
                return r;
        _cleanup_free_ char *phrase = strdup_printf(
                !staging && !published
                        ? "which cannot be checked: %s holds no copy of the Directory yet (diff or sync will check it)"
                        : "which the last copy of the Directory in %s does not have (diff or sync will check it)",
                run->config->state_dir);
        if (!phrase)
                return -ENOMEM;
        ForeignSources sources = {
                .node = run->config->node, .staging = staging, .published = published, .missing_phrase = phrase
        };
        r = foreign_resolve(run->local.dataset, &run->local.foreign, &sources, SEVERITY_WARNING, &run->findings,
                            &run->foreign);
        /* What a push would bring is no concern of check's: only whether the rows exist. */
        foreign_resolution_done(&run->foreign);
        return r;
}

static int resolve_foreign_from_copies(Run *run) {
        if (run->local.foreign.n_items == 0)
                return 0;
        Findings ignored;
        findings_init(&ignored);
        int r = resolve_foreign_with_copies(run, &ignored);
        findings_done(&ignored);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "out of memory");
                return EXIT_TEMPORARY;
        }
        findings_sort(&run->findings);
        return 0;
}

/* The local half that check and export share: configuration, then read, map and validate, with
 * every finding emitted. Returns 0 or the exit code to stop with. */
int run_local(Run *run) {
        int r = run_load_config(run);
        if (r != 0)
                return r;
        r = load_local(run);
        if (r != 0)
                return r;
        r = resolve_foreign_from_copies(run);
        if (r != 0)
                return r;
        run_emit_findings(run, &run->findings, 0);
        return 0;
}

int run_check(Run *run) {
        int r = run_local(run);
        if (r != 0)
                return r;
        /* Quality findings alone pass: the Directory accepts such rows; --strict holds a quality
         * error against the master too (for a coordinator's own gate before any sync). */
        bool failed = run->findings.n_errors > 0 || (run->options.strict && run->findings.n_quality_errors > 0);
        int exit_code = failed ? EXIT_INVALID_DATA : EXIT_OK;
        finish_report(run, exit_code, exit_code == EXIT_OK ? "valid" : "invalid-data");
        return exit_code;
}

/* r: how many temporaries of an interrupted run (or push) were removed from where, or why not. */
static void report_removed_temporaries(Run *run, const char *where, const char *what, int r) {
        if (r < 0)
                run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "%s: cannot remove what an interrupted %s left: %s", where,
                         what, strerror(-r));
        else if (r > 0)
                run_emit(run, LOG_INFO, RUN_EVENT_NONE, "%s: removed %d temporar%s an interrupted %s left", where, r,
                         r == 1 ? "y" : "ies", what);
}

static int open_state(Run *run) {
        int r = state_open(run->config->state_dir, &run->state);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "%s: cannot use the state directory: %s", run->config->state_dir, strerror(-r));
                return EXIT_CANT_WRITE;
        }
        state_set_report_retention(run->state, (size_t) run->config->report_keep,
                                   run->config->report_keep_bytes);
        pid_t holder = 0;
        r = state_lock(run->state, &holder);
        if (r == -EBUSY) {
                if (holder > 0)
                        run_emit(run, LOG_ERR, RUN_EVENT_LOCK_BUSY,
                                  "another bbmri-dirsync run (pid %d) holds the lock on %s; try again later", (int) holder,
                                  run->config->state_dir);
                else
                        run_emit(run, LOG_ERR, RUN_EVENT_LOCK_BUSY,
                                  "another bbmri-dirsync run holds the lock on %s; try again later",
                                  run->config->state_dir);
                return EXIT_TEMPORARY;
        }
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "%s: cannot take the run lock: %s", run->config->state_dir, strerror(-r));
                return EXIT_CANT_WRITE;
        }
        /* The lock proves that whatever temporaries lie there belong to runs that are gone. */
        report_removed_temporaries(run, run->config->state_dir, "run", state_remove_temporaries(run->state));
        return 0;
}

static int exit_code_for_remote_error(int r) {
        switch (r) {
        case -EACCES:
        case -EPERM:
                return EXIT_PERMISSION;
        case -EAGAIN:       /* 5xx on every try */
        case -ETIMEDOUT:    /* timed out after connecting, or a statement timeout */
        case -ETIME:        /* the run's time limit */
        case -ECONNRESET:   /* every try cut off */
        case -EINTR:
        case -ENOMEM:
                return EXIT_TEMPORARY;
        case -EBADMSG:      /* the server refused the data */
                return EXIT_INVALID_DATA;
        default:            /* unreachable, TLS, an answer that is no API answer */
                return EXIT_UNAVAILABLE;
        }
}

/* Columns of fetched tables that the model lacks: one warning naming them all (the values of the
 * columns the model has are kept). */
static void emit_unknown_columns(Run *run, const char *schema_name, char **tables, char **columns) {
        ByteBuffer list = {}, fields = {};
        size_t n = 0;
        bool one_table = true;
        for (size_t i = 0; tables[i]; i++, n++) {
                _cleanup_free_ char *item = strdup_printf("%s%s.%s", i ? ", " : "", tables[i], columns[i]);
                _cleanup_free_ char *field = strdup_printf("%s%s.%s", i ? "," : "", tables[i], columns[i]);
                if (!item || !field || byte_buffer_append(&list, item, strlen(item)) < 0 ||
                    byte_buffer_append(&fields, field, strlen(field)) < 0)
                        break;
                one_table = one_table && streq(tables[i], tables[0]);
        }
        _cleanup_free_ char *field_table = one_table ? strdup_printf("BBMRI_TABLE=%s", tables[0]) : NULL;
        _cleanup_free_ char *field_columns = fields.data ? strdup_printf("BBMRI_COLUMNS=%s", fields.data) : NULL;
        run_add_field(run, field_table);
        run_add_field(run, field_columns);
        run_emit(run, LOG_WARNING, RUN_EVENT_MODEL_DRIFT,
                 "model drift: %s has %s the model does not know; %s ignored, the other columns' values are "
                 "kept: %s",
                 schema_name, n == 1 ? "a column" : "columns", n == 1 ? "it is" : "they are", list.data ?: "?");
        free(list.data);
        free(fields.data);
}

/* Logs what a fetch found (model drift, snapshot trouble, findings) and turns a failed fetch into
 * an exit code; on success hands over the dataset. */
static int finish_fetch(Run *run, RemoteFetch *fetch, SchemaRead *f, Dataset **ret) {
        const char *schema_name = backend_schema_name(run->config, f->schema);
        size_t first_finding = run->findings.n_items;
        int r = findings_move(&run->findings, &fetch->findings);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "out of memory");
                return EXIT_TEMPORARY;
        }
        if (f->drift_tables && f->drift_tables[0] && !run->unknown_columns_said) {
                /* Once a run: the verification after a push reads the same columns again. */
                emit_unknown_columns(run, schema_name, f->drift_tables, f->drift_columns);
                run->unknown_columns_said = true;
        }
        for (size_t i = 0; f->model_drift && i < f->model_drift->n_items; i++) {
                const Drift *d = &f->model_drift->items[i];
                _cleanup_free_ char *field_table = strdup_printf("BBMRI_TABLE=%s", d->table);
                _cleanup_free_ char *field_column = d->column ? strdup_printf("BBMRI_COLUMN=%s", d->column) : NULL;
                if (field_table)
                        run_add_field(run, field_table);
                if (field_column)
                        run_add_field(run, field_column);
                run_emit(run, d->blocking ? LOG_ERR : LOG_WARNING, RUN_EVENT_MODEL_DRIFT,
                          "model drift: the live model of %s %s %s%s%s%s%s%s%s%s%s", schema_name,
                          d->kind == DRIFT_NEW_COLUMN       ? "has a column the model file lacks:"
                          : d->kind == DRIFT_MISSING_COLUMN ? "lacks a column of the model file:"
                          : d->kind == DRIFT_CHANGED_TYPE   ? "has another type for"
                          : d->kind == DRIFT_NEW_TABLE      ? "has a table the model file lacks:"
                                                            : "lacks a table of the model file:",
                          d->table, d->column ? "." : "", d->column ?: "", d->live_type ? " (" : "",
                          d->live_type ?: "", d->kind == DRIFT_CHANGED_TYPE && d->model_type ? ", ours " : "",
                          d->kind == DRIFT_CHANGED_TYPE && d->model_type ? d->model_type : "", d->live_type ? ")" : "",
                          d->blocking ? "; it is required: nothing is pushed until the model file knows it" : "");
        }
        if (f->model_drift) {
                run->report.n_model_drift = f->model_drift->n_items;
                run->report.n_model_drift_blocking = f->model_drift->n_blocking;
                run->model_blocks_push = f->model_drift->n_blocking > 0;
        }
        if (f->n_snapshot_failures > 0)
                run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "%s: cannot save the snapshot of %zu table%s", run->config->state_dir,
                            f->n_snapshot_failures, f->n_snapshot_failures == 1 ? "" : "s");
        /* Warnings too: an answer refused in favour of a last good copy. */
        run_emit_findings(run, &run->findings, first_finding);
        if (f->error == 0) {
                *ret = TAKE_PTR(f->dataset);
                return 0;
        }
        const char *table = f->failed_table ?: "?";
        if (f->error == -ENOMEM) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "out of memory");
                return EXIT_TEMPORARY;
        }
        if (f->error_in_table) {
                run_emit(run, LOG_ERR, RUN_EVENT_REMOTE_UNREACHABLE, "%s/%s from %s cannot be read as a table",
                          schema_name, table, run->config->directory_url);
                run_set_error(run, "%s/%s cannot be read as a table", schema_name, table);
                return EXIT_UNAVAILABLE;
        }
        if (f->error == -ENXIO)
                run_emit(run, LOG_ERR, RUN_EVENT_REMOTE_UNREACHABLE, "the Directory at %s is not there",
                          run->config->directory_url);
        else
                run_emit(run, LOG_ERR, RUN_EVENT_REMOTE_UNREACHABLE, "cannot read %s/%s from %s: %s", schema_name, table,
                          run->config->directory_url, strerror(-f->error));
        run_set_error(run, "cannot read %s/%s: %s", schema_name, table, strerror(-f->error));
        return exit_code_for_remote_error(f->error);
}

/* Fetches the tables of a schema (NULL: every table) into a new dataset (on this thread), saving
 * the raw CSV as a snapshot; what the progress line says meanwhile (NULL: the tables it reads). */
static int fetch_schema(Run *run, SchemaKind schema, const bool *tables, const char *progress_what, Dataset **ret) {
        RemoteFetch f;
        remote_fetch_init(&f, run->backend, run->local.model, run->state);
        f.progress_what = progress_what;
        SchemaRead *read = remote_fetch_add(&f, schema, run->config->node);
        read->tables = tables;
        (void) remote_fetch_run(&f);
        int r = finish_fetch(run, &f, read, ret);
        remote_fetch_done(&f);
        return r;
}

/* A sync that pushed (verified), or found nothing to push, without errors: what the last success
 * time of the metrics means, so that an alert on it cannot be silenced by diffs or reports. */
static bool is_sync_success(const Run *run) {
        return streq(run->command, "sync") && run->report.exit_code == EXIT_OK && run->findings.n_errors == 0 &&
               run->plan && (run->report.verified || run->plan->n_upserts + run->plan->n_deletes == 0);
}

/* The last success time, kept in the state directory across failed runs; moved by this run when
 * it is one. */
static uint64_t last_success_usec(Run *run) {
        if (is_sync_success(run)) {
                char text[32];
                int n = snprintf(text, sizeof text, "%" PRIu64 "\n", run->report.finished_usec);
                if (run->state)
                        (void) state_write_file(run->state, "last-success", text, (size_t) n);
                return run->report.finished_usec;
        }
        _cleanup_free_ char *stamp = NULL;
        if (!run->state || state_read_file(run->state, "last-success", 64, &stamp, NULL) < 0)
                return 0;
        char *end = NULL;
        unsigned long long v = strtoull(stamp, &end, 10);
        return end && end != stamp ? v : 0;
}

/* One configured report output, written atomically; a failure is counted and logged with the
 * output's name and path. */
static void write_output(Run *run, const char *which, const char *path, int build_error, const char *data,
                         size_t size) {
        int r = build_error < 0 ? build_error : write_file_atomic(path, data, size, 0644);
        if (r >= 0)
                return;
        run->report.n_output_failures++;
        _cleanup_free_ char *field = strdup_printf("BBMRI_OUTPUT=%s", which);
        if (field)
                run_add_field(run, field);
        run_emit(run, LOG_ERR, RUN_EVENT_NONE, "report.%s: cannot write %s: %s", which, path, strerror(-r));
}

/* ---- the publication watch ---- */

/* The changes earlier pushes sent that the published Directory did not show yet. A state file
 * that cannot be read is started afresh, with a warning. */
static void publication_load(Run *run) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = state_read_file(run->state, PUBLICATION_FILE, LIMIT_PUBLICATION_BYTES, &data, &size);
        if (r >= 0)
                r = publication_parse(data, size, &run->publication);
        if (r < 0 && r != -ENOENT)
                run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "%s/%s: cannot read the publication watch's state (%s); "
                         "it starts afresh", run->config->state_dir, PUBLICATION_FILE, strerror(-r));
        run->report.publication = &run->publication;
        run->report.publication_grace_usec = run->config->publication_grace_usec;
}

/* The node's published rows (filtered by national_node) from the run's batch of reads, without
 * a snapshot. A published schema that cannot be read is a warning: the sync goes on, and the
 * watch keeps what it had. */
static void keep_published(Run *run, SchemaRead *read) {
        if (read->error == 0) {
                run->published = TAKE_PTR(read->dataset);
                return;
        }
        run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "cannot read %s/%s from %s (%s): the publication watch "
                 "checks again next run", run->config->published_schema, read->failed_table ?: "?",
                 run->config->directory_url, strerror(-read->error));
}

/* sync: the pending changes compared with the published rows (diff_datasets(master, published)),
 * when there were any to read them for: those the published Directory shows are dropped, the
 * others overdue after publication.grace. Returns 0 or an exit code. */
static int publication_watch(Run *run) {
        if (!run->published)
                return 0;
        DiffOptions opts = {
                .node = run->config->node,
                .remote_is_node = true,
                .withdrawn_is_removed = run->config->deletions == DELETIONS_WITHDRAW,
        };
        _cleanup_(change_set_freep) ChangeSet *diff = NULL;
        int r = diff_datasets(run->local.dataset, run->published, &opts, &diff);
        if (r >= 0)
                r = publication_check(&run->publication, run->local.model, diff, now_usec_realtime(),
                                      run->config->publication_grace_usec);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "cannot compare with the published rows: %s", strerror(-r));
                return EXIT_TEMPORARY;
        }
        run->report.publication_checked = true;
        return 0;
}

/* diff: the watch as the last sync left it, the time moved on. */
static void publication_show(Run *run) {
        publication_load(run);
        publication_mark_overdue(&run->publication, now_usec_realtime(), run->config->publication_grace_usec);
}

/* The one warning of a run about overdue changes (their ids, up to LIMIT_UNPUBLISHED_LISTED; the
 * reports list all), then the state saved for the next run. */
static void publication_finish(Run *run) {
        PublicationWatch *w = &run->publication;
        if (run->report.publication_checked && w->n_overdue > 0) {
                ByteBuffer ids = {};
                size_t listed = 0;
                for (size_t i = 0; i < w->n_items && listed < LIMIT_UNPUBLISHED_LISTED; i++) {
                        if (!w->items[i].overdue)
                                continue;
                        _cleanup_free_ char *item = strdup_printf("%s%s %s", listed ? ", " : "", w->items[i].table,
                                                                  w->items[i].id);
                        if (!item || byte_buffer_append(&ids, item, strlen(item)) < 0)
                                break;
                        listed++;
                }
                char grace[64];
                _cleanup_free_ char *field = strdup_printf("BBMRI_UNPUBLISHED=%zu", w->n_overdue);
                run_add_field(run, field);
                run_emit(run, LOG_WARNING, RUN_EVENT_UNPUBLISHED,
                         "%zu change%s pushed %s or longer ago %s not in the published Directory (%s): %s%s%s",
                         w->n_overdue, w->n_overdue == 1 ? "" : "s",
                         format_timespan(grace, sizeof grace, run->config->publication_grace_usec),
                         w->n_overdue == 1 ? "is" : "are", run->config->published_schema, ids.data ?: "",
                         w->n_overdue > listed ? "; more in the report" : "",
                         "; the central job that publishes the staging area may have left them out");
                free(ids.data);
        }
        _cleanup_free_ char *json = NULL;
        size_t size = 0;
        int r = publication_to_json(w, &json, &size);
        if (r >= 0)
                r = state_write_file(run->state, PUBLICATION_FILE, json, size);
        if (r < 0)
                run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "%s/%s: cannot save the publication watch's state: %s",
                         run->config->state_dir, PUBLICATION_FILE, strerror(-r));
}

/* Saves the report in the state directory, then the configured outputs (JSON copy, HTML,
 * metrics last, so that they count the failures before them). The run's own work is recorded
 * first; an output that cannot be written then turns a run that would end with 0 or 1 into 73,
 * recorded as the last failed run. Returns the run's exit code. */
static int save_report(Run *run, bool good) {
        const char *json;
        size_t size;
        if (run->publication_loaded && run->state)
                publication_finish(run);
        if (run_report_json(run, &json, &size) < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "cannot build the JSON report");
                return run->report.exit_code;
        }
        if (run->state && state_save_report(run->state, json, size, good) < 0)
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "%s: cannot save the run report", run->config->state_dir);
        if (run->config->report_json)
                write_output(run, "json", run->config->report_json, 0, json, size);
        if (run->config->report_html) {
                _cleanup_free_ char *html = NULL;
                size_t html_size = 0;
                int r = report_to_html(&run->report, &html, &html_size);
                write_output(run, "html", run->config->report_html, r, html, html_size);
        }
        uint64_t last_success = last_success_usec(run);
        if (run->report.n_output_failures > 0 &&
            (run->report.exit_code == EXIT_OK || run->report.exit_code == EXIT_DIFFERENCES))
                finish_report(run, EXIT_CANT_WRITE, "output-failed");
        if (run->config->report_metrics) {
                _cleanup_free_ char *metrics = NULL;
                size_t metrics_size = 0;
                int r = report_to_metrics(&run->report, last_success, &metrics, &metrics_size);
                write_output(run, "metrics", run->config->report_metrics, r, metrics, metrics_size);
        }
        if (run->report.n_output_failures == 0)
                return run->report.exit_code;
        if (run->report.exit_code == EXIT_OK || run->report.exit_code == EXIT_DIFFERENCES)
                finish_report(run, EXIT_CANT_WRITE, "output-failed");
        if (!run->error)
                run_set_error(run, "%zu report output%s could not be written", run->report.n_output_failures,
                              run->report.n_output_failures == 1 ? "" : "s");
        run->report_json = mfree(run->report_json);
        if (run->state && run_report_json(run, &json, &size) >= 0 && state_save_report(run->state, json, size, false) < 0)
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "%s: cannot save the run report", run->config->state_dir);
        return run->report.exit_code;
}

int run_load_push_journal(StateDir *state, PushJournalSummary *ret) {
        _cleanup_free_ char *journal = NULL;
        size_t size = 0;
        int r = state_read_file(state, PUSH_JOURNAL_FILE, LIMIT_PUSH_JOURNAL_BYTES, &journal, &size);
        return r < 0 ? r : push_journal_parse(journal, size, ret);
}

/* What a refresh of the lookup tables came to (k as ontology_cache_refresh() returns it). Answers
 * it refused are warnings of this run: shown now when emit, else with the master's findings. */
static void report_lookup_refresh(Run *run, int k, Findings *findings, bool emit) {
        size_t first = run->findings.n_items;
        if (k >= 0 && findings_move(&run->findings, findings) < 0)
                k = -ENOMEM;
        if (k >= 0 && emit)
                run_emit_findings(run, &run->findings, first);
        if (k < 0) {
                run_emit_findings(run, findings, 0);
                run_emit(run, LOG_WARNING, RUN_EVENT_NONE,
                         "cannot refresh the lookup tables from %s/%s (%s); the last copy is used",
                         run->config->directory_url, run->config->ontology_schema, strerror(-k));
        } else if (k > 0)
                run_emit(run, LOG_INFO, RUN_EVENT_NONE, "lookup tables fetched from %s/%s", run->config->directory_url,
                         run->config->ontology_schema);
}

/* quality.block over the change set, which needs the Directory's current rows: which quality
 * errors hold rows back (the findings and changes say which and why). */
/* The Directory's own quality errors (quality.block: new), checked on the fetch's thread once its
 * rows are in, while this one still reads the master: the policy needs them only when a changed
 * row has a quality error, known only after the diff, and then they cost as much as checking the
 * master; on the second core they cost no waiting. */
typedef struct DirectoryCheck {
        const Vocabularies *vocab;
        QualityOptions options;
        DirectoryQualityErrors *errors; /* NULL: not collected; the policy does it when needed */
} DirectoryCheck;

static void directory_check_done(DirectoryCheck *c) {
        c->errors = directory_quality_errors_free(c->errors);
}

static void check_directory_rows(const Dataset *d, void *userdata) {
        DirectoryCheck *c = userdata;
        /* A failure leaves errors NULL: the policy collects them itself if it needs them. */
        (void) directory_quality_errors_collect(d, c->vocab, &c->options, &c->errors);
}

static int apply_quality_policy(Run *run, const DirectoryQualityErrors *known) {
        QualityOptions options = { .node = run->config->node, .orphanet = run->local.orphanet };
        QualityPolicyResult result;
        int r = quality_policy_apply(run->config->quality_block, run->local.dataset, run->remote, run->local.vocab,
                                     &options, known, run->changes, &run->findings, &result);
        if (r == -E2BIG) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE,
                          "more than %u findings hold rows back: the quality policy cannot tell which rows have "
                          "quality errors, so nothing is pushed; correct the master (see the first ones)",
                          LIMIT_FINDINGS_ACTED_ON);
                return EXIT_INVALID_DATA;
        }
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "cannot apply the quality policy: %s", strerror(-r));
                return EXIT_TEMPORARY;
        }
        run->report.quality_block = quality_block_to_string(run->config->quality_block);
        run->report.n_quality_held_back = result.n_held_back + result.n_held_needing;
        run->report.n_quality_tolerated = result.n_tolerated;
        run_phase(run, "quality-policy");
        return 0;
}

/* References to rows of other nodes, with the Directory at hand: the staging area first (against
 * staging), then every node's published rows, read only when the staging area lacks one (a
 * converged node reads nothing more). Kept in the state directory for check. One that neither has
 * is an error of the referencing row; the rows only the published Directory has are what the push
 * brings (run->foreign.bring). Returns 0 or an exit code. */
static int resolve_foreign_with_remote(Run *run, bool against_published) {
        const Model *model = run->local.model;
        const Dataset *staging = against_published ? NULL : run->remote;
        if (run->local.foreign.n_items == 0)
                return 0;
        if (foreign_refs_need_published(&run->local.foreign, staging)) {
                _cleanup_free_ bool *mask = calloc(model->n_tables, sizeof(bool));
                if (!mask)
                        return EXIT_TEMPORARY;
                foreign_tables_mask(model, mask);
                /* Every node's rows, unfiltered; kept apart from the snapshots, which a sync replaces. */
                RemoteFetch f;
                remote_fetch_init(&f, run->backend, model, run->state);
                SchemaRead *read = remote_fetch_add(&f, SCHEMA_PUBLISHED, NULL);
                read->tables = mask;
                read->snapshot = false;
                read->keep_raw = true;
                (void) remote_fetch_run(&f);
                if (read->error == 0 && run->state && published_copy_save(run->state, model, read) < 0)
                        run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "%s: cannot keep the copy of the published rows",
                                 run->config->state_dir);
                int r = finish_fetch(run, &f, read, &run->published_all);
                remote_fetch_done(&f);
                if (r != 0)
                        return r;
        }
        size_t first_finding = run->findings.n_items;
        ForeignSources sources = {
                .node = run->config->node,
                .staging = staging,
                .published = run->published_all,
                .missing_phrase = against_published ? "which the published Directory does not have"
                                                    : "which neither the staging area nor the published Directory has",
        };
        int r = foreign_resolve(run->local.dataset, &run->local.foreign, &sources, SEVERITY_ERROR, &run->findings,
                                &run->foreign);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "out of memory");
                return EXIT_TEMPORARY;
        }
        run_emit_findings(run, &run->findings, first_finding);
        if (against_published) {
                foreign_resolution_done(&run->foreign); /* no staging area to bring them to */
                return 0;
        }
        run->report.foreign_rows = run->foreign.bring;
        size_t n = dataset_total_rows(run->foreign.bring);
        if (n > 0)
                run_emit(run, LOG_INFO, RUN_EVENT_NONE,
                         "%zu row%s of other nodes that the master refers to %s not in the staging area: a push "
                         "copies %s from the published Directory as %s, and never changes or removes %s",
                         n, n == 1 ? "" : "s", n == 1 ? "is" : "are", n == 1 ? "it" : "them", n == 1 ? "it is" : "they are",
                         n == 1 ? "it" : "them");
        return 0;
}

/* diff and sync share the first half: config, state, local, fetch, compare; a sync's batch also
 * reads the node's published rows for the publication watch (watch_publication). */
static int compare_with_remote(Run *run, bool against_published, bool watch_publication) {
        int r = run_load_config(run);
        if (r != 0)
                return r;
        r = open_state(run);
        if (r != 0)
                return r;
        run_emit(run, LOG_INFO, RUN_EVENT_RUN_STARTED,
                  "%s %s: started (mode %s%s)", run->command, run->config->node,
                  sync_mode_to_string(run->config->mode), run->options.dry_run ? ", dry run" : "");
        /* The remote is read on a second thread while the master is read, mapped and validated;
         * what it found is reported only after the master's own problems, as if in sequence. */
        Findings backend_findings;
        findings_init(&backend_findings);
        int backend_error = backend_open(run->config, &run->backend, &backend_findings);
        LookupCacheState lookups = LOOKUP_CACHE_FRESH;
        if (backend_error >= 0) {
                run->backend->state = run->state;
                run->backend->observe = run_observe_request;
                run->backend->observe_userdata = run;
                run->backend->progress = &run->progress;
                report_removed_temporaries(run, run->config->directory_url, "push",
                                           backend_remove_temporaries(run->backend));
                /* The Directory's lookup tables, at most daily. A copy that is due serves this run
                 * while the refresh rides along with the reads; without any copy the vocabularies
                 * need it first. */
                if (run->config->directory_scheme == DIRECTORY_HTTPS)
                        lookups = lookup_cache_state(run->state);
                if (lookups == LOOKUP_CACHE_MISSING) {
                        Findings cache_findings;
                        findings_init(&cache_findings);
                        int k = ontology_cache_refresh(run->backend, run->state, &cache_findings);
                        report_lookup_refresh(run, k, &cache_findings, false);
                        findings_done(&cache_findings);
                }
        }
        r = setup_local(run);
        if (r != 0) {
                findings_done(&backend_findings);
                return r;
        }
        /* Every read of the run goes in this one batch: further schemas join it through
         * remote_fetch_add(). */
        RemoteFetch fetch;
        remote_fetch_init(&fetch, run->backend, run->local.model, run->state);
        SchemaRead *main_read = remote_fetch_add(&fetch, against_published ? SCHEMA_PUBLISHED : SCHEMA_STAGING,
                                                 run->config->node);
        main_read->check_model = !against_published;
        _cleanup_(directory_check_done) DirectoryCheck directory_check = {
                .vocab = run->local.vocab,
                .options = { .node = run->config->node, .orphanet = run->local.orphanet },
        };
        if (run->config->quality_block == QUALITY_BLOCK_NEW) {
                main_read->then = check_directory_rows;
                main_read->then_userdata = &directory_check;
        }
        /* The publication watch needs the published rows only while pushed changes wait for them. */
        SchemaRead *published_read = NULL;
        if (watch_publication) {
                publication_load(run);
                run->publication_loaded = true;
        }
        if (watch_publication && !against_published && run->publication.n_items > 0) {
                published_read = remote_fetch_add(&fetch, SCHEMA_PUBLISHED, run->config->node);
                published_read->snapshot = false;
                published_read->findings_apart = true;
        }
        if (lookups == LOOKUP_CACHE_STALE)
                remote_fetch_refresh_lookups(&fetch);
        bool snapshots = false;
        if (backend_error >= 0) {
                snapshots = state_snapshot_begin(run->state) >= 0;
                for (size_t i = 0; !snapshots && i < fetch.n_reads; i++)
                        fetch.reads[i].snapshot = false;
                if (remote_fetch_start(&fetch) < 0) {
                        main_read->then = NULL; /* the policy checks them only if it needs them */
                        (void) remote_fetch_run(&fetch); /* no thread: in sequence then */
                }
        }
        r = read_local(run);
        if (r == 0)
                (void) remote_fetch_wait(&fetch);
        else {
                remote_fetch_done(&fetch);
                findings_done(&backend_findings);
                state_snapshot_abort(run->state);
                return r;
        }
        run_emit_findings(run, &run->findings, 0);

        size_t first_finding = run->findings.n_items;
        if (findings_move(&run->findings, &backend_findings) < 0) {
                remote_fetch_done(&fetch);
                findings_done(&backend_findings);
                return EXIT_TEMPORARY;
        }
        findings_done(&backend_findings);
        if (backend_error < 0) {
                remote_fetch_done(&fetch);
                run_emit_findings(run, &run->findings, first_finding);
                run_emit(run, LOG_ERR, RUN_EVENT_REMOTE_UNREACHABLE, "cannot open the Directory at %s: %s",
                          run->config->directory_url, strerror(-backend_error));
                return backend_error == -EPROTONOSUPPORT || backend_error == -EINVAL ? EXIT_CONFIG : EXIT_UNAVAILABLE;
        }
        if (!snapshots)
                run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "%s: cannot prepare snapshots", run->config->state_dir);
        run->report.against = against_published ? "published" : "staging";
        if (fetch.refresh_lookups) {
                report_lookup_refresh(run, fetch.lookups_result, &fetch.lookup_findings, true);
                findings_done(&fetch.lookup_findings);
        }
        r = finish_fetch(run, &fetch, main_read, &run->remote);
        if (r == 0 && published_read)
                keep_published(run, published_read);
        uint64_t fetch_usec = fetch.usec;
        remote_fetch_done(&fetch);
        if (r != 0) {
                state_snapshot_abort(run->state);
                return r;
        }
        /* The fetch's own time: it ran alongside read, map and validate. */
        run_add_phase(run, "fetch", fetch_usec);
        run->phase_start = now_usec_monotonic();
        r = resolve_foreign_with_remote(run, against_published);
        if (r != 0)
                return r;

        DiffOptions opts = {
                .node = run->config->node,
                .remote_is_node = against_published,
                .withdrawn_is_removed = run->config->deletions == DELETIONS_WITHDRAW,
        };
        progress_begin(&run->progress, PROGRESS_LOCAL, "comparing the master with the Directory", 0);
        r = diff_datasets(run->local.dataset, run->remote, &opts, &run->changes);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "cannot compare: %s", strerror(-r));
                return EXIT_TEMPORARY;
        }
        run->report.changes = run->changes;
        run_phase(run, "diff");
        progress_begin(&run->progress, PROGRESS_LOCAL, "applying the quality policy", 0);
        r = apply_quality_policy(run, directory_check.errors);
        progress_end(&run->progress, PROGRESS_LOCAL);
        if (r != 0)
                return r;
        /* With --json, stdout carries the report alone. */
        RunEvent e = { .kind = RUN_EVENT_CHANGES, .priority = LOG_INFO };
        run_deliver(run, &e);
        return 0;
}

/* A run that stopped after it had a state directory leaves a report saying so. */
static int run_failed(Run *run, int exit_code) {
        if (run->config && run->state) {
                finish_report(run, exit_code, "failed");
                return save_report(run, false);
        }
        return exit_code;
}

int run_diff(Run *run, bool against_published) {
        int r = compare_with_remote(run, against_published, false);
        if (r != 0)
                return run_failed(run, r);
        (void) state_snapshot_commit(run->state);
        publication_show(run);
        const DiffTableCounts *t = &run->changes->total;
        /* Errors in the master come before differences: a script must tell the two apart. */
        int exit_code = run->findings.n_errors > 0 ? EXIT_INVALID_DATA
                        : t->added + t->changed + t->removed > 0 ? EXIT_DIFFERENCES
                                                                 : EXIT_OK;
        finish_report(run, exit_code,
                      exit_code == EXIT_INVALID_DATA ? "invalid-data"
                      : exit_code == EXIT_OK         ? "no-differences"
                                                     : "differences");
        return save_report(run, true);
}

/* Count of changes a push could act on (not blocked; removals only when the policy acts). */
static size_t actionable_changes(const ChangeSet *c, DeletionPolicy policy, const bool *tables) {
        size_t n = 0;
        for (size_t i = 0; i < c->n_changes; i++) {
                const Change *ch = &c->changes[i];
                if (ch->blocked || (tables && !tables[ch->table]))
                        continue;
                if (ch->kind == CHANGE_REMOVED && policy == DELETIONS_KEEP)
                        continue;
                n++;
        }
        return n;
}

/* Reads back only the tables the push wrote: the others are as this run read them. */
static int verify_push(Run *run) {
        const Model *model = run->local.model;
        _cleanup_free_ bool *pushed = calloc(model->n_tables ?: 1, sizeof(bool));
        if (!pushed)
                return EXIT_TEMPORARY;
        for (size_t i = 0; i < run->plan->n_tables; i++)
                pushed[run->plan->tables[i].table] = true;
        _cleanup_(dataset_freep) Dataset *after = NULL;
        /* What the Directory holds after the push becomes the last fetched snapshot, the tables
         * not read again carried over. */
        if (state_snapshot_begin(run->state) < 0)
                run_emit(run, LOG_WARNING, RUN_EVENT_NONE, "%s: cannot prepare snapshots", run->config->state_dir);
        int r = fetch_schema(run, SCHEMA_STAGING, pushed, "checking the push: staging tables", &after);
        if (r != 0) {
                state_snapshot_abort(run->state);
                return r;
        }
        for (size_t t = 0; t < model->n_tables; t++)
                if (!pushed[t])
                        (void) state_snapshot_keep(run->state, run->config->staging_schema, model->tables[t].name);
        /* The live model is not read again: its last good copy stays with the set. */
        (void) state_snapshot_keep(run->state, run->config->staging_schema, LIVE_MODEL_SNAPSHOT);
        (void) state_snapshot_commit(run->state);
        DiffOptions opts = {
                .node = run->config->node,
                .withdrawn_is_removed = run->config->deletions == DELETIONS_WITHDRAW,
        };
        _cleanup_(change_set_freep) ChangeSet *left = NULL;
        if (diff_datasets(run->local.dataset, after, &opts, &left) < 0)
                return EXIT_TEMPORARY;
        size_t n = actionable_changes(left, run->config->deletions, pushed);
        /* The rows of other nodes it brought are there too (the diff never looks at them). */
        const Dataset *bring = run->foreign.bring;
        for (size_t t = 0; bring && t < bring->model->n_tables; t++)
                for (size_t i = 0; i < bring->tables[t].n_rows; i++)
                        if (!dataset_find(after, t, bring->tables[t].rows[i]->id))
                                n++;
        if (n > 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_PUSH_FAILED,
                          "after the push the Directory still differs from the master in %zu row%s", n, n == 1 ? "" : "s");
                run_set_error(run, "verification found %zu row%s still different after the push", n, n == 1 ? "" : "s");
                return EXIT_TEMPORARY;
        }
        run->report.verified = true;
        return 0;
}

int run_sync(Run *run) {
        const RunOptions *o = &run->options;
        run->report.dry_run = o->dry_run;
        int r = compare_with_remote(run, false, true);
        if (r != 0)
                return run_failed(run, r);
        (void) state_snapshot_commit(run->state);

        /* A journal left by an earlier push that did not finish: say what it applied. This run's
         * plan comes from the staging area as it is now, so what was acknowledged is not sent again
         * and what was not is in the plan. */
        {
                int k = run_load_push_journal(run->state, &run->interrupted);
                if (k < 0 && k != -ENOENT)
                        run_emit(run, LOG_WARNING, RUN_EVENT_NONE,
                                 "%s/%s: cannot read the journal an earlier push left (%s); whether that push "
                                 "finished cannot be told: this run's plan comes from the Directory as it is now",
                                 state_path(run->state), PUSH_JOURNAL_FILE,
                                 k == -EBADMSG ? "damaged" : strerror(-k));
                if (k >= 0 && !run->interrupted.finished) {
                        run_emit(run, LOG_WARNING, RUN_EVENT_PUSH_FAILED,
                                  "the push started %s did not finish: %zu of %zu requests were acknowledged "
                                  "(%zu upserts, %zu deletions applied; not applied: %s); a push sends only what is "
                                  "still missing",
                                  run->interrupted.started, run->interrupted.n_applied, run->interrupted.n_requests,
                                  run->interrupted.applied_upserts, run->interrupted.applied_deletes,
                                  run->interrupted.pending_tables ?: "none");
                        run->report.interrupted_push_started = run->interrupted.started;
                        run->report.interrupted_push_requests = run->interrupted.n_requests;
                        run->report.interrupted_push_applied = run->interrupted.n_applied;
                }
        }

        r = publication_watch(run);
        if (r != 0)
                return run_failed(run, r);

        /* Rows held back (errors, or quality errors after quality.block) make the run fail, so that
         * the unit's failure shows what the push left out. */
        int data_exit = run->findings.n_errors > 0 || run->report.n_quality_held_back > 0 ? EXIT_INVALID_DATA : EXIT_OK;
        const char *outcome = data_exit == EXIT_OK ? "success" : "invalid-data";

        r = sync_build_plan_with(run->local.model, run->changes, run->remote, run->foreign.bring,
                                 run->config->deletions, &run->plan);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "cannot build the push plan: %s", strerror(-r));
                return EXIT_TEMPORARY;
        }
        GuardVerdict guard = {};
        sync_check_guard(run->config, run->changes, run->plan, &guard);
        run->report.guard_removals = guard.n_removals;
        run->report.guard_limit = guard.limit;
        run->report.guard_limited = guard.limited;

        bool push = run->config->mode == SYNC_MODE_PUSH && !o->dry_run &&
                    run->plan->n_upserts + run->plan->n_deletes > 0;
        if (push && guard.refused && !o->force) {
                run->report.guard_refused = true;
                _cleanup_free_ char *field = strdup_printf("BBMRI_REMOVALS=%zu", guard.n_removals);
                if (field)
                        run_add_field(run, field);
                run_emit(run, LOG_ERR, RUN_EVENT_REMOVAL_GUARD,
                          "refusing to push: it would remove %zu row%s, more than push.max_removals allows (%zu); "
                          "check the master, or run 'sync --force' once to accept",
                          guard.n_removals, guard.n_removals == 1 ? "" : "s", guard.limit);
                run_set_error(run, "removal guard: %zu removals, limit %zu", guard.n_removals, guard.limit);
                finish_report(run, EXIT_INVALID_DATA, "refused");
                return save_report(run, false);
        }

        if (push && run->model_blocks_push) {
                run_emit(run, LOG_ERR, RUN_EVENT_PUSH_FAILED,
                          "not pushing: the Directory's model has a required column the model file (%s) does not "
                          "know (see the model drift above); update bbmri-dirsync or its model file",
                          run->config->model);
                run_set_error(run, "model drift: %zu required column%s unknown to the model file",
                              run->report.n_model_drift_blocking, run->report.n_model_drift_blocking == 1 ? "" : "s");
                finish_report(run, EXIT_CONFIG, "refused");
                return save_report(run, false);
        }

        if (push) {
                run->report.pushed = true;
                PushResult *result = &run->push;
                size_t first_finding = run->findings.n_items;
                /* A backend that counts its requests makes steps of it. */
                progress_begin(&run->progress, PROGRESS_REMOTE, "pushing to the Directory", 0);
                r = run->backend->ops->push(run->backend, run->local.model, run->plan, result, &run->findings);
                progress_end(&run->progress, PROGRESS_REMOTE);
                run->report.n_requests = result->n_requests;
                run->report.n_applied_upserts = result->n_applied_upserts;
                run->report.n_applied_deletes = result->n_applied_deletes;
                run->report.push_records = result->records;
                run->report.n_push_records = result->n_records;
                run_phase(run, "push");
                if (r < 0) {
                        run_emit_findings(run, &run->findings, first_finding);
                        run_emit(run, LOG_ERR, RUN_EVENT_PUSH_FAILED, "push to %s failed: %s", run->config->directory_url,
                                  result->error ?: strerror(-r));
                        run_set_error(run, "push failed: %s", result->error ?: strerror(-r));
                        int code = exit_code_for_remote_error(r);
                        finish_report(run, code, "failed");
                        return save_report(run, false);
                }
                /* Each change sent waits for the published Directory from now on. */
                if (publication_note_push(&run->publication, run->local.model, run->changes,
                                          run->config->deletions == DELETIONS_KEEP, now_usec_realtime()) < 0)
                        run_emit(run, LOG_WARNING, RUN_EVENT_NONE,
                                 "the publication watch cannot keep this push's changes: out of memory or too many");
                run_emit(run, LOG_INFO, RUN_EVENT_PUSH_DONE, "pushed %zu upsert%s and %zu deletion%s in %zu request%s",
                          run->plan->n_upserts, run->plan->n_upserts == 1 ? "" : "s", run->plan->n_deletes,
                          run->plan->n_deletes == 1 ? "" : "s", run->report.n_requests,
                          run->report.n_requests == 1 ? "" : "s");
                r = verify_push(run);
                run_phase(run, "verify");
                if (r != 0) {
                        finish_report(run, r, "failed");
                        return save_report(run, false);
                }
        }
        /* In push mode a verified push, or nothing left to push: the journal (an earlier push's, or
         * this one's) has served its purpose. */
        if (run->config->mode == SYNC_MODE_PUSH && !o->dry_run)
                (void) state_remove_file(run->state, PUSH_JOURNAL_FILE);
        finish_report(run, data_exit, outcome);
        return save_report(run, data_exit == EXIT_OK);
}


/* The master pull writes by default: the configured one, when it is a single YAML file. */
static const char *default_pull_output(const Config *config) {
        if (!config->master || !config->master[0] || config->master[1])
                return NULL;
        const char *m = config->master[0];
        return endswith(m, ".yaml") || endswith(m, ".yml") ? m : NULL;
}

/* <stem>-facts.csv next to the master. */
static char *facts_path_for(const char *master) {
        const char *dot = strrchr(master, '.'), *slash = strrchr(master, '/');
        size_t stem = dot && (!slash || dot > slash) ? (size_t) (dot - master) : strlen(master);
        return strdup_printf("%.*s-facts.csv", (int) stem, master);
}

/* A schema next to the master: the editor's language server finds it through the first line. */
static const char *schema_next_to(const char *master) {
        _cleanup_free_ char *dir = path_dirname(master);
        _cleanup_free_ char *path = dir ? path_join(dir, MASTER_SCHEMA_FILE) : NULL;
        if (!path || access(path, F_OK) < 0)
                return NULL;
        return MASTER_SCHEMA_FILE;
}

int run_pull(Run *run, bool from_published, const char *output) {
        int r = run_load_config(run);
        if (r != 0)
                return r;
        const char *master = output ?: default_pull_output(run->config);
        if (!master) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE,
                         "pull needs -o FILE: the configured master is not one YAML file");
                return EXIT_USAGE;
        }
        r = setup_local(run);
        if (r != 0)
                return r;
        Findings backend_findings;
        findings_init(&backend_findings);
        r = backend_open(run->config, &run->backend, &backend_findings);
        if (r >= 0) {
                run->backend->observe = run_observe_request;
                run->backend->observe_userdata = run;
                run->backend->progress = &run->progress;
        }
        size_t first_finding = run->findings.n_items;
        if (findings_move(&run->findings, &backend_findings) < 0)
                r = -ENOMEM;
        findings_done(&backend_findings);
        if (r < 0) {
                run_emit_findings(run, &run->findings, first_finding);
                run_emit(run, LOG_ERR, RUN_EVENT_REMOTE_UNREACHABLE, "cannot open the Directory at %s: %s",
                         run->config->directory_url, strerror(-r));
                return r == -EPROTONOSUPPORT || r == -EINVAL ? EXIT_CONFIG : EXIT_UNAVAILABLE;
        }
        SchemaKind schema = from_published ? SCHEMA_PUBLISHED : SCHEMA_STAGING;
        r = fetch_schema(run, schema, NULL, NULL, &run->remote);
        if (r != 0)
                return r;
        run_phase(run, "fetch");

        _cleanup_free_ char *facts_path = facts_path_for(master);
        const char *facts_name = facts_path ? strrchr(facts_path, '/') : NULL;
        if (!facts_path) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "out of memory");
                return EXIT_TEMPORARY;
        }
        MasterWriteOptions wo = {
                .node = run->config->node,
                .every_row_own = from_published,
                .source = run->config->directory_url,
                .schema_name = backend_schema_name(run->config, schema),
                .pulled_usec = now_usec_realtime(),
                .facts_file = facts_name ? facts_name + 1 : facts_path,
                .schema_ref = schema_next_to(master),
        };
        _cleanup_(master_write_result_done) MasterWriteResult res = {};
        r = master_write_build(run->remote, run->local.mapping, run->local.vocab, &wo, &res);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "cannot build the master: %s", strerror(-r));
                return r == -ENOMEM ? EXIT_TEMPORARY : EXIT_CONFIG;
        }
        r = master_write_files(&res, master, facts_path, run->options.force);
        if (r == -EEXIST) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "%s%s%s already exists: pull never replaces a file "
                         "without --force; nothing was written", master, res.facts_csv ? " or " : "",
                         res.facts_csv ? facts_path : "");
                return EXIT_CANT_WRITE;
        }
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "%s: cannot write the master: %s", master, strerror(-r));
                return EXIT_CANT_WRITE;
        }
        size_t rows = 0;
        for (size_t t = 0; t < MASTER_WRITE_MAX_TABLES; t++)
                rows += res.n_rows[t];
        run->summary = strdup_printf("pull %s: %zu rows of %s written to %s%s%s", run->config->node, rows,
                                     wo.schema_name, master, res.facts_csv ? " and " : "",
                                     res.facts_csv ? facts_path : "");
        if (res.n_top_level_collections > 0)
                run_emit(run, LOG_INFO, RUN_EVENT_NONE,
                         "%zu collection%s written under 'collections:' with their biobank named, as nesting "
                         "would give them a value they lack", res.n_top_level_collections,
                         res.n_top_level_collections == 1 ? "" : "s");
        finish_report(run, EXIT_OK, "pulled");
        return EXIT_OK;
}

int run_schema(Run *run, char **ret_json, size_t *ret_size) {
        int r = run_load_config(run);
        if (r != 0)
                return r;
        r = setup_local(run);
        if (r != 0)
                return r;
        r = master_schema_build(run->local.model, run->local.mapping, run->local.vocab, ret_json, ret_size);
        if (r < 0) {
                run_emit(run, LOG_ERR, RUN_EVENT_NONE, "cannot build the schema: %s", strerror(-r));
                return EXIT_TEMPORARY;
        }
        finish_report(run, EXIT_OK, "schema");
        return EXIT_OK;
}
