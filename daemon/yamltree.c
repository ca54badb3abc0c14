/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <yaml.h>

#include "limits.h"
#include "suggest.h"
#include "yamltree.h"

/* One open container while events arrive. Children collect in malloc()ed vectors and move into
 * the arena when the container closes. */
typedef struct Frame {
        YNode *node;
        YNode **items, **keys;
        size_t n_items, allocated;
        YNode *pending_key; /* mapping: key read, value not yet */
        const char *stream_key; /* a streamed list: its top-level key */
} Frame;

/* Scalars are packed byte by byte into blocks of the arena (which rounds every allocation to 16
 * bytes), and short repeated ones (mapping keys: "id", "name", "country") are stored once. */
#define YAML_STRING_BLOCK_BYTES (64u * 1024)
#define YAML_SHARED_MAX_BYTES 32u
#define YAML_SHARED_SLOTS 1024u

typedef struct Builder {
        YDoc *doc;
        char *pool_next;
        size_t pool_left;
        const char *shared[YAML_SHARED_SLOTS];
        Findings *findings;
        Frame stack[LIMIT_YAML_DEPTH + 1];
        size_t depth;
        size_t n_nodes;         /* held at once: a streamed item's are given back with it */
        unsigned n_documents;

        /* Streaming: where the current item began, to give its memory back when it is done. */
        const YStream *stream;
        ArenaMark item_mark;
        char *item_pool_next;
        size_t item_pool_left, item_n_nodes;
        /* Slots of shared[] set during the item: they point into memory given back with it. */
        uint16_t item_shared[YAML_SHARED_SLOTS];
        size_t n_item_shared;
        bool item_shared_overflow, in_item;
} Builder;

YDoc *ydoc_free(YDoc *d) {
        if (!d)
                return NULL;
        arena_done(&d->arena);
        free(d->filename);
        free(d);
        return NULL;
}

static void builder_done(Builder *b) {
        for (size_t i = 0; i < b->depth; i++) {
                free(b->stack[i].items);
                free(b->stack[i].keys);
        }
        b->depth = 0;
}

static int error_at(Builder *b, unsigned line, unsigned column, const char *code, int r, const char *fmt, ...)
        _printf_(6, 7);
static int error_at(Builder *b, unsigned line, unsigned column, const char *code, int r, const char *fmt, ...) {
        Location loc = { .file = b->doc->filename, .line = line, .column = column };
        va_list ap;
        va_start(ap, fmt);
        int k = findings_addv(b->findings, SEVERITY_ERROR, code, NULL, NULL, NULL, &loc, fmt, ap);
        va_end(ap);
        return k < 0 ? k : r;
}

static bool tag_is_allowed(const yaml_char_t *tag) {
        static const char *const allowed[] = {
                "tag:yaml.org,2002:str",  "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
                "!",
        };
        if (!tag)
                return true;
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
                if (streq((const char *) tag, allowed[i]))
                        return true;
        return false;
}

/* Checks what every node-starting event may not carry: anchors (aliases need them) and tags. */
static int check_node_event(Builder *b, const yaml_char_t *anchor, const yaml_char_t *tag, unsigned line,
                            unsigned column) {
        if (anchor)
                return error_at(b, line, column, "yaml-anchor", -EBADMSG,
                                "YAML anchors and aliases are not allowed (anchor '&%.64s')", (const char *) anchor);
        if (!tag_is_allowed(tag))
                return error_at(b, line, column, "yaml-tag", -EBADMSG, "YAML tag '%.64s' is not allowed",
                                (const char *) tag);
        if (++b->n_nodes > LIMIT_YAML_NODES)
                return error_at(b, line, column, "yaml-limit", -E2BIG, "document has more than %u nodes",
                                LIMIT_YAML_NODES);
        return 0;
}

static int frame_push_child(Frame *f, YNode *key, YNode *value) {
        if (f->n_items == f->allocated) {
                size_t n = f->allocated ? f->allocated * 2 : 8;
                YNode **items = realloc(f->items, n * sizeof(YNode *));
                if (!items)
                        return -ENOMEM;
                f->items = items;
                if (f->node->type == YNODE_MAPPING) {
                        YNode **keys = realloc(f->keys, n * sizeof(YNode *));
                        if (!keys)
                                return -ENOMEM;
                        f->keys = keys;
                }
                f->allocated = n;
        }
        if (f->node->type == YNODE_MAPPING)
                f->keys[f->n_items] = key;
        f->items[f->n_items++] = value;
        return 0;
}

/* Attaches a finished or newly started node to the open container (or makes it the root). */
static int attach(Builder *b, YNode *n) {
        if (b->depth == 0) {
                b->doc->root = n;
                return 0;
        }
        Frame *f = &b->stack[b->depth - 1];
        if (f->node->type == YNODE_SEQUENCE)
                return frame_push_child(f, NULL, n);

        if (!f->pending_key) {
                if (n->type != YNODE_SCALAR)
                        return error_at(b, n->line, n->column, "yaml-key", -EBADMSG,
                                        "mapping keys must be plain strings, not %s", ynode_type_name(n));
                for (size_t i = 0; i < f->n_items; i++)
                        if (streq(f->keys[i]->value, n->value))
                                return error_at(b, n->line, n->column, "yaml-duplicate-key", -EBADMSG,
                                                "duplicate key '%.128s' (first given at line %u)", n->value,
                                                f->keys[i]->line);
                f->pending_key = n;
                return 0;
        }
        YNode *key = TAKE_PTR(f->pending_key);
        return frame_push_child(f, key, n);
}

static const char *store_scalar(Builder *b, const char *s, size_t n) {
        const char **slot = NULL;
        if (n <= YAML_SHARED_MAX_BYTES) {
                uint32_t h = 2166136261u;
                for (size_t i = 0; i < n; i++)
                        h = (h ^ (unsigned char) s[i]) * 16777619u;
                slot = &b->shared[(h ^ (h >> 16)) & (YAML_SHARED_SLOTS - 1)];
                if (*slot && strncmp(*slot, s, n) == 0 && (*slot)[n] == 0)
                        return *slot;
        }
        if (slot && b->in_item) {
                if (b->n_item_shared < YAML_SHARED_SLOTS)
                        b->item_shared[b->n_item_shared++] = (uint16_t) (slot - b->shared);
                else
                        b->item_shared_overflow = true;
        }
        char *copy;
        if (n + 1 > YAML_STRING_BLOCK_BYTES / 8)
                copy = arena_alloc(&b->doc->arena, n + 1);
        else {
                if (b->pool_left < n + 1) {
                        b->pool_next = arena_alloc(&b->doc->arena, YAML_STRING_BLOCK_BYTES);
                        if (!b->pool_next)
                                return NULL;
                        b->pool_left = YAML_STRING_BLOCK_BYTES;
                }
                copy = b->pool_next;
                b->pool_next += n + 1;
                b->pool_left -= n + 1;
        }
        if (!copy)
                return NULL;
        memcpy(copy, s, n);
        copy[n] = 0;
        if (slot)
                *slot = copy;
        return copy;
}

static YNode *node_new(Builder *b, YNodeType type, const yaml_event_t *e) {
        YNode *n = arena_alloc0(&b->doc->arena, sizeof(YNode));
        if (!n)
                return NULL;
        n->type = type;
        n->line = (unsigned) e->start_mark.line + 1;
        n->column = (unsigned) e->start_mark.column + 1;
        return n;
}

static bool in_streamed_list(const Builder *b) {
        return b->stream && b->depth > 0 && b->stack[b->depth - 1].stream_key;
}

static void item_begin(Builder *b) {
        b->item_mark = arena_mark(&b->doc->arena);
        b->item_pool_next = b->pool_next;
        b->item_pool_left = b->pool_left;
        b->item_n_nodes = b->n_nodes;
        b->n_item_shared = 0;
        b->item_shared_overflow = false;
        b->in_item = true;
}

/* Hands a complete item of a streamed list over, then gives its memory back. */
static int item_end(Builder *b, const char *key, YNode *item) {
        int r = b->stream->item(b->doc, key, item, b->stream->userdata);
        arena_release(&b->doc->arena, &b->item_mark);
        b->pool_next = b->item_pool_next;
        b->pool_left = b->item_pool_left;
        b->n_nodes = b->item_n_nodes;
        if (b->item_shared_overflow)
                memset(b->shared, 0, sizeof b->shared);
        else
                for (size_t i = 0; i < b->n_item_shared; i++)
                        b->shared[b->item_shared[i]] = NULL;
        b->in_item = false;
        return r;
}

static int handle_event(Builder *b, const yaml_event_t *e) {
        unsigned line = (unsigned) e->start_mark.line + 1, column = (unsigned) e->start_mark.column + 1;
        YNode *n;
        int r;

        switch (e->type) {
        case YAML_STREAM_START_EVENT:
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
        case YAML_NO_EVENT:
                return 0;

        case YAML_DOCUMENT_START_EVENT:
                if (++b->n_documents > 1)
                        return error_at(b, line, column, "yaml-documents", -EBADMSG,
                                        "only one YAML document is allowed per file");
                return 0;

        case YAML_ALIAS_EVENT:
                return error_at(b, line, column, "yaml-alias", -EBADMSG,
                                "YAML anchors and aliases are not allowed (alias '*%.64s')",
                                (const char *) e->data.alias.anchor);

        case YAML_SCALAR_EVENT:
                if (in_streamed_list(b))
                        item_begin(b);
                r = check_node_event(b, e->data.scalar.anchor, e->data.scalar.tag, line, column);
                if (r < 0)
                        return r;
                if (e->data.scalar.length > LIMIT_YAML_SCALAR_BYTES)
                        return error_at(b, line, column, "yaml-limit", -E2BIG, "value longer than %u bytes",
                                        LIMIT_YAML_SCALAR_BYTES);
                if (memchr(e->data.scalar.value, 0, e->data.scalar.length))
                        return error_at(b, line, column, "yaml-nul", -EBADMSG, "value contains a NUL character");
                n = node_new(b, YNODE_SCALAR, e);
                if (!n)
                        return -ENOMEM;
                n->value = store_scalar(b, (const char *) e->data.scalar.value, e->data.scalar.length);
                if (!n->value)
                        return -ENOMEM;
                n->length = (unsigned) e->data.scalar.length;
                n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !e->data.scalar.tag;
                if (in_streamed_list(b))
                        return item_end(b, b->stack[b->depth - 1].stream_key, n);
                return attach(b, n);

        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
                bool is_map = e->type == YAML_MAPPING_START_EVENT;
                bool item = in_streamed_list(b);
                if (item)
                        item_begin(b);
                r = check_node_event(b, is_map ? e->data.mapping_start.anchor : e->data.sequence_start.anchor,
                                     is_map ? e->data.mapping_start.tag : e->data.sequence_start.tag, line, column);
                if (r < 0)
                        return r;
                if (b->depth >= LIMIT_YAML_DEPTH)
                        return error_at(b, line, column, "yaml-limit", -E2BIG, "nesting deeper than %u levels",
                                        LIMIT_YAML_DEPTH);
                /* A list directly under a top-level key the caller streams. */
                const char *stream_key = NULL;
                if (!is_map && b->stream && b->depth == 1 && b->stack[0].node->type == YNODE_MAPPING &&
                    b->stack[0].pending_key && b->stream->wants(b->stack[0].pending_key->value, b->stream->userdata))
                        stream_key = b->stack[0].pending_key->value;
                n = node_new(b, is_map ? YNODE_MAPPING : YNODE_SEQUENCE, e);
                if (!n)
                        return -ENOMEM;
                n->streamed = stream_key != NULL;
                /* An item of a streamed list goes to the callback when it ends, never into the list. */
                if (!item) {
                        r = attach(b, n);
                        if (r < 0)
                                return r;
                }
                b->stack[b->depth++] = (Frame) { .node = n, .stream_key = stream_key };
                return 0;
        }

        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
                assert(b->depth > 0);
                Frame *f = &b->stack[b->depth - 1];
                n = f->node;
                n->n_items = (unsigned) f->n_items;
                if (f->n_items > 0) {
                        n->items = arena_alloc(&b->doc->arena, f->n_items * sizeof(YNode *));
                        if (!n->items)
                                return -ENOMEM;
                        memcpy(n->items, f->items, f->n_items * sizeof(YNode *));
                        if (n->type == YNODE_MAPPING) {
                                n->keys = arena_alloc(&b->doc->arena, f->n_items * sizeof(YNode *));
                                if (!n->keys)
                                        return -ENOMEM;
                                memcpy(n->keys, f->keys, f->n_items * sizeof(YNode *));
                        }
                }
                free(f->items);
                free(f->keys);
                b->depth--;
                if (in_streamed_list(b))
                        return item_end(b, b->stack[b->depth - 1].stream_key, n);
                return 0;
        }
        }
        return 0;
}

int ydoc_parse_streamed(const char *data, size_t size, const char *filename, const YStream *stream, YDoc **ret,
                        Findings *findings) {
        _cleanup_(ydoc_freep) YDoc *doc = calloc(1, sizeof(YDoc));
        if (!doc)
                return -ENOMEM;
        arena_init(&doc->arena);
        doc->filename = strdup(filename ?: "<memory>");
        if (!doc->filename)
                return -ENOMEM;

        /* Editors on Windows start UTF-8 with a byte order mark; libyaml, told the encoding, would
         * take it for content. Positions on line 1 count from after it, as the editor shows. */
        if (size >= 3 && memcmp(data, UTF8_BOM, 3) == 0) {
                data += 3;
                size -= 3;
        }
        if (size >= 2 && (memcmp(data, "\xFF\xFE", 2) == 0 || memcmp(data, "\xFE\xFF", 2) == 0)) {
                Location loc = { .file = doc->filename, .line = 1, .column = 1 };
                int k = findings_error_at(findings, "invalid-utf8", &loc,
                                          "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as "
                                          "UTF-8");
                return k < 0 ? k : -EBADMSG;
        }
        /* libyaml reports bad UTF-8 too, but with a vaguer position; a precise byte offset is
         * more use to a person with a text editor. */
        size_t bad;
        if (!utf8_is_valid(data, size, &bad)) {
                unsigned line = 1, column = 1;
                for (size_t i = 0; i < bad; i++)
                        if (data[i] == '\n') {
                                line++;
                                column = 1;
                        } else if (((unsigned char) data[i] & 0xC0) != 0x80)
                                column++;
                Location loc = { .file = doc->filename, .line = line, .column = column };
                int k = findings_error_at(findings, "invalid-utf8", &loc, "invalid UTF-8 byte 0x%02x",
                                          (unsigned char) data[bad]);
                return k < 0 ? k : -EBADMSG;
        }

        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) data, size);
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

        Builder b = { .doc = doc, .findings = findings, .stream = stream };
        int r = 0;
        for (;;) {
                yaml_event_t event;
                if (!yaml_parser_parse(&parser, &event)) {
                        unsigned line = (unsigned) parser.problem_mark.line + 1;
                        unsigned column = (unsigned) parser.problem_mark.column + 1;
                        if (parser.error == YAML_MEMORY_ERROR)
                                r = -ENOMEM;
                        else if (parser.context)
                                r = error_at(&b, line, column, "yaml-syntax", -EBADMSG, "YAML syntax error: %s %s",
                                             parser.problem ?: "invalid YAML", parser.context);
                        else
                                r = error_at(&b, line, column, "yaml-syntax", -EBADMSG, "YAML syntax error: %s",
                                             parser.problem ?: "invalid YAML");
                        break;
                }
                bool end = event.type == YAML_STREAM_END_EVENT;
                r = handle_event(&b, &event);
                yaml_event_delete(&event);
                if (r < 0 || end)
                        break;
        }
        yaml_parser_delete(&parser);
        builder_done(&b);
        if (r < 0)
                return r;

        if (!doc->root) {
                Location loc = { .file = doc->filename, .line = 1, .column = 1 };
                r = findings_error_at(findings, "yaml-empty", &loc, "the file holds no YAML document");
                return r < 0 ? r : -EBADMSG;
        }
        *ret = TAKE_PTR(doc);
        return 0;
}

int ydoc_parse(const char *data, size_t size, const char *filename, YDoc **ret, Findings *findings) {
        return ydoc_parse_streamed(data, size, filename, NULL, ret, findings);
}

int ydoc_load(const char *path, size_t max_bytes, YDoc **ret, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r = read_file_limited(path, max_bytes, &data, &size);
        if (r == -EFBIG) {
                Location loc = { .file = path };
                int k = findings_error_at(findings, "file-too-large", &loc, "file is larger than the limit of %zu bytes",
                                          max_bytes);
                return k < 0 ? k : r;
        }
        if (r < 0) {
                Location loc = { .file = path };
                int k = findings_error_at(findings, "file-unreadable", &loc, "cannot read file: %s", strerror(-r));
                return k < 0 ? k : r;
        }
        return ydoc_parse(data, size, path, ret, findings);
}

YNode *ynode_get(const YNode *map, const char *key) {
        if (!map || map->type != YNODE_MAPPING)
                return NULL;
        for (size_t i = 0; i < map->n_items; i++)
                if (streq(map->keys[i]->value, key))
                        return map->items[i];
        return NULL;
}

bool ynode_is_null(const YNode *n) {
        if (!n)
                return true;
        if (n->type != YNODE_SCALAR || !n->plain)
                return false;
        return n->length == 0 || streq(n->value, "~") || streq(n->value, "null") || streq(n->value, "Null") ||
               streq(n->value, "NULL");
}

const char *ynode_type_name(const YNode *n) {
        if (!n)
                return "nothing";
        switch (n->type) {
        case YNODE_SCALAR:
                return "a single value";
        case YNODE_SEQUENCE:
                return "a list";
        case YNODE_MAPPING:
                return "a mapping";
        }
        return "unknown";
}

void ynode_location(const YDoc *d, const YNode *n, Location *ret) {
        *ret = (Location) { .file = d->filename, .line = n ? n->line : 0, .column = n ? n->column : 0 };
}

static int type_error(const YDoc *d, const YNode *n, const char *what, const char *expected, Findings *f) {
        Location loc;
        ynode_location(d, n, &loc);
        int r = findings_add(f, SEVERITY_ERROR, "wrong-type", NULL, NULL, what, &loc, "'%s' must be %s, not %s", what,
                             expected, ynode_type_name(n));
        return r < 0 ? r : -EINVAL;
}

int ynode_get_string(const YDoc *d, const YNode *n, const char *what, const char **ret, Findings *f) {
        if (!n || n->type != YNODE_SCALAR)
                return type_error(d, n, what, "a text value", f);
        *ret = n->value;
        return 0;
}

int ynode_get_bool(const YDoc *d, const YNode *n, const char *what, bool *ret, Findings *f) {
        if (n && n->type == YNODE_SCALAR && n->plain) {
                if (streq(n->value, "true") || streq(n->value, "True") || streq(n->value, "TRUE")) {
                        *ret = true;
                        return 0;
                }
                if (streq(n->value, "false") || streq(n->value, "False") || streq(n->value, "FALSE")) {
                        *ret = false;
                        return 0;
                }
        }
        if (n && n->type == YNODE_SCALAR) {
                Location loc;
                ynode_location(d, n, &loc);
                int r = findings_add(f, SEVERITY_ERROR, "wrong-type", NULL, NULL, what, &loc,
                                     "'%s' must be true or false, not '%.64s'", what, n->value);
                return r < 0 ? r : -EINVAL;
        }
        return type_error(d, n, what, "true or false", f);
}

int ynode_get_int64(const YDoc *d, const YNode *n, const char *what, int64_t *ret, Findings *f) {
        if (n && n->type == YNODE_SCALAR && n->plain && n->length > 0) {
                char *end = NULL;
                errno = 0;
                long long v = strtoll(n->value, &end, 10);
                if (errno == 0 && end && *end == 0) {
                        *ret = v;
                        return 0;
                }
        }
        if (n && n->type == YNODE_SCALAR) {
                Location loc;
                ynode_location(d, n, &loc);
                int r = findings_add(f, SEVERITY_ERROR, "wrong-type", NULL, NULL, what, &loc,
                                     "'%s' must be a whole number, not '%.64s'", what, n->value);
                return r < 0 ? r : -EINVAL;
        }
        return type_error(d, n, what, "a whole number", f);
}

int ynode_check_keys(const YDoc *d, const YNode *map, const char *what, const char *const *allowed, Findings *f) {
        if (!map || map->type != YNODE_MAPPING)
                return type_error(d, map, what, "a mapping", f);
        int r = 0;
        for (size_t i = 0; i < map->n_items; i++) {
                bool known = false;
                for (const char *const *a = allowed; *a; a++)
                        if (streq(*a, map->keys[i]->value)) {
                                known = true;
                                break;
                        }
                if (known)
                        continue;
                Location loc;
                ynode_location(d, map->keys[i], &loc);
                Suggestion s;
                suggestion_init(&s, map->keys[i]->value);
                for (const char *const *a = allowed; *a; a++)
                        suggestion_offer(&s, *a);
                const char *meant = suggestion_best(&s);
                int k = findings_add(f, SEVERITY_ERROR, "unknown-key", NULL, NULL, map->keys[i]->value, &loc,
                                     "unknown key '%.128s' in %s%s%s%s", map->keys[i]->value, what,
                                     meant ? "; did you mean '" : "", meant ?: "", meant ? "'?" : "");
                if (k < 0)
                        return k;
                r = -EINVAL;
        }
        return r;
}
