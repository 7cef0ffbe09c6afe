// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function-call events rendered by the types their SPEC gave. */
#include <stdbool.h>
#include <string.h>

#include "decode_func.h"
#include "probes.h"
#include "uspec.h"

/* An address: NULL when 0, else hex (a JSON string). */
static void put_ptr(struct out *o, uint64_t v, bool json)
{
	if (!v) {
		out_puts(o, json ? "null" : "NULL");
		return;
	}
	if (json)
		out_putc(o, '"');
	out_hex(o, v);
	if (json)
		out_putc(o, '"');
}

/* A value of an integer-class type, with the type's width and sign; an address otherwise. */
static void put_int(struct out *o, uint8_t t, uint64_t v, bool json)
{
	const struct utype_info *ti = utype_info(t);
	unsigned shift = 64 - ti->bits;

	if (ti->kind != UK_INT) {
		put_ptr(o, v, json);
		return;
	}
	/* Cut to the type's width: shifted to the top and back, sign-extending signed ones. */
	if (ti->is_signed)
		out_i64(o, (int64_t)(v << shift) >> shift);
	else
		out_u64(o, v << shift >> shift);
}

static void put_bytes(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	size_t n = a->len;

	/* A Go string's pointer may be nil when it is empty: its bytes are "" all the same. */
	bool null = !a->value && a->type != UT_GOSTR;

	if (null || !a->bytes || (a->flags & EVA_FAULTED) || (ev->flags & EV_RETURN_ONLY)) {
		put_ptr(o, a->value, json);
		return;
	}
	if (a->type == UT_CHARS)
		n = strnlen(a->bytes, n);
	out_putc(o, '"');
	if (json)
		out_escape_json(o, a->bytes, n);
	else
		out_escape_c(o, a->bytes, n);
	out_putc(o, '"');
	if (!json && (a->flags & EVA_TRUNCATED))
		out_puts(o, "...");
}

/*
 * A Go slice, its bytes with their length and capacity, or a Go interface,
 * its type and data words: JSON objects, "(len=N cap=M)" after the bytes and
 * "{type=T data=D}" in text.
 */
static void put_go(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	bool iface = a->type == UT_GOIFACE;

	if (json)
		out_puts(o, iface ? "{\"type\":" : "{\"bytes\":");
	else if (iface)
		out_puts(o, "{type=");
	if (iface)
		put_ptr(o, a->value, json);
	else
		put_bytes(o, ev, a, json);
	out_puts(o, iface ? (json ? ",\"data\":" : " data=") : (json ? ",\"len\":" : "(len="));
	if (iface) {
		put_ptr(o, a->more[0], json);
	} else {
		out_u64(o, a->more[0]);
		out_puts(o, json ? ",\"cap\":" : " cap=");
		out_u64(o, a->more[1]);
	}
	out_putc(o, json ? '}' : iface ? '}' : ')');
}

/*
 * The integer an INT* argument points to, as read at entry or return: the
 * integer, in text in brackets as strace shows it ([42]); its address when
 * it was not read (NULL, unreadable, a failing call's out-argument).
 */
static void put_ref(struct out *o, const struct event *ev, const struct event_arg *a, bool json)
{
	unsigned size = utype_info(a->ref)->bits / 8;
	uint64_t v = 0;

	if (!a->value || !a->bytes || (a->flags & EVA_FAULTED) || (ev->flags & EV_RETURN_ONLY) ||
	    !size || a->len != size || size > sizeof(v)) {
		put_ptr(o, a->value, json);
		return;
	}
	memcpy(&v, a->bytes, size); /* little-endian: the low bytes */
	if (!json)
		out_putc(o, '[');
	put_int(o, a->ref, v, json);
	if (!json)
		out_putc(o, ']');
}

/*
 * An argument's value by its type: bytes, an integer, an address; whole: a Go
 * slice or interface with all its words (else, for the scalar an OTLP
 * attribute takes, a slice's bytes and an interface's type word).
 */
static void put_value(struct out *o, const struct event *ev, const struct event_arg *a, bool json,
		      bool whole)
{
	uint8_t kind = utype_info(a->type)->kind;

	if (a->flags & EVA_DFAULT) {
		/* A dereference that could not read: the address it stopped at. */
		if (json && !whole) {
			out_puts(o, "null");
			return;
		}
		out_puts(o, json ? "{\"fault\":\"" : "<fault at ");
		if (a->value)
			out_hex(o, a->value);
		else
			out_puts(o, "0x0");
		out_puts(o, json ? "\"}" : ">");
		return;
	}
	if (whole && (a->type == UT_GOBYTES || a->type == UT_GOIFACE))
		put_go(o, ev, a, json);
	else if (kind == UK_STR || kind == UK_BUF)
		put_bytes(o, ev, a, json);
	else if (kind == UK_REF)
		put_ref(o, ev, a, json);
	else
		put_int(o, a->type, a->value, json);
}

void func_put_args(struct out *o, const struct event *ev, bool json)
{
	for (unsigned i = 0; i < ev->nargs; i++) {
		const struct event_arg *a = &ev->args[i];

		if (i)
			out_puts(o, json ? "," : ", ");
		if (json) {
			out_json_str(o, a->name);
			out_putc(o, ':');
		} else {
			out_puts(o, a->name);
			out_putc(o, '=');
		}
		put_value(o, ev, a, json, true);
	}
}

void func_put_arg_json(struct out *o, const struct event *ev, unsigned i)
{
	if (i < ev->nargs)
		put_value(o, ev, &ev->args[i], true, false);
	else
		out_puts(o, "null");
}

/* Result word k of a Go call: RAX, RBX, RCX. */
static uint64_t ret_word(const struct event *ev, unsigned k)
{
	return k == 0 ? (uint64_t)ev->ret : k < AT_RET_WORDS ? ev->ret_more[k - 1] : 0;
}

/*
 * Go results, in order: "(5, nil)", "(0, error{type=0x.. data=0x..})" in
 * text, [5,null] and [0,{"type":..,"data":..}] in JSON; one result alone
 * (an interface, an error) without the parentheses.
 */
static void put_results(struct out *o, const struct event *ev, bool json)
{
	const struct uspec *u = &ev->probe->spec;
	unsigned k = 0;

	if (u->nrets > 1)
		out_putc(o, json ? '[' : '(');
	for (unsigned i = 0; i < u->nrets; i++) {
		const struct utype_info *ti = utype_info(u->rets[i]);
		uint64_t w = ret_word(ev, k);

		if (i)
			out_puts(o, json ? "," : ", ");
		if (ti->kind != UK_IFACE) {
			put_int(o, u->rets[i], w, json);
		} else if (!w) {
			out_puts(o, json ? "null" : "nil");
		} else {
			/* An interface: its type word and data word. */
			out_puts(o, json		 ? "{\"type\":" :
				    (int)i == u->err_ret ? "error{type=" :
							   "{type=");
			put_ptr(o, w, json);
			out_puts(o, json ? ",\"data\":" : " data=");
			put_ptr(o, ret_word(ev, k + 1), json);
			out_putc(o, '}');
		}
		k += ti->words;
	}
	if (u->nrets > 1)
		out_putc(o, json ? ']' : ')');
}

void func_put_ret(struct out *o, const struct event *ev, bool json)
{
	if (ev->flags & EV_ENTRY_ONLY) {
		out_puts(o, json ? "null" : "?");
	} else if (ev->probe->spec.ret_type == UT_NONE) {
		/* No type given: the register as it is, 0x0 included. */
		if (json)
			out_putc(o, '"');
		if (ev->ret)
			out_hex(o, (uint64_t)ev->ret);
		else
			out_puts(o, "0x0");
		if (json)
			out_putc(o, '"');
	} else if (uspec_go_results(&ev->probe->spec)) {
		put_results(o, ev, json);
	} else {
		put_int(o, ev->probe->spec.ret_type, (uint64_t)ev->ret, json);
	}
}

void func_put_ret_scalar(struct out *o, const struct event *ev)
{
	if ((ev->flags & EV_ENTRY_ONLY) || !uspec_go_results(&ev->probe->spec))
		func_put_ret(o, ev, true);
	else
		put_int(o, ev->probe->spec.rets[0], (uint64_t)ev->ret, true);
}
