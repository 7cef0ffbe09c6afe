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

/* End of a numeric literal at in[i]: 42, 3.14, 1e-5, 0x1F. */
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

static void scrub_sql(const char *in, size_t n, struct out *o)
{
	size_t i = 0, end;

	while (i < n) {
		char c = in[i];

		if (c == '\'') {
			/* 'it''s' and 'it\'s': one literal either way. */
			i = quoted_end(in, n, i, true);
			out_putc(o, '?');
		} else if (c == '"' || c == '`') {
			/* Quoted identifiers stay, digits in them too. */
			end = quoted_end(in, n, i, true);
			out_write(o, in + i, end - i);
			i = end;
		} else if (isdigit((unsigned char)c) &&
			   (i == 0 || (!ident_char(in[i - 1]) && in[i - 1] != '?'))) {
			/* Not t1, $1 or SQLite's ?NNN parameters. */
			i = number_end(in, n, i);
			out_putc(o, '?');
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
 * KEY [quote] [spaces] = or : [spaces] VALUE at in[i]. Returns the position
 * after what was written (key, separators, *** and a closing quote), 0 if
 * there is no secret here.
 */
static size_t secret_at(const char *in, size_t n, size_t i, struct out *o)
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
	if (k == j)
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
static size_t url_at(const char *in, size_t n, size_t i, struct out *o)
{
	size_t start = i + 3, end, at = 0, colon = 0;

	if (i + 3 > n || strncmp(in + i, "://", 3))
		return 0;
	for (end = start; end < n && !strchr("/?#\"' \t\n", in[end]) && in[end]; end++)
		if (in[end] == '@')
			at = end;
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

static void scrub_secrets(const char *in, size_t n, struct out *o)
{
	size_t i = 0, next;

	while (i < n) {
		next = url_at(in, n, i, o);
		if (!next && isalpha((unsigned char)in[i])) {
			next = auth_at(in, n, i, o);
			if (!next)
				next = secret_at(in, n, i, o);
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
		scrub_secrets(in, n, &tmp);
		buf = tmp.len < sizeof(small) ? small : malloc(tmp.len + 1);
		if (!buf) {
			/* Nothing is shown rather than something unscrubbed. */
			out_write(&o, "***", 3);
			return out_end(&o);
		}
		tmp = out_init(buf, tmp.len + 1);
		scrub_secrets(in, n, &tmp);
		scrub_sql(buf, tmp.len, &o);
		if (buf != small)
			free(buf);
	} else if (flags & PF_SCRUB_SECRETS) {
		scrub_secrets(in, n, &o);
	} else if (flags & PF_SCRUB_SQL) {
		scrub_sql(in, n, &o);
	} else {
		out_write(&o, in, n);
	}
	return out_end(&o);
}
