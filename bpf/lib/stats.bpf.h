/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Statistics aggregated in the kernel: one call added to a count, errors and histogram. */
#ifndef AT_STATS_BPF_H
#define AT_STATS_BPF_H

#include "stats.h"

/* Adds one call to a statistics entry. */
static __always_inline void stat_add(struct at_stat *st, bool failed, __u64 dur)
{
	st->count++;
	if (failed)
		st->errors++;
	st->total_ns += dur;
	if (dur > st->max_ns)
		st->max_ns = dur;
	st->hist[at_hist_bucket(dur) & (AT_HIST_BUCKETS - 1)]++;
}

#endif /* AT_STATS_BPF_H */
