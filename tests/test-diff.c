/* SPDX-License-Identifier: MIT */
#include "diff.h"
#include "limits.h"
#include "test.h"

static Model *model;
static size_t PERSONS, COLLECTIONS, BIOBANKS;

static int column(size_t table, const char *name) {
        return model_column_index(&model->tables[table], name);
}

static Row *add(Dataset *d, size_t table, const char *id) {
        Row *r = NULL;
        CHECK_INT(dataset_add_row(d, table, id, NULL, &r), 0);
        return r;
}

static void set(Dataset *d, Row *r, size_t table, const char *col, const char *value) {
        CHECK_INT(dataset_set(d, r, table, (size_t) column(table, col), value, NULL), 0);
}

static void set_list(Dataset *d, Row *r, size_t table, const char *col, const char *a, const char *b) {
        const char *items[] = { a, b };
        CHECK_INT(dataset_set_list(d, r, table, (size_t) column(table, col), items, b ? 2 : 1, NULL), 0);
}

static const Change *find_change(const ChangeSet *c, const char *id) {
        for (size_t i = 0; i < c->n_changes; i++)
                if (streq(c->changes[i].id, id))
                        return &c->changes[i];
        return NULL;
}

TEST(test_every_kind_of_change) {
        _cleanup_(dataset_freep) Dataset *local = NULL, *remote = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        CHECK_INT(dataset_new(model, &remote), 0);
        /* unchanged */
        Row *l = add(local, PERSONS, "bbmri-eric:contactID:BE_a"), *r = add(remote, PERSONS, "bbmri-eric:contactID:BE_a");
        set(local, l, PERSONS, "email", "a@uza.be");
        set(remote, r, PERSONS, "email", "a@uza.be");
        /* changed: email and phone */
        l = add(local, PERSONS, "bbmri-eric:contactID:BE_b");
        r = add(remote, PERSONS, "bbmri-eric:contactID:BE_b");
        set(local, l, PERSONS, "email", "new@uza.be");
        set(remote, r, PERSONS, "email", "old@uza.be");
        set(local, l, PERSONS, "phone", "+3231");
        set(local, l, PERSONS, "country", "BE");
        set(remote, r, PERSONS, "country", "BE");
        /* added */
        l = add(local, PERSONS, "bbmri-eric:contactID:BE_c");
        set(local, l, PERSONS, "email", "c@uza.be");
        /* removed: ours; another node's row is never removed */
        add(remote, PERSONS, "bbmri-eric:contactID:BE_gone");
        add(remote, PERSONS, "bbmri-eric:contactID:NL_other");
        add(remote, PERSONS, "bbmri-eric:contactID:EU_shared");

        DiffOptions opts = { .node = "BE" };
        _cleanup_(change_set_freep) ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        CHECK_INT(c->n_changes, 3);
        CHECK_INT(c->total.added, 1);
        CHECK_INT(c->total.changed, 1);
        CHECK_INT(c->total.removed, 1);
        CHECK_INT(c->total.unchanged, 1);
        CHECK_INT(c->per_table[PERSONS].changed, 1);
        CHECK_INT(c->n_remote_node_rows, 3);
        /* Sorted by table, then id. */
        CHECK_STR(c->changes[0].id, "bbmri-eric:contactID:BE_b");
        CHECK_STR(c->changes[1].id, "bbmri-eric:contactID:BE_c");
        CHECK_STR(c->changes[2].id, "bbmri-eric:contactID:BE_gone");
        const Change *ch = find_change(c, "bbmri-eric:contactID:BE_b");
        CHECK(ch && ch->kind == CHANGE_CHANGED);
        CHECK_INT(ch ? ch->n_columns : 0, 2);
        if (ch && ch->n_columns == 2) {
                CHECK_STR(model->tables[PERSONS].columns[ch->columns[0].column].name, "email");
                CHECK_STR(ch->columns[0].old_value, "old@uza.be");
                CHECK_STR(ch->columns[0].new_value, "new@uza.be");
                CHECK_STR(model->tables[PERSONS].columns[ch->columns[1].column].name, "phone");
                CHECK(ch->columns[1].old_value == NULL);
        }
        CHECK(find_change(c, "bbmri-eric:contactID:NL_other") == NULL);
        CHECK(find_change(c, "bbmri-eric:contactID:EU_shared") == NULL);
        CHECK(find_change(c, "bbmri-eric:contactID:BE_gone")->kind == CHANGE_REMOVED);
}

TEST(test_normalisation) {
        _cleanup_(dataset_freep) Dataset *local = NULL, *remote = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        CHECK_INT(dataset_new(model, &remote), 0);
        const char *id = "bbmri-eric:ID:BE_X:collection:y";
        Row *l = add(local, COLLECTIONS, id), *r = add(remote, COLLECTIONS, id);
        set_list(local, l, COLLECTIONS, "materials", "DNA", "SERUM");       /* lists are sets */
        set_list(remote, r, COLLECTIONS, "materials", "SERUM", "DNA");
        set(local, l, COLLECTIONS, "size", "7");                             /* integers by value */
        set(remote, r, COLLECTIONS, "size", "007");
        set(local, l, COLLECTIONS, "collaboration_commercial", "true");      /* booleans by value */
        set(remote, r, COLLECTIONS, "collaboration_commercial", "TRUE");
        set(local, l, COLLECTIONS, "description", "Tumour tissue");         /* trailing space, CRLF */
        set(remote, r, COLLECTIONS, "description", "Tumour tissue  ");
        set(local, l, COLLECTIONS, "access_description", "line one\nline two");
        set(remote, r, COLLECTIONS, "access_description", "line one\r\nline two");
        set(local, l, COLLECTIONS, "withdrawn", "false");                    /* missing = default */
        set(remote, r, COLLECTIONS, "acronym", "");                          /* empty = missing */
        DiffOptions opts = { .node = "BE" };
        _cleanup_(change_set_freep) ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        CHECK_INT(c->n_changes, 0);
        CHECK_INT(c->total.unchanged, 1);

        /* And a real list difference is one. */
        set_list(remote, r, COLLECTIONS, "materials", "SERUM", "RNA");
        _cleanup_(change_set_freep) ChangeSet *c2 = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c2), 0);
        CHECK_INT(c2->total.changed, 1);
        CHECK_INT(c2->n_changes ? c2->changes[0].n_columns : 0, 1);

        char *n = NULL;
        const ModelColumn *mat = &model->tables[COLLECTIONS].columns[column(COLLECTIONS, "materials")];
        CHECK_INT(diff_normalize_cell(mat, "SERUM\x1f DNA\x1fSERUM\x1f", &n), 0);
        CHECK_STR(n, "DNA\x1fSERUM");
        free(n);
        CHECK_INT(diff_normalize_cell(mat, "", &n), 0);
        CHECK(n == NULL);
}

TEST(test_server_columns_ignored) {
        _cleanup_(dataset_freep) Dataset *local = NULL, *remote = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        CHECK_INT(dataset_new(model, &remote), 0);
        Row *l = add(local, BIOBANKS, "bbmri-eric:ID:BE_X"), *r = add(remote, BIOBANKS, "bbmri-eric:ID:BE_X");
        (void) l;
        /* A refback column holds what the server computes: never compared. */
        set(remote, r, BIOBANKS, "collections", "bbmri-eric:ID:BE_X:collection:y");
        DiffOptions opts = { .node = "BE" };
        _cleanup_(change_set_freep) ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        CHECK_INT(c->n_changes, 0);
}

TEST(test_withdrawn_and_blocked) {
        _cleanup_(dataset_freep) Dataset *local = NULL, *remote = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        CHECK_INT(dataset_new(model, &remote), 0);
        Row *r = add(remote, BIOBANKS, "bbmri-eric:ID:BE_old");
        set(remote, r, BIOBANKS, "withdrawn", "true");
        Row *l = add(local, BIOBANKS, "bbmri-eric:ID:BE_bad");
        l->flags |= ROW_BLOCKED;
        DiffOptions opts = { .node = "BE", .withdrawn_is_removed = true };
        _cleanup_(change_set_freep) ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        CHECK_INT(c->total.removed, 0);
        CHECK_INT(c->n_already_withdrawn, 1);
        CHECK_INT(c->total.added, 1);
        CHECK_INT(c->total.blocked, 1);
        CHECK(c->n_changes == 1 && c->changes[0].blocked);
        /* Without the withdraw policy the withdrawn row is a removal. */
        opts.withdrawn_is_removed = false;
        _cleanup_(change_set_freep) ChangeSet *c2 = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c2), 0);
        CHECK_INT(c2->total.removed, 1);
}

TEST(test_remote_is_node) {
        _cleanup_(dataset_freep) Dataset *local = NULL, *remote = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        CHECK_INT(dataset_new(model, &remote), 0);
        /* A published row of the node (national_node BE) under another prefix, missing locally. */
        (void) add(remote, BIOBANKS, "bbmri-eric:ID:EXT_partner");
        DiffOptions opts = { .node = "BE" };
        _cleanup_(change_set_freep) ChangeSet *by_prefix = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &by_prefix), 0);
        CHECK_INT(by_prefix->total.removed, 0);
        CHECK_INT(by_prefix->n_remote_node_rows, 0);
        /* The published rows filtered by national_node are all the node's. */
        opts.remote_is_node = true;
        _cleanup_(change_set_freep) ChangeSet *owned = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &owned), 0);
        CHECK_INT(owned->total.removed, 1);
        CHECK_INT(owned->n_remote_node_rows, 1);
        CHECK(owned->n_changes == 1 && streq(owned->changes[0].id, "bbmri-eric:ID:EXT_partner"));
}

/* Only a row whose id directory_id_node() gives the node is the node's to remove. */
TEST(test_removed_rows_node) {
        _cleanup_(dataset_freep) Dataset *local = NULL, *remote = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        CHECK_INT(dataset_new(model, &remote), 0);
        static const char *const not_ours[] = {
                "bbmri-eric:contactID:BEX_a", "bbmri-eric:contactID:B_a",   "bbmri-eric:contactID:BE",
                "bbmri-eric:contactID:_BE_a", "bbmri-eric-contactID:BE_a",  "xbbmri-eric:contactID:BE_a",
                "bbmri-eric:BE_a",            "bbmri-eric:contactID:EU_BE_a",
        };
        for (size_t i = 0; i < ELEMENTSOF(not_ours); i++)
                add(remote, PERSONS, not_ours[i]);
        add(remote, PERSONS, "bbmri-eric:contactID:BE_a");
        add(remote, PERSONS, "bbmri-eric:ID:BE_x:contactID:y");

        static const struct {
                const char *node;
                size_t removed;
        } cases[] = {
                { "BE", 2 }, { "B", 1 }, { "BE_", 0 }, { "", 0 }, { "BEBEBEBEBEBEBEBEBE", 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                DiffOptions opts = { .node = cases[i].node };
                _cleanup_(change_set_freep) ChangeSet *c = NULL;
                CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
                CHECK_INT(c->total.removed, cases[i].removed);
                CHECK_INT(c->n_remote_node_rows, cases[i].removed);
        }
}

/* A big table is compared in two halves at once: changes, additions, removals and blocked rows in
 * both halves, the remote's rows in the master's order except a stretch reversed in the second
 * half, come out as one sorted change set with the counts of all. */
TEST(test_big_table_in_halves) {
        _cleanup_(dataset_freep) Dataset *local = NULL, *remote = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        CHECK_INT(dataset_new(model, &remote), 0);
        const size_t n = LIMIT_DIFF_SPLIT_ROWS + 1000;
        char id[64];
        for (size_t i = 0; i < n; i++) {
                (void) snprintf(id, sizeof id, "bbmri-eric:contactID:BE_p%06zu", i);
                Row *l = add(local, PERSONS, id);
                set(local, l, PERSONS, "email", "a@uza.be");
                if (i == 7 || i == n - 7)
                        l->flags |= ROW_BLOCKED;
        }
        /* the remote: rows 10 and n - 10 missing (added), n - 500 ... n - 401 reversed, rows 3 and
         * n - 3 changed, two of ours only there (removed) */
        for (size_t k = 0; k < n; k++) {
                size_t i = k >= n - 500 && k < n - 400 ? (n - 401) - (k - (n - 500)) : k;
                if (i == 10 || i == n - 10)
                        continue;
                (void) snprintf(id, sizeof id, "bbmri-eric:contactID:BE_p%06zu", i);
                Row *r = add(remote, PERSONS, id);
                set(remote, r, PERSONS, "email", i == 3 || i == n - 3 || i == 7 || i == n - 7 ? "old@uza.be" : "a@uza.be");
        }
        add(remote, PERSONS, "bbmri-eric:contactID:BE_gone1");
        add(remote, PERSONS, "bbmri-eric:contactID:BE_p999999");
        DiffOptions opts = { .node = "BE" };
        _cleanup_(change_set_freep) ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        CHECK(c != NULL);
        if (!c)
                return;
        CHECK_INT(c->total.added, 2);
        CHECK_INT(c->total.changed, 4);
        CHECK_INT(c->total.removed, 2);
        CHECK_INT(c->total.blocked, 2);
        CHECK_INT(c->total.unchanged, n - 6);
        CHECK_INT(c->per_table[PERSONS].changed, 4);
        CHECK_INT(c->n_changes, 8);
        for (size_t i = 1; i < c->n_changes; i++)
                CHECK(strcmp(c->changes[i - 1].id, c->changes[i].id) < 0);
        (void) snprintf(id, sizeof id, "bbmri-eric:contactID:BE_p%06zu", n - 3);
        const Change *x = find_change(c, id);
        CHECK(x && x->kind == CHANGE_CHANGED && x->n_columns == 1 && !x->blocked);
        (void) snprintf(id, sizeof id, "bbmri-eric:contactID:BE_p%06zu", n - 10);
        x = find_change(c, id);
        CHECK(x && x->kind == CHANGE_ADDED);
        (void) snprintf(id, sizeof id, "bbmri-eric:contactID:BE_p%06zu", n - 7);
        x = find_change(c, id);
        CHECK(x && x->kind == CHANGE_CHANGED && x->blocked);
        x = find_change(c, "bbmri-eric:contactID:BE_p999999");
        CHECK(x && x->kind == CHANGE_REMOVED);
}

TEST(test_id_node) {
        char buf[16];
        CHECK_STR(directory_id_node("bbmri-eric:ID:BE_UZA:collection:x", buf, sizeof buf), "BE");
        CHECK_STR(directory_id_node("bbmri-eric:contactID:EU_x", buf, sizeof buf), "EU");
        CHECK(directory_id_node("something", buf, sizeof buf) == NULL);
        CHECK(directory_id_node("bbmri-eric:ID:noseparator", buf, sizeof buf) == NULL);
        /* An empty code, or one too long for the buffer, is none. */
        CHECK(directory_id_node("bbmri-eric:ID:_x", buf, sizeof buf) == NULL);
        CHECK(directory_id_node("bbmri-eric:ID:ABCDEFGHIJKLMNOP_x", buf, sizeof buf) == NULL);
        CHECK_STR(directory_id_node("bbmri-eric:ID:ABCDEFGHIJKLMNO_x", buf, sizeof buf), "ABCDEFGHIJKLMNO");
        /* Where the code is, whatever its length (validation reports a code that is not the node's). */
        size_t n = 99;
        const char *id = "bbmri-eric:networkID:EXT_a_b";
        CHECK(directory_id_node_at(id, &n) == id + 21 && n == 3);
        CHECK(directory_id_node_at("bbmri-eric:ID:_x", &n) != NULL && n == 0);
        CHECK(directory_id_node_at("bbmri-eric:ID", &n) == NULL);
        CHECK(directory_id_node_at("bbmri-eric:ID:BE", &n) == NULL);
        CHECK(directory_id_node_at("bbmri:ID:BE_x", &n) == NULL);
}

TEST_MAIN_WITH_MODEL((PERSONS = (size_t) model_table_index(model, "Persons"), BIOBANKS = (size_t) model_table_index(model, "Biobanks"), COLLECTIONS = (size_t) model_table_index(model, "Collections")), RUN(test_every_kind_of_change); RUN(test_normalisation); RUN(test_server_columns_ignored); RUN(test_withdrawn_and_blocked); RUN(test_remote_is_node); RUN(test_removed_rows_node); RUN(test_id_node); RUN(test_big_table_in_halves))
