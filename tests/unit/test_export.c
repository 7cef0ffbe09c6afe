// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/pipeline/export.c: the sender against a scripted receiver: retries, splits, drops, stop. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export.h"

#define MS 1000000ull
#define S 1000000000ull
#define CALLS_MAX 64

/* The receiver: answers by a script, records what it was sent. */
struct fake {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long script[16]; /* the status of call i; after the script, 200 */
	unsigned nscript;
	long always;		 /* when set, every call's status */
	size_t too_large_over;	 /* 413 for batches of more items than this (0: never) */
	uint64_t retry_after_ns; /* given with every failure */
	uint64_t rejected;	 /* partial_success on a 200 */
	uint64_t failed;	 /* items not written on a 200 */
	const char *msg;
	bool block; /* the send waits until this is cleared */
	bool in_send;
	bool push_on_final; /* the final tick pushes one item, as a last metrics export does */
	struct exporter *e;
	uint64_t (*clock)(void);
	/* What happened. */
	unsigned calls, ticks, final_ticks;
	size_t n[CALLS_MAX];
	char first[CALLS_MAX];
	uint64_t at[CALLS_MAX];
	uint64_t gap[CALLS_MAX][BQ_DROP_N];
};

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

static _Atomic uint64_t fake_now = 1000 * S;

static uint64_t fake_clock(void)
{
	return atomic_load(&fake_now);
}

static void fake_send(void *ctx, const struct export_batch *b, struct export_result *res)
{
	struct fake *f = ctx;
	unsigned i;
	long status;

	pthread_mutex_lock(&f->mu);
	/* No assertion off the test's thread: the calls past the record are only counted. */
	i = f->calls < CALLS_MAX ? f->calls : CALLS_MAX - 1;
	f->calls++;
	f->n[i] = b->n;
	f->first[i] = b->items[0].data[0];
	f->at[i] = f->clock();
	memcpy(f->gap[i], b->gap, sizeof(f->gap[i]));
	f->in_send = true;
	pthread_cond_broadcast(&f->cv);
	while (f->block)
		pthread_cond_wait(&f->cv, &f->mu);
	f->in_send = false;
	status = f->always ? f->always : i < f->nscript ? f->script[i] : 200;
	if (f->too_large_over && b->n > f->too_large_over)
		status = 413;
	res->status = status;
	res->cls = retry_classify(status);
	if (res->cls == RETRY_OK) {
		res->rejected = f->rejected;
		res->failed = f->failed;
	} else {
		res->retry_after_ns = f->retry_after_ns;
		if (f->msg)
			snprintf(res->msg, sizeof(res->msg), "%s", f->msg);
	}
	pthread_mutex_unlock(&f->mu);
}

static void fake_tick(void *ctx, bool final)
{
	struct fake *f = ctx;

	pthread_mutex_lock(&f->mu);
	if (final)
		f->final_ticks++;
	else
		f->ticks++;
	pthread_mutex_unlock(&f->mu);
	if (final && f->push_on_final)
		exporter_push(f->e, "metrics", 7);
}

static const struct export_ops fake_ops = { .send = fake_send, .tick = fake_tick };

static void fake_init(struct fake *f, uint64_t (*clock)(void))
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->clock = clock ? clock : mono;
}

static unsigned calls(struct fake *f)
{
	unsigned n;

	pthread_mutex_lock(&f->mu);
	n = f->calls;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static void setup(struct exporter *e, struct fake *f, struct exporter_opts o)
{
	o.name = "test";
	o.ops = &fake_ops;
	o.ctx = f;
	f->e = e;
	cr_assert_eq(exporter_init(e, &o), 0);
}

static void push(struct exporter *e, const char *s)
{
	exporter_push(e, s, strlen(s));
}

static uint64_t sum_dropped(const struct export_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < BQ_DROP_N; i++)
		n += st->dropped[i];
	return n;
}

/* Waits up to 2 s of real time for the sender to have delivered n items. */
static void wait_sent(struct exporter *e, uint64_t n)
{
	struct export_stats st;

	for (int i = 0; i < 2000; i++) {
		exporter_stats(e, &st);
		if (st.sent >= n)
			return;
		usleep(1000);
	}
	cr_assert_fail("sent %llu of %llu", (unsigned long long)st.sent, (unsigned long long)n);
}

/* Waits up to 2 s for the receiver to have had n calls. */
static void wait_calls(struct fake *f, unsigned n)
{
	for (int i = 0; i < 2000 && calls(f) < n; i++)
		usleep(1000);
	cr_assert_geq(calls(f), n);
}

static void stop_and_check(struct exporter *e, uint64_t deadline_ns, struct export_stats *st)
{
	exporter_stop(e, deadline_ns);
	exporter_stats(e, st);
	cr_assert_eq(st->pushed, st->sent + sum_dropped(st), "pushed %llu, sent %llu, dropped %llu",
		     (unsigned long long)st->pushed, (unsigned long long)st->sent,
		     (unsigned long long)sum_dropped(st));
	cr_assert_eq(st->queued, 0);
	cr_assert_eq(st->queued_bytes, 0);
}

static void redirect_err(void)
{
	cr_redirect_stderr();
}

Test(export, defaults_fill_unset_fields)
{
	struct exporter_opts o = { .batch.window_ns = 5 * MS, .retry.max_ns = 2 * S };

	exporter_opts_defaults(&o);
	cr_assert_eq(o.queue_items, 65536);
	cr_assert_eq(o.queue_bytes, 64u << 20);
	cr_assert_eq(o.batch.max_items, 512);
	cr_assert_eq(o.batch.max_bytes, 1u << 20);
	cr_assert_eq(o.batch.window_ns, 5 * MS, "kept");
	cr_assert_eq(o.retry.initial_ns, 500 * MS);
	cr_assert_eq(o.retry.max_ns, 2 * S, "kept");
	cr_assert_eq(o.retry.max_elapsed_ns, 300 * S);
}

/* 503 three times, then accepted: three retries, spaced by the doubling backoff. */
Test(export, unavailable_retried_with_backoff_until_accepted, .init = redirect_err)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	f.script[0] = f.script[1] = f.script[2] = 503;
	f.nscript = 3;
	setup(&e, &f,
	      (struct exporter_opts){
		      .retry = { .initial_ns = 10 * MS, .max_ns = S, .max_elapsed_ns = 10 * S } });
	cr_assert_eq(exporter_start(&e), 0);
	push(&e, "a");
	wait_sent(&e, 1);
	stop_and_check(&e, S, &st);
	cr_assert_eq(f.calls, 4);
	cr_assert_eq(st.sent, 1);
	cr_assert_eq(st.batches, 1);
	cr_assert_eq(st.failed, 3);
	cr_assert_eq(st.retries, 3);
	cr_assert_eq(sum_dropped(&st), 0);
	cr_assert_eq(st.bytes, 1);
	cr_assert_gt(st.last_ok_unix_ns, 0);
	/* Jittered in [d/2, d]: 10, 20, 40 ms; the upper bounds loose for a busy machine. */
	for (unsigned i = 1; i < 4; i++) {
		uint64_t d = (10 * MS) << (i - 1), gap = f.at[i] - f.at[i - 1];

		cr_assert_geq(gap, d / 2, "retry %u after %llu ns", i, (unsigned long long)gap);
		cr_assert_lt(gap, d + 300 * MS, "retry %u after %llu ns", i,
			     (unsigned long long)gap);
	}
	exporter_free(&e);
	fflush(stderr);
	cr_assert_stderr_eq_str("agent-trace: test: export failed: HTTP 503 (retrying in 0.0 s)\n",
				"one line for the failures of 10 s");
}

/* A fake clock: Retry-After spaces the retries exactly, and one error line per 10 s. */
Test(export, retry_after_honoured_on_a_fake_clock, .init = redirect_err)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, fake_clock);
	f.script[0] = f.script[1] = 429;
	f.nscript = 2;
	f.retry_after_ns = 2 * S;
	f.msg = "slow down";
	setup(&e, &f, (struct exporter_opts){ .now_ns = fake_clock });
	cr_assert_eq(exporter_start(&e), 0);
	push(&e, "a");
	wait_calls(&f, 1);
	/* 100 ms of fake time each real millisecond, until delivered. */
	for (int i = 0; i < 2000; i++) {
		exporter_stats(&e, &st);
		if (st.sent)
			break;
		atomic_fetch_add(&fake_now, 100 * MS);
		usleep(1000);
	}
	stop_and_check(&e, S, &st);
	cr_assert_eq(st.sent, 1);
	cr_assert_eq(f.calls, 3);
	cr_assert_eq(st.retries, 2);
	for (unsigned i = 1; i < 3; i++) {
		cr_assert_geq(f.at[i] - f.at[i - 1], 2 * S, "retry %u", i);
		cr_assert_lt(f.at[i] - f.at[i - 1], 3 * S, "retry %u", i);
	}
	exporter_free(&e);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"agent-trace: test: export failed: slow down (retrying in 2.0 s)\n");
}

/* 400: dropped, counted, never retried; the next batch carries the gap, and only that one. */
Test(export, rejected_dropped_counted_and_reported_in_the_gap, .init = redirect_err)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	f.script[0] = 400;
	f.nscript = 1;
	setup(&e, &f, (struct exporter_opts){ .batch.window_ns = MS });
	push(&e, "a");
	push(&e, "b");
	push(&e, "c");
	cr_assert_eq(exporter_start(&e), 0);
	wait_calls(&f, 1);
	push(&e, "d");
	wait_sent(&e, 1);
	push(&e, "e");
	wait_sent(&e, 2);
	stop_and_check(&e, S, &st);
	cr_assert_eq(f.calls, 3);
	cr_assert_eq(f.n[0], 3);
	cr_assert_eq(st.dropped[BQ_DROP_REJECTED], 3);
	cr_assert_eq(st.failed, 1);
	cr_assert_eq(st.retries, 0);
	cr_assert_eq(st.sent, 2);
	cr_assert_eq(f.gap[0][BQ_DROP_REJECTED], 0);
	cr_assert_eq(f.gap[1][BQ_DROP_REJECTED], 3, "the next batch tells of the 3");
	cr_assert_eq(f.gap[2][BQ_DROP_REJECTED], 0, "told once");
	exporter_free(&e);
	fflush(stderr);
	cr_assert_stderr_eq_str("agent-trace: test: export failed: HTTP 400 (3 items dropped)\n");
}

/* 413 for every batch: halved down to single items, each then dropped, counted. */
Test(export, too_large_split_until_single_items_then_dropped, .init = redirect_err)
{
	static const size_t want_n[] = { 4, 2, 1, 1, 2, 1, 1 };
	static const char want_first[] = "aaabccd";
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	f.always = 413;
	setup(&e, &f, (struct exporter_opts){ 0 });
	push(&e, "a");
	push(&e, "b");
	push(&e, "c");
	push(&e, "d");
	cr_assert_eq(exporter_start(&e), 0);
	wait_calls(&f, 7);
	stop_and_check(&e, S, &st);
	cr_assert_eq(f.calls, 7);
	for (unsigned i = 0; i < 7; i++) {
		cr_assert_eq(f.n[i], want_n[i], "call %u", i);
		cr_assert_eq(f.first[i], want_first[i], "call %u", i);
	}
	cr_assert_eq(st.dropped[BQ_DROP_TOO_LARGE], 4);
	cr_assert_eq(st.sent, 0);
	cr_assert_eq(st.failed, 7);
	exporter_free(&e);
}

/* 413 above two items: the halves go, in order, all delivered. */
Test(export, too_large_halves_delivered_in_order, .init = redirect_err)
{
	static const size_t want_n[] = { 8, 4, 2, 2, 4, 2, 2 };
	static const char want_first[] = "aaaceeg";
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	f.too_large_over = 2;
	setup(&e, &f, (struct exporter_opts){ 0 });
	for (char c = 'a'; c <= 'h'; c++)
		exporter_push(&e, &c, 1);
	cr_assert_eq(exporter_start(&e), 0);
	wait_sent(&e, 8);
	stop_and_check(&e, S, &st);
	cr_assert_eq(f.calls, 7);
	for (unsigned i = 0; i < 7; i++) {
		cr_assert_eq(f.n[i], want_n[i], "call %u", i);
		cr_assert_eq(f.first[i], want_first[i], "call %u", i);
	}
	cr_assert_eq(st.sent, 8);
	cr_assert_eq(st.batches, 4);
	cr_assert_eq(sum_dropped(&st), 0);
	exporter_free(&e);
}

/* partial_success: delivered, the rejected part counted dropped and in the next batch's gap. */
Test(export, partial_success_counted, .init = redirect_err)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	f.rejected = 3;
	setup(&e, &f, (struct exporter_opts){ .batch.window_ns = MS });
	for (int i = 0; i < 10; i++)
		push(&e, "x");
	cr_assert_eq(exporter_start(&e), 0);
	wait_calls(&f, 1);
	wait_sent(&e, 7);
	pthread_mutex_lock(&f.mu);
	f.rejected = 0;
	pthread_mutex_unlock(&f.mu);
	push(&e, "y");
	wait_sent(&e, 8);
	stop_and_check(&e, S, &st);
	cr_assert_eq(f.n[0], 10);
	cr_assert_eq(st.sent, 8);
	cr_assert_eq(st.batches, 2);
	cr_assert_eq(st.dropped[BQ_DROP_PARTIAL], 3);
	cr_assert_eq(f.gap[1][BQ_DROP_PARTIAL], 3);
	cr_assert_eq(st.failed, 0);
	exporter_free(&e);
}

/* A sink's own failed write (result.failed): the last items counted write_error. */
Test(export, failed_items_counted_write_error, .init = redirect_err)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	f.failed = 2;
	f.msg = "disk full";
	setup(&e, &f, (struct exporter_opts){ 0 });
	for (int i = 0; i < 5; i++)
		push(&e, "x");
	cr_assert_eq(exporter_start(&e), 0);
	wait_sent(&e, 3);
	stop_and_check(&e, S, &st);
	cr_assert_eq(st.sent, 3);
	cr_assert_eq(st.batches, 1);
	cr_assert_eq(st.failed, 1);
	cr_assert_eq(st.dropped[BQ_DROP_ERROR], 2);
	exporter_free(&e);
}

/* A full queue's drops reach the backend with the next batch that is delivered. */
Test(export, queue_full_drops_in_the_gap)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	setup(&e, &f, (struct exporter_opts){ .queue_items = 2, .batch.window_ns = MS });
	for (char c = 'a'; c <= 'e'; c++)
		exporter_push(&e, &c, 1);
	cr_assert_eq(exporter_start(&e), 0);
	wait_sent(&e, 2);
	push(&e, "f");
	wait_sent(&e, 3);
	stop_and_check(&e, S, &st);
	cr_assert_eq(st.dropped[BQ_DROP_FULL], 3);
	cr_assert_eq(f.n[0], 2);
	cr_assert_eq(f.first[0], 'd', "the oldest were dropped");
	cr_assert_eq(f.gap[0][BQ_DROP_FULL], 3);
	cr_assert_eq(f.gap[1][BQ_DROP_FULL], 0);
	exporter_free(&e);
}

/*
 * A receiver that never accepts: batches expire after max_elapsed_ns, and at
 * stop what is left is counted unsent; everything pushed is accounted for.
 */
Test(export, stop_with_a_receiver_that_never_accepts, .init = redirect_err)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;
	uint64_t t0;

	fake_init(&f, NULL);
	f.always = 503;
	setup(&e, &f,
	      (struct exporter_opts){
		      .batch = { .max_items = 5, .window_ns = MS },
		      .retry = { .initial_ns = 5 * MS,
				 .max_ns = 20 * MS,
				 .max_elapsed_ns = 50 * MS },
	      });
	for (int i = 0; i < 20; i++)
		push(&e, "x");
	cr_assert_eq(exporter_start(&e), 0);
	usleep(150 * 1000);
	for (int i = 0; i < 20; i++)
		push(&e, "y");
	t0 = mono();
	stop_and_check(&e, 100 * MS, &st);
	cr_assert_lt(mono() - t0, 400 * MS, "the deadline bounds the stop");
	cr_assert_eq(st.pushed, 40);
	cr_assert_eq(st.sent, 0);
	cr_assert_gt(st.dropped[BQ_DROP_EXPIRED], 0);
	cr_assert_gt(st.dropped[BQ_DROP_SHUTDOWN], 0);
	cr_assert_eq(st.dropped[BQ_DROP_EXPIRED] + st.dropped[BQ_DROP_SHUTDOWN], 40);
	cr_assert_eq(st.failed, f.calls);
	exporter_free(&e);
}

/* A retry wait far beyond the deadline: stop does not wait it out. */
Test(export, stop_interrupts_a_long_retry_wait, .init = redirect_err)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;
	uint64_t t0;

	fake_init(&f, NULL);
	f.always = 503;
	f.retry_after_ns = 20 * S;
	setup(&e, &f, (struct exporter_opts){ .retry.max_ns = 30 * S });
	cr_assert_eq(exporter_start(&e), 0);
	push(&e, "x");
	wait_calls(&f, 1);
	usleep(10 * 1000);
	t0 = mono();
	stop_and_check(&e, 2 * S, &st);
	cr_assert_lt(mono() - t0, 200 * MS, "a retry after the deadline is not waited for");
	cr_assert_eq(st.dropped[BQ_DROP_SHUTDOWN], 1);
	cr_assert_eq(f.calls, 1);
	exporter_free(&e);
}

/* Stop sends what gathers in the window at once, after the final tick (whose item goes too). */
Test(export, stop_drains_at_once_after_the_final_tick)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;
	uint64_t t0;

	fake_init(&f, NULL);
	f.push_on_final = true;
	setup(&e, &f, (struct exporter_opts){ .batch.window_ns = 10 * S });
	cr_assert_eq(exporter_start(&e), 0);
	push(&e, "a");
	wait_sent(&e, 1);
	for (int i = 0; i < 5; i++)
		push(&e, "b");
	usleep(20 * 1000);
	cr_assert_eq(calls(&f), 1, "the rest gathers in the window");
	t0 = mono();
	stop_and_check(&e, 5 * S, &st);
	cr_assert_lt(mono() - t0, 500 * MS);
	cr_assert_eq(st.sent, 7);
	cr_assert_eq(f.calls, 2);
	cr_assert_eq(f.n[1], 6, "the 5 and the final tick's item");
	cr_assert_eq(f.final_ticks, 1);
	cr_assert_eq(f.ticks, 0, "no tick_ns: no periodic tick");
	exporter_free(&e);
}

Test(export, periodic_tick_on_the_sender)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	setup(&e, &f, (struct exporter_opts){ .tick_ns = 10 * MS });
	cr_assert_eq(exporter_start(&e), 0);
	usleep(65 * 1000);
	stop_and_check(&e, S, &st);
	cr_assert_geq(f.ticks, 3, "%u ticks", f.ticks);
	cr_assert_leq(f.ticks, 7, "%u ticks", f.ticks);
	cr_assert_eq(f.final_ticks, 1);
	exporter_free(&e);
}

/* While a send hangs, pushes return at once and the queue absorbs them. */
Test(export, push_never_waits_on_a_send)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;
	uint64_t t0, worst = 0;

	fake_init(&f, NULL);
	f.block = true;
	setup(&e, &f, (struct exporter_opts){ 0 });
	cr_assert_eq(exporter_start(&e), 0);
	push(&e, "a");
	pthread_mutex_lock(&f.mu);
	while (!f.in_send)
		pthread_cond_wait(&f.cv, &f.mu);
	pthread_mutex_unlock(&f.mu);
	for (int i = 0; i < 1000; i++) {
		t0 = mono();
		push(&e, "b");
		if (mono() - t0 > worst)
			worst = mono() - t0;
	}
	cr_assert_lt(worst, 50 * MS, "a push took %llu ns", (unsigned long long)worst);
	exporter_stats(&e, &st);
	cr_assert_eq(st.queued, 1001, "in flight included");
	cr_assert_eq(st.queued_bytes, 1001);
	cr_assert_eq(st.sent, 0);
	pthread_mutex_lock(&f.mu);
	f.block = false;
	pthread_cond_broadcast(&f.cv);
	pthread_mutex_unlock(&f.mu);
	stop_and_check(&e, 2 * S, &st);
	cr_assert_eq(st.sent, 1001);
	exporter_free(&e);
}

/* A fake clock: the first item at once, the next after the window, a full batch at once. */
Test(export, window_on_a_fake_clock)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, fake_clock);
	setup(&e, &f,
	      (struct exporter_opts){ .now_ns = fake_clock,
				      .batch = { .max_items = 3, .window_ns = 10 * S } });
	cr_assert_eq(exporter_start(&e), 0);
	push(&e, "a");
	wait_calls(&f, 1);
	push(&e, "b");
	usleep(30 * 1000);
	cr_assert_eq(calls(&f), 1, "gathering");
	atomic_fetch_add(&fake_now, 10 * S);
	wait_calls(&f, 2);
	cr_assert_eq(f.n[1], 1);
	cr_assert_eq(f.first[1], 'b');
	push(&e, "c");
	push(&e, "d");
	push(&e, "e");
	wait_calls(&f, 3);
	cr_assert_eq(f.n[2], 3, "max_items waiting: at once, without the clock moving");
	stop_and_check(&e, S, &st);
	cr_assert_eq(st.sent, 5);
	exporter_free(&e);
}

/* Pushed after the stop, or never started: counted unsent at shutdown, never lost. */
Test(export, pushes_without_a_sender_are_counted)
{
	struct exporter e;
	struct fake f;
	struct export_stats st;

	fake_init(&f, NULL);
	setup(&e, &f, (struct exporter_opts){ 0 });
	push(&e, "a");
	push(&e, "b");
	stop_and_check(&e, S, &st);
	cr_assert_eq(st.dropped[BQ_DROP_SHUTDOWN], 2);
	push(&e, "c");
	exporter_stats(&e, &st);
	cr_assert_eq(st.pushed, 3);
	cr_assert_eq(st.dropped[BQ_DROP_SHUTDOWN], 3);
	cr_assert_eq(st.queued, 0);
	cr_assert_eq(f.calls, 0);
	exporter_free(&e);

	fake_init(&f, NULL);
	setup(&e, &f, (struct exporter_opts){ 0 });
	cr_assert_eq(exporter_start(&e), 0);
	push(&e, "a");
	stop_and_check(&e, S, &st);
	push(&e, "b");
	exporter_stats(&e, &st);
	cr_assert_eq(st.sent, 1);
	cr_assert_eq(st.dropped[BQ_DROP_SHUTDOWN], 1);
	exporter_free(&e);
}
