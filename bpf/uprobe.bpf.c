// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Function probes: one generic entry program and one generic return program,
 * attached to every probed function; each link carries its probe id as the
 * BPF cookie, and the probe table says what to capture and what failing means.
 * Entry and return are paired per thread on a small stack of call frames kept
 * in task storage, so recursion, nesting and several probes on one function
 * pair correctly and a thread that dies inside a call leaves nothing behind.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>

#include "eval.h"
#include "record.h"
#include "lib/capture.bpf.h"
#include "lib/deref.bpf.h"
#include "lib/frames.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/probe.bpf.h"
#include "lib/regs.bpf.h"
#include "lib/thread.bpf.h"

/*
 * func_entry and usdt_hit are loaded sleepable (BPF_F_SLEEPABLE), so they
 * read strings and buffers with bpf_copy_from_user, which faults pages in;
 * set by the loader with the programs' flag. func_return reads no user
 * memory and stays non-sleepable.
 */
const volatile bool sleepable = false;

/* Scratch for records without a frame in non-sleepable programs (see once_rec). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_call_rec);
} scratch SEC(".maps");

/* Call record word k: an argument register, or for Go a further word (spec.h word_reg). */
static __always_inline __u64 call_word(const struct at_call_rec *rec, __u8 k)
{
	if (k < AT_MAX_ARGS)
		return rec->args[k];
	if (k == AT_MAX_ARGS)
		return rec->more[0];
	if (k == AT_MAX_ARGS + 1)
		return rec->more[1];
	return rec->more[2];
}

/*
 * The record's words from the argument registers r: each the register
 * word_reg names (Go's layout, or SysV and USDT when a dereference ARG
 * takes no register), then the dereferences.
 */
static __always_inline void remap_words(struct at_call_rec *rec, const __u64 r[16],
					const struct at_probe_spec *spec, bool may_sleep)
{
#pragma unroll
	for (int k = 0; k < AT_MAX_ARGS; k++)
		rec->args[k] = r[spec->word_reg[k] & 15];
#pragma unroll
	for (int k = 0; k < AT_CALL_WORDS - AT_MAX_ARGS; k++)
		rec->more[k] = r[spec->word_reg[AT_MAX_ARGS + k] & 15];
	derefs(rec, r, spec, may_sleep);
}

/*
 * The arguments at entry: SysV's six registers, or the Go words the probe's
 * layout names, so that a string (2 registers), a slice (3) or an interface
 * (2) shifts the arguments after it; then any dereferences.
 */
static __always_inline void call_args(struct at_call_rec *rec, const struct pt_regs *ctx,
				      const struct at_probe_spec *spec, bool may_sleep)
{
	__u64 r[16] = {};

	/* The common case first, and alone: SysV registers, nothing dereferenced. */
	if (spec->abi != AT_ABI_GO && !spec->remap && !spec->nderef) {
		func_args(rec->args, ctx); /* more stays 0, as call_rec_init left it */
		return;
	}
	if (spec->abi == AT_ABI_GO)
		go_regs(r, ctx);
	else
		func_args(r, ctx);
	if (spec->abi == AT_ABI_GO || spec->remap) {
		remap_words(rec, r, spec, may_sleep);
		return;
	}
	func_args(rec->args, ctx);
	derefs(rec, r, spec, may_sleep);
}

static __always_inline void capture_args(struct at_call_rec *rec, const struct at_probe_spec *spec,
					 bool may_sleep)
{
#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++) {
		__u8 la = spec->len_arg[i];
		__u64 want;

		if (spec->slot_kind[i] == AT_SLOT_NONE)
			continue;
		want = la < AT_CALL_WORDS ? call_word(rec, la) : spec->fixed_len[i];
		capture(rec, i, spec->slot_kind[i] == AT_SLOT_STR_IN, spec->slot_arg[i], want,
			may_sleep);
	}
}

/* Filter first: the probe's entry if the caller is traced and the probe live, else NULL. */
static __always_inline struct at_probe_spec *traced_probe(__u64 pid_tgid, __u32 id)
{
	return is_traced(pid_tgid >> 32) ? live_probe(id) : NULL;
}

/* The failing predicate on the return value, taken as its type says. */
static __always_inline bool failing(const struct at_probe_spec *spec, __u64 raw)
{
	return at_cmp_int(spec->fail_op, spec->ret_signed, spec->ret_bits, raw, spec->fail_val);
}

/* A record without a frame (entry-only, return-only, USDT), in per-CPU scratch. */
static __always_inline struct at_call_rec *scratch_rec(__u32 id, __u64 pid_tgid)
{
	__u32 zero = 0;
	struct at_call_rec *rec = bpf_map_lookup_elem(&scratch, &zero);

	if (rec)
		call_rec_init(rec, AT_REC_FUNC, id, pid_tgid);
	return rec;
}

/*
 * An entry-only or USDT hit's record: in a sleepable program the thread's own,
 * the free frame on top of its call stack (it may sleep while reading, and
 * another task on this CPU then runs the same program), else, or when it
 * reads nothing or the stack is full, per-CPU scratch. *may_sleep says whether its reads may
 * fault pages in. A thread refused state (limits.thread_state) still gets its
 * hit filtered and acted on, from scratch with reads that do not sleep: a cold
 * string is then unreadable and on_unreadable decides, so an enforcing probe
 * fails closed rather than skipping the hit.
 */
static __always_inline struct at_call_rec *once_rec(const struct at_probe_spec *spec, __u32 id,
						    __u64 pid_tgid, bool *may_sleep)
{
	struct frames *fs;

	*may_sleep = false;
	/* Nothing to read (slots fill from the first, no dereference): nothing sleeps, scratch is safe. */
	if (sleepable && (spec->slot_kind[0] != AT_SLOT_NONE || spec->nderef)) {
		fs = thread_state_try(&call_frames);
		/*
		 * The frame above the thread's open calls: no return can pop or
		 * look at it while this program runs on the thread, sleeping or not.
		 */
		if (fs && fs->depth < AT_MAX_DEPTH) {
			struct at_call_rec *rec = &fs->f[fs->depth & (AT_MAX_DEPTH - 1)].rec;

			*may_sleep = true;
			call_rec_init(rec, AT_REC_FUNC, id, pid_tgid);
			return rec;
		}
	}
	return scratch_rec(id, pid_tgid);
}

/* A hit with arguments and no return: capture, then filter and act. */
static __always_inline void
emit_entry_only(struct at_call_rec *rec, const struct at_probe_spec *spec, __u32 id, bool may_sleep)
{
	rec->enter_ns = rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->flags = AT_CALL_ENTRY_ONLY;
	capture_args(rec, spec, may_sleep);
	probe_hit(id, rec, false, 0, rec->hdr.ts_ns);
}

SEC("uprobe")
int BPF_KPROBE(func_entry)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	struct at_probe_spec *spec;
	struct frames *fs;
	struct frame *f;

	spec = traced_probe(pid_tgid, id);
	if (!spec)
		return 0;

	if (spec->mode == AT_MODE_ENTRY) {
		bool may_sleep;
		struct at_call_rec *rec = once_rec(spec, id, pid_tgid, &may_sleep);

		if (rec) {
			call_args(rec, ctx, spec, may_sleep);
			emit_entry_only(rec, spec, id, may_sleep);
		}
		return 0;
	}

	fs = thread_state(&call_frames);
	if (!fs)
		return 0;
	f = frame_push(fs, id);
	if (!f)
		return 0;
	call_rec_init(&f->rec, AT_REC_FUNC, id, pid_tgid);
	call_args(&f->rec, ctx, spec, sleepable);
	capture_args(&f->rec, spec, sleepable);
	/* Last, so the capture's cost is not part of the call's duration. */
	f->rec.enter_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(func_return)
{
	__u64 now = bpf_ktime_get_ns(), pid_tgid = bpf_get_current_pid_tgid();
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	struct at_probe_spec *spec;
	struct at_call_rec *rec = NULL;
	struct frames *fs = NULL;
	__u64 ret = func_ret(ctx);
	bool failed;

	spec = traced_probe(pid_tgid, id);
	if (!spec)
		return 0;

	if (spec->mode == AT_MODE_RETURN) {
		rec = scratch_rec(id, pid_tgid);
		if (!rec)
			return 0;
		rec->enter_ns = now;
		rec->flags = AT_CALL_RETURN_ONLY;
	} else {
		struct frame *f;

		fs = bpf_task_storage_get(&call_frames, bpf_get_current_task_btf(), NULL, 0);
		f = frame_pop(fs, id);
		if (!f)
			return 0;
		rec = &f->rec;
	}

	rec->hdr.ts_ns = now;
	rec->ret = (__s64)ret;
	failed = failing(spec, ret);
	if (failed)
		rec->flags |= AT_CALL_FAILING;
	probe_hit(id, rec, failed, now - rec->enter_ns, now);
	if (fs)
		pop_done(fs);
	return 0;
}

/*
 * USDT probes: a probe site has no return, so each hit is an entry-only
 * record; libbpf's USDT support decodes the arguments from the note's
 * specifiers, and the user cookie carries the probe id.
 */
SEC("usdt")
int usdt_hit(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 id = (__u32)bpf_usdt_cookie(ctx);
	struct at_probe_spec *spec;
	struct at_call_rec *rec;
	bool may_sleep;
	int n;

	spec = traced_probe(pid_tgid, id);
	if (!spec)
		return 0;
	rec = once_rec(spec, id, pid_tgid, &may_sleep);
	if (!rec)
		return 0;
	n = bpf_usdt_arg_cnt(ctx);
	for (int i = 0; i < AT_MAX_ARGS; i++) {
		long v = 0;

		if (i < n)
			bpf_usdt_arg(ctx, i, &v);
		rec->args[i] = v;
	}
	if (spec->remap || spec->nderef) {
		__u64 r[16] = {};

		for (int i = 0; i < AT_MAX_ARGS; i++)
			r[i] = rec->args[i];
		if (spec->remap)
			remap_words(rec, r, spec, may_sleep);
		else
			derefs(rec, r, spec, may_sleep);
	}
	emit_entry_only(rec, spec, id, may_sleep);
	return 0;
}
