/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <zip.h>

#include "emx2csv.h"
#include "export.h"

int replace_directory_atomic(const char *dir, ExportFillFunc fill, void *userdata) {
        struct stat st;
        bool exists = false;
        if (stat(dir, &st) == 0) {
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                exists = true;
        } else if (errno != ENOENT)
                return -errno;

        _cleanup_free_ char *tmp = strdup_printf("%s.tmp-XXXXXX", dir);
        if (!tmp)
                return -ENOMEM;
        if (!mkdtemp(tmp))
                return -errno;
        if (chmod(tmp, 0755) < 0) {
                int r = -errno;
                (void) rm_rf(tmp);
                return r;
        }

        int r = fill(userdata, tmp);
        if (r >= 0)
                r = fsync_directory_of(tmp);
        if (r < 0) {
                (void) rm_rf(tmp);
                return r;
        }
        if (!exists) {
                if (rename(tmp, dir) < 0) {
                        r = -errno;
                        (void) rm_rf(tmp);
                        return r;
                }
        } else {
                /* One system call swaps the whole folder: readers see the old set or the new set,
                 * never a mix, whatever happens around it. */
                if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) < 0) {
                        r = -errno;
                        (void) rm_rf(tmp);
                        return r;
                }
                (void) rm_rf(tmp); /* now the old contents */
        }
        return fsync_directory_of(dir);
}

typedef struct CsvFill {
        const Dataset *d;
        bool skip_blocked;
} CsvFill;

static int write_table_file(const Dataset *d, size_t table, bool skip_blocked, const char *dir) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = emx2_table_to_buffer(d, table, NULL, 0, NULL, skip_blocked, &data, &size);
        if (r < 0)
                return r;
        _cleanup_free_ char *name = strdup_printf("%s.csv", d->model->tables[table].name);
        _cleanup_free_ char *path = name ? path_join(dir, name) : NULL;
        if (!path)
                return -ENOMEM;
        return write_file_atomic(path, data, size, 0644);
}

static int fill_csv(void *userdata, const char *tmp_dir) {
        CsvFill *f = userdata;
        for (size_t t = 0; t < f->d->model->n_tables; t++) {
                int r = write_table_file(f->d, t, f->skip_blocked, tmp_dir);
                if (r < 0)
                        return r;
        }
        return 0;
}

int export_emx2_csv(const Dataset *d, bool skip_blocked, const char *dir) {
        CsvFill f = { .d = d, .skip_blocked = skip_blocked };
        return replace_directory_atomic(dir, fill_csv, &f);
}

static int zip_error_to_errno(zip_error_t *e) {
        int sys = zip_error_code_system(e);
        if (zip_error_system_type(e) == ZIP_ET_SYS && sys > 0)
                return -sys;
        return zip_error_code_zip(e) == ZIP_ER_MEMORY ? -ENOMEM : -EIO;
}

int export_zip_buffer(ExportZipEntry *entries, size_t n_entries, void **ret_data, size_t *ret_size) {
        zip_error_t error;
        zip_error_init(&error);
        zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &error);
        if (!src) {
                int r = zip_error_to_errno(&error);
                zip_error_fini(&error);
                return r;
        }
        zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &error);
        if (!za) {
                int r = zip_error_to_errno(&error);
                zip_source_free(src);
                zip_error_fini(&error);
                return r;
        }
        zip_error_fini(&error);
        /* Keep the source alive after zip_close() so the archive bytes can be read back. */
        zip_source_keep(src);

        int r = 0;
        for (size_t i = 0; i < n_entries && r >= 0; i++) {
                /* libzip frees a buffer it is given, except an empty one: that stays ours. */
                bool empty = entries[i].size == 0;
                zip_source_t *entry = zip_source_buffer(za, empty ? NULL : entries[i].data, entries[i].size, !empty);
                if (!entry) {
                        r = -ENOMEM;
                        break;
                }
                if (!empty)
                        entries[i].data = NULL; /* the source owns it now */
                if (zip_file_add(za, entries[i].name, entry, ZIP_FL_ENC_UTF_8) < 0) {
                        zip_source_free(entry);
                        r = -EIO;
                }
        }
        if (r < 0) {
                zip_discard(za);
                zip_source_free(src);
                return r;
        }
        if (zip_close(za) < 0) {
                zip_discard(za);
                zip_source_free(src);
                return -EIO;
        }

        zip_stat_t st;
        if (zip_source_stat(src, &st) < 0 || zip_source_open(src) < 0) {
                zip_source_free(src);
                return -EIO;
        }
        void *buf = malloc(st.size ? st.size : 1);
        if (!buf) {
                zip_source_close(src);
                zip_source_free(src);
                return -ENOMEM;
        }
        zip_int64_t n = zip_source_read(src, buf, st.size);
        zip_source_close(src);
        zip_source_free(src);
        if (n < 0 || (zip_uint64_t) n != st.size) {
                free(buf);
                return -EIO;
        }
        *ret_data = buf;
        *ret_size = st.size;
        return 0;
}

void export_zip_entries_free(ExportZipEntry *entries, size_t n_entries) {
        for (size_t i = 0; i < n_entries; i++) {
                free(entries[i].name);
                free(entries[i].data);
        }
        free(entries);
}

int export_emx2_zip_buffer(const Dataset *d, bool skip_blocked, void **ret_data, size_t *ret_size) {
        size_t n = d->model->n_tables;
        ExportZipEntry *entries = calloc(n ?: 1, sizeof(ExportZipEntry));
        if (!entries)
                return -ENOMEM;
        int r = 0;
        /* Tables in reference order; never a molgenis.csv (it would change the schema's model). */
        for (size_t t = 0; t < n && r >= 0; t++) {
                char *data = NULL;
                r = emx2_table_to_buffer(d, t, NULL, 0, NULL, skip_blocked, &data, &entries[t].size);
                entries[t].data = data;
                if (r >= 0 && !(entries[t].name = strdup_printf("%s.csv", d->model->tables[t].name)))
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = export_zip_buffer(entries, n, ret_data, ret_size);
        export_zip_entries_free(entries, n);
        return r;
}

int export_emx2_zip(const Dataset *d, bool skip_blocked, const char *path) {
        _cleanup_free_ void *data = NULL;
        size_t size = 0;
        int r = export_emx2_zip_buffer(d, skip_blocked, &data, &size);
        if (r < 0)
                return r;
        return write_file_atomic(path, data, size, 0644);
}
