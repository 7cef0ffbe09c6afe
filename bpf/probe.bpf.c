// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What every probe hit runs, syscall or function: the filter machine and the
 * actions. Global functions, defined here only: the verifier checks each once
 * per program, and the linker resolves the other objects' calls to them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "eval.h"
#include "record.h"
#include "lib/capture.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/probe.bpf.h"
#include "lib/stack.bpf.h"
#include "lib/stats.bpf.h"

/* One license for the linked object: each strong symbol is defined in one file only. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The first bytes of a string operand's subject: a capture slot, or the comm. */
struct at_str_head {
	char c[AT_FILTER_STR];
};

/* The comm a condition compares, read into it (its bytes past AT_COMM_LEN stay 0). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_str_head);
} comm_head SEC(".maps");

/* The ASCII capitals of 8 bytes lower-cased, all at once (the other bytes as they are). */
static __always_inline __u64 fold8(__u64 x)
{
	const __u64 ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	__u64 low7 = x & ~high;
	/* Per byte, high bit: its low 7 bits are >= 'A', and > 'Z'. */
	__u64 ge_a = low7 + (0x80 - 'A') * ones, gt_z = low7 + (0x7f - 'Z') * ones;
	__u64 upper = ge_a & ~gt_z & ~x & high;

	return x | upper >> 2; /* 0x80 >> 2: the 0x20 between a capital and its small letter */
}

/*
 * A string of len bytes (its head in s) compared with c->str: equal, or a
 * prefix, exactly or ASCII case folded. Eight bytes a step (the operand
 * was lower-cased when compiled), the last step's bytes past the operand
 * masked off. Global, so the verifier checks it once for its three callers.
 */
__attribute__((noinline)) int str_match(const struct at_str_head *s, __u32 len,
					const struct at_cond *c)
{
	bool prefix, fold;
	__u32 n;

	if (!s || !c)
		return 0;
	n = c->slen;
	if (n > AT_FILTER_STR)
		return false;
	prefix = c->cmp == AT_CMP_PREFIX || c->cmp == AT_CMP_IPREFIX;
	fold = c->cmp == AT_CMP_IPREFIX || c->cmp == AT_CMP_IEQ;
	if (prefix ? len < n : len != n)
		return false;
	for (__u32 i = 0; i < AT_FILTER_STR / 8; i++) {
		__u64 a, b, mask = ~0ULL;

		if (8 * i >= n)
			break;
		__builtin_memcpy(&a, s->c + 8 * i, 8);
		__builtin_memcpy(&b, c->str + 8 * i, 8);
		if (n - 8 * i < 8)
			mask = (1ULL << ((n - 8 * i) * 8)) - 1; /* little-endian: the first bytes */
		if (fold)
			a = fold8(a);
		if ((a ^ b) & mask)
			return false;
	}
	return true;
}

_Static_assert(AT_FILTER_STR % 8 == 0, "str_match compares 8 bytes a step");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "str_match's mask: little-endian");

/* The slot holding argument field's string, 0 to AT_SLOTS - 1; -1 when none does. */
static __always_inline int arg_slot(const struct at_call_rec *rec, __u8 field)
{
	int s = -1;

#pragma unroll
	for (int i = AT_SLOTS - 1; i >= 0; i--)
		if (rec->slot_arg[i] == field)
			s = i;
	return s;
}

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
			/* Per CPU, not on the stack: the chain of global functions shares 512 bytes. */
			__u32 zero = 0, len = 0;
			struct at_str_head *comm = bpf_map_lookup_elem(&comm_head, &zero);

			if (!comm)
				return AT_UNKNOWN;
			__builtin_memset(comm->c, 0, AT_COMM_LEN);
			bpf_get_current_comm(comm->c, AT_COMM_LEN);
			for (int i = 0; i < AT_COMM_LEN; i++) {
				if (!comm->c[i])
					break;
				len++;
			}
			eq = str_match(comm, len, c);
		} else {
			int s = arg_slot(rec, c->field);

			if (s < 0)
				return rec->xflags & AT_CALLX_NO_ENTRY ? AT_UNKNOWN : false;
			s &= AT_SLOTS - 1;
			if (rec->slot_flags[s] & AT_SF_FAULT)
				return AT_UNKNOWN;
			/* The inline part: AT_FILTER_STR < AT_STR_MAX bytes of it at most are compared. */
			eq = str_match(
				(const struct at_str_head *)rec->slot[s],
				rec->slot_len[s] > AT_STR_MAX ? AT_STR_MAX : rec->slot_len[s], c);
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
		if (c->field >= AT_MAX_ARGS)
			return false;
		/* A return without its entry: no argument is known. */
		if (rec->xflags & AT_CALLX_NO_ENTRY)
			return AT_UNKNOWN;
		/* A dereference that met an unreadable address: its value is not known. */
		if (rec->dfault & (1u << c->field))
			return AT_UNKNOWN;
		raw = rec->args[c->field];
		break;
	}
	return at_cmp_int(c->cmp, c->is_signed, c->bits, raw, c->val);
}

/*
 * Runs the probe's filter on a record: every condition once, then the postfix
 * program over their results (at_filter_run, which userspace tests run too):
 * true, false or AT_UNKNOWN.
 */
__attribute__((noinline)) int filter_pass(const struct at_probe_spec *spec,
					  const struct at_call_rec *rec)
{
	const struct at_filter *f;
	__u32 bits = 0;

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
			bits |= AT_COND_UNKNOWN(i);
		else if (r)
			bits |= AT_COND_TRUE(i);
	}
	return at_filter_run(f, bits);
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
		v = (__s64)rec->args[(of - AT_HIST_ARG0) &
				     7]; /* the loader keeps it below AT_MAX_ARGS */
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
	struct at_pending_acct *pa = NULL;
	struct at_probe_state *ps;
	bool pending;
	struct at_stat *st;
	int pass;
	__u8 acts;

	if (!spec || !pc || !rec)
		return 0;
	/* A candidate's counts and statistics wait apart for the reader's verdict. */
	pending = is_pending(rec->hdr.pid);
	if (pending) {
		pa = pending_get(rec->hdr.pid, id);
		if (pa)
			pc = &pa->c;
		else
			count_loss(offsetof(struct at_counters, pending_full));
	}
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
	st = pa ? &pa->st : bpf_map_lookup_elem(&probe_stats, &id);
	if (st)
		stat_add(st, failed, stat_value(spec, rec, dur));
	if (acts & AT_ACT_SIGNAL) {
		/* Never to a candidate: the reader may find it is no target. */
		if (pending)
			pc->signal_held++;
		else if (bpf_send_signal(spec->signal))
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
	/* The stack its caller took (stack_take) goes first; the record says one was sent. */
	if ((acts & AT_ACT_STACK) || (stack_all && rec->hdr.type == AT_REC_FUNC)) {
		struct at_stack_rec *s = stack_of(&rec->hdr, rec->enter_ns);

		if (s)
			stack_emit(s, id, now);
		rec->flags |= AT_CALL_STACK;
	}
	if (emit(rec))
		pc->emitted++;
	else
		pc->emit_lost++;
	rec->flags &= ~AT_CALL_STACK;
	return 1;
}
