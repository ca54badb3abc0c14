/* SPDX-License-Identifier: MIT */
/* ContactAssignments (CTA) and ContactReuse (CTR): a contact that collections of several biobanks
 * use. Evidence that it belongs to one institution (it is one biobank's own contact, its e-mail
 * domain or its address is one biobank's contact's) makes the reuse suspicious (CTA warnings);
 * without such evidence the reuse is only shown (CTR info). Institutions are told apart as
 * BBMRI-ERIC's tool does: two biobanks are one institution when their contacts share an
 * institutional e-mail domain or an address. */
#include "quality-families.h"

static const QualityCheckInfo reuse_checks[] = {
        { "CTA:CrossBiobankInstitutionContact", SEVERITY_QUALITY_WARNING, "Persons",
          "Collections of more than one biobank use the contact, although its e-mail domain, its address or its role as a biobank's contact ties it to one biobank.",
          "Check whether the reuse is intended; if the contact belongs to one biobank, give the other biobanks' collections their own contact." },
        { "CTA:CollectionForeignInstitutionContact", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's contact is tied to another biobank (its e-mail domain, its address or its role as that biobank's contact) and collections of other biobanks use it too.",
          "Give the collection a contact of its own biobank, unless the collaboration across biobanks is intended." },
        { "CTR:CrossBiobankReuse", SEVERITY_QUALITY_INFO, "Persons",
          "Collections of more than one biobank (of different institutions) use the contact.",
          "Nothing to do if the contact is shared on purpose; otherwise give each biobank's collections their own contact." },
};

/* Their list of public mail providers: a domain of these says nothing about the institution. */
static bool is_public_mail_domain(const char *domain) {
        static const char *const public_domains[] = {
                "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",   "msn.com",
                "yahoo.com", "yahoo.co.uk",    "icloud.com",  "me.com",      "mac.com",    "aol.com",
                "proton.me", "protonmail.com", "pm.me",       "gmx.com",     "gmx.de",     "web.de",
        };
        for (size_t i = 0; i < ELEMENTSOF(public_domains); i++)
                if (streq(domain, public_domains[i]))
                        return true;
        return false;
}

/* Owner tables: a key (domain, address) to the one biobank position whose contact has it + 1, or
 * SEVERAL_OWNERS. */
#define SEVERAL_OWNERS ((void *) UINTPTR_MAX)

typedef struct Reuse {
        QualityContext *q;
        Arena arena;
        int email, address, zip, city, country, collection_biobank, collection_contact;
        /* per person: its e-mail domain (lower case, "" without one) and address key ("" without one) */
        const char **person_domain, **person_address;
        /* per biobank: its own contact's institutional domain and address key ("" when none) */
        const char **biobank_domain, **biobank_address;
        StrMap *domain_owner, *address_owner;
        /* per person: how many biobanks have it as their own contact, and the first two of them */
        size_t *n_main, (*main)[2];
        /* (person, biobank id) per collection that uses the person, sorted; per person its range */
        struct Use {
                size_t person;
                const char *biobank;
        } *uses;
        size_t n_uses, *use_start, *use_end;
} Reuse;

static void reuse_done(Reuse *r) {
        arena_done(&r->arena);
        free(r->person_domain);
        free(r->person_address);
        free(r->biobank_domain);
        free(r->biobank_address);
        strmap_free(r->domain_owner);
        strmap_free(r->address_owner);
        free(r->n_main);
        free(r->main);
        free(r->uses);
        free(r->use_start);
        free(r->use_end);
}

static const char *email_domain(Arena *a, const char *email) {
        const char *at = email ? strrchr(email, '@') : NULL;
        return quality_normalize_text(a, at ? at + 1 : NULL);
}

/* Their address key: the street with a locality (zip, else city, else country) and the country;
 * "" without a street or without any locality (a city alone says too little). */
static const char *address_key(Reuse *r, const Row *person) {
        const char *street = quality_normalize_text(&r->arena, quality_cell(person, r->address)),
                   *zip = quality_normalize_text(&r->arena, quality_cell(person, r->zip)),
                   *city = quality_normalize_text(&r->arena, quality_cell(person, r->city)),
                   *country = quality_normalize_text(&r->arena, quality_cell(person, r->country));
        if (!street || !zip || !city || !country)
                return NULL;
        const char *locality = *zip ? zip : *city ? city : country;
        if (!*street || !*locality)
                return "";
        size_t n = strlen(street) + strlen(locality) + strlen(country) + 3;
        char *key = arena_alloc(&r->arena, n);
        if (key)
                snprintf(key, n, "%s|%s|%s", street, locality, country);
        return key;
}

static int add_owner(StrMap *m, const char *key, size_t biobank) {
        if (!*key)
                return 0;
        int k = strmap_put(m, key, (void *) (uintptr_t) (biobank + 1));
        if (k == -EEXIST)
                k = strmap_replace(m, key, SEVERAL_OWNERS);
        return k < 0 ? k : 0;
}

/* The one biobank (position) whose own contact has key, or -1. */
static ssize_t single_owner(const StrMap *m, const char *key) {
        void *v = *key ? strmap_get(m, key) : NULL;
        return v && v != SEVERAL_OWNERS ? (ssize_t) ((uintptr_t) v - 1) : -1;
}

static const char *biobank_id(const Reuse *r, size_t biobank) {
        return r->q->d->tables[r->q->biobanks].rows[biobank]->id;
}

static int compare_uses(const void *a, const void *b) {
        const struct Use *x = a, *y = b;
        if (x->person != y->person)
                return x->person < y->person ? -1 : 1;
        return strcmp(x->biobank, y->biobank);
}

static int reuse_build(Reuse *r) {
        QualityContext *q = r->q;
        const DatasetTable *pt = &q->d->tables[q->persons], *bt = &q->d->tables[q->biobanks],
                           *ct = &q->d->tables[q->collections];
        size_t np = pt->n_rows ?: 1, nb = bt->n_rows ?: 1;
        r->email = quality_column(q, q->persons, "email");
        r->address = quality_column(q, q->persons, "address");
        r->zip = quality_column(q, q->persons, "zip");
        r->city = quality_column(q, q->persons, "city");
        r->country = quality_column(q, q->persons, "country");
        r->collection_biobank = quality_column(q, q->collections, "biobank");
        r->collection_contact = quality_column(q, q->collections, "contact");
        r->person_domain = calloc_written(np, sizeof(char *));
        r->person_address = calloc_written(np, sizeof(char *));
        r->biobank_domain = calloc_written(nb, sizeof(char *));
        r->biobank_address = calloc_written(nb, sizeof(char *));
        r->n_main = calloc_written(np, sizeof(size_t));
        r->main = calloc_written(np, sizeof(*r->main));
        r->use_start = calloc_written(np, sizeof(size_t));
        r->use_end = calloc_written(np, sizeof(size_t));
        r->uses = calloc_written(ct->n_rows ?: 1, sizeof(struct Use));
        r->domain_owner = strmap_new();
        r->address_owner = strmap_new();
        if (!r->person_domain || !r->person_address || !r->biobank_domain || !r->biobank_address || !r->n_main ||
            !r->main || !r->use_start || !r->use_end || !r->uses || !r->domain_owner || !r->address_owner)
                return -ENOMEM;

        for (size_t i = 0; i < pt->n_rows; i++) {
                r->person_domain[i] = email_domain(&r->arena, quality_cell(pt->rows[i], r->email));
                r->person_address[i] = address_key(r, pt->rows[i]);
                if (!r->person_domain[i] || !r->person_address[i])
                        return -ENOMEM;
        }
        /* each biobank's own contact; their tool leaves out ids with :networkID: */
        int contact = quality_column(q, q->biobanks, "contact");
        for (size_t i = 0; i < bt->n_rows; i++) {
                const Row *row = bt->rows[i];
                const char *c = quality_cell(row, contact);
                size_t p;
                r->biobank_domain[i] = r->biobank_address[i] = "";
                if (quality_withdrawn(q, q->biobanks, i) || strstr(row->id, ":networkID:") || !c ||
                    dataset_find_position(q->d, (size_t) q->persons, c, &p) < 0)
                        continue;
                if (r->n_main[p] < 2)
                        r->main[p][r->n_main[p]] = i;
                r->n_main[p]++;
                if (!is_public_mail_domain(r->person_domain[p]))
                        r->biobank_domain[i] = r->person_domain[p];
                r->biobank_address[i] = r->person_address[p];
                int k = add_owner(r->domain_owner, r->biobank_domain[i], i);
                if (k >= 0)
                        k = add_owner(r->address_owner, r->biobank_address[i], i);
                if (k < 0)
                        return k;
        }
        /* which biobanks' collections use each person */
        for (size_t i = 0; i < ct->n_rows; i++) {
                const Row *row = ct->rows[i];
                const char *c = quality_cell(row, r->collection_contact), *b = quality_cell(row, r->collection_biobank);
                size_t p;
                if (!b || !*b || !c || quality_withdrawn(q, q->collections, i) ||
                    dataset_find_position(q->d, (size_t) q->persons, c, &p) < 0)
                        continue;
                r->uses[r->n_uses++] = (struct Use) { .person = p, .biobank = b };
        }
        if (r->n_uses > 0)
                qsort(r->uses, r->n_uses, sizeof(struct Use), compare_uses);
        for (size_t i = 0; i < r->n_uses; i++) {
                size_t p = r->uses[i].person;
                if (i == 0 || r->uses[i - 1].person != p)
                        r->use_start[p] = i;
                r->use_end[p] = i + 1;
        }
        return 0;
}

/* The domain and address of the biobank with this id as its own contact has them ("" when the
 * master lacks the biobank or it has no contact). */
static void biobank_signature(const Reuse *r, const char *id, const char **ret_domain, const char **ret_address) {
        size_t b;
        bool found = dataset_find_position(r->q->d, (size_t) r->q->biobanks, id, &b) == 0;
        *ret_domain = found ? r->biobank_domain[b] : "";
        *ret_address = found ? r->biobank_address[b] : "";
}

static bool same_institution(const Reuse *r, const char *a, const char *b) {
        if (streq(a, b))
                return true;
        const char *da, *aa, *db, *ab;
        biobank_signature(r, a, &da, &aa);
        biobank_signature(r, b, &db, &ab);
        return (*da && streq(da, db)) || (*aa && streq(aa, ab));
}

/* The distinct biobanks (ids, sorted) whose collections use person p, into ids (room for all its uses). */
static size_t used_biobanks(const Reuse *r, size_t p, const char **ids) {
        size_t n = 0;
        for (size_t i = r->use_start[p]; i < r->use_end[p]; i++)
                if (n == 0 || !streq(ids[n - 1], r->uses[i].biobank))
                        ids[n++] = r->uses[i].biobank;
        return n;
}

static bool all_same_institution(const Reuse *r, const char *const *ids, size_t n) {
        for (size_t i = 1; i < n; i++)
                if (!same_institution(r, ids[0], ids[i]))
                        return false;
        return true;
}

/* Their count of institutions: take the first left, drop those of its institution, repeat (not a
 * transitive closure). ids is reordered. */
static size_t count_institutions(const Reuse *r, const char **ids, size_t n) {
        size_t groups = 0;
        while (n > 0) {
                const char *seed = ids[0];
                size_t k = 0;
                groups++;
                for (size_t i = 1; i < n; i++)
                        if (!same_institution(r, seed, ids[i]))
                                ids[k++] = ids[i];
                n = k;
        }
        return groups;
}

/* "a, b, c" of the first three ids, for messages. */
static const char *join_ids(Arena *a, const char *const *ids, size_t n) {
        size_t len = 1;
        for (size_t i = 0; i < n && i < 3; i++)
                len += strlen(ids[i]) + 2;
        if (n > 3)
                len += 5;
        char *s = arena_alloc(a, len), *p = s;
        if (!s)
                return "";
        *p = 0;
        for (size_t i = 0; i < n && i < 3; i++)
                p += snprintf(p, len - (size_t) (p - s), "%s%s", i ? ", " : "", ids[i]);
        if (n > 3)
                snprintf(p, len - (size_t) (p - s), ", ...");
        return s;
}

static int check_person(Reuse *r, size_t p, const char **ids, const char **scratch) {
        QualityContext *q = r->q;
        size_t n = used_biobanks(r, p, ids);
        if (n <= 1 || all_same_institution(r, ids, n))
                return 0;
        memcpy(scratch, ids, n * sizeof(char *));
        size_t institutions = count_institutions(r, scratch, n);
        ssize_t domain_owner = single_owner(r->domain_owner, r->person_domain[p]),
                address_owner = single_owner(r->address_owner, r->person_address[p]);
        const Row *row = q->d->tables[q->persons].rows[p];
        const char *used = join_ids(&r->arena, ids, n);
        /* no evidence of one institution: only shown */
        bool evidence = r->n_main[p] == 1 || domain_owner >= 0 || address_owner >= 0;
        if (!evidence)
                QUALITY_REPORT(q, "CTR:CrossBiobankReuse", (size_t) q->persons, row, -1,
                               "the contact is used by collections of %zu biobanks of different institutions (%s)", n, used);
        /* a contact that is several biobanks' own contact is shared on purpose: no evidence for CTA */
        if (institutions > 2 || r->n_main[p] > 1 || (r->n_main[p] == 0 && domain_owner < 0 && address_owner < 0))
                return 0;
        const char *why = r->n_main[p] == 1 ? "it is the own contact of " : domain_owner >= 0 ? "its e-mail domain is that of the contact of " : "its address is that of the contact of ";
        const char *owner = biobank_id(r, r->n_main[p] == 1 ? r->main[p][0] : domain_owner >= 0 ? (size_t) domain_owner : (size_t) address_owner);
        QUALITY_REPORT(q, "CTA:CrossBiobankInstitutionContact", (size_t) q->persons, row, -1,
                       "the contact is used by collections of %zu biobanks (%s), but %s%s", n, used, why, owner);
        return 0;
}

static int check_collection(Reuse *r, const Row *row, const char **ids, const char **others) {
        QualityContext *q = r->q;
        const char *bid = quality_cell(row, r->collection_biobank), *c = quality_cell(row, r->collection_contact);
        size_t p;
        if (!bid || !*bid || !c || dataset_find_position(q->d, (size_t) q->persons, c, &p) < 0)
                return 0;
        size_t n = used_biobanks(r, p, ids);
        if (n <= 1)
                return 0;
        /* the contact is of the collection's own institution */
        const char *own_domain, *own_address;
        biobank_signature(r, bid, &own_domain, &own_address);
        if ((*own_domain && !is_public_mail_domain(r->person_domain[p]) && streq(r->person_domain[p], own_domain)) ||
            (*r->person_address[p] && streq(r->person_address[p], own_address)))
                return 0;
        /* the biobanks other than the collection's whose own contact it is: at most one may be */
        size_t n_main = 0, main = 0;
        for (size_t i = 0; i < r->n_main[p] && i < 2; i++)
                if (!streq(biobank_id(r, r->main[p][i]), bid))
                        main = r->main[p][i], n_main++;
        if (r->n_main[p] > 2 || n_main > 1)
                return 0;
        const char *reason = NULL, *foreign = NULL;
        if (n_main == 1 && !same_institution(r, bid, biobank_id(r, main)))
                reason = "it is the own contact of ", foreign = biobank_id(r, main);
        ssize_t domain_owner = single_owner(r->domain_owner, r->person_domain[p]),
                address_owner = single_owner(r->address_owner, r->person_address[p]);
        const char *domain_id = domain_owner >= 0 ? biobank_id(r, (size_t) domain_owner) : NULL,
                   *address_id = address_owner >= 0 ? biobank_id(r, (size_t) address_owner) : NULL;
        if (domain_id && !streq(domain_id, bid)) {
                if (!reason && !same_institution(r, bid, domain_id))
                        reason = "its e-mail domain is that of the contact of ", foreign = domain_id;
        } else if (address_id && !streq(address_id, bid) && !reason && !same_institution(r, bid, address_id))
                reason = "its address is that of the contact of ", foreign = address_id;
        if (!reason)
                return 0;
        size_t n_others = 0;
        others[n_others++] = bid;
        for (size_t i = 0; i < n; i++)
                if (!same_institution(r, bid, ids[i]))
                        others[n_others++] = ids[i];
        if (n_others == 1)
                return 0;
        const char *listed = join_ids(&r->arena, others + 1, n_others - 1);
        if (count_institutions(r, others, n_others) > 2)
                return 0;
        QUALITY_REPORT(q, "CTA:CollectionForeignInstitutionContact", (size_t) q->collections, row, r->collection_contact,
                       "the contact '%s' is also used by collections of %s, and %s%s", c, listed, reason, foreign);
        return 0;
}

static int check_reuse(QualityContext *q) {
        if (q->persons < 0 || q->biobanks < 0 || q->collections < 0)
                return 0;
        _cleanup_(reuse_done) Reuse r = { .q = q };
        arena_init(&r.arena);
        int k = reuse_build(&r);
        if (k < 0)
                return k;
        /* room for one person's biobanks, plus one */
        _cleanup_free_ const char **ids = calloc_written(r.n_uses + 1, sizeof(char *));
        _cleanup_free_ const char **scratch = calloc_written(r.n_uses + 2, sizeof(char *));
        if (!ids || !scratch)
                return -ENOMEM;
        for (size_t p = 0; p < q->d->tables[q->persons].n_rows; p++) {
                k = check_person(&r, p, ids, scratch);
                if (k < 0)
                        return k;
        }
        const DatasetTable *ct = &q->d->tables[q->collections];
        for (size_t i = 0; i < ct->n_rows; i++) {
                if (quality_withdrawn(q, q->collections, i))
                        continue;
                k = check_collection(&r, ct->rows[i], ids, scratch);
                if (k < 0)
                        return k;
        }
        return 0;
}

const QualityFamily quality_family_contact_reuse = {
        .name = "ContactAssignments, ContactReuse",
        .run = check_reuse,
        .checks = reuse_checks,
        .n_checks = ELEMENTSOF(reuse_checks),
};
