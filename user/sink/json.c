// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON sink: one JSON object per line for each event and for the summary. */
#include <string.h>
#include <sys/wait.h>

#include "aggregate.h"
#include "decode_func.h"
#include "decode_sys.h"
#include "fdtab.h"
#include "ident_out.h"
#include "probes.h"
#include "output.h"
#include "sink.h"
#include "snapshot.h"
#include "stacks.h"
#include "syscalls.h"

/* ,"container_id":"ID","pod_uid":"UID" of a process in a container or pod, nothing otherwise. */
static void put_ident(struct out *l, const struct event *ev)
{
	if (!ev->ident)
		return;
	if (ev->ident->id[0]) {
		out_puts(l, ",\"container_id\":\"");
		out_puts(l, ev->ident->id);
		out_putc(l, '"');
	}
	if (ev->ident->pod_uid[0]) {
		out_puts(l, ",\"pod_uid\":\"");
		out_puts(l, ev->ident->pod_uid);
		out_putc(l, '"');
	}
}

/* The start of a record: type, time, pid, tid, the container and the probe file's name for it. */
static void put_head(struct out *l, const char *type, const struct event *ev)
{
	out_puts(l, "{\"type\":\"");
	out_puts(l, type);
	out_puts(l, "\",\"time\":");
	out_secs6(l, ev->ts_ns);
	out_puts(l, ",\"pid\":");
	out_i64(l, ev->pid);
	out_puts(l, ",\"tid\":");
	out_i64(l, ev->tid);
	put_ident(l, ev);
	out_putc(l, ',');
	if (ev->label) {
		out_puts(l, "\"probe_name\":");
		out_json_str(l, ev->label);
		out_putc(l, ',');
	}
}

/* "ret", "errno" and "dur_ns" of a syscall: null where there is none. */
static void put_sys_ret(struct out *l, const struct event *ev)
{
	const char *en = ev->err ? errno_name(ev->err) : NULL;

	if (ev->flags & (EV_NORETURN | EV_ENTRY_ONLY)) {
		out_puts(l, ",\"ret\":null,\"errno\":null,\"dur_ns\":null");
		return;
	}
	out_puts(l, ",\"ret\":");
	out_i64(l, ev->ret);
	out_puts(l, ",\"errno\":");
	if (en) {
		out_putc(l, '"');
		out_puts(l, en);
		out_putc(l, '"');
	} else if (ev->err) {
		out_i64(l, ev->err);
	} else {
		out_puts(l, "null");
	}
	out_puts(l, ",\"dur_ns\":");
	if (ev->flags & EV_NO_DUR)
		out_puts(l, "null");
	else
		out_u64(l, ev->dur_ns);
}

/*
 * -y: "fds" has what each fd argument is, by the argument's name (pipe's two
 * as an array), "ret_fd" what the returned fd is; only the fds known.
 */
static void put_fds(struct out *l, const struct event *ev, unsigned nargs)
{
	const struct fd_view *v = ev->fds;
	unsigned n = 0;

	out_puts(l, ",\"fds\":{");
	for (unsigned i = 0; i < nargs; i++) {
		if (!sys_arg_taken(ev, i) || !v->arg[i].path)
			continue;
		if (n++)
			out_putc(l, ',');
		out_json_str(l, ev->args[i].name ? ev->args[i].name : "?");
		out_putc(l, ':');
		fd_info_put_json(l, &v->arg[i]);
	}
	if (v->pipe[0].path || v->pipe[1].path) {
		if (n++)
			out_putc(l, ',');
		out_json_str(l, ev->args[0].name ? ev->args[0].name : "?");
		out_puts(l, ":[");
		fd_info_put_json(l, &v->pipe[0]);
		out_putc(l, ',');
		fd_info_put_json(l, &v->pipe[1]);
		out_putc(l, ']');
	}
	out_putc(l, '}');
	if (v->ret.path) {
		out_puts(l, ",\"ret_fd\":");
		fd_info_put_json(l, &v->ret);
	}
}

static void put_syscall(struct out *l, const struct event *ev)
{
	/* Numbers the table does not name have no argument list. */
	unsigned nargs = ev->sys ? ev->nargs : 0;

	put_head(l, "syscall", ev);
	if (ev->label) {
		out_puts(l, "\"probe_id\":");
		out_u64(l, ev->probe_id);
		out_putc(l, ',');
	}
	out_puts(l, "\"syscall\":\"");
	out_puts(l, ev->name);
	out_puts(l, "\",\"nr\":");
	/* A 32-bit call: its i386 number, and the ABI said. */
	if (syscall_is_compat(ev->nr)) {
		out_u64(l, ev->nr - AT_NR_COMPAT);
		out_puts(l, ",\"abi\":\"i386\"");
	} else {
		out_u64(l, ev->nr);
	}
	out_puts(l, ",\"args\":{");
	for (unsigned i = 0, n = 0; i < nargs; i++) {
		if (!sys_arg_taken(ev, i))
			continue;
		if (n++)
			out_putc(l, ',');
		out_putc(l, '"');
		out_puts(l, ev->args[i].name ? ev->args[i].name : "?");
		out_puts(l, "\":");
		sys_put_arg_json(l, ev, i);
	}
	out_putc(l, '}');
	if (ev->fds)
		put_fds(l, ev, nargs);
	put_sys_ret(l, ev);
	out_puts(l, ev->flags & EV_TRUNCATED ? ",\"truncated\":true" : ",\"truncated\":false");
	stacks_put_json(l, ev);
	out_puts(l, "}\n");
}

static void put_call(struct out *l, const struct event *ev)
{
	put_head(l, "call", ev);
	/* The probe's name is an ELF symbol: any bytes, escaped. */
	out_puts(l, "\"probe\":");
	out_json_str(l, ev->name);
	out_puts(l, ",\"probe_id\":");
	out_u64(l, ev->probe_id);
	out_puts(l, ",\"args\":{");
	func_put_args(l, ev, true);
	out_puts(l, "},\"ret\":");
	func_put_ret(l, ev, true);
	out_puts(l, ev->flags & EV_FAILING ? ",\"failing\":true,\"dur_ns\":" :
					     ",\"failing\":false,\"dur_ns\":");
	if (ev->flags & (EV_ENTRY_ONLY | EV_RETURN_ONLY))
		out_puts(l, "null");
	else
		out_u64(l, ev->dur_ns);
	stacks_put_json(l, ev);
	/* Only when so: the arguments are missing because the entry was not saved. */
	if (ev->flags & EV_NO_ENTRY)
		out_puts(l, ",\"entry_missing\":true");
	out_puts(l, "}\n");
}

/* The process records: exec of a target (attach), fork, exit. */
static void put_proc(struct out *l, const struct event *ev)
{
	const char *sig;

	out_puts(l, ev->kind == EV_EXEC ? "{\"type\":\"attach\"" :
		    ev->kind == EV_FORK ? "{\"type\":\"fork\"" :
					  "{\"type\":\"exit\"");
	out_puts(l, ",\"time\":");
	out_secs6(l, ev->ts_ns);
	out_puts(l, ",\"pid\":");
	out_i64(l, ev->pid);
	put_ident(l, ev);
	if (ev->kind == EV_FORK) {
		out_puts(l, ",\"ppid\":");
		out_u64(l, ev->ppid);
	}
	out_puts(l, ",\"comm\":");
	out_json_str(l, ev->comm);
	if (ev->kind == EV_EXIT && WIFSIGNALED(ev->exit_code)) {
		sig = signal_name(WTERMSIG(ev->exit_code));
		out_puts(l, ",\"code\":null,\"signal\":\"");
		out_puts(l, sig ? sig : "?");
		out_putc(l, '"');
	} else if (ev->kind == EV_EXIT) {
		out_puts(l, ",\"code\":");
		out_i64(l, WEXITSTATUS(ev->exit_code));
		out_puts(l, ",\"signal\":null");
	}
	out_puts(l, "}\n");
}

void json_event_line(const struct output *s, const struct event *ev, struct out *l)
{
	(void)s;
	switch (ev->kind) {
	case EV_SYSCALL:
		put_syscall(l, ev);
		break;
	case EV_CALL:
		put_call(l, ev);
		break;
	case EV_EXEC:
	case EV_FORK:
	case EV_EXIT:
		put_proc(l, ev);
		break;
	case EV_SIGNAL:
		put_head(l, "signal", ev);
		out_puts(l, "\"signal\":");
		out_json_str(l, signal_name(ev->signo) ? signal_name(ev->signo) : "?");
		out_puts(l, ",\"siginfo\":");
		sig_put_info(l, ev, true);
		out_puts(l, "}\n");
		break;
	}
}

static void put_hist(struct out *o, const uint32_t *hist)
{
	bool first = true;

	out_puts(o, ",\"histogram\":[");
	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		out_puts(o, first ? "{\"low\":" : ",{\"low\":");
		out_u64(o, hist_bucket_low(b));
		out_puts(o, ",\"high\":");
		out_u64(o, hist_bucket_high(b));
		out_puts(o, ",\"count\":");
		out_u64(o, hist[b]);
		out_putc(o, '}');
		first = false;
	}
	out_putc(o, ']');
}

/* "name":N, for each field of a probe's statistics. */
static void put_field(struct out *o, const char *name, uint64_t v)
{
	out_puts(o, ",\"");
	out_puts(o, name);
	out_puts(o, "\":");
	out_u64(o, v);
}

/* The per-value rows of an aggregate, whole values, every field: "aggregates":[...]. */
static void put_aggregates(struct out *o, const struct agg_rows *a)
{
	out_puts(o, ",\"aggregate_by\":");
	out_json_str(o, a->by);
	put_field(o, "aggregate_top", a->top);
	put_field(o, "aggregate_max", a->max);
	put_field(o, "aggregate_values", a->values);
	out_puts(o, a->full ? ",\"aggregate_full\":true" : ",\"aggregate_full\":false");
	out_puts(o, ",\"aggregates\":[");
	for (size_t i = 0; i < a->n; i++) {
		const struct agg_row *r = &a->v[i];
		const struct at_stat *st = &r->st;

		out_puts(o, i ? ",{\"value\":" : "{\"value\":");
		if (r->kind == AGG_ROW_VALUE) {
			out_putc(o, '"');
			out_escape_json(o, r->value, r->len);
			out_putc(o, '"');
		} else {
			out_puts(o, r->kind == AGG_ROW_OTHER ? "null,\"other\":true" :
							       "null,\"unreadable\":true");
		}
		put_field(o, "calls", st->count);
		put_field(o, "failing", st->errors);
		put_field(o, "total_ns", st->total_ns);
		put_field(o, "avg_ns", st->count ? st->total_ns / st->count : 0);
		put_field(o, "p50_ns", hist_quantile(st->hist, st->count, 0.50, st->max_ns));
		put_field(o, "p99_ns", hist_quantile(st->hist, st->count, 0.99, st->max_ns));
		put_field(o, "max_ns", st->max_ns);
		put_hist(o, st->hist);
		out_putc(o, '}');
	}
	out_putc(o, ']');
}

static void put_probe(struct out *o, const struct snapshot_probe *sp)
{
	const struct probe *p = sp->p;
	const struct at_stat *st = &sp->st;
	char t[64];

	out_puts(o, "{\"type\":\"probe_summary\",\"probe\":");
	out_json_str(o, p->name);
	out_puts(o, ",\"probe_id\":");
	out_u64(o, p->id);
	out_putc(o, ',');
	if (p->label[0]) {
		out_puts(o, "\"probe_name\":");
		out_json_str(o, p->label);
		out_putc(o, ',');
	}
	out_puts(o, "\"calls\":");
	out_u64(o, st->count);
	put_field(o, "failing", st->errors);
	put_field(o, "total_ns", st->total_ns);
	put_field(o, "p50_ns", hist_quantile(st->hist, st->count, 0.50, st->max_ns));
	put_field(o, "p99_ns", hist_quantile(st->hist, st->count, 0.99, st->max_ns));
	put_field(o, "max_ns", st->max_ns);
	if (p->label[0]) {
		for (size_t i = 0; i < probe_counters_n; i++)
			put_field(o, probe_counters[i].json,
				  probe_count(&sp->c, &probe_counters[i]));
		out_puts(o, p->removed ? ",\"removed\":true" : ",\"removed\":false");
		if (p->actions & AT_ACT_HIST) {
			out_puts(o, ",\"histogram_of\":");
			out_json_str(o, summary_hist_title(p, t, sizeof(t)));
			put_hist(o, st->hist);
		}
	}
	if (p->agg && !p->removed)
		put_aggregates(o, &sp->agg);
	out_puts(o, "}\n");
}

/* A syscall's row; without -T the same fields, null as dur_ns is when there is no time. */
static void put_row(struct out *o, const struct summary_row *r, bool exit_only)
{
	char name[SYSCALL_NAME_BUF];

	out_puts(o, "{\"syscall\":\"");
	out_puts(o, syscall_row_name(r->nr, name));
	out_puts(o, "\",\"calls\":");
	out_u64(o, r->count);
	put_field(o, "errors", r->errors);
	if (exit_only) {
		out_puts(o, ",\"total_ns\":null,\"avg_ns\":null,\"p50_ns\":null,\"p99_ns\":null,"
			    "\"max_ns\":null}");
		return;
	}
	put_field(o, "total_ns", r->total_ns);
	put_field(o, "avg_ns", r->avg_ns);
	put_field(o, "p50_ns", r->p50_ns);
	put_field(o, "p99_ns", r->p99_ns);
	put_field(o, "max_ns", r->max_ns);
	out_putc(o, '}');
}

/* "sinks": what each exporting sink's queue pushed, delivered and dropped, by cause. */
static void put_sinks(struct out *o, const struct snapshot *snap)
{
	out_puts(o, ",\"sinks\":[");
	for (uint32_t i = 0; i < snap->nsinks; i++) {
		const struct export_stats *st = &snap->sinks[i].st;
		uint64_t dropped = 0;

		out_puts(o, i ? ",{\"name\":" : "{\"name\":");
		out_json_str(o, snap->sinks[i].name);
		put_field(o, "pushed", st->pushed);
		put_field(o, "sent", st->sent);
		put_field(o, "batches", st->batches);
		put_field(o, "bytes", st->bytes);
		put_field(o, "failed", st->failed);
		put_field(o, "retries", st->retries);
		put_field(o, "queued", st->queued);
		out_puts(o, ",\"dropped\":{");
		for (unsigned c = 0; c < BQ_DROP_N; c++) {
			out_puts(o, c ? ",\"" : "\"");
			out_puts(o, bq_drop_key[c]);
			out_puts(o, "\":");
			out_u64(o, st->dropped[c]);
			dropped += st->dropped[c];
		}
		out_puts(o, "}");
		put_field(o, "dropped_total", dropped);
		out_putc(o, '}');
	}
	out_putc(o, ']');
}

static void json_format_summary(const struct output *s, const struct summary *sm, struct out *o)
{
	const struct snapshot *snap = sm->snap;
	struct ident_counters ic;

	for (uint32_t i = 0; i < snap->nprobes; i++)
		put_probe(o, &snap->probes[i]);
	out_printf(o, "{\"type\":\"summary\",\"elapsed_s\":%.6f,\"syscalls\":[", snap->elapsed_s);
	for (size_t i = 0; i < sm->nrows; i++) {
		if (i)
			out_putc(o, ',');
		put_row(o, &sm->rows[i], s->exit_only);
	}
	out_puts(o, "],\"records\":");
	out_u64(o, snap->reader.records);
	put_field(o, "batches", snap->reader.batches);
	out_puts(o, ",\"lost\":{");
	for (size_t i = 0; i < loss_counters_n; i++) {
		out_puts(o, i ? ",\"" : "\"");
		out_puts(o, loss_counters[i].json);
		out_puts(o, "\":");
		out_u64(o, snapshot_loss(snap, &loss_counters[i]));
	}
	out_printf(o, "},\"cpu_s\":%.6f", snap->cpu_s);
	put_field(o, "max_rss_kib", snap->max_rss_kib);
	if (snapshot_follow_shown(snap)) {
		const struct follow_stats *f = &snap->follow;

		out_puts(o, ",\"follow\":{\"procs\":");
		out_u64(o, f->procs);
		put_field(o, "files", f->sites);
		put_field(o, "attached", f->attached);
		put_field(o, "released", f->released);
		put_field(o, "failed", f->failed);
		put_field(o, "over", f->over);
		put_field(o, "dropped", f->dropped);
		put_field(o, "rejected", f->rejected);
		out_putc(o, '}');
	}
	if (snap->nsinks)
		put_sinks(o, snap);
	output_ident_counters(s, &ic);
	ident_json_field(o, &ic);
	out_puts(o, "}\n");
}

static void json_event(struct output *o, const struct event *ev)
{
	lines_event(o, ev, json_event_line);
}

static void json_summary(struct output *o, const struct snapshot *snap)
{
	lines_summary(o, snap, json_format_summary);
}

const struct sink_ops json_sink_ops = {
	.open = lines_open,
	.event = json_event,
	.flush = lines_flush,
	.summary = json_summary,
	.close = lines_close,
};
