/* SPDX-License-Identifier: MIT */
#include "quality-policy.h"

struct DirectoryQualityErrors {
        size_t n_tables;
        StrMap **pairs; /* per table: "id\x1fcheck id" -> NULL */
        Arena keys;
};

/* The changes a push would send (added or changed), per table by row id; and, for `new`, the
 * Directory's quality errors. */
typedef struct Policy {
        const Model *model;
        const Dataset *local;
        StrMap **pushed;                      /* per table: id -> Change */
        const DirectoryQualityErrors *known;  /* `new` only; NULL: none */
        DirectoryQualityErrors *collected;    /* when collected here */
        Arena keys;
} Policy;

static StrMap **new_maps(size_t n) {
        StrMap **maps = calloc(n, sizeof(StrMap *));
        for (size_t t = 0; maps && t < n; t++)
                if (!(maps[t] = strmap_new())) {
                        for (size_t k = 0; k < t; k++)
                                strmap_free(maps[k]);
                        return mfree(maps);
                }
        return maps;
}

static void free_maps(StrMap **maps, size_t n) {
        for (size_t t = 0; maps && t < n; t++)
                strmap_free(maps[t]);
        free(maps);
}

static void policy_done(Policy *p) {
        free_maps(p->pushed, p->model->n_tables);
        directory_quality_errors_free(p->collected);
        arena_done(&p->keys);
}

/* "id\x1fcode" in arena. */
static const char *pair_key(Arena *arena, const char *id, const char *code) {
        size_t a = strlen(id), b = strlen(code);
        char *key = arena_alloc(arena, a + b + 2);
        if (!key)
                return NULL;
        memcpy(key, id, a);
        key[a] = DATASET_LIST_SEP;
        memcpy(key + a + 1, code, b + 1);
        return key;
}

static bool is_row_quality_error(const Finding *f) {
        return f->severity == SEVERITY_QUALITY_ERROR && f->table && f->id && f->code;
}

DirectoryQualityErrors *directory_quality_errors_free(DirectoryQualityErrors *e) {
        if (!e)
                return NULL;
        free_maps(e->pairs, e->n_tables);
        arena_done(&e->keys);
        free(e);
        return NULL;
}

/* The Directory's current rows, through the same checks: what it has already is tolerated. */
int directory_quality_errors_collect(const Dataset *remote, const Vocabularies *v, const QualityOptions *options,
                                     DirectoryQualityErrors **ret) {
        const Model *model = remote->model;
        _cleanup_(directory_quality_errors_freep) DirectoryQualityErrors *e = calloc(1, sizeof(DirectoryQualityErrors));
        if (!e)
                return -ENOMEM;
        arena_init(&e->keys);
        e->n_tables = model->n_tables;
        if (!(e->pairs = new_maps(model->n_tables)))
                return -ENOMEM;
        Findings found;
        findings_init(&found);
        /* Only the rows' quality errors are looked up: the rest need not be found. */
        QualityOptions errors_only = options ? *options : (QualityOptions) {};
        errors_only.errors_only = true;
        int r = quality_check_dataset(remote, v, &errors_only, &found);
        for (size_t i = 0; r >= 0 && i < found.n_items; i++) {
                const Finding *f = &found.items[i];
                int t = is_row_quality_error(f) ? model_table_index(model, f->table) : -1;
                if (t < 0)
                        continue;
                const char *key = pair_key(&e->keys, f->id, f->code);
                r = key ? strmap_put(e->pairs[t], key, NULL) : -ENOMEM;
                if (r == -EEXIST)
                        r = 0;
        }
        findings_done(&found);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(e);
        return 0;
}

/* Whether a changed row has a quality error: only then can the Directory's row have it already.
 * Most runs have none, and checking the Directory's rows costs a good part of the master's. */
static bool needs_remote_findings(const Policy *p, const Findings *findings) {
        for (size_t i = 0; i < findings->n_items; i++) {
                const Finding *f = &findings->items[i];
                int t = is_row_quality_error(f) ? model_table_index(p->model, f->table) : -1;
                const Change *c = t >= 0 ? strmap_get(p->pushed[t], f->id) : NULL;
                if (c && c->kind == CHANGE_CHANGED)
                        return true;
        }
        return false;
}

static void hold_back(ChangeSet *changes, Dataset *local, Change *c) {
        c->blocked = true;
        changes->per_table[c->table].blocked++;
        changes->total.blocked++;
        Row *row = dataset_find(local, c->table, c->id);
        if (row)
                row->flags |= ROW_BLOCKED | ROW_HELD_BY_POLICY;
}

/* A referenced row that holds its referrer back: the id to name (stable), or NULL. */
typedef const char *(*HoldingRow)(const Policy *p, size_t table, const char *id);

/* An added row the policy holds back. */
static const char *held_back_added(const Policy *p, size_t table, const char *id) {
        const Change *target = strmap_get(p->pushed[table], id);
        return target && target->blocked && target->kind == CHANGE_ADDED ? target->id : NULL;
}

/* A row held back for errors (its own or those of a row it needs), as validation marked it. */
static const char *held_back_for_errors(const Policy *p, size_t table, const char *id) {
        const Row *row = dataset_find(p->local, table, id);
        return row && (row->flags & ROW_BLOCKED) && !(row->flags & ROW_HELD_BY_POLICY) ? row->id : NULL;
}

/* The first row c's row refers to (the references validation follows) that holding() names. */
static int first_holding_reference(const Policy *p, const Change *c, HoldingRow holding, size_t *ret_table,
                                   const char **ret_id) {
        const ModelTable *t = &p->model->tables[c->table];
        const char *found = NULL;
        size_t k = 0;
        for (; k < t->n_columns && !found; k++) {
                const ModelColumn *column = &t->columns[k];
                const char *cell = c->local->cells[k];
                if (!cell || !column->node_owned || column->ontology || !column->ref_table || column->ref_table_index < 0)
                        continue;
                size_t target = (size_t) column->ref_table_index;
                if (!column_type_is_list(column->type)) {
                        found = holding(p, target, cell);
                        continue;
                }
                const char *state = cell, *item;
                size_t n;
                while (!found && dataset_list_next(&state, &item, &n)) {
                        _cleanup_free_ char *id = strndup(item, n);
                        if (!id)
                                return -ENOMEM;
                        found = holding(p, target, id);
                }
        }
        *ret_id = found;
        if (found)
                *ret_table = (size_t) t->columns[k - 1].ref_table_index;
        return 0;
}

static bool listed_code(const char *codes, const char *code) {
        size_t n = strlen(code);
        for (const char *at = codes; n > 0 && at && (at = strstr(at, code)); at += n)
                if ((at == codes || at[-1] == ' ') && (at[n] == ',' || at[n] == 0))
                        return true;
        return false;
}

/* Each held-back change's reason, from one pass over the findings: its errors (which win), or the
 * quality errors held against it, counted, the first kept, the check ids listed once. */
static int note_reasons(const Policy *p, const Findings *findings) {
        for (size_t i = 0; i < findings->n_items; i++) {
                const Finding *f = &findings->items[i];
                bool error = f->severity == SEVERITY_ERROR;
                if ((!error && !f->holds_back) || !f->table || !f->id || !f->code)
                        continue;
                int t = model_table_index(p->model, f->table);
                Change *c = t >= 0 ? strmap_get(p->pushed[t], f->id) : NULL;
                if (!c || !c->blocked || (!error && c->held_by_errors))
                        continue;
                if (error && !c->held_by_errors) {
                        c->held_by_errors = true;
                        c->n_held_by = 0;
                        c->held_by_codes = mfree(c->held_by_codes);
                }
                if (c->n_held_by++ == 0) {
                        c->held_by_code = f->code;
                        c->held_by_message = f->message;
                }
                if (error || listed_code(c->held_by_codes, f->code))
                        continue;
                char *codes = c->held_by_codes ? strdup_printf("%s, %s", c->held_by_codes, f->code) : strdup(f->code);
                if (!codes)
                        return -ENOMEM;
                free(c->held_by_codes);
                c->held_by_codes = codes;
        }
        /* Held back with no error or quality error of its own and no new row it waits for:
         * validation held it back for a row it needs; name that row. */
        for (size_t t = 0; t < p->model->n_tables; t++) {
                size_t i = 0;
                void *value;
                while (strmap_iterate(p->pushed[t], &i, NULL, &value)) {
                        Change *c = value;
                        if (!c->blocked || c->n_held_by > 0 || c->needs_id)
                                continue;
                        int r = first_holding_reference(p, c, held_back_for_errors, &c->needs_table, &c->needs_id);
                        if (r < 0)
                                return r;
                        c->needs_errors = c->needs_id != NULL;
                }
        }
        return 0;
}

int quality_policy_apply(QualityBlock block, Dataset *local, const Dataset *remote, const Vocabularies *v,
                         const QualityOptions *options, const DirectoryQualityErrors *known, ChangeSet *changes,
                         Findings *findings, QualityPolicyResult *ret) {
        /* A quality error that was not kept could be any row's: none can be told apart. */
        if (block != QUALITY_BLOCK_NONE && findings->n_dropped_quality_errors > 0)
                return -E2BIG;
        QualityPolicyResult result = {};
        Policy p = { .model = local->model, .local = local, .known = known };
        arena_init(&p.keys);
        int r = -ENOMEM;
        p.pushed = new_maps(p.model->n_tables);
        if (!p.pushed)
                goto finish;
        for (size_t i = 0; i < changes->n_changes; i++) {
                Change *c = &changes->changes[i];
                if (c->kind != CHANGE_REMOVED && (r = strmap_put(p.pushed[c->table], c->id, c)) < 0)
                        goto finish;
        }
        if (block == QUALITY_BLOCK_NEW && !p.known && needs_remote_findings(&p, findings)) {
                if ((r = directory_quality_errors_collect(remote, v, options, &p.collected)) < 0)
                        goto finish;
                p.known = p.collected;
        }
        r = 0;

        for (size_t i = 0; block != QUALITY_BLOCK_NONE && i < findings->n_items; i++) {
                Finding *f = &findings->items[i];
                int t = is_row_quality_error(f) ? model_table_index(p.model, f->table) : -1;
                Change *c = t >= 0 ? strmap_get(p.pushed[t], f->id) : NULL;
                if (!c)
                        continue; /* an unchanged row: pushing nothing brings nothing */
                if (block == QUALITY_BLOCK_NEW && p.known) {
                        const char *key = pair_key(&p.keys, f->id, f->code);
                        if (!key) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        if (strmap_contains(p.known->pairs[t], key)) {
                                f->in_directory = true;
                                result.n_tolerated++;
                                continue;
                        }
                }
                f->holds_back = true;
                if (c->blocked)
                        continue; /* an error holds it back already, or an earlier finding */
                hold_back(changes, local, c);
                result.n_held_back++;
        }

        /* Rows referring to a held-back added row, until none is left: each pass holds back at least
         * one more row or ends, and chains are short (a collection's parents). */
        for (bool more = result.n_held_back > 0; more;) {
                more = false;
                for (size_t i = 0; i < changes->n_changes; i++) {
                        Change *c = &changes->changes[i];
                        if (c->kind == CHANGE_REMOVED || c->blocked)
                                continue;
                        size_t table;
                        const char *target;
                        if ((r = first_holding_reference(&p, c, held_back_added, &table, &target)) < 0)
                                goto finish;
                        if (!target)
                                continue;
                        c->needs_table = table;
                        c->needs_id = target;
                        hold_back(changes, local, c);
                        result.n_held_needing++;
                        more = true;
                }
        }
        r = note_reasons(&p, findings);
finish:
        policy_done(&p);
        if (r >= 0)
                *ret = result;
        return r < 0 ? r : 0;
}
