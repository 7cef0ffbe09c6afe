// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Function probes: one generic entry program and one generic return program,
 * attached to every probed function; each link carries its probe id as the
 * BPF cookie, and the probe table says what to capture and what failing means.
 * Entry and return are paired per thread on a small stack of call frames kept
 * in task storage, so recursion, nesting and several probes on one function
 * pair correctly and a thread that dies inside a call leaves nothing behind.
 * Go functions are paired per goroutine instead (lib/gocalls.bpf.h), their
 * returns seen by go_return, an entry-style uprobe on each RET instruction:
 * a uretprobe rewrites the return address on the stack, which Go's stack
 * copies and traceback do not survive.
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
#include "lib/gocalls.bpf.h"
#include "lib/pidset.bpf.h"
#include "lib/probe.bpf.h"
#include "lib/regs.bpf.h"
#include "lib/stack.bpf.h"
#include "lib/thread.bpf.h"

/*
 * func_entry, func_return and usdt_hit are loaded sleepable (BPF_F_SLEEPABLE)
 * where the kernel allows it, so they read strings and buffers with
 * bpf_copy_from_user, which faults pages in; set by the loader with the
 * programs' flag. A kernel that takes sleepable uprobes takes sleepable
 * uretprobes (the same program type and attach): the loader's fallback to
 * non-sleepable programs covers both.
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
 * The probe's dereferences (lib/deref.bpf.h): global functions, verified
 * once, not at each of the five places their programs reach them. Two: a
 * global function that may sleep cannot be called from a non-sleepable
 * program at all, and the kernel finds out it may by its instructions,
 * whatever sleepable says. derefs_sleep reads with bpf_copy_from_user; its
 * call, and its body, are dead code unless the programs load sleepable.
 */
__attribute__((noinline)) int derefs_nofault(struct at_call_rec *rec, const struct deref_regs *r,
					     const struct at_probe_spec *spec)
{
	if (rec && r && spec)
		deref_all(rec, r->r, spec, false);
	return 0;
}

__attribute__((noinline)) int derefs_sleep(struct at_call_rec *rec, const struct deref_regs *r,
					   const struct at_probe_spec *spec)
{
	if (sleepable && rec && r && spec)
		deref_all(rec, r->r, spec, true);
	return 0;
}

static __always_inline void derefs(struct at_call_rec *rec, const __u64 r[16],
				   const struct at_probe_spec *spec, bool may_sleep)
{
	if (sleepable && may_sleep)
		derefs_sleep(rec, (const struct deref_regs *)r, spec);
	else
		derefs_nofault(rec, (const struct deref_regs *)r, spec);
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

/*
 * The integer of size bytes (1, 2, 4 or 8) at user address ptr, unsigned:
 * buf[len=*argK]'s length. -1 when it cannot be read.
 */
static __always_inline __s64 deref_len(__u64 ptr, __u8 size)
{
	__u64 v = 0;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -1;
	if (bpf_probe_read_user(&v, size & 15, (const void *)ptr))
		return -1;
	return v > AT_CAP_MAX ? AT_CAP_MAX + 1 : (__s64)v; /* little-endian: the low bytes */
}

/*
 * buf[len=argK]'s length from the raw word w, as argument K's type has it
 * (len_bits): the upper bits of a narrower type are junk a caller may leave
 * in the register, and a negative length reads nothing. Beyond AT_CAP_MAX:
 * more than fits, cut and flagged.
 */
static __always_inline __s64 arg_len(__u64 w, __u8 lb)
{
	__u32 bits = lb & ~AT_LEN_SIGNED, shift = (64 - bits) & 63;
	__s64 v;

	if (bits == 0 || bits >= 64) {
		if (!(lb & AT_LEN_SIGNED))
			return w > AT_CAP_MAX ? AT_CAP_MAX + 1 : (__s64)w;
		shift = 0;
	}
	if (lb & AT_LEN_SIGNED) {
		v = (__s64)(w << shift) >> shift;
		if (v < 0)
			return 0;
	} else {
		v = (__s64)(w << shift >> shift);
	}
	return v > AT_CAP_MAX ? AT_CAP_MAX + 1 : v;
}

/*
 * Slot i's length as the probe gives it: fixed (buf[N], char[N], INT*), an
 * argument's value (buf[len=argK], a Go length), or the integer an argument
 * points to (buf[len=*argK]). -1 when that integer cannot be read.
 */
static __always_inline __s64 slot_len_want(const struct at_call_rec *rec,
					   const struct at_probe_spec *spec, int i)
{
	__u8 la = spec->len_arg[i];
	__u64 w;

	if (la >= AT_CALL_WORDS)
		return spec->fixed_len[i];
	w = call_word(rec, la);
	if (spec->len_deref[i])
		return deref_len(w, spec->len_deref[i]);
	return arg_len(w, spec->len_bits[i]);
}

/* Slot i unread: its length (buf[len=*argK]'s integer) could not be read. */
static __always_inline void len_fault(struct at_call_rec *rec, const struct at_probe_spec *spec,
				      int i)
{
	rec->slot_arg[i] = spec->slot_arg[i];
	rec->slot_len[i] = 0;
	slot_set(rec, i, AT_SF_FAULT);
}

static __always_inline void capture_args(struct at_call_rec *rec, const struct at_probe_spec *spec,
					 bool may_sleep)
{
#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++) {
		__s64 want;

		/* Slots read at return (BUF_OUT and after) wait for capture_at_return. */
		if (spec->slot_kind[i] == AT_SLOT_NONE || spec->slot_kind[i] >= AT_SLOT_BUF_OUT)
			continue;
		want = slot_len_want(rec, spec, i);
		if (want < 0) {
			len_fault(rec, spec, i);
			continue;
		}
		capture(rec, i, spec->slot_kind[i] == AT_SLOT_STR_IN, spec->slot_arg[i],
			(__u64)want, may_sleep);
	}
}

/* The return value as its type says, for a length: sign-extended, or unsigned and capped. */
static __always_inline __s64 ret_len(const struct at_probe_spec *spec, __u64 raw)
{
	__u32 shift = (64 - spec->ret_bits) & 63;

	if (spec->ret_signed)
		return (__s64)(raw << shift) >> shift;
	raw = raw << shift >> shift;
	return raw > AT_CAP_MAX ? AT_CAP_MAX + 1 : (__s64)raw;
}

/*
 * The slots read at return, from the pointers the entry saved in rec->args:
 * buf[len=ret] (AT_SLOT_BUF_OUT) as many bytes as the call returned, nothing
 * for a negative return; out-arguments (STR_AT_RET, BUF_AT_RET) as at entry,
 * a buf[len=*argK]'s length read now, where the call has written it.
 * A failing call's (the probe's predicate) are not read: what it left there
 * is not its output. What the function has just written is in memory, so
 * even a non-sleepable read (may_sleep false) gets it; a sleepable program
 * also faults in a page it did not write. Called before the filter, which
 * may compare them. rec must be the thread's own (a frame), not per-CPU
 * scratch, when may_sleep. Any return program with a call record may use it.
 */
static __always_inline void capture_at_return(struct at_call_rec *rec,
					      const struct at_probe_spec *spec, __u64 ret,
					      bool failed, bool may_sleep)
{
#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++) {
		__u8 kind = spec->slot_kind[i];
		__s64 n;

		if (kind < AT_SLOT_BUF_OUT || failed)
			continue;
		if (kind == AT_SLOT_BUF_OUT) {
			n = ret_len(spec, ret);
			if (n < 0)
				continue;
		} else {
			n = slot_len_want(rec, spec, i);
			if (n < 0) {
				len_fault(rec, spec, i);
				continue;
			}
		}
		capture(rec, i, kind == AT_SLOT_STR_AT_RET, spec->slot_arg[i], (__u64)n, may_sleep);
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

/* A return-only probe's record, stamped now, in per-CPU scratch (it reads no user memory). */
static __always_inline struct at_call_rec *return_only_rec(__u32 id, __u64 pid_tgid, __u64 now)
{
	struct at_call_rec *rec = scratch_rec(id, pid_tgid);

	if (rec) {
		rec->enter_ns = now;
		rec->flags = AT_CALL_RETURN_ONLY;
	}
	return rec;
}

/*
 * A call probe's return that found no entry (counted by the caller): its
 * record without arguments, so that the probe still runs, each argument
 * unknown to its filter (on_unreadable decides: an enforcing probe fails
 * closed). Nothing is read at return: the pointers were the entry's.
 */
static __always_inline struct at_call_rec *no_entry_rec(__u32 id, __u64 pid_tgid, __u64 now)
{
	struct at_call_rec *rec = return_only_rec(id, pid_tgid, now);

	if (rec)
		rec->xflags = AT_CALLX_NO_ENTRY;
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

/*
 * The caller's user stack, when -k or the probe's stack action asks, taken
 * where the record is sent: probe_hit sends it before the record.
 */
static __always_inline void want_stack(struct pt_regs *ctx, const struct at_probe_spec *spec,
				       const struct at_call_rec *rec)
{
	/* With -c no record is sent (probe_hit): nothing to take. */
	if (stream && (stack_all || (spec->actions & AT_ACT_STACK)))
		stack_take(ctx, PT_REGS_SP(ctx), ((__u64)rec->hdr.pid << 32) | rec->hdr.tid,
			   rec->enter_ns);
}

/* A hit with arguments and no return: capture, then filter and act. */
static __always_inline void emit_entry_only(struct pt_regs *ctx, struct at_call_rec *rec,
					    const struct at_probe_spec *spec, __u32 id,
					    bool may_sleep)
{
	rec->enter_ns = rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->flags = AT_CALL_ENTRY_ONLY;
	capture_args(rec, spec, may_sleep);
	want_stack(ctx, spec, rec);
	probe_hit(id, rec, false, 0, rec->hdr.ts_ns);
}

/*
 * A Go call's entry: its record built in the thread's free frame (it may
 * sleep while reading) or scratch, then kept by goroutine and depth until a
 * RET of the function pops it. An entry already there under the key is a
 * call of that goroutine at that depth that never returned: replaced, counted.
 */
static __always_inline void go_entry(struct pt_regs *ctx, const struct at_probe_spec *spec,
				     __u32 id, __u64 pid_tgid)
{
	struct go_call_key k;
	struct at_call_rec *rec;
	bool may_sleep;
	long err;

	if (go_call_key(&k, ctx, pid_tgid >> 32, id)) {
		count_loss(offsetof(struct at_counters, go_unmatched));
		return;
	}
	rec = once_rec(spec, id, pid_tgid, &may_sleep);
	if (!rec)
		return;
	call_args(rec, ctx, spec, may_sleep);
	capture_args(rec, spec, may_sleep);
	/* Last, so the capture's cost is not part of the call's duration. */
	rec->enter_ns = bpf_ktime_get_ns();
	err = bpf_map_update_elem(&go_calls, &k, rec, BPF_NOEXIST);
	if (err == -AT_EEXIST) {
		count_loss(offsetof(struct at_counters, go_unmatched));
		err = bpf_map_update_elem(&go_calls, &k, rec, BPF_ANY);
	}
	if (err)
		count_loss(offsetof(struct at_counters, state_lost));
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
			emit_entry_only(ctx, rec, spec, id, may_sleep);
		}
		return 0;
	}

	if (spec->abi == AT_ABI_GO) {
		go_entry(ctx, spec, id, pid_tgid);
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
		/* It reads nothing: nothing sleeps, scratch is safe (as once_rec's). */
		rec = return_only_rec(id, pid_tgid, now);
		if (!rec)
			return 0;
	} else {
		struct frame *f;

		fs = bpf_task_storage_get(&call_frames, bpf_get_current_task_btf(), NULL, 0);
		f = frame_pop(fs, id);
		if (!f) {
			/* No entry (counted: not saved, or before the attach): still run. */
			rec = no_entry_rec(id, pid_tgid, now);
			if (!rec)
				return 0;
			fs = NULL;
		} else {
			rec = &f->rec;
		}
	}

	rec->hdr.ts_ns = now;
	rec->ret = (__s64)ret;
	failed = failing(spec, ret);
	if (failed)
		rec->flags |= AT_CALL_FAILING;
	/* A frame's record (a call): the thread's own, it may sleep reading. */
	if (fs)
		capture_at_return(rec, spec, ret, failed, sleepable);
	want_stack(ctx, spec, rec);
	probe_hit(id, rec, failed, now - rec->enter_ns, now);
	if (fs)
		pop_done(fs);
	return 0;
}

/* A Go call's results and whether it failed: the first result's predicate, or a non-nil error. */
static __always_inline bool go_ret_rec(struct at_call_rec *rec, const struct pt_regs *ctx,
				       const struct at_probe_spec *spec)
{
	__u64 r[AT_RET_WORDS];
	bool failed;

	go_results(r, ctx);
	rec->ret = (__s64)r[0];
	rec->ret_more[0] = r[1];
	rec->ret_more[1] = r[2];
	failed = failing(spec, r[0]);
	if (spec->err_word < AT_RET_WORDS && r[spec->err_word & 3])
		failed = true;
	return failed;
}

/*
 * A Go function's return: an entry-style uprobe on each of its RET
 * instructions (SP points at the return address there, as at the entry).
 * The call is found by goroutine and depth, so a goroutine that moved to
 * another thread, or whose stack was copied, still finds its entry.
 */
SEC("uprobe")
int BPF_KPROBE(go_return)
{
	__u64 now = bpf_ktime_get_ns(), pid_tgid = bpf_get_current_pid_tgid();
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);
	struct at_probe_spec *spec;
	struct at_call_rec *rec;
	struct go_call_key k;
	bool failed, paired;

	spec = traced_probe(pid_tgid, id);
	if (!spec)
		return 0;
	paired = spec->mode != AT_MODE_RETURN;
	if (!paired) {
		rec = return_only_rec(id, pid_tgid, now);
		if (!rec)
			return 0;
	} else {
		struct at_call_rec *entry;
		__u32 zero = 0;

		entry = go_call_key(&k, ctx, pid_tgid >> 32, id) ?
				NULL :
				bpf_map_lookup_elem(&go_calls, &k);
		rec = bpf_map_lookup_elem(&scratch, &zero);
		if (!rec)
			return 0;
		/*
		 * Copied out and the entry deleted first: an LRU value may be
		 * reused by another CPU's update at any time, so it is not read
		 * in place; a copy that is not this probe's call is no pair.
		 */
		if (entry && (bpf_probe_read_kernel(rec, sizeof(*rec), entry) ||
			      rec->hdr.probe_id != id || rec->hdr.pid != pid_tgid >> 32)) {
			bpf_map_delete_elem(&go_calls, &k);
			entry = NULL;
		} else if (entry) {
			bpf_map_delete_elem(&go_calls, &k);
		}
		/* No entry (evicted, not saved, before the attach): counted, and still run. */
		if (!entry) {
			count_loss(offsetof(struct at_counters, orphan_ret));
			rec = no_entry_rec(id, pid_tgid, now);
			if (!rec)
				return 0;
		}
	}
	rec->hdr.ts_ns = now;
	failed = go_ret_rec(rec, ctx, spec);
	if (failed)
		rec->flags |= AT_CALL_FAILING;
	want_stack(ctx, spec, rec);
	probe_hit(id, rec, failed, now - rec->enter_ns, now);
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
	emit_entry_only(ctx, rec, spec, id, may_sleep);
	return 0;
}
