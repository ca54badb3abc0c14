/* SPDX-License-Identifier: MIT */
#pragma once

/* Orphanet's nomenclature (en_product1.xml from orphadata.org): the valid ORPHA codes, their names
 * and their ICD-10 mappings, for BBMRI-ERIC's Orphanet checks. Read with libxml2 under the MIABIS
 * reader's rules: no network, no DTD (a DOCTYPE is refused), no entity substitution, limits on
 * depth, elements and text (daemon/limits.h). */

#include "findings.h"

typedef struct Orphanet Orphanet;

typedef enum OrphaMappingType {
        ORPHA_MAPPING_EXACT, /* E: the two concepts are equivalent */
        ORPHA_MAPPING_NTBT,  /* the ORPHA concept is narrower than the ICD-10 one */
        ORPHA_MAPPING_BTNT,  /* the ORPHA concept is broader than the ICD-10 one */
} OrphaMappingType;

typedef struct OrphaMapping {
        const char *code;      /* the other side: an ICD-10 code ("Q77.3") or an ORPHA code ("558") */
        OrphaMappingType type; /* read from the ORPHA code's side; icd10 look-ups give the inverse */
} OrphaMapping;

/* Parses an en_product1.xml held in memory. Findings name filename:line[:column]. -EBADMSG
 * (not the file, or refused), -E2BIG (a limit), -ENOMEM. */
int orphanet_parse(const char *data, size_t size, const char *filename, Orphanet **ret, Findings *findings);
/* Reads and parses a file (at most LIMIT_ORPHANET_FILE_BYTES). */
int orphanet_load(const char *path, Orphanet **ret, Findings *findings);
Orphanet *orphanet_free(Orphanet *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(Orphanet, orphanet_free);

size_t orphanet_count(const Orphanet *o);
/* Whether code (without "ORPHA:", e.g. "558") is an Orphanet disorder. */
bool orphanet_is_code(const Orphanet *o, const char *code);
/* The disorder's English name, or NULL. */
const char *orphanet_name(const Orphanet *o, const char *code);
/* The ICD-10 mappings of an ORPHA code (type from the ORPHA side), or of an ICD-10 code (the ORPHA
 * codes, type inverted: from the ICD-10 side), in file order; *ret_n = 0 when none. */
const OrphaMapping *orphanet_to_icd10(const Orphanet *o, const char *orpha, size_t *ret_n);
const OrphaMapping *orphanet_from_icd10(const Orphanet *o, const char *icd10, size_t *ret_n);
const char *orpha_mapping_type_name(OrphaMappingType t);
