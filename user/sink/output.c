// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The output front: records decoded and handed to the sink; the line stream of line sinks. */
/*
 * Each record becomes an event (decode.c) that the sink of the output's
 * format takes (sink.h). The text and JSON sinks format it as a line, which
 * is buffered and written with write(2), counting what a failed write lost;
 * the summary likewise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "decode.h"
#include "cgid.h"
#include "ctrtab.h"
#include "ident.h"
#include "fdtab.h"
#include "output.h"
#include "podmeta.h"
#include "probes.h"
#include "sink.h"
#include "stacks.h"
#include "strbuf.h"
#include "summary.h"
#include "text.h"
#include "xsink.h"

_Static_assert(SINK_LINE_MAX <= OUTPUT_BUF_BYTES, "the output buffer holds the longest line");

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

/*
 * -ff: each process's lines in PATH.PID, as strace's -ff -o. At most
 * OUTPUT_PID_FILES open at once: past it the least recently written one is
 * closed, and opened again to append (the first open of a pid truncates).
 * A process's file is closed at its exit line.
 */
#define OUTPUT_PID_FILES 256

struct pid_files {
	char *base;
	uint32_t pid[OUTPUT_PID_FILES]; /* 0: free */
	int fd[OUTPUT_PID_FILES];
	uint64_t used[OUTPUT_PID_FILES]; /* when last written, in writes */
	uint64_t clock;
	uint64_t *seen; /* bit per pid: its file was made this run (AT_PID_LIMIT bits) */
};

static struct pid_files *pid_files_new(const char *base)
{
	struct pid_files *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->base = strdup(base);
	pf->seen = calloc(AT_PID_LIMIT / 64, sizeof(*pf->seen));
	if (!pf->base || !pf->seen) {
		free(pf->base);
		free(pf->seen);
		free(pf);
		return NULL;
	}
	return pf;
}

static void pid_files_free(struct pid_files *pf)
{
	if (!pf)
		return;
	for (unsigned i = 0; i < OUTPUT_PID_FILES; i++)
		if (pf->pid[i])
			close(pf->fd[i]);
	free(pf->base);
	free(pf->seen);
	free(pf);
}

/* The slot of pid's open file, opened (and a slot freed) if need be; -errno. */
static int pid_file(struct pid_files *pf, uint32_t pid)
{
	unsigned i, slot = 0;
	char path[PATH_MAX];
	bool again;
	int fd;

	for (i = 0; i < OUTPUT_PID_FILES; i++) {
		if (pf->pid[i] == pid)
			goto found;
		if (!pf->pid[i] || (pf->pid[slot] && pf->used[i] < pf->used[slot]))
			slot = i;
	}
	if (pf->pid[slot]) {
		close(pf->fd[slot]);
		pf->pid[slot] = 0;
	}
	if (snprintf(path, sizeof(path), "%s.%u", pf->base, pid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	again = pid < AT_PID_LIMIT && (pf->seen[pid / 64] >> (pid % 64) & 1);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (again ? O_APPEND : O_TRUNC), 0666);
	if (fd < 0)
		return -errno;
	if (pid < AT_PID_LIMIT)
		pf->seen[pid / 64] |= 1ULL << (pid % 64);
	pf->pid[slot] = pid;
	pf->fd[slot] = fd;
	i = slot;
found:
	pf->used[i] = ++pf->clock;
	return (int)i;
}

/*
 * A thread's line to its own file (strace's -ff: FILE.TID, the process's
 * main thread's being FILE.PID); the process's exit line closes it, and a
 * later process that gets the pid starts its file anew.
 */
static void put_pid_line(struct output *o, const struct event *ev, struct out *l)
{
	struct pid_files *pf = o->pid_files;
	uint32_t who = ev->tid ? ev->tid : ev->pid;
	size_t n = out_end(l), done;
	int slot, ret;

	if (o->err) {
		o->lost++;
		return;
	}
	slot = pid_file(pf, who);
	if (slot < 0) {
		o->lost++;
		output_fail(o, -slot, "open");
		return;
	}
	ret = write_all(pf->fd[slot], l->buf, n, &done);
	if (ret) {
		o->lost++;
		output_fail(o, -ret, "write");
		return;
	}
	if (ev->kind == EV_EXIT) {
		close(pf->fd[slot]);
		pf->pid[slot] = 0;
		if (who < AT_PID_LIMIT)
			pf->seen[who / 64] &= ~(1ULL << (who % 64));
	}
}

int lines_open(struct output *o, const char *path)
{
	o->buf = malloc(OUTPUT_BUF_BYTES);
	o->ends = calloc(OUTPUT_BUF_RECS, sizeof(*o->ends));
	o->text = calloc(1, sizeof(*o->text));
	if (!o->buf || !o->ends || !o->text ||
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
	if (o->per_pid) {
		/* The lines go to PATH.PID; the summary to stderr, as the -o account is. */
		free(o->name);
		if (asprintf(&o->name, "-o %s.PID", path) < 0) {
			o->name = NULL;
			return -ENOMEM;
		}
		o->pid_files = pid_files_new(path);
		o->fd = STDERR_FILENO;
		return o->pid_files ? 0 : -ENOMEM;
	}
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o->fd < 0)
		return -errno;
	o->owns_fd = true;
	return 0;
}

int lines_close(struct output *o)
{
	if (o->buf)
		flush_buf(o);
	/* close() reports what the file system deferred (NFS, quotas): it counts too. */
	if (o->owns_fd && close(o->fd) && errno != EINTR)
		output_fail(o, errno, "close");
	o->owns_fd = false;
	free(o->buf);
	free(o->ends);
	free(o->text);
	pid_files_free(o->pid_files);
	o->pid_files = NULL;
	free(o->name);
	o->buf = NULL;
	o->ends = NULL;
	o->text = NULL;
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

void lines_flush(struct output *o)
{
	flush_buf(o);
}

/* Formats ev and queues its line, if the format shows it. */
void lines_event(struct output *o, const struct event *ev, line_event_fn *fmt)
{
	char line[SINK_LINE_MAX];
	struct out l = out_init(line, sizeof(line));

	fmt(o, ev, &l);
	if (l.len && o->pid_files)
		put_pid_line(o, ev, &l);
	else if (l.len)
		put_line(o, &l);
}

/* The stack table and symbolizer, made at the first stack; false when out of memory. */
static bool want_stacks(struct output *o)
{
	if (!o->stacks)
		o->stacks = stacks__new();
	return o->stacks != NULL;
}

/* Stacks that did not reach their line: never silent. */
static void stacks_close(struct output *o)
{
	const struct stackjoin *j;

	if (!o->stacks)
		return;
	j = &o->stacks->join;
	if (j->lost || j->evicted || j->bad)
		fprintf(stderr,
			"agent-trace: stacks: %llu joined, %llu lost (ring buffer full), %llu "
			"without their call, %llu malformed\n",
			(unsigned long long)j->joined, (unsigned long long)j->lost,
			(unsigned long long)j->evicted, (unsigned long long)j->bad);
	stacks__free(o->stacks);
	o->stacks = NULL;
}

void output_record(void *ctx, const void *data, size_t size)
{
	struct output *o = ctx;
	struct decoder d = { .sess = o->sess,
			     .start_ns = o->start_ns,
			     .ident = o->ident,
			     .cgid = o->cgid,
			     .pods = o->pods,
			     .want_exe = o->nxs != 0,
			     .no_dur = o->no_dur };
	int kind = decode_kind(data, size);
	struct decode_scratch scratch;
	bool line = true, decoded = false;
	const struct probe *p;
	struct fd_view fdv;
	struct event ev;

	/* -y: a record made for the fd table alone (AT_CALL_SHADOW) changes it, and no more. */
	if (kind == EV_SYSCALL && (((const struct at_call_rec *)data)->flags & AT_CALL_SHADOW)) {
		if (o->fdtab && decoder__decode(&d, data, size, &scratch, &ev))
			fdtab__event(o->fdtab, &ev, NULL);
		return;
	}
	/* A stack waits for its call, the record after it (-k, the stack action). */
	if (size >= sizeof(struct at_rec_hdr) &&
	    ((const struct at_rec_hdr *)data)->type == AT_REC_STACK) {
		if (want_stacks(o))
			stacks__put(o->stacks, data, size);
		return;
	}
	if (kind == EV_SYSCALL || kind == EV_CALL) {
		line = o->events;
		/* An aggregate takes every record of its probe, whatever the lines do. */
		p = decoder__probe(&d, data);
		if (p && p->agg) {
			if (!decoder__decode(&d, data, size, &scratch, &ev))
				return;
			aggregate__event(p->agg, &ev);
			/* Aggregated only: no line, no event exported, nothing a failed output loses. */
			if (!(p->actions & AT_ACT_EVENT)) {
				if (o->ctrs)
					ctrtab__event(o->ctrs, &ev);
				return;
			}
			decoded = true;
		}
		if (line)
			o->calls++;
		/*
		 * The output failed: the line would be counted lost (put_bytes),
		 * so it is, unformatted; a function record of a probe that is not
		 * known is skipped as it is otherwise.
		 */
		if (line && o->err) {
			if (kind == EV_SYSCALL || decoder__call_probe(&d, data))
				o->lost++;
			line = false;
		}
	}
	/* Decoded once for the line sink and every exporting sink. */
	if (!line && !o->nxs)
		return;
	if (!decoded && !decoder__decode(&d, data, size, &scratch, &ev))
		return;
	/* Plain tracing's records and process events, in stream order (not a probe's copies). */
	if (o->fdtab && (kind == EV_FORK || kind == EV_EXIT ||
			 (kind == EV_SYSCALL && !ev.probe && !ev.label))) {
		if (fdtab__event(o->fdtab, &ev, kind == EV_SYSCALL ? &fdv : NULL))
			ev.fds = &fdv;
	}
	if ((kind == EV_SYSCALL || kind == EV_CALL) &&
	    (((const struct at_call_rec *)data)->flags & AT_CALL_STACK) && want_stacks(o))
		stacks__attach(o->stacks, data, &ev);
	if (kind == EV_EXEC && o->stacks)
		stacks__exec(o->stacks, ev.pid);
	if (o->ctrs)
		ctrtab__event(o->ctrs, &ev);
	if (line && (kind != EV_SIGNAL || o->events))
		o->ops->event(o, &ev);
	/* Signal lines are the line sinks' (strace's); the exporters take calls and processes. */
	for (unsigned i = 0; i < o->nxs && kind != EV_SIGNAL; i++)
		o->xs[i]->ops->event(o->xs[i], &ev);
	/* Every sink has the exit with the process's identity: the entry can go. */
	if (kind == EV_EXIT && o->ident)
		ident_cache__release(o->ident, ev.pid);
}

void lines_summary(struct output *o, const struct snapshot *snap, line_summary_fn *fmt)
{
	struct summary sm;
	struct out m = out_init(NULL, 0);
	char *text = NULL;
	size_t len, done;
	int ret;

	if (summary__init(&sm, snap)) {
		output_fail(o, ENOMEM, "summary");
		return;
	}
	/* Sized by a first pass, formatted in memory, then written as the records are. */
	fmt(o, &sm, &m);
	len = out_end(&m);
	text = malloc(len + 1);
	if (!text) {
		summary__free(&sm);
		output_fail(o, ENOMEM, "summary");
		return;
	}
	m = out_init(text, len + 1);
	fmt(o, &sm, &m);
	summary__free(&sm);
	flush_buf(o);
	if (!o->err) {
		ret = write_all(o->fd, text, len, &done);
		if (ret)
			output_fail(o, -ret, "write");
	}
	free(text);
}

int output_open(struct output *o, const char *path)
{
	char mnt[PATH_MAX];
	int err;

	o->ops = o->json ? &json_sink_ops : &text_sink_ops;
	err = o->ops->open(o, path);
	if (err)
		return err;
	/* In another pid namespace /proc/PID is another process than the record's: no identity. */
	err = ident_host_pidns();
	if (err) {
		fprintf(stderr, "agent-trace: container identity off: %s\n",
			err == -EXDEV ? "not in the host's pid namespace" : strerror(-err));
		return 0;
	}
	o->ident = ident_cache__new(NULL);
	o->pods = podmeta_cache__new(NULL);
	o->ctrs = ctrtab__new(NULL);
	if (!o->ident || !o->pods || !o->ctrs)
		return -errno;
	/* Without a cgroup2 mount records' cgroup ids name nothing here: by pid only. */
	if (!cgid_find_mount(NULL, mnt, sizeof(mnt))) {
		o->cgid = cgid_cache__new(&(struct cgid_opts){ .root = mnt, .proc_root = "/proc" });
		if (!o->cgid)
			return -errno;
	}
	return 0;
}

void output_ident_counters(const struct output *o, struct ident_counters *out)
{
	ident_counters_read(o->ident, o->cgid, o->pods, out);
}

int output_ctr_rows(const struct output *o, struct ctr_rows *out)
{
	if (!o->ctrs) {
		*out = (struct ctr_rows){ 0 };
		return 0;
	}
	return ctrtab__read(o->ctrs, out);
}

void output_flush(void *ctx)
{
	struct output *o = ctx;

	o->ops->flush(o);
}

void output_summary(struct output *o, const struct snapshot *snap)
{
	o->ops->summary(o, snap);
}

int output_close(struct output *o)
{
	ident_cache__free(o->ident);
	o->ident = NULL;
	cgid_cache__free(o->cgid);
	o->cgid = NULL;
	podmeta_cache__free(o->pods);
	o->pods = NULL;
	ctrtab__free(o->ctrs);
	o->ctrs = NULL;
	stacks_close(o);
	/* Never opened (set-up failed before the output): nothing to close. */
	return o->ops ? o->ops->close(o) : 0;
}

/* A line built in a buffer of size bytes, printed to stream (stderr): what fit of it. */
static void print_line(FILE *stream, const char *line, size_t n, size_t size)
{
	fwrite(line, 1, n < size ? n : size - 1, stream);
}

void output_records_line(FILE *f, const struct snapshot *snap)
{
	char line[1024];
	struct out l = out_init(line, sizeof(line));

	text_records_line(&l, snap);
	print_line(f, line, out_end(&l), sizeof(line));
}

void output_sink_lines(FILE *f, const struct snapshot *snap, bool drops_only)
{
	char line[4096];
	struct out l = out_init(line, sizeof(line));

	text_sink_lines(&l, snap, drops_only);
	print_line(f, line, out_end(&l), sizeof(line));
}

void output_loss_line(FILE *f, const struct snapshot *snap)
{
	char line[1024];
	struct out l = out_init(line, sizeof(line));

	if (text_loss_line(&l, snap))
		print_line(f, line, out_end(&l), sizeof(line));
}
