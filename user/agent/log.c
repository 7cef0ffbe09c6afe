// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* agent-trace's own lines on stderr: errors behind its prefix, libbpf's messages. */
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "log.h"

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (level == LIBBPF_INFO && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_libbpf(bool v)
{
	verbose = v;
	libbpf_set_print(print_libbpf);
}

int log_error(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("agent-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}
