// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Aggregation by a field against real targets: sqlite3_prepare_v2's scrubbed
 * SQL (targets/sqlq, the system's libsqlite3) and openat's filename, each
 * value's calls and failing calls exact in the JSON and text summaries.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define SQLQ (char *)build_path("sqlq")

/* The probe on sqlite3_prepare_v2, its SQL scrubbed; extra lines are the test's. */
#define SQL_PROBE                                                                              \
	"probes:\n  - name: queries\n    kind: function\n"                                     \
	"    attach: libsqlite3:sqlite3_prepare_v2(ptr db, str sql, int nbyte, ptr stmt, ptr " \
	"tail) -> int != 0\n    scrub: sql\n"

/* Runs agent-trace ARGS -C yaml -- sqlq shapes (ARGS up to 2), asserting exit 0; its stdout. */
static char *run_sqlq(const char *yaml, const char *a1, const char *a2)
{
	char file[64], out[64], err[64], *o, *e;
	char *argv[10] = { AT }, **p = argv + 1;
	int st;

	tmp_names("agg", file, out, err);
	write_text(file, "%s", yaml);
	if (a1)
		*p++ = (char *)a1;
	if (a2)
		*p++ = (char *)a2;
	*p++ = "-C";
	*p++ = file;
	*p++ = "--";
	*p++ = SQLQ;
	*p++ = "shapes";
	st = run_capture(argv, &o, &e);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s\n%s", st, e, o);
	free(e);
	unlink(file);
	return o;
}

/* The number after "key": in s, past where; asserts it is there. */
static unsigned long long num_after(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	cr_assert_not_null(p, "no %s in %s", key, s);
	return strtoull(p + strlen(key), NULL, 10);
}

/* Sum of "calls" over the aggregates array of the probe_summary line in o. */
static unsigned long long aggregated_calls(const char *o, size_t *rows)
{
	const char *p = strstr(o, "\"aggregates\":[");
	unsigned long long sum = 0;

	cr_assert_not_null(p, "%s", o);
	*rows = 0;
	for (const char *end = strchr(p, '\n'); (p = strstr(p, ",\"calls\":")) && p < end; p++) {
		sum += strtoull(p + 9, NULL, 10);
		(*rows)++;
	}
	return sum;
}

/*
 * 5 SELECTs differing in a literal are one shape; 3 INSERTs, 1 failing, are
 * another; each CREATE is its own. No line per event: aggregate alone.
 */
Test(aggregate, sql_shapes_counted_exactly_in_the_json_summary)
{
	char *o = run_sqlq(SQL_PROBE "    aggregate: sql\n", "--json", NULL);
	unsigned long long calls;
	size_t rows;

	cr_assert_eq(count_lines(o, "\"type\":\"call\""), 0, "%s", o);
	cr_assert_eq(count_lines(o, "\"aggregate_by\":\"sql\",\"aggregate_top\":20,"
				    "\"aggregate_max\":1024,"),
		     1, "%s", o);
	/* Most calls first. */
	cr_assert_eq(count_lines(o, "\"aggregate_full\":false,\"aggregates\":[{\"value\":\"SELECT "
				    "name FROM users WHERE id = ?\",\"calls\":5,\"failing\":0,"),
		     1, "%s", o);
	cr_assert_eq(count_lines(o, "},{\"value\":\"INSERT INTO logs VALUES (?)\",\"calls\":3,"
				    "\"failing\":1,"),
		     1, "%s", o);
	cr_assert_eq(count_lines(o, "{\"value\":\"CREATE TABLE users(id INTEGER, name TEXT)\","
				    "\"calls\":1,\"failing\":0,"),
		     1, "%s", o);
	cr_assert_eq(count_lines(o, "{\"value\":\"CREATE TABLE logs(n INTEGER, msg TEXT)\","
				    "\"calls\":1,\"failing\":0,"),
		     1, "%s", o);
	/* The literals never reach the table. */
	cr_assert_eq(count_lines(o, "msg 2"), 0, "%s", o);
	cr_assert_eq(count_lines(o, "first"), 0, "%s", o);
	/* sqlite's own nested prepares (its schema) are rows too: every call is in some row. */
	calls = num_after(o, "\"probe_name\":\"queries\",\"calls\":");
	cr_assert_geq(calls, 11);
	cr_assert_eq(num_after(o, "\"probe_name\":\"queries\",\"calls\":"), calls);
	cr_assert_eq(aggregated_calls(o, &rows), calls, "%s", o);
	cr_assert_eq(num_after(o, "\"aggregate_values\":"), rows, "%s", o);
	cr_assert_eq(count_lines(o, "\"other\":true"), 0, "%s", o);
	free(o);
}

/* max 1: the first value is tracked, every other call is "other"; the sum still holds. */
Test(aggregate, full_table_counts_the_rest_as_other)
{
	char *o = run_sqlq(SQL_PROBE "    aggregate: {by: sql, max: 1}\n", "--json", NULL);
	unsigned long long calls = num_after(o, "\"probe_name\":\"queries\",\"calls\":");
	char want[128];
	size_t rows;

	cr_assert_eq(count_lines(o, "\"aggregate_top\":1,\"aggregate_max\":1,\"aggregate_values\":"
				    "1,\"aggregate_full\":true,\"aggregates\":[{\"value\":\""),
		     1, "%s", o);
	snprintf(want, sizeof(want), "{\"value\":null,\"other\":true,\"calls\":%llu,\"failing\":1,",
		 calls - 1);
	cr_assert_eq(count_lines(o, want), 1, "%s", o);
	cr_assert_eq(aggregated_calls(o, &rows), calls, "%s", o);
	cr_assert_eq(rows, 2);
	free(o);
}

/* The one line of the text table that ends with value: its calls and failing columns. */
static void row_is(const char *o, const char *value, unsigned long long calls,
		   unsigned long long failing)
{
	const char *p = strstr(o, value);
	const char *line;
	unsigned long long c, f;

	cr_assert_not_null(p, "no %s in %s", value, o);
	cr_assert_eq(p[strlen(value)], '\n', "%s", o);
	cr_assert_null(strstr(p + 1, value), "%s twice in %s", value, o);
	for (line = p; line > o && line[-1] != '\n'; line--)
		;
	cr_assert_eq(sscanf(line, "%llu %llu", &c, &f), 2, "%s", line);
	cr_assert_eq(c, calls, "%s", line);
	cr_assert_eq(f, failing, "%s", line);
}

/* With event in action the lines come as well; the text table shows each shape. */
Test(aggregate, text_table_and_event_lines_when_asked)
{
	char *o = run_sqlq(SQL_PROBE "    aggregate: {by: sql, top: 2}\n    action: event\n", NULL,
			   NULL);
	unsigned long long hits = num_after(o, "  [queries] hits ");

	cr_assert_eq(count_lines(o, "[queries] libsqlite3:sqlite3_prepare_v2(db="), hits, "%s", o);
	cr_assert_eq(count_lines(o, "@queries by sql: "), 1, "%s", o);
	cr_assert_eq(count_lines(o, "    calls  failing    avg(us)    p50(us)    p99(us)    "
				    "max(us)  value"),
		     1, "%s", o);
	row_is(o, "  \"SELECT name FROM users WHERE id = ?\"", 5, 0);
	row_is(o, "  \"INSERT INTO logs VALUES (?)\"", 3, 1);
	row_is(o, "  (other)", hits - 8, 0);
	free(o);
}

/* -c makes no records, which the table needs: an error, not an empty table. */
Test(aggregate, summary_only_is_refused)
{
	char file[64], out[64], err[64], *o, *e;
	char *argv[] = { AT, "-c", "-C", file, "--", SQLQ, "shapes", NULL };
	int st;

	tmp_names("agg-c", file, out, err);
	write_text(file, "%s", SQL_PROBE "    aggregate: sql\n");
	st = run_capture(argv, &o, &e);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0, "status %d", st);
	cr_assert_not_null(strstr(e, "probe 'queries': aggregate needs the probe's records, which "
				     "-c does not make; drop -c"),
			   "%s", e);
	free(o);
	free(e);
	unlink(file);
}

/* A syscall probe: openat by filename, a failing open counted as failing. */
Test(aggregate, openat_by_filename_with_failing_calls)
{
	char file[64], out[64], err[64], there[64], cmd[512], *o, *e;
	char *argv[] = { AT, "--json", "-f", "-C", file, "--", "/bin/sh", "-c", cmd, NULL };
	int st, fd;

	tmp_names("agg-open", file, out, err);
	tmp_name(there, sizeof(there), "agg-there", "txt");
	fd = open(there, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	/* cat opens each argument once: there twice, the missing file once (ENOENT). */
	snprintf(cmd, sizeof(cmd), "cat %s %s %s.missing 2>/dev/null; exit 0", there, there, there);
	write_text(file, "probes:\n  - name: opens\n    kind: syscall\n    attach: openat\n"
			 "    filter: filename startswith \"/tmp/agent-trace-agg-there\"\n"
			 "    aggregate: filename\n");
	st = run_capture(argv, &o, &e);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, e);
	snprintf(cmd, sizeof(cmd), "\"aggregates\":[{\"value\":\"%s\",\"calls\":2,\"failing\":0,",
		 there);
	cr_assert_eq(count_lines(o, cmd), 1, "%s", o);
	snprintf(cmd, sizeof(cmd), "},{\"value\":\"%s.missing\",\"calls\":1,\"failing\":1,", there);
	cr_assert_eq(count_lines(o, cmd), 1, "%s", o);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"opens\",\"calls\":3,\"failing\":1,"), 1, "%s",
		     o);
	cr_assert_eq(count_lines(o, "\"type\":\"syscall\""), 0, "%s", o);
	free(o);
	free(e);
	unlink(file);
	unlink(there);
}
