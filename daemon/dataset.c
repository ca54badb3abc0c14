/* SPDX-License-Identifier: MIT */
#include "dataset.h"
#include "limits.h"

/* Memory is what matters here: a diff holds two datasets of ~400,000 fact rows each. So:
 *  - a row and its cell pointers are one allocation;
 *  - strings are packed byte by byte into blocks taken from the arena (the arena itself rounds
 *    every allocation up to 16 bytes, which would double the cost of "MALE" or "12");
 *  - short values are shared through a cache of recent values: fact rows repeat the same
 *    collection id, sex, age range, material and date over and over, so most cells become a
 *    pointer to one copy. A cache rather than a full intern table: a probe into a table of
 *    hundreds of thousands of values misses the CPU cache on every cell, and the values that
 *    do not repeat soon (sizes, counts) are not worth sharing. Cells are const, so sharing is
 *    invisible to readers. */

#define DATASET_POOL_BLOCK_BYTES (128u * 1024)
#define DATASET_SHARED_MAX_BYTES 64u        /* longer values are never shared */
#define DATASET_RECENT_VALUES 16384u        /* slots of the cache of recent values (256 KiB) */
#define DATASET_LIST_STACK_BYTES 256u       /* a list joined longer than this is joined on the heap */

typedef struct Pool {
        char *next;
        size_t left;
} Pool;

/* The public Dataset is the first member, so a Dataset * from dataset_new() converts back. */
/* A value of the cache of recent values, with what tells it from another without reading it. */
typedef struct RecentValue {
        const char *value;
        uint32_t hash, length;
} RecentValue;

/* A refused cell: rare (each is an error the mapping reported), kept in a small open-addressed
 * set. */
typedef struct RefusedCell {
        const Row *row;
        size_t column;
} RefusedCell;

typedef struct DatasetPrivate {
        Dataset public;
        Pool pool;
        RecentValue *recent; /* DATASET_RECENT_VALUES */
        RefusedCell *refused;
        size_t refused_slots, n_refused;
        bool no_cell_locations;
} DatasetPrivate;

static DatasetPrivate *private_of(const Dataset *d) {
        return (DatasetPrivate *) d;
}

/* The rare part of pool_alloc(): a value too big for blocks, or a new block. */
static void *pool_refill(Dataset *d, size_t size) {
        Pool *p = &private_of(d)->pool;
        /* Big values get their own arena allocation, so a block's tail is not wasted. */
        if (size > DATASET_POOL_BLOCK_BYTES / 8)
                return arena_alloc(&d->arena, size);
        char *block = arena_alloc(&d->arena, DATASET_POOL_BLOCK_BYTES);
        if (!block)
                return NULL;
        p->next = block + size;
        p->left = DATASET_POOL_BLOCK_BYTES - size;
        return block;
}

/* Inline: every row, its id and every value not shared passes here. */
static inline void *pool_alloc(Dataset *d, size_t size, size_t align) {
        Pool *p = &private_of(d)->pool;
        size_t pad = (size_t) (-(uintptr_t) p->next) & (align - 1);
        if (!p->next || p->left < pad || p->left - pad < size)
                return pool_refill(d, size);
        char *r = p->next + pad;
        p->next += pad + size;
        p->left -= pad + size;
        return r;
}

static inline char *pool_strndup(Dataset *d, const char *s, size_t n) {
        char *r = pool_alloc(d, n + 1, 1);
        if (!r)
                return NULL;
        memcpy(r, s, n);
        r[n] = 0;
        return r;
}

const char *dataset_intern_file(Dataset *d, const char *file) {
        return pool_strndup(d, file, strlen(file));
}

/* Equality of n (1..DATASET_SHARED_MAX_BYTES) bytes, a word at a time: the value cache compares
 * nearly every cell once its hash and length agree, and a call to memcmp() cost more than that. */
static inline bool short_bytes_equal(const char *a, const char *b, size_t n) {
        uint64_t x, y;
        if (n >= 8) {
                for (size_t i = 0; i + 8 < n; i += 8) {
                        memcpy(&x, a + i, 8);
                        memcpy(&y, b + i, 8);
                        if (x != y)
                                return false;
                }
                /* The last eight bytes, overlapping those compared already. */
                memcpy(&x, a + n - 8, 8);
                memcpy(&y, b + n - 8, 8);
                return x == y;
        }
        if (n >= 4) {
                uint32_t x1, y1, x2, y2;
                memcpy(&x1, a, 4);
                memcpy(&y1, b, 4);
                memcpy(&x2, a + n - 4, 4);
                memcpy(&y2, b + n - 4, 4);
                return x1 == y1 && x2 == y2;
        }
        return a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1];
}

/* Returns a pool copy of s[0..n) (s need not be NUL-terminated), shared when short and seen lately. */
static inline __attribute__((always_inline)) const char *dataset_store(Dataset *d, const char *s, size_t n) {
        DatasetPrivate *p = private_of(d);
        if (n > DATASET_SHARED_MAX_BYTES)
                return pool_strndup(d, s, n);
        uint64_t h = hash_bytes(s, n);
        RecentValue *slot = &p->recent[h & (DATASET_RECENT_VALUES - 1)];
        if (slot->value && slot->hash == (uint32_t) (h >> 32) && slot->length == n &&
            short_bytes_equal(slot->value, s, n))
                return slot->value;
        char *copy = pool_strndup(d, s, n);
        if (copy)
                *slot = (RecentValue) { .value = copy, .hash = (uint32_t) (h >> 32), .length = (uint32_t) n };
        return copy;
}

int dataset_new(const Model *model, Dataset **ret) {
        if (!model)
                return -EINVAL;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        DatasetPrivate *p = calloc(1, sizeof(DatasetPrivate));
        if (!p)
                return -ENOMEM;
        d = &p->public;
        arena_init(&d->arena);
        d->model = model;
        p->recent = calloc(DATASET_RECENT_VALUES, sizeof(RecentValue));
        if (!p->recent)
                return -ENOMEM;
        d->tables = calloc(model->n_tables ?: 1, sizeof(DatasetTable));
        if (!d->tables)
                return -ENOMEM;
        for (size_t i = 0; i < model->n_tables; i++) {
                d->tables[i].model = &model->tables[i];

        }
        *ret = TAKE_PTR(d);
        return 0;
}

Dataset *dataset_free(Dataset *d) {
        if (!d)
                return NULL;
        DatasetPrivate *p = private_of(d);
        if (d->tables)
                for (size_t i = 0; i < d->model->n_tables; i++) {
                        free(d->tables[i].index);
                        free(d->tables[i].rows);
                }
        free(d->tables);
        free(p->recent);
        free(p->refused);
        arena_done(&d->arena);
        free(p);
        return NULL;
}

static DatasetTable *dataset_table(const Dataset *d, size_t table) {
        if (!d || table >= d->model->n_tables)
                return NULL;
        return &d->tables[table];
}

/* The id index of a table: open addressing over 8-byte slots, at most half full. A slot holds the
 * id's hash in its upper half and the row's position + 1 in its lower half (0: empty): a third of
 * the memory of a string map's slots, and the id itself is read only when the hashes agree. */
static uint32_t id_hash(const char *s) {
        return (uint32_t) hash_bytes(s, strlen(s));
}

/* The slot holding id, or the empty slot where it would go. The index must not be empty. */
static uint64_t *index_slot(const DatasetTable *t, const char *id, uint32_t hash) {
        size_t mask = t->index_slots - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
                uint64_t v = t->index[i];
                if (v == 0)
                        return &t->index[i];
                if ((uint32_t) (v >> 32) == hash && streq(t->rows[(uint32_t) v - 1]->id, id))
                        return &t->index[i];
        }
}

/* Probe position for a hash in a fresh index (no id compare: every entry is distinct). */
static void index_insert_new(uint64_t *index, size_t n_slots, uint64_t entry) {
        size_t mask = n_slots - 1;
        size_t i = (uint32_t) (entry >> 32) & mask;
        while (index[i])
                i = (i + 1) & mask;
        index[i] = entry;
}

static int index_alloc(size_t n, uint64_t **ret, size_t *ret_slots) {
        size_t slots = 16;
        while (slots < n * 2)
                slots *= 2;
        uint64_t *index = calloc_written(slots, sizeof(uint64_t));
        if (!index)
                return -ENOMEM;
        *ret = index;
        *ret_slots = slots;
        return 0;
}

/* Bulk writes into an index ask for the slot of the entry this many entries ahead. */
#define INDEX_AHEAD 16u

/* Grows the index to room for n rows, moving the entries as they are: the hash is in the slot, so
 * neither rows nor ids are read again. */
static int index_grow(DatasetTable *t, size_t n) {
        uint64_t *index;
        size_t slots;
        int r = index_alloc(n, &index, &slots);
        if (r < 0)
                return r;
        /* The old slots are read in order, the new ones written at random: each is asked for
         * INDEX_AHEAD entries before it is written, so the cache misses overlap. */
        for (size_t i = 0; i < t->index_slots; i++) {
                if (i + INDEX_AHEAD < t->index_slots && t->index[i + INDEX_AHEAD])
                        __builtin_prefetch(&index[(uint32_t) (t->index[i + INDEX_AHEAD] >> 32) & (slots - 1)], 1);
                if (t->index[i])
                        index_insert_new(index, slots, t->index[i]);
        }
        free(t->index);
        t->index = index;
        t->index_slots = slots;
        return 0;
}

/* Rebuilds the index from the rows (after positions changed). */
static int index_rebuild(DatasetTable *t) {
        uint64_t *index;
        size_t slots;
        int r = index_alloc(t->n_rows, &index, &slots);
        if (r < 0)
                return r;
        for (size_t i = 0; i < t->n_rows; i++)
                index_insert_new(index, slots, (uint64_t) id_hash(t->rows[i]->id) << 32 | (uint64_t) (i + 1));
        free(t->index);
        t->index = index;
        t->index_slots = slots;
        return 0;
}

static int index_make_room(DatasetTable *t, size_t n_rows) {
        if (n_rows * 2 <= t->index_slots)
                return 0;
        return index_grow(t, t->index_slots ? t->index_slots : n_rows);
}

static Row *index_find(const DatasetTable *t, const char *id, uint32_t hash) {
        if (t->index_slots == 0)
                return NULL;
        uint64_t v = *index_slot(t, id, hash);
        return v ? t->rows[(uint32_t) v - 1] : NULL;
}

/* A row of table t with its id copied and every other cell missing; not yet in the table. */
static Row *row_alloc(Dataset *d, const DatasetTable *t, const char *id, size_t id_length, const Location *origin) {
        size_t n_columns = t->model->n_columns;
        Row *row = pool_alloc(d, sizeof(Row) + n_columns * sizeof(const char *), _Alignof(Row));
        if (!row)
                return NULL;
        const char *id_copy = pool_strndup(d, id, id_length);
        if (!id_copy)
                return NULL;
        *row = (Row) {
                .id = id_copy,
                .cells = (const char **) (row + 1),
                .origin = origin ? *origin : (Location) {},
        };
        memset(row->cells, 0, n_columns * sizeof(const char *));
        /* The key cell always equals the id, so code walking the columns sees it like any other. */
        row->cells[t->model->id_column] = row->id;
        return row;
}

/* Room for one more row in the rows and the index (which may move: slots are taken after). */
static int table_make_room(DatasetTable *t) {
        if (t->n_rows >= t->allocated) {
                size_t n = t->allocated ? t->allocated * 2 : 64;
                Row **rows = realloc(t->rows, n * sizeof(Row *));
                if (!rows)
                        return -ENOMEM;
                t->rows = rows;
                t->allocated = n;
        }
        return index_make_room(t, t->n_rows + 1);
}

static void table_append(DatasetTable *t, uint64_t *slot, Row *row, uint32_t hash) {
        t->rows[t->n_rows++] = row;
        *slot = (uint64_t) hash << 32 | (uint64_t) t->n_rows;
}

/* The free slot for a new row with this id, room made for it; -EEXIST (and *ret_existing) when
 * the table has the id, -E2BIG when it is full. */
static int table_free_slot(DatasetTable *t, const char *id, uint32_t hash, uint64_t **ret_slot, Row **ret_existing) {
        if (t->n_rows >= LIMIT_ROWS_PER_TABLE)
                return -E2BIG;
        int r = table_make_room(t);
        if (r < 0)
                return r;
        uint64_t *slot = index_slot(t, id, hash);
        if (*slot) {
                if (ret_existing)
                        *ret_existing = t->rows[(uint32_t) *slot - 1];
                return -EEXIST;
        }
        *ret_slot = slot;
        return 0;
}

int dataset_add_row(Dataset *d, size_t table, const char *id, const Location *origin, Row **ret_row) {
        DatasetTable *t = dataset_table(d, table);
        if (!t || isempty(id))
                return -EINVAL;
        size_t id_length = strlen(id);
        uint32_t hash = (uint32_t) hash_bytes(id, id_length);
        uint64_t *slot;
        int r = table_free_slot(t, id, hash, &slot, ret_row);
        if (r < 0)
                return r;
        Row *row = row_alloc(d, t, id, id_length, origin);
        if (!row)
                return -ENOMEM;
        table_append(t, slot, row, hash);
        if (ret_row)
                *ret_row = row;
        return 0;
}

int dataset_new_row(Dataset *d, size_t table, const char *id, const Location *origin, Row **ret_row) {
        DatasetTable *t = dataset_table(d, table);
        if (!t || isempty(id) || !ret_row)
                return -EINVAL;
        if (t->n_rows >= LIMIT_ROWS_PER_TABLE)
                return -E2BIG;
        Row *row = row_alloc(d, t, id, strlen(id), origin);
        if (!row)
                return -ENOMEM;
        *ret_row = row;
        return 0;
}

int dataset_insert_row(Dataset *d, size_t table, Row *row, uint32_t hash, Row **ret_existing) {
        DatasetTable *t = dataset_table(d, table);
        if (!t || !row)
                return -EINVAL;
        uint64_t *slot;
        int r = table_free_slot(t, row->id, hash, &slot, ret_existing);
        if (r < 0)
                return r;
        table_append(t, slot, row, hash);
        return 0;
}

int dataset_absorb(Dataset *d, Dataset *from, DatasetDuplicateFunc duplicate, void *userdata) {
        if (!d || !from || d->model != from->model)
                return -EINVAL;
        /* The rows, their strings and locations live in from's arena: d takes it over first, so
         * that they stay valid whatever happens below. */
        arena_adopt(&d->arena, &from->arena);
        private_of(from)->pool = (Pool) {};
        memset(private_of(from)->recent, 0, DATASET_RECENT_VALUES * sizeof(RecentValue));
        for (size_t t = 0; t < d->model->n_tables; t++) {
                DatasetTable *src = &from->tables[t];
                if (src->n_rows == 0)
                        continue;
                int r = dataset_reserve_rows(d, t, src->n_rows);
                if (r < 0)
                        return r;
                DatasetTable *dst = &d->tables[t];
                /* from's slots hold the hashes: walked in order, each row's slot in d is asked
                 * for INDEX_AHEAD rows before it is needed. */
                _cleanup_free_ uint32_t *hashes = malloc(src->n_rows * sizeof(uint32_t));
                if (!hashes)
                        return -ENOMEM;
                for (size_t i = 0; i < src->index_slots; i++)
                        if (src->index[i])
                                hashes[(uint32_t) src->index[i] - 1] = (uint32_t) (src->index[i] >> 32);
                for (size_t i = 0; i < src->n_rows; i++) {
                        Row *row = src->rows[i];
                        if (dst->n_rows >= LIMIT_ROWS_PER_TABLE)
                                return -E2BIG;
                        if (i + INDEX_AHEAD < src->n_rows)
                                __builtin_prefetch(&dst->index[hashes[i + INDEX_AHEAD] & (dst->index_slots - 1)]);
                        uint32_t hash = hashes[i];
                        uint64_t *slot = index_slot(dst, row->id, hash);
                        if (*slot) {
                                if (duplicate &&
                                    (r = duplicate(userdata, t, dst->rows[(uint32_t) *slot - 1], row)) < 0)
                                        return r;
                                continue;
                        }
                        dst->rows[dst->n_rows++] = row;
                        *slot = (uint64_t) hash << 32 | (uint64_t) dst->n_rows;
                }
        }
        /* The marks of refused cells go along with their rows (a duplicate's stay unused). */
        DatasetPrivate *fp = private_of(from);
        for (size_t i = 0; i < fp->refused_slots; i++)
                if (fp->refused[i].row) {
                        int r = dataset_mark_refused(d, (Row *) fp->refused[i].row, fp->refused[i].column);
                        if (r < 0)
                                return r;
                }
        fp->refused = mfree(fp->refused);
        fp->refused_slots = fp->n_refused = 0;
        for (size_t t = 0; t < from->model->n_tables; t++) {
                DatasetTable *src = &from->tables[t];
                free(src->index);
                free(src->rows);
                src->index = NULL;
                src->rows = NULL;
                src->index_slots = src->n_rows = src->allocated = 0;
        }
        return 0;
}

int dataset_reserve_rows(Dataset *d, size_t table, size_t n) {
        DatasetTable *t = dataset_table(d, table);
        if (!t)
                return -EINVAL;
        if (n > LIMIT_ROWS_PER_TABLE)
                n = LIMIT_ROWS_PER_TABLE;
        size_t want = t->n_rows + n;
        if (want > t->allocated) {
                Row **rows = reallocarray(t->rows, want, sizeof(Row *));
                if (!rows)
                        return -ENOMEM;
                t->rows = rows;
                t->allocated = want;
        }
        return want * 2 > t->index_slots ? index_grow(t, want) : 0;
}

Row *dataset_find(const Dataset *d, size_t table, const char *id) {
        DatasetTable *t = dataset_table(d, table);
        if (!t || !id)
                return NULL;
        return index_find(t, id, id_hash(id));
}

int dataset_find_position(const Dataset *d, size_t table, const char *id, size_t *ret_position) {
        return id ? dataset_find_position_hashed(d, table, id, id_hash(id), ret_position) : -ENOENT;
}

int dataset_find_position_hashed(const Dataset *d, size_t table, const char *id, uint32_t hash, size_t *ret_position) {
        DatasetTable *t = dataset_table(d, table);
        if (!t || !id || t->index_slots == 0)
                return -ENOENT;
        uint64_t v = *index_slot(t, id, hash);
        if (v == 0)
                return -ENOENT;
        *ret_position = (uint32_t) v - 1;
        return 0;
}

uint32_t dataset_id_hash(const char *id) {
        return id_hash(id);
}

void dataset_prefetch_slot(const Dataset *d, size_t table, uint32_t hash) {
        const DatasetTable *t = dataset_table(d, table);
        if (t && t->index_slots > 0)
                __builtin_prefetch(&t->index[hash & (t->index_slots - 1)]);
}

void dataset_prefetch_row(const Dataset *d, size_t table, uint32_t hash) {
        const DatasetTable *t = dataset_table(d, table);
        if (!t || t->index_slots == 0)
                return;
        /* The first entry with the hash is almost always the row: its header and its id, which
         * dataset_add_row() puts right behind the cells. */
        size_t mask = t->index_slots - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
                uint64_t v = t->index[i];
                if (v == 0)
                        return;
                if ((uint32_t) (v >> 32) == hash) {
                        const Row *row = t->rows[(uint32_t) v - 1];
                        __builtin_prefetch(row);
                        __builtin_prefetch((const char *const *) (row + 1) + t->model->n_columns);
                        return;
                }
        }
}

Row *dataset_find_hashed(const Dataset *d, size_t table, const char *id, uint32_t hash) {
        DatasetTable *t = dataset_table(d, table);
        return t && id ? index_find(t, id, hash) : NULL;
}

void dataset_keep_cell_locations(Dataset *d, bool keep) {
        private_of(d)->no_cell_locations = !keep;
}

/* A row's cell locations come in two kinds, told by the low bit of cell_origin (both arrays are
 * at least 2-aligned): when every cell is on the row's own line (a CSV row), two bytes a cell
 * say which column; otherwise a CellLocation (line and column) a cell. A row starts compact and
 * turns full at its first cell elsewhere. 0 (or a zero line): the cell's position is unknown. */
#define CELL_ORIGIN_COMPACT ((uintptr_t) 1)

static inline bool cell_origin_is_compact(const Row *row) {
        return (uintptr_t) row->cell_origin & CELL_ORIGIN_COMPACT;
}

static inline uint16_t *cell_origin_columns(const Row *row) {
        return (uint16_t *) ((uintptr_t) row->cell_origin & ~CELL_ORIGIN_COMPACT);
}

static inline CellLocation *cell_origin_full(const Row *row) {
        return row->cell_origin;
}

static int cell_origin_make_full(Dataset *d, Row *row, size_t n_columns) {
        CellLocation *full = pool_alloc(d, n_columns * sizeof(CellLocation), _Alignof(CellLocation));
        if (!full)
                return -ENOMEM;
        const uint16_t *columns = row->cell_origin ? cell_origin_columns(row) : NULL;
        for (size_t c = 0; c < n_columns; c++)
                full[c] = columns && columns[c] ? (CellLocation) { .line = row->origin.line, .column = columns[c] }
                                                : (CellLocation) {};
        row->cell_origin = full;
        return 0;
}

static inline int set_location(Dataset *d, Row *row, size_t n_columns, size_t column, const Location *loc) {
        if (private_of(d)->no_cell_locations)
                return 0;
        bool known = loc && loc->file && loc->line > 0 && row->origin.file &&
                     (loc->file == row->origin.file || streq(loc->file, row->origin.file));
        if (!known) {
                /* A value set without a position must not keep the old value's position. */
                if (cell_origin_is_compact(row))
                        cell_origin_columns(row)[column] = 0;
                else if (row->cell_origin)
                        cell_origin_full(row)[column] = (CellLocation) {};
                return 0;
        }
        bool on_row_line = loc->line == row->origin.line && loc->column > 0 && loc->column <= UINT16_MAX;
        if (!row->cell_origin && on_row_line) {
                uint16_t *columns = pool_alloc(d, n_columns * sizeof(uint16_t), _Alignof(uint16_t));
                if (!columns)
                        return -ENOMEM;
                memset(columns, 0, n_columns * sizeof(uint16_t));
                row->cell_origin = (void *) ((uintptr_t) columns | CELL_ORIGIN_COMPACT);
        } else if (!row->cell_origin || (cell_origin_is_compact(row) && !on_row_line)) {
                int r = cell_origin_make_full(d, row, n_columns);
                if (r < 0)
                        return r;
        }
        if (cell_origin_is_compact(row))
                cell_origin_columns(row)[column] = (uint16_t) loc->column;
        else
                cell_origin_full(row)[column] = (CellLocation) { .line = loc->line, .column = loc->column };
        return 0;
}

/* Stores an already-joined value (n bytes at value) in a cell. Always inlined: every cell of
 * every read passes here, and the call from dataset_set() cost as much as its checks. */
static inline __attribute__((always_inline)) int set_cell(Dataset *d, Row *row, size_t table, size_t column, const char *value, size_t n, const Location *loc) {
        DatasetTable *t = dataset_table(d, table);
        if (!t || !row || column >= t->model->n_columns)
                return -EINVAL;
        if (column == t->model->id_column) {
                /* The key is the row's identity in by_id: it cannot change or be cleared here. */
                if (!value || strlen(row->id) != n || memcmp(row->id, value, n) != 0)
                        return -EINVAL;
                return set_location(d, row, t->model->n_columns, column, loc);
        }
        const char *stored = NULL;
        if (value && n > 0) {
                stored = dataset_store(d, value, n);
                if (!stored)
                        return -ENOMEM;
        }
        int r = set_location(d, row, t->model->n_columns, column, stored ? loc : NULL);
        if (r < 0)
                return r;
        row->cells[column] = stored;
        return 0;
}

int dataset_set(Dataset *d, Row *row, size_t table, size_t column, const char *value, const Location *loc) {
        return set_cell(d, row, table, column, value, value ? strlen(value) : 0, loc);
}

int dataset_set_sized(Dataset *d, Row *row, size_t table, size_t column, const char *value, size_t n,
                      const Location *loc) {
        return set_cell(d, row, table, column, value, value ? n : 0, loc);
}

int dataset_set_list(Dataset *d, Row *row, size_t table, size_t column, const char *const *items, size_t n,
                     const Location *loc) {
        if (n > LIMIT_LIST_ITEMS)
                return -E2BIG;
        if (n > 0 && !items)
                return -EINVAL;
        size_t total = 0, n_kept = 0;
        for (size_t i = 0; i < n; i++) {
                if (isempty(items[i]))
                        continue;
                size_t l = strlen(items[i]);
                if (memchr(items[i], DATASET_LIST_SEP, l))
                        return -EINVAL;
                total += l;
                n_kept++;
        }
        if (n_kept == 0)
                return set_cell(d, row, table, column, NULL, 0, loc);
        total += n_kept - 1;

        /* Joined in a scratch buffer so short lists can be shared like any other value: on the
         * stack when it fits (nearly every list), not a malloc() and free() per list. */
        char stack[DATASET_LIST_STACK_BYTES];
        _cleanup_free_ char *heap = NULL;
        char *joined = stack;
        if (total >= sizeof stack) {
                joined = heap = malloc(total + 1);
                if (!joined)
                        return -ENOMEM;
        }
        char *w = joined;
        for (size_t i = 0; i < n; i++) {
                if (isempty(items[i]))
                        continue;
                if (w != joined)
                        *w++ = DATASET_LIST_SEP;
                size_t l = strlen(items[i]);
                memcpy(w, items[i], l);
                w += l;
        }
        *w = 0;
        return set_cell(d, row, table, column, joined, total, loc);
}

static size_t refused_hash(const Row *row, size_t column) {
        return (size_t) hash_bytes((const char *) &row, sizeof row) ^ column * 0x9E3779B97F4A7C15u;
}

static RefusedCell *refused_slot(RefusedCell *slots, size_t n_slots, const Row *row, size_t column) {
        size_t mask = n_slots - 1;
        for (size_t i = refused_hash(row, column) & mask;; i = (i + 1) & mask)
                if (!slots[i].row || (slots[i].row == row && slots[i].column == column))
                        return &slots[i];
}

int dataset_mark_refused(Dataset *d, Row *row, size_t column) {
        if (!d || !row)
                return -EINVAL;
        DatasetPrivate *p = private_of(d);
        if ((p->n_refused + 1) * 2 > p->refused_slots) {
                size_t n_slots = p->refused_slots ? p->refused_slots * 2 : 64;
                RefusedCell *slots = calloc(n_slots, sizeof(RefusedCell));
                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < p->refused_slots; i++)
                        if (p->refused[i].row)
                                *refused_slot(slots, n_slots, p->refused[i].row, p->refused[i].column) = p->refused[i];
                free(p->refused);
                p->refused = slots;
                p->refused_slots = n_slots;
        }
        RefusedCell *slot = refused_slot(p->refused, p->refused_slots, row, column);
        if (!slot->row) {
                *slot = (RefusedCell) { .row = row, .column = column };
                p->n_refused++;
        }
        row->flags |= ROW_HAS_REFUSED;
        return 0;
}

bool dataset_cell_refused(const Dataset *d, const Row *row, size_t column) {
        const DatasetPrivate *p = private_of(d);
        if (!row || !(row->flags & ROW_HAS_REFUSED) || p->n_refused == 0)
                return false;
        return refused_slot(p->refused, p->refused_slots, row, column)->row != NULL;
}

Location dataset_cell_location(const Row *row, size_t column) {
        if (cell_origin_is_compact(row)) {
                uint16_t at = cell_origin_columns(row)[column];
                if (at > 0)
                        return (Location) { .file = row->origin.file, .line = row->origin.line, .column = at };
        } else if (row->cell_origin && cell_origin_full(row)[column].line > 0)
                return (Location) {
                        .file = row->origin.file,
                        .line = cell_origin_full(row)[column].line,
                        .column = cell_origin_full(row)[column].column,
                };
        return row->origin;
}

bool dataset_list_next(const char **state, const char **ret_item, size_t *ret_len) {
        const char *s = *state;
        if (!s || !*s)
                return false;
        const char *sep = strchr(s, DATASET_LIST_SEP);
        size_t len = sep ? (size_t) (sep - s) : strlen(s);
        *ret_item = s;
        *ret_len = len;
        *state = sep ? sep + 1 : s + len;
        return true;
}

size_t dataset_list_count(const char *cell) {
        if (isempty(cell))
                return 0;
        size_t n = 1;
        for (const char *s = cell; (s = strchr(s, DATASET_LIST_SEP)); s++)
                n++;
        return n;
}

int dataset_copy_row(Dataset *dst, size_t table, const Row *src, Row **ret_row) {
        DatasetTable *t = dataset_table(dst, table);
        if (!t || !src)
                return -EINVAL;
        Row *row = NULL;
        int r = dataset_add_row(dst, table, src->id, &src->origin, &row);
        if (r < 0) {
                if (r == -EEXIST && ret_row)
                        *ret_row = row;
                return r;
        }
        size_t n_columns = t->model->n_columns;
        for (size_t c = 0; c < n_columns; c++) {
                if (c == t->model->id_column || !src->cells[c])
                        continue;
                Location loc = dataset_cell_location(src, c);
                r = dataset_set(dst, row, table, c, src->cells[c], &loc);
                if (r < 0)
                        return r;
        }
        row->flags = src->flags;
        if (ret_row)
                *ret_row = row;
        return 0;
}

int dataset_remove_row(Dataset *d, size_t table, const char *id) {
        DatasetTable *t = dataset_table(d, table);
        if (!t || !id)
                return -EINVAL;
        Row *row = index_find(t, id, id_hash(id));
        if (!row)
                return -ENOENT;
        /* O(n) to keep insertion order and positions; removals are rare (push plans, not the hot
         * path). Searched from the end: the row removed is most often a recent one. */
        for (size_t i = t->n_rows; i > 0; i--)
                if (t->rows[i - 1] == row) {
                        memmove(&t->rows[i - 1], &t->rows[i], (t->n_rows - i) * sizeof(Row *));
                        t->n_rows--;
                        break;
                }
        return index_rebuild(t);
}

size_t dataset_total_rows(const Dataset *d) {
        if (!d)
                return 0;
        size_t n = 0;
        for (size_t i = 0; i < d->model->n_tables; i++)
                n += d->tables[i].n_rows;
        return n;
}
