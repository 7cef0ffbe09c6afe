/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The kernel's statistics and counters read into one plain struct that sinks render. */
#ifndef AT_SNAPSHOT_H
#define AT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"
#include "export.h"
#include "follow.h"
#include "probes.h"
#include "record.h"
#include "stats.h"
#include "session.h"

struct probe;

/* One probe's statistics and counts. */
struct snapshot_probe {
	const struct probe *p;	  /* its description: names, label, actions, SPEC */
	struct at_stat st;	  /* calls, failing, durations or values, histogram */
	struct at_probe_counts c; /* what happened to its hits */
	struct agg_rows agg;	  /* aggregate: its top rows then; n 0 for none */
};

/* One exporting sink's queue: its name and counters (export.h). */
struct snapshot_sink {
	const char *name;
	struct export_stats st;
};

struct snapshot {
	struct at_stat *stats;	       /* AT_NR_MAX entries: per syscall */
	struct snapshot_probe *probes; /* every probe whose statistics could be read */
	uint32_t nprobes;	       /* entries of probes */
	struct at_counters kernel;     /* kernel loss counters */
	struct reader_stats reader;    /* records delivered, batches */
	struct follow_stats follow;    /* processes followed into their own files (follow.h) */
	uint64_t queue_lost;	       /* records dropped because the writer's queue was full */
	uint64_t output_lost;	       /* records not written because the output failed */
	double elapsed_s;	       /* attach to stop */
	double cpu_s;		       /* agent-trace's own CPU time, user + system */
	uint64_t max_rss_kib;	       /* agent-trace's own peak resident set */
	struct snapshot_sink *sinks;   /* exporting sinks, filled by whoever owns them */
	uint32_t nsinks;	       /* entries of sinks */
};

/* One loss counter: where it is in a snapshot and its names in each renderer. */
struct loss_counter {
	const char *json; /* key in the JSON summary's "lost" object */
	const char *text; /* in the summary's records line: "N (ring buffer full)" */
	const char *warn; /* in the stderr line of -q: "N records (ring buffer full)" */
	size_t off;	  /* offset of its uint64_t in struct snapshot */
};

/* Every loss counter, in the order each renderer lists them. */
extern const struct loss_counter loss_counters[];
extern const size_t loss_counters_n;

/* Whether following did anything a summary shows: files of its own, or candidates. */
static inline bool snapshot_follow_shown(const struct snapshot *s)
{
	return s->follow.attached || s->follow.released || s->follow.failed || s->follow.rejected ||
	       s->follow.over || s->follow.dropped;
}

/* A counter's value in s. */
static inline uint64_t snapshot_loss(const struct snapshot *s, const struct loss_counter *c)
{
	return *(const uint64_t *)((const char *)s + c->off);
}

/* One per-probe count: where it is in struct at_probe_counts and its names. */
struct probe_counter {
	const char *json; /* key in the probe_summary record */
	const char *text; /* in the probe's text line ("hits 3"); NULL: JSON only */
	size_t off;	  /* offset of its __u64 in struct at_probe_counts */
};

/* Every per-probe count, in the order each renderer lists them. */
extern const struct probe_counter probe_counters[];
extern const size_t probe_counters_n;

static inline uint64_t probe_count(const struct at_probe_counts *c, const struct probe_counter *pc)
{
	return *(const __u64 *)((const char *)c + pc->off);
}

/*
 * Reads the per-syscall and per-probe statistics, the loss counters and the
 * reader's statistics of sess into s (allocated here; the fields the session
 * does not know are left as they are). 0 or -errno; snapshot__free either way.
 */
int snapshot__read(struct snapshot *s, struct session *sess);
/* Reads only the loss counters (kernel): for the loss line of -q. 0 or -errno. */
int snapshot__read_counters(struct snapshot *s, struct session *sess);
void snapshot__free(struct snapshot *s);

/* Whether sp's probe is still in (a reload may remove it while a renderer reads). */
static inline bool snapshot_probe_live(const struct snapshot_probe *sp)
{
	return !__atomic_load_n(&sp->p->removed, __ATOMIC_RELAXED);
}

/* The live probe of id in s (its probes are in id order), NULL when not there or removed. */
const struct probe *snapshot_probe_by_id(const struct snapshot *s, uint32_t id);

/* Whether p's calls have a duration: not entry-only, return-only or USDT, nor a value histogram. */
static inline bool probe_timed(const struct probe *p)
{
	return p->spec.when == UW_CALL &&
	       (!(p->actions & AT_ACT_HIST) || p->hist_of == AT_HIST_LATENCY);
}

/* agent-trace's own CPU time (user + system) and peak resident set into s (getrusage). */
void snapshot__self(struct snapshot *s);
/* agent-trace's resident set now, from /proc/self/statm (getrusage has only the peak); 0 unknown. */
uint64_t snapshot_rss_bytes(void);

#endif /* AT_SNAPSHOT_H */
