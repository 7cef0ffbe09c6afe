/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Dereferences at a function's entry (spec.h at_deref): a record word
 * computed from an argument register by a bounded chain of user-memory
 * loads. Only reads: an address that cannot be read leaves it in the word
 * and sets the word's dfault bit, and the traced program never notices.
 */
#ifndef AT_DEREF_BPF_H
#define AT_DEREF_BPF_H

#include "record.h"
#include "spec.h"

/* size bytes at addr, faulting the page in when the program may sleep: 0 or an error. */
static __always_inline long deref_read(void *dst, __u32 size, __u64 addr, bool may_sleep)
{
	return may_sleep ? bpf_copy_from_user(dst, size, (const void *)addr) :
			   bpf_probe_read_user(dst, size, (const void *)addr);
}

/* Call record word k (args, then more) set to v; past them, nothing. */
static __always_inline void set_call_word(struct at_call_rec *rec, __u8 k, __u64 v)
{
	if (k < AT_MAX_ARGS)
		rec->args[k] = v;
	else if (k < AT_CALL_WORDS)
		rec->more[k - AT_MAX_ARGS] = v;
}

/* The final read at a: 0, or an error when a cannot be read. */
static __always_inline long deref_final(struct at_call_rec *rec, const struct at_deref *d, __u64 a,
					bool may_sleep)
{
	struct {
		__u64 ptr, len;
	} gs = {};
	__u64 v = 0;
	long err = 0;

	/* Constant sizes, one read each: the helpers' size is checked at load. */
	switch (d->read) {
	case AT_DREAD_ADDR:
		v = a;
		break;
	case AT_DREAD_1:
		err = deref_read(&v, 1, a, may_sleep);
		break;
	case AT_DREAD_2:
		err = deref_read(&v, 2, a, may_sleep);
		break;
	case AT_DREAD_4:
		err = deref_read(&v, 4, a, may_sleep);
		break;
	case AT_DREAD_8:
		err = deref_read(&v, 8, a, may_sleep);
		break;
	case AT_DREAD_GOSTR:
		err = deref_read(&gs, sizeof(gs), a, may_sleep);
		v = gs.ptr;
		if (!err)
			set_call_word(rec, d->more, gs.len);
		break;
	}
	if (!err)
		set_call_word(rec, d->word, v);
	return err;
}

/*
 * The probe's dereferences, from the argument registers r (any index below
 * 16 defined): each word loaded through its chain, in order. Called through
 * derefs (bpf/uprobe.bpf.c), a global function verified once.
 */
static __always_inline void deref_all(struct at_call_rec *rec, const __u64 r[16],
				      const struct at_probe_spec *spec, bool may_sleep)
{
	for (int i = 0; i < AT_DEREFS; i++) {
		const struct at_deref *d = &spec->deref[i];
		__u8 n = d->nsteps < AT_DEREF_STEPS ? d->nsteps : AT_DEREF_STEPS;
		__u64 a, v = 0;
		bool bad = false;

		if (i >= spec->nderef)
			break;
		a = r[d->reg & 15];
		for (int j = 0; j < AT_DEREF_STEPS; j++) {
			if (j >= n)
				break;
			a += (__s64)d->off[j];
			if (deref_read(&v, sizeof(v), a, may_sleep)) {
				bad = true;
				break;
			}
			a = v;
		}
		if (!bad) {
			a += (__s64)d->off[n];
			bad = deref_final(rec, d, a, may_sleep) != 0;
		}
		if (bad && d->word < AT_MAX_ARGS) {
			/* The address that could not be read, for the record to show. */
			set_call_word(rec, d->word, a);
			rec->dfault |= 1u << d->word;
		}
	}
}

/* The argument registers, as the global function derefs takes them. */
struct deref_regs {
	__u64 r[16];
};

#endif /* AT_DEREF_BPF_H */
