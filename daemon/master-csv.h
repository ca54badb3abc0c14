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

/* A second reader: the second half of one big table file (at least min_bytes, with no quote before
 * its half) is read on a thread of its own into set (whose sink maps it) while the first half is
 * read as usual. Its findings go into the caller's findings in order, as if read in sequence; used
 * tells that set's rows are this half's, to be joined after the others (dataset_absorb()). The
 * table's rows read before a syntax error in the first half are all there is, as in sequence. */
typedef struct MasterSecondReader {
        RecordSet *set;
        Findings findings;  /* scratch: empty again when the load returns */
        size_t min_bytes;
        bool tried, used;
} MasterSecondReader;

/* Reads <dir>/<Table>.csv for every table of the model (LIMIT_CSV_FILE_BYTES each). A folder
 * with none of them is an error (-EBADMSG); another .csv file in it is a model-drift warning.
 * second may be NULL (one reader). */
/* master_csv_parse_table() with a second reader (NULL: one reader). */
int master_csv_parse_table_with(const Model *model, size_t table, const char *data, size_t size, const char *filename,
                                RecordSet *set, MasterSecondReader *second, Findings *findings);
int master_csv_load_folder(const char *dir, const Model *model, RecordSet *set, Findings *findings);
int master_csv_load_folder_with(const char *dir, const Model *model, RecordSet *set, MasterSecondReader *second,
                                Findings *findings);
