// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A process's path to the inode uprobes attach to: overlay layers looked up as overlayfs does. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "realfile.h"

#define OVERLAYFS_MAGIC 0x794c7630

/* mountinfo escapes space, tab, newline and backslash as \ooo: undone in place. */
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

/* The value of option key= in a comma-separated list, copied into out; NULL when absent. */
static char *opt_value(const char *opts, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (strncmp(p, key, kl) || p[kl] != '=')
			continue;
		p += kl + 1;
		size_t n = strcspn(p, ",");

		if (n >= len)
			return NULL;
		memcpy(out, p, n);
		out[n] = '\0';
		return out;
	}
	return NULL;
}

/* Whether dir/rel is there and not a whiteout (a 0/0 character device hides a lower file). */
static int layer_file(const char *dir, const char *rel, char *out, size_t len, struct stat *st)
{
	struct stat lst;

	if ((size_t)snprintf(out, len, "%s%s", dir, rel) >= len)
		return -ENAMETOOLONG;
	if (lstat(out, &lst))
		return -errno;
	if (S_ISCHR(lst.st_mode) && lst.st_rdev == 0)
		return -ENOENT;
	return stat(out, st) ? -errno : 0;
}

/*
 * The overlay mount of pid holding path (the longest mount point that
 * prefixes it), and the layer file path is in: 0 with out and st, or -errno.
 */
static int overlay_layer(pid_t pid, const char *path, char *out, size_t len, struct stat *st)
{
	char mi[64], *line = NULL, best_rel[PATH_MAX] = "", best_opts[8192] = "";
	size_t cap = 0, best = 0;
	bool found = false;
	FILE *f;

	if (pid > 0)
		snprintf(mi, sizeof(mi), "/proc/%d/mountinfo", pid);
	else
		snprintf(mi, sizeof(mi), "/proc/self/mountinfo");
	f = fopen(mi, "re");
	if (!f)
		return -errno;
	/* "id parent maj:min root mountpoint opts [tags] - fstype source superopts" */
	while (getline(&line, &cap, f) > 0) {
		char *fld[6], *sep, *fstype, *super, *save = NULL, *p = line;
		size_t ml;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " ", &save);
		strtok_r(NULL, " ", &save); /* source */
		super = strtok_r(NULL, " ", &save);
		if (!fstype || !super || strcmp(fstype, "overlay"))
			continue;
		for (char *t = strtok_r(p, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
			fld[n++] = t;
		if (n < 5)
			continue;
		unescape(fld[4]);
		ml = strlen(fld[4]);
		if (!strcmp(fld[4], "/"))
			ml = 0;
		if (strncmp(path, fld[4], ml) || (path[ml] != '/' && path[ml]) ||
		    (found && ml < best))
			continue;
		unescape(fld[3]);
		/* The file's path inside the overlay's own tree: its root, then what follows. */
		if ((size_t)snprintf(best_rel, sizeof(best_rel), "%s%s",
				     strcmp(fld[3], "/") ? fld[3] : "",
				     path + ml) >= sizeof(best_rel) ||
		    strlen(super) >= sizeof(best_opts))
			continue;
		strcpy(best_opts, super);
		best = ml;
		found = true;
	}
	free(line);
	fclose(f);
	if (!found)
		return -ENOENT;

	char dirs[8192], *d, *save = NULL;

	/* The upper layer first, then the lower ones in order: the first that has it wins. */
	if (opt_value(best_opts, "upperdir", dirs, sizeof(dirs))) {
		unescape(dirs);
		if (!layer_file(dirs, best_rel, out, len, st))
			return 0;
	}
	if (!opt_value(best_opts, "lowerdir", dirs, sizeof(dirs)))
		return -ENOENT;
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		unescape(d);
		if (!layer_file(d, best_rel, out, len, st))
			return 0;
	}
	return -ENOENT;
}

/* Whether pid sees the file system as we do (same mount namespace and root): its paths are ours. */
static bool same_root(pid_t pid)
{
	char a[64];
	struct stat m1, m2, r1, r2;

	snprintf(a, sizeof(a), "/proc/%d/ns/mnt", pid);
	if (stat("/proc/self/ns/mnt", &m1) || stat(a, &m2) || m1.st_ino != m2.st_ino)
		return false;
	snprintf(a, sizeof(a), "/proc/%d/root", pid);
	return !stat("/", &r1) && !stat(a, &r2) && r1.st_dev == r2.st_dev && r1.st_ino == r2.st_ino;
}

int realfile(pid_t pid, const char *path, char *attach, size_t len, struct file_key *key)
{
	char p[PATH_MAX + 32];
	struct statfs sf;
	struct stat st, lst;

	/* A path of ours outlives the process: /proc/PID/root goes with it. */
	if (pid > 0 && same_root(pid))
		pid = 0;
	if (pid > 0)
		snprintf(p, sizeof(p), "/proc/%d/root%s", pid, path);
	else
		snprintf(p, sizeof(p), "%s", path);
	if (stat(p, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	if (!statfs(p, &sf) && sf.f_type == OVERLAYFS_MAGIC) {
		/* The layer's file is the same one when its inode number is the overlay's. */
		if (!overlay_layer(pid, path, attach, len, &lst) && S_ISREG(lst.st_mode)) {
			key->dev = lst.st_dev;
			key->ino = lst.st_ino;
			return 0;
		}
		key->ino = st.st_ino;
		key->size = (uint64_t)st.st_size;
		key->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	} else {
		key->dev = st.st_dev;
		key->ino = st.st_ino;
	}
	if (strlen(p) >= len)
		return -ENAMETOOLONG;
	strcpy(attach, p);
	return 0;
}

bool file_key_eq(const struct file_key *a, const struct file_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}
