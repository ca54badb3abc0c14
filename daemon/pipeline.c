/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <sys/stat.h>

#include "fetch.h"
#include "limits.h"
#include "master-input.h"
#include "pipeline.h"
#include "validate.h"

void local_done(Local *l) {
        foreign_refs_done(&l->foreign);
        dataset_free(l->dataset);
        record_set_free(l->records);
        mapping_free(l->mapping);
        vocab_free(l->vocab);
        orphanet_free(l->orphanet);
        model_free(l->model);
        *l = (Local) {};
}

int local_setup(const Config *config, Local *l, Findings *findings) {
        uint64_t start = now_usec_monotonic();
        int r = model_load(config->model, &l->model, findings);
        if (r < 0)
                return r == -ENOMEM ? r : -EINVAL;

        r = vocab_new_builtin(&l->vocab);
        if (r < 0)
                return r;
        /* A file backend carries the Directory's lookup tables beside the schemas, an https backend
         * keeps its copy in the state directory (ontology_cache_refresh()); a table there that is
         * newer than the built-in one replaces it. */
        {
                _cleanup_free_ char *dir = config->directory_scheme == DIRECTORY_FILE
                                                   ? path_join(config->directory_path, config->ontology_schema)
                                                   : path_join(config->state_dir, ONTOLOGY_CACHE_DIR);
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

        if (config->quality_orphanet_file) {
                r = orphanet_load(config->quality_orphanet_file, &l->orphanet, findings);
                if (r < 0)
                        return r == -ENOMEM ? r : -EINVAL;
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

/* Each entity read is mapped at once; the rows read are counted for the progress line, told in
 * steps of PROGRESS_ROWS_STEP (the facts' thread counts too). */
#define PROGRESS_ROWS_STEP 256u
typedef struct MappingSink {
        MappingRun *run;
        Progress *progress;
        size_t n_untold;
} MappingSink;

static int map_record(void *userdata, const Record *rec) {
        MappingSink *s = userdata;
        if (++s->n_untold == PROGRESS_ROWS_STEP) {
                progress_advance(s->progress, PROGRESS_LOCAL, s->n_untold);
                s->n_untold = 0;
        }
        return mapping_run_record(s->run, rec);
}

/* Facts files are read two at a time: the second half on a thread of its own, mapped into a
 * dataset of its own that then joins the main one. The mapping, vocabularies and model are only
 * read; each side has its own record set, mapping run and findings. */
typedef struct FactsWorker {
        const Local *local;
        const char *node;
        const MasterFactsFile *files;
        size_t n_files;
        Findings findings;
        Dataset *dataset;
        int error;
        pthread_t thread;
} FactsWorker;

static int read_facts_files(const Local *l, const char *node, const MasterFactsFile *files, size_t n,
                            Findings *findings, Dataset **ret) {
        _cleanup_(mapping_run_freep) MappingRun *run = NULL;
        _cleanup_(record_set_freep) RecordSet *set = NULL;
        int r = mapping_run_new(l->mapping, l->model, l->vocab, node, findings, &run);
        if (r < 0)
                return r;
        r = record_set_new(&set);
        if (r < 0)
                return r;
        MappingSink sink = { .run = run, .progress = l->progress };
        record_set_set_sink(set, map_record, &sink);
        for (size_t i = 0; i < n; i++) {
                r = master_read_facts_file(&files[i], set, findings);
                if (r < 0)
                        return r;
        }
        return mapping_run_finish(run, ret);
}

static void *facts_worker(void *userdata) {
        FactsWorker *w = userdata;
        w->error = read_facts_files(w->local, w->node, w->files, w->n_files, &w->findings, &w->dataset);
        return NULL;
}

typedef struct Absorb {
        const Model *model;
        Findings *findings;
} Absorb;

/* The same finding mapping_apply() gives a duplicate id within one side. */
static int absorb_duplicate(void *userdata, size_t table, Row *existing, Row *duplicate) {
        Absorb *a = userdata;
        const char *name = a->model->tables[table].name;
        const Location *at = duplicate->origin.file ? &duplicate->origin : NULL;
        existing->flags |= ROW_HAS_ERROR;
        if (existing->origin.file)
                return findings_add(a->findings, SEVERITY_ERROR, "duplicate-id", name, existing->id, "id", at,
                                    "duplicate id '%s' (first defined at %s:%u)", existing->id, existing->origin.file,
                                    existing->origin.line);
        return findings_add(a->findings, SEVERITY_ERROR, "duplicate-id", name, existing->id, "id", at,
                            "duplicate id '%s'", existing->id);
}

int local_read(const Config *config, Local *l, Findings *findings) {
        uint64_t t0 = now_usec_monotonic();
        progress_count(l->progress, PROGRESS_LOCAL, "reading the master", "rows");
        _cleanup_(mapping_run_freep) MappingRun *run = NULL;
        int r = mapping_run_new(l->mapping, l->model, l->vocab, config->node, findings, &run);
        if (r < 0)
                return r;
        r = record_set_new(&l->records);
        if (r < 0)
                return r;
        /* Entities are mapped as they are read, never all held as records. */
        MappingSink sink = { .run = run, .progress = l->progress };
        record_set_set_sink(l->records, map_record, &sink);

        /* With one master, a CSV folder, half of its biggest table is read on a second thread, into
         * a record set and mapping run of its own whose rows join the others after the read (with
         * more masters, their rows would join out of order). An id in both halves is the same
         * duplicate-id error, after the master's other findings rather than at its row. */
        _cleanup_(mapping_run_freep) MappingRun *second_run = NULL;
        _cleanup_(record_set_freep) RecordSet *second_set = NULL;
        MasterSecondReader second = { .min_bytes = LIMIT_CSV_SPLIT_BYTES };
        findings_init(&second.findings);
        MappingSink second_sink = { .progress = l->progress };
        bool one_folder = config->master && config->master[0] && !config->master[1] &&
                          master_input_is_folder(config->master[0]);
        if (one_folder && mapping_run_new(l->mapping, l->model, l->vocab, config->node, &second.findings,
                                          &second_run) >= 0 && record_set_new(&second_set) >= 0) {
                second_sink.run = second_run;
                record_set_set_sink(second_set, map_record, &second_sink);
                second.set = second_set;
        }

        MasterFactsFile *facts = NULL;
        size_t n_facts = 0;
        for (char **p = config->master; r >= 0 && p && *p; p++) {
                MasterFactsFile *more = NULL;
                size_t n_more = 0;
                r = master_input_load(*p, l->model, l->records, second.set ? &second : NULL, &more, &n_more, findings);
                if (r >= 0 && n_more > 0) {
                        MasterFactsFile *all = reallocarray(facts, n_facts + n_more, sizeof(MasterFactsFile));
                        if (!all) {
                                master_facts_files_free(more, n_more);
                                r = -ENOMEM;
                                break;
                        }
                        memcpy(all + n_facts, more, n_more * sizeof(MasterFactsFile));
                        free(more);
                        facts = all;
                        n_facts += n_more;
                }
        }

        FactsWorker worker = { .local = l, .node = config->node };
        findings_init(&worker.findings);
        bool worker_started = false;
        size_t n_here = n_facts;
        if (r >= 0 && n_facts >= 2) {
                worker.files = facts + n_facts / 2 + n_facts % 2;
                worker.n_files = n_facts / 2;
                worker_started = pthread_create(&worker.thread, NULL, facts_worker, &worker) == 0;
                if (worker_started)
                        n_here = n_facts - worker.n_files;
        }
        for (size_t i = 0; r >= 0 && i < n_here; i++)
                r = master_read_facts_file(&facts[i], l->records, findings);
        if (worker_started)
                (void) pthread_join(worker.thread, NULL);
        if (r >= 0)
                r = worker.error;
        if (r >= 0)
                r = findings_move(findings, &worker.findings);
        uint64_t t1 = now_usec_monotonic();
        progress_begin(l->progress, PROGRESS_LOCAL, "mapping the master", 0);
        if (r >= 0)
                r = mapping_run_records(run, l->records);
        if (r >= 0)
                r = mapping_run_finish(run, &l->dataset);
        _cleanup_(dataset_freep) Dataset *second_dataset = NULL;
        if (r >= 0 && second.used)
                r = mapping_run_finish(second_run, &second_dataset);
        if (r >= 0 && second_dataset) {
                Absorb absorb = { .model = l->model, .findings = findings };
                r = dataset_absorb(l->dataset, second_dataset, absorb_duplicate, &absorb);
        }
        findings_done(&second.findings);
        if (r >= 0 && worker.dataset) {
                Absorb absorb = { .model = l->model, .findings = findings };
                r = dataset_absorb(l->dataset, worker.dataset, absorb_duplicate, &absorb);
        }
        dataset_free(worker.dataset);
        findings_done(&worker.findings);
        master_facts_files_free(facts, n_facts);
        if (r < 0)
                return r;
        /* The dataset holds copies of everything it needs. */
        l->records = record_set_free(l->records);
        uint64_t t2 = now_usec_monotonic();
        progress_begin(l->progress, PROGRESS_LOCAL, "validating the master", 0);
        r = validate_dataset_deferring(l->dataset, l->vocab,
                                       &(QualityOptions) { .node = config->node, .orphanet = l->orphanet },
                                       &l->foreign, findings);
        if (r < 0)
                return r;
        uint64_t t3 = now_usec_monotonic();
        l->usec_read = t1 - t0;
        l->usec_map = t2 - t1;
        l->usec_validate = t3 - t2;
        return 0;
}
