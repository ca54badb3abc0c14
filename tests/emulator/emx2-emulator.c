/* SPDX-License-Identifier: MIT */
/* A small MOLGENIS EMX2 server for tests: the Directory's CSV and ZIP endpoints, tokens and
 * sign-in, the model's rules, and faults on request (reference/directory-api.md is the
 * contract). It serves a folder in the file backend's layout, <root>/<schema>/<Table>.csv, and
 * writes every committed change back there. Test tool, not installed; see README.md here. */

#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <signal.h>
#include <sys/stat.h>
#include <zip.h>

#include "csv.h"
#include "dataset.h"
#include "diff.h"
#include "emx2csv.h"
#include "model.h"
#include "util.h"

#define EMULATOR_MAX_BODY_BYTES (64u * 1024 * 1024)
#define EMULATOR_MAX_TOKENS 64u
#define EMULATOR_MAX_FAULTS 32u
#define EMULATOR_BATCH_ROWS 100u

typedef enum Role {
        ROLE_NONE,
        ROLE_VIEWER,
        ROLE_EDITOR,
} Role;

typedef struct Token {
        char *value;
        Role role;
        uint64_t expires_usec; /* CLOCK_MONOTONIC; UINT64_MAX: never */
} Token;

typedef struct User {
        char *email, *password;
        Role role;
} User;

typedef enum FaultKind {
        FAULT_LATENCY,
        FAULT_STATUS,           /* 502, 503, 504 with an HTML body */
        FAULT_DROP,
        FAULT_EXPIRE_TOKEN,
        FAULT_STATEMENT_TIMEOUT,
        FAULT_FAIL_BATCH,
} FaultKind;

typedef struct Fault {
        FaultKind kind;
        unsigned arg;           /* latency ms, status code, batch number */
        unsigned retry_after;   /* 503: seconds, 0 = none */
        unsigned first, last;   /* request numbers */
} Fault;

typedef struct Schema {
        char *name;
        Dataset *data;          /* staging and published schemas; NULL for ontology tables */
} Schema;

typedef struct Emulator {
        char *root;
        Model *model;
        Schema *schemas;
        size_t n_schemas;
        Token tokens[EMULATOR_MAX_TOKENS];
        size_t n_tokens;
        User *users;
        size_t n_users;
        uint64_t token_ttl_usec;
        Fault faults[EMULATOR_MAX_FAULTS];
        size_t n_faults;
        FILE *request_log;
        unsigned n_requests;
} Emulator;

/* One request while its body arrives. */
typedef struct Request {
        char *body;
        size_t size, allocated;
        bool too_big;
} Request;

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* ---- errors and replies ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body,
                             size_t size, unsigned retry_after) {
        struct MHD_Response *r = MHD_create_response_from_buffer(size, (void *) body, MHD_RESPMEM_MUST_COPY);
        if (!r)
                return MHD_NO;
        MHD_add_response_header(r, "Content-Type", type);
        if (retry_after > 0) {
                char s[16];
                snprintf(s, sizeof s, "%u", retry_after);
                MHD_add_response_header(r, "Retry-After", s);
        }
        enum MHD_Result ret = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ret;
}

/* Every server error: HTTP 400 and {"errors":[{"message":...}]}. */
static enum MHD_Result reply_error(struct MHD_Connection *c, const char *message) {
        json_t *j = json_pack("{s:[{s:s}]}", "errors", "message", message);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        enum MHD_Result r = reply(c, 400, "application/json", text ?: "{}", text ? strlen(text) : 2, 0);
        free(text);
        return r;
}

/* ---- schemas, loading and writing back ---- */

static Schema *schema_find(Emulator *e, const char *name) {
        for (size_t i = 0; i < e->n_schemas; i++)
                if (streq(e->schemas[i].name, name))
                        return &e->schemas[i];
        return NULL;
}

static bool schema_is_staging(const char *name) {
        return startswith(name, "BBMRI-") != NULL;
}

static int load_schema(Emulator *e, const char *name) {
        Schema *grown = reallocarray(e->schemas, e->n_schemas + 1, sizeof(Schema));
        if (!grown)
                return -ENOMEM;
        e->schemas = grown;
        Schema *s = &e->schemas[e->n_schemas++];
        *s = (Schema) { .name = strdup(name) };
        if (!s->name)
                return -ENOMEM;
        if (!schema_is_staging(name) && !streq(name, "ERIC"))
                return 0; /* ontology tables are served as the files they are */
        int r = dataset_new(e->model, &s->data);
        if (r < 0)
                return r;
        for (size_t t = 0; t < e->model->n_tables; t++) {
                _cleanup_free_ char *file = strdup_printf("%s/%s/%s.csv", e->root, name, e->model->tables[t].name);
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                if (!file)
                        return -ENOMEM;
                r = read_file_limited(file, EMULATOR_MAX_BODY_BYTES, &data, &size);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                Findings f;
                findings_init(&f);
                Emx2ReadStats stats = {};
                r = emx2_read_table(s->data, t, data, size, file, &stats, &f);
                emx2_read_stats_done(&stats);
                for (size_t i = 0; i < f.n_items; i++)
                        fprintf(stderr, "emx2-emulator: %s:%u: %s\n", f.items[i].file ?: file, f.items[i].line,
                                f.items[i].message);
                findings_done(&f);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_back(Emulator *e, Schema *s) {
        for (size_t t = 0; t < e->model->n_tables; t++) {
                _cleanup_free_ char *file = strdup_printf("%s/%s/%s.csv", e->root, s->name, e->model->tables[t].name);
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                if (!file)
                        return -ENOMEM;
                int r = emx2_table_to_buffer(s->data, t, NULL, 0, NULL, false, &data, &size);
                if (r >= 0)
                        r = write_file_atomic(file, data, size, 0644);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- tokens ---- */

static Role token_role(Emulator *e, const char *value, bool *ret_expired) {
        *ret_expired = false;
        if (!value)
                return ROLE_NONE;
        for (size_t i = 0; i < e->n_tokens; i++)
                if (streq(e->tokens[i].value, value)) {
                        if (now_usec_monotonic() >= e->tokens[i].expires_usec) {
                                *ret_expired = true;
                                return ROLE_NONE;
                        }
                        return e->tokens[i].role;
                }
        *ret_expired = true; /* unknown: the server says the same as for an expired one */
        return ROLE_NONE;
}

static int add_token(Emulator *e, const char *value, Role role, uint64_t expires) {
        if (e->n_tokens >= EMULATOR_MAX_TOKENS)
                return -E2BIG;
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        e->tokens[e->n_tokens++] = (Token) { .value = v, .role = role, .expires_usec = expires };
        return 0;
}

/* ---- writing: upserts, deletes, the model's rules ---- */

static int copy_dataset(const Dataset *from, Dataset **ret) {
        _cleanup_(dataset_freep) Dataset *d = NULL;
        int r = dataset_new(from->model, &d);
        for (size_t t = 0; r >= 0 && t < from->model->n_tables; t++)
                for (size_t i = 0; r >= 0 && i < from->tables[t].n_rows; i++)
                        r = dataset_copy_row(d, t, from->tables[t].rows[i], NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

typedef struct Upsert {
        Dataset *d;
        size_t table;
        int *columns;           /* per CSV column: model column, -1 ignored, -2 mg_delete */
        size_t n_columns;
        size_t first_row, last_row; /* data rows (1-based) to apply: a batch */
        size_t row;             /* data rows seen */
        size_t n_upserts, n_deletes;
        char error[512];
} Upsert;

static int upsert_record(void *userdata, unsigned line, char **fields, size_t n) {
        Upsert *u = userdata;
        const ModelTable *t = &u->d->model->tables[u->table];
        if (!u->columns) {
                u->columns = calloc(n ?: 1, sizeof(int));
                if (!u->columns)
                        return -ENOMEM;
                u->n_columns = n;
                bool has_id = false;
                for (size_t i = 0; i < n; i++) {
                        u->columns[i] = streq(fields[i], "mg_delete") ? -2 : model_column_index(t, fields[i]);
                        has_id = has_id || (u->columns[i] >= 0 && (size_t) u->columns[i] == t->id_column);
                }
                if (!has_id) {
                        snprintf(u->error, sizeof u->error, "Table %s: the CSV has no column 'id'", t->name);
                        return -EBADMSG;
                }
                return 0;
        }
        u->row++;
        if (u->row < u->first_row || u->row > u->last_row)
                return 0;
        const char *id = NULL;
        bool del = false;
        for (size_t i = 0; i < n && i < u->n_columns; i++) {
                if (u->columns[i] >= 0 && (size_t) u->columns[i] == t->id_column)
                        id = fields[i];
                if (u->columns[i] == -2)
                        del = strcaseeq(fields[i], "true");
        }
        if (isempty(id)) {
                snprintf(u->error, sizeof u->error, "Table %s: row %zu has no id", t->name, u->row);
                return -EBADMSG;
        }
        if (del) {
                int r = dataset_remove_row(u->d, u->table, id);
                if (r < 0 && r != -ENOENT)
                        return r;
                u->n_deletes++;
                return 0;
        }
        Row *row = dataset_find(u->d, u->table, id);
        if (!row) {
                int r = dataset_add_row(u->d, u->table, id, NULL, &row);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n && i < u->n_columns; i++) {
                int c = u->columns[i];
                if (c < 0 || (size_t) c == t->id_column || !t->columns[c].node_owned)
                        continue;
                int r;
                if (column_type_is_list(t->columns[c].type)) {
                        _cleanup_free_ char **items = NULL;
                        size_t allocated = 0, n_items = 0;
                        r = emx2_split_list(fields[i], &items, &allocated, &n_items);
                        if (r >= 0)
                                r = dataset_set_list(u->d, row, u->table, (size_t) c, (const char *const *) items, n_items,
                                                     NULL);
                } else
                        r = dataset_set(u->d, row, u->table, (size_t) c, fields[i], NULL);
                if (r < 0)
                        return r;
        }
        u->n_upserts++;
        return 0;
}

/* The rules the server enforces on commit: id patterns, required columns, references that resolve
 * inside the schema. First violation wins, in the server's words. */
static bool check_rules(const Dataset *d, char *error, size_t size) {
        const Model *m = d->model;
        for (size_t t = 0; t < m->n_tables; t++) {
                const ModelTable *mt = &m->tables[t];
                for (size_t i = 0; i < d->tables[t].n_rows; i++) {
                        const Row *row = d->tables[t].rows[i];
                        if (mt->id_pattern && regexec(&mt->id_regex, row->id, 0, NULL, 0) != 0) {
                                snprintf(error, size, "Table %s: %s (id '%s')", mt->name,
                                         mt->id_message ?: "id does not match the pattern", row->id);
                                return false;
                        }
                        for (size_t c = 0; c < mt->n_columns; c++) {
                                const ModelColumn *col = &mt->columns[c];
                                if (!col->node_owned)
                                        continue;
                                if (col->required && !row->cells[c]) {
                                        snprintf(error, size, "Table %s: required column '%s' is missing in row '%s'",
                                                 mt->name, col->name, row->id);
                                        return false;
                                }
                                if (col->ref_table_index < 0 || col->ontology || !row->cells[c])
                                        continue;
                                const char *state = row->cells[c], *item;
                                size_t n;
                                while (dataset_list_next(&state, &item, &n)) {
                                        char buf[512];
                                        snprintf(buf, sizeof buf, "%.*s", (int) n, item);
                                        if (!dataset_find(d, (size_t) col->ref_table_index, buf)) {
                                                snprintf(error, size,
                                                         "insert or update on table \"%s\" violates foreign key constraint: "
                                                         "Key (%s)=(%s) is not present in table \"%s\"",
                                                         mt->name, col->name, buf, col->ref_table);
                                                return false;
                                        }
                                }
                        }
                }
        }
        return true;
}

/* Applies rows [first, last] of one table's CSV to d. */
static int apply_csv(Dataset *d, size_t table, const char *csv, size_t size, size_t first, size_t last,
                     size_t *ret_upserts, size_t *ret_deletes, char *error, size_t error_size) {
        Upsert u = { .d = d, .table = table, .first_row = first, .last_row = last };
        Findings f;
        findings_init(&f);
        int r = csv_parse(csv, size, d->model->tables[table].name, upsert_record, &u, &f);
        if (r < 0) {
                if (u.error[0])
                        snprintf(error, error_size, "%s", u.error);
                else if (f.n_items > 0)
                        snprintf(error, error_size, "Table %s: %s", d->model->tables[table].name, f.items[0].message);
                else
                        snprintf(error, error_size, "Table %s: %s", d->model->tables[table].name, strerror(-r));
        }
        findings_done(&f);
        free(u.columns);
        *ret_upserts += u.n_upserts;
        *ret_deletes += u.n_deletes;
        return r;
}

static size_t count_data_rows(const char *csv, size_t size) {
        /* The parser counts for us: a pass that applies nothing. */
        size_t n = 0;
        for (size_t i = 0; i < size; i++)
                n += csv[i] == '\n';
        return n;
}

/* ---- the request log ---- */

static void log_request(Emulator *e, unsigned n, const char *method, const char *url, const char *query,
                        unsigned status, bool write, json_t *tables, bool token) {
        if (!e->request_log)
                return;
        json_t *j = json_pack("{s:i,s:s,s:s,s:s,s:i,s:b,s:O,s:s}", "n", (int) n, "method", method, "path", url,
                              "query", query ?: "", "status", (int) status, "write", write, "tables",
                              tables ?: json_object(), "token", token ? "present" : "absent");
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (text) {
                fprintf(e->request_log, "%s\n", text);
                fflush(e->request_log);
        }
        free(text);
        json_decref(j);
}

static void count_table(json_t *tables, const char *name, size_t upserts, size_t deletes) {
        json_object_set_new(tables, name, json_pack("{s:i,s:i}", "upserts", (int) upserts, "deletes", (int) deletes));
}

/* ---- faults ---- */

static const Fault *fault_for(Emulator *e, unsigned n, FaultKind kind) {
        for (size_t i = 0; i < e->n_faults; i++)
                if (e->faults[i].kind == kind && n >= e->faults[i].first && n <= e->faults[i].last)
                        return &e->faults[i];
        return NULL;
}

static int parse_fault(const char *spec, Fault *ret) {
        static const struct {
                const char *name;
                FaultKind kind;
                unsigned arg;
        } kinds[] = {
                { "latency", FAULT_LATENCY, 0 },         { "502", FAULT_STATUS, 502 },
                { "503", FAULT_STATUS, 503 },            { "504", FAULT_STATUS, 504 },
                { "drop", FAULT_DROP, 0 },               { "expire-token", FAULT_EXPIRE_TOKEN, 0 },
                { "statement-timeout", FAULT_STATEMENT_TIMEOUT, 0 }, { "fail-batch", FAULT_FAIL_BATCH, 1 },
        };
        const char *at = strchr(spec, '@');
        if (!at)
                return -EINVAL;
        _cleanup_free_ char *head = strndup(spec, (size_t) (at - spec));
        if (!head)
                return -ENOMEM;
        char *colon = strchr(head, ':');
        unsigned long arg = 0;
        if (colon) {
                *colon = 0;
                char *end = NULL;
                arg = strtoul(colon + 1, &end, 10);
                if (!end || *end)
                        return -EINVAL;
        }
        char *end = NULL;
        unsigned long first = strtoul(at + 1, &end, 10), last = first;
        if (end && *end == '-')
                last = strtoul(end + 1, &end, 10);
        if (!end || *end || first == 0 || last < first)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (streq(head, kinds[i].name)) {
                        *ret = (Fault) { .kind = kinds[i].kind, .arg = kinds[i].arg, .first = (unsigned) first,
                                         .last = (unsigned) last };
                        if (kinds[i].kind == FAULT_LATENCY || kinds[i].kind == FAULT_FAIL_BATCH)
                                ret->arg = colon ? (unsigned) arg : ret->arg;
                        else if (kinds[i].kind == FAULT_STATUS && colon)
                                ret->retry_after = (unsigned) arg;
                        return 0;
                }
        return -EINVAL;
}

/* A response cut off after its first bytes: the connection is closed mid-body. */
static ssize_t truncated_reader(void *cls, uint64_t pos, char *buf, size_t max) {
        static const char part[] = "id,name\nbbmri-eric:ID:BE_";
        if (pos >= sizeof part - 1)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t n = sizeof part - 1 - (size_t) pos;
        if (n > max)
                n = max;
        memcpy(buf, part + pos, n);
        return (ssize_t) n;
}

/* ---- handlers ---- */

static enum MHD_Result handle_signin(Emulator *e, struct MHD_Connection *c, const Request *req) {
        json_error_t jerr;
        json_t *j = json_loadb(req->body ?: "", req->size, 0, &jerr);
        json_t *vars = j ? json_object_get(j, "variables") : NULL;
        const char *email = json_string_value(json_object_get(vars, "email"));
        const char *password = json_string_value(json_object_get(vars, "password"));
        const char *query = json_string_value(json_object_get(j, "query"));
        enum MHD_Result ret;
        if (!query || !strstr(query, "signin")) {
                ret = reply_error(c, "only the signin mutation is emulated");
                json_decref(j);
                return ret;
        }
        const User *user = NULL;
        for (size_t i = 0; email && password && i < e->n_users; i++)
                if (streq(e->users[i].email, email) && streq(e->users[i].password, password))
                        user = &e->users[i];
        json_t *answer;
        if (!user)
                answer = json_pack("{s:{s:{s:s,s:s}}}", "data", "signin", "status", "FAILED", "message",
                                   "Sign in failed: password incorrect or user unknown");
        else {
                unsigned char raw[16];
                char token[33];
                if (getentropy(raw, sizeof raw) < 0) {
                        json_decref(j);
                        return reply_error(c, "no randomness");
                }
                for (size_t i = 0; i < sizeof raw; i++)
                        snprintf(token + 2 * i, 3, "%02x", raw[i]);
                if (add_token(e, token, user->role, now_usec_monotonic() + e->token_ttl_usec) < 0) {
                        json_decref(j);
                        return reply_error(c, "too many tokens");
                }
                answer = json_pack("{s:{s:{s:s,s:s,s:s}}}", "data", "signin", "status", "SUCCESS", "message",
                                   "Signed in", "token", token);
        }
        char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
        ret = reply(c, 200, "application/json", text ?: "{}", text ? strlen(text) : 2, 0);
        free(text);
        json_decref(answer);
        json_decref(j);
        return ret;
}

/* The ZIP part of a multipart/form-data body: the part named "file". */
static int multipart_file(struct MHD_Connection *c, const Request *req, const char **ret, size_t *ret_size) {
        const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        const char *b = type ? strstr(type, "boundary=") : NULL;
        if (!b || !req->body)
                return -EBADMSG;
        b += 9;
        _cleanup_free_ char *delim = strdup_printf("--%.*s", (int) strcspn(b, "; \""), b + (*b == '"'));
        if (!delim)
                return -ENOMEM;
        const char *end = req->body + req->size;
        for (const char *p = memmem(req->body, req->size, delim, strlen(delim)); p;) {
                const char *headers = p + strlen(delim);
                const char *next = memmem(headers, (size_t) (end - headers), delim, strlen(delim));
                const char *blank = memmem(headers, (size_t) ((next ?: end) - headers), "\r\n\r\n", 4);
                if (!next || !blank)
                        break;
                const char *data = blank + 4, *data_end = next - 2; /* CRLF before the delimiter */
                if (memmem(headers, (size_t) (blank - headers), "name=\"file\"", 11) && data_end >= data) {
                        *ret = data;
                        *ret_size = (size_t) (data_end - data);
                        return 0;
                }
                p = next;
        }
        return -ENOENT;
}

static enum MHD_Result handle_zip(Emulator *e, struct MHD_Connection *c, Schema *s, const Request *req,
                                  json_t *tables, unsigned *status) {
        const char *zdata = NULL;
        size_t zsize = 0;
        if (multipart_file(c, req, &zdata, &zsize) < 0)
                return reply_error(c, "expected a multipart/form-data part 'file' holding a ZIP");
        zip_error_t zerr;
        zip_error_init(&zerr);
        zip_source_t *src = zip_source_buffer_create(zdata, zsize, 0, &zerr);
        zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &zerr) : NULL;
        if (!z) {
                zip_source_free(src);
                zip_error_fini(&zerr);
                return reply_error(c, "the file is not a ZIP archive");
        }
        zip_error_fini(&zerr);
        _cleanup_(dataset_freep) Dataset *scratch = NULL;
        char error[1024] = "";
        int r = copy_dataset(s->data, &scratch);
        /* One transaction: tables in reference order, everything or nothing. */
        for (size_t t = 0; r >= 0 && t < e->model->n_tables; t++) {
                _cleanup_free_ char *name = strdup_printf("%s.csv", e->model->tables[t].name);
                zip_int64_t idx = name ? zip_name_locate(z, name, 0) : -1;
                if (idx < 0)
                        continue;
                zip_stat_t st;
                if (zip_stat_index(z, (zip_uint64_t) idx, 0, &st) < 0 || st.size > EMULATOR_MAX_BODY_BYTES) {
                        r = -EBADMSG;
                        break;
                }
                _cleanup_free_ char *csv = malloc(st.size + 1);
                zip_file_t *f = csv ? zip_fopen_index(z, (zip_uint64_t) idx, 0) : NULL;
                zip_int64_t got = f ? zip_fread(f, csv, st.size) : -1;
                if (f)
                        zip_fclose(f);
                if (got < 0 || (zip_uint64_t) got != st.size) {
                        r = -EBADMSG;
                        break;
                }
                size_t ups = 0, dels = 0;
                r = apply_csv(scratch, t, csv, (size_t) got, 1, SIZE_MAX, &ups, &dels, error, sizeof error);
                count_table(tables, e->model->tables[t].name, ups, dels);
        }
        zip_close(z);
        if (r < 0)
                return reply_error(c, error[0] ? error : "the ZIP could not be imported");
        if (!check_rules(scratch, error, sizeof error))
                return reply_error(c, error);
        dataset_free(s->data);
        s->data = TAKE_PTR(scratch);
        if (write_back(e, s) < 0)
                return reply_error(c, "the emulator could not write its folder");
        *status = 200;
        static const char ok[] = "{\"message\":\"Imported\"}";
        return reply(c, 200, "application/json", ok, sizeof ok - 1, 0);
}

static enum MHD_Result handle_csv_post(Emulator *e, struct MHD_Connection *c, Schema *s, size_t table,
                                       const Request *req, unsigned n, json_t *tables, unsigned *status) {
        const Fault *fail = fault_for(e, n, FAULT_FAIL_BATCH);
        size_t rows = count_data_rows(req->body ?: "", req->size), ups = 0, dels = 0;
        char error[1024] = "";
        /* Batches of 100 rows, each its own transaction: a failure keeps the earlier ones. */
        for (size_t first = 1, batch = 1; first <= rows || first == 1; first += EMULATOR_BATCH_ROWS, batch++) {
                if (fail && fail->arg == batch) {
                        count_table(tables, e->model->tables[table].name, ups, dels);
                        return reply_error(c, "Transaction failed: validation error in batch (injected fault)");
                }
                _cleanup_(dataset_freep) Dataset *scratch = NULL;
                int r = copy_dataset(s->data, &scratch);
                if (r >= 0)
                        r = apply_csv(scratch, table, req->body ?: "", req->size, first, first + EMULATOR_BATCH_ROWS - 1,
                                      &ups, &dels, error, sizeof error);
                if (r < 0 || !check_rules(scratch, error, sizeof error)) {
                        count_table(tables, e->model->tables[table].name, ups, dels);
                        return reply_error(c, error[0] ? error : "the CSV could not be imported");
                }
                dataset_free(s->data);
                s->data = TAKE_PTR(scratch);
                if (write_back(e, s) < 0)
                        return reply_error(c, "the emulator could not write its folder");
                if (rows <= first + EMULATOR_BATCH_ROWS - 1)
                        break;
        }
        count_table(tables, e->model->tables[table].name, ups, dels);
        *status = 200;
        static const char ok[] = "{\"message\":\"Imported\"}";
        return reply(c, 200, "application/json", ok, sizeof ok - 1, 0);
}

static enum MHD_Result handle_get(Emulator *e, struct MHD_Connection *c, Schema *s, const char *table_name,
                                  unsigned *status) {
        if (!table_name) {
                /* The schema's model, in MOLGENIS' own format (the columns a client compares). */
                _cleanup_free_ char *out = strdup("tableName,columnName,columnType,key,required,refTable\n");
                for (size_t t = 0; out && t < e->model->n_tables; t++)
                        for (size_t k = 0; out && k < e->model->tables[t].n_columns; k++) {
                                const ModelColumn *col = &e->model->tables[t].columns[k];
                                char *more = strdup_printf("%s%s,%s,%s,%s,%s,%s\n", out, e->model->tables[t].name,
                                                           col->name, column_type_to_string(col->type),
                                                           col->key ? "1" : "", col->required ? "true" : "",
                                                           col->ref_table ?: col->ontology ?: "");
                                free(out);
                                out = more;
                        }
                if (!out)
                        return reply_error(c, "out of memory");
                *status = 200;
                return reply(c, 200, "text/csv", out, strlen(out), 0);
        }
        if (!s->data) {
                /* An ontology table: the file as it is. */
                _cleanup_free_ char *file = strdup_printf("%s/%s/%s.csv", e->root, s->name, table_name);
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                if (!file || strchr(table_name, '/') || read_file_limited(file, EMULATOR_MAX_BODY_BYTES, &data, &size) < 0)
                        return reply_error(c, "Table not found");
                *status = 200;
                return reply(c, 200, "text/csv", data, size, 0);
        }
        int t = model_table_index(e->model, table_name);
        if (t < 0)
                return reply_error(c, "Table not found");
        const char *filter = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter");
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;
        if (filter) {
                /* The node filter a client sends: {"national_node":{"id":{"equals":"BE"}}}; rows
                 * are this node's by their id, as the publisher sets national_node from it. */
                json_error_t jerr;
                json_t *j = json_loads(filter, 0, &jerr);
                const char *node = json_string_value(
                        json_object_get(json_object_get(json_object_get(j, "national_node"), "id"), "equals"));
                if (!node) {
                        json_decref(j);
                        return reply_error(c, "unsupported filter");
                }
                const DatasetTable *dt = &s->data->tables[t];
                _cleanup_free_ const Row **rows = calloc(dt->n_rows + 1, sizeof(Row *));
                size_t n = 0;
                char buf[16];
                for (size_t i = 0; rows && i < dt->n_rows; i++) {
                        const char *rn = directory_id_node(dt->rows[i]->id, buf, sizeof buf);
                        if (rn && streq(rn, node))
                                rows[n++] = dt->rows[i];
                }
                json_decref(j);
                r = rows ? emx2_table_to_buffer(s->data, (size_t) t, rows, n, NULL, false, &data, &size) : -ENOMEM;
        } else
                r = emx2_table_to_buffer(s->data, (size_t) t, NULL, 0, NULL, false, &data, &size);
        if (r < 0)
                return reply_error(c, "the table could not be written");
        *status = 200;
        return reply(c, 200, "text/csv", data, size, 0);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_size, void **con_cls) {
        Emulator *e = cls;
        Request *req = *con_cls;
        if (!req) {
                req = calloc(1, sizeof(Request));
                if (!req)
                        return MHD_NO;
                *con_cls = req;
                return MHD_YES;
        }
        if (*upload_size > 0) {
                if (req->size + *upload_size > EMULATOR_MAX_BODY_BYTES)
                        req->too_big = true;
                else {
                        char *b = realloc(req->body, req->size + *upload_size + 1);
                        if (!b)
                                return MHD_NO;
                        memcpy(b + req->size, upload_data, *upload_size);
                        req->body = b;
                        req->size += *upload_size;
                        req->body[req->size] = 0;
                }
                *upload_size = 0;
                return MHD_YES;
        }

        unsigned n = ++e->n_requests, status = 400;
        const char *query_filter = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter");
        const char *token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-molgenis-token");
        bool write = !streq(method, "GET");
        json_t *tables = json_object();
        enum MHD_Result ret;

        const Fault *f;
        if ((f = fault_for(e, n, FAULT_LATENCY)))
                usleep((useconds_t) f->arg * 1000);
        if (fault_for(e, n, FAULT_EXPIRE_TOKEN))
                for (size_t i = 0; i < e->n_tokens; i++)
                        e->tokens[i].expires_usec = 0;
        if ((f = fault_for(e, n, FAULT_STATUS))) {
                static const char html[] = "<html><body><h1>Bad gateway</h1></body></html>\n";
                status = f->arg;
                ret = reply(c, f->arg, "text/html", html, sizeof html - 1, f->retry_after);
                goto done;
        }
        if (fault_for(e, n, FAULT_DROP)) {
                struct MHD_Response *r = MHD_create_response_from_callback(1000, 64, truncated_reader, NULL, NULL);
                status = 200;
                ret = r ? MHD_queue_response(c, 200, r) : MHD_NO;
                if (r)
                        MHD_destroy_response(r);
                goto done;
        }
        if (fault_for(e, n, FAULT_STATEMENT_TIMEOUT)) {
                ret = reply_error(c, "ERROR: canceling statement due to statement timeout");
                goto done;
        }
        if (req->too_big) {
                ret = reply_error(c, "request body too large");
                goto done;
        }
        if (streq(url, "/api/graphql") && streq(method, "POST")) {
                ret = handle_signin(e, c, req);
                status = 200;
                goto done;
        }

        /* /<schema>/api/csv[/<Table>] or /<schema>/api/zip */
        char schema_name[128], kind[16], table[128] = "";
        int k = sscanf(url, "/%127[^/]/api/%15[^/]/%127[^/]", schema_name, kind, table);
        Schema *s = k >= 2 ? schema_find(e, schema_name) : NULL;
        if (!s) {
                ret = reply_error(c, "Schema not found or permission denied");
                goto done;
        }
        bool expired = false;
        Role role = token_role(e, token, &expired);
        bool staging = schema_is_staging(s->name);
        if (token && expired) {
                ret = reply_error(c, "Invalid token or token expired");
                goto done;
        }
        if ((staging && role == ROLE_NONE) || (write && (!staging || role != ROLE_EDITOR))) {
                ret = reply_error(c, "permission denied");
                goto done;
        }
        if (streq(kind, "csv") && streq(method, "GET"))
                ret = handle_get(e, c, s, k == 3 ? table : NULL, &status);
        else if (streq(kind, "zip") && streq(method, "POST"))
                ret = handle_zip(e, c, s, req, tables, &status);
        else if (streq(kind, "csv") && k == 3 && (streq(method, "POST") || streq(method, "DELETE"))) {
                int t = model_table_index(e->model, table);
                if (t < 0)
                        ret = reply_error(c, "Table not found");
                else if (streq(method, "DELETE")) {
                        /* The key column only: those rows go. */
                        _cleanup_free_ char *body = strdup_printf("%s", req->body ?: "");
                        char *nl = body ? strchr(body, '\n') : NULL;
                        _cleanup_free_ char *with_flag = NULL;
                        if (body && nl) {
                                *nl = 0;
                                _cleanup_free_ char *rest = strdup(nl + 1);
                                with_flag = rest ? strdup_printf("%s,mg_delete\n", body) : NULL;
                                for (char *line = rest, *next; with_flag && line && *line; line = next) {
                                        next = strchr(line, '\n');
                                        if (next)
                                                *next++ = 0;
                                        char *more = strdup_printf("%s%s,true\n", with_flag, line);
                                        free(with_flag);
                                        with_flag = more;
                                }
                        }
                        Request as_upsert = { .body = with_flag, .size = with_flag ? strlen(with_flag) : 0 };
                        ret = handle_csv_post(e, c, s, (size_t) t, &as_upsert, n, tables, &status);
                } else
                        ret = handle_csv_post(e, c, s, (size_t) t, req, n, tables, &status);
        } else
                ret = reply_error(c, "not found");
done:
        log_request(e, n, method, url, query_filter, status, write, tables, token != NULL);
        json_decref(tables);
        return ret;
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
        Request *req = *con_cls;
        if (req) {
                free(req->body);
                free(req);
        }
        *con_cls = NULL;
}

/* ---- main ---- */

static Role role_from_string(const char *s) {
        return streq(s, "editor") ? ROLE_EDITOR : streq(s, "viewer") ? ROLE_VIEWER : ROLE_NONE;
}

static void emulator_done(Emulator *e) {
        for (size_t i = 0; i < e->n_schemas; i++) {
                free(e->schemas[i].name);
                dataset_free(e->schemas[i].data);
        }
        free(e->schemas);
        for (size_t i = 0; i < e->n_tokens; i++)
                free(e->tokens[i].value);
        for (size_t i = 0; i < e->n_users; i++) {
                free(e->users[i].email);
                free(e->users[i].password);
        }
        free(e->users);
        free(e->root);
        model_free(e->model);
        if (e->request_log)
                fclose(e->request_log);
}

static int usage(void) {
        fprintf(stderr, "usage: emx2-emulator --root DIR [--model FILE] [--port N] [--port-file FILE] [--cert FILE --key FILE]\n"
                        "       [--token TOKEN=editor|viewer]... [--user EMAIL:PASSWORD=editor|viewer]... [--token-ttl S]\n"
                        "       [--request-log FILE] [--fault KIND[:ARG]@N[-M]]...\n");
        return 64;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "root", required_argument, NULL, 'r' },       { "model", required_argument, NULL, 'm' },
                { "port", required_argument, NULL, 'p' },       { "port-file", required_argument, NULL, 'P' },
                { "cert", required_argument, NULL, 'c' },       { "key", required_argument, NULL, 'k' },
                { "token", required_argument, NULL, 't' },      { "user", required_argument, NULL, 'u' },
                { "token-ttl", required_argument, NULL, 'T' },  { "request-log", required_argument, NULL, 'l' },
                { "fault", required_argument, NULL, 'f' },      {},
        };
        Emulator e = { .token_ttl_usec = 1800 * UINT64_C(1000000) };
        const char *model_path = SOURCE_ROOT "/mappings/directory-model.yaml", *port_file = NULL;
        _cleanup_free_ char *cert = NULL, *key = NULL;
        _cleanup_(closedirp) DIR *dir = NULL;
        unsigned long port = 0;
        int c, code = 1;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                char *eq = optarg ? strrchr(optarg, '=') : NULL;
                switch (c) {
                case 'r':
                        free(e.root);
                        e.root = strdup(optarg);
                        break;
                case 'm':
                        model_path = optarg;
                        break;
                case 'p':
                        port = strtoul(optarg, NULL, 10);
                        break;
                case 'P':
                        port_file = optarg;
                        break;
                case 'c':
                        if (read_file_limited(optarg, 1u << 20, &cert, NULL) < 0)
                                return usage();
                        break;
                case 'k':
                        if (read_file_limited(optarg, 1u << 20, &key, NULL) < 0)
                                return usage();
                        break;
                case 't': {
                        if (!eq || role_from_string(eq + 1) == ROLE_NONE)
                                return usage();
                        *eq = 0;
                        if (add_token(&e, optarg, role_from_string(eq + 1), UINT64_MAX) < 0)
                                return usage();
                        break;
                }
                case 'u': {
                        char *colon = strchr(optarg, ':');
                        if (!eq || !colon || colon > eq || role_from_string(eq + 1) == ROLE_NONE)
                                return usage();
                        User *u = reallocarray(e.users, e.n_users + 1, sizeof(User));
                        if (!u)
                                return 1;
                        e.users = u;
                        *eq = *colon = 0;
                        e.users[e.n_users++] = (User) { strdup(optarg), strdup(colon + 1), role_from_string(eq + 1) };
                        break;
                }
                case 'T':
                        e.token_ttl_usec = strtoull(optarg, NULL, 10) * UINT64_C(1000000);
                        break;
                case 'l':
                        e.request_log = fopen(optarg, "ae");
                        if (!e.request_log)
                                return usage();
                        break;
                case 'f':
                        if (e.n_faults >= EMULATOR_MAX_FAULTS || parse_fault(optarg, &e.faults[e.n_faults++]) < 0)
                                return usage();
                        break;
                default:
                        return usage();
                }
        }
        if (!e.root || (!cert) != (!key))
                return usage();

        Findings f;
        findings_init(&f);
        int r = model_load(model_path, &e.model, &f);
        findings_done(&f);
        if (r < 0) {
                fprintf(stderr, "emx2-emulator: cannot load the model %s\n", model_path);
                goto finish;
        }
        dir = opendir(e.root);
        if (!dir) {
                fprintf(stderr, "emx2-emulator: cannot open %s\n", e.root);
                goto finish;
        }
        for (struct dirent *de; (de = readdir(dir));)
                if (de->d_name[0] != '.' && de->d_type == DT_DIR && (r = load_schema(&e, de->d_name)) < 0) {
                        fprintf(stderr, "emx2-emulator: cannot load schema %s: %s\n", de->d_name, strerror(-r));
                        goto finish;
                }

        /* Stop on SIGTERM/SIGINT: blocked here, waited for below. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        pthread_sigmask(SIG_BLOCK, &mask, NULL);

        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
        if (cert)
                flags |= MHD_USE_TLS;
        struct MHD_Daemon *d = cert ? MHD_start_daemon(flags, 0, NULL, NULL, handle, &e, MHD_OPTION_SOCK_ADDR, &addr,
                                                       MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
                                                       MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
                                                       MHD_OPTION_END)
                                    : MHD_start_daemon(flags, 0, NULL, NULL, handle, &e, MHD_OPTION_SOCK_ADDR, &addr,
                                                       MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "emx2-emulator: cannot listen on 127.0.0.1:%lu\n", port);
                goto finish;
        }
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        if (port_file) {
                char text[16];
                int n = snprintf(text, sizeof text, "%u\n", info ? info->port : 0);
                if (write_file_atomic(port_file, text, (size_t) n, 0644) < 0)
                        fprintf(stderr, "emx2-emulator: cannot write %s\n", port_file);
        }
        int sig = 0;
        sigwait(&mask, &sig);
        MHD_stop_daemon(d);
        code = 0;
finish:
        emulator_done(&e);
        return code;
}
