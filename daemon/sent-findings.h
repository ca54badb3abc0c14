/* SPDX-License-Identifier: MIT */
#pragma once

/* The findings the journal got today (design §10: the state directory's journal-sent file), so
 * that a run every hour sends each finding once a day rather than every hour: a finding already
 * sent on the same (UTC) day is left out, and a new day starts an empty set, so that the first run
 * of each day sends the full list again. A finding is known by its key: a hash of severity,
 * check, table, row id, column and message (not its file position: an edit above it moves it
 * without making it new). */

#include <stdbool.h>
#include <stdint.h>

#include "findings.h"

#define SENT_FINDINGS_FILE "journal-sent"

typedef struct SentFindings SentFindings;

/* An empty set for day ("2026-12-04"). */
int sent_findings_new(const char *day, SentFindings **ret);
/* The set saved by sent_findings_format(), from memory. A set of another day than `day`, or a
 * damaged one (-EBADMSG), or more than LIMIT_SENT_FINDINGS keys (-E2BIG): the caller starts an
 * empty set (sending everything once more is the safe side). Returns 1 when the set was of `day`
 * and is returned, 0 when it was of another day (*ret then an empty set for `day`). */
int sent_findings_parse(const char *data, size_t size, const char *day, SentFindings **ret);
SentFindings *sent_findings_free(SentFindings *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(SentFindings, sent_findings_free);

uint64_t sent_findings_key(const Finding *f);
bool sent_findings_contains(const SentFindings *s, uint64_t key);
/* Adds key; 0 also when it was there already, -E2BIG past LIMIT_SENT_FINDINGS. */
int sent_findings_add(SentFindings *s, uint64_t key);
size_t sent_findings_size(const SentFindings *s);

/* The set as the file holds it: a header line, the day, then one 16-digit hex key per line, in
 * order (malloc()ed). */
int sent_findings_format(const SentFindings *s, char **ret_data, size_t *ret_size);

/* "2026-12-04": the UTC day of a realtime timestamp (buffer of at least 11 bytes). */
void sent_findings_day(uint64_t realtime_usec, char day[static 11]);
