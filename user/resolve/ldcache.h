/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A library short name in a root's own linker cache (ROOT/etc/ld.so.cache,
 * read as ld.so reads it), so that "libsqlite3" is the container's library
 * in a container and the host's on the host, without running ldconfig (the
 * agent's image has none).
 */
#ifndef AT_LDCACHE_H
#define AT_LDCACHE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The path (as seen under root; root "" is ours) of the first library of this
 * architecture in root's cache whose name matches (matches(soname, name)).
 * 0, -ENOENT, or -errno of reading the cache.
 */
int ldcache_find(const char *root, const char *name, bool (*matches)(const char *, const char *),
		 char *out, size_t len);

/*
 * The same in the directories ld.so searches without a cache (the
 * multiarch ones, then /lib64, /usr/lib64, /lib, /usr/lib): a file under
 * root whose name matches. 0 or -ENOENT.
 */
int ldcache_find_dirs(const char *root, const char *name,
		      bool (*matches)(const char *, const char *), char *out, size_t len);

#endif /* AT_LDCACHE_H */
