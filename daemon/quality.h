/* SPDX-License-Identifier: MIT */
#pragma once

/* BBMRI-ERIC's quality checks that need no network (their QC tool, directory-scripts' checks/ plugins,
 * ported: same meaning, same entity, same level). A finding's code is their check id
 * ("CC:SampleCatMismatch") and its severity one of SEVERITY_QUALITY_*. The checks never mark
 * rows: whether a quality error holds a row back is the policy's decision (quality.block), made by
 * comparing the findings of the local dataset with those of the Directory's current rows, so the
 * same entry point runs on a mapped master and on a fetched snapshot. */

#include "dataset.h"
#include "orphanet.h"
#include "vocab.h"

typedef struct QualityCheckInfo {
        const char *id;      /* "CC:SampleCatMismatch" */
        Severity level;      /* SEVERITY_QUALITY_ERROR, _WARNING or _INFO, as BBMRI-ERIC rates it */
        const char *table;   /* the Directory table whose rows it reports on */
        const char *summary; /* what it finds, one sentence for people */
        const char *fix;     /* how a coordinator fixes it, one sentence */
} QualityCheckInfo;

typedef struct QualityOptions {
        const char *node;           /* node code, e.g. "BE"; NULL when unknown */
        const Orphanet *orphanet;   /* quality.orphanet_file, or NULL: the Orphanet checks are off */
        /* Only quality errors are wanted (the policy's look at the Directory's rows): the checks
         * of a lower level are not run, or their findings not added. */
        bool errors_only;
} QualityOptions;

/* Runs every check over d, appending findings. Returns 0 or -ENOMEM. */
int quality_check_dataset(const Dataset *d, const Vocabularies *v, const QualityOptions *options,
                          Findings *findings);

/* The same checks family by family over lookups prepared once: families may run at once on
 * different threads, each appending to its own findings; quality_check_dataset() is every family
 * in order (0 ... quality_family_count() - 1), their findings in that order. */
typedef struct QualityPrepared QualityPrepared;
int quality_prepare(const Dataset *d, const Vocabularies *v, const QualityOptions *options, QualityPrepared **ret);
size_t quality_family_count(void);
/* The k-th costliest family (0: the costliest), the order in which threads take them; SIZE_MAX
 * past the last. */
size_t quality_family_by_cost(size_t k);
int quality_check_family(const QualityPrepared *p, size_t family, Findings *findings);
QualityPrepared *quality_prepared_free(QualityPrepared *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(QualityPrepared, quality_prepared_free);

/* The catalogue of checks (ids, levels, explanations), for reports, man pages and tests. */
const QualityCheckInfo *quality_check_info(const char *id); /* NULL when unknown */
size_t quality_check_count(void);
const QualityCheckInfo *quality_check_at(size_t i); /* 0 <= i < quality_check_count() */
