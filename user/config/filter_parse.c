// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Filter expressions, parsed: conditions checked against their fields, and/or/not into postfix. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "eval.h"
#include "filter_parse.h"
#include "suggest.h"
#include "syscalls.h"

static int add_node(struct fparser *p, size_t pos, uint8_t op, int l, int r, int *out)
{
	if (p->nnodes == AT_FILTER_CODE)
		return fparser__err(
			p, pos,
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
	for (int e = 1; e <= AT_MAX_ERRNO; e++) {
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
		return fparser__err(p, t->pos, "unknown errno name '%s' (did you mean '%s'?)", name,
				    b.name);
	return fparser__err(p, t->pos, "unknown errno name '%s'; expected e.g. -ENOENT or -EACCES",
			    name);
}

/* The value side of a comparison with an integer field. */
static int int_operand(struct fparser *p, struct at_cond *f, const char *name)
{
	const struct token *t = &p->tok;
	uint64_t mag = t->mag;
	int64_t val;

	if (t->t == FT_STR)
		return fparser__err(
			p, t->pos,
			"'%s' is an integer and \"%s\" a string; compare it with a number", name,
			t->str);
	if (t->t == FT_ERRNO) {
		if (f->field != AT_FLD_RET)
			return fparser__err(p, t->pos,
					    "errno names compare with ret, not '%s'; use a number",
					    name);
		if (errno_value(p, t, &mag))
			return -1;
	} else if (t->t != FT_NUM) {
		return fparser__err(p, t->pos,
				    "expected a number after the comparison, e.g. '%s > 0'", name);
	}
	if (!int_value(f, mag, t->t == FT_ERRNO || t->neg, &val))
		return fparser__err(p, t->pos,
				    "%.*s is out of range for '%s' (%s %u bits); use a value "
				    "that fits",
				    (int)t->len, p->s + t->pos, name,
				    f->is_signed ? "signed" : "unsigned", f->bits);
	f->val = val;
	return 0;
}

/* What a string field compares with, in error messages. */
#define STR_OPS "==, !=, startswith, istartswith or iequals"

/* FIELD OP VALUE */
static int parse_cond(struct fparser *p, int *out)
{
	struct token field = p->tok;
	struct at_cond f;
	char name[64], why[512];
	size_t cmp_pos;
	bool str_op;

	snprintf(name, sizeof(name), "%.*s", (int)field.len, p->s + field.pos);
	if (p->nconds == AT_FILTER_CONDS)
		return fparser__err(p, field.pos,
				    "more than %d conditions; at most %d per filter "
				    "(AT_FILTER_CONDS)",
				    AT_FILTER_CONDS, AT_FILTER_CONDS);
	if (filter_field(p->fc, name, &f, why, sizeof(why)))
		return fparser__err(p, field.pos, "%s", why);
	if (fparser__next(p))
		return -1;
	if (p->tok.t != FT_CMP)
		return fparser__err(p, p->tok.pos, "expected a comparison after '%s'; one of %s",
				    name, f.is_str ? STR_OPS : "==, !=, <, <=, >, >=");
	f.cmp = p->tok.cmp;
	cmp_pos = p->tok.pos;
	str_op = f.cmp == AT_CMP_PREFIX || f.cmp == AT_CMP_IPREFIX || f.cmp == AT_CMP_IEQ;
	if (f.is_str && f.cmp != AT_CMP_EQ && f.cmp != AT_CMP_NE && !str_op)
		return fparser__err(p, cmp_pos, "'%s' is a string; compare it with " STR_OPS, name);
	if (!f.is_str && str_op)
		return fparser__err(p, cmp_pos,
				    "%.*s applies to strings and '%s' is an integer; "
				    "use ==, !=, <, <=, > or >=",
				    (int)p->tok.len, p->s + p->tok.pos, name);
	if (fparser__next(p))
		return -1;
	if (f.is_str) {
		if (p->tok.t != FT_STR)
			return fparser__err(p, p->tok.pos,
					    "'%s' is a string; compare it with a \"string\"", name);
		if (f.field == AT_FLD_COMM && p->tok.slen > COMM_MAX)
			return fparser__err(
				p, p->tok.pos,
				"comm is at most %d bytes and \"%s\" has %zu; it can never match",
				COMM_MAX, p->tok.str, p->tok.slen);
		memcpy(f.str, p->tok.str, p->tok.slen);
		f.slen = (uint8_t)p->tok.slen;
		/* The kernel folds only the captured side; the operand is folded once here. */
		if (f.cmp == AT_CMP_IPREFIX || f.cmp == AT_CMP_IEQ)
			for (size_t i = 0; i < f.slen; i++)
				f.str[i] = (char)tolower((unsigned char)f.str[i]);
	} else if (int_operand(p, &f, name)) {
		return -1;
	}
	p->out->cond[p->nconds] = f;
	if (add_node(p, field.pos, AT_FOP_COND | p->nconds, -1, -1, out))
		return -1;
	p->nconds++;
	return fparser__next(p);
}

/* FACTOR := 'not' FACTOR | '(' EXPR ')' | FIELD OP VALUE */
static int parse_factor(struct fparser *p, int *out)
{
	size_t pos = p->tok.pos;
	int x;

	switch (p->tok.t) {
	case FT_NOT:
		if (fparser__next(p) || parse_factor(p, &x))
			return -1;
		return add_node(p, pos, AT_FOP_NOT, x, -1, out);
	case FT_LPAREN:
		if (fparser__next(p) || fparser__parse_expr(p, out))
			return -1;
		if (p->tok.t != FT_RPAREN)
			return fparser__err(p, p->tok.pos,
					    "missing ')' for the '(' at column %zu; close it",
					    pos + 1);
		return fparser__next(p);
	case FT_WORD:
		return parse_cond(p, out);
	case FT_END:
		return fparser__err(p, pos,
				    "expected a condition, found the end; e.g. 'size > 4096'");
	default:
		return fparser__err(p, pos,
				    "unexpected '%.*s'; expected a condition (FIELD OP VALUE), "
				    "'not' or '('",
				    (int)p->tok.len, p->s + pos);
	}
}

/* SUB { OP SUB }, left-associative: a TERM of FACTORs ('and'), an EXPR of TERMs ('or'). */
static int parse_chain(struct fparser *p, enum ftok op_tok, uint8_t op,
		       int (*sub)(struct fparser *, int *), int *out)
{
	int l, r;

	if (sub(p, &l))
		return -1;
	while (p->tok.t == op_tok) {
		size_t pos = p->tok.pos;

		if (fparser__next(p) || sub(p, &r) || add_node(p, pos, op, l, r, &l))
			return -1;
	}
	*out = l;
	return 0;
}

/* TERM := FACTOR { 'and' FACTOR } */
static int parse_and(struct fparser *p, int *out)
{
	return parse_chain(p, FT_AND, AT_FOP_AND, parse_factor, out);
}

/* EXPR := TERM { 'or' TERM } */
int fparser__parse_expr(struct fparser *p, int *out)
{
	return parse_chain(p, FT_OR, AT_FOP_OR, parse_and, out);
}

/* Postfix: operands first, then the operator. */
void fparser__emit(struct fparser *p, int i)
{
	const struct fnode *nd = &p->node[i];

	if (nd->l >= 0)
		fparser__emit(p, nd->l);
	if (nd->r >= 0)
		fparser__emit(p, nd->r);
	p->out->code[p->out->ncode++] = nd->op;
}
