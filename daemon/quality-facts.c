/* SPDX-License-Identifier: MIT */
/* FactTables (FT) and CollectionPartitioning (CP): a collection's fact sheet against the
 * collection (aggregate rows, sizes, donors, k-anonymity, descriptors), and a parent collection's
 * totals against its direct sub-collections. Withdrawn collections are left out, as BBMRI-ERIC's
 * tool does. */
#include <ctype.h>

#include "quality-families.h"

/* Fewer donors than this (but some) in a fact row can identify people. */
#define K_ANONYMITY 10

static const QualityCheckInfo facts_checks[] = {
        { "FT:DonorsZero", SEVERITY_QUALITY_WARNING, "Collections", "The collection's fact sheet has 0 donors.",
          "Give the number of donors in the fact rows (the all-star row at least)." },
        { "FT:KAnonViolation", SEVERITY_QUALITY_WARNING, "Collections",
          "Fact rows with 1 to 9 donors violate 10-anonymity.",
          "Drop the violating fact rows unless the collection is pre-anonymised under a documented exception." },
        { "FT:CollFactsMismatch", SEVERITY_QUALITY_WARNING, "Collections",
          "The diagnoses, sexes or material types of the fact sheet and of the collection differ.",
          "Make the collection's diagnoses, sexes and materials those its fact rows name." },
        { "FT:AllStarMissing", SEVERITY_QUALITY_WARNING, "Collections",
          "The fact sheet has no single all-star row (sex, age range, sample type and disease all '*').",
          "Give the fact sheet exactly one row aggregating everything ('*' in all four dimensions)." },
        { "FT:OneStarMissing", SEVERITY_QUALITY_WARNING, "Collections",
          "The fact sheet has no all-but-one-star row (three of the four dimensions '*').",
          "Add the rows aggregating all but one dimension, one per value of that dimension." },
        { "FT:OneStarValue", SEVERITY_QUALITY_INFO, "Collections",
          "A value of a fact dimension has no all-but-one-star row of its own.",
          "Add the row with that value and '*' in the three other dimensions." },
        { "FT:AllStarSizeGap", SEVERITY_QUALITY_WARNING, "Collections",
          "The all-star row's number_of_samples is not the collection's size.",
          "Correct the all-star fact row or the collection's size." },
        { "FT:AllStarDonorGap", SEVERITY_QUALITY_WARNING, "Collections",
          "The all-star row's number_of_donors is not the collection's number_of_donors.",
          "Correct the all-star fact row or the collection's number_of_donors." },
        { "FT:SizeAboveAllStar", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's size is greater than the all-star row's number_of_samples.",
          "Check the collection's size against the all-star fact row and correct one of them." },
        { "FT:SizeBelowAllStar", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's size is smaller than the all-star row's number_of_samples.",
          "Check the collection's size against the all-star fact row and correct one of them." },
        { "FT:SizeMissing", SEVERITY_QUALITY_WARNING, "Collections",
          "A collection with a fact sheet has no size (number of samples).", "Give the collection's size." },
        { "FT:DnaMaterials", SEVERITY_QUALITY_ERROR, "Collections",
          "A collection of the BBMRI-Cohorts DNA network names no DNA-bearing material in its fact sheet.",
          "List the samples of DNA, whole blood, peripheral blood cells, buffy coat, cDNA, plasma or serum in the "
          "fact rows." },
        { "FT:DnaNavPresent", SEVERITY_QUALITY_ERROR, "Collections",
          "A collection of the BBMRI-Cohorts DNA network has fact rows of material type NAV (not available).",
          "Give the fact rows their material types." },
        { "FT:AgeUnitMismatch", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's age unit is not the one its fact sheet's age ranges imply.",
          "Check the collection's age_unit against the age ranges of its fact rows." },
        { "FT:AgeRangeMismatch", SEVERITY_QUALITY_WARNING, "Collections",
          "The fact sheet's ages reach outside the collection's age range.",
          "Widen age_low/age_high to the ages of the fact rows, or correct the fact rows." },
        { "FT:AgeRangeBroad", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's age range is broader than its fact sheet's ages.",
          "Narrow age_low/age_high to the ages of the fact rows, or add the missing fact rows." },
};

static const QualityCheckInfo partition_checks[] = {
        { "CP:SizeOver", SEVERITY_QUALITY_ERROR, "Collections",
          "The direct sub-collections' sizes add up to more than the collection's size.",
          "Correct the collection's size or those of its direct sub-collections." },
        { "CP:DonorOver", SEVERITY_QUALITY_ERROR, "Collections",
          "The direct sub-collections' numbers of donors add up to more than the collection's.",
          "Correct the collection's number_of_donors or those of its direct sub-collections." },
        { "CP:SizeUnknown", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's size cannot be checked: a direct sub-collection has no size.",
          "Give the direct sub-collections their sizes." },
        { "CP:DonorUnknown", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's number of donors cannot be checked: a direct sub-collection has none.",
          "Give the direct sub-collections their number_of_donors." },
        { "CP:FactSizeOver", SEVERITY_QUALITY_ERROR, "Collections",
          "The direct sub-collections' all-star samples add up to more than the collection's all-star samples.",
          "Correct the all-star fact rows of the collection or of its direct sub-collections." },
        { "CP:FactDonorOver", SEVERITY_QUALITY_ERROR, "Collections",
          "The direct sub-collections' all-star donors add up to more than the collection's all-star donors.",
          "Correct the all-star fact rows of the collection or of its direct sub-collections." },
        { "CP:FactSizeUnknown", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's all-star samples cannot be checked: a direct sub-collection has no all-star row with samples.",
          "Add the all-star fact rows of the direct sub-collections." },
        { "CP:FactDonorUnknown", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's all-star donors cannot be checked: a direct sub-collection has no all-star row with donors.",
          "Add the all-star fact rows of the direct sub-collections." },
};

enum { DIM_SEX, DIM_AGE, DIM_MATERIAL, DIM_DISEASE, N_DIMS };
static const char *const dim_columns[N_DIMS] = { "sex", "age_range", "sample_type", "disease" };

/* Per collection (by position), what its fact rows add up to. */
typedef struct Sheet {
        size_t first; /* first fact (index into next[]), SIZE_MAX: none */
        size_t n_facts, n_all_star, n_one_star;
        const Row *all_star; /* the all-star row when there is exactly one */
        long long samples;   /* sum of number_of_samples */
        bool donors_present; /* a row with number_of_donors > 0 */
} Sheet;

/* Per fact of a collection, what several checks read: worked out once. */
typedef struct FactNumbers {
        long long samples, donors;
        bool has_samples, has_donors;
        uint8_t stars; /* how many of the four dimensions are '*' */
} FactNumbers;

typedef struct FactsContext {
        QualityContext *q;
        int f_samples, f_donors, f_dims[N_DIMS];
        int size, donors, diagnoses, sex, materials, network, age_low, age_high, age_unit;
        Sheet *sheets;
        size_t *next; /* per fact: the next fact of the same collection, SIZE_MAX: last */
        FactNumbers *numbers; /* per fact of a collection */
        /* per collection: its first direct sub-collection and its next sibling (SIZE_MAX: none);
         * withdrawn ones are left out */
        size_t *first_child, *next_sibling;
        struct FactAge *ages; /* scratch: per fact of the sheet checked, its age bounds */
        size_t ages_allocated;
        /* age_bounds() of the cells seen last: the 400,000 fact rows of a 10x node name a dozen
         * age ranges */
        struct AgeMemo *age_memo;
} FactsContext;

static bool is_star(const char *cell) {
        return cell && cell[0] == '*' && cell[1] == 0;
}

static bool fact_int(const FactsContext *k, const Row *fact, int column, long long *ret) {
        return quality_parse_int(quality_cell(fact, column), ret);
}

/* The sheets; the partition checks read only their all-star rows, so numbers is left out for them. */
static int build_sheets(FactsContext *k, bool numbers) {
        const QualityContext *q = k->q;
        const DatasetTable *ct = &q->d->tables[q->collections], *ft = &q->d->tables[q->facts];
        k->sheets = calloc_written(ct->n_rows ?: 1, sizeof(Sheet));
        k->next = calloc_written(ft->n_rows ?: 1, sizeof(size_t));
        k->first_child = calloc_written(ct->n_rows ?: 1, sizeof(size_t));
        k->next_sibling = calloc_written(ct->n_rows ?: 1, sizeof(size_t));
        k->numbers = calloc_written(numbers && ft->n_rows ? ft->n_rows : 1, sizeof(FactNumbers));
        if (!k->sheets || !k->next || !k->first_child || !k->next_sibling || !k->numbers)
                return -ENOMEM;
        for (size_t i = 0; i < ct->n_rows; i++)
                k->sheets[i].first = k->first_child[i] = k->next_sibling[i] = SIZE_MAX;
        for (size_t i = ct->n_rows; i-- > 0;) {
                size_t p = q->parent_of[i];
                if (p != SIZE_MAX && !quality_withdrawn(q, q->collections, i)) {
                        k->next_sibling[i] = k->first_child[p];
                        k->first_child[p] = i;
                }
        }
        for (size_t i = 0; i < ft->n_rows; i++) {
                const Row *fact = ft->rows[i];
                size_t p = q->collection_of[i];
                k->next[i] = SIZE_MAX;
                if (p == SIZE_MAX)
                        continue;
                Sheet *s = &k->sheets[p];
                k->next[i] = s->first;
                s->first = i;
                s->n_facts++;
                uint8_t stars = 0;
                for (size_t d = 0; d < N_DIMS; d++)
                        stars += is_star(quality_cell(fact, k->f_dims[d]));
                if (stars == N_DIMS) {
                        s->all_star = s->n_all_star++ == 0 ? fact : NULL;
                } else if (stars == N_DIMS - 1)
                        s->n_one_star++;
                if (!numbers)
                        continue;
                FactNumbers *x = &k->numbers[i];
                x->stars = stars;
                x->has_samples = fact_int(k, fact, k->f_samples, &x->samples);
                x->has_donors = fact_int(k, fact, k->f_donors, &x->donors);
                if (x->has_samples)
                        s->samples += x->samples;
                if (x->has_donors && x->donors > 0)
                        s->donors_present = true;
        }
        return 0;
}

/* The distinct values of one fact dimension in one collection's sheet, and whether each has its
 * all-but-one-star row. */
typedef struct ValueSet {
        const char **values;
        size_t *lengths; /* each value's, for the comparisons with a collection's list items */
        bool *covered;
        size_t n, allocated;
} ValueSet;

static void value_set_done(ValueSet *v) {
        free(v->values);
        free(v->lengths);
        free(v->covered);
}

static ssize_t value_set_find(const ValueSet *v, const char *value) {
        for (size_t i = 0; i < v->n; i++)
                if (v->values[i] == value || streq(v->values[i], value))
                        return (ssize_t) i;
        return -1;
}

static int value_set_add(ValueSet *v, const char *value, bool covered) {
        ssize_t at = value_set_find(v, value);
        if (at < 0) {
                if (v->n == v->allocated) {
                        size_t n = v->allocated ? v->allocated * 2 : 16;
                        const char **values = reallocarray(v->values, n, sizeof(char *));
                        if (!values)
                                return -ENOMEM;
                        v->values = values;
                        size_t *lengths = reallocarray(v->lengths, n, sizeof(size_t));
                        if (!lengths)
                                return -ENOMEM;
                        v->lengths = lengths;
                        bool *c = reallocarray(v->covered, n, sizeof(bool));
                        if (!c)
                                return -ENOMEM;
                        v->covered = c;
                        v->allocated = n;
                }
                v->values[v->n] = value;
                v->lengths[v->n] = strlen(value);
                v->covered[v->n] = false;
                at = (ssize_t) v->n++;
        }
        v->covered[at] |= covered;
        return 0;
}

/* Whether the set of fact values (NAV left out where the caller says) is the list cell's set of
 * items (ranges left out where the caller says). */
static bool same_values(const ValueSet *facts, const char *cell, bool skip_ranges) {
        for (size_t i = 0; i < facts->n; i++)
                if (!quality_list_has_n(cell, facts->values[i], facts->lengths[i]))
                        return false;
        const char *state = cell, *it;
        size_t n;
        while (dataset_list_next(&state, &it, &n)) {
                if (skip_ranges && memchr(it, '-', n))
                        continue;
                bool found = false;
                for (size_t i = 0; i < facts->n && !found; i++)
                        found = facts->lengths[i] == n && memcmp(facts->values[i], it, n) == 0;
                if (!found)
                        return false;
        }
        return true;
}

static const char *const dna_materials[] = { "DNA", "WHOLE_BLOOD", "PERIPHERAL_BLOOD_CELLS", "BUFFY_COAT", "CDNA",
                                             "PLASMA", "SERUM", NULL };

static int check_descriptors(FactsContext *k, const Row *row, const Sheet *s, ValueSet sets[N_DIMS]) {
        QualityContext *q = k->q;
        size_t t = (size_t) q->collections;
        const DatasetTable *ft = &q->d->tables[q->facts];
        int r;
        for (size_t d = 0; d < N_DIMS; d++)
                sets[d].n = 0;
        for (size_t i = s->first; i != SIZE_MAX; i = k->next[i]) {
                const Row *fact = ft->rows[i];
                bool one_star = k->numbers[i].stars == N_DIMS - 1;
                for (size_t d = 0; d < N_DIMS; d++) {
                        const char *v = quality_cell(fact, k->f_dims[d]);
                        if (v && !is_star(v) && (r = value_set_add(&sets[d], v, one_star)) < 0)
                                return r;
                }
        }
        /* Descriptors: the fact sheet's values are the collection's. Materials: NAV counts only
         * when it is all the sheet names and the collection lists none. */
        if (sets[DIM_DISEASE].n > 0 && !same_values(&sets[DIM_DISEASE], quality_cell(row, k->diagnoses), true))
                QUALITY_REPORT(q, "FT:CollFactsMismatch", t, row, k->diagnoses,
                               "the diagnoses of the collection and of its fact sheet differ");
        if (sets[DIM_SEX].n > 0 && !same_values(&sets[DIM_SEX], quality_cell(row, k->sex), false))
                QUALITY_REPORT(q, "FT:CollFactsMismatch", t, row, k->sex,
                               "the sexes of the collection and of its fact sheet differ");
        ValueSet *m = &sets[DIM_MATERIAL];
        bool nav = false, dna = false;
        ValueSet effective = *m;
        ssize_t nav_at = value_set_find(m, "NAV");
        if (nav_at >= 0) {
                nav = true;
                /* move NAV to the end and leave it out */
                const char *last = m->values[m->n - 1];
                size_t last_length = m->lengths[m->n - 1];
                bool last_covered = m->covered[m->n - 1];
                m->values[m->n - 1] = m->values[nav_at];
                m->lengths[m->n - 1] = m->lengths[nav_at];
                m->covered[m->n - 1] = m->covered[nav_at];
                m->values[nav_at] = last;
                m->lengths[nav_at] = last_length;
                m->covered[nav_at] = last_covered;
                effective.n = m->n - 1;
        }
        const char *mats = quality_cell(row, k->materials);
        if (effective.n == 0 && nav && !mats)
                effective.n = m->n; /* just NAV */
        if (effective.n > 0 && !same_values(&effective, mats, false))
                QUALITY_REPORT(q, "FT:CollFactsMismatch", t, row, k->materials,
                               "the material types of the collection and of its fact sheet differ");
        if (quality_list_has(quality_cell(row, k->network), QUALITY_COHORTS_DNA_NETWORK)) {
                for (size_t i = 0; i < effective.n && !dna; i++)
                        for (const char *const *d = dna_materials; *d && !dna; d++)
                                dna = streq(effective.values[i], *d);
                if (!dna)
                        QUALITY_REPORT(q, "FT:DnaMaterials", t, row, k->network,
                                       "the collection is in BBMRI-Cohorts DNA but its fact sheet names no DNA, "
                                       "whole blood, peripheral blood cells, buffy coat, cDNA, plasma or serum");
                if (nav)
                        QUALITY_REPORT(q, "FT:DnaNavPresent", t, row, k->network,
                                       "the collection is in BBMRI-Cohorts DNA but fact rows have material type NAV");
        }
        if (s->n_one_star > 0)
                for (size_t d = 0; d < N_DIMS; d++)
                        for (size_t i = 0; i < sets[d].n; i++)
                                if (!sets[d].covered[i])
                                        QUALITY_REPORT(q, "FT:OneStarValue", t, row, -1,
                                                       "no all-but-one-star fact row for %s '%s'", dim_columns[d],
                                                       sets[d].values[i]);
        return 0;
}


/* BBMRI-ERIC's reading of the Directory's AgeRanges labels (DirectoryOntologies), in years unless
 * said otherwise; high < 0: open-ended. */
static const struct {
        const char *label;
        long long low, high;
        const char *unit;
} age_labels[] = {
        { "Newborn", 0, 1, "MONTH" },       { "Infant", 2, 23, "MONTH" },         { "Child", 2, 12, "YEAR" },
        { "Adolescent", 13, 17, "YEAR" },   { "Young Adult", 18, 24, "YEAR" },    { "Adult", 25, 44, "YEAR" },
        { "Middle-aged", 45, 64, "YEAR" },  { "Aged (65-79 years)", 65, 79, "YEAR" },
        { "Aged (>80 years)", 80, -1, "YEAR" },
};
/* Label rows with this much support make label rows with none (0 samples, 0 donors) outliers. */
#define AGE_LABEL_HIGH_SUPPORT 5

typedef struct AgeBounds {
        bool known, label;
        long long low, high; /* high < 0: open-ended */
        const char *unit;
} AgeBounds;

static const char *age_unit_in(const char *s) {
        if (strcasestr(s, "day"))
                return "DAY";
        if (strcasestr(s, "week"))
                return "WEEK";
        if (strcasestr(s, "month"))
                return "MONTH";
        if (strcasestr(s, "year"))
                return "YEAR";
        return NULL;
}

/* An age range term read as BBMRI-ERIC reads it: a known label, "N-M" or ">N" (unit from the
 * text, years by default). */
static AgeBounds age_bounds(const char *range) {
        AgeBounds b = {};
        if (!range || streq(range, "*") || streq(range, "Unknown") || streq(range, "Undefined"))
                return b;
        /* the first letter rules most labels out */
        for (size_t i = 0; i < ELEMENTSOF(age_labels); i++)
                if (tolower((unsigned char) range[0]) == tolower((unsigned char) age_labels[i].label[0]) &&
                    strcaseeq(range, age_labels[i].label))
                        return (AgeBounds) { true, true, age_labels[i].low, age_labels[i].high, age_labels[i].unit };
        const char *unit = age_unit_in(range) ?: "YEAR";
        for (const char *p = range; *p; p++) {
                if (!isdigit((unsigned char) *p))
                        continue;
                char *end;
                long long low = strtoll(p, &end, 10);
                const char *q = end;
                while (*q == ' ')
                        q++;
                if (*q == '-') {
                        q++;
                        while (*q == ' ')
                                q++;
                        if (isdigit((unsigned char) *q))
                                return (AgeBounds) { true, false, low, strtoll(q, NULL, 10), unit };
                }
                p = end - 1;
        }
        const char *gt = strchr(range, '>');
        if (gt) {
                gt++;
                while (*gt == ' ')
                        gt++;
                if (isdigit((unsigned char) *gt))
                        return (AgeBounds) { true, false, strtoll(gt, NULL, 10), -1, unit };
        }
        return b;
}

#define AGE_MEMO_SLOTS 64u
typedef struct AgeMemo {
        const char *cell;
        AgeBounds bounds;
} AgeMemo;

static AgeBounds fact_age_bounds(FactsContext *k, const char *cell) {
        if (!cell || !k->age_memo)
                return age_bounds(cell);
        /* By the cell's address first (equal short cells are mostly one copy), then by its text (its
         * length and first letters: not always). */
        AgeMemo *m = &k->age_memo[((uintptr_t) cell >> 4) & (AGE_MEMO_SLOTS - 1)];
        if (m->cell == cell)
                return m->bounds;
        size_t n = strlen(cell);
        AgeMemo *t = &k->age_memo[AGE_MEMO_SLOTS + ((n * 31 + (unsigned char) cell[0] * 7 +
                                                     (n > 1 ? (unsigned char) cell[1] : 0)) & (AGE_MEMO_SLOTS - 1))];
        if (!t->cell || !streq(t->cell, cell))
                *t = (AgeMemo) { cell, age_bounds(cell) };
        *m = (AgeMemo) { cell, t->bounds };
        return m->bounds;
}

/* The evidence of a fact row (by position): the larger of its donors and samples; -1 when it gives
 * neither. */
static long long fact_support(const FactsContext *k, size_t fact) {
        const FactNumbers *x = &k->numbers[fact];
        long long support = x->has_donors ? x->donors : -1;
        if (x->has_samples && x->samples > support)
                support = x->samples;
        return support;
}

/* A fact row's age bounds, and its support where the bounds are a label's. */
typedef struct FactAge {
        AgeBounds bounds;
        long long support;
} FactAge;

static int check_fact_ages(FactsContext *k, const Row *row, const Sheet *s) {
        QualityContext *q = k->q;
        const DatasetTable *ft = &q->d->tables[q->facts];
        const char *unit = quality_cell(row, k->age_unit);
        if (!unit)
                return 0;
        if (s->n_facts > k->ages_allocated) {
                FactAge *a = reallocarray(k->ages, s->n_facts, sizeof(FactAge));
                if (!a)
                        return -ENOMEM;
                k->ages = a;
                k->ages_allocated = s->n_facts;
        }
        FactAge *ages = k->ages;
        bool high_support = false;
        size_t n = 0;
        for (size_t i = s->first; i != SIZE_MAX; i = k->next[i], n++) {
                AgeBounds b = fact_age_bounds(k, quality_cell(ft->rows[i], k->f_dims[DIM_AGE]));
                long long support = b.known && b.label ? fact_support(k, i) : -1;
                ages[n] = (FactAge) { b, support };
                high_support |= b.known && b.label && support >= AGE_LABEL_HIGH_SUPPORT;
        }
        long long low = 0, high = 0;
        bool any = false, has_low = false, open = false, has_high = false;
        const char *derived_unit = NULL;
        for (size_t j = 0; j < n; j++) {
                AgeBounds b = ages[j].bounds;
                if (!b.known)
                        continue;
                if (b.label && high_support && ages[j].support == 0)
                        continue; /* a label row without support among well-supported ones */
                if (derived_unit && !streq(derived_unit, b.unit))
                        return 0; /* mixed units: nothing can be derived */
                derived_unit = b.unit;
                any = true;
                if (!has_low || b.low < low)
                        low = b.low;
                has_low = true;
                if (b.high < 0)
                        open = true;
                else if (!has_high || b.high > high) {
                        high = b.high;
                        has_high = true;
                }
        }
        if (!any)
                return 0;
        size_t t = (size_t) q->collections;
        if (!streq(derived_unit, unit)) {
                QUALITY_REPORT(q, "FT:AgeUnitMismatch", t, row, k->age_unit,
                               "the collection's age unit is %s, its fact sheet's age ranges are in %s", unit, derived_unit);
                return 0;
        }
        long long cl, ch;
        if (!quality_parse_int(quality_cell(row, k->age_low), &cl) || !quality_parse_int(quality_cell(row, k->age_high), &ch))
                return 0;
        bool high_known = has_high && !open;
        if (low < cl || (high_known && high > ch))
                QUALITY_REPORT(q, "FT:AgeRangeMismatch", t, row, k->age_low,
                               "the fact sheet's ages (%lld to %s%lld %s) reach outside the collection's %lld to %lld",
                               low, high_known ? "" : "over ", high_known ? high : low, unit, cl, ch);
        if (!(cl < low || (high_known && ch > high)))
                return 0;
        /* On most collections of a big node: built without vsnprintf(), as it would write it. */
        char buf[256];
        TextBuf m = textbuf_init(buf, sizeof buf);
        textbuf_add(&m, "the collection's ages ");
        textbuf_add_int(&m, cl);
        textbuf_add(&m, " to ");
        textbuf_add_int(&m, ch);
        textbuf_add(&m, " are broader than its fact sheet's (");
        textbuf_add_int(&m, low);
        textbuf_add(&m, high_known ? " to " : " to over ");
        textbuf_add_int(&m, high_known ? high : low);
        textbuf_add(&m, " ");
        textbuf_add(&m, unit);
        textbuf_add(&m, ")");
        if (m.ok)
                QUALITY_REPORT(q, "FT:AgeRangeBroad", t, row, k->age_low, "%s", m.s);
        else
                QUALITY_REPORT(q, "FT:AgeRangeBroad", t, row, k->age_low,
                               "the collection's ages %lld to %lld are broader than its fact sheet's (%lld to %s%lld %s)",
                               cl, ch, low, high_known ? "" : "over ", high_known ? high : low, unit);
        return 0;
}

static int check_sheet(FactsContext *k, const Row *row, const Sheet *s, ValueSet sets[N_DIMS]) {
        QualityContext *q = k->q;
        size_t t = (size_t) q->collections;
        const DatasetTable *ft = &q->d->tables[q->facts];
        if (s->n_facts == 0 || (s->samples <= 0 && !s->donors_present))
                return 0; /* BBMRI-ERIC's tool looks only at a populated fact sheet */
        /* Its only errors are the DNA network's, found among the descriptors. */
        if (quality_errors_only(q))
                return quality_list_has(quality_cell(row, k->network), QUALITY_COHORTS_DNA_NETWORK) ?
                               check_descriptors(k, row, s, sets) :
                               0;
        long long star_samples = 0, star_donors = 0, size = 0, donors = 0;
        bool has_star_samples = s->all_star && fact_int(k, s->all_star, k->f_samples, &star_samples),
             has_star_donors = s->all_star && fact_int(k, s->all_star, k->f_donors, &star_donors),
             has_size = quality_parse_int(quality_cell(row, k->size), &size),
             has_donors = quality_parse_int(quality_cell(row, k->donors), &donors);
        if ((has_star_donors && star_donors == 0) || (!has_star_donors && !s->donors_present))
                QUALITY_REPORT(q, "FT:DonorsZero", t, row, -1, "the fact sheet has 0 donors");
        else {
                size_t n = 0;
                const char *first = NULL;
                for (size_t i = s->first; i != SIZE_MAX; i = k->next[i]) {
                        long long d = k->numbers[i].donors;
                        if (k->numbers[i].has_donors && d > 0 && d < K_ANONYMITY) {
                                n++;
                                first = ft->rows[i]->id;
                        }
                }
                if (n > 0)
                        QUALITY_REPORT(q, "FT:KAnonViolation", t, row, -1,
                                       "%zu fact row(s) with 1 to %d donors violate %d-anonymity (e.g. '%s')", n,
                                       K_ANONYMITY - 1, K_ANONYMITY, first);
        }
        int r = check_descriptors(k, row, s, sets);
        if (r < 0 || (r = check_fact_ages(k, row, s)) < 0)
                return r;
        if (s->n_all_star == 0) /* the usual case, as fixed text */
                QUALITY_REPORT(q, "FT:AllStarMissing", t, row, -1, "expected exactly one all-star fact row, found 0");
        else if (s->n_all_star != 1)
                QUALITY_REPORT(q, "FT:AllStarMissing", t, row, -1, "expected exactly one all-star fact row, found %zu",
                               s->n_all_star);
        if (s->n_one_star == 0)
                QUALITY_REPORT(q, "FT:OneStarMissing", t, row, -1, "the fact sheet has no all-but-one-star row");
        if (has_size && has_star_samples && size != star_samples)
                QUALITY_REPORT(q, "FT:AllStarSizeGap", t, row, k->size,
                               "the all-star row has %lld samples, the collection's size is %lld", star_samples, size);
        if (has_donors && has_star_donors && donors != star_donors)
                QUALITY_REPORT(q, "FT:AllStarDonorGap", t, row, k->donors,
                               "the all-star row has %lld donors, the collection's number_of_donors is %lld",
                               star_donors, donors);
        if (!has_size)
                QUALITY_REPORT(q, "FT:SizeMissing", t, row, k->size, "the collection has a fact sheet but no size");
        else if (has_star_samples && star_samples < size)
                QUALITY_REPORT(q, "FT:SizeAboveAllStar", t, row, k->size,
                               "the collection's size %lld is greater than the all-star row's %lld samples", size,
                               star_samples);
        else if (has_star_samples && star_samples > size)
                QUALITY_REPORT(q, "FT:SizeBelowAllStar", t, row, k->size,
                               "the collection's size %lld is smaller than the all-star row's %lld samples", size,
                               star_samples);
        return 0;
}

/* One of the four partition checks: a parent's value against the sum of its direct children's. */
typedef struct Partition {
        const char *over, *unknown, *what;
        int column; /* the parent's column the finding names */
} Partition;

static int check_partition(FactsContext *k, size_t parent, const Partition *p,
                           bool (*value)(const FactsContext *k, size_t collection, long long *ret)) {
        QualityContext *q = k->q;
        const DatasetTable *ct = &q->d->tables[q->collections];
        long long total, sum = 0, v;
        size_t unknown = 0;
        if (!value(k, parent, &total))
                return 0;
        if (k->first_child[parent] == SIZE_MAX)
                return 0;
        for (size_t i = k->first_child[parent]; i != SIZE_MAX; i = k->next_sibling[i]) {
                if (value(k, i, &v))
                        sum += v;
                else
                        unknown++;
        }
        const Row *row = ct->rows[parent];
        if (sum > total)
                QUALITY_REPORT(q, p->over, (size_t) q->collections, row, p->column,
                               "the direct sub-collections add up to %lld %s, more than the collection's %lld", sum,
                               p->what, total);
        else if (unknown > 0)
                QUALITY_REPORT(q, p->unknown, (size_t) q->collections, row, p->column,
                               "%zu direct sub-collection(s) give no %s: the collection's %lld cannot be checked",
                               unknown, p->what, total);
        return 0;
}

static bool size_of(const FactsContext *k, size_t c, long long *ret) {
        return quality_parse_int(quality_cell(k->q->d->tables[k->q->collections].rows[c], k->size), ret);
}
static bool donors_of(const FactsContext *k, size_t c, long long *ret) {
        return quality_parse_int(quality_cell(k->q->d->tables[k->q->collections].rows[c], k->donors), ret);
}
static bool star_samples_of(const FactsContext *k, size_t c, long long *ret) {
        return k->sheets[c].all_star && fact_int(k, k->sheets[c].all_star, k->f_samples, ret);
}
static bool star_donors_of(const FactsContext *k, size_t c, long long *ret) {
        return k->sheets[c].all_star && fact_int(k, k->sheets[c].all_star, k->f_donors, ret);
}

/* Whether a collection the tool looks at has a direct sub-collection it looks at: the partition
 * checks have nothing to say without one. */
static bool any_sub_collection(const QualityContext *q) {
        for (size_t i = 0; i < q->d->tables[q->collections].n_rows; i++)
                if (q->parent_of[i] != SIZE_MAX && !quality_withdrawn(q, q->collections, i))
                        return true;
        return false;
}

/* Whether a collection the tool looks at is in the BBMRI-Cohorts DNA network: the fact sheets'
 * only errors are its collections'. */
static bool any_dna_cohort(const QualityContext *q, int network) {
        const DatasetTable *ct = &q->d->tables[q->collections];
        for (size_t i = 0; i < ct->n_rows; i++)
                if (!quality_withdrawn(q, q->collections, i) &&
                    quality_list_has(quality_cell(ct->rows[i], network), QUALITY_COHORTS_DNA_NETWORK))
                        return true;
        return false;
}

static int run_facts(QualityContext *q, bool facts, bool partition) {
        if (q->collections < 0 || q->facts < 0)
                return 0;
        int c = q->collections;
        /* Nothing to report: no sheets worked out for 400,000 fact rows. */
        if (!facts && !any_sub_collection(q))
                return 0;
        if (!partition && quality_errors_only(q) && !any_dna_cohort(q, quality_column(q, c, "network")))
                return 0;
        FactsContext k = {
                .q = q,
                .f_samples = quality_column(q, q->facts, "number_of_samples"),
                .f_donors = quality_column(q, q->facts, "number_of_donors"),
                .size = quality_column(q, c, "size"),
                .donors = quality_column(q, c, "number_of_donors"),
                .diagnoses = quality_column(q, c, "diagnosis_available"),
                .sex = quality_column(q, c, "sex"),
                .materials = quality_column(q, c, "materials"),
                .network = quality_column(q, c, "network"),
                .age_low = quality_column(q, c, "age_low"),
                .age_high = quality_column(q, c, "age_high"),
                .age_unit = quality_column(q, c, "age_unit"),
        };
        for (size_t d = 0; d < N_DIMS; d++)
                k.f_dims[d] = quality_column(q, q->facts, dim_columns[d]);
        ValueSet sets[N_DIMS] = {};
        int r = build_sheets(&k, facts);
        if (r >= 0 && facts && !(k.age_memo = calloc(2 * AGE_MEMO_SLOTS, sizeof(AgeMemo))))
                r = -ENOMEM;
        const DatasetTable *ct = &q->d->tables[c];
        for (size_t i = 0; r >= 0 && i < ct->n_rows; i++) {
                const Row *row = ct->rows[i];
                if (quality_withdrawn(q, c, i))
                        continue;
                if (facts)
                        r = check_sheet(&k, row, &k.sheets[i], sets);
                if (partition && r >= 0)
                        r = check_partition(&k, i, &(Partition) { "CP:SizeOver", "CP:SizeUnknown", "samples", k.size },
                                            size_of);
                if (partition && r >= 0)
                        r = check_partition(&k, i, &(Partition) { "CP:DonorOver", "CP:DonorUnknown", "donors", k.donors },
                                            donors_of);
                if (partition && r >= 0)
                        r = check_partition(&k, i,
                                            &(Partition) { "CP:FactSizeOver", "CP:FactSizeUnknown", "all-star samples", -1 },
                                            star_samples_of);
                if (partition && r >= 0)
                        r = check_partition(&k, i,
                                            &(Partition) { "CP:FactDonorOver", "CP:FactDonorUnknown", "all-star donors", -1 },
                                            star_donors_of);
        }
        for (size_t d = 0; d < N_DIMS; d++)
                value_set_done(&sets[d]);
        free(k.sheets);
        free(k.next);
        free(k.numbers);
        free(k.first_child);
        free(k.next_sibling);
        free(k.ages);
        free(k.age_memo);
        return r;
}

static int check_facts(QualityContext *q) {
        return run_facts(q, true, false);
}

static int check_partitioning(QualityContext *q) {
        return run_facts(q, false, true);
}

const QualityFamily quality_family_facts = {
        .name = "FactTables",
        .run = check_facts,
        .checks = facts_checks,
        .n_checks = ELEMENTSOF(facts_checks),
};

const QualityFamily quality_family_partitioning = {
        .name = "CollectionPartitioning",
        .run = check_partitioning,
        .checks = partition_checks,
        .n_checks = ELEMENTSOF(partition_checks),
};
