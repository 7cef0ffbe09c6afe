// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Escaping of bytes for text and JSON lines, written with the line writer. */
#include "strbuf.h"

/* Letters of the escapes that have one; other unprintable bytes become \xNN. */
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

void out_escape_c(struct out *o, const char *s, size_t n)
{
	out_escape(o, s, n, c_escapes, "\\x");
}

void out_escape_json(struct out *o, const char *s, size_t n)
{
	out_escape(o, s, n, json_escapes, "\\u00");
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
