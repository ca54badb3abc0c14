/* SPDX-License-Identifier: MIT */
#include <jansson.h>

#include "report.h"
#include "test.h"

static Model *model;
static int t_biobanks, t_collections;
static int c_size, c_materials, c_acronym;

static const char *const collection_id = "bbmri-eric:ID:BE_UZA:collection:oncology";

/* A dataset with n_biobanks biobanks and n_collections collections (ids only). */
static Dataset *make_dataset(size_t n_biobanks, size_t n_collections) {
        Dataset *d = NULL;
        if (dataset_new(model, &d) < 0)
                return NULL;
        for (size_t i = 0; i < n_biobanks; i++) {
                _cleanup_free_ char *id = strdup_printf("bbmri-eric:ID:BE_B%zu", i);
                if (!id || dataset_add_row(d, (size_t) t_biobanks, id, NULL, NULL) < 0)
                        return dataset_free(d);
        }
        for (size_t i = 0; i < n_collections; i++) {
                _cleanup_free_ char *id = i == 0 ? strdup(collection_id)
                                                 : strdup_printf("bbmri-eric:ID:BE_B0:collection:c%zu", i);
                if (!id || dataset_add_row(d, (size_t) t_collections, id, NULL, NULL) < 0)
                        return dataset_free(d);
        }
        return d;
}

static void add_findings(Findings *f, size_t errors, size_t warnings) {
        Location loc = { .file = "master.yaml", .line = 42, .column = 7 };
        for (size_t i = 0; i < errors; i++)
                CHECK_INT(findings_add(f, SEVERITY_ERROR, "unmapped-value", "Collections", collection_id, "materials",
                                       &loc, "unknown material \"%s\"", "Blood plasma"),
                          0);
        for (size_t i = 0; i < warnings; i++)
                CHECK_INT(findings_add(f, SEVERITY_WARNING, "model-drift", "Collections", collection_id, "size", NULL,
                                       "the Directory has a column the model file does not"),
                          0);
}

/* Quality findings of each kind, counted apart from errors and warnings. */
static void add_quality_findings(Findings *f, size_t errors, size_t warnings, size_t infos) {
        const Severity kinds[] = { SEVERITY_QUALITY_ERROR, SEVERITY_QUALITY_WARNING, SEVERITY_QUALITY_INFO };
        const size_t counts[] = { errors, warnings, infos };
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                for (size_t i = 0; i < counts[k]; i++)
                        CHECK_INT(findings_add(f, kinds[k], "CC:SizeOoMMismatch", "Collections", collection_id, "size",
                                               NULL, "size does not match order_of_magnitude"),
                                  0);
}

/* A change set of 2 added, 3 changed, 0 removed, as counts; one changed row in detail. */
static ColumnChange columns[3];
static Change change;
static DiffTableCounts per_table[32];
static ChangeSet make_changes(void) {
        columns[0] = (ColumnChange) { .column = (size_t) c_acronym, .old_value = "ONC", .new_value = NULL };
        columns[1] = (ColumnChange) { .column = (size_t) c_size, .old_value = "100", .new_value = "12000" };
        columns[2] = (ColumnChange) { .column = (size_t) c_materials,
                                      .old_value = "SERUM",
                                      .new_value = "SERUM\x1fTISSUE_FROZEN" };
        change = (Change) {
                .kind = CHANGE_CHANGED,
                .table = (size_t) t_collections,
                .id = collection_id,
                .columns = columns,
                .n_columns = 3,
        };
        memset(per_table, 0, sizeof per_table);
        per_table[t_collections] = (DiffTableCounts) { .added = 2, .changed = 3, .unchanged = 30 };
        per_table[t_biobanks] = (DiffTableCounts) { .unchanged = 19 };
        return (ChangeSet) {
                .changes = &change,
                .n_changes = 1,
                .per_table = per_table,
                .total = { .added = 2, .changed = 3, .unchanged = 49 },
        };
}

static RunReport make_report(const Dataset *d, const ChangeSet *cs, const Findings *f) {
        RunReport r = {
                .command = "sync",
                .node = "BE",
                .mode = "push",
                .against = "staging",
                .config_path = "/etc/bbmri-dirsync/config.yaml",
                .config_digest = "sha256:abc",
                .program_version = "0.1",
                .started_usec = 1767225600000000ULL,          /* 2026-01-01T00:00:00Z */
                .finished_usec = 1767225600000000ULL + 2500000, /* 2.5 s later */
                .n_phases = 2,
                .local = d,
                .changes = cs,
                .findings = f,
                .pushed = true,
                .n_requests = 1,
                .n_applied_upserts = 5,
                .verified = true,
                .exit_code = 0,
                .outcome = "success",
        };
        r.phases[0] = (ReportPhase) { .name = "read", .usec = 250000 };
        r.phases[1] = (ReportPhase) { .name = "push", .usec = 800000 };
        return r;
}

static long long int_at(json_t *o, const char *key) {
        json_t *v = json_object_get(o, key);
        return json_is_integer(v) ? (long long) json_integer_value(v) : -12345;
}

TEST(test_json) {
        _cleanup_(dataset_freep) Dataset *d = make_dataset(2, 3);
        CHECK(d);
        Findings f;
        findings_init(&f);
        add_findings(&f, 1, 4);
        add_quality_findings(&f, 3, 2, 1);
        ChangeSet cs = make_changes();
        RunReport r = make_report(d, &cs, &f);
        f.items[5].holds_back = true;
        f.items[6].in_directory = true;

        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        CHECK_INT(report_to_json(&r, &text, &size), 0);
        CHECK(text);
        if (!text) {
                findings_done(&f);
                return;
        }
        CHECK_INT(size, strlen(text));
        CHECK(endswith(text, "}\n"));
        CHECK_CONTAINS(text, "\n  \"changes\": [");           /* indented by 2 */
        CHECK(strstr(text, "\"changes\"") < strstr(text, "\"command\"")); /* sorted keys */

        json_error_t error;
        json_t *j = json_loadb(text, size, 0, &error);
        CHECK(j);
        /* Laid out as jansson lays out the whole document, keys sorted at every depth (the lists
         * are written element by element, a finding's keys put in in order). */
        _cleanup_free_ char *whole = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        _cleanup_free_ char *whole_line = whole ? strdup_printf("%s\n", whole) : NULL;
        CHECK_STR(text, whole_line);
        CHECK(json_is_true(json_object_get(json_array_get(json_object_get(j, "findings"), 5), "holds_back")));
        CHECK(json_is_true(json_object_get(json_array_get(json_object_get(j, "findings"), 6), "in_directory")));
        CHECK_INT(int_at(j, "format_version"), REPORT_FORMAT_VERSION);
        CHECK_INT(int_at(j, "format_version"), 1);
        CHECK_STR(json_string_value(json_object_get(json_object_get(j, "program"), "name")), "bbmri-dirsync");
        CHECK_STR(json_string_value(json_object_get(json_object_get(j, "program"), "version")), "0.1");
        CHECK_STR(json_string_value(json_object_get(j, "command")), "sync");
        CHECK_STR(json_string_value(json_object_get(j, "node")), "BE");
        CHECK_STR(json_string_value(json_object_get(j, "mode")), "push");
        CHECK(json_is_false(json_object_get(j, "dry_run")));
        CHECK_STR(json_string_value(json_object_get(j, "against")), "staging");
        CHECK_STR(json_string_value(json_object_get(json_object_get(j, "config"), "digest")), "sha256:abc");
        CHECK_STR(json_string_value(json_object_get(j, "started")), "2026-01-01T00:00:00Z");
        CHECK_STR(json_string_value(json_object_get(j, "finished")), "2026-01-01T00:00:02Z");
        CHECK(json_real_value(json_object_get(j, "duration_seconds")) == 2.5);
        json_t *phases = json_object_get(j, "phases");
        CHECK_INT(json_array_size(phases), 2);
        CHECK_STR(json_string_value(json_object_get(json_array_get(phases, 1), "name")), "push");
        CHECK(json_real_value(json_object_get(json_array_get(phases, 1), "seconds")) == 0.8);

        json_t *counts = json_object_get(j, "counts");
        CHECK_INT(int_at(counts, "added"), 2);
        CHECK_INT(int_at(counts, "changed"), 3);
        CHECK_INT(int_at(counts, "removed"), 0);
        CHECK_INT(int_at(counts, "unchanged"), 49);
        CHECK_INT(int_at(counts, "blocked"), 0);
        CHECK_INT(int_at(counts, "errors"), 1);
        CHECK_INT(int_at(counts, "warnings"), 4);
        CHECK_INT(int_at(counts, "quality_errors"), 3);
        CHECK_INT(int_at(counts, "quality_warnings"), 2);
        CHECK_INT(int_at(counts, "quality_infos"), 1);
        CHECK_INT(int_at(counts, "infos"), 0);
        json_t *tables = json_object_get(j, "tables");
        CHECK_INT(json_object_size(tables), model->n_tables);
        CHECK_INT(int_at(json_object_get(tables, "Collections"), "changed"), 3);
        CHECK_INT(int_at(json_object_get(tables, "Collections"), "unchanged"), 30);
        CHECK_INT(int_at(json_object_get(tables, "Biobanks"), "unchanged"), 19);

        json_t *changes = json_object_get(j, "changes");
        CHECK_INT(json_array_size(changes), 1);
        json_t *c = json_array_get(changes, 0);
        CHECK_STR(json_string_value(json_object_get(c, "kind")), "changed");
        CHECK_STR(json_string_value(json_object_get(c, "table")), "Collections");
        CHECK_STR(json_string_value(json_object_get(c, "id")), collection_id);
        CHECK(json_is_false(json_object_get(c, "blocked")));
        json_t *cols = json_object_get(c, "columns");
        CHECK_INT(json_array_size(cols), 3);
        json_t *acronym = json_array_get(cols, 0);
        CHECK_STR(json_string_value(json_object_get(acronym, "column")), "acronym");
        CHECK_STR(json_string_value(json_object_get(acronym, "old")), "ONC");
        CHECK(json_is_null(json_object_get(acronym, "new")));
        json_t *size_col = json_array_get(cols, 1);
        CHECK_STR(json_string_value(json_object_get(size_col, "column")), "size");
        CHECK_STR(json_string_value(json_object_get(size_col, "old")), "100");
        CHECK_STR(json_string_value(json_object_get(size_col, "new")), "12000");
        json_t *materials = json_array_get(cols, 2);
        CHECK_STR(json_string_value(json_object_get(materials, "column")), "materials");
        json_t *old_items = json_object_get(materials, "old"), *new_items = json_object_get(materials, "new");
        CHECK_INT(json_array_size(old_items), 1);
        CHECK_STR(json_string_value(json_array_get(old_items, 0)), "SERUM");
        CHECK_INT(json_array_size(new_items), 2);
        CHECK_STR(json_string_value(json_array_get(new_items, 0)), "SERUM");
        CHECK_STR(json_string_value(json_array_get(new_items, 1)), "TISSUE_FROZEN");

        json_t *findings = json_object_get(j, "findings");
        CHECK_INT(json_array_size(findings), 11);
        json_t *first = json_array_get(findings, 0);
        CHECK_STR(json_string_value(json_object_get(first, "severity")), "error");
        CHECK_STR(json_string_value(json_object_get(first, "code")), "unmapped-value");
        CHECK_STR(json_string_value(json_object_get(first, "file")), "master.yaml");
        CHECK_INT(int_at(first, "line"), 42);
        CHECK_INT(int_at(first, "column_number"), 7);
        CHECK_STR(json_string_value(json_object_get(first, "column")), "materials");
        CHECK_STR(json_string_value(json_object_get(first, "message")), "unknown material \"Blood plasma\"");
        json_t *second = json_array_get(findings, 1);
        CHECK_STR(json_string_value(json_object_get(second, "severity")), "warning");
        CHECK(json_is_null(json_object_get(second, "file")));
        CHECK(json_is_null(json_object_get(second, "line")));
        CHECK_STR(json_string_value(json_object_get(second, "id")), collection_id);
        /* Each finding names its kind: the quality ones as BBMRI-ERIC's levels, with their check id. */
        const char *const kinds[] = { "quality error", "quality error", "quality error", "quality warning",
                                      "quality warning", "quality info" };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                json_t *q = json_array_get(findings, 5 + i);
                CHECK_STR(json_string_value(json_object_get(q, "severity")), kinds[i]);
                CHECK_STR(json_string_value(json_object_get(q, "code")), "CC:SizeOoMMismatch");
        }

        json_t *push = json_object_get(j, "push");
        CHECK(json_is_true(json_object_get(push, "attempted")));
        CHECK_INT(int_at(push, "requests"), 1);
        CHECK_INT(int_at(push, "applied_upserts"), 5);
        CHECK_INT(int_at(push, "applied_deletes"), 0);
        CHECK(json_is_true(json_object_get(push, "verified")));
        json_t *guard = json_object_get(j, "guard");
        CHECK_INT(int_at(guard, "removals"), 0);
        CHECK(json_is_null(json_object_get(guard, "limit")));
        CHECK(json_is_false(json_object_get(guard, "refused")));
        CHECK_STR(json_string_value(json_object_get(j, "outcome")), "success");
        CHECK_INT(int_at(j, "exit_code"), 0);
        CHECK(json_is_null(json_object_get(j, "error")));
        json_decref(j);

        /* A guard with a limit, and text that is not UTF-8 (remote data) still gives valid JSON. */
        r.guard_limited = true;
        r.guard_limit = 5;
        r.guard_removals = 12;
        r.guard_refused = true;
        r.error = "bad \xff byte";
        text = mfree(text);
        CHECK_INT(report_to_json(&r, &text, &size), 0);
        j = text ? json_loadb(text, size, 0, &error) : NULL;
        CHECK(j);
        CHECK_INT(int_at(json_object_get(j, "guard"), "limit"), 5);
        CHECK_INT(int_at(json_object_get(j, "guard"), "removals"), 12);
        CHECK(json_is_true(json_object_get(json_object_get(j, "guard"), "refused")));
        CHECK_STR(json_string_value(json_object_get(j, "error")), "bad \xef\xbf\xbd byte");
        json_decref(j);

        /* Nothing but the basics (check before anything was read). */
        RunReport empty = { .command = "check", .exit_code = 78, .outcome = "configuration-error" };
        text = mfree(text);
        CHECK_INT(report_to_json(&empty, &text, &size), 0);
        j = text ? json_loadb(text, size, 0, &error) : NULL;
        CHECK(j);
        CHECK(json_is_null(json_object_get(j, "node")));
        CHECK(json_is_null(json_object_get(j, "started")));
        CHECK_INT(json_array_size(json_object_get(j, "changes")), 0);
        CHECK_INT(json_array_size(json_object_get(j, "findings")), 0);
        CHECK_INT(int_at(json_object_get(j, "counts"), "errors"), 0);
        CHECK_INT(int_at(j, "exit_code"), 78);
        json_decref(j);

        findings_done(&f);
}

/* The lists are written element by element: the text must be what jansson itself lays out. */
static void check_layout_is_janssons(const char *text, size_t size) {
        json_error_t error;
        json_t *j = json_loadb(text, size, 0, &error);
        CHECK(j);
        char *again = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        CHECK(again);
        if (again) {
                CHECK_INT(strlen(again) + 1, size);
                CHECK(strncmp(again, text, strlen(again)) == 0);
        }
        free(again);
        json_decref(j);
}

/* report.max_changes: held-back changes chosen first, findings by what needs action, the rest
 * counted in "listed"; the HTML page says what it left out. */
TEST(test_listing_bounded) {
        _cleanup_(dataset_freep) Dataset *d = make_dataset(2, 6);
        CHECK(d);
        Findings f;
        findings_init(&f);
        add_quality_findings(&f, 0, 0, 3); /* quality infos first in order, listed last */
        add_findings(&f, 2, 3);
        Change many[6];
        char *ids[6] = {};
        for (size_t i = 0; i < ELEMENTSOF(many); i++) {
                ids[i] = i == 0 ? strdup(collection_id) : strdup_printf("bbmri-eric:ID:BE_B0:collection:c%zu", i);
                many[i] = (Change) { .kind = CHANGE_ADDED, .table = (size_t) t_collections, .id = ids[i],
                                     .blocked = i == 4 };
        }
        ChangeSet cs = make_changes();
        cs.changes = many;
        cs.n_changes = ELEMENTSOF(many);
        RunReport r = make_report(d, &cs, &f);
        r.listing_bounded = true;
        r.max_listed = 3;

        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        CHECK_INT(report_to_json(&r, &text, &size), 0);
        json_error_t error;
        json_t *j = text ? json_loadb(text, size, 0, &error) : NULL;
        CHECK(j);
        json_t *changes = json_object_get(j, "changes");
        CHECK_INT(json_array_size(changes), 3);
        /* c0 (the collection_id) and c1, the first in order, and the held-back one (c4), which is
         * chosen before any other; listed in their order. */
        CHECK_STR(json_string_value(json_object_get(json_array_get(changes, 0), "id")), collection_id);
        CHECK_STR(json_string_value(json_object_get(json_array_get(changes, 1), "id")),
                  "bbmri-eric:ID:BE_B0:collection:c1");
        CHECK_STR(json_string_value(json_object_get(json_array_get(changes, 2), "id")),
                  "bbmri-eric:ID:BE_B0:collection:c4");
        CHECK(json_is_true(json_object_get(json_array_get(changes, 2), "blocked")));
        json_t *findings = json_object_get(j, "findings");
        CHECK_INT(json_array_size(findings), 3);
        CHECK_STR(json_string_value(json_object_get(json_array_get(findings, 0), "severity")), "error");
        CHECK_STR(json_string_value(json_object_get(json_array_get(findings, 1), "severity")), "error");
        CHECK_STR(json_string_value(json_object_get(json_array_get(findings, 2), "severity")), "warning");
        json_t *listed = json_object_get(j, "listed");
        CHECK_INT(int_at(listed, "max"), 3);
        CHECK_INT(int_at(listed, "changes"), 3);
        CHECK_INT(int_at(listed, "changes_not_listed"), 3);
        CHECK_INT(int_at(listed, "findings"), 3);
        CHECK_INT(int_at(listed, "findings_not_listed"), 5);
        /* The counts still cover everything. */
        CHECK_INT(int_at(json_object_get(j, "counts"), "warnings"), 3);
        CHECK_INT(int_at(json_object_get(j, "counts"), "quality_infos"), 3);
        json_decref(j);
        check_layout_is_janssons(text, size);

        /* 0 lists none, and the lists are still JSON arrays laid out as jansson would. */
        r.max_listed = 0;
        text = mfree(text);
        CHECK_INT(report_to_json(&r, &text, &size), 0);
        j = text ? json_loadb(text, size, 0, &error) : NULL;
        CHECK_INT(json_array_size(json_object_get(j, "changes")), 0);
        CHECK_INT(json_array_size(json_object_get(j, "findings")), 0);
        CHECK_INT(int_at(json_object_get(j, "listed"), "changes_not_listed"), 6);
        json_decref(j);
        check_layout_is_janssons(text, size);

        /* Not bounded: everything, and "max" is null. */
        r.listing_bounded = false;
        text = mfree(text);
        CHECK_INT(report_to_json(&r, &text, &size), 0);
        j = text ? json_loadb(text, size, 0, &error) : NULL;
        CHECK_INT(json_array_size(json_object_get(j, "changes")), 6);
        CHECK_INT(json_array_size(json_object_get(j, "findings")), 8);
        CHECK(json_is_null(json_object_get(json_object_get(j, "listed"), "max")));
        json_decref(j);
        check_layout_is_janssons(text, size);

        /* The HTML page lists as many and says so. */
        r.listing_bounded = true;
        r.max_listed = 3;
        _cleanup_free_ char *html = NULL;
        CHECK_INT(report_to_html(&r, &html, &size), 0);
        CHECK_CONTAINS(html, "This page lists 3 of 6 changes and 3 of 8 findings (report.max_changes: 3)");
        CHECK(!strstr(html, "collection:c2<"));
        CHECK_CONTAINS(html, "collection:c4");
        r.listing_bounded = false;
        html = mfree(html);
        CHECK_INT(report_to_html(&r, &html, &size), 0);
        CHECK(!strstr(html, "This page lists"));
        CHECK_CONTAINS(html, "collection:c2<");
        for (size_t i = 0; i < ELEMENTSOF(ids); i++)
                free(ids[i]);
        findings_done(&f);
}

TEST(test_publication) {
        _cleanup_(dataset_freep) Dataset *d = make_dataset(1, 1);
        CHECK(d);
        ChangeSet cs = make_changes();
        RunReport r = make_report(d, &cs, NULL);
        PendingChange items[] = {
                { .table = (char *) "Collections", .id = (char *) collection_id, .pushed_usec = 1767052800000000ULL,
                  .overdue = true }, /* 2025-12-30T00:00:00Z */
                { .table = (char *) "Persons", .id = (char *) "bbmri-eric:contactID:BE_x",
                  .pushed_usec = 1767225000000000ULL },
        };
        PublicationWatch w = { .items = items, .n_items = 2, .n_overdue = 1 };
        r.publication = &w;
        r.publication_checked = true;
        r.publication_grace_usec = 36ULL * 3600 * 1000000;

        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        CHECK_INT(report_to_json(&r, &text, &size), 0);
        json_error_t error;
        json_t *j = text ? json_loadb(text, size, 0, &error) : NULL;
        json_t *p = json_object_get(j, "publication");
        CHECK(json_is_true(json_object_get(p, "checked")));
        CHECK_INT(int_at(p, "grace_seconds"), 129600);
        CHECK_INT(int_at(p, "pending"), 2);
        CHECK_INT(int_at(p, "unpublished_count"), 1);
        json_t *list = json_object_get(p, "unpublished");
        CHECK_INT(json_array_size(list), 1);
        CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "id")), collection_id);
        CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "pushed")), "2025-12-30T00:00:00Z");
        json_decref(j);

        _cleanup_free_ char *html = NULL;
        CHECK_INT(report_to_html(&r, &html, &size), 0);
        CHECK_CONTAINS(html, "<h2 id=\"unpublished\" class=\"quality\">Pushed, not yet published (1)</h2>");
        CHECK_CONTAINS(html, "changes 1d 12h or longer after they were pushed;");
        CHECK_CONTAINS(html, "2025-12-30 00:00 UTC");
        CHECK(!strstr(html, "BE_x"));
        _cleanup_free_ char *metrics = NULL;
        CHECK_INT(report_to_metrics(&r, 0, &metrics, &size), 0);
        CHECK_CONTAINS(metrics, "bbmri_dirsync_unpublished_changes{node=\"BE\",command=\"sync\"} 1\n");

        /* Without a watch: null, no section, the metric 0. */
        r.publication = NULL;
        text = mfree(text);
        CHECK_INT(report_to_json(&r, &text, &size), 0);
        j = text ? json_loadb(text, size, 0, &error) : NULL;
        CHECK(json_is_null(json_object_get(j, "publication")));
        json_decref(j);
        html = mfree(html);
        CHECK_INT(report_to_html(&r, &html, &size), 0);
        CHECK(!strstr(html, "unpublished"));
        metrics = mfree(metrics);
        CHECK_INT(report_to_metrics(&r, 0, &metrics, &size), 0);
        CHECK_CONTAINS(metrics, "bbmri_dirsync_unpublished_changes{node=\"BE\",command=\"sync\"} 0\n");
}

TEST(test_summary_sync) {
        _cleanup_(dataset_freep) Dataset *d = make_dataset(2, 3);
        Findings f;
        findings_init(&f);
        add_findings(&f, 1, 4);
        add_quality_findings(&f, 4, 2, 1);
        ChangeSet cs = make_changes();
        RunReport r = make_report(d, &cs, &f);

        _cleanup_free_ char *line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 "
                        "quality info, 4 warnings; pushed in 1 request (0.8 s)");

        r.n_requests = 3;
        r.phases[1].usec = 12340000;
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; pushed in 3 requests (12.3 s)");

        /* Without a push phase: the whole run. */
        r.n_phases = 1;
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; pushed in 3 requests (2.5 s)");

        r.pushed = false;
        r.n_requests = 0;
        r.mode = "report";
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; not pushed (report mode)");

        r.mode = "push";
        r.dry_run = true;
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; not pushed (dry run)");

        r.dry_run = false;
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; not pushed (nothing to push)");

        r.guard_refused = true;
        r.error = "12 removals exceed push.max_removals 5";
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; not pushed (removal guard)");

        r.guard_refused = false;
        r.error = "cannot read BBMRI-BE/Biobanks";
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; "
                        "not pushed (failed: cannot read BBMRI-BE/Biobanks)");

        r.pushed = true;
        r.n_requests = 1;
        r.error = "HTTP 500";
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "sync BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; "
                        "push failed after 1 request: HTTP 500");

        /* Singular warning, plural errors, unknown node. */
        Findings g;
        findings_init(&g);
        add_findings(&g, 2, 1);
        RunReport s = { .command = "sync", .mode = "report", .findings = &g };
        free(line);
        line = report_summary_line(&s);
        CHECK_STR(line, "sync ?: 0 added, 0 changed, 0 removed, 2 errors, 0 quality errors, 0 quality warnings, 0 quality infos, 1 warning; not pushed (report mode)");

        /* diff */
        r = make_report(d, &cs, &f);
        r.command = "diff";
        r.pushed = false;
        r.against = "published";
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "diff BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings (against published)");
        /* Rows held back (errors or the quality policy): counted, in diff and sync alike. */
        cs.total.blocked = 2;
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "diff BE: 2 added, 3 changed, 0 removed, 1 error, 4 quality errors, 2 quality warnings, 1 quality info, 4 warnings; 2 held back (against published)");
        r.command = "sync";
        r.pushed = true;
        free(line);
        line = report_summary_line(&r);
        CHECK(line && strstr(line, "4 warnings; 2 held back; pushed in 1 request"));
        r.command = "diff";
        r.pushed = false;
        cs.total.blocked = 0;
        r.error = "cannot open the Directory";
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "diff BE: failed: cannot open the Directory");

        findings_done(&f);
        findings_done(&g);
}

TEST(test_summary_check) {
        _cleanup_(dataset_freep) Dataset *d = make_dataset(19, 35);
        CHECK(d);
        Findings f;
        findings_init(&f);
        add_findings(&f, 0, 2);
        RunReport r = { .command = "check", .node = "BE", .local = d, .findings = &f };
        _cleanup_free_ char *line = report_summary_line(&r);
        CHECK_STR(line, "check BE: 19 biobanks, 35 collections, 0 errors, 0 quality errors, 0 quality warnings, 0 quality infos, 2 warnings");

        _cleanup_(dataset_freep) Dataset *one = make_dataset(1, 1);
        Findings g;
        findings_init(&g);
        add_findings(&g, 1, 1);
        r.local = one;
        r.findings = &g;
        free(line);
        line = report_summary_line(&r);
        CHECK_STR(line, "check BE: 1 biobank, 1 collection, 1 error, 0 quality errors, 0 quality warnings, 0 quality infos, 1 warning");

        /* Nothing read (configuration failed). */
        RunReport bare = { .command = "check", .node = "BE" };
        free(line);
        line = report_summary_line(&bare);
        CHECK_STR(line, "check BE: 0 biobanks, 0 collections, 0 errors, 0 quality errors, 0 quality warnings, 0 quality infos, 0 warnings");
        findings_done(&f);
        findings_done(&g);
}

/* The HTML page groups a check's findings repeated more than 3 times into one row with the count
 * and the first place, the rest folded under it; 3 of a check stay rows of their own. */
TEST(test_html_groups_repeated) {
        _cleanup_(dataset_freep) Dataset *d = make_dataset(1, 1);
        CHECK(d);
        Findings f;
        findings_init(&f);
        add_quality_findings(&f, 5, 0, 0); /* 5 x CC:SizeOoMMismatch: grouped */
        add_findings(&f, 3, 0);            /* 3 x unmapped-value: not grouped */
        ChangeSet cs = make_changes();
        RunReport r = make_report(d, &cs, &f);
        _cleanup_free_ char *html = NULL;
        size_t size = 0;
        CHECK_INT(report_to_html(&r, &html, &size), 0);
        CHECK_CONTAINS(html, "<tr class=\"quality grouped\"><td>quality error</td>");
        CHECK_CONTAINS(html, "<b>5 &times;</b> size does not match order_of_magnitude");
        CHECK_CONTAINS(html, "<details><summary>4 more</summary><ul>");
        size_t items = 0;
        for (const char *q = html; (q = strstr(q, "<li>")); q++)
                items++;
        CHECK_INT(items, 4); /* the first is the row itself */
        const char *first_group = strstr(html, " grouped\"");
        CHECK(first_group && !strstr(first_group + 1, " grouped\"")); /* one group only */
        const char *p = html;
        size_t rows = 0;
        while ((p = strstr(p, "unknown material"))) {
                rows++;
                p++;
        }
        CHECK_INT(rows, 3);
        CHECK(!strstr(html, "<b>3 &times;</b>"));
        findings_done(&f);
}

static bool setup_model(void) {
        Findings findings;
        findings_init(&findings);
        int r = model_load(SOURCE_ROOT "/mappings/directory-model.yaml", &model, &findings);
        findings_done(&findings);
        if (r < 0 || model->n_tables > ELEMENTSOF(per_table))
                return false;
        t_biobanks = model_table_index(model, "Biobanks");
        t_collections = model_table_index(model, "Collections");
        if (t_biobanks < 0 || t_collections < 0)
                return false;
        const ModelTable *t = &model->tables[t_collections];
        c_size = model_column_index(t, "size");
        c_materials = model_column_index(t, "materials");
        c_acronym = model_column_index(t, "acronym");
        return c_size >= 0 && c_materials >= 0 && c_acronym >= 0;
}

TEST_MAIN(if (!setup_model()) { fprintf(stderr, "cannot load the model\n"); return 1; } RUN(test_json); RUN(test_html_groups_repeated); RUN(test_listing_bounded); RUN(test_publication);
          RUN(test_summary_sync); RUN(test_summary_check); model = model_free(model))
