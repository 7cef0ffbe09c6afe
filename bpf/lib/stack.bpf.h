/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User stacks (-k, the probe-file stack action): taken by the program that
 * sends a call's record, into per-CPU scratch, and sent as their own record
 * (AT_REC_STACK) just before the call's. Nothing runs unless asked.
 */
#ifndef AT_STACK_BPF_H
#define AT_STACK_BPF_H

#include "record.h"
#include "ringbuf.bpf.h"

/* -k: every syscall and -u record carries its stack; set by the loader. */
const volatile bool stack_all __weak = false;

/* The stack being sent, per CPU (a program runs to its end on one CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_stack_rec);
} stack_scratch __weak SEC(".maps");

/*
 * The user stack of the current thread, for the call of pid_tgid entered at
 * enter_ns: bpf_get_stack's frame-pointer walk from the user registers, and
 * the words at sp (the user stack pointer), which let userspace find the
 * caller of a leaf without a frame pointer. ctx is the program's, or NULL
 * where there is none. NULL when there is no scratch.
 */
static __always_inline struct at_stack_rec *stack_take(void *ctx, __u64 sp, __u64 pid_tgid,
						       __u64 enter_ns)
{
	__u32 zero = 0;
	struct at_stack_rec *s = bpf_map_lookup_elem(&stack_scratch, &zero);
	long n;

	if (!s)
		return NULL;
	s->hdr.type = AT_REC_STACK;
	s->hdr.probe_id = 0;
	s->hdr.pid = pid_tgid >> 32;
	s->hdr.tid = (__u32)pid_tgid;
	s->enter_ns = enter_ns;
	s->sp = sp;
	/* No context (a global function at the thread's exit): the current task's. */
	if (ctx)
		n = bpf_get_stack(ctx, s->ips, sizeof(s->ips), BPF_F_USER_STACK);
	else
		n = bpf_get_task_stack(bpf_get_current_task_btf(), s->ips, sizeof(s->ips),
				       BPF_F_USER_STACK);
	s->nips = n > 0 ? (__u32)(n / sizeof(__u64)) : 0;
	s->ntop = AT_STACK_TOP;
	if (!sp || bpf_probe_read_user(s->top, sizeof(s->top), (const void *)sp)) {
		__builtin_memset(s->top, 0, sizeof(s->top));
		s->ntop = 0;
	}
	return s;
}

/* The scratch stack, if it was taken for this call (tid and entry time); else NULL. */
static __always_inline struct at_stack_rec *stack_of(const struct at_rec_hdr *h, __u64 enter_ns)
{
	__u32 zero = 0;
	struct at_stack_rec *s = bpf_map_lookup_elem(&stack_scratch, &zero);

	return s && s->hdr.type == AT_REC_STACK && s->hdr.tid == h->tid && s->enter_ns == enter_ns ?
		       s :
		       NULL;
}

/*
 * Sends the stack for the record of probe probe_id about to go out; only the
 * used addresses. A full ring buffer is counted (rb_lost) and the call record,
 * flagged AT_CALL_STACK all the same, says it lost its stack.
 */
static __always_inline bool stack_emit(struct at_stack_rec *s, __u32 probe_id, __u64 ts)
{
	__u64 size = offsetof(struct at_stack_rec, ips) +
		     (s->nips > AT_STACK_MAX ? AT_STACK_MAX : s->nips) * sizeof(__u64);

	s->hdr.probe_id = probe_id;
	s->hdr.ts_ns = ts;
	s->hdr.cgroup_id = bpf_get_current_cgroup_id();
	if (size > sizeof(*s))
		return false;
	return rb_output(s, size, false);
}

#endif /* AT_STACK_BPF_H */
