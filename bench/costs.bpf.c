// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the pieces of a probe cost on this machine: one program per piece, all
 * on sys_exit, each doing one thing more than the empty one, for the calls of
 * one process (bench/costs.c runs them with bpf_stats on). A program's run
 * time less the empty one's is its piece's price.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 target_tgid = 0;
char sink[64];

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cost_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} cost_events SEC(".maps");

static __always_inline bool mine(void)
{
	return bpf_get_current_pid_tgid() >> 32 == target_tgid;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(pid_filter, struct pt_regs *regs, long ret)
{
	return mine();
}

/* The same filter through the task: a trusted pointer read instead of a helper's result. */
SEC("tp_btf/sys_exit")
int BPF_PROG(pid_filter_task, struct pt_regs *regs, long ret)
{
	return bpf_get_current_task_btf()->tgid == target_tgid;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(clock_read, struct pt_regs *regs, long ret)
{
	return mine() && bpf_ktime_get_ns() == 1;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(two_clock_reads, struct pt_regs *regs, long ret)
{
	return mine() && bpf_ktime_get_ns() == bpf_ktime_get_ns();
}

SEC("tp_btf/sys_exit")
int BPF_PROG(task_storage, struct pt_regs *regs, long ret)
{
	__u64 *v;

	if (!mine())
		return 0;
	v = bpf_task_storage_get(&cost_state, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (v)
		(*v)++;
	return 0;
}

/* One byte of the call's second argument (write's buffer), as a buffer and as a string. */
SEC("tp_btf/sys_exit")
int BPF_PROG(user_read_1, struct pt_regs *regs, long ret)
{
	if (!mine() || regs->orig_ax != 1)
		return 0;
	bpf_probe_read_user(sink, 1, (void *)regs->si);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(user_read_str_1, struct pt_regs *regs, long ret)
{
	if (!mine() || regs->orig_ax != 1)
		return 0;
	bpf_probe_read_user_str(sink, 2, (void *)regs->si);
	return 0;
}

/* A 104-byte record reserved, filled from the registers and submitted without a wakeup. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ringbuf_record, struct pt_regs *regs, long ret)
{
	__u64 *r;

	if (!mine())
		return 0;
	r = bpf_ringbuf_reserve(&cost_events, 104, 0);
	if (!r)
		return 0;
	r[0] = regs->di;
	r[1] = regs->si;
	r[2] = regs->dx;
	r[3] = ret;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

/* How much data is pending: it reads the consumer position. */
SEC("tp_btf/sys_exit")
int BPF_PROG(ringbuf_query_avail, struct pt_regs *regs, long ret)
{
	return mine() && bpf_ringbuf_query(&cost_events, BPF_RB_AVAIL_DATA) == 1;
}
