/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A path in a process's mount namespace to the file uprobes attach to. A
 * uprobe sits on an inode, and under an overlay (a container's root) it is
 * the layer's inode, not the one stat shows through the overlay: two
 * containers from one image show two overlay inodes for one layer file, and
 * a uprobe put through each would fire twice per call. So the file is looked
 * up in the overlay's layers (upperdir, then each lowerdir, as overlayfs
 * does) through the process's mountinfo.
 */
#ifndef AT_REALFILE_H
#define AT_REALFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A file as uprobes see it. */
struct file_key {
	uint64_t dev, ino; /* the inode's; dev 0 when only the overlay's inode number is known */
	uint64_t size;	   /* with dev 0: size and mtime tell files apart */
	int64_t mtime_ns;
};

/*
 * The file path names in pid's mount namespace (path absolute, as pid sees
 * it; pid 0: ours): its key, and a path to it usable from here (a layer's
 * file, or /proc/PID/root/...) in attach (PATH_MAX bytes). When the layers
 * cannot be read from here (an agent in a container without the host's
 * storage mounted), the overlay's inode number with the file's size and
 * mtime is the key (dev 0). 0 or -errno.
 */
int realfile(pid_t pid, const char *path, char *attach, size_t len, struct file_key *key);

bool file_key_eq(const struct file_key *a, const struct file_key *b);

#endif /* AT_REALFILE_H */
