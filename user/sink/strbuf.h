/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one line writer: every line of output is built with it. */
/*
 * Output into a caller's buffer with snprintf's convention: len counts
 * everything written, the buffer keeps what fits, out_end() terminates it.
 * The integer writers are the hot path of streamed records: a record line
 * costs a few hundred nanoseconds with printf's machinery (double formatting
 * above all) and a tenth of it with these; out_printf is for the rest
 * (doubles of the summary, rare paths).
 */
#ifndef AT_OUT_H
#define AT_OUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static inline struct out out_init(char *buf, size_t size)
{
	return (struct out){ .buf = buf, .size = size };
}

/* NUL-terminates what fits and returns the full length. */
static inline size_t out_end(struct out *o)
{
	if (o->size)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	return o->len;
}

static inline void out_putc(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static inline void out_write(struct out *o, const char *s, size_t n)
{
	/* The usual case apart: with n a constant the copy is a few moves, not a call. */
	if (o->len + n < o->size)
		memcpy(o->buf + o->len, s, n);
	else if (o->len + 1 < o->size)
		memcpy(o->buf + o->len, s, o->size - 1 - o->len); /* what fits */
	o->len += n;
}

static inline void out_puts(struct out *o, const char *s)
{
	out_write(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static inline void out_printf(struct out *o, const char *fmt,
								    ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += n;
}

/* v in decimal, at least width digits (zero-padded). */
static inline void out_udec(struct out *o, uint64_t v, unsigned width)
{
	char tmp[24];
	unsigned n = 1;
	char *p;

	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	if (n < width)
		n = width;
	if (n > sizeof(tmp)) /* never for 64 bits but with a width past 24 */
		n = sizeof(tmp);
	/* Digits straight into the buffer when they fit, else through tmp. */
	p = o->len + n < o->size ? o->buf + o->len : tmp;
	for (unsigned i = n; i-- > 0; v /= 10)
		p[i] = (char)('0' + v % 10);
	if (p == tmp)
		out_write(o, tmp, n);
	else
		o->len += n;
}

static inline void out_u64(struct out *o, uint64_t v)
{
	out_udec(o, v, 1);
}

static inline void out_i64(struct out *o, int64_t v)
{
	if (v < 0) {
		out_putc(o, '-');
		out_udec(o, -(uint64_t)v, 1);
	} else {
		out_udec(o, (uint64_t)v, 1);
	}
}

/* v as printf's %#llx: 0x and lower-case hex digits, 0 alone for zero. */
static inline void out_hex(struct out *o, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	if (!v) {
		out_putc(o, '0');
		return;
	}
	while (v) {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	}
	tmp[--i] = 'x';
	tmp[--i] = '0';
	out_write(o, tmp + i, sizeof(tmp) - i);
}

/* Nanoseconds as seconds with six decimals, rounded as printf's %.6f does. */
static inline void out_secs6(struct out *o, uint64_t ns)
{
	uint64_t us = (ns + 500) / 1000;

	out_udec(o, us / 1000000, 1);
	out_putc(o, '.');
	out_udec(o, us % 1000000, 6);
}

/* The escaped forms of bytes, for inside double quotes: strbuf.c. */
/*
 * C escapes (\n, \", \\), other unprintable bytes as \xNN: text lines; with
 * escape_set_hex, strace's -x (a string with such a byte all as \xNN) or
 * -xx (every string).
 */
void out_escape_c(struct out *o, const char *s, size_t n);
/* Every byte as \xNN (strace's QUOTE_FORCE_HEX: getrandom's bytes). */
void out_escape_hex(struct out *o, const char *s, size_t n);
enum escape_hex {
	ESCAPE_HEX_NONE = 0,	  /* C escapes */
	ESCAPE_HEX_NON_ASCII = 1, /* -x */
	ESCAPE_HEX_ALL = 2,	  /* -xx */
};
void escape_set_hex(enum escape_hex mode);
/*
 * JSON escapes: valid UTF-8 as it is, control bytes and 0x7f as \u00XX, and
 * each byte of invalid UTF-8 as \udcXX (captured data need not be UTF-8).
 */
void out_escape_json(struct out *o, const char *s, size_t n);
/* The length of the valid UTF-8 sequence at b (n bytes, b[0] >= 0x80), 0 when there is none. */
size_t utf8_seq(const unsigned char *b, size_t n);
/* A NUL-terminated string as a JSON string, quotes included. */
static inline void out_json_str(struct out *o, const char *s)
{
	out_putc(o, '"');
	out_escape_json(o, s, strlen(s));
	out_putc(o, '"');
}

/* The same into a caller's buffer; snprintf convention (the full length). */
size_t escape_c(const char *s, size_t n, char *buf, size_t size);
size_t escape_json(const char *s, size_t n, char *buf, size_t size);

#endif /* AT_OUT_H */
