// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A library the funcs target loads with dlopen() after the probes are attached. */
__attribute__((noinline)) int dl_mul(int a, int b)
{
	return a * b;
}
