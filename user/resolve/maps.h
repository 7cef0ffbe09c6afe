/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A process's mappings, from /proc/PID/maps: which file and offset an address is. */
#ifndef AT_MAPS_H
#define AT_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One mapping of a file (or a named region: [vdso], [stack]). */
struct vma {
	uint64_t start, end; /* [start, end) */
	uint64_t pgoff;	     /* file offset of start */
	uint64_t ino;	     /* the file's inode; 0 for anonymous and named regions */
	uint32_t dev;	     /* the file's device, major << 20 | minor (the kernel's dev_t) */
	bool exec;	     /* mapped executable */
	const char *path;    /* the path as maps shows it ("/usr/lib/...", "[vdso]") */
};

/* The named mappings of one process, sorted by start (as maps lists them). */
struct maps {
	struct vma *v;
	size_t n;
	char *names; /* the paths' storage */
};

/*
 * Parses the text of a maps file (len bytes): the mappings that have a path
 * or a [name]; anonymous ones are left out. 0, -EINVAL for a line that is not
 * a maps line, -ENOMEM. maps_free either way.
 */
int maps_parse(const char *text, size_t len, struct maps *m);
/* Reads and parses /proc/PID/maps. 0 or -errno (-ENOENT: the process is gone). */
int maps_read(uint32_t pid, struct maps *m);
void maps_free(struct maps *m);
/* The mapping that holds addr, or NULL. */
const struct vma *maps_find(const struct maps *m, uint64_t addr);

#endif /* AT_MAPS_H */
