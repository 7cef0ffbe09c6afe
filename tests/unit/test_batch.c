// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* user/pipeline/batch.c: the capped queue's bounds and drop accounting, the batching rule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

#define MS 1000000ull
#define S 1000000000ull

static uint64_t total_dropped(const struct bq *q)
{
	uint64_t n = 0;

	for (int i = 0; i < BQ_DROP_N; i++)
		n += q->dropped[i];
	return n;
}

static void push_str(struct bq *q, const char *s)
{
	cr_assert_eq(bq_push(q, s, strlen(s)), 0, "push %s", s);
}

/* Takes everything and checks it is want, oldest first. */
static void expect_items(struct bq *q, const char *const *want, size_t n)
{
	struct bq_item out[16];
	size_t k = bq_take(q, out, 16, SIZE_MAX);

	cr_assert_eq(k, n);
	for (size_t i = 0; i < k; i++) {
		cr_assert_eq(out[i].len, strlen(want[i]));
		cr_assert_eq(memcmp(out[i].data, want[i], out[i].len), 0, "item %zu", i);
		free(out[i].data);
	}
	cr_assert_eq(q->n, 0);
	cr_assert_eq(q->bytes, 0);
}

Test(batch, drop_tables_follow_the_causes)
{
	cr_assert_str_eq(bq_drop_key[BQ_DROP_FULL], "queue_full");
	cr_assert_str_eq(bq_drop_key[BQ_DROP_PARTIAL], "partial_success");
	cr_assert_str_eq(bq_drop_key[BQ_DROP_ERROR], "write_error");
	cr_assert_str_eq(bq_drop_text[BQ_DROP_SHUTDOWN], "unsent at the shutdown deadline");
	cr_assert_str_eq(bq_drop_text[BQ_DROP_EXPIRED], "retried too long");
	for (int i = 0; i < BQ_DROP_N; i++)
		cr_assert(bq_drop_key[i] && bq_drop_text[i], "cause %d", i);
}

Test(batch, bounded_by_items_the_oldest_dropped)
{
	static const char *const want[] = { "c", "d", "e" };
	struct bq q;

	cr_assert_eq(bq_init(&q, 3, 1000), 0);
	push_str(&q, "a");
	push_str(&q, "b");
	push_str(&q, "c");
	cr_assert_eq(q.dropped[BQ_DROP_FULL], 0);
	push_str(&q, "d");
	push_str(&q, "e");
	cr_assert_eq(q.n, 3);
	cr_assert_eq(q.bytes, 3);
	cr_assert_eq(q.pushed, 5);
	cr_assert_eq(q.dropped[BQ_DROP_FULL], 2);
	cr_assert_eq(total_dropped(&q), 2);
	expect_items(&q, want, 3);
	bq_free(&q);
}

Test(batch, bounded_by_bytes_as_many_oldest_dropped_as_it_takes)
{
	static const char *const want[] = { "4444", "55555555" };
	struct bq q;

	cr_assert_eq(bq_init(&q, 100, 12), 0);
	push_str(&q, "1111");
	push_str(&q, "2222");
	push_str(&q, "3333");
	cr_assert_eq(q.bytes, 12);
	cr_assert_eq(q.dropped[BQ_DROP_FULL], 0);
	push_str(&q, "4444"); /* 16 > 12: the oldest goes */
	cr_assert_eq(q.dropped[BQ_DROP_FULL], 1);
	cr_assert_eq(q.bytes, 12);
	push_str(&q, "55555555"); /* needs 8 bytes free: two more go */
	cr_assert_eq(q.dropped[BQ_DROP_FULL], 3);
	cr_assert_eq(q.n, 2);
	cr_assert_eq(q.bytes, 12);
	expect_items(&q, want, 2);
	bq_free(&q);
}

Test(batch, an_item_larger_than_the_queue_is_dropped_alone)
{
	static const char *const want[] = { "ab", "cd" };
	char big[11];
	struct bq q;

	memset(big, 'x', sizeof(big));
	cr_assert_eq(bq_init(&q, 10, 10), 0);
	push_str(&q, "ab");
	push_str(&q, "cd");
	cr_assert_eq(bq_push(&q, big, sizeof(big)), -E2BIG);
	cr_assert_eq(q.pushed, 3);
	cr_assert_eq(q.dropped[BQ_DROP_FULL], 1, "the big item itself, counted");
	cr_assert_eq(q.n, 2, "what was queued stays");
	/* Exactly max_bytes fits, once everything else is gone. */
	cr_assert_eq(bq_push(&q, big, 10), 0);
	cr_assert_eq(q.n, 1);
	cr_assert_eq(q.dropped[BQ_DROP_FULL], 3);
	bq_free(&q);

	cr_assert_eq(bq_init(&q, 10, 10), 0);
	push_str(&q, "ab");
	push_str(&q, "cd");
	expect_items(&q, want, 2);
	bq_free(&q);
}

/* Many pushes of many sizes: pushed == queued + dropped, and the bytes add up, at every step. */
Test(batch, drop_oldest_accounting_is_exact)
{
	struct bq q;
	char data[64];
	uint64_t taken = 0, seed = 12345;

	memset(data, 'z', sizeof(data));
	cr_assert_eq(bq_init(&q, 50, 1000), 0);
	for (int i = 0; i < 5000; i++) {
		size_t len, sum = 0;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		len = (seed >> 33) % 64;
		cr_assert_eq(bq_push(&q, data, len), 0);
		if (i % 97 == 0) {
			struct bq_item out[8];
			size_t k = bq_take(&q, out, 8, 200);

			for (size_t j = 0; j < k; j++)
				free(out[j].data);
			taken += k;
		}
		for (size_t j = 0; j < q.n; j++)
			sum += q.ring[(q.head + j) % q.max_items].len;
		cr_assert_eq(sum, q.bytes);
		cr_assert_leq(q.n, 50);
		cr_assert_leq(q.bytes, 1000);
		cr_assert_eq(q.pushed, q.n + taken + q.dropped[BQ_DROP_FULL], "push %d", i);
	}
	cr_assert_gt(q.dropped[BQ_DROP_FULL], 0);
	bq_free(&q);
}

Test(batch, take_is_limited_by_count_and_bytes_never_empty)
{
	struct bq_item out[10];
	struct bq q;

	cr_assert_eq(bq_init(&q, 10, 1000), 0);
	push_str(&q, "aaaaaaaaaa"); /* 10 */
	push_str(&q, "bbbbb");	    /* 5 */
	push_str(&q, "ccccc");	    /* 5 */
	push_str(&q, "d");	    /* 1 */
	/* A first item past max_bytes still goes, alone. */
	cr_assert_eq(bq_take(&q, out, 10, 4), 1);
	cr_assert_eq(out[0].len, 10);
	free(out[0].data);
	/* 5 + 5 = 10 fits, 11 would not. */
	cr_assert_eq(bq_take(&q, out, 10, 10), 2);
	cr_assert_eq(out[0].data[0], 'b');
	cr_assert_eq(out[1].data[0], 'c');
	free(out[0].data);
	free(out[1].data);
	cr_assert_eq(q.bytes, 1);
	push_str(&q, "e");
	push_str(&q, "f");
	/* By count. */
	cr_assert_eq(bq_take(&q, out, 2, 1000), 2);
	cr_assert_eq(out[0].data[0], 'd');
	cr_assert_eq(out[1].data[0], 'e');
	free(out[0].data);
	free(out[1].data);
	cr_assert_eq(q.n, 1);
	cr_assert_eq(bq_take(&q, out, 10, 1000), 1);
	free(out[0].data);
	cr_assert_eq(bq_take(&q, out, 10, 1000), 0, "nothing from an empty queue");
	bq_count_drop(&q, BQ_DROP_REJECTED, 7);
	cr_assert_eq(q.dropped[BQ_DROP_REJECTED], 7);
	bq_free(&q);
}

Test(batch, wait_rule_at_fixed_points)
{
	struct batch_policy p = { .max_items = 4, .max_bytes = 100, .window_ns = S };
	struct bq q;

	cr_assert_eq(bq_init(&q, 100, 10000), 0);
	cr_assert_eq(batch_wait_ns(&p, &q, 0, 5 * S), UINT64_MAX, "nothing queued");
	cr_assert_eq(batch_wait_ns(&p, &q, 4 * S, 5 * S), UINT64_MAX);
	push_str(&q, "x");
	cr_assert_eq(batch_wait_ns(&p, &q, 0, 5 * S), 0, "never sent: at once");
	cr_assert_eq(batch_wait_ns(&p, &q, 5 * S - 200 * MS, 5 * S), 800 * MS, "within the window");
	cr_assert_eq(batch_wait_ns(&p, &q, 4 * S, 5 * S), 0, "the window is over");
	cr_assert_eq(batch_wait_ns(&p, &q, 1 * S, 5 * S), 0, "after a quiet spell");
	push_str(&q, "x");
	push_str(&q, "x");
	cr_assert_eq(batch_wait_ns(&p, &q, 5 * S, 5 * S), S);
	push_str(&q, "x");
	cr_assert_eq(batch_wait_ns(&p, &q, 5 * S, 5 * S), 0, "max_items waiting");
	bq_free(&q);

	cr_assert_eq(bq_init(&q, 100, 10000), 0);
	char big[60];

	memset(big, 'b', sizeof(big));
	cr_assert_eq(bq_push(&q, big, 60), 0);
	cr_assert_eq(batch_wait_ns(&p, &q, 5 * S, 5 * S), S);
	cr_assert_eq(bq_push(&q, big, 40), 0);
	cr_assert_eq(batch_wait_ns(&p, &q, 5 * S, 5 * S), 0, "max_bytes waiting");
	bq_free(&q);
}

/*
 * A sender driven by a fake clock, at 1 ms steps: it sends whenever the rule
 * says 0, taking at most max_items / max_bytes. Records each batch's time and size.
 */
struct sim {
	struct bq q;
	struct batch_policy p;
	uint64_t last_send;
	uint64_t at[64];
	size_t n[64];
	unsigned batches;
};

static void sim_step(struct sim *s, uint64_t now)
{
	struct bq_item out[64];

	while (batch_wait_ns(&s->p, &s->q, s->last_send, now) == 0) {
		size_t k = bq_take(&s->q, out, s->p.max_items, s->p.max_bytes);

		for (size_t i = 0; i < k; i++)
			free(out[i].data);
		cr_assert_lt(s->batches, 64);
		s->at[s->batches] = now;
		s->n[s->batches++] = k;
		s->last_send = now;
	}
}

/* Pushes one 10-byte item at each of times (ms), stepping the clock 1 ms at a time to end_ms. */
static void sim_run(struct sim *s, const unsigned *times, size_t ntimes, unsigned end_ms)
{
	size_t next = 0;

	for (unsigned ms = 1; ms <= end_ms; ms++) {
		while (next < ntimes && times[next] == ms) {
			cr_assert_eq(bq_push(&s->q, "0123456789", 10), 0);
			next++;
		}
		sim_step(s, ms * MS);
	}
}

Test(batch, fake_clock_first_at_once_then_gathered_by_the_window)
{
	/* A burst at 100..140 ms, a quiet spell, a lone event at 5000 ms. */
	static const unsigned times[] = { 100, 110, 120, 130, 140, 5000 };
	struct sim s = { .p = { .max_items = 100, .max_bytes = 10000, .window_ns = 1000 * MS } };

	cr_assert_eq(bq_init(&s.q, 100, 10000), 0);
	sim_run(&s, times, 6, 6000);
	cr_assert_eq(s.batches, 3);
	cr_assert_eq(s.at[0], 100 * MS, "the first event at once");
	cr_assert_eq(s.n[0], 1);
	cr_assert_eq(s.at[1], 1100 * MS, "the rest of the burst a window later");
	cr_assert_eq(s.n[1], 4);
	cr_assert_eq(s.at[2], 5000 * MS, "after the quiet spell, at once again");
	cr_assert_eq(s.n[2], 1);
	bq_free(&s.q);
}

Test(batch, fake_clock_flush_by_count)
{
	unsigned times[12];
	struct sim s = { .p = { .max_items = 5, .max_bytes = 10000, .window_ns = 1000 * MS } };

	for (unsigned i = 0; i < 12; i++)
		times[i] = 10 + i;
	cr_assert_eq(bq_init(&s.q, 100, 10000), 0);
	sim_run(&s, times, 12, 3000);
	/* 10 ms alone; 11..15 fill a batch at 15; 16..20 at 20; 21 waits for the window. */
	cr_assert_eq(s.batches, 4);
	cr_assert_eq(s.at[0], 10 * MS);
	cr_assert_eq(s.n[0], 1);
	cr_assert_eq(s.at[1], 15 * MS);
	cr_assert_eq(s.n[1], 5);
	cr_assert_eq(s.at[2], 20 * MS);
	cr_assert_eq(s.n[2], 5);
	cr_assert_eq(s.at[3], 1020 * MS);
	cr_assert_eq(s.n[3], 1);
	bq_free(&s.q);
}

Test(batch, fake_clock_flush_by_bytes)
{
	unsigned times[8];
	/* 10-byte items, 35 bytes a batch: due at 40 bytes waiting, sent as 3 (30 bytes). */
	struct sim s = { .p = { .max_items = 100, .max_bytes = 35, .window_ns = 1000 * MS } };

	for (unsigned i = 0; i < 8; i++)
		times[i] = 10 + i;
	cr_assert_eq(bq_init(&s.q, 100, 10000), 0);
	sim_run(&s, times, 8, 3000);
	cr_assert_eq(s.at[0], 10 * MS);
	cr_assert_eq(s.n[0], 1);
	/* 11..14 waiting is 40 >= 35 at 14: three go, one waits, and so on. */
	cr_assert_eq(s.at[1], 14 * MS);
	cr_assert_eq(s.n[1], 3);
	cr_assert_eq(s.at[2], 17 * MS, "15, 16, 17 with 14's left-over: 40 bytes again");
	cr_assert_eq(s.n[2], 3);
	cr_assert_eq(s.at[3], 1017 * MS, "the last one by the window");
	cr_assert_eq(s.n[3], 1);
	cr_assert_eq(s.batches, 4);
	bq_free(&s.q);
}
