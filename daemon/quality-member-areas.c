/* SPDX-License-Identifier: MIT */
/* MemberAreaConsistency (MAC): a biobank of a member country belongs to that country's staging
 * area; in EXT, IARC or EU only as an exception, and never besides the same institution (its
 * juridical person) in the country's own area. */
#include <ctype.h>

#include "quality-families.h"

static const QualityCheckInfo member_area_checks[] = {
        { "MAC:IsoStageMismatch", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The biobank's country is a member country, but its id is in the staging area of another country.",
          "Give the biobank an id in its country's staging area, or correct its country." },
        { "MAC:MemberNonMember", SEVERITY_QUALITY_WARNING, "Biobanks",
          "The biobank of a member country is only in a staging area that is no country (EXT, IARC, ...).",
          "Move the biobank to its country's staging area if it belongs to the node; otherwise make sure the exception is intended." },
        { "MAC:MemberDupOtherArea", SEVERITY_QUALITY_ERROR, "Biobanks",
          "The same institution (juridical person) of a member country is in its country's staging area and in another one (EU, EXT, ...).",
          "Keep the institution in one staging area, or give the records distinct juridical persons if they are distinct legal entities." },
};

enum { AREA_MEMBER, AREA_EU, AREA_OTHER };

typedef struct Placement {
        char country[8];
        const char *institution; /* juridical person: lower case, whitespace runs as one space */
        const Row *row;
        int area;
} Placement;

static int compare_placements(const void *a, const void *b) {
        const Placement *x = a, *y = b;
        int c = strcmp(x->country, y->country);
        return c ? c : strcmp(x->institution, y->institution);
}

/* The biobanks of one (country, institution): those outside the country's area against those in it. */
static int check_group(QualityContext *q, const Placement *g, size_t n) {
        const Row *member = NULL;
        for (size_t i = 0; i < n && !member; i++)
                if (g[i].area == AREA_MEMBER)
                        member = g[i].row;
        int jp = quality_column(q, q->biobanks, "juridical_person");
        for (size_t i = 0; i < n; i++) {
                const char *name = quality_cell(g[i].row, jp);
                if (g[i].area == AREA_OTHER && !member)
                        QUALITY_REPORT(q, "MAC:MemberNonMember", (size_t) q->biobanks, g[i].row, -1,
                                       "'%s' of member country %s is only in a staging area that is no country", name,
                                       g[i].country);
                else if (g[i].area != AREA_MEMBER && member)
                        QUALITY_REPORT(q, "MAC:MemberDupOtherArea", (size_t) q->biobanks, g[i].row, -1,
                                       "'%s' of member country %s is also in the country's staging area (%s)", name,
                                       g[i].country, member->id);
        }
        return 0;
}

static int check_member_areas(QualityContext *q) {
        if (q->biobanks < 0)
                return 0;
        const DatasetTable *bt = &q->d->tables[q->biobanks];
        int country = quality_column(q, q->biobanks, "country"), jp = quality_column(q, q->biobanks, "juridical_person");
        _cleanup_free_ Placement *placed = calloc_written(bt->n_rows ?: 1, sizeof(Placement));
        _cleanup_(arena_done) Arena arena;
        arena_init(&arena);
        if (!placed)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < bt->n_rows; i++) {
                const Row *row = bt->rows[i];
                const char *c = quality_cell(row, country);
                char code[8] = "", area[16];
                size_t k = 0;
                for (; c && isspace((unsigned char) *c); c++)
                        ;
                for (; c && c[k] && !isspace((unsigned char) c[k]) && k + 1 < sizeof code; k++)
                        code[k] = (char) toupper((unsigned char) c[k]);
                code[k] = 0;
                if (quality_withdrawn(q, q->biobanks, i) || !quality_is_member_node(code))
                        continue;
                quality_id_area(row->id, area, sizeof area);
                if (*area && !streq(area, code) && quality_is_country_code(area)) {
                        QUALITY_REPORT(q, "MAC:IsoStageMismatch", (size_t) q->biobanks, row, country,
                                       "the biobank's country is %s, but its id is in the staging area %s", code, area);
                        continue;
                }
                const char *key = quality_normalize_text(&arena, quality_cell(row, jp));
                if (!key)
                        return -ENOMEM;
                if (!*key || !*area)
                        continue;
                Placement *pl = &placed[n++];
                snprintf(pl->country, sizeof pl->country, "%s", code);
                pl->institution = key;
                pl->row = row;
                /* what is left is the country's own area, EU, or an area that is no country */
                pl->area = streq(area, code) ? AREA_MEMBER : streq(area, "EU") ? AREA_EU : AREA_OTHER;
        }
        if (n > 0)
                qsort(placed, n, sizeof(Placement), compare_placements);
        for (size_t i = 0, j; i < n; i = j) {
                for (j = i + 1; j < n && compare_placements(&placed[i], &placed[j]) == 0; j++)
                        ;
                int r = check_group(q, placed + i, j - i);
                if (r < 0)
                        return r;
        }
        return 0;
}

const QualityFamily quality_family_member_areas = {
        .name = "MemberAreaConsistency",
        .run = check_member_areas,
        .checks = member_area_checks,
        .n_checks = ELEMENTSOF(member_area_checks),
};
