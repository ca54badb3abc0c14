/* SPDX-License-Identifier: MIT */
#pragma once

/* A folder of the Directory's own CSV files as a master (design §3, §6): <Table>.csv for each
 * table of the model, as `export -f emx2-csv` writes them and the staging area exports them. Each
 * row becomes a record whose fields are the Directory's column names, so the mapping files and the
 * validation apply exactly as to a YAML master (values are Directory ids already, which the
 * mapping keeps as they are; labels and local terms are mapped too). Computed, refback and system
 * (mg_*) columns and the publisher's columns are ignored; a column the model does not know is
 * reported once, as a model-drift warning. A table without its file has no rows. */

#include "model.h"
#include "records.h"

/* One table's CSV from memory (the fuzzing entry point). Syntax errors are findings at
 * filename:line:column and -EBADMSG; row problems (no id, too many fields) are error findings and
 * the row is skipped; -E2BIG past a limit. */
int master_csv_parse_table(const Model *model, size_t table, const char *data, size_t size, const char *filename,
                           RecordSet *set, Findings *findings);

/* Reads <dir>/<Table>.csv for every table of the model (LIMIT_CSV_FILE_BYTES each). A folder
 * with none of them is an error (-EBADMSG); another .csv file in it is a model-drift warning. */
int master_csv_load_folder(const char *dir, const Model *model, RecordSet *set, Findings *findings);
