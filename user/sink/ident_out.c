// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The identity caches' counters in the exit summary: so tests count per-process state. */
#include "ident_out.h"

/* What the summary shows of one cache. */
struct cache_row {
	const char *text, *json; /* "processes", "process" */
	bool has;
	uint64_t entries, max, hits, misses, evictions, released, named;
	bool has_released, has_named;
};

static void rows_of(const struct ident_counters *ic, struct cache_row r[3])
{
	r[0] = (struct cache_row){ "processes",
				   "process",
				   ic->has_proc,
				   ic->proc.entries,
				   ic->proc.max,
				   ic->proc.hits,
				   ic->proc.lookups,
				   ic->proc.evictions,
				   ic->proc.released,
				   0,
				   true,
				   false };
	r[1] =
		(struct cache_row){ "cgroups",	      "cgroup",		 ic->has_cgid,
				    ic->cgid.entries, ic->cgid.max,	 ic->cgid.hits,
				    ic->cgid.lookups, ic->cgid.evictions };
	r[2] = (struct cache_row){ "pods",	"pod",	       ic->has_pod,    ic->pod.entries,
				   ic->pod.max, ic->pod.hits,  ic->pod.misses, ic->pod.evictions,
				   0,		ic->pod.found, false,	       true };
}

void ident_text_line(struct out *o, const struct ident_counters *ic)
{
	struct cache_row r[3];
	bool first = true;

	rows_of(ic, r);
	for (unsigned i = 0; i < 3; i++) {
		if (!r[i].has)
			continue;
		out_puts(o, first ? "identity: " : "; ");
		first = false;
		out_printf(o, "%s %llu held of %llu (%llu hits, %llu misses, %llu evicted",
			   r[i].text, (unsigned long long)r[i].entries,
			   (unsigned long long)r[i].max, (unsigned long long)r[i].hits,
			   (unsigned long long)r[i].misses, (unsigned long long)r[i].evictions);
		if (r[i].has_released)
			out_printf(o, ", %llu released at exit", (unsigned long long)r[i].released);
		if (r[i].has_named)
			out_printf(o, ", %llu named", (unsigned long long)r[i].named);
		out_putc(o, ')');
	}
	if (!first)
		out_putc(o, '\n');
}

void ident_json_field(struct out *o, const struct ident_counters *ic)
{
	struct cache_row r[3];
	bool first = true;

	rows_of(ic, r);
	for (unsigned i = 0; i < 3; i++) {
		if (!r[i].has)
			continue;
		out_puts(o, first ? ",\"ident_cache\":{\"" : ",\"");
		first = false;
		out_puts(o, r[i].json);
		out_printf(o,
			   "\":{\"entries\":%llu,\"max\":%llu,\"hits\":%llu,\"misses\":%llu,"
			   "\"evictions\":%llu",
			   (unsigned long long)r[i].entries, (unsigned long long)r[i].max,
			   (unsigned long long)r[i].hits, (unsigned long long)r[i].misses,
			   (unsigned long long)r[i].evictions);
		if (r[i].has_released)
			out_printf(o, ",\"released\":%llu", (unsigned long long)r[i].released);
		if (r[i].has_named)
			out_printf(o, ",\"named\":%llu", (unsigned long long)r[i].named);
		out_putc(o, '}');
	}
	if (!first)
		out_putc(o, '}');
}
