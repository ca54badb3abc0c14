/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "model-drift.h"

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
        Findings f;
        findings_init(&f);
        ModelDrift *d = NULL;
        if (model_drift_compare(model, (const char *) data, size, "fuzz-model.csv", &d, &f) >= 0) {
                /* Use the result the way the program does. */
                size_t n_blocking = 0;
                for (size_t i = 0; i < d->n_items; i++) {
                        const Drift *x = &d->items[i];
                        if (!drift_kind_to_string(x->kind) || !x->table)
                                abort();
                        if ((x->kind == DRIFT_NEW_TABLE || x->kind == DRIFT_MISSING_TABLE) != !x->column)
                                abort();
                        n_blocking += x->blocking;
                }
                if (n_blocking != d->n_blocking)
                        abort();
                model_drift_free(d);
        }
        findings_done(&f);
        return 0;
}
