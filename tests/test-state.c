/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "limits.h"
#include "state.h"
#include "test.h"

static char *make_tmpdir(void) {
        char *t = strdup("/tmp/test-state-XXXXXX");
        if (!t || !mkdtemp(t)) {
                free(t);
                return NULL;
        }
        return t;
}

static char *read_text(const char *path) {
        char *data = NULL;
        size_t size = 0;
        if (read_file_limited(path, 1u << 20, &data, &size) < 0)
                return NULL;
        return data;
}

static size_t count_entries(const char *dir, const char *prefix) {
        DIR *d = opendir(dir);
        if (!d)
                return 0;
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)))
                if (startswith(e->d_name, prefix))
                        n++;
        closedir(d);
        return n;
}

TEST(test_open_creates_directory) {
        _cleanup_free_ char *tmp = make_tmpdir();
        CHECK(tmp);
        _cleanup_free_ char *path = strdup_printf("%s/a/b/state", tmp);
        _cleanup_(state_closep) StateDir *s = NULL;
        CHECK_INT(state_open(path, &s), 0);
        CHECK(s);
        CHECK_STR(state_path(s), path);
        struct stat st;
        CHECK_INT(stat(path, &st), 0);
        CHECK(S_ISDIR(st.st_mode));
        CHECK_INT(st.st_mode & 0777, 0750);

        /* A file where the directory should be is refused. */
        _cleanup_free_ char *file = strdup_printf("%s/file", tmp);
        CHECK_INT(write_file_atomic(file, "x", 1, 0640), 0);
        StateDir *t = NULL;
        CHECK_INT(state_open(file, &t), -ENOTDIR);
        CHECK(!t);
        CHECK_INT(state_open("", &t), -EINVAL);

        s = state_close(s);
        CHECK_INT(rm_rf(tmp), 0);
}

TEST(test_lock) {
        _cleanup_free_ char *tmp = make_tmpdir();
        CHECK(tmp);
        _cleanup_(state_closep) StateDir *a = NULL, *b = NULL;
        CHECK_INT(state_open(tmp, &a), 0);
        CHECK_INT(state_open(tmp, &b), 0);
        pid_t holder = -1;
        CHECK_INT(state_lock(a, &holder), 0);
        CHECK_INT(holder, -1); /* written only when busy */
        CHECK_INT(state_lock(a, NULL), 0); /* taking it again is a no-op */

        /* Second open file description in the same process. */
        CHECK_INT(state_lock(b, &holder), -EBUSY);
        CHECK_INT(holder, getpid());

        /* And from another process. */
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
                StateDir *c = NULL;
                pid_t h = 0;
                int code = 10;
                if (state_open(tmp, &c) == 0) {
                        int r = state_lock(c, &h);
                        code = r == -EBUSY && h == getppid() ? 0 : 11;
                        state_close(c);
                }
                /* _exit() skips the cleanup attributes; valgrind checks the child too. */
                tmp = mfree(tmp);
                _exit(code);
        }
        int status = 0;
        CHECK_INT(waitpid(child, &status, 0), child);
        CHECK(WIFEXITED(status));
        CHECK_INT(WEXITSTATUS(status), 0);

        /* Released: b gets it and the file names b's process. */
        state_unlock(a);
        CHECK_INT(state_lock(b, &holder), 0);
        _cleanup_free_ char *lock = strdup_printf("%s/lock", tmp);
        _cleanup_free_ char *text = read_text(lock);
        _cleanup_free_ char *expected = strdup_printf("%d\n", (int) getpid());
        CHECK_STR(text, expected);

        a = state_close(a);
        b = state_close(b);
        CHECK_INT(rm_rf(tmp), 0);
}

TEST(test_snapshots) {
        _cleanup_free_ char *tmp = make_tmpdir();
        CHECK(tmp);
        _cleanup_(state_closep) StateDir *s = NULL;
        CHECK_INT(state_open(tmp, &s), 0);
        char *data = NULL;
        size_t size = 0;
        CHECK_INT(state_snapshot_read(s, "BBMRI-BE", "Biobanks", &data, &size), -ENOENT);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Biobanks", "x", 1), -EINVAL); /* not begun */

        /* First set: plain rename. */
        CHECK_INT(state_snapshot_begin(s), 0);
        CHECK_INT(count_entries(tmp, "snapshots.new-"), 1);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Biobanks", "id,name\n1,a\n", 12), 0);
        CHECK_INT(state_snapshot_add(s, "ERIC", "Biobanks", "id\n", 3), 0);
        CHECK_INT(state_snapshot_add(s, "..", "Biobanks", "x", 1), -EINVAL);
        CHECK_INT(state_snapshot_add(s, "ERIC", "a/b", "x", 1), -EINVAL);
        CHECK_INT(state_snapshot_commit(s), 0);
        CHECK_INT(count_entries(tmp, "snapshots.new-"), 0);
        CHECK_INT(state_snapshot_read(s, "BBMRI-BE", "Biobanks", &data, &size), 0);
        CHECK_STR(data, "id,name\n1,a\n");
        CHECK_INT(size, 12);
        data = mfree(data);

        /* Second set replaces the first as a whole (exchange). */
        CHECK_INT(state_snapshot_begin(s), 0);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Biobanks", "id,name\n2,b\n", 12), 0);
        CHECK_INT(state_snapshot_commit(s), 0);
        CHECK_INT(state_snapshot_read(s, "BBMRI-BE", "Biobanks", &data, &size), 0);
        CHECK_STR(data, "id,name\n2,b\n");
        data = mfree(data);
        CHECK_INT(state_snapshot_read(s, "ERIC", "Biobanks", &data, &size), -ENOENT);
        CHECK_INT(count_entries(tmp, "snapshots"), 1); /* the old set is gone */

        /* Abort keeps the last good set. */
        CHECK_INT(state_snapshot_begin(s), 0);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Biobanks", "id,name\n3,c\n", 12), 0);
        state_snapshot_abort(s);
        CHECK_INT(count_entries(tmp, "snapshots.new-"), 0);
        CHECK_INT(state_snapshot_read(s, "BBMRI-BE", "Biobanks", &data, &size), 0);
        CHECK_STR(data, "id,name\n2,b\n");
        data = mfree(data);
        CHECK_INT(state_snapshot_read(s, "../x", "Biobanks", &data, &size), -EINVAL);

        /* Closing mid-set aborts too. */
        CHECK_INT(state_snapshot_begin(s), 0);
        s = state_close(s);
        CHECK_INT(count_entries(tmp, "snapshots.new-"), 0);
        CHECK_INT(rm_rf(tmp), 0);
}

static ino_t inode_of(const char *dir, const char *rel) {
        _cleanup_free_ char *p = path_join(dir, rel);
        struct stat st;
        return p && stat(p, &st) == 0 ? st.st_ino : 0;
}

TEST(test_snapshot_unchanged_is_linked) {
        /* A table equal to the last good snapshot's is linked, not written again; one that differs,
         * even by a byte at the same size, is written. */
        _cleanup_free_ char *tmp = make_tmpdir();
        CHECK(tmp);
        _cleanup_(state_closep) StateDir *s = NULL;
        CHECK_INT(state_open(tmp, &s), 0);
        CHECK_INT(state_snapshot_begin(s), 0);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Biobanks", "id,name\n1,a\n", 12), 0);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Persons", "id\nx\n", 5), 0);
        CHECK_INT(state_snapshot_commit(s), 0);
        ino_t biobanks = inode_of(tmp, "snapshots/BBMRI-BE/Biobanks.csv");
        ino_t persons = inode_of(tmp, "snapshots/BBMRI-BE/Persons.csv");
        CHECK(biobanks != 0 && persons != 0);

        CHECK_INT(state_snapshot_begin(s), 0);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Biobanks", "id,name\n1,a\n", 12), 0);
        CHECK_INT(state_snapshot_add(s, "BBMRI-BE", "Persons", "id\ny\n", 5), 0);
        CHECK_INT(state_snapshot_commit(s), 0);
        CHECK(inode_of(tmp, "snapshots/BBMRI-BE/Biobanks.csv") == biobanks);
        CHECK(inode_of(tmp, "snapshots/BBMRI-BE/Persons.csv") != persons);
        char *data = NULL;
        size_t size = 0;
        CHECK_INT(state_snapshot_read(s, "BBMRI-BE", "Biobanks", &data, &size), 0);
        CHECK_STR(data, "id,name\n1,a\n");
        data = mfree(data);
        CHECK_INT(state_snapshot_read(s, "BBMRI-BE", "Persons", &data, &size), 0);
        CHECK_STR(data, "id\ny\n");
        free(data);
        /* The old set is gone, the linked file survives it with one name. */
        _cleanup_free_ char *p = path_join(tmp, "snapshots/BBMRI-BE/Biobanks.csv");
        struct stat st;
        CHECK(stat(p, &st) == 0 && st.st_nlink == 1);
        s = state_close(s);
        CHECK_INT(rm_rf(tmp), 0);
}

TEST(test_reports) {
        _cleanup_free_ char *tmp = make_tmpdir();
        CHECK(tmp);
        _cleanup_(state_closep) StateDir *s = NULL;
        CHECK_INT(state_open(tmp, &s), 0);
        char *data = NULL;
        size_t size = 0;
        CHECK_INT(state_read_last_report(s, true, &data, &size), -ENOENT);
        CHECK_INT(state_read_last_report(s, false, &data, &size), -ENOENT);

        /* Distinct names within one second: the per-directory counter orders them. */
        for (unsigned i = 0; i < LIMIT_REPORTS_KEPT + 5; i++) {
                _cleanup_free_ char *json = strdup_printf("{\"run\": %u}\n", i);
                CHECK_INT(state_save_report(s, json, strlen(json), true), 0);
        }
        _cleanup_free_ char *reports = strdup_printf("%s/reports", tmp);
        CHECK_INT(count_entries(reports, "2"), LIMIT_REPORTS_KEPT);
        CHECK_INT(state_read_last_report(s, true, &data, &size), 0);
        _cleanup_free_ char *last = strdup_printf("{\"run\": %u}\n", LIMIT_REPORTS_KEPT + 4);
        CHECK_STR(data, last);
        data = mfree(data);

        /* The oldest five were pruned: the oldest kept is run 5. */
        struct dirent **entries = NULL;
        int n = scandir(reports, &entries, NULL, alphasort);
        CHECK(n >= 3);
        if (n >= 3) {
                _cleanup_free_ char *oldest = strdup_printf("%s/%s", reports, entries[2]->d_name); /* after . and .. */
                _cleanup_free_ char *text = read_text(oldest);
                CHECK_STR(text, "{\"run\": 5}\n");
                CHECK(endswith(entries[2]->d_name, ".json"));
                CHECK_INT(strlen(entries[2]->d_name), strlen("20260101T000000Z-0000000001-000000.json"));
        }
        for (int i = 0; i < n; i++)
                free(entries[i]);
        free(entries);

        /* A failed run: last.json still names the last good run, last-failed.json and the newest
         * report are the failed one. */
        CHECK_INT(state_save_report(s, "{\"failed\": true}\n", 17, false), 0);
        CHECK_INT(state_read_last_report(s, true, &data, &size), 0);
        CHECK_STR(data, last);
        data = mfree(data);
        CHECK_INT(state_read_last_report(s, false, &data, &size), 0);
        CHECK_STR(data, "{\"failed\": true}\n");
        CHECK_INT(size, 17);
        data = mfree(data);
        _cleanup_free_ char *failed_path = strdup_printf("%s/last-failed.json", tmp);
        _cleanup_free_ char *failed = read_text(failed_path);
        CHECK_STR(failed, "{\"failed\": true}\n");
        CHECK_INT(count_entries(reports, "2"), LIMIT_REPORTS_KEPT);

        /* A good run after it: last.json moves on, last-failed.json stays. last.json is the
         * newest report under a second name (one file, written once), no temporary left. */
        CHECK_INT(state_save_report(s, "{\"good\": 2}\n", 12, true), 0);
        CHECK_INT(state_read_last_report(s, true, &data, &size), 0);
        CHECK_STR(data, "{\"good\": 2}\n");
        data = mfree(data);
        _cleanup_free_ char *last_path = strdup_printf("%s/last.json", tmp);
        struct stat last_st, newest_st = {};
        CHECK(stat(last_path, &last_st) == 0 && last_st.st_nlink == 2 && (last_st.st_mode & 0777) == 0640);
        struct dirent **newest = NULL;
        int n_reports = scandir(reports, &newest, NULL, alphasort);
        CHECK(n_reports >= 3);
        _cleanup_free_ char *newest_path = n_reports >= 3 ? path_join(reports, newest[n_reports - 1]->d_name) : NULL;
        CHECK(newest_path && stat(newest_path, &newest_st) == 0 && newest_st.st_ino == last_st.st_ino);
        for (int i = 0; i < n_reports; i++)
                free(newest[i]);
        free(newest);
        CHECK_INT(remove_temporaries(tmp, NULL), 0);
        free(failed);
        failed = read_text(failed_path);
        CHECK_STR(failed, "{\"failed\": true}\n");

        s = state_close(s);
        CHECK_INT(rm_rf(tmp), 0);
}

static bool exists(const char *dir, const char *rel) {
        _cleanup_free_ char *p = path_join(dir, rel);
        struct stat st;
        return p && lstat(p, &st) == 0;
}

TEST(test_remove_temporaries) {
        _cleanup_free_ char *tmp = make_tmpdir();
        CHECK(tmp);
        _cleanup_(state_closep) StateDir *s = NULL;
        CHECK_INT(state_open(tmp, &s), 0);
        /* What runs killed at different points leave, and what must stay. */
        static const char *const stale[] = {
                "last.json.tmp-a1B2c3", "push-journal.json.tmp-XyZ789", "ontologies.tmp-Q1w2E3/Countries.csv",
                "snapshots.new-abcdef/BBMRI-BE/Persons.csv", "snapshots.old-ABCDEF/ERIC/Persons.csv",
                "reports/20261204T010000Z-0000000042-000000.json.tmp-zzzzzz",
        };
        static const char *const kept[] = {
                "last.json", "snapshots/BBMRI-BE/Persons.csv", "reports/20261204T010000Z-0000000042-000000.json",
                "notes.tmp-short", "snapshots.newer", "ontologies/Countries.csv", "x.tmp-abcdefg",
        };
        for (size_t i = 0; i < ELEMENTSOF(stale) + ELEMENTSOF(kept); i++) {
                const char *rel = i < ELEMENTSOF(stale) ? stale[i] : kept[i - ELEMENTSOF(stale)];
                _cleanup_free_ char *p = path_join(tmp, rel);
                _cleanup_free_ char *dir = path_dirname(p);
                CHECK_INT(mkdir_p(dir, 0750), 0);
                CHECK_INT(write_file_atomic(p, "x", 1, 0640), 0);
        }
        /* Only the lock holder may: a live run's temporaries are not touched. */
        CHECK_INT(state_remove_temporaries(s), -ENOLCK);
        CHECK(exists(tmp, "last.json.tmp-a1B2c3"));
        CHECK_INT(state_lock(s, NULL), 0);
        CHECK_INT(state_remove_temporaries(s), (int) ELEMENTSOF(stale));
        for (size_t i = 0; i < ELEMENTSOF(stale); i++) {
                _cleanup_free_ char *top = strndup(stale[i], strcspn(stale[i], "/"));
                CHECK(!exists(tmp, stale[i]));
                if (!startswith(stale[i], "reports/"))
                        CHECK(!exists(tmp, top));
        }
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                CHECK(exists(tmp, kept[i]));
        /* Nothing left: a second call removes nothing. */
        CHECK_INT(state_remove_temporaries(s), 0);
        s = state_close(s);
        CHECK_INT(rm_rf(tmp), 0);
}

/* report.keep and report.keep_size: the newest reports while both hold, the newest always. */
TEST(test_report_retention) {
        _cleanup_free_ char *tmp = make_tmpdir();
        CHECK(tmp);
        _cleanup_(state_closep) StateDir *s = NULL;
        CHECK_INT(state_open(tmp, &s), 0);
        _cleanup_free_ char *reports = strdup_printf("%s/reports", tmp);
        char body[1000];
        memset(body, 'x', sizeof body);

        state_set_report_retention(s, 4, 1ULL << 30);
        for (unsigned i = 0; i < 6; i++)
                CHECK_INT(state_save_report(s, body, sizeof body, true), 0);
        CHECK_INT(count_entries(reports, "2"), 4);

        /* 2,500 bytes hold two reports of 1,000 bytes: the older two go. */
        state_set_report_retention(s, 30, 2500);
        CHECK_INT(state_save_report(s, body, sizeof body, true), 0);
        CHECK_INT(count_entries(reports, "2"), 2);

        /* A report larger than the whole budget is still kept, alone. */
        char big[3000];
        memset(big, 'y', sizeof big);
        CHECK_INT(state_save_report(s, big, sizeof big, true), 0);
        CHECK_INT(count_entries(reports, "2"), 1);
        char *data = NULL;
        size_t size = 0;
        CHECK_INT(state_read_last_report(s, false, &data, &size), 0);
        CHECK_INT(size, sizeof big);
        free(data);

        s = state_close(s);
        CHECK_INT(rm_rf(tmp), 0);
}

TEST_MAIN(RUN(test_open_creates_directory); RUN(test_lock); RUN(test_snapshots); RUN(test_snapshot_unchanged_is_linked);
          RUN(test_reports); RUN(test_remove_temporaries); RUN(test_report_retention))
