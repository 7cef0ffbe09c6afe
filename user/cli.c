// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Command line: strace and bpftrace conventions, validated before anything is loaded. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "decode_sys.h"
#include "output.h"
#include "strbuf.h"
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
	OPT_METRICS,
	OPT_OTLP,
	OPT_OTLP_HEADER_FILE,
	OPT_OTLP_CA,
	OPT_OTLP_INTERVAL,
	OPT_OTLP_TEMPORALITY,
	OPT_OTLP_SIGNALS,
	OPT_OTLP_COMPRESSION,
	OPT_JSON_FILE,
	OPT_FLUSH_TIMEOUT,
	OPT_CONFIG_DIR,
	OPT_LOCK_FILE,
	OPT_HEALTH_TIMEOUT,
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
	{ "otlp", required_argument, NULL, OPT_OTLP },
	{ "otlp-header-file", required_argument, NULL, OPT_OTLP_HEADER_FILE },
	{ "otlp-ca", required_argument, NULL, OPT_OTLP_CA },
	{ "otlp-interval", required_argument, NULL, OPT_OTLP_INTERVAL },
	{ "otlp-temporality", required_argument, NULL, OPT_OTLP_TEMPORALITY },
	{ "otlp-signals", required_argument, NULL, OPT_OTLP_SIGNALS },
	{ "otlp-compression", required_argument, NULL, OPT_OTLP_COMPRESSION },
	{ "json-file", required_argument, NULL, OPT_JSON_FILE },
	{ "flush-timeout", required_argument, NULL, OPT_FLUSH_TIMEOUT },
	{ "config-dir", required_argument, NULL, OPT_CONFIG_DIR },
	{ "lock-file", required_argument, NULL, OPT_LOCK_FILE },
	{ "health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT },
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
	      "       agent-trace daemon [--config-dir DIR] [--lock-file PATH] [options]\n"
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
	      "                          libraries by short name; -l PATH: all of a file),\n"
	      "                          and a program's libraries' USDT probes; attach nothing\n"
	      "  -e, --expr LIST         syscalls to trace: names and classes, comma-separated;\n"
	      "                          strace's classes: %file %network (%net) %process\n"
	      "                          %memory %signal %ipc %desc %stat %lstat %fstat\n"
	      "                          %%stat %statfs %fstatfs %%statfs %pure %creds\n"
	      "                          %clock; '!LIST' excludes; repeatable\n"
	      "  -c, --summary           summary only: calls and errors per syscall (with -T\n"
	      "                          or -C: total/avg/p50/p99/max time too)\n"
	      "  -t, -tt, -ttt           time column as wall clock: HH:MM:SS, with\n"
	      "                          microseconds, seconds since the epoch (as strace)\n"
	      "  -r                      time since the previous line (after -t's time)\n"
	      "  -k                      a user stack trace after each syscall and -u line,\n"
	      "                          symbolized (ELF .symtab, .dynsym), as strace -k\n"
	      "  -x, -xx                 strings with non-ASCII bytes (-x), or all (-xx),\n"
	      "                          in hex (\\x41\\x42) in text lines, as strace\n"
	      "  -P PATH                 only syscalls touching PATH: by a path argument, or an\n"
	      "                          fd open on its file (decided in the kernel; repeatable)\n"
	      "  -X raw|abbrev|verbose   constants and flags in text lines as numbers, names\n"
	      "                          (the default) or both (0x80000 /* O_CLOEXEC */)\n"
	      "  -y, -yy                 fds as paths, 3</etc/passwd> (-y); sockets as their\n"
	      "                          endpoints and devices' numbers too (-yy), as strace\n"
	      "  -z, -Z                  only successful (-z) or failed (-Z) syscalls make\n"
	      "                          lines (decided in the kernel; counts take all);\n"
	      "                          -e status=successful,failed,unfinished as strace\n"
	      "  -T, --durations         time each syscall: durations in the lines, the JSON\n"
	      "                          and the summary. Costs a program at syscall entry\n"
	      "                          and two clock reads; without it one program at\n"
	      "                          syscall exit does all (the default, but with -C)\n"
	      "      --no-latency        no durations, also with -C (whose syscall probes\n"
	      "                          then cannot run)\n"
	      "  -q, --quiet             no summary after the event stream, no progress lines\n"
	      "  -d, --duration SECONDS  stop this long after set-up is done\n"
	      "  -o, --output FILE       write events and summary to FILE\n"
	      "  -s, --strsize N         bytes captured per string or buffer (default 64, max 4096)\n"
	      "  -b, --bufsize SIZE      ring buffer size, power of two (default 4M; K/M suffix)\n"
	      "      --json              one JSON object per line (schema in README)\n"
	      "      --metrics ADDR:PORT serve Prometheus metrics on /metrics (and /healthz);\n"
	      "                          :PORT alone listens on 127.0.0.1 only\n"
	      "      --health-timeout DURATION  /healthz answers 503 once records wait unread\n"
	      "                          or a sink's every export fails for this long\n"
	      "                          (default 30s; a sink: at least 3 --otlp-interval)\n"
	      "      --otlp URL          also export to an OTLP/HTTP receiver (JSON): events as\n"
	      "                          logs to URL/v1/logs, counts and histograms as metrics\n"
	      "                          to URL/v1/metrics; the options below apply to it:\n"
	      "      --otlp-header-file FILE  request headers, 'Name: value' lines (also from\n"
	      "                          $OTEL_EXPORTER_OTLP_HEADERS, k=v,k2=v2)\n"
	      "      --otlp-ca FILE      CA bundle to verify an https:// receiver with\n"
	      "      --otlp-interval DURATION  metrics every DURATION (default 10s)\n"
	      "      --otlp-temporality delta|cumulative  metrics' temporality (default\n"
	      "                          cumulative)\n"
	      "      --otlp-signals logs,metrics  what to send (default both)\n"
	      "      --otlp-compression gzip|none  request bodies (default gzip)\n"
	      "      --json-file PATH    also write JSON lines to PATH, rotated at 100M, 5 kept\n"
	      "      --flush-timeout DURATION  at the end, send what is queued for at most\n"
	      "                          this long (default 5s), then count the rest dropped\n"
	      "  -v, --verbose           libbpf and loader diagnostics on stderr\n"
	      "\n"
	      "agent-trace daemon: the node-wide agent. Traces the targets of the probe\n"
	      "files in DIR (no -p, -- CMD or -C), reloads the set when DIR changes, runs\n"
	      "until SIGTERM or SIGINT, then flushes the sinks (--flush-timeout).\n"
	      "      --config-dir DIR    every *.yaml and *.yml file in DIR (not those whose\n"
	      "                          names start with '.') is a probe file; the set is\n"
	      "                          merged (see README) and reloaded as one transaction\n"
	      "                          (default /etc/agent-trace)\n"
	      "      --lock-file PATH    held while the daemon runs, so that a second one on\n"
	      "                          the node refuses to start (default\n"
	      "                          /run/agent-trace.lock)\n"
	      "\n"
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
		/* A name selects the call in both ABIs (x86-64 and i386), as strace's does. */
		if (*tok != '%' && (nr = syscall_by_name(tok)) >= 0) {
			for (; nr >= 0; nr = syscall_next_by_name(tok, nr)) {
				if (on)
					sel[nr / 64] |= 1ULL << (nr % 64);
				else
					sel[nr / 64] &= ~(1ULL << (nr % 64));
			}
			continue;
		}
		cls = sys_class_by_name(name, *tok != '%');
		if (!cls)
			return fail(err, errlen, "-e: unknown syscall or class '%s'", tok);
		set_class(sel, cls, on);
	}
	return 0;
}

/*
 * -e status=LIST, as strace: successful, failed, unfinished (calls that never
 * return: exit, exit_group), none, all, '!' for the others. strace's
 * unavailable and detached have no such calls here (every call's return is
 * seen while it is traced) and select nothing.
 */
static int parse_status(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	char buf[256], *save = NULL;
	bool neg = *arg == '!';
	unsigned mask = 0;

	if (strlen(arg) >= sizeof(buf))
		return fail(err, errlen, "-e status=: list too long");
	strcpy(buf, arg + neg);
	if (!buf[0])
		return fail(err, errlen, "-e status=: empty list");
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "successful"))
			mask |= AT_STATUS_SUCCESSFUL;
		else if (!strcmp(t, "failed"))
			mask |= AT_STATUS_FAILED;
		else if (!strcmp(t, "unfinished"))
			mask |= AT_STATUS_UNFINISHED;
		else if (!strcmp(t, "all"))
			mask |= AT_STATUS_ALL;
		else if (strcmp(t, "none") && strcmp(t, "unavailable") && strcmp(t, "detached"))
			return fail(err, errlen,
				    "-e status=: unknown status '%s'; expected successful, failed, "
				    "unfinished, unavailable, detached, none or all",
				    t);
	}
	if (neg)
		mask = ~mask & AT_STATUS_ALL;
	if (!mask)
		return fail(err, errlen, "-e status=%s: selects no calls", arg);
	cfg->status_mask = (uint8_t)mask;
	return 0;
}

/* A signal by name (SIGCHLD, CHLD), number, or strace's "all" and "none"; 0 if none. */
static int signal_by_name(const char *t)
{
	char *end;
	long n = strtol(t, &end, 10);

	if (end != t && !*end)
		return n >= 1 && n <= 64 ? (int)n : 0;
	for (int sig = 1; sig <= 64; sig++) {
		const char *name = signal_name(sig);

		if (name && (!strcasecmp(t, name) ||
			     (!strncmp(name, "SIG", 3) && !strcasecmp(t, name + 3))))
			return sig;
	}
	return 0;
}

/*
 * -e signal=LIST, as strace: which delivered signals make lines (names with
 * or without SIG, numbers, all, none, '!' for the others).
 */
static int parse_signals(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	char buf[512], *save = NULL;
	bool neg = *arg == '!';
	uint64_t mask = 0;

	if (strlen(arg) >= sizeof(buf))
		return fail(err, errlen, "-e signal=: list too long");
	strcpy(buf, arg + neg);
	if (!buf[0])
		return fail(err, errlen, "-e signal=: empty list");
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int sig;

		if (!strcmp(t, "all")) {
			mask = ~0ULL;
			continue;
		}
		if (!strcmp(t, "none"))
			continue;
		sig = signal_by_name(t);
		if (!sig)
			return fail(err, errlen, "-e signal=: unknown signal '%s'", t);
		mask |= 1ULL << (sig - 1);
	}
	if (neg)
		mask = ~mask;
	cfg->no_signals = !mask;
	cfg->signal_mask = mask;
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
/* Adds one traced path to -P's list, unless it is there; false when the list is full. */
static bool trace_path_add(struct config *cfg, const char *path)
{
	for (unsigned i = 0; i < cfg->ntrace_paths; i++)
		if (!strcmp(cfg->trace_paths[i], path))
			return true;
	if (cfg->ntrace_paths == AT_TRACE_PATHS)
		return false;
	strcpy(cfg->trace_paths[cfg->ntrace_paths++], path);
	return true;
}

/*
 * -P PATH, as strace's: the path as given and, when it resolves to another
 * (a symlink, a relative path), its resolved form too; calls compare their
 * path arguments with both, their fds by the file's inode.
 */
static int add_trace_path(const char *arg, struct config *cfg, char *err, size_t errlen)
{
	char real[PATH_MAX];

	if (!*arg)
		return fail(err, errlen, "-P: empty path");
	if (strlen(arg) >= AT_STR_MAX)
		return fail(err, errlen, "-P '%.64s...': longer than %d bytes", arg,
			    AT_STR_MAX - 1);
	if (!trace_path_add(cfg, arg))
		goto full;
	if (realpath(arg, real) && strcmp(real, arg) && strlen(real) < AT_STR_MAX &&
	    !trace_path_add(cfg, real))
		goto full;
	return 0;
full:
	return fail(err, errlen, "-P '%.64s': at most %d paths, their resolved forms counted", arg,
		    AT_TRACE_PATHS);
}

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

/* --otlp URL, --json-file PATH: one more exporting sink, with the defaults. */
static int add_sink(enum sink_type t, const char *arg, struct config *cfg, char *err, size_t errlen)
{
	const char *opt = t == SINK_OTLP ? "--otlp" : "--json-file";
	struct sink_config *sc;
	size_t room;

	if (cfg->exp.n == SINKS_MAX)
		return fail(err, errlen, "%s: at most %d sinks", opt, SINKS_MAX);
	sc = &cfg->exp.sinks[cfg->exp.n];
	sink_config_init(sc, t);
	room = t == SINK_OTLP ? sizeof(sc->otlp.endpoint) : sizeof(sc->file.path);
	if (!*arg || strlen(arg) >= room)
		return fail(err, errlen, "%s '%.64s': %s", opt, arg, *arg ? "too long" : "empty");
	if (t == SINK_OTLP) {
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
			return fail(err, errlen, "--otlp '%.64s': not an http:// or https:// URL",
				    arg);
		strcpy(sc->otlp.endpoint, arg);
		cfg->otlp_sink = (int)cfg->exp.n;
	} else {
		strcpy(sc->file.path, arg);
	}
	cfg->exp.n++;
	return 0;
}

/* The --otlp-* options: they shape the --otlp before them. */
static int parse_otlp_opt(int c, const char *arg, struct config *cfg, char *err, size_t errlen)
{
	static const char *const names[] = {
		[OPT_OTLP_HEADER_FILE - OPT_OTLP_HEADER_FILE] = "--otlp-header-file",
		[OPT_OTLP_CA - OPT_OTLP_HEADER_FILE] = "--otlp-ca",
		[OPT_OTLP_INTERVAL - OPT_OTLP_HEADER_FILE] = "--otlp-interval",
		[OPT_OTLP_TEMPORALITY - OPT_OTLP_HEADER_FILE] = "--otlp-temporality",
		[OPT_OTLP_SIGNALS - OPT_OTLP_HEADER_FILE] = "--otlp-signals",
		[OPT_OTLP_COMPRESSION - OPT_OTLP_HEADER_FILE] = "--otlp-compression",
	};
	const char *opt = names[c - OPT_OTLP_HEADER_FILE];
	struct otlp_config *oc;

	if (cfg->otlp_sink < 0)
		return fail(err, errlen, "%s: give --otlp URL before it", opt);
	oc = &cfg->exp.sinks[cfg->otlp_sink].otlp;
	switch (c) {
	case OPT_OTLP_HEADER_FILE:
	case OPT_OTLP_CA: {
		char *dst = c == OPT_OTLP_CA ? oc->ca_file : oc->headers_file;

		if (!*arg || strlen(arg) >= PATH_MAX)
			return fail(err, errlen, "%s '%.64s': not a file path", opt, arg);
		strcpy(dst, arg);
		return 0;
	}
	case OPT_OTLP_INTERVAL:
		if (parse_duration_ns(arg, &oc->interval_ns) || oc->interval_ns < 100000000ull)
			return fail(err, errlen,
				    "%s '%s': not a duration of 100ms or more (e.g. 10s)", opt,
				    arg);
		return 0;
	case OPT_OTLP_TEMPORALITY:
		if (!strcmp(arg, "delta"))
			oc->temporality = OTLP_DELTA;
		else if (!strcmp(arg, "cumulative"))
			oc->temporality = OTLP_CUMULATIVE;
		else
			return fail(err, errlen, "%s '%s': expected delta or cumulative", opt, arg);
		return 0;
	case OPT_OTLP_SIGNALS: {
		char buf[64], *save = NULL;

		if (strlen(arg) >= sizeof(buf))
			return fail(err, errlen, "%s '%.64s': expected logs, metrics or both", opt,
				    arg);
		strcpy(buf, arg);
		oc->signals = 0;
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!strcmp(t, "logs"))
				oc->signals |= OTLP_SIGNAL_LOGS;
			else if (!strcmp(t, "metrics"))
				oc->signals |= OTLP_SIGNAL_METRICS;
			else
				return fail(err, errlen,
					    "%s '%s': unknown signal '%s'; expected logs, metrics",
					    opt, arg, t);
		}
		if (!oc->signals)
			return fail(err, errlen, "%s '%s': expected logs, metrics or both", opt,
				    arg);
		return 0;
	}
	case OPT_OTLP_COMPRESSION:
		if (strcmp(arg, "gzip") && strcmp(arg, "none"))
			return fail(err, errlen, "%s '%s': expected gzip or none", opt, arg);
		oc->gzip = !strcmp(arg, "gzip");
		return 0;
	}
	return fail(err, errlen, "unknown option (see --help)");
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
		if (!strncmp(arg, "status=", 7))
			return parse_status(arg + 7, cfg, err, errlen);
		if (!strncmp(arg, "signal=", 7) || !strncmp(arg, "signals=", 8))
			return parse_signals(strchr(arg, '=') + 1, cfg, err, errlen);
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
		/* Past the inline AT_STR_MAX, the rest is read as the record is sent. */
		if (end == arg || *end || errno || v < 1 || v > AT_CAP_MAX)
			return fail(err, errlen, "-s '%s': must be from 1 to %d", arg, AT_CAP_MAX);
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
		/* -ff, as strace: with -o FILE each process's lines in FILE.PID. */
		cfg->per_pid = cfg->follow;
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
	case 't':
		/* -t, -tt, -ttt as strace: each one more. */
		if (cfg->times == OUT_TIME_TTT)
			return fail(err, errlen, "-t: at most three (-ttt)");
		cfg->times++;
		return 0;
	case 'r':
		cfg->relative = true;
		return 0;
	case 'k':
		cfg->stack = true;
		return 0;
	case 'x':
		if (cfg->hex == ESCAPE_HEX_ALL)
			return fail(err, errlen, "-x: at most two (-xx)");
		cfg->hex++;
		return 0;
	case 'P':
		return add_trace_path(arg, cfg, err, errlen);
	case 'X':
		/* strace's -X: raw, abbrev (the default) or verbose. */
		if (!strcmp(arg, "raw"))
			cfg->xlat = XLAT_RAW;
		else if (!strcmp(arg, "abbrev"))
			cfg->xlat = XLAT_ABBREV;
		else if (!strcmp(arg, "verbose"))
			cfg->xlat = XLAT_VERBOSE;
		else
			return fail(err, errlen, "-X '%.64s': must be raw, abbrev or verbose", arg);
		return 0;
	case 'y':
		/* -y paths, -yy sockets' endpoints and devices too, as strace. */
		if (cfg->fd_paths == 2)
			return fail(err, errlen, "-y: at most two (-yy)");
		cfg->fd_paths++;
		return 0;
	case 'z':
	case 'Z': {
		/* strace's: -z successful calls only, -Z failed ones; both: the last wins. */
		cfg->status_mask = c == 'z' ? AT_STATUS_SUCCESSFUL : AT_STATUS_FAILED;
		return 0;
	}
	case OPT_USDT:
		return parse_usdt(arg, cfg, err, errlen);
	case OPT_METRICS:
		cfg->metrics = arg;
		return metrics_parse_addr(arg, &cfg->metrics_addr, err, errlen);
	case OPT_OTLP:
	case OPT_JSON_FILE:
		return add_sink(c == OPT_OTLP ? SINK_OTLP : SINK_FILE, arg, cfg, err, errlen);
	case OPT_OTLP_HEADER_FILE:
	case OPT_OTLP_CA:
	case OPT_OTLP_INTERVAL:
	case OPT_OTLP_TEMPORALITY:
	case OPT_OTLP_SIGNALS:
	case OPT_OTLP_COMPRESSION:
		return parse_otlp_opt(c, arg, cfg, err, errlen);
	case OPT_FLUSH_TIMEOUT:
		if (parse_duration_ns(arg, &cfg->exp.shutdown_ns))
			return fail(err, errlen,
				    "--flush-timeout '%s': not a duration (e.g. 5s, 500ms)", arg);
		cfg->exp.has_shutdown = true;
		return 0;
	case OPT_VERSION:
		cfg->version = true;
		return 0;
	case OPT_CONFIG_DIR:
		cfg->config_dir = arg;
		return 0;
	case OPT_LOCK_FILE:
		cfg->lock_file = arg;
		return 0;
	case OPT_HEALTH_TIMEOUT:
		if (parse_duration_ns(arg, &cfg->health_ns) || !cfg->health_ns)
			return fail(err, errlen,
				    "--health-timeout '%s': not a duration (e.g. 30s, 500ms)", arg);
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
	cfg->otlp_sink = -1;
	cfg->exp.shutdown_ns = 5000000000ull;
	/* agent-trace daemon ...: the options after it are parsed as any others. */
	if (argc > 1 && !strcmp(argv[1], "daemon")) {
		cfg->daemon = true;
		argc--;
		argv++;
	}

	optind = 0; /* reset getopt: cli_parse may run more than once (tests) */
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, "+p:u:lfe:cqd:o:s:b:vhC:TtrzZxX:P:yk", long_opts, NULL);
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

			if (optopt && (optopt >= OPT_JSON || strchr("puedosbC", optopt)))
				return fail(err, errlen, "option '%s' needs an argument", opt);
			/*
			 * A short option: by its letter, since within a cluster (-tt)
			 * optind still points at the word before it (argv[0] for the first).
			 */
			if (optopt > 0 && optopt < 128)
				return fail(err, errlen, "unknown option '-%c' (see --help)",
					    optopt);
			return fail(err, errlen, "unknown option '%s' (see --help)", opt);
		}
		if (parse_opt(c, optarg, cfg, &any_e, err, errlen))
			return -1;
	}
	if (cfg->help || cfg->version)
		return 0;
	if (cfg->daemon || cfg->config_dir || cfg->lock_file) {
		if (!cfg->daemon)
			return fail(err, errlen, "%s belongs to daemon mode: agent-trace daemon %s",
				    cfg->config_dir ? "--config-dir" : "--lock-file",
				    cfg->config_dir ? "--config-dir DIR" : "--lock-file PATH");
		if (cfg->npids || optind < argc || cfg->probe_file || cfg->check_file ||
		    cfg->list || cfg->nuprobes || cfg->nusdts)
			return fail(err, errlen,
				    "agent-trace daemon traces the targets of its probe files: "
				    "no -p, -- CMD, -C, --check, -l, -u or --usdt");
		if (!cfg->config_dir)
			cfg->config_dir = "/etc/agent-trace";
		if (!cfg->lock_file)
			cfg->lock_file = "/run/agent-trace.lock";
		/* From here on the directory is the probe file: the same defaults, the same reloads. */
		cfg->probe_file = cfg->config_dir;
	}
	if (cfg->per_pid && cfg->summary_only)
		return fail(err, errlen,
			    "-c and -ff contradict each other (-c writes no lines); keep one");
	if (!cfg->output)
		cfg->per_pid = false; /* -ff without -o: -f, as strace's */
	if (cfg->stack && cfg->summary_only)
		return fail(err, errlen,
			    "-k and -c contradict each other (-c writes no lines); keep one");
	if (cfg->no_latency && cfg->durations)
		return fail(err, errlen, "-T and --no-latency contradict each other; keep one");
	/*
	 * Syscalls seen at sys_exit alone, without durations: the default but with a
	 * probe file (its syscall probes want the entry), and with -T.
	 */
	cfg->exit_only = cfg->probe_file ? cfg->no_latency : !cfg->durations;
	/* -P decides at syscall entry (an fd a call closes is gone at its exit). */
	if (cfg->ntrace_paths && cfg->no_latency)
		return fail(err, errlen,
			    "-P and --no-latency contradict each other (-P decides at syscall "
			    "entry); keep one");
	if (cfg->ntrace_paths)
		cfg->exit_only = false;
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
