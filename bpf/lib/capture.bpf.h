/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Call records: their set-up, reading strings and buffers from the caller
 * into their slots, and sending them.
 */
#ifndef AT_CAPTURE_BPF_H
#define AT_CAPTURE_BPF_H

#include "record.h"
#include "spec.h"
#include "ringbuf.bpf.h"

/* Capture limit per slot (-s), 1 to AT_CAP_MAX; set by the loader. */
const volatile __u32 str_max __weak = 64;

/*
 * Sends a record whose slots go on past their inline parts, with its
 * continuations (bpf/emit.bpf.c). 1 when sent, 0 when lost.
 */
int emit_ext(const struct at_call_rec *rec);

/* Slot i's flags, i a constant or any index (masked). */
static __always_inline void slot_set(struct at_call_rec *rec, int i, __u8 f)
{
	rec->slot_flags[i & (AT_SLOTS - 1)] |= f;
}

/*
 * A record header for pid_tgid's thread (ts_ns is the caller's to set). The
 * cgroup id is set as the record goes out (rec_cgroup): a call's state at
 * entry may never be sent (counts only), and the helper is paid per record.
 */
static __always_inline void rec_hdr_init(struct at_rec_hdr *h, __u32 type, __u32 probe_id,
					 __u64 pid_tgid)
{
	h->type = type;
	h->probe_id = probe_id;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->cgroup_id = 0;
}

/*
 * The cgroup v2 id of current, the record's task (at fork the parent, whose
 * cgroup the child starts in): what names a process's container once the
 * process is gone. Called on every record just before it is sent.
 */
static __always_inline void rec_cgroup(struct at_rec_hdr *h)
{
	h->cgroup_id = bpf_get_current_cgroup_id();
}

/*
 * The fixed part of a call record, before its arguments, times and captures:
 * no slot used, nothing captured, no flags. Every byte up to the slots is
 * written by it or by the caller (args, Go's more words, enter_ns, ts_ns), so a ring-buffer
 * reservation, which is not zeroed, leaks nothing.
 */
static __always_inline void call_rec_init(struct at_call_rec *rec, __u32 type, __u32 probe_id,
					  __u64 pid_tgid)
{
	rec_hdr_init(&rec->hdr, type, probe_id, pid_tgid);
	rec->nr = 0;
	rec->flags = 0;
	rec->ret = 0;
	__builtin_memset(rec->ret_more, 0, sizeof(rec->ret_more));
	__builtin_memset(rec->more, 0, sizeof(rec->more));
	__builtin_memset(rec->slot_len, 0, sizeof(rec->slot_len));
	__builtin_memset(rec->ext_len, 0, sizeof(rec->ext_len));
	__builtin_memset(rec->slot_arg, AT_ARG_NONE, sizeof(rec->slot_arg));
	__builtin_memset(rec->slot_flags, 0, sizeof(rec->slot_flags));
	rec->dfault = 0;
	rec->xflags = 0;
}

/*
 * Room for a string of str_max bytes, its NUL and one more: a string of
 * exactly str_max bytes reads str_max + 1, a longer one str_max + 2. The
 * inline read has at most AT_STR_MAX of it (255 characters and the NUL).
 */
static __always_inline __u32 str_room(void)
{
	return str_max + 2 > AT_STR_MAX ? AT_STR_MAX : str_max + 2;
}

/*
 * Characters of a string past its inline part: str_max beyond 255, and what
 * its continuation read is given (those, the NUL and one more, as str_room:
 * with str_max 255 the one more alone, which tells whether it was cut).
 */
#define AT_STR_INLINE (AT_STR_MAX - 1)
static __always_inline __u32 str_ext_room(void)
{
	return str_max >= AT_STR_INLINE ? str_max - AT_STR_INLINE + 2 : 0;
}

/*
 * Slot i's length and flags after a string read that returned n. An inline
 * part filled to its end with str_max beyond it goes on: its continuation is
 * read when the record is sent (can_ext; the exec path kept in the kernel
 * cannot, and is cut there).
 */
static __always_inline void str_read(struct at_call_rec *rec, int i, long n, bool can_ext)
{
	if (n <= 0) {
		slot_set(rec, i, AT_SF_FAULT);
		n = 1;
	} else if (n > str_max + 1) {
		slot_set(rec, i, AT_SF_TRUNC);
	} else if (n == AT_STR_MAX && str_max >= AT_STR_INLINE) {
		if (can_ext) {
			slot_set(rec, i, AT_SF_EXT | AT_SF_EXT_STR);
			rec->ext_len[i & (AT_SLOTS - 1)] = str_ext_room();
		} else {
			slot_set(rec, i, AT_SF_TRUNC);
		}
	}
	rec->slot_len[i & (AT_SLOTS - 1)] = n - 1 > str_max ? str_max : n - 1;
}

/*
 * Starts slot i's read of argument arg afresh: a read again (a syscall's
 * entry string retried at exit) keeps nothing of the last one.
 */
static __always_inline void slot_begin(struct at_call_rec *rec, int i, __u8 arg)
{
	rec->slot_arg[i] = arg;
	rec->slot_flags[i] = 0;
	rec->ext_len[i] = 0;
}

/*
 * Sleepable programs (function entries and USDT hits, where the kernel allows
 * it) read with bpf_copy_from_user, which faults a page in: a string on a
 * page the process has not touched yet (a fresh program's .rodata) is read,
 * where bpf_probe_read_user fails. Whether to use the string kfunc (6.12+):
 * the loader tries with it first; a weak extern, so a kernel without it
 * still loads the object with it off, the call being dead code then.
 */
const volatile bool copy_str_kfunc __weak = false;

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
 * A sleepable program's continuation, read later by emit without sleeping:
 * its pages (at most two, len < AT_MIN_PAGE) faulted in now, each only when a
 * plain read of it fails, so a warm capture costs one read per page.
 */
static __always_inline void fault_in(__u64 from, __u32 len)
{
	__u64 last = from + len - 1;
	char c;

	if (!len)
		return;
	if (bpf_probe_read_user(&c, 1, (const void *)from) &&
	    bpf_copy_from_user(&c, 1, (const void *)from))
		return;
	last &= ~(AT_MIN_PAGE - 1);
	if (!((from ^ last) & ~(AT_MIN_PAGE - 1)))
		return;
	if (bpf_probe_read_user(&c, 1, (const void *)last))
		bpf_copy_from_user(&c, 1, (const void *)last);
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

	if (arg >= AT_MAX_ARGS)
		return;
	ptr = (const void *)rec->args[arg];
	slot_begin(rec, i, arg);
	/* A dereference that failed before the address: nothing to read, and said so. */
	if (rec->dfault & (1u << arg)) {
		slot_set(rec, i, AT_SF_FAULT);
		rec->slot_len[i] = 0;
		return;
	}
	if (!ptr) {
		rec->slot_len[i] = 0;
		return;
	}
	if (is_str) {
		n = may_sleep ? copy_user_str(rec->slot[i], str_room(), ptr) :
				bpf_probe_read_user_str(rec->slot[i], str_room(), ptr);
		str_read(rec, i, n, true);
		if (may_sleep && (rec->slot_flags[i] & AT_SF_EXT))
			fault_in((__u64)ptr + AT_STR_INLINE, str_ext_room());
		return;
	}
	want = want > AT_CAP_MAX + 1 ? AT_CAP_MAX + 1 : want;
	if (want > str_max) {
		slot_set(rec, i, AT_SF_TRUNC);
		want = str_max;
	}
	/* The inline part; the verifier's bound on the length is AT_STR_MAX whatever want was. */
	n = want > AT_STR_MAX ? AT_STR_MAX : want;
	err = may_sleep ? bpf_copy_from_user(rec->slot[i], n, ptr) :
			  bpf_probe_read_user(rec->slot[i], n, ptr);
	if (err) {
		slot_set(rec, i, AT_SF_FAULT);
		rec->slot_len[i] = 0;
		return;
	}
	rec->slot_len[i] = n;
	if (want > AT_STR_MAX) {
		slot_set(rec, i, AT_SF_EXT);
		rec->ext_len[i] = want - AT_STR_MAX;
		if (may_sleep)
			fault_in((__u64)ptr + AT_STR_MAX, want - AT_STR_MAX);
	}
}

/*
 * Slot i's length and flags after a path read that returned n into the whole
 * slot: strace prints paths whole, whatever -s says; one that fills the slot
 * (AT_STR_MAX - 1 bytes or more) is flagged cut.
 */
static __always_inline void path_read(struct at_call_rec *rec, int i, long n)
{
	if (n <= 0) {
		slot_set(rec, i, AT_SF_FAULT);
		n = 1;
	} else if (n >= AT_STR_MAX) {
		slot_set(rec, i, AT_SF_TRUNC);
	}
	rec->slot_len[i & (AT_SLOTS - 1)] = n - 1;
}

/* Reads slot i from the pointer in argument arg: a path (path_read). */
static __always_inline void capture_path(struct at_call_rec *rec, int i, __u8 arg)
{
	const void *ptr;

	if (arg >= AT_MAX_ARGS)
		return;
	ptr = (const void *)rec->args[arg];
	slot_begin(rec, i, arg);
	if (!ptr) {
		rec->slot_len[i] = 0;
		return;
	}
	path_read(rec, i, bpf_probe_read_user_str(rec->slot[i], AT_STR_MAX, ptr));
}

/*
 * Reads slot i from the pointer in argument arg: a structure of size bytes
 * (a syscall's struct stat, timespec, int[2]...), whole, whatever -s says.
 * An unreadable one is flagged and has no bytes.
 */
static __always_inline void capture_obj(struct at_call_rec *rec, int i, __u8 arg, __u32 size)
{
	const void *ptr;
	__u32 n = size & (AT_STR_MAX - 1);

	if (arg >= AT_MAX_ARGS)
		return;
	ptr = (const void *)rec->args[arg];
	rec->slot_arg[i] = arg;
	if (!ptr || !n) {
		rec->slot_len[i] = 0;
		return;
	}
	rec->slot_flags[i] = 0;
	rec->ext_len[i] = 0;
	if (bpf_probe_read_user(rec->slot[i], n, ptr)) {
		slot_set(rec, i, AT_SF_FAULT);
		n = 0;
	}
	rec->slot_len[i] = n;
}

/*
 * An in-out structure (AT_SLOT_INOUT, AT_SLOT_FDSET) of n bytes at argument
 * arg into slot i: at entry (phase 0) as given, into the first half; at
 * exit after an entry (1) as the call left it, into the second half, when
 * it succeeded; at exit alone (2) both halves from what is there then
 * (the input is gone: it shows as the output). An fd_set of more than
 * AT_INOUT_HALF bytes is cut (flagged).
 */
static __always_inline void capture_inout(struct at_call_rec *rec, int i, __u8 arg, __u32 n,
					  int phase, __s64 ret)
{
	const void *ptr;

	if (arg >= AT_MAX_ARGS)
		return;
	ptr = (const void *)rec->args[arg];
	if (phase != 1) {
		rec->slot_arg[i] = arg;
		rec->slot_flags[i] = 0;
		rec->ext_len[i] = 0;
		rec->slot_len[i] = 0;
	}
	if (n > AT_INOUT_HALF) {
		n = AT_INOUT_HALF;
		slot_set(rec, i, AT_SF_TRUNC);
	}
	if (!ptr || !n)
		return;
	if (phase != 1) {
		if (bpf_probe_read_user(rec->slot[i], n, ptr)) {
			slot_set(rec, i, AT_SF_FAULT);
			return;
		}
		rec->slot_len[i] = n;
	}
	if (phase == 0 || ret < 0 || rec->slot_len[i] != n)
		return;
	if (!bpf_probe_read_user(rec->slot[i] + AT_INOUT_HALF, n, ptr))
		rec->slot_len[i] = AT_INOUT_HALF + n;
}

/* Whether the kernel has bpf_loop (5.17): set by the loader. */
const volatile bool have_bpf_loop __weak = false;

/* A walk through a getdents buffer: where it is, its length, the running offset and count. */
struct dirent_walk {
	__u64 buf;
	__u32 len;
	__u32 off;
	__u32 n;
};

/* One linux_dirent64 (or linux_dirent: d_reclen at 16 in both on 64-bit) of the walk. */
static long dirent_step(__u64 k, void *ctx)
{
	struct dirent_walk *w = ctx;
	__u16 reclen = 0;

	(void)k;
	if (w->off >= w->len ||
	    bpf_probe_read_user(&reclen, sizeof(reclen), (const void *)(w->buf + w->off + 16)) ||
	    !reclen)
		return 1;
	w->off += reclen;
	w->n++;
	return 0;
}

/*
 * The entries getdents64 (or getdents) put in its buffer, ret bytes at
 * argument arg, counted into slot i (a __u32; slot_len 0 when not known:
 * a failed call, no bpf_loop, an unreadable entry).
 */
static __always_inline void capture_dirents(struct at_call_rec *rec, int i, __u8 arg, __s64 ret)
{
	struct dirent_walk w = {};

	if (arg >= AT_MAX_ARGS)
		return;
	rec->slot_arg[i] = arg;
	rec->slot_flags[i] = 0;
	rec->ext_len[i] = 0;
	rec->slot_len[i] = 0;
	if (!have_bpf_loop || ret <= 0)
		return;
	w.buf = rec->args[arg];
	w.len = ret > 0x7fffffff ? 0x7fffffff : (__u32)ret;
	/* An entry takes 24 bytes at least: as many steps as could fit, plus one. */
	bpf_loop(w.len / 24 + 1, dirent_step, &w, 0);
	if (w.off != w.len)
		return;
	__builtin_memcpy(rec->slot[i], &w.n, sizeof(w.n));
	rec->slot_len[i] = sizeof(w.n);
}

/* An fd_set's bytes for nfds bits: whole longs, as the kernel and strace read it. */
static __always_inline __u32 fdset_bytes(__u64 nfds)
{
	__s32 n = (__s32)nfds;

	if (n <= 0)
		return 0;
	if (n > 8 * AT_INOUT_HALF)
		return AT_INOUT_HALF + 1; /* more than the half: cut */
	return (((__u32)n + 63) / 64) * 8;
}

/*
 * Reads slot i from the pointer in argument arg: an array of elem-byte
 * elements, as many as argument count_arg says or, when count_arg is
 * AT_MAX_ARGS, as ret (poll's fds by nfds, epoll_wait's events by its
 * result), whole elements within the slot; cut ones are flagged.
 */
static __always_inline void capture_arr(struct at_call_rec *rec, int i, __u8 arg, __u8 count_arg,
					__u8 elem, __s64 ret)
{
	__u64 n = count_arg < AT_MAX_ARGS ? rec->args[count_arg] : (__u64)ret;
	__u32 max = elem ? (AT_STR_MAX - 1) / elem : 0;
	bool cut = n > max;

	if (count_arg >= AT_MAX_ARGS && ret < 0)
		return;
	if (cut)
		n = max;
	capture_obj(rec, i, arg, (__u32)n * elem);
	if (cut)
		slot_set(rec, i, AT_SF_TRUNC);
}

/*
 * The continuations a record cannot have any more (a successful exec: the
 * caller's memory is gone), cut where their inline parts end.
 */
static __always_inline void cut_ext(struct at_call_rec *rec)
{
#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++) {
		if (!(rec->slot_flags[i] & AT_SF_EXT))
			continue;
		rec->slot_flags[i] = (rec->slot_flags[i] & ~(AT_SF_EXT | AT_SF_EXT_STR)) |
				     AT_SF_TRUNC;
		rec->ext_len[i] = 0;
	}
}

/*
 * Sends the record; only the used part of the last slot goes out, unless a
 * slot goes on past its inline part (emit_ext). false when lost.
 */
static __always_inline bool emit(struct at_call_rec *rec)
{
	__u64 size = offsetof(struct at_call_rec, slot);
	__u8 ext = 0;
	int last = -1;

#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++) {
		ext |= rec->slot_flags[i];
		if (rec->slot_arg[i] != AT_ARG_NONE)
			last = i;
	}
	if (ext & AT_SF_EXT)
		return emit_ext(rec);
	if (last >= 0) {
		__u32 len = rec->slot_len[last & (AT_SLOTS - 1)];

		size += (last & (AT_SLOTS - 1)) * AT_STR_MAX +
			(len > AT_STR_MAX ? AT_STR_MAX : len);
	}
	if (size > sizeof(*rec))
		return false;
	rec_cgroup(&rec->hdr);
	return rb_output(rec, size, false);
}

#endif /* AT_CAPTURE_BPF_H */
