/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Each traced process's container identity, read once from /proc and cached until it exits. */
#ifndef AT_IDENT_H
#define AT_IDENT_H

#include <stdbool.h>
#include <stdint.h>

#include "cgid.h"
#include "cgroup.h"
#include "podmeta.h"

/* Processes whose identity is kept at most, by default: a busy node's traced set. */
#define IDENT_MAX_DEFAULT 16384u

struct ident_opts {
	const char *proc_root; /* where /proc is: "/proc" when NULL (tests give a fixture) */
	uint32_t max_entries;  /* processes kept at most: IDENT_MAX_DEFAULT when 0 */
	/*
	 * CLOCK_BOOTTIME less CLOCK_MONOTONIC (the time suspended), to compare a
	 * record's time with a process's start: measured at each look-up when
	 * clock_fixed is false.
	 */
	bool clock_fixed;
	uint64_t boot_minus_mono_ns;
};

/* What the cache did: every /proc read and every entry it gave up. */
struct ident_stats {
	uint64_t hits;	    /* look-ups answered from an entry */
	uint64_t lookups;   /* misses: processes read from /proc, one per process (and pid reuse) */
	uint64_t failed;    /* of which unreadable: the process was gone, cached as unknown */
	uint64_t newer;	    /* records whose pid had a newer process: no identity, not cached */
	uint64_t reused;    /* entries replaced because their pid now had another start time */
	uint64_t evictions; /* entries dropped because the cache was full */
	uint64_t released;  /* entries dropped at their process's exit */
	uint32_t entries;   /* entries held now */
	uint32_t max;	    /* the bound */
};

struct ident_cache;

/*
 * A cache of opts' bound (NULL: the defaults). Its memory is allocated up
 * front (some 180 bytes an entry, and its executable's path once read) but
 * touched only as processes come. NULL
 * and errno set on failure. Not thread-safe: the writer thread alone uses it.
 */
struct ident_cache *ident_cache__new(const struct ident_opts *opts);
void ident_cache__free(struct ident_cache *c);

/*
 * The container identity of process pid for a record made at ts_ns
 * (CLOCK_MONOTONIC, the record's): NULL on the host, and when unknown (the
 * process is gone, or its pid now belongs to a process started after the
 * record). The first call for a pid reads /proc/PID/stat (its start time,
 * the key with the pid) and /proc/PID/cgroup; later ones read nothing, a
 * host process's answer included. The pointer stays valid until the next
 * call on c.
 */
const struct cgroup_ident *ident_cache__get(struct ident_cache *c, uint32_t pid, uint64_t ts_ns);

/*
 * The executable of pid's entry (readlink of /proc/PID/exe: the path in the
 * process's own mount namespace, process.executable.path), read at the first
 * ask after the entry was made or the process exec'ed; NULL when there is no
 * entry (ident_cache__get makes it) or the link was unreadable. Valid until
 * the next call on c.
 */
const char *ident_cache__exe(struct ident_cache *c, uint32_t pid);

/*
 * pid forked or exec'ed: its executable is read again at the next ask. If an entry holds it and /proc/PID/stat now gives
 * another start time (an exit was missed and the pid reused), the entry is
 * dropped so that the next get reads the new process. One stat read when an
 * entry exists, nothing otherwise.
 */
void ident_cache__renew(struct ident_cache *c, uint32_t pid);

/* pid exited: its entry is dropped. */
void ident_cache__release(struct ident_cache *c, uint32_t pid);

void ident_cache__stats(const struct ident_cache *c, struct ident_stats *st);

/* The identity caches' counters together: /metrics and the summary. */
struct ident_counters {
	bool has_proc, has_cgid, has_pod; /* which caches there are */
	struct ident_stats proc;	  /* per process (pid and start time) */
	struct cgid_stats cgid;		  /* per cgroup id */
	struct podmeta_stats pod;	  /* per container: pod and container names */
};

/*
 * The counters of the caches given (each may be NULL) into out, read field
 * by field with relaxed atomic loads: another thread (a scrape) may read
 * while the writer updates them; each value is whole, the set may be a
 * record apart.
 */
void ident_counters_read(const struct ident_cache *p, const struct cgid_cache *c,
			 const struct podmeta_cache *m, struct ident_counters *out);

/*
 * Whether /proc/PID holds the pids that records carry: the agent is in the
 * initial pid namespace, as BPF's tgids are. 0, or -errno (-EXDEV: another
 * namespace, where a pid would name a different process).
 */
int ident_host_pidns(void);

#endif /* AT_IDENT_H */
