// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Files a traced process maps executable later (a library dlopen loads, by a
 * path its maps and linker cache did not name when it joined): a record to
 * the reader, for the follower to look in the process's maps again for the
 * libraries probes name by short name (user/load/follow.c). Attached by the
 * follower only while such a probe is live.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "record.h"
#include "lib/capture.bpf.h"
#include "lib/pidset.bpf.h"

/* VM_EXEC, a macro the BTF does not carry. */
#define AT_VM_EXEC 0x4ul
/* A syscall's return at or past this is -errno. */
#define AT_ERR_MIN (-4095l)

/* bpf_find_vma's callback: a file's executable mapping gets the file's name in the record. */
static long exec_file(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	struct at_mmap_rec *rec = ctx;
	struct file *file = vma->vm_file;

	if (!(vma->vm_flags & AT_VM_EXEC) || !file)
		return 0;
	bpf_probe_read_kernel_str(rec->name, sizeof(rec->name),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	return 0;
}

/* x86-64's mmap. */
#define AT_NR_MMAP 9

/*
 * At sys_exit the mapping exists: the follower that reads the maps on this
 * record finds it. ld.so maps a library's code once (PROT_EXEC, MAP_FIXED
 * over its reservation), so a library is one record.
 */
static __always_inline int mmap_done(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct at_mmap_rec rec = {};

	if ((ret < 0 && ret >= AT_ERR_MIN) || !is_traced(pid_tgid >> 32))
		return 0;
	/*
	 * Busy (the mmap lock taken: another thread faulting or mapping): sent
	 * without a name, for the follower to read the maps. Found and not an
	 * executable file mapping: nothing.
	 */
	if (!bpf_find_vma(bpf_get_current_task_btf(), ret, exec_file, &rec, 0) && !rec.name[0])
		return 0;
	rec_hdr_init(&rec.hdr, AT_REC_PROC_MMAP, AT_PROBE_SYSCALLS, pid_tgid);
	rec.hdr.ts_ns = bpf_ktime_get_ns();
	rec_cgroup(&rec.hdr);
	/* The follower races the library's first calls: it is woken now. */
	rb_output(&rec, sizeof(rec), true);
	return 0;
}

/* mmap's own tracepoint: it runs for mmap alone, but needs tracefs to attach. */
SEC("tracepoint/syscalls/sys_exit_mmap")
int mmap_exec(struct trace_event_raw_sys_exit *ctx)
{
	return mmap_done(ctx->ret);
}

/*
 * Where tracefs is not mounted (a container seldom has it): the raw sys_exit
 * tracepoint (tp_btf, as the syscall programs), which runs at every
 * syscall's exit of every process while attached; the number is compared
 * first.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(mmap_exec_raw, struct pt_regs *regs, long ret)
{
	if (regs->orig_ax != AT_NR_MMAP)
		return 0;
	return mmap_done(ret);
}
