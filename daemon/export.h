/* SPDX-License-Identifier: MIT */
#pragma once

/* Export of the mapped dataset: emx2-csv (a folder of the eight <Table>.csv) and emx2-zip (the
 * same files in one ZIP for the one-transaction import; never a molgenis.csv). Outputs are
 * atomic: a folder is built beside the target and swapped in with renameat2(RENAME_EXCHANGE)
 * (or renamed when new); a ZIP is written to a temporary name and renamed. On failure nothing
 * is left behind and the old output is untouched. */

#include "dataset.h"

/* Writes every table of d (all rows, or only rows not ROW_BLOCKED when skip_blocked) to dir. */
int export_emx2_csv(const Dataset *d, bool skip_blocked, const char *dir);
int export_emx2_zip(const Dataset *d, bool skip_blocked, const char *path);

/* Builds the ZIP in memory. */
int export_emx2_zip_buffer(const Dataset *d, bool skip_blocked, void **ret_data, size_t *ret_size);

/* A ZIP of named buffers, in the order given (the push's import ZIPs). The data of each entry is
 * taken over (set to NULL) as it is added; export_zip_entries_free() frees what is left. */
typedef struct ExportZipEntry {
        char *name;
        void *data;
        size_t size;
} ExportZipEntry;
int export_zip_buffer(ExportZipEntry *entries, size_t n_entries, void **ret_data, size_t *ret_size);
void export_zip_entries_free(ExportZipEntry *entries, size_t n_entries);

/* Atomically replaces directory `dir` by a new one filled by fill(). Exposed for the file backend. */
typedef int (*ExportFillFunc)(void *userdata, const char *tmp_dir);
int replace_directory_atomic(const char *dir, ExportFillFunc fill, void *userdata);
