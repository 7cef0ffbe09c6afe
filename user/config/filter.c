// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe-file filters: an expression compiled to the kernel's postfix program, and its meaning. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"
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
	switch (t) {
	case UT_S8:
		return set_int_type(f, 8, true);
	case UT_U8:
		return set_int_type(f, 8, false);
	case UT_S16:
		return set_int_type(f, 16, true);
	case UT_U16:
		return set_int_type(f, 16, false);
	case UT_S32:
	case UT_INT:
		return set_int_type(f, 32, true);
	case UT_U32:
		return set_int_type(f, 32, false);
	case UT_S64:
	case UT_LONG:
		return set_int_type(f, 64, true);
	case UT_STR:
		f->is_str = 1;
		return 0;
	case UT_BUF:
	case UT_BUF_LEN:
	case UT_CHARS:
		return -1;
	default: /* u64, ptr, undeclared */
		return set_int_type(f, 64, false);
	}
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

static bool sys_selected(const struct filter_ctx *fc, unsigned nr)
{
	return syscall_table[nr].name && ((fc->syscalls[nr / 64] >> (nr % 64)) & 1);
}

/* Whether argument i gets a capture slot: as syscall_specs assigns them. */
static bool sys_slotted(const struct syscall_desc *d, unsigned i)
{
	unsigned n = 0;

	for (unsigned j = 0; j < d->nargs && j < 6 && n < AT_SLOTS; j++) {
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
		for (j = 0; j < d->nargs && j < 6; j++)
			if (d->argname[j] && !strcmp(d->argname[j], name))
				break;
		if (j == d->nargs || j == 6) {
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
		set_int_type(f, 64, false);
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
			for (unsigned j = 0; j < syscall_table[nr].nargs && j < 6; j++) {
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
	if (!strncmp(name, "arg", 3) && name[3] >= '1' && name[3] <= '6' && !name[4]) {
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
	if (fc->when == PF_WHEN_RETURN)
		return fail(why, whylen, "arguments are not known at return; use when: call");
	if (fc->kind == PF_SYSCALL)
		return sys_arg_field(fc, name, i, f, why, whylen);
	return spec_arg_field(fc, name, i, f, why, whylen);
}

/* Tokens */

enum ftok {
	FT_END,
	FT_LPAREN,
	FT_RPAREN,
	FT_AND,
	FT_OR,
	FT_NOT,
	FT_WORD,  /* a field name */
	FT_NUM,	  /* mag, neg */
	FT_ERRNO, /* -ENAME: the name at pos + 1 */
	FT_STR,	  /* str, slen */
	FT_CMP,	  /* cmp */
};

struct token {
	enum ftok t;
	size_t pos, len;	     /* in the source */
	uint8_t cmp;		     /* FT_CMP: enum at_cmp */
	uint64_t mag;		     /* FT_NUM: magnitude */
	bool neg;		     /* FT_NUM: negative */
	char str[AT_FILTER_STR + 1]; /* FT_STR: the value, NUL-terminated */
	size_t slen;		     /* FT_STR: its length */
};

/* One AST node; the postfix code has exactly one byte per node. */
struct fnode {
	uint8_t op;  /* AT_FOP_AND, AT_FOP_OR, AT_FOP_NOT or AT_FOP_COND | index */
	int8_t l, r; /* operands, -1 for none */
};

struct fparser {
	const char *s;	  /* the expression, quoted in errors */
	size_t pos;	  /* next character to lex */
	struct token tok; /* the current token */
	const struct filter_ctx *fc;
	struct at_filter *out;
	unsigned nconds;
	struct fnode node[AT_FILTER_CODE];
	unsigned nnodes;
	char *err;
	size_t errlen;
};

static __attribute__((format(printf, 3, 4))) int ferr(struct fparser *p, size_t pos,
						      const char *fmt, ...)
{
	va_list ap;
	size_t n;

	n = (size_t)snprintf(p->err, p->errlen, "'%s' column %zu: ", p->s, pos + 1);
	if (n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	if (p->errlen)
		one_line(p->err);
	return -1;
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A decimal or 0x magnitude of s[0..len). */
static bool parse_mag(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10, d;
	uint64_t v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		char c = (char)tolower((unsigned char)s[i]);

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static int lex_string(struct fparser *p, struct token *t)
{
	char q = p->s[p->pos], c;
	size_t n = 0, start = p->pos++;

	for (;;) {
		c = p->s[p->pos];
		if (!c)
			return ferr(p, start, "unterminated string; close it with %c", q);
		p->pos++;
		if (c == q)
			break;
		if (c == '\\') {
			switch (p->s[p->pos]) {
			case '\\':
			case '"':
			case '\'':
				c = p->s[p->pos];
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			default:
				return ferr(
					p, p->pos - 1,
					"unknown escape '\\%c'; use \\\\, \\\", \\', \\n or \\t",
					p->s[p->pos] ? p->s[p->pos] : ' ');
			}
			p->pos++;
		}
		if (n < AT_FILTER_STR)
			t->str[n] = c;
		n++;
	}
	if (n > AT_FILTER_STR)
		return ferr(p, start, "string of %zu bytes is too long; at most %d bytes", n,
			    AT_FILTER_STR);
	t->str[n] = '\0';
	t->slen = n;
	t->t = FT_STR;
	return 0;
}

/* Reads the next token into p->tok. */
static int next(struct fparser *p)
{
	static const struct {
		const char *op;
		uint8_t cmp;
	} cmps[] = {
		/* Two-character operators first so that "<=" is not read as "<". */
		{ "==", AT_CMP_EQ }, { "!=", AT_CMP_NE }, { "<=", AT_CMP_LE },
		{ ">=", AT_CMP_GE }, { "<", AT_CMP_LT },  { ">", AT_CMP_GT },
	};
	struct token *t = &p->tok;
	const char *s = p->s;
	size_t n;

	while (isspace((unsigned char)s[p->pos]))
		p->pos++;
	memset(t, 0, sizeof(*t));
	t->pos = p->pos;
	if (!s[p->pos])
		return 0; /* FT_END */
	if (s[p->pos] == '"' || s[p->pos] == '\'') {
		if (lex_string(p, t))
			return -1;
		t->len = p->pos - t->pos;
		return 0;
	}
	if (s[p->pos] == '(' || s[p->pos] == ')') {
		t->t = s[p->pos++] == '(' ? FT_LPAREN : FT_RPAREN;
		t->len = 1;
		return 0;
	}
	if (isdigit((unsigned char)s[p->pos]) ||
	    (s[p->pos] == '-' && isalnum((unsigned char)s[p->pos + 1]))) {
		bool neg = s[p->pos] == '-';
		size_t b = p->pos + neg;

		for (n = 0; is_word(s[b + n]); n++)
			;
		p->pos = b + n;
		t->len = p->pos - t->pos;
		if (neg && isalpha((unsigned char)s[b])) {
			t->t = FT_ERRNO;
			return 0;
		}
		if (!parse_mag(s + b, n, &t->mag))
			return ferr(p, t->pos,
				    "bad number '%.*s'; expected a decimal or 0x integer",
				    (int)t->len, s + t->pos);
		t->neg = neg;
		t->t = FT_NUM;
		return 0;
	}
	if (isalpha((unsigned char)s[p->pos]) || s[p->pos] == '_') {
		for (n = 0; is_word(s[p->pos + n]); n++)
			;
		t->len = n;
		p->pos += n;
		if (n == 3 && !strncmp(s + t->pos, "and", 3))
			t->t = FT_AND;
		else if (n == 2 && !strncmp(s + t->pos, "or", 2))
			t->t = FT_OR;
		else if (n == 3 && !strncmp(s + t->pos, "not", 3))
			t->t = FT_NOT;
		else if (n == 10 && !strncmp(s + t->pos, "startswith", 10))
			t->t = FT_CMP, t->cmp = AT_CMP_PREFIX;
		else
			t->t = FT_WORD;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cmps); i++) {
		n = strlen(cmps[i].op);
		if (!strncmp(s + p->pos, cmps[i].op, n)) {
			t->t = FT_CMP;
			t->cmp = cmps[i].cmp;
			t->len = n;
			p->pos += n;
			return 0;
		}
	}
	if (!strncmp(s + p->pos, "&&", 2))
		return ferr(p, p->pos, "unexpected '&&'; use 'and'");
	if (!strncmp(s + p->pos, "||", 2))
		return ferr(p, p->pos, "unexpected '||'; use 'or'");
	if (s[p->pos] == '!')
		return ferr(p, p->pos, "unexpected '!'; use 'not' or '!='");
	if (s[p->pos] == '=')
		return ferr(p, p->pos, "unexpected '='; compare with '=='");
	return ferr(p, p->pos,
		    "unexpected '%c'; expected a field, a comparison, 'and', 'or', "
		    "'not' or parentheses",
		    s[p->pos]);
}

/* Parser */

static int add_node(struct fparser *p, size_t pos, uint8_t op, int l, int r, int *out)
{
	if (p->nnodes == AT_FILTER_CODE)
		return ferr(p, pos,
			    "more than %d code bytes (AT_FILTER_CODE: one per condition, and, "
			    "or, not); simplify it, e.g. 'not fd == 1' as 'fd != 1'",
			    AT_FILTER_CODE);
	p->node[p->nnodes] = (struct fnode){ .op = op, .l = (int8_t)l, .r = (int8_t)r };
	*out = (int)p->nnodes++;
	return 0;
}

/* The constant converted to a bits-wide field: C's rules, range [-2^(bits-1), 2^bits - 1]. */
static bool int_value(const struct at_cond *f, uint64_t mag, bool neg, int64_t *val)
{
	unsigned bits = f->bits;
	uint64_t mask = bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
	uint64_t v;

	if (neg ? mag > (1ULL << (bits - 1)) : mag > mask)
		return false;
	v = (neg ? 0 - mag : mag) & mask;
	if (f->is_signed && bits < 64 && ((v >> (bits - 1)) & 1))
		v |= ~mask;
	*val = (int64_t)v;
	return true;
}

static int errno_value(struct fparser *p, const struct token *t, uint64_t *mag)
{
	struct suggest b = { 0 };
	char name[64];
	const char *nm;

	snprintf(name, sizeof(name), "%.*s", (int)(t->len - 1), p->s + t->pos + 1);
	for (int e = 1; e < 4096; e++) {
		nm = errno_name(e);
		if (!nm)
			continue;
		if (!strcmp(nm, name)) {
			*mag = (uint64_t)e;
			return 0;
		}
		suggest_consider(&b, name, nm);
	}
	if (b.name)
		return ferr(p, t->pos, "unknown errno name '%s' (did you mean '%s'?)", name,
			    b.name);
	return ferr(p, t->pos, "unknown errno name '%s'; expected e.g. -ENOENT or -EACCES", name);
}

/* The value side of a comparison with an integer field. */
static int int_operand(struct fparser *p, struct at_cond *f, const char *name)
{
	const struct token *t = &p->tok;
	uint64_t mag = t->mag;
	int64_t val;

	if (t->t == FT_STR)
		return ferr(p, t->pos,
			    "'%s' is an integer and \"%s\" a string; compare it with a number",
			    name, t->str);
	if (t->t == FT_ERRNO) {
		if (f->field != AT_FLD_RET)
			return ferr(p, t->pos,
				    "errno names compare with ret, not '%s'; use a number", name);
		if (errno_value(p, t, &mag))
			return -1;
	} else if (t->t != FT_NUM) {
		return ferr(p, t->pos, "expected a number after the comparison, e.g. '%s > 0'",
			    name);
	}
	if (!int_value(f, mag, t->t == FT_ERRNO || t->neg, &val))
		return ferr(p, t->pos,
			    "%.*s is out of range for '%s' (%s %u bits); use a value "
			    "that fits",
			    (int)t->len, p->s + t->pos, name, f->is_signed ? "signed" : "unsigned",
			    f->bits);
	f->val = val;
	return 0;
}

/* FIELD OP VALUE */
static int parse_cond(struct fparser *p, int *out)
{
	struct token field = p->tok;
	struct at_cond f;
	char name[64], why[512];
	size_t cmp_pos;

	snprintf(name, sizeof(name), "%.*s", (int)field.len, p->s + field.pos);
	if (p->nconds == AT_FILTER_CONDS)
		return ferr(p, field.pos,
			    "more than %d conditions; at most %d per filter "
			    "(AT_FILTER_CONDS)",
			    AT_FILTER_CONDS, AT_FILTER_CONDS);
	if (filter_field(p->fc, name, &f, why, sizeof(why)))
		return ferr(p, field.pos, "%s", why);
	if (next(p))
		return -1;
	if (p->tok.t != FT_CMP)
		return ferr(p, p->tok.pos, "expected a comparison after '%s'; one of %s", name,
			    f.is_str ? "==, != or startswith" : "==, !=, <, <=, >, >=");
	f.cmp = p->tok.cmp;
	cmp_pos = p->tok.pos;
	if (f.is_str && f.cmp != AT_CMP_EQ && f.cmp != AT_CMP_NE && f.cmp != AT_CMP_PREFIX)
		return ferr(p, cmp_pos, "'%s' is a string; compare it with ==, != or startswith",
			    name);
	if (!f.is_str && f.cmp == AT_CMP_PREFIX)
		return ferr(p, cmp_pos,
			    "startswith applies to strings and '%s' is an integer; "
			    "use ==, !=, <, <=, > or >=",
			    name);
	if (next(p))
		return -1;
	if (f.is_str) {
		if (p->tok.t != FT_STR)
			return ferr(p, p->tok.pos, "'%s' is a string; compare it with a \"string\"",
				    name);
		if (f.field == AT_FLD_COMM && p->tok.slen > COMM_MAX)
			return ferr(
				p, p->tok.pos,
				"comm is at most %d bytes and \"%s\" has %zu; it can never match",
				COMM_MAX, p->tok.str, p->tok.slen);
		memcpy(f.str, p->tok.str, p->tok.slen);
		f.slen = (uint8_t)p->tok.slen;
	} else if (int_operand(p, &f, name)) {
		return -1;
	}
	p->out->cond[p->nconds] = f;
	if (add_node(p, field.pos, AT_FOP_COND | p->nconds, -1, -1, out))
		return -1;
	p->nconds++;
	return next(p);
}

static int parse_or(struct fparser *p, int *out);

/* FACTOR := 'not' FACTOR | '(' EXPR ')' | FIELD OP VALUE */
static int parse_factor(struct fparser *p, int *out)
{
	size_t pos = p->tok.pos;
	int x;

	switch (p->tok.t) {
	case FT_NOT:
		if (next(p) || parse_factor(p, &x))
			return -1;
		return add_node(p, pos, AT_FOP_NOT, x, -1, out);
	case FT_LPAREN:
		if (next(p) || parse_or(p, out))
			return -1;
		if (p->tok.t != FT_RPAREN)
			return ferr(p, p->tok.pos,
				    "missing ')' for the '(' at column %zu; close it", pos + 1);
		return next(p);
	case FT_WORD:
		return parse_cond(p, out);
	case FT_END:
		return ferr(p, pos, "expected a condition, found the end; e.g. 'size > 4096'");
	default:
		return ferr(p, pos,
			    "unexpected '%.*s'; expected a condition (FIELD OP VALUE), "
			    "'not' or '('",
			    (int)p->tok.len, p->s + pos);
	}
}

/* TERM := FACTOR { 'and' FACTOR } */
static int parse_and(struct fparser *p, int *out)
{
	int l, r;

	if (parse_factor(p, &l))
		return -1;
	while (p->tok.t == FT_AND) {
		size_t pos = p->tok.pos;

		if (next(p) || parse_factor(p, &r) || add_node(p, pos, AT_FOP_AND, l, r, &l))
			return -1;
	}
	*out = l;
	return 0;
}

/* EXPR := TERM { 'or' TERM } */
static int parse_or(struct fparser *p, int *out)
{
	int l, r;

	if (parse_and(p, &l))
		return -1;
	while (p->tok.t == FT_OR) {
		size_t pos = p->tok.pos;

		if (next(p) || parse_and(p, &r) || add_node(p, pos, AT_FOP_OR, l, r, &l))
			return -1;
	}
	*out = l;
	return 0;
}

/* Postfix: operands first, then the operator. */
static void emit(struct fparser *p, int i)
{
	const struct fnode *nd = &p->node[i];

	if (nd->l >= 0)
		emit(p, nd->l);
	if (nd->r >= 0)
		emit(p, nd->r);
	p->out->code[p->out->ncode++] = nd->op;
}

int filter_compile(const char *src, const struct filter_ctx *fc, struct at_filter *out, char *err,
		   size_t errlen)
{
	struct fparser p = { .s = src, .fc = fc, .out = out, .err = err, .errlen = errlen };
	int root;

	memset(out, 0, sizeof(*out));
	if (next(&p))
		goto err;
	if (p.tok.t == FT_END) {
		ferr(&p, 0, "empty filter; expected e.g. 'size > 4096'");
		goto err;
	}
	if (parse_or(&p, &root))
		goto err;
	if (p.tok.t == FT_RPAREN) {
		ferr(&p, p.tok.pos, "unexpected ')'; there is no '(' to close");
		goto err;
	}
	if (p.tok.t != FT_END) {
		ferr(&p, p.tok.pos, "unexpected '%.*s'; expected 'and', 'or' or the end",
		     (int)p.tok.len, src + p.tok.pos);
		goto err;
	}
	emit(&p, root);
	out->ncond = (__u8)p.nconds;
	return 0;
err:
	memset(out, 0, sizeof(*out));
	return -1;
}
