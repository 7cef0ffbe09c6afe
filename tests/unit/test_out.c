// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/sink/strbuf.h: the integer writers against printf, and cut output. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>

#include "strbuf.h"

static const char *fmt_u(uint64_t v, void (*fn)(struct out *, uint64_t))
{
	static char buf[64];
	struct out o = out_init(buf, sizeof(buf));

	fn(&o, v);
	out_end(&o);
	return buf;
}

Test(out, integers_as_printf_writes_them)
{
	static const int64_t s[] = { 0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN };
	static const uint64_t u[] = { 0, 7, 10, 99, 100, 4096, 0xdeadbeef, UINT64_MAX };
	char want[64], got[64];

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct out o = out_init(got, sizeof(got));

		out_i64(&o, s[i]);
		out_end(&o);
		snprintf(want, sizeof(want), "%" PRId64, s[i]);
		cr_assert_str_eq(got, want);
	}
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		snprintf(want, sizeof(want), "%" PRIu64, u[i]);
		cr_assert_str_eq(fmt_u(u[i], out_u64), want);
		snprintf(want, sizeof(want), "%#" PRIx64, u[i]);
		cr_assert_str_eq(fmt_u(u[i], out_hex), want);
	}
}

Test(out, seconds_with_six_decimals)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{ 0, "0.000000" },	    { 499, "0.000000" },
		{ 501, "0.000001" },	    { 1000, "0.000001" },
		{ 999999499, "0.999999" },  { 999999500, "1.000000" },
		{ 1234567890, "1.234568" }, { 86400000000000ull, "86400.000000" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		struct out o = out_init(buf, sizeof(buf));

		out_secs6(&o, cases[i].ns);
		out_end(&o);
		cr_assert_str_eq(buf, cases[i].want, "%" PRIu64 " ns", cases[i].ns);
	}
}

Test(out, zero_padding)
{
	char buf[16];
	struct out o = out_init(buf, sizeof(buf));

	out_udec(&o, 42, 6);
	out_putc(&o, '|');
	out_udec(&o, 1234567, 3);
	cr_assert_eq(out_end(&o), 14);
	cr_assert_str_eq(buf, "000042|1234567");
}

/* As snprintf: what fits is kept and terminated, the length counts everything. */
Test(out, cut_output_counts_everything)
{
	char buf[8];
	struct out o = out_init(buf, sizeof(buf));

	out_puts(&o, "abc");
	out_u64(&o, 123456);
	out_puts(&o, "xyz");
	out_hex(&o, 0xff);
	cr_assert_eq(out_end(&o), 16);
	cr_assert_str_eq(buf, "abc1234");

	o = out_init(buf, 1);
	out_i64(&o, INT64_MIN);
	cr_assert_eq(out_end(&o), 20);
	cr_assert_str_eq(buf, "");

	o = out_init(NULL, 0);
	out_puts(&o, "counted");
	out_u64(&o, 10);
	cr_assert_eq(out_end(&o), 9, "a NULL buffer of size 0 only counts");
}
