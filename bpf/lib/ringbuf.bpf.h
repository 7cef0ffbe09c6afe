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
 * The wakeup flag for a record of size bytes about to go in. No wakeup per
 * record: the reader is woken each time the producer position crosses a
 * multiple of wakeup_bytes (or when force is set) and otherwise polls with a
 * short timeout, so a lone record still arrives within milliseconds.
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
	return true;
}

#endif /* AT_RINGBUF_BPF_H */
