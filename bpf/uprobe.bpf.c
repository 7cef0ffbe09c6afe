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

#include "record.h"
#include "maps.bpf.h"
#include "call.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

/* How many frames below the top a return looks for its entry. */
#define SEARCH_DEPTH 4

static __always_inline void read_args(struct at_call_rec *rec, struct pt_regs *ctx, __u8 abi)
{
	/*
	 * Load every register first: the verifier allows context loads only at
	 * fixed offsets, and a branch per ABI would let the compiler pick the
	 * offset at run time.
	 */
	__u64 di = ctx->di, si = ctx->si, dx = ctx->dx, cx = ctx->cx;
	__u64 r8 = ctx->r8, r9 = ctx->r9, ax = ctx->ax, bx = ctx->bx;
	bool go = abi == AT_ABI_GO;

	rec->args[0] = go ? ax : di;
	rec->args[1] = go ? bx : si;
	rec->args[2] = go ? cx : dx;
	rec->args[3] = go ? di : cx;
	rec->args[4] = go ? si : r8;
	rec->args[5] = go ? r8 : r9;
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
		want = la <= 5 ? rec->args[la] : spec->fixed_len[i];
		capture(rec, i, spec->slot_kind[i] == AT_SLOT_STR_IN, spec->slot_arg[i], want,
			may_sleep);
	}
}

static __always_inline void start_rec(struct at_call_rec *rec, __u32 id, __u64 pid_tgid)
{
	rec->hdr.type = AT_REC_FUNC;
	rec->hdr.probe_id = id;
	rec->hdr.pid = pid_tgid >> 32;
	rec->hdr.tid = (__u32)pid_tgid;
	rec->nr = 0;
	rec->flags = 0;
	rec->ret = 0;
	*(__u16 *)&rec->slot_arg = 0xffff;
	*(__u32 *)&rec->slot_len = 0;
}

/* The failing predicate on the return value, taken as its type says. */
static __always_inline bool failing(const struct at_probe_spec *spec, __u64 raw)
{
	return cmp_int(spec->fail_op, spec->ret_signed, spec->ret_bits, raw, spec->fail_val);
}

/* A record without a frame (entry-only, return-only, USDT), in per-CPU scratch. */
static __always_inline struct at_call_rec *scratch_rec(__u32 id, __u64 pid_tgid)
{
	__u32 zero = 0;
	struct at_call_rec *rec = bpf_map_lookup_elem(&scratch, &zero);

	if (rec)
		start_rec(rec, id, pid_tgid);
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
	/* Nothing to read (slots fill from the first): nothing sleeps, scratch is safe. */
	if (sleepable && spec->slot_kind[0] != AT_SLOT_NONE) {
		fs = thread_state_try(&call_frames);
		/*
		 * The frame above the thread's open calls: no return can pop or
		 * look at it while this program runs on the thread, sleeping or not.
		 */
		if (fs && fs->depth < AT_MAX_DEPTH) {
			struct at_call_rec *rec = &fs->f[fs->depth & (AT_MAX_DEPTH - 1)].rec;

			*may_sleep = true;
			start_rec(rec, id, pid_tgid);
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

/*
 * Pops from the top of the stack the frames whose return was seen, and those
 * of probes removed while their call ran: their return will never be seen,
 * and left there they would fill the stack of a thread for good.
 */
static __always_inline void pop_done(struct frames *fs)
{
	for (int i = 0; i < SEARCH_DEPTH; i++) {
		__u32 d = fs->depth;
		struct frame *f;

		if (d == 0 || d > AT_MAX_DEPTH)
			return;
		f = &fs->f[(d - 1) & (AT_MAX_DEPTH - 1)];
		if (f->active) {
			__u32 id = f->probe_id;
			struct at_probe_spec *spec = bpf_map_lookup_elem(&probes, &id);

			if (spec && spec->enabled)
				return;
		}
		fs->depth = d - 1;
	}
}

SEC("uprobe")
int BPF_KPROBE(func_entry)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	struct at_probe_spec *spec;
	struct frames *fs;
	struct frame *f;
	__u32 d;

	/* Filter first: traced process, live probe. */
	if (!is_traced(pid_tgid >> 32))
		return 0;
	spec = bpf_map_lookup_elem(&probes, &id);
	if (!spec || !spec->enabled)
		return 0;

	if (spec->mode == AT_MODE_ENTRY) {
		bool may_sleep;
		struct at_call_rec *rec = once_rec(spec, id, pid_tgid, &may_sleep);

		if (rec) {
			read_args(rec, ctx, spec->abi);
			emit_entry_only(rec, spec, id, may_sleep);
		}
		return 0;
	}

	fs = thread_state(&call_frames);
	if (!fs)
		return 0;
	pop_done(fs);
	d = fs->depth++;
	if (d >= AT_MAX_DEPTH) {
		count_loss(offsetof(struct at_counters, depth_lost));
		return 0;
	}
	f = &fs->f[d];
	f->probe_id = id;
	f->active = 1;
	start_rec(&f->rec, id, pid_tgid);
	read_args(&f->rec, ctx, spec->abi);
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
	__u64 ret = PT_REGS_RC(ctx);
	bool failed;

	if (!is_traced(pid_tgid >> 32))
		return 0;
	spec = bpf_map_lookup_elem(&probes, &id);
	if (!spec || !spec->enabled)
		return 0;

	if (spec->mode == AT_MODE_RETURN) {
		rec = scratch_rec(id, pid_tgid);
		if (!rec)
			return 0;
		rec->enter_ns = now;
		rec->flags = AT_CALL_RETURN_ONLY;
	} else {
		fs = bpf_task_storage_get(&call_frames, bpf_get_current_task_btf(), NULL, 0);
		if (!fs || fs->depth == 0) {
			count_loss(offsetof(struct at_counters, orphan_ret));
			return 0;
		}
		if (fs->depth > AT_MAX_DEPTH) {
			/* The entry overflowed the stack and was counted there. */
			fs->depth--;
			return 0;
		}
		/*
		 * The innermost active frame of this probe. Usually the top, but
		 * when several probes share a function their returns may run in
		 * entry order rather than reverse order.
		 */
		for (int i = 1; i <= SEARCH_DEPTH; i++) {
			__u32 d = fs->depth;
			struct frame *f;

			if (i > d || d > AT_MAX_DEPTH)
				break;
			f = &fs->f[(d - i) & (AT_MAX_DEPTH - 1)];
			if (f->active && f->probe_id == id) {
				f->active = 0;
				rec = &f->rec;
				break;
			}
		}
		if (!rec) {
			count_loss(offsetof(struct at_counters, orphan_ret));
			return 0;
		}
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

	if (!is_traced(pid_tgid >> 32))
		return 0;
	spec = bpf_map_lookup_elem(&probes, &id);
	if (!spec || !spec->enabled)
		return 0;
	rec = once_rec(spec, id, pid_tgid, &may_sleep);
	if (!rec)
		return 0;
	n = bpf_usdt_arg_cnt(ctx);
	for (int i = 0; i < 6; i++) {
		long v = 0;

		if (i < n)
			bpf_usdt_arg(ctx, i, &v);
		rec->args[i] = v;
	}
	emit_entry_only(rec, spec, id, may_sleep);
	return 0;
}
