/* SPDX-License-Identifier: MIT */
#pragma once

/* Small house-style helpers (systemd CODING_STYLE): cleanup attributes, TAKE_PTR, string
 * vectors, an arena for many small strings, a string-keyed hash map, and file I/O that is
 * bounded on read and atomic on write. Nothing here logs. */

#include <errno.h>
#include <inttypes.h>
#include <sys/types.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _unused_ __attribute__((__unused__))
#define _warn_unused_result_ __attribute__((__warn_unused_result__))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand over ownership: returns the pointer and leaves NULL behind so the cleanup does nothing. */
#define TAKE_PTR(p)                        \
        ({                                 \
                typeof(p) _ptr_ = (p);     \
                (p) = NULL;                \
                _ptr_;                     \
        })

#define TAKE_FD(fd)                        \
        ({                                 \
                int _fd_ = (fd);           \
                (fd) = -EBADF;             \
                _fd_;                      \
        })

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

/* Most cleanup pointers end NULL (taken, or never needed): no call for those. */
static inline void freep(void *p) {
        void *q = *(void **) p;
        if (q)
                free(q);
}
#define _cleanup_free_ _cleanup_(freep)

void closep(int *fd);
#define _cleanup_close_ _cleanup_(closep)

void fclosep(FILE **f);
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Defines `static inline void funcp(type **p)` calling `func(*p)` when non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type **p) {          \
                if (*p)                                 \
                        func(*p);                       \
        }

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
static inline bool strcaseeq(const char *a, const char *b) {
        return strcasecmp(a, b) == 0;
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}
/* Returns the rest of s after prefix, or NULL when s does not start with it. */
const char *startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);

/* Like asprintf() but returns NULL on failure instead of an undefined pointer. */
char *strdup_printf(const char *fmt, ...) _printf_(1, 2);
char *strdup_vprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* NULL-terminated string vectors, each element malloc()ed. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char *const *l);
/* Appends value (taking ownership; freed on failure). Returns 0 or -ENOMEM. */
int strv_consume(char ***l, char *value);
/* Appends a copy of value. */
int strv_extend(char ***l, const char *value);
bool strv_contains(char *const *l, const char *value);

/* UTF-8: true when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). When not,
 * *ret_offset (if non-NULL) is the byte offset of the first bad sequence. */
/* The UTF-8 byte order mark some editors write at the start of a file (3 bytes). */
#define UTF8_BOM "\xEF\xBB\xBF"
bool utf8_is_valid(const char *s, size_t n, size_t *ret_offset);
/* The same, telling as well (when valid) whether it is all ASCII: one pass for both. */
bool utf8_is_valid_ascii(const char *s, size_t n, size_t *ret_offset, bool *ret_ascii);

/* Arena: many small allocations freed together. Used for dataset cells and parse trees, where
 * per-string malloc() would dominate time and memory at Directory scale. */
typedef struct ArenaChunk ArenaChunk;
typedef struct Arena {
        ArenaChunk *chunks;
        size_t used_bytes; /* for reporting */
} Arena;
void arena_init(Arena *a);
void arena_done(Arena *a);
void *arena_alloc(Arena *a, size_t size);         /* aligned to 16; NULL on OOM */
void *arena_alloc0(Arena *a, size_t size);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
/* Moves every allocation of from into a (from is left empty): what from handed out stays valid
 * as long as a lives. */
void arena_adopt(Arena *a, Arena *from);
/* A point to return to: arena_release() frees everything allocated after arena_mark(). */
typedef struct ArenaMark {
        ArenaChunk *chunk;
        size_t used, used_bytes;
} ArenaMark;
ArenaMark arena_mark(const Arena *a);
void arena_release(Arena *a, const ArenaMark *mark);

/* Bytes that grow by doubling, kept NUL-terminated behind size (data is NULL before the first
 * append). */
typedef struct ByteBuffer {
        char *data;
        size_t size, allocated;
} ByteBuffer;
int byte_buffer_grow(ByteBuffer *b, size_t n); /* room for n more bytes and the NUL: 0 or -ENOMEM */
/* 0, or -ENOMEM and b unchanged. Inline: the CSV parser appends every field. */
static inline int byte_buffer_append(ByteBuffer *b, const void *p, size_t n) {
        if (n >= b->allocated - b->size) {
                int r = byte_buffer_grow(b, n);
                if (r < 0)
                        return r;
        }
        memcpy(b->data + b->size, p, n);
        b->size += n;
        b->data[b->size] = 0;
        return 0;
}

/* Closes a stream from open_memstream(buf, size) that the writing left in state r (0 or a negative
 * errno): on success hands the text over, otherwise frees it and returns the error (-ENOMEM when
 * only the close failed). */
int memstream_done(FILE *out, char **buf, size_t *size, int r, char **ret_data, size_t *ret_size);

/* A text built piece by piece in a caller's buffer: for a message made for every row of a big
 * table, where vsnprintf() costs more than the rest of the finding. ok turns false, and stays so,
 * once a piece does not fit (the caller then formats as before). */
typedef struct TextBuf {
        char *s;
        size_t size, n;
        bool ok;
} TextBuf;

static inline TextBuf textbuf_init(char *buf, size_t size) {
        if (size > 0)
                buf[0] = 0;
        return (TextBuf) { .s = buf, .size = size, .ok = size > 0 };
}
void textbuf_add(TextBuf *t, const char *s);
/* v as printf's "%lld" writes it. */
void textbuf_add_int(TextBuf *t, long long v);

/* calloc() for a big table about to be filled, zeroed by writing: a page of fresh memory that is
 * read before it is written is mapped to the kernel's zero page, and the first write after that
 * costs a second fault and, while other threads run, a TLB flush on every CPU (an interrupt
 * between processors, dear on a virtual machine). */
void *calloc_written(size_t n, size_t size);

/* A 64-bit hash of n bytes, eight at a time (FNV-1a takes them one by one: at 400,000 rows the
 * dataset's id index and value sharing hashed every byte of every cell). For in-memory tables
 * only: the value may change between versions. */
static inline uint64_t hash_bytes(const void *p, size_t n) {
        const unsigned char *s = p;
        uint64_t h = UINT64_C(0x9E3779B97F4A7C15) ^ n;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
                h ^= h >> 32;
        }
        if (i < n) {
                /* The tail in one or two loads that may overlap bytes already taken. */
                uint64_t w;
                if (n >= 8)
                        memcpy(&w, s + n - 8, 8);
                else if (n >= 4) {
                        uint32_t first, last;
                        memcpy(&first, s, 4);
                        memcpy(&last, s + n - 4, 4);
                        w = (uint64_t) first << 32 | last;
                } else
                        w = (uint64_t) s[0] << 16 | (uint64_t) s[n / 2] << 8 | s[n - 1];
                h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
                h ^= h >> 32;
        }
        /* murmur3's finish: every input bit reaches the low bits a table index is taken from. */
        h ^= h >> 33;
        h *= UINT64_C(0xc4ceb9fe1a85ec53);
        return h ^ (h >> 33);
}

/* String-keyed hash map (open addressing, FNV-1a). Keys are NOT copied: they must outlive the map
 * (they normally live in an Arena beside it). Values are opaque pointers (NULL is allowed as a
 * value but then strmap_get() cannot tell it from a missing key: use strmap_contains()). */
typedef struct StrMap StrMap;
StrMap *strmap_new(void);
StrMap *strmap_free(StrMap *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(StrMap, strmap_free);
/* Case-insensitive variant (ASCII folding): for label look-ups. */
StrMap *strmap_new_caseless(void);
/* Makes room for n_items without regrowing (a reader that can count its rows saves the rehashes). */
int strmap_reserve(StrMap *m, size_t n_items);
/* Returns 0 on insert, -EEXIST if the key is present (the value is left unchanged), -ENOMEM. */
int strmap_put(StrMap *m, const char *key, void *value);
/* Inserts or replaces. */
int strmap_replace(StrMap *m, const char *key, void *value);
void *strmap_get(const StrMap *m, const char *key);
/* The stored key and its value: false when absent (for a caller that keeps the key's address). */
bool strmap_get_key(const StrMap *m, const char *key, const char **ret_key, void **ret_value);
/* Removes key; returns 0, or -ENOENT when absent. */
int strmap_remove(StrMap *m, const char *key);
bool strmap_contains(const StrMap *m, const char *key);
size_t strmap_size(const StrMap *m);
/* Iteration: start with *i = 0; returns false at the end. Order is unspecified. */
bool strmap_iterate(const StrMap *m, size_t *i, const char **ret_key, void **ret_value);

/* Reads a whole file, refusing more than max_bytes (-EFBIG). The buffer is NUL-terminated
 * (the terminator is not counted in *ret_size). */
int read_file_limited(const char *path, size_t max_bytes, char **ret_data, size_t *ret_size);
/* Writes data to path atomically: temporary file in the same directory, fsync, rename, fsync of
 * the directory. mode is the new file's permission bits. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);
/* Gives the file at from a second name, to, atomically (a hard link under a temporary name,
 * rename, fsync of the directory): for a copy that is the same bytes as a file just written with
 * write_file_atomic(). -EXDEV and the like when the file system has no links. */
int link_file_atomic(const char *from, const char *to);
/* Temporaries of the atomic writes: "<stem>" and the six characters mkstemp()/mkdtemp() put in
 * place of XXXXXX ("snapshots.new-" + "a1B2c3"); with stem NULL any "<name>.tmp-XXXXXX", as
 * write_file_atomic() and replace_directory_atomic() make them. */
bool is_temporary_name(const char *name, const char *stem);
/* Removes the entries of dir (files or folders) that is_temporary_name(name, stem) picks: what an
 * interrupted run left. Only for a caller that knows no live run writes there (it holds the run
 * lock). Returns how many were removed (0 also when dir does not exist) or a negative errno. */
int remove_temporaries(const char *dir, const char *stem);
/* mkdir -p with the given mode for created directories. */
int mkdir_p(const char *path, mode_t mode);
/* Removes a directory tree (no symlinks followed). */
int rm_rf(const char *path);
/* Directory name of path ("." when none), malloc()ed. */
char *path_dirname(const char *path);
/* Joins a and b with one '/', malloc()ed; b absolute is returned as is. */
char *path_join(const char *a, const char *b);
/* fsync() of the directory holding path (or path itself when it is a directory). */
int fsync_directory_of(const char *path);

/* systemd time spans: "90s", "5min", "1h 30min", "2d", "500ms", bare numbers are seconds.
 * Units: us usec ms msec s sec second seconds m min minute minutes h hr hour hours d day days
 * w week weeks M month months y year years. Returns -EINVAL on bad syntax, -ERANGE on overflow. */
int parse_timespan(const char *s, uint64_t *ret_usec);
/* Sizes as systemd writes them: "100M", "1G", "512K"; bare numbers are bytes; K, M, G, T
 * are powers of 1024. Returns -EINVAL on bad syntax, -ERANGE on overflow. */
int parse_size(const char *s, uint64_t *ret_bytes);
/* Formats a time span back ("1h 30min"); buf of at least 64 bytes. */
const char *format_timespan(char *buf, size_t size, uint64_t usec);

/* Monotonic clock in microseconds. */
uint64_t now_usec_monotonic(void);
/* Realtime clock in microseconds. */
uint64_t now_usec_realtime(void);
