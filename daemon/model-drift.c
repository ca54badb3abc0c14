/* SPDX-License-Identifier: MIT */
#include "csv.h"
#include "limits.h"
#include "model-drift.h"

static const char *const drift_kind_names[] = {
        [DRIFT_NEW_COLUMN] = "new-column",
        [DRIFT_MISSING_COLUMN] = "missing-column",
        [DRIFT_CHANGED_TYPE] = "changed-type",
        [DRIFT_NEW_TABLE] = "new-table",
        [DRIFT_MISSING_TABLE] = "missing-table",
};

const char *drift_kind_to_string(DriftKind k) {
        if ((size_t) k >= ELEMENTSOF(drift_kind_names))
                return NULL;
        return drift_kind_names[k];
}

static void drift_done(Drift *d) {
        free(d->table);
        free(d->column);
        free(d->live_type);
        free(d->model_type);
}

ModelDrift *model_drift_free(ModelDrift *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_items; i++)
                drift_done(&d->items[i]);
        free(d->items);
        free(d);
        return NULL;
}

/* The live model as read: tables and columns in the CSV's order, strings in one arena. */
typedef struct LiveColumn {
        const char *name;
        const char *type;     /* EMX2 spelling as written; "string" when empty */
        bool required;
        bool computed;
} LiveColumn;

typedef struct LiveTable {
        const char *name;
        LiveColumn *columns;
        size_t n_columns, allocated;
        StrMap *by_name;      /* column name -> index + 1 */
} LiveTable;

typedef struct Live {
        Arena arena;
        LiveTable *tables;
        size_t n_tables, allocated;
        StrMap *by_name;      /* table name -> index + 1 */

        const char *filename;
        Findings *findings;
        bool header_done;
        int col_table, col_column, col_type, col_required, col_computed;
} Live;

static void live_done(Live *l) {
        for (size_t i = 0; i < l->n_tables; i++) {
                free(l->tables[i].columns);
                strmap_free(l->tables[i].by_name);
        }
        free(l->tables);
        strmap_free(l->by_name);
        arena_done(&l->arena);
}

static int live_error(Live *l, unsigned line, const char *fmt, ...) _printf_(3, 4);
static int live_error(Live *l, unsigned line, const char *fmt, ...) {
        Location loc = { .file = l->filename, .line = line };
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(l->findings, SEVERITY_ERROR, "live-model", NULL, NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EBADMSG;
}

static const LiveTable *live_find_table(const Live *l, const char *name) {
        uintptr_t i = (uintptr_t) strmap_get(l->by_name, name);
        return i == 0 ? NULL : &l->tables[i - 1];
}

static const LiveColumn *live_find_column(const LiveTable *t, const char *name) {
        uintptr_t i = (uintptr_t) strmap_get(t->by_name, name);
        return i == 0 ? NULL : &t->columns[i - 1];
}

/* The table of that name, added when new. */
static int live_table(Live *l, const char *name, LiveTable **ret) {
        uintptr_t i = (uintptr_t) strmap_get(l->by_name, name);
        if (i > 0) {
                *ret = &l->tables[i - 1];
                return 0;
        }
        if (l->n_tables == l->allocated) {
                size_t a = l->allocated ? l->allocated * 2 : 16;
                LiveTable *t = reallocarray(l->tables, a, sizeof(LiveTable));
                if (!t)
                        return -ENOMEM;
                l->tables = t;
                l->allocated = a;
        }
        LiveTable *t = &l->tables[l->n_tables];
        *t = (LiveTable) { .name = arena_strdup(&l->arena, name), .by_name = strmap_new() };
        if (!t->name || !t->by_name) {
                strmap_free(t->by_name);
                return -ENOMEM;
        }
        int r = strmap_put(l->by_name, t->name, (void *) (uintptr_t) (l->n_tables + 1));
        if (r < 0) {
                strmap_free(t->by_name);
                return r;
        }
        l->n_tables++;
        *ret = t;
        return 0;
}

/* Adds a column; a repeated one keeps its first row. */
static int live_column(Live *l, LiveTable *t, const char *name, const char *type, bool required, bool computed) {
        if (strmap_contains(t->by_name, name))
                return 0;
        if (t->n_columns == t->allocated) {
                size_t a = t->allocated ? t->allocated * 2 : 32;
                LiveColumn *c = reallocarray(t->columns, a, sizeof(LiveColumn));
                if (!c)
                        return -ENOMEM;
                t->columns = c;
                t->allocated = a;
        }
        LiveColumn *c = &t->columns[t->n_columns];
        *c = (LiveColumn) {
                .name = arena_strdup(&l->arena, name),
                .type = arena_strdup(&l->arena, isempty(type) ? "string" : type),
                .required = required,
                .computed = computed,
        };
        if (!c->name || !c->type)
                return -ENOMEM;
        int r = strmap_put(t->by_name, c->name, (void *) (uintptr_t) (t->n_columns + 1));
        if (r < 0)
                return r;
        t->n_columns++;
        return 0;
}

static const char *field(char **fields, size_t n, int i) {
        return i >= 0 && (size_t) i < n ? fields[i] : "";
}

static int live_header(Live *l, unsigned line, char **fields, size_t n) {
        l->col_table = l->col_column = l->col_type = l->col_required = l->col_computed = -1;
        for (size_t i = 0; i < n; i++) {
                int *at = streq(fields[i], "tableName")    ? &l->col_table
                          : streq(fields[i], "columnName") ? &l->col_column
                          : streq(fields[i], "columnType") ? &l->col_type
                          : streq(fields[i], "required")   ? &l->col_required
                          : streq(fields[i], "computed")   ? &l->col_computed
                                                           : NULL;
                if (at && *at < 0)
                        *at = (int) i;
        }
        if (l->col_table < 0 || l->col_column < 0)
                return live_error(l, line, "the live model has no '%s' column: not a MOLGENIS model CSV",
                                  l->col_table < 0 ? "tableName" : "columnName");
        return 0;
}

static int live_record(void *userdata, unsigned line, char **fields, size_t n) {
        Live *l = userdata;
        if (!l->header_done) {
                l->header_done = true;
                return live_header(l, line, fields, n);
        }
        const char *table = field(fields, n, l->col_table);
        const char *column = field(fields, n, l->col_column);
        if (isempty(table)) {
                /* A row of empty fields says nothing; any other row needs its table. */
                for (size_t i = 0; i < n; i++)
                        if (!isempty(fields[i]))
                                return live_error(l, line, "a row of the live model has no tableName");
                return 0;
        }
        LiveTable *t;
        int r = live_table(l, table, &t);
        if (r < 0)
                return r;
        /* A row without columnName describes the table itself; mg_* are system columns. */
        if (isempty(column) || startswith(column, "mg_"))
                return 0;
        return live_column(l, t, column, field(fields, n, l->col_type),
                           strcaseeq(field(fields, n, l->col_required), "true"),
                           !isempty(field(fields, n, l->col_computed)));
}

static int drift_add(ModelDrift *d, size_t *allocated, DriftKind kind, const char *table, const char *column,
                     const char *live_type, const char *model_type, bool required, bool blocking) {
        if (d->n_items == *allocated) {
                size_t a = *allocated ? *allocated * 2 : 16;
                Drift *items = reallocarray(d->items, a, sizeof(Drift));
                if (!items)
                        return -ENOMEM;
                d->items = items;
                *allocated = a;
        }
        Drift x = {
                .kind = kind,
                .table = strdup(table),
                .column = column ? strdup(column) : NULL,
                .live_type = live_type ? strdup(live_type) : NULL,
                .model_type = model_type ? strdup(model_type) : NULL,
                .required = required,
                .blocking = blocking,
        };
        if (!x.table || (column && !x.column) || (live_type && !x.live_type) || (model_type && !x.model_type)) {
                drift_done(&x);
                return -ENOMEM;
        }
        d->items[d->n_items++] = x;
        if (blocking)
                d->n_blocking++;
        return 0;
}

/* The server fills these itself: a required one does not stop a push. */
static bool live_column_is_server_filled(const LiveColumn *c) {
        return c->computed || strcaseeq(c->type, "refback") || strcaseeq(c->type, "heading");
}

static int compare(const Model *model, const Live *l, ModelDrift *d) {
        size_t allocated = 0;
        int r;
        for (size_t i = 0; i < model->n_tables; i++) {
                const ModelTable *mt = &model->tables[i];
                const LiveTable *lt = live_find_table(l, mt->name);
                if (!lt) {
                        r = drift_add(d, &allocated, DRIFT_MISSING_TABLE, mt->name, NULL, NULL, NULL, false, false);
                        if (r < 0)
                                return r;
                        continue;
                }
                for (size_t k = 0; k < mt->n_columns; k++) {
                        const ModelColumn *mc = &mt->columns[k];
                        const char *model_type = column_type_to_string(mc->type);
                        const LiveColumn *lc = live_find_column(lt, mc->name);
                        if (!lc)
                                r = drift_add(d, &allocated, DRIFT_MISSING_COLUMN, mt->name, mc->name, NULL, model_type,
                                              false, false);
                        else if (!model_type || !strcaseeq(lc->type, model_type))
                                r = drift_add(d, &allocated, DRIFT_CHANGED_TYPE, mt->name, mc->name, lc->type,
                                              model_type, lc->required, false);
                        else
                                r = 0;
                        if (r < 0)
                                return r;
                }
                for (size_t k = 0; k < lt->n_columns; k++) {
                        const LiveColumn *lc = &lt->columns[k];
                        if (model_find_column(mt, lc->name))
                                continue;
                        bool blocking = lc->required && !live_column_is_server_filled(lc);
                        r = drift_add(d, &allocated, DRIFT_NEW_COLUMN, mt->name, lc->name, lc->type, NULL, lc->required,
                                      blocking);
                        if (r < 0)
                                return r;
                }
        }
        for (size_t i = 0; i < l->n_tables; i++) {
                if (model_find_table(model, l->tables[i].name))
                        continue;
                r = drift_add(d, &allocated, DRIFT_NEW_TABLE, l->tables[i].name, NULL, NULL, NULL, false, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

int model_drift_compare(const Model *model, const char *csv, size_t size, const char *filename,
                        ModelDrift **ret, Findings *findings) {
        if (!model || (!csv && size > 0) || !ret)
                return -EINVAL;
        if (size > LIMIT_LIVE_MODEL_BYTES)
                return -EFBIG;
        filename = filename ?: "(live model)";

        _cleanup_(live_done) Live l = { .filename = filename, .findings = findings };
        arena_init(&l.arena);
        l.by_name = strmap_new();
        if (!l.by_name)
                return -ENOMEM;
        int r = csv_parse(csv ?: "", size, filename, live_record, &l, findings);
        if (r < 0)
                return r;
        if (!l.header_done)
                return live_error(&l, 1, "the live model is empty");

        _cleanup_(model_drift_freep) ModelDrift *d = calloc(1, sizeof(ModelDrift));
        if (!d)
                return -ENOMEM;
        r = compare(model, &l, d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}
