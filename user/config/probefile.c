// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe files: libyaml's document API gives the node tree with positions, then
 * one validating function per section fills struct probefile. Every error is
 * one line, "FILE:LINE:COL: WHERE: what is wrong; what would be right", at the
 * offending node. The filter compiler and its userspace evaluator follow.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "cli.h"
#include "probefile.h"
#include "suggest.h"
#include "syscalls.h"
#include "util.h"

#define RATE_MAX 1000000    /* events per second, and burst */
#define PROCESSES_MAX 65536 /* limits.processes */
/*
 * Bounds on hostile input, checked on libyaml's event stream before any tree
 * is built: libyaml's scanner is quadratic in the nesting depth (100k nested
 * '[' took 24 s) and its document tree costs ~80 bytes a node. The largest
 * real probe file (256 probes, long target lists) is far inside all three.
 */
#define FILE_MAX (1u << 20) /* bytes: a probe file larger than this is a mistake */
#define DEPTH_MAX 64	    /* collections nested in collections */
#define NODES_MAX 65536	    /* scalars and collections, each alias counted as what it names */
#define ANCHORS_MAX 256	    /* each alias looks its anchor up among them */

/* Parsing state: the document, the result, where messages go. */
struct pf_ctx {
	const char *name;     /* the file as given, first in every message */
	const char *text;     /* the whole input, for reader-error positions */
	yaml_document_t *doc; /* the loaded document */
	struct probefile *pf; /* being filled */
	char *err;	      /* message buffer */
	size_t errlen;	      /* its size */
};

/* "a, b, c" into buf. */
static const char *join(const char *const names[], unsigned n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
	return buf;
}

/* Nodes */

static yaml_node_t *node(const struct pf_ctx *c, int i)
{
	return yaml_document_get_node(c->doc, i);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* An empty value ("key:"), or a plain ~ / null. */
static bool is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = sval(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
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

static struct pf_pos pos_of(const yaml_node_t *n)
{
	return (struct pf_pos){ .line = n->start_mark.line + 1, .col = n->start_mark.column + 1 };
}

/* A list's length; anything else counts as a list of itself. */
static unsigned nitems(const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return 1;
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

static yaml_node_t *item(const struct pf_ctx *c, yaml_node_t *n, unsigned i)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return n;
	return node(c, n->data.sequence.items.start[i]);
}

/* Errors */

static __attribute__((format(printf, 4, 5))) int errat(struct pf_ctx *c, const yaml_node_t *n,
						       const char *where, const char *fmt, ...)
{
	struct pf_pos at = pos_of(n);
	size_t len =
		errfmt(c->err, c->errlen, 0, "%s:%u:%u: %s: ", c->name, at.line, at.col, where);
	va_list ap;

	va_start(ap, fmt);
	verrfmt(c->err, c->errlen, len, fmt, ap);
	va_end(ap);
	if (c->errlen)
		one_line(c->err);
	return -1;
}

/* The node must be of this type: "is a list; expected WHAT" otherwise. */
static int expect(struct pf_ctx *c, const yaml_node_t *n, yaml_node_type_t type, const char *where,
		  const char *what)
{
	if (is_null(n))
		return errat(c, n, where, "no value; expected %s", what);
	if (n->type != type)
		return errat(c, n, where, "is %s; expected %s", node_kind(n), what);
	return 0;
}

static int get_scalar(struct pf_ctx *c, const yaml_node_t *n, const char *where, const char *what,
		      const char **out)
{
	if (expect(c, n, YAML_SCALAR_NODE, where, what))
		return -1;
	*out = sval(n);
	return 0;
}

/* A decimal integer in [min, max]. */
static int get_int(struct pf_ctx *c, const yaml_node_t *n, const char *where, long long min,
		   long long max, const char *what, long long *out)
{
	const char *s;
	char *end;
	long long v;

	if (get_scalar(c, n, where, what, &s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end)
		return errat(c, n, where, "'%.64s' is not a number; expected %s", s, what);
	if (errno == ERANGE || v < min || v > max)
		return errat(c, n, where, "%.64s is out of range; expected %s", s, what);
	*out = v;
	return 0;
}

/* A scalar that must be one of names: its index in *idx. */
static int one_of(struct pf_ctx *c, const yaml_node_t *n, const char *where,
		  const char *const names[], unsigned nn, unsigned *idx)
{
	char list[256], what[280];
	struct suggest b = { 0 };
	const char *s;

	join(names, nn, list, sizeof(list));
	snprintf(what, sizeof(what), "one of %s", list);
	if (get_scalar(c, n, where, what, &s))
		return -1;
	for (unsigned i = 0; i < nn; i++) {
		if (!strcmp(s, names[i])) {
			*idx = i;
			return 0;
		}
		suggest_consider(&b, s, names[i]);
	}
	if (b.name)
		return errat(c, n, where, "unknown value '%.64s' (did you mean '%s'?)", s, b.name);
	return errat(c, n, where, "unknown value '%.64s'; expected %s", s, what);
}

/*
 * Checks a mapping's keys: scalars, known, each given once. vals[i] and
 * keys_at[i] get the value and key nodes of keys[i], NULL when absent.
 */
static int map_keys(struct pf_ctx *c, const yaml_node_t *map, const char *where,
		    const char *const keys[], unsigned nkeys, yaml_node_t *vals[],
		    yaml_node_t *keys_at[])
{
	yaml_node_pair_t *pr;
	char list[256];

	for (unsigned i = 0; i < nkeys; i++)
		vals[i] = keys_at[i] = NULL;
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(c, pr->key);
		struct suggest b = { 0 };
		unsigned i;

		if (k->type != YAML_SCALAR_NODE)
			return errat(c, k, where, "a key is %s; keys are names such as '%s'",
				     node_kind(k), keys[0]);
		for (i = 0; i < nkeys && strcmp(sval(k), keys[i]); i++)
			suggest_consider(&b, sval(k), keys[i]);
		if (i == nkeys && b.name)
			return errat(c, k, where, "unknown key '%.64s' (did you mean '%s'?)",
				     sval(k), b.name);
		if (i == nkeys)
			return errat(c, k, where, "unknown key '%.64s'; valid keys: %s", sval(k),
				     join(keys, nkeys, list, sizeof(list)));
		if (vals[i])
			return errat(c, k, where,
				     "duplicate key '%s' (first at line %u); give each key once",
				     keys[i], pos_of(keys_at[i]).line);
		vals[i] = node(c, pr->value);
		keys_at[i] = k;
	}
	return 0;
}

/* targets, output, limits */

static int load_targets(struct pf_ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = { "pids", "exe", "comm" };
	struct pf_targets *t = &c->pf->targets;
	yaml_node_t *v[3], *k[3];
	yaml_node_pair_t *pr;
	const char *s;
	long long pid;

	if (expect(c, n, YAML_MAPPING_NODE, "targets", "a mapping with pids, exe or comm"))
		return -1;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = node(c, pr->key);

		if (key->type == YAML_SCALAR_NODE && !strcmp(sval(key), "containers"))
			return errat(c, key, "targets",
				     "containers are not supported yet; select processes by "
				     "pids, exe or comm");
	}
	if (map_keys(c, n, "targets", keys, 3, v, k))
		return -1;

	for (unsigned i = 0; v[0] && i < nitems(v[0]); i++) {
		yaml_node_t *it = item(c, v[0], i);

		if (get_int(c, it, "targets: pids", 1, INT_MAX, "a process id (a positive integer)",
			    &pid))
			return -1;
		if (t->npids == PF_MAX_PIDS)
			return errat(c, it, "targets: pids",
				     "more than %d process ids; select by exe or comm instead",
				     PF_MAX_PIDS);
		t->pids[t->npids++] = (pid_t)pid;
	}
	for (unsigned i = 0; v[1] && i < nitems(v[1]); i++) {
		yaml_node_t *it = item(c, v[1], i);

		if (get_scalar(c, it, "targets: exe", "an absolute path or glob", &s))
			return -1;
		if (*s != '/')
			return errat(c, it, "targets: exe",
				     "'%.64s' is a relative path; give an absolute path or glob, "
				     "e.g. /usr/bin/python3*",
				     s);
		if (strlen(s) >= PATH_MAX)
			return errat(c, it, "targets: exe", "path too long; at most %d bytes",
				     PATH_MAX - 1);
		if (t->nexe == PF_MAX_EXES)
			return errat(c, it, "targets: exe", "more than %d paths; use a glob",
				     PF_MAX_EXES);
		strcpy(t->exe[t->nexe++], s);
	}
	for (unsigned i = 0; v[2] && i < nitems(v[2]); i++) {
		yaml_node_t *it = item(c, v[2], i);

		if (get_scalar(c, it, "targets: comm", "a command name (at most 15 bytes)", &s))
			return -1;
		if (!*s || strlen(s) > COMM_MAX)
			return errat(c, it, "targets: comm",
				     "'%.64s' is %zu bytes; the kernel keeps command names of 1 "
				     "to %d bytes",
				     s, strlen(s), COMM_MAX);
		if (t->ncomm == PF_MAX_COMMS)
			return errat(c, it, "targets: comm", "more than %d names; use exe globs",
				     PF_MAX_COMMS);
		strcpy(t->comm[t->ncomm++], s);
	}
	return 0;
}

static int load_output(struct pf_ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = { "format", "file" };
	static const char *const formats[] = { "text", "json" };
	struct pf_output *o = &c->pf->output;
	yaml_node_t *v[2], *k[2];
	unsigned fmt;
	const char *s;

	if (expect(c, n, YAML_MAPPING_NODE, "output", "a mapping with format or file") ||
	    map_keys(c, n, "output", keys, 2, v, k))
		return -1;
	if (v[0]) {
		if (one_of(c, v[0], "output: format", formats, 2, &fmt))
			return -1;
		o->format = fmt == 1 ? PF_FMT_JSON : PF_FMT_TEXT;
		o->has_format = true;
	}
	if (v[1]) {
		if (get_scalar(c, v[1], "output: file", "a file path", &s))
			return -1;
		if (strlen(s) >= sizeof(o->file))
			return errat(c, v[1], "output: file", "path too long; at most %d bytes",
				     PATH_MAX - 1);
		strcpy(o->file, s);
	}
	return 0;
}

/* A size with an optional K, M or G suffix: a power of two from 4K to 1G (as -b). */
static int get_ringbuf(struct pf_ctx *c, const yaml_node_t *n, size_t *out)
{
	static const char what[] = "a power of two from 4K to 1G, e.g. 4M";
	static const char *const why[] = { "is not a size", "is not a power of two",
					   "is out of range" };
	const char *s;
	int r;

	if (get_scalar(c, n, "limits: ringbuf", what, &s))
		return -1;
	r = parse_ringbuf_size(s, out);
	if (r)
		return errat(c, n, "limits: ringbuf", "'%.64s' %s; expected %s", s, why[-r - 1],
			     what);
	return 0;
}

static int load_limits(struct pf_ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = { "ringbuf", "string", "processes", "thread_state",
					    "queue" };
	struct pf_limits *l = &c->pf->limits;
	yaml_node_t *v[5], *k[5];
	char what[64];
	long long x;

	if (expect(c, n, YAML_MAPPING_NODE, "limits",
		   "a mapping with ringbuf, string, processes, thread_state or queue") ||
	    map_keys(c, n, "limits", keys, 5, v, k))
		return -1;
	if (v[0] && get_ringbuf(c, v[0], &l->ringbuf_bytes))
		return -1;
	if (v[1]) {
		/* The kernel reads two bytes past the limit to tell cut strings apart (as -s). */
		snprintf(what, sizeof(what), "bytes per captured string, 1 to %d", AT_STR_MAX - 2);
		if (get_int(c, v[1], "limits: string", 1, AT_STR_MAX - 2, what, &x))
			return -1;
		l->str_max = (unsigned)x;
	}
	if (v[2]) {
		if (get_int(c, v[2], "limits: processes", 1, PROCESSES_MAX,
			    "a number of traced processes, 1 to 65536", &x))
			return -1;
		l->processes = (unsigned)x;
	}
	if (v[3]) {
		if (get_int(c, v[3], "limits: thread_state", 1, 1 << 20,
			    "a number of per-thread state entries, 1 to 1048576", &x))
			return -1;
		l->thread_state = (unsigned)x;
	}
	if (v[4]) {
		if (get_int(c, v[4], "limits: queue", 1, 1 << 20,
			    "a number of records waiting for the sink, 1 to 1048576", &x))
			return -1;
		l->queue = (unsigned)x;
	}
	return 0;
}

/* Probes */

static const char *const probe_keys[] = {
	"name",	  "kind",   "attach",	  "args",   "ret",   "when",
	"filter", "action", "rate_limit", "sample", "scrub", "on_unreadable",
};
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
	K_N
};

static const char *const kind_names[] = { "syscall", "function", "usdt" };
static const char *const when_names[] = { "call", "entry", "return", "failing" };

/* One probe being read: its nodes by key, and the WHERE of its messages. */
struct probe_ctx {
	struct pf_ctx *c;
	struct pf_probe *p;
	yaml_node_t *item;	      /* the list item */
	yaml_node_t *v[K_N];	      /* values by probe_keys index, NULL when absent */
	yaml_node_t *k[K_N];	      /* their keys */
	char base[PF_NAME_MAX + 24];  /* "probes[2] 'opens'" */
	char where[PF_NAME_MAX + 48]; /* base and a key */
};

/* "probes[2] 'opens': key" */
static const char *at(struct probe_ctx *pc, const char *key)
{
	snprintf(pc->where, sizeof(pc->where), "%s: %s", pc->base, key);
	return pc->where;
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

static int probe_name(struct probe_ctx *pc, unsigned idx)
{
	struct probefile *pf = pc->c->pf;
	yaml_node_t *n = pc->v[K_NAME];
	const char *s, *bad;

	if (!n)
		return errat(pc->c, pc->item, pc->base,
			     "missing 'name'; give each probe a unique name ([A-Za-z0-9_.-], at "
			     "most %d bytes)",
			     PF_NAME_MAX - 1);
	if (get_scalar(pc->c, n, at(pc, "name"), "a name ([A-Za-z0-9_.-])", &s))
		return -1;
	if (strlen(s) >= PF_NAME_MAX)
		return errat(pc->c, n, pc->where, "'%.20s...' is %zu bytes; at most %d", s,
			     strlen(s), PF_NAME_MAX - 1);
	if (!valid_name(s)) {
		for (bad = s; *bad && (isalnum((unsigned char)*bad) || strchr("_.-", *bad)); bad++)
			;
		return errat(pc->c, n, pc->where,
			     "'%s' has '%c'; use letters, digits, '_', '.' and '-'", s, *bad);
	}
	for (unsigned j = 0; j < idx; j++)
		if (!strcmp(pf->probes[j].name, s))
			return errat(pc->c, n, pc->where,
				     "duplicate probe name '%s' (first at line %u); give each "
				     "probe its own name",
				     s, pf->probes[j].pos.line);
	strcpy(pc->p->name, s);
	return 0;
}

static int probe_kind_when(struct probe_ctx *pc)
{
	unsigned i;

	if (!pc->v[K_KIND])
		return errat(pc->c, pc->item, pc->base,
			     "missing 'kind'; expected one of syscall, function, usdt");
	if (one_of(pc->c, pc->v[K_KIND], at(pc, "kind"), kind_names, 3, &i))
		return -1;
	pc->p->kind = PF_SYSCALL + i;
	if (pc->v[K_WHEN]) {
		if (one_of(pc->c, pc->v[K_WHEN], at(pc, "when"), when_names, 4, &i))
			return -1;
		pc->p->when = i; /* enum pf_when is in when_names order */
	}
	return 0;
}

/* Syscall attach: one strace -e list ("open,openat", "file", "%network", "!memory"). */

static const char *const class_names[] = { "file",   "network", "process", "memory",
					   "signal", "ipc",	"desc" };

static int check_sys_token(struct probe_ctx *pc, const yaml_node_t *n, const char *tok)
{
	const char *name = *tok == '%' ? tok + 1 : tok;
	struct suggest b = { 0 };

	if (!*tok)
		return errat(pc->c, n, at(pc, "attach"),
			     "empty name in the list; separate names with single commas");
	if (!strcmp(name, "all") || (*tok != '%' && syscall_by_name(tok) >= 0) ||
	    sys_class_by_name(name))
		return 0;
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		if (syscall_table[nr].name)
			suggest_consider(&b, name, syscall_table[nr].name);
	for (unsigned i = 0; i < ARRAY_SIZE(class_names); i++)
		suggest_consider(&b, name, class_names[i]);
	if (b.name)
		return errat(pc->c, n, at(pc, "attach"),
			     "unknown syscall or class '%.64s' (did you mean '%s'?)", tok, b.name);
	return errat(pc->c, n, at(pc, "attach"),
		     "unknown syscall or class '%.64s'; expected syscall names such as openat, "
		     "or classes: file, network, process, memory, signal, ipc, desc",
		     tok);
}

/* Applies one expression to p->syscalls; the first decides the start, as -e does. */
static int select_expr(struct probe_ctx *pc, const yaml_node_t *n, const char *s, bool first)
{
	char buf[1024], cerr[256], *tok, *comma;
	size_t len = 0;

	/* "open, openat" reads naturally in YAML: white space is dropped. */
	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if (len + 1 >= sizeof(buf))
			return errat(pc->c, n, at(pc, "attach"), "list too long; split the probe");
		buf[len++] = *s;
	}
	buf[len] = '\0';
	/* strace's own spelling, as -e takes it: trace=LIST. */
	tok = strncmp(buf, "trace=", 6) ? buf : buf + 6;
	if (first)
		memset(pc->p->syscalls, *tok == '!' ? 0xff : 0, sizeof(pc->p->syscalls));
	if (*tok == '!')
		tok++;
	for (;;) {
		comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (check_sys_token(pc, n, tok))
			return -1;
		if (!comma)
			break;
		*comma = ',';
		tok = comma + 1;
	}
	if (cli_parse_select(buf, pc->p->syscalls, cerr, sizeof(cerr)))
		return errat(pc->c, n, at(pc, "attach"), "%s", cerr);
	return 0;
}

static int attach_syscalls(struct probe_ctx *pc)
{
	static const char what[] =
		"a syscall name, class or list, e.g. openat, \"open,openat\", file or [read, write]";
	struct pf_probe *p = pc->p;
	yaml_node_t *n = pc->v[K_ATTACH];
	unsigned any = 0, count;
	size_t len = 0;
	const char *s;

	if (pc->v[K_ARGS] || pc->v[K_RET]) {
		bool args = pc->v[K_ARGS] != NULL;

		return errat(pc->c, pc->k[args ? K_ARGS : K_RET], pc->base,
			     "syscall %s typed by the syscall table; remove '%s'",
			     args ? "arguments are" : "return values are", args ? "args" : "ret");
	}
	if (n->type == YAML_MAPPING_NODE || is_null(n))
		return expect(pc->c, n, YAML_SCALAR_NODE, at(pc, "attach"), what);
	count = nitems(n);
	if (!count)
		return errat(pc->c, n, at(pc, "attach"), "the list is empty; expected %s", what);
	for (unsigned i = 0; i < count; i++) {
		yaml_node_t *it = item(pc->c, n, i);

		if (get_scalar(pc->c, it, at(pc, "attach"), what, &s) ||
		    select_expr(pc, it, s, i == 0))
			return -1;
		if (len + strlen(s) + 2 > sizeof(p->attach))
			return errat(pc->c, it, at(pc, "attach"), "list too long; split the probe");
		len += (size_t)snprintf(p->attach + len, sizeof(p->attach) - len, "%s%s",
					i ? "," : "", s);
	}
	/* '!' and "all" set every number: keep those the table knows. */
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		if (!syscall_table[nr].name)
			p->syscalls[nr / 64] &= ~(1ULL << (nr % 64));
		any |= (p->syscalls[nr / 64] >> (nr % 64)) & 1;
	}
	if (!any)
		return errat(pc->c, n, at(pc, "attach"),
			     "selects no syscalls; name at least one syscall or class");
	return 0;
}

/* Function and USDT attach: a SPEC, with args, ret and when merged into it. */

/* TARGET:PROVIDER:NAME[(ARGS)]: the provider cut out, the rest a SPEC. */
static int split_usdt(struct probe_ctx *pc, char *spec, size_t size)
{
	if (usdt_split(pc->p->attach, pc->p->provider, sizeof(pc->p->provider), spec, size))
		return errat(pc->c, pc->v[K_ATTACH], at(pc, "attach"),
			     "'%.64s' is not TARGET:PROVIDER:NAME; e.g. "
			     "/usr/bin/python3:python:function__entry",
			     pc->p->attach);
	return 0;
}

/* Length of spec without a trailing @entry / @return (and white space). */
static size_t spec_head(const char *spec)
{
	size_t n = strlen(spec);

	while (n && isspace((unsigned char)spec[n - 1]))
		n--;
	if (n >= 6 && !strncmp(spec + n - 6, "@entry", 6))
		n -= 6;
	else if (n >= 7 && !strncmp(spec + n - 7, "@return", 7))
		n -= 7;
	while (n && isspace((unsigned char)spec[n - 1]))
		n--;
	return n;
}

/* Whether the SPEC has an argument list, maybe empty: FUNC() before any '->'. */
static bool spec_has_parens(const char *spec)
{
	size_t head = spec_head(spec);
	const char *arrow = memmem(spec, head, "->", 2);

	if (arrow)
		head = arrow - spec;
	while (head && isspace((unsigned char)spec[head - 1]))
		head--;
	return head && spec[head - 1] == ')';
}

/* Whether ARGS alone are wrong: then an error of the merged SPEC points at 'args'. */
static bool args_bad(const char *args)
{
	char spec[700], uerr[64];
	struct uspec u;

	snprintf(spec, sizeof(spec), "x:f(%s)", args);
	return uspec_parse(spec, &u, uerr, sizeof(uerr)) != 0;
}

/* The merged SPEC: TARGET:FUNC(ARGS) -> RET@when, then parsed into p->spec. */
static int merge_spec(struct probe_ctx *pc, const char *spec, const char *args, const char *ret)
{
	struct pf_probe *p = pc->p;
	size_t head = spec_head(spec), pre;
	const char *arrow, *suffix;
	char merged[2048], uerr[1024];
	yaml_node_t *n = pc->v[K_ATTACH];
	const char *key = "attach";

	arrow = memmem(spec, head, "->", 2);
	pre = arrow ? (size_t)(arrow - spec) : head;
	while (pre && isspace((unsigned char)spec[pre - 1]))
		pre--;
	suffix = p->when == PF_WHEN_ENTRY ? "@entry" : p->when == PF_WHEN_RETURN ? "@return" : "";
	snprintf(merged, sizeof(merged), "%.*s%s%s%s%s%.*s%s%s%s", (int)pre, spec, args ? "(" : "",
		 args ? args : "", args ? ")" : "", arrow ? " " : "",
		 arrow ? (int)(head - (size_t)(arrow - spec)) : 0, arrow ? arrow : "",
		 ret ? " -> " : "", ret ? ret : "", suffix);
	if (!uspec_parse(merged, &p->spec, uerr, sizeof(uerr)))
		return 0;
	if (args && args_bad(args)) {
		n = pc->v[K_ARGS];
		key = "args";
	} else if (ret) {
		n = pc->v[K_RET];
		key = "ret";
	}
	return errat(pc->c, n, at(pc, key), "%s", uerr);
}

static int attach_spec(struct probe_ctx *pc)
{
	struct pf_probe *p = pc->p;
	bool usdt = p->kind == PF_USDT;
	const char *args = NULL, *ret = NULL;
	char spec[1024], uerr[1024];
	struct uspec u;

	if (usdt && split_usdt(pc, spec, sizeof(spec)))
		return -1;
	if (!usdt)
		snprintf(spec, sizeof(spec), "%s", p->attach);
	if (uspec_parse(spec, &u, uerr, sizeof(uerr)))
		return errat(pc->c, pc->v[K_ATTACH], at(pc, "attach"), "%s", uerr);
	if (usdt && (u.ret_type != UT_NONE || u.when == UW_RETURN))
		return errat(pc->c, pc->v[K_ATTACH], at(pc, "attach"),
			     "usdt probes have no return; remove '%s'",
			     u.when == UW_RETURN ? "@return" : "-> TYPE");
	if (usdt && pc->v[K_RET])
		return errat(pc->c, pc->k[K_RET], pc->base,
			     "usdt probes have no return value; remove 'ret'");
	if (pc->v[K_ARGS]) {
		if (get_scalar(pc->c, pc->v[K_ARGS], at(pc, "args"),
			       "argument types and names, e.g. \"u64 size, str name\"", &args))
			return -1;
		if (u.nargs || spec_has_parens(spec))
			return errat(pc->c, pc->k[K_ARGS], pc->base,
				     "arguments are given both in attach and in args; keep one");
	}
	if (pc->v[K_RET]) {
		if (get_scalar(pc->c, pc->v[K_RET], at(pc, "ret"),
			       "a return type and optional failing predicate, e.g. \"int < 0\"",
			       &ret))
			return -1;
		if (u.ret_type != UT_NONE)
			return errat(
				pc->c, pc->k[K_RET], pc->base,
				"the return type is given both in attach and in ret; keep one");
	}
	if (u.when != UW_CALL && pc->v[K_WHEN])
		return errat(pc->c, pc->v[K_WHEN], at(pc, "when"),
			     "attach already ends with '@%s'; keep one",
			     u.when == UW_ENTRY ? "entry" : "return");
	if (u.when != UW_CALL)
		p->when = u.when == UW_ENTRY ? PF_WHEN_ENTRY : PF_WHEN_RETURN;
	if (usdt && (p->when == PF_WHEN_RETURN || p->when == PF_WHEN_FAILING))
		return errat(pc->c, pc->v[K_WHEN], at(pc, "when"),
			     "usdt probes have no return; expected call or entry");
	if (merge_spec(pc, spec, args, ret))
		return -1;
	if (p->when == PF_WHEN_FAILING && p->spec.ret_type == UT_NONE)
		return errat(pc->c, pc->v[K_WHEN], at(pc, "when"),
			     "failing needs a return type; add ret (e.g. ret: int) or '-> TYPE' "
			     "to attach");
	if (p->when == PF_WHEN_FAILING && p->spec.fail_op == UF_NONE)
		return errat(pc->c, pc->v[K_WHEN], at(pc, "when"),
			     "failing needs a predicate for %s; add one, e.g. ret: %s == 0",
			     utype_name(p->spec.ret_type), utype_name(p->spec.ret_type));
	return 0;
}

static int probe_attach(struct probe_ctx *pc)
{
	static const char *const what[] = {
		[PF_SYSCALL] = "a syscall name, class or list, e.g. openat",
		[PF_FUNCTION] = "a SPEC, e.g. libc:malloc(u64 size) -> ptr",
		[PF_USDT] = "TARGET:PROVIDER:NAME",
	};
	struct pf_probe *p = pc->p;
	yaml_node_t *n = pc->v[K_ATTACH];
	const char *s;

	if (!n)
		return errat(pc->c, pc->item, pc->base, "missing 'attach'; expected %s",
			     what[p->kind]);
	if (p->kind == PF_SYSCALL)
		return attach_syscalls(pc);
	if (get_scalar(pc->c, n, at(pc, "attach"), what[p->kind], &s))
		return -1;
	if (strlen(s) >= sizeof(p->attach))
		return errat(pc->c, n, pc->where, "too long; at most %zu bytes",
			     sizeof(p->attach) - 1);
	strcpy(p->attach, s);
	return attach_spec(pc);
}

/* Actions */

static const char *const action_names[] = { "event", "count", "histogram", "signal" };
static const uint8_t action_bits[] = { AT_ACT_EVENT, AT_ACT_COUNT, AT_ACT_HIST, AT_ACT_SIGNAL };

static void probe_filter_ctx(const struct pf_probe *p, struct filter_ctx *fc)
{
	*fc = (struct filter_ctx){
		.kind = p->kind, .when = p->when, .syscalls = p->syscalls, .spec = &p->spec
	};
}

/* histogram: latency | ret | argN | an argument's name; n is where to point. */
static int hist_of(struct probe_ctx *pc, const yaml_node_t *n, const char *what)
{
	struct pf_probe *p = pc->p;
	struct filter_ctx fc;
	struct at_cond f;
	char why[256];

	if (!strcmp(what, "latency")) {
		if (p->kind == PF_USDT)
			return errat(pc->c, n, at(pc, "action"),
				     "usdt probes have no latency (no return); histogram an "
				     "argument instead");
		if (p->when == PF_WHEN_ENTRY || p->when == PF_WHEN_RETURN)
			return errat(pc->c, n, at(pc, "action"),
				     "a latency histogram needs entry and return; use when: call "
				     "(or failing)");
		p->hist_of = AT_HIST_LATENCY;
		return 0;
	}
	probe_filter_ctx(p, &fc);
	if (filter_field(&fc, what, &f, why, sizeof(why)))
		return errat(pc->c, n, at(pc, "action"), "histogram: %s", why);
	if (f.field == AT_FLD_RET) {
		p->hist_of = AT_HIST_RET;
		return 0;
	}
	if (f.field >= AT_FLD_ARG0 + AT_MAX_ARGS || f.is_str)
		return errat(pc->c, n, at(pc, "action"),
			     "histogram of '%s' is not possible; expected latency, ret or an "
			     "integer argument",
			     what);
	p->hist_of = AT_HIST_ARG0 + f.field;
	return 0;
}

/* A signal by name (SIGKILL, KILL, sigkill) or number. */
static int get_signal(struct probe_ctx *pc, const yaml_node_t *n)
{
	static const char what[] = "a signal name such as SIGKILL or SIGTERM, or a number 1 to 64";
	struct suggest b = { 0 };
	const char *s, *bare, *nm;
	long long v;

	if (get_scalar(pc->c, n, at(pc, "action"), what, &s))
		return -1;
	if (isdigit((unsigned char)*s)) {
		if (get_int(pc->c, n, pc->where, 1, 64, what, &v))
			return -1;
		pc->p->signal = (uint8_t)v;
		return 0;
	}
	bare = strncasecmp(s, "SIG", 3) ? s : s + 3;
	for (int sig = 1; sig <= 64; sig++) {
		nm = signal_name(sig);
		if (!nm)
			continue;
		if (!strcasecmp(nm + 3, bare)) {
			pc->p->signal = (uint8_t)sig;
			return 0;
		}
		suggest_consider(&b, bare, nm + 3);
	}
	if (b.name)
		return errat(pc->c, n, pc->where, "unknown signal '%.64s' (did you mean 'SIG%s'?)",
			     s, b.name);
	return errat(pc->c, n, pc->where, "unknown signal '%.64s'; expected %s", s, what);
}

/* One action: key is the name's node, val its value (mapping form) or NULL. */
static int action_one(struct probe_ctx *pc, const yaml_node_t *key, const yaml_node_t *val)
{
	static const char what[] = "event, count, histogram[: latency|ret|ARG] or signal: NAME";
	struct pf_probe *p = pc->p;
	const char *name = sval(key), *s;
	struct suggest b = { 0 };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(action_names) && strcmp(name, action_names[i]); i++)
		suggest_consider(&b, name, action_names[i]);
	if (i == ARRAY_SIZE(action_names) && b.name)
		return errat(pc->c, key, at(pc, "action"),
			     "unknown action '%.64s' (did you mean '%s'?)", name, b.name);
	if (i == ARRAY_SIZE(action_names))
		return errat(pc->c, key, at(pc, "action"), "unknown action '%.64s'; expected %s",
			     name, what);
	if (p->actions & action_bits[i])
		return errat(pc->c, key, at(pc, "action"),
			     "'%s' is given twice; list each action once", name);
	if (val && is_null(val))
		val = NULL;
	switch (action_bits[i]) {
	case AT_ACT_EVENT:
	case AT_ACT_COUNT:
		if (val)
			return errat(pc->c, val, at(pc, "action"),
				     "'%s' takes no value; write it alone", name);
		break;
	case AT_ACT_HIST:
		if (!val) {
			if (hist_of(pc, key, "latency"))
				return -1;
			break;
		}
		if (get_scalar(pc->c, val, at(pc, "action"), "latency, ret or an argument", &s) ||
		    hist_of(pc, val, s))
			return -1;
		break;
	case AT_ACT_SIGNAL:
		if (!val)
			return errat(pc->c, key, at(pc, "action"),
				     "signal needs a signal name; write 'signal: SIGKILL'");
		if (get_signal(pc, val))
			return -1;
		break;
	}
	p->actions |= action_bits[i];
	return 0;
}

static int probe_actions(struct probe_ctx *pc)
{
	static const char what[] = "event, count, histogram[: WHAT], signal: NAME, or a list";
	yaml_node_t *n = pc->v[K_ACTION];
	yaml_node_pair_t *pr;

	if (!n) {
		pc->p->actions = AT_ACT_EVENT;
		return 0;
	}
	if (is_null(n))
		return expect(pc->c, n, YAML_SCALAR_NODE, at(pc, "action"), what);
	if (!nitems(n))
		return errat(pc->c, n, at(pc, "action"), "the list is empty; expected %s", what);
	for (unsigned i = 0; i < nitems(n); i++) {
		yaml_node_t *it = item(pc->c, n, i);

		if (it->type == YAML_SEQUENCE_NODE || is_null(it))
			return expect(pc->c, it, YAML_SCALAR_NODE, at(pc, "action"),
				      "an action: event, count, histogram[: WHAT] or signal: NAME");
		if (it->type == YAML_SCALAR_NODE) {
			if (action_one(pc, it, NULL))
				return -1;
			continue;
		}
		for (pr = it->data.mapping.pairs.start; pr < it->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node(pc->c, pr->key);

			if (expect(pc->c, k, YAML_SCALAR_NODE, at(pc, "action"),
				   "an action name") ||
			    action_one(pc, k, node(pc->c, pr->value)))
				return -1;
		}
	}
	return 0;
}

/* rate_limit: N | "N/s" | {rate: N, burst: M}; sample: N. Both gate events only. */
static int probe_rate_sample(struct probe_ctx *pc)
{
	static const char *const keys[] = { "rate", "burst" };
	static const char what[] = "events per second from 1 to 1000000";
	struct pf_probe *p = pc->p;
	yaml_node_t *n = pc->v[K_RATE], *v[2], *k[2];
	const char *s;
	long long x;
	char *end;

	if (n && n->type == YAML_MAPPING_NODE) {
		if (map_keys(pc->c, n, at(pc, "rate_limit"), keys, 2, v, k))
			return -1;
		if (!v[0])
			return errat(pc->c, n, pc->where,
				     "missing 'rate'; expected {rate: N, burst: M}");
		if (get_int(pc->c, v[0], at(pc, "rate_limit: rate"), 1, RATE_MAX, what, &x))
			return -1;
		p->rate = p->burst = (uint32_t)x;
		if (v[1] && get_int(pc->c, v[1], at(pc, "rate_limit: burst"), 1, RATE_MAX,
				    "a number of events from 1 to 1000000", &x))
			return -1;
		if (v[1])
			p->burst = (uint32_t)x;
	} else if (n) {
		if (get_scalar(pc->c, n, at(pc, "rate_limit"), what, &s))
			return -1;
		errno = 0;
		x = strtoll(s, &end, 10);
		if (end == s || (*end && strcmp(end, "/s")))
			return errat(pc->c, n, pc->where,
				     "'%.64s' is not a rate; expected N or \"N/s\" (%s), or "
				     "{rate: N, burst: M}",
				     s, what);
		if (errno || x < 1 || x > RATE_MAX)
			return errat(pc->c, n, pc->where, "%.*s is out of range; expected %s",
				     (int)(end - s), s, what);
		p->rate = p->burst = (uint32_t)x;
	}
	if (pc->v[K_SAMPLE]) {
		if (get_int(pc->c, pc->v[K_SAMPLE], at(pc, "sample"), 1, UINT32_MAX,
			    "N >= 1 to keep 1 event in N", &x))
			return -1;
		p->sample = x == 1 ? 0 : (uint32_t)x;
	}
	for (int i = K_RATE; i <= K_SAMPLE; i++)
		if (pc->v[i] && !(p->actions & AT_ACT_EVENT))
			return errat(pc->c, pc->k[i], pc->base,
				     "%s applies to events; add 'event' to action", probe_keys[i]);
	return 0;
}

static int probe_scrub(struct probe_ctx *pc)
{
	static const char *const names[] = { "sql", "secrets" };
	static const uint8_t bits[] = { PF_SCRUB_SQL, PF_SCRUB_SECRETS };
	yaml_node_t *n = pc->v[K_SCRUB];
	unsigned idx;

	if (!n)
		return 0;
	if (n->type == YAML_MAPPING_NODE)
		return expect(pc->c, n, YAML_SEQUENCE_NODE, at(pc, "scrub"),
			      "sql, secrets or a list");
	for (unsigned i = 0; i < nitems(n); i++) {
		if (one_of(pc->c, item(pc->c, n, i), at(pc, "scrub"), names, 2, &idx))
			return -1;
		pc->p->scrub |= bits[idx];
	}
	return 0;
}

static int probe_filter(struct probe_ctx *pc)
{
	struct pf_probe *p = pc->p;
	const struct pf_limits *lim = &pc->c->pf->limits;
	yaml_node_t *n = pc->v[K_FILTER];
	struct filter_ctx fc;
	char ferr[1024];
	const char *s;

	if (!n)
		return 0;
	if (get_scalar(pc->c, n, at(pc, "filter"), "an expression, e.g. \"size > 4096\"", &s))
		return -1;
	if (strlen(s) >= sizeof(p->filter_src))
		return errat(pc->c, n, pc->where, "too long; at most %zu bytes",
			     sizeof(p->filter_src) - 1);
	strcpy(p->filter_src, s);
	probe_filter_ctx(p, &fc);
	if (filter_compile(s, &fc, &p->filter, ferr, sizeof(ferr)))
		return errat(pc->c, n, pc->where, "%s", ferr);
	/* Captured strings are cut at limits.string: a longer operand never matches. */
	for (unsigned i = 0; lim->str_max && i < p->filter.ncond; i++) {
		const struct at_cond *cd = &p->filter.cond[i];

		if (cd->is_str && cd->field != AT_FLD_COMM && cd->slen > lim->str_max)
			return errat(pc->c, n, pc->where,
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
static int probe_unreadable(struct probe_ctx *pc)
{
	static const char *const names[] = { "match", "skip" };
	static const uint8_t vals[] = { AT_UNREAD_MATCH, AT_UNREAD_SKIP };
	struct pf_probe *p = pc->p;
	yaml_node_t *n = pc->v[K_UNREADABLE];
	bool strs = false;
	unsigned idx;

	if (!n)
		return 0;
	if (one_of(pc->c, n, at(pc, "on_unreadable"), names, 2, &idx))
		return -1;
	for (unsigned i = 0; i < p->filter.ncond; i++)
		strs |= p->filter.cond[i].is_str && p->filter.cond[i].field != AT_FLD_COMM;
	if (!strs)
		return errat(pc->c, pc->k[K_UNREADABLE], pc->base,
			     "on_unreadable applies to a filter that compares a string argument, "
			     "and %s; remove it",
			     p->filter.ncode ? "this one compares none (comm is always readable)" :
					       "there is no filter");
	p->on_unreadable = vals[idx];
	return 0;
}

/* The name, if there is a valid one, goes into every message about the probe. */
static void peek_name(struct probe_ctx *pc, unsigned idx)
{
	yaml_node_pair_t *pr;

	snprintf(pc->base, sizeof(pc->base), "probes[%u]", idx);
	for (pr = pc->item->data.mapping.pairs.start; pr < pc->item->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(pc->c, pr->key), *v = node(pc->c, pr->value);

		if (k->type == YAML_SCALAR_NODE && !strcmp(sval(k), "name") &&
		    v->type == YAML_SCALAR_NODE && valid_name(sval(v))) {
			snprintf(pc->base, sizeof(pc->base), "probes[%u] '%s'", idx, sval(v));
			return;
		}
	}
}

static int load_probe(struct pf_ctx *c, yaml_node_t *n, unsigned idx)
{
	struct probe_ctx pc = { .c = c, .p = &c->pf->probes[idx], .item = n };
	char where[24];

	snprintf(where, sizeof(where), "probes[%u]", idx);
	pc.p->pos = pos_of(n);
	if (expect(c, n, YAML_MAPPING_NODE, where, "a probe: a mapping with name, kind and attach"))
		return -1;
	peek_name(&pc, idx);
	if (map_keys(c, n, pc.base, probe_keys, K_N, pc.v, pc.k) || probe_name(&pc, idx) ||
	    probe_kind_when(&pc) || probe_attach(&pc) || probe_actions(&pc) ||
	    probe_rate_sample(&pc) || probe_scrub(&pc) || probe_filter(&pc) ||
	    probe_unreadable(&pc))
		return -1;
	return 0;
}

static int load_probes(struct pf_ctx *c, yaml_node_t *n)
{
	unsigned count;

	if (expect(c, n, YAML_SEQUENCE_NODE, "probes", "a list of probes (- name: ...)"))
		return -1;
	count = nitems(n);
	if (!count)
		return errat(c, n, "probes", "the list is empty; give at least one probe");
	if (count > PF_MAX_PROBES)
		return errat(c, item(c, n, PF_MAX_PROBES), "probes",
			     "more than %d probes; split them over several files", PF_MAX_PROBES);
	c->pf->probes = calloc(count, sizeof(*c->pf->probes));
	if (!c->pf->probes)
		return fail(c->err, c->errlen, "%s: out of memory", c->name);
	for (unsigned i = 0; i < count; i++) {
		if (load_probe(c, item(c, n, i), i))
			return -1;
		c->pf->nprobes++;
	}
	return 0;
}

static int load_root(struct pf_ctx *c, yaml_node_t *root)
{
	static const char *const keys[] = { "targets", "probes", "output", "limits" };
	yaml_node_t *v[4], *k[4];

	if (expect(c, root, YAML_MAPPING_NODE, "top level",
		   "a mapping with targets, probes, output and limits") ||
	    map_keys(c, root, "top level", keys, 4, v, k))
		return -1;
	/* Limits first: filters check their strings against limits.string. */
	if ((v[3] && load_limits(c, v[3])) || (v[0] && load_targets(c, v[0])) ||
	    (v[2] && load_output(c, v[2])))
		return -1;
	if (!v[1])
		return errat(c, root, "top level",
			     "no 'probes'; add a list of probes (- name: ..., kind: ..., "
			     "attach: ...)");
	return load_probes(c, v[1]);
}

/* libyaml's own message, at its position. */
static int yaml_fail(struct pf_ctx *c, const yaml_parser_t *y)
{
	size_t line = y->problem_mark.line + 1, col = y->problem_mark.column + 1;

	if (y->error == YAML_MEMORY_ERROR)
		return fail(c->err, c->errlen, "%s: out of memory", c->name);
	if (y->error == YAML_READER_ERROR) {
		/* Encoding errors carry a byte offset only. */
		line = col = 1;
		for (size_t i = 0; i < y->problem_offset && c->text[i]; i++, col++)
			if (c->text[i] == '\n')
				line++, col = 0;
	}
	if (y->context)
		return fail(c->err, c->errlen, "%s:%zu:%zu: YAML syntax: %s (%s at line %zu)",
			    c->name, line, col, y->problem ? y->problem : "error", y->context,
			    y->context_mark.line + 1);
	return fail(c->err, c->errlen, "%s:%zu:%zu: YAML syntax: %s", c->name, line, col,
		    y->problem ? y->problem : "error");
}

/* An anchor seen in the event stream and the nodes its value holds. */
struct pf_anchor {
	char *name;
	size_t nodes;
};

/* The position of an event, as FILE:LINE:COL in messages. */
static int fail_at(struct pf_ctx *c, const yaml_event_t *ev, const char *what)
{
	return fail(c->err, c->errlen, "%s:%zu:%zu: %s", c->name, ev->start_mark.line + 1,
		    ev->start_mark.column + 1, what);
}

/* Nodes an alias stands for: what its (latest, complete) anchor holds; 1 when unknown. */
static size_t alias_nodes(const struct pf_anchor *a, unsigned n, const char *name)
{
	while (n-- > 0)
		if (a[n].name && !strcmp(a[n].name, name))
			return a[n].nodes;
	return 1;
}

/*
 * Reads the event stream once, before any tree is built, and refuses nesting
 * deeper than DEPTH_MAX, more than NODES_MAX nodes (an alias counts as the
 * nodes it names, so a billion laughs is refused too) and more than
 * ANCHORS_MAX anchors. Syntax errors are reported here as the loader would.
 */
static int bound_events(struct pf_ctx *c, size_t len)
{
	struct pf_anchor anchors[ANCHORS_MAX];
	size_t start[DEPTH_MAX], nodes = 0;
	char *open_anchor[DEPTH_MAX];
	unsigned depth = 0, nanchors = 0, nopen = 0;
	yaml_parser_t y;
	yaml_event_t ev;
	int ret = 0;

	if (!yaml_parser_initialize(&y))
		return fail(c->err, c->errlen, "%s: out of memory", c->name);
	yaml_parser_set_input_string(&y, (const unsigned char *)c->text, len);
	for (bool done = false; !done && !ret;) {
		const unsigned char *anchor = NULL;
		bool collection = false;

		if (!yaml_parser_parse(&y, &ev)) {
			ret = yaml_fail(c, &y);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_SEQUENCE_START_EVENT:
			anchor = ev.data.sequence_start.anchor;
			collection = true;
			break;
		case YAML_MAPPING_START_EVENT:
			anchor = ev.data.mapping_start.anchor;
			collection = true;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (!depth)
				break;
			depth--;
			/* The collection is complete: its anchor now names all of it. */
			if (open_anchor[depth]) {
				anchors[nanchors].name = open_anchor[depth];
				anchors[nanchors++].nodes = nodes - start[depth];
				nopen--;
			}
			break;
		case YAML_SCALAR_EVENT:
			anchor = ev.data.scalar.anchor;
			nodes++;
			break;
		case YAML_ALIAS_EVENT:
			nodes += alias_nodes(anchors, nanchors, (const char *)ev.data.alias.anchor);
			break;
		default:
			break;
		}
		/* Anchors of collections still open count too: they join the table at their end. */
		if (anchor && nanchors + nopen >= ANCHORS_MAX) {
			ret = fail_at(c, &ev, "more than 256 anchors (&name)");
		} else if (collection && depth == DEPTH_MAX) {
			ret = fail_at(c, &ev, "nesting deeper than 64");
		} else if (collection) {
			start[depth] = nodes++;
			open_anchor[depth] = anchor ? strdup((const char *)anchor) : NULL;
			nopen += anchor != NULL;
			depth++;
		} else if (anchor) {
			anchors[nanchors].name = strdup((const char *)anchor);
			anchors[nanchors++].nodes = 1;
		}
		if (!ret && anchor &&
		    !(collection ? open_anchor[depth - 1] : anchors[nanchors - 1].name))
			ret = fail(c->err, c->errlen, "%s: out of memory", c->name);
		if (!ret && nodes > NODES_MAX)
			ret = fail_at(c, &ev,
				      "more than 65536 YAML nodes (an alias counts as what it "
				      "names); a probe file needs far fewer");
		yaml_event_delete(&ev);
	}
	while (depth-- > 0)
		free(open_anchor[depth]);
	while (nanchors-- > 0)
		free(anchors[nanchors].name);
	yaml_parser_delete(&y);
	return ret;
}

int probefile_parse(const char *name, const char *text, size_t len, struct probefile **out,
		    char *err, size_t errlen)
{
	struct pf_ctx c = { .name = name, .text = text, .err = err, .errlen = errlen };
	yaml_document_t doc, next;
	yaml_parser_t parser;
	yaml_node_t *root;
	int ret = -1;

	*out = NULL;
	c.pf = calloc(1, sizeof(*c.pf));
	if (!c.pf)
		return fail(err, errlen, "%s: out of memory", name);
	snprintf(c.pf->path, sizeof(c.pf->path), "%s", name);
	if (len > FILE_MAX) {
		fail(err, errlen, "%s: probe file is %zu bytes, more than the 1 MiB limit", name,
		     len);
		goto err_free;
	}
	/* Hostile input is refused on the event stream, before libyaml builds a tree. */
	if (bound_events(&c, len))
		goto err_free;
	if (!yaml_parser_initialize(&parser)) {
		fail(err, errlen, "%s: out of memory", name);
		goto err_free;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_fail(&c, &parser);
		goto err_parser;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		fail(err, errlen,
		     "%s:1:1: top level: the file is empty; expected a mapping with 'probes'",
		     name);
		goto err_doc;
	}
	/* One document: a second one would be silently ignored otherwise. */
	if (!yaml_parser_load(&parser, &next)) {
		yaml_fail(&c, &parser);
		goto err_doc;
	}
	if (yaml_document_get_root_node(&next)) {
		c.doc = &next;
		errat(&c, yaml_document_get_root_node(&next), "top level",
		      "a second YAML document; keep everything in one document");
		yaml_document_delete(&next);
		goto err_doc;
	}
	yaml_document_delete(&next);
	ret = load_root(&c, root);
err_doc:
	yaml_document_delete(&doc);
err_parser:
	yaml_parser_delete(&parser);
	if (!ret) {
		*out = c.pf;
		return 0;
	}
err_free:
	probefile_free(c.pf);
	return -1;
}

int probefile_load(const char *path, struct probefile **out, char *err, size_t errlen)
{
	size_t len = 0;
	struct stat st;
	char *text;
	ssize_t n;
	int fd, ret;

	*out = NULL;
	/* Non-blocking: opening a FIFO for reading must not wait for a writer. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		ret = fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = fail(err, errlen, "%s: not a regular file", path);
		goto err_close;
	}
	/* Refused before a byte is read; the read below is bounded too, should it grow. */
	if ((unsigned long long)st.st_size > FILE_MAX) {
		ret = fail(err, errlen, "%s: probe file is %lld bytes, more than the 1 MiB limit",
			   path, (long long)st.st_size);
		goto err_close;
	}
	text = malloc(FILE_MAX + 2);
	if (!text) {
		ret = fail(err, errlen, "%s: out of memory", path);
		goto err_close;
	}
	while (len <= FILE_MAX && (n = read(fd, text + len, FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			free(text);
			goto err_close;
		}
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	/* A file that grew past the limit while read is refused by the parse, by its length. */
	ret = probefile_parse(path, text, len, out, err, errlen);
	free(text);
	return ret;
err_close:
	close(fd);
	return ret;
}

void probefile_free(struct probefile *pf)
{
	if (!pf)
		return;
	free(pf->probes);
	free(pf);
}
