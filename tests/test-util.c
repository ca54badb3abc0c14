/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "test.h"
#include "unicode.h"

TEST(test_strmap_put_get_remove) {
        _cleanup_(strmap_freep) StrMap *m = strmap_new();
        char keys[2000][16];
        for (int i = 0; i < 2000; i++) {
                snprintf(keys[i], sizeof keys[i], "k%d", i);
                CHECK_INT(strmap_put(m, keys[i], (void *) (intptr_t) (i + 1)), 0);
        }
        CHECK_INT(strmap_put(m, "k5", NULL), -EEXIST);
        CHECK_INT(strmap_size(m), 2000);
        /* Remove every third key: the others must stay reachable through the shifted chains. */
        for (int i = 0; i < 2000; i += 3)
                CHECK_INT(strmap_remove(m, keys[i]), 0);
        CHECK_INT(strmap_remove(m, "k0"), -ENOENT);
        int missing = 0, wrong = 0;
        for (int i = 0; i < 2000; i++) {
                void *v = strmap_get(m, keys[i]);
                if (i % 3 == 0) {
                        if (v)
                                wrong++;
                } else if (v != (void *) (intptr_t) (i + 1))
                        missing++;
        }
        CHECK_INT(missing, 0);
        CHECK_INT(wrong, 0);
        CHECK_INT(strmap_size(m), 2000 - 667);
        size_t it = 0, n = 0;
        const char *k;
        while (strmap_iterate(m, &it, &k, NULL))
                n++;
        CHECK_INT(n, 2000 - 667);
        CHECK_INT(strmap_replace(m, "k1", (void *) 7), 0);
        CHECK(strmap_get(m, "k1") == (void *) 7);
}

TEST(test_strmap_caseless) {
        _cleanup_(strmap_freep) StrMap *m = strmap_new_caseless();
        CHECK_INT(strmap_put(m, "Serum", (void *) 1), 0);
        CHECK(strmap_get(m, "SERUM") == (void *) 1);
        CHECK(strmap_get(m, "serum") == (void *) 1);
        CHECK_INT(strmap_put(m, "sErUm", (void *) 2), -EEXIST);
        /* The stored key, not the one asked with. */
        const char *key = NULL;
        void *value = NULL;
        CHECK(strmap_get_key(m, "SERUM", &key, &value));
        CHECK_STR(key, "Serum");
        CHECK(value == (void *) 1);
        CHECK(!strmap_get_key(m, "plasma", &key, &value));
        CHECK_STR(key, "Serum");
}

/* Every byte counts, the tail after the last eight too, and so does the length (a NUL is a byte). */
TEST(test_hash_bytes) {
        char a[40] = "bbmri-eric:factID:BE_f123456789012", b[40];
        size_t n = strlen(a);
        memcpy(b, a, sizeof b);
        CHECK(hash_bytes(a, n) == hash_bytes(b, n));
        size_t same = 0;
        for (size_t i = 0; i < n; i++) {
                b[i] ^= 1;
                same += hash_bytes(a, n) == hash_bytes(b, n);
                b[i] ^= 1;
        }
        CHECK_INT(same, 0);
        CHECK(hash_bytes(a, n) != hash_bytes(a, n - 1));
        /* Every length up to two words: each byte of the tail counts. */
        for (size_t len = 1; len <= 16; len++)
                for (size_t i = 0; i < len; i++) {
                        b[i] ^= 0x40;
                        same += hash_bytes(a, len) == hash_bytes(b, len);
                        b[i] ^= 0x40;
                }
        CHECK_INT(same, 0);
        CHECK(hash_bytes("", 0) != hash_bytes("\0", 1));
        /* Ids that differ in their last digit land in different slots of a small table. */
        uint64_t seen = 0;
        for (int i = 0; i < 10; i++) {
                char id[32];
                snprintf(id, sizeof id, "bbmri-eric:ID:BE_bb%d", i);
                seen |= UINT64_C(1) << (hash_bytes(id, strlen(id)) & 63);
        }
        CHECK(__builtin_popcountll(seen) >= 7);
}

TEST(test_arena) {
        Arena a;
        arena_init(&a);
        char *s = arena_strdup(&a, "hello");
        CHECK_STR(s, "hello");
        CHECK(((uintptr_t) arena_alloc(&a, 3) & 15) == 0);
        /* A large allocation gets its own chunk and does not disturb later small ones. */
        char *big = arena_alloc(&a, 1024 * 1024);
        CHECK(big != NULL);
        memset(big, 'x', 1024 * 1024);
        char *t = arena_strndup(&a, "abcdef", 3);
        CHECK_STR(t, "abc");
        CHECK_STR(s, "hello");
        arena_done(&a);

        /* Released to a mark, the arena hands out the same memory again; released to empty it
         * keeps its first chunk for the next row rather than freeing and taking one per row. */
        arena_init(&a);
        ArenaMark empty = arena_mark(&a);
        char *first = arena_strdup(&a, "row 1");
        CHECK(first != NULL);
        CHECK(arena_alloc(&a, 300 * 1024) != NULL); /* a chunk of its own */
        arena_release(&a, &empty);
        CHECK_INT(a.used_bytes, 0);
        ArenaMark again = arena_mark(&a);
        CHECK(again.chunk != NULL); /* the first chunk was kept */
        char *second = arena_strdup(&a, "row 2");
        CHECK(second == first);
        CHECK_STR(second, "row 2");
        ArenaMark inside = arena_mark(&a);
        char *third = arena_strdup(&a, "more");
        arena_release(&a, &inside);
        CHECK(arena_strdup(&a, "again") == third);
        CHECK_STR(second, "row 2");
        arena_release(&a, &again);
        CHECK_INT(a.used_bytes, 0);
        arena_done(&a);
        CHECK(a.chunks == NULL);
}

TEST(test_timespan) {
        static const struct {
                const char *text;
                uint64_t usec;
        } good[] = {
                { "90s", 90000000ULL },    { "5min", 300000000ULL },       { "1h", 3600000000ULL },
                { "1h 30min", 5400000000ULL }, { "2 h", 7200000000ULL }, { "45", 45000000ULL },
                { "500ms", 500000ULL },    { "1d 1s", 86401000000ULL },   { "1w", 604800000000ULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                uint64_t v = 0;
                CHECK_INT(parse_timespan(good[i].text, &v), 0);
                CHECK_INT(v, good[i].usec);
        }
        static const char *const bad[] = { "", " ", "5 parsecs", "h", "-5s", "1.5h", "5s x" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t v = 0;
                CHECK_INT(parse_timespan(bad[i], &v), -EINVAL);
        }
        uint64_t v;
        CHECK_INT(parse_timespan("99999999999999999999999s", &v), -ERANGE);
        char buf[64];
        CHECK_STR(format_timespan(buf, sizeof buf, 5400000000ULL), "1h 30min");
        CHECK_STR(format_timespan(buf, sizeof buf, 0), "0");
}

TEST(test_size) {
        uint64_t v = 0;
        CHECK_INT(parse_size("100M", &v), 0);
        CHECK_INT(v, 100ULL * 1024 * 1024);
        CHECK_INT(parse_size("512K", &v), 0);
        CHECK_INT(v, 512ULL * 1024);
        CHECK_INT(parse_size("2G", &v), 0);
        CHECK_INT(v, 2ULL * 1024 * 1024 * 1024);
        CHECK_INT(parse_size("1T", &v), 0);
        CHECK_INT(v, 1ULL << 40);
        CHECK_INT(parse_size("4096", &v), 0);
        CHECK_INT(v, 4096);
        static const char *const bad[] = { "", "M", "-1M", "1.5G", "100MB", "10 M", "5m", "1K1" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK_INT(parse_size(bad[i], &v), -EINVAL);
        CHECK_INT(parse_size("99999999999999999999", &v), -ERANGE);
        CHECK_INT(parse_size("17000000000T", &v), -ERANGE);
}

TEST(test_utf8) {
        size_t off = 99;
        CHECK(utf8_is_valid("Biothèque", strlen("Biothèque"), NULL));
        CHECK(!utf8_is_valid("ab\xc3\x28", 4, &off));
        CHECK_INT(off, 2);
        CHECK(!utf8_is_valid("\xc0\xaf", 2, NULL));         /* overlong '/' */
        CHECK(!utf8_is_valid("\xed\xa0\x80", 3, NULL));     /* surrogate */
        CHECK(!utf8_is_valid("\xf4\x90\x80\x80", 4, NULL)); /* above U+10FFFF */
        CHECK(!utf8_is_valid("\xe2\x82", 2, NULL));         /* truncated */
}

TEST(test_files) {
        char dir[] = "/tmp/test-util-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *sub = path_join(dir, "a/b/c");
        CHECK_INT(mkdir_p(sub, 0755), 0);
        _cleanup_free_ char *file = path_join(sub, "f.txt");
        CHECK_INT(write_file_atomic(file, "one", 3, 0640), 0);
        CHECK_INT(write_file_atomic(file, "two!", 4, 0640), 0);
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        CHECK_INT(read_file_limited(file, 100, &data, &size), 0);
        CHECK_STR(data, "two!");
        CHECK_INT(size, 4);
        struct stat st;
        CHECK_INT(stat(file, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0640);
        char *ignored = NULL;
        CHECK_INT(read_file_limited(file, 3, &ignored, &size), -EFBIG);
        CHECK_INT(read_file_limited(sub, 3, &ignored, &size), -EISDIR);
        _cleanup_free_ char *dn = path_dirname(file);
        CHECK_STR(dn, sub);
        _cleanup_free_ char *abs = path_join("/x", "/y");
        CHECK_STR(abs, "/y");
        CHECK_INT(rm_rf(dir), 0);
        CHECK_INT(stat(dir, &st), -1);
}

TEST(test_strv) {
        _cleanup_strv_free_ char **l = NULL;
        CHECK_INT(strv_extend(&l, "a"), 0);
        CHECK_INT(strv_extend(&l, "b"), 0);
        CHECK_INT(strv_length(l), 2);
        CHECK(strv_contains(l, "b"));
        CHECK(!strv_contains(l, "c"));
        CHECK_STR(startswith("bbmri-eric:ID:BE_x", "bbmri-eric:"), "ID:BE_x");
        CHECK(startswith("abc", "b") == NULL);
        CHECK(endswith("Biobanks.csv", ".csv"));
}

TEST(test_byte_buffer) {
        /* Appends past the first allocation keep every byte, in order, with a NUL behind them. */
        ByteBuffer b = {};
        char chunk[100];
        for (size_t i = 0; i < 100; i++) {
                memset(chunk, 'a' + (int) (i % 26), sizeof chunk);
                CHECK_INT(byte_buffer_append(&b, chunk, sizeof chunk), 0);
        }
        CHECK_INT(b.size, 10000);
        CHECK(b.allocated > b.size);
        CHECK(b.data[b.size] == 0);
        CHECK(b.data[0] == 'a' && b.data[99] == 'a' && b.data[100] == 'b' && b.data[9999] == 'a' + 99 % 26);
        CHECK_INT(byte_buffer_append(&b, "", 0), 0);
        CHECK_INT(b.size, 10000);
        /* A size that cannot be held is refused and changes nothing. */
        char *before = b.data;
        CHECK_INT(byte_buffer_append(&b, chunk, SIZE_MAX - 8), -ENOMEM);
        CHECK(b.data == before && b.size == 10000 && b.data[b.size] == 0);
        free(b.data);
}

TEST(test_temporary_names) {
        /* The names write_file_atomic() and mkdtemp() make, and near misses. */
        CHECK(is_temporary_name("last.json.tmp-a1B2c3", NULL));
        CHECK(is_temporary_name("BBMRI-BE.tmp-XXXXXX", NULL));
        CHECK(is_temporary_name("a.tmp-b.tmp-123456", NULL));
        CHECK(!is_temporary_name(".tmp-123456", NULL));
        CHECK(!is_temporary_name("last.json", NULL));
        CHECK(!is_temporary_name("x.tmp-12345", NULL));
        CHECK(!is_temporary_name("x.tmp-1234567", NULL));
        CHECK(!is_temporary_name("x.tmp-12.456", NULL));
        CHECK(is_temporary_name("snapshots.new-abc123", "snapshots.new-"));
        CHECK(!is_temporary_name("snapshots.new-abc123/", "snapshots.new-"));
        CHECK(!is_temporary_name("snapshots", "snapshots.new-"));
        CHECK(!is_temporary_name("BBMRI-NL.tmp-abc123", "BBMRI-BE.tmp-"));
}

/* One pass says valid and ASCII: a high byte anywhere (in an eight-byte step or the tail) makes a
 * valid text not ASCII; NUL is ASCII; an invalid text says where and nothing of ASCII. */
TEST(test_utf8_is_valid_ascii) {
        char buf[40];
        memset(buf, 'a', sizeof buf);
        buf[5] = 0;
        bool ascii = false;
        CHECK(utf8_is_valid_ascii(buf, 0, NULL, &ascii) && ascii);
        CHECK(utf8_is_valid_ascii(buf, sizeof buf, NULL, &ascii) && ascii);
        for (size_t n = 2; n <= sizeof buf; n++)
                for (size_t at = 0; at + 1 < n; at++) {
                        char a = buf[at], b = buf[at + 1];
                        memcpy(buf + at, "\xc3\xa9", 2);
                        ascii = true;
                        CHECK(utf8_is_valid_ascii(buf, n, NULL, &ascii) && !ascii);
                        CHECK(utf8_is_valid_ascii(buf, at, NULL, &ascii) && ascii);
                        buf[at] = (char) 0xff;
                        size_t bad = SIZE_MAX;
                        ascii = true;
                        CHECK(!utf8_is_valid_ascii(buf, n, &bad, &ascii) && bad == at && ascii);
                        buf[at] = a;
                        buf[at + 1] = b;
                }
}

TEST(test_utf8_nfc) {
        char *nfc = NULL;
        CHECK_INT(utf8_nfc("plain ASCII", &nfc), 0); /* no work, no copy */
        CHECK(nfc == NULL);
        CHECK_INT(utf8_nfc("S\xc3\xa9rum", &nfc), 0); /* NFC already */
        CHECK(nfc == NULL);
        CHECK_INT(utf8_nfc("Se\xcc\x81rum", &nfc), 1); /* e + combining acute */
        CHECK_STR(nfc, "S\xc3\xa9rum");
        free(nfc);
        nfc = NULL;
        CHECK_INT(utf8_nfc("Patie\xcc\x88nt-controle", &nfc), 1);
        CHECK_STR(nfc, "Pati\xc3\xabnt-controle");
        free(nfc);
        nfc = NULL;
        /* Past the first eight and sixteen bytes of ASCII, and in the last byte. */
        CHECK_INT(utf8_nfc("Collection of tissue, Se\xcc\x81rum", &nfc), 1);
        CHECK_STR(nfc, "Collection of tissue, S\xc3\xa9rum");
        free(nfc);
        nfc = NULL;
        CHECK_INT(utf8_nfc("0123456789abcdef", &nfc), 0);
        CHECK(nfc == NULL);
        CHECK_INT(utf8_nfc("0123456789abcdefe\xcc\x81", &nfc), 1);
        CHECK_STR(nfc, "0123456789abcdef\xc3\xa9");
        free(nfc);
        nfc = NULL;
        CHECK_INT(utf8_nfc("\xed\xa0\x80", &nfc), -EINVAL); /* a surrogate is no UTF-8 */
}

/* A text built piece by piece says what snprintf() says, and stops where a piece does not fit. */
TEST(test_textbuf) {
        static const long long values[] = { 0, 7, -1, 10, -10, 1234567890123456789LL, INT64_MAX, INT64_MIN };
        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                char buf[64], want[64];
                TextBuf t = textbuf_init(buf, sizeof buf);
                textbuf_add(&t, "n=");
                textbuf_add_int(&t, values[i]);
                textbuf_add(&t, ";");
                snprintf(want, sizeof want, "n=%lld;", values[i]);
                CHECK(t.ok);
                CHECK_STR(t.s, want);
                CHECK_INT(t.n, strlen(want));
        }
        char small[8];
        TextBuf t = textbuf_init(small, sizeof small);
        textbuf_add(&t, "1234567");
        CHECK(t.ok);
        CHECK_STR(small, "1234567");
        textbuf_add(&t, "");
        CHECK(t.ok);
        textbuf_add(&t, "8");
        CHECK(!t.ok);
        textbuf_add(&t, "");
        CHECK(!t.ok);
        t = textbuf_init(small, sizeof small);
        textbuf_add_int(&t, INT64_MIN);
        CHECK(!t.ok);
}

TEST_MAIN(RUN(test_textbuf); RUN(test_strmap_put_get_remove); RUN(test_utf8_nfc); RUN(test_utf8_is_valid_ascii); RUN(test_strmap_caseless); RUN(test_hash_bytes); RUN(test_arena); RUN(test_timespan); RUN(test_size);
          RUN(test_utf8); RUN(test_files); RUN(test_strv); RUN(test_byte_buffer); RUN(test_temporary_names))
