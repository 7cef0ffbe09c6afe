// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Candidates' accounting: what an unconfirmed process adds waits apart until its verdict. */
/*
 * An exec matched by file name, or in a container the kernel has no verdict
 * for, is traced from that exec on (nothing of it is missed) but may turn out
 * no target. Its probe counts and statistics go to pending_acct by (tgid,
 * probe id) while its bit in pending_bits is set, and no signal is sent to
 * it. The reader's verdict settles it: confirmed, its entries are added to
 * totals kept here, which every read of the kernel's totals adds; rejected,
 * they are dropped. A call under way at the verdict may still add an entry
 * after it: the follower's sweep settles those (session__settle_late).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bpf/bpf.h>

#include "session_priv.h"
#include "util.h"

struct pending_extra {
	pthread_mutex_t lock;
	struct at_probe_counts c[AT_MAX_PROBES];
	struct at_stat st[AT_MAX_PROBES];
	struct at_stat sys[AT_NR_MAX];
	struct at_pending_acct *percpu; /* one lookup's values */
};

int pending_open(struct session *s, char *err, size_t errlen)
{
	s->pending_bits = mmap(NULL, sizeof(*s->pending_bits), PROT_READ | PROT_WRITE, MAP_SHARED,
			       bpf_map__fd(s->skel->maps.pending_bits), 0);
	if (s->pending_bits == MAP_FAILED) {
		s->pending_bits = NULL;
		return fail(err, errlen, "mapping the candidate bitmap: %s", strerror(errno));
	}
	s->extra = calloc(1, sizeof(*s->extra));
	if (s->extra)
		s->extra->percpu = calloc((size_t)s->ncpus, sizeof(*s->extra->percpu));
	if (!s->extra || !s->extra->percpu)
		return fail(err, errlen, "out of memory");
	pthread_mutex_init(&s->extra->lock, NULL);
	return 0;
}

void pending_close(struct session *s)
{
	if (s->pending_bits)
		munmap(s->pending_bits, sizeof(*s->pending_bits));
	s->pending_bits = NULL;
	if (s->extra) {
		pthread_mutex_destroy(&s->extra->lock);
		free(s->extra->percpu);
	}
	free(s->extra);
	s->extra = NULL;
}

void stat_merge(struct at_stat *out, const struct at_stat *p)
{
	if (!p->count)
		return;
	out->count += p->count;
	out->errors += p->errors;
	out->total_ns += p->total_ns;
	if (p->max_ns > out->max_ns)
		out->max_ns = p->max_ns;
	for (int b = 0; b < AT_HIST_BUCKETS; b++)
		out->hist[b] += p->hist[b];
}

/* Every count of p added to out: the struct is all __u64 counters. */
void counts_merge(struct at_probe_counts *out, const struct at_probe_counts *p)
{
	__u64 *o = (__u64 *)out;
	const __u64 *q = (const __u64 *)p;

	for (size_t i = 0; i < sizeof(*out) / sizeof(__u64); i++)
		o[i] += q[i];
}

void pending_add_stat(struct session *s, uint32_t key, struct at_stat *out)
{
	struct pending_extra *x = s->extra;

	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	if (key & AT_PENDING_SYS) {
		if ((key & ~AT_PENDING_SYS) < AT_NR_MAX)
			stat_merge(out, &x->sys[key & ~AT_PENDING_SYS]);
	} else if (key < AT_MAX_PROBES) {
		stat_merge(out, &x->st[key]);
	}
	pthread_mutex_unlock(&x->lock);
}

void pending_add_counts(struct session *s, uint32_t id, struct at_probe_counts *out)
{
	struct pending_extra *x = s->extra;

	if (!x || id >= AT_MAX_PROBES)
		return;
	pthread_mutex_lock(&x->lock);
	counts_merge(out, &x->c[id]);
	pthread_mutex_unlock(&x->lock);
}

void pending_reset(struct session *s, uint32_t id)
{
	struct pending_extra *x = s->extra;

	if (!x || id >= AT_MAX_PROBES)
		return;
	pthread_mutex_lock(&x->lock);
	memset(&x->c[id], 0, sizeof(x->c[id]));
	memset(&x->st[id], 0, sizeof(x->st[id]));
	pthread_mutex_unlock(&x->lock);
}

void pending_clear(struct session *s, pid_t tgid)
{
	if (s->pending_bits && tgid > 0 && (unsigned)tgid < AT_PID_LIMIT)
		__atomic_fetch_and(&s->pending_bits->w[tgid / 64], ~(1ULL << (tgid % 64)),
				   __ATOMIC_SEQ_CST);
}

static bool is_pending(const struct session *s, __u32 tgid)
{
	return tgid < AT_PID_LIMIT &&
	       (__atomic_load_n(&s->pending_bits->w[tgid / 64], __ATOMIC_SEQ_CST) &
		(1ULL << (tgid % 64)));
}

/* One entry's values summed over the CPUs into the totals (keep), and the entry deleted. */
static void settle_entry(struct session *s, int fd, const struct at_pending_key *k, bool keep)
{
	struct pending_extra *x = s->extra;
	struct at_probe_counts c = { 0 };
	struct at_stat st = { 0 };

	if (keep && !bpf_map_lookup_elem(fd, k, x->percpu)) {
		for (int cpu = 0; cpu < s->ncpus; cpu++) {
			counts_merge(&c, &x->percpu[cpu].c);
			stat_merge(&st, &x->percpu[cpu].st);
		}
		if (k->id & AT_PENDING_SYS) {
			if ((k->id & ~AT_PENDING_SYS) < AT_NR_MAX)
				stat_merge(&x->sys[k->id & ~AT_PENDING_SYS], &st);
		} else if (k->id < AT_MAX_PROBES) {
			counts_merge(&x->c[k->id], &c);
			stat_merge(&x->st[k->id], &st);
		}
	}
	bpf_map_delete_elem(fd, k);
}

/*
 * Settles the entries of tgid (all > 0), or with tgid 0 those of every
 * process that is a candidate no more, kept unless rejected says otherwise.
 */
static void settle(struct session *s, pid_t tgid, bool keep, bool (*rejected)(void *, pid_t),
		   void *ctx)
{
	int fd = bpf_map__fd(s->skel->maps.pending_acct);
	/* limits.candidates sized the map. */
	unsigned n = 0, max = bpf_map__max_entries(s->skel->maps.pending_acct);
	struct at_pending_key *keys, k, *prev = NULL;

	if (!s->extra || !(keys = calloc(max, sizeof(*keys))))
		return;
	pthread_mutex_lock(&s->extra->lock);
	/* The keys first, then each settled: a walk that deletes as it goes may skip some. */
	while (n < max && !bpf_map_get_next_key(fd, prev, &k)) {
		keys[n] = k;
		prev = &keys[n];
		if (tgid ? k.tgid == (__u32)tgid : !is_pending(s, k.tgid))
			n++;
	}
	for (unsigned i = 0; i < n; i++)
		settle_entry(s, fd, &keys[i],
			     tgid ? keep : !(rejected && rejected(ctx, (pid_t)keys[i].tgid)));
	pthread_mutex_unlock(&s->extra->lock);
	free(keys);
}

void session__settle_pid(struct session *s, pid_t tgid, bool keep)
{
	if (tgid <= 0)
		return;
	/* The bit first: from now on its calls go to the totals, or nowhere. */
	pending_clear(s, tgid);
	settle(s, tgid, keep, NULL, NULL);
}

void session__settle_late(struct session *s, bool (*rejected)(void *ctx, pid_t tgid), void *ctx)
{
	settle(s, 0, true, rejected, ctx);
}
