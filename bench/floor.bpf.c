// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor: empty programs on the same attachment points agent-trace uses.
 * What they cost is the price of the kernel mechanism itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

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
