// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One probe entry: name, kind, when, attach (pf_attach.c), actions, aggregate
 * (pf_aggregate.c), rate, sample, scrub, filter.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pf_attach.h"
#include "pf_probe.h"
#include "suggest.h"
#include "syscalls.h"
#include "util.h"

#define RATE_MAX 1000000 /* events per second, and burst */

static const char *const probe_keys[K_N] = {
	[K_NAME] = "name",	     [K_KIND] = "kind",	    [K_ATTACH] = "attach",
	[K_ARGS] = "args",	     [K_RET] = "ret",	    [K_WHEN] = "when",
	[K_FILTER] = "filter",	     [K_ACTION] = "action", [K_RATE] = "rate_limit",
	[K_SAMPLE] = "sample",	     [K_SCRUB] = "scrub",   [K_UNREADABLE] = "on_unreadable",
	[K_AGGREGATE] = "aggregate",
};

/* By enum pf_kind, which starts at PF_SYSCALL; by enum pf_when. */
static const char *const kind_names[] = {
	[PF_SYSCALL - PF_SYSCALL] = "syscall",
	[PF_FUNCTION - PF_SYSCALL] = "function",
	[PF_USDT - PF_SYSCALL] = "usdt",
};
static const char *const when_names[] = {
	[PF_WHEN_CALL] = "call",
	[PF_WHEN_ENTRY] = "entry",
	[PF_WHEN_RETURN] = "return",
	[PF_WHEN_FAILING] = "failing",
};

const char *pf_where(struct pf_entry_ctx *ec, const char *key)
{
	snprintf(ec->where, sizeof(ec->where), "%s: %s", ec->base, key);
	return ec->where;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= PF_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static int probe_name(struct pf_entry_ctx *ec, unsigned idx)
{
	struct probefile *pf = ec->c->pf;
	yaml_node_t *n = ec->v[K_NAME];
	const char *s, *bad;

	if (!n)
		return pf_errat(ec->c, ec->item, ec->base,
				"missing 'name'; give each probe a unique name ([A-Za-z0-9_.-], at "
				"most %d bytes)",
				PF_NAME_MAX - 1);
	if (pf_get_scalar(ec->c, n, pf_where(ec, "name"), "a name ([A-Za-z0-9_.-])", &s))
		return -1;
	if (strlen(s) >= PF_NAME_MAX)
		return pf_errat(ec->c, n, ec->where, "'%.20s...' is %zu bytes; at most %d", s,
				strlen(s), PF_NAME_MAX - 1);
	if (!valid_name(s)) {
		for (bad = s; *bad && (isalnum((unsigned char)*bad) || strchr("_.-", *bad)); bad++)
			;
		return pf_errat(ec->c, n, ec->where,
				"'%s' has '%c'; use letters, digits, '_', '.' and '-'", s, *bad);
	}
	for (unsigned j = 0; j < idx; j++)
		if (!strcmp(pf->probes[j].name, s))
			return pf_errat(ec->c, n, ec->where,
					"duplicate probe name '%s' (first at line %u); give each "
					"probe its own name",
					s, pf->probes[j].pos.line);
	strcpy(ec->p->name, s);
	return 0;
}

static int probe_kind_when(struct pf_entry_ctx *ec)
{
	unsigned i;

	if (!ec->v[K_KIND])
		return pf_errat(ec->c, ec->item, ec->base,
				"missing 'kind'; expected one of syscall, function, usdt");
	if (pf_one_of(ec->c, ec->v[K_KIND], pf_where(ec, "kind"), kind_names,
		      ARRAY_SIZE(kind_names), &i))
		return -1;
	ec->p->kind = (uint8_t)(PF_SYSCALL + i);
	if (ec->v[K_WHEN]) {
		if (pf_one_of(ec->c, ec->v[K_WHEN], pf_where(ec, "when"), when_names,
			      ARRAY_SIZE(when_names), &i))
			return -1;
		ec->p->when = (uint8_t)i;
	}
	return 0;
}

/* Actions */

static const char *const action_names[] = { "event", "count", "histogram", "signal", "stack" };
static const uint8_t action_bits[ARRAY_SIZE(action_names)] = { AT_ACT_EVENT, AT_ACT_COUNT,
							       AT_ACT_HIST, AT_ACT_SIGNAL,
							       AT_ACT_STACK };

static void probe_filter_ctx(const struct pf_probe *p, struct filter_ctx *fc)
{
	*fc = (struct filter_ctx){
		.kind = p->kind, .when = p->when, .syscalls = p->syscalls, .spec = &p->spec
	};
}

/* histogram: latency | ret | argN | an argument's name; n is where to point. */
static int hist_of(struct pf_entry_ctx *ec, const yaml_node_t *n, const char *what)
{
	struct pf_probe *p = ec->p;
	struct filter_ctx fc;
	struct at_cond f;
	char why[256];

	if (!strcmp(what, "latency")) {
		if (p->kind == PF_USDT)
			return pf_errat(ec->c, n, pf_where(ec, "action"),
					"usdt probes have no latency (no return); histogram an "
					"argument instead");
		if (p->when == PF_WHEN_ENTRY || p->when == PF_WHEN_RETURN)
			return pf_errat(
				ec->c, n, pf_where(ec, "action"),
				"a latency histogram needs entry and return; use when: call "
				"(or failing)");
		p->hist_of = AT_HIST_LATENCY;
		return 0;
	}
	probe_filter_ctx(p, &fc);
	if (filter_field(&fc, what, &f, why, sizeof(why)))
		return pf_errat(ec->c, n, pf_where(ec, "action"), "histogram: %s", why);
	if (f.field == AT_FLD_RET) {
		p->hist_of = AT_HIST_RET;
		return 0;
	}
	if (f.field >= AT_FLD_ARG0 + AT_MAX_ARGS || f.is_str)
		return pf_errat(ec->c, n, pf_where(ec, "action"),
				"histogram of '%s' is not possible; expected latency, ret or an "
				"integer argument",
				what);
	p->hist_of = AT_HIST_ARG0 + f.field;
	return 0;
}

/* A signal by name (SIGKILL, KILL, sigkill) or number. */
static int get_signal(struct pf_entry_ctx *ec, const yaml_node_t *n)
{
	static const char what[] = "a signal name such as SIGKILL or SIGTERM, or a number 1 to 64";
	struct suggest b = { 0 };
	const char *s, *bare, *nm;
	long long v;

	if (pf_get_scalar(ec->c, n, pf_where(ec, "action"), what, &s))
		return -1;
	if (isdigit((unsigned char)*s)) {
		if (pf_get_int(ec->c, n, ec->where, 1, 64, what, &v))
			return -1;
		ec->p->signal = (uint8_t)v;
		return 0;
	}
	bare = strncasecmp(s, "SIG", 3) ? s : s + 3;
	for (int sig = 1; sig <= 64; sig++) {
		nm = signal_name(sig);
		if (!nm)
			continue;
		if (!strcasecmp(nm + 3, bare)) {
			ec->p->signal = (uint8_t)sig;
			return 0;
		}
		suggest_consider(&b, bare, nm + 3);
	}
	if (b.name)
		return pf_errat(ec->c, n, ec->where,
				"unknown signal '%.64s' (did you mean 'SIG%s'?)", s, b.name);
	return pf_errat(ec->c, n, ec->where, "unknown signal '%.64s'; expected %s", s, what);
}

/* One action: key is the name's node, val its value (mapping form) or NULL. */
static int action_one(struct pf_entry_ctx *ec, const yaml_node_t *key, const yaml_node_t *val)
{
	static const char what[] =
		"event, count, histogram[: latency|ret|ARG], signal: NAME or stack";
	struct pf_probe *p = ec->p;
	const char *name = pf_sval(key), *s;
	struct suggest b = { 0 };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(action_names) && strcmp(name, action_names[i]); i++)
		suggest_consider(&b, name, action_names[i]);
	if (i == ARRAY_SIZE(action_names) && b.name)
		return pf_errat(ec->c, key, pf_where(ec, "action"),
				"unknown action '%.64s' (did you mean '%s'?)", name, b.name);
	if (i == ARRAY_SIZE(action_names))
		return pf_errat(ec->c, key, pf_where(ec, "action"),
				"unknown action '%.64s'; expected %s", name, what);
	if (p->actions & action_bits[i])
		return pf_errat(ec->c, key, pf_where(ec, "action"),
				"'%s' is given twice; list each action once", name);
	if (val && pf_is_null(val))
		val = NULL;
	switch (action_bits[i]) {
	case AT_ACT_EVENT:
	case AT_ACT_COUNT:
	case AT_ACT_STACK:
		if (val)
			return pf_errat(ec->c, val, pf_where(ec, "action"),
					"'%s' takes no value; write it alone", name);
		break;
	case AT_ACT_HIST:
		if (!val) {
			if (hist_of(ec, key, "latency"))
				return -1;
			break;
		}
		if (pf_get_scalar(ec->c, val, pf_where(ec, "action"), "latency, ret or an argument",
				  &s) ||
		    hist_of(ec, val, s))
			return -1;
		break;
	case AT_ACT_SIGNAL:
		if (!val)
			return pf_errat(ec->c, key, pf_where(ec, "action"),
					"signal needs a signal name; write 'signal: SIGKILL'");
		if (get_signal(ec, val))
			return -1;
		break;
	}
	p->actions |= action_bits[i];
	return 0;
}

static int probe_actions(struct pf_entry_ctx *ec)
{
	static const char what[] =
		"event, count, histogram[: WHAT], signal: NAME, stack, or a list";
	yaml_node_t *n = ec->v[K_ACTION];
	yaml_node_pair_t *pr;

	/* With aggregate alone the records feed the table and no line is written for each. */
	if (!n) {
		ec->p->actions = ec->v[K_AGGREGATE] ? 0 : AT_ACT_EVENT;
		return 0;
	}
	if (pf_is_null(n))
		return pf_expect(ec->c, n, YAML_SCALAR_NODE, pf_where(ec, "action"), what);
	if (!pf_nitems(n))
		return pf_errat(ec->c, n, pf_where(ec, "action"), "the list is empty; expected %s",
				what);
	for (unsigned i = 0; i < pf_nitems(n); i++) {
		yaml_node_t *it = pf_item(ec->c, n, i);

		if (it->type == YAML_SEQUENCE_NODE || pf_is_null(it))
			return pf_expect(
				ec->c, it, YAML_SCALAR_NODE, pf_where(ec, "action"),
				"an action: event, count, histogram[: WHAT], signal: NAME or stack");
		if (it->type == YAML_SCALAR_NODE) {
			if (action_one(ec, it, NULL))
				return -1;
			continue;
		}
		for (pr = it->data.mapping.pairs.start; pr < it->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = pf_node(ec->c, pr->key);

			if (pf_expect(ec->c, k, YAML_SCALAR_NODE, pf_where(ec, "action"),
				      "an action name") ||
			    action_one(ec, k, pf_node(ec->c, pr->value)))
				return -1;
		}
	}
	/* The stack rides on each event's record: nothing to attach it to without them. */
	if ((ec->p->actions & AT_ACT_STACK) && !(ec->p->actions & AT_ACT_EVENT))
		return pf_errat(ec->c, n, pf_where(ec, "action"),
				"stack applies to events; add 'event' to action");
	return 0;
}

#define RATE_WHAT "events per second from 1 to 1000000"

/* rate_limit: {rate: N, burst: M}, the burst defaulting to the rate. */
static int rate_map(struct pf_entry_ctx *ec, const yaml_node_t *n)
{
	enum { RL_RATE, RL_BURST, RL_N };
	static const char *const keys[RL_N] = { [RL_RATE] = "rate", [RL_BURST] = "burst" };
	struct pf_probe *p = ec->p;
	yaml_node_t *v[RL_N], *k[RL_N];
	long long x;

	if (pf_map_keys(ec->c, n, pf_where(ec, "rate_limit"), keys, ARRAY_SIZE(keys), v, k))
		return -1;
	if (!v[RL_RATE])
		return pf_errat(ec->c, n, ec->where,
				"missing 'rate'; expected {rate: N, burst: M}");
	if (pf_get_int(ec->c, v[RL_RATE], pf_where(ec, "rate_limit: rate"), 1, RATE_MAX, RATE_WHAT,
		       &x))
		return -1;
	p->rate = p->burst = (uint32_t)x;
	if (v[RL_BURST] && pf_get_int(ec->c, v[RL_BURST], pf_where(ec, "rate_limit: burst"), 1,
				      RATE_MAX, "a number of events from 1 to 1000000", &x))
		return -1;
	if (v[RL_BURST])
		p->burst = (uint32_t)x;
	return 0;
}

/* rate_limit: N | "N/s" */
static int rate_scalar(struct pf_entry_ctx *ec, const yaml_node_t *n)
{
	const char *s;
	long long x;
	char *end;

	if (pf_get_scalar(ec->c, n, pf_where(ec, "rate_limit"), RATE_WHAT, &s))
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (end == s || (*end && strcmp(end, "/s")))
		return pf_errat(ec->c, n, ec->where,
				"'%.64s' is not a rate; expected N or \"N/s\" (%s), or "
				"{rate: N, burst: M}",
				s, RATE_WHAT);
	if (errno || x < 1 || x > RATE_MAX)
		return pf_errat(ec->c, n, ec->where, "%.*s is out of range; expected %s",
				(int)(end - s), s, RATE_WHAT);
	ec->p->rate = ec->p->burst = (uint32_t)x;
	return 0;
}

/* rate_limit and sample: N (keep 1 event in N). Both gate events only. */
static int probe_rate_sample(struct pf_entry_ctx *ec)
{
	static const unsigned gated[] = { K_RATE, K_SAMPLE };
	struct pf_probe *p = ec->p;
	yaml_node_t *n = ec->v[K_RATE];
	long long x;

	if (n && (n->type == YAML_MAPPING_NODE ? rate_map(ec, n) : rate_scalar(ec, n)))
		return -1;
	if (ec->v[K_SAMPLE]) {
		if (pf_get_int(ec->c, ec->v[K_SAMPLE], pf_where(ec, "sample"), 1, UINT32_MAX,
			       "N >= 1 to keep 1 event in N", &x))
			return -1;
		p->sample = x == 1 ? 0 : (uint32_t)x;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(gated); i++)
		if (ec->v[gated[i]] && !(p->actions & AT_ACT_EVENT))
			return pf_errat(ec->c, ec->k[gated[i]], ec->base,
					"%s applies to events; add 'event' to action",
					probe_keys[gated[i]]);
	return 0;
}

/*
 * scrub: {sql: DIALECT, secrets: BOOL}. The dialect decides what "x" is: a
 * string in MySQL, a quoted name in PostgreSQL and SQLite (the default of
 * the short forms, as the SQL standard has it).
 */
static int scrub_map(struct pf_entry_ctx *ec, const yaml_node_t *n)
{
	enum { SC_SQL, SC_SECRETS, SC_N };
	static const char *const keys[SC_N] = { [SC_SQL] = "sql", [SC_SECRETS] = "secrets" };
	static const char *const dialects[] = { "postgres", "sqlite", "mysql" };
	static const char *const bools[] = { "false", "true" };
	yaml_node_t *v[SC_N], *k[SC_N];
	unsigned idx;

	if (pf_map_keys(ec->c, n, pf_where(ec, "scrub"), keys, ARRAY_SIZE(keys), v, k))
		return -1;
	if (v[SC_SQL]) {
		if (pf_one_of(ec->c, v[SC_SQL], pf_where(ec, "scrub: sql"), dialects,
			      ARRAY_SIZE(dialects), &idx))
			return -1;
		ec->p->scrub |= PF_SCRUB_SQL | (idx == 2 ? PF_SCRUB_SQL_DQ : 0);
	}
	if (v[SC_SECRETS]) {
		if (pf_one_of(ec->c, v[SC_SECRETS], pf_where(ec, "scrub: secrets"), bools,
			      ARRAY_SIZE(bools), &idx))
			return -1;
		ec->p->scrub |= idx ? PF_SCRUB_SECRETS : 0;
	}
	return 0;
}

static int probe_scrub(struct pf_entry_ctx *ec)
{
	static const char *const names[] = { "sql", "secrets" };
	static const uint8_t bits[ARRAY_SIZE(names)] = { PF_SCRUB_SQL, PF_SCRUB_SECRETS };
	yaml_node_t *n = ec->v[K_SCRUB];
	unsigned idx;

	if (!n)
		return 0;
	if (n->type == YAML_MAPPING_NODE)
		return scrub_map(ec, n);
	for (unsigned i = 0; i < pf_nitems(n); i++) {
		if (pf_one_of(ec->c, pf_item(ec->c, n, i), pf_where(ec, "scrub"), names,
			      ARRAY_SIZE(names), &idx))
			return -1;
		ec->p->scrub |= bits[idx];
	}
	return 0;
}

static int probe_filter(struct pf_entry_ctx *ec)
{
	struct pf_probe *p = ec->p;
	const struct pf_limits *lim = &ec->c->pf->limits;
	yaml_node_t *n = ec->v[K_FILTER];
	struct filter_ctx fc;
	char ferr[1024];
	const char *s;

	if (!n)
		return 0;
	if (pf_get_scalar(ec->c, n, pf_where(ec, "filter"), "an expression, e.g. \"size > 4096\"",
			  &s))
		return -1;
	if (strlen(s) >= sizeof(p->filter_src))
		return pf_errat(ec->c, n, ec->where, "too long; at most %zu bytes",
				sizeof(p->filter_src) - 1);
	strcpy(p->filter_src, s);
	probe_filter_ctx(p, &fc);
	if (filter_compile(s, &fc, &p->filter, ferr, sizeof(ferr)))
		return pf_errat(ec->c, n, ec->where, "%s", ferr);
	/* Captured strings are cut at limits.string: a longer operand never matches. */
	for (unsigned i = 0; lim->str_max && i < p->filter.ncond; i++) {
		const struct at_cond *cd = &p->filter.cond[i];

		if (cd->is_str && cd->field != AT_FLD_COMM && cd->slen > lim->str_max)
			return pf_errat(
				ec->c, n, ec->where,
				"string \"%.*s\" is longer than limits: string (%u) and can "
				"never match; raise limits: string",
				(int)cd->slen, cd->str, lim->str_max);
	}
	return 0;
}

/*
 * on_unreadable: match | skip, what a filter whose verdict needs a string that
 * could not be read decides. Only where the filter compares a captured string
 * (comm is always readable): elsewhere it would do nothing.
 */
static int probe_unreadable(struct pf_entry_ctx *ec)
{
	static const char *const names[] = {
		[AT_UNREAD_MATCH] = "match", [AT_UNREAD_SKIP] = "skip"
	};
	struct pf_probe *p = ec->p;
	yaml_node_t *n = ec->v[K_UNREADABLE];
	bool strs = false;
	unsigned idx;

	if (!n)
		return 0;
	if (pf_one_of(ec->c, n, pf_where(ec, "on_unreadable"), names, ARRAY_SIZE(names), &idx))
		return -1;
	for (unsigned i = 0; i < p->filter.ncond; i++) {
		const struct at_cond *c = &p->filter.cond[i];

		strs |= c->is_str && c->field != AT_FLD_COMM;
		/* A dereference's value may be unreadable too. */
		strs |= p->kind != PF_SYSCALL && c->field < p->spec.nargs &&
			p->spec.args[c->field].deref;
		/* So is any argument at a function's return whose entry was not saved. */
		strs |= p->kind == PF_FUNCTION && p->when != PF_WHEN_ENTRY &&
			c->field < AT_MAX_ARGS;
	}
	if (!strs)
		return pf_errat(ec->c, ec->k[K_UNREADABLE], ec->base,
				"on_unreadable applies to a filter that compares a string argument "
				"or a dereference, and %s; remove it",
				p->filter.ncode ?
					"this one compares none (comm is always readable)" :
					"there is no filter");
	p->on_unreadable = (uint8_t)idx; /* names[] is indexed by enum at_unreadable */
	return 0;
}

/* The name, if there is a valid one, goes into every message about the probe. */
static void peek_name(struct pf_entry_ctx *ec, unsigned idx)
{
	yaml_node_pair_t *pr;

	snprintf(ec->base, sizeof(ec->base), "probes[%u]", idx);
	for (pr = ec->item->data.mapping.pairs.start; pr < ec->item->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = pf_node(ec->c, pr->key), *v = pf_node(ec->c, pr->value);

		if (k->type == YAML_SCALAR_NODE && !strcmp(pf_sval(k), "name") &&
		    v->type == YAML_SCALAR_NODE && valid_name(pf_sval(v))) {
			snprintf(ec->base, sizeof(ec->base), "probes[%u] '%s'", idx, pf_sval(v));
			return;
		}
	}
}

static int load_probe(struct pf_ctx *c, yaml_node_t *n, unsigned idx)
{
	struct pf_entry_ctx ec = { .c = c, .p = &c->pf->probes[idx], .item = n };
	char where[24];

	snprintf(where, sizeof(where), "probes[%u]", idx);
	ec.p->pos = pf_pos_of(n);
	if (pf_expect(c, n, YAML_MAPPING_NODE, where,
		      "a probe: a mapping with name, kind and attach"))
		return -1;
	peek_name(&ec, idx);
	if (pf_map_keys(c, n, ec.base, probe_keys, ARRAY_SIZE(probe_keys), ec.v, ec.k) ||
	    probe_name(&ec, idx) || probe_kind_when(&ec) || pf_parse_attach(&ec) ||
	    probe_actions(&ec) || pf_probe_aggregate(&ec) || probe_rate_sample(&ec) ||
	    probe_scrub(&ec) || probe_filter(&ec) || probe_unreadable(&ec))
		return -1;
	return 0;
}

int pf_load_probes(struct pf_ctx *c, yaml_node_t *n)
{
	unsigned count;

	if (pf_expect(c, n, YAML_SEQUENCE_NODE, "probes", "a list of probes (- name: ...)"))
		return -1;
	count = pf_nitems(n);
	if (!count)
		return pf_errat(c, n, "probes", "the list is empty; give at least one probe");
	if (count > PF_MAX_PROBES)
		return pf_errat(c, pf_item(c, n, PF_MAX_PROBES), "probes",
				"more than %d probes; split them over several files",
				PF_MAX_PROBES);
	c->pf->probes = calloc(count, sizeof(*c->pf->probes));
	if (!c->pf->probes)
		return fail(c->err, c->errlen, "%s: out of memory", c->name);
	for (unsigned i = 0; i < count; i++) {
		if (load_probe(c, pf_item(c, n, i), i))
			return -1;
		c->pf->nprobes++;
	}
	return 0;
}
