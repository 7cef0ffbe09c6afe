// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function probes: SPEC -> functions -> probe table entries and uprobe links. */
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

#include "elfsym.h"
#include "insn.h"
#include "probefile.h"
#include "probes.h"
#include "session_priv.h"
#include "setup.h"
#include "syscalls.h"
#include "uprobe_multi.h"
#include "util.h"

static const char *basename_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

static void type_bits(uint8_t t, uint8_t *bits, uint8_t *is_signed)
{
	switch (t) {
	case UT_S8:
		*bits = 8, *is_signed = 1;
		break;
	case UT_U8:
		*bits = 8, *is_signed = 0;
		break;
	case UT_S16:
		*bits = 16, *is_signed = 1;
		break;
	case UT_U16:
		*bits = 16, *is_signed = 0;
		break;
	case UT_S32:
	case UT_INT:
		*bits = 32, *is_signed = 1;
		break;
	case UT_U32:
		*bits = 32, *is_signed = 0;
		break;
	case UT_S64:
	case UT_LONG:
		*bits = 64, *is_signed = 1;
		break;
	default:
		*bits = 64, *is_signed = 0;
		break;
	}
}

/* The kernel's view of a SPEC: what to capture, what failing means. */
static int to_spec(const struct uspec *u, bool go, struct at_probe_spec *sp, char *err,
		   size_t errlen)
{
	unsigned n = 0;

	memset(sp, 0, sizeof(*sp));
	memset(sp->slot_arg, 0xff, sizeof(sp->slot_arg));
	memset(sp->len_arg, 0xff, sizeof(sp->len_arg));
	for (unsigned i = 0; i < u->nargs; i++) {
		const struct uarg *a = &u->args[i];

		if (a->type != UT_STR && a->type != UT_BUF && a->type != UT_BUF_LEN &&
		    a->type != UT_CHARS)
			continue;
		if (n == AT_SLOTS)
			return fail(err, errlen, "at most %d string or buffer arguments per probe",
				    AT_SLOTS);
		sp->slot_kind[n] = a->type == UT_STR ? AT_SLOT_STR_IN : AT_SLOT_BUF_IN;
		sp->slot_arg[n] = i;
		if (a->type == UT_BUF_LEN)
			sp->len_arg[n] = a->len_arg;
		else
			sp->fixed_len[n] = a->n;
		n++;
	}
	sp->mode = u->when == UW_ENTRY	? AT_MODE_ENTRY :
		   u->when == UW_RETURN ? AT_MODE_RETURN :
					  AT_MODE_CALL;
	sp->abi = go ? AT_ABI_GO : AT_ABI_SYSV;
	sp->fail_op = u->fail_op; /* enum ufail_op and enum at_fail_op share their values */
	sp->fail_val = u->fail_val;
	type_bits(u->ret_type, &sp->ret_bits, &sp->ret_signed);
	sp->enabled = 1;
	return 0;
}

/* What a probe file adds to the kernel's view: filter, actions, sampling, rate limit. */
static void apply_file(struct at_probe_spec *sp, const struct pf_probe *fp)
{
	if (!fp)
		return;
	sp->only_failing = fp->when == PF_WHEN_FAILING;
	sp->actions = fp->actions;
	sp->signal = fp->signal;
	sp->hist_of = fp->hist_of;
	sp->on_unreadable = fp->on_unreadable;
	sp->sample = fp->sample;
	if (fp->rate) {
		uint32_t burst = fp->burst ? fp->burst : fp->rate;

		sp->rate_interval_ns = 1000000000ull / fp->rate;
		sp->rate_burst_ns = sp->rate_interval_ns * (burst - 1);
	}
	sp->filter = fp->filter;
}

/* The probe's own copy of what decoding and the summary need from its file entry. */
static void note_file(struct probe *p, const struct pf_probe *fp)
{
	if (!fp)
		return;
	snprintf(p->label, sizeof(p->label), "%s", fp->name);
	p->actions = fp->actions;
	p->hist_of = fp->hist_of;
	p->scrub = fp->scrub;
	p->pf_when = fp->when;
}

/* One function to attach: collected first, attached after, so a glob is all or nothing. */
struct func {
	char name[USPEC_NAME_MAX];
	uint64_t off;
};

struct funcs {
	struct func *v;
	size_t n, cap;
	uint64_t extra; /* func+0xOFF */
};

static int collect(void *ctx, const struct elf_func *f)
{
	struct funcs *fs = ctx;

	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 16;
		struct func *v = realloc(fs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		fs->v = v;
		fs->cap = cap;
	}
	snprintf(fs->v[fs->n].name, sizeof(fs->v[fs->n].name), "%s", f->name);
	fs->v[fs->n++].off = f->off + fs->extra;
	return 0;
}

/*
 * Whether a probe may go at byte off of function f (given: the offset as the
 * SPEC wrote it): on an instruction boundary, as a breakpoint inside an
 * instruction corrupts it in every process that maps the file; and for a
 * return probe at f's entry, the only place where the return address the
 * uretprobe takes is on top of the stack. 0, or -EINVAL with err.
 */
static int check_offset(struct elf_file *ef, const struct elf_func *f, uint64_t off, uint64_t given,
			uint8_t when, const char *path, char *err, size_t errlen)
{
	unsigned long long g = given;
	struct insn in;
	uint64_t bad = 0;
	int ret;

	/*
	 * The ELF entry point (_start) is jumped to by the kernel with argc on
	 * top of the stack, not a return address: a uretprobe there overwrites
	 * argc (found with ':_start', whose target then printed its usage).
	 */
	if (when != UW_ENTRY && elf_file__entry(ef) && f->addr == elf_file__entry(ef))
		return fail(err, errlen,
			    "%s is the entry point of %s: it is jumped to, not called, so it has "
			    "no return address for a return probe; add '@entry'",
			    f->name, path);
	/* The entry is always an instruction's start: nothing to decode. */
	if (!off)
		return 0;
	if (off >= f->size)
		return fail(err, errlen, "offset 0x%llx is past the end of %s (%llu bytes) in %s",
			    g, f->name, (unsigned long long)f->size, path);
	ret = insn__at(ef, f, off, &in, &bad);
	if (ret == -ENOTSUP)
		return fail(
			err, errlen,
			"offset 0x%llx: no instruction decoder for ELF machine %u (%s), so "
			"its instruction boundaries cannot be checked; only offset 0 is allowed",
			g, elf_file__machine(ef), path);
	if (ret == -EILSEQ)
		return fail(err, errlen,
			    "cannot decode the instruction at %s+0x%llx (0x%llx) in %s, so offset "
			    "0x%llx is not known to be an instruction boundary",
			    f->name, (unsigned long long)bad, (unsigned long long)(f->addr + bad),
			    path, g);
	if (ret == -ELIBACC)
		return fail(err, errlen,
			    "offset 0x%llx: cannot load %s (Debian's libcapstone4) to check that "
			    "it is an instruction boundary; only offset 0 is allowed without it",
			    g, insn__library());
	if (ret == -ERANGE)
		return fail(err, errlen, "the %llu bytes of %s are not all in %s's sections",
			    (unsigned long long)f->size, f->name, path);
	if (ret)
		return fail(err, errlen, "reading %s in %s: %s", f->name, path, strerror(-ret));
	if (in.off != off)
		return fail(err, errlen,
			    "offset 0x%llx is inside the instruction at %s+0x%llx (0x%llx: %s, %u "
			    "bytes) in %s: probes go on instruction boundaries",
			    g, f->name, (unsigned long long)in.off, (unsigned long long)in.addr,
			    in.text, in.size, path);
	if (when != UW_ENTRY)
		return fail(err, errlen,
			    "offset 0x%llx is not the entry of %s in %s: a return probe goes on a "
			    "function's entry, where the return address is on top of the stack; "
			    "add '@entry'",
			    g, f->name, path);
	return 0;
}

/* A glob's functions, each checked at the SPEC's offset before it is collected. */
struct checked {
	struct funcs *fs;
	struct elf_file *ef;
	const struct uspec *u;
	const char *path;
	char *err;
	size_t errlen;
	bool refused; /* err says why */
};

static int collect_checked(void *ctx, const struct elf_func *f)
{
	struct checked *c = ctx;

	/* A glob means the functions that can take its probe: the entry point cannot return. */
	if (c->u->when != UW_ENTRY && !c->u->offset && f->addr == elf_file__entry(c->ef))
		return 0;
	if (check_offset(c->ef, f, c->u->offset, c->u->offset, c->u->when, c->path, c->err,
			 c->errlen)) {
		c->refused = true;
		return -EINVAL;
	}
	return collect(c->fs, f);
}

static int resolve_funcs(struct elf_file *ef, const struct uspec *u, const char *path,
			 struct funcs *fs, char *err, size_t errlen)
{
	struct checked c = {
		.fs = fs, .ef = ef, .u = u, .path = path, .err = err, .errlen = errlen
	};
	struct elf_func f = { .name = u->func };
	uint64_t avail;
	int ret;

	fs->extra = u->func[0] ? u->offset : 0;
	if (!u->func[0]) {
		/* A raw file offset: checked in the function that holds it. */
		if (elf_file__func_at(ef, u->offset, &f))
			return fail(err, errlen,
				    "offset 0x%llx is in no function of %s (no function symbol "
				    "holds it), so its instruction boundaries cannot be checked",
				    (unsigned long long)u->offset, path);
		if (check_offset(ef, &f, u->offset - f.off, u->offset, u->when, path, err, errlen))
			return -EINVAL;
		f.name = "";
		f.off = u->offset;
		return collect(fs, &f) ? fail(err, errlen, "out of memory") : 0;
	}
	if (u->is_glob) {
		ret = elf_file__for_each_func(ef, u->func, collect_checked, &c);
		if (c.refused)
			return -EINVAL;
		if (ret == -EINTR) {
			fail(err, errlen, "interrupted");
			return ret;
		}
		if (ret)
			return fail(err, errlen, "%s: %s", path, strerror(-ret));
		if (!fs->n)
			return fail(err, errlen, "no function matches '%s' in %s", u->func, path);
		return 0;
	}
	if (elf_file__resolve(ef, u->func, &f.off, &f.size))
		return fail(err, errlen, "no such function '%s' in %s%s", u->func, path,
			    elf_file__stripped(ef) ? " (stripped: only .dynsym was searched)" : "");
	/* resolve found off through a section, so the way back holds. */
	elf_file__off_to_addr(ef, f.off, &f.addr, &avail);
	if (check_offset(ef, &f, u->offset, u->offset, u->when, path, err, errlen))
		return -EINVAL;
	return collect(fs, &f) ? fail(err, errlen, "out of memory") : 0;
}

/*
 * A uprobe_multi link: one program on all the functions of one add, or of
 * one batch (probes__batch_begin), in one file. Each of those probes holds a reference, so removing one id leaves
 * the link to the others (the id's table entry, turned off, silences it);
 * the last one closes it, paying the kernel's one grace period for them all.
 */
struct mlink {
	int fd;
	unsigned refs;
};

/* Link fds whose last probe went: closed together by close_fds. */
struct fdset {
	int *v;
	size_t n;
};

static void mlink_put(struct mlink *l, struct fdset *fs)
{
	if (l && !--l->refs) {
		/* Without room (out of memory), closed one by one. */
		if (fs->v)
			fs->v[fs->n++] = l->fd;
		else
			close(l->fd);
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

static void close_fds(struct fdset *fs)
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

/* Destroys p's perf links; its multi links' fds go to fs when p held the last reference. */
static void destroy_links(struct probe *p, struct fdset *fs)
{
	bpf_link__destroy(p->entry);
	bpf_link__destroy(p->ret);
	mlink_put(p->mentry, fs);
	mlink_put(p->mret, fs);
	p->entry = p->ret = NULL;
	p->mentry = p->mret = NULL;
}

/* Room for the multi link fds of n probes (each holds at most two). */
static void fdset_init(struct fdset *fs, size_t n)
{
	fs->n = 0;
	fs->v = calloc(n ? 2 * n : 1, sizeof(*fs->v));
}

static void fdset_close(struct fdset *fs)
{
	close_fds(fs);
	free(fs->v);
	fs->v = NULL;
}

/*
 * A uprobe_multi link fd of the entry or the return program on the n probes
 * of ps, all in one file: their offsets, their ids as the cookies. One
 * bpf(BPF_LINK_CREATE), since libbpf 1.1 has no call for it. The fd or -errno.
 */
static int mlink_fd(struct session *s, struct probe **ps, size_t n, bool ret)
{
	struct bpf_program *prog = ret ? s->skel->progs.func_return : s->skel->progs.func_entry;
	__u64 *offs = calloc(n, sizeof(*offs)), *cookies = calloc(n, sizeof(*cookies));
	struct at_uprobe_multi_attr a = {};
	int fd = -ENOMEM;

	if (!offs || !cookies)
		goto out;
	for (size_t i = 0; i < n; i++) {
		offs[i] = ps[i]->off;
		cookies[i] = ps[i]->id;
	}
	a.prog_fd = (__u32)bpf_program__fd(prog);
	a.attach_type = AT_BPF_TRACE_UPROBE_MULTI;
	a.path = (__u64)(unsigned long)ps[0]->path;
	a.offsets = (__u64)(unsigned long)offs;
	a.cookies = (__u64)(unsigned long)cookies;
	a.cnt = (__u32)n;
	a.um_flags = ret ? AT_BPF_F_UPROBE_MULTI_RETURN : 0;
	/* pid 0, as for the perf links: the programs' own filter keeps the traced processes. */
	fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	if (fd < 0)
		fd = -errno;
out:
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

/* Undoes the first n probes of an add: table entries cleared, links gone, ids unused. */
static void rollback(struct session *s, struct probe **ps, size_t n)
{
	int fd = bpf_map__fd(s->skel->maps.probes);
	struct at_probe_spec off = {};
	struct fdset fs;

	fdset_init(&fs, n);
	for (size_t i = 0; i < n; i++) {
		destroy_links(ps[i], &fs);
		bpf_map_update_elem(fd, &ps[i]->id, &off, BPF_ANY);
		free(ps[i]);
	}
	fdset_close(&fs);
}

/* A fresh id's kernel state: no counts, no statistics, an empty token bucket. */
static int reset_id(struct session *s, uint32_t id)
{
	size_t n = (size_t)s->ncpus;
	void *zero = calloc(n, sizeof(struct at_stat) > sizeof(struct at_probe_counts) ?
				       sizeof(struct at_stat) :
				       sizeof(struct at_probe_counts));
	struct at_probe_state st = {};
	int ret = 0;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.probe_stats), &id, zero, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->skel->maps.probe_counts), &id, zero, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->skel->maps.probe_state), &id, &st, BPF_ANY))
		ret = -errno;
	free(zero);
	return ret;
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

/* Keeps a link fd for closing with the others; without room (out of memory), closes it. */
static void fdset_add(struct fdset *fs, int fd)
{
	if (fs->v)
		fs->v[fs->n++] = fd;
	else
		close(fd);
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
				    !same_file(&b->v[i], &b->v[j]))
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
				/* The system refused, as add_locked says it: not a usage error. */
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
	int fd = bpf_map__fd(s->skel->maps.probes);
	struct at_probe_spec off = {};

	for (size_t i = 0; i < b->n; i++) {
		struct probe *p = b->v[i].p;

		if (p->removed)
			continue;
		destroy_links(p, fs);
		bpf_map_update_elem(fd, &p->id, &off, BPF_ANY);
		p->removed = true;
	}
}

static void batch_free(struct probe_batch *b)
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

static int add_locked(struct session *s, const struct uspec *u, const char *provider,
		      const char *path, bool go, const struct funcs *fs, const struct pf_probe *fp,
		      uint32_t *ids, size_t max, char *err, size_t errlen)
{
	int fd = bpf_map__fd(s->skel->maps.probes);
	uint32_t first = atomic_load(&s->nprobes);
	/* USDT sites keep libbpf's per-site links: their program is not a multi one. */
	bool multi = s->uprobe_multi && !provider[0];
	/* In a batch, attached at its commit with the batch's other probes of the file. */
	bool batched = multi && s->batch;
	struct at_probe_spec sp;
	struct probe **ps;
	size_t i;
	int ret;

	if (s->opts.no_func_probes) {
		fail(err, errlen, "this session was opened without function probes");
		return -EINVAL;
	}
	if (to_spec(u, go, &sp, err, errlen))
		return -EINVAL;
	apply_file(&sp, fp);
	if (first + fs->n > AT_MAX_PROBES) {
		fail(err, errlen, "too many probes: %zu more would pass the limit of %d", fs->n,
		     AT_MAX_PROBES);
		return -EINVAL;
	}
	ps = calloc(fs->n, sizeof(*ps));
	if (!ps) {
		fail(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < fs->n; i++) {
		struct probe *p = calloc(1, sizeof(*p));

		if (!p) {
			fail(err, errlen, "out of memory");
			goto err_rollback;
		}
		ps[i] = p;
		p->spec = *u;
		p->id = first + i;
		note_file(p, fp);
		p->off = fs->v[i].off;
		snprintf(p->path, sizeof(p->path), "%s", path);
		snprintf(p->provider, sizeof(p->provider), "%s", provider);
		/* The main program is named by its file: "funcs:plain", not ":plain". */
		snprintf(p->name, sizeof(p->name), "%.200s:%.50s%s%.250s",
			 u->target[0] ? u->target : basename_of(path), provider,
			 provider[0] ? ":" : "", fs->v[i].name[0] ? fs->v[i].name : u->func);
		/* The table entry first: a link must never fire on an empty entry. */
		if (reset_id(s, p->id) || bpf_map_update_elem(fd, &p->id, &sp, BPF_ANY)) {
			fail(err, errlen, "probe table: %s", strerror(errno));
			i++;
			goto err_rollback;
		}
		if (multi)
			continue; /* attached together below */
		/* One link (pair) per probe, ~100 ms each to detach: worth a progress line. */
		setup_progress("attaching", i, fs->n, "probes");
		if (setup_cancelled()) {
			fail(err, errlen, "interrupted while attaching");
			ret = -EINTR;
			i++;
			goto err_rollback_ret;
		}
		ret = attach_one(s, p);
		if (ret) {
			fail(err, errlen, "attaching to %s at 0x%llx in %s: %s", p->name,
			     (unsigned long long)p->off, path, attach_error(ret));
			i++;
			goto err_rollback;
		}
	}
	if (batched && batch_push(s->batch, ps, fs->n)) {
		fail(err, errlen, "out of memory");
		i = fs->n;
		goto err_rollback;
	}
	if (multi && !batched && (ret = attach_multi(s, ps, fs->n, u->when))) {
		if (ret == -EINTR)
			fail(err, errlen, "interrupted while attaching");
		else if (fs->n == 1)
			fail(err, errlen, "attaching to %s at 0x%llx in %s: %s", ps[0]->name,
			     (unsigned long long)ps[0]->off, path, attach_error(ret));
		else
			fail(err, errlen, "attaching to %zu functions (%s, ...) in %s: %s", fs->n,
			     ps[0]->name, path, attach_error(ret));
		i = fs->n;
		if (ret == -EINTR)
			goto err_rollback_ret;
		goto err_rollback;
	}
	/* Publish: the reader may now see records of these ids. */
	for (i = 0; i < fs->n; i++) {
		atomic_store(&s->probes[ps[i]->id], ps[i]);
		if (i < max)
			ids[i] = ps[i]->id;
	}
	atomic_store(&s->nprobes, first + fs->n);
	free(ps);
	return (int)fs->n;

err_rollback:
	ret = -EIO;
err_rollback_ret:
	rollback(s, ps, i);
	free(ps);
	return ret;
}

/* The SPEC's target as an ELF file; NULL with a reason in err. path gets PATH_MAX bytes. */
static struct elf_file *open_target(const struct uspec *u, const struct probe_ctx *pc, char *path,
				    char *err, size_t errlen)
{
	struct elf_file *ef;
	char why[512];

	if (target_resolve(u->target, pc->pid, pc->exe, path, PATH_MAX, why, sizeof(why))) {
		fail(err, errlen, "%s", why);
		return NULL;
	}
	ef = elf_file__open(path, why, sizeof(why));
	if (!ef)
		fail(err, errlen, "%s: %s", path, why);
	return ef;
}

struct usdt_find {
	const char *provider, *name;
	uint64_t off;
	bool found;
};

static int find_usdt(void *ctx, const struct elf_usdt *e)
{
	struct usdt_find *f = ctx;

	if (strcmp(e->provider, f->provider) || strcmp(e->name, f->name))
		return 0;
	f->off = e->off;
	f->found = true;
	return 1;
}

/*
 * Whether enabling USDT probe provider:name of ef crashes the program, which
 * agent-trace then refuses (README, USDT probes). Ruby 3.1's cmethod probes
 * make every C method call look up its class's name, and the name of
 * RubyVM::FrozenCore (the receiver of alias, undef, **h) is a string its GC
 * does not mark, freed early: rb_dtrace_setup reads the dead object and Ruby
 * dies with "[BUG] Segmentation fault", whoever raises the probe's semaphore.
 * ver gets the Ruby version.
 */
static bool usdt_crashes(struct elf_file *ef, const char *provider, const char *name, char *ver,
			 size_t verlen)
{
	ssize_t n;

	if (strcmp(provider, "ruby") ||
	    (strcmp(name, "cmethod__entry") && strcmp(name, "cmethod__return")))
		return false;
	/* ruby_version ("3.1.2") is exported by libruby and by a static ruby. */
	n = elf_file__read_object(ef, "ruby_version", ver, verlen - 1);
	if (n <= 0)
		return false;
	ver[n] = '\0';
	return !strncmp(ver, "3.1.", 4);
}

/*
 * A SPEC, or with provider a USDT site, resolved in its file (path gets
 * PATH_MAX bytes) to the functions to attach. 0, -EINVAL with err, or
 * -EINTR when set-up was cancelled.
 */
static int resolve(const struct uspec *u, const char *provider, const struct probe_ctx *pc,
		   char *path, bool *go, struct funcs *fs, char *err, size_t errlen)
{
	struct elf_file *ef = open_target(u, pc, path, err, errlen);
	int ret = -EINVAL;

	if (!ef)
		return -EINVAL;
	*go = !provider && elf_file__is_go(ef);
	if (provider) {
		struct usdt_find f = { .provider = provider, .name = u->func };
		struct elf_func site = { .name = u->func };
		char ver[16];

		elf_file__for_each_usdt(ef, find_usdt, &f);
		site.off = f.off;
		if (!f.found)
			fail(err, errlen, "no USDT probe %s:%s in %s", provider, u->func, path);
		else if (usdt_crashes(ef, provider, u->func, ver, sizeof(ver)))
			fail(err, errlen,
			     "refused: enabling %s:%s crashes Ruby %s (a Ruby bug: its C method "
			     "probes read a class name its GC has freed; see README)",
			     provider, u->func, ver);
		else if (collect(fs, &site))
			fail(err, errlen, "out of memory");
		else
			ret = 0;
	} else if (*go && u->when != UW_ENTRY) {
		/* A uretprobe rewrites the return address, which Go's stack moves break. */
		fail(err, errlen,
		     "%s is a Go binary: return probes would corrupt Go stacks; use '@entry'",
		     path);
	} else {
		/* -EINTR: set-up was cancelled, not a bad SPEC. */
		ret = resolve_funcs(ef, u, path, fs, err, errlen);
		ret = ret == -EINTR ? ret : ret ? -EINVAL : 0;
	}
	elf_file__close(ef);
	return ret;
}

/* Resolves, then attaches one probe per function (a USDT site: one, entry-only). */
static int add(struct session *s, const struct uspec *u, const char *provider,
	       const struct pf_probe *fp, const struct probe_ctx *pc, uint32_t *ids, size_t max,
	       char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct funcs fs = {};
	struct uspec eu = *u;
	bool go;
	int ret = resolve(u, provider, pc, path, &go, &fs, err, errlen);

	if (!ret) {
		if (provider)
			eu.when = UW_ENTRY; /* a probe site has no return */
		pthread_mutex_lock(&s->probes_lock);
		ret = add_locked(s, &eu, provider ? provider : "", path, go, &fs, fp, ids, max, err,
				 errlen);
		pthread_mutex_unlock(&s->probes_lock);
	}
	free(fs.v);
	return ret;
}

int probes__add(struct session *s, const struct uspec *u, const struct probe_ctx *pc, uint32_t *ids,
		size_t max, char *err, size_t errlen)
{
	return add(s, u, NULL, NULL, pc, ids, max, err, errlen);
}

/* Takes id off the lists of the syscalls in nrs; the probed bit goes with the last. */
static void unlist_syscalls(struct session *s, uint32_t id, const uint64_t *nrs)
{
	int fd = bpf_map__fd(s->skel->maps.sys_probes);

	for (uint32_t nr = 0; nr < AT_NR_MAX; nr++) {
		struct at_sys_probes sp;
		bool any = false;

		if (!(nrs[nr / 64] & (1ULL << (nr % 64))) || bpf_map_lookup_elem(fd, &nr, &sp))
			continue;
		for (int i = 0; i < AT_SYS_PROBES; i++) {
			if (sp.ids[i] == id + 1)
				sp.ids[i] = 0;
			any |= sp.ids[i] != 0;
		}
		if (!any)
			__atomic_fetch_and(&s->skel->bss->probed[nr / 64], ~(1ULL << (nr % 64)),
					   __ATOMIC_SEQ_CST);
		bpf_map_update_elem(fd, &nr, &sp, BPF_ANY);
	}
}

/*
 * A syscall probe: one table entry, its id listed on each selected number.
 * A free slot is overwritten in place, so the probes already listed there are
 * never seen twice or missed by a call running meanwhile.
 */
static int add_syscall(struct session *s, const struct pf_probe *fp, uint32_t *ids, size_t max,
		       char *err, size_t errlen)
{
	int tfd = bpf_map__fd(s->skel->maps.probes), lfd = bpf_map__fd(s->skel->maps.sys_probes);
	uint64_t done[AT_NR_MAX / 64] = {};
	struct at_probe_spec sp = {}, off = {};
	struct probe *p;
	uint32_t id;
	char name[16];
	int ret = -EIO;

	if (s->opts.exit_only) {
		/* sys_exit alone: no entry state for the probes to use. */
		fail(err, errlen, "syscall probes do not run with --no-latency; drop it");
		return -EINVAL;
	}
	if (!s->opts.syscall_probes) {
		fail(err, errlen, "this session was opened without syscall probes");
		return -EINVAL;
	}
	pthread_mutex_lock(&s->probes_lock);
	id = atomic_load(&s->nprobes);
	if (id + 1 > AT_MAX_PROBES) {
		fail(err, errlen, "too many probes: the limit is %d", AT_MAX_PROBES);
		ret = -EINVAL;
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fail(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	p->id = id;
	p->kind = AT_KIND_SYSCALL;
	p->spec.when = fp->when == PF_WHEN_ENTRY ? UW_ENTRY : UW_CALL;
	memcpy(p->syscalls, fp->syscalls, sizeof(p->syscalls));
	note_file(p, fp);
	snprintf(p->name, sizeof(p->name), "%s", fp->name);
	memset(sp.slot_arg, 0xff, sizeof(sp.slot_arg));
	memset(sp.len_arg, 0xff, sizeof(sp.len_arg));
	sp.kind = AT_KIND_SYSCALL;
	sp.mode = fp->when == PF_WHEN_ENTRY ? AT_MODE_ENTRY : AT_MODE_CALL;
	sp.ret_bits = 64;
	sp.ret_signed = 1;
	sp.enabled = 1;
	apply_file(&sp, fp);
	if (reset_id(s, id) || bpf_map_update_elem(tfd, &id, &sp, BPF_ANY)) {
		fail(err, errlen, "probe table: %s", strerror(errno));
		free(p);
		goto out;
	}
	for (uint32_t nr = 0; nr < AT_NR_MAX; nr++) {
		struct at_sys_probes l;
		int slot = -1;

		if (!(fp->syscalls[nr / 64] & (1ULL << (nr % 64))))
			continue;
		if (bpf_map_lookup_elem(lfd, &nr, &l)) {
			fail(err, errlen, "syscall probe list: %s", strerror(errno));
			goto err_unlist;
		}
		for (int i = AT_SYS_PROBES - 1; i >= 0; i--)
			if (!l.ids[i])
				slot = i;
		if (slot < 0) {
			fail(err, errlen, "%s already has %d probes, the most one syscall takes",
			     syscall_name(nr, name), AT_SYS_PROBES);
			ret = -EINVAL;
			goto err_unlist;
		}
		l.ids[slot] = (uint16_t)(id + 1);
		if (bpf_map_update_elem(lfd, &nr, &l, BPF_ANY)) {
			fail(err, errlen, "syscall probe list: %s", strerror(errno));
			goto err_unlist;
		}
		done[nr / 64] |= 1ULL << (nr % 64);
		__atomic_fetch_or(&s->skel->bss->probed[nr / 64], 1ULL << (nr % 64),
				  __ATOMIC_SEQ_CST);
	}
	atomic_store(&s->probes[id], p);
	atomic_store(&s->nprobes, id + 1);
	if (max)
		ids[0] = id;
	ret = 1;
	goto out;

err_unlist:
	unlist_syscalls(s, id, done);
	bpf_map_update_elem(tfd, &id, &off, BPF_ANY);
	free(p);
out:
	pthread_mutex_unlock(&s->probes_lock);
	return ret;
}

int probes__add_file(struct session *s, const struct pf_probe *fp, const struct probe_ctx *pc,
		     uint32_t *ids, size_t max, char *err, size_t errlen)
{
	switch (fp->kind) {
	case PF_SYSCALL:
		return add_syscall(s, fp, ids, max, err, errlen);
	case PF_FUNCTION:
		return add(s, &fp->spec, NULL, fp, pc, ids, max, err, errlen);
	case PF_USDT:
		return add(s, &fp->spec, fp->provider, fp, pc, ids, max, err, errlen);
	}
	fail(err, errlen, "unknown probe kind %d", fp->kind);
	return -EINVAL;
}

int probes__remove(struct session *s, uint32_t id)
{
	struct at_probe_spec off = {};
	int fds[2];
	struct fdset fs = { .v = fds };
	struct probe *p;
	int ret = 0;

	if (id >= AT_MAX_PROBES)
		return -ENOENT;
	pthread_mutex_lock(&s->probes_lock);
	p = atomic_load(&s->probes[id]);
	if (!p || p->removed) {
		ret = -ENOENT;
	} else {
		/*
		 * Links first: after this no new hit; then the entry, for calls in
		 * flight, and for a multi link the other probes still hold: the
		 * programs skip an id whose entry is off. Its entry and return
		 * links, when it was their last probe, close together: one grace
		 * period rather than two.
		 */
		destroy_links(p, &fs);
		close_fds(&fs);
		if (p->kind == AT_KIND_SYSCALL)
			unlist_syscalls(s, id, p->syscalls);
		bpf_map_update_elem(bpf_map__fd(s->skel->maps.probes), &id, &off, BPF_ANY);
		p->removed = true;
	}
	pthread_mutex_unlock(&s->probes_lock);
	return ret;
}

const struct probe *probes__get(struct session *s, uint32_t id)
{
	return id < AT_MAX_PROBES ? atomic_load(&s->probes[id]) : NULL;
}

uint32_t probes__count(struct session *s)
{
	return atomic_load(&s->nprobes);
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

void probes__free_all(struct session *s)
{
	uint32_t n = atomic_load(&s->nprobes);

	/* A batch left open (a set-up given up): its probes have no links, and go below. */
	batch_free(s->batch);
	s->batch = NULL;

	/* Links first (none left after a stop), then the probes that held them. */
	probes__detach_all(s);
	for (uint32_t i = 0; i < n; i++) {
		free(atomic_load(&s->probes[i]));
		atomic_store(&s->probes[i], NULL);
	}
}

int probes__add_usdt(struct session *s, const struct uspec *u, const char *provider,
		     const struct probe_ctx *pc, uint32_t *id, char *err, size_t errlen)
{
	int ret = add(s, u, provider, NULL, pc, id, 1, err, errlen);

	return ret < 0 ? ret : 0;
}

int probes__resolve(const struct uspec *u, const char *provider, const struct probe_ctx *pc,
		    char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct funcs fs = {};
	bool go;
	int ret = resolve(u, provider, pc, path, &go, &fs, err, errlen);

	free(fs.v);
	return ret < 0 ? ret : (int)fs.n;
}

int probes__counts(struct session *s, uint32_t id, struct at_probe_counts *out)
{
	struct at_probe_counts *percpu = calloc((size_t)s->ncpus, sizeof(*percpu));
	int ret = 0;

	if (!percpu)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.probe_counts), &id, percpu)) {
		ret = -errno;
		goto out;
	}
	for (int c = 0; c < s->ncpus; c++) {
		const __u64 *in = (const __u64 *)&percpu[c];
		__u64 *o = (__u64 *)out;

		for (size_t k = 0; k < sizeof(*out) / sizeof(__u64); k++)
			o[k] += in[k];
	}
out:
	free(percpu);
	return ret;
}
