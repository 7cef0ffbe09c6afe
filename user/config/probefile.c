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
static const char *pf_join(const char *const names[], unsigned n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
	return buf;
}

/* Nodes */

static yaml_node_t *pf_node(const struct pf_ctx *c, int i)
{
	return yaml_document_get_node(c->doc, i);
}

static const char *pf_sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* An empty value ("key:"), or a plain ~ / null. */
static bool pf_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = pf_sval(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static const char *pf_node_kind(const yaml_node_t *n)
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

static struct pf_pos pf_pos_of(const yaml_node_t *n)
{
	return (struct pf_pos){ .line = n->start_mark.line + 1, .col = n->start_mark.column + 1 };
}

/* A list's length; anything else counts as a list of itself. */
static unsigned pf_nitems(const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return 1;
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

static yaml_node_t *pf_item(const struct pf_ctx *c, yaml_node_t *n, unsigned i)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return n;
	return pf_node(c, n->data.sequence.items.start[i]);
}

/* Errors */

static __attribute__((format(printf, 4, 5))) int pf_errat(struct pf_ctx *c, const yaml_node_t *n,
							  const char *where, const char *fmt, ...)
{
	struct pf_pos at = pf_pos_of(n);
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
static int pf_expect(struct pf_ctx *c, const yaml_node_t *n, yaml_node_type_t type,
		     const char *where, const char *what)
{
	if (pf_is_null(n))
		return pf_errat(c, n, where, "no value; expected %s", what);
	if (n->type != type)
		return pf_errat(c, n, where, "is %s; expected %s", pf_node_kind(n), what);
	return 0;
}

static int pf_get_scalar(struct pf_ctx *c, const yaml_node_t *n, const char *where,
			 const char *what, const char **out)
{
	if (pf_expect(c, n, YAML_SCALAR_NODE, where, what))
		return -1;
	*out = pf_sval(n);
	return 0;
}

/* A decimal integer in [min, max]. */
static int pf_get_int(struct pf_ctx *c, const yaml_node_t *n, const char *where, long long min,
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
static int pf_one_of(struct pf_ctx *c, const yaml_node_t *n, const char *where,
		     const char *const names[], unsigned nn, unsigned *idx)
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
static int pf_map_keys(struct pf_ctx *c, const yaml_node_t *map, const char *where,
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

/* targets, output, limits */

enum { T_PIDS, T_EXE, T_COMM, T_N }; /* the keys of targets */

static int target_pid(struct pf_ctx *c, const yaml_node_t *it)
{
	struct pf_targets *t = &c->pf->targets;
	long long pid;

	if (pf_get_int(c, it, "targets: pids", 1, INT_MAX, "a process id (a positive integer)",
		       &pid))
		return -1;
	if (t->npids == PF_MAX_PIDS)
		return pf_errat(c, it, "targets: pids",
				"more than %d process ids; select by exe or comm instead",
				PF_MAX_PIDS);
	t->pids[t->npids++] = (pid_t)pid;
	return 0;
}

static int target_exe(struct pf_ctx *c, const yaml_node_t *it)
{
	struct pf_targets *t = &c->pf->targets;
	const char *s;

	if (pf_get_scalar(c, it, "targets: exe", "an absolute path or glob", &s))
		return -1;
	if (*s != '/')
		return pf_errat(c, it, "targets: exe",
				"'%.64s' is a relative path; give an absolute path or glob, "
				"e.g. /usr/bin/python3*",
				s);
	if (strlen(s) >= PATH_MAX)
		return pf_errat(c, it, "targets: exe", "path too long; at most %d bytes",
				PATH_MAX - 1);
	if (t->nexe == PF_MAX_EXES)
		return pf_errat(c, it, "targets: exe", "more than %d paths; use a glob",
				PF_MAX_EXES);
	strcpy(t->exe[t->nexe++], s);
	return 0;
}

static int target_comm(struct pf_ctx *c, const yaml_node_t *it)
{
	struct pf_targets *t = &c->pf->targets;
	char what[64];
	const char *s;

	snprintf(what, sizeof(what), "a command name (at most %d bytes)", COMM_MAX);
	if (pf_get_scalar(c, it, "targets: comm", what, &s))
		return -1;
	if (!*s || strlen(s) > COMM_MAX)
		return pf_errat(c, it, "targets: comm",
				"'%.64s' is %zu bytes; the kernel keeps command names of 1 "
				"to %d bytes",
				s, strlen(s), COMM_MAX);
	if (t->ncomm == PF_MAX_COMMS)
		return pf_errat(c, it, "targets: comm", "more than %d names; use exe globs",
				PF_MAX_COMMS);
	strcpy(t->comm[t->ncomm++], s);
	return 0;
}

static int load_targets(struct pf_ctx *c, yaml_node_t *n)
{
	static const char *const keys[T_N] = {
		[T_PIDS] = "pids", [T_EXE] = "exe", [T_COMM] = "comm"
	};
	static int (*const add[T_N])(struct pf_ctx *, const yaml_node_t *) = {
		[T_PIDS] = target_pid, [T_EXE] = target_exe, [T_COMM] = target_comm
	};
	yaml_node_t *v[T_N], *k[T_N];
	yaml_node_pair_t *pr;

	if (pf_expect(c, n, YAML_MAPPING_NODE, "targets", "a mapping with pids, exe or comm"))
		return -1;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *key = pf_node(c, pr->key);

		if (key->type == YAML_SCALAR_NODE && !strcmp(pf_sval(key), "containers"))
			return pf_errat(c, key, "targets",
					"containers are not supported yet; select processes by "
					"pids, exe or comm");
	}
	if (pf_map_keys(c, n, "targets", keys, ARRAY_SIZE(keys), v, k))
		return -1;
	/* A single value counts as a list of itself: "pids: 42". */
	for (unsigned key = 0; key < T_N; key++)
		for (unsigned i = 0; v[key] && i < pf_nitems(v[key]); i++)
			if (add[key](c, pf_item(c, v[key], i)))
				return -1;
	return 0;
}

static int load_output(struct pf_ctx *c, yaml_node_t *n)
{
	enum { O_FORMAT, O_FILE, O_N };
	static const char *const keys[O_N] = { [O_FORMAT] = "format", [O_FILE] = "file" };
	static const char *const formats[] = { [PF_FMT_TEXT] = "text", [PF_FMT_JSON] = "json" };
	struct pf_output *o = &c->pf->output;
	yaml_node_t *v[O_N], *k[O_N];
	unsigned fmt;
	const char *s;

	if (pf_expect(c, n, YAML_MAPPING_NODE, "output", "a mapping with format or file") ||
	    pf_map_keys(c, n, "output", keys, ARRAY_SIZE(keys), v, k))
		return -1;
	if (v[O_FORMAT]) {
		if (pf_one_of(c, v[O_FORMAT], "output: format", formats, ARRAY_SIZE(formats), &fmt))
			return -1;
		o->format = (uint8_t)fmt; /* formats[] is indexed by enum pf_format */
		o->has_format = true;
	}
	if (v[O_FILE]) {
		if (pf_get_scalar(c, v[O_FILE], "output: file", "a file path", &s))
			return -1;
		if (strlen(s) >= sizeof(o->file))
			return pf_errat(c, v[O_FILE], "output: file",
					"path too long; at most %d bytes", PATH_MAX - 1);
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

	if (pf_get_scalar(c, n, "limits: ringbuf", what, &s))
		return -1;
	r = parse_ringbuf_size(s, out);
	if (r)
		return pf_errat(c, n, "limits: ringbuf", "'%.64s' %s; expected %s", s, why[-r - 1],
				what);
	return 0;
}

static int load_limits(struct pf_ctx *c, yaml_node_t *n)
{
	enum { L_RINGBUF, L_STRING, L_PROCESSES, L_THREAD_STATE, L_QUEUE, L_N };
	static const char *const keys[L_N] = {
		[L_RINGBUF] = "ringbuf",     [L_STRING] = "string",
		[L_PROCESSES] = "processes", [L_THREAD_STATE] = "thread_state",
		[L_QUEUE] = "queue",
	};
	struct pf_limits *l = &c->pf->limits;
	yaml_node_t *v[L_N], *k[L_N];
	char what[64];
	long long x;

	if (pf_expect(c, n, YAML_MAPPING_NODE, "limits",
		      "a mapping with ringbuf, string, processes, thread_state or queue") ||
	    pf_map_keys(c, n, "limits", keys, ARRAY_SIZE(keys), v, k))
		return -1;
	if (v[L_RINGBUF] && get_ringbuf(c, v[L_RINGBUF], &l->ringbuf_bytes))
		return -1;
	if (v[L_STRING]) {
		/* The kernel reads two bytes past the limit to tell cut strings apart (as -s). */
		snprintf(what, sizeof(what), "bytes per captured string, 1 to %d", AT_STR_MAX - 2);
		if (pf_get_int(c, v[L_STRING], "limits: string", 1, AT_STR_MAX - 2, what, &x))
			return -1;
		l->str_max = (unsigned)x;
	}
	if (v[L_PROCESSES]) {
		if (pf_get_int(c, v[L_PROCESSES], "limits: processes", 1, PROCESSES_MAX,
			       "a number of traced processes, 1 to 65536", &x))
			return -1;
		l->processes = (unsigned)x;
	}
	if (v[L_THREAD_STATE]) {
		if (pf_get_int(c, v[L_THREAD_STATE], "limits: thread_state", 1, 1 << 20,
			       "a number of per-thread state entries, 1 to 1048576", &x))
			return -1;
		l->thread_state = (unsigned)x;
	}
	if (v[L_QUEUE]) {
		if (pf_get_int(c, v[L_QUEUE], "limits: queue", 1, 1 << 20,
			       "a number of records waiting for the sink, 1 to 1048576", &x))
			return -1;
		l->queue = (unsigned)x;
	}
	return 0;
}

/* Probes */

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
	K_N
};

static const char *const probe_keys[K_N] = {
	[K_NAME] = "name",     [K_KIND] = "kind",     [K_ATTACH] = "attach",
	[K_ARGS] = "args",     [K_RET] = "ret",	      [K_WHEN] = "when",
	[K_FILTER] = "filter", [K_ACTION] = "action", [K_RATE] = "rate_limit",
	[K_SAMPLE] = "sample", [K_SCRUB] = "scrub",   [K_UNREADABLE] = "on_unreadable",
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

/* "probes[2] 'opens': key" */
static const char *pf_where(struct pf_entry_ctx *ec, const char *key)
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

/* Syscall attach: one strace -e list ("open,openat", "file", "%network", "!memory"). */

static const char *const class_names[] = { "file",   "network", "process", "memory",
					   "signal", "ipc",	"desc" };

static int check_sys_token(struct pf_entry_ctx *ec, const yaml_node_t *n, const char *tok)
{
	const char *name = *tok == '%' ? tok + 1 : tok;
	struct suggest b = { 0 };

	if (!*tok)
		return pf_errat(ec->c, n, pf_where(ec, "attach"),
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
		return pf_errat(ec->c, n, pf_where(ec, "attach"),
				"unknown syscall or class '%.64s' (did you mean '%s'?)", tok,
				b.name);
	return pf_errat(ec->c, n, pf_where(ec, "attach"),
			"unknown syscall or class '%.64s'; expected syscall names such as openat, "
			"or classes: file, network, process, memory, signal, ipc, desc",
			tok);
}

/* Applies one expression to p->syscalls; the first decides the start, as -e does. */
static int select_expr(struct pf_entry_ctx *ec, const yaml_node_t *n, const char *s, bool first)
{
	char buf[1024], cerr[256], *tok, *comma;
	size_t len = 0;

	/* "open, openat" reads naturally in YAML: white space is dropped. */
	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if (len + 1 >= sizeof(buf))
			return pf_errat(ec->c, n, pf_where(ec, "attach"),
					"list too long; split the probe");
		buf[len++] = *s;
	}
	buf[len] = '\0';
	/* strace's own spelling, as -e takes it: trace=LIST. */
	tok = strncmp(buf, "trace=", 6) ? buf : buf + 6;
	if (first)
		memset(ec->p->syscalls, *tok == '!' ? 0xff : 0, sizeof(ec->p->syscalls));
	if (*tok == '!')
		tok++;
	for (;;) {
		comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (check_sys_token(ec, n, tok))
			return -1;
		if (!comma)
			break;
		*comma = ',';
		tok = comma + 1;
	}
	if (cli_parse_select(buf, ec->p->syscalls, cerr, sizeof(cerr)))
		return pf_errat(ec->c, n, pf_where(ec, "attach"), "%s", cerr);
	return 0;
}

static int parse_attach_syscalls(struct pf_entry_ctx *ec)
{
	static const char what[] =
		"a syscall name, class or list, e.g. openat, \"open,openat\", file or [read, write]";
	struct pf_probe *p = ec->p;
	yaml_node_t *n = ec->v[K_ATTACH];
	unsigned any = 0, count;
	size_t len = 0;
	const char *s;

	if (ec->v[K_ARGS] || ec->v[K_RET]) {
		bool args = ec->v[K_ARGS] != NULL;

		return pf_errat(ec->c, ec->k[args ? K_ARGS : K_RET], ec->base,
				"syscall %s typed by the syscall table; remove '%s'",
				args ? "arguments are" : "return values are",
				args ? "args" : "ret");
	}
	if (n->type == YAML_MAPPING_NODE || pf_is_null(n))
		return pf_expect(ec->c, n, YAML_SCALAR_NODE, pf_where(ec, "attach"), what);
	count = pf_nitems(n);
	if (!count)
		return pf_errat(ec->c, n, pf_where(ec, "attach"), "the list is empty; expected %s",
				what);
	for (unsigned i = 0; i < count; i++) {
		yaml_node_t *it = pf_item(ec->c, n, i);

		if (pf_get_scalar(ec->c, it, pf_where(ec, "attach"), what, &s) ||
		    select_expr(ec, it, s, i == 0))
			return -1;
		if (len + strlen(s) + 2 > sizeof(p->attach))
			return pf_errat(ec->c, it, pf_where(ec, "attach"),
					"list too long; split the probe");
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
		return pf_errat(ec->c, n, pf_where(ec, "attach"),
				"selects no syscalls; name at least one syscall or class");
	return 0;
}

/* Function and USDT attach: a SPEC, with args, ret and when merged into it. */

/* TARGET:PROVIDER:NAME[(ARGS)]: the provider cut out, the rest a SPEC. */
static int split_usdt(struct pf_entry_ctx *ec, char *spec, size_t size)
{
	if (usdt_split(ec->p->attach, ec->p->provider, sizeof(ec->p->provider), spec, size))
		return pf_errat(ec->c, ec->v[K_ATTACH], pf_where(ec, "attach"),
				"'%.64s' is not TARGET:PROVIDER:NAME; e.g. "
				"/usr/bin/python3:python:function__entry",
				ec->p->attach);
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
static int merge_spec(struct pf_entry_ctx *ec, const char *spec, const char *args, const char *ret)
{
	struct pf_probe *p = ec->p;
	size_t head = spec_head(spec), pre;
	const char *arrow, *suffix;
	char merged[2048], uerr[1024];
	yaml_node_t *n = ec->v[K_ATTACH];
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
		n = ec->v[K_ARGS];
		key = "args";
	} else if (ret) {
		n = ec->v[K_RET];
		key = "ret";
	}
	return pf_errat(ec->c, n, pf_where(ec, key), "%s", uerr);
}

static int parse_attach_spec(struct pf_entry_ctx *ec)
{
	struct pf_probe *p = ec->p;
	bool usdt = p->kind == PF_USDT;
	const char *args = NULL, *ret = NULL;
	char spec[1024], uerr[1024];
	struct uspec u;

	if (usdt && split_usdt(ec, spec, sizeof(spec)))
		return -1;
	if (!usdt)
		snprintf(spec, sizeof(spec), "%s", p->attach);
	if (uspec_parse(spec, &u, uerr, sizeof(uerr)))
		return pf_errat(ec->c, ec->v[K_ATTACH], pf_where(ec, "attach"), "%s", uerr);
	if (usdt && (u.ret_type != UT_NONE || u.when == UW_RETURN))
		return pf_errat(ec->c, ec->v[K_ATTACH], pf_where(ec, "attach"),
				"usdt probes have no return; remove '%s'",
				u.when == UW_RETURN ? "@return" : "-> TYPE");
	if (usdt && ec->v[K_RET])
		return pf_errat(ec->c, ec->k[K_RET], ec->base,
				"usdt probes have no return value; remove 'ret'");
	if (ec->v[K_ARGS]) {
		if (pf_get_scalar(ec->c, ec->v[K_ARGS], pf_where(ec, "args"),
				  "argument types and names, e.g. \"u64 size, str name\"", &args))
			return -1;
		if (u.nargs || spec_has_parens(spec))
			return pf_errat(ec->c, ec->k[K_ARGS], ec->base,
					"arguments are given both in attach and in args; keep one");
	}
	if (ec->v[K_RET]) {
		if (pf_get_scalar(ec->c, ec->v[K_RET], pf_where(ec, "ret"),
				  "a return type and optional failing predicate, e.g. \"int < 0\"",
				  &ret))
			return -1;
		if (u.ret_type != UT_NONE)
			return pf_errat(
				ec->c, ec->k[K_RET], ec->base,
				"the return type is given both in attach and in ret; keep one");
	}
	if (u.when != UW_CALL && ec->v[K_WHEN])
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"attach already ends with '@%s'; keep one",
				u.when == UW_ENTRY ? "entry" : "return");
	if (u.when != UW_CALL)
		p->when = u.when == UW_ENTRY ? PF_WHEN_ENTRY : PF_WHEN_RETURN;
	if (usdt && (p->when == PF_WHEN_RETURN || p->when == PF_WHEN_FAILING))
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"usdt probes have no return; expected call or entry");
	if (merge_spec(ec, spec, args, ret))
		return -1;
	if (p->when == PF_WHEN_FAILING && p->spec.ret_type == UT_NONE)
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"failing needs a return type; add ret (e.g. ret: int) or '-> TYPE' "
				"to attach");
	if (p->when == PF_WHEN_FAILING && p->spec.fail_op == UF_NONE)
		return pf_errat(ec->c, ec->v[K_WHEN], pf_where(ec, "when"),
				"failing needs a predicate for %s; add one, e.g. ret: %s == 0",
				utype_name(p->spec.ret_type), utype_name(p->spec.ret_type));
	return 0;
}

static int pf_parse_attach(struct pf_entry_ctx *ec)
{
	static const char *const what[] = {
		[PF_SYSCALL] = "a syscall name, class or list, e.g. openat",
		[PF_FUNCTION] = "a SPEC, e.g. libc:malloc(u64 size) -> ptr",
		[PF_USDT] = "TARGET:PROVIDER:NAME",
	};
	struct pf_probe *p = ec->p;
	yaml_node_t *n = ec->v[K_ATTACH];
	const char *s;

	if (!n)
		return pf_errat(ec->c, ec->item, ec->base, "missing 'attach'; expected %s",
				what[p->kind]);
	if (p->kind == PF_SYSCALL)
		return parse_attach_syscalls(ec);
	if (pf_get_scalar(ec->c, n, pf_where(ec, "attach"), what[p->kind], &s))
		return -1;
	if (strlen(s) >= sizeof(p->attach))
		return pf_errat(ec->c, n, ec->where, "too long; at most %zu bytes",
				sizeof(p->attach) - 1);
	strcpy(p->attach, s);
	return parse_attach_spec(ec);
}

/* Actions */

static const char *const action_names[] = { "event", "count", "histogram", "signal" };
static const uint8_t action_bits[ARRAY_SIZE(action_names)] = { AT_ACT_EVENT, AT_ACT_COUNT,
							       AT_ACT_HIST, AT_ACT_SIGNAL };

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
	static const char what[] = "event, count, histogram[: latency|ret|ARG] or signal: NAME";
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
	static const char what[] = "event, count, histogram[: WHAT], signal: NAME, or a list";
	yaml_node_t *n = ec->v[K_ACTION];
	yaml_node_pair_t *pr;

	if (!n) {
		ec->p->actions = AT_ACT_EVENT;
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
				"an action: event, count, histogram[: WHAT] or signal: NAME");
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

static int probe_scrub(struct pf_entry_ctx *ec)
{
	static const char *const names[] = { "sql", "secrets" };
	static const uint8_t bits[ARRAY_SIZE(names)] = { PF_SCRUB_SQL, PF_SCRUB_SECRETS };
	yaml_node_t *n = ec->v[K_SCRUB];
	unsigned idx;

	if (!n)
		return 0;
	if (n->type == YAML_MAPPING_NODE)
		return pf_expect(ec->c, n, YAML_SEQUENCE_NODE, pf_where(ec, "scrub"),
				 "sql, secrets or a list");
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
	for (unsigned i = 0; i < p->filter.ncond; i++)
		strs |= p->filter.cond[i].is_str && p->filter.cond[i].field != AT_FLD_COMM;
	if (!strs)
		return pf_errat(
			ec->c, ec->k[K_UNREADABLE], ec->base,
			"on_unreadable applies to a filter that compares a string argument, "
			"and %s; remove it",
			p->filter.ncode ? "this one compares none (comm is always readable)" :
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
	    probe_actions(&ec) || probe_rate_sample(&ec) || probe_scrub(&ec) || probe_filter(&ec) ||
	    probe_unreadable(&ec))
		return -1;
	return 0;
}

static int load_probes(struct pf_ctx *c, yaml_node_t *n)
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

static int load_root(struct pf_ctx *c, yaml_node_t *root)
{
	enum { R_TARGETS, R_PROBES, R_OUTPUT, R_LIMITS, R_N };
	static const char *const keys[R_N] = {
		[R_TARGETS] = "targets", [R_PROBES] = "probes", [R_OUTPUT] = "output", [R_LIMITS] = "limits"
	};
	yaml_node_t *v[R_N], *k[R_N];

	if (pf_expect(c, root, YAML_MAPPING_NODE, "top level",
		      "a mapping with targets, probes, output and limits") ||
	    pf_map_keys(c, root, "top level", keys, ARRAY_SIZE(keys), v, k))
		return -1;
	/* Limits first: filters check their strings against limits.string. */
	if ((v[R_LIMITS] && load_limits(c, v[R_LIMITS])) ||
	    (v[R_TARGETS] && load_targets(c, v[R_TARGETS])) ||
	    (v[R_OUTPUT] && load_output(c, v[R_OUTPUT])))
		return -1;
	if (!v[R_PROBES])
		return pf_errat(c, root, "top level",
				"no 'probes'; add a list of probes (- name: ..., kind: ..., "
				"attach: ...)");
	return load_probes(c, v[R_PROBES]);
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
		pf_errat(&c, yaml_document_get_root_node(&next), "top level",
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
