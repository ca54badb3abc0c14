/* SPDX-License-Identifier: MIT */
#pragma once

/* Exit codes (design §11, contract): what a run and the program end with. */
enum {
        EXIT_OK = 0,
        EXIT_DIFFERENCES = 1,  /* diff only */
        EXIT_USAGE = 64,
        EXIT_INVALID_DATA = 65,
        EXIT_UNAVAILABLE = 69,
        EXIT_CANT_WRITE = 73,
        EXIT_TEMPORARY = 75,
        EXIT_PERMISSION = 77,
        EXIT_CONFIG = 78,
};
