/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Call records: their set-up, reading strings and buffers from the caller
 * into their slots, and sending them.
 */
#ifndef AT_CAPTURE_BPF_H
#define AT_CAPTURE_BPF_H

#include "record.h"
#include "ringbuf.bpf.h"

/* Capture limit per slot (-s), below AT_STR_MAX; set by the loader. */
const volatile __u32 str_max __weak = 64;

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
	__builtin_memset(rec->slot_arg, AT_ARG_NONE, sizeof(rec->slot_arg));
	rec->dfault = 0;
	__builtin_memset(rec->pad, 0, sizeof(rec->pad));
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
	rec->slot_arg[i] = arg;
	/* A dereference that failed before the address: nothing to read, and said so. */
	if (rec->dfault & (1u << arg)) {
		rec->flags |= AT_CALL_FAULT0 << i;
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
		str_read(rec, i, n);
		return;
	}
	n = want > str_max ? str_max : want;
	if (want > str_max)
		rec->flags |= AT_CALL_TRUNC0 << i;
	/* The verifier's bound on the length: below AT_STR_MAX (a power of two) whatever n was. */
	n &= AT_STR_MAX - 1;
	err = may_sleep ? bpf_copy_from_user(rec->slot[i], n, ptr) :
			  bpf_probe_read_user(rec->slot[i], n, ptr);
	if (err) {
		rec->flags |= AT_CALL_FAULT0 << i;
		n = 0;
	}
	rec->slot_len[i] = n;
}

/*
 * Slot i's length and flags after a path read that returned n into the whole
 * slot: strace prints paths whole, whatever -s says; one that fills the slot
 * (AT_STR_MAX - 1 bytes or more) is flagged cut.
 */
static __always_inline void path_read(struct at_call_rec *rec, int i, long n)
{
	if (n <= 0) {
		rec->flags |= AT_CALL_FAULT0 << i;
		n = 1;
	} else if (n >= AT_STR_MAX) {
		rec->flags |= AT_CALL_TRUNC0 << i;
	}
	rec->slot_len[i] = n - 1;
}

/* Reads slot i from the pointer in argument arg: a path (path_read). */
static __always_inline void capture_path(struct at_call_rec *rec, int i, __u8 arg)
{
	const void *ptr;

	if (arg >= AT_MAX_ARGS)
		return;
	ptr = (const void *)rec->args[arg];
	rec->slot_arg[i] = arg;
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
	if (bpf_probe_read_user(rec->slot[i], n, ptr)) {
		rec->flags |= AT_CALL_FAULT0 << i;
		n = 0;
	}
	rec->slot_len[i] = n;
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

	if (count_arg >= AT_MAX_ARGS && ret < 0)
		return;
	if (n > max) {
		n = max;
		rec->flags |= AT_CALL_TRUNC0 << i;
	}
	capture_obj(rec, i, arg, (__u32)n * elem);
}

/* Sends the record; only the used part of the last slot goes out. false when lost. */
static __always_inline bool emit(struct at_call_rec *rec)
{
	__u64 size;
	int last = rec->slot_arg[1] != AT_ARG_NONE ? 1 : 0;

	if (rec->slot_arg[last] == AT_ARG_NONE)
		size = offsetof(struct at_call_rec, slot);
	else
		size = offsetof(struct at_call_rec, slot) + last * AT_STR_MAX +
		       (rec->slot_len[last] & (AT_STR_MAX - 1));
	if (size > sizeof(*rec))
		return false;
	rec_cgroup(&rec->hdr);
	return rb_output(rec, size, false);
}

#endif /* AT_CAPTURE_BPF_H */
