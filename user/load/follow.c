// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function probes followed into each traced process's own files: one attachment per inode. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "attach.h"
#include "elf_file.h"
#include "follow.h"
#include "funcs.h"
#include "probefile.h"
#include "probes.h"
#include "proc.h"
#include "realfile.h"
#include "session.h"
#include "session_priv.h"
#include "target.h"
#include "targets.h"

/* A process followed: its pid and start time (a reused pid is another process). */
struct fproc {
	pid_t pid;
	uint64_t start;
};

/* The probes of one add, to be put on each traced process's file of that name. */
struct group {
	struct uspec spec;	       /* as asked; target as written */
	char provider[64];	       /* USDT provider, "" for functions */
	uint32_t *ids;		       /* probe ids */
	char (*funcs)[USPEC_NAME_MAX]; /* each id's function ("" for a raw offset) */
	unsigned n;
	struct file_key primary; /* the file the add attached to itself */
	bool has_primary;
	bool go; /* the probes read Go's argument registers: only Go files take them */
	/*
	 * go is settled: by the file the add attached to, or by Go types; a
	 * probe that waited for its file without them takes the first file's.
	 */
	bool go_known;
	bool by_name; /* a library short name: a file mapped later may be it (mmap_exec) */
	struct group *next_pending;
};

/* One group's links on one file, and the processes using it. */
struct site {
	struct group *g;
	struct file_key key;
	int fds[2];		 /* uprobe_multi links: return, entry; -1 when none */
	struct bpf_link **links; /* or perf / USDT links, nlinks of them */
	unsigned nlinks;
	struct fproc *refs;
	unsigned nrefs, cap;
};

struct follow {
	struct session *s;
	unsigned max_procs, max_sites; /* limits.followed, limits.followed_files */
	pthread_t thread;
	bool running;

	/* What other threads hand in, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct {
		pid_t pid;
		bool exec;
		bool mapped; /* it mapped a file executable: its maps are read again */
	} q[FOLLOW_QUEUE];
	unsigned qhead, qlen;
	struct group *pending;	       /* groups added, for the thread to take */
	struct pf_targets *targets;    /* exec candidates are confirmed against these */
	char (*names)[USPEC_NAME_MAX]; /* the by_name groups' short names, for mapped files */
	unsigned nnames;
	struct {
		pid_t pid;
		uint64_t ts_ns;
	} rejected[64]; /* candidates that did not match: their records in flight are dropped */
	unsigned nrejected, rnext;
	_Atomic uint64_t rejected_ts; /* the newest reject's record time: 0 for none */

	/* The thread's own. */
	struct group **groups;
	unsigned ngroups;
	struct fproc *procs;
	unsigned nprocs, pcap;
	struct site **sites;
	unsigned nsites, scap;
	struct elf_file *ef; /* the file read last (file_open), closed when idle */
	struct file_key ef_key;
	struct bpf_link *mmap_link; /* mmap_exec, while a live group is by_name */
	bool mmap_missing;	    /* mmap_exec is not loaded (said once) */

	_Atomic uint64_t st_procs, st_sites, st_attached, st_released, st_failed, st_over,
		st_dropped, st_rejected;
};

/* The start time of pid in clock ticks (proc_stat_start); 0 when it is gone. */
static uint64_t proc_start(pid_t pid)
{
	char path[64], buf[1024];
	uint64_t start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return proc_stat_start(buf, &start) ? 0 : start;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct follow *follow_new(struct session *s)
{
	struct follow *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->s = s;
	f->max_procs = s->opts.max_followed ? s->opts.max_followed : FOLLOW_MAX_PROCS;
	f->max_sites = s->opts.max_followed_files ? s->opts.max_followed_files : FOLLOW_MAX_SITES;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	return f;
}

/* Closes a site's links (uprobe_multi fds together: one grace period). */
static void site_close(struct site *st, struct fdset *fs)
{
	for (int i = 0; i < 2; i++)
		if (st->fds[i] >= 0) {
			if (fs->v)
				fs->v[fs->n++] = st->fds[i];
			else
				close(st->fds[i]);
			st->fds[i] = -1;
		}
	for (unsigned i = 0; i < st->nlinks; i++)
		bpf_link__destroy(st->links[i]);
	free(st->links);
	st->links = NULL;
	st->nlinks = 0;
}

static void site_free(struct site *st)
{
	free(st->refs);
	free(st);
}

/* Every site's links, closed at once. */
static void close_all(struct follow *f)
{
	struct fdset fs;

	fdset_init(&fs, f->nsites);
	for (unsigned i = 0; i < f->nsites; i++) {
		site_close(f->sites[i], &fs);
		site_free(f->sites[i]);
	}
	fdset_close(&fs);
	f->nsites = 0;
	atomic_store(&f->st_sites, 0);
}

static void group_free(struct group *g)
{
	if (!g)
		return;
	free(g->ids);
	free(g->funcs);
	free(g);
}

void follow_free(struct follow *f)
{
	struct group *g, *next;

	if (!f)
		return;
	follow_stop(f);
	close_all(f);
	for (unsigned i = 0; i < f->ngroups; i++)
		group_free(f->groups[i]);
	for (g = f->pending; g; g = next) {
		next = g->next_pending;
		group_free(g);
	}
	free(f->groups);
	free(f->procs);
	free(f->sites);
	free(f->targets);
	free(f->names);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
}

static void enqueue(struct follow *f, pid_t pid, bool exec, bool mapped)
{
	pthread_mutex_lock(&f->lock);
	if (f->qlen == FOLLOW_QUEUE) {
		atomic_fetch_add(&f->st_dropped, 1);
	} else {
		unsigned i = (f->qhead + f->qlen++) % FOLLOW_QUEUE;

		f->q[i].pid = pid;
		f->q[i].exec = exec;
		f->q[i].mapped = mapped;
		pthread_cond_signal(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
}

void follow_pid(struct follow *f, pid_t pid, bool exec)
{
	enqueue(f, pid, exec, false);
}

int follow_set_targets(struct follow *f, const struct pf_targets *t)
{
	struct pf_targets *c = malloc(sizeof(*c)), *old;

	if (!c)
		return -ENOMEM;
	memcpy(c, t, sizeof(*c));
	pthread_mutex_lock(&f->lock);
	old = f->targets;
	f->targets = c;
	pthread_mutex_unlock(&f->lock);
	free(old);
	return 0;
}

/*
 * A later exec of pid joined the traced set again (the kernel makes a join
 * record only for a process not traced at its exec, so the reject's removal
 * came first): the records from here on are the new image's. Under lock.
 */
static void forget_rejected(struct follow *f, pid_t pid, uint64_t ts)
{
	for (unsigned i = 0; i < f->nrejected; i++)
		if (f->rejected[i].pid == pid && ts > f->rejected[i].ts_ns)
			f->rejected[i].pid = 0;
}

/* Whether a record of pid made at ts is one of a rejected candidate's. Under lock. */
static bool is_rejected(const struct follow *f, pid_t pid, uint64_t ts)
{
	for (unsigned i = 0; i < f->nrejected; i++)
		/* Two seconds cover what was in flight; a later exec of that pid is new. */
		if (f->rejected[i].pid == pid && ts >= f->rejected[i].ts_ns &&
		    ts - f->rejected[i].ts_ns < 2000000000ull)
			return true;
	return false;
}

/* Whether the file a record says was mapped may be a by_name group's library. */
static bool mapped_is_named(struct follow *f, const struct at_mmap_rec *m)
{
	char base[AT_MMAP_NAME];
	bool named = false;

	memcpy(base, m->name, sizeof(base) - 1);
	base[sizeof(base) - 1] = '\0';
	/* No name (the mapping's lock was busy) or a name cut short: the maps tell. */
	if (!base[0] || strlen(base) == sizeof(base) - 1)
		return true;
	pthread_mutex_lock(&f->lock);
	for (unsigned i = 0; i < f->nnames && !named; i++)
		named = target_names_file(f->names[i], base);
	pthread_mutex_unlock(&f->lock);
	return named;
}

bool follow_record(struct follow *f, const void *data, size_t size)
{
	const struct at_rec_hdr *h = data;
	const struct at_proc_rec *r = data;
	bool keep = true;

	if (size < sizeof(*h))
		return true;
	if (h->type == AT_REC_PROC_FORK && size >= sizeof(*r)) {
		follow_pid(f, (pid_t)h->pid, false);
		return true;
	}
	if (h->type == AT_REC_PROC_MMAP) {
		/* The thread's alone: a library mapped later may be a probe's (mmap.bpf.c). */
		if (size >= sizeof(struct at_mmap_rec) && mapped_is_named(f, data))
			enqueue(f, (pid_t)h->pid, false, true);
		return false;
	}
	if (h->type != AT_REC_PROC_EXEC || size < sizeof(*r)) {
		uint64_t last = atomic_load_explicit(&f->rejected_ts, memory_order_relaxed);

		/* Per record: no lock unless a reject is recent enough to have records in flight. */
		if (!last || h->ts_ns < last || h->ts_ns - last >= 2000000000ull)
			return true;
		pthread_mutex_lock(&f->lock);
		keep = !is_rejected(f, (pid_t)h->pid, h->ts_ns);
		pthread_mutex_unlock(&f->lock);
		return keep;
	}
	if (r->flags & AT_EXEC_TRACED) {
		/* Only the thread needs it: the process was traced before and still is. */
		follow_pid(f, (pid_t)h->pid, true);
		return false;
	}
	/* A join ends the reject of an earlier image of the pid (none yet: no lock). */
	if (atomic_load_explicit(&f->rejected_ts, memory_order_relaxed)) {
		pthread_mutex_lock(&f->lock);
		forget_rejected(f, (pid_t)h->pid, h->ts_ns);
		pthread_mutex_unlock(&f->lock);
	}
	if (r->flags && !(r->flags & ~(AT_EXEC_NAME | AT_EXEC_CTR))) {
		const struct at_exec_rec *x = data;
		char path[AT_EXEC_PATH] = "";

		/* A candidate: by its file's name the path decides, by its namespace the container. */
		if (size >= sizeof(*x))
			memcpy(path, x->path, sizeof(path) - 1);
		pthread_mutex_lock(&f->lock);
		keep = f->targets && (r->flags & AT_EXEC_NAME) &&
		       targets_exec_matches(f->targets, (pid_t)h->pid, path);
		if (f->targets && (r->flags & AT_EXEC_CTR) && size >= sizeof(*x)) {
			/* The verdict holds for the namespace: its next execs and forks need no look. */
			int ctr = targets_ctr_match(f->targets, (pid_t)h->pid);

			if (ctr >= 0)
				session__set_mntns_verdict(f->s, x->mntns, ctr == 1);
			keep |= ctr == 1;
		}
		if (!keep) {
			unsigned i = f->rnext++ % 64;

			f->rejected[i].pid = (pid_t)h->pid;
			f->rejected[i].ts_ns = h->ts_ns;
			if (f->nrejected < 64)
				f->nrejected++;
			atomic_store(&f->rejected_ts, h->ts_ns);
		}
		pthread_mutex_unlock(&f->lock);
		if (!keep) {
			/* Out of the traced set first: nothing of it is counted after its entries go. */
			session__remove_pid(f->s, (pid_t)h->pid);
			session__settle_pid(f->s, (pid_t)h->pid, false);
			atomic_fetch_add(&f->st_rejected, 1);
			return false;
		}
		session__settle_pid(f->s, (pid_t)h->pid, true);
	}
	follow_pid(f, (pid_t)h->pid, false);
	return true;
}

/* "/proc/PID/root/REST" as REST with *pid PID; any other path is as it is. */
static const char *ns_path(const char *path, pid_t *pid)
{
	int n = 0;
	int p;

	if (sscanf(path, "/proc/%d/root%n", &p, &n) == 1 && n && path[n] == '/') {
		*pid = p;
		return path + n;
	}
	*pid = 0;
	return path;
}

/* A by_name group's short name, once, for mapped_is_named. Under lock. */
static void add_name(struct follow *f, const char *name)
{
	char(*v)[USPEC_NAME_MAX];

	for (unsigned i = 0; i < f->nnames; i++)
		if (!strcmp(f->names[i], name))
			return;
	v = realloc(f->names, (f->nnames + 1) * sizeof(*v));
	if (!v)
		return;
	f->names = v;
	snprintf(f->names[f->nnames++], sizeof(*v), "%s", name);
}

int follow_group(struct follow *f, struct probe *const *ps, const struct funcs *fs, size_t n,
		 const char *path, bool go)
{
	struct group *g = calloc(1, sizeof(*g));
	char attach[PATH_MAX];
	const char *rest;
	pid_t pid;

	if (!g || !(g->ids = calloc(n, sizeof(*g->ids))) ||
	    !(g->funcs = calloc(n, sizeof(*g->funcs)))) {
		group_free(g);
		return -ENOMEM;
	}
	g->spec = ps[0]->spec;
	snprintf(g->provider, sizeof(g->provider), "%s", ps[0]->provider);
	for (size_t i = 0; i < n; i++) {
		g->ids[i] = ps[i]->id;
		snprintf(g->funcs[i], sizeof(g->funcs[i]), "%s",
			 fs->v[i].name[0] ? fs->v[i].name : ps[0]->spec.func);
	}
	g->n = (unsigned)n;
	/* The file the add attached to: a process whose file it is needs nothing more. */
	rest = ns_path(path, &pid);
	g->has_primary = path[0] && !realfile(pid, rest, attach, sizeof(attach), &g->primary);
	g->go = go;
	g->go_known = path[0] || g->spec.go_arg >= 0 || uspec_go_results(&g->spec);
	g->by_name = g->spec.target[0] && !strchr(g->spec.target, '/');
	pthread_mutex_lock(&f->lock);
	if (g->by_name)
		add_name(f, g->spec.target);
	g->next_pending = f->pending;
	f->pending = g;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	/* From now on a traced process's exec is the thread's to follow. */
	session__report_execs(f->s, true);
	return 0;
}

/* The process entry of pid, or NULL. */
static struct fproc *proc_find(struct follow *f, pid_t pid)
{
	for (unsigned i = 0; i < f->nprocs; i++)
		if (f->procs[i].pid == pid)
			return &f->procs[i];
	return NULL;
}

static bool ref_has(const struct site *st, const struct fproc *p)
{
	for (unsigned i = 0; i < st->nrefs; i++)
		if (st->refs[i].pid == p->pid && st->refs[i].start == p->start)
			return true;
	return false;
}

static int ref_add(struct site *st, const struct fproc *p)
{
	if (ref_has(st, p))
		return 0;
	if (st->nrefs == st->cap) {
		unsigned cap = st->cap ? st->cap * 2 : 4;
		struct fproc *v = realloc(st->refs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->refs = v;
		st->cap = cap;
	}
	st->refs[st->nrefs++] = *p;
	return 0;
}

/* Whether probe id is still wanted (not removed by a reload or a failed batch). */
static bool id_live(struct follow *f, uint32_t id)
{
	const struct probe *p = probes__get(f->s, id);

	return p && !p->removed;
}

/*
 * The ELF file of key, at path from here: opened once while the thread has
 * work, so the groups that put probes on one new file (a replaced binary,
 * a new image's: one per probe of a probe file) read its symbols once.
 * NULL with errno when it cannot be read.
 */
static struct elf_file *file_open(struct follow *f, const struct file_key *key, const char *path)
{
	char err[256];

	if (f->ef && file_key_eq(&f->ef_key, key))
		return f->ef;
	elf_file__close(f->ef);
	f->ef = elf_file__open(path, err, sizeof(err));
	if (!f->ef && !errno)
		errno = EINVAL; /* open, but not an ELF file we can read */
	f->ef_key = *key;
	return f->ef;
}

static void file_close(struct follow *f)
{
	elf_file__close(f->ef);
	f->ef = NULL;
}

/* The group's probes read with Go's ABI (go) or SysV's from now on: its entries rewritten. */
static int set_abi(struct follow *f, struct group *g, bool go)
{
	for (unsigned i = 0; i < g->n && go != g->go; i++) {
		int ret = probes__set_abi(f->s, g->ids[i], go);

		if (ret && ret != -ENOENT)
			return ret;
	}
	g->go = go;
	g->go_known = true;
	return 0;
}

/*
 * go_return's link on the RETs of the functions resolved in w (nw wants,
 * those without err in order, cookies[k] the k-th's of nf): the fd or -errno.
 */
static int go_ret_link(struct session *s, const char *path, const struct func_want *w, unsigned nw,
		       const uint64_t *cookies, unsigned nf)
{
	size_t total = 0, k = 0, f = 0;
	uint64_t *offs, *ck;
	int fd = -ENOMEM;

	for (unsigned i = 0; i < nw; i++)
		total += w[i].err ? 0 : w[i].nret;
	offs = calloc(total ? total : 1, sizeof(*offs));
	ck = calloc(total ? total : 1, sizeof(*ck));
	if (offs && ck) {
		for (unsigned i = 0; i < nw && f < nf; i++) {
			if (w[i].err)
				continue;
			for (unsigned j = 0; j < w[i].nret; j++) {
				offs[k] = w[i].ret[j];
				ck[k++] = cookies[f];
			}
			f++;
		}
		fd = total ? go_return_fd(s, path, offs, ck, total) : -ENOENT;
	}
	free(offs);
	free(ck);
	return fd;
}

/*
 * The group's probes on the file of st->key at path (as reachable from
 * here): its live functions resolved in it at once, then the links, as the
 * add made its own. A file without the functions gets a site with no links:
 * it is not looked at again while a process uses it. The functions
 * attached, or -errno (then nothing stays attached).
 */
static int site_attach(struct follow *f, struct site *st, const char *path)
{
	struct group *g = st->g;
	uint64_t *offs = calloc(g->n, sizeof(*offs)), *cookies = calloc(g->n, sizeof(*cookies));
	struct func_want *w = calloc(g->n, sizeof(*w));
	const char *provider = g->provider[0] ? g->provider : NULL;
	struct session *s = f->s;
	struct elf_file *ef;
	unsigned nf = 0, nw = 0;
	char err[512];
	int ret = 0;

	if (!offs || !cookies || !w || !(st->links = calloc(2 * g->n, sizeof(*st->links)))) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < g->n; i++)
		if (id_live(f, g->ids[i])) {
			cookies[nw] = g->ids[i];
			w[nw++].name = g->funcs[i];
		}
	ef = nw ? file_open(f, &st->key, path) : NULL;
	/* Unreadable (EMFILE, a root gone): a failure, not a file without the functions. */
	if (nw && !ef) {
		ret = -errno;
		goto out;
	}
	/* A waiting probe's first file tells its ABI: Go's registers, or SysV's. */
	if (ef && !g->go_known && !provider && set_abi(f, g, elf_file__is_go(ef))) {
		ret = -EIO;
		goto out;
	}
	/* The kernel's entry reads one ABI's registers: a file of the other is skipped. */
	if (!ef || (!provider && elf_file__is_go(ef)) != g->go ||
	    funcs_resolve_in(ef, path, &g->spec, provider, w, nw, err, sizeof(err)) <= 0)
		goto out;
	for (unsigned i = 0; i < nw; i++)
		if (!w[i].err) {
			offs[nf] = w[i].off;
			cookies[nf++] = cookies[i];
		}
	if (!nf)
		goto out;
	if (g->provider[0]) {
		/* USDT sites: libbpf's links, which also raise the probe's semaphore. */
		for (unsigned i = 0; i < nf; i++) {
			LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = cookies[i]);
			struct bpf_link *l = bpf_program__attach_usdt(
				s->skel->progs.usdt_hit, -1, path, g->provider, g->spec.func, &uo);

			if (!l) {
				ret = -errno;
				goto out;
			}
			st->links[st->nlinks++] = l;
		}
	} else if (s->uprobe_multi) {
		/* The return link first, as for the add's own links. */
		if (g->spec.when != UW_ENTRY && g->go) {
			st->fds[0] = go_ret_link(s, path, w, nw, cookies, nf);
			if (st->fds[0] < 0) {
				ret = st->fds[0];
				st->fds[0] = -1;
				goto out;
			}
		} else if (g->spec.when != UW_ENTRY &&
			   (st->fds[0] = uprobe_multi_fd(s, path, offs, cookies, nf, true)) < 0) {
			ret = st->fds[0];
			st->fds[0] = -1;
			goto out;
		}
		if (g->spec.when != UW_RETURN &&
		    (st->fds[1] = uprobe_multi_fd(s, path, offs, cookies, nf, false)) < 0) {
			ret = st->fds[1];
			st->fds[1] = -1;
			goto out;
		}
	} else if (g->go && g->spec.when != UW_ENTRY) {
		/* A Go function's returns are seen on its RETs, through one uprobe_multi link. */
		ret = -EOPNOTSUPP;
		goto out;
	} else {
		for (int pass = 0; pass < 2; pass++) {
			bool retp = pass == 0;

			if (retp ? g->spec.when == UW_ENTRY : g->spec.when == UW_RETURN)
				continue;
			for (unsigned i = 0; i < nf; i++) {
				LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = cookies[i],
					    .retprobe = retp);
				struct bpf_program *prog = retp ? s->skel->progs.func_return :
								  s->skel->progs.func_entry;
				struct bpf_link *l = bpf_program__attach_uprobe_opts(prog, -1, path,
										     offs[i], &o);

				if (!l) {
					ret = -errno;
					goto out;
				}
				st->links[st->nlinks++] = l;
			}
		}
	}
	ret = (int)nf;
out:
	free(offs);
	free(cookies);
	free(w);
	if (ret < 0) {
		struct fdset none = {};

		site_close(st, &none);
	}
	return ret;
}

/* pid's file for g's target, as uprobes see it: key, and a path to it from here. 0 or -1. */
static int group_file(const struct group *g, pid_t pid, char *attach, size_t len,
		      struct file_key *key)
{
	char path[PATH_MAX], err[512];
	const char *rest;
	pid_t in;

	if (!g->spec.target[0]) {
		bool deleted;

		/* The main executable, by the path the process sees (a removed file has none). */
		if (proc_exe_link(pid, path, sizeof(path), &deleted) || deleted)
			return -1;
		return realfile(pid, path, attach, len, key) ? -1 : 0;
	}
	if (target_resolve(g->spec.target, pid, NULL, path, sizeof(path), err, sizeof(err)))
		return -1;
	rest = ns_path(path, &in);
	return realfile(in ? in : pid, rest, attach, len, key) ? -1 : 0;
}

/* The site of g on key, or NULL. */
static struct site *site_find(struct follow *f, const struct group *g, const struct file_key *k)
{
	for (unsigned i = 0; i < f->nsites; i++)
		if (f->sites[i]->g == g && file_key_eq(&f->sites[i]->key, k))
			return f->sites[i];
	return NULL;
}

/* g's probes for process p: on its file when they are not there yet. */
static void follow_group_in(struct follow *f, struct group *g, const struct fproc *p)
{
	char attach[PATH_MAX];
	struct file_key key;
	struct site *st;
	int ret;

	if (group_file(g, p->pid, attach, sizeof(attach), &key))
		return;
	if (g->has_primary && file_key_eq(&key, &g->primary))
		return;
	st = site_find(f, g, &key);
	if (st) {
		if (ref_add(st, p))
			atomic_fetch_add(&f->st_over, 1);
		return;
	}
	if (f->nsites == f->max_sites) {
		atomic_fetch_add(&f->st_over, 1);
		return;
	}
	if (f->nsites == f->scap) {
		unsigned cap = f->scap ? f->scap * 2 : 16;
		struct site **v = realloc(f->sites, cap * sizeof(*v));

		if (!v)
			return;
		f->sites = v;
		f->scap = cap;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return;
	st->g = g;
	st->key = key;
	st->fds[0] = st->fds[1] = -1;
	pthread_mutex_lock(&f->s->probes_lock);
	ret = site_attach(f, st, attach);
	pthread_mutex_unlock(&f->s->probes_lock);
	if (ret < 0) {
		/* A process gone meanwhile took its /proc/PID/root along: nothing failed. */
		if (proc_start(p->pid) == p->start) {
			fprintf(stderr, "agent-trace: probe '%s': attaching in %s (pid %d): %s\n",
				g->spec.func, attach, p->pid, strerror(-ret));
			atomic_fetch_add(&f->st_failed, 1);
		}
		site_free(st);
		return;
	}
	if (ret > 0) {
		char where[USPEC_NAME_MAX * 2 + 32];

		uspec_where(&g->spec, where, sizeof(where));
		fprintf(stderr,
			"agent-trace: probe '%s': %d function%s attached in %s for pid %d\n", where,
			ret, ret == 1 ? "" : "s", attach, p->pid);
		atomic_fetch_add(&f->st_attached, 1);
	}
	if (ref_add(st, p)) {
		struct fdset none = {};

		site_close(st, &none);
		site_free(st);
		return;
	}
	f->sites[f->nsites++] = st;
	atomic_store(&f->st_sites, f->nsites);
}

/* Takes pid's references off every site: its image is gone (an exec, or its exit). */
static void unref_pid(struct follow *f, pid_t pid)
{
	for (unsigned i = 0; i < f->nsites; i++) {
		struct site *st = f->sites[i];

		for (unsigned k = 0; k < st->nrefs;)
			if (st->refs[k].pid == pid)
				st->refs[k] = st->refs[--st->nrefs];
			else
				k++;
	}
}

static bool group_live(struct follow *f, const struct group *g)
{
	for (unsigned k = 0; k < g->n; k++)
		if (id_live(f, g->ids[k]))
			return true;
	return false;
}

/* Whether some live group names its library by a short name. */
static bool by_name_live(struct follow *f)
{
	for (unsigned i = 0; i < f->ngroups; i++)
		if (f->groups[i]->by_name && group_live(f, f->groups[i]))
			return true;
	return false;
}

/*
 * A followed process mapped a file that may be a by_name group's library:
 * each such group is looked for in its maps again (a dlopen of a path its
 * maps and linker cache did not name when it joined).
 */
static void remap(struct follow *f, const struct fproc *p)
{
	for (unsigned i = 0; i < f->ngroups; i++) {
		struct group *g = f->groups[i];

		if (g->by_name && group_live(f, g))
			follow_group_in(f, g, p);
	}
}

static void handle_pid(struct follow *f, pid_t pid, bool exec, bool mapped)
{
	uint64_t start = proc_start(pid);
	struct fproc *p;

	if (!start)
		return;
	p = proc_find(f, pid);
	if (p && p->start == start && !exec) {
		if (mapped)
			remap(f, p);
		return; /* followed already */
	}
	/* Not followed (yet): its join reads its maps, with this file in them. */
	if (mapped)
		return;
	if (p) {
		unref_pid(f, pid);
		p->start = start;
	} else {
		if (f->nprocs == f->max_procs) {
			atomic_fetch_add(&f->st_over, 1);
			return;
		}
		if (f->nprocs == f->pcap) {
			unsigned cap = f->pcap ? f->pcap * 2 : 64;
			struct fproc *v = realloc(f->procs, cap * sizeof(*v));

			if (!v)
				return;
			f->procs = v;
			f->pcap = cap;
		}
		p = &f->procs[f->nprocs++];
		p->pid = pid;
		p->start = start;
		atomic_store(&f->st_procs, f->nprocs);
	}
	for (unsigned i = 0; i < f->ngroups; i++)
		follow_group_in(f, f->groups[i], p);
}

/* Whether pid was a rejected candidate lately (session__settle_late's question). */
static bool was_rejected(void *ctx, pid_t pid)
{
	struct follow *f = ctx;
	bool r = false;

	pthread_mutex_lock(&f->lock);
	for (unsigned i = 0; i < f->nrejected && !r; i++)
		r = f->rejected[i].pid == pid;
	pthread_mutex_unlock(&f->lock);
	return r;
}

/*
 * The mmap_exec program attached (on) or not: its records are needed only
 * while a live group names its library by a short name.
 */
static void mmap_watch(struct follow *f, bool on)
{
	/* mmap's own tracepoint where tracefs shows it (libbpf looks there); else the raw one. */
	bool tracefs = !access("/sys/kernel/tracing/events/syscalls/sys_exit_mmap/id", F_OK) ||
		       !access("/sys/kernel/debug/tracing/events/syscalls/sys_exit_mmap/id", F_OK);
	struct bpf_program *prog = tracefs ? f->s->skel->progs.mmap_exec :
					     f->s->skel->progs.mmap_exec_raw;

	if (!on) {
		bpf_link__destroy(f->mmap_link);
		f->mmap_link = NULL;
		return;
	}
	if (f->mmap_link || f->mmap_missing)
		return;
	if (bpf_program__fd(prog) < 0) {
		/* Not loaded: the kernel has no bpf_find_vma (session.c). Said once. */
		fprintf(stderr, "agent-trace: libraries mapped later are not looked for: the "
				"kernel lacks bpf_find_vma (Linux 5.17)\n");
		f->mmap_missing = true;
		return;
	}
	f->mmap_link = bpf_program__attach(prog);
	/* mmap's tracepoint refused (tracefs there but not usable): the raw one. */
	if (!f->mmap_link && prog == f->s->skel->progs.mmap_exec) {
		prog = f->s->skel->progs.mmap_exec_raw;
		f->mmap_link = bpf_program__attach(prog);
	}
	if (!f->mmap_link) {
		/* Said once: not tried again at every group that would want it. */
		fprintf(stderr,
			"agent-trace: libraries mapped later are not looked for: attaching %s: %s\n",
			bpf_program__name(prog), strerror(errno));
		f->mmap_missing = true;
	}
}

/*
 * Processes gone (or their pid reused) leave; sites no process uses any more,
 * and those whose probes were all removed, are closed together.
 */
static void sweep(struct follow *f)
{
	struct fdset fs;
	unsigned n = 0;

	/* A candidate's call that was under way at its verdict. */
	session__settle_late(f->s, was_rejected, f);

	for (unsigned i = 0; i < f->nprocs;) {
		if (proc_start(f->procs[i].pid) != f->procs[i].start) {
			unref_pid(f, f->procs[i].pid);
			f->procs[i] = f->procs[--f->nprocs];
		} else {
			i++;
		}
	}
	atomic_store(&f->st_procs, f->nprocs);
	fdset_init(&fs, f->nsites);
	for (unsigned i = 0; i < f->nsites; i++) {
		struct site *st = f->sites[i];

		if (st->nrefs && group_live(f, st->g)) {
			f->sites[n++] = st;
			continue;
		}
		if (st->fds[0] >= 0 || st->fds[1] >= 0 || st->nlinks)
			atomic_fetch_add(&f->st_released, 1);
		site_close(st, &fs);
		site_free(st);
	}
	f->nsites = n;
	atomic_store(&f->st_sites, n);
	fdset_close(&fs);
	if (f->mmap_link && !by_name_live(f))
		mmap_watch(f, false);
}

static void *run(void *arg)
{
	struct follow *f = arg;
	uint64_t next_sweep = mono_ns() + FOLLOW_SWEEP_MS * 1000000ull;

	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		struct group *g = f->pending;

		if (g) {
			struct group **v;

			f->pending = g->next_pending;
			pthread_mutex_unlock(&f->lock);
			v = realloc(f->groups, (f->ngroups + 1) * sizeof(*v));
			if (v) {
				f->groups = v;
				f->groups[f->ngroups++] = g;
				if (g->by_name)
					mmap_watch(f, true);
				/* Every process followed so far gets the new probes too. */
				for (unsigned i = 0; i < f->nprocs; i++)
					follow_group_in(f, g, &f->procs[i]);
			} else {
				group_free(g);
			}
			pthread_mutex_lock(&f->lock);
			continue;
		}
		if (f->qlen) {
			pid_t pid = f->q[f->qhead].pid;
			bool exec = f->q[f->qhead].exec, mapped = f->q[f->qhead].mapped;

			f->qhead = (f->qhead + 1) % FOLLOW_QUEUE;
			f->qlen--;
			pthread_mutex_unlock(&f->lock);
			handle_pid(f, pid, exec, mapped);
			pthread_mutex_lock(&f->lock);
			continue;
		}
		if (mono_ns() >= next_sweep) {
			pthread_mutex_unlock(&f->lock);
			sweep(f);
			next_sweep = mono_ns() + FOLLOW_SWEEP_MS * 1000000ull;
			pthread_mutex_lock(&f->lock);
			continue;
		}
		struct timespec until;

		/* Idle: the file read last is not kept (a library's symbols can be megabytes). */
		if (f->ef) {
			pthread_mutex_unlock(&f->lock);
			file_close(f);
			pthread_mutex_lock(&f->lock);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&f->cond, &f->lock, &until);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

int follow_start(struct follow *f)
{
	int ret;

	if (f->running)
		return 0;
	ret = pthread_create(&f->thread, NULL, run, f);
	if (ret)
		return -ret;
	f->running = true;
	return 0;
}

void follow_stop(struct follow *f)
{
	if (!f || !f->running)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	f->running = false;
	mmap_watch(f, false);
	file_close(f);
	close_all(f);
}

void follow_get_stats(struct follow *f, struct follow_stats *st)
{
	st->procs = atomic_load(&f->st_procs);
	st->sites = atomic_load(&f->st_sites);
	st->attached = atomic_load(&f->st_attached);
	st->released = atomic_load(&f->st_released);
	st->failed = atomic_load(&f->st_failed);
	st->over = atomic_load(&f->st_over);
	st->dropped = atomic_load(&f->st_dropped);
	st->rejected = atomic_load(&f->st_rejected);
}
