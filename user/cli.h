/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command-line parsing: argv to a validated configuration, no side effects. */
#ifndef AT_CLI_H
#define AT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "metrics.h"
#include "record.h"
#include "sinkcfg.h"
#include "spec.h"
#include "uspec.h"

/* Exit codes, documented in --help and the README. */
enum {
	EXIT_OK = 0,	  /* traced to the end */
	EXIT_RUNTIME = 1, /* the system said no: process gone, privileges, kernel features */
	EXIT_USAGE = 2,	  /* the command line is wrong */
};

#define CLI_MAX_PIDS 64
#define CLI_MAX_UPROBES 32

/* --usdt TARGET:PROVIDER:NAME[(ARGS)] */
struct usdt_arg {
	struct uspec spec; /* target, NAME in func, argument types */
	char provider[64]; /* PROVIDER */
};

struct config {
	uint64_t selected[AT_NR_MAX / 64];	/* syscalls to trace (-e), bitmap by number */
	pid_t pids[CLI_MAX_PIDS];		/* -p */
	struct uspec uprobes[CLI_MAX_UPROBES];	/* -u, parsed */
	struct usdt_arg usdts[CLI_MAX_UPROBES]; /* --usdt, parsed */
	char **cmd;				/* argv after --, NULL-terminated; NULL with -p */
	const char *list_pattern;		/* -l [TARGET:]GLOB; NULL for all of -p's program */
	const char *output;			/* -o FILE; NULL for stdout */
	const char *probe_file;			/* -C FILE: probes, targets, output, limits */
	const char *check_file;			/* --check FILE: validate, attach nothing */
	const char *config_dir;			/* daemon --config-dir DIR; probe_file too */
	const char *lock_file;			/* daemon --lock-file PATH */
	const char *metrics;			/* --metrics ADDR:PORT; NULL for none */
	struct metrics_addr metrics_addr;	/* --metrics, parsed */
	struct export_config exp; /* --otlp, --json-file, --flush-timeout; then output.sinks */
	int otlp_sink;		  /* the last --otlp in exp, -1 for none */
	uint64_t health_ns;	  /* --health-timeout: /healthz's threshold; 0 the defaults */
	double duration;	  /* -d SECONDS; 0 for no limit */
	size_t ringbuf_bytes;	  /* -b SIZE: ring buffer size, power of two */
	unsigned npids;		  /* number of pids */
	unsigned nuprobes;	  /* number of -u */
	unsigned nusdts;	  /* number of --usdt */
	unsigned str_max;	  /* -s N: bytes captured per string or buffer */
	bool follow;		  /* -f */
	bool per_pid;		  /* -ff with -o FILE: each process's lines in FILE.PID */
	bool summary_only;	  /* -c */
	bool no_latency;	  /* --no-latency: no durations, also with -C */
	bool durations;		  /* -T: syscall durations (a program at entry too) */
	uint8_t times;		  /* -t, -tt, -ttt: the text lines' wall clock (output.h) */
	uint8_t status_mask;	  /* -z, -Z, -e status=: AT_STATUS_* of calls with records */
	uint8_t hex;		  /* -x, -xx: strings in hex (enum escape_hex) */
	uint8_t xlat; /* -X: constants and flags as names, numbers or both (enum xlat_style) */
	/* -P: the paths (and their resolved forms) whose syscalls alone are traced. */
	char trace_paths[AT_TRACE_PATHS][AT_STR_MAX];
	unsigned ntrace_paths;
	uint8_t fd_paths;     /* -y 1, -yy 2: what fds are (fdtab.h); 0 none */
	uint64_t signal_mask; /* -e signal=: bit sig - 1 of the signals with lines; 0: all */
	bool no_signals;      /* -e signal=none */
	bool relative;	      /* -r: the time since the line before */
	bool stack;	      /* -k: each line's user stack */
	bool exit_only;	      /* no durations (from -T, --no-latency, -C) */
	bool quiet;	      /* -q: no summary after the events */
	bool json;	      /* --json */
	bool verbose;	      /* -v */
	bool help;	      /* -h: print usage and exit 0 */
	bool list;	      /* -l: list probe points, attach nothing */
	bool version;	      /* --version */
	bool dry_run;	      /* --dry-run: reloads (or --check) only show the diff */
	bool any_e;	      /* -e was given */
	bool str_given;	      /* -s was given: it overrides limits.string */
	bool bufsize_given;   /* -b was given: it overrides limits.ringbuf */
	bool daemon;	      /* agent-trace daemon: --config-dir, the lock, until SIGTERM */
};

/*
 * Fills cfg from argv. Returns 0, or -1 with a one-line message (without the
 * "agent-trace: " prefix) in err.
 */
int cli_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen);

/*
 * Applies one -e expression ("open,read", "file", "%network", "!memory") to the
 * selection bitmap. Returns 0, or -1 with a message in err.
 */
int cli_parse_select(const char *expr, uint64_t selected[AT_NR_MAX / 64], char *err, size_t errlen);

/* Writes the --help text. */
void cli_usage(FILE *out);

#endif /* AT_CLI_H */
