/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xhv's entry point: global options, the command table and help. Exit
 * status: 0 success, 1 the operation failed, 2 the command line was wrong.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ctl/ctl.h"
#include "lib/alloc.h"

const char *cli_rundir;

static const struct cli_cmd commands[] = {
    {"create", "[-p] [-n] [-q] CONFIG [KEY=VALUE...]",
     "Create a domain from an xl.cfg configuration file",
     "Reads CONFIG (xl.cfg syntax, see docs/config.md), applies each\n"
     "KEY=VALUE on top of it (e.g. memory=512 name=web2), and asks xhvd to\n"
     "build the domain. Relative kernel and ramdisk paths are resolved\n"
     "against the current directory. Errors in the file are reported as\n"
     "FILE:LINE:COL and create nothing.\n"
     "\n"
     "  -p   leave the domain paused after creation\n"
     "  -n   dry run: parse and check the configuration, print it as\n"
     "       JSON, create nothing\n"
     "  -q   quiet: print nothing on success\n",
     cmd_create},
    {"list", "[-l] [DOMAIN...]", "List domains",
     "Columns as in xl list: Name, ID, Mem (MiB), VCPUs, State, Time(s).\n"
     "State flags: r running, b blocked, p paused, s shut down, c crashed,\n"
     "d dying.\n"
     "\n"
     "  -l   long listing: every field and the domain's configuration, as\n"
     "       JSON\n",
     cmd_list},
    {"console", "[--log] DOMAIN", "Show a domain's console",
     "Prints what the guest wrote to its console (console_io and the\n"
     "16550 UART on 0x3f8), then follows new output until Ctrl-] is\n"
     "pressed or the domain goes away. xhvd keeps the newest 64 KiB.\n"
     "\n"
     "  -l, --log   print the retained output and exit\n",
     cmd_console},
    {"evtchn", "DOMAIN", "List a domain's event channels",
     "One line per open port: its type (unbound, interdomain, virq, ipi),\n"
     "the remote domain and port or the VIRQ, the vCPU it notifies, and\n"
     "whether the guest sees it pending or masked.\n",
     cmd_evtchn},
    {"grants", "DOMAIN", "List a domain's grants and grant mappings",
     "Grants: every entry the domain wrote into its grant table (ref,\n"
     "flags with the reading/writing bits xhv sets, the domain it is for,\n"
     "the granted gfn, pins). Mappings: every grant of another domain it\n"
     "has mapped (handle, granter, ref, gfn, ro or rw).\n",
     cmd_grants},
    {"live-update", "[--binary PATH] [--mode transfer|exec] [--timeout S]",
     "Replace xhvd under running guests",
     "Starts the xhvd binary at PATH (default: the one running) beside the\n"
     "running xhvd, hands it every domain and exits: guests keep their\n"
     "memory, event channels, console and domain ids, and stop only for\n"
     "the blackout, whose phases are printed. If the new xhvd fails or\n"
     "times out before the guests resume, the old one resumes them as they\n"
     "were (rollback) and the command fails with the reason.\n"
     "\n"
     "  --binary PATH   the new xhvd (default: the running binary)\n"
     "  --mode MODE     transfer (default): new process, with rollback;\n"
     "                  exec: execve() in place, same pid, no rollback\n"
     "  --timeout S     give up and roll back after S seconds (default 30)\n"
     "  --json          print the answer as JSON\n"
     "  --fault SITE:N  (tests) run the new xhvd with XHV_FAULT=SITE:N\n",
     cmd_live_update},
    {"save", "[-c|-p] DOMAIN[,DOMAIN...] FILE",
     "Save a domain to a file and destroy it",
     "Stops the domain at a step boundary and writes it to FILE as a Xen\n"
     "migration stream v2 image (docs/migration.md); several domains (a\n"
     "ping and its echo) go into one file, their channels kept. The domain\n"
     "is destroyed once FILE is on disk; on any failure it runs on and no\n"
     "FILE is left. Sim guests only.\n"
     "\n"
     "  -c   keep the domain running after saving (a checkpoint)\n"
     "  -p   leave the domain paused after saving\n"
     "  --fault SITE:N  (tests) arm a fault in xhvd for the save\n",
     cmd_save},
    {"restore", "[-p] FILE [name=NEW]", "Restore domains saved by xhv save",
     "Builds a new domain for each image in FILE (fresh memory, the\n"
     "contents copied in, a new domain id) and starts it where it stopped.\n"
     "Event channels to a domain not in FILE are closed (unbound). A bad\n"
     "or truncated FILE is refused with the record and offset at fault,\n"
     "and nothing is created.\n"
     "\n"
     "  -p         leave the domains paused\n"
     "  name=NEW   restore a single domain under another name\n"
     "  --fault SITE:N  (tests) arm a fault in xhvd for the restore\n",
     cmd_restore},
    {"migrate",
     "[--live|--no-live] [--max-downtime MS] [--max-rounds N] [TRANSPORT] "
     "DOMAIN[,DOMAIN...] DEST",
     "Move running domains to another xhvd",
     "DEST is the other xhvd's rundir (a path, or unix:PATH), tcp:HOST:PORT\n"
     "where `xhv migrate-receive --listen` waits, or ssh:[USER@]HOST. Live\n"
     "(default): memory is copied while the guest runs, then again what\n"
     "changed, until the rest fits in --max-downtime or --max-rounds is\n"
     "reached; then the guest stops, the last pages and its state go, and\n"
     "it resumes on DEST. The domain here is destroyed only once DEST says\n"
     "it runs; on any failure it resumes here.\n"
     "\n"
     "  --live / --no-live    iterate while running (default) or stop first\n"
     "  --max-downtime MS     target downtime for the last round (default 50)\n"
     "  --max-rounds N        live rounds at most (default 10, max 64)\n"
     "  --fault SITE:N        (tests) arm a fault in this xhvd for the run\n"
     "  --target-fault SITE:N (tests) the same in the receiving xhvd\n"
     "\n"
     "tcp: needs one of (the receiver uses the same kind):\n"
     "  --tls-psk FILE        TLS with a pre-shared key, IDENTITY:HEXKEY as\n"
     "                        psktool writes it; the file must be 0600\n"
     "  --tls-cert FILE --tls-key FILE --tls-ca FILE\n"
     "                        TLS with X.509: our certificate and key (0600),\n"
     "                        and the CA that signed the receiver's\n"
     "  --tls-name NAME       the name the receiver's certificate must carry\n"
     "                        (default: HOST)\n"
     "  --insecure            plaintext and unauthenticated\n"
     "\n"
     "ssh:[USER@]HOST runs CMD HOST XHV [--rundir DIR] migrate-receive "
     "--stdio\n"
     "  -s, --ssh-command CMD the ssh command, split on spaces (default ssh)\n"
     "  --remote-xhv PATH     xhv on HOST (default xhv)\n"
     "  --remote-rundir DIR   the rundir of the xhvd on HOST\n",
     cmd_migrate},
    {"migrate-receive",
     "--listen [ADDR]:PORT (--tls-psk FILE | --tls-cert FILE --tls-key FILE "
     "--tls-ca FILE | --insecure) | --stdio",
     "Receive one migration into the local xhvd",
     "Relays one incoming migration to this host's xhvd (--rundir), then\n"
     "exits.\n"
     "\n"
     "  --listen [ADDR]:PORT  take one TCP connection (port 0: any; the\n"
     "                        address is printed: \"listening on ADDR:PORT\")\n"
     "  --tls-psk FILE        TLS: the sender must hold this pre-shared key\n"
     "  --tls-cert FILE --tls-key FILE --tls-ca FILE\n"
     "                        TLS: our certificate and key; the sender must\n"
     "                        present a certificate signed by the CA\n"
     "  --insecure            plaintext, anyone who connects (warns)\n"
     "  --stdio               relay stdin/stdout (run by `xhv migrate\n"
     "                        ssh:HOST` over ssh)\n"
     "\n"
     "The sender is authenticated before anything reaches xhvd; a failed\n"
     "handshake says why and exits 1.\n",
     cmd_migrate_receive},
    {"info", "", "Show host, memory and daemon information", "", cmd_info},
    {"pause", "DOMAIN", "Pause a domain",
     "Pauses nest: each pause needs its own unpause. DOMAIN is a name or\n"
     "an id.\n",
     cmd_pause},
    {"unpause", "DOMAIN", "Unpause a domain",
     "Undoes one pause (and starts a domain created with -p).\n", cmd_unpause},
    {"shutdown", "[-r] [-a] [DOMAIN]",
     "Shut a domain down and apply its on_poweroff/on_reboot action",
     "  -r   reboot: apply on_reboot instead of on_poweroff\n"
     "  -a   every domain\n"
     "\n"
     "Until guests run (a later release), the shutdown takes effect at\n"
     "once: there is no guest to ask first.\n",
     cmd_shutdown},
    {"destroy", "DOMAIN", "Destroy a domain at once",
     "Stops the domain and gives back all its memory, whatever its state.\n",
     cmd_destroy},
    {"dump", "DOMAIN", "Show a domain's pages by purpose",
     "Counts of RAM pages and extents, and every special page (shared_info,\n"
     "grant frames, ...) by name with its MFN and, when mapped, its GFN.\n"
     "Found from the frame table, so no kind of page can be missing.\n",
     cmd_dump},
    {"dmesg", "[-c]", "Show xhvd's log",
     "  -c   clear the log after printing it\n", cmd_dmesg},
    {"debug-keys", "KEYS", "Send debug keys to xhvd",
     "Each character is one key: h lists them, q dumps every domain's\n"
     "pages, m summarises memory. The output goes to xhvd's log (see\n"
     "dmesg) and is printed here too.\n",
     cmd_debug_keys},
    {"audit", "", "Check every page of machine memory",
     "Checks that every machine page is exactly one of free, xhv's own,\n"
     "owned by one domain, broken or reserved, and that every domain's\n"
     "page counts match. Prints the report; exits 1 if anything is wrong.\n",
     cmd_audit},
};

const struct cli_cmd *cli_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void cli_print_help(const struct cli_cmd *c)
{
    printf("Usage: xhv %s %s\n%s.\n", c->name, c->args, c->summary);
    if (c->help[0])
        printf("\n%s", c->help);
}

void cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "xhv %s: ", c->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nUsage: xhv %s %s\nTry 'xhv help %s'.\n", c->name,
            c->args, c->name);
}

bool cli_wants_help(const struct cli_cmd *c, int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cli_print_help(c);
            return true;
        }
    }
    return false;
}

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "Usage: xhv [-r DIR] COMMAND [ARGS...]\n"
               "Control domains on xhv, the hypervisor for Xen guests on "
               "KVM.\n\nCommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-11s %s\n", "help", "Show help for a command");
    fprintf(f,
            "\nOptions:\n"
            "  -r, --rundir DIR   where xhvd's socket is (default "
            "$XHV_RUNDIR or /run/xhv)\n"
            "  -h, --help         this help; 'xhv help COMMAND' for one "
            "command\n"
            "  -V, --version      the version\n"
            "\nDomains are named by name or by id. Exit status: 0 success, 1 "
            "failure,\n2 bad usage.\n");
}

static int help_cmd(int argc, char **argv)
{
    const struct cli_cmd *c;

    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    c = cli_find(argv[1]);
    if (!c) {
        fprintf(stderr, "xhv: no command '%s'; 'xhv help' lists them\n",
                argv[1]);
        return 2;
    }
    cli_print_help(c);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rundir", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const struct cli_cmd *c;
    int opt;

    /* xhvd closes on a peer it refuses: a write then must fail with
     * EPIPE and an error message, not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    cli_rundir = ctl_default_rundir();
    /* '+': options after the command belong to the command. */
    while ((opt = getopt_long(argc, argv, "+r:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            cli_rundir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("xhv %s\n", XHV_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    argc -= optind;
    argv += optind;
    if (strcmp(argv[0], "help") == 0)
        return help_cmd(argc, argv);
    c = cli_find(argv[0]);
    if (!c) {
        fprintf(stderr, "xhv: no command '%s'; 'xhv help' lists them\n",
                argv[0]);
        return 2;
    }
    if (cli_wants_help(c, argc, argv))
        return 0;
    optind = 1; /* each command parses its own options */
    return c->fn(argc, argv);
}
