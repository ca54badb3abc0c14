/* SPDX-License-Identifier: MIT */
#include <curl/curl.h>
#include <getopt.h>

#include "commands.h"
#include "log.h"
#include "util.h"

#ifndef PROGRAM_VERSION
#define PROGRAM_VERSION "0"
#endif
#ifndef DEFAULT_CONFIG_PATH
#define DEFAULT_CONFIG_PATH "/etc/bbmri-dirsync/config.yaml"
#endif
#ifndef PROGRAM_DATA_DIR
#define PROGRAM_DATA_DIR "/usr/share/bbmri-dirsync"
#endif

static void help(void) {
        printf("bbmri-dirsync " PROGRAM_VERSION " - keep the BBMRI-ERIC Directory in step with a node's master file\n"
               "\n"
               "Usage: bbmri-dirsync [-c FILE] [--log-target auto|journal|console] [-v|-q] COMMAND\n"
               "\n"
               "Commands:\n"
               "  pull [--from staging|published] [-o FILE] [--force]\n"
               "                          write the node's rows in the Directory as a YAML master (facts in\n"
               "                          FILE's <stem>-facts.csv); never replaces a file without --force\n"
               "  check                   read, map and validate the master; no network\n"
               "  export -f FORMAT -o PATH\n"
               "                          write the mapped dataset; FORMAT is emx2-csv (a folder of\n"
               "                          <Table>.csv), emx2-zip (one ZIP for the one-transaction import)\n"
               "                          or miabis-xml (MIABIS 2.0 XML, validated against the bundled schema)\n"
               "  diff [--against staging|published] [--json]\n"
               "                          compare with the Directory; no writes (exit 1: differences)\n"
               "  sync [--dry-run] [--force]\n"
               "                          diff, then push the changes when mode is push\n"
               "  status                  the last run's summary from the state directory\n"
               "  daemon                  sync every schedule.interval (a Type=notify service); SIGHUP\n"
               "                          re-reads the configuration, SIGTERM stops\n"
               "\n"
               "Options:\n"
               "  -c, --config FILE       configuration file (default " DEFAULT_CONFIG_PATH ")\n"
               "      --log-target T      auto (journal under systemd, else console), journal, console\n"
               "  -v, --verbose           more detail\n"
               "  -q, --quiet             errors only\n"
               "  -h, --help              this help\n"
               "      --version           program version\n"
               "\n"
               "Exit codes: 0 success (diff: no differences), 1 differences (diff), 64 usage,\n"
               "65 invalid data, 69 remote unavailable, 73 cannot write output or state,\n"
               "75 temporary failure, 77 permission or authentication refused, 78 configuration error.\n");
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "bbmri-dirsync: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\nTry 'bbmri-dirsync --help'.\n");
        va_end(ap);
        return EXIT_USAGE;
}

static int parse_export(int argc, char **argv, Options *o) {
        static const struct option options[] = {
                { "format", required_argument, NULL, 'f' },
                { "output", required_argument, NULL, 'o' },
                {},
        };
        bool have_format = false;
        int c;
        while ((c = getopt_long(argc, argv, "+f:o:", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        if (streq(optarg, "emx2-csv"))
                                o->export_format = EXPORT_EMX2_CSV;
                        else if (streq(optarg, "emx2-zip"))
                                o->export_format = EXPORT_EMX2_ZIP;
                        else if (streq(optarg, "miabis-xml"))
                                o->export_format = EXPORT_MIABIS_XML;
                        else
                                return usage_error("unknown export format '%s' (emx2-csv, emx2-zip, miabis-xml)", optarg);
                        have_format = true;
                        break;
                case 'o':
                        o->output = optarg;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (!have_format)
                return usage_error("%s", "export needs -f FORMAT");
        if (!o->output)
                return usage_error("%s", "export needs -o PATH");
        return optind < argc ? usage_error("unexpected argument '%s'", argv[optind]) : 0;
}

/* staging or published, for --against and --from. */
static int parse_schema_choice(const char *option, const char *value, bool *ret_published) {
        if (streq(value, "staging"))
                *ret_published = false;
        else if (streq(value, "published"))
                *ret_published = true;
        else
                return usage_error("%s takes staging or published, not '%s'", option, value);
        return 0;
}

static int parse_diff(int argc, char **argv, Options *o) {
        static const struct option options[] = {
                { "against", required_argument, NULL, 'a' },
                { "json", no_argument, NULL, 'j' },
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        if (parse_schema_choice("--against", optarg, &o->against_published) != 0)
                                return EXIT_USAGE;
                        break;
                case 'j':
                        o->json = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        return optind < argc ? usage_error("unexpected argument '%s'", argv[optind]) : 0;
}

static int parse_sync(int argc, char **argv, Options *o) {
        static const struct option options[] = {
                { "dry-run", no_argument, NULL, 'n' },
                { "force", no_argument, NULL, 'F' },
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        o->dry_run = true;
                        break;
                case 'F':
                        o->force = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        return optind < argc ? usage_error("unexpected argument '%s'", argv[optind]) : 0;
}

static int parse_pull(int argc, char **argv, Options *o) {
        static const struct option options[] = {
                { "from", required_argument, NULL, 'f' },
                { "output", required_argument, NULL, 'o' },
                { "force", no_argument, NULL, 'F' },
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "+o:", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        if (parse_schema_choice("--from", optarg, &o->from_published) != 0)
                                return EXIT_USAGE;
                        break;
                case 'o':
                        o->output = optarg;
                        break;
                case 'F':
                        o->force = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        return optind < argc ? usage_error("unexpected argument '%s'", argv[optind]) : 0;
}

static int parse_none(int argc, char **argv, Options *o) {
        static const struct option options[] = { {} };
        if (getopt_long(argc, argv, "+", options, NULL) >= 0)
                return EXIT_USAGE;
        return optind < argc ? usage_error("unexpected argument '%s'", argv[optind]) : 0;
}

int main(int argc, char **argv) {
        enum { ARG_LOG_TARGET = 0x100, ARG_VERSION };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "log-target", required_argument, NULL, ARG_LOG_TARGET },
                { "verbose", no_argument, NULL, 'v' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        Options o = {
                .config_path = DEFAULT_CONFIG_PATH,
                .data_dir = PROGRAM_DATA_DIR,
        };
        LogTarget target = LOG_TARGET_AUTO;
        int verbosity = 0, c;

        while ((c = getopt_long(argc, argv, "+c:vqh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        o.config_path = optarg;
                        break;
                case ARG_LOG_TARGET: {
                        int t = log_target_from_string(optarg);
                        if (t < 0)
                                return usage_error("--log-target takes auto, journal or console, not '%s'", optarg);
                        target = (LogTarget) t;
                        break;
                }
                case 'v':
                        verbosity = 1;
                        break;
                case 'q':
                        verbosity = -1;
                        break;
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("bbmri-dirsync " PROGRAM_VERSION "\n");
                        return EXIT_OK;
                default:
                        return EXIT_USAGE;
                }

        if (optind >= argc)
                return usage_error("%s", "missing command (pull, check, export, diff, sync, status, daemon)");

        /* Bundled data next to the configuration's defaults can be overridden for tests and for
         * running from a build tree. */
        const char *data_dir = getenv("BBMRI_DIRSYNC_DATA_DIR");
        if (!isempty(data_dir))
                o.data_dir = data_dir;

        const char *command = argv[optind];
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 1;

        static const struct {
                const char *name;
                int (*parse)(int argc, char **argv, Options *o);
                int (*run)(const Options *o);
        } commands[] = {
                { "pull", parse_pull, command_pull },
                { "check", parse_none, command_check },
                { "export", parse_export, command_export },
                { "diff", parse_diff, command_diff },
                { "sync", parse_sync, command_sync },
                { "status", parse_none, command_status },
                { "daemon", parse_none, command_daemon },
        };
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                if (!streq(command, commands[i].name))
                        continue;
                int r = commands[i].parse(sub_argc, sub_argv, &o);
                if (r != 0)
                        return r;
                log_setup(target, verbosity);
                /* libcurl's global state, once, before any thread (the fetch runs on its own). */
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                        log_error("cannot initialise libcurl");
                        return EXIT_TEMPORARY;
                }
                r = commands[i].run(&o);
                curl_global_cleanup();
                return r;
        }
        return usage_error("unknown command '%s'", command);
}
