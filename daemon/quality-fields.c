/* SPDX-License-Identifier: MIT */
/* SemiemptyFields (SE), BiobankFields (BBF) and the offline part of BiobankGeo (BG): names,
 * descriptions, juridical person, coordinates. An absent name, description, juridical person or
 * contact is the model's required rule here (error "required"): SE:*NameMissing and
 * SE:*DescMissing fire on the values the server accepts but BBMRI-ERIC counts as empty ("N/A"), and
 * BBF:JuridicalMissing and BBF:ContactMissing are merged into that error. BG's reverse geocoding
 * (BBOutsideCountry, CollOutsideCountry, *RevGeoFail) needs the network and is not run. Of CheckURLs
 * (URL) only the offline URL:BBMissing runs (their tool reports it only when its URL checks run). */
#include <ctype.h>
#include <math.h>

#include "quality-families.h"

static const QualityCheckInfo field_checks[] = {
        { "SE:BBNameMissing", SEVERITY_QUALITY_ERROR, "Biobanks", "The biobank's name is empty or N/A.",
          "Give the biobank its real name." },
        { "SE:BBDescMissing", SEVERITY_QUALITY_WARNING, "Biobanks", "The biobank's description is empty or N/A.",
          "Describe the biobank in a few sentences." },
        { "SE:BBDescPlaceholder", SEVERITY_QUALITY_WARNING, "Biobanks",
          "The biobank's description is a placeholder (to be provided, not specified, not available, ...).",
          "Replace the placeholder with a real description of the biobank." },
        { "SE:BBDescShort", SEVERITY_QUALITY_WARNING, "Biobanks", "The biobank's description has fewer than 3 words.",
          "Describe the biobank in a few sentences." },
        { "SE:CollNameMissing", SEVERITY_QUALITY_ERROR, "Collections", "The collection's name is empty or N/A.",
          "Give the collection its real name." },
        { "SE:CollDescMissing", SEVERITY_QUALITY_WARNING, "Collections", "The collection's description is empty or N/A.",
          "Describe the collection in a few sentences." },
        { "SE:CollDescPlaceholder", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's description is a placeholder (to be provided, not specified, not available, ...).",
          "Replace the placeholder with a real description of the collection." },
        { "SE:CollDescShort", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's description has fewer than 3 words.", "Describe the collection in a few sentences." },
        { "BBF:JuridicalInvalid", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank's juridical person is N/A, 'To be filled' or 'unknown'.",
          "Name the legal entity the biobank belongs to." },
        { "BG:BBLatInvalid", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank's latitude is not decimal degrees with a decimal point between -90 and 90.",
          "Write the latitude like 51.1557: digits, a point, digits, no spaces." },
        { "BG:BBLonInvalid", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank's longitude is not decimal degrees with a decimal point between -180 and 180.",
          "Write the longitude like 4.4139: digits, a point, digits, no spaces." },
        { "BG:BBCoordsMissing", SEVERITY_QUALITY_INFO, "Biobanks", "The biobank has no latitude or no longitude.",
          "Give the biobank's latitude and longitude in decimal degrees." },
        { "URL:BBMissing", SEVERITY_QUALITY_WARNING, "Biobanks", "The biobank has no web site (url).",
          "Give the biobank's url." },
        { "BG:CollLatInvalid", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection's latitude is not decimal degrees with a decimal point between -90 and 90.",
          "Write the latitude like 51.1557: digits, a point, digits, no spaces." },
        { "BG:CollLonInvalid", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection's longitude is not decimal degrees with a decimal point between -180 and 180.",
          "Write the longitude like 4.4139: digits, a point, digits, no spaces." },
};

/* ^\s*N/?A\s*$ ("NA", "N/A"; any case when caseless) or only white space */
static bool is_empty_like(const char *s, bool caseless) {
        while (isspace((unsigned char) *s))
                s++;
        char n = caseless ? (char) toupper((unsigned char) s[0]) : s[0];
        if (n == 'N') {
                const char *a = s[1] == '/' ? s + 2 : s + 1;
                if ((caseless ? toupper((unsigned char) *a) : *a) == 'A')
                        s = a + 1;
        }
        while (isspace((unsigned char) *s))
                s++;
        return *s == 0;
}

/* The whole text, trimmed and with one optional final '.', is one of the phrases (any case). */
static bool is_placeholder(const char *s) {
        static const char *const phrases[] = { "to be provided", "description not available",
                                               "description not available yet", "not specified", "not available" };
        while (isspace((unsigned char) *s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        if (n > 0 && s[n - 1] == '.')
                n--;
        for (size_t i = 0; i < ELEMENTSOF(phrases); i++)
                if (strlen(phrases[i]) == n && strncasecmp(s, phrases[i], n) == 0)
                        return true;
        return false;
}

static size_t count_words(const char *s) {
        size_t n = 0;
        bool in_word = false;
        for (; *s; s++) {
                bool space = isspace((unsigned char) *s);
                if (!space && !in_word)
                        n++;
                in_word = !space;
        }
        return n;
}

/* BBMRI-ERIC's ^-?\d+\.\d+$, and within the range (their pattern alone lets 151.5 pass) */
static bool coordinate_is_valid(const char *s, unsigned limit) {
        const char *p = s;
        unsigned whole = 0; /* the integer part, counted up to limit + 1 */
        if (*p == '-')
                p++;
        if (!isdigit((unsigned char) *p))
                return false;
        for (; isdigit((unsigned char) *p); p++)
                if (whole <= limit)
                        whole = whole * 10 + (unsigned) (*p - '0');
        if (*p != '.' || !isdigit((unsigned char) p[1]))
                return false;
        for (p++; *p; p++)
                if (!isdigit((unsigned char) *p))
                        return false;
        /* Below the limit or above it the integer part decides (strtod's rounding cannot cross an
         * integer); at the limit a tiny fraction may round to it: strtod says. */
        if (whole != limit)
                return whole < limit;
        return fabs(strtod(s, NULL)) <= (double) limit;
}

/* "unknown" as a word, any case */
static bool has_word_unknown(const char *s) {
        for (const char *p = strcasestr(s, "unknown"); p; p = strcasestr(p + 1, "unknown"))
                if ((p == s || !isalnum((unsigned char) p[-1]) || p[-1] == '_') && !isalnum((unsigned char) p[7]) &&
                    p[7] != '_')
                        return true;
        return false;
}

typedef struct FieldCodes {
        const char *name_missing, *desc_missing, *desc_placeholder, *desc_short, *lat_invalid, *lon_invalid,
                *coords_missing;
} FieldCodes;

static int check_table(QualityContext *q, int table, const FieldCodes *k) {
        const DatasetTable *dt = &q->d->tables[table];
        int name = quality_column(q, table, "name"), desc = quality_column(q, table, "description"),
            lat = quality_column(q, table, "latitude"), lon = quality_column(q, table, "longitude"),
            jur = table == q->biobanks ? quality_column(q, table, "juridical_person") : -1,
            url = table == q->biobanks ? quality_column(q, table, "url") : -1;
        for (size_t i = 0; i < dt->n_rows; i++) {
                const Row *row = dt->rows[i];
                if (quality_withdrawn(q, table, i))
                        continue;
                const char *n = quality_cell(row, name), *d = quality_cell(row, desc);
                /* The description's checks are warnings: the policy's errors-only run does without
                 * them (and their scans of every description). */
                if (quality_errors_only(q))
                        d = NULL;
                if (d && is_empty_like(d, false))
                        QUALITY_REPORT(q, k->desc_missing, (size_t) table, row, desc, "the description is '%s'", d);
                if (d && is_placeholder(d))
                        QUALITY_REPORT(q, k->desc_placeholder, (size_t) table, row, desc,
                                       "the description is a placeholder ('%.60s')", d);
                else if (d && count_words(d) < 3)
                        QUALITY_REPORT(q, k->desc_short, (size_t) table, row, desc,
                                       "the description '%.60s' has fewer than 3 words", d);
                if (n && is_empty_like(n, false))
                        QUALITY_REPORT(q, k->name_missing, (size_t) table, row, name, "the name is '%s'", n);
                const char *j = quality_cell(row, jur);
                if (j && j[strspn(j, " \t\r\n")] && (is_empty_like(j, true) || strncasecmp(j + strspn(j, " \t\r\n"), "to be filled", 12) == 0 ||
                          has_word_unknown(j)))
                        QUALITY_REPORT(q, "BBF:JuridicalInvalid", (size_t) table, row, jur,
                                       "the juridical person '%s' is a placeholder", j);
                const char *u = quality_cell(row, url);
                if (url >= 0 && (!u || !u[strspn(u, " \t\r\n")]))
                        QUALITY_REPORT(q, "URL:BBMissing", (size_t) table, row, -1, "the biobank has no url");
                const char *la = quality_cell(row, lat), *lo = quality_cell(row, lon);
                /* like theirs: the form is checked when both are given */
                if (la && lo && !is_empty_like(la, false) && !is_empty_like(lo, false)) {
                        if (!coordinate_is_valid(la, 90))
                                QUALITY_REPORT(q, k->lat_invalid, (size_t) table, row, lat,
                                               "latitude '%s' must be decimal degrees with a decimal point, between -90 and 90",
                                               la);
                        if (!coordinate_is_valid(lo, 180))
                                QUALITY_REPORT(q, k->lon_invalid, (size_t) table, row, lon,
                                               "longitude '%s' must be decimal degrees with a decimal point, between -180 and 180",
                                               lo);
                } else if (k->coords_missing)
                        QUALITY_REPORT(q, k->coords_missing, (size_t) table, row, -1,
                                       "the biobank has no latitude or no longitude");
        }
        return 0;
}

static int check_fields(QualityContext *q) {
        int r = 0;
        if (q->biobanks >= 0)
                r = check_table(q, q->biobanks,
                                &(FieldCodes) { "SE:BBNameMissing", "SE:BBDescMissing", "SE:BBDescPlaceholder",
                                                "SE:BBDescShort", "BG:BBLatInvalid", "BG:BBLonInvalid",
                                                "BG:BBCoordsMissing" });
        if (r >= 0 && q->collections >= 0)
                r = check_table(q, q->collections,
                                &(FieldCodes) { "SE:CollNameMissing", "SE:CollDescMissing", "SE:CollDescPlaceholder",
                                                "SE:CollDescShort", "BG:CollLatInvalid", "BG:CollLonInvalid", NULL });
        return r;
}

const QualityFamily quality_family_fields = {
        .name = "SemiemptyFields, BiobankFields, BiobankGeo",
        .run = check_fields,
        .checks = field_checks,
        .n_checks = ELEMENTSOF(field_checks),
};
