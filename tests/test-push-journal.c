/* SPDX-License-Identifier: MIT */
#include "push-journal.h"
#include "test.h"

TEST(test_round_trip) {
        PushResult r = {};
        CHECK_INT(push_result_add_record(&r, "POST", "Persons", 3, 0), 0);
        CHECK_INT(push_result_add_record(&r, "POST", "Collections", 1000, 0), 0);
        CHECK_INT(push_result_add_record(&r, "DELETE", "CollectionFacts", 0, 7), 0);
        r.records[0].applied = true;
        char *json = NULL;
        size_t size = 0;
        CHECK_INT(push_journal_to_json("BBMRI-BE", "csv", 1764547200ull * 1000000, &r, false, &json, &size), 0);
        CHECK_CONTAINS(json, "\"format_version\": 1");
        CHECK_CONTAINS(json, "\"started\": \"2025-12-01T00:00:00Z\"");
        PushJournalSummary s = {};
        CHECK_INT(push_journal_parse(json, size, &s), 0);
        CHECK_STR(s.schema, "BBMRI-BE");
        CHECK_STR(s.method, "csv");
        CHECK(!s.finished);
        CHECK_INT(s.n_requests, 3);
        CHECK_INT(s.n_applied, 1);
        CHECK_INT(s.applied_upserts, 3);
        CHECK_INT(s.applied_deletes, 0);
        CHECK_STR(s.pending_tables, "Collections, CollectionFacts");
        push_journal_summary_done(&s);
        free(json);
        push_result_done(&r);
        CHECK(r.records == NULL);
}

TEST(test_bad) {
        static const char *const bad[] = {
                "",
                "[]",
                "{\"format_version\":2,\"started\":\"x\",\"schema\":\"s\",\"method\":\"csv\",\"requests\":[]}",
                "{\"format_version\":1,\"schema\":\"s\",\"method\":\"csv\",\"requests\":[]}",
                "{\"format_version\":1,\"started\":\"x\",\"schema\":\"s\",\"method\":\"csv\",\"requests\":[1]}",
                "{\"format_version\":1,\"started\":\"x\",\"schema\":\"s\",\"method\":\"csv\",\"requests\":"
                "[{\"tables\":\"T\",\"upserts\":-1,\"deletes\":0}]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                PushJournalSummary s = {};
                CHECK_INT(push_journal_parse(bad[i], strlen(bad[i]), &s), -EBADMSG);
                CHECK(s.started == NULL);
        }
}

TEST_MAIN(RUN(test_round_trip); RUN(test_bad))
