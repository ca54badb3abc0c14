/* SPDX-License-Identifier: MIT */
#pragma once

/* The https:// backend: a MOLGENIS EMX2 server through its API (emx2-api.h). */

#include "backend.h"

int backend_https_open(const Config *config, Backend **ret, Findings *findings);
