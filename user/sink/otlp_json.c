// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* OTLP/HTTP JSON: events as LogRecords, batches as a logs request, snapshots as metrics. */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>

#include "decode_func.h"
#include "ctrtab.h"
#include "decode_sys.h"
#include "otlp_json.h"
#include "podmeta.h"
#include "probes.h"
#include "sink.h"
#include "sinkcfg.h"
#include "summary.h"
#include "syscalls.h"

#define SUB (1u << AT_HIST_SUB_BITS)
#define NS_PER_S 1000000000ull

/* A body: the text sink's line for the C-escaped captures (4 bytes a byte) and the names. */
#define BODY_MAX ((CALL_BYTES_MAX + AT_MAX_ARGS * AT_STR_MAX) * 4 + AT_MAX_ARGS * 64 + 1024)
/* An argument as a JSON value: a captured string JSON-escaped (6 bytes a byte at most). */
#define VALUE_MAX (AT_CAP_MAX * 6 + 32)

/* A list of KeyValue objects being written: commas between them. */
struct kvs {
	struct out *o;
	unsigned n;
};

/* {"key":"PREFIXNAME","value":{ */
static void kv_key2(struct kvs *k, const char *prefix, const char *name)
{
	struct out *o = k->o;

	out_puts(o, k->n++ ? ",{\"key\":\"" : "{\"key\":\"");
	out_puts(o, prefix);
	if (name)
		out_escape_json(o, name, strlen(name));
	out_puts(o, "\",\"value\":{");
}

static void kv_key(struct kvs *k, const char *key)
{
	kv_key2(k, key, NULL);
}

static void kv_strn(struct kvs *k, const char *key, const char *s, size_t n)
{
	kv_key(k, key);
	out_puts(k->o, "\"stringValue\":\"");
	out_escape_json(k->o, s, n);
	out_puts(k->o, "\"}}");
}

static void kv_str(struct kvs *k, const char *key, const char *s)
{
	kv_strn(k, key, s, strlen(s));
}

static void kv_int(struct kvs *k, const char *key, int64_t v)
{
	kv_key(k, key);
	out_puts(k->o, "\"intValue\":\"");
	out_i64(k->o, v);
	out_puts(k->o, "\"}}");
}

/* A decimal integer of the JSON renderers that fits an int64 (intValue's type). */
static bool is_int64(const char *v, size_t n)
{
	size_t i = v[0] == '-';
	uint64_t x = 0;

	/* 19 digits always fit a uint64_t; INT64_MAX has 19. */
	if (i == n || n - i > 19)
		return false;
	for (; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	return v[0] == '-' ? x <= (uint64_t)INT64_MAX + 1 : x <= (uint64_t)INT64_MAX;
}

static int hex2(const char *p)
{
	int v = 0;

	for (int i = 0; i < 2; i++) {
		char c = p[i];

		v = v * 16 + (c >= '0' && c <= '9' ? c - '0' :
			      c >= 'a' && c <= 'f' ? c - 'a' + 10 :
						     -256);
	}
	return v;
}

/*
 * A JSON string as the renderers escaped it (valid UTF-8 as it is, each
 * byte that is not as \udcXX, see out_escape_json), with those bytes as the
 * code points of their numbers (\u00XX) instead: a stringValue must be
 * valid Unicode, which a lone surrogate is not.
 */
static void out_json_utf8(struct out *o, const char *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		const char *bs = memchr(v + i, '\\', n - i);
		size_t j = bs ? (size_t)(bs - v) : n, len;

		out_write(o, v + i, j - i);
		i = j;
		if (i >= n)
			break;
		len = i + 1 < n && v[i + 1] == 'u' ? 6 : 2;
		if (len > n - i)
			len = n - i;
		if (len == 6 && v[i + 2] == 'd' && v[i + 3] == 'c' && hex2(v + i + 4) >= 0x80) {
			out_puts(o, "\\u00");
			out_write(o, v + i + 4, 2);
		} else {
			out_write(o, v + i, len);
		}
		i += len;
	}
}

/*
 * A value the JSON sink's renderers wrote (a number, a JSON string, or null)
 * as an AnyValue attribute: null leaves the attribute out, a number past
 * int64 (an unsigned register) becomes its decimal string.
 */
static void kv_json_value(struct kvs *k, const char *prefix, const char *name, const char *v,
			  size_t n)
{
	if (!n || (n == 4 && !memcmp(v, "null", 4)))
		return;
	kv_key2(k, prefix, name);
	if (v[0] == '"') {
		out_puts(k->o, "\"stringValue\":");
		out_json_utf8(k->o, v, n);
	} else if (is_int64(v, n)) {
		out_puts(k->o, "\"intValue\":\"");
		out_write(k->o, v, n);
		out_putc(k->o, '"');
	} else {
		/* A structure's object or array (a socket address, a stat) is JSON text: escaped. */
		out_puts(k->o, "\"stringValue\":\"");
		out_escape_json(k->o, v, n);
		out_putc(k->o, '"');
	}
	out_puts(k->o, "}}");
}

/* A value rendered by put into a buffer, then as an attribute. */
static void kv_rendered(struct kvs *k, const char *prefix, const char *name,
			void (*put)(struct out *o, const struct event *ev, unsigned i),
			const struct event *ev, unsigned i)
{
	char v[VALUE_MAX];
	struct out vo = out_init(v, sizeof(v));
	size_t n;

	put(&vo, ev, i);
	n = out_end(&vo);
	/* Never cut: VALUE_MAX holds the longest; a cut value would be invalid JSON. */
	if (n < sizeof(v))
		kv_json_value(k, prefix, name, v, n);
}

static void func_ret_json(struct out *o, const struct event *ev, unsigned i)
{
	(void)i;
	func_put_ret_scalar(o, ev);
}

static void put_time(struct out *o, const char *field, uint64_t unix_ns)
{
	out_puts(o, field);
	out_puts(o, ":\"");
	out_u64(o, unix_ns);
	out_putc(o, '"');
}

/* The body, a JSON string: what the text sink's line says after its time and pid columns. */
static void put_call_body(struct out *o, const struct event *ev)
{
	bool sys = ev->kind == EV_SYSCALL;
	char body[BODY_MAX];
	struct out b = out_init(body, sizeof(body));
	size_t n;

	if (ev->label) {
		out_putc(&b, '[');
		out_puts(&b, ev->label);
		out_puts(&b, "] ");
	}
	out_puts(&b, ev->name);
	out_putc(&b, '(');
	if (sys)
		sys_put_args(&b, ev);
	else
		func_put_args(&b, ev, false);
	out_putc(&b, ')');
	if (!(ev->flags & EV_ENTRY_ONLY)) {
		out_puts(&b, " = ");
		if (sys)
			sys_put_ret(&b, ev);
		else
			func_put_ret(&b, ev, false);
		if (ev->flags & EV_FAILING)
			out_puts(&b, " [failing]");
	}
	n = out_end(&b);
	out_puts(o, "\"body\":{\"stringValue\":\"");
	out_escape_json(o, body, n < sizeof(body) ? n : sizeof(body) - 1);
	out_puts(o, "\"},");
}

static bool has_ret(const struct event *ev)
{
	if (ev->flags & (EV_NORETURN | EV_ENTRY_ONLY))
		return false;
	return !(ev->kind == EV_SYSCALL && ev->sys && ev->sys->noreturn);
}

static bool has_dur(const struct event *ev)
{
	if (ev->kind == EV_SYSCALL)
		return !(ev->flags & (EV_NORETURN | EV_ENTRY_ONLY | EV_NO_DUR));
	return !(ev->flags & (EV_ENTRY_ONLY | EV_RETURN_ONLY));
}

static void put_call_attrs(struct kvs *k, const struct event *ev)
{
	bool sys = ev->kind == EV_SYSCALL;
	/* Numbers the table does not name have no argument names: arg0..arg5. */
	char an[8] = "arg0";

	kv_str(k, "agent_trace.event", sys ? "syscall" : "call");
	kv_str(k, sys ? "syscall.name" : "code.function", ev->name);
	if (ev->label)
		kv_str(k, "agent_trace.probe", ev->label);
	for (unsigned i = 0; i < (sys && !ev->sys ? 0 : ev->nargs); i++) {
		const char *name = ev->args[i].name;

		if (sys && !sys_arg_taken(ev, i))
			continue;
		an[3] = (char)('0' + i);
		kv_rendered(k, "agent_trace.arg.", name ? name : an,
			    sys ? sys_put_arg_json : func_put_arg_json, ev, i);
	}
	if (has_ret(ev)) {
		if (sys)
			kv_int(k, "agent_trace.return", ev->ret);
		else
			kv_rendered(k, "agent_trace.return", NULL, func_ret_json, ev, 0);
	}
	if (ev->err) {
		const char *en = errno_name(ev->err);
		char num[16];

		if (!en) {
			snprintf(num, sizeof(num), "%d", ev->err);
			en = num;
		}
		kv_str(k, "error.type", en);
		kv_str(k, "agent_trace.errno", en);
	} else if (ev->flags & EV_FAILING) {
		/* The probe's failing predicate matched: no errno to name the class by. */
		kv_str(k, "error.type", "_OTHER");
	}
	if (has_dur(ev))
		kv_int(k, "agent_trace.duration_ns", (int64_t)ev->dur_ns);
	if (ev->flags & EV_TRUNCATED) {
		kv_key(k, "agent_trace.truncated");
		out_puts(k->o, "\"boolValue\":true}}");
	}
}

/* The process's container and pod, by the semantic conventions' names, when it is in one. */
static void put_ident_attrs(struct kvs *k, const struct event *ev)
{
	const char *rt;

	if (!ev->ident)
		return;
	if (ev->ident->id[0])
		kv_str(k, "container.id", ev->ident->id);
	rt = cgroup_runtime_name(ev->ident->runtime);
	if (rt)
		kv_str(k, "container.runtime", rt);
	if (ev->ident->pod_uid[0])
		kv_str(k, "k8s.pod.uid", ev->ident->pod_uid);
}

/* Exec, fork, exit: the body of the text sink's +++ line, the process as attributes. */
static void put_proc(struct out *o, struct kvs *k, const struct event *ev)
{
	int st = ev->exit_code;
	const char *sig = WIFSIGNALED(st) ? signal_name(WTERMSIG(st)) : NULL;

	out_puts(o, "\"body\":{\"stringValue\":\"");
	if (ev->kind == EV_EXEC) {
		out_puts(o, "exec'ed \\\"");
		out_escape_json(o, ev->comm, strlen(ev->comm));
		out_puts(o, "\\\", a target: traced");
	} else if (ev->kind == EV_FORK) {
		out_puts(o, "forked from ");
		out_u64(o, ev->ppid);
	} else if (WIFEXITED(st)) {
		out_puts(o, "exited with ");
		out_i64(o, WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		out_puts(o, "killed by ");
		out_puts(o, sig ? sig : "signal");
		if (WCOREDUMP(st))
			out_puts(o, " (core dumped)");
	} else {
		out_printf(o, "status 0x%x", st);
	}
	out_puts(o, "\"},\"attributes\":[");
	kv_int(k, "process.pid", ev->pid);
	put_ident_attrs(k, ev);
	kv_str(k, "agent_trace.event",
	       ev->kind == EV_EXEC ? "exec" :
	       ev->kind == EV_FORK ? "fork" :
				     "exit");
	kv_str(k, "process.command", ev->comm);
	if (ev->kind == EV_FORK)
		kv_int(k, "process.parent_pid", ev->ppid);
	if (ev->kind == EV_EXIT && WIFEXITED(st))
		kv_int(k, "process.exit.code", WEXITSTATUS(st));
	if (ev->kind == EV_EXIT && WIFSIGNALED(st))
		kv_str(k, "agent_trace.signal", sig ? sig : "?");
}

void otlp_log_record(struct out *o, const struct event *ev, uint64_t start_unix_ns)
{
	bool call = ev->kind == EV_SYSCALL || ev->kind == EV_CALL;
	bool warn = call && (ev->err || (ev->flags & EV_FAILING));
	struct kvs k = { .o = o };

	char t[24];
	struct out to = out_init(t, sizeof(t));
	size_t tn;

	/* The same time twice: its digits once. */
	out_u64(&to, start_unix_ns + ev->ts_ns);
	tn = out_end(&to);
	out_puts(o, "{\"timeUnixNano\":\"");
	out_write(o, t, tn);
	out_puts(o, "\",\"observedTimeUnixNano\":\"");
	out_write(o, t, tn);
	out_putc(o, '"');
	out_puts(o, ",\"severityNumber\":");
	out_u64(o, warn ? OTLP_SEV_WARN : OTLP_SEV_INFO);
	out_puts(o, warn ? ",\"severityText\":\"WARN\"," : ",\"severityText\":\"INFO\",");
	if (call) {
		put_call_body(o, ev);
		out_puts(o, "\"attributes\":[");
		kv_int(&k, "process.pid", ev->pid);
		kv_int(&k, "thread.id", ev->tid);
		put_ident_attrs(&k, ev);
		put_call_attrs(&k, ev);
	} else {
		put_proc(o, &k, ev);
	}
	out_puts(o, "]}");
}

/* The attributes every resource has: who sends, from which host and node. */
static void put_common_attrs(struct kvs *k, const struct otlp_resource *r)
{
	kv_str(k, "service.name", "agent-trace");
	kv_str(k, "service.version", r->service_version);
	if (r->host_name && r->host_name[0])
		kv_str(k, "host.name", r->host_name);
	if (r->node_name && r->node_name[0])
		kv_str(k, "k8s.node.name", r->node_name);
	kv_str(k, "telemetry.sdk.name", "agent-trace");
	kv_str(k, "telemetry.sdk.version", r->service_version);
}

/* A container's attributes, by the semantic conventions' names, and its pod's when known. */
static void put_container_attrs(struct kvs *k, const struct cgroup_ident *id,
				const struct pod_meta *pod)
{
	const char *rt = cgroup_runtime_name(id->runtime);

	if (id->id[0])
		kv_str(k, "container.id", id->id);
	if (rt)
		kv_str(k, "container.runtime", rt);
	if (id->pod_uid[0])
		kv_str(k, "k8s.pod.uid", id->pod_uid);
	if (pod && pod->ns[0])
		kv_str(k, "k8s.namespace.name", pod->ns);
	if (pod && pod->pod[0])
		kv_str(k, "k8s.pod.name", pod->pod);
	if (pod && pod->container[0])
		kv_str(k, "k8s.container.name", pod->container);
}

void otlp_proc_attrs(struct out *o, const struct event *ev)
{
	struct kvs k = { .o = o };

	kv_int(&k, "process.pid", ev->pid);
	if (ev->exe)
		kv_str(&k, "process.executable.path", ev->exe);
	if (ev->ident)
		put_container_attrs(&k, ev->ident, ev->pod);
}

void otlp_log_item(struct out *o, const struct event *ev, uint64_t start_unix_ns)
{
	otlp_proc_attrs(o, ev);
	out_putc(o, '\n');
	otlp_log_record(o, ev, start_unix_ns);
}

/* What a resource's scope says besides its name: drops since the last batch, records folded. */
struct scope_attrs {
	const uint64_t *gap; /* BQ_DROP_N, or NULL */
	uint64_t folded;
};

/*
 * The resource (r's attributes, then extra's n bytes of KeyValues), then the
 * scope's opening: {"resource":{...},"scopeX":[{"scope":{...},
 */
static void put_resource_scope(struct out *o, const struct otlp_resource *r, const char *scopes,
			       const char *extra, size_t n, const struct scope_attrs *sa)
{
	struct kvs k = { .o = o }, sk = { .o = o };

	out_puts(o, "{\"resource\":{\"attributes\":[");
	put_common_attrs(&k, r);
	if (n) {
		out_putc(o, ',');
		out_write(o, extra, n);
	}
	out_puts(o, "]},\"");
	out_puts(o, scopes);
	out_puts(o, "\":[{\"scope\":{\"name\":\"agent-trace\",\"version\":");
	out_json_str(o, r->service_version);
	for (unsigned i = 0; sa && sa->gap && i < BQ_DROP_N; i++) {
		if (!sa->gap[i])
			continue;
		if (!sk.n)
			out_puts(o, ",\"attributes\":[");
		kv_key2(&sk, "agent_trace.dropped.", bq_drop_key[i]);
		out_puts(o, "\"intValue\":\"");
		out_u64(o, sa->gap[i]);
		out_puts(o, "\"}}");
	}
	if (sa && sa->folded) {
		if (!sk.n)
			out_puts(o, ",\"attributes\":[");
		kv_int(&sk, "agent_trace.resources.folded", (int64_t)sa->folded);
	}
	out_puts(o, sk.n ? "]}," : "},");
}

/* An item's two parts: the process attributes and the LogRecord. */
struct log_item {
	const char *res, *rec;
	size_t res_len, rec_len;
};

static struct log_item split_item(const struct bq_item *it)
{
	const char *nl = memchr(it->data, '\n', it->len);
	size_t n = nl ? (size_t)(nl - (const char *)it->data) : 0;

	/* No newline: a LogRecord alone (no process attributes). */
	return (struct log_item){ .res = it->data,
				  .res_len = n,
				  .rec = (const char *)it->data + (nl ? n + 1 : 0),
				  .rec_len = it->len - (nl ? n + 1 : 0) };
}

static bool same_res(const struct log_item *a, const struct log_item *b)
{
	return a->res_len == b->res_len && !memcmp(a->res, b->res, a->res_len);
}

void otlp_logs_request(struct out *o, const struct otlp_resource *r, const struct export_batch *b)
{
	/* The first item of each resource, in order: a resource's items are found by comparing. */
	size_t first[OTLP_RESOURCES_MAX], nres = 0, folded = 0;
	struct scope_attrs sa = { .gap = b->gap };

	for (size_t i = 0; i < b->n; i++) {
		struct log_item it = split_item(&b->items[i]);
		size_t g = 0;

		while (g < nres) {
			struct log_item f = split_item(&b->items[first[g]]);

			if (same_res(&it, &f))
				break;
			g++;
		}
		if (g < nres)
			continue;
		if (nres < OTLP_RESOURCES_MAX)
			first[nres++] = i;
		else
			folded++;
	}
	out_puts(o, "{\"resourceLogs\":[");
	for (size_t g = 0; g <= nres; g++) {
		struct log_item f = g < nres ? split_item(&b->items[first[g]]) :
					       (struct log_item){ 0 };
		size_t n = 0;

		if (g == nres && !folded)
			break;
		if (g)
			out_putc(o, ',');
		if (g == nres)
			sa.folded = folded;
		put_resource_scope(o, r, "scopeLogs", f.res, f.res_len, &sa);
		sa.gap = NULL;
		out_puts(o, "\"logRecords\":[");
		for (size_t i = g < nres ? first[g] : 0; i < b->n; i++) {
			struct log_item it = split_item(&b->items[i]);
			bool mine = g < nres && same_res(&it, &f);

			/* The fold: every item whose resource is none of the first nres. */
			for (size_t h = 0; g == nres && h < nres && !mine; h++) {
				struct log_item e = split_item(&b->items[first[h]]);

				mine = same_res(&it, &e);
			}
			if (g == nres)
				mine = !mine;
			if (!mine)
				continue;
			if (n++)
				out_putc(o, ',');
			out_write(o, it.rec, it.rec_len);
		}
		out_puts(o, "]}]}");
	}
	out_puts(o, "]}");
}

/* Metrics */

uint64_t otlp_hist_bound_ns(unsigned i)
{
	return hist_bucket_high(i * SUB + SUB - 1);
}

/* What a metric's points are written with. */
struct menc {
	struct out *o;
	const struct otlp_metrics_opts *mo;
	const struct snapshot *cur, *prev;
	bool delta;
	unsigned nmetrics, npoints;
};

/* A counter's value over the interval: a counter that went back (reset) starts over. */
static uint64_t since(const struct menc *m, uint64_t cur, uint64_t prev)
{
	if (!m->delta)
		return cur;
	return cur >= prev ? cur - prev : cur;
}

/* Nanoseconds as seconds, exactly: nine decimals (a JSON number). */
static void out_nsec(struct out *o, uint64_t ns)
{
	out_u64(o, ns / NS_PER_S);
	out_putc(o, '.');
	out_udec(o, ns % NS_PER_S, 9);
}

enum mkind { M_SUM, M_HIST, M_GAUGE };

static const char *const mkind_field[] = { "sum", "histogram", "gauge" };

static void metric_begin(struct menc *m, const char *name, const char *desc, const char *unit,
			 enum mkind kind)
{
	struct out *o = m->o;

	out_puts(o, m->nmetrics++ ? ",{\"name\":" : "{\"name\":");
	out_json_str(o, name);
	out_puts(o, ",\"description\":");
	out_json_str(o, desc);
	out_puts(o, ",\"unit\":");
	out_json_str(o, unit);
	out_puts(o, ",\"");
	out_puts(o, mkind_field[kind]);
	out_puts(o, "\":{\"dataPoints\":[");
	m->npoints = 0;
}

static void metric_end_as(struct menc *m, enum mkind kind, bool delta)
{
	struct out *o = m->o;

	out_putc(o, ']');
	if (kind != M_GAUGE) {
		out_puts(o, ",\"aggregationTemporality\":");
		out_u64(o, delta ? OTLP_DELTA : OTLP_CUMULATIVE);
	}
	if (kind == M_SUM)
		out_puts(o, ",\"isMonotonic\":true");
	out_puts(o, "}}");
}

static void metric_end(struct menc *m, enum mkind kind)
{
	metric_end_as(m, kind, m->delta);
}

/* A point's attributes as key, value pairs (up to two), then its times. */
static void point_begin(struct menc *m, const char *k1, const char *v1, const char *k2,
			const char *v2, bool gauge)
{
	struct out *o = m->o;
	struct kvs k = { .o = o };

	out_puts(o, m->npoints++ ? ",{" : "{");
	if (k1) {
		out_puts(o, "\"attributes\":[");
		kv_str(&k, k1, v1);
		if (k2)
			kv_str(&k, k2, v2);
		out_puts(o, "],");
	}
	if (!gauge) {
		put_time(o, "\"startTimeUnixNano\"", m->mo->start_unix_ns);
		out_putc(o, ',');
	}
	put_time(o, "\"timeUnixNano\"", m->mo->time_unix_ns);
}

static void point_int(struct menc *m, const char *k1, const char *v1, const char *k2,
		      const char *v2, uint64_t v)
{
	point_begin(m, k1, v1, k2, v2, false);
	out_puts(m->o, ",\"asInt\":\"");
	out_u64(m->o, v);
	out_puts(m->o, "\"}");
}

/* A histogram point's fields after its head: st (less prev's for delta) in seconds. */
static void hist_body(struct menc *m, const struct at_stat *st, const struct at_stat *prev)
{
	uint64_t counts[OTLP_HIST_BOUNDS + 1] = { 0 }, total = 0;
	struct out *o = m->o;

	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++) {
		uint64_t c = since(m, st->hist[b], prev ? prev->hist[b] : 0);
		unsigned g = b / SUB;

		counts[g < OTLP_HIST_BOUNDS ? g : OTLP_HIST_BOUNDS] += c;
		total += c;
	}
	out_puts(o, ",\"count\":\"");
	out_u64(o, total);
	out_puts(o, "\",\"sum\":");
	out_nsec(o, since(m, st->total_ns, prev ? prev->total_ns : 0));
	out_puts(o, ",\"bucketCounts\":[");
	for (unsigned i = 0; i <= OTLP_HIST_BOUNDS; i++) {
		out_puts(o, i ? ",\"" : "\"");
		out_u64(o, counts[i]);
		out_putc(o, '"');
	}
	out_puts(o, "],\"explicitBounds\":[");
	for (unsigned i = 0; i < OTLP_HIST_BOUNDS; i++) {
		if (i)
			out_putc(o, ',');
		out_nsec(o, otlp_hist_bound_ns(i));
	}
	out_putc(o, ']');
	/* The run's longest is known; an interval's is not. */
	if (!m->delta && total) {
		out_puts(o, ",\"max\":");
		out_nsec(o, st->max_ns);
	}
	out_putc(o, '}');
}

/* A duration histogram point by OTLP_HIST_BOUNDS bounds, with up to two attributes. */
static void point_hist(struct menc *m, const char *k1, const char *v1, const char *k2,
		       const char *v2, const struct at_stat *st, const struct at_stat *prev)
{
	point_begin(m, k1, v1, k2, v2, false);
	hist_body(m, st, prev);
}

static const struct at_stat *prev_sys(const struct menc *m, unsigned nr)
{
	return m->delta && m->prev && m->prev->stats ? &m->prev->stats[nr] : NULL;
}

static void put_syscalls(struct menc *m)
{
	const struct snapshot *s = m->cur;
	char name[SYSCALL_NAME_BUF];
	bool any = false;

	if (!s->stats)
		return;
	for (unsigned nr = 0; nr < AT_NR_MAX && !any; nr++)
		any = s->stats[nr].count != 0;
	if (!any)
		return;
	metric_begin(m, "agent_trace.syscall.calls",
		     "Completed system calls of the traced processes.", "{call}", M_SUM);
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct at_stat *p = prev_sys(m, nr);

		if (s->stats[nr].count)
			point_int(m, "syscall.name", syscall_row_name(nr, name), NULL, NULL,
				  since(m, s->stats[nr].count, p ? p->count : 0));
	}
	metric_end(m, M_SUM);
	metric_begin(m, "agent_trace.syscall.errors", "System calls that returned an error.",
		     "{call}", M_SUM);
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct at_stat *p = prev_sys(m, nr);

		if (s->stats[nr].count)
			point_int(m, "syscall.name", syscall_row_name(nr, name), NULL, NULL,
				  since(m, s->stats[nr].errors, p ? p->errors : 0));
	}
	metric_end(m, M_SUM);
	if (!m->mo->syscall_durations)
		return;
	metric_begin(m, "agent_trace.syscall.duration", "Time spent in system calls.", "s", M_HIST);
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		if (s->stats[nr].count)
			point_hist(m, "syscall.name", syscall_row_name(nr, name), NULL, NULL,
				   &s->stats[nr], prev_sys(m, nr));
	metric_end(m, M_HIST);
}

/* The previous export's entry of the probe with sp's id (snapshots list probes by id). */
static const struct snapshot_probe *prev_probe(const struct menc *m,
					       const struct snapshot_probe *sp)
{
	const struct snapshot *pv = m->prev;
	uint32_t lo = 0, hi = pv && m->delta ? pv->nprobes : 0;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, id = pv->probes[mid].p->id;

		if (id == sp->p->id)
			return &pv->probes[mid];
		if (id < sp->p->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A probe's attributes: agent_trace.probe (its label, else its name), code.function. */
#define PROBE_ATTRS(p)                                               \
	"agent_trace.probe", (p)->label[0] ? (p)->label : (p)->name, \
		(p)->label[0] ? "code.function" : NULL, (p)->label[0] ? (p)->name : NULL

/* The unit of a per-probe count, by what it counts. */
static const char *probe_unit(const char *key)
{
	if (!strncmp(key, "signal", 6))
		return "{signal}";
	if (!strcmp(key, "events") || !strcmp(key, "sampled_out") || !strcmp(key, "rate_limited") ||
	    !strcmp(key, "lost"))
		return "{event}";
	return "{hit}";
}

static void put_probes(struct menc *m)
{
	const struct snapshot *s = m->cur;
	char name[96], desc[96];
	bool any = false, any_timed = false;

	for (uint32_t k = 0; k < s->nprobes; k++) {
		any |= snapshot_probe_live(&s->probes[k]);
		any_timed |= snapshot_probe_live(&s->probes[k]) && probe_timed(s->probes[k].p);
	}
	if (!any)
		return;
	for (size_t i = 0; i < probe_counters_n; i++) {
		const struct probe_counter *pc = &probe_counters[i];

		snprintf(name, sizeof(name), "agent_trace.probe.%s", pc->json);
		snprintf(desc, sizeof(desc), "Probe hits counted as %s.",
			 pc->text ? pc->text : pc->json);
		metric_begin(m, name, desc, probe_unit(pc->json), M_SUM);
		for (uint32_t k = 0; k < s->nprobes; k++) {
			const struct snapshot_probe *sp = &s->probes[k], *pp = prev_probe(m, sp);

			if (snapshot_probe_live(sp))
				point_int(m, PROBE_ATTRS(sp->p),
					  since(m, probe_count(&sp->c, pc),
						pp ? probe_count(&pp->c, pc) : 0));
		}
		metric_end(m, M_SUM);
	}
	if (!any_timed)
		return;
	metric_begin(m, "agent_trace.probe.duration", "Duration of probed function calls.", "s",
		     M_HIST);
	for (uint32_t k = 0; k < s->nprobes; k++) {
		const struct snapshot_probe *sp = &s->probes[k], *pp = prev_probe(m, sp);

		if (snapshot_probe_live(sp) && probe_timed(sp->p))
			point_hist(m, PROBE_ATTRS(sp->p), &sp->st, pp ? &pp->st : NULL);
	}
	metric_end(m, M_HIST);
}

/* Captured bytes as a stringValue: escaped, with valid UTF-8 kept as characters. */
static void kv_bytes(struct kvs *k, const char *key, const char *v, size_t n)
{
	char esc[AGG_VALUE_MAX * 6 + 1];
	struct out e = out_init(esc, sizeof(esc));
	size_t len;

	out_escape_json(&e, v, n < AGG_VALUE_MAX ? n : AGG_VALUE_MAX);
	len = out_end(&e);
	kv_key(k, key);
	out_puts(k->o, "\"stringValue\":\"");
	out_json_utf8(k->o, esc, len < sizeof(esc) ? len : sizeof(esc) - 1);
	out_puts(k->o, "\"}}");
}

/*
 * One aggregate row's point: the probe, the argument it is by, and the value
 * (or which remainder row it is). Always cumulative: the rows are the top N
 * by calls, and a value's previous total may have been in "other" then.
 */
static void agg_point_begin(struct menc *m, const struct snapshot_probe *sp,
			    const struct agg_row *r)
{
	static const char *const kinds[] = {
		[AGG_ROW_VALUE] = "value", [AGG_ROW_OTHER] = "other", [AGG_ROW_UNREADABLE] = "unreadable"
	};
	const struct probe *p = sp->p;
	struct out *o = m->o;
	struct kvs k = { .o = o };

	out_puts(o, m->npoints++ ? ",{\"attributes\":[" : "{\"attributes\":[");
	kv_str(&k, "agent_trace.probe", p->label[0] ? p->label : p->name);
	kv_str(&k, "agent_trace.aggregate.by", sp->agg.by);
	kv_str(&k, "agent_trace.aggregate.row", kinds[r->kind % 3]);
	if (r->kind == AGG_ROW_VALUE)
		kv_bytes(&k, "agent_trace.aggregate.value", r->value, r->len);
	out_puts(o, "],");
	put_time(o, "\"startTimeUnixNano\"",
		 m->mo->run_start_unix_ns ? m->mo->run_start_unix_ns : m->mo->start_unix_ns);
	out_putc(o, ',');
	put_time(o, "\"timeUnixNano\"", m->mo->time_unix_ns);
}

/* Aggregation by a field: calls, failing and durations per value (top rows and the rest). */
static void put_aggregates(struct menc *m)
{
	static const struct {
		const char *name, *desc;
		size_t off;
	} sums[] = {
		{ "agent_trace.probe.aggregate.calls",
		  "Calls per value of the aggregated argument.", offsetof(struct at_stat, count) },
		{ "agent_trace.probe.aggregate.failing",
		  "Failing calls per value of the aggregated argument.",
		  offsetof(struct at_stat, errors) },
	};
	const struct snapshot *s = m->cur;
	const struct menc saved = *m;
	bool any = false, any_timed = false;

	for (uint32_t k = 0; k < s->nprobes; k++) {
		any |= snapshot_probe_live(&s->probes[k]) && s->probes[k].agg.n;
		any_timed |= snapshot_probe_live(&s->probes[k]) && s->probes[k].agg.n &&
			     probe_timed(s->probes[k].p);
	}
	if (!any)
		return;
	/* Cumulative whatever the sink's temporality: point_hist must not subtract. */
	m->delta = false;
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		metric_begin(m, sums[i].name, sums[i].desc, "{call}", M_SUM);
		for (uint32_t k = 0; k < s->nprobes; k++) {
			const struct snapshot_probe *sp = &s->probes[k];

			for (size_t j = 0; snapshot_probe_live(sp) && j < sp->agg.n; j++) {
				agg_point_begin(m, sp, &sp->agg.v[j]);
				out_puts(m->o, ",\"asInt\":\"");
				out_u64(m->o, *(const __u64 *)((const char *)&sp->agg.v[j].st +
							       sums[i].off));
				out_puts(m->o, "\"}");
			}
		}
		metric_end_as(m, M_SUM, false);
	}
	if (any_timed) {
		metric_begin(m, "agent_trace.probe.aggregate.duration",
			     "Duration of calls per value of the aggregated argument.", "s",
			     M_HIST);
		for (uint32_t k = 0; k < s->nprobes; k++) {
			const struct snapshot_probe *sp = &s->probes[k];

			for (size_t j = 0;
			     snapshot_probe_live(sp) && probe_timed(sp->p) && j < sp->agg.n; j++) {
				agg_point_begin(m, sp, &sp->agg.v[j]);
				hist_body(m, &sp->agg.v[j].st, NULL);
			}
		}
		metric_end_as(m, M_HIST, false);
	}
	m->delta = saved.delta;
}

static void put_agent(struct menc *m)
{
	const struct snapshot *s = m->cur, *p = m->delta ? m->prev : NULL;
	double cpu = s->cpu_s - (p ? p->cpu_s : 0);

	metric_begin(m, "agent_trace.lost.records",
		     "Records (state: calls, proc_table: processes) lost, by cause.", "{record}",
		     M_SUM);
	for (size_t i = 0; i < loss_counters_n; i++)
		point_int(m, "cause", loss_counters[i].json, NULL, NULL,
			  since(m, snapshot_loss(s, &loss_counters[i]),
				p ? snapshot_loss(p, &loss_counters[i]) : 0));
	metric_end(m, M_SUM);
	metric_begin(m, "agent_trace.records.read", "Records read from the kernel's ring buffer.",
		     "{record}", M_SUM);
	point_int(m, NULL, NULL, NULL, NULL,
		  since(m, s->reader.records, p ? p->reader.records : 0));
	metric_end(m, M_SUM);
	metric_begin(m, "agent_trace.reader.batches", "Reader wakeups that delivered records.",
		     "{batch}", M_SUM);
	point_int(m, NULL, NULL, NULL, NULL,
		  since(m, s->reader.batches, p ? p->reader.batches : 0));
	metric_end(m, M_SUM);
	metric_begin(m, "process.cpu.time", "Total user and system CPU time of agent-trace.", "s",
		     M_SUM);
	point_begin(m, NULL, NULL, NULL, NULL, false);
	out_printf(m->o, ",\"asDouble\":%.6f}", cpu > 0 ? cpu : 0.0);
	metric_end(m, M_SUM);
	if (!m->mo->rss_bytes)
		return;
	metric_begin(m, "process.memory.usage", "Resident memory size of agent-trace.", "By",
		     M_GAUGE);
	point_begin(m, NULL, NULL, NULL, NULL, true);
	out_puts(m->o, ",\"asInt\":\"");
	out_u64(m->o, m->mo->rss_bytes);
	out_puts(m->o, "\"}");
	metric_end(m, M_GAUGE);
}

/* Whether row r belongs to the resource of container ctr (CTR_HOST: the host's and other's). */
static bool ctr_row_in(const struct ctr_row *r, uint16_t ctr)
{
	return ctr == CTR_HOST ? r->ctr == CTR_HOST || r->ctr == CTR_OTHER : r->ctr == ctr;
}

/* A per-container row's point: the syscall or the probe, "other" for the folded; cumulative. */
static bool ctr_point_begin(struct menc *m, const struct ctr_row *r)
{
	const struct probe *p = r->kind == CTR_PROBE ? snapshot_probe_by_id(m->cur, r->id) : NULL;
	char name[SYSCALL_NAME_BUF];
	struct out *o = m->o;
	struct kvs k = { .o = o };

	if (r->kind == CTR_PROBE && !p)
		return false;
	out_puts(o, m->npoints++ ? ",{\"attributes\":[" : "{\"attributes\":[");
	if (p) {
		kv_str(&k, "agent_trace.probe", p->label[0] ? p->label : p->name);
		if (p->label[0])
			kv_str(&k, "code.function", p->name);
	} else {
		kv_str(&k, "syscall.name", syscall_row_name(r->id, name));
	}
	if (r->ctr == CTR_OTHER)
		kv_str(&k, "agent_trace.container", "other");
	out_puts(o, "],");
	put_time(o, "\"startTimeUnixNano\"",
		 m->mo->run_start_unix_ns ? m->mo->run_start_unix_ns : m->mo->start_unix_ns);
	out_putc(o, ',');
	put_time(o, "\"timeUnixNano\"", m->mo->time_unix_ns);
	return true;
}

/* One sum of container ctr's rows of kind: the at_stat field at off. */
static void ctr_sum(struct menc *m, uint16_t ctr, uint8_t kind, const char *name, const char *desc,
		    const char *unit, size_t off)
{
	const struct ctr_rows *cr = m->mo->containers;
	bool any = false;

	for (size_t i = 0; i < cr->n && !any; i++)
		any = cr->v[i].kind == kind && ctr_row_in(&cr->v[i], ctr) &&
		      (kind == CTR_SYSCALL || snapshot_probe_by_id(m->cur, cr->v[i].id));
	if (!any)
		return;
	metric_begin(m, name, desc, unit, M_SUM);
	for (size_t i = 0; i < cr->n; i++) {
		const struct ctr_row *r = &cr->v[i];

		if (r->kind != kind || !ctr_row_in(r, ctr) || !ctr_point_begin(m, r))
			continue;
		out_puts(m->o, ",\"asInt\":\"");
		out_u64(m->o, *(const __u64 *)((const char *)&r->st + off));
		out_puts(m->o, "\"}");
	}
	metric_end_as(m, M_SUM, false);
}

/* Container ctr's records: by syscall and by probe, the durations of timed probes' records. */
static void put_ctr_metrics(struct menc *m, uint16_t ctr)
{
	const struct ctr_rows *cr = m->mo->containers;
	const struct menc saved = *m;
	bool any_timed = false;

	ctr_sum(m, ctr, CTR_SYSCALL, "agent_trace.syscall.records",
		"System call records of the resource's processes.", "{record}",
		offsetof(struct at_stat, count));
	ctr_sum(m, ctr, CTR_SYSCALL, "agent_trace.syscall.record.errors",
		"System call records that returned an error.", "{record}",
		offsetof(struct at_stat, errors));
	ctr_sum(m, ctr, CTR_PROBE, "agent_trace.probe.records",
		"Probe records of the resource's processes.", "{record}",
		offsetof(struct at_stat, count));
	ctr_sum(m, ctr, CTR_PROBE, "agent_trace.probe.record.failing",
		"Probe records of failing calls.", "{record}", offsetof(struct at_stat, errors));
	/* Cumulative whatever the sink's temporality: hist_body must not subtract. */
	m->delta = false;
	for (size_t i = 0; i < cr->n; i++) {
		const struct ctr_row *r = &cr->v[i];
		const struct probe *p;

		if (r->kind != CTR_PROBE || !r->timed || !ctr_row_in(r, ctr) ||
		    !(p = snapshot_probe_by_id(m->cur, r->id)) || !probe_timed(p))
			continue;
		if (!any_timed)
			metric_begin(m, "agent_trace.probe.record.duration",
				     "Duration of probed calls recorded.", "s", M_HIST);
		any_timed = true;
		ctr_point_begin(m, r);
		hist_body(m, &r->st, NULL);
	}
	if (any_timed)
		metric_end_as(m, M_HIST, false);
	m->delta = saved.delta;
}

/* One ResourceMetrics per container that has rows: its attributes, its records. */
static void put_containers(struct menc *m, const struct otlp_resource *r)
{
	const struct ctr_rows *cr = m->mo->containers;

	for (uint32_t c = 1; c < cr->nctr; c++) {
		char attrs[2048];
		struct out a = out_init(attrs, sizeof(attrs));
		struct kvs k = { .o = &a };
		bool any = false;
		size_t n;

		for (size_t i = 0; i < cr->n && !any; i++)
			any = cr->v[i].ctr == c;
		if (!any)
			continue;
		put_container_attrs(&k, &cr->ctr[c].id, &cr->ctr[c].pod);
		n = out_end(&a);
		/* Never cut: ids and names are bounded well below the buffer. */
		if (n >= sizeof(attrs))
			continue;
		out_putc(m->o, ',');
		put_resource_scope(m->o, r, "scopeMetrics", attrs, n, NULL);
		out_puts(m->o, "\"metrics\":[");
		m->nmetrics = 0;
		put_ctr_metrics(m, (uint16_t)c);
		out_puts(m->o, "]}]}");
	}
}

void otlp_metrics_request(struct out *o, const struct otlp_resource *r, const struct snapshot *cur,
			  const struct snapshot *prev, const struct otlp_metrics_opts *mo)
{
	struct menc m = {
		.o = o,
		.mo = mo,
		.cur = cur,
		.prev = prev,
		.delta = mo->temporality == OTLP_DELTA,
	};

	out_puts(o, "{\"resourceMetrics\":[");
	put_resource_scope(o, r, "scopeMetrics", NULL, 0, NULL);
	out_puts(o, "\"metrics\":[");
	put_syscalls(&m);
	put_probes(&m);
	if (mo->containers)
		put_ctr_metrics(&m, CTR_HOST);
	put_aggregates(&m);
	put_agent(&m);
	out_puts(o, "]}]}");
	if (mo->containers)
		put_containers(&m, r);
	out_puts(o, "]}");
}
