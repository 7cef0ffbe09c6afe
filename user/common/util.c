// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Small helpers every stage uses. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

size_t verrfmt(char *err, size_t errlen, size_t off, const char *fmt, va_list ap)
{
	if (off >= errlen)
		return off;
	return off + (size_t)vsnprintf(err + off, errlen - off, fmt, ap);
}

size_t errfmt(char *err, size_t errlen, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	off = verrfmt(err, errlen, off, fmt, ap);
	va_end(ap);
	return off;
}

int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrfmt(err, errlen, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int fail_line(char *err, size_t errlen, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrfmt(err, errlen, off, fmt, ap);
	va_end(ap);
	if (errlen)
		one_line(err);
	return -1;
}

bool flag_on(const char *value)
{
	return value && value[0] && strcmp(value, "0");
}

bool env_flag(const char *name)
{
	return flag_on(getenv(name));
}

void one_line(char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			*s = ' ';
}

int parse_bytes(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *s == '-' || errno)
		return -1;
	/* Each shift only below the value that would overflow it. */
	if ((*end == 'k' || *end == 'K') && v < (1ULL << 54))
		v <<= 10, end++;
	else if ((*end == 'm' || *end == 'M') && v < (1ULL << 44))
		v <<= 20, end++;
	else if ((*end == 'g' || *end == 'G') && v < (1ULL << 34))
		v <<= 30, end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

int parse_ringbuf_size(const char *s, size_t *out)
{
	uint64_t v;

	if (parse_bytes(s, &v))
		return -1;
	if (v & (v - 1))
		return -2;
	if (v < 4096 || v > (1ULL << 30))
		return -3;
	*out = (size_t)v;
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "", 1e9 },   { "s", 1e9 },  { "ms", 1e6 },
		      { "us", 1e3 }, { "m", 60e9 }, { "h", 3600e9 } };
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v >= 0) || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		/* A year at most: longer is a typo, and far from overflowing 64 bits. */
		if (v * units[i].ns > 365 * 86400e9)
			return -1;
		*out = (uint64_t)(v * units[i].ns + 0.5);
		return 0;
	}
	return -1;
}

const char *list_next(const char **list, size_t *n)
{
	const char *d = *list, *colon;

	if (!d || !*d)
		return NULL;
	colon = strchr(d, ':');
	*n = colon ? (size_t)(colon - d) : strlen(d);
	*list = d + *n + (colon ? 1 : 0);
	return d;
}
