/* SPDX-License-Identifier: MIT */
/* Runs a libFuzzer-style fuzz target over files and folders given on the command line, so every
 * fuzzer's corpus also runs as an ordinary test on every build (as rauc does). */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, size_t *count) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_file_limited(path, 64u * 1024 * 1024, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r;
        }
        (void) LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        (*count)++;
        return 0;
}

int main(int argc, char **argv) {
        size_t count = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (run_file(argv[i], &count) < 0)
                                return 1;
                        continue;
                }
                struct dirent **entries = NULL;
                int n = scandir(argv[i], &entries, NULL, alphasort);
                if (n < 0)
                        return 1;
                for (int k = 0; k < n; k++) {
                        if (entries[k]->d_name[0] != '.') {
                                _cleanup_free_ char *p = path_join(argv[i], entries[k]->d_name);
                                if (!p || run_file(p, &count) < 0)
                                        return 1;
                        }
                        free(entries[k]);
                }
                free(entries);
        }
        /* Also the empty input, which every parser must survive. */
        (void) LLVMFuzzerTestOneInput((const uint8_t *) "", 0);
        printf("%zu inputs\n", count + 1);
        return count > 0 ? 0 : 1;
}
