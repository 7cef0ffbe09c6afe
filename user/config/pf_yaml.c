// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe-file node checks: type, scalar, integer, one of names, mapping keys; the error format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_yaml.h"
#include "suggest.h"
#include "util.h"

/* "a, b, c" into buf. */
const char *pf_join(const char *const names[], unsigned n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
	return buf;
}

/* An empty value ("key:"), or a plain ~ / null. */
bool pf_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = pf_sval(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

const char *pf_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

size_t pf_prefix(struct pf_ctx *c, const yaml_node_t *n, const char *where)
{
	struct pf_pos at = pf_pos_of(n);

	return errfmt(c->err, c->errlen, 0, "%s:%u:%u: %s: ", c->name, at.line, at.col, where);
}

/* The node must be of this type: "is a list; expected WHAT" otherwise. */
int pf_expect(struct pf_ctx *c, const yaml_node_t *n, yaml_node_type_t type, const char *where,
	      const char *what)
{
	if (pf_is_null(n))
		return pf_errat(c, n, where, "no value; expected %s", what);
	if (n->type != type)
		return pf_errat(c, n, where, "is %s; expected %s", pf_node_kind(n), what);
	return 0;
}

int pf_get_scalar(struct pf_ctx *c, const yaml_node_t *n, const char *where, const char *what,
		  const char **out)
{
	if (pf_expect(c, n, YAML_SCALAR_NODE, where, what))
		return -1;
	*out = pf_sval(n);
	return 0;
}

/* A decimal integer in [min, max]. */
int pf_get_int(struct pf_ctx *c, const yaml_node_t *n, const char *where, long long min,
	       long long max, const char *what, long long *out)
{
	const char *s;
	char *end;
	long long v;

	if (pf_get_scalar(c, n, where, what, &s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end)
		return pf_errat(c, n, where, "'%.64s' is not a number; expected %s", s, what);
	if (errno == ERANGE || v < min || v > max)
		return pf_errat(c, n, where, "%.64s is out of range; expected %s", s, what);
	*out = v;
	return 0;
}

/* A scalar that must be one of names: its index in *idx. */
int pf_one_of(struct pf_ctx *c, const yaml_node_t *n, const char *where, const char *const names[],
	      unsigned nn, unsigned *idx)
{
	char list[256], what[280];
	struct suggest b = { 0 };
	const char *s;

	pf_join(names, nn, list, sizeof(list));
	snprintf(what, sizeof(what), "one of %s", list);
	if (pf_get_scalar(c, n, where, what, &s))
		return -1;
	for (unsigned i = 0; i < nn; i++) {
		if (!strcmp(s, names[i])) {
			*idx = i;
			return 0;
		}
		suggest_consider(&b, s, names[i]);
	}
	if (b.name)
		return pf_errat(c, n, where, "unknown value '%.64s' (did you mean '%s'?)", s,
				b.name);
	return pf_errat(c, n, where, "unknown value '%.64s'; expected %s", s, what);
}

/*
 * Checks a mapping's keys: scalars, known, each given once. vals[i] and
 * keys_at[i] get the value and key nodes of keys[i], NULL when absent.
 */
int pf_map_keys(struct pf_ctx *c, const yaml_node_t *map, const char *where,
		const char *const keys[], unsigned nkeys, yaml_node_t *vals[],
		yaml_node_t *keys_at[])
{
	yaml_node_pair_t *pr;
	char list[256];

	for (unsigned i = 0; i < nkeys; i++)
		vals[i] = keys_at[i] = NULL;
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = pf_node(c, pr->key);
		struct suggest b = { 0 };
		unsigned i;

		if (k->type != YAML_SCALAR_NODE)
			return pf_errat(c, k, where, "a key is %s; keys are names such as '%s'",
					pf_node_kind(k), keys[0]);
		for (i = 0; i < nkeys && strcmp(pf_sval(k), keys[i]); i++)
			suggest_consider(&b, pf_sval(k), keys[i]);
		if (i == nkeys && b.name)
			return pf_errat(c, k, where, "unknown key '%.64s' (did you mean '%s'?)",
					pf_sval(k), b.name);
		if (i == nkeys)
			return pf_errat(c, k, where, "unknown key '%.64s'; valid keys: %s",
					pf_sval(k), pf_join(keys, nkeys, list, sizeof(list)));
		if (vals[i])
			return pf_errat(c, k, where,
					"duplicate key '%s' (first at line %u); give each key once",
					keys[i], pf_pos_of(keys_at[i]).line);
		vals[i] = pf_node(c, pr->value);
		keys_at[i] = k;
	}
	return 0;
}
