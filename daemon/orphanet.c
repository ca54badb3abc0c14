/* SPDX-License-Identifier: MIT */
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "limits.h"
#include "orphanet.h"

typedef struct Disorder {
        const char *code, *name;
        size_t first, n; /* its mappings in to_icd */
} Disorder;

typedef struct IcdEntry {
        size_t first, n; /* in from_icd */
} IcdEntry;

struct Orphanet {
        Arena arena;
        Disorder *disorders;
        size_t n_disorders, allocated_disorders;
        OrphaMapping *to_icd; /* per disorder, contiguous */
        size_t *owner;        /* per to_icd mapping: its disorder */
        size_t n_to_icd, allocated_to_icd;
        OrphaMapping *from_icd; /* sorted by ICD-10 code, then file order */
        StrMap *by_code, *by_icd;
};

/* The elements the reader looks at; everything else is walked over. */
typedef enum Element {
        EL_OTHER,
        EL_JDBOR,
        EL_DISORDER_LIST,
        EL_DISORDER,
        EL_ORPHA_CODE,
        EL_NAME,
        EL_REFERENCE_LIST,
        EL_REFERENCE,
        EL_SOURCE,
        EL_CODE,
        EL_RELATION,
} Element;

typedef struct Reader {
        Orphanet *o;
        Findings *findings;
        const char *filename;
        xmlParserCtxtPtr ctxt;
        Element stack[LIMIT_XML_DEPTH + 1];
        unsigned depth;
        size_t n_elements;
        bool capture, english;
        char *text;
        size_t text_size;
        /* the disorder and the external reference being read */
        bool in_disorder;
        char *code, *name, *source, *reference, *relation;
        size_t disorder_first;
        int error; /* 0, or why the parse stopped */
        bool reported;
} Reader;

static void reader_fail(Reader *rd, int error, const char *fmt, ...) _printf_(3, 4);
static void reader_fail(Reader *rd, int error, const char *fmt, ...) {
        if (rd->error)
                return;
        Location loc = {
                .file = rd->filename,
                .line = (unsigned) xmlSAX2GetLineNumber(rd->ctxt),
                .column = (unsigned) xmlSAX2GetColumnNumber(rd->ctxt),
        };
        va_list ap;
        va_start(ap, fmt);
        int r = findings_addv(rd->findings, SEVERITY_ERROR, "orphanet-refused", NULL, NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        rd->error = r < 0 ? r : error;
        rd->reported = true;
        xmlStopParser(rd->ctxt);
}

static Element element_of(const Reader *rd, const char *name) {
        Element parent = rd->depth > 0 ? rd->stack[rd->depth - 1] : EL_OTHER;
        switch (rd->depth) {
        case 0:
                return streq(name, "JDBOR") ? EL_JDBOR : EL_OTHER;
        case 1:
                return parent == EL_JDBOR && streq(name, "DisorderList") ? EL_DISORDER_LIST : EL_OTHER;
        case 2:
                return parent == EL_DISORDER_LIST && streq(name, "Disorder") ? EL_DISORDER : EL_OTHER;
        case 3:
                if (parent != EL_DISORDER)
                        return EL_OTHER;
                return streq(name, "OrphaCode")               ? EL_ORPHA_CODE
                       : streq(name, "Name")                  ? EL_NAME
                       : streq(name, "ExternalReferenceList") ? EL_REFERENCE_LIST
                                                              : EL_OTHER;
        case 4:
                return parent == EL_REFERENCE_LIST && streq(name, "ExternalReference") ? EL_REFERENCE : EL_OTHER;
        case 5:
                if (parent != EL_REFERENCE)
                        return EL_OTHER;
                return streq(name, "Source")                    ? EL_SOURCE
                       : streq(name, "Reference")               ? EL_CODE
                       : streq(name, "DisorderMappingRelation") ? EL_RELATION
                                                                : EL_OTHER;
        case 6:
                return parent == EL_RELATION && streq(name, "Name") ? EL_NAME : EL_OTHER;
        default:
                return EL_OTHER;
        }
}

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id) {
        Reader *rd = ctx;
        reader_fail(rd, -EBADMSG, "a DOCTYPE is not allowed in the Orphanet file: DTDs and entities are refused, none "
                                  "is loaded or expanded");
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes) {
        Reader *rd = ctx;
        if (rd->error)
                return;
        if (rd->depth >= LIMIT_XML_DEPTH) {
                reader_fail(rd, -E2BIG, "elements nested deeper than %u levels", LIMIT_XML_DEPTH);
                return;
        }
        if (++rd->n_elements > LIMIT_XML_ELEMENTS) {
                reader_fail(rd, -E2BIG, "more than %u elements", LIMIT_XML_ELEMENTS);
                return;
        }
        const char *name = (const char *) localname;
        if (rd->depth == 0 && !streq(name, "JDBOR")) {
                reader_fail(rd, -EBADMSG, "the root element must be <JDBOR> (Orphanet's en_product1.xml), not <%s>", name);
                return;
        }
        Element e = element_of(rd, name);
        rd->english = true;
        for (int i = 0; i < nb_attributes; i++) {
                const char *a = (const char *) attributes[i * 5];
                size_t n = (size_t) (attributes[i * 5 + 4] - attributes[i * 5 + 3]);
                if (n > LIMIT_XML_TEXT_BYTES) {
                        reader_fail(rd, -E2BIG, "attribute '%s' of <%s> is longer than the limit of %u bytes", a, name,
                                    LIMIT_XML_TEXT_BYTES);
                        return;
                }
                if (streq(a, "lang"))
                        rd->english = n == 2 && memcmp(attributes[i * 5 + 3], "en", 2) == 0;
        }
        rd->stack[rd->depth++] = e;
        if (e == EL_DISORDER) {
                rd->in_disorder = true;
                rd->disorder_first = rd->o->n_to_icd;
        }
        rd->capture = e == EL_ORPHA_CODE || (e == EL_NAME && rd->english) || e == EL_SOURCE || e == EL_CODE;
        rd->text_size = 0;
}

static void on_characters(void *ctx, const xmlChar *ch, int len) {
        Reader *rd = ctx;
        if (rd->error || !rd->capture || len <= 0)
                return;
        if (rd->text_size + (size_t) len > LIMIT_XML_TEXT_BYTES) {
                reader_fail(rd, -E2BIG, "a text is longer than the limit of %u bytes", LIMIT_XML_TEXT_BYTES);
                return;
        }
        char *t = realloc(rd->text, rd->text_size + (size_t) len + 1);
        if (!t) {
                rd->error = -ENOMEM;
                xmlStopParser(rd->ctxt);
                return;
        }
        memcpy(t + rd->text_size, ch, (size_t) len);
        rd->text = t;
        rd->text_size += (size_t) len;
        t[rd->text_size] = 0;
}

/* The text just read, trimmed, into *slot (replacing what was there); the first one wins when
 * keep_first. */
static int take_text(Reader *rd, char **slot, bool keep_first) {
        if (keep_first && *slot)
                return 0;
        const char *s = rd->text_size ? rd->text : "";
        size_t n = rd->text_size;
        while (n > 0 && strchr(" \t\r\n", *s)) {
                s++;
                n--;
        }
        while (n > 0 && strchr(" \t\r\n", s[n - 1]))
                n--;
        char *copy = strndup(s, n);
        if (!copy)
                return -ENOMEM;
        free(*slot);
        *slot = copy;
        return 0;
}

static int add_mapping(Reader *rd) {
        Orphanet *o = rd->o;
        if (!rd->source || !streq(rd->source, "ICD-10") || !rd->reference || !*rd->reference || !rd->relation)
                return 0;
        /* the relation's name starts with its abbreviation: "E (Exact mapping: ...)" */
        size_t n = strcspn(rd->relation, " \t");
        OrphaMappingType type;
        if (n == 1 && rd->relation[0] == 'E')
                type = ORPHA_MAPPING_EXACT;
        else if (n == 4 && memcmp(rd->relation, "NTBT", 4) == 0)
                type = ORPHA_MAPPING_NTBT;
        else if (n == 4 && memcmp(rd->relation, "BTNT", 4) == 0)
                type = ORPHA_MAPPING_BTNT;
        else
                return 0; /* BBMRI-ERIC's tool leaves the other relations (ND, W) out */
        if (o->n_to_icd == o->allocated_to_icd) {
                size_t a = o->allocated_to_icd ? o->allocated_to_icd * 2 : 256;
                OrphaMapping *m = reallocarray(o->to_icd, a, sizeof(OrphaMapping));
                if (!m)
                        return -ENOMEM;
                o->to_icd = m;
                size_t *w = reallocarray(o->owner, a, sizeof(size_t));
                if (!w)
                        return -ENOMEM;
                o->owner = w;
                o->allocated_to_icd = a;
        }
        const char *code = arena_strdup(&o->arena, rd->reference);
        if (!code)
                return -ENOMEM;
        o->owner[o->n_to_icd] = o->n_disorders;
        o->to_icd[o->n_to_icd++] = (OrphaMapping) { code, type };
        return 0;
}

static int add_disorder(Reader *rd) {
        Orphanet *o = rd->o;
        if (!rd->code || !*rd->code || strmap_contains(o->by_code, rd->code)) {
                o->n_to_icd = rd->disorder_first; /* no code, or one already read: its mappings go too */
                return 0;
        }
        if (o->n_disorders == o->allocated_disorders) {
                size_t a = o->allocated_disorders ? o->allocated_disorders * 2 : 256;
                Disorder *d = reallocarray(o->disorders, a, sizeof(Disorder));
                if (!d)
                        return -ENOMEM;
                o->disorders = d;
                o->allocated_disorders = a;
        }
        Disorder *d = &o->disorders[o->n_disorders];
        d->code = arena_strdup(&o->arena, rd->code);
        d->name = rd->name ? arena_strdup(&o->arena, rd->name) : NULL;
        if (!d->code || (rd->name && !d->name))
                return -ENOMEM;
        d->first = rd->disorder_first;
        d->n = o->n_to_icd - rd->disorder_first;
        int r = strmap_put(o->by_code, d->code, (void *) (uintptr_t) (o->n_disorders + 1));
        if (r < 0)
                return r;
        o->n_disorders++;
        return 0;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
        Reader *rd = ctx;
        if (rd->error || rd->depth == 0)
                return;
        Element e = rd->stack[--rd->depth];
        Element parent = rd->depth > 0 ? rd->stack[rd->depth - 1] : EL_OTHER;
        int r = 0;
        if (rd->capture) {
                switch (e) {
                case EL_ORPHA_CODE:
                        r = take_text(rd, &rd->code, false);
                        break;
                case EL_NAME:
                        r = take_text(rd, parent == EL_RELATION ? &rd->relation : &rd->name,
                                      parent == EL_DISORDER);
                        break;
                case EL_SOURCE:
                        r = take_text(rd, &rd->source, false);
                        break;
                case EL_CODE:
                        r = take_text(rd, &rd->reference, false);
                        break;
                default:
                        break;
                }
        }
        if (r >= 0 && e == EL_REFERENCE) {
                r = add_mapping(rd);
                rd->source = mfree(rd->source);
                rd->reference = mfree(rd->reference);
                rd->relation = mfree(rd->relation);
        }
        if (r >= 0 && e == EL_DISORDER) {
                r = add_disorder(rd);
                rd->code = mfree(rd->code);
                rd->name = mfree(rd->name);
                rd->in_disorder = false;
        }
        rd->capture = false;
        rd->text_size = 0;
        if (r < 0) {
                rd->error = r;
                xmlStopParser(rd->ctxt);
        }
}

static void on_silent(void *ctx, const char *msg, ...) {
}

static void on_error(void *userdata, xmlErrorPtr e) {
        Reader *rd = userdata;
        if (!rd || !e || rd->reported || e->level == XML_ERR_WARNING || e->level == XML_ERR_NONE)
                return;
        const char *m = e->message ?: "not a well-formed XML document";
        size_t n = strlen(m);
        while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
                n--;
        Location loc = { .file = rd->filename, .line = e->line > 0 ? (unsigned) e->line : 0,
                         .column = e->int2 > 0 ? (unsigned) e->int2 : 0 };
        if (findings_error_at(rd->findings, "orphanet-syntax", &loc, "%.*s", (int) n, m) < 0)
                rd->error = -ENOMEM;
        rd->reported = true;
}

typedef struct Pair {
        const char *code;
        size_t at;
} Pair;

static int compare_pairs(const void *a, const void *b) {
        const Pair *x = a, *y = b;
        int c = strcmp(x->code, y->code);
        return c ? c : (x->at > y->at) - (x->at < y->at);
}

static OrphaMappingType inverse(OrphaMappingType t) {
        return t == ORPHA_MAPPING_NTBT ? ORPHA_MAPPING_BTNT : t == ORPHA_MAPPING_BTNT ? ORPHA_MAPPING_NTBT : t;
}

/* The ICD-10 side: every mapping turned round, grouped by ICD-10 code, in file order within one. */
static int index_icd10(Orphanet *o) {
        size_t n = o->n_to_icd;
        _cleanup_free_ Pair *pairs = calloc(n ?: 1, sizeof(Pair));
        o->from_icd = calloc(n ?: 1, sizeof(OrphaMapping));
        if (!pairs || !o->from_icd)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                pairs[i] = (Pair) { o->to_icd[i].code, i };
        qsort(pairs, n, sizeof(Pair), compare_pairs);
        for (size_t i = 0; i < n;) {
                size_t j = i;
                for (; j < n && streq(pairs[j].code, pairs[i].code); j++) {
                        const OrphaMapping *m = &o->to_icd[pairs[j].at];
                        o->from_icd[j] = (OrphaMapping) { o->disorders[o->owner[pairs[j].at]].code, inverse(m->type) };
                }
                IcdEntry *e = arena_alloc(&o->arena, sizeof(IcdEntry));
                if (!e)
                        return -ENOMEM;
                *e = (IcdEntry) { i, j - i };
                int r = strmap_put(o->by_icd, pairs[i].code, e);
                if (r < 0)
                        return r;
                i = j;
        }
        return 0;
}

Orphanet *orphanet_free(Orphanet *o) {
        if (!o)
                return NULL;
        strmap_free(o->by_code);
        strmap_free(o->by_icd);
        free(o->disorders);
        free(o->to_icd);
        free(o->owner);
        free(o->from_icd);
        arena_done(&o->arena);
        free(o);
        return NULL;
}

/* Never XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD, XML_PARSE_XINCLUDE or
 * XML_PARSE_HUGE. */
#define ORPHANET_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA)

int orphanet_parse(const char *data, size_t size, const char *filename, Orphanet **ret, Findings *findings) {
        if (size > (size_t) INT32_MAX)
                return -EFBIG;
        _cleanup_(orphanet_freep) Orphanet *o = calloc(1, sizeof(Orphanet));
        if (!o)
                return -ENOMEM;
        arena_init(&o->arena);
        o->by_code = strmap_new();
        o->by_icd = strmap_new();
        if (!o->by_code || !o->by_icd)
                return -ENOMEM;
        xmlInitParser();
        xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(data, (int) size);
        if (!ctxt || !ctxt->sax) {
                xmlFreeParserCtxt(ctxt);
                return -ENOMEM;
        }
        Reader rd = { .o = o, .findings = findings, .filename = filename, .ctxt = ctxt };
        xmlSAXHandler *sax = ctxt->sax;
        memset(sax, 0, sizeof *sax);
        sax->initialized = XML_SAX2_MAGIC;
        sax->internalSubset = on_internal_subset;
        sax->startElementNs = on_start;
        sax->endElementNs = on_end;
        sax->characters = on_characters;
        sax->cdataBlock = on_characters;
        sax->warning = on_silent;
        sax->error = on_silent;
        sax->fatalError = on_silent;
        sax->serror = on_error;
        xmlCtxtUseOptions(ctxt, ORPHANET_PARSE_OPTIONS);
        ctxt->userData = &rd; /* what every callback, the error one too, is handed */
        (void) xmlParseDocument(ctxt);
        bool well_formed = ctxt->wellFormed;
        if (ctxt->myDoc)
                xmlFreeDoc(ctxt->myDoc);
        xmlFreeParserCtxt(ctxt);
        free(rd.text);
        free(rd.code);
        free(rd.name);
        free(rd.source);
        free(rd.reference);
        free(rd.relation);
        if (rd.error)
                return rd.error;
        if (!well_formed) {
                if (!rd.reported) {
                        Location loc = { .file = filename };
                        if (findings_error_at(findings, "orphanet-syntax", &loc, "not a well-formed XML document") < 0)
                                return -ENOMEM;
                }
                return -EBADMSG;
        }
        if (o->n_disorders == 0) {
                Location loc = { .file = filename };
                int r = findings_error_at(findings, "orphanet-empty", &loc,
                                          "no disorder (JDBOR/DisorderList/Disorder with an OrphaCode) in the file");
                return r < 0 ? r : -EBADMSG;
        }
        int r = index_icd10(o);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int orphanet_load(const char *path, Orphanet **ret, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(path, LIMIT_ORPHANET_FILE_BYTES, &data, &size);
        if (r < 0) {
                Location loc = { .file = path };
                int k = r == -EFBIG ? findings_error_at(findings, "orphanet-read", &loc,
                                                        "the file is larger than the limit of %u bytes",
                                                        LIMIT_ORPHANET_FILE_BYTES)
                                    : findings_error_at(findings, "orphanet-read", &loc, "cannot read the file: %s",
                                                        strerror(-r));
                return k < 0 ? k : r == -EFBIG ? -E2BIG : -EBADMSG;
        }
        return orphanet_parse(data, size, path, ret, findings);
}

size_t orphanet_count(const Orphanet *o) {
        return o ? o->n_disorders : 0;
}

static const Disorder *find(const Orphanet *o, const char *code) {
        uintptr_t v = o && code ? (uintptr_t) strmap_get(o->by_code, code) : 0;
        return v ? &o->disorders[v - 1] : NULL;
}

bool orphanet_is_code(const Orphanet *o, const char *code) {
        return find(o, code) != NULL;
}

const char *orphanet_name(const Orphanet *o, const char *code) {
        const Disorder *d = find(o, code);
        return d ? d->name : NULL;
}

const OrphaMapping *orphanet_to_icd10(const Orphanet *o, const char *orpha, size_t *ret_n) {
        const Disorder *d = find(o, orpha);
        *ret_n = d ? d->n : 0;
        return d && d->n ? &o->to_icd[d->first] : NULL;
}

const OrphaMapping *orphanet_from_icd10(const Orphanet *o, const char *icd10, size_t *ret_n) {
        const IcdEntry *e = o && icd10 ? strmap_get(o->by_icd, icd10) : NULL;
        *ret_n = e ? e->n : 0;
        return e ? &o->from_icd[e->first] : NULL;
}

const char *orpha_mapping_type_name(OrphaMappingType t) {
        return t == ORPHA_MAPPING_EXACT ? "E" : t == ORPHA_MAPPING_NTBT ? "NTBT" : "BTNT";
}
