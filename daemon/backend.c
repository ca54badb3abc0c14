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

void backend_read_init(BackendRead *r, SchemaKind schema, const char *table, const char *node) {
        *r = (BackendRead) { .schema = schema, .table = table, .node = node };
        findings_init(&r->findings);
}

void backend_read_done(BackendRead *r) {
        r->data = mfree(r->data);
        r->size = 0;
        findings_done(&r->findings);
}

int backend_fetch_many(Backend *b, BackendRead *reads, size_t n_reads, const BackendBatch *batch) {
        if (b->ops->fetch_many)
                return b->ops->fetch_many(b, reads, n_reads, batch);
        /* One after the other, a schema's reads stop at its first failure: the rest could only
         * fail the same way, each after its own retries. Not so an answer that is no answer of its
         * request (an HTML page, no API answer: they come without retries): the others may be
         * whole, and one table's last good copy then stands in for it alone. */
        bool failed[SCHEMA_ONTOLOGY + 1] = {};
        for (size_t i = 0; i < n_reads; i++) {
                BackendRead *rd = &reads[i];
                if ((batch->cancel && atomic_load(batch->cancel)) || failed[rd->schema])
                        rd->error = -ECANCELED;
                else if (rd->archive)
                        rd->error = -EOPNOTSUPP;
                else {
                        int r = rd->table ? b->ops->fetch_table(b, rd->schema, rd->table, rd->node, &rd->data,
                                                                &rd->size, &rd->findings)
                                          : b->ops->fetch_model(b, &rd->data, &rd->size, &rd->findings);
                        rd->error = r < 0 ? r : 0;
                        if (r == -ENOMEM)
                                return -ENOMEM;
                        if (r < 0 && r != -ENOENT && r != -EOPNOTSUPP && r != -EREMOTEIO && r != -EBADMSG)
                                failed[rd->schema] = true;
                }
                if (batch->on_read_done)
                        batch->on_read_done(i, batch->userdata);
        }
        return 0;
}
