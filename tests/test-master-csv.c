/* SPDX-License-Identifier: MIT */
#include "export.h"
#include "master-csv.h"
#include "test-kit.h"

static int parse_table(Kit *k, RecordSet *set, const char *table, const char *csv) {
        int t = model_table_index(k->model, table);
        CHECK(t >= 0);
        return master_csv_parse_table(k->model, (size_t) t, csv, strlen(csv), "Biobanks.csv", set, &k->findings);
}

TEST(test_columns) {
        Kit k;
        kit_init(&k);
        RecordSet *set = NULL;
        CHECK_INT(record_set_new(&set), 0);
        /* collections is a refback, mg_draft a system column, national_node the publisher's: ignored
         * silently; colour is unknown to the model: one warning, however many rows. */
        CHECK_INT(parse_table(&k, set, "Biobanks",
                              "id,name,network,collections,mg_draft,colour,national_node\n"
                              "bbmri-eric:ID:BE_A,A,\"bbmri-eric:networkID:BE_n1, bbmri-eric:networkID:BE_n2\",x,true,red,BE\n"
                              "bbmri-eric:ID:BE_B,B,,,,blue,\n"),
                  0);
        CHECK_INT(set->n_records, 2);
        const Record *a = set->records[0];
        CHECK_STR(a->table, "Biobanks");
        CHECK_STR(a->id, "bbmri-eric:ID:BE_A");
        CHECK_INT(a->n_fields, 2);
        const RecordField *network = record_get_field(a, "network");
        CHECK(network && network->is_list && network->n_values == 2);
        CHECK(network && streq(network->values[1], "bbmri-eric:networkID:BE_n2"));
        CHECK(network && network->location.line == 2 && network->location.column == 3);
        CHECK(!record_get_field(a, "collections") && !record_get_field(a, "colour"));
        CHECK_INT(k.findings.n_warnings, 1);
        const Finding *drift = kit_finding(&k.findings, "model-drift", "column 'colour' that the model does not know");
        CHECK(drift && drift->line == 1 && drift->column_no == 6 && streq_ptr(drift->table, "Biobanks"));
        CHECK_INT(k.findings.n_errors, 0);
        record_set_free(set);
        kit_done(&k);
}

TEST(test_bad_rows) {
        Kit k;
        kit_init(&k);
        RecordSet *set = NULL;
        CHECK_INT(record_set_new(&set), 0);
        /* Row problems are errors at file:line, the rest is still read. */
        CHECK_INT(parse_table(&k, set, "Biobanks", "id,name\n,nameless\nbbmri-eric:ID:BE_A,A,extra\nbbmri-eric:ID:BE_B,B\n"),
                  0);
        CHECK_INT(set->n_records, 1);
        const Finding *no_id = kit_finding(&k.findings, "csv-table", "row without an id");
        CHECK(no_id && no_id->line == 2 && streq_ptr(no_id->file, "Biobanks.csv"));
        const Finding *extra = kit_finding(&k.findings, "csv-table", "row has 3 fields, the header only 2");
        CHECK(extra && extra->line == 3 && extra->column_no == 3);
        /* A broken CSV stops the table with a syntax error at line and column. */
        CHECK_INT(parse_table(&k, set, "Biobanks", "id,name\nbbmri-eric:ID:BE_C,\"unclosed\n"), -EBADMSG);
        const Finding *quote = kit_finding(&k.findings, NULL, "quoted field is never closed");
        CHECK(quote && quote->line == 2);
        /* No id column; a model column twice. */
        CHECK_INT(parse_table(&k, set, "Biobanks", "name\nA\n"), -EBADMSG);
        CHECK(kit_finding(&k.findings, "csv-table", "the header has no 'id' column") != NULL);
        CHECK_INT(parse_table(&k, set, "Biobanks", "id,name,name\n"), -EBADMSG);
        CHECK(kit_finding(&k.findings, "csv-table", "column 'name' appears twice") != NULL);
        record_set_free(set);
        kit_done(&k);
}

static char *read_text(const char *dir, const char *name) {
        _cleanup_free_ char *path = path_join(dir, name);
        char *data = NULL;
        size_t size = 0;
        CHECK_INT(read_file_limited(path, 64u * 1024 * 1024, &data, &size), 0);
        return data;
}

TEST(test_folder_round_trip) {
        Kit k;
        kit_init(&k);
        Dataset *d = kit_example(&k);
        CHECK(d != NULL);
        char dir[] = "/tmp/test-master-csv-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *first = path_join(dir, "first"), *second = path_join(dir, "second");
        CHECK_INT(export_emx2_csv(d, false, first), 0);

        /* The exported folder as a master gives the same dataset: the same files, byte for byte. */
        RecordSet *set = NULL;
        CHECK_INT(record_set_new(&set), 0);
        size_t warnings = k.findings.n_warnings;
        CHECK_INT(master_csv_load_folder(first, k.model, set, &k.findings), 0);
        Dataset *again = kit_map(&k, set);
        CHECK(again != NULL);
        CHECK_INT(k.findings.n_errors, 0);
        CHECK_INT(k.findings.n_warnings - warnings, warnings); /* the same quality warnings, once more */
        CHECK_INT(export_emx2_csv(again, false, second), 0);
        for (size_t t = 0; t < k.model->n_tables; t++) {
                _cleanup_free_ char *name = strdup_printf("%s.csv", k.model->tables[t].name);
                _cleanup_free_ char *a = read_text(first, name), *b = read_text(second, name);
                CHECK(a && b && streq(a, b));
                CHECK_INT(again->tables[t].n_rows, d->tables[t].n_rows);
        }
        /* Values keep their place: findings name the CSV file, line and column. */
        int persons = model_table_index(k.model, "Persons");
        const Row *row = again->tables[persons].rows[0];
        Location loc = dataset_cell_location(row, (size_t) model_column_index(&k.model->tables[persons], "email"));
        CHECK(loc.file && endswith(loc.file, "/first/Persons.csv") && loc.line == 2 && loc.column > 1);

        /* A table without its file has no rows; another .csv file is model drift. */
        _cleanup_free_ char *studies = path_join(first, "Studies.csv"), *stray = path_join(first, "Biobank.csv");
        CHECK_INT(unlink(studies), 0);
        CHECK_INT(write_file_atomic(stray, "id\n", 3, 0644), 0);
        RecordSet *set2 = NULL;
        CHECK_INT(record_set_new(&set2), 0);
        CHECK_INT(master_csv_load_folder(first, k.model, set2, &k.findings), 0);
        CHECK_INT(set2->n_records, set->n_records);
        CHECK(kit_finding(&k.findings, "model-drift", "'Biobank.csv' is not a table of the Directory model") != NULL);

        /* A folder with none of the tables is an error. */
        _cleanup_free_ char *empty = path_join(dir, "empty");
        CHECK_INT(mkdir_p(empty, 0755), 0);
        CHECK_INT(master_csv_load_folder(empty, k.model, set2, &k.findings), -EBADMSG);
        CHECK(kit_finding(&k.findings, "master-structure", "the folder holds none of the Directory's table files") != NULL);

        record_set_free(set2);
        record_set_free(set);
        dataset_free(again);
        dataset_free(d);
        (void) rm_rf(dir);
        kit_done(&k);
}

typedef struct Seen {
        size_t n;
        char ids[4][64];
        size_t fields[4];
} Seen;

static int count_record(void *userdata, const Record *rec) {
        Seen *seen = userdata;
        if (seen->n < ELEMENTSOF(seen->ids)) {
                snprintf(seen->ids[seen->n], sizeof seen->ids[0], "%s", rec->id);
                seen->fields[seen->n] = rec->n_fields;
        }
        seen->n++;
        return 0;
}

/* With a sink (the pipeline's mapping), every row is handed over as it is read and forgotten:
 * the set holds no records afterwards, and each row arrived whole. */
TEST(test_rows_streamed_to_sink) {
        Kit k;
        kit_init(&k);
        RecordSet *set = NULL;
        CHECK_INT(record_set_new(&set), 0);
        Seen seen = {};
        record_set_set_sink(set, count_record, &seen);
        CHECK_INT(parse_table(&k, set, "Biobanks",
                              "id,name,network\n"
                              "bbmri-eric:ID:BE_A,A,\"bbmri-eric:networkID:BE_n1, bbmri-eric:networkID:BE_n2\"\n"
                              "bbmri-eric:ID:BE_B,B,\n"
                              "bbmri-eric:ID:BE_C,C,bbmri-eric:networkID:BE_n1\n"),
                  0);
        CHECK_INT(seen.n, 3);
        CHECK_INT(set->n_records, 0);
        CHECK_STR(seen.ids[0], "bbmri-eric:ID:BE_A");
        CHECK_INT(seen.fields[0], 2);
        CHECK_STR(seen.ids[1], "bbmri-eric:ID:BE_B");
        CHECK_INT(seen.fields[1], 1);
        CHECK_STR(seen.ids[2], "bbmri-eric:ID:BE_C");
        CHECK_INT(seen.fields[2], 2);
        CHECK_INT(k.findings.n_errors, 0);
        record_set_free(set);
        kit_done(&k);
}

/* A record on one line, with its places. */
static void describe_record(FILE *out, const Record *r) {
        fprintf(out, "%s %s %s:%u:%u", r->table, r->id, r->location.file, r->location.line, r->location.column);
        for (size_t f = 0; f < r->n_fields; f++) {
                fprintf(out, " %s%s@%u:%u=", r->fields[f].name, r->fields[f].is_list ? "[]" : "",
                        r->fields[f].location.line, r->fields[f].location.column);
                for (size_t v = 0; v < r->fields[f].n_values; v++)
                        fprintf(out, "%s%s", v ? "|" : "", r->fields[f].values[v]);
        }
        fputc('\n', out);
}

/* Every record of a set and every finding, one line each, with their places. */
static void describe_records(FILE *out, const RecordSet *set) {
        for (size_t i = 0; set && i < set->n_records; i++)
                describe_record(out, set->records[i]);
}

static int describe_to_sink(void *userdata, const Record *rec) {
        /* A single value comes with its length, as the parser knew it. */
        for (size_t f = 0; f < rec->n_fields; f++)
                if (!rec->fields[f].is_list)
                        CHECK_INT(rec->fields[f].length, strlen(rec->fields[f].values[0]));
        describe_record(userdata, rec);
        return 0;
}

/* The records a sink is handed (their values borrowed from the parser, a row's lists side by
 * side) are those a set without a sink keeps: two lists in one row, long enough to make the
 * row's items grow, empty lists and cells, a list of blanks. */
TEST(test_sink_sees_what_the_set_keeps) {
        Kit k;
        kit_init(&k);
        _cleanup_free_ char *csv = NULL;
        size_t csv_size = 0;
        FILE *f = open_memstream(&csv, &csv_size);
        CHECK(f != NULL);
        fputs("id,name,network,also_known,url\n", f);
        fputs("bbmri-eric:ID:BE_A,A,\"n1, n2\",\"a1,a2,a3\",http://a\n", f);
        fputs("bbmri-eric:ID:BE_B,,,,\n", f);
        fputs("bbmri-eric:ID:BE_C,C,\" , ,\",a1,\n", f);
        fputs("bbmri-eric:ID:BE_D,D,\"", f);
        for (int i = 0; i < 40; i++)
                fprintf(f, "%sn%d", i ? "," : "", i);
        fputs("\",\"", f);
        for (int i = 0; i < 70; i++)
                fprintf(f, "%sa%d", i ? ", " : "", i);
        fputs("\",http://d\n", f);
        CHECK_INT(fclose(f), 0);

        _cleanup_free_ char *kept = NULL, *sunk = NULL;
        size_t kept_size = 0, sunk_size = 0;
        RecordSet *set = NULL;
        CHECK_INT(record_set_new(&set), 0);
        CHECK_INT(parse_table(&k, set, "Biobanks", csv), 0);
        CHECK_INT(set->n_records, 4);
        FILE *out = open_memstream(&kept, &kept_size);
        CHECK(out != NULL);
        describe_records(out, set);
        CHECK_INT(fclose(out), 0);
        record_set_free(set);

        CHECK_INT(record_set_new(&set), 0);
        out = open_memstream(&sunk, &sunk_size);
        CHECK(out != NULL);
        record_set_set_sink(set, describe_to_sink, out);
        CHECK_INT(parse_table(&k, set, "Biobanks", csv), 0);
        CHECK_INT(fclose(out), 0);
        CHECK_INT(set->n_records, 0);
        record_set_free(set);

        CHECK_STR(sunk, kept);
        CHECK(strstr(kept, "bbmri-eric:ID:BE_A Biobanks.csv:2:1 name@2:2=A network[]@2:3=n1|n2 "
                           "also_known[]@2:4=a1|a2|a3 url@2:5=http://a\n") != NULL);
        CHECK(strstr(kept, "bbmri-eric:ID:BE_B Biobanks.csv:3:1\n") != NULL);
        CHECK(strstr(kept, "bbmri-eric:ID:BE_C Biobanks.csv:4:1 name@4:2=C also_known[]@4:4=a1\n") != NULL);
        CHECK(strstr(kept, "network[]@5:3=n0|n1|") != NULL && strstr(kept, "|n39 also_known[]@5:4=a0|a1|") != NULL &&
              strstr(kept, "|a69 url@5:5=http://d\n") != NULL);
        CHECK_INT(k.findings.n_errors, 0);
        kit_done(&k);
}

static void describe_findings(FILE *out, const Findings *f) {
        for (size_t i = 0; i < f->n_items; i++)
                fprintf(out, "%s %s %s %s:%u:%u %s\n", f->items[i].code ?: "-", f->items[i].id ?: "-",
                        f->items[i].column ?: "-", f->items[i].file ?: "-", f->items[i].line, f->items[i].column_no,
                        f->items[i].message);
}

/* The folder dir/<case>/Persons.csv read by one reader and by two at once. */
static char *read_persons(Kit *k, const char *dir, const char *csv, bool halves, int *ret, bool *ret_used) {
        _cleanup_free_ char *path = path_join(dir, "Persons.csv");
        CHECK_INT(write_file_atomic(path, csv, strlen(csv), 0644), 0);
        RecordSet *set = NULL, *other = NULL;
        CHECK_INT(record_set_new(&set), 0);
        CHECK_INT(record_set_new(&other), 0);
        MasterSecondReader second = { .set = other, .min_bytes = 1 };
        findings_init(&second.findings);
        Findings findings;
        findings_init(&findings);
        *ret = master_csv_load_folder_with(dir, k->model, set, halves ? &second : NULL, &findings);
        *ret_used = second.used;
        CHECK_INT(second.findings.n_items, 0); /* emptied into findings */
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        CHECK(out != NULL);
        describe_records(out, set);
        describe_records(out, second.used ? other : NULL);
        describe_findings(out, &findings);
        CHECK(fclose(out) == 0);
        findings_done(&second.findings);
        findings_done(&findings);
        record_set_free(other);
        record_set_free(set);
        return text;
}

TEST(test_table_in_halves) {
        Kit k;
        kit_init(&k);
        char dir[] = "/tmp/test-master-csv-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        /* 400 persons; in some cases a row without an id, one with a field too many and a blank line
         * in each half, quotes (with a line end inside) in the second half only or in the first,
         * a carriage return inside a field (a syntax error) in the first half or the second, a
         * byte order mark, CRLF line ends, a broken UTF-8 byte, a blank first line. */
        static const struct {
                const char *name;
                bool split;       /* read in halves */
                int ret;
        } cases[] = {
                { "plain", true, 0 },
                { "row errors", true, 0 },
                { "quotes after the half", true, 0 },
                { "quotes before the half", false, 0 },
                { "syntax error before the half", false, -EBADMSG },
                { "syntax error after the half", true, -EBADMSG },
                { "byte order mark, CRLF", true, 0 },
                { "broken UTF-8", false, -EBADMSG },
                { "blank first line", false, 0 },
        };
        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                char *csv = NULL;
                size_t size = 0;
                FILE *out = open_memstream(&csv, &size);
                CHECK(out != NULL);
                const char *nl = c == 6 ? "\r\n" : "\n";
                if (c == 6)
                        fputs("\xEF\xBB\xBF", out);
                if (c == 8)
                        fputs(nl, out);
                fprintf(out, "id,first_name,last_name,email,country%s", nl);
                for (unsigned i = 0; i < 400; i++) {
                        bool late = i >= 300, early = i < 100;
                        if (c == 1 && (i == 50 || i == 350))
                                fprintf(out, ",nameless,,x@uza.be,BE%s%s", nl, nl);
                        else if (c == 1 && (i == 60 || i == 360))
                                fprintf(out, "p%u,A,B,a@uza.be,BE,extra%s", i, nl);
                        else if ((c == 2 && late) || (c == 3 && early))
                                fprintf(out, "p%u,\"An, \"\"the\"\"\nfirst\",B%u,a%u@uza.be,BE%s", i, i, i, nl);
                        else if ((c == 4 && i == 20) || (c == 5 && i == 380))
                                fprintf(out, "p%u,A\rB,C,a@uza.be,BE%s", i, nl);
                        else if (c == 7 && i == 390)
                                fprintf(out, "p%u,\xC3,C,a@uza.be,BE%s", i, nl);
                        else
                                fprintf(out, "p%u,Ann%u,Lee,ann%u@uza.be,BE%s", i, i, i, nl);
                }
                CHECK(fclose(out) == 0);
                int r1, r2;
                bool used1, used2;
                _cleanup_free_ char *one = read_persons(&k, dir, csv, false, &r1, &used1);
                _cleanup_free_ char *two = read_persons(&k, dir, csv, true, &r2, &used2);
                if (!streq_ptr(one, two) || used2 != cases[c].split)
                        fprintf(stderr, "%s: split %d\n--- one reader:\n%s--- two:\n%s", cases[c].name, used2, one, two);
                CHECK(one && two && streq(one, two));
                CHECK_INT(r1, cases[c].ret);
                CHECK_INT(r2, cases[c].ret);
                CHECK(!used1);
                CHECK(used2 == cases[c].split);
                free(csv);
        }
        (void) rm_rf(dir);
        kit_done(&k);
}

static int note_ascii(void *userdata, const Record *rec) {
        int *ascii = userdata;
        *ascii = rec->ascii;
        return 0;
}

/* A table's UTF-8 is checked once, before it is read, and tells whether it is all ASCII (its
 * records then need no NFC); a file that is not UTF-8 is still reported where the parser finds it. */
TEST(test_encoding_checked_once) {
        Kit k;
        kit_init(&k);
        RecordSet *set = NULL;
        CHECK_INT(record_set_new(&set), 0);
        int ascii = -1;
        record_set_set_sink(set, note_ascii, &ascii);
        CHECK_INT(parse_table(&k, set, "Biobanks", "id,name\nbbmri-eric:ID:BE_A,A\n"), 0);
        CHECK_INT(ascii, 1);
        CHECK_INT(parse_table(&k, set, "Biobanks", "id,name\nbbmri-eric:ID:BE_A,Se\xcc\x81rum\n"), 0);
        CHECK_INT(ascii, 0);
        CHECK_INT(k.findings.n_items, 0);
        CHECK_INT(parse_table(&k, set, "Biobanks", "id,name\nbbmri-eric:ID:BE_A,A\nbbmri-eric:ID:BE_B,x\xff\n"),
                  -EBADMSG);
        const Finding *bad = kit_finding(&k.findings, "csv-syntax", "invalid UTF-8 byte 0xff");
        CHECK(bad && bad->line == 3 && bad->column_no == 21);
        CHECK_INT(parse_table(&k, set, "Biobanks", "\xff\xfei\0d\0\n\0"), -EBADMSG);
        CHECK(kit_finding(&k.findings, "csv-syntax", "the file is UTF-16") != NULL);
        record_set_free(set);
        kit_done(&k);
}

TEST_MAIN(RUN(test_columns); RUN(test_rows_streamed_to_sink); RUN(test_sink_sees_what_the_set_keeps); RUN(test_encoding_checked_once); RUN(test_bad_rows); RUN(test_folder_round_trip); RUN(test_table_in_halves))
