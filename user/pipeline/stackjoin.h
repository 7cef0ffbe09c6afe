/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stack records (AT_REC_STACK) held until the call record they belong to:
 * the next of their thread with the same entry time and probe. Bounded: a
 * stack whose call never came is pushed out by later ones, counted.
 */
#ifndef AT_STACKJOIN_H
#define AT_STACKJOIN_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* Stacks waiting for their call, by thread; a thread's slot is one of STACKJOIN_WAYS. */
#define STACKJOIN_SLOTS 512
#define STACKJOIN_WAYS 8

struct stackjoin {
	struct {
		uint64_t seq; /* when it was put; 0: free */
		struct at_stack_rec rec;
	} e[STACKJOIN_SLOTS];
	uint64_t seq;
	uint64_t joined;  /* calls that found their stack */
	uint64_t lost;	  /* calls whose stack never came (a full ring buffer) */
	uint64_t evicted; /* stacks whose call never came, pushed out */
	uint64_t bad;	  /* stack records too short for what they claim */
};

void stackjoin__init(struct stackjoin *j);
/* Holds a stack record of size bytes (a copy) for its call. */
void stackjoin__put(struct stackjoin *j, const void *data, size_t size);
/*
 * The stack of the call of thread tid entered at enter_ns by probe probe_id,
 * taken out of the table (valid until the next put); NULL when it is not
 * there, counted lost.
 */
const struct at_stack_rec *stackjoin__take(struct stackjoin *j, uint32_t tid, uint32_t probe_id,
					   uint64_t enter_ns);

#endif /* AT_STACKJOIN_H */
