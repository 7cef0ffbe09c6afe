// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Pod and container names from the OCI config.json's annotations and the kubelet's log tree. */
/*
 * Each container is looked up once, when its first record is decoded: a few
 * opens and, for the log tree, one read of /var/log/pods and one of
 * /var/log/containers (a node's hundreds of entries). The config.json is
 * JSON, which libyaml reads (YAML's flow style is a superset of it, tabs
 * included); only the top-level "annotations" object is kept. Entries live in
 * a set-associative table (PODMETA_WAYS a set, the oldest-filled replaced):
 * bounded, no per-entry allocation.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "podmeta.h"
#include "util.h"

#define PODMETA_WAYS 4u
/* A config.json is a few KiB (the process's env, mounts, hooks); one past this is not read. */
#define OCI_READ_MAX (1u << 20)
/* Nesting kept track of: an OCI spec nests five or six levels. */
#define DEPTH_MAX 64

/* The annotations each runtime writes, and the field each names. */
static const struct {
	const char *key;
	size_t off, size;
} annotations[] = {
#define F(k, f)                                                                    \
	{                                                                          \
		k, offsetof(struct pod_meta, f), sizeof(((struct pod_meta *)0)->f) \
	}
	F("io.kubernetes.pod.name", pod),
	F("io.kubernetes.pod.namespace", ns),
	F("io.kubernetes.container.name", container),
	F("io.kubernetes.cri.sandbox-name", pod),
	F("io.kubernetes.cri.sandbox-namespace", ns),
	F("io.kubernetes.cri.container-name", container),
#undef F
};

/* A name as Kubernetes allows it: lowercase alphanumerics, '-' and '.'; fits size with its NUL. */
static bool put_name(char *dst, size_t size, const char *s, size_t n)
{
	if (!n || n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '.'))
			return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

static bool annotation(struct pod_meta *out, const char *key, const char *v, size_t n)
{
	for (size_t i = 0; i < sizeof(annotations) / sizeof(annotations[0]); i++)
		if (!strcmp(key, annotations[i].key))
			return put_name((char *)out + annotations[i].off, annotations[i].size, v,
					n);
	return false;
}

bool podmeta_parse_oci(const char *text, size_t len, struct pod_meta *out)
{
	bool is_map[DEPTH_MAX], want_key[DEPTH_MAX], ann = false, set = false, done = false;
	char key[128] = "", top_key[16] = "";
	yaml_parser_t p;
	int depth = 0;

	if (!yaml_parser_initialize(&p))
		return false;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		yaml_event_t ev;
		bool value;

		if (!yaml_parser_parse(&p, &ev))
			break;
		/* A scalar or a collection in a mapping's value place. */
		value = depth > 0 && is_map[depth - 1] && !want_key[depth - 1];
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == DEPTH_MAX) {
				done = true;
				break;
			}
			if (depth > 0 && is_map[depth - 1])
				want_key[depth - 1] = true;
			/* The top level's "annotations": a mapping of strings. */
			ann = depth == 1 && value && ev.type == YAML_MAPPING_START_EVENT &&
			      !strcmp(top_key, "annotations");
			is_map[depth] = ev.type == YAML_MAPPING_START_EVENT;
			want_key[depth] = true;
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (ann && depth == 2)
				ann = false;
			depth--;
			done = depth == 0;
			break;
		case YAML_SCALAR_EVENT: {
			const char *s = (const char *)ev.data.scalar.value;
			size_t n = ev.data.scalar.length;

			if (depth == 0 || !is_map[depth - 1])
				break;
			if (want_key[depth - 1]) {
				if (depth == 1)
					snprintf(top_key, sizeof(top_key), "%.*s",
						 (int)(n < sizeof(top_key) ? n : 0), s);
				if (ann && depth == 2)
					snprintf(key, sizeof(key), "%.*s",
						 (int)(n < sizeof(key) ? n : 0), s);
				want_key[depth - 1] = false;
				break;
			}
			want_key[depth - 1] = true;
			if (ann && depth == 2)
				set |= annotation(out, key, s, n);
			break;
		}
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return set;
}

bool podmeta_parse_pod_dir(const char *name, const char *uid, struct pod_meta *out)
{
	size_t n = strlen(name), un = strlen(uid);
	const char *us, *last;

	/* NAMESPACE_POD_UID: the UID after the last '_', the namespace before the first. */
	if (un != CG_UID_LEN || n < un + 4 || name[n - un - 1] != '_' || strcmp(name + n - un, uid))
		return false;
	last = name + n - un - 1;
	us = memchr(name, '_', (size_t)(last - name));
	if (!us || us == name || us + 1 == last)
		return false;
	return put_name(out->ns, sizeof(out->ns), name, (size_t)(us - name)) &&
	       put_name(out->pod, sizeof(out->pod), us + 1, (size_t)(last - us - 1));
}

bool podmeta_parse_container_log(const char *name, const char *pod, const char *ns, const char *id,
				 struct pod_meta *out)
{
	size_t n = strlen(name), pn = strlen(pod), nn = strlen(ns), in = strlen(id);
	size_t head = pn + 1 + nn + 1, tail = 1 + in + 4;

	/* POD_NAMESPACE_CONTAINER-ID.log */
	if (!pn || !nn || in != CG_ID_LEN || n <= head + tail || strncmp(name, pod, pn) ||
	    name[pn] != '_' || strncmp(name + pn + 1, ns, nn) || name[head - 1] != '_' ||
	    name[n - tail] != '-' || strncmp(name + n - tail + 1, id, in) ||
	    strcmp(name + n - 4, ".log"))
		return false;
	return put_name(out->container, sizeof(out->container), name + head, n - tail - head);
}

/* The cache */

struct podmeta_entry {
	char key[CG_ID_LEN + 1]; /* the container id, or the pod UID; "" unused */
	struct pod_meta m;
	bool named; /* m names something */
};

struct podmeta_cache {
	char *pods_dir, *containers_dir, *oci_dirs;
	struct podmeta_entry *e;
	uint8_t *next; /* per set: the way filled next */
	uint32_t nset; /* a power of two */
	struct podmeta_stats st;
	char buf[OCI_READ_MAX];
};

static char *dup_opt(const char *v, const char *env, const char *def)
{
	const char *e = env ? getenv(env) : NULL;

	return strdup(v ? v : e && e[0] ? e : def);
}

struct podmeta_cache *podmeta_cache__new(const struct podmeta_opts *opts)
{
	struct podmeta_opts o = opts ? *opts : (struct podmeta_opts){ 0 };
	struct podmeta_cache *c = calloc(1, sizeof(*c));
	uint32_t max;

	if (!c)
		return NULL;
	max = o.max_entries ? o.max_entries : PODMETA_MAX_DEFAULT;
	for (c->nset = 1; c->nset * PODMETA_WAYS < max && c->nset < (1u << 24);)
		c->nset <<= 1;
	c->pods_dir = dup_opt(o.pods_dir, "AT_PODS_LOG_DIR", PODMETA_PODS_DIR);
	c->containers_dir =
		dup_opt(o.containers_dir, "AT_CONTAINERS_LOG_DIR", PODMETA_CONTAINERS_DIR);
	c->oci_dirs = dup_opt(o.oci_dirs, "AT_OCI_STATE_DIRS", PODMETA_OCI_DIRS);
	c->e = calloc((size_t)c->nset * PODMETA_WAYS, sizeof(*c->e));
	c->next = calloc(c->nset, 1);
	if (!c->pods_dir || !c->containers_dir || !c->oci_dirs || !c->e || !c->next) {
		podmeta_cache__free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->st.max = c->nset * PODMETA_WAYS;
	return c;
}

void podmeta_cache__free(struct podmeta_cache *c)
{
	if (!c)
		return;
	free(c->pods_dir);
	free(c->containers_dir);
	free(c->oci_dirs);
	free(c->e);
	free(c->next);
	free(c);
}

/* The whole file at path into c->buf (cut at OCI_READ_MAX: then not a whole object). Bytes or -1. */
static ssize_t read_file(struct podmeta_cache *c, const char *path)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	while (n < sizeof(c->buf)) {
		ssize_t r = read(fd, c->buf + n, sizeof(c->buf) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	return (ssize_t)n;
}

/* The first config.json of id in the state directories, its annotations into m. */
static bool from_oci(struct podmeta_cache *c, const char *id, struct pod_meta *m)
{
	static const char *const bundle[] = { "config.json", "userdata/config.json" };
	const char *list = c->oci_dirs, *d;
	size_t dn;

	while ((d = list_next(&list, &dn))) {
		char path[PATH_MAX];

		for (size_t i = 0; dn && i < 2; i++) {
			ssize_t n;

			if (snprintf(path, sizeof(path), "%.*s/%s/%s", (int)dn, d, id, bundle[i]) >=
			    (int)sizeof(path))
				continue;
			n = read_file(c, path);
			if (n > 0)
				return podmeta_parse_oci(c->buf, (size_t)n, m);
		}
	}
	return false;
}

/* The container of pod dir (in pods_dir) whose N.log link's target names id, into m. */
static bool from_log_links(struct podmeta_cache *c, const char *pod_dir, const char *id,
			   struct pod_meta *m)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *d, *f;
	bool found = false;
	DIR *pd, *cd;

	if (snprintf(path, sizeof(path), "%s/%s", c->pods_dir, pod_dir) >= (int)sizeof(path))
		return false;
	pd = opendir(path);
	if (!pd)
		return false;
	while (!found && (d = readdir(pd))) {
		if (d->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s/%s", c->pods_dir, pod_dir, d->d_name) >=
			    (int)sizeof(path) ||
		    !(cd = opendir(path)))
			continue;
		while (!found && (f = readdir(cd))) {
			size_t fn = strlen(f->d_name);
			char link[PATH_MAX];
			ssize_t n;

			if (fn < 5 || strcmp(f->d_name + fn - 4, ".log") ||
			    snprintf(link, sizeof(link), "%s/%s", path, f->d_name) >=
				    (int)sizeof(link))
				continue;
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			found = strstr(target, id) && put_name(m->container, sizeof(m->container),
							       d->d_name, strlen(d->d_name));
		}
		closedir(cd);
	}
	closedir(pd);
	return found;
}

/* The pod of uid in the kubelet's log tree, and the container of id in it (id may be ""). */
static bool from_logs(struct podmeta_cache *c, const char *uid, const char *id, struct pod_meta *m)
{
	struct pod_meta got = { 0 };
	char pod_dir[NAME_MAX + 1] = "";
	struct dirent *d;
	DIR *dir = opendir(c->pods_dir);

	if (!dir)
		return false;
	while ((d = readdir(dir)))
		if (podmeta_parse_pod_dir(d->d_name, uid, &got)) {
			snprintf(pod_dir, sizeof(pod_dir), "%s", d->d_name);
			break;
		}
	closedir(dir);
	if (!pod_dir[0])
		return false;
	if (id[0] && (dir = opendir(c->containers_dir))) {
		while ((d = readdir(dir)))
			if (podmeta_parse_container_log(d->d_name, got.pod, got.ns, id, &got))
				break;
		closedir(dir);
	}
	if (id[0] && !got.container[0])
		from_log_links(c, pod_dir, id, &got);
	/* What the config.json gave stays; the log tree fills the rest. */
	if (!m->ns[0])
		memcpy(m->ns, got.ns, sizeof(m->ns));
	if (!m->pod[0])
		memcpy(m->pod, got.pod, sizeof(m->pod));
	if (!m->container[0])
		memcpy(m->container, got.container, sizeof(m->container));
	return true;
}

static struct podmeta_entry *set_of(const struct podmeta_cache *c, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = key; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ull;
	}
	return &c->e[(size_t)((h >> 32) & (c->nset - 1)) * PODMETA_WAYS];
}

const struct pod_meta *podmeta_cache__get(struct podmeta_cache *c, const struct cgroup_ident *id)
{
	const char *key = id->id[0] ? id->id : id->pod_uid;
	struct podmeta_entry *s, *e;
	uint8_t *next;

	if (!key[0])
		return NULL;
	s = set_of(c, key);
	for (unsigned w = 0; w < PODMETA_WAYS; w++) {
		if (!strcmp(s[w].key, key)) {
			c->st.hits++;
			return s[w].named ? &s[w].m : NULL;
		}
	}
	c->st.misses++;
	next = &c->next[(s - c->e) / PODMETA_WAYS];
	e = &s[*next];
	*next = (uint8_t)((*next + 1) % PODMETA_WAYS);
	if (e->key[0])
		c->st.evictions++;
	else
		c->st.entries++;
	*e = (struct podmeta_entry){ 0 };
	snprintf(e->key, sizeof(e->key), "%s", key);
	if (id->id[0])
		from_oci(c, id->id, &e->m);
	if (id->pod_uid[0] && (!e->m.ns[0] || !e->m.pod[0] || !e->m.container[0]))
		from_logs(c, id->pod_uid, id->id, &e->m);
	e->named = pod_meta_known(&e->m);
	c->st.found += e->named;
	return e->named ? &e->m : NULL;
}

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Field by field: a scrape on another thread reads them while the writer adds. */
void podmeta_cache__stats(const struct podmeta_cache *c, struct podmeta_stats *st)
{
	const struct podmeta_stats *s = &c->st;

	*st = (struct podmeta_stats){ .hits = LD(s->hits),
				      .misses = LD(s->misses),
				      .found = LD(s->found),
				      .evictions = LD(s->evictions),
				      .entries = LD(s->entries),
				      .max = LD(s->max) };
}
