/* SPDX-License-Identifier: MIT */
#include <jansson.h>

#include "backend-https.h"
#include "emx2-api.h"
#include "http.h"
#include "limits.h"
#include "push-body.h"
#include "push-journal.h"
#include "secret.h"

#ifndef PROGRAM_VERSION
#define PROGRAM_VERSION "0"
#endif

/* The https:// backend: the EMX2 API (reference/directory-api.md) through the one HTTP wrapper.
 * Reads are CSV per table (the published schema filtered to the node, anonymous; staging with the
 * token), the live model is the staging schema's model CSV, pushes are ZIP imports (one
 * transaction each, asynchronous, polled) or per-table CSV requests, each recorded in the push
 * journal as the server acknowledges it. Authentication: a named token (directory.token_file or the
 * credential directory_token, from the units' credentials folder), or e-mail and password through the GraphQL sign-in, renewed when the
 * server says the token expired. No secret ever enters a message: every text that leaves this file
 * passes secret_scrub(). */

typedef struct HttpsBackend {
        Backend backend;
        HttpClient *http;
        Secret token;
        char *token_source;          /* for messages: where the token comes from */
        bool sign_in;                /* tokens come from signing in with email and password */
        Secret password;
        unsigned n_sign_ins;
        uint64_t push_started_usec;
} HttpsBackend;

static HttpsBackend *https_backend(Backend *b) {
        return (HttpsBackend *) b;
}

/* Every message that leaves the backend goes through here. */
static char *scrubbed(HttpsBackend *hb, const char *text) {
        const Secret *secrets[] = { &hb->token, &hb->password };
        return secret_scrub(text, secrets, ELEMENTSOF(secrets));
}

static int add_remote_finding(HttpsBackend *hb, Findings *findings, const char *table, const char *id,
                              const char *message) {
        _cleanup_free_ char *clean = scrubbed(hb, message);
        if (!clean)
                return -ENOMEM;
        return findings_add(findings, SEVERITY_ERROR, "remote", table, id, NULL, NULL, "%s", clean);
}

static char *schema_path(const char *schema, const char *rest) {
        _cleanup_free_ char *e = http_escape(schema);
        return e ? strdup_printf("/%s%s", e, rest) : NULL;
}

static char *table_path(const char *schema, const char *table) {
        _cleanup_free_ char *t = http_escape(table);
        _cleanup_free_ char *rest = t ? strdup_printf("/api/csv/%s", t) : NULL;
        return rest ? schema_path(schema, rest) : NULL;
}

static int sign_in(HttpsBackend *hb, char **reterr_message) {
        const Config *c = hb->backend.config;
        if (hb->n_sign_ins >= LIMIT_SIGNIN_ATTEMPTS) {
                *reterr_message = strdup_printf("signing in as %s again was refused: %u sign-ins in one run", c->email,
                                             LIMIT_SIGNIN_ATTEMPTS);
                return -EACCES;
        }
        hb->n_sign_ins++;
        char *body = NULL;
        size_t size = 0;
        int r = emx2_signin_request(c->email, hb->password.value, &body, &size);
        if (r < 0)
                return r;
        HttpRequest rq = { .method = "POST", .path = "/api/graphql", .content_type = "application/json",
                           .body = body, .body_size = size };
        HttpResponse resp = {};
        _cleanup_free_ char *message = NULL;
        r = http_send(hb->http, &rq, &resp, &message);
        explicit_bzero(body, size);
        free(body);
        if (r < 0) {
                *reterr_message = scrubbed(hb, message);
                return r;
        }
        _cleanup_free_ char *token = NULL, *server = NULL;
        int k = resp.status == 200 ? emx2_parse_signin(resp.body, resp.size, &token, &server) : -EBADMSG;
        if (k == -EBADMSG && resp.status != 200)
                (void) emx2_parse_error(resp.body, resp.size, &server);
        /* The answer holds the new token: wiped before its memory goes back. */
        if (resp.body)
                explicit_bzero(resp.body, resp.size);
        http_response_done(&resp);
        if (k < 0) {
                _cleanup_free_ char *text = strdup_printf("signing in as %s failed: %s", c->email,
                                                          server ?: "the answer is not a sign-in result");
                *reterr_message = scrubbed(hb, text);
                return k == -EBADMSG && !server ? -EBADMSG : -EACCES;
        }
        secret_done(&hb->token);
        r = secret_set(&hb->token, token, strlen(token));
        explicit_bzero(token, strlen(token));
        return r;
}

/* What an answer to one API call means. 0 with the response for a 2xx; 1 when the token expired
 * and signing in again may help (the request is to be sent again); otherwise a negative errno and
 * a message saying what failed in terms a person can act on (server messages included, secrets
 * scrubbed): -EACCES refused token or permission, -ETIMEDOUT statement timeout, -ENOENT unknown
 * table or schema, -EBADMSG the server rejected the data, -EREMOTEIO an answer that is no API
 * answer. resp is consumed. */
static int interpret(HttpsBackend *hb, const HttpRequest *rq, bool with_token, HttpResponse *resp, HttpResponse *ret,
                     char **reterr_message) {
        if (resp->status >= 200 && resp->status < 300) {
                *ret = *resp;
                *resp = (HttpResponse) {};
                return 0;
        }
        _cleanup_free_ char *server = NULL;
        bool json = emx2_parse_error(resp->body, resp->size, &server) >= 0;
        long status = resp->status;
        http_response_done(resp);
        _cleanup_free_ char *what = strdup_printf("%s %s%s%s", rq->method, rq->path, rq->query ? "?" : "",
                                                  rq->query ?: "");
        if (!what)
                return -ENOMEM;
        Emx2ErrorKind kind = json ? emx2_error_kind(server)
                             : status == 401 || status == 403 ? EMX2_ERROR_PERMISSION
                             : status == 404                  ? EMX2_ERROR_NOT_FOUND
                                                              : EMX2_ERROR_OTHER;
        _cleanup_free_ char *text = NULL;
        int r;
        switch (kind) {
        case EMX2_ERROR_TOKEN:
                if (hb->sign_in && hb->n_sign_ins < LIMIT_SIGNIN_ATTEMPTS)
                        return 1; /* signed-in tokens live 30 minutes: sign in again and repeat */
                text = strdup_printf("%s: the Directory refused the token (%s); %s", what, server,
                                     hb->sign_in ? "signing in again did not help"
                                                 : "create a new token and put it in the token file");
                r = -EACCES;
                break;
        case EMX2_ERROR_PERMISSION:
                if (!with_token)
                        text = strdup_printf("%s: %s (this schema should be readable without a token: is the "
                                             "schema name right?)",
                                             what, server ?: "permission denied");
                else if (!hb->token.value)
                        text = strdup_printf("%s: %s: no API token is configured (directory.token_file, the "
                                             "credentials folder's token, or directory.email with a password)",
                                             what, server ?: "permission denied");
                else
                        text = strdup_printf("%s: %s (the token%s has no %s access to this schema)", what,
                                             server ?: "permission denied",
                                             hb->token_source ? hb->token_source : "",
                                             streq(rq->method, "GET") ? "read" : "write");
                r = -EACCES;
                break;
        case EMX2_ERROR_TIMEOUT:
                text = strdup_printf("%s: the Directory's database timed out (%s); try again later", what, server);
                r = -ETIMEDOUT;
                break;
        case EMX2_ERROR_NOT_FOUND:
                text = strdup_printf("%s: %s", what, server ?: "not found");
                r = -ENOENT;
                break;
        case EMX2_ERROR_OTHER:
        default:
                if (json) {
                        text = strdup_printf("%s: the Directory refused it: %s", what, server);
                        r = -EBADMSG;
                } else {
                        text = strdup_printf("%s: HTTP %ld without an API error message", what, status);
                        r = -EREMOTEIO;
                }
                break;
        }
        if (!text)
                return -ENOMEM;
        *reterr_message = scrubbed(hb, text);
        return r;
}

/* One API call: sent (signing in first when tokens come from signing in), then interpret()ed;
 * the transport errors of http_send() besides. */
static int call(HttpsBackend *hb, const HttpRequest *proto, bool with_token, HttpResponse *ret, char **reterr_message) {
        HttpRequest rq = *proto;
        for (;;) {
                if (with_token && !hb->token.value && hb->sign_in) {
                        int r = sign_in(hb, reterr_message);
                        if (r < 0)
                                return r;
                }
                rq.token = with_token ? hb->token.value : NULL;
                HttpResponse resp = {};
                _cleanup_free_ char *message = NULL;
                int r = http_send(hb->http, &rq, &resp, &message);
                if (r < 0) {
                        *reterr_message = scrubbed(hb, message);
                        return r;
                }
                r = interpret(hb, &rq, with_token, &resp, ret, reterr_message);
                if (r != 1)
                        return r;
                secret_done(&hb->token);
        }
}

static bool is_html(const HttpResponse *r) {
        return r->content_type && strncasecmp(r->content_type, "text/html", 9) == 0;
}

/* One read's request: the table's CSV (the published schema filtered to the node), or the staging
 * schema's model. Only the staging schema needs the token; the others are public. */
typedef struct ReadRequest {
        HttpRequest rq;
        char *path, *query;
        bool with_token;
} ReadRequest;

static void read_request_done(ReadRequest *q) {
        free(q->path);
        free(q->query);
}

static int read_request(const Config *config, const BackendRead *rd, ReadRequest *ret) {
        const char *schema_name = backend_schema_name(config, rd->schema);
        *ret = (ReadRequest) { .with_token = rd->schema == SCHEMA_STAGING };
        ret->path = rd->archive ? schema_path(schema_name, "/api/zip")
                    : rd->table ? table_path(schema_name, rd->table)
                                : schema_path(config->staging_schema, "/api/csv");
        if (!ret->path)
                return -ENOMEM;
        if (rd->table && rd->schema == SCHEMA_PUBLISHED && rd->node) {
                /* The published schema holds every country: only this node's rows. */
                json_auto_t *filter = json_pack("{s:{s:{s:s}}}", "national_node", "id", "equals", rd->node);
                _cleanup_free_ char *text = filter ? json_dumps(filter, JSON_COMPACT) : NULL;
                _cleanup_free_ char *escaped = text ? http_escape(text) : NULL;
                ret->query = escaped ? strdup_printf("filter=%s", escaped) : NULL;
                if (!ret->query)
                        return -ENOMEM;
        }
        ret->rq = (HttpRequest) { .method = "GET", .path = ret->path, .query = ret->query };
        return 0;
}

/* The outcome of a read from the call's: the CSV, or a finding saying what failed (a table that is
 * not there is the caller's to judge: model drift says whether it matters). */
static int read_complete(HttpsBackend *hb, BackendRead *rd, const char *path, int r, HttpResponse *resp,
                         const char *message) {
        _cleanup_free_ char *text = NULL;
        if (r >= 0 && (rd->table || rd->archive) && is_html(resp)) {
                text = strdup_printf("GET %s: an HTML page came instead of %s (a proxy or a login page?)", path,
                                     rd->archive ? "a ZIP" : "CSV");
                message = text ?: "an HTML page came instead of CSV";
                r = -EREMOTEIO;
        } else if (r >= 0 && !rd->table && !rd->archive && (resp->size > LIMIT_LIVE_MODEL_BYTES || is_html(resp))) {
                message = "the staging schema's model is no model CSV";
                r = -EREMOTEIO;
        }
        if (r < 0) {
                http_response_done(resp);
                if (r == -ENOENT && (rd->table || rd->archive))
                        return r;
                int k = add_remote_finding(hb, &rd->findings, rd->table, NULL, message ?: "failed");
                return k < 0 ? k : r;
        }
        rd->data = TAKE_PTR(resp->body);
        rd->size = resp->size;
        http_response_done(resp);
        return 0;
}

static int https_read(HttpsBackend *hb, BackendRead *rd) {
        ReadRequest q;
        int r = read_request(hb->backend.config, rd, &q);
        if (r >= 0) {
                HttpResponse resp = {};
                _cleanup_free_ char *message = NULL;
                r = call(hb, &q.rq, q.with_token, &resp, &message);
                r = read_complete(hb, rd, q.path, r, &resp, message);
        }
        read_request_done(&q);
        return r;
}

static int https_fetch_table(Backend *b, SchemaKind schema, const char *table, const char *node, char **ret_data,
                             size_t *ret_size, Findings *findings) {
        BackendRead rd;
        backend_read_init(&rd, schema, table, node);
        int r = https_read(https_backend(b), &rd);
        if (findings_move(findings, &rd.findings) < 0)
                r = -ENOMEM;
        if (r >= 0) {
                *ret_data = TAKE_PTR(rd.data);
                *ret_size = rd.size;
        }
        backend_read_done(&rd);
        return r;
}

static int https_fetch_model(Backend *b, char **ret_data, size_t *ret_size, Findings *findings) {
        return https_fetch_table(b, SCHEMA_STAGING, NULL, NULL, ret_data, ret_size, findings);
}

/* A batch of reads, sent at once through http_send_many(). */
typedef struct ReadBatch {
        HttpsBackend *hb;
        BackendRead *reads;
        ReadRequest *requests;       /* per read */
        HttpExchange *exchanges;     /* per read sent */
        size_t *read_of;             /* per exchange: its read */
        bool *again;                 /* per read: the token expired, sent again on its own after the batch */
        const BackendBatch *batch;
} ReadBatch;

static void read_done(ReadBatch *rb, size_t i, int r) {
        rb->reads[i].error = r;
        if (rb->batch->on_read_done)
                rb->batch->on_read_done(i, rb->batch->userdata);
}

static void on_exchange_done(size_t j, void *userdata) {
        ReadBatch *rb = userdata;
        HttpExchange *x = &rb->exchanges[j];
        size_t i = rb->read_of[j];
        HttpResponse resp = {};
        _cleanup_free_ char *message = NULL;
        int r = x->error;
        if (r < 0)
                message = scrubbed(rb->hb, x->message);
        else
                r = interpret(rb->hb, &rb->requests[i].rq, rb->requests[i].with_token, &x->response, &resp, &message);
        http_response_done(&x->response);
        /* The token other requests of the batch still carry stays until the batch is over. */
        if (r == 1)
                rb->again[i] = true;
        else
                read_done(rb, i, read_complete(rb->hb, &rb->reads[i], rb->requests[i].path, r, &resp, message));
}

static int https_fetch_many(Backend *b, BackendRead *reads, size_t n_reads, const BackendBatch *batch) {
        HttpsBackend *hb = https_backend(b);
        ReadBatch rb = { .hb = hb, .reads = reads, .batch = batch };
        rb.requests = calloc(n_reads ?: 1, sizeof(ReadRequest));
        rb.exchanges = calloc(n_reads ?: 1, sizeof(HttpExchange));
        rb.read_of = calloc(n_reads ?: 1, sizeof(size_t));
        rb.again = calloc(n_reads ?: 1, sizeof(bool));
        int r = rb.requests && rb.exchanges && rb.read_of && rb.again ? 0 : -ENOMEM;
        bool token_needed = false;
        for (size_t i = 0; r >= 0 && i < n_reads; i++) {
                r = read_request(b->config, &reads[i], &rb.requests[i]);
                token_needed = token_needed || rb.requests[i].with_token;
        }
        /* Signing in comes first: the token goes with every staging read of the batch. */
        _cleanup_free_ char *sign_in_message = NULL;
        int sign_in_error = 0;
        if (r >= 0 && token_needed && hb->sign_in && !hb->token.value)
                sign_in_error = sign_in(hb, &sign_in_message);
        size_t n_sent = 0;
        for (size_t i = 0; r >= 0 && i < n_reads; i++) {
                ReadRequest *q = &rb.requests[i];
                if (q->with_token && sign_in_error < 0) {
                        int k = add_remote_finding(hb, &reads[i].findings, reads[i].table, NULL,
                                                   sign_in_message ?: "signing in failed");
                        read_done(&rb, i, k < 0 ? k : sign_in_error);
                        continue;
                }
                q->rq.token = q->with_token ? hb->token.value : NULL;
                rb.exchanges[n_sent].request = &q->rq;
                rb.read_of[n_sent++] = i;
        }
        if (r >= 0) {
                HttpBatchOptions o = { .on_done = on_exchange_done, .userdata = &rb, .cancel = batch->cancel };
                r = http_send_many(hb->http, rb.exchanges, n_sent, &o);
        }
        /* Reads whose token expired, once more each: call() signs in again. */
        bool renewed = false;
        for (size_t i = 0; r >= 0 && i < n_reads; i++) {
                if (!rb.again[i])
                        continue;
                if (!renewed)
                        secret_done(&hb->token);
                renewed = true;
                HttpResponse resp = {};
                _cleanup_free_ char *message = NULL;
                int k = call(hb, &rb.requests[i].rq, true, &resp, &message);
                read_done(&rb, i, read_complete(hb, &reads[i], rb.requests[i].path, k, &resp, message));
        }
        for (size_t j = 0; j < n_sent; j++) {
                http_response_done(&rb.exchanges[j].response);
                free(rb.exchanges[j].message);
        }
        for (size_t i = 0; rb.requests && i < n_reads; i++)
                read_request_done(&rb.requests[i]);
        free(rb.requests);
        free(rb.exchanges);
        free(rb.read_of);
        free(rb.again);
        return r;
}

/* ---- push ---- */

static void save_journal(HttpsBackend *hb, const PushResult *result, bool finished) {
        Backend *b = &hb->backend;
        if (!b->state)
                return;
        _cleanup_free_ char *json = NULL;
        size_t size = 0;
        /* A journal that cannot be written leaves the next run without the record, not without the
         * data: it re-reads the staging area either way. */
        if (push_journal_to_json(b->config->staging_schema, push_method_to_string(b->config->push_method),
                                 hb->push_started_usec, result, finished, &json, &size) >= 0)
                (void) state_write_file(b->state, PUSH_JOURNAL_FILE, json, size);
}

static void mark_applied(PushResult *result, size_t record) {
        PushRequestRecord *rec = &result->records[record];
        rec->applied = true;
        result->n_applied_upserts += rec->n_upserts;
        result->n_applied_deletes += rec->n_deletes;
}

/* Names the row a server message is about, when one of the plan's ids appears in it. */
static int report_push_error(HttpsBackend *hb, const Model *model, const PushPlan *plan, const char *message,
                             PushResult *result, Findings *findings) {
        const char *table = NULL, *id = NULL;
        size_t best = 0;
        for (size_t i = 0; i < plan->n_tables; i++) {
                const PushTable *pt = &plan->tables[i];
                for (size_t k = 0; k < pt->n_upserts + pt->n_deletes; k++) {
                        const char *candidate = k < pt->n_upserts ? pt->upserts[k]->id : pt->deletes[k - pt->n_upserts];
                        size_t n = strlen(candidate);
                        /* The longest id found: a collection's id contains its biobank's. */
                        if (n > best && strstr(message, candidate)) {
                                best = n;
                                id = candidate;
                                table = model->tables[pt->table].name;
                        }
                }
        }
        _cleanup_free_ char *text = table ? strdup_printf("%s (table %s, row %s)", message, table, id) : strdup(message);
        if (!text)
                return -ENOMEM;
        free(result->error);
        result->error = scrubbed(hb, text);
        return add_remote_finding(hb, findings, table, id, message);
}

static char *tables_of(const Model *model, const PushPlan *plan, const bool *ups, const bool *dels) {
        char *list = NULL;
        for (size_t i = 0; i < plan->n_tables; i++) {
                if (!(ups && ups[i]) && !(dels && dels[i]))
                        continue;
                const char *name = model->tables[plan->tables[i].table].name;
                char *more = list ? strdup_printf("%s,%s", list, name) : strdup(name);
                free(list);
                list = more;
                if (!list)
                        return NULL;
        }
        return list ?: strdup("");
}

/* Waits for an asynchronous import to end. */
static int wait_for_task(HttpsBackend *hb, const char *id, const char *url, char **reterr_message) {
        _cleanup_free_ char *escaped = http_escape(id);
        _cleanup_free_ char *path = NULL;
        /* The server names the task's address; only a path on the same server is taken. */
        if (url && url[0] == '/' && url[1] != '/')
                path = strdup(url);
        else
                path = escaped ? strdup_printf("/api/tasks/%s", escaped) : NULL;
        if (!path)
                return -ENOMEM;
        uint64_t pause = LIMIT_TASK_POLL_FIRST_USEC;
        for (;;) {
                if (http_pause(hb->http, pause) < 0) {
                        *reterr_message = strdup_printf("the import task %s did not end within the run's time limit "
                                                     "(directory.run_timeout); the next run checks what it applied",
                                                     id);
                        return -ETIME;
                }
                if (pause < LIMIT_TASK_POLL_MAX_USEC)
                        pause = pause * 2 < LIMIT_TASK_POLL_MAX_USEC ? pause * 2 : LIMIT_TASK_POLL_MAX_USEC;
                HttpRequest rq = { .method = "GET", .path = path };
                HttpResponse resp = {};
                _cleanup_free_ char *message = NULL;
                int r = call(hb, &rq, true, &resp, &message);
                if (r < 0) {
                        *reterr_message = TAKE_PTR(message);
                        return r;
                }
                Emx2TaskStatus status;
                _cleanup_free_ char *description = NULL;
                r = emx2_parse_task(resp.body, resp.size, &status, &description);
                http_response_done(&resp);
                if (r < 0) {
                        *reterr_message = strdup_printf("GET %s: the answer is no task status", path);
                        return -EREMOTEIO;
                }
                if (!emx2_task_status_is_final(status))
                        continue;
                switch (status) {
                case EMX2_TASK_COMPLETED:
                case EMX2_TASK_WARNING:
                        return 0;
                case EMX2_TASK_ERROR: {
                        /* The server's description usually says "Import failed: ..." itself. */
                        _cleanup_free_ char *text =
                                description && strncasecmp(description, "import failed", 13) == 0
                                        ? strdup(description)
                                        : strdup_printf("the import failed: %s", description ?: "no reason given");
                        *reterr_message = scrubbed(hb, text);
                        Emx2ErrorKind kind = emx2_error_kind(description ?: "");
                        return kind == EMX2_ERROR_TIMEOUT      ? -ETIMEDOUT
                               : kind == EMX2_ERROR_PERMISSION ? -EACCES
                                                               : -EBADMSG;
                }
                case EMX2_TASK_SKIPPED:
                        *reterr_message = strdup_printf("the import was skipped: %s", description ?: "no table in it");
                        return -EBADMSG;
                default:
                        *reterr_message = strdup_printf("the Directory lost track of the import task %s; the next run "
                                                     "checks what it applied", id);
                        return -EIO;
                }
        }
}

static int push_zip(HttpsBackend *hb, const Model *model, const PushPlan *plan, PushResult *result,
                    Findings *findings) {
        const Config *c = hb->backend.config;
        _cleanup_(push_zip_plan_freep) PushZipPlan *zp = NULL;
        int r = push_zip_plan(model, plan, &zp);
        if (r < 0)
                return r;
        for (size_t s = 0; s < zp->n_steps; s++) {
                _cleanup_free_ char *tables = tables_of(model, plan, zp->steps[s].upserts, zp->steps[s].deletes);
                if (!tables || push_result_add_record(result, "ZIP import", tables, zp->steps[s].n_upserts,
                                                      zp->steps[s].n_deletes) < 0)
                        return -ENOMEM;
        }
        save_journal(hb, result, false);
        progress_begin(hb->backend.progress, PROGRESS_REMOTE, "pushing to the Directory: imports", zp->n_steps);
        _cleanup_free_ char *path = schema_path(c->staging_schema, "/api/zip");
        _cleanup_free_ char *filename = strdup_printf("bbmri-dirsync-%s.zip", c->node);
        if (!path || !filename)
                return -ENOMEM;
        for (size_t s = 0; s < zp->n_steps; s++) {
                _cleanup_free_ void *zip = NULL;
                size_t zip_size = 0;
                r = push_body_zip(model, plan, &zp->steps[s], &zip, &zip_size);
                if (r < 0)
                        return r;
                HttpPart part = { .name = "file", .filename = filename, .content_type = "application/zip",
                                  .data = zip, .size = zip_size };
                HttpRequest rq = { .method = "POST", .path = path, .query = "async=true", .part = &part };
                HttpResponse resp = {};
                _cleanup_free_ char *message = NULL;
                result->n_requests++;
                r = call(hb, &rq, true, &resp, &message);
                if (r >= 0) {
                        _cleanup_free_ char *id = NULL, *url = NULL;
                        /* With async the answer names a task; a server that imported at once says so in
                         * plain text. */
                        if (emx2_parse_task_reference(resp.body, resp.size, &id, &url) >= 0)
                                r = wait_for_task(hb, id, url, &message);
                        http_response_done(&resp);
                }
                if (r < 0) {
                        int k = report_push_error(hb, model, plan, message ?: "the import failed", result, findings);
                        save_journal(hb, result, false);
                        return k < 0 ? k : r;
                }
                mark_applied(result, s);
                progress_advance(hb->backend.progress, PROGRESS_REMOTE, 1);
                save_journal(hb, result, s + 1 == zp->n_steps);
        }
        return 0;
}

static int push_csv(HttpsBackend *hb, const Model *model, const PushPlan *plan, PushResult *result,
                    Findings *findings) {
        const Config *c = hb->backend.config;
        /* The requests, planned in full first so the journal and a failed push's report list what was
         * not sent too: upserts in reference order, LIMIT_PUSH_CSV_ROWS rows a request, then the
         * deletions table by table in reverse order. */
        for (size_t i = 0; i < plan->n_tables; i++) {
                const PushTable *pt = &plan->tables[i];
                for (size_t first = 0; first < pt->n_upserts; first += LIMIT_PUSH_CSV_ROWS) {
                        size_t n = pt->n_upserts - first < LIMIT_PUSH_CSV_ROWS ? pt->n_upserts - first
                                                                              : LIMIT_PUSH_CSV_ROWS;
                        if (push_result_add_record(result, "POST", model->tables[pt->table].name, n, 0) < 0)
                                return -ENOMEM;
                }
        }
        for (size_t i = plan->n_tables; i > 0; i--) {
                const PushTable *pt = &plan->tables[i - 1];
                if (pt->n_deletes > 0 &&
                    push_result_add_record(result, "DELETE", model->tables[pt->table].name, 0, pt->n_deletes) < 0)
                        return -ENOMEM;
        }
        save_journal(hb, result, false);
        progress_begin(hb->backend.progress, PROGRESS_REMOTE, "pushing to the Directory: requests", result->n_records);
        size_t record = 0;
        for (int pass = 0; pass < 2; pass++)
                for (size_t k = 0; k < plan->n_tables; k++) {
                        /* pass 0: upserts, ascending; pass 1: deletions, descending. */
                        const PushTable *pt = &plan->tables[pass == 0 ? k : plan->n_tables - 1 - k];
                        const char *name = model->tables[pt->table].name;
                        _cleanup_free_ char *path = table_path(c->staging_schema, name);
                        _cleanup_free_ size_t *order = NULL;
                        if (!path)
                                return -ENOMEM;
                        size_t n_requests = pass == 0 ? (pt->n_upserts + LIMIT_PUSH_CSV_ROWS - 1) / LIMIT_PUSH_CSV_ROWS
                                                      : pt->n_deletes > 0;
                        if (pass == 0 && n_requests > 0) {
                                int r = push_body_upsert_order(model, pt, &order);
                                if (r < 0)
                                        return r;
                        }
                        for (size_t q = 0; q < n_requests; q++) {
                                _cleanup_free_ char *body = NULL;
                                size_t size = 0;
                                int r;
                                if (pass == 0) {
                                        size_t first = q * LIMIT_PUSH_CSV_ROWS;
                                        size_t n = pt->n_upserts - first < LIMIT_PUSH_CSV_ROWS ? pt->n_upserts - first
                                                                                              : LIMIT_PUSH_CSV_ROWS;
                                        r = push_body_upserts_csv(model, pt, order, first, n, false, &body, &size);
                                } else
                                        r = push_body_deletes_csv(model, pt, false, &body, &size);
                                if (r < 0)
                                        return r;
                                HttpRequest rq = { .method = pass == 0 ? "POST" : "DELETE", .path = path,
                                                   .content_type = "text/csv", .body = body, .body_size = size };
                                HttpResponse resp = {};
                                _cleanup_free_ char *message = NULL;
                                result->n_requests++;
                                r = call(hb, &rq, true, &resp, &message);
                                if (r < 0) {
                                        int e = report_push_error(hb, model, plan, message ?: "the request failed",
                                                                  result, findings);
                                        save_journal(hb, result, false);
                                        return e < 0 ? e : r;
                                }
                                http_response_done(&resp);
                                mark_applied(result, record++);
                                progress_advance(hb->backend.progress, PROGRESS_REMOTE, 1);
                                save_journal(hb, result, record == result->n_records);
                        }
                }
        return 0;
}

static int https_push(Backend *b, const Model *model, const PushPlan *plan, PushResult *result, Findings *findings) {
        HttpsBackend *hb = https_backend(b);
        hb->push_started_usec = now_usec_realtime();
        if (plan->n_upserts + plan->n_deletes == 0)
                return 0;
        int r = b->config->push_method == PUSH_METHOD_ZIP ? push_zip(hb, model, plan, result, findings)
                                                           : push_csv(hb, model, plan, result, findings);
        if (r < 0 && !result->error)
                result->error = strdup(strerror(-r));
        return r;
}

static void https_free(Backend *b) {
        HttpsBackend *hb = https_backend(b);
        http_client_free(hb->http);
        secret_done(&hb->token);
        secret_done(&hb->password);
        free(hb->token_source);
        free(hb);
}

static void forward_attempt(const HttpAttempt *attempt, void *userdata) {
        HttpsBackend *hb = userdata;
        if (hb->backend.observe)
                hb->backend.observe(attempt, hb->backend.observe_userdata);
}

static const BackendOps https_ops = {
        .name = "https",
        .line_end_at_end = true,
        .fetch_table = https_fetch_table,
        .fetch_model = https_fetch_model,
        .fetch_many = https_fetch_many,
        .push = https_push,
        .free = https_free,
};

/* A secret from the configured file, else from a systemd credential: the name the units' credentials
 * folder gives the file ("directory_token" for its file "token"), else the name a unit's own
 * LoadCredential= may give it ("directory-token"); 0 with nothing loaded when none exists. */
static int load_secret(const char *configured, const char *folder_credential, const char *credential, Secret *ret,
                       char **ret_source, Findings *findings) {
        _cleanup_free_ char *path = NULL;
        if (configured)
                path = strdup(configured);
        else {
                const char *dir = getenv("CREDENTIALS_DIRECTORY");
                if (!dir)
                        return 0;
                path = path_join(dir, folder_credential);
                if (path && access(path, F_OK) >= 0)
                        credential = folder_credential;
                else {
                        free(path);
                        path = path_join(dir, credential);
                        if (path && access(path, F_OK) < 0)
                                return 0;
                }
        }
        if (!path)
                return -ENOMEM;
        _cleanup_free_ char *message = NULL;
        int r = secret_read_file(path, ret, &message);
        if (r < 0) {
                int k = findings_add(findings, SEVERITY_ERROR, "secret", NULL, NULL, NULL, NULL, "%s",
                                     message ?: "cannot read a secret file");
                return k < 0 ? k : -EINVAL;
        }
        *ret_source = configured ? strdup_printf(" from %s", path) : strdup_printf(" (credential %s)", credential);
        return *ret_source ? 0 : -ENOMEM;
}

int backend_https_open(const Config *config, Backend **ret, Findings *findings) {
        _cleanup_free_ HttpsBackend *hb = calloc(1, sizeof(HttpsBackend));
        if (!hb)
                return -ENOMEM;
        hb->backend = (Backend) { .ops = &https_ops, .config = config };
        HttpOptions o = {
                .base_url = config->directory_url,
                .ca_file = config->ca_file,
                .timeout_usec = config->timeout_usec,
                .deadline_usec = now_usec_monotonic() + config->run_timeout_usec,
                .user_agent = "bbmri-dirsync/" PROGRAM_VERSION,
        };
        int r = http_client_new(&o, &hb->http);
        if (r >= 0)
                http_client_set_observer(hb->http, forward_attempt, hb);
        if (r < 0) {
                int k = findings_add(findings, SEVERITY_ERROR, "backend", NULL, NULL, NULL, NULL,
                                     "directory.url %s cannot be used: https:// is needed (plain http only to a "
                                     "loopback address)",
                                     config->directory_url);
                return k < 0 ? k : -EINVAL;
        }
        _cleanup_free_ char *password_source = NULL;
        r = load_secret(config->token_file, "directory_token", "directory-token", &hb->token, &hb->token_source, findings);
        if (r >= 0 && !hb->token.value && config->email) {
                r = load_secret(config->password_file, "directory_password", "directory-password", &hb->password, &password_source,
                                findings);
                if (r >= 0 && !hb->password.value) {
                        r = findings_add(findings, SEVERITY_ERROR, "secret", NULL, NULL, NULL, NULL,
                                         "directory.email is set but no password: set directory.password_file or "
                                         "put it in the credentials folder (credential directory_password)");
                        r = r < 0 ? r : -EINVAL;
                }
                hb->sign_in = r >= 0;
        }
        if (r < 0) {
                https_free(&TAKE_PTR(hb)->backend);
                return r;
        }
        if (hb->token.value || hb->password.value)
                secret_protect_process();
        *ret = &TAKE_PTR(hb)->backend;
        return 0;
}
