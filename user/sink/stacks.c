// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Stack records held until their call record is written, then symbolized for its line. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "stacks.h"
#include "strbuf.h"

/* Room kept free in a line for its end: frames past it are counted, not written. */
#define STACK_LINE_SLACK 1024

struct stacks *stacks__new(void)
{
	struct stacks *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	stackjoin__init(&s->join);
	s->sym = symbolizer__new();
	if (!s->sym) {
		free(s);
		return NULL;
	}
	return s;
}

void stacks__free(struct stacks *s)
{
	if (!s)
		return;
	symbolizer__free(s->sym);
	free(s);
}

void stacks__put(struct stacks *s, const void *data, size_t size)
{
	stackjoin__put(&s->join, data, size);
}

void stacks__exec(struct stacks *s, uint32_t pid)
{
	symbolizer__forget(s->sym, pid);
}

void stacks__attach(struct stacks *s, const void *data, struct event *ev)
{
	const struct at_call_rec *r = data;
	const struct at_stack_rec *st;

	if (!(r->flags & AT_CALL_STACK))
		return;
	/* An exec that returned: its stack, and the process's from now on, are of its new image. */
	if (ev->kind == EV_SYSCALL && ev->ret == 0 && ev->name &&
	    (!strcmp(ev->name, "execve") || !strcmp(ev->name, "execveat")))
		symbolizer__forget(s->sym, r->hdr.pid);
	st = stackjoin__take(&s->join, r->hdr.tid, r->hdr.probe_id, r->enter_ns);
	if (!st) {
		ev->stack_lost = true;
		return;
	}
	ev->frames = s->frames;
	ev->nframes = (uint16_t)symbolizer__stack(s->sym, r->hdr.pid, (const uint64_t *)st->ips,
						  st->nips, (const uint64_t *)st->top, st->ntop,
						  s->frames, AT_STACK_MAX + 1);
}

/* 0x and hex digits, 0x0 for zero (strace's 0x%lx). */
static void put_hex(struct out *l, uint64_t v)
{
	if (!v)
		out_puts(l, "0x0");
	else
		out_hex(l, v);
}

/* Whether another frame fits, else the ones left are said in their place. */
static bool frame_fits(struct out *l, const struct event *ev, unsigned i, bool json)
{
	if (l->len + STACK_LINE_SLACK < l->size)
		return true;
	if (json) {
		out_puts(l, "],\"stack_more\":");
		out_u64(l, ev->nframes - i);
		return false;
	}
	out_puts(l, " > ... ");
	out_u64(l, ev->nframes - i);
	out_puts(l, " more frames\n");
	return false;
}

void stacks_put_text(struct out *l, const struct event *ev)
{
	if (ev->stack_lost) {
		out_puts(l, " > ? stack lost\n");
		return;
	}
	for (unsigned i = 0; i < ev->nframes; i++) {
		const struct sym_frame *f = &ev->frames[i];

		if (!frame_fits(l, ev, i, false))
			return;
		out_puts(l, " > ");
		if (!f->file) {
			out_puts(l, "? [");
			put_hex(l, f->ip);
			out_puts(l, "]\n");
			continue;
		}
		out_escape_c(l, f->file, strlen(f->file));
		out_putc(l, '(');
		if (f->sym) {
			out_escape_c(l, f->sym, strlen(f->sym));
			out_putc(l, '+');
			put_hex(l, f->off);
		}
		out_puts(l, ") [");
		put_hex(l, f->rel);
		out_puts(l, "]\n");
	}
}

void stacks_put_json(struct out *l, const struct event *ev)
{
	if (ev->stack_lost) {
		out_puts(l, ",\"stack_lost\":true");
		return;
	}
	if (!ev->frames)
		return;
	out_puts(l, ",\"stack\":[");
	for (unsigned i = 0; i < ev->nframes; i++) {
		const struct sym_frame *f = &ev->frames[i];

		if (!frame_fits(l, ev, i, true))
			return;
		out_puts(l, i ? ",{\"ip\":\"" : "{\"ip\":\"");
		put_hex(l, f->ip);
		out_puts(l, "\",\"file\":");
		if (f->file)
			out_json_str(l, f->file);
		else
			out_puts(l, "null");
		out_puts(l, ",\"sym\":");
		if (f->sym) {
			out_json_str(l, f->sym);
			out_puts(l, ",\"off\":");
			out_u64(l, f->off);
		} else {
			out_puts(l, "null,\"off\":null");
		}
		out_puts(l, ",\"addr\":\"");
		put_hex(l, f->file ? f->rel : f->ip);
		out_puts(l, "\"}");
	}
	out_putc(l, ']');
}
