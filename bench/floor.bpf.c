// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor: empty programs on the same attachment points agent-trace uses.
 * What they cost is the price of the kernel mechanism itself. And the floor
 * of streaming: the least a program that sends each syscall to userspace
 * through a ring buffer does (one record of agent-trace's size, a timestamp,
 * no capture, one wakeup per 256 KiB).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("raw_tp/sys_enter")
int floor_sys_enter(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int floor_sys_exit(void *ctx)
{
	return 0;
}

const volatile __u32 target_tgid = 0;
__u64 floor_lost = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} floor_events SEC(".maps");

/* As big as agent-trace's syscall record without captures. */
struct floor_rec {
	__u64 ts;
	__u32 type, id, pid, tid;
	__u64 args[6];
	__s64 ret;
	__u64 enter;
	__u32 nr;
	__u16 flags, len[2];
	__u8 arg[2], pad[4];
};

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit_rb, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), pos;
	struct floor_rec *r;

	if (pid_tgid >> 32 != target_tgid)
		return 0;
	pos = bpf_ringbuf_query(&floor_events, BPF_RB_PROD_POS);
	r = bpf_ringbuf_reserve(&floor_events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&floor_lost, 1);
		return 0;
	}
	r->ts = bpf_ktime_get_ns();
	r->type = 1;
	r->id = 0;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->args[0] = regs->di;
	r->args[1] = regs->si;
	r->args[2] = regs->dx;
	r->args[3] = regs->r10;
	r->args[4] = regs->r8;
	r->args[5] = regs->r9;
	r->ret = ret;
	r->enter = r->ts;
	r->nr = regs->orig_ax;
	r->flags = 0;
	bpf_ringbuf_submit(r, pos / (256 << 10) != (pos + 8 + sizeof(*r)) / (256 << 10)
				      ? BPF_RB_FORCE_WAKEUP
				      : BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("uprobe")
int floor_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int floor_return(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
