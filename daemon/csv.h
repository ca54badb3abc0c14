/* SPDX-License-Identifier: MIT */
#pragma once

/* RFC 4180 CSV, as servers and spreadsheets write it: quoted fields with embedded commas,
 * doubled quotes and newlines, CRLF or LF line ends, a UTF-8 byte order mark, an empty last line.
 * A small push parser of our own (not libcsv) because every error must name line and column
 * and the parser must be fuzzable from memory. */

#include "findings.h"

/* Called once per record (the header is record 0). fields[i] are NUL-terminated and valid only
 * during the call; line is the 1-based line where the record starts. A negative return stops
 * the parse and is returned by csv_parse(). The fields lie one after the other, each behind the
 * NUL of the one before, and fields[n_fields] (not a field) points just past the last one's NUL:
 * csv_field_length() tells a length without strlen(). */
typedef int (*CsvRecordFunc)(void *userdata, unsigned line, char **fields, size_t n_fields);

static inline size_t csv_field_length(char *const *fields, size_t i) {
        return (size_t) (fields[i + 1] - fields[i]) - 1;
}

/* Parses data[0..size). Enforces LIMIT_CSV_FIELD_BYTES, LIMIT_CSV_COLUMNS, LIMIT_CSV_ROWS and
 * UTF-8 validity. Syntax errors (quote inside an unquoted field, unterminated quote, text after a
 * closing quote, invalid UTF-8, a NUL byte) append a finding at filename:line:column and return
 * -EBADMSG; a limit gives -E2BIG. Blank lines are skipped. */
int csv_parse(const char *data, size_t size, const char *filename, CsvRecordFunc func, void *userdata,
              Findings *findings);

/* A part of a file parsed on its own (a big table read in parts at once): whole records, starting
 * on first_line. Only the part that starts the file (first_line 1) may open with a byte order
 * mark. utf8_checked: the caller checked the whole file's UTF-8 already. LIMIT_CSV_ROWS counts
 * the part's records. */
typedef struct CsvPart {
        unsigned first_line;
        bool utf8_checked;
} CsvPart;
int csv_parse_part(const char *data, size_t size, const char *filename, const CsvPart *part, CsvRecordFunc func,
                   void *userdata, Findings *findings);

/* Writing: one field (quoted when it contains a comma, quote, CR or LF, or leading/trailing
 * space), and one record terminated by "\n" (EMX2 writes LF). */
int csv_write_field(FILE *out, const char *value);
int csv_write_record(FILE *out, const char *const *fields, size_t n_fields);
