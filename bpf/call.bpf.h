/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What syscall and function probes share: the traced-process filter, reading
 * strings and buffers from the caller into a record's slots, and sending it.
 */
#ifndef AT_CALL_BPF_H
#define AT_CALL_BPF_H

#include "record.h"
#include "maps.bpf.h"

/* false with -c: statistics only, no records; set by the loader. */
const volatile bool stream = true;

/* Capture limit per slot (-s), below AT_STR_MAX; set by the loader. */
const volatile __u32 str_max = 64;

/*
 * Traced processes by tgid: the set itself, filled by the loader, extended at
 * fork with -f, shrunk at exit. Its emptiness ends the trace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

/*
 * The same set as one bit per possible tgid, for the filter every probe runs
 * first: a bit test costs a few ns where a hash lookup measured about 70 ns
 * per syscall here. Mapped by the loader, which sets bits for the pids it adds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_pid_bits);
} traced_bits SEC(".maps");

static __always_inline __u64 *pid_word(__u32 tgid)
{
	__u32 zero = 0;
	struct at_pid_bits *b = bpf_map_lookup_elem(&traced_bits, &zero);

	return b ? &b->w[(tgid / 64) & (AT_PID_WORDS - 1)] : NULL;
}

static __always_inline bool is_traced(__u32 tgid)
{
	__u64 *w = pid_word(tgid);

	return w && (*w & (1ULL << (tgid % 64)));
}

/* Adds tgid to or removes it from the bitmap (the hash map is updated apart). */
static __always_inline void mark_traced(__u32 tgid, bool on)
{
	__u64 *w = pid_word(tgid);

	if (!w)
		return;
	if (on)
		__sync_fetch_and_or(w, 1ULL << (tgid % 64));
	else
		__sync_fetch_and_and(w, ~(1ULL << (tgid % 64)));
}

/*
 * Room for a string of str_max bytes, its NUL and one more: a string of
 * exactly str_max bytes reads str_max + 1, a longer one str_max + 2. The
 * loader keeps str_max + 2 <= AT_STR_MAX.
 */
static __always_inline __u32 str_room(void)
{
	return str_max + 2 > AT_STR_MAX ? AT_STR_MAX : str_max + 2;
}

/* Slot i's length and flags after a string read that returned n. */
static __always_inline void str_read(struct at_call_rec *rec, int i, long n)
{
	if (n <= 0) {
		rec->flags |= AT_CALL_FAULT0 << i;
		n = 1;
	} else if (n > str_max + 1) {
		rec->flags |= AT_CALL_TRUNC0 << i;
	}
	rec->slot_len[i] = n - 1 > str_max ? str_max : n - 1;
}

/*
 * Sleepable programs (function entries and USDT hits, where the kernel allows
 * it) read with bpf_copy_from_user, which faults a page in: a string on a
 * page the process has not touched yet (a fresh program's .rodata) is read,
 * where bpf_probe_read_user fails. Whether to use the string kfunc (6.12+):
 * the loader tries with it first; a weak extern, so a kernel without it
 * still loads the object with it off, the call being dead code then.
 */
const volatile bool copy_str_kfunc = false;

extern int bpf_copy_from_user_str(void *dst, __u32 dst__sz, const void *unsafe_ptr__ign,
				  __u64 flags) __weak __ksym;

/* The smallest page size: touching every 4 KiB touches every page, whatever their size. */
#define AT_MIN_PAGE 4096ULL

/*
 * A string read that may sleep, as bpf_probe_read_user_str returns: the
 * length with the NUL, or a negative errno. Without the kfunc the string is
 * read as it is first (its pages are usually there); only if that fails is
 * one byte of its first page copied with bpf_copy_from_user, which faults it
 * in, and the read made again; then, if the room spans a second page (at
 * most two: AT_STR_MAX < AT_MIN_PAGE), that page too. So no page is touched
 * that the string does not reach, and a warm string costs one read.
 */
static __always_inline long copy_user_str(void *dst, __u32 size, const void *ptr)
{
	__u64 last = (__u64)ptr + size - 1;
	long n;
	char c;

	if (copy_str_kfunc)
		return bpf_copy_from_user_str(dst, size, ptr, 0);
	n = bpf_probe_read_user_str(dst, size, ptr);
	if (n >= 0 || bpf_copy_from_user(&c, 1, ptr))
		return n;
	n = bpf_probe_read_user_str(dst, size, ptr);
	if (n >= 0 || !(((__u64)ptr ^ last) & ~(AT_MIN_PAGE - 1)))
		return n;
	if (bpf_copy_from_user(&c, 1, (const void *)(last & ~(AT_MIN_PAGE - 1))))
		return n;
	return bpf_probe_read_user_str(dst, size, ptr);
}

/*
 * Reads slot i from the pointer in argument arg: a NUL-terminated string, or
 * want bytes of a buffer. Cut and unreadable captures are flagged. may_sleep:
 * the program is sleepable and faults pages in (a constant per call site).
 */
static __always_inline void capture(struct at_call_rec *rec, int i, bool is_str, __u8 arg,
				    __u64 want, bool may_sleep)
{
	const void *ptr;
	long n, err;

	if (arg > 5)
		return;
	ptr = (const void *)rec->args[arg];
	rec->slot_arg[i] = arg;
	if (!ptr) {
		rec->slot_len[i] = 0;
		return;
	}
	if (is_str) {
		n = may_sleep ? copy_user_str(rec->slot[i], str_room(), ptr) :
				bpf_probe_read_user_str(rec->slot[i], str_room(), ptr);
		str_read(rec, i, n);
		return;
	}
	n = want > str_max ? str_max : want;
	if (want > str_max)
		rec->flags |= AT_CALL_TRUNC0 << i;
	n &= AT_STR_MAX - 1;
	err = may_sleep ? bpf_copy_from_user(rec->slot[i], n, ptr) :
			  bpf_probe_read_user(rec->slot[i], n, ptr);
	if (err) {
		rec->flags |= AT_CALL_FAULT0 << i;
		n = 0;
	}
	rec->slot_len[i] = n;
}

/* Sends the record; only the used part of the last slot goes out. false when lost. */
static __always_inline bool emit(struct at_call_rec *rec)
{
	__u64 size;
	int last = rec->slot_arg[1] != 0xff ? 1 : 0;

	if (rec->slot_arg[last] == 0xff)
		size = offsetof(struct at_call_rec, slot);
	else
		size = offsetof(struct at_call_rec, slot) + last * AT_STR_MAX +
		       (rec->slot_len[last] & (AT_STR_MAX - 1));
	if (size > sizeof(*rec))
		return false;
	return rb_output(rec, size, false);
}

struct frame {
	__u32 probe_id;		/* probe whose entry made this frame */
	__u32 active;		/* 0 once its return was seen (popped lazily from the top) */
	struct at_call_rec rec; /* the record being built */
};

/* The calls a thread is inside, innermost last. */
struct frames {
	__u32 depth; /* frames in use, may exceed AT_MAX_DEPTH (not stored) */
	__u32 pad;
	struct frame f[AT_MAX_DEPTH];
};

/*
 * Function calls in flight per thread. Defined here because the syscall
 * object's exit program releases it; the loader makes both objects share it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct frames);
} call_frames SEC(".maps");

/* Per-thread state entries (syscall and function tables), bounded by limits.thread_state. */
const volatile __u64 max_thread_state = 0; /* 0: no bound */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} thread_states SEC(".maps");

/* Counts one more per-thread state entry; false, and nothing counted, past the bound. */
static __always_inline bool state_reserve(void)
{
	__u32 zero = 0;
	__s64 *n = bpf_map_lookup_elem(&thread_states, &zero);

	if (!n)
		return false;
	/* At the bound already: a plain read, not an add and its undo on a shared line. */
	if (max_thread_state && *(volatile __s64 *)n >= (__s64)max_thread_state)
		return false;
	if (__sync_fetch_and_add(n, 1) >= (__s64)max_thread_state && max_thread_state) {
		__sync_fetch_and_add(n, -1);
		return false;
	}
	return true;
}

static __always_inline void state_release(void)
{
	__u32 zero = 0;
	__s64 *n = bpf_map_lookup_elem(&thread_states, &zero);

	if (n)
		__sync_fetch_and_add(n, -1);
}

/*
 * The task storage of map for the current thread, made when missing if the
 * bound on per-thread state allows; NULL, counted by nobody, when refused.
 */
static __always_inline void *thread_state_try(void *map)
{
	struct task_struct *task = bpf_get_current_task_btf();
	void *v = bpf_task_storage_get(map, task, NULL, 0);

	if (v || !state_reserve())
		return v;
	v = bpf_task_storage_get(map, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v)
		state_release();
	return v;
}

/* thread_state_try() for a call that is lost without it: a refusal is counted as lost state. */
static __always_inline void *thread_state(void *map)
{
	void *v = thread_state_try(map);

	if (!v)
		count_loss(offsetof(struct at_counters, state_lost));
	return v;
}

/*
 * The probe table, by probe id, shared by the syscall and function programs
 * (the loader makes both objects use one map of each): what a probe captures,
 * its filter and actions; the loader fills and empties entries at run time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_probe_spec);
} probes SEC(".maps");

/* Calls, errors and latency (or value) histogram per probe, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_stat);
} probe_stats SEC(".maps");

/* What happened to each probe's hits, per CPU: filtered, sampled, limited, sent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_probe_counts);
} probe_counts SEC(".maps");

/* Rate limit and sampling state per probe, shared by all CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_probe_state);
} probe_state SEC(".maps");

/* The first bytes of a string operand's subject: a capture slot, or the comm. */
struct at_str_head {
	char c[AT_FILTER_STR];
};

/*
 * A string of len bytes (its head in s) compared with c->str: equal, or a
 * prefix. Global, so the verifier checks it once for its three callers.
 */
__attribute__((noinline)) int str_match(const struct at_str_head *s, __u32 len,
					const struct at_cond *c)
{
	__u32 n;

	if (!s || !c)
		return 0;
	n = c->slen;
	if (n > AT_FILTER_STR)
		return false;
	if (c->cmp == AT_CMP_PREFIX ? len < n : len != n)
		return false;
	for (__u32 i = 0; i < AT_FILTER_STR; i++) {
		if (i >= n)
			break;
		if (s->c[i] != c->str[i])
			return false;
	}
	return true;
}

/* The integer comparison both sides share: at_cmp_int() in record.h. */
static __always_inline bool cmp_int(__u8 op, bool is_signed, __u8 bits, __u64 raw, __s64 val)
{
	return at_cmp_int(op, is_signed, bits, raw, val);
}

/*
 * cond_true() and filter_pass()'s third answer: a string comparison whose
 * subject could not be read. Neither equal nor different is known then; the
 * probe's on_unreadable decides, and the hit is counted.
 */
#define AT_UNKNOWN 2

/*
 * One comparison of a filter: true, false, or AT_UNKNOWN. A global function,
 * like probe_hit: verified once rather than once per condition of the loop
 * that calls it.
 */
__attribute__((noinline)) int cond_true(const struct at_cond *c, const struct at_call_rec *rec)
{
	__u64 raw;

	if (!c || !rec)
		return false;
	if (c->is_str) {
		bool eq;

		if (c->field == AT_FLD_COMM) {
			struct at_str_head comm = {};
			__u32 len = 0;

			bpf_get_current_comm(comm.c, 16);
			for (int i = 0; i < 16; i++) {
				if (!comm.c[i])
					break;
				len++;
			}
			eq = str_match(&comm, len, c);
		} else if (rec->slot_arg[0] == c->field) {
			if (rec->flags & AT_CALL_FAULT0)
				return AT_UNKNOWN;
			eq = str_match((const struct at_str_head *)rec->slot[0],
				       rec->slot_len[0] & (AT_STR_MAX - 1), c);
		} else if (rec->slot_arg[1] == c->field) {
			if (rec->flags & AT_CALL_FAULT1)
				return AT_UNKNOWN;
			eq = str_match((const struct at_str_head *)rec->slot[1],
				       rec->slot_len[1] & (AT_STR_MAX - 1), c);
		} else {
			return false;
		}
		return c->cmp == AT_CMP_NE ? !eq : eq;
	}
	switch (c->field) {
	case AT_FLD_RET:
		raw = rec->ret;
		break;
	case AT_FLD_PID:
		raw = rec->hdr.pid;
		break;
	case AT_FLD_TID:
		raw = rec->hdr.tid;
		break;
	case AT_FLD_UID:
		raw = (__u32)bpf_get_current_uid_gid();
		break;
	default:
		if (c->field > 5)
			return false;
		raw = rec->args[c->field];
		break;
	}
	return cmp_int(c->cmp, c->is_signed, c->bits, raw, c->val);
}

/*
 * Runs the probe's filter on a record: every condition once, then the postfix
 * program over their results, true, false or AT_UNKNOWN. No filter matches
 * everything.
 *
 * An unreadable string makes its comparison unknown, and the program runs in
 * three-valued (Kleene) logic, a known bit beside each value bit on the
 * stack: false and unknown is false, true or unknown is true, not unknown is
 * unknown. So a verdict the unreadable string cannot change stands (pid == 1
 * and path == "/x" is false for pid 2 whatever the path), and only a verdict
 * that depends on it is AT_UNKNOWN.
 */
__attribute__((noinline)) int filter_pass(const struct at_probe_spec *spec,
					  const struct at_call_rec *rec)
{
	const struct at_filter *f;
	__u32 bits = 0, unknown = 0, st = 0, kn = 0;

	if (!spec || !rec)
		return 0;
	f = &spec->filter;
	if (!f->ncode)
		return true;
	for (int i = 0; i < AT_FILTER_CONDS; i++) {
		int r;

		if (i >= f->ncond)
			break;
		r = cond_true(&f->cond[i], rec);
		if (r == AT_UNKNOWN)
			unknown |= 1u << i;
		else if (r)
			bits |= 1u << i;
	}
	for (int i = 0; i < AT_FILTER_CODE; i++) {
		__u32 a, b, ka, kb, v, k;
		__u8 op;

		if (i >= f->ncode)
			break;
		op = f->code[i];
		if (op & AT_FOP_COND) {
			__u32 c = op & (AT_FILTER_CONDS - 1);

			st = (st << 1) | ((bits >> c) & 1);
			kn = (kn << 1) | (~(unknown >> c) & 1);
			continue;
		}
		if (op == AT_FOP_NOT) {
			st ^= 1;
			continue;
		}
		/* A value bit counts only where its known bit is set. */
		b = st & kn & 1, a = (st & kn) >> 1 & 1;
		kb = kn & 1, ka = kn >> 1 & 1;
		if (op == AT_FOP_AND) {
			v = a & b;
			k = (ka & kb) | (ka & !a) | (kb & !b);
		} else {
			v = a | b;
			k = (ka & kb) | a | b;
		}
		st = (st >> 2) << 1 | v;
		kn = (kn >> 2) << 1 | k;
	}
	return kn & 1 ? st & 1 : AT_UNKNOWN;
}

/* Token bucket as a generic cell rate algorithm: one compare-and-swap per event. */
static __always_inline bool rate_ok(struct at_probe_state *ps, const struct at_probe_spec *spec,
				    __u64 now)
{
	for (int i = 0; i < 4; i++) {
		__u64 tat = ps->tat;
		__u64 base = tat > now ? tat : now;

		if (base - now > spec->rate_burst_ns)
			return false;
		if (__sync_val_compare_and_swap(&ps->tat, tat, base + spec->rate_interval_ns) ==
		    tat)
			return true;
	}
	return false;
}

/* Adds one call to a statistics entry. */
static __always_inline void stat_add(struct at_stat *st, bool failed, __u64 dur)
{
	st->count++;
	if (failed)
		st->errors++;
	st->total_ns += dur;
	if (dur > st->max_ns)
		st->max_ns = dur;
	st->hist[at_hist_bucket(dur) & (AT_HIST_BUCKETS - 1)]++;
}

/* The value a probe's statistics aggregate: the duration, or the value the histogram asks for. */
static __always_inline __u64 stat_value(const struct at_probe_spec *spec,
					const struct at_call_rec *rec, __u64 dur)
{
	__u8 of = spec->hist_of;
	__s64 v;

	if (!(spec->actions & AT_ACT_HIST) || of == AT_HIST_LATENCY)
		return dur;
	if (of == AT_HIST_RET)
		v = rec->ret;
	else
		v = (__s64)rec->args[(of - AT_HIST_ARG0) & 7]; /* the loader keeps it below 6 */
	return v < 0 ? 0 : (__u64)v;
}

/*
 * A probe hit, complete: the filter, then the actions. Count and histogram
 * aggregate every matching call; sampling and the rate limit gate only the
 * events; a signal goes with every matching call. now is the time the record
 * carries. Returns whether the call matched.
 *
 * A global function: the verifier checks it once, not once per call site and
 * per loop iteration of a caller that runs several probes on one record.
 */
__attribute__((noinline)) int probe_hit(__u32 id, struct at_call_rec *rec, int failed, __u64 dur,
					__u64 now)
{
	struct at_probe_spec *spec = bpf_map_lookup_elem(&probes, &id);
	struct at_probe_counts *pc = bpf_map_lookup_elem(&probe_counts, &id);
	struct at_probe_state *ps;
	struct at_stat *st;
	int pass;
	__u8 acts;

	if (!spec || !pc || !rec)
		return 0;
	acts = spec->actions ? spec->actions : AT_ACT_EVENT;
	pc->hits++;
	pass = spec->only_failing && !failed ? 0 : filter_pass(spec, rec);
	/* Never silently "did not match": counted, and the probe says which way it goes. */
	if (pass == AT_UNKNOWN) {
		pc->unreadable++;
		pass = spec->on_unreadable != AT_UNREAD_SKIP;
	}
	if (!pass) {
		pc->filtered++;
		return 0;
	}
	pc->matched++;
	st = bpf_map_lookup_elem(&probe_stats, &id);
	if (st)
		stat_add(st, failed, stat_value(spec, rec, dur));
	if (acts & AT_ACT_SIGNAL) {
		if (bpf_send_signal(spec->signal))
			pc->signal_failed++;
		else
			pc->signals++;
	}
	/* With -c nothing is streamed: no record is made at all. */
	if (!(acts & AT_ACT_EVENT) || !stream)
		return 1;
	ps = bpf_map_lookup_elem(&probe_state, &id);
	if (!ps)
		return 1;
	if (spec->sample > 1 && __sync_fetch_and_add(&ps->sample_seq, 1) % spec->sample) {
		pc->sampled_out++;
		return 1;
	}
	if (spec->rate_interval_ns && !rate_ok(ps, spec, now)) {
		pc->rate_limited++;
		return 1;
	}
	rec->hdr.probe_id = id;
	if (emit(rec))
		pc->emitted++;
	else
		pc->emit_lost++;
	return 1;
}

#endif /* AT_CALL_BPF_H */
