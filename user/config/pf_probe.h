/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside the probe-file parser: one entry of probes:, its keys and the state of its reading. */
#ifndef AT_PF_PROBE_H
#define AT_PF_PROBE_H

#include "pf_yaml.h"

/* The keys of a probe entry, in the order "valid keys: ..." lists them. */
enum {
	K_NAME,
	K_KIND,
	K_ATTACH,
	K_ARGS,
	K_RET,
	K_WHEN,
	K_FILTER,
	K_ACTION,
	K_RATE,
	K_SAMPLE,
	K_SCRUB,
	K_UNREADABLE,
	K_AGGREGATE,
	K_N
};

/* One probe being read: its nodes by key, and the WHERE of its messages. */
struct pf_entry_ctx {
	struct pf_ctx *c;
	struct pf_probe *p;
	yaml_node_t *item;	      /* the list item */
	yaml_node_t *v[K_N];	      /* values by probe_keys index, NULL when absent */
	yaml_node_t *k[K_N];	      /* their keys */
	char base[PF_NAME_MAX + 24];  /* "probes[2] 'opens'" */
	char where[PF_NAME_MAX + 48]; /* base and a key */
};

/* "probes[2] 'opens': key", in ec->where, which it returns. */
const char *pf_where(struct pf_entry_ctx *ec, const char *key);

/* aggregate: ARG | {by: ARG, top: N, max: M} into ec->p->agg (pf_aggregate.c). 0 or -1. */
int pf_probe_aggregate(struct pf_entry_ctx *ec);

/* probes: a list of 1 to PF_MAX_PROBES entries into c->pf->probes. 0 or -1. */
int pf_load_probes(struct pf_ctx *c, yaml_node_t *n);

#endif /* AT_PF_PROBE_H */
