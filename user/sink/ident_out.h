/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The identity caches' counters in the exit summary: a text line, a JSON field. */
#ifndef AT_IDENT_OUT_H
#define AT_IDENT_OUT_H

#include "ident.h"
#include "strbuf.h"

/*
 * "identity: processes N held of MAX (H hits, M misses, E evicted, R
 * released at exit); cgroups ...; pods ..." and a newline; nothing when there
 * is no cache (the agent is not in the host's pid namespace).
 */
void ident_text_line(struct out *o, const struct ident_counters *ic);

/*
 * ,"ident_cache":{"process":{"entries":N,"max":N,"hits":N,"misses":N,
 * "evictions":N,"released":N},"cgroup":{...},"pod":{...,"named":N}}: each cache
 * there is; nothing when there is none.
 */
void ident_json_field(struct out *o, const struct ident_counters *ic);

#endif /* AT_IDENT_OUT_H */
