// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Aggregation by a field: bounds, the other row, top-N order, failing counts, histograms. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "decode.h"
#include "probefile.h"
#include "probes.h"
#include "prom.h"
#include "summary.h"
#include "uspec.h"

static struct aggregate *agg(unsigned top, unsigned max)
{
	struct aggregate_opts o = { .top = top, .max = max, .arg = 1 };
	struct aggregate *a = aggregate__new(&o);

	cr_assert_not_null(a, "top %u max %u: %s", top, max, strerror(errno));
	return a;
}

static void add(struct aggregate *a, const char *v, unsigned times, bool failing, uint64_t dur)
{
	for (unsigned i = 0; i < times; i++)
		aggregate__add(a, v, v ? strlen(v) : 0, failing, dur);
}

static void assert_row(const struct agg_row *r, uint8_t kind, const char *v, uint64_t calls,
		       uint64_t failing)
{
	cr_assert_eq(r->kind, kind);
	if (v) {
		cr_assert_eq(r->len, strlen(v), "%.*s", (int)r->len, r->value);
		cr_assert(!memcmp(r->value, v, r->len), "%.*s != %s", (int)r->len, r->value, v);
	} else {
		cr_assert_eq(r->len, 0);
	}
	cr_assert_eq(r->st.count, calls, "%s: %llu calls", v ? v : "?",
		     (unsigned long long)r->st.count);
	cr_assert_eq(r->st.errors, failing, "%s: %llu failing", v ? v : "?",
		     (unsigned long long)r->st.errors);
}

Test(aggregate, bounds_are_checked)
{
	static const struct aggregate_opts bad[] = {
		{ .top = 0, .max = 10 },
		{ .top = AGG_TOP_MAX + 1, .max = AGG_MAX_MAX },
		{ .top = 5, .max = 4 },
		{ .top = 1, .max = AGG_MAX_MAX + 1 },
		{ .top = 1, .max = 1, .arg = AT_MAX_ARGS },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		cr_assert_null(aggregate__new(&bad[i]), "case %zu", i);
		cr_assert_eq(errno, EINVAL, "case %zu", i);
	}
	aggregate__free(agg(AGG_TOP_MAX, AGG_MAX_MAX));
	aggregate__free(NULL);
	/* A table nothing was added to reads as no rows (a scrape before the first call). */
	struct aggregate *a = agg(1, 1);
	struct agg_rows r;

	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 0);
	cr_assert_eq(r.values, 0);
	cr_assert_not(r.full);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, top_rows_by_calls_ties_by_value_with_failing_counts)
{
	struct aggregate *a = agg(20, 1024);
	struct agg_rows r;

	add(a, "SELECT b", 3, false, 100);
	add(a, "SELECT a", 5, false, 100);
	add(a, "SELECT b", 1, true, 100);
	add(a, "INSERT", 4, false, 100);
	add(a, "INSERTX", 4, true, 100);
	add(a, "DELETE", 4, false, 100);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.values, 5);
	cr_assert_not(r.full);
	cr_assert_eq(r.top, 20);
	cr_assert_eq(r.max, 1024);
	assert_row(&r.v[0], AGG_ROW_VALUE, "SELECT a", 5, 0);
	/* Four calls each: by value, bytewise, a prefix first. */
	assert_row(&r.v[1], AGG_ROW_VALUE, "DELETE", 4, 0);
	assert_row(&r.v[2], AGG_ROW_VALUE, "INSERT", 4, 0);
	assert_row(&r.v[3], AGG_ROW_VALUE, "INSERTX", 4, 4);
	assert_row(&r.v[4], AGG_ROW_VALUE, "SELECT b", 4, 1);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, rows_past_top_are_other_and_the_sum_is_every_call)
{
	struct aggregate *a = agg(2, 1024);
	struct agg_rows r;
	uint64_t sum = 0;

	add(a, "a", 10, false, 1000);
	add(a, "b", 7, true, 2000);
	add(a, "c", 3, true, 5000);
	add(a, "d", 2, false, 3000);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.values, 4);
	assert_row(&r.v[0], AGG_ROW_VALUE, "a", 10, 0);
	assert_row(&r.v[1], AGG_ROW_VALUE, "b", 7, 7);
	assert_row(&r.v[2], AGG_ROW_OTHER, NULL, 5, 3);
	cr_assert_eq(r.v[2].st.total_ns, 3 * 5000 + 2 * 3000);
	cr_assert_eq(r.v[2].st.max_ns, 5000);
	cr_assert_eq(r.v[2].st.hist[at_hist_bucket(5000)], 3);
	cr_assert_eq(r.v[2].st.hist[at_hist_bucket(3000)], 2);
	for (size_t i = 0; i < r.n; i++)
		sum += r.v[i].st.count;
	cr_assert_eq(sum, 22);
	agg_rows__free(&r);
	/* A value that overtakes moves out of other: rows are ranked anew at each read. */
	add(a, "d", 9, false, 3000);
	cr_assert_eq(aggregate__read(a, &r), 0);
	assert_row(&r.v[0], AGG_ROW_VALUE, "d", 11, 0);
	assert_row(&r.v[1], AGG_ROW_VALUE, "a", 10, 0);
	assert_row(&r.v[2], AGG_ROW_OTHER, NULL, 10, 10);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, a_full_table_counts_new_values_in_other_and_keeps_known_ones)
{
	struct aggregate *a = agg(3, 3);
	struct agg_rows r;
	char v[16];

	for (int i = 0; i < 10; i++) {
		snprintf(v, sizeof(v), "v%d", i);
		add(a, v, 1, i == 7, 10);
	}
	/* v0..v2 took the table; v3..v9 are other, and v1 is still counted as itself. */
	add(a, "v1", 2, false, 10);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.values, 3);
	cr_assert(r.full);
	cr_assert_eq(r.n, 4);
	assert_row(&r.v[0], AGG_ROW_VALUE, "v1", 3, 0);
	assert_row(&r.v[1], AGG_ROW_VALUE, "v0", 1, 0);
	assert_row(&r.v[2], AGG_ROW_VALUE, "v2", 1, 0);
	assert_row(&r.v[3], AGG_ROW_OTHER, NULL, 7, 1);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, many_values_fill_exactly_max)
{
	struct aggregate *a = agg(AGG_TOP_MAX, AGG_MAX_MAX);
	struct agg_rows r;
	uint64_t sum = 0;
	char v[16];

	/* Twice max distinct values, the first max of them twice. */
	for (int i = 0; i < 2 * AGG_MAX_MAX; i++) {
		snprintf(v, sizeof(v), "%d", i);
		add(a, v, i < AGG_MAX_MAX ? 2 : 1, false, 1);
	}
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.values, AGG_MAX_MAX);
	cr_assert_eq(r.n, AGG_TOP_MAX + 1);
	for (size_t i = 0; i < r.n; i++)
		sum += r.v[i].st.count;
	cr_assert_eq(sum, 3 * AGG_MAX_MAX);
	cr_assert_eq(r.v[AGG_TOP_MAX].kind, AGG_ROW_OTHER);
	cr_assert_eq(r.v[AGG_TOP_MAX].st.count, 3 * AGG_MAX_MAX - 2 * AGG_TOP_MAX);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, histogram_and_durations_per_value)
{
	struct aggregate *a = agg(20, 1024);
	struct agg_rows r;

	/* 1..100 us for "q", one call each. */
	for (uint64_t us = 1; us <= 100; us++)
		aggregate__add(a, "q", 1, us % 10 == 0, us * 1000);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 1);
	assert_row(&r.v[0], AGG_ROW_VALUE, "q", 100, 10);
	cr_assert_eq(r.v[0].st.total_ns, 5050 * 1000);
	cr_assert_eq(r.v[0].st.max_ns, 100000);
	for (uint64_t us = 1; us <= 100; us++)
		cr_assert_geq(r.v[0].st.hist[at_hist_bucket(us * 1000)], 1);
	/* The summary's quantiles work on it as on the kernel's rows. */
	uint64_t p50 = hist_quantile(r.v[0].st.hist, r.v[0].st.count, 0.5, r.v[0].st.max_ns);

	cr_assert(p50 >= 40000 && p50 <= 60000, "p50 %llu", (unsigned long long)p50);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, values_are_bytes_cut_at_the_slot_size)
{
	struct aggregate *a = agg(20, 1024);
	char big[AGG_VALUE_MAX + 50];
	struct agg_rows r;

	memset(big, 'x', sizeof(big));
	aggregate__add(a, big, sizeof(big), false, 1);
	aggregate__add(a, big, AGG_VALUE_MAX, false, 1);
	/* Embedded NULs are part of a buffer's value. */
	aggregate__add(a, "a\0b", 3, false, 1);
	aggregate__add(a, "a\0c", 3, false, 1);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.v[0].len, AGG_VALUE_MAX);
	cr_assert_eq(r.v[0].st.count, 2);
	cr_assert_eq(r.v[1].len, 3);
	cr_assert(!memcmp(r.v[1].value, "a\0b", 3));
	cr_assert(!memcmp(r.v[2].value, "a\0c", 3));
	agg_rows__free(&r);
	aggregate__free(a);
}

/* A decoded event with argument 1 as the key. */
static struct event call_event(const char *v, uint16_t flags, uint64_t dur)
{
	struct event ev = { .kind = EV_CALL, .nargs = 2, .flags = flags, .dur_ns = dur };

	ev.args[0] = (struct event_arg){ .name = "db", .value = 0x1000, .type = UT_PTR };
	ev.args[1] = (struct event_arg){ .name = "sql",
					 .value = v ? 0x2000 : 0,
					 .bytes = v,
					 .len = v ? (uint16_t)strlen(v) : 0,
					 .type = UT_STR };
	return ev;
}

Test(aggregate, events_by_their_argument_failing_and_unreadable)
{
	struct aggregate *a = agg(20, 1024);
	struct event ev;
	struct agg_rows r;

	for (int i = 0; i < 5; i++) {
		ev = call_event("SELECT ?", 0, 2000);
		aggregate__event(a, &ev);
	}
	for (int i = 0; i < 3; i++) {
		ev = call_event("INSERT ?", i == 1 ? EV_FAILING : 0, 3000);
		aggregate__event(a, &ev);
	}
	/* A pointer that could not be read, a NULL one: no value, still a call. */
	ev = call_event("junk", EV_FAILING, 4000);
	ev.args[1].flags = EVA_FAULTED;
	aggregate__event(a, &ev);
	ev = call_event(NULL, 0, 4000);
	aggregate__event(a, &ev);
	/* A syscall fails by its errno; an entry-only call has no duration. */
	ev = call_event("/etc/x", 0, 7000);
	ev.kind = EV_SYSCALL;
	ev.err = 2;
	aggregate__event(a, &ev);
	ev = call_event("/etc/x", EV_ENTRY_ONLY, 7000);
	ev.kind = EV_SYSCALL;
	aggregate__event(a, &ev);
	/* Process events are not calls. */
	ev = (struct event){ .kind = EV_EXIT };
	aggregate__event(a, &ev);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 4);
	assert_row(&r.v[0], AGG_ROW_VALUE, "SELECT ?", 5, 0);
	cr_assert_eq(r.v[0].st.total_ns, 10000);
	assert_row(&r.v[1], AGG_ROW_VALUE, "INSERT ?", 3, 1);
	assert_row(&r.v[2], AGG_ROW_VALUE, "/etc/x", 2, 1);
	cr_assert_eq(r.v[2].st.total_ns, 7000);
	cr_assert_eq(r.v[2].st.hist[0], 1, "the entry-only call adds a duration of 0");
	assert_row(&r.v[3], AGG_ROW_UNREADABLE, NULL, 2, 1);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, char_array_values_end_at_their_nul)
{
	struct aggregate *a = agg(20, 1024);
	struct event ev = call_event(NULL, 0, 1);
	struct agg_rows r;

	ev.args[1] = (struct event_arg){
		.value = 0x2000, .bytes = "abc\0\0\0junk", .len = 10, .type = UT_CHARS
	};
	aggregate__event(a, &ev);
	ev.args[1].bytes = "abc\0zz\0\0\0\0";
	aggregate__event(a, &ev);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 1);
	assert_row(&r.v[0], AGG_ROW_VALUE, "abc", 2, 0);
	agg_rows__free(&r);
	aggregate__free(a);
}

Test(aggregate, closed_table_reads_empty_and_ignores_adds)
{
	struct aggregate *a = agg(20, 1024);
	struct agg_rows r;

	add(a, "x", 3, false, 1);
	aggregate__close(a);
	add(a, "y", 3, false, 1);
	add(a, NULL, 1, false, 1);
	cr_assert_eq(aggregate__read(a, &r), 0);
	cr_assert_eq(r.n, 0);
	cr_assert_eq(r.values, 0);
	agg_rows__free(&r);
	aggregate__close(a);
	aggregate__free(a);
}

/* The probe-file key */

static struct probefile *parse_ok(const char *text)
{
	struct probefile *pf = NULL;
	char err[1024];

	cr_assert_eq(probefile_parse("t.yaml", text, strlen(text), &pf, err, sizeof(err)), 0,
		     "%s\n%s", text, err);
	return pf;
}

static void parse_bad(const char *text, const char *want)
{
	struct probefile *pf = NULL;
	char err[1024];

	cr_assert_eq(probefile_parse("t.yaml", text, strlen(text), &pf, err, sizeof(err)), -1,
		     "parsed: %s", text);
	cr_assert_str_eq(err, want);
}

#define SQL_FN                                                                                 \
	"probes:\n  - name: q\n    kind: function\n"                                           \
	"    attach: libsqlite3:sqlite3_prepare_v2(ptr db, str sql, int nbyte, ptr stmt, ptr " \
	"tail) -> int != 0\n"

Test(aggregate_key, short_and_mapping_forms)
{
	struct probefile *pf = parse_ok(SQL_FN "    aggregate: sql\n");
	const struct pf_probe *p = &pf->probes[0];

	cr_assert_str_eq(p->agg.by, "sql");
	cr_assert_eq(p->agg.arg, 1);
	cr_assert_eq(p->agg.top, AGG_TOP_DEFAULT);
	cr_assert_eq(p->agg.max, AGG_MAX_DEFAULT);
	/* Aggregate alone: no line per event (the kernel still sends them, see probetab.c). */
	cr_assert_eq(p->actions, 0);
	probefile_free(pf);
	pf = parse_ok(SQL_FN "    aggregate: {by: arg2, top: 5, max: 50}\n    action: [event, "
			     "count]\n");
	p = &pf->probes[0];
	cr_assert_str_eq(p->agg.by, "arg2");
	cr_assert_eq(p->agg.arg, 1);
	cr_assert_eq(p->agg.top, 5);
	cr_assert_eq(p->agg.max, 50);
	cr_assert_eq(p->actions, AT_ACT_EVENT | AT_ACT_COUNT);
	probefile_free(pf);
	pf = parse_ok(SQL_FN "    aggregate: {by: sql, max: 1}\n    action: histogram\n");
	cr_assert_eq(pf->probes[0].agg.top, 1, "top is at most max");
	cr_assert_eq(pf->probes[0].actions, AT_ACT_HIST);
	probefile_free(pf);
	/* Buffers too: their bytes are the key. */
	pf = parse_ok("probes:\n  - name: w\n    kind: function\n    attach: libssl:SSL_write(ptr "
		      "ssl, buf[len=arg3] data, int n)\n    aggregate: data\n");
	cr_assert_eq(pf->probes[0].agg.arg, 1);
	probefile_free(pf);
	/* A syscall argument by its name in the kernel's signature. */
	pf = parse_ok("probes:\n  - name: o\n    kind: syscall\n    attach: openat\n"
		      "    aggregate: filename\n");
	cr_assert_eq(pf->probes[0].agg.arg, 1);
	probefile_free(pf);
	pf = parse_ok(
		"probes:\n  - name: o\n    kind: syscall\n    attach: [unlink, rmdir, mkdir]\n"
		"    aggregate: {by: pathname, top: 1000, max: 16384}\n");
	cr_assert_eq(pf->probes[0].agg.arg, 0);
	probefile_free(pf);
}

Test(aggregate_key, errors_name_the_place_and_the_fix)
{
	parse_bad(SQL_FN "    aggregate: query\n",
		  "t.yaml:5:16: probes[0] 'q': aggregate: 'query' is not an argument of the probe; "
		  "its arguments: db, sql, nbyte, stmt, tail");
	parse_bad(SQL_FN "    aggregate: nbyte\n",
		  "t.yaml:5:16: probes[0] 'q': aggregate: 'nbyte' is a int argument; aggregate by "
		  "a string or buffer (str, buf[N], char[N])");
	parse_bad(SQL_FN "    aggregate: {by: sql, top: 30, max: 20}\n",
		  "t.yaml:5:31: probes[0] 'q': aggregate: top 30 is more than max 20; show at most "
		  "the values tracked");
	parse_bad(SQL_FN "    aggregate: {by: sql, top: 0}\n",
		  "t.yaml:5:31: probes[0] 'q': aggregate: top: 0 is out of range; expected rows to "
		  "show, 1 to 1000");
	parse_bad(SQL_FN "    aggregate: {by: sql, max: 16385}\n",
		  "t.yaml:5:31: probes[0] 'q': aggregate: max: 16385 is out of range; expected "
		  "distinct values to track, 1 to 16384");
	parse_bad(SQL_FN "    aggregate: {top: 3}\n",
		  "t.yaml:5:16: probes[0] 'q': aggregate: missing 'by'; expected {by: ARG, top: N, "
		  "max: M}");
	parse_bad(SQL_FN "    aggregate: {by: sql, tp: 3}\n",
		  "t.yaml:5:26: probes[0] 'q': aggregate: unknown key 'tp' (did you mean 'top'?)");
	parse_bad(SQL_FN "    aggregate: [sql]\n",
		  "t.yaml:5:16: probes[0] 'q': aggregate: is a list; expected an argument's name");
	parse_bad(SQL_FN "    aggregate: sql\n    action: event\n    sample: 10\n",
		  "t.yaml:7:5: probes[0] 'q': aggregate counts every call and sample would leave "
		  "some out; remove one, or aggregate in a second probe");
	parse_bad("probes:\n  - name: q\n    kind: function\n"
		  "    attach: libsqlite3:sqlite3_prepare_v2 -> int\n"
		  "    aggregate: sql\n    when: return\n",
		  "t.yaml:5:16: probes[0] 'q': aggregate: arguments are not known at return "
		  "unless declared (args: or the SPEC's); use when: call");
	parse_bad("probes:\n  - name: q\n    kind: function\n    attach: ':f(str a, str b, str "
		  "c, str d, str e)'\n    aggregate: e\n",
		  "t.yaml:5:16: probes[0] 'q': aggregate: 'e' is not captured (only the first 4 "
		  "string or buffer arguments are); aggregate by another argument");
	parse_bad("probes:\n  - name: o\n    kind: syscall\n    attach: openat\n"
		  "    aggregate: flags\n",
		  "t.yaml:5:16: probes[0] 'o': aggregate: 'flags' is not a string argument; "
		  "aggregate by a path or string argument (filename, pathname, ...)");
	parse_bad("probes:\n  - name: o\n    kind: syscall\n    attach: [openat, unlink]\n"
		  "    aggregate: filename\n",
		  "t.yaml:5:16: probes[0] 'o': aggregate: 'filename' is not an argument of unlink; "
		  "use argN, or a probe per syscall");
}

/* Prometheus: a series per row, escaped values, the other and unreadable rows labelled */

static char text[1 << 20];

static bool has_line(const char *s, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = s; (p = strstr(p, line)); p++)
		if ((p == s || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

Test(aggregate_prom, series_per_value_other_and_unreadable)
{
	struct probe pr = { .label = "q",
			    .name = "libsqlite3:sqlite3_prepare_v2",
			    .spec = { .when = UW_CALL } };
	struct snapshot_probe sp = { .p = &pr };
	struct snapshot s = { .probes = &sp, .nprobes = 1 };
	struct prom_opts po = { 0 };
	struct aggregate *a = agg(2, 1024);
	struct out o = out_init(text, sizeof(text));
	/* Quote, backslash, newline and a byte past ASCII (as the JSON summary's \u00e9). */
	static const char odd[] = "SELECT \"a\\b\"\n\xe9";

	add(a, "SELECT ?", 5, false, 1000);
	aggregate__add(a, odd, sizeof(odd) - 1, true, 3000);
	aggregate__add(a, odd, sizeof(odd) - 1, false, 3000);
	add(a, "tail", 1, true, 5000);
	add(a, NULL, 1, false, 5000);
	cr_assert_eq(aggregate__read(a, &sp.agg), 0);
	prom_render(&o, &s, &po);
	cr_assert_lt(out_end(&o), sizeof(text));
#define L "probe=\"q\",function=\"libsqlite3:sqlite3_prepare_v2\""
	cr_assert(has_line(text, "# TYPE agent_trace_probe_aggregate_calls_total counter"), "%s",
		  text);
	cr_assert(has_line(text,
			   "agent_trace_probe_aggregate_calls_total{" L ",value=\"SELECT ?\"} 5"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_calls_total{" L
				 ",value=\"SELECT \\\"a\\\\b\\\"\\n\xc3\xa9\"} 2"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_failing_total{" L
				 ",value=\"SELECT \\\"a\\\\b\\\"\\n\xc3\xa9\"} 1"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_calls_total{" L
				 ",value=\"\",other=\"true\"} 1"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_failing_total{" L
				 ",value=\"\",other=\"true\"} 1"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_calls_total{" L
				 ",value=\"\",unreadable=\"true\"} 1"),
		  "%s", text);
	cr_assert(has_line(text, "# TYPE agent_trace_probe_aggregate_duration_seconds histogram"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_duration_seconds_count{" L
				 ",value=\"SELECT ?\"} 5"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_duration_seconds_sum{" L
				 ",value=\"SELECT ?\"} 0.000005000"),
		  "%s", text);
	cr_assert(has_line(text, "agent_trace_probe_aggregate_duration_seconds_bucket{" L
				 ",value=\"\",other=\"true\",le=\"+Inf\"} 1"),
		  "%s", text);
#undef L
	/* A removed probe's series go, as its other series do. */
	pr.removed = true;
	o = out_init(text, sizeof(text));
	prom_render(&o, &s, &po);
	out_end(&o);
	cr_assert_null(strstr(text, "aggregate"), "%s", text);
	agg_rows__free(&sp.agg);
	aggregate__free(a);
}
