/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ring buffer and the loss counters every probe program writes to, and the
 * one way to put a record in the ring buffer with its wakeup policy. Weak
 * definitions: each object that includes this has them, the linker keeps one.
 */
#ifndef AT_RINGBUF_BPF_H
#define AT_RINGBUF_BPF_H

#include "stats.h"

/* false with -c: statistics only, no records; set by the loader. */
const volatile bool stream __weak = true;

/* Wake the reader once this many bytes are pending; set by the loader. */
const volatile __u64 wakeup_bytes __weak = 64 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_counters);
} counters __weak SEC(".maps");

/* Adds one to the counter at byte offset off of struct at_counters. */
static __always_inline void count_loss(__u32 off)
{
	__u32 zero = 0;
	char *c = bpf_map_lookup_elem(&counters, &zero);

	if (c && off <= sizeof(struct at_counters) - sizeof(__u64))
		(*(__u64 *)(c + off))++;
}

/*
 * Nonzero while the reader sleeps with no timeout after a quiet spell: the
 * first record after it wakes the reader (rb_wake_reader), so a lone record is
 * read at once, and the records that follow gather into the reader's batch.
 * The protocol, a Dekker pair (user/pipeline/reader.c has the reader's half):
 *   reader:   reader_asleep = 1; full barrier; producer pos == consumer pos?
 *             then sleep, else drain; after waking, reader_asleep = 0.
 *   producer: reserve (moves the producer pos); commit (an xchg in the
 *             kernel: a full barrier); reader_asleep? then take it with a
 *             cmpxchg (one producer wins) and force a wakeup.
 * Each side writes, fences, then reads what the other writes, so either the
 * reader sees the record and does not sleep, or the producer sees the flag.
 * The flag is read after the commit, never before the reserve: read before,
 * it could be stale against a reader arming meanwhile. Under load the reader
 * never sleeps without a timeout, so the hot path reads a line no one writes.
 * A cache line of its own: written only around a sleep, read by every record.
 */
__u32 reader_asleep __weak __attribute__((aligned(64))) = 0;

/*
 * Wakes the reader if it sleeps: called after each record's commit. The wakeup
 * rides on an empty record discarded at once (the consumer skips it), as the
 * record just sent has already gone with its own flag.
 */
static __always_inline void rb_wake_reader(void)
{
	void *w;

	if (!reader_asleep || __sync_val_compare_and_swap(&reader_asleep, 1, 0) != 1)
		return;
	/* No room: the ring filled since the reader slept, a wakeup_bytes wakeup has gone. */
	w = bpf_ringbuf_reserve(&events, 8, 0);
	if (w)
		bpf_ringbuf_discard(w, BPF_RB_FORCE_WAKEUP);
}

/*
 * The wakeup flag for a record of size bytes about to go in. No wakeup per
 * record: the reader is woken each time the producer position crosses a
 * multiple of wakeup_bytes (or when force is set) and otherwise polls with a
 * short timeout while records come, and after a quiet spell sleeps until
 * rb_wake_reader wakes it for the next one.
 * - Only the record that crosses wakes: each forced wakeup queues an irq_work,
 *   a self-IPI that costs microseconds in a VM; waking on every record while
 *   the reader drained a batch cost more than the rest of the record.
 * - By the producer position, not the data pending: pending reads the
 *   consumer position, a cache line the reader writes after every record it
 *   takes, and that miss cost 85 ns a record, a third of the whole program.
 * - A wakeup two CPUs both miss is made at the next multiple.
 * A full ring buffer is counted, never silent.
 */
static __always_inline __u64 rb_flags(__u64 size, bool force)
{
	__u64 before = bpf_ringbuf_query(&events, BPF_RB_PROD_POS);
	/* Each record takes an 8-byte header, its length rounded up to 8. */
	__u64 after = before + 8 + ((size + 7) & ~7ULL);

	return force || before / wakeup_bytes != after / wakeup_bytes ? BPF_RB_FORCE_WAKEUP :
									BPF_RB_NO_WAKEUP;
}

static __always_inline bool rb_output(void *data, __u64 size, bool force)
{
	if (bpf_ringbuf_output(&events, data, size, rb_flags(size, force))) {
		count_loss(offsetof(struct at_counters, rb_lost));
		return false;
	}
	rb_wake_reader();
	return true;
}

#endif /* AT_RINGBUF_BPF_H */
