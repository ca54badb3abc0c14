/* SPDX-License-Identifier: MIT */
#include "answer-check.h"
#include "test.h"

static const char *const lookup[] = { "name", NULL };

/* The check's verdict on one answer: NULL when it passes, else the finding as people see it. */
static char *verdict(const char *answer, const char *const *required) {
        Findings f;
        findings_init(&f);
        int r = answer_check_table(answer, strlen(answer), "DirectoryOntologies/Countries.csv", required, true,
                                   SEVERITY_WARNING, &f);
        char *text = NULL;
        if (r < 0) {
                CHECK_INT(r, -EBADMSG);
                CHECK_INT(f.n_items, 1);
                CHECK_INT(f.n_warnings, 1);
                text = f.n_items ? finding_format(&f.items[0]) : strdup("(no finding)");
        } else
                CHECK_INT(f.n_items, 0);
        findings_done(&f);
        return text;
}

#define CHECK_VERDICT(answer, required, expected)                  \
        do {                                                       \
                _cleanup_free_ char *_v = verdict(answer, required); \
                CHECK_STR(_v, expected);                           \
        } while (0)

TEST(test_whole_tables_pass) {
        CHECK_VERDICT("name,label\nBE,Belgium\nNL,Netherlands\n", lookup, NULL);
        CHECK_VERDICT("\xEF\xBB\xBFname,label\r\nBE,\"Belgium, the kingdom\"\r\n", lookup, NULL);
        CHECK_VERDICT("name,label\n", lookup, NULL); /* a table without rows is a table */
        CHECK_VERDICT("name,label\nBE,\"two\nlines\"\n\n", lookup, NULL);
        CHECK_VERDICT("code,description\nX,Y\n", NULL, NULL);
        CHECK(!answer_is_markup("name\n<b>,x\n", 11));
}

TEST(test_bad_answers_refused) {
        CHECK_VERDICT("", lookup,
                      "DirectoryOntologies/Countries.csv:1:1: warning: the answer is empty: no header, no table");
        CHECK_VERDICT("<!DOCTYPE html><html><body>Sign in</body></html>\n", lookup,
                      "DirectoryOntologies/Countries.csv:1:1: warning: the answer is an HTML or XML page, not CSV "
                      "(a proxy's or a login page?)");
        CHECK_VERDICT("\xEF\xBB\xBF \n<html>\n", NULL,
                      "DirectoryOntologies/Countries.csv:1:1: warning: the answer is an HTML or XML page, not CSV "
                      "(a proxy's or a login page?)");
        CHECK_VERDICT("code,description\nX,Y\n", lookup,
                      "DirectoryOntologies/Countries.csv:1:1: warning: the answer has no 'name' column: it is not "
                      "this table");
        /* Cut off: mid-row, between two fields, inside a quoted field. */
        CHECK_VERDICT("name,label\nBE,Belgium\nNL", lookup,
                      "DirectoryOntologies/Countries.csv:3:3: warning: the answer does not end with a line end: it is "
                      "cut off");
        CHECK_VERDICT("name,label\nBE,Belgium\nNL,Nether", lookup,
                      "DirectoryOntologies/Countries.csv:3:10: warning: the answer does not end with a line end: it "
                      "is cut off");
        CHECK_VERDICT("name,label\nBE,Belgium\nNL\n", lookup,
                      "DirectoryOntologies/Countries.csv:3:2: warning: a row of 1 field under a header of 2: the "
                      "answer is cut off or no table");
        CHECK_VERDICT("name,label\nBE,Belgium\nNL,\"Nether\n", lookup,
                      "DirectoryOntologies/Countries.csv:3:4: warning: quoted field is never closed: the answer is "
                      "cut off or no table");
        CHECK(!answer_is_whole("name\nBE", 7, true));
        CHECK(answer_is_whole("name\nBE", 7, false)); /* a file a person wrote */
        CHECK(!answer_is_whole("<html>\n", 7, false));
        CHECK(answer_is_whole("name\nBE\n", 8, true));
        CHECK(answer_is_whole("", 0, true));
        Findings f;
        findings_init(&f);
        CHECK_INT(answer_check_table("name\nBE", 7, "x.csv", lookup, false, SEVERITY_WARNING, &f), 0);
        CHECK_INT(f.n_items, 0);
        findings_done(&f);
        CHECK_VERDICT("name,label\nBE,Belgium,extra\n", lookup,
                      "DirectoryOntologies/Countries.csv:2:3: warning: a row of 3 fields under a header of 2: the "
                      "answer is cut off or no table");
}

TEST(test_refused) {
        Findings answer, dst;
        findings_init(&answer);
        findings_init(&dst);
        CHECK_INT(answer_check_table("x,y\n1\n", 6, "S/T.csv", NULL, true, SEVERITY_ERROR, &answer), -EBADMSG);
        CHECK_INT(answer_refused(&dst, "S/T.csv", &answer, "the last good copy stays in use"), 0);
        CHECK_INT(dst.n_warnings, 1);
        _cleanup_free_ char *text = finding_format(&dst.items[0]);
        CHECK_STR(text, "S/T.csv:2:2: warning: a row of 1 field under a header of 2: the answer is cut off or no "
                        "table; the last good copy stays in use");
        findings_done(&answer);
        findings_done(&dst);
        CHECK(answer_error_is_bad_answer(-EBADMSG) && answer_error_is_bad_answer(-EREMOTEIO) &&
              answer_error_is_bad_answer(-ECONNRESET) && !answer_error_is_bad_answer(-EHOSTUNREACH) &&
              !answer_error_is_bad_answer(-EACCES) && !answer_error_is_bad_answer(-ENOMEM));
}

TEST_MAIN(RUN(test_whole_tables_pass); RUN(test_bad_answers_refused); RUN(test_refused))
