// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe-file filters: an expression compiled to the kernel's postfix program, and its meaning. */
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "filter_parse.h"
#include "suggest.h"
#include "syscalls.h"
#include "util.h"

/*
 * Filters
 *
 * Fields are resolved in this order: ret pid tid uid comm, then argN, then
 * argument names (an argument named like a built-in is reached as argN).
 * at_cond.val holds the operand converted to the field's type as C would
 * (sign- or zero-extended from bits), the way the kernel compares it.
 */

static int set_int_type(struct at_cond *f, unsigned bits, bool is_signed)
{
	f->bits = bits;
	f->is_signed = is_signed;
	return 0;
}

/* A SPEC argument or return type as a field; -1 for buffers, which do not compare. */
static int utype_field(uint8_t t, struct at_cond *f)
{
	const struct utype_info *ti = utype_info(t);

	if (ti->kind == UK_STR) {
		f->is_str = 1;
		return 0;
	}
	if (ti->kind == UK_BUF || ti->kind == UK_REF)
		return -1;
	/* A pointer or no type (undeclared): 64 bits unsigned. */
	if (ti->kind != UK_INT)
		return set_int_type(f, 64, false);
	return set_int_type(f, ti->bits, ti->is_signed);
}

/* A syscall argument kind as a field. */
static void kind_field(uint8_t kind, struct at_cond *f)
{
	switch (kind) {
	case ARG_INT:
	case ARG_FD:
	case ARG_DIRFD:
		set_int_type(f, 32, true);
		break;
	case ARG_LONG:
		set_int_type(f, 64, true);
		break;
	case ARG_PATH:
	case ARG_STR:
		f->is_str = 1;
		break;
	default:
		set_int_type(f, 64, false);
	}
}

/*
 * Whether the probe's selection has syscall key nr, for naming and typing a
 * filter's arguments: the x86-64 calls only. A 32-bit call (int $0x80) of a
 * selected name is selected too and filtered on the same argument positions
 * (the same names and order, but in the few calls whose i386 form differs).
 */
static bool sys_selected(const struct filter_ctx *fc, unsigned nr)
{
	return nr < AT_NR_COMPAT && syscall_table[nr].name &&
	       ((fc->syscalls[nr / 64] >> (nr % 64)) & 1);
}

/* Whether argument i gets a capture slot: as syscall_specs assigns them. */
static bool sys_slotted(const struct syscall_desc *d, unsigned i)
{
	unsigned n = 0;

	for (unsigned j = 0; j < d->nargs && j < AT_MAX_ARGS && n < AT_SLOTS; j++) {
		switch (d->arg[j]) {
		case ARG_PATH:
		case ARG_STR:
		case ARG_BUF_IN:
		case ARG_BUF_OUT:
			if (j == i)
				return true;
			n++;
			break;
		}
	}
	return false;
}

/* Argument i of every selected syscall, which must agree on its type. */
static int sys_arg_field(const struct filter_ctx *fc, const char *name, unsigned i,
			 struct at_cond *f, char *why, size_t whylen)
{
	const struct syscall_desc *first = NULL;
	struct at_cond t;

	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct syscall_desc *d = &syscall_table[nr];

		if (!sys_selected(fc, nr))
			continue;
		if (i >= d->nargs)
			return fail(why, whylen,
				    "%s takes %u argument%s, there is no '%s'; select "
				    "syscalls that have it",
				    d->name, d->nargs, d->nargs == 1 ? "" : "s", name);
		memset(&t, 0, sizeof(t));
		kind_field(d->arg[i], &t);
		if (t.is_str && !sys_slotted(d, i))
			return fail(why, whylen,
				    "'%s' of %s is not captured (only the first %d string or "
				    "buffer arguments are); filter on another argument",
				    name, d->name, AT_SLOTS);
		if (!first) {
			first = d;
			*f = t;
		} else if (t.is_str != f->is_str || t.bits != f->bits ||
			   t.is_signed != f->is_signed) {
			return fail(why, whylen,
				    "'%s' has different types in %s and %s; split the probe", name,
				    first->name, d->name);
		}
	}
	f->field = AT_FLD_ARG0 + i;
	return 0;
}

/* A syscall argument by name: the same position in every selected syscall. 1 if unknown. */
static int sys_arg_index(const struct filter_ctx *fc, const char *name, unsigned *idx, char *why,
			 size_t whylen)
{
	const struct syscall_desc *have = NULL, *miss = NULL;
	int at_first = -1;

	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct syscall_desc *d = &syscall_table[nr];
		int j;

		if (!sys_selected(fc, nr))
			continue;
		for (j = 0; j < d->nargs && j < AT_MAX_ARGS; j++)
			if (d->argname[j] && !strcmp(d->argname[j], name))
				break;
		if (j == d->nargs || j == AT_MAX_ARGS) {
			miss = miss ? miss : d;
			continue;
		}
		if (!have) {
			have = d;
			at_first = j;
		} else if (j != at_first) {
			return fail(why, whylen,
				    "'%s' is argument %d of %s but argument %d of %s; use arg%d or "
				    "arg%d",
				    name, at_first + 1, have->name, j + 1, d->name, at_first + 1,
				    j + 1);
		}
	}
	if (!have)
		return 1;
	if (miss)
		return fail(why, whylen,
			    "'%s' is not an argument of %s; use argN, or a probe per "
			    "syscall",
			    name, miss->name);
	*idx = at_first;
	return 0;
}

/* Argument i of a function or USDT probe. */
static int spec_arg_field(const struct filter_ctx *fc, const char *name, unsigned i,
			  struct at_cond *f, char *why, size_t whylen)
{
	const struct uspec *u = fc->spec;
	unsigned slots = 0;

	if (i >= u->nargs) {
		/* Undeclared function arguments are raw registers; USDT ones do not exist. */
		if (fc->kind == PF_USDT)
			return fail(
				why, whylen,
				"the probe declares %u argument%s, there is no '%s'; declare it "
				"in args",
				u->nargs, u->nargs == 1 ? "" : "s", name);
		/* After Go types, an undeclared argument's register may be past Go's nine. */
		if (u->go_arg >= 0 && u->go_regs + (i - u->nargs) >= USPEC_GO_REGS)
			return fail(why, whylen,
				    "'%s' would be in Go register %u, there are %d; declare the "
				    "arguments before it",
				    name, u->go_regs + (i - u->nargs) + 1, USPEC_GO_REGS);
		set_int_type(f, 64, false);
	} else if (u->args[i].type == UT_REF) {
		return fail(why, whylen,
			    "'%s' is an integer read through a pointer (%s*) and does not compare; "
			    "filter on another argument",
			    name, utype_name(u->args[i].ref));
	} else if (u->args[i].deref && u->args[i].type == UT_NONE) {
		return fail(why, whylen,
			    "'%s' is typed from DWARF when the probe attaches; give its type "
			    "(e.g. 'str %s' or 's32 %s') to filter on it",
			    name, u->derefs[u->args[i].deref - 1].text,
			    u->derefs[u->args[i].deref - 1].text);
	} else if (utype_field(u->args[i].type, f)) {
		return fail(why, whylen,
			    "'%s' is a %s argument and does not compare; use str "
			    "or an integer type",
			    name, utype_name(u->args[i].type));
	}
	for (unsigned j = 0; j < i && j < u->nargs; j++)
		slots += u->args[j].type >= UT_STR;
	if (f->is_str && slots >= AT_SLOTS)
		return fail(why, whylen,
			    "'%s' is not captured (only the first %d string or buffer arguments "
			    "are); filter on another argument",
			    name, AT_SLOTS);
	f->field = AT_FLD_ARG0 + i;
	return 0;
}

static int unknown_field(const struct filter_ctx *fc, const char *name, char *why, size_t whylen)
{
	static const char *const builtin[] = { "ret", "pid", "tid", "uid", "comm" };
	char names[256] = "";
	struct suggest b = { 0 };
	size_t len = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(builtin); i++)
		suggest_consider(&b, name, builtin[i]);
	if (fc->kind != PF_SYSCALL) {
		for (unsigned i = 0; i < fc->spec->nargs; i++) {
			suggest_consider(&b, name, fc->spec->args[i].name);
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s, ",
						fc->spec->args[i].name);
			if (len >= sizeof(names))
				break;
		}
	} else {
		for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
			if (!sys_selected(fc, nr))
				continue;
			for (unsigned j = 0; j < syscall_table[nr].nargs && j < AT_MAX_ARGS; j++) {
				if (!syscall_table[nr].argname[j])
					continue;
				suggest_consider(&b, name, syscall_table[nr].argname[j]);
				if (len < sizeof(names))
					len += (size_t)snprintf(names + len, sizeof(names) - len,
								"%s, ",
								syscall_table[nr].argname[j]);
			}
			break; /* the names of the first selected syscall */
		}
	}
	if (!strncmp(name, "arg", 3) && name[3] &&
	    strspn(name + 3, "0123456789") == strlen(name + 3))
		return fail(why, whylen, "there is no '%s'; arguments are arg1 to arg6", name);
	if (b.name)
		return fail(why, whylen, "unknown field '%s' (did you mean '%s'?)", name, b.name);
	return fail(why, whylen,
		    "unknown field '%s'; fields: %sarg1..arg6, ret, pid, tid, uid, comm", name,
		    names);
}

/* What a field name compares: at_cond's field, bits, is_signed and is_str. */
int filter_field(const struct filter_ctx *fc, const char *name, struct at_cond *f, char *why,
		 size_t whylen)
{
	unsigned i = 0;
	int r;

	memset(f, 0, sizeof(*f));
	if (!strcmp(name, "ret")) {
		if (fc->kind == PF_USDT)
			return fail(why, whylen, "usdt probes have no return value (ret)");
		if (fc->when == PF_WHEN_ENTRY)
			return fail(why, whylen,
				    "ret is not known at entry; use when: call or return");
		f->field = AT_FLD_RET;
		if (fc->kind == PF_SYSCALL)
			return set_int_type(f, 64, true);
		utype_field(fc->spec->ret_type, f);
		return 0;
	}
	if (!strcmp(name, "pid") || !strcmp(name, "tid") || !strcmp(name, "uid")) {
		f->field = name[0] == 'p' ? AT_FLD_PID : name[0] == 't' ? AT_FLD_TID : AT_FLD_UID;
		return set_int_type(f, 32, false);
	}
	if (!strcmp(name, "comm")) {
		f->field = AT_FLD_COMM;
		f->is_str = 1;
		return 0;
	}
	if (!strncmp(name, "arg", 3) && name[3] >= '1' && name[3] <= '0' + AT_MAX_ARGS &&
	    !name[4]) {
		i = name[3] - '1';
	} else if (fc->kind == PF_SYSCALL) {
		r = sys_arg_index(fc, name, &i, why, whylen);
		if (r)
			return r < 0 ? -1 : unknown_field(fc, name, why, whylen);
	} else {
		for (i = 0; i < fc->spec->nargs && strcmp(fc->spec->args[i].name, name); i++)
			;
		if (i == fc->spec->nargs)
			return unknown_field(fc, name, why, whylen);
	}
	/* A function probe at return with arguments declared saves them at entry (probetab.c). */
	if (fc->when == PF_WHEN_RETURN && (fc->kind == PF_SYSCALL || !fc->spec->nargs))
		return fail(why, whylen,
			    fc->kind == PF_SYSCALL ?
				    "arguments are not known at return; use when: call" :
				    "arguments are not known at return unless declared (args: or "
				    "the SPEC's); use when: call");
	if (fc->kind == PF_SYSCALL)
		return sys_arg_field(fc, name, i, f, why, whylen);
	return spec_arg_field(fc, name, i, f, why, whylen);
}

int filter_compile(const char *src, const struct filter_ctx *fc, struct at_filter *out, char *err,
		   size_t errlen)
{
	struct fparser p = { .s = src, .fc = fc, .out = out, .err = err, .errlen = errlen };
	int root;

	memset(out, 0, sizeof(*out));
	if (fparser__next(&p))
		goto err;
	if (p.tok.t == FT_END) {
		fparser__err(&p, 0, "empty filter; expected e.g. 'size > 4096'");
		goto err;
	}
	if (fparser__parse_expr(&p, &root))
		goto err;
	if (p.tok.t == FT_RPAREN) {
		fparser__err(&p, p.tok.pos, "unexpected ')'; there is no '(' to close");
		goto err;
	}
	if (p.tok.t != FT_END) {
		fparser__err(&p, p.tok.pos, "unexpected '%.*s'; expected 'and', 'or' or the end",
			     (int)p.tok.len, src + p.tok.pos);
		goto err;
	}
	fparser__emit(&p, root);
	out->ncond = (__u8)p.nconds;
	return 0;
err:
	memset(out, 0, sizeof(*out));
	return -1;
}
