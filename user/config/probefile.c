// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe files: read, bounded, parsed; the top level, targets, output and limits. */
/*
 * libyaml's document API gives the node tree with positions, then
 * one validating function per section fills struct probefile. Every error is
 * one line, "FILE:LINE:COL: WHERE: what is wrong; what would be right", at the
 * offending node. Here: reading the file, the bounds on hostile input, the top
 * level, targets, output and limits. The node checks and the error format are
 * pf_yaml.c, one probe entry pf_probe.c (its attach pf_attach.c), the filter
 * compiler filter.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "pf_probe.h"
#include "metrics.h"
#include "pf_sinks.h"
#include "pf_yaml.h"
#include "probefile.h"
#include "util.h"

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

/* targets, output, limits */

enum { T_PIDS, T_EXE, T_COMM, T_ALL, T_CTRS, T_PODS, T_N }; /* the keys of targets */

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

/* all: true traces every process; false is the same as leaving it out. */
static int target_all(struct pf_ctx *c, const yaml_node_t *it)
{
	const char *s;

	if (pf_get_scalar(c, it, "targets: all", "true or false", &s))
		return -1;
	if (strcmp(s, "true") && strcmp(s, "false"))
		return pf_errat(c, it, "targets: all", "'%.64s' is not true or false", s);
	c->pf->targets.all = !strcmp(s, "true");
	return 0;
}

/* A selector's glob or id into dst (size bytes with its NUL). 0 or -1. */
static int sel_text(struct pf_ctx *c, const yaml_node_t *n, const char *where, char *dst,
		    size_t size)
{
	const char *s;

	if (pf_get_scalar(c, n, where, "a name or glob", &s))
		return -1;
	if (!*s || strlen(s) >= size)
		return pf_errat(c, n, where, "'%.64s' is %zu bytes; give 1 to %zu", s, strlen(s),
				size - 1);
	strcpy(dst, s);
	return 0;
}

/* containers: [{id: PREFIX, name: GLOB, image: GLOB}, ...]: each item's keys all match. */
static int target_ctr(struct pf_ctx *c, const yaml_node_t *it)
{
	enum { C_ID, C_NAME, C_IMAGE, C_N };
	static const char *const keys[C_N] = {
		[C_ID] = "id", [C_NAME] = "name", [C_IMAGE] = "image"
	};
	struct pf_targets *t = &c->pf->targets;
	yaml_node_t *v[C_N], *k[C_N];
	struct pf_ctr_sel *sel;

	if (pf_expect(c, it, YAML_MAPPING_NODE, "targets: containers",
		      "a mapping with id, name or image, e.g. {name: web}") ||
	    pf_map_keys(c, it, "targets: containers", keys, C_N, v, k))
		return -1;
	if (!v[C_ID] && !v[C_NAME] && !v[C_IMAGE])
		return pf_errat(c, it, "targets: containers",
				"an empty selector; give id, name or image");
	if (t->nctrs == PF_MAX_CTRS)
		return pf_errat(c, it, "targets: containers", "more than %d selectors; use globs",
				PF_MAX_CTRS);
	sel = &t->ctrs[t->nctrs];
	*sel = (struct pf_ctr_sel){ 0 };
	if (v[C_ID]) {
		if (sel_text(c, v[C_ID], "targets: containers: id", sel->id, sizeof(sel->id)))
			return -1;
		if (strlen(sel->id) < 4 || strspn(sel->id, "0123456789abcdef") != strlen(sel->id))
			return pf_errat(c, v[C_ID], "targets: containers: id",
					"'%.64s' is not a container id; give 4 to 64 lowercase "
					"hex digits of it",
					sel->id);
	}
	if ((v[C_NAME] &&
	     sel_text(c, v[C_NAME], "targets: containers: name", sel->name, sizeof(sel->name))) ||
	    (v[C_IMAGE] &&
	     sel_text(c, v[C_IMAGE], "targets: containers: image", sel->image, sizeof(sel->image))))
		return -1;
	t->nctrs++;
	return 0;
}

/* pods: [{namespace: GLOB, name: GLOB}, ...]. */
static int target_pod(struct pf_ctx *c, const yaml_node_t *it)
{
	enum { P_NS, P_NAME, P_N };
	static const char *const keys[P_N] = { [P_NS] = "namespace", [P_NAME] = "name" };
	struct pf_targets *t = &c->pf->targets;
	yaml_node_t *v[P_N], *k[P_N];
	struct pf_pod_sel *sel;

	if (pf_expect(c, it, YAML_MAPPING_NODE, "targets: pods",
		      "a mapping with namespace and/or name, e.g. {namespace: shop, name: "
		      "checkout-*}") ||
	    pf_map_keys(c, it, "targets: pods", keys, P_N, v, k))
		return -1;
	if (!v[P_NS] && !v[P_NAME])
		return pf_errat(c, it, "targets: pods",
				"an empty selector; give namespace or name");
	if (t->npods == PF_MAX_PODS)
		return pf_errat(c, it, "targets: pods", "more than %d selectors; use globs",
				PF_MAX_PODS);
	sel = &t->pods[t->npods];
	*sel = (struct pf_pod_sel){ 0 };
	if ((v[P_NS] &&
	     sel_text(c, v[P_NS], "targets: pods: namespace", sel->ns, sizeof(sel->ns))) ||
	    (v[P_NAME] &&
	     sel_text(c, v[P_NAME], "targets: pods: name", sel->name, sizeof(sel->name))))
		return -1;
	t->npods++;
	return 0;
}

static int load_targets(struct pf_ctx *c, yaml_node_t *n)
{
	static const char *const keys[T_N] = {
		[T_PIDS] = "pids", [T_EXE] = "exe",	    [T_COMM] = "comm",
		[T_ALL] = "all",   [T_CTRS] = "containers", [T_PODS] = "pods"
	};
	static int (*const add[T_N])(struct pf_ctx *, const yaml_node_t *) = {
		[T_PIDS] = target_pid, [T_EXE] = target_exe,  [T_COMM] = target_comm,
		[T_ALL] = target_all,  [T_CTRS] = target_ctr, [T_PODS] = target_pod
	};
	yaml_node_t *v[T_N], *k[T_N];

	if (pf_expect(c, n, YAML_MAPPING_NODE, "targets",
		      "a mapping with all, pids, exe, comm, containers or pods"))
		return -1;
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
	enum { O_FORMAT, O_FILE, O_METRICS, O_FLUSH, O_SINKS, O_N };
	static const char *const keys[O_N] = { [O_FORMAT] = "format",
					       [O_FILE] = "file",
					       [O_METRICS] = "metrics",
					       [O_FLUSH] = "flush_timeout",
					       [O_SINKS] = "sinks" };
	static const char *const formats[] = { [PF_FMT_TEXT] = "text", [PF_FMT_JSON] = "json" };
	struct pf_output *o = &c->pf->output;
	yaml_node_t *v[O_N], *k[O_N];
	unsigned fmt;
	const char *s;

	if (pf_expect(c, n, YAML_MAPPING_NODE, "output",
		      "a mapping with format, file, metrics, flush_timeout or sinks") ||
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
	if (v[O_METRICS]) {
		struct metrics_addr a;
		char why[256];

		if (pf_get_scalar(c, v[O_METRICS], "output: metrics", "ADDR:PORT", &s))
			return -1;
		if (strlen(s) >= sizeof(o->metrics) || metrics_parse_addr(s, &a, why, sizeof(why)))
			return pf_errat(c, v[O_METRICS], "output: metrics",
					"'%.64s' is not ADDR:PORT (e.g. 127.0.0.1:9464)", s);
		strcpy(o->metrics, s);
	}
	if (v[O_FLUSH]) {
		if (pf_get_duration(c, v[O_FLUSH], "output: flush_timeout", 0, &o->exp.shutdown_ns))
			return -1;
		o->exp.has_shutdown = true;
	}
	if (v[O_SINKS] && pf_load_sinks(c, v[O_SINKS], &o->exp))
		return -1;
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
	enum {
		L_RINGBUF,
		L_STRING,
		L_PROCESSES,
		L_THREAD_STATE,
		L_QUEUE,
		L_EXE_FILES,
		L_FOLLOWED,
		L_FOLLOWED_FILES,
		L_NAMESPACES,
		L_CANDIDATES,
		L_N
	};
	static const char *const keys[L_N] = {
		[L_RINGBUF] = "ringbuf",       [L_STRING] = "string",
		[L_PROCESSES] = "processes",   [L_THREAD_STATE] = "thread_state",
		[L_QUEUE] = "queue",	       [L_EXE_FILES] = "exe_files",
		[L_FOLLOWED] = "followed",     [L_FOLLOWED_FILES] = "followed_files",
		[L_NAMESPACES] = "namespaces", [L_CANDIDATES] = "candidates",
	};
	/* The tables of the node-wide agent: what each holds, its bound. */
	static const struct {
		unsigned key, max;
		const char *what;
	} tables[] = {
		{ L_FOLLOWED, 1 << 20,
		  "a number of processes followed into their files, 1 to 1048576" },
		{ L_FOLLOWED_FILES, 1 << 16,
		  "a number of files followed processes use, 1 to 65536" },
		{ L_NAMESPACES, 1 << 20,
		  "a number of mount namespaces with a verdict, 1 to 1048576" },
		{ L_CANDIDATES, 1 << 16, "a number of candidates' accounting entries, 1 to 65536" },
	};
	unsigned *table_of[L_N] = { [L_FOLLOWED] = &c->pf->limits.followed,
				    [L_FOLLOWED_FILES] = &c->pf->limits.followed_files,
				    [L_NAMESPACES] = &c->pf->limits.namespaces,
				    [L_CANDIDATES] = &c->pf->limits.candidates };
	struct pf_limits *l = &c->pf->limits;
	yaml_node_t *v[L_N], *k[L_N];
	char what[64];
	long long x;

	if (pf_expect(c, n, YAML_MAPPING_NODE, "limits",
		      "a mapping with ringbuf, string, processes, thread_state, queue, "
		      "exe_files, followed, followed_files, namespaces or candidates") ||
	    pf_map_keys(c, n, "limits", keys, ARRAY_SIZE(keys), v, k))
		return -1;
	if (v[L_RINGBUF] && get_ringbuf(c, v[L_RINGBUF], &l->ringbuf_bytes))
		return -1;
	if (v[L_STRING]) {
		/* As -s: past the inline AT_STR_MAX, the rest is read as the record is sent. */
		snprintf(what, sizeof(what), "bytes per captured string, 1 to %d", AT_CAP_MAX);
		if (pf_get_int(c, v[L_STRING], "limits: string", 1, AT_CAP_MAX, what, &x))
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
	if (v[L_EXE_FILES]) {
		if (pf_get_int(c, v[L_EXE_FILES], "limits: exe_files", 1, AT_TARGET_INODES_LIMIT,
			       "a number of executable files targets.exe may match, 1 to 1048576",
			       &x))
			return -1;
		l->exe_files = (unsigned)x;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		char where[48];

		if (!v[tables[i].key])
			continue;
		snprintf(where, sizeof(where), "limits: %s", keys[tables[i].key]);
		if (pf_get_int(c, v[tables[i].key], where, 1, tables[i].max, tables[i].what, &x))
			return -1;
		*table_of[tables[i].key] = (unsigned)x;
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
	return pf_load_probes(c, v[R_PROBES]);
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

/* What the bounds keep while the stream is read. */
struct pf_bound {
	struct pf_anchor anchors[ANCHORS_MAX]; /* complete anchors: the name and what it holds */
	size_t start[DEPTH_MAX];	       /* nodes seen before each open collection */
	char *open_anchor[DEPTH_MAX];	       /* each open collection's anchor, or NULL */
	size_t nodes;			       /* so far, each alias counted as what it names */
	unsigned depth, nanchors, nopen;       /* open collections, complete and open anchors */
};

static void bound_close(struct pf_bound *b)
{
	if (!b->depth)
		return;
	b->depth--;
	/* The collection is complete: its anchor now names all of it. */
	if (b->open_anchor[b->depth]) {
		b->anchors[b->nanchors].name = b->open_anchor[b->depth];
		b->anchors[b->nanchors++].nodes = b->nodes - b->start[b->depth];
		b->nopen--;
	}
}

/* A collection opened or an anchor defined (or neither): refused past the bounds. */
static int bound_open(struct pf_ctx *c, struct pf_bound *b, const yaml_event_t *ev,
		      const unsigned char *anchor, bool collection)
{
	char *name;

	/* Anchors of collections still open count too: they join the table at their end. */
	if (anchor && b->nanchors + b->nopen >= ANCHORS_MAX)
		return fail_at(c, ev, "more than 256 anchors (&name)");
	if (collection && b->depth == DEPTH_MAX)
		return fail_at(c, ev, "nesting deeper than 64");
	if (!collection && !anchor)
		return 0;
	name = anchor ? strdup((const char *)anchor) : NULL;
	if (collection) {
		b->start[b->depth] = b->nodes++;
		b->open_anchor[b->depth++] = name;
		b->nopen += anchor != NULL;
	} else {
		b->anchors[b->nanchors].name = name;
		b->anchors[b->nanchors++].nodes = 1;
	}
	if (anchor && !name)
		return fail(c->err, c->errlen, "%s: out of memory", c->name);
	return 0;
}

/* One event counted: 1 at the stream's end, 0 to read on, -1 when refused. */
static int bound_event(struct pf_ctx *c, struct pf_bound *b, const yaml_event_t *ev)
{
	const unsigned char *anchor = NULL;
	bool collection = false;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		collection = true;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		collection = true;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		bound_close(b);
		break;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		b->nodes++;
		break;
	case YAML_ALIAS_EVENT:
		b->nodes +=
			alias_nodes(b->anchors, b->nanchors, (const char *)ev->data.alias.anchor);
		break;
	default:
		break;
	}
	if (bound_open(c, b, ev, anchor, collection))
		return -1;
	if (b->nodes > NODES_MAX)
		return fail_at(c, ev,
			       "more than 65536 YAML nodes (an alias counts as what it names); a "
			       "probe file needs far fewer");
	return 0;
}

/*
 * Reads the event stream once, before any tree is built, and refuses nesting
 * deeper than DEPTH_MAX, more than NODES_MAX nodes (an alias counts as the
 * nodes it names, so a billion laughs is refused too) and more than
 * ANCHORS_MAX anchors. Syntax errors are reported here as the loader would.
 */
static int bound_events(struct pf_ctx *c, size_t len)
{
	struct pf_bound b = { .nodes = 0 };
	yaml_parser_t y;
	yaml_event_t ev;
	int ret = 0;

	if (!yaml_parser_initialize(&y))
		return fail(c->err, c->errlen, "%s: out of memory", c->name);
	yaml_parser_set_input_string(&y, (const unsigned char *)c->text, len);
	while (!ret) {
		if (!yaml_parser_parse(&y, &ev)) {
			ret = yaml_fail(c, &y);
			break;
		}
		ret = bound_event(c, &b, &ev);
		yaml_event_delete(&ev);
	}
	while (b.depth-- > 0)
		free(b.open_anchor[b.depth]);
	while (b.nanchors-- > 0)
		free(b.anchors[b.nanchors].name);
	yaml_parser_delete(&y);
	return ret < 0 ? -1 : 0;
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
