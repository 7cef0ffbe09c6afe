// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A shared library with a function the tests probe by library short name. */
__attribute__((noinline)) int lib_add(int a, int b)
{
	return a + b;
}
