// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The build's test targets, for unit tests that read real binaries. */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "unit_targets.h"

const char *unit_target(const char *name)
{
	static char paths[4][PATH_MAX];
	static int next;
	char exe[PATH_MAX], *p = paths[next++ % 4];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	snprintf(p, PATH_MAX, "%s/targets/%s", dirname(dirname(exe)), name);
	cr_assert_eq(access(p, R_OK), 0, "%s is not built: make %s", p, p);
	return p;
}
