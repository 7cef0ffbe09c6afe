// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Daemon mode's --config-dir: the directory's probe files read in name order and merged. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probedir.h"
#include "util.h"

/* The keys where the first file that sets one wins, in struct merge's set_by order. */
enum {
	K_FORMAT,
	K_FILE,
	K_METRICS,
	K_FLUSH,
	K_RINGBUF,
	K_STRING,
	K_PROCS,
	K_THREADS,
	K_QUEUE,
	K_N
};

static const char *const key_names[K_N] = {
	[K_FORMAT] = "output: format",	 [K_FILE] = "output: file",
	[K_METRICS] = "output: metrics", [K_FLUSH] = "output: flush_timeout",
	[K_RINGBUF] = "limits: ringbuf", [K_STRING] = "limits: string",
	[K_PROCS] = "limits: processes", [K_THREADS] = "limits: thread_state",
	[K_QUEUE] = "limits: queue",
};

/* The merge so far: each probe's file, for the message when a later file reuses its name. */
struct merge {
	struct probefile *pf;
	const char **origin;	 /* per probe: the path of the file that defined it */
	const char *set_by[K_N]; /* per first-wins key (K_*): the file it was taken from */
};

static bool probe_file_name(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

bool probedir_counts(const char *name)
{
	return name[0] == '.' || probe_file_name(name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int merge_targets(struct pf_targets *t, const struct pf_targets *a, const char *file,
			 const struct probedir_opts *o, char *err, size_t errlen)
{
	/* One file's all: true is the directory's. */
	t->all |= a->all;
	for (unsigned i = 0; i < a->npids; i++) {
		unsigned k = 0;

		if (o->keep_pid && !o->keep_pid(o->ctx, file, a->pids[i]))
			continue;
		while (k < t->npids && t->pids[k] != a->pids[i])
			k++;
		if (k < t->npids)
			continue;
		if (t->npids == PF_MAX_PIDS)
			return fail(err, errlen,
				    "%s: targets: pids: more than %d across the directory", file,
				    PF_MAX_PIDS);
		t->pids[t->npids++] = a->pids[i];
	}
	for (unsigned i = 0; i < a->nexe; i++) {
		unsigned k = 0;

		while (k < t->nexe && strcmp(t->exe[k], a->exe[i]))
			k++;
		if (k < t->nexe)
			continue;
		if (t->nexe == PF_MAX_EXES)
			return fail(err, errlen,
				    "%s: targets: exe: more than %d across the directory", file,
				    PF_MAX_EXES);
		strcpy(t->exe[t->nexe++], a->exe[i]);
	}
	for (unsigned i = 0; i < a->ncomm; i++) {
		unsigned k = 0;

		while (k < t->ncomm && strcmp(t->comm[k], a->comm[i]))
			k++;
		if (k < t->ncomm)
			continue;
		if (t->ncomm == PF_MAX_COMMS)
			return fail(err, errlen,
				    "%s: targets: comm: more than %d across the directory", file,
				    PF_MAX_COMMS);
		strcpy(t->comm[t->ncomm++], a->comm[i]);
	}
	for (unsigned i = 0; i < a->nctrs; i++) {
		unsigned k = 0;

		while (k < t->nctrs && memcmp(&t->ctrs[k], &a->ctrs[i], sizeof(a->ctrs[i])))
			k++;
		if (k < t->nctrs)
			continue;
		if (t->nctrs == PF_MAX_CTRS)
			return fail(err, errlen,
				    "%s: targets: containers: more than %d across the directory",
				    file, PF_MAX_CTRS);
		t->ctrs[t->nctrs++] = a->ctrs[i];
	}
	for (unsigned i = 0; i < a->npods; i++) {
		unsigned k = 0;

		while (k < t->npods && memcmp(&t->pods[k], &a->pods[i], sizeof(a->pods[i])))
			k++;
		if (k < t->npods)
			continue;
		if (t->npods == PF_MAX_PODS)
			return fail(err, errlen,
				    "%s: targets: pods: more than %d across the directory", file,
				    PF_MAX_PODS);
		t->pods[t->npods++] = a->pods[i];
	}
	return 0;
}

static int merge_probes(struct merge *m, const struct probefile *a, const char *file, char *err,
			size_t errlen)
{
	struct probefile *pf = m->pf;
	struct pf_probe *p;
	const char **o;

	if (pf->nprobes + a->nprobes > PF_MAX_PROBES)
		return fail(err, errlen, "%s: more than %d probes across the directory", file,
			    PF_MAX_PROBES);
	for (unsigned i = 0; i < a->nprobes; i++)
		for (unsigned k = 0; k < pf->nprobes; k++)
			if (!strcmp(pf->probes[k].name, a->probes[i].name))
				return fail(err, errlen,
					    "%s:%u:%u: probe '%s' is also defined in %s; probe "
					    "names must be unique across the directory",
					    file, a->probes[i].pos.line, a->probes[i].pos.col,
					    a->probes[i].name, m->origin[k]);
	if (!a->nprobes)
		return 0;
	p = realloc(pf->probes, (pf->nprobes + a->nprobes) * sizeof(*p));
	if (!p)
		return fail(err, errlen, "%s: out of memory", file);
	pf->probes = p;
	o = realloc(m->origin, (pf->nprobes + a->nprobes) * sizeof(*o));
	if (!o)
		return fail(err, errlen, "%s: out of memory", file);
	m->origin = o;
	memcpy(p + pf->nprobes, a->probes, a->nprobes * sizeof(*p));
	for (unsigned i = 0; i < a->nprobes; i++)
		o[pf->nprobes + i] = file;
	pf->nprobes += a->nprobes;
	return 0;
}

/*
 * Whether key k, given in file, is taken: when no earlier file set it; else,
 * when the values differ (!same), one warning line.
 */
static bool first_wins(struct merge *m, unsigned k, const char *file, bool given, bool same,
		       FILE *warn)
{
	if (!given)
		return false;
	if (!m->set_by[k]) {
		m->set_by[k] = file;
		return true;
	}
	if (!same && warn)
		fprintf(warn,
			"agent-trace: %s: %s differs from %s's, which is used (the first file in "
			"name order wins)\n",
			file, key_names[k], m->set_by[k]);
	return false;
}

static void merge_output(struct merge *m, const struct probefile *a, const char *file, FILE *warn)
{
	struct pf_output *o = &m->pf->output;
	const struct pf_output *ao = &a->output;

	if (first_wins(m, K_FORMAT, file, ao->has_format, ao->format == o->format, warn)) {
		o->format = ao->format;
		o->has_format = true;
	}
	if (first_wins(m, K_FILE, file, ao->file[0], !strcmp(ao->file, o->file), warn))
		strcpy(o->file, ao->file);
	if (first_wins(m, K_METRICS, file, ao->metrics[0], !strcmp(ao->metrics, o->metrics), warn))
		strcpy(o->metrics, ao->metrics);
	if (first_wins(m, K_FLUSH, file, ao->exp.has_shutdown,
		       ao->exp.shutdown_ns == o->exp.shutdown_ns, warn)) {
		o->exp.shutdown_ns = ao->exp.shutdown_ns;
		o->exp.has_shutdown = true;
	}
}

/* A limit: 0 is "not given". */
#define MERGE_LIMIT(m, k, field, a, file, warn)                                                  \
	do {                                                                                     \
		if (first_wins(m, k, file, (a)->field != 0, (a)->field == (m)->pf->limits.field, \
			       warn))                                                            \
			(m)->pf->limits.field = (a)->field;                                      \
	} while (0)

static void merge_limits(struct merge *m, const struct pf_limits *a, const char *file, FILE *warn)
{
	MERGE_LIMIT(m, K_RINGBUF, ringbuf_bytes, a, file, warn);
	MERGE_LIMIT(m, K_STRING, str_max, a, file, warn);
	MERGE_LIMIT(m, K_PROCS, processes, a, file, warn);
	MERGE_LIMIT(m, K_THREADS, thread_state, a, file, warn);
	MERGE_LIMIT(m, K_QUEUE, queue, a, file, warn);
}

static int merge_one(struct merge *m, const struct probefile *a, const struct probedir_opts *o,
		     char *err, size_t errlen)
{
	FILE *warn = o->warn;
	const char *file = a->path;
	struct export_config *e = &m->pf->output.exp;

	if (merge_probes(m, a, file, err, errlen) ||
	    merge_targets(&m->pf->targets, &a->targets, file, o, err, errlen))
		return -1;
	if (e->n + a->output.exp.n > SINKS_MAX)
		return fail(err, errlen, "%s: output: sinks: more than %d across the directory",
			    file, SINKS_MAX);
	for (unsigned i = 0; i < a->output.exp.n; i++)
		e->sinks[e->n++] = a->output.exp.sinks[i];
	merge_output(m, a, file, warn);
	merge_limits(m, &a->limits, file, warn);
	return 0;
}

/* The probe files' names in dir, sorted; *n of them. */
static int list_dir(const char *dir, char ***names, unsigned *n, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	unsigned cap = 0;

	*n = 0;
	if (!d)
		return fail(err, errlen, "--config-dir %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!probe_file_name(de->d_name))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[*n] = strdup(de->d_name)))
			goto oom;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), by_name);
	*names = v;
	return 0;
oom:
	closedir(d);
	while (*n)
		free(v[--*n]);
	free(v);
	return fail(err, errlen, "--config-dir %s: out of memory", dir);
}

int probedir_load(const char *dir, FILE *warn, struct probefile **out, char *err, size_t errlen)
{
	struct probedir_opts o = { .warn = warn };

	return probedir_load_opts(dir, &o, out, err, errlen);
}

int probedir_load_opts(const char *dir, const struct probedir_opts *o, struct probefile **out,
		       char *err, size_t errlen)
{
	struct merge m = { .pf = calloc(1, sizeof(*m.pf)) };
	struct probefile **files = NULL;
	char **names = NULL;
	unsigned n = 0;
	int ret = -1;

	*out = NULL;
	if (!m.pf)
		return fail(err, errlen, "--config-dir %s: out of memory", dir);
	snprintf(m.pf->path, sizeof(m.pf->path), "%s", dir);
	if (list_dir(dir, &names, &n, err, errlen))
		goto out;
	files = calloc(n ? n : 1, sizeof(*files));
	if (!files) {
		fail(err, errlen, "--config-dir %s: out of memory", dir);
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		char path[PATH_MAX];

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
			fail(err, errlen, "%s/%s: path too long", dir, names[i]);
			goto out;
		}
		/* Every file parses on its own first: one broken file refuses the whole set. */
		if (probefile_load(path, &files[i], err, errlen))
			goto out;
	}
	for (unsigned i = 0; i < n; i++)
		if (merge_one(&m, files[i], o, err, errlen))
			goto out;
	ret = 0;
	*out = m.pf;
	m.pf = NULL;
out:
	for (unsigned i = 0; i < n; i++) {
		probefile_free(files ? files[i] : NULL);
		free(names[i]);
	}
	free(files);
	free(names);
	free(m.origin);
	probefile_free(m.pf);
	return ret;
}
