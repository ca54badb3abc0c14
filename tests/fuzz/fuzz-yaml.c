/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>

#include "yamltree.h"

/* Nodes in a subtree: what a streamed item must hold as well as the tree's copy. */
static size_t count_nodes(const YNode *n) {
        size_t k = 1;
        for (size_t i = 0; n->type != YNODE_SCALAR && i < n->n_items; i++)
                k += count_nodes(n->items[i]) + (n->type == YNODE_MAPPING);
        return k;
}

typedef struct Tally {
        size_t items, nodes;
} Tally;

static bool wants_all(const char *key, void *userdata) {
        return true;
}

static int tally_item(const YDoc *doc, const char *key, const YNode *item, void *userdata) {
        Tally *t = userdata;
        t->items++;
        t->nodes += count_nodes(item);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        YDoc *d = NULL;
        int r = ydoc_parse((const char *) data, size, "fuzz.yaml", &d, &f);

        /* Differential: streaming every top-level list sees exactly the items of the tree. */
        Findings sf;
        findings_init(&sf);
        Tally seen = {};
        YStream stream = { .wants = wants_all, .item = tally_item, .userdata = &seen };
        YDoc *sd = NULL;
        int sr = ydoc_parse_streamed((const char *) data, size, "fuzz.yaml", &stream, &sd, &sf);
        if (r >= 0) {
                if (sr < 0)
                        abort();
                Tally want = {};
                if (d->root->type == YNODE_MAPPING)
                        for (size_t i = 0; i < d->root->n_items; i++) {
                                const YNode *v = d->root->items[i];
                                if (v->type != YNODE_SEQUENCE)
                                        continue;
                                for (size_t k = 0; k < v->n_items; k++) {
                                        want.items++;
                                        want.nodes += count_nodes(v->items[k]);
                                }
                        }
                if (want.items != seen.items || want.nodes != seen.nodes)
                        abort();
        }
        ydoc_free(d);
        ydoc_free(sd);
        findings_done(&f);
        findings_done(&sf);
        return 0;
}
