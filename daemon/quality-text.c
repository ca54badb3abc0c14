/* SPDX-License-Identifier: MIT */
/* TextConsistency (TXT): a collection's name and description against its structured fields (age
 * range, study type, FFPE material, COVID-19 diagnoses), with BBMRI-ERIC's patterns (POSIX extended
 * regular expressions with glibc's \b; case ignored). Withdrawn collections are left out, as
 * BBMRI-ERIC's tool does. */
#include <regex.h>

#include "quality-families.h"

static const QualityCheckInfo text_checks[] = {
        { "TXT:AgeRange", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's text suggests an age group its structured age range does not match.",
          "Align age_low/age_high with the description, or reword the description if the collection is broader." },
        { "TXT:StudyType", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's text suggests a study design missing from its types.",
          "Add the type (Prospective collection, Longitudinal, Case-Control) where the text describes the design." },
        { "TXT:FFPEMaterial", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's text mentions FFPE/paraffin material but its materials lack paraffin-embedded tissue.",
          "Add Tissue (paraffin preserved) to the materials, or say in the text that only slides, sections or "
          "derived DNA/RNA are meant." },
        { "TXT:CovidDiag", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's text suggests COVID-19 or post-COVID, but its diagnoses do not.",
          "Add the COVID-19 diagnoses (U07.1, U07.2, or U09.9 for post-COVID), or reword the text." },
};

/* A list of patterns; labels, where given, name what matched in the finding. Needles: literals in
 * lower case, one of which is in every match of every pattern of the list (what a match spells
 * outside its optional and alternative parts): a text holding none of them cannot match, which a
 * substring search tells faster than the regular expression (NULL: no pre-test). */
typedef struct PatternList {
        const char *const *patterns;
        const char *const *labels;
        size_t n;
        const char *const *needles; /* NULL-terminated */
} PatternList;

#define LIST(p, needles) { (p), NULL, ELEMENTSOF(p), (needles) }
#define LABELLED(p, l, needles) { (p), (l), ELEMENTSOF(p), (needles) }
#define NEEDLES(...) ((const char *const[]) { __VA_ARGS__, NULL })

static const char *const pediatric[] = { "\\bpediatric\\b", "\\bpaediatric\\b", "\\bchildren\\b", "\\bchild\\b",
                                         "\\binfant\\b",    "\\bnewborn\\b",    "\\bneonat" };
static const char *const pediatric_labels[] = { "pediatric", "paediatric", "children", "child",
                                                "infant",    "newborn",    "neonatal" };
static const char *const adult[] = { "\\badults?\\b", "\\belderly\\b", "\\bgeriatric\\b" };
static const char *const adult_labels[] = { "adult", "elderly", "geriatric" };
static const char *const age_suppression[] = {
        "adults? and pediatric|pediatric and adults?|adults? and children|children and adults?",
        "parents?|pregnan|mother|father|caretaker|family",
        "young adults?|adolescen",
};
static const char *const longitudinal[] = { "\\blongitudinal\\b", "\\bfollow[- ]?up\\b", "\\brepeated visits?\\b" };
static const char *const longitudinal_labels[] = { "longitudinal", "follow-up", "repeated visits" };
static const char *const prospective[] = { "\\bprospective\\b" };
static const char *const prospective_labels[] = { "prospective" };
static const char *const case_control[] = { "\\bcase[- ]control\\b", "\\bcases? and controls?\\b" };
static const char *const case_control_labels[] = { "case-control", "cases and controls" };
static const char *const ffpe[] = { "\\bffpe\\b", "\\bparaffin\\b", "formalin[- ]fixed paraffin[- ]embedded" };
static const char *const ffpe_labels[] = { "FFPE", "paraffin", "formalin-fixed paraffin-embedded" };
static const char *const ffpe_storage[] = { "\\bffpe blocks?\\b", "\\bparaffin blocks?\\b", "\\bparaffin[- ]embedded\\b",
                                            "\\bparaffin(ové)? blo" };
static const char *const ffpe_negative[] = { "\\bnot available\\b", "\\bno ffpe\\b", "\\bwithout ffpe\\b",
                                             "\\bwithout paraffin\\b" };
static const char *const ffpe_indirect[] = {
        "available via access procedure", "available through access procedure", "contributing biobanks?",
        "participating biobanks?",        "available via .*biobanks?",          "available from .*biobanks?",
        "proxy for finding .*biobanks?",
};
static const char *const ffpe_slide[] = { "whole slide",          "\\bwsi\\b", "\\bslides?\\b", "\\bsections?\\b",
                                          "\\bstain(ed|ing)?\\b", "\\bihc\\b", "\\bh&e\\b" };
static const char *const ffpe_derived[] = { "isolated (dna|rna)", "(dna|rna).{0,60}from ffpe", "ffpe.{0,60}(dna|rna)",
                                            "extract(ed|ion)?.{0,60}ffpe" };
static const char *const covid_general[] = { "covid[- ]?19", "sars[- ]?cov[- ]?2", "\\bcoronavirus\\b" };
static const char *const covid_general_labels[] = { "COVID-19", "SARS-CoV-2", "Coronavirus" };
static const char *const covid_long[] = { "long[- ]covid", "post[- ]covid", "ongoing covid" };
static const char *const covid_long_labels[] = { "long COVID", "post-COVID", "ongoing COVID" };
static const char *const covid_negative[] = { "covid[- ]?19[^a-z0-9]{0,4}negative", "not detected",
                                              "negative for sars[- ]?cov[- ]?2", "seronegative" };
static const char *const covid_vaccination[] = { "vaccin", "booster", "immuni[sz]ation", "vaccinated" };
static const char *const covid_context[] = { "pandemic",  "lockdown",        "questionnaire", "survey",
                                             "school closures", "day care",  "serolog",       "seroprevalence",
                                             "antibod",   "impact on" };
static const char *const covid_acute[] = { "covid[- ]?19 patients?", "recovered patients?", "convalescent",
                                           "after covid[- ]?19 infection", "covid[- ]?19 cohort",
                                           "hospitali[sz]ed.{0,30}covid" };
static const char *const covid_acute_diagnosis[] = { "\\bU07(\\.1|\\.2)?\\b" };
static const char *const covid_long_diagnosis[] = { "\\bU09(\\.9)?\\b" };

enum {
        P_PEDIATRIC,
        P_ADULT,
        P_AGE_SUPPRESSION,
        P_LONGITUDINAL,
        P_PROSPECTIVE,
        P_CASE_CONTROL,
        P_FFPE,
        P_FFPE_STORAGE,
        P_FFPE_NEGATIVE,
        P_FFPE_INDIRECT,
        P_FFPE_SLIDE,
        P_FFPE_DERIVED,
        P_COVID_GENERAL,
        P_COVID_LONG,
        P_COVID_NEGATIVE,
        P_COVID_VACCINATION,
        P_COVID_CONTEXT,
        P_COVID_ACUTE,
        P_COVID_ACUTE_DIAGNOSIS,
        P_COVID_LONG_DIAGNOSIS,
        N_LISTS,
};
_Static_assert(N_LISTS <= 32, "Gate has a bit per list");

static const PatternList lists[N_LISTS] = {
        [P_PEDIATRIC] = LABELLED(pediatric, pediatric_labels,
                                 NEEDLES("pediatric", "paediatric", "child", "infant", "newborn", "neonat")),
        [P_ADULT] = LABELLED(adult, adult_labels, NEEDLES("adult", "elderly", "geriatric")),
        [P_AGE_SUPPRESSION] = LIST(age_suppression, NEEDLES("adult", "parent", "pregnan", "mother", "father", "caretaker",
                                                            "family", "adolescen")),
        [P_LONGITUDINAL] = LABELLED(longitudinal, longitudinal_labels, NEEDLES("longitudinal", "follow", "repeated visit")),
        [P_PROSPECTIVE] = LABELLED(prospective, prospective_labels, NEEDLES("prospective")),
        [P_CASE_CONTROL] = LABELLED(case_control, case_control_labels, NEEDLES("control")),
        [P_FFPE] = LABELLED(ffpe, ffpe_labels, NEEDLES("ffpe", "paraffin")),
        [P_FFPE_STORAGE] = LIST(ffpe_storage, NEEDLES("ffpe block", "paraffin")),
        [P_FFPE_NEGATIVE] = LIST(ffpe_negative, NEEDLES("not available", "no ffpe", "without ")),
        [P_FFPE_INDIRECT] = LIST(ffpe_indirect, NEEDLES("access procedure", "biobank")),
        [P_FFPE_SLIDE] = LIST(ffpe_slide, NEEDLES("slide", "wsi", "section", "stain", "ihc", "h&e")),
        [P_FFPE_DERIVED] = LIST(ffpe_derived, NEEDLES("isolated ", "ffpe")),
        [P_COVID_GENERAL] = LABELLED(covid_general, covid_general_labels, NEEDLES("covid", "sars", "coronavirus")),
        [P_COVID_LONG] = LABELLED(covid_long, covid_long_labels, NEEDLES("covid")),
        [P_COVID_NEGATIVE] = LIST(covid_negative, NEEDLES("negative", "not detected")),
        [P_COVID_VACCINATION] = LIST(covid_vaccination, NEEDLES("vaccin", "booster", "immuni")),
        [P_COVID_CONTEXT] = LIST(covid_context, NEEDLES("pandemic", "lockdown", "questionnaire", "survey", "school closures",
                                                        "day care", "serolog", "seroprevalence", "antibod", "impact on")),
        [P_COVID_ACUTE] = LIST(covid_acute, NEEDLES("covid", "recovered patient", "convalescent")),
        /* matched against the diagnoses, not the text */
        [P_COVID_ACUTE_DIAGNOSIS] = LIST(covid_acute_diagnosis, NULL),
        [P_COVID_LONG_DIAGNOSIS] = LIST(covid_long_diagnosis, NULL),
};

/* Each list compiled twice: as one alternation (whether any matches: one scan of the text) and
 * one by one (which one, for its label). */
typedef struct Compiled {
        regex_t any[N_LISTS];
        regex_t *each[N_LISTS];
        bool any_ok[N_LISTS];
} Compiled;

static void compiled_done(Compiled *c) {
        for (size_t l = 0; l < N_LISTS; l++) {
                if (c->any_ok[l])
                        regfree(&c->any[l]);
                for (size_t i = 0; c->each[l] && i < lists[l].n; i++)
                        regfree(&c->each[l][i]);
                free(c->each[l]);
        }
}

static int compile(Compiled *c) {
        const int flags = REG_EXTENDED | REG_ICASE | REG_NOSUB;
        for (size_t l = 0; l < N_LISTS; l++) {
                _cleanup_free_ char *joined = NULL;
                for (size_t i = 0; i < lists[l].n; i++) {
                        char *next = strdup_printf("%s%s(%s)", joined ?: "", joined ? "|" : "", lists[l].patterns[i]);
                        if (!next)
                                return -ENOMEM;
                        free(joined);
                        joined = next;
                }
                if (regcomp(&c->any[l], joined, flags) != 0)
                        return -EINVAL; /* our own patterns: a bug, caught by the tests */
                c->any_ok[l] = true;
                if (!lists[l].labels)
                        continue;
                c->each[l] = calloc(lists[l].n, sizeof(regex_t));
                if (!c->each[l])
                        return -ENOMEM;
                for (size_t i = 0; i < lists[l].n; i++)
                        if (regcomp(&c->each[l][i], lists[l].patterns[i], flags) != 0) {
                                for (size_t j = 0; j < i; j++)
                                        regfree(&c->each[l][j]);
                                free(c->each[l]);
                                c->each[l] = NULL;
                                return -EINVAL;
                        }
        }
        return 0;
}

/* Which lists a collection's text can match, by their needles, worked out on the first question.
 * Lower: the text in ASCII lower case; NULL when the text has a byte outside ASCII: the program runs
 * in the C locale, where REG_ICASE folds ASCII letters only, but the pre-test stays out of the way
 * wherever a locale could fold more. A sentence of the text has the text's gate: what the whole
 * text lacks, each sentence lacks. */
typedef struct Gate {
        const char *lower;
        uint32_t asked, may_match; /* bits by list */
        /* The pairs of adjacent letters in lower, a bit each (26 * 26), found on the first question:
         * a needle with a pair the text lacks is not in it, told without strstr() (nearly all are
         * not: a text is asked for some thirty needles). */
        bool pairs_known;
        uint64_t pairs[(26 * 26 + 63) / 64];
} Gate;

static bool is_lower_letter(char c) {
        return c >= 'a' && c <= 'z';
}

static size_t letter_pair(char a, char b) {
        return (size_t) (a - 'a') * 26 + (size_t) (b - 'a');
}

static void gate_find_pairs(Gate *g) {
        memset(g->pairs, 0, sizeof g->pairs);
        for (const char *p = g->lower; p[0] && p[1]; p++)
                if (is_lower_letter(p[0]) && is_lower_letter(p[1])) {
                        size_t k = letter_pair(p[0], p[1]);
                        g->pairs[k / 64] |= UINT64_C(1) << (k % 64);
                }
        g->pairs_known = true;
}

/* Whether the text may have needle (a lower-case literal): it has each pair of adjacent letters of
 * the needle. */
static bool gate_may_have(Gate *g, const char *needle) {
        if (!g->pairs_known)
                gate_find_pairs(g);
        for (const char *p = needle; p[0] && p[1]; p++)
                if (is_lower_letter(p[0]) && is_lower_letter(p[1])) {
                        size_t k = letter_pair(p[0], p[1]);
                        if (!(g->pairs[k / 64] & (UINT64_C(1) << (k % 64))))
                                return false;
                }
        return true;
}

/* A text the lists are matched against; gate NULL: no pre-test. */
typedef struct Text {
        const char *s;
        Gate *gate;
} Text;

static bool may_match(Gate *g, size_t l) {
        uint32_t bit = UINT32_C(1) << l;
        if (!g || !g->lower || !lists[l].needles)
                return true;
        if (!(g->asked & bit)) {
                g->asked |= bit;
                for (const char *const *n = lists[l].needles; *n; n++)
                        if (gate_may_have(g, *n) && strstr(g->lower, *n)) {
                                g->may_match |= bit;
                                break;
                        }
        }
        return g->may_match & bit;
}

static bool any_match(const Compiled *c, size_t l, const Text *t) {
        return may_match(t->gate, l) && regexec(&c->any[l], t->s, 0, NULL, 0) == 0;
}

/* The label of the first pattern of a labelled list that matches; NULL: none. */
static const char *first_match(const Compiled *c, size_t l, const Text *t) {
        if (!any_match(c, l, t))
                return NULL;
        for (size_t i = 0; i < lists[l].n; i++)
                if (regexec(&c->each[l][i], t->s, 0, NULL, 0) == 0)
                        return lists[l].labels[i];
        return NULL;
}

typedef struct TextColumns {
        int name, description, age_low, age_high, type, materials, diagnoses;
} TextColumns;

static int check_age(QualityContext *q, const Compiled *c, const TextColumns *k, const Row *row, const Text *text) {
        if (any_match(c, P_AGE_SUPPRESSION, text))
                return 0;
        const char *child = first_match(c, P_PEDIATRIC, text), *grown = first_match(c, P_ADULT, text);
        if (child && grown)
                return 0;
        long long low, high;
        bool has_low = quality_parse_int(quality_cell(row, k->age_low), &low),
             has_high = quality_parse_int(quality_cell(row, k->age_high), &high);
        if (child && (!has_high || high > 18))
                QUALITY_REPORT(q, "TXT:AgeRange", (size_t) q->collections, row, k->age_high,
                               "the text suggests a pediatric population ('%s') but age_high is %s", child,
                               quality_cell(row, k->age_high) ?: "not set");
        else if (grown && (!has_low || low < 18))
                QUALITY_REPORT(q, "TXT:AgeRange", (size_t) q->collections, row, k->age_low,
                               "the text suggests an adult or geriatric population ('%s') but age_low is %s", grown,
                               quality_cell(row, k->age_low) ?: "not set");
        return 0;
}

static int check_study(QualityContext *q, const Compiled *c, const TextColumns *k, const Row *row, const Text *text) {
        const char *types = quality_cell(row, k->type);
        const char *suggest[3], *matched[3];
        size_t n = 0;
        const char *m = first_match(c, P_LONGITUDINAL, text);
        if (m && !quality_list_has(types, "LONGITUDINAL")) {
                suggest[n] = "LONGITUDINAL";
                matched[n++] = m;
        }
        m = first_match(c, P_PROSPECTIVE, text);
        if (m && !quality_list_has(types, "PROSPECTIVE_COLLECTION") && !quality_list_has(types, "COHORT") &&
            !quality_list_has(types, "LONGITUDINAL") && !quality_list_has(types, "BIRTH_COHORT")) {
                suggest[n] = "PROSPECTIVE_COLLECTION";
                matched[n++] = m;
        }
        m = first_match(c, P_CASE_CONTROL, text);
        if (m && !quality_list_has(types, "CASE_CONTROL")) {
                suggest[n] = "CASE_CONTROL";
                matched[n++] = m;
        }
        if (n > 0)
                QUALITY_REPORT(q, "TXT:StudyType", (size_t) q->collections, row, k->type,
                               "the text suggests type(s) %s%s%s%s%s (from '%s'%s%s%s%s) missing from the types",
                               suggest[0], n > 1 ? ", " : "", n > 1 ? suggest[1] : "", n > 2 ? ", " : "",
                               n > 2 ? suggest[2] : "", matched[0], n > 1 ? ", '" : "", n > 1 ? matched[1] : "",
                               n > 2 ? "', '" : "", n > 2 ? matched[2] : "");
        return 0;
}

/* Whether every material is DNA or RNA derived from the tissue (then a mention of DNA from FFPE
 * needs no paraffin-embedded tissue). */
static bool only_derived_materials(const char *materials) {
        static const char *const derived[] = { "DNA", "RNA", "CF_DNA", "TUMOR_RNA" };
        const char *state = materials, *it;
        size_t n, count = 0;
        while (dataset_list_next(&state, &it, &n)) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(derived) && !found; i++)
                        found = strlen(derived[i]) == n && memcmp(derived[i], it, n) == 0;
                if (!found)
                        return false;
                count++;
        }
        return count > 0;
}

static bool sentence_requires_material(const Compiled *c, const Text *sentence, const char *materials) {
        if (any_match(c, P_FFPE_NEGATIVE, sentence))
                return false;
        bool storage = any_match(c, P_FFPE_STORAGE, sentence), slide = any_match(c, P_FFPE_SLIDE, sentence),
             derived = any_match(c, P_FFPE_DERIVED, sentence);
        if (any_match(c, P_FFPE_INDIRECT, sentence) && !storage)
                return false;
        if (slide && quality_list_has(materials, "TISSUE_STAINED") && !storage)
                return false;
        if (derived && only_derived_materials(materials))
                return false;
        return true;
}

static int check_ffpe(QualityContext *q, const Compiled *c, const TextColumns *k, const Row *row, char *text,
                      const Text *whole) {
        const char *materials = quality_cell(row, k->materials);
        if (quality_list_has(materials, "TISSUE_PARAFFIN_EMBEDDED") || !any_match(c, P_FFPE, whole))
                return 0;
        /* sentence by sentence: a sentence ends after '.', '!' or '?' followed by white space */
        const char *found = NULL;
        for (char *s = text; *s && !found;) {
                while (*s == ' ' || *s == '\t')
                        s++;
                char *end = s;
                while (*end && !(strchr(".!?", *end) && (end[1] == ' ' || end[1] == '\t')))
                        end++;
                char saved = *end ? end[1] : 0;
                if (*end)
                        end[1] = 0;
                const Text sentence = { .s = s, .gate = whole->gate };
                const char *m = first_match(c, P_FFPE, &sentence);
                if (m && sentence_requires_material(c, &sentence, materials))
                        found = m;
                if (!*end)
                        break;
                end[1] = saved;
                s = end + 1;
        }
        if (found)
                QUALITY_REPORT(q, "TXT:FFPEMaterial", (size_t) q->collections, row, k->materials,
                               "the text mentions '%s' but the materials lack paraffin-embedded tissue", found);
        return 0;
}

static int check_covid(QualityContext *q, const Compiled *c, const TextColumns *k, const Row *row, const Text *text) {
        const char *general = first_match(c, P_COVID_GENERAL, text), *lasting = first_match(c, P_COVID_LONG, text);
        if ((!general && !lasting) || any_match(c, P_COVID_NEGATIVE, text))
                return 0;
        const char *diagnoses = quality_cell(row, k->diagnoses) ?: "";
        const Text diagnosis_text = { .s = diagnoses };
        if (lasting) {
                if (!any_match(c, P_COVID_LONG_DIAGNOSIS, &diagnosis_text))
                        QUALITY_REPORT(q, "TXT:CovidDiag", (size_t) q->collections, row, k->diagnoses,
                                       "the text suggests post-COVID ('%s') but no diagnosis is U09.9", lasting);
                return 0;
        }
        bool acute = any_match(c, P_COVID_ACUTE, text);
        if ((any_match(c, P_COVID_VACCINATION, text) || any_match(c, P_COVID_CONTEXT, text)) && !acute)
                return 0;
        if (!any_match(c, P_COVID_ACUTE_DIAGNOSIS, &diagnosis_text))
                QUALITY_REPORT(q, "TXT:CovidDiag", (size_t) q->collections, row, k->diagnoses,
                               "the text suggests COVID-19 ('%s') but no diagnosis is U07.1 or U07.2", general);
        return 0;
}

/* Line breaks in text (of len bytes) become spaces; lower (len + 1 bytes) gets its ASCII lower-case
 * copy. Returns lower, NULL when the text has a byte outside ASCII. */
static const char *prepare_text(char *text, size_t len, char *lower) {
        bool ascii = true;
        for (size_t j = 0; j < len; j++) {
                unsigned char ch = (unsigned char) text[j];
                if (ch == '\n' || ch == '\r')
                        text[j] = ' ';
                ascii = ascii && ch < 0x80;
                lower[j] = (char) (ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : text[j]);
        }
        lower[len] = 0;
        return ascii ? lower : NULL;
}

int quality_text_lists_matching(const char *s) {
        _cleanup_free_ char *text = strdup(s), *lower = malloc(strlen(s) + 1);
        if (!text || !lower)
                return -ENOMEM;
        Gate gate = { .lower = prepare_text(text, strlen(text), lower) };
        Compiled c = {};
        int r = compile(&c), n = 0;
        for (size_t l = 0; r >= 0 && l < N_LISTS; l++) {
                bool matches = regexec(&c.any[l], text, 0, NULL, 0) == 0;
                if (matches && !may_match(&gate, l))
                        r = -EINVAL;
                n += matches;
        }
        compiled_done(&c);
        return r < 0 ? r : n;
}

static int check_text(QualityContext *q) {
        if (q->collections < 0)
                return 0;
        int t = q->collections;
        TextColumns k = {
                .name = quality_column(q, t, "name"),
                .description = quality_column(q, t, "description"),
                .age_low = quality_column(q, t, "age_low"),
                .age_high = quality_column(q, t, "age_high"),
                .type = quality_column(q, t, "type"),
                .materials = quality_column(q, t, "materials"),
                .diagnoses = quality_column(q, t, "diagnosis_available"),
        };
        Compiled c = {};
        int r = compile(&c);
        const DatasetTable *ct = &q->d->tables[t];
        /* one buffer for all rows: the text ("name description", line breaks as spaces), then its
         * lower-case copy */
        _cleanup_free_ char *buffer = NULL;
        size_t allocated = 0;
        for (size_t i = 0; r >= 0 && i < ct->n_rows; i++) {
                const Row *row = ct->rows[i];
                if (quality_withdrawn(q, t, i))
                        continue;
                const char *name = quality_cell(row, k.name) ?: "", *description = quality_cell(row, k.description) ?: "";
                size_t nn = strlen(name), nd = strlen(description), len = nn + 1 + nd;
                if (2 * (len + 1) > allocated) {
                        char *b = realloc(buffer, 2 * (len + 1));
                        if (!b) {
                                r = -ENOMEM;
                                break;
                        }
                        buffer = b;
                        allocated = 2 * (len + 1);
                }
                char *text = buffer, *lower = buffer + len + 1;
                memcpy(text, name, nn);
                text[nn] = ' ';
                memcpy(text + nn + 1, description, nd + 1);
                Gate gate = { .lower = prepare_text(text, len, lower) };
                const Text whole = { .s = text, .gate = &gate };
                if ((r = check_age(q, &c, &k, row, &whole)) < 0 || (r = check_study(q, &c, &k, row, &whole)) < 0 ||
                    (r = check_covid(q, &c, &k, row, &whole)) < 0 || (r = check_ffpe(q, &c, &k, row, text, &whole)) < 0)
                        break;
        }
        compiled_done(&c);
        return r;
}

const QualityFamily quality_family_text = {
        .name = "TextConsistency",
        .run = check_text,
        .checks = text_checks,
        .n_checks = ELEMENTSOF(text_checks),
};
