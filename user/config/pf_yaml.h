/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside the probe-file parser: the parse state, node accessors, node checks, the error format. */
/*
 * Shared by probefile.c, pf_probe.c and pf_attach.c. Each check fails with
 * "FILE:LINE:COL: WHERE: what is wrong; what would be right" at the node.
 */
#ifndef AT_PF_YAML_H
#define AT_PF_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "probefile.h"
#include "util.h"

/* Parsing state: the document, the result, where messages go. */
struct pf_ctx {
	const char *name;     /* the file as given, first in every message */
	const char *text;     /* the whole input, for reader-error positions */
	yaml_document_t *doc; /* the loaded document */
	struct probefile *pf; /* being filled */
	char *err;	      /* message buffer */
	size_t errlen;	      /* its size */
};

static inline yaml_node_t *pf_node(const struct pf_ctx *c, int i)
{
	return yaml_document_get_node(c->doc, i);
}

static inline const char *pf_sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static inline struct pf_pos pf_pos_of(const yaml_node_t *n)
{
	return (struct pf_pos){ .line = n->start_mark.line + 1, .col = n->start_mark.column + 1 };
}

/* A list's length; anything else counts as a list of itself. */
static inline unsigned pf_nitems(const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return 1;
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

static inline yaml_node_t *pf_item(const struct pf_ctx *c, yaml_node_t *n, unsigned i)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return n;
	return pf_node(c, n->data.sequence.items.start[i]);
}

/* "a, b, c" into buf, which it returns. */
const char *pf_join(const char *const names[], unsigned n, char *buf, size_t size);

/* An empty value ("key:"), or a plain ~ / null. */
bool pf_is_null(const yaml_node_t *n);

/* "a list", "a mapping" or "a scalar", for messages. */
const char *pf_node_kind(const yaml_node_t *n);

/* "FILE:LINE:COL: WHERE: " for node n into c->err: its length, for fail_line. */
size_t pf_prefix(struct pf_ctx *c, const yaml_node_t *n, const char *where);

/*
 * Fails with "FILE:LINE:COL: WHERE: what is wrong" at n, made one line, into
 * c->err: -1. A macro so that the message's arguments go to fail_line as they are.
 */
#define pf_errat(c, n, where, ...) \
	fail_line((c)->err, (c)->errlen, pf_prefix(c, n, where), __VA_ARGS__)

/* The node must be of this type: "is a list; expected WHAT" otherwise. 0 or -1. */
int pf_expect(struct pf_ctx *c, const yaml_node_t *n, yaml_node_type_t type, const char *where,
	      const char *what);

/* A scalar's text in *out; what says what was expected. 0 or -1. */
int pf_get_scalar(struct pf_ctx *c, const yaml_node_t *n, const char *where, const char *what,
		  const char **out);

/* A decimal integer in [min, max]. 0 or -1. */
int pf_get_int(struct pf_ctx *c, const yaml_node_t *n, const char *where, long long min,
	       long long max, const char *what, long long *out);

/* A scalar that must be one of names[0..nn): its index in *idx, "did you mean" otherwise. */
int pf_one_of(struct pf_ctx *c, const yaml_node_t *n, const char *where, const char *const names[],
	      unsigned nn, unsigned *idx);

/*
 * Checks a mapping's keys: scalars, known, each given once. vals[i] and
 * keys_at[i] get the value and key nodes of keys[i], NULL when absent.
 */
int pf_map_keys(struct pf_ctx *c, const yaml_node_t *map, const char *where,
		const char *const keys[], unsigned nkeys, yaml_node_t *vals[],
		yaml_node_t *keys_at[]);

#endif /* AT_PF_YAML_H */
