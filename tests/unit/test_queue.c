// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The reader-to-writer queue: a sleeping writer is woken by the kick and by the close. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"

struct sink {
	atomic_ulong n;	    /* records received */
	unsigned long bad;  /* records out of order */
	atomic_ulong flush; /* flushes */
};

static void on_record(void *ctx, const void *data, size_t size)
{
	struct sink *k = ctx;
	unsigned long v;

	cr_assert_eq(size, sizeof(v));
	memcpy(&v, data, sizeof(v));
	k->bad += v != atomic_load(&k->n);
	atomic_fetch_add(&k->n, 1);
}

static void on_flush(void *ctx)
{
	atomic_fetch_add(&((struct sink *)ctx)->flush, 1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Waits up to 2 s for the writer to have received n records. */
static bool received(struct sink *k, unsigned long n)
{
	uint64_t end = now_ms() + 2000;

	while (atomic_load(&k->n) < n && now_ms() < end)
		usleep(1000);
	return atomic_load(&k->n) == n;
}

/* A writer asleep for long (no timeout) takes a record as soon as it is kicked. */
Test(queue, a_kick_wakes_the_sleeping_writer)
{
	struct sink k = {};
	struct queue q;
	unsigned long v = 0;

	cr_assert_eq(queue_init(&q, 8, on_record, on_flush, &k), 0);
	cr_assert_eq(queue_start(&q), 0);
	usleep(100 * 1000);
	cr_assert(atomic_load(&q.writer_sleeps), "idle, the writer sleeps");
	queue_push(&q, &v, sizeof(v));
	queue_kick(&q);
	cr_assert(received(&k, 1));
	queue_free(&q);
	cr_assert_eq(atomic_load(&k.flush), 1, "one batch, one flush");
	cr_assert_eq(k.bad, 0);
}

/* The close ends a sleeping writer's wait at once, and nothing queued is lost. */
Test(queue, the_close_wakes_the_sleeping_writer)
{
	struct sink k = {};
	struct queue q;
	uint64_t t0;

	cr_assert_eq(queue_init(&q, 8, on_record, on_flush, &k), 0);
	cr_assert_eq(queue_start(&q), 0);
	usleep(100 * 1000);
	for (unsigned long v = 0; v < 3; v++)
		queue_push(&q, &v, sizeof(v));
	t0 = now_ms();
	queue_close(&q);
	cr_assert_lt(now_ms() - t0, 100, "closed in %lu ms", (unsigned long)(now_ms() - t0));
	cr_assert_eq(atomic_load(&k.n), 3);
	queue_free(&q);
}

/*
 * Batches of every size, each kicked once, through a small queue (the reader
 * waits for space): every record arrives, in order, none dropped. A lost
 * wakeup would leave the writer asleep for good and the reader waiting.
 */
Test(queue, every_batch_arrives_in_order, .timeout = 20)
{
	struct sink k = {};
	struct queue q;
	unsigned long v = 0;

	cr_assert_eq(queue_init(&q, 16, on_record, on_flush, &k), 0);
	cr_assert_eq(queue_start(&q), 0);
	for (unsigned batch = 0; batch < 20000; batch++) {
		for (unsigned i = 0; i < batch % 37; i++, v++)
			queue_push(&q, &v, sizeof(v));
		queue_kick(&q);
	}
	cr_assert(received(&k, v), "%lu of %lu", atomic_load(&k.n), v);
	cr_assert_eq(atomic_load(&q.dropped), 0);
	queue_free(&q);
	cr_assert_eq(k.bad, 0);
}
