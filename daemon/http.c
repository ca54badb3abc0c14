/* SPDX-License-Identifier: MIT */
#include <curl/curl.h>
#include <sys/random.h>
#include <time.h>

#include "http.h"
#include "limits.h"

struct HttpClient {
        CURL *curl;                  /* one handle: its connection cache keeps the connection alive */
        char *base_url;              /* without a trailing '/' */
        char *ca_file;
        char *user_agent;
        uint64_t timeout_usec, deadline_usec;
        size_t max_response_bytes;
        unsigned max_attempts;
        bool allow_http;             /* plain http: only to a loopback address */
};

void http_response_done(HttpResponse *r) {
        r->body = mfree(r->body);
        r->content_type = mfree(r->content_type);
        r->size = 0;
}

static void curl_url_cleanupp(CURLU **u) {
        if (*u)
                curl_url_cleanup(*u);
}

static void curl_freep(char **p) {
        if (*p)
                curl_free(*p);
}

static void curl_slist_free_allp(struct curl_slist **l) {
        if (*l)
                curl_slist_free_all(*l);
}

static void curl_mime_freep(curl_mime **m) {
        if (*m)
                curl_mime_free(*m);
}

/* Scheme, host and port of an absolute URL; -EINVAL when it is none. */
static int url_origin(const char *url, char **ret_scheme, char **ret_host, char **ret_port) {
        _cleanup_(curl_url_cleanupp) CURLU *u = curl_url();
        if (!u)
                return -ENOMEM;
        if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
                return -EINVAL;
        char *scheme = NULL, *host = NULL, *port = NULL;
        if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
                curl_free(scheme);
                curl_free(host);
                curl_free(port);
                return -EINVAL;
        }
        *ret_scheme = scheme;
        *ret_host = host;
        *ret_port = port;
        return 0;
}

bool http_same_origin(const char *base, const char *url) {
        _cleanup_(curl_freep) char *s1 = NULL, *h1 = NULL, *p1 = NULL;
        _cleanup_(curl_freep) char *s2 = NULL, *h2 = NULL, *p2 = NULL;
        if (url_origin(base, &s1, &h1, &p1) < 0 || url_origin(url, &s2, &h2, &p2) < 0)
                return false;
        return strcaseeq(s1, s2) && strcaseeq(h1, h2) && streq(p1, p2);
}

bool http_url_is_loopback(const char *url) {
        _cleanup_(curl_freep) char *scheme = NULL, *host = NULL, *port = NULL;
        if (url_origin(url, &scheme, &host, &port) < 0)
                return false;
        return streq(host, "127.0.0.1") || streq(host, "[::1]") || strcaseeq(host, "localhost");
}

char *http_escape(const char *s) {
        /* The handle argument of curl_easy_escape() is unused since curl 7.82. */
        _cleanup_(curl_freep) char *e = curl_easy_escape(NULL, s, 0);
        return e ? strdup(e) : NULL;
}

bool http_status_is_transient(long status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
}

uint64_t http_backoff_usec(unsigned attempt, uint32_t random, uint64_t retry_after_usec) {
        uint64_t pause = LIMIT_HTTP_BACKOFF_FIRST_USEC;
        for (unsigned i = 2; i < attempt && pause < LIMIT_HTTP_BACKOFF_MAX_USEC; i++)
                pause *= 2;
        if (pause > LIMIT_HTTP_BACKOFF_MAX_USEC)
                pause = LIMIT_HTTP_BACKOFF_MAX_USEC;
        /* Jitter: somewhere in the upper half, so that many clients do not retry in step. */
        pause = pause / 2 + (pause / 2) * (uint64_t) random / UINT32_MAX;
        if (retry_after_usec > LIMIT_HTTP_RETRY_AFTER_USEC)
                retry_after_usec = LIMIT_HTTP_RETRY_AFTER_USEC;
        return retry_after_usec > pause ? retry_after_usec : pause;
}

int http_client_new(const HttpOptions *o, HttpClient **ret) {
        _cleanup_(curl_freep) char *scheme = NULL, *host = NULL, *port = NULL;
        if (!o->base_url || url_origin(o->base_url, &scheme, &host, &port) < 0)
                return -EINVAL;
        bool https = strcaseeq(scheme, "https");
        if (!https && !(strcaseeq(scheme, "http") && http_url_is_loopback(o->base_url)))
                return -EINVAL;
        _cleanup_(http_client_freep) HttpClient *c = calloc(1, sizeof(HttpClient));
        if (!c)
                return -ENOMEM;
        c->base_url = strdup(o->base_url);
        c->user_agent = strdup(o->user_agent ?: "bbmri-dirsync");
        if (!c->base_url || !c->user_agent || (o->ca_file && !(c->ca_file = strdup(o->ca_file))))
                return -ENOMEM;
        size_t n = strlen(c->base_url);
        while (n > 0 && c->base_url[n - 1] == '/')
                c->base_url[--n] = 0;
        c->allow_http = !https;
        c->timeout_usec = o->timeout_usec ?: 60ull * 1000 * 1000;
        c->deadline_usec = o->deadline_usec;
        c->max_response_bytes = o->max_response_bytes ?: LIMIT_HTTP_RESPONSE_BYTES;
        c->max_attempts = o->max_attempts ?: LIMIT_HTTP_ATTEMPTS;
        c->curl = curl_easy_init();
        if (!c->curl)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

HttpClient *http_client_free(HttpClient *c) {
        if (!c)
                return NULL;
        if (c->curl)
                curl_easy_cleanup(c->curl);
        free(c->base_url);
        free(c->ca_file);
        free(c->user_agent);
        free(c);
        return NULL;
}

int http_pause(HttpClient *c, uint64_t usec) {
        uint64_t now = now_usec_monotonic();
        bool cut = false;
        if (c->deadline_usec > 0 && now + usec > c->deadline_usec) {
                usec = c->deadline_usec > now ? c->deadline_usec - now : 0;
                cut = true;
        }
        struct timespec ts = { .tv_sec = (time_t) (usec / 1000000), .tv_nsec = (long) (usec % 1000000) * 1000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        return cut ? -ETIME : 0;
}

static uint32_t random_u32(void) {
        uint32_t v;
        if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t) sizeof v)
                return v;
        return (uint32_t) now_usec_monotonic();
}

/* The body of one attempt, capped while it arrives. */
typedef struct Transfer {
        ByteBuffer body;
        size_t cap;
        bool too_big;
} Transfer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;
        if (n > t->cap - t->body.size) {
                t->too_big = true;
                return 0; /* aborts the transfer */
        }
        return byte_buffer_append(&t->body, ptr, n) < 0 ? 0 : n;
}

typedef enum Outcome {
        OUTCOME_RESPONSE,            /* a status arrived (maybe transient: see the status) */
        OUTCOME_RETRY,               /* transport failure worth another try */
        OUTCOME_FAIL,                /* transport failure not worth another try */
} Outcome;

/* Maps a failed transfer to an errno and a reason, and whether another try may help. */
static Outcome classify(CURL *curl, CURLcode code, const Transfer *t, const char *errbuf, int *ret_errno,
                        char **ret_reason) {
        const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(code);
        curl_off_t connect_usec = 0;
        (void) curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_usec);
        Outcome o = OUTCOME_RETRY;
        switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
                *ret_errno = -EHOSTUNREACH;
                *ret_reason = strdup_printf("cannot connect: %s", detail);
                break;
        case CURLE_OPERATION_TIMEDOUT:
                *ret_errno = connect_usec > 0 ? -ETIMEDOUT : -EHOSTUNREACH;
                *ret_reason = strdup_printf("%s: %s", connect_usec > 0 ? "timed out" : "cannot connect", detail);
                break;
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                *ret_errno = -ECONNRESET;
                *ret_reason = strdup_printf("the connection was cut off: %s", detail);
                break;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_INVALIDCERTSTATUS:
                *ret_errno = -EPROTO;
                *ret_reason = strdup_printf("TLS failed: %s (the server's certificate is checked against the "
                                            "system's CAs and directory.ca_file)", detail);
                o = OUTCOME_FAIL;
                break;
        case CURLE_WRITE_ERROR:
        case CURLE_FILESIZE_EXCEEDED:
                if (code == CURLE_FILESIZE_EXCEEDED || t->too_big) {
                        *ret_errno = -EFBIG;
                        *ret_reason = strdup_printf("the response is larger than %zu bytes", t->cap);
                } else {
                        *ret_errno = -ENOMEM;
                        *ret_reason = strdup("out of memory while receiving");
                }
                o = OUTCOME_FAIL;
                break;
        case CURLE_OUT_OF_MEMORY:
                *ret_errno = -ENOMEM;
                *ret_reason = strdup("out of memory");
                o = OUTCOME_FAIL;
                break;
        default:
                *ret_errno = -EIO;
                *ret_reason = strdup_printf("%s", detail);
                o = OUTCOME_FAIL;
                break;
        }
        return o;
}

static int set_common(HttpClient *c, const char *url, uint64_t timeout_usec, Transfer *t, char *errbuf) {
        CURL *h = c->curl;
        curl_easy_reset(h);
        uint64_t connect = timeout_usec < LIMIT_HTTP_CONNECT_USEC ? timeout_usec : LIMIT_HTTP_CONNECT_USEC;
        if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->allow_http ? "http,https" : "https") != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
            (c->ca_file && curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file) != CURLE_OK) ||
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long) (connect / 1000 ?: 1)) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long) (timeout_usec / 1000 ?: 1)) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long) LIMIT_HTTP_LOW_SPEED_BYTES) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long) LIMIT_HTTP_LOW_SPEED_SECONDS) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) t->cap) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_WRITEDATA, t) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK)
                return -EIO;
        /* The system's CAs stay in use beside directory.ca_file: CURLOPT_CAINFO replaces only the
         * bundle file, the compiled-in CA path (/etc/ssl/certs on Debian) is still searched. */
        return 0;
}

/* One attempt: the request (or a redirect of it) to url. */
static int attempt_once(HttpClient *c, const char *url, const char *method, const HttpRequest *rq,
                        uint64_t timeout_usec, Transfer *t, char *errbuf, CURLcode *ret_code) {
        CURL *h = c->curl;
        int r = set_common(c, url, timeout_usec, t, errbuf);
        if (r < 0)
                return r;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_(curl_mime_freep) curl_mime *mime = NULL;
        /* No "Expect: 100-continue" round trip before a body. */
        headers = curl_slist_append(headers, "Expect:");
        if (!headers)
                return -ENOMEM;
        if (rq->token) {
                /* The header line lives in libcurl's memory for this attempt only. */
                _cleanup_free_ char *line = strdup_printf("x-molgenis-token: %s", rq->token);
                struct curl_slist *l = line ? curl_slist_append(headers, line) : NULL;
                if (line)
                        explicit_bzero(line, strlen(line));
                if (!l)
                        return -ENOMEM;
                headers = l;
        }
        bool get = streq(method, "GET");
        if (!get && rq->content_type && !rq->part) {
                _cleanup_free_ char *line = strdup_printf("Content-Type: %s", rq->content_type);
                struct curl_slist *l = line ? curl_slist_append(headers, line) : NULL;
                if (!l)
                        return -ENOMEM;
                headers = l;
        }
        if (curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers) != CURLE_OK)
                return -EIO;
        if (get) {
                if (curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK)
                        return -EIO;
        } else if (rq->part) {
                mime = curl_mime_init(h);
                curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
                if (!part || curl_mime_name(part, rq->part->name) != CURLE_OK ||
                    curl_mime_filename(part, rq->part->filename) != CURLE_OK ||
                    (rq->part->content_type && curl_mime_type(part, rq->part->content_type) != CURLE_OK) ||
                    curl_mime_data(part, rq->part->data, rq->part->size) != CURLE_OK ||
                    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime) != CURLE_OK)
                        return -ENOMEM;
        } else {
                if (curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) rq->body_size) != CURLE_OK ||
                    curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ?: "") != CURLE_OK)
                        return -EIO;
        }
        if (!streq(method, "GET") && !streq(method, "POST") &&
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK)
                return -EIO;
        *ret_code = curl_easy_perform(h);
        /* Options pointing at this attempt's header list and form go with them. */
        (void) curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        (void) curl_easy_setopt(h, CURLOPT_MIMEPOST, NULL);
        return 0;
}

static bool status_is_redirect(long status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int http_send(HttpClient *c, const HttpRequest *rq, HttpResponse *ret, char **reterr_message) {
        _cleanup_free_ char *url = strdup_printf("%s%s%s%s", c->base_url, rq->path, rq->query ? "?" : "",
                                                 rq->query ?: "");
        if (!url)
                return -ENOMEM;
        /* What messages call the request: method and URL (which never carry a secret). */
        _cleanup_free_ char *what = strdup_printf("%s %s", rq->method, url);
        if (!what)
                return -ENOMEM;
        const char *method = rq->method;
        int last_errno = 0;
        _cleanup_free_ char *last_reason = NULL;
        unsigned redirects = 0;
        for (unsigned attempt = 1; attempt <= c->max_attempts; attempt++) {
                uint64_t now = now_usec_monotonic(), timeout = c->timeout_usec;
                if (c->deadline_usec > 0) {
                        if (now >= c->deadline_usec) {
                                *reterr_message = strdup_printf("%s: the run's time limit (directory.run_timeout) was reached%s%s",
                                                             what, last_reason ? "; last try: " : "", last_reason ?: "");
                                return -ETIME;
                        }
                        if (c->deadline_usec - now < timeout)
                                timeout = c->deadline_usec - now;
                }
                Transfer t = { .cap = c->max_response_bytes };
                char errbuf[CURL_ERROR_SIZE] = "";
                CURLcode code = CURLE_OK;
                int r = attempt_once(c, url, method, rq, timeout, &t, errbuf, &code);
                if (r < 0) {
                        free(t.body.data);
                        *reterr_message = strdup_printf("%s: cannot set up the request", what);
                        return r;
                }
                long status = 0;
                curl_off_t retry_after = 0;
                if (code == CURLE_OK) {
                        (void) curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
                        (void) curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &retry_after);
                        if (status_is_redirect(status)) {
                                char *location = NULL;
                                (void) curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &location);
                                free(t.body.data);
                                if (!location) {
                                        *reterr_message = strdup_printf("%s: HTTP %ld without a Location", what, status);
                                        return -EIO;
                                }
                                if (!http_same_origin(c->base_url, location)) {
                                        *reterr_message = strdup_printf("%s: redirected to %s, which leaves %s; not followed",
                                                                     what, location, c->base_url);
                                        return -ELOOP;
                                }
                                if (++redirects > LIMIT_HTTP_REDIRECTS) {
                                        *reterr_message = strdup_printf("%s: more than %u redirects", what,
                                                                     LIMIT_HTTP_REDIRECTS);
                                        return -ELOOP;
                                }
                                char *next = strdup(location);
                                if (!next)
                                        return -ENOMEM;
                                free(url);
                                url = next;
                                if (status == 301 || status == 302 || status == 303)
                                        method = "GET";
                                attempt--; /* a redirect is not a failed try */
                                continue;
                        }
                        if (!http_status_is_transient(status)) {
                                char *type = NULL;
                                (void) curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &type);
                                *ret = (HttpResponse) {
                                        .status = status,
                                        .body = t.body.data ?: strdup(""),
                                        .size = t.body.size,
                                        .content_type = type ? strdup(type) : NULL,
                                        .attempts = attempt,
                                };
                                if (!ret->body) {
                                        http_response_done(ret);
                                        return -ENOMEM;
                                }
                                return 0;
                        }
                        free(t.body.data);
                        free(last_reason);
                        last_reason = strdup_printf("HTTP %ld", status);
                        last_errno = -EAGAIN;
                } else {
                        free(t.body.data);
                        free(last_reason);
                        last_reason = NULL;
                        Outcome o = classify(c->curl, code, &t, errbuf, &last_errno, &last_reason);
                        if (o == OUTCOME_FAIL) {
                                *reterr_message = strdup_printf("%s: %s", what, last_reason ?: "failed");
                                return last_errno;
                        }
                }
                if (attempt == c->max_attempts)
                        break;
                uint64_t pause = http_backoff_usec(attempt + 1, random_u32(),
                                                   retry_after > 0 ? (uint64_t) retry_after * 1000000 : 0);
                if (http_pause(c, pause) < 0) {
                        *reterr_message = strdup_printf("%s: the run's time limit (directory.run_timeout) was reached "
                                                     "after %u tr%s; last: %s",
                                                     what, attempt, attempt == 1 ? "y" : "ies", last_reason ?: "?");
                        return -ETIME;
                }
        }
        *reterr_message = strdup_printf("%s: %s, still after %u tries", what, last_reason ?: "failed", c->max_attempts);
        return last_errno ?: -EIO;
}
