/* SPDX-License-Identifier: MIT */
#pragma once

/* The small JSON documents of the EMX2 API (reference/directory-api.md), built and parsed with
 * jansson: the error body every failure carries ({"errors":[{"message":...}]}), the GraphQL
 * sign-in mutation and its answer, the reference an asynchronous import returns ({"id","url"})
 * and the task status a poll returns. From memory, for the HTTPS backend and the fuzzer; core
 * code: no logging. No function here ever copies a password or token into a message. */

#include "util.h"

/* What a server message means for the client. */
typedef enum Emx2ErrorKind {
        EMX2_ERROR_OTHER,            /* validation, foreign key, required column...: the data */
        EMX2_ERROR_TOKEN,            /* "Invalid token or token expired" */
        EMX2_ERROR_PERMISSION,       /* "permission denied" and other refusals of access */
        EMX2_ERROR_TIMEOUT,          /* "canceling statement due to statement timeout" */
        EMX2_ERROR_NOT_FOUND,        /* an unknown table or schema */
} Emx2ErrorKind;

/* Classifies one server message (case-insensitive substring rules). */
Emx2ErrorKind emx2_error_kind(const char *message);

/* Parses an error body. On success *ret_message holds every message joined by "; " (malloc()ed,
 * control characters replaced by spaces, at most 2000 bytes, cut with "..."). -EBADMSG when the
 * body is not such JSON (an HTML page from a proxy, say). */
int emx2_parse_error(const char *body, size_t size, char **ret_message);

/* The sign-in request body for email and password (malloc()ed JSON; the caller wipes and frees it). */
int emx2_signin_request(const char *email, const char *password, char **ret_body, size_t *ret_size);

/* Parses the sign-in answer {"data":{"signin":{"status","message","token"}}}. On SUCCESS with a
 * token: 0 and *ret_token (malloc()ed; the caller wipes it). On FAILED: -EACCES and
 * *reterr_message (the server's message, malloc()ed). -EBADMSG for anything else. */
int emx2_parse_signin(const char *body, size_t size, char **ret_token, char **reterr_message);

/* Parses an async import's answer {"id":"...","url":"..."}: *ret_id and *ret_url (url may be
 * NULL when absent), malloc()ed. -EBADMSG when there is no string id. */
int emx2_parse_task_reference(const char *body, size_t size, char **ret_id, char **ret_url);

typedef enum Emx2TaskStatus {
        EMX2_TASK_WAITING,
        EMX2_TASK_RUNNING,
        EMX2_TASK_COMPLETED,
        EMX2_TASK_WARNING,           /* completed, with warnings */
        EMX2_TASK_SKIPPED,
        EMX2_TASK_ERROR,
        EMX2_TASK_UNKNOWN,           /* the server does not know the task */
} Emx2TaskStatus;

/* Parses a task {"id","description","status",...,"subTasks":[...]}. *ret_description is the
 * task's description, or for ERROR the description of the first sub-task (depth first) whose
 * status is ERROR when it has one (that one names the table), malloc()ed, may be NULL.
 * -EBADMSG when there is no known status string. */
int emx2_parse_task(const char *body, size_t size, Emx2TaskStatus *ret_status, char **ret_description);
bool emx2_task_status_is_final(Emx2TaskStatus s);
