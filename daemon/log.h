/* SPDX-License-Identifier: MIT */
#pragma once

/* Program-side logging (the core library never logs). Target: the journal (native protocol via
 * libsystemd, structured fields, a MESSAGE_ID per event kind; see packaging/bbmri-dirsync.catalog)
 * or the console (stderr). "auto" picks the journal when stderr is the journal stream systemd
 * announced in $JOURNAL_STREAM (device:inode), the console otherwise. */

#include <sys/uio.h>
#include <syslog.h>

#include "change-text.h"
#include "diff.h"
#include "findings.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_CONSOLE,
} LogTarget;

int log_target_from_string(const char *s); /* LogTarget or -EINVAL */

typedef enum LogEvent {
        LOG_EVENT_NONE = -1,
        LOG_EVENT_RUN_STARTED,
        LOG_EVENT_RUN_FINISHED,
        LOG_EVENT_CHANGE,
        LOG_EVENT_FINDING,
        LOG_EVENT_PUSH_DONE,
        LOG_EVENT_PUSH_FAILED,
        LOG_EVENT_REMOTE_UNREACHABLE,
        LOG_EVENT_MODEL_DRIFT,
        LOG_EVENT_REMOVAL_GUARD,
        LOG_EVENT_LOCK_BUSY,
        LOG_EVENT_UNPUBLISHED,
        _LOG_EVENT_MAX,
} LogEvent;

/* The MESSAGE_ID (32 hex digits) of an event kind. */
const char *log_event_message_id(LogEvent e);

typedef enum ColorMode {
        COLOR_AUTO,    /* on a terminal, unless $NO_COLOR is set or TERM=dumb */
        COLOR_ALWAYS,
        COLOR_NEVER,
} ColorMode;

int color_mode_from_string(const char *s); /* ColorMode or -EINVAL */
/* Colour on the console: error and warning prefixes, findings by severity, changes by kind.
 * Call after log_setup(); never colours the journal. */
void log_set_color(ColorMode mode);

/* verbosity: -1 quiet (errors only), 0 normal, 1 verbose (debug). Resolves AUTO. */
void log_setup(LogTarget target, int verbosity);
LogTarget log_get_target(void);

/* Free-form message, optionally tagged with an event kind. priority is a syslog LOG_* level. */
void log_event(int priority, LogEvent e, const char *fmt, ...) _printf_(3, 4);
#define log_error(...) log_event(LOG_ERR, LOG_EVENT_NONE, __VA_ARGS__)
#define log_warning(...) log_event(LOG_WARNING, LOG_EVENT_NONE, __VA_ARGS__)
#define log_info(...) log_event(LOG_INFO, LOG_EVENT_NONE, __VA_ARGS__)
#define log_debug(...) log_event(LOG_DEBUG, LOG_EVENT_NONE, __VA_ARGS__)

/* One entry per finding: BBMRI_SEVERITY=, BBMRI_CODE=, BBMRI_TABLE=, BBMRI_ID=, BBMRI_COLUMN=,
 * CODE_FILE-like BBMRI_FILE=/BBMRI_LINE= when it has a position. Console: finding_format(). */
void log_finding(const Finding *f);
/* f->items[from..n_items), in order. On the console (without -v) the findings of one check
 * repeated more than LIMIT_FINDINGS_REPEATED times are one line where the first stood:
 * "20 × CTF:EmailPlaceholder (quality error): <what the check finds>; first at
 * master.yaml:20:12; -v lists all" (file relative to base_dir, which may be NULL). */
void log_findings(const Findings *f, size_t from, const char *base_dir);
/* One entry per change: BBMRI_TABLE=, BBMRI_ID=, BBMRI_CHANGE=added|changed|removed,
 * BBMRI_COLUMNS=a,b,c (changed rows), BBMRI_BLOCKED=true (rows with errors, not pushed); MESSAGE
 * "changed Collections <id>: size: 100 → 12000; contact: a → b". Console (stdout): the headline
 * (change_headline(): "withdraw Collections <id>", "added ... (held back: ...)") and one indented
 * line per changed column. options may be NULL (policy withdraw, no findings); -v shows values
 * in full. */
void log_change(const Model *model, const Change *c, const ChangeTextOptions *options);
/* Extra structured fields for the next entry (log_event/log_finding/log_change), e.g.
 * "BBMRI_REMOVALS=12"; copied, then cleared after that entry even when it is filtered out.
 * Keys must be journal field names (A-Z, 0-9, _; not leading _): others are ignored. */
void log_add_field(const char *field_eq_value);

/* The console's status line: one line on stderr redrawn in place ("\r" text ESC[K), cleared before
 * any other line is written to stderr or stdout. Wanted only on a console that is a terminal
 * (stderr), not with -q, not with TERM=dumb; never in the journal. Thread-safe. */
bool log_status_wanted(void);
void log_status_show(const char *text);
void log_status_clear(void);

/* Test hook: instead of sd_journal_sendv(), hand every journal entry to sink. */
typedef int (*LogJournalSink)(const struct iovec *iov, int n);
void log_set_journal_sink(LogJournalSink sink);
