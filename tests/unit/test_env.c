// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The environment switches (AT_NO_SLEEPABLE, AT_NO_COPY_STR, AT_NO_UPROBE_MULTI): on or off. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "util.h"

Test(env, flag_on_when_set_non_empty_and_not_zero)
{
	cr_assert(flag_on("1"));
	cr_assert(flag_on("yes"));
	cr_assert(flag_on("00"));
	cr_assert_not(flag_on(NULL));
	cr_assert_not(flag_on(""));
	cr_assert_not(flag_on("0"));
}

Test(env, env_flag_reads_the_variable)
{
	static const char *const names[] = { "AT_NO_SLEEPABLE", "AT_NO_COPY_STR",
					     "AT_NO_UPROBE_MULTI" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		cr_assert_eq(unsetenv(names[i]), 0);
		cr_assert_not(env_flag(names[i]), "%s unset", names[i]);
		cr_assert_eq(setenv(names[i], "0", 1), 0);
		cr_assert_not(env_flag(names[i]), "%s=0", names[i]);
		cr_assert_eq(setenv(names[i], "", 1), 0);
		cr_assert_not(env_flag(names[i]), "%s=", names[i]);
		cr_assert_eq(setenv(names[i], "1", 1), 0);
		cr_assert(env_flag(names[i]), "%s=1", names[i]);
		cr_assert_eq(unsetenv(names[i]), 0);
	}
}
