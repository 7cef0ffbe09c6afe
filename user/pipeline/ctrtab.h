/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-container counts of the records that reach userspace: by syscall or probe, bounded. */
/*
 * The kernel counts every hit per probe and per syscall in per-CPU maps with
 * no container in the key, so those series cannot be split by container.
 * What can be is what arrives as records (event actions, traced syscalls):
 * each decoded record carries its container (decode.h), and this table adds
 * it to the row of (syscall or probe, container) under a mutex that the
 * renderers (the /metrics scrape, the OTLP tick) share.
 *
 * Bounds: at most max containers, one row per (series, container), rows at
 * most rows_max. With every container slot taken, one idle for idle_ns is
 * evicted (its rows dropped: its series end, as a stopped container's do);
 * when none is, the record is counted under the "other" container. A record
 * that finds no row free is counted as dropped. Host processes are container "".
 */
#ifndef AT_CTRTAB_H
#define AT_CTRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "podmeta.h"
#include "stats.h"

#define CTRTAB_CONTAINERS_DEFAULT 64u /* containers tracked at once */
#define CTRTAB_ROWS_DEFAULT 4096u     /* (series, container) rows: ~1.2 KiB each at most */
#define CTRTAB_IDLE_NS (300ull * 1000000000ull) /* a container this idle may be evicted */

struct event;
struct ctrtab;

/* What a row counts: a syscall by number or a probe by id. */
enum ctr_kind { CTR_SYSCALL = 1, CTR_PROBE = 2 };

/* The container of index 0 is the host; CTR_OTHER stands for those that did not fit. */
#define CTR_HOST 0u
#define CTR_OTHER UINT16_MAX

struct ctr_container {
	struct cgroup_ident id; /* container.id, .runtime, k8s.pod.uid */
	struct pod_meta pod;	/* names, when known */
};

struct ctr_row {
	struct at_stat st; /* records, failing, durations */
	uint32_t id;	   /* the syscall's number or the probe's id */
	uint16_t ctr;	   /* index into the read's containers, or CTR_OTHER */
	uint8_t kind;	   /* enum ctr_kind */
	bool timed;	   /* st's durations mean something (some record had one) */
};

/* A read: a copy, owned by the caller. */
struct ctr_rows {
	struct ctr_row *v;		   /* rows by kind, id, then container index */
	size_t n;			   /* entries of v */
	struct ctr_container *ctr;	   /* nctr entries; [CTR_HOST] is the host (all empty) */
	uint32_t nctr;			   /* entries of ctr */
	uint64_t folded;		   /* records counted under other */
	uint64_t dropped;		   /* records not counted: no row free */
	uint64_t evicted;		   /* containers evicted, idle, to make room */
	uint32_t max_containers, max_rows; /* the bounds */
};

struct ctrtab_opts {
	uint32_t max_containers; /* CTRTAB_CONTAINERS_DEFAULT when 0 */
	uint32_t max_rows;	 /* CTRTAB_ROWS_DEFAULT when 0 */
	uint64_t idle_ns;	 /* CTRTAB_IDLE_NS when 0 */
};

/* NULL with errno on failure. */
struct ctrtab *ctrtab__new(const struct ctrtab_opts *o);
void ctrtab__free(struct ctrtab *t);

/*
 * Adds a decoded syscall or call event (others are ignored) to its row: a
 * probe's by ev->probe's id when it has one, else the syscall's.
 */
void ctrtab__event(struct ctrtab *t, const struct event *ev);

/* A copy of the rows and containers. 0 or -ENOMEM; ctr_rows__free either way. */
int ctrtab__read(struct ctrtab *t, struct ctr_rows *out);
void ctr_rows__free(struct ctr_rows *r);

/* The container label of a row's index: "" for the host, "other", or the id. */
const char *ctr_rows_label(const struct ctr_rows *r, uint16_t ctr);

#endif /* AT_CTRTAB_H */
