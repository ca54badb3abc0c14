/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <ctype.h>

#include "quality-families.h"

/* The families, in the order BBMRI-ERIC's tool runs its plugins (alphabetical). Each file adds its
 * own line. */
static const QualityFamily *const families[] = {
        &quality_family_access,
        &quality_family_covid,
        &quality_family_cohorts,
        &quality_family_content,
        &quality_family_orphanet,
        &quality_family_existence,
        &quality_family_partitioning,
        &quality_family_fields,
        &quality_family_contact_reuse,
        &quality_family_contacts,
        &quality_family_facts,
        &quality_family_member_areas,
        &quality_family_membership,
        &quality_family_text,
        &quality_family_ids,
        NULL,
};

int quality_column(const QualityContext *q, int table, const char *name) {
        return table < 0 ? -1 : model_column_index(&q->d->model->tables[table], name);
}

bool quality_list_has_n(const char *cell, const char *item, size_t len) {
        if (!cell || !*cell)
                return false;
        if (len == 0) { /* an empty item: only between two separators, as dataset_list_next() has it */
                const char *state = cell, *it;
                size_t n;
                while (dataset_list_next(&state, &it, &n))
                        if (n == 0)
                                return true;
                return false;
        }
        /* The items in place, each told by its length first. */
        for (const char *p = cell;;) {
                const char *end = strchrnul(p, DATASET_LIST_SEP);
                if ((size_t) (end - p) == len && memcmp(p, item, len) == 0)
                        return true;
                if (!*end)
                        return false;
                p = end + 1;
        }
}

bool quality_parse_any_int(const char *s, long long *ret) {
        if (!s || !*s)
                return false;
        /* An optional '-' and up to 18 digits (no overflow) read here: strtoll's generality costs
         * several times more. Anything else (spaces, '+', more digits) is strtoll's. */
        const char *p = s + (*s == '-');
        long long digits = 0;
        size_t n = 0;
        while (n < 18 && p[n] >= '0' && p[n] <= '9')
                digits = digits * 10 + (p[n++] - '0');
        if (n > 0 && !p[n]) {
                *ret = *s == '-' ? -digits : digits;
                return true;
        }
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || *end)
                return false;
        *ret = v;
        return true;
}

char *quality_normalize_text(Arena *a, const char *s) {
        size_t n = s ? strlen(s) : 0, k = 0;
        char *out = arena_alloc(a, n + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (isspace(c)) {
                        if (k > 0 && out[k - 1] != ' ')
                                out[k++] = ' ';
                } else
                        out[k++] = (char) tolower(c);
        }
        if (k > 0 && out[k - 1] == ' ')
                k--;
        out[k] = 0;
        return out;
}

bool quality_is_true(const char *cell) {
        return cell && strcaseeq(cell, "true");
}

bool quality_withdrawn(const QualityContext *q, int table, size_t position) {
        if (table < 0)
                return false;
        if (table == q->collections)
                return q->withdrawn_collections[position];
        return quality_is_true(quality_cell(q->d->tables[table].rows[position], q->withdrawn_column[table]));
}

const Row *quality_biobank_of(const QualityContext *q, size_t collection) {
        size_t p = q->biobank_of[collection];
        return p != SIZE_MAX ? q->d->tables[q->biobanks].rows[p] : NULL;
}

const Row *quality_parent_of(const QualityContext *q, size_t collection) {
        size_t p = q->parent_of[collection];
        return p != SIZE_MAX ? q->d->tables[q->collections].rows[p] : NULL;
}

int quality_each_collection(QualityContext *q,
                            int (*check)(QualityContext *q, const void *userdata, const Row *collection, const Row *biobank),
                            const void *userdata) {
        if (q->collections < 0)
                return 0;
        const DatasetTable *ct = &q->d->tables[q->collections];
        for (size_t i = 0; i < ct->n_rows; i++) {
                if (q->withdrawn_collections[i])
                        continue;
                int r = check(q, userdata, ct->rows[i], quality_biobank_of(q, i));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Per row of table: the position in target of the id in column (SIZE_MAX: none, or not found).
 * The look-ups look ahead (dataset.h): each id is asked for 2 * FIND_AHEAD rows before it is
 * looked up, hashed and its slot asked for FIND_AHEAD rows before, its row half as many before. */
#define FIND_AHEAD 16u
static size_t *find_each(const QualityContext *q, int table, const char *column, int target) {
        const DatasetTable *t = &q->d->tables[table];
        int c = quality_column(q, table, column);
        size_t *at = calloc_written(t->n_rows ?: 1, sizeof(size_t));
        if (!at)
                return NULL;
        if (c < 0 || target < 0) {
                for (size_t i = 0; i < t->n_rows; i++)
                        at[i] = SIZE_MAX;
                return at;
        }
        uint32_t hashes[FIND_AHEAD]; /* row i's at i % FIND_AHEAD, until its look-up */
        for (size_t i = 0; i < t->n_rows + FIND_AHEAD; i++) {
                if (i >= FIND_AHEAD) {
                        size_t k = i - FIND_AHEAD;
                        const char *id = quality_cell(t->rows[k], c);
                        if (!id || dataset_find_position_hashed(q->d, (size_t) target, id, hashes[k % FIND_AHEAD],
                                                                &at[k]) < 0)
                                at[k] = SIZE_MAX;
                }
                size_t j = i - FIND_AHEAD / 2;
                if (i >= FIND_AHEAD / 2 && j < t->n_rows && quality_cell(t->rows[j], c))
                        dataset_prefetch_row(q->d, (size_t) target, hashes[j % FIND_AHEAD]);
                if (i + FIND_AHEAD < t->n_rows && quality_cell(t->rows[i + FIND_AHEAD], c))
                        __builtin_prefetch(quality_cell(t->rows[i + FIND_AHEAD], c));
                if (i < t->n_rows) {
                        const char *id = quality_cell(t->rows[i], c);
                        hashes[i % FIND_AHEAD] = id ? dataset_id_hash(id) : 0;
                        if (id)
                                dataset_prefetch_slot(q->d, (size_t) target, hashes[i % FIND_AHEAD]);
                }
        }
        return at;
}

/* A collection withdrawn itself or through its biobank. */
static bool withdrawn_itself(const QualityContext *q, size_t collection) {
        const Row *b = quality_biobank_of(q, collection);
        return quality_is_true(quality_cell(q->d->tables[q->collections].rows[collection], q->withdrawn_column[q->collections])) ||
               (b && quality_is_true(quality_cell(b, q->withdrawn_column[q->biobanks])));
}

/* Whether each collection is left out: it or a collection up its parent chain is withdrawn itself.
 * Each chain is walked once (a known collection ends the walk); a parent loop, an error of its own,
 * ends where the walk meets itself, and every collection on the loop has the loop's answer. */
static int mark_withdrawn_collections(QualityContext *q) {
        enum { NEW, ON_WALK, KNOWN };
        size_t n = q->d->tables[q->collections].n_rows;
        q->withdrawn_collections = calloc_written(n ?: 1, sizeof(bool));
        _cleanup_free_ uint8_t *state = calloc(n ?: 1, 1);
        _cleanup_free_ size_t *walk = calloc_written(n ?: 1, sizeof(size_t));
        if (!q->withdrawn_collections || !state || !walk)
                return -ENOMEM;
        bool *out = q->withdrawn_collections;
        for (size_t i = 0; i < n; i++) {
                size_t len = 0, at = i;
                bool value = false;
                while (at != SIZE_MAX) {
                        if (state[at] == KNOWN) {
                                value = out[at];
                                break;
                        }
                        if (state[at] == ON_WALK) {
                                size_t start = len;
                                while (walk[--start] != at)
                                        ;
                                for (size_t j = start; j < len; j++)
                                        value = value || withdrawn_itself(q, walk[j]);
                                for (size_t j = start; j < len; j++) {
                                        out[walk[j]] = value;
                                        state[walk[j]] = KNOWN;
                                }
                                len = start;
                                break;
                        }
                        state[at] = ON_WALK;
                        walk[len++] = at;
                        at = q->parent_of[at];
                }
                while (len > 0) {
                        size_t r = walk[--len];
                        value = value || withdrawn_itself(q, r);
                        out[r] = value;
                        state[r] = KNOWN;
                }
        }
        return 0;
}

/* Whether a collection (withdrawn or not) names one of BBMRI-ERIC's cohort networks. */
static bool any_in_cohorts(const QualityContext *q) {
        int network = quality_column(q, q->collections, "network");
        const DatasetTable *ct = &q->d->tables[q->collections];
        for (size_t i = 0; network >= 0 && i < ct->n_rows; i++) {
                const char *cell = ct->rows[i]->cells[network];
                if (quality_list_has(cell, QUALITY_COHORTS_NETWORK) || quality_list_has(cell, QUALITY_COHORTS_DNA_NETWORK))
                        return true;
        }
        return false;
}

/* Whether a collection (withdrawn or not) has a parent collection. */
static bool any_parent(const QualityContext *q) {
        for (size_t i = 0; i < q->d->tables[q->collections].n_rows; i++)
                if (q->parent_of[i] != SIZE_MAX)
                        return true;
        return false;
}

static void context_done(QualityContext *q) {
        free(q->withdrawn_column);
        free(q->withdrawn_collections);
        free(q->biobank_of);
        free(q->parent_of);
        free(q->collection_of);
}

static int context_prepare(QualityContext *q) {
        const Model *m = q->d->model;
        q->withdrawn_column = calloc_written(m->n_tables ?: 1, sizeof(int));
        if (!q->withdrawn_column)
                return -ENOMEM;
        for (size_t t = 0; t < m->n_tables; t++)
                q->withdrawn_column[t] = quality_column(q, (int) t, "withdrawn");
        if (q->collections < 0)
                return 0;
        q->biobank_of = find_each(q, q->collections, "biobank", q->biobanks);
        q->parent_of = find_each(q, q->collections, "parent_collection", q->collections);
        if (!q->biobank_of || !q->parent_of)
                return -ENOMEM;
        /* The fact rows' collections (400,000 look-ups at 10x) are for the fact sheets; of their
         * checks the policy's errors-only run has those of the BBMRI-Cohorts collections and of
         * the sub-collections' all-star rows: without either, every fact is left without one. */
        bool facts_wanted = !quality_errors_only(q) || any_in_cohorts(q) || any_parent(q);
        if (q->facts >= 0 &&
            !(q->collection_of = find_each(q, q->facts, "collection", facts_wanted ? q->collections : -1)))
                return -ENOMEM;
        return mark_withdrawn_collections(q);
}

const char *quality_id_area(const char *id, char *buf, size_t size) {
        assert(size > 0);
        buf[0] = 0;
        const char *p = id ? strchr(id, ':') : NULL;
        p = p ? strchr(p + 1, ':') : NULL;
        if (!p)
                return buf;
        p++;
        size_t n = 0;
        while (p[n] && p[n] != '_' && p[n] != ':')
                n++;
        if (n >= size)
                n = size - 1;
        for (size_t i = 0; i < n; i++)
                buf[i] = (char) toupper((unsigned char) p[i]);
        buf[n] = 0;
        return buf;
}

static bool in_list(const char *code, const char *list) {
        /* list: space-separated two- to four-letter codes */
        size_t len = strlen(code);
        if (len == 0)
                return false;
        for (const char *p = strstr(list, code); p; p = strstr(p + 1, code))
                if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == 0))
                        return true;
        return false;
}

bool quality_is_member_node(const char *code) {
        return in_list(code, "AT BE BG CH CY CZ DE EE ES EXT FI GR HU IT LT LV MT NL NO PL SE SK TR");
}

bool quality_is_non_country_area(const char *code) {
        return in_list(code, "EXT EU IARC");
}

bool quality_is_country_code(const char *code) {
        return strlen(code) == 2 &&
               in_list(code, "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR "
                             "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO "
                             "DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT "
                             "GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP "
                             "KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR "
                             "MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN "
                             "PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX "
                             "SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN "
                             "VU WF WS YE YT ZA ZM ZW UK");
}

size_t quality_check_count(void) {
        size_t n = 0;
        for (size_t f = 0; families[f]; f++)
                n += families[f]->n_checks;
        return n;
}

const QualityCheckInfo *quality_check_at(size_t i) {
        for (size_t f = 0; families[f]; f++) {
                if (i < families[f]->n_checks)
                        return &families[f]->checks[i];
                i -= families[f]->n_checks;
        }
        return NULL;
}

const QualityCheckInfo *quality_check_info(const char *id) {
        for (size_t f = 0; families[f]; f++)
                for (size_t i = 0; i < families[f]->n_checks; i++)
                        if (streq(families[f]->checks[i].id, id))
                                return &families[f]->checks[i];
        return NULL;
}

/* A family reports its own checks: they are found among its few (by the literal's address first,
 * which the linker merges with the table's, else by name) rather than among all. */
static const QualityCheckInfo *family_check_info(const QualityFamily *family, const char *id) {
        if (!family)
                return quality_check_info(id);
        for (size_t i = 0; i < family->n_checks; i++)
                if (family->checks[i].id == id)
                        return &family->checks[i];
        for (size_t i = 0; i < family->n_checks; i++)
                if (streq(family->checks[i].id, id))
                        return &family->checks[i];
        return quality_check_info(id);
}

int quality_report(QualityContext *q, const char *check_id, size_t table, const Row *row, int column,
                   const char *fmt, ...) {
        const QualityCheckInfo *info = family_check_info(q->family, check_id);
        assert(info); /* every id a family reports is in its table */
        if (info->level != SEVERITY_QUALITY_ERROR && quality_errors_only(q))
                return 0;
        const ModelTable *t = &q->d->model->tables[table];
        Location at = column >= 0 ? dataset_cell_location(row, (size_t) column) : row->origin;
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(q->findings, info->level, check_id, t->name, row->id,
                              column >= 0 ? t->columns[column].name : NULL, at.file ? &at : NULL, fmt, ap);
        va_end(ap);
        return r;
}

static bool family_has_errors(const QualityFamily *family) {
        for (size_t i = 0; i < family->n_checks; i++)
                if (family->checks[i].level == SEVERITY_QUALITY_ERROR)
                        return true;
        return false;
}

struct QualityPrepared {
        QualityContext q; /* its lookups shared by both parts; each part has its own copy */
};

QualityPrepared *quality_prepared_free(QualityPrepared *p) {
        if (p) {
                context_done(&p->q);
                free(p);
        }
        return NULL;
}

int quality_prepare(const Dataset *d, const Vocabularies *v, const QualityOptions *options, QualityPrepared **ret) {
        QualityPrepared *p = calloc(1, sizeof(QualityPrepared));
        if (!p)
                return -ENOMEM;
        p->q = (QualityContext) {
                .d = d,
                .v = v,
                .options = options,
                .persons = model_table_index(d->model, "Persons"),
                .also_known_in = model_table_index(d->model, "AlsoKnownIn"),
                .networks = model_table_index(d->model, "Networks"),
                .biobanks = model_table_index(d->model, "Biobanks"),
                .services = model_table_index(d->model, "Services"),
                .studies = model_table_index(d->model, "Studies"),
                .collections = model_table_index(d->model, "Collections"),
                .facts = model_table_index(d->model, "CollectionFacts"),
        };
        int r = context_prepare(&p->q);
        if (r < 0) {
                quality_prepared_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

size_t quality_family_count(void) {
        return ELEMENTSOF(families) - 1;
}

/* The families from the costliest down, as measured on the benchmark's node (callgrind, scale 1:
 * FactTables 89 M instructions, AccessPolicies 40 M, TextConsistency 31 M, ... the last ones
 * under 1 M): threads that take the next family in this order end at about the same time. */
static const QualityFamily *const by_cost[] = {
        &quality_family_facts,        &quality_family_access,       &quality_family_text,
        &quality_family_ids,          &quality_family_contact_reuse, &quality_family_partitioning,
        &quality_family_contacts,     &quality_family_content,      &quality_family_covid,
        &quality_family_fields,       &quality_family_cohorts,      &quality_family_member_areas,
        &quality_family_existence,    &quality_family_membership,   &quality_family_orphanet,
};

size_t quality_family_by_cost(size_t k) {
        for (size_t f = 0; k < ELEMENTSOF(by_cost) && families[f]; f++)
                if (families[f] == by_cost[k])
                        return f;
        return SIZE_MAX;
}

int quality_check_family(const QualityPrepared *p, size_t family, Findings *findings) {
        if (family >= quality_family_count())
                return -EINVAL;
        QualityContext q = p->q;
        q.findings = findings;
        if (quality_errors_only(&q) && !family_has_errors(families[family]))
                return 0;
        q.family = families[family];
        int r = families[family]->run(&q);
        return r < 0 ? r : 0;
}

int quality_check_dataset(const Dataset *d, const Vocabularies *v, const QualityOptions *options,
                          Findings *findings) {
        QualityPrepared *p = NULL;
        int r = quality_prepare(d, v, options, &p);
        for (size_t f = 0; r >= 0 && f < quality_family_count(); f++)
                r = quality_check_family(p, f, findings);
        quality_prepared_free(p);
        return r;
}
