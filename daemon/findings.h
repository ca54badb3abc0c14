/* SPDX-License-Identifier: MIT */
#pragma once

/* Findings: every problem the core finds in input data or configuration, with where it is.
 * The core never prints; it appends findings and returns a negative errno when it must stop.
 * Only the program turns findings into log lines, journal entries and report entries. */

#include "util.h"

/* Three families of findings, shown and counted apart:
 *  - SEVERITY_ERROR: the server would reject the row or the data cannot be sent (model rules, id
 *    patterns, unresolved references, unknown lookup values, unreadable input); always blocks.
 *  - SEVERITY_WARNING / SEVERITY_INFO: the program's own notes (model drift, a table not read, ...).
 *  - SEVERITY_QUALITY_*: BBMRI-ERIC's quality checks, at their own level; the finding's code is
 *    their check id ("CC:SampleCatMismatch"). Whether a quality error holds a row back is the
 *    policy's call (quality.block), not the check's. */
typedef enum Severity {
        SEVERITY_INFO,
        SEVERITY_WARNING,
        SEVERITY_ERROR,
        SEVERITY_QUALITY_INFO,
        SEVERITY_QUALITY_WARNING,
        SEVERITY_QUALITY_ERROR,
        _SEVERITY_MAX,
} Severity;

/* "info", "warning", "error", "quality info", "quality warning", "quality error" */
const char *severity_to_string(Severity s);
static inline bool severity_is_quality(Severity s) {
        return s >= SEVERITY_QUALITY_INFO && s <= SEVERITY_QUALITY_ERROR;
}

/* A position in a file people edit. file == NULL means "no file position". Lines and columns
 * are 1-based; column 0 means "whole line". */
typedef struct Location {
        const char *file;
        unsigned line, column;
} Location;

/* A finding's strings belong to its Findings (its arena), moved with it. */
typedef struct Finding {
        Severity severity;
        char *code;    /* stable check id, e.g. "yaml-syntax", "unmapped-value", "SizeOoMMismatch" */
        char *table;   /* Directory table, or NULL */
        char *id;      /* row id (full Directory id), or NULL */
        char *column;  /* Directory column or master field, or NULL */
        char *file;    /* file position, or NULL */
        unsigned line, column_no;
        char *message; /* one sentence, no trailing period needed, never contains a secret */
        /* Quality errors, set by the policy (quality.block): it holds its row back; or the
         * Directory's current row has it already, so it is tolerated. */
        bool holds_back, in_directory;
} Finding;

typedef struct Findings {
        Finding *items;
        size_t n_items, allocated;
        size_t n_errors, n_warnings, n_infos; /* counted even past LIMIT_FINDINGS */
        size_t n_quality_errors, n_quality_warnings, n_quality_infos;
        size_t n_dropped;                     /* findings not kept because of LIMIT_FINDINGS */
        size_t n_dropped_quality_errors;      /* of them, quality errors of a row (past LIMIT_FINDINGS_ACTED_ON) */
        Arena strings;                        /* every kept finding's strings */
        char *last_table, *last_file;         /* in strings: the last finding's, shared by the next */
} Findings;

void findings_init(Findings *f);
/* Frees f's findings and leaves it empty, as findings_init() does: ready to be used again. */
void findings_done(Findings *f);

/* Appends a finding. loc may be NULL; table, id, column may be NULL. Returns 0 or -ENOMEM. */
int findings_add(Findings *f, Severity severity, const char *code, const char *table, const char *id,
                 const char *column, const Location *loc, const char *fmt, ...) _printf_(8, 9);
int findings_addv(Findings *f, Severity severity, const char *code, const char *table, const char *id,
                  const char *column, const Location *loc, const char *fmt, va_list ap) _printf_(8, 0);

/* Shorthand for file-position errors (parsers). */
int findings_error_at(Findings *f, const char *code, const Location *loc, const char *fmt, ...) _printf_(4, 5);

/* Moves all findings of src to the end of dst (src is left empty). */
int findings_move(Findings *dst, Findings *src);
/* The same, keeping of src's findings (in order) what dst would have kept had they been added to it
 * (LIMIT_FINDINGS, LIMIT_FINDINGS_ACTED_ON), counting the rest: for findings gathered apart, on
 * another thread, that belong after dst's. */
int findings_move_within_limits(Findings *dst, Findings *src);

/* Formats one finding as a single line for people:
 *   "file:line:col: error: message"                 (when it has a file position)
 *   "error: Collections bbmri-eric:ID:BE_X:collection:y: size: message"   (otherwise)
 * malloc()ed, NULL on OOM. */
char *finding_format(const Finding *f);

/* Sorts findings: by file, line, column, then table, id, column, code and message.
 * Deterministic, for reports and golden tests. */
void findings_sort(Findings *f);
