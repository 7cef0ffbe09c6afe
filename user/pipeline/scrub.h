/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shaping of captured strings before output (probe-file 'scrub'): pure
 * functions, no state.
 */
#ifndef AT_SHAPE_H
#define AT_SHAPE_H

#include <stddef.h>

/*
 * With the PF_SCRUB_* flags: in is the head of a longer value (the capture
 * was cut at -s), so what runs to its end may be the start of a secret.
 */
#define SHAPE_CUT (1u << 7)

/*
 * Copies in[0..n) to out with what flags (PF_SCRUB_*) ask for:
 *
 *   PF_SCRUB_SQL      single-quoted literals ('it''s', with '' and \' escapes),
 *                     numbers that are not part of an identifier (with a
 *                     unary sign: = -42.5, 1e3, 0x1F) and x'0A', b'', n'',
 *                     e'' literals become ?; a parenthesised list of only
 *                     literals and ? (IN (1, 2), VALUES (1, 'a'), (2, 'b'))
 *                     becomes one (?); -- and block comments are dropped;
 *                     "quoted" and `quoted` identifiers are kept. An
 *                     unterminated literal (a cut capture) is ? to the end.
 *   PF_SCRUB_SECRETS  the value after password, passwd, pwd, secret, token,
 *                     api_key, apikey, access_key (any case, also as the end
 *                     of a longer key such as db_password) followed by = or :,
 *                     quoted or not (JSON "token": "x" too), the token after
 *                     Bearer and Basic, and the password of user:pass@ in
 *                     URLs become ***. A bound parameter (?, ?NNN, $N,
 *                     :name, @name, %s) as the value is not a secret.
 *   PF_SCRUB_SQL_DQ   with PF_SCRUB_SQL: "quoted" is a string literal
 *                     (MySQL), not an identifier (PostgreSQL, SQLite).
 *   SHAPE_CUT         in was cut: a user:pass@ cut before its @, or a
 *                     placeholder-looking value at the end, is ***.
 *
 * Secrets are scrubbed first, then SQL. Returns the length of the whole
 * result, like snprintf: out gets at most outlen - 1 bytes and a NUL when
 * outlen > 0. in need not be NUL-terminated and may hold NULs.
 */
size_t shape_scrub(unsigned flags, const char *in, size_t n, char *out, size_t outlen);

#endif /* AT_SHAPE_H */
