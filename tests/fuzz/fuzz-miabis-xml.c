/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "miabis-xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Findings f;
        findings_init(&f);
        RecordSet *set = NULL;
        if (record_set_new(&set) < 0)
                return 0;
        (void) miabis_xml_parse((const char *) data, size, "fuzz.xml", set, &f);
        /* Ids found in any document must survive the codec both ways. */
        for (size_t i = 0; i < set->n_records; i++) {
                char *encoded = miabis_id_encode(set->records[i]->id ?: ""), *decoded = NULL;
                if (encoded && miabis_id_decode(encoded, &decoded) == 0 && !streq(decoded, set->records[i]->id ?: ""))
                        abort();
                free(encoded);
                free(decoded);
        }
        record_set_free(set);
        findings_done(&f);
        return 0;
}
