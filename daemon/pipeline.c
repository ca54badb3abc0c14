/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "master-input.h"
#include "pipeline.h"
#include "validate.h"

void local_done(Local *l) {
        dataset_free(l->dataset);
        record_set_free(l->records);
        mapping_free(l->mapping);
        vocab_free(l->vocab);
        model_free(l->model);
        *l = (Local) {};
}

int local_setup(const Config *config, Local *l, Findings *findings) {
        uint64_t start = now_usec_monotonic();
        int r = model_load(config->model, &l->model, findings);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;

        r = vocab_new_builtin(&l->vocab, findings);
        if (r < 0)
                return r;
        /* A file backend carries the Directory's lookup tables beside the schemas; when they are
         * there, vocabulary checks use the full tables instead of the built-in subset. */
        if (config->directory_scheme == DIRECTORY_FILE) {
                _cleanup_free_ char *dir = path_join(config->directory_path, config->ontology_schema);
                if (!dir)
                        return -ENOMEM;
                struct stat st;
                if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
                        r = vocab_load_folder(l->vocab, dir, findings);
                        if (r < 0)
                                return r == -ENOMEM ? r : -EINVAL;
                        l->n_vocab_tables_loaded = (size_t) r;
                }
        }

        r = mapping_new(&l->mapping);
        if (r < 0)
                return r;
        for (char **p = config->mappings; p && *p; p++) {
                r = mapping_load(l->mapping, *p, findings);
                if (r < 0)
                        return r == -ENOMEM ? r : -EINVAL;
        }
        l->usec_setup = now_usec_monotonic() - start;
        return 0;
}

int local_read(const Config *config, Local *l, Findings *findings) {
        uint64_t t0 = now_usec_monotonic();
        int r = record_set_new(&l->records);
        if (r < 0)
                return r;
        for (char **p = config->master; p && *p; p++) {
                /* YAML file, MIABIS XML file or folder of Directory CSV files. */
                r = master_input_load(*p, l->model, l->records, findings);
                if (r < 0)
                        return r;
        }
        uint64_t t1 = now_usec_monotonic();
        r = mapping_apply(l->mapping, l->model, l->vocab, config->node, l->records, &l->dataset, findings);
        if (r < 0)
                return r;
        /* The dataset holds copies of everything it needs: the records can go before the remote
         * is fetched, which keeps the peak memory of a big node down. */
        l->records = record_set_free(l->records);
        uint64_t t2 = now_usec_monotonic();
        r = validate_dataset(l->dataset, l->vocab, config->node, findings);
        if (r < 0)
                return r;
        uint64_t t3 = now_usec_monotonic();
        l->usec_read = t1 - t0;
        l->usec_map = t2 - t1;
        l->usec_validate = t3 - t2;
        return 0;
}
