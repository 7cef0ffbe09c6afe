/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The traced processes: a hash map by tgid and the same set as a bitmap, the
 * filter every probe program runs first. Weak definitions, merged by the linker.
 */
#ifndef AT_PIDSET_BPF_H
#define AT_PIDSET_BPF_H

#include "spec.h"

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

#endif /* AT_PIDSET_BPF_H */
