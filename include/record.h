/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records that the BPF programs put in the ring buffer, shared by both sides.
 * Plain fixed-size types only: no libc and no vmlinux.h here.
 */
#ifndef AT_RECORD_H
#define AT_RECORD_H

/* BPF code gets the __u* types from vmlinux.h, userspace from the uapi header. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Highest syscall number + 1 that the syscall tables cover (x86-64 stops below 512). */
#define AT_NR_MAX 512
/* Capture slots per syscall record: strings or buffers read from the caller. */
#define AT_SLOTS 2
/* Upper bound of one capture slot in bytes; the run-time limit (-s) is at most this. */
#define AT_STR_MAX 256
/* Arguments a call record carries: the six argument registers of a syscall or a function. */
#define AT_MAX_ARGS 6
/* slot_arg / len_arg value of an unused slot: no argument. */
#define AT_ARG_NONE 0xff
/* Length of a task command name with its NUL (the kernel's TASK_COMM_LEN). */
#define AT_COMM_LEN 16
/* Return values in [-AT_MAX_ERRNO, -1] are errors (the kernel's MAX_ERRNO). */
#define AT_MAX_ERRNO 4095

/* What a record is; the first field of every record. */
enum at_rec_type {
	AT_REC_SYSCALL = 1,   /* one system call, entry and exit paired */
	AT_REC_PROC_FORK = 2, /* a traced process forked a child that is now traced (-f) */
	AT_REC_PROC_EXIT = 3, /* the last thread of a traced process exited */
	AT_REC_FUNC = 4,      /* one function call (uprobe/uretprobe), same layout as syscalls */
	AT_REC_PROC_EXEC = 5, /* a process exec'ed a probe-file target and is now traced */
};

/* A syscall return value that is a negative errno. */
static inline __attribute__((always_inline)) int at_is_err(__s64 ret)
{
	return ret < 0 && ret >= -AT_MAX_ERRNO;
}

/* Common header of every record. */
struct at_rec_hdr {
	__u64 ts_ns;	/* CLOCK_MONOTONIC (bpf_ktime_get_ns) when the record was completed */
	__u32 type;	/* enum at_rec_type */
	__u32 probe_id; /* probe that made the record; syscalls use AT_PROBE_SYSCALLS */
	__u32 pid;	/* tgid of the process */
	__u32 tid;	/* kernel thread id */
};

/* Probe id of the built-in syscall probe; function probes number from 1. */
#define AT_PROBE_SYSCALLS 0

/* at_call_rec.flags */
#define AT_CALL_NORETURN (1u << 0) /* exit/exit_group: no return value */
#define AT_CALL_TRUNC0 (1u << 1)   /* slot 0 was cut at the capture limit */
#define AT_CALL_TRUNC1 (1u << 2)   /* slot 1 was cut at the capture limit */
#define AT_CALL_FAULT0 (1u << 3)   /* slot 0 could not be read (bad pointer) */
#define AT_CALL_FAULT1 (1u << 4)   /* slot 1 could not be read (bad pointer) */

#define AT_CALL_FAILING (1u << 5)     /* the return value matched the probe's failing predicate */
#define AT_CALL_ENTRY_ONLY (1u << 6)  /* entry-only probe: no return value or duration */
#define AT_CALL_RETURN_ONLY (1u << 7) /* return-only probe: no arguments or entry time */
#define AT_CALL_NO_DUR (1u << 8)      /* seen at sys_exit alone: no entry time or duration */
#define AT_CALL_ARGS_GONE (1u << 9)   /* a successful exec: the old image's pointers are gone */

/*
 * One call, a system call (AT_REC_SYSCALL) or a function (AT_REC_FUNC):
 * arguments at entry, return value and duration at exit.
 */
struct at_call_rec {
	struct at_rec_hdr hdr;	  /* type AT_REC_SYSCALL; ts_ns is the exit time */
	__u64 args[6];		  /* raw argument registers at entry */
	__s64 ret;		  /* return value (negative errno on failure) */
	__u64 enter_ns;		  /* entry time; duration = hdr.ts_ns - enter_ns */
	__u32 nr;		  /* syscall number; 0 for functions (hdr.probe_id says which) */
	__u16 flags;		  /* AT_CALL_* */
	__u16 slot_len[AT_SLOTS]; /* bytes captured in each slot (strings: without NUL) */
	__u8 slot_arg[AT_SLOTS];  /* argument index each slot holds, 0xff when unused */
	__u8 pad[4];		  /* explicit padding to 8 bytes */
	char slot[AT_SLOTS][AT_STR_MAX]; /* captured bytes; only the used part is sent */
};

/* A process entered or left the traced set. */
struct at_proc_rec {
	struct at_rec_hdr
		hdr; /* type AT_REC_PROC_FORK or AT_REC_PROC_EXIT; pid is the child/exiting tgid */
	__u32 ppid;  /* parent tgid (fork) */
	__s32 exit_code; /* wait status of the exiting process (exit) */
	char comm[16];	 /* task command name */
};

/* How a capture slot is filled; at_sys_spec.slot_kind values. */
enum at_slot_kind {
	AT_SLOT_NONE = 0,
	AT_SLOT_STR_IN = 1,  /* NUL-terminated string read at entry */
	AT_SLOT_BUF_IN = 2,  /* buffer read at entry, length in argument len_arg */
	AT_SLOT_BUF_OUT = 3, /* buffer read at exit, length = return value (bounded by len_arg) */
};

/* What the BPF side captures for one syscall number. */
struct at_sys_spec {
	__u8 slot_kind[AT_SLOTS]; /* enum at_slot_kind */
	__u8 slot_arg[AT_SLOTS];  /* argument index holding the pointer */
	__u8 len_arg[AT_SLOTS];	  /* argument index holding the length (BUF kinds) */
	__u8 noreturn;		  /* 1 for exit/exit_group */
	__u8 exec;		  /* 1 for execve/execveat: the caller's memory is gone at exit */
	__u8 fork; /* 1 for clone/clone3/fork/vfork: the new task also returns, with 0 */
};

/* Function probes: table size and nesting depth kept per thread. */
#define AT_MAX_PROBES 1024
#define AT_MAX_DEPTH 16

/* at_probe_spec.mode */
enum at_probe_mode {
	AT_MODE_CALL = 0,   /* entry and return paired, one record per call */
	AT_MODE_ENTRY = 1,  /* entry only */
	AT_MODE_RETURN = 2, /* return only */
};

/* at_probe_spec.abi: where the arguments are. */
enum at_abi {
	AT_ABI_SYSV = 0, /* rdi rsi rdx rcx r8 r9 */
	AT_ABI_GO = 1,	 /* Go register ABI: rax rbx rcx rdi rsi r8 */
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
#define AT_FILTER_STR 32 /* longest string operand, without NUL */

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
	AT_CMP_PREFIX, /* strings only: the value starts with str */
};

/*
 * op (enum at_cmp; enum at_fail_op has the same values) on raw taken at the
 * width and signedness of its type, against val. The kernel's filters and
 * failing predicates use it, and userspace the same (uspec_failed).
 */
static inline __attribute__((always_inline)) int at_cmp_int(__u8 op, int is_signed, __u8 bits,
							    __u64 raw, __s64 val)
{
	__u32 shift = 64 - (bits & 127);
	__s64 sv;

	if (shift >= 64)
		shift = 0;
	sv = (__s64)(raw << shift) >> shift;
	raw = (raw << shift) >> shift;
	if (is_signed) {
		switch (op) {
		case AT_CMP_EQ:
			return sv == val;
		case AT_CMP_NE:
			return sv != val;
		case AT_CMP_LT:
			return sv < val;
		case AT_CMP_LE:
			return sv <= val;
		case AT_CMP_GT:
			return sv > val;
		case AT_CMP_GE:
			return sv >= val;
		}
		return 0;
	}
	switch (op) {
	case AT_CMP_EQ:
		return raw == (__u64)val;
	case AT_CMP_NE:
		return raw != (__u64)val;
	case AT_CMP_LT:
		return raw < (__u64)val;
	case AT_CMP_LE:
		return raw <= (__u64)val;
	case AT_CMP_GT:
		return raw > (__u64)val;
	case AT_CMP_GE:
		return raw >= (__u64)val;
	}
	return 0;
}

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

/* at_probe_spec.kind */
enum at_probe_kind {
	AT_KIND_FUNC = 0,    /* uprobe/uretprobe or USDT */
	AT_KIND_SYSCALL = 1, /* a probe-file syscall probe: listed in sys_probes by number */
};

/* One function probe, by probe id (the BPF cookie of its links). */
struct at_probe_spec {
	__s64 fail_val;		   /* value the return is compared with */
	__u16 fixed_len[AT_SLOTS]; /* bytes of buf[N]/char[N] slots */
	__u8 enabled;		   /* 0: the slot is free or being replaced */
	__u8 mode;		   /* enum at_probe_mode */
	__u8 abi;		   /* enum at_abi */
	__u8 fail_op;		   /* enum at_fail_op */
	__u8 ret_bits;		   /* width of the return type: 8, 16, 32, 64 */
	__u8 ret_signed;	   /* the return type is signed */
	__u8 slot_kind[AT_SLOTS];  /* enum at_slot_kind (STR_IN or BUF_IN) */
	__u8 slot_arg[AT_SLOTS];   /* argument index each slot reads */
	__u8 len_arg[AT_SLOTS];	   /* argument holding the length, 0xff for fixed_len */
	__u8 kind;		   /* enum at_probe_kind */
	__u8 only_failing;	   /* when: failing: only calls whose return fails */
	/* Probe files: filter, then actions; sample and rate limit gate events only. */
	__u8 actions;		/* AT_ACT_*; 0 means AT_ACT_EVENT (-u probes) */
	__u8 signal;		/* signal number for AT_ACT_SIGNAL */
	__u8 hist_of;		/* enum at_hist_of */
	__u8 on_unreadable;	/* enum at_unreadable */
	__u8 pad[2];		/* explicit padding */
	__u32 sample;		/* 1 in sample events is kept; 0 or 1: all */
	__u64 rate_interval_ns; /* token bucket: one token per interval; 0: no limit */
	__u64 rate_burst_ns;	/* bucket depth as time: interval * (burst - 1) */
	struct at_filter filter;
};

/* Mutable per-probe state shared by all CPUs (atomics): rate limit and sampling. */
struct at_probe_state {
	__u64 tat;	  /* token bucket as GCRA: theoretical arrival time, ns */
	__u64 sample_seq; /* events offered to sampling */
};

/* Per-probe accounting, one per CPU: hits == filtered + matched. */
struct at_probe_counts {
	__u64 hits;	     /* calls seen (traced process, probe enabled) */
	__u64 filtered;	     /* calls the filter (or when: failing) rejected */
	__u64 matched;	     /* calls that passed the filter */
	__u64 sampled_out;   /* events dropped by sampling */
	__u64 rate_limited;  /* events dropped by the rate limit */
	__u64 emitted;	     /* events put in the ring buffer */
	__u64 emit_lost;     /* events that found the ring buffer full */
	__u64 signals;	     /* signals sent */
	__u64 signal_failed; /* bpf_send_signal errors */
	__u64 unreadable;    /* hits whose filter verdict needed a string that could not be read */
};

/* Probe-file targets matched at exec, in the kernel. */
#define AT_MAX_TARGET_COMMS 16
#define AT_MAX_TARGET_INODES 64
struct at_inode_key {
	__u64 ino; /* inode number of the executable */
	__u32 dev; /* the kernel's dev_t of its file system: major << 20 | minor */
	__u32 pad;
};
/* A command name as the kernel keeps it, NUL-padded: the key of target_comms. */
struct at_comm_key {
	char comm[16];
};

/* Probe-file syscall probes on each syscall number. */
#define AT_SYS_PROBES 8
struct at_sys_probes {
	__u16 ids[AT_SYS_PROBES]; /* probe id + 1; 0 is a free slot */
};

/* Statistics of a syscall or a probe, aggregated in the kernel (per-CPU, summed in userspace). */
#define AT_HIST_SUB_BITS 2 /* 4 linear sub-buckets per power of two */
#define AT_HIST_BUCKETS (64 << AT_HIST_SUB_BITS)

struct at_stat {
	__u64 count;	/* completed calls */
	__u64 errors;	/* failed calls: negative errno, or the probe's failing predicate */
	__u64 total_ns; /* sum of durations */
	__u64 max_ns;	/* longest duration */
	__u32 hist[AT_HIST_BUCKETS]; /* log-linear latency histogram, see at_hist_bucket() */
};

/* One bit per possible tgid: PID_MAX_LIMIT is 4M on 64-bit kernels. */
#define AT_PID_LIMIT (1u << 22)
#define AT_PID_WORDS (AT_PID_LIMIT / 64)
struct at_pid_bits {
	__u64 w[AT_PID_WORDS];
};

/* Loss and health counters, one per CPU in the 'counters' map. */
struct at_counters {
	__u64 rb_lost;	  /* records that found the ring buffer full */
	__u64 state_lost; /* calls whose per-thread state could not be stored */
	__u64 tgid_full;  /* forked children that did not fit in the traced-process map */
	__u64 depth_lost; /* function calls nested deeper than AT_MAX_DEPTH per thread */
	__u64 orphan_ret; /* returns whose entry was not seen (attached mid-call, longjmp) */
};

/*
 * Log-linear bucket of a duration: the power of two, then AT_HIST_SUB_BITS bits
 * below the leading one. Used by the kernel to fill at_stat.hist and by
 * userspace to turn buckets back into values.
 */
static inline __u32 at_hist_bucket(__u64 v)
{
	__u32 lz = 0, msb, sub;

	if (v < (1u << AT_HIST_SUB_BITS))
		return (__u32)v;
	/* Leading-zero count by halving: no loops the verifier must unroll. */
	if (!(v >> 32)) {
		lz += 32;
		v <<= 32;
	}
	if (!(v >> 48)) {
		lz += 16;
		v <<= 16;
	}
	if (!(v >> 56)) {
		lz += 8;
		v <<= 8;
	}
	if (!(v >> 60)) {
		lz += 4;
		v <<= 4;
	}
	if (!(v >> 62)) {
		lz += 2;
		v <<= 2;
	}
	if (!(v >> 63)) {
		lz += 1;
		v <<= 1;
	}
	msb = 63 - lz;
	sub = (__u32)(v >> (63 - AT_HIST_SUB_BITS)) & ((1u << AT_HIST_SUB_BITS) - 1);
	return ((msb - AT_HIST_SUB_BITS + 1) << AT_HIST_SUB_BITS) + sub;
}

#endif /* AT_RECORD_H */
