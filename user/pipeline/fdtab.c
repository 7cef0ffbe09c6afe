// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -y, -yy: a shadow fd table per traced process, seeded from /proc/PID/fd
 * at attach or when the process is first seen, copied at fork, and changed
 * in stream order by the records of the calls that make, copy and close
 * fds (fdapply.c; the kernel sends those with -y whatever -e says, flagged
 * AT_CALL_SHADOW).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "decode.h"
#include "fdtab_priv.h"
#include "sockdiag.h"
#include "syscalls.h"

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
	fdtab_ops_init(t);
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		const struct syscall_desc *d = syscall_desc_of(nr);

		for (unsigned i = 0; d && i < d->nargs && i < AT_MAX_ARGS; i++)
			t->shows[nr] |= d->arg[i] == ARG_FD || d->arg[i] == ARG_DIRFD ||
					d->arg[i] == ARG_PIPE_FDS;
		t->shows[nr] |= d && d->ret == ARG_FD;
	}
	return t;
}

void fdt_ent_clear(struct fd_ent *e)
{
	free(e->path);
	free(e->sock);
	*e = (struct fd_ent){ 0 };
}

static void proc_clear(struct proc_tab *p)
{
	for (unsigned i = 0; i < p->cap; i++)
		fdt_ent_clear(&p->fds[i]);
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

struct fd_ent *fdt_ent_at(struct fdtab *t, struct proc_tab *p, long long fd)
{
	return ent_room(p, fd, &t->c.fds_over);
}

/* readlink into buf (FDTAB_PATH_MAX), NUL-terminated: its length, or -1. */
ssize_t fdt_read_link(const char *path, char *buf)
{
	ssize_t n = readlink(path, buf, FDTAB_PATH_MAX - 1);

	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* path, a readlink result, into e; " (deleted)" kept as the flag, as strace shows it. */
void fdt_ent_set_path(struct fd_ent *e, char *path)
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
	e->pidfd_pid = 0;
}

/* -yy: whether the file at path (the tracee's view, /proc/PID/...) is a device. */
void fdt_ent_set_dev(struct fd_ent *e, const char *path)
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
bool fdt_ent_from_proc(const struct fdtab *t, uint32_t pid, int fd, struct fd_ent *e)
{
	char path[64], buf[FDTAB_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/fd/%d", pid, fd);
	if (fdt_read_link(path, buf) < 0)
		return false;
	fdt_ent_set_path(e, buf);
	if (t->level > 1) {
		fdt_ent_set_dev(e, path);
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
			else if (t->level > 1 && !strcmp(e->path, "anon_inode:[pidfd]"))
				sscanf(buf, "Pid: %u", &e->pidfd_pid);
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
	if (fdt_read_link(path, buf) >= 0)
		p->cwd = strdup(buf);
	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		struct fd_ent *e;

		if (*end || end == de->d_name || !(e = ent_room(p, fd, over)))
			continue;
		fdt_ent_from_proc(t, pid, (int)fd, e);
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
	/* A parent that made no fd call yet has its table made now, from /proc. */
	pp = proc_get(t, parent);
	if (!pp)
		return; /* no room: the child is seeded from /proc when it is first seen */
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
struct fd_ent *fdt_ent_known(struct fdtab *t, struct proc_tab *p, long long fd)
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
	e = fdt_ent_at(t, p, fd);
	if (!e || !fdt_ent_from_proc(t, p->pid, (int)fd, e))
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
void fdt_ent_lookup_sock(struct fdtab *t, struct fd_ent *e)
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
	fi->pid = t->level > 1 ? e->pidfd_pid : 0;
	if (t->level < 2 || !e->ino)
		return;
	fdt_ent_lookup_sock(t, e);
	if (e->sock) {
		fi->sock = arena_dup(v, e->sock);
	} else if (sock_p_name((enum sock_p)e->proto)) {
		/* strace's for a socket the kernel does not list: its protocol and inode. */
		snprintf(buf, sizeof(buf), "%s:[%llu]", sock_p_name((enum sock_p)e->proto),
			 (unsigned long long)e->ino);
		fi->sock = arena_dup(v, buf);
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
			info_of(t, v, fdt_ent_known(t, p, fd), &v->arg[i]);
	}
}

/* The fds the call returned, as they are after it. */
static void view_ret(struct fdtab *t, struct proc_tab *p, const struct event *ev, struct fd_view *v)
{
	int fds[2];

	if (ev->err || (ev->flags & (EV_NORETURN | EV_ENTRY_ONLY)) || !ev->sys)
		return;
	if (ev->sys->ret == ARG_FD && ev->ret >= 0)
		info_of(t, v, fdt_ent_known(t, p, ev->ret), &v->ret);
	if (t->op[ev->nr] == OP_PIPE && ev->args[0].bytes && ev->args[0].len >= sizeof(fds)) {
		memcpy(fds, ev->args[0].bytes, sizeof(fds));
		for (int i = 0; i < 2; i++)
			info_of(t, v, fdt_ent_known(t, p, fds[i]), &v->pipe[i]);
	}
}

bool fdtab__event(struct fdtab *t, const struct event *ev, struct fd_view *view)
{
	struct proc_tab *p;

	switch (ev->kind) {
	case EV_FORK:
		proc_fork(t, ev->ppid, ev->pid);
		return false;
	case EV_EXIT:
		proc_drop(t, ev->pid);
		return false;
	case EV_SYSCALL:
		break;
	default:
		return false;
	}
	/* Most calls of a busy process (getppid, futex...) neither show nor change fds. */
	if (ev->nr >= AT_NR_MAX || (!t->op[ev->nr] && !t->shows[ev->nr]))
		return false;
	if (view) {
		memset(view->arg, 0, sizeof(view->arg));
		memset(view->pipe, 0, sizeof(view->pipe));
		view->ret = (struct fd_info){ 0 };
		view->used = 0;
	}
	if (!(p = proc_get(t, ev->pid)))
		return t->shows[ev->nr];
	if (view && ev->sys && !(ev->flags & EV_RETURN_ONLY))
		view_args(t, p, ev, view);
	if (t->op[ev->nr])
		fdtab_apply(t, p, ev);
	if (view)
		view_ret(t, p, ev, view);
	return t->shows[ev->nr];
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
