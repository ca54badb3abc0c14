/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "emx2-api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *body = (const char *) data;

        /* Every parser on the same bytes, the results used the way the HTTPS backend does. */
        char *message = NULL;
        if (emx2_parse_error(body, size, &message) >= 0) {
                (void) emx2_error_kind(message);
                free(message);
        }

        char *token = NULL;
        message = NULL;
        int r = emx2_parse_signin(body, size, &token, &message);
        if (r >= 0) {
                explicit_bzero(token, strlen(token));
                free(token);
        } else if (r == -EACCES)
                free(message);

        char *id = NULL, *url = NULL;
        if (emx2_parse_task_reference(body, size, &id, &url) >= 0) {
                free(id);
                free(url);
        }

        Emx2TaskStatus status;
        char *description = NULL;
        if (emx2_parse_task(body, size, &status, &description) >= 0) {
                (void) emx2_task_status_is_final(status);
                free(description);
        }

        /* The bytes as text: a message to classify, and e-mail and password (split at the first
         * NUL, or in the middle) for the sign-in request. */
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, body, size);
        text[size] = 0;
        (void) emx2_error_kind(text);
        size_t n = strlen(text);
        const char *password = n < size ? text + n + 1 : text + n / 2;
        char *email = strndup(text, n < size ? n : n / 2);
        char *request = NULL;
        size_t request_size = 0;
        if (email && emx2_signin_request(email, password, &request, &request_size) >= 0) {
                explicit_bzero(request, request_size);
                free(request);
        }
        free(email);
        free(text);
        return 0;
}
