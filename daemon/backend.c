/* SPDX-License-Identifier: MIT */
#include "backend.h"

Backend *backend_free(Backend *b) {
        if (b && b->ops->free)
                b->ops->free(b);
        return NULL;
}

int backend_remove_temporaries(Backend *b) {
        return b->ops->remove_temporaries ? b->ops->remove_temporaries(b) : 0;
}

const char *backend_schema_name(const Config *config, SchemaKind kind) {
        switch (kind) {
        case SCHEMA_STAGING:
                return config->staging_schema;
        case SCHEMA_PUBLISHED:
                return config->published_schema;
        case SCHEMA_ONTOLOGY:
                return config->ontology_schema;
        }
        return NULL;
}

int backend_fetch_into(Backend *b, SchemaKind schema, const char *node, Dataset *d, size_t table,
                       Emx2ReadStats *stats, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        const char *name = d->model->tables[table].name;
        int r = b->ops->fetch_table(b, schema, name, node, &data, &size, findings);
        if (r == -ENOENT && schema == SCHEMA_STAGING)
                return 0; /* a staging table that does not exist yet is empty */
        if (r < 0)
                return r;
        _cleanup_free_ char *label = strdup_printf("%s/%s.csv", backend_schema_name(b->config, schema), name);
        if (!label)
                return -ENOMEM;
        return emx2_read_table(d, table, data, size, label, stats, findings);
}
