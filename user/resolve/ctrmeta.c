// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A container's name and image from its runtime's files: OCI annotations, containers/storage, docker. */
/*
 * The files are JSON, which libyaml reads (YAML's flow style is a superset
 * of it): one walk over the parser's events hands each scalar value to a
 * callback with the keys above it ("#" for a list's items), so each source
 * is a few comparisons of key paths. Looked up once per container by the
 * caller (targets.c keeps the answers).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "ctrmeta.h"
#include "podmeta.h"
#include "util.h"

#define JW_DEPTH 16 /* deeper nesting is not walked: none of the fields read is below 3 */
#define JW_KEY 128  /* longer keys are cut: none read is that long */
#define READ_MAX (16u << 20)

typedef char jw_keys[JW_DEPTH][JW_KEY];

struct jw_ops {
	/* A scalar value at depth (the number of collections around it) under keys[0..depth-1]. */
	void (*scalar)(void *ctx, int depth, jw_keys keys, const char *v, size_t n);
	/* The collection at depth closed (depth counts those still open); true stops the walk. */
	bool (*end)(void *ctx, int depth);
};

/* Walks text's events; whether the text parsed (up to a stop). */
static bool json_walk(const char *text, size_t len, const struct jw_ops *ops, void *ctx)
{
	bool is_map[JW_DEPTH + 1] = { false }, want_key[JW_DEPTH + 1] = { false }, ok = false;
	jw_keys keys; /* each walk its own: the storage walk runs one inside an entry */
	yaml_parser_t p;
	int depth = 0, skip = 0; /* skip: collections open below JW_DEPTH */

	if (!yaml_parser_initialize(&p))
		return false;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		yaml_event_t ev;
		bool stop = false;

		if (!yaml_parser_parse(&p, &ev))
			break;
		if (ev.type == YAML_STREAM_END_EVENT) {
			ok = true;
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
			if (skip || depth == JW_DEPTH) {
				skip++;
			} else {
				if (depth > 0 && is_map[depth - 1])
					want_key[depth - 1] = true;
				else if (depth > 0)
					strcpy(keys[depth - 1], "#");
				is_map[depth] = ev.type == YAML_MAPPING_START_EVENT;
				want_key[depth] = true;
				depth++;
			}
		} else if (ev.type == YAML_MAPPING_END_EVENT ||
			   ev.type == YAML_SEQUENCE_END_EVENT) {
			if (skip) {
				skip--;
			} else if (depth > 0) {
				depth--;
				stop = ops->end && ops->end(ctx, depth);
			}
		} else if (ev.type == YAML_SCALAR_EVENT && depth > 0 && !skip) {
			const char *s = (const char *)ev.data.scalar.value;
			size_t n = ev.data.scalar.length;

			if (is_map[depth - 1] && want_key[depth - 1]) {
				snprintf(keys[depth - 1], JW_KEY, "%.*s", (int)(n < JW_KEY ? n : 0),
					 s);
				want_key[depth - 1] = false;
			} else {
				if (!is_map[depth - 1])
					strcpy(keys[depth - 1], "#");
				ops->scalar(ctx, depth, keys, s, n);
				want_key[depth - 1] = true;
			}
		}
		yaml_event_delete(&ev);
		if (stop) {
			ok = true;
			break;
		}
	}
	yaml_parser_delete(&p);
	return ok;
}

/* v (n bytes) into dst when it fits and dst is still empty; whether dst holds it. */
static bool put(char *dst, size_t size, const char *v, size_t n)
{
	if (dst[0] || !n || n >= size || memchr(v, '\0', n))
		return false;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return true;
}

#define PUT(dst, v, n) put(dst, sizeof(dst), v, n)

/* OCI annotations */

static void oci_scalar(void *ctx, int depth, jw_keys keys, const char *v, size_t n)
{
	struct ctr_meta *m = ctx;

	if (depth != 2 || strcmp(keys[0], "annotations"))
		return;
	if (!strcmp(keys[1], "io.kubernetes.cri.container-name") ||
	    !strcmp(keys[1], "io.kubernetes.container.name"))
		PUT(m->name, v, n);
	else if (!strcmp(keys[1], "io.kubernetes.cri.image-name") ||
		 !strcmp(keys[1], "io.kubernetes.cri-o.ImageName"))
		PUT(m->image, v, n);
}

bool ctrmeta_parse_oci(const char *text, size_t len, struct ctr_meta *out)
{
	struct ctr_meta m = *out;

	json_walk(text, len, &(struct jw_ops){ .scalar = oci_scalar }, &m);
	*out = m;
	return out->name[0] || out->image[0];
}

/* containers/storage */

struct storage_ctx {
	const char *id;
	char this_id[72], name[CTR_NAME_MAX + 1];
	char *meta; /* the entry's metadata text (malloc'd) */
	struct ctr_meta *out;
	bool found;
};

static void meta_scalar(void *ctx, int depth, jw_keys keys, const char *v, size_t n)
{
	struct ctr_meta *m = ctx;

	if (depth == 1 && !strcmp(keys[0], "image-name"))
		PUT(m->image, v, n);
	else if (depth == 1 && !strcmp(keys[0], "name"))
		PUT(m->name, v, n);
}

static void storage_scalar(void *ctx, int depth, jw_keys keys, const char *v, size_t n)
{
	struct storage_ctx *c = ctx;

	if (depth == 2 && !strcmp(keys[1], "id"))
		PUT(c->this_id, v, n);
	else if (depth == 3 && !strcmp(keys[1], "names"))
		PUT(c->name, v, n); /* the first one stays */
	else if (depth == 2 && !strcmp(keys[1], "metadata") && !c->meta)
		c->meta = strndup(v, n);
}

/* An entry ended: whether it was id's (the walk stops then). */
static bool storage_end(void *ctx, int depth)
{
	struct storage_ctx *c = ctx;

	if (depth != 1)
		return false;
	if (!strcmp(c->this_id, c->id)) {
		struct ctr_meta m = *c->out;

		if (c->meta)
			json_walk(c->meta, strlen(c->meta),
				  &(struct jw_ops){ .scalar = meta_scalar }, &m);
		put(m.name, sizeof(m.name), c->name, strlen(c->name));
		*c->out = m;
		c->found = true;
	}
	free(c->meta);
	c->meta = NULL;
	c->this_id[0] = c->name[0] = '\0';
	return c->found;
}

bool ctrmeta_parse_storage(const char *text, size_t len, const char *id, struct ctr_meta *out)
{
	struct storage_ctx c = { .id = id, .out = out };

	json_walk(text, len, &(struct jw_ops){ .scalar = storage_scalar, .end = storage_end }, &c);
	free(c.meta);
	return c.found && (out->name[0] || out->image[0]);
}

/* docker */

static void docker_scalar(void *ctx, int depth, jw_keys keys, const char *v, size_t n)
{
	struct ctr_meta *m = ctx;

	if (depth == 1 && !strcmp(keys[0], "Name")) {
		/* "/web": docker keeps names under its root. */
		if (n && *v == '/')
			v++, n--;
		PUT(m->name, v, n);
	} else if (depth == 2 && !strcmp(keys[0], "Config") && !strcmp(keys[1], "Image")) {
		PUT(m->image, v, n);
	}
}

bool ctrmeta_parse_docker(const char *text, size_t len, struct ctr_meta *out)
{
	struct ctr_meta m = *out;

	json_walk(text, len, &(struct jw_ops){ .scalar = docker_scalar }, &m);
	*out = m;
	return out->name[0] || out->image[0];
}

/* The node's files */

/* The whole of path (at most READ_MAX bytes), malloc'd, its length in *len; NULL if none. */
static char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t n = 0, cap = 0;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap >= READ_MAX)
				break;
			cap = cap ? cap * 2 : 16384;
			if (!(nb = realloc(buf, cap))) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	if (!n) {
		free(buf);
		return NULL;
	}
	return buf;
}

typedef bool (*parse_fn)(const char *text, size_t len, const char *id, struct ctr_meta *out);

static bool parse_oci_id(const char *text, size_t len, const char *id, struct ctr_meta *out)
{
	(void)id;
	return ctrmeta_parse_oci(text, len, out);
}

static bool parse_docker_id(const char *text, size_t len, const char *id, struct ctr_meta *out)
{
	(void)id;
	return ctrmeta_parse_docker(text, len, out);
}

static void from_file(const char *path, parse_fn parse, const char *id, struct ctr_meta *m)
{
	size_t len;
	char *text = read_all(path, &len);

	if (text)
		parse(text, len, id, m);
	free(text);
}

static bool complete(const struct ctr_meta *m)
{
	return m->name[0] && m->image[0];
}

bool ctrmeta_lookup(const char *oci_dirs, const char *docker_dir, const char *id,
		    struct ctr_meta *out)
{
	const char *list = oci_dirs ? oci_dirs : getenv("AT_OCI_STATE_DIRS"), *d;
	char path[PATH_MAX];
	size_t n;

	*out = (struct ctr_meta){ 0 };
	if (!list || !*list)
		list = PODMETA_OCI_DIRS;
	if (!docker_dir && !((docker_dir = getenv("AT_DOCKER_DIR")) && *docker_dir))
		docker_dir = CTRMETA_DOCKER_DIR;
	while (!complete(out) && (d = list_next(&list, &n))) {
		int dn = (int)n;

		if (dn && snprintf(path, sizeof(path), "%.*s/%s/config.json", dn, d, id) <
				  (int)sizeof(path))
			from_file(path, parse_oci_id, id, out);
		if (dn && snprintf(path, sizeof(path), "%.*s/%s/userdata/config.json", dn, d, id) <
				  (int)sizeof(path))
			from_file(path, parse_oci_id, id, out);
		if (dn && !complete(out) &&
		    snprintf(path, sizeof(path), "%.*s/containers.json", dn, d) < (int)sizeof(path))
			from_file(path, ctrmeta_parse_storage, id, out);
	}
	if (!complete(out) && snprintf(path, sizeof(path), "%s/%s/config.v2.json", docker_dir, id) <
				      (int)sizeof(path))
		from_file(path, parse_docker_id, id, out);
	return out->name[0] || out->image[0];
}
