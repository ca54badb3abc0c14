/* SPDX-License-Identifier: MIT */
/* A small MOLGENIS EMX2 server for tests: the Directory's CSV and ZIP endpoints, tokens and
 * sign-in, the server's rules (id patterns, required columns, foreign keys checked per statement,
 * 100-row batches, one-transaction ZIP import) and faults on request (reference/directory-api.md
 * is the contract, tests/emulator/README.md the manual). It serves a folder in the file backend's
 * layout, <root>/<schema>/<Table>.csv, and writes every committed change back there.
 *
 * One thread per connection (a latency fault must not hold up other connections); one lock
 * around all state, released only while a latency fault sleeps. Test tool, not installed. */

#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <zip.h>

#include "csv.h"
#include "dataset.h"
#include "diff.h"
#include "emx2csv.h"
#include "export.h"
#include "limits.h"
#include "model.h"
#include "util.h"

#define EMULATOR_MAX_BODY_BYTES (64u * 1024 * 1024)     /* one request body */
#define EMULATOR_MAX_FILE_BYTES LIMIT_CSV_FILE_BYTES     /* a table file, a ZIP entry */
#define EMULATOR_MAX_PEM_BYTES (1u * 1024 * 1024)
#define EMULATOR_BATCH_ROWS 100u                         /* rows per transaction of a CSV POST */
#define EMULATOR_MAX_TOKENS 100000u
#define EMULATOR_MAX_USERS 1024u
#define EMULATOR_MAX_FAULTS 4096u
#define EMULATOR_MAX_TASKS 100000u
#define EMULATOR_MAX_LATENCY_MS 600000u
#define EMULATOR_MAX_RETRY_AFTER 86400u
#define EMULATOR_MAX_TOKEN_TTL (10u * 365 * 24 * 3600)
#define EMULATOR_REMOVE_DIRECTLY 16u                     /* more deletes in one table: rebuild it */
#define EMULATOR_CONNECTION_TIMEOUT 120u
#define EMULATOR_DROP_DECLARED_BYTES 65536u              /* Content-Length a dropped response claims */

#define ONTOLOGY_SCHEMA "DirectoryOntologies"
#define PUBLISHED_SCHEMA "ERIC"

static const char drop_prefix[] = "id,name\nbbmri-eric:ID:BE_";

typedef enum Role {
        ROLE_NONE,
        ROLE_VIEWER,
        ROLE_EDITOR,
} Role;

typedef struct Token {
        char *value;
        Role role;
        bool expired;           /* an expire-token fault hit it */
        uint64_t expires_usec;  /* CLOCK_MONOTONIC; UINT64_MAX: never */
} Token;

typedef struct User {
        char *email, *password;
        Role role;
} User;

typedef enum FaultKind {
        FAULT_LATENCY,
        FAULT_STATUS,           /* 502, 503, 504 with an HTML body, as a reverse proxy sends */
        FAULT_DROP,
        FAULT_EXPIRE_TOKEN,
        FAULT_STATEMENT_TIMEOUT,
        FAULT_FAIL_BATCH,
        /* A 200 to a GET whose body is no answer of that request, as a misbehaving proxy or server
         * sends it (the client must not cache it): */
        FAULT_HTML,             /* a login page, text/html */
        FAULT_HTML_AS_CSV,      /* the same page labelled text/csv */
        FAULT_CUT,              /* the real answer's first N bytes, with a Content-Length of N */
        FAULT_OTHER_TABLE,      /* a CSV table of other columns */
        FAULT_SHORT_ROW,        /* the real answer and one more row of a single field */
} FaultKind;

typedef enum FaultCounter {
        COUNT_ALL,              /* N: every request */
        COUNT_WRITES,           /* wN: requests whose method is not GET */
        COUNT_READS,            /* rN: GET requests */
} FaultCounter;

typedef struct Fault {
        FaultKind kind;
        const char *name;       /* for the request log */
        unsigned arg;           /* latency ms, status code, batch number */
        unsigned retry_after;   /* 503: seconds, 0 = none */
        FaultCounter counter;
        unsigned first, last;
        char *path;             /* @/PATH: every request for that URL path instead of numbers */
} Fault;

typedef enum SchemaKind {
        SCHEMA_STAGING,         /* BBMRI-*: a dataset in memory, written back after each commit */
        SCHEMA_RAW,             /* ERIC, DirectoryOntologies, anything else: files, read-only */
} SchemaKind;

typedef struct Schema {
        char *name;
        SchemaKind kind;
        Dataset *data;          /* staging only */
        bool *dirty;            /* staging: per table, committed but not yet written back */
} Schema;

typedef struct Task {
        char id[33];
        bool failed;
        char *description;
        unsigned polls;
} Task;

typedef struct Emulator {
        char *root;
        Model *model;
        Schema *schemas;
        size_t n_schemas, schemas_allocated;
        Token *tokens;
        size_t n_tokens, tokens_allocated;
        User *users;
        size_t n_users, users_allocated;
        uint64_t token_ttl_usec;
        Fault *faults;
        size_t n_faults, faults_allocated;
        Task *tasks;
        size_t n_tasks, tasks_allocated;
        FILE *request_log;
        char *live_model;       /* --live-model, served verbatim */
        bool no_schema_zip;     /* --no-schema-zip: GET /<schema>/api/zip is "not found" */
        size_t live_model_size;
        char *model_csv;        /* generated from the model */
        size_t model_csv_size;
        StrMap *ontologies;     /* ontology table -> StrMap of its names (keys in arena) */
        Arena arena;
        char **loaded_files;    /* file names rows point to (Row.origin.file) */
        unsigned n_requests, n_writes, n_reads;
        pthread_mutex_t lock;
        pthread_cond_t wake;    /* CLOCK_MONOTONIC; broadcast on shutdown */
        bool stopping;
} Emulator;

/* One request while its body arrives. Created by the URI log callback (so the raw query is kept),
 * freed when MHD says the request is done. */
typedef struct Request {
        char *query;            /* raw query string, "" when none */
        char *body;
        size_t size, allocated;
        uint64_t bytes_in;
        bool too_big;
        bool started;
        uint64_t start_usec;    /* CLOCK_MONOTONIC when the request arrived, for the log */
        bool write;             /* method is not GET */
        unsigned n, nth;        /* number overall; number among writes or among reads */
        const char *url;        /* the URL path, while the request is processed */
} Request;

/* What a request is answered with, built under the lock, sent after it. */
typedef struct Reply {
        unsigned status;
        const char *content_type;
        char *body;
        size_t size;
        unsigned retry_after;
        bool drop;
        const char *fault;      /* the fault that shaped this reply, for the log */
        json_t *tables;         /* the rows the request carried, for the log */
} Reply;

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int grow_array(void **array, size_t *allocated, size_t need, size_t size) {
        if (need <= *allocated)
                return 0;
        size_t a = *allocated ? *allocated : 8;
        while (a < need) {
                if (a > SIZE_MAX / 2 / size)
                        return -ENOMEM;
                a *= 2;
        }
        void *p = reallocarray(*array, a, size);
        if (!p)
                return -ENOMEM;
        *array = p;
        *allocated = a;
        return 0;
}
#define GROW(array, allocated, need) grow_array((void **) &(array), &(allocated), (need), sizeof((array)[0]))

/* Sets *error unless it is set already (the first problem wins). Returns -EBADMSG, or -ENOMEM. */
static int set_error(char **error, const char *fmt, ...) _printf_(2, 3);
static int set_error(char **error, const char *fmt, ...) {
        if (*error)
                return -EBADMSG;
        va_list ap;
        va_start(ap, fmt);
        *error = strdup_vprintf(fmt, ap);
        va_end(ap);
        return *error ? -EBADMSG : -ENOMEM;
}

static int parse_unsigned(const char *s, uint64_t max, uint64_t *ret) {
        if (isempty(s) || s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || !end || *end || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int random_hex(char *buf, size_t n_bytes) {
        unsigned char raw[32];
        if (n_bytes > sizeof raw)
                return -EINVAL;
        if (getrandom(raw, n_bytes, 0) != (ssize_t) n_bytes)
                return -errno ?: -EIO;
        for (size_t i = 0; i < n_bytes; i++)
                snprintf(buf + 2 * i, 3, "%02x", raw[i]);
        return 0;
}

/* A JSON string of s; bytes that are not UTF-8 (a URL can hold anything) become '?'. */
static json_t *json_string_lossy(const char *s) {
        json_t *j = json_string(s ?: "");
        if (j)
                return j;
        _cleanup_free_ char *copy = strdup(s);
        if (!copy)
                return NULL;
        size_t bad;
        while (!utf8_is_valid(copy, strlen(copy), &bad))
                copy[bad] = '?';
        return json_string(copy);
}

/* ---- replies ---- */

static void reply_set(Reply *r, unsigned status, const char *type, char *body, size_t size) {
        free(r->body);
        r->status = status;
        r->content_type = type;
        r->body = body;
        r->size = body ? size : 0;
        r->drop = false;
}

static void reply_text(Reply *r, unsigned status, const char *type, const char *text) {
        char *b = strdup(text);
        reply_set(r, status, type, b, b ? strlen(b) : 0);
}

static void reply_json(Reply *r, unsigned status, json_t *j) {
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        reply_set(r, status, "application/json", text, text ? strlen(text) : 0);
}

/* Every server error: HTTP 400 and {"errors":[{"message":...}]}. */
static void reply_error(Reply *r, const char *message) {
        json_t *m = json_string_lossy(message);
        reply_json(r, 400, m ? json_pack("{s:[{s:o}]}", "errors", "message", m) : NULL);
}

static void reply_errorf(Reply *r, const char *fmt, ...) _printf_(2, 3);
static void reply_errorf(Reply *r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *m = strdup_vprintf(fmt, ap);
        va_end(ap);
        reply_error(r, m ?: "out of memory");
}

static void reply_errno(Reply *r, const char *error, int k) {
        if (error)
                reply_error(r, error);
        else
                reply_errorf(r, "internal error: %s", strerror(-k));
}

static void reply_done(Reply *r) {
        r->body = mfree(r->body);
        json_decref(r->tables);
        r->tables = NULL;
}

/* ---- the request log ---- */

static json_t *log_table(Reply *r, const char *table) {
        json_t *t = json_object_get(r->tables, table);
        if (t)
                return t;
        t = json_pack("{s:i,s:i,s:[]}", "upserts", 0, "deletes", 0, "ids");
        if (!t || json_object_set_new(r->tables, table, t) < 0)
                return NULL;
        return t;
}

static void log_row(json_t *entry, const char *id, bool deleted) {
        if (!entry)
                return;
        json_t *n = json_object_get(entry, deleted ? "deletes" : "upserts");
        json_integer_set(n, json_integer_value(n) + 1);
        json_array_append_new(json_object_get(entry, "ids"), json_string(id));
}

/* One JSON line per request, written before the reply is sent: a client that has its answer can
 * read its line. Token values never appear: only whether one was sent. */
static void log_request(Emulator *e, const Request *req, const char *method, const char *url, const Reply *r,
                        bool token) {
        if (!e->request_log)
                return;
        _cleanup_(json_decrefp) json_t *j = json_object();
        if (!j)
                return;
        json_object_set_new(j, "n", json_integer(req->n));
        json_object_set_new(j, "method", json_string_lossy(method));
        json_object_set_new(j, "path", json_string_lossy(url));
        json_object_set_new(j, "query", json_string_lossy(req->query));
        json_object_set_new(j, "status", json_integer(r->status));
        json_object_set_new(j, "write", json_boolean(req->write));
        json_object_set_new(j, "token", json_string(token ? "present" : "absent"));
        json_object_set_new(j, "fault", r->fault ? json_string(r->fault) : json_null());
        json_object_set_new(j, "bytes_in", json_integer((json_int_t) req->bytes_in));
        json_object_set_new(j, "bytes_out", json_integer((json_int_t) (r->drop ? sizeof drop_prefix - 1 : r->size)));
        json_object_set_new(j, "tables", r->tables ? json_incref(r->tables) : json_object());
        /* When it came and when its answer was ready (ms, CLOCK_MONOTONIC): a test finds which
         * requests overlapped and how many waited on each other. */
        json_object_set_new(j, "start_ms", json_real((double) req->start_usec / 1000.0));
        json_object_set_new(j, "end_ms", json_real((double) now_usec_monotonic() / 1000.0));
        _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
        if (!text)
                return;
        fprintf(e->request_log, "%s\n", text);
        fflush(e->request_log);
}

/* ---- faults ---- */

static int parse_fault_kind(const char *kind, bool has_arg, uint64_t arg, Fault *ret);

static int parse_fault(const char *spec, Fault *ret) {
        const char *at = strrchr(spec, '@');
        if (!at)
                return -EINVAL;
        _cleanup_free_ char *kind = strndup(spec, (size_t) (at - spec));
        if (!kind)
                return -ENOMEM;
        char *colon = strchr(kind, ':');
        uint64_t arg = 0;
        bool has_arg = colon != NULL;
        if (colon) {
                *colon = 0;
                if (parse_unsigned(colon + 1, UINT32_MAX, &arg) < 0)
                        return -EINVAL;
        }

        Fault f = { .counter = COUNT_ALL };
        const char *sel = at + 1;
        if (*sel == '/') {
                f.path = strdup(sel);
                if (!f.path)
                        return -ENOMEM;
        } else if (*sel == 'w') {
                f.counter = COUNT_WRITES;
                sel++;
        } else if (*sel == 'r') {
                f.counter = COUNT_READS;
                sel++;
        }
        _cleanup_free_ char *range = strdup(sel);
        if (!range) {
                free(f.path);
                return -ENOMEM;
        }
        char *dash = strchr(range, '-');
        if (dash)
                *dash = 0;
        uint64_t first = 0, last = 0;
        if (!f.path && (parse_unsigned(range, UINT32_MAX, &first) < 0 || first == 0))
                return -EINVAL;
        last = first = f.path ? 0 : first;
        if (!f.path && dash && (parse_unsigned(dash + 1, UINT32_MAX, &last) < 0 || last < first))
                return -EINVAL;
        f.first = (unsigned) first;
        f.last = (unsigned) last;
        int r = parse_fault_kind(kind, has_arg, arg, &f);
        if (r < 0) {
                free(f.path);
                return r;
        }
        *ret = f;
        return 0;
}

static int parse_fault_kind(const char *kind, bool has_arg, uint64_t arg, Fault *ret) {
        Fault f = *ret;

        if (streq(kind, "latency")) {
                if (!has_arg || arg > EMULATOR_MAX_LATENCY_MS)
                        return -EINVAL;
                f.kind = FAULT_LATENCY;
                f.arg = (unsigned) arg;
        } else if (streq(kind, "502") || streq(kind, "503") || streq(kind, "504")) {
                if (has_arg && (!streq(kind, "503") || arg == 0 || arg > EMULATOR_MAX_RETRY_AFTER))
                        return -EINVAL;
                f.kind = FAULT_STATUS;
                f.arg = (unsigned) strtoul(kind, NULL, 10);
                f.retry_after = (unsigned) arg;
        } else if (streq(kind, "drop") || streq(kind, "expire-token") || streq(kind, "statement-timeout")) {
                if (has_arg)
                        return -EINVAL;
                f.kind = streq(kind, "drop") ? FAULT_DROP
                         : streq(kind, "expire-token") ? FAULT_EXPIRE_TOKEN
                                                       : FAULT_STATEMENT_TIMEOUT;
        } else if (streq(kind, "fail-batch")) {
                if (!has_arg || arg == 0)
                        return -EINVAL;
                f.kind = FAULT_FAIL_BATCH;
                f.arg = (unsigned) arg;
        } else if (streq(kind, "cut")) {
                if (!has_arg)
                        return -EINVAL;
                f.kind = FAULT_CUT;
                f.arg = (unsigned) arg;
        } else if (streq(kind, "html") || streq(kind, "html-as-csv") || streq(kind, "other-table") ||
                   streq(kind, "short-row")) {
                if (has_arg)
                        return -EINVAL;
                f.kind = streq(kind, "html") ? FAULT_HTML
                         : streq(kind, "html-as-csv") ? FAULT_HTML_AS_CSV
                         : streq(kind, "other-table") ? FAULT_OTHER_TABLE
                                                      : FAULT_SHORT_ROW;
        } else
                return -EINVAL;

        static const char *const names[] = {
                [FAULT_LATENCY] = "latency",
                [FAULT_DROP] = "drop",
                [FAULT_EXPIRE_TOKEN] = "expire-token",
                [FAULT_STATEMENT_TIMEOUT] = "statement-timeout",
                [FAULT_FAIL_BATCH] = "fail-batch",
                [FAULT_HTML] = "html",
                [FAULT_HTML_AS_CSV] = "html-as-csv",
                [FAULT_CUT] = "cut",
                [FAULT_OTHER_TABLE] = "other-table",
                [FAULT_SHORT_ROW] = "short-row",
        };
        f.name = f.kind != FAULT_STATUS ? names[f.kind] : f.arg == 502 ? "502" : f.arg == 503 ? "503" : "504";
        *ret = f;
        return 0;
}

static bool fault_matches(const Fault *f, const Request *req) {
        if (f->path)
                return req->url && streq(f->path, req->url);
        unsigned i = f->counter == COUNT_ALL ? req->n
                     : (f->counter == COUNT_WRITES) == req->write ? req->nth
                                                                   : 0;
        return i >= f->first && i <= f->last;
}

/* The first fault of each kind given for this request (command-line order). */
static const Fault *fault_for(const Emulator *e, const Request *req, FaultKind kind) {
        for (size_t i = 0; i < e->n_faults; i++)
                if (e->faults[i].kind == kind && fault_matches(&e->faults[i], req))
                        return &e->faults[i];
        return NULL;
}

/* The fault that decides the reply: the first proxy status, drop or statement timeout. */
static const Fault *fault_response(const Emulator *e, const Request *req) {
        for (size_t i = 0; i < e->n_faults; i++) {
                FaultKind k = e->faults[i].kind;
                if ((k == FAULT_STATUS || k == FAULT_DROP || k == FAULT_STATEMENT_TIMEOUT) &&
                    fault_matches(&e->faults[i], req))
                        return &e->faults[i];
        }
        return NULL;
}

/* Sleeps with the lock released, woken early on shutdown. */
static void sleep_unlocked(Emulator *e, unsigned ms) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += ms / 1000;
        deadline.tv_nsec += (long) (ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        while (!e->stopping)
                if (pthread_cond_timedwait(&e->wake, &e->lock, &deadline) == ETIMEDOUT)
                        break;
}

/* A response cut off after its first bytes: the connection is closed mid-body. */
static ssize_t drop_reader(void *cls, uint64_t pos, char *buf, size_t max) {
        if (pos >= sizeof drop_prefix - 1)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = sizeof drop_prefix - 1 - (size_t) pos;
        if (n > max)
                n = max;
        memcpy(buf, drop_prefix + pos, n);
        return (ssize_t) n;
}

static void reply_proxy_status(Reply *r, const Fault *f) {
        const char *title = f->arg == 502 ? "502 Bad Gateway"
                            : f->arg == 503 ? "503 Service Temporarily Unavailable"
                                            : "504 Gateway Time-out";
        char *html = strdup_printf("<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n"
                                   "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                                   title, title);
        reply_set(r, f->arg, "text/html", html, html ? strlen(html) : 0);
        r->retry_after = f->retry_after;
}

/* ---- tokens ---- */

static int add_token(Emulator *e, const char *value, Role role, uint64_t expires) {
        if (e->n_tokens >= EMULATOR_MAX_TOKENS)
                return -E2BIG;
        if (GROW(e->tokens, e->tokens_allocated, e->n_tokens + 1) < 0)
                return -ENOMEM;
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        e->tokens[e->n_tokens++] = (Token) { .value = v, .role = role, .expires_usec = expires };
        return 0;
}

/* True and the role when the token is known and alive. */
static bool token_check(const Emulator *e, const char *value, Role *ret_role) {
        uint64_t now = now_usec_monotonic();
        for (size_t i = 0; i < e->n_tokens; i++)
                if (streq(e->tokens[i].value, value)) {
                        if (e->tokens[i].expired || now >= e->tokens[i].expires_usec)
                                return false;
                        *ret_role = e->tokens[i].role;
                        return true;
                }
        return false;
}

static Role role_from_string(const char *s) {
        return streq(s, "editor") ? ROLE_EDITOR : streq(s, "viewer") ? ROLE_VIEWER : ROLE_NONE;
}

/* ---- schemas ---- */

static Schema *schema_find(Emulator *e, const char *name) {
        for (size_t i = 0; i < e->n_schemas; i++)
                if (streq(e->schemas[i].name, name))
                        return &e->schemas[i];
        return NULL;
}

static void print_findings(const Findings *f) {
        for (size_t i = 0; i < f->n_items; i++) {
                _cleanup_free_ char *line = finding_format(&f->items[i]);
                fprintf(stderr, "emx2-emulator: %s\n", line ?: f->items[i].message);
        }
}

static int load_staging(Emulator *e, Schema *s) {
        int r = dataset_new(e->model, &s->data);
        if (r < 0)
                return r;
        dataset_keep_cell_locations(s->data, false);
        s->dirty = calloc(e->model->n_tables, sizeof(bool));
        if (!s->dirty)
                return -ENOMEM;
        for (size_t t = 0; t < e->model->n_tables; t++) {
                char *file = strdup_printf("%s/%s/%s.csv", e->root, s->name, e->model->tables[t].name);
                if (!file || strv_consume(&e->loaded_files, file) < 0)
                        return -ENOMEM;
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                r = read_file_limited(file, EMULATOR_MAX_FILE_BYTES, &data, &size);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        fprintf(stderr, "emx2-emulator: %s: %s\n", file, strerror(-r));
                        return r;
                }
                Findings f;
                findings_init(&f);
                Emx2ReadStats stats = {};
                r = emx2_read_table(s->data, t, data, size, file, &stats, &f);
                print_findings(&f);
                for (char **u = stats.unknown_columns; u && *u; u++)
                        fprintf(stderr, "emx2-emulator: %s: column '%s' is not in the model, ignored\n", file, *u);
                emx2_read_stats_done(&stats);
                findings_done(&f);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_schema(Emulator *e, const char *name) {
        if (GROW(e->schemas, e->schemas_allocated, e->n_schemas + 1) < 0)
                return -ENOMEM;
        Schema *s = &e->schemas[e->n_schemas++];
        *s = (Schema) { .name = strdup(name), .kind = startswith(name, "BBMRI-") ? SCHEMA_STAGING : SCHEMA_RAW };
        if (!s->name)
                return -ENOMEM;
        return s->kind == SCHEMA_STAGING ? load_staging(e, s) : 0;
}

typedef struct OntologyReader {
        Emulator *e;
        StrMap *names;
        int name_column;
        bool header_done;
} OntologyReader;

static int ontology_record(void *userdata, unsigned line, char **fields, size_t n) {
        OntologyReader *o = userdata;
        if (!o->header_done) {
                o->header_done = true;
                o->name_column = -1;
                for (size_t i = 0; i < n; i++)
                        if (streq(fields[i], "name"))
                                o->name_column = (int) i;
                return o->name_column < 0 ? -EBADMSG : 0;
        }
        if ((size_t) o->name_column >= n || isempty(fields[o->name_column]))
                return 0;
        char *name = arena_strdup(&o->e->arena, fields[o->name_column]);
        if (!name)
                return -ENOMEM;
        int r = strmap_put(o->names, name, NULL);
        return r == -EEXIST ? 0 : r;
}

/* The names of every ontology table the model refers to and the root has a file for: values of
 * ontology columns must be one of them (a foreign key into DirectoryOntologies on the server). */
static int load_ontologies(Emulator *e) {
        e->ontologies = strmap_new();
        if (!e->ontologies)
                return -ENOMEM;
        for (size_t t = 0; t < e->model->n_tables; t++)
                for (size_t c = 0; c < e->model->tables[t].n_columns; c++) {
                        const char *name = e->model->tables[t].columns[c].ontology;
                        if (!name || strmap_contains(e->ontologies, name))
                                continue;
                        _cleanup_free_ char *file = strdup_printf("%s/" ONTOLOGY_SCHEMA "/%s.csv", e->root, name);
                        _cleanup_free_ char *data = NULL;
                        size_t size = 0;
                        if (!file)
                                return -ENOMEM;
                        int r = read_file_limited(file, EMULATOR_MAX_FILE_BYTES, &data, &size);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0) {
                                fprintf(stderr, "emx2-emulator: %s: %s\n", file, strerror(-r));
                                return r;
                        }
                        _cleanup_(strmap_freep) StrMap *names = strmap_new();
                        if (!names)
                                return -ENOMEM;
                        OntologyReader o = { .e = e, .names = names };
                        Findings f;
                        findings_init(&f);
                        r = csv_parse(data, size, file, ontology_record, &o, &f);
                        print_findings(&f);
                        findings_done(&f);
                        if (r < 0) {
                                fprintf(stderr, "emx2-emulator: %s: cannot read the ontology (a 'name' column is needed)\n",
                                        file);
                                return r;
                        }
                        r = strmap_put(e->ontologies, name, names);
                        if (r < 0)
                                return r;
                        TAKE_PTR(names);
                }
        return 0;
}

static int write_back(Emulator *e, Schema *s) {
        int ret = 0;
        if (s->kind != SCHEMA_STAGING)
                return 0;
        for (size_t t = 0; t < e->model->n_tables; t++) {
                if (!s->dirty[t])
                        continue;
                _cleanup_free_ char *file = strdup_printf("%s/%s/%s.csv", e->root, s->name, e->model->tables[t].name);
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                if (!file)
                        return -ENOMEM;
                int r = emx2_table_to_buffer(s->data, t, NULL, 0, NULL, false, &data, &size);
                if (r >= 0)
                        r = write_file_atomic(file, data, size, 0644);
                if (r < 0) {
                        fprintf(stderr, "emx2-emulator: cannot write %s: %s\n", file, strerror(-r));
                        if (ret == 0)
                                ret = r;
                        continue;
                }
                s->dirty[t] = false;
        }
        return ret;
}

/* The model in MOLGENIS' model CSV format, as GET /<schema>/api/csv answers. */
static int generate_model_csv(const Model *m, char **ret, size_t *ret_size) {
        static const char *const header[] = {
                "tableName", "tableExtends", "columnName", "label",    "columnType", "key",
                "required",  "isReadonly",   "description", "refSchema", "refTable",   "refBack",
                "refLabel",  "defaultValue", "validation", "message",   "computed",   "semantics",
        };
        enum { F_TABLE = 0, F_COLUMN = 2, F_TYPE = 4, F_KEY = 5, F_REQUIRED = 6, F_DESCRIPTION = 8,
               F_REF_SCHEMA = 9, F_REF_TABLE = 10, F_REF_BACK = 11, N_FIELDS = ELEMENTSOF(header) };
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        if (!out)
                return -ENOMEM;
        int r = csv_write_record(out, header, N_FIELDS);
        for (size_t t = 0; r >= 0 && t < m->n_tables; t++) {
                const ModelTable *mt = &m->tables[t];
                const char *row[N_FIELDS] = {};
                row[F_TABLE] = mt->name;
                row[F_DESCRIPTION] = mt->description;
                r = csv_write_record(out, row, N_FIELDS);
                for (size_t c = 0; r >= 0 && c < mt->n_columns; c++) {
                        const ModelColumn *col = &mt->columns[c];
                        const char *f[N_FIELDS] = {};
                        f[F_TABLE] = mt->name;
                        f[F_COLUMN] = col->name;
                        f[F_TYPE] = column_type_to_string(col->type);
                        f[F_KEY] = col->key ? "1" : NULL;
                        f[F_REQUIRED] = col->required ? "true" : "false";
                        if (col->ontology) {
                                f[F_REF_SCHEMA] = ONTOLOGY_SCHEMA;
                                f[F_REF_TABLE] = col->ontology;
                        } else
                                f[F_REF_TABLE] = col->ref_table;
                        if (col->type == COLUMN_REFBACK)
                                f[F_REF_BACK] = col->refback_via;
                        r = csv_write_record(out, f, N_FIELDS);
                }
        }
        if (r >= 0 && ferror(out))
                r = -EIO;
        fclose(out);
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

/* ---- transactions: an overlay of pending rows over a staging dataset ----
 *
 * Nothing touches the dataset until the commit, so a rollback is dropping the overlay. Rules are
 * checked per step (one table's upserts, one table's deletes), like PostgreSQL checks immediate
 * foreign keys per statement, against the state after the step. Only rows a step touches are
 * checked (and, for deletes, rows that refer to the deleted ones), as a database does. */

typedef struct Pending {
        const char *id;
        size_t table;
        const char **cells;     /* the row after the transaction; NULL: deleted */
        bool in_dataset;        /* the row existed when the transaction began */
        unsigned step;          /* the last step that listed it */
} Pending;

typedef struct TxnTable {
        StrMap *pending;        /* id -> Pending */
        Pending **order;
        size_t n_order, allocated;
} TxnTable;

typedef struct Txn {
        Emulator *e;
        Schema *schema;
        Arena arena;
        TxnTable *tables;
        size_t n_tables;
        Pending **step_rows;
        size_t n_step_rows, step_allocated;
        unsigned step;
        char **error;
        char *scratch;
        size_t scratch_size;
        char **items;
        size_t items_allocated;
} Txn;

static Txn *txn_free(Txn *txn) {
        if (!txn)
                return NULL;
        for (size_t t = 0; txn->tables && t < txn->n_tables; t++) {
                strmap_free(txn->tables[t].pending);
                free(txn->tables[t].order);
        }
        free(txn->tables);
        free(txn->step_rows);
        free(txn->scratch);
        free(txn->items);
        arena_done(&txn->arena);
        free(txn);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Txn, txn_free);

static int txn_new(Emulator *e, Schema *s, char **error, Txn **ret) {
        _cleanup_(txn_freep) Txn *txn = calloc(1, sizeof(Txn));
        if (!txn)
                return -ENOMEM;
        arena_init(&txn->arena);
        txn->e = e;
        txn->schema = s;
        txn->error = error;
        txn->step = 1;
        txn->n_tables = e->model->n_tables;
        txn->tables = calloc(txn->n_tables, sizeof(TxnTable));
        if (!txn->tables)
                return -ENOMEM;
        for (size_t t = 0; t < txn->n_tables; t++)
                if (!(txn->tables[t].pending = strmap_new()))
                        return -ENOMEM;
        *ret = TAKE_PTR(txn);
        return 0;
}

/* The cells of a row as the transaction sees it, or NULL when it has no such row. */
static const char **txn_cells(const Txn *txn, size_t table, const char *id) {
        Pending *p = strmap_get(txn->tables[table].pending, id);
        if (p)
                return p->cells;
        Row *row = dataset_find(txn->schema->data, table, id);
        return row ? row->cells : NULL;
}

static const char *txn_scratch(Txn *txn, const char *s, size_t n) {
        if (n + 1 > txn->scratch_size) {
                char *b = realloc(txn->scratch, n + 1);
                if (!b)
                        return NULL;
                txn->scratch = b;
                txn->scratch_size = n + 1;
        }
        memcpy(txn->scratch, s, n);
        txn->scratch[n] = 0;
        return txn->scratch;
}

static int txn_track(Txn *txn, Pending *p) {
        if (p->step == txn->step)
                return 0;
        if (GROW(txn->step_rows, txn->step_allocated, txn->n_step_rows + 1) < 0)
                return -ENOMEM;
        txn->step_rows[txn->n_step_rows++] = p;
        p->step = txn->step;
        return 0;
}

static void txn_end_step(Txn *txn) {
        txn->n_step_rows = 0;
        txn->step++;
}

static int txn_pending(Txn *txn, size_t table, const char *id, Pending **ret) {
        TxnTable *tt = &txn->tables[table];
        Pending *p = strmap_get(tt->pending, id);
        if (p) {
                *ret = p;
                return 0;
        }
        const ModelTable *mt = &txn->e->model->tables[table];
        Row *row = dataset_find(txn->schema->data, table, id);
        p = arena_alloc0(&txn->arena, sizeof(Pending));
        if (!p || !(p->id = arena_strdup(&txn->arena, id)))
                return -ENOMEM;
        p->table = table;
        p->in_dataset = row != NULL;
        if (row) {
                p->cells = arena_alloc(&txn->arena, mt->n_columns * sizeof(char *));
                if (!p->cells)
                        return -ENOMEM;
                memcpy(p->cells, row->cells, mt->n_columns * sizeof(char *));
        }
        if (GROW(tt->order, tt->allocated, tt->n_order + 1) < 0)
                return -ENOMEM;
        int r = strmap_put(tt->pending, p->id, p);
        if (r < 0)
                return r;
        tt->order[tt->n_order++] = p;
        *ret = p;
        return 0;
}

/* The row to upsert into: the current one (merged: columns not set stay as they are), or a new
 * one with the model's defaults. */
static int txn_upsert(Txn *txn, size_t table, const char *id, Pending **ret) {
        const ModelTable *mt = &txn->e->model->tables[table];
        Pending *p;
        int r = txn_pending(txn, table, id, &p);
        if (r < 0)
                return r;
        if (!p->cells) {
                p->cells = arena_alloc0(&txn->arena, mt->n_columns * sizeof(char *));
                if (!p->cells)
                        return -ENOMEM;
                for (size_t c = 0; c < mt->n_columns; c++)
                        if (mt->columns[c].node_owned)
                                p->cells[c] = mt->columns[c].default_value;
                p->cells[mt->id_column] = p->id;
        }
        r = txn_track(txn, p);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

/* Sets one cell from a CSV field (NULL: the row has no such field; lists are comma-joined). */
static int txn_set(Txn *txn, Pending *p, size_t column, char *field) {
        const ModelTable *mt = &txn->e->model->tables[p->table];
        const ModelColumn *col = &mt->columns[column];
        if (isempty(field)) {
                p->cells[column] = NULL;
                return 0;
        }
        if (!column_type_is_list(col->type)) {
                p->cells[column] = arena_strdup(&txn->arena, field);
                return p->cells[column] ? 0 : -ENOMEM;
        }
        size_t n = 0, total = 0;
        int r = emx2_split_list(field, &txn->items, &txn->items_allocated, &n);
        if (r == -E2BIG)
                return set_error(txn->error, "Table %s: column '%s' has more than %u items (id '%s')", mt->name,
                                 col->name, LIMIT_LIST_ITEMS, p->id);
        if (r < 0)
                return r;
        if (n == 0) {
                p->cells[column] = NULL;
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                if (strchr(txn->items[i], DATASET_LIST_SEP))
                        return set_error(txn->error, "Table %s: column '%s' holds a control character (id '%s')",
                                         mt->name, col->name, p->id);
                total += strlen(txn->items[i]) + 1;
        }
        char *joined = arena_alloc(&txn->arena, total), *w = joined;
        if (!joined)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(txn->items[i]);
                if (i > 0)
                        *w++ = DATASET_LIST_SEP;
                memcpy(w, txn->items[i], len);
                w += len;
        }
        *w = 0;
        p->cells[column] = joined;
        return 0;
}

static int txn_delete(Txn *txn, size_t table, const char *id) {
        if (!txn_cells(txn, table, id))
                return 0; /* nothing to delete: not an error on the server either */
        Pending *p;
        int r = txn_pending(txn, table, id, &p);
        if (r < 0)
                return r;
        p->cells = NULL;
        return txn_track(txn, p);
}

/* The values of a cell: the whole cell for a scalar column, each item for a list. */
static bool cell_next(const ModelColumn *col, const char **state, const char **ret_item, size_t *ret_len) {
        if (column_type_is_list(col->type))
                return dataset_list_next(state, ret_item, ret_len);
        if (isempty(*state))
                return false;
        *ret_item = *state;
        *ret_len = strlen(*state);
        *state = NULL;
        return true;
}

static bool column_is_reference(const ModelColumn *col) {
        return col->node_owned && (col->type == COLUMN_REF || col->type == COLUMN_REF_ARRAY) && col->ref_table_index >= 0;
}

static int check_row(Txn *txn, const Pending *p) {
        const ModelTable *mt = &txn->e->model->tables[p->table];
        if (mt->id_pattern && regexec(&mt->id_regex, p->id, 0, NULL, 0) != 0)
                return set_error(txn->error, "Table %s: %s (id '%s')", mt->name,
                                 mt->id_message ?: "the id does not match the table's pattern", p->id);
        for (size_t c = 0; c < mt->n_columns; c++) {
                const ModelColumn *col = &mt->columns[c];
                if (!col->node_owned || c == mt->id_column)
                        continue;
                if (isempty(p->cells[c])) {
                        if (col->required)
                                return set_error(txn->error, "Table %s: column '%s' is required (id '%s')", mt->name,
                                                 col->name, p->id);
                        continue;
                }
                bool is_ref = column_is_reference(col);
                const StrMap *names = !is_ref && col->ontology ? strmap_get(txn->e->ontologies, col->ontology) : NULL;
                if (!is_ref && !names)
                        continue;
                const char *target = is_ref ? col->ref_table : col->ontology;
                const char *state = p->cells[c], *item;
                size_t len;
                while (cell_next(col, &state, &item, &len)) {
                        const char *v = txn_scratch(txn, item, len);
                        if (!v)
                                return -ENOMEM;
                        bool found = is_ref ? txn_cells(txn, (size_t) col->ref_table_index, v) != NULL
                                            : strmap_contains(names, v);
                        if (!found)
                                return set_error(txn->error,
                                                 "insert or update on table \"%s\" violates foreign key constraint "
                                                 "\"%s.%s REFERENCES %s\": Key (%s)=(%s) is not present in table \"%s\" "
                                                 "(id '%s')",
                                                 mt->name, mt->name, col->name, target, col->name, v, target, p->id);
                }
        }
        return 0;
}

static int txn_check_upserts(Txn *txn) {
        for (size_t i = 0; i < txn->n_step_rows; i++)
                if (txn->step_rows[i]->cells) {
                        int r = check_row(txn, txn->step_rows[i]);
                        if (r < 0)
                                return r;
                }
        txn_end_step(txn);
        return 0;
}

static int check_referrer(Txn *txn, size_t table, size_t referrer, const ModelColumn *col, const char *id,
                          const char *cell, const StrMap *deleted) {
        const char *state = cell, *item;
        size_t len;
        while (cell_next(col, &state, &item, &len)) {
                const char *v = txn_scratch(txn, item, len);
                if (!v)
                        return -ENOMEM;
                if (strmap_contains(deleted, v)) {
                        const char *name = txn->e->model->tables[table].name;
                        const char *rname = txn->e->model->tables[referrer].name;
                        return set_error(txn->error,
                                         "update or delete on table \"%s\" violates foreign key constraint \"%s.%s "
                                         "REFERENCES %s\" on table \"%s\": Key (id)=(%s) is still referenced from table "
                                         "\"%s\" (id '%s')",
                                         name, rname, col->name, name, rname, v, rname, id);
                }
        }
        return 0;
}

/* After a step of deletes from table: no row left may refer to a deleted one. */
static int txn_check_deletes(Txn *txn, size_t table) {
        _cleanup_(strmap_freep) StrMap *deleted = strmap_new();
        if (!deleted)
                return -ENOMEM;
        for (size_t i = 0; i < txn->n_step_rows; i++) {
                Pending *p = txn->step_rows[i];
                if (!p->cells && p->table == table) {
                        int r = strmap_put(deleted, p->id, p);
                        if (r < 0 && r != -EEXIST)
                                return r;
                }
        }
        txn_end_step(txn);
        if (strmap_size(deleted) == 0)
                return 0;
        const Model *m = txn->e->model;
        for (size_t rt = 0; rt < m->n_tables; rt++)
                for (size_t c = 0; c < m->tables[rt].n_columns; c++) {
                        const ModelColumn *col = &m->tables[rt].columns[c];
                        if (!column_is_reference(col) || (size_t) col->ref_table_index != table)
                                continue;
                        const DatasetTable *dt = &txn->schema->data->tables[rt];
                        const TxnTable *tt = &txn->tables[rt];
                        for (size_t i = 0; i < dt->n_rows; i++) {
                                const Row *row = dt->rows[i];
                                const Pending *p = strmap_get(tt->pending, row->id);
                                const char **cells = p ? p->cells : row->cells;
                                if (!cells)
                                        continue;
                                int r = check_referrer(txn, table, rt, col, row->id, cells[c], deleted);
                                if (r < 0)
                                        return r;
                        }
                        for (size_t i = 0; i < tt->n_order; i++) {
                                const Pending *p = tt->order[i];
                                if (p->in_dataset || !p->cells)
                                        continue;
                                int r = check_referrer(txn, table, rt, col, p->id, p->cells[c], deleted);
                                if (r < 0)
                                        return r;
                        }
                }
        return 0;
}

/* Many deletes: one copy of the dataset without them instead of one O(n) removal each. */
static int txn_rebuild(Txn *txn) {
        Dataset *old = txn->schema->data;
        _cleanup_(dataset_freep) Dataset *d = NULL;
        int r = dataset_new(old->model, &d);
        if (r < 0)
                return r;
        dataset_keep_cell_locations(d, false);
        for (size_t t = 0; t < old->model->n_tables; t++) {
                r = dataset_reserve_rows(d, t, old->tables[t].n_rows);
                for (size_t i = 0; r >= 0 && i < old->tables[t].n_rows; i++) {
                        const Row *row = old->tables[t].rows[i];
                        const Pending *p = strmap_get(txn->tables[t].pending, row->id);
                        if (p && !p->cells)
                                continue;
                        r = dataset_copy_row(d, t, row, NULL);
                }
                if (r < 0)
                        return r;
        }
        dataset_free(old);
        txn->schema->data = TAKE_PTR(d);
        return 0;
}

static int txn_commit(Txn *txn) {
        Dataset *d = txn->schema->data;
        const Model *m = txn->e->model;
        bool rebuild = false;
        for (size_t t = 0; t < txn->n_tables; t++) {
                const TxnTable *tt = &txn->tables[t];
                const ModelTable *mt = &m->tables[t];
                size_t n_removed = 0;
                if (tt->n_order == 0)
                        continue;
                txn->schema->dirty[t] = true;
                for (size_t i = 0; i < tt->n_order; i++) {
                        const Pending *p = tt->order[i];
                        if (!p->cells) {
                                n_removed += p->in_dataset;
                                continue;
                        }
                        Row *row = dataset_find(d, t, p->id);
                        if (!row) {
                                int r = dataset_add_row(d, t, p->id, NULL, &row);
                                if (r < 0)
                                        return r;
                        }
                        for (size_t c = 0; c < mt->n_columns; c++) {
                                if (c == mt->id_column || row->cells[c] == p->cells[c])
                                        continue;
                                int r = dataset_set(d, row, t, c, p->cells[c], NULL);
                                if (r < 0)
                                        return r;
                        }
                }
                if (n_removed > EMULATOR_REMOVE_DIRECTLY) {
                        rebuild = true;
                        continue;
                }
                for (size_t i = 0; i < tt->n_order; i++) {
                        const Pending *p = tt->order[i];
                        if (p->cells || !p->in_dataset)
                                continue;
                        int r = dataset_remove_row(d, t, p->id);
                        if (r < 0 && r != -ENOENT)
                                return r;
                }
        }
        return rebuild ? txn_rebuild(txn) : 0;
}

/* ---- importing one table's CSV ---- */

enum {
        SLOT_IGNORE = -1,
        SLOT_ID = -2,
        SLOT_DELETE = -3,
};

typedef enum ImportKind {
        IMPORT_BATCHES, /* CSV POST: 100-row batches, each its own transaction */
        IMPORT_STEPS,   /* a table of a ZIP: rows go into the caller's transaction */
        IMPORT_DELETE,  /* CSV DELETE: every row is a delete, into the caller's transaction */
} ImportKind;

typedef struct Import {
        Emulator *e;
        Schema *schema;
        size_t table;
        ImportKind kind;
        Txn *txn;               /* IMPORT_BATCHES: the open batch's (owned); else the caller's */
        Reply *reply;           /* the log of the rows goes into its tables */
        json_t *log;            /* this table's entry there */
        char **error;
        int *map;               /* per CSV column: model column, or SLOT_* */
        size_t n_header;
        int id_slot, delete_slot;
        const char **deletes;   /* ids to delete at the end of the step (in the txn's arena) */
        size_t n_deletes, deletes_allocated;
        size_t n_in_batch, n_batches, n_committed;
        char *batch_first_id;
        unsigned fail_batch;    /* fail-batch:K fault, 0: none */
        bool fault_hit;
} Import;

static void import_done(Import *im) {
        free(im->map);
        free(im->deletes);
        free(im->batch_first_id);
        if (im->kind == IMPORT_BATCHES)
                im->txn = txn_free(im->txn);
}

static int import_header(Import *im, char **fields, size_t n) {
        const ModelTable *mt = &im->e->model->tables[im->table];
        im->map = calloc(n ?: 1, sizeof(int));
        if (!im->map)
                return -ENOMEM;
        im->n_header = n;
        im->id_slot = im->delete_slot = -1;
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < i; k++)
                        if (streq(fields[k], fields[i]))
                                return set_error(im->error, "Table %s: column '%s' appears twice in the header", mt->name,
                                                 fields[i]);
                int c = model_column_index(mt, fields[i]);
                if (streq(fields[i], "mg_delete")) {
                        im->map[i] = SLOT_DELETE;
                        im->delete_slot = (int) i;
                } else if (c < 0 || !mt->columns[c].node_owned)
                        im->map[i] = SLOT_IGNORE; /* unknown, system or server-owned columns */
                else if ((size_t) c == mt->id_column) {
                        im->map[i] = SLOT_ID;
                        im->id_slot = (int) i;
                } else
                        im->map[i] = c;
        }
        if (im->id_slot < 0)
                return set_error(im->error, "Table %s: the CSV has no column 'id'", mt->name);
        return 0;
}

/* The end of a step: checks the upserts, then deletes and checks that. */
static int import_finish_step(Import *im) {
        int r = txn_check_upserts(im->txn);
        for (size_t i = 0; r >= 0 && i < im->n_deletes; i++)
                r = txn_delete(im->txn, im->table, im->deletes[i]);
        im->n_deletes = 0;
        if (r >= 0)
                r = txn_check_deletes(im->txn, im->table);
        return r;
}

static int import_finish_batch(Import *im) {
        int r = import_finish_step(im);
        if (r >= 0 && im->fail_batch == im->n_batches) {
                im->fault_hit = true;
                r = set_error(im->error, "Table %s: validation failed in batch %zu (injected fault fail-batch) (id '%s')",
                              im->e->model->tables[im->table].name, im->n_batches, im->batch_first_id);
        }
        if (r >= 0)
                r = txn_commit(im->txn);
        if (r >= 0)
                im->n_committed += im->n_in_batch;
        im->txn = txn_free(im->txn);
        im->n_in_batch = 0;
        im->batch_first_id = mfree(im->batch_first_id);
        return r;
}

static int import_record(void *userdata, unsigned line, char **fields, size_t n) {
        Import *im = userdata;
        if (!im->map)
                return import_header(im, fields, n);
        const ModelTable *mt = &im->e->model->tables[im->table];
        if (n > im->n_header)
                return set_error(im->error, "Table %s: line %u has %zu fields, the header %zu", mt->name, line, n,
                                 im->n_header);
        const char *id = (size_t) im->id_slot < n ? fields[im->id_slot] : "";
        if (isempty(id))
                return set_error(im->error, "Table %s: line %u: the row has no id", mt->name, line);
        bool del = im->kind == IMPORT_DELETE ||
                   (im->delete_slot >= 0 && (size_t) im->delete_slot < n && strcaseeq(fields[im->delete_slot], "true"));
        log_row(im->log, id, del);

        int r;
        if (im->kind == IMPORT_BATCHES && !im->txn) {
                r = txn_new(im->e, im->schema, im->error, &im->txn);
                if (r < 0)
                        return r;
                im->batch_first_id = strdup(id);
                if (!im->batch_first_id)
                        return -ENOMEM;
                im->n_batches++;
        }
        if (del) {
                const char *copy = arena_strdup(&im->txn->arena, id);
                if (!copy || GROW(im->deletes, im->deletes_allocated, im->n_deletes + 1) < 0)
                        return -ENOMEM;
                im->deletes[im->n_deletes++] = copy;
        } else {
                Pending *p;
                r = txn_upsert(im->txn, im->table, id, &p);
                for (size_t i = 0; r >= 0 && i < im->n_header; i++)
                        if (im->map[i] >= 0)
                                r = txn_set(im->txn, p, (size_t) im->map[i], i < n ? fields[i] : NULL);
                if (r < 0)
                        return r;
        }
        if (im->kind == IMPORT_BATCHES && ++im->n_in_batch == EMULATOR_BATCH_ROWS)
                return import_finish_batch(im);
        return 0;
}

/* Parses one table's CSV into the import. IMPORT_BATCHES commits as it goes (and the last,
 * short batch at the end); the other kinds leave finishing the step to the caller. */
static int import_run(Import *im, const char *data, size_t size) {
        const char *name = im->e->model->tables[im->table].name;
        im->log = log_table(im->reply, name);
        Findings f;
        findings_init(&f);
        int r = csv_parse(data, size, name, import_record, im, &f);
        if (r < 0 && !*im->error && f.n_items > 0)
                r = set_error(im->error, "Table %s: line %u: %s", name, f.items[0].line, f.items[0].message);
        findings_done(&f);
        if (r >= 0 && !im->map)
                r = set_error(im->error, "Table %s: the CSV has no header", name);
        if (r >= 0 && im->kind == IMPORT_BATCHES && im->txn)
                r = import_finish_batch(im);
        if (r < 0 && im->kind == IMPORT_BATCHES)
                im->txn = txn_free(im->txn);
        return r;
}

/* ---- handlers ---- */

static void handle_signin(Emulator *e, const Request *req, Reply *r) {
        _cleanup_(json_decrefp) json_t *j = json_loadb(req->body ?: "", req->size, 0, NULL);
        const char *query = json_string_value(json_object_get(j, "query"));
        if (!query || !strstr(query, "signin")) {
                reply_error(r, "only the signin mutation is emulated");
                return;
        }
        json_t *vars = json_object_get(j, "variables");
        const char *email = json_string_value(json_object_get(vars, "email"));
        const char *password = json_string_value(json_object_get(vars, "password"));
        const User *user = NULL;
        for (size_t i = 0; email && password && i < e->n_users; i++)
                if (streq(e->users[i].email, email) && streq(e->users[i].password, password))
                        user = &e->users[i];
        if (!user) {
                reply_json(r, 200, json_pack("{s:{s:{s:s,s:s}}}", "data", "signin", "status", "FAILED", "message",
                                             "Sign in failed: password incorrect or user unknown"));
                return;
        }
        char token[49];
        int k = random_hex(token, 24);
        if (k >= 0)
                k = add_token(e, token, user->role, now_usec_monotonic() + e->token_ttl_usec);
        if (k < 0) {
                reply_errno(r, NULL, k);
                return;
        }
        reply_json(r, 200, json_pack("{s:{s:{s:s,s:s,s:s}}}", "data", "signin", "status", "SUCCESS", "message",
                                     "Signed in", "token", token));
}

static void handle_task(Emulator *e, const char *id, Reply *r) {
        Task *t = NULL;
        for (size_t i = 0; i < e->n_tasks; i++)
                if (streq(e->tasks[i].id, id))
                        t = &e->tasks[i];
        if (!t)
                reply_json(r, 200, json_pack("{s:s,s:s}", "description", "Task unknown", "status", "UNKNOWN"));
        else if (t->polls++ == 0)
                reply_json(r, 200, json_pack("{s:s,s:s,s:s}", "id", t->id, "description", "Import running", "status",
                                             "RUNNING"));
        else
                reply_json(r, 200, json_pack("{s:s,s:s,s:s}", "id", t->id, "description", t->description, "status",
                                             t->failed ? "ERROR" : "COMPLETED"));
}

static void handle_get_model(Emulator *e, Schema *s, Reply *r) {
        if (s->kind == SCHEMA_STAGING && e->live_model) {
                char *copy = malloc(e->live_model_size + 1);
                if (copy)
                        memcpy(copy, e->live_model, e->live_model_size + 1);
                reply_set(r, 200, "text/csv", copy, e->live_model_size);
                return;
        }
        if (s->kind == SCHEMA_RAW) {
                _cleanup_free_ char *file = strdup_printf("%s/%s/molgenis.csv", e->root, s->name);
                char *data = NULL;
                size_t size = 0;
                if (file && read_file_limited(file, EMULATOR_MAX_FILE_BYTES, &data, &size) >= 0) {
                        reply_set(r, 200, "text/csv", data, size);
                        return;
                }
        }
        char *copy = strdup(e->model_csv);
        reply_set(r, 200, "text/csv", copy, e->model_csv_size);
}

/* The one filter a client sends: {"national_node":{"id":{"equals":"BE"}}}. */
static int parse_node_filter(const char *filter, char **ret_node) {
        _cleanup_(json_decrefp) json_t *j = json_loads(filter, JSON_REJECT_DUPLICATES, NULL);
        json_t *nn = json_object_size(j) == 1 ? json_object_get(j, "national_node") : NULL;
        json_t *id = json_object_size(nn) == 1 ? json_object_get(nn, "id") : NULL;
        json_t *eq = json_object_size(id) == 1 ? json_object_get(id, "equals") : NULL;
        const char *node = json_string_value(eq);
        if (isempty(node))
                return -EINVAL;
        *ret_node = strdup(node);
        return *ret_node ? 0 : -ENOMEM;
}

static bool table_name_is_valid(const char *name) {
        if (isempty(name) || name[0] == '.' || strlen(name) > 255)
                return false;
        for (const char *p = name; *p; p++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-. ", *p))
                        return false;
        return true;
}

static void handle_get_raw_table(Emulator *e, Schema *s, const char *table, const char *node, Reply *r) {
        _cleanup_free_ char *file = table_name_is_valid(table) ? strdup_printf("%s/%s/%s.csv", e->root, s->name, table)
                                                               : NULL;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int k = file ? read_file_limited(file, EMULATOR_MAX_FILE_BYTES, &data, &size) : -ENOENT;
        if (k < 0) {
                reply_errorf(r, "Table '%s' not found", table);
                return;
        }
        if (!node) {
                reply_set(r, 200, "text/csv", TAKE_PTR(data), size);
                return;
        }
        char *buf = NULL;
        size_t bsize = 0;
        Findings findings;
        findings_init(&findings);
        k = emx2_filter_to_node(data, size, file, node, &buf, &bsize, &findings);
        findings_done(&findings);
        if (k < 0) {
                reply_errorf(r, "Table '%s' cannot be read: %s", table, strerror(-k));
                return;
        }
        reply_set(r, 200, "text/csv", buf, bsize);
}

static int is_csv_file(const struct dirent *d) {
        return d->d_name[0] != '.' && endswith(d->d_name, ".csv");
}

/* GET /<schema>/api/zip of a schema served from its files: every CSV file of its folder in one
 * ZIP, as EMX2 exports a schema. */
static void handle_get_raw_zip(Emulator *e, Schema *s, Reply *r) {
        _cleanup_free_ char *dir = strdup_printf("%s/%s", e->root, s->name);
        struct dirent **files = NULL;
        int n = dir ? scandir(dir, &files, is_csv_file, alphasort) : -1;
        if (n < 0) {
                reply_errno(r, NULL, -ENOMEM);
                return;
        }
        ExportZipEntry *entries = calloc((size_t) n + 1, sizeof(ExportZipEntry));
        int k = entries ? 0 : -ENOMEM;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = k >= 0 ? strdup_printf("%s/%s", dir, files[i]->d_name) : NULL;
                char *data = NULL;
                size_t size = 0;
                if (k >= 0 && path && (k = read_file_limited(path, EMULATOR_MAX_FILE_BYTES, &data, &size)) >= 0) {
                        entries[i] = (ExportZipEntry) { .name = strdup(files[i]->d_name), .data = data, .size = size };
                        if (!entries[i].name)
                                k = -ENOMEM;
                }
                free(files[i]);
        }
        free(files);
        void *zip = NULL;
        size_t zip_size = 0;
        if (k >= 0)
                k = export_zip_buffer(entries, (size_t) n, &zip, &zip_size);
        if (entries)
                export_zip_entries_free(entries, (size_t) n);
        if (k < 0) {
                reply_errno(r, NULL, k);
                return;
        }
        reply_set(r, 200, "application/zip", zip, zip_size);
}

static void handle_get_table(Emulator *e, struct MHD_Connection *c, Schema *s, const char *table, Reply *r) {
        int t = s->kind == SCHEMA_STAGING ? model_table_index(e->model, table) : 0;
        if (t < 0) {
                reply_errorf(r, "Table '%s' not found", table);
                return;
        }
        const char *filter = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter");
        _cleanup_free_ char *node = NULL;
        if (filter && parse_node_filter(filter, &node) < 0) {
                reply_error(r, "unsupported filter");
                return;
        }
        if (s->kind == SCHEMA_RAW) {
                handle_get_raw_table(e, s, table, node, r);
                return;
        }
        char *data = NULL;
        size_t size = 0;
        int k;
        if (node) {
                /* Staging has no national_node column: a row is the node's by its id. */
                const DatasetTable *dt = &s->data->tables[t];
                _cleanup_free_ const Row **rows = calloc(dt->n_rows + 1, sizeof(Row *));
                size_t n = 0;
                char buf[16];
                if (!rows) {
                        reply_errno(r, NULL, -ENOMEM);
                        return;
                }
                for (size_t i = 0; i < dt->n_rows; i++) {
                        const char *rn = directory_id_node(dt->rows[i]->id, buf, sizeof buf);
                        if (rn && streq(rn, node))
                                rows[n++] = dt->rows[i];
                }
                k = emx2_table_to_buffer(s->data, (size_t) t, rows, n, NULL, false, &data, &size);
        } else
                k = emx2_table_to_buffer(s->data, (size_t) t, NULL, 0, NULL, false, &data, &size);
        if (k < 0) {
                reply_errno(r, NULL, k);
                return;
        }
        reply_set(r, 200, "text/csv", data, size);
}

/* The answer of a CSV write: the number of rows processed, or the error (k: the import's result,
 * w: writing the folder back). */
static void reply_rows_done(Reply *r, const char *error, int k, int w, size_t n) {
        if (k < 0)
                reply_errno(r, error, k);
        else if (w < 0)
                reply_errorf(r, "the emulator could not write its folder: %s", strerror(-w));
        else {
                char text[32];
                snprintf(text, sizeof text, "%zu", n);
                reply_text(r, 200, "text/plain", text);
        }
}

static void handle_csv_post(Emulator *e, const Request *req, Schema *s, size_t table, const Fault *fail, Reply *r) {
        _cleanup_free_ char *error = NULL;
        Import im = {
                .e = e,
                .schema = s,
                .table = table,
                .kind = IMPORT_BATCHES,
                .reply = r,
                .error = &error,
                .fail_batch = fail ? fail->arg : 0,
        };
        int k = import_run(&im, req->body ?: "", req->size);
        if (im.fault_hit)
                r->fault = fail->name;
        size_t n = im.n_committed;
        import_done(&im);
        reply_rows_done(r, error, k, write_back(e, s), n);
}

static void handle_csv_delete(Emulator *e, const Request *req, Schema *s, size_t table, Reply *r) {
        _cleanup_free_ char *error = NULL;
        _cleanup_(txn_freep) Txn *txn = NULL;
        int k = txn_new(e, s, &error, &txn);
        if (k < 0) {
                reply_errno(r, NULL, k);
                return;
        }
        Import im = {
                .e = e,
                .schema = s,
                .table = table,
                .kind = IMPORT_DELETE,
                .txn = txn,
                .reply = r,
                .error = &error,
        };
        k = import_run(&im, req->body ?: "", req->size);
        if (k >= 0)
                k = import_finish_step(&im);
        size_t n = 0;
        for (size_t t = 0; t < txn->n_tables; t++)
                n += txn->tables[t].n_order;
        if (k >= 0)
                k = txn_commit(txn);
        import_done(&im);
        reply_rows_done(r, error, k, write_back(e, s), n);
}

/* A parameter of a Content-Disposition or Content-Type header (quoted or not), malloc()ed. */
static char *header_param(const char *header, const char *key) {
        size_t klen = strlen(key);
        for (const char *p = strchr(header, ';'); p; p = strchr(p, ';')) {
                p++;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (strncasecmp(p, key, klen) != 0 || p[klen] != '=')
                        continue;
                p += klen + 1;
                if (*p == '"') {
                        const char *end = strchr(p + 1, '"');
                        return end ? strndup(p + 1, (size_t) (end - p - 1)) : NULL;
                }
                return strndup(p, strcspn(p, "; \t\r\n"));
        }
        return NULL;
}

/* The part named "file" of a multipart/form-data body: its bytes (inside body) and filename. */
static int multipart_file(const char *content_type, const char *body, size_t size, const char **ret_data,
                          size_t *ret_size, char **ret_filename) {
        if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0 || !body)
                return -EBADMSG;
        _cleanup_free_ char *boundary = header_param(content_type, "boundary");
        if (isempty(boundary))
                return -EBADMSG;
        _cleanup_free_ char *delim = strdup_printf("\r\n--%s", boundary);
        if (!delim)
                return -ENOMEM;
        size_t dlen = strlen(delim);
        const char *end = body + size, *p;
        /* The first delimiter may open the body without the CRLF before it. */
        if (size >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
                p = body + dlen - 2;
        else {
                p = memmem(body, size, delim, dlen);
                if (!p)
                        return -EBADMSG;
                p += dlen;
        }
        for (;;) {
                if (end - p >= 2 && p[0] == '-' && p[1] == '-')
                        return -ENOENT; /* the closing delimiter */
                const char *nl = memmem(p, (size_t) (end - p), "\r\n", 2);
                if (!nl)
                        return -EBADMSG;
                const char *headers = nl + 2;
                const char *blank = (end - headers >= 2 && memcmp(headers, "\r\n", 2) == 0)
                                            ? headers
                                            : memmem(headers, (size_t) (end - headers), "\r\n\r\n", 4);
                if (!blank)
                        return -EBADMSG;
                const char *data = blank == headers ? headers + 2 : blank + 4;
                const char *next = memmem(data, (size_t) (end - data), delim, dlen);
                if (!next)
                        return -EBADMSG;
                _cleanup_free_ char *h = strndup(headers, (size_t) (blank - headers));
                if (!h)
                        return -ENOMEM;
                for (char *line = h, *eol; line && *line; line = eol) {
                        eol = strstr(line, "\r\n");
                        if (eol) {
                                *eol = 0;
                                eol += 2;
                        }
                        if (strncasecmp(line, "Content-Disposition:", 20) != 0)
                                continue;
                        _cleanup_free_ char *name = header_param(line, "name");
                        if (!streq_ptr(name, "file"))
                                break;
                        *ret_data = data;
                        *ret_size = (size_t) (next - data);
                        *ret_filename = header_param(line, "filename");
                        return 0;
                }
                p = next + dlen;
        }
}

static int zip_read_entry(zip_t *z, zip_uint64_t index, char **ret, size_t *ret_size) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(z, index, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE))
                return -EBADMSG;
        if (st.size > EMULATOR_MAX_FILE_BYTES)
                return -EFBIG;
        _cleanup_free_ char *data = malloc(st.size + 1);
        if (!data)
                return -ENOMEM;
        zip_file_t *f = zip_fopen_index(z, index, 0);
        if (!f)
                return -EBADMSG;
        zip_int64_t got = zip_fread(f, data, st.size);
        zip_fclose(f);
        if (got < 0 || (zip_uint64_t) got != st.size)
                return -EBADMSG;
        data[st.size] = 0;
        *ret = TAKE_PTR(data);
        *ret_size = (size_t) st.size;
        return 0;
}

/* The import itself: one transaction, tables in reference order, upserts then deletes of each,
 * each step checked at once. On failure nothing is applied and *error says why. */
static int zip_import(Emulator *e, Schema *s, zip_t *z, const Fault *fail, Reply *r, char **error) {
        zip_int64_t n_entries = zip_get_num_entries(z, 0);
        _cleanup_free_ zip_int64_t *entry_of = malloc(e->model->n_tables * sizeof(zip_int64_t));
        if (!entry_of)
                return -ENOMEM;
        for (size_t t = 0; t < e->model->n_tables; t++)
                entry_of[t] = -1;
        for (zip_int64_t i = 0; i < n_entries; i++) {
                const char *name = zip_get_name(z, (zip_uint64_t) i, 0);
                if (!name)
                        continue;
                const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
                if (strcaseeq(base, "molgenis.csv"))
                        return set_error(error, "molgenis.csv would change the schema's model; refused");
                if (!endswith(name, ".csv") || base != name)
                        continue; /* not a table: skipped */
                _cleanup_free_ char *table = strndup(name, strlen(name) - 4);
                int t = table ? model_table_index(e->model, table) : -ENOMEM;
                if (t == -ENOMEM)
                        return -ENOMEM;
                if (t >= 0 && entry_of[t] < 0)
                        entry_of[t] = i;
        }

        _cleanup_(txn_freep) Txn *txn = NULL;
        int k = txn_new(e, s, error, &txn);
        if (k < 0)
                return k;
        const char *first_table = NULL, *first_id = NULL;
        for (size_t t = 0; t < e->model->n_tables; t++) {
                if (entry_of[t] < 0)
                        continue;
                const char *name = e->model->tables[t].name;
                _cleanup_free_ char *csv = NULL;
                size_t size = 0;
                k = zip_read_entry(z, (zip_uint64_t) entry_of[t], &csv, &size);
                if (k < 0)
                        return set_error(error, "Table %s: the ZIP entry %s.csv cannot be read: %s", name, name,
                                         strerror(-k));
                Import im = {
                        .e = e,
                        .schema = s,
                        .table = t,
                        .kind = IMPORT_STEPS,
                        .txn = txn,
                        .reply = r,
                        .error = error,
                };
                k = import_run(&im, csv, size);
                if (k >= 0)
                        k = import_finish_step(&im);
                import_done(&im);
                json_t *entry = json_object_get(r->tables, name);
                json_t *ids = json_object_get(entry, "ids");
                if (!first_table && json_array_size(ids) > 0) {
                        first_table = name;
                        first_id = json_string_value(json_array_get(ids, 0));
                }
                if (k < 0)
                        return k;
        }
        if (fail) {
                r->fault = fail->name;
                return set_error(error, "Table %s: validation failed (injected fault fail-batch) (id '%s')",
                                 first_table ?: "-", first_id ?: "-");
        }
        k = txn_commit(txn);
        if (k < 0)
                return k;
        return write_back(e, s);
}

static void handle_zip(Emulator *e, struct MHD_Connection *c, const Request *req, Schema *s, const Fault *fail,
                       Reply *r) {
        const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        const char *async_arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "async");
        bool async = async_arg && strcaseeq(async_arg, "true");
        const char *zdata = NULL;
        size_t zsize = 0;
        _cleanup_free_ char *filename = NULL;
        int k = multipart_file(type, req->body, req->size, &zdata, &zsize, &filename);
        if (k == -ENOMEM) {
                reply_errno(r, NULL, k);
                return;
        }
        if (k < 0) {
                reply_error(r, "expected multipart/form-data with a part 'file' holding a .zip file");
                return;
        }
        if (!filename || !endswith(filename, ".zip")) {
                reply_error(r, "the part 'file' must be a file whose name ends in .zip");
                return;
        }
        zip_error_t zerr;
        zip_error_init(&zerr);
        zip_source_t *src = zip_source_buffer_create(zdata, zsize, 0, &zerr);
        zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &zerr) : NULL;
        zip_error_fini(&zerr);
        if (!z) {
                zip_source_free(src);
                reply_error(r, "the file is not a ZIP archive");
                return;
        }

        /* Every table the ZIP names goes into the log, even when it carries no rows. */
        uint64_t start = now_usec_monotonic();
        _cleanup_free_ char *error = NULL;
        for (size_t t = 0; t < e->model->n_tables; t++) {
                _cleanup_free_ char *name = strdup_printf("%s.csv", e->model->tables[t].name);
                if (name && zip_name_locate(z, name, 0) >= 0)
                        (void) log_table(r, e->model->tables[t].name);
        }
        k = zip_import(e, s, z, fail, r, &error);
        zip_discard(z);
        if (k < 0 && !error && set_error(&error, "internal error: %s", strerror(-k)) == -ENOMEM) {
                reply_errno(r, NULL, -ENOMEM);
                return;
        }
        if (!async) {
                if (k < 0)
                        reply_error(r, error);
                else {
                        char text[64];
                        snprintf(text, sizeof text, "Import success in %" PRIu64 "ms",
                                 (now_usec_monotonic() - start) / 1000);
                        reply_text(r, 200, "text/plain", text);
                }
                return;
        }
        if (e->n_tasks >= EMULATOR_MAX_TASKS || GROW(e->tasks, e->tasks_allocated, e->n_tasks + 1) < 0) {
                reply_error(r, "too many tasks");
                return;
        }
        Task *task = &e->tasks[e->n_tasks];
        *task = (Task) { .failed = k < 0 };
        task->description = k < 0 ? strdup_printf("Import failed: %s", error) : strdup("Import success");
        if (!task->description || random_hex(task->id, 16) < 0) {
                free(task->description);
                reply_errno(r, NULL, -ENOMEM);
                return;
        }
        e->n_tasks++;
        _cleanup_free_ char *url = strdup_printf("/api/tasks/%s", task->id);
        reply_json(r, 200, url ? json_pack("{s:s,s:s}", "id", task->id, "url", url) : NULL);
}

/* ---- routing ---- */

typedef enum Route {
        ROUTE_NONE,
        ROUTE_SIGNIN,
        ROUTE_TASK,
        ROUTE_MODEL,
        ROUTE_TABLE_GET,
        ROUTE_TABLE_POST,
        ROUTE_TABLE_DELETE,
        ROUTE_ZIP,
        ROUTE_ZIP_GET,
} Route;

static void process_request(Emulator *e, struct MHD_Connection *c, Request *req, const char *url,
                            const char *method, const char *token, Reply *r) {
        const Fault *latency = fault_for(e, req, FAULT_LATENCY);
        if (latency) {
                r->fault = latency->name;
                sleep_unlocked(e, latency->arg);
        }
        const Fault *expire = fault_for(e, req, FAULT_EXPIRE_TOKEN);
        if (expire) {
                r->fault = expire->name;
                for (size_t i = 0; i < e->n_tokens; i++)
                        e->tokens[i].expired = true;
        }
        const Fault *f = fault_response(e, req);
        if (f) {
                r->fault = f->name;
                if (f->kind == FAULT_STATUS)
                        reply_proxy_status(r, f);
                else if (f->kind == FAULT_DROP) {
                        reply_set(r, 200, "text/csv", NULL, 0);
                        r->drop = true;
                } else
                        reply_error(r, "canceling statement due to statement timeout");
                return;
        }
        if (req->too_big) {
                reply_errorf(r, "request body too large (more than %u bytes)", EMULATOR_MAX_BODY_BYTES);
                return;
        }
        Role role = ROLE_NONE;
        if (token && !token_check(e, token, &role)) {
                reply_error(r, "Invalid token or token expired");
                return;
        }

        /* /api/graphql, /api/tasks/<id>, /<schema>/api/{csv[/<Table>],zip,tasks/<id>} */
        _cleanup_free_ char *path = strdup(url);
        char *seg[6];
        size_t n = 0;
        if (!path) {
                reply_errno(r, NULL, -ENOMEM);
                return;
        }
        bool ok = path[0] == '/';
        for (char *p = path + 1; ok;) {
                if (n == ELEMENTSOF(seg)) {
                        ok = false; /* too deep: no route */
                        break;
                }
                seg[n++] = p;
                char *slash = strchr(p, '/');
                if (!slash)
                        break;
                *slash = 0;
                p = slash + 1;
        }
        if (!ok)
                n = 0;
        bool get = streq(method, "GET"), post = streq(method, "POST");
        Route route = ROUTE_NONE;
        for (size_t i = 0; i < n; i++)
                if (!*seg[i])
                        n = 0;
        if (n == 2 && streq(seg[0], "api") && streq(seg[1], "graphql"))
                route = post ? ROUTE_SIGNIN : ROUTE_NONE;
        else if (n == 3 && streq(seg[0], "api") && streq(seg[1], "tasks"))
                route = get ? ROUTE_TASK : ROUTE_NONE;
        else if (n >= 3 && streq(seg[1], "api")) {
                if (streq(seg[2], "csv") && n == 3 && get)
                        route = ROUTE_MODEL;
                else if (streq(seg[2], "csv") && n == 4)
                        route = get ? ROUTE_TABLE_GET : post ? ROUTE_TABLE_POST
                                                  : streq(method, "DELETE") ? ROUTE_TABLE_DELETE
                                                                            : ROUTE_NONE;
                else if (streq(seg[2], "zip") && n == 3 && post)
                        route = ROUTE_ZIP;
                else if (streq(seg[2], "zip") && n == 3 && get && !e->no_schema_zip)
                        route = ROUTE_ZIP_GET;
                else if (streq(seg[2], "tasks") && n == 4 && get)
                        route = ROUTE_TASK;
        }
        if (route == ROUTE_NONE) {
                reply_error(r, "not found");
                return;
        }
        if (route == ROUTE_SIGNIN) {
                handle_signin(e, req, r);
                return;
        }
        if (route == ROUTE_TASK && n == 3) {
                handle_task(e, seg[2], r);
                return;
        }

        Schema *s = schema_find(e, seg[0]);
        if (!s) {
                reply_errorf(r, "Schema '%s' unknown or permission denied", seg[0]);
                return;
        }
        if (route == ROUTE_TASK) {
                handle_task(e, seg[3], r);
                return;
        }
        bool writing = route == ROUTE_TABLE_POST || route == ROUTE_TABLE_DELETE || route == ROUTE_ZIP;
        if (s->kind == SCHEMA_STAGING ? role == ROLE_NONE || (writing && role != ROLE_EDITOR) : writing) {
                reply_error(r, "permission denied");
                return;
        }
        const Fault *fail = fault_for(e, req, FAULT_FAIL_BATCH);
        if (route == ROUTE_MODEL)
                handle_get_model(e, s, r);
        else if (route == ROUTE_TABLE_GET)
                handle_get_table(e, c, s, seg[3], r);
        else if (route == ROUTE_ZIP_GET && s->kind != SCHEMA_RAW)
                reply_error(r, "not found"); /* the client never exports a staging schema */
        else if (route == ROUTE_ZIP_GET)
                handle_get_raw_zip(e, s, r);
        else if (route == ROUTE_ZIP)
                handle_zip(e, c, req, s, fail, r);
        else {
                int t = model_table_index(e->model, seg[3]);
                if (t < 0)
                        reply_errorf(r, "Table '%s' not found", seg[3]);
                else if (route == ROUTE_TABLE_POST)
                        handle_csv_post(e, req, s, (size_t) t, fail, r);
                else
                        handle_csv_delete(e, req, s, (size_t) t, r);
        }
}

/* A 200 to a GET turned into something that is no answer of that request. */
static void apply_answer_fault(Emulator *e, const Request *req, Reply *r) {
        static const FaultKind kinds[] = { FAULT_HTML, FAULT_HTML_AS_CSV, FAULT_CUT, FAULT_OTHER_TABLE, FAULT_SHORT_ROW };
        static const char login_page[] = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
                                         "<body><form action=\"/login\">Sign in to continue</form></body></html>\n";
        if (req->write || r->status != 200 || r->drop)
                return;
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                const Fault *f = fault_for(e, req, kinds[i]);
                if (!f)
                        continue;
                r->fault = f->name;
                if (f->kind == FAULT_HTML || f->kind == FAULT_HTML_AS_CSV)
                        reply_text(r, 200, f->kind == FAULT_HTML ? "text/html; charset=utf-8" : "text/csv", login_page);
                else if (f->kind == FAULT_OTHER_TABLE)
                        reply_text(r, 200, "text/csv", "code,description\nX1,a table of other columns\n");
                else if (f->kind == FAULT_CUT)
                        r->size = r->size < f->arg ? r->size : f->arg;
                else {
                        char *body = realloc(r->body, r->size + sizeof "short\n");
                        if (!body) {
                                reply_errno(r, NULL, -ENOMEM);
                                return;
                        }
                        memcpy(body + r->size, "short\n", sizeof "short\n");
                        r->body = body;
                        r->size += strlen("short\n");
                }
                return;
        }
}

static void process(Emulator *e, struct MHD_Connection *c, Request *req, const char *url, const char *method,
                    const char *token, Reply *r) {
        req->url = url;
        process_request(e, c, req, url, method, token, r);
        apply_answer_fault(e, req, r);
        req->url = NULL;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, const Reply *r) {
        struct MHD_Response *resp = r->drop ? MHD_create_response_from_callback(EMULATOR_DROP_DECLARED_BYTES, 64,
                                                                                drop_reader, NULL, NULL)
                                            : MHD_create_response_from_buffer(r->size, r->body, MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        if (r->content_type)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
        if (r->retry_after > 0) {
                char s[16];
                snprintf(s, sizeof s, "%u", r->retry_after);
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, s);
        }
        enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_size, void **con_cls) {
        Emulator *e = cls;
        Request *req = *con_cls;
        if (!req)
                return MHD_NO; /* the URI callback ran out of memory */
        if (!req->started) {
                req->started = true;
                req->start_usec = now_usec_monotonic();
                req->write = !streq(method, "GET");
                pthread_mutex_lock(&e->lock);
                req->n = ++e->n_requests;
                req->nth = req->write ? ++e->n_writes : ++e->n_reads;
                pthread_mutex_unlock(&e->lock);
                return MHD_YES;
        }
        if (*upload_size > 0) {
                req->bytes_in += *upload_size;
                if (!req->too_big && req->size + *upload_size > EMULATOR_MAX_BODY_BYTES) {
                        req->too_big = true;
                        req->body = mfree(req->body);
                        req->size = req->allocated = 0;
                }
                if (!req->too_big) {
                        if (GROW(req->body, req->allocated, req->size + *upload_size + 1) < 0)
                                return MHD_NO;
                        memcpy(req->body + req->size, upload_data, *upload_size);
                        req->size += *upload_size;
                        req->body[req->size] = 0;
                }
                *upload_size = 0;
                return MHD_YES;
        }

        const char *token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-molgenis-token");
        if (isempty(token))
                token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "auth-key");
        if (isempty(token))
                token = NULL;
        Reply reply = { .status = 500, .tables = json_object() };
        pthread_mutex_lock(&e->lock);
        process(e, c, req, url, method, token, &reply);
        log_request(e, req, method, url, &reply, token != NULL);
        pthread_mutex_unlock(&e->lock);
        enum MHD_Result ret = send_reply(c, &reply);
        reply_done(&reply);
        return ret;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c) {
        Request *req = calloc(1, sizeof(Request));
        if (!req)
                return NULL;
        const char *q = uri ? strchr(uri, '?') : NULL;
        req->query = strdup(q ? q + 1 : "");
        if (!req->query)
                return mfree(req);
        return req;
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
        Request *req = *con_cls;
        if (req) {
                free(req->query);
                free(req->body);
                free(req);
        }
        *con_cls = NULL;
}

/* ---- main ---- */

static void emulator_done(Emulator *e) {
        for (size_t i = 0; i < e->n_schemas; i++) {
                free(e->schemas[i].name);
                dataset_free(e->schemas[i].data);
                free(e->schemas[i].dirty);
        }
        free(e->schemas);
        for (size_t i = 0; i < e->n_tokens; i++)
                free(e->tokens[i].value);
        free(e->tokens);
        for (size_t i = 0; i < e->n_users; i++) {
                free(e->users[i].email);
                free(e->users[i].password);
        }
        free(e->users);
        for (size_t i = 0; i < e->n_faults; i++)
                free(e->faults[i].path);
        free(e->faults);
        for (size_t i = 0; i < e->n_tasks; i++)
                free(e->tasks[i].description);
        free(e->tasks);
        if (e->ontologies) {
                const char *key;
                void *value;
                for (size_t i = 0; strmap_iterate(e->ontologies, &i, &key, &value);)
                        strmap_free(value);
                strmap_free(e->ontologies);
        }
        arena_done(&e->arena);
        strv_free(e->loaded_files);
        free(e->live_model);
        free(e->model_csv);
        free(e->root);
        model_free(e->model);
        if (e->request_log)
                fclose(e->request_log);
}

static int usage(void) {
        fprintf(stderr,
                "usage: emx2-emulator --root DIR [--model FILE] [--port N] [--port-file FILE] [--cert PEM --key PEM]\n"
                "                     [--token TOKEN=editor|viewer]... [--user EMAIL:PASSWORD=editor|viewer]...\n"
                "                     [--token-ttl SECONDS] [--request-log FILE] [--live-model FILE] [--no-schema-zip]\n"
                "                     [--fault SPEC]...\n"
                "  SPEC: KIND[:ARG]@SELECTOR, KIND latency:MS 502 503[:SECONDS] 504 drop expire-token\n"
                "        statement-timeout fail-batch:K, SELECTOR N[-M] (requests) wN[-M] (writes) rN[-M] (reads)\n");
        return 64;
}

static int parse_args(Emulator *e, int argc, char **argv, const char **model_path, const char **port_file,
                      const char **cert_path, const char **key_path, const char **log_path, const char **live_model,
                      uint16_t *port) {
        enum { ARG_ROOT = 0x100, ARG_MODEL, ARG_PORT, ARG_PORT_FILE, ARG_CERT, ARG_KEY, ARG_TOKEN, ARG_USER,
               ARG_TOKEN_TTL, ARG_REQUEST_LOG, ARG_LIVE_MODEL, ARG_FAULT, ARG_NO_SCHEMA_ZIP };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "model", required_argument, NULL, ARG_MODEL },
                { "port", required_argument, NULL, ARG_PORT },
                { "port-file", required_argument, NULL, ARG_PORT_FILE },
                { "cert", required_argument, NULL, ARG_CERT },
                { "key", required_argument, NULL, ARG_KEY },
                { "token", required_argument, NULL, ARG_TOKEN },
                { "user", required_argument, NULL, ARG_USER },
                { "token-ttl", required_argument, NULL, ARG_TOKEN_TTL },
                { "request-log", required_argument, NULL, ARG_REQUEST_LOG },
                { "live-model", required_argument, NULL, ARG_LIVE_MODEL },
                { "no-schema-zip", no_argument, NULL, ARG_NO_SCHEMA_ZIP },
                { "fault", required_argument, NULL, ARG_FAULT },
                {},
        };
        uint64_t v;
        int c;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case ARG_ROOT:
                        free(e->root);
                        if (!(e->root = strdup(optarg)))
                                return -ENOMEM;
                        break;
                case ARG_MODEL:
                        *model_path = optarg;
                        break;
                case ARG_PORT:
                        if (parse_unsigned(optarg, UINT16_MAX, &v) < 0) {
                                fprintf(stderr, "emx2-emulator: bad --port '%s'\n", optarg);
                                return -EINVAL;
                        }
                        *port = (uint16_t) v;
                        break;
                case ARG_PORT_FILE:
                        *port_file = optarg;
                        break;
                case ARG_CERT:
                        *cert_path = optarg;
                        break;
                case ARG_KEY:
                        *key_path = optarg;
                        break;
                case ARG_TOKEN: {
                        /* Never print the value: only that it is malformed. */
                        char *eq = strrchr(optarg, '=');
                        if (!eq || eq == optarg || role_from_string(eq + 1) == ROLE_NONE) {
                                fprintf(stderr, "emx2-emulator: --token needs TOKEN=editor|viewer\n");
                                return -EINVAL;
                        }
                        *eq = 0;
                        int r = add_token(e, optarg, role_from_string(eq + 1), UINT64_MAX);
                        *eq = '=';
                        if (r < 0)
                                return r;
                        break;
                }
                case ARG_USER: {
                        char *colon = strchr(optarg, ':'), *eq = strrchr(optarg, '=');
                        if (!eq || !colon || colon == optarg || colon > eq || role_from_string(eq + 1) == ROLE_NONE) {
                                fprintf(stderr, "emx2-emulator: --user needs EMAIL:PASSWORD=editor|viewer\n");
                                return -EINVAL;
                        }
                        if (e->n_users >= EMULATOR_MAX_USERS || GROW(e->users, e->users_allocated, e->n_users + 1) < 0)
                                return -ENOMEM;
                        User *u = &e->users[e->n_users];
                        *u = (User) {
                                .email = strndup(optarg, (size_t) (colon - optarg)),
                                .password = strndup(colon + 1, (size_t) (eq - colon - 1)),
                                .role = role_from_string(eq + 1),
                        };
                        e->n_users++;
                        if (!u->email || !u->password)
                                return -ENOMEM;
                        break;
                }
                case ARG_TOKEN_TTL:
                        if (parse_unsigned(optarg, EMULATOR_MAX_TOKEN_TTL, &v) < 0) {
                                fprintf(stderr, "emx2-emulator: bad --token-ttl '%s'\n", optarg);
                                return -EINVAL;
                        }
                        e->token_ttl_usec = v * UINT64_C(1000000);
                        break;
                case ARG_REQUEST_LOG:
                        *log_path = optarg;
                        break;
                case ARG_LIVE_MODEL:
                        *live_model = optarg;
                        break;
                case ARG_NO_SCHEMA_ZIP:
                        e->no_schema_zip = true;
                        break;
                case ARG_FAULT:
                        if (e->n_faults >= EMULATOR_MAX_FAULTS || GROW(e->faults, e->faults_allocated, e->n_faults + 1) < 0)
                                return -ENOMEM;
                        if (parse_fault(optarg, &e->faults[e->n_faults]) < 0) {
                                fprintf(stderr, "emx2-emulator: bad --fault '%s'\n", optarg);
                                return -EINVAL;
                        }
                        e->n_faults++;
                        break;
                default: {
                        /* Only the option's name: a mistyped --token=VALUE must not print VALUE. */
                        const char *arg = argv[optind - 1];
                        fprintf(stderr, "emx2-emulator: unknown option or missing argument: %.*s\n",
                                (int) strcspn(arg, "="), arg);
                        return -EINVAL;
                }
                }
        }
        if (optind < argc) {
                fprintf(stderr, "emx2-emulator: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        if (!e->root) {
                fprintf(stderr, "emx2-emulator: --root is required\n");
                return -EINVAL;
        }
        if (!*cert_path != !*key_path) {
                fprintf(stderr, "emx2-emulator: --cert and --key go together\n");
                return -EINVAL;
        }
        return 0;
}

static int load_root(Emulator *e) {
        _cleanup_(closedirp) DIR *dir = opendir(e->root);
        if (!dir) {
                fprintf(stderr, "emx2-emulator: cannot open %s: %m\n", e->root);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(dir));) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *path = path_join(e->root, de->d_name);
                struct stat st;
                if (!path)
                        return -ENOMEM;
                if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                int r = load_schema(e, de->d_name);
                if (r < 0) {
                        fprintf(stderr, "emx2-emulator: cannot load schema %s: %s\n", de->d_name, strerror(-r));
                        return r;
                }
        }
        return load_ontologies(e);
}

int main(int argc, char **argv) {
        Emulator e = {
                .token_ttl_usec = 1800 * UINT64_C(1000000),
                .lock = PTHREAD_MUTEX_INITIALIZER,
        };
        const char *model_path = SOURCE_ROOT "/mappings/directory-model.yaml", *port_file = NULL, *cert_path = NULL,
                   *key_path = NULL, *log_path = NULL, *live_model = NULL;
        _cleanup_free_ char *cert = NULL, *key = NULL;
        uint16_t port = 0;
        int code = 1, r;
        pthread_condattr_t attr;

        arena_init(&e.arena);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&e.wake, &attr);
        pthread_condattr_destroy(&attr);

        if (argc == 2 && streq(argv[1], "--help")) {
                usage();
                code = 0;
                goto finish;
        }
        r = parse_args(&e, argc, argv, &model_path, &port_file, &cert_path, &key_path, &log_path, &live_model, &port);
        if (r == -EINVAL) {
                code = usage();
                goto finish;
        }
        if (r < 0) {
                fprintf(stderr, "emx2-emulator: %s\n", strerror(-r));
                goto finish;
        }

        Findings f;
        findings_init(&f);
        r = model_load(model_path, &e.model, &f);
        print_findings(&f);
        findings_done(&f);
        if (r < 0) {
                fprintf(stderr, "emx2-emulator: cannot load the model %s: %s\n", model_path, strerror(-r));
                goto finish;
        }
        if (live_model && (r = read_file_limited(live_model, EMULATOR_MAX_FILE_BYTES, &e.live_model, &e.live_model_size)) < 0) {
                fprintf(stderr, "emx2-emulator: cannot read %s: %s\n", live_model, strerror(-r));
                goto finish;
        }
        if (cert_path && ((r = read_file_limited(cert_path, EMULATOR_MAX_PEM_BYTES, &cert, NULL)) < 0 ||
                          (r = read_file_limited(key_path, EMULATOR_MAX_PEM_BYTES, &key, NULL)) < 0)) {
                fprintf(stderr, "emx2-emulator: cannot read the certificate or key: %s\n", strerror(-r));
                goto finish;
        }
        if (log_path && !(e.request_log = fopen(log_path, "ae"))) {
                fprintf(stderr, "emx2-emulator: cannot open %s: %m\n", log_path);
                goto finish;
        }
        if (load_root(&e) < 0)
                goto finish;
        if ((r = generate_model_csv(e.model, &e.model_csv, &e.model_csv_size)) < 0) {
                fprintf(stderr, "emx2-emulator: cannot write the model CSV: %s\n", strerror(-r));
                goto finish;
        }

        /* SIGTERM/SIGINT are blocked in every thread (MHD's inherit the mask) and waited for here. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        pthread_sigmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        struct sockaddr_in addr = {
                .sin_family = AF_INET,
                .sin_port = htons(port),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
        struct MHD_Daemon *d =
                cert ? MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, handle, &e,
                                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
                                        MHD_OPTION_URI_LOG_CALLBACK, uri_logger, &e,
                                        MHD_OPTION_NOTIFY_COMPLETED, request_done, &e,
                                        MHD_OPTION_CONNECTION_TIMEOUT, EMULATOR_CONNECTION_TIMEOUT,
                                        MHD_OPTION_HTTPS_MEM_CERT, cert,
                                        MHD_OPTION_HTTPS_MEM_KEY, key,
                                        MHD_OPTION_END)
                     : MHD_start_daemon(flags, 0, NULL, NULL, handle, &e,
                                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
                                        MHD_OPTION_URI_LOG_CALLBACK, uri_logger, &e,
                                        MHD_OPTION_NOTIFY_COMPLETED, request_done, &e,
                                        MHD_OPTION_CONNECTION_TIMEOUT, EMULATOR_CONNECTION_TIMEOUT,
                                        MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "emx2-emulator: cannot listen on 127.0.0.1:%u\n", port);
                goto finish;
        }
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        unsigned bound = info ? info->port : port;
        if (port_file) {
                char text[16];
                int n = snprintf(text, sizeof text, "%u\n", bound);
                if ((r = write_file_atomic(port_file, text, (size_t) n, 0644)) < 0) {
                        fprintf(stderr, "emx2-emulator: cannot write %s: %s\n", port_file, strerror(-r));
                        MHD_stop_daemon(d);
                        goto finish;
                }
        }
        fprintf(stderr, "emx2-emulator: serving %s on %s://127.0.0.1:%u\n", e.root, cert ? "https" : "http", bound);

        int sig = 0;
        sigwait(&mask, &sig);
        pthread_mutex_lock(&e.lock);
        e.stopping = true;
        pthread_cond_broadcast(&e.wake);
        pthread_mutex_unlock(&e.lock);
        MHD_stop_daemon(d);
        code = 0;
finish:
        emulator_done(&e);
        pthread_cond_destroy(&e.wake);
        pthread_mutex_destroy(&e.lock);
        return code;
}
