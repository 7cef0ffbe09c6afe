// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Command line: strace and bpftrace conventions, validated before anything is loaded. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "syscalls.h"
#include "util.h"

#define DEFAULT_STR_MAX 64
#define DEFAULT_RINGBUF (4u << 20)

enum {
	OPT_JSON = 0x100,
	OPT_VERSION,
	OPT_USDT,
	OPT_CHECK,
	OPT_DRY_RUN,
	OPT_NO_LATENCY,
	OPT_METRICS
};

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "uprobe", required_argument, NULL, 'u' },
	{ "list", no_argument, NULL, 'l' },
	{ "usdt", required_argument, NULL, OPT_USDT },
	{ "config", required_argument, NULL, 'C' },
	{ "check", required_argument, NULL, OPT_CHECK },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "follow", no_argument, NULL, 'f' },
	{ "expr", required_argument, NULL, 'e' },
	{ "summary", no_argument, NULL, 'c' },
	{ "durations", no_argument, NULL, 'T' },
	{ "no-latency", no_argument, NULL, OPT_NO_LATENCY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "strsize", required_argument, NULL, 's' },
	{ "bufsize", required_argument, NULL, 'b' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{},
};

void cli_usage(FILE *out)
{
	fputs("usage: agent-trace [options] -p PID[,PID...]\n"
	      "       agent-trace [options] -- CMD [ARGS...]\n"
	      "       agent-trace -C FILE [options] [-p PID | -- CMD]\n"
	      "       agent-trace --check FILE [--dry-run] [-p PID]\n"
	      "\n"
	      "Traces the system calls of running processes (-p) or of a command it starts\n"
	      "(held until the probes are attached), with the probe logic in the kernel.\n"
	      "\n"
	      "  -p, --pid PID[,PID...]  trace these processes, all their threads (repeatable)\n"
	      "  -f, --follow            also trace children forked after attach\n"
	      "  -u, --uprobe SPEC       probe a function (repeatable); with -u, syscalls are\n"
	      "                          traced only when -e is given. SPEC:\n"
	      "                          [TARGET]:FUNC[(ARGS)][ -> TYPE [OP INT]][@entry|@return]\n"
	      "                          TARGET: libc, a path, or empty for the main program;\n"
	      "                          FUNC: name, name@@VERSION, glob, name+0xOFF, 0xOFF;\n"
	      "                          ARGS: TYPE [name], ...: s8..s64 u8..u64 int long ptr\n"
	      "                          str buf[N] buf[len=argK] char[N]; OP INT: when the\n"
	      "                          call fails (default < 0 for signed, == 0 for ptr)\n"
	      "                          e.g. 'libc:malloc(u64 size) -> ptr'\n"
	      "      --usdt TARGET:PROVIDER:NAME[(ARGS)]\n"
	      "                          a USDT probe, arguments typed as in -u (repeatable)\n"
	      "  -C, --config FILE       probe file (YAML, see README): targets, probes with\n"
	      "                          in-kernel filters and actions, output, limits;\n"
	      "                          reloaded on SIGHUP or when the file changes\n"
	      "      --check FILE        validate a probe file (with -p: resolve its symbols\n"
	      "                          in that process), attach nothing; exit 0 or 2\n"
	      "      --dry-run           with -C: reloads only log their diff; with --check:\n"
	      "                          list what would be attached\n"
	      "  -l [TARGET:]GLOB        list functions and USDT probes (with -p: of its\n"
	      "                          libraries by short name), attach nothing\n"
	      "  -e, --expr LIST         syscalls to trace: names and classes, comma-separated;\n"
	      "                          classes: file network process memory signal ipc desc\n"
	      "                          (also %file...); '!LIST' excludes; repeatable\n"
	      "  -c, --summary           summary only: calls and errors per syscall (with -T\n"
	      "                          or -C: total/avg/p50/p99/max time too)\n"
	      "  -T, --durations         time each syscall: durations in the lines, the JSON\n"
	      "                          and the summary. Costs a program at syscall entry\n"
	      "                          and two clock reads; without it one program at\n"
	      "                          syscall exit does all (the default, but with -C)\n"
	      "      --no-latency        no durations, also with -C (whose syscall probes\n"
	      "                          then cannot run)\n"
	      "  -q, --quiet             no summary after the event stream, no progress lines\n"
	      "  -d, --duration SECONDS  stop this long after set-up is done\n"
	      "  -o, --output FILE       write events and summary to FILE\n"
	      "  -s, --strsize N         bytes captured per string or buffer (default 64, max 254)\n"
	      "  -b, --bufsize SIZE      ring buffer size, power of two (default 4M; K/M suffix)\n"
	      "      --json              one JSON object per line (schema in README)\n"
	      "      --metrics ADDR:PORT serve Prometheus metrics on /metrics (and /healthz);\n"
	      "                          :PORT alone listens on 127.0.0.1 only\n"
	      "  -v, --verbose           libbpf and loader diagnostics on stderr\n"
	      "  -h, --help              this text\n"
	      "      --version           version\n"
	      "\n"
	      "Tracing ends when every traced process has exited (with exe or comm targets:\n"
	      "those of -p and -- CMD; with neither, never), after -d, or on Ctrl-C or\n"
	      "SIGTERM; the probes are detached and the summary printed. Ctrl-C during\n"
	      "set-up undoes it and kills the held command.\n"
	      "\n"
	      "Exit status: 0 traced to the end, 1 runtime error (process gone, privileges,\n"
	      "kernel features, set-up interrupted), 2 usage error.\n",
	      out);
}

static void set_class(uint64_t *sel, unsigned cls, bool on)
{
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		if (!syscall_table[nr].name || !(syscall_table[nr].classes & cls))
			continue;
		if (on)
			sel[nr / 64] |= 1ULL << (nr % 64);
		else
			sel[nr / 64] &= ~(1ULL << (nr % 64));
	}
}

int cli_parse_select(const char *expr, uint64_t sel[AT_NR_MAX / 64], char *err, size_t errlen)
{
	char buf[1024], *save = NULL, *tok;
	bool on = true;

	if (!strncmp(expr, "trace=", 6))
		expr += 6;
	if (*expr == '!') {
		on = false;
		expr++;
	}
	if (strlen(expr) >= sizeof(buf))
		return fail(err, errlen, "-e: list too long");
	strcpy(buf, expr);
	if (!*buf)
		return fail(err, errlen, "-e: empty list");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *name = *tok == '%' ? tok + 1 : tok;
		unsigned cls;
		int nr;

		if (!strcmp(name, "all")) {
			memset(sel, on ? 0xff : 0, AT_NR_MAX / 8);
			continue;
		}
		if (*tok != '%' && (nr = syscall_by_name(tok)) >= 0) {
			if (on)
				sel[nr / 64] |= 1ULL << (nr % 64);
			else
				sel[nr / 64] &= ~(1ULL << (nr % 64));
			continue;
		}
		cls = sys_class_by_name(name);
		if (!cls)
			return fail(err, errlen, "-e: unknown syscall or class '%s'", tok);
		set_class(sel, cls, on);
	}
	return 0;
}

static int parse_pids(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	const char *p = arg;

	while (*p) {
		char *end;
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v <= 0 || v > INT_MAX || (*end && *end != ','))
			return fail(err, errlen, "-p '%s': not a process id", arg);
		if (cfg->npids == CLI_MAX_PIDS)
			return fail(err, errlen, "-p: at most %d processes", CLI_MAX_PIDS);
		cfg->pids[cfg->npids++] = (pid_t)v;
		p = *end ? end + 1 : end;
	}
	if (p == arg)
		return fail(err, errlen, "-p: empty process id");
	return 0;
}

static int parse_size(const char *arg, size_t *out, char *err, size_t errlen)
{
	int r = parse_ringbuf_size(arg, out);

	if (r == -1)
		return fail(err, errlen, "-b '%s': not a size", arg);
	if (r)
		return fail(err, errlen, "-b '%s': must be a power of two from 4K to 1024M", arg);
	return 0;
}

/* TARGET:PROVIDER:NAME[(ARGS)]: the provider is cut out, the rest is a -u SPEC. */
static int parse_usdt(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	struct usdt_arg *ua = &cfg->usdts[cfg->nusdts];
	char spec[1024];

	if (cfg->nusdts == CLI_MAX_UPROBES)
		return fail(err, errlen, "--usdt: at most %d probes", CLI_MAX_UPROBES);
	if (usdt_split(arg, ua->provider, sizeof(ua->provider), spec, sizeof(spec)))
		return fail(err, errlen, "--usdt '%s': expected TARGET:PROVIDER:NAME", arg);
	if (uspec_parse(spec, &ua->spec, err, errlen))
		return -1;
	cfg->nusdts++;
	return 0;
}

static int parse_opt(int c, const char *arg, struct config *cfg, bool *any_e, char *err,
		     size_t errlen)
{
	char *end;

	switch (c) {
	case 'p':
		return parse_pids(arg, cfg, err, errlen);
	case 'u':
		if (cfg->nuprobes == CLI_MAX_UPROBES)
			return fail(err, errlen, "-u: at most %d probes", CLI_MAX_UPROBES);
		return uspec_parse(arg, &cfg->uprobes[cfg->nuprobes++], err, errlen);
	case 'e':
		/* The first -e decides the start: a positive list from none, '!' from all. */
		if (!*any_e) {
			const char *e = strncmp(arg, "trace=", 6) ? arg : arg + 6;

			memset(cfg->selected, *e == '!' ? 0xff : 0, sizeof(cfg->selected));
		}
		*any_e = true;
		return cli_parse_select(arg, cfg->selected, err, errlen);
	case 'd':
		errno = 0;
		cfg->duration = strtod(arg, &end);
		if (end == arg || *end || errno || !(cfg->duration > 0) || cfg->duration > 1e9)
			return fail(err, errlen, "-d '%s': not a positive number of seconds", arg);
		return 0;
	case 's': {
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		/* The kernel reads two bytes past the limit to tell cut strings apart. */
		if (end == arg || *end || errno || v < 1 || v > AT_STR_MAX - 2)
			return fail(err, errlen, "-s '%s': must be from 1 to %d", arg,
				    AT_STR_MAX - 2);
		cfg->str_max = (unsigned)v;
		cfg->str_given = true;
		return 0;
	}
	case 'b':
		cfg->bufsize_given = true;
		return parse_size(arg, &cfg->ringbuf_bytes, err, errlen);
	case 'C':
		cfg->probe_file = arg;
		return 0;
	case OPT_CHECK:
		cfg->check_file = arg;
		return 0;
	case OPT_DRY_RUN:
		cfg->dry_run = true;
		return 0;
	case 'o':
		cfg->output = arg;
		return 0;
	case 'f':
		cfg->follow = true;
		return 0;
	case 'c':
		cfg->summary_only = true;
		return 0;
	case 'q':
		cfg->quiet = true;
		return 0;
	case 'v':
		cfg->verbose = true;
		return 0;
	case 'h':
		cfg->help = true;
		return 0;
	case 'l':
		cfg->list = true;
		return 0;
	case OPT_JSON:
		cfg->json = true;
		return 0;
	case OPT_NO_LATENCY:
		cfg->no_latency = true;
		return 0;
	case 'T':
		cfg->durations = true;
		return 0;
	case OPT_USDT:
		return parse_usdt(arg, cfg, err, errlen);
	case OPT_METRICS:
		cfg->metrics = arg;
		return metrics_parse_addr(arg, &cfg->metrics_addr, err, errlen);
	case OPT_VERSION:
		cfg->version = true;
		return 0;
	}
	return fail(err, errlen, "unknown option (see --help)");
}

int cli_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	bool any_e = false;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	memset(cfg->selected, 0xff, sizeof(cfg->selected));
	cfg->str_max = DEFAULT_STR_MAX;
	cfg->ringbuf_bytes = DEFAULT_RINGBUF;

	optind = 0; /* reset getopt: cli_parse may run more than once (tests) */
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, "+p:u:lfe:cqd:o:s:b:vhC:T", long_opts, NULL);
		/* -l PATTERN: the pattern may stand before other options (-l 'libc:*' -p 1). */
		if (c == -1 && cfg->list && !cfg->list_pattern && optind < argc &&
		    strcmp(argv[optind - 1], "--")) {
			cfg->list_pattern = argv[optind++];
			continue;
		}
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			const char *opt = argv[optind - 1];

			if (optopt && strchr("puedosbC", optopt))
				return fail(err, errlen, "option '%s' needs an argument", opt);
			return fail(err, errlen, "unknown option '%s' (see --help)", opt);
		}
		if (parse_opt(c, optarg, cfg, &any_e, err, errlen))
			return -1;
	}
	if (cfg->help || cfg->version)
		return 0;
	if (cfg->no_latency && cfg->durations)
		return fail(err, errlen, "-T and --no-latency contradict each other; keep one");
	/*
	 * Syscalls seen at sys_exit alone, without durations: the default but with a
	 * probe file (its syscall probes want the entry), and with -T.
	 */
	cfg->exit_only = cfg->probe_file ? cfg->no_latency : !cfg->durations;
	cfg->any_e = any_e;
	/* Function probes and probe files alone trace no syscalls unless -e asks for them. */
	if ((cfg->nuprobes || cfg->nusdts || cfg->probe_file || cfg->check_file) && !any_e)
		memset(cfg->selected, 0, sizeof(cfg->selected));
	if (cfg->check_file) {
		if (cfg->probe_file || optind < argc || cfg->npids > 1)
			return fail(err, errlen,
				    "--check takes a probe file and at most one -p PID");
		return 0;
	}
	if (cfg->dry_run && !cfg->probe_file)
		return fail(err, errlen, "--dry-run needs -C FILE or --check FILE");
	if (cfg->list) {
		if (optind < argc)
			return fail(err, errlen, "-l takes one pattern, not '%s'", argv[optind]);
		if (!cfg->list_pattern && !cfg->npids)
			return fail(err, errlen, "-l: give a pattern (TARGET:GLOB) or -p PID");
		return 0;
	}
	if (optind < argc)
		cfg->cmd = &argv[optind];
	/* A probe file may name its targets itself: checked once it is read. */
	if (!cfg->npids && !cfg->cmd && !cfg->probe_file)
		return fail(err, errlen, "nothing to trace: give -p PID or -- CMD (see --help)");
	return 0;
}
