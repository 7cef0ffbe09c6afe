/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * -y and -yy: what each traced process's file descriptors are, kept in
 * userspace and changed in stream order by the records of the calls that
 * make, copy and close them. Lines are written after the call, while the
 * process runs on: /proc/PID/fd at print time may already name another file
 * (the fd closed and its number reused) or nothing (the process gone).
 */
#ifndef AT_FDTAB_H
#define AT_FDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "spec.h"

struct event;

/* Processes with a table; a process past it has no paths (counted). */
#define FDTAB_MAX_PROCS 1024
/* Descriptors a table knows, 0 to FDTAB_MAX_FD - 1; a higher one has no path (counted). */
#define FDTAB_MAX_FD 4096
/* Bytes of a path kept (with its NUL); a longer one is cut (strace's PATH_MAX). */
#define FDTAB_PATH_MAX 4096

/* What an fd is, for one line: copied out of the table, valid until the next event. */
struct fd_info {
	const char *path;   /* readlink's form: "/etc/passwd", "socket:[123]", "pipe:[4]" */
	const char *sock;   /* -yy: "TCP:[127.0.0.1:40312->127.0.0.1:8080]", else NULL */
	uint32_t dev_major; /* -yy, a device: its numbers (dev_kind 'c' or 'b') */
	uint32_t dev_minor;
	char dev_kind; /* 'c' char device, 'b' block device, 0 neither or not -yy */
	bool deleted;  /* the file was unlinked: strace's "(deleted)" */
	uint32_t pid;  /* -yy, a pidfd: the process it refers to, strace's <pid:N>; else 0 */
};

/* The fds one event shows: its fd arguments before the call, its fd result after it. */
struct fd_view {
	struct fd_info arg[AT_MAX_ARGS]; /* path NULL: not an fd, or nothing known */
	struct fd_info pipe[2];		 /* pipe, pipe2: the two fds the call returned */
	struct fd_info ret;		 /* a call returning an fd (open, dup, socket...) */
	char arena[2 * FDTAB_PATH_MAX];	 /* where the strings above point */
	size_t used;
};

/* What was lost to the bounds: never silent (the end of the trace reports it). */
struct fdtab_counters {
	uint64_t procs_over; /* processes that got no table: FDTAB_MAX_PROCS were in use */
	uint64_t fds_over;   /* fds at or past FDTAB_MAX_FD, shown without a path */
};

struct fdtab;

/* A table set for -y (level 1) or -yy (level 2); NULL with errno on failure. */
struct fdtab *fdtab__new(int level);
void fdtab__free(struct fdtab *t);

/* What the kernel is told for -y: syscall bitmaps, by key (sys.bpf.h has their use). */
struct fd_shadow_bits {
	uint64_t calls[AT_NR_MAX / 64];	    /* recorded for the tables whatever -e says */
	uint64_t fd_result[AT_NR_MAX / 64]; /* the result is a new fd: its inode is kept */
	uint64_t fd_pair[AT_NR_MAX / 64];   /* two new fds in the int[2] of slot 0 (pipe) */
};

/* The calls -y at level must see, and which of them make fds. */
void fdtab_calls(int level, struct fd_shadow_bits *bits);

/*
 * One event, in stream order: fills *view with its fds (arguments as they
 * were before the call, the result after it), then changes the process's
 * table as the call did. Fork, exec and exit events copy, keep and free
 * tables. view may be NULL (a record made only for the table). Returns
 * whether the call takes or returns fds (else view is left as it was).
 */
bool fdtab__event(struct fdtab *t, const struct event *ev, struct fd_view *view);

struct out;
/* strace's "<...>" after the fd number: the path quoted, -yy's endpoints or device numbers. */
void fd_info_put_text(struct out *o, const struct fd_info *fi);
/* The same as a JSON object: {"path":..., "deleted", "dev":{...}, "socket":{...}}; null if unknown. */
void fd_info_put_json(struct out *o, const struct fd_info *fi);

/*
 * A table for pid read from /proc now, for its first event to take: at
 * attach, before the process runs on (-p, the held -- CMD). Safe on another
 * thread than fdtab__event's. 0, or -ENOSPC when too many wait to be taken.
 */
int fdtab__seed(struct fdtab *t, uint32_t pid);

void fdtab__counters(const struct fdtab *t, struct fdtab_counters *out);

/* For the unit tests: the path the table holds for pid's fd, NULL when none. */
const char *fdtab__path(const struct fdtab *t, uint32_t pid, int fd);

#endif /* AT_FDTAB_H */
