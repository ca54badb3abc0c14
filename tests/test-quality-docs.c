/* SPDX-License-Identifier: MIT */
/* The documentation names every quality check the program runs, and no other: the README's table
 * in "Quality checks" has one row per check of the catalogue with its level, and the manual page
 * names every family's prefix. A check added without its row (or a row left after its check went)
 * fails here. */
#include <ctype.h>

#include "quality.h"
#include "test.h"

static char *read_source(const char *relative) {
        _cleanup_free_ char *path = strdup_printf("%s/%s", SOURCE_ROOT, relative);
        char *data = NULL;
        size_t size = 0;
        CHECK(path && read_file_limited(path, 4 << 20, &data, &size) == 0);
        return data;
}

static char level_letter(Severity level) {
        return level == SEVERITY_QUALITY_ERROR ? 'E' : level == SEVERITY_QUALITY_WARNING ? 'W' : 'I';
}

/* One row of the README's table: "| PREFIX:Name | L | ...". */
typedef struct DocRow {
        char id[80];
        char level;
} DocRow;

/* The rows of the table in the README's section "Quality checks" (up to the next section). */
static size_t readme_rows(const char *readme, DocRow *rows, size_t max) {
        const char *section = strstr(readme, "\n## Quality checks\n");
        CHECK(section != NULL);
        if (!section)
                return 0;
        const char *end = strstr(section + 1, "\n## ");
        size_t n = 0;
        for (const char *line = section + 1; line && (!end || line < end); line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                if (!startswith(line, "| "))
                        continue;
                const char *id = line + 2, *bar = strchr(id, '|');
                size_t len = bar ? (size_t) (bar - id) : 0;
                while (len > 0 && id[len - 1] == ' ')
                        len--;
                const char *colon = memchr(id, ':', len);
                if (!colon || len >= sizeof rows[0].id || !isupper((unsigned char) id[0]))
                        continue; /* the header, its rule, or another table */
                CHECK(n < max);
                if (n >= max)
                        break;
                memcpy(rows[n].id, id, len);
                rows[n].id[len] = 0;
                const char *level = bar + 1;
                while (*level == ' ')
                        level++;
                rows[n].level = level[1] == ' ' ? level[0] : '?';
                n++;
        }
        return n;
}

TEST(test_readme_lists_the_catalogue) {
        _cleanup_free_ char *readme = read_source("README.md");
        if (!readme)
                return;
        static DocRow rows[1024];
        size_t n = readme_rows(readme, rows, ELEMENTSOF(rows));
        CHECK(n >= quality_check_count() && n > 100);
        /* every row names a check of the catalogue, once, at its level */
        for (size_t i = 0; i < n; i++) {
                const QualityCheckInfo *c = quality_check_info(rows[i].id);
                if (!c)
                        fprintf(stderr, "README lists %s, which the catalogue does not have\n", rows[i].id);
                CHECK(c != NULL);
                if (c && rows[i].level != level_letter(c->level))
                        fprintf(stderr, "README gives %s level %c, the catalogue %c\n", rows[i].id, rows[i].level,
                                level_letter(c->level));
                CHECK(!c || rows[i].level == level_letter(c->level));
                for (size_t j = 0; j < i; j++)
                        CHECK(!streq(rows[i].id, rows[j].id));
        }
        /* every check of the catalogue has its row */
        for (size_t k = 0; k < quality_check_count(); k++) {
                const QualityCheckInfo *c = quality_check_at(k);
                bool listed = false;
                for (size_t i = 0; i < n && !listed; i++)
                        listed = streq(rows[i].id, c->id);
                if (!listed)
                        fprintf(stderr, "README's table lacks %s\n", c->id);
                CHECK(listed);
        }
}

TEST(test_man_page_names_every_family) {
        _cleanup_free_ char *page = read_source("packaging/man/bbmri-dirsync.8");
        if (!page)
                return;
        const char *section = strstr(page, ".SH QUALITY CHECKS");
        CHECK(section != NULL);
        if (!section)
                return;
        const char *end = strstr(section + 1, "\n.SH ");
        for (size_t k = 0; k < quality_check_count(); k++) {
                const char *id = quality_check_at(k)->id;
                char needle[32];
                snprintf(needle, sizeof needle, "(%.*s)", (int) (strchr(id, ':') - id), id);
                const char *at = strstr(section, needle);
                if (!at || (end && at > end))
                        fprintf(stderr, "bbmri-dirsync(8)'s QUALITY CHECKS does not name the family %s\n", needle);
                CHECK(at && (!end || at < end));
        }
}

TEST_MAIN(RUN(test_readme_lists_the_catalogue); RUN(test_man_page_names_every_family))
