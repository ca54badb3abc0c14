/* SPDX-License-Identifier: MIT */
#pragma once

/* The JSON Schema (draft 2020-12) of the YAML master (`schema`), generated from the model and the
 * mapping files, for editors with a YAML language server: every table's fields (and the aliases
 * the mappings declare) with their types, the required ones, nested `collections`, `services`
 * and `facts`, and for each lookup field the Directory ids, labels and local terms it accepts.
 * It helps as one types; the program's own reading stays the judge (it also takes labels in any
 * case and inherited values). Core code: it builds a buffer, it never logs. */

#include "mapping.h"
#include "model.h"
#include "vocab.h"

/* The schema as indented JSON, malloc()ed. -ENOMEM. */
int master_schema_build(const Model *model, const Mapping *m, const Vocabularies *v, char **ret_json,
                        size_t *ret_size);
