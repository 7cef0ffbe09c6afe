/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Sinks: records and the summary as strace-style text or JSON lines. */
#ifndef AT_OUTPUT_H
#define AT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "session.h"

/* Bytes of formatted records held before they are written: many records per write(2). */
#define OUTPUT_BUF_BYTES (64u << 10)
/* Most records one buffer holds; the buffer is written out when either bound is reached. */
#define OUTPUT_BUF_RECS 4096u

struct output {
	struct session *sess; /* for function probes: names and types by probe id */
	int fd;		      /* destination: 1 (stdout) or the -o file */
	char *name;	      /* the destination in error lines: "-o PATH" or "stdout" */
	bool owns_fd;	      /* fd is the -o file: closed by output_close */
	FILE *f;	      /* the summary's formatting stream while output_summary runs */
	uint64_t start_ns;    /* CLOCK_MONOTONIC at attach: event times are relative to it */
	uint64_t calls;	      /* call records written (syscalls and functions) */
	uint64_t lost;	      /* records whose line was not written, because a write failed */
	int err;	      /* errno of the first failed write or close: nothing written since */
	char *buf;	      /* OUTPUT_BUF_BYTES: whole lines of records not yet written */
	uint32_t *ends;	      /* OUTPUT_BUF_RECS: where each buffered record's line ends */
	size_t len;	      /* bytes in buf */
	uint32_t nrec;	      /* records in buf */
	bool json;	      /* JSON lines instead of text */
	bool events;	      /* write syscall records (false with -c) */
	bool has_syscalls;    /* syscalls are traced: the summary shows their table */
	bool no_latency;      /* syscalls seen at sys_exit alone (no -T): no time columns */
	/* Called once, on the writer thread, when the reader of the output went away (EPIPE). */
	void (*on_closed)(void);
};

/*
 * Opens path for writing (created or truncated), or stdout when path is NULL,
 * and allocates the buffer. 0 or -errno; o's other fields are left as set.
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

/* record_fn for session_opts: writes one record. */
void output_record(void *ctx, const void *data, size_t size);

/* on_batch for session_opts: makes what was written visible. */
void output_flush(void *ctx);

/* Everything the summary reports. */
struct summary_input {
	const struct at_stat *stats; /* AT_NR_MAX entries */
	struct at_counters lost;     /* kernel loss counters */
	struct reader_stats reader;  /* records delivered, batches */
	uint64_t queue_lost;	     /* records dropped because the writer's queue was full */
	uint64_t output_lost;	     /* records not written because the output failed */
	double elapsed_s;	     /* attach to stop */
	double cpu_s;		     /* agent-trace's own CPU time, user + system */
	uint64_t max_rss_kib;	     /* agent-trace's own peak resident set */
};

void output_summary(struct output *o, const struct summary_input *in);
/* The one-line "records: N delivered ...; lost: ...; agent-trace cpu ..." account. */
void output_records_line(FILE *f, const struct summary_input *in);

/*
 * Draws a latency histogram as bars, bpftrace style: one line per power of two
 * from the first to the last non-empty one.
 */
void output_hist(FILE *f, const uint32_t *hist);

/* Formats a wait status: "exited with 0", "killed by SIGKILL (core dumped)". */
void output_status(char *buf, size_t size, int status);

#endif /* AT_OUTPUT_H */
