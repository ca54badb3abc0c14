/* SPDX-License-Identifier: MIT */
#include <openssl/evp.h>

#include "config.h"
#include "emx2-names.h"
#include "limits.h"
#include "yamltree.h"

const char *sync_mode_to_string(SyncMode m) {
        return m == SYNC_MODE_PUSH ? "push" : "report";
}

const char *quality_block_to_string(QualityBlock b) {
        return b == QUALITY_BLOCK_ALL ? "all" : b == QUALITY_BLOCK_NONE ? "none" : "new";
}

const char *push_method_to_string(PushMethod m) {
        return m == PUSH_METHOD_CSV ? "csv" : "zip";
}

const char *deletion_policy_to_string(DeletionPolicy p) {
        switch (p) {
        case DELETIONS_WITHDRAW:
                return "withdraw";
        case DELETIONS_DELETE:
                return "delete";
        case DELETIONS_KEEP:
                return "keep";
        }
        return "unknown";
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        free(c->path);
        free(c->node);
        strv_free(c->master);
        strv_free(c->mappings);
        free(c->model);
        free(c->directory_url);
        free(c->directory_path);
        free(c->staging_schema);
        free(c->published_schema);
        free(c->ontology_schema);
        free(c->token_file);
        free(c->email);
        free(c->password_file);
        free(c->ca_file);
        free(c->state_dir);
        free(c->report_json);
        free(c->report_html);
        free(c->report_metrics);
        free(c->quality_orphanet_file);
        free(c);
        return NULL;
}

typedef struct Parser {
        const YDoc *doc;
        Findings *findings;
        Config *config;
        const char *base_dir; /* folder of the configuration file, absolute */
        bool failed;
} Parser;

static int fail(Parser *p, const YNode *n, const char *key, const char *fmt, ...) _printf_(4, 5);
static int fail(Parser *p, const YNode *n, const char *key, const char *fmt, ...) {
        Location loc;
        ynode_location(p->doc, n, &loc);
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(p->findings, SEVERITY_ERROR, "config", NULL, NULL, key, &loc, fmt, ap);
        va_end(ap);
        p->failed = true;
        return r;
}

/* Reads a text value; absent or null leaves *ret alone. Returns <0 only on OOM. */
static int get_text(Parser *p, const YNode *map, const char *key, const char **ret) {
        const YNode *n = ynode_get(map, key);
        if (!n || ynode_is_null(n))
                return 0;
        if (n->type != YNODE_SCALAR || n->length == 0)
                return fail(p, n, key, "'%s' must be a text value, not %s", key, ynode_type_name(n));
        *ret = n->value;
        return 0;
}

static int set_path(Parser *p, char **target, const char *value) {
        char *abs = path_join(p->base_dir, value);
        if (!abs)
                return -ENOMEM;
        free(*target);
        *target = abs;
        return 0;
}

static int get_path(Parser *p, const YNode *map, const char *key, char **target) {
        const char *v = NULL;
        int r = get_text(p, map, key, &v);
        if (r < 0 || !v)
                return r;
        return set_path(p, target, v);
}

static int get_path_list(Parser *p, const YNode *map, const char *key, char ***target, bool required) {
        const YNode *n = ynode_get(map, key);
        if (!n || ynode_is_null(n)) {
                if (required)
                        return fail(p, map, key, "'%s' is required", key);
                return 0;
        }
        _cleanup_strv_free_ char **l = NULL;
        if (n->type == YNODE_SCALAR) {
                char *abs = path_join(p->base_dir, n->value);
                if (strv_consume(&l, abs) < 0)
                        return -ENOMEM;
        } else if (n->type == YNODE_SEQUENCE && n->n_items > 0) {
                for (size_t i = 0; i < n->n_items; i++) {
                        if (n->items[i]->type != YNODE_SCALAR || n->items[i]->length == 0)
                                return fail(p, n->items[i], key, "each entry of '%s' must be a file path", key);
                        if (strv_consume(&l, path_join(p->base_dir, n->items[i]->value)) < 0)
                                return -ENOMEM;
                }
        } else
                return fail(p, n, key, "'%s' must be a file path or a non-empty list of paths", key);
        strv_free(*target);
        *target = TAKE_PTR(l);
        return 0;
}

static int get_choice(Parser *p, const YNode *map, const char *key, const char *const *choices, int *ret) {
        const char *v = NULL;
        int r = get_text(p, map, key, &v);
        if (r < 0 || !v)
                return r;
        for (int i = 0; choices[i]; i++)
                if (streq(choices[i], v)) {
                        *ret = i;
                        return 0;
                }
        const YNode *n = ynode_get(map, key);
        if (choices[2])
                return fail(p, n, key, "'%s' must be %s, %s or %s, not '%s'", key, choices[0], choices[1], choices[2], v);
        return fail(p, n, key, "'%s' must be %s or %s, not '%s'", key, choices[0], choices[1], v);
}

static int get_timespan(Parser *p, const YNode *map, const char *key, uint64_t *ret) {
        const YNode *n = ynode_get(map, key);
        if (!n || ynode_is_null(n))
                return 0;
        if (n->type != YNODE_SCALAR || parse_timespan(n->value, ret) < 0)
                return fail(p, n, key, "'%s' must be a time span such as 90s, 5min, 1h or 1h 30min", key);
        return 0;
}

/* A whole number of at least min. */
static int get_count(Parser *p, const YNode *map, const char *key, uint64_t min, uint64_t *ret) {
        const YNode *n = ynode_get(map, key);
        if (!n || ynode_is_null(n))
                return 0;
        const char *s = n->type == YNODE_SCALAR ? n->value : "";
        char *end = NULL;
        errno = 0;
        unsigned long long x = *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
        if (!end || *end || errno != 0 || x < min)
                return fail(p, n, key, "'%s' must be a whole number of at least %" PRIu64 ", not %s%s%s", key, min,
                            n->type == YNODE_SCALAR ? "'" : "", n->type == YNODE_SCALAR ? s : ynode_type_name(n),
                            n->type == YNODE_SCALAR ? "'" : "");
        *ret = x;
        return 0;
}

static int get_size(Parser *p, const YNode *map, const char *key, uint64_t *ret) {
        const YNode *n = ynode_get(map, key);
        if (!n || ynode_is_null(n))
                return 0;
        if (n->type != YNODE_SCALAR || parse_size(n->value, ret) < 0)
                return fail(p, n, key, "'%s' must be a size such as 100M, 1G or 512K (bytes when bare)", key);
        return 0;
}

/* Secrets never sit in the configuration (it is readable by more people than a credential). The
 * value is deliberately not quoted in the message. */
static int refuse_secrets(Parser *p, const YNode *map) {
        static const char *const secrets[] = { "token", "password", "api_key", "secret" };
        for (size_t i = 0; map && map->type == YNODE_MAPPING && i < map->n_items; i++)
                for (size_t k = 0; k < ELEMENTSOF(secrets); k++)
                        if (streq(map->keys[i]->value, secrets[k])) {
                                int r = fail(p, map->keys[i], secrets[k],
                                             "'%s' does not belong in the configuration file: secrets never go there; "
                                             "put it in a file named by directory.token_file or directory.password_file "
                                             "(or a systemd credential)",
                                             secrets[k]);
                                if (r < 0)
                                        return r;
                        }
        return 0;
}

static bool host_is_loopback(const char *host, size_t n) {
        return (n == 9 && strncmp(host, "127.0.0.1", 9) == 0) || (n == 5 && strncmp(host, "[::1]", 5) == 0) ||
               (n == 9 && strncasecmp(host, "localhost", 9) == 0);
}

static int parse_url(Parser *p, const YNode *n, const char *url) {
        Config *c = p->config;
        const char *rest;
        if ((rest = startswith(url, "file://"))) {
                if (rest[0] != '/')
                        return fail(p, n, "url", "a file:// URL needs an absolute path (file:///folder), or write "
                                                 "file:folder for a folder relative to the configuration file");
                c->directory_scheme = DIRECTORY_FILE;
                return set_path(p, &c->directory_path, rest);
        }
        if ((rest = startswith(url, "file:"))) {
                if (!*rest)
                        return fail(p, n, "url", "the file: URL names no folder");
                c->directory_scheme = DIRECTORY_FILE;
                return set_path(p, &c->directory_path, rest);
        }
        bool https = startswith(url, "https://") != NULL;
        rest = startswith(url, "https://") ?: startswith(url, "http://");
        if (!rest)
                return fail(p, n, "url", "'url' must start with https:// (or file:// for a folder), not '%s'", url);
        size_t host_len = strcspn(rest, "/?#");
        const char *host = rest;
        if (host_len == 0)
                return fail(p, n, "url", "the URL '%s' names no host", url);
        /* The host without a port. */
        size_t name_len = host_len;
        if (host[0] == '[') {
                const char *close = memchr(host, ']', host_len);
                name_len = close ? (size_t) (close - host) + 1 : host_len;
        } else {
                const char *colon = memchr(host, ':', host_len);
                if (colon)
                        name_len = (size_t) (colon - host);
        }
        if (!https && !host_is_loopback(host, name_len))
                return fail(p, n, "url",
                            "plain http is allowed only to a loopback address (127.0.0.1, [::1], localhost); use https://");
        c->directory_scheme = DIRECTORY_HTTPS;
        return 0;
}

static int parse_directory(Parser *p, const YNode *dir) {
        static const char *const keys[] = { "url",      "staging_schema", "published_schema", "ontology_schema",
                                            "token_file", "email",        "password_file",    "ca_file",
                                            "timeout",  "run_timeout",    "token",            "password", NULL };
        Config *c = p->config;
        if (!dir || ynode_is_null(dir))
                return fail(p, p->doc->root, "directory", "'directory' (with at least 'url') is required");
        int r = ynode_check_keys(p->doc, dir, "'directory'", keys, p->findings);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                p->failed = true;
                if (dir->type != YNODE_MAPPING)
                        return 0;
        }
        if ((r = refuse_secrets(p, dir)) < 0)
                return r;

        const char *url = NULL;
        if ((r = get_text(p, dir, "url", &url)) < 0)
                return r;
        if (!url) {
                if (!ynode_get(dir, "url"))
                        return fail(p, dir, "url", "'directory.url' is required");
        } else {
                c->directory_url = strdup(url);
                if (!c->directory_url)
                        return -ENOMEM;
                if ((r = parse_url(p, ynode_get(dir, "url"), url)) < 0)
                        return r;
        }
        static const struct {
                const char *key;
                size_t offset;
        } names[] = {
                { "staging_schema", offsetof(Config, staging_schema) },
                { "published_schema", offsetof(Config, published_schema) },
                { "ontology_schema", offsetof(Config, ontology_schema) },
                { "email", offsetof(Config, email) },
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const char *v = NULL;
                if ((r = get_text(p, dir, names[i].key, &v)) < 0)
                        return r;
                if (!v)
                        continue;
                /* The schema names become folder names (file backend, snapshots). */
                if (!streq(names[i].key, "email") && !emx2_schema_name_is_valid(v)) {
                        if ((r = fail(p, ynode_get(dir, names[i].key), names[i].key,
                                      "'%s' must be a schema name EMX2 accepts (" EMX2_SCHEMA_NAME_RULE "), not '%s'",
                                      names[i].key, v)) < 0)
                                return r;
                        continue;
                }
                char **target = (char **) ((char *) c + names[i].offset);
                free(*target);
                *target = strdup(v);
                if (!*target)
                        return -ENOMEM;
        }
        if ((r = get_path(p, dir, "token_file", &c->token_file)) < 0 ||
            (r = get_path(p, dir, "password_file", &c->password_file)) < 0 ||
            (r = get_path(p, dir, "ca_file", &c->ca_file)) < 0 || (r = get_timespan(p, dir, "timeout", &c->timeout_usec)) < 0 ||
            (r = get_timespan(p, dir, "run_timeout", &c->run_timeout_usec)) < 0)
                return r;
        if (c->password_file && !c->email)
                return fail(p, dir, "email", "'password_file' needs 'email' for the sign-in");
        return 0;
}

static int parse_push(Parser *p, const YNode *push) {
        static const char *const keys[] = { "method", "deletions", "max_removals", NULL };
        static const char *const methods[] = { "zip", "csv", NULL };
        static const char *const policies[] = { "withdraw", "delete", "keep", NULL };
        Config *c = p->config;
        if (!push || ynode_is_null(push))
                return 0;
        int r = ynode_check_keys(p->doc, push, "'push'", keys, p->findings);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                p->failed = true;
                if (push->type != YNODE_MAPPING)
                        return 0;
        }
        int v = -1;
        if ((r = get_choice(p, push, "method", methods, &v)) < 0)
                return r;
        if (v >= 0)
                c->push_method = (PushMethod) v;
        v = -1;
        if ((r = get_choice(p, push, "deletions", policies, &v)) < 0)
                return r;
        if (v >= 0)
                c->deletions = (DeletionPolicy) v;

        const YNode *n = ynode_get(push, "max_removals");
        if (n && !ynode_is_null(n)) {
                const char *s = n->type == YNODE_SCALAR ? n->value : "";
                char *end = NULL;
                errno = 0;
                unsigned long long x = strtoull(s, &end, 10);
                bool digits = *s >= '0' && *s <= '9';
                if (digits && errno == 0 && end && *end == 0) {
                        c->max_removals = x;
                        c->max_removals_set = true;
                } else if (digits && errno == 0 && end && streq(end, "%") && x <= 100) {
                        c->max_removals = x;
                        c->max_removals_percent = true;
                        c->max_removals_set = true;
                } else
                        return fail(p, n, "max_removals",
                                    "'max_removals' must be a number of rows or a percentage from 0%% to 100%% "
                                    "(\"10%%\"), not '%s'",
                                    s);
        }
        return 0;
}

static int parse_section(Parser *p, const YNode *section, const char *name, const char *const *keys) {
        if (!section || ynode_is_null(section))
                return 1; /* absent: nothing to read */
        _cleanup_free_ char *what = strdup_printf("'%s'", name);
        if (!what)
                return -ENOMEM;
        int r = ynode_check_keys(p->doc, section, what, keys, p->findings);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                p->failed = true;
                if (section->type != YNODE_MAPPING)
                        return 1;
        }
        return 0;
}

static int set_default(char **target, const char *value) {
        if (*target)
                return 0;
        *target = strdup(value);
        return *target ? 0 : -ENOMEM;
}

static void hex_digest(const char *data, size_t size, char out[65]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        out[0] = 0;
        if (!EVP_Digest(data, size, md, &n, EVP_sha256(), NULL) || n != 32)
                return;
        static const char hex[] = "0123456789abcdef";
        for (unsigned i = 0; i < n; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 15];
        }
        out[64] = 0;
}

static char *absolute_dirname(const char *path) {
        _cleanup_free_ char *dir = path_dirname(path);
        if (!dir)
                return NULL;
        if (dir[0] == '/')
                return TAKE_PTR(dir);
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        if (!cwd)
                return NULL;
        if (streq(dir, "."))
                return TAKE_PTR(cwd);
        return path_join(cwd, dir);
}

int config_parse(const char *data, size_t size, const char *path, const char *data_dir, Config **ret,
                 Findings *findings) {
        _cleanup_(ydoc_freep) YDoc *doc = NULL;
        int r = ydoc_parse(data, size, path, &doc, findings);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));
        if (!c)
                return -ENOMEM;
        _cleanup_free_ char *base_dir = absolute_dirname(path);
        c->path = strdup(path);
        if (!base_dir || !c->path)
                return -ENOMEM;
        c->timeout_usec = 60ULL * 1000000ULL;
        c->run_timeout_usec = LIMIT_RUN_TIMEOUT_USEC;
        c->schedule_interval_usec = 3600ULL * 1000000ULL;
        c->schedule_random_delay_usec = 300ULL * 1000000ULL;
        c->report_max_changes = LIMIT_REPORT_CHANGES;
        c->report_keep = LIMIT_REPORTS_KEPT;
        c->report_keep_bytes = LIMIT_REPORTS_BYTES;
        c->publication_grace_usec = 36ULL * 3600ULL * 1000000ULL; /* the nightly copy, and a day's slack */
        hex_digest(data, size, c->digest);

        Parser p = { .doc = doc, .findings = findings, .config = c, .base_dir = base_dir };
        const YNode *root = doc->root;
        static const char *const keys[] = { "node", "master", "mappings", "model", "directory", "mode", "push",
                                            "schedule", "state_dir", "report", "quality", "publication", "token",
                                            "password", NULL };
        r = ynode_check_keys(doc, root, "the configuration", keys, findings);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && root->type != YNODE_MAPPING)
                return -EINVAL;
        if (r < 0)
                p.failed = true;
        if ((r = refuse_secrets(&p, root)) < 0)
                return r;

        const char *node = NULL;
        if ((r = get_text(&p, root, "node", &node)) < 0)
                return r;
        if (!node) {
                if (!ynode_get(root, "node") && (r = fail(&p, root, "node", "'node' (the node code, e.g. BE) is required")) < 0)
                        return r;
        } else {
                size_t n = strlen(node);
                bool ok = n >= 2 && n <= 3;
                for (size_t i = 0; i < n; i++)
                        ok = ok && node[i] >= 'A' && node[i] <= 'Z';
                if (!ok && (r = fail(&p, ynode_get(root, "node"), "node",
                                     "'node' must be the node's code in 2 or 3 capital letters (BE), not '%s'", node)) < 0)
                        return r;
                c->node = strdup(node);
                if (!c->node)
                        return -ENOMEM;
        }
        if ((r = get_path_list(&p, root, "master", &c->master, true)) < 0 ||
            (r = get_path_list(&p, root, "mappings", &c->mappings, false)) < 0 ||
            (r = get_path(&p, root, "model", &c->model)) < 0 || (r = get_path(&p, root, "state_dir", &c->state_dir)) < 0)
                return r;
        if ((r = parse_directory(&p, ynode_get(root, "directory"))) < 0)
                return r;

        static const char *const modes[] = { "report", "push", NULL };
        int mode = -1;
        if ((r = get_choice(&p, root, "mode", modes, &mode)) < 0)
                return r;
        if (mode >= 0)
                c->mode = (SyncMode) mode;
        if ((r = parse_push(&p, ynode_get(root, "push"))) < 0)
                return r;

        static const char *const schedule_keys[] = { "interval", "random_delay", NULL };
        const YNode *schedule = ynode_get(root, "schedule");
        r = parse_section(&p, schedule, "schedule", schedule_keys);
        if (r < 0)
                return r;
        if (r == 0) {
                if ((r = get_timespan(&p, schedule, "interval", &c->schedule_interval_usec)) < 0 ||
                    (r = get_timespan(&p, schedule, "random_delay", &c->schedule_random_delay_usec)) < 0)
                        return r;
                if (c->schedule_interval_usec == 0 &&
                    (r = fail(&p, ynode_get(schedule, "interval"), "interval", "'interval' must be longer than 0")) < 0)
                        return r;
        }
        static const char *const publication_keys[] = { "grace", NULL };
        const YNode *publication = ynode_get(root, "publication");
        r = parse_section(&p, publication, "publication", publication_keys);
        if (r < 0)
                return r;
        if (r == 0 && (r = get_timespan(&p, publication, "grace", &c->publication_grace_usec)) < 0)
                return r;
        static const char *const report_keys[] = { "json", "html", "metrics", "max_changes", "keep", "keep_size", NULL };
        const YNode *report = ynode_get(root, "report");
        r = parse_section(&p, report, "report", report_keys);
        if (r < 0)
                return r;
        if (r == 0 && ((r = get_path(&p, report, "json", &c->report_json)) < 0 ||
                       (r = get_path(&p, report, "html", &c->report_html)) < 0 ||
                       (r = get_path(&p, report, "metrics", &c->report_metrics)) < 0 ||
                       (r = get_count(&p, report, "max_changes", 0, &c->report_max_changes)) < 0 ||
                       (r = get_count(&p, report, "keep", 1, &c->report_keep)) < 0 ||
                       (r = get_size(&p, report, "keep_size", &c->report_keep_bytes)) < 0))
                return r;

        static const char *const quality_keys[] = { "block", "orphanet_file", NULL };
        const YNode *quality = ynode_get(root, "quality");
        r = parse_section(&p, quality, "quality", quality_keys);
        if (r < 0)
                return r;
        if (r == 0) {
                static const char *const blocks[] = { "new", "all", "none", NULL };
                int block = -1;
                if ((r = get_choice(&p, quality, "block", blocks, &block)) < 0)
                        return r;
                if (block >= 0)
                        c->quality_block = (QualityBlock) block;
                if ((r = get_path(&p, quality, "orphanet_file", &c->quality_orphanet_file)) < 0)
                        return r;
        }

        if (p.failed)
                return -EINVAL;

        /* Defaults. */
        if (!c->mappings) {
                _cleanup_free_ char *m = path_join(data_dir, "miabis-2.0.yaml");
                if (!m || strv_extend(&c->mappings, m) < 0)
                        return -ENOMEM;
        }
        if (!c->model && !(c->model = path_join(data_dir, "directory-model.yaml")))
                return -ENOMEM;
        if (!c->staging_schema && !(c->staging_schema = strdup_printf("BBMRI-%s", c->node)))
                return -ENOMEM;
        if ((r = set_default(&c->published_schema, "ERIC")) < 0 ||
            (r = set_default(&c->ontology_schema, "DirectoryOntologies")) < 0)
                return r;
        if (!c->state_dir) {
                const char *e = getenv("STATE_DIRECTORY");
                if (!isempty(e))
                        c->state_dir = strndup(e, strcspn(e, ":"));
                else
                        c->state_dir = strdup("/var/lib/bbmri-dirsync");
                if (!c->state_dir)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *path, const char *data_dir, Config **ret, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(path, LIMIT_CONFIG_FILE_BYTES, &data, &size);
        if (r < 0) {
                Location loc = { .file = path };
                int k = findings_error_at(findings, "config", &loc, "cannot read the configuration: %s",
                                          r == -EFBIG ? "the file is larger than the limit" : strerror(-r));
                return k < 0 ? k : r;
        }
        return config_parse(data, size, path, data_dir, ret, findings);
}
