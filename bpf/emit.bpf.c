// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Records whose captures go on past their inline slots, sent with their continuations. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "record.h"
#include "lib/capture.bpf.h"

/*
 * A record with continuations as it is sent (emit_ext): the record, then the
 * continuation bytes. Twice AT_EXT_MAX, so that a read at an offset below
 * AT_EXT_MAX of at most AT_EXT_MAX bytes is inside it for the verifier.
 * Then, not sent, the running offset of the continuations: in map memory,
 * which the verifier does not track, each slot's paths end in one state.
 */
struct at_ext_rec {
	struct at_call_rec rec;
	char ext[2 * AT_EXT_MAX];
	__u32 off;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct at_ext_rec);
} ext_rec SEC(".maps");

/*
 * Slot i's continuation (AT_SF_EXT) read into x->ext at *off, at most room
 * of the record's AT_EXT_MAX left: its bytes, and the slot's flags for what
 * was not read (cut, as a string whose end was not reached is).
 */
static __always_inline void read_ext(struct at_ext_rec *x, int i, volatile __u32 *off)
{
	struct at_call_rec *r = &x->rec;
	__u8 f = r->slot_flags[i], arg = r->slot_arg[i];
	__u32 want = r->ext_len[i], o = *off, room, got = 0;
	__u64 ptr;
	long n;

	r->ext_len[i] = 0;
	r->slot_flags[i] = f & ~(AT_SF_EXT | AT_SF_EXT_STR);
	if (!(f & AT_SF_EXT))
		return;
	/* Nothing left of the record's room, or the caller's memory gone (exec): cut here. */
	if (o >= AT_EXT_MAX || arg >= AT_MAX_ARGS || (r->flags & AT_CALL_ARGS_GONE)) {
		r->slot_flags[i] |= AT_SF_TRUNC;
		return;
	}
	o &= AT_EXT_MAX - 1;
	room = AT_EXT_MAX - o;
	room = want < room ? want : room;
	if (room > AT_EXT_MAX)
		room = AT_EXT_MAX;
	ptr = r->args[arg & 7];
	if (f & AT_SF_EXT_STR) {
		n = bpf_probe_read_user_str(x->ext + o, room, (const void *)(ptr + AT_STR_INLINE));
		if (n <= 0) {
			r->slot_flags[i] |= AT_SF_TRUNC; /* its rest unreadable: not all of it */
		} else if (n >= room) {
			/* The string reached the room: cut, its last byte the read's NUL. */
			r->slot_flags[i] |= AT_SF_TRUNC;
			got = room < want ? room - 1 : want - 2;
		} else {
			got = n - 1;
		}
	} else {
		if (room < want)
			r->slot_flags[i] |= AT_SF_TRUNC;
		if (bpf_probe_read_user(x->ext + o, room, (const void *)(ptr + AT_STR_MAX)))
			r->slot_flags[i] |= AT_SF_TRUNC;
		else
			got = room;
	}
	got &= 2 * AT_EXT_MAX - 1;
	if (got) {
		r->slot_flags[i] |= AT_SF_EXT;
		r->ext_len[i] = got;
	}
	*off = o + got;
}

/*
 * A record whose slots go on past their inline parts: copied to per-CPU
 * scratch with its continuations read now (from the pointers the record
 * holds: at a call's return for an entry capture), and sent whole, the four
 * inline slots then the continuations. rec itself is left as it was (several
 * probes may send it). Reads that do not sleep: the scratch is per CPU. A
 * global function: verified once per program, not at each of its emits.
 */
__attribute__((noinline)) int emit_ext(const struct at_call_rec *rec)
{
	const __u64 base = offsetof(struct at_ext_rec, ext);
	struct at_ext_rec *x;
	__u32 zero = 0;
	__u64 size;

	x = bpf_map_lookup_elem(&ext_rec, &zero);
	if (!rec || !x || bpf_probe_read_kernel(&x->rec, sizeof(x->rec), rec))
		return 0;
	x->off = 0;
#pragma unroll
	for (int i = 0; i < AT_SLOTS; i++)
		read_ext(x, i, &x->off);
	size = base + ((volatile struct at_ext_rec *)x)->off;
	if (size > offsetof(struct at_ext_rec, off))
		return 0;
	rec_cgroup(&x->rec.hdr);
	return rb_output(x, size, false);
}
