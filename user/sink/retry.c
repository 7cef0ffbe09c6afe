// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The retry policy: which answers are retried, the backoff with jitter, Retry-After. */
#include <ctype.h>
#include <string.h>

#include "retry.h"

#define NS_PER_S 1000000000ull

const struct retry_policy retry_policy_default = {
	.initial_ns = 500000000ull,
	.max_ns = 30 * NS_PER_S,
	.max_elapsed_ns = 300 * NS_PER_S,
};

enum retry_class retry_classify(long status)
{
	if (status >= 200 && status <= 299)
		return RETRY_OK;
	switch (status) {
	case 0: /* no answer: refused, reset, timed out */
	case 429:
	case 502:
	case 503:
	case 504:
		return RETRY_AGAIN;
	case 413:
		return RETRY_TOO_LARGE;
	default:
		return RETRY_REJECTED;
	}
}

/* d capped at max_ns (0: no cap). */
static uint64_t cap(const struct retry_policy *p, uint64_t d)
{
	return p->max_ns && d > p->max_ns ? p->max_ns : d;
}

uint64_t retry_delay_ns(const struct retry_policy *p, unsigned attempt, uint64_t retry_after_ns,
			uint64_t rnd)
{
	uint64_t d = p->initial_ns, lo;

	if (retry_after_ns)
		return cap(p, retry_after_ns);
	/* initial * 2^(attempt-1), saturating before it could wrap. */
	for (unsigned i = 1; i < attempt && d <= UINT64_MAX / 2; i++) {
		d *= 2;
		if (p->max_ns && d >= p->max_ns)
			break;
	}
	d = cap(p, d);
	/* Jitter in [d/2, d]: retries of many agents after one outage spread out. */
	lo = d / 2;
	return d - lo == UINT64_MAX ? lo + rnd : lo + rnd % (d - lo + 1);
}

/* The HTTP-date forms RFC 9110 5.6.7 makes a recipient accept, preferred first. */
static const char *const http_date_fmts[] = {
	"%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	"%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
	"%a %b %e %H:%M:%S %Y",	     /* asctime: Sun Nov  6 08:49:37 1994 */
};

/* Whether s is only white space. */
static bool blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}

int retry_after_parse(const char *value, time_t now, uint64_t *ns)
{
	const char *s = value;
	uint64_t secs = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (isdigit((unsigned char)*s)) {
		const char *p = s;

		for (; isdigit((unsigned char)*p); p++) {
			/* A delay past what nanoseconds hold is as good as forever (capped later). */
			if (secs < UINT64_MAX / NS_PER_S)
				secs = secs * 10 + (uint64_t)(*p - '0');
		}
		if (blank(p)) {
			*ns = secs < UINT64_MAX / NS_PER_S ? secs * NS_PER_S : UINT64_MAX;
			return 0;
		}
	}
	/* The names of days and months are English: the agent never leaves the C locale. */
	for (size_t i = 0; i < sizeof(http_date_fmts) / sizeof(http_date_fmts[0]); i++) {
		struct tm tm;
		const char *end;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, http_date_fmts[i], &tm);
		if (!end || !blank(end))
			continue;
		t = timegm(&tm);
		if (t == (time_t)-1)
			continue;
		*ns = t > now ? (uint64_t)(t - now) * NS_PER_S : 0;
		return 0;
	}
	return -1;
}
