/* SPDX-License-Identifier: MIT */
#include <endian.h>

#include "csv.h"
#include "limits.h"

/* Bytes an unquoted field runs on without a second look: ASCII other than NUL, the separator,
 * the line ends and the quote. Every one is one column. */
static const uint8_t plain_byte[256] = {
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

#ifdef __SSE2__
#include <emmintrin.h>

/* The end of a run of plain bytes from i, sixteen at a time while sixteen remain: a byte is
 * flagged when it is the quote or the separator or, taken as signed, below 0x0E (NUL, the line
 * ends, but also a tab, and every byte past ASCII); from the first flag the byte loop decides
 * (a tab goes on). */
static inline size_t skip_plain(const char *data, size_t i, size_t size) {
        const __m128i quote = _mm_set1_epi8('"'), comma = _mm_set1_epi8(','), low = _mm_set1_epi8(0x0E);
        for (; size - i >= 16; i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *) (const void *) (data + i));
                __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, comma)),
                                         _mm_cmplt_epi8(v, low));
                unsigned bits = (unsigned) _mm_movemask_epi8(m);
                if (bits) {
                        i += (size_t) __builtin_ctz(bits);
                        break;
                }
        }
        while (i < size && plain_byte[(unsigned char) data[i]])
                i++;
        return i;
}
#else
#define BYTES_ONES UINT64_C(0x0101010101010101)
#define BYTES_HIGHS UINT64_C(0x8080808080808080)

/* The end of a run of plain bytes from i, eight at a time while eight remain: a word is flagged
 * where a byte is below 0x0E (NUL, the line ends, but also a tab), the quote or the separator, or
 * past ASCII. A subtraction borrows only out of a flagged byte, so the lowest flag (in memory
 * order) is exact; from there the byte loop decides (a tab goes on). */
static inline size_t skip_plain(const char *data, size_t i, size_t size) {
        for (; size - i >= 8; i += 8) {
                uint64_t w;
                memcpy(&w, data + i, 8);
                w = le64toh(w);
                uint64_t m = (w | (w - BYTES_ONES * 0x0E) | ((w ^ (BYTES_ONES * '"')) - BYTES_ONES) |
                              ((w ^ (BYTES_ONES * ',')) - BYTES_ONES)) & BYTES_HIGHS;
                if (m) {
                        i += (size_t) __builtin_ctzll(m) / 8;
                        break;
                }
        }
        while (i < size && plain_byte[(unsigned char) data[i]])
                i++;
        return i;
}
#endif

/* Fields of the current record are collected in one growing buffer (NUL-separated) and one
 * growing array of pointers into it, reused across records: no allocation per field. */
typedef struct Parser {
        const char *filename;
        Findings *findings;
        ByteBuffer text;        /* the record's fields, each NUL-terminated */
        char **fields;          /* into text: where each field of the record starts */
        size_t n_fields, fields_allocated;
} Parser;

static int parser_error(Parser *p, unsigned line, unsigned column, int r, const char *fmt, ...) _printf_(5, 6);
static int parser_error(Parser *p, unsigned line, unsigned column, int r, const char *fmt, ...) {
        Location loc = { .file = p->filename, .line = line, .column = column };
        va_list ap;
        va_start(ap, fmt);
        int k = findings_addv(p->findings, SEVERITY_ERROR, r == -E2BIG ? "csv-limit" : "csv-syntax", NULL, NULL,
                              NULL, &loc, fmt, ap);
        va_end(ap);
        return k < 0 ? k : r;
}

/* Room for n more bytes and a NUL in the text. When it moves, the fields move along: they are
 * kept as offsets (in their own slots) while it is reallocated. */
static int text_grow(Parser *p, size_t n) {
        ByteBuffer *b = &p->text;
        for (size_t k = 0; k < p->n_fields; k++) {
                uintptr_t offset = (uintptr_t) (p->fields[k] - b->data);
                memcpy(&p->fields[k], &offset, sizeof offset);
        }
        int r = byte_buffer_grow(b, n);
        for (size_t k = 0; k < p->n_fields; k++) {
                uintptr_t offset;
                memcpy(&offset, &p->fields[k], sizeof offset);
                p->fields[k] = b->data + offset;
        }
        return r;
}

static inline int text_reserve(Parser *p, size_t n) {
        return n < p->text.allocated - p->text.size ? 0 : text_grow(p, n);
}

static int text_append(Parser *p, const char *s, size_t n) {
        int r = text_reserve(p, n);
        if (r < 0)
                return r;
        memcpy(p->text.data + p->text.size, s, n);
        p->text.size += n;
        p->text.data[p->text.size] = 0;
        return 0;
}

static int field_begin(Parser *p, unsigned line, unsigned column) {
        if (p->n_fields >= LIMIT_CSV_COLUMNS)
                return parser_error(p, line, column, -E2BIG, "more than %u columns in one row", LIMIT_CSV_COLUMNS);
        if (p->n_fields == p->fields_allocated) {
                size_t a = p->fields_allocated ? p->fields_allocated * 2 : 32;
                char **f = realloc(p->fields, a * sizeof(char *));
                if (!f)
                        return -ENOMEM;
                p->fields = f;
                p->fields_allocated = a;
        }
        p->fields[p->n_fields++] = p->text.data + p->text.size;
        return 0;
}

/* The end of a quoted field, whose pieces are in the text already. */
static int field_end(Parser *p, unsigned line, unsigned column) {
        size_t len = (size_t) (p->text.data + p->text.size - p->fields[p->n_fields - 1]);
        if (len > LIMIT_CSV_FIELD_BYTES)
                return parser_error(p, line, column, -E2BIG, "field longer than %u bytes", LIMIT_CSV_FIELD_BYTES);
        return text_append(p, "", 1);
}

/* Slack the text keeps past a stored field, so that a short one is copied in one move of 16 or
 * 64 bytes (its tail overwritten by its NUL and the next field) instead of a call to memcpy(). */
#define FIELD_COPY_BYTES 64u

/* An unquoted field, data[start..end), in one step: its bytes and its NUL. */
static inline int field_store_plain(Parser *p, const char *data, size_t start, size_t end, size_t size,
                                    unsigned line, unsigned column) {
        size_t n = end - start;
        ByteBuffer *b = &p->text;
        if (n > LIMIT_CSV_FIELD_BYTES)
                return parser_error(p, line, column, -E2BIG, "field longer than %u bytes", LIMIT_CSV_FIELD_BYTES);
        int r = text_reserve(p, n + FIELD_COPY_BYTES);
        if (r < 0)
                return r;
        char *w = b->data + b->size;
        if (n <= 16 && size - start >= 16)
                memcpy(w, data + start, 16);
        else if (n <= FIELD_COPY_BYTES && size - start >= FIELD_COPY_BYTES)
                memcpy(w, data + start, FIELD_COPY_BYTES);
        else
                memcpy(w, data + start, n);
        w[n] = 0;
        b->size += n + 1;
        return 0;
}

static int record_emit(Parser *p, unsigned line, CsvRecordFunc func, void *userdata) {
        /* The end of the last field, for csv_field_length(). */
        if (p->n_fields == p->fields_allocated) {
                char **f = realloc(p->fields, (p->fields_allocated + 1) * sizeof(char *));
                if (!f)
                        return -ENOMEM;
                p->fields = f;
                p->fields_allocated++;
        }
        p->fields[p->n_fields] = p->text.data + p->text.size;
        int r = func(userdata, line, p->fields, p->n_fields);
        p->n_fields = 0;
        p->text.size = 0;
        return r;
}

int csv_parse(const char *data, size_t size, const char *filename, CsvRecordFunc func, void *userdata,
              Findings *findings) {
        return csv_parse_part(data, size, filename, &(const CsvPart) { .first_line = 1 }, func, userdata, findings);
}

int csv_parse_part(const char *data, size_t size, const char *filename, const CsvPart *part, CsvRecordFunc func,
                   void *userdata, Findings *findings) {
        Parser p = { .filename = filename ?: "<memory>", .findings = findings };
        size_t i = 0, n_records = 0;
        unsigned line = part->first_line > 0 ? part->first_line : 1, column = 1;
        bool file_start = line == 1;
        int r = 0;

        if (file_start && size >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0 || memcmp(data, "\xFE\xFF", 2) == 0))
                return parser_error(&p, 1, 1, -EBADMSG,
                                    "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8");
        size_t bad;
        if (!part->utf8_checked && !utf8_is_valid(data, size, &bad)) {
                for (size_t k = 0; k < bad; k++)
                        if (data[k] == '\n') {
                                line++;
                                column = 1;
                        } else if (((unsigned char) data[k] & 0xC0) != 0x80)
                                column++;
                return parser_error(&p, line, column, -EBADMSG, "invalid UTF-8 byte 0x%02x", (unsigned char) data[bad]);
        }
        if (file_start && size >= 3 && memcmp(data, UTF8_BOM, 3) == 0)
                i = 3;
        /* The fields point into the text: it is there before the first one. */
        r = byte_buffer_grow(&p.text, 0);
        if (r < 0)
                return r;

        while (i < size) {
                unsigned record_line = line;
                /* Blank lines carry no record. */
                if (data[i] == '\n' || (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')) {
                        i += data[i] == '\r' ? 2 : 1;
                        line++;
                        column = 1;
                        continue;
                }
                for (;;) { /* one field per iteration */
                        r = field_begin(&p, line, column);
                        if (r < 0)
                                goto finish;
                        if (i < size && data[i] == '"') {
                                unsigned quote_line = line, quote_column = column;
                                i++;
                                column++;
                                for (;;) {
                                        if (i >= size) {
                                                r = parser_error(&p, quote_line, quote_column, -EBADMSG,
                                                                 "quoted field is never closed");
                                                goto finish;
                                        }
                                        const char *q = memchr(data + i, '"', size - i);
                                        size_t stop = q ? (size_t) (q - data) : size;
                                        /* Copy the run up to the next quote, counting lines inside
                                         * (byte by byte only when it has a line end or a NUL). */
                                        if (!memchr(data + i, '\n', stop - i) && !memchr(data + i, 0, stop - i))
                                                column += (unsigned) (stop - i);
                                        else
                                                for (size_t k = i; k < stop; k++) {
                                                        if (data[k] == 0) {
                                                                r = parser_error(&p, line, column, -EBADMSG,
                                                                                 "NUL byte in the data");
                                                                goto finish;
                                                        }
                                                        if (data[k] == '\n') {
                                                                line++;
                                                                column = 1;
                                                        } else
                                                                column++;
                                                }
                                        r = text_append(&p, data + i, stop - i);
                                        if (r < 0)
                                                goto finish;
                                        i = stop;
                                        if (!q)
                                                continue;
                                        if (i + 1 < size && data[i + 1] == '"') {
                                                r = text_append(&p, "\"", 1);
                                                if (r < 0)
                                                        goto finish;
                                                i += 2;
                                                column += 2;
                                                continue;
                                        }
                                        i++; /* closing quote */
                                        column++;
                                        break;
                                }
                                if (i < size && data[i] != ',' && data[i] != '\n' &&
                                    !(data[i] == '\r' && i + 1 < size && data[i + 1] == '\n') &&
                                    !(data[i] == '\r' && i + 1 == size)) {
                                        r = parser_error(&p, line, column, -EBADMSG,
                                                         "unexpected character after a closing quote");
                                        goto finish;
                                }
                                r = field_end(&p, line, column);
                                if (r < 0)
                                        goto finish;
                        } else {
                                size_t start = i;
                                for (;;) {
                                        size_t run = i;
                                        i = skip_plain(data, i, size);
                                        column += (unsigned) (i - run);
                                        if (i >= size || data[i] == ',' || data[i] == '\n' || data[i] == '\r')
                                                break;
                                        if (data[i] == '"') {
                                                r = parser_error(&p, line, column, -EBADMSG,
                                                                 "quote inside an unquoted field (quote the whole field)");
                                                goto finish;
                                        }
                                        if (data[i] == 0) {
                                                r = parser_error(&p, line, column, -EBADMSG, "NUL byte in the data");
                                                goto finish;
                                        }
                                        /* Past ASCII: a character's first byte is a column, the rest are not. */
                                        if (((unsigned char) data[i] & 0xC0) != 0x80)
                                                column++;
                                        i++;
                                }
                                if (i < size && data[i] == '\r' && !(i + 1 < size && data[i + 1] == '\n') &&
                                    i + 1 != size) {
                                        r = parser_error(&p, line, column, -EBADMSG, "carriage return inside a field");
                                        goto finish;
                                }
                                r = field_store_plain(&p, data, start, i, size, line, column);
                                if (r < 0)
                                        goto finish;
                        }
                        if (i < size && data[i] == ',') {
                                i++;
                                column++;
                                continue;
                        }
                        break;
                }
                /* End of record: CRLF, LF, lone CR at the end, or end of data. */
                if (i < size && data[i] == '\r')
                        i++;
                if (i < size && data[i] == '\n')
                        i++;
                if (++n_records > LIMIT_CSV_ROWS) {
                        r = parser_error(&p, record_line, 1, -E2BIG, "more than %u rows", LIMIT_CSV_ROWS);
                        goto finish;
                }
                r = record_emit(&p, record_line, func, userdata);
                if (r < 0)
                        goto finish;
                line++;
                column = 1;
        }
finish:
        free(p.text.data);
        free(p.fields);
        return r < 0 ? r : 0;
}

static bool field_needs_quotes(const char *value) {
        size_t n = strlen(value);
        if (n > 0 && (value[0] == ' ' || value[0] == '\t' || value[n - 1] == ' ' || value[n - 1] == '\t'))
                return true;
        return strpbrk(value, ",\"\r\n") != NULL;
}

int csv_write_field(FILE *out, const char *value) {
        if (!value)
                return 0;
        if (!field_needs_quotes(value))
                return fputs(value, out) < 0 ? -EIO : 0;
        if (fputc('"', out) == EOF)
                return -EIO;
        for (const char *c = value; *c; c++) {
                if (*c == '"' && fputc('"', out) == EOF)
                        return -EIO;
                if (fputc(*c, out) == EOF)
                        return -EIO;
        }
        return fputc('"', out) == EOF ? -EIO : 0;
}

int csv_write_record(FILE *out, const char *const *fields, size_t n_fields) {
        for (size_t i = 0; i < n_fields; i++) {
                if (i > 0 && fputc(',', out) == EOF)
                        return -EIO;
                int r = csv_write_field(out, fields[i]);
                if (r < 0)
                        return r;
        }
        return fputc('\n', out) == EOF ? -EIO : 0;
}
