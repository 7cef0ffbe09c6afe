// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User stacks to file(function+offset) [address] frames. Per process, its
 * mappings (/proc/PID/maps), read at its first stack, again after an exec
 * and when an address falls outside them (a library loaded since), and kept
 * after it exits, for its records still in flight. Per ELF file, by device
 * and inode, its functions sorted by address and its load segments. Both
 * bounded; the least recently used goes.
 */
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "elf_file.h"
#include "elf_priv.h"
#include "symbolize.h"

/* PT_LOAD segments remembered per file: more than any linker makes. */
#define SYM_LOADS 16
/*
 * Addresses already resolved, by process image: a hot call site's frames are
 * looked up once, not at each of its calls (strace caches them likewise).
 */
#define SYM_CACHE 4096
/* x86-64 user addresses are below this (47 bits): past it a "return address" is junk. */
#define SYM_USER_END 0x800000000000ull
/* The mappings of a process are read again at most this often (an address outside them). */
#define SYM_REREAD_NS 100000000ull

struct fsym {
	uint64_t addr, size; /* st_value, st_size */
	const char *name;    /* lives as long as the file's elf_file */
	size_t idx;	     /* its index in the symbol table */
	uint8_t rank;	     /* bind_rank */
};

struct load {
	uint64_t off, vaddr, filesz; /* p_offset, p_vaddr, p_filesz */
};

struct sfile {
	uint64_t tick; /* last use; 0: the slot is free */
	uint64_t ino;
	uint32_t dev;
	bool bad; /* not an ELF file we could read: kept so it is not tried at every frame */
	struct elf_file *ef;
	struct fsym *syms; /* by address */
	size_t nsyms, cap;
	struct load load[SYM_LOADS];
	unsigned nload;
	Dwarf_CFI *cfi; /* .eh_frame (or .debug_frame); NULL when none */
};

struct sproc {
	uint64_t tick; /* last use; 0: the slot is free */
	uint64_t gen;  /* which reading of the mappings: cached addresses are of one */
	uint32_t pid;
	bool stale;	  /* exec'ed: read the mappings again before use */
	uint64_t read_ns; /* CLOCK_MONOTONIC of the last reading (or attempt) */
	struct maps maps;
};

/* What is cached of an address. */
enum { PC_FREE, PC_FIRST, PC_RETURN, PC_LEAF };

struct pcache {
	uint64_t gen; /* the process's mappings' generation */
	uint64_t ip;
	uint8_t kind;	    /* PC_* */
	int64_t cfa;	    /* PC_LEAF: CFA = rsp + cfa, -1 when it is not rsp-based */
	struct sym_frame f; /* PC_FIRST, PC_RETURN: the frame */
};

struct symbolizer {
	uint64_t tick;
	uint64_t gen; /* the last generation given out */
	struct sproc procs[SYMBOLIZE_PROCS];
	struct sfile files[SYMBOLIZE_FILES];
	struct pcache cache[SYM_CACHE];
};

struct symbolizer *symbolizer__new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

static void file_free(struct sfile *f)
{
	if (f->cfi)
		dwarf_cfi_end(f->cfi);
	free(f->syms);
	if (f->ef)
		elf_file__close(f->ef);
	memset(f, 0, sizeof(*f));
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < SYMBOLIZE_PROCS; i++)
		maps_free(&s->procs[i].maps);
	for (unsigned i = 0; i < SYMBOLIZE_FILES; i++)
		file_free(&s->files[i]);
	free(s);
}

void symbolizer__forget(struct symbolizer *s, uint32_t pid)
{
	for (unsigned i = 0; s && i < SYMBOLIZE_PROCS; i++)
		if (s->procs[i].tick && s->procs[i].pid == pid)
			s->procs[i].stale = true;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The process's slot, its mappings read if they were not (or are stale), or
 * again: MAPS_AGAIN at once, MAPS_AGAIN_LIMITED at most every SYM_REREAD_NS
 * (a program without frame pointers has junk in its frame chain at every
 * stack, which is in no mapping, and is no reason to read them at each).
 */
enum { MAPS_KEEP, MAPS_AGAIN_LIMITED, MAPS_AGAIN };

static struct sproc *proc_get(struct symbolizer *s, uint32_t pid, int again)
{
	struct sproc *p = NULL, *old = &s->procs[0];
	struct maps m;

	for (unsigned i = 0; i < SYMBOLIZE_PROCS && !p; i++) {
		struct sproc *c = &s->procs[i];

		if (c->tick && c->pid == pid)
			p = c;
		else if (!c->tick || (old->tick && c->tick < old->tick))
			old = c;
	}
	if (!p) {
		p = old;
		maps_free(&p->maps);
		*p = (struct sproc){ .pid = pid, .stale = true, .gen = ++s->gen };
	}
	p->tick = ++s->tick;
	/* A process gone keeps what was read while it ran. */
	if (!p->stale && (again == MAPS_KEEP ||
			  (again == MAPS_AGAIN_LIMITED && now_ns() - p->read_ns < SYM_REREAD_NS)))
		return p;
	p->read_ns = now_ns();
	if (!maps_read(pid, &m)) {
		maps_free(&p->maps);
		p->maps = m;
		p->stale = false;
		p->gen = ++s->gen;
	}
	return p;
}

/* Room for one more symbol. */
static bool sym_room(struct sfile *f)
{
	struct fsym *n;

	if (f->nsyms < f->cap)
		return true;
	n = realloc(f->syms, (f->cap = f->cap * 2 + 256) * sizeof(*n));
	if (!n)
		return false;
	f->syms = n;
	return true;
}

/* A stripped Go binary's functions, from .gopclntab (elf_file's table). */
static int add_func(void *ctx, const struct elf_func *fn)
{
	struct sfile *f = ctx;

	if (!sym_room(f))
		return -ENOMEM;
	f->syms[f->nsyms] = (struct fsym){
		.addr = fn->addr, .size = fn->size, .name = fn->name, .rank = 3, .idx = f->nsyms
	};
	f->nsyms++;
	return 0;
}

/* libdw's preference among symbols at one address: global, weak, local. */
static uint8_t bind_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	}
	return 0;
}

/*
 * The defined functions of one symbol table section, as strace's libdw reads
 * them: .symtab when there is one, else .dynsym (a stripped file's).
 */
static bool load_symtab(struct sfile *f, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 1; d && i < n; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(d, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(f->ef->elf, sh->sh_link, sym.st_name);
		if (!name || !name[0])
			continue;
		if (!sym_room(f))
			return false;
		f->syms[f->nsyms++] = (struct fsym){ .addr = sym.st_value,
						     .size = sym.st_size,
						     .name = name,
						     .rank = bind_rank(sym.st_info),
						     .idx = i };
	}
	return true;
}

static int fsym_cmp(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* At one address: the better binding, then the first in the table (libdw's choice). */
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The file's functions by address, one per address. */
static bool load_syms(struct sfile *f)
{
	Elf_Scn *scn = NULL, *tab = NULL;
	GElf_Shdr sh, tsh;
	size_t k = 0;

	while ((scn = elf_nextscn(f->ef->elf, scn)))
		if (gelf_getshdr(scn, &sh) &&
		    (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !tab))) {
			tab = scn;
			tsh = sh;
			if (sh.sh_type == SHT_SYMTAB)
				break;
		}
	if (tab && !load_symtab(f, tab, &tsh))
		return false;
	if (elf_file__is_go(f->ef) && elf_file__stripped(f->ef) &&
	    elf_file__for_each_func(f->ef, NULL, add_func, f))
		return false;
	if (!f->nsyms)
		return true;
	qsort(f->syms, f->nsyms, sizeof(*f->syms), fsym_cmp);
	for (size_t i = 0; i < f->nsyms; i++)
		if (!k || f->syms[i].addr != f->syms[k - 1].addr)
			f->syms[k++] = f->syms[i];
	f->nsyms = k;
	return true;
}

/* The file's functions, load segments and CFI; false when it cannot be read as ELF. */
static bool file_load(struct sfile *f, const char *path)
{
	char err[256];
	size_t nph = 0;

	f->ef = elf_file__open(path, err, sizeof(err));
	if (!f->ef)
		return false;
	if (!load_syms(f))
		return false;
	if (elf_getphdrnum(f->ef->elf, &nph))
		return false;
	for (size_t i = 0; i < nph && f->nload < SYM_LOADS; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(f->ef->elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			f->load[f->nload++] = (struct load){ .off = ph.p_offset,
							     .vaddr = ph.p_vaddr,
							     .filesz = ph.p_filesz };
	}
	f->cfi = dwarf_getcfi_elf(f->ef->elf);
	return true;
}

/*
 * The file a mapping shows, read once per device and inode. Opened through
 * the process's root (a container's files are where its mount namespace has
 * them), else by the path as it is (the process is gone).
 */
static struct sfile *file_get(struct symbolizer *s, uint32_t pid, const struct vma *v)
{
	struct sfile *f = NULL, *old = &s->files[0];
	char path[4096 + 32];

	if (!v->ino || v->path[0] != '/')
		return NULL;
	for (unsigned i = 0; i < SYMBOLIZE_FILES && !f; i++) {
		struct sfile *c = &s->files[i];

		if (c->tick && c->ino == v->ino && c->dev == v->dev)
			f = c;
		else if (!c->tick || (old->tick && c->tick < old->tick))
			old = c;
	}
	if (f) {
		f->tick = ++s->tick;
		return f->bad ? NULL : f;
	}
	f = old;
	/* Cached frames may name its file and functions. */
	if (f->tick)
		memset(s->cache, 0, sizeof(s->cache));
	file_free(f);
	f->tick = ++s->tick;
	f->ino = v->ino;
	f->dev = v->dev;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/root%s", pid, v->path);
	if (!file_load(f, path)) {
		uint64_t tick = f->tick;

		file_free(f);
		*f = (struct sfile){ .tick = tick, .ino = v->ino, .dev = v->dev };
		if (!file_load(f, v->path)) {
			file_free(f);
			*f = (struct sfile){
				.tick = tick, .ino = v->ino, .dev = v->dev, .bad = true
			};
			return NULL;
		}
	}
	return f;
}

/* A file offset as the file's virtual address, by its load segments. */
static bool off_to_vaddr(const struct sfile *f, uint64_t off, uint64_t *vaddr)
{
	for (unsigned i = 0; i < f->nload; i++)
		if (off >= f->load[i].off && off - f->load[i].off < f->load[i].filesz) {
			*vaddr = off - f->load[i].off + f->load[i].vaddr;
			return true;
		}
	return false;
}

/* The function holding vaddr: the last one starting at or before it that spans it. */
static const struct fsym *func_at(const struct sfile *f, uint64_t vaddr)
{
	size_t lo = 0, hi = f->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Nested or overlapping symbols: a few back may still span it. */
	for (size_t i = lo, k = 0; i > 0 && k < 8; i--, k++) {
		const struct fsym *c = &f->syms[i - 1];

		if (vaddr - c->addr < c->size)
			return c;
	}
	return NULL;
}

/*
 * Address ip of process p: its file, function and file address; pc is the
 * address looked up (ip, or a return address less one: the call before it,
 * which may end its function).
 */
static void frame_of(struct symbolizer *s, struct sproc *p, uint64_t ip, uint64_t pc,
		     struct sym_frame *out)
{
	const struct vma *v = maps_find(&p->maps, pc);
	struct sfile *f;
	const struct fsym *fn;
	uint64_t vaddr;

	*out = (struct sym_frame){ .ip = ip, .rel = ip };
	if (!v)
		return;
	out->file = v->path;
	f = file_get(s, p->pid, v);
	if (!f || !off_to_vaddr(f, pc - v->start + v->pgoff, &vaddr))
		return;
	/* Printed as strace prints it: the address itself, found by the one looked up. */
	vaddr += ip - pc;
	out->rel = vaddr;
	fn = func_at(f, vaddr - (ip - pc));
	if (fn) {
		out->sym = fn->name;
		out->off = vaddr - fn->addr;
	}
}

/* The cache entry of ip in p's image, for what kind says. */
static struct pcache *cache_slot(struct symbolizer *s, const struct sproc *p, uint64_t ip,
				 uint8_t kind)
{
	uint64_t h = (ip ^ (p->gen * 0x9e3779b97f4a7c15ull) ^ kind) * 0xff51afd7ed558ccdull;

	return &s->cache[(h >> 40) % SYM_CACHE];
}

static bool cache_hit(const struct pcache *c, const struct sproc *p, uint64_t ip, uint8_t kind)
{
	return c->kind == kind && c->ip == ip && c->gen == p->gen;
}

/*
 * The caller of the first frame when its function keeps no frame pointer
 * (a libc syscall wrapper; a function at its first instruction): the frame
 * pointer walk skips it, as it starts from the caller's frame. Its CFI says
 * where the return address is: CFA = rsp + N, the address at CFA - 8, among
 * the words read at rsp. 0 when the rule is another (rbp-based: the walk is
 * right) or the word was not read. Here the rule at ip: N, or -1 for another.
 */
static int64_t leaf_cfa(struct symbolizer *s, struct sproc *p, uint64_t ip)
{
	const struct vma *v = maps_find(&p->maps, ip);
	Dwarf_Frame *fr = NULL;
	Dwarf_Op *ops = NULL;
	size_t nops = 0;
	struct sfile *f;
	uint64_t vaddr;
	int64_t n = -1;

	if (!v || !(f = file_get(s, p->pid, v)) || !f->cfi ||
	    !off_to_vaddr(f, ip - v->start + v->pgoff, &vaddr))
		return -1;
	if (dwarf_cfi_addrframe(f->cfi, vaddr, &fr) || dwarf_frame_cfa(fr, &ops, &nops) ||
	    nops != 1) {
		free(fr);
		return -1;
	}
	/* x86-64's stack pointer is DWARF register 7. */
	if (ops[0].atom == DW_OP_bregx && ops[0].number == 7)
		n = (int64_t)ops[0].number2;
	else if (ops[0].atom == DW_OP_breg7)
		n = (int64_t)ops[0].number;
	free(fr);
	return n;
}

/* The first frame's caller by leaf_cfa's rule, cached per address, from the words at rsp. */
static uint64_t leaf_caller(struct symbolizer *s, struct sproc *p, uint64_t ip, const uint64_t *top,
			    unsigned ntop)
{
	struct pcache *c = cache_slot(s, p, ip, PC_LEAF);
	const struct vma *v;
	uint64_t ret = 0;
	int64_t n;

	if (!ntop)
		return 0;
	if (!cache_hit(c, p, ip, PC_LEAF)) {
		c->cfa = leaf_cfa(s, p, ip);
		c->kind = PC_LEAF;
		c->ip = ip;
		c->gen = p->gen;
	}
	n = c->cfa;
	if (n >= 8 && (n - 8) % 8 == 0 && (uint64_t)(n - 8) / 8 < ntop)
		ret = top[(n - 8) / 8];
	v = ret ? maps_find(&p->maps, ret) : NULL;
	return v && v->exec ? ret : 0;
}

/* frame_of through the cache: the first frame (kind PC_FIRST) or a return address. */
static void frame_cached(struct symbolizer *s, struct sproc *p, uint64_t ip, bool first,
			 struct sym_frame *out)
{
	uint8_t kind = first ? PC_FIRST : PC_RETURN;
	struct pcache *c = cache_slot(s, p, ip, kind);

	if (!cache_hit(c, p, ip, kind)) {
		frame_of(s, p, ip, first ? ip : ip - 1, &c->f);
		c->kind = kind;
		c->ip = ip;
		c->gen = p->gen;
	}
	*out = c->f;
}

unsigned symbolizer__stack(struct symbolizer *s, uint32_t pid, const uint64_t *ips, unsigned nips,
			   const uint64_t *top, unsigned ntop, struct sym_frame *out, unsigned max)
{
	struct sproc *p;
	unsigned n = 0;
	bool reread = false;
	uint64_t extra;

	/* The frame-pointer walk ends at a zero return address (the outermost frame's). */
	while (nips && !ips[nips - 1])
		nips--;
	if (!nips || !max)
		return 0;
	p = proc_get(s, pid, MAPS_KEEP);
	/*
	 * An address outside every mapping: a library loaded since they were
	 * read. The first is the thread's own instruction pointer, real for
	 * sure: read again at once; the others may be junk of the frame walk.
	 */
	if (!maps_find(&p->maps, ips[0]))
		p = proc_get(s, pid, MAPS_AGAIN);
	for (unsigned i = 1; i < nips && !reread; i++)
		if (ips[i] < SYM_USER_END && !maps_find(&p->maps, ips[i]))
			reread = true;
	if (reread)
		p = proc_get(s, pid, MAPS_AGAIN_LIMITED);
	extra = leaf_caller(s, p, ips[0], top, ntop);
	for (unsigned i = 0; i < nips && n < max; i++) {
		const struct vma *v = maps_find(&p->maps, ips[i]);

		/*
		 * A return address that is no code of the process: the walk went
		 * through a frame without a frame pointer and reads junk from here.
		 */
		if (i && (ips[i] >= SYM_USER_END || (p->maps.n && (!v || !v->exec))))
			break;
		/* A return address is after its call: the call is the byte before it. */
		frame_cached(s, p, ips[i], !i, &out[n++]);
		if (!i && extra && (nips < 2 || ips[1] != extra) && n < max)
			frame_cached(s, p, extra, false, &out[n++]);
	}
	return n;
}
