// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which mapped files a library short name stands for (target_names_file: the follower's filter). */
#include <criterion/criterion.h>

#include "target.h"

Test(target_names, short_names_and_their_files)
{
	cr_assert(target_names_file("libatlate", "libatlate.so"));
	cr_assert(target_names_file("atlate", "libatlate.so"));
	cr_assert(target_names_file("ssl", "libssl.so.3"));
	cr_assert(target_names_file("libsqlite3", "libsqlite3.so.0.8.6"));
	cr_assert(target_names_file("libfoo", "libfoo-2.1.so"));
	cr_assert(target_names_file("libfoo.so.1", "libfoo.so.1"));
	/* Another library whose name starts the same is not it. */
	cr_assert_not(target_names_file("libssl", "libssl3.so"));
	cr_assert_not(target_names_file("ssl", "libsslx.so"));
	cr_assert_not(target_names_file("libc", "libcrypto.so.3"));
	cr_assert_not(target_names_file("libatlate", "libatfuncs.so"));
}
