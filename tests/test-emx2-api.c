/* SPDX-License-Identifier: MIT */
#include <jansson.h>

#include "emx2-api.h"
#include "test.h"

#define S(s) s, strlen(s)

TEST(test_error_kind) {
        static const struct {
                const char *message;
                Emx2ErrorKind kind;
        } cases[] = {
                { "Invalid token or token expired", EMX2_ERROR_TOKEN },
                { "INVALID TOKEN OR TOKEN EXPIRED", EMX2_ERROR_TOKEN },
                { "permission denied for table Biobanks", EMX2_ERROR_PERMISSION },
                { "Transaction failed: ERROR: Permission Denied for schema BBMRI-BE", EMX2_ERROR_PERMISSION },
                { "Unauthorized", EMX2_ERROR_PERMISSION },
                { "You have no permission to edit schema BBMRI-BE", EMX2_ERROR_PERMISSION },
                { "ERROR: canceling statement due to statement timeout", EMX2_ERROR_TIMEOUT },
                { "canceling statement due to timeout", EMX2_ERROR_TIMEOUT },
                { "statement timeout", EMX2_ERROR_TIMEOUT },
                { "Table 'Samples' not found", EMX2_ERROR_NOT_FOUND },
                { "Unknown table: Samples", EMX2_ERROR_NOT_FOUND },
                { "Schema 'BBMRI-XX' unknown. Might you need to sign in or ask permission?", EMX2_ERROR_NOT_FOUND },
                { "unknown schema", EMX2_ERROR_OTHER }, /* "unknown" must come after "schema" */
                { "insert or update on table \"Biobanks\" violates foreign key constraint", EMX2_ERROR_OTHER },
                { "ID should start with bbmri-eric:ID:{NationalNodeCode}_", EMX2_ERROR_OTHER },
                { "column 'name' is required", EMX2_ERROR_OTHER },
                { "token", EMX2_ERROR_OTHER },
                { "", EMX2_ERROR_OTHER },
                { NULL, EMX2_ERROR_OTHER },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Emx2ErrorKind k = emx2_error_kind(cases[i].message);
                if (k != cases[i].kind)
                        fprintf(stderr, "message: %s\n", cases[i].message ?: "(null)");
                CHECK_INT(k, cases[i].kind);
        }
}

/* Parses an error body; the message or NULL on failure (then *ret_r says why). */
static char *error_message(const char *body, size_t size, int *ret_r) {
        char *m = (char *) "untouched";
        int r = emx2_parse_error(body, size, &m);
        *ret_r = r;
        if (r < 0) {
                CHECK_STR(m, "untouched"); /* not written on failure */
                return NULL;
        }
        return m;
}

TEST(test_parse_error) {
        int r;
        _cleanup_free_ char *m1 = error_message(
                S("{\"errors\":[{\"message\":\"Transaction failed: insert or update on table \\\"Collections\\\" violates "
                  "foreign key constraint\"}]}"),
                &r);
        CHECK_INT(r, 0);
        CHECK_STR(m1, "Transaction failed: insert or update on table \"Collections\" violates foreign key constraint");

        _cleanup_free_ char *m2 = error_message(
                S("{\"errors\":[{\"message\":\"Invalid token or token expired\"},{\"message\":\"  second\\n\"}]}"), &r);
        CHECK_INT(r, 0);
        CHECK_STR(m2, "Invalid token or token expired; second");
        CHECK_INT(emx2_error_kind(m2), EMX2_ERROR_TOKEN);

        /* GraphQL: data beside errors, locations and extensions inside. */
        _cleanup_free_ char *m3 = error_message(
                S("{\"errors\":[{\"message\":\"Field 'signin' in type 'Mutation' is undefined\",\"locations\":[{\"line\":1,"
                  "\"column\":2}],\"extensions\":{\"classification\":\"ValidationError\"}}],\"data\":null}"),
                &r);
        CHECK_INT(r, 0);
        CHECK_STR(m3, "Field 'signin' in type 'Mutation' is undefined");

        /* Unusable entries are skipped; control characters (C0, DEL, C1, NUL) become spaces. */
        _cleanup_free_ char *m4 = error_message(
                S("{\"errors\":[{\"msg\":\"x\"},{\"message\":{\"nested\":\"y\"}},{\"message\":\"\"},7,null,"
                  "{\"message\":\"a\\tb\\r\\nc\\u007fd\\u0085e\\u0000f \\u00e9\"}]}"),
                &r);
        CHECK_INT(r, 0);
        CHECK_STR(m4, "a b  c d e f \xc3\xa9");

        static const char *const bad[] = {
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
                "",
                "{}",
                "[]",
                "null",
                "\"errors\"",
                "{\"errors\":[]}",
                "{\"errors\":\"permission denied\"}",
                "{\"errors\":{\"message\":\"x\"}}",
                "{\"errors\":[{\"message\":\"   \"}]}",
                "{\"errors\":[{\"message\":7}]}",
                "{\"message\":\"not in errors\"}",
                "{\"errors\":[{\"message\":\"cut off",
                "{\"errors\":[{\"message\":\"bad \xff utf-8\"}]}",
                "{\"errors\":[{\"message\":\"x\"}]} trailing",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *m = error_message(S(bad[i]), &r);
                if (r != -EBADMSG)
                        fprintf(stderr, "body: %s\n", bad[i]);
                CHECK_INT(r, -EBADMSG);
                CHECK(m == NULL);
        }
        CHECK_INT((error_message(NULL, 0, &r), r), -EBADMSG);

        /* Only size bytes are read: the same text cut short is truncated JSON. */
        static const char whole[] = "{\"errors\":[{\"message\":\"x\"}]}";
        CHECK_INT((error_message(whole, strlen(whole) - 1, &r), r), -EBADMSG);
}

static bool is_cut_message(const char *m) {
        size_t n = m ? strlen(m) : 0;
        return n > 3 && n <= 2000 && endswith(m, "...") && utf8_is_valid(m, n, NULL);
}

TEST(test_parse_error_long) {
        /* 5000 ASCII bytes: cut to exactly 2000 with "...". */
        _cleanup_free_ char *ascii = malloc(5001);
        CHECK(ascii != NULL);
        if (!ascii)
                return;
        memset(ascii, 'x', 5000);
        ascii[5000] = 0;
        _cleanup_free_ char *body = strdup_printf("{\"errors\":[{\"message\":\"%s\"},{\"message\":\"later\"}]}", ascii);
        int r;
        _cleanup_free_ char *m = body ? error_message(S(body), &r) : NULL;
        CHECK_INT(r, 0);
        CHECK_INT(m ? strlen(m) : 0, 2000);
        CHECK(is_cut_message(m));
        CHECK(m && strstr(m, "later") == NULL);

        /* Two-byte characters: the cut falls on a character boundary. */
        _cleanup_free_ char *accents = malloc(3001);
        CHECK(accents != NULL);
        if (!accents)
                return;
        for (size_t i = 0; i < 3000; i += 2)
                memcpy(accents + i, "\xc3\xa9", 2);
        accents[3000] = 0;
        _cleanup_free_ char *body2 = strdup_printf("{\"errors\":[{\"message\":\"a%s\"}]}", accents);
        _cleanup_free_ char *m2 = body2 ? error_message(S(body2), &r) : NULL;
        CHECK_INT(r, 0);
        CHECK(is_cut_message(m2));
        CHECK(m2 && m2[0] == 'a');

        /* Many messages: joined up to the limit. */
        _cleanup_free_ char *many = strdup("{\"errors\":[");
        for (size_t i = 0; many && i < 500; i++) {
                char *n = strdup_printf("%s%s{\"message\":\"message number %zu\"}", many, i ? "," : "", i);
                free(many);
                many = n;
        }
        char *closed = many ? strdup_printf("%s]}", many) : NULL;
        free(many);
        many = closed;
        _cleanup_free_ char *m3 = many ? error_message(S(many), &r) : NULL;
        CHECK_INT(r, 0);
        CHECK(is_cut_message(m3));
        CHECK(m3 && startswith(m3, "message number 0; message number 1; "));

        /* A message of exactly 2000 bytes is kept whole. */
        ascii[2000] = 0;
        _cleanup_free_ char *body4 = strdup_printf("{\"errors\":[{\"message\":\"%s\"}]}", ascii);
        _cleanup_free_ char *m4 = body4 ? error_message(S(body4), &r) : NULL;
        CHECK_INT(r, 0);
        CHECK_STR(m4, ascii);
}

TEST(test_signin_request) {
        _cleanup_free_ char *body = NULL;
        size_t size = 0;
        CHECK_INT(emx2_signin_request("manager@uza.be", "pa\"ss\\w\xc3\xb6rd", &body, &size), 0);
        CHECK_STR(body,
                  "{\"query\":\"mutation($email:String,$password:String){signin(email:$email,password:$password){status "
                  "message token}}\",\"variables\":{\"email\":\"manager@uza.be\",\"password\":\"pa\\\"ss\\\\w\xc3\xb6rd\"}}");
        CHECK_INT(size, body ? strlen(body) : 0);

        /* It parses back to the same values. */
        json_t *j = body ? json_loadb(body, size, 0, NULL) : NULL;
        CHECK(j != NULL);
        CHECK_STR(json_string_value(json_object_get(json_object_get(j, "variables"), "password")), "pa\"ss\\w\xc3\xb6rd");
        CHECK_STR(json_string_value(json_object_get(json_object_get(j, "variables"), "email")), "manager@uza.be");
        json_decref(j);

        char *untouched = (char *) "untouched";
        size_t n = 42;
        CHECK_INT(emx2_signin_request("a@b.be", "bad \xff utf-8", &untouched, &n), -EINVAL);
        CHECK_INT(emx2_signin_request(NULL, "x", &untouched, &n), -EINVAL);
        CHECK_INT(emx2_signin_request("a@b.be", NULL, &untouched, &n), -EINVAL);
        CHECK_STR(untouched, "untouched");
        CHECK_INT(n, 42);
}

static int signin(const char *body, char **ret_token, char **ret_message) {
        *ret_token = *ret_message = NULL;
        return emx2_parse_signin(body, strlen(body), ret_token, ret_message);
}

TEST(test_parse_signin) {
        _cleanup_free_ char *token = NULL, *message = NULL;
        CHECK_INT(signin("{\"data\":{\"signin\":{\"status\":\"SUCCESS\",\"message\":\"Signed in as manager@uza.be\","
                         "\"token\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.c2ln\"}}}",
                         &token, &message),
                 0);
        CHECK_STR(token, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.c2ln");
        CHECK(message == NULL);
        token = mfree(token);

        CHECK_INT(signin("{\"data\":{\"signin\":{\"status\":\"FAILED\",\"message\":\"Sign in failed: user or password "
                         "unknown\",\"token\":null}}}",
                         &token, &message),
                  -EACCES);
        CHECK(token == NULL);
        CHECK_STR(message, "Sign in failed: user or password unknown");
        message = mfree(message);

        CHECK_INT(signin("{\"data\":{\"signin\":{\"status\":\"FAILED\"}}}", &token, &message), -EACCES);
        CHECK_STR(message, "sign-in failed");
        message = mfree(message);

        static const char *const bad[] = {
                "{\"data\":{\"signin\":{\"status\":\"SUCCESS\",\"message\":\"ok\"}}}",       /* no token */
                "{\"data\":{\"signin\":{\"status\":\"SUCCESS\",\"token\":\"\"}}}",           /* empty token */
                "{\"data\":{\"signin\":{\"status\":\"SUCCESS\",\"token\":\"abc\\r\\nX-Evil: 1\"}}}", /* not for a header */
                "{\"data\":{\"signin\":{\"status\":\"SUCCESS\",\"token\":42}}}",
                "{\"data\":{\"signin\":{\"status\":\"SUCCESS\",\"token\":\"abc\\u0000def\"}}}",
                "{\"data\":{\"signin\":{\"status\":\"SUCCESS\\u0000\",\"token\":\"abc\"}}}",
                "{\"data\":{\"signin\":{\"status\":\"MAYBE\",\"token\":\"abc\"}}}",
                "{\"data\":{\"signin\":{\"token\":\"abc\"}}}",
                "{\"data\":{\"signin\":null}}",
                "{\"data\":null,\"errors\":[{\"message\":\"Invalid token or token expired\"}]}",
                "{\"signin\":{\"status\":\"SUCCESS\",\"token\":\"abc\"}}",
                "<html>503 Service Unavailable</html>",
                "",
                "{\"data\":{\"signin\":{\"status\":\"SUCCESS\",\"token\":\"abc",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = signin(bad[i], &token, &message);
                if (r != -EBADMSG)
                        fprintf(stderr, "body: %s\n", bad[i]);
                CHECK_INT(r, -EBADMSG);
                CHECK(token == NULL);
                CHECK(message == NULL);
        }
}

TEST(test_parse_task_reference) {
        char *id = NULL, *url = NULL;
        CHECK_INT(emx2_parse_task_reference(S("{\"id\":\"6f1c0c4e-1f0b-4b4e-9a39-5b1f6e0f6a11\",\"url\":\"/api/tasks/"
                                              "6f1c0c4e-1f0b-4b4e-9a39-5b1f6e0f6a11\"}"),
                                            &id, &url),
                 0);
        CHECK_STR(id, "6f1c0c4e-1f0b-4b4e-9a39-5b1f6e0f6a11");
        CHECK_STR(url, "/api/tasks/6f1c0c4e-1f0b-4b4e-9a39-5b1f6e0f6a11");
        id = mfree(id);
        url = mfree(url);

        CHECK_INT(emx2_parse_task_reference(S("{\"id\":\"abc\"}"), &id, &url), 0);
        CHECK_STR(id, "abc");
        CHECK(url == NULL);
        id = mfree(id);
        CHECK_INT(emx2_parse_task_reference(S("{\"url\":null,\"id\":\"abc\"}"), &id, &url), 0);
        CHECK_STR(id, "abc");
        CHECK(url == NULL);
        id = mfree(id);

        static const char *const bad[] = {
                "{\"id\":42,\"url\":\"/api/tasks/42\"}",
                "{\"url\":\"/api/tasks/x\"}",
                "{\"id\":\"\"}",
                "{\"id\":\"../../api/graphql\"}", /* goes into a path: refused */
                "{\"id\":\"a b\"}",
                "{\"id\":\"abc\\u0000/../x\"}",
                "{\"id\":\"abc\",\"url\":7}",
                "{\"id\":\"abc\",\"url\":\"/api/tasks/abc\\r\\nHost: x\"}",
                "[\"abc\"]",
                "<html></html>",
                "",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *i_id = (char *) "untouched", *i_url = (char *) "untouched";
                int r = emx2_parse_task_reference(S(bad[i]), &i_id, &i_url);
                if (r != -EBADMSG)
                        fprintf(stderr, "body: %s\n", bad[i]);
                CHECK_INT(r, -EBADMSG);
                CHECK_STR(i_id, "untouched");
                CHECK_STR(i_url, "untouched");
        }
}

/* Parses a task; returns the status or a negative errno, the description in *ret. */
static int task(const char *body, char **ret) {
        Emx2TaskStatus s = (Emx2TaskStatus) 99;
        char *d = (char *) "untouched";
        int r = emx2_parse_task(body, strlen(body), &s, &d);
        if (r < 0) {
                CHECK_INT(s, 99);
                CHECK_STR(d, "untouched");
                *ret = NULL;
                return r;
        }
        *ret = d;
        return (int) s;
}

TEST(test_parse_task) {
        _cleanup_free_ char *d = NULL;
        CHECK_INT(task("{\"id\":\"6f1c\",\"description\":\"Import zip for schema BBMRI-BE for 120ms\",\"status\":"
                       "\"RUNNING\",\"progress\":3,\"total\":8,\"submitTimeMilliseconds\":1710000000000}",
                       &d),
                  EMX2_TASK_RUNNING);
        CHECK_STR(d, "Import zip for schema BBMRI-BE for 120ms");
        d = mfree(d);

        CHECK_INT(task("{\"status\":\"waiting\"}", &d), EMX2_TASK_WAITING);
        CHECK(d == NULL);
        CHECK_INT(task("{\"status\":\"completed\",\"description\":\"done\"}", &d), EMX2_TASK_COMPLETED);
        CHECK_STR(d, "done");
        d = mfree(d);
        CHECK_INT(task("{\"status\":\"WARNING\",\"description\":\"done with warnings\"}", &d), EMX2_TASK_WARNING);
        d = mfree(d);
        CHECK_INT(task("{\"status\":\"SKIPPED\"}", &d), EMX2_TASK_SKIPPED);
        CHECK_INT(task("{\"status\":\"UNKNOWN\",\"description\":\"Task 6f1c not found\"}", &d), EMX2_TASK_UNKNOWN);
        d = mfree(d);

        /* ERROR: the innermost failed sub-task names the table. */
        static const char failed[] =
                "{\"id\":\"6f1c\",\"description\":\"Import failed\",\"status\":\"ERROR\",\"subTasks\":["
                "{\"id\":\"a\",\"description\":\"Imported Persons (12 rows) in 40ms\",\"status\":\"COMPLETED\"},"
                "{\"id\":\"b\",\"description\":\"Import schema BBMRI-BE failed\",\"status\":\"ERROR\",\"subTasks\":["
                "{\"id\":\"c\",\"description\":\"Imported Biobanks (3 rows)\",\"status\":\"COMPLETED\"},"
                "{\"id\":\"d\",\"description\":\"Import of table Collections failed: column 'type' is required\","
                "\"status\":\"ERROR\",\"subTasks\":[{\"status\":\"ERROR\"}]},"
                "{\"id\":\"e\",\"description\":\"Import of table CollectionFacts failed\",\"status\":\"ERROR\"}]},"
                "{\"id\":\"f\",\"description\":\"Import of table Studies skipped\",\"status\":\"SKIPPED\"}]}";
        CHECK_INT(task(failed, &d), EMX2_TASK_ERROR);
        CHECK_STR(d, "Import of table Collections failed: column 'type' is required");
        d = mfree(d);

        /* ERROR without a failed sub-task: the task's own description. */
        CHECK_INT(task("{\"description\":\"Import failed: zip holds molgenis.csv\",\"status\":\"ERROR\",\"subTasks\":["
                       "{\"description\":\"Imported Persons\",\"status\":\"COMPLETED\"},7,null,\"x\"]}",
                       &d),
                  EMX2_TASK_ERROR);
        CHECK_STR(d, "Import failed: zip holds molgenis.csv");
        d = mfree(d);
        CHECK_INT(task("{\"status\":\"ERROR\",\"subTasks\":{\"status\":\"ERROR\",\"description\":\"not a list\"}}", &d),
                  EMX2_TASK_ERROR);
        CHECK(d == NULL);

        /* A sub-task's description is not used when the task did not fail. */
        CHECK_INT(task("{\"description\":\"Import\",\"status\":\"RUNNING\",\"subTasks\":["
                       "{\"description\":\"Import of table X failed\",\"status\":\"ERROR\"}]}",
                       &d),
                  EMX2_TASK_RUNNING);
        CHECK_STR(d, "Import");
        d = mfree(d);

        /* Control characters in a description. */
        CHECK_INT(task("{\"status\":\"ERROR\",\"description\":\"line one\\nline two\\u001b[31m\"}", &d), EMX2_TASK_ERROR);
        CHECK_STR(d, "line one line two [31m");
        d = mfree(d);

        static const char *const bad[] = {
                "{\"status\":\"FINISHED\"}",
                "{\"status\":\"ERROR\\u0000x\"}",
                "{\"status\":\"\"}",
                "{\"status\":3}",
                "{\"description\":\"no status\"}",
                "{\"subTasks\":[{\"status\":\"ERROR\"}]}",
                "[{\"status\":\"ERROR\"}]",
                "<!DOCTYPE html><html><body>Gateway Timeout</body></html>",
                "{\"status\":\"RUNNING\"",
                "",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = task(bad[i], &d);
                if (r != -EBADMSG)
                        fprintf(stderr, "body: %s\n", bad[i]);
                CHECK_INT(r, -EBADMSG);
                CHECK(d == NULL);
        }
}

/* A chain of depth sub-tasks, the innermost in ERROR. */
static char *nested_task(unsigned depth) {
        char *s = strdup("{\"status\":\"ERROR\",\"description\":\"innermost\"}");
        for (unsigned i = 0; s && i < depth; i++) {
                char *n = strdup_printf("{\"status\":\"ERROR\",\"description\":\"level %u\",\"subTasks\":[%s]}",
                                        depth - 1 - i, s);
                free(s);
                s = n;
        }
        return s;
}

TEST(test_parse_task_depth) {
        _cleanup_free_ char *d = NULL;
        _cleanup_free_ char *shallow = nested_task(5);
        CHECK(shallow != NULL);
        CHECK_INT(shallow ? task(shallow, &d) : -ENOMEM, EMX2_TASK_ERROR);
        CHECK_STR(d, "innermost");
        d = mfree(d);

        /* Deeper than the limit: followed down to 32 levels, no further. */
        _cleanup_free_ char *deep = nested_task(200);
        CHECK(deep != NULL);
        CHECK_INT(deep ? task(deep, &d) : -ENOMEM, EMX2_TASK_ERROR);
        CHECK_STR(d, "level 32");
        d = mfree(d);

        /* Deeper than jansson's own limit: refused by the parser, no crash. */
        _cleanup_free_ char *very_deep = nested_task(3000);
        CHECK(very_deep != NULL);
        CHECK_INT(very_deep ? task(very_deep, &d) : -ENOMEM, -EBADMSG);
}

TEST(test_task_status_is_final) {
        CHECK(!emx2_task_status_is_final(EMX2_TASK_WAITING));
        CHECK(!emx2_task_status_is_final(EMX2_TASK_RUNNING));
        CHECK(emx2_task_status_is_final(EMX2_TASK_COMPLETED));
        CHECK(emx2_task_status_is_final(EMX2_TASK_WARNING));
        CHECK(emx2_task_status_is_final(EMX2_TASK_SKIPPED));
        CHECK(emx2_task_status_is_final(EMX2_TASK_ERROR));
        CHECK(emx2_task_status_is_final(EMX2_TASK_UNKNOWN));
}

TEST_MAIN(RUN(test_error_kind); RUN(test_parse_error); RUN(test_parse_error_long); RUN(test_signin_request);
          RUN(test_parse_signin); RUN(test_parse_task_reference); RUN(test_parse_task); RUN(test_parse_task_depth);
          RUN(test_task_status_is_final))
