/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

void closep(int *fd) {
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -EBADF;
}

void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
        *f = NULL;
}

const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        if (strncmp(s, prefix, n) != 0)
                return NULL;
        return s + n;
}

bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

char *strdup_vprintf(const char *fmt, va_list ap) {
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                return NULL;
        return s;
}

char *strdup_printf(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *s = strdup_vprintf(fmt, ap);
        va_end(ap);
        return s;
}

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

int strv_consume(char ***l, char *value) {
        if (!value)
                return -ENOMEM;
        size_t n = strv_length(*l);
        char **m = realloc(*l, sizeof(char *) * (n + 2));
        if (!m) {
                free(value);
                return -ENOMEM;
        }
        m[n] = value;
        m[n + 1] = NULL;
        *l = m;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

bool strv_contains(char *const *l, const char *value) {
        if (l)
                for (char *const *i = l; *i; i++)
                        if (streq(*i, value))
                                return true;
        return false;
}

static inline bool utf8_scan(const char *str, size_t n, size_t *ret_offset, bool *ret_ascii) {
        const unsigned char *s = (const unsigned char *) str;
        size_t i = 0;
        bool ascii = true;
        while (i < n) {
                unsigned char c = s[i];
                size_t len;
                uint32_t cp;
                if (c < 0x80) {
                        /* ASCII, nearly every byte of a file: thirty-two at a time (their high
                         * bits gathered and tested once), then eight. */
                        for (i++; n - i >= 32; i += 32) {
                                uint64_t w[4];
                                memcpy(w, s + i, sizeof w);
                                if ((w[0] | w[1] | w[2] | w[3]) & UINT64_C(0x8080808080808080))
                                        break;
                        }
                        for (; i + 8 <= n; i += 8) {
                                uint64_t w;
                                memcpy(&w, s + i, 8);
                                if (w & UINT64_C(0x8080808080808080))
                                        break;
                        }
                        continue;
                }
                ascii = false;
                if ((c & 0xE0) == 0xC0) {
                        len = 2;
                        cp = c & 0x1F;
                } else if ((c & 0xF0) == 0xE0) {
                        len = 3;
                        cp = c & 0x0F;
                } else if ((c & 0xF8) == 0xF0) {
                        len = 4;
                        cp = c & 0x07;
                } else
                        goto bad;
                if (i + len > n)
                        goto bad;
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] & 0xC0) != 0x80)
                                goto bad;
                        cp = (cp << 6) | (s[i + k] & 0x3F);
                }
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
                    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                        goto bad;
                i += len;
        }
        if (ret_ascii)
                *ret_ascii = ascii;
        return true;
bad:
        if (ret_offset)
                *ret_offset = i;
        return false;
}

bool utf8_is_valid(const char *str, size_t n, size_t *ret_offset) {
        return utf8_scan(str, n, ret_offset, NULL);
}

bool utf8_is_valid_ascii(const char *str, size_t n, size_t *ret_offset, bool *ret_ascii) {
        return utf8_scan(str, n, ret_offset, ret_ascii);
}

/* ---- arena ---- */

struct ArenaChunk {
        ArenaChunk *next;
        size_t size, used;
        _Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK_BYTES (256u * 1024)
/* Past ARENA_BIG_AFTER bytes an arena is a big one (a dataset): its chunks are
 * ARENA_BIG_CHUNK_BYTES, so that half a gigabyte is a few dozen allocations. They are not offered
 * for transparent huge pages: on this kind of virtual machine the first touch of a huge page
 * costs 0.12 to 2.2 ms per MiB depending on what the host did before, and grows faster than the
 * memory (a 650 MiB run paid 3.5 times what a 330 MiB run paid), while 4 KiB pages cost a steady
 * 0.32 ms per MiB. */
#define ARENA_BIG_AFTER (2u * 1024 * 1024)
#define ARENA_BIG_CHUNK_BYTES (8u * 1024 * 1024)

void arena_init(Arena *a) {
        *a = (Arena) {};
}

void arena_done(Arena *a) {
        ArenaChunk *c = a->chunks;
        while (c) {
                ArenaChunk *next = c->next;
                free(c);
                c = next;
        }
        *a = (Arena) {};
}

int byte_buffer_grow(ByteBuffer *b, size_t n) {
        if (n > SIZE_MAX / 2 - b->size - 1)
                return -ENOMEM;
        if (b->size + n + 1 <= b->allocated)
                return 0;
        size_t a = b->allocated ? b->allocated : 4096;
        while (a < b->size + n + 1)
                a *= 2;
        char *grown = realloc(b->data, a);
        if (!grown)
                return -ENOMEM;
        b->data = grown;
        b->allocated = a;
        return 0;
}

int memstream_done(FILE *out, char **buf, size_t *size, int r, char **ret_data, size_t *ret_size) {
        if (fclose(out) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(*buf);
                return r;
        }
        *ret_data = *buf;
        *ret_size = *size;
        return 0;
}

void textbuf_add(TextBuf *t, const char *s) {
        size_t len = strlen(s);
        if (!t->ok || len >= t->size - t->n) {
                t->ok = false;
                return;
        }
        memcpy(t->s + t->n, s, len + 1);
        t->n += len;
}

void textbuf_add_int(TextBuf *t, long long v) {
        char digits[24], *p = digits + sizeof digits;
        /* by the magnitude as unsigned: LLONG_MIN has no positive counterpart */
        unsigned long long m = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
        *--p = 0;
        do
                *--p = (char) ('0' + m % 10);
        while ((m /= 10) > 0);
        if (v < 0)
                *--p = '-';
        textbuf_add(t, p);
}

void *calloc_written(size_t n, size_t size) {
        if (size != 0 && n > SIZE_MAX / size)
                return NULL;
        void *p = malloc(n * size ?: 1);
        if (!p)
                return NULL;
        memset(p, 0, n * size);
        return p;
}

static ArenaChunk *arena_new_chunk(Arena *a, size_t need) {
        size_t normal = a->used_bytes >= ARENA_BIG_AFTER ? ARENA_BIG_CHUNK_BYTES - sizeof(ArenaChunk)
                                                         : ARENA_CHUNK_BYTES;
        size_t chunk = need > normal / 4 ? need : normal;
        if (chunk > SIZE_MAX - sizeof(ArenaChunk))
                return NULL;
        ArenaChunk *n = malloc(sizeof(ArenaChunk) + chunk);
        if (!n)
                return NULL;
        n->size = chunk;
        n->used = 0;
        return n;
}

void *arena_alloc(Arena *a, size_t size) {
        size_t need = (size + 15) & ~(size_t) 15;
        if (need < size)
                return NULL;
        ArenaChunk *c = a->chunks;
        if (!c || c->size - c->used < need) {
                ArenaChunk *n = arena_new_chunk(a, need);
                if (!n)
                        return NULL;
                if (c && need == n->size) {
                        /* A big allocation gets its own chunk behind the current one, so the
                         * current chunk's free space stays usable. */
                        n->next = c->next;
                        c->next = n;
                } else {
                        n->next = c;
                        a->chunks = n;
                }
                c = n;
        }
        void *p = c->data + c->used;
        c->used += need;
        a->used_bytes += need;
        return p;
}

void arena_adopt(Arena *a, Arena *from) {
        if (!from->chunks)
                return;
        /* Behind the current chunk, whose free space stays usable. */
        ArenaChunk *last = from->chunks;
        while (last->next)
                last = last->next;
        if (a->chunks) {
                last->next = a->chunks->next;
                a->chunks->next = from->chunks;
        } else
                a->chunks = from->chunks;
        a->used_bytes += from->used_bytes;
        *from = (Arena) {};
}

ArenaMark arena_mark(const Arena *a) {
        return (ArenaMark) {
                .chunk = a->chunks,
                .used = a->chunks ? a->chunks->used : 0,
                .used_bytes = a->used_bytes,
        };
}

void arena_release(Arena *a, const ArenaMark *mark) {
        /* Chunks taken since the mark sit before it in the list (a big allocation's own chunk may
         * sit behind the newest one: such a chunk is kept until arena_done(), which is safe). */
        ArenaChunk *kept = NULL;
        while (a->chunks && a->chunks != mark->chunk) {
                ArenaChunk *c = a->chunks;
                a->chunks = c->next;
                /* Back to empty: one chunk stays, emptied, for what comes next (a reader that
                 * marks, reads a row and releases it took and freed 256 KiB per row). */
                if (!mark->chunk && !kept && c->size == ARENA_CHUNK_BYTES) {
                        kept = c;
                        continue;
                }
                free(c);
        }
        if (kept) {
                kept->next = NULL;
                kept->used = 0;
                a->chunks = kept;
        } else if (a->chunks)
                a->chunks->used = mark->used;
        a->used_bytes = mark->used_bytes;
}

void *arena_alloc0(Arena *a, size_t size) {
        void *p = arena_alloc(a, size);
        if (p)
                memset(p, 0, size);
        return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
        char *p = arena_alloc(a, n + 1);
        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

char *arena_strdup(Arena *a, const char *s) {
        return arena_strndup(a, s, strlen(s));
}

/* ---- hash map ---- */

typedef struct StrMapSlot {
        const char *key; /* NULL = empty */
        void *value;
        uint32_t hash;
} StrMapSlot;

struct StrMap {
        StrMapSlot *slots;
        size_t n_slots; /* power of two */
        size_t n_items;
        bool caseless;
};

static uint32_t hash_string(const char *s, bool caseless) {
        uint32_t h = 2166136261u;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (caseless)
                        c = (unsigned char) tolower(c);
                h ^= c;
                h *= 16777619u;
        }
        /* FNV-1a's low bits mix poorly (ids differ only in their last digits), and the table
         * index is taken from the low bits: finish with murmur3's avalanche step. */
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        h ^= h >> 16;
        return h;
}

static StrMap *strmap_new_full(bool caseless) {
        StrMap *m = calloc(1, sizeof(StrMap));
        if (!m)
                return NULL;
        m->caseless = caseless;
        return m;
}

StrMap *strmap_new(void) {
        return strmap_new_full(false);
}

StrMap *strmap_new_caseless(void) {
        return strmap_new_full(true);
}

StrMap *strmap_free(StrMap *m) {
        if (m) {
                free(m->slots);
                free(m);
        }
        return NULL;
}

static bool key_equal(const StrMap *m, const char *a, const char *b) {
        return m->caseless ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static StrMapSlot *strmap_find_slot(const StrMap *m, const char *key, uint32_t hash) {
        size_t mask = m->n_slots - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
                StrMapSlot *s = &m->slots[i];
                if (!s->key || (s->hash == hash && key_equal(m, s->key, key)))
                        return s;
        }
}

static int strmap_resize(StrMap *m, size_t n) {
        StrMapSlot *old = m->slots;
        size_t old_n = m->n_slots;
        m->slots = calloc_written(n, sizeof(StrMapSlot));
        if (!m->slots) {
                m->slots = old;
                return -ENOMEM;
        }
        m->n_slots = n;
        for (size_t i = 0; i < old_n; i++)
                if (old[i].key)
                        *strmap_find_slot(m, old[i].key, old[i].hash) = old[i];
        free(old);
        return 0;
}

static int strmap_put_full(StrMap *m, const char *key, void *value, bool replace) {
        /* At most half full: short probe chains matter more than the memory (the maps hold
         * pointers, the keys live elsewhere). */
        if ((m->n_items + 1) * 2 > m->n_slots) {
                int r = strmap_resize(m, m->n_slots ? m->n_slots * 2 : 16);
                if (r < 0)
                        return r;
        }
        uint32_t h = hash_string(key, m->caseless);
        StrMapSlot *s = strmap_find_slot(m, key, h);
        if (s->key) {
                if (!replace)
                        return -EEXIST;
                s->value = value;
                return 0;
        }
        *s = (StrMapSlot) { .key = key, .value = value, .hash = h };
        m->n_items++;
        return 0;
}

int strmap_reserve(StrMap *m, size_t n_items) {
        if (n_items > SIZE_MAX / 4)
                return -E2BIG;
        size_t n = m->n_slots ? m->n_slots : 16;
        while (n < n_items * 2)
                n *= 2;
        return n > m->n_slots ? strmap_resize(m, n) : 0;
}

int strmap_put(StrMap *m, const char *key, void *value) {
        return strmap_put_full(m, key, value, false);
}

int strmap_replace(StrMap *m, const char *key, void *value) {
        return strmap_put_full(m, key, value, true);
}

void *strmap_get(const StrMap *m, const char *key) {
        if (!m || m->n_items == 0)
                return NULL;
        StrMapSlot *s = strmap_find_slot(m, key, hash_string(key, m->caseless));
        return s->key ? s->value : NULL;
}

bool strmap_get_key(const StrMap *m, const char *key, const char **ret_key, void **ret_value) {
        if (!m || m->n_items == 0)
                return false;
        StrMapSlot *s = strmap_find_slot(m, key, hash_string(key, m->caseless));
        if (!s->key)
                return false;
        *ret_key = s->key;
        *ret_value = s->value;
        return true;
}

int strmap_remove(StrMap *m, const char *key) {
        if (!m || m->n_items == 0)
                return -ENOENT;
        StrMapSlot *s = strmap_find_slot(m, key, hash_string(key, m->caseless));
        if (!s->key)
                return -ENOENT;
        /* Backward-shift deletion keeps linear probing chains intact without tombstones. */
        size_t mask = m->n_slots - 1, hole = (size_t) (s - m->slots);
        for (size_t i = (hole + 1) & mask; m->slots[i].key; i = (i + 1) & mask) {
                size_t home = m->slots[i].hash & mask;
                /* Move the entry into the hole unless its home lies cyclically in (hole, i]. */
                bool home_between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
                if (!home_between) {
                        m->slots[hole] = m->slots[i];
                        hole = i;
                }
        }
        m->slots[hole] = (StrMapSlot) {};
        m->n_items--;
        return 0;
}

bool strmap_contains(const StrMap *m, const char *key) {
        if (!m || m->n_items == 0)
                return false;
        return strmap_find_slot(m, key, hash_string(key, m->caseless))->key != NULL;
}

size_t strmap_size(const StrMap *m) {
        return m ? m->n_items : 0;
}

bool strmap_iterate(const StrMap *m, size_t *i, const char **ret_key, void **ret_value) {
        if (!m)
                return false;
        for (; *i < m->n_slots; (*i)++)
                if (m->slots[*i].key) {
                        if (ret_key)
                                *ret_key = m->slots[*i].key;
                        if (ret_value)
                                *ret_value = m->slots[*i].value;
                        (*i)++;
                        return true;
                }
        return false;
}

/* ---- files ---- */

int read_file_limited(const char *path, size_t max_bytes, char **ret_data, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max_bytes)
                return -EFBIG;

        /* A page beyond the size a regular file claims, so the read that finds its end needs no
         * second buffer (a 50 MB file would be copied once more otherwise). */
        size_t allocated = S_ISREG(st.st_mode) ? (size_t) st.st_size + 4096 : 4096, size = 0;
        _cleanup_free_ char *buf = malloc(allocated);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (size + 1 >= allocated) {
                        if (allocated > max_bytes + 1)
                                return -EFBIG;
                        size_t n = allocated * 2;
                        char *b = realloc(buf, n);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        allocated = n;
                }
                ssize_t k = read(fd, buf + size, allocated - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
                if (size > max_bytes)
                        return -EFBIG;
        }
        buf[size] = 0;
        *ret_data = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

char *path_dirname(const char *path) {
        const char *slash = strrchr(path, '/');
        if (!slash)
                return strdup(".");
        if (slash == path)
                return strdup("/");
        return strndup(path, (size_t) (slash - path));
}

char *path_join(const char *a, const char *b) {
        if (b[0] == '/' || isempty(a))
                return strdup(b);
        size_t n = strlen(a);
        return strdup_printf("%s%s%s", a, n > 0 && a[n - 1] == '/' ? "" : "/", b);
}

int fsync_directory_of(const char *path) {
        struct stat st;
        _cleanup_free_ char *dir = NULL;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                dir = strdup(path);
        else
                dir = path_dirname(path);
        if (!dir)
                return -ENOMEM;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fsync(fd) < 0)
                return -errno;
        return 0;
}

static int write_all(int fd, const void *data, size_t size) {
        const char *p = data;
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                size -= (size_t) k;
        }
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_free_ char *tmp = strdup_printf("%s.tmp-XXXXXX", path);
        if (!tmp)
                return -ENOMEM;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, size);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && close(TAKE_FD(fd)) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        return fsync_directory_of(path);
}

int link_file_atomic(const char *from, const char *to) {
        /* A temporary name write_file_atomic() could have made, so that an interrupted run's one is
         * removed as its are (is_temporary_name()): six characters from the process and a count. */
        static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        static unsigned counter;
        for (int attempt = 0; attempt < 2; attempt++) {
                unsigned long v = (unsigned long) getpid() * 64u + (counter++ % 64u);
                char suffix[7];
                for (size_t i = 0; i < 6; i++, v /= 62)
                        suffix[i] = digits[v % 62];
                suffix[6] = 0;
                _cleanup_free_ char *tmp = strdup_printf("%s.tmp-%s", to, suffix);
                if (!tmp)
                        return -ENOMEM;
                if (link(from, tmp) < 0) {
                        if (errno == EEXIST) { /* an earlier process's, of the same pid: gone with it */
                                (void) unlink(tmp);
                                continue;
                        }
                        return -errno;
                }
                if (rename(tmp, to) < 0) {
                        int r = -errno;
                        (void) unlink(tmp);
                        return r;
                }
                return fsync_directory_of(to);
        }
        return -EEXIST;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        struct stat st;
        if (stat(p, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int rm_rf_at(int parent_fd, const char *name) {
        struct stat st;
        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(parent_fd, name, 0) < 0 ? -errno : 0;

        int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                int k = rm_rf_at(dirfd(d), de->d_name);
                if (k < 0 && r == 0)
                        r = k;
        }
        closedir(d);
        if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && r == 0)
                r = -errno;
        return r;
}

bool is_temporary_name(const char *name, const char *stem) {
        const char *suffix = NULL;
        if (stem)
                suffix = startswith(name, stem);
        else {
                /* The last ".tmp-": a base name may hold one of its own. */
                for (const char *p = strstr(name, ".tmp-"); p; p = strstr(p + 1, ".tmp-"))
                        if (p > name)
                                suffix = p + strlen(".tmp-");
        }
        if (!suffix || strlen(suffix) != 6)
                return false;
        for (const char *p = suffix; *p; p++)
                if (!isalnum((unsigned char) *p))
                        return false;
        return true;
}

int remove_temporaries(const char *dir, const char *stem) {
        DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        int n = 0, r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!is_temporary_name(de->d_name, stem))
                        continue;
                int k = rm_rf_at(dirfd(d), de->d_name);
                if (k < 0 && k != -ENOENT) {
                        r = k;
                        break;
                }
                n++;
        }
        closedir(d);
        if (r >= 0 && n > 0)
                r = fsync_directory_of(dir);
        return r < 0 ? r : n;
}

int rm_rf(const char *path) {
        return rm_rf_at(AT_FDCWD, path);
}

/* ---- time spans ---- */

static const struct {
        const char *suffix;
        uint64_t usec;
} timespan_units[] = {
        { "us", 1ULL },           { "usec", 1ULL },
        { "ms", 1000ULL },        { "msec", 1000ULL },
        { "s", 1000000ULL },      { "sec", 1000000ULL },     { "second", 1000000ULL },  { "seconds", 1000000ULL },
        { "m", 60000000ULL },     { "min", 60000000ULL },    { "minute", 60000000ULL }, { "minutes", 60000000ULL },
        { "h", 3600000000ULL },   { "hr", 3600000000ULL },   { "hour", 3600000000ULL }, { "hours", 3600000000ULL },
        { "d", 86400000000ULL },  { "day", 86400000000ULL }, { "days", 86400000000ULL },
        { "w", 604800000000ULL }, { "week", 604800000000ULL }, { "weeks", 604800000000ULL },
        { "M", 2629800000000ULL }, { "month", 2629800000000ULL }, { "months", 2629800000000ULL },
        { "y", 31557600000000ULL }, { "year", 31557600000000ULL }, { "years", 31557600000000ULL },
};

int parse_timespan(const char *s, uint64_t *ret_usec) {
        uint64_t total = 0;
        bool any = false;
        const char *p = s;
        for (;;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                uint64_t value = 0;
                while (isdigit((unsigned char) *p)) {
                        if (value > (UINT64_MAX - 9) / 10)
                                return -ERANGE;
                        value = value * 10 + (uint64_t) (*p - '0');
                        p++;
                }
                while (*p == ' ' || *p == '\t')
                        p++;
                const char *unit_start = p;
                while (isalpha((unsigned char) *p))
                        p++;
                size_t unit_len = (size_t) (p - unit_start);
                uint64_t factor = 0;
                if (unit_len == 0)
                        factor = 1000000ULL; /* bare number: seconds, as systemd does */
                else
                        for (size_t i = 0; i < ELEMENTSOF(timespan_units); i++)
                                if (strlen(timespan_units[i].suffix) == unit_len &&
                                    strncmp(timespan_units[i].suffix, unit_start, unit_len) == 0) {
                                        factor = timespan_units[i].usec;
                                        break;
                                }
                if (factor == 0)
                        return -EINVAL;
                if (value > UINT64_MAX / factor || total > UINT64_MAX - value * factor)
                        return -ERANGE;
                total += value * factor;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret_usec = total;
        return 0;
}

int parse_size(const char *s, uint64_t *ret_bytes) {
        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        uint64_t value = 0;
        const char *p = s;
        while (isdigit((unsigned char) *p)) {
                if (value > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                value = value * 10 + (uint64_t) (*p - '0');
                p++;
        }
        static const char units[] = "KMGT";
        uint64_t factor = 1;
        if (*p) {
                const char *u = strchr(units, *p);
                if (!u || p[1])
                        return -EINVAL;
                for (const char *k = units; k <= u; k++)
                        factor *= 1024;
        }
        if (value > UINT64_MAX / factor)
                return -ERANGE;
        *ret_bytes = value * factor;
        return 0;
}

const char *format_timespan(char *buf, size_t size, uint64_t usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "d", 86400000000ULL }, { "h", 3600000000ULL }, { "min", 60000000ULL },
                { "s", 1000000ULL },     { "ms", 1000ULL },      { "us", 1ULL },
        };
        size_t used = 0;
        buf[0] = 0;
        if (usec == 0) {
                snprintf(buf, size, "0");
                return buf;
        }
        for (size_t i = 0; i < ELEMENTSOF(units) && usec > 0; i++) {
                if (usec < units[i].usec)
                        continue;
                uint64_t n = usec / units[i].usec;
                usec -= n * units[i].usec;
                int k = snprintf(buf + used, size - used, "%s%" PRIu64 "%s", used ? " " : "", n, units[i].suffix);
                if (k < 0 || (size_t) k >= size - used)
                        break;
                used += (size_t) k;
        }
        return buf;
}

uint64_t now_usec_monotonic(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

uint64_t now_usec_realtime(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}
