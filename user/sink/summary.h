/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The summary: percentiles from the kernel's log-linear histograms, rows sorted by time. */
#ifndef AT_SUMMARY_H
#define AT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "stats.h"
#include "snapshot.h"

struct probe;

/* One line of the summary. */
struct summary_row {
	uint64_t count;	   /* completed calls */
	uint64_t errors;   /* calls that returned an errno */
	uint64_t total_ns; /* time spent in the call */
	uint64_t avg_ns;   /* total_ns / count */
	uint64_t p50_ns;   /* median, from the histogram */
	uint64_t p99_ns;   /* 99th percentile, from the histogram */
	uint64_t max_ns;   /* exact maximum */
	unsigned nr;	   /* syscall number */
};

/* Smallest and largest value that land in histogram bucket b. */
uint64_t hist_bucket_low(unsigned b);
uint64_t hist_bucket_high(unsigned b);

/*
 * The q-quantile (0 < q <= 1) of count values in hist: the middle of the bucket
 * holding it, never above max. 0 when count is 0.
 */
uint64_t hist_quantile(const uint32_t *hist, uint64_t count, double q, uint64_t max);

/*
 * Fills rows with every syscall that was called, sorted by total time then
 * count, descending. rows must hold AT_NR_MAX. Returns the number of rows.
 */
size_t summary_rows(const struct at_stat *stats, struct summary_row *rows);

/* What a summary renders: the snapshot, and its syscalls as rows sorted by time. */
struct summary {
	const struct snapshot *snap;
	struct summary_row *rows; /* every syscall that was called */
	size_t nrows;
};

/* Builds sm's rows from snap (which must outlive sm). 0 or -ENOMEM. */
int summary__init(struct summary *sm, const struct snapshot *snap);
void summary__free(struct summary *sm);

/* What a probe's histogram buckets: "latency (ns)", "ret", an argument's name. */
const char *summary_hist_title(const struct probe *p, char *buf, size_t size);

#endif /* AT_SUMMARY_H */
