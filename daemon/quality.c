/* SPDX-License-Identifier: MIT */
#include <assert.h>

#include "quality-families.h"

/* The families, in the order BBMRI-ERIC's tool runs its plugins (alphabetical). Each file adds its
 * own line. */
static const QualityFamily *const families[] = {
        &quality_family_existence,
        NULL,
};

int quality_column(const QualityContext *q, int table, const char *name) {
        return table < 0 ? -1 : model_column_index(&q->d->model->tables[table], name);
}

bool quality_list_has(const char *cell, const char *item) {
        const char *state = cell, *it;
        size_t n, len = strlen(item);
        while (dataset_list_next(&state, &it, &n))
                if (n == len && memcmp(it, item, n) == 0)
                        return true;
        return false;
}

bool quality_parse_int(const char *s, long long *ret) {
        if (!s || !*s)
                return false;
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || *end)
                return false;
        *ret = v;
        return true;
}

size_t quality_check_count(void) {
        size_t n = 0;
        for (size_t f = 0; families[f]; f++)
                n += families[f]->n_checks;
        return n;
}

const QualityCheckInfo *quality_check_at(size_t i) {
        for (size_t f = 0; families[f]; f++) {
                if (i < families[f]->n_checks)
                        return &families[f]->checks[i];
                i -= families[f]->n_checks;
        }
        return NULL;
}

const QualityCheckInfo *quality_check_info(const char *id) {
        for (size_t f = 0; families[f]; f++)
                for (size_t i = 0; i < families[f]->n_checks; i++)
                        if (streq(families[f]->checks[i].id, id))
                                return &families[f]->checks[i];
        return NULL;
}

int quality_report(QualityContext *q, const char *check_id, size_t table, const Row *row, int column,
                   const char *fmt, ...) {
        const QualityCheckInfo *info = quality_check_info(check_id);
        assert(info); /* every id a family reports is in its table */
        const ModelTable *t = &q->d->model->tables[table];
        Location at = column >= 0 ? dataset_cell_location(row, (size_t) column) : row->origin;
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(q->findings, info->level, check_id, t->name, row->id,
                              column >= 0 ? t->columns[column].name : NULL, at.file ? &at : NULL, fmt, ap);
        va_end(ap);
        return r;
}

int quality_check_dataset(const Dataset *d, const Vocabularies *v, const QualityOptions *options,
                          Findings *findings) {
        QualityContext q = {
                .d = d,
                .v = v,
                .options = options,
                .findings = findings,
                .persons = model_table_index(d->model, "Persons"),
                .also_known_in = model_table_index(d->model, "AlsoKnownIn"),
                .networks = model_table_index(d->model, "Networks"),
                .biobanks = model_table_index(d->model, "Biobanks"),
                .services = model_table_index(d->model, "Services"),
                .studies = model_table_index(d->model, "Studies"),
                .collections = model_table_index(d->model, "Collections"),
                .facts = model_table_index(d->model, "CollectionFacts"),
        };
        for (size_t f = 0; families[f]; f++) {
                int r = families[f]->run(&q);
                if (r < 0)
                        return r;
        }
        return 0;
}
