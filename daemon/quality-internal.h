/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the quality check families (quality-*.c); not for other modules. Each family is one
 * file with one entry point and its table of QualityCheckInfo, listed in quality.c. */

#include "quality.h"

typedef struct QualityFamily QualityFamily;

typedef struct QualityContext {
        const Dataset *d;
        const Vocabularies *v;
        const QualityOptions *options;
        Findings *findings;
        const QualityFamily *family; /* the family running: its checks are looked up first */
        /* table indexes, -1 when the model lacks the table */
        int persons, also_known_in, networks, biobanks, services, studies, collections, facts;
        /* Worked out once per run, as most families read them for every row: */
        int *withdrawn_column;       /* per model table: its "withdrawn" column, -1: none */
        bool *withdrawn_collections; /* per collection (by position): quality_withdrawn() */
        size_t *biobank_of;          /* per collection: its biobank's position, SIZE_MAX: none */
        size_t *parent_of;           /* per collection: its parent collection's position, SIZE_MAX: none */
        size_t *collection_of;       /* per fact (CollectionFacts row): its collection's position, SIZE_MAX: none */
} QualityContext;

struct QualityFamily {
        const char *name; /* the plugin's name in directory-scripts, e.g. "CollectionContent" */
        int (*run)(QualityContext *q);
        const QualityCheckInfo *checks;
        size_t n_checks;
};

/* Reports check_id (which must be in a family's table: its level comes from there) on row of
 * table, at column (-1: the whole row). Returns 0 or -ENOMEM. */
int quality_report(QualityContext *q, const char *check_id, size_t table, const Row *row, int column,
                   const char *fmt, ...) _printf_(6, 7);

#define QUALITY_REPORT(...)                                     \
        do {                                                    \
                int _r = quality_report(__VA_ARGS__);           \
                if (_r < 0)                                     \
                        return _r;                              \
        } while (0)

/* QualityOptions.errors_only: a family may leave out the work only lower levels need. */
static inline bool quality_errors_only(const QualityContext *q) {
        return q->options && q->options->errors_only;
}

/* Column index of name in table (-1 when the table or the column is absent). */
int quality_column(const QualityContext *q, int table, const char *name);
static inline const char *quality_cell(const Row *row, int column) {
        return column >= 0 ? row->cells[column] : NULL;
}
/* Whether a list cell has item (exact). NULL cell: false. The item's length is worked out where
 * it is called (a literal's, at compile time): the checks ask this some twenty times per row. */
bool quality_list_has_n(const char *cell, const char *item, size_t len);
static inline bool quality_list_has(const char *cell, const char *item) {
        return quality_list_has_n(cell, item, strlen(item));
}
/* A whole number, strictly parsed: the whole cell as strtoll reads it. */
bool quality_parse_any_int(const char *s, long long *ret);
static inline bool quality_parse_int(const char *s, long long *ret) {
        /* The usual cell, up to 18 digits (no overflow), read here: the checks parse a million
         * cells a run. A sign, spaces, more digits: quality_parse_any_int(). */
        long long digits = 0;
        size_t n = 0;
        if (!s)
                return false;
        while (n < 18 && s[n] >= '0' && s[n] <= '9')
                digits = digits * 10 + (s[n++] - '0');
        if (n > 0 && !s[n]) {
                *ret = digits;
                return true;
        }
        return quality_parse_any_int(s, ret);
}

/* s in lower case (ASCII), each run of whitespace one space, none at the ends, in the arena ("" for
 * NULL): how BBMRI-ERIC's tool compares names, domains and addresses. NULL: out of memory. */
char *quality_normalize_text(Arena *a, const char *s);
/* Whether a cell is the boolean true. */
bool quality_is_true(const char *cell);
/* Whether BBMRI-ERIC's tool leaves the row at position of table out (it skips withdrawn entities by
 * default): a withdrawn row, or a collection whose biobank or parent collection (up the chain) is
 * withdrawn. */
bool quality_withdrawn(const QualityContext *q, int table, size_t position);
/* The row of a collection's (by position) biobank, parent collection; NULL when there is none. */
const Row *quality_biobank_of(const QualityContext *q, size_t collection);
const Row *quality_parent_of(const QualityContext *q, size_t collection);
/* Calls check on each collection the tool does not leave out (see quality_withdrawn), with its
 * biobank's row (NULL when the master lacks it) and userdata; stops at the first negative return. */
int quality_each_collection(QualityContext *q,
                            int (*check)(QualityContext *q, const void *userdata, const Row *collection, const Row *biobank),
                            const void *userdata);
/* The staging area an id names, as BBMRI-ERIC reads it: its third ':'-part up to '_', upper-cased
 * into buf ("bbmri-eric:ID:BE_x" -> "BE"); "" when the id has fewer than three parts. */
const char *quality_id_area(const char *id, char *buf, size_t size);
/* BBMRI-ERIC's member nodes (a fact of its node registry: countries, EXT, not EU/IARC). */
bool quality_is_member_node(const char *code);
/* EXT, EU, IARC: the staging areas that are no country. */
bool quality_is_non_country_area(const char *code);
/* ISO 3166-1 alpha-2 codes, and UK. */
bool quality_is_country_code(const char *code);

/* For tests: how many of TextConsistency's pattern lists match text (by their regular expressions);
 * -EINVAL when the pre-test of one that matches would have left the text out. */
int quality_text_lists_matching(const char *text);

/* BBMRI-ERIC's cohort networks (their collections need fact sheets; the DNA one DNA-bearing
 * materials). */
#define QUALITY_COHORTS_NETWORK "bbmri-eric:networkID:EU_BBMRI-ERIC:networks:BBMRI-Cohorts"
#define QUALITY_COHORTS_DNA_NETWORK QUALITY_COHORTS_NETWORK "_DNA"
