// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The shared library of the stack target: a write made from inside it. */
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void lib_say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(3);
}
