// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Prometheus renderer on a hand-built snapshot (exact lines), and --metrics addresses. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctrtab.h"
#include "ident.h"
#include "probes.h"
#include "prom.h"
#include "syscalls.h"

static char text[1 << 20];

static const char *render(const struct snapshot *s, const struct prom_opts *po)
{
	struct out o = out_init(text, sizeof(text));

	prom_render(&o, s, po);
	cr_assert_lt(out_end(&o), sizeof(text));
	return text;
}

static void has_line(const char *s, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = s; (p = strstr(p, line)); p++)
		if ((p == s || p[-1] == '\n') && p[n] == '\n')
			return;
	cr_assert_fail("no line '%s' in:\n%s", line, s);
}

/* Lines of s that start with prefix. */
static size_t lines_with(const char *s, const char *prefix)
{
	size_t n = 0;

	for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

Test(prom, syscall_counters_and_histogram)
{
	struct at_stat *stats = calloc(AT_NR_MAX, sizeof(*stats));
	struct snapshot s = { .stats = stats, .reader = { .records = 12, .batches = 3 } };
	struct prom_opts po = { .syscall_durations = true, .rss_bytes = 4096 };
	int nr = syscall_by_name("read");
	const char *t;

	cr_assert(nr >= 0);
	/* 3 calls: 2 ns (bucket 2), 5 ns (bucket 5: 4..5), 1500 ns (bucket 40: 1280..1535). */
	stats[nr] = (struct at_stat){ .count = 3, .errors = 1, .total_ns = 1507, .max_ns = 1500 };
	stats[nr].hist[at_hist_bucket(2)]++;
	stats[nr].hist[at_hist_bucket(5)]++;
	stats[nr].hist[at_hist_bucket(1500)]++;
	s.kernel.rb_lost = 7;
	t = render(&s, &po);
	has_line(
		t,
		"# HELP agent_trace_syscalls_total Completed system calls of the traced processes.");
	has_line(t, "# TYPE agent_trace_syscalls_total counter");
	has_line(t, "agent_trace_syscalls_total{syscall=\"read\"} 3");
	has_line(t, "agent_trace_syscall_errors_total{syscall=\"read\"} 1");
	has_line(t, "# TYPE agent_trace_syscall_duration_seconds histogram");
	/* Cumulative: le is each power-of-two group's highest nanosecond, in seconds. */
	has_line(
		t,
		"agent_trace_syscall_duration_seconds_bucket{syscall=\"read\",le=\"0.000000003\"} 1");
	has_line(
		t,
		"agent_trace_syscall_duration_seconds_bucket{syscall=\"read\",le=\"0.000000007\"} 2");
	has_line(
		t,
		"agent_trace_syscall_duration_seconds_bucket{syscall=\"read\",le=\"0.000001023\"} 2");
	has_line(
		t,
		"agent_trace_syscall_duration_seconds_bucket{syscall=\"read\",le=\"0.000002047\"} 3");
	has_line(
		t,
		"agent_trace_syscall_duration_seconds_bucket{syscall=\"read\",le=\"68.719476735\"} 3");
	has_line(t, "agent_trace_syscall_duration_seconds_bucket{syscall=\"read\",le=\"+Inf\"} 3");
	has_line(t, "agent_trace_syscall_duration_seconds_sum{syscall=\"read\"} 0.000001507");
	has_line(t, "agent_trace_syscall_duration_seconds_count{syscall=\"read\"} 3");
	cr_assert_eq(lines_with(t, "agent_trace_syscall_duration_seconds_bucket{syscall=\"read\""),
		     36);
	has_line(t, "agent_trace_lost_records_total{cause=\"ringbuf\"} 7");
	has_line(t, "agent_trace_lost_records_total{cause=\"queue\"} 0");
	has_line(t, "agent_trace_records_read_total 12");
	has_line(t, "agent_trace_reader_batches_total 3");
	has_line(t, "process_resident_memory_bytes 4096");
	cr_assert_null(strstr(t, "syscall=\"write\""), "only syscalls that were called");
	free(stats);
}

Test(prom, no_histogram_without_durations)
{
	struct at_stat *stats = calloc(AT_NR_MAX, sizeof(*stats));
	struct snapshot s = { .stats = stats, .cpu_s = 1.25 };
	struct prom_opts po = { .syscall_durations = false };
	const char *t;

	stats[syscall_by_name("getppid")].count = 9;
	t = render(&s, &po);
	has_line(t, "agent_trace_syscalls_total{syscall=\"getppid\"} 9");
	has_line(t, "agent_trace_syscall_errors_total{syscall=\"getppid\"} 0");
	has_line(t, "process_cpu_seconds_total 1.250000");
	cr_assert_null(strstr(t, "duration_seconds"));
	free(stats);
}

Test(prom, probe_counters_and_escaping)
{
	struct probe p = { .kind = AT_KIND_FUNC, .spec = { .when = UW_CALL } };
	struct snapshot_probe sp = {
		.p = &p, .c = { .hits = 5, .filtered = 2, .matched = 3, .emitted = 3, .signals = 1 }
	};
	struct snapshot s = { .probes = &sp, .nprobes = 1 };
	struct prom_opts po = { 0 };
	const char *t;

	strcpy(p.label, "q\"x\\y\nz");
	strcpy(p.name, "libc:malloc");
	sp.st = (struct at_stat){ .count = 1, .total_ns = 2000000000 };
	sp.st.hist[at_hist_bucket(2000000000)] = 1;
	t = render(&s, &po);
	has_line(t, "# TYPE agent_trace_probe_hits_total counter");
	has_line(
		t,
		"agent_trace_probe_hits_total{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\"} 5");
	has_line(
		t,
		"agent_trace_probe_filtered_total{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\"} 2");
	has_line(
		t,
		"agent_trace_probe_events_total{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\"} 3");
	has_line(
		t,
		"agent_trace_probe_signals_total{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\"} 1");
	has_line(
		t,
		"agent_trace_probe_sampled_out_total{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\"} 0");
	has_line(
		t,
		"agent_trace_probe_duration_seconds_bucket{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\",le=\"1.073741823\"} 0");
	has_line(
		t,
		"agent_trace_probe_duration_seconds_bucket{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\",le=\"2.147483647\"} 1");
	has_line(
		t,
		"agent_trace_probe_duration_seconds_sum{probe=\"q\\\"x\\\\y\\nz\",function=\"libc:malloc\"} 2.000000000");
	/* A probe without a label is named by its function; a removed one is left out. */
	p.label[0] = '\0';
	t = render(&s, &po);
	has_line(t, "agent_trace_probe_hits_total{probe=\"libc:malloc\"} 5");
	p.removed = true;
	t = render(&s, &po);
	cr_assert_null(strstr(t, "libc:malloc"));
}

Test(prom, value_histogram_in_the_values_units)
{
	struct probe p = { .kind = AT_KIND_FUNC,
			   .actions = AT_ACT_HIST,
			   .hist_of = AT_HIST_ARG0,
			   .spec = { .when = UW_CALL, .nargs = 1 } };
	struct snapshot_probe sp = { .p = &p };
	struct snapshot s = { .probes = &sp, .nprobes = 1 };
	struct prom_opts po = { 0 };
	const char *t;

	strcpy(p.label, "allocs");
	strcpy(p.name, "libc:malloc");
	strcpy(p.spec.args[0].name, "size");
	/* Three calls: 100, 100 and 5000 bytes. */
	sp.st = (struct at_stat){ .count = 3, .total_ns = 5200, .max_ns = 5000 };
	sp.st.hist[at_hist_bucket(100)] = 2;
	sp.st.hist[at_hist_bucket(5000)] = 1;
	t = render(&s, &po);
	has_line(t, "# TYPE agent_trace_probe_value histogram");
	has_line(t, "agent_trace_probe_value_bucket{probe=\"allocs\",function=\"libc:malloc\","
		    "of=\"size\",le=\"63\"} 0");
	has_line(t, "agent_trace_probe_value_bucket{probe=\"allocs\",function=\"libc:malloc\","
		    "of=\"size\",le=\"127\"} 2");
	has_line(t, "agent_trace_probe_value_bucket{probe=\"allocs\",function=\"libc:malloc\","
		    "of=\"size\",le=\"8191\"} 3");
	has_line(t, "agent_trace_probe_value_bucket{probe=\"allocs\",function=\"libc:malloc\","
		    "of=\"size\",le=\"+Inf\"} 3");
	has_line(t, "agent_trace_probe_value_sum{probe=\"allocs\",function=\"libc:malloc\","
		    "of=\"size\"} 5200");
	has_line(t, "agent_trace_probe_value_count{probe=\"allocs\",function=\"libc:malloc\","
		    "of=\"size\"} 3");
	/* Not a duration: no latency histogram for it. */
	cr_assert_null(strstr(t, "agent_trace_probe_duration_seconds"));
}

/* --metrics ADDR:PORT: a bare :PORT is loopback, never every interface. */
/* Records by container: container="" for the host, the id, "other"; the bounds' counters. */
Test(prom, container_label_on_record_series)
{
	struct probe p = {
		.id = 3, .kind = AT_KIND_FUNC, .label = "q", .spec = { .when = UW_CALL }
	};
	struct snapshot_probe sp = { .p = &p };
	struct snapshot s = { .probes = &sp, .nprobes = 1 };
	struct ctr_container ctr[2] = { { .id = { .runtime = 0 } },
					{ .id = { .id = "0123456789abcdef0123456789abcdef"
							"0123456789abcdef0123456789abcdef",
						  .runtime = CG_RT_PODMAN } } };
	struct ctr_row rows[4] = {
		{ .kind = CTR_SYSCALL, .id = 0, .ctr = 1, .st = { .count = 4, .errors = 1 } },
		{ .kind = CTR_PROBE, .id = 3, .ctr = CTR_HOST, .st = { .count = 2 } },
		{ .kind = CTR_PROBE,
		  .id = 3,
		  .ctr = 1,
		  .timed = true,
		  .st = { .count = 7, .errors = 2, .total_ns = 7000 } },
		{ .kind = CTR_PROBE, .id = 3, .ctr = CTR_OTHER, .st = { .count = 1 } },
	};
	struct ctr_rows cr = {
		.v = rows, .n = 4, .ctr = ctr, .nctr = 2, .folded = 1, .max_containers = 1
	};
	struct prom_opts po = { .containers = &cr };
	const char *t;

	strcpy(p.name, "libc:malloc");
	rows[2].st.hist[at_hist_bucket(1000)] = 7;
	t = render(&s, &po);
	has_line(t,
		 "agent_trace_syscall_records_total{syscall=\"read\",container=\"0123456789abcdef"
		 "0123456789abcdef0123456789abcdef0123456789abcdef\"} 4");
	has_line(t, "agent_trace_syscall_record_errors_total{syscall=\"read\",container="
		    "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"} 1");
	has_line(t, "agent_trace_probe_records_total{probe=\"q\",function=\"libc:malloc\","
		    "container=\"\"} 2");
	has_line(
		t,
		"agent_trace_probe_records_total{probe=\"q\",function=\"libc:malloc\","
		"container=\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"} 7");
	has_line(t, "agent_trace_probe_records_total{probe=\"q\",function=\"libc:malloc\","
		    "container=\"other\"} 1");
	has_line(
		t,
		"agent_trace_probe_record_failing_total{probe=\"q\",function=\"libc:malloc\","
		"container=\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"} 2");
	has_line(t, "agent_trace_probe_record_duration_seconds_count{probe=\"q\",function="
		    "\"libc:malloc\",container=\"0123456789abcdef0123456789abcdef0123456789abcdef"
		    "0123456789abcdef\"} 7");
	cr_assert_eq(lines_with(t, "agent_trace_probe_record_duration_seconds_count"), 1);
	has_line(t, "agent_trace_container_records_folded_total 1");
	has_line(t, "agent_trace_container_records_dropped_total 0");
	has_line(t, "agent_trace_containers_max 1");
	/* A removed probe's rows are left out. */
	p.removed = true;
	t = render(&s, &po);
	cr_assert_eq(lines_with(t, "agent_trace_probe_records_total{"), 0, "%s", t);
	cr_assert_eq(lines_with(t, "agent_trace_syscall_records_total{"), 1);
}

Test(prom, identity_cache_counters)
{
	struct snapshot s = { 0 };
	struct ident_counters ic = {
		.has_proc = true,
		.has_cgid = true,
		.proc = { .hits = 90,
			  .lookups = 10,
			  .evictions = 1,
			  .released = 8,
			  .entries = 2,
			  .max = 16384 },
		.cgid = { .hits = 5, .lookups = 3, .entries = 3, .max = 4096 },
	};
	struct prom_opts po = { .ident = &ic };
	const char *t = render(&s, &po);

	has_line(t, "# TYPE agent_trace_ident_cache_entries gauge");
	has_line(t, "agent_trace_ident_cache_entries{cache=\"process\"} 2");
	has_line(t, "agent_trace_ident_cache_entries{cache=\"cgroup\"} 3");
	has_line(t, "agent_trace_ident_cache_max_entries{cache=\"process\"} 16384");
	has_line(t, "agent_trace_ident_cache_hits_total{cache=\"process\"} 90");
	has_line(t, "agent_trace_ident_cache_misses_total{cache=\"process\"} 10");
	has_line(t, "agent_trace_ident_cache_misses_total{cache=\"cgroup\"} 3");
	has_line(t, "agent_trace_ident_cache_evictions_total{cache=\"process\"} 1");
	has_line(t, "agent_trace_ident_cache_released_total{cache=\"process\"} 8");
	cr_assert_eq(lines_with(t, "agent_trace_ident_cache_entries{cache=\"pod\"}"), 0);
	/* No caches: nothing. */
	po.ident = &(struct ident_counters){ 0 };
	t = render(&s, &po);
	cr_assert_null(strstr(t, "agent_trace_ident_cache"));
}

Test(metrics_addr, parse)
{
	struct config c;
	char err[256];
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&c.metrics_addr.sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&c.metrics_addr.sa;
	char *argv[] = { "at", "--metrics", ":9464", "-p", "1", NULL };

	cr_assert_eq(cli_parse(5, argv, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(c.metrics, ":9464");
	cr_assert_eq(s4->sin_family, AF_INET);
	cr_assert_eq(ntohl(s4->sin_addr.s_addr), INADDR_LOOPBACK);
	cr_assert_eq(ntohs(s4->sin_port), 9464);
	argv[2] = "0.0.0.0:80";
	cr_assert_eq(cli_parse(5, argv, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s4->sin_addr.s_addr, htonl(INADDR_ANY));
	cr_assert_eq(ntohs(s4->sin_port), 80);
	argv[2] = "[::1]:9464";
	cr_assert_eq(cli_parse(5, argv, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s6->sin6_family, AF_INET6);
	cr_assert(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
	cr_assert_eq(c.metrics_addr.len, sizeof(*s6));
	argv[2] = "[::1]";
	cr_assert_eq(cli_parse(5, argv, &c, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "--metrics '[::1]': port must be from 1 to 65535");
	argv[2] = "127.0.0.1:";
	cr_assert_eq(cli_parse(5, argv, &c, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "--metrics '127.0.0.1:': port must be from 1 to 65535");
}
