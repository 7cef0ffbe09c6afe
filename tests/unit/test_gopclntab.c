// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Go's .gopclntab function table (gopclntab.c): the stripped Go target the
 * Makefile builds (Debian's Go 1.19) against the unstripped one's .symtab,
 * and synthetic tables for the layouts that cannot be built here (Go 1.16,
 * 1.20, 1.26's zero textStart, 4-byte pointers, big-endian), each corrupted
 * in one way and refused with one clear error, read against a guard page.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_file.h"
#include "gopclntab.h"
#include "unit_targets.h"

/* A function as the tests collect it. */
struct fn {
	char name[160];
	uint64_t addr, size;
};

struct fns {
	struct fn v[4096];
	size_t n;
};

static int collect(void *ctx, const struct gopcln_func *f)
{
	struct fns *fs = ctx;

	cr_assert_lt(fs->n, sizeof(fs->v) / sizeof(fs->v[0]));
	snprintf(fs->v[fs->n].name, sizeof(fs->v[0].name), "%s", f->name);
	fs->v[fs->n].addr = f->addr;
	fs->v[fs->n++].size = f->size;
	return 0;
}

/* A section of path by name through libelf directly: its bytes (malloc'd), size, address. */
static void *section(const char *path, const char *name, size_t *size, uint64_t *addr,
		     uint64_t *off)
{
	Elf_Scn *scn = NULL;
	void *bytes = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	Elf *e;
	int fd;

	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s", path);
	e = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert_not_null(e);
	cr_assert_eq(elf_getshdrstrndx(e, &shstrndx), 0);
	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;

		gelf_getshdr(scn, &sh);
		if (strcmp(elf_strptr(e, shstrndx, sh.sh_name), name))
			continue;
		d = elf_getdata(scn, NULL);
		cr_assert_not_null(d);
		bytes = malloc(d->d_size);
		memcpy(bytes, d->d_buf, d->d_size);
		*size = d->d_size;
		*addr = sh.sh_addr;
		if (off)
			*off = sh.sh_offset;
	}
	elf_end(e);
	close(fd);
	cr_assert_not_null(bytes, "%s has no %s", path, name);
	return bytes;
}

/* .symtab's functions in .text of path, through libelf: the oracle. */
static void symtab_funcs(const char *path, struct fns *fs)
{
	size_t shstrndx, text = 0, i;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf *e;
	int fd;

	cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	e = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert_not_null(e);
	elf_getshdrstrndx(e, &shstrndx);
	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, &sh) && !strcmp(elf_strptr(e, shstrndx, sh.sh_name), ".text"))
			text = elf_ndxscn(scn);
	cr_assert_neq(text, 0);
	fs->n = 0;
	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		for (i = 1; i < sh.sh_size / sh.sh_entsize && gelf_getsym(d, i, &sym); i++) {
			struct gopcln_func f = { .name = elf_strptr(e, sh.sh_link, sym.st_name) };

			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx != text)
				continue;
			f.addr = sym.st_value;
			f.size = sym.st_size;
			collect(fs, &f);
		}
	}
	elf_end(e);
	close(fd);
}

static const struct fn *at_addr(const struct fns *fs, uint64_t addr)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].addr == addr)
			return &fs->v[i];
	return NULL;
}

/*
 * The name .symtab gives a pclntab function: the same, but for the ABI0 side
 * of an ABI pair (assembly, or a Go function's ABI0 wrapper), which .symtab
 * spells with ".abi0", and the equality functions of array types, whose
 * length pclntab writes as "[...]".
 */
static bool same_name(const char *sym, const char *pcln)
{
	size_t n = strlen(sym);
	const char *a, *b;

	if (!strcmp(sym, pcln))
		return true;
	if (n > 5 && !strcmp(sym + n - 5, ".abi0") && !strncmp(sym, pcln, n - 5) && !pcln[n - 5])
		return true;
	a = strchr(sym, '[');
	b = strstr(pcln, "[...]");
	return a && b && a - sym == b - pcln && !strncmp(sym, pcln, a - sym) && strchr(a, ']') &&
	       !strcmp(strchr(a, ']') + 1, b + 5);
}

static struct fns sym, pcl;

Test(gopclntab, stripped_go_binary_has_every_symtab_function)
{
	size_t size, tsize, renamed = 0;
	uint64_t addr, text;
	struct gopcln_info info;
	char err[256];
	void *d;

	symtab_funcs(unit_target("gofuncs"), &sym);
	d = section(unit_target("gofuncs-stripped"), ".gopclntab", &size, &addr, NULL);
	free(section(unit_target("gofuncs-stripped"), ".text", &tsize, &text, NULL));
	pcl.n = 0;
	cr_assert_eq(gopclntab_parse(d, size, text, collect, &pcl, &info, err, sizeof(err)), 0,
		     "%s", err);
	free(d);
	cr_assert_eq(info.version, 118, "Go 1.19 writes the 1.18 layout");
	cr_assert_eq(info.ptrsize, 8);
	cr_assert_eq(info.text_start, text);
	cr_assert_eq(info.nfunc, pcl.n);

	/* runtime.text and runtime.etext mark .text's bounds (size 0): all else is in. */
	cr_assert_eq(pcl.n, sym.n - 2, "pclntab %zu, symtab %zu", pcl.n, sym.n);
	cr_assert_gt(pcl.n, 1000);
	for (size_t i = 0; i < sym.n; i++) {
		const struct fn *s = &sym.v[i], *p = at_addr(&pcl, s->addr);

		if (!strcmp(s->name, "runtime.text") || !strcmp(s->name, "runtime.etext"))
			continue;
		cr_assert_not_null(p, "%s at 0x%llx is not in .gopclntab", s->name,
				   (unsigned long long)s->addr);
		cr_assert(same_name(s->name, p->name), "0x%llx: %s in .symtab, %s in .gopclntab",
			  (unsigned long long)s->addr, s->name, p->name);
		cr_assert_geq(p->size, s->size, "%s: up to the next function", s->name);
		renamed += strcmp(s->name, p->name) != 0;
	}
	for (size_t i = 0; i < pcl.n; i++)
		cr_assert_not_null(at_addr(&sym, pcl.v[i].addr), "%s", pcl.v[i].name);
	/* The ABI0 names and the two array equality functions of this binary, no more. */
	cr_assert_lt(renamed, 150, "%zu renamed", renamed);
	cr_assert_not_null(at_addr(&pcl, sym.v[0].addr));
}

/* Through elf_file, as -l and -u use it: the stripped binary's main.add is the unstripped's. */
Test(gopclntab, elf_file_falls_back_to_gopclntab)
{
	struct elf_file *s, *u;
	uint64_t so, ss, uo, us;
	char err[256];

	u = elf_file__open(unit_target("gofuncs"), err, sizeof(err));
	s = elf_file__open(unit_target("gofuncs-stripped"), err, sizeof(err));
	cr_assert(u && s, "%s", err);
	cr_assert(elf_file__is_go(s) && elf_file__stripped(s) && !elf_file__stripped(u));
	cr_assert_eq(elf_file__resolve(u, "main.add", &uo, &us), 0);
	cr_assert_eq(elf_file__resolve(s, "main.add", &so, &ss), 0);
	cr_assert_eq(so, uo);
	cr_assert_geq(ss, us);
	cr_assert_eq(elf_file__resolve(s, "runtime.osinit", &so, &ss), 0);
	cr_assert_eq(elf_file__resolve(u, "runtime.osinit", &uo, &us), 0);
	cr_assert_eq(so, uo, "of a function and its ABI0 wrapper, the function");
	cr_assert_eq(elf_file__resolve(s, "runtime.reflectcall", &so, &ss), 0);
	cr_assert_eq(elf_file__resolve(u, "runtime.reflectcall.abi0", &uo, &us), 0);
	cr_assert_eq(so, uo, "of an assembly function and its ABIInternal wrapper, the function");
	cr_assert_str_eq(elf_file__go_err(s), "");
	cr_assert_eq(elf_file__resolve(s, "main.nosuch", &so, &ss), -ENOENT);
	cr_assert_str_eq(elf_file__stripped_note(s, err, sizeof(err)),
			 " (stripped Go binary: .dynsym and .gopclntab were searched)");
	elf_file__close(s);
	elf_file__close(u);
}

/* A scratch copy of the stripped target; *pcln_off gets its .gopclntab's file offset. */
static void stripped_copy(char *path, uint64_t *pcln_off, uint64_t *pcln_addr, uint64_t *text)
{
	char cmd[2 * PATH_MAX];
	size_t size;
	int fd;

	free(section(unit_target("gofuncs-stripped"), ".gopclntab", &size, pcln_addr, pcln_off));
	free(section(unit_target("gofuncs-stripped"), ".text", &size, text, NULL));
	strcpy(path, "/tmp/test_gopclntab.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cp %s %s", unit_target("gofuncs-stripped"), path);
	cr_assert_eq(system(cmd), 0);
}

static uint64_t off_of(const char *path, const char *name)
{
	struct elf_file *ef;
	uint64_t off, size;
	char err[256];

	ef = elf_file__open(path, err, sizeof(err));
	cr_assert_not_null(ef, "%s", err);
	cr_assert_eq(elf_file__resolve(ef, name, &off, &size), 0, "%s: %s", path,
		     elf_file__go_err(ef));
	elf_file__close(ef);
	return off;
}

/* Adds a .go.module section whose moduledata says pcHeader pc and text (Go 1.26). */
static void add_module(const char *path, uint64_t pc, uint64_t text)
{
	char mod[] = "/tmp/test_gopclntab.mod.XXXXXX", cmd[3 * PATH_MAX];
	uint64_t words[40] = { [0] = pc, [22] = text };
	int fd = mkstemp(mod);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, words, sizeof(words)), (ssize_t)sizeof(words));
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "objcopy --remove-section .go.module --add-section .go.module=%s %s", mod, path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	unlink(mod);
}

/* A copy of the stripped target with .gopclntab's bytes [at, at+n) replaced: nothing found. */
static void corrupt_copy(size_t at, const void *bytes, size_t n, const char *want)
{
	uint64_t pcoff, pcaddr, text, o, sz;
	char path[PATH_MAX], err[256];
	struct elf_file *ef;
	int fd;

	stripped_copy(path, &pcoff, &pcaddr, &text);
	fd = open(path, O_WRONLY);
	cr_assert_eq(pwrite(fd, bytes, n, pcoff + at), (ssize_t)n);
	close(fd);
	ef = elf_file__open(path, err, sizeof(err));
	cr_assert_not_null(ef, "%s", err);
	cr_assert_eq(elf_file__resolve(ef, "main.add", &o, &sz), -ENOENT);
	cr_assert_str_eq(elf_file__go_err(ef), want);
	elf_file__close(ef);
	unlink(path);
}

Test(gopclntab, corrupt_table_in_a_binary_gives_its_error)
{
	uint64_t huge = 1ULL << 40, addr, functab;
	uint32_t bad = 0x12345678;
	unsigned char *d;
	char want[256];
	size_t size;

	/* The functab offset: the header's eighth word (Go 1.18 layout, 8-byte words). */
	d = section(unit_target("gofuncs-stripped"), ".gopclntab", &size, &addr, NULL);
	memcpy(&functab, d + 8 + 7 * 8, 8);
	free(d);
	snprintf(want, sizeof(want),
		 ".gopclntab: nfunc 1099511627776 at offset 0x%llx does not fit in the table "
		 "(%zu bytes)",
		 (unsigned long long)functab, size);
	corrupt_copy(8, &huge, 8, want);
	corrupt_copy(0, &bad, 4, ".gopclntab: bad magic 0x12345678: not a Go 1.16+ pclntab");
}

/* Sets sh_type and sh_entsize of path's section name, in place. */
static void set_type(const char *path, const char *name, uint32_t type, uint64_t entsize)
{
	size_t shstrndx, idx = 0;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf *e;
	int fd;

	fd = open(path, O_RDWR);
	e = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert_not_null(e);
	gelf_getehdr(e, &eh);
	elf_getshdrstrndx(e, &shstrndx);
	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, &sh) && !strcmp(elf_strptr(e, shstrndx, sh.sh_name), name))
			idx = elf_ndxscn(scn);
	elf_end(e);
	cr_assert_neq(idx, 0, "%s in %s", name, path);
	/* Elf64_Shdr: sh_type at 4, sh_entsize at 56. */
	cr_assert_eq(pwrite(fd, &type, 4, eh.e_shoff + idx * eh.e_shentsize + 4), 4);
	cr_assert_eq(pwrite(fd, &entsize, 8, eh.e_shoff + idx * eh.e_shentsize + 56), 8);
	close(fd);
}

/*
 * A PIE's moduledata as an external linker may leave it: 0 in the file, the
 * values in R_X86_64_RELATIVE relocations of .go.module's words 0 and 22.
 */
static void add_module_relocated(const char *path, uint64_t pc, uint64_t text)
{
	char mod[] = "/tmp/test_gopclntab.mod.XXXXXX", rel[] = "/tmp/test_gopclntab.rel.XXXXXX";
	uint64_t words[40] = { 0 }, at = 0x7000000;
	GElf_Rela r[2] = {
		{ .r_offset = at, .r_info = GELF_R_INFO(0, R_X86_64_RELATIVE), .r_addend = pc },
		{ .r_offset = at + 22 * 8,
		  .r_info = GELF_R_INFO(0, R_X86_64_RELATIVE),
		  .r_addend = text },
	};
	char cmd[4 * PATH_MAX];
	int fd = mkstemp(mod), fr = mkstemp(rel);

	cr_assert(fd >= 0 && fr >= 0);
	cr_assert_eq(write(fd, words, sizeof(words)), (ssize_t)sizeof(words));
	cr_assert_eq(write(fr, r, sizeof(r)), (ssize_t)sizeof(r));
	close(fd);
	close(fr);
	snprintf(cmd, sizeof(cmd),
		 "objcopy --remove-section .go.module --add-section .go.module=%s "
		 "--change-section-address .go.module=0x%llx --add-section .rela.gotest=%s %s "
		 "2>/dev/null",
		 mod, (unsigned long long)at, rel, path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	set_type(path, ".rela.gotest", SHT_RELA, sizeof(Elf64_Rela));
	unlink(mod);
	unlink(rel);
}

/*
 * Go 1.26 on this machine's Go 1.19 binary: the header's textStart zeroed as
 * 1.26 writes it, the base then from moduledata's text where it checks out,
 * else from .text's address.
 */
Test(gopclntab, go126_zero_text_start_in_a_binary)
{
	uint64_t zero = 0, pcoff, pcaddr, text, add;
	char path[PATH_MAX];
	int fd;

	stripped_copy(path, &pcoff, &pcaddr, &text);
	add = off_of(unit_target("gofuncs-stripped"), "main.add");
	fd = open(path, O_WRONLY);
	cr_assert_eq(pwrite(fd, &zero, 8, pcoff + 8 + 2 * 8), 8);
	close(fd);
	cr_assert_eq(off_of(path, "main.add"), add, ".text's address: Go code first in .text");
	/* C code before the Go code (cgo): moduledata's text is past .text's start. */
	add_module(path, pcaddr, text + 0x40);
	cr_assert_eq(off_of(path, "main.add"), add + 0x40, "moduledata's text");
	/* A moduledata that is not this pclntab's is not taken. */
	add_module(path, pcaddr + 8, text + 0x40);
	cr_assert_eq(off_of(path, "main.add"), add);
	add_module(path, pcaddr, text - 0x40);
	cr_assert_eq(off_of(path, "main.add"), add, "text outside .text");
	unlink(path);

	/* The moduledata's words in relocations, as in a PIE. */
	stripped_copy(path, &pcoff, &pcaddr, &text);
	fd = open(path, O_WRONLY);
	cr_assert_eq(pwrite(fd, &zero, 8, pcoff + 8 + 2 * 8), 8);
	close(fd);
	add_module_relocated(path, pcaddr, text + 0x80);
	cr_assert_eq(off_of(path, "main.add"), add + 0x80, "moduledata's text, relocated");
	unlink(path);
}

/*
 * Go 1.26 with .text's address as the guess: it holds only if the program's
 * entry point is then a Go function's (Go's linker makes it _rt0_amd64_linux;
 * with C linked first it is C's _start).
 */
Test(gopclntab, go126_text_guess_checked_against_the_entry_point)
{
	uint64_t zero = 0, pcoff, pcaddr, text, entry, o, sz;
	char path[PATH_MAX], err[256], want[256];
	struct elf_file *ef;
	int fd;

	stripped_copy(path, &pcoff, &pcaddr, &text);
	fd = open(path, O_RDWR);
	cr_assert_eq(pwrite(fd, &zero, 8, pcoff + 8 + 2 * 8), 8);
	/* e_entry, at 24 in the ELF64 header: one byte into _rt0_amd64_linux. */
	cr_assert_eq(pread(fd, &entry, 8, 24), 8);
	entry++;
	cr_assert_eq(pwrite(fd, &entry, 8, 24), 8);
	close(fd);
	ef = elf_file__open(path, err, sizeof(err));
	cr_assert_not_null(ef, "%s", err);
	cr_assert_eq(elf_file__resolve(ef, "main.add", &o, &sz), -ENOENT);
	snprintf(want, sizeof(want),
		 ".gopclntab: textStart is 0 (Go 1.26) and the entry point 0x%llx is no Go "
		 "function from .text's start (C code linked first?)",
		 (unsigned long long)entry);
	cr_assert_str_eq(elf_file__go_err(ef), want);
	elf_file__close(ef);
	unlink(path);
}

/*
 * Synthetic tables. Layout: header, funcnametab, then at the functab offset
 * nfunc+1 entries and right after them the _funcs: entry and name offset.
 */
struct synth {
	unsigned version; /* 116, 118, 120 */
	unsigned ptrsize;
	bool msb;
	uint64_t text_start; /* header word (118, 120) */
	uint64_t base;	     /* first entry: an address (116) or an offset */
	unsigned nfunc;
};

static void put(unsigned char *b, size_t off, uint64_t v, unsigned n, bool msb)
{
	for (unsigned i = 0; i < n; i++)
		b[off + (msb ? n - 1 - i : i)] = v >> (8 * i);
}

/* Offsets of the parts, for the corruptions. */
struct synth_at {
	size_t names, functab, funcs, size;
};

static size_t build(const struct synth *s, unsigned char *b, size_t cap, struct synth_at *at)
{
	static const uint32_t magic[] = { [0] = 0xfffffffa, [1] = 0xfffffff0, [2] = 0xfffffff1 };
	unsigned ps = s->ptrsize, words = s->version == 116 ? 7 : 8;
	unsigned fsz = s->version == 116 ? ps : 4, slot = fsz + 4, i;
	size_t hdr = 8 + words * ps, names = hdr, p, funcs, nameoff[16];

	cr_assert_leq(s->nfunc, 16);
	memset(b, 0, cap);
	put(b, 0, magic[s->version == 116 ? 0 : s->version == 118 ? 1 : 2], 4, s->msb);
	b[6] = 1;
	b[7] = ps;
	/* funcnametab: main.f0 main.f1 ... */
	p = names;
	for (i = 0; i < s->nfunc; i++) {
		nameoff[i] = p - names;
		p += sprintf((char *)b + p, "main.f%u", i) + 1;
	}
	p = (p + 7) & ~(size_t)7;
	funcs = p + (2 * s->nfunc + 1) * fsz;
	for (i = 0; i < s->nfunc; i++) {
		size_t fo = funcs + slot * i;

		put(b, p + 2 * i * fsz, s->base + 0x40 * i, fsz, s->msb);
		put(b, p + (2 * i + 1) * fsz, fo - p, fsz, s->msb);
		put(b, fo, s->base + 0x40 * i, fsz, s->msb);
		put(b, fo + fsz, nameoff[i], 4, s->msb);
	}
	put(b, p + 2 * s->nfunc * fsz, s->base + 0x40 * s->nfunc, fsz, s->msb);
	put(b, 8, s->nfunc, ps, s->msb);
	put(b, 8 + ps, 1, ps, s->msb); /* nfiles */
	if (s->version != 116)
		put(b, 8 + 2 * ps, s->text_start, ps, s->msb);
	put(b, 8 + (s->version == 116 ? 2 : 3) * ps, names, ps, s->msb);
	put(b, 8 + (s->version == 116 ? 6 : 7) * ps, p, ps, s->msb);
	*at = (struct synth_at){
		.names = names, .functab = p, .funcs = funcs, .size = funcs + slot * s->nfunc
	};
	cr_assert_leq(at->size, cap);
	return at->size;
}

/*
 * data[0..n) copied to the end of a page followed by a PROT_NONE page, so that
 * a read past n faults, then parsed. The functions in fs (none on an error).
 */
static int parse_guarded(const void *data, size_t n, uint64_t text, struct fns *fs,
			 struct gopcln_info *info, char *err, size_t errlen)
{
	size_t pg = sysconf(_SC_PAGESIZE), len = ((n + pg - 1) / pg + 1) * pg;
	unsigned char *m =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret;

	cr_assert_neq(m, MAP_FAILED);
	cr_assert_eq(mprotect(m + len - pg, pg, PROT_NONE), 0);
	memcpy(m + len - pg - n, data, n);
	fs->n = 0;
	ret = gopclntab_parse(m + len - pg - n, n, text, collect, fs, info, err, errlen);
	munmap(m, len);
	return ret;
}

static void expect_funcs(const struct fns *fs, unsigned n, uint64_t first)
{
	cr_assert_eq(fs->n, n);
	for (unsigned i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "main.f%u", i);
		cr_assert_str_eq(fs->v[i].name, name);
		cr_assert_eq(fs->v[i].addr, first + 0x40 * i, "%s", name);
		cr_assert_eq(fs->v[i].size, 0x40);
	}
}

static unsigned char buf[8192];
static struct fns out;

/* Each layout read, with the entry base its version gives. */
static void layout(const struct synth *s, uint64_t text, uint64_t first)
{
	struct gopcln_info info;
	struct synth_at at;
	char err[256] = "";
	size_t n = build(s, buf, sizeof(buf), &at);

	cr_assert_eq(parse_guarded(buf, n, text, &out, &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(info.version, s->version);
	cr_assert_eq(info.ptrsize, s->ptrsize);
	cr_assert_eq(info.nfunc, s->nfunc);
	expect_funcs(&out, s->nfunc, first);
}

Test(gopclntab, go116_absolute_entries)
{
	layout(&(struct synth){ .version = 116, .ptrsize = 8, .base = 0x401000, .nfunc = 5 },
	       0x999000, 0x401000);
	layout(&(struct synth){ .version = 116, .ptrsize = 4, .base = 0x8049000, .nfunc = 3 }, 0,
	       0x8049000);
}

Test(gopclntab, go118_offsets_from_text_start)
{
	layout(&(struct synth){ .version = 118,
				.ptrsize = 8,
				.text_start = 0x401000,
				.base = 0x20,
				.nfunc = 7 },
	       0x999000, 0x401020);
	layout(&(struct synth){ .version = 118,
				.ptrsize = 4,
				.msb = true,
				.text_start = 0x10000,
				.nfunc = 4 },
	       0, 0x10000);
}

Test(gopclntab, go120_and_go126_zero_text_start_takes_text_section)
{
	layout(&(struct synth){ .version = 120, .ptrsize = 8, .text_start = 0x401000, .nfunc = 6 },
	       0x999000, 0x401000);
	/* Go 1.26: the header's textStart is 0, the entries are from .text's address. */
	layout(&(struct synth){ .version = 120, .ptrsize = 8, .base = 0x100, .nfunc = 6 }, 0x45a000,
	       0x45a100);
}

/* s built, then changed by patch, parses to exactly the error want, with no function. */
static void refused(const struct synth *s, void (*patch)(unsigned char *b, struct synth_at *at),
		    uint64_t text, const char *want)
{
	struct synth_at at;
	char err[256] = "";
	size_t n = build(s, buf, sizeof(buf), &at);

	if (patch)
		patch(buf, &at);
	cr_assert_eq(parse_guarded(buf, at.size, text, &out, NULL, err, sizeof(err)), -EINVAL, "%s",
		     want);
	cr_assert_str_eq(err, want);
	cr_assert_eq(out.n, 0, "nothing from a bad table");
	(void)n;
}

static const struct synth go120 = { .version = 120,
				    .ptrsize = 8,
				    .text_start = 0x401000,
				    .nfunc = 4 };

Test(gopclntab, every_truncation_refused_without_over_read)
{
	struct synth_at at;
	char err[256];
	size_t n = build(&go120, buf, sizeof(buf), &at), cut;

	/* Any prefix: a clear error, never a read past it (the guard page faults). */
	for (cut = 0; cut < n; cut++) {
		err[0] = '\0';
		cr_assert_eq(parse_guarded(buf, cut, 0, &out, NULL, err, sizeof(err)), -EINVAL,
			     "cut at %zu", cut);
		cr_assert_neq(err[0], '\0', "cut at %zu", cut);
		cr_assert_eq(out.n, 0);
	}
	parse_guarded(buf, 4, 0, &out, NULL, err, sizeof(err));
	cr_assert_str_eq(err, "truncated header (4 bytes)");
	parse_guarded(buf, 40, 0, &out, NULL, err, sizeof(err));
	cr_assert_str_eq(err, "truncated header (40 bytes, 72 needed)");
	parse_guarded(buf, at.funcs - 1, 0, &out, NULL, err, sizeof(err));
	cr_assert_str_eq(err, "nfunc 4 at offset 0x68 does not fit in the table (139 bytes)");
	parse_guarded(buf, n - 1, 0, &out, NULL, err, sizeof(err));
	cr_assert_str_eq(err, "function 3: _func offset 0x3c is past the end");
}

static void huge_nfunc(unsigned char *b, struct synth_at *at)
{
	(void)at;
	put(b, 8, UINT64_MAX, 8, false);
}

static void nfunc_one_too_many(unsigned char *b, struct synth_at *at)
{
	/* 2*nfunc+1 entries of 4 bytes: from the functab to the end, 17 of them fit, 19 needed. */
	(void)at;
	put(b, 8, 9, 8, false);
}

Test(gopclntab, nfunc_that_does_not_fit)
{
	refused(&go120, huge_nfunc, 0,
		"nfunc 18446744073709551615 at offset 0x68 does not fit in the table (172 bytes)");
	refused(&go120, nfunc_one_too_many, 0,
		"nfunc 9 at offset 0x68 does not fit in the table (172 bytes)");
}

static void names_past_end(unsigned char *b, struct synth_at *at)
{
	put(b, 8 + 3 * 8, at->size, 8, false);
}

static void functab_past_end(unsigned char *b, struct synth_at *at)
{
	put(b, 8 + 7 * 8, at->size + 1, 8, false);
}

static void funcoff_past_end(unsigned char *b, struct synth_at *at)
{
	put(b, at->functab + 3 * 4, 0xfffffff0, 4, false); /* function 1's funcoff */
}

static void nameoff_past_end(unsigned char *b, struct synth_at *at)
{
	put(b, at->funcs + 8 * 2 + 4, 0x7fffffff, 4, false); /* function 2's nameoff */
}

static void name_unterminated(unsigned char *b, struct synth_at *at)
{
	/* Function 0's name made the table's last 4 bytes, with no NUL after. */
	memcpy(b + at->size, "main", 4);
	put(b, at->funcs + 4, at->size - at->names, 4, false);
	at->size += 4;
}

Test(gopclntab, offsets_past_the_end)
{
	refused(&go120, names_past_end, 0, "funcnametab offset 0xac is past the end (172 bytes)");
	refused(&go120, functab_past_end, 0,
		"nfunc 4 at offset 0xad does not fit in the table (172 bytes)");
	refused(&go120, funcoff_past_end, 0, "function 1: _func offset 0xfffffff0 is past the end");
	refused(&go120, nameoff_past_end, 0, "function 2: name offset 0x7fffffff is past the end");
	refused(&go120, name_unterminated, 0,
		"function 0: name at 0xac is empty or runs past the end");
}

static void unsorted(unsigned char *b, struct synth_at *at)
{
	put(b, at->functab + 2 * 4, 0x10000, 4, false); /* function 1 after function 2 */
	put(b, at->funcs + 8, 0x10000, 4, false);
}

static void func_entry_lies(unsigned char *b, struct synth_at *at)
{
	put(b, at->funcs + 8 * 2, 0x44, 4, false);
}

Test(gopclntab, lying_entries)
{
	refused(&go120, unsorted, 0, "function 1: entry 0x10000 is after the next one's");
	refused(&go120, func_entry_lies, 0,
		"function 2: entry 0x44 in its _func differs from 0x80 in the function table");
}

static void magic(unsigned char *b, uint32_t m)
{
	put(b, 0, m, 4, false);
}

static void bad_magic(unsigned char *b, struct synth_at *at)
{
	(void)at;
	magic(b, 0x12345678);
}

static void go12_magic(unsigned char *b, struct synth_at *at)
{
	(void)at;
	magic(b, 0xfffffffb);
}

static void bad_ptrsize(unsigned char *b, struct synth_at *at)
{
	(void)at;
	b[7] = 16;
}

static void bad_pad(unsigned char *b, struct synth_at *at)
{
	(void)at;
	b[5] = 1;
}

Test(gopclntab, bad_magic_and_header)
{
	refused(&go120, bad_magic, 0, "bad magic 0x12345678: not a Go 1.16+ pclntab");
	refused(&go120, go12_magic, 0,
		"Go 1.2 to 1.15 layout (magic 0xfffffffb): only Go 1.16 on is read");
	refused(&go120, bad_ptrsize, 0, "bad header (pad 0 0, quantum 1, pointer size 16)");
	refused(&go120, bad_pad, 0, "bad header (pad 0 1, quantum 1, pointer size 8)");
}

Test(gopclntab, zero_text_start_without_text_section)
{
	refused(&(struct synth){ .version = 120, .ptrsize = 8, .nfunc = 2 }, NULL, 0,
		"textStart is 0 (Go 1.26) and there is no .text address");
}

/* Addresses in ascending order, each in [lo, hi): a table read with the right base. */
struct in_text {
	uint64_t lo, hi, prev, entry;
	size_t n;
	bool sorted, inside, has_entry;
};

static int check_in_text(void *ctx, const struct gopcln_func *f)
{
	struct in_text *t = ctx;

	t->sorted &= f->addr >= t->prev;
	t->inside &= f->addr >= t->lo && f->addr + f->size <= t->hi;
	t->has_entry |= f->addr == t->entry;
	t->prev = f->addr;
	t->n++;
	return 0;
}

/*
 * A Go 1.20+ table for real, where the machine has one: the Google Cloud
 * SDK's kubectl (stripped, built by Go 1.23 here). Skipped without it.
 */
Test(gopclntab, go120_layout_of_an_installed_binary)
{
	const char *path = "/usr/lib/google-cloud-sdk/bin/kubectl";
	struct in_text t = { .sorted = true, .inside = true };
	uint64_t addr, off, size;
	struct gopcln_info info;
	struct elf_file *ef;
	size_t n, tsize;
	char err[256];
	void *d;

	if (access(path, R_OK))
		cr_skip_test("%s is not installed", path);
	d = section(path, ".gopclntab", &n, &addr, NULL);
	free(section(path, ".text", &tsize, &t.lo, NULL));
	t.hi = t.lo + tsize;
	ef = elf_file__open(path, err, sizeof(err));
	cr_assert_not_null(ef, "%s", err);
	t.entry = elf_file__entry(ef);
	cr_assert_eq(gopclntab_parse(d, n, t.lo, check_in_text, &t, &info, err, sizeof(err)), 0,
		     "%s", err);
	free(d);
	cr_assert_eq(info.version, 120);
	cr_assert_eq(info.text_start, t.lo);
	cr_assert_gt(t.n, 10000);
	cr_assert(t.sorted && t.inside && t.has_entry, "sorted %d, in .text %d, entry point %d",
		  t.sorted, t.inside, t.has_entry);
	cr_assert(elf_file__stripped(ef));
	cr_assert_eq(elf_file__resolve(ef, "main.main", &off, &size), 0, "%s",
		     elf_file__go_err(ef));
	cr_assert_eq(elf_file__resolve(ef, "runtime.main", &off, &size), 0);
	elf_file__close(ef);
}
