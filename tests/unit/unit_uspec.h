/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The SPEC parser's test helpers, shared by the uspec unit suites. */
#ifndef AT_UNIT_USPEC_H
#define AT_UNIT_USPEC_H

#include <criterion/criterion.h>

#include "uspec.h"

/* s parsed, or the test fails with the parser's error. */
static inline struct uspec parse_ok(const char *s)
{
	struct uspec u;
	char err[512];

	cr_assert_eq(uspec_parse(s, &u, err, sizeof(err)), 0, "%s: %s", s, err);
	return u;
}

/* s refused with exactly want. */
static inline void parse_bad(const char *s, const char *want)
{
	struct uspec u;
	char err[512];

	cr_assert_eq(uspec_parse(s, &u, err, sizeof(err)), -1, "%s parsed", s);
	cr_assert_str_eq(err, want);
}

#endif /* AT_UNIT_USPEC_H */
