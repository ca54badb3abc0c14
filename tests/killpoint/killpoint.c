/* SPDX-License-Identifier: MIT */
/* A test's LD_PRELOAD library: with KILLPOINT_AT=N in the environment, the N-th call (counted over
 * every thread) of a function that changes files is a SIGKILL instead, before it runs: a run killed
 * at that point, as a power cut or an OOM kill would stop it. Without it the calls pass through.
 * With KILLPOINT_COUNT=FILE the number of such calls is written there at a normal exit, so that a
 * test knows how many points there are. Never installed. */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_ulong calls;
static unsigned long kill_at;

__attribute__((constructor)) static void killpoint_init(void) {
        const char *at = getenv("KILLPOINT_AT");
        kill_at = at ? strtoul(at, NULL, 10) : 0;
}

__attribute__((destructor)) static void killpoint_done(void) {
        const char *path = getenv("KILLPOINT_COUNT");
        FILE *f = path ? fopen(path, "we") : NULL;
        if (f) {
                fprintf(f, "%lu\n", atomic_load(&calls));
                fclose(f);
        }
}

static void point(void) {
        unsigned long n = atomic_fetch_add(&calls, 1) + 1;
        if (kill_at > 0 && n == kill_at)
                (void) kill(getpid(), SIGKILL);
}

#define NEXT(name) ((typeof(&name)) dlsym(RTLD_NEXT, #name))

int open(const char *path, int flags, ...) {
        mode_t mode = 0;
        if (flags & (O_CREAT | O_TMPFILE)) {
                va_list ap;
                va_start(ap, flags);
                mode = va_arg(ap, mode_t);
                va_end(ap);
        }
        if (flags & (O_CREAT | O_TRUNC | O_WRONLY | O_RDWR))
                point();
        return NEXT(open)(path, flags, mode);
}

int mkostemp(char *template, int flags) {
        point();
        return NEXT(mkostemp)(template, flags);
}

char *mkdtemp(char *template) {
        point();
        return NEXT(mkdtemp)(template);
}

ssize_t write(int fd, const void *buf, size_t n) {
        if (fd > 2)
                point();
        return NEXT(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) {
        point();
        return NEXT(pwrite)(fd, buf, n, offset);
}

int ftruncate(int fd, off_t length) {
        point();
        return NEXT(ftruncate)(fd, length);
}

int fsync(int fd) {
        point();
        return NEXT(fsync)(fd);
}

int fchmod(int fd, mode_t mode) {
        point();
        return NEXT(fchmod)(fd, mode);
}

int chmod(const char *path, mode_t mode) {
        point();
        return NEXT(chmod)(path, mode);
}

int rename(const char *from, const char *to) {
        point();
        return NEXT(rename)(from, to);
}

int renameat2(int from_fd, const char *from, int to_fd, const char *to, unsigned flags) {
        point();
        return NEXT(renameat2)(from_fd, from, to_fd, to, flags);
}

int link(const char *from, const char *to) {
        point();
        return NEXT(link)(from, to);
}

int unlink(const char *path) {
        point();
        return NEXT(unlink)(path);
}

int unlinkat(int fd, const char *path, int flags) {
        point();
        return NEXT(unlinkat)(fd, path, flags);
}

int mkdir(const char *path, mode_t mode) {
        point();
        return NEXT(mkdir)(path, mode);
}

int rmdir(const char *path) {
        point();
        return NEXT(rmdir)(path);
}
