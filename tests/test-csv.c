/* SPDX-License-Identifier: MIT */
#include "csv.h"
#include "limits.h"
#include "test.h"

/* Collects records as "line:field|field|..." strings joined by '\n'. */
typedef struct Collected {
        char text[4096];
        size_t used;
} Collected;

static int collect(void *userdata, unsigned line, char **fields, size_t n_fields) {
        Collected *c = userdata;
        int k = snprintf(c->text + c->used, sizeof c->text - c->used, "%u:", line);
        c->used += (size_t) k;
        for (size_t i = 0; i < n_fields; i++) {
                CHECK_INT(csv_field_length(fields, i), strlen(fields[i]));
                k = snprintf(c->text + c->used, sizeof c->text - c->used, "%s%s", i ? "|" : "", fields[i]);
                c->used += (size_t) k;
        }
        k = snprintf(c->text + c->used, sizeof c->text - c->used, "\n");
        c->used += (size_t) k;
        return 0;
}

static int parse(const char *text, Collected *c, Findings *f) {
        *c = (Collected) {};
        return csv_parse(text, strlen(text), "t.csv", collect, c, f);
}

static char *first(const Findings *f) {
        return f->n_items ? finding_format(&f->items[0]) : NULL;
}

TEST(test_syntax) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n" },
                { "a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n" },
                { "\xEF\xBB\xBFid,name\nx,y", "1:id|name\n2:x|y\n" },
                { "a,b,\n", "1:a|b|\n" },
                { "\n\na\n\n", "3:a\n" },
                { "\"x,y\",\"say \"\"hi\"\"\"\n", "1:x,y|say \"hi\"\n" },
                { "\"two\nlines\",z\nnext,row\n", "1:two\nlines|z\n3:next|row\n" },
                { "\"\",\n", "1:|\n" },
                { "é,ü\n", "1:é|ü\n" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Findings f;
                findings_init(&f);
                Collected c;
                CHECK_INT(parse(cases[i].in, &c, &f), 0);
                CHECK_STR(c.text, cases[i].out);
                CHECK_INT(f.n_items, 0);
                findings_done(&f);
        }
}

TEST(test_errors) {
        static const struct {
                const char *in, *message;
        } cases[] = {
                { "a,b\n1,x\"y\n", "t.csv:2:4: error: quote inside an unquoted field" },
                { "a\n\"open,\nb\n", "t.csv:2:1: error: quoted field is never closed" },
                { "\"a\"b,c\n", "t.csv:1:4: error: unexpected character after a closing quote" },
                { "ab\n\xff\n", "t.csv:2:1: error: invalid UTF-8 byte 0xff" },
                { "a,b\rc\n", "t.csv:1:4: error: carriage return inside a field" },
                /* Columns count characters in an unquoted field (é and € are one each), bytes in a
                 * quoted one, and a line end inside quotes starts the count again. */
                { "a,b\nx,caf\xc3\xa9 cr\xe2\x82\xac" "me\"\n", "t.csv:2:13: error: quote inside an unquoted field" },
                { "a,b\n\"caf\xc3\xa9\",\"1\n234\"5\n", "t.csv:3:5: error: unexpected character after a closing quote" },
                { "h\nabcdefghijklmnopqrstuvwxyz0123456789,x\"\n", "t.csv:2:39: error: quote inside an unquoted field" },
                { "h\nabcdefghijklmnopqrstuvwxyz0123456789\xc3\n", "t.csv:2:37: error: invalid UTF-8 byte 0xc3" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Findings f;
                findings_init(&f);
                Collected c;
                CHECK_INT(parse(cases[i].in, &c, &f), -EBADMSG);
                _cleanup_free_ char *m = first(&f);
                CHECK_CONTAINS(m, cases[i].message);
                findings_done(&f);
        }
        /* NUL byte */
        Findings f;
        findings_init(&f);
        Collected c = {};
        CHECK_INT(csv_parse("a,b\nx\0y\n", 8, "t.csv", collect, &c, &f), -EBADMSG);
        _cleanup_free_ char *m = first(&f);
        CHECK_CONTAINS(m, "t.csv:2:2: error: NUL byte");
        findings_done(&f);
}

/* Adds up the bytes of every field but the header's (which counts one). */
static int count_bytes(void *userdata, unsigned line, char **fields, size_t n) {
        size_t *total = userdata;
        for (size_t i = 0; i < n; i++)
                *total += line == 1 ? 1 : strlen(fields[i]);
        return 0;
}

TEST(test_limits) {
        size_t n = (LIMIT_CSV_COLUMNS + 1) * 2;
        _cleanup_free_ char *row = malloc(n + 1);
        for (size_t i = 0; i < n; i += 2) {
                row[i] = 'x';
                row[i + 1] = ',';
        }
        row[n - 1] = '\n';
        row[n] = 0;
        Findings f;
        findings_init(&f);
        Collected c;
        CHECK_INT(csv_parse(row, n, "t.csv", collect, &c, &f), -E2BIG);
        _cleanup_free_ char *m = first(&f);
        CHECK_CONTAINS(m, "more than 1024 columns");
        findings_done(&f);

        /* A field of the limit's length is read whole, one byte more is refused, quoted or not. */
        for (size_t extra = 0; extra < 2; extra++)
                for (size_t quoted = 0; quoted < 2; quoted++) {
                        size_t len = LIMIT_CSV_FIELD_BYTES + extra;
                        _cleanup_free_ char *text = malloc(len + 8);
                        char *w = text;
                        *w++ = 'h';
                        *w++ = '\n';
                        if (quoted)
                                *w++ = '"';
                        memset(w, 'v', len);
                        w += len;
                        if (quoted)
                                *w++ = '"';
                        *w++ = '\n';
                        findings_init(&f);
                        size_t bytes = 0;
                        CHECK_INT(csv_parse(text, (size_t) (w - text), "t.csv", count_bytes, &bytes, &f),
                                  extra ? -E2BIG : 0);
                        CHECK_INT(bytes, extra ? 1 : 1 + len);
                        findings_done(&f);
                }
}

/* Unquoted fields are scanned sixteen (or eight) bytes at a time: every byte that ends or
 * interrupts a run, at every offset in a first and a second step, near the end of the data and far
 * from it. */
TEST(test_word_scan) {
        static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (size_t k = 0; k < 40; k++) {
                for (size_t tail = 0; tail < 12; tail += 11) {
                        char prefix[48], suffix[32], in[128], out[256];
                        memcpy(prefix, letters, k);
                        prefix[k] = 0;
                        memcpy(suffix, letters + 10, tail);
                        suffix[tail] = 0;
                        Findings f;
                        findings_init(&f);
                        Collected c;

                        snprintf(in, sizeof in, "h\n%s,%s\n", prefix, suffix);
                        snprintf(out, sizeof out, "1:h\n2:%s|%s\n", prefix, suffix);
                        CHECK_INT(parse(in, &c, &f), 0);
                        CHECK_STR(c.text, out);

                        snprintf(in, sizeof in, "h\n%s\t%s", prefix, suffix);
                        snprintf(out, sizeof out, "1:h\n2:%s\t%s\n", prefix, suffix);
                        CHECK_INT(parse(in, &c, &f), 0);
                        CHECK_STR(c.text, out);

                        snprintf(in, sizeof in, "h\n%s\r\n%s\r\n", prefix, suffix);
                        /* (an empty line carries no record) */
                        snprintf(out, sizeof out, "1:h\n%s%s%s%s%s%s", k ? "2:" : "", prefix, k ? "\n" : "",
                                 tail ? "3:" : "", suffix, tail ? "\n" : "");
                        CHECK_INT(parse(in, &c, &f), 0);
                        CHECK_STR(c.text, out);
                        CHECK_INT(f.n_items, 0);

                        /* One column for é, wherever its bytes fall in a word. */
                        snprintf(in, sizeof in, "h\n%s\xc3\xa9%s\"\n", prefix, suffix);
                        snprintf(out, sizeof out, "t.csv:2:%zu: error: quote inside", k + tail + 2);
                        CHECK_INT(parse(in, &c, &f), -EBADMSG);
                        _cleanup_free_ char *m = first(&f);
                        CHECK_CONTAINS(m, out);
                        findings_done(&f);

                        findings_init(&f);
                        snprintf(in, sizeof in, "h\n%s\rx%s\n", prefix, suffix);
                        snprintf(out, sizeof out, "t.csv:2:%zu: error: carriage return", k + 1);
                        CHECK_INT(parse(in, &c, &f), -EBADMSG);
                        _cleanup_free_ char *m2 = first(&f);
                        CHECK_CONTAINS(m2, out);
                        findings_done(&f);

                        findings_init(&f);
                        int n = snprintf(in, sizeof in, "h\n%s#%s\n", prefix, suffix);
                        in[2 + k] = 0;
                        snprintf(out, sizeof out, "t.csv:2:%zu: error: NUL byte", k + 1);
                        c = (Collected) {};
                        CHECK_INT(csv_parse(in, (size_t) n, "t.csv", collect, &c, &f), -EBADMSG);
                        _cleanup_free_ char *m3 = first(&f);
                        CHECK_CONTAINS(m3, out);
                        findings_done(&f);
                }
        }
}

/* A record whose text outgrows the parser's buffer several times over, in unquoted fields and
 * in quoted ones: the fields read before the buffer moved must move along with it. */
#define LONG_RECORD_FIELDS 300u

static void long_field(size_t i, char *buf) {
        size_t n = 20 + i * 3 % 170;
        memset(buf, 'a' + (int) (i % 26), n);
        if (i % 3 == 0)
                buf[n / 2] = '"';
        buf[n] = 0;
}

static int check_long_record(void *userdata, unsigned line, char **fields, size_t n) {
        size_t *checked = userdata;
        CHECK_INT(n, LONG_RECORD_FIELDS);
        for (size_t i = 0; i < n; i++) {
                char want[256];
                long_field(i, want);
                CHECK_STR(fields[i], want);
                CHECK_INT(csv_field_length(fields, i), strlen(want));
                (*checked)++;
        }
        return 0;
}

TEST(test_long_record) {
        _cleanup_free_ char *text = malloc(LONG_RECORD_FIELDS * 256 * 2);
        char *w = text;
        for (size_t i = 0; i < LONG_RECORD_FIELDS; i++) {
                char field[256];
                long_field(i, field);
                if (i > 0)
                        *w++ = ',';
                if (i % 3 == 0) {
                        *w++ = '"';
                        for (const char *c = field; *c; c++) {
                                if (*c == '"')
                                        *w++ = '"';
                                *w++ = *c;
                        }
                        *w++ = '"';
                } else {
                        size_t n = strlen(field);
                        memcpy(w, field, n);
                        w += n;
                }
        }
        *w++ = '\n';
        Findings f;
        findings_init(&f);
        size_t checked = 0;
        CHECK_INT(csv_parse(text, (size_t) (w - text), "t.csv", check_long_record, &checked, &f), 0);
        CHECK_INT(checked, LONG_RECORD_FIELDS);
        findings_done(&f);
}

static int stop_at_second(void *userdata, unsigned line, char **fields, size_t n) {
        return line == 2 ? -ECANCELED : 0;
}

TEST(test_callback_stops) {
        Findings f;
        findings_init(&f);
        CHECK_INT(csv_parse("a\nb\nc\n", 6, "t.csv", stop_at_second, NULL, &f), -ECANCELED);
        findings_done(&f);
}

TEST(test_write) {
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        const char *row[] = { "plain", "a,b", "say \"hi\"", "two\nlines", " padded", "", NULL };
        CHECK_INT(csv_write_record(out, row, 7), 0);
        fclose(out);
        CHECK_STR(buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\",,\n");
        /* And it reads back. */
        Findings f;
        findings_init(&f);
        Collected c;
        CHECK_INT(parse(buf, &c, &f), 0);
        CHECK_STR(c.text, "1:plain|a,b|say \"hi\"|two\nlines| padded||\n");
        findings_done(&f);
        free(buf);
}

TEST_MAIN(RUN(test_syntax); RUN(test_errors); RUN(test_limits); RUN(test_word_scan); RUN(test_long_record); RUN(test_callback_stops); RUN(test_write))
