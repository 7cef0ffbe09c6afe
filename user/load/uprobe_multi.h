/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel's uprobe_multi link (Linux 6.6, commit 89ae89f53d20 "bpf: Add
 * multi uprobe link"), which Debian's uapi headers and libbpf 1.1 predate:
 * the values and the BPF_LINK_CREATE attribute layout of include/uapi/linux/bpf.h.
 */
#ifndef AT_UPROBE_MULTI_H
#define AT_UPROBE_MULTI_H

#include <linux/bpf.h>
#include <linux/types.h>

/* enum bpf_attach_type */
#define AT_BPF_TRACE_UPROBE_MULTI ((enum bpf_attach_type)48)
/* enum bpf_link_type */
#define AT_BPF_LINK_TYPE_UPROBE_MULTI 12
/* link_create.uprobe_multi.flags: every offset is a return probe */
#define AT_BPF_F_UPROBE_MULTI_RETURN (1U << 0)

/* union bpf_attr's link_create, with its uprobe_multi member, up to where it ends. */
struct at_uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd; /* unused: 0 */
	__u32 attach_type;
	__u32 flags; /* link flags: 0 */
	__aligned_u64 path;
	__aligned_u64 offsets;
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;
	__u32 cnt;
	__u32 um_flags; /* AT_BPF_F_UPROBE_MULTI_RETURN or 0 */
	__u32 pid;	/* 0: every process mapping the file */
};

_Static_assert(__builtin_offsetof(struct at_uprobe_multi_attr, path) == 16,
	       "link_create's per-type union starts at byte 16 of union bpf_attr");
_Static_assert(__builtin_offsetof(struct at_uprobe_multi_attr, pid) == 56,
	       "uprobe_multi.pid is at byte 56 of union bpf_attr");

#endif /* AT_UPROBE_MULTI_H */
