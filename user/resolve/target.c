// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A SPEC's target to a path: /proc/PID/exe and maps, the linker cache, other mount namespaces. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldcache.h"
#include "proc.h"
#include "target.h"

/* Cuts a line read by getline at its newline. */
static void chomp(char *s)
{
	s[strcspn(s, "\n")] = '\0';
}

/* Whether a file's basename names the library NAME: NAME itself, NAME.so..., NAME-1.2.so. */
static bool lib_matches(const char *base, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(base, name, n) &&
	       (base[n] == '\0' || base[n] == '-' || !strncmp(base + n, ".so", 3));
}

static int out_path(char *out, size_t outlen, char *err, size_t errlen, const char *input,
		    const char *prefix, const char *path)
{
	if ((size_t)snprintf(out, outlen, "%s%s", prefix, path) >= outlen) {
		snprintf(err, errlen, "%s: path too long", input);
		return -1;
	}
	return 0;
}

/* Whether pid lives in another mount namespace than ours: its paths need /proc/PID/root. */
static bool other_mnt_ns(int pid)
{
	char a[64], b[64], p[64];
	ssize_t na, nb;

	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", pid);
	na = readlink("/proc/self/ns/mnt", a, sizeof(a));
	nb = readlink(p, b, sizeof(b));
	/* Unreadable (another user's process): assume ours, as most are. */
	return na > 0 && nb > 0 && (na != nb || memcmp(a, b, na));
}

/* The first file mapped by pid whose basename names the library. 0 or -ENOENT. */
static int find_mapped(int pid, const char *name, char *path, size_t len)
{
	char maps[64], *line = NULL, *p, *base;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* "start-end perms offset dev inode   /path": the path is the first '/'. */
		p = strchr(line, '/');
		if (!p)
			continue;
		chomp(p);
		base = strrchr(p, '/') + 1;
		if (lib_matches(base, name) && strlen(p) < len) {
			strcpy(path, p);
			ret = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

/*
 * The main executable of pid. readlink gives a name to show, but it may be
 * " (deleted)" or in another mount namespace: keep it only when it is the very
 * file /proc/PID/exe opens, else use /proc/PID/root or /proc/PID/exe itself.
 */
static int resolve_exe(int pid, char *out, size_t outlen, char *err, size_t errlen)
{
	char exe[64], link[PATH_MAX], root[PATH_MAX + 32];
	struct stat want, st;
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, link, sizeof(link) - 1);
	if (n < 0 || stat(exe, &want)) {
		snprintf(err, errlen, "main executable of pid %d: %s", pid, strerror(errno));
		return -1;
	}
	link[n] = '\0';
	if (!stat(link, &st) && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
		return out_path(out, outlen, err, errlen, link, "", link);
	snprintf(root, sizeof(root), "/proc/%d/root%s", pid, link);
	if (!stat(root, &st) && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
		return out_path(out, outlen, err, errlen, link, "", root);
	return out_path(out, outlen, err, errlen, link, "", exe);
}

void target_root(int pid, char *out, size_t outlen)
{
	if (pid > 0 && other_mnt_ns(pid))
		snprintf(out, outlen, "/proc/%d/root", pid);
	else if (outlen)
		out[0] = '\0';
}

bool target_names_file(const char *target, const char *base)
{
	char lib[NAME_MAX + 1];

	if (lib_matches(base, target))
		return true;
	/* A short name: "ssl" stands for "libssl" too, as in target_resolve. */
	return strncmp(target, "lib", 3) &&
	       (size_t)snprintf(lib, sizeof(lib), "lib%s", target) < sizeof(lib) &&
	       lib_matches(base, lib);
}

int target_resolve(const char *target, int pid, const char *exe_hint, char *out, size_t outlen,
		   char *err, size_t errlen)
{
	char path[PATH_MAX], prefix[48] = "", lib[NAME_MAX + 1];
	const char *names[2] = { target, NULL };
	unsigned i;
	int ret;

	if (pid > 0)
		snprintf(prefix, sizeof(prefix), "/proc/%d/root", pid);

	/* The main executable. */
	if (!*target) {
		if (pid > 0)
			return resolve_exe(pid, out, outlen, err, errlen);
		if (!exe_hint || !*exe_hint) {
			snprintf(err, errlen, "main executable: give a pid or a command");
			return -1;
		}
		ret = proc_find_exec(exe_hint, path, sizeof(path));
		if (ret) {
			snprintf(err, errlen, "%s: %s", exe_hint, strerror(-ret));
			return -1;
		}
		return out_path(out, outlen, err, errlen, exe_hint, "", path);
	}

	/* A path: as is, or as the process sees it. */
	if (strchr(target, '/')) {
		ret = out_path(out, outlen, err, errlen, target, *target == '/' ? prefix : "",
			       target);
		if (!ret && access(out, F_OK)) {
			snprintf(err, errlen, "%s: %s", target, strerror(errno));
			return -1;
		}
		return ret;
	}

	/* A short name: "ssl" stands for "libssl" too. */
	if (strncmp(target, "lib", 3) &&
	    (size_t)snprintf(lib, sizeof(lib), "lib%s", target) < sizeof(lib))
		names[1] = lib;
	for (i = 0; pid > 0 && i < 2 && names[i]; i++) {
		if (!find_mapped(pid, names[i], path, sizeof(path)))
			return out_path(out, outlen, err, errlen, target,
					other_mnt_ns(pid) ? prefix : "", path);
	}
	/* The command about to run, named by its basename ("myapp" for ./build/myapp). */
	if (pid <= 0 && exe_hint &&
	    lib_matches(strrchr(exe_hint, '/') ? strrchr(exe_hint, '/') + 1 : exe_hint, target) &&
	    !proc_find_exec(exe_hint, path, sizeof(path)))
		return out_path(out, outlen, err, errlen, target, "", path);
	/*
	 * Not mapped: the linker cache of the process's own root (a container's
	 * library is not the host's), then the directories ld.so searches.
	 */
	if (pid <= 0 || !other_mnt_ns(pid))
		prefix[0] = '\0';
	for (i = 0; i < 2 && names[i]; i++) {
		if (!ldcache_find(prefix, names[i], lib_matches, path, sizeof(path)) ||
		    !ldcache_find_dirs(prefix, names[i], lib_matches, path, sizeof(path)))
			return out_path(out, outlen, err, errlen, target, prefix, path);
	}
	if (pid > 0)
		snprintf(err, errlen,
			 "%s: no such library mapped in pid %d, in its linker cache or its library "
			 "directories",
			 target, pid);
	else
		snprintf(err, errlen, "%s: no such library in the linker cache", target);
	return -1;
}
