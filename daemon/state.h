/* SPDX-License-Identifier: MIT */
#pragma once

/* The state directory (design §10): a lock (one run at a time), the last fetched snapshots
 * (snapshots/<schema>/<Table>.csv, replaced as a set only after a good run), the last JSON
 * reports (reports/<yyyymmddThhmmssZ>-<pid>-<seq>.json, UTC, fixed widths so that name order is
 * time order; the newest ones within report.keep and report.keep_size, plus last.json and
 * last-failed.json), every write
 * atomic. */

#include "findings.h"

typedef struct StateDir StateDir;

/* Creates the directory when missing. -EACCES/-EROFS etc. when it cannot be written. */
int state_open(const char *path, StateDir **ret);
StateDir *state_close(StateDir *s);
/* Reports kept (report.keep, report.keep_size): the newest while both hold, the newest always.
 * Defaults LIMIT_REPORTS_KEPT and LIMIT_REPORTS_BYTES. */
void state_set_report_retention(StateDir *s, size_t keep, uint64_t keep_bytes);
DEFINE_TRIVIAL_CLEANUP_FUNC(StateDir, state_close);
const char *state_path(const StateDir *s);

/* Takes the run lock without waiting (flock on <state>/lock). -EBUSY when another run holds it;
 * *ret_holder_pid then names it when known (0 otherwise). */
int state_lock(StateDir *s, pid_t *ret_holder_pid);
void state_unlock(StateDir *s);
/* Removes what interrupted runs left: every <name>.tmp-XXXXXX in the state directory (files and
 * the ontology cache's new folder) and in reports/, snapshots.new-XXXXXX, snapshots.old-XXXXXX. Only with the
 * lock held (-ENOLCK otherwise), which proves that no run of this state directory is alive, and
 * before this run writes anything. Returns how many entries were removed. */
int state_remove_temporaries(StateDir *s);

/* Snapshots: files written during a run go to a staging area and replace the last good set
 * atomically on commit. */
int state_snapshot_begin(StateDir *s);
int state_snapshot_add(StateDir *s, const char *schema, const char *table, const char *data, size_t size);
/* Carries a table of the last good set over into the new one unchanged (a table this run did not
 * read again); -ENOENT when the last set lacks it. */
int state_snapshot_keep(StateDir *s, const char *schema, const char *table);
int state_snapshot_commit(StateDir *s);
void state_snapshot_abort(StateDir *s);
/* Reads a snapshot table of the last good set; -ENOENT when absent. */
int state_snapshot_read(StateDir *s, const char *schema, const char *table, char **ret_data, size_t *ret_size);

/* Reports: saves a run's JSON report as reports/<utc timestamp>-<pid>-<seq>.json and last.json (when the
 * run was good: good == true; a failed run's report is kept as last-failed.json and in reports/,
 * and last.json still names the last good run). Prunes to the retention below. */
int state_save_report(StateDir *s, const char *json, size_t size, bool good);
/* Reads last.json (good == true) or the newest report of any outcome (good == false). */
int state_read_last_report(StateDir *s, bool good, char **ret_data, size_t *ret_size);

/* Other state files by name (the push journal "push-journal.json"), written atomically. */
int state_write_file(StateDir *s, const char *name, const void *data, size_t size);
/* -ENOENT when absent. */
int state_read_file(StateDir *s, const char *name, size_t max_bytes, char **ret_data, size_t *ret_size);
/* 0 also when it was not there. */
int state_remove_file(StateDir *s, const char *name);
