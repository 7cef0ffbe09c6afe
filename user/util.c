// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Small helpers every stage uses. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void one_line(char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			*s = ' ';
}
