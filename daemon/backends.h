/* SPDX-License-Identifier: MIT */
#pragma once

/* The backends built in, chosen by the scheme of directory.url. Sits above the backends, which
 * know only the interface (backend.h), so that no module imports one that imports it. */

#include "backend.h"

/* Opens the backend the configuration names. -EPROTONOSUPPORT for a scheme not built in. */
int backend_open(const Config *config, Backend **ret, Findings *findings);
