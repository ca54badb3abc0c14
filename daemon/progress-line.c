/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>

#include "limits.h"
#include "log.h"
#include "progress-line.h"
#include "util.h"

void progress_line_format(const ProgressTask *tasks, size_t n_tasks, uint64_t now, unsigned tick, size_t width,
                          char *buf, size_t size) {
        static const char spinner[] = "|/-\\";
        if (size == 0)
                return;
        buf[0] = '\0';
        size_t len = 0;
        for (size_t i = 0; i < n_tasks; i++) {
                const ProgressTask *t = &tasks[i];
                if (!t->what || now < t->started_usec || now - t->started_usec < LIMIT_PROGRESS_AFTER_USEC)
                        continue;
                unsigned long long seconds = (now - t->started_usec) / 1000000;
                const char *sep = len ? "; " : "";
                char frame = spinner[tick % 4];
                int k = t->total > 0 ? snprintf(buf + len, size - len, "%s%s %zu of %zu (%llu s)", sep, t->what,
                                                t->done, t->total, seconds)
                        : t->unit && t->done > 0
                                ? snprintf(buf + len, size - len, "%s%c %s: %zu %s (%llu s)", sep, frame, t->what,
                                           t->done, t->unit, seconds)
                                : snprintf(buf + len, size - len, "%s%c %s (%llu s)", sep, frame, t->what, seconds);
                if (k < 0)
                        break;
                len += (size_t) k;
                if (len >= size) {
                        len = size - 1;
                        break;
                }
        }
        /* A line as wide as the terminal would wrap, and "\r" would go back to its last part only. */
        if (width > 0 && len >= width)
                buf[width - 1] = '\0';
}

static size_t terminal_width(void) {
        struct winsize ws;
        if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return 80;
        return ws.ws_col;
}

static void *ticker(void *userdata) {
        ProgressLine *l = userdata;
        bool shown = false;
        pthread_mutex_lock(&l->lock);
        for (unsigned tick = 0; !l->stop; tick++) {
                struct timespec deadline;
                (void) clock_gettime(CLOCK_MONOTONIC, &deadline);
                uint64_t nsec = (uint64_t) deadline.tv_nsec + (uint64_t) LIMIT_PROGRESS_REDRAW_USEC * 1000;
                deadline.tv_sec += (time_t) (nsec / 1000000000);
                deadline.tv_nsec = (long) (nsec % 1000000000);
                while (!l->stop && pthread_cond_timedwait(&l->wake, &l->lock, &deadline) == 0)
                        ;
                if (l->stop)
                        break;
                pthread_mutex_unlock(&l->lock);
                ProgressTask tasks[_PROGRESS_SLOT_MAX];
                progress_get(l->progress, tasks);
                char text[LIMIT_PROGRESS_LINE_BYTES];
                progress_line_format(tasks, ELEMENTSOF(tasks), now_usec_monotonic(), tick, terminal_width(), text,
                                     sizeof(text));
                if (text[0]) {
                        log_status_show(text);
                        shown = true;
                } else if (shown) {
                        log_status_clear();
                        shown = false;
                }
                pthread_mutex_lock(&l->lock);
        }
        pthread_mutex_unlock(&l->lock);
        return NULL;
}

/* Async-signal-safe: a write() of the sequence log_status_clear() writes, then the default action
 * (the exit status says "killed by SIGINT", as without the line). */
static void clear_and_die(int signo) {
        static const char clear[] = "\r\033[K";
        (void) !write(STDERR_FILENO, clear, sizeof(clear) - 1);
        (void) signal(signo, SIG_DFL);
        (void) raise(signo);
}

/* Only where the signal would kill the process: one ignored (nohup) or handled stays so. */
static void catch_signals(ProgressLine *l) {
        struct sigaction clearing = { .sa_handler = clear_and_die, .sa_flags = SA_RESETHAND };
        sigemptyset(&clearing.sa_mask);
        if (sigaction(SIGINT, NULL, &l->old_int) < 0 || sigaction(SIGTERM, NULL, &l->old_term) < 0)
                return;
        l->catching = true;
        if (l->old_int.sa_handler == SIG_DFL && !(l->old_int.sa_flags & SA_SIGINFO))
                (void) sigaction(SIGINT, &clearing, NULL);
        if (l->old_term.sa_handler == SIG_DFL && !(l->old_term.sa_flags & SA_SIGINFO))
                (void) sigaction(SIGTERM, &clearing, NULL);
}

int progress_line_start(ProgressLine *l, Progress *progress) {
        *l = (ProgressLine) { .progress = progress };
        if (!log_status_wanted())
                return 0;
        pthread_condattr_t attr;
        if (pthread_condattr_init(&attr) != 0)
                return -ENOMEM;
        (void) pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        int r = pthread_cond_init(&l->wake, &attr);
        (void) pthread_condattr_destroy(&attr);
        if (r != 0)
                return -r;
        (void) pthread_mutex_init(&l->lock, NULL);
        /* Signals stay with the run's thread (the daemon takes them through a signalfd). */
        sigset_t all, old;
        sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, &old);
        r = pthread_create(&l->thread, NULL, ticker, l);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0) {
                (void) pthread_cond_destroy(&l->wake);
                (void) pthread_mutex_destroy(&l->lock);
                return -r;
        }
        l->started = true;
        catch_signals(l);
        return 0;
}

void progress_line_stop(ProgressLine *l) {
        if (!l->started)
                return;
        pthread_mutex_lock(&l->lock);
        l->stop = true;
        pthread_cond_signal(&l->wake);
        pthread_mutex_unlock(&l->lock);
        (void) pthread_join(l->thread, NULL);
        (void) pthread_cond_destroy(&l->wake);
        (void) pthread_mutex_destroy(&l->lock);
        l->started = false;
        log_status_clear();
        if (l->catching) {
                (void) sigaction(SIGINT, &l->old_int, NULL);
                (void) sigaction(SIGTERM, &l->old_term, NULL);
                l->catching = false;
        }
}
