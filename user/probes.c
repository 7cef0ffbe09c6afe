// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function probes: SPEC -> functions -> probe table entries and uprobe links. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "elfsym.h"
#include "probefile.h"
#include "probes.h"
#include "session_priv.h"
#include "syscalls.h"
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

static int resolve_funcs(struct elf_file *ef, const struct uspec *u, const char *path,
			 struct funcs *fs, char *err, size_t errlen)
{
	struct elf_func f = { .name = u->func };
	uint64_t size;
	int ret;

	fs->extra = u->func[0] ? u->offset : 0;
	if (!u->func[0]) {
		/* A raw offset. */
		f.name = "";
		f.off = u->offset;
		return collect(fs, &f) ? fail(err, errlen, "out of memory") : 0;
	}
	if (u->is_glob) {
		ret = elf_file__for_each_func(ef, u->func, collect, fs);
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
	if (elf_file__resolve(ef, u->func, &f.off, &size))
		return fail(err, errlen, "no such function '%s' in %s%s", u->func, path,
			    elf_file__stripped(ef) ? " (stripped: only .dynsym was searched)" : "");
	return collect(fs, &f) ? fail(err, errlen, "out of memory") : 0;
}

static void destroy_links(struct probe *p)
{
	bpf_link__destroy(p->entry);
	bpf_link__destroy(p->ret);
	p->entry = p->ret = NULL;
}

static int attach_one(struct session *s, struct probe *p)
{
	LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = p->id);
	uint8_t mode = p->spec.when;

	/* pid -1: every process mapping the file; the kernel filter keeps the traced ones. */
	if (p->provider[0]) {
		LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = p->id);

		p->entry = bpf_program__attach_usdt(s->uskel->progs.usdt_hit, -1, p->path,
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
		p->ret = bpf_program__attach_uprobe_opts(s->uskel->progs.func_return, -1, p->path,
							 p->off, &o);
		if (!p->ret)
			return -errno;
	}
	if (mode != UW_RETURN) {
		o.retprobe = false;
		p->entry = bpf_program__attach_uprobe_opts(s->uskel->progs.func_entry, -1, p->path,
							   p->off, &o);
		if (!p->entry) {
			int ret = -errno;

			destroy_links(p);
			return ret;
		}
	}
	return 0;
}

/* Undoes the first n probes of an add: table entries cleared, links gone, ids unused. */
static void rollback(struct session *s, struct probe **ps, size_t n)
{
	int fd = bpf_map__fd(s->uskel->maps.probes);
	struct at_probe_spec off = {};

	for (size_t i = 0; i < n; i++) {
		destroy_links(ps[i]);
		bpf_map_update_elem(fd, &ps[i]->id, &off, BPF_ANY);
		free(ps[i]);
	}
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

static int add_locked(struct session *s, const struct uspec *u, const char *provider,
		      const char *path, bool go, const struct funcs *fs, const struct pf_probe *fp,
		      uint32_t *ids, size_t max, char *err, size_t errlen)
{
	int fd = bpf_map__fd(s->uskel->maps.probes);
	uint32_t first = atomic_load(&s->nprobes);
	struct at_probe_spec sp;
	struct probe **ps;
	size_t i;

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
		int ret;

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
		ret = attach_one(s, p);
		if (ret) {
			fail(err, errlen, "attaching to %s at 0x%llx in %s: %s", p->name,
			     (unsigned long long)p->off, path, strerror(-ret));
			i++;
			goto err_rollback;
		}
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
	rollback(s, ps, i);
	free(ps);
	return -EIO;
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

		elf_file__for_each_usdt(ef, find_usdt, &f);
		site.off = f.off;
		if (!f.found)
			fail(err, errlen, "no USDT probe %s:%s in %s", provider, u->func, path);
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
	struct probe *p;
	int ret = 0;

	if (id >= AT_MAX_PROBES)
		return -ENOENT;
	pthread_mutex_lock(&s->probes_lock);
	p = atomic_load(&s->probes[id]);
	if (!p || p->removed) {
		ret = -ENOENT;
	} else {
		/* Links first: after this no new hit; then the entry, for calls in flight. */
		destroy_links(p);
		if (p->kind == AT_KIND_SYSCALL)
			unlist_syscalls(s, id, p->syscalls);
		bpf_map_update_elem(bpf_map__fd(s->uskel->maps.probes), &id, &off, BPF_ANY);
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

	pthread_mutex_lock(&s->probes_lock);
	for (uint32_t i = 0; i < n; i++) {
		struct probe *p = atomic_load(&s->probes[i]);

		if (p)
			destroy_links(p);
	}
	pthread_mutex_unlock(&s->probes_lock);
}

void probes__free_all(struct session *s)
{
	uint32_t n = atomic_load(&s->nprobes);

	for (uint32_t i = 0; i < n; i++) {
		struct probe *p = atomic_load(&s->probes[i]);

		if (p)
			destroy_links(p);
		free(p);
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
