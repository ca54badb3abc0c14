/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "secret.h"
#include "test.h"

static char dir[] = "/tmp/bbmri-secret-XXXXXX";

static char *write_secret(const char *name, const char *content, mode_t mode) {
        char *path = path_join(dir, name);
        CHECK_INT(write_file_atomic(path, content, strlen(content), 0600), 0);
        CHECK_INT(chmod(path, mode), 0);
        return path;
}

TEST(test_read) {
        _cleanup_free_ char *path = write_secret("token", "  abc-123-token\n", 0600);
        Secret s = {};
        char *message = NULL;
        CHECK_INT(secret_read_file(path, &s, &message), 0);
        CHECK_STR(s.value, "abc-123-token");
        CHECK_INT(s.size, 13);
        CHECK(message == NULL);
        secret_done(&s);
        CHECK(s.value == NULL);
        _cleanup_free_ char *ro = write_secret("ro", "x\n", 0400);
        CHECK_INT(secret_read_file(ro, &s, &message), 0);
        secret_done(&s);
}

TEST(test_refused) {
        static const struct {
                const char *name, *content;
                mode_t mode;
                int error;
                const char *says;
        } cases[] = {
                { "world", "tok", 0644, -EPERM, "chmod 600" },
                { "group", "tok", 0640, -EPERM, "mode 0640" },
                { "empty", " \n", 0600, -ENODATA, "empty" },
                { "lines", "tok\nmore\n", 0600, -EBADMSG, "more than one line" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = write_secret(cases[i].name, cases[i].content, cases[i].mode);
                Secret s = {};
                char *message = NULL;
                CHECK_INT(secret_read_file(path, &s, &message), cases[i].error);
                CHECK_CONTAINS(message, cases[i].says);
                CHECK_CONTAINS(message, path);
                /* The message never holds the content. */
                CHECK(!strstr(message, "tok"));
                CHECK(s.value == NULL);
                free(message);
        }
        Secret s = {};
        char *message = NULL;
        CHECK_INT(secret_read_file("/nonexistent/token", &s, &message), -ENOENT);
        CHECK_CONTAINS(message, "/nonexistent/token");
        free(message);
}

TEST(test_scrub) {
        Secret a = {}, b = {};
        CHECK_INT(secret_set(&a, "s3cr3t", 6), 0);
        CHECK_INT(secret_set(&b, "pw", 2), 0);
        const Secret *list[] = { &a, &b, NULL };
        _cleanup_free_ char *t = secret_scrub("token s3cr3t and s3cr3t, password pw.", list, 3);
        CHECK_STR(t, "token [secret] and [secret], password [secret].");
        _cleanup_free_ char *u = secret_scrub("nothing here", list, 3);
        CHECK_STR(u, "nothing here");
        CHECK(secret_scrub(NULL, list, 3) == NULL);
        secret_done(&a);
        secret_done(&b);
}

TEST_MAIN(CHECK(mkdtemp(dir) != NULL); RUN(test_read); RUN(test_refused); RUN(test_scrub); (void) rm_rf(dir))
