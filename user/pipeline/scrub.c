// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Scrubbing of captured strings: SQL literals and secrets. Both are scanners
 * over bytes that err on the side of hiding too much, since the input may be
 * cut at the capture limit or not be what it looks like.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "probefile.h"
#include "scrub.h"

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* SQL */

/* End of a quoted run starting at in[i] (the quote): past the closing quote, or n. */
static size_t quoted_end(const char *in, size_t n, size_t i, bool sql_doubling)
{
	char q = in[i++];

	while (i < n) {
		if (in[i] == '\\' && i + 1 < n) {
			i += 2;
			continue;
		}
		if (in[i] == q) {
			if (sql_doubling && i + 1 < n && in[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return n;
}

/* End of a numeric literal at in[i]: 42, 3.14, .5, 1e-5, 0x1F. */
static size_t number_end(const char *in, size_t n, size_t i)
{
	if (in[i] == '0' && i + 2 < n && (in[i + 1] == 'x' || in[i + 1] == 'X') &&
	    isxdigit((unsigned char)in[i + 2])) {
		for (i += 2; i < n && isxdigit((unsigned char)in[i]); i++)
			;
		return i;
	}
	while (i < n && (isdigit((unsigned char)in[i]) || in[i] == '.'))
		i++;
	if (i + 1 < n && (in[i] == 'e' || in[i] == 'E')) {
		size_t j = i + 1;

		if (j + 1 < n && (in[j] == '+' || in[j] == '-'))
			j++;
		if (isdigit((unsigned char)in[j])) {
			for (i = j; i < n && isdigit((unsigned char)in[i]); i++)
				;
		}
	}
	return i;
}

/* Words after which a sign is unary: WHERE a = 1 AND -2 < b, LIMIT -1. */
static bool sign_keyword(const char *w, size_t len)
{
	static const char *const words[] = {
		"select", "where",  "and", "or",     "not",    "then",	   "else", "when",
		"limit",  "offset", "by",  "in",     "is",     "values",   "set",  "between",
		"like",	  "case",   "on",  "having", "return", "distinct", "all",  "any",
	};

	for (size_t t = 0; t < sizeof(words) / sizeof(words[0]); t++)
		if (strlen(words[t]) == len && !strncasecmp(w, words[t], len))
			return true;
	return false;
}

/* Is a + or - at in[i] a sign (unary) rather than an operator? From what precedes it. */
static bool sign_at(const char *in, size_t i)
{
	size_t w;

	while (i && isspace((unsigned char)in[i - 1]))
		i--;
	if (!i)
		return true;
	if (ident_char(in[i - 1])) {
		for (w = i; w && ident_char(in[w - 1]); w--)
			;
		return !isdigit((unsigned char)in[w]) && in[w] != '$' &&
		       sign_keyword(in + w, i - w);
	}
	/* After a value (a ) or a closing quote or a ?) it is an operator: a - 1, 'x' - 1. */
	return !strchr(")]'\"`?", in[i - 1]);
}

/*
 * End of the literal at in[i] that scrubbing makes ?, or 0: 'strings', "strings"
 * in MySQL, numbers with a unary sign, x'0A' and other prefixed strings (b'',
 * n'', e''), and ? and ?NNN placeholders (already ?, so a list of them collapses).
 */
static size_t literal_end(unsigned flags, const char *in, size_t n, size_t i)
{
	char c = in[i];
	bool word_start = i == 0 || !ident_char(in[i - 1]);
	size_t j;

	if (c == '\'' || (c == '"' && (flags & PF_SCRUB_SQL_DQ)))
		return quoted_end(in, n, i, true);
	if (word_start && i + 1 < n && in[i + 1] == '\'' && strchr("xXbBnNeE", c))
		return quoted_end(in, n, i + 1, true);
	if (c == '?' && (i == 0 || !ident_char(in[i - 1]))) {
		for (j = i + 1; j < n && isdigit((unsigned char)in[j]); j++)
			;
		return j;
	}
	if ((c == '-' || c == '+') && sign_at(in, i)) {
		for (j = i + 1; j < n && (in[j] == ' ' || in[j] == '\t'); j++)
			;
		if (j < n && (isdigit((unsigned char)in[j]) ||
			      (in[j] == '.' && j + 1 < n && isdigit((unsigned char)in[j + 1]))))
			return number_end(in, n, j);
		return 0;
	}
	/* Not t1, $1, :p1 or SQLite's ?NNN parameters. */
	if ((isdigit((unsigned char)c) ||
	     (c == '.' && i + 1 < n && isdigit((unsigned char)in[i + 1]))) &&
	    (i == 0 || (!ident_char(in[i - 1]) && !strchr("?:.", in[i - 1]))))
		return number_end(in, n, i);
	return 0;
}

/* End of the comment at in[i] (-- to the end of the line, or a block), or 0. */
static size_t comment_end(const char *in, size_t n, size_t i)
{
	if (i + 1 >= n)
		return 0;
	if (in[i] == '-' && in[i + 1] == '-') {
		while (i < n && in[i] != '\n')
			i++;
		return i;
	}
	if (in[i] == '/' && in[i + 1] == '*') {
		/* An unterminated one (a cut capture) runs to the end. */
		for (i += 2; i + 1 < n; i++)
			if (in[i] == '*' && in[i + 1] == '/')
				return i + 2;
		return n;
	}
	return 0;
}

/* Past whitespace and comments from in[i]. */
static size_t skip_blank(const char *in, size_t n, size_t i)
{
	size_t e;

	for (;;) {
		if (i < n && isspace((unsigned char)in[i]))
			i++;
		else if (i < n && (e = comment_end(in, n, i)))
			i = e;
		else
			return i;
	}
}

/* End of a ( literal, literal, ... ) group at in[i] (the parenthesis), or 0. */
static size_t list_end(unsigned flags, const char *in, size_t n, size_t i)
{
	size_t e;

	for (i++;;) {
		i = skip_blank(in, n, i);
		if (i == n || !(e = literal_end(flags, in, n, i)))
			return 0;
		i = skip_blank(in, n, e);
		if (i < n && in[i] == ')')
			return i + 1;
		if (i == n || in[i] != ',')
			return 0;
		i++;
	}
}

/* Does VALUES (any case, as a word) end just before in[i], blanks aside? */
static bool after_values(const char *in, size_t i)
{
	while (i && isspace((unsigned char)in[i - 1]))
		i--;
	return i >= 6 && !strncasecmp(in + i - 6, "values", 6) &&
	       (i == 6 || !ident_char(in[i - 7]));
}

static void scrub_sql(unsigned flags, const char *in, size_t n, struct out *o)
{
	size_t i = 0, end, next;

	while (i < n) {
		char c = in[i];

		if ((end = comment_end(in, n, i))) {
			/* A comment is dropped; one blank keeps the words on either side apart. */
			bool spaced = !i || isspace((unsigned char)in[i - 1]);

			i = skip_blank(in, n, end);
			if (!spaced && i < n)
				out_putc(o, ' ');
		} else if (c == '(' && (end = list_end(flags, in, n, i))) {
			/* IN (1, 2, 3) and VALUES (1, 'a'), (2, 'b'): one (?) whatever the count. */
			out_write(o, "(?)", 3);
			if (after_values(in, i)) {
				for (;;) {
					next = skip_blank(in, n, end);
					if (next == n || in[next] != ',')
						break;
					next = skip_blank(in, n, next + 1);
					if (next == n || in[next] != '(' ||
					    !(next = list_end(flags, in, n, next)))
						break;
					end = next;
				}
			}
			i = end;
		} else if ((end = literal_end(flags, in, n, i))) {
			/*
			 * 'it''s' and 'it\'s': one literal either way; -42.5 and
			 * x'0A' whole; a ?NNN placeholder as written.
			 */
			if (c == '?')
				out_write(o, in + i, end - i);
			else
				out_putc(o, '?');
			i = end;
		} else if (c == '"' || c == '`') {
			/* Quoted identifiers stay, digits in them too. */
			end = quoted_end(in, n, i, true);
			out_write(o, in + i, end - i);
			i = end;
		} else {
			out_putc(o, c);
			i++;
		}
	}
}

/* Secrets */

static const char *const secret_keys[] = {
	"password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "access_key",
};

static bool value_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("&,;)}]\"'<>", c);
}

/* Writes in[i..j) and *** for the value in[j..k); returns k. */
static size_t redact(const char *in, size_t i, size_t j, size_t k, struct out *o)
{
	out_write(o, in + i, j - i);
	out_write(o, "***", 3);
	return k;
}

/*
 * A bound parameter rather than a value: ?, ?NNN, $N, :name, @name, %s. What
 * a prepared statement says about its password is not the password.
 */
static bool placeholder(const char *v, size_t len)
{
	size_t i = 1;

	if (len == 2 && v[0] == '%' && v[1] == 's')
		return true;
	if (v[0] == '?' || v[0] == '$') {
		while (i < len && isdigit((unsigned char)v[i]))
			i++;
		return i == len && (v[0] == '?' || len > 1);
	}
	if (v[0] == ':' || v[0] == '@') {
		if (len < 2)
			return false;
		while (i < len && (isalnum((unsigned char)v[i]) || v[i] == '_'))
			i++;
		return i == len;
	}
	return false;
}

/*
 * KEY [quote] [spaces] = or : [spaces] VALUE at in[i]. Returns the position
 * after what was written (key, separators, *** and a closing quote), 0 if
 * there is no secret here.
 */
static size_t secret_at(const char *in, size_t n, size_t i, bool cut, struct out *o)
{
	size_t j = 0, k, end;

	for (size_t t = 0; t < sizeof(secret_keys) / sizeof(secret_keys[0]); t++) {
		size_t kl = strlen(secret_keys[t]);

		if (i + kl <= n && !strncasecmp(in + i, secret_keys[t], kl) &&
		    (i + kl == n || !ident_char(in[i + kl]))) {
			j = i + kl;
			break;
		}
	}
	if (!j)
		return 0;
	if (j < n && (in[j] == '"' || in[j] == '\''))
		j++;
	while (j < n && (in[j] == ' ' || in[j] == '\t'))
		j++;
	if (j == n || (in[j] != '=' && in[j] != ':'))
		return 0;
	for (j++; j < n && (in[j] == ' ' || in[j] == '\t'); j++)
		;
	if (j < n && (in[j] == '"' || in[j] == '\'')) {
		end = quoted_end(in, n, j, false);
		/* Unterminated (a cut capture): everything to the end is the value. */
		k = end > j + 1 && in[end - 1] == in[j] ? end - 1 : n;
		if (k == j + 1)
			return 0; /* "" */
		redact(in, i, j + 1, k, o);
		out_write(o, in + k, end - k);
		return end;
	}
	for (k = j; k < n && value_char(in[k]); k++)
		;
	/* A ? or :name at the cut may be the start of a longer value. */
	if (k == j || (placeholder(in + j, k - j) && !(cut && k == n)))
		return 0;
	return redact(in, i, j, k, o);
}

/* Bearer TOKEN, Basic TOKEN (any case, at a word start). */
static size_t auth_at(const char *in, size_t n, size_t i, struct out *o)
{
	static const char *const schemes[] = { "bearer", "basic" };
	size_t j = 0, k;

	if (i && isalnum((unsigned char)in[i - 1]))
		return 0;
	for (size_t t = 0; t < 2; t++) {
		size_t sl = strlen(schemes[t]);

		if (i + sl < n && !strncasecmp(in + i, schemes[t], sl) && in[i + sl] == ' ') {
			j = i + sl;
			break;
		}
	}
	if (!j)
		return 0;
	while (j < n && in[j] == ' ')
		j++;
	for (k = j; k < n && value_char(in[k]); k++)
		;
	if (k == j)
		return 0;
	return redact(in, i, j, k, o);
}

/* scheme://user:PASSWORD@host at the "://". */
static size_t url_at(const char *in, size_t n, size_t i, bool cut, struct out *o)
{
	size_t start = i + 3, end, at = 0, colon = 0;

	if (i + 3 > n || strncmp(in + i, "://", 3))
		return 0;
	for (end = start; end < n && !strchr("/?#\"' \t\n", in[end]) && in[end]; end++)
		if (in[end] == '@')
			at = end;
	/* Cut inside user:pass (no @ yet): what came of the password is hidden. */
	if (!at && cut && end == n)
		at = n;
	if (!at)
		return 0;
	for (size_t j = start; j < at; j++) {
		if (in[j] == ':') {
			colon = j;
			break;
		}
	}
	if (!colon || colon + 1 == at)
		return 0;
	return redact(in, i, colon + 1, at, o);
}

static void scrub_secrets(unsigned flags, const char *in, size_t n, struct out *o)
{
	bool cut = flags & SHAPE_CUT;
	size_t i = 0, next;

	while (i < n) {
		next = url_at(in, n, i, cut, o);
		if (!next && isalpha((unsigned char)in[i])) {
			next = auth_at(in, n, i, o);
			if (!next)
				next = secret_at(in, n, i, cut, o);
		}
		if (next) {
			i = next;
			continue;
		}
		out_putc(o, in[i++]);
	}
}

size_t shape_scrub(unsigned flags, const char *in, size_t n, char *out, size_t outlen)
{
	struct out o = out_init(out, outlen);
	struct out tmp = { 0 };
	char small[1024], *buf;

	if ((flags & PF_SCRUB_SECRETS) && (flags & PF_SCRUB_SQL)) {
		scrub_secrets(flags, in, n, &tmp);
		buf = tmp.len < sizeof(small) ? small : malloc(tmp.len + 1);
		if (!buf) {
			/* Nothing is shown rather than something unscrubbed. */
			out_write(&o, "***", 3);
			return out_end(&o);
		}
		tmp = out_init(buf, tmp.len + 1);
		scrub_secrets(flags, in, n, &tmp);
		scrub_sql(flags, buf, tmp.len, &o);
		if (buf != small)
			free(buf);
	} else if (flags & PF_SCRUB_SECRETS) {
		scrub_secrets(flags, in, n, &o);
	} else if (flags & PF_SCRUB_SQL) {
		scrub_sql(flags, in, n, &o);
	} else {
		out_write(&o, in, n);
	}
	return out_end(&o);
}
