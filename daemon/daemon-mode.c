/* SPDX-License-Identifier: MIT */
/* `bbmri-dirsync daemon` (design §11, §13): sync on a schedule, as a Type=notify service.
 *
 * One sd-event loop: a monotonic timer for the next run, signal sources for SIGHUP (re-read the
 * configuration), SIGTERM and SIGINT (stop). Between runs the process sleeps in epoll_wait();
 * the only wake-ups are the watchdog pings sd-event sends itself when the service manager asks
 * for them (WATCHDOG_USEC). A run is an ordinary `sync` in this process; signals arriving during
 * a run wait until it has finished, so a stop never cuts a push in half. */

#include <inttypes.h>
#include <signal.h>
#include <sys/random.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "commands.h"
#include "config.h"
#include "log.h"
#include "util.h"

/* After a failed run the next one comes sooner than the interval, then later and later:
 * DAEMON_RETRY_FIRST_USEC, doubled per failure, never more than the interval. */
#define USEC_PER_SEC UINT64_C(1000000)
#define DAEMON_RETRY_FIRST_USEC (60 * USEC_PER_SEC)

typedef struct Daemon {
        Options options;           /* what each run gets; .config is the configuration in force */
        Config *config;
        sd_event *event;
        sd_event_source *timer;
        unsigned failures;         /* failed runs in a row */
        unsigned runs;
        char last_outcome[160];
        uint64_t next_run_usec;    /* CLOCK_MONOTONIC */
        uint64_t next_run_realtime_usec;
} Daemon;

static uint64_t random_below(uint64_t max) {
        if (max == 0)
                return 0;
        uint64_t r = 0;
        /* Spreading nodes' runs needs no cryptographic randomness; getrandom() failing (it cannot
         * for 8 bytes) falls back to the clock. */
        if (getentropy(&r, sizeof r) < 0)
                r = now_usec_monotonic();
        return r % max;
}

static void format_span(uint64_t usec, char *buf, size_t size) {
        uint64_t s = (usec + USEC_PER_SEC / 2) / USEC_PER_SEC;
        if (s >= 3600)
                snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "min", s / 3600, (s % 3600) / 60);
        else if (s >= 60)
                snprintf(buf, size, "%" PRIu64 "min %" PRIu64 "s", s / 60, s % 60);
        else
                snprintf(buf, size, "%" PRIu64 "s", s);
}

static void notify_status(Daemon *d) {
        char when[64] = "";
        time_t t = (time_t) (d->next_run_realtime_usec / USEC_PER_SEC);
        struct tm tm;
        if (gmtime_r(&t, &tm))
                strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        (void) sd_notifyf(false, "STATUS=%s; next run at %s", d->last_outcome[0] ? d->last_outcome : "no run yet",
                          when);
}

static int schedule(Daemon *d, uint64_t delay_usec) {
        d->next_run_usec = now_usec_monotonic() + delay_usec;
        d->next_run_realtime_usec = now_usec_realtime() + delay_usec;
        int r = sd_event_source_set_time(d->timer, d->next_run_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                return r;
        char span[64];
        format_span(delay_usec, span, sizeof span);
        log_debug("next run in %s", span);
        notify_status(d);
        return 0;
}

static const char *outcome_of(int exit_code) {
        switch (exit_code) {
        case EXIT_OK:
                return "succeeded";
        case EXIT_INVALID_DATA:
                return "found invalid data";
        case EXIT_UNAVAILABLE:
                return "could not reach the Directory";
        case EXIT_CANT_WRITE:
                return "could not write its state or a report output";
        case EXIT_TEMPORARY:
                return "failed for now";
        case EXIT_PERMISSION:
                return "was refused by the Directory";
        case EXIT_CONFIG:
                return "found a configuration problem";
        default:
                return "failed";
        }
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Daemon *d = userdata;
        (void) sd_notify(false, "STATUS=syncing");
        int exit_code = command_sync(&d->options);
        d->runs++;

        char at[32] = "";
        time_t t = time(NULL);
        struct tm tm;
        if (gmtime_r(&t, &tm))
                strftime(at, sizeof at, "%H:%M:%S UTC", &tm);
        snprintf(d->last_outcome, sizeof d->last_outcome, "sync %u %s (exit %d) at %s", d->runs, outcome_of(exit_code),
                 exit_code, at);

        uint64_t interval = d->config->schedule_interval_usec;
        uint64_t delay = interval;
        if (exit_code == EXIT_OK)
                d->failures = 0;
        else {
                d->failures++;
                delay = DAEMON_RETRY_FIRST_USEC;
                for (unsigned i = 1; i < d->failures && delay < interval; i++)
                        delay *= 2;
                if (delay > interval)
                        delay = interval;
                char span[64];
                format_span(delay, span, sizeof span);
                log_warning("sync failed (exit %d, %u in a row); next attempt in %s", exit_code, d->failures, span);
        }
        int r = schedule(d, delay);
        if (r < 0) {
                log_error("cannot schedule the next run: %s", strerror(-r));
                return sd_event_exit(sd_event_source_get_event(s), EXIT_TEMPORARY);
        }
        return 0;
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Daemon *d = userdata;
        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading the configuration",
                          now_usec_monotonic());
        Findings findings;
        findings_init(&findings);
        Config *fresh = NULL;
        int r = config_load(d->options.config_path, d->options.data_dir, &fresh, &findings);
        if (r < 0) {
                for (size_t i = 0; i < findings.n_items; i++)
                        log_finding(&findings.items[i]);
                log_error("%s: the new configuration is not valid; the previous one stays in force",
                          d->options.config_path);
        } else {
                uint64_t old_interval = d->config->schedule_interval_usec;
                config_free(d->config);
                d->config = fresh;
                d->options.config = fresh;
                log_info("%s: configuration reloaded", d->options.config_path);
                /* A shorter interval takes effect now, not after the old, longer wait. */
                uint64_t now = now_usec_monotonic();
                if (fresh->schedule_interval_usec < old_interval && d->next_run_usec > now + fresh->schedule_interval_usec)
                        (void) schedule(d, fresh->schedule_interval_usec);
        }
        findings_done(&findings);
        (void) sd_notify(false, "READY=1");
        notify_status(d);
        return 0;
}

static int on_stop(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) sd_notify(false, "STOPPING=1\nSTATUS=stopping");
        log_info("stopping (signal %s)", si->ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        return sd_event_exit(sd_event_source_get_event(s), EXIT_OK);
}

static void daemon_done(Daemon *d) {
        sd_event_source_unref(d->timer);
        sd_event_unref(d->event);
        config_free(d->config);
}

int command_daemon(const Options *o) {
        Daemon d = { .options = *o };
        Findings findings;
        findings_init(&findings);
        int r = config_load(o->config_path, o->data_dir, &d.config, &findings);
        for (size_t i = 0; i < findings.n_items; i++)
                log_finding(&findings.items[i]);
        findings_done(&findings);
        if (r < 0) {
                log_error("%s: cannot start without a valid configuration", o->config_path);
                return EXIT_CONFIG;
        }
        d.options.config = d.config;

        /* sd-event takes signals through a signalfd: they must be blocked first. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_default(&d.event);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGHUP, on_reload, &d);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGTERM, on_stop, &d);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGINT, on_stop, &d);
        /* WATCHDOG=1 at half the manager's WatchdogSec, only when it asks: sd-event does it. */
        if (r >= 0)
                r = sd_event_set_watchdog(d.event, true);
        if (r >= 0)
                r = sd_event_add_time(d.event, &d.timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, &d);
        if (r < 0)
                goto fail;

        char span[64], delay_span[64];
        uint64_t delay = random_below(d.config->schedule_random_delay_usec + 1);
        format_span(d.config->schedule_interval_usec, span, sizeof span);
        format_span(delay, delay_span, sizeof delay_span);
        r = schedule(&d, delay);
        if (r < 0)
                goto fail;
        log_info("daemon %s: syncing every %s, first run in %s", d.config->node, span, delay_span);
        (void) sd_notify(false, "READY=1");
        notify_status(&d);

        r = sd_event_loop(d.event);
        daemon_done(&d);
        if (r < 0) {
                log_error("the event loop failed: %s", strerror(-r));
                return EXIT_TEMPORARY;
        }
        return r;

fail:
        log_error("cannot set up the daemon: %s", strerror(-r));
        daemon_done(&d);
        return EXIT_TEMPORARY;
}
