// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* SPEC -> functions: the target's ELF file, its symbols or USDT notes, each offset checked. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_file.h"
#include "target.h"
#include "funcs.h"
#include "gofunc.h"
#include "gopclntab.h"
#include "insn.h"
#include "util.h"

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
	fs->v[fs->n].nret = 0;
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

/*
 * Where a probe of SPEC u goes in Go function f (f->off its start): the
 * entry after the stack check, a return probe's on each RET (the offsets
 * from f's start in gs). An offset in the SPEC is the entry's, as given. 0,
 * -ENOENT when f cannot return (no RET: a glob skips it), or -EINVAL, both
 * with err.
 */
static int go_place(struct elf_file *ef, const struct elf_func *f, const struct uspec *u,
		    uint64_t off, const char *path, struct go_sites *gs, char *err, size_t errlen)
{
	const char *name = f->name[0] ? f->name : "the function";
	uint64_t bad = 0;
	int ret;

	if (off || !u->func[0]) {
		memset(gs, 0, sizeof(*gs));
		gs->entry = off;
		if (u->when == UW_ENTRY)
			return 0;
		return fail(err, errlen,
			    "a return probe on Go function %s in %s goes on its RET instructions, "
			    "not at an offset; add '@entry'",
			    name, path);
	}
	ret = go_sites__find(ef, f, gs, &bad);
	if (ret && u->when == UW_ENTRY) {
		/* Entry only, undecodable: at the first instruction, as without Capstone. */
		memset(gs, 0, sizeof(*gs));
		return 0;
	}
	if (ret == -ELIBACC)
		return fail(err, errlen,
			    "a return probe on Go function %s in %s needs its RET instructions, "
			    "and %s (Debian's libcapstone4) cannot be loaded to find them",
			    name, path, insn__library());
	if (ret == -ENOTSUP)
		return fail(err, errlen,
			    "a return probe on Go function %s in %s needs its RET instructions: no "
			    "instruction decoder for ELF machine %u; add '@entry'",
			    name, path, elf_file__machine(ef));
	if (ret == -EILSEQ)
		return fail(err, errlen,
			    "cannot decode the instruction at %s+0x%llx in %s, so the RET "
			    "instructions of this Go function are not known; add '@entry'",
			    name, (unsigned long long)bad, path);
	if (ret)
		return fail(err, errlen, "reading %s in %s: %s", name, path, strerror(-ret));
	if (u->when == UW_ENTRY)
		gs->nret = 0;
	else if (gs->too_many)
		return fail(err, errlen,
			    "Go function %s in %s has more than %d RET instructions, more return "
			    "probes than one function takes; add '@entry'",
			    name, path, GO_MAX_RETS);
	else if (!gs->nret) {
		fail(err, errlen,
		     "Go function %s in %s has no RET instruction: it never returns to its "
		     "caller (it ends in a jump or a call that does not return); add '@entry'",
		     name, path);
		return -ENOENT;
	}
	return 0;
}

/* fn's probe sites as go_place found them (gs's offsets from f's start). */
static void go_apply(const struct elf_func *f, const struct go_sites *gs, uint64_t *off,
		     uint64_t *ret, unsigned *nret)
{
	uint64_t start = f->off; /* off may be f->off */

	for (unsigned i = 0; i < gs->nret; i++)
		ret[i] = start + gs->ret[i];
	*nret = gs->nret;
	*off = start + gs->entry;
}

/* A glob's functions, each checked at the SPEC's offset before it is collected. */
struct checked {
	struct funcs *fs;
	struct elf_file *ef;
	const struct uspec *u;
	const char *path;
	char *err;
	size_t errlen;
	bool go;      /* a Go binary: the entry after the stack check, returns on the RETs */
	bool refused; /* err says why */
};

static int collect_checked(void *ctx, const struct elf_func *f)
{
	struct checked *c = ctx;

	/* A glob means the functions that can take its probe: the entry point cannot return. */
	if (c->u->when != UW_ENTRY && !c->u->offset && f->addr == elf_file__entry(c->ef))
		return 0;
	struct go_sites gs;
	struct func *fn;
	int ret;

	if (c->go) {
		ret = go_place(c->ef, f, c->u, c->u->offset, c->path, &gs, c->err, c->errlen);
		/* A glob means the functions that can take its probe: one that never returns cannot. */
		if (ret == -ENOENT)
			return 0;
		if (ret) {
			c->refused = true;
			return -EINVAL;
		}
		if (c->u->offset && check_offset(c->ef, f, c->u->offset, c->u->offset, UW_ENTRY,
						 c->path, c->err, c->errlen)) {
			c->refused = true;
			return -EINVAL;
		}
		ret = collect(c->fs, f);
		if (ret)
			return ret;
		fn = &c->fs->v[c->fs->n - 1];
		go_apply(f, &gs, &fn->off, fn->ret, &fn->nret);
		return 0;
	}
	if (check_offset(c->ef, f, c->u->offset, c->u->offset, c->u->when, c->path, c->err,
			 c->errlen)) {
		c->refused = true;
		return -EINVAL;
	}
	return collect(c->fs, f);
}

/*
 * One function of ef by name (a plain or versioned name; "" for u's raw file
 * offset), checked at u's offset: *f gets it, f->off the probe's offset.
 * 0, -ENOENT (no such function, err says so) or -EINVAL with err.
 */
static int resolve_plain(struct elf_file *ef, const struct uspec *u, const char *name,
			 const char *path, bool go, struct elf_func *f, uint64_t *ret,
			 unsigned *nret, char *err, size_t errlen)
{
	struct go_sites gs;
	uint64_t avail;
	int r;

	*nret = 0;
	f->name = name;
	if (!name[0]) {
		/* A raw file offset: checked in the function that holds it. */
		if (elf_file__func_at(ef, u->offset, f))
			return fail(err, errlen,
				    "offset 0x%llx is in no function of %s (no function symbol "
				    "holds it), so its instruction boundaries cannot be checked",
				    (unsigned long long)u->offset, path);
		if (go && go_place(ef, f, u, u->offset - f->off, path, &gs, err, errlen))
			return -EINVAL;
		if (check_offset(ef, f, u->offset - f->off, u->offset, go ? UW_ENTRY : u->when,
				 path, err, errlen))
			return -EINVAL;
		f->name = "";
		f->off = u->offset;
		return 0;
	}
	if (elf_file__resolve(ef, name, &f->off, &f->size)) {
		char note[256];

		fail(err, errlen, "no such function '%s' in %s%s", name, path,
		     elf_file__stripped_note(ef, note, sizeof(note)));
		return -ENOENT;
	}
	/* resolve found off through a section, so the way back holds. */
	elf_file__off_to_addr(ef, f->off, &f->addr, &avail);
	if (go) {
		r = go_place(ef, f, u, u->offset, path, &gs, err, errlen);
		if (r)
			return -EINVAL;
		if (check_offset(ef, f, u->offset, u->offset, UW_ENTRY, path, err, errlen))
			return -EINVAL;
		go_apply(f, &gs, &f->off, ret, nret);
		return 0;
	}
	if (check_offset(ef, f, u->offset, u->offset, u->when, path, err, errlen))
		return -EINVAL;
	f->off += u->offset;
	return 0;
}

static int resolve_funcs(struct elf_file *ef, const struct uspec *u, const char *path, bool go,
			 struct funcs *fs, char *err, size_t errlen)
{
	struct checked c = {
		.fs = fs, .ef = ef, .u = u, .path = path, .err = err, .errlen = errlen, .go = go
	};
	struct elf_func f;
	uint64_t ret_off[GO_MAX_RETS];
	unsigned nret;
	char note[256];
	int ret;

	if (u->is_glob) {
		fs->extra = u->offset; /* each function's offset + the SPEC's */
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
			return fail(err, errlen, "no function matches '%s' in %s%s", u->func, path,
				    elf_file__stripped_note(ef, note, sizeof(note)));
		return 0;
	}
	fs->extra = 0; /* resolve_plain added it */
	if (resolve_plain(ef, u, u->func, path, go, &f, ret_off, &nret, err, errlen))
		return -EINVAL;
	if (collect(fs, &f))
		return fail(err, errlen, "out of memory");
	memcpy(fs->v[fs->n - 1].ret, ret_off, nret * sizeof(ret_off[0]));
	fs->v[fs->n - 1].nret = nret;
	return 0;
}

/* The SPEC's target as an ELF file; NULL with a reason in err. path gets PATH_MAX bytes. */
static struct elf_file *open_target(const struct uspec *u, const struct resolve_scope *sc,
				    char *path, char *err, size_t errlen)
{
	struct elf_file *ef;
	char why[512];

	if (target_resolve(u->target, sc->pid, sc->exe, path, PATH_MAX, why, sizeof(why))) {
		fail(err, errlen, "%s", why);
		return NULL;
	}
	ef = elf_file__open(path, why, sizeof(why));
	if (!ef)
		fail(err, errlen, "%s: %s", path, why);
	return ef;
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

int funcs_resolve(const struct uspec *u, const char *provider, const struct resolve_scope *sc,
		  char *path, bool *go, struct funcs *fs, char *err, size_t errlen)
{
	struct elf_file *ef = open_target(u, sc, path, err, errlen);
	int ret = -EINVAL;

	if (!ef)
		return -EINVAL;
	*go = !provider && elf_file__is_go(ef);
	if (provider) {
		struct func_want w = { .name = u->func };

		if (funcs_resolve_in(ef, path, u, provider, &w, 1, err, errlen) == 1 &&
		    !collect(fs, &(struct elf_func){ .name = u->func, .off = w.off }))
			ret = 0;
		else if (!w.err)
			fail(err, errlen, "out of memory");
	} else {
		/* -EINTR: set-up was cancelled, not a bad SPEC. */
		ret = resolve_funcs(ef, u, path, *go, fs, err, errlen);
		ret = ret == -EINTR ? ret : ret ? -EINVAL : 0;
	}
	elf_file__close(ef);
	return ret;
}

/* A walk of the USDT notes for many names at once: each takes its first site. */
struct usdt_wants {
	const char *provider;
	struct func_want *w;
	size_t n, left;
};

static int find_usdts(void *ctx, const struct elf_usdt *e)
{
	struct usdt_wants *u = ctx;

	if (strcmp(e->provider, u->provider))
		return 0;
	for (size_t i = 0; i < u->n; i++)
		if (u->w[i].err == -ENOENT && !strcmp(e->name, u->w[i].name)) {
			u->w[i].off = e->off;
			u->w[i].err = 0;
			u->left--;
		}
	return !u->left;
}

/* Appends to err at *len what fmt says, as room allows: the text stays one line. */
__attribute__((format(printf, 4, 5))) static void add_text(char *err, size_t errlen, size_t *len,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= errlen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(err + *len, errlen - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n >= errlen ? errlen - 1 : *len + (size_t)n;
}

/*
 * err for the names of w that failed: those not in the file, by name (as
 * many as fit), then the first refused one's reason (why).
 */
static void report_names(const struct func_want *w, size_t n, const char *provider,
			 struct elf_file *ef, const char *path, const char *why, char *err,
			 size_t errlen)
{
	size_t len = 0, missing = 0;
	bool cut = false;
	char note[256];

	if (!errlen)
		return;
	err[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (w[i].err != -ENOENT)
			continue;
		if (!missing++)
			add_text(err, errlen, &len, "%s",
				 provider ? "no USDT probe" : "no such function");
		else if (cut)
			continue;
		/* Room kept for the file's name: past it, the rest are "...". */
		cut = missing > 1 && len + strlen(w[i].name) + (provider ? strlen(provider) : 0) +
						     strlen(path) + 64 >=
					     errlen;
		if (cut)
			add_text(err, errlen, &len, ", ...");
		else if (provider)
			add_text(err, errlen, &len, "%s %s:%s", missing > 1 ? "," : "", provider,
				 w[i].name);
		else
			add_text(err, errlen, &len, "%s '%s'", missing > 1 ? "," : "", w[i].name);
	}
	if (missing)
		add_text(err, errlen, &len, " in %s%s", path,
			 provider ? "" : elf_file__stripped_note(ef, note, sizeof(note)));
	if (why[0])
		add_text(err, errlen, &len, "%s%s", missing ? "; " : "", why);
}

int funcs_resolve_in(struct elf_file *ef, const char *path, const struct uspec *u,
		     const char *provider, struct func_want *w, size_t n, char *err, size_t errlen)
{
	char why[512] = "", one[512], ver[16];
	struct usdt_wants uw = { .provider = provider, .w = w, .n = n, .left = n };
	bool go = !provider && elf_file__is_go(ef);
	size_t found = 0, failed = 0;
	struct elf_func f;

	for (size_t i = 0; i < n; i++) {
		w[i].err = -ENOENT;
		w[i].nret = 0;
	}
	/* One walk of the notes, or one read of the symbols (each name then a binary search). */
	if (provider && n)
		elf_file__for_each_usdt(ef, find_usdts, &uw);
	for (size_t i = 0; i < n; i++) {
		if (provider) {
			if (!w[i].err && usdt_crashes(ef, provider, w[i].name, ver, sizeof(ver))) {
				snprintf(
					one, sizeof(one),
					"refused: enabling %s:%s crashes Ruby %s (a Ruby bug: its C "
					"method probes read a class name its GC has freed; see "
					"README)",
					provider, w[i].name, ver);
				w[i].err = -EINVAL;
			}
		} else {
			w[i].err = resolve_plain(ef, u, w[i].name, path, go, &f, w[i].ret,
						 &w[i].nret, one, sizeof(one));
			if (!w[i].err)
				w[i].off = f.off;
			else if (w[i].err != -ENOENT)
				w[i].err = -EINVAL;
		}
		found += !w[i].err;
		if (w[i].err == -EINVAL && !why[0])
			snprintf(why, sizeof(why), "%s", one);
		failed += w[i].err != 0;
	}
	if (failed)
		report_names(w, n, provider, ef, path, why, err, errlen);
	return (int)found;
}

int funcs_resolve_names(const struct uspec *u, const char *provider, const struct resolve_scope *sc,
			char *path, bool *go, struct func_want *w, size_t n, char *err,
			size_t errlen)
{
	struct elf_file *ef = open_target(u, sc, path, err, errlen);
	int ret;

	if (!ef)
		return -EINVAL;
	*go = !provider && elf_file__is_go(ef);
	ret = funcs_resolve_in(ef, path, u, provider, w, n, err, errlen);
	elf_file__close(ef);
	return ret;
}

void funcs_free(struct funcs *fs)
{
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}
