/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <sys/stat.h>

#include "commands.h"
#include "export.h"
#include "limits.h"
#include "log.h"
#include "miabis-xml.h"
#include "progress-line.h"
#include "run.h"
#include "sent-findings.h"

#ifndef PROGRAM_VERSION
#define PROGRAM_VERSION "0"
#endif

/* Logs findings gathered so far (sorted) and forgets nothing: they stay for the report. */
/* The configuration's folder as an absolute path (findings name files by absolute path), or NULL. */
static char *config_folder(const Run *run) {
        _cleanup_free_ char *dir = run->config ? path_dirname(run->config->path) : NULL;
        return dir ? realpath(dir, NULL) : NULL;
}

static void log_findings_from(const Findings *f, size_t from, const char *base_dir) {
        log_findings(f, from, base_dir);
        if (f->n_dropped > 0)
                log_warning("%zu more findings were not listed (limit reached)", f->n_dropped);
}

static LogEvent log_event_of(RunEventKind kind) {
        switch (kind) {
        case RUN_EVENT_RUN_STARTED:
                return LOG_EVENT_RUN_STARTED;
        case RUN_EVENT_PUSH_DONE:
                return LOG_EVENT_PUSH_DONE;
        case RUN_EVENT_PUSH_FAILED:
                return LOG_EVENT_PUSH_FAILED;
        case RUN_EVENT_REMOTE_UNREACHABLE:
                return LOG_EVENT_REMOTE_UNREACHABLE;
        case RUN_EVENT_MODEL_DRIFT:
                return LOG_EVENT_MODEL_DRIFT;
        case RUN_EVENT_REMOVAL_GUARD:
                return LOG_EVENT_REMOVAL_GUARD;
        case RUN_EVENT_LOCK_BUSY:
                return LOG_EVENT_LOCK_BUSY;
        case RUN_EVENT_UNPUBLISHED:
                return LOG_EVENT_UNPUBLISHED;
        default:
                return LOG_EVENT_NONE;
        }
}

/* The journal gets each finding once a day (sent-findings.h): the keys of those sent today are
 * read from the state directory at the run's first findings and written back at its end. On the
 * console every run shows all. */
static uint64_t (*clock_now)(void) = now_usec_realtime;
static struct {
        SentFindings *sent;   /* NULL: not loaded (yet), or no state directory */
        bool loaded, changed;
        size_t n_repeated;
} journal_today;

void commands_set_clock(uint64_t (*now)(void)) {
        clock_now = now ?: now_usec_realtime;
}

static void journal_today_reset(void) {
        journal_today.sent = sent_findings_free(journal_today.sent);
        journal_today.loaded = journal_today.changed = false;
        journal_today.n_repeated = 0;
}

static SentFindings *journal_today_load(const Run *run) {
        if (journal_today.loaded || !run->state)
                return journal_today.sent;
        journal_today.loaded = true;
        char day[11];
        sent_findings_day(clock_now(), day);
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = state_read_file(run->state, SENT_FINDINGS_FILE, 17 * (size_t) LIMIT_SENT_FINDINGS + 64, &data, &size);
        if (r >= 0)
                r = sent_findings_parse(data, size, day, &journal_today.sent);
        if (r < 0 && r != -ENOENT)
                log_warning("%s/%s: cannot read which findings the journal got today (%s); all are sent again",
                            state_path(run->state), SENT_FINDINGS_FILE, r == -EBADMSG ? "damaged" : strerror(-r));
        if (!journal_today.sent)
                (void) sent_findings_new(day, &journal_today.sent);
        return journal_today.sent;
}

/* Findings f->items[from..) to the journal, each one not sent today. */
static void journal_findings(const Run *run, const Findings *f, size_t from) {
        SentFindings *sent = journal_today_load(run);
        for (size_t i = from; i < f->n_items; i++) {
                uint64_t key = sent ? sent_findings_key(&f->items[i]) : 0;
                if (sent && sent_findings_contains(sent, key)) {
                        journal_today.n_repeated++;
                        continue;
                }
                /* A full set sends the rest every time: never a finding lost. */
                if (sent && sent_findings_add(sent, key) >= 0)
                        journal_today.changed = true;
                log_finding(&f->items[i]);
        }
        if (f->n_dropped > 0)
                log_warning("%zu more findings were not listed (limit reached)", f->n_dropped);
}

/* At the run's end: what was left out, and the keys saved (atomically) for the next run. */
static void journal_today_finish(const Run *run) {
        if (journal_today.n_repeated > 0)
                log_info("%zu finding%s sent to the journal earlier today (UTC) not repeated; the run's report lists "
                         "all (bbmri-dirsync status)",
                         journal_today.n_repeated, journal_today.n_repeated == 1 ? "" : "s");
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        if (journal_today.changed && run->state && sent_findings_format(journal_today.sent, &data, &size) >= 0 &&
            state_write_file(run->state, SENT_FINDINGS_FILE, data, size) < 0)
                log_warning("%s/%s: cannot save which findings the journal got today; the next run sends them again",
                            state_path(run->state), SENT_FINDINGS_FILE);
        journal_today_reset();
}

/* What the run engine reports, logged as it happens. */
static void log_run_event(const Run *run, const RunEvent *e, void *userdata) {
        const Options *o = userdata;
        switch (e->kind) {
        case RUN_EVENT_FINDINGS: {
                /* Places are shown relative to the configuration's folder, where the master lives. */
                if (log_get_target() == LOG_TARGET_JOURNAL) {
                        journal_findings(run, e->findings, e->findings_from);
                        return;
                }
                _cleanup_free_ char *base_dir = config_folder(run);
                log_findings_from(e->findings, e->findings_from, base_dir);
                return;
        }
        case RUN_EVENT_CHANGES:
                /* With --json, stdout carries the report alone. */
                if (o->json && log_get_target() == LOG_TARGET_CONSOLE)
                        return;
                for (size_t i = 0; i < run->changes->n_changes; i++)
                        log_change(run->local.model, &run->changes->changes[i],
                                   &(ChangeTextOptions) { .deletions = run->config->deletions,
                                                          .findings = &run->findings });
                return;
        default:
                break;
        }
        int priority = e->priority;
        /* For the journal a run's start is an event; on a console it is noise. */
        if (e->kind == RUN_EVENT_RUN_STARTED && log_get_target() != LOG_TARGET_JOURNAL)
                priority = LOG_DEBUG;
        for (size_t i = 0; i < e->n_fields; i++)
                log_add_field(e->fields[i]);
        log_event(priority, log_event_of(e->kind), "%s", e->message);
}

/* The progress line of the run going on (one at a time in a process), stopped before the run's
 * outcome is printed and before the run is freed. */
static ProgressLine progress_line;

static void stop_progress_line(void) {
        progress_line_stop(&progress_line);
}

static void end_run(Run *run) {
        stop_progress_line();
        run_done(run);
}

static void start_run(Run *run, const Options *o, const char *command) {
        RunOptions options = {
                .config_path = o->config_path,
                .data_dir = o->data_dir,
                .config = o->config,
                .dry_run = o->dry_run,
                .force = o->force,
                .strict = o->strict,
                .sink = log_run_event,
                .userdata = (void *) o,
        };
        journal_today_reset();
        run_init(run, &options, command, PROGRAM_VERSION);
        /* Without a thread for it there is no progress line; the run is the same. */
        stop_progress_line();
        (void) progress_line_start(&progress_line, &run->progress);
}

static void log_summary(Run *run) {
        _cleanup_free_ char *line = report_summary_line(&run->report);
        if (!line)
                return;
        /* The summary is the command's output for people: stdout on the console, an entry of its
         * own kind in the journal. */
        if (log_get_target() == LOG_TARGET_CONSOLE)
                printf("%s\n", line);
        else
                log_event(run->report.exit_code == EXIT_OK || run->report.exit_code == EXIT_DIFFERENCES ? LOG_INFO
                                                                                                         : LOG_ERR,
                          LOG_EVENT_RUN_FINISHED, "%s", line);
}

static int print_json_report(Run *run) {
        const char *json;
        size_t size;
        if (run_report_json(run, &json, &size) < 0)
                return -ENOMEM;
        fwrite(json, 1, size, stdout);
        return 0;
}

/* A run that stopped before it had a report (configuration, master unreadable, state locked):
 * still one line, or one JSON document, saying so. */
static void print_failure(const Run *run, const Options *o, int exit_code) {
        const char *node = run->config ? run->config->node : "?";
        if (o->json) {
                json_t *j = json_pack("{s:s, s:s, s:s, s:i}", "command", run->command, "node", node, "outcome",
                                      "failed", "exit_code", exit_code);
                if (j && run->error)
                        (void) json_object_set_new(j, "error", json_string(run->error));
                if (j)
                        (void) json_dumpf(j, stdout, JSON_INDENT(2));
                if (j)
                        printf("\n");
                json_decref(j);
                return;
        }
        if (log_get_target() == LOG_TARGET_CONSOLE)
                printf("%s %s: failed (exit %d)\n", run->command, node, exit_code);
        else
                log_event(LOG_ERR, LOG_EVENT_RUN_FINISHED, "%s %s: failed (exit %d)", run->command, node, exit_code);
}

/* Every run ends with its outcome: the summary line, or with --json the report alone on stdout. */
static void print_outcome(Run *run, const Options *o, int exit_code) {
        stop_progress_line();
        journal_today_finish(run);
        if (!run->report.outcome)
                print_failure(run, o, exit_code);
        else if (o->json)
                (void) print_json_report(run);
        else
                log_summary(run);
}

int command_check(const Options *o) {
        _cleanup_(end_run) Run run;
        start_run(&run, o, "check");
        int exit_code = run_check(&run);
        print_outcome(&run, o, exit_code);
        return exit_code;
}

/* MIABIS 2.0 XML: validated against the schema before it is written; what MIABIS cannot carry is
 * counted in the summary. */
static int export_miabis_xml(Run *run, const char *output) {
        MiabisExportStats stats = {};
        size_t first_finding = run->findings.n_items;
        int r = miabis_xml_export(run->local.dataset, run->local.mapping, run->local.vocab, output, &stats,
                                  &run->findings);
        if (r == -EBADMSG) {
                _cleanup_free_ char *base_dir = config_folder(run);
                log_findings_from(&run->findings, first_finding, base_dir);
                log_error("not exporting: the MIABIS XML does not validate against the schema (see above); nothing "
                          "was written");
                return EXIT_INVALID_DATA;
        }
        if (r < 0) {
                log_error("%s: cannot write export: %s", output, strerror(-r));
                return EXIT_CANT_WRITE;
        }
        _cleanup_free_ char *summary = miabis_export_summary(&stats, run->config->node, output);
        if (log_get_target() == LOG_TARGET_CONSOLE)
                printf("%s\n", summary ?: "export written");
        else
                log_info("%s", summary ?: "export written");
        for (size_t t = 0; t < run->local.model->n_tables; t++) {
                _cleanup_free_ char *line = miabis_export_left_out_line(&stats, run->local.model->tables[t].name);
                if (line)
                        log_info("left out of %s", line);
        }
        miabis_export_stats_done(&stats);
        return EXIT_OK;
}

int command_export(const Options *o) {
        _cleanup_(end_run) Run run;
        start_run(&run, o, "export");
        int r = run_local(&run);
        stop_progress_line();
        if (r != 0)
                return r;
        if (run.findings.n_errors > 0) {
                /* Never write a file the Directory would reject: fix the master first. */
                log_error("not exporting: %zu error%s in the master (see above); nothing was written",
                          run.findings.n_errors, run.findings.n_errors == 1 ? "" : "s");
                return EXIT_INVALID_DATA;
        }
        if (o->export_format == EXPORT_MIABIS_XML)
                return export_miabis_xml(&run, o->output);
        if (o->export_format == EXPORT_EMX2_CSV)
                r = export_emx2_csv(run.local.dataset, false, o->output);
        else
                r = export_emx2_zip(run.local.dataset, false, o->output);
        if (r < 0) {
                log_error("%s: cannot write export: %s", o->output, strerror(-r));
                return EXIT_CANT_WRITE;
        }
        if (log_get_target() == LOG_TARGET_CONSOLE)
                printf("export %s: %zu rows in %zu tables written to %s\n", run.config->node,
                       dataset_total_rows(run.local.dataset), run.local.model->n_tables, o->output);
        else
                log_info("export %s: %zu rows written to %s", run.config->node, dataset_total_rows(run.local.dataset),
                         o->output);
        return EXIT_OK;
}

int command_diff(const Options *o) {
        _cleanup_(end_run) Run run;
        start_run(&run, o, "diff");
        int exit_code = run_diff(&run, o->against_published);
        print_outcome(&run, o, exit_code);
        return exit_code;
}

int command_sync(const Options *o) {
        _cleanup_(end_run) Run run;
        start_run(&run, o, "sync");
        int exit_code = run_sync(&run);
        print_outcome(&run, o, exit_code);
        return exit_code;
}

/* status --json: {"state_dir", "last_good", "last", "unfinished_push"}, each report as saved, null
 * when there is none. */
static int print_status_json(Run *run) {
        json_t *out = json_pack("{s:s, s:n, s:n, s:n}", "state_dir", run->config->state_dir, "last_good", "last",
                                "unfinished_push");
        if (!out)
                return -ENOMEM;
        static const struct {
                bool good;
                const char *key;
        } which[] = { { true, "last_good" }, { false, "last" } };
        for (size_t i = 0; run->state && i < ELEMENTSOF(which); i++) {
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                if (state_read_last_report(run->state, which[i].good, &data, &size) < 0)
                        continue;
                json_t *j = json_loadb(data, size, 0, NULL);
                if (j)
                        (void) json_object_set_new(out, which[i].key, j);
        }
        PushJournalSummary p = {};
        if (run->state && run_load_push_journal(run->state, &p) >= 0) {
                if (!p.finished)
                        (void) json_object_set_new(out, "unfinished_push",
                                                   json_pack("{s:s?, s:I, s:I, s:I, s:I}", "started", p.started,
                                                             "requests", (json_int_t) p.n_requests, "applied",
                                                             (json_int_t) p.n_applied, "applied_upserts",
                                                             (json_int_t) p.applied_upserts, "applied_deletions",
                                                             (json_int_t) p.applied_deletes));
                push_journal_summary_done(&p);
        }
        int r = json_dumpf(out, stdout, JSON_INDENT(2));
        json_decref(out);
        printf("\n");
        return r < 0 ? -EIO : 0;
}

int command_status(const Options *o) {
        _cleanup_(end_run) Run run;
        start_run(&run, o, "status");
        int r = run_load_config(&run);
        if (r != 0)
                return r;
        struct stat st;
        if (stat(run.config->state_dir, &st) < 0) {
                if (o->json)
                        return print_status_json(&run) < 0 ? EXIT_CANT_WRITE : EXIT_OK;
                printf("no run recorded yet (state directory %s does not exist)\n", run.config->state_dir);
                return EXIT_OK;
        }
        r = state_open(run.config->state_dir, &run.state);
        if (r < 0) {
                log_error("%s: cannot open the state directory: %s", run.config->state_dir, strerror(-r));
                return EXIT_CANT_WRITE;
        }
        if (o->json)
                return print_status_json(&run) < 0 ? EXIT_CANT_WRITE : EXIT_OK;
        static const struct {
                bool good;
                const char *title;
        } which[] = { { true, "last good run" }, { false, "last run" } };
        bool any = false;
        _cleanup_free_ char *good_data = NULL;
        for (size_t i = 0; i < ELEMENTSOF(which); i++) {
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                if (state_read_last_report(run.state, which[i].good, &data, &size) < 0)
                        continue;
                /* The newest run is often the last good one: say it once. */
                if (!which[i].good && good_data && streq(good_data, data))
                        continue;
                json_error_t error;
                json_t *j = json_loadb(data, size, 0, &error);
                if (!j) {
                        log_error("%s: the saved report is damaged: %s", run.config->state_dir, error.text);
                        continue;
                }
                json_t *counts = json_object_get(j, "counts");
                printf("%s: %s %s at %s: %s (exit %lld); %lld added, %lld changed, %lld removed; errors: %lld, "
                       "warnings: %lld\n",
                       which[i].title, json_string_value(json_object_get(j, "command")) ?: "?",
                       json_string_value(json_object_get(j, "node")) ?: "?",
                       json_string_value(json_object_get(j, "finished")) ?: "?",
                       json_string_value(json_object_get(j, "outcome")) ?: "?",
                       (long long) json_integer_value(json_object_get(j, "exit_code")),
                       (long long) json_integer_value(json_object_get(counts, "added")),
                       (long long) json_integer_value(json_object_get(counts, "changed")),
                       (long long) json_integer_value(json_object_get(counts, "removed")),
                       (long long) json_integer_value(json_object_get(counts, "errors")),
                       (long long) json_integer_value(json_object_get(counts, "warnings")));
                const char *err = json_string_value(json_object_get(j, "error"));
                if (err)
                        printf("  error: %s\n", err);
                json_decref(j);
                any = true;
                if (which[i].good)
                        good_data = TAKE_PTR(data);
        }
        if (!any)
                printf("no run recorded yet in %s\n", run.config->state_dir);
        PushJournalSummary j = {};
        r = run_load_push_journal(run.state, &j);
        if (r < 0 && r != -ENOENT)
                log_warning("%s/%s: cannot read the journal an earlier push left (%s)", state_path(run.state),
                            PUSH_JOURNAL_FILE, r == -EBADMSG ? "damaged" : strerror(-r));
        if (r >= 0) {
                if (!j.finished)
                        printf("unfinished push: started %s, %zu of %zu requests acknowledged (%zu upserts, %zu "
                               "deletions applied); the next sync sends the rest\n",
                               j.started, j.n_applied, j.n_requests, j.applied_upserts, j.applied_deletes);
                push_journal_summary_done(&j);
        }
        return EXIT_OK;
}

int command_pull(const Options *o) {
        _cleanup_(end_run) Run run;
        start_run(&run, o, "pull");
        int exit_code = run_pull(&run, o->from_published, o->output);
        stop_progress_line();
        if (o->json) {
                /* pull has no run report: its outcome, and the line people read. */
                json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s?}", "command", "pull", "node",
                                      run.config ? run.config->node : "?", "outcome",
                                      exit_code == EXIT_OK ? "success" : "failed", "exit_code", exit_code, "summary",
                                      run.summary);
                if (j && run.error)
                        (void) json_object_set_new(j, "error", json_string(run.error));
                if (j && json_dumpf(j, stdout, JSON_INDENT(2)) == 0)
                        printf("\n");
                json_decref(j);
                return exit_code;
        }
        if (exit_code != EXIT_OK)
                print_failure(&run, o, exit_code);
        if (exit_code == EXIT_OK && run.summary) {
                if (log_get_target() == LOG_TARGET_CONSOLE)
                        printf("%s\n", run.summary);
                else
                        log_info("%s", run.summary);
        }
        return exit_code;
}

int command_schema(const Options *o) {
        _cleanup_(end_run) Run run;
        start_run(&run, o, "schema");
        _cleanup_free_ char *json = NULL;
        size_t size = 0;
        int exit_code = run_schema(&run, &json, &size);
        if (exit_code != EXIT_OK)
                return exit_code;
        if (!o->output) {
                fwrite(json, 1, size, stdout);
                return fflush(stdout) == 0 ? EXIT_OK : EXIT_CANT_WRITE;
        }
        int r = write_file_atomic(o->output, json, size, 0644);
        if (r < 0) {
                log_error("%s: cannot write the schema: %s", o->output, strerror(-r));
                return EXIT_CANT_WRITE;
        }
        return EXIT_OK;
}
