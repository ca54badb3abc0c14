/* SPDX-License-Identifier: MIT */
#pragma once

/* What the remote answered, checked before it is read or replaces a cached copy (the lookup
 * tables' cache, the snapshots, the live model's last good copy): one HTTP 200 that is a proxy's
 * HTML page, a cut-off body or some other table must not poison what later runs rely on. Core
 * code: findings say what the answer is, the caller decides what stays in use. */

#include "findings.h"

/* Whether the answer starts (after a byte order mark and white space) with '<': an HTML or XML
 * page, never an EMX2 CSV table (its header starts with a column name). */
bool answer_is_markup(const char *data, size_t size);

/* The quick part of the check, for big tables that a reader parses anyway: no markup page, and
 * when line_end_at_end, a line end at the end. */
bool answer_is_whole(const char *data, size_t size, bool line_end_at_end);

/* Whether data[0..size) is one whole CSV table: not empty, no markup page, when line_end_at_end a
 * line end at the end (a server's CSV writer ends every row with one, EMX2 too: a body without it
 * was cut, wherever the cut fell; a file a person wrote may lack it), RFC 4180 to its end
 * (no quoted field open at the end), every row with the header's number of fields (EMX2 writes
 * every field, so a shorter row is a cut-off answer), and every column of required_columns
 * (NULL-terminated, may be NULL) in the header. 0, or -EBADMSG with one finding of the given
 * severity at label:line:column saying what is wrong with the answer (code "remote-answer");
 * -ENOMEM. */
int answer_check_table(const char *data, size_t size, const char *label, const char *const *required_columns,
                       bool line_end_at_end, Severity severity, Findings *findings);

/* What comes after a refused answer: one warning in dst naming the answer (at label, or where the
 * first finding of answer points) with the first finding's words and what stays in use instead
 * (consequence: "the last good copy stays in use"). 0 or -ENOMEM. */
int answer_refused(Findings *dst, const char *label, const Findings *answer, const char *consequence);

/* The failures of a fetch that mean the answer was bad, not the way to it: the check's -EBADMSG, a
 * markup page or no API answer (-EREMOTEIO), a body cut off (-ECONNRESET), one too big (-EFBIG). */
bool answer_error_is_bad_answer(int r);
