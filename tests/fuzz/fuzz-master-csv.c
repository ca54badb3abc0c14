/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "master-csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static Model *model;
        if (!model) {
                Findings f;
                findings_init(&f);
                if (model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &model, &f) < 0)
                        abort();
                findings_done(&f);
        }
        /* The same bytes as each table of a CSV-folder master in turn. */
        for (size_t t = 0; t < model->n_tables; t++) {
                RecordSet *set = NULL;
                if (record_set_new(&set) < 0)
                        return 0;
                Findings f;
                findings_init(&f);
                (void) master_csv_parse_table(model, t, (const char *) data, size, "fuzz.csv", set, &f);
                findings_done(&f);
                record_set_free(set);
        }
        return 0;
}
