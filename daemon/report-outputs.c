/* SPDX-License-Identifier: MIT */
#include <time.h>

#include "report.h"

/* The two extra outputs of a run (design §9): an HTML page a coordinator can open or mail, per
 * biobank what changed and what is wrong, and a Prometheus textfile for the node exporter. Both are
 * built in memory from the run report; the program writes them atomically. */

static void html_escaped(FILE *out, const char *s, size_t n) {
        for (size_t i = 0; i < n && s[i]; i++)
                switch (s[i]) {
                case '&':
                        fputs("&amp;", out);
                        break;
                case '<':
                        fputs("&lt;", out);
                        break;
                case '>':
                        fputs("&gt;", out);
                        break;
                case '"':
                        fputs("&quot;", out);
                        break;
                case '\'':
                        fputs("&#39;", out);
                        break;
                default:
                        fputc(s[i], out);
                }
}

static void html_text(FILE *out, const char *s) {
        if (s)
                html_escaped(out, s, strlen(s));
}

/* A cell for people: list items joined by ", ", no value as an em dash. */
static void html_cell(FILE *out, const ModelColumn *col, const char *cell) {
        if (!cell) {
                fputs("<i>(none)</i>", out);
                return;
        }
        if (!column_type_is_list(col->type)) {
                html_text(out, cell);
                return;
        }
        const char *state = cell, *item;
        size_t n;
        bool first = true;
        while (dataset_list_next(&state, &item, &n)) {
                if (!first)
                        fputs(", ", out);
                first = false;
                html_escaped(out, item, n);
        }
}

/* The biobank a row belongs to, for grouping: a biobank's own id, a collection's prefix, a fact's
 * or a service's parent from the master; NULL for rows of the whole node. malloc()ed. */
static char *biobank_of(const Dataset *local, const char *table, const char *id) {
        if (!table || !id)
                return NULL;
        if (streq(table, "Biobanks"))
                return strdup(id);
        const char *collection = NULL;
        if (streq(table, "Collections"))
                collection = id;
        else if (local && (streq(table, "CollectionFacts") || streq(table, "Services"))) {
                int t = model_table_index(local->model, table);
                const Row *row = t >= 0 ? dataset_find(local, (size_t) t, id) : NULL;
                int c = t >= 0 ? model_column_index(&local->model->tables[t],
                                                    streq(table, "Services") ? "biobank" : "collection")
                               : -1;
                const char *target = row && c >= 0 ? row->cells[c] : NULL;
                if (!target)
                        return NULL;
                if (streq(table, "Services"))
                        return strdup(target);
                collection = target;
        }
        if (!collection)
                return NULL;
        const char *cut = strstr(collection, ":collection:");
        return cut ? strndup(collection, (size_t) (cut - collection)) : NULL;
}

static const char *biobank_name(const Dataset *local, const char *id) {
        int t = local ? model_table_index(local->model, "Biobanks") : -1;
        const Row *row = t >= 0 ? dataset_find(local, (size_t) t, id) : NULL;
        int c = t >= 0 ? model_column_index(&local->model->tables[t], "name") : -1;
        return row && c >= 0 ? row->cells[c] : NULL;
}

/* Groups in order of first appearance; NULL (the whole node) first. */
typedef struct Group {
        char *biobank;
        size_t n_changes, n_findings;
} Group;

static int group_index(Group **groups, size_t *n, char *biobank) {
        for (size_t i = 0; i < *n; i++)
                if (streq_ptr((*groups)[i].biobank, biobank)) {
                        free(biobank);
                        return (int) i;
                }
        Group *g = reallocarray(*groups, *n + 1, sizeof(Group));
        if (!g) {
                free(biobank);
                return -ENOMEM;
        }
        *groups = g;
        g[*n] = (Group) { .biobank = biobank };
        return (int) (*n)++;
}

static void write_change(FILE *out, const Model *model, const Change *c) {
        const ModelTable *t = &model->tables[c->table];
        fprintf(out, "<tr class=\"%s\"><td>%s%s</td><td>", change_kind_to_string(c->kind),
                change_kind_to_string(c->kind), c->blocked ? " (not pushed: errors)" : "");
        html_text(out, t->name);
        fputs("</td><td><code>", out);
        html_text(out, c->id);
        fputs("</code></td><td>", out);
        if (c->kind == CHANGE_CHANGED)
                for (size_t k = 0; k < c->n_columns; k++) {
                        if (c->columns[k].column >= t->n_columns)
                                continue;
                        const ModelColumn *col = &t->columns[c->columns[k].column];
                        fputs("<div><b>", out);
                        html_text(out, col->name);
                        fputs("</b>: ", out);
                        html_cell(out, col, c->columns[k].old_value);
                        fputs(" &rarr; ", out);
                        html_cell(out, col, c->columns[k].new_value);
                        fputs("</div>", out);
                }
        fputs("</td></tr>\n", out);
}

static void write_finding(FILE *out, const Finding *f) {
        fprintf(out, "<tr class=\"%s\"><td>%s</td><td>", severity_to_string(f->severity),
                severity_to_string(f->severity));
        html_text(out, f->table);
        if (f->id) {
                fputs(" <code>", out);
                html_text(out, f->id);
                fputs("</code>", out);
        }
        if (f->column) {
                fputs(" ", out);
                html_text(out, f->column);
        }
        if (f->file) {
                fputs(" <small>", out);
                html_text(out, f->file);
                fprintf(out, ":%u:%u</small>", f->line, f->column_no);
        }
        fputs("</td><td>", out);
        html_text(out, f->message);
        fputs(" <small>(", out);
        html_text(out, f->code);
        fputs(")</small></td></tr>\n", out);
}

int report_to_html(const RunReport *r, char **ret_data, size_t *ret_size) {
        _cleanup_free_ char *summary = report_summary_line(r);
        if (!summary)
                return -ENOMEM;
        const Model *model = r->local ? r->local->model : NULL;
        const Findings *f = r->findings;
        size_t n_changes = r->changes && model ? r->changes->n_changes : 0, n_findings = f ? f->n_items : 0;
        _cleanup_free_ int *change_group = calloc(n_changes ?: 1, sizeof(int));
        _cleanup_free_ int *finding_group = calloc(n_findings ?: 1, sizeof(int));
        Group *groups = NULL;
        size_t n_groups = 0;
        int k = change_group && finding_group ? group_index(&groups, &n_groups, NULL) : -ENOMEM;
        for (size_t i = 0; k >= 0 && i < n_changes; i++) {
                const Change *c = &r->changes->changes[i];
                k = group_index(&groups, &n_groups, biobank_of(r->local, model->tables[c->table].name, c->id));
                if (k >= 0) {
                        change_group[i] = k;
                        groups[k].n_changes++;
                }
        }
        for (size_t i = 0; k >= 0 && i < n_findings; i++) {
                k = group_index(&groups, &n_groups, biobank_of(r->local, f->items[i].table, f->items[i].id));
                if (k >= 0) {
                        finding_group[i] = k;
                        groups[k].n_findings++;
                }
        }
        char *buf = NULL;
        size_t size = 0;
        FILE *out = k >= 0 ? open_memstream(&buf, &size) : NULL;
        if (!out) {
                for (size_t i = 0; i < n_groups; i++)
                        free(groups[i].biobank);
                free(groups);
                return -ENOMEM;
        }
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", out);
        html_text(out, summary);
        fputs("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:72em}"
              "table{border-collapse:collapse;width:100%;margin-bottom:1em}"
              "td{border-top:1px solid #ddd;padding:.3em .5em;vertical-align:top}"
              "tr.error td:first-child{color:#b00;font-weight:bold}tr.warning td:first-child{color:#a60}"
              "tr.added td:first-child{color:#070}tr.removed td:first-child{color:#b00}code{font-size:90%}"
              "</style></head><body>\n<h1>bbmri-dirsync: ",
              out);
        html_text(out, r->command);
        fputs(" ", out);
        html_text(out, r->node);
        fputs("</h1>\n<p><b>", out);
        html_text(out, summary);
        fputs("</b></p>\n", out);
        if (r->error) {
                fputs("<p>Error: ", out);
                html_text(out, r->error);
                fputs("</p>\n", out);
        }
        char stamp[32] = "";
        time_t t = (time_t) (r->finished_usec / 1000000);
        struct tm tm;
        if (gmtime_r(&t, &tm))
                strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);
        fprintf(out, "<p>Finished %s, outcome %s (exit %d), mode %s%s.</p>\n", stamp, r->outcome ?: "?", r->exit_code,
                r->mode ?: "?", r->dry_run ? ", dry run" : "");
        bool any = false;
        for (size_t g = 0; g < n_groups; g++) {
                if (groups[g].n_changes + groups[g].n_findings == 0)
                        continue;
                any = true;
                fputs("<h2>", out);
                if (groups[g].biobank) {
                        const char *name = biobank_name(r->local, groups[g].biobank);
                        html_text(out, name ?: groups[g].biobank);
                        fputs(" <small><code>", out);
                        html_text(out, groups[g].biobank);
                        fputs("</code></small>", out);
                } else
                        fputs("The whole node (persons, networks, the master file)", out);
                fputs("</h2>\n", out);
                if (groups[g].n_changes > 0) {
                        fputs("<h3>Changes</h3>\n<table>\n", out);
                        for (size_t i = 0; i < n_changes; i++)
                                if (change_group[i] == (int) g)
                                        write_change(out, model, &r->changes->changes[i]);
                        fputs("</table>\n", out);
                }
                if (groups[g].n_findings > 0) {
                        fputs("<h3>Findings</h3>\n<table>\n", out);
                        for (size_t i = 0; i < n_findings; i++)
                                if (finding_group[i] == (int) g)
                                        write_finding(out, &f->items[i]);
                        fputs("</table>\n", out);
                }
        }
        if (!any)
                fputs("<p>Nothing changed and nothing is wrong.</p>\n", out);
        fputs("</body></html>\n", out);
        for (size_t i = 0; i < n_groups; i++)
                free(groups[i].biobank);
        free(groups);
        return memstream_done(out, &buf, &size, 0, ret_data, ret_size);
}

/* Rows of the master the push leaves out: an error in them or in a row they depend on. */
static size_t held_back_rows(const Dataset *local) {
        size_t n = 0;
        for (size_t t = 0; local && t < local->model->n_tables; t++)
                for (size_t i = 0; i < local->tables[t].n_rows; i++)
                        n += (local->tables[t].rows[i]->flags & ROW_BLOCKED) != 0;
        return n;
}

int report_to_metrics(const RunReport *r, uint64_t last_success_usec, char **ret_data, size_t *ret_size) {
        DiffTableCounts total = r->changes ? r->changes->total : (DiffTableCounts) {};
        const char *node = r->node ?: "", *command = r->command ?: "";
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        /* Label values are node codes and command names: letters only, nothing to escape. */
#define SERIES(name, help) "# HELP bbmri_dirsync_" name " " help "\n# TYPE bbmri_dirsync_" name " gauge\n"
#define LABELS "{node=\"%s\",command=\"%s\""
        fprintf(out,
                SERIES("last_run_timestamp_seconds", "When the last run finished.")
                "bbmri_dirsync_last_run_timestamp_seconds" LABELS "} %.3f\n"
                SERIES("last_success_timestamp_seconds",
                       "When a sync last pushed, or found nothing to push, without errors (0: never).")
                "bbmri_dirsync_last_success_timestamp_seconds{node=\"%s\",command=\"sync\"} %.3f\n"
                SERIES("last_run_duration_seconds", "How long the last run took.")
                "bbmri_dirsync_last_run_duration_seconds" LABELS "} %.3f\n"
                SERIES("last_run_exit_code", "The last run's exit code (see bbmri-dirsync(8)).")
                "bbmri_dirsync_last_run_exit_code" LABELS "} %d\n"
                SERIES("changes", "Rows that differ from the Directory in the last run.")
                "bbmri_dirsync_changes" LABELS ",kind=\"added\"} %zu\n"
                "bbmri_dirsync_changes" LABELS ",kind=\"changed\"} %zu\n"
                "bbmri_dirsync_changes" LABELS ",kind=\"removed\"} %zu\n"
                "bbmri_dirsync_changes" LABELS ",kind=\"blocked\"} %zu\n"
                SERIES("held_back_rows", "Rows of the master left out of pushes: an error in them or a row they need.")
                "bbmri_dirsync_held_back_rows" LABELS "} %zu\n"
                SERIES("findings", "Problems found in the last run.")
                "bbmri_dirsync_findings" LABELS ",severity=\"error\"} %zu\n"
                "bbmri_dirsync_findings" LABELS ",severity=\"warning\"} %zu\n"
                SERIES("push_requests", "Write requests of the last run's push.")
                "bbmri_dirsync_push_requests" LABELS "} %zu\n"
                SERIES("report_output_failures", "Report outputs the last run could not write (before this file).")
                "bbmri_dirsync_report_output_failures" LABELS "} %zu\n",
                node, command, (double) r->finished_usec / 1e6, node, (double) last_success_usec / 1e6, node, command,
                r->finished_usec > r->started_usec ? (double) (r->finished_usec - r->started_usec) / 1e6 : 0.0, node,
                command, r->exit_code, node, command, total.added, node, command, total.changed, node, command,
                total.removed, node, command, total.blocked, node, command, held_back_rows(r->local), node, command,
                r->findings ? r->findings->n_errors : 0, node, command, r->findings ? r->findings->n_warnings : 0, node,
                command, r->n_requests, node, command, r->n_output_failures);
#undef LABELS
#undef SERIES
        return memstream_done(out, &buf, &size, 0, ret_data, ret_size);
}
