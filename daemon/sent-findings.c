/* SPDX-License-Identifier: MIT */
#include <time.h>

#include "limits.h"
#include "sent-findings.h"

#define SENT_FINDINGS_HEADER "bbmri-dirsync journal-sent 1\n"

/* Keys in an open-addressing set (0 marks a free slot: no key is 0). */
struct SentFindings {
        char day[11];
        uint64_t *slots;
        size_t n_slots, n_keys;
};

int sent_findings_new(const char *day, SentFindings **ret) {
        if (!day || strlen(day) != 10)
                return -EINVAL;
        SentFindings *s = calloc(1, sizeof(SentFindings));
        if (!s)
                return -ENOMEM;
        memcpy(s->day, day, 11);
        *ret = s;
        return 0;
}

SentFindings *sent_findings_free(SentFindings *s) {
        if (s)
                free(s->slots);
        free(s);
        return NULL;
}

/* FNV-1a over the fields that make a finding what it is, each ended by a separator. */
static uint64_t hash_field(uint64_t h, const char *s) {
        for (const unsigned char *p = (const unsigned char *) (s ?: ""); *p; p++)
                h = (h ^ *p) * 0x100000001b3ull;
        return (h ^ 0x1f) * 0x100000001b3ull;
}

uint64_t sent_findings_key(const Finding *f) {
        uint64_t h = 0xcbf29ce484222325ull;
        h = hash_field(h, severity_to_string(f->severity));
        h = hash_field(h, f->code);
        h = hash_field(h, f->table);
        h = hash_field(h, f->id);
        h = hash_field(h, f->column);
        h = hash_field(h, f->message);
        return h ?: 1;
}

static uint64_t *find_slot(uint64_t *slots, size_t n_slots, uint64_t key) {
        /* The key is a hash already: its low bits spread well. */
        for (size_t i = (size_t) key & (n_slots - 1);; i = (i + 1) & (n_slots - 1))
                if (slots[i] == 0 || slots[i] == key)
                        return &slots[i];
}

bool sent_findings_contains(const SentFindings *s, uint64_t key) {
        key = key ?: 1;
        return s->n_slots > 0 && *find_slot(s->slots, s->n_slots, key) == key;
}

int sent_findings_add(SentFindings *s, uint64_t key) {
        key = key ?: 1;
        if (sent_findings_contains(s, key))
                return 0;
        if (s->n_keys >= LIMIT_SENT_FINDINGS)
                return -E2BIG;
        /* At most half full, so that a probe ends soon. */
        if (2 * (s->n_keys + 1) > s->n_slots) {
                size_t n = s->n_slots ? 2 * s->n_slots : 64;
                uint64_t *slots = calloc(n, sizeof(uint64_t));
                if (!slots)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_slots; i++)
                        if (s->slots[i])
                                *find_slot(slots, n, s->slots[i]) = s->slots[i];
                free(s->slots);
                s->slots = slots;
                s->n_slots = n;
        }
        *find_slot(s->slots, s->n_slots, key) = key;
        s->n_keys++;
        return 0;
}

size_t sent_findings_size(const SentFindings *s) {
        return s->n_keys;
}

static int hex_digit(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sent_findings_parse(const char *data, size_t size, const char *day, SentFindings **ret) {
        size_t header = strlen(SENT_FINDINGS_HEADER);
        /* Header, "day YYYY-MM-DD\n", then keys of exactly 16 hex digits and a line end. */
        if (size < header + 15 || memcmp(data, SENT_FINDINGS_HEADER, header) != 0 ||
            memcmp(data + header, "day ", 4) != 0 || data[header + 14] != '\n')
                return -EBADMSG;
        const char *saved_day = data + header + 4;
        for (size_t i = 0; i < 10; i++)
                if (i == 4 || i == 7 ? saved_day[i] != '-' : saved_day[i] < '0' || saved_day[i] > '9')
                        return -EBADMSG;
        _cleanup_(sent_findings_freep) SentFindings *s = NULL;
        int r = sent_findings_new(day, &s);
        if (r < 0)
                return r;
        if (!day || memcmp(saved_day, day, 10) != 0) {
                *ret = TAKE_PTR(s);
                return 0; /* another day: everything is sent again */
        }
        const char *p = data + header + 15, *end = data + size;
        if ((size_t) (end - p) % 17 != 0)
                return -EBADMSG;
        if ((size_t) (end - p) / 17 > LIMIT_SENT_FINDINGS)
                return -E2BIG;
        for (; p < end; p += 17) {
                uint64_t key = 0;
                for (size_t i = 0; i < 16; i++) {
                        int d = hex_digit(p[i]);
                        if (d < 0)
                                return -EBADMSG;
                        key = key << 4 | (uint64_t) d;
                }
                if (p[16] != '\n' || key == 0)
                        return -EBADMSG;
                r = sent_findings_add(s, key);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(s);
        return 1;
}

static int compare_keys(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

int sent_findings_format(const SentFindings *s, char **ret_data, size_t *ret_size) {
        _cleanup_free_ uint64_t *keys = reallocarray(NULL, s->n_keys ?: 1, sizeof(uint64_t));
        if (!keys)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < s->n_slots; i++)
                if (s->slots[i])
                        keys[n++] = s->slots[i];
        /* In order: the same set is the same file. */
        qsort(keys, n, sizeof(uint64_t), compare_keys);
        size_t header = strlen(SENT_FINDINGS_HEADER), size = header + 15 + 17 * n;
        char *data = malloc(size + 1);
        if (!data)
                return -ENOMEM;
        memcpy(data, SENT_FINDINGS_HEADER, header);
        snprintf(data + header, 16, "day %.10s\n", s->day);
        for (size_t i = 0; i < n; i++)
                snprintf(data + header + 15 + 17 * i, 18, "%016" PRIx64 "\n", keys[i]);
        *ret_data = data;
        *ret_size = size;
        return 0;
}

void sent_findings_day(uint64_t realtime_usec, char day[static 11]) {
        time_t t = (time_t) (realtime_usec / 1000000);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime(day, 11, "%Y-%m-%d", &tm) != 10)
                memcpy(day, "1970-01-01", 11);
}
