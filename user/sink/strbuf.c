// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Escaping of bytes for text and JSON lines, written with the line writer. */
#include "strbuf.h"

/* Letters of the escapes that have one; other unprintable bytes: octal in text lines. */
static const char c_escapes[128] = {
	['\n'] = 'n', ['\t'] = 't', ['\r'] = 'r',  ['\v'] = 'v',
	['\f'] = 'f', ['"'] = '"',  ['\\'] = '\\',
};

/* JSON has fewer: \r and the rest go as \u00XX. */
static const char json_escapes[128] = {
	['\n'] = 'n',
	['\t'] = 't',
	['"'] = '"',
	['\\'] = '\\',
};

static const char hex_digits[] = "0123456789abcdef";

static void out_escape(struct out *o, const char *s, size_t n, const char *escapes,
		       const char *hex_prefix)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		size_t j = i;

		/* A run of bytes that stand for themselves goes out in one copy. */
		while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f &&
		       !escapes[(unsigned char)s[j]])
			j++;
		if (j > i) {
			out_write(o, s + i, j - i);
			i = j - 1;
			continue;
		}
		if (c < 0x80 && escapes[c]) {
			out_putc(o, '\\');
			out_putc(o, escapes[c]);
		} else if (c >= 0x20 && c < 0x7f) {
			out_putc(o, c);
		} else {
			out_puts(o, hex_prefix);
			out_putc(o, hex_digits[c >> 4]);
			out_putc(o, hex_digits[c & 0xf]);
		}
	}
}

/* The length of the valid UTF-8 sequence at b (n bytes, each >= 0x80), 0 when there is none. */
size_t utf8_seq(const unsigned char *b, size_t n)
{
	size_t len = b[0] >= 0xc2 && b[0] <= 0xdf ? 2 :
		     b[0] >= 0xe0 && b[0] <= 0xef ? 3 :
		     b[0] >= 0xf0 && b[0] <= 0xf4 ? 4 :
						    0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (!len || len > n)
		return 0;
	/* The second byte's range excludes overlong forms, surrogates and past U+10FFFF. */
	if (b[0] == 0xe0)
		lo = 0xa0;
	else if (b[0] == 0xed)
		hi = 0x9f;
	else if (b[0] == 0xf0)
		lo = 0x90;
	else if (b[0] == 0xf4)
		hi = 0x8f;
	if (b[1] < lo || b[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (b[i] < 0x80 || b[i] > 0xbf)
			return 0;
	return len;
}

/*
 * JSON: valid UTF-8 sequences as they are; every other byte from 0x80 up as
 * \udcXX, the lone low surrogate U+DC80..U+DCFF that Python's
 * surrogateescape (PEP 383) maps such a byte to: no text decodes to one, so
 * a reader tells it from a character, and gets the byte back exactly
 * (Python: s.encode("utf-8", "surrogateescape")). Control bytes as \u00XX.
 */
void out_escape_json(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i, len;

		while (j < n && (unsigned char)s[j] < 0x80)
			j++;
		if (j > i) {
			out_escape(o, s + i, j - i, json_escapes, "\\u00");
			i = j;
			continue;
		}
		len = utf8_seq((const unsigned char *)s + i, n - i);
		if (len) {
			out_write(o, s + i, len);
			i += len;
			continue;
		}
		out_puts(o, "\\udc");
		out_putc(o, hex_digits[(unsigned char)s[i] >> 4]);
		out_putc(o, hex_digits[(unsigned char)s[i] & 0xf]);
		i++;
	}
}

/* -x, -xx: strings in hex (enum escape_hex); one setting for the process, set at start. */
static enum escape_hex hex_mode;

void escape_set_hex(enum escape_hex mode)
{
	hex_mode = mode;
}

/* Whether a string has a byte that is neither printable ASCII nor a C escape's. */
static bool needs_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 || c >= 0x7f) && (c >= 0x80 || !c_escapes[c]))
			return true;
	}
	return false;
}

/*
 * strace's text escapes: the C letters, other unprintable bytes in octal,
 * as few digits as the value needs, three when an octal digit follows
 * ("\0", "\177ELF\2", "\0001").
 */
static void out_escape_octal(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		size_t j = i;
		bool pad;

		while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f &&
		       !c_escapes[(unsigned char)s[j]])
			j++;
		if (j > i) {
			out_write(o, s + i, j - i);
			i = j - 1;
			continue;
		}
		out_putc(o, '\\');
		if (c < 0x80 && c_escapes[c]) {
			out_putc(o, c_escapes[c]);
			continue;
		}
		pad = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
		if (pad || c >> 6)
			out_putc(o, (char)('0' + (c >> 6)));
		if (pad || c >> 3)
			out_putc(o, (char)('0' + ((c >> 3) & 7)));
		out_putc(o, (char)('0' + (c & 7)));
	}
}

void out_escape_hex(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out_puts(o, "\\x");
		out_putc(o, hex_digits[(unsigned char)s[i] >> 4]);
		out_putc(o, hex_digits[(unsigned char)s[i] & 0xf]);
	}
}

void out_escape_c(struct out *o, const char *s, size_t n)
{
	/* strace's -x: a string with such a byte all in hex; -xx: every string. */
	if (hex_mode == ESCAPE_HEX_ALL || (hex_mode == ESCAPE_HEX_NON_ASCII && needs_hex(s, n))) {
		out_escape_hex(o, s, n);
		return;
	}
	out_escape_octal(o, s, n);
}

size_t escape_c(const char *s, size_t n, char *buf, size_t size)
{
	struct out o = out_init(buf, size);

	out_escape_c(&o, s, n);
	return out_end(&o);
}

size_t escape_json(const char *s, size_t n, char *buf, size_t size)
{
	struct out o = out_init(buf, size);

	out_escape_json(&o, s, n);
	return out_end(&o);
}
