/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers every stage uses. */
#ifndef AT_UTIL_H
#define AT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The one error formatter: writes fmt at err + off when off < errlen, cut at
 * the buffer's end as snprintf cuts, and returns off plus the length written
 * (or that would have been); off unchanged when there is no room. A message
 * "PREFIX: what is wrong" is a prefix at 0, then the rest at what it returned.
 */
size_t verrfmt(char *err, size_t errlen, size_t off, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
size_t errfmt(char *err, size_t errlen, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Formats a one-line reason into err (when errlen > 0) and returns -1. */
int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The parsers' "WHERE: what is wrong": fmt after a prefix of off bytes
 * (errfmt's return), then the whole made one line; returns -1.
 */
int fail_line(char *err, size_t errlen, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A byte count: decimal with an optional K, M or G suffix (powers of 1024). 0 or -1. */
int parse_bytes(const char *s, uint64_t *out);

/*
 * A duration: a non-negative decimal number with an optional unit, h, m, s,
 * ms or us (none: seconds), at most a year, into nanoseconds. 0 or -1.
 */
int parse_duration_ns(const char *s, uint64_t *out);

/*
 * A ring buffer size: decimal with an optional K, M or G suffix, a power of two
 * from 4K to 1G. 0, or -1 when it is not a size, -2 when not a power of two,
 * -3 when out of range.
 */
int parse_ringbuf_size(const char *s, size_t *out);

/*
 * An on/off switch's value: on when set, non-empty and not "0" (so that
 * AT_NO_X=0 and AT_NO_X= both mean off).
 */
bool flag_on(const char *value);
/* The environment switch name, read with flag_on(). */
bool env_flag(const char *name);

/* Turns control characters (newlines of a YAML block scalar) into spaces: one-line messages. */
void one_line(char *s);

/*
 * The next entry of a colon-separated list (PATH style) at *list: its start,
 * its length in *n (0 for an empty entry), and *list moved past it; NULL at
 * the end.
 */
const char *list_next(const char **list, size_t *n);

#endif /* AT_UTIL_H */
