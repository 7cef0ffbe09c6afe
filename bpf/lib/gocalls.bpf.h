/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Go calls in flight, paired per goroutine rather than per thread: a
 * goroutine that blocks or is preempted inside a call may return on another
 * OS thread, and its stack may be copied elsewhere when it grows. A call is
 * keyed by its goroutine (the runtime.g in R14) and its depth on that
 * goroutine's stack, g.stack.hi - SP: at the entry probe (offset 0, or right
 * after the stack check, which moves no SP) and at each RET, SP points at the
 * return address, and a stack copy moves SP and stack.hi together.
 */
#ifndef AT_GOCALLS_BPF_H
#define AT_GOCALLS_BPF_H

#include "record.h"
#include "spec.h"
#include "regs.bpf.h"
#include "ringbuf.bpf.h"

/* bpf_map_update_elem's error for BPF_NOEXIST on a key that is there (errno.h is not ours). */
#define AT_EEXIST 17

struct go_call_key {
	__u64 g;	/* the goroutine's runtime.g */
	__u64 depth;	/* g.stack.hi - SP at the call's entry and at its RET */
	__u32 tgid;	/* its process: a g address means nothing across processes */
	__u32 probe_id; /* several probes may share a function */
};

/*
 * The calls whose return has not been seen. A call whose return is never
 * seen is replaced, and counted (go_unmatched), when its goroutine comes back
 * to the same depth (a panic recovered above it, a tail jump); those still
 * there when the process exits are taken out and counted then (go_sweep). An
 * LRU: one whose goroutine ended in it (runtime.Goexit) while the process
 * runs on is reclaimed, uncounted, when room is needed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AT_GO_CALLS);
	__type(key, struct go_call_key);
	__type(value, struct at_call_rec);
} go_calls __weak SEC(".maps");

/* runtime.g's first field: stack {lo, hi}, the bounds of the goroutine's stack. */
struct go_stack {
	__u64 lo;
	__u64 hi;
};

/* Whether g is a goroutine whose stack holds sp: then *hi is its stack's top. */
static __always_inline bool go_stack_holds(__u64 g, __u64 sp, __u64 *hi)
{
	struct go_stack st;

	if (!g || bpf_probe_read_user(&st, sizeof(st), (const void *)g))
		return false;
	*hi = st.hi;
	return sp >= st.lo && sp < st.hi;
}

/*
 * The key of the call at this probe: 0, or -1 when neither R14 nor the
 * thread's TLS slot holds a goroutine whose stack holds SP. R14 is the g in
 * Go's register ABI; an ABI0 assembly function may use R14 freely, and then
 * the TLS slot, where the runtime keeps the same g, is read.
 */
static __always_inline int go_call_key(struct go_call_key *k, const struct pt_regs *ctx, __u32 tgid,
				       __u32 id)
{
	__u64 g = go_g(ctx), sp = go_sp(ctx), hi = 0;

	if (!go_stack_holds(g, sp, &hi)) {
		if (bpf_probe_read_user(&g, sizeof(g), (const void *)go_tls_g_addr()) ||
		    !go_stack_holds(g, sp, &hi))
			return -1;
	}
	k->g = g;
	k->depth = hi - sp;
	k->tgid = tgid;
	k->probe_id = id;
	return 0;
}

static long go_sweep_one(struct bpf_map *map, const struct go_call_key *k, struct at_call_rec *rec,
			 __u32 *tgid)
{
	(void)rec;
	if (k->tgid == *tgid && !bpf_map_delete_elem(map, k))
		count_loss(offsetof(struct at_counters, go_unmatched));
	return 0;
}

/* The exiting process tgid's calls without return: out of the table, counted. */
static __always_inline void go_sweep(__u32 tgid)
{
	bpf_for_each_map_elem(&go_calls, go_sweep_one, &tgid, 0);
}

#endif /* AT_GOCALLS_BPF_H */
