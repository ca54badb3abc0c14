/* SPDX-License-Identifier: MIT */
/* ValidateIDs (VID): the form of biobank, collection, contact and network ids. Their checks for
 * characters outside A-Za-z0-9:_- and for an empty segment '::' are the server's id rules here:
 * validate.c reports them as errors under their ids (VID:BBCharsInvalid, ...). The prefix checks
 * below step back when the id already breaks a server rule (pattern, node, characters): the error
 * wins, one finding per problem. */
#include <ctype.h>

#include "diff.h"
#include "quality-families.h"
#include "validate.h"

static const QualityCheckInfo id_checks[] = {
        { "VID:BBExtPrefix", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank's id is in no member node's area and uses no permitted non-country prefix (EXT, EU, IARC).",
          "Give the biobank an id bbmri-eric:ID:EXT_... (or EU_, IARC_)." },
        { "VID:BBExtFormat", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank's id starts with bbmri-eric:ID:EXT but not with bbmri-eric:ID:EXT_.",
          "Write the external biobank's id as bbmri-eric:ID:EXT_<name>." },
        { "VID:BBPrefix", SEVERITY_QUALITY_ERROR, "Biobanks", "The biobank's id does not start with bbmri-eric:ID:<node>_.",
          "Start the biobank's id with bbmri-eric:ID: and the node code, then '_'." },
        { "VID:CollExtPrefix", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection's id is in no member node's area and uses no permitted non-country prefix (EXT, EU, IARC).",
          "Give the collection an id under its biobank's bbmri-eric:ID:EXT_... id." },
        { "VID:CollExtFormat", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection's id starts with bbmri-eric:ID:EXT but not with bbmri-eric:ID:EXT_.",
          "Write the collection's id under its external biobank's bbmri-eric:ID:EXT_<name> id." },
        { "VID:CollPrefix", SEVERITY_QUALITY_ERROR, "Collections",
          "The collection's id does not start with bbmri-eric:ID:<node>_.",
          "Start the collection's id with its biobank's id, then :collection:." },
        { "VID:CollNoBBPrefix", SEVERITY_QUALITY_WARNING, "Collections",
          "The collection's id does not start with its biobank's id followed by :collection:.",
          "Give the collection the id <biobank id>:collection:<name>." },
        { "VID:CtExtPrefix", SEVERITY_QUALITY_ERROR, "Persons",
          "The contact's id is in no member node's area and uses no permitted non-country prefix (EXT, EU, IARC).",
          "Give the contact an id bbmri-eric:contactID:EXT_... (or EU_, IARC_)." },
        { "VID:CtExtFormat", SEVERITY_QUALITY_ERROR, "Persons",
          "The contact's id starts with bbmri-eric:contactID:EXT but not with bbmri-eric:contactID:EXT_.",
          "Write the contact's id as bbmri-eric:contactID:EXT_<name>." },
        { "VID:CtPrefix", SEVERITY_QUALITY_ERROR, "Persons",
          "The contact's id does not start with bbmri-eric:contactID:<node>_.",
          "Start the contact's id with bbmri-eric:contactID: and the node code, then '_'." },
        { "VID:NetExtPrefix", SEVERITY_QUALITY_ERROR, "Networks",
          "The network's id is in no member node's area and uses no permitted non-country prefix (EXT, EU, IARC).",
          "Give the network an id bbmri-eric:networkID:EXT_... (or EU_)." },
        { "VID:NetPrefix", SEVERITY_QUALITY_ERROR, "Networks", "The network's id does not start with bbmri-eric:networkID:.",
          "Start the network's id with bbmri-eric:networkID: and the node code, then '_'." },
        { "VID:NetCountry", SEVERITY_QUALITY_WARNING, "Networks",
          "The network's id starts neither with the node's bbmri-eric:networkID:<node>_ nor with EU_ or EXT_.",
          "Start the network's id with bbmri-eric:networkID:<node>_ (or EU_, EXT_ for European or external networks)." },
};

/* Whether the id breaks a rule of the server that validate.c reports as an error. */
static bool id_has_error(const QualityContext *q, int table, const ValidateIdForm *form, const char *id) {
        const ModelTable *t = &q->d->model->tables[table];
        size_t len;
        bool empty_segment;
        if (!validate_id_scan(id, &len, &empty_segment) || empty_segment ||
            (t->id_pattern && !validate_id_form_matches_scanned(t, form, id, len)))
                return true;
        const char *node = q->options ? q->options->node : NULL;
        size_t n;
        const char *p = directory_id_node_at(id, &n);
        if (!node || !p)
                return false;
        bool own = strlen(node) == n && memcmp(p, node, n) == 0;
        bool eu_allowed = table == q->persons || table == q->networks;
        bool eu = (n == 2 && memcmp(p, "EU", 2) == 0) || (n == 3 && memcmp(p, "EXT", 3) == 0);
        return !own && !(eu_allowed && eu);
}

/* The node a row belongs to, as BBMRI-ERIC's tool derives it: the id's area, else (biobanks,
 * contacts) the country, (collections) the biobank's node, (networks) the contact's node, else EU. */
typedef struct NodeColumns {
        int biobank_country, person_country, collection_biobank, network_contact;
} NodeColumns;

static const char *row_node(const QualityContext *q, const NodeColumns *k, int table, const Row *row, char *buf,
                            size_t size, unsigned depth) {
        if (*quality_id_area(row->id, buf, size) || depth > 2)
                return buf;
        const char *link = NULL;
        int target = -1;
        if (table == q->biobanks || table == q->persons) {
                const char *country = quality_cell(row, table == q->biobanks ? k->biobank_country : k->person_country);
                snprintf(buf, size, "%s", country ?: "");
                for (char *c = buf; *c; c++)
                        *c = (char) toupper((unsigned char) *c);
                return buf;
        }
        if (table == q->collections)
                link = quality_cell(row, k->collection_biobank), target = q->biobanks;
        else if (table == q->networks) {
                link = quality_cell(row, k->network_contact), target = q->persons;
                snprintf(buf, size, "EU");
        }
        size_t p;
        if (link && target >= 0 && dataset_find_position(q->d, (size_t) target, link, &p) == 0)
                return row_node(q, k, target, q->d->tables[target].rows[p], buf, size, depth + 1);
        return buf;
}

typedef struct IdKind {
        int table;
        const char *prefix;      /* "bbmri-eric:ID:" */
        const char *ext_prefix, *ext_format, *own_prefix;
} IdKind;

static int check_kind(QualityContext *q, const IdKind *k, const NodeColumns *columns) {
        const DatasetTable *dt = &q->d->tables[k->table];
        size_t plen = strlen(k->prefix);
        const ValidateIdForm form = validate_id_form(&q->d->model->tables[k->table]);
        for (size_t i = 0; i < dt->n_rows; i++) {
                const Row *row = dt->rows[i];
                if (quality_withdrawn(q, k->table, i) || id_has_error(q, k->table, &form, row->id))
                        continue;
                char nn[16];
                row_node(q, columns, k->table, row, nn, sizeof nn, 0);
                if (!quality_is_member_node(nn) && !quality_is_non_country_area(nn)) {
                        const char *rest = startswith(row->id, k->prefix);
                        if (!rest || !(startswith(rest, "EXT_") || startswith(rest, "EU_") || startswith(rest, "IARC_")))
                                QUALITY_REPORT(q, k->ext_prefix, (size_t) k->table, row, -1,
                                               "id '%s' is in area '%s', no member node, and uses none of EXT_, EU_, IARC_",
                                               row->id, nn);
                }
                const char *after = strncmp(row->id, k->prefix, plen) == 0 ? row->id + plen : NULL;
                if (k->ext_format && after && startswith(after, "EXT")) {
                        if (!startswith(after, "EXT_"))
                                QUALITY_REPORT(q, k->ext_format, (size_t) k->table, row, -1,
                                               "id '%s' must start with %sEXT_", row->id, k->prefix);
                } else if (k->own_prefix) {
                        size_t n = strlen(nn);
                        if (!after || strncmp(after, nn, n) != 0 || after[n] != '_')
                                QUALITY_REPORT(q, k->own_prefix, (size_t) k->table, row, -1,
                                               "id '%s' must start with %s%s_", row->id, k->prefix, nn);
                } else if (!after) {
                        QUALITY_REPORT(q, "VID:NetPrefix", (size_t) k->table, row, -1, "id '%s' must start with %s",
                                       row->id, k->prefix);
                } else {
                        size_t n = strlen(nn);
                        if (!(strncmp(after, nn, n) == 0 && after[n] == '_') && !startswith(after, "EU_") &&
                            !startswith(after, "EXT_"))
                                QUALITY_REPORT(q, "VID:NetCountry", (size_t) k->table, row, -1,
                                               "id '%s' starts neither with %s%s_ nor with EU_ or EXT_", row->id,
                                               k->prefix, nn);
                }
        }
        return 0;
}

static int check_collection_prefix(QualityContext *q) {
        const DatasetTable *dt = &q->d->tables[q->collections];
        int biobank = quality_column(q, q->collections, "biobank");
        for (size_t i = 0; i < dt->n_rows; i++) {
                const Row *row = dt->rows[i];
                const char *b = quality_cell(row, biobank), *rest = b ? startswith(row->id, b) : NULL;
                if (!b || quality_withdrawn(q, q->collections, i))
                        continue;
                if (!rest || !startswith(rest, ":collection:"))
                        QUALITY_REPORT(q, "VID:CollNoBBPrefix", (size_t) q->collections, row, -1,
                                       "id '%s' does not start with its biobank's id '%s' and :collection:", row->id, b);
        }
        return 0;
}

static int check_ids(QualityContext *q) {
        const IdKind kinds[] = {
                { q->biobanks, "bbmri-eric:ID:", "VID:BBExtPrefix", "VID:BBExtFormat", "VID:BBPrefix" },
                { q->collections, "bbmri-eric:ID:", "VID:CollExtPrefix", "VID:CollExtFormat", "VID:CollPrefix" },
                { q->persons, "bbmri-eric:contactID:", "VID:CtExtPrefix", "VID:CtExtFormat", "VID:CtPrefix" },
                { q->networks, "bbmri-eric:networkID:", "VID:NetExtPrefix", NULL, NULL },
        };
        const NodeColumns columns = {
                .biobank_country = quality_column(q, q->biobanks, "country"),
                .person_country = quality_column(q, q->persons, "country"),
                .collection_biobank = quality_column(q, q->collections, "biobank"),
                .network_contact = quality_column(q, q->networks, "contact"),
        };
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                if (kinds[k].table >= 0) {
                        int r = check_kind(q, &kinds[k], &columns);
                        if (r < 0)
                                return r;
                }
        return q->collections >= 0 ? check_collection_prefix(q) : 0;
}

const QualityFamily quality_family_ids = {
        .name = "ValidateIDs",
        .run = check_ids,
        .checks = id_checks,
        .n_checks = ELEMENTSOF(id_checks),
};
