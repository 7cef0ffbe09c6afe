// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function probe SPECs (-u): a hand-rolled recursive-descent parser of the grammar in uspec.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "eval.h"
#include "uspec.h"
#include "util.h"

/*
 * Error columns count in the message as printed, "-u '" then the SPEC, so the
 * number points at the offending character of the quoted text one reads: in
 * "-u 'libc:malloc(u64 size) -> ptrr'" the 'p' of "ptrr" is column 30.
 */
#define COL_BASE 5

struct parser {
	const char *s;	/* the whole SPEC, quoted in errors */
	size_t pos;	/* next character */
	size_t end;	/* end of what is parsed: before a trailing @entry / @return */
	char *err;	/* error message buffer */
	size_t errlen;	/* its size */
	size_t out_pos; /* the first argument read at return (out, buf[len=ret]), 0 if none */
	size_t ret_pos; /* the first buf[len=ret], 0 if none */
};

/* Every SPEC type's name, width and class: the one table the parser, the filter
 * compiler, the probe table and the record decoder read. */
static const struct utype_info utypes[UT_N] = {
	[UT_NONE] = { "none", 0, false, UK_NONE, 1 },
	[UT_S8] = { "s8", 8, true, UK_INT, 1 },
	[UT_U8] = { "u8", 8, false, UK_INT, 1 },
	[UT_S16] = { "s16", 16, true, UK_INT, 1 },
	[UT_U16] = { "u16", 16, false, UK_INT, 1 },
	[UT_S32] = { "s32", 32, true, UK_INT, 1 },
	[UT_U32] = { "u32", 32, false, UK_INT, 1 },
	[UT_S64] = { "s64", 64, true, UK_INT, 1 },
	[UT_U64] = { "u64", 64, false, UK_INT, 1 },
	[UT_INT] = { "int", 32, true, UK_INT, 1 },
	[UT_LONG] = { "long", 64, true, UK_INT, 1 },
	[UT_PTR] = { "ptr", 64, false, UK_PTR, 1 },
	[UT_GOIFACE] = { "goiface", 64, false, UK_IFACE, 2, true },
	[UT_STR] = { "str", 0, false, UK_STR, 1 },
	[UT_GOSTR] = { "gostr", 0, false, UK_STR, 2, true },
	[UT_BUF] = { "buf", 0, false, UK_BUF, 1 },
	[UT_BUF_LEN] = { "buf", 0, false, UK_BUF, 1 },
	[UT_CHARS] = { "char", 0, false, UK_BUF, 1 },
	[UT_GOBYTES] = { "gobytes", 0, false, UK_BUF, 3, true },
	[UT_BUF_RET] = { "buf", 0, false, UK_BUF, 1 },
	[UT_REF] = { "INT*", 0, false, UK_REF, 1 },
};

const struct utype_info *utype_info(uint8_t t)
{
	static const struct utype_info unknown = { "?", 64, false, UK_INT, 1 };

	return t < UT_N ? &utypes[t] : &unknown;
}

const char *utype_name(uint8_t t)
{
	return utype_info(t)->name;
}

static __attribute__((format(printf, 3, 4))) int fail_at(struct parser *p, size_t pos,
							 const char *fmt, ...)
{
	size_t n = errfmt(p->err, p->errlen, 0, "-u '%s': ", p->s);
	va_list ap;

	va_start(ap, fmt);
	n = verrfmt(p->err, p->errlen, n, fmt, ap);
	va_end(ap);
	errfmt(p->err, p->errlen, n, " at column %zu", pos + COL_BASE);
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->end && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Length of the identifier at p->pos (0 if none); does not consume it. */
static size_t ident_len(const struct parser *p)
{
	size_t n = 0;

	while (p->pos + n < p->end && is_ident(p->s[p->pos + n]))
		n++;
	return n;
}

/* Length of the token at pos for quoting in errors: up to white space or a delimiter. */
static int token_len(const struct parser *p, size_t pos)
{
	size_t n = 0;

	while (pos + n < p->end && !isspace((unsigned char)p->s[pos + n]) &&
	       !strchr(",()[]", p->s[pos + n]))
		n++;
	return n ? (int)n : (pos < p->end ? 1 : 0);
}

static bool eat(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);

	if (p->pos + n > p->end || strncmp(p->s + p->pos, tok, n))
		return false;
	p->pos += n;
	return true;
}

/*
 * A decimal or 0x number, optionally negative, within s[0..len). The magnitude
 * goes to *mag and the sign to *neg. 0, or -EINVAL when not a number or too large.
 */
static int parse_num(const char *s, size_t len, uint64_t *mag, bool *neg)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	*neg = false;
	if (i < len && s[i] == '-') {
		*neg = true;
		i++;
	}
	if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && isxdigit((unsigned char)c))
			d = (tolower((unsigned char)c) - 'a') + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*mag = v;
	return 0;
}

/* The numeric token at p->pos: characters that can make up a number. */
static size_t num_len(const struct parser *p)
{
	size_t n = 0;

	while (p->pos + n < p->end &&
	       (isalnum((unsigned char)p->s[p->pos + n]) || (n == 0 && p->s[p->pos] == '-')))
		n++;
	return n;
}

/* Whether s[0..len) names a byte type, written buf[...] or char[...]. */
static bool is_bytes_word(const char *s, size_t len)
{
	return (len == 3 && !strncmp(s, "buf", 3)) || (len == 4 && !strncmp(s, "char", 4));
}

static enum utype lookup_type(const char *s, size_t len)
{
	size_t i;

	/* Types by name; buffers are written buf[...] and char[...], parsed apart. */
	if (is_bytes_word(s, len))
		return UT_NONE;
	for (i = UT_S8; i < UT_N; i++)
		if (strlen(utypes[i].name) == len && !strncmp(utypes[i].name, s, len))
			return (enum utype)i;
	return UT_NONE;
}

/* TARGET: s[0..len), white space trimmed. */
static int parse_target(struct parser *p, size_t len, struct uspec *out)
{
	size_t b = 0, e = len;

	while (b < e && isspace((unsigned char)p->s[b]))
		b++;
	while (e > b && isspace((unsigned char)p->s[e - 1]))
		e--;
	if (e - b >= sizeof(out->target))
		return fail_at(p, b, "target too long");
	memcpy(out->target, p->s + b, e - b);
	out->target[e - b] = '\0';
	return 0;
}

/* FUNC: a name, versioned name or glob, with an optional +OFF, or a raw OFF. */
static int parse_func(struct parser *p, struct uspec *out)
{
	size_t start, len, plus = 0;
	uint64_t off;
	bool neg;

	skip_ws(p);
	start = p->pos;
	while (p->pos < p->end) {
		char c = p->s[p->pos];

		if (isspace((unsigned char)c) || (c == '-' && p->s[p->pos + 1] == '>'))
			break;
		if (c == '(') {
			/* Go methods, "pkg.(*T).M": a '(' right after a '.' is part of the name. */
			if (p->pos == start || p->s[p->pos - 1] != '.')
				break;
			while (p->pos < p->end && p->s[p->pos] != ')')
				p->pos++;
			if (p->pos == p->end)
				return fail_at(p, p->pos, "missing ')' in function name");
		}
		if (c == '+')
			plus = p->pos;
		p->pos++;
	}
	len = p->pos - start;
	if (!len)
		return fail_at(p, start, "expected a function name");

	if (plus) {
		if (parse_num(p->s + plus + 1, p->pos - plus - 1, &off, &neg) || neg)
			return fail_at(p, plus + 1, "bad offset '%.*s'", (int)(p->pos - plus - 1),
				       p->s + plus + 1);
		out->offset = off;
		len = plus - start;
		if (!len)
			return fail_at(p, start, "expected a function name");
	} else if (isdigit((unsigned char)p->s[start])) {
		/* No C or Go name starts with a digit: this is a raw file offset. */
		if (parse_num(p->s + start, len, &off, &neg) || neg)
			return fail_at(p, start, "bad offset '%.*s'", (int)len, p->s + start);
		out->offset = off;
		return 0;
	}
	if (len >= sizeof(out->func))
		return fail_at(p, start, "function name too long");
	memcpy(out->func, p->s + start, len);
	out->func[len] = '\0';
	out->is_glob = strpbrk(out->func, "*?[") != NULL;
	return 0;
}

/* The inside of buf[...] or char[...]: N, or for buf also len=argK. */
static int parse_bracket(struct parser *p, struct uarg *a, bool is_buf, size_t *k_pos)
{
	uint64_t v;
	size_t n;
	bool neg;

	skip_ws(p);
	if (is_buf && eat(p, "len")) {
		skip_ws(p);
		if (!eat(p, "="))
			return fail_at(p, p->pos, "expected '=' after 'len'");
		skip_ws(p);
		if (ident_len(p) == 3 && eat(p, "ret")) {
			/* The bytes the call wrote, as many as it returns: read at return. */
			a->type = UT_BUF_RET;
			a->out = true;
			skip_ws(p);
			if (!eat(p, "]"))
				return fail_at(p, p->pos, "expected ']'");
			return 0;
		}
		if (eat(p, "*")) {
			a->len_deref = true;
			skip_ws(p);
		}
		if (!eat(p, "arg"))
			return fail_at(p, p->pos,
				       a->len_deref ? "expected 'argK' after 'len=*'" :
						      "expected 'argK' or 'ret' after 'len='");
		*k_pos = p->pos;
		n = num_len(p);
		if (parse_num(p->s + p->pos, n, &v, &neg) || neg || v < 1 || v > USPEC_MAX_ARGS)
			return fail_at(p, p->pos, "bad argument number '%.*s' (1 to %d)",
				       token_len(p, p->pos), p->s + p->pos, USPEC_MAX_ARGS);
		a->type = UT_BUF_LEN;
		a->len_arg = v - 1;
	} else {
		n = num_len(p);
		if (parse_num(p->s + p->pos, n, &v, &neg) || neg || v < 1 || v > UINT16_MAX)
			return fail_at(p, p->pos, "bad size '%.*s' (1 to %u)", token_len(p, p->pos),
				       p->s + p->pos, UINT16_MAX);
		a->type = is_buf ? UT_BUF : UT_CHARS;
		a->n = v;
	}
	p->pos += n;
	skip_ws(p);
	if (!eat(p, "]"))
		return fail_at(p, p->pos, "expected ']'");
	return 0;
}

/* The identifier after white space: its start in *start, its length (0 if none); consumed. */
static size_t take_ident(struct parser *p, size_t *start)
{
	size_t len;

	skip_ws(p);
	*start = p->pos;
	len = ident_len(p);
	p->pos += len;
	return len;
}

/* Whether the identifier at p->pos is the keyword 'out' followed by a type (not a name). */
static bool at_out(struct parser *p)
{
	size_t q;

	if (ident_len(p) != 3 || strncmp(p->s + p->pos, "out", 3))
		return false;
	q = p->pos + 3;
	if (q >= p->end || !isspace((unsigned char)p->s[q]))
		return false;
	while (q < p->end && isspace((unsigned char)p->s[q]))
		q++;
	return q < p->end && (is_ident(p->s[q]) || p->s[q] == '[');
}

/* Checks what 'out' may go with: bytes and INT*, read through the pointer at return. */
static int check_out(struct parser *p, const struct uarg *a, size_t start, size_t len)
{
	const struct utype_info *ti = utype_info(a->type);

	if (ti->go_only)
		return fail_at(p, start, "'out' does not apply to the Go type '%s'", ti->name);
	if (ti->kind == UK_STR || ti->kind == UK_BUF || ti->kind == UK_REF)
		return 0;
	return fail_at(p, start,
		       "'out' applies to str, buf[...], char[N] and INT* (e.g. 'out int*'), not "
		       "'%.*s'",
		       (int)len, p->s + start);
}

/*
 * Dereference ARGs (uspec.h DEREF): '*(ADDR)', 'str(ADDR)', 'gostr(ADDR)'
 * and member paths, each one bounded chain of the kernel's at_deref.
 */

/* The K of 'arg' K (1 to 6) at p->pos: its 0-based index in *k. */
static int parse_argk(struct parser *p, uint8_t *k)
{
	size_t n = num_len(p);
	uint64_t v;
	bool neg;

	if (parse_num(p->s + p->pos, n, &v, &neg) || neg || v < 1 || v > USPEC_MAX_ARGS)
		return fail_at(p, p->pos, "bad argument number '%.*s' (1 to %d)",
			       token_len(p, p->pos), p->s + p->pos, USPEC_MAX_ARGS);
	p->pos += n;
	*k = (uint8_t)(v - 1);
	return 0;
}

/* { ('+' | '-') INT } added to the chain's running offset, which stays a signed 32-bit sum. */
static int parse_offsets(struct parser *p, struct uderef *d)
{
	int64_t off = d->off[d->nsteps];

	for (;;) {
		uint64_t mag;
		bool neg, minus;
		size_t at, n;

		skip_ws(p);
		if (p->pos >= p->end || (p->s[p->pos] != '+' && p->s[p->pos] != '-'))
			break;
		minus = p->s[p->pos++] == '-';
		skip_ws(p);
		at = p->pos;
		n = num_len(p);
		if (parse_num(p->s + at, n, &mag, &neg) || neg || mag > (uint64_t)INT32_MAX + 1)
			return fail_at(p, at, "bad offset '%.*s'", token_len(p, at), p->s + at);
		p->pos += n;
		off += minus ? -(int64_t)mag : (int64_t)mag;
		if (off < INT32_MIN || off > INT32_MAX)
			return fail_at(p, at, "offset out of range (the sum must fit in 32 bits)");
	}
	d->off[d->nsteps] = (int32_t)off;
	return 0;
}

/* ADDR: 'arg' K or '*(' ADDR ')' (a pointer load, depth deep), then offsets. */
static int parse_addr(struct parser *p, struct uderef *d, unsigned depth)
{
	size_t at;

	skip_ws(p);
	at = p->pos;
	if (eat(p, "*")) {
		skip_ws(p);
		if (!eat(p, "("))
			return fail_at(p, p->pos, "expected '(' after '*'");
		/* Bounded before recursing: a hostile SPEC of many '*(' stops here. */
		if (depth >= USPEC_DEREF_STEPS)
			return fail_at(p, at,
				       "too many dereferences (at most %d loads before the last)",
				       USPEC_DEREF_STEPS);
		if (parse_addr(p, d, depth + 1))
			return -1;
		skip_ws(p);
		if (!eat(p, ")"))
			return fail_at(p, p->pos, "expected ')'");
		d->nsteps++;
		d->off[d->nsteps] = 0;
	} else if (eat(p, "arg")) {
		if (parse_argk(p, &d->base))
			return -1;
	} else {
		return fail_at(p, at, "expected 'argK' or '*(' in a dereference, not '%.*s'",
			       token_len(p, at), p->s + at);
	}
	return parse_offsets(p, d);
}

/* '(' ADDR ')' after str, gostr or '*'. */
static int parse_paren_addr(struct parser *p, struct uderef *d)
{
	skip_ws(p);
	if (!eat(p, "("))
		return fail_at(p, p->pos, "expected '('");
	if (parse_addr(p, d, 0))
		return -1;
	skip_ws(p);
	if (!eat(p, ")"))
		return fail_at(p, p->pos, "expected ')'");
	return 0;
}

/* A member path: BASE ( '->' M | '.' M )+, kept as text (white space dropped) for DWARF. */
static int parse_path(struct parser *p, struct uderef *d)
{
	size_t start, len, n = 0;
	unsigned members = 0;

	len = take_ident(p, &start);
	if (len > 3 && !strncmp(p->s + start, "arg", 3) &&
	    strspn(p->s + start + 3, "0123456789") >= len - 3) {
		p->pos = start + 3;
		if (parse_argk(p, &d->base))
			return -1;
	}
	for (;;) {
		const char *op;

		if (n + len + 1 >= sizeof(d->text))
			return fail_at(p, start, "member path too long (at most %zu characters)",
				       sizeof(d->text) - 1);
		memcpy(d->text + n, p->s + start, len);
		n += len;
		skip_ws(p);
		/* Subscripts: '[' INT ']', kept as "[N]". */
		while (eat(p, "[")) {
			uint64_t v;
			size_t at, k;
			bool neg;

			skip_ws(p);
			at = p->pos;
			k = num_len(p);
			if (parse_num(p->s + at, k, &v, &neg) || neg || v > INT32_MAX)
				return fail_at(p, at, "bad index '%.*s'", token_len(p, at),
					       p->s + at);
			p->pos += k;
			skip_ws(p);
			if (!eat(p, "]"))
				return fail_at(p, p->pos, "expected ']'");
			k = (size_t)snprintf(d->text + n, sizeof(d->text) - n, "[%llu]",
					     (unsigned long long)v);
			if (n + k >= sizeof(d->text))
				return fail_at(p, at,
					       "member path too long (at most %zu characters)",
					       sizeof(d->text) - 1);
			n += k;
			members++;
			skip_ws(p);
		}
		op = eat(p, "->") ? "->" : eat(p, ".") ? "." : NULL;
		if (!op)
			break;
		if (n + strlen(op) >= sizeof(d->text))
			return fail_at(p, p->pos, "member path too long (at most %zu characters)",
				       sizeof(d->text) - 1);
		memcpy(d->text + n, op, strlen(op));
		n += strlen(op);
		len = take_ident(p, &start);
		if (!len)
			return fail_at(p, start, "expected a member name after '%s'", op);
		members++;
	}
	d->text[n] = '\0';
	if (!members)
		return fail_at(p, start, "expected '->' or '.' after '%.*s'", (int)len,
			       p->s + start);
	d->path = true;
	return 0;
}

/* Whether an identifier of len at start begins a member path: '->', '.' or '[' follows. */
static bool path_follows(const struct parser *p, size_t start, size_t len);

/* Whether the text at pos (white space skipped) starts with tok; nothing consumed. */
static bool peek(const struct parser *p, size_t pos, const char *tok)
{
	while (pos < p->end && isspace((unsigned char)p->s[pos]))
		pos++;
	return pos + strlen(tok) <= p->end && !strncmp(p->s + pos, tok, strlen(tok));
}

static bool path_follows(const struct parser *p, size_t start, size_t len)
{
	/* buf[N] and char[N] are byte types, not subscripts. */
	if (peek(p, start + len, "[") && is_bytes_word(p->s + start, len))
		return false;
	return peek(p, start + len, "->") || peek(p, start + len, ".") || peek(p, start + len, "[");
}

/* The ARG's default name: its expression as written (white space dropped) when it fits. */
static void deref_name(const struct parser *p, struct uarg *a, size_t from, unsigned idx)
{
	size_t n = 0;

	for (size_t i = from; i < p->pos; i++) {
		if (isspace((unsigned char)p->s[i]))
			continue;
		if (n + 1 >= sizeof(a->name)) {
			snprintf(a->name, sizeof(a->name), "arg%u", idx + 1);
			return;
		}
		a->name[n++] = p->s[i];
	}
	a->name[n] = '\0';
}

/* Whether '*' stands at pos with '(' after it (white space between): a dereference's. */
static bool star_paren(const struct parser *p, size_t pos)
{
	if (pos >= p->end || p->s[pos] != '*')
		return false;
	for (pos++; pos < p->end && isspace((unsigned char)p->s[pos]); pos++)
		;
	return pos < p->end && p->s[pos] == '(';
}

/*
 * A dereference ARG at p->pos, [TYPE] DEREF: *done says whether the ARG is
 * one (else nothing is consumed). Its name is its text unless one follows.
 */
static int parse_deref_arg(struct parser *p, struct uspec *out, struct uarg *a, unsigned idx,
			   bool *done)
{
	size_t save = p->pos, start, len, tstart = 0, tlen = 0;
	enum utype t = UT_NONE;
	struct uderef *d;

	*done = false;
	skip_ws(p);
	start = p->pos;
	len = ident_len(p);
	/* A TYPE before '*(' or a member path. */
	if (len && !path_follows(p, start, len) && !peek(p, start + len, "(")) {
		size_t after = start + len, nlen;

		while (after < p->end && isspace((unsigned char)p->s[after]))
			after++;
		p->pos = after;
		nlen = ident_len(p);
		/* TYPE '*(' is a dereference; TYPE '*' NAME an INT* (the integer it points to). */
		if (star_paren(p, p->pos) || (nlen && path_follows(p, after, nlen))) {
			tstart = start;
			tlen = len;
			t = lookup_type(p->s + start, len);
			start = after;
			len = nlen;
		} else {
			p->pos = save;
			return 0;
		}
	}
	p->pos = start;
	if (len && peek(p, start + len, "(") &&
	    !((len == 3 && !strncmp(p->s + start, "str", 3)) ||
	      (len == 5 && !strncmp(p->s + start, "gostr", 5)))) {
		p->pos = save;
		return 0;
	}
	if (!len && !(p->pos < p->end && p->s[p->pos] == '*')) {
		p->pos = save;
		return 0;
	}

	*done = true;
	if (out->nderef == USPEC_DEREFS)
		return fail_at(p, start, "too many dereferences (at most %d per probe)",
			       USPEC_DEREFS);
	d = &out->derefs[out->nderef];
	memset(d, 0, sizeof(*d));
	d->arg = (uint8_t)idx;
	if (tlen) {
		const struct utype_info *ti = utype_info(t);

		if (t == UT_NONE)
			return fail_at(p, tstart, "unknown type '%.*s'", (int)tlen, p->s + tstart);
		if (ti->kind != UK_INT && ti->kind != UK_PTR &&
		    !((t == UT_STR || t == UT_GOSTR) && len))
			return fail_at(p, tstart,
				       "'%s' does not type a dereference: use an integer type or "
				       "ptr before '*(', str(ADDR) for a string at ADDR, "
				       "str(*(ADDR)) for a char * stored there",
				       ti->name);
	}
	if (!len) {
		/* '*(' ADDR ')': an integer (u64 unless typed) or an address read there. */
		p->pos++;
		if (parse_paren_addr(p, d))
			return -1;
		a->type = tlen ? t : UT_U64;
		d->read = utype_info(a->type)->bits / 8;
	} else if (peek(p, start + len, "(")) {
		bool go = len == 5;

		p->pos = start + len;
		if (parse_paren_addr(p, d))
			return -1;
		a->type = go ? UT_GOSTR : UT_STR;
		d->read = go ? AT_DREAD_GOSTR : AT_DREAD_ADDR;
	} else {
		if (parse_path(p, d))
			return -1;
		d->typed = tlen != 0;
		a->type = tlen ? t : UT_NONE;
		if (out->path_arg < 0)
			out->path_arg = (int8_t)idx;
	}
	a->deref = ++out->nderef;
	deref_name(p, a, start, idx);
	return 0;
}

/* One ARG: ['out'] TYPE [name], buf[...] [name], char[N] [name], INT* [name], or a dereference. */
static int parse_arg(struct parser *p, struct uspec *out, struct uarg *a, unsigned idx,
		     size_t *k_pos)
{
	size_t start, len, arg_start;
	bool is_out = false, done;
	int err;

	skip_ws(p);
	arg_start = p->pos;
	if (at_out(p)) {
		is_out = true;
		p->pos += 3;
	}
	if (parse_deref_arg(p, out, a, idx, &done))
		return -1;
	if (done) {
		if (is_out)
			return fail_at(
				p, arg_start,
				"'out' does not apply to a dereference (it is read at entry)");
		goto name;
	}
	len = take_ident(p, &start);
	if (!len && eat(p, "[]byte") && !(p->pos < p->end && is_ident(p->s[p->pos]))) {
		/* Go's spelling of gobytes. */
		a->type = UT_GOBYTES;
	} else if (!len) {
		return fail_at(p, start, "expected a type");
	} else if (is_bytes_word(p->s + start, len)) {
		skip_ws(p);
		if (!eat(p, "["))
			return fail_at(p, p->pos, "expected '[' after '%.*s'", (int)len,
				       p->s + start);
		err = parse_bracket(p, a, len == 3, k_pos);
		if (err)
			return err;
	} else {
		a->type = lookup_type(p->s + start, len);
		if (a->type == UT_NONE)
			return fail_at(p, start, "unknown type '%.*s'", (int)len, p->s + start);
		skip_ws(p);
		if (p->pos < p->end && p->s[p->pos] == '*') {
			/* INT*: the integer it points to, read as wide as the type. */
			if (utype_info(a->type)->kind != UK_INT)
				return fail_at(
					p, p->pos,
					"'*' follows an integer type (int*, u64*), not '%.*s'",
					(int)len, p->s + start);
			p->pos++;
			a->ref = a->type;
			a->n = utype_info(a->ref)->bits / 8;
			a->type = UT_REF;
		}
	}
	if (is_out) {
		err = check_out(p, a, start, len);
		if (err)
			return err;
		a->out = true;
	}
	if (a->out && !p->out_pos)
		p->out_pos = arg_start + 1; /* + 1: 0 means none */
	if (a->type == UT_BUF_RET && !p->ret_pos)
		p->ret_pos = arg_start + 1;

name:
	skip_ws(p);
	len = ident_len(p);
	if (len) {
		if (len >= sizeof(a->name))
			return fail_at(p, p->pos, "argument name too long");
		memcpy(a->name, p->s + p->pos, len);
		a->name[len] = '\0';
		p->pos += len;
	} else if (!a->deref) {
		snprintf(a->name, sizeof(a->name), "arg%u", idx + 1);
	}
	return 0;
}

/*
 * The Go register ABI's places of the arguments (struct uspec's go_*): each
 * takes the next registers, as many as its type has words; more than
 * USPEC_GO_REGS in all is refused, naming the first argument that does not fit.
 */
static int go_layout(struct parser *p, struct uspec *out, const size_t *arg_pos)
{
	unsigned reg = 0, top = USPEC_GO_REGS;

	out->go_arg = -1;
	memset(out->go_more, USPEC_GO_NONE, sizeof(out->go_more));
	for (unsigned i = 0; i < out->nargs; i++) {
		const struct utype_info *ti = utype_info(out->args[i].type);

		if (ti->go_only && out->go_arg < 0)
			out->go_arg = (int8_t)i;
		if (out->args[i].deref) {
			/* No register; a Go string header read takes a word for its length. */
			out->go_reg[i] = (uint8_t)reg;
			if (ti->words > 1) {
				top -= ti->words - 1;
				out->go_more[i] = (uint8_t)top;
			}
			continue;
		}
		if (reg + ti->words > USPEC_GO_REGS && ti->words == 1)
			return fail_at(p, arg_pos[i],
				       "argument '%s' needs Go register %u, there are %d",
				       out->args[i].name, reg + 1, USPEC_GO_REGS);
		if (reg + ti->words > USPEC_GO_REGS)
			return fail_at(p, arg_pos[i],
				       "argument '%s' needs Go registers %u to %u, there are %d",
				       out->args[i].name, reg + 1, reg + ti->words, USPEC_GO_REGS);
		out->go_reg[i] = (uint8_t)reg;
		reg += ti->words;
		if (ti->words > 1) {
			top -= ti->words - 1;
			out->go_more[i] = (uint8_t)top;
		}
	}
	out->go_regs = (uint8_t)reg;
	return 0;
}

/* '(' ARGS ')', with buf[len=argK] checked once all arguments are known. */
static int parse_args(struct parser *p, struct uspec *out)
{
	size_t k_pos[USPEC_MAX_ARGS] = { 0 }, arg_pos[USPEC_MAX_ARGS] = { 0 };
	unsigned i;
	int err;

	skip_ws(p);
	if (eat(p, ")"))
		return 0;
	for (;;) {
		skip_ws(p);
		if (out->nargs == USPEC_MAX_ARGS)
			return fail_at(p, p->pos, "too many arguments (at most %d)",
				       USPEC_MAX_ARGS);
		arg_pos[out->nargs] = p->pos;
		err = parse_arg(p, out, &out->args[out->nargs], out->nargs, &k_pos[out->nargs]);
		if (err)
			return err;
		out->nargs++;
		skip_ws(p);
		if (eat(p, ")"))
			break;
		if (p->pos == p->end)
			return fail_at(p, p->pos, "missing ')'");
		if (!eat(p, ","))
			return fail_at(p, p->pos, "expected ',' or ')'");
	}

	for (i = 0; i < out->nargs; i++) {
		const struct uarg *a = &out->args[i];

		if (a->type != UT_BUF_LEN)
			continue;
		if (a->len_arg == i)
			return fail_at(p, k_pos[i], "buf length arg%u is the buffer itself",
				       a->len_arg + 1);
		if (a->len_arg >= out->nargs)
			return fail_at(p, k_pos[i], "buf length arg%u: no such argument",
				       a->len_arg + 1);
		if (a->len_deref && out->args[a->len_arg].type != UT_REF)
			return fail_at(
				p, k_pos[i],
				"buf length *arg%u must point to an integer: declare arg%u as "
				"INT* (u64*, int*...), not '%s'",
				a->len_arg + 1, a->len_arg + 1,
				utype_name(out->args[a->len_arg].type));
		if (!a->len_deref && out->args[a->len_arg].type == UT_REF)
			return fail_at(p, k_pos[i],
				       "buf length arg%u is a pointer; 'len=*arg%u' takes the "
				       "integer it points to",
				       a->len_arg + 1, a->len_arg + 1);
		if (!a->len_deref && utype_info(out->args[a->len_arg].type)->kind != UK_INT)
			return fail_at(p, k_pos[i],
				       "buf length arg%u must be an integer type, not '%s'",
				       a->len_arg + 1, utype_name(out->args[a->len_arg].type));
		/* At entry the function has not written the length yet. */
		if (a->len_deref && !a->out && out->args[a->len_arg].out)
			return fail_at(
				p, k_pos[i],
				"buf length *arg%u is an 'out' argument, written by the call: "
				"mark the buffer 'out' too",
				a->len_arg + 1);
	}
	return go_layout(p, out, arg_pos);
}

/* Checks that a predicate's value fits the return type, then stores it. */
static int set_fail_val(struct parser *p, size_t pos, struct uspec *out, uint64_t mag, bool neg)
{
	const struct utype_info *ti = utype_info(out->ret_type);
	unsigned bits = ti->bits;
	bool ok;

	if (ti->is_signed)
		ok = neg ? mag <= (1ULL << (bits - 1)) : mag < (1ULL << (bits - 1));
	else
		ok = !neg && (bits == 64 || mag < (1ULL << bits));
	if (!ok)
		return fail_at(p, pos, "value '%.*s' out of range for %s", token_len(p, pos),
			       p->s + pos, utype_name(out->ret_type));
	out->fail_val = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

/*
 * One result type: an integer type, ptr, goiface, or 'error' (an interface
 * whose non-nil value makes the call fail). *is_err tells 'error'.
 */
static int parse_result(struct parser *p, uint8_t *type, bool *is_err, size_t *start)
{
	size_t len = take_ident(p, start);

	*is_err = len == 5 && !strncmp(p->s + *start, "error", 5);
	if (*is_err) {
		*type = UT_GOIFACE;
		return 0;
	}
	if (!len)
		return fail_at(p, *start, "expected a return type");
	*type = lookup_type(p->s + *start, len);
	if ((utype_info(*type)->kind > UK_PTR && *type != UT_GOIFACE) ||
	    is_bytes_word(p->s + *start, len))
		return fail_at(p, *start,
			       "return type must be an integer type, ptr, goiface or error, not "
			       "'%.*s'",
			       (int)len, p->s + *start);
	if (*type == UT_NONE)
		return fail_at(p, *start, "unknown type '%.*s'", (int)len, p->s + *start);
	return 0;
}

/* '(' RTYPE { ',' RTYPE } ')' or one RTYPE: the results, in Go's result registers. */
static int parse_results(struct parser *p, struct uspec *out)
{
	bool tuple, is_err;
	unsigned words = 0;
	size_t start;

	skip_ws(p);
	tuple = eat(p, "(");
	out->err_ret = -1;
	out->err_word = USPEC_GO_NONE;
	for (;;) {
		uint8_t t = UT_NONE;

		skip_ws(p);
		if (parse_result(p, &t, &is_err, &start))
			return -1;
		if (is_err && out->err_ret >= 0)
			return fail_at(p, start, "one result may be 'error'");
		if (out->nrets == USPEC_MAX_RETS || words + utype_info(t)->words > USPEC_MAX_RETS)
			return fail_at(p, start,
				       "results past Go's first %d result registers are not read",
				       USPEC_MAX_RETS);
		if (is_err) {
			out->err_ret = (int8_t)out->nrets;
			out->err_word = (uint8_t)words;
		}
		words += utype_info(t)->words;
		out->rets[out->nrets++] = t;
		skip_ws(p);
		if (!tuple || eat(p, ")"))
			break;
		if (!eat(p, ","))
			return fail_at(p, p->pos, "expected ',' or ')'");
	}
	out->ret_type = out->rets[0];
	return 0;
}

/* '->' RET [ OP INT ]; the arrow is already consumed. */
static int parse_ret(struct parser *p, struct uspec *out)
{
	static const struct {
		const char *tok;
		enum ufail_op op;
	} ops[] = {
		/* Two-character operators first so that "<=" is not read as "<". */
		{ "==", UF_EQ }, { "!=", UF_NE }, { "<=", UF_LE },
		{ ">=", UF_GE }, { "<", UF_LT },  { ">", UF_GT },
	};
	size_t start, len, i;
	uint64_t mag;
	bool neg;

	if (parse_results(p, out))
		return -1;

	/* Defaults: negative errno-style returns, NULL pointers; with an error, the error. */
	if (out->err_ret >= 0)
		out->fail_op = UF_NONE;
	else if (utype_info(out->ret_type)->is_signed)
		out->fail_op = UF_LT;
	else if (out->ret_type == UT_PTR)
		out->fail_op = UF_EQ;
	out->fail_val = 0;

	skip_ws(p);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (!eat(p, ops[i].tok))
			continue;
		if (utype_info(out->ret_type)->kind == UK_IFACE)
			return fail_at(p, p->pos - strlen(ops[i].tok),
				       "the first result is an interface: a predicate compares an "
				       "integer or a pointer");
		out->fail_op = ops[i].op;
		skip_ws(p);
		start = p->pos;
		len = num_len(p);
		if (parse_num(p->s + start, len, &mag, &neg))
			return fail_at(p, start, "bad number '%.*s'", token_len(p, start),
				       p->s + start);
		p->pos += len;
		return set_fail_val(p, start, out, mag, neg);
	}
	return 0;
}

/* Strips a trailing @entry / @return keyword: p->end moves before it. */
static void parse_when(struct parser *p, struct uspec *out)
{
	static const struct {
		const char *kw;
		enum uwhen when;
	} kws[] = { { "@entry", UW_ENTRY }, { "@return", UW_RETURN } };
	size_t i, n;

	while (p->end > 0 && isspace((unsigned char)p->s[p->end - 1]))
		p->end--;
	for (i = 0; i < ARRAY_SIZE(kws); i++) {
		n = strlen(kws[i].kw);
		if (p->end >= n && !strncmp(p->s + p->end - n, kws[i].kw, n)) {
			out->when = kws[i].when;
			p->end -= n;
			return;
		}
	}
}

/* Arguments read at return need one: not '@entry'; buf[len=ret] an integer return type. */
static int check_at_return(struct parser *p, const struct uspec *out)
{
	int i = uspec_out_arg(out);

	if (i < 0)
		return 0;
	if (out->when == UW_ENTRY)
		return fail_at(p, p->out_pos - 1,
			       "argument '%s' is read at return, and '@entry' has none; remove "
			       "'@entry'",
			       out->args[i].name);
	if (p->ret_pos && utype_info(out->ret_type)->kind != UK_INT)
		return fail_at(p, p->ret_pos - 1,
			       "buf[len=ret] needs an integer return type: add '-> int' (or long, "
			       "u64...)%s",
			       out->ret_type == UT_PTR ? ", not ptr" : "");
	return 0;
}

int uspec_out_arg(const struct uspec *u)
{
	for (unsigned i = 0; i < u->nargs; i++)
		if (u->args[i].out)
			return (int)i;
	return -1;
}

int uspec_parse(const char *s, struct uspec *out, char *err, size_t errlen)
{
	struct parser p = { .s = s, .end = strlen(s), .err = err, .errlen = errlen };
	const char *colon = strchr(s, ':');
	int ret;

	memset(out, 0, sizeof(*out));
	out->go_arg = -1;
	out->err_ret = -1;
	out->err_word = USPEC_GO_NONE;
	out->path_arg = -1;
	memset(out->go_more, USPEC_GO_NONE, sizeof(out->go_more));
	if (errlen)
		err[0] = '\0';
	if (!colon)
		return fail(err, errlen, "-u '%s': expected TARGET:FUNC", s);
	ret = parse_target(&p, colon - s, out);
	if (ret)
		return ret;
	parse_when(&p, out);
	p.pos = colon - s + 1;
	if (p.pos > p.end)
		return fail_at(&p, p.end, "expected a function name");

	ret = parse_func(&p, out);
	if (ret)
		return ret;
	skip_ws(&p);
	if (eat(&p, "(")) {
		ret = parse_args(&p, out);
		if (ret)
			return ret;
		skip_ws(&p);
	}
	if (eat(&p, "->")) {
		ret = parse_ret(&p, out);
		if (ret)
			return ret;
		skip_ws(&p);
	}
	if (p.pos < p.end)
		return fail_at(&p, p.pos, "unexpected '%.*s'", token_len(&p, p.pos), s + p.pos);
	return check_at_return(&p, out);
}

int usdt_split(const char *arg, char *provider, size_t plen, char *spec, size_t slen)
{
	size_t head = strcspn(arg, "(");
	const char *name = NULL, *prov = NULL;

	for (const char *q = arg + head; q > arg; q--) {
		if (q[-1] != ':')
			continue;
		if (!name) {
			name = q;
		} else {
			prov = q;
			break;
		}
	}
	if (!prov || name - prov - 1 <= 0 || name - prov - 1 >= (long)plen)
		return -1;
	snprintf(provider, plen, "%.*s", (int)(name - prov - 1), prov);
	snprintf(spec, slen, "%.*s%s", (int)(prov - arg), arg, name);
	return 0;
}

void uspec_go_word_regs(const struct uspec *u, uint8_t word_reg[USPEC_GO_REGS])
{
	for (unsigned k = 0; k < USPEC_GO_REGS; k++) {
		unsigned reg = u->go_regs + k - u->nargs;

		word_reg[k] = k >= u->nargs && reg < USPEC_GO_REGS ? reg : USPEC_GO_NONE;
	}
	for (unsigned i = 0; i < u->nargs; i++) {
		unsigned words = utype_info(u->args[i].type)->words;

		word_reg[i] = u->go_reg[i];
		for (unsigned j = 1; j < words; j++)
			word_reg[uspec_go_word(u, i, j - 1)] = u->go_reg[i] + j;
	}
}

bool uspec_failed(const struct uspec *u, uint64_t ret)
{
	/* The kernel's comparison: enum ufail_op and enum at_cmp share their values. */
	if (u->ret_type == UT_NONE || u->fail_op == UF_NONE)
		return false;
	return at_cmp_int(u->fail_op, utype_info(u->ret_type)->is_signed,
			  utype_info(u->ret_type)->bits, ret, u->fail_val);
}

bool uspec_go_results(const struct uspec *u)
{
	return u->nrets > 1 || utype_info(u->ret_type)->kind == UK_IFACE;
}

void uspec_where(const struct uspec *u, char *buf, size_t len)
{
	if (!u->func[0])
		snprintf(buf, len, "%s:0x%llx", u->target, (unsigned long long)u->offset);
	else if (u->offset)
		snprintf(buf, len, "%s:%s+0x%llx", u->target, u->func,
			 (unsigned long long)u->offset);
	else
		snprintf(buf, len, "%s:%s", u->target, u->func);
}

int uspec_deref_reg(const struct uspec *u, const struct uderef *d, bool go, char *err,
		    size_t errlen)
{
	unsigned plain = 0, reg;

	if (!go || d->base_reg)
		return d->base;
	/* Go: argK is the K-th register ARG, or past them the registers after theirs. */
	for (unsigned i = 0; i < u->nargs; i++) {
		if (u->args[i].deref)
			continue;
		if (plain++ == d->base)
			return u->go_reg[i];
	}
	reg = u->go_regs + (d->base - plain);
	if (reg >= USPEC_GO_REGS)
		return fail(err, errlen,
			    "'arg%u' in '%s' would be in Go register %u, there are %d; declare "
			    "the arguments before it",
			    d->base + 1, u->args[d->arg].name, reg + 1, USPEC_GO_REGS);
	return (int)reg;
}

bool uspec_sysv_word_regs(const struct uspec *u, uint8_t word_reg[USPEC_GO_REGS])
{
	unsigned plain = 0;

	if (!u->nderef)
		return false;
	memset(word_reg, USPEC_GO_NONE, USPEC_GO_REGS);
	for (unsigned i = 0; i < u->nargs; i++)
		if (!u->args[i].deref)
			word_reg[i] = (uint8_t)plain++;
	for (unsigned k = u->nargs; k < USPEC_MAX_ARGS; k++)
		if (plain + (k - u->nargs) < USPEC_MAX_ARGS)
			word_reg[k] = (uint8_t)(plain + (k - u->nargs));
	return true;
}

int uspec_deref_more(struct uspec *u, char *err, size_t errlen)
{
	unsigned top = USPEC_GO_REGS;

	for (unsigned i = 0; i < u->nargs; i++)
		if (u->go_more[i] != USPEC_GO_NONE && u->go_more[i] < top)
			top = u->go_more[i];
	for (unsigned i = 0; i < u->nargs; i++) {
		unsigned words = utype_info(u->args[i].type)->words;

		if (!u->args[i].deref || words < 2 || u->go_more[i] != USPEC_GO_NONE)
			continue;
		/* Below the other further words, above every ARG's own word. */
		if (top < u->nargs + words - 1)
			return fail(
				err, errlen,
				"'%s' needs a call record word for its length, and none is left",
				u->args[i].name);
		top -= words - 1;
		u->go_more[i] = (uint8_t)top;
	}
	return 0;
}
