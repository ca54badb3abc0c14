/* SPDX-License-Identifier: MIT */
#include "backend-file.h"
#include "backend-https.h"
#include "backends.h"

int backend_open(const Config *config, Backend **ret, Findings *findings) {
        switch (config->directory_scheme) {
        case DIRECTORY_FILE:
                return backend_file_open(config, config->directory_path, ret);
        case DIRECTORY_HTTPS:
                return backend_https_open(config, ret, findings);
        }
        return -EPROTONOSUPPORT;
}
