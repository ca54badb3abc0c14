/* SPDX-License-Identifier: MIT */
#include "sync.h"

PushPlan *push_plan_free(PushPlan *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_tables; i++) {
                free(p->tables[i].columns);
                free(p->tables[i].upserts);
                free(p->tables[i].deletes);
        }
        free(p->tables);
        dataset_free(p->rows);
        free(p);
        return NULL;
}

void push_result_done(PushResult *r) {
        for (size_t i = 0; i < r->n_records; i++) {
                free(r->records[i].what);
                free(r->records[i].tables);
        }
        r->records = mfree(r->records);
        r->n_records = 0;
        r->error = mfree(r->error);
}

int push_result_add_record(PushResult *r, const char *what, const char *tables, size_t n_upserts, size_t n_deletes) {
        PushRequestRecord *g = reallocarray(r->records, r->n_records + 1, sizeof(PushRequestRecord));
        if (!g)
                return -ENOMEM;
        r->records = g;
        PushRequestRecord *rec = &r->records[r->n_records];
        *rec = (PushRequestRecord) { .what = strdup(what), .tables = strdup(tables), .n_upserts = n_upserts,
                                     .n_deletes = n_deletes };
        if (!rec->what || !rec->tables) {
                free(rec->what);
                free(rec->tables);
                return -ENOMEM;
        }
        r->n_records++;
        return 0;
}

static int push_table_add_upsert(PushTable *pt, const Row *row) {
        const Row **u = realloc(pt->upserts, (pt->n_upserts + 1) * sizeof(Row *));
        if (!u)
                return -ENOMEM;
        pt->upserts = u;
        pt->upserts[pt->n_upserts++] = row;
        return 0;
}

static int push_table_add_delete(PushTable *pt, const char *id) {
        const char **d = realloc(pt->deletes, (pt->n_deletes + 1) * sizeof(char *));
        if (!d)
                return -ENOMEM;
        pt->deletes = d;
        pt->deletes[pt->n_deletes++] = id;
        return 0;
}

/* Rows of other nodes, sent whole: the staging area has no such row yet. */
static int plan_bring(PushPlan *plan, const Model *model, const Dataset *foreign) {
        for (size_t t = 0; foreign && t < model->n_tables; t++) {
                PushTable *pt = &plan->tables[t];
                const ModelTable *mt = &model->tables[t];
                for (size_t i = 0; i < foreign->tables[t].n_rows; i++) {
                        for (size_t k = 0; k < mt->n_columns; k++)
                                if (mt->columns[k].node_owned)
                                        pt->columns[k] = true;
                        Row *copy = NULL;
                        int r = dataset_copy_row(plan->rows, t, foreign->tables[t].rows[i], &copy);
                        if (r < 0)
                                return r;
                        r = push_table_add_upsert(pt, copy);
                        if (r < 0)
                                return r;
                        plan->n_upserts++;
                        plan->n_foreign++;
                }
        }
        return 0;
}

int sync_build_plan(const Model *model, const ChangeSet *changes, const Dataset *remote, DeletionPolicy policy,
                    PushPlan **ret) {
        return sync_build_plan_with(model, changes, remote, NULL, policy, ret);
}

int sync_build_plan_with(const Model *model, const ChangeSet *changes, const Dataset *remote, const Dataset *foreign,
                         DeletionPolicy policy, PushPlan **ret) {
        _cleanup_(push_plan_freep) PushPlan *plan = calloc(1, sizeof(PushPlan));
        if (!plan)
                return -ENOMEM;
        int r = dataset_new(model, &plan->rows);
        if (r < 0)
                return r;
        /* One slot per model table; compacted to the tables with work at the end. */
        plan->tables = calloc(model->n_tables, sizeof(PushTable));
        if (!plan->tables)
                return -ENOMEM;
        plan->n_tables = model->n_tables;
        for (size_t t = 0; t < model->n_tables; t++) {
                plan->tables[t].table = t;
                plan->tables[t].columns = calloc(model->tables[t].n_columns, sizeof(bool));
                if (!plan->tables[t].columns)
                        return -ENOMEM;
                plan->tables[t].columns[model->tables[t].id_column] = true;
        }

        for (size_t i = 0; i < changes->n_changes; i++) {
                const Change *c = &changes->changes[i];
                const ModelTable *mt = &model->tables[c->table];
                PushTable *pt = &plan->tables[c->table];
                if (c->blocked)
                        continue; /* a row with errors is never sent */
                switch (c->kind) {
                case CHANGE_ADDED:
                        for (size_t k = 0; k < mt->n_columns; k++)
                                if (mt->columns[k].node_owned)
                                        pt->columns[k] = true;
                        r = push_table_add_upsert(pt, c->local);
                        plan->n_upserts++;
                        break;
                case CHANGE_CHANGED:
                        for (size_t k = 0; k < c->n_columns; k++)
                                pt->columns[c->columns[k].column] = true;
                        r = push_table_add_upsert(pt, c->local);
                        plan->n_upserts++;
                        break;
                case CHANGE_REMOVED:
                        if (policy == DELETIONS_KEEP)
                                break;
                        if (policy == DELETIONS_DELETE) {
                                r = push_table_add_delete(pt, c->id);
                                plan->n_deletes++;
                                break;
                        }
                        /* withdraw: the remote row as it is, marked withdrawn (reversible). */
                        int w = model_column_index(mt, "withdrawn");
                        if (w < 0) {
                                r = push_table_add_delete(pt, c->id);
                                plan->n_deletes++;
                                break;
                        }
                        const Row *src = c->remote ?: dataset_find(remote, c->table, c->id);
                        Row *copy = NULL;
                        if (!src)
                                return -EINVAL;
                        r = dataset_copy_row(plan->rows, c->table, src, &copy);
                        if (r < 0)
                                return r;
                        r = dataset_set(plan->rows, copy, c->table, (size_t) w, "true", NULL);
                        if (r < 0)
                                return r;
                        pt->columns[w] = true;
                        r = push_table_add_upsert(pt, copy);
                        plan->n_upserts++;
                        plan->n_withdrawals++;
                        break;
                }
                if (r < 0)
                        return r;
        }

        r = plan_bring(plan, model, foreign);
        if (r < 0)
                return r;

        size_t k = 0;
        for (size_t t = 0; t < plan->n_tables; t++) {
                PushTable *pt = &plan->tables[t];
                if (pt->n_upserts + pt->n_deletes == 0) {
                        free(pt->columns);
                        continue;
                }
                plan->tables[k++] = *pt;
        }
        plan->n_tables = k;
        *ret = TAKE_PTR(plan);
        return 0;
}

void sync_check_guard(const Config *config, const ChangeSet *changes, const PushPlan *plan, GuardVerdict *ret) {
        size_t n = plan->n_withdrawals + plan->n_deletes;
        size_t limit = 0;
        if (config->max_removals_set)
                limit = config->max_removals_percent
                                ? (size_t) (config->max_removals * changes->n_remote_node_rows / 100)
                                : (size_t) config->max_removals;
        *ret = (GuardVerdict) {
                .n_removals = n,
                .limited = config->max_removals_set,
                .limit = limit,
                .refused = config->max_removals_set && n > limit,
        };
}
