/* SPDX-License-Identifier: MIT */
/* ContactFields (CTF): names, e-mail and phone of contacts. CTF:EmailMissing is the model's
 * required rule here (error "required"), CTF:EmailInvalid the e-mail type rule (error
 * "EmailInvalid"); CTF:EmailUnreachable needs the network (MX look-up) and is not run. */
#include <ctype.h>

#include "quality-families.h"

static const QualityCheckInfo contact_checks[] = {
        { "CTF:FirstNameMissing", SEVERITY_QUALITY_WARNING, "Persons", "The contact has no first name.",
          "Give the contact's first_name." },
        { "CTF:LastNameMissing", SEVERITY_QUALITY_WARNING, "Persons", "The contact has no last name.",
          "Give the contact's last_name." },
        { "CTF:EmailPlaceholder", SEVERITY_QUALITY_ERROR, "Persons",
          "The contact's e-mail uses a placeholder domain (example.org, test.com, unknown.*).",
          "Replace the address with the contact's real one." },
        { "CTF:EmailCountrySuffix", SEVERITY_QUALITY_WARNING, "Persons",
          "The contact's e-mail ends in a country code that is the country of none of its biobanks.",
          "Check that the contact belongs to these biobanks, or correct the address or the biobank's country." },
        { "CTF:PhoneMissing", SEVERITY_QUALITY_WARNING, "Persons", "The contact has no phone number.",
          "Give the contact's phone as +<country code><number>." },
        { "CTF:PhoneInvalid", SEVERITY_QUALITY_ERROR, "Persons",
          "The contact's phone is not written the E.123 international way (+ and 1 to 15 digits, no spaces).",
          "Write the phone as + followed by the country code and the number, digits only." },
};

static bool is_blank(const char *s) {
        for (; s && *s; s++)
                if (!isspace((unsigned char) *s))
                        return false;
        return true;
}

/* ^\+[0-9]{1,15}$: their ^\+(?:[0-9]??){6,14}[0-9]$, whose group may match nothing */
static bool phone_is_e123(const char *s) {
        size_t n = 0;
        if (*s++ != '+')
                return false;
        for (; *s; s++, n++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return n >= 1 && n <= 15;
}

static const char *email_domain(const char *email) {
        const char *at = email ? strrchr(email, '@') : NULL;
        return at ? at + 1 : NULL;
}

/* The country code an address's domain ends in (".be" -> "BE"), upper-cased into buf; "" for
 * generic endings (.com, .org, .eu, ...) and for endings that are no country. */
static const char *email_country(const char *email, char buf[static 4]) {
        /* Of the generic endings (com, org, net, edu, gov, mil, int, info, biz, name, pro, eu) only
         * "eu" has the two letters of a country's. */
        const char *domain = email_domain(email), *dot = domain ? strrchr(domain, '.') : NULL;
        buf[0] = 0;
        if (!dot || !dot[1] || !dot[2] || dot[3] || strcaseeq(dot + 1, "eu"))
                return buf;
        buf[0] = (char) toupper((unsigned char) dot[1]);
        buf[1] = (char) toupper((unsigned char) dot[2]);
        buf[2] = 0;
        if (!quality_is_country_code(buf))
                buf[0] = 0;
        return buf;
}

/* Marks person p as linked to biobank row b (for CTF:EmailCountrySuffix): whether it has a
 * biobank of a member country at all, and whether one of them is in the address's country. */
static void link_biobank(const Row *b, int country_column, const char *suffix, bool *linked, bool *matched) {
        const char *country = quality_cell(b, country_column);
        char area[16], up[8];
        if (!country || !*country)
                return;
        size_t n = strnlen(country, sizeof up - 1); /* what snprintf() kept, without its cost */
        memcpy(up, country, n);
        up[n] = 0;
        for (char *c = up; *c; c++)
                *c = (char) toupper((unsigned char) *c);
        quality_id_area(b->id, area, sizeof area);
        /* their is_non_member_staging_area(): EXT/EU/IARC, or an area that is neither the country nor one */
        if (*area && (quality_is_non_country_area(area) || (!streq(area, up) && !quality_is_country_code(area))))
                return;
        *linked = true;
        if (streq(up, suffix))
                *matched = true;
}

static int check_country_suffix(QualityContext *q) {
        if (q->biobanks < 0)
                return 0;
        const DatasetTable *pt = &q->d->tables[q->persons];
        int email = quality_column(q, q->persons, "email"), country = quality_column(q, q->biobanks, "country");
        _cleanup_free_ bool *linked = calloc_written(pt->n_rows ?: 1, sizeof(bool));
        _cleanup_free_ bool *matched = calloc_written(pt->n_rows ?: 1, sizeof(bool));
        if (!linked || !matched)
                return -ENOMEM;
        /* a contact's biobanks: those it is the contact of, and those of the collections it is the contact of */
        const int tables[] = { q->biobanks, q->collections };
        for (size_t k = 0; k < ELEMENTSOF(tables); k++) {
                if (tables[k] < 0)
                        continue;
                const DatasetTable *dt = &q->d->tables[tables[k]];
                int contact = quality_column(q, tables[k], "contact");
                for (size_t i = 0; i < dt->n_rows; i++) {
                        const char *c = quality_cell(dt->rows[i], contact);
                        size_t p;
                        if (!c || dataset_find_position(q->d, (size_t) q->persons, c, &p) < 0)
                                continue;
                        const Row *brow = tables[k] == q->collections ? quality_biobank_of(q, i) : dt->rows[i];
                        if (!brow)
                                continue;
                        char suffix[4];
                        email_country(quality_cell(pt->rows[p], email), suffix);
                        if (*suffix)
                                link_biobank(brow, country, suffix, &linked[p], &matched[p]);
                }
        }
        for (size_t i = 0; i < pt->n_rows; i++) {
                char suffix[4];
                const char *e = quality_cell(pt->rows[i], email);
                if (linked[i] && !matched[i])
                        QUALITY_REPORT(q, "CTF:EmailCountrySuffix", (size_t) q->persons, pt->rows[i], email,
                                       "e-mail '%s' ends in the country code %s, the country of none of the contact's biobanks",
                                       e, email_country(e, suffix));
        }
        return 0;
}

static int check_contacts(QualityContext *q) {
        if (q->persons < 0)
                return 0;
        const DatasetTable *dt = &q->d->tables[q->persons];
        int first = quality_column(q, q->persons, "first_name"), last = quality_column(q, q->persons, "last_name"),
            email = quality_column(q, q->persons, "email"), phone = quality_column(q, q->persons, "phone");
        for (size_t i = 0; i < dt->n_rows; i++) {
                const Row *row = dt->rows[i];
                if (is_blank(quality_cell(row, first)))
                        QUALITY_REPORT(q, "CTF:FirstNameMissing", (size_t) q->persons, row, -1, "the contact has no first name");
                if (is_blank(quality_cell(row, last)))
                        QUALITY_REPORT(q, "CTF:LastNameMissing", (size_t) q->persons, row, -1, "the contact has no last name");
                const char *e = quality_cell(row, email), *domain = email_domain(e);
                if (domain && (strcaseeq(domain, "example.org") || strcaseeq(domain, "test.com") ||
                               strncasecmp(domain, "unknown.", 8) == 0))
                        QUALITY_REPORT(q, "CTF:EmailPlaceholder", (size_t) q->persons, row, email,
                                       "e-mail '%s' uses a placeholder domain", e);
                const char *p = quality_cell(row, phone);
                if (is_blank(p))
                        QUALITY_REPORT(q, "CTF:PhoneMissing", (size_t) q->persons, row, -1, "the contact has no phone");
                else if (!phone_is_e123(p))
                        QUALITY_REPORT(q, "CTF:PhoneInvalid", (size_t) q->persons, row, phone,
                                       "phone '%s' must be written +<country code><number>, digits only (E.123)", p);
        }
        /* a warning's, which the policy's errors-only run does without */
        return quality_errors_only(q) ? 0 : check_country_suffix(q);
}

const QualityFamily quality_family_contacts = {
        .name = "ContactFields",
        .run = check_contacts,
        .checks = contact_checks,
        .n_checks = ELEMENTSOF(contact_checks),
};
