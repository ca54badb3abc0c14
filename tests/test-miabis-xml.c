/* SPDX-License-Identifier: MIT */
#include <dirent.h>

#include "limits.h"
#include "miabis-doc.h"
#include "miabis-xml.h"
#include "test-kit.h"

#define HEAD "<?xml version=\"1.0\"?>\n<miabis xmlns=\"" MIABIS_NAMESPACE "\">\n"
#define TAIL "</miabis>\n"
#define CONTACT "  <contactInformation id=\"p1\"><firstname>An</firstname><email>an@uza.be</email><country>BE</country></contactInformation>\n"
#define BIOBANK(id, contact)                                                                                        \
        "  <biobank><id>" id "</id><name>Biobank</name><juristicPerson>UZA</juristicPerson><country>BE</country>" \
        "<contactInformation>" contact "</contactInformation><description>d</description></biobank>\n"
#define COLLECTION(id, contact, biobanks, more)                                                                     \
        "  <samplecollection><id>" id "</id><name>C</name><description>d</description><contactInformation>" contact \
        "</contactInformation><biobanks>" biobanks "</biobanks>" more "</samplecollection>\n"

TEST(test_id_codec) {
        static const struct {
                const char *id, *xml_id;
        } cases[] = {
                { "bbmri-eric:ID:BE_UZA:collection:onco", "bbmri-eric.ID.BE_UZA.collection.onco" },
                { "bbmri-eric:contactID:BE_an-peeters", "bbmri-eric.contactID.BE_an-peeters" },
                { "urn:miriam:icd:C50.9", "_urn.3Amiriam.3Aicd.3AC50.2E9" },
                { "ORPHA:558", "ORPHA.558" },
                { "UZA", "UZA" },
                { "12", "_12" },
                { "a b_é", "_a.20b.5F.C3.A9" },
                { "_x", "_.5Fx" },
                { "", "_" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *encoded = miabis_id_encode(cases[i].id);
                CHECK_STR(encoded, cases[i].xml_id);
                _cleanup_free_ char *decoded = NULL;
                CHECK_INT(miabis_id_decode(cases[i].xml_id, &decoded), 0);
                CHECK_STR(decoded, cases[i].id);
        }
        /* Decoding is the inverse for any id, also ids with '.' or non-ASCII text. */
        static const char *const ids[] = { "a.b:c", "x::y", "Ω", "-1", "bbmri-eric:ID:EXT_x:collection:a:b", "..." };
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                _cleanup_free_ char *encoded = miabis_id_encode(ids[i]), *decoded = NULL;
                CHECK_INT(miabis_id_decode(encoded, &decoded), 0);
                CHECK_STR(decoded, ids[i]);
        }
        char *bad = NULL;
        CHECK_INT(miabis_id_decode("_a.4", &bad), -EINVAL);
        CHECK_INT(miabis_id_decode("_a.00", &bad), -EINVAL);
        CHECK_INT(miabis_id_decode("_.FF", &bad), -EINVAL); /* not UTF-8 */
        CHECK(bad == NULL);
}

TEST(test_schema_enumerations) {
        _cleanup_strv_free_ char **materials = NULL, **temperatures = NULL, **none = NULL;
        CHECK_INT(miabis_schema_enumeration("MaterialType", &materials), 0);
        CHECK_INT(strv_length(materials), 16);
        CHECK(strv_contains(materials, "Tissue, cryo preserved"));
        CHECK_INT(miabis_schema_enumeration("Temperature", &temperatures), 0);
        CHECK(strv_contains(temperatures, "-60\xc2\xb0" "C to -85\xc2\xb0" "C"));
        CHECK_INT(miabis_schema_enumeration("Frobnication", &none), -ENOENT);
}

/* Parses a document from memory into records, mapped into a dataset when it was read. */
static int parse(Kit *k, const char *xml, Dataset **ret) {
        RecordSet *set = NULL;
        CHECK_INT(record_set_new(&set), 0);
        int r = miabis_xml_parse(xml, strlen(xml), "t.xml", set, &k->findings);
        if (r >= 0 && ret)
                *ret = kit_map(k, set);
        record_set_free(set);
        return r;
}

TEST(test_read_foreign_document) {
        Kit k;
        kit_init(&k);
        static const char xml[] =
                HEAD "  <disease id=\"d1\"><ontology>ICD-10</ontology><code>C50.9</code></disease>\n"
                     "  <disease id=\"d2\"><ontology>ORPHA</ontology><code>558</code></disease>\n" CONTACT
                     "  <biobank><id>UZA</id><name>Biobank@UZA</name><url>https://www.uza.be</url>"
                     "<juristicPerson>UZA</juristicPerson><country>BE</country><contactInformation>p1</contactInformation>"
                     "<description>Hospital biobank</description><sampleCollections>onco</sampleCollections></biobank>\n"
                     "  <samplecollection><id>onco</id><name>Oncology</name><description>Tumours</description>"
                     "<sex>Male</sex><sex>Female</sex><ageLow>0</ageLow><ageHigh>90</ageHigh><ageUnit>year</ageUnit>"
                     "<dataCategory>Biological samples</dataCategory><materialType>Tissue, cryo preserved</materialType>"
                     "<materialType>Serum</materialType><storageTemperature>-60\xc2\xb0" "C to -85\xc2\xb0" "C</storageTemperature>"
                     "<collectionType>Disease specific</collectionType><diseases>d1 d2</diseases>"
                     "<contactInformation>p1</contactInformation><biobanks>UZA</biobanks>"
                     "<sampleCollections>onco-sub</sampleCollections><size>1200</size></samplecollection>\n"
                     "  <samplecollection><id>onco-sub</id><name>Sub</name><description>Part</description>"
                     "<dataCategory>Biological samples</dataCategory><materialType>DNA</materialType><collectionType>Cohort</collectionType>"
                     "<contactInformation>p1</contactInformation><biobanks>UZA</biobanks><size>9</size></samplecollection>\n"
                     "  <study><id>s1</id><name>S</name><description>A study</description></study>\n" TAIL;
        Dataset *d = NULL;
        CHECK_INT(parse(&k, xml, &d), 0);
        CHECK(d != NULL);
        const char *onco = "bbmri-eric:ID:BE_UZA:collection:onco";
        CHECK_STR(kit_cell(d, "Persons", "bbmri-eric:contactID:BE_p1", "first_name"), "An");
        CHECK_STR(kit_cell(d, "Biobanks", "bbmri-eric:ID:BE_UZA", "juridical_person"), "UZA");
        CHECK_STR(kit_cell(d, "Biobanks", "bbmri-eric:ID:BE_UZA", "contact"), "bbmri-eric:contactID:BE_p1");
        CHECK_STR(kit_cell(d, "Collections", onco, "materials"), "TISSUE_FROZEN\x1fSERUM");
        CHECK_STR(kit_cell(d, "Collections", onco, "sex"), "MALE\x1f" "FEMALE");
        CHECK_STR(kit_cell(d, "Collections", onco, "storage_temperatures"), "temperature-60to-85");
        CHECK_STR(kit_cell(d, "Collections", onco, "diagnosis_available"), "urn:miriam:icd:C50.9\x1fORPHA:558");
        CHECK_STR(kit_cell(d, "Collections", onco, "age_low"), "0");
        CHECK_STR(kit_cell(d, "Collections", onco, "age_unit"), "YEAR");
        CHECK_STR(kit_cell(d, "Collections", onco, "order_of_magnitude"), "3");
        CHECK_STR(kit_cell(d, "Collections", onco, "country"), "BE"); /* the biobank's */
        CHECK_STR(kit_cell(d, "Collections", onco, "biobank"), "bbmri-eric:ID:BE_UZA");
        CHECK_STR(kit_cell(d, "Collections", "bbmri-eric:ID:BE_UZA:collection:onco-sub", "parent_collection"), onco);
        const Finding *study = kit_finding(&k.findings, "xml-not-read", "<study> 's1' is not read");
        CHECK(study && study->severity == SEVERITY_WARNING && study->line == 9 && streq_ptr(study->file, "t.xml"));
        CHECK_INT(k.findings.n_errors, 0);
        for (size_t i = 0; i < k.findings.n_items; i++)
                if (k.findings.items[i].severity == SEVERITY_ERROR || !study)
                        fprintf(stderr, "  finding: %u %s\n", k.findings.items[i].line, k.findings.items[i].message);
        dataset_free(d);
        kit_done(&k);
}

/* A hostile or broken document: refused, with a finding at the line. */
static void check_refused(const char *xml, int error, unsigned line, const char *text) {
        Kit k;
        kit_init(&k);
        CHECK_INT(parse(&k, xml, NULL), error);
        const Finding *f = kit_finding(&k.findings, NULL, text);
        CHECK(f != NULL);
        if (f) {
                CHECK_STR(f->file, "t.xml");
                CHECK_INT(f->line, line);
                CHECK_INT(f->severity, SEVERITY_ERROR);
        } else
                for (size_t i = 0; i < k.findings.n_items; i++)
                        fprintf(stderr, "  finding: %s\n", k.findings.items[i].message);
        kit_done(&k);
}

TEST(test_hostile_documents) {
        /* XXE: the DOCTYPE is refused before the entity is even declared. */
        check_refused("<?xml version=\"1.0\"?>\n<!DOCTYPE miabis [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                      "<miabis xmlns=\"" MIABIS_NAMESPACE "\"><contactInformation id=\"p\"><firstname>&xxe;</firstname>"
                      "</contactInformation></miabis>\n",
                      -EBADMSG, 2, "a DOCTYPE is not allowed");
        /* Billion laughs. */
        check_refused("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
                      " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n"
                      "<miabis xmlns=\"" MIABIS_NAMESPACE "\"><contactInformation id=\"p\"><firstname>&lol2;</firstname>"
                      "</contactInformation></miabis>\n",
                      -EBADMSG, 2, "a DOCTYPE is not allowed");
        /* An undeclared entity is a well-formedness error, never a lookup. */
        check_refused(HEAD "  <contactInformation id=\"p\"><firstname>&foo;</firstname></contactInformation>\n" TAIL,
                      -EBADMSG, 3, "Entity 'foo' not defined");
        check_refused(HEAD "  <contactInformation id=\"p\"><firstname>An</lastname></contactInformation>\n" TAIL,
                      -EBADMSG, 3, "Opening and ending tag mismatch");
        check_refused("<?xml version=\"1.0\"?>\n<miabis xmlns=\"http://example.org/miabis\"/>\n", -EBADMSG, 2,
                      "the root element must be <miabis> in namespace " MIABIS_NAMESPACE
                      ", not <miabis> in namespace http://example.org/miabis");
        check_refused("<?xml version=\"1.0\"?>\n\n<miabis/>\n", -EBADMSG, 3, "not <miabis> in no namespace");

        /* Deep nesting and a huge text node stop the parser at the limit. */
        _cleanup_free_ char *deep = malloc(64 * 1024);
        CHECK(deep != NULL);
        if (!deep)
                return;
        size_t n = (size_t) snprintf(deep, 64 * 1024, "%s", HEAD);
        for (int i = 0; i < 5000; i++)
                n += (size_t) snprintf(deep + n, 64 * 1024 - n, "<a>");
        snprintf(deep + n, 64 * 1024 - n, "\n" TAIL);
        check_refused(deep, -E2BIG, 3, "elements nested deeper than 32 levels");
        size_t huge_size = LIMIT_XML_TEXT_BYTES + 4096;
        _cleanup_free_ char *huge = malloc(huge_size + 256);
        CHECK(huge != NULL);
        if (!huge)
                return;
        n = (size_t) snprintf(huge, 256, HEAD "  <contactInformation id=\"p\"><firstname>");
        memset(huge + n, 'x', huge_size);
        snprintf(huge + n + huge_size, 256, "</firstname></contactInformation>\n" TAIL);
        check_refused(huge, -E2BIG, 3, "the text of <firstname> is longer than the limit");
}

TEST(test_invalid_documents) {
        /* Schema: the element and the reason. */
        check_refused(HEAD CONTACT
                      "  <biobank><id>b</id><name>B</name><url>ftp://x.org</url><juristicPerson>J</juristicPerson>"
                      "<country>BE</country><contactInformation>p1</contactInformation><description>d</description>"
                      "</biobank>\n" TAIL,
                      -EBADMSG, 4, "Element 'url': [facet 'pattern'] The value 'ftp://x.org' is not accepted");
        check_refused(HEAD CONTACT BIOBANK("b", "p1") COLLECTION("c", "p1", "b", "<size>-1</size>") TAIL, -EBADMSG, 5,
                      "Element 'size'");
        /* Duplicate ids, across kinds too (the schema's xs:unique). */
        check_refused(HEAD CONTACT BIOBANK("p1", "p1") TAIL, -EBADMSG, 4, "Duplicate key-sequence ['p1']");
        /* References: dangling, of the wrong kind, two parents, two biobanks. */
        check_refused(HEAD CONTACT BIOBANK("b", "nobody") TAIL, -EBADMSG, 4,
                      "<contactInformation> refers to 'nobody', which no element of this document has as its id");
        check_refused(HEAD CONTACT BIOBANK("b", "p1") COLLECTION("c", "b", "b", "") TAIL, -EBADMSG, 5,
                      "refers to 'b', which is a <biobank>, not a <contactInformation> or <researchInformation>");
        check_refused(HEAD CONTACT BIOBANK("b", "p1") COLLECTION("c1", "p1", "b", "<sampleCollections>c3</sampleCollections>")
                              COLLECTION("c2", "p1", "b", "<sampleCollections>c3</sampleCollections>")
                                      COLLECTION("c3", "p1", "b", "") TAIL,
                      -EBADMSG, 6, "collection 'c3' is a sub-collection of both 'c1' and 'c2'");
        check_refused(HEAD CONTACT BIOBANK("b", "p1") BIOBANK("b2", "p1") COLLECTION("c", "p1", "b b2", "") TAIL,
                      -EBADMSG, 6, "a collection belongs to one biobank in the Directory, not 2");
        check_refused(HEAD "  <contactInformation id=\"_x.4\"/>\n" TAIL, -EBADMSG, 3, "is not a valid encoded id");
}

/* Items of a list cell, one per line, for subsequence checks. */
static bool is_subsequence(const char *part, const char *whole) {
        const char *ps = part, *pi;
        size_t pl;
        const char *ws = whole;
        while (ps && dataset_list_next(&ps, &pi, &pl)) {
                const char *wi;
                size_t wl;
                bool found = false;
                while (!found && ws && dataset_list_next(&ws, &wi, &wl))
                        found = wl == pl && memcmp(wi, pi, pl) == 0;
                if (!found)
                        return false;
        }
        return true;
}

static size_t left_out_count(const MiabisExportStats *s, const char *table, const char *column) {
        for (size_t i = 0; i < s->n_left_out; i++)
                if (streq(s->left_out[i].table, table) && streq_ptr(s->left_out[i].column, column))
                        return s->left_out[i].count;
        return 0;
}

TEST(test_example_round_trip) {
        Kit k;
        kit_init(&k);
        Dataset *d = kit_example(&k);
        CHECK(d != NULL);
        CHECK_INT(k.findings.n_errors, 0);
        _cleanup_free_ char *xml = NULL;
        size_t size = 0;
        MiabisExportStats stats = {};
        CHECK_INT(miabis_xml_export_buffer(d, k.mapping, k.vocab, &xml, &size, &stats, &k.findings), 0);
        CHECK_INT(stats.n_biobanks, 19);
        CHECK_INT(stats.n_collections, 35);
        CHECK_INT(stats.n_contacts, 20);
        CHECK_INT(left_out_count(&stats, "Networks", NULL), 1);
        CHECK_INT(left_out_count(&stats, "CollectionFacts", NULL), d->tables[model_table_index(d->model, "CollectionFacts")].n_rows);
        CHECK_INT(left_out_count(&stats, "Biobanks", "latitude"), 19);
        CHECK_INT(left_out_count(&stats, "Persons", "role"), 20);
        CHECK_INT(left_out_count(&stats, "Biobanks", "name"), 0);
        _cleanup_free_ char *summary = miabis_export_summary(&stats, "BE", "be.xml");
        CHECK_CONTAINS(summary, "export BE: 19 biobanks, 35 collections, 20 contacts and ");
        CHECK_CONTAINS(summary, "left out, as MIABIS 2.0 cannot carry them: 1 Networks row, ");
        _cleanup_free_ char *line = miabis_export_left_out_line(&stats, "Biobanks");
        CHECK_CONTAINS(line, "Biobanks: location 19, latitude 19, longitude 19, network 19");

        /* Read back: the same rows, and every value either carried unchanged or counted as left out. */
        Dataset *back = NULL;
        CHECK_INT(parse(&k, xml, &back), 0);
        CHECK(back != NULL);
        static const char *const tables[] = { "Persons", "Biobanks", "Collections" };
        for (size_t i = 0; back && i < ELEMENTSOF(tables); i++) {
                int t = model_table_index(d->model, tables[i]);
                const ModelTable *mt = &d->model->tables[t];
                CHECK_INT(back->tables[t].n_rows, d->tables[t].n_rows);
                for (size_t c = 0; c < mt->n_columns; c++) {
                        if (!mt->columns[c].node_owned || c == mt->id_column)
                                continue;
                        size_t lost = 0;
                        for (size_t r = 0; r < d->tables[t].n_rows; r++) {
                                const Row *row = d->tables[t].rows[r], *other = dataset_find(back, (size_t) t, row->id);
                                CHECK(other != NULL);
                                if (!other)
                                        continue;
                                const char *before = row->cells[c], *after = other->cells[c];
                                bool list = column_type_is_list(mt->columns[c].type);
                                if (!list && after && !streq_ptr(before, after))
                                        fprintf(stderr, "%s %s %s: '%s' became '%s'\n", tables[i], row->id,
                                                mt->columns[c].name, before, after);
                                CHECK(list ? is_subsequence(after, before) : (!after || streq_ptr(before, after)));
                                size_t nb = !before ? 0 : list ? dataset_list_count(before) : 1;
                                size_t na = !after ? 0 : list ? dataset_list_count(after) : 1;
                                lost += nb - na;
                        }
                        if (lost != left_out_count(&stats, tables[i], mt->columns[c].name))
                                fprintf(stderr, "%s.%s: %zu values lost, %zu counted\n", tables[i],
                                        mt->columns[c].name, lost, left_out_count(&stats, tables[i], mt->columns[c].name));
                        CHECK_INT(lost, left_out_count(&stats, tables[i], mt->columns[c].name));
                }
        }

        /* What MIABIS carries comes back the same: writing the read-back dataset gives the same bytes. */
        _cleanup_free_ char *again = NULL;
        size_t again_size = 0;
        MiabisExportStats again_stats = {};
        CHECK_INT(miabis_xml_export_buffer(back, k.mapping, k.vocab, &again, &again_size, &again_stats, &k.findings), 0);
        CHECK_INT(again_size, size);
        CHECK(again && xml && again_size == size && memcmp(again, xml, size) == 0);
        miabis_export_stats_done(&again_stats);
        miabis_export_stats_done(&stats);
        dataset_free(back);
        dataset_free(d);
        kit_done(&k);
}

static size_t files_in(const char *dir) {
        DIR *d = opendir(dir);
        if (!d)
                return SIZE_MAX;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                n += !streq(de->d_name, ".") && !streq(de->d_name, "..");
        closedir(d);
        return n;
}

TEST(test_export_refuses_invalid_document) {
        Kit k;
        kit_init(&k);
        Dataset *d = kit_example(&k);
        CHECK(d != NULL);
        int t = model_table_index(d->model, "Biobanks");
        Row *row = d->tables[t].rows[0];
        CHECK_INT(dataset_set(d, row, (size_t) t, (size_t) model_column_index(&d->model->tables[t], "url"),
                              "ftp://example.org/biobank", NULL),
                  0);
        char dir[] = "/tmp/test-miabis-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        _cleanup_free_ char *path = path_join(dir, "be.xml");
        MiabisExportStats stats = {};
        Findings f;
        findings_init(&f);
        CHECK_INT(miabis_xml_export(d, k.mapping, k.vocab, path, &stats, &f), -EBADMSG);
        const Finding *finding = kit_finding(&f, "xml-schema", "Element 'url': [facet 'pattern'] The value "
                                                               "'ftp://example.org/biobank' is not accepted");
        CHECK(finding != NULL);
        CHECK(finding && streq_ptr(finding->file, path) && finding->line > 0);
        CHECK_INT(files_in(dir), 0); /* nothing written, not even a temporary file */
        findings_done(&f);
        (void) rm_rf(dir);
        dataset_free(d);
        kit_done(&k);
}

TEST(test_export_months_left_out) {
        Kit k;
        kit_init(&k);
        Dataset *d = kit_example(&k);
        CHECK(d != NULL);
        int t = model_table_index(d->model, "Collections");
        const ModelTable *mt = &d->model->tables[t];
        Row *row = d->tables[t].rows[0];
        CHECK_INT(dataset_set(d, row, (size_t) t, (size_t) model_column_index(mt, "age_unit"), "MONTH", NULL), 0);
        _cleanup_free_ char *xml = NULL;
        size_t size = 0;
        MiabisExportStats stats = {};
        CHECK_INT(miabis_xml_export_buffer(d, k.mapping, k.vocab, &xml, &size, &stats, &k.findings), 0);
        /* An age range in months has no MIABIS unit: unit and ages are left out together. */
        CHECK_INT(left_out_count(&stats, "Collections", "age_unit"), 1);
        CHECK_INT(left_out_count(&stats, "Collections", "age_low"), 1);
        CHECK_INT(left_out_count(&stats, "Collections", "age_high"), 1);
        CHECK_INT(left_out_count(&stats, "Collections", "withdrawn"), 0);
        miabis_export_stats_done(&stats);
        dataset_free(d);
        kit_done(&k);
}

TEST_MAIN(RUN(test_id_codec); RUN(test_schema_enumerations); RUN(test_read_foreign_document);
          RUN(test_hostile_documents); RUN(test_invalid_documents); RUN(test_example_round_trip);
          RUN(test_export_refuses_invalid_document); RUN(test_export_months_left_out))
