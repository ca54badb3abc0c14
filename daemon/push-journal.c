/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <time.h>

#include "push-journal.h"

json_t *push_requests_json(const PushRequestRecord *records, size_t n_records) {
        json_t *list = json_array();
        for (size_t i = 0; list && i < n_records; i++) {
                const PushRequestRecord *r = &records[i];
                if (json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:I,s:b}", "what", r->what, "tables", r->tables,
                                                          "upserts", (json_int_t) r->n_upserts, "deletes",
                                                          (json_int_t) r->n_deletes, "applied", r->applied)) < 0) {
                        json_decref(list);
                        return NULL;
                }
        }
        return list;
}

int push_journal_to_json(const char *schema, const char *method, uint64_t started_usec, const PushResult *progress,
                         bool finished, char **ret_data, size_t *ret_size) {
        time_t t = (time_t) (started_usec / 1000000);
        struct tm tm;
        char stamp[32];
        if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;
        json_auto_t *requests = push_requests_json(progress->records, progress->n_records);
        if (!requests)
                return -ENOMEM;
        json_auto_t *j = json_pack("{s:i,s:s,s:s,s:s,s:b,s:O}", "format_version", 1, "started",
                                                      stamp, "schema", schema, "method", method, "finished",
                                                      finished, "requests", requests);
        char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        if (!text)
                return -ENOMEM;
        size_t n = strlen(text);
        char *with_newline = realloc(text, n + 2);
        if (!with_newline) {
                free(text);
                return -ENOMEM;
        }
        with_newline[n] = '\n';
        with_newline[n + 1] = 0;
        *ret_data = with_newline;
        *ret_size = n + 1;
        return 0;
}

void push_journal_summary_done(PushJournalSummary *s) {
        free(s->started);
        free(s->schema);
        free(s->method);
        free(s->pending_tables);
        *s = (PushJournalSummary) {};
}

int push_journal_parse(const char *data, size_t size, PushJournalSummary *ret) {
        json_error_t error;
        json_auto_t *j = json_loadb(data, size, 0, &error);
        if (!j || !json_is_object(j) || json_integer_value(json_object_get(j, "format_version")) != 1)
                return -EBADMSG;
        json_t *requests = json_object_get(j, "requests");
        const char *started = json_string_value(json_object_get(j, "started"));
        const char *schema = json_string_value(json_object_get(j, "schema"));
        const char *method = json_string_value(json_object_get(j, "method"));
        if (!json_is_array(requests) || !started || !schema || !method)
                return -EBADMSG;
        _cleanup_(push_journal_summary_done) PushJournalSummary s = {
                .started = strdup(started),
                .schema = strdup(schema),
                .method = strdup(method),
                .finished = json_is_true(json_object_get(j, "finished")),
        };
        if (!s.started || !s.schema || !s.method)
                return -ENOMEM;
        size_t i;
        json_t *r;
        json_array_foreach(requests, i, r) {
                const char *tables = json_string_value(json_object_get(r, "tables"));
                json_int_t ups = json_integer_value(json_object_get(r, "upserts"));
                json_int_t dels = json_integer_value(json_object_get(r, "deletes"));
                if (!json_is_object(r) || !tables || ups < 0 || dels < 0)
                        return -EBADMSG;
                s.n_requests++;
                if (json_is_true(json_object_get(r, "applied"))) {
                        s.n_applied++;
                        s.applied_upserts += (size_t) ups;
                        s.applied_deletes += (size_t) dels;
                        continue;
                }
                char *more = s.pending_tables ? strdup_printf("%s, %s", s.pending_tables, tables) : strdup(tables);
                if (!more)
                        return -ENOMEM;
                free(s.pending_tables);
                s.pending_tables = more;
        }
        *ret = s;
        s = (PushJournalSummary) {};
        return 0;
}
