// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sinks: strace-style text and JSON lines, for records and for the summary. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "output.h"
#include "summary.h"
#include "syscalls.h"

/* Room for the longest decoded call: every slot escaped 4x, plus the scalars. */
#define LINE_MAX_ (AT_SLOTS * AT_STR_MAX * 4 + 1024)

void output_status(char *buf, size_t size, int status)
{
	if (WIFEXITED(status)) {
		snprintf(buf, size, "exited with %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *sig = signal_name(WTERMSIG(status));

		snprintf(buf, size, "killed by %s%s", sig ? sig : "signal",
			 WCOREDUMP(status) ? " (core dumped)" : "");
	} else {
		snprintf(buf, size, "status 0x%x", status);
	}
}

static double rel_s(const struct output *o, uint64_t ts)
{
	return ts > o->start_ns ? (double)(ts - o->start_ns) / 1e9 : 0.0;
}

static void text_syscall(struct output *o, const struct at_sys_rec *r)
{
	char name[16], args[LINE_MAX_], ret[128];

	decode_args(r, args, sizeof(args));
	decode_ret(r, ret, sizeof(ret));
	fprintf(o->f, "%11.6f %d/%d %s(%s) = %s", rel_s(o, r->enter_ns), r->hdr.pid, r->hdr.tid,
		syscall_name(r->nr, name), args, ret);
	if (r->flags & AT_SYS_NORETURN)
		fputc('\n', o->f);
	else
		fprintf(o->f, " <%.6f>\n", (double)(r->hdr.ts_ns - r->enter_ns) / 1e9);
}

static void json_syscall(struct output *o, const struct at_sys_rec *r)
{
	const struct syscall_desc *d = &syscall_table[r->nr % AT_NR_MAX];
	char name[16], val[LINE_MAX_];

	fprintf(o->f,
		"{\"type\":\"syscall\",\"time\":%.6f,\"pid\":%d,\"tid\":%d,\"syscall\":\"%s\","
		"\"nr\":%u,\"args\":{",
		rel_s(o, r->enter_ns), r->hdr.pid, r->hdr.tid, syscall_name(r->nr, name), r->nr);
	for (unsigned i = 0; i < d->nargs && i < 6; i++) {
		decode_arg_json(r, i, val, sizeof(val));
		fprintf(o->f, "%s\"%s\":%s", i ? "," : "", d->argname[i] ? d->argname[i] : "?",
			val);
	}
	fputc('}', o->f);
	if (r->flags & AT_SYS_NORETURN) {
		fputs(",\"ret\":null,\"errno\":null,\"dur_ns\":null", o->f);
	} else {
		const char *en = r->ret < 0 && r->ret >= -4095 ? errno_name((int)-r->ret) : NULL;

		fprintf(o->f, ",\"ret\":%lld,\"errno\":", (long long)r->ret);
		if (en)
			fprintf(o->f, "\"%s\"", en);
		else if (r->ret < 0 && r->ret >= -4095)
			fprintf(o->f, "%lld", (long long)-r->ret);
		else
			fputs("null", o->f);
		fprintf(o->f, ",\"dur_ns\":%llu", (unsigned long long)(r->hdr.ts_ns - r->enter_ns));
	}
	fprintf(o->f, ",\"truncated\":%s}\n",
		r->flags & (AT_SYS_TRUNC0 | AT_SYS_TRUNC1) ? "true" : "false");
}

static void proc_event(struct output *o, const struct at_proc_rec *r)
{
	char comm[sizeof(r->comm) * 6 + 1], st[64];

	escape_json(r->comm, strnlen(r->comm, sizeof(r->comm)), comm, sizeof(comm));
	if (r->hdr.type == AT_REC_PROC_FORK) {
		if (o->json)
			fprintf(o->f,
				"{\"type\":\"fork\",\"time\":%.6f,\"pid\":%d,\"ppid\":%u,"
				"\"comm\":\"%s\"}\n",
				rel_s(o, r->hdr.ts_ns), r->hdr.pid, r->ppid, comm);
		return;
	}
	if (o->json) {
		fprintf(o->f, "{\"type\":\"exit\",\"time\":%.6f,\"pid\":%d,\"comm\":\"%s\",",
			rel_s(o, r->hdr.ts_ns), r->hdr.pid, comm);
		if (WIFSIGNALED(r->exit_code))
			fprintf(o->f, "\"code\":null,\"signal\":\"%s\"}\n",
				signal_name(WTERMSIG(r->exit_code)) ?: "?");
		else
			fprintf(o->f, "\"code\":%d,\"signal\":null}\n", WEXITSTATUS(r->exit_code));
	} else {
		output_status(st, sizeof(st), r->exit_code);
		fprintf(o->f, "%11.6f %d/%d +++ %s +++\n", rel_s(o, r->hdr.ts_ns), r->hdr.pid,
			r->hdr.tid, st);
	}
}

void output_flush(void *ctx)
{
	struct output *o = ctx;

	fflush(o->f);
}

void output_record(void *ctx, const void *data, size_t size)
{
	const struct at_rec_hdr *h = data;
	struct output *o = ctx;

	if (size < sizeof(*h))
		return;
	switch (h->type) {
	case AT_REC_SYSCALL:
		if (size < offsetof(struct at_sys_rec, slot) || !o->events)
			return;
		o->syscalls++;
		if (o->json)
			json_syscall(o, data);
		else
			text_syscall(o, data);
		break;
	case AT_REC_PROC_FORK:
	case AT_REC_PROC_EXIT:
		if (size >= sizeof(struct at_proc_rec))
			proc_event(o, data);
		break;
	}
}

static void text_summary(struct output *o, const struct summary_input *in,
			 const struct summary_row *rows, size_t n)
{
	uint64_t calls = 0, errors = 0, total = 0;
	char name[16];

	for (size_t i = 0; i < n; i++)
		total += rows[i].total_ns;
	fprintf(o->f, "%-18s %9s %8s %11s %10s %10s %10s %10s %7s\n", "syscall", "calls", "errors",
		"total(ms)", "avg(us)", "p50(us)", "p99(us)", "max(us)", "%time");
	for (size_t i = 0; i < n; i++) {
		const struct summary_row *r = &rows[i];

		calls += r->count;
		errors += r->errors;
		fprintf(o->f, "%-18s %9llu %8llu %11.3f %10.2f %10.2f %10.2f %10.2f %7.2f\n",
			syscall_name(r->nr, name), (unsigned long long)r->count,
			(unsigned long long)r->errors, r->total_ns / 1e6, r->avg_ns / 1e3,
			r->p50_ns / 1e3, r->p99_ns / 1e3, r->max_ns / 1e3,
			total ? 100.0 * (double)r->total_ns / (double)total : 0.0);
	}
	fprintf(o->f, "%-18s %9llu %8llu %11.3f\n", "total", (unsigned long long)calls,
		(unsigned long long)errors, total / 1e6);
	fprintf(o->f,
		"records: %llu delivered in %llu batches over %.3fs; lost: %llu (ring buffer "
		"full), %llu (thread state), %llu (process table full)\n",
		(unsigned long long)in->reader.records, (unsigned long long)in->reader.batches,
		in->elapsed_s, (unsigned long long)in->lost.rb_lost,
		(unsigned long long)in->lost.state_lost, (unsigned long long)in->lost.tgid_full);
}

static void json_summary(struct output *o, const struct summary_input *in,
			 const struct summary_row *rows, size_t n)
{
	char name[16];

	fprintf(o->f, "{\"type\":\"summary\",\"elapsed_s\":%.6f,\"syscalls\":[", in->elapsed_s);
	for (size_t i = 0; i < n; i++) {
		const struct summary_row *r = &rows[i];

		fprintf(o->f,
			"%s{\"syscall\":\"%s\",\"calls\":%llu,\"errors\":%llu,\"total_ns\":%llu,"
			"\"avg_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu}",
			i ? "," : "", syscall_name(r->nr, name), (unsigned long long)r->count,
			(unsigned long long)r->errors, (unsigned long long)r->total_ns,
			(unsigned long long)r->avg_ns, (unsigned long long)r->p50_ns,
			(unsigned long long)r->p99_ns, (unsigned long long)r->max_ns);
	}
	fprintf(o->f,
		"],\"records\":%llu,\"batches\":%llu,\"lost\":{\"ringbuf\":%llu,\"state\":%llu,"
		"\"proc_table\":%llu}}\n",
		(unsigned long long)in->reader.records, (unsigned long long)in->reader.batches,
		(unsigned long long)in->lost.rb_lost, (unsigned long long)in->lost.state_lost,
		(unsigned long long)in->lost.tgid_full);
}

void output_summary(struct output *o, const struct summary_input *in)
{
	struct summary_row *rows = calloc(AT_NR_MAX, sizeof(*rows));
	size_t n;

	if (!rows)
		return;
	n = summary_rows(in->stats, rows);
	if (o->json)
		json_summary(o, in, rows, n);
	else
		text_summary(o, in, rows, n);
	free(rows);
	fflush(o->f);
}
