// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A probe's aggregate key: ARG or {by: ARG, top: N, max: M}, checked against what it captures. */
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "pf_probe.h"
#include "probefile.h"
#include "util.h"

/* A function or USDT argument by name or argN: a string or buffer that gets a capture slot. */
static int spec_arg(struct pf_entry_ctx *ec, const yaml_node_t *n, const char *name)
{
	const struct uspec *u = &ec->p->spec;
	unsigned i, slots = 0;
	uint8_t kind;

	for (i = 0; i < u->nargs && strcmp(u->args[i].name, name); i++)
		;
	if (i == u->nargs && !strncmp(name, "arg", 3) && name[3] >= '1' &&
	    name[3] < '1' + (int)u->nargs && !name[4])
		i = (unsigned)(name[3] - '1');
	if (i == u->nargs) {
		char names[256] = "";
		size_t len = 0;

		for (unsigned j = 0; j < u->nargs && len < sizeof(names); j++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						j ? ", " : "", u->args[j].name);
		return pf_errat(ec->c, n, pf_where(ec, "aggregate"),
				"'%.32s' is not an argument of the probe; %s%s", name,
				u->nargs ? "its arguments: " : "declare it in args",
				u->nargs ? names : "");
	}
	kind = utype_info(u->args[i].type)->kind;
	if (kind != UK_STR && kind != UK_BUF)
		return pf_errat(ec->c, n, ec->where,
				"'%s' is a %s argument; aggregate by a string or buffer "
				"(str, buf[N], char[N])",
				name, utype_name(u->args[i].type));
	for (unsigned j = 0; j < i; j++)
		slots += utype_info(u->args[j].type)->kind >= UK_STR;
	if (slots >= AT_SLOTS)
		return pf_errat(
			ec->c, n, ec->where,
			"'%s' is not captured (only the first %d string or buffer arguments "
			"are); aggregate by another argument",
			name, AT_SLOTS);
	ec->p->agg.arg = (uint8_t)i;
	return 0;
}

/* A syscall argument, as filters name them: a string of every selected syscall, one index. */
static int sys_arg(struct pf_entry_ctx *ec, const yaml_node_t *n, const char *name)
{
	struct pf_probe *p = ec->p;
	struct filter_ctx fc = { .kind = p->kind, .when = p->when, .syscalls = p->syscalls };
	struct at_cond f;
	char why[256];

	if (filter_field(&fc, name, &f, why, sizeof(why)))
		return pf_errat(ec->c, n, pf_where(ec, "aggregate"), "%s", why);
	if (f.field >= AT_FLD_ARG0 + AT_MAX_ARGS || !f.is_str)
		return pf_errat(ec->c, n, pf_where(ec, "aggregate"),
				"'%s' is not a string argument; aggregate by a path or string "
				"argument (filename, pathname, ...)",
				name);
	p->agg.arg = (uint8_t)(f.field - AT_FLD_ARG0);
	return 0;
}

/* The argument's name: what is aggregated by, where the entry reads it. */
static int agg_by(struct pf_entry_ctx *ec, const yaml_node_t *n)
{
	struct pf_probe *p = ec->p;
	const char *s;

	if (pf_get_scalar(ec->c, n, pf_where(ec, "aggregate"), "an argument's name", &s))
		return -1;
	if (!*s || strlen(s) >= sizeof(p->agg.by))
		return pf_errat(ec->c, n, ec->where, "'%.40s' is not an argument's name", s);
	/* A function probe at return saves the arguments it declares at entry (probetab.c). */
	if (p->when == PF_WHEN_RETURN && (p->kind == PF_SYSCALL || !p->spec.nargs))
		return pf_errat(ec->c, n, ec->where,
				p->kind == PF_SYSCALL ?
					"arguments are not known at return; use when: call" :
					"arguments are not known at return unless declared (args: "
					"or the SPEC's); use when: call");
	if (p->kind == PF_SYSCALL ? sys_arg(ec, n, s) : spec_arg(ec, n, s))
		return -1;
	strcpy(p->agg.by, s);
	return 0;
}

/* {by: ARG, top: N, max: M} */
static int agg_map(struct pf_entry_ctx *ec, const yaml_node_t *n)
{
	enum { A_BY, A_TOP, A_MAX, A_N };
	static const char *const keys[A_N] = { [A_BY] = "by", [A_TOP] = "top", [A_MAX] = "max" };
	struct pf_aggregate *a = &ec->p->agg;
	yaml_node_t *v[A_N], *k[A_N];
	char what[64];
	long long x;

	if (pf_map_keys(ec->c, n, pf_where(ec, "aggregate"), keys, A_N, v, k))
		return -1;
	if (!v[A_BY])
		return pf_errat(ec->c, n, ec->where,
				"missing 'by'; expected {by: ARG, top: N, max: M}");
	if (agg_by(ec, v[A_BY]))
		return -1;
	snprintf(what, sizeof(what), "rows to show, 1 to %d", AGG_TOP_MAX);
	if (v[A_TOP] &&
	    pf_get_int(ec->c, v[A_TOP], pf_where(ec, "aggregate: top"), 1, AGG_TOP_MAX, what, &x))
		return -1;
	if (v[A_TOP])
		a->top = (uint32_t)x;
	snprintf(what, sizeof(what), "distinct values to track, 1 to %d", AGG_MAX_MAX);
	if (v[A_MAX] &&
	    pf_get_int(ec->c, v[A_MAX], pf_where(ec, "aggregate: max"), 1, AGG_MAX_MAX, what, &x))
		return -1;
	if (v[A_MAX])
		a->max = (uint32_t)x;
	/* The default top shows what is tracked when max is smaller; a given one must. */
	if (!v[A_TOP] && a->top > a->max)
		a->top = a->max;
	if (a->top > a->max)
		return pf_errat(ec->c, v[A_TOP] ? v[A_TOP] : v[A_MAX], pf_where(ec, "aggregate"),
				"top %u is more than max %u; show at most the values tracked",
				a->top, a->max);
	return 0;
}

int pf_probe_aggregate(struct pf_entry_ctx *ec)
{
	static const unsigned gated[] = { K_RATE, K_SAMPLE };
	yaml_node_t *n = ec->v[K_AGGREGATE];
	struct pf_probe *p = ec->p;

	if (!n)
		return 0;
	p->agg.top = AGG_TOP_DEFAULT;
	p->agg.max = AGG_MAX_DEFAULT;
	if (n->type == YAML_MAPPING_NODE ? agg_map(ec, n) : agg_by(ec, n))
		return -1;
	/* The table counts what reaches userspace: a sampled-out call would be missing from it. */
	for (unsigned i = 0; i < ARRAY_SIZE(gated); i++)
		if (ec->v[gated[i]])
			return pf_errat(ec->c, ec->k[gated[i]], ec->base,
					"aggregate counts every call and %s would leave some out; "
					"remove one, or aggregate in a second probe",
					gated[i] == K_RATE ? "rate_limit" : "sample");
	return 0;
}
