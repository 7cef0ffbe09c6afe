/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * /healthz: whether the agent still does its two jobs, reading the ring
 * buffer and delivering to its exporting sinks. Idle is healthy: an empty
 * ring, a sink with nothing left to send.
 */
#ifndef AT_HEALTH_H
#define AT_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "session.h"

struct xsink;

/* The least a threshold is by default: a collector's restart is not a failure. */
#define HEALTH_MIN_NS (30 * 1000000000ull)

/* One exporter as /healthz sees it. */
struct health_sink {
	const char *name;	/* "otlp metrics http://...": the sink in the reason */
	struct export_stats st; /* its counters and failing spell */
	uint64_t tick_ns;	/* its periodic export (OTLP metrics), 0 for none */
};

/*
 * Judges, at now (CLOCK_MONOTONIC), with timeout_ns (0: the defaults):
 * unhealthy when the ring has held unread records for longer than timeout_ns
 * (default HEALTH_MIN_NS) since the reader last looked (it is stuck), or when
 * a sink's every send has failed for longer than timeout_ns (default
 * max(3 x its tick, HEALTH_MIN_NS)) and it still has something to send or
 * still tries. 0, or -1 with a one-line reason (no newline) in why.
 */
int health_judge(const struct reader_stats *r, const struct health_sink *sinks, unsigned nsinks,
		 uint64_t timeout_ns, uint64_t now, char *why, size_t len);

/* health_judge of the live reader of s and the exporters of xs, now. */
int health_check(struct session *s, struct xsink *const *xs, unsigned nxs, uint64_t timeout_ns,
		 char *why, size_t len);

#endif /* AT_HEALTH_H */
