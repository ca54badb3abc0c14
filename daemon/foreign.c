/* SPDX-License-Identifier: MIT */
#include "diff.h"
#include "foreign.h"
#include "limits.h"
#include "validate.h"

void foreign_refs_done(ForeignRefs *f) {
        for (size_t i = 0; i < f->n_items; i++)
                free(f->items[i].target_id);
        free(f->items);
        *f = (ForeignRefs) {};
}

int foreign_refs_add(ForeignRefs *f, size_t table, Row *row, size_t column, size_t target_table, const char *id) {
        if (f->n_items == f->allocated) {
                size_t n = f->allocated ? f->allocated * 2 : 16;
                ForeignRef *items = reallocarray(f->items, n, sizeof(ForeignRef));
                if (!items)
                        return -ENOMEM;
                f->items = items;
                f->allocated = n;
        }
        char *copy = strdup(id);
        if (!copy)
                return -ENOMEM;
        f->items[f->n_items++] = (ForeignRef) { table, row, column, target_table, copy };
        return 0;
}

bool foreign_id_is_other_node(const char *id, const char *node) {
        char buf[16];
        const char *owner = directory_id_node(id, buf, sizeof buf);
        return owner && node && !streq(owner, node);
}

bool foreign_refs_need_published(const ForeignRefs *f, const Dataset *staging) {
        for (size_t i = 0; i < f->n_items; i++)
                if (!staging || !dataset_find(staging, f->items[i].target_table, f->items[i].target_id))
                        return true;
        return false;
}

/* The references validation follows: to a table of the node, not to a lookup table. */
static bool is_row_reference(const ModelColumn *column) {
        return column->node_owned && !column->ontology && column->ref_table && column->ref_table_index >= 0;
}

void foreign_tables_mask(const Model *model, bool *mask) {
        for (size_t t = 0; t < model->n_tables; t++)
                mask[t] = false;
        for (size_t t = 0; t < model->n_tables; t++)
                for (size_t c = 0; c < model->tables[t].n_columns; c++)
                        if (is_row_reference(&model->tables[t].columns[c]))
                                mask[model->tables[t].columns[c].ref_table_index] = true;
}

void foreign_resolution_done(ForeignResolution *r) {
        r->bring = dataset_free(r->bring);
}

typedef struct Resolver {
        const Dataset *local;
        const ForeignSources *sources;
        Dataset *bring;
        /* Rows this reference's closure added to bring: taken out again when it cannot be completed. */
        struct {
                size_t table;
                const char *id;
        } added[LIMIT_FOREIGN_CLOSURE_ROWS];
        size_t n_added;
        /* The first row of the closure that nobody has. */
        size_t missing_table;
        char missing_id[256];
} Resolver;

static bool is_known(const Resolver *rs, size_t table, const char *id) {
        return dataset_find(rs->local, table, id) ||
               (rs->sources->staging && dataset_find(rs->sources->staging, table, id)) ||
               (rs->bring && dataset_find(rs->bring, table, id));
}

static void set_missing(Resolver *rs, size_t table, const char *id) {
        rs->missing_table = table;
        snprintf(rs->missing_id, sizeof rs->missing_id, "%s", id);
}

/* Brings the published row (table, id) and what it refers to. 1 when the row is there afterwards,
 * 0 when some row of the chain is nowhere (rs->missing_*), or -ENOMEM. */
static int bring_row(Resolver *rs, size_t table, const char *id, unsigned depth) {
        if (is_known(rs, table, id))
                return 1;
        const Row *src = rs->sources->published ? dataset_find(rs->sources->published, table, id) : NULL;
        bool own = rs->sources->node && !foreign_id_is_other_node(id, rs->sources->node);
        if (!src || own || depth >= LIMIT_FOREIGN_CHAIN_DEPTH || rs->n_added >= LIMIT_FOREIGN_CLOSURE_ROWS) {
                set_missing(rs, table, id);
                return 0;
        }
        if (!rs->bring) {
                int r = dataset_new(rs->local->model, &rs->bring);
                if (r < 0)
                        return r;
                dataset_keep_cell_locations(rs->bring, false);
        }
        Row *copy = NULL;
        int r = dataset_copy_row(rs->bring, table, src, &copy);
        if (r < 0)
                return r;
        copy->flags = 0;
        copy->origin = (Location) {}; /* the published read's names are gone by now */
        rs->added[rs->n_added].table = table;
        rs->added[rs->n_added++].id = copy->id;
        const ModelTable *t = &rs->local->model->tables[table];
        for (size_t c = 0; c < t->n_columns; c++) {
                const ModelColumn *column = &t->columns[c];
                if (!is_row_reference(column) || !src->cells[c])
                        continue;
                size_t target = (size_t) column->ref_table_index;
                if (!column_type_is_list(column->type)) {
                        r = bring_row(rs, target, src->cells[c], depth + 1);
                        if (r <= 0)
                                return r;
                        continue;
                }
                const char *state = src->cells[c], *item;
                size_t n;
                while (dataset_list_next(&state, &item, &n)) {
                        _cleanup_free_ char *id_item = strndup(item, n);
                        if (!id_item)
                                return -ENOMEM;
                        r = bring_row(rs, target, id_item, depth + 1);
                        if (r <= 0)
                                return r;
                }
        }
        return 1;
}

/* Takes a failed closure's rows out of bring again: they would be refused without the missing one. */
static void undo_closure(Resolver *rs) {
        /* The ids stay readable: a removed row's memory stays in the arena. */
        for (size_t i = rs->n_added; i > 0; i--)
                (void) dataset_remove_row(rs->bring, rs->added[i - 1].table, rs->added[i - 1].id);
        rs->n_added = 0;
}

static int report_unresolved(Resolver *rs, const ForeignRef *ref, Severity severity, Findings *findings) {
        const Model *model = rs->local->model;
        const ModelTable *t = &model->tables[ref->table];
        Location at = dataset_cell_location(ref->row, ref->column);
        const char *phrase = rs->sources->missing_phrase ?: "which neither the staging area nor the published Directory has";
        bool chain = !streq(rs->missing_id, ref->target_id);
        if (severity == SEVERITY_ERROR)
                ref->row->flags |= ROW_HAS_ERROR;
        return findings_add(findings, severity, severity == SEVERITY_ERROR ? "dangling-reference" : "foreign-reference",
                            t->name, ref->row->id, t->columns[ref->column].name, at.file ? &at : NULL,
                            "'%s' refers to %s '%s' of another node%s%s%s%s%s, %s", t->columns[ref->column].name,
                            model->tables[ref->target_table].name, ref->target_id, chain ? ", which needs " : "",
                            chain ? model->tables[rs->missing_table].name : "", chain ? " '" : "",
                            chain ? rs->missing_id : "", chain ? "'" : "", phrase);
}

int foreign_resolve(Dataset *local, const ForeignRefs *refs, const ForeignSources *sources, Severity severity,
                    Findings *findings, ForeignResolution *ret) {
        _cleanup_free_ Resolver *rs = calloc(1, sizeof(Resolver));
        if (!rs)
                return -ENOMEM;
        rs->local = local;
        rs->sources = sources;
        size_t resolved = 0, unresolved = 0;
        bool marked = false;
        int r = 0;
        for (size_t i = 0; i < refs->n_items && r >= 0; i++) {
                const ForeignRef *ref = &refs->items[i];
                rs->n_added = 0;
                set_missing(rs, ref->target_table, ref->target_id);
                /* A held-back row brings nothing; its reference still resolves or not. */
                if (ref->row->flags & ROW_BLOCKED)
                        r = is_known(rs, ref->target_table, ref->target_id) ||
                            (sources->published && dataset_find(sources->published, ref->target_table, ref->target_id));
                else
                        r = bring_row(rs, ref->target_table, ref->target_id, 0);
                if (r < 0)
                        break;
                if (r > 0) {
                        resolved++;
                        continue;
                }
                undo_closure(rs);
                unresolved++;
                marked = marked || severity == SEVERITY_ERROR;
                r = report_unresolved(rs, ref, severity, findings);
        }
        if (r >= 0 && marked)
                r = validate_propagate_blocking(local);
        if (r < 0) {
                dataset_free(rs->bring);
                return r;
        }
        if (rs->bring && dataset_total_rows(rs->bring) == 0)
                rs->bring = dataset_free(rs->bring);
        *ret = (ForeignResolution) { .n_resolved = resolved, .n_unresolved = unresolved, .bring = rs->bring };
        return 0;
}
