/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Probe files (-C FILE): YAML parsed with libyaml into a validated plan, no
 * side effects. Every error names FILE:LINE:COLUMN, the key, what is wrong and
 * what would be right; unknown keys are errors. The README documents every key;
 * examples/probes.yaml is a complete file.
 *
 *   targets:  { all: BOOL, pids: [INT...], exe: [PATH or GLOB...], comm: [NAME...] }
 *   probes:   - name: NAME                      unique, [A-Za-z0-9_.-], at most 63 bytes
 *               kind: syscall | function | usdt
 *               attach: WHERE                   syscall: name, class or list (as -e);
 *                                               function: a -u SPEC; usdt: TARGET:PROVIDER:NAME
 *               args: "TYPE name, ..."          function/usdt only (else in the SPEC)
 *               ret: TYPE [OP INT]              function only (else in the SPEC)
 *               when: call | entry | return | failing
 *               filter: EXPR                    evaluated in the kernel, see filter_compile
 *               action: event | count | histogram[: latency|ret|ARG] | signal: SIGNAME
 *                       or a list of them
 *               rate_limit: N | "N/s" | { rate: N, burst: M }   events per second
 *               sample: N                       keep 1 event in N
 *               scrub: [sql, secrets]           shape captured strings before output
 *               scrub: {sql: mysql, secrets: true}  the same with the SQL dialect named
 *               on_unreadable: match | skip     a filter's string could not be read
 *               aggregate: ARG | {by: ARG, top: N, max: M}   calls, failing, latency per
 *                                               distinct value of a string argument
 *   output:   { format: text | json, file: PATH, metrics: ADDR:PORT,
 *               flush_timeout: DURATION, sinks: [SINK...] (see pf_sinks.c) }
 *   limits:   { ringbuf: SIZE, string: N, processes: N, thread_state: N, queue: N,
 *               exe_files: N }
 */
#ifndef AT_PROBEFILE_H
#define AT_PROBEFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "filter.h"
#include "record.h"
#include "sinkcfg.h"
#include "spec.h"
#include "uspec.h"

#define PF_MAX_PROBES 256
#define PF_MAX_PIDS 64
#define PF_MAX_EXES 16
#define PF_MAX_COMMS 16
#define PF_MAX_CTRS 32 /* targets: containers selectors */
#define PF_MAX_PODS 32 /* targets: pods selectors */
#define PF_NAME_MAX 64

enum pf_format { PF_FMT_TEXT = 0, PF_FMT_JSON };

/* pf_probe.scrub: shaping applied in userspace to captured strings. */
#define PF_SCRUB_SQL (1u << 0)	   /* SQL literals ('x', 42) become ? */
#define PF_SCRUB_SECRETS (1u << 1) /* password=..., token=..., Bearer ... redacted */
#define PF_SCRUB_SQL_DQ (1u << 2)  /* with SQL: "x" is a string literal (MySQL), not a name */

/* aggregate: one table of calls per distinct value of a captured string argument. */
struct pf_aggregate {
	char by[32];	/* the argument's name as written; "" for no aggregate */
	uint32_t top;	/* rows shown and exported, 1..AGG_TOP_MAX */
	uint32_t max;	/* distinct values tracked, top..AGG_MAX_MAX; the rest are "other" */
	uint8_t arg;	/* its index in the SPEC's or the syscall's arguments */
	uint8_t pad[7]; /* explicit, zeroed: entries compare with memcmp (plan.c) */
};

/* Where something was written in the file, 1-based. */
struct pf_pos {
	unsigned line, col;
};

struct pf_probe {
	char name[PF_NAME_MAX];
	uint8_t kind;	       /* enum pf_kind */
	uint8_t when;	       /* enum pf_when */
	uint8_t actions;       /* AT_ACT_*; 0 only with aggregate (default AT_ACT_EVENT) */
	uint8_t signal;	       /* with AT_ACT_SIGNAL */
	uint8_t hist_of;       /* enum at_hist_of, with AT_ACT_HIST */
	uint8_t scrub;	       /* PF_SCRUB_* */
	uint8_t on_unreadable; /* enum at_unreadable: a filter string that could not be read */
	uint32_t sample;       /* keep 1 event in sample; 0: all */
	uint32_t rate;	       /* events per second; 0: no limit */
	uint32_t burst;	       /* token bucket depth; defaults to rate */
	char attach[1024];     /* as written */
	/* kind syscall: the selected syscall numbers. */
	uint64_t syscalls[AT_NR_MAX / 64];
	/* kind function or usdt: the SPEC, args and ret merged, when applied. */
	struct uspec spec;
	char provider[64];	 /* usdt: PROVIDER */
	char filter_src[512];	 /* as written, "" for none */
	struct at_filter filter; /* compiled */
	struct pf_aggregate agg; /* aggregate: by an argument, when agg.by[0] */
	struct pf_pos pos;	 /* the probe's list item */
};

/* A container selector: what is given must all match; "" is not given. */
struct pf_ctr_sel {
	char id[65];	 /* a prefix of the 64-hex-digit id (at least 4 digits) */
	char name[128];	 /* a glob on the runtime's name (Kubernetes: the container's name) */
	char image[256]; /* a glob on the image reference, or on its last component */
};

/* A pod selector (Kubernetes): namespace and name globs, "" for any. */
struct pf_pod_sel {
	char ns[64];
	char name[254];
};

struct pf_targets {
	pid_t pids[PF_MAX_PIDS];
	unsigned npids;
	char exe[PF_MAX_EXES][PATH_MAX]; /* paths or globs, as written */
	unsigned nexe;
	char comm[PF_MAX_COMMS][AT_COMM_LEN]; /* at most COMM_MAX bytes */
	unsigned ncomm;
	bool all; /* every process (all: true) */
	struct pf_ctr_sel ctrs[PF_MAX_CTRS];
	unsigned nctrs;
	struct pf_pod_sel pods[PF_MAX_PODS];
	unsigned npods;
};

struct pf_output {
	uint8_t format;		  /* enum pf_format */
	bool has_format;	  /* format was given */
	char file[PATH_MAX];	  /* "" for stdout */
	char metrics[128];	  /* metrics: ADDR:PORT as --metrics, "" for none */
	struct export_config exp; /* sinks (see pf_sinks.c), flush_timeout */
};

struct pf_limits {
	size_t ringbuf_bytes;  /* 0: not given; else a power of two, 4K..1G */
	unsigned str_max;      /* 0: not given; else 1..AT_CAP_MAX */
	unsigned processes;    /* 0: not given; else traced-process table size, 1..65536 */
	unsigned thread_state; /* 0: not given; else per-thread state entries, 1..1048576 */
	unsigned queue;	       /* 0: not given; else records waiting for the sink, 1..1048576 */
	unsigned exe_files; /* 0: not given; else executables targets.exe may match, 1..1048576 */
	unsigned followed;  /* 0: not given; else processes the follower keeps, 1..1048576 */
	unsigned followed_files; /* 0: not given; else files it attaches to, 1..65536 */
	unsigned namespaces; /* 0: not given; else mount namespaces with a verdict, 1..1048576 */
	unsigned candidates; /* 0: not given; else candidates' accounting entries, 1..65536 */
};

struct probefile {
	char path[PATH_MAX]; /* as given, used in messages */
	struct pf_targets targets;
	struct pf_probe *probes;
	unsigned nprobes;
	struct pf_output output;
	struct pf_limits limits;
};

/*
 * Reads and validates a probe file. Returns 0 and a new probefile in *out, or
 * -1 with one line in err: "FILE:LINE:COL: WHERE: what is wrong; what is right",
 * e.g. "probes.yaml:7:5: probes[1] 'opens': unknown key 'filtr' (did you mean
 * 'filter'?)". Symbols are not resolved here (no target is needed).
 */
int probefile_load(const char *path, struct probefile **out, char *err, size_t errlen);

/* The same from a buffer; name stands for the file in messages. */
int probefile_parse(const char *name, const char *text, size_t len, struct probefile **out,
		    char *err, size_t errlen);

void probefile_free(struct probefile *pf);

#endif /* AT_PROBEFILE_H */
