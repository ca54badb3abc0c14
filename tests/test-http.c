/* SPDX-License-Identifier: MIT */
#include "http.h"
#include "limits.h"
#include "test.h"

TEST(test_backoff) {
        /* The second try waits about the first pause, later ones double it, never past the cap. */
        CHECK_INT(http_backoff_usec(2, UINT32_MAX, 0), LIMIT_HTTP_BACKOFF_FIRST_USEC);
        CHECK_INT(http_backoff_usec(2, 0, 0), LIMIT_HTTP_BACKOFF_FIRST_USEC / 2);
        CHECK_INT(http_backoff_usec(3, UINT32_MAX, 0), 2 * LIMIT_HTTP_BACKOFF_FIRST_USEC);
        CHECK_INT(http_backoff_usec(4, UINT32_MAX, 0), 4 * LIMIT_HTTP_BACKOFF_FIRST_USEC);
        CHECK_INT(http_backoff_usec(40, UINT32_MAX, 0), LIMIT_HTTP_BACKOFF_MAX_USEC);
        /* Jitter stays in the upper half. */
        for (uint32_t rnd = 0; rnd < 10; rnd++) {
                uint64_t p = http_backoff_usec(3, rnd * 400000000u, 0);
                CHECK(p >= LIMIT_HTTP_BACKOFF_FIRST_USEC && p <= 2 * LIMIT_HTTP_BACKOFF_FIRST_USEC);
        }
        /* Retry-After lengthens the pause, within its own cap. */
        CHECK_INT(http_backoff_usec(2, 0, 7000000), 7000000);
        CHECK_INT(http_backoff_usec(2, 0, 3600ull * 1000000), LIMIT_HTTP_RETRY_AFTER_USEC);
}

TEST(test_transient) {
        CHECK(http_status_is_transient(502));
        CHECK(http_status_is_transient(503));
        CHECK(http_status_is_transient(504));
        CHECK(http_status_is_transient(429));
        CHECK(!http_status_is_transient(400));
        CHECK(!http_status_is_transient(401));
        CHECK(!http_status_is_transient(404));
        CHECK(!http_status_is_transient(500));
        CHECK(!http_status_is_transient(200));
}

TEST(test_origin) {
        const char *base = "https://directory.bbmri-eric.eu";
        CHECK(http_same_origin(base, "https://directory.bbmri-eric.eu/ERIC/api/csv/Biobanks"));
        CHECK(http_same_origin(base, "https://DIRECTORY.bbmri-eric.eu:443/x"));
        CHECK(!http_same_origin(base, "https://directory.bbmri-eric.eu.evil.example/x"));
        CHECK(!http_same_origin(base, "http://directory.bbmri-eric.eu/x"));
        CHECK(!http_same_origin(base, "https://directory.bbmri-eric.eu:8443/x"));
        CHECK(!http_same_origin(base, "not a url"));
        CHECK(http_url_is_loopback("http://127.0.0.1:8080"));
        CHECK(http_url_is_loopback("http://[::1]:8080/prefix"));
        CHECK(http_url_is_loopback("http://localhost"));
        CHECK(!http_url_is_loopback("http://127.0.0.1.example.org"));
        CHECK(!http_url_is_loopback("http://10.0.0.1"));
}

TEST(test_escape) {
        _cleanup_free_ char *e = http_escape("{\"national_node\":{\"id\":{\"equals\":\"BE\"}}}");
        CHECK_STR(e, "%7B%22national_node%22%3A%7B%22id%22%3A%7B%22equals%22%3A%22BE%22%7D%7D%7D");
        _cleanup_free_ char *plain = http_escape("BBMRI-BE");
        CHECK_STR(plain, "BBMRI-BE");
}

TEST(test_client_refuses) {
        HttpClient *c = NULL;
        /* Plain http only to a loopback address; other schemes never. */
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = "http://directory.bbmri-eric.eu" }, &c), -EINVAL);
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = "ftp://127.0.0.1" }, &c), -EINVAL);
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = "file:///tmp" }, &c), -EINVAL);
        CHECK(c == NULL);
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = "http://127.0.0.1:1/" }, &c), 0);
        c = http_client_free(c);
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = "https://directory.bbmri-eric.eu" }, &c), 0);
        http_client_free(c);
}

TEST(test_unreachable) {
        /* Port 1 on loopback: nothing listens; the failure is "unreachable" after the tries. */
        HttpClient *c = NULL;
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = "http://127.0.0.1:1", .timeout_usec = 2000000,
                                                   .max_attempts = 2 },
                                  &c),
                  0);
        HttpRequest rq = { .method = "GET", .path = "/ERIC/api/csv/Biobanks", .token = "secret-token-value" };
        HttpResponse resp = {};
        char *message = NULL;
        CHECK_INT(http_send(c, &rq, &resp, &message), -EHOSTUNREACH);
        CHECK_CONTAINS(message, "GET http://127.0.0.1:1/ERIC/api/csv/Biobanks");
        CHECK_CONTAINS(message, "cannot connect");
        CHECK(!strstr(message, "secret-token-value"));
        free(message);
        http_client_free(c);
}

TEST(test_deadline) {
        /* A deadline already past: no try is made. */
        HttpClient *c = NULL;
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = "http://127.0.0.1:1", .deadline_usec = 1 }, &c), 0);
        HttpRequest rq = { .method = "GET", .path = "/x" };
        HttpResponse resp = {};
        char *message = NULL;
        CHECK_INT(http_send(c, &rq, &resp, &message), -ETIME);
        CHECK_CONTAINS(message, "run_timeout");
        free(message);
        CHECK_INT(http_pause(c, 1000), -ETIME);
        http_client_free(c);
}

TEST_MAIN(RUN(test_backoff); RUN(test_transient); RUN(test_origin); RUN(test_escape); RUN(test_client_refuses);
          RUN(test_unreachable); RUN(test_deadline))
