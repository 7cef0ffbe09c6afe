/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bound on per-thread state (limits.thread_state): every task-storage
 * entry a program creates is counted, and refused past the bound.
 */
#ifndef AT_THREAD_BPF_H
#define AT_THREAD_BPF_H

#include "ringbuf.bpf.h"

/* Per-thread state entries (syscall and function tables), bounded by limits.thread_state. */
const volatile __u64 max_thread_state __weak = 0; /* 0: no bound */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} thread_states __weak SEC(".maps");

/* Counts one more per-thread state entry; false, and nothing counted, past the bound. */
static __always_inline bool state_reserve(void)
{
	__u32 zero = 0;
	__s64 *n = bpf_map_lookup_elem(&thread_states, &zero);

	if (!n)
		return false;
	/* At the bound already: a plain read, not an add and its undo on a shared line. */
	if (max_thread_state && *(volatile __s64 *)n >= (__s64)max_thread_state)
		return false;
	if (__sync_fetch_and_add(n, 1) >= (__s64)max_thread_state && max_thread_state) {
		__sync_fetch_and_add(n, -1);
		return false;
	}
	return true;
}

static __always_inline void state_release(void)
{
	__u32 zero = 0;
	__s64 *n = bpf_map_lookup_elem(&thread_states, &zero);

	if (n)
		__sync_fetch_and_add(n, -1);
}

/*
 * The task storage of map for the current thread, made when missing if the
 * bound on per-thread state allows; NULL, counted by nobody, when refused.
 */
static __always_inline void *thread_state_try(void *map)
{
	struct task_struct *task = bpf_get_current_task_btf();
	void *v = bpf_task_storage_get(map, task, NULL, 0);

	if (v || !state_reserve())
		return v;
	v = bpf_task_storage_get(map, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v)
		state_release();
	return v;
}

/* thread_state_try() for a call that is lost without it: a refusal is counted as lost state. */
static __always_inline void *thread_state(void *map)
{
	void *v = thread_state_try(map);

	if (!v)
		count_loss(offsetof(struct at_counters, state_lost));
	return v;
}

/* Releases the current task's entry of map, if it has one, from the count. */
static __always_inline void thread_state_drop(void *map, struct task_struct *task)
{
	if (!bpf_task_storage_delete(map, task))
		state_release();
}

#endif /* AT_THREAD_BPF_H */
