// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -y, -yy: a shadow fd table per traced process, seeded from /proc/PID/fd
 * when the process is first seen, copied at fork, and changed in stream
 * order by the records of the calls that make, copy and close fds (the
 * kernel sends those with -y whatever -e says, flagged AT_CALL_SHADOW).
 */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "decode.h"
#include "fdtab.h"
#include "sockdiag.h"
#include "strbuf.h"
#include "syscalls.h"

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

/* Calls making an fd on an anonymous inode: the name readlink gives, where the flags are. */
struct anon_call {
	const char *call;
	const char *name;  /* readlink's form; a prefix for memfd ("/memfd:NAME") */
	uint8_t flags_arg; /* the argument holding the close-on-exec flag; AT_ARG_NONE: none */
	uint32_t cloexec;  /* its bit; ~0u: always close-on-exec */
};

static const struct anon_call anon_calls[] = {
	{ "eventfd", "anon_inode:[eventfd]", AT_ARG_NONE, 0 },
	{ "eventfd2", "anon_inode:[eventfd]", 1, O_CLOEXEC },
	{ "epoll_create", "anon_inode:[eventpoll]", AT_ARG_NONE, 0 },
	{ "epoll_create1", "anon_inode:[eventpoll]", 0, O_CLOEXEC },
	{ "signalfd", "anon_inode:[signalfd]", AT_ARG_NONE, 0 },
	{ "signalfd4", "anon_inode:[signalfd]", 3, O_CLOEXEC },
	{ "timerfd_create", "anon_inode:[timerfd]", 1, O_CLOEXEC },
	{ "inotify_init", "anon_inode:inotify", AT_ARG_NONE, 0 },
	{ "inotify_init1", "anon_inode:inotify", 0, O_CLOEXEC },
	{ "fanotify_init", "anon_inode:[fanotify]", 0, O_CLOEXEC },
	{ "userfaultfd", "anon_inode:[userfaultfd]", 0, O_CLOEXEC },
	{ "pidfd_open", "anon_inode:[pidfd]", AT_ARG_NONE, ~0u },
	{ "perf_event_open", "anon_inode:[perf_event]", 4, 8 /* PERF_FLAG_FD_CLOEXEC */ },
	{ "io_uring_setup", "anon_inode:[io_uring]", AT_ARG_NONE, ~0u },
	{ "memfd_create", "/memfd:", 1, 1 /* MFD_CLOEXEC */ },
};

static const struct {
	const char *call;
	uint8_t op;
	uint8_t level; /* the least -y level that needs it */
} fd_calls[] = {
	{ "open", OP_OPEN, 1 },	     { "openat", OP_OPEN, 1 },
	{ "openat2", OP_OPEN, 1 },   { "creat", OP_OPEN, 1 },
	{ "socket", OP_SOCKET, 1 },  { "accept", OP_ACCEPT, 1 },
	{ "accept4", OP_ACCEPT, 1 }, { "pipe", OP_PIPE, 1 },
	{ "pipe2", OP_PIPE, 1 },     { "dup", OP_DUP, 1 },
	{ "dup2", OP_DUP2, 1 },	     { "dup3", OP_DUP2, 1 },
	{ "fcntl", OP_FCNTL, 1 },    { "fcntl64", OP_FCNTL, 1 },
	{ "close", OP_CLOSE, 1 },    { "close_range", OP_CLOSE_RANGE, 1 },
	{ "execve", OP_EXEC, 1 },    { "execveat", OP_EXEC, 1 },
	{ "chdir", OP_CHDIR, 1 },    { "fchdir", OP_CHDIR, 1 },
	{ "bind", OP_ADDR, 2 },	     { "connect", OP_ADDR, 2 },
	{ "listen", OP_ADDR, 2 },
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
};

/* Each key of a call named name (both ABIs), with fn. */
static void each_key(const char *name, void (*fn)(int key, void *ctx), void *ctx)
{
	for (int k = syscall_next_by_name(name, -1); k >= 0; k = syscall_next_by_name(name, k))
		fn(k, ctx);
}

static void set_bit(int key, void *ctx)
{
	uint64_t *bits = ctx;

	bits[key / 64] |= 1ull << (key % 64);
}

static void set_fd_bits(int key, void *ctx)
{
	struct fd_shadow_bits *b = ctx;
	const struct syscall_desc *d = syscall_desc_of((unsigned)key);

	set_bit(key, b->calls);
	if (d && d->ret == ARG_FD)
		set_bit(key, b->fd_result);
	else if (d && d->nargs && d->arg[0] == ARG_PIPE_FDS)
		set_bit(key, b->fd_pair);
}

void fdtab_calls(int level, struct fd_shadow_bits *bits)
{
	for (size_t i = 0; i < sizeof(fd_calls) / sizeof(fd_calls[0]); i++)
		if (fd_calls[i].level <= level)
			each_key(fd_calls[i].call, set_fd_bits, bits);
	for (size_t i = 0; i < sizeof(anon_calls) / sizeof(anon_calls[0]); i++)
		each_key(anon_calls[i].call, set_fd_bits, bits);
}

struct op_ctx {
	struct fdtab *t;
	uint8_t op, anon;
};

static void set_op(int key, void *ctx)
{
	struct op_ctx *c = ctx;

	c->t->op[key] = c->op;
	c->t->anon[key] = c->anon;
}

struct fdtab *fdtab__new(int level)
{
	struct fdtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->procs = calloc(FDTAB_MAX_PROCS, sizeof(*t->procs));
	if (!t->procs) {
		free(t);
		return NULL;
	}
	t->level = level;
	pthread_mutex_init(&t->lock, NULL);
	for (size_t i = 0; i < sizeof(fd_calls) / sizeof(fd_calls[0]); i++)
		if (fd_calls[i].level <= level)
			each_key(fd_calls[i].call, set_op,
				 &(struct op_ctx){ .t = t, .op = fd_calls[i].op });
	for (size_t i = 0; i < sizeof(anon_calls) / sizeof(anon_calls[0]); i++)
		each_key(anon_calls[i].call, set_op,
			 &(struct op_ctx){ .t = t, .op = OP_ANON, .anon = (uint8_t)i });
	return t;
}

static void ent_clear(struct fd_ent *e)
{
	free(e->path);
	free(e->sock);
	*e = (struct fd_ent){ 0 };
}

static void proc_clear(struct proc_tab *p)
{
	for (unsigned i = 0; i < p->cap; i++)
		ent_clear(&p->fds[i]);
	free(p->fds);
	free(p->cwd);
	*p = (struct proc_tab){ 0 };
}

void fdtab__free(struct fdtab *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nprocs; i++)
		proc_clear(&t->procs[i]);
	for (unsigned i = 0; i < t->nseeded; i++)
		proc_clear(&t->seeded[i]);
	pthread_mutex_destroy(&t->lock);
	free(t->procs);
	free(t);
}

void fdtab__counters(const struct fdtab *t, struct fdtab_counters *out)
{
	*out = t->c;
	out->fds_over += t->seed_over;
}

static struct proc_tab *proc_find(struct fdtab *t, uint32_t pid)
{
	if (t->last < t->nprocs && t->procs[t->last].pid == pid)
		return &t->procs[t->last];
	for (unsigned i = 0; i < t->nprocs; i++)
		if (t->procs[i].pid == pid) {
			t->last = i;
			return &t->procs[i];
		}
	return NULL;
}

static void proc_drop(struct fdtab *t, uint32_t pid)
{
	struct proc_tab *p = proc_find(t, pid);

	if (!p)
		return;
	proc_clear(p);
	*p = t->procs[--t->nprocs];
	t->procs[t->nprocs] = (struct proc_tab){ 0 };
}

/* The entry of fd, made room for; NULL past FDTAB_MAX_FD (counted in *over) or without memory. */
static struct fd_ent *ent_room(struct proc_tab *p, long long fd, uint64_t *over)
{
	unsigned cap;
	struct fd_ent *n;

	if (fd < 0)
		return NULL;
	if (fd >= FDTAB_MAX_FD) {
		(*over)++;
		return NULL;
	}
	if ((unsigned)fd < p->cap)
		return &p->fds[fd];
	for (cap = p->cap ? p->cap : 64; cap <= (unsigned)fd; cap *= 2)
		;
	n = realloc(p->fds, cap * sizeof(*n));
	if (!n)
		return NULL;
	memset(n + p->cap, 0, (cap - p->cap) * sizeof(*n));
	p->fds = n;
	p->cap = cap;
	return &p->fds[fd];
}

static struct fd_ent *ent_at(struct fdtab *t, struct proc_tab *p, long long fd)
{
	return ent_room(p, fd, &t->c.fds_over);
}

/* readlink into buf (FDTAB_PATH_MAX), NUL-terminated: its length, or -1. */
static ssize_t read_link(const char *path, char *buf)
{
	ssize_t n = readlink(path, buf, FDTAB_PATH_MAX - 1);

	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* path, a readlink result, into e; " (deleted)" kept as the flag, as strace shows it. */
static void ent_set_path(struct fd_ent *e, char *path)
{
	size_t n = strlen(path);
	const char *del = " (deleted)";
	unsigned long long ino;
	char end;

	free(e->path);
	free(e->sock);
	e->sock = NULL;
	e->deleted = path[0] == '/' && n > strlen(del) && !strcmp(path + n - strlen(del), del);
	if (e->deleted)
		path[n - strlen(del)] = 0;
	e->path = strdup(path);
	e->ino = sscanf(path, "socket:[%llu%c", &ino, &end) == 2 && end == ']' ? ino : 0;
	e->addressed = false;
	e->dev_kind = 0;
	e->proto = 0;
}

/* -yy: whether the file at path (the tracee's view, /proc/PID/...) is a device. */
static void ent_set_dev(struct fd_ent *e, const char *path)
{
	struct stat st;

	if (!e->path || e->path[0] != '/' || stat(path, &st))
		return;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		e->dev_kind = S_ISCHR(st.st_mode) ? 'c' : 'b';
		e->dev_major = major(st.st_rdev);
		e->dev_minor = minor(st.st_rdev);
	}
}

/* -yy: a socket's protocol as the kernel names it (strace's getfdproto). */
static void ent_set_proto(struct fd_ent *e, const char *fdpath)
{
	char name[64];
	ssize_t n;

	if (!e->ino || e->proto)
		return;
	n = getxattr(fdpath, "system.sockprotoname", name, sizeof(name) - 1);
	if (n > 0) {
		name[n] = 0;
		e->proto = (uint8_t)sock_p_by_name(name);
	}
}

/* What fd is now, from /proc: the seed of a table and the fallback for an fd never seen made. */
static bool ent_from_proc(const struct fdtab *t, uint32_t pid, int fd, struct fd_ent *e)
{
	char path[64], buf[FDTAB_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/fd/%d", pid, fd);
	if (read_link(path, buf) < 0)
		return false;
	ent_set_path(e, buf);
	if (t->level > 1) {
		ent_set_dev(e, path);
		ent_set_proto(e, path);
		/* A socket that is there already may have its address: the kernel says. */
		e->addressed = e->ino != 0;
	}
	snprintf(path, sizeof(path), "/proc/%u/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (f) {
		unsigned flags;

		while (fgets(buf, sizeof(buf), f))
			if (sscanf(buf, "flags: %o", &flags) == 1)
				e->cloexec = flags & O_CLOEXEC;
		fclose(f);
	}
	return true;
}

/* p (its pid set) filled from /proc: its cwd, its fds; fds past the bound counted in *over. */
static void proc_read(const struct fdtab *t, struct proc_tab *p, uint64_t *over)
{
	char path[64], buf[FDTAB_PATH_MAX];
	uint32_t pid = p->pid;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/cwd", pid);
	if (read_link(path, buf) >= 0)
		p->cwd = strdup(buf);
	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		struct fd_ent *e;

		if (*end || end == de->d_name || !(e = ent_room(p, fd, over)))
			continue;
		ent_from_proc(t, pid, (int)fd, e);
	}
	if (d)
		closedir(d);
}

int fdtab__seed(struct fdtab *t, uint32_t pid)
{
	struct proc_tab p = { .pid = pid };
	uint64_t over = 0;
	int ret = 0;

	proc_read(t, &p, &over);
	pthread_mutex_lock(&t->lock);
	t->seed_over += over;
	if (t->nseeded < FDTAB_SEEDS)
		t->seeded[__atomic_load_n(&t->nseeded, __ATOMIC_RELAXED)] = p;
	else
		ret = -ENOSPC;
	if (!ret)
		__atomic_store_n(&t->nseeded, t->nseeded + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->lock);
	if (ret)
		proc_clear(&p);
	return ret;
}

/* The table fdtab__seed read for pid, moved into p; false when there is none. */
static bool take_seeded(struct fdtab *t, struct proc_tab *p)
{
	bool found = false;

	if (!__atomic_load_n(&t->nseeded, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < t->nseeded && !found; i++) {
		if (t->seeded[i].pid != p->pid)
			continue;
		*p = t->seeded[i];
		t->seeded[i] = t->seeded[t->nseeded - 1];
		__atomic_store_n(&t->nseeded, t->nseeded - 1, __ATOMIC_RELEASE);
		found = true;
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

/*
 * A process's table: the one read at attach, or made from /proc the first
 * time the process is seen (a child seen before its fork record, an exec
 * target of a probe file).
 */
static struct proc_tab *proc_get(struct fdtab *t, uint32_t pid)
{
	struct proc_tab *p = proc_find(t, pid);

	if (p)
		return p;
	if (t->nprocs == FDTAB_MAX_PROCS) {
		t->c.procs_over++;
		return NULL;
	}
	p = &t->procs[t->nprocs];
	t->last = t->nprocs++;
	p->pid = pid;
	if (!take_seeded(t, p))
		proc_read(t, p, &t->c.fds_over);
	return p;
}

/* A copy of the parent's table for a forked child (without CLONE_FILES: see the README). */
static void proc_fork(struct fdtab *t, uint32_t parent, uint32_t child)
{
	struct proc_tab *pp, *cp;

	proc_drop(t, child); /* a pid reused before its exit was seen */
	pp = proc_find(t, parent);
	if (!pp)
		return; /* the child is seeded from /proc when it is first seen */
	if (t->nprocs == FDTAB_MAX_PROCS) {
		t->c.procs_over++;
		return;
	}
	/* Found again: the drop above may have moved the parent's entry. */
	cp = &t->procs[t->nprocs++];
	pp = proc_find(t, parent);
	cp->pid = child;
	cp->cwd = pp->cwd ? strdup(pp->cwd) : NULL;
	cp->fds = calloc(pp->cap ? pp->cap : 1, sizeof(*cp->fds));
	if (!cp->fds)
		return;
	cp->cap = pp->cap;
	for (unsigned i = 0; i < pp->cap; i++) {
		cp->fds[i] = pp->fds[i];
		cp->fds[i].path = pp->fds[i].path ? strdup(pp->fds[i].path) : NULL;
		cp->fds[i].sock = pp->fds[i].sock ? strdup(pp->fds[i].sock) : NULL;
	}
}

/* The entry of fd if the table has it, else NULL. */
static struct fd_ent *ent_have(struct proc_tab *p, long long fd)
{
	return fd >= 0 && fd < p->cap && p->fds[fd].path ? &p->fds[fd] : NULL;
}

/* The entry of fd for a line: known, or read from /proc now for one never seen made. */
static struct fd_ent *ent_known(struct fdtab *t, struct proc_tab *p, long long fd)
{
	struct fd_ent *e;

	if (fd < 0 || (fd >= p->cap && fd >= FDTAB_MAX_FD)) {
		if (fd >= FDTAB_MAX_FD)
			t->c.fds_over++;
		return NULL;
	}
	if (fd < p->cap && p->fds[fd].path)
		return &p->fds[fd];
	/* Made by a call the table does not follow (socketpair, SCM_RIGHTS...), or a lost record. */
	e = ent_at(t, p, fd);
	if (!e || !ent_from_proc(t, p->pid, (int)fd, e))
		return NULL;
	return e;
}

/* A copy of s in the view's arena; NULL when it is full. */
static const char *arena_dup(struct fd_view *v, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if (v->used + n > sizeof(v->arena))
		return NULL;
	d = v->arena + v->used;
	memcpy(d, s, n);
	v->used += n;
	return d;
}

/* -yy: a socket's endpoints, asked once the socket may have them; the first answer is kept. */
static void ent_lookup_sock(struct fdtab *t, struct fd_ent *e)
{
	char buf[256];

	if (t->level < 2 || !e->ino || e->sock || !e->addressed)
		return;
	if (!sockdiag_lookup((enum sock_p)e->proto, e->ino, buf, sizeof(buf)))
		e->sock = strdup(buf);
}

static void info_of(struct fdtab *t, struct fd_view *v, struct fd_ent *e, struct fd_info *fi)
{
	char buf[64];

	*fi = (struct fd_info){ 0 };
	if (!e || !e->path)
		return;
	fi->path = arena_dup(v, e->path);
	fi->deleted = e->deleted;
	fi->dev_kind = e->dev_kind;
	fi->dev_major = e->dev_major;
	fi->dev_minor = e->dev_minor;
	if (t->level < 2 || !e->ino)
		return;
	ent_lookup_sock(t, e);
	if (e->sock) {
		fi->sock = arena_dup(v, e->sock);
	} else if (sock_p_name((enum sock_p)e->proto)) {
		/* strace's for a socket the kernel does not list: its protocol and inode. */
		snprintf(buf, sizeof(buf), "%s:[%llu]", sock_p_name((enum sock_p)e->proto),
			 (unsigned long long)e->ino);
		fi->sock = arena_dup(v, buf);
	}
}

/* The path of a path argument as the call saw it: absolute, against the dirfd or the cwd. */
static bool abs_path(struct fdtab *t, struct proc_tab *p, const struct event *ev, char *out)
{
	const struct event_arg *a = NULL;
	const char *base = NULL;

	for (unsigned i = 0; i < ev->nargs; i++) {
		if (ev->args[i].type == ARG_PATH)
			a = &ev->args[i];
		else if (ev->args[i].type == ARG_DIRFD && (int)ev->args[i].value != AT_FDCWD) {
			struct fd_ent *d = ent_known(t, p, (int)ev->args[i].value);

			base = d ? d->path : NULL;
			if (!base)
				return false;
		}
	}
	if (!a || !a->bytes || !a->len || (a->flags & (EVA_TRUNCATED | EVA_FAULTED)))
		return false;
	if (a->bytes[0] == '/') {
		snprintf(out, FDTAB_PATH_MAX, "%.*s", (int)a->len, a->bytes);
		return true;
	}
	if (!base)
		base = p->cwd;
	if (!base)
		return false;
	snprintf(out, FDTAB_PATH_MAX, "%s/%.*s", strcmp(base, "/") ? base : "", (int)a->len,
		 a->bytes);
	return true;
}

/* Whether pid sees the file system as we do (its root is ours): our realpath is its. */
static bool same_root(uint32_t pid)
{
	char path[64], buf[FDTAB_PATH_MAX];

	snprintf(path, sizeof(path), "/proc/%u/root", pid);
	/* Gone: the common case of a short process, most likely not in a container. */
	return read_link(path, buf) < 0 || !strcmp(buf, "/");
}

/*
 * The new fd of an open: what /proc says (the kernel's canonical path, links
 * resolved), but only if it is still the file the call opened (the same
 * inode as its path); else the fd was closed and reused meanwhile, or the
 * process is gone: then the path the call was given, made absolute.
 */
static void apply_open(struct fdtab *t, struct proc_tab *p, const struct event *ev,
		       struct fd_ent *e)
{
	char fdpath[64], rootpath[FDTAB_PATH_MAX + 32], now[FDTAB_PATH_MAX], abs[FDTAB_PATH_MAX];
	bool have_abs = abs_path(t, p, ev, abs);
	bool have_now;
	struct stat s1, s2;

	ent_clear(e);
	snprintf(fdpath, sizeof(fdpath), "/proc/%u/fd/%lld", p->pid, (long long)ev->ret);
	have_now = read_link(fdpath, now) >= 0;
	if (have_now && ev->ret_more[0]) {
		/* The kernel kept the inode the call opened: the fd is still it, or not. */
		have_now = !stat(fdpath, &s1) && s1.st_ino == ev->ret_more[0];
	} else if (have_now && have_abs) {
		snprintf(rootpath, sizeof(rootpath), "/proc/%u/root%s", p->pid, abs);
		have_now = !stat(fdpath, &s1) && !stat(rootpath, &s2) && s1.st_dev == s2.st_dev &&
			   s1.st_ino == s2.st_ino;
	}
	if (have_now)
		ent_set_path(e, now);
	else if (have_abs && same_root(p->pid) && realpath(abs, now))
		ent_set_path(e, now); /* links resolved as the kernel's path has them */
	else if (have_abs)
		ent_set_path(e, abs);
	else
		return;
	if (t->level > 1) {
		snprintf(rootpath, sizeof(rootpath), "/proc/%u/root%s", p->pid, e->path);
		ent_set_dev(e, rootpath);
		if (!e->dev_kind)
			ent_set_dev(e, e->path);
	}
}

/* The open flags of an open call (its ARG_OPEN_FLAGS argument), 0 when it has none. */
static unsigned open_flags(const struct event *ev)
{
	for (unsigned i = 0; i < ev->nargs; i++)
		if (ev->args[i].type == ARG_OPEN_FLAGS)
			return (unsigned)ev->args[i].value;
	return 0;
}

/* A new fd the call made whose /proc name must start with want (its kind), else want itself. */
/*
 * A new fd the call made whose /proc name must start with want (its kind),
 * and be of inode ino when the kernel kept it (0: not kept); else, closed
 * or reused by now, the name of its kind: "socket:[INODE]" for a socket or
 * pipe with the inode the kernel kept, want itself for an anonymous inode.
 */
static void apply_named(struct fdtab *t, struct proc_tab *p, long long fd, const char *want,
			bool prefix, uint64_t ino, struct fd_ent *e)
{
	struct fd_ent now = { 0 };
	char buf[FDTAB_PATH_MAX];
	bool by_ino = !strcmp(want, "socket:[") || !strcmp(want, "pipe:[");
	unsigned long long got;

	if (ent_from_proc(t, p->pid, (int)fd, &now) &&
	    (prefix ? !strncmp(now.path, want, strlen(want)) : !strcmp(now.path, want)) &&
	    (!ino || !by_ino ||
	     (sscanf(now.path + strlen(want), "%llu", &got) == 1 && got == ino))) {
		ent_clear(e);
		*e = now;
		return;
	}
	ent_clear(&now);
	ent_clear(e);
	if (by_ino && ino)
		snprintf(buf, sizeof(buf), "%s%llu]", want, (unsigned long long)ino);
	else if (!prefix)
		snprintf(buf, sizeof(buf), "%s", want);
	else
		return;
	ent_set_path(e, buf);
}

static void apply_socket(struct fdtab *t, struct proc_tab *p, const struct event *ev,
			 struct fd_ent *e, uint8_t proto, bool addressed)
{
	apply_named(t, p, ev->ret, "socket:[", true, ev->ret_more[0], e);
	if (!e->path)
		return;
	e->proto = proto;
	e->addressed = addressed;
	/* Asked at once: the process may close it before its next line is written. */
	ent_lookup_sock(t, e);
}

static void ent_copy(struct fd_ent *dst, const struct fd_ent *src, bool cloexec)
{
	if (dst == src) {
		dst->cloexec = cloexec;
		return;
	}
	ent_clear(dst);
	if (!src || !src->path)
		return;
	*dst = *src;
	dst->path = strdup(src->path);
	dst->sock = src->sock ? strdup(src->sock) : NULL;
	dst->cloexec = cloexec;
}

static void apply_pipe(struct fdtab *t, struct proc_tab *p, const struct event *ev)
{
	const struct event_arg *a = &ev->args[0];
	int fds[2];

	if (!a->bytes || a->len < sizeof(fds))
		return;
	memcpy(fds, a->bytes, sizeof(fds));
	for (int i = 0; i < 2; i++) {
		struct fd_ent *e = ent_at(t, p, fds[i]);

		if (!e)
			continue;
		apply_named(t, p, fds[i], "pipe:[", true, ev->ret_more[0], e);
		e->cloexec = ev->nargs > 1 && (ev->args[1].value & O_CLOEXEC);
	}
}

static void apply_close_range(struct proc_tab *p, const struct event *ev)
{
	unsigned long long first = ev->args[0].value & 0xffffffffu;
	unsigned long long last = ev->args[1].value & 0xffffffffu;
	bool cloexec = ev->args[2].value & (1u << 2); /* CLOSE_RANGE_CLOEXEC */

	for (unsigned long long fd = first; fd <= last && fd < p->cap; fd++) {
		if (cloexec)
			p->fds[fd].cloexec = p->fds[fd].path != NULL;
		else
			ent_clear(&p->fds[fd]);
	}
}

static void apply_exec(struct proc_tab *p)
{
	for (unsigned i = 0; i < p->cap; i++)
		if (p->fds[i].cloexec)
			ent_clear(&p->fds[i]);
}

static void apply_chdir(struct fdtab *t, struct proc_tab *p, const struct event *ev)
{
	char path[64], buf[FDTAB_PATH_MAX];
	struct fd_ent *e;

	if (ev->args[0].type == ARG_FD) {
		e = ent_known(t, p, (int)ev->args[0].value);
		if (!e)
			return;
		snprintf(buf, sizeof(buf), "%s", e->path);
	} else {
		/* The kernel's own path where it can still say; else the argument, made absolute. */
		snprintf(path, sizeof(path), "/proc/%u/cwd", p->pid);
		if (read_link(path, buf) < 0 && !abs_path(t, p, ev, buf))
			return;
	}
	free(p->cwd);
	p->cwd = strdup(buf);
}

static void apply_anon(struct fdtab *t, struct proc_tab *p, const struct event *ev,
		       struct fd_ent *e)
{
	const struct anon_call *ac = &anon_calls[t->anon[ev->nr]];
	bool memfd = !strncmp(ac->name, "/memfd:", 7);

	apply_named(t, p, ev->ret, ac->name, memfd, 0, e);
	if (!e->path)
		return;
	if (ac->cloexec == ~0u)
		e->cloexec = true;
	else if (ac->flags_arg < ev->nargs)
		e->cloexec = ev->args[ac->flags_arg].value & ac->cloexec;
}

/* The fcntl commands that change the table (uapi values, the same on every ABI). */
#define FD_F_DUPFD 0
#define FD_F_SETFD 2
#define FD_F_DUPFD_CLOEXEC 1030

/* How a successful call changed p; ret is its result. */
static void apply(struct fdtab *t, struct proc_tab *p, const struct event *ev)
{
	long long ret = ev->ret;
	int op = t->op[ev->nr];
	struct fd_ent *e;

	/* close closes even when it fails with EINTR (Linux frees the number first). */
	if (op == OP_CLOSE && (!ev->err || ev->err == EINTR)) {
		if (ev->args[0].value < p->cap)
			ent_clear(&p->fds[ev->args[0].value]);
		return;
	}
	if (ev->err || (ev->flags & EV_NORETURN))
		return;
	switch (op) {
	case OP_OPEN:
		if ((e = ent_at(t, p, ret))) {
			apply_open(t, p, ev, e);
			e->cloexec = open_flags(ev) & O_CLOEXEC;
		}
		return;
	case OP_SOCKET:
		if ((e = ent_at(t, p, ret))) {
			apply_socket(t, p, ev, e,
				     (uint8_t)sock_p_of((int)ev->args[0].value,
							(int)ev->args[1].value,
							(int)ev->args[2].value),
				     false);
			e->cloexec = ev->args[1].value & O_CLOEXEC;
		}
		return;
	case OP_ACCEPT: {
		struct fd_ent *l = ent_known(t, p, (int)ev->args[0].value);
		uint8_t proto = l ? l->proto : 0;

		if ((e = ent_at(t, p, ret))) {
			apply_socket(t, p, ev, e, proto, true);
			e->cloexec = ev->nargs > 3 && (ev->args[3].value & O_CLOEXEC);
		}
		return;
	}
	case OP_PIPE:
		apply_pipe(t, p, ev);
		return;
	case OP_DUP:
	case OP_DUP2: {
		struct fd_ent *src = ent_known(t, p, (int)ev->args[0].value);

		if ((e = ent_at(t, p, ret)))
			ent_copy(e, src,
				 op == OP_DUP2 && ev->nargs > 2 && (ev->args[2].value & O_CLOEXEC));
		return;
	}
	case OP_FCNTL: {
		int cmd = (int)ev->args[1].value;
		struct fd_ent *src = ent_known(t, p, (int)ev->args[0].value);

		if (cmd == FD_F_SETFD && src)
			src->cloexec = ev->args[2].value & FD_CLOEXEC;
		else if ((cmd == FD_F_DUPFD || cmd == FD_F_DUPFD_CLOEXEC) &&
			 (e = ent_at(t, p, ret)))
			ent_copy(e, src, cmd == FD_F_DUPFD_CLOEXEC);
		return;
	}
	case OP_CLOSE_RANGE:
		apply_close_range(p, ev);
		return;
	case OP_ANON:
		if ((e = ent_at(t, p, ret)))
			apply_anon(t, p, ev, e);
		return;
	case OP_EXEC:
		apply_exec(p);
		return;
	case OP_CHDIR:
		apply_chdir(t, p, ev);
		return;
	case OP_ADDR:
		if ((e = ent_known(t, p, (int)ev->args[0].value)) && e->ino) {
			/* Connected after being bound: the endpoints are asked again. */
			free(e->sock);
			e->sock = NULL;
			e->addressed = true;
			ent_lookup_sock(t, e);
		}
		return;
	}
}

/* The fds of the arguments, as they were before the call. */
static void view_args(struct fdtab *t, struct proc_tab *p, const struct event *ev,
		      struct fd_view *v)
{
	for (unsigned i = 0; i < ev->nargs; i++) {
		const struct event_arg *a = &ev->args[i];
		int fd = (int)a->value;

		if (a->type == ARG_DIRFD && fd == AT_FDCWD && p->cwd) {
			v->arg[i] = (struct fd_info){ .path = arena_dup(v, p->cwd) };
			continue;
		}
		if (a->type != ARG_FD && a->type != ARG_DIRFD)
			continue;
		/*
		 * An fd the table does not have is read from /proc only when the
		 * call shows it was open: it succeeded, and it is not dup2's
		 * target (which the call itself made).
		 */
		if (ev->err || (t->op[ev->nr] == OP_DUP2 && i == 1))
			info_of(t, v, ent_have(p, fd), &v->arg[i]);
		else
			info_of(t, v, ent_known(t, p, fd), &v->arg[i]);
	}
}

/* The fds the call returned, as they are after it. */
static void view_ret(struct fdtab *t, struct proc_tab *p, const struct event *ev, struct fd_view *v)
{
	int fds[2];

	if (ev->err || (ev->flags & (EV_NORETURN | EV_ENTRY_ONLY)) || !ev->sys)
		return;
	if (ev->sys->ret == ARG_FD && ev->ret >= 0)
		info_of(t, v, ent_known(t, p, ev->ret), &v->ret);
	if (t->op[ev->nr] == OP_PIPE && ev->args[0].bytes && ev->args[0].len >= sizeof(fds)) {
		memcpy(fds, ev->args[0].bytes, sizeof(fds));
		for (int i = 0; i < 2; i++)
			info_of(t, v, ent_known(t, p, fds[i]), &v->pipe[i]);
	}
}

void fdtab__event(struct fdtab *t, const struct event *ev, struct fd_view *view)
{
	struct proc_tab *p;

	switch (ev->kind) {
	case EV_FORK:
		proc_fork(t, ev->ppid, ev->pid);
		return;
	case EV_EXIT:
		proc_drop(t, ev->pid);
		return;
	case EV_SYSCALL:
		break;
	default:
		return;
	}
	if (view) {
		memset(view->arg, 0, sizeof(view->arg));
		memset(view->pipe, 0, sizeof(view->pipe));
		view->ret = (struct fd_info){ 0 };
		view->used = 0;
	}
	if (ev->nr >= AT_NR_MAX || !(p = proc_get(t, ev->pid)))
		return;
	if (view && ev->sys && !(ev->flags & EV_RETURN_ONLY))
		view_args(t, p, ev, view);
	if (t->op[ev->nr])
		apply(t, p, ev);
	if (view)
		view_ret(t, p, ev, view);
}

const char *fdtab__path(const struct fdtab *t, uint32_t pid, int fd)
{
	for (unsigned i = 0; i < t->nprocs; i++)
		if (t->procs[i].pid == pid)
			return fd >= 0 && (unsigned)fd < t->procs[i].cap ?
				       t->procs[i].fds[fd].path :
				       NULL;
	return NULL;
}

/* A path as strace quotes it inside <...>: C escapes, octal for the rest and for '<' and '>'. */
static void put_quoted(struct out *o, const char *s)
{
	static const char esc[] = {
		['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', ['\v'] = 'v'
	};

	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		bool digit_next = c[1] >= '0' && c[1] <= '7';

		if (*c == '"' || *c == '\\') {
			out_putc(o, '\\');
			out_putc(o, (char)*c);
		} else if (*c < sizeof(esc) && esc[*c]) {
			out_putc(o, '\\');
			out_putc(o, esc[*c]);
		} else if (*c < ' ' || *c > 0x7e || *c == '<' || *c == '>') {
			char buf[8];

			snprintf(buf, sizeof(buf), digit_next ? "\\%03o" : "\\%o", *c);
			out_puts(o, buf);
		} else {
			out_putc(o, (char)*c);
		}
	}
}

void fd_info_put_text(struct out *o, const struct fd_info *fi)
{
	if (!fi->path)
		return;
	out_putc(o, '<');
	if (fi->sock) {
		out_puts(o, fi->sock);
	} else {
		put_quoted(o, fi->path);
		if (fi->dev_kind) {
			out_puts(o, fi->dev_kind == 'c' ? "<char " : "<block ");
			out_u64(o, fi->dev_major);
			out_putc(o, ':');
			out_u64(o, fi->dev_minor);
			out_putc(o, '>');
		}
	}
	out_putc(o, '>');
	if (fi->deleted && !fi->sock)
		out_puts(o, "(deleted)");
}

/* -yy's socket in JSON: its protocol, and for inet sockets the two ends. */
static void put_sock_json(struct out *o, const char *sock)
{
	const char *br = strstr(sock, ":["), *arrow, *end = sock + strlen(sock) - 1;

	out_puts(o, ",\"socket\":{\"proto\":");
	if (!br || *end != ']') {
		out_json_str(o, sock);
		out_putc(o, '}');
		return;
	}
	out_putc(o, '"');
	out_escape_json(o, sock, (size_t)(br - sock));
	out_putc(o, '"');
	br += 2;
	arrow = strstr(br, "->");
	if (strncmp(sock, "UNIX", 4)) {
		out_puts(o, ",\"local\":\"");
		out_escape_json(o, br, (size_t)((arrow ? arrow : end) - br));
		out_putc(o, '"');
		if (arrow) {
			out_puts(o, ",\"peer\":\"");
			out_escape_json(o, arrow + 2, (size_t)(end - arrow - 2));
			out_putc(o, '"');
		}
	}
	out_puts(o, ",\"detail\":\"");
	out_escape_json(o, br, (size_t)(end - br));
	out_puts(o, "\"}");
}

void fd_info_put_json(struct out *o, const struct fd_info *fi)
{
	if (!fi->path) {
		out_puts(o, "null");
		return;
	}
	out_puts(o, "{\"path\":");
	out_json_str(o, fi->path);
	if (fi->deleted)
		out_puts(o, ",\"deleted\":true");
	if (fi->dev_kind) {
		out_puts(o, fi->dev_kind == 'c' ? ",\"dev\":{\"type\":\"char\",\"major\":" :
						  ",\"dev\":{\"type\":\"block\",\"major\":");
		out_u64(o, fi->dev_major);
		out_puts(o, ",\"minor\":");
		out_u64(o, fi->dev_minor);
		out_putc(o, '}');
	}
	if (fi->sock)
		put_sock_json(o, fi->sock);
	out_putc(o, '}');
}
