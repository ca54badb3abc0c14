/* SPDX-License-Identifier: MIT */
/* The local half of a run from memory: a YAML master read, mapped with the project's mapping files
 * and validated against the model and the built-in vocabularies (the model rules, the reference
 * walk and the quality checks), as `check` does. */
#include <stdint.h>

#include "mapping.h"
#include "master.h"
#include "validate.h"

typedef struct Setup {
        Model *model;
        Vocabularies *vocab;
        Mapping *mapping;
        bool ready;
} Setup;

/* Loaded once: the vocabularies alone are 23,532 disease terms. */
static Setup *setup(void) {
        static Setup s;
        if (s.ready)
                return &s;
        Findings f;
        findings_init(&f);
        if (model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &s.model, &f) < 0 ||
            vocab_new_builtin(&s.vocab) < 0 || mapping_new(&s.mapping) < 0 ||
            mapping_load(s.mapping, SOURCE_ROOT "/mappings/miabis-2.0.yaml", &f) < 0 ||
            mapping_load(s.mapping, SOURCE_ROOT "/mappings/example-local.yaml", &f) < 0)
                abort();
        findings_done(&f);
        s.ready = true;
        return &s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Setup *s = setup();
        Findings f;
        findings_init(&f);
        RecordSet *set = NULL;
        if (record_set_new(&set) < 0)
                return 0;
        /* No base folder: facts files named by the input are refused, never read. */
        if (master_parse_yaml((const char *) data, size, "fuzz.yaml", NULL, set, &f) >= 0) {
                Dataset *d = NULL;
                if (mapping_apply(s->mapping, s->model, s->vocab, "BE", set, &d, &f) >= 0 && d)
                        (void) validate_dataset(d, s->vocab, "BE", &f);
                dataset_free(d);
        }
        record_set_free(set);
        findings_done(&f);
        return 0;
}
