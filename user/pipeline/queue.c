// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reader-to-writer queue: a bounded SPSC ring, drops counted, writer asleep when idle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"

int queue_init(struct queue *q, size_t cap, queue_record_fn on_record, queue_flush_fn on_flush,
	       void *ctx)
{
	memset(q, 0, sizeof(*q));
	q->slots = calloc(cap, sizeof(*q->slots));
	q->sizes = calloc(cap, sizeof(*q->sizes));
	if (!q->slots || !q->sizes) {
		free(q->slots);
		free(q->sizes);
		return -ENOMEM;
	}
	q->cap = cap;
	q->big_budget = QUEUE_BIG_BUDGET;
	q->on_record = on_record;
	q->on_flush = on_flush;
	q->ctx = ctx;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	pthread_cond_init(&q->space, NULL);
	return 0;
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/*
 * The queue is full: wait for the writer, as long as it takes records. Returns
 * the new tail, or the old one when the writer took nothing for QUEUE_STALL_MS.
 */
static size_t wait_space(struct queue *q, size_t head, size_t tail)
{
	struct timespec ts;

	if (!q->writer.running)
		return tail;
	pthread_mutex_lock(&q->mu);
	atomic_store(&q->reader_waits, true);
	pthread_cond_signal(&q->cv);
	for (;;) {
		size_t t = atomic_load_explicit(&q->tail, memory_order_acquire);

		if (head - t < q->cap) {
			tail = t;
			break;
		}
		deadline_in(&ts, QUEUE_STALL_MS);
		if (pthread_cond_timedwait(&q->space, &q->mu, &ts) &&
		    atomic_load_explicit(&q->tail, memory_order_acquire) == t)
			break; /* stuck: nothing taken for the whole wait */
	}
	atomic_store(&q->reader_waits, false);
	pthread_mutex_unlock(&q->mu);
	return tail;
}

/*
 * A record larger than a slot: a heap copy, its address in slot head, within
 * the budget of such bytes queued at once. 0, or -1 to drop it.
 */
static int push_big(struct queue *q, size_t head, const void *data, size_t size)
{
	void *copy;

	if (size >= QUEUE_SIZE_BIG ||
	    atomic_load_explicit(&q->big_bytes, memory_order_relaxed) + size > q->big_budget)
		return -1;
	copy = malloc(size);
	if (!copy)
		return -1;
	memcpy(copy, data, size);
	atomic_fetch_add_explicit(&q->big_bytes, size, memory_order_relaxed);
	memcpy(&q->slots[head % q->cap], &copy, sizeof(copy));
	q->sizes[head % q->cap] = (uint32_t)size | QUEUE_SIZE_BIG;
	return 0;
}

/* The writer's side of slot i: the record handed on, a heap copy freed after. */
static void take(struct queue *q, size_t i)
{
	uint32_t size = q->sizes[i];
	void *big;

	if (!(size & QUEUE_SIZE_BIG)) {
		q->on_record(q->ctx, &q->slots[i], size);
		return;
	}
	size &= ~QUEUE_SIZE_BIG;
	memcpy(&big, &q->slots[i], sizeof(big));
	q->on_record(q->ctx, big, size);
	free(big);
	atomic_fetch_sub_explicit(&q->big_bytes, size, memory_order_relaxed);
}

void queue_push(struct queue *q, const void *data, size_t size)
{
	size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (head - tail >= q->cap && !(q->stuck && tail == q->stuck_tail)) {
		tail = wait_space(q, head, tail);
		q->stuck = head - tail >= q->cap;
		q->stuck_tail = tail;
	}
	if (head - tail >= q->cap || (size > sizeof(*q->slots) && push_big(q, head, data, size))) {
		atomic_fetch_add_explicit(&q->dropped, 1, memory_order_relaxed);
		return;
	}
	if (size <= sizeof(*q->slots)) {
		memcpy(&q->slots[head % q->cap], data, size);
		q->sizes[head % q->cap] = (uint32_t)size;
	}
	if (head + 1 - tail > q->high)
		q->high = head + 1 - tail;
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
}

/*
 * The writer sleeps only after it set writer_sleeps and then found the queue
 * empty, holding mu from the one to its wait; we published head before we
 * look at the flag. Both sides fence between their store and their load, so
 * either it sees the records or we see the flag (a Dekker pair, as the
 * reader's own sleep: pipeline/reader.c). Seen, taking mu once means it is in
 * its wait, and the signal, sent after the unlock, wakes it into a free mutex
 * (signalled under mu it would wake only to block on mu again: a second
 * futex wakeup on the lone record's path). Not seen: no lock, no syscall.
 */
void queue_kick(struct queue *q)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&q->writer_sleeps, memory_order_relaxed))
		return;
	pthread_mutex_lock(&q->mu);
	pthread_mutex_unlock(&q->mu);
	pthread_cond_signal(&q->cv);
}

/* Takes every record queued now; false when there was none. */
static bool drain(struct queue *q)
{
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&q->head, memory_order_acquire);

	if (tail == head)
		return false;
	for (; tail != head; tail++) {
		take(q, tail % q->cap);
		atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
		/* A waiting reader goes on once an eighth of the queue is free. */
		if (atomic_load(&q->reader_waits) && ((tail + 1) % (q->cap / 8 + 1)) == 0) {
			pthread_mutex_lock(&q->mu);
			pthread_cond_signal(&q->space);
			pthread_mutex_unlock(&q->mu);
		}
	}
	if (atomic_load(&q->reader_waits)) {
		pthread_mutex_lock(&q->mu);
		pthread_cond_signal(&q->space);
		pthread_mutex_unlock(&q->mu);
	}
	if (q->on_flush)
		q->on_flush(q->ctx);
	return true;
}

static void *writer_main(void *arg)
{
	struct queue *q = arg;

	for (;;) {
		bool closed = worker__stopping(&q->writer);

		if (drain(q))
			continue;
		if (closed)
			break;
		/* Asleep until kicked (queue_kick), however long: no wakeups while idle. */
		pthread_mutex_lock(&q->mu);
		atomic_store(&q->writer_sleeps, true);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&q->head, memory_order_acquire) ==
			    atomic_load_explicit(&q->tail, memory_order_relaxed) &&
		    !worker__stopping(&q->writer))
			pthread_cond_wait(&q->cv, &q->mu);
		atomic_store_explicit(&q->writer_sleeps, false, memory_order_relaxed);
		pthread_mutex_unlock(&q->mu);
	}
	return NULL;
}

int queue_start(struct queue *q)
{
	return worker__start(&q->writer, writer_main, q);
}

void queue_close(struct queue *q)
{
	if (!q->writer.running) {
		drain(q);
		return;
	}
	worker__ask_stop(&q->writer);
	queue_kick(q);
	worker__join(&q->writer);
}

void queue_free(struct queue *q)
{
	if (!q->slots)
		return;
	queue_close(q);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	pthread_cond_destroy(&q->space);
	free(q->slots);
	free(q->sizes);
	q->slots = NULL;
}
