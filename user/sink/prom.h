/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A snapshot as Prometheus text exposition (format 0.0.4), for the /metrics endpoint. */
#ifndef AT_PROM_H
#define AT_PROM_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"
#include "strbuf.h"

/* The Content-Type of what prom_render writes. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct ctr_rows;
struct ident_counters;

struct prom_opts {
	bool syscall_durations; /* syscalls are timed (-T, -C): their latency histograms */
	uint64_t rss_bytes;	/* agent-trace's resident set now */
	/* The identity caches' counters (agent_trace_ident_cache_*); NULL: left out. */
	const struct ident_counters *ident;
	/* Records by syscall or probe and container (ctrtab.h); NULL: left out. */
	const struct ctr_rows *containers;
};

/*
 * Writes every metric of s: per-syscall calls, errors and latency, per-probe
 * counts and latency, loss per cause, the reader's records and batches, the
 * agent's CPU seconds (s->cpu_s) and RSS; with po's, the records per
 * container and the identity caches' counters. Probes that were removed are left
 * out (their replacements start from 0: a counter reset to Prometheus).
 */
void prom_render(struct out *o, const struct snapshot *s, const struct prom_opts *po);

/* A label value escaped per the exposition format: backslash, double quote, newline. */
void prom_escape(struct out *o, const char *s);

#endif /* AT_PROM_H */
