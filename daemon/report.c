/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <time.h>

#include "report.h"

static json_t *time_json(uint64_t usec) {
        if (usec == 0)
                return json_null();
        time_t t = (time_t) (usec / 1000000ULL);
        struct tm tm;
        char buf[32];
        if (!gmtime_r(&t, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return json_null();
        return json_string(buf);
}

static json_t *string_or_null(const char *s) {
        return s ? json_string(s) : json_null();
}

/* A cell as JSON: list cells as arrays of items, scalars as strings, missing as null. */
static json_t *cell_json(const ModelColumn *col, const char *cell) {
        if (!cell)
                return json_null();
        if (!column_type_is_list(col->type))
                return json_string(cell);
        json_t *a = json_array();
        const char *state = cell, *item;
        size_t n;
        while (a && dataset_list_next(&state, &item, &n))
                json_array_append_new(a, json_stringn(item, n));
        return a;
}

static json_t *changes_json(const RunReport *r) {
        json_t *list = json_array();
        if (!r->changes || !r->local || !list)
                return list;
        const Model *model = r->local->model;
        for (size_t i = 0; i < r->changes->n_changes; i++) {
                const Change *c = &r->changes->changes[i];
                const ModelTable *t = &model->tables[c->table];
                json_t *columns = json_array();
                for (size_t k = 0; k < c->n_columns; k++) {
                        const ModelColumn *col = &t->columns[c->columns[k].column];
                        json_array_append_new(columns, json_pack("{s:s, s:o, s:o}", "column", col->name, "old",
                                                                 cell_json(col, c->columns[k].old_value), "new",
                                                                 cell_json(col, c->columns[k].new_value)));
                }
                json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:o}", "kind", change_kind_to_string(c->kind),
                                                      "table", t->name, "id", c->id, "blocked", c->blocked, "columns",
                                                      columns));
        }
        return list;
}

static json_t *findings_json(const Findings *f) {
        json_t *list = json_array();
        for (size_t i = 0; f && list && i < f->n_items; i++) {
                const Finding *x = &f->items[i];
                json_array_append_new(
                        list, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "severity",
                                        severity_to_string(x->severity), "code", string_or_null(x->code), "table",
                                        string_or_null(x->table), "id", string_or_null(x->id), "column",
                                        string_or_null(x->column), "file", string_or_null(x->file), "line",
                                        x->file ? json_integer(x->line) : json_null(), "column_number",
                                        x->file && x->column_no ? json_integer(x->column_no) : json_null(), "message",
                                        x->message));
        }
        return list;
}

static json_t *tables_json(const RunReport *r) {
        json_t *o = json_object();
        if (!r->changes || !r->local || !o)
                return o;
        const Model *model = r->local->model;
        for (size_t t = 0; t < model->n_tables; t++) {
                const DiffTableCounts *c = &r->changes->per_table[t];
                json_object_set_new(o, model->tables[t].name,
                                    json_pack("{s:I, s:I, s:I, s:I}", "added", (json_int_t) c->added, "changed",
                                              (json_int_t) c->changed, "removed", (json_int_t) c->removed, "unchanged",
                                              (json_int_t) c->unchanged));
        }
        return o;
}

int report_to_json(const RunReport *r, char **ret_data, size_t *ret_size) {
        DiffTableCounts total = r->changes ? r->changes->total : (DiffTableCounts) {};
        json_t *phases = json_array();
        for (size_t i = 0; phases && i < r->n_phases; i++)
                json_array_append_new(phases, json_pack("{s:s, s:f}", "name", r->phases[i].name, "seconds",
                                                        (double) r->phases[i].usec / 1e6));
        double duration = r->finished_usec > r->started_usec ? (double) (r->finished_usec - r->started_usec) / 1e6 : 0;
        json_t *j = json_pack(
                "{s:i, s:{s:s, s:o}, s:o, s:o, s:o, s:b, s:o, s:{s:o, s:o}, s:o, s:o, s:f, s:o,"
                " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o,"
                " s:{s:b, s:I, s:I, s:I, s:b}, s:{s:I, s:o, s:b}, s:o, s:i, s:o}",
                "format_version", REPORT_FORMAT_VERSION,
                "program", "name", "bbmri-dirsync", "version", string_or_null(r->program_version),
                "command", string_or_null(r->command),
                "node", string_or_null(r->node),
                "mode", string_or_null(r->mode),
                "dry_run", r->dry_run,
                "against", string_or_null(r->against),
                "config", "path", string_or_null(r->config_path), "digest", string_or_null(r->config_digest),
                "started", time_json(r->started_usec),
                "finished", time_json(r->finished_usec),
                "duration_seconds", duration,
                "phases", phases,
                "counts", "added", (json_int_t) total.added, "changed", (json_int_t) total.changed, "removed",
                (json_int_t) total.removed, "unchanged", (json_int_t) total.unchanged, "blocked",
                (json_int_t) total.blocked, "errors", (json_int_t) (r->findings ? r->findings->n_errors : 0),
                "warnings", (json_int_t) (r->findings ? r->findings->n_warnings : 0), "infos",
                (json_int_t) (r->findings ? r->findings->n_infos : 0),
                "tables", tables_json(r),
                "changes", changes_json(r),
                "findings", findings_json(r->findings),
                "push", "attempted", r->pushed, "requests", (json_int_t) r->n_requests, "applied_upserts",
                (json_int_t) r->n_applied_upserts, "applied_deletes", (json_int_t) r->n_applied_deletes, "verified",
                r->verified,
                "guard", "removals", (json_int_t) r->guard_removals, "limit",
                r->guard_limited ? json_integer((json_int_t) r->guard_limit) : json_null(), "refused",
                r->guard_refused,
                "outcome", string_or_null(r->outcome),
                "exit_code", r->exit_code,
                "error", string_or_null(r->error));
        if (!j)
                return -ENOMEM;
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        if (!s)
                return -ENOMEM;
        char *with_newline = strdup_printf("%s\n", s);
        free(s);
        if (!with_newline)
                return -ENOMEM;
        *ret_size = strlen(with_newline);
        *ret_data = with_newline;
        return 0;
}

static const char *plural(size_t n, const char *one, const char *many) {
        return n == 1 ? one : many;
}

/* The one line a person reads at a glance. Variants:
 *   check BE: 19 biobanks, 35 collections, 0 errors, 2 warnings
 *   diff BE: 2 added, 3 changed, 0 removed (against staging)
 *   sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 warnings; pushed in 1 request (0.8 s)
 *   ...; not pushed (report mode) | (dry run) | (nothing to push) | (removal guard) | (failed: why)
 */
char *report_summary_line(const RunReport *r) {
        const char *node = r->node ?: "?";
        size_t errors = r->findings ? r->findings->n_errors : 0, warnings = r->findings ? r->findings->n_warnings : 0;
        if (r->command && streq(r->command, "check")) {
                size_t biobanks = 0, collections = 0;
                if (r->local) {
                        int b = model_table_index(r->local->model, "Biobanks"),
                            c = model_table_index(r->local->model, "Collections");
                        biobanks = b >= 0 ? r->local->tables[b].n_rows : 0;
                        collections = c >= 0 ? r->local->tables[c].n_rows : 0;
                }
                return strdup_printf("check %s: %zu %s, %zu %s, %zu %s, %zu %s", node, biobanks,
                                     plural(biobanks, "biobank", "biobanks"), collections,
                                     plural(collections, "collection", "collections"), errors,
                                     plural(errors, "error", "errors"), warnings, plural(warnings, "warning", "warnings"));
        }
        DiffTableCounts t = r->changes ? r->changes->total : (DiffTableCounts) {};
        if (r->command && streq(r->command, "diff")) {
                if (r->error)
                        return strdup_printf("diff %s: failed: %s", node, r->error);
                return strdup_printf("diff %s: %zu added, %zu changed, %zu removed (against %s)", node, t.added, t.changed,
                                     t.removed, r->against ?: "staging");
        }
        double seconds = r->finished_usec > r->started_usec ? (double) (r->finished_usec - r->started_usec) / 1e6 : 0;
        _cleanup_free_ char *tail = NULL;
        if (r->guard_refused)
                tail = strdup("not pushed (removal guard)");
        else if (r->pushed && r->error)
                tail = strdup_printf("push failed: %s", r->error);
        else if (r->pushed)
                tail = strdup_printf("pushed in %zu %s (%.1f s)", r->n_requests, plural(r->n_requests, "request", "requests"),
                                     seconds);
        else if (r->error)
                tail = strdup_printf("not pushed (failed: %s)", r->error);
        else if (r->dry_run)
                tail = strdup("not pushed (dry run)");
        else if (r->mode && streq(r->mode, "report"))
                tail = strdup("not pushed (report mode)");
        else
                tail = strdup("nothing to push");
        if (!tail)
                return NULL;
        return strdup_printf("%s %s: %zu added, %zu changed, %zu removed, %zu %s, %zu %s; %s", r->command ?: "sync", node,
                             t.added, t.changed, t.removed, errors, plural(errors, "error", "errors"), warnings,
                             plural(warnings, "warning", "warnings"), tail);
}
