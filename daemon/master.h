/* SPDX-License-Identifier: MIT */
#pragma once

/* The YAML master file reader (design §3): node, persons, networks, also_known_in, biobanks
 * with nested collections and sub-collections, services, studies, collection facts inline or
 * from CSV files the master names. Nested entities inherit country, contact, head and location
 * fields from their enclosing biobank/collection. Produces records; ids stay as written. */

#include "records.h"

/* From memory (fuzzing entry point). base_dir resolves relative CSV paths the master names
 * (NULL: CSV files are refused). Errors are findings at file:line:col; returns -EBADMSG, -E2BIG,
 * -EFBIG, -ENOMEM. Records are appended to set. */
int master_parse_yaml(const char *data, size_t size, const char *filename, const char *base_dir, RecordSet *set,
                      Findings *findings);
/* Reads one master file (LIMIT_MASTER_FILE_BYTES). */
int master_load_file(const char *path, RecordSet *set, Findings *findings);
