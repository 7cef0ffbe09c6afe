// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* An exporting sink's sender thread: batches out, retried, split or dropped, every item counted. */
/*
 * The writer thread only ever takes the lock for a bq_push; the sender holds
 * it while it decides and drops it around the sink's send and tick, so a
 * slow or dead receiver never holds up the writer. The batch being sent (in
 * flight) lives on the sender alone until its every item is delivered or
 * dropped; a 413 splits it into halves sent one after the other, kept as a
 * stack of part lengths over the batch's items.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull
/* One error line per sink at most this often: a dead receiver does not flood stderr. */
#define ERROR_LINE_EVERY_NS (10 * NS_PER_S)
/* A test's clock (opts.now_ns) may jump at any time: waits are re-checked this often. */
#define HOOKED_CLOCK_POLL_NS NS_PER_MS
/* Each 413 adds one part to the stack: 64 halvings split any batch down to single items. */
#define PARTS_MAX 65

/* The sender's own state: what is in flight and when it is tried. */
struct sender {
	struct exporter *e;
	struct bq_item *items;	 /* batch.max_items slots: the batch in flight */
	size_t n;		 /* items of the batch taken, 0 when none is in flight */
	size_t off;		 /* the first item not yet delivered or dropped */
	size_t parts[PARTS_MAX]; /* lengths of the parts still to send, the next on top */
	unsigned nparts;
	unsigned attempt;  /* failed attempts of the part on top */
	uint64_t first_ns; /* when the part on top was first tried (max_elapsed_ns) */
	uint64_t next_ns;  /* when it is tried next */
	uint64_t next_tick_ns;
	uint64_t last_err_ns; /* when the last error line was printed */
	bool err_printed;     /* whether one was */
	bool final_ticked;
	uint64_t rng;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(const struct exporter *e)
{
	return e->o.now_ns ? e->o.now_ns() : clock_ns(CLOCK_MONOTONIC);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* splitmix64: the jitter needs spread, not secrecy. */
static uint64_t next_rnd(struct sender *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void exporter_opts_defaults(struct exporter_opts *o)
{
	if (!o->queue_items)
		o->queue_items = 65536;
	if (!o->queue_bytes)
		o->queue_bytes = 64u << 20;
	if (!o->batch.max_items)
		o->batch.max_items = 512;
	if (!o->batch.max_bytes)
		o->batch.max_bytes = 1u << 20;
	if (!o->batch.window_ns)
		o->batch.window_ns = NS_PER_S;
	/* Field by field, as sink_flow's zeros mean: "never expire" is UINT64_MAX. */
	if (!o->retry.initial_ns)
		o->retry.initial_ns = retry_policy_default.initial_ns;
	if (!o->retry.max_ns)
		o->retry.max_ns = retry_policy_default.max_ns;
	if (!o->retry.max_elapsed_ns)
		o->retry.max_elapsed_ns = retry_policy_default.max_elapsed_ns;
}

int exporter_init(struct exporter *e, const struct exporter_opts *o)
{
	pthread_condattr_t ca;
	int err;

	memset(e, 0, sizeof(*e));
	if (!o->ops || !o->ops->send)
		return -EINVAL;
	e->o = *o;
	exporter_opts_defaults(&e->o);
	e->name = strdup(o->name ? o->name : "sink");
	if (!e->name)
		return -ENOMEM;
	e->o.name = e->name;
	err = bq_init(&e->q, e->o.queue_items, e->o.queue_bytes);
	if (err)
		goto err_free_name;
	err = -pthread_mutex_init(&e->mu, NULL);
	if (err)
		goto err_free_queue;
	/* Waits on the monotonic clock: a wall-clock step neither stalls nor hurries a retry. */
	err = -pthread_condattr_init(&ca);
	if (err)
		goto err_destroy_mutex;
	err = -pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!err)
		err = -pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (err)
		goto err_destroy_mutex;
	return 0;

err_destroy_mutex:
	pthread_mutex_destroy(&e->mu);
err_free_queue:
	bq_free(&e->q);
err_free_name:
	free(e->name);
	e->name = NULL;
	return err;
}

/* Counts n items dropped for cause, in the totals and in the gap the next batch reports. */
static void drop(struct exporter *e, enum bq_drop cause, uint64_t n)
{
	bq_count_drop(&e->q, cause, n);
	e->gap[cause] += n;
}

void exporter_push(struct exporter *e, const void *data, size_t len)
{
	uint64_t full;

	pthread_mutex_lock(&e->mu);
	/* The sender is gone: nothing would ever send it. */
	if (e->stopping && !e->running) {
		e->q.pushed++;
		drop(e, BQ_DROP_SHUTDOWN, 1);
		pthread_mutex_unlock(&e->mu);
		return;
	}
	full = e->q.dropped[BQ_DROP_FULL];
	bq_push(&e->q, data, len);
	e->gap[BQ_DROP_FULL] += e->q.dropped[BQ_DROP_FULL] - full;
	/* The sender's wait only changes when the queue stops being empty or a batch fills. */
	if (e->q.n == 1 || e->q.n >= e->o.batch.max_items || e->q.bytes >= e->o.batch.max_bytes)
		pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

/* Waits on cv for at most wait_ns (UINT64_MAX: until signalled). mu held. */
static void sleep_locked(struct exporter *e, uint64_t wait_ns)
{
	struct timespec ts;
	uint64_t at;

	if (e->o.now_ns)
		wait_ns = min_u64(wait_ns, HOOKED_CLOCK_POLL_NS);
	if (wait_ns == UINT64_MAX) {
		pthread_cond_wait(&e->cv, &e->mu);
		return;
	}
	at = clock_ns(CLOCK_MONOTONIC);
	at = at + wait_ns < at ? UINT64_MAX / 2 : at + wait_ns;
	ts.tv_sec = (time_t)(at / NS_PER_S);
	ts.tv_nsec = (long)(at % NS_PER_S);
	pthread_cond_timedwait(&e->cv, &e->mu, &ts);
}

/* The in-flight counts in st.queued (exporter_stats adds the queue's). mu held. */
static void set_in_flight(struct sender *s)
{
	uint64_t bytes = 0;

	for (size_t i = s->off; i < s->n; i++)
		bytes += s->items[i].len;
	s->e->st.queued = s->n - s->off;
	s->e->st.queued_bytes = bytes;
}

/* Takes the next batch off the queue, to be sent at t. mu held. */
static void take_batch(struct sender *s, uint64_t t)
{
	struct exporter *e = s->e;

	s->n = bq_take(&e->q, s->items, e->o.batch.max_items, e->o.batch.max_bytes);
	s->off = 0;
	s->parts[0] = s->n;
	s->nparts = 1;
	s->attempt = 0;
	s->first_ns = s->next_ns = t;
	set_in_flight(s);
}

/* The part on top is delivered or dropped: its items freed, the next part due at once. */
static void part_done(struct sender *s, uint64_t t)
{
	size_t len = s->parts[--s->nparts];

	for (size_t i = s->off; i < s->off + len; i++)
		free(s->items[i].data);
	s->off += len;
	s->attempt = 0;
	s->first_ns = s->next_ns = t;
	if (!s->nparts) {
		s->n = 0;
		s->off = 0;
		s->e->last_send_ns = t;
	}
	set_in_flight(s);
}

/* Starts the one error line of an outcome, when the rate limit lets one out. */
static bool error_line(struct sender *s, uint64_t t, const struct export_result *res, char *line,
		       size_t size)
{
	char what[48];
	const char *msg = res->msg;

	if (s->err_printed && t - s->last_err_ns < ERROR_LINE_EVERY_NS)
		return false;
	s->err_printed = true;
	s->last_err_ns = t;
	if (!msg[0]) {
		if (res->status)
			snprintf(what, sizeof(what), "HTTP %ld", res->status);
		else
			snprintf(what, sizeof(what), "%s", "no answer");
		msg = what;
	}
	snprintf(line, size, "agent-trace: %s: export failed: %.*s", s->e->name,
		 (int)strnlen(msg, sizeof(res->msg)), msg);
	return true;
}

/* Appends "(why)\n" to a line error_line started. */
__attribute__((format(printf, 3, 4))) static void line_end(char *line, size_t size, const char *fmt,
							   ...)
{
	size_t len = strlen(line);
	va_list ap;

	if (len + 4 >= size)
		return;
	line[len++] = ' ';
	line[len++] = '(';
	va_start(ap, fmt);
	vsnprintf(line + len, size - len - 2, fmt, ap);
	va_end(ap);
	strcat(line, ")\n");
}

/* A send attempt that failed at t: counted, and the failing spell /healthz measures. mu held. */
static void failed_at(struct exporter *e, uint64_t t)
{
	e->st.failed++;
	if (!e->st.failing_since_ns)
		e->st.failing_since_ns = t;
	e->st.last_fail_ns = t;
}

static const char *items(uint64_t n)
{
	return n == 1 ? "item" : "items";
}

/*
 * Acts on what the send of the part on top (len items, b) did at t: counts,
 * frees, schedules; fills line with the error line to print, if any. mu held.
 */
static void outcome(struct sender *s, const struct export_batch *b, const struct export_result *res,
		    const uint64_t *sent_gap, uint64_t t, char *line, size_t size)
{
	struct exporter *e = s->e;
	uint64_t n = b->n, rej, fail, ok, delay;

	switch (res->cls) {
	case RETRY_OK:
		rej = min_u64(res->rejected, n);
		fail = min_u64(res->failed, n - rej);
		ok = n - rej - fail;
		e->st.sent += ok;
		if (ok) {
			e->st.batches++;
			e->st.bytes += res->wire_bytes ? res->wire_bytes : b->bytes;
			e->st.last_ok_unix_ns = clock_ns(CLOCK_REALTIME);
			e->st.failing_since_ns = 0;
			/* The backend has been told of these: what dropped meanwhile stays. */
			for (int i = 0; i < BQ_DROP_N; i++)
				e->gap[i] -= sent_gap[i];
		}
		if (rej)
			drop(e, BQ_DROP_PARTIAL, rej);
		if (fail) {
			drop(e, BQ_DROP_ERROR, fail);
			failed_at(e, t);
			if (error_line(s, t, res, line, size))
				line_end(line, size, "%llu %s dropped", (unsigned long long)fail,
					 items(fail));
		}
		part_done(s, t);
		break;
	case RETRY_AGAIN:
		failed_at(e, t);
		s->attempt++;
		delay = retry_delay_ns(&e->o.retry, s->attempt, res->retry_after_ns, next_rnd(s));
		if (t - s->first_ns + delay > e->o.retry.max_elapsed_ns) {
			drop(e, BQ_DROP_EXPIRED, n);
			if (error_line(s, t, res, line, size))
				line_end(line, size, "%llu %s dropped: %s", (unsigned long long)n,
					 items(n), bq_drop_text[BQ_DROP_EXPIRED]);
			part_done(s, t);
			break;
		}
		s->next_ns = t + delay;
		if (error_line(s, t, res, line, size))
			line_end(line, size, "retrying in %.1f s", (double)delay / NS_PER_S);
		break;
	case RETRY_TOO_LARGE:
		failed_at(e, t);
		if (n == 1) {
			drop(e, BQ_DROP_TOO_LARGE, 1);
			if (error_line(s, t, res, line, size))
				line_end(line, size, "1 item dropped: %s",
					 bq_drop_text[BQ_DROP_TOO_LARGE]);
			part_done(s, t);
			break;
		}
		/* Halves, the first on top: sent in order, each split again if need be. */
		s->parts[s->nparts - 1] = n - n / 2;
		s->parts[s->nparts++] = n / 2;
		s->attempt = 0;
		s->first_ns = s->next_ns = t;
		if (error_line(s, t, res, line, size))
			line_end(line, size, "a batch of %llu items split in two",
				 (unsigned long long)n);
		break;
	case RETRY_REJECTED:
	default:
		failed_at(e, t);
		drop(e, BQ_DROP_REJECTED, n);
		if (error_line(s, t, res, line, size))
			line_end(line, size, "%llu %s dropped", (unsigned long long)n, items(n));
		part_done(s, t);
		break;
	}
}

/* Sends the part on top: mu held on entry and on return, not during the send. */
static void send_part(struct sender *s)
{
	struct exporter *e = s->e;
	uint64_t gap[BQ_DROP_N];
	struct export_result res;
	struct export_batch b = {
		.items = s->items + s->off,
		.n = s->parts[s->nparts - 1],
		.gap = gap,
	};
	char line[320] = "";
	uint64_t t;

	for (size_t i = 0; i < b.n; i++)
		b.bytes += b.items[i].len;
	memcpy(gap, e->gap, sizeof(gap));
	if (s->attempt)
		e->st.retries++;
	pthread_mutex_unlock(&e->mu);

	memset(&res, 0, sizeof(res));
	e->o.ops->send(e->o.ctx, &b, &res);
	t = now_ns(e);

	pthread_mutex_lock(&e->mu);
	outcome(s, &b, &res, gap, t, line, sizeof(line));
	pthread_mutex_unlock(&e->mu);
	/* Printed without the lock: a blocked stderr must not hold up the writer. */
	if (line[0])
		fputs(line, stderr);
	pthread_mutex_lock(&e->mu);
}

/* Runs the sink's tick without the lock; mu held on entry and on return. */
static void run_tick(struct exporter *e, bool final)
{
	pthread_mutex_unlock(&e->mu);
	e->o.ops->tick(e->o.ctx, final);
	pthread_mutex_lock(&e->mu);
}

/* At the end: what is in flight and queued is dropped, counted as unsent at shutdown. mu held. */
static void drop_rest(struct sender *s)
{
	struct exporter *e = s->e;
	size_t k;

	for (size_t i = s->off; i < s->n; i++)
		free(s->items[i].data);
	drop(e, BQ_DROP_SHUTDOWN, s->n - s->off);
	s->n = s->off = 0;
	s->nparts = 0;
	while ((k = bq_take(&e->q, s->items, e->o.batch.max_items, SIZE_MAX))) {
		for (size_t i = 0; i < k; i++)
			free(s->items[i].data);
		drop(e, BQ_DROP_SHUTDOWN, k);
	}
	set_in_flight(s);
}

/*
 * One step of the sender: a tick, a send, or how long to wait before the next
 * step (0: another step at once). Returns false when the sender is done. mu held.
 */
static bool step(struct sender *s, uint64_t *wait)
{
	struct exporter *e = s->e;
	const struct export_ops *ops = e->o.ops;
	uint64_t t = now_ns(e), w;

	*wait = UINT64_MAX;
	if (e->stopping && !s->final_ticked) {
		/* The last metrics before the last drain, so that they are sent too. */
		s->final_ticked = true;
		if (ops->tick)
			run_tick(e, true);
		*wait = 0;
		return true;
	}
	if (e->stopping && t >= e->stop_deadline_ns)
		return false;
	if (!e->stopping && ops->tick && e->o.tick_ns) {
		if (t >= s->next_tick_ns) {
			run_tick(e, false);
			s->next_tick_ns += e->o.tick_ns;
			/* A tick that ran long skips the ticks it missed rather than bunching them. */
			t = now_ns(e);
			if (s->next_tick_ns <= t)
				s->next_tick_ns = t + e->o.tick_ns;
			*wait = 0;
			return true;
		}
		*wait = s->next_tick_ns - t;
	}
	if (!s->n) {
		/* Stopping: no window, everything goes as fast as the receiver takes it. */
		if (e->stopping)
			w = e->q.n ? 0 : UINT64_MAX;
		else
			w = batch_wait_ns(&e->o.batch, &e->q, e->last_send_ns, t);
		if (!w)
			take_batch(s, t);
		else
			*wait = min_u64(*wait, w);
	}
	if (s->n) {
		/* A retry that could only come after the deadline never will. */
		if (e->stopping && s->next_ns > e->stop_deadline_ns)
			return false;
		if (t >= s->next_ns) {
			send_part(s);
			*wait = 0;
			return true;
		}
		*wait = min_u64(*wait, s->next_ns - t);
	}
	if (e->stopping) {
		if (!s->n && !e->q.n)
			return false;
		*wait = min_u64(*wait, e->stop_deadline_ns - t);
	}
	return true;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct exporter *e = s->e;
	uint64_t wait;

	pthread_mutex_lock(&e->mu);
	s->next_tick_ns = now_ns(e) + e->o.tick_ns;
	while (step(s, &wait)) {
		if (wait)
			sleep_locked(e, wait);
	}
	drop_rest(s);
	/* From now on a push is counted unsent (exporter_push). */
	e->running = false;
	pthread_mutex_unlock(&e->mu);
	free(s->items);
	free(s);
	return NULL;
}

int exporter_start(struct exporter *e)
{
	struct sender *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->e = e;
	s->items = calloc(e->o.batch.max_items, sizeof(*s->items));
	if (!s->items) {
		free(s);
		return -ENOMEM;
	}
	s->rng = clock_ns(CLOCK_REALTIME) ^ (uint64_t)(uintptr_t)s;
	pthread_mutex_lock(&e->mu);
	e->running = true;
	pthread_mutex_unlock(&e->mu);
	err = -pthread_create(&e->thread, NULL, sender_main, s);
	if (err) {
		pthread_mutex_lock(&e->mu);
		e->running = false;
		pthread_mutex_unlock(&e->mu);
		free(s->items);
		free(s);
	}
	return err;
}

void exporter_stop(struct exporter *e, uint64_t deadline_ns)
{
	uint64_t t = now_ns(e);
	bool joining;

	pthread_mutex_lock(&e->mu);
	if (e->stopping) {
		pthread_mutex_unlock(&e->mu);
		return;
	}
	e->stopping = true;
	e->stop_deadline_ns = t + deadline_ns < t ? UINT64_MAX : t + deadline_ns;
	joining = e->running;
	pthread_cond_broadcast(&e->cv);
	if (!joining) {
		/* Never started: what was pushed is unsent. */
		struct bq_item it;

		while (bq_take(&e->q, &it, 1, SIZE_MAX)) {
			free(it.data);
			drop(e, BQ_DROP_SHUTDOWN, 1);
		}
	}
	pthread_mutex_unlock(&e->mu);
	if (joining)
		pthread_join(e->thread, NULL);
}

void exporter_free(struct exporter *e)
{
	if (!e->name)
		return;
	exporter_stop(e, 0);
	bq_free(&e->q);
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e->name);
	e->name = NULL;
}

void exporter_stats(struct exporter *e, struct export_stats *out)
{
	pthread_mutex_lock(&e->mu);
	*out = e->st;
	out->pushed = e->q.pushed;
	memcpy(out->dropped, e->q.dropped, sizeof(out->dropped));
	out->queued += e->q.n;
	out->queued_bytes += e->q.bytes;
	pthread_mutex_unlock(&e->mu);
}
