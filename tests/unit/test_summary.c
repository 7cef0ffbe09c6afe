// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Histogram buckets, percentiles and the ordering of summary rows. */
#include <criterion/criterion.h>
#include <string.h>

#include "summary.h"

Test(summary, buckets_invert_exactly)
{
	/* Every value lands in the bucket whose bounds contain it. */
	for (uint64_t v = 0; v < 100000; v++) {
		unsigned b = at_hist_bucket(v);

		cr_assert_leq(hist_bucket_low(b), v, "v=%lu b=%u", (unsigned long)v, b);
		cr_assert_geq(hist_bucket_high(b), v, "v=%lu b=%u", (unsigned long)v, b);
	}
	for (int s = 17; s < 64; s++) {
		uint64_t v = (1ULL << s) + 12345;
		unsigned b = at_hist_bucket(v);

		cr_assert_lt(b, AT_HIST_BUCKETS);
		cr_assert(hist_bucket_low(b) <= v && v <= hist_bucket_high(b));
	}
	cr_assert_eq(at_hist_bucket(UINT64_MAX), AT_HIST_BUCKETS - 5);
	/* Buckets are contiguous. */
	for (unsigned b = 1; b < AT_HIST_BUCKETS - 4; b++)
		cr_assert_eq(hist_bucket_low(b), hist_bucket_high(b - 1) + 1, "b=%u", b);
}

Test(summary, quantiles_within_a_bucket)
{
	struct at_stat s = { 0 };
	uint64_t p50, p99;

	/* 1..1000 us, one call each. */
	for (uint64_t us = 1; us <= 1000; us++) {
		uint64_t ns = us * 1000;

		s.hist[at_hist_bucket(ns)]++;
		s.count++;
		s.max_ns = ns;
	}
	p50 = hist_quantile(s.hist, s.count, 0.5, s.max_ns);
	p99 = hist_quantile(s.hist, s.count, 0.99, s.max_ns);
	/* Four sub-buckets per power of two: within 12.5% of the truth. */
	cr_assert(p50 > 500000 * 0.875 && p50 < 500000 * 1.125, "p50=%lu", (unsigned long)p50);
	cr_assert(p99 > 990000 * 0.875 && p99 <= 1000000, "p99=%lu", (unsigned long)p99);
	cr_assert_eq(hist_quantile(s.hist, s.count, 1.0, s.max_ns), 1000000, "never above max");
	cr_assert_eq(hist_quantile(s.hist, 0, 0.5, 0), 0);
}

Test(summary, single_value)
{
	struct at_stat s = { 0 };

	s.hist[at_hist_bucket(3)] = 1;
	s.count = 1;
	s.max_ns = 3;
	cr_assert_eq(hist_quantile(s.hist, 1, 0.5, 3), 3);
	cr_assert_eq(hist_quantile(s.hist, 1, 0.99, 3), 3);
}

Test(summary, rows_sorted_by_time)
{
	static struct at_stat st[AT_NR_MAX];
	static struct summary_row rows[AT_NR_MAX];
	size_t n;

	memset(st, 0, sizeof(st));
	st[0] = (struct at_stat){ .count = 10, .errors = 1, .total_ns = 1000, .max_ns = 500 };
	st[1] = (struct at_stat){ .count = 2, .total_ns = 5000, .max_ns = 4000 };
	st[3] = (struct at_stat){ .count = 4, .total_ns = 1000, .max_ns = 400 };
	n = summary_rows(st, rows);
	cr_assert_eq(n, 3);
	cr_assert_eq(rows[0].nr, 1);
	cr_assert_eq(rows[0].avg_ns, 2500);
	cr_assert_eq(rows[1].nr, 0, "equal time: more calls first");
	cr_assert_eq(rows[1].errors, 1);
	cr_assert_eq(rows[1].avg_ns, 100);
	cr_assert_eq(rows[2].nr, 3);
}
