// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The file sink: JSON lines to a file through its exporter, rotated by size, PATH.1 ... PATH.KEEP. */
/*
 * The writer thread formats each event as the JSON sink does (json.c) and
 * pushes the line; the exporter's sender writes each batch of lines with one
 * write(2) when it fits the file, rotating before a write that would take
 * the file past max_bytes. A file only ever holds whole lines: a line longer
 * than max_bytes is alone in its file, and a write that failed part way has
 * its torn line cut off again, the lines it did not write counted
 * BQ_DROP_ERROR.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "sink.h"
#include "strbuf.h"
#include "util.h"
#include "xsink.h"

#define NS_PER_MS 1000000ull
/* Lines gather this long after a write: a file is cheap to write, a reader wants it soon. */
#define FILE_WINDOW_NS (200 * NS_PER_MS)

struct file_sink {
	struct xsink x;
	struct exporter exp;
	struct file_sink_config c;
	struct output out; /* what the JSON format is given: the session and the start time */
	char *line;	   /* SINK_LINE_MAX: the writer thread's line */
	/* The sender thread's. */
	int fd;	       /* PATH, -1 after a rotation that could not reopen it */
	uint64_t size; /* bytes in PATH */
	bool rotates;  /* max_bytes is set and PATH is a regular file (never /dev/null) */
	char *buf;     /* a run of lines, contiguous for one write */
	size_t buf_cap;
};

static int open_path(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
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
		if (w < 0 && errno == EINTR)
			continue;
		return w < 0 ? -errno : -EIO; /* no progress and no error: never retried forever */
	}
	return 0;
}

/* PATH.k; PATH.0 is PATH. */
static void rotated_name(const struct file_sink *f, unsigned k, char *buf, size_t size)
{
	if (k)
		snprintf(buf, size, "%s.%u", f->c.path, k);
	else
		snprintf(buf, size, "%s", f->c.path);
}

/*
 * PATH -> PATH.1 -> ... -> PATH.KEEP (the oldest replaced), PATH anew. 0 or
 * -errno and msg (the sink's name, with PATH, starts the error line).
 */
static int rotate(struct file_sink *f, char *msg, size_t msglen)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];

	for (unsigned k = f->c.keep; k > 0; k--) {
		rotated_name(f, k - 1, from, sizeof(from));
		rotated_name(f, k, to, sizeof(to));
		if (rename(from, to) && errno != ENOENT) {
			int err = -errno;

			snprintf(msg, msglen, "rotation: renaming .%u to .%u: %s", k - 1, k,
				 strerror(-err));
			return err;
		}
	}
	/* Keeping none: PATH starts again empty. */
	if (!f->c.keep && unlink(f->c.path) && errno != ENOENT) {
		int err = -errno;

		snprintf(msg, msglen, "rotation: removing it: %s", strerror(-err));
		return err;
	}
	if (f->fd >= 0)
		close(f->fd);
	f->size = 0;
	f->fd = open_path(f->c.path);
	if (f->fd < 0) {
		int err = -errno;

		snprintf(msg, msglen, "rotation: reopening it: %s", strerror(-err));
		return err;
	}
	return 0;
}

/* Room for n bytes in the staging buffer. */
static bool reserve(struct file_sink *f, size_t n)
{
	char *p;

	if (n <= f->buf_cap)
		return true;
	p = realloc(f->buf, n);
	if (!p)
		return false;
	f->buf = p;
	f->buf_cap = n;
	return true;
}

/*
 * Writes items [i, j) (bytes of data) as one write. Returns how many of them
 * are now wholly in the file (*wrote: their bytes); a line cut by a failed
 * write is cut off again.
 */
static size_t write_run(struct file_sink *f, const struct bq_item *it, size_t i, size_t j,
			size_t bytes, size_t *wrote, char *msg, size_t msglen)
{
	size_t off = 0, done, whole = 0;
	int err;

	*wrote = 0;
	if (!reserve(f, bytes)) {
		snprintf(msg, msglen, "write: %s", strerror(ENOMEM));
		return 0;
	}
	for (size_t k = i; k < j; k++) {
		memcpy(f->buf + off, it[k].data, it[k].len);
		off += it[k].len;
	}
	err = write_all(f->fd, f->buf, bytes, &done);
	if (!err) {
		f->size += bytes;
		*wrote = bytes;
		return j - i;
	}
	while (i + whole < j && *wrote + it[i + whole].len <= done)
		*wrote += it[i + whole++].len;
	/* Best effort: the file ends at its last whole line, for the next write to follow it. */
	if (done > *wrote && ftruncate(f->fd, (off_t)(f->size + *wrote)))
		f->size += done - *wrote; /* the torn line stays: in the size at least */
	f->size += *wrote;
	snprintf(msg, msglen, "write: %s", strerror(-err));
	return whole;
}

/* The exporter's send: the batch's lines written, in runs that each fit the current file. */
static void file_send(void *ctx, const struct export_batch *b, struct export_result *res)
{
	struct file_sink *f = ctx;
	size_t i = 0;

	res->cls = RETRY_OK;
	while (i < b->n) {
		size_t j = i, bytes = 0, wrote, whole;

		/* As many lines as fit; a line longer than max_bytes alone in an empty file. */
		while (j < b->n &&
		       (!f->rotates || f->size + bytes + b->items[j].len <= f->c.max_bytes ||
			f->size + bytes == 0)) {
			bytes += b->items[j].len;
			j++;
		}
		if (f->fd < 0 || j == i) {
			if (rotate(f, res->msg, sizeof(res->msg)))
				break;
			continue;
		}
		whole = write_run(f, b->items, i, j, bytes, &wrote, res->msg, sizeof(res->msg));
		i += whole;
		res->wire_bytes += wrote;
		if (i < j)
			break;
	}
	/* The lines not written are the batch's last: counted BQ_DROP_ERROR by the exporter. */
	res->failed = b->n - i;
}

/* Writer thread: the event's JSON line, queued for the sender. */
static void file_event(struct xsink *x, const struct event *ev)
{
	struct file_sink *f = (struct file_sink *)x;
	struct out l = out_init(f->line, SINK_LINE_MAX);
	size_t n;

	json_event_line(&f->out, ev, &l);
	n = out_end(&l);
	if (!n)
		return;
	/* Never cut, by SINK_LINE_MAX; if it were, it still ends its line. */
	if (n >= l.size) {
		n = l.size - 1;
		l.buf[n - 1] = '\n';
	}
	exporter_push(&f->exp, l.buf, n);
}

static void file_stop(struct xsink *x, uint64_t deadline_ns)
{
	exporter_stop(&((struct file_sink *)x)->exp, deadline_ns);
}

static void file_free(struct xsink *x)
{
	struct file_sink *f = (struct file_sink *)x;

	if (!f)
		return;
	exporter_free(&f->exp);
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f->line);
	free(f->out.name);
	free(f);
}

static const struct xsink_ops file_xsink_ops = {
	.event = file_event,
	.stop = file_stop,
	.free = file_free,
};

static const struct export_ops file_export_ops = {
	.send = file_send,
};

/* Checks PATH's directory and opens PATH; NULL-free errors into err. */
static int open_file(struct file_sink *f, char *err, size_t errlen)
{
	char copy[PATH_MAX];
	const char *dir;
	struct stat st;
	size_t off = errfmt(err, errlen, 0, "file sink '%s': ", f->c.path);

	/* dirname() writes into its argument: a copy of the path. */
	snprintf(copy, sizeof(copy), "%s", f->c.path);
	dir = dirname(copy);
	if (stat(dir, &st)) {
		errfmt(err, errlen, off, "directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errfmt(err, errlen, off, "%s is not a directory", dir);
		return -1;
	}
	f->fd = open_path(f->c.path);
	if (f->fd < 0) {
		errfmt(err, errlen, off, "%s", strerror(errno));
		return -1;
	}
	if (fstat(f->fd, &st)) {
		errfmt(err, errlen, off, "%s", strerror(errno));
		return -1;
	}
	f->size = (uint64_t)st.st_size;
	/* A device or a pipe is never renamed away: /dev/null stays /dev/null. */
	f->rotates = f->c.max_bytes && S_ISREG(st.st_mode);
	/* Rotation renames in the directory: a file writable in a directory that is not fails later. */
	if (f->rotates && access(dir, W_OK | X_OK)) {
		errfmt(err, errlen, off, "directory %s: %s (rotation renames files in it)", dir,
		       strerror(errno));
		return -1;
	}
	return 0;
}

struct xsink *file_sink_open(const struct file_sink_config *c, const struct xsink_env *env,
			     char *err, size_t errlen)
{
	struct file_sink *f = calloc(1, sizeof(*f));
	struct exporter_opts eo = { 0 };
	char *name = NULL;
	int ret;

	if (!f) {
		fail(err, errlen, "file sink '%s': %s", c->path, strerror(ENOMEM));
		return NULL;
	}
	f->fd = -1;
	f->c = *c;
	if (!f->c.path[0]) {
		fail(err, errlen, "file sink: no path");
		goto err_free;
	}
	if (open_file(f, err, errlen))
		goto err_free;
	f->line = malloc(SINK_LINE_MAX);
	if (!f->line || asprintf(&name, "file %s", f->c.path) < 0) {
		name = NULL;
		fail(err, errlen, "file sink '%s': %s", c->path, strerror(ENOMEM));
		goto err_free;
	}
	f->out = (struct output){
		.sess = env->sess,
		.start_ns = env->start_ns,
		.fd = -1,
		.name = name,
		.json = true,
		.events = true,
	};
	eo = (struct exporter_opts){
		.name = name,
		.ops = &file_export_ops,
		.ctx = f,
		.queue_items = c->flow.queue_items,
		.queue_bytes = c->flow.queue_bytes,
		.batch = c->flow.batch,
		.retry = c->flow.retry,
	};
	if (!eo.batch.window_ns)
		eo.batch.window_ns = FILE_WINDOW_NS;
	ret = exporter_init(&f->exp, &eo);
	if (!ret) {
		ret = exporter_start(&f->exp);
		if (ret)
			exporter_free(&f->exp);
	}
	if (ret) {
		fail(err, errlen, "file sink '%s': %s", c->path, strerror(-ret));
		goto err_free;
	}
	f->x.ops = &file_xsink_ops;
	f->x.exp[0] = &f->exp;
	f->x.nexp = 1;
	return &f->x;

err_free:
	if (f->fd >= 0)
		close(f->fd);
	free(f->line);
	free(name);
	free(f);
	return NULL;
}
