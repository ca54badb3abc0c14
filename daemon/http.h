/* SPDX-License-Identifier: MIT */
#pragma once

/* One wrapper for every request to the Directory (libcurl). It enforces the network hygiene the
 * daemon promises: https only (plain http only to a loopback address), certificate and host
 * verification always on (directory.ca_file adds a CA to the system's), connect, per-request,
 * low-speed and whole-run time limits, a cap on the response size enforced while reading,
 * redirects followed only within the same scheme, host and port (the token header must never
 * reach another host), proxies from the environment (libcurl's http_proxy, https_proxy,
 * no_proxy), and retries with exponential backoff and jitter on connection failures, timeouts,
 * dropped transfers, 429/502/503/504 and Retry-After, never on other statuses. Core code: it
 * returns errors and a message, never logs, and no message it writes holds a token. */

#include <stdatomic.h>

#include "util.h"

typedef struct HttpOptions {
        const char *base_url;        /* scheme://host[:port][/prefix] as configured */
        const char *ca_file;         /* an extra CA certificate (PEM), or NULL */
        uint64_t timeout_usec;       /* one attempt, whole transfer */
        uint64_t deadline_usec;      /* CLOCK_MONOTONIC time after which no attempt starts or lasts; 0: none */
        const char *user_agent;
        size_t max_response_bytes;   /* 0: LIMIT_HTTP_RESPONSE_BYTES */
        unsigned max_attempts;       /* 0: LIMIT_HTTP_ATTEMPTS */
} HttpOptions;

/* The one part of a multipart/form-data body (the ZIP import's "file"). */
typedef struct HttpPart {
        const char *name, *filename, *content_type;
        const void *data;
        size_t size;
} HttpPart;

typedef struct HttpRequest {
        const char *method;          /* "GET", "POST", "DELETE" */
        const char *path;            /* below the base URL, starting with '/', already URL-encoded */
        const char *query;           /* "filter=..." already URL-encoded, or NULL */
        const char *content_type;    /* of body, or NULL */
        const void *body;
        size_t body_size;
        const HttpPart *part;        /* send multipart/form-data with this part instead of body */
        const char *token;           /* sent as x-molgenis-token; NULL: anonymous */
} HttpRequest;

typedef struct HttpResponse {
        long status;                 /* the final attempt's HTTP status */
        char *body;                  /* NUL-terminated */
        size_t size;
        char *content_type;          /* or NULL */
        unsigned attempts;
} HttpResponse;
void http_response_done(HttpResponse *r);

typedef struct HttpClient HttpClient;

/* -EINVAL for a base URL that is not https:// (or http:// to a loopback address). */
int http_client_new(const HttpOptions *options, HttpClient **ret);
HttpClient *http_client_free(HttpClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpClient, http_client_free);

/* What one attempt of a request came to, for an observer (-v shows each). Never a secret: the
 * path is the URL's path alone, without host or query. */
typedef struct HttpAttempt {
        const char *method;
        const char *path;
        long status;                 /* 0: no answer (failure says why) */
        const char *failure;
        unsigned attempt;            /* 1, 2, ... */
        uint64_t usec;
        size_t bytes;                /* of the answer's body */
} HttpAttempt;
typedef void (*HttpObserver)(const HttpAttempt *attempt, void *userdata);
/* Called as each attempt ends, on the thread that sends. */
void http_client_set_observer(HttpClient *c, HttpObserver observe, void *userdata);

/* Sends the request, retrying transient failures. Returns 0 when a response with a status that is
 * not transient arrived (*ret is filled; the caller reads 4xx bodies). Otherwise a negative errno
 * and *reterr_message (malloc()ed, no secret in it) says what failed:
 *   -EAGAIN        429/502/503/504 on every try
 *   -EHOSTUNREACH  name resolution or connection failed (the Directory is unreachable)
 *   -EPROTO        TLS: handshake or certificate verification failed (never retried)
 *   -ETIMEDOUT     every try timed out after connecting
 *   -ECONNRESET    every try was cut off (dropped connection, truncated body)
 *   -ETIME         the run's deadline passed
 *   -EFBIG         the response is larger than the cap
 *   -ELOOP         a redirect to another origin, or too many
 *   -ENOMEM, -EIO  other failures */
int http_send(HttpClient *c, const HttpRequest *request, HttpResponse *ret, char **reterr_message);

/* One request of a batch and what came of it: error 0 and the response, or as http_send() says. */
typedef struct HttpExchange {
        const HttpRequest *request;
        int error;
        HttpResponse response;
        char *message;               /* with an error; malloc()ed, may be NULL on -ENOMEM */
} HttpExchange;

typedef struct HttpBatchOptions {
        void (*on_done)(size_t index, void *userdata); /* as each exchange ends (any order) */
        void *userdata;
        const atomic_bool *cancel;   /* once set, exchanges not yet done end with -ECANCELED */
} HttpBatchOptions;

/* Sends the requests concurrently, at most LIMIT_HTTP_CONNECTIONS at once in the order given, each
 * with every rule of http_send() (its own tries, pauses and redirects), and at most
 * LIMIT_HTTP_BATCH_BYTES of answers in all. Each exchange's outcome is in it on return. Returns 0,
 * or a negative errno when the batch could not be run (each exchange then says so). options may
 * be NULL. */
int http_send_many(HttpClient *c, HttpExchange *exchanges, size_t n, const HttpBatchOptions *options);

/* Waits usec or until the deadline, whichever is first; -ETIME when the deadline cuts it short. */
int http_pause(HttpClient *c, uint64_t usec);

/* Helpers, exposed for tests. */
/* The pause before try number `attempt` (2, 3, ...): full doubling from LIMIT_HTTP_BACKOFF_FIRST_USEC
 * capped at LIMIT_HTTP_BACKOFF_MAX_USEC, the upper half of it randomised by `random` (0..UINT32_MAX);
 * a Retry-After (usec, 0: none) lengthens it, up to LIMIT_HTTP_RETRY_AFTER_USEC. */
uint64_t http_backoff_usec(unsigned attempt, uint32_t random, uint64_t retry_after_usec);
/* Statuses worth another try. */
bool http_status_is_transient(long status);
/* Whether url has the same scheme, host and port as base (both absolute URLs). */
bool http_same_origin(const char *base, const char *url);
/* URL-encodes s for a query value (RFC 3986 unreserved characters kept), malloc()ed. */
char *http_escape(const char *s);
/* Whether the host of an http(s) URL is a loopback address (127.0.0.1, [::1], localhost). */
bool http_url_is_loopback(const char *url);
