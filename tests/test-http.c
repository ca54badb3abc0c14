/* SPDX-License-Identifier: MIT */
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

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

/* A scripted server on 127.0.0.1: answers connection k with answers[k] and closes it (answers
 * NULL: with 200 and the request's path as the body). Returns the port; the child is reaped by
 * stop_server(). */
static pid_t server_pid;

static void echo_path(const char *request, char *answer, size_t size) {
        const char *path = strchr(request, ' ');
        size_t len = path ? strcspn(path + 1, " ") : 0;
        snprintf(answer, size, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%.*s", len,
                 (int) len, path ? path + 1 : "");
}

static unsigned start_server(const char *const *answers, size_t n) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof a;
        CHECK(fd >= 0 && bind(fd, (struct sockaddr *) &a, sizeof a) == 0 && listen(fd, 8) == 0 &&
              getsockname(fd, (struct sockaddr *) &a, &len) == 0);
        server_pid = fork();
        if (server_pid == 0) {
                for (size_t k = 0; k < n; k++) {
                        int c = accept(fd, NULL, NULL);
                        if (c < 0)
                                _exit(1);
                        char buf[8192] = "", echo[512];
                        /* Read the request head (and whatever body came with it). */
                        (void) read(c, buf, sizeof buf - 1);
                        if (!answers)
                                echo_path(buf, echo, sizeof echo);
                        const char *answer = answers ? answers[k] : echo;
                        size_t left = strlen(answer);
                        for (const char *p = answer; left > 0;) {
                                ssize_t w = write(c, p, left);
                                if (w <= 0)
                                        break;
                                p += w;
                                left -= (size_t) w;
                        }
                        close(c);
                }
                _exit(0);
        }
        close(fd);
        return ntohs(a.sin_port);
}

static void stop_server(void) {
        int status = 0;
        kill(server_pid, SIGTERM);
        waitpid(server_pid, &status, 0);
}

static HttpClient *client_for(unsigned port, size_t max_response) {
        _cleanup_free_ char *url = strdup_printf("http://127.0.0.1:%u", port);
        HttpClient *c = NULL;
        CHECK_INT(http_client_new(&(HttpOptions) { .base_url = url, .timeout_usec = 5000000,
                                                   .max_response_bytes = max_response, .max_attempts = 3 },
                                  &c),
                  0);
        return c;
}

TEST(test_retry_transient_status) {
        /* 503 (with Retry-After: 0), then 502, then the answer: three tries, one response. */
        static const char *const answers[] = {
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Type: text/html\r\nContent-Length: 13\r\n"
                "Connection: close\r\n\r\n<html></html>",
                "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 8\r\nConnection: close\r\n\r\nid\nx\ny\nz",
        };
        HttpClient *c = client_for(start_server(answers, 3), 0);
        HttpResponse resp = {};
        char *message = NULL;
        CHECK_INT(http_send(c, &(HttpRequest) { .method = "GET", .path = "/x" }, &resp, &message), 0);
        CHECK_INT(resp.status, 200);
        CHECK_INT(resp.attempts, 3);
        CHECK_STR(resp.body, "id\nx\ny\nz");
        CHECK_STR(resp.content_type, "text/csv");
        http_response_done(&resp);
        free(message);
        http_client_free(c);
        stop_server();
}

TEST(test_no_retry_on_400) {
        static const char *const answers[] = {
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 44\r\n"
                "Connection: close\r\n\r\n{\"errors\":[{\"message\":\"permission denied\"}]}",
        };
        HttpClient *c = client_for(start_server(answers, 1), 0);
        HttpResponse resp = {};
        char *message = NULL;
        CHECK_INT(http_send(c, &(HttpRequest) { .method = "POST", .path = "/x", .body = "a", .body_size = 1 }, &resp,
                            &message),
                  0);
        CHECK_INT(resp.status, 400);
        CHECK_INT(resp.attempts, 1);
        CHECK_CONTAINS(resp.body, "permission denied");
        http_response_done(&resp);
        http_client_free(c);
        stop_server();
}

TEST(test_response_cap) {
        /* The cap is enforced while the body arrives: a Content-Length over it, and a body without one. */
        _cleanup_free_ char *big = malloc(20001);
        memset(big, 'x', 20000);
        big[20000] = 0;
        _cleanup_free_ char *with_length = strdup_printf("HTTP/1.1 200 OK\r\nContent-Length: 20000\r\nConnection: close\r\n\r\n%s", big);
        _cleanup_free_ char *without = strdup_printf("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n%s", big);
        const char *const answers[] = { with_length, without };
        HttpClient *c = client_for(start_server(answers, 2), 1000);
        for (int i = 0; i < 2; i++) {
                HttpResponse resp = {};
                char *message = NULL;
                CHECK_INT(http_send(c, &(HttpRequest) { .method = "GET", .path = "/big" }, &resp, &message), -EFBIG);
                CHECK_CONTAINS(message, "larger than 1000 bytes");
                free(message);
        }
        http_client_free(c);
        stop_server();
}

TEST(test_redirects) {
        /* Same origin: followed. Another host: refused, the token never goes there. */
        char *answers[3];
        answers[0] = strdup("HTTP/1.1 302 Found\r\nLocation: /moved\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        answers[1] = strdup("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        answers[2] = strdup("HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.2:9/steal\r\nContent-Length: 0\r\n"
                            "Connection: close\r\n\r\n");
        HttpClient *c = client_for(start_server((const char *const *) answers, 3), 0);
        HttpResponse resp = {};
        char *message = NULL;
        CHECK_INT(http_send(c, &(HttpRequest) { .method = "GET", .path = "/a", .token = "tok" }, &resp, &message), 0);
        CHECK_STR(resp.body, "ok");
        http_response_done(&resp);
        CHECK_INT(http_send(c, &(HttpRequest) { .method = "GET", .path = "/b", .token = "tok" }, &resp, &message),
                  -ELOOP);
        CHECK_CONTAINS(message, "not followed");
        CHECK(!strstr(message, "tok\""));
        free(message);
        http_client_free(c);
        stop_server();
        for (size_t i = 0; i < ELEMENTSOF(answers); i++)
                free(answers[i]);
}

typedef struct Seen {
        size_t n_attempts, n_done;
        bool done[8];
} Seen;

static void on_attempt(const HttpAttempt *a, void *userdata) {
        Seen *seen = userdata;
        seen->n_attempts++;
        CHECK_INT(a->status, 200);
        CHECK(a->path[0] == '/' && !strchr(a->path, '?'));
}

static void on_done(size_t index, void *userdata) {
        Seen *seen = userdata;
        CHECK(index < ELEMENTSOF(seen->done) && !seen->done[index]);
        seen->done[index] = true;
        seen->n_done++;
}

TEST(test_batch) {
        /* Six requests at once, each answered on a connection of its own: every exchange gets its
         * own answer, each ends once, each attempt is observed without its query. */
        HttpClient *c = client_for(start_server(NULL, 6), 0);
        Seen seen = {};
        http_client_set_observer(c, on_attempt, &seen);
        static const char *const paths[] = { "/a", "/b", "/c", "/d", "/e", "/f" };
        HttpRequest rq[6];
        HttpExchange x[6];
        for (size_t i = 0; i < 6; i++) {
                rq[i] = (HttpRequest) { .method = "GET", .path = paths[i], .query = "filter=secret" };
                x[i] = (HttpExchange) { .request = &rq[i] };
        }
        CHECK_INT(http_send_many(c, x, 6, &(HttpBatchOptions) { .on_done = on_done, .userdata = &seen }), 0);
        for (size_t i = 0; i < 6; i++) {
                _cleanup_free_ char *want = strdup_printf("%s?filter=secret", paths[i]);
                CHECK_INT(x[i].error, 0);
                CHECK_STR(x[i].response.body, want);
                http_response_done(&x[i].response);
        }
        CHECK_INT(seen.n_attempts, 6);
        CHECK_INT(seen.n_done, 6);
        /* Cancelled before it starts: nothing is sent, every exchange says so. */
        atomic_bool cancel;
        atomic_init(&cancel, true);
        CHECK_INT(http_send_many(c, x, 2, &(HttpBatchOptions) { .cancel = &cancel }), 0);
        for (size_t i = 0; i < 2; i++) {
                CHECK_INT(x[i].error, -ECANCELED);
                free(x[i].message);
        }
        http_client_free(c);
        stop_server();
}

TEST_MAIN(RUN(test_batch); RUN(test_retry_transient_status); RUN(test_no_retry_on_400); RUN(test_response_cap); RUN(test_redirects);
          RUN(test_backoff); RUN(test_transient); RUN(test_origin); RUN(test_escape); RUN(test_client_refuses);
          RUN(test_unreachable); RUN(test_deadline))
