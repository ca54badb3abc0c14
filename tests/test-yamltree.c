/* SPDX-License-Identifier: MIT */
#include "test.h"
#include "limits.h"
#include "yamltree.h"

static int parse(const char *text, YDoc **ret, Findings *f) {
        return ydoc_parse(text, strlen(text), "t.yaml", ret, f);
}

static char *first_message(const Findings *f) {
        return f->n_items > 0 ? finding_format(&f->items[0]) : NULL;
}

TEST(test_tree_and_positions) {
        Findings f;
        findings_init(&f);
        _cleanup_(ydoc_freep) YDoc *d = NULL;
        CHECK_INT(parse("node: BE\nlist:\n  - a\n  - \"b c\"\nmap: {x: 1}\nempty:\n", &d, &f), 0);
        CHECK_INT(f.n_items, 0);
        CHECK(d->root->type == YNODE_MAPPING);
        CHECK_INT(d->root->n_items, 4);
        YNode *list = ynode_get(d->root, "list");
        CHECK(list && list->type == YNODE_SEQUENCE && list->n_items == 2);
        CHECK_STR(list->items[1]->value, "b c");
        CHECK(!list->items[1]->plain);
        CHECK_INT(list->items[1]->line, 4);
        CHECK_INT(list->items[1]->column, 5);
        CHECK(ynode_is_null(ynode_get(d->root, "empty")));
        int64_t v = 0;
        CHECK_INT(ynode_get_int64(d, ynode_get(ynode_get(d->root, "map"), "x"), "x", &v, &f), 0);
        CHECK_INT(v, 1);
        CHECK(ynode_get(d->root, "missing") == NULL);
        findings_done(&f);
}

TEST(test_refuses_aliases_and_anchors) {
        static const char *const bombs[] = {
                "a: &x [1, 2]\nb: *x\n",
                "a: &anchor value\n",
                "a: [\"lol\"]\nb: &b [*a]\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bombs); i++) {
                Findings f;
                findings_init(&f);
                YDoc *d = NULL;
                CHECK_INT(parse(bombs[i], &d, &f), -EBADMSG);
                CHECK(d == NULL);
                _cleanup_free_ char *m = first_message(&f);
                CHECK_CONTAINS(m, "anchors and aliases are not allowed");
                CHECK_CONTAINS(m, "t.yaml:");
                findings_done(&f);
        }
}

TEST(test_syntax_error_position) {
        Findings f;
        findings_init(&f);
        YDoc *d = NULL;
        CHECK_INT(parse("a: 1\nb: \"unclosed\nc: 2\n", &d, &f), -EBADMSG);
        _cleanup_free_ char *m = first_message(&f);
        CHECK_CONTAINS(m, "t.yaml:");
        CHECK_CONTAINS(m, "YAML syntax error");
        findings_done(&f);
}

TEST(test_duplicate_key) {
        Findings f;
        findings_init(&f);
        YDoc *d = NULL;
        CHECK_INT(parse("a: 1\nb: 2\na: 3\n", &d, &f), -EBADMSG);
        _cleanup_free_ char *m = first_message(&f);
        CHECK_STR(m, "t.yaml:3:1: error: duplicate key 'a' (first given at line 1)");
        findings_done(&f);
}

TEST(test_limits) {
        Findings f;
        findings_init(&f);
        YDoc *d = NULL;
        /* Nesting one level deeper than allowed. */
        size_t n = LIMIT_YAML_DEPTH + 1;
        _cleanup_free_ char *deep = malloc(2 * n + 1);
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = 0;
        CHECK_INT(parse(deep, &d, &f), -E2BIG);
        _cleanup_free_ char *m = first_message(&f);
        CHECK_CONTAINS(m, "nesting deeper than");
        findings_done(&f);
}

TEST(test_bad_documents) {
        static const struct {
                const char *text;
                const char *message;
        } cases[] = {
                { "a: 1\n---\nb: 2\n", "t.yaml:2:1: error: only one YAML document is allowed" },
                { "", "t.yaml:1:1: error: the file holds no YAML document" },
                { "a: !!python/object x\n", "YAML tag 'tag:yaml.org,2002:python/object' is not allowed" },
                { "a: \xc3\x28\n", "t.yaml:1:4: error: invalid UTF-8 byte 0xc3" },
                { "? [a]\n: 1\n", "mapping keys must be plain strings" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Findings f;
                findings_init(&f);
                YDoc *d = NULL;
                CHECK(parse(cases[i].text, &d, &f) < 0);
                _cleanup_free_ char *m = first_message(&f);
                CHECK_CONTAINS(m, cases[i].message);
                findings_done(&f);
        }
}

TEST(test_check_keys_and_types) {
        Findings f;
        findings_init(&f);
        _cleanup_(ydoc_freep) YDoc *d = NULL;
        CHECK_INT(parse("name: x\ncolour: red\nflag: maybe\nn: [1]\n", &d, &f), 0);
        static const char *const allowed[] = { "name", "flag", "n", NULL };
        CHECK_INT(ynode_check_keys(d, d->root, "the test", allowed, &f), -EINVAL);
        bool b;
        CHECK_INT(ynode_get_bool(d, ynode_get(d->root, "flag"), "flag", &b, &f), -EINVAL);
        int64_t v;
        CHECK_INT(ynode_get_int64(d, ynode_get(d->root, "n"), "n", &v, &f), -EINVAL);
        CHECK_INT(f.n_items, 3);
        _cleanup_free_ char *m0 = finding_format(&f.items[0]);
        _cleanup_free_ char *m1 = finding_format(&f.items[1]);
        _cleanup_free_ char *m2 = finding_format(&f.items[2]);
        CHECK_STR(m0, "t.yaml:2:1: error: unknown key 'colour' in the test");
        CHECK_STR(m1, "t.yaml:3:7: error: 'flag' must be true or false, not 'maybe'");
        CHECK_STR(m2, "t.yaml:4:4: error: 'n' must be a whole number, not a list");
        findings_done(&f);
}

TEST(test_load_limit) {
        char dir[] = "/tmp/test-yamltree-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *path = path_join(dir, "big.yaml");
        CHECK_INT(write_file_atomic(path, "a: 12345678901234567890\n", 24, 0644), 0);
        Findings f;
        findings_init(&f);
        YDoc *d = NULL;
        CHECK_INT(ydoc_load(path, 10, &d, &f), -EFBIG);
        _cleanup_free_ char *m = first_message(&f);
        CHECK_CONTAINS(m, "file is larger than the limit of 10 bytes");
        findings_done(&f);
        (void) rm_rf(dir);
}

/* What a stream callback saw. */
typedef struct Seen {
        unsigned n_items;
        char keys[8][16];
        unsigned lines[8];
        const YNode *nodes[8];
        char first_values[8][16];
        unsigned fail_at; /* 1-based item to fail on, 0 never */
} Seen;

static bool wants_people_and_facts(const char *key, void *userdata) {
        return streq(key, "persons") || streq(key, "facts");
}

static int record_item(const YDoc *doc, const char *key, const YNode *item, void *userdata) {
        Seen *s = userdata;
        unsigned k = s->n_items++;
        if (s->fail_at && s->n_items == s->fail_at)
                return -ECANCELED;
        if (k < ELEMENTSOF(s->keys)) {
                (void) snprintf(s->keys[k], sizeof s->keys[k], "%s", key);
                s->lines[k] = item->line;
                s->nodes[k] = item;
                const YNode *id = ynode_get(item, "id");
                (void) snprintf(s->first_values[k], sizeof s->first_values[k], "%s",
                                id ? id->value : item->type == YNODE_SCALAR ? item->value : "");
        }
        return 0;
}

static int parse_streamed(const char *text, Seen *seen, YDoc **ret, Findings *f) {
        YStream stream = { .wants = wants_people_and_facts, .item = record_item, .userdata = seen };
        return ydoc_parse_streamed(text, strlen(text), "t.yaml", &stream, ret, f);
}

TEST(test_streamed_lists) {
        static const char text[] = "node: BE\n"
                                   "persons:\n"
                                   "  - {id: abc, name: x}\n"
                                   "  - {id: abc, name: y}\n"
                                   "  - plain\n"
                                   "other: [1, 2]\n"
                                   "facts: not a list\n";
        Findings f;
        findings_init(&f);
        Seen seen = {};
        _cleanup_(ydoc_freep) YDoc *d = NULL;
        CHECK_INT(parse_streamed(text, &seen, &d, &f), 0);
        CHECK_INT(f.n_items, 0);
        /* Each item of the streamed list, in order, with its key and position. */
        CHECK_INT(seen.n_items, 3);
        CHECK_STR(seen.keys[0], "persons");
        CHECK_STR(seen.keys[2], "persons");
        CHECK_INT(seen.lines[0], 3);
        CHECK_INT(seen.lines[1], 4);
        CHECK_INT(seen.lines[2], 5);
        CHECK_STR(seen.first_values[0], "abc");
        /* A short value shared before the first item was given back must not come back stale. */
        CHECK_STR(seen.first_values[1], "abc");
        CHECK_STR(seen.first_values[2], "plain");
        /* The memory of an item is reused for the next one. */
        CHECK(seen.nodes[0] == seen.nodes[1]);
        /* The streamed list stays as an empty, marked sequence; the rest is an ordinary tree. */
        const YNode *persons = ynode_get(d->root, "persons");
        CHECK(persons && persons->type == YNODE_SEQUENCE && persons->streamed && persons->n_items == 0);
        const YNode *other = ynode_get(d->root, "other");
        CHECK(other && !other->streamed && other->n_items == 2);
        CHECK_STR(other->items[1]->value, "2");
        /* A wanted key whose value is not a list is left in the tree for the caller to refuse. */
        const YNode *facts = ynode_get(d->root, "facts");
        CHECK(facts && facts->type == YNODE_SCALAR && !facts->streamed);
        CHECK_STR(facts->value, "not a list");
        CHECK_STR(ynode_get(d->root, "node")->value, "BE");

        /* Only a list directly under a top-level key streams; the same key deeper does not. */
        static const char nested[] = "biobanks:\n  - id: b\n    persons: [p1, p2]\n";
        seen = (Seen) {};
        _cleanup_(ydoc_freep) YDoc *d2 = NULL;
        CHECK_INT(parse_streamed(nested, &seen, &d2, &f), 0);
        CHECK_INT(seen.n_items, 0);
        const YNode *biobanks = ynode_get(d2->root, "biobanks");
        CHECK(biobanks && biobanks->n_items == 1);
        CHECK_INT(ynode_get(biobanks->items[0], "persons")->n_items, 2);
        findings_done(&f);
}

TEST(test_streamed_item_error_ends_the_parse) {
        static const char text[] = "persons:\n  - a\n  - b\n  - c\n";
        Findings f;
        findings_init(&f);
        Seen seen = { .fail_at = 2 };
        YDoc *d = NULL;
        CHECK_INT(parse_streamed(text, &seen, &d, &f), -ECANCELED);
        CHECK(d == NULL);
        CHECK_INT(seen.n_items, 2);
        findings_done(&f);
}

TEST_MAIN(RUN(test_tree_and_positions); RUN(test_refuses_aliases_and_anchors); RUN(test_syntax_error_position);
          RUN(test_duplicate_key); RUN(test_limits); RUN(test_bad_documents); RUN(test_check_keys_and_types);
          RUN(test_load_limit); RUN(test_streamed_lists); RUN(test_streamed_item_error_ends_the_parse))
