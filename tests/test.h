/* SPDX-License-Identifier: MIT */
#pragma once

/* A tiny test harness: each test program runs its TEST() functions, counts failed CHECKs and
 * exits non-zero when any failed. meson runs each program as one test. */

#include <stdio.h>
#include <string.h>

#include "model.h"
#include "util.h"

extern int test_failures;
extern const char *test_current;

#define CHECK(cond)                                                                                      \
        do {                                                                                             \
                if (!(cond)) {                                                                           \
                        fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, test_current, #cond); \
                        test_failures++;                                                                 \
                }                                                                                        \
        } while (0)

#define CHECK_INT(a, b)                                                                                  \
        do {                                                                                             \
                long long _a = (long long) (a), _b = (long long) (b);                                    \
                if (_a != _b) {                                                                          \
                        fprintf(stderr, "%s:%d: %s: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                                test_current, #a, _a, #b, _b);                                           \
                        test_failures++;                                                                 \
                }                                                                                        \
        } while (0)

#define CHECK_STR(a, b)                                                                                  \
        do {                                                                                             \
                const char *_a = (a), *_b = (b);                                                         \
                if (!streq_ptr(_a, _b)) {                                                                \
                        fprintf(stderr, "%s:%d: %s: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
                                test_current, #a, _a ?: "(null)", _b ?: "(null)");                       \
                        test_failures++;                                                                 \
                }                                                                                        \
        } while (0)

/* Substring check, for messages. */
#define CHECK_CONTAINS(haystack, needle)                                                                 \
        do {                                                                                             \
                const char *_h = (haystack), *_n = (needle);                                             \
                if (!_h || !strstr(_h, _n)) {                                                            \
                        fprintf(stderr, "%s:%d: %s: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
                                test_current, _h ?: "(null)", _n);                                       \
                        test_failures++;                                                                 \
                }                                                                                        \
        } while (0)

#define TEST(name) static void name(void)
#define RUN(name)                                      \
        do {                                           \
                test_current = #name;                  \
                int _before = test_failures;           \
                name();                                \
                fprintf(stderr, "%s %s\n", test_failures == _before ? "ok" : "FAIL", #name); \
        } while (0)

#define TEST_MAIN(...)                                 \
        int test_failures = 0;                         \
        const char *test_current = "";                 \
        int main(void) {                               \
                __VA_ARGS__;                           \
                return test_failures ? 1 : 0;          \
        }

/* Source tree root (set by meson as -DSOURCE_ROOT="...") for fixture paths. */
#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif

/* For tests that need the Directory model: loads it into the global `model` (declare
 * `static Model *model;` first), runs the tests, frees it. */
#define TEST_MAIN_WITH_MODEL(setup, ...)                                                         \
        int test_failures = 0;                                                                   \
        const char *test_current = "";                                                           \
        int main(void) {                                                                         \
                Findings _f;                                                                     \
                findings_init(&_f);                                                              \
                int _r = model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &model, &_f);  \
                findings_done(&_f);                                                              \
                if (_r < 0) {                                                                    \
                        fprintf(stderr, "cannot load the model: %s\n", strerror(-_r));           \
                        return 1;                                                                \
                }                                                                                \
                setup;                                                                           \
                __VA_ARGS__;                                                                     \
                model_free(model);                                                               \
                return test_failures ? 1 : 0;                                                    \
        }
