// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -P PATH in the kernel: path arguments by string, fd arguments by inode (lib/pathtrace.bpf.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "record.h"
#include "spec.h"
#include "lib/pathtrace.bpf.h"
#include "lib/sys.bpf.h"

const volatile char trace_paths[AT_TRACE_PATHS][AT_STR_MAX] = {};
/* Each path's length without its NUL. */
const volatile __u32 trace_path_len[AT_TRACE_PATHS] = {};

/* The traced paths' files: those that exist at start, and those matching calls opened. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AT_TRACE_INODES);
	__type(key, struct at_inode_key);
	__type(value, __u8);
} trace_inodes SEC(".maps");

/* A path argument read for comparing (per CPU: sys_enter does not sleep). */
struct path_buf {
	char s[AT_STR_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_buf);
} path_scratch SEC(".maps");

/* The file the current task has open as fd, NULL when none. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (fd < 0 || !fdt || (unsigned)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline bool key_of_fd(int fd, struct at_inode_key *k)
{
	struct file *f = fd_file(fd);

	if (!f)
		return false;
	k->ino = BPF_CORE_READ(f, f_inode, i_ino);
	k->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	k->pad = 0;
	return true;
}

static __always_inline bool fd_traced(int fd)
{
	struct at_inode_key k;

	return key_of_fd(fd, &k) && bpf_map_lookup_elem(&trace_inodes, &k);
}

/* Whether the n bytes (with the NUL) of s are traced path i's. */
static __always_inline bool path_is(const struct path_buf *b, long n, __u32 i)
{
	if (n - 1 != trace_path_len[i & (AT_TRACE_PATHS - 1)])
		return false;
	for (__u32 j = 0; j < AT_STR_MAX; j++) {
		if (j >= n - 1)
			return true;
		if (b->s[j] != trace_paths[i & (AT_TRACE_PATHS - 1)][j])
			return false;
	}
	return true;
}

/* 1: the path at ptr is a traced one, 0: not, -1: unreadable now (a page not faulted in). */
static __always_inline int path_traced(__u64 ptr)
{
	__u32 zero = 0;
	struct path_buf *b = bpf_map_lookup_elem(&path_scratch, &zero);
	long n;

	if (!b || !ptr)
		return 0;
	n = bpf_probe_read_user_str(b->s, sizeof(b->s), (const void *)ptr);
	if (n <= 0)
		return -1;
	for (__u32 i = 0; i < AT_TRACE_PATHS; i++) {
		if (i >= trace_path_n)
			break;
		if (path_is(b, n, i))
			return 1;
	}
	return 0;
}

__attribute__((noinline)) int path_match(const struct at_call_rec *rec)
{
	const volatile struct at_sys_spec *spec;

	if (!rec)
		return 0;
	spec = &specs[rec->nr & (AT_NR_MAX - 1)];
	bool unread = false;

	for (int i = 0; i < AT_MAX_ARGS; i++) {
		if (spec->path_mask & (1u << i)) {
			int t = path_traced(rec->args[i]);

			if (t > 0)
				return 2;
			unread |= t < 0;
		}
		if ((spec->fd_mask & (1u << i)) && fd_traced((int)rec->args[i]))
			return 1;
	}
	return unread ? 3 : 0;
}

__attribute__((noinline)) int path_match_late(const struct at_call_rec *rec)
{
	const volatile struct at_sys_spec *spec;

	if (!rec)
		return 0;
	spec = &specs[rec->nr & (AT_NR_MAX - 1)];
	for (int i = 0; i < AT_MAX_ARGS; i++)
		if ((spec->path_mask & (1u << i)) && path_traced(rec->args[i]) > 0)
			return 2;
	return 0;
}

__attribute__((noinline)) int path_fd_opened(int fd)
{
	struct at_inode_key k;
	__u8 one = 1;

	/* A full table: the file's later calls are not seen, and that is counted. */
	if (key_of_fd(fd, &k) && bpf_map_update_elem(&trace_inodes, &k, &one, BPF_ANY))
		count_loss(offsetof(struct at_counters, path_lost));
	return 0;
}
