/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "limits.h"
#include "log.h"
#include "quality.h"

/* One MESSAGE_ID per kind of event (random 128-bit ids, made once); packaging/bbmri-dirsync.catalog
 * explains each. Never change an id: operators filter on them. */
static const char *const message_ids[_LOG_EVENT_MAX] = {
        [LOG_EVENT_RUN_STARTED] = "26c72791486f44bcb5d74b2ab1bf4cb3",
        [LOG_EVENT_RUN_FINISHED] = "87aed974ad7a4e3ebca83cfcc9c25a55",
        [LOG_EVENT_CHANGE] = "bd3974e85e7f4dd68d12645fef49082f",
        [LOG_EVENT_FINDING] = "4e3b4ef6089b4c33a4ac39a9a6e36277",
        [LOG_EVENT_PUSH_DONE] = "4249fd5bceb54a48b932b021a2d21a8e",
        [LOG_EVENT_PUSH_FAILED] = "a31ac3e2f1964f378fe8de87a33dbba5",
        [LOG_EVENT_REMOTE_UNREACHABLE] = "92854f463cac4b5cb294800e1e12f426",
        [LOG_EVENT_MODEL_DRIFT] = "a30f711d2c2b4b85bb18d7609edd30e9",
        [LOG_EVENT_REMOVAL_GUARD] = "88811a356a9a430d963212f9a5accb8e",
        [LOG_EVENT_LOCK_BUSY] = "26021d23c27a46529af7550f468bf0f0",
        [LOG_EVENT_UNPUBLISHED] = "f847e0d39f344ea3903a1669ecdc84ed",
};

/* Fields of one journal entry: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, MESSAGE_ID, the BBMRI_*
 * fields and the log_add_field() extras. */
#define LOG_EXTRA_FIELDS_MAX LIMIT_LOG_EXTRA_FIELDS
#define LOG_ENTRY_FIELDS_MAX LIMIT_LOG_ENTRY_FIELDS

static LogTarget target = LOG_TARGET_CONSOLE;
static int verbosity;
static LogJournalSink journal_sink;
static bool color_stderr, color_stdout;
static char *extra_fields[LOG_EXTRA_FIELDS_MAX];
static size_t n_extra_fields;

int log_target_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        if (streq(s, "auto"))
                return LOG_TARGET_AUTO;
        if (streq(s, "journal"))
                return LOG_TARGET_JOURNAL;
        if (streq(s, "console"))
                return LOG_TARGET_CONSOLE;
        return -EINVAL;
}

const char *log_event_message_id(LogEvent e) {
        if (e < 0 || e >= _LOG_EVENT_MAX)
                return NULL;
        return message_ids[e];
}

static bool parse_decimal(const char *s, const char **ret_end, unsigned long long *ret) {
        if (*s < '0' || *s > '9')
                return false;
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || end == s)
                return false;
        *ret_end = end;
        *ret = v;
        return true;
}

/* systemd tells a service that its stderr is the journal through $JOURNAL_STREAM=dev:inode. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        if (isempty(e))
                return false;
        unsigned long long dev, ino;
        const char *p;
        if (!parse_decimal(e, &p, &dev) || *p != ':' || !parse_decimal(p + 1, &p, &ino) || *p != '\0')
                return false;
        struct stat st;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup(LogTarget t, int v) {
        verbosity = v < -1 ? -1 : v;
        target = t == LOG_TARGET_AUTO ? (stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE) : t;
}

int color_mode_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        if (streq(s, "auto"))
                return COLOR_AUTO;
        if (streq(s, "always"))
                return COLOR_ALWAYS;
        if (streq(s, "never"))
                return COLOR_NEVER;
        return -EINVAL;
}

static bool color_wanted(ColorMode mode, int fd) {
        if (mode != COLOR_AUTO)
                return mode == COLOR_ALWAYS;
        /* https://no-color.org: present and not empty means no colour. */
        if (!isempty(getenv("NO_COLOR")) || streq_ptr(getenv("TERM"), "dumb"))
                return false;
        return isatty(fd);
}

void log_set_color(ColorMode mode) {
        bool console = target != LOG_TARGET_JOURNAL;
        color_stderr = console && color_wanted(mode, STDERR_FILENO);
        color_stdout = console && color_wanted(mode, STDOUT_FILENO);
}

#define ANSI_RED "\033[31m"
#define ANSI_BOLD_RED "\033[1;31m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_GREEN "\033[32m"
#define ANSI_CYAN "\033[36m"
#define ANSI_GREY "\033[90m"
#define ANSI_RESET "\033[0m"

/* The console's status line (the progress a ticker thread draws on stderr) is cleared before any
 * other line goes to either stream, so that the two never mix; lines come from the run's thread,
 * the fetch's (requests) and the ticker, one at a time. */
static pthread_mutex_t console_lock = PTHREAD_MUTEX_INITIALIZER;
static bool status_shown;
static char status_text[LIMIT_PROGRESS_LINE_BYTES]; /* what is shown, not drawn again */

#define ANSI_ERASE_LINE "\r\033[K"

static void status_clear_locked(void) {
        if (!status_shown)
                return;
        fputs(ANSI_ERASE_LINE, stderr);
        fflush(stderr);
        status_shown = false;
}

bool log_status_wanted(void) {
        /* Not colour: NO_COLOR and --color leave it alone; a terminal that cannot move the cursor
         * (TERM=dumb) gets none. */
        return target == LOG_TARGET_CONSOLE && verbosity >= 0 && isatty(STDERR_FILENO) &&
               !streq_ptr(getenv("TERM"), "dumb");
}

void log_status_show(const char *text) {
        pthread_mutex_lock(&console_lock);
        if (!status_shown || strncmp(status_text, text, sizeof(status_text)) != 0) {
                fprintf(stderr, "\r%s\033[K", text);
                fflush(stderr);
                status_shown = true;
                snprintf(status_text, sizeof(status_text), "%s", text);
        }
        pthread_mutex_unlock(&console_lock);
}

void log_status_clear(void) {
        pthread_mutex_lock(&console_lock);
        status_clear_locked();
        pthread_mutex_unlock(&console_lock);
}

/* A line on a console stream, in colour when that stream has it. */
static void console_line(FILE *f, const char *color, const char *prefix, const char *text) {
        bool on = color && (f == stdout ? color_stdout : color_stderr);
        pthread_mutex_lock(&console_lock);
        status_clear_locked();
        fprintf(f, "%s%s%s%s\n", on ? color : "", prefix, text, on ? ANSI_RESET : "");
        pthread_mutex_unlock(&console_lock);
}

LogTarget log_get_target(void) {
        return target;
}

void log_set_journal_sink(LogJournalSink sink) {
        journal_sink = sink;
}

void log_add_field(const char *field_eq_value) {
        /* Only "KEY=value" with a key the journal accepts (upper case, digits, '_', not leading
         * '_' which is reserved for trusted fields). */
        if (!field_eq_value || n_extra_fields >= LOG_EXTRA_FIELDS_MAX)
                return;
        const char *eq = strchr(field_eq_value, '=');
        if (!eq || eq == field_eq_value || field_eq_value[0] == '_')
                return;
        for (const char *p = field_eq_value; p < eq; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return;
        char *copy = strdup(field_eq_value);
        if (copy)
                extra_fields[n_extra_fields++] = copy;
}

static void clear_extra_fields(void) {
        for (size_t i = 0; i < n_extra_fields; i++)
                extra_fields[i] = mfree(extra_fields[i]);
        n_extra_fields = 0;
}

static bool wanted(int priority) {
        if (verbosity < 0)
                return priority <= LOG_ERR;
        if (verbosity == 0)
                return priority <= LOG_INFO;
        return true;
}

/* The fields of one journal entry, each "KEY=value", malloc()ed. A field that cannot be made
 * (out of memory) is left out rather than failing the whole entry. */
typedef struct EntryFields {
        char *items[LOG_ENTRY_FIELDS_MAX];
        size_t n;
} EntryFields;

static void entry_fields_done(EntryFields *f) {
        for (size_t i = 0; i < f->n; i++)
                free(f->items[i]);
        f->n = 0;
}

static void entry_add(EntryFields *f, const char *fmt, ...) _printf_(2, 3);
static void entry_add(EntryFields *f, const char *fmt, ...) {
        if (f->n >= ELEMENTSOF(f->items))
                return;
        va_list ap;
        va_start(ap, fmt);
        char *s = strdup_vprintf(fmt, ap);
        va_end(ap);
        if (s)
                f->items[f->n++] = s;
}

/* Sends the entry (with the standard fields first and the pending extras last). Falls back to
 * stderr when the journal refuses it, so a message is never silently lost. */
static void journal_send(int priority, LogEvent e, const char *message, EntryFields *more) {
        EntryFields head = {};
        entry_add(&head, "MESSAGE=%s", message);
        entry_add(&head, "PRIORITY=%d", priority);
        entry_add(&head, "SYSLOG_IDENTIFIER=%s", "bbmri-dirsync");
        if (log_event_message_id(e))
                entry_add(&head, "MESSAGE_ID=%s", log_event_message_id(e));

        struct iovec iov[2 * LOG_ENTRY_FIELDS_MAX];
        size_t k = 0;
        for (size_t i = 0; i < head.n; i++)
                iov[k++] = (struct iovec) { .iov_base = head.items[i], .iov_len = strlen(head.items[i]) };
        for (size_t i = 0; more && i < more->n; i++)
                iov[k++] = (struct iovec) { .iov_base = more->items[i], .iov_len = strlen(more->items[i]) };
        for (size_t i = 0; i < n_extra_fields; i++)
                iov[k++] = (struct iovec) { .iov_base = extra_fields[i], .iov_len = strlen(extra_fields[i]) };

        int r = journal_sink ? journal_sink(iov, (int) k) : sd_journal_sendv(iov, (int) k);
        if (r < 0)
                fprintf(stderr, "%s\n", message);
        entry_fields_done(&head);
}

void log_event(int priority, LogEvent e, const char *fmt, ...) {
        if (!wanted(priority)) {
                clear_extra_fields();
                return;
        }
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *message = strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!message) {
                clear_extra_fields();
                return;
        }
        if (target == LOG_TARGET_JOURNAL)
                journal_send(priority, e, message, NULL);
        else if (priority <= LOG_ERR)
                console_line(stderr, ANSI_BOLD_RED, "error: ", message);
        else if (priority == LOG_WARNING)
                console_line(stderr, ANSI_YELLOW, "warning: ", message);
        else
                console_line(stderr, NULL, "", message);
        clear_extra_fields();
}

static int severity_priority(Severity s) {
        switch (s) {
        case SEVERITY_ERROR:
                return LOG_ERR;
        case SEVERITY_WARNING:
                return LOG_WARNING;
        case SEVERITY_INFO:
                return LOG_INFO;
        case SEVERITY_QUALITY_ERROR:
                return LOG_WARNING; /* the policy decides whether it holds anything back */
        case SEVERITY_QUALITY_WARNING:
                return LOG_NOTICE;
        case SEVERITY_QUALITY_INFO:
                return LOG_INFO;
        case _SEVERITY_MAX:
                break;
        }
        return LOG_INFO;
}

static const char *severity_color(Severity s) {
        switch (s) {
        case SEVERITY_ERROR:
                return ANSI_BOLD_RED;
        case SEVERITY_WARNING:
        case SEVERITY_QUALITY_ERROR:
                return ANSI_YELLOW;
        default:
                return NULL;
        }
}

void log_finding(const Finding *f) {
        int priority = severity_priority(f->severity);
        _cleanup_free_ char *line = wanted(priority) ? finding_format(f) : NULL;
        if (!line) {
                clear_extra_fields();
                return;
        }
        if (target != LOG_TARGET_JOURNAL) {
                console_line(stderr, severity_color(f->severity), "", line);
                clear_extra_fields();
                return;
        }
        EntryFields more = {};
        entry_add(&more, "BBMRI_SEVERITY=%s", severity_to_string(f->severity));
        if (f->code)
                entry_add(&more, "BBMRI_CODE=%s", f->code);
        if (f->table)
                entry_add(&more, "BBMRI_TABLE=%s", f->table);
        if (f->id)
                entry_add(&more, "BBMRI_ID=%s", f->id);
        if (f->column)
                entry_add(&more, "BBMRI_COLUMN=%s", f->column);
        if (f->file) {
                entry_add(&more, "BBMRI_FILE=%s", f->file);
                if (f->line > 0)
                        entry_add(&more, "BBMRI_LINE=%u", f->line);
        }
        journal_send(priority, LOG_EVENT_FINDING, line, &more);
        entry_fields_done(&more);
        clear_extra_fields();
}

static const Finding *sorted_items; /* for compare_by_check (qsort has no user data) */

static int compare_by_check(const void *a, const void *b) {
        const Finding *x = &sorted_items[*(const size_t *) a], *y = &sorted_items[*(const size_t *) b];
        int r = strcmp(x->code ?: "", y->code ?: "");
        if (r == 0 && x->severity != y->severity)
                r = x->severity < y->severity ? -1 : 1;
        if (r == 0)
                r = *(const size_t *) a < *(const size_t *) b ? -1 : 1;
        return r;
}

/* "n × CODE (severity): summary; first at place; -v lists all" for a group led by first. */
static void log_finding_group(const Finding *first, size_t n, const char *base_dir) {
        const QualityCheckInfo *info = quality_check_info(first->code);
        const char *file = first->file;
        const char *relative = file && base_dir ? startswith(file, base_dir) : NULL;
        if (relative && *relative == '/')
                file = relative + 1;
        _cleanup_free_ char *place = !file                ? strdup_printf("%s %s", first->table ?: "?", first->id ?: "?")
                                     : first->column_no > 0 ? strdup_printf("%s:%u:%u", file, first->line, first->column_no)
                                     : first->line > 0      ? strdup_printf("%s:%u", file, first->line)
                                                            : strdup(file);
        const char *summary = info ? info->summary : first->message;
        size_t len = strlen(summary);
        if (len > 0 && summary[len - 1] == '.') /* a sentence of the catalogue, inside a line */
                len--;
        _cleanup_free_ char *line = place ? strdup_printf("%zu × %s (%s): %.*s; first at %s; -v lists all", n,
                                                          first->code, severity_to_string(first->severity), (int) len,
                                                          summary, place)
                                          : NULL;
        if (line)
                console_line(stderr, severity_color(first->severity), "", line);
}

void log_findings(const Findings *f, size_t from, const char *base_dir) {
        size_t n = from < f->n_items ? f->n_items - from : 0, n_shown = 0;
        _cleanup_free_ size_t *order = NULL, *group = NULL;
        /* One by one: with -v, in the journal (each entry is searchable), or when memory is short.
         * Only the findings shown are sorted and grouped: a group is of one check and severity, and
         * whether a finding is shown depends on its severity alone (with -q most are not). */
        if (n > LIMIT_FINDINGS_REPEATED && verbosity <= 0 && target != LOG_TARGET_JOURNAL) {
                order = reallocarray(NULL, n, sizeof(size_t));
                group = calloc(n, sizeof(size_t)); /* at a group's first: its size; SIZE_MAX: in a group */
        }
        if (order && group) {
                for (size_t i = 0; i < n; i++)
                        if (wanted(severity_priority(f->items[from + i].severity)))
                                order[n_shown++] = from + i;
                sorted_items = f->items;
                if (n_shown > LIMIT_FINDINGS_REPEATED)
                        qsort(order, n_shown, sizeof(size_t), compare_by_check);
                for (size_t i = 0, j; n_shown > LIMIT_FINDINGS_REPEATED && i < n_shown; i = j) {
                        const Finding *a = &f->items[order[i]];
                        for (j = i + 1; j < n_shown; j++) {
                                const Finding *b = &f->items[order[j]];
                                if (!a->code || !streq_ptr(a->code, b->code) || a->severity != b->severity)
                                        break;
                        }
                        if (a->code && j - i > LIMIT_FINDINGS_REPEATED) {
                                group[order[i] - from] = j - i;
                                for (size_t k = i + 1; k < j; k++)
                                        group[order[k] - from] = SIZE_MAX;
                        }
                }
        }
        for (size_t i = 0; i < n; i++) {
                const Finding *x = &f->items[from + i];
                size_t g = order && group ? group[i] : 0;
                if (g == SIZE_MAX)
                        continue;
                if (g > 0)
                        log_finding_group(x, g, base_dir);
                else
                        log_finding(x);
        }
}

/* Column names of a change joined by sep, malloc()ed ("" when none). */
static char *change_columns(const ModelTable *t, const Change *c, const char *sep) {
        char *s = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&s, &size);
        if (!out)
                return NULL;
        for (size_t i = 0; i < c->n_columns; i++)
                if (c->columns[i].column < t->n_columns)
                        fprintf(out, "%s%s", i ? sep : "", t->columns[c->columns[i].column].name);
        if (fclose(out) != 0)
                return mfree(s);
        return s;
}

/* Each changed column's text (change_column_text()), joined by sep, malloc()ed ("" when none). */
static char *change_column_texts(const ModelTable *t, const Change *c, bool full, const char *sep) {
        char *s = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&s, &size);
        if (!out)
                return NULL;
        for (size_t i = 0; c->kind == CHANGE_CHANGED && i < c->n_columns; i++) {
                _cleanup_free_ char *text = change_column_text(t, &c->columns[i], full);
                if (text)
                        fprintf(out, "%s%s", i ? sep : "", text);
        }
        if (fclose(out) != 0)
                return mfree(s);
        return s;
}

void log_change(const Model *model, const Change *c, const ChangeTextOptions *options) {
        if (!wanted(LOG_INFO) || c->table >= model->n_tables) {
                clear_extra_fields();
                return;
        }
        ChangeTextOptions o = options ? *options : (ChangeTextOptions) {};
        o.full = o.full || verbosity > 0;
        const ModelTable *t = &model->tables[c->table];
        _cleanup_free_ char *headline = change_headline(model, c, &o);
        /* Console: one indented line per column; journal: one entry, columns after a colon. */
        _cleanup_free_ char *columns = change_column_texts(t, c, o.full, target == LOG_TARGET_JOURNAL ? "; " : "\n    ");
        _cleanup_free_ char *message = NULL;
        if (headline && columns)
                message = isempty(columns) ? strdup(headline)
                          : target == LOG_TARGET_JOURNAL ? strdup_printf("%s: %s", headline, columns)
                                                         : strdup_printf("%s\n    %s", headline, columns);
        if (!message) {
                clear_extra_fields();
                return;
        }
        if (target != LOG_TARGET_JOURNAL) {
                /* Changes are what diff and sync report to people: stdout. */
                const char *color = c->blocked                  ? ANSI_GREY
                                    : c->kind == CHANGE_ADDED   ? ANSI_GREEN
                                    : c->kind == CHANGE_REMOVED ? ANSI_RED
                                                                : ANSI_CYAN;
                console_line(stdout, color, "", message);
                clear_extra_fields();
                return;
        }
        EntryFields more = {};
        entry_add(&more, "BBMRI_TABLE=%s", t->name);
        entry_add(&more, "BBMRI_ID=%s", c->id);
        entry_add(&more, "BBMRI_CHANGE=%s", change_kind_to_string(c->kind));
        entry_add(&more, "BBMRI_ACTION=%s", change_action(c->kind, o.deletions));
        if (c->kind == CHANGE_CHANGED && c->n_columns > 0) {
                _cleanup_free_ char *names = change_columns(t, c, ",");
                if (names)
                        entry_add(&more, "BBMRI_COLUMNS=%s", names);
        }
        if (c->blocked)
                entry_add(&more, "BBMRI_BLOCKED=%s", "true");
        /* The quality errors the policy holds against it, for journalctl BBMRI_HELD_BACK_BY=... */
        if (c->blocked && c->n_held_by > 0 && !c->held_by_errors)
                entry_add(&more, "BBMRI_HELD_BACK_BY=%s", c->held_by_codes ?: c->held_by_code);
        journal_send(LOG_INFO, LOG_EVENT_CHANGE, message, &more);
        entry_fields_done(&more);
        clear_extra_fields();
}
