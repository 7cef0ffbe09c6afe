// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* shape_scrub: SQL literals and secrets in captured strings, and the snprintf convention. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "probefile.h"
#include "scrub.h"

static void scrubs(unsigned flags, const char *in, const char *want)
{
	char out[512];
	size_t n = shape_scrub(flags, in, strlen(in), out, sizeof(out));

	cr_assert_str_eq(out, want, "in: %s", in);
	cr_assert_eq(n, strlen(want), "%s", in);
}

#define SQL PF_SCRUB_SQL
#define SECRETS PF_SCRUB_SECRETS

Test(shape, sql_string_literals)
{
	scrubs(SQL, "SELECT * FROM users WHERE name = 'bob'", "SELECT * FROM users WHERE name = ?");
	scrubs(SQL, "INSERT INTO t VALUES ('it''s', 'x')", "INSERT INTO t VALUES (?)");
	scrubs(SQL, "WHERE a = 'it\\'s' AND b = 'y'", "WHERE a = ? AND b = ?");
	scrubs(SQL, "WHERE a = ''", "WHERE a = ?");
	scrubs(SQL, "WHERE note = 'cut at the capture li", "WHERE note = ?");
}

Test(shape, sql_numbers)
{
	scrubs(SQL, "SELECT * FROM t1 WHERE id = 42 LIMIT 10",
	       "SELECT * FROM t1 WHERE id = ? LIMIT ?");
	scrubs(SQL, "WHERE price > 3.14 AND qty < 1e-5", "WHERE price > ? AND qty < ?");
	scrubs(SQL, "WHERE flags & 0x1F = 0x10", "WHERE flags & ? = ?");
	scrubs(SQL, "WHERE x = -7", "WHERE x = ?");
	scrubs(SQL, "SELECT col2, t3.c4, $1, :p5, ?6 FROM tab9 WHERE 1=1",
	       "SELECT col2, t3.c4, $1, :p5, ?6 FROM tab9 WHERE ?=?");
	scrubs(SQL, "42", "?");
}

Test(shape, sql_signed_decimal_hex)
{
	scrubs(SQL, "WHERE a = -42.5 AND b = +1e3 AND c = - 7", "WHERE a = ? AND b = ? AND c = ?");
	scrubs(SQL, "SELECT a-1, a - 1, (b)-2, ?-3, 'x'-4, 1-5 FROM t",
	       "SELECT a-?, a - ?, (b)-?, ?-?, ?-?, ?-? FROM t");
	scrubs(SQL, "SELECT -1, f(-2), x*-3 WHERE y IN (-4) AND z > -5 LIMIT -6",
	       "SELECT ?, f(?), x*? WHERE y IN (?) AND z > ? LIMIT ?");
	scrubs(SQL, "WHERE a = .5 AND b = 1e-3 AND c = 2E+10", "WHERE a = ? AND b = ? AND c = ?");
	scrubs(SQL, "WHERE h = x'0A1b' AND g = X'' AND f = 0x1F AND e = b'101' AND d = N'na'",
	       "WHERE h = ? AND g = ? AND f = ? AND e = ? AND d = ?");
	scrubs(SQL, "SELECT t1.col_2, x2, max(c3) FROM t1 WHERE e1x = 1",
	       "SELECT t1.col_2, x2, max(c3) FROM t1 WHERE e1x = ?");
	scrubs(SQL, "SELECT x FROM t WHERE x = 'x'", "SELECT x FROM t WHERE x = ?");
}

Test(shape, sql_lists_collapse)
{
	scrubs(SQL, "WHERE id IN (1, 2, 3)", "WHERE id IN (?)");
	scrubs(SQL, "WHERE id IN (7)", "WHERE id IN (?)");
	scrubs(SQL, "WHERE id in ( -1 ,'a',x'0F', ?, ?2 )", "WHERE id in (?)");
	scrubs(SQL, "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')",
	       "INSERT INTO t (a, b) VALUES (?)");
	scrubs(SQL, "INSERT INTO t VALUES (1, 'x') , ( 2 , 'y' ) ON CONFLICT DO NOTHING",
	       "INSERT INTO t VALUES (?) ON CONFLICT DO NOTHING");
	scrubs(SQL, "insert into t values(1),(2)", "insert into t values(?)");
	/* Fingerprints agree whatever the count. */
	scrubs(SQL, "WHERE a IN (1,2) AND b IN ('x', 'y', 'z', 'w')",
	       "WHERE a IN (?) AND b IN (?)");
	/* Not only literals: kept as they are, literals scrubbed. */
	scrubs(SQL, "WHERE id IN (1, NULL, b)", "WHERE id IN (?, NULL, b)");
	scrubs(SQL, "WHERE id IN (SELECT 1)", "WHERE id IN (SELECT ?)");
	scrubs(SQL, "SELECT f(1), (2), (3)", "SELECT f(?), (?), (?)");
	scrubs(SQL, "VALUES (1), (a)", "VALUES (?), (a)");
	scrubs(SQL, "WHERE id IN ($1, $2)", "WHERE id IN ($1, $2)");
	scrubs(SQL, "WHERE id IN (1, 2", "WHERE id IN (?, ?");
}

Test(shape, sql_comments)
{
	scrubs(SQL, "SELECT a -- the id 42\nFROM t", "SELECT a FROM t");
	scrubs(SQL, "/* app=web,id=7 */ SELECT 1", "SELECT ?");
	scrubs(SQL, "SELECT a/* x */FROM t WHERE b = /* 1 */ 2", "SELECT a FROM t WHERE b = ?");
	scrubs(SQL, "WHERE a IN (1, /* two */ 2)", "WHERE a IN (?)");
	scrubs(SQL, "SELECT 'a -- not a comment', \"/* nor this */\" FROM t",
	       "SELECT ?, \"/* nor this */\" FROM t");
	scrubs(SQL, "SELECT 1 /* cut at the capture li", "SELECT ? ");
	scrubs(SQL, "SELECT a - -1", "SELECT a - ?");
}

Test(shape, sql_double_quotes_per_dialect)
{
	scrubs(SQL, "SELECT \"name\" FROM t WHERE a = \"bob\"",
	       "SELECT \"name\" FROM t WHERE a = \"bob\"");
	scrubs(SQL | PF_SCRUB_SQL_DQ, "SELECT `name` FROM t WHERE a = \"bob\" AND b = \"x\"\"y\"",
	       "SELECT `name` FROM t WHERE a = ? AND b = ?");
	scrubs(SQL | PF_SCRUB_SQL_DQ, "WHERE a IN (\"x\", \"y\")", "WHERE a IN (?)");
	scrubs(SQL | PF_SCRUB_SQL_DQ, "WHERE a = \"cut at the", "WHERE a = ?");
	scrubs(PF_SCRUB_SQL_DQ, "a = \"bob\" AND 1", "a = \"bob\" AND 1");
}

Test(shape, sql_keeps_identifiers_and_placeholders)
{
	scrubs(SQL, "SELECT \"2023 sales\", `col 1` FROM t WHERE a = ?",
	       "SELECT \"2023 sales\", `col 1` FROM t WHERE a = ?");
	scrubs(SQL, "UPDATE t SET a = ? WHERE b = ?", "UPDATE t SET a = ? WHERE b = ?");
	scrubs(SQL, "", "");
}

Test(shape, secrets_key_value)
{
	scrubs(SECRETS, "login user=bob password=hunter2 next", "login user=bob password=*** next");
	scrubs(SECRETS, "PASSWORD=hunter2", "PASSWORD=***");
	scrubs(SECRETS, "host=db passwd=x1&pwd=x2;secret=x3",
	       "host=db passwd=***&pwd=***;secret=***");
	scrubs(SECRETS, "token: abc.def.ghi", "token: ***");
	scrubs(SECRETS, "api_key=AKIA123 apikey=zzz access_key=k",
	       "api_key=*** apikey=*** access_key=***");
	scrubs(SECRETS, "db_password=x access_token=y client_secret=z",
	       "db_password=*** access_token=*** client_secret=***");
	scrubs(SECRETS, "GET /cb?code=1&token=abc123&state=2 HTTP/1.1",
	       "GET /cb?code=1&token=***&state=2 HTTP/1.1");
}

Test(shape, secrets_quoted_and_json)
{
	scrubs(SECRETS, "{\"user\": \"bob\", \"password\": \"hunter2\"}",
	       "{\"user\": \"bob\", \"password\": \"***\"}");
	scrubs(SECRETS, "{\"token\":\"a\\\"b\",\"n\":1}", "{\"token\":\"***\",\"n\":1}");
	scrubs(SECRETS, "{\"apiKey\": 1, \"api_key\": 12345}",
	       "{\"apiKey\": ***, \"api_key\": ***}");
	scrubs(SECRETS, "password = 'hunter 2'", "password = '***'");
	scrubs(SECRETS, "{\"secret\": \"cut at the li", "{\"secret\": \"***");
}

Test(shape, secrets_auth_headers)
{
	scrubs(SECRETS, "Authorization: Bearer eyJhbGciOi.x.y", "Authorization: Bearer ***");
	scrubs(SECRETS, "authorization: basic dXNlcjpwYXNz\r\nHost: x",
	       "authorization: basic ***\r\nHost: x");
	scrubs(SECRETS, "\"Authorization\": \"Bearer abc\"", "\"Authorization\": \"Bearer ***\"");
}

Test(shape, secrets_url_userinfo)
{
	scrubs(SECRETS, "postgres://app:s3cret@db:5432/prod", "postgres://app:***@db:5432/prod");
	scrubs(SECRETS, "https://example.com/a@b", "https://example.com/a@b");
	scrubs(SECRETS, "ftp://anonymous@host/", "ftp://anonymous@host/");
}

Test(shape, secrets_not_placeholders)
{
	scrubs(SECRETS, "UPDATE u SET password = ? WHERE id = ?",
	       "UPDATE u SET password = ? WHERE id = ?");
	scrubs(SECRETS, "SET password=?1, token = $2, secret = :secret, pwd = @pwd, passwd=%s",
	       "SET password=?1, token = $2, secret = :secret, pwd = @pwd, passwd=%s");
	scrubs(SECRETS, "password = ?x token = $ secret = :  pwd = $1a",
	       "password = *** token = *** "
	       "secret = ***  pwd = ***");
	scrubs(SECRETS, "password='?'", "password='***'");
	scrubs(SQL | SECRETS, "UPDATE u SET password = ?, token = 'abc' WHERE id IN (1, 2)",
	       "UPDATE u SET password = ?, token = ? WHERE id IN (?)");
}

Test(shape, secrets_cut_at_the_capture_limit)
{
	scrubs(SECRETS | SHAPE_CUT, "db postgres://app:s3cr", "db postgres://app:***");
	scrubs(SECRETS, "db postgres://app:s3cr", "db postgres://app:s3cr");
	scrubs(SECRETS | SHAPE_CUT, "postgres://app:s3cret@db/x", "postgres://app:***@db/x");
	scrubs(SECRETS | SHAPE_CUT, "postgres://app", "postgres://app");
	scrubs(SECRETS | SHAPE_CUT, "password = ?", "password = ***");
	scrubs(SECRETS | SHAPE_CUT, "password = ? AND token = $", "password = ? AND token = ***");
	scrubs(SECRETS | SHAPE_CUT, "password=hun", "password=***");
	scrubs(SECRETS | SHAPE_CUT, "Authorization: Bearer eyJ", "Authorization: Bearer ***");
	scrubs(SQL | SECRETS | SHAPE_CUT, "SET password = 'hun", "SET password = ?");
}

/* A statement cut anywhere: its scrubbed form is the scrub of what arrived, never longer in secrets. */
Test(shape, cut_anywhere_leaks_nothing)
{
	const char *stmt = "UPDATE u SET password = 'hunter2', token = 'zq9x' WHERE url = "
			   "'postgres://app:Xy55w0rd@db/x' AND id IN (1, 2, 3) -- pwd=ZZZ";
	/* The first two bytes of each secret: nothing else in stmt has them. */
	static const char *const secrets[] = { "hu", "zq", "Xy", "ZZ" };
	char out[512];

	for (size_t cut = 1; cut <= strlen(stmt); cut++) {
		unsigned flags = SQL | SECRETS | (cut < strlen(stmt) ? SHAPE_CUT : 0);

		shape_scrub(flags, stmt, cut, out, sizeof(out));
		for (size_t s = 0; s < 4; s++)
			cr_assert_null(strstr(out, secrets[s]), "cut at %zu: %s", cut, out);
		shape_scrub(SECRETS | (flags & SHAPE_CUT), stmt, cut, out, sizeof(out));
		for (size_t s = 0; s < 4; s++)
			cr_assert_null(strstr(out, secrets[s]), "secrets only, cut at %zu: %s", cut,
				       out);
	}
}

Test(shape, secrets_leave_the_rest)
{
	scrubs(SECRETS, "tokens=5 passwords are hashed; password=&tokenizer: x",
	       "tokens=5 passwords are hashed; password=&tokenizer: x");
	scrubs(SECRETS, "password = hunter2", "password = ***");
	scrubs(SECRETS, "password", "password");
	scrubs(SECRETS, "password=\"\"", "password=\"\"");
	scrubs(SECRETS, "unrelated text 12", "unrelated text 12");
}

Test(shape, both)
{
	scrubs(SQL | SECRETS, "UPDATE users SET password = 'hunter2', age = 30 WHERE id = 7",
	       "UPDATE users SET password = ?, age = ? WHERE id = ?");
	scrubs(SQL | SECRETS, "INSERT INTO s VALUES ('token=abc', 5)", "INSERT INTO s VALUES (?)");
}

Test(shape, none_copies)
{
	scrubs(0, "password=x '1'", "password=x '1'");
}

Test(shape, snprintf_convention)
{
	const char *in = "WHERE a = 'xyz' AND b = 12345";
	char out[8];
	size_t n;

	n = shape_scrub(SQL, in, strlen(in), out, sizeof(out));
	cr_assert_eq(n, strlen("WHERE a = ? AND b = ?"));
	cr_assert_str_eq(out, "WHERE a");
	n = shape_scrub(SQL, in, strlen(in), NULL, 0);
	cr_assert_eq(n, strlen("WHERE a = ? AND b = ?"));
	n = shape_scrub(SECRETS, "token=abc", 9, out, 1);
	cr_assert_eq(n, 9);
	cr_assert_str_eq(out, "");
}

Test(shape, not_nul_terminated_input)
{
	char in[] = { 'p', 'w', 'd', '=', 'a', 'b', 'X' };
	char out[64];

	cr_assert_eq(shape_scrub(SECRETS, in, 6, out, sizeof(out)), 7);
	cr_assert_str_eq(out, "pwd=***");
}

Test(shape, long_input_both)
{
	char in[3000], want[3000], out[3000];
	size_t n = 0, w = 0;

	/* Longer than shape_scrub's stack buffer: the heap path. */
	while (n < 2900) {
		n += (size_t)snprintf(in + n, sizeof(in) - n, "pwd=x%zu '%zu' ", n, n);
		w += (size_t)snprintf(want + w, sizeof(want) - w, "pwd=*** ? ");
	}
	cr_assert_eq(shape_scrub(SQL | SECRETS, in, n, out, sizeof(out)), w);
	cr_assert_str_eq(out, want);
}
