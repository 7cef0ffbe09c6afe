// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prometheus text exposition of a snapshot: counters and histograms, HELP and TYPE lines. */
#include <string.h>

#include "aggregate.h"
#include "ctrtab.h"
#include "ident.h"
#include "probes.h"
#include "prom.h"
#include "summary.h"
#include "syscalls.h"

#define SUB (1u << AT_HIST_SUB_BITS)
/*
 * Histogram buckets: the kernel's power-of-two groups (every SUB buckets),
 * up to 2^36 ns (68.7 s), then +Inf. A fixed set, the same at every scrape
 * (rate() and histogram_quantile() want that), and each bound exact: the
 * highest value of a kernel bucket.
 */
#define PROM_LAST_BUCKET (35 * SUB - 1)

void prom_escape(struct out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			out_write(o, "\\\\", 2);
		else if (*s == '"')
			out_write(o, "\\\"", 2);
		else if (*s == '\n')
			out_write(o, "\\n", 2);
		else
			out_putc(o, *s);
	}
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Nanoseconds as seconds, exactly: nine decimals. */
static void out_nsec(struct out *o, uint64_t ns)
{
	out_u64(o, ns / 1000000000);
	out_putc(o, '.');
	out_udec(o, ns % 1000000000, 9);
}

/* name{labels} value; labels already escaped and joined ("syscall=\"read\""). */
static void sample(struct out *o, const char *name, const char *suffix, const char *labels,
		   uint64_t v)
{
	out_puts(o, name);
	out_puts(o, suffix);
	if (labels[0]) {
		out_putc(o, '{');
		out_puts(o, labels);
		out_putc(o, '}');
	}
	out_putc(o, ' ');
	out_u64(o, v);
	out_putc(o, '\n');
}

/*
 * A histogram of the kernel's buckets grouped by power of two: cumulative,
 * +Inf == _count. A latency histogram's bounds and _sum are in seconds; a
 * value histogram's (histogram: ret or an argument) are the values as they are.
 */
static void histogram_of(struct out *o, const char *name, const char *labels,
			 const struct at_stat *st, bool secs)
{
	uint64_t seen = 0, total = 0;

	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++)
		total += st->hist[b];
	for (unsigned b = 0; b <= PROM_LAST_BUCKET; b++) {
		seen += st->hist[b];
		if ((b & (SUB - 1)) != SUB - 1)
			continue;
		out_printf(o, "%s_bucket{%s%sle=\"", name, labels, labels[0] ? "," : "");
		if (secs)
			out_nsec(o, hist_bucket_high(b));
		else
			out_u64(o, hist_bucket_high(b));
		out_puts(o, "\"} ");
		out_u64(o, seen);
		out_putc(o, '\n');
	}
	out_printf(o, "%s_bucket{%s%sle=\"+Inf\"} ", name, labels, labels[0] ? "," : "");
	out_u64(o, total);
	out_printf(o, "\n%s_sum%s%s%s ", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "");
	if (secs)
		out_nsec(o, st->total_ns);
	else
		out_u64(o, st->total_ns);
	out_putc(o, '\n');
	sample(o, name, "_count", labels, total);
}

static void histogram(struct out *o, const char *name, const char *labels, const struct at_stat *st)
{
	histogram_of(o, name, labels, st, true);
}

/* A histogram of a value (ret, an argument), not of the latency. */
static bool valued(const struct probe *p)
{
	return (p->actions & AT_ACT_HIST) && p->hist_of != AT_HIST_LATENCY;
}

/* syscall="NAME" into buf. */
static const char *syscall_label(unsigned nr, char *buf, size_t size)
{
	char name[SYSCALL_NAME_BUF];
	struct out l = out_init(buf, size);

	out_puts(&l, "syscall=\"");
	prom_escape(&l, syscall_row_name(nr, name));
	out_putc(&l, '"');
	out_end(&l);
	return buf;
}

static void put_syscalls(struct out *o, const struct snapshot *s, const struct prom_opts *po)
{
	static const char *const calls = "agent_trace_syscalls_total",
				 *const errors = "agent_trace_syscall_errors_total",
				 *const dur = "agent_trace_syscall_duration_seconds";
	char l[64];

	if (!s->stats)
		return;
	head(o, calls, "counter", "Completed system calls of the traced processes.");
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		if (s->stats[nr].count)
			sample(o, calls, "", syscall_label(nr, l, sizeof(l)), s->stats[nr].count);
	head(o, errors, "counter", "System calls that returned an error.");
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		if (s->stats[nr].count)
			sample(o, errors, "", syscall_label(nr, l, sizeof(l)), s->stats[nr].errors);
	if (!po->syscall_durations)
		return;
	head(o, dur, "histogram", "Time spent in system calls.");
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		if (s->stats[nr].count)
			histogram(o, dur, syscall_label(nr, l, sizeof(l)), &s->stats[nr]);
}

/* probe="LABEL",function="NAME" for a probe-file probe, probe="NAME" for -u and --usdt. */
static const char *probe_labels(const struct probe *p, char *buf, size_t size)
{
	struct out l = out_init(buf, size);

	out_puts(&l, "probe=\"");
	prom_escape(&l, p->label[0] ? p->label : p->name);
	if (p->label[0]) {
		out_puts(&l, "\",function=\"");
		prom_escape(&l, p->name);
	}
	out_putc(&l, '"');
	out_end(&l);
	return buf;
}

/* Value histograms: label of="ret" or the argument's name, bounds in the value's own units. */
static void put_values(struct out *o, const struct snapshot *s)
{
	static const char *const val = "agent_trace_probe_value";
	char l[4 * USPEC_NAME_MAX + 160], t[64], lab[4 * USPEC_NAME_MAX + 240];
	bool any = false;

	for (uint32_t k = 0; k < s->nprobes; k++)
		any |= snapshot_probe_live(&s->probes[k]) && valued(s->probes[k].p);
	if (!any)
		return;
	head(o, val, "histogram",
	     "Values a probe's histogram action aggregates (of: ret or the argument; negatives as 0).");
	for (uint32_t k = 0; k < s->nprobes; k++) {
		const struct snapshot_probe *sp = &s->probes[k];
		struct out lo = out_init(lab, sizeof(lab));

		if (!snapshot_probe_live(sp) || !valued(sp->p))
			continue;
		out_puts(&lo, probe_labels(sp->p, l, sizeof(l)));
		out_puts(&lo, lo.len ? ",of=\"" : "of=\"");
		prom_escape(&lo, summary_hist_title(sp->p, t, sizeof(t)));
		out_putc(&lo, '"');
		out_end(&lo);
		histogram_of(o, val, lab, &sp->st, false);
	}
}

static void put_probes(struct out *o, const struct snapshot *s)
{
	static const char *const dur = "agent_trace_probe_duration_seconds";
	char name[96], help[96], l[4 * USPEC_NAME_MAX + 160];
	bool any_timed = false;

	if (!s->nprobes)
		return;
	for (size_t i = 0; i < probe_counters_n; i++) {
		const struct probe_counter *pc = &probe_counters[i];

		snprintf(name, sizeof(name), "agent_trace_probe_%s_total", pc->json);
		snprintf(help, sizeof(help), "Probe hits counted as %s.",
			 pc->text ? pc->text : pc->json);
		head(o, name, "counter", help);
		for (uint32_t k = 0; k < s->nprobes; k++) {
			const struct snapshot_probe *sp = &s->probes[k];

			if (snapshot_probe_live(sp))
				sample(o, name, "", probe_labels(sp->p, l, sizeof(l)),
				       probe_count(&sp->c, pc));
		}
	}
	put_values(o, s);
	for (uint32_t k = 0; k < s->nprobes; k++)
		any_timed |= snapshot_probe_live(&s->probes[k]) && probe_timed(s->probes[k].p);
	if (!any_timed)
		return;
	head(o, dur, "histogram", "Duration of probed function calls.");
	for (uint32_t k = 0; k < s->nprobes; k++) {
		const struct snapshot_probe *sp = &s->probes[k];

		if (snapshot_probe_live(sp) && probe_timed(sp->p))
			histogram(o, dur, probe_labels(sp->p, l, sizeof(l)), &sp->st);
	}
}

/*
 * A value's bytes as a label value: escaped as prom_escape does, valid UTF-8
 * as it is, and each other byte from 0x80 up as the code point of that
 * number (U+0080..U+00FF), so the label is valid UTF-8 whatever was
 * captured (OTLP attributes do the same; the JSON lines write \udcXX there).
 */
static void escape_bytes(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t len;

		if (c == '\\')
			out_write(o, "\\\\", 2);
		else if (c == '"')
			out_write(o, "\\\"", 2);
		else if (c == '\n')
			out_write(o, "\\n", 2);
		else if (c < 0x80)
			out_putc(o, (char)c);
		else if ((len = utf8_seq((const unsigned char *)s + i, n - i))) {
			out_write(o, s + i, len);
			i += len - 1;
		} else {
			out_putc(o, (char)(0xc0 | c >> 6));
			out_putc(o, (char)(0x80 | (c & 0x3f)));
		}
	}
}

/*
 * The probe's labels and the row's: value="BYTES", or for the rows that are
 * no one value value="" with other="true" (values past top, or that the full
 * table could not take) or unreadable="true" (no bytes to read).
 */
static const char *agg_labels(const struct probe *p, const struct agg_row *r, char *buf,
			      size_t size)
{
	struct out l = out_init(buf, size);

	probe_labels(p, buf, size);
	l.len = strlen(buf);
	out_puts(&l, ",value=\"");
	if (r->kind == AGG_ROW_VALUE)
		escape_bytes(&l, r->value, r->len);
	out_putc(&l, '"');
	if (r->kind == AGG_ROW_OTHER)
		out_puts(&l, ",other=\"true\"");
	else if (r->kind == AGG_ROW_UNREADABLE)
		out_puts(&l, ",unreadable=\"true\"");
	out_end(&l);
	return buf;
}

/* Per-value calls, failing calls and durations of the probes that aggregate by a field. */
static void put_aggregates(struct out *o, const struct snapshot *s)
{
	static const char *const calls = "agent_trace_probe_aggregate_calls_total",
				 *const failing = "agent_trace_probe_aggregate_failing_total",
				 *const dur = "agent_trace_probe_aggregate_duration_seconds";
	char l[4 * USPEC_NAME_MAX + 160 + 2 * AGG_VALUE_MAX + 64];
	bool any = false, any_timed = false;

	for (uint32_t k = 0; k < s->nprobes; k++) {
		const struct snapshot_probe *sp = &s->probes[k];

		any |= snapshot_probe_live(sp) && sp->agg.n;
		any_timed |= snapshot_probe_live(sp) && sp->agg.n && sp->p->spec.when == UW_CALL;
	}
	if (!any)
		return;
	head(o, calls, "counter", "Probed calls by the value of the probe's aggregate argument.");
	for (uint32_t k = 0; k < s->nprobes; k++)
		for (size_t i = 0; snapshot_probe_live(&s->probes[k]) && i < s->probes[k].agg.n;
		     i++)
			sample(o, calls, "",
			       agg_labels(s->probes[k].p, &s->probes[k].agg.v[i], l, sizeof(l)),
			       s->probes[k].agg.v[i].st.count);
	head(o, failing, "counter", "Failing probed calls by the value of the aggregate argument.");
	for (uint32_t k = 0; k < s->nprobes; k++)
		for (size_t i = 0; snapshot_probe_live(&s->probes[k]) && i < s->probes[k].agg.n;
		     i++)
			sample(o, failing, "",
			       agg_labels(s->probes[k].p, &s->probes[k].agg.v[i], l, sizeof(l)),
			       s->probes[k].agg.v[i].st.errors);
	if (!any_timed)
		return;
	head(o, dur, "histogram",
	     "Duration of probed calls by the value of the aggregate argument.");
	for (uint32_t k = 0; k < s->nprobes; k++) {
		const struct snapshot_probe *sp = &s->probes[k];

		if (!snapshot_probe_live(sp) || sp->p->spec.when != UW_CALL)
			continue;
		for (size_t i = 0; i < sp->agg.n; i++)
			histogram(o, dur, agg_labels(sp->p, &sp->agg.v[i], l, sizeof(l)),
				  &sp->agg.v[i].st);
	}
}

static void put_agent(struct out *o, const struct snapshot *s, const struct prom_opts *po)
{
	static const char *const lost = "agent_trace_lost_records_total";
	char l[64];

	head(o, lost, "counter", "Records (state: calls, proc_table: processes) lost, by cause.");
	for (size_t i = 0; i < loss_counters_n; i++) {
		snprintf(l, sizeof(l), "cause=\"%s\"", loss_counters[i].json);
		sample(o, lost, "", l, snapshot_loss(s, &loss_counters[i]));
	}
	head(o, "agent_trace_records_read_total", "counter",
	     "Records read from the kernel's ring buffer.");
	sample(o, "agent_trace_records_read_total", "", "", s->reader.records);
	head(o, "agent_trace_reader_batches_total", "counter",
	     "Reader wakeups that delivered records.");
	sample(o, "agent_trace_reader_batches_total", "", "", s->reader.batches);
	head(o, "agent_trace_follow_processes", "gauge",
	     "Traced processes followed into their own files (per-process state).");
	sample(o, "agent_trace_follow_processes", "", "", s->follow.procs);
	head(o, "agent_trace_follow_files", "gauge",
	     "Files (inodes) probes are attached to for followed processes, besides their own.");
	sample(o, "agent_trace_follow_files", "", "", s->follow.sites);
	head(o, "agent_trace_follow_files_attached_total", "counter",
	     "Files probes were attached to for followed processes.");
	sample(o, "agent_trace_follow_files_attached_total", "", "", s->follow.attached);
	head(o, "agent_trace_follow_files_released_total", "counter",
	     "Files released once no followed process used them.");
	sample(o, "agent_trace_follow_files_released_total", "", "", s->follow.released);
	head(o, "agent_trace_follow_failed_total", "counter",
	     "Files a probe could not be attached to.");
	sample(o, "agent_trace_follow_failed_total", "", "", s->follow.failed);
	head(o, "agent_trace_follow_rejected_total", "counter",
	     "Execs matched by file name whose path was not a target's.");
	sample(o, "agent_trace_follow_rejected_total", "", "", s->follow.rejected);
	head(o, "process_cpu_seconds_total", "counter",
	     "Total user and system CPU time spent in seconds.");
	out_printf(o, "process_cpu_seconds_total %.6f\n", s->cpu_s);
	head(o, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
	sample(o, "process_resident_memory_bytes", "", "", po->rss_bytes);
}

/* sink="NAME" (escaped), then more labels when extra is not "". */
static const char *sink_labels(const char *name, const char *extra, char *buf, size_t size)
{
	struct out l = out_init(buf, size);

	out_puts(&l, "sink=\"");
	prom_escape(&l, name);
	out_putc(&l, '"');
	if (extra[0]) {
		out_putc(&l, ',');
		out_puts(&l, extra);
	}
	out_end(&l);
	return buf;
}

/* One counter or gauge per sink: the field at off of struct export_stats. */
static void per_sink(struct out *o, const struct snapshot *s, const char *name, const char *type,
		     const char *help, size_t off)
{
	char l[600];

	head(o, name, type, help);
	for (uint32_t i = 0; i < s->nsinks; i++)
		sample(o, name, "", sink_labels(s->sinks[i].name, "", l, sizeof(l)),
		       *(const uint64_t *)((const char *)&s->sinks[i].st + off));
}

/* The exporting sinks' queues: what they took, delivered, retried and dropped by cause. */
static void put_sinks(struct out *o, const struct snapshot *s)
{
	static const char *const dropped = "agent_trace_export_dropped_items_total";
	static const char *const last = "agent_trace_export_last_success_timestamp_seconds";
	char l[600], cause[64];

	if (!s->nsinks)
		return;
	per_sink(o, s, "agent_trace_export_items_total", "counter",
		 "Items (events, metric requests) queued for a sink.",
		 offsetof(struct export_stats, pushed));
	per_sink(o, s, "agent_trace_export_sent_items_total", "counter",
		 "Items a sink's receiver accepted.", offsetof(struct export_stats, sent));
	per_sink(o, s, "agent_trace_export_batches_total", "counter",
		 "Batches a sink's receiver accepted.", offsetof(struct export_stats, batches));
	per_sink(o, s, "agent_trace_export_failed_requests_total", "counter",
		 "Send attempts that failed (each retry counts).",
		 offsetof(struct export_stats, failed));
	per_sink(o, s, "agent_trace_export_retries_total", "counter",
		 "Send attempts that were retries.", offsetof(struct export_stats, retries));
	per_sink(o, s, "agent_trace_export_sent_bytes_total", "counter",
		 "Bytes on the wire of accepted batches.", offsetof(struct export_stats, bytes));
	per_sink(o, s, "agent_trace_export_queue_items", "gauge",
		 "Items waiting in a sink's queue, in flight included.",
		 offsetof(struct export_stats, queued));
	per_sink(o, s, "agent_trace_export_queue_bytes", "gauge",
		 "Bytes waiting in a sink's queue, in flight included.",
		 offsetof(struct export_stats, queued_bytes));
	head(o, dropped, "counter", "Items a sink dropped, by cause.");
	for (uint32_t i = 0; i < s->nsinks; i++) {
		for (unsigned c = 0; c < BQ_DROP_N; c++) {
			snprintf(cause, sizeof(cause), "cause=\"%s\"", bq_drop_key[c]);
			sample(o, dropped, "", sink_labels(s->sinks[i].name, cause, l, sizeof(l)),
			       s->sinks[i].st.dropped[c]);
		}
	}
	head(o, last, "gauge", "When a sink's receiver last accepted a batch (0: never).");
	for (uint32_t i = 0; i < s->nsinks; i++) {
		out_puts(o, last);
		out_putc(o, '{');
		out_puts(o, sink_labels(s->sinks[i].name, "", l, sizeof(l)));
		out_puts(o, "} ");
		out_nsec(o, s->sinks[i].st.last_ok_unix_ns);
		out_putc(o, '\n');
	}
}

/* A row's series labels: syscall="NAME" or the probe's, then container="ID" ("" on the host). */
static bool ctr_labels(const struct snapshot *s, const struct ctr_rows *cr, const struct ctr_row *r,
		       char *buf, size_t size)
{
	struct out l = out_init(buf, size);
	const struct probe *p = NULL;

	if (r->kind == CTR_PROBE) {
		p = snapshot_probe_by_id(s, r->id);
		if (!p)
			return false;
		probe_labels(p, buf, size);
		l.len = strlen(buf);
	} else {
		syscall_label(r->id, buf, size);
		l.len = strlen(buf);
	}
	out_puts(&l, ",container=\"");
	prom_escape(&l, ctr_rows_label(cr, r->ctr));
	out_putc(&l, '"');
	out_end(&l);
	return true;
}

/* Counters of one kind of row: the field at off of at_stat. */
static void ctr_series(struct out *o, const struct snapshot *s, const struct ctr_rows *cr,
		       uint8_t kind, const char *name, const char *help, size_t off)
{
	char l[4 * USPEC_NAME_MAX + 320];
	bool any = false;

	for (size_t i = 0; i < cr->n && !any; i++)
		any = cr->v[i].kind == kind;
	if (!any)
		return;
	head(o, name, "counter", help);
	for (size_t i = 0; i < cr->n; i++)
		if (cr->v[i].kind == kind && ctr_labels(s, cr, &cr->v[i], l, sizeof(l)))
			sample(o, name, "", l, *(const __u64 *)((const char *)&cr->v[i].st + off));
}

/*
 * Records by container: what reached userspace (event actions, traced
 * syscalls), each with its container; the in-kernel counts have no container.
 */
static void put_containers(struct out *o, const struct snapshot *s, const struct ctr_rows *cr)
{
	static const char *const dur = "agent_trace_probe_record_duration_seconds";
	char l[4 * USPEC_NAME_MAX + 320];
	bool any_timed = false;

	ctr_series(o, s, cr, CTR_SYSCALL, "agent_trace_syscall_records_total",
		   "System call records by container (\"\": the host; \"other\": past the bound).",
		   offsetof(struct at_stat, count));
	ctr_series(o, s, cr, CTR_SYSCALL, "agent_trace_syscall_record_errors_total",
		   "System call records that returned an error, by container.",
		   offsetof(struct at_stat, errors));
	ctr_series(o, s, cr, CTR_PROBE, "agent_trace_probe_records_total",
		   "Probe records by container (\"\": the host; \"other\": past the bound).",
		   offsetof(struct at_stat, count));
	ctr_series(o, s, cr, CTR_PROBE, "agent_trace_probe_record_failing_total",
		   "Probe records of failing calls, by container.",
		   offsetof(struct at_stat, errors));
	for (size_t i = 0; i < cr->n; i++) {
		const struct probe *p;

		if (cr->v[i].kind != CTR_PROBE || !cr->v[i].timed)
			continue;
		p = snapshot_probe_by_id(s, cr->v[i].id);
		if (!p || !probe_timed(p) || !ctr_labels(s, cr, &cr->v[i], l, sizeof(l)))
			continue;
		if (!any_timed)
			head(o, dur, "histogram",
			     "Duration of probed calls recorded, by container.");
		any_timed = true;
		histogram(o, dur, l, &cr->v[i].st);
	}
	head(o, "agent_trace_container_records_folded_total", "counter",
	     "Records counted under container=\"other\": every container slot was taken.");
	sample(o, "agent_trace_container_records_folded_total", "", "", cr->folded);
	head(o, "agent_trace_container_records_dropped_total", "counter",
	     "Records not counted by container: every row was taken.");
	sample(o, "agent_trace_container_records_dropped_total", "", "", cr->dropped);
	head(o, "agent_trace_container_evictions_total", "counter",
	     "Idle containers whose series were dropped to make room.");
	sample(o, "agent_trace_container_evictions_total", "", "", cr->evicted);
	head(o, "agent_trace_containers_max", "gauge", "Containers the per-container series hold.");
	sample(o, "agent_trace_containers_max", "", "", cr->max_containers);
}

/* One counter or gauge per identity cache: cache="process", "cgroup", "pod". */
static void put_ident(struct out *o, const struct ident_counters *ic)
{
	static const char *const names[] = { "process", "cgroup", "pod" };
	const bool has[] = { ic->has_proc, ic->has_cgid, ic->has_pod };
	const uint64_t v[][5] = {
		{ ic->proc.entries, ic->proc.max, ic->proc.hits, ic->proc.lookups,
		  ic->proc.evictions },
		{ ic->cgid.entries, ic->cgid.max, ic->cgid.hits, ic->cgid.lookups,
		  ic->cgid.evictions },
		{ ic->pod.entries, ic->pod.max, ic->pod.hits, ic->pod.misses, ic->pod.evictions },
	};
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "agent_trace_ident_cache_entries", "gauge", "Entries an identity cache holds." },
		{ "agent_trace_ident_cache_max_entries", "gauge", "An identity cache's bound." },
		{ "agent_trace_ident_cache_hits_total", "counter",
		  "Look-ups an identity cache answered from an entry." },
		{ "agent_trace_ident_cache_misses_total", "counter",
		  "Look-ups that read /proc, the cgroup tree or the pod files." },
		{ "agent_trace_ident_cache_evictions_total", "counter",
		  "Entries dropped because an identity cache was full." },
	};
	char l[32];

	if (!ic->has_proc && !ic->has_cgid && !ic->has_pod)
		return;
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		head(o, m[k].name, m[k].type, m[k].help);
		for (unsigned c = 0; c < 3; c++) {
			if (!has[c])
				continue;
			snprintf(l, sizeof(l), "cache=\"%s\"", names[c]);
			sample(o, m[k].name, "", l, v[c][k]);
		}
	}
	if (!ic->has_proc)
		return;
	head(o, "agent_trace_ident_cache_released_total", "counter",
	     "Process entries dropped at the process's exit.");
	sample(o, "agent_trace_ident_cache_released_total", "", "cache=\"process\"",
	       ic->proc.released);
}

void prom_render(struct out *o, const struct snapshot *s, const struct prom_opts *po)
{
	put_syscalls(o, s, po);
	put_probes(o, s);
	if (po->containers)
		put_containers(o, s, po->containers);
	put_aggregates(o, s);
	if (po->ident)
		put_ident(o, po->ident);
	put_agent(o, s, po);
	put_sinks(o, s);
}
