/* SPDX-License-Identifier: MIT */
#pragma once

/* The YAML master file reader (design §3): node, persons, networks, also_known_in, biobanks
 * with nested collections and sub-collections, services, studies, collection facts inline or
 * from CSV files the master names. Nested entities inherit country, contact, head and location
 * fields from their enclosing biobank/collection. Produces records; ids stay as written. */

#include "records.h"

/* Fields a nested collection takes from its biobank (a sub-collection from its parent collection)
 * unless it gives its own (design §3). */
#define MASTER_N_INHERITED_FIELDS 6
extern const char *const master_inherited_fields[MASTER_N_INHERITED_FIELDS];

/* The top-level lists of a master and their tables (collection_facts aside). */
typedef struct MasterSection {
        const char *key, *table;
} MasterSection;
#define MASTER_N_SECTIONS 7
extern const MasterSection master_sections[MASTER_N_SECTIONS];

/* From memory (fuzzing entry point). base_dir resolves relative CSV paths the master names
 * (NULL: CSV files are refused). Errors are findings at file:line:col; returns -EBADMSG, -E2BIG,
 * -EFBIG, -ENOMEM. Records are appended to set. */
int master_parse_yaml(const char *data, size_t size, const char *filename, const char *base_dir, RecordSet *set,
                      Findings *findings);
/* Reads a master file's bytes (LIMIT_MASTER_FILE_BYTES); a file too large or unreadable is a
 * finding naming it. */
int master_read_bytes(const char *path, char **ret_data, size_t *ret_size, Findings *findings);
/* Reads one master file and the facts files it names. */
int master_load_file(const char *path, RecordSet *set, Findings *findings);

/* A facts CSV file a master names, to be read with master_read_facts_file(): reading the YAML
 * and the (big) fact files apart lets the tree go first and the files be read side by side. */
typedef struct MasterFactsFile {
        char *path;             /* resolved */
        char *written;          /* as the master writes it, for messages */
        Location location;      /* where the master names it */
        char *collection_id;    /* the enclosing collection's and biobank's ids as written, or NULL */
        char *biobank_id;
} MasterFactsFile;

/* The same as master_load_file() without reading the facts files: they are returned, in order. */
int master_load_file_deferred(const char *path, RecordSet *set, MasterFactsFile **ret_facts, size_t *ret_n_facts,
                              Findings *findings);
/* Reads one facts file into set (or its sink); errors are findings (-ENOMEM only). */
int master_read_facts_file(const MasterFactsFile *f, RecordSet *set, Findings *findings);
void master_facts_files_free(MasterFactsFile *files, size_t n);
