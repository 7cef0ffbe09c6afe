/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Statistics and counters the BPF programs aggregate and userspace sums over CPUs. */
#ifndef AT_STATS_H
#define AT_STATS_H

#include "record.h"

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
	__u64 signal_held;   /* signals not sent: the process was an unconfirmed candidate */
};

/*
 * What a candidate process (an exec matched by name or by an unknown
 * container, not confirmed yet) adds, kept apart by (tgid, probe id) until
 * the reader confirms it (added to the totals) or rejects it (dropped). A
 * syscall's own statistics go under AT_PENDING_SYS | nr.
 */
#define AT_MAX_PENDING 1024
#define AT_PENDING_SYS 0x80000000u
struct at_pending_key {
	__u32 tgid;
	__u32 id;
};
struct at_pending_acct {
	struct at_probe_counts c;
	struct at_stat st;
};

/*
 * Loss and health counters, one per CPU in the 'counters' map, named once:
 * X(field, json key, text label) for every renderer to iterate over.
 */
#define AT_COUNTERS(X)                                               \
	X(rb_lost, "ringbuf", "ring buffer full")                    \
	X(state_lost, "state", "thread state")                       \
	X(tgid_full, "proc_table", "process table full")             \
	X(depth_lost, "depth", "call depth")                         \
	X(orphan_ret, "unpaired_ret", "unpaired returns")            \
	X(pending_full, "pending", "candidate accounting full")      \
	X(go_unmatched, "go_unmatched", "Go entries without return") \
	X(path_lost, "path_table", "-P file table full")

/*
 * rb_lost: records that found the ring buffer full; state_lost: calls whose
 * per-thread state could not be stored; tgid_full: forked children that did
 * not fit in the traced-process map; depth_lost: function calls nested deeper
 * than AT_MAX_DEPTH per thread; orphan_ret: returns whose entry was not seen
 * (attached mid-call, longjmp); pending_full: calls of a candidate process
 * counted with the totals at once, its own table (AT_MAX_PENDING) being full; go_unmatched: Go calls whose entry
 * was seen and no return (a panic, a tail jump, runtime.Goexit), found when
 * the goroutine enters the function again at the same depth, and Go entries
 * on no goroutine stack (R14 not a runtime.g: an assembly function);
 * path_lost: files -P's calls opened that did not fit in its inode table
 * (AT_TRACE_INODES): calls on them are not traced.
 */
struct at_counters {
#define AT_COUNTER_FIELD(f, json, text) __u64 f;
	AT_COUNTERS(AT_COUNTER_FIELD)
#undef AT_COUNTER_FIELD
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

_Static_assert(sizeof(struct at_stat) == 32 + 4 * AT_HIST_BUCKETS, "at_stat layout");
_Static_assert(sizeof(struct at_probe_counts) == 11 * 8, "at_probe_counts layout");
_Static_assert(sizeof(struct at_counters) == 8 * 8, "at_counters layout");

#endif /* AT_STATS_H */
