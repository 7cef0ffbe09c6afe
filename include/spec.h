/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The map values the loader writes and the BPF programs read: what each
 * syscall captures, the probe table (function and syscall probes), filters,
 * exec targets and the traced-process bitmap.
 */
#ifndef AT_SPEC_H
#define AT_SPEC_H

#include "record.h"

/*
 * Syscall keys, what the tables and maps are indexed by: x86-64 numbers (below
 * 512), then from AT_NR_COMPAT the i386 numbers, of a 64-bit process's 32-bit
 * calls (int $0x80), which the kernel numbers and passes as i386 does.
 */
#define AT_NR_COMPAT 512
#define AT_NR_MAX 1024
/* How a capture slot is filled; at_sys_spec.slot_kind values. */
enum at_slot_kind {
	AT_SLOT_NONE = 0,
	AT_SLOT_STR_IN = 1,  /* NUL-terminated string read at entry */
	AT_SLOT_BUF_IN = 2,  /* buffer read at entry, length in argument len_arg */
	AT_SLOT_BUF_OUT = 3, /* buffer read at exit, length = return value (bounded by len_arg) */
	/* Function probes: read at return from the pointer saved at entry, unless the call fails. */
	AT_SLOT_STR_AT_RET = 4, /* NUL-terminated string */
	AT_SLOT_BUF_AT_RET = 5, /* buffer, length as AT_SLOT_BUF_IN's (len_arg or fixed_len) */
	/* Syscalls: a structure of len_arg bytes (at most AT_STR_MAX - 1), not cut at -s, inline. */
	AT_SLOT_OBJ_IN = 8,  /* read at entry */
	AT_SLOT_OBJ_OUT = 9, /* read at exit when the call succeeded (ret >= 0) */
	/* execve's argv (slot_arg) and its envp's count (slot_arg + 1): struct at_argv_head. */
	AT_SLOT_ARGV = 10,
	/*
	 * An array read at exit, as many elements of elem bytes as argument
	 * len_arg says, or the return value when len_arg is AT_MAX_ARGS (none
	 * when it is an error), cut at whole elements within AT_STR_MAX - 1.
	 */
	AT_SLOT_ARR_OUT = 11,
	/* A path, read at entry as AT_SLOT_STR_IN but whole as far as the slot goes, not cut at -s. */
	AT_SLOT_PATH_IN = 12,
	/*
	 * Structures the call reads and writes back, AT_INOUT_HALF bytes at
	 * most: as given in the slot's first half (read at entry; at exit alone,
	 * what is there then), as the call left it in the second (read at exit
	 * when it succeeded; slot_len then AT_INOUT_HALF + the size).
	 */
	AT_SLOT_INOUT = 13, /* len_arg bytes (select's timeval, pselect6's and ppoll's timespec) */
	AT_SLOT_FDSET = 14, /* an fd_set of as many bits as argument len_arg (select's nfds) */
	/*
	 * getdents64's and getdents's buffer at exit: the count of its entries
	 * in the call's result (a __u32, which strace shows as a comment), with
	 * bpf_loop (Linux 5.17) only.
	 */
	AT_SLOT_DIRENTS = 15,
	/* Socket addresses, iovec arrays and msghdrs (include/sockcap.h, bpf/sockcap.bpf.c). */
	AT_SLOT_SADDR_IN = 16,	 /* sockaddr, its length the value of len_arg */
	AT_SLOT_SADDR_OUT = 17,	 /* sockaddr the kernel fills, len_arg a socklen_t pointer */
	AT_SLOT_IOV_IN = 18,	 /* iovec array and its data at entry, count in len_arg */
	AT_SLOT_IOV_OUT = 19,	 /* the same at exit, data bounded by the return value */
	AT_SLOT_MSG_IN = 20,	 /* struct msghdr at entry (sendmsg) */
	AT_SLOT_MSG_OUT = 21,	 /* struct msghdr at exit (recvmsg), msg_namelen at entry */
	AT_SLOT_MSGIOV_IN = 22,	 /* a msghdr's iovec array and data at entry */
	AT_SLOT_MSGIOV_OUT = 23, /* the same at exit, bounded by the return value */
};

/* The half of a slot each state of an AT_SLOT_INOUT or AT_SLOT_FDSET structure takes. */
#define AT_INOUT_HALF 128

/* Which syscalls make records (status_mask; strace's -z, -Z, -e status=). */
#define AT_STATUS_SUCCESSFUL (1u << 0) /* returned, not an error */
#define AT_STATUS_FAILED (1u << 1)     /* returned an error */
#define AT_STATUS_UNFINISHED (1u << 2) /* never returned: exit, exit_group */
#define AT_STATUS_ALL 7u

/* What the BPF side captures for one syscall number. */
struct at_sys_spec {
	__u8 slot_kind[AT_SLOTS]; /* enum at_slot_kind */
	__u8 slot_arg[AT_SLOTS];  /* argument index holding the pointer */
	__u8 len_arg[AT_SLOTS];	  /* argument index holding the length (BUF kinds) */
	__u8 noreturn;		  /* 1 for exit/exit_group */
	__u8 exec;		  /* 1 for execve/execveat: the caller's memory is gone at exit */
	__u8 fork;	     /* 1 for clone/clone3/fork/vfork: the new task also returns, with 0 */
	__u8 elem[AT_SLOTS]; /* AT_SLOT_ARR_OUT: bytes of an element */
	/* -P: the arguments that are fds (bit i: argument i) and paths, and a new fd returned. */
	__u8 fd_mask;
	__u8 path_mask;
	__u8 ret_fd;
};

/*
 * -P PATH (strace's path tracing): only calls with a path argument that is
 * one of AT_TRACE_PATHS strings, or an fd argument open on one of the files
 * (by inode: trace_inodes, keyed as at_inode_key; a file a matching call
 * opens joins it), make records and counts.
 */
#define AT_TRACE_PATHS 8
#define AT_TRACE_INODES 1024

/* Function probes: table size and nesting depth kept per thread. */
#define AT_MAX_PROBES 1024
#define AT_MAX_DEPTH 16
/* Go calls in flight (all goroutines of all traced processes), paired by goroutine. */
#define AT_GO_CALLS 4096

/* at_probe_spec.mode */
enum at_probe_mode {
	AT_MODE_CALL = 0,   /* entry and return paired, one record per call */
	AT_MODE_ENTRY = 1,  /* entry only */
	AT_MODE_RETURN = 2, /* return only */
};

/* at_probe_spec.abi: where the arguments are. */
enum at_abi {
	AT_ABI_SYSV = 0, /* rdi rsi rdx rcx r8 r9 */
	AT_ABI_GO = 1,	 /* Go register ABI: rax rbx rcx rdi rsi r8 r9 r10 r11, by word_reg */
};

/* at_probe_spec.fail_op: the failing predicate on the return value. */
enum at_fail_op {
	AT_FAIL_NONE = 0,
	AT_FAIL_EQ,
	AT_FAIL_NE,
	AT_FAIL_LT,
	AT_FAIL_LE,
	AT_FAIL_GT,
	AT_FAIL_GE
};

/*
 * In-kernel filters: a postfix program over up to AT_FILTER_CONDS comparisons,
 * evaluated before any record is made. Each code byte is AT_FOP_COND | i (push
 * the result of cond[i]), AT_FOP_AND, AT_FOP_OR or AT_FOP_NOT; the value left
 * on the stack decides. ncode 0: no filter, every call matches.
 */
#define AT_FILTER_CONDS 8
#define AT_FILTER_CODE 16
/* Longest string operand, without NUL: compared with a slot's inline part (AT_STR_MAX). */
#define AT_FILTER_STR 128

enum at_fop {
	AT_FOP_AND = 1,
	AT_FOP_OR = 2,
	AT_FOP_NOT = 3,
	AT_FOP_COND = 0x80, /* | condition index */
};

/* at_cond.field: what a condition compares. */
enum at_field {
	AT_FLD_ARG0 = 0,  /* AT_FLD_ARG0 + i: argument i (0-based) */
	AT_FLD_RET = 6,	  /* the return value (not known at entry) */
	AT_FLD_PID = 7,	  /* tgid */
	AT_FLD_TID = 8,	  /* thread id */
	AT_FLD_UID = 9,	  /* real uid */
	AT_FLD_COMM = 10, /* task command name (string) */
};

/* at_cond.cmp; EQ..GE have the values of enum at_fail_op's, one comparison serves both. */
enum at_cmp {
	AT_CMP_EQ = 1,
	AT_CMP_NE,
	AT_CMP_LT,
	AT_CMP_LE,
	AT_CMP_GT,
	AT_CMP_GE,
	AT_CMP_PREFIX,	/* strings only: the value starts with str */
	AT_CMP_IPREFIX, /* strings only: starts with str, ASCII case folded (str is lower case) */
	AT_CMP_IEQ,	/* strings only: equals str, ASCII case folded (str is lower case) */
};

struct at_cond {
	__s64 val;	/* integer operand */
	__u8 field;	/* enum at_field */
	__u8 cmp;	/* enum at_cmp */
	__u8 is_str;	/* compare the captured string of the argument (or comm) with str */
	__u8 is_signed; /* integer compare as signed */
	__u8 bits;	/* width of the field's type: 8, 16, 32 or 64 */
	__u8 slen;	/* bytes of str used */
	__u8 pad[2];	/* explicit padding */
	char str[AT_FILTER_STR]; /* string operand, not NUL-terminated */
};

struct at_filter {
	__u8 ncode;		   /* code bytes used; 0: no filter */
	__u8 ncond;		   /* conditions used: cond[0..ncond-1] */
	__u8 pad[6];		   /* explicit padding */
	__u8 code[AT_FILTER_CODE]; /* postfix program */
	struct at_cond cond[AT_FILTER_CONDS];
};

/* at_probe_spec.actions: what a matching call does (any combination). */
#define AT_ACT_EVENT (1u << 0)	/* a record to the pipeline (ring buffer) */
#define AT_ACT_COUNT (1u << 1)	/* counted in probe_stats, no record */
#define AT_ACT_HIST (1u << 2)	/* histogram in probe_stats, no record */
#define AT_ACT_SIGNAL (1u << 3) /* bpf_send_signal(signal) to the calling process */
#define AT_ACT_STACK (1u << 4)	/* each event carries the caller's user stack (AT_REC_STACK) */

/* at_probe_spec.hist_of: what the histogram action buckets. */
enum at_hist_of {
	AT_HIST_LATENCY = 0, /* duration of the call, ns */
	AT_HIST_RET = 1,     /* the return value */
	AT_HIST_ARG0 = 2,    /* AT_HIST_ARG0 + i: argument i */
};

/*
 * at_probe_spec.on_unreadable: the filter's verdict when it depends on a string
 * that could not be read (a page not faulted in, a bad pointer).
 */
enum at_unreadable {
	AT_UNREAD_MATCH = 0, /* taken as matched: the actions run (fail closed), the default */
	AT_UNREAD_SKIP = 1,  /* taken as not matched: the call is filtered */
};

/*
 * Dereferences (-u '... *(arg1+16) id', 'str(*(arg2+8))', DWARF member paths):
 * a probe's record word computed at entry from an argument register by up to
 * AT_DEREF_STEPS pointer loads, each at the running address plus its offset,
 * then a final offset and a final read. At most AT_DEREFS per probe.
 */
#define AT_DEREFS 6
#define AT_DEREF_STEPS 4

/* at_deref.read: what is done at the final address. */
enum at_deref_read {
	AT_DREAD_ADDR = 0, /* nothing: the address is the value (a string or bytes slot reads it) */
	AT_DREAD_1 = 1,	   /* 1, 2, 4 or 8 bytes loaded as an integer, zero-extended */
	AT_DREAD_2 = 2,
	AT_DREAD_4 = 4,
	AT_DREAD_8 = 8,
	AT_DREAD_GOSTR = 16, /* a Go string header: pointer to word, length to more */
};

struct at_deref {
	__s32 off[AT_DEREF_STEPS + 1]; /* added before load j; off[nsteps]: the final offset */
	__u8 reg;    /* base: the argument register (0-based; regs.bpf.h's SysV or Go order) */
	__u8 nsteps; /* 8-byte pointer loads, 0 to AT_DEREF_STEPS */
	__u8 read;   /* enum at_deref_read */
	__u8 word;   /* the call record word that gets the value (an ARG's position, below 6) */
	__u8 more;   /* AT_DREAD_GOSTR: the call record word that gets the length */
	__u8 pad[3]; /* explicit padding */
};

/* at_probe_spec.len_bits: the length's type is signed (a negative length reads nothing). */
#define AT_LEN_SIGNED 0x80

/* at_probe_spec.kind */
enum at_probe_kind {
	AT_KIND_FUNC = 0,    /* uprobe/uretprobe or USDT */
	AT_KIND_SYSCALL = 1, /* a probe-file syscall probe: listed in sys_probes by number */
};

/*
 * One probe, by probe id: a function or USDT probe (the BPF cookie of its
 * links) or a probe-file syscall probe (kind).
 */
struct at_probe_spec {
	__s64 fail_val;		   /* value the return is compared with */
	__u16 fixed_len[AT_SLOTS]; /* bytes of buf[N]/char[N] slots */
	__u8 enabled;		   /* 0: the slot is free or being replaced */
	__u8 mode;		   /* enum at_probe_mode */
	__u8 abi;		   /* enum at_abi */
	__u8 fail_op;		   /* enum at_fail_op */
	__u8 ret_bits;		   /* width of the return type: 8, 16, 32, 64 */
	__u8 ret_signed;	   /* the return type is signed */
	__u8 slot_kind[AT_SLOTS]; /* enum at_slot_kind: at entry STR_IN, BUF_IN; at return the rest */
	__u8 slot_arg[AT_SLOTS]; /* argument index each slot reads */
	/* The call record word holding the length (a Go length: 6 to 8), AT_ARG_NONE: fixed_len */
	__u8 len_arg[AT_SLOTS];
	__u8 kind;	   /* enum at_probe_kind */
	__u8 only_failing; /* when: failing: only calls whose return fails */
	/* Probe files: filter, then actions; sample and rate limit gate events only. */
	__u8 actions;	    /* AT_ACT_*; 0 means AT_ACT_EVENT (-u probes) */
	__u8 signal;	    /* signal number for AT_ACT_SIGNAL */
	__u8 hist_of;	    /* enum at_hist_of */
	__u8 on_unreadable; /* enum at_unreadable */
	/*
	 * AT_ABI_GO: the Go integer register (0 RAX, 1 RBX, 2 RCX, 3 RDI, 4 RSI,
	 * 5 R8, 6 R9, 7 R10, 8 R11) each call record word (args, then more)
	 * holds; AT_ARG_NONE: 0. A string, slice or interface takes 2 or 3.
	 */
	__u8 word_reg[AT_CALL_WORDS];
	/* buf[len=*argK]: bytes of the integer len_arg points to (1, 2, 4, 8); 0: len_arg's value */
	__u8 len_deref[AT_SLOTS];
	/* AT_ABI_GO: the result word (0 RAX, 1 RBX, 2 RCX) of an error's type word, AT_ARG_NONE: none */
	__u8 err_word;
	__u8 nderef; /* deref[0..nderef-1] used */
	/*
	 * SysV and USDT: each record word is the register word_reg names, not
	 * the register at its position (a dereference ARG takes no register).
	 */
	__u8 remap;
	__u32 sample; /* 1 in sample events is kept; 0 or 1: all */
	/*
	 * buf[len=argK]: the width in bits of argument K's type (8, 16, 32, 64),
	 * | AT_LEN_SIGNED when it is signed, so an int's junk upper half or a
	 * negative length is no huge length; 0: the whole word, unsigned.
	 */
	__u8 len_bits[AT_SLOTS];
	__u64 rate_interval_ns; /* token bucket: one token per interval; 0: no limit */
	__u64 rate_burst_ns;	/* bucket depth as time: interval * (burst - 1) */
	struct at_filter filter;
	struct at_deref deref[AT_DEREFS];
};

/* Mutable per-probe state shared by all CPUs (atomics): rate limit and sampling. */
struct at_probe_state {
	__u64 tat;	  /* token bucket as GCRA: theoretical arrival time, ns */
	__u64 sample_seq; /* events offered to sampling */
};

/* Probe-file targets matched at exec, in the kernel. */
#define AT_MAX_TARGET_COMMS 16
/* Executable inodes: the map's default size; limits.exe_files sets it at load (session.c). */
#define AT_MAX_TARGET_INODES 4096
#define AT_TARGET_INODES_LIMIT (1u << 20)
struct at_inode_key {
	__u64 ino; /* inode number of the executable */
	__u32 dev; /* the kernel's dev_t of its file system: major << 20 | minor */
	__u32 pad;
};
/*
 * Executable file names (the last path component) exec compares, whole or as
 * a prefix (a glob's name up to its first wildcard): NUL-padded, the first
 * AT_NAME_LEN - 1 bytes. A prefix of length L is looked up when bit L of
 * exec_name_lens is set.
 */
#define AT_MAX_TARGET_NAMES 256
/*
 * Mount namespaces with a verdict on container and pod targets (an LRU: one
 * evicted is a candidate again at its next exec), keyed by the namespace's
 * id (ns_common.ns_id, never reused; where the kernel lacks it, the inode
 * number, which is), valued 1 for a target and 0 for not.
 */
#define AT_MAX_TARGET_MNTNS 4096
#define AT_NAME_LEN 32
struct at_name_key {
	char name[AT_NAME_LEN];
};
/* A command name as the kernel keeps it, NUL-padded: the key of target_comms. */
struct at_comm_key {
	char comm[AT_COMM_LEN];
};

/* Probe-file syscall probes on each syscall number. */
#define AT_SYS_PROBES 8
struct at_sys_probes {
	__u16 ids[AT_SYS_PROBES]; /* probe id + 1; 0 is a free slot */
};

/* One bit per possible tgid: PID_MAX_LIMIT is 4M on 64-bit kernels. */
#define AT_PID_LIMIT (1u << 22)
#define AT_PID_WORDS (AT_PID_LIMIT / 64)
struct at_pid_bits {
	__u64 w[AT_PID_WORDS];
};

_Static_assert(sizeof(struct at_sys_spec) == 4 * AT_SLOTS + 6, "at_sys_spec layout");
_Static_assert(sizeof(struct at_cond) == 16 + AT_FILTER_STR, "at_cond layout");
_Static_assert(sizeof(struct at_filter) == 24 + AT_FILTER_CONDS * sizeof(struct at_cond),
	       "at_filter layout");
_Static_assert(AT_FILTER_STR < AT_STR_MAX, "a string operand fits a slot's inline part");
_Static_assert(sizeof(struct at_deref) == 28, "at_deref layout");
_Static_assert(sizeof(struct at_probe_spec) ==
		       80 + sizeof(struct at_filter) + AT_DEREFS * sizeof(struct at_deref),
	       "at_probe_spec layout");
_Static_assert(sizeof(struct at_probe_state) == 16, "at_probe_state layout");
_Static_assert(sizeof(struct at_inode_key) == 16, "at_inode_key layout");
_Static_assert(sizeof(struct at_comm_key) == AT_COMM_LEN, "at_comm_key layout");
_Static_assert(sizeof(struct at_name_key) == AT_NAME_LEN, "at_name_key layout");
_Static_assert(sizeof(struct at_sys_probes) == 2 * AT_SYS_PROBES, "at_sys_probes layout");
_Static_assert(sizeof(struct at_pid_bits) == AT_PID_LIMIT / 8, "at_pid_bits layout");

#endif /* AT_SPEC_H */
