/* SPDX-License-Identifier: MIT */
#pragma once

/* MIABIS 2.0 XML, out and in (issue 3). The schema is the project's own corrected one
 * (mappings/miabis-2.0.xsd, built into the program): every document read and every export written
 * is validated against it with libxml2.
 *
 * Ids. Directory ids hold ':', which xs:ID forbids, so ids are encoded, reversibly:
 *   - an id that starts with an ASCII letter and holds only ASCII letters, digits, '-', '_' and
 *     ':' (every Directory id) has each ':' written as '.':
 *       bbmri-eric:ID:BE_UZA:collection:onco  <->  bbmri-eric.ID.BE_UZA.collection.onco
 *   - any other id is written as '_' followed by its bytes, letters, digits and '-' as they are,
 *     every other byte as '.' and two upper-case hex digits:
 *       urn:miriam:icd:C50.9  <->  _urn.3Amiriam.3Aicd.3AC50.2E9
 *   Decoding: a value starting with '_' is unescaped; any other has each '.' read as ':'. The two
 *   forms cannot be confused (a letter or '_' first), and both are valid xs:ID values. */

#include "dataset.h"
#include "mapping.h"
#include "records.h"
#include "vocab.h"

#define MIABIS_NAMESPACE "http://www.bbmri-eric.eu/miabis"

/* The id codec. Both return a malloc()ed string; decode gives -EINVAL for a malformed escape or a
 * NUL byte. */
char *miabis_id_encode(const char *id);
int miabis_id_decode(const char *xml_id, char **ret);

/* ---- reading: a MIABIS 2.0 document as a master ----
 *
 * Parsed by libxml2 without network access, without a DTD, without entity substitution: a
 * DOCTYPE is refused as soon as the parser meets it (no external entity, no billion laughs). Depth,
 * element count and the length of one text are limited (LIMIT_XML_*). The root must be <miabis> in
 * MIABIS_NAMESPACE; the document must validate against the schema, and every reference must name an
 * element of the right kind. Then contactInformation and researchInformation become Persons,
 * biobank becomes Biobanks and samplecollection becomes Collections records, with the field names
 * a YAML master uses and MIABIS labels as values, so the mapping files apply unchanged; a
 * collection inherits its biobank's country. Elements the Directory has no place for (study,
 * researchInformation's extra parts) are warnings. Findings name file:line; returns -EBADMSG
 * (syntax, schema, references), -E2BIG (a limit), -ENOMEM. */
int miabis_xml_parse(const char *data, size_t size, const char *filename, RecordSet *set, Findings *findings);

/* ---- writing: the mapped dataset as MIABIS 2.0 ----
 *
 * Persons become contactInformation, Biobanks biobank, Collections samplecollection, and every
 * distinct diagnosis a disease (urn:miriam:icd:X as ontology ICD-10, code X; ORPHA:N as ontology
 * ORPHA, code N; any other id as ontology Directory, code as is). Lookup ids are written as the
 * MIABIS 2.0 label the mapping files give them (the schema's enumerations, looked up through the
 * mapping: the tables of mappings/miabis-2.0.yaml used in reverse). What MIABIS 2.0 cannot carry
 * is left out and counted. */

typedef struct MiabisLeftOut {
        const char *table;      /* model table name (borrowed from the model) */
        const char *column;     /* column name, or NULL: whole rows of the table */
        size_t count;           /* rows, or values (items of a list count one each) */
} MiabisLeftOut;

typedef struct MiabisExportStats {
        size_t n_diseases, n_contacts, n_biobanks, n_collections;
        MiabisLeftOut *left_out; /* model order: table, then whole rows before columns */
        size_t n_left_out;
        size_t n_rows_left_out, n_values_left_out;
} MiabisExportStats;
void miabis_export_stats_done(MiabisExportStats *s);

/* "export BE: 19 biobanks, 35 collections, 20 contacts and 38 diseases written to be.xml; left
 * out, as MIABIS 2.0 cannot carry them: 1 Networks row and 215 values". malloc()ed. */
char *miabis_export_summary(const MiabisExportStats *s, const char *node, const char *path);
/* "Biobanks: latitude 19, longitude 19" for one table, or NULL when nothing of it was left out. */
char *miabis_export_left_out_line(const MiabisExportStats *s, const char *table);

/* Builds the document and checks it as a reader would (parsed back, validated against the schema,
 * references resolved) before handing it out. A document that fails is -EBADMSG with findings
 * naming the element, the line of the generated document and the reason. */
int miabis_xml_export_buffer(const Dataset *d, const Mapping *m, const Vocabularies *v, char **ret_data,
                             size_t *ret_size, MiabisExportStats *ret_stats, Findings *findings);
/* Writes it to path atomically (temporary file, fsync, rename) only when it passed. */
int miabis_xml_export(const Dataset *d, const Mapping *m, const Vocabularies *v, const char *path,
                      MiabisExportStats *ret_stats, Findings *findings);
