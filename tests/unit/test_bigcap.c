// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Records with continuations (captures past a slot's inline AT_STR_MAX
 * bytes): decoded into one piece per argument, hostile lengths cut to what
 * arrived; and the queue's records larger than its slots, on the heap
 * within a budget, dropped and counted past it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "queue.h"
#include "syscalls.h"

/* A write(2) record: fd 1, slot 0 (buf) of inline bytes il (pattern), count n. */
struct big {
	struct at_call_rec r;
	char ext[2 * AT_EXT_MAX];
};

static char pat(size_t i)
{
	return (char)('a' + i % 26);
}

static void mkwrite(struct big *b, size_t il, size_t ext, unsigned n)
{
	memset(b, 0, sizeof(*b));
	b->r.hdr.type = AT_REC_SYSCALL;
	b->r.nr = (unsigned)syscall_by_name("write");
	b->r.args[0] = 1;
	b->r.args[2] = n;
	b->r.ret = n;
	memset(b->r.slot_arg, AT_ARG_NONE, sizeof(b->r.slot_arg));
	b->r.slot_arg[0] = 1;
	b->r.slot_len[0] = (__u16)il;
	for (size_t i = 0; i < il && i < AT_STR_MAX; i++)
		b->r.slot[0][i] = pat(i);
	if (ext) {
		b->r.slot_flags[0] = AT_SF_EXT;
		b->r.ext_len[0] = (__u16)ext;
		for (size_t i = 0; i < ext && i < sizeof(b->ext); i++)
			b->ext[i] = pat(AT_STR_MAX + i);
	}
}

/* Decodes size bytes of b: argument 1's (buf's) bytes must be the pattern, len of them. */
static const struct event_arg *decode_buf(const struct big *b, size_t size, size_t len)
{
	static struct decode_scratch *sc;
	static struct event ev;
	struct decoder d = { 0 };

	if (!sc)
		sc = malloc(sizeof(*sc));
	cr_assert_eq(decoder__decode(&d, b, size, sc, &ev), EV_SYSCALL);
	cr_assert_eq(ev.args[1].len, len, "len %u, want %zu", ev.args[1].len, len);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(ev.args[1].bytes[i], pat(i), "byte %zu", i);
	return &ev.args[1];
}

Test(bigcap, continuation_joined_to_its_inline_part)
{
	struct big b;

	mkwrite(&b, AT_STR_MAX, 1000, 1256);
	cr_assert_eq(decode_buf(&b, sizeof(b.r) + 1000, 1256)->flags & EVA_TRUNCATED, 0);
	/* Without a continuation: sent up to the used bytes, as before. */
	mkwrite(&b, 10, 0, 10);
	cr_assert_eq(decode_buf(&b, offsetof(struct at_call_rec, slot[0]) + 10, 10)->flags, 0);
}

/* A continuation claiming more than arrived is cut there, and the argument said cut. */
Test(bigcap, continuation_cut_to_what_arrived)
{
	struct big b;

	mkwrite(&b, AT_STR_MAX, 3000, 3256);
	cr_assert(decode_buf(&b, sizeof(b.r) + 100, AT_STR_MAX + 100)->flags & EVA_TRUNCATED);
	/* None of it arrived: the record ends at the inline slots. */
	cr_assert(decode_buf(&b, sizeof(b.r), AT_STR_MAX)->flags & EVA_TRUNCATED);
	/* A record short of its inline slots claiming a continuation: its inline bytes only. */
	cr_assert(decode_buf(&b, offsetof(struct at_call_rec, slot[0]) + 50, 50)->flags &
		  EVA_TRUNCATED);
}

/* Hostile lengths: an inline length past its slot, a continuation past AT_CAP_MAX. */
Test(bigcap, hostile_lengths_bounded)
{
	struct big b;

	mkwrite(&b, AT_STR_MAX, 0, 300);
	b.r.slot_len[0] = 300; /* would read into slot 1 */
	decode_buf(&b, sizeof(b.r), AT_STR_MAX);
	mkwrite(&b, AT_STR_MAX, 2 * AT_EXT_MAX, 9000);
	b.r.ext_len[0] = 0xffff;
	cr_assert(decode_buf(&b, sizeof(b), AT_CAP_MAX)->flags & EVA_TRUNCATED);
}

/* Two slots with continuations: the second's follows the first's. */
Test(bigcap, continuations_in_slot_order)
{
	static struct big b;
	static struct decode_scratch sc;
	struct decoder d = { 0 };
	struct event ev;

	memset(&b, 0, sizeof(b));
	b.r.hdr.type = AT_REC_SYSCALL;
	b.r.nr = (unsigned)syscall_by_name("rename");
	memset(b.r.slot_arg, AT_ARG_NONE, sizeof(b.r.slot_arg));
	for (int s = 0; s < 2; s++) {
		b.r.slot_arg[s] = (__u8)s;
		b.r.slot_len[s] = AT_STR_MAX - 1;
		memset(b.r.slot[s], s ? 'B' : 'A', AT_STR_MAX - 1);
		b.r.slot_flags[s] = AT_SF_EXT;
		b.r.ext_len[s] = (__u16)(10 + s);
	}
	memset(b.ext, 'a', 10);
	memset(b.ext + 10, 'b', 11);
	cr_assert_eq(decoder__decode(&d, &b, sizeof(b.r) + 21, &sc, &ev), EV_SYSCALL);
	cr_assert_eq(ev.args[0].len, AT_STR_MAX - 1 + 10);
	cr_assert_eq(ev.args[1].len, AT_STR_MAX - 1 + 11);
	cr_assert_eq(ev.args[0].bytes[AT_STR_MAX - 2], 'A');
	cr_assert_eq(ev.args[0].bytes[AT_STR_MAX - 1], 'a');
	cr_assert_eq(ev.args[0].bytes[AT_STR_MAX + 8], 'a');
	cr_assert_eq(ev.args[1].bytes[AT_STR_MAX - 1], 'b');
	cr_assert_eq(ev.args[1].bytes[AT_STR_MAX + 9], 'b');
	cr_assert_eq(ev.flags & EV_TRUNCATED, 0);
}

struct got {
	size_t n, sizes[8];
	bool intact;
};

static void on_big(void *ctx, const void *data, size_t size)
{
	struct got *g = ctx;
	const unsigned char *p = data;

	for (size_t i = 0; i < size; i++)
		g->intact &= p[i] == (unsigned char)(size + i);
	if (g->n < 8)
		g->sizes[g->n] = size;
	g->n++;
}

/* Records larger than a slot pass whole, on the heap, up to the budget; past it dropped, counted. */
Test(bigcap, queue_big_records_within_a_budget)
{
	static unsigned char data[3][6000];
	size_t sizes[3] = { 100, 5000, 6000 };
	struct got g = { .intact = true };
	struct queue q;

	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < sizes[k]; i++)
			data[k][i] = (unsigned char)(sizes[k] + i);
	cr_assert_eq(queue_init(&q, 8, on_big, NULL, &g), 0);
	cr_assert_gt(5000, sizeof(*q.slots));
	q.big_budget = 10000;
	queue_push(&q, data[0], sizes[0]);
	queue_push(&q, data[1], sizes[1]);
	queue_push(&q, data[2], sizes[2]); /* 11000 bytes on the heap: past the budget */
	cr_assert_eq(atomic_load(&q.dropped), 1);
	cr_assert_eq(atomic_load(&q.big_bytes), 5000);
	queue_close(&q); /* no writer: drained here */
	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.sizes[0], 100);
	cr_assert_eq(g.sizes[1], 5000);
	cr_assert(g.intact);
	cr_assert_eq(atomic_load(&q.big_bytes), 0);
	/* Freed, the budget takes the next one. */
	queue_push(&q, data[2], sizes[2]);
	cr_assert_eq(atomic_load(&q.dropped), 1);
	queue_free(&q);
	cr_assert_eq(g.n, 3);
	cr_assert(g.intact);
}
