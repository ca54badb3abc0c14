/* SPDX-License-Identifier: MIT */
#pragma once

/* What the MIABIS XML reader and writer share: libxml2 used safely (a document parsed without
 * DTD, entities or network, within limits, then validated against the built-in schema), the
 * schema's enumerations, small tree helpers. Errors become findings, never output: libxml2's
 * own error printing is replaced while it works for us. */

#include <libxml/tree.h>

#include "findings.h"

/* Parses and validates data (see miabis_xml_parse() for the rules). *ret is the document, for
 * xmlFreeDoc(). Findings name filename:line[:column]. -EBADMSG, -E2BIG, -ENOMEM. */
int miabis_doc_read(const char *data, size_t size, const char *filename, xmlDoc **ret, Findings *findings);

/* The values of an enumerated simple type of the built-in schema ("MaterialType"), in schema
 * order, as a NULL-terminated strv; -ENOENT when the schema has no such type. */
int miabis_schema_enumeration(const char *type, char ***ret);

/* True when n is an element named `name` in the MIABIS namespace. */
bool miabis_is_element(const xmlNode *n, const char *name);
/* The first child element of n named `name` (MIABIS namespace), or NULL. */
xmlNode *miabis_child(const xmlNode *n, const char *name);
/* The next element sibling in the MIABIS namespace (any name) after n, or NULL. */
xmlNode *miabis_next_element(xmlNode *n);
unsigned miabis_line(const xmlNode *n);

static inline void xml_freep(xmlChar **p) {
        if (*p)
                xmlFree(*p);
}
#define _cleanup_xml_free_ _cleanup_(xml_freep)

static inline void xml_free_docp(xmlDoc **p) {
        if (*p)
                xmlFreeDoc(*p);
}
#define _cleanup_xml_doc_ _cleanup_(xml_free_docp)
