// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* glibc's ld.so.cache read directly (the new format, alone or after the old one). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldcache.h"

#define OLD_MAGIC "ld.so-1.7.0"
#define NEW_MAGIC "glibc-ld.so.cache1.1"
/* Bounded: a real cache is some tens of KiB. */
#define CACHE_MAX (16u << 20)

/* glibc's elf/dl-cache.h: the entry flags of this machine's libraries. */
#define FLAG_TYPE_MASK 0x00ff
#define FLAG_ELF_LIBC6 0x0003
#define FLAG_REQUIRED_MASK 0xff00
#if defined(__x86_64__)
#define FLAG_ARCH 0x0300
#elif defined(__aarch64__)
#define FLAG_ARCH 0x0a00
#else
#define FLAG_ARCH 0
#endif

struct new_hdr {
	char magic[sizeof(NEW_MAGIC) - 1];
	uint32_t nlibs, len_strings;
	uint8_t flags, pad[3];
	uint32_t ext_off, unused[3];
};

struct new_entry {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};

struct old_entry {
	int32_t flags;
	uint32_t key, value;
};

static char *read_all(const char *path, size_t *n)
{
	struct stat st;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size <= CACHE_MAX && (buf = malloc((size_t)st.st_size))) {
		*n = 0;
		while (*n < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + *n, (size_t)st.st_size - *n);

			if (r <= 0)
				break;
			*n += (size_t)r;
		}
	}
	close(fd);
	return buf;
}

/* A NUL-terminated string at off of the cache, or NULL when it is not one. */
static const char *str_at(const char *buf, size_t n, size_t base, uint32_t off)
{
	size_t at = base + off;

	if (at >= n || !memchr(buf + at, '\0', n - at))
		return NULL;
	return buf + at;
}

int ldcache_find(const char *root, const char *name, bool (*matches)(const char *, const char *),
		 char *out, size_t len)
{
	char path[PATH_MAX];
	size_t n = 0, base = 0;
	const struct new_hdr *h;
	char *buf;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "%s/etc/ld.so.cache", root);
	buf = read_all(path, &n);
	if (!buf)
		return -ENOENT;
	/* The old format first (glibc before 2.32 wrote both): the new one follows, 8-aligned. */
	if (n >= sizeof(OLD_MAGIC) - 1 + 4 && !memcmp(buf, OLD_MAGIC, sizeof(OLD_MAGIC) - 1)) {
		uint32_t nold;

		memcpy(&nold, buf + 12, sizeof(nold));
		base = 16 + (size_t)nold * sizeof(struct old_entry);
		base = (base + 7) & ~(size_t)7;
	}
	if (base + sizeof(*h) > n || memcmp(buf + base, NEW_MAGIC, sizeof(NEW_MAGIC) - 1))
		goto out;
	h = (const struct new_hdr *)(buf + base);
	if (h->nlibs > (n - base - sizeof(*h)) / sizeof(struct new_entry))
		goto out;
	for (uint32_t i = 0; i < h->nlibs; i++) {
		struct new_entry e;
		const char *key, *value;

		memcpy(&e, buf + base + sizeof(*h) + i * sizeof(e), sizeof(e));
		if ((e.flags & FLAG_TYPE_MASK) != FLAG_ELF_LIBC6 ||
		    (FLAG_ARCH && (e.flags & FLAG_REQUIRED_MASK) != FLAG_ARCH))
			continue;
		key = str_at(buf, n, base, e.key);
		value = str_at(buf, n, base, e.value);
		if (!key || !value || *value != '/' || !matches(key, name) || strlen(value) >= len)
			continue;
		strcpy(out, value);
		ret = 0;
		break;
	}
out:
	free(buf);
	return ret;
}

int ldcache_find_dirs(const char *root, const char *name,
		      bool (*matches)(const char *, const char *), char *out, size_t len)
{
	static const char *const dirs[] = {
#if defined(__x86_64__)
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
#elif defined(__aarch64__)
		"/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu",
#endif
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
		"/usr/local/lib",
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[PATH_MAX];
		struct dirent *e;
		DIR *d;

		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		d = opendir(path);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			if (!matches(e->d_name, name) ||
			    (size_t)snprintf(out, len, "%s/%s", dirs[i], e->d_name) >= len)
				continue;
			snprintf(path, sizeof(path), "%s%s", root, out);
			struct stat st;

			if (stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			closedir(d);
			return 0;
		}
		closedir(d);
	}
	return -ENOENT;
}
