/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The fd tables of -y inside (fdtab.c, fdapply.c): tables, entries, and what they share. */
#ifndef AT_FDTAB_PRIV_H
#define AT_FDTAB_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdtab.h"

struct event;

/* Processes seeded at attach and not seen yet: the -p targets and -- CMD. */
#define FDTAB_SEEDS 72

/* How a call changes the table. */
enum fd_op {
	OP_NONE = 0,
	OP_OPEN,	/* a path argument: open, openat, openat2, creat */
	OP_SOCKET,	/* socket(family, type, protocol) */
	OP_ACCEPT,	/* accept, accept4: a socket like the listener */
	OP_PIPE,	/* pipe, pipe2: two fds in the captured int[2] */
	OP_DUP,		/* dup */
	OP_DUP2,	/* dup2, dup3: the result is the second argument */
	OP_FCNTL,	/* F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD */
	OP_CLOSE,	/* close */
	OP_CLOSE_RANGE, /* close_range(first, last, flags) */
	OP_ANON,	/* eventfd, epoll_create...: an anonymous inode (anon_calls) */
	OP_EXEC,	/* execve, execveat: close-on-exec fds go */
	OP_CHDIR,	/* chdir, fchdir: AT_FDCWD's path */
	OP_ADDR,	/* bind, connect, listen: the socket has an address (-yy) */
};

struct fd_ent {
	char *path;   /* NULL: nothing known (a free number) */
	char *sock;   /* -yy: the endpoints, once the kernel listed them */
	uint64_t ino; /* a socket's inode, 0 for others */
	uint32_t dev_major, dev_minor;
	char dev_kind;	/* 'c', 'b' or 0 */
	uint8_t proto;	/* enum sock_p */
	bool cloexec;	/* goes at exec */
	bool addressed; /* bound, connected or accepted: the kernel may list it */
	bool deleted;
	uint32_t pidfd_pid; /* -yy, a pidfd: its process (pidfd_open's, or fdinfo's Pid) */
};

struct proc_tab {
	uint32_t pid;
	char *cwd; /* AT_FDCWD's path, NULL when unknown */
	struct fd_ent *fds;
	unsigned cap; /* entries in fds */
};

struct fdtab {
	int level;
	struct proc_tab *procs; /* FDTAB_MAX_PROCS, the first nprocs in use */
	unsigned nprocs;
	unsigned last; /* the last one found: most events are the same process's */
	struct fdtab_counters c;
	/*
	 * Tables read from /proc by fdtab__seed on another thread (at attach),
	 * taken by the first event of their process; lock guards them.
	 */
	pthread_mutex_t lock;
	struct proc_tab seeded[FDTAB_SEEDS];
	unsigned nseeded;	 /* under lock; read without it to skip the lock when 0 */
	uint64_t seed_over;	 /* fds past FDTAB_MAX_FD met seeding, under lock */
	uint8_t op[AT_NR_MAX];	 /* enum fd_op by syscall key */
	uint8_t anon[AT_NR_MAX]; /* OP_ANON: index in anon_calls */
	bool shows[AT_NR_MAX];	 /* the call takes or returns fds: its lines name them */
};

/* fdapply.c: the table's calls by key (t->op, t->anon). */
void fdtab_ops_init(struct fdtab *t);
/* fdapply.c: how a call changed p (its result in ev). */
void fdtab_apply(struct fdtab *t, struct proc_tab *p, const struct event *ev);

/* fdtab.c, for fdapply.c. */
void fdt_ent_clear(struct fd_ent *e);
/* The entry of fd, made room for; NULL past FDTAB_MAX_FD (counted) or without memory. */
struct fd_ent *fdt_ent_at(struct fdtab *t, struct proc_tab *p, long long fd);
/* The entry of fd for a line: known, or read from /proc now for one never seen made. */
struct fd_ent *fdt_ent_known(struct fdtab *t, struct proc_tab *p, long long fd);
/* What fd is now, from /proc; false when /proc has no such fd. */
bool fdt_ent_from_proc(const struct fdtab *t, uint32_t pid, int fd, struct fd_ent *e);
/* path, a readlink result (changed: " (deleted)" cut), into e. */
void fdt_ent_set_path(struct fd_ent *e, char *path);
/* -yy: the device numbers of the file at path, if it is one. */
void fdt_ent_set_dev(struct fd_ent *e, const char *path);
/* -yy: a socket's endpoints, asked once it may have them; the first answer kept. */
void fdt_ent_lookup_sock(struct fdtab *t, struct fd_ent *e);
/* readlink into buf (FDTAB_PATH_MAX), NUL-terminated: its length, or -1. */
ssize_t fdt_read_link(const char *path, char *buf);

#endif /* AT_FDTAB_PRIV_H */
