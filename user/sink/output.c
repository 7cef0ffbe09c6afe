// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sinks: strace-style text and JSON lines, for records and for the summary. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode_func.h"
#include "strbuf.h"
#include "output.h"
#include "probefile.h"
#include "probes.h"
#include "scrub.h"
#include "summary.h"
#include "syscalls.h"

/* Room for the longest decoded call: every slot escaped (JSON's \u00XX: 6x), plus the scalars. */
#define LINE_MAX_ (AT_SLOTS * AT_STR_MAX * 6 + 1024)
/* A whole line: the decoded call, its head, names and labels, the return. */
#define RECORD_LINE_MAX (2 * LINE_MAX_)
_Static_assert(RECORD_LINE_MAX <= OUTPUT_BUF_BYTES, "the output buffer holds the longest line");

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

/* The probe-file probe a record belongs to, or NULL for -e syscalls, -u and --usdt. */
static const struct probe *file_probe(const struct output *o, const struct at_call_rec *r)
{
	const struct probe *p;

	if (r->hdr.probe_id == AT_PROBE_SYSCALLS || !o->sess)
		return NULL;
	p = probes__get(o->sess, r->hdr.probe_id);
	return p && p->label[0] ? p : NULL;
}

/* A probe's scrub rules applied to a copy of the record's captured strings. */
static const struct at_call_rec *scrubbed(const struct probe *p, const struct at_call_rec *r,
					  struct at_call_rec *copy)
{
	if (!p || !p->scrub)
		return r;
	memcpy(copy, r, offsetof(struct at_call_rec, slot));
	for (int i = 0; i < AT_SLOTS; i++) {
		size_t n;

		if (r->slot_arg[i] == 0xff)
			continue;
		n = shape_scrub(p->scrub, r->slot[i], r->slot_len[i] % (AT_STR_MAX + 1),
				copy->slot[i], AT_STR_MAX);
		copy->slot_len[i] = (__u16)(n < AT_STR_MAX ? n : AT_STR_MAX - 1);
	}
	return copy;
}

/* Nanoseconds since the trace began. */
static uint64_t rel_ns(const struct output *o, uint64_t ts)
{
	return ts > o->start_ns ? ts - o->start_ns : 0;
}

/* The time column of text lines: seconds with six decimals, right-aligned in 11. */
static void put_time_col(struct out *l, uint64_t ns)
{
	char t[32];
	struct out to = out_init(t, sizeof(t));
	size_t n;

	out_secs6(&to, ns);
	n = out_end(&to);
	for (; n < 11; n++)
		out_putc(l, ' ');
	out_puts(l, t);
}

/* The start of a text line: time, pid/tid and the probe's label in brackets. */
static void put_text_head(struct out *l, const struct output *o, const struct at_rec_hdr *h,
			  uint64_t ts, const char *label)
{
	put_time_col(l, rel_ns(o, ts));
	out_putc(l, ' ');
	out_i64(l, h->pid);
	out_putc(l, '/');
	out_i64(l, h->tid);
	out_putc(l, ' ');
	if (label) {
		out_putc(l, '[');
		out_puts(l, label);
		out_puts(l, "] ");
	}
}

/*
 * Records are written with our own buffer and write(2), not stdio: stdio
 * writes its buffer whenever it fills, so after a failed fwrite or fflush
 * nobody knows which records reached the file and which did not (a write may
 * also take part of the buffer before it fails: ENOSPC, EFBIG). Here the
 * buffer holds whole lines and remembers where each ends, so a failed write
 * counts exactly the records whose line is not wholly in the file as lost.
 */

/* Reports the first failure: one line, unless the reader went away (a closed pipe). */
static void output_fail(struct output *o, int err, const char *what)
{
	if (o->err)
		return;
	o->err = err;
	if (err == EPIPE) {
		if (o->on_closed)
			o->on_closed();
		return;
	}
	fprintf(stderr, "agent-trace: %s: %s failed: %s\n", o->name, what, strerror(err));
}

/* Writes n bytes; *done says how many went out. 0 or -errno. */
static int write_all(int fd, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		ssize_t w = write(fd, p + *done, n - *done);

		if (w > 0) {
			*done += (size_t)w;
			continue;
		}
		if (w == 0)
			return -EIO; /* no progress and no error: never retried forever */
		if (errno == EINTR)
			continue;
		/* An inherited non-blocking descriptor (a tty, a pipe): wait as a blocking write would. */
		if (errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			if (poll(&pf, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		return -errno;
	}
	return 0;
}

/* Writes the buffered lines; on failure the records not wholly written are lost. */
static void flush_buf(struct output *o)
{
	size_t done;
	uint32_t whole = 0;
	int ret;

	if (!o->len)
		return;
	ret = write_all(o->fd, o->buf, o->len, &done);
	if (ret) {
		while (whole < o->nrec && o->ends[whole] <= done)
			whole++;
		o->lost += o->nrec - whole;
		output_fail(o, -ret, "write");
	}
	o->len = 0;
	o->nrec = 0;
}

/* Queues a record's whole line (n bytes); once the output failed, counts it as lost. */
static void put_bytes(struct output *o, const char *line, size_t n)
{
	if (!o->err && (o->len + n > OUTPUT_BUF_BYTES || o->nrec == OUTPUT_BUF_RECS))
		flush_buf(o);
	if (o->err) {
		o->lost++;
		return;
	}
	memcpy(o->buf + o->len, line, n);
	o->len += n;
	o->ends[o->nrec++] = (uint32_t)o->len;
}

/* Writes a line built in l: what fit of it (the buffer holds the longest record). */
static void put_line(struct output *o, struct out *l)
{
	size_t n = out_end(l);

	/* Never cut, by the sizes below; if it were, it still ends its line. */
	if (n >= l->size) {
		n = l->size - 1;
		l->buf[n - 1] = '\n';
	}
	put_bytes(o, l->buf, n);
}

int output_open(struct output *o, const char *path)
{
	o->buf = malloc(OUTPUT_BUF_BYTES);
	o->ends = calloc(OUTPUT_BUF_RECS, sizeof(*o->ends));
	if (!o->buf || !o->ends ||
	    asprintf(&o->name, "%s%s", path ? "-o " : "stdout", path ? path : "") < 0) {
		o->name = NULL;
		return -ENOMEM;
	}
	o->len = 0;
	o->nrec = 0;
	o->err = 0;
	o->fd = STDOUT_FILENO;
	if (!path)
		return 0;
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o->fd < 0)
		return -errno;
	o->owns_fd = true;
	return 0;
}

int output_close(struct output *o)
{
	if (o->buf)
		flush_buf(o);
	/* close() reports what the file system deferred (NFS, quotas): it counts too. */
	if (o->owns_fd && close(o->fd) && errno != EINTR)
		output_fail(o, errno, "close");
	o->owns_fd = false;
	free(o->buf);
	free(o->ends);
	free(o->name);
	o->buf = NULL;
	o->ends = NULL;
	o->name = NULL;
	return o->err ? -o->err : 0;
}

bool output_failed(const struct output *o)
{
	return o->err && o->err != EPIPE;
}

bool output_closed(const struct output *o)
{
	return o->err == EPIPE;
}

/*
 * A text line after its head: NAME(ARGS) = RET, the failing mark and the
 * duration when there are; the record's flags say which.
 */
static void put_text_call(struct output *o, struct out *l, const struct at_call_rec *r,
			  const char *name, const char *args, const char *ret)
{
	out_puts(l, name);
	out_putc(l, '(');
	out_puts(l, args);
	out_putc(l, ')');
	if (!(r->flags & AT_CALL_ENTRY_ONLY)) {
		out_puts(l, " = ");
		out_puts(l, ret);
		if (r->flags & AT_CALL_FAILING)
			out_puts(l, " [failing]");
		if (!(r->flags & (AT_CALL_NORETURN | AT_CALL_NO_DUR | AT_CALL_RETURN_ONLY))) {
			out_puts(l, " <");
			out_secs6(l, r->hdr.ts_ns - r->enter_ns);
			out_putc(l, '>');
		}
	}
	out_putc(l, '\n');
	put_line(o, l);
}

static void text_syscall(struct output *o, const struct at_call_rec *r)
{
	const struct probe *fp = file_probe(o, r);
	char name[16], args[LINE_MAX_], ret[128], line[RECORD_LINE_MAX];
	struct out l = out_init(line, sizeof(line));
	struct at_call_rec copy;

	r = scrubbed(fp, r, &copy);
	decode_args(r, args, sizeof(args));
	decode_ret(r, ret, sizeof(ret));
	put_text_head(&l, o, &r->hdr, r->enter_ns, fp ? fp->label : NULL);
	put_text_call(o, &l, r, syscall_name(r->nr, name), args, ret);
}

/* The start of a JSON record: type, time, pid, tid. */
static void put_json_head(struct out *l, const struct output *o, const char *type,
			  const struct at_rec_hdr *h, uint64_t ts)
{
	out_puts(l, "{\"type\":\"");
	out_puts(l, type);
	out_puts(l, "\",\"time\":");
	out_secs6(l, rel_ns(o, ts));
	out_puts(l, ",\"pid\":");
	out_i64(l, h->pid);
	out_puts(l, ",\"tid\":");
	out_i64(l, h->tid);
	out_putc(l, ',');
}

static void json_syscall(struct output *o, const struct at_call_rec *r)
{
	const struct syscall_desc *d = &syscall_table[r->nr % AT_NR_MAX];
	const struct probe *fp = file_probe(o, r);
	char name[16], val[LINE_MAX_], line[RECORD_LINE_MAX];
	struct out l = out_init(line, sizeof(line));
	struct at_call_rec copy;

	r = scrubbed(fp, r, &copy);
	put_json_head(&l, o, "syscall", &r->hdr, r->enter_ns);
	if (fp) {
		out_puts(&l, "\"probe_name\":\"");
		out_puts(&l, fp->label);
		out_puts(&l, "\",\"probe_id\":");
		out_u64(&l, fp->id);
		out_putc(&l, ',');
	}
	out_puts(&l, "\"syscall\":\"");
	out_puts(&l, syscall_name(r->nr, name));
	out_puts(&l, "\",\"nr\":");
	out_u64(&l, r->nr);
	out_puts(&l, ",\"args\":{");
	for (unsigned i = 0; i < d->nargs && i < 6; i++) {
		decode_arg_json(r, i, val, sizeof(val));
		if (i)
			out_putc(&l, ',');
		out_putc(&l, '"');
		out_puts(&l, d->argname[i] ? d->argname[i] : "?");
		out_puts(&l, "\":");
		out_puts(&l, val);
	}
	out_putc(&l, '}');
	if (r->flags & (AT_CALL_NORETURN | AT_CALL_ENTRY_ONLY)) {
		out_puts(&l, ",\"ret\":null,\"errno\":null,\"dur_ns\":null");
	} else {
		bool err = r->ret < 0 && r->ret >= -4095;
		const char *en = err ? errno_name((int)-r->ret) : NULL;

		out_puts(&l, ",\"ret\":");
		out_i64(&l, r->ret);
		out_puts(&l, ",\"errno\":");
		if (en) {
			out_putc(&l, '"');
			out_puts(&l, en);
			out_putc(&l, '"');
		} else if (err) {
			out_i64(&l, -r->ret);
		} else {
			out_puts(&l, "null");
		}
		out_puts(&l, ",\"dur_ns\":");
		if (r->flags & AT_CALL_NO_DUR)
			out_puts(&l, "null");
		else
			out_u64(&l, r->hdr.ts_ns - r->enter_ns);
	}
	out_puts(&l, r->flags & (AT_CALL_TRUNC0 | AT_CALL_TRUNC1) ? ",\"truncated\":true}\n" :
								    ",\"truncated\":false}\n");
	put_line(o, &l);
}

static void func_call(struct output *o, const struct at_call_rec *r)
{
	const struct probe *p = o->sess ? probes__get(o->sess, r->hdr.probe_id) : NULL;
	char args[LINE_MAX_], ret[128], line[RECORD_LINE_MAX];
	struct out l = out_init(line, sizeof(line));
	bool failing = r->flags & AT_CALL_FAILING;
	bool no_dur = r->flags & (AT_CALL_ENTRY_ONLY | AT_CALL_RETURN_ONLY);
	struct at_call_rec copy;

	if (!p)
		return;
	/* The output failed: counted lost as put_bytes would, without formatting the line. */
	if (o->err) {
		o->lost++;
		return;
	}
	r = scrubbed(p, r, &copy);
	if (o->json) {
		fdecode_args_json(r, p, args, sizeof(args));
		fdecode_ret_json(r, p, ret, sizeof(ret));
		put_json_head(&l, o, "call", &r->hdr, r->enter_ns);
		if (p->label[0]) {
			out_puts(&l, "\"probe_name\":\"");
			out_puts(&l, p->label);
			out_puts(&l, "\",");
		}
		out_puts(&l, "\"probe\":\"");
		out_puts(&l, p->name);
		out_puts(&l, "\",\"probe_id\":");
		out_u64(&l, p->id);
		out_puts(&l, ",\"args\":{");
		out_puts(&l, args);
		out_puts(&l, "},\"ret\":");
		out_puts(&l, ret);
		out_puts(&l, failing ? ",\"failing\":true,\"dur_ns\":" :
				       ",\"failing\":false,\"dur_ns\":");
		if (no_dur)
			out_puts(&l, "null");
		else
			out_u64(&l, r->hdr.ts_ns - r->enter_ns);
		out_puts(&l, "}\n");
		put_line(o, &l);
		return;
	}
	fdecode_args(r, p, args, sizeof(args));
	fdecode_ret(r, p, ret, sizeof(ret));
	put_text_head(&l, o, &r->hdr, r->enter_ns, p->label[0] ? p->label : NULL);
	put_text_call(o, &l, r, p->name, args, ret);
}

/* The process lines: exec of a target (attach), fork (JSON only), exit. */
static void proc_event(struct output *o, const struct at_proc_rec *r)
{
	char comm[sizeof(r->comm) * 6 + 1], st[64], line[512];
	struct out l = out_init(line, sizeof(line));
	const char *sig;

	escape_json(r->comm, strnlen(r->comm, sizeof(r->comm)), comm, sizeof(comm));
	if (r->hdr.type == AT_REC_PROC_FORK && !o->json)
		return;
	if (o->json) {
		out_puts(&l, r->hdr.type == AT_REC_PROC_EXEC ? "{\"type\":\"attach\"" :
			     r->hdr.type == AT_REC_PROC_FORK ? "{\"type\":\"fork\"" :
							       "{\"type\":\"exit\"");
		out_puts(&l, ",\"time\":");
		out_secs6(&l, rel_ns(o, r->hdr.ts_ns));
		out_puts(&l, ",\"pid\":");
		out_i64(&l, r->hdr.pid);
		if (r->hdr.type == AT_REC_PROC_FORK) {
			out_puts(&l, ",\"ppid\":");
			out_u64(&l, r->ppid);
		}
		out_puts(&l, ",\"comm\":\"");
		out_puts(&l, comm);
		out_putc(&l, '"');
		if (r->hdr.type == AT_REC_PROC_EXIT && WIFSIGNALED(r->exit_code)) {
			sig = signal_name(WTERMSIG(r->exit_code));
			out_puts(&l, ",\"code\":null,\"signal\":\"");
			out_puts(&l, sig ? sig : "?");
			out_putc(&l, '"');
		} else if (r->hdr.type == AT_REC_PROC_EXIT) {
			out_puts(&l, ",\"code\":");
			out_i64(&l, WEXITSTATUS(r->exit_code));
			out_puts(&l, ",\"signal\":null");
		}
		out_puts(&l, "}\n");
		put_line(o, &l);
		return;
	}
	put_time_col(&l, rel_ns(o, r->hdr.ts_ns));
	out_putc(&l, ' ');
	out_i64(&l, r->hdr.pid);
	out_putc(&l, '/');
	out_i64(&l, r->hdr.tid);
	out_puts(&l, " +++ ");
	if (r->hdr.type == AT_REC_PROC_EXEC) {
		out_puts(&l, "exec'ed ");
		out_puts(&l, comm);
		out_puts(&l, ", a target: traced");
	} else {
		output_status(st, sizeof(st), r->exit_code);
		out_puts(&l, st);
	}
	out_puts(&l, " +++\n");
	put_line(o, &l);
}

void output_flush(void *ctx)
{
	flush_buf(ctx);
}

/* Slot lengths that claim more than the record carries are cut to what arrived. */
static const void *checked_call(const void *data, size_t size, struct at_call_rec *copy)
{
	const struct at_call_rec *r = data;
	bool ok = true;

	for (int s = 0; s < AT_SLOTS; s++)
		if (r->slot_arg[s] != 0xff &&
		    offsetof(struct at_call_rec, slot[s]) + r->slot_len[s] > size)
			ok = false;
	if (ok)
		return data;
	memcpy(copy, data, size < sizeof(*copy) ? size : sizeof(*copy));
	for (int s = 0; s < AT_SLOTS; s++) {
		size_t start = offsetof(struct at_call_rec, slot[s]);

		if (start + copy->slot_len[s] > size)
			copy->slot_len[s] = size > start ? (__u16)(size - start) : 0;
	}
	return copy;
}

void output_record(void *ctx, const void *data, size_t size)
{
	const struct at_rec_hdr *h = data;
	struct output *o = ctx;
	struct at_call_rec copy;

	if (size < sizeof(*h))
		return;
	if ((h->type == AT_REC_SYSCALL || h->type == AT_REC_FUNC) &&
	    size >= offsetof(struct at_call_rec, slot))
		data = checked_call(data, size, &copy);
	switch (h->type) {
	case AT_REC_SYSCALL:
		if (size < offsetof(struct at_call_rec, slot) || !o->events)
			return;
		o->calls++;
		/* The output failed: the line would be counted lost (put_bytes), unformatted. */
		if (o->err) {
			o->lost++;
			break;
		}
		if (o->json)
			json_syscall(o, data);
		else
			text_syscall(o, data);
		break;
	case AT_REC_FUNC:
		if (size < offsetof(struct at_call_rec, slot) || !o->events)
			return;
		o->calls++;
		func_call(o, data);
		break;
	case AT_REC_PROC_FORK:
	case AT_REC_PROC_EXIT:
	case AT_REC_PROC_EXEC:
		if (size >= sizeof(struct at_proc_rec))
			proc_event(o, data);
		break;
	}
}

/* Without -T the kernel counted calls and errors only, so no time columns. */
static void text_counts(struct output *o, const struct summary_row *rows, size_t n)
{
	uint64_t calls = 0, errors = 0;
	char name[16];

	fprintf(o->f, "%-18s %9s %8s\n", "syscall", "calls", "errors");
	for (size_t i = 0; i < n; i++) {
		calls += rows[i].count;
		errors += rows[i].errors;
		fprintf(o->f, "%-18s %9llu %8llu\n", syscall_name(rows[i].nr, name),
			(unsigned long long)rows[i].count, (unsigned long long)rows[i].errors);
	}
	fprintf(o->f, "%-18s %9llu %8llu\n", "total", (unsigned long long)calls,
		(unsigned long long)errors);
}

static void text_summary(struct output *o, const struct summary_input *in,
			 const struct summary_row *rows, size_t n)
{
	uint64_t calls = 0, errors = 0, total = 0;
	char name[16];

	for (size_t i = 0; i < n; i++)
		total += rows[i].total_ns;
	/* Function probes alone: no syscall table, only the records and loss line. */
	if (!o->has_syscalls)
		goto records;
	if (o->no_latency) {
		text_counts(o, rows, n);
		goto records;
	}
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
records:
	output_records_line(o->f, in);
}

void output_records_line(FILE *f, const struct summary_input *in)
{
	fprintf(f,
		"records: %llu delivered in %llu batches over %.3fs; lost: %llu (ring buffer "
		"full), %llu (queue full), %llu (thread state), %llu (process table full), %llu "
		"(call depth), %llu (unpaired returns), %llu (output); agent-trace cpu %.3fs, max rss "
		"%.1f MiB\n",
		(unsigned long long)in->reader.records, (unsigned long long)in->reader.batches,
		in->elapsed_s, (unsigned long long)in->lost.rb_lost,
		(unsigned long long)in->queue_lost, (unsigned long long)in->lost.state_lost,
		(unsigned long long)in->lost.tgid_full, (unsigned long long)in->lost.depth_lost,
		(unsigned long long)in->lost.orphan_ret, (unsigned long long)in->output_lost,
		in->cpu_s, in->max_rss_kib / 1024.0);
}

static void json_summary(struct output *o, const struct summary_input *in,
			 const struct summary_row *rows, size_t n)
{
	char name[16];

	fprintf(o->f, "{\"type\":\"summary\",\"elapsed_s\":%.6f,\"syscalls\":[", in->elapsed_s);
	for (size_t i = 0; i < n; i++) {
		const struct summary_row *r = &rows[i];

		fprintf(o->f, "%s{\"syscall\":\"%s\",\"calls\":%llu,\"errors\":%llu,", i ? "," : "",
			syscall_name(r->nr, name), (unsigned long long)r->count,
			(unsigned long long)r->errors);
		/* Without -T: the same fields, null as dur_ns is when there is no time. */
		if (o->no_latency)
			fputs("\"total_ns\":null,\"avg_ns\":null,\"p50_ns\":null,\"p99_ns\":null,"
			      "\"max_ns\":null}",
			      o->f);
		else
			fprintf(o->f,
				"\"total_ns\":%llu,\"avg_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,"
				"\"max_ns\":%llu}",
				(unsigned long long)r->total_ns, (unsigned long long)r->avg_ns,
				(unsigned long long)r->p50_ns, (unsigned long long)r->p99_ns,
				(unsigned long long)r->max_ns);
	}
	fprintf(o->f,
		"],\"records\":%llu,\"batches\":%llu,\"lost\":{\"ringbuf\":%llu,\"queue\":%llu,"
		"\"state\":%llu,\"proc_table\":%llu,\"depth\":%llu,\"unpaired_ret\":%llu,"
		"\"output\":%llu},"
		"\"cpu_s\":%.6f,\"max_rss_kib\":%llu}\n",
		(unsigned long long)in->reader.records, (unsigned long long)in->reader.batches,
		(unsigned long long)in->lost.rb_lost, (unsigned long long)in->queue_lost,
		(unsigned long long)in->lost.state_lost, (unsigned long long)in->lost.tgid_full,
		(unsigned long long)in->lost.depth_lost, (unsigned long long)in->lost.orphan_ret,
		(unsigned long long)in->output_lost, in->cpu_s,
		(unsigned long long)in->max_rss_kib);
}

/* Human-readable size of a duration bucket bound: 512, 1K, 2M... (ns). */
static const char *hbound(uint64_t v, char *buf, size_t size)
{
	static const char *sfx[] = { "", "K", "M", "G", "T", "P", "E" };
	int i = 0;

	while (v >= 1024 && !(v % 1024) && i < 6) {
		v /= 1024;
		i++;
	}
	snprintf(buf, size, "%llu%s", (unsigned long long)v, sfx[i]);
	return buf;
}

void output_hist(FILE *f, const uint32_t *hist)
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
		fprintf(f, "%-16s %8llu |%-52s|\n", range, (unsigned long long)pow2[p], bar);
	}
}

/* What a probe's histogram buckets: "latency (ns)", "ret", "size". */
static const char *hist_title(const struct probe *p, char *buf, size_t size)
{
	unsigned a;

	if (!(p->actions & AT_ACT_HIST) || p->hist_of == AT_HIST_LATENCY)
		return "latency (ns)";
	if (p->hist_of == AT_HIST_RET)
		return "ret";
	a = (unsigned)(p->hist_of - AT_HIST_ARG0) % USPEC_MAX_ARGS;
	if (p->kind == AT_KIND_FUNC && a < p->spec.nargs)
		snprintf(buf, size, "%s", p->spec.args[a].name);
	else
		snprintf(buf, size, "arg%u", a + 1);
	return buf;
}

static void json_hist(FILE *f, const uint32_t *hist)
{
	bool first = true;

	fputs(",\"histogram\":[", f);
	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		fprintf(f, "%s{\"low\":%llu,\"high\":%llu,\"count\":%u}", first ? "" : ",",
			(unsigned long long)hist_bucket_low(b),
			(unsigned long long)hist_bucket_high(b), hist[b]);
		first = false;
	}
	fputc(']', f);
}

static void json_probe(struct output *o, const struct probe *p, const struct at_stat *st,
		       const struct at_probe_counts *c, uint64_t p50, uint64_t p99)
{
	char t[64];

	fprintf(o->f, "{\"type\":\"probe_summary\",\"probe\":\"%s\",\"probe_id\":%u,", p->name,
		p->id);
	if (p->label[0])
		fprintf(o->f, "\"probe_name\":\"%s\",", p->label);
	fprintf(o->f,
		"\"calls\":%llu,\"failing\":%llu,\"total_ns\":%llu,\"p50_ns\":%llu,"
		"\"p99_ns\":%llu,\"max_ns\":%llu",
		(unsigned long long)st->count, (unsigned long long)st->errors,
		(unsigned long long)st->total_ns, (unsigned long long)p50, (unsigned long long)p99,
		(unsigned long long)st->max_ns);
	if (p->label[0]) {
		fprintf(o->f,
			",\"hits\":%llu,\"filtered\":%llu,\"matched\":%llu,\"events\":%llu,"
			"\"sampled_out\":%llu,\"rate_limited\":%llu,\"lost\":%llu,\"signals\":%llu,"
			"\"signal_failed\":%llu,\"unreadable\":%llu,\"removed\":%s",
			(unsigned long long)c->hits, (unsigned long long)c->filtered,
			(unsigned long long)c->matched, (unsigned long long)c->emitted,
			(unsigned long long)c->sampled_out, (unsigned long long)c->rate_limited,
			(unsigned long long)c->emit_lost, (unsigned long long)c->signals,
			(unsigned long long)c->signal_failed, (unsigned long long)c->unreadable,
			p->removed ? "true" : "false");
		if (p->actions & AT_ACT_HIST) {
			fprintf(o->f, ",\"histogram_of\":\"%s\"", hist_title(p, t, sizeof(t)));
			json_hist(o->f, st->hist);
		}
	}
	fputs("}\n", o->f);
}

static void probe_summary(struct output *o)
{
	uint32_t n = o->sess ? probes__count(o->sess) : 0;
	struct at_probe_counts c;
	struct at_stat st;
	bool header = false;

	for (uint32_t id = 0; id < n; id++) {
		const struct probe *p = probes__get(o->sess, id);
		bool timed, hist;
		uint64_t p50, p99;
		char t[64];

		if (!p || session__probe_stats(o->sess, id, &st) || probes__counts(o->sess, id, &c))
			continue;
		p50 = hist_quantile(st.hist, st.count, 0.50, st.max_ns);
		p99 = hist_quantile(st.hist, st.count, 0.99, st.max_ns);
		if (o->json) {
			json_probe(o, p, &st, &c, p50, p99);
			continue;
		}
		if (!header) {
			fprintf(o->f, "\n%-32s %9s %8s %10s %10s %10s\n", "probe", "calls",
				"failing", "p50(us)", "p99(us)", "max(us)");
			header = true;
		}
		/* Entry-only, return-only and USDT hits have no duration; nor has a value histogram. */
		timed = p->spec.when == UW_CALL &&
			(!(p->actions & AT_ACT_HIST) || p->hist_of == AT_HIST_LATENCY);
		hist = p->label[0] ? (p->actions & AT_ACT_HIST) : timed;
		if (timed)
			fprintf(o->f, "%-32s %9llu %8llu %10.2f %10.2f %10.2f\n", p->name,
				(unsigned long long)st.count, (unsigned long long)st.errors,
				p50 / 1e3, p99 / 1e3, st.max_ns / 1e3);
		else
			fprintf(o->f, "%-32s %9llu %8llu %10s %10s %10s\n", p->name,
				(unsigned long long)st.count, (unsigned long long)st.errors, "-",
				"-", "-");
		if (p->label[0])
			fprintf(o->f,
				"  [%s]%s hits %llu, filtered %llu, events %llu, sampled out %llu, "
				"rate limited %llu, lost %llu, signals %llu, unreadable %llu\n",
				p->label, p->removed ? " (removed)" : "",
				(unsigned long long)c.hits, (unsigned long long)c.filtered,
				(unsigned long long)c.emitted, (unsigned long long)c.sampled_out,
				(unsigned long long)c.rate_limited, (unsigned long long)c.emit_lost,
				(unsigned long long)c.signals, (unsigned long long)c.unreadable);
		if (hist && st.count) {
			fprintf(o->f, "@%s %s:\n", p->label[0] ? p->label : p->name,
				hist_title(p, t, sizeof(t)));
			output_hist(o->f, st.hist);
		}
	}
	if (header)
		fputc('\n', o->f);
}

void output_summary(struct output *o, const struct summary_input *in)
{
	struct summary_row *rows = calloc(AT_NR_MAX, sizeof(*rows));
	char *text = NULL;
	size_t n, len = 0, done;
	int ret;

	/* Formatted in memory, then written as the records are: one checked write. */
	o->f = rows ? open_memstream(&text, &len) : NULL;
	if (!o->f) {
		free(rows);
		output_fail(o, ENOMEM, "summary");
		return;
	}
	n = summary_rows(in->stats, rows);
	probe_summary(o);
	if (o->json)
		json_summary(o, in, rows, n);
	else
		text_summary(o, in, rows, n);
	free(rows);
	ret = fclose(o->f) ? -ENOMEM : 0;
	o->f = NULL;
	flush_buf(o);
	if (!ret && !o->err)
		ret = write_all(o->fd, text, len, &done);
	if (ret)
		output_fail(o, -ret, "write");
	free(text);
}
