// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The OTLP/HTTP sink: its JSON (LogRecords of each event kind, the logs
 * envelope with a gap, metrics of a hand-built snapshot in both
 * temporalities) against golden files, and its configuration rules:
 * endpoint URLs, the headers file and OTEL_EXPORTER_OTLP_HEADERS.
 * AT_UPDATE_GOLDEN=1 rewrites the golden files from what is emitted.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ctrtab.h"
#include "decode.h"
#include "otlp.h"
#include "otlp_json.h"
#include "podmeta.h"
#include "probes.h"
#include "sinkcfg.h"
#include "syscalls.h"
#include "xsink.h"

#define GOLDEN "tests/unit/golden/"
/* 2025-12-02T00:00:00Z: the run's start on the wall clock. */
#define START_UNIX_NS 1764633600000000000ull

static const struct otlp_resource res = { .service_version = "1.2.3", .host_name = "host-1" };

static char text[1 << 20];

/* The golden file's text, exactly; with AT_UPDATE_GOLDEN set, got is written there first. */
static void golden(const char *name, const char *got)
{
	char path[256];
	static char want[1 << 20];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), GOLDEN "%s", name);
	if (getenv("AT_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		cr_assert_not_null(f, "%s: %s", path, strerror(errno));
		fputs(got, f);
		fclose(f);
	}
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(want, 1, sizeof(want) - 1, f);
	fclose(f);
	want[n] = '\0';
	cr_assert_str_eq(got, want, "%s differs:\n got: %s\nwant: %s", path, got, want);
}

/* Occurrences of needle in s. */
static size_t count_of(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static const char *log_record(const struct event *ev)
{
	struct out o = out_init(text, sizeof(text));

	otlp_log_record(&o, ev, START_UNIX_NS);
	cr_assert_lt(out_end(&o), sizeof(text));
	return text;
}

/* openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) as the kernel sends it, decoded. */
static void openat_event(struct event *ev, struct at_call_rec *r, int64_t ret)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = AT_REC_SYSCALL;
	r->hdr.pid = 4242;
	r->hdr.tid = 4243;
	r->hdr.probe_id = AT_PROBE_SYSCALLS;
	r->hdr.ts_ns = 1500012345;
	r->enter_ns = 1500000000;
	r->nr = (__u32)syscall_by_name("openat");
	r->args[0] = (__u32)AT_FDCWD;
	r->args[1] = 0x7ffd1000;
	r->args[2] = O_RDONLY | O_CLOEXEC;
	r->ret = ret;
	memset(r->slot_arg, AT_ARG_NONE, sizeof(r->slot_arg));
	r->slot_arg[0] = 1;
	r->slot_len[0] = 11;
	memcpy(r->slot[0], "/etc/passwd", 11);
	decode_syscall_rec(r, ev);
	ev->ts_ns = r->enter_ns;
}

Test(otlp_json, log_record_of_a_syscall)
{
	struct at_call_rec r;
	struct event ev;

	openat_event(&ev, &r, 3);
	cr_assert_eq(ev.dur_ns, 12345);
	golden("otlp_log_syscall.json", log_record(&ev));
}

/* A process in a pod's container: its identity as attributes, after the process's. */
Test(otlp_json, log_record_of_a_syscall_in_a_container)
{
	static const struct cgroup_ident ci = {
		.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		.pod_uid = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
		.runtime = CG_RT_CONTAINERD,
	};
	struct at_call_rec r;
	struct event ev;

	openat_event(&ev, &r, 3);
	cr_assert_null(ev.ident);
	ev.ident = &ci;
	golden("otlp_log_syscall_container.json", log_record(&ev));
	/* An exit: after process.pid too; a pod without a container: the pod UID alone. */
	ev = (struct event){ .kind = EV_EXIT, .pid = 101, .ts_ns = 7, .comm = "demo", .ident = &ci };
	cr_assert(
		strstr(log_record(&ev),
		       "\"attributes\":[{\"key\":\"process.pid\",\"value\":{\"intValue\":\"101\"}},"
		       "{\"key\":\"container.id\",\"value\":{\"stringValue\":\"0123456789abcdef"
		       "0123456789abcdef0123456789abcdef0123456789abcdef\"}},"
		       "{\"key\":\"container.runtime\",\"value\":{\"stringValue\":\"containerd\"}},"
		       "{\"key\":\"k8s.pod.uid\",\"value\":{\"stringValue\":"
		       "\"1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d\"}},{\"key\":\"agent_trace.event\""),
		"%s", text);
	ev.ident =
		&(const struct cgroup_ident){ .pod_uid = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d" };
	log_record(&ev);
	cr_assert(strstr(text, "{\"key\":\"process.pid\",\"value\":{\"intValue\":\"101\"}},"
			       "{\"key\":\"k8s.pod.uid\""),
		  "%s", text);
	cr_assert_null(strstr(text, "container."), "%s", text);
}

/* A failing call is a WARN, its errno named in error.type and agent_trace.errno. */
Test(otlp_json, log_record_of_a_failing_syscall_with_a_label)
{
	struct at_call_rec r;
	struct event ev;

	openat_event(&ev, &r, -ENOENT);
	ev.label = "opens";
	cr_assert_eq(ev.err, ENOENT);
	golden("otlp_log_syscall_enoent.json", log_record(&ev));
}

/* A function probe: its name, a string that needs escaping (quote, backslash, control, UTF-8). */
Test(otlp_json, log_record_of_a_call_with_a_string_needing_escapes)
{
	static const char msg[] = "say \"hi\"\\\n\x01\xc3\xa9 \xff\xc3!";
	struct probe p = { .id = 3, .spec.ret_type = UT_INT };
	struct event ev = {
		.kind = EV_CALL,
		.pid = 77,
		.tid = 78,
		.ts_ns = 2000000000,
		.dur_ns = 3000,
		.probe = &p,
		.probe_id = 3,
		.name = "libdemo:greet",
		.ret = -1,
		.flags = EV_FAILING,
		.nargs = 3,
		.args = {
			{ .name = "msg", .type = UT_STR, .value = 0x5000, .bytes = msg,
			  .len = sizeof(msg) - 1 },
			{ .name = "n", .type = UT_S32, .value = (uint64_t)-5 },
			{ .name = "big", .type = UT_U64, .value = UINT64_MAX },
		},
	};

	strcpy(p.name, ev.name);
	golden("otlp_log_call.json", log_record(&ev));
}

Test(otlp_json, log_records_of_exec_fork_and_exit)
{
	struct event ev = { .kind = EV_EXEC, .pid = 100, .tid = 100, .ts_ns = 5, .comm = "demo" };

	golden("otlp_log_exec.json", log_record(&ev));
	ev = (struct event){ .kind = EV_FORK, .pid = 101, .ppid = 100, .ts_ns = 6, .comm = "demo" };
	golden("otlp_log_fork.json", log_record(&ev));
	ev = (struct event){
		.kind = EV_EXIT, .pid = 101, .ts_ns = 7, .exit_code = 3 << 8, .comm = "demo"
	};
	golden("otlp_log_exit.json", log_record(&ev));
	ev = (struct event){
		.kind = EV_EXIT, .pid = 100, .ts_ns = 8, .exit_code = SIGKILL, .comm = "demo"
	};
	golden("otlp_log_exit_killed.json", log_record(&ev));
}

/* Two records in the envelope; the drops since the last delivered batch as scope attributes. */
Test(otlp_json, logs_request_with_a_gap)
{
	static const char a[] = "{\"timeUnixNano\":\"1\",\"body\":{\"stringValue\":\"a\"}}",
			  b[] = "{\"timeUnixNano\":\"2\",\"body\":{\"stringValue\":\"b\"}}";
	struct bq_item items[] = { { (char *)a, sizeof(a) - 1 }, { (char *)b, sizeof(b) - 1 } };
	uint64_t gap[BQ_DROP_N] = { [BQ_DROP_FULL] = 3, [BQ_DROP_REJECTED] = 1 };
	struct export_batch batch = { .items = items, .n = 2, .gap = gap };
	struct out o = out_init(text, sizeof(text));

	otlp_logs_request(&o, &res, &batch);
	out_end(&o);
	golden("otlp_logs_gap.json", text);
	/* No gap: no scope attributes at all. */
	memset(gap, 0, sizeof(gap));
	batch.n = 1;
	o = out_init(text, sizeof(text));
	otlp_logs_request(&o, &res, &batch);
	out_end(&o);
	cr_assert(strstr(text, "\"scope\":{\"name\":\"agent-trace\",\"version\":\"1.2.3\"},"
			       "\"logRecords\":[{\"timeUnixNano\":\"1\""),
		  "%s", text);
	cr_assert_null(strstr(text, "dropped"));
}

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define PUID "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"

static const struct otlp_resource node_res = { .service_version = "1.2.3",
					       .host_name = "host-1",
					       .node_name = "node-7" };

/* Items as the sink queues them (otlp_log_item), into bufs, one an event. */
static void log_items(const struct event *evs, size_t n, char (*bufs)[4096], struct bq_item *items)
{
	for (size_t i = 0; i < n; i++) {
		struct out o = out_init(bufs[i], sizeof(bufs[i]));

		otlp_log_item(&o, &evs[i], START_UNIX_NS);
		cr_assert_lt(out_end(&o), sizeof(bufs[i]));
		items[i] = (struct bq_item){ bufs[i], strlen(bufs[i]) };
	}
}

/*
 * One ResourceLogs per process, in order of first appearance, each with the
 * node's attributes and the process's (a host process: pid and executable;
 * a container's: its container and pod), its records in their order.
 */
Test(otlp_json, logs_request_one_resource_per_process)
{
	static const struct cgroup_ident ci = { .id = CID,
						.pod_uid = PUID,
						.runtime = CG_RT_CONTAINERD };
	static const struct pod_meta pm = { .ns = "shop", .pod = "web-0", .container = "app" };
	struct event evs[3] = {
		{ .kind = EV_EXEC,
		  .pid = 10,
		  .tid = 10,
		  .ts_ns = 1,
		  .comm = "a",
		  .exe = "/usr/bin/a" },
		{ .kind = EV_EXIT,
		  .pid = 20,
		  .tid = 20,
		  .ts_ns = 2,
		  .comm = "b",
		  .ident = &ci,
		  .pod = &pm,
		  .exe = "/srv/b" },
		{ .kind = EV_EXIT,
		  .pid = 10,
		  .tid = 10,
		  .ts_ns = 3,
		  .comm = "a",
		  .exe = "/usr/bin/a" },
	};
	static char bufs[3][4096];
	struct bq_item items[3];
	struct export_batch batch = { .items = items, .n = 3 };
	struct out o = out_init(text, sizeof(text));

	log_items(evs, 3, bufs, items);
	otlp_logs_request(&o, &node_res, &batch);
	cr_assert_lt(out_end(&o), sizeof(text));
	golden("otlp_logs_resources.json", text);
	cr_assert_null(strstr(text, "folded"));
}

/* Past OTLP_RESOURCES_MAX processes in a batch: the rest in one resource of the node's alone. */
Test(otlp_json, logs_request_folds_past_the_resource_bound)
{
	enum { N = OTLP_RESOURCES_MAX + 6 };
	static struct event evs[N + 1];
	static char bufs[N + 1][4096];
	static struct bq_item items[N + 1];
	struct export_batch batch = { .items = items, .n = N + 1 };
	struct out o = out_init(text, sizeof(text));
	const char *fold;

	for (int i = 0; i < N; i++)
		evs[i] = (struct event){ .kind = EV_EXIT, .pid = 1000 + i, .comm = "x" };
	/* The first process again, last: still its own resource's. */
	evs[N] = evs[0];
	evs[N].ts_ns = 99;
	log_items(evs, N + 1, bufs, items);
	otlp_logs_request(&o, &node_res, &batch);
	cr_assert_lt(out_end(&o), sizeof(text));
	cr_assert_eq(count_of(text, "{\"resource\":"), OTLP_RESOURCES_MAX + 1, "%s", text);
	cr_assert_eq(count_of(text, "\"timeUnixNano\":"), N + 1);
	fold = strstr(text,
		      "{\"key\":\"agent_trace.resources.folded\",\"value\":{\"intValue\":\"6\"}}");
	cr_assert_not_null(fold, "%s", text);
	/* The fold's resource has the node's attributes and no process.pid. */
	cr_assert(strstr(text, "{\"key\":\"telemetry.sdk.version\",\"value\":{\"stringValue\":"
			       "\"1.2.3\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"agent-trace\","
			       "\"version\":\"1.2.3\",\"attributes\":[{\"key\":\"agent_trace."
			       "resources.folded\""),
		  "%s", text);
	/* The first resource holds pid 1000's two records. */
	cr_assert(strstr(text, "{\"key\":\"process.pid\",\"value\":{\"intValue\":\"1000\"}}]},"),
		  "%s", text);
	cr_assert_eq(count_of(text, "{\"key\":\"process.pid\",\"value\":{\"intValue\":\"1000\"}}"),
		     3, "the resource and its two records");
	cr_assert_eq(count_of(fold, "\"timeUnixNano\":"), 6);
}

Test(otlp_json, histogram_bounds_are_each_power_of_two_groups_highest_value)
{
	cr_assert_eq(otlp_hist_bound_ns(0), 3);
	cr_assert_eq(otlp_hist_bound_ns(1), 7);
	cr_assert_eq(otlp_hist_bound_ns(8), 1023);
	cr_assert_eq(otlp_hist_bound_ns(OTLP_HIST_BOUNDS - 1), (1ull << 36) - 1);
	/* Every value up to a bound lands in a kernel bucket of its group or below. */
	for (unsigned i = 0; i < OTLP_HIST_BOUNDS; i++) {
		cr_assert_eq(at_hist_bucket(otlp_hist_bound_ns(i)) / 4, i);
		cr_assert_eq(at_hist_bucket(otlp_hist_bound_ns(i) + 1) / 4, i + 1);
	}
}

/* A snapshot: read (3 calls, 1 error), one labelled timed probe, a removed one, losses. */
struct fixture {
	struct at_stat *stats;
	struct probe p[2];
	struct snapshot_probe sp[2];
	struct snapshot s;
};

static void fixture(struct fixture *f, unsigned scale)
{
	int nr = syscall_by_name("read");

	memset(f, 0, sizeof(*f));
	f->stats = calloc(AT_NR_MAX, sizeof(*f->stats));
	cr_assert_not_null(f->stats);
	/* Calls of 2 ns, 5 ns and 1500 ns, each scale times. */
	f->stats[nr] = (struct at_stat){
		.count = 3 * scale, .errors = scale, .total_ns = 1507 * scale, .max_ns = 1500
	};
	f->stats[nr].hist[at_hist_bucket(2)] = scale;
	f->stats[nr].hist[at_hist_bucket(5)] = scale;
	f->stats[nr].hist[at_hist_bucket(1500)] = scale;
	f->p[0] = (struct probe){ .id = 1, .label = "alloc", .spec.when = UW_CALL };
	strcpy(f->p[0].name, "libc:malloc");
	f->p[1] = (struct probe){ .id = 2, .removed = true };
	strcpy(f->p[1].name, "libc:free");
	f->sp[0] = (struct snapshot_probe){
		.p = &f->p[0],
		.st = { .count = 2 * scale, .total_ns = 3000 * scale, .max_ns = 2000 },
		.c = { .hits = 4 * scale,
		       .filtered = 2 * scale,
		       .matched = 2 * scale,
		       .emitted = 2 * scale },
	};
	f->sp[0].st.hist[at_hist_bucket(1000)] = scale;
	f->sp[0].st.hist[at_hist_bucket(2000)] = scale;
	f->sp[1] = (struct snapshot_probe){ .p = &f->p[1], .c = { .hits = 9 } };
	f->s = (struct snapshot){
		.stats = f->stats,
		.probes = f->sp,
		.nprobes = 2,
		.kernel = { .rb_lost = 7 * scale },
		.reader = { .records = 12 * scale, .batches = 3 * scale },
		.queue_lost = scale,
		.cpu_s = 0.25 * scale,
	};
}

static const char *metrics(const struct snapshot *cur, const struct snapshot *prev,
			   const struct otlp_metrics_opts *mo)
{
	struct out o = out_init(text, sizeof(text));

	otlp_metrics_request(&o, &res, cur, prev, mo);
	cr_assert_lt(out_end(&o), sizeof(text));
	return text;
}

Test(otlp_json, metrics_cumulative)
{
	struct otlp_metrics_opts mo = {
		.temporality = OTLP_CUMULATIVE,
		.start_unix_ns = START_UNIX_NS,
		.time_unix_ns = START_UNIX_NS + 10000000000ull,
		.syscall_durations = true,
		.rss_bytes = 8 << 20,
	};
	struct fixture f;

	fixture(&f, 1);
	golden("otlp_metrics_cumulative.json", metrics(&f.s, NULL, &mo));
	free(f.stats);
}

/* Delta: each value the second snapshot's less the first's, from the first export's time. */
Test(otlp_json, metrics_delta)
{
	struct otlp_metrics_opts mo = {
		.temporality = OTLP_DELTA,
		.start_unix_ns = START_UNIX_NS + 10000000000ull,
		.time_unix_ns = START_UNIX_NS + 20000000000ull,
		.syscall_durations = true,
	};
	struct fixture f1, f3;
	const char *t;

	fixture(&f1, 1);
	fixture(&f3, 3);
	t = metrics(&f3.s, &f1.s, &mo);
	golden("otlp_metrics_delta.json", t);
	/* The exact deltas: 9 - 3 calls, 3 - 1 errors, 36 - 12 records, 0.75 - 0.25 s CPU. */
	cr_assert(strstr(t, "\"name\":\"agent_trace.syscall.calls\",\"description\":\"Completed "
			    "system calls of the traced processes.\",\"unit\":\"{call}\",\"sum\":"
			    "{\"dataPoints\":[{\"attributes\":[{\"key\":\"syscall.name\",\"value\":"
			    "{\"stringValue\":\"read\"}}],\"startTimeUnixNano\":"
			    "\"1764633610000000000\",\"timeUnixNano\":\"1764633620000000000\","
			    "\"asInt\":\"6\"}],\"aggregationTemporality\":1,\"isMonotonic\":true}"),
		  "%s", t);
	cr_assert(strstr(t, "\"asInt\":\"2\"}],\"aggregationTemporality\":1"), "errors: %s", t);
	cr_assert(strstr(t, "\"count\":\"6\",\"sum\":0.000003014,\"bucketCounts\":[\"2\",\"2\","),
		  "%s", t);
	cr_assert(strstr(t, "\"asInt\":\"24\"}]"), "records read: %s", t);
	cr_assert(strstr(t, "\"asDouble\":0.500000}"), "cpu: %s", t);
	/* The removed probe is left out; no max in an interval's histogram. */
	cr_assert_null(strstr(t, "libc:free"));
	cr_assert_null(strstr(t, "\"max\""));
	/* The first export of a delta run: everything since the start. */
	t = metrics(&f1.s, NULL, &mo);
	cr_assert(strstr(t, "\"asInt\":\"3\"}],\"aggregationTemporality\":1"), "%s", t);
	free(f1.stats);
	free(f3.stats);
}

/* No syscalls seen, no probes: only the agent's own metrics; no durations without -T. */
Test(otlp_json, metrics_without_syscalls_or_probes)
{
	struct otlp_metrics_opts mo = { .temporality = OTLP_CUMULATIVE };
	struct at_stat *stats = calloc(AT_NR_MAX, sizeof(*stats));
	struct snapshot s = { .stats = stats };
	const char *t = metrics(&s, NULL, &mo);

	cr_assert_null(strstr(t, "agent_trace.syscall"));
	cr_assert_null(strstr(t, "agent_trace.probe"));
	cr_assert(strstr(t, "\"metrics\":[{\"name\":\"agent_trace.lost.records\""), "%s", t);
	cr_assert_null(strstr(t, "process.memory.usage"));
	free(stats);
}

/* Records by container: the host's (and other's) in the node's resource, one resource a container. */
Test(otlp_json, metrics_one_resource_per_container)
{
	struct otlp_metrics_opts mo = {
		.temporality = OTLP_DELTA,
		.start_unix_ns = START_UNIX_NS + 10000000000ull,
		.time_unix_ns = START_UNIX_NS + 20000000000ull,
		.run_start_unix_ns = START_UNIX_NS,
	};
	struct ctr_container ctr[2] = {
		{ .id = { .runtime = 0 } },
		{ .id = { .id = CID, .pod_uid = PUID, .runtime = CG_RT_CRIO },
		  .pod = { .ns = "shop", .pod = "web-0", .container = "app" } },
	};
	struct ctr_row rows[4] = {
		{ .kind = CTR_SYSCALL, .id = 39, .ctr = CTR_HOST, .st = { .count = 5 } },
		{ .kind = CTR_SYSCALL, .id = 39, .ctr = 1, .st = { .count = 7, .errors = 1 } },
		{ .kind = CTR_PROBE,
		  .id = 1,
		  .ctr = 1,
		  .timed = true,
		  .st = { .count = 2, .total_ns = 3000, .max_ns = 2000 } },
		{ .kind = CTR_PROBE, .id = 1, .ctr = CTR_OTHER, .st = { .count = 4 } },
	};
	struct ctr_rows cr = { .v = rows, .n = 4, .ctr = ctr, .nctr = 2, .max_containers = 1 };
	struct fixture f;
	const char *t;

	rows[2].st.hist[at_hist_bucket(1000)] = 1;
	rows[2].st.hist[at_hist_bucket(2000)] = 1;
	fixture(&f, 1);
	mo.containers = &cr;
	t = metrics(&f.s, NULL, &mo);
	golden("otlp_metrics_containers.json", t);
	cr_assert_eq(count_of(t, "{\"resource\":"), 2, "%s", t);
	free(f.stats);
}

/* Configuration rules */

static void urls_ok(const char *ep, uint8_t sig, const char *logs, const char *metrics_url,
		    uint8_t want)
{
	struct otlp_urls u;
	char err[256] = "";

	cr_assert_eq(otlp_urls(ep, sig, &u, err, sizeof(err)), 0, "%s: %s", ep, err);
	cr_assert_str_eq(u.logs, logs, "%s", ep);
	cr_assert_str_eq(u.metrics, metrics_url, "%s", ep);
	cr_assert_eq(u.signals, want, "%s", ep);
}

static void urls_bad(const char *ep, uint8_t sig, const char *why)
{
	struct otlp_urls u;
	char err[256] = "";

	cr_assert_eq(otlp_urls(ep, sig, &u, err, sizeof(err)), -EINVAL, "%s", ep);
	cr_assert_str_eq(err, why, "%s", ep);
}

Test(otlp_config, endpoint_urls)
{
	const uint8_t both = OTLP_SIGNAL_LOGS | OTLP_SIGNAL_METRICS;

	urls_ok("http://collector:4318", both, "http://collector:4318/v1/logs",
		"http://collector:4318/v1/metrics", both);
	urls_ok("https://otel.example/base/", both, "https://otel.example/base/v1/logs",
		"https://otel.example/base/v1/metrics", both);
	urls_ok("HTTP://127.0.0.1:4318", OTLP_SIGNAL_METRICS, "",
		"HTTP://127.0.0.1:4318/v1/metrics", OTLP_SIGNAL_METRICS);
	/* A signal's own path: that signal alone, there. */
	urls_ok("http://c:4318/v1/logs", both, "http://c:4318/v1/logs", "", OTLP_SIGNAL_LOGS);
	urls_ok("http://c:4318/x/v1/metrics", both, "", "http://c:4318/x/v1/metrics",
		OTLP_SIGNAL_METRICS);
	urls_bad("collector:4318", both, "not an http:// or https:// URL");
	urls_bad("ftp://c", both, "not an http:// or https:// URL");
	urls_bad("http://", both, "no host in the URL");
	urls_bad("http:///v1/logs", both, "no host in the URL");
	urls_bad("http://c :4318", both, "a blank or control character in the URL");
	urls_bad("http://c/v1/logs", OTLP_SIGNAL_METRICS,
		 "the URL is for logs, which are not sent");
	urls_bad("http://c/v1/metrics", OTLP_SIGNAL_LOGS,
		 "the URL is for metrics, which are not sent");
	urls_bad("http://c", 0, "neither logs nor metrics are sent");
}

/* A file of lines in /tmp, its path in path. */
static void write_file(char *path, size_t size, const char *tag, const char *content)
{
	FILE *f;

	snprintf(path, size, "/tmp/agent-trace-otlp-%s.%d", tag, getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(content, f);
	fclose(f);
}

Test(otlp_config, headers_file)
{
	struct otlp_headers h = { 0 };
	char path[128], err[512] = "", want[256];

	write_file(path, sizeof(path), "hdr",
		   "# auth for the collector\n"
		   "Authorization: Bearer abc:def \r\n"
		   "\n"
		   "   \t\n"
		   "  x-tenant-id:team-1\n"
		   "X-Empty:\n");
	cr_assert_eq(otlp_headers_file(&h, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(h.n, 3);
	cr_assert_str_eq(h.v[0], "Authorization: Bearer abc:def");
	cr_assert_str_eq(h.v[1], "x-tenant-id: team-1");
	/* curl sends "Name;" as the header with an empty value ("Name:" would remove it). */
	cr_assert_str_eq(h.v[2], "X-Empty;");
	otlp_headers_free(&h);
	unlink(path);

	write_file(path, sizeof(path), "hdr", "A: 1\n# fine\nno colon here\n");
	cr_assert_eq(otlp_headers_file(&h, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: not a 'Name: value' header", path);
	cr_assert_str_eq(err, want);
	otlp_headers_free(&h);
	write_file(path, sizeof(path), "hdr", "Bad Name: 1\n");
	cr_assert_eq(otlp_headers_file(&h, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: not a header name before ':'", path);
	cr_assert_str_eq(err, want);
	otlp_headers_free(&h);
	write_file(path, sizeof(path), "hdr", ": 1\n");
	cr_assert_eq(otlp_headers_file(&h, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: not a header name before ':'", path);
	cr_assert_str_eq(err, want);
	otlp_headers_free(&h);
	unlink(path);

	cr_assert_eq(otlp_headers_file(&h, path, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	cr_assert_str_eq(err, want);
	cr_assert_eq(h.n, 0);
}

Test(otlp_config, headers_env)
{
	struct otlp_headers h = { 0 };
	char err[256] = "";
	const char *what = "$OTEL_EXPORTER_OTLP_HEADERS";

	cr_assert_eq(otlp_headers_env(&h,
				      " api-key = s%3Dcr%2Cet ,, x-b=2,Authorization=Basic%20dTpw",
				      what, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(h.n, 3);
	cr_assert_str_eq(h.v[0], "api-key: s=cr,et");
	cr_assert_str_eq(h.v[1], "x-b: 2");
	cr_assert_str_eq(h.v[2], "Authorization: Basic dTpw");
	otlp_headers_free(&h);
	cr_assert_eq(otlp_headers_env(&h, "", what, err, sizeof(err)), 0);
	cr_assert_eq(h.n, 0);

	cr_assert_eq(otlp_headers_env(&h, "a=1,novalue", what, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "$OTEL_EXPORTER_OTLP_HEADERS: entry 2: not key=value");
	otlp_headers_free(&h);
	cr_assert_eq(otlp_headers_env(&h, "=1", what, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "$OTEL_EXPORTER_OTLP_HEADERS: entry 1: not a header name before '='");
	cr_assert_eq(otlp_headers_env(&h, "a=%4", what, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(
		err, "$OTEL_EXPORTER_OTLP_HEADERS: entry 1: a % not followed by two hex digits");
	cr_assert_eq(otlp_headers_env(&h, "a=%zz", what, err, sizeof(err)), -EINVAL);
	/* A decoded CR or LF would end the header: refused. */
	cr_assert_eq(otlp_headers_env(&h, "a=x%0D%0AEvil: 1", what, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err,
			 "$OTEL_EXPORTER_OTLP_HEADERS: entry 1: a control character in the value");
	cr_assert_eq(h.n, 0);
}

Test(otlp_config, partial_success_rejections)
{
	static const char a[] = "{\"partialSuccess\":{\"rejectedLogRecords\":\"12\","
				"\"errorMessage\":\"too old\"}}",
			  b[] = "{ \"partialSuccess\" : { \"rejectedDataPoints\" : 5 } }",
			  c[] = "{\"partialSuccess\":{}}",
			  d[] = "{\"errorMessage\":\"rejectedLogRecords\",\"rejectedLogRecords\":3}";

	cr_assert_eq(otlp_rejected(a, strlen(a), "rejectedLogRecords"), 12);
	cr_assert_eq(otlp_rejected(b, strlen(b), "rejectedDataPoints"), 5);
	cr_assert_eq(otlp_rejected(b, strlen(b), "rejectedLogRecords"), 0);
	cr_assert_eq(otlp_rejected(c, strlen(c), "rejectedLogRecords"), 0);
	/* The key as a key, not the same word as a value. */
	cr_assert_eq(otlp_rejected(d, strlen(d), "rejectedLogRecords"), 3);
	/* Bounded by the length given: the body need not be terminated. */
	cr_assert_eq(otlp_rejected(a, 30, "rejectedLogRecords"), 0);
}

/* otlp_sink_open's own errors: one line naming the endpoint. */
Test(otlp_config, open_errors)
{
	struct sink_config sc;
	struct xsink_env env = { 0 };
	char err[512], want[512];

	sink_config_init(&sc, SINK_OTLP);
	strcpy(sc.otlp.endpoint, "collector:4318");
	cr_assert_null(otlp_sink_open(&sc.otlp, &env, err, sizeof(err)));
	cr_assert_str_eq(err, "--otlp 'collector:4318': not an http:// or https:// URL");

	strcpy(sc.otlp.endpoint, "http://127.0.0.1:9");
	strcpy(sc.otlp.headers_file, "/nonexistent/h");
	cr_assert_null(otlp_sink_open(&sc.otlp, &env, err, sizeof(err)));
	cr_assert_str_eq(err,
			 "--otlp 'http://127.0.0.1:9': /nonexistent/h: No such file or directory");

	sc.otlp.headers_file[0] = '\0';
	strcpy(sc.otlp.headers_env, "AT_TEST_OTLP_HEADERS");
	setenv("AT_TEST_OTLP_HEADERS", "k", 1);
	cr_assert_null(otlp_sink_open(&sc.otlp, &env, err, sizeof(err)));
	cr_assert_str_eq(
		err, "--otlp 'http://127.0.0.1:9': $AT_TEST_OTLP_HEADERS: entry 1: not key=value");
	unsetenv("AT_TEST_OTLP_HEADERS");

	strcpy(sc.otlp.ca_file, "/nonexistent/ca.pem");
	cr_assert_null(otlp_sink_open(&sc.otlp, &env, err, sizeof(err)));
	snprintf(
		want, sizeof(want),
		"--otlp 'http://127.0.0.1:9': CA file /nonexistent/ca.pem: No such file or directory");
	cr_assert_str_eq(err, want);
}

/*
 * A receiver on 127.0.0.1 (libmicrohttpd): records each request, gunzipped,
 * and answers as scripted per request (status, Retry-After, body).
 */
#define REQS_MAX 16

struct req {
	char path[64], enc[32], type[64], auth[64];
	char *body;
	size_t len;
	uint64_t at_ns; /* CLOCK_MONOTONIC when it arrived */
};

struct receiver {
	struct MHD_Daemon *d;
	uint16_t port;
	pthread_mutex_t mu;
	struct req reqs[REQS_MAX];
	unsigned n;
	unsigned status[REQS_MAX]; /* 0: 200 */
	const char *retry_after[REQS_MAX];
	const char *answer[REQS_MAX]; /* NULL: "{}" */
};

struct upload {
	char *data;
	size_t len;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static char *gunzip(const char *in, size_t n, size_t *out_len)
{
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	z_stream z = { 0 };

	cr_assert_not_null(out);
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)cap - 1;
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "not a gzip stream");
	*out_len = cap - 1 - z.avail_out;
	out[*out_len] = '\0';
	inflateEnd(&z);
	return out;
}

static void copy_header(struct MHD_Connection *c, const char *name, char *buf, size_t size)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	snprintf(buf, size, "%s", v ? v : "");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	struct receiver *rv = cls;
	struct upload *up = *con_cls;
	struct MHD_Response *resp;
	const char *answer;
	enum MHD_Result ret;
	struct req *r;
	unsigned i;

	(void)method;
	(void)version;
	if (!up) {
		*con_cls = calloc(1, sizeof(*up));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*data_size) {
		up->data = realloc(up->data, up->len + *data_size + 1);
		memcpy(up->data + up->len, data, *data_size);
		up->len += *data_size;
		*data_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&rv->mu);
	i = rv->n < REQS_MAX ? rv->n++ : REQS_MAX - 1;
	r = &rv->reqs[i];
	snprintf(r->path, sizeof(r->path), "%s", url);
	copy_header(c, "Content-Encoding", r->enc, sizeof(r->enc));
	copy_header(c, "Content-Type", r->type, sizeof(r->type));
	copy_header(c, "Authorization", r->auth, sizeof(r->auth));
	free(r->body);
	if (!strcmp(r->enc, "gzip")) {
		r->body = gunzip(up->data, up->len, &r->len);
	} else {
		r->body = up->data ? up->data : strdup("");
		r->len = up->len;
		up->data = NULL;
	}
	r->at_ns = mono_ns();
	answer = rv->answer[i] ? rv->answer[i] : "{}";
	resp = MHD_create_response_from_buffer(strlen(answer), (void *)answer,
					       MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (rv->retry_after[i])
		MHD_add_response_header(resp, "Retry-After", rv->retry_after[i]);
	ret = MHD_queue_response(c, rv->status[i] ? rv->status[i] : 200, resp);
	MHD_destroy_response(resp);
	pthread_mutex_unlock(&rv->mu);
	free(up->data);
	free(up);
	*con_cls = NULL;
	return ret;
}

static void receiver_start(struct receiver *rv)
{
	const union MHD_DaemonInfo *di;

	pthread_mutex_init(&rv->mu, NULL);
	rv->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				 on_request, rv, MHD_OPTION_END);
	cr_assert_not_null(rv->d);
	di = MHD_get_daemon_info(rv->d, MHD_DAEMON_INFO_BIND_PORT);
	cr_assert_not_null(di);
	rv->port = di->port;
}

static void receiver_stop(struct receiver *rv)
{
	MHD_stop_daemon(rv->d);
	for (unsigned i = 0; i < rv->n; i++)
		free(rv->reqs[i].body);
}

static struct xsink *open_sink(struct receiver *rv, const char *path, struct sink_config *sc)
{
	static const struct xsink_env env = { .start_unix_ns = START_UNIX_NS };
	struct xsink *x;
	char err[512];

	sink_config_init(sc, SINK_OTLP);
	snprintf(sc->otlp.endpoint, sizeof(sc->otlp.endpoint), "http://127.0.0.1:%u%s", rv->port,
		 path);
	/* Only the last tick at stop: one metrics request. */
	sc->otlp.interval_ns = 3600 * 1000000000ull;
	sc->otlp.flow.retry = (struct retry_policy){ .initial_ns = 100000000ull,
						     .max_ns = 5000000000ull,
						     .max_elapsed_ns = 30000000000ull };
	strcpy(sc->otlp.headers_env, "AT_TEST_OTLP_AUTH");
	setenv("AT_TEST_OTLP_AUTH", "Authorization=Bearer%20t0k", 1);
	x = otlp_sink_open(&sc->otlp, &env, err, sizeof(err));
	cr_assert_not_null(x, "%s", err);
	return x;
}

/* Three events, then stop: every LogRecord delivered, gzipped, with the header; a last metrics. */
Test(otlp_sink, logs_and_a_last_metrics_export_reach_a_receiver)
{
	struct receiver rv = { 0 };
	struct sink_config sc;
	struct export_stats st;
	struct xsink *x;
	size_t records = 0, metrics_reqs = 0;

	receiver_start(&rv);
	x = open_sink(&rv, "", &sc);
	cr_assert_eq(x->nexp, 2);
	for (uint32_t i = 0; i < 3; i++) {
		struct event ev = { .kind = EV_EXEC, .pid = 100 + i, .ts_ns = i, .comm = "demo" };

		x->ops->event(x, &ev);
	}
	x->ops->stop(x, 5000000000ull);
	exporter_stats(x->exp[0], &st);
	cr_assert_eq(st.pushed, 3);
	cr_assert_eq(st.sent, 3);
	for (unsigned i = 0; i < rv.n; i++) {
		struct req *r = &rv.reqs[i];

		cr_assert_str_eq(r->enc, "gzip");
		cr_assert_str_eq(r->type, "application/json");
		cr_assert_str_eq(r->auth, "Bearer t0k");
		if (!strcmp(r->path, "/v1/logs")) {
			cr_assert(!strncmp(r->body, "{\"resourceLogs\":[", 17), "%s", r->body);
			records += count_of(r->body, "\"observedTimeUnixNano\"");
		} else {
			cr_assert_str_eq(r->path, "/v1/metrics");
			cr_assert(strstr(r->body, "\"name\":\"agent_trace.records.read\""), "%s",
				  r->body);
			cr_assert(strstr(r->body, "\"aggregationTemporality\":2"), "%s", r->body);
			metrics_reqs++;
		}
	}
	cr_assert_eq(records, 3);
	cr_assert_eq(metrics_reqs, 1);
	x->ops->free(x);
	receiver_stop(&rv);
}

/* 503 with Retry-After: 1 is retried a second later; a partial success's rejections are drops. */
Test(otlp_sink, retry_after_and_partial_success)
{
	struct receiver rv = {
		.status = { 503 },
		.retry_after = { "1" },
		.answer = { "", "{\"partialSuccess\":{\"rejectedLogRecords\":\"1\"}}" },
	};
	struct sink_config sc;
	struct export_stats st;
	struct xsink *x;
	struct event ev = { .kind = EV_EXEC, .pid = 100, .comm = "demo" };

	receiver_start(&rv);
	x = open_sink(&rv, "/v1/logs", &sc);
	cr_assert_eq(x->nexp, 1, "logs alone");
	x->ops->event(x, &ev);
	x->ops->event(x, &ev);
	x->ops->stop(x, 10000000000ull);
	exporter_stats(x->exp[0], &st);
	cr_assert_geq(rv.n, 2);
	for (unsigned i = 0; i < rv.n; i++)
		cr_assert_str_eq(rv.reqs[i].path, "/v1/logs");
	cr_assert_geq(rv.reqs[1].at_ns - rv.reqs[0].at_ns, 900000000ull, "Retry-After honoured");
	cr_assert_str_eq(rv.reqs[0].body, rv.reqs[1].body, "the same batch again");
	cr_assert_eq(st.pushed, 2);
	cr_assert_eq(st.dropped[BQ_DROP_PARTIAL], 1);
	cr_assert_eq(st.sent, 1);
	cr_assert_eq(st.retries, 1);
	x->ops->free(x);
	receiver_stop(&rv);
}

/* 400 is never retried: one request, the batch dropped and counted. */
Test(otlp_sink, bad_request_is_dropped_without_a_retry)
{
	struct receiver rv = { .status = { 400, 400 }, .answer = { "{\"message\":\"bad\"}" } };
	struct sink_config sc;
	struct export_stats st;
	struct xsink *x;
	struct event ev = { .kind = EV_EXEC, .pid = 100, .comm = "demo" };
	uint64_t dropped = 0;

	receiver_start(&rv);
	x = open_sink(&rv, "/v1/logs", &sc);
	x->ops->event(x, &ev);
	x->ops->stop(x, 5000000000ull);
	exporter_stats(x->exp[0], &st);
	cr_assert_eq(rv.n, 1);
	cr_assert_eq(st.sent, 0);
	cr_assert_eq(st.retries, 0);
	cr_assert_eq(st.dropped[BQ_DROP_REJECTED], 1);
	for (unsigned i = 0; i < BQ_DROP_N; i++)
		dropped += st.dropped[i];
	cr_assert_eq(dropped, 1);
	x->ops->free(x);
	receiver_stop(&rv);
}

/* Nothing listening: retried until the stop deadline, then dropped, counted; stop keeps it. */
Test(otlp_sink, refused_connection_is_retried_then_dropped_at_the_deadline)
{
	struct receiver rv = { 0 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sink_config sc;
	struct export_stats st;
	struct xsink *x;
	struct event ev = { .kind = EV_EXEC, .pid = 100, .comm = "demo" };
	uint64_t t0, dropped = 0;

	/* A port that was free a moment ago, closed again: connections are refused. */
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	rv.port = ntohs(a.sin_port);
	close(fd);
	x = open_sink(&rv, "/v1/logs", &sc);
	x->ops->event(x, &ev);
	x->ops->event(x, &ev);
	t0 = mono_ns();
	x->ops->stop(x, 1000000000ull);
	cr_assert_lt(mono_ns() - t0, 3000000000ull, "stop kept its deadline");
	exporter_stats(x->exp[0], &st);
	cr_assert_eq(st.pushed, 2);
	cr_assert_eq(st.sent, 0);
	cr_assert_geq(st.failed, 2, "retried");
	for (unsigned i = 0; i < BQ_DROP_N; i++)
		dropped += st.dropped[i];
	cr_assert_eq(dropped, 2);
	x->ops->free(x);
}

/* Reads a whole small file into a new string. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	cr_assert_not_null(f, "%s", path);
	cr_assert_not_null(buf);
	fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

/* https:// with the CA file that signed the receiver's certificate: delivered, verified. */
Test(otlp_sink, https_with_a_ca_file)
{
	struct receiver rv = { 0 };
	char key[128], crt[128], cmd[512], err[512];
	static const struct xsink_env env = { .start_unix_ns = START_UNIX_NS };
	struct event ev = { .kind = EV_EXEC, .pid = 100, .comm = "demo" };
	const union MHD_DaemonInfo *di;
	struct sink_config sc;
	struct export_stats st;
	char *k, *c;
	struct xsink *x;

	if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
		cr_skip_test("libmicrohttpd without TLS");
	snprintf(key, sizeof(key), "/tmp/agent-trace-otlp-key.%d", getpid());
	snprintf(crt, sizeof(crt), "/tmp/agent-trace-otlp-crt.%d", getpid());
	/* A self-signed certificate for 127.0.0.1: it is its own CA. */
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
		 "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>/dev/null",
		 key, crt);
	cr_assert_eq(system(cmd), 0, "openssl");
	k = slurp(key);
	c = slurp(crt);
	pthread_mutex_init(&rv.mu, NULL);
	rv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_TLS, 0,
				NULL, NULL, on_request, &rv, MHD_OPTION_HTTPS_MEM_KEY, k,
				MHD_OPTION_HTTPS_MEM_CERT, c, MHD_OPTION_END);
	cr_assert_not_null(rv.d);
	di = MHD_get_daemon_info(rv.d, MHD_DAEMON_INFO_BIND_PORT);
	rv.port = di->port;

	sink_config_init(&sc, SINK_OTLP);
	snprintf(sc.otlp.endpoint, sizeof(sc.otlp.endpoint), "https://127.0.0.1:%u/v1/logs",
		 rv.port);
	strcpy(sc.otlp.ca_file, crt);
	x = otlp_sink_open(&sc.otlp, &env, err, sizeof(err));
	cr_assert_not_null(x, "%s", err);
	x->ops->event(x, &ev);
	x->ops->stop(x, 5000000000ull);
	exporter_stats(x->exp[0], &st);
	cr_assert_eq(rv.n, 1);
	cr_assert_eq(st.sent, 1);
	cr_assert(strstr(rv.reqs[0].body, "\"process.command\""), "%s", rv.reqs[0].body);
	x->ops->free(x);
	/* Without it the system's CAs do not know the certificate: nothing delivered. */
	sc.otlp.ca_file[0] = '\0';
	x = otlp_sink_open(&sc.otlp, &env, err, sizeof(err));
	cr_assert_not_null(x, "%s", err);
	x->ops->event(x, &ev);
	x->ops->stop(x, 500000000ull);
	exporter_stats(x->exp[0], &st);
	cr_assert_eq(st.sent, 0);
	cr_assert_eq(rv.n, 1, "no request got through");
	x->ops->free(x);
	receiver_stop(&rv);
	free(k);
	free(c);
	unlink(key);
	unlink(crt);
}

/* A request's first value of "field":"N". */
static uint64_t first_u64(const char *body, const char *field)
{
	const char *p = strstr(body, field);

	cr_assert_not_null(p, "%s in %s", field, body);
	return strtoull(p + strlen(field), NULL, 10);
}

/* Delta metrics every interval: each request starts where the previous one ended. */
Test(otlp_sink, delta_metrics_every_interval_chain_their_times)
{
	struct receiver rv = { 0 };
	static const struct xsink_env env = { .start_unix_ns = START_UNIX_NS };
	struct sink_config sc;
	struct xsink *x;
	char err[512];

	receiver_start(&rv);
	sink_config_init(&sc, SINK_OTLP);
	snprintf(sc.otlp.endpoint, sizeof(sc.otlp.endpoint), "http://127.0.0.1:%u/v1/metrics",
		 rv.port);
	sc.otlp.temporality = OTLP_DELTA;
	sc.otlp.interval_ns = 200000000ull;
	sc.otlp.gzip = false;
	x = otlp_sink_open(&sc.otlp, &env, err, sizeof(err));
	cr_assert_not_null(x, "%s", err);
	usleep(700000);
	x->ops->stop(x, 5000000000ull);
	/* Three or so ticks, and the last at stop. */
	cr_assert_geq(rv.n, 3);
	cr_assert_eq(first_u64(rv.reqs[0].body, "\"startTimeUnixNano\":\""), START_UNIX_NS);
	for (unsigned i = 0; i < rv.n; i++) {
		cr_assert_str_eq(rv.reqs[i].path, "/v1/metrics");
		cr_assert_str_eq(rv.reqs[i].enc, "");
		cr_assert(strstr(rv.reqs[i].body, "\"aggregationTemporality\":1"), "%s",
			  rv.reqs[i].body);
		if (i)
			cr_assert_eq(first_u64(rv.reqs[i].body, "\"startTimeUnixNano\":\""),
				     first_u64(rv.reqs[i - 1].body, "\"timeUnixNano\":\""));
	}
	x->ops->free(x);
	receiver_stop(&rv);
}
