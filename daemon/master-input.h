/* SPDX-License-Identifier: MIT */
#pragma once

/* The three kinds of master (design §3): a folder is a set of Directory CSV files
 * (master-csv.h), a file ending in .xml is MIABIS 2.0 XML (miabis-xml.h), any other file is the
 * YAML master (master.h). All three produce the same records, for the same mapping and
 * validation. */

#include "model.h"
#include "records.h"

int master_input_load(const char *path, const Model *model, RecordSet *set, Findings *findings);
