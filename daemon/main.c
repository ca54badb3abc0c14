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

/* Options of one command or of all (global): each command names the ones it takes. */
enum {
        OPT_CONFIG = 'c',
        OPT_VERBOSE = 'v',
        OPT_QUIET = 'q',
        OPT_HELP = 'h',
        OPT_FORMAT = 'f',
        OPT_OUTPUT = 'o',
        OPT_LOG_TARGET = 0x100,
        OPT_COLOR,
        OPT_VERSION,
        OPT_AGAINST,
        OPT_JSON,
        OPT_DRY_RUN,
        OPT_FORCE,
        OPT_FROM,
        OPT_STRICT,
};

enum {
        TAKES_FORMAT = 1 << 0,
        TAKES_OUTPUT = 1 << 1,
        TAKES_AGAINST = 1 << 2,
        TAKES_JSON = 1 << 3,
        TAKES_DRY_RUN = 1 << 4,
        TAKES_FORCE = 1 << 5,
        TAKES_FROM = 1 << 6,
        TAKES_STRICT = 1 << 7,
};

static const struct option all_options[] = {
        { "config", required_argument, NULL, OPT_CONFIG },
        { "log-target", required_argument, NULL, OPT_LOG_TARGET },
        { "color", required_argument, NULL, OPT_COLOR },
        { "verbose", no_argument, NULL, OPT_VERBOSE },
        { "quiet", no_argument, NULL, OPT_QUIET },
        { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_VERSION },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "against", required_argument, NULL, OPT_AGAINST },
        { "json", no_argument, NULL, OPT_JSON },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "force", no_argument, NULL, OPT_FORCE },
        { "from", required_argument, NULL, OPT_FROM },
        { "strict", no_argument, NULL, OPT_STRICT },
        {},
};
#define SHORT_OPTIONS ":c:vqhf:o:"

typedef struct CommandInfo {
        const char *name;
        const char *arguments;  /* after the name in the usage line */
        const char *summary;
        const char *options;    /* its own options, for COMMAND --help */
        const char *exit_codes;
        unsigned takes;         /* TAKES_* */
        unsigned requires;      /* TAKES_* that must be given */
        int (*run)(const Options *o);
} CommandInfo;

static const CommandInfo commands[] = {
        { "pull", "[--from staging|published] [-o FILE] [--force] [--json]",
          "write the node's rows in the Directory as a YAML master (facts in\n"
          "FILE's <stem>-facts.csv); never replaces a file without --force",
          "      --from SCHEMA       staging (default) or published, filtered to the node\n"
          "  -o, --output FILE       the master to write (default: the configuration's master)\n"
          "      --force             replace a file that exists\n"
          "      --json              the outcome as one JSON document on stdout\n",
          "0 written, 69 remote unavailable, 73 the file exists (without --force) or cannot be written,\n"
          "75 temporary failure, 77 refused, 78 configuration error",
          TAKES_FROM | TAKES_OUTPUT | TAKES_FORCE | TAKES_JSON, 0, command_pull },
        { "schema", "[-o FILE]", "the JSON Schema (draft 2020-12) of the master file, for editors",
          "  -o, --output FILE       the file to write (default: standard output)\n",
          "0 written, 73 cannot write, 78 configuration error", TAKES_OUTPUT, 0, command_schema },
        { "check", "[--strict] [--json]", "read, map and validate the master; no network",
          "      --strict            a quality error fails the check too (exit 65)\n"
          "      --json              the run report as one JSON document on stdout\n",
          "0 valid (warnings and quality findings allowed), 65 errors in the master (with --strict:\n"
          "or quality errors), 78 configuration error", TAKES_STRICT | TAKES_JSON, 0, command_check },
        { "export", "-f FORMAT -o PATH",
          "write the mapped dataset; FORMAT is emx2-csv (a folder of\n"
          "<Table>.csv), emx2-zip (one ZIP for the one-transaction import)\n"
          "or miabis-xml (MIABIS 2.0 XML, validated against the bundled schema)",
          "  -f, --format FORMAT     emx2-csv, emx2-zip or miabis-xml\n"
          "  -o, --output PATH       the folder (emx2-csv) or file to write\n",
          "0 written, 65 errors in the master (nothing written), 73 cannot write, 78 configuration error",
          TAKES_FORMAT | TAKES_OUTPUT, TAKES_FORMAT | TAKES_OUTPUT, command_export },
        { "diff", "[--against staging|published] [--json]", "compare with the Directory; writes nothing remote",
          "      --against SCHEMA    staging (default) or published\n"
          "      --json              the run report as one JSON document on stdout\n",
          "0 no differences, 1 differences, 65 errors in the master (before 1), 69 remote unavailable,\n"
          "73 cannot write state, 75 temporary failure, 77 refused, 78 configuration error",
          TAKES_AGAINST | TAKES_JSON, 0, command_diff },
        { "sync", "[--dry-run] [--force] [--json]", "diff, then push the changes when mode is push",
          "      --dry-run           show what would be pushed; push nothing\n"
          "      --force             push although the removal guard would stop it\n"
          "      --json              the run report as one JSON document on stdout\n",
          "0 success, 65 invalid data, 69 remote unavailable, 73 cannot write state, 75 temporary failure,\n"
          "77 permission or authentication refused, 78 configuration error",
          TAKES_DRY_RUN | TAKES_FORCE | TAKES_JSON, 0, command_sync },
        { "status", "[--json]", "the last runs' summaries from the state directory",
          "      --json              the last reports as one JSON document on stdout\n",
          "0, 73 cannot read the state directory, 78 configuration error", TAKES_JSON, 0, command_status },
        { "daemon", "", "sync every schedule.interval (a Type=notify service);\n"
          "SIGHUP re-reads the configuration, SIGTERM stops",
          "", "0 when stopped, 78 without a valid configuration", 0, 0, command_daemon },
        { "help", "[COMMAND]", "this help, or one command's usage, options and exit codes", "", "0, 64 unknown command",
          0, 0, NULL },
};

static const char global_options_help[] =
        "  -c, --config FILE       configuration file (default " DEFAULT_CONFIG_PATH ")\n"
        "      --log-target T      auto (journal under systemd, else console), journal, console\n"
        "      --color WHEN        auto (on a terminal, unless NO_COLOR is set), always, never\n"
        "  -v, --verbose           more detail: every finding, full values, phases and requests with times\n"
        "  -q, --quiet             errors only\n"
        "  -h, --help              this help (after a command: that command's help)\n"
        "      --version           program version\n";

static void print_wrapped(const char *text, const char *indent) {
        for (const char *p = text; *p;) {
                const char *nl = strchrnul(p, '\n');
                printf("%s%.*s\n", indent, (int) (nl - p), p);
                p = *nl ? nl + 1 : nl;
        }
}

static void help(void) {
        printf("bbmri-dirsync " PROGRAM_VERSION " - keep the BBMRI-ERIC Directory in step with a node's master file\n"
               "\n"
               "Usage: bbmri-dirsync COMMAND [OPTIONS]   (options may come before or after the command)\n"
               "\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                _cleanup_free_ char *head = strdup_printf("%s%s%s", commands[i].name,
                                                          *commands[i].arguments ? " " : "", commands[i].arguments);
                if (!head)
                        return;
                const char *summary = commands[i].summary;
                if (strlen(head) <= 22) {
                        /* The summary's first line beside the name, the rest below it. */
                        size_t n = strcspn(summary, "\n");
                        printf("  %-22s  %.*s\n", head, (int) n, summary);
                        summary += n + (summary[n] == '\n');
                } else
                        printf("  %s\n", head);
                print_wrapped(summary, "                          ");
        }
        printf("\n"
               "Options:\n"
               "%s"
               "\n"
               "Exit codes: 0 success (diff: no differences), 1 differences (diff), 64 usage,\n"
               "65 invalid data, 69 remote unavailable, 73 cannot write output or state,\n"
               "75 temporary failure, 77 permission or authentication refused, 78 configuration error.\n"
               "'bbmri-dirsync help COMMAND' shows a command's options and exit codes.\n",
               global_options_help);
}

static void command_help(const CommandInfo *c) {
        printf("Usage: bbmri-dirsync %s%s%s [OPTIONS]\n\n", c->name, *c->arguments ? " " : "", c->arguments);
        print_wrapped(c->summary, "");
        if (*c->options)
                printf("\nOptions of %s:\n%s", c->name, c->options);
        printf("\nGlobal options (before or after the command):\n%s\nExit codes: ", global_options_help);
        print_wrapped(c->exit_codes, "");
}

static const CommandInfo *find_command(const char *name) {
        for (size_t i = 0; name && i < ELEMENTSOF(commands); i++)
                if (streq(name, commands[i].name))
                        return &commands[i];
        return NULL;
}

static int usage_error(const CommandInfo *c, const char *fmt, ...) _printf_(2, 3);
static int usage_error(const CommandInfo *c, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "bbmri-dirsync%s%s: ", c ? " " : "", c ? c->name : "");
        vfprintf(stderr, fmt, ap);
        if (c && c->run)
                fprintf(stderr, "\nTry 'bbmri-dirsync help %s'.\n", c->name);
        else
                fprintf(stderr, "\nTry 'bbmri-dirsync help'.\n");
        va_end(ap);
        return EXIT_USAGE;
}

static const char *option_name(int opt) {
        for (size_t i = 0; all_options[i].name; i++)
                if (all_options[i].val == opt)
                        return all_options[i].name;
        return "?";
}

static unsigned takes_of(int opt) {
        switch (opt) {
        case OPT_FORMAT:
                return TAKES_FORMAT;
        case OPT_OUTPUT:
                return TAKES_OUTPUT;
        case OPT_AGAINST:
                return TAKES_AGAINST;
        case OPT_JSON:
                return TAKES_JSON;
        case OPT_DRY_RUN:
                return TAKES_DRY_RUN;
        case OPT_FORCE:
                return TAKES_FORCE;
        case OPT_FROM:
                return TAKES_FROM;
        case OPT_STRICT:
                return TAKES_STRICT;
        default:
                return 0; /* global */
        }
}

static const struct option *long_option(const char *word) {
        size_t n = strcspn(word, "=");
        for (size_t i = 0; all_options[i].name; i++)
                if (strlen(all_options[i].name) == n && strncmp(all_options[i].name, word, n) == 0)
                        return &all_options[i];
        return NULL;
}

/* The command is the first argument that is not an option nor an option's value. */
static const char *find_command_name(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                const char *w = argv[i];
                if (streq(w, "--"))
                        return i + 1 < argc ? argv[i + 1] : NULL;
                if (w[0] != '-' || w[1] == '\0')
                        return w;
                if (w[1] == '-') {
                        const struct option *o = long_option(w + 2);
                        if (o && o->has_arg == required_argument && !strchr(w, '='))
                                i++;
                        continue;
                }
                /* A cluster of short options: one taking a value takes the rest or the next word. */
                for (const char *p = w + 1; *p; p++) {
                        const char *s = strchr(SHORT_OPTIONS, *p);
                        if (*p != ':' && s && s[1] == ':') {
                                if (p[1] == '\0')
                                        i++;
                                break;
                        }
                }
        }
        return NULL;
}

typedef struct Parsed {
        Options options;
        LogTarget target;
        ColorMode color;
        int verbosity;
        bool help;
        bool version;
        const CommandInfo *command;
        const char *help_topic;  /* help COMMAND */
} Parsed;

/* staging or published, for --against and --from. */
static int parse_schema_choice(const CommandInfo *c, const char *option, const char *value, bool *ret_published) {
        if (streq(value, "staging"))
                *ret_published = false;
        else if (streq(value, "published"))
                *ret_published = true;
        else
                return usage_error(c, "%s takes staging or published, not '%s'", option, value);
        return 0;
}

static int parse_option(Parsed *p, int opt, const char *arg) {
        const CommandInfo *c = p->command;
        if (takes_of(opt) && !(c && (c->takes & takes_of(opt)))) {
                if (!c)
                        return usage_error(NULL, "--%s needs a command that takes it", option_name(opt));
                return usage_error(c, "%s takes no option --%s", c->name, option_name(opt));
        }
        switch (opt) {
        case OPT_CONFIG:
                p->options.config_path = arg;
                return 0;
        case OPT_LOG_TARGET: {
                int t = log_target_from_string(arg);
                if (t < 0)
                        return usage_error(c, "--log-target takes auto, journal or console, not '%s'", arg);
                p->target = (LogTarget) t;
                return 0;
        }
        case OPT_COLOR: {
                int m = color_mode_from_string(arg);
                if (m < 0)
                        return usage_error(c, "--color takes auto, always or never, not '%s'", arg);
                p->color = (ColorMode) m;
                return 0;
        }
        case OPT_VERBOSE:
                p->verbosity = 1;
                return 0;
        case OPT_QUIET:
                p->verbosity = -1;
                return 0;
        case OPT_HELP:
                p->help = true;
                return 0;
        case OPT_VERSION:
                p->version = true;
                return 0;
        case OPT_FORMAT:
                if (streq(arg, "emx2-csv"))
                        p->options.export_format = EXPORT_EMX2_CSV;
                else if (streq(arg, "emx2-zip"))
                        p->options.export_format = EXPORT_EMX2_ZIP;
                else if (streq(arg, "miabis-xml"))
                        p->options.export_format = EXPORT_MIABIS_XML;
                else
                        return usage_error(c, "unknown export format '%s' (emx2-csv, emx2-zip, miabis-xml)", arg);
                p->options.have_export_format = true;
                return 0;
        case OPT_OUTPUT:
                p->options.output = arg;
                return 0;
        case OPT_AGAINST:
                return parse_schema_choice(c, "--against", arg, &p->options.against_published);
        case OPT_FROM:
                return parse_schema_choice(c, "--from", arg, &p->options.from_published);
        case OPT_JSON:
                p->options.json = true;
                return 0;
        case OPT_DRY_RUN:
                p->options.dry_run = true;
                return 0;
        case OPT_FORCE:
                p->options.force = true;
                return 0;
        case OPT_STRICT:
                p->options.strict = true;
                return 0;
        default:
                return EXIT_USAGE;
        }
}

/* Bad option: getopt said '?' (unknown) or ':' (its argument is missing); optopt names a short
 * option, otherwise the word before optind is the long one. */
static int option_error(const Parsed *p, int result, char **argv) {
        bool long_word = startswith(argv[optind - 1], "--");
        if (result == ':')
                return long_word ? usage_error(p->command, "option '%s' needs a value", argv[optind - 1])
                                 : usage_error(p->command, "option '-%c' needs a value", optopt);
        if (optopt && !long_word)
                return usage_error(p->command, "unknown option '-%c'", optopt);
        return usage_error(p->command, "unknown option '%s'", argv[optind - 1]);
}

static int parse_arguments(int argc, char **argv, Parsed *p) {
        const char *name = find_command_name(argc, argv);
        if (name) {
                p->command = find_command(name);
                if (!p->command)
                        return usage_error(NULL, "unknown command '%s'", name);
        }
        optind = 0;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, SHORT_OPTIONS, all_options, NULL)) >= 0) {
                int r = c == '?' || c == ':' ? option_error(p, c, argv) : parse_option(p, c, optarg);
                if (r != 0)
                        return r;
        }
        /* getopt moved the words that are no options behind them: the command, then its arguments. */
        int first_argument = optind + 1;
        if (p->command && !p->command->run && first_argument < argc) {
                p->help_topic = argv[first_argument++];
                if (!find_command(p->help_topic))
                        return usage_error(p->command, "no command '%s'", p->help_topic);
        }
        if (first_argument < argc && !p->help)
                return usage_error(p->command, "unexpected argument '%s'", argv[first_argument]);
        if (p->help || p->version || !p->command || !p->command->run)
                return 0;
        if (p->command->requires & TAKES_FORMAT && !p->options.have_export_format)
                return usage_error(p->command, "%s needs -f FORMAT", p->command->name);
        if (p->command->requires & TAKES_OUTPUT && !p->options.output)
                return usage_error(p->command, "%s needs -o PATH", p->command->name);
        return 0;
}

int main(int argc, char **argv) {
        Parsed p = {
                .options = {
                        .config_path = DEFAULT_CONFIG_PATH,
                        .data_dir = PROGRAM_DATA_DIR,
                },
                .target = LOG_TARGET_AUTO,
                .color = COLOR_AUTO,
        };
        int r = parse_arguments(argc, argv, &p);
        if (r != 0)
                return r;
        if (p.version) {
                printf("bbmri-dirsync " PROGRAM_VERSION "\n");
                return EXIT_OK;
        }
        if (p.help_topic || (p.help && p.command && p.command->run)) {
                command_help(find_command(p.help_topic) ?: p.command);
                return EXIT_OK;
        }
        if (p.help || (p.command && !p.command->run)) {
                help();
                return EXIT_OK;
        }
        if (!p.command)
                return usage_error(NULL, "%s", "missing command (pull, schema, check, export, diff, sync, status, daemon, help)");

        /* Bundled data next to the configuration's defaults can be overridden for tests and for
         * running from a build tree. */
        const char *data_dir = getenv("BBMRI_DIRSYNC_DATA_DIR");
        if (!isempty(data_dir))
                p.options.data_dir = data_dir;

        log_setup(p.target, p.verbosity);
        log_set_color(p.color);
        /* libcurl's global state, once, before any thread (the fetch runs on its own). */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                log_error("cannot initialise libcurl");
                return EXIT_TEMPORARY;
        }
        r = p.command->run(&p.options);
        curl_global_cleanup();
        return r;
}
