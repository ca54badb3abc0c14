/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "csv.h"
#include "limits.h"
#include "model-drift.h"
#include "test.h"

static Model *model;

/* MOLGENIS' own header (staging-model.csv), so the generated file looks like the live one. */
static const char *const header[] = {
        "tableName", "tableExtends", "columnName", "label",    "columnType", "key",        "required",
        "isReadonly", "description", "refSchema", "refTable", "refBack",    "refLabel",   "defaultValue",
        "validation", "message",     "computed",  "semantics",
};
enum { H_TABLE = 0, H_COLUMN = 2, H_TYPE = 4, H_KEY = 5, H_REQUIRED = 6, H_DESCRIPTION = 8, H_REF_TABLE = 10, H_N = 18 };

/* One change to the generated live model: drop a table or a column, or give a column another type. */
typedef struct Edit {
        const char *table, *column; /* column NULL: the whole table */
        const char *type;           /* NULL: drop */
} Edit;

static const Edit *find_edit(const Edit *edits, const char *table, const char *column) {
        for (const Edit *e = edits; e && e->table; e++)
                if (streq(e->table, table) && streq_ptr(e->column, column))
                        return e;
        return NULL;
}

/* The live model CSV as the server would write it for the project's model, with edits and extra
 * lines appended. */
static char *model_csv(const Edit *edits, const char *extra, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        csv_write_record(f, header, H_N);
        for (size_t i = 0; i < model->n_tables; i++) {
                const ModelTable *t = &model->tables[i];
                const Edit *te = find_edit(edits, t->name, NULL);
                if (te && !te->type)
                        continue;
                const char *row[H_N] = {};
                for (size_t k = 0; k < H_N; k++)
                        row[k] = "";
                row[H_TABLE] = t->name;
                row[H_DESCRIPTION] = t->description ?: "";
                csv_write_record(f, row, H_N);
                for (size_t c = 0; c < t->n_columns; c++) {
                        const ModelColumn *col = &t->columns[c];
                        const Edit *e = find_edit(edits, t->name, col->name);
                        if (e && !e->type)
                                continue;
                        row[H_COLUMN] = col->name;
                        row[H_TYPE] = e ? e->type : column_type_to_string(col->type);
                        row[H_KEY] = col->key ? "1" : "";
                        row[H_REQUIRED] = col->required ? "true" : "false";
                        row[H_DESCRIPTION] = col->description ?: "";
                        row[H_REF_TABLE] = col->ref_table ?: col->ontology ?: "";
                        csv_write_record(f, row, H_N);
                }
        }
        if (extra)
                fputs(extra, f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        *ret_size = size;
        return buf;
}

/* Compares; the findings are freed, their first one formatted into *ret_finding when asked. */
static int compare(const char *csv, size_t size, ModelDrift **ret, char **ret_finding) {
        Findings f;
        findings_init(&f);
        int r = model_drift_compare(model, csv, size, "live.csv", ret, &f);
        if (ret_finding)
                *ret_finding = f.n_items > 0 ? finding_format(&f.items[0]) : NULL;
        findings_done(&f);
        return r;
}

static int compare_edited(const Edit *edits, const char *extra, ModelDrift **ret) {
        size_t size = 0;
        _cleanup_free_ char *csv = model_csv(edits, extra, &size);
        if (!csv)
                return -ENOMEM;
        return compare(csv, size, ret, NULL);
}

TEST(test_kind_names) {
        CHECK_STR(drift_kind_to_string(DRIFT_NEW_COLUMN), "new-column");
        CHECK_STR(drift_kind_to_string(DRIFT_MISSING_COLUMN), "missing-column");
        CHECK_STR(drift_kind_to_string(DRIFT_CHANGED_TYPE), "changed-type");
        CHECK_STR(drift_kind_to_string(DRIFT_NEW_TABLE), "new-table");
        CHECK_STR(drift_kind_to_string(DRIFT_MISSING_TABLE), "missing-table");
        CHECK(drift_kind_to_string((DriftKind) 99) == NULL);
}

TEST(test_no_drift) {
        _cleanup_(model_drift_freep) ModelDrift *d = NULL;
        CHECK_INT(compare_edited(NULL, NULL, &d), 0);
        CHECK(d != NULL);
        if (!d)
                return;
        CHECK_INT(d->n_items, 0);
        CHECK_INT(d->n_blocking, 0);

        /* System columns, types in another case, CRLF line ends and a byte order mark change nothing. */
        _cleanup_(model_drift_freep) ModelDrift *d2 = NULL;
        static const Edit upper[] = { { "Biobanks", "description", "TEXT" }, {} };
        CHECK_INT(compare_edited(upper,
                                 "Biobanks,,mg_insertedBy,,string,,true,,,,,,,,,,,\n"
                                 "Biobanks,,mg_draft,,bool,,true,,,,,,,,,,,\n",
                                 &d2),
                  0);
        CHECK(d2 && d2->n_items == 0);

        /* The same model in another layout: columns found by name in any order, others ignored,
         * CRLF line ends, a byte order mark, empty types (string) and "TRUE". */
        _cleanup_free_ char *four = NULL;
        {
                char *buf = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&buf, &n);
                CHECK(f != NULL);
                if (f) {
                        fputs("\xef\xbb\xbfrequired,columnType,other,columnName,tableName\r\n", f);
                        for (size_t i = 0; i < model->n_tables; i++) {
                                const ModelTable *t = &model->tables[i];
                                fprintf(f, ",,x,,%s\r\n", t->name);
                                for (size_t c = 0; c < t->n_columns; c++)
                                        fprintf(f, "%s,%s,x,%s,%s\r\n", t->columns[c].required ? "TRUE" : "",
                                                t->columns[c].type == COLUMN_STRING ? "" : column_type_to_string(t->columns[c].type),
                                                t->columns[c].name, t->name);
                        }
                        fclose(f);
                        four = buf;
                }
        }
        _cleanup_(model_drift_freep) ModelDrift *d3 = NULL;
        CHECK_INT(four ? compare(four, strlen(four), &d3, NULL) : -ENOMEM, 0);
        CHECK(d3 && d3->n_items == 0);
}

TEST(test_new_columns) {
        _cleanup_(model_drift_freep) ModelDrift *d = NULL;
        CHECK_INT(compare_edited(NULL,
                                 "Biobanks,,certification,Certification,string,,true,,,,,,,,,,,\n"
                                 "Biobanks,,remarks,Remarks,text,,false,,,,,,,,,,,\n"
                                 "Biobanks,,studies,Studies,refback,,true,,,,Studies,biobank,,,,,,\n"
                                 "Biobanks,,extra_section,Extra,heading,,true,,,,,,,,,,,\n"
                                 "Biobanks,,label_sum,Label,string,,true,,,,,,,,,,\"name + ' ' + acronym\",\n"
                                 "Biobanks,,certification,Certification again,int,,false,,,,,,,,,,,\n"
                                 "Persons,,orcid,ORCID,String,,TRUE,,,,,,,,,,,\n"
                                 "Persons,,nickname,Nickname,,,yes,,,,,,,,,,,\n",
                                 &d),
                  0);
        CHECK(d != NULL);
        if (!d)
                return;
        CHECK_INT(d->n_items, 7);
        CHECK_INT(d->n_blocking, 2);
        if (d->n_items != 7)
                return;
        /* Model table order (Persons before Biobanks), then the live order within a table. */
        static const struct {
                const char *table, *column, *type;
                bool required, blocking;
        } want[] = {
                { "Persons", "orcid", "String", true, true },
                { "Persons", "nickname", "string", false, false }, /* empty type is string; only "true" is required */
                { "Biobanks", "certification", "string", true, true }, /* the repeated row is ignored */
                { "Biobanks", "remarks", "text", false, false },
                { "Biobanks", "studies", "refback", true, false },
                { "Biobanks", "extra_section", "heading", true, false },
                { "Biobanks", "label_sum", "string", true, false }, /* computed */
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const Drift *x = &d->items[i];
                CHECK_INT(x->kind, DRIFT_NEW_COLUMN);
                CHECK_STR(x->table, want[i].table);
                CHECK_STR(x->column, want[i].column);
                CHECK_STR(x->live_type, want[i].type);
                CHECK(x->model_type == NULL);
                CHECK_INT(x->required, want[i].required);
                CHECK_INT(x->blocking, want[i].blocking);
        }
}

TEST(test_computed_needs_header) {
        /* Without a 'computed' header nothing is computed: a required new column blocks. */
        static const char csv[] = "tableName,columnName,columnType,required,expression\n"
                                  "Persons,id,string,true,\n"
                                  "Persons,score,int,true,1 + 1\n";
        _cleanup_(model_drift_freep) ModelDrift *d = NULL;
        CHECK_INT(compare(csv, strlen(csv), &d, NULL), 0);
        CHECK(d != NULL);
        if (!d)
                return;
        CHECK_INT(d->n_blocking, 1);
        size_t n_new = 0, n_missing_tables = 0;
        for (size_t i = 0; i < d->n_items; i++) {
                if (d->items[i].kind == DRIFT_NEW_COLUMN) {
                        n_new++;
                        CHECK_STR(d->items[i].column, "score");
                        CHECK(d->items[i].blocking);
                }
                if (d->items[i].kind == DRIFT_MISSING_TABLE)
                        n_missing_tables++;
        }
        CHECK_INT(n_new, 1);
        CHECK_INT(n_missing_tables, model->n_tables - 1);
}

TEST(test_missing_column) {
        static const Edit edits[] = { { "Persons", "phone", NULL }, {} };
        _cleanup_(model_drift_freep) ModelDrift *d = NULL;
        CHECK_INT(compare_edited(edits, NULL, &d), 0);
        CHECK(d && d->n_items == 1);
        if (!d || d->n_items != 1)
                return;
        CHECK_INT(d->items[0].kind, DRIFT_MISSING_COLUMN);
        CHECK_STR(d->items[0].table, "Persons");
        CHECK_STR(d->items[0].column, "phone");
        CHECK_STR(d->items[0].model_type, "string");
        CHECK(d->items[0].live_type == NULL);
        CHECK(!d->items[0].blocking);
        CHECK_INT(d->n_blocking, 0);
}

TEST(test_changed_type) {
        static const Edit edits[] = {
                { "Biobanks", "description", "string" },
                { "Networks", "withdrawn", "boolean_plus" }, /* a type we do not know: compared as a string */
                { "Networks", "description", "" },           /* empty means string */
                { "Persons", "biobanks", "ref_array" },      /* refback columns compare like others */
                {},
        };
        _cleanup_(model_drift_freep) ModelDrift *d = NULL;
        CHECK_INT(compare_edited(edits, NULL, &d), 0);
        CHECK(d && d->n_items == 4);
        if (!d || d->n_items != 4)
                return;
        static const struct {
                const char *table, *column, *live, *ours;
        } want[] = {
                { "Persons", "biobanks", "ref_array", "refback" },
                { "Networks", "description", "string", "text" },
                { "Networks", "withdrawn", "boolean_plus", "bool" },
                { "Biobanks", "description", "string", "text" },
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                CHECK_INT(d->items[i].kind, DRIFT_CHANGED_TYPE);
                CHECK_STR(d->items[i].table, want[i].table);
                CHECK_STR(d->items[i].column, want[i].column);
                CHECK_STR(d->items[i].live_type, want[i].live);
                CHECK_STR(d->items[i].model_type, want[i].ours);
                CHECK(!d->items[i].blocking);
        }
        CHECK_INT(d->n_blocking, 0);
}

TEST(test_tables) {
        static const Edit edits[] = { { "CollectionFacts", NULL, NULL }, {} };
        _cleanup_(model_drift_freep) ModelDrift *d = NULL;
        /* An unknown table with rows spread out, a required column among them: reported once, never blocking. */
        CHECK_INT(compare_edited(edits,
                                 "Samples,,,,,,,,Samples of a collection,,,,,,,,,\n"
                                 "Samples,,id,ID,string,1,true,,,,,,,,,,,\n"
                                 "Freezers,,id,ID,string,1,true,,,,,,,,,,,\n"
                                 "Samples,,collection,Collection,ref,,true,,,,Collections,,,,,,,\n",
                                 &d),
                  0);
        CHECK(d && d->n_items == 3);
        if (!d || d->n_items != 3)
                return;
        CHECK_INT(d->items[0].kind, DRIFT_MISSING_TABLE);
        CHECK_STR(d->items[0].table, "CollectionFacts");
        CHECK(d->items[0].column == NULL);
        CHECK_INT(d->items[1].kind, DRIFT_NEW_TABLE);
        CHECK_STR(d->items[1].table, "Samples");
        CHECK(d->items[1].column == NULL);
        CHECK_INT(d->items[2].kind, DRIFT_NEW_TABLE);
        CHECK_STR(d->items[2].table, "Freezers");
        CHECK_INT(d->n_blocking, 0);

        /* A table known only by its own row exists; all its columns are then missing. */
        _cleanup_(model_drift_freep) ModelDrift *d2 = NULL;
        static const char only_row[] = "tableName,columnName\nCollectionFacts,\n";
        CHECK_INT(compare(only_row, strlen(only_row), &d2, NULL), 0);
        const ModelTable *facts = model_find_table(model, "CollectionFacts");
        CHECK(d2 && facts && d2->n_items == (model->n_tables - 1) + facts->n_columns);
        size_t n_missing_columns = 0;
        for (size_t i = 0; d2 && i < d2->n_items; i++)
                if (d2->items[i].kind == DRIFT_MISSING_COLUMN) {
                        n_missing_columns++;
                        CHECK_STR(d2->items[i].table, "CollectionFacts");
                }
        CHECK(facts && n_missing_columns == facts->n_columns);
}

TEST(test_bad_input) {
        ModelDrift *sentinel = (ModelDrift *) 0x1, *d = sentinel;
        _cleanup_free_ char *msg = NULL;

        static const char no_table[] = "name,columnName,columnType\nPersons,id,string\n";
        CHECK_INT(compare(no_table, strlen(no_table), &d, &msg), -EBADMSG);
        CHECK(d == sentinel);
        CHECK_STR(msg, "live.csv:1: error: the live model has no 'tableName' column: not a MOLGENIS model CSV");
        msg = mfree(msg);

        /* Blank lines before the header: the finding names the header's line. */
        static const char no_column[] = "\n\ntableName,column,columnType\nPersons,id,string\n";
        CHECK_INT(compare(no_column, strlen(no_column), &d, &msg), -EBADMSG);
        CHECK_STR(msg, "live.csv:3: error: the live model has no 'columnName' column: not a MOLGENIS model CSV");
        msg = mfree(msg);

        CHECK_INT(compare("", 0, &d, &msg), -EBADMSG);
        CHECK_STR(msg, "live.csv:1: error: the live model is empty");
        msg = mfree(msg);
        CHECK_INT(compare(NULL, 0, &d, NULL), -EBADMSG);

        /* An HTML page from a proxy: read as CSV, it has no tableName. */
        static const char html[] = "<html><head><title>502 Bad Gateway</title></head></html>\n";
        CHECK_INT(compare(html, strlen(html), &d, &msg), -EBADMSG);
        CHECK_CONTAINS(msg, "live.csv:1: error: the live model has no 'tableName' column");
        msg = mfree(msg);

        static const char no_table_name[] = "tableName,columnName,columnType\nPersons,id,string\n,phone,string\n,,\n";
        CHECK_INT(compare(no_table_name, strlen(no_table_name), &d, &msg), -EBADMSG);
        CHECK_STR(msg, "live.csv:3: error: a row of the live model has no tableName");
        msg = mfree(msg);

        /* A row of empty fields is skipped. */
        static const char empty_row[] = "tableName,columnName\nPersons,id\n,\n";
        _cleanup_(model_drift_freep) ModelDrift *ok = NULL;
        CHECK_INT(compare(empty_row, strlen(empty_row), &ok, NULL), 0);
        CHECK(ok != NULL);

        /* CSV syntax: the parser's own finding. */
        static const char quote[] = "tableName,columnName\nPersons,\"id\n";
        CHECK_INT(compare(quote, strlen(quote), &d, &msg), -EBADMSG);
        CHECK_CONTAINS(msg, "live.csv:2");
        msg = mfree(msg);

        /* Too large: refused before reading. */
        _cleanup_free_ char *big = calloc(1, LIMIT_LIVE_MODEL_BYTES + 1);
        CHECK(big != NULL);
        if (big) {
                CHECK_INT(compare(big, LIMIT_LIVE_MODEL_BYTES + 1, &d, &msg), -EFBIG);
                CHECK(msg == NULL);
        }
        CHECK(d == sentinel);
}

TEST(test_reference_staging_model) {
        /* The Directory's staging model, when the reference copy is beside the project: every
         * difference from ours is known and none blocks a push. */
        static const char path[] = SOURCE_ROOT "/../shared/reference/emx2-directory/staging-model.csv";
        struct stat st;
        if (stat(path, &st) < 0) {
                fprintf(stderr, "note: %s absent, reference check not run\n", path);
                return;
        }
        _cleanup_free_ char *csv = NULL;
        size_t size = 0;
        CHECK_INT(read_file_limited(path, LIMIT_LIVE_MODEL_BYTES, &csv, &size), 0);
        _cleanup_(model_drift_freep) ModelDrift *d = NULL;
        _cleanup_free_ char *msg = NULL;
        CHECK_INT(compare(csv, size, &d, &msg), 0);
        CHECK(msg == NULL);
        CHECK(d && d->n_items == 0);
        for (size_t i = 0; d && i < d->n_items; i++)
                fprintf(stderr, "drift: %s %s.%s live=%s ours=%s\n", drift_kind_to_string(d->items[i].kind),
                        d->items[i].table, d->items[i].column ?: "", d->items[i].live_type ?: "-",
                        d->items[i].model_type ?: "-");
}

TEST_MAIN_WITH_MODEL(, RUN(test_kind_names); RUN(test_no_drift); RUN(test_new_columns); RUN(test_computed_needs_header);
                     RUN(test_missing_column); RUN(test_changed_type); RUN(test_tables); RUN(test_bad_input);
                     RUN(test_reference_staging_model))
