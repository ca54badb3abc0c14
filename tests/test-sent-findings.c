/* SPDX-License-Identifier: MIT */
#include "sent-findings.h"
#include "test.h"

static Finding finding(const char *code, const char *id, const char *message, unsigned line) {
        return (Finding) { .severity = SEVERITY_QUALITY_WARNING, .code = (char *) code, .table = (char *) "Collections",
                           .id = (char *) id, .column = (char *) "size", .message = (char *) message,
                           .file = (char *) "master.yaml", .line = line };
}

TEST(test_keys) {
        Finding a = finding("CP:SizeOver", "x", "too big", 10), moved = finding("CP:SizeOver", "x", "too big", 90);
        Finding other_row = finding("CP:SizeOver", "y", "too big", 10), other_text = finding("CP:SizeOver", "x", "huge", 10);
        /* A finding moved by an edit above it is the same finding; another row or text is not. */
        CHECK(sent_findings_key(&a) == sent_findings_key(&moved));
        CHECK(sent_findings_key(&a) != sent_findings_key(&other_row));
        CHECK(sent_findings_key(&a) != sent_findings_key(&other_text));
        Finding error = a;
        error.severity = SEVERITY_ERROR;
        CHECK(sent_findings_key(&a) != sent_findings_key(&error));
}

TEST(test_round_trip_and_days) {
        _cleanup_(sent_findings_freep) SentFindings *s = NULL;
        CHECK_INT(sent_findings_new("2026-12-04", &s), 0);
        /* Enough keys to grow the set a few times. */
        for (uint64_t k = 1; k <= 1000; k++)
                CHECK_INT(sent_findings_add(s, k * 0x9e3779b97f4a7c15ull), 0);
        CHECK_INT(sent_findings_add(s, 0x9e3779b97f4a7c15ull), 0); /* there already */
        CHECK_INT(sent_findings_size(s), 1000);
        CHECK(sent_findings_contains(s, 7 * 0x9e3779b97f4a7c15ull));
        CHECK(!sent_findings_contains(s, 12345));
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        CHECK_INT(sent_findings_format(s, &data, &size), 0);
        CHECK(startswith(data, "bbmri-dirsync journal-sent 1\nday 2026-12-04\n") != NULL);
        CHECK_INT(size, strlen("bbmri-dirsync journal-sent 1\nday 2026-12-04\n") + 17 * 1000);

        /* The same day: every key back. */
        _cleanup_(sent_findings_freep) SentFindings *same = NULL;
        CHECK_INT(sent_findings_parse(data, size, "2026-12-04", &same), 1);
        CHECK_INT(sent_findings_size(same), 1000);
        CHECK(sent_findings_contains(same, 7 * 0x9e3779b97f4a7c15ull));
        /* The next day: an empty set, so that the day's first run sends the full list. */
        _cleanup_(sent_findings_freep) SentFindings *next = NULL;
        CHECK_INT(sent_findings_parse(data, size, "2026-12-05", &next), 0);
        CHECK_INT(sent_findings_size(next), 0);
        CHECK(!sent_findings_contains(next, 7 * 0x9e3779b97f4a7c15ull));
        _cleanup_free_ char *next_data = NULL;
        CHECK_INT(sent_findings_format(next, &next_data, &size), 0);
        CHECK_STR(next_data, "bbmri-dirsync journal-sent 1\nday 2026-12-05\n");
}

TEST(test_damaged) {
        static const char *const bad[] = {
                "",
                "bbmri-dirsync journal-sent 2\nday 2026-12-04\n",
                "bbmri-dirsync journal-sent 1\nday 2026-1204\n",
                "bbmri-dirsync journal-sent 1\nday 2026-12-04\n00000000000000zz\n",
                "bbmri-dirsync journal-sent 1\nday 2026-12-04\n0000000000000001",      /* cut short */
                "bbmri-dirsync journal-sent 1\nday 2026-12-04\n0000000000000000\n",    /* no key is 0 */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                SentFindings *s = NULL;
                CHECK_INT(sent_findings_parse(bad[i], strlen(bad[i]), "2026-12-04", &s), -EBADMSG);
                CHECK(s == NULL);
        }
}

TEST(test_day) {
        char day[11];
        sent_findings_day(1764547200ull * 1000000, day); /* 2025-12-01T00:00:00Z */
        CHECK_STR(day, "2025-12-01");
        sent_findings_day(1764547199ull * 1000000, day);
        CHECK_STR(day, "2025-11-30");
}

TEST_MAIN(RUN(test_keys); RUN(test_round_trip_and_days); RUN(test_damaged); RUN(test_day))
