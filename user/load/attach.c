// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Function probes' links: a uprobe/uretprobe pair or a USDT link per probe,
 * or uprobe_multi links shared by the probes of one add or one batch, and
 * their closing, many at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "probetab.h"
#include "session_priv.h"
#include "setup.h"
#include "uprobe_multi.h"
#include "util.h"

/*
 * A uprobe_multi link: one program on all the functions of one add, or of
 * one batch (probes__batch_begin), in one file. Each of those probes holds
 * a reference, so removing one id leaves the link to the others (the id's
 * table entry, turned off, silences it); the last one closes it, paying the
 * kernel's one grace period for them all.
 */
struct mlink {
	int fd;
	unsigned refs;
};

/* Keeps a link fd for closing with the others; without room (out of memory), closes it. */
static void fdset_add(struct fdset *fs, int fd)
{
	if (fs->v)
		fs->v[fs->n++] = fd;
	else
		close(fd);
}

static void mlink_put(struct mlink *l, struct fdset *fs)
{
	if (l && !--l->refs) {
		fdset_add(fs, l->fd);
		free(l);
	}
}

/*
 * Closes the link fds of fs. Closing a uprobe_multi link waits for the
 * kernel's grace period (~100 ms) after unregistering its uprobes, but
 * closes running at the same time share one: so they run on up to CLOSERS
 * threads at once. (The fallback's perf links are destroyed one by one:
 * the kernel unregisters perf uprobes under its event_mutex.)
 */
#define CLOSERS 64

struct closing {
	const int *fds;
	size_t n;
	atomic_size_t next;
};

static void *close_some(void *arg)
{
	struct closing *c = arg;
	size_t i;

	while ((i = atomic_fetch_add(&c->next, 1)) < c->n)
		close(c->fds[i]);
	return NULL;
}

void close_fds(struct fdset *fs)
{
	struct closing c = { .fds = fs->v, .n = fs->n };
	size_t nth = fs->n < CLOSERS ? fs->n : CLOSERS, k;
	pthread_t th[CLOSERS];

	/* A thread that cannot start leaves its share to the others and to this one. */
	for (k = 1; k < nth; k++)
		if (pthread_create(&th[k], NULL, close_some, &c))
			break;
	close_some(&c);
	for (size_t j = 1; j < k; j++)
		pthread_join(th[j], NULL);
	fs->n = 0;
}

void destroy_links(struct probe *p, struct fdset *fs)
{
	bpf_link__destroy(p->entry);
	bpf_link__destroy(p->ret);
	mlink_put(p->mentry, fs);
	mlink_put(p->mret, fs);
	p->entry = p->ret = NULL;
	p->mentry = p->mret = NULL;
}

void fdset_init(struct fdset *fs, size_t n)
{
	fs->n = 0;
	fs->v = calloc(n ? 2 * n : 1, sizeof(*fs->v));
}

void fdset_close(struct fdset *fs)
{
	close_fds(fs);
	free(fs->v);
	fs->v = NULL;
}

/* A uprobe_multi link of prog on the n offsets of path (flags: AT_BPF_F_UPROBE_MULTI_*). */
static int multi_fd(struct bpf_program *prog, const char *path, const uint64_t *offs,
		    const uint64_t *cookies, size_t n, __u32 flags)
{
	struct at_uprobe_multi_attr a = {};
	int fd;

	a.prog_fd = (__u32)bpf_program__fd(prog);
	a.attach_type = AT_BPF_TRACE_UPROBE_MULTI;
	a.path = (__u64)(unsigned long)path;
	a.offsets = (__u64)(unsigned long)offs;
	a.cookies = (__u64)(unsigned long)cookies;
	a.cnt = (__u32)n;
	a.um_flags = flags;
	/* pid 0, as for the perf links: the programs' own filter keeps the traced processes. */
	fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

int uprobe_multi_fd(struct session *s, const char *path, const uint64_t *offs,
		    const uint64_t *cookies, size_t n, bool ret)
{
	return multi_fd(ret ? s->skel->progs.func_return : s->skel->progs.func_entry, path, offs,
			cookies, n, ret ? AT_BPF_F_UPROBE_MULTI_RETURN : 0);
}

int go_return_fd(struct session *s, const char *path, const uint64_t *offs, const uint64_t *cookies,
		 size_t n)
{
	return multi_fd(s->skel->progs.go_return, path, offs, cookies, n, 0);
}

/* The sites of a Go function's return probe on its RETs (p->go_nret of them), or its own. */
static size_t sites_of(const struct probe *p, bool ret)
{
	return ret && p->go_nret ? p->go_nret : 1;
}

/*
 * A uprobe_multi link fd of the entry or the return program on the n probes
 * of ps, all in one file: their offsets, their ids as the cookies. The fd or
 * -errno.
 */
static int mlink_fd(struct session *s, struct probe **ps, size_t n, bool ret)
{
	size_t total = 0, k = 0;
	uint64_t *offs, *cookies;
	bool go = ret && ps[0]->go_nret;
	int fd = -ENOMEM;

	/* A Go function's return: go_return on each of its RETs, never a uretprobe. */
	for (size_t i = 0; i < n; i++)
		total += sites_of(ps[i], ret);
	offs = calloc(total, sizeof(*offs));
	cookies = calloc(total, sizeof(*cookies));
	if (offs && cookies) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < sites_of(ps[i], ret); j++) {
				offs[k] = go ? ps[i]->go_ret[j] : ps[i]->off;
				cookies[k++] = ps[i]->id;
			}
		fd = go ? go_return_fd(s, ps[0]->path, offs, cookies, total) :
			  uprobe_multi_fd(s, ps[0]->path, offs, cookies, n, ret);
	}
	free(offs);
	free(cookies);
	return fd;
}

/* mlink_fd's link, held by each of the n probes of ps. 0 or -errno. */
static int mlink_create(struct session *s, struct probe **ps, size_t n, bool ret)
{
	struct mlink *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->fd = mlink_fd(s, ps, n, ret);
	if (l->fd < 0) {
		int err = l->fd;

		free(l);
		return err;
	}
	l->refs = (unsigned)n;
	for (size_t i = 0; i < n; i++)
		*(ret ? &ps[i]->mret : &ps[i]->mentry) = l;
	return 0;
}

/*
 * The return link first, for the reason attach_one gives. 0, -EINTR when a
 * stop was asked for before a link, or -errno; rollback() undoes what was made.
 */
static int attach_multi(struct session *s, struct probe **ps, size_t n, uint8_t mode)
{
	int ret;

	if (setup_cancelled())
		return -EINTR;
	if (mode != UW_ENTRY && (ret = mlink_create(s, ps, n, true)))
		return ret;
	if (setup_cancelled())
		return -EINTR;
	if (mode != UW_RETURN && (ret = mlink_create(s, ps, n, false)))
		return ret;
	return 0;
}

static int attach_one(struct session *s, struct probe *p)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = p->id);
	uint8_t mode = p->spec.when;

	/* pid -1: every process mapping the file; the kernel filter keeps the traced ones. */
	if (p->provider[0]) {
		LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = p->id);

		p->entry = bpf_program__attach_usdt(s->skel->progs.usdt_hit, -1, p->path,
						    p->provider, p->spec.func, &uo);
		return p->entry ? 0 : -errno;
	}
	/* A Go function's returns are seen on its RETs, through one uprobe_multi link. */
	if (mode != UW_ENTRY && p->go_nret)
		return -EOPNOTSUPP;
	/*
	 * The return first: an entry seen before its return probe existed would
	 * leave a frame no return ever pops. A return whose entry came too early
	 * is only counted as unpaired.
	 */
	if (mode != UW_ENTRY) {
		o.retprobe = true;
		p->ret = bpf_program__attach_uprobe_opts(s->skel->progs.func_return, -1, p->path,
							 p->off, &o);
		if (!p->ret)
			return -errno;
	}
	if (mode != UW_RETURN) {
		o.retprobe = false;
		p->entry = bpf_program__attach_uprobe_opts(s->skel->progs.func_entry, -1, p->path,
							   p->off, &o);
		if (!p->entry) {
			int ret = -errno;

			/* Perf links only: nothing for an fdset. */
			bpf_link__destroy(p->ret);
			p->ret = NULL;
			return ret;
		}
	}
	return 0;
}

/*
 * The function probes added while a batch is open, attached together at its
 * commit: one uprobe_multi link per file and mode for all of them, rather
 * than one per add. Links are what a process exit closes one by one, a
 * grace period each: a SIGKILLed agent with 100 one-function entries took
 * 10 s to be reaped, with them grouped 0.1 s.
 */
struct batch_item {
	struct probe *p;
	dev_t dev; /* the file, so two paths of one file share its links */
	ino_t ino; /* 0 when stat failed: then compared by path */
};

struct probe_batch {
	struct batch_item *v;
	size_t n, cap;
};

/* Adds an add's n probes, all in one file, to b. 0 or -ENOMEM. */
static int batch_push(struct probe_batch *b, struct probe **ps, size_t n)
{
	struct stat st = {};

	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		struct batch_item *v;

		while (cap < b->n + n)
			cap *= 2;
		v = realloc(b->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	/* The kernel attaches to the inode: two paths of one file are one group. */
	if (n && stat(ps[0]->path, &st))
		st.st_dev = 0, st.st_ino = 0;
	for (size_t i = 0; i < n; i++)
		b->v[b->n++] =
			(struct batch_item){ .p = ps[i], .dev = st.st_dev, .ino = st.st_ino };
	return 0;
}

static bool same_file(const struct batch_item *a, const struct batch_item *b)
{
	if (a->ino && b->ino)
		return a->dev == b->dev && a->ino == b->ino;
	return !strcmp(a->p->path, b->p->path);
}

/* Whether p, still wanted, goes on the return (ret) or the entry link of its file. */
static bool batch_wants(const struct probe *p, bool ret)
{
	return !p->removed && (ret ? p->spec.when != UW_ENTRY : p->spec.when != UW_RETURN);
}

/*
 * An attach error as text. The kernel's ENOTSUPP (524) is internal to it and
 * has no strerror: uprobes return it for an instruction they cannot probe.
 */
static const char *attach_error(int ret)
{
	if (ret == -524)
		return "the kernel cannot put a uprobe on the instruction there (ENOTSUPP)";
	return strerror(-ret);
}

/*
 * Why a link on the n probes of ps failed (ret), in err. The kernel does not
 * say which offset it refused, so halves are tried, keeping one that fails,
 * down to one probe: each try that succeeds leaves its link fd in fs, for
 * the rollback to close with the others.
 */
static void link_failed(struct session *s, struct probe **ps, size_t n, bool retp, int ret,
			struct fdset *fs, char *err, size_t errlen)
{
	struct probe *bad = n == 1 ? ps[0] : NULL;
	size_t lo = 0, hi = n;
	int fd;

	while (n > 1 && hi - lo > 1 && ret != -ENOMEM) {
		size_t mid = lo + (hi - lo) / 2;

		fd = mlink_fd(s, ps + lo, mid - lo, retp);
		if (fd < 0) {
			hi = mid;
			continue;
		}
		fdset_add(fs, fd);
		lo = mid;
	}
	/* The one left fails alone, unless only the whole failed (a limit, say). */
	if (n > 1 && ret != -ENOMEM) {
		fd = mlink_fd(s, ps + lo, 1, retp);
		if (fd < 0) {
			bad = ps[lo];
			ret = fd;
		} else {
			fdset_add(fs, fd);
		}
	}
	/* Named as its other errors name it: the probe file's entry, or the SPEC. */
	if (bad && bad->label[0])
		fail(err, errlen, "probe '%.64s': attaching to %s at 0x%llx in %s: %s", bad->label,
		     bad->name, (unsigned long long)bad->off, bad->path, attach_error(ret));
	else if (bad) {
		char where[USPEC_NAME_MAX * 2 + 32];

		uspec_where(&bad->spec, where, sizeof(where));
		fail(err, errlen, "probe '%s': attaching to %s at 0x%llx in %s: %s", where,
		     bad->name, (unsigned long long)bad->off, bad->path, attach_error(ret));
	} else
		fail(err, errlen, "attaching to %zu functions (%s, ...) in %s: %s", n, ps[0]->name,
		     ps[0]->path, attach_error(ret));
}

/*
 * The batch's links: every file's return link, then every file's entry link
 * (for the reason attach_one gives). 0, or -EINTR / -errno with err, what
 * was made left for batch_drop, the fds of link_failed's tries in fs.
 */
static int batch_attach(struct session *s, struct probe_batch *b, struct fdset *fs, char *err,
			size_t errlen)
{
	struct probe **grp = calloc(b->n ? b->n : 1, sizeof(*grp));
	bool *done = calloc(b->n ? b->n : 1, sizeof(*done));
	int ret = 0;

	if (!grp || !done) {
		ret = -ENOMEM;
		fail(err, errlen, "out of memory");
		goto out;
	}
	for (int pass = 0; pass < 2 && !ret; pass++) {
		bool retp = pass == 0;

		memset(done, 0, b->n * sizeof(*done));
		for (size_t i = 0; i < b->n && !ret; i++) {
			size_t k = 0;

			if (done[i] || !batch_wants(b->v[i].p, retp))
				continue;
			/* Quadratic in the worst case, but files are few and n <= AT_MAX_PROBES. */
			for (size_t j = i; j < b->n; j++) {
				if (done[j] || !batch_wants(b->v[j].p, retp) ||
				    !same_file(&b->v[i], &b->v[j]) ||
				    !b->v[i].p->go_nret != !b->v[j].p->go_nret)
					continue;
				done[j] = true;
				grp[k++] = b->v[j].p;
			}
			if (setup_cancelled()) {
				ret = -EINTR;
				fail(err, errlen, "interrupted while attaching");
				break;
			}
			ret = mlink_create(s, grp, k, retp);
			if (ret) {
				link_failed(s, grp, k, retp, ret, fs, err, errlen);
				/* The system refused, as attach_probes says it: not a usage error. */
				ret = ret == -ENOMEM ? ret : -EIO;
			}
		}
	}
out:
	free(grp);
	free(done);
	return ret;
}

/*
 * Detaches and removes every probe of b still there: links into fs (closed
 * together by the caller), table entries off. Their ids stay handed out and
 * their structs stay, for records already in flight.
 */
static void batch_drop(struct session *s, struct probe_batch *b, struct fdset *fs)
{
	for (size_t i = 0; i < b->n; i++) {
		struct probe *p = b->v[i].p;

		if (p->removed)
			continue;
		destroy_links(p, fs);
		probe_table_clear(s, p->id);
		p->removed = true;
	}
}

void batch_free(struct probe_batch *b)
{
	if (b)
		free(b->v);
	free(b);
}

int probes__batch_begin(struct session *s)
{
	int ret = 0;

	pthread_mutex_lock(&s->probes_lock);
	if (s->batch)
		ret = -EBUSY;
	else if (!(s->batch = calloc(1, sizeof(*s->batch))))
		ret = -ENOMEM;
	pthread_mutex_unlock(&s->probes_lock);
	return ret;
}

int probes__batch_commit(struct session *s, char *err, size_t errlen)
{
	struct probe_batch *b;
	struct fdset fs;
	int ret = 0;

	pthread_mutex_lock(&s->probes_lock);
	b = s->batch;
	s->batch = NULL;
	if (b) {
		/* Room for each probe's two links and for link_failed's tries. */
		fdset_init(&fs, b->n + 64);
		ret = batch_attach(s, b, &fs, err, errlen);
		if (ret)
			batch_drop(s, b, &fs);
		fdset_close(&fs);
	}
	batch_free(b);
	pthread_mutex_unlock(&s->probes_lock);
	return ret;
}

void probes__batch_abort(struct session *s)
{
	struct probe_batch *b;
	struct fdset fs;

	pthread_mutex_lock(&s->probes_lock);
	b = s->batch;
	s->batch = NULL;
	if (b) {
		fdset_init(&fs, b->n);
		batch_drop(s, b, &fs);
		fdset_close(&fs);
	}
	batch_free(b);
	pthread_mutex_unlock(&s->probes_lock);
}

/* Each probe's own links, with a progress line: ~100 ms each to detach. */
static int attach_each(struct session *s, struct probe **ps, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct probe *p = ps[i];
		int ret;

		setup_progress("attaching", i, n, "probes");
		if (setup_cancelled()) {
			fail(err, errlen, "interrupted while attaching");
			return -EINTR;
		}
		ret = attach_one(s, p);
		if (ret == -EOPNOTSUPP) {
			fail(err, errlen,
			     "attaching to %s in %s: a Go function's return probe needs uprobe_multi "
			     "links (Linux 6.6), not available here; add '@entry'",
			     p->name, p->path);
			return -EIO;
		}
		if (ret) {
			fail(err, errlen, "attaching to %s at 0x%llx in %s: %s", p->name,
			     (unsigned long long)p->off, p->path, attach_error(ret));
			return -EIO;
		}
	}
	return 0;
}

int attach_probes(struct session *s, struct probe **ps, size_t n, char *err, size_t errlen)
{
	/* USDT sites keep libbpf's per-site links: their program is not a multi one. */
	bool multi = s->uprobe_multi && !ps[0]->provider[0];
	int ret;

	if (!multi)
		return attach_each(s, ps, n, err, errlen);
	/* In a batch, attached at its commit with the batch's other probes of the file. */
	if (s->batch) {
		if (!batch_push(s->batch, ps, n))
			return 0;
		fail(err, errlen, "out of memory");
		return -EIO;
	}
	ret = attach_multi(s, ps, n, ps[0]->spec.when);
	if (!ret)
		return 0;
	if (ret == -EINTR) {
		fail(err, errlen, "interrupted while attaching");
		return ret;
	}
	if (n == 1)
		fail(err, errlen, "attaching to %s at 0x%llx in %s: %s", ps[0]->name,
		     (unsigned long long)ps[0]->off, ps[0]->path, attach_error(ret));
	else
		fail(err, errlen, "attaching to %zu functions (%s, ...) in %s: %s", n, ps[0]->name,
		     ps[0]->path, attach_error(ret));
	return -EIO;
}

void probes__detach_all(struct session *s)
{
	uint32_t n = atomic_load(&s->nprobes);
	struct fdset fs;

	pthread_mutex_lock(&s->probes_lock);
	fdset_init(&fs, n);
	for (uint32_t i = 0; i < n; i++) {
		struct probe *p = atomic_load(&s->probes[i]);

		if (p)
			destroy_links(p, &fs);
	}
	/* Every multi link at once: their grace periods overlap. */
	fdset_close(&fs);
	pthread_mutex_unlock(&s->probes_lock);
}
