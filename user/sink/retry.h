/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* When a failed export is retried: which answers, how long after, for how long. */
/*
 * Retried: HTTP 429, 502, 503, 504 and connection errors (refused, reset,
 * timed out, no route). Never retried: 400 and every other 4xx or 5xx (the
 * batch is dropped, counted), 413 (split, or dropped when it is one item).
 * The delay is the receiver's Retry-After when it gave one (seconds or an
 * HTTP date, capped at max_ns), otherwise exponential backoff from initial_ns
 * doubling to max_ns, with full jitter in [delay/2, delay].
 */
#ifndef AT_RETRY_H
#define AT_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum retry_class {
	RETRY_OK = 0,	 /* 2xx: sent (a partial_success may still reject some items) */
	RETRY_AGAIN,	 /* retry after a delay */
	RETRY_REJECTED,	 /* never retried: dropped, counted */
	RETRY_TOO_LARGE, /* 413: split the batch, or drop the single item */
};

struct retry_policy {
	uint64_t initial_ns;	 /* the first backoff (default 500 ms) */
	uint64_t max_ns;	 /* no delay longer (default 30 s) */
	uint64_t max_elapsed_ns; /* a batch retried this long is dropped (default 300 s); 0: never */
};

/* Defaults above. */
extern const struct retry_policy retry_policy_default;

/* The class of an HTTP status, or of a connection error when status is 0. */
enum retry_class retry_classify(long status);

/*
 * The delay before retry number attempt (1 for the first retry): Retry-After
 * when retry_after_ns is not 0, else the jittered backoff. rnd is a random
 * 64-bit value (the caller's generator, so tests pin it).
 */
uint64_t retry_delay_ns(const struct retry_policy *p, unsigned attempt, uint64_t retry_after_ns,
			uint64_t rnd);

/*
 * Parses a Retry-After value: delay-seconds ("120") or an HTTP-date ("Wed, 21
 * Oct 2015 07:28:00 GMT", against now). 0 and *ns set, -1 when it is neither.
 * A date in the past is 0 ns.
 */
int retry_after_parse(const char *value, time_t now, uint64_t *ns);

#endif /* AT_RETRY_H */
