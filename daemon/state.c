/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "limits.h"
#include "state.h"


struct StateDir {
        char *path;
        int lock_fd;
        char *snapshot_new; /* folder being filled, or NULL */
        unsigned report_seq;
        size_t reports_keep;       /* report.keep */
        uint64_t reports_keep_bytes; /* report.keep_size */
};

int state_open(const char *path, StateDir **ret) {
        if (isempty(path))
                return -EINVAL;
        int r = mkdir_p(path, 0750);
        if (r < 0)
                return r;
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (access(path, W_OK | X_OK) < 0)
                return -errno;
        StateDir *s = calloc(1, sizeof(StateDir));
        if (!s)
                return -ENOMEM;
        s->path = strdup(path);
        s->lock_fd = -EBADF;
        s->reports_keep = LIMIT_REPORTS_KEPT;
        s->reports_keep_bytes = LIMIT_REPORTS_BYTES;
        if (!s->path) {
                free(s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

void state_set_report_retention(StateDir *s, size_t keep, uint64_t keep_bytes) {
        s->reports_keep = keep > 0 ? keep : 1;
        s->reports_keep_bytes = keep_bytes;
}

StateDir *state_close(StateDir *s) {
        if (!s)
                return NULL;
        state_snapshot_abort(s);
        state_unlock(s);
        free(s->path);
        free(s);
        return NULL;
}

const char *state_path(const StateDir *s) {
        return s->path;
}

int state_lock(StateDir *s, pid_t *ret_holder_pid) {
        if (s->lock_fd >= 0)
                return 0; /* already ours */
        _cleanup_free_ char *path = path_join(s->path, "lock");
        if (!path)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                if (r == -EBUSY && ret_holder_pid) {
                        char buf[32] = {};
                        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
                        char *end = NULL;
                        errno = 0;
                        long pid = n > 0 ? strtol(buf, &end, 10) : 0;
                        if (errno != 0 || n <= 0 || end == buf || (*end != '\n' && *end != '\0'))
                                pid = 0;
                        *ret_holder_pid = pid > 0 && pid < INT32_MAX ? (pid_t) pid : 0;
                }
                return r;
        }
        /* The pid is only for messages: the lock itself is the flock. */
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%d\n", (int) getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t) n, 0) != n)
                return -errno;
        s->lock_fd = TAKE_FD(fd);
        return 0;
}

void state_unlock(StateDir *s) {
        if (s->lock_fd >= 0) {
                (void) close(s->lock_fd); /* closing drops the flock */
                s->lock_fd = -EBADF;
        }
}

int state_remove_temporaries(StateDir *s) {
        if (s->lock_fd < 0)
                return -ENOLCK;
        _cleanup_free_ char *reports = path_join(s->path, "reports");
        if (!reports)
                return -ENOMEM;
        struct {
                const char *dir, *stem;
        } places[] = {
                { s->path, NULL },
                { s->path, "snapshots.new-" },
                { s->path, "snapshots.old-" },
                { reports, NULL },
        };
        int n = 0;
        for (size_t i = 0; i < ELEMENTSOF(places); i++) {
                int r = remove_temporaries(places[i].dir, places[i].stem);
                if (r < 0)
                        return r;
                n += r;
        }
        return n;
}

/* Schema and table names become path components: no separators, no "." or "..", no hidden
 * names. */
static bool valid_component(const char *name) {
        return !isempty(name) && !strchr(name, '/') && name[0] != '.' && strlen(name) <= 255;
}

int state_snapshot_begin(StateDir *s) {
        state_snapshot_abort(s);
        _cleanup_free_ char *tpl = path_join(s->path, "snapshots.new-XXXXXX");
        if (!tpl)
                return -ENOMEM;
        if (!mkdtemp(tpl))
                return -errno;
        s->snapshot_new = TAKE_PTR(tpl);
        return 0;
}

/* Whether the regular file at path holds exactly data, read in small pieces (a mapping would count
 * the whole file in the process's memory). */
static bool file_equals(const char *path, const char *data, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size != size)
                return false;
        char buf[64 * 1024];
        for (size_t done = 0; done < size;) {
                ssize_t n = read(fd, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || (size_t) n > size - done || memcmp(buf, data + done, (size_t) n) != 0)
                        return false;
                done += (size_t) n;
        }
        return true;
}

int state_snapshot_add(StateDir *s, const char *schema, const char *table, const char *data, size_t size) {
        if (!s || !s->snapshot_new)
                return -EINVAL;
        if (!valid_component(schema) || !valid_component(table))
                return -EINVAL;
        _cleanup_free_ char *dir = path_join(s->snapshot_new, schema);
        if (!dir)
                return -ENOMEM;
        int r = mkdir_p(dir, 0750);
        if (r < 0)
                return r;
        _cleanup_free_ char *name = strdup_printf("%s.csv", table);
        _cleanup_free_ char *path = name ? path_join(dir, name) : NULL;
        if (!path)
                return -ENOMEM;
        /* Most runs find the Directory as the last run left it: a table equal to the last good
         * snapshot's is linked into the new set instead of written again (that file was fsynced
         * when it was written). */
        _cleanup_free_ char *last = strdup_printf("%s/snapshots/%s/%s", s->path, schema, name);
        if (!last)
                return -ENOMEM;
        if (file_equals(last, data, size) && link(last, path) == 0)
                return 0;
        return write_file_atomic(path, data, size, 0640);
}

int state_snapshot_keep(StateDir *s, const char *schema, const char *table) {
        if (!s || !s->snapshot_new || !valid_component(schema) || !valid_component(table))
                return -EINVAL;
        _cleanup_free_ char *dir = path_join(s->snapshot_new, schema);
        _cleanup_free_ char *path = dir ? strdup_printf("%s/%s.csv", dir, table) : NULL;
        _cleanup_free_ char *last = strdup_printf("%s/snapshots/%s/%s.csv", s->path, schema, table);
        if (!path || !last)
                return -ENOMEM;
        if (access(last, F_OK) < 0)
                return -errno;
        int r = mkdir_p(dir, 0750);
        if (r < 0)
                return r;
        return link(last, path) < 0 ? -errno : 0;
}

/* Filesystems without RENAME_EXCHANGE (some network and FUSE filesystems) answer EINVAL. */
static bool exchange_unsupported(int r) {
        return r == -EINVAL || r == -ENOSYS || r == -EOPNOTSUPP;
}

/* fsync() of a folder and of each folder directly in it (snapshots are <schema>/<table>.csv). */
static int fsync_tree_dirs(const char *path) {
        int r = fsync_directory_of(path);
        if (r < 0)
                return r;
        DIR *d = opendir(path);
        if (!d)
                return -errno;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
                        continue;
                _cleanup_free_ char *sub = path_join(path, e->d_name);
                if (!sub) {
                        r = -ENOMEM;
                        break;
                }
                r = fsync_directory_of(sub);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

/* Fallback swap: current -> a temporary name, new -> current, then the old set is removed.
 * There is a moment with no current set; a crash there leaves only the temporary name, and the
 * next run fetches anew (snapshots are a cache of the remote, not the truth). */
static int swap_by_two_renames(const char *dir, const char *new_path, const char *current) {
        _cleanup_free_ char *old = path_join(dir, "snapshots.old-XXXXXX");
        if (!old)
                return -ENOMEM;
        if (!mkdtemp(old))
                return -errno;
        if (rename(current, old) < 0) {
                int r = -errno;
                (void) rmdir(old);
                return r;
        }
        if (rename(new_path, current) < 0) {
                int r = -errno;
                (void) rename(old, current);
                return r;
        }
        (void) rm_rf(old);
        return 0;
}

int state_snapshot_commit(StateDir *s) {
        if (!s || !s->snapshot_new)
                return -EINVAL;
        _cleanup_free_ char *current = path_join(s->path, "snapshots");
        if (!current)
                return -ENOMEM;
        /* The new files are fsynced by write_file_atomic(); make their folders durable too before
         * the swap publishes them. */
        int r = fsync_tree_dirs(s->snapshot_new);
        if (r < 0)
                goto fail;
        struct stat st;
        if (lstat(current, &st) == 0) {
                if (renameat2(AT_FDCWD, s->snapshot_new, AT_FDCWD, current, RENAME_EXCHANGE) < 0) {
                        r = -errno;
                        if (!exchange_unsupported(r))
                                goto fail;
                        r = swap_by_two_renames(s->path, s->snapshot_new, current);
                        if (r < 0)
                                goto fail;
                }
        } else if (errno != ENOENT) {
                r = -errno;
                goto fail;
        } else if (rename(s->snapshot_new, current) < 0) {
                r = -errno;
                goto fail;
        }
        /* After the swap, snapshot_new names the previous set (or nothing). */
        (void) rm_rf(s->snapshot_new);
        s->snapshot_new = mfree(s->snapshot_new);
        return fsync_directory_of(s->path); /* the folder holding the renamed entries */

fail:
        /* The last good set is untouched: drop the new one. */
        state_snapshot_abort(s);
        return r;
}

void state_snapshot_abort(StateDir *s) {
        if (!s || !s->snapshot_new)
                return;
        (void) rm_rf(s->snapshot_new);
        s->snapshot_new = mfree(s->snapshot_new);
}

int state_snapshot_read(StateDir *s, const char *schema, const char *table, char **ret_data, size_t *ret_size) {
        if (!valid_component(schema) || !valid_component(table))
                return -EINVAL;
        _cleanup_free_ char *p = strdup_printf("%s/snapshots/%s/%s.csv", s->path, schema, table);
        if (!p)
                return -ENOMEM;
        return read_file_limited(p, LIMIT_CSV_FILE_BYTES, ret_data, ret_size);
}

static int compare_names(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_report(const struct dirent *e) {
        return endswith(e->d_name, ".json") && e->d_name[0] != '.';
}

/* Report file names sort by time: <yyyymmddThhmmssZ>-<pid>-<seq>.json with fixed widths. Keeps the
 * newest ones while they stay within the count and the size budget together, the newest always;
 * the older ones are removed, oldest first. */
static int prune_reports(const StateDir *s, const char *dir) {
        struct dirent **entries = NULL;
        int n = scandir(dir, &entries, is_report, compare_names);
        if (n < 0)
                return -errno;
        size_t kept = 0;
        uint64_t bytes = 0;
        bool full = false;
        for (int i = n - 1; i >= 0; i--) {
                _cleanup_free_ char *p = path_join(dir, entries[i]->d_name);
                struct stat st;
                uint64_t size = p && stat(p, &st) == 0 ? (uint64_t) st.st_size : 0;
                full = full || (kept > 0 && (kept >= s->reports_keep || bytes + size > s->reports_keep_bytes));
                if (full) {
                        if (p)
                                (void) unlink(p);
                } else {
                        kept++;
                        bytes += size;
                }
        }
        for (int i = 0; i < n; i++)
                free(entries[i]);
        free(entries);
        return 0;
}

int state_save_report(StateDir *s, const char *json, size_t size, bool good) {
        _cleanup_free_ char *dir = path_join(s->path, "reports");
        if (!dir)
                return -ENOMEM;
        int r = mkdir_p(dir, 0750);
        if (r < 0)
                return r;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        char stamp[32];
        if (!gmtime_r(&ts.tv_sec, &tm) || strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
                return -EINVAL;
        _cleanup_free_ char *name = strdup_printf("%s-%010d-%06u.json", stamp, (int) getpid(), s->report_seq++);
        _cleanup_free_ char *path = name ? path_join(dir, name) : NULL;
        if (!path)
                return -ENOMEM;
        r = write_file_atomic(path, json, size, 0640);
        if (r < 0)
                return r;
        _cleanup_free_ char *last = path_join(s->path, good ? "last.json" : "last-failed.json");
        if (!last)
                return -ENOMEM;
        /* The same bytes: a second name for the report just written, or a copy where the file
         * system has no links. */
        r = link_file_atomic(path, last);
        if (r < 0 && r != -ENOMEM)
                r = write_file_atomic(last, json, size, 0640);
        if (r < 0)
                return r;
        return prune_reports(s, dir);
}

int state_read_last_report(StateDir *s, bool good, char **ret_data, size_t *ret_size) {
        if (good) {
                _cleanup_free_ char *p = path_join(s->path, "last.json");
                return p ? read_file_limited(p, LIMIT_REPORT_FILE_BYTES, ret_data, ret_size) : -ENOMEM;
        }
        _cleanup_free_ char *dir = path_join(s->path, "reports");
        if (!dir)
                return -ENOMEM;
        struct dirent **entries = NULL;
        int n = scandir(dir, &entries, is_report, compare_names);
        if (n < 0)
                return -errno;
        _cleanup_free_ char *newest = n > 0 ? path_join(dir, entries[n - 1]->d_name) : NULL;
        for (int i = 0; i < n; i++)
                free(entries[i]);
        free(entries);
        if (n == 0)
                return -ENOENT;
        if (!newest)
                return -ENOMEM;
        return read_file_limited(newest, LIMIT_REPORT_FILE_BYTES, ret_data, ret_size);
}

/* Named files of the state directory beside the snapshots and reports: the push journal and the
 * ontology cache's stamp. Written atomically; -ENOENT when absent. */
static char *state_file(StateDir *s, const char *name) {
        return path_join(s->path, name);
}

int state_write_file(StateDir *s, const char *name, const void *data, size_t size) {
        _cleanup_free_ char *p = state_file(s, name);
        return p ? write_file_atomic(p, data, size, 0640) : -ENOMEM;
}

int state_read_file(StateDir *s, const char *name, size_t max_bytes, char **ret_data, size_t *ret_size) {
        _cleanup_free_ char *p = state_file(s, name);
        return p ? read_file_limited(p, max_bytes, ret_data, ret_size) : -ENOMEM;
}

int state_remove_file(StateDir *s, const char *name) {
        _cleanup_free_ char *p = state_file(s, name);
        if (!p)
                return -ENOMEM;
        if (unlink(p) < 0)
                return errno == ENOENT ? 0 : -errno;
        return fsync_directory_of(p);
}
