/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Sinks: records and the summary as strace-style text or JSON lines. */
#ifndef AT_OUTPUT_H
#define AT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"
#include "session.h"

struct output {
	struct session *sess; /* for function probes: names and types by probe id */
	FILE *f;	      /* destination */
	uint64_t start_ns;    /* CLOCK_MONOTONIC at attach: event times are relative to it */
	uint64_t calls;	      /* call records written (syscalls and functions) */
	bool json;	      /* JSON lines instead of text */
	bool events;	      /* write syscall records (false with -c) */
	bool has_syscalls;    /* syscalls are traced: the summary shows their table */
	bool no_latency;      /* syscalls seen at sys_exit alone (no -T): no time columns */
};

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
