/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Summary math: percentiles from the kernel's log-linear histograms, rows sorted by time. */
#ifndef AT_SUMMARY_H
#define AT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

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

#endif /* AT_SUMMARY_H */
