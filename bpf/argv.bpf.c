// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* execve's argv and its envp's count into a capture slot (lib/argv.bpf.h says how). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "record.h"
#include "lib/argv.bpf.h"
#include "lib/capture.bpf.h"

/* A failed call's argv strings looked at, at most (envp's count: AT_ENVP_PTRS). */
#define AT_ARGV_PTRS 32
/* A failed call's argv string starts in the first half of the slot's strings. */
#define AT_ARGV_HALF 128

/* Pointer k of a user array of 4-byte (compat) or 8-byte pointers; 0 when unreadable. */
static __always_inline __u64 user_ptr_at(__u64 base, __u32 k, bool compat)
{
	__u64 p = 0;

	if (compat)
		bpf_probe_read_user(&p, 4, (const void *)(base + 4ULL * k));
	else
		bpf_probe_read_user(&p, 8, (const void *)(base + 8ULL * k));
	return p;
}

/* Adds the non-NULL pointers of word w (two when compat) to *n; false at the NULL. */
static __always_inline bool ptrs_in_word(__u64 w, bool compat, __u32 *n)
{
	if (!compat) {
		*n += w ? 1 : 0;
		return w;
	}
	if (!(__u32)w)
		return false;
	++*n;
	if (!(w >> 32))
		return false;
	++*n;
	return true;
}

/*
 * The pointers of the 64 bytes at chunk before a NULL or an unreadable
 * word, read word by word; -1 when the first word is unreadable. A global
 * function: verified once, not once for each chunk its caller reaches it at.
 */
__attribute__((noinline)) int ptrs_in_chunk(__u64 chunk, int compat)
{
	__u32 n = 0;

	for (int j = 0; j < 8; j++) {
		__u64 w = 0;

		if (bpf_probe_read_user(&w, 8, (const void *)(chunk + 8 * j)))
			return j ? (__s32)n : -1;
		if (!ptrs_in_word(w, compat, &n))
			break;
	}
	return (__s32)n;
}

/* A walk through a pointer array 64 bytes at a time (bpf_loop's context). */
struct ptrs_walk {
	__u64 base;
	__u32 compat;
	__u32 n;    /* pointers before the NULL, so far */
	__u32 done; /* 1: the NULL found; 2: a chunk unreadable, at chunk */
	__u32 chunk;
};

/* One 64-byte chunk of the walk: its pointers counted up to a NULL. */
static long ptrs_step(__u64 c, void *ctx)
{
	struct ptrs_walk *pw = ctx;
	__u64 w[8] = {};
	__u32 n = pw->n;

	if (bpf_probe_read_user(w, sizeof(w), (const void *)(pw->base + sizeof(w) * c))) {
		pw->done = 2;
		pw->chunk = (__u32)c;
		return 1;
	}
	for (int j = 0; j < 8; j++)
		if (!ptrs_in_word(w[j], pw->compat, &n)) {
			pw->n = n;
			pw->done = 1;
			return 1;
		}
	pw->n = n;
	return 0;
}

/*
 * How many pointers the NULL-terminated array at base has: with bpf_loop
 * (5.17) up to AT_ENVP_LOOP_PTRS, verified once whatever the count; before,
 * a bounded loop up to about AT_ENVP_PTRS. -1 when unreadable. Read 64
 * bytes at a time, then word by word where a chunk crosses into an
 * unreadable page. A global function: verified once, not once for each way
 * its callers reach it.
 */
__attribute__((noinline)) int user_ptrs_count(__u64 base, int compat)
{
	__u32 n = 0, c;
	__s32 t;

	if (!base)
		return 0;
	if (have_bpf_loop) {
		struct ptrs_walk pw = { .base = base, .compat = compat != 0 };

		bpf_loop(AT_ENVP_LOOP_PTRS / 8, ptrs_step, &pw, 0);
		if (pw.done != 2)
			return (__s32)pw.n;
		t = ptrs_in_chunk(base + 64ULL * pw.chunk, compat);
		if (t < 0)
			return pw.chunk ? (__s32)pw.n : -1;
		return (__s32)(pw.n + t);
	}
	for (c = 0; c < AT_ENVP_PTRS / 8; c++) {
		__u64 w[8] = {};

		if (bpf_probe_read_user(w, sizeof(w), (const void *)(base + sizeof(w) * c)))
			break;
		for (int j = 0; j < 8; j++)
			if (!ptrs_in_word(w[j], compat, &n))
				return (__s32)n;
	}
	if (c >= AT_ENVP_PTRS / 8)
		return (__s32)n;
	t = ptrs_in_chunk(base + 64ULL * c, compat);
	if (t < 0)
		return c ? (__s32)n : -1;
	return (__s32)(n + t);
}

/* After a successful exec: the new image's initial stack, argc, argv's pointers, NULL, envp's. */
static __always_inline __u32 argv_of_new_image(struct at_argv_head *h, char *strs, __u32 room,
					       bool compat, bool *cut)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 start = BPF_CORE_READ(task, mm, arg_start);
	__u64 end = BPF_CORE_READ(task, mm, arg_end);
	__u64 stack = BPF_CORE_READ(task, mm, start_stack);
	__u64 argc = 0, len;

	bpf_probe_read_user(&argc, compat ? 4 : 8, (const void *)stack);
	h->argc = argc > AT_ENVP_PTRS ? AT_ENVP_PTRS : (__u32)argc;
	h->envc = user_ptrs_count(stack + (compat ? 4 : 8) * (argc + 2), compat);
	len = end > start ? end - start : 0;
	if (len > room) {
		len = room;
		*cut = true;
	}
	if (len && bpf_probe_read_user(strs, len, (const void *)start))
		return 0;
	return (__u32)len;
}

/* After a failed one: the caller's argv array and strings, still there. */
static __always_inline __u32 argv_of_caller(struct at_argv_head *h, char *strs, __u32 room,
					    __u64 argv, bool compat, bool *cut)
{
	const __u32 want = room - AT_ARGV_HALF;
	__u32 len = 0;

	for (__u32 k = 0; k < AT_ARGV_PTRS; k++) {
		__u64 p = user_ptr_at(argv, k, compat);
		long n;

		if (!p)
			break;
		if (len >= AT_ARGV_HALF) {
			*cut = true;
			break;
		}
		/* Starts below AT_ARGV_HALF, at most room - AT_ARGV_HALF long: within room. */
		n = bpf_probe_read_user_str(strs + (len & (AT_ARGV_HALF - 1)), want,
					    (const void *)p);
		if (n <= 0)
			break;
		len += n;
		h->argc++;
		if (n == want) {
			*cut = true;
			break;
		}
	}
	/* More than the strings looked at: "..." after them. */
	if (!*cut && h->argc == AT_ARGV_PTRS && user_ptr_at(argv, AT_ARGV_PTRS, compat))
		*cut = true;
	return len;
}

__attribute__((noinline)) int capture_argv(struct at_call_rec *rec, __u32 i, __u32 arg, int ok,
					   int compat)
{
	struct at_argv_head *h;
	bool cut = false;
	__u32 len;

	if (!rec || i >= AT_SLOTS || arg >= AT_MAX_ARGS - 1)
		return 0;
	h = (struct at_argv_head *)rec->slot[i];
	h->argc = 0;
	h->envc = -1;
	rec->slot_arg[i] = arg;
	if (ok) {
		len = argv_of_new_image(h, rec->slot[i] + sizeof(*h), AT_STR_MAX - 1 - sizeof(*h),
					compat, &cut);
	} else {
		if (!rec->args[arg]) {
			rec->slot_arg[i] = AT_ARG_NONE;
			return 0;
		}
		len = argv_of_caller(h, rec->slot[i] + sizeof(*h), AT_STR_MAX - 1 - sizeof(*h),
				     rec->args[arg], compat, &cut);
		h->envc = user_ptrs_count(rec->args[arg + 1], compat);
	}
	if (cut)
		rec->slot_flags[i] |= AT_SF_TRUNC;
	rec->slot_len[i] = sizeof(*h) + len;
	return 0;
}
