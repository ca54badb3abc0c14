/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "limits.h"
#include "master-csv.h"
#include "master-input.h"
#include "master.h"
#include "miabis-xml.h"

static int read_xml_master(const char *path, RecordSet *set, Findings *findings) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = master_read_bytes(path, &data, &size, findings);
        if (r < 0)
                return r;
        return miabis_xml_parse(data, size, path, set, findings);
}

bool master_input_is_folder(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int master_input_load(const char *path, const Model *model, RecordSet *set, MasterSecondReader *second,
                      MasterFactsFile **ret_facts, size_t *ret_n_facts, Findings *findings) {
        *ret_facts = NULL;
        *ret_n_facts = 0;
        if (master_input_is_folder(path))
                return master_csv_load_folder_with(path, model, set, second, findings);
        size_t n = strlen(path);
        if (n > 4 && strcaseeq(path + n - 4, ".xml"))
                return read_xml_master(path, set, findings);
        return master_load_file_deferred(path, set, ret_facts, ret_n_facts, findings);
}
