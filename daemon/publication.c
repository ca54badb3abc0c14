/* SPDX-License-Identifier: MIT */
#include <jansson.h>

#include "limits.h"
#include "publication.h"
#include "util.h"

void publication_watch_done(PublicationWatch *w) {
        for (size_t i = 0; i < w->n_items; i++) {
                free(w->items[i].table);
                free(w->items[i].id);
        }
        free(w->items);
        *w = (PublicationWatch) {};
}

static int add_item(PublicationWatch *w, const char *table, const char *id, uint64_t pushed_usec) {
        if (w->n_items >= LIMIT_PUBLICATION_PENDING)
                return -E2BIG;
        if (w->n_items == w->allocated) {
                size_t n = w->allocated ? w->allocated * 2 : 64;
                PendingChange *items = reallocarray(w->items, n, sizeof(PendingChange));
                if (!items)
                        return -ENOMEM;
                w->items = items;
                w->allocated = n;
        }
        PendingChange c = { .table = strdup(table), .id = strdup(id), .pushed_usec = pushed_usec };
        if (!c.table || !c.id) {
                free(c.table);
                free(c.id);
                return -ENOMEM;
        }
        w->items[w->n_items++] = c;
        return 0;
}

int publication_parse(const char *data, size_t size, PublicationWatch *ret) {
        json_error_t error;
        json_t *j = json_loadb(data, size, JSON_REJECT_DUPLICATES, &error);
        if (!j)
                return -EBADMSG;
        json_t *pending = json_object_get(j, "pending");
        _cleanup_(publication_watch_done) PublicationWatch w = {};
        int r = json_is_array(pending) ? 0 : -EBADMSG;
        size_t i;
        json_t *item;
        json_array_foreach(pending, i, item) {
                const char *table = json_string_value(json_object_get(item, "table"));
                const char *id = json_string_value(json_object_get(item, "id"));
                json_t *pushed = json_object_get(item, "pushed_usec");
                if (r < 0 || !table || !id || !json_is_integer(pushed) || json_integer_value(pushed) < 0) {
                        r = -EBADMSG;
                        break;
                }
                r = add_item(&w, table, id, (uint64_t) json_integer_value(pushed));
        }
        json_decref(j);
        if (r < 0)
                return r;
        *ret = w;
        w = (PublicationWatch) {};
        return 0;
}

int publication_to_json(const PublicationWatch *w, char **ret_data, size_t *ret_size) {
        json_t *pending = json_array();
        for (size_t i = 0; pending && i < w->n_items; i++)
                if (json_array_append_new(pending, json_pack("{s:s, s:s, s:I}", "table", w->items[i].table, "id",
                                                             w->items[i].id, "pushed_usec",
                                                             (json_int_t) w->items[i].pushed_usec)) < 0) {
                        json_decref(pending);
                        pending = NULL;
                }
        json_t *j = pending ? json_pack("{s:o}", "pending", pending) : NULL;
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!text)
                return -ENOMEM;
        *ret_size = strlen(text);
        *ret_data = text;
        return 0;
}

static int compare_pending(const void *a, const void *b) {
        const PendingChange *x = a, *y = b;
        int c = strcmp(x->table, y->table);
        return c ? c : strcmp(x->id, y->id);
}

int publication_note_push(PublicationWatch *w, const Model *model, const ChangeSet *changes, bool removals_kept,
                          uint64_t pushed_usec) {
        /* Pending changes sorted, each pushed change looked up among them (log time), new ones
         * appended (a change set holds each row once). */
        if (w->n_items > 1)
                qsort(w->items, w->n_items, sizeof(PendingChange), compare_pending);
        size_t n_known = w->n_items;
        for (size_t i = 0; changes && i < changes->n_changes; i++) {
                const Change *c = &changes->changes[i];
                if (c->blocked || (c->kind == CHANGE_REMOVED && removals_kept))
                        continue;
                PendingChange key = { .table = (char *) model->tables[c->table].name, .id = (char *) c->id };
                PendingChange *hit = n_known ? bsearch(&key, w->items, n_known, sizeof(PendingChange), compare_pending)
                                             : NULL;
                if (hit) {
                        /* Pushed again: the grace starts anew. */
                        w->n_overdue -= hit->overdue;
                        hit->overdue = false;
                        hit->pushed_usec = pushed_usec;
                        continue;
                }
                int r = add_item(w, key.table, key.id, pushed_usec);
                if (r < 0)
                        return r;
        }
        return 0;
}

int publication_check(PublicationWatch *w, const Model *model, const ChangeSet *published_diff, uint64_t now_usec,
                      uint64_t grace_usec) {
        /* Sorted, so that each difference finds its pending change in log time (a first push of a
         * large node leaves tens of thousands). */
        if (w->n_items > 1)
                qsort(w->items, w->n_items, sizeof(PendingChange), compare_pending);
        _cleanup_free_ bool *unpublished = calloc(w->n_items ?: 1, sizeof(bool));
        if (!unpublished)
                return -ENOMEM;
        for (size_t i = 0; published_diff && i < published_diff->n_changes; i++) {
                const Change *c = &published_diff->changes[i];
                PendingChange key = { .table = (char *) model->tables[c->table].name, .id = (char *) c->id };
                PendingChange *hit = w->n_items ? bsearch(&key, w->items, w->n_items, sizeof(PendingChange),
                                                          compare_pending)
                                                : NULL;
                if (hit)
                        unpublished[hit - w->items] = true;
        }
        size_t kept = 0;
        for (size_t i = 0; i < w->n_items; i++) {
                if (!unpublished[i]) {
                        free(w->items[i].table);
                        free(w->items[i].id);
                        continue;
                }
                w->items[kept++] = w->items[i];
        }
        w->n_items = kept;
        publication_mark_overdue(w, now_usec, grace_usec);
        return 0;
}

void publication_mark_overdue(PublicationWatch *w, uint64_t now_usec, uint64_t grace_usec) {
        w->n_overdue = 0;
        for (size_t i = 0; i < w->n_items; i++) {
                PendingChange *c = &w->items[i];
                c->overdue = now_usec >= c->pushed_usec && now_usec - c->pushed_usec >= grace_usec;
                w->n_overdue += c->overdue;
        }
}
