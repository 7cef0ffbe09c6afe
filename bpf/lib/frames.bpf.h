/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The calls a thread is inside, on a small stack of frames in task storage:
 * an entry pushes one, its return pops it, so recursion, nesting and several
 * probes on one function pair correctly.
 */
#ifndef AT_FRAMES_BPF_H
#define AT_FRAMES_BPF_H

#include "record.h"
#include "ringbuf.bpf.h"
#include "probe.bpf.h"

struct frame {
	__u32 probe_id;		/* probe whose entry made this frame */
	__u32 active;		/* 0 once its return was seen (popped lazily from the top) */
	struct at_call_rec rec; /* the record being built */
};

struct frames {
	__u32 depth; /* frames in use, may exceed AT_MAX_DEPTH (not stored) */
	__u32 pad;
	struct frame f[AT_MAX_DEPTH]; /* innermost last */
};

/* Function calls in flight per thread; the thread's exit releases it (proc.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct frames);
} call_frames __weak SEC(".maps");

/* How many frames below the top a return looks for its entry. */
#define SEARCH_DEPTH 4

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
		if (f->active && live_probe(f->probe_id))
			return;
		fs->depth = d - 1;
	}
}

/* A new active frame of probe id on top of the stack; NULL, counted, when it is full. */
static __always_inline struct frame *frame_push(struct frames *fs, __u32 id)
{
	struct frame *f;
	__u32 d;

	pop_done(fs);
	d = fs->depth++;
	if (d >= AT_MAX_DEPTH) {
		count_loss(offsetof(struct at_counters, depth_lost));
		return NULL;
	}
	f = &fs->f[d];
	f->probe_id = id;
	f->active = 1;
	return f;
}

/*
 * The frame of the entry probe id's return belongs to, marked returned (the
 * caller pops it with pop_done once done with its record); NULL when there
 * is none (fs NULL: the thread has no stack), counted unless its entry was.
 */
static __always_inline struct frame *frame_pop(struct frames *fs, __u32 id)
{
	if (!fs || fs->depth == 0) {
		count_loss(offsetof(struct at_counters, orphan_ret));
		return NULL;
	}
	if (fs->depth > AT_MAX_DEPTH) {
		/* The entry overflowed the stack and was counted there. */
		fs->depth--;
		return NULL;
	}
	/*
	 * The innermost active frame of this probe. Usually the top, but when
	 * several probes share a function their returns may run in entry order
	 * rather than reverse order.
	 */
	for (int i = 1; i <= SEARCH_DEPTH; i++) {
		__u32 d = fs->depth;
		struct frame *f;

		if (i > d || d > AT_MAX_DEPTH)
			break;
		f = &fs->f[(d - i) & (AT_MAX_DEPTH - 1)];
		if (f->active && f->probe_id == id) {
			f->active = 0;
			return f;
		}
	}
	count_loss(offsetof(struct at_counters, orphan_ret));
	return NULL;
}

#endif /* AT_FRAMES_BPF_H */
