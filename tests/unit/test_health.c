// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /healthz's judgement (user/agent/health.c): the reader and the sinks at a given time. */
#include <criterion/criterion.h>
#include <string.h>

#include "health.h"

#define S 1000000000ull

static int judge(const struct reader_stats *r, const struct health_sink *k, unsigned n,
		 uint64_t timeout, uint64_t now, char *why)
{
	why[0] = '\0';
	return health_judge(r, k, n, timeout, now, why, 256);
}

Test(health, reader_idle_is_healthy_stuck_is_not)
{
	struct reader_stats r = { .last_poll_ns = 100 * S };
	char why[256];

	/* Asleep on an empty ring for an hour: idle. */
	cr_assert_eq(judge(&r, NULL, 0, 0, 3700 * S, why), 0);
	/* Records waiting, the last look 20 s ago: within the default 30 s. */
	r.unread = 4096;
	cr_assert_eq(judge(&r, NULL, 0, 0, 120 * S, why), 0);
	cr_assert_eq(judge(&r, NULL, 0, 0, 131 * S, why), -1);
	cr_assert_str_eq(why, "ring buffer: 4096 bytes unread and not read for 31.0 s: the "
			      "reader is stuck");
	/* A threshold given: 2 s. */
	cr_assert_eq(judge(&r, NULL, 0, 2 * S, 101 * S, why), 0);
	cr_assert_eq(judge(&r, NULL, 0, 2 * S, 102500000000ull, why), -1);
}

Test(health, sink_failing_past_its_threshold)
{
	struct reader_stats r = { .last_poll_ns = 100 * S };
	struct health_sink k = { .name = "otlp metrics http://c:4318/v1/metrics",
				 .tick_ns = 20 * S,
				 .st = { .failing_since_ns = 100 * S,
					 .last_fail_ns = 150 * S,
					 .failed = 9,
					 .queued = 1 } };
	char why[256];

	/* Default threshold: 3 ticks (60 s) beats the 30 s floor. */
	cr_assert_eq(judge(&r, &k, 1, 0, 160 * S, why), 0);
	cr_assert_eq(judge(&r, &k, 1, 0, 161 * S, why), -1);
	cr_assert_str_eq(why, "otlp metrics http://c:4318/v1/metrics: every export has failed "
			      "for 61.0 s (9 attempts)");
	/* A short tick: the 30 s floor. */
	k.tick_ns = 1 * S;
	cr_assert_eq(judge(&r, &k, 1, 0, 131 * S, why), -1);
	/* Delivered since: failing_since cleared. */
	k.st.failing_since_ns = 0;
	cr_assert_eq(judge(&r, &k, 1, 0, 500 * S, why), 0);
}

Test(health, sink_that_failed_then_went_idle_is_healthy)
{
	struct reader_stats r = { .last_poll_ns = 100 * S };
	struct health_sink k = { .name = "otlp logs http://c:4318/v1/logs",
				 .st = { .failing_since_ns = 100 * S, .last_fail_ns = 110 * S } };
	char why[256];

	/* Nothing queued, its last try 10 s before the threshold ran out: still trying. */
	cr_assert_eq(judge(&r, &k, 1, 0, 131 * S, why), -1);
	/* Nothing queued and nothing tried for longer than the threshold: idle. */
	cr_assert_eq(judge(&r, &k, 1, 0, 141 * S, why), 0);
	/* Something queued again: judged again. */
	k.st.queued = 3;
	cr_assert_eq(judge(&r, &k, 1, 0, 141 * S, why), -1);
}
