/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shaping of captured strings before output (probe-file 'scrub'): pure
 * functions, no state.
 */
#ifndef AT_SHAPE_H
#define AT_SHAPE_H

#include <stddef.h>

/*
 * Copies in[0..n) to out with what flags (PF_SCRUB_*) ask for:
 *
 *   PF_SCRUB_SQL      single-quoted literals ('it''s', with '' and \' escapes)
 *                     and numeric literals that are not part of an identifier
 *                     become ?; "quoted" and `quoted` identifiers are kept.
 *                     An unterminated literal (a cut capture) is ? to the end.
 *   PF_SCRUB_SECRETS  the value after password, passwd, pwd, secret, token,
 *                     api_key, apikey, access_key (any case, also as the end
 *                     of a longer key such as db_password) followed by = or :,
 *                     quoted or not (JSON "token": "x" too), the token after
 *                     Bearer and Basic, and the password of user:pass@ in
 *                     URLs become ***.
 *
 * Secrets are scrubbed first, then SQL. Returns the length of the whole
 * result, like snprintf: out gets at most outlen - 1 bytes and a NUL when
 * outlen > 0. in need not be NUL-terminated and may hold NULs.
 */
size_t shape_scrub(unsigned flags, const char *in, size_t n, char *out, size_t outlen);

#endif /* AT_SHAPE_H */
