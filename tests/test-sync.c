/* SPDX-License-Identifier: MIT */
#include "backend.h"
#include "sync.h"
#include "test.h"

static Model *model;
static size_t COLLECTIONS;

static int column(const char *name) {
        return model_column_index(&model->tables[COLLECTIONS], name);
}

/* local: a (changed size), b (added), blocked (added, with errors); remote: a, gone (removed). */
static void build(Dataset **ret_local, Dataset **ret_remote) {
        Dataset *l = NULL, *r = NULL;
        CHECK_INT(dataset_new(model, &l), 0);
        CHECK_INT(dataset_new(model, &r), 0);
        Row *row;
        dataset_add_row(l, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:a", NULL, &row);
        dataset_set(l, row, COLLECTIONS, (size_t) column("size"), "200", NULL);
        dataset_set(l, row, COLLECTIONS, (size_t) column("name"), "A", NULL);
        dataset_add_row(l, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:b", NULL, &row);
        dataset_set(l, row, COLLECTIONS, (size_t) column("name"), "B", NULL);
        dataset_add_row(l, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:blocked", NULL, &row);
        row->flags |= ROW_HAS_ERROR | ROW_BLOCKED;
        dataset_add_row(r, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:a", NULL, &row);
        dataset_set(r, row, COLLECTIONS, (size_t) column("size"), "100", NULL);
        dataset_set(r, row, COLLECTIONS, (size_t) column("name"), "A", NULL);
        dataset_add_row(r, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:gone", NULL, &row);
        dataset_set(r, row, COLLECTIONS, (size_t) column("name"), "Gone", NULL);
        dataset_set(r, row, COLLECTIONS, (size_t) column("withdrawn"), "false", NULL);
        *ret_local = l;
        *ret_remote = r;
}

TEST(test_policies) {
        static const DeletionPolicy policies[] = { DELETIONS_WITHDRAW, DELETIONS_DELETE, DELETIONS_KEEP };
        for (size_t p = 0; p < ELEMENTSOF(policies); p++) {
                Dataset *local, *remote;
                build(&local, &remote);
                DiffOptions opts = { .node = "BE", .withdrawn_is_removed = policies[p] == DELETIONS_WITHDRAW };
                ChangeSet *c = NULL;
                CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
                CHECK_INT(c->n_changes, 4);
                PushPlan *plan = NULL;
                CHECK_INT(sync_build_plan(model, c, remote, policies[p], &plan), 0);
                CHECK_INT(plan->n_tables, 1);
                const PushTable *pt = &plan->tables[0];
                CHECK_INT(pt->table, COLLECTIONS);
                /* The blocked row is never in a plan. */
                for (size_t i = 0; i < pt->n_upserts; i++)
                        CHECK(!streq(pt->upserts[i]->id, "bbmri-eric:ID:BE_X:collection:blocked"));
                /* Added rows bring every node-owned column; the id always goes. */
                CHECK(pt->columns[column("id")]);
                CHECK(pt->columns[column("size")]);
                CHECK(pt->columns[column("name")]);
                CHECK(!pt->columns[column("facts")]);
                switch (policies[p]) {
                case DELETIONS_WITHDRAW:
                        CHECK_INT(pt->n_upserts, 3);
                        CHECK_INT(pt->n_deletes, 0);
                        CHECK_INT(plan->n_withdrawals, 1);
                        CHECK(pt->columns[column("withdrawn")]);
                        CHECK_STR(pt->upserts[2]->id, "bbmri-eric:ID:BE_X:collection:gone");
                        CHECK_STR(pt->upserts[2]->cells[column("withdrawn")], "true");
                        CHECK_STR(pt->upserts[2]->cells[column("name")], "Gone");
                        /* The snapshot itself is untouched. */
                        CHECK_STR(dataset_find(remote, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:gone")
                                          ->cells[column("withdrawn")],
                                  "false");
                        break;
                case DELETIONS_DELETE:
                        CHECK_INT(pt->n_upserts, 2);
                        CHECK_INT(pt->n_deletes, 1);
                        CHECK_STR(pt->deletes[0], "bbmri-eric:ID:BE_X:collection:gone");
                        break;
                case DELETIONS_KEEP:
                        CHECK_INT(pt->n_upserts, 2);
                        CHECK_INT(pt->n_deletes, 0);
                        break;
                }
                push_plan_free(plan);
                change_set_free(c);
                dataset_free(local);
                dataset_free(remote);
        }
}

TEST(test_changed_columns_only) {
        Dataset *local, *remote;
        build(&local, &remote);
        /* Only the changed row: drop b and the blocked one from the comparison. */
        dataset_remove_row(local, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:b");
        dataset_remove_row(local, COLLECTIONS, "bbmri-eric:ID:BE_X:collection:blocked");
        DiffOptions opts = { .node = "BE" };
        ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        PushPlan *plan = NULL;
        CHECK_INT(sync_build_plan(model, c, remote, DELETIONS_KEEP, &plan), 0);
        CHECK_INT(plan->n_upserts, 1);
        const PushTable *pt = &plan->tables[0];
        CHECK(pt->columns[column("size")]);
        CHECK(!pt->columns[column("name")]); /* unchanged: not sent */
        push_plan_free(plan);
        change_set_free(c);
        dataset_free(local);
        dataset_free(remote);
}

TEST(test_guard) {
        Dataset *local, *remote;
        build(&local, &remote);
        DiffOptions opts = { .node = "BE" };
        ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        PushPlan *plan = NULL;
        CHECK_INT(sync_build_plan(model, c, remote, DELETIONS_DELETE, &plan), 0);
        Config config = {};
        GuardVerdict v;
        sync_check_guard(&config, c, plan, &v);
        CHECK(!v.refused);
        CHECK(!v.limited);
        CHECK_INT(v.n_removals, 1);
        config.max_removals_set = true;
        config.max_removals = 0;
        sync_check_guard(&config, c, plan, &v);
        CHECK(v.refused);
        CHECK_INT(v.limit, 0);
        config.max_removals = 1;
        sync_check_guard(&config, c, plan, &v);
        CHECK(!v.refused);
        /* 2 remote rows of the node: 50% allows 1, 49% allows 0. */
        config.max_removals_percent = true;
        config.max_removals = 50;
        sync_check_guard(&config, c, plan, &v);
        CHECK(!v.refused);
        CHECK_INT(v.limit, 1);
        config.max_removals = 49;
        sync_check_guard(&config, c, plan, &v);
        CHECK(v.refused);
        push_plan_free(plan);
        change_set_free(c);
        dataset_free(local);
        dataset_free(remote);
}

TEST_MAIN_WITH_MODEL((COLLECTIONS = (size_t) model_table_index(model, "Collections")), RUN(test_policies); RUN(test_changed_columns_only); RUN(test_guard))
