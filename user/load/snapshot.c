// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The kernel's statistics and counters read once, into a plain struct snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "probes.h"
#include "snapshot.h"
#include "util.h"

#define KERNEL(f) offsetof(struct snapshot, kernel.f)

/* The names of each loss counter, once: every renderer loops over this table. */
const struct loss_counter loss_counters[] = {
	{ "ringbuf", "ring buffer full", "records (ring buffer full)", KERNEL(rb_lost) },
	{ "queue", "queue full", "records (queue full)", offsetof(struct snapshot, queue_lost) },
	{ "state", "thread state", "calls (thread state)", KERNEL(state_lost) },
	{ "proc_table", "process table full", "processes (table full)", KERNEL(tgid_full) },
	{ "depth", "call depth", "calls (depth)", KERNEL(depth_lost) },
	{ "unpaired_ret", "unpaired returns", "returns (unpaired)", KERNEL(orphan_ret) },
	{ "pending", "candidate table full", "calls (candidate table full)", KERNEL(pending_full) },
	{ "go_unmatched", "Go entries without return", "calls (Go, no return)",
	  KERNEL(go_unmatched) },
	{ "path_table", "-P file table full", "files (-P table full)", KERNEL(path_lost) },
	{ "output", "output", "records (output)", offsetof(struct snapshot, output_lost) },
};
const size_t loss_counters_n = ARRAY_SIZE(loss_counters);

#define COUNT(f) offsetof(struct at_probe_counts, f)

/* The names of each per-probe count, once. */
const struct probe_counter probe_counters[] = {
	{ "hits", "hits", COUNT(hits) },
	{ "filtered", "filtered", COUNT(filtered) },
	{ "matched", NULL, COUNT(matched) },
	{ "events", "events", COUNT(emitted) },
	{ "sampled_out", "sampled out", COUNT(sampled_out) },
	{ "rate_limited", "rate limited", COUNT(rate_limited) },
	{ "lost", "lost", COUNT(emit_lost) },
	{ "signals", "signals", COUNT(signals) },
	{ "signal_failed", NULL, COUNT(signal_failed) },
	{ "signals_held", "signals held", COUNT(signal_held) },
	{ "unreadable", "unreadable", COUNT(unreadable) },
};
const size_t probe_counters_n = ARRAY_SIZE(probe_counters);

int snapshot__read_counters(struct snapshot *s, struct session *sess)
{
	return session__counters(sess, &s->kernel);
}

/* Every probe whose statistics and counts can be read, in id order. */
static int read_probes(struct snapshot *s, struct session *sess)
{
	uint32_t n = probes__count(sess);

	s->nprobes = 0;
	if (!n)
		return 0;
	s->probes = calloc(n, sizeof(*s->probes));
	if (!s->probes)
		return -ENOMEM;
	for (uint32_t id = 0; id < n; id++) {
		struct snapshot_probe *sp = &s->probes[s->nprobes];

		sp->p = probes__get(sess, id);
		if (!sp->p || session__probe_stats(sess, id, &sp->st) ||
		    probes__counts(sess, id, &sp->c))
			continue;
		/* A copy: renderers run twice (size, then text) and must see the same rows. */
		if (sp->p->agg && aggregate__read(sp->p->agg, &sp->agg))
			return -ENOMEM;
		s->nprobes++;
	}
	return 0;
}

int snapshot__read(struct snapshot *s, struct session *sess)
{
	int ret;

	s->stats = calloc(AT_NR_MAX, sizeof(*s->stats));
	if (!s->stats)
		return -ENOMEM;
	session__reader_stats(sess, &s->reader);
	session__follow_stats(sess, &s->follow);
	if ((ret = session__stats(sess, s->stats)) || (ret = session__counters(sess, &s->kernel)))
		return ret;
	return read_probes(s, sess);
}

void snapshot__free(struct snapshot *s)
{
	free(s->stats);
	for (uint32_t i = 0; s->probes && i < s->nprobes; i++)
		agg_rows__free(&s->probes[i].agg);
	free(s->probes);
	free(s->sinks);
	s->stats = NULL;
	s->probes = NULL;
	s->sinks = NULL;
	s->nprobes = 0;
	s->nsinks = 0;
}

void snapshot__self(struct snapshot *s)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return;
	s->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	s->max_rss_kib = (uint64_t)ru.ru_maxrss;
}

uint64_t snapshot_rss_bytes(void)
{
	unsigned long long size, resident;
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

const struct probe *snapshot_probe_by_id(const struct snapshot *s, uint32_t id)
{
	uint32_t lo = 0, hi = s->nprobes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, mid_id = s->probes[mid].p->id;

		if (mid_id == id)
			return snapshot_probe_live(&s->probes[mid]) ? s->probes[mid].p : NULL;
		if (mid_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
