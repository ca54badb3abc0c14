/* SPDX-License-Identifier: MIT */
#pragma once

/* Configuration (design §12): one strict YAML file. Unknown keys are errors naming file:line.
 * Every documented key is parsed and validated here, whether or not the running command uses it.
 * Relative paths are resolved against the configuration file's directory. A token never sits in
 * the configuration: only the path of a file holding it. */

#include "findings.h"

typedef enum SyncMode {
        SYNC_MODE_REPORT,
        SYNC_MODE_PUSH,
} SyncMode;

typedef enum PushMethod {
        PUSH_METHOD_ZIP,
        PUSH_METHOD_CSV,
} PushMethod;

typedef enum DeletionPolicy {
        DELETIONS_WITHDRAW,
        DELETIONS_DELETE,
        DELETIONS_KEEP,
} DeletionPolicy;

/* Which quality errors hold a row back from the push (errors always do). */
typedef enum QualityBlock {
        QUALITY_BLOCK_NEW,  /* only a quality error the Directory's current row does not have yet */
        QUALITY_BLOCK_ALL,  /* any quality error */
        QUALITY_BLOCK_NONE, /* none: quality findings are reported only */
} QualityBlock;

const char *sync_mode_to_string(SyncMode m);
const char *quality_block_to_string(QualityBlock b);
const char *push_method_to_string(PushMethod m);
const char *deletion_policy_to_string(DeletionPolicy p);

typedef enum DirectoryScheme {
        DIRECTORY_FILE,  /* file:///abs/path or file:relative/path (relative to the config file) */
        DIRECTORY_HTTPS, /* https://host[:port][/prefix]; http:// only to a loopback address */
} DirectoryScheme;

typedef struct Config {
        char *path;                 /* the configuration file */
        char *node;                 /* node code, e.g. "BE" (2 upper-case letters, or EU/EXT style) */
        char **master;              /* absolute paths, at least one */
        char **mappings;            /* absolute paths; default: the installed miabis-2.0.yaml */
        char *model;                /* absolute path of the model file; default: installed one */

        char *directory_url;        /* as written */
        DirectoryScheme directory_scheme;
        char *directory_path;       /* DIRECTORY_FILE: absolute folder */
        char *staging_schema;       /* [BBMRI-<node>] */
        char *published_schema;     /* [ERIC] */
        char *ontology_schema;      /* [DirectoryOntologies] */
        char *token_file;           /* absolute path, or NULL (then $CREDENTIALS_DIRECTORY/directory-token) */
        char *email;                /* optional password sign-in */
        char *password_file;        /* absolute path, or NULL (then credential directory-password) */
        char *ca_file;              /* absolute path, or NULL */
        uint64_t timeout_usec;      /* [60s] per request */
        uint64_t run_timeout_usec;  /* [20min] from opening the Directory to the last request */

        SyncMode mode;              /* [report] */
        PushMethod push_method;     /* [zip] */
        DeletionPolicy deletions;   /* [withdraw] */
        bool max_removals_set;
        bool max_removals_percent;  /* "10%" */
        uint64_t max_removals;      /* count, or percent 0..100 */

        uint64_t schedule_interval_usec;      /* [1h] */
        uint64_t schedule_random_delay_usec;  /* [5min] */
        /* A pushed change the published Directory does not show after this long is reported [36h]. */
        uint64_t publication_grace_usec;

        char *state_dir;            /* [$STATE_DIRECTORY or /var/lib/bbmri-dirsync] */
        char *report_json;          /* optional extra copy of the JSON report */
        char *report_html;          /* optional */
        char *report_metrics;       /* optional Prometheus textfile */
        uint64_t report_max_changes; /* [10000] changes (and findings) a report lists in full */
        uint64_t report_keep;        /* [30] reports kept in the state directory */
        uint64_t report_keep_bytes;  /* [100M] their size together */
        QualityBlock quality_block; /* [new] */
        char *quality_orphanet_file; /* Orphanet's en_product1.xml: the Orphanet checks run when given */

        char digest[65];            /* SHA-256 of the file's bytes, hex */
} Config;

Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config, config_free);

/* data_dir is where installed defaults live (mappings, model): used when the file names none. */
int config_parse(const char *data, size_t size, const char *path, const char *data_dir, Config **ret,
                 Findings *findings);
int config_load(const char *path, const char *data_dir, Config **ret, Findings *findings);
