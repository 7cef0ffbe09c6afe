// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The probe table: probe ids, the kernel's at_probe_spec of each (from a SPEC
 * or a probe-file entry), the syscall probe lists, and adding and removing
 * probes (their links are attach.c's).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "aggregate.h"
#include "attach.h"
#include "follow.h"
#include "funcs.h"
#include "target.h"
#include "probefile.h"
#include "probes.h"
#include "probetab.h"
#include "session_priv.h"
#include "syscalls.h"
#include "util.h"

static const char *basename_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The kernel's entry for a probe of kind in mode: no argument captured yet, enabled. */
static void spec_init(struct at_probe_spec *sp, uint8_t kind, uint8_t mode)
{
	memset(sp, 0, sizeof(*sp));
	memset(sp->slot_arg, AT_ARG_NONE, sizeof(sp->slot_arg));
	memset(sp->len_arg, AT_ARG_NONE, sizeof(sp->len_arg));
	sp->err_word = AT_ARG_NONE;
	sp->kind = kind;
	sp->mode = mode;
	sp->enabled = 1;
}

/* What a probe file adds to the kernel's view: filter, actions, sampling, rate limit. */
static void apply_file(struct at_probe_spec *sp, const struct pf_probe *fp)
{
	if (!fp)
		return;
	sp->only_failing = fp->when == PF_WHEN_FAILING;
	/* An aggregate is fed by the records: the kernel emits them whatever the file listed. */
	sp->actions = fp->actions | (fp->agg.by[0] ? AT_ACT_EVENT : 0);
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

/* The kernel's chains of u's dereference ARGs (member paths resolved already). */
static int deref_specs(const struct uspec *u, bool go, struct at_probe_spec *sp, char *err,
		       size_t errlen)
{
	for (unsigned i = 0; i < u->nderef; i++) {
		const struct uderef *d = &u->derefs[i];
		struct at_deref *k = &sp->deref[i];
		int reg = uspec_deref_reg(u, d, go, err, errlen);

		if (reg < 0)
			return -1;
		if (d->path && u->args[d->arg].type == UT_NONE)
			return fail(err, errlen, "member path '%s' is not resolved", d->text);
		memcpy(k->off, d->off, sizeof(k->off));
		k->reg = (uint8_t)reg;
		k->nsteps = d->nsteps;
		k->read = d->read;
		k->word = d->arg;
		k->more = d->read == AT_DREAD_GOSTR ? (uint8_t)uspec_go_word(u, d->arg, 0) :
						      AT_ARG_NONE;
	}
	sp->nderef = u->nderef;
	return 0;
}

/* The kernel's view of a SPEC (and of its file entry fp): what to capture, what failing means. */
static int to_spec(const struct uspec *u, bool go, const struct pf_probe *fp,
		   struct at_probe_spec *sp, char *err, size_t errlen)
{
	const struct utype_info *rt = utype_info(u->ret_type);
	unsigned n = 0;

	spec_init(sp, AT_KIND_FUNC,
		  u->when == UW_ENTRY  ? AT_MODE_ENTRY :
		  u->when == UW_RETURN ? AT_MODE_RETURN :
					 AT_MODE_CALL);
	for (unsigned i = 0; i < u->nargs; i++) {
		const struct uarg *a = &u->args[i];
		uint8_t kind = utype_info(a->type)->kind;

		if (kind != UK_STR && kind != UK_BUF && kind != UK_REF)
			continue;
		if (n == AT_SLOTS)
			return fail(err, errlen, "at most %d string or buffer arguments per probe",
				    AT_SLOTS);
		if (a->type == UT_BUF_RET)
			sp->slot_kind[n] = AT_SLOT_BUF_OUT; /* length = the return value */
		else if (kind == UK_STR && a->type != UT_GOSTR)
			sp->slot_kind[n] = a->out ? AT_SLOT_STR_AT_RET : AT_SLOT_STR_IN;
		else
			sp->slot_kind[n] = a->out ? AT_SLOT_BUF_AT_RET : AT_SLOT_BUF_IN;
		sp->slot_arg[n] = i;
		if (a->type == UT_BUF_LEN) {
			sp->len_arg[n] = a->len_arg;
			if (a->len_deref) { /* the integer it points to: the INT*'s width */
				sp->len_deref[n] = (uint8_t)u->args[a->len_arg].n;
			} else { /* the argument as its type says: an int's upper half is junk */
				const struct utype_info *lt = utype_info(u->args[a->len_arg].type);

				sp->len_bits[n] =
					(uint8_t)(lt->bits | (lt->is_signed ? AT_LEN_SIGNED : 0));
			}
		} else if (utype_info(a->type)->go_only)
			sp->len_arg[n] =
				uspec_go_word(u, i, 0); /* a Go string's or slice's length */
		else
			sp->fixed_len[n] = a->n;
		n++;
	}
	sp->abi = go ? AT_ABI_GO : AT_ABI_SYSV;
	if (go)
		uspec_go_word_regs(u, sp->word_reg);
	else
		sp->remap = uspec_sysv_word_regs(u, sp->word_reg);
	if (deref_specs(u, go, sp, err, errlen))
		return -1;
	sp->err_word = go ? u->err_word : AT_ARG_NONE;
	sp->fail_op = u->fail_op; /* enum ufail_op and enum at_fail_op share their values */
	sp->fail_val = u->fail_val;
	/* An integer by its width and sign; a pointer, bytes or no type as a u64. */
	sp->ret_bits = rt->kind == UK_INT ? rt->bits : 64;
	sp->ret_signed = rt->kind == UK_INT && rt->is_signed;
	apply_file(sp, fp);
	return 0;
}

/* The kernel's view of a probe-file syscall probe: its mode and what its entry adds. */
static void sys_spec(const struct pf_probe *fp, struct at_probe_spec *sp)
{
	spec_init(sp, AT_KIND_SYSCALL, fp->when == PF_WHEN_ENTRY ? AT_MODE_ENTRY : AT_MODE_CALL);
	sp->ret_bits = 64;
	sp->ret_signed = 1;
	apply_file(sp, fp);
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

static void probe_free(struct probe *p)
{
	if (p)
		aggregate__free(p->agg);
	free(p);
}

/* A new probe with id, from file entry fp (NULL for -u and --usdt); NULL when out of memory. */
static struct probe *probe_new(uint32_t id, const struct pf_probe *fp)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->id = id;
	note_file(p, fp);
	if (fp && fp->agg.by[0]) {
		struct aggregate_opts ao = {
			.top = fp->agg.top, .max = fp->agg.max, .arg = fp->agg.arg, .by = fp->agg.by
		};

		p->agg = aggregate__new(&ao);
		if (!p->agg) {
			free(p);
			return NULL;
		}
	}
	return p;
}

/* The probe on function f of path (a USDT site with provider), as u and fp ask. */
static struct probe *func_probe(uint32_t id, const struct uspec *u, const char *provider,
				const char *path, const struct func *f, const struct pf_probe *fp)
{
	struct probe *p = probe_new(id, fp);
	char at[24] = "";

	if (!p)
		return NULL;
	/* At an offset: "funcs:plain+0x4", a bare offset "funcs:0x122d", as written. */
	if (!provider[0] && u->offset)
		snprintf(at, sizeof(at), "%s0x%llx", u->func[0] ? "+" : "",
			 (unsigned long long)u->offset);
	p->spec = *u;
	p->off = f->off;
	memcpy(p->go_ret, f->ret, f->nret * sizeof(f->ret[0]));
	p->go_nret = f->nret;
	snprintf(p->path, sizeof(p->path), "%s", path);
	snprintf(p->provider, sizeof(p->provider), "%s", provider);
	/* The main program is named by its file: "funcs:plain", not ":plain". */
	snprintf(p->name, sizeof(p->name), "%.200s:%.50s%s%.250s%s",
		 u->target[0] ? u->target : basename_of(path), provider, provider[0] ? ":" : "",
		 f->name[0] ? f->name : u->func, at);
	return p;
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
	pending_reset(s, id);
	free(zero);
	return ret;
}

/* The table entry first, so a link never fires on an empty one: id reset, then sp. 0 or -1. */
static int probe_table_set(struct session *s, uint32_t id, const struct at_probe_spec *sp,
			   char *err, size_t errlen)
{
	if (reset_id(s, id) ||
	    bpf_map_update_elem(bpf_map__fd(s->skel->maps.probes), &id, sp, BPF_ANY))
		return fail(err, errlen, "probe table: %s", strerror(errno));
	return 0;
}

void probe_table_clear(struct session *s, uint32_t id)
{
	struct at_probe_spec off = {};

	bpf_map_update_elem(bpf_map__fd(s->skel->maps.probes), &id, &off, BPF_ANY);
}

/* The n probes of ps, the next ids in order, made visible: the reader may now see their records. */
static void probe_publish(struct session *s, struct probe **ps, size_t n, uint32_t *ids, size_t max)
{
	for (size_t i = 0; i < n; i++) {
		atomic_store(&s->probes[ps[i]->id], ps[i]);
		if (i < max)
			ids[i] = ps[i]->id;
	}
	atomic_fetch_add(&s->nprobes, (unsigned)n);
}

/* Undoes the first n probes of an add: table entries cleared, links gone, ids unused. */
static void rollback(struct session *s, struct probe **ps, size_t n)
{
	struct fdset fs;

	fdset_init(&fs, n);
	for (size_t i = 0; i < n; i++) {
		destroy_links(ps[i], &fs);
		probe_table_clear(s, ps[i]->id);
		probe_free(ps[i]);
	}
	fdset_close(&fs);
}

/* Go types on a file that is not Go (path "": not known yet, nothing refused): -1 with why. */
static int go_types_refused(const struct uspec *u, bool go, const char *path, char *err,
			    size_t errlen)
{
	if (go || !path[0])
		return 0;
	if (uspec_go_results(u))
		return fail(err, errlen,
			    "the results (%s%s) are Go's (a tuple, an interface or an error), and "
			    "%s is not a Go binary",
			    u->err_ret >= 0 ? "error" : utype_name(u->ret_type),
			    u->nrets > 1 ? ", ..." : "", path);
	if (u->go_arg < 0)
		return 0;
	return fail(err, errlen, "argument '%s' is %s, a Go type, and %s is not a Go binary",
		    u->args[u->go_arg].name, utype_name(u->args[u->go_arg].type), path);
}

static int add_locked(struct session *s, const struct uspec *u, const char *provider,
		      const char *path, bool go, const struct funcs *fs, const struct pf_probe *fp,
		      uint32_t *ids, size_t max, char *err, size_t errlen)
{
	uint32_t first = atomic_load(&s->nprobes);
	struct at_probe_spec sp;
	struct probe **ps;
	size_t i;
	int ret = -EIO;

	if (s->opts.no_func_probes) {
		fail(err, errlen, "this session was opened without function probes");
		return -EINVAL;
	}
	if (go_types_refused(u, go, path, err, errlen))
		return -EINVAL;
	/* A probe waiting for its file (no path yet) with Go types can only go on Go. */
	go = go || u->go_arg >= 0 || uspec_go_results(u);
	if (to_spec(u, go, fp, &sp, err, errlen))
		return -EINVAL;
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
		ps[i] = func_probe(first + i, u, provider, path, &fs->v[i], fp);
		if (!ps[i]) {
			fail(err, errlen, "out of memory");
			goto err_rollback;
		}
		if (probe_table_set(s, ps[i]->id, &sp, err, errlen)) {
			i++;
			goto err_rollback;
		}
	}
	/* Pending (no path here): its links are made in the processes that have its file. */
	ret = path[0] ? attach_probes(s, ps, fs->n, err, errlen) : 0;
	if (ret)
		goto err_rollback;
	probe_publish(s, ps, fs->n, ids, max);
	/* Each traced process's own copy of the file gets them too (follow.c). */
	if (follow_group(s->follow, ps, fs, fs->n, path, go))
		fprintf(stderr, "agent-trace: out of memory: %s is not followed into other files\n",
			ps[0]->name);
	free(ps);
	return (int)fs->n;

err_rollback:
	rollback(s, ps, i);
	free(ps);
	return ret;
}

/*
 * u's member paths typed and chained from the DWARF of path for the one
 * function fs holds (C, or Go's own DWARF): refused on USDT sites and on
 * globs of several functions. 0 or -1.
 */
static int member_paths(struct uspec *u, const char *provider, const char *path,
			const struct funcs *fs, char *err, size_t errlen)
{
	const char *text;

	if (u->path_arg < 0)
		return 0;
	text = u->derefs[u->args[u->path_arg].deref - 1].text;
	if (provider)
		return fail(err, errlen,
			    "member path '%s': a USDT probe's arguments have no DWARF types; "
			    "use *(argK+OFF)",
			    text);
	if (fs->n != 1)
		return fail(err, errlen,
			    "member path '%s' needs one function's parameters, and '%s' matches "
			    "%zu functions; name one",
			    text, u->func, fs->n);
	return uderef_resolve(u, path, fs->v[0].name[0] ? fs->v[0].name : u->func, fs->v[0].off,
			      err, errlen);
}

/* Resolves, then attaches one probe per function (a USDT site: one, entry-only). */
static int add(struct session *s, const struct uspec *u, const char *provider,
	       const struct pf_probe *fp, const struct resolve_scope *sc, uint32_t *ids, size_t max,
	       char *err, size_t errlen)
{
	char path[PATH_MAX], why[512];
	struct funcs fs = {};
	struct uspec eu = *u;
	bool go = false;
	int ret;

	if (provider && uspec_out_arg(u) >= 0) {
		fail(err, errlen, "argument '%s' is read at return, and a usdt probe has none",
		     u->args[uspec_out_arg(u)].name);
		return -EINVAL;
	}
	/*
	 * '@return' with arguments: they are saved at entry, so the entry is
	 * probed too, a call probe whose record is stamped at return.
	 */
	if (!provider && eu.when == UW_RETURN && eu.nargs) {
		eu.when = UW_CALL;
		eu.stamp_return = true;
	}

	/*
	 * A file that is not here (no such path on the host, no process to find
	 * the main executable in) while processes are targeted by what they run:
	 * the probe waits for them, and attaches in each that has the file.
	 */
	if (s->open_targets && !u->is_glob &&
	    target_resolve(u->target, sc->pid, sc->exe, path, sizeof(path), why, sizeof(why))) {
		struct func f = {};

		if (u->path_arg >= 0) {
			fail(err, errlen,
			     "member path '%s' needs the file's DWARF, and %s; give its offsets "
			     "(*(argK+OFF))",
			     u->derefs[u->args[u->path_arg].deref - 1].text, why);
			return -EINVAL;
		}

		snprintf(f.name, sizeof(f.name), "%s", u->func);
		fs.v = &f;
		fs.n = 1;
		path[0] = '\0';
		fprintf(stderr,
			"agent-trace: probe '%s:%s': %s; it goes in each target that has it\n",
			u->target, u->func, why);
		if (provider)
			eu.when = UW_ENTRY;
		pthread_mutex_lock(&s->probes_lock);
		ret = add_locked(s, &eu, provider ? provider : "", path, false, &fs, fp, ids, max,
				 err, errlen);
		pthread_mutex_unlock(&s->probes_lock);
		return ret;
	}
	ret = funcs_resolve(u, provider, sc, path, &go, &fs, err, errlen);
	if (!ret && member_paths(&eu, provider, path, &fs, err, errlen))
		ret = -EINVAL;
	if (!ret) {
		if (provider)
			eu.when = UW_ENTRY; /* a probe site has no return */
		pthread_mutex_lock(&s->probes_lock);
		ret = add_locked(s, &eu, provider ? provider : "", path, go, &fs, fp, ids, max, err,
				 errlen);
		pthread_mutex_unlock(&s->probes_lock);
	}
	funcs_free(&fs);
	return ret;
}

int probes__add(struct session *s, const struct uspec *u, const struct resolve_scope *sc,
		uint32_t *ids, size_t max, char *err, size_t errlen)
{
	return add(s, u, NULL, NULL, sc, ids, max, err, errlen);
}

int probes__add_usdt(struct session *s, const struct uspec *u, const char *provider,
		     const struct resolve_scope *sc, uint32_t *id, char *err, size_t errlen)
{
	return add(s, u, provider, NULL, sc, id, 1, err, errlen);
}

static bool nr_in(const uint64_t *nrs, uint32_t nr)
{
	return nrs[nr / 64] & (1ULL << (nr % 64));
}

/* Takes id off the lists of the syscalls in nrs; the probed bit goes with the last. */
static void unlist_syscalls(struct session *s, uint32_t id, const uint64_t *nrs)
{
	int fd = bpf_map__fd(s->skel->maps.sys_probes);

	for (uint32_t nr = 0; nr < AT_NR_MAX; nr++) {
		struct at_sys_probes sp;
		bool any = false;

		if (!nr_in(nrs, nr) || bpf_map_lookup_elem(fd, &nr, &sp))
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
 * Lists id on each syscall of nrs. A free slot is overwritten in place, so
 * the probes already listed there are never seen twice or missed by a call
 * running meanwhile. 0, or -EINVAL (a full list) / -EIO with err, id then on
 * no list.
 */
static int list_syscalls(struct session *s, uint32_t id, const uint64_t *nrs, char *err,
			 size_t errlen)
{
	int fd = bpf_map__fd(s->skel->maps.sys_probes);
	uint64_t done[AT_NR_MAX / 64] = {};
	char name[SYSCALL_NAME_BUF];
	int ret = -EIO;

	for (uint32_t nr = 0; nr < AT_NR_MAX; nr++) {
		struct at_sys_probes l;
		int slot = -1;

		if (!nr_in(nrs, nr))
			continue;
		if (bpf_map_lookup_elem(fd, &nr, &l)) {
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
		if (bpf_map_update_elem(fd, &nr, &l, BPF_ANY)) {
			fail(err, errlen, "syscall probe list: %s", strerror(errno));
			goto err_unlist;
		}
		done[nr / 64] |= 1ULL << (nr % 64);
		__atomic_fetch_or(&s->skel->bss->probed[nr / 64], 1ULL << (nr % 64),
				  __ATOMIC_SEQ_CST);
	}
	return 0;

err_unlist:
	unlist_syscalls(s, id, done);
	return ret;
}

/* A syscall probe: one table entry, its id listed on each selected number. */
static int add_syscall(struct session *s, const struct pf_probe *fp, uint32_t *ids, size_t max,
		       char *err, size_t errlen)
{
	struct at_probe_spec sp;
	struct probe *p;
	uint32_t id;
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
	/* The first syscall probe of a session of function probes: its programs go in now. */
	if ((ret = session_attach_syscalls(s, err, errlen)))
		return ret;
	pthread_mutex_lock(&s->probes_lock);
	id = atomic_load(&s->nprobes);
	if (id + 1 > AT_MAX_PROBES) {
		fail(err, errlen, "too many probes: the limit is %d", AT_MAX_PROBES);
		ret = -EINVAL;
		goto out;
	}
	p = probe_new(id, fp);
	if (!p) {
		fail(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	p->kind = AT_KIND_SYSCALL;
	p->spec.when = fp->when == PF_WHEN_ENTRY ? UW_ENTRY : UW_CALL;
	memcpy(p->syscalls, fp->syscalls, sizeof(p->syscalls));
	snprintf(p->name, sizeof(p->name), "%s", fp->name);
	sys_spec(fp, &sp);
	if (probe_table_set(s, id, &sp, err, errlen)) {
		probe_free(p);
		goto out;
	}
	ret = list_syscalls(s, id, fp->syscalls, err, errlen);
	if (ret) {
		probe_table_clear(s, id);
		probe_free(p);
		goto out;
	}
	probe_publish(s, &p, 1, ids, max);
	ret = 1;
out:
	pthread_mutex_unlock(&s->probes_lock);
	return ret;
}

int probes__add_file(struct session *s, const struct pf_probe *fp, const struct resolve_scope *sc,
		     uint32_t *ids, size_t max, char *err, size_t errlen)
{
	if (fp->agg.by[0] && !s->opts.stream) {
		/* -c: the kernel makes no records, and the table is fed by them. */
		fail(err, errlen,
		     "aggregate needs the probe's records, which -c does not make; "
		     "drop -c");
		return -EINVAL;
	}
	switch (fp->kind) {
	case PF_SYSCALL:
		return add_syscall(s, fp, ids, max, err, errlen);
	case PF_FUNCTION:
		return add(s, &fp->spec, NULL, fp, sc, ids, max, err, errlen);
	case PF_USDT:
		return add(s, &fp->spec, fp->provider, fp, sc, ids, max, err, errlen);
	}
	fail(err, errlen, "unknown probe kind %d", fp->kind);
	return -EINVAL;
}

int probes__remove(struct session *s, uint32_t id)
{
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
		probe_table_clear(s, id);
		/* Its records still in flight are ignored by the table, which goes now. */
		aggregate__close(p->agg);
		p->removed = true;
	}
	pthread_mutex_unlock(&s->probes_lock);
	return ret;
}

const struct probe *probes__get(struct session *s, uint32_t id)
{
	return id < AT_MAX_PROBES ? atomic_load(&s->probes[id]) : NULL;
}

int probes__set_abi(struct session *s, uint32_t id, bool go)
{
	const struct probe *p = probes__get(s, id);
	int fd = bpf_map__fd(s->skel->maps.probes);
	struct at_probe_spec sp;

	if (!p)
		return -ENOENT;
	if (bpf_map_lookup_elem(fd, &id, &sp))
		return -errno;
	/* Off (removed) stays off. */
	if (!sp.enabled)
		return 0;
	sp.abi = go ? AT_ABI_GO : AT_ABI_SYSV;
	memset(sp.word_reg, 0, sizeof(sp.word_reg));
	if (go)
		uspec_go_word_regs(&p->spec, sp.word_reg);
	sp.err_word = go ? p->spec.err_word : AT_ARG_NONE;
	return bpf_map_update_elem(fd, &id, &sp, BPF_ANY) ? -errno : 0;
}

uint32_t probes__count(struct session *s)
{
	return atomic_load(&s->nprobes);
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
		probe_free(atomic_load(&s->probes[i]));
		atomic_store(&s->probes[i], NULL);
	}
}

int probes__resolve(const struct uspec *u, const char *provider, const struct resolve_scope *sc,
		    char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct funcs fs = {};
	bool go;
	int ret = funcs_resolve(u, provider, sc, path, &go, &fs, err, errlen);
	struct uspec eu = *u;

	if (!ret && go_types_refused(u, go, path, err, errlen))
		ret = -EINVAL;
	if (!ret && member_paths(&eu, provider, path, &fs, err, errlen))
		ret = -EINVAL;
	if (ret >= 0)
		ret = (int)fs.n;
	funcs_free(&fs);
	return ret;
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
	for (int c = 0; c < s->ncpus; c++)
		counts_merge(out, &percpu[c]);
	pending_add_counts(s, id, out);
out:
	free(percpu);
	return ret;
}
