/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "emx2csv.h"

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
        /* Feed the same bytes as each table in turn. */
        for (size_t t = 0; t < model->n_tables; t++) {
                Dataset *d = NULL;
                if (dataset_new(model, &d) < 0)
                        return 0;
                Findings f;
                findings_init(&f);
                Emx2ReadStats stats = {};
                (void) emx2_read_table(d, t, (const char *) data, size, "fuzz.csv", &stats, &f);
                char *out = NULL;
                size_t n = 0;
                if (emx2_table_to_buffer(d, t, NULL, 0, NULL, false, &out, &n) >= 0)
                        free(out);
                emx2_read_stats_done(&stats);
                findings_done(&f);
                dataset_free(d);
        }
        return 0;
}
