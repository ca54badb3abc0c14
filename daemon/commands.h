/* SPDX-License-Identifier: MIT */
#pragma once

/* The commands of the program (design §11). Program side: these log, print and return the
 * process exit code. */

#include <stdbool.h>
#include <stdint.h>

#include "exit-codes.h"

typedef enum ExportFormat {
        EXPORT_EMX2_CSV,
        EXPORT_EMX2_ZIP,
        EXPORT_MIABIS_XML,
} ExportFormat;

typedef struct Options {
        const char *config_path;
        const char *data_dir;     /* installed mappings and model */
        /* export */
        ExportFormat export_format;
        bool have_export_format;
        const char *output;
        /* diff */
        bool against_published;
        /* check, diff, sync, status: one JSON document on stdout, nothing else there */
        bool json;
        /* pull */
        bool from_published;
        /* check: a quality error fails it too */
        bool strict;
        /* sync (force: also pull) */
        bool dry_run;
        bool force;
        /* daemon: the configuration the runs use (not re-read by them, not freed by them), so
         * that a broken file after SIGHUP leaves the last good one in force. */
        const struct Config *config;
} Options;

int command_check(const Options *o);
int command_export(const Options *o);
int command_diff(const Options *o);
int command_sync(const Options *o);
int command_status(const Options *o);
int command_pull(const Options *o);
int command_schema(const Options *o);
int command_daemon(const Options *o); /* daemon-mode.c */

/* Test hook: the clock that tells which day the journal's findings were sent on (NULL: the real
 * one). */
void commands_set_clock(uint64_t (*now)(void));
