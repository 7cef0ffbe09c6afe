// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/sink/retry.c: which answers are retried, the backoff's bounds, Retry-After. */
#include <criterion/criterion.h>
#include <time.h>

#include "retry.h"

#define MS 1000000ull
#define S 1000000000ull

Test(retry, each_status_class)
{
	static const long ok[] = { 200, 201, 202, 204, 299 };
	static const long again[] = { 0, 429, 502, 503, 504 };
	static const long rejected[] = { 100, 301, 304, 400, 401, 403, 404, 408,
					 409, 422, 500, 501, 505, 599, 600, -1 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert_eq(retry_classify(ok[i]), RETRY_OK, "%ld", ok[i]);
	for (size_t i = 0; i < sizeof(again) / sizeof(again[0]); i++)
		cr_assert_eq(retry_classify(again[i]), RETRY_AGAIN, "%ld", again[i]);
	for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
		cr_assert_eq(retry_classify(rejected[i]), RETRY_REJECTED, "%ld", rejected[i]);
	cr_assert_eq(retry_classify(413), RETRY_TOO_LARGE);
}

Test(retry, default_policy)
{
	cr_assert_eq(retry_policy_default.initial_ns, 500 * MS);
	cr_assert_eq(retry_policy_default.max_ns, 30 * S);
	cr_assert_eq(retry_policy_default.max_elapsed_ns, 300 * S);
}

Test(retry, backoff_doubles_with_jitter_in_its_half_bounds)
{
	const struct retry_policy p = { .initial_ns = 100 * MS, .max_ns = 1 * S };
	/* attempt -> the un-jittered delay */
	static const uint64_t full[] = { 0, 100 * MS, 200 * MS, 400 * MS, 800 * MS, 1 * S, 1 * S };

	for (unsigned a = 1; a < sizeof(full) / sizeof(full[0]); a++) {
		uint64_t d = full[a];

		/* rnd pinned at the ends of its range, and between. */
		cr_assert_eq(retry_delay_ns(&p, a, 0, 0), d / 2, "attempt %u, lowest", a);
		cr_assert_eq(retry_delay_ns(&p, a, 0, d - d / 2), d, "attempt %u, highest", a);
		cr_assert_eq(retry_delay_ns(&p, a, 0, d - d / 2 + 1), d / 2, "wraps");
		cr_assert_eq(retry_delay_ns(&p, a, 0, 7), d / 2 + 7);
		for (uint64_t r = 1; r < 2000000; r = r * 3 + 17) {
			uint64_t got = retry_delay_ns(&p, a, 0, r * 0x9e3779b97f4a7c15ull);

			cr_assert(got >= d / 2 && got <= d, "attempt %u: %llu", a,
				  (unsigned long long)got);
		}
	}
	/* Far attempts stay at the cap, never wrapping. */
	cr_assert_eq(retry_delay_ns(&p, 64, 0, 0), 500 * MS);
	cr_assert_eq(retry_delay_ns(&p, 1000, 0, UINT64_MAX),
		     500 * MS + UINT64_MAX % (500 * MS + 1));
	cr_assert_leq(retry_delay_ns(&p, 4000000000u, 0, 12345), 1 * S);
	/* Attempt 0 is taken as the first. */
	cr_assert_eq(retry_delay_ns(&p, 0, 0, 0), 50 * MS);
}

Test(retry, retry_after_wins_and_is_capped)
{
	const struct retry_policy p = { .initial_ns = 100 * MS, .max_ns = 30 * S };

	cr_assert_eq(retry_delay_ns(&p, 1, 5 * S, 0), 5 * S, "no jitter on the receiver's word");
	cr_assert_eq(retry_delay_ns(&p, 3, 5 * S, 123456789), 5 * S);
	cr_assert_eq(retry_delay_ns(&p, 1, 120 * S, 0), 30 * S, "capped at max_ns");
	cr_assert_eq(retry_delay_ns(&p, 1, UINT64_MAX, 0), 30 * S);
}

/* 2015-10-21 07:28:00 UTC minus a minute. */
static time_t minute_before(void)
{
	struct tm tm = { .tm_year = 115, .tm_mon = 9, .tm_mday = 21, .tm_hour = 7, .tm_min = 27 };

	return timegm(&tm);
}

Test(retry, retry_after_delta_seconds)
{
	uint64_t ns = 1;

	cr_assert_eq(retry_after_parse("120", 0, &ns), 0);
	cr_assert_eq(ns, 120 * S);
	cr_assert_eq(retry_after_parse(" 7 ", 0, &ns), 0);
	cr_assert_eq(ns, 7 * S);
	cr_assert_eq(retry_after_parse("0", 0, &ns), 0);
	cr_assert_eq(ns, 0);
	cr_assert_eq(retry_after_parse("99999999999999999999999999", 0, &ns), 0);
	cr_assert_eq(ns, UINT64_MAX, "saturates");
	ns = 42;
	cr_assert_eq(retry_after_parse("", 0, &ns), -1);
	cr_assert_eq(retry_after_parse("-5", 0, &ns), -1);
	cr_assert_eq(retry_after_parse("1.5", 0, &ns), -1);
	cr_assert_eq(retry_after_parse("12abc", 0, &ns), -1);
	cr_assert_eq(retry_after_parse("soon", 0, &ns), -1);
	cr_assert_eq(ns, 42, "untouched on failure");
}

Test(retry, retry_after_http_dates_in_all_three_forms)
{
	time_t now = minute_before();
	uint64_t ns = 0;

	cr_assert_eq(retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", now, &ns), 0);
	cr_assert_eq(ns, 60 * S, "IMF-fixdate");
	cr_assert_eq(retry_after_parse("Wednesday, 21-Oct-15 07:28:00 GMT", now, &ns), 0);
	cr_assert_eq(ns, 60 * S, "RFC 850");
	cr_assert_eq(retry_after_parse("Wed Oct 21 07:28:00 2015", now, &ns), 0);
	cr_assert_eq(ns, 60 * S, "asctime");
	cr_assert_eq(retry_after_parse("Wed, 21 Oct 2015 08:27:30 GMT", now, &ns), 0);
	cr_assert_eq(ns, 3630 * S);
	/* asctime pads a one-digit day with a space. */
	cr_assert_eq(retry_after_parse("Thu Oct  1 07:27:00 2015", now - 20 * 86400, &ns), 0);
	cr_assert_eq(ns, 0);
	cr_assert_eq(retry_after_parse("Thu Oct  1 07:27:00 2015", now - 20 * 86400 - 5, &ns), 0);
	cr_assert_eq(ns, 5 * S);
}

Test(retry, retry_after_past_date_is_now_and_garbage_refused)
{
	time_t now = minute_before();
	uint64_t ns = 7;

	cr_assert_eq(retry_after_parse("Wed, 21 Oct 2015 07:26:00 GMT", now, &ns), 0);
	cr_assert_eq(ns, 0, "a date in the past");
	cr_assert_eq(retry_after_parse("Wed, 21 Oct 2015 07:27:00 GMT", now, &ns), 0);
	cr_assert_eq(ns, 0, "now");
	ns = 7;
	cr_assert_eq(retry_after_parse("Wed, 21 Oct 2015 07:28:00", now, &ns), -1, "no GMT");
	cr_assert_eq(retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT trailing", now, &ns), -1);
	cr_assert_eq(retry_after_parse("Wed, 32 Oct 2015 07:28:00 GMT", now, &ns), -1);
	cr_assert_eq(retry_after_parse("Wed, 21 Foo 2015 07:28:00 GMT", now, &ns), -1);
	cr_assert_eq(ns, 7);
}
