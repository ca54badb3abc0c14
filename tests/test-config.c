/* SPDX-License-Identifier: MIT */
#include "config.h"
#include "test.h"

static int parse(const char *text, Config **ret, Findings *f) {
        return config_parse(text, strlen(text), "/etc/bbmri-dirsync/config.yaml", "/usr/share/bbmri-dirsync", ret, f);
}

static char *first(const Findings *f) {
        return f->n_items ? finding_format(&f->items[0]) : NULL;
}

TEST(test_full) {
        static const char text[] = "node: BE\n"
                                   "master: [a.yaml, /srv/b.yaml]\n"
                                   "mappings: [m1.yaml]\n"
                                   "model: model.yaml\n"
                                   "directory:\n"
                                   "  url: https://directory.bbmri-eric.eu\n"
                                   "  staging_schema: BBMRI-BE-TEST\n"
                                   "  published_schema: ERIC2\n"
                                   "  ontology_schema: Onto\n"
                                   "  token_file: token\n"
                                   "  email: node@example.org\n"
                                   "  password_file: /run/pw\n"
                                   "  ca_file: ca.pem\n"
                                   "  timeout: 90s\n"
                                   "mode: push\n"
                                   "push: {method: csv, deletions: delete, max_removals: \"10%\"}\n"
                                   "schedule: {interval: 1h 30min, random_delay: 5min}\n"
                                   "publication: {grace: 2d}\n"
                                   "state_dir: state\n"
                                   "report: {json: r.json, html: r.html, metrics: m.prom, max_changes: 500, keep: 7,\n"
                                   "         keep_size: 20M}\n"
                                   "quality: {block: all}\n";
        Findings f;
        findings_init(&f);
        _cleanup_(config_freep) Config *c = NULL;
        CHECK_INT(parse(text, &c, &f), 0);
        CHECK_INT(f.n_items, 0);
        if (!c)
                return;
        CHECK_STR(c->node, "BE");
        CHECK_INT(strv_length(c->master), 2);
        CHECK_STR(c->master[0], "/etc/bbmri-dirsync/a.yaml");
        CHECK_STR(c->master[1], "/srv/b.yaml");
        CHECK_STR(c->mappings[0], "/etc/bbmri-dirsync/m1.yaml");
        CHECK_STR(c->model, "/etc/bbmri-dirsync/model.yaml");
        CHECK(c->directory_scheme == DIRECTORY_HTTPS);
        CHECK_STR(c->staging_schema, "BBMRI-BE-TEST");
        CHECK_STR(c->published_schema, "ERIC2");
        CHECK_STR(c->ontology_schema, "Onto");
        CHECK_STR(c->token_file, "/etc/bbmri-dirsync/token");
        CHECK_STR(c->email, "node@example.org");
        CHECK_STR(c->password_file, "/run/pw");
        CHECK_STR(c->ca_file, "/etc/bbmri-dirsync/ca.pem");
        CHECK_INT(c->timeout_usec, 90000000LL);
        CHECK(c->mode == SYNC_MODE_PUSH);
        CHECK(c->push_method == PUSH_METHOD_CSV);
        CHECK(c->deletions == DELETIONS_DELETE);
        CHECK(c->max_removals_set && c->max_removals_percent);
        CHECK_INT(c->max_removals, 10);
        CHECK_INT(c->schedule_interval_usec, 5400000000LL);
        CHECK_INT(c->schedule_random_delay_usec, 300000000LL);
        CHECK_INT(c->publication_grace_usec, 172800000000LL);
        CHECK_STR(c->state_dir, "/etc/bbmri-dirsync/state");
        CHECK_STR(c->report_json, "/etc/bbmri-dirsync/r.json");
        CHECK_STR(c->report_metrics, "/etc/bbmri-dirsync/m.prom");
        CHECK_INT(c->report_max_changes, 500);
        CHECK_INT(c->report_keep, 7);
        CHECK_INT(c->report_keep_bytes, 20ULL * 1024 * 1024);
        CHECK(c->quality_block == QUALITY_BLOCK_ALL);
        findings_done(&f);
}

TEST(test_defaults_and_digest) {
        static const char text[] = "node: BE\nmaster: m.yaml\ndirectory:\n  url: file:remote\n";
        Findings f;
        findings_init(&f);
        unsetenv("STATE_DIRECTORY");
        _cleanup_(config_freep) Config *c = NULL;
        CHECK_INT(parse(text, &c, &f), 0);
        if (!c)
                return;
        CHECK(c->directory_scheme == DIRECTORY_FILE);
        CHECK_STR(c->directory_path, "/etc/bbmri-dirsync/remote");
        CHECK_STR(c->staging_schema, "BBMRI-BE");
        CHECK_STR(c->published_schema, "ERIC");
        CHECK_STR(c->ontology_schema, "DirectoryOntologies");
        CHECK(c->mode == SYNC_MODE_REPORT);
        CHECK(c->push_method == PUSH_METHOD_ZIP);
        CHECK(c->deletions == DELETIONS_WITHDRAW);
        CHECK(!c->max_removals_set);
        CHECK(c->quality_block == QUALITY_BLOCK_NEW);
        CHECK_INT(c->timeout_usec, 60000000LL);
        CHECK_INT(c->schedule_interval_usec, 3600000000LL);
        CHECK_INT(c->report_max_changes, 10000);
        CHECK_INT(c->report_keep, 30);
        CHECK_INT(c->report_keep_bytes, 100ULL * 1024 * 1024);
        CHECK_INT(c->publication_grace_usec, 129600000000LL);
        CHECK_STR(c->mappings[0], "/usr/share/bbmri-dirsync/miabis-2.0.yaml");
        CHECK_STR(c->model, "/usr/share/bbmri-dirsync/directory-model.yaml");
        CHECK_STR(c->state_dir, "/var/lib/bbmri-dirsync");
        /* printf 'node: BE\nmaster: m.yaml\ndirectory:\n  url: file:remote\n' | sha256sum */
        CHECK_STR(c->digest, "393c6f38b0b7822928fceb1a12de8e68e8e9e2efb1cfd72019a63db41f725c2b");

        setenv("STATE_DIRECTORY", "/var/lib/private/bbmri-dirsync:/other", 1);
        _cleanup_(config_freep) Config *c2 = NULL;
        CHECK_INT(parse(text, &c2, &f), 0);
        CHECK_STR(c2 ? c2->state_dir : NULL, "/var/lib/private/bbmri-dirsync");
        unsetenv("STATE_DIRECTORY");
        findings_done(&f);
}

TEST(test_urls) {
        static const struct {
                const char *url;
                int ok;
        } cases[] = {
                { "https://directory.bbmri-eric.eu", 1 }, { "http://127.0.0.1:8080", 1 }, { "http://[::1]:80/x", 1 },
                { "http://localhost", 1 },                { "file:///srv/dir", 1 },       { "http://example.org", 0 },
                { "ftp://x", 0 },                         { "file://relative", 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = strdup_printf("node: BE\nmaster: m.yaml\ndirectory: {url: \"%s\"}\n", cases[i].url);
                Findings f;
                findings_init(&f);
                _cleanup_(config_freep) Config *c = NULL;
                int r = parse(text, &c, &f);
                if ((r == 0) != cases[i].ok)
                        fprintf(stderr, "url %s: %d\n", cases[i].url, r);
                CHECK_INT(r == 0, cases[i].ok);
                findings_done(&f);
        }
}

TEST(test_errors) {
        static const struct {
                const char *text, *message;
        } cases[] = {
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\ncolour: red\n",
                  "config.yaml:4:1: error: unknown key 'colour' in the configuration" },
                { "node: BE\nmaster: m.yaml\ndirectory:\n  url: file:r\n  colour: red\n",
                  "config.yaml:5:3: error: unknown key 'colour' in 'directory'" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\npush:\n  speed: 1\n",
                  "config.yaml:5:3: error: unknown key 'speed' in 'push'" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nmode: maybe\n",
                  "config.yaml:4:7: error: 'mode' must be report or push, not 'maybe'" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nquality:\n  block: some\n",
                  "config.yaml:5:10: error: 'block' must be new, all or none, not 'some'" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\npush: {method: tar}\n",
                  "'method' must be zip or csv, not 'tar'" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\npush: {max_removals: \"120%\"}\n",
                  "'max_removals' must be a number of rows or a percentage" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\npush: {max_removals: abc}\n",
                  "config.yaml:4:22: error: 'max_removals' must be" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nschedule: {interval: 5 parsecs}\n",
                  "'interval' must be a time span" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nschedule: {interval: 0}\n",
                  "'interval' must be longer than 0" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nreport: {keep: 0}\n",
                  "config.yaml:4:16: error: 'keep' must be a whole number of at least 1, not '0'" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nreport: {max_changes: -5}\n",
                  "'max_changes' must be a whole number of at least 0, not '-5'" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nreport: {max_changes: [10]}\n",
                  "'max_changes' must be a whole number of at least 0, not a list" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nreport: {keep_size: 100MB}\n",
                  "'keep_size' must be a size such as 100M, 1G or 512K" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\npublication: {grace: soon}\n",
                  "config.yaml:4:22: error: 'grace' must be a time span" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\npublication: {graze: 1d}\n",
                  "graze" },
                { "master: m.yaml\ndirectory: {url: file:r}\n", "'node' (the node code, e.g. BE) is required" },
                { "node: be\nmaster: m.yaml\ndirectory: {url: file:r}\n", "config.yaml:1:7: error: 'node' must be" },
                { "node: BE\ndirectory: {url: file:r}\n", "'master' is required" },
                { "node: BE\nmaster: m.yaml\n", "'directory' (with at least 'url') is required" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: \"http://example.org\"}\n",
                  "plain http is allowed only to a loopback address" },
                { "node: BE\nmaster: [a, [b]]\ndirectory: {url: file:r}\n", "each entry of 'master' must be a file path" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r, staging_schema: ../x}\n",
                  "config.yaml:3:42: error: 'staging_schema' must be a schema name EMX2 accepts" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r, staging_schema: \"a _b\"}\n",
                  "'staging_schema' must be a schema name" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r, ontology_schema: 9lives}\n",
                  "'ontology_schema' must be a schema name" },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r, published_schema: "
                  "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\n",
                  "'published_schema' must be a schema name" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Findings f;
                findings_init(&f);
                Config *c = NULL;
                CHECK_INT(parse(cases[i].text, &c, &f), -EINVAL);
                CHECK(c == NULL);
                _cleanup_free_ char *m = first(&f);
                CHECK_CONTAINS(m, cases[i].message);
                findings_done(&f);
        }
}

TEST(test_quality_block) {
        static const struct {
                const char *text;
                QualityBlock block;
        } cases[] = {
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nquality: {block: new}\n", QUALITY_BLOCK_NEW },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nquality: {block: all}\n", QUALITY_BLOCK_ALL },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nquality: {block: none}\n", QUALITY_BLOCK_NONE },
                { "node: BE\nmaster: m.yaml\ndirectory: {url: file:r}\nquality: {orphanet_file: o.xml}\n",
                  QUALITY_BLOCK_NEW },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Findings f;
                findings_init(&f);
                _cleanup_(config_freep) Config *c = NULL;
                CHECK_INT(parse(cases[i].text, &c, &f), 0);
                CHECK(c && c->quality_block == cases[i].block);
                CHECK_STR(quality_block_to_string(cases[i].block), i == 1 ? "all" : i == 2 ? "none" : "new");
                findings_done(&f);
        }
}

TEST(test_schema_names_emx2_accepts) {
        Findings f;
        findings_init(&f);
        _cleanup_(config_freep) Config *c = NULL;
        CHECK_INT(parse("node: BE\nmaster: m.yaml\ndirectory:\n  url: file:r\n  staging_schema: My node-2 test\n"
                        "  published_schema: Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                        &c, &f),
                  0);
        CHECK_STR(c->staging_schema, "My node-2 test");
        findings_done(&f);
}

TEST(test_secret_refused_without_echo) {
        static const char text[] = "node: BE\nmaster: m.yaml\ndirectory:\n  url: file:r\n  token: s3cr3t-value\n";
        Findings f;
        findings_init(&f);
        Config *c = NULL;
        CHECK_INT(parse(text, &c, &f), -EINVAL);
        _cleanup_free_ char *m = first(&f);
        CHECK_CONTAINS(m, "config.yaml:5:3: error: 'token' does not belong in the configuration file");
        for (size_t i = 0; i < f.n_items; i++)
                CHECK(!strstr(f.items[i].message, "s3cr3t"));
        findings_done(&f);
}

TEST(test_load_files) {
        Findings f;
        findings_init(&f);
        Config *c = NULL;
        CHECK_INT(config_load("/nonexistent/bbmri-dirsync.yaml", "/usr/share", &c, &f), -ENOENT);
        char dir[] = "/tmp/test-config-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *big = path_join(dir, "big.yaml");
        FILE *out = fopen(big, "w");
        CHECK(out && ftruncate(fileno(out), 2 * 1024 * 1024) == 0);
        if (out)
                fclose(out);
        CHECK_INT(config_load(big, "/usr/share", &c, &f), -EFBIG);
        rm_rf(dir);
        findings_done(&f);
}

TEST_MAIN(RUN(test_full); RUN(test_defaults_and_digest); RUN(test_urls); RUN(test_errors); RUN(test_quality_block);
          RUN(test_schema_names_emx2_accepts);
          RUN(test_secret_refused_without_echo); RUN(test_load_files))
