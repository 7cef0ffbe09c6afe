// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -l: functions and USDT probes of an ELF file and of the libraries a program links. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_file.h"
#include "gopclntab.h"
#include "ldcache.h"
#include "list.h"
#include "target.h"

/* Bounded: a large program links some tens of libraries, transitively. */
#define LIST_LIBS_MAX 256

/* One site of a USDT probe, as collected from a file's notes. */
struct usdt_site {
	const char *provider; /* live as long as the file's elf_file */
	const char *name;
	size_t order; /* note order: the first site of a probe says where it is listed */
};

struct list_ctx {
	FILE *out;
	const char *path;
	const char *glob;
	bool verbose;
	unsigned n;		 /* lines written for the file in hand */
	struct usdt_site *sites; /* matching sites of the file in hand */
	size_t nsites, cap;
	bool nomem;
	char failed[PATH_MAX]; /* the library whose listing failed, for the error */
};

/* The libraries still to list, each file once (by device and inode). */
struct lib_queue {
	char *path[LIST_LIBS_MAX];
	dev_t dev[LIST_LIBS_MAX + 1];
	ino_t ino[LIST_LIBS_MAX + 1];
	unsigned n, seen;
	bool full;
};

static int print_func(void *ctx, const struct elf_func *f)
{
	struct list_ctx *l = ctx;

	fprintf(l->out, "uprobe:%s:%s\n", l->path, f->name);
	l->n++;
	return 0;
}

static int collect_usdt(void *ctx, const struct elf_usdt *u)
{
	struct list_ctx *l = ctx;
	char full[512];

	/* The glob applies to PROVIDER:NAME as well as to NAME alone. */
	snprintf(full, sizeof(full), "%s:%s", u->provider, u->name);
	if (fnmatch(l->glob, full, 0) && fnmatch(l->glob, u->name, 0))
		return 0;
	if (l->nsites == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct usdt_site *p = realloc(l->sites, cap * sizeof(*p));

		if (!p) {
			l->nomem = true;
			return -ENOMEM;
		}
		l->sites = p;
		l->cap = cap;
	}
	l->sites[l->nsites] = (struct usdt_site){ u->provider, u->name, l->nsites };
	l->nsites++;
	return 0;
}

static int cmp_site(const void *a, const void *b)
{
	const struct usdt_site *x = a, *y = b;
	int c = strcmp(x->provider, y->provider);

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* The USDT probes of ef matching the glob, each once, sorted; -v adds its number of sites. */
static int list_usdt(struct list_ctx *l, struct elf_file *ef)
{
	size_t i, j;
	int ret;

	l->nsites = 0;
	ret = elf_file__for_each_usdt(ef, collect_usdt, l);
	if (ret)
		return ret;
	if (l->nsites) /* no sites: no array either, and qsort takes none */
		qsort(l->sites, l->nsites, sizeof(*l->sites), cmp_site);
	for (i = 0; i < l->nsites; i = j) {
		for (j = i + 1;
		     j < l->nsites && !strcmp(l->sites[j].provider, l->sites[i].provider) &&
		     !strcmp(l->sites[j].name, l->sites[i].name);
		     j++)
			;
		fprintf(l->out, "usdt:%s:%s:%s", l->path, l->sites[i].provider, l->sites[i].name);
		if (l->verbose)
			fprintf(l->out, " (%zu site%s)", j - i, j - i == 1 ? "" : "s");
		fputc('\n', l->out);
		l->n++;
	}
	return 0;
}

/* Adds path unless its file is already queued (or is the program itself). */
static void queue_add(struct lib_queue *q, const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	for (unsigned i = 0; i < q->seen; i++)
		if (q->dev[i] == st.st_dev && q->ino[i] == st.st_ino)
			return;
	if (q->n == LIST_LIBS_MAX) {
		q->full = true;
		return;
	}
	q->dev[q->seen] = st.st_dev;
	q->ino[q->seen] = st.st_ino;
	q->seen++;
	q->path[q->n] = strdup(path);
	if (q->path[q->n])
		q->n++;
}

/* Marks the program itself as seen, so that a library linking it back does not list it. */
static void queue_self(struct lib_queue *q, const char *path)
{
	struct stat st;

	if (!stat(path, &st)) {
		q->dev[q->seen] = st.st_dev;
		q->ino[q->seen] = st.st_ino;
		q->seen++;
	}
}

static bool same_name(const char *a, const char *b)
{
	return !strcmp(a, b);
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/*
 * name in one of the ':'-separated directories of a DT_RUNPATH or DT_RPATH,
 * $ORIGIN (or ${ORIGIN}) standing for the directory of obj, the file that
 * needs it; other directories are under root. 0 or -ENOENT.
 */
static int in_search_path(const char *root, const char *obj, const char *list, const char *name,
			  char *out, size_t len)
{
	char dir[PATH_MAX], origin[PATH_MAX];
	const char *p = list, *end, *slash = strrchr(obj, '/');
	size_t n;

	snprintf(origin, sizeof(origin), "%.*s", slash ? (int)(slash - obj) : 1, slash ? obj : ".");
	while (*p) {
		end = strchr(p, ':');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n && n < sizeof(dir)) {
			const char *rest = NULL;

			snprintf(dir, sizeof(dir), "%.*s", (int)n, p);
			if (!strncmp(dir, "$ORIGIN", 7))
				rest = dir + 7;
			else if (!strncmp(dir, "${ORIGIN}", 9))
				rest = dir + 9;
			/* $LIB and $PLATFORM are the loader's own: left out, as is a relative entry. */
			if (rest && !strchr(rest, '$') &&
			    (size_t)snprintf(out, len, "%s%s/%s", origin, rest, name) < len &&
			    is_file(out))
				return 0;
			if (!rest && dir[0] == '/' && !strchr(dir, '$') &&
			    (size_t)snprintf(out, len, "%s%s/%s", root, dir, name) < len &&
			    is_file(out))
				return 0;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

/*
 * Where ld.so finds a DT_NEEDED name of obj (a path under root): a name with
 * a '/' as it is; else obj's DT_RPATH (when it has no DT_RUNPATH), its
 * DT_RUNPATH, root's linker cache, then the default directories. The result is
 * a path to open (root included). 0 or -ENOENT.
 */
static int find_needed(const char *root, const char *obj, const struct elf_dyn *d, const char *name,
		       char *out, size_t len)
{
	char path[PATH_MAX];

	if (strchr(name, '/'))
		return (size_t)snprintf(out, len, "%s%s", *name == '/' ? root : "", name) < len &&
				       is_file(out) ?
			       0 :
			       -ENOENT;
	if (!d->runpath && d->rpath && !in_search_path(root, obj, d->rpath, name, out, len))
		return 0;
	if (d->runpath && !in_search_path(root, obj, d->runpath, name, out, len))
		return 0;
	if (!ldcache_find(root, name, same_name, path, sizeof(path)) ||
	    !ldcache_find_dirs(root, name, same_name, path, sizeof(path)))
		return (size_t)snprintf(out, len, "%s%s", root, path) < len ? 0 : -ENOENT;
	return -ENOENT;
}

/* Queues the libraries obj needs; with -v, says which cannot be found. */
static void queue_needed(struct lib_queue *q, const char *root, const char *obj,
			 const struct elf_dyn *d, bool verbose)
{
	char path[PATH_MAX];

	for (unsigned i = 0; i < d->nneeded; i++) {
		if (!find_needed(root, obj, d, d->needed[i], path, sizeof(path)))
			queue_add(q, path);
		else if (verbose)
			fprintf(stderr, "agent-trace: -l: %s (needed by %s): not found\n",
				d->needed[i], obj);
	}
}

/*
 * The USDT probes of the libraries a program links, transitively, each
 * library once, in the order ld.so would load them (breadth first).
 */
static int list_libraries(struct list_ctx *l, struct elf_file *prog, const char *prog_path,
			  const char *root)
{
	struct lib_queue q = {};
	struct elf_dyn d;
	char why[512];
	int ret = 0;

	elf_file__dynamic(prog, &d);
	if (!d.interp)
		return 0;
	queue_self(&q, prog_path);
	queue_needed(&q, root, prog_path, &d, l->verbose);
	for (unsigned i = 0; i < q.n && !ret; i++) {
		struct elf_file *ef = elf_file__open(q.path[i], why, sizeof(why));

		if (!ef) {
			if (l->verbose)
				fprintf(stderr, "agent-trace: -l: %s: %s\n", q.path[i], why);
			continue;
		}
		l->path = q.path[i];
		ret = list_usdt(l, ef);
		if (ret) {
			snprintf(l->failed, sizeof(l->failed), "%s", q.path[i]);
			l->path = l->failed;
		}
		elf_file__dynamic(ef, &d);
		queue_needed(&q, root, q.path[i], &d, l->verbose);
		elf_file__close(ef);
	}
	if (q.full && l->verbose)
		fprintf(stderr, "agent-trace: -l: more than %d libraries: the rest left out\n",
			LIST_LIBS_MAX);
	for (unsigned i = 0; i < q.n; i++)
		free(q.path[i]);
	return ret;
}

int list_probes(FILE *out, const char *pattern, pid_t pid, bool verbose, char *err, size_t errlen)
{
	char target[PATH_MAX] = "", path[PATH_MAX], root[64], why[512];
	const char *colon = strrchr(pattern, ':');
	struct list_ctx l = { .out = out, .path = path, .verbose = verbose };
	struct elf_file *ef;
	int ret;

	if (colon) {
		snprintf(target, sizeof(target), "%.*s", (int)(colon - pattern), pattern);
		l.glob = colon + 1;
	} else if (strchr(pattern, '/')) {
		/* A path alone: everything in it. */
		snprintf(target, sizeof(target), "%s", pattern);
		l.glob = "*";
	} else {
		l.glob = pattern;
	}
	if (!*l.glob)
		l.glob = "*";
	if (!target[0] && !pid) {
		snprintf(err, errlen, "-l '%s': give a target (TARGET:GLOB or a path) or -p PID",
			 pattern);
		return -1;
	}
	if (target_resolve(target, pid, NULL, path, sizeof(path), why, sizeof(why))) {
		/* TARGET:PROVIDER:NAME: a glob over a USDT probe's provider and name. */
		const char *c2 = colon ? memrchr(pattern, ':', colon - pattern) : NULL;
		char t2[PATH_MAX], why2[512];

		snprintf(t2, sizeof(t2), "%.*s", c2 ? (int)(c2 - pattern) : 0, pattern);
		if (!c2 || !t2[0] ||
		    target_resolve(t2, pid, NULL, path, sizeof(path), why2, sizeof(why2))) {
			snprintf(err, errlen, "-l '%s': %s", pattern, why);
			return -1;
		}
		l.glob = c2 + 1;
	}
	ef = elf_file__open(path, why, sizeof(why));
	if (!ef) {
		snprintf(err, errlen, "-l '%s': %s: %s", pattern, path, why);
		return -1;
	}
	ret = elf_file__for_each_func(ef, l.glob, print_func, &l);
	if (!ret)
		ret = list_usdt(&l, ef);
	/* A stripped Go binary whose .gopclntab is bad: say so rather than list nothing. */
	if (!ret && !l.n && *elf_file__go_err(ef)) {
		snprintf(err, errlen, "-l '%s': %s: %s", pattern, path, elf_file__go_err(ef));
		elf_file__close(ef);
		free(l.sites);
		return -1;
	}
	target_root(pid, root, sizeof(root));
	if (!ret)
		ret = list_libraries(&l, ef, path, root);
	elf_file__close(ef);
	free(l.sites);
	if (ret) {
		snprintf(err, errlen, "-l '%s': %s: %s", pattern, l.path,
			 l.nomem ? "out of memory" : "cannot read symbols");
		return -1;
	}
	return 0;
}
