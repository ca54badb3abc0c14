/* SPDX-License-Identifier: MIT */
#include "emx2csv.h"
#include "export.h"
#include "push-body.h"

/* Self-references of a table: columns whose target is the table itself. */
static bool column_is_self_ref(const ModelTable *t, size_t c) {
        return t->columns[c].node_owned && t->columns[c].ref_table_index == (int) t->index &&
               !t->columns[c].ontology;
}

int push_body_upsert_order(const Model *model, const PushTable *pt, size_t **ret_order) {
        const ModelTable *t = &model->tables[pt->table];
        size_t n = pt->n_upserts;
        _cleanup_free_ size_t *order = calloc(n ?: 1, sizeof(size_t));
        if (!order)
                return -ENOMEM;
        bool self = false;
        for (size_t c = 0; c < t->n_columns; c++)
                self = self || column_is_self_ref(t, c);
        if (!self) {
                for (size_t i = 0; i < n; i++)
                        order[i] = i;
                *ret_order = TAKE_PTR(order);
                return 0;
        }
        /* Referenced rows first: a depth-first walk over the self-references among the plan's rows,
         * with an explicit stack (a chain of sub-collections can be long) and the rows' plan
         * positions in a map. A cycle (the server would refuse it anyway) is cut where it closes. */
        _cleanup_(strmap_freep) StrMap *position = strmap_new();
        _cleanup_free_ unsigned char *state = calloc(n ?: 1, 1); /* 0 new, 1 on the stack, 2 emitted */
        _cleanup_free_ size_t *stack = calloc(n ?: 1, sizeof(size_t));
        _cleanup_free_ size_t *next_column = calloc(n ?: 1, sizeof(size_t));
        if (!position || !state || !stack || !next_column || strmap_reserve(position, n) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = strmap_put(position, pt->upserts[i]->id, (void *) (uintptr_t) (i + 1));
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        size_t k = 0;
        for (size_t root = 0; root < n; root++) {
                if (state[root])
                        continue;
                size_t depth = 0;
                stack[depth++] = root;
                state[root] = 1;
                next_column[root] = 0;
                while (depth > 0) {
                        size_t i = stack[depth - 1];
                        bool pushed = false;
                        /* Visit the next referenced row of i that is in the plan and new. */
                        for (size_t c = next_column[i]; c < t->n_columns && !pushed; c++) {
                                next_column[i] = c + 1;
                                if (!column_is_self_ref(t, c) || !pt->upserts[i]->cells[c])
                                        continue;
                                const char *state_ptr = pt->upserts[i]->cells[c], *item;
                                size_t len;
                                while (dataset_list_next(&state_ptr, &item, &len)) {
                                        _cleanup_free_ char *target = strndup(item, len);
                                        if (!target)
                                                return -ENOMEM;
                                        uintptr_t p = (uintptr_t) strmap_get(position, target);
                                        if (p == 0 || state[p - 1])
                                                continue;
                                        /* Revisit this column for further items: list columns. */
                                        next_column[i] = c;
                                        state[p - 1] = 1;
                                        next_column[p - 1] = 0;
                                        stack[depth++] = p - 1;
                                        pushed = true;
                                        break;
                                }
                        }
                        if (pushed)
                                continue;
                        depth--;
                        state[i] = 2;
                        order[k++] = i;
                }
        }
        *ret_order = TAKE_PTR(order);
        return 0;
}

/* Closes a memory stream (which is when buf and size become final) and hands the buffer over. */

/* Upserts [first, first + n) in push order, with the header when header is set. */
static int write_upserts(const Model *model, const PushTable *pt, const size_t *order, size_t first, size_t n,
                         bool mg_delete_column, bool header, FILE *out) {
        _cleanup_free_ const Row **rows = calloc(n ?: 1, sizeof(Row *));
        if (!rows)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                rows[i] = pt->upserts[order ? order[first + i] : first + i];
        return emx2_write_rows(&model->tables[pt->table], rows, n, pt->columns, header,
                               mg_delete_column ? "mg_delete" : NULL, "false", out);
}

/* Deletions, children first (the reverse of the plan's order): the id alone, or with mg_delete_column
 * the plan's upsert columns (left empty) and mg_delete=true, so that they share a file with upserts. */
static int write_deletes(const Model *model, const PushTable *pt, bool mg_delete_column, bool header, FILE *out) {
        const ModelTable *t = &model->tables[pt->table];
        _cleanup_free_ bool *only_id = calloc(t->n_columns, sizeof(bool));
        _cleanup_free_ const char **no_cells = calloc(t->n_columns, sizeof(char *));
        _cleanup_free_ Row *rows = calloc(pt->n_deletes ?: 1, sizeof(Row));
        _cleanup_free_ const Row **row_ptrs = calloc(pt->n_deletes ?: 1, sizeof(Row *));
        if (!only_id || !no_cells || !rows || !row_ptrs)
                return -ENOMEM;
        only_id[t->id_column] = true;
        for (size_t i = 0; i < pt->n_deletes; i++) {
                rows[i] = (Row) { .id = pt->deletes[pt->n_deletes - 1 - i], .cells = no_cells };
                row_ptrs[i] = &rows[i];
        }
        return emx2_write_rows(t, row_ptrs, pt->n_deletes, mg_delete_column ? pt->columns : only_id, header,
                               mg_delete_column ? "mg_delete" : NULL, "true", out);
}

int push_body_upserts_csv(const Model *model, const PushTable *pt, const size_t *order, size_t first, size_t n,
                          bool mg_delete_column, char **ret_data, size_t *ret_size) {
        if (first > pt->n_upserts || n > pt->n_upserts - first)
                return -EINVAL;
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        int r = write_upserts(model, pt, order, first, n, mg_delete_column, true, out);
        return memstream_done(out, &buf, &size, r, ret_data, ret_size);
}

int push_body_deletes_csv(const Model *model, const PushTable *pt, bool mg_delete_column, char **ret_data,
                          size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        int r = write_deletes(model, pt, mg_delete_column, true, out);
        return memstream_done(out, &buf, &size, r, ret_data, ret_size);
}

PushZipPlan *push_zip_plan_free(PushZipPlan *z) {
        if (!z)
                return NULL;
        for (size_t i = 0; i < z->n_steps; i++) {
                free(z->steps[i].upserts);
                free(z->steps[i].deletes);
        }
        free(z->steps);
        free(z);
        return NULL;
}

static int add_step(PushZipPlan *z, PushZipStep **ret) {
        PushZipStep *s = reallocarray(z->steps, z->n_steps + 1, sizeof(PushZipStep));
        if (!s)
                return -ENOMEM;
        z->steps = s;
        PushZipStep *step = &z->steps[z->n_steps];
        *step = (PushZipStep) {
                .upserts = calloc(z->n_tables ?: 1, sizeof(bool)),
                .deletes = calloc(z->n_tables ?: 1, sizeof(bool)),
        };
        if (!step->upserts || !step->deletes) {
                free(step->upserts);
                free(step->deletes);
                return -ENOMEM;
        }
        z->n_steps++;
        *ret = step;
        return 0;
}

/* Can the server delete rows of plan table i in the first import? Not when a later table with work
 * in the plan may point at it: its rows are deleted or re-pointed only after i's deletions. */
static bool deletes_fit_first_step(const Model *model, const PushPlan *plan, size_t i) {
        size_t target = plan->tables[i].table;
        for (size_t j = i + 1; j < plan->n_tables; j++) {
                const ModelTable *u = &model->tables[plan->tables[j].table];
                for (size_t c = 0; c < u->n_columns; c++)
                        if (u->columns[c].node_owned && !u->columns[c].ontology &&
                            u->columns[c].ref_table_index == (int) target)
                                return false;
        }
        return true;
}

int push_zip_plan(const Model *model, const PushPlan *plan, PushZipPlan **ret) {
        _cleanup_(push_zip_plan_freep) PushZipPlan *z = calloc(1, sizeof(PushZipPlan));
        if (!z)
                return -ENOMEM;
        z->n_tables = plan->n_tables;
        PushZipStep *first = NULL;
        int r = add_step(z, &first);
        if (r < 0)
                return r;
        size_t first_index = z->n_steps - 1;
        _cleanup_free_ bool *later = calloc(plan->n_tables ?: 1, sizeof(bool));
        if (!later)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n_tables; i++) {
                const PushTable *pt = &plan->tables[i];
                first = &z->steps[first_index];
                if (pt->n_upserts > 0) {
                        first->upserts[i] = true;
                        first->n_upserts += pt->n_upserts;
                }
                if (pt->n_deletes == 0)
                        continue;
                if (deletes_fit_first_step(model, plan, i)) {
                        first->deletes[i] = true;
                        first->n_deletes += pt->n_deletes;
                } else
                        later[i] = true;
        }
        for (size_t i = plan->n_tables; i > 0; i--) {
                if (!later[i - 1])
                        continue;
                PushZipStep *step = NULL;
                r = add_step(z, &step);
                if (r < 0)
                        return r;
                step->deletes[i - 1] = true;
                step->n_deletes = plan->tables[i - 1].n_deletes;
        }
        /* A plan of deletions alone leaves the first step empty: drop it. */
        if (z->steps[0].n_upserts + z->steps[0].n_deletes == 0) {
                free(z->steps[0].upserts);
                free(z->steps[0].deletes);
                memmove(z->steps, z->steps + 1, (z->n_steps - 1) * sizeof(PushZipStep));
                z->n_steps--;
        }
        *ret = TAKE_PTR(z);
        return 0;
}

int push_body_zip(const Model *model, const PushPlan *plan, const PushZipStep *step, void **ret_data,
                  size_t *ret_size) {
        ExportZipEntry *entries = calloc(plan->n_tables ?: 1, sizeof(ExportZipEntry));
        if (!entries)
                return -ENOMEM;
        size_t n = 0;
        int r = 0;
        for (size_t i = 0; i < plan->n_tables && r >= 0; i++) {
                const PushTable *pt = &plan->tables[i];
                bool ups = step->upserts[i] && pt->n_upserts > 0, dels = step->deletes[i] && pt->n_deletes > 0;
                if (!ups && !dels)
                        continue;
                /* One file per table: the upserts (mg_delete=false when deletions follow), then the
                 * deletions under the same header. */
                _cleanup_free_ size_t *order = NULL;
                if (ups && (r = push_body_upsert_order(model, pt, &order)) < 0)
                        break;
                char *buf = NULL;
                size_t size = 0;
                FILE *out = open_memstream(&buf, &size);
                if (!out) {
                        r = -ENOMEM;
                        break;
                }
                if (ups)
                        r = write_upserts(model, pt, order, 0, pt->n_upserts, dels, true, out);
                if (r >= 0 && dels)
                        r = write_deletes(model, pt, true, !ups, out);
                char *data = NULL;
                r = memstream_done(out, &buf, &size, r, &data, &entries[n].size);
                if (r < 0)
                        break;
                entries[n].data = data;
                entries[n].name = strdup_printf("%s.csv", model->tables[pt->table].name);
                if (!entries[n++].name)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = export_zip_buffer(entries, n, ret_data, ret_size);
        export_zip_entries_free(entries, plan->n_tables);
        return r;
}
