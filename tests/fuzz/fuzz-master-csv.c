/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "master-csv.h"

/* One table's bytes read by one reader, or in two halves at once: what was read. */
typedef struct Outcome {
        int result;
        size_t n_records, n_findings, n_errors;
} Outcome;

static Outcome read_table(const Model *model, size_t t, const uint8_t *data, size_t size, bool halves) {
        Outcome o = { .result = -ENOMEM };
        RecordSet *set = NULL, *other = NULL;
        if (record_set_new(&set) < 0 || record_set_new(&other) < 0) {
                record_set_free(set);
                return o;
        }
        MasterSecondReader second = { .set = other, .min_bytes = 1 };
        findings_init(&second.findings);
        Findings f;
        findings_init(&f);
        o.result = master_csv_parse_table_with(model, t, (const char *) data, size, "fuzz.csv", set,
                                               halves ? &second : NULL, &f);
        o.n_records = set->n_records + (second.used ? other->n_records : 0);
        o.n_findings = f.n_items;
        o.n_errors = f.n_errors;
        findings_done(&second.findings);
        findings_done(&f);
        record_set_free(other);
        record_set_free(set);
        return o;
}

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
        /* The same bytes as each table of a CSV-folder master in turn; read in two halves at once,
         * they give what one reader gives. */
        for (size_t t = 0; t < model->n_tables; t++) {
                Outcome one = read_table(model, t, data, size, false), two = read_table(model, t, data, size, true);
                if (one.result == -ENOMEM || two.result == -ENOMEM)
                        continue;
                if (one.result != two.result || one.n_records != two.n_records || one.n_findings != two.n_findings ||
                    one.n_errors != two.n_errors)
                        abort();
        }
        return 0;
}
