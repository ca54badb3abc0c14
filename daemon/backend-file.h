/* SPDX-License-Identifier: MIT */
#pragma once

/* The file:// backend: the Directory as a folder of EMX2 CSV files per schema. */

#include "backend.h"

int backend_file_open(const Config *config, const char *folder, Backend **ret);
/* Test hook: stop a push after writing n files (-1: never). */
void backend_file_set_fault_after_files(Backend *b, int n_files);
