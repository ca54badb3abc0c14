/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <pthread.h>

#include "diff.h"
#include "limits.h"

const char *change_kind_to_string(ChangeKind k) {
        switch (k) {
        case CHANGE_ADDED:
                return "added";
        case CHANGE_CHANGED:
                return "changed";
        case CHANGE_REMOVED:
                return "removed";
        }
        return "unknown";
}

const char *directory_id_node_at(const char *id, size_t *ret_len) {
        static const char prefix[] = "bbmri-eric:";
        if (strncmp(id, prefix, sizeof prefix - 1) != 0)
                return NULL;
        const char *p = strchr(id + sizeof prefix - 1, ':');
        const char *us = p ? strchr(++p, '_') : NULL;
        if (!us)
                return NULL;
        *ret_len = (size_t) (us - p);
        return p;
}

const char *directory_id_node(const char *id, char *buf, size_t size) {
        size_t n;
        const char *p = directory_id_node_at(id, &n);
        if (!p || n == 0 || n >= size)
                return NULL;
        memcpy(buf, p, n);
        buf[n] = 0;
        return buf;
}

/* Whether id is of node, as directory_id_node() would tell, without copying the code out. */
static bool id_is_of_node(const char *id, const char *node, size_t node_length) {
        size_t n;
        const char *p = directory_id_node_at(id, &n);
        return p && n == node_length && memcmp(p, node, n) == 0;
}

ChangeSet *change_set_free(ChangeSet *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_changes; i++) {
                free(c->changes[i].columns);
                free(c->changes[i].held_by_codes);
        }
        free(c->changes);
        free(c->per_table);
        free(c);
        return NULL;
}

/* Trims trailing white space and turns CRLF into LF: spreadsheets and servers disagree on both. */
static char *normalize_text(const char *s, size_t n) {
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
                        continue;
                out[k++] = s[i];
        }
        while (k > 0 && isspace((unsigned char) out[k - 1]))
                k--;
        out[k] = 0;
        return out;
}

static char *normalize_scalar(const ModelColumn *col, const char *s, size_t n) {
        _cleanup_free_ char *t = normalize_text(s, n);
        if (!t)
                return NULL;
        const char *p = t;
        while (isspace((unsigned char) *p))
                p++;
        if (col->type == COLUMN_BOOL) {
                if (strcaseeq(p, "true"))
                        return strdup("true");
                if (strcaseeq(p, "false"))
                        return strdup("false");
        }
        if (col->type == COLUMN_INT) {
                char *end = NULL;
                errno = 0;
                long long v = strtoll(p, &end, 10);
                if (errno == 0 && end != p && *end == 0)
                        return strdup_printf("%lld", v);
        }
        if (p != t)
                return strdup(p);
        return TAKE_PTR(t);
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int diff_normalize_cell(const ModelColumn *col, const char *cell, char **ret) {
        if (!cell || !*cell) {
                *ret = NULL;
                return 0;
        }
        if (!column_type_is_list(col->type)) {
                char *n = normalize_scalar(col, cell, strlen(cell));
                if (!n)
                        return -ENOMEM;
                if (!*n) {
                        free(n);
                        n = NULL;
                }
                *ret = n;
                return 0;
        }
        size_t count = dataset_list_count(cell);
        _cleanup_free_ char **items = calloc(count + 1, sizeof(char *));
        if (!items)
                return -ENOMEM;
        size_t k = 0, total = 0;
        const char *state = cell, *item;
        size_t len;
        int r = 0;
        while (dataset_list_next(&state, &item, &len)) {
                while (len > 0 && isspace((unsigned char) *item)) {
                        item++;
                        len--;
                }
                char *n = normalize_scalar(col, item, len);
                if (!n) {
                        r = -ENOMEM;
                        break;
                }
                if (!*n) {
                        free(n);
                        continue;
                }
                items[k++] = n;
                total += strlen(n) + 1;
        }
        if (r >= 0 && !col->ordered && k > 1)
                qsort(items, k, sizeof(char *), compare_strings);
        char *out = r >= 0 ? malloc(total + 1) : NULL;
        if (out) {
                size_t used = 0;
                for (size_t i = 0; i < k; i++) {
                        /* Sets: a repeated item counts once. */
                        if (!col->ordered && i > 0 && streq(items[i], items[i - 1]))
                                continue;
                        size_t n = strlen(items[i]);
                        if (used > 0)
                                out[used++] = DATASET_LIST_SEP;
                        memcpy(out + used, items[i], n);
                        used += n;
                }
                out[used] = 0;
                if (used == 0)
                        out = mfree(out);
        } else if (r >= 0)
                r = -ENOMEM;
        for (size_t i = 0; i < k; i++)
                free(items[i]);
        if (r < 0)
                return r;
        *ret = out;
        return 0;
}

/* Equality of two cells of a column under the diff's rules. */
static int cells_equal(const ModelColumn *col, const char *a, const char *b, bool *ret) {
        if (isempty(a))
                a = col->default_value;
        if (isempty(b))
                b = col->default_value;
        if (streq_ptr(a, b) || (isempty(a) && isempty(b))) {
                *ret = true;
                return 0;
        }
        _cleanup_free_ char *na = NULL, *nb = NULL;
        int r = diff_normalize_cell(col, a, &na);
        if (r < 0)
                return r;
        r = diff_normalize_cell(col, b, &nb);
        if (r < 0)
                return r;
        *ret = streq_ptr(na, nb);
        return 0;
}

typedef struct Builder {
        ChangeSet *set;
        size_t allocated;
} Builder;

static Change *builder_add(Builder *b) {
        if (b->set->n_changes == b->allocated) {
                size_t n = b->allocated ? b->allocated * 2 : 64;
                Change *c = realloc(b->set->changes, n * sizeof(Change));
                if (!c)
                        return NULL;
                b->set->changes = c;
                b->allocated = n;
        }
        Change *c = &b->set->changes[b->set->n_changes++];
        *c = (Change) {};
        return c;
}

static int add_column(Change *c, size_t column, const char *old_value, const char *new_value, size_t max) {
        if (!c->columns) {
                c->columns = calloc(max, sizeof(ColumnChange));
                if (!c->columns)
                        return -ENOMEM;
        }
        c->columns[c->n_columns++] = (ColumnChange) { column, old_value, new_value };
        return 0;
}

static int compare_rows(const ModelTable *t, const Row *local, const Row *remote, Change *c) {
        for (size_t col = 0; col < t->n_columns; col++) {
                const ModelColumn *mc = &t->columns[col];
                if (!mc->node_owned || col == t->id_column)
                        continue;
                bool equal;
                int r = cells_equal(mc, local ? local->cells[col] : NULL, remote ? remote->cells[col] : NULL, &equal);
                if (r < 0)
                        return r;
                if (equal)
                        continue;
                r = add_column(c, col, remote ? remote->cells[col] : NULL, local ? local->cells[col] : NULL,
                               t->n_columns);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compare_changes(const void *x, const void *y) {
        const Change *a = x, *b = y;
        if (a->table != b->table)
                return a->table < b->table ? -1 : 1;
        return strcmp(a->id, b->id);
}

static bool is_withdrawn(const ModelTable *t, const Row *row) {
        int c = model_column_index(t, "withdrawn");
        return c >= 0 && row->cells[c] && strcaseeq(row->cells[c], "true");
}

/* The local rows from..to of one table compared with the remote's: their changes go to out, their
 * counts into counts. */
typedef struct LocalRows {
        const Dataset *remote;
        size_t table;
        const ModelTable *model;
        const DatasetTable *lt, *rt;
        size_t from, to;
        bool *matched;            /* per remote row: matched in order (each index written by one job) */
        Builder *out;             /* the change set's own builder, or own_builder on another thread */
        ChangeSet own;            /* a thread's changes until they join the change set */
        Builder own_builder;
        DiffTableCounts counts;
        int result;
        pthread_t thread;
} LocalRows;

/* Where in the remote's rows the rows from `from` on start: a snapshot of what this tool pushed
 * lists them in the master's order. */
static size_t remote_start(const LocalRows *j) {
        size_t at = 0;
        for (size_t i = j->from; i < j->to && i < j->from + 8; i++)
                if (dataset_find_position(j->remote, j->table, j->lt->rows[i]->id, &at) >= 0)
                        return at;
        return 0;
}

static int compare_local_rows(LocalRows *j) {
        const DatasetTable *lt = j->lt, *rt = j->rt;
        /* Try the remote row after the last one matched before the id index (a cache miss per row
         * at 400,000 rows), and remember which remote rows were matched that way. */
        size_t next = j->from > 0 ? remote_start(j) : 0;
        int k = 0;
        for (size_t i = j->from; i < j->to; i++) {
                const Row *l = lt->rows[i];
                const Row *r = NULL;
                if (next < rt->n_rows && streq(rt->rows[next]->id, l->id)) {
                        r = rt->rows[next];
                        j->matched[next++] = true;
                } else {
                        r = dataset_find(j->remote, j->table, l->id);
                        /* A row removed from the master shifts the order by one: step over it. */
                        if (r && next + 1 < rt->n_rows && rt->rows[next + 1] == r)
                                next++;
                        if (r && next < rt->n_rows && rt->rows[next] == r)
                                j->matched[next++] = true;
                }
                Change scratch = {};
                k = compare_rows(j->model, l, r, &scratch);
                if (k < 0) {
                        free(scratch.columns);
                        break;
                }
                if (r && scratch.n_columns == 0) {
                        j->counts.unchanged++;
                        continue;
                }
                Change *c = builder_add(j->out);
                if (!c) {
                        free(scratch.columns);
                        k = -ENOMEM;
                        break;
                }
                *c = scratch;
                c->kind = r ? CHANGE_CHANGED : CHANGE_ADDED;
                c->table = j->table;
                c->id = l->id;
                c->local = l;
                c->remote = r;
                c->blocked = l->flags & ROW_BLOCKED;
                if (c->blocked)
                        j->counts.blocked++;
                if (r)
                        j->counts.changed++;
                else
                        j->counts.added++;
        }
        return k;
}

static void *compare_local_rows_thread(void *userdata) {
        LocalRows *j = userdata;
        j->result = compare_local_rows(j);
        return NULL;
}

/* Moves a job's own changes (a thread's) into the change set (b), its counts into the table's. */
static int take_local_rows(Builder *b, DiffTableCounts *counts, LocalRows *j) {
        int r = 0;
        for (size_t i = 0; i < j->own.n_changes; i++) {
                Change *c = r >= 0 ? builder_add(b) : NULL;
                if (!c) {
                        free(j->own.changes[i].columns);
                        r = -ENOMEM;
                        continue;
                }
                *c = j->own.changes[i];
        }
        free(j->own.changes);
        j->own = (ChangeSet) {};
        counts->added += j->counts.added;
        counts->changed += j->counts.changed;
        counts->unchanged += j->counts.unchanged;
        counts->blocked += j->counts.blocked;
        return r;
}

int diff_datasets(const Dataset *local, const Dataset *remote, const DiffOptions *opts, ChangeSet **ret) {
        if (local->model != remote->model)
                return -EINVAL;
        const Model *model = local->model;
        _cleanup_(change_set_freep) ChangeSet *set = calloc(1, sizeof(ChangeSet));
        if (!set)
                return -ENOMEM;
        set->per_table = calloc(model->n_tables, sizeof(DiffTableCounts));
        if (!set->per_table)
                return -ENOMEM;
        Builder b = { .set = set };
        /* A node code that directory_id_node() could tell from an id (with the 16-byte buffer this
         * took before): not empty, no '_', shorter than the buffer. */
        size_t node_length = opts->node ? strlen(opts->node) : 0;
        bool node_ok = node_length > 0 && node_length < 16 && !strchr(opts->node, '_');

        for (size_t t = 0; t < model->n_tables; t++) {
                const ModelTable *mt = &model->tables[t];
                DiffTableCounts *counts = &set->per_table[t];
                const DatasetTable *lt = &local->tables[t], *rt = &remote->tables[t];
                _cleanup_free_ bool *matched = calloc_written(rt->n_rows + 1, sizeof(bool));
                if (!matched)
                        return -ENOMEM;
                /* A big table's local rows in two halves at once, the first on a thread of its own
                 * (its changes join the set after it; the changes are sorted by table and id at
                 * the end whatever their order here), the second straight into the set. */
                LocalRows jobs[2] = {};
                size_t half = lt->n_rows >= LIMIT_DIFF_SPLIT_ROWS ? lt->n_rows / 2 : 0;
                for (size_t h = 0; h < 2; h++)
                        jobs[h] = (LocalRows) {
                                .remote = remote, .table = t, .model = mt, .lt = lt, .rt = rt,
                                .from = h == 0 ? 0 : half, .to = h == 0 ? half : lt->n_rows, .matched = matched,
                        };
                jobs[0].own_builder.set = &jobs[0].own;
                jobs[0].out = &jobs[0].own_builder;
                jobs[1].out = &b;
                bool threaded = half > 0 && pthread_create(&jobs[0].thread, NULL, compare_local_rows_thread, &jobs[0]) == 0;
                if (!threaded)
                        jobs[0].result = compare_local_rows(&jobs[0]);
                jobs[1].result = compare_local_rows(&jobs[1]);
                if (threaded)
                        (void) pthread_join(jobs[0].thread, NULL);
                int k = 0;
                for (size_t h = 0; h < 2; h++) {
                        int q = take_local_rows(&b, counts, &jobs[h]);
                        if (k >= 0)
                                k = jobs[h].result < 0 ? jobs[h].result : q;
                }
                if (k < 0)
                        return k;

                for (size_t i = 0; i < rt->n_rows; i++) {
                        const Row *r = rt->rows[i];
                        bool ours = opts->remote_is_node ? opts->node != NULL
                                                         : node_ok && id_is_of_node(r->id, opts->node, node_length);
                        if (!ours)
                                continue; /* another node's row: never ours to remove */
                        set->n_remote_node_rows++;
                        if (matched[i] || dataset_find(local, t, r->id))
                                continue;
                        if (opts->withdrawn_is_removed && is_withdrawn(mt, r)) {
                                set->n_already_withdrawn++;
                                continue;
                        }
                        Change *c = builder_add(&b);
                        if (!c)
                                return -ENOMEM;
                        c->kind = CHANGE_REMOVED;
                        c->table = t;
                        c->id = r->id;
                        c->remote = r;
                        counts->removed++;
                }
                set->total.added += counts->added;
                set->total.changed += counts->changed;
                set->total.removed += counts->removed;
                set->total.unchanged += counts->unchanged;
                set->total.blocked += counts->blocked;
        }
        if (set->n_changes > 1)
                qsort(set->changes, set->n_changes, sizeof(Change), compare_changes);
        *ret = TAKE_PTR(set);
        return 0;
}
