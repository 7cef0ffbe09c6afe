// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A library dllate loads by its path with dlopen(), from a directory no linker cache names. */
__attribute__((noinline)) int late_add(int a, int b)
{
	return a + b;
}
