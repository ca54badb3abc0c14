/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "limits.h"
#include "secret.h"

void secret_done(Secret *s) {
        if (s->value) {
                explicit_bzero(s->value, s->mapped);
                (void) munmap(s->value, s->mapped);
        }
        *s = (Secret) {};
}

/* Zeroed pages for at least capacity bytes, out of core dumps and (when the limits allow) swap. */
static int secret_alloc(Secret *s, size_t capacity) {
        long page = sysconf(_SC_PAGESIZE);
        size_t unit = page > 0 ? (size_t) page : 4096;
        size_t mapped = (capacity + unit - 1) / unit * unit;
        void *p = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return -errno;
        (void) madvise(p, mapped, MADV_DONTDUMP);
        (void) mlock(p, mapped);
        *s = (Secret) { .value = p, .mapped = mapped };
        return 0;
}

int secret_set(Secret *s, const char *value, size_t size) {
        int r = secret_alloc(s, size + 1);
        if (r < 0)
                return r;
        memcpy(s->value, value, size);
        s->value[size] = 0;
        s->size = size;
        return 0;
}

int secret_read_file(const char *path, Secret *ret, char **reterr_message) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int r = -errno;
                *reterr_message = strdup_printf("%s: cannot open the secret file: %s", path, strerror(-r));
                return r;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                *reterr_message = strdup_printf("%s: cannot stat the secret file: %s", path, strerror(-r));
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                *reterr_message = strdup_printf("%s: the secret file is not a regular file", path);
                return -EBADMSG;
        }
        if (st.st_mode & 0077) {
                *reterr_message = strdup_printf("%s: the secret file may be read or written by others (mode %04o); "
                                             "it is refused: chmod 600 it (or use a systemd credential)",
                                             path, (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        if (st.st_size > (off_t) LIMIT_SECRET_FILE_BYTES) {
                *reterr_message = strdup_printf("%s: the secret file is larger than %u bytes", path,
                                             LIMIT_SECRET_FILE_BYTES);
                return -EFBIG;
        }
        /* Read into DONTDUMP memory straight away: no copy of the secret in ordinary heap. */
        size_t cap = LIMIT_SECRET_FILE_BYTES + 1, n = 0;
        Secret buf = {};
        int r = secret_alloc(&buf, cap);
        if (r < 0) {
                *reterr_message = strdup_printf("%s: cannot allocate memory for the secret", path);
                return r;
        }
        for (;;) {
                ssize_t k = read(fd, buf.value + n, cap - 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        secret_done(&buf);
                        *reterr_message = strdup_printf("%s: cannot read the secret file: %s", path, strerror(-r));
                        return r;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n >= cap - 1) {
                        secret_done(&buf);
                        *reterr_message = strdup_printf("%s: the secret file is larger than %u bytes", path,
                                                     LIMIT_SECRET_FILE_BYTES);
                        return -EFBIG;
                }
        }
        size_t start = 0, end = n;
        while (start < end && strchr(" \t\r\n", buf.value[start]))
                start++;
        while (end > start && strchr(" \t\r\n", buf.value[end - 1]))
                end--;
        if (end == start) {
                secret_done(&buf);
                *reterr_message = strdup_printf("%s: the secret file is empty", path);
                return -ENODATA;
        }
        if (memchr(buf.value + start, 0, end - start) || memchr(buf.value + start, '\n', end - start) ||
            memchr(buf.value + start, '\r', end - start)) {
                secret_done(&buf);
                *reterr_message = strdup_printf("%s: the secret file holds more than one line", path);
                return -EBADMSG;
        }
        memmove(buf.value, buf.value + start, end - start);
        explicit_bzero(buf.value + (end - start), buf.mapped - (end - start));
        buf.size = end - start;
        *ret = buf;
        return 0;
}

char *secret_scrub(const char *text, const Secret *const *secrets, size_t n_secrets) {
        if (!text)
                return NULL;
        char *out = strdup(text);
        for (size_t i = 0; out && i < n_secrets; i++) {
                const Secret *s = secrets[i];
                if (!s || !s->value || s->size == 0)
                        continue;
                for (;;) {
                        char *hit = strstr(out, s->value);
                        if (!hit)
                                break;
                        char *next = strdup_printf("%.*s[secret]%s", (int) (hit - out), out, hit + s->size);
                        explicit_bzero(out, strlen(out));
                        free(out);
                        out = next;
                        if (!out)
                                break;
                }
        }
        return out;
}

void secret_protect_process(void) {
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
