/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>
#include <zip.h>

#include "export.h"
#include "test.h"

static Model *model;

static Dataset *small_dataset(void) {
        Dataset *d = NULL;
        if (dataset_new(model, &d) < 0)
                return NULL;
        Row *r = NULL;
        if (dataset_add_row(d, 0, "bbmri-eric:contactID:BE_a", NULL, &r) < 0)
                return NULL;
        (void) dataset_set(d, r, 0, (size_t) model_column_index(&model->tables[0], "email"), "a@example.org", NULL);
        return d;
}

static int fail_fill(void *userdata, const char *dir) {
        _cleanup_free_ char *p = path_join(dir, "partial.csv");
        (void) write_file_atomic(p, "x", 1, 0644);
        return -EIO;
}

static size_t count_entries(const char *dir) {
        size_t n = 0;
        _cleanup_free_ char *cmd = strdup_printf("ls -A '%s' | wc -l", dir);
        FILE *p = popen(cmd, "r");
        if (p) {
                if (fscanf(p, "%zu", &n) != 1)
                        n = 0;
                pclose(p);
        }
        return n;
}

TEST(test_csv_export_atomic) {
        char base[] = "/tmp/test-export-XXXXXX";
        CHECK(mkdtemp(base) != NULL);
        _cleanup_free_ char *out = path_join(base, "out");
        _cleanup_(dataset_freep) Dataset *d = small_dataset();
        CHECK_INT(export_emx2_csv(d, false, out), 0);
        CHECK_INT(count_entries(out), 8);
        _cleanup_free_ char *persons = path_join(out, "Persons.csv");
        _cleanup_free_ char *data = NULL;
        size_t size;
        CHECK_INT(read_file_limited(persons, 1 << 20, &data, &size), 0);
        CHECK_CONTAINS(data, "bbmri-eric:contactID:BE_a,,,,,a@example.org");

        /* Replace an existing folder: a stale file vanishes with the old set. */
        _cleanup_free_ char *stale = path_join(out, "Stale.csv");
        CHECK_INT(write_file_atomic(stale, "x", 1, 0644), 0);
        CHECK_INT(export_emx2_csv(d, false, out), 0);
        CHECK_INT(count_entries(out), 8);
        struct stat st;
        CHECK(stat(stale, &st) < 0);

        /* A failing fill leaves the old folder and no temporary folder behind. */
        CHECK_INT(replace_directory_atomic(out, fail_fill, NULL), -EIO);
        CHECK_INT(count_entries(out), 8);
        CHECK_INT(count_entries(base), 1);

        /* A file in the way. */
        _cleanup_free_ char *file = path_join(base, "file");
        CHECK_INT(write_file_atomic(file, "x", 1, 0644), 0);
        CHECK_INT(export_emx2_csv(d, false, file), -ENOTDIR);
        CHECK_INT(rm_rf(base), 0);
}

TEST(test_zip_export) {
        char base[] = "/tmp/test-export-XXXXXX";
        CHECK(mkdtemp(base) != NULL);
        _cleanup_free_ char *path = path_join(base, "be.zip");
        _cleanup_(dataset_freep) Dataset *d = small_dataset();
        CHECK_INT(export_emx2_zip(d, false, path), 0);
        int err = 0;
        zip_t *za = zip_open(path, ZIP_RDONLY, &err);
        CHECK(za != NULL);
        if (za) {
                CHECK_INT(zip_get_num_entries(za, 0), 8);
                CHECK_STR(zip_get_name(za, 0, 0), "Persons.csv");
                CHECK_STR(zip_get_name(za, 7, 0), "CollectionFacts.csv");
                CHECK(zip_name_locate(za, "molgenis.csv", 0) < 0);
                zip_stat_t st;
                CHECK_INT(zip_stat(za, "Persons.csv", 0, &st), 0);
                char buf[512] = {};
                zip_file_t *zf = zip_fopen(za, "Persons.csv", 0);
                CHECK(zf != NULL);
                if (zf) {
                        CHECK_INT(zip_fread(zf, buf, sizeof buf - 1), (long long) st.size);
                        zip_fclose(zf);
                }
                CHECK_CONTAINS(buf, "a@example.org");
                zip_close(za);
        }
        CHECK_INT(rm_rf(base), 0);
}

TEST_MAIN_WITH_MODEL((void) 0, RUN(test_csv_export_atomic); RUN(test_zip_export))
