/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The output front: records and the summary, through a sink, as buffered whole lines. */
#ifndef AT_OUTPUT_H
#define AT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "session.h"
#include "sinkcfg.h"
#include "snapshot.h"

/* Bytes of formatted records held before they are written: many records per write(2). */
#define OUTPUT_BUF_BYTES (64u << 10)
/* Most records one buffer holds; the buffer is written out when either bound is reached. */
#define OUTPUT_BUF_RECS 4096u

struct ident_cache;
struct cgid_cache;
struct podmeta_cache;
struct ctrtab;
struct stacks;
struct ctr_rows;
struct ident_counters;
struct sink_ops;
struct xsink;
struct fdtab;

/* Threads text lines remember in 32-bit mode; past it the oldest is forgotten. */
#define OUTPUT_COMPAT_TIDS 64

/* The time column of text lines: a wall clock (-t...), and or the time since the line before (-r). */
enum output_times {
	OUT_TIME_SINCE = 0, /* seconds since time 0 (the default) */
	OUT_TIME_T,	    /* -t: wall clock, HH:MM:SS (local time) */
	OUT_TIME_TT,	    /* -tt: HH:MM:SS.uuuuuu */
	OUT_TIME_TTT,	    /* -ttt: seconds since the epoch, .uuuuuu */
};

struct text_state {
	/* The threads last seen in a 32-bit call (0 free): "runs in 32 bit mode". */
	uint32_t compat_tids[OUTPUT_COMPAT_TIDS];
	uint64_t last_ns; /* -r: the previous line's time */
	bool any;	  /* -r: a line was written (the first's delta is 0) */
};

struct output {
	const struct sink_ops *ops; /* the sink of the format (sink.h), chosen by output_open */
	struct session *sess;	    /* for the decoder: probes' names, labels and types by id */
	int fd;			    /* destination: 1 (stdout) or the -o file */
	char *name;		    /* the destination in error lines: "-o PATH" or "stdout" */
	bool owns_fd;		    /* fd is the -o file: closed by output_close */
	uint64_t start_ns;	    /* CLOCK_MONOTONIC at attach: event times are relative to it */
	uint64_t calls;		    /* call records written (syscalls and functions) */
	uint64_t lost;		    /* records whose line was not written, because a write failed */
	int err;	/* errno of the first failed write or close: nothing written since */
	char *buf;	/* OUTPUT_BUF_BYTES: whole lines of records not yet written */
	uint32_t *ends; /* OUTPUT_BUF_RECS: where each buffered record's line ends */
	size_t len;	/* bytes in buf */
	uint32_t nrec;	/* records in buf */
	bool json;	/* JSON lines instead of text */
	uint8_t times;	/* text lines' time column: enum output_times (-t, -tt, -ttt) */
	bool relative;	/* -r: seconds since the line before, after -t's if any */
	uint64_t start_unix_ns; /* CLOCK_REALTIME at start_ns: wall-clock times (-t...) */
	/* Text lines' state: set by lines_open, changed as lines are written. */
	struct text_state *text;
	/* -ff -o PATH: each process's lines in PATH.PID (set before output_open). */
	bool per_pid;
	struct pid_files *pid_files; /* the open ones, made by lines_open */
	bool events;		     /* write syscall records (false with -c) */
	bool has_syscalls;	     /* syscalls are traced: the summary shows their table */
	bool exit_only;		     /* syscalls seen at sys_exit alone (no -T): no time columns */
	bool no_dur;	  /* syscalls' lines without durations though paired (-P without -T) */
	bool path_traced; /* -P: no process exit lines, as strace's */
	/* Called once, on the writer thread, when the reader of the output went away (EPIPE). */
	void (*on_closed)(void);
	/* Each process's container identity (ident.h), made by output_open; NULL: none. */
	struct ident_cache *ident;
	/* Each cgroup's (cgid.h), by the records' cgroup ids; NULL: no cgroup2 mount. */
	struct cgid_cache *cgid;
	/* Each container's pod and container names (podmeta.h); NULL with ident. */
	struct podmeta_cache *pods;
	/* Records by syscall or probe and container (ctrtab.h), for /metrics; NULL: none. */
	struct ctrtab *ctrs;
	/* -y: each process's fds (fdtab.h), changed by every record in order; NULL: no -y. */
	struct fdtab *fdtab;
	/* -k, the stack action: stacks waiting for their calls (stacks.h); made at the first. */
	struct stacks *stacks;
	/* Exporting sinks (xsink.h): each event goes to every one of them too. */
	struct xsink *xs[SINKS_MAX];
	unsigned nxs;
};

/*
 * Opens the sink of o->json's format on path (created or truncated), or on
 * stdout when path is NULL, and allocates its buffer. 0 or -errno; o's other
 * fields are left as set: the format is chosen from o->json as it is here.
 */
int output_open(struct output *o, const char *path);
/*
 * Writes what is buffered and closes the -o file. A failed write or close
 * prints one error line (once) and is kept in o->err. Safe to call twice.
 * 0 or -errno.
 */
int output_close(struct output *o);
/* Whether the output failed, other than by its reader going away: exit status 1. */
bool output_failed(const struct output *o);
/* Whether the reader of the output went away (a closed pipe): end quietly. */
bool output_closed(const struct output *o);

/*
 * The identity caches' counters (zero when there are none) and the
 * per-container record counts: from any thread (a scrape) while records are
 * written. The latter 0 or -ENOMEM, ctr_rows__free either way.
 */
void output_ident_counters(const struct output *o, struct ident_counters *out);
int output_ctr_rows(const struct output *o, struct ctr_rows *out);

/* record_fn for session_opts: writes one record. */
void output_record(void *ctx, const void *data, size_t size);

/* on_batch for session_opts: makes what was written visible. */
void output_flush(void *ctx);

/* Writes the summary of snap in the output's format (after the records). */
void output_summary(struct output *o, const struct snapshot *snap);
/* The one-line "records: N delivered ...; lost: ...; agent-trace cpu ..." account. */
void output_records_line(FILE *f, const struct snapshot *snap);
/* The sink lines of the summary (text_sink_lines), to f: all, or those that dropped. */
void output_sink_lines(FILE *f, const struct snapshot *snap, bool drops_only);
/* The loss line of -q, "agent-trace: lost N records (...), ...", when anything was lost. */
void output_loss_line(FILE *f, const struct snapshot *snap);

#endif /* AT_OUTPUT_H */
