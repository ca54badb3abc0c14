/* SPDX-License-Identifier: MIT */
#include "records.h"

int record_set_new(RecordSet **ret) {
        RecordSet *s = calloc(1, sizeof(RecordSet));
        if (!s)
                return -ENOMEM;
        arena_init(&s->arena);
        arena_init(&s->names_arena);
        s->names = strmap_new();
        if (!s->names) {
                free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

RecordSet *record_set_free(RecordSet *s) {
        if (!s)
                return NULL;
        free(s->records);
        strmap_free(s->names);
        strv_free(s->files);
        free(s->node);
        arena_done(&s->arena);
        arena_done(&s->names_arena);
        free(s);
        return NULL;
}

void record_set_set_sink(RecordSet *s, RecordSink sink, void *userdata) {
        s->sink = sink;
        s->sink_userdata = userdata;
}

RecordSetMark record_set_mark(const RecordSet *s) {
        return (RecordSetMark) { .arena = arena_mark(&s->arena), .n_records = s->n_records };
}

int record_set_sink_since(RecordSet *s, const RecordSetMark *mark) {
        if (!s->sink)
                return 0;
        for (size_t i = mark->n_records; i < s->n_records; i++) {
                int r = s->sink(s->sink_userdata, s->records[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int record_set_sink_record(RecordSet *s, const Record *r) {
        return s->sink ? s->sink(s->sink_userdata, r) : 0;
}

void record_set_release(RecordSet *s, const RecordSetMark *mark) {
        if (mark->n_records > s->n_records)
                return;
        s->n_records = mark->n_records;
        arena_release(&s->arena, &mark->arena);
}

int record_set_set_node(RecordSet *s, const char *node) {
        char *copy = NULL;
        if (node) {
                copy = strdup(node);
                if (!copy)
                        return -ENOMEM;
        }
        free(s->node);
        s->node = copy;
        return 0;
}

const char *record_set_intern_file(RecordSet *s, const char *path) {
        if (!s || !path)
                return NULL;
        /* A handful of files per run: a linear search is the simplest correct index. */
        for (char **f = s->files; f && *f; f++)
                if (streq(*f, path))
                        return *f;
        if (strv_extend(&s->files, path) < 0)
                return NULL;
        return s->files[strv_length(s->files) - 1];
}

/* Names repeat on every record (400,000 fact rows share nine): keep one copy of each. */
static const char *intern_name(RecordSet *s, const char *name) {
        /* A CSV header hands the same pointers on every row: look those up without hashing. The
         * text is compared too, because freed memory comes back at the same addresses. */
        for (size_t i = 0; i < ELEMENTSOF(s->name_cache); i++)
                if (s->name_cache[i][0] == name && streq(s->name_cache[i][1], name))
                        return s->name_cache[i][1];
        const char *copy = strmap_get(s->names, name);
        if (!copy) {
                copy = arena_strdup(&s->names_arena, name);
                if (!copy || strmap_put(s->names, copy, (void *) copy) < 0)
                        return NULL;
        }
        unsigned k = s->name_cache_next++ % ELEMENTSOF(s->name_cache);
        s->name_cache[k][0] = name;
        s->name_cache[k][1] = copy;
        return copy;
}

static int grow_fields(RecordSet *s, Record *r, size_t want) {
        if (want <= r->allocated)
                return 0;
        /* Field arrays live in the arena too: one malloc per record would dominate at 400,000
         * fact rows. Readers reserve the right size; a grown array leaves its old copy behind. */
        size_t n = r->allocated ? r->allocated * 2 : 4;
        if (n < want)
                n = want;
        RecordField *fields = arena_alloc(&s->arena, n * sizeof(RecordField));
        if (!fields)
                return -ENOMEM;
        if (r->n_fields > 0)
                memcpy(fields, r->fields, r->n_fields * sizeof(RecordField));
        r->fields = fields;
        r->allocated = n;
        return 0;
}

int record_reserve_fields(RecordSet *s, Record *r, size_t n) {
        return grow_fields(s, r, r->n_fields + n);
}

int record_set_add(RecordSet *s, const char *table, const char *id, const Location *loc, Record **ret) {
        if (!s || !table)
                return -EINVAL;
        if (s->n_records >= s->allocated) {
                size_t n = s->allocated ? s->allocated * 2 : 64;
                Record **records = realloc(s->records, n * sizeof(Record *));
                if (!records)
                        return -ENOMEM;
                s->records = records;
                s->allocated = n;
        }
        Record *r = arena_alloc0(&s->arena, sizeof(Record));
        if (!r)
                return -ENOMEM;
        r->table = intern_name(s, table);
        if (!r->table)
                return -ENOMEM;
        if (id) {
                r->id = arena_strdup(&s->arena, id);
                if (!r->id)
                        return -ENOMEM;
        }
        if (loc)
                r->location = *loc;
        s->records[s->n_records++] = r;
        if (ret)
                *ret = r;
        return 0;
}

static int add_field(RecordSet *s, Record *r, const char *name, const char *const *values, size_t n_values,
                     bool is_list, bool inherited, const Location *loc, bool copy) {
        if (!s || !r || !name || (n_values > 0 && !values))
                return -EINVAL;
        int k = grow_fields(s, r, r->n_fields + 1);
        if (k < 0)
                return k;
        RecordField f = {
                .n_values = n_values,
                .is_list = is_list,
                .inherited = inherited,
                .location = loc ? *loc : (Location) {},
        };
        f.name = copy ? intern_name(s, name) : name;
        if (!f.name)
                return -ENOMEM;
        if (n_values > 0) {
                if (n_values > SIZE_MAX / sizeof(char *))
                        return -E2BIG;
                const char **v = arena_alloc(&s->arena, n_values * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                for (size_t i = 0; i < n_values; i++) {
                        /* A null item (YAML "~" in a list) stays NULL: the mapping decides. */
                        v[i] = values[i] && copy ? arena_strdup(&s->arena, values[i]) : values[i];
                        if (values[i] && !v[i])
                                return -ENOMEM;
                }
                f.values = v;
        }
        r->fields[r->n_fields++] = f;
        return 0;
}

int record_add_field(RecordSet *s, Record *r, const char *name, const char *const *values, size_t n_values,
                     bool is_list, bool inherited, const Location *loc) {
        return add_field(s, r, name, values, n_values, is_list, inherited, loc, true);
}

int record_add_field_borrowed(RecordSet *s, Record *r, const char *name, const char *const *values,
                              size_t n_values, bool is_list, bool inherited, const Location *loc) {
        return add_field(s, r, name, values, n_values, is_list, inherited, loc, false);
}

const RecordField *record_get_field(const Record *r, const char *name) {
        if (!r || !name)
                return NULL;
        for (size_t i = 0; i < r->n_fields; i++)
                if (streq(r->fields[i].name, name))
                        return &r->fields[i];
        return NULL;
}

int record_set_add_copy(RecordSet *s, const Record *from) {
        Record *r = NULL;
        int k = record_set_add(s, from->table, from->id, &from->location, &r);
        if (k < 0 || (k = record_reserve_fields(s, r, from->n_fields)) < 0)
                return k;
        r->ascii = from->ascii;
        for (size_t i = 0; i < from->n_fields; i++) {
                const RecordField *f = &from->fields[i];
                k = record_add_field(s, r, f->name, f->values, f->n_values, f->is_list, f->inherited, &f->location);
                if (k < 0)
                        return k;
        }
        return 0;
}
