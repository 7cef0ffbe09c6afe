// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The text sink: strace-style lines for events, tables and histograms for the summary. */
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "aggregate.h"
#include "decode_func.h"
#include "decode_sys.h"
#include "ident_out.h"
#include "probes.h"
#include "output.h"
#include "sink.h"
#include "snapshot.h"
#include "stacks.h"
#include "syscalls.h"
#include "text.h"
#include "util.h"

/* Seconds with six decimals, right-aligned in width. */
static void put_secs_col(struct out *l, uint64_t ns, size_t width)
{
	char t[32];
	struct out to = out_init(t, sizeof(t));
	size_t n;

	out_secs6(&to, ns);
	n = out_end(&to);
	for (; n < width; n++)
		out_putc(l, ' ');
	out_puts(l, t);
}

/*
 * The time column of text lines: seconds since time 0 with six decimals,
 * right-aligned in 11; or as strace's -t (HH:MM:SS, local time), -tt (with
 * microseconds), -ttt (seconds since the epoch) and -r (seconds since the
 * line before, alone right-aligned in 13, after -t's as "(+  0.000123)").
 */
static void put_time_col(const struct output *s, struct out *l, uint64_t ns)
{
	uint64_t wall = s->start_unix_ns + ns, delta = 0;
	time_t secs = (time_t)(wall / 1000000000u);
	struct tm tm;

	if (s->relative && s->text) {
		/* Lines come at their calls' returns: an entry before the last one's shows 0. */
		delta = s->text->any && ns > s->text->last_ns ? ns - s->text->last_ns : 0;
		s->text->last_ns = ns;
		s->text->any = true;
	}
	switch (s->times) {
	case OUT_TIME_T:
	case OUT_TIME_TT:
		if (!localtime_r(&secs, &tm))
			memset(&tm, 0, sizeof(tm));
		out_printf(l, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (s->times == OUT_TIME_TT)
			out_printf(l, ".%06u", (unsigned)(wall % 1000000000u / 1000));
		break;
	case OUT_TIME_TTT:
		out_secs6(l, wall);
		break;
	default:
		put_secs_col(l, s->relative ? delta : ns, s->relative ? 13 : 11);
		return;
	}
	if (s->relative) {
		out_puts(l, " (+");
		put_secs_col(l, delta, 13);
		out_putc(l, ')');
	}
}

/* Hex digits of a container id in text lines, as docker ps and podman ps show it. */
#define TEXT_ID_LEN 12

/* The start of a line: time, pid/tid, the short container id of a process in one. */
static void put_head(const struct output *s, struct out *l, const struct event *ev)
{
	put_time_col(s, l, ev->ts_ns);
	out_putc(l, ' ');
	out_i64(l, ev->pid);
	out_putc(l, '/');
	out_i64(l, ev->tid);
	out_putc(l, ' ');
	if (ev->ident && ev->ident->id[0]) {
		out_puts(l, "[c:");
		out_write(l, ev->ident->id, TEXT_ID_LEN);
		out_puts(l, "] ");
	}
}

/*
 * A call line: head, [label], NAME(ARGS) = RET, the failing mark and the
 * duration when there are; the event's flags say which.
 */
static void put_call(const struct output *s, struct out *l, const struct event *ev)
{
	bool sys = ev->kind == EV_SYSCALL;

	put_head(s, l, ev);
	if (ev->label) {
		out_putc(l, '[');
		out_puts(l, ev->label);
		out_puts(l, "] ");
	}
	out_puts(l, ev->name);
	out_putc(l, '(');
	if (sys)
		sys_put_args(l, ev);
	else
		func_put_args(l, ev, false);
	out_putc(l, ')');
	if (!(ev->flags & EV_ENTRY_ONLY)) {
		out_puts(l, " = ");
		if (sys)
			sys_put_ret(l, ev);
		else
			func_put_ret(l, ev, false);
		if (ev->flags & EV_FAILING)
			out_puts(l, " [failing]");
		/* The arguments are not shown because they are not known, not because there are none. */
		if (ev->flags & EV_NO_ENTRY)
			out_puts(l, " [entry missing]");
		if (!(ev->flags & (EV_NORETURN | EV_NO_DUR | EV_RETURN_ONLY))) {
			out_puts(l, " <");
			out_secs6(l, ev->dur_ns);
			out_putc(l, '>');
		}
	}
	out_putc(l, '\n');
	stacks_put_text(l, ev);
}

/* A wait status: "exited with 0", "killed by SIGKILL (core dumped)". */
static void put_status(struct out *l, int status)
{
	if (WIFEXITED(status)) {
		out_puts(l, "exited with ");
		out_i64(l, WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *sig = signal_name(WTERMSIG(status));

		out_puts(l, "killed by ");
		out_puts(l, sig ? sig : "signal");
		if (WCOREDUMP(status))
			out_puts(l, " (core dumped)");
	} else {
		out_printf(l, "status 0x%x", status);
	}
}

/* The process lines: exec of a target (attach) and exit; forks are JSON's only. */
static void put_proc(const struct output *s, struct out *l, const struct event *ev)
{
	put_head(s, l, ev);
	out_puts(l, "+++ ");
	if (ev->kind == EV_EXEC) {
		out_puts(l, "exec'ed ");
		out_escape_json(l, ev->comm, strlen(ev->comm));
		out_puts(l, ", a target: traced");
	} else {
		put_status(l, ev->exit_code);
	}
	out_puts(l, " +++\n");
}

/*
 * strace's line when a thread's calls change ABI: "[ Process PID=N runs in 32
 * bit mode. ]" before its first 32-bit call (int $0x80), "64 bit" before its
 * next 64-bit one. The threads in 32-bit mode are remembered (a bounded
 * table, the oldest forgotten when full: its return is then not announced).
 */
static void put_personality(const struct output *s, struct out *l, const struct event *ev)
{
	bool compat = syscall_is_compat(ev->nr);
	uint32_t *t = s->text ? s->text->compat_tids : NULL;
	unsigned i, free_at = OUTPUT_COMPAT_TIDS;

	if (!t)
		return;
	for (i = 0; i < OUTPUT_COMPAT_TIDS && t[i] != ev->tid; i++)
		if (!t[i] && free_at == OUTPUT_COMPAT_TIDS)
			free_at = i;
	if (compat == (i < OUTPUT_COMPAT_TIDS))
		return;
	if (compat) {
		if (free_at == OUTPUT_COMPAT_TIDS) {
			memmove(t, t + 1, (OUTPUT_COMPAT_TIDS - 1) * sizeof(*t));
			free_at = OUTPUT_COMPAT_TIDS - 1;
		}
		t[free_at] = ev->tid;
	} else {
		t[i] = 0;
	}
	out_printf(l, "[ Process PID=%u runs in %s bit mode. ]\n", ev->tid, compat ? "32" : "64");
}

static void text_format_event(const struct output *s, const struct event *ev, struct out *l)
{
	switch (ev->kind) {
	case EV_SYSCALL:
		put_personality(s, l, ev);
		put_call(s, l, ev);
		break;
	case EV_CALL:
		put_call(s, l, ev);
		break;
	case EV_SIGNAL:
		/* strace's: "--- SIGCHLD {si_signo=SIGCHLD, ...} ---". */
		put_head(s, l, ev);
		out_puts(l, "--- ");
		out_puts(l, signal_name(ev->signo) ? signal_name(ev->signo) : "signal");
		out_putc(l, ' ');
		sig_put_info(l, ev, false);
		out_puts(l, " ---\n");
		break;
	case EV_EXIT:
		/* strace -P shows no process's exit: it touches no path. */
		if (s->path_traced)
			break;
		/* fallthrough */
	case EV_EXEC:
		put_proc(s, l, ev);
		break;
	}
}

/* Without -T the kernel counted calls and errors only, so no time columns. */
static void put_counts(struct out *o, const struct summary *sm)
{
	uint64_t calls = 0, errors = 0;
	char name[SYSCALL_NAME_BUF];

	out_printf(o, "%-18s %9s %8s\n", "syscall", "calls", "errors");
	for (size_t i = 0; i < sm->nrows; i++) {
		const struct summary_row *r = &sm->rows[i];

		calls += r->count;
		errors += r->errors;
		out_printf(o, "%-18s %9llu %8llu\n", syscall_row_name(r->nr, name),
			   (unsigned long long)r->count, (unsigned long long)r->errors);
	}
	out_printf(o, "%-18s %9llu %8llu\n", "total", (unsigned long long)calls,
		   (unsigned long long)errors);
}

static void put_times(struct out *o, const struct summary *sm)
{
	uint64_t calls = 0, errors = 0, total = 0;
	char name[SYSCALL_NAME_BUF];

	for (size_t i = 0; i < sm->nrows; i++)
		total += sm->rows[i].total_ns;
	out_printf(o, "%-18s %9s %8s %11s %10s %10s %10s %10s %7s\n", "syscall", "calls", "errors",
		   "total(ms)", "avg(us)", "p50(us)", "p99(us)", "max(us)", "%time");
	for (size_t i = 0; i < sm->nrows; i++) {
		const struct summary_row *r = &sm->rows[i];

		calls += r->count;
		errors += r->errors;
		out_printf(o, "%-18s %9llu %8llu %11.3f %10.2f %10.2f %10.2f %10.2f %7.2f\n",
			   syscall_row_name(r->nr, name), (unsigned long long)r->count,
			   (unsigned long long)r->errors, r->total_ns / 1e6, r->avg_ns / 1e3,
			   r->p50_ns / 1e3, r->p99_ns / 1e3, r->max_ns / 1e3,
			   total ? 100.0 * (double)r->total_ns / (double)total : 0.0);
	}
	out_printf(o, "%-18s %9llu %8llu %11.3f\n", "total", (unsigned long long)calls,
		   (unsigned long long)errors, total / 1e6);
}

/* Human-readable size of a duration bucket bound: 512, 1K, 2M... (ns). */
static const char *hbound(uint64_t v, char *buf, size_t size)
{
	static const char *sfx[] = { "", "K", "M", "G", "T", "P", "E" };
	int i = 0;

	while (v >= 1024 && !(v % 1024) && i < (int)ARRAY_SIZE(sfx) - 1) {
		v /= 1024;
		i++;
	}
	snprintf(buf, size, "%llu%s", (unsigned long long)v, sfx[i]);
	return buf;
}

void text_hist(struct out *o, const uint32_t *hist)
{
	uint64_t pow2[65] = { 0 }, max = 0;
	int first = -1, last = -1;

	/* The kernel keeps 4 buckets per power of two; bars are drawn per power. */
	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++) {
		uint64_t lo = hist_bucket_low(b);
		int p = lo ? 64 - __builtin_clzll(lo) : 0; /* 0: value 0; p: [2^(p-1), 2^p) */

		pow2[p] += hist[b];
	}
	for (int p = 0; p < 65; p++) {
		if (!pow2[p])
			continue;
		if (first < 0)
			first = p;
		last = p;
		if (pow2[p] > max)
			max = pow2[p];
	}
	for (int p = first; p >= 0 && p <= last; p++) {
		char lo[24], hi[24], range[56], bar[53];
		int w = (int)(pow2[p] * 52 / max);

		if (p == 0)
			snprintf(range, sizeof(range), "[0]");
		else
			snprintf(range, sizeof(range), "[%s, %s)",
				 hbound(1ULL << (p - 1), lo, sizeof(lo)),
				 p < 64 ? hbound(1ULL << p, hi, sizeof(hi)) : "...");
		memset(bar, '@', (size_t)w);
		bar[w] = '\0';
		out_printf(o, "%-16s %8llu |%-52s|\n", range, (unsigned long long)pow2[p], bar);
	}
}

/* A probe-file probe's counts: "  [name] hits 3, filtered 1, ...". */
static void put_probe_counts(struct out *o, const struct snapshot_probe *sp)
{
	bool first = true;

	out_puts(o, "  [");
	out_puts(o, sp->p->label);
	out_puts(o, sp->p->removed ? "] (removed)" : "]");
	for (size_t i = 0; i < probe_counters_n; i++) {
		const struct probe_counter *pc = &probe_counters[i];

		/* Signals held back from candidates only when there were any. */
		if (!pc->text || (pc->off == offsetof(struct at_probe_counts, signal_held) &&
				  !probe_count(&sp->c, pc)))
			continue;
		out_puts(o, first ? " " : ", ");
		out_puts(o, pc->text);
		out_putc(o, ' ');
		out_u64(o, probe_count(&sp->c, pc));
		first = false;
	}
	out_putc(o, '\n');
}

/* Bytes of a value shown in the summary's table: a statement's head is enough to tell it. */
#define AGG_SHOW 72

/* A value as a C string literal, cut at AGG_SHOW bytes with "..."; the JSON summary has it whole. */
static void put_agg_value(struct out *o, const struct agg_row *r)
{
	size_t n = r->len < AGG_SHOW ? r->len : AGG_SHOW;

	if (r->kind == AGG_ROW_OTHER) {
		out_puts(o, "(other)");
		return;
	}
	if (r->kind == AGG_ROW_UNREADABLE) {
		out_puts(o, "(unreadable)");
		return;
	}
	out_putc(o, '"');
	out_escape_c(o, r->value, n);
	out_putc(o, '"');
	if (n < r->len)
		out_puts(o, "...");
}

/* A probe's aggregate: a row per value, most calls first, then other. */
static void put_aggregate(struct out *o, const struct snapshot_probe *sp, bool timed)
{
	const struct agg_rows *a = &sp->agg;

	out_printf(o, "@%s by %s: %llu value%s%s (top %u, max %u)\n", sp->p->label, a->by,
		   (unsigned long long)a->values, a->values == 1 ? "" : "s",
		   a->full ? ", table full: new values counted in other" : "", a->top, a->max);
	out_printf(o, "%9s %8s %10s %10s %10s %10s  %s\n", "calls", "failing", "avg(us)", "p50(us)",
		   "p99(us)", "max(us)", "value");
	for (size_t i = 0; i < a->n; i++) {
		const struct agg_row *r = &a->v[i];
		const struct at_stat *st = &r->st;

		out_printf(o, "%9llu %8llu ", (unsigned long long)st->count,
			   (unsigned long long)st->errors);
		if (timed)
			out_printf(o, "%10.2f %10.2f %10.2f %10.2f  ",
				   st->count ? (double)st->total_ns / (double)st->count / 1e3 : 0.0,
				   hist_quantile(st->hist, st->count, 0.50, st->max_ns) / 1e3,
				   hist_quantile(st->hist, st->count, 0.99, st->max_ns) / 1e3,
				   st->max_ns / 1e3);
		else
			out_printf(o, "%10s %10s %10s %10s  ", "-", "-", "-", "-");
		put_agg_value(o, r);
		out_putc(o, '\n');
	}
}

/* One probe's row, its counts and its histogram. */
static void put_probe(struct out *o, const struct snapshot_probe *sp)
{
	const struct probe *p = sp->p;
	const struct at_stat *st = &sp->st;
	uint64_t p50 = hist_quantile(st->hist, st->count, 0.50, st->max_ns);
	uint64_t p99 = hist_quantile(st->hist, st->count, 0.99, st->max_ns);
	/* Entry-only, return-only and USDT hits have no duration; nor has a value histogram. */
	bool timed = p->spec.when == UW_CALL &&
		     (!(p->actions & AT_ACT_HIST) || p->hist_of == AT_HIST_LATENCY);
	bool hist = p->label[0] ? (p->actions & AT_ACT_HIST) : timed;
	char t[64];

	if (timed)
		out_printf(o, "%-32s %9llu %8llu %10.2f %10.2f %10.2f\n", p->name,
			   (unsigned long long)st->count, (unsigned long long)st->errors, p50 / 1e3,
			   p99 / 1e3, st->max_ns / 1e3);
	else
		out_printf(o, "%-32s %9llu %8llu %10s %10s %10s\n", p->name,
			   (unsigned long long)st->count, (unsigned long long)st->errors, "-", "-",
			   "-");
	if (p->label[0])
		put_probe_counts(o, sp);
	if (hist && st->count) {
		out_printf(o, "@%s %s:\n", p->label[0] ? p->label : p->name,
			   summary_hist_title(p, t, sizeof(t)));
		text_hist(o, st->hist);
	}
	if (p->agg && !p->removed)
		put_aggregate(o, sp, p->spec.when == UW_CALL);
}

/* The probes' table, before the syscalls'. */
static void text_probes(struct out *o, const struct snapshot *s)
{
	if (!s->nprobes)
		return;
	out_printf(o, "\n%-32s %9s %8s %10s %10s %10s\n", "probe", "calls", "failing", "p50(us)",
		   "p99(us)", "max(us)");
	for (uint32_t i = 0; i < s->nprobes; i++)
		put_probe(o, &s->probes[i]);
	out_putc(o, '\n');
}

void text_records_line(struct out *o, const struct snapshot *s)
{
	out_printf(o, "records: %llu delivered in %llu batches over %.3fs; lost: ",
		   (unsigned long long)s->reader.records, (unsigned long long)s->reader.batches,
		   s->elapsed_s);
	for (size_t i = 0; i < loss_counters_n; i++) {
		const struct loss_counter *c = &loss_counters[i];

		if (i)
			out_puts(o, ", ");
		out_u64(o, snapshot_loss(s, c));
		out_puts(o, " (");
		out_puts(o, c->text);
		out_putc(o, ')');
	}
	out_printf(o, "; agent-trace cpu %.3fs, max rss %.1f MiB\n", s->cpu_s,
		   s->max_rss_kib / 1024.0);
	if (snapshot_follow_shown(s)) {
		const struct follow_stats *f = &s->follow;

		out_printf(o,
			   "follow: %llu processes, %llu files now; %llu attached, %llu released, "
			   "%llu failed, %llu over the bounds, %llu dropped, %llu candidates "
			   "rejected\n",
			   (unsigned long long)f->procs, (unsigned long long)f->sites,
			   (unsigned long long)f->attached, (unsigned long long)f->released,
			   (unsigned long long)f->failed, (unsigned long long)f->over,
			   (unsigned long long)f->dropped, (unsigned long long)f->rejected);
	}
}

bool text_loss_line(struct out *o, const struct snapshot *s)
{
	bool any = false;

	out_puts(o, "agent-trace: lost ");
	for (size_t i = 0; i < loss_counters_n; i++) {
		const struct loss_counter *c = &loss_counters[i];
		uint64_t v = snapshot_loss(s, c);

		any |= v != 0;
		if (i)
			out_puts(o, ", ");
		out_u64(o, v);
		out_putc(o, ' ');
		out_puts(o, c->warn);
	}
	out_putc(o, '\n');
	return any;
}

void text_sink_lines(struct out *o, const struct snapshot *s, bool drops_only)
{
	for (uint32_t i = 0; i < s->nsinks; i++) {
		const struct export_stats *st = &s->sinks[i].st;
		uint64_t dropped = 0;
		bool first = true;

		for (unsigned c = 0; c < BQ_DROP_N; c++)
			dropped += st->dropped[c];
		if (drops_only && !dropped)
			continue;
		out_puts(o, drops_only ? "agent-trace: sink " : "sink ");
		out_puts(o, s->sinks[i].name);
		out_printf(o,
			   ": %llu of %llu sent in %llu batches (%llu bytes), %llu retries; "
			   "dropped %llu",
			   (unsigned long long)st->sent, (unsigned long long)st->pushed,
			   (unsigned long long)st->batches, (unsigned long long)st->bytes,
			   (unsigned long long)st->retries, (unsigned long long)dropped);
		for (unsigned c = 0; c < BQ_DROP_N; c++) {
			if (!st->dropped[c])
				continue;
			out_puts(o, first ? " (" : ", ");
			out_u64(o, st->dropped[c]);
			out_putc(o, ' ');
			out_puts(o, bq_drop_text[c]);
			first = false;
		}
		out_puts(o, first ? "\n" : ")\n");
	}
}

static void text_format_summary(const struct output *s, const struct summary *sm, struct out *o)
{
	struct ident_counters ic;

	text_probes(o, sm->snap);
	/* Function probes alone: no syscall table, only the records and loss line. */
	if (s->has_syscalls && s->exit_only)
		put_counts(o, sm);
	else if (s->has_syscalls)
		put_times(o, sm);
	text_records_line(o, sm->snap);
	text_sink_lines(o, sm->snap, false);
	output_ident_counters(s, &ic);
	ident_text_line(o, &ic);
}

static void text_event(struct output *o, const struct event *ev)
{
	lines_event(o, ev, text_format_event);
}

static void text_summary(struct output *o, const struct snapshot *snap)
{
	lines_summary(o, snap, text_format_summary);
}

const struct sink_ops text_sink_ops = {
	.open = lines_open,
	.event = text_event,
	.flush = lines_flush,
	.summary = text_summary,
	.close = lines_close,
};
