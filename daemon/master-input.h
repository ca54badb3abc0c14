/* SPDX-License-Identifier: MIT */
#pragma once

/* The three kinds of master (design §3): a folder is a set of Directory CSV files
 * (master-csv.h), a file ending in .xml is MIABIS 2.0 XML (miabis-xml.h), any other file is the
 * YAML master (master.h). All three produce the same records, for the same mapping and
 * validation. */

#include "master-csv.h"
#include "master.h"
#include "model.h"

/* Reads one master of any kind into set. The facts files a YAML master names are returned, not
 * read (master_read_facts_file() reads them): the caller reads them after the YAML tree is gone,
 * two at a time. second (or NULL) reads half of a CSV folder's biggest table at once. */
/* Whether path is a CSV-folder master (a folder), as master_input_load() tells the kinds apart. */
bool master_input_is_folder(const char *path);
int master_input_load(const char *path, const Model *model, RecordSet *set, MasterSecondReader *second,
                      MasterFactsFile **ret_facts, size_t *ret_n_facts, Findings *findings);
