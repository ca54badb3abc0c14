/* SPDX-License-Identifier: MIT */
#include "publication.h"
#include "test.h"

#define HOUR (3600ull * 1000000)

static ModelTable tables[] = { { .name = (char *) "Biobanks" }, { .name = (char *) "Collections" } };
static const Model model = { .tables = tables, .n_tables = 2 };

static ChangeSet changes_of(Change *c, size_t n) {
        return (ChangeSet) { .changes = c, .n_changes = n };
}

TEST(test_push_then_published) {
        PublicationWatch w = {};
        Change pushed[] = {
                { .kind = CHANGE_ADDED, .table = 0, .id = "bbmri-eric:ID:BE_a" },
                { .kind = CHANGE_CHANGED, .table = 1, .id = "bbmri-eric:ID:BE_a:collection:x" },
                { .kind = CHANGE_CHANGED, .table = 1, .id = "bbmri-eric:ID:BE_a:collection:blocked", .blocked = true },
                { .kind = CHANGE_REMOVED, .table = 1, .id = "bbmri-eric:ID:BE_a:collection:gone" },
        };
        ChangeSet push = changes_of(pushed, ELEMENTSOF(pushed));
        /* Removals kept (push.deletions: keep): they were not pushed. */
        CHECK_INT(publication_note_push(&w, &model, &push, true, 10 * HOUR), 0);
        CHECK_INT(w.n_items, 2);
        /* A later push of the same row moves its time; removals now count. */
        CHECK_INT(publication_note_push(&w, &model, &push, false, 20 * HOUR), 0);
        CHECK_INT(w.n_items, 3);

        /* The published Directory lags in all three: none overdue within the grace. */
        ChangeSet lag = changes_of(pushed, ELEMENTSOF(pushed));
        CHECK_INT(publication_check(&w, &model, &lag, 30 * HOUR, 36 * HOUR), 0);
        CHECK_INT(w.n_items, 3);
        CHECK_INT(w.n_overdue, 0);
        /* After the grace they are overdue; the biobank was published meanwhile and is dropped. */
        ChangeSet still = changes_of(pushed + 1, 3);
        CHECK_INT(publication_check(&w, &model, &still, 57 * HOUR, 36 * HOUR), 0);
        CHECK_INT(w.n_items, 2);
        CHECK_INT(w.n_overdue, 2);
        for (size_t i = 0; i < w.n_items; i++) {
                CHECK_STR(w.items[i].table, "Collections");
                CHECK(w.items[i].overdue);
                CHECK_INT(w.items[i].pushed_usec, 20 * HOUR);
        }

        /* Pushed again (the master changed the row again): its grace starts anew. */
        ChangeSet again = changes_of(pushed + 1, 1);
        CHECK_INT(publication_note_push(&w, &model, &again, false, 57 * HOUR), 0);
        CHECK_INT(w.n_items, 2);
        CHECK_INT(w.n_overdue, 1);
        CHECK(!w.items[1].overdue);
        CHECK_INT(w.items[1].pushed_usec, 57 * HOUR);
        CHECK_INT(publication_check(&w, &model, &still, 58 * HOUR, 36 * HOUR), 0);
        CHECK_INT(w.n_overdue, 1);
        CHECK(w.items[0].overdue && !w.items[1].overdue);
        w.items[1].pushed_usec = 20 * HOUR;

        /* What is kept reads back the same. */
        char *json = NULL;
        size_t size = 0;
        CHECK_INT(publication_to_json(&w, &json, &size), 0);
        PublicationWatch back = {};
        CHECK_INT(publication_parse(json, size, &back), 0);
        CHECK_INT(back.n_items, 2);
        CHECK_STR(back.items[0].id, w.items[0].id);
        CHECK_INT(back.items[1].pushed_usec, 20 * HOUR);
        free(json);
        publication_watch_done(&back);

        /* Caught up: nothing differs, nothing is pending. */
        CHECK_INT(publication_check(&w, &model, NULL, 58 * HOUR, 36 * HOUR), 0);
        CHECK_INT(w.n_items, 0);
        CHECK_INT(w.n_overdue, 0);
        publication_watch_done(&w);
}

TEST(test_bad) {
        static const char *const bad[] = {
                "",
                "[]",
                "{}",
                "{\"pending\":{}}",
                "{\"pending\":[1]}",
                "{\"pending\":[{\"table\":\"Biobanks\",\"id\":\"x\"}]}",
                "{\"pending\":[{\"table\":\"Biobanks\",\"id\":\"x\",\"pushed_usec\":-1}]}",
                "{\"pending\":[{\"table\":\"Biobanks\",\"id\":\"x\",\"pushed_usec\":1}, 2]}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                PublicationWatch w = {};
                CHECK_INT(publication_parse(bad[i], strlen(bad[i]), &w), -EBADMSG);
                CHECK(w.items == NULL);
        }
}

TEST_MAIN(RUN(test_push_then_published); RUN(test_bad))
