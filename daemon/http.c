/* SPDX-License-Identifier: MIT */
#include <curl/curl.h>
#include <sys/random.h>
#include <time.h>

#include "http.h"
#include "limits.h"

struct HttpClient {
        CURLM *multi;                /* its connection cache keeps the connections alive between batches */
        char *base_url;              /* without a trailing '/' */
        char *ca_file;
        char *user_agent;
        uint64_t timeout_usec, deadline_usec;
        size_t max_response_bytes;
        unsigned max_attempts;
        bool allow_http;             /* plain http: only to a loopback address */
        HttpObserver observe;
        void *observe_userdata;
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
        c->multi = curl_multi_init();
        if (!c->multi)
                return -ENOMEM;
        /* A handful of connections, kept between batches; over HTTP/2 the requests share one. */
        if (curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) LIMIT_HTTP_CONNECTIONS) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) LIMIT_HTTP_CONNECTIONS) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long) LIMIT_HTTP_CONNECTIONS) != CURLM_OK ||
            curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX) != CURLM_OK)
                return -EIO;
        *ret = TAKE_PTR(c);
        return 0;
}

HttpClient *http_client_free(HttpClient *c) {
        if (!c)
                return NULL;
        if (c->multi)
                curl_multi_cleanup(c->multi);
        free(c->base_url);
        free(c->ca_file);
        free(c->user_agent);
        free(c);
        return NULL;
}

void http_client_set_observer(HttpClient *c, HttpObserver observe, void *userdata) {
        c->observe = observe;
        c->observe_userdata = userdata;
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

/* The body of one attempt, capped while it arrives: by the response cap, and by what the batch may
 * still hold in all (answers of a batch are held until their reader takes them). */
typedef struct Transfer {
        ByteBuffer body;
        size_t cap;
        size_t *batch_left;
        bool too_big, batch_too_big;
} Transfer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;
        if (n > t->cap - t->body.size) {
                t->too_big = true;
                return 0; /* aborts the transfer */
        }
        if (n > *t->batch_left) {
                t->batch_too_big = true;
                return 0;
        }
        if (byte_buffer_append(&t->body, ptr, n) < 0)
                return 0;
        *t->batch_left -= n;
        return n;
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
                } else if (t->batch_too_big) {
                        *ret_errno = -EFBIG;
                        *ret_reason = strdup_printf("the answers read at once are larger than %zu bytes in all",
                                                    (size_t) LIMIT_HTTP_BATCH_BYTES);
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

static int set_common(HttpClient *c, CURL *h, const char *url, uint64_t timeout_usec, Transfer *t, char *errbuf) {
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
            curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
            /* HTTP/2 where the server offers it (TLS tells), and then one connection for all
             * requests: they wait for the first handshake to know. Plain http is HTTP/1.1. */
            curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_PIPEWAIT, c->allow_http ? 0L : 1L) != CURLE_OK)
                return -EIO;
        /* The system's CAs stay in use beside directory.ca_file: CURLOPT_CAINFO replaces only the
         * bundle file, the compiled-in CA path (/etc/ssl/certs on Debian) is still searched. */
        return 0;
}

static void curl_slist_free_allp(struct curl_slist **l) {
        if (*l)
                curl_slist_free_all(*l);
        *l = NULL;
}

static void curl_mime_freep(curl_mime **m) {
        if (*m)
                curl_mime_free(*m);
        *m = NULL;
}

/* One request of a batch on its way: its attempts, redirects and pauses. */
typedef struct Flight {
        HttpExchange *x;
        size_t index;
        CURL *easy;
        char *url;                   /* of this attempt (a redirect changes it) */
        char *what;                  /* what messages call the request: method and URL, never a secret */
        const char *method;
        unsigned attempt, redirects;
        int last_errno;
        char *last_reason;
        Transfer t;
        char errbuf[CURL_ERROR_SIZE];
        struct curl_slist *headers;  /* this attempt's, with the token: freed when it ends */
        curl_mime *mime;
        uint64_t attempt_start, resume_at;
        bool running, finished;
} Flight;

typedef struct Batch {
        HttpClient *client;
        Flight *flights;
        size_t n, n_left;
        size_t bytes_left;           /* LIMIT_HTTP_BATCH_BYTES less what the answers hold */
        const HttpBatchOptions *options;
} Batch;

static void flight_finish(Batch *b, Flight *fl) {
        fl->finished = true;
        b->n_left--;
        if (b->options && b->options->on_done)
                b->options->on_done(fl->index, b->options->userdata);
}

static void flight_fail(Batch *b, Flight *fl, int error, char *message) {
        fl->x->error = error;
        fl->x->message = message;
        flight_finish(b, fl);
}

/* The path of a URL for people: no scheme, host or query (a query may hold anything). */
static const char *url_path(const char *url, size_t *ret_len) {
        const char *p = strstr(url, "://");
        p = p ? strchr(p + 3, '/') : NULL;
        if (!p) {
                *ret_len = 1;
                return "/";
        }
        *ret_len = strcspn(p, "?#");
        return p;
}

static void observe(HttpClient *c, const Flight *fl, long status, const char *failure, uint64_t usec) {
        if (!c->observe)
                return;
        size_t len = 0;
        const char *p = url_path(fl->url, &len);
        _cleanup_free_ char *path = strndup(p, len);
        HttpAttempt a = {
                .method = fl->method,
                .path = path ?: "?",
                .status = status,
                .failure = failure,
                .attempt = fl->attempt,
                .usec = usec,
                .bytes = fl->t.body.size,
        };
        c->observe(&a, c->observe_userdata);
}

static int attempt_setup(HttpClient *c, Flight *fl, uint64_t timeout_usec) {
        const HttpRequest *rq = fl->x->request;
        CURL *h = fl->easy;
        int r = set_common(c, h, fl->url, timeout_usec, &fl->t, fl->errbuf);
        if (r < 0)
                return r;
        if (curl_easy_setopt(h, CURLOPT_PRIVATE, fl) != CURLE_OK)
                return -EIO;
        /* No "Expect: 100-continue" round trip before a body. */
        fl->headers = curl_slist_append(NULL, "Expect:");
        if (!fl->headers)
                return -ENOMEM;
        if (rq->token) {
                /* The header line lives in libcurl's memory for this attempt only. */
                _cleanup_free_ char *line = strdup_printf("x-molgenis-token: %s", rq->token);
                struct curl_slist *l = line ? curl_slist_append(fl->headers, line) : NULL;
                if (line)
                        explicit_bzero(line, strlen(line));
                if (!l)
                        return -ENOMEM;
                fl->headers = l;
        }
        bool get = streq(fl->method, "GET");
        if (!get && rq->content_type && !rq->part) {
                _cleanup_free_ char *line = strdup_printf("Content-Type: %s", rq->content_type);
                struct curl_slist *l = line ? curl_slist_append(fl->headers, line) : NULL;
                if (!l)
                        return -ENOMEM;
                fl->headers = l;
        }
        if (curl_easy_setopt(h, CURLOPT_HTTPHEADER, fl->headers) != CURLE_OK)
                return -EIO;
        if (get) {
                if (curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK)
                        return -EIO;
        } else if (rq->part) {
                fl->mime = curl_mime_init(h);
                curl_mimepart *part = fl->mime ? curl_mime_addpart(fl->mime) : NULL;
                if (!part || curl_mime_name(part, rq->part->name) != CURLE_OK ||
                    curl_mime_filename(part, rq->part->filename) != CURLE_OK ||
                    (rq->part->content_type && curl_mime_type(part, rq->part->content_type) != CURLE_OK) ||
                    curl_mime_data(part, rq->part->data, rq->part->size) != CURLE_OK ||
                    curl_easy_setopt(h, CURLOPT_MIMEPOST, fl->mime) != CURLE_OK)
                        return -ENOMEM;
        } else {
                if (curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) rq->body_size) != CURLE_OK ||
                    curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ?: "") != CURLE_OK)
                        return -EIO;
        }
        if (!get && !streq(fl->method, "POST") && curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, fl->method) != CURLE_OK)
                return -EIO;
        return 0;
}

/* Starts the flight's next attempt, or ends it when the run's time is up. */
static void attempt_start(Batch *b, Flight *fl, uint64_t now) {
        HttpClient *c = b->client;
        uint64_t timeout = c->timeout_usec;
        if (c->deadline_usec > 0) {
                if (now >= c->deadline_usec) {
                        flight_fail(b, fl, -ETIME,
                                    strdup_printf("%s: the run's time limit (directory.run_timeout) was reached%s%s",
                                                  fl->what, fl->last_reason ? "; last try: " : "",
                                                  fl->last_reason ?: ""));
                        return;
                }
                if (c->deadline_usec - now < timeout)
                        timeout = c->deadline_usec - now;
        }
        fl->attempt++;
        fl->t = (Transfer) { .cap = c->max_response_bytes, .batch_left = &b->bytes_left };
        fl->errbuf[0] = 0;
        int r = attempt_setup(c, fl, timeout);
        if (r >= 0 && curl_multi_add_handle(c->multi, fl->easy) != CURLM_OK)
                r = -ENOMEM;
        if (r < 0) {
                curl_slist_free_allp(&fl->headers);
                curl_mime_freep(&fl->mime);
                flight_fail(b, fl, r, strdup_printf("%s: cannot set up the request", fl->what));
                return;
        }
        fl->attempt_start = now;
        fl->running = true;
}

static bool status_is_redirect(long status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Another try after a pause, unless the tries or the run's time are used up. */
static void schedule_retry(Batch *b, Flight *fl, uint64_t now, uint64_t retry_after_usec) {
        HttpClient *c = b->client;
        if (fl->attempt >= c->max_attempts) {
                flight_fail(b, fl, fl->last_errno ?: -EIO,
                            strdup_printf("%s: %s, still after %u tries", fl->what, fl->last_reason ?: "failed",
                                          c->max_attempts));
                return;
        }
        uint64_t pause = http_backoff_usec(fl->attempt + 1, random_u32(), retry_after_usec);
        if (c->deadline_usec > 0 && now + pause > c->deadline_usec) {
                flight_fail(b, fl, -ETIME,
                            strdup_printf("%s: the run's time limit (directory.run_timeout) was reached after %u "
                                          "tr%s; last: %s",
                                          fl->what, fl->attempt, fl->attempt == 1 ? "y" : "ies",
                                          fl->last_reason ?: "?"));
                return;
        }
        fl->resume_at = now + pause;
}

/* An attempt ended: an answer, a redirect to follow, or a failure to retry or give up on. */
static void attempt_end(Batch *b, Flight *fl, CURLcode code) {
        HttpClient *c = b->client;
        CURL *h = fl->easy;
        (void) curl_multi_remove_handle(c->multi, h);
        fl->running = false;
        uint64_t now = now_usec_monotonic();
        /* Options pointing at this attempt's header list and form go with them. */
        (void) curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        (void) curl_easy_setopt(h, CURLOPT_MIMEPOST, NULL);
        curl_slist_free_allp(&fl->headers);
        curl_mime_freep(&fl->mime);
        Transfer *t = &fl->t;
        if (code != CURLE_OK) {
                free(t->body.data);
                free(fl->last_reason);
                fl->last_reason = NULL;
                Outcome o = classify(h, code, t, fl->errbuf, &fl->last_errno, &fl->last_reason);
                observe(c, fl, 0, fl->last_reason ?: "failed", now - fl->attempt_start);
                t->body = (ByteBuffer) {};
                if (o == OUTCOME_FAIL)
                        flight_fail(b, fl, fl->last_errno,
                                    strdup_printf("%s: %s", fl->what, fl->last_reason ?: "failed"));
                else
                        schedule_retry(b, fl, now, 0);
                return;
        }
        long status = 0;
        curl_off_t retry_after = 0;
        (void) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        (void) curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
        observe(c, fl, status, NULL, now - fl->attempt_start);
        if (status_is_redirect(status)) {
                char *location = NULL;
                (void) curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
                free(t->body.data);
                t->body = (ByteBuffer) {};
                if (!location) {
                        flight_fail(b, fl, -EIO, strdup_printf("%s: HTTP %ld without a Location", fl->what, status));
                        return;
                }
                if (!http_same_origin(c->base_url, location)) {
                        flight_fail(b, fl, -ELOOP,
                                    strdup_printf("%s: redirected to %s, which leaves %s; not followed", fl->what,
                                                  location, c->base_url));
                        return;
                }
                if (++fl->redirects > LIMIT_HTTP_REDIRECTS) {
                        flight_fail(b, fl, -ELOOP,
                                    strdup_printf("%s: more than %u redirects", fl->what, LIMIT_HTTP_REDIRECTS));
                        return;
                }
                char *next = strdup(location);
                if (!next) {
                        flight_fail(b, fl, -ENOMEM, NULL);
                        return;
                }
                free(fl->url);
                fl->url = next;
                if (status == 301 || status == 302 || status == 303)
                        fl->method = "GET";
                fl->attempt--; /* a redirect is not a failed try */
                fl->resume_at = now;
                return;
        }
        if (!http_status_is_transient(status)) {
                char *type = NULL;
                (void) curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
                HttpResponse *resp = &fl->x->response;
                *resp = (HttpResponse) {
                        .status = status,
                        .body = t->body.data ?: strdup(""),
                        .size = t->body.size,
                        .content_type = type ? strdup(type) : NULL,
                        .attempts = fl->attempt,
                };
                t->body = (ByteBuffer) {};
                if (!resp->body || (type && !resp->content_type)) {
                        http_response_done(resp);
                        flight_fail(b, fl, -ENOMEM, NULL);
                        return;
                }
                fl->x->error = 0;
                flight_finish(b, fl);
                return;
        }
        free(t->body.data);
        t->body = (ByteBuffer) {};
        free(fl->last_reason);
        fl->last_reason = strdup_printf("HTTP %ld", status);
        fl->last_errno = -EAGAIN;
        schedule_retry(b, fl, now, retry_after > 0 ? (uint64_t) retry_after * 1000000 : 0);
}

static int flight_init(HttpClient *c, Flight *fl, HttpExchange *x, size_t index) {
        const HttpRequest *rq = x->request;
        *fl = (Flight) { .x = x, .index = index, .method = rq->method };
        x->error = 0;
        x->message = NULL;
        x->response = (HttpResponse) {};
        fl->url = strdup_printf("%s%s%s%s", c->base_url, rq->path, rq->query ? "?" : "", rq->query ?: "");
        fl->what = fl->url ? strdup_printf("%s %s", rq->method, fl->url) : NULL;
        fl->easy = curl_easy_init();
        return fl->url && fl->what && fl->easy ? 0 : -ENOMEM;
}

static void flight_done(HttpClient *c, Flight *fl) {
        if (fl->running)
                (void) curl_multi_remove_handle(c->multi, fl->easy);
        if (fl->easy)
                curl_easy_cleanup(fl->easy);
        curl_slist_free_allp(&fl->headers);
        curl_mime_freep(&fl->mime);
        free(fl->t.body.data);
        free(fl->url);
        free(fl->what);
        free(fl->last_reason);
}

/* How long the loop may sleep: until the next pause ends, at most a second (a cancel is seen). */
static long wait_ms(const Batch *b, uint64_t now) {
        uint64_t wait = 1000 * 1000;
        for (size_t i = 0; i < b->n; i++) {
                const Flight *fl = &b->flights[i];
                if (fl->finished || fl->running)
                        continue;
                uint64_t left = fl->resume_at > now ? fl->resume_at - now : 0;
                if (left < wait)
                        wait = left;
        }
        return (long) ((wait + 999) / 1000);
}

int http_send_many(HttpClient *c, HttpExchange *exchanges, size_t n, const HttpBatchOptions *options) {
        Batch b = { .client = c, .n = n, .n_left = n, .bytes_left = LIMIT_HTTP_BATCH_BYTES, .options = options };
        b.flights = calloc(n ?: 1, sizeof(Flight));
        if (!b.flights)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; i < n; i++)
                if (flight_init(c, &b.flights[i], &exchanges[i], i) < 0)
                        r = -ENOMEM;
        size_t in_flight = 0;
        while (r >= 0 && b.n_left > 0) {
                if (options && options->cancel && atomic_load(options->cancel)) {
                        for (size_t i = 0; i < n; i++) {
                                Flight *fl = &b.flights[i];
                                if (fl->finished)
                                        continue;
                                if (fl->running) {
                                        (void) curl_multi_remove_handle(c->multi, fl->easy);
                                        fl->running = false;
                                }
                                flight_fail(&b, fl, -ECANCELED, strdup_printf("%s: cancelled", fl->what));
                        }
                        break;
                }
                uint64_t now = now_usec_monotonic();
                /* At most LIMIT_HTTP_CONNECTIONS requests at once, in the order given: a request
                 * waiting inside libcurl for a connection would spend its own time limit there. */
                for (size_t i = 0; i < n && in_flight < LIMIT_HTTP_CONNECTIONS; i++) {
                        Flight *fl = &b.flights[i];
                        if (fl->finished || fl->running || fl->resume_at > now)
                                continue;
                        attempt_start(&b, fl, now);
                        in_flight += fl->running;
                }
                if (b.n_left == 0)
                        break;
                int still = 0;
                if (curl_multi_perform(c->multi, &still) != CURLM_OK) {
                        r = -EIO;
                        break;
                }
                CURLMsg *m;
                int queued = 0;
                while ((m = curl_multi_info_read(c->multi, &queued))) {
                        if (m->msg != CURLMSG_DONE)
                                continue;
                        Flight *fl = NULL;
                        CURLcode code = m->data.result;
                        (void) curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &fl);
                        if (!fl)
                                continue;
                        in_flight--;
                        attempt_end(&b, fl, code);
                }
                if (b.n_left == 0)
                        break;
                if (curl_multi_poll(c->multi, NULL, 0, (int) wait_ms(&b, now_usec_monotonic()), NULL) != CURLM_OK) {
                        r = -EIO;
                        break;
                }
        }
        for (size_t i = 0; i < n; i++) {
                Flight *fl = &b.flights[i];
                if (!fl->finished && r < 0) {
                        fl->x->error = r;
                        fl->x->message = fl->what ? strdup_printf("%s: the transfer could not be run", fl->what) : NULL;
                }
                flight_done(c, fl);
        }
        free(b.flights);
        return r;
}

int http_send(HttpClient *c, const HttpRequest *rq, HttpResponse *ret, char **reterr_message) {
        HttpExchange x = { .request = rq };
        int r = http_send_many(c, &x, 1, NULL);
        if (r >= 0 && x.error >= 0) {
                *ret = x.response;
                return 0;
        }
        http_response_done(&x.response);
        if (r >= 0)
                r = x.error;
        *reterr_message = x.message;
        return r;
}
