/* SPDX-License-Identifier: MIT */
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "limits.h"
#include "miabis-doc.h"
#include "miabis-xml.h"

/* The schema, built into the program from mappings/miabis-2.0.xsd (daemon/meson.build). */
extern const char miabis_xsd[];
extern const size_t miabis_xsd_size;

/* libxml2 reports through global handlers; while it works for us they turn its errors into
 * findings (the core never prints), and no external resource can be loaded. */
typedef struct ErrorSink {
        Findings *findings;
        const char *filename;
        const char *code;
        bool stopped;           /* we refused the document: libxml2's follow-up errors are noise */
        bool any;               /* at least one error was recorded */
        int oom;
} ErrorSink;

typedef struct Handlers {
        xmlGenericErrorFunc generic;
        void *generic_context;
        xmlStructuredErrorFunc structured;
        void *structured_context;
        xmlExternalEntityLoader loader;
} Handlers;

static void silent_generic(void *ctx, const char *msg, ...) {
}

static xmlParserInputPtr refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
        return NULL;
}

/* Cleans a libxml2 message: no trailing newline, no "{namespace}" before element names. */
static char *clean_message(const char *message) {
        static const char ns[] = "{" MIABIS_NAMESPACE "}";
        size_t n = strlen(message);
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        size_t k = 0;
        for (const char *p = message; *p;) {
                if (startswith(p, ns)) {
                        p += sizeof ns - 1;
                        continue;
                }
                out[k++] = *p++;
        }
        while (k > 0 && (out[k - 1] == '\n' || out[k - 1] == ' '))
                k--;
        out[k] = 0;
        return out;
}

static void sink_structured(void *userdata, xmlErrorPtr e) {
        ErrorSink *sink = userdata;
        if (!sink || !e || sink->stopped || e->level == XML_ERR_WARNING || e->level == XML_ERR_NONE)
                return;
        _cleanup_free_ char *message = clean_message(e->message ?: "invalid document");
        if (!message) {
                sink->oom = -ENOMEM;
                return;
        }
        Location loc = {
                .file = sink->filename,
                .line = e->line > 0 ? (unsigned) e->line : 0,
                .column = e->domain == XML_FROM_PARSER && e->int2 > 0 ? (unsigned) e->int2 : 0,
        };
        if (findings_error_at(sink->findings, sink->code, &loc, "%s", message) < 0)
                sink->oom = -ENOMEM;
        sink->any = true;
}

static void handlers_install(Handlers *saved, ErrorSink *sink) {
        xmlInitParser();
        *saved = (Handlers) {
                .generic = xmlGenericError,
                .generic_context = xmlGenericErrorContext,
                .structured = xmlStructuredError,
                .structured_context = xmlStructuredErrorContext,
                .loader = xmlGetExternalEntityLoader(),
        };
        xmlSetGenericErrorFunc(NULL, silent_generic);
        xmlSetStructuredErrorFunc(sink, sink_structured);
        xmlSetExternalEntityLoader(refuse_loader);
}

static void handlers_restore(Handlers *saved) {
        xmlSetGenericErrorFunc(saved->generic_context, saved->generic);
        xmlSetStructuredErrorFunc(saved->structured_context, saved->structured);
        xmlSetExternalEntityLoader(saved->loader);
}

/* ---- the guarded parse: SAX callbacks wrapped to refuse a DOCTYPE and enforce the limits ---- */

typedef struct Guard {
        ErrorSink *sink;
        startElementNsSAX2Func start;
        endElementNsSAX2Func end;
        charactersSAXFunc characters, ignorable, cdata;
        unsigned depth;
        const xmlChar *element; /* the element whose text is being read (a dictionary string) */
        size_t n_elements, text_bytes;
        int refused;            /* 0, or why the parse was stopped (-EBADMSG, -E2BIG) */
} Guard;

static void guard_refuse(xmlParserCtxtPtr ctxt, int error, const char *fmt, ...) _printf_(3, 4);
static void guard_refuse(xmlParserCtxtPtr ctxt, int error, const char *fmt, ...) {
        Guard *g = ctxt->_private;
        if (g->refused)
                return;
        Location loc = {
                .file = g->sink->filename,
                .line = (unsigned) xmlSAX2GetLineNumber(ctxt),
                .column = (unsigned) xmlSAX2GetColumnNumber(ctxt),
        };
        va_list ap;
        va_start(ap, fmt);
        if (findings_addv(g->sink->findings, SEVERITY_ERROR, "xml-refused", NULL, NULL, NULL, &loc, fmt, ap) < 0)
                g->sink->oom = -ENOMEM;
        va_end(ap);
        g->refused = error;
        g->sink->stopped = true;
        xmlStopParser(ctxt);
}

static void guard_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id) {
        guard_refuse(ctx, -EBADMSG,
                     "a DOCTYPE is not allowed in MIABIS XML: DTDs and entities are refused, none is loaded or "
                     "expanded");
}

static void guard_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                        int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                        const xmlChar **attributes) {
        xmlParserCtxtPtr ctxt = ctx;
        Guard *g = ctxt->_private;
        if (g->refused)
                return;
        if (++g->depth > LIMIT_XML_DEPTH) {
                guard_refuse(ctxt, -E2BIG, "elements nested deeper than %u levels", LIMIT_XML_DEPTH);
                return;
        }
        if (++g->n_elements > LIMIT_XML_ELEMENTS) {
                guard_refuse(ctxt, -E2BIG, "more than %u elements", LIMIT_XML_ELEMENTS);
                return;
        }
        /* attributes: 5 pointers each (localname, prefix, URI, value start, value end). */
        for (int i = 0; i < nb_attributes; i++)
                if (attributes[i * 5 + 4] - attributes[i * 5 + 3] > (ptrdiff_t) LIMIT_XML_TEXT_BYTES) {
                        guard_refuse(ctxt, -E2BIG, "attribute '%s' of <%s> is longer than the limit of %u bytes",
                                     (const char *) attributes[i * 5], (const char *) localname, LIMIT_XML_TEXT_BYTES);
                        return;
                }
        g->text_bytes = 0;
        g->element = localname;
        g->start(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted, attributes);
}

static void guard_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
        xmlParserCtxtPtr ctxt = ctx;
        Guard *g = ctxt->_private;
        if (g->refused)
                return;
        if (g->depth > 0)
                g->depth--;
        g->text_bytes = 0;
        g->element = NULL;
        g->end(ctx, localname, prefix, uri);
}

static bool guard_text(xmlParserCtxtPtr ctxt, int len) {
        Guard *g = ctxt->_private;
        if (g->refused)
                return false;
        g->text_bytes += (size_t) len;
        if (g->text_bytes > LIMIT_XML_TEXT_BYTES) {
                if (g->element)
                        guard_refuse(ctxt, -E2BIG, "the text of <%s> is longer than the limit of %u bytes",
                                     (const char *) g->element, LIMIT_XML_TEXT_BYTES);
                else
                        guard_refuse(ctxt, -E2BIG, "a text is longer than the limit of %u bytes", LIMIT_XML_TEXT_BYTES);
                return false;
        }
        return true;
}

static void guard_characters(void *ctx, const xmlChar *ch, int len) {
        xmlParserCtxtPtr ctxt = ctx;
        if (guard_text(ctxt, len))
                ((Guard *) ctxt->_private)->characters(ctx, ch, len);
}

static void guard_ignorable(void *ctx, const xmlChar *ch, int len) {
        xmlParserCtxtPtr ctxt = ctx;
        if (guard_text(ctxt, len))
                ((Guard *) ctxt->_private)->ignorable(ctx, ch, len);
}

static void guard_cdata(void *ctx, const xmlChar *ch, int len) {
        xmlParserCtxtPtr ctxt = ctx;
        if (guard_text(ctxt, len))
                ((Guard *) ctxt->_private)->cdata(ctx, ch, len);
}

/* Never XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD, XML_PARSE_XINCLUDE or
 * XML_PARSE_HUGE. */
#define SAFE_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA)

static int parse_guarded(const char *data, size_t size, ErrorSink *sink, xmlDoc **ret) {
        if (size > (size_t) INT32_MAX)
                return -EFBIG;
        xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
        if (!ctxt || !ctxt->sax) {
                xmlFreeParserCtxt(ctxt);
                return -ENOMEM;
        }
        Guard g = {
                .sink = sink,
                .start = ctxt->sax->startElementNs,
                .end = ctxt->sax->endElementNs,
                .characters = ctxt->sax->characters,
                .ignorable = ctxt->sax->ignorableWhitespace,
                .cdata = ctxt->sax->cdataBlock,
        };
        ctxt->_private = &g;
        ctxt->sax->internalSubset = guard_internal_subset;
        ctxt->sax->externalSubset = NULL;
        ctxt->sax->entityDecl = NULL;
        ctxt->sax->startElementNs = guard_start;
        ctxt->sax->endElementNs = guard_end;
        ctxt->sax->characters = guard_characters;
        ctxt->sax->ignorableWhitespace = guard_ignorable;
        ctxt->sax->cdataBlock = guard_cdata;

        xmlDoc *doc = xmlCtxtReadMemory(ctxt, data, (int) size, sink->filename, NULL, SAFE_PARSE_OPTIONS);
        xmlFreeParserCtxt(ctxt);
        if (g.refused || sink->oom) {
                if (doc)
                        xmlFreeDoc(doc);
                return sink->oom ?: g.refused;
        }
        if (!doc) {
                if (!sink->any) {
                        Location loc = { .file = sink->filename };
                        if (findings_error_at(sink->findings, "xml-syntax", &loc, "not a well-formed XML document") < 0)
                                return -ENOMEM;
                }
                return -EBADMSG;
        }
        *ret = doc;
        return 0;
}

static int schema_load(ErrorSink *sink, xmlSchemaPtr *ret) {
        xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt(miabis_xsd, (int) miabis_xsd_size);
        if (!pc)
                return -ENOMEM;
        xmlSchemaSetParserStructuredErrors(pc, sink_structured, sink);
        xmlSchemaPtr schema = xmlSchemaParse(pc);
        xmlSchemaFreeParserCtxt(pc);
        if (!schema)
                return -EINVAL; /* the built-in schema is broken: a build problem, caught by the tests */
        *ret = schema;
        return 0;
}

static int check_root(const xmlDoc *doc, ErrorSink *sink) {
        const xmlNode *root = xmlDocGetRootElement(doc);
        Location loc = { .file = sink->filename, .line = root ? miabis_line(root) : 0 };
        int r = 0;
        if (doc->intSubset || doc->extSubset)
                r = findings_error_at(sink->findings, "xml-refused", &loc, "a DOCTYPE is not allowed in MIABIS XML");
        else if (!root)
                r = findings_error_at(sink->findings, "xml-syntax", &loc, "the document has no root element");
        else if (!miabis_is_element(root, "miabis")) {
                if (root->ns && root->ns->href)
                        r = findings_error_at(sink->findings, "xml-namespace", &loc,
                                              "the root element must be <miabis> in namespace " MIABIS_NAMESPACE
                                              ", not <%s> in namespace %s",
                                              (const char *) root->name, (const char *) root->ns->href);
                else
                        r = findings_error_at(sink->findings, "xml-namespace", &loc,
                                              "the root element must be <miabis> in namespace " MIABIS_NAMESPACE
                                              ", not <%s> in no namespace",
                                              (const char *) root->name);
        } else
                return 0;
        return r < 0 ? r : -EBADMSG;
}

int miabis_doc_read(const char *data, size_t size, const char *filename, xmlDoc **ret, Findings *findings) {
        ErrorSink sink = { .findings = findings, .filename = filename, .code = "xml-syntax" };
        Handlers saved;
        handlers_install(&saved, &sink);

        xmlDoc *doc = NULL;
        xmlSchemaPtr schema = NULL;
        xmlSchemaValidCtxtPtr vc = NULL;
        int r = parse_guarded(data, size, &sink, &doc);
        if (r < 0)
                goto finish;
        if ((r = check_root(doc, &sink)) < 0)
                goto finish;

        sink.code = "xml-schema";
        if ((r = schema_load(&sink, &schema)) < 0)
                goto finish;
        vc = xmlSchemaNewValidCtxt(schema);
        if (!vc) {
                r = -ENOMEM;
                goto finish;
        }
        xmlSchemaSetValidStructuredErrors(vc, sink_structured, &sink);
        int k = xmlSchemaValidateDoc(vc, doc);
        if (sink.oom)
                r = sink.oom;
        else if (k != 0) {
                if (!sink.any) {
                        Location loc = { .file = filename };
                        r = findings_error_at(findings, "xml-schema", &loc,
                                              "the document does not validate against the MIABIS 2.0 schema");
                        if (r < 0)
                                goto finish;
                }
                r = -EBADMSG;
        }
finish:
        xmlSchemaFreeValidCtxt(vc);
        xmlSchemaFree(schema);
        handlers_restore(&saved);
        if (r < 0) {
                if (doc)
                        xmlFreeDoc(doc);
                return r;
        }
        *ret = doc;
        return 0;
}

int miabis_schema_enumeration(const char *type, char ***ret) {
        ErrorSink sink = { .filename = "miabis-2.0.xsd", .stopped = true };
        Handlers saved;
        handlers_install(&saved, &sink);
        _cleanup_xml_doc_ xmlDoc *doc = xmlReadMemory(miabis_xsd, (int) miabis_xsd_size, "miabis-2.0.xsd", NULL,
                                                      SAFE_PARSE_OPTIONS);
        handlers_restore(&saved);
        if (!doc)
                return -ENOMEM;

        static const char xs[] = "http://www.w3.org/2001/XMLSchema";
        for (xmlNode *n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
                if (n->type != XML_ELEMENT_NODE || !n->ns || !xmlStrEqual(n->ns->href, BAD_CAST xs) ||
                    !xmlStrEqual(n->name, BAD_CAST "simpleType"))
                        continue;
                _cleanup_xml_free_ xmlChar *name = xmlGetProp(n, BAD_CAST "name");
                if (!name || !xmlStrEqual(name, BAD_CAST type))
                        continue;
                _cleanup_strv_free_ char **values = NULL;
                for (xmlNode *restriction = n->children; restriction; restriction = restriction->next) {
                        if (restriction->type != XML_ELEMENT_NODE || !xmlStrEqual(restriction->name, BAD_CAST "restriction"))
                                continue;
                        for (xmlNode *e = restriction->children; e; e = e->next) {
                                if (e->type != XML_ELEMENT_NODE || !xmlStrEqual(e->name, BAD_CAST "enumeration"))
                                        continue;
                                _cleanup_xml_free_ xmlChar *value = xmlGetProp(e, BAD_CAST "value");
                                if (value && strv_extend(&values, (const char *) value) < 0)
                                        return -ENOMEM;
                        }
                }
                if (!values)
                        return -ENOENT;
                *ret = TAKE_PTR(values);
                return 0;
        }
        return -ENOENT;
}

bool miabis_is_element(const xmlNode *n, const char *name) {
        return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
               xmlStrEqual(n->ns->href, BAD_CAST MIABIS_NAMESPACE) && xmlStrEqual(n->name, BAD_CAST name);
}

xmlNode *miabis_child(const xmlNode *n, const char *name) {
        for (xmlNode *c = n->children; c; c = c->next)
                if (miabis_is_element(c, name))
                        return c;
        return NULL;
}

xmlNode *miabis_next_element(xmlNode *n) {
        for (; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
                    xmlStrEqual(n->ns->href, BAD_CAST MIABIS_NAMESPACE))
                        return n;
        return NULL;
}

unsigned miabis_line(const xmlNode *n) {
        long line = xmlGetLineNo(n);
        return line > 0 && line <= (long) UINT32_MAX ? (unsigned) line : 0;
}

/* ---- the id codec (rule: miabis-xml.h) ---- */

static bool is_ascii_letter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_kept(char c) {
        return is_ascii_letter(c) || (c >= '0' && c <= '9') || c == '-';
}

char *miabis_id_encode(const char *id) {
        bool plain = is_ascii_letter(id[0]);
        for (const char *p = id; *p && plain; p++)
                plain = is_kept(*p) || *p == '_' || *p == ':';
        size_t n = strlen(id);
        char *out = malloc(plain ? n + 1 : 3 * n + 2);
        if (!out)
                return NULL;
        size_t k = 0;
        if (plain) {
                for (const char *p = id; *p; p++)
                        out[k++] = *p == ':' ? '.' : *p;
        } else {
                static const char hex[] = "0123456789ABCDEF";
                out[k++] = '_';
                for (const unsigned char *p = (const unsigned char *) id; *p; p++) {
                        if (is_kept((char) *p)) {
                                out[k++] = (char) *p;
                                continue;
                        }
                        out[k++] = '.';
                        out[k++] = hex[*p >> 4];
                        out[k++] = hex[*p & 15];
                }
        }
        out[k] = 0;
        return out;
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

int miabis_id_decode(const char *xml_id, char **ret) {
        size_t n = strlen(xml_id);
        _cleanup_free_ char *out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        size_t k = 0;
        if (xml_id[0] == '_') {
                for (const char *p = xml_id + 1; *p;) {
                        if (*p != '.') {
                                out[k++] = *p++;
                                continue;
                        }
                        int hi = hex_value(p[1]), lo = hi >= 0 ? hex_value(p[2]) : -1;
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                                return -EINVAL;
                        out[k++] = (char) (hi * 16 + lo);
                        p += 3;
                }
        } else
                for (const char *p = xml_id; *p; p++)
                        out[k++] = *p == '.' ? ':' : *p;
        out[k] = 0;
        if (!utf8_is_valid(out, k, NULL))
                return -EINVAL;
        *ret = TAKE_PTR(out);
        return 0;
}
