// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function-call records decoded by the types their SPEC gave. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode_func.h"
#include "syscalls.h"

/* Appends to buf at *len like snprintf, tracking the full length. */
static void put(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

/* A value of an integer-class type, with the type's width and sign. */
static void put_int(char *buf, size_t size, size_t *len, uint8_t t, uint64_t v, bool json)
{
	switch (t) {
	case UT_S8:
		put(buf, size, len, "%d", (int8_t)v);
		return;
	case UT_U8:
		put(buf, size, len, "%u", (uint8_t)v);
		return;
	case UT_S16:
		put(buf, size, len, "%d", (int16_t)v);
		return;
	case UT_U16:
		put(buf, size, len, "%u", (uint16_t)v);
		return;
	case UT_S32:
	case UT_INT:
		put(buf, size, len, "%d", (int32_t)v);
		return;
	case UT_U32:
		put(buf, size, len, "%u", (uint32_t)v);
		return;
	case UT_S64:
	case UT_LONG:
		put(buf, size, len, "%lld", (long long)v);
		return;
	case UT_U64:
		put(buf, size, len, "%llu", (unsigned long long)v);
		return;
	default:
		if (!v)
			put(buf, size, len, json ? "null" : "NULL");
		else
			put(buf, size, len, json ? "\"0x%llx\"" : "0x%llx", (unsigned long long)v);
	}
}

/* Slot holding argument i, or -1. */
static int slot_of(const struct at_call_rec *r, unsigned i)
{
	for (int s = 0; s < AT_SLOTS; s++)
		if (r->slot_arg[s] == i)
			return s;
	return -1;
}

static void put_bytes(char *buf, size_t size, size_t *len, const struct at_call_rec *r, unsigned i,
		      uint8_t t, bool json)
{
	char esc[AT_STR_MAX * 6 + 1];
	int s = slot_of(r, i);
	size_t n;

	if (!r->args[i] || s < 0 || (r->flags & (AT_CALL_FAULT0 << s)) ||
	    (r->flags & AT_CALL_RETURN_ONLY)) {
		put_int(buf, size, len, UT_PTR, r->args[i], json);
		return;
	}
	n = r->slot_len[s];
	if (t == UT_CHARS)
		n = strnlen(r->slot[s], n);
	if (json)
		escape_json(r->slot[s], n, esc, sizeof(esc));
	else
		escape_c(r->slot[s], n, esc, sizeof(esc));
	put(buf, size, len, "\"%s\"%s", esc,
	    !json && (r->flags & (AT_CALL_TRUNC0 << s)) ? "..." : "");
}

static size_t args(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size,
		   bool json)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (r->flags & AT_CALL_RETURN_ONLY)
		return 0;
	for (unsigned i = 0; i < p->spec.nargs && i < 6; i++) {
		const struct uarg *a = &p->spec.args[i];

		put(buf, size, &len, json ? "%s\"%s\":" : "%s%s=", i ? (json ? "," : ", ") : "",
		    a->name);
		if (a->type == UT_STR || a->type == UT_BUF || a->type == UT_BUF_LEN ||
		    a->type == UT_CHARS)
			put_bytes(buf, size, &len, r, i, a->type, json);
		else
			put_int(buf, size, &len, a->type, r->args[i], json);
	}
	return len;
}

size_t fdecode_args(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size)
{
	return args(r, p, buf, size, false);
}

size_t fdecode_args_json(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size)
{
	return args(r, p, buf, size, true);
}

static size_t ret(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size,
		  bool json)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (r->flags & AT_CALL_ENTRY_ONLY)
		put(buf, size, &len, json ? "null" : "?");
	else if (p->spec.ret_type == UT_NONE)
		put(buf, size, &len, json ? "\"0x%llx\"" : "0x%llx", (unsigned long long)r->ret);
	else
		put_int(buf, size, &len, p->spec.ret_type, (uint64_t)r->ret, json);
	return len;
}

size_t fdecode_ret(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size)
{
	return ret(r, p, buf, size, false);
}

size_t fdecode_ret_json(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size)
{
	return ret(r, p, buf, size, true);
}
