/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The traced processes: a hash map by tgid and the same set as a bitmap, the
 * filter every probe program runs first. Weak definitions, merged by the linker.
 */
#ifndef AT_PIDSET_BPF_H
#define AT_PIDSET_BPF_H

#include "spec.h"
#include "stats.h"

/*
 * Traced processes by tgid: the set itself, filled by the loader, extended at
 * fork with -f, shrunk at exit. Its emptiness ends the trace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} traced __weak SEC(".maps");

/*
 * The same set as one bit per possible tgid, for the filter every probe runs
 * first: a bit test costs a few ns where a hash lookup measured about 70 ns
 * per syscall here. Mapped by the loader, which sets bits for the pids it adds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_pid_bits);
} traced_bits __weak SEC(".maps");

static __always_inline __u64 *pid_word(__u32 tgid)
{
	__u32 zero = 0;
	struct at_pid_bits *b = bpf_map_lookup_elem(&traced_bits, &zero);

	return b ? &b->w[(tgid / 64) & (AT_PID_WORDS - 1)] : NULL;
}

static __always_inline bool is_traced(__u32 tgid)
{
	__u64 *w = pid_word(tgid);

	return w && (*w & (1ULL << (tgid % 64)));
}

/* Adds tgid to or removes it from the bitmap (the hash map is updated apart). */
static __always_inline void mark_traced(__u32 tgid, bool on)
{
	__u64 *w = pid_word(tgid);

	if (!w)
		return;
	if (on)
		__sync_fetch_and_or(w, 1ULL << (tgid % 64));
	else
		__sync_fetch_and_and(w, ~(1ULL << (tgid % 64)));
}

/*
 * Candidates: processes traced from an exec that matched by file name or in a
 * container with no verdict yet, until the reader confirms or rejects them.
 * What they add to the statistics and counts is kept apart (pending_acct), and
 * no signal goes to them: a candidate the reader rejects was never a target.
 * A bitmap, as traced_bits, so the check costs a bit test; userspace clears
 * the bit.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_pid_bits);
} pending_bits __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, AT_MAX_PENDING);
	__type(key, struct at_pending_key);
	__type(value, struct at_pending_acct);
} pending_acct __weak SEC(".maps");

/* A zero entry to create pending_acct's from (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_pending_acct);
} pending_zero __weak SEC(".maps");

static __always_inline bool is_pending(__u32 tgid)
{
	__u32 zero = 0;
	struct at_pid_bits *b = bpf_map_lookup_elem(&pending_bits, &zero);

	return b && (b->w[(tgid / 64) & (AT_PID_WORDS - 1)] & (1ULL << (tgid % 64)));
}

/* Sets or clears tgid's candidate bit: a process that joins for certain starts clear. */
static __always_inline void mark_pending(__u32 tgid, bool on)
{
	__u32 zero = 0;
	struct at_pid_bits *b = bpf_map_lookup_elem(&pending_bits, &zero);
	__u64 bit = 1ULL << (tgid % 64), *w;

	if (!b)
		return;
	w = &b->w[(tgid / 64) & (AT_PID_WORDS - 1)];
	if (on)
		__sync_fetch_and_or(w, bit);
	else if (*w & bit)
		__sync_fetch_and_and(w, ~bit);
}

/* The candidate tgid's own entry for id (created on first use); NULL when the table is full. */
static __always_inline struct at_pending_acct *pending_get(__u32 tgid, __u32 id)
{
	struct at_pending_key k = { .tgid = tgid, .id = id };
	struct at_pending_acct *a = bpf_map_lookup_elem(&pending_acct, &k);
	__u32 zero = 0;
	void *z;

	if (a)
		return a;
	z = bpf_map_lookup_elem(&pending_zero, &zero);
	if (!z)
		return NULL;
	bpf_map_update_elem(&pending_acct, &k, z, BPF_NOEXIST);
	return bpf_map_lookup_elem(&pending_acct, &k);
}

#endif /* AT_PIDSET_BPF_H */
