/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <pthread.h>
#include <time.h>

#include "push-journal.h"
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

/* A JSON string of text that should be UTF-8 (remote data need not be): a bad byte becomes
 * U+FFFD rather than losing the whole entry. */
static json_t *text_json(const char *s, size_t n) {
        size_t bad;
        if (utf8_is_valid(s, n, &bad))
                return json_stringn_nocheck(s, n); /* checked just now */
        char *buf = malloc(n * 3 + 1);
        if (!buf)
                return NULL;
        size_t k = 0, i = 0;
        while (i < n) {
                size_t rest = n - i;
                if (utf8_is_valid(s + i, rest, &bad)) {
                        memcpy(buf + k, s + i, rest);
                        k += rest;
                        break;
                }
                memcpy(buf + k, s + i, bad);
                k += bad;
                memcpy(buf + k, "\xef\xbf\xbd", 3);
                k += 3;
                i += bad + 1;
        }
        json_t *j = json_stringn(buf, k);
        free(buf);
        return j;
}

static json_t *string_or_null(const char *s) {
        return s ? text_json(s, strlen(s)) : json_null();
}

/* A cell as JSON: list cells as arrays of items, scalars as strings, missing as null. */
static json_t *cell_json(const ModelColumn *col, const char *cell) {
        if (!cell)
                return json_null();
        if (!column_type_is_list(col->type))
                return text_json(cell, strlen(cell));
        json_t *a = json_array();
        const char *state = cell, *item;
        size_t n;
        while (a && dataset_list_next(&state, &item, &n))
                json_array_append_new(a, text_json(item, n));
        return a;
}

/* Appends item to list; on failure (item NULL or out of memory) drops the list and returns false,
 * so a report is complete or not made at all. */
static bool append(json_t **list, json_t *item) {
        if (!*list || !item || json_array_append_new(*list, item) < 0) {
                json_decref(*list);
                *list = NULL;
                return false;
        }
        return true;
}

static json_t *change_columns_json(const ModelTable *t, const Change *c) {
        json_t *columns = json_array();
        for (size_t k = 0; columns && k < c->n_columns; k++) {
                if (c->columns[k].column >= t->n_columns)
                        continue;
                const ModelColumn *col = &t->columns[c->columns[k].column];
                if (!append(&columns, json_pack("{s:o, s:o, s:o}", "column", string_or_null(col->name), "old",
                                                cell_json(col, c->columns[k].old_value), "new",
                                                cell_json(col, c->columns[k].new_value))))
                        break;
        }
        return columns;
}

size_t report_max_listed(const RunReport *r) {
        return r->listing_bounded ? r->max_listed : SIZE_MAX;
}

static size_t listed_changes(const RunReport *r, bool *listed) {
        size_t n = r->changes && r->local ? r->changes->n_changes : 0, k = 0, max = report_max_listed(r);
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n; i++) {
                        const Change *c = &r->changes->changes[i];
                        if (c->blocked == (pass == 0) && c->table < r->local->model->n_tables) {
                                listed[i] = k < max;
                                k += listed[i];
                        }
                }
        return k;
}

static size_t listed_findings(const RunReport *r, bool *listed) {
        static const Severity order[] = { SEVERITY_ERROR,   SEVERITY_QUALITY_ERROR, SEVERITY_QUALITY_WARNING,
                                          SEVERITY_WARNING, SEVERITY_QUALITY_INFO,  SEVERITY_INFO };
        const Findings *f = r->findings;
        size_t n = f ? f->n_items : 0, k = 0, max = report_max_listed(r);
        for (size_t s = 0; s < ELEMENTSOF(order); s++)
                for (size_t i = 0; i < n; i++)
                        if (f->items[i].severity == order[s]) {
                                listed[i] = k < max;
                                k += listed[i];
                        }
        return k;
}

int report_listing_init(ReportListing *l, const RunReport *r) {
        size_t n_changes = r->changes && r->local ? r->changes->n_changes : 0;
        size_t n_findings = r->findings ? r->findings->n_items : 0;
        *l = (ReportListing) { .changes = calloc(n_changes ?: 1, sizeof(bool)),
                               .findings = calloc(n_findings ?: 1, sizeof(bool)) };
        if (!l->changes || !l->findings) {
                report_listing_done(l);
                return -ENOMEM;
        }
        l->n_changes = listed_changes(r, l->changes);
        l->n_findings = listed_findings(r, l->findings);
        return 0;
}

void report_listing_done(ReportListing *l) {
        l->changes = mfree(l->changes);
        l->findings = mfree(l->findings);
}

/* The findings that hold rows back (errors, and the quality errors the policy holds against their
 * row), by "table\x1fid": read once for all the held-back changes listed. */
typedef struct HeldBackIndex {
        StrMap *first; /* "table\x1fid" -> index of its first such finding + 1 */
        size_t *next;  /* per finding: the index of the row's next one + 1, or 0 */
        Arena keys;
} HeldBackIndex;

static void held_back_index_done(HeldBackIndex *h) {
        strmap_free(h->first);
        free(h->next);
        arena_done(&h->keys);
}

static char *row_key(Arena *arena, const char *table, const char *id) {
        size_t a = strlen(table), b = strlen(id);
        char *key = arena_alloc(arena, a + b + 2);
        if (key) {
                memcpy(key, table, a);
                key[a] = DATASET_LIST_SEP;
                memcpy(key + a + 1, id, b + 1);
        }
        return key;
}

static int held_back_index_build(HeldBackIndex *h, const Findings *f) {
        size_t n = f ? f->n_items : 0;
        *h = (HeldBackIndex) { .first = strmap_new(), .next = calloc(n ?: 1, sizeof(size_t)) };
        arena_init(&h->keys);
        if (!h->first || !h->next)
                return -ENOMEM;
        /* Backwards, so that each row's chain lists its findings in the report's order. */
        for (size_t i = n; i-- > 0;) {
                const Finding *x = &f->items[i];
                if ((x->severity != SEVERITY_ERROR && !x->holds_back) || !x->table || !x->id)
                        continue;
                char *key = row_key(&h->keys, x->table, x->id);
                if (!key)
                        return -ENOMEM;
                h->next[i] = (size_t) (uintptr_t) strmap_get(h->first, key);
                if (strmap_replace(h->first, key, (void *) (uintptr_t) (i + 1)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* A held-back change's "held_back_by" [{code, severity, message}] and "needs" {table, id}. */
static int add_held_back(const RunReport *r, HeldBackIndex *h, const Change *c, json_t *change) {
        const Model *model = r->local->model;
        json_t *by = json_array();
        if (!by || json_object_set_new(change, "held_back_by", by) < 0)
                return -ENOMEM;
        if (c->needs_id &&
            json_object_set_new(change, "needs",
                                json_pack("{s:o, s:o}", "table", string_or_null(model->tables[c->needs_table].name),
                                          "id", string_or_null(c->needs_id))) < 0)
                return -ENOMEM;
        _cleanup_free_ char *key = strdup_printf("%s%c%s", model->tables[c->table].name, DATASET_LIST_SEP, c->id);
        if (!key)
                return -ENOMEM;
        for (size_t k = (size_t) (uintptr_t) strmap_get(h->first, key); k > 0; k = h->next[k - 1]) {
                const Finding *x = &r->findings->items[k - 1];
                if (json_array_append_new(by, json_pack("{s:o, s:s, s:o}", "code", string_or_null(x->code), "severity",
                                                        severity_to_string(x->severity), "message",
                                                        string_or_null(x->message))) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static json_t *change_json(const RunReport *r, size_t i, void *userdata) {
        const Change *c = &r->changes->changes[i];
        const ModelTable *t = &r->local->model->tables[c->table];
        json_t *change = json_pack("{s:s, s:o, s:o, s:b, s:o}", "kind", change_kind_to_string(c->kind), "table",
                                   string_or_null(t->name), "id", string_or_null(c->id), "blocked", c->blocked,
                                   "columns", change_columns_json(t, c));
        if (change && c->blocked && add_held_back(r, userdata, c, change) < 0)
                change = (json_decref(change), NULL);
        return change;
}

/* Sets key to value (taking it) in an object whose keys go in in sorted order, so that it dumps as
 * with JSON_SORT_KEYS without the sorting (jansson keeps the order keys went in). */
static bool set_sorted(json_t *o, const char *key, json_t *value) {
        return json_object_set_new_nocheck(o, key, value) == 0;
}

static json_t *finding_json(const RunReport *r, size_t i, void *userdata) {
        const Finding *x = &r->findings->items[i];
        json_t *o = json_object();
        bool at = x->file != NULL;
        /* The quality policy's verdict (holds_back, in_directory) only on the quality errors it
         * concerns. */
        if (o && set_sorted(o, "code", string_or_null(x->code)) && set_sorted(o, "column", string_or_null(x->column)) &&
            set_sorted(o, "column_number", at && x->column_no ? json_integer(x->column_no) : json_null()) &&
            set_sorted(o, "file", string_or_null(x->file)) &&
            (!x->holds_back || set_sorted(o, "holds_back", json_true())) && set_sorted(o, "id", string_or_null(x->id)) &&
            (!x->in_directory || set_sorted(o, "in_directory", json_true())) &&
            set_sorted(o, "line", at && x->line ? json_integer(x->line) : json_null()) &&
            set_sorted(o, "message", string_or_null(x->message)) &&
            set_sorted(o, "severity", json_string_nocheck(severity_to_string(x->severity))) &&
            set_sorted(o, "table", string_or_null(x->table)))
                return o;
        json_decref(o);
        return NULL;
}

/* jansson's dump callback. */
static int dump_append(const char *s, size_t n, void *userdata) {
        return byte_buffer_append(userdata, s, n) < 0 ? -1 : 0;
}

/* Appends an element of a top-level list, dumped on its own: each line indented by two more
 * levels. JSON text holds no raw newline inside a string, so every newline is layout. */
static int append_nested(ByteBuffer *out, const char *s, size_t n) {
        for (const char *nl; n > 0 && (nl = memchr(s, '\n', n)); n -= (size_t) (nl + 1 - s), s = nl + 1)
                if (dump_append(s, (size_t) (nl + 1 - s), out) < 0 || dump_append("    ", 4, out) < 0)
                        return -1;
        return n > 0 ? dump_append(s, n, out) : 0;
}

/* Writes a top-level list one element at a time, as json_dump() would lay it out at that depth:
 * the elements' trees never exist all at once (a big first sync lists thousands of rows). Each is
 * dumped into a scratch buffer first (jansson hands its text over in many small pieces). */
typedef json_t *(*ElementJson)(const RunReport *r, size_t i, void *userdata);
static int dump_list(const RunReport *r, size_t n, const bool *listed, ElementJson element, void *userdata,
                     size_t flags, ByteBuffer *out) {
        ByteBuffer scratch = {};
        bool first = true;
        int k = 0;
        for (size_t i = 0; k == 0 && i < n; i++) {
                if (!listed[i])
                        continue;
                json_t *e = element(r, i, userdata);
                if (!e) {
                        k = -1;
                        break;
                }
                scratch.size = 0;
                k = json_dump_callback(e, dump_append, &scratch, JSON_INDENT(2) | flags);
                json_decref(e);
                if (k == 0)
                        k = dump_append(first ? "[\n    " : ",\n    ", 6, out);
                if (k == 0)
                        k = append_nested(out, scratch.data ?: "", scratch.size);
                first = false;
        }
        free(scratch.data);
        if (k < 0)
                return -ENOMEM;
        return dump_append(first ? "[]" : "\n  ]", first ? 2 : 4, out) < 0 ? -ENOMEM : 0;
}

static int dump_changes(const RunReport *r, const ReportListing *l, ByteBuffer *out) {
        _cleanup_(held_back_index_done) HeldBackIndex h = {};
        if (held_back_index_build(&h, r->findings) < 0)
                return -ENOMEM;
        return dump_list(r, r->changes && r->local ? r->changes->n_changes : 0, l->changes, change_json, &h, JSON_SORT_KEYS,
                         out);
}

static int dump_findings(const RunReport *r, const ReportListing *l, ByteBuffer *out) {
        return dump_list(r, r->findings ? r->findings->n_items : 0, l->findings, finding_json, NULL,
                         0 /* its keys go in sorted */, out);
}

/* The findings' list, dumped on a thread of its own while the rest of the report is built: the two
 * long lists take most of a report's time, and each reads only what the run left. */
typedef struct FindingsDump {
        const RunReport *report;
        const ReportListing *listing;
        ByteBuffer out;
        int result;
        bool threaded;
        pthread_t thread;
} FindingsDump;

static void *findings_dump_run(void *userdata) {
        FindingsDump *d = userdata;
        d->result = dump_findings(d->report, d->listing, &d->out);
        return NULL;
}

static void findings_dump_start(FindingsDump *d) {
        /* jansson seeds its hash tables at the first object: here, before the thread, not in both at once. */
        json_object_seed(0);
        d->threaded = pthread_create(&d->thread, NULL, findings_dump_run, d) == 0;
}

/* The dump's result; done here when no thread could be started. */
static int findings_dump_finish(FindingsDump *d) {
        if (d->threaded) {
                (void) pthread_join(d->thread, NULL);
                d->threaded = false;
        } else
                (void) findings_dump_run(d);
        return d->result;
}

static void findings_dump_done(FindingsDump *d) {
        if (d->threaded)
                (void) pthread_join(d->thread, NULL);
        free(d->out.data);
}

static json_t *tables_json(const RunReport *r) {
        json_t *o = json_object();
        if (!o || !r->changes || !r->changes->per_table || !r->local)
                return o;
        const Model *model = r->local->model;
        for (size_t t = 0; t < model->n_tables; t++) {
                const DiffTableCounts *c = &r->changes->per_table[t];
                json_t *counts = json_pack("{s:I, s:I, s:I, s:I}", "added", (json_int_t) c->added, "changed",
                                           (json_int_t) c->changed, "removed", (json_int_t) c->removed, "unchanged",
                                           (json_int_t) c->unchanged);
                if (!counts || json_object_set_new(o, model->tables[t].name, counts) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

static json_t *phases_json(const RunReport *r) {
        json_t *list = json_array();
        for (size_t i = 0; list && i < r->n_phases && i < ELEMENTSOF(r->phases); i++)
                if (!append(&list, json_pack("{s:o, s:f}", "name", string_or_null(r->phases[i].name), "seconds",
                                             (double) r->phases[i].usec / 1e6)))
                        break;
        return list;
}

/* How much of the run the report lists (report.max_changes), and what it only counts. */
static json_t *listing_json(const RunReport *r, const ReportListing *l) {
        size_t n_changes = r->changes && r->local ? r->changes->n_changes : 0;
        size_t n_findings = r->findings ? r->findings->n_items : 0;
        size_t dropped = r->findings ? r->findings->n_dropped : 0;
        return json_pack("{s:o, s:I, s:I, s:I, s:I}", "max", r->listing_bounded ? json_integer((json_int_t) r->max_listed) : json_null(),
                         "changes", (json_int_t) l->n_changes, "changes_not_listed", (json_int_t) (n_changes - l->n_changes),
                         "findings", (json_int_t) l->n_findings, "findings_not_listed",
                         (json_int_t) (n_findings - l->n_findings + dropped));
}

/* The changes pushed longer than the grace ago that the published Directory does not show (as
 * many as report.max_changes lists; unpublished_count counts all). */
static json_t *publication_json(const RunReport *r) {
        const PublicationWatch *w = r->publication;
        if (!w)
                return json_null();
        size_t max = report_max_listed(r);
        json_t *list = json_array();
        for (size_t i = 0; list && i < w->n_items && json_array_size(list) < max; i++)
                if (w->items[i].overdue &&
                    !append(&list, json_pack("{s:o, s:o, s:o}", "table", string_or_null(w->items[i].table), "id",
                                             string_or_null(w->items[i].id), "pushed",
                                             time_json(w->items[i].pushed_usec))))
                        break;
        return list ? json_pack("{s:b, s:I, s:I, s:I, s:o}", "checked", r->publication_checked, "grace_seconds",
                                (json_int_t) (r->publication_grace_usec / 1000000), "pending",
                                (json_int_t) w->n_items, "unpublished_count", (json_int_t) w->n_overdue,
                                "unpublished", list)
                    : NULL;
}

/* Rows of other nodes the push brings from the published Directory, as [{"table", "id"}]. */
static json_t *foreign_rows_json(const Dataset *d) {
        json_t *list = json_array();
        for (size_t t = 0; list && d && t < d->model->n_tables; t++)
                for (size_t i = 0; i < d->tables[t].n_rows; i++)
                        if (json_array_append_new(list, json_pack("{s:s,s:s}", "table", d->model->tables[t].name, "id",
                                                                  d->tables[t].rows[i]->id)) < 0) {
                                json_decref(list);
                                return NULL;
                        }
        return list;
}

int report_to_json(const RunReport *r, char **ret_data, size_t *ret_size) {
        _cleanup_(report_listing_done) ReportListing listing = {};
        if (report_listing_init(&listing, r) < 0)
                return -ENOMEM;
        _cleanup_(findings_dump_done) FindingsDump findings = { .report = r, .listing = &listing };
        findings_dump_start(&findings);
        DiffTableCounts total = r->changes ? r->changes->total : (DiffTableCounts) {};
        json_t *phases = phases_json(r);
        double duration = r->finished_usec > r->started_usec ? (double) (r->finished_usec - r->started_usec) / 1e6 : 0;
        json_t *j = json_pack(
                "{s:i, s:{s:s, s:o}, s:o, s:o, s:o, s:b, s:o, s:{s:o, s:o}, s:o, s:o, s:f, s:o,"
                " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o,"
                " s:{s:b, s:I, s:I, s:I, s:b}, s:{s:o, s:I, s:I}, s:{s:I, s:o, s:b}, s:o, s:i, s:o}",
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
                (json_int_t) (r->findings ? r->findings->n_infos : 0), "quality_errors",
                (json_int_t) (r->findings ? r->findings->n_quality_errors : 0), "quality_warnings",
                (json_int_t) (r->findings ? r->findings->n_quality_warnings : 0), "quality_infos",
                (json_int_t) (r->findings ? r->findings->n_quality_infos : 0),
                "tables", tables_json(r),
                "changes", json_array(),
                "findings", json_array(),
                "push", "attempted", r->pushed, "requests", (json_int_t) r->n_requests, "applied_upserts",
                (json_int_t) r->n_applied_upserts, "applied_deletes", (json_int_t) r->n_applied_deletes, "verified",
                r->verified,
                "quality_policy", "block", string_or_null(r->quality_block), "held_back",
                (json_int_t) r->n_quality_held_back, "tolerated", (json_int_t) r->n_quality_tolerated,
                "guard", "removals", (json_int_t) r->guard_removals, "limit",
                r->guard_limited ? json_integer((json_int_t) r->guard_limit) : json_null(), "refused",
                r->guard_refused,
                "outcome", string_or_null(r->outcome),
                "exit_code", r->exit_code,
                "error", string_or_null(r->error));
        if (!j)
                return -ENOMEM;
        /* What each write request of the push carried and whether the server acknowledged it. */
        json_t *push = json_object_get(j, "push");
        json_t *requests = push_requests_json(r->push_records, r->n_push_records);
        if (!requests || json_object_set_new(push, "request_list", requests) < 0 ||
            json_object_set_new(j, "listed", listing_json(r, &listing)) < 0 ||
            json_object_set_new(j, "model_drift",
                                json_pack("{s:I,s:I}", "differences", (json_int_t) r->n_model_drift, "blocking",
                                          (json_int_t) r->n_model_drift_blocking)) < 0 ||
            json_object_set_new(j, "publication", publication_json(r)) < 0 ||
            json_object_set_new(j, "interrupted_push",
                                r->interrupted_push_started
                                        ? json_pack("{s:s,s:I,s:I}", "started", r->interrupted_push_started,
                                                    "requests", (json_int_t) r->interrupted_push_requests,
                                                    "applied", (json_int_t) r->interrupted_push_applied)
                                        : json_null()) < 0 ||
            json_object_set_new(j, "foreign_rows", foreign_rows_json(r->foreign_rows)) < 0) {
                json_decref(j);
                return -ENOMEM;
        }
        /* Dumped straight into our buffer (json_dumps() fills one of its own, then copies it), with
         * the two long lists, empty in the tree, written in their place element by element. */
        ByteBuffer head = {}, out = {};
        int k = json_dump_callback(j, dump_append, &head, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        static const char changes_key[] = "\n  \"changes\": []", findings_key[] = "\n  \"findings\": []";
        const char *at_changes = k == 0 ? strstr(head.data, changes_key) : NULL;
        const char *at_findings = at_changes ? strstr(at_changes, findings_key) : NULL;
        if (!at_findings) {
                free(head.data);
                return -ENOMEM;
        }
        size_t changes_value = (size_t) (at_changes - head.data) + strlen(changes_key) - 2;
        size_t findings_value = (size_t) (at_findings - head.data) + strlen(findings_key) - 2;
        k = dump_append(head.data, changes_value, &out);
        if (k == 0 && dump_changes(r, &listing, &out) < 0)
                k = -1;
        if (k == 0)
                k = dump_append(head.data + changes_value + 2, findings_value - changes_value - 2, &out);
        if (k == 0 && (findings_dump_finish(&findings) < 0 ||
                       dump_append(findings.out.data ?: "", findings.out.size, &out) < 0))
                k = -1;
        if (k == 0)
                k = dump_append(head.data + findings_value + 2, head.size - findings_value - 2, &out);
        free(head.data);
        if (k < 0 || dump_append("\n", 1, &out) < 0) {
                free(out.data);
                return -ENOMEM;
        }
        *ret_size = out.size;
        *ret_data = out.data;
        return 0;
}

static const char *plural(size_t n, const char *one, const char *many) {
        return n == 1 ? one : many;
}

static double seconds_of(uint64_t usec) {
        return (double) usec / 1e6;
}

/* How long the push took: the "push" phase when recorded, the whole run otherwise. */
static double push_seconds(const RunReport *r) {
        for (size_t i = 0; i < r->n_phases && i < ELEMENTSOF(r->phases); i++)
                if (r->phases[i].name && streq(r->phases[i].name, "push"))
                        return seconds_of(r->phases[i].usec);
        return r->finished_usec > r->started_usec ? seconds_of(r->finished_usec - r->started_usec) : 0;
}

static size_t table_rows(const Dataset *d, const char *table) {
        if (!d)
                return 0;
        int t = model_table_index(d->model, table);
        return t >= 0 ? d->tables[t].n_rows : 0;
}

/* What became of the push, after "; ". In order of precedence:
 *   not pushed (removal guard)             the guard refused the plan
 *   push failed after N requests: <error>  a push was attempted and failed (N may be 0)
 *   not pushed (failed: <error>)           the run failed before pushing
 *   not pushed (dry run)                   --dry-run
 *   not pushed (report mode)               mode: report
 *   pushed in N requests (S s)             S: the "push" phase, else the whole run
 *   not pushed (nothing to push)           no pushable change (none, or all blocked) */
static char *push_outcome(const RunReport *r) {
        if (r->guard_refused)
                return strdup("not pushed (removal guard)");
        if (r->pushed && r->error)
                return strdup_printf("push failed after %zu %s: %s", r->n_requests,
                                     plural(r->n_requests, "request", "requests"), r->error);
        if (r->error)
                return strdup_printf("not pushed (failed: %s)", r->error);
        if (r->dry_run)
                return strdup("not pushed (dry run)");
        if (r->mode && streq(r->mode, "report"))
                return strdup("not pushed (report mode)");
        if (r->pushed)
                return strdup_printf("pushed in %zu %s (%.1f s)", r->n_requests,
                                     plural(r->n_requests, "request", "requests"), push_seconds(r));
        return strdup("not pushed (nothing to push)");
}

/* "1 error, 4 quality errors, 2 quality warnings, 0 quality infos, 3 warnings": every kind apart,
 * always all five, so that scripts find each at the same place. */
static char *kinds_text(const Findings *f) {
        size_t e = f ? f->n_errors : 0, qe = f ? f->n_quality_errors : 0, qw = f ? f->n_quality_warnings : 0,
               qi = f ? f->n_quality_infos : 0, w = f ? f->n_warnings : 0;
        return strdup_printf("%zu %s, %zu %s, %zu %s, %zu %s, %zu %s", e, plural(e, "error", "errors"), qe,
                             plural(qe, "quality error", "quality errors"), qw,
                             plural(qw, "quality warning", "quality warnings"), qi,
                             plural(qi, "quality info", "quality infos"), w, plural(w, "warning", "warnings"));
}

/* The one line a person reads at a glance (and the journal's RUN_FINISHED message):
 *   check BE: 19 biobanks, 35 collections, 0 errors, 0 quality errors, 0 quality warnings, 0 quality infos, 2 warnings
 *   diff BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 0 quality infos, 4 warnings (against staging)
 *   diff BE: failed: <error>
 *   sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 0 quality infos, 4 warnings; pushed in 1 request (0.8 s)
 *   sync BE: ...; not pushed (report mode)      other tails: see push_outcome()
 * Any other command is written like sync. The node reads "?" when unknown (config failed). */
char *report_summary_line(const RunReport *r) {
        const char *node = r->node ?: "?", *command = r->command ?: "sync";
        _cleanup_free_ char *kinds = kinds_text(r->findings);
        if (!kinds)
                return NULL;
        if (streq(command, "check")) {
                size_t biobanks = table_rows(r->local, "Biobanks"), collections = table_rows(r->local, "Collections");
                return strdup_printf("check %s: %zu %s, %zu %s, %s", node, biobanks,
                                     plural(biobanks, "biobank", "biobanks"), collections,
                                     plural(collections, "collection", "collections"), kinds);
        }
        const DiffTableCounts t = r->changes ? r->changes->total : (DiffTableCounts) {};
        /* The changes not pushed because of errors or the quality policy, when there are any. */
        _cleanup_free_ char *held = t.blocked > 0 ? strdup_printf("; %zu held back", t.blocked) : strdup("");
        if (!held)
                return NULL;
        if (streq(command, "diff")) {
                if (r->error || streq_ptr(r->outcome, "failed"))
                        return strdup_printf("diff %s: failed: %s", node, r->error ?: "see above");
                return strdup_printf("diff %s: %zu added, %zu changed, %zu removed, %s%s (against %s)", node, t.added,
                                     t.changed, t.removed, kinds, held, r->against ?: "staging");
        }
        _cleanup_free_ char *tail = push_outcome(r);
        if (!tail)
                return NULL;
        return strdup_printf("%s %s: %zu added, %zu changed, %zu removed, %s%s; %s", command, node, t.added, t.changed,
                             t.removed, kinds, held, tail);
}
