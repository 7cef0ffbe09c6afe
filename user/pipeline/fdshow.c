// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -y: what an fd is, as strace prints it after the number, and as JSON. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fdtab.h"
#include "strbuf.h"

/* A path as strace quotes it inside <...>: C escapes, octal for the rest and for '<' and '>'. */
static void put_quoted(struct out *o, const char *s)
{
	static const char esc[] = {
		['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['\v'] = 'v'
	};

	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		bool digit_next = c[1] >= '0' && c[1] <= '7';

		if (*c == '"' || *c == '\\') {
			out_putc(o, '\\');
			out_putc(o, (char)*c);
		} else if (*c < sizeof(esc) && esc[*c]) {
			out_putc(o, '\\');
			out_putc(o, esc[*c]);
		} else if (*c < ' ' || *c > 0x7e || *c == '<' || *c == '>') {
			char buf[8];

			snprintf(buf, sizeof(buf), digit_next ? "\\%03o" : "\\%o", *c);
			out_puts(o, buf);
		} else {
			out_putc(o, (char)*c);
		}
	}
}

void fd_info_put_text(struct out *o, const struct fd_info *fi)
{
	if (!fi->path)
		return;
	out_putc(o, '<');
	if (fi->pid) {
		out_puts(o, "pid:");
		out_u64(o, fi->pid);
	} else if (fi->sock) {
		out_puts(o, fi->sock);
	} else {
		put_quoted(o, fi->path);
		if (fi->dev_kind) {
			out_puts(o, fi->dev_kind == 'c' ? "<char " : "<block ");
			out_u64(o, fi->dev_major);
			out_putc(o, ':');
			out_u64(o, fi->dev_minor);
			out_putc(o, '>');
		}
	}
	out_putc(o, '>');
	if (fi->deleted && !fi->sock)
		out_puts(o, "(deleted)");
}

/* -yy's socket in JSON: its protocol, and for inet sockets the two ends. */
static void put_sock_json(struct out *o, const char *sock)
{
	const char *br = strstr(sock, ":["), *arrow, *end = sock + strlen(sock) - 1;

	out_puts(o, ",\"socket\":{\"proto\":");
	if (!br || *end != ']') {
		out_json_str(o, sock);
		out_putc(o, '}');
		return;
	}
	out_putc(o, '"');
	out_escape_json(o, sock, (size_t)(br - sock));
	out_putc(o, '"');
	br += 2;
	arrow = strstr(br, "->");
	if (strncmp(sock, "UNIX", 4)) {
		out_puts(o, ",\"local\":\"");
		out_escape_json(o, br, (size_t)((arrow ? arrow : end) - br));
		out_putc(o, '"');
		if (arrow) {
			out_puts(o, ",\"peer\":\"");
			out_escape_json(o, arrow + 2, (size_t)(end - arrow - 2));
			out_putc(o, '"');
		}
	}
	out_puts(o, ",\"detail\":\"");
	out_escape_json(o, br, (size_t)(end - br));
	out_puts(o, "\"}");
}

void fd_info_put_json(struct out *o, const struct fd_info *fi)
{
	if (!fi->path) {
		out_puts(o, "null");
		return;
	}
	out_puts(o, "{\"path\":");
	out_json_str(o, fi->path);
	if (fi->deleted)
		out_puts(o, ",\"deleted\":true");
	if (fi->dev_kind) {
		out_puts(o, fi->dev_kind == 'c' ? ",\"dev\":{\"type\":\"char\",\"major\":" :
						  ",\"dev\":{\"type\":\"block\",\"major\":");
		out_u64(o, fi->dev_major);
		out_puts(o, ",\"minor\":");
		out_u64(o, fi->dev_minor);
		out_putc(o, '}');
	}
	if (fi->sock)
		put_sock_json(o, fi->sock);
	if (fi->pid) {
		out_puts(o, ",\"pid\":");
		out_u64(o, fi->pid);
	}
	out_putc(o, '}');
}
