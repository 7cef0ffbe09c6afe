// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /healthz: the ring buffer's reader and the exporting sinks judged from their counters. */
#include <stdio.h>
#include <time.h>

#include "health.h"
#include "xsink.h"

#define NS_PER_S 1e9

int health_judge(const struct reader_stats *r, const struct health_sink *sinks, unsigned nsinks,
		 uint64_t timeout_ns, uint64_t now, char *why, size_t len)
{
	uint64_t limit = timeout_ns ? timeout_ns : HEALTH_MIN_NS;

	/* Records wait and the reader has not looked for too long: it is stuck or gone. */
	if (r->unread && now > r->last_poll_ns && now - r->last_poll_ns > limit) {
		snprintf(why, len,
			 "ring buffer: %llu bytes unread and not read for %.1f s: the reader is "
			 "stuck",
			 (unsigned long long)r->unread, (double)(now - r->last_poll_ns) / NS_PER_S);
		return -1;
	}
	for (unsigned i = 0; i < nsinks; i++) {
		const struct export_stats *st = &sinks[i].st;

		limit = timeout_ns;
		if (!limit)
			limit = 3 * sinks[i].tick_ns > HEALTH_MIN_NS ? 3 * sinks[i].tick_ns :
								       HEALTH_MIN_NS;
		if (!st->failing_since_ns || now <= st->failing_since_ns ||
		    now - st->failing_since_ns <= limit)
			continue;
		/* A sink that failed, then had nothing more to send, is idle: not judged. */
		if (!st->queued && now - st->last_fail_ns > limit)
			continue;
		snprintf(why, len, "%s: every export has failed for %.1f s (%llu attempts)",
			 sinks[i].name, (double)(now - st->failing_since_ns) / NS_PER_S,
			 (unsigned long long)st->failed);
		return -1;
	}
	return 0;
}

int health_check(struct session *s, struct xsink *const *xs, unsigned nxs, uint64_t timeout_ns,
		 char *why, size_t len)
{
	struct health_sink sinks[2 * SINKS_MAX];
	struct reader_stats r;
	struct timespec ts;
	unsigned n = 0;

	session__reader_stats(s, &r);
	for (unsigned i = 0; i < nxs; i++) {
		for (unsigned j = 0; j < xs[i]->nexp && n < 2 * SINKS_MAX; j++, n++) {
			sinks[n].name = xs[i]->exp[j]->name;
			sinks[n].tick_ns = xs[i]->exp[j]->o.tick_ns;
			exporter_stats(xs[i]->exp[j], &sinks[n].st);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return health_judge(&r, sinks, n, timeout_ns,
			    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, why, len);
}
