// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Summary math over the statistics the kernel aggregated, for every sink. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "probes.h"
#include "summary.h"

#define SUB (1u << AT_HIST_SUB_BITS)

/*
 * Inverse of at_hist_bucket() for b >= SUB: the power of two of bucket b
 * (its most significant bit), past 63 for buckets no 64-bit value reaches.
 */
static unsigned bucket_msb(unsigned b)
{
	return (b >> AT_HIST_SUB_BITS) + AT_HIST_SUB_BITS - 1;
}

uint64_t hist_bucket_low(unsigned b)
{
	unsigned msb = bucket_msb(b);

	if (b < SUB)
		return b;
	if (msb > 63)
		return UINT64_MAX; /* past the last bucket a 64-bit value can reach */
	/* The power of two, then the sub-bucket. */
	return (1ULL << msb) | ((uint64_t)(b & (SUB - 1)) << (msb - AT_HIST_SUB_BITS));
}

uint64_t hist_bucket_high(unsigned b)
{
	unsigned msb = bucket_msb(b);

	if (b < SUB || msb > 63)
		return hist_bucket_low(b);
	if (b == (63u - AT_HIST_SUB_BITS + 1) * SUB + SUB - 1)
		return UINT64_MAX; /* the last bucket reaches the top */
	return hist_bucket_low(b) + (1ULL << (msb - AT_HIST_SUB_BITS)) - 1;
}

uint64_t hist_quantile(const uint32_t *hist, uint64_t count, double q, uint64_t max)
{
	uint64_t rank, seen = 0;

	if (!count)
		return 0;
	rank = (uint64_t)(q * (double)count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank >= count)
		return max; /* the largest value is known exactly */
	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank) {
			uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
			uint64_t mid = lo + (hi - lo) / 2;

			return mid > max ? max : mid;
		}
	}
	return max;
}

static int by_time(const void *a, const void *b)
{
	const struct summary_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (int)x->nr - (int)y->nr;
}

size_t summary_rows(const struct at_stat *stats, struct summary_row *rows)
{
	size_t n = 0;

	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct at_stat *s = &stats[nr];

		if (!s->count)
			continue;
		rows[n++] = (struct summary_row){
			.nr = nr,
			.count = s->count,
			.errors = s->errors,
			.total_ns = s->total_ns,
			.avg_ns = s->total_ns / s->count,
			.p50_ns = hist_quantile(s->hist, s->count, 0.50, s->max_ns),
			.p99_ns = hist_quantile(s->hist, s->count, 0.99, s->max_ns),
			.max_ns = s->max_ns,
		};
	}
	qsort(rows, n, sizeof(*rows), by_time);
	return n;
}

int summary__init(struct summary *sm, const struct snapshot *snap)
{
	sm->snap = snap;
	sm->nrows = 0;
	sm->rows = calloc(AT_NR_MAX, sizeof(*sm->rows));
	if (!sm->rows)
		return -ENOMEM;
	if (snap->stats)
		sm->nrows = summary_rows(snap->stats, sm->rows);
	return 0;
}

void summary__free(struct summary *sm)
{
	free(sm->rows);
	sm->rows = NULL;
	sm->nrows = 0;
}

const char *summary_hist_title(const struct probe *p, char *buf, size_t size)
{
	unsigned a;

	if (!(p->actions & AT_ACT_HIST) || p->hist_of == AT_HIST_LATENCY)
		return "latency (ns)";
	if (p->hist_of == AT_HIST_RET)
		return "ret";
	a = (unsigned)(p->hist_of - AT_HIST_ARG0) % USPEC_MAX_ARGS;
	if (p->kind == AT_KIND_FUNC && a < p->spec.nargs)
		snprintf(buf, size, "%s", p->spec.args[a].name);
	else
		snprintf(buf, size, "arg%u", a + 1);
	return buf;
}
