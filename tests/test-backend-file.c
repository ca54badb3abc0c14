/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "backend-file.h"
#include "sync.h"
#include "test.h"

static Model *model;

static char *write_table(const char *root, const char *schema, const char *table, const char *csv) {
        _cleanup_free_ char *dir = strdup_printf("%s/%s", root, schema);
        mkdir_p(dir, 0755);
        char *path = strdup_printf("%s/%s.csv", dir, table);
        CHECK_INT(write_file_atomic(path, csv, strlen(csv), 0644), 0);
        return path;
}

static char *read_all(const char *path) {
        char *data = NULL;
        size_t size;
        return read_file_limited(path, 1 << 20, &data, &size) < 0 ? NULL : data;
}

static int fetch_all(Backend *b, SchemaKind schema, const char *node, Dataset **ret) {
        Findings f;
        findings_init(&f);
        Dataset *d = NULL;
        int r = dataset_new(model, &d);
        for (size_t t = 0; r >= 0 && t < model->n_tables; t++) {
                Emx2ReadStats stats = {};
                r = backend_fetch_into(b, schema, node, d, t, &stats, &f);
                emx2_read_stats_done(&stats);
        }
        findings_done(&f);
        if (r < 0) {
                dataset_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

static Config config;

/* The backend on root, what its staging schema holds, and an empty master to fill. */
static void open_fetched(const char *root, Backend **ret_backend, Dataset **ret_remote, Dataset **ret_local) {
        CHECK_INT(backend_file_open(&config, root, ret_backend), 0);
        CHECK_INT(fetch_all(*ret_backend, SCHEMA_STAGING, NULL, ret_remote), 0);
        CHECK_INT(dataset_new(model, ret_local), 0);
}

static Config config = {
        .node = (char *) "BE",
        .staging_schema = (char *) "BBMRI-BE",
        .published_schema = (char *) "ERIC",
        .ontology_schema = (char *) "DirectoryOntologies",
};

static const char persons_csv[] =
        "id,first_name,email,country,biobanks\n"
        "bbmri-eric:contactID:BE_a,An,a@uza.be,BE,bbmri-eric:ID:BE_X\n"
        "bbmri-eric:contactID:BE_gone,Old,old@uza.be,BE,\n";

TEST(test_fetch_push_converge) {
        char root[] = "/tmp/test-backend-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        free(write_table(root, "BBMRI-BE", "Persons", persons_csv));
        free(write_table(root, "BBMRI-BE", "README", "not a table"));
        Backend *b = NULL;
        CHECK_INT(backend_file_open(&config, root, &b), 0);

        Dataset *remote = NULL;
        CHECK_INT(fetch_all(b, SCHEMA_STAGING, NULL, &remote), 0); /* missing tables are empty */
        CHECK_INT(remote->tables[0].n_rows, 2);

        Dataset *local = NULL;
        CHECK_INT(dataset_new(model, &local), 0);
        Row *row;
        dataset_add_row(local, 0, "bbmri-eric:contactID:BE_a", NULL, &row);
        dataset_set(local, row, 0, (size_t) model_column_index(&model->tables[0], "first_name"), "Anna", NULL);
        dataset_set(local, row, 0, (size_t) model_column_index(&model->tables[0], "email"), "a@uza.be", NULL);
        dataset_set(local, row, 0, (size_t) model_column_index(&model->tables[0], "country"), "BE", NULL);
        dataset_add_row(local, 0, "bbmri-eric:contactID:BE_new", NULL, &row);
        dataset_set(local, row, 0, (size_t) model_column_index(&model->tables[0], "email"), "n@uza.be", NULL);

        DiffOptions opts = { .node = "BE" };
        ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        CHECK_INT(c->total.added + c->total.changed + c->total.removed, 3);
        PushPlan *plan = NULL;
        CHECK_INT(sync_build_plan(model, c, remote, DELETIONS_DELETE, &plan), 0);
        PushResult result = {};
        Findings f;
        findings_init(&f);
        CHECK_INT(b->ops->push(b, model, plan, &result, &f), 0);
        CHECK_INT(result.n_requests, 1);
        CHECK_INT(result.n_applied_upserts, 2);
        CHECK_INT(result.n_applied_deletes, 1);
        push_result_done(&result);
        findings_done(&f);

        /* After the push the staging folder equals the master: nothing left to do. */
        Dataset *after = NULL;
        CHECK_INT(fetch_all(b, SCHEMA_STAGING, NULL, &after), 0);
        ChangeSet *left = NULL;
        CHECK_INT(diff_datasets(local, after, &opts, &left), 0);
        CHECK_INT(left->n_changes, 0);
        /* All eight tables exist now, other files were carried over. */
        _cleanup_free_ char *facts = strdup_printf("%s/BBMRI-BE/CollectionFacts.csv", root);
        _cleanup_free_ char *readme = strdup_printf("%s/BBMRI-BE/README.csv", root);
        struct stat st;
        CHECK_INT(stat(facts, &st), 0);
        CHECK_INT(stat(readme, &st), 0);

        change_set_free(left);
        dataset_free(after);
        push_plan_free(plan);
        change_set_free(c);
        dataset_free(local);
        dataset_free(remote);
        backend_free(b);
        rm_rf(root);
}

TEST(test_interrupted_push_keeps_old_state) {
        char root[] = "/tmp/test-backend-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        _cleanup_free_ char *path = write_table(root, "BBMRI-BE", "Persons", persons_csv);
        Backend *b = NULL;
        Dataset *remote = NULL, *local = NULL;
        open_fetched(root, &b, &remote, &local);
        DiffOptions opts = { .node = "BE" };
        ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        PushPlan *plan = NULL;
        CHECK_INT(sync_build_plan(model, c, remote, DELETIONS_DELETE, &plan), 0);

        /* A crash after three of the eight files: the old state stays whole. */
        backend_file_set_fault_after_files(b, 3);
        PushResult result = {};
        Findings f;
        findings_init(&f);
        CHECK_INT(b->ops->push(b, model, plan, &result, &f), -EIO);
        CHECK(result.error != NULL);
        push_result_done(&result);
        _cleanup_free_ char *data = read_all(path);
        CHECK_STR(data, persons_csv);
        _cleanup_free_ char *cmd = strdup_printf("ls -A %s | wc -l", root);
        FILE *p = popen(cmd, "r");
        int n = -1;
        CHECK(p && fscanf(p, "%d", &n) == 1);
        if (p)
                pclose(p);
        CHECK_INT(n, 1); /* no temporary folder left behind */

        /* A push killed before the swap leaves its folder; the next run (holding the lock) removes
         * it, and only it: another node's temporary stays. */
        _cleanup_free_ char *killed = strdup_printf("%s/BBMRI-BE.tmp-k1LLed", root);
        _cleanup_free_ char *other = strdup_printf("%s/BBMRI-NL.tmp-k1LLed", root);
        free(write_table(killed, ".", "Persons", persons_csv));
        CHECK_INT(mkdir_p(other, 0755), 0);
        CHECK_INT(backend_remove_temporaries(b), 1);
        struct stat st;
        CHECK_INT(stat(killed, &st), -1);
        CHECK_INT(stat(other, &st), 0);
        CHECK_INT(stat(path, &st), 0);
        CHECK_INT(backend_remove_temporaries(b), 0);
        CHECK_INT(rm_rf(other), 0);

        /* The next run converges. */
        backend_file_set_fault_after_files(b, -1);
        CHECK_INT(b->ops->push(b, model, plan, &result, &f), 0);
        push_result_done(&result);
        Dataset *after = NULL;
        CHECK_INT(fetch_all(b, SCHEMA_STAGING, NULL, &after), 0);
        CHECK_INT(after->tables[0].n_rows, 0);
        findings_done(&f);
        dataset_free(after);
        push_plan_free(plan);
        change_set_free(c);
        dataset_free(local);
        dataset_free(remote);
        backend_free(b);
        rm_rf(root);
}

TEST(test_published_filter) {
        char root[] = "/tmp/test-backend-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        free(write_table(root, "ERIC", "Persons",
                         "id,email,country,national_node,full_name\n"
                         "bbmri-eric:contactID:BE_a,a@uza.be,BE,BE,An\n"
                         "bbmri-eric:contactID:NL_b,b@lumc.nl,NL,NL,Bert\n"
                         "bbmri-eric:contactID:EU_c,c@bbmri.eu,EU,BE,Cees\n"));
        free(write_table(root, "ERIC", "Networks", "id,name\nbbmri-eric:networkID:BE_x,X\nbbmri-eric:networkID:NL_y,Y\n"));
        Backend *b = NULL;
        CHECK_INT(backend_file_open(&config, root, &b), 0);
        Dataset *d = NULL;
        Findings f;
        findings_init(&f);
        CHECK_INT(dataset_new(model, &d), 0);
        Emx2ReadStats stats = {};
        CHECK_INT(backend_fetch_into(b, SCHEMA_PUBLISHED, "BE", d, 0, &stats, &f), 0);
        /* By national_node when the table has it; publisher columns are no drift. */
        CHECK_INT(d->tables[0].n_rows, 2);
        CHECK(dataset_find(d, 0, "bbmri-eric:contactID:NL_b") == NULL);
        CHECK(dataset_find(d, 0, "bbmri-eric:contactID:EU_c") != NULL);
        CHECK_INT(strv_length(stats.unknown_columns), 0);
        emx2_read_stats_done(&stats);
        /* Without national_node, by the id's node part. */
        size_t networks = (size_t) model_table_index(model, "Networks");
        CHECK_INT(backend_fetch_into(b, SCHEMA_PUBLISHED, "BE", d, networks, &stats, &f), 0);
        CHECK_INT(d->tables[networks].n_rows, 1);
        emx2_read_stats_done(&stats);
        /* A published table that is missing is an error, not an empty table. */
        size_t biobanks = (size_t) model_table_index(model, "Biobanks");
        CHECK_INT(backend_fetch_into(b, SCHEMA_PUBLISHED, "BE", d, biobanks, &stats, &f), -ENOENT);
        findings_done(&f);
        dataset_free(d);
        backend_free(b);
        rm_rf(root);
}

TEST(test_missing_folder) {
        Backend *b = NULL;
        CHECK_INT(backend_file_open(&config, "/nonexistent/bbmri-dirsync-test", &b), 0);
        char *data = NULL;
        size_t size;
        Findings f;
        findings_init(&f);
        CHECK_INT(b->ops->fetch_table(b, SCHEMA_STAGING, "Persons", NULL, &data, &size, &f), -ENXIO);
        _cleanup_free_ char *m = f.n_items ? finding_format(&f.items[0]) : NULL;
        CHECK_CONTAINS(m, "the Directory folder does not exist");
        findings_done(&f);
        backend_free(b);
}

/* A push keeps what the backend does not own, as the server does: the columns the model lacks with
 * their values, other nodes' rows, tables it does not change (byte for byte), other files. */
TEST(test_push_keeps_what_it_does_not_own) {
        char root[] = "/tmp/test-backend-XXXXXX";
        CHECK(mkdtemp(root) != NULL);
        static const char persons[] =
                "id,first_name,email,country,favourite_colour,biobanks\n"
                "bbmri-eric:contactID:BE_a,An,a@uza.be,BE,blue,bbmri-eric:ID:BE_X\n"
                "bbmri-eric:contactID:NL_b,Bert,b@lumc.nl,NL,\"red, dark\",\n"
                "bbmri-eric:contactID:BE_gone,Old,old@uza.be,BE,green,\n";
        static const char networks[] = "id,name,legacy_code\nbbmri-eric:networkID:BE_n,\"Net, BE\",  x1  \n";
        _cleanup_free_ char *persons_path = write_table(root, "BBMRI-BE", "Persons", persons);
        _cleanup_free_ char *networks_path = write_table(root, "BBMRI-BE", "Networks", networks);
        _cleanup_(backend_freep) Backend *b = NULL;
        _cleanup_(dataset_freep) Dataset *remote = NULL, *local = NULL;
        open_fetched(root, &b, &remote, &local);
        /* The master: BE_a's first name changes, BE_new is added, BE_gone is gone; NL_b is another
         * node's; the network is not in the master (its removal is kept by the policy below). */
        size_t persons_t = (size_t) model_table_index(model, "Persons");
        const ModelTable *pt = &model->tables[persons_t];
        Row *row;
        dataset_add_row(local, persons_t, "bbmri-eric:contactID:BE_a", NULL, &row);
        dataset_set(local, row, persons_t, (size_t) model_column_index(pt, "first_name"), "Anna", NULL);
        dataset_set(local, row, persons_t, (size_t) model_column_index(pt, "email"), "a@uza.be", NULL);
        dataset_set(local, row, persons_t, (size_t) model_column_index(pt, "country"), "BE", NULL);
        dataset_add_row(local, persons_t, "bbmri-eric:contactID:BE_new", NULL, &row);
        dataset_set(local, row, persons_t, (size_t) model_column_index(pt, "email"), "n@uza.be", NULL);
        dataset_set(local, row, persons_t, (size_t) model_column_index(pt, "last_name"), "Nieuw, Jr.", NULL);
        DiffOptions opts = { .node = "BE" };
        _cleanup_(change_set_freep) ChangeSet *c = NULL;
        CHECK_INT(diff_datasets(local, remote, &opts, &c), 0);
        _cleanup_(push_plan_freep) PushPlan *plan = NULL;
        CHECK_INT(sync_build_plan(model, c, remote, DELETIONS_DELETE, &plan), 0);
        /* Only Persons changes: the network is removed by this plan too unless kept; drop it. */
        for (size_t i = 0; i < plan->n_tables; i++)
                if (plan->tables[i].table != persons_t)
                        plan->tables[i].n_deletes = plan->tables[i].n_upserts = 0;
        PushResult result = {};
        Findings f;
        findings_init(&f);
        CHECK_INT(b->ops->push(b, model, plan, &result, &f), 0);
        push_result_done(&result);
        CHECK_INT(f.n_errors, 0);

        _cleanup_free_ char *after = read_all(persons_path);
        /* Every column stays where it was, the ones the push writes and the model lacks alike; the
         * columns the push carries are written in the rows it carries (the new row brings all of
         * the table's, so BE_a's empty ones are cleared, as the server clears them), added after
         * the others; a column the server fills (biobanks, a refback) keeps its value; another node's
         * row keeps its values, and gets empty cells in the new columns. */
        CHECK_STR(after,
                  "id,first_name,email,country,favourite_colour,biobanks,title_before_name,last_name,"
                  "title_after_name,phone,address,zip,city,role\n"
                  "bbmri-eric:contactID:BE_a,Anna,a@uza.be,BE,blue,bbmri-eric:ID:BE_X,,,,,,,,\n"
                  "bbmri-eric:contactID:NL_b,Bert,b@lumc.nl,NL,\"red, dark\",,,,,,,,,\n"
                  "bbmri-eric:contactID:BE_new,,n@uza.be,,,,,\"Nieuw, Jr.\",,,,,,\n");
        struct stat st_net;
        CHECK_INT(stat(networks_path, &st_net), 0);
        CHECK_INT(st_net.st_nlink, 1); /* linked into the new folder; the old one is gone */
        /* A table the push does not change is the same file (a link to it: not rewritten). */
        _cleanup_free_ char *net = read_all(networks_path);
        CHECK_STR(net, networks);
        /* Tables the schema lacked now exist, as a header. */
        _cleanup_free_ char *facts = strdup_printf("%s/BBMRI-BE/CollectionFacts.csv", root);
        _cleanup_free_ char *facts_data = read_all(facts);
        CHECK(facts_data && startswith(facts_data, "id,") && strchr(facts_data, '\n') == facts_data + strlen(facts_data) - 1);

        /* Read back, the master's rows show no difference. */
        _cleanup_(dataset_freep) Dataset *again = NULL;
        CHECK_INT(fetch_all(b, SCHEMA_STAGING, NULL, &again), 0);
        _cleanup_(change_set_freep) ChangeSet *left = NULL;
        CHECK_INT(diff_datasets(local, again, &opts, &left), 0);
        size_t n_persons = 0;
        for (size_t i = 0; i < left->n_changes; i++)
                n_persons += left->changes[i].table == persons_t;
        CHECK_INT(n_persons, 0);
        findings_done(&f);
        rm_rf(root);
}

TEST_MAIN_WITH_MODEL((void) 0, RUN(test_fetch_push_converge); RUN(test_interrupted_push_keeps_old_state); RUN(test_published_filter); RUN(test_missing_folder);
                     RUN(test_push_keeps_what_it_does_not_own))
