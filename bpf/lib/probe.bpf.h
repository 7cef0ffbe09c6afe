/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The probe tables, by probe id, shared by the syscall and function programs,
 * and probe_hit(), which every probe program calls (defined in probe.bpf.c).
 */
#ifndef AT_PROBE_BPF_H
#define AT_PROBE_BPF_H

#include "spec.h"
#include "stats.h"

/*
 * What a probe captures, its filter and actions; the loader fills and empties
 * entries at run time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_probe_spec);
} probes __weak SEC(".maps");

/* Calls, errors and latency (or value) histogram per probe, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_stat);
} probe_stats __weak SEC(".maps");

/* What happened to each probe's hits, per CPU: filtered, sampled, limited, sent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_probe_counts);
} probe_counts __weak SEC(".maps");

/* Rate limit and sampling state per probe, shared by all CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct at_probe_state);
} probe_state __weak SEC(".maps");

/* Probe id's entry if the probe is live (enabled), else NULL. */
static __always_inline struct at_probe_spec *live_probe(__u32 id)
{
	struct at_probe_spec *spec = bpf_map_lookup_elem(&probes, &id);

	return spec && spec->enabled ? spec : NULL;
}

/*
 * A probe hit, complete: the filter, then the actions. now is the time the
 * record carries. Returns whether the call matched. A global function of
 * probe.bpf.c: the verifier checks it once per program.
 */
int probe_hit(__u32 id, struct at_call_rec *rec, int failed, __u64 dur, __u64 now);

#endif /* AT_PROBE_BPF_H */
