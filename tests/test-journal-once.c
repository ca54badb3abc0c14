/* SPDX-License-Identifier: MIT */
/* The journal gets each finding once a day: two diffs the same day send the findings once (the
 * second says how many it left out), the first run of the next day sends them all again; the
 * console always shows all. The clock is the test's. */
#include <sys/stat.h>

#include "commands.h"
#include "log.h"
#include "sent-findings.h"
#include "test.h"

#define FINDING_ID "MESSAGE_ID=4e3b4ef6089b4c33a4ac39a9a6e36277"

static size_t n_findings, n_not_repeated;
static uint64_t now = 1764590400ull * 1000000; /* 2025-12-01T12:00:00Z */

static uint64_t test_clock(void) {
        return now;
}

static int sink(const struct iovec *iov, int n) {
        for (int i = 0; i < n; i++) {
                if (iov[i].iov_len == strlen(FINDING_ID) && memcmp(iov[i].iov_base, FINDING_ID, iov[i].iov_len) == 0)
                        n_findings++;
                if (iov[i].iov_len > 8 && memcmp(iov[i].iov_base, "MESSAGE=", 8) == 0 &&
                    memmem(iov[i].iov_base, iov[i].iov_len, "not repeated", strlen("not repeated")))
                        n_not_repeated++;
        }
        return 0;
}

static void write_text(const char *dir, const char *name, const char *text) {
        _cleanup_free_ char *p = path_join(dir, name);
        CHECK_INT(write_file_atomic(p, text, strlen(text), 0644), 0);
}

TEST(test_once_a_day) {
        char dir[] = "/tmp/test-journal-once-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        /* Two errors (unknown fields) and the quality findings of a sparse master. */
        write_text(dir, "master.yaml",
                   "node: BE\npersons:\n  - id: contact\n    first_name: An\n    last_name: Peeters\n"
                   "    email: biobank@uza.be\n    country: BE\n    colour: red\n    mood: fine\n");
        _cleanup_free_ char *config = strdup_printf("node: BE\nmaster: master.yaml\nmappings: [%s/mappings/miabis-2.0.yaml]\n"
                                                    "model: %s/mappings/directory-model.yaml\ndirectory:\n  url: file:remote\n"
                                                    "state_dir: state\n",
                                                    SOURCE_ROOT, SOURCE_ROOT);
        write_text(dir, "config.yaml", config);
        _cleanup_free_ char *remote = path_join(dir, "remote");
        CHECK_INT(mkdir(remote, 0755), 0);
        _cleanup_free_ char *config_path = path_join(dir, "config.yaml");
        Options o = { .config_path = config_path, .data_dir = SOURCE_ROOT "/mappings" };

        log_setup(LOG_TARGET_JOURNAL, 0);
        log_set_journal_sink(sink);
        commands_set_clock(test_clock);

        CHECK_INT(command_diff(&o), EXIT_INVALID_DATA);
        size_t first = n_findings;
        CHECK(first >= 2);
        CHECK_INT(n_not_repeated, 0);
        _cleanup_free_ char *sent_path = strdup_printf("%s/state/%s", dir, SENT_FINDINGS_FILE);
        CHECK(access(sent_path, F_OK) == 0);

        /* An hour later: nothing again, one line saying so. */
        n_findings = 0;
        now += 3600ull * 1000000;
        CHECK_INT(command_diff(&o), EXIT_INVALID_DATA);
        CHECK_INT(n_findings, 0);
        CHECK_INT(n_not_repeated, 1);

        /* A new finding the same day is sent, the old ones are not. */
        write_text(dir, "master.yaml",
                   "node: BE\npersons:\n  - id: contact\n    first_name: An\n    last_name: Peeters\n"
                   "    email: biobank@uza.be\n    country: BE\n    colour: red\n    mood: fine\n    hat: big\n");
        n_findings = n_not_repeated = 0;
        CHECK_INT(command_diff(&o), EXIT_INVALID_DATA);
        CHECK_INT(n_findings, 1);
        CHECK_INT(n_not_repeated, 1);

        /* The next day (UTC): the full list again. */
        n_findings = n_not_repeated = 0;
        now += 24ull * 3600 * 1000000;
        CHECK_INT(command_diff(&o), EXIT_INVALID_DATA);
        CHECK_INT(n_findings, first + 1);
        CHECK_INT(n_not_repeated, 0);

        /* A damaged file: everything is sent (and it is said). */
        write_text(dir, "state/" SENT_FINDINGS_FILE, "garbage");
        n_findings = 0;
        CHECK_INT(command_diff(&o), EXIT_INVALID_DATA);
        CHECK_INT(n_findings, first + 1);

        commands_set_clock(NULL);
        log_set_journal_sink(NULL);
        rm_rf(dir);
}

TEST_MAIN(RUN(test_once_a_day))
