/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/stat.h>

#include "log.h"
#include "test.h"

/* Journal entries handed to the test sink, each field "KEY=value". */
#define MAX_ENTRIES 16
#define MAX_FIELDS 48
static char *entries[MAX_ENTRIES][MAX_FIELDS];
static size_t n_fields[MAX_ENTRIES];
static size_t n_entries;

static int sink(const struct iovec *iov, int n) {
        if (n_entries >= MAX_ENTRIES)
                return -ENOBUFS;
        for (int i = 0; i < n && i < MAX_FIELDS; i++)
                entries[n_entries][i] = strndup(iov[i].iov_base, iov[i].iov_len);
        n_fields[n_entries] = (size_t) n;
        n_entries++;
        return 0;
}

static void entries_clear(void) {
        for (size_t e = 0; e < n_entries; e++)
                for (size_t i = 0; i < n_fields[e] && i < MAX_FIELDS; i++)
                        entries[e][i] = mfree(entries[e][i]);
        n_entries = 0;
}

/* Value of a field of entry e, NULL when absent; *ret_count counts its occurrences. */
static const char *field(size_t e, const char *key, size_t *ret_count) {
        const char *found = NULL;
        size_t count = 0, k = strlen(key);
        for (size_t i = 0; e < n_entries && i < n_fields[e]; i++)
                if (strncmp(entries[e][i], key, k) == 0 && entries[e][i][k] == '=') {
                        if (!found)
                                found = entries[e][i] + k + 1;
                        count++;
                }
        if (ret_count)
                *ret_count = count;
        return found;
}

/* Runs fn with the given standard stream (1 or 2) redirected to a file; returns what it wrote. */
static char *capture(int stream, void (*fn)(void)) {
        char path[] = "/tmp/test-log-capture-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0)
                return NULL;
        fflush(stdout);
        fflush(stderr);
        int saved = dup(stream);
        dup2(fd, stream);
        fn();
        fflush(stdout);
        fflush(stderr);
        dup2(saved, stream);
        close(saved);
        close(fd);
        char *data = NULL;
        size_t size = 0;
        (void) read_file_limited(path, 1u << 20, &data, &size);
        unlink(path);
        return data;
}

static Model *model;
static size_t t_collections, c_size, c_contact;

static Finding example_finding(void) {
        return (Finding) {
                .severity = SEVERITY_WARNING,
                .code = (char *) "SizeOoMMismatch",
                .table = (char *) "Collections",
                .id = (char *) "bbmri-eric:ID:BE_UZA:collection:oncology",
                .column = (char *) "order_of_magnitude",
                .message = (char *) "order_of_magnitude 2 does not match size 12000",
        };
}

static ColumnChange example_columns[2];
static Change example_change(void) {
        example_columns[0] = (ColumnChange) { .column = c_size, .old_value = "100", .new_value = "12000" };
        example_columns[1] = (ColumnChange) { .column = c_contact, .old_value = "a", .new_value = "b" };
        return (Change) {
                .kind = CHANGE_CHANGED,
                .table = t_collections,
                .id = "bbmri-eric:ID:BE_UZA:collection:oncology",
                .columns = example_columns,
                .n_columns = 2,
        };
}

TEST(test_message_ids) {
        for (int e = 0; e < _LOG_EVENT_MAX; e++) {
                const char *id = log_event_message_id(e);
                CHECK(id);
                CHECK_INT(id ? strlen(id) : 0, 32);
                for (const char *p = id; p && *p; p++)
                        CHECK((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
                for (int f = 0; f < e; f++)
                        CHECK(!streq_ptr(id, log_event_message_id(f)));
        }
        CHECK(!log_event_message_id(LOG_EVENT_NONE));
        CHECK(!log_event_message_id(_LOG_EVENT_MAX));
        CHECK_INT(log_target_from_string("auto"), LOG_TARGET_AUTO);
        CHECK_INT(log_target_from_string("journal"), LOG_TARGET_JOURNAL);
        CHECK_INT(log_target_from_string("console"), LOG_TARGET_CONSOLE);
        CHECK_INT(log_target_from_string("syslog"), -EINVAL);
}

TEST(test_finding_entry) {
        log_setup(LOG_TARGET_JOURNAL, 0);
        entries_clear();
        Finding f = example_finding();
        log_finding(&f);
        CHECK_INT(n_entries, 1);
        CHECK_STR(field(0, "MESSAGE_ID", NULL), log_event_message_id(LOG_EVENT_FINDING));
        CHECK_STR(field(0, "PRIORITY", NULL), "4");
        CHECK_STR(field(0, "SYSLOG_IDENTIFIER", NULL), "bbmri-dirsync");
        CHECK_STR(field(0, "BBMRI_SEVERITY", NULL), "warning");
        CHECK_STR(field(0, "BBMRI_CODE", NULL), "SizeOoMMismatch");
        CHECK_STR(field(0, "BBMRI_TABLE", NULL), "Collections");
        CHECK_STR(field(0, "BBMRI_ID", NULL), "bbmri-eric:ID:BE_UZA:collection:oncology");
        CHECK_STR(field(0, "BBMRI_COLUMN", NULL), "order_of_magnitude");
        CHECK(!field(0, "BBMRI_FILE", NULL));
        CHECK(!field(0, "BBMRI_LINE", NULL));
        CHECK_CONTAINS(field(0, "MESSAGE", NULL), "order_of_magnitude 2 does not match size 12000");
        CHECK_CONTAINS(field(0, "MESSAGE", NULL), "warning");

        /* With a file position. */
        entries_clear();
        f.severity = SEVERITY_ERROR;
        f.file = (char *) "master.yaml";
        f.line = 12;
        f.column_no = 5;
        log_finding(&f);
        CHECK_INT(n_entries, 1);
        CHECK_STR(field(0, "PRIORITY", NULL), "3");
        CHECK_STR(field(0, "BBMRI_SEVERITY", NULL), "error");
        CHECK_STR(field(0, "BBMRI_FILE", NULL), "master.yaml");
        CHECK_STR(field(0, "BBMRI_LINE", NULL), "12");
        CHECK_CONTAINS(field(0, "MESSAGE", NULL), "master.yaml:12:5: error: ");

        /* Quiet: warnings are dropped, errors kept. */
        log_setup(LOG_TARGET_JOURNAL, -1);
        entries_clear();
        f.severity = SEVERITY_WARNING;
        log_finding(&f);
        CHECK_INT(n_entries, 0);
        f.severity = SEVERITY_ERROR;
        log_finding(&f);
        CHECK_INT(n_entries, 1);
        entries_clear();
}

TEST(test_change_entry) {
        CHECK(model);
        if (!model)
                return;
        log_setup(LOG_TARGET_JOURNAL, 0);
        entries_clear();
        Change c = example_change();
        log_change(model, &c, NULL);
        CHECK_INT(n_entries, 1);
        CHECK_STR(field(0, "MESSAGE_ID", NULL), log_event_message_id(LOG_EVENT_CHANGE));
        CHECK_STR(field(0, "BBMRI_CHANGE", NULL), "changed");
        CHECK_STR(field(0, "BBMRI_COLUMNS", NULL), "size,contact");
        CHECK_STR(field(0, "BBMRI_TABLE", NULL), "Collections");
        CHECK_STR(field(0, "BBMRI_ID", NULL), "bbmri-eric:ID:BE_UZA:collection:oncology");
        CHECK_STR(field(0, "MESSAGE", NULL),
                  "changed Collections bbmri-eric:ID:BE_UZA:collection:oncology: size: 100 → 12000; contact: a → b");
        CHECK(!field(0, "BBMRI_BLOCKED", NULL));

        /* Removed and blocked rows: no column list; blocked marked with why; the policy's word. */
        entries_clear();
        c.kind = CHANGE_REMOVED;
        c.n_columns = 0;
        c.blocked = true;
        log_change(model, &c, &(ChangeTextOptions) { .deletions = DELETIONS_DELETE });
        CHECK_INT(n_entries, 1);
        CHECK_STR(field(0, "BBMRI_CHANGE", NULL), "removed");
        CHECK_STR(field(0, "BBMRI_ACTION", NULL), "delete");
        CHECK(!field(0, "BBMRI_COLUMNS", NULL));
        CHECK_STR(field(0, "BBMRI_BLOCKED", NULL), "true");
        CHECK_STR(field(0, "MESSAGE", NULL),
                  "delete Collections bbmri-eric:ID:BE_UZA:collection:oncology (held back: it has errors)");
        CHECK(!field(0, "BBMRI_HELD_BACK_BY", NULL));

        /* Held back by the quality policy: the checks in a field of their own, the reason in the
         * message. */
        entries_clear();
        c.kind = CHANGE_ADDED;
        c.n_held_by = 2;
        c.held_by_code = "CC:SampleCatMismatch";
        c.held_by_message = "material types are listed but Biological samples is not among the data categories";
        c.held_by_codes = (char *) "CC:SampleCatMismatch, AP:AccessMissing";
        log_change(model, &c, NULL);
        CHECK_STR(field(0, "BBMRI_HELD_BACK_BY", NULL), "CC:SampleCatMismatch, AP:AccessMissing");
        CHECK_STR(field(0, "MESSAGE", NULL),
                  "added Collections bbmri-eric:ID:BE_UZA:collection:oncology (held back: 2 quality errors "
                  "(CC:SampleCatMismatch, AP:AccessMissing); first: CC:SampleCatMismatch: material types are listed "
                  "but Biological samples is not amon…)");
        entries_clear();
}

TEST(test_extra_fields) {
        log_setup(LOG_TARGET_JOURNAL, 0);
        entries_clear();
        log_add_field("BBMRI_REMOVALS=12");
        log_add_field("BBMRI_LIMIT=5");
        log_add_field("lowercase=no");   /* not a journal field name: ignored */
        log_add_field("_PID=1");         /* trusted field: ignored */
        log_add_field("NOEQUALS");
        log_event(LOG_ERR, LOG_EVENT_REMOVAL_GUARD, "refusing to remove %d rows", 12);
        log_event(LOG_INFO, LOG_EVENT_NONE, "next");
        CHECK_INT(n_entries, 2);
        size_t count = 0;
        CHECK_STR(field(0, "BBMRI_REMOVALS", &count), "12");
        CHECK_INT(count, 1);
        CHECK_STR(field(0, "BBMRI_LIMIT", NULL), "5");
        CHECK(!field(0, "lowercase", NULL));
        CHECK(!field(0, "_PID", NULL));
        CHECK_STR(field(0, "MESSAGE", NULL), "refusing to remove 12 rows");
        CHECK_STR(field(0, "PRIORITY", NULL), "3");
        CHECK_STR(field(0, "MESSAGE_ID", NULL), log_event_message_id(LOG_EVENT_REMOVAL_GUARD));
        /* Attached once, then cleared. */
        CHECK(!field(1, "BBMRI_REMOVALS", NULL));
        CHECK(!field(1, "MESSAGE_ID", NULL));
        CHECK_STR(field(1, "MESSAGE", NULL), "next");
        CHECK_INT(n_fields[1], 3);

        /* Extras are cleared even when the entry is filtered out (debug at verbosity 0). */
        entries_clear();
        log_add_field("BBMRI_X=1");
        log_debug("hidden");
        log_info("shown");
        CHECK_INT(n_entries, 1);
        CHECK(!field(0, "BBMRI_X", NULL));
        CHECK_STR(field(0, "MESSAGE", NULL), "shown");

        /* Extras ride on findings too. */
        entries_clear();
        log_add_field("BBMRI_RUN=7");
        Finding f = example_finding();
        log_finding(&f);
        log_finding(&f);
        CHECK_INT(n_entries, 2);
        CHECK_STR(field(0, "BBMRI_RUN", NULL), "7");
        CHECK(!field(1, "BBMRI_RUN", NULL));

        /* Verbose shows debug. */
        log_setup(LOG_TARGET_JOURNAL, 1);
        entries_clear();
        log_debug("details %s", "here");
        CHECK_INT(n_entries, 1);
        CHECK_STR(field(0, "PRIORITY", NULL), "7");
        entries_clear();
}

static void console_events(void) {
        log_error("cannot read %s", "config.yaml");
        log_warning("slow");
        log_info("plain");
        log_debug("hidden");
        Finding f = example_finding();
        f.file = (char *) "master.yaml";
        f.line = 3;
        f.column_no = 7;
        log_finding(&f);
}

static void console_change(void) {
        Change c = example_change();
        log_change(model, &c, NULL);
        c.kind = CHANGE_ADDED;
        log_change(model, &c, NULL);
        c.kind = CHANGE_REMOVED;
        log_change(model, &c, &(ChangeTextOptions) { .deletions = DELETIONS_KEEP });
}

TEST(test_console) {
        log_setup(LOG_TARGET_CONSOLE, 0);
        entries_clear();
        _cleanup_free_ char *err = capture(STDERR_FILENO, console_events);
        CHECK_INT(n_entries, 0);
        _cleanup_free_ char *expected_finding = NULL;
        Finding f = example_finding();
        f.file = (char *) "master.yaml";
        f.line = 3;
        f.column_no = 7;
        expected_finding = finding_format(&f);
        _cleanup_free_ char *expected = strdup_printf("error: cannot read config.yaml\nwarning: slow\nplain\n%s\n",
                                                      expected_finding);
        CHECK_STR(err, expected);
        CHECK_CONTAINS(err, "master.yaml:3:7: warning: ");

        if (model) {
                _cleanup_free_ char *out = capture(STDOUT_FILENO, console_change);
                CHECK_STR(out, "changed Collections bbmri-eric:ID:BE_UZA:collection:oncology\n"
                               "    size: 100 → 12000\n"
                               "    contact: a → b\n"
                               "added Collections bbmri-eric:ID:BE_UZA:collection:oncology\n"
                               "keep (not removed) Collections bbmri-eric:ID:BE_UZA:collection:oncology\n");
        }

        /* Quiet: only errors. */
        log_setup(LOG_TARGET_CONSOLE, -1);
        free(err);
        err = capture(STDERR_FILENO, console_events);
        CHECK_STR(err, "error: cannot read config.yaml\n");
}

/* The words of a change: lists as items added and removed, long texts shortened, held-back rows
 * with their first error, removals by policy. */
TEST(test_change_text) {
        CHECK_STR(change_action(CHANGE_REMOVED, DELETIONS_WITHDRAW), "withdraw");
        CHECK_STR(change_action(CHANGE_REMOVED, DELETIONS_DELETE), "delete");
        CHECK_STR(change_action(CHANGE_REMOVED, DELETIONS_KEEP), "keep (not removed)");
        CHECK_STR(change_action(CHANGE_ADDED, DELETIONS_KEEP), "add");
        if (!model)
                return;
        const ModelTable *t = &model->tables[t_collections];
        int materials = model_column_index(t, "materials");
        int description = model_column_index(t, "description");
        CHECK(materials >= 0 && description >= 0);
        if (materials < 0 || description < 0)
                return;
        ColumnChange list = { .column = (size_t) materials, .old_value = "SERUM\x1f" "PLASMA\x1f" "DNA",
                              .new_value = "DNA\x1f" "SERUM\x1f" "TISSUE_FROZEN" };
        _cleanup_free_ char *l = change_column_text(t, &list, false);
        CHECK_STR(l, "materials: +TISSUE_FROZEN -PLASMA");
        ColumnChange reordered = { .column = (size_t) materials, .old_value = "SERUM\x1f" "DNA", .new_value = "DNA\x1f" "SERUM" };
        _cleanup_free_ char *r = change_column_text(t, &reordered, false);
        CHECK_STR(r, "materials: order changed");

        /* 70 characters, the first two bytes long: cut after 60 characters (61 bytes), full with -v. */
        const char *longer = "Éaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        ColumnChange text = { .column = (size_t) description, .old_value = NULL, .new_value = longer };
        _cleanup_free_ char *shortened = change_column_text(t, &text, false);
        _cleanup_free_ char *want = strdup_printf("description: (empty) → %.*s…", 61, longer);
        CHECK_STR(shortened, want);
        _cleanup_free_ char *full = change_column_text(t, &text, true);
        _cleanup_free_ char *want_full = strdup_printf("description: (empty) → %s", longer);
        CHECK_STR(full, want_full);

        /* A held-back row names its error count and first error. */
        Findings f;
        findings_init(&f);
        (void) findings_add(&f, SEVERITY_ERROR, "missing-required", "Collections",
                            "bbmri-eric:ID:BE_UZA:collection:oncology", "country", NULL, "%s",
                            "required field 'country' is missing");
        (void) findings_add(&f, SEVERITY_ERROR, "unmapped-value", "Collections",
                            "bbmri-eric:ID:BE_UZA:collection:oncology", "type", NULL, "%s", "value 'x' is not mapped");
        (void) findings_add(&f, SEVERITY_ERROR, "unmapped-value", "Collections", "other", "type", NULL, "%s", "other row");
        Change c = example_change();
        c.kind = CHANGE_ADDED;
        c.blocked = true;
        _cleanup_free_ char *h = change_headline(model, &c, &(ChangeTextOptions) { .findings = &f });
        CHECK_STR(h, "added Collections bbmri-eric:ID:BE_UZA:collection:oncology (held back: 2 errors; first: "
                     "required field 'country' is missing)");
        findings_done(&f);
}

TEST(test_auto_target) {
        int pipe_fds[2];
        CHECK_INT(pipe(pipe_fds), 0);
        fflush(stderr);
        int saved = dup(STDERR_FILENO);
        CHECK(saved >= 0);
        CHECK(dup2(pipe_fds[1], STDERR_FILENO) == STDERR_FILENO);
        struct stat st;
        CHECK_INT(fstat(STDERR_FILENO, &st), 0);

        char buf[64];
        snprintf(buf, sizeof buf, "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
        setenv("JOURNAL_STREAM", buf, 1);
        log_setup(LOG_TARGET_AUTO, 0);
        LogTarget matched = log_get_target();

        snprintf(buf, sizeof buf, "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino + 1);
        setenv("JOURNAL_STREAM", buf, 1);
        log_setup(LOG_TARGET_AUTO, 0);
        LogTarget other_inode = log_get_target();

        snprintf(buf, sizeof buf, "%llu:%llux", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
        setenv("JOURNAL_STREAM", buf, 1);
        log_setup(LOG_TARGET_AUTO, 0);
        LogTarget trailing_garbage = log_get_target();

        unsetenv("JOURNAL_STREAM");
        log_setup(LOG_TARGET_AUTO, 0);
        LogTarget unset = log_get_target();

        /* Explicit targets are taken as they are. */
        log_setup(LOG_TARGET_JOURNAL, 0);
        LogTarget forced = log_get_target();

        dup2(saved, STDERR_FILENO);
        close(saved);
        close(pipe_fds[0]);
        close(pipe_fds[1]);

        CHECK_INT(matched, LOG_TARGET_JOURNAL);
        CHECK_INT(other_inode, LOG_TARGET_CONSOLE);
        CHECK_INT(trailing_garbage, LOG_TARGET_CONSOLE);
        CHECK_INT(unset, LOG_TARGET_CONSOLE);
        CHECK_INT(forced, LOG_TARGET_JOURNAL);
        log_setup(LOG_TARGET_CONSOLE, 0);
}

/* The catalog explains every MESSAGE_ID, and only those. */
TEST(test_catalog) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        CHECK_INT(read_file_limited(SOURCE_ROOT "/packaging/bbmri-dirsync.catalog", 1u << 20, &data, &size), 0);
        if (!data)
                return;
        bool seen[_LOG_EVENT_MAX] = {};
        size_t n_headers = 0, n_subjects = 0, n_defined = 0, n_support = 0;
        const char *line = data;
        while (line && *line) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                if (len >= 3 && memcmp(line, "-- ", 3) == 0) {
                        n_headers++;
                        CHECK_INT(len, 3 + 32);
                        bool known = false;
                        for (int e = 0; e < _LOG_EVENT_MAX; e++)
                                if (len == 35 && memcmp(line + 3, log_event_message_id(e), 32) == 0) {
                                        CHECK(!seen[e]); /* one entry per id */
                                        seen[e] = known = true;
                                }
                        if (!known)
                                fprintf(stderr, "catalog entry for unknown id: %.*s\n", (int) len, line);
                        CHECK(known);
                } else if (len > 9 && memcmp(line, "Subject: ", 9) == 0)
                        n_subjects++;
                else if (len == strlen("Defined-By: bbmri-dirsync") && memcmp(line, "Defined-By: bbmri-dirsync", len) == 0)
                        n_defined++;
                else if (len > 9 && memcmp(line, "Support: ", 9) == 0)
                        n_support++;
                line = end ? end + 1 : NULL;
        }
        for (int e = 0; e < _LOG_EVENT_MAX; e++) {
                if (!seen[e])
                        fprintf(stderr, "no catalog entry for event %d (%s)\n", e, log_event_message_id(e));
                CHECK(seen[e]);
        }
        CHECK_INT(n_headers, _LOG_EVENT_MAX);
        CHECK_INT(n_subjects, _LOG_EVENT_MAX);
        CHECK_INT(n_defined, _LOG_EVENT_MAX);
        CHECK_INT(n_support, _LOG_EVENT_MAX);
}

static void setup_model(void) {
        Findings findings;
        findings_init(&findings);
        if (model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &model, &findings) >= 0) {
                int t = model_table_index(model, "Collections");
                const ModelTable *table = t >= 0 ? &model->tables[t] : NULL;
                int size = table ? model_column_index(table, "size") : -1;
                int contact = table ? model_column_index(table, "contact") : -1;
                if (t < 0 || size < 0 || contact < 0)
                        model = model_free(model);
                else {
                        t_collections = (size_t) t;
                        c_size = (size_t) size;
                        c_contact = (size_t) contact;
                }
        }
        findings_done(&findings);
        log_set_journal_sink(sink);
}

TEST_MAIN(setup_model(); RUN(test_message_ids); RUN(test_finding_entry); RUN(test_change_entry);
          RUN(test_extra_fields); RUN(test_console); RUN(test_change_text); RUN(test_auto_target); RUN(test_catalog);
          entries_clear(); model = model_free(model))
