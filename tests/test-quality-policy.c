/* SPDX-License-Identifier: MIT */
/* The quality policy (quality.block new | all | none): a master diffed against a "Directory" built
 * from another master, then the policy; for each: whether the row is held back, why, and the
 * findings' marks. */
#include "change-text.h"
#include "diff.h"
#include "limits.h"
#include "quality-policy.h"
#include "test-pipeline.h"

#define COLL "bbmri-eric:ID:BE_UZA:collection:oncology"
#define CHILD "bbmri-eric:ID:BE_UZA:collection:oncology-serum"
#define BOTH_CATEGORIES "data_categories: [Biological samples, Medical records]"
#define NO_SAMPLES "data_categories: [Medical records]" /* with materials: CC:SampleCatMismatch */

/* A sub-collection of oncology, appended to VALID_MASTER (whose last collection is oncology). */
#define CHILD_COLLECTION                                                            \
        "        collections:\n"                                                    \
        "          - id: oncology-serum\n"                                          \
        "            name: Oncology serum\n"                                        \
        "            description: Serum of the oncology collection's patients\n"    \
        "            access_fee: [Samples, Data]\n"                                  \
        "            access_description: On request to the access committee\n"       \
        "            data_use: [DUO_0000007]\n"                                      \
        "            type: [Disease specific]\n"                                    \
        "            data_categories: [Biological samples, Medical records]\n"      \
        "            materials: [Serum]\n"                                          \
        "            size: SIZE\n"                                                  \
        "            diagnosis_available: [C50.9]\n"                                \
        "            age_low: 18\n"                                                 \
        "            age_high: 90\n"                                                \
        "            age_unit: year\n"

/* VALID_MASTER with the access fields and the biobank's collaboration that it needs to have no
 * quality error at all. */
static char *base_master(void) {
        _cleanup_free_ char *a = pipeline_variant("    network: [bbmri-be]\n", "    network: [bbmri-be]\n"
                                                                             "    collaboration_non_for_profit: true\n");
        return a ? pipeline_variant_of(a, "        type: [Disease specific]\n",
                                       "        access_fee: [Samples, Data]\n"
                                       "        access_description: On request to the access committee\n"
                                       "        data_use: [DUO_0000007]\n"
                                       "        type: [Disease specific]\n")
                 : NULL;
}

/* The base master with `from` replaced by `to` (from NULL: appended). */
static char *variant(const char *from, const char *to) {
        _cleanup_free_ char *base = base_master();
        return base ? pipeline_variant_of(base, from, to) : NULL;
}

typedef struct PolicyCase {
        Pipeline local;
        Dataset *remote;
        ChangeSet *changes;
        QualityPolicyResult result;
        int collections;
} PolicyCase;

/* Whether the Directory's quality errors are collected before the policy (as a run does on the
 * fetch's thread) or by the policy itself: every case runs both ways and must come out the same. */
static bool collect_first;

/* local_master against a Directory holding remote_master's rows (mapped with the same model). */
static void policy_run(PolicyCase *pc, const char *local_master, const char *remote_master, QualityBlock block) {
        *pc = (PolicyCase) {};
        pipeline_run(&pc->local, local_master, true);
        Pipeline *p = &pc->local;
        CHECK(p->dataset != NULL);
        pc->collections = model_table_index(p->model, "Collections");
        pipeline_write(p, "remote.yaml", remote_master);
        _cleanup_free_ char *path = path_join(p->dir, "remote.yaml");
        RecordSet *records = NULL;
        Findings ignored;
        findings_init(&ignored);
        CHECK_INT(record_set_new(&records), 0);
        CHECK_INT(master_load_file(path, records, &ignored), 0);
        CHECK_INT(mapping_apply(p->mapping, p->model, p->vocab, "BE", records, &pc->remote, &ignored), 0);
        CHECK_INT(ignored.n_errors, 0);
        record_set_free(records);
        findings_done(&ignored);
        if (!p->dataset || !pc->remote)
                return;
        CHECK_INT(diff_datasets(p->dataset, pc->remote, &(DiffOptions) { .node = "BE" }, &pc->changes), 0);
        const QualityOptions options = { .node = "BE" };
        _cleanup_(directory_quality_errors_freep) DirectoryQualityErrors *known = NULL;
        if (collect_first)
                CHECK_INT(directory_quality_errors_collect(pc->remote, p->vocab, &options, &known), 0);
        CHECK_INT(quality_policy_apply(block, p->dataset, pc->remote, p->vocab, &options, known, pc->changes,
                                       &p->findings, &pc->result),
                  0);
}

static void policy_done(PolicyCase *pc) {
        change_set_free(pc->changes);
        dataset_free(pc->remote);
        pipeline_done(&pc->local);
}

static const Change *change_of(const PolicyCase *pc, const char *id) {
        for (size_t i = 0; pc->changes && i < pc->changes->n_changes; i++)
                if (streq(pc->changes->changes[i].id, id))
                        return &pc->changes->changes[i];
        return NULL;
}

static const Finding *sample_cat_finding(const PolicyCase *pc, const char *id) {
        for (size_t i = 0; i < pc->local.findings.n_items; i++) {
                const Finding *f = &pc->local.findings.items[i];
                if (streq_ptr(f->code, "CC:SampleCatMismatch") && streq_ptr(f->id, id))
                        return f;
        }
        return NULL;
}

static bool row_blocked(const PolicyCase *pc, const char *id) {
        const Row *row = pc->collections >= 0 && pc->local.dataset
                                 ? dataset_find(pc->local.dataset, (size_t) pc->collections, id)
                                 : NULL;
        return row && (row->flags & ROW_BLOCKED);
}

/* The master's size change of a collection that lacks Biological samples, against a Directory
 * whose row lacks them too (tolerated) or not (a new quality error). */
static char *changed_master(bool samples) {
        _cleanup_free_ char *a = variant("size: 12000", "size: 13000");
        return a ? pipeline_variant_of(a, BOTH_CATEGORIES, samples ? BOTH_CATEGORIES : NO_SAMPLES) : NULL;
}

/* The base master with oncology's sub-collection of the given size, and oncology's categories. */
static char *with_child(const char *size, const char *categories) {
        _cleanup_free_ char *child = pipeline_variant_of(CHILD_COLLECTION, "SIZE", size);
        _cleanup_free_ char *a = child ? variant(NULL, child) : NULL;
        return a ? pipeline_variant_of(a, BOTH_CATEGORIES, categories) : NULL;
}

TEST(test_data_trips_the_check) {
        /* What the cases below rest on: the base master (and with the sub-collection) has no
         * quality error; without Biological samples it has CC:SampleCatMismatch, and only that. */
        _cleanup_free_ char *base = base_master(), *child = with_child("500", BOTH_CATEGORIES);
        _cleanup_free_ char *bad = variant(BOTH_CATEGORIES, NO_SAMPLES);
        const char *const masters[] = { base, child, bad };
        for (size_t i = 0; i < ELEMENTSOF(masters); i++) {
                Pipeline p;
                pipeline_run(&p, masters[i], true);
                CHECK(p.dataset != NULL);
                CHECK_INT(p.findings.n_errors, 0);
                CHECK_INT(p.findings.n_quality_errors, i == 2);
                CHECK_INT(!!pipeline_finding(&p, "CC:SampleCatMismatch"), i == 2);
                pipeline_done(&p);
        }
}

TEST(test_policy_directory_has_it_already) {
        _cleanup_free_ char *local = changed_master(false);
        _cleanup_free_ char *remote = variant(BOTH_CATEGORIES, NO_SAMPLES);
        static const struct {
                QualityBlock block;
                bool held;
        } cases[] = {
                { QUALITY_BLOCK_NEW, false }, /* the Directory's row has it: the size update goes */
                { QUALITY_BLOCK_ALL, true },
                { QUALITY_BLOCK_NONE, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                PolicyCase pc;
                policy_run(&pc, local, remote, cases[i].block);
                const Change *c = change_of(&pc, COLL);
                const Finding *f = sample_cat_finding(&pc, COLL);
                CHECK(c && c->kind == CHANGE_CHANGED);
                CHECK(f != NULL);
                if (c && f) {
                        CHECK_INT(c->blocked, cases[i].held);
                        CHECK_INT(row_blocked(&pc, COLL), cases[i].held);
                        CHECK_INT(f->holds_back, cases[i].held);
                        CHECK_INT(f->in_directory, cases[i].block == QUALITY_BLOCK_NEW);
                        CHECK_INT(pc.changes->total.blocked, cases[i].held);
                        CHECK_INT(pc.result.n_held_back, cases[i].held);
                        CHECK_INT(pc.result.n_tolerated, cases[i].block == QUALITY_BLOCK_NEW);
                }
                policy_done(&pc);
        }
}

TEST(test_policy_new_quality_error) {
        _cleanup_free_ char *local = changed_master(false);
        static const struct {
                QualityBlock block;
                bool held;
        } cases[] = {
                { QUALITY_BLOCK_NEW, true }, /* the change brings the error into the Directory */
                { QUALITY_BLOCK_ALL, true },
                { QUALITY_BLOCK_NONE, false },
        };
        _cleanup_free_ char *remote = base_master();
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                PolicyCase pc;
                policy_run(&pc, local, remote, cases[i].block);
                const Change *c = change_of(&pc, COLL);
                const Finding *f = sample_cat_finding(&pc, COLL);
                CHECK(c && f);
                if (!c || !f) {
                        policy_done(&pc);
                        continue;
                }
                CHECK_INT(c->blocked, cases[i].held);
                CHECK_INT(row_blocked(&pc, COLL), cases[i].held);
                CHECK_INT(f->holds_back, cases[i].held);
                CHECK(!f->in_directory);
                CHECK_INT(pc.result.n_held_back, cases[i].held);
                CHECK_INT(pc.result.n_tolerated, 0);
                _cleanup_free_ char *why = c->blocked ? change_held_back_reason(pc.local.model, c, &pc.local.findings, true)
                                                      : NULL;
                if (cases[i].held)
                        CHECK_STR(why, "quality error CC:SampleCatMismatch: material types are listed but Biological "
                                       "samples is not among the data categories");
                policy_done(&pc);
        }
}

TEST(test_policy_unchanged_row_not_held) {
        /* A quality error of a row the push does not send holds nothing back, even with all. */
        _cleanup_free_ char *both = variant(BOTH_CATEGORIES, NO_SAMPLES);
        PolicyCase pc;
        policy_run(&pc, both, both, QUALITY_BLOCK_ALL);
        CHECK(pc.changes && pc.changes->n_changes == 0);
        CHECK(!row_blocked(&pc, COLL));
        const Finding *f = sample_cat_finding(&pc, COLL);
        CHECK(f && !f->holds_back);
        policy_done(&pc);
}

TEST(test_policy_dependants_of_a_new_row) {
        /* oncology is new and held back: its new sub-collection cannot go without it. */
        _cleanup_free_ char *local = with_child("500", NO_SAMPLES);
        _cleanup_free_ char *base = base_master();
        const char *collections = base ? strstr(base, "    collections:\n") : NULL;
        _cleanup_free_ char *remote = collections ? strndup(base, (size_t) (collections - base)) : NULL;
        CHECK(local && remote && !strstr(remote, "oncology"));
        PolicyCase pc;
        policy_run(&pc, local, remote, QUALITY_BLOCK_NEW);
        const Change *parent = change_of(&pc, COLL), *child = change_of(&pc, CHILD);
        CHECK(parent && parent->kind == CHANGE_ADDED && parent->blocked);
        CHECK(child && child->kind == CHANGE_ADDED && child->blocked &&
              streq_ptr(child->needs_id, COLL) && !child->needs_errors);
        CHECK(row_blocked(&pc, CHILD));
        CHECK_INT(pc.result.n_held_back, 1);
        CHECK_INT(pc.result.n_held_needing, 1);
        CHECK_INT(pc.changes->total.blocked, 2);
        if (child) {
                _cleanup_free_ char *why = change_held_back_reason(pc.local.model, child, &pc.local.findings, true);
                CHECK_STR(why, "it refers to Collections " COLL ", which is held back and not in the Directory yet");
        }
        policy_done(&pc);

        /* With none, both go. */
        policy_run(&pc, local, remote, QUALITY_BLOCK_NONE);
        CHECK(change_of(&pc, CHILD) && !change_of(&pc, CHILD)->blocked);
        CHECK_INT(pc.changes ? pc.changes->total.blocked : 1, 0);
        policy_done(&pc);
}

TEST(test_policy_dependants_of_a_changed_row) {
        /* oncology is in the Directory: its change is held back, its sub-collection's change goes
         * (it refers to the Directory's current oncology). */
        _cleanup_free_ char *local = with_child("600", NO_SAMPLES);
        _cleanup_free_ char *remote = with_child("500", BOTH_CATEGORIES);
        PolicyCase pc;
        policy_run(&pc, local, remote, QUALITY_BLOCK_NEW);
        const Change *parent = change_of(&pc, COLL), *child = change_of(&pc, CHILD);
        CHECK(parent && parent->kind == CHANGE_CHANGED && parent->blocked);
        CHECK(child && child->kind == CHANGE_CHANGED && !child->blocked && !child->needs_id);
        CHECK(!row_blocked(&pc, CHILD));
        CHECK_INT(pc.result.n_held_needing, 0);
        policy_done(&pc);
}

TEST(test_reasons_of_errors) {
        /* The biobank has an error: its collection's change is held back by validation; the reason
         * is noted once (by the policy, whatever the block) and names the row it needs. */
        _cleanup_free_ char *changed = changed_master(true);
        _cleanup_free_ char *local = changed ? pipeline_variant_of(changed, "    juridical_person: Universitair Ziekenhuis Antwerpen\n", "") : NULL;
        _cleanup_free_ char *remote = base_master();
        PolicyCase pc;
        policy_run(&pc, local, remote, QUALITY_BLOCK_NONE);
        CHECK_INT(pc.local.findings.n_errors, 1);
        const Change *biobank = change_of(&pc, "bbmri-eric:ID:BE_UZA"), *c = change_of(&pc, COLL);
        CHECK(biobank && biobank->blocked && biobank->held_by_errors && biobank->n_held_by == 1);
        CHECK(c && c->blocked && c->n_held_by == 0 && c->needs_errors);
        if (biobank && c) {
                CHECK_STR(c->needs_id, "bbmri-eric:ID:BE_UZA");
                _cleanup_free_ char *why = change_held_back_reason(pc.local.model, c, &pc.local.findings, true);
                CHECK_STR(why, "it refers to Biobanks bbmri-eric:ID:BE_UZA, which is held back for errors");
                _cleanup_free_ char *own = change_held_back_reason(pc.local.model, biobank, &pc.local.findings, true);
                CHECK(own && startswith(own, "1 error; first: "));
        }
        CHECK_INT(pc.result.n_held_back + pc.result.n_held_needing, 0); /* validation's, not the policy's */
        policy_done(&pc);
}

TEST(test_reasons_of_several_quality_errors) {
        /* Two quality errors of different checks on the new collection: both ids, the first's text. */
        _cleanup_free_ char *bad = variant(BOTH_CATEGORIES, NO_SAMPLES);
        _cleanup_free_ char *local = bad ? pipeline_variant_of(bad, "        access_fee: [Samples, Data]\n"
                                                                    "        access_description: On request to the access committee\n", "")
                                         : NULL;
        _cleanup_free_ char *base = base_master();
        const char *collections = base ? strstr(base, "    collections:\n") : NULL;
        _cleanup_free_ char *remote = collections ? strndup(base, (size_t) (collections - base)) : NULL;
        PolicyCase pc;
        policy_run(&pc, local, remote, QUALITY_BLOCK_NEW);
        const Change *c = change_of(&pc, COLL);
        CHECK(c && c->blocked && c->n_held_by == 2 && !c->held_by_errors);
        if (c) {
                _cleanup_free_ char *why = change_held_back_reason(pc.local.model, c, &pc.local.findings, false);
                CHECK(why && startswith(why, "2 quality errors ("));
                CHECK(why && strstr(why, "AP:AccessMissing") && strstr(why, "CC:SampleCatMismatch"));
                CHECK(why && strstr(why, "); first: "));
        }
        policy_done(&pc);
}

TEST(test_findings_past_the_limit_keep_what_holds_rows) {
        Findings f;
        findings_init(&f);
        for (unsigned i = 0; i < LIMIT_FINDINGS; i++)
                CHECK_INT(findings_add(&f, SEVERITY_QUALITY_INFO, "X:Info", "Collections", "c", NULL, NULL, "info"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_QUALITY_WARNING, "X:Warn", "Collections", "c", NULL, NULL, "w"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_QUALITY_ERROR, "X:Err", "Collections", "c", NULL, NULL, "row"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_ERROR, "x-error", NULL, NULL, NULL, NULL, "no row"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_ERROR, "x-error", "Biobanks", "b", NULL, NULL, "of a row"), 0);
        CHECK_INT(f.n_items, LIMIT_FINDINGS + 2);
        CHECK(f.n_items == LIMIT_FINDINGS + 2 && streq(f.items[LIMIT_FINDINGS].code, "X:Err") &&
              streq(f.items[LIMIT_FINDINGS + 1].message, "of a row"));
        CHECK_INT(f.n_dropped, 2);
        CHECK_INT(f.n_dropped_quality_errors, 0);
        CHECK_INT(f.n_quality_errors, 1);
        /* Past the second limit even those are only counted (white box: the count stands in for
         * 400,000 more findings). */
        size_t kept = f.n_items;
        f.n_items = LIMIT_FINDINGS_ACTED_ON;
        CHECK_INT(findings_add(&f, SEVERITY_QUALITY_ERROR, "X:Err", "Collections", "d", NULL, NULL, "row"), 0);
        CHECK_INT(f.n_items, LIMIT_FINDINGS_ACTED_ON);
        f.n_items = kept;
        CHECK_INT(f.n_dropped_quality_errors, 1);
        CHECK_INT(f.n_dropped, 3);
        findings_done(&f);
}

/* A finding's strings (one block with its message) are copies, whichever of them are given and
 * however long the message; they survive moves and sorting and are freed with the set. */
TEST(test_finding_strings) {
        Findings f, g;
        findings_init(&f);
        findings_init(&g);
        char code[] = "X:Code", table[] = "Collections", id[] = "c1", column[] = "size", file[] = "master.yaml";
        Location at = { .file = file, .line = 7, .column = 3 }, no_file = { .line = 9, .column = 2 };
        CHECK_INT(findings_add(&f, SEVERITY_QUALITY_WARNING, code, table, id, column, &at, "%s has %d", "it", 5), 0);
        CHECK_INT(findings_add(&f, SEVERITY_ERROR, NULL, NULL, NULL, NULL, NULL, "plain"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_INFO, "i", NULL, "c2", NULL, &no_file, "%s", ""), 0);
        /* around the short message's stack buffer (256 bytes with its NUL), and far past it */
        static const int lengths[] = { 254, 255, 256, 257, 3000 };
        for (size_t i = 0; i < ELEMENTSOF(lengths); i++)
                CHECK_INT(findings_add(&g, SEVERITY_QUALITY_ERROR, "L:Long", "Biobanks", "b", NULL, NULL, "%0*d|%s",
                                       lengths[i] - 2, (int) i, "z"), 0);
        memset(code, '_', sizeof code - 1);
        memset(file, '_', sizeof file - 1);
        CHECK_INT(findings_move(&f, &g), 0);
        findings_sort(&f);
        CHECK_INT(f.n_items, 8);
        const Finding *a = NULL, *plain = NULL, *info = NULL;
        size_t n_long = 0;
        for (size_t i = 0; i < f.n_items; i++) {
                const Finding *x = &f.items[i];
                if (streq_ptr(x->code, "X:Code"))
                        a = x;
                else if (!x->code)
                        plain = x;
                else if (streq(x->code, "i"))
                        info = x;
                else if (streq(x->code, "L:Long") && streq_ptr(x->table, "Biobanks") && streq_ptr(x->id, "b") &&
                         !x->column && !x->file && strlen(x->message) == (size_t) lengths[x->message[strlen(x->message) - 3] - '0'] &&
                         endswith(x->message, "|z"))
                        n_long++;
        }
        CHECK(a && streq_ptr(a->table, "Collections") && streq_ptr(a->id, "c1") && streq_ptr(a->column, "size") &&
              streq_ptr(a->file, "master.yaml") && a->line == 7 && a->column_no == 3 && streq(a->message, "it has 5"));
        CHECK(plain && !plain->table && !plain->id && !plain->column && !plain->file && streq(plain->message, "plain"));
        CHECK(info && !info->table && streq_ptr(info->id, "c2") && !info->file && info->line == 0 && streq(info->message, ""));
        CHECK_INT(n_long, ELEMENTSOF(lengths));
        _cleanup_free_ char *line = a ? finding_format(a) : NULL;
        CHECK_STR(line, "master.yaml:7:3: quality warning: it has 5");
        CHECK_INT(findings_move_within_limits(&g, &f), 0);
        CHECK_INT(g.n_items, 8);
        findings_done(&g);
        findings_done(&f);

        /* The next finding of the same table or file shares the string; the same buffer holding
         * another name does not. */
        char name[] = "a.yaml";
        Location in = { .file = name, .line = 1 };
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", table, NULL, NULL, &in, "one"), 0);
        name[0] = 'b';
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", table, NULL, NULL, &in, "two"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", "Biobanks", NULL, NULL, &in, "three"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", "Biobanks", NULL, NULL, NULL, "four"), 0);
        /* fixed text and one argument's text, told without printf, as printf would tell them */
        const char *volatile none = NULL; /* volatile: the compiler would refuse a known NULL */
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", NULL, NULL, NULL, NULL, "fixed"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", NULL, NULL, NULL, NULL, "%s", "argument"), 0);
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", NULL, NULL, NULL, NULL, "%s", none), 0);
        CHECK_INT(findings_add(&f, SEVERITY_WARNING, "w", NULL, NULL, NULL, NULL, "100%% %s", "sure"), 0);
        CHECK_INT(f.n_items, 8);
        if (f.n_items == 8) {
                CHECK_STR(f.items[4].message, "fixed");
                CHECK_STR(f.items[5].message, "argument");
                CHECK_STR(f.items[6].message, "(null)");
                CHECK_STR(f.items[7].message, "100% sure");
        }
        if (f.n_items >= 4) {
                CHECK_STR(f.items[0].file, "a.yaml");
                CHECK_STR(f.items[1].file, "b.yaml");
                CHECK(f.items[0].table == f.items[1].table && f.items[1].file == f.items[2].file);
                CHECK_STR(f.items[2].table, "Biobanks");
                CHECK(f.items[2].table == f.items[3].table && !f.items[3].file);
        }
        findings_done(&f);
}

/* The reference order: the documented keys, NULL first, then (ties) the order of addition. */
typedef struct Ranked {
        Finding f;
        size_t at;
} Ranked;

static int cmp_opt(const char *a, const char *b) {
        return !a || !b ? (a != NULL) - (b != NULL) : strcmp(a, b);
}

static int ranked_compare(const void *x, const void *y) {
        const Ranked *p = x, *q = y;
        const Finding *a = &p->f, *b = &q->f;
        int r;
        if ((r = cmp_opt(a->file, b->file)) != 0)
                return r;
        if (a->line != b->line)
                return a->line < b->line ? -1 : 1;
        if (a->column_no != b->column_no)
                return a->column_no < b->column_no ? -1 : 1;
        if ((r = cmp_opt(a->table, b->table)) != 0 || (r = cmp_opt(a->id, b->id)) != 0 ||
            (r = cmp_opt(a->column, b->column)) != 0 || (r = cmp_opt(a->code, b->code)) != 0 ||
            (r = cmp_opt(a->message, b->message)) != 0)
                return r;
        return p->at < q->at ? -1 : p->at > q->at;
}

/* Sorting is stable: findings equal in every key keep the order they were added in. Few values
 * per key, so that ties are common; runs already in order and runs reversed. */
TEST(test_findings_sort_stable) {
        static const char *const files[] = { NULL, "a.csv", "b.csv" }, *const names[] = { NULL, "x", "y" };
        Findings f;
        findings_init(&f);
        uint32_t seed = 12345;
        for (size_t i = 0; i < 3000; i++) {
                seed = seed * 1103515245u + 12345u;
                uint32_t v = seed >> 8;
                Location at = { .file = files[v % 3], .line = i < 1000 ? (unsigned) i : i < 2000 ? (unsigned) (3000 - i) : v / 3 % 4,
                                .column = v / 12 % 2 };
                CHECK_INT(findings_add(&f, (Severity) (v / 24 % 6), names[v / 144 % 3] ?: "c", names[v / 432 % 3],
                                       names[v / 1296 % 3], names[v / 3888 % 3], &at, "%s", v / 11664 % 2 ? "m" : "n"), 0);
        }
        Ranked *ref = calloc(f.n_items, sizeof(Ranked));
        CHECK(ref != NULL);
        if (ref) {
                for (size_t i = 0; i < f.n_items; i++)
                        ref[i] = (Ranked) { f.items[i], i };
                qsort(ref, f.n_items, sizeof(Ranked), ranked_compare);
                findings_sort(&f);
                size_t same = 0;
                for (size_t i = 0; i < f.n_items; i++)
                        same += f.items[i].message == ref[i].f.message && f.items[i].severity == ref[i].f.severity;
                CHECK_INT(same, f.n_items);
        }
        free(ref);
        findings_done(&f);
}

TEST(test_findings_gathered_apart_are_kept_as_in_sequence) {
        /* Quality findings gathered on another thread join the rules' findings as if they had been
         * added to them: the limit counts both. */
        Findings dst, src;
        findings_init(&dst);
        findings_init(&src);
        for (unsigned i = 0; i + 1 < LIMIT_FINDINGS; i++)
                CHECK_INT(findings_add(&dst, SEVERITY_WARNING, "w", "Collections", "c", NULL, NULL, "rule"), 0);
        CHECK_INT(findings_add(&src, SEVERITY_QUALITY_WARNING, "X:Warn", "Collections", "c", NULL, NULL, "kept"), 0);
        CHECK_INT(findings_add(&src, SEVERITY_QUALITY_INFO, "X:Info", "Collections", "c", NULL, NULL, "dropped"), 0);
        CHECK_INT(findings_add(&src, SEVERITY_QUALITY_ERROR, "X:Err", "Collections", "c", NULL, NULL, "holds"), 0);
        CHECK_INT(findings_move_within_limits(&dst, &src), 0);
        CHECK_INT(src.n_items, 0);
        CHECK_INT(dst.n_items, LIMIT_FINDINGS + 1);
        CHECK(dst.n_items == LIMIT_FINDINGS + 1 && streq(dst.items[LIMIT_FINDINGS - 1].message, "kept") &&
              streq(dst.items[LIMIT_FINDINGS].message, "holds"));
        CHECK_INT(dst.n_dropped, 1);
        CHECK_INT(dst.n_quality_errors, 1);
        CHECK_INT(dst.n_quality_infos, 1);
        CHECK_INT(dst.n_quality_warnings, 1);
        findings_done(&dst);
        findings_done(&src);
}

TEST(test_policy_refuses_when_quality_errors_were_dropped) {
        /* A quality error of a changed row that was not kept: new and all cannot tell the rows
         * apart and refuse; none does not need them. */
        _cleanup_free_ char *local = variant(BOTH_CATEGORIES, NO_SAMPLES);
        _cleanup_free_ char *remote = base_master();
        PolicyCase pc;
        policy_run(&pc, local, remote, QUALITY_BLOCK_NONE);
        pc.local.findings.n_dropped_quality_errors = 1;
        QualityPolicyResult result;
        const QualityOptions options = { .node = "BE" };
        CHECK_INT(quality_policy_apply(QUALITY_BLOCK_NEW, pc.local.dataset, pc.remote, pc.local.vocab, &options, NULL,
                                       pc.changes, &pc.local.findings, &result),
                  -E2BIG);
        CHECK_INT(quality_policy_apply(QUALITY_BLOCK_ALL, pc.local.dataset, pc.remote, pc.local.vocab, &options, NULL,
                                       pc.changes, &pc.local.findings, &result),
                  -E2BIG);
        CHECK_INT(quality_policy_apply(QUALITY_BLOCK_NONE, pc.local.dataset, pc.remote, pc.local.vocab, &options, NULL,
                                       pc.changes, &pc.local.findings, &result),
                  0);
        CHECK_INT(pc.changes->total.blocked, 0);
        policy_done(&pc);
}

TEST_MAIN(for (int pass = 0; pass < 2; pass++) {
        collect_first = pass == 1;
        RUN(test_data_trips_the_check);
        RUN(test_policy_directory_has_it_already);
        RUN(test_policy_new_quality_error);
        RUN(test_policy_unchanged_row_not_held);
        RUN(test_policy_dependants_of_a_new_row);
        RUN(test_policy_dependants_of_a_changed_row);
        RUN(test_reasons_of_errors);
        RUN(test_reasons_of_several_quality_errors);
}
          RUN(test_findings_past_the_limit_keep_what_holds_rows);
          RUN(test_finding_strings);
          RUN(test_findings_sort_stable);
          RUN(test_findings_gathered_apart_are_kept_as_in_sequence);
          RUN(test_policy_refuses_when_quality_errors_were_dropped))
