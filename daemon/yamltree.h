/* SPDX-License-Identifier: MIT */
#pragma once

/* A strict YAML reader on libyaml's event parser. It builds a small tree of our own with line
 * and column for every node and refuses what a person's configuration never needs and an
 * attacker loves: anchors and aliases (no billion laughs), multiple documents, non-standard tags,
 * duplicate keys, non-scalar keys, nesting deeper than LIMIT_YAML_DEPTH, more than
 * LIMIT_YAML_NODES nodes, scalars over LIMIT_YAML_SCALAR_BYTES, invalid UTF-8, files over the
 * caller's size limit. All nodes live in the document's arena. */

#include "findings.h"

typedef enum YNodeType {
        YNODE_SCALAR,
        YNODE_SEQUENCE,
        YNODE_MAPPING,
} YNodeType;

typedef struct YNode YNode;
/* 48 bytes: a big master has over a million nodes. */
struct YNode {
        unsigned line, column; /* 1-based start of the node */
        uint8_t type;      /* YNodeType */
        bool plain;        /* unquoted plain scalar: only plain scalars can be null/bool/number */
        bool streamed;     /* a sequence whose items went to a YStream one by one (n_items is 0) */
        /* YNODE_SCALAR */
        unsigned length;   /* at most LIMIT_YAML_SCALAR_BYTES */
        const char *value; /* NUL-terminated UTF-8 */
        /* YNODE_SEQUENCE: items[0..n_items); YNODE_MAPPING: keys[i] -> items[i], i < n_items */
        unsigned n_items;
        YNode **items;
        YNode **keys;
};

typedef struct YDoc {
        char *filename; /* as given, for messages */
        YNode *root;    /* never NULL on success; an empty document is an error */
        Arena arena;
} YDoc;

YDoc *ydoc_free(YDoc *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(YDoc, ydoc_free);

/* From memory (the fuzzing entry point). On error appends findings naming filename:line:col and
 * returns -EBADMSG (syntax or structure), -E2BIG (a limit), -ENOMEM. */
int ydoc_parse(const char *data, size_t size, const char *filename, YDoc **ret, Findings *findings);

/* For big files: the items of a list that is the value of a top-level key for which wants() is
 * true go to item() one by one, each as soon as it is complete, and the memory of each is reused
 * for the next, so the tree never holds the whole file. Such a list stays in the tree as an empty
 * sequence with streamed set. item() returns 0 or a negative errno, which ends the parse with
 * that error. doc is the document being built (its root is the top-level mapping). */
typedef struct YStream {
        bool (*wants)(const char *key, void *userdata);
        int (*item)(const YDoc *doc, const char *key, const YNode *item, void *userdata);
        void *userdata;
} YStream;
int ydoc_parse_streamed(const char *data, size_t size, const char *filename, const YStream *stream, YDoc **ret,
                        Findings *findings);
/* Reads the file (refusing more than max_bytes: finding + -EFBIG) and parses it. */
int ydoc_load(const char *path, size_t max_bytes, YDoc **ret, Findings *findings);

/* Look-ups and typed access. */
YNode *ynode_get(const YNode *map, const char *key);           /* NULL when absent or not a map */
bool ynode_is_null(const YNode *n);                             /* NULL, or plain "", "~", "null", "Null", "NULL" */
const char *ynode_type_name(const YNode *n);                    /* "a string", "a list", "a mapping" */
void ynode_location(const YDoc *d, const YNode *n, Location *ret);

/* Typed getters append a finding (naming file:line:col and what was expected) and return
 * -EINVAL when the node does not have the type. */
int ynode_get_string(const YDoc *d, const YNode *n, const char *what, const char **ret, Findings *f);
int ynode_get_bool(const YDoc *d, const YNode *n, const char *what, bool *ret, Findings *f);
int ynode_get_int64(const YDoc *d, const YNode *n, const char *what, int64_t *ret, Findings *f);

/* Checks that every key of map is one of allowed (NULL-terminated); each other key gives a
 * finding "unknown key 'x' in <what>" at its position. Returns -EINVAL if any was unknown. */
int ynode_check_keys(const YDoc *d, const YNode *map, const char *what, const char *const *allowed, Findings *f);
