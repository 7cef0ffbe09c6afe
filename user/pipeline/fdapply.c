// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -y: how each call that makes, copies or closes fds changes a process's
 * table, and which calls those are (the kernel is told, fdtab_calls).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "fdtab_priv.h"
#include "sockdiag.h"
#include "syscalls.h"

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

/* The path of a path argument as the call saw it: absolute, against the dirfd or the cwd. */
static bool abs_path(struct fdtab *t, struct proc_tab *p, const struct event *ev, char *out)
{
	const struct event_arg *a = NULL;
	const char *base = NULL;

	for (unsigned i = 0; i < ev->nargs; i++) {
		if (ev->args[i].type == ARG_PATH)
			a = &ev->args[i];
		else if (ev->args[i].type == ARG_DIRFD && (int)ev->args[i].value != AT_FDCWD) {
			struct fd_ent *d = fdt_ent_known(t, p, (int)ev->args[i].value);

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
	return fdt_read_link(path, buf) < 0 || !strcmp(buf, "/");
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

	fdt_ent_clear(e);
	snprintf(fdpath, sizeof(fdpath), "/proc/%u/fd/%lld", p->pid, (long long)ev->ret);
	have_now = fdt_read_link(fdpath, now) >= 0;
	if (have_now && ev->ret_more[0]) {
		/* The kernel kept the inode the call opened: the fd is still it, or not. */
		have_now = !stat(fdpath, &s1) && s1.st_ino == ev->ret_more[0];
	} else if (have_now && have_abs) {
		snprintf(rootpath, sizeof(rootpath), "/proc/%u/root%s", p->pid, abs);
		have_now = !stat(fdpath, &s1) && !stat(rootpath, &s2) && s1.st_dev == s2.st_dev &&
			   s1.st_ino == s2.st_ino;
	}
	if (have_now)
		fdt_ent_set_path(e, now);
	else if (have_abs && same_root(p->pid) && realpath(abs, now))
		fdt_ent_set_path(e, now); /* links resolved as the kernel's path has them */
	else if (have_abs)
		fdt_ent_set_path(e, abs);
	else
		return;
	if (t->level > 1) {
		snprintf(rootpath, sizeof(rootpath), "/proc/%u/root%s", p->pid, e->path);
		fdt_ent_set_dev(e, rootpath);
		if (!e->dev_kind)
			fdt_ent_set_dev(e, e->path);
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

	if (fdt_ent_from_proc(t, p->pid, (int)fd, &now) &&
	    (prefix ? !strncmp(now.path, want, strlen(want)) : !strcmp(now.path, want)) &&
	    (!ino || !by_ino ||
	     (sscanf(now.path + strlen(want), "%llu", &got) == 1 && got == ino))) {
		fdt_ent_clear(e);
		*e = now;
		return;
	}
	fdt_ent_clear(&now);
	fdt_ent_clear(e);
	if (by_ino && ino)
		snprintf(buf, sizeof(buf), "%s%llu]", want, (unsigned long long)ino);
	else if (!prefix)
		snprintf(buf, sizeof(buf), "%s", want);
	else
		return;
	fdt_ent_set_path(e, buf);
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
	fdt_ent_lookup_sock(t, e);
}

static void ent_copy(struct fd_ent *dst, const struct fd_ent *src, bool cloexec)
{
	if (dst == src)
		return; /* dup2(fd, fd) changes nothing, not even the close-on-exec flag */
	fdt_ent_clear(dst);
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
		struct fd_ent *e = fdt_ent_at(t, p, fds[i]);

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
			fdt_ent_clear(&p->fds[fd]);
	}
}

static void apply_exec(struct proc_tab *p)
{
	for (unsigned i = 0; i < p->cap; i++)
		if (p->fds[i].cloexec)
			fdt_ent_clear(&p->fds[i]);
}

static void apply_chdir(struct fdtab *t, struct proc_tab *p, const struct event *ev)
{
	char path[64], buf[FDTAB_PATH_MAX];
	struct fd_ent *e;

	if (ev->args[0].type == ARG_FD) {
		e = fdt_ent_known(t, p, (int)ev->args[0].value);
		if (!e)
			return;
		snprintf(buf, sizeof(buf), "%s", e->path);
	} else {
		/* The kernel's own path where it can still say; else the argument, made absolute. */
		snprintf(path, sizeof(path), "/proc/%u/cwd", p->pid);
		if (fdt_read_link(path, buf) < 0 && !abs_path(t, p, ev, buf))
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
	/* -yy: the process a pidfd refers to, as the caller named it. */
	if (t->level > 1 && !strcmp(ac->call, "pidfd_open") && (int)ev->args[0].value > 0)
		e->pidfd_pid = (uint32_t)ev->args[0].value;
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
void fdtab_apply(struct fdtab *t, struct proc_tab *p, const struct event *ev)
{
	long long ret = ev->ret;
	int op = t->op[ev->nr];
	struct fd_ent *e;

	/* close closes even when it fails with EINTR (Linux frees the number first). */
	if (op == OP_CLOSE && (!ev->err || ev->err == EINTR)) {
		if (ev->args[0].value < p->cap)
			fdt_ent_clear(&p->fds[ev->args[0].value]);
		return;
	}
	/* A non-blocking connect under way has both ends already. */
	if (ev->err && !(op == OP_ADDR && ev->err == EINPROGRESS))
		return;
	if (ev->flags & EV_NORETURN)
		return;
	switch (op) {
	case OP_OPEN:
		if ((e = fdt_ent_at(t, p, ret))) {
			apply_open(t, p, ev, e);
			e->cloexec = open_flags(ev) & O_CLOEXEC;
		}
		return;
	case OP_SOCKET:
		if ((e = fdt_ent_at(t, p, ret))) {
			apply_socket(t, p, ev, e,
				     (uint8_t)sock_p_of((int)ev->args[0].value,
							(int)ev->args[1].value,
							(int)ev->args[2].value),
				     false);
			e->cloexec = ev->args[1].value & O_CLOEXEC;
		}
		return;
	case OP_ACCEPT: {
		struct fd_ent *l = fdt_ent_known(t, p, (int)ev->args[0].value);
		uint8_t proto = l ? l->proto : 0;

		if ((e = fdt_ent_at(t, p, ret))) {
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
		struct fd_ent *src = fdt_ent_known(t, p, (int)ev->args[0].value);

		if ((e = fdt_ent_at(t, p, ret)))
			ent_copy(e, src,
				 op == OP_DUP2 && ev->nargs > 2 && (ev->args[2].value & O_CLOEXEC));
		return;
	}
	case OP_FCNTL: {
		int cmd = (int)ev->args[1].value;
		struct fd_ent *src = fdt_ent_known(t, p, (int)ev->args[0].value);

		if (cmd == FD_F_SETFD && src)
			src->cloexec = ev->args[2].value & FD_CLOEXEC;
		else if ((cmd == FD_F_DUPFD || cmd == FD_F_DUPFD_CLOEXEC) &&
			 (e = fdt_ent_at(t, p, ret)))
			ent_copy(e, src, cmd == FD_F_DUPFD_CLOEXEC);
		return;
	}
	case OP_CLOSE_RANGE:
		apply_close_range(p, ev);
		return;
	case OP_ANON:
		if ((e = fdt_ent_at(t, p, ret)))
			apply_anon(t, p, ev, e);
		return;
	case OP_EXEC:
		apply_exec(p);
		return;
	case OP_CHDIR:
		apply_chdir(t, p, ev);
		return;
	case OP_ADDR:
		if ((e = fdt_ent_known(t, p, (int)ev->args[0].value)) && e->ino) {
			/* Connected after being bound: the endpoints are asked again. */
			free(e->sock);
			e->sock = NULL;
			e->addressed = true;
			fdt_ent_lookup_sock(t, e);
		}
		return;
	}
}

void fdtab_ops_init(struct fdtab *t)
{
	for (size_t i = 0; i < sizeof(fd_calls) / sizeof(fd_calls[0]); i++)
		if (fd_calls[i].level <= t->level)
			each_key(fd_calls[i].call, set_op,
				 &(struct op_ctx){ .t = t, .op = fd_calls[i].op });
	for (size_t i = 0; i < sizeof(anon_calls) / sizeof(anon_calls[0]); i++)
		each_key(anon_calls[i].call, set_op,
			 &(struct op_ctx){ .t = t, .op = OP_ANON, .anon = (uint8_t)i });
}
