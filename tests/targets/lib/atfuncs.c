// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A shared library with a function the tests probe by library short name. */
#include <sys/sdt.h>

__attribute__((noinline)) int lib_add(int a, int b)
{
	return a + b;
}

/* A USDT probe of the library with two sites (-l lists it once, -v counts 2). */
__attribute__((noinline)) int lib_pick(int a)
{
	if (a > 0)
		STAP_PROBE1(atlib, pick, a);
	else
		STAP_PROBE1(atlib, pick, -a);
	return a;
}
