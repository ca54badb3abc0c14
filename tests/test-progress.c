/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>

#include "limits.h"
#include "log.h"
#include "progress-line.h"
#include "progress.h"
#include "test.h"

#define SECOND 1000000ull

TEST(test_record) {
        Progress p;
        progress_init(&p);
        ProgressTask t[_PROGRESS_SLOT_MAX];
        progress_get(&p, t);
        CHECK(!t[PROGRESS_LOCAL].what && !t[PROGRESS_REMOTE].what);

        progress_begin(&p, PROGRESS_REMOTE, "waiting for the Directory: staging tables", 9);
        progress_advance(&p, PROGRESS_REMOTE, 2);
        progress_get(&p, t);
        CHECK_STR(t[PROGRESS_REMOTE].what, "waiting for the Directory: staging tables");
        CHECK_INT(t[PROGRESS_REMOTE].done, 2);
        CHECK_INT(t[PROGRESS_REMOTE].total, 9);
        CHECK(!t[PROGRESS_LOCAL].what);
        uint64_t started = t[PROGRESS_REMOTE].started_usec;
        CHECK(started > 0);

        /* The next step of a task goes on counting from its start; done is never above total. */
        usleep(2000);
        progress_begin(&p, PROGRESS_REMOTE, "waiting for the Directory: lookup tables", 3);
        progress_advance(&p, PROGRESS_REMOTE, 5);
        progress_get(&p, t);
        CHECK_STR(t[PROGRESS_REMOTE].what, "waiting for the Directory: lookup tables");
        CHECK_INT(t[PROGRESS_REMOTE].done, 3);
        CHECK_INT(t[PROGRESS_REMOTE].started_usec, started);

        /* Once ended, a new task has a clock of its own. */
        progress_end(&p, PROGRESS_REMOTE);
        progress_get(&p, t);
        CHECK(!t[PROGRESS_REMOTE].what);
        progress_begin(&p, PROGRESS_REMOTE, "pushing to the Directory: requests", 0);
        progress_get(&p, t);
        CHECK(t[PROGRESS_REMOTE].started_usec > started);
        CHECK(!t[PROGRESS_REMOTE].unit);

        /* A step without a total counts units; the next step counts anew. */
        progress_count(&p, PROGRESS_LOCAL, "reading the master", "rows");
        progress_advance(&p, PROGRESS_LOCAL, 256);
        progress_advance(&p, PROGRESS_LOCAL, 256);
        progress_get(&p, t);
        CHECK_STR(t[PROGRESS_LOCAL].unit, "rows");
        CHECK_INT(t[PROGRESS_LOCAL].done, 512);
        CHECK_INT(t[PROGRESS_LOCAL].total, 0);
        progress_begin(&p, PROGRESS_LOCAL, "validating the master", 0);
        progress_get(&p, t);
        CHECK(!t[PROGRESS_LOCAL].unit);
        CHECK_INT(t[PROGRESS_LOCAL].done, 0);
        progress_done(&p);

        /* Nobody watching. */
        progress_begin(NULL, PROGRESS_LOCAL, "reading the master", 0);
        progress_advance(NULL, PROGRESS_LOCAL, 1);
        progress_end(NULL, PROGRESS_LOCAL);
        progress_get(NULL, t);
        CHECK(!t[PROGRESS_LOCAL].what);
}

static void *advance_many(void *userdata) {
        for (int i = 0; i < 20000; i++)
                progress_advance(userdata, PROGRESS_REMOTE, 1);
        return NULL;
}

TEST(test_threads) {
        /* The fetch's thread advances while another reads. */
        Progress p;
        progress_init(&p);
        progress_begin(&p, PROGRESS_REMOTE, "waiting for the Directory", 0);
        pthread_t a, b;
        CHECK_INT(pthread_create(&a, NULL, advance_many, &p), 0);
        CHECK_INT(pthread_create(&b, NULL, advance_many, &p), 0);
        ProgressTask t[_PROGRESS_SLOT_MAX];
        for (int i = 0; i < 100; i++)
                progress_get(&p, t);
        (void) pthread_join(a, NULL);
        (void) pthread_join(b, NULL);
        progress_get(&p, t);
        CHECK_INT(t[PROGRESS_REMOTE].done, 40000);
        progress_done(&p);
}

TEST(test_reads_what) {
        CHECK_STR(progress_reads_what(true, false, false), "waiting for the Directory: staging tables");
        CHECK_STR(progress_reads_what(false, true, false), "waiting for the Directory: published tables");
        CHECK_STR(progress_reads_what(true, true, true),
                  "waiting for the Directory: staging, published and lookup tables");
        CHECK_STR(progress_reads_what(false, false, true), "waiting for the Directory: lookup tables");
        CHECK_STR(progress_reads_what(false, false, false), "waiting for the Directory");
}

TEST(test_format) {
        char buf[LIMIT_PROGRESS_LINE_BYTES];
        uint64_t t0 = 10 * SECOND;
        ProgressTask tasks[2] = {
                { .what = "validating the master", .started_usec = t0 },
                { .what = "waiting for the Directory: staging tables", .done = 3, .total = 8, .started_usec = t0 + SECOND },
        };
        /* Nothing before a task has run LIMIT_PROGRESS_AFTER_USEC. */
        progress_line_format(tasks, 2, t0 + LIMIT_PROGRESS_AFTER_USEC - 1, 0, 100, buf, sizeof(buf));
        CHECK_STR(buf, "");
        /* A task without a total: a spinner, each tick its next frame. */
        progress_line_format(tasks, 1, t0 + 2 * SECOND, 0, 100, buf, sizeof(buf));
        CHECK_STR(buf, "| validating the master (2 s)");
        progress_line_format(tasks, 1, t0 + 2 * SECOND, 1, 100, buf, sizeof(buf));
        CHECK_STR(buf, "/ validating the master (2 s)");
        progress_line_format(tasks, 1, t0 + 2 * SECOND, 3, 100, buf, sizeof(buf));
        CHECK_STR(buf, "\\ validating the master (2 s)");
        progress_line_format(tasks, 1, t0 + 2 * SECOND, 4, 100, buf, sizeof(buf));
        CHECK_STR(buf, "| validating the master (2 s)");
        /* With a total: how many of it; the other task shows only once it has run as long. */
        progress_line_format(tasks, 2, t0 + 2 * SECOND + 1, 0, 100, buf, sizeof(buf));
        CHECK_STR(buf, "| validating the master (2 s)");
        progress_line_format(tasks, 2, t0 + 5 * SECOND, 2, 100, buf, sizeof(buf));
        CHECK_STR(buf, "- validating the master (5 s); waiting for the Directory: staging tables 3 of 8 (4 s)");
        /* Counted without a total: the spinner, the count and its unit (none before the first). */
        ProgressTask reading = { .what = "reading the master", .unit = "rows", .started_usec = t0 };
        progress_line_format(&reading, 1, t0 + 3 * SECOND, 1, 100, buf, sizeof(buf));
        CHECK_STR(buf, "/ reading the master (3 s)");
        reading.done = 38144;
        progress_line_format(&reading, 1, t0 + 3 * SECOND, 1, 100, buf, sizeof(buf));
        CHECK_STR(buf, "/ reading the master: 38144 rows (3 s)");
        /* Never as wide as the terminal: the cursor stays on the line. */
        progress_line_format(tasks, 2, t0 + 5 * SECOND, 2, 40, buf, sizeof(buf));
        CHECK_INT(strlen(buf), 39);
        CHECK_STR(buf, "- validating the master (5 s); waiting ");
        /* A small buffer cuts, never overflows. */
        char small[8];
        progress_line_format(tasks, 2, t0 + 5 * SECOND, 2, 100, small, sizeof(small));
        CHECK_STR(small, "- valid");
        /* A clock before the start (never on CLOCK_MONOTONIC) shows nothing. */
        progress_line_format(tasks, 2, t0 - 1, 0, 100, buf, sizeof(buf));
        CHECK_STR(buf, "");
}

/* What arrived on the terminal's side so far. */
static size_t read_terminal(int fd, char *buf, size_t size) {
        size_t n = 0;
        while (n + 1 < size) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 200) <= 0)
                        break;
                ssize_t k = read(fd, buf + n, size - 1 - n);
                if (k <= 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = '\0';
        return n;
}

TEST(test_console) {
        /* stderr on a pseudo-terminal: the status line is wanted (not with -q, TERM=dumb or the
         * journal), drawn in place, not drawn again unchanged, and cleared before any other line. */
        int master = posix_openpt(O_RDWR | O_NOCTTY);
        CHECK(master >= 0);
        if (master < 0)
                return;
        CHECK(grantpt(master) == 0 && unlockpt(master) == 0);
        int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
        CHECK(slave >= 0);
        int saved = dup(STDERR_FILENO);
        CHECK(saved >= 0 && slave >= 0 && dup2(slave, STDERR_FILENO) == STDERR_FILENO);
        char *term = getenv("TERM") ? strdup(getenv("TERM")) : NULL;

        setenv("TERM", "xterm", 1);
        log_setup(LOG_TARGET_CONSOLE, 0);
        bool wanted = log_status_wanted();
        log_setup(LOG_TARGET_CONSOLE, 1);
        bool wanted_verbose = log_status_wanted();
        log_setup(LOG_TARGET_CONSOLE, -1);
        bool wanted_quiet = log_status_wanted();
        log_setup(LOG_TARGET_JOURNAL, 0);
        bool wanted_journal = log_status_wanted();
        setenv("TERM", "dumb", 1);
        log_setup(LOG_TARGET_CONSOLE, 0);
        bool wanted_dumb = log_status_wanted();
        setenv("NO_COLOR", "1", 1);
        setenv("TERM", "xterm", 1);
        bool wanted_no_color = log_status_wanted();
        unsetenv("NO_COLOR");

        log_status_show("waiting 1");
        log_status_show("waiting 1");
        log_status_show("waiting 2");
        log_warning("a line");
        log_status_clear(); /* nothing shown: nothing to clear */
        log_status_show("waiting 3");
        log_status_clear();
        char buf[512];
        read_terminal(master, buf, sizeof(buf));

        /* The ticker: a task without a total that has run 3 s, a spinner frame each redraw, at most
         * 5 a second (over 1 s), the line cleared when it stops. */
        log_setup(LOG_TARGET_CONSOLE, 0);
        Progress ticking;
        progress_init(&ticking);
        progress_begin(&ticking, PROGRESS_LOCAL, "validating the master", 0);
        ticking.tasks[PROGRESS_LOCAL].started_usec -= 3 * SECOND;
        ProgressLine ticker;
        CHECK_INT(progress_line_start(&ticker, &ticking), 0);
        bool ticker_started = ticker.started;
        usleep(1000 * 1000);
        progress_line_stop(&ticker);
        progress_done(&ticking);
        char drawn[4096];
        read_terminal(master, drawn, sizeof(drawn));

        dup2(saved, STDERR_FILENO);
        close(saved);
        close(slave);
        close(master);
        if (term)
                setenv("TERM", term, 1);
        else
                unsetenv("TERM");
        free(term);

        CHECK(wanted);
        CHECK(wanted_verbose);
        CHECK(!wanted_quiet);
        CHECK(!wanted_journal);
        CHECK(!wanted_dumb);
        CHECK(wanted_no_color);
        CHECK_STR(buf, "\rwaiting 1\033[K\rwaiting 2\033[K\r\033[Kwarning: a line\r\n\rwaiting 3\033[K\r\033[K");
        CHECK(ticker_started);
        size_t frames = 0;
        for (const char *s = drawn; (s = strstr(s, " validating the master (")); s++)
                frames++;
        CHECK(frames >= 3 && frames <= 1000000 / LIMIT_PROGRESS_REDRAW_USEC + 1);
        CHECK(startswith(drawn, "\r| validating the master ("));
        CHECK(strstr(drawn, "\033[K\r/ validating the master ("));
        CHECK(endswith(drawn, "\033[K\r\033[K"));

        /* Not a terminal (as under meson): no status line. */
        log_setup(LOG_TARGET_CONSOLE, 0);
        int devnull = open("/dev/null", O_WRONLY);
        saved = dup(STDERR_FILENO);
        CHECK(devnull >= 0 && dup2(devnull, STDERR_FILENO) == STDERR_FILENO);
        bool wanted_file = log_status_wanted();
        ProgressLine line;
        Progress p;
        progress_init(&p);
        CHECK_INT(progress_line_start(&line, &p), 0);
        bool started = line.started;
        progress_line_stop(&line);
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(devnull);
        progress_done(&p);
        CHECK(!wanted_file);
        CHECK(!started);
}

TEST_MAIN(RUN(test_record); RUN(test_threads); RUN(test_reads_what); RUN(test_format); RUN(test_console));
