/* SPDX-License-Identifier: MIT */
#pragma once

/* Every limit bbmri-dirsync enforces, in one place. Inputs are written by people or sent by a
 * server we do not control: each limit keeps a mistake or a hostile input from exhausting the
 * machine, and each is generous for real data (the whole Directory is ~400 biobanks, ~3,600
 * collections; one collection has been seen with 98,000 fact rows). */

/* Files we read. */
#define LIMIT_CONFIG_FILE_BYTES        (1u * 1024 * 1024)          /* configuration file */
#define LIMIT_MASTER_FILE_BYTES        (64u * 1024 * 1024)         /* one master YAML file */
#define LIMIT_MAPPING_FILE_BYTES       (8u * 1024 * 1024)          /* one mapping or model file */
#define LIMIT_CSV_FILE_BYTES           (512u * 1024 * 1024)        /* one CSV table (facts can be large) */
#define LIMIT_SECRET_FILE_BYTES        (16u * 1024)                /* token or password file */

/* YAML structure (libyaml events are turned into our own tree; aliases are refused outright). */
#define LIMIT_YAML_DEPTH               64u                         /* nesting of mappings/sequences */
#define LIMIT_PULL_NESTING             16u                         /* sub-collection levels pull nests (deeper ones are written flat) */
#define LIMIT_SUGGEST_BYTES            128u                        /* longest word "did you mean" compares (edit distance is quadratic) */
#define LIMIT_SUGGEST_ROWS             5000u                       /* ids of one table compared for an unknown reference */
#define LIMIT_YAML_NODES               (4u * 1024 * 1024)          /* nodes of one document held at once */
#define LIMIT_YAML_SCALAR_BYTES        (1u * 1024 * 1024)          /* one scalar */

/* MIABIS 2.0 XML masters (libxml2). A DOCTYPE is refused outright, so no entity is ever declared,
 * loaded or expanded; these bound what is left. The file itself: LIMIT_MASTER_FILE_BYTES. */
#define LIMIT_XML_DEPTH                32u                         /* nesting of elements (MIABIS needs 3) */
#define LIMIT_XML_ELEMENTS             (4u * 1024 * 1024)          /* elements in one document */
#define LIMIT_XML_TEXT_BYTES           (1u * 1024 * 1024)          /* text of one element or attribute */
/* Orphanet's en_product1.xml (quality.orphanet_file; ~10,000 disorders, ~30 MiB today), read under
 * the same XML limits. */
#define LIMIT_ORPHANET_FILE_BYTES      (512u * 1024 * 1024)

/* CSV structure. */
#define LIMIT_CSV_FIELD_BYTES          (1u * 1024 * 1024)          /* one field */
#define LIMIT_CSV_COLUMNS              1024u                       /* columns in one row */
#define LIMIT_FACTS_FILES              4096u                       /* facts CSV files one master names */
#define LIMIT_FACTS_COLUMNS            64u                         /* columns of a facts CSV file (the table has 9) */
#define LIMIT_CSV_ROWS                 (8u * 1024 * 1024)          /* rows in one table */
#define LIMIT_CSV_SPLIT_BYTES          (4u * 1024 * 1024)          /* a CSV-folder table this big is read in two halves at once */

/* Names EMX2 allows for schemas and tables (they become folder and file names here too). */
#define LIMIT_EMX2_SCHEMA_NAME_CHARS   63u
#define LIMIT_EMX2_TABLE_NAME_CHARS    31u

/* Dataset. */
#define LIMIT_ROWS_PER_TABLE           (8u * 1024 * 1024)
#define LIMIT_DIFF_SPLIT_ROWS          32768u                      /* a table with this many local rows is compared in two halves at once */
#define LIMIT_LIST_ITEMS               100000u                     /* items in one list value */
#define LIMIT_SENT_FINDINGS            1000000u                    /* keys of findings the journal got today (journal-sent) */
#define LIMIT_FINDINGS                 100000u                     /* findings kept; more are only counted */
#define LIMIT_FINDINGS_ACTED_ON        500000u                     /* past LIMIT_FINDINGS, errors and quality errors of rows kept (they hold rows back) */

/* Rows of other nodes brought from the published Directory (foreign.c). */
#define LIMIT_FOREIGN_CHAIN_DEPTH      16u                         /* references followed from a brought row (a network's contact: 1) */
#define LIMIT_FOREIGN_CLOSURE_ROWS     1024u                       /* rows one reference brings with it */

/* Vocabularies. */
#define LIMIT_VOCABULARY_TERMS         (1u * 1024 * 1024)          /* terms in one ontology table */
#define LIMIT_SCHEMA_LOOKUP_TERMS      1000u                       /* a larger table (DiseaseTypes) is any text in the master's JSON Schema */
#define LIMIT_QUALITY_CODE_BYTES       256u                        /* a list item the quality checks look up as a term */

/* State directory. */
#define LIMIT_REPORTS_KEPT             30u                         /* [report.keep] JSON reports kept in state_dir */
#define LIMIT_REPORTS_BYTES            (100u * 1024 * 1024)        /* [report.keep_size] their size together */
#define LIMIT_REPORT_CHANGES           10000u                      /* [report.max_changes] changes (and findings) a report lists */
#define LIMIT_REPORT_FILE_BYTES        (256u * 1024 * 1024)        /* a saved report (every change and finding of a run) */
#define LIMIT_PUSH_JOURNAL_BYTES       (1u * 1024 * 1024)          /* the push journal read back */
#define LIMIT_PUBLICATION_BYTES        (64u * 1024 * 1024)         /* the publication watch's state file */
#define LIMIT_PUBLICATION_PENDING      1000000u                    /* pushed changes waiting to be published */
#define LIMIT_UNPUBLISHED_LISTED       20u                         /* ids named in the journal's warning */

/* The model file's id patterns: a counted repetition such as ((a{255}){255}){255} makes regcomp()
 * build millions of states. */
#define LIMIT_ID_PATTERN_BYTES         512u                        /* one id pattern */
#define LIMIT_ID_PATTERN_REPEAT        1000u                       /* product of all {n,m} bounds of one pattern */

/* Journal entries. */
#define LIMIT_LOG_EXTRA_FIELDS         8u                          /* log_add_field() extras of one entry */
#define LIMIT_LOG_ENTRY_FIELDS         32u                         /* fields of one entry in all */

/* The Directory over HTTPS (http.c, backend-https.c). */
#define LIMIT_HTTP_RESPONSE_BYTES      LIMIT_CSV_FILE_BYTES        /* one response body, enforced while reading */
#define LIMIT_HTTP_ERROR_BODY_BYTES    (64u * 1024)                /* an error body worth parsing (the rest is dropped) */
#define LIMIT_HTTP_ATTEMPTS            5u                          /* tries of one request (transient failures only) */
#define LIMIT_HTTP_BACKOFF_FIRST_USEC  (500u * 1000)               /* first pause between tries; doubles each time */
#define LIMIT_HTTP_BACKOFF_MAX_USEC    (30u * 1000 * 1000)         /* longest pause the doubling reaches */
#define LIMIT_HTTP_RETRY_AFTER_USEC    (120u * 1000 * 1000)        /* longest Retry-After a server may ask for */
#define LIMIT_HTTP_CONNECT_USEC        (15u * 1000 * 1000)         /* connecting (TCP and TLS handshake) */
#define LIMIT_HTTP_LOW_SPEED_BYTES     64u                         /* a transfer slower than this many bytes/s ... */
#define LIMIT_HTTP_LOW_SPEED_SECONDS   30u                         /* ... for this long is abandoned (and retried) */
#define LIMIT_HTTP_CONNECTIONS         14u                         /* requests at once (HTTP/1.1: a connection each; HTTP/2: one in all) */
#define LIMIT_HTTP_BATCH_BYTES         (1024ull * 1024 * 1024)     /* answers of one batch held at once, in all */
#define LIMIT_ARCHIVE_MEMBERS          10000u                      /* members of a schema's ZIP (the lookup tables') */
#define LIMIT_ARCHIVE_BYTES            (1024ull * 1024 * 1024)     /* what its members read inflate to, in all */
#define LIMIT_HTTP_REDIRECTS           3u                          /* redirects followed, never to another host */
#define LIMIT_RUN_TIMEOUT_USEC         (20ull * 60 * 1000 * 1000)  /* default directory.run_timeout: opening to last request */
#define LIMIT_TASK_POLL_FIRST_USEC     (200u * 1000)               /* first pause before polling an async import */
#define LIMIT_TASK_POLL_MAX_USEC       (5u * 1000 * 1000)          /* longest pause between polls */
#define LIMIT_PUSH_CSV_ROWS            1000u                       /* rows in one CSV upsert request (push.method csv) */
#define LIMIT_ONTOLOGY_CACHE_USEC      (24ull * 3600 * 1000 * 1000) /* ontology tables are fetched again after a day */
#define LIMIT_LIVE_MODEL_BYTES         (4u * 1024 * 1024)          /* the staging schema's model CSV */
#define LIMIT_SIGNIN_ATTEMPTS          3u                          /* sign-ins per run (the first and renewals of expired tokens) */
#define LIMIT_SERVER_MESSAGE_BYTES     2000u                       /* a server message or task description passed on */
#define LIMIT_TASK_DEPTH               32u                         /* sub-tasks followed in a task status (EMX2 nests 2-3) */
#define LIMIT_FINDINGS_REPEATED        3u                          /* findings of one check listed one by one; more are one line (-v: all) */
#define LIMIT_SHOWN_VALUE_CHARS        60u                         /* a value on the console or in the report, before "…" (-v: full) */
#define LIMIT_TASK_ID_BYTES            128u                        /* a task id, which goes into a request path */
#define LIMIT_PROGRESS_AFTER_USEC      (2u * 1000 * 1000)          /* a task shows progress on a terminal once it has run this long */
#define LIMIT_PROGRESS_REDRAW_USEC     (200u * 1000)               /* the progress line is redrawn at most this often */
#define LIMIT_PROGRESS_LINE_BYTES      512u                        /* the progress line, at most (and the terminal's width) */
