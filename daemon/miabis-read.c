/* SPDX-License-Identifier: MIT */
#include "miabis-doc.h"
#include "miabis-xml.h"

/* One entity of the document: what its xs:ID names. */
typedef struct Entity {
        const char *kind;        /* element name: "biobank", "disease", ... */
        xmlNode *node;
        const char *xml_id;      /* as written */
        const char *id;          /* decoded: the Directory id or a local id */
        const char *parent;      /* samplecollection: the xml id of the collection listing it */
        Record *record;
} Entity;

typedef struct Reader {
        xmlDoc *doc;
        const char *file;        /* interned in the record set */
        RecordSet *set;
        Findings *findings;
        StrMap *entities;        /* xml id -> Entity */
        Arena arena;
        const Entity *biobank;   /* the biobank of the collection being read */
        bool failed;
} Reader;

static int reader_finding(Reader *rd, Severity severity, const char *code, const xmlNode *n, const char *fmt, ...)
        _printf_(5, 6);
static int reader_finding(Reader *rd, Severity severity, const char *code, const xmlNode *n, const char *fmt, ...) {
        Location loc = { .file = rd->file, .line = n ? miabis_line(n) : 0 };
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(rd->findings, severity, code, NULL, NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        if (severity == SEVERITY_ERROR)
                rd->failed = true;
        return r;
}

/* Text of an element, in the reader's arena. */
static const char *element_text(Reader *rd, const xmlNode *n) {
        _cleanup_xml_free_ xmlChar *text = xmlNodeGetContent(n);
        return arena_strdup(&rd->arena, text ? (const char *) text : "");
}

/* The xs:ID of an entity: an id attribute (disease, contactInformation, researchInformation) or
 * an id child element (biobank, samplecollection, study). */
static const char *entity_xml_id(Reader *rd, xmlNode *n) {
        xmlNode *id = miabis_child(n, "id");
        if (id)
                return element_text(rd, id);
        _cleanup_xml_free_ xmlChar *attr = xmlGetNoNsProp(n, BAD_CAST "id");
        return attr ? arena_strdup(&rd->arena, (const char *) attr) : NULL;
}

static int index_entities(Reader *rd) {
        xmlNode *root = xmlDocGetRootElement(rd->doc);
        for (xmlNode *n = miabis_next_element(root->children); n; n = miabis_next_element(n->next)) {
                const char *xml_id = entity_xml_id(rd, n);
                if (!xml_id) {
                        int r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", n, "<%s> has no id",
                                               (const char *) n->name);
                        if (r < 0)
                                return r;
                        continue;
                }
                Entity *e = arena_alloc0(&rd->arena, sizeof(Entity));
                if (!e)
                        return -ENOMEM;
                *e = (Entity) { .kind = (const char *) n->name, .node = n, .xml_id = xml_id };
                _cleanup_free_ char *decoded = NULL;
                int r = miabis_id_decode(xml_id, &decoded);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", n,
                                           "id '%s' of <%s> is not a valid encoded id (a '.' in an id starting with "
                                           "'_' must be followed by two hex digits)",
                                           xml_id, e->kind);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!(e->id = arena_strdup(&rd->arena, decoded)))
                        return -ENOMEM;
                r = strmap_put(rd->entities, xml_id, e);
                if (r == -EEXIST) {
                        Entity *first = strmap_get(rd->entities, xml_id);
                        r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", n,
                                           "id '%s' is used twice (first by <%s> at line %u)", xml_id, first->kind,
                                           miabis_line(first->node));
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Splits an IDREFS value (white-space separated) into items in the arena. */
static int split_idrefs(Reader *rd, const char *value, const char ***ret, size_t *ret_n) {
        size_t n = 0, allocated = 0;
        const char **items = NULL;
        for (const char *p = value; *p;) {
                while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                        p++;
                size_t len = strcspn(p, " \t\n\r");
                if (len == 0)
                        break;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 8;
                        const char **grown = arena_alloc(&rd->arena, allocated * sizeof(char *));
                        if (!grown)
                                return -ENOMEM;
                        if (n > 0)
                                memcpy(grown, items, n * sizeof(char *));
                        items = grown;
                }
                if (!(items[n++] = arena_strndup(&rd->arena, p, len)))
                        return -ENOMEM;
                p += len;
        }
        *ret = items;
        *ret_n = n;
        return 0;
}

/* The entities an IDREFS element names, each checked to be of one of the kinds (NULL-terminated).
 * Unresolved or wrong-kind references are error findings and left out. */
static int resolve_refs(Reader *rd, const xmlNode *element, const char *const *kinds, const char *kinds_text,
                        Entity ***ret, size_t *ret_n) {
        const char **refs = NULL;
        size_t n_refs = 0;
        int r = split_idrefs(rd, element_text(rd, element) ?: "", &refs, &n_refs);
        if (r < 0)
                return r;
        Entity **out = arena_alloc0(&rd->arena, (n_refs ? n_refs : 1) * sizeof(Entity *));
        if (!out)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < n_refs; i++) {
                Entity *e = strmap_get(rd->entities, refs[i]);
                bool kind_ok = false;
                for (size_t k = 0; e && kinds[k] && !kind_ok; k++)
                        kind_ok = streq(e->kind, kinds[k]);
                if (!e)
                        r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", element,
                                           "<%s> refers to '%s', which no element of this document has as its id",
                                           (const char *) element->name, refs[i]);
                else if (!kind_ok)
                        r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", element,
                                           "<%s> refers to '%s', which is a <%s>, not a %s",
                                           (const char *) element->name, refs[i], e->kind, kinds_text);
                else
                        out[n++] = e;
                if (r < 0)
                        return r;
        }
        *ret = out;
        *ret_n = n;
        return 0;
}

static const char *const contact_kinds[] = { "contactInformation", "researchInformation", NULL };
static const char *const biobank_kinds[] = { "biobank", NULL };
static const char *const collection_kinds[] = { "samplecollection", NULL };
static const char *const disease_kinds[] = { "disease", NULL };
static const char *const study_kinds[] = { "study", NULL };

/* Checks every reference of the document and notes each collection's parent (the collection whose
 * sampleCollections lists it). */
static int check_references(Reader *rd) {
        static const struct {
                const char *element;
                const char *const *kinds;
                const char *text;
        } ref_elements[] = {
                { "contactInformation", contact_kinds, "<contactInformation> or <researchInformation>" },
                { "biobanks", biobank_kinds, "<biobank>" },
                { "sampleCollections", collection_kinds, "<samplecollection>" },
                { "diseases", disease_kinds, "<disease>" },
                { "studies", study_kinds, "<study>" },
        };
        /* Document order, for findings people can follow. */
        xmlNode *root = xmlDocGetRootElement(rd->doc);
        for (xmlNode *n = miabis_next_element(root->children); n; n = miabis_next_element(n->next)) {
                const char *xml_id = entity_xml_id(rd, n);
                Entity *e = xml_id ? strmap_get(rd->entities, xml_id) : NULL;
                if (!e || e->node != n)
                        continue;
                for (xmlNode *c = miabis_next_element(n->children); c; c = miabis_next_element(c->next)) {
                        for (size_t i = 0; i < ELEMENTSOF(ref_elements); i++) {
                                if (!xmlStrEqual(c->name, BAD_CAST ref_elements[i].element))
                                        continue;
                                Entity **targets = NULL;
                                size_t n_targets = 0;
                                int r = resolve_refs(rd, c, ref_elements[i].kinds, ref_elements[i].text, &targets,
                                                     &n_targets);
                                if (r < 0)
                                        return r;
                                if (!streq(e->kind, "samplecollection") || !streq(ref_elements[i].element, "sampleCollections"))
                                        continue;
                                for (size_t k = 0; k < n_targets; k++) {
                                        Entity *child = targets[k];
                                        if (child == e)
                                                r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", c,
                                                                   "collection '%s' lists itself as its sub-collection",
                                                                   e->xml_id);
                                        else if (child->parent && !streq(child->parent, e->xml_id))
                                                r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", c,
                                                                   "collection '%s' is a sub-collection of both '%s' "
                                                                   "and '%s'",
                                                                   child->xml_id, child->parent, e->xml_id);
                                        else
                                                child->parent = e->xml_id;
                                        if (r < 0)
                                                return r;
                                }
                        }
                }
        }
        return 0;
}

/* How an element becomes a field of the record. */
typedef enum FieldKind {
        FIELD_TEXT,       /* one value */
        FIELD_LIST,       /* repeated element: one list */
        FIELD_CONTACT,    /* IDREFS: the first contact (a warning for more) */
        FIELD_BIOBANK,    /* IDREFS: exactly one biobank */
        FIELD_DISEASES,   /* IDREFS of disease elements: their Directory ids */
        FIELD_CHECKED,    /* a reference checked above, read from the other side */
        FIELD_NOT_READ,   /* no place in the Directory: a warning */
} FieldKind;

typedef struct FieldSpec {
        const char *element;
        const char *field;        /* master field name, as a YAML master writes it */
        FieldKind kind;
} FieldSpec;

static const FieldSpec contact_fields[] = {
        { "firstname", "first_name", FIELD_TEXT },
        { "lastname", "last_name", FIELD_TEXT },
        { "phone", "phone", FIELD_TEXT },
        { "email", "email", FIELD_TEXT },
        { "address", "address", FIELD_TEXT },
        { "zip", "zip", FIELD_TEXT },
        { "city", "city", FIELD_TEXT },
        { "country", "country", FIELD_TEXT },
        { "juristicPerson", NULL, FIELD_NOT_READ },
        { "department", NULL, FIELD_NOT_READ },
        { "ORCID", NULL, FIELD_NOT_READ },
        {},
};

static const FieldSpec biobank_fields[] = {
        { "id", NULL, FIELD_CHECKED },
        { "acronym", "acronym", FIELD_TEXT },
        { "name", "name", FIELD_TEXT },
        { "url", "url", FIELD_TEXT },
        { "juristicPerson", "juridical_person", FIELD_TEXT },
        { "country", "country", FIELD_TEXT },
        { "contactInformation", "contact", FIELD_CONTACT },
        { "description", "description", FIELD_TEXT },
        { "sampleCollections", NULL, FIELD_CHECKED }, /* each collection names its biobank */
        { "studies", NULL, FIELD_NOT_READ },
        {},
};

static const FieldSpec collection_fields[] = {
        { "id", NULL, FIELD_CHECKED },
        { "acronym", "acronym", FIELD_TEXT },
        { "name", "name", FIELD_TEXT },
        { "description", "description", FIELD_TEXT },
        { "sex", "sex", FIELD_LIST },
        { "ageLow", "age_low", FIELD_TEXT },
        { "ageHigh", "age_high", FIELD_TEXT },
        { "ageUnit", "age_unit", FIELD_TEXT },
        { "dataCategory", "data_categories", FIELD_LIST },
        { "materialType", "materials", FIELD_LIST },
        { "storageTemperature", "storage_temperatures", FIELD_LIST },
        { "collectionType", "type", FIELD_LIST },
        { "diseases", "diagnosis_available", FIELD_DISEASES },
        { "contactInformation", "contact", FIELD_CONTACT },
        { "biobanks", "biobank", FIELD_BIOBANK },
        { "studies", NULL, FIELD_NOT_READ },
        { "sampleCollections", NULL, FIELD_CHECKED }, /* read as each sub-collection's parent */
        { "size", "size", FIELD_TEXT },
        { "orderOfMagnitude", "order_of_magnitude", FIELD_TEXT },
        {},
};

static const FieldSpec *find_spec(const FieldSpec *specs, const xmlNode *n) {
        for (const FieldSpec *s = specs; s->element; s++)
                if (xmlStrEqual(n->name, BAD_CAST s->element))
                        return s;
        return NULL;
}

/* The Directory's DiseaseTypes id a disease element means: ICD-10 codes get the MIRIAM prefix,
 * Orphanet numbers the ORPHA: one; any other ontology passes its code as written. */
static const char *disease_value(Reader *rd, const Entity *disease) {
        xmlNode *ontology = miabis_child(disease->node, "ontology"), *code = miabis_child(disease->node, "code");
        const char *o = ontology ? element_text(rd, ontology) : "", *c = code ? element_text(rd, code) : "";
        if (!o || !c)
                return NULL;
        const char *prefix = NULL;
        if (strncasecmp(o, "ICD", 3) == 0 && !startswith(c, "urn:miriam:icd:"))
                prefix = "urn:miriam:icd:";
        else if ((strcaseeq(o, "ORPHA") || strcaseeq(o, "orphanet") || strcaseeq(o, "ORDO")) && !startswith(c, "ORPHA:"))
                prefix = "ORPHA:";
        if (prefix) {
                _cleanup_free_ char *v = strdup_printf("%s%s", prefix, c);
                return v ? arena_strdup(&rd->arena, v) : NULL;
        }
        return c;
}

static int add_field(Reader *rd, Record *rec, const char *name, const char *const *values, size_t n, bool is_list,
                     const xmlNode *at) {
        Location loc = { .file = rd->file, .line = miabis_line(at) };
        return record_add_field(rd->set, rec, name, values, n, is_list, false, &loc);
}

static int read_reference_field(Reader *rd, Record *rec, const FieldSpec *spec, xmlNode *c) {
        const char *const *kinds = spec->kind == FIELD_CONTACT ? contact_kinds
                                   : spec->kind == FIELD_BIOBANK ? biobank_kinds
                                                                 : disease_kinds;
        Entity **targets = NULL;
        size_t n = 0;
        int r = resolve_refs(rd, c, kinds, "", &targets, &n); /* findings were made by check_references() */
        if (r < 0)
                return r;
        if (n == 0)
                return 0;
        if (spec->kind == FIELD_DISEASES) {
                const char **values = arena_alloc0(&rd->arena, n * sizeof(char *));
                if (!values)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        if (!(values[i] = disease_value(rd, targets[i])))
                                return -ENOMEM;
                return add_field(rd, rec, spec->field, values, n, true, c);
        }
        if (spec->kind == FIELD_BIOBANK && n > 1) {
                r = reader_finding(rd, SEVERITY_ERROR, "xml-reference", c,
                                   "a collection belongs to one biobank in the Directory, not %zu", n);
                return r < 0 ? r : 0;
        }
        if (spec->kind == FIELD_CONTACT && n > 1) {
                r = reader_finding(rd, SEVERITY_WARNING, "xml-not-read", c,
                                   "the Directory keeps one contact: '%s' is read, the %zu others are not",
                                   targets[0]->xml_id, n - 1);
                if (r < 0)
                        return r;
        }
        if (spec->kind == FIELD_BIOBANK)
                rd->biobank = targets[0];
        const char *id = targets[0]->id;
        return add_field(rd, rec, spec->field, &id, 1, false, c);
}

/* Reads the children of an entity element into rec; repeated elements become one list. */
static int read_fields(Reader *rd, Record *rec, const Entity *e, const FieldSpec *specs) {
        int r = record_reserve_fields(rd->set, rec, 24);
        if (r < 0)
                return r;
        for (xmlNode *c = miabis_next_element(e->node->children); c; c = miabis_next_element(c->next)) {
                const FieldSpec *spec = find_spec(specs, c);
                if (!spec) /* the schema admits nothing else: a schema change the reader missed */
                        return reader_finding(rd, SEVERITY_ERROR, "xml-schema", c, "unexpected element <%s>",
                                              (const char *) c->name) < 0 ? -ENOMEM : 0;
                switch (spec->kind) {
                case FIELD_CHECKED:
                        continue;
                case FIELD_NOT_READ:
                        r = reader_finding(rd, SEVERITY_WARNING, "xml-not-read", c,
                                           "<%s> of <%s> '%s' is not read: the Directory has no place for it",
                                           (const char *) c->name, e->kind, e->xml_id);
                        break;
                case FIELD_TEXT: {
                        const char *v = element_text(rd, c);
                        r = v ? add_field(rd, rec, spec->field, &v, 1, false, c) : -ENOMEM;
                        break;
                }
                case FIELD_LIST: {
                        /* Consecutive elements of one name (the schema keeps them together). */
                        size_t n = 0;
                        for (xmlNode *k = c; k && xmlStrEqual(k->name, c->name); k = miabis_next_element(k->next))
                                n++;
                        const char **values = arena_alloc0(&rd->arena, n * sizeof(char *));
                        if (!values)
                                return -ENOMEM;
                        xmlNode *k = c;
                        for (size_t i = 0; i < n; i++) {
                                if (!(values[i] = element_text(rd, k)))
                                        return -ENOMEM;
                                if (i + 1 < n)
                                        k = miabis_next_element(k->next);
                        }
                        r = add_field(rd, rec, spec->field, values, n, true, c);
                        c = k;
                        break;
                }
                default:
                        r = read_reference_field(rd, rec, spec, c);
                        break;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_entity(Reader *rd, Entity *e) {
        const char *table;
        const FieldSpec *specs;
        if (streq(e->kind, "contactInformation") || streq(e->kind, "researchInformation")) {
                table = "Persons";
                specs = contact_fields;
        } else if (streq(e->kind, "biobank")) {
                table = "Biobanks";
                specs = biobank_fields;
        } else if (streq(e->kind, "samplecollection")) {
                table = "Collections";
                specs = collection_fields;
        } else if (streq(e->kind, "study")) {
                int r = reader_finding(rd, SEVERITY_WARNING, "xml-not-read", e->node,
                                       "<study> '%s' is not read: the Directory's studies are not MIABIS studies",
                                       e->xml_id);
                return r < 0 ? r : 0;
        } else
                return 0; /* diseases are read through the collections that name them */

        Location loc = { .file = rd->file, .line = miabis_line(e->node) };
        rd->biobank = NULL;
        int r = record_set_add(rd->set, table, e->id, &loc, &e->record);
        if (r < 0)
                return r;
        if ((r = read_fields(rd, e->record, e, specs)) < 0)
                return r;
        if (!streq(table, "Collections"))
                return 0;

        if (e->parent) {
                const Entity *parent = strmap_get(rd->entities, e->parent);
                const char *id = parent->id;
                if ((r = add_field(rd, e->record, "parent_collection", &id, 1, false, e->node)) < 0)
                        return r;
        }
        /* MIABIS has no country for a collection: it is its biobank's, as a nested collection of a
         * YAML master inherits it. */
        const Entity *owner = rd->biobank;
        const RecordField *country = owner && owner->record ? record_get_field(owner->record, "country") : NULL;
        if (country)
                r = record_add_field(rd->set, e->record, "country", country->values, country->n_values, false, true,
                                     &country->location);
        return r < 0 ? r : 0;
}

int miabis_xml_parse(const char *data, size_t size, const char *filename, RecordSet *set, Findings *findings) {
        const char *file = record_set_intern_file(set, filename);
        if (!file)
                return -ENOMEM;
        _cleanup_xml_doc_ xmlDoc *doc = NULL;
        int r = miabis_doc_read(data, size, file, &doc, findings);
        if (r < 0)
                return r;
        Reader rd = {
                .doc = doc,
                .file = file,
                .set = set,
                .findings = findings,
                .entities = strmap_new(),
        };
        arena_init(&rd.arena);
        if (!rd.entities) {
                r = -ENOMEM;
                goto finish;
        }
        if ((r = index_entities(&rd)) < 0 || (r = check_references(&rd)) < 0)
                goto finish;
        if (rd.failed) {
                r = -EBADMSG;
                goto finish;
        }
        /* Document order: contacts and biobanks come before the collections that use them. */
        xmlNode *root = xmlDocGetRootElement(doc);
        for (xmlNode *n = miabis_next_element(root->children); n && r >= 0; n = miabis_next_element(n->next)) {
                Entity *e = strmap_get(rd.entities, entity_xml_id(&rd, n) ?: "");
                if (e)
                        r = read_entity(&rd, e);
        }
        if (r >= 0 && rd.failed)
                r = -EBADMSG;
finish:
        strmap_free(rd.entities);
        arena_done(&rd.arena);
        return r;
}
