// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Stack records joined with their call records, per thread, in a small set-associative table. */
#include <string.h>

#include "stackjoin.h"

void stackjoin__init(struct stackjoin *j)
{
	memset(j, 0, sizeof(*j));
}

/* The first slot of tid's set. */
static unsigned set_of(uint32_t tid)
{
	return (tid * 2654435761u) % (STACKJOIN_SLOTS / STACKJOIN_WAYS) * STACKJOIN_WAYS;
}

void stackjoin__put(struct stackjoin *j, const void *data, size_t size)
{
	const struct at_stack_rec *r = data;
	unsigned base, pick;

	if (size < offsetof(struct at_stack_rec, ips) || r->nips > AT_STACK_MAX ||
	    size < offsetof(struct at_stack_rec, ips) + r->nips * sizeof(r->ips[0]) ||
	    r->ntop > AT_STACK_TOP) {
		j->bad++;
		return;
	}
	base = set_of(r->hdr.tid);
	pick = base;
	/* The thread's own waiting stack is replaced (its call never came), else a free slot, else the oldest. */
	for (unsigned i = base; i < base + STACKJOIN_WAYS; i++) {
		if (j->e[i].seq && j->e[i].rec.hdr.tid == r->hdr.tid) {
			pick = i;
			break;
		}
		if (!j->e[i].seq || (j->e[pick].seq && j->e[i].seq < j->e[pick].seq))
			pick = i;
	}
	if (j->e[pick].seq)
		j->evicted++;
	memcpy(&j->e[pick].rec, data,
	       size < sizeof(j->e[pick].rec) ? size : sizeof(j->e[pick].rec));
	j->e[pick].seq = ++j->seq;
}

const struct at_stack_rec *stackjoin__take(struct stackjoin *j, uint32_t tid, uint32_t probe_id,
					   uint64_t enter_ns)
{
	unsigned base = set_of(tid);

	for (unsigned i = base; i < base + STACKJOIN_WAYS; i++) {
		struct at_stack_rec *r = &j->e[i].rec;

		if (!j->e[i].seq || r->hdr.tid != tid)
			continue;
		if (r->enter_ns != enter_ns || r->hdr.probe_id != probe_id)
			break; /* another call's: it stays until its own comes, or is pushed out */
		j->e[i].seq = 0;
		j->joined++;
		return r;
	}
	j->lost++;
	return NULL;
}
