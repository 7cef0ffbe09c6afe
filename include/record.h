/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ring-buffer wire records the BPF programs send and userspace reads.
 * Plain fixed-size types only: no libc and no vmlinux.h here, in this header
 * and its siblings (spec.h, stats.h, eval.h).
 */
#ifndef AT_RECORD_H
#define AT_RECORD_H

/* BPF code gets the __u* types from vmlinux.h, userspace from the uapi header. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Capture slots per call record: strings or buffers read from the caller. */
#define AT_SLOTS 4
/*
 * Bytes of a slot held inline in the record (and in the per-thread state a
 * call's record is built in): a capture's first part. A string's inline part
 * is at most AT_STR_MAX - 1 characters (the read's NUL takes the last byte).
 */
#define AT_STR_MAX 256
/*
 * Largest capture of one slot (-s, limits.string, buf[N]): what passes the
 * inline part is its continuation, read when the record is sent.
 */
#define AT_CAP_MAX 4096
/* Continuation bytes of one record, all slots together (slots in order, the rest cut). */
#define AT_EXT_MAX 4096
/* Arguments a call record carries: the six argument registers of a syscall or a function. */
#define AT_MAX_ARGS 6
/*
 * Words a function call record carries: args, then more. Go's register ABI
 * passes up to 9 integer words (RAX RBX RCX RDI RSI R8 R9 R10 R11), and a Go
 * string, slice or interface argument takes 2 or 3 of them.
 */
#define AT_CALL_WORDS 9
/* Result words a Go call record carries: RAX, RBX, RCX (ret, then ret_more). */
#define AT_RET_WORDS 3
/* slot_arg / len_arg value of an unused slot: no argument. */
#define AT_ARG_NONE 0xff
/* Length of a task command name with its NUL (the kernel's TASK_COMM_LEN). */
#define AT_COMM_LEN 16

/* What a record is; the first field of every record. */
enum at_rec_type {
	AT_REC_SYSCALL = 1,   /* one system call, entry and exit paired */
	AT_REC_PROC_FORK = 2, /* a traced process forked a child that is now traced (-f) */
	AT_REC_PROC_EXIT = 3, /* the last thread of a traced process exited */
	AT_REC_FUNC = 4,      /* one function call (uprobe/uretprobe), same layout as syscalls */
	AT_REC_PROC_EXEC = 5, /* a process exec'ed a probe-file target and is now traced */
	AT_REC_PROC_MMAP =
		6,	   /* a traced process mapped a file executable (follow: maps read again) */
	AT_REC_SIGNAL = 7, /* a signal delivered to a traced thread (signal_deliver) */
	AT_REC_STACK = 8,  /* the user stack of the call record that follows it (-k, stack) */
};

/* Common header of every record. */
struct at_rec_hdr {
	__u64 ts_ns;	/* CLOCK_MONOTONIC (bpf_ktime_get_ns) when the record was completed */
	__u32 type;	/* enum at_rec_type */
	__u32 probe_id; /* probe that made the record; syscalls use AT_PROBE_SYSCALLS */
	__u32 pid;	/* tgid of the process */
	__u32 tid;	/* kernel thread id */
	/*
	 * cgroup v2 id of the task's cgroup when the record was made (the inode of
	 * its directory in the cgroup2 mount): the container identity of a process
	 * that is gone by the time the record is decoded.
	 */
	__u64 cgroup_id;
};

/* Probe id of the built-in syscall probe; function probes number from 1. */
#define AT_PROBE_SYSCALLS 0

/* at_call_rec.flags */
#define AT_CALL_NORETURN (1u << 0) /* exit/exit_group: no return value */
/* Bits 1 to 4 are free: the slots' flags are in at_call_rec.slot_flags. */

#define AT_CALL_FAILING (1u << 5)     /* the return value matched the probe's failing predicate */
#define AT_CALL_ENTRY_ONLY (1u << 6)  /* entry-only probe: no return value or duration */
#define AT_CALL_RETURN_ONLY (1u << 7) /* return-only probe: no arguments or entry time */
#define AT_CALL_NO_DUR (1u << 8)      /* seen at sys_exit alone: no entry time or duration */
#define AT_CALL_ARGS_GONE (1u << 9)   /* a successful exec: the old image's pointers are gone */
/*
 * A syscall record a probe-file syscall probe made (hdr.probe_id is that probe,
 * which may be 0 like plain syscall tracing's AT_PROBE_SYSCALLS).
 */
#define AT_CALL_SYS_PROBE (1u << 10)
/* A 32-bit call of a 64-bit process (int $0x80): nr is AT_NR_COMPAT + its i386 number. */
#define AT_CALL_COMPAT (1u << 11)
/*
 * -y: a call that changes the process's fds, sent for userspace's fd table
 * only (-e did not select it, or -z/-Z/status= left it out): no line, not counted.
 */
#define AT_CALL_SHADOW (1u << 12)
/*
 * A stack record was sent for this call just before it (-k, the stack
 * action): the reader joins the two; without one, the stack was lost.
 */
#define AT_CALL_STACK (1u << 13)

/* at_call_rec.slot_flags[i] */
#define AT_SF_TRUNC (1u << 0) /* the slot was cut at the capture limit */
#define AT_SF_FAULT (1u << 1) /* the slot could not be read (bad pointer) */
/*
 * The slot goes on past its inline part: ext_len[i] bytes in the
 * continuation. Until the record is sent ext_len[i] is the room wanted.
 */
#define AT_SF_EXT (1u << 2)
/* With AT_SF_EXT, before sending: the continuation is a string's (read up to its NUL). */
#define AT_SF_EXT_STR (1u << 3)

/* at_call_rec.xflags */
/*
 * A call probe's return that found no entry (its frame was not saved: the
 * stack full, the thread refused state): arguments and entry time unknown,
 * sent with AT_CALL_RETURN_ONLY; its filter took every argument as unknown.
 */
#define AT_CALLX_NO_ENTRY (1u << 0)

/*
 * One call, a system call (AT_REC_SYSCALL) or a function (AT_REC_FUNC):
 * arguments at entry, return value and duration at exit.
 */
struct at_call_rec {
	struct at_rec_hdr hdr;	 /* type AT_REC_SYSCALL or AT_REC_FUNC; ts_ns: the exit time */
	__u64 args[AT_MAX_ARGS]; /* raw argument registers at entry */
	/* Go calls: words 6 to 8 (at_probe_spec.word_reg); 0 for syscalls and SysV calls. */
	__u64 more[AT_CALL_WORDS - AT_MAX_ARGS];
	__s64 ret; /* return value (negative errno on failure) */
	/* Go calls: the result words after the first (RBX, RCX); 0 for others. */
	__u64 ret_more[AT_RET_WORDS - 1];
	__u64 enter_ns;		  /* entry time; duration = hdr.ts_ns - enter_ns */
	__u32 nr;		  /* syscall number; 0 for functions (hdr.probe_id says which) */
	__u16 flags;		  /* AT_CALL_* */
	__u16 slot_len[AT_SLOTS]; /* inline bytes of each slot (strings: without NUL) */
	/*
	 * Continuation bytes of each slot (AT_SLOT_EXT): after the AT_SLOTS
	 * inline slots, slot 0's first. A record without any ends at its last
	 * used slot's bytes, as before.
	 */
	__u16 ext_len[AT_SLOTS];
	__u8 slot_arg[AT_SLOTS];   /* argument index each slot holds, AT_ARG_NONE when unused */
	__u8 slot_flags[AT_SLOTS]; /* AT_SLOT_* */
	/* Bit i: the dereference giving word i (below 6) met an unreadable address, held in it. */
	__u8 dfault;
	__u8 xflags;			 /* AT_CALLX_*; and the padding to 8 bytes */
	char slot[AT_SLOTS][AT_STR_MAX]; /* captured bytes; only the used part is sent */
};

/*
 * An execve or execveat argv slot (AT_SLOT_ARGV): this head, then argv's
 * strings with their NULs, as many as fit in the slot (the slot's truncated
 * flag says some did not).
 */
#define AT_ENVP_PTRS 512
/* With bpf_loop (5.17): envp counted up to this many. */
#define AT_ENVP_LOOP_PTRS 65536
struct at_argv_head {
	__u32 argc; /* argv's strings in all, at most AT_ENVP_PTRS */
	__s32 envc; /* envp's variables, about AT_ENVP_PTRS at most; -1: unreadable */
};

/* A process entered or left the traced set. */
struct at_proc_rec {
	struct at_rec_hdr
		hdr; /* type AT_REC_PROC_FORK or AT_REC_PROC_EXIT; pid is the child/exiting tgid */
	__u32 ppid;  /* parent tgid (fork) */
	__s32 exit_code;	/* wait status of the exiting process (exit) */
	char comm[AT_COMM_LEN]; /* task command name */
	__u32 flags;		/* exec: AT_EXEC_* (how it matched) */
	__u32 pad;
};

/*
 * at_proc_rec.flags of an exec record: what matched. A match by the file's
 * name alone is a candidate the reader checks against the full path before
 * it is kept (a name is all the exec hook can afford to compare); the others
 * are certain. AT_EXEC_TRACED: a process traced already exec'ed a new image
 * (reported when its function probes need the new image's files found).
 */
#define AT_EXEC_COMM (1u << 0)
#define AT_EXEC_INODE (1u << 1)
#define AT_EXEC_NAME (1u << 2)
#define AT_EXEC_TRACED (1u << 3)
/*
 * Container and pod targets, decided per mount namespace (a container's
 * processes share one): AT_EXEC_CTR, the first exec seen in a namespace
 * the kernel has no verdict for, a candidate the reader confirms by the
 * process's container and pod (and then writes the verdict); AT_EXEC_MNTNS,
 * an exec in a namespace whose verdict is "target", certain.
 */
#define AT_EXEC_CTR (1u << 4)
#define AT_EXEC_MNTNS (1u << 5)

/*
 * The exec record of a candidate (AT_EXEC_NAME, AT_EXEC_CTR): the path execve
 * was given, for the reader to confirm a match by name when the process is
 * gone by then (a short run exits before its record is read), and the mount
 * namespace's id, which the verdict on a container candidate is kept under.
 */
#define AT_EXEC_PATH 160
struct at_exec_rec {
	struct at_proc_rec proc;
	__u64 mntns;		 /* the mount namespace's id (see at_mntns_key in proc.bpf.c) */
	char path[AT_EXEC_PATH]; /* bprm->filename, NUL-terminated, cut at AT_EXEC_PATH - 1 */
};

/*
 * A traced process mapped a file executable (AT_REC_PROC_MMAP): the file's
 * name, for the follower to tell whether a probe's library short name may be it.
 */
#define AT_MMAP_NAME 64
struct at_mmap_rec {
	struct at_rec_hdr hdr;
	char name[AT_MMAP_NAME]; /* the file's last path component, cut at AT_MMAP_NAME - 1 */
};

/*
 * A signal delivered to a traced thread (AT_REC_SIGNAL), as the kernel's
 * siginfo has it: the signal, errno and code, and the union after them
 * (si_pid, si_uid, si_status..., si_addr: the layout of siginfo_t's from its
 * byte 16 on), for strace's "--- SIGCHLD {si_signo=SIGCHLD, ...} ---".
 */
#define AT_SIGINFO_FIELDS 32
struct at_sig_rec {
	struct at_rec_hdr hdr;
	__s32 signo;
	__s32 err;  /* si_errno */
	__s32 code; /* si_code */
	__u32 pad;
	__u8 fields[AT_SIGINFO_FIELDS]; /* _sifields */
};

/*
 * The user stack of one call (AT_REC_STACK), sent by the program that sends
 * the call's record, just before it: bpf_get_stack's return addresses
 * (frame pointers), and the words at the stack pointer, from which userspace
 * finds the caller of a leaf that keeps no frame pointer (a libc syscall
 * wrapper) by its CFI. Joined to the next call record of hdr.tid with the
 * same enter_ns. At most as large as a call record (a reader queue slot).
 */
#define AT_STACK_MAX 64
#define AT_STACK_TOP 8
struct at_stack_rec {
	struct at_rec_hdr hdr;	 /* type AT_REC_STACK, probe_id and tid of the call */
	__u64 enter_ns;		 /* the call record's enter_ns */
	__u64 sp;		 /* the user stack pointer where the stack was taken */
	__u32 nips;		 /* entries of ips used */
	__u32 ntop;		 /* entries of top read (0: the stack pointer was unreadable) */
	__u64 top[AT_STACK_TOP]; /* the words at sp */
	__u64 ips[AT_STACK_MAX]; /* user instruction pointer, then return addresses; only nips sent */
};

/* The layout is the ABI: a change shows here first. */
_Static_assert(sizeof(struct at_rec_hdr) == 32, "at_rec_hdr layout");
_Static_assert(sizeof(struct at_call_rec) == 168 + AT_SLOTS * AT_STR_MAX, "at_call_rec layout");
_Static_assert(AT_CAP_MAX <= 0xffff && AT_EXT_MAX <= 0xffff, "ext_len and slot lengths are 16-bit");
_Static_assert(sizeof(struct at_proc_rec) == 64, "at_proc_rec layout");
_Static_assert(sizeof(struct at_exec_rec) == 72 + AT_EXEC_PATH, "at_exec_rec layout");
_Static_assert(sizeof(struct at_mmap_rec) == 32 + AT_MMAP_NAME, "at_mmap_rec layout");
_Static_assert(sizeof(struct at_sig_rec) == 48 + AT_SIGINFO_FIELDS, "at_sig_rec layout");
_Static_assert(sizeof(struct at_stack_rec) == 56 + 8 * (AT_STACK_TOP + AT_STACK_MAX),
	       "at_stack_rec layout");
_Static_assert(sizeof(struct at_stack_rec) <= sizeof(struct at_call_rec),
	       "a stack record fits a reader queue slot");

#endif /* AT_RECORD_H */
