/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Socket addresses, iovec arrays and msghdrs captured into a call record's
 * slots (the layouts: include/sockcap.h). One global function, verified
 * once (bpf/sockcap.bpf.c), called from the syscall programs for each slot
 * of such a kind: a composite capture inlined into each slot of each
 * program would multiply their size by the slots.
 */
#ifndef AT_SOCKCAP_BPF_H
#define AT_SOCKCAP_BPF_H

#include "record.h"
#include "spec.h"

/* When a slot is filled: at entry, at exit after an entry, or at exit alone (exit_only). */
enum sockcap_phase {
	SOCKCAP_ENTRY = 0,
	SOCKCAP_EXIT = 1,
	SOCKCAP_EXIT_ONLY = 2,
};

/* sockcap_slot's kinds as slot_kinds bits. */
#define AT_SOCKCAP_KINDS (((1u << (AT_SLOT_MSGIOV_OUT + 1)) - 1) & ~((1u << AT_SLOT_SADDR_IN) - 1))

/* Whether a slot kind is one of sockcap_slot's. */
static __always_inline bool sockcap_kind(__u8 kind)
{
	return kind >= AT_SLOT_SADDR_IN && kind <= AT_SLOT_MSGIOV_OUT;
}

/*
 * Fills slot slot of rec as kind says, in phase: kind | arg << 8 |
 * len_arg << 16 | phase << 24 in how (a BPF call takes five arguments);
 * ret is the call's result at exit. Returns 0.
 */
int sockcap_slot(struct at_call_rec *rec, __u32 slot, __u32 how, __s64 ret);

/* The how of sockcap_slot. */
static __always_inline __u32 sockcap_how(__u8 kind, __u8 arg, __u8 len_arg, __u32 phase)
{
	return kind | (__u32)arg << 8 | (__u32)len_arg << 16 | phase << 24;
}

#endif /* AT_SOCKCAP_BPF_H */
