/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        Model *m = NULL;
        if (model_parse((const char *) data, size, "fuzz-model.yaml", &m, &f) >= 0) {
                /* Exercise the result the way the program does. */
                for (size_t i = 0; i < m->n_tables; i++) {
                        const ModelTable *t = &m->tables[i];
                        (void) regexec(&t->id_regex, "bbmri-eric:ID:BE_x", 0, NULL, 0);
                        (void) model_find_column(t, t->columns[t->id_column].name);
                        (void) model_find_table(m, t->name);
                }
                model_free(m);
        }
        findings_done(&f);
        return 0;
}
