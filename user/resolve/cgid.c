// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The cgroup-id identity cache: cgroup v2 id to directory path to container, bounded. */
/*
 * A record's cgroup id is the inode number of its cgroup's directory in the
 * cgroup2 mount (kernfs gives each cgroup its id as inode). Unlike the pid
 * it stays meaningful after the process is gone, as long as the cgroup
 * exists, and a container's cgroup outlives its short-lived processes. The
 * path is found from the record's process when it is still there (one read
 * and one stat), else by walking the tree; either way the answer is parsed
 * once and kept. The table is set-associative (CGID_WAYS entries a set, the
 * oldest-filled way replaced): bounded, no per-entry allocation.
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

#include "cgid.h"

#define CGID_WAYS 4u
/* Deeper trees are not walked further: kubelet's nests five levels, systemd's fewer. */
#define WALK_DEPTH 32
/* /proc/PID/cgroup on a hybrid layout: a dozen lines of short paths; longer is cut. */
#define CGROUP_READ_MAX 8192u

struct cgid_entry {
	uint64_t id; /* the key; 0: unused (no cgroup has id 0) */
	struct cgroup_ident ident;
	bool named; /* ident names a container or a pod */
};

struct cgid_cache {
	char *root;
	char *proc_root; /* NULL: no pid hint */
	struct cgid_entry *e;
	uint8_t *next; /* per set: the way filled next */
	uint32_t nset; /* a power of two */
	uint32_t walk_max;
	struct cgid_stats st;
	char path[PATH_MAX]; /* the walk's cgroup path */
	char buf[CGROUP_READ_MAX + 1];
};

struct cgid_cache *cgid_cache__new(const struct cgid_opts *opts)
{
	struct cgid_cache *c;
	uint32_t max;

	if (!opts || !opts->root) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	max = opts->max_entries ? opts->max_entries : CGID_MAX_DEFAULT;
	for (c->nset = 1; c->nset * CGID_WAYS < max && c->nset < (1u << 28);)
		c->nset <<= 1;
	c->walk_max = opts->walk_max ? opts->walk_max : CGID_WALK_DEFAULT;
	c->root = strdup(opts->root);
	c->proc_root = opts->proc_root ? strdup(opts->proc_root) : NULL;
	c->e = calloc((size_t)c->nset * CGID_WAYS, sizeof(*c->e));
	c->next = calloc(c->nset, 1);
	if (!c->root || (opts->proc_root && !c->proc_root) || !c->e || !c->next) {
		cgid_cache__free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->st.max = c->nset * CGID_WAYS;
	return c;
}

void cgid_cache__free(struct cgid_cache *c)
{
	if (!c)
		return;
	free(c->root);
	free(c->proc_root);
	free(c->e);
	free(c->next);
	free(c);
}

static struct cgid_entry *set_of(const struct cgid_cache *c, uint64_t id)
{
	uint64_t h = id * 0x9e3779b97f4a7c15ull;

	return &c->e[(size_t)((h >> 32) & (c->nset - 1)) * CGID_WAYS];
}

static struct cgid_entry *find(const struct cgid_cache *c, uint64_t id)
{
	struct cgid_entry *s = set_of(c, id);

	for (unsigned w = 0; w < CGID_WAYS; w++)
		if (s[w].id == id)
			return &s[w];
	return NULL;
}

/* The entry of id, parsed from path (len bytes; NULL: not found, none). */
static struct cgid_entry *put(struct cgid_cache *c, uint64_t id, const char *path, size_t len)
{
	struct cgid_entry *s = set_of(c, id), *e = find(c, id);
	uint8_t *next = &c->next[(s - c->e) / CGID_WAYS];

	if (!e) {
		e = &s[*next];
		*next = (uint8_t)((*next + 1) % CGID_WAYS);
		if (e->id)
			c->st.evictions++;
		else
			c->st.entries++;
	}
	e->id = id;
	e->named = path && cgroup_parse_path(path, len, &e->ident);
	if (!e->named)
		memset(&e->ident, 0, sizeof(e->ident));
	return e;
}

static const struct cgroup_ident *answer(const struct cgid_entry *e)
{
	return e->named ? &e->ident : NULL;
}

/* The v2 path of pid's /proc/PID/cgroup ("0::PATH") if its directory's inode is id. */
static struct cgid_entry *from_proc(struct cgid_cache *c, uint64_t id, uint32_t pid)
{
	char file[PATH_MAX], *p, *nl;
	struct stat st;
	ssize_t n;
	int fd;

	if (!c->proc_root || !pid ||
	    snprintf(file, sizeof(file), "%s/%u/cgroup", c->proc_root, pid) >= (int)sizeof(file))
		return NULL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, c->buf, CGROUP_READ_MAX);
	close(fd);
	if (n <= 0)
		return NULL;
	c->buf[n] = '\0';
	for (p = c->buf; p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, "0::/", 4))
			continue;
		p += 3;
		if (nl)
			*nl = '\0';
		if (snprintf(file, sizeof(file), "%s%s", c->root, p) >= (int)sizeof(file) ||
		    stat(file, &st) || !S_ISDIR(st.st_mode) || (uint64_t)st.st_ino != id)
			return NULL;
		return put(c, id, p, strlen(p));
	}
	return NULL;
}

/*
 * Walks the directories below dfd (whose cgroup path, len bytes, is in
 * c->path), caching each; stops at want, at the cap (*left) or at depth.
 * Takes dfd. Returns want's entry, or NULL.
 */
static struct cgid_entry *walk(struct cgid_cache *c, int dfd, size_t len, uint64_t want,
			       uint32_t *left, int depth)
{
	struct cgid_entry *found = NULL;
	struct dirent *d;
	DIR *dir = fdopendir(dfd);

	if (!dir) {
		close(dfd);
		return NULL;
	}
	while (!found && *left && (d = readdir(dir))) {
		size_t n = strlen(d->d_name);
		struct stat st;
		int sub;

		if ((d->d_type != DT_DIR && d->d_type != DT_UNKNOWN) || !strcmp(d->d_name, ".") ||
		    !strcmp(d->d_name, "..") || len + 1 + n >= sizeof(c->path))
			continue;
		if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		(*left)--;
		c->st.walk_dirs++;
		c->path[len] = '/';
		memcpy(c->path + len + 1, d->d_name, n + 1);
		if ((uint64_t)st.st_ino == want) {
			found = put(c, want, c->path, len + 1 + n);
			break;
		}
		put(c, (uint64_t)st.st_ino, c->path, len + 1 + n);
		if (depth + 1 >= WALK_DEPTH)
			continue;
		sub = openat(dfd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			found = walk(c, sub, len + 1 + n, want, left, depth + 1);
	}
	closedir(dir);
	return found;
}

/* The tree from the root, the root itself included. */
static struct cgid_entry *from_walk(struct cgid_cache *c, uint64_t id)
{
	uint32_t left = c->walk_max;
	struct stat st;
	int fd;

	c->st.walks++;
	fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_ino == id) {
		close(fd);
		return put(c, id, "/", 1);
	}
	c->path[0] = '\0';
	return walk(c, fd, 0, id, &left, 0);
}

const struct cgroup_ident *cgid_cache__get(struct cgid_cache *c, uint64_t id, uint32_t pid)
{
	struct cgid_entry *e;

	if (!id)
		return NULL;
	e = find(c, id);
	if (e) {
		c->st.hits++;
		return answer(e);
	}
	c->st.lookups++;
	e = from_proc(c, id, pid);
	if (e) {
		c->st.proc_hits++;
		return answer(e);
	}
	e = from_walk(c, id);
	if (e)
		return answer(e);
	c->st.misses++;
	return answer(put(c, id, NULL, 0));
}

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Field by field: a scrape on another thread reads them while the writer adds. */
void cgid_cache__stats(const struct cgid_cache *c, struct cgid_stats *st)
{
	const struct cgid_stats *s = &c->st;

	*st = (struct cgid_stats){ .hits = LD(s->hits),
				   .lookups = LD(s->lookups),
				   .proc_hits = LD(s->proc_hits),
				   .walks = LD(s->walks),
				   .walk_dirs = LD(s->walk_dirs),
				   .misses = LD(s->misses),
				   .evictions = LD(s->evictions),
				   .entries = LD(s->entries),
				   .max = LD(s->max) };
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int cgid_find_mount(const char *mountinfo, char *out, size_t size)
{
	FILE *f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err == -ENOENT && getline(&line, &cap, f) > 0) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPER" */
		char *sep = strstr(line, " - "), *save = NULL, *mnt = NULL, *tok;
		int i = 0;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && i < 4;
		     tok = strtok_r(NULL, " ", &save))
			if (++i == 4)
				mnt = strtok_r(NULL, " ", &save);
		if (!mnt)
			continue;
		unescape(mnt);
		err = strlen(mnt) < size ? 0 : -ENAMETOOLONG;
		if (!err)
			memcpy(out, mnt, strlen(mnt) + 1);
	}
	free(line);
	fclose(f);
	return err;
}
