/* SPDX-License-Identifier: MIT */
#include <time.h>

#include "change-text.h"
#include "limits.h"
#include "quality.h"
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
        size_t n_changes;
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

/* What the page says about files: relative to the configuration's folder, where the master and
 * its facts live (an absolute path tells a coordinator nothing on another machine). */
typedef struct HtmlContext {
        FILE *out;
        const RunReport *r;
        const Model *model;
        char *base_dir;       /* the configuration's folder, absolute, or NULL */
        const bool *listed_findings; /* report.max_changes: which findings the page lists */
} HtmlContext;

static void html_file(const HtmlContext *h, const char *file) {
        const char *rel = h->base_dir ? startswith(file, h->base_dir) : NULL;
        html_text(h->out, rel && *rel == '/' ? rel + 1 : file);
}

/* A check id, linked to its explanation at the end of the page when the catalogue knows it. */
static void html_check(const HtmlContext *h, const char *code) {
        if (!code)
                return;
        if (quality_check_info(code)) {
                fputs("<a href=\"#check-", h->out);
                html_text(h->out, code);
                fputs("\"><code>", h->out);
                html_text(h->out, code);
                fputs("</code></a>", h->out);
        } else {
                fputs("<code>", h->out);
                html_text(h->out, code);
                fputs("</code>", h->out);
        }
}

/* Where a finding is: row (table, id, column) and file position. */
static void html_where(const HtmlContext *h, const Finding *f) {
        if (f->table) {
                html_text(h->out, f->table);
                fputs(" ", h->out);
        }
        if (f->id) {
                fputs("<code>", h->out);
                html_text(h->out, f->id);
                fputs("</code> ", h->out);
        }
        if (f->column) {
                fputs("<i>", h->out);
                html_text(h->out, f->column);
                fputs("</i> ", h->out);
        }
        if (f->file) {
                fputs("<small>", h->out);
                html_file(h, f->file);
                if (f->line > 0)
                        fprintf(h->out, ":%u", f->line);
                if (f->column_no > 0)
                        fprintf(h->out, ":%u", f->column_no);
                fputs("</small>", h->out);
        }
}

static bool finding_in(const Finding *f, const Severity *kinds, size_t n_kinds) {
        for (size_t i = 0; i < n_kinds; i++)
                if (f->severity == kinds[i])
                        return true;
        return false;
}

static size_t count_findings(const Findings *f, const Severity *kinds, size_t n_kinds) {
        size_t n = 0;
        for (size_t i = 0; f && i < f->n_items; i++)
                n += finding_in(&f->items[i], kinds, n_kinds);
        return n;
}

static void html_finding_row(const HtmlContext *h, const Finding *x, size_t n_repeated) {
        const char *kind = severity_to_string(x->severity);
        fprintf(h->out, "<tr class=\"%s%s\"><td>%s</td><td>", severity_is_quality(x->severity) ? "quality" : kind,
                n_repeated > 0 ? " grouped" : "", kind);
        html_where(h, x);
        fputs("</td><td>", h->out);
        if (n_repeated > 0)
                fprintf(h->out, "<b>%zu &times;</b> ", n_repeated);
        html_text(h->out, x->message);
        fputs("</td><td>", h->out);
        html_check(h, x->code);
        fputs("</td>", h->out);
}

static int compare_by_check(const void *a, const void *b, void *userdata) {
        const Finding *items = userdata;
        size_t i = *(const size_t *) a, k = *(const size_t *) b;
        int r = strcmp(items[i].code ?: "", items[k].code ?: "");
        if (r == 0 && items[i].severity != items[k].severity)
                r = items[i].severity < items[k].severity ? -1 : 1;
        return r != 0 ? r : i < k ? -1 : 1;
}

/* The findings of the kinds given, in order; a check's findings repeated more than
 * LIMIT_FINDINGS_REPEATED times are one row where the first stood, with the count, and the rest
 * folded under it, as on the console. */
static void html_findings_table(const HtmlContext *h, const Severity *kinds, size_t n_kinds) {
        const Findings *f = h->r->findings;
        fputs("<table>\n<thead><tr><th>Kind</th><th>Where</th><th>Problem</th><th>Check</th></tr></thead>\n<tbody>\n",
              h->out);
        size_t n = 0;
        _cleanup_free_ size_t *order = f && f->n_items ? reallocarray(NULL, f->n_items, sizeof(size_t)) : NULL;
        /* At a group's first: where its members start in order[], and how many; SIZE_MAX: folded. */
        _cleanup_free_ size_t *group_start = f && f->n_items ? calloc(f->n_items, sizeof(size_t)) : NULL;
        _cleanup_free_ size_t *group_size = f && f->n_items ? calloc(f->n_items, sizeof(size_t)) : NULL;
        for (size_t i = 0; order && f && i < f->n_items; i++)
                if (finding_in(&f->items[i], kinds, n_kinds) && h->listed_findings[i])
                        order[n++] = i;
        if (order && group_start && group_size) {
                qsort_r(order, n, sizeof(size_t), compare_by_check, f->items);
                for (size_t i = 0, j; i < n; i = j) {
                        const Finding *a = &f->items[order[i]];
                        for (j = i + 1; j < n && a->code && streq_ptr(a->code, f->items[order[j]].code) &&
                                        a->severity == f->items[order[j]].severity;
                             j++)
                                ;
                        if (!a->code || j - i <= LIMIT_FINDINGS_REPEATED)
                                continue;
                        group_start[order[i]] = i;
                        group_size[order[i]] = j - i;
                        for (size_t k = i + 1; k < j; k++)
                                group_size[order[k]] = SIZE_MAX;
                }
        }
        for (size_t i = 0; f && i < f->n_items; i++) {
                const Finding *x = &f->items[i];
                if (!finding_in(x, kinds, n_kinds) || !h->listed_findings[i])
                        continue;
                size_t g = group_size ? group_size[i] : 0;
                if (g == SIZE_MAX)
                        continue;
                html_finding_row(h, x, g);
                fputs("</tr>\n", h->out);
                if (g == 0)
                        continue;
                /* The rest as a list (no table in a table): where each one is, and what. */
                fprintf(h->out, "<tr class=\"folded\"><td></td><td colspan=\"3\"><details><summary>%zu more</summary>"
                        "<ul>\n", g - 1);
                for (size_t k = group_start[i] + 1; k < group_start[i] + g; k++) {
                        const Finding *m = &f->items[order[k]];
                        fputs("<li>", h->out);
                        html_where(h, m);
                        fputs(": ", h->out);
                        html_text(h->out, m->message);
                        fputs("</li>\n", h->out);
                }
                fputs("</ul></details></td></tr>\n", h->out);
        }
        fputs("</tbody></table>\n", h->out);
}

/* Whether the run pushed this change. */
static bool change_pushed(const RunReport *r, const Change *c) {
        return r->pushed && r->verified && !c->blocked && !(c->kind == CHANGE_REMOVED && r->deletions == DELETIONS_KEEP);
}

static const char *change_status(const RunReport *r, const Change *c) {
        if (c->blocked)
                return "held back";
        if (c->kind == CHANGE_REMOVED && r->deletions == DELETIONS_KEEP)
                return "kept";
        if (change_pushed(r, c))
                return "pushed";
        if (r->dry_run)
                return "not pushed (dry run)";
        if (streq_ptr(r->command, "diff"))
                return "not pushed (diff)";
        if (streq_ptr(r->mode, "report"))
                return "not pushed (report mode)";
        return "not pushed";
}

/* The values of a change: added rows all their values, changed rows old → new, removed rows what
 * the policy does. */
static void html_change_values(const HtmlContext *h, const Change *c) {
        const ModelTable *t = &h->model->tables[c->table];
        if (c->kind == CHANGE_REMOVED) {
                fprintf(h->out, "%s", c->kind == CHANGE_REMOVED && h->r->deletions == DELETIONS_KEEP
                                              ? "kept in the Directory (push.deletions: keep)"
                                      : h->r->deletions == DELETIONS_DELETE
                                              ? "deleted from the Directory (push.deletions: delete)"
                                              : "withdrawn: withdrawn=true, the row stays (push.deletions: withdraw)");
                return;
        }
        for (size_t k = 0; k < c->n_columns; k++) {
                if (c->columns[k].column >= t->n_columns)
                        continue;
                const ModelColumn *col = &t->columns[c->columns[k].column];
                fputs("<div><b>", h->out);
                html_text(h->out, col->name);
                fputs("</b>: ", h->out);
                if (c->kind == CHANGE_CHANGED) {
                        html_cell(h->out, col, c->columns[k].old_value);
                        fputs(" &rarr; ", h->out);
                }
                html_cell(h->out, col, c->columns[k].new_value);
                fputs("</div>", h->out);
        }
}

static void html_changes_head(FILE *out) {
        /* Fixed columns: the tables of every biobank line up. */
        fputs("<table class=\"changes\"><colgroup><col style=\"width:8em\"><col style=\"width:9em\">"
              "<col style=\"width:22em\"><col><col style=\"width:13em\"></colgroup>\n<thead><tr><th>Action</th><th>Table</th><th>Id</th><th>Values</th><th>Status</th></tr></thead>\n"
              "<tbody>\n",
              out);
}

static void html_change(const HtmlContext *h, const Change *c) {
        const char *status = change_status(h->r, c);
        fprintf(h->out, "<tr class=\"%s\"><td>%s</td><td class=\"table\">", change_pushed(h->r, c) ? "pushed" : "not-pushed",
                change_action(c->kind, h->r->deletions));
        html_text(h->out, h->model->tables[c->table].name);
        fputs("</td><td><code>", h->out);
        html_text(h->out, c->id);
        fputs("</code></td><td>", h->out);
        html_change_values(h, c);
        fputs("</td><td>", h->out);
        if (c->blocked) {
                _cleanup_free_ char *why = change_held_back_reason(h->model, c, h->r->findings, true);
                fputs("held back: ", h->out);
                html_text(h->out, why ?: "it has errors");
        } else
                fputs(status, h->out);
        fputs("</td></tr>\n", h->out);
}

/* The catalogue's explanation of every check the page names. */
static void html_check_explanations(const HtmlContext *h) {
        const Findings *f = h->r->findings;
        bool any = false;
        for (size_t i = 0; f && i < quality_check_count(); i++) {
                const QualityCheckInfo *info = quality_check_at(i);
                bool named = false;
                for (size_t j = 0; !named && j < f->n_items; j++)
                        named = streq_ptr(f->items[j].code, info->id);
                if (!named)
                        continue;
                if (!any)
                        fputs("<h2 id=\"checks\">About the checks</h2>\n<dl>\n", h->out);
                any = true;
                fputs("<dt id=\"check-", h->out);
                html_text(h->out, info->id);
                fputs("\"><code>", h->out);
                html_text(h->out, info->id);
                fprintf(h->out, "</code> (%s, %s)</dt>\n<dd>", severity_to_string(info->level), info->table);
                html_text(h->out, info->summary);
                fputs(" <b>How to fix:</b> ", h->out);
                html_text(h->out, info->fix);
                fputs("</dd>\n", h->out);
        }
        if (any)
                fputs("</dl>\n", h->out);
}

/* Pushed changes the published Directory does not show after the grace: the central job may have
 * left them out. */
static void html_unpublished(FILE *out, const RunReport *r) {
        const PublicationWatch *w = r->publication;
        char grace[64];
        fprintf(out, "<h2 id=\"unpublished\" class=\"quality\">Pushed, not yet published (%zu)</h2>\n<p>The published "
                "Directory does not show these changes %s or longer after they were pushed%s; the central job that "
                "publishes the staging area may have left them out.</p>\n",
                w->n_overdue, format_timespan(grace, sizeof grace, r->publication_grace_usec),
                r->publication_checked ? "" : " (as the last sync found)");
        fputs("<table><thead><tr><th>Table</th><th>Id</th><th>Pushed</th></tr></thead>\n<tbody>\n", out);
        size_t max = report_max_listed(r), listed = 0;
        for (size_t i = 0; i < w->n_items && listed < max; i++) {
                if (!w->items[i].overdue)
                        continue;
                listed++;
                char stamp[32] = "";
                time_t t = (time_t) (w->items[i].pushed_usec / 1000000);
                struct tm tm;
                if (gmtime_r(&t, &tm))
                        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M UTC", &tm);
                fputs("<tr class=\"warning\"><td>", out);
                html_text(out, w->items[i].table);
                fputs("</td><td><code>", out);
                html_text(out, w->items[i].id);
                fprintf(out, "</code></td><td>%s</td></tr>\n", stamp);
        }
        fputs("</tbody></table>\n", out);
        if (listed < w->n_overdue)
                fprintf(out, "<p>%zu more not listed (report.max_changes).</p>\n", w->n_overdue - listed);
}

/* One line of the summary table: a count that links to its section (plain when there is none). */
static void html_summary_row(FILE *out, const char *cls, const char *label, size_t n, const char *anchor) {
        fprintf(out, "<tr class=\"%s\"><td>%s</td><td>", cls, label);
        if (n > 0)
                fprintf(out, "<a href=\"#%s\">%zu</a>", anchor, n);
        else
                fputs("0", out);
        fputs("</td></tr>\n", out);
}

int report_to_html(const RunReport *r, char **ret_data, size_t *ret_size) {
        _cleanup_free_ char *summary = report_summary_line(r);
        if (!summary)
                return -ENOMEM;
        const Model *model = r->local ? r->local->model : NULL;
        const Findings *f = r->findings;
        size_t n_changes = r->changes && model ? r->changes->n_changes : 0;
        size_t n_findings = f ? f->n_items : 0;
        /* Only what the page lists is grouped: report.max_changes bounds the page's size and time. */
        _cleanup_(report_listing_done) ReportListing listing = {};
        _cleanup_free_ int *change_group = calloc(n_changes ?: 1, sizeof(int));
        _cleanup_free_ size_t *by_group = calloc(n_changes ?: 1, sizeof(size_t));
        Group *groups = NULL;
        size_t n_groups = 0, n_blocked = 0;
        int k = change_group && by_group && report_listing_init(&listing, r) >= 0
                        ? group_index(&groups, &n_groups, NULL)
                        : -ENOMEM;
        const bool *listed = listing.changes;
        for (size_t i = 0; k >= 0 && i < n_changes; i++) {
                const Change *c = &r->changes->changes[i];
                n_blocked += c->blocked;
                if (!listed[i])
                        continue;
                k = group_index(&groups, &n_groups, biobank_of(r->local, model->tables[c->table].name, c->id));
                if (k >= 0) {
                        change_group[i] = k;
                        groups[k].n_changes++;
                }
        }
        /* The listed changes ordered by group (a counting sort): group g's are
         * by_group[group_start[g] .. group_start[g + 1]). */
        _cleanup_free_ size_t *group_start = k >= 0 ? calloc(n_groups + 1, sizeof(size_t)) : NULL;
        _cleanup_free_ size_t *group_fill = k >= 0 ? calloc(n_groups ?: 1, sizeof(size_t)) : NULL;
        if (!group_start || !group_fill)
                k = -ENOMEM;
        for (size_t g = 0; k >= 0 && g < n_groups; g++)
                group_start[g + 1] = group_start[g] + groups[g].n_changes;
        for (size_t g = 0; k >= 0 && g < n_groups; g++)
                group_fill[g] = group_start[g];
        for (size_t i = 0; k >= 0 && i < n_changes; i++)
                if (listed[i])
                        by_group[group_fill[change_group[i]]++] = i;
        char *buf = NULL;
        size_t size = 0;
        FILE *out = k >= 0 ? open_memstream(&buf, &size) : NULL;
        _cleanup_free_ char *config_dir = r->config_path ? path_dirname(r->config_path) : NULL;
        HtmlContext h = { .out = out, .r = r, .model = model, .base_dir = config_dir ? realpath(config_dir, NULL) : NULL,
                          .listed_findings = listing.findings };
        if (!out) {
                for (size_t i = 0; i < n_groups; i++)
                        free(groups[i].biobank);
                free(groups);
                free(h.base_dir);
                return -ENOMEM;
        }
        static const Severity errors[] = { SEVERITY_ERROR }, quality_errors[] = { SEVERITY_QUALITY_ERROR },
                              warnings[] = { SEVERITY_WARNING, SEVERITY_QUALITY_WARNING },
                              infos[] = { SEVERITY_INFO, SEVERITY_QUALITY_INFO };
        size_t n_errors = count_findings(f, errors, ELEMENTSOF(errors)),
               n_quality_errors = count_findings(f, quality_errors, ELEMENTSOF(quality_errors)),
               n_warnings = count_findings(f, warnings, ELEMENTSOF(warnings)),
               n_infos = count_findings(f, infos, ELEMENTSOF(infos));

        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", out);
        html_text(out, summary);
        /* Colours by meaning: red errors, amber quality, green pushed, grey not pushed. */
        fputs("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:80em;color:#222}"
              "table{border-collapse:collapse;width:100%;margin-bottom:1em}"
              "th{text-align:left;background:#f0f0f0;padding:.3em .5em}"
              "td{border-top:1px solid #ddd;padding:.3em .5em;vertical-align:top;overflow-wrap:anywhere}"
              "td:first-child,td:last-child code,td.table{white-space:nowrap;overflow-wrap:normal}"
              "table.changes{table-layout:fixed}table.summary{width:auto}table.summary td:last-child{text-align:right;font-weight:bold}"
              "tr.error td:first-child{color:#b00;font-weight:bold}tr.quality td:first-child{color:#b36b00;font-weight:bold}"
              "tr.warning td:first-child{color:#b36b00}tr.pushed td:first-child{color:#070;font-weight:bold}"
              "tr.not-pushed td:first-child{color:#666;font-weight:bold}tr.info td:first-child{color:#555}"
              "h2.error{color:#b00}h2.quality{color:#b36b00}code{font-size:90%}"
              "details{margin:.5em 0}summary{cursor:pointer;font-weight:bold}dt{margin-top:.5em}"
              "</style></head><body>\n<h1>bbmri-dirsync: ",
              out);
        html_text(out, r->command);
        fputs(" ", out);
        html_text(out, r->node);
        fputs("</h1>\n<p><b>", out);
        html_text(out, summary);
        fputs("</b></p>\n", out);
        if (r->error) {
                fputs("<p class=\"error\">Error: ", out);
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

        const DiffTableCounts total = r->changes ? r->changes->total : (DiffTableCounts) {};
        fputs("<table class=\"summary\">\n<thead><tr><th>What</th><th>Count</th></tr></thead>\n<tbody>\n", out);
        html_summary_row(out, "error", "Errors", n_errors, "errors");
        html_summary_row(out, "not-pushed", "Rows held back", n_blocked, "held-back");
        html_summary_row(out, "quality", "Quality errors", n_quality_errors, "quality-errors");
        const char *change_class = r->pushed && r->verified ? "pushed" : "not-pushed";
        html_summary_row(out, change_class, "Rows added", total.added, "changes");
        html_summary_row(out, change_class, "Rows changed", total.changed, "changes");
        html_summary_row(out, change_class, "Rows removed", total.removed, "changes");
        size_t n_unpublished = r->publication ? r->publication->n_overdue : 0;
        if (r->publication)
                html_summary_row(out, "quality", "Pushed, not yet published", n_unpublished, "unpublished");
        html_summary_row(out, "warning", "Warnings", n_warnings, "warnings");
        html_summary_row(out, "info", "Infos", n_infos, "infos");
        fputs("</tbody></table>\n", out);

        /* What needs action first: errors, held-back rows, then quality errors. */
        if (n_errors > 0) {
                fprintf(out, "<h2 id=\"errors\" class=\"error\">Errors (%zu): fix these in the master</h2>\n", n_errors);
                html_findings_table(&h, errors, ELEMENTSOF(errors));
        }
        if (n_blocked > 0) {
                fprintf(out, "<h2 id=\"held-back\" class=\"error\">Rows held back (%zu): not pushed until what holds them back "
                        "is fixed</h2>\n", n_blocked);
                html_changes_head(out);
                for (size_t i = 0; i < n_changes; i++)
                        if (r->changes->changes[i].blocked && listed[i])
                                html_change(&h, &r->changes->changes[i]);
                fputs("</tbody></table>\n", out);
        }
        if (n_quality_errors > 0) {
                fprintf(out, "<h2 id=\"quality-errors\" class=\"quality\">Quality errors (%zu)</h2>\n", n_quality_errors);
                html_findings_table(&h, quality_errors, ELEMENTSOF(quality_errors));
        }

        if (n_unpublished > 0)
                html_unpublished(out, r);

        /* Then the changes, per biobank (rows of the whole node first). */
        if (n_changes > n_blocked) {
                fputs("<h2 id=\"changes\">Changes</h2>\n", out);
                for (size_t g = 0; g < n_groups; g++) {
                        size_t shown = 0;
                        for (size_t j = group_start[g]; j < group_start[g + 1]; j++)
                                shown += !r->changes->changes[by_group[j]].blocked;
                        if (shown == 0)
                                continue;
                        fputs("<h3>", out);
                        if (groups[g].biobank) {
                                const char *name = biobank_name(r->local, groups[g].biobank);
                                html_text(out, name ?: groups[g].biobank);
                                fputs(" <small><code>", out);
                                html_text(out, groups[g].biobank);
                                fputs("</code></small>", out);
                        } else
                                fputs("The whole node (persons, networks, the master file)", out);
                        fputs("</h3>\n", out);
                        html_changes_head(out);
                        for (size_t j = group_start[g]; j < group_start[g + 1]; j++)
                                if (!r->changes->changes[by_group[j]].blocked)
                                        html_change(&h, &r->changes->changes[by_group[j]]);
                        fputs("</tbody></table>\n", out);
                }
        }
        if (listing.n_changes < n_changes || listing.n_findings < n_findings + (f ? f->n_dropped : 0))
                fprintf(out, "<p class=\"not-listed\" id=\"not-listed\">This page lists %zu of %zu changes and %zu of %zu "
                        "findings (report.max_changes: %zu); the counts above include them all.</p>\n",
                        listing.n_changes, n_changes, listing.n_findings, n_findings + (f ? f->n_dropped : 0),
                        r->listing_bounded ? r->max_listed : (size_t) LIMIT_FINDINGS);

        /* Warnings and infos last, folded. */
        if (n_warnings > 0) {
                fprintf(out, "<details id=\"warnings\"><summary>Warnings (%zu)</summary>\n", n_warnings);
                html_findings_table(&h, warnings, ELEMENTSOF(warnings));
                fputs("</details>\n", out);
        }
        if (n_infos > 0) {
                fprintf(out, "<details id=\"infos\"><summary>Infos (%zu)</summary>\n", n_infos);
                html_findings_table(&h, infos, ELEMENTSOF(infos));
                fputs("</details>\n", out);
        }
        if (n_changes + n_errors + n_quality_errors + n_warnings + n_infos + n_unpublished == 0)
                fputs("<p>Nothing changed and nothing is wrong.</p>\n", out);
        html_check_explanations(&h);
        fputs("</body></html>\n", out);
        for (size_t i = 0; i < n_groups; i++)
                free(groups[i].biobank);
        free(groups);
        free(h.base_dir);
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
                SERIES("held_back_rows", "Rows of the master left out of pushes: an error in them or a row they need, or the quality policy.")
                "bbmri_dirsync_held_back_rows" LABELS "} %zu\n"
                SERIES("findings", "Problems found in the last run.")
                "bbmri_dirsync_findings" LABELS ",severity=\"error\"} %zu\n"
                "bbmri_dirsync_findings" LABELS ",severity=\"warning\"} %zu\n"
                "bbmri_dirsync_findings" LABELS ",severity=\"quality_error\"} %zu\n"
                "bbmri_dirsync_findings" LABELS ",severity=\"quality_warning\"} %zu\n"
                "bbmri_dirsync_findings" LABELS ",severity=\"quality_info\"} %zu\n"
                SERIES("push_requests", "Write requests of the last run's push.")
                "bbmri_dirsync_push_requests" LABELS "} %zu\n"
                SERIES("report_output_failures", "Report outputs the last run could not write (before this file).")
                "bbmri_dirsync_report_output_failures" LABELS "} %zu\n"
                SERIES("unpublished_changes",
                       "Changes pushed longer than publication.grace ago that the published Directory does not show "
                       "(as the last sync found).")
                "bbmri_dirsync_unpublished_changes" LABELS "} %zu\n",
                node, command, (double) r->finished_usec / 1e6, node, (double) last_success_usec / 1e6, node, command,
                r->finished_usec > r->started_usec ? (double) (r->finished_usec - r->started_usec) / 1e6 : 0.0, node,
                command, r->exit_code, node, command, total.added, node, command, total.changed, node, command,
                total.removed, node, command, total.blocked, node, command, held_back_rows(r->local), node, command,
                r->findings ? r->findings->n_errors : 0, node, command, r->findings ? r->findings->n_warnings : 0, node,
                command, r->findings ? r->findings->n_quality_errors : 0, node, command,
                r->findings ? r->findings->n_quality_warnings : 0, node, command,
                r->findings ? r->findings->n_quality_infos : 0, node, command, r->n_requests, node, command, r->n_output_failures, node, command,
                r->publication ? r->publication->n_overdue : 0);
#undef LABELS
#undef SERIES
        return memstream_done(out, &buf, &size, 0, ret_data, ret_size);
}
