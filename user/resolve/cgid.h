/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Container identity by cgroup v2 id (a record's): the cgroup2 directory of that inode, cached. */
#ifndef AT_CGID_H
#define AT_CGID_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

/* Cgroups whose identity is kept at most, by default. */
#define CGID_MAX_DEFAULT 4096u
/* Directories one walk of the cgroup2 tree stats at most, by default. */
#define CGID_WALK_DEFAULT 4096u

struct cgid_opts {
	const char *root;      /* the cgroup2 mount (tests give a fixture tree); required */
	const char *proc_root; /* where /proc is for the pid hint; NULL: no hint, walks only */
	uint32_t max_entries;  /* cgroups kept at most: CGID_MAX_DEFAULT when 0 */
	uint32_t walk_max;     /* directories a walk stats at most: CGID_WALK_DEFAULT when 0 */
};

struct cgid_stats {
	uint64_t hits;	    /* ids found in the cache */
	uint64_t lookups;   /* ids not in the cache (misses) */
	uint64_t proc_hits; /* of which found at the path /proc/PID/cgroup's v2 line names */
	uint64_t walks;	    /* of which looked for in the cgroup2 tree */
	uint64_t walk_dirs; /* directories the walks stat'ed */
	uint64_t misses;    /* ids no walk found (the cgroup is gone, or past the cap) */
	uint64_t evictions; /* entries replaced because their set was full */
	uint32_t entries;   /* entries held now */
	uint32_t max;	    /* the bound */
};

struct cgid_cache;

/* A cache of opts' bounds. NULL and errno set on failure. Not thread-safe: the writer's. */
struct cgid_cache *cgid_cache__new(const struct cgid_opts *opts);
void cgid_cache__free(struct cgid_cache *c);

/*
 * The container identity of cgroup id (a record's hdr.cgroup_id), NULL when
 * the cgroup names no container or pod, or was not found. On a miss the path
 * /proc/PID/cgroup's v2 line gives is tried first (pid: the record's
 * process, if it is still there; its inode must be id), then a walk of the
 * cgroup2 tree, which caches every directory it stats. An id not found is
 * cached as none. The pointer stays valid until the next call on c.
 */
const struct cgroup_ident *cgid_cache__get(struct cgid_cache *c, uint64_t id, uint32_t pid);

/* The counters; safe beside the writer's updates (each field read whole). */
void cgid_cache__stats(const struct cgid_cache *c, struct cgid_stats *st);

/*
 * The mount point of the first cgroup2 file system in the mountinfo file
 * (NULL: /proc/self/mountinfo) into out. 0, or -errno (-ENOENT: none).
 */
int cgid_find_mount(const char *mountinfo, char *out, size_t size);

#endif /* AT_CGID_H */
