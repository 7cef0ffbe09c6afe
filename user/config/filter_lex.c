// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Filter expressions, lexed: words, numbers, -ERRNO names, quoted strings and operators. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "filter_lex.h"

size_t fparser__prefix(struct fparser *p, size_t pos)
{
	return errfmt(p->err, p->errlen, 0, "'%s' column %zu: ", p->s, pos + 1);
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
			return fparser__err(p, start, "unterminated string; close it with %c", q);
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
				return fparser__err(
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
		return fparser__err(p, start, "string of %zu bytes is too long; at most %d bytes",
				    n, AT_FILTER_STR);
	t->str[n] = '\0';
	t->slen = n;
	t->t = FT_STR;
	return 0;
}

/* A number (decimal, 0x, negative) or a -ERRNO name, at p->pos. */
static int lex_number(struct fparser *p, struct token *t)
{
	const char *s = p->s;
	bool neg = s[p->pos] == '-';
	size_t b = p->pos + neg, n;

	for (n = 0; is_word(s[b + n]); n++)
		;
	p->pos = b + n;
	t->len = p->pos - t->pos;
	if (neg && isalpha((unsigned char)s[b])) {
		t->t = FT_ERRNO;
		return 0;
	}
	if (!parse_mag(s + b, n, &t->mag))
		return fparser__err(p, t->pos,
				    "bad number '%.*s'; expected a decimal or 0x integer",
				    (int)t->len, s + t->pos);
	t->neg = neg;
	t->t = FT_NUM;
	return 0;
}

/* A field name, or one of the words and, or, not, startswith, istartswith, iequals. */
static void lex_word(struct fparser *p, struct token *t)
{
	const char *s = p->s;
	size_t n;

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
	else if (n == 11 && !strncmp(s + t->pos, "istartswith", 11))
		t->t = FT_CMP, t->cmp = AT_CMP_IPREFIX;
	else if (n == 7 && !strncmp(s + t->pos, "iequals", 7))
		t->t = FT_CMP, t->cmp = AT_CMP_IEQ;
	else
		t->t = FT_WORD;
}

/* A comparison operator; what C or shell habits write instead is refused by name. */
static int lex_operator(struct fparser *p, struct token *t)
{
	static const struct {
		const char *op;
		uint8_t cmp;
	} cmps[] = {
		/* Two-character operators first so that "<=" is not read as "<". */
		{ "==", AT_CMP_EQ }, { "!=", AT_CMP_NE }, { "<=", AT_CMP_LE },
		{ ">=", AT_CMP_GE }, { "<", AT_CMP_LT },  { ">", AT_CMP_GT },
	};
	const char *s = p->s + p->pos;

	for (size_t i = 0; i < ARRAY_SIZE(cmps); i++) {
		size_t n = strlen(cmps[i].op);

		if (!strncmp(s, cmps[i].op, n)) {
			t->t = FT_CMP;
			t->cmp = cmps[i].cmp;
			t->len = n;
			p->pos += n;
			return 0;
		}
	}
	if (!strncmp(s, "&&", 2))
		return fparser__err(p, p->pos, "unexpected '&&'; use 'and'");
	if (!strncmp(s, "||", 2))
		return fparser__err(p, p->pos, "unexpected '||'; use 'or'");
	if (*s == '!')
		return fparser__err(p, p->pos, "unexpected '!'; use 'not' or '!='");
	if (*s == '=')
		return fparser__err(p, p->pos, "unexpected '='; compare with '=='");
	return fparser__err(p, p->pos,
			    "unexpected '%c'; expected a field, a comparison, 'and', 'or', "
			    "'not' or parentheses",
			    *s);
}

int fparser__next(struct fparser *p)
{
	struct token *t = &p->tok;
	const char *s = p->s;

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
	    (s[p->pos] == '-' && isalnum((unsigned char)s[p->pos + 1])))
		return lex_number(p, t);
	if (isalpha((unsigned char)s[p->pos]) || s[p->pos] == '_') {
		lex_word(p, t);
		return 0;
	}
	return lex_operator(p, t);
}
