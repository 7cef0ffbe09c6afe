// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ELF files through libelf: symbols to uprobe file offsets, Go detection, USDT notes, targets. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"
#include "proc.h"
#include "setup.h"

#define NT_STAPSDT 3

/* A defined function symbol from .symtab or .dynsym. */
struct esym {
	const char *name; /* base name, without any version */
	const char *ver;  /* version name, NULL when unversioned */
	uint64_t value;	  /* st_value: a virtual address */
	uint64_t size;	  /* st_size */
	size_t shndx;	  /* st_shndx, a hint for the section holding value */
	bool dynsym;	  /* from .dynsym (else .symtab) */
	bool hidden;	  /* a non-default version (foo@V rather than foo@@V) */
	bool owned;	  /* name was allocated: a .symtab name with '@' cut short */
	bool ifunc;	  /* STT_GNU_IFUNC: the address is the resolver's */
};

struct elf_file {
	int fd;		   /* the open file */
	Elf *elf;	   /* libelf handle over fd */
	uint64_t fsize;	   /* file size, for bounds checks */
	GElf_Shdr *shdrs;  /* all section headers, by index */
	size_t shnum;	   /* number of sections */
	size_t shstrndx;   /* section name string table */
	uint16_t machine;  /* e_machine */
	uint64_t entry;	   /* e_entry: the program's first instruction, 0 if none */
	bool is_go;	   /* Go binary */
	bool stripped;	   /* no .symtab */
	bool syms_loaded;  /* syms was built (lazily: most opens only need one look-up) */
	struct esym *syms; /* function symbols, sorted by name then preference */
	size_t nsyms;	   /* entries in syms */
	size_t syms_cap;   /* room in syms */
};

static const char *sec_name(const struct elf_file *ef, size_t i)
{
	const char *n = elf_strptr(ef->elf, ef->shstrndx, ef->shdrs[i].sh_name);

	return n ? n : "";
}

static Elf_Scn *find_sec(const struct elf_file *ef, const char *name, size_t *idx)
{
	size_t i;

	for (i = 1; i < ef->shnum; i++) {
		if (!strcmp(sec_name(ef, i), name)) {
			if (idx)
				*idx = i;
			return elf_getscn(ef->elf, i);
		}
	}
	return NULL;
}

/* Whether any SHT_NOTE section holds a note owned by "Go" (the Go build ID note). */
static bool has_go_note(const struct elf_file *ef)
{
	size_t i, off, name_off, desc_off;
	Elf_Data *d;
	GElf_Nhdr nh;

	for (i = 1; i < ef->shnum; i++) {
		if (ef->shdrs[i].sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(elf_getscn(ef->elf, i), NULL);
		if (!d)
			continue;
		off = 0;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_namesz == 3 && !memcmp((char *)d->d_buf + name_off, "Go", 3))
				return true;
		}
	}
	return false;
}

static int set_err(char *err, size_t errlen, int errnum, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	errno = errnum;
	return -errnum;
}

/* Whether a table of n entries of size sz at off lies within the file. */
static bool in_file(const struct elf_file *ef, uint64_t off, uint64_t n, uint64_t sz)
{
	return off <= ef->fsize && (sz == 0 || n <= (ef->fsize - off) / sz);
}

/*
 * Reads and checks the header tables and section headers: each one's contents
 * must lie within the file. libelf does not do it for us: past the end of a
 * truncated file it reports zero sections, as if there were none.
 */
static int load_sections(struct elf_file *ef, const GElf_Ehdr *eh, char *err, size_t errlen)
{
	size_t i;

	if (!in_file(ef, eh->e_phoff, eh->e_phnum, eh->e_phentsize))
		return set_err(err, errlen, EINVAL,
			       "corrupt ELF (program headers extend past the end of the file)");
	/* e_shnum is 0 with more than SHN_LORESERVE sections: the count is in section 0. */
	if (eh->e_shoff &&
	    !in_file(ef, eh->e_shoff, eh->e_shnum ? eh->e_shnum : 1, eh->e_shentsize))
		return set_err(err, errlen, EINVAL,
			       "corrupt ELF (section headers extend past the end of the file)");
	if (elf_getshdrnum(ef->elf, &ef->shnum) || elf_getshdrstrndx(ef->elf, &ef->shstrndx)) {
		snprintf(err, errlen, "corrupt ELF (%s)", elf_errmsg(-1));
		errno = EINVAL;
		return -EINVAL;
	}
	if (eh->e_shoff && !in_file(ef, eh->e_shoff, ef->shnum, eh->e_shentsize))
		return set_err(err, errlen, EINVAL,
			       "corrupt ELF (section headers extend past the end of the file)");
	if (ef->shnum && ef->shstrndx >= ef->shnum)
		return set_err(err, errlen, EINVAL, "corrupt ELF (bad section name table index)");
	ef->shdrs = calloc(ef->shnum ? ef->shnum : 1, sizeof(*ef->shdrs));
	if (!ef->shdrs)
		return set_err(err, errlen, ENOMEM, "out of memory");
	for (i = 0; i < ef->shnum; i++) {
		GElf_Shdr *sh = &ef->shdrs[i];

		if (!gelf_getshdr(elf_getscn(ef->elf, i), sh)) {
			snprintf(err, errlen, "corrupt ELF (section %zu: %s)", i, elf_errmsg(-1));
			errno = EINVAL;
			return -EINVAL;
		}
		if (sh->sh_type != SHT_NOBITS &&
		    (sh->sh_offset > ef->fsize || sh->sh_size > ef->fsize - sh->sh_offset)) {
			snprintf(err, errlen,
				 "corrupt ELF (section %zu extends past the end of the file)", i);
			errno = EINVAL;
			return -EINVAL;
		}
	}
	return 0;
}

/* What a file that is not a regular one is, as the error names it. EINVAL. */
static int not_regular(const struct stat *st, char *err, size_t errlen)
{
	const char *what = S_ISFIFO(st->st_mode) ? "a FIFO" :
			   S_ISDIR(st->st_mode)	 ? "a directory" :
			   S_ISCHR(st->st_mode)	 ? "a character device" :
			   S_ISBLK(st->st_mode)	 ? "a block device" :
			   S_ISSOCK(st->st_mode) ? "a socket" :
						   NULL;

	if (what)
		snprintf(err, errlen, "is %s, not an ELF file", what);
	else
		snprintf(err, errlen, "not a regular file");
	return EINVAL;
}

struct elf_file *elf_file__open(const char *path, char *err, size_t errlen)
{
	unsigned char magic[SELFMAG];
	struct elf_file *ef;
	GElf_Ehdr eh;
	struct stat st;
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		set_err(err, errlen, EINVAL, "libelf too old");
		return NULL;
	}
	ef = calloc(1, sizeof(*ef));
	if (!ef) {
		set_err(err, errlen, ENOMEM, "out of memory");
		return NULL;
	}
	/* Refused before opening: opening a device can act on it (a tape rewinds). */
	if (stat(path, &st)) {
		ret = errno;
		snprintf(err, errlen, "%s", strerror(ret));
		goto err_free;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = not_regular(&st, err, errlen);
		goto err_free;
	}
	/* Non-blocking: a FIFO put in the file's place since the stat must not hang us. */
	ef->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (ef->fd < 0) {
		ret = errno;
		snprintf(err, errlen, "%s", strerror(ret));
		goto err_free;
	}
	if (fstat(ef->fd, &st)) {
		ret = errno;
		snprintf(err, errlen, "%s", strerror(ret));
		goto err_close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = not_regular(&st, err, errlen);
		goto err_close_fd;
	}
	ef->fsize = st.st_size;

	/* Our own magic check: libelf takes anything and calls it ELF_K_NONE or an archive. */
	if (pread(ef->fd, magic, sizeof(magic), 0) != sizeof(magic) ||
	    memcmp(magic, ELFMAG, SELFMAG)) {
		ret = -set_err(err, errlen, ENOEXEC, "not an ELF file");
		goto err_close_fd;
	}
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf) {
		/* libelf refuses e.g. section headers past the end of a truncated file. */
		snprintf(err, errlen, "corrupt ELF (%s)", elf_errmsg(-1));
		ret = EINVAL;
		goto err_close_fd;
	}
	if (elf_kind(ef->elf) != ELF_K_ELF) {
		ret = -set_err(err, errlen, ENOEXEC, "not an ELF file");
		goto err_end;
	}
	if (!gelf_getehdr(ef->elf, &eh)) {
		snprintf(err, errlen, "corrupt ELF (%s)", elf_errmsg(-1));
		ret = EINVAL;
		goto err_end;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		snprintf(err, errlen, "not an executable or shared library (ELF type %u)",
			 eh.e_type);
		ret = ENOEXEC;
		goto err_end;
	}
	ret = load_sections(ef, &eh, err, errlen);
	if (ret) {
		ret = -ret;
		goto err_free_shdrs;
	}
	ef->machine = eh.e_machine;
	ef->entry = eh.e_entry;

	ef->is_go = find_sec(ef, ".go.buildinfo", NULL) || has_go_note(ef);
	ef->stripped = true;
	for (size_t i = 1; i < ef->shnum; i++)
		if (ef->shdrs[i].sh_type == SHT_SYMTAB)
			ef->stripped = false;
	return ef;

err_free_shdrs:
	free(ef->shdrs);
err_end:
	elf_end(ef->elf);
err_close_fd:
	close(ef->fd);
err_free:
	free(ef);
	errno = ret;
	return NULL;
}

static void free_syms(struct elf_file *ef)
{
	size_t i;

	for (i = 0; i < ef->nsyms; i++)
		if (ef->syms[i].owned)
			free((char *)ef->syms[i].name);
	free(ef->syms);
	ef->syms = NULL;
	ef->nsyms = 0;
	ef->syms_cap = 0;
}

void elf_file__close(struct elf_file *ef)
{
	if (!ef)
		return;
	free_syms(ef);
	free(ef->shdrs);
	elf_end(ef->elf);
	close(ef->fd);
	free(ef);
}

bool elf_file__is_go(const struct elf_file *ef)
{
	return ef->is_go;
}

bool elf_file__stripped(const struct elf_file *ef)
{
	return ef->stripped;
}

uint16_t elf_file__machine(const struct elf_file *ef)
{
	return ef->machine;
}

uint64_t elf_file__entry(const struct elf_file *ef)
{
	return ef->entry;
}

static bool sec_holds(const GElf_Shdr *sh, uint64_t addr)
{
	return (sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS && addr >= sh->sh_addr &&
	       addr - sh->sh_addr < sh->sh_size;
}

/*
 * Virtual address to file offset through the section that holds it, the symbol's
 * st_shndx first: the same for ET_EXEC and ET_DYN, as the uprobe API wants file offsets.
 */
static int addr_to_off(const struct elf_file *ef, uint64_t addr, size_t hint, uint64_t *off)
{
	size_t i = hint;

	if (i == 0 || i >= ef->shnum || !sec_holds(&ef->shdrs[i], addr)) {
		for (i = 1; i < ef->shnum; i++)
			if (sec_holds(&ef->shdrs[i], addr))
				break;
		if (i == ef->shnum)
			return -ENOENT;
	}
	*off = addr - ef->shdrs[i].sh_addr + ef->shdrs[i].sh_offset;
	return 0;
}

int elf_file__addr_to_off(struct elf_file *ef, uint64_t addr, uint64_t *off)
{
	return addr_to_off(ef, addr, 0, off);
}

int elf_file__off_to_addr(struct elf_file *ef, uint64_t off, uint64_t *addr, uint64_t *avail)
{
	size_t i;

	for (i = 1; i < ef->shnum; i++) {
		const GElf_Shdr *sh = &ef->shdrs[i];

		/* load_sections checked that the contents lie within the file. */
		if ((sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS &&
		    off >= sh->sh_offset && off - sh->sh_offset < sh->sh_size) {
			*addr = off - sh->sh_offset + sh->sh_addr;
			*avail = sh->sh_size - (off - sh->sh_offset);
			return 0;
		}
	}
	return -ENOENT;
}

/* Version index -> name, from .gnu.version_d. Index 0 and 1 (local, base) have none. */
static int load_verdefs(struct elf_file *ef, const char ***names, size_t *n)
{
	size_t idx, off = 0, count;
	Elf_Data *d;
	Elf_Scn *scn = NULL;
	const char **v;
	GElf_Verdef vd;
	GElf_Verdaux va;
	size_t i;

	*names = NULL;
	*n = 0;
	for (i = 1; i < ef->shnum; i++)
		if (ef->shdrs[i].sh_type == SHT_GNU_verdef)
			scn = elf_getscn(ef->elf, i);
	if (!scn)
		return 0;
	i = elf_ndxscn(scn);
	d = elf_getdata(scn, NULL);
	if (!d)
		return 0;
	/* sh_info is the number of definitions: it bounds the walk against looping vd_next. */
	count = ef->shdrs[i].sh_info;
	v = calloc(count + 2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (; count--;) {
		if (!gelf_getverdef(d, off, &vd))
			break;
		idx = vd.vd_ndx & 0x7fff;
		if (!(vd.vd_flags & VER_FLG_BASE) && idx < ef->shdrs[i].sh_info + 2 &&
		    gelf_getverdaux(d, off + vd.vd_aux, &va))
			v[idx] = elf_strptr(ef->elf, ef->shdrs[i].sh_link, va.vda_name);
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
	*names = v;
	*n = ef->shdrs[i].sh_info + 2;
	return 0;
}

static int add_sym(struct elf_file *ef, const struct esym *s)
{
	struct esym *ns;

	if (ef->nsyms == ef->syms_cap) {
		ns = reallocarray(ef->syms, ef->syms_cap ? ef->syms_cap * 2 : 1024, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		ef->syms = ns;
		ef->syms_cap = ef->syms_cap ? ef->syms_cap * 2 : 1024;
	}
	ef->syms[ef->nsyms++] = *s;
	return 0;
}

/* Adds the function symbols of one symbol table section. */
static int load_symtab(struct elf_file *ef, size_t sidx, const char **vnames, size_t nv)
{
	const GElf_Shdr *sh = &ef->shdrs[sidx];
	Elf_Data *d = elf_getdata(elf_getscn(ef->elf, sidx), NULL), *vd = NULL;
	size_t i, n, k;
	GElf_Versym vs;
	GElf_Sym sym;

	if (!d || sh->sh_entsize != gelf_fsize(ef->elf, ELF_T_SYM, 1, EV_CURRENT))
		return 0;
	if (sh->sh_type == SHT_DYNSYM) {
		for (k = 1; k < ef->shnum; k++)
			if (ef->shdrs[k].sh_type == SHT_GNU_versym && ef->shdrs[k].sh_link == sidx)
				vd = elf_getdata(elf_getscn(ef->elf, k), NULL);
	}
	n = sh->sh_size / sh->sh_entsize;
	for (i = 1; i < n; i++) {
		struct esym e = { .dynsym = sh->sh_type == SHT_DYNSYM };
		const char *name, *at;
		int type;

		if (!gelf_getsym(d, i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(ef->elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		e.name = name;
		e.value = sym.st_value;
		e.size = sym.st_size;
		e.shndx = sym.st_shndx;
		e.ifunc = type == STT_GNU_IFUNC;

		if (vd && gelf_getversym(vd, i, &vs)) {
			/* The high bit marks a hidden, non-default version: foo@V, not foo@@V. */
			e.hidden = vs & 0x8000;
			if ((size_t)(vs & 0x7fff) < nv)
				e.ver = vnames[vs & 0x7fff];
		} else if (!e.dynsym && (at = strchr(name, '@')) && at != name) {
			/* .symtab spells versions out in the name: foo@@V or foo@V. */
			e.hidden = at[1] != '@';
			e.ver = at + (e.hidden ? 1 : 2);
			e.name = strndup(name, at - name);
			if (!e.name)
				return -ENOMEM;
			e.owned = true;
		}
		if (add_sym(ef, &e)) {
			if (e.owned)
				free((char *)e.name);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Sort order: name, then default versions, then .symtab before .dynsym, then address. */
static int esym_cmp(const void *a, const void *b)
{
	const struct esym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->hidden != y->hidden)
		return x->hidden - y->hidden;
	if (x->dynsym != y->dynsym)
		return x->dynsym - y->dynsym;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int load_syms(struct elf_file *ef)
{
	const char **vnames;
	size_t nv, i;
	int err;

	if (ef->syms_loaded)
		return 0;
	err = load_verdefs(ef, &vnames, &nv);
	if (err)
		return err;
	for (i = 1; i < ef->shnum && !err; i++)
		if (ef->shdrs[i].sh_type == SHT_SYMTAB || ef->shdrs[i].sh_type == SHT_DYNSYM)
			err = load_symtab(ef, i, vnames, nv);
	free(vnames);
	if (err) {
		free_syms(ef);
		return err;
	}
	if (ef->nsyms)
		qsort(ef->syms, ef->nsyms, sizeof(*ef->syms), esym_cmp);
	ef->syms_loaded = true;
	return 0;
}

/* strcmp of a symbol name with base[0..len). */
static int name_cmp(const char *sym, const char *base, size_t len)
{
	int c = strncmp(sym, base, len);

	return c ? c : sym[len] != '\0';
}

/* First entry named base[0..len) (binary search: the entries are sorted), or NULL. */
static const struct esym *first_named(const struct elf_file *ef, const char *base, size_t len)
{
	size_t lo = 0, hi = ef->nsyms, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (name_cmp(ef->syms[mid].name, base, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ef->nsyms && !name_cmp(ef->syms[lo].name, base, len))
		return &ef->syms[lo];
	return NULL;
}

/* The symbol a name stands for: see elf_file__resolve. */
static const struct esym *lookup(struct elf_file *ef, const char *name)
{
	const char *at = strchr(name, '@'), *ver;
	const struct esym *s, *any = NULL, *end;
	size_t len = at ? (size_t)(at - name) : strlen(name);
	bool want_default;

	if (load_syms(ef))
		return NULL;
	s = first_named(ef, name, len);
	if (!s || !at)
		return s; /* sorted: the default version, .symtab first, comes first */
	want_default = at[1] == '@';
	ver = at + (want_default ? 2 : 1);
	end = ef->syms + ef->nsyms;
	for (; s < end && !name_cmp(s->name, name, len); s++) {
		if (!s->ver || strcmp(s->ver, ver))
			continue;
		if (want_default ? !s->hidden : s->hidden)
			return s;
		/* foo@V also takes V when it is the default one, as the linker would not. */
		if (!want_default && !any)
			any = s;
	}
	return any;
}

int elf_file__resolve(struct elf_file *ef, const char *name, uint64_t *off, uint64_t *size)
{
	const struct esym *s = lookup(ef, name);

	if (!s || addr_to_off(ef, s->value, s->shndx, off))
		return -ENOENT;
	*size = s->size;
	return 0;
}

bool elf_file__is_ifunc(struct elf_file *ef, const char *name)
{
	const struct esym *s = lookup(ef, name);

	return s && s->ifunc;
}

int elf_file__for_each_func(struct elf_file *ef, const char *glob,
			    int (*cb)(void *ctx, const struct elf_func *f), void *ctx)
{
	const char *prev = NULL;
	struct elf_func f;
	size_t i;
	int ret;

	ret = load_syms(ef);
	if (ret)
		return ret;
	for (i = 0; i < ef->nsyms; i++) {
		const struct esym *s = &ef->syms[i];

		/*
		 * A glob over a large library (libLLVM: 100k symbols) takes a while: a
		 * stop asked for ends it. Every 16384 symbols, a few ms apart: a glob
		 * over a smaller file runs to its end and the stop is seen at attach.
		 */
		if (i && !(i % 16384) && setup_cancelled())
			return -EINTR;
		/* Sorted by name with the preferred entry first: later ones are duplicates. */
		if (prev && !strcmp(prev, s->name))
			continue;
		if (glob && fnmatch(glob, s->name, 0))
			continue;
		if (addr_to_off(ef, s->value, s->shndx, &f.off))
			continue;
		prev = s->name;
		f.name = s->name;
		f.addr = s->value;
		f.size = s->size;
		ret = cb(ctx, &f);
		if (ret)
			return ret;
	}
	return 0;
}

/* Whether function symbol a is a better answer than b for elf_file__func_at. */
static bool func_at_better(const struct esym *a, const struct esym *b)
{
	if (!b)
		return true;
	if (a->dynsym != b->dynsym)
		return !a->dynsym;
	/* Sorted by name: on a tie the first name stays. */
	return a->value > b->value;
}

int elf_file__func_at(struct elf_file *ef, uint64_t off, struct elf_func *f)
{
	const struct esym *best = NULL;
	uint64_t addr, avail;
	size_t i;

	if (load_syms(ef) || elf_file__off_to_addr(ef, off, &addr, &avail))
		return -ENOENT;
	for (i = 0; i < ef->nsyms; i++) {
		const struct esym *s = &ef->syms[i];

		if (addr >= s->value && addr - s->value < s->size && func_at_better(s, best))
			best = s;
	}
	if (!best || addr_to_off(ef, best->value, best->shndx, &f->off))
		return -ENOENT;
	f->name = best->name;
	f->addr = best->value;
	f->size = best->size;
	return 0;
}

int elf_file__read(struct elf_file *ef, uint64_t off, void *buf, size_t size)
{
	size_t done = 0;
	ssize_t n;

	if (off > ef->fsize || size > ef->fsize - off)
		return -ERANGE;
	while (done < size) {
		n = pread(ef->fd, (char *)buf + done, size - done, off + done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* the file shrank under us */
		done += n;
	}
	return 0;
}

/* The defined object symbol name of one symbol table section: 0 or -ENOENT. */
static int find_object(const struct elf_file *ef, size_t sidx, const char *name, GElf_Sym *sym)
{
	const GElf_Shdr *sh = &ef->shdrs[sidx];
	Elf_Data *d = elf_getdata(elf_getscn(ef->elf, sidx), NULL);
	const char *n;
	size_t i;

	if (!d || sh->sh_entsize != gelf_fsize(ef->elf, ELF_T_SYM, 1, EV_CURRENT))
		return -ENOENT;
	for (i = 1; i < sh->sh_size / sh->sh_entsize; i++) {
		if (!gelf_getsym(d, i, sym))
			break;
		if (GELF_ST_TYPE(sym->st_info) != STT_OBJECT || sym->st_shndx == SHN_UNDEF ||
		    !sym->st_value)
			continue;
		n = elf_strptr(ef->elf, sh->sh_link, sym->st_name);
		if (n && !strcmp(n, name))
			return 0;
	}
	return -ENOENT;
}

ssize_t elf_file__read_object(struct elf_file *ef, const char *name, void *buf, size_t size)
{
	uint32_t types[] = { SHT_DYNSYM, SHT_SYMTAB };
	uint64_t off;
	GElf_Sym sym;
	size_t i, t;
	int ret;

	for (t = 0; t < 2; t++) {
		for (i = 1; i < ef->shnum; i++) {
			if (ef->shdrs[i].sh_type != types[t] || find_object(ef, i, name, &sym))
				continue;
			/* A .bss object has no bytes in the file: addr_to_off skips NOBITS. */
			if (addr_to_off(ef, sym.st_value, sym.st_shndx, &off))
				return -ENOENT;
			if (size > sym.st_size)
				size = sym.st_size;
			ret = elf_file__read(ef, off, buf, size);
			return ret ? ret : (ssize_t)size;
		}
	}
	return -ENOENT;
}

/* An address field of a note, in the file's byte order and class. */
static uint64_t note_addr(const unsigned char *p, bool is64, bool msb)
{
	unsigned i, n = is64 ? 8 : 4;
	uint64_t v = 0;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[msb ? n - 1 - i : i] << (8 * i);
	return v;
}

int elf_file__for_each_usdt(struct elf_file *ef, int (*cb)(void *ctx, const struct elf_usdt *u),
			    void *ctx)
{
	size_t off = 0, name_off, desc_off, sidx, bidx, asz;
	const unsigned char *desc;
	uint64_t pc, base, sema, base_addr = 0;
	const char *ident = elf_getident(ef->elf, NULL);
	bool is64 = ident[EI_CLASS] == ELFCLASS64, msb = ident[EI_DATA] == ELFDATA2MSB;
	struct elf_usdt u;
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Nhdr nh;
	int ret;

	scn = find_sec(ef, ".note.stapsdt", &sidx);
	if (!scn || ef->shdrs[sidx].sh_type != SHT_NOTE)
		return 0;
	if (find_sec(ef, ".stapsdt.base", &bidx))
		base_addr = ef->shdrs[bidx].sh_addr;
	d = elf_getdata(scn, NULL);
	if (!d)
		return 0;
	asz = is64 ? 8 : 4;
	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *s, *lim;

		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)d->d_buf + name_off, "stapsdt", 8) || nh.n_descsz < 3 * asz)
			continue;
		desc = (const unsigned char *)d->d_buf + desc_off;
		pc = note_addr(desc, is64, msb);
		base = note_addr(desc + asz, is64, msb);
		sema = note_addr(desc + 2 * asz, is64, msb);

		/* provider\0name\0args\0, each within the descriptor. */
		s = (const char *)desc + 3 * asz;
		lim = (const char *)desc + nh.n_descsz;
		u.provider = s;
		s = memchr(s, '\0', lim - s);
		if (!s++)
			continue;
		u.name = s;
		s = s < lim ? memchr(s, '\0', lim - s) : NULL;
		if (!s++)
			continue;
		u.args = s < lim && memchr(s, '\0', lim - s) ? s : "";

		/* Prelink may move the file: the note's base says where .stapsdt.base was. */
		if (base_addr && base) {
			pc += base_addr - base;
			if (sema)
				sema += base_addr - base;
		}
		/* A probe outside any section cannot be attached to: leave it out. */
		if (addr_to_off(ef, pc, 0, &u.off))
			continue;
		u.semaphore = sema;
		ret = cb(ctx, &u);
		if (ret)
			return ret;
	}
	return 0;
}

/* Whether a file's basename names the library NAME: NAME itself, NAME.so..., NAME-1.2.so. */
static bool lib_matches(const char *base, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(base, name, n) &&
	       (base[n] == '\0' || base[n] == '-' || !strncmp(base + n, ".so", 3));
}

static int out_path(char *out, size_t outlen, char *err, size_t errlen, const char *input,
		    const char *prefix, const char *path)
{
	if ((size_t)snprintf(out, outlen, "%s%s", prefix, path) >= outlen) {
		snprintf(err, errlen, "%s: path too long", input);
		return -1;
	}
	return 0;
}

/* Whether pid lives in another mount namespace than ours: its paths need /proc/PID/root. */
static bool other_mnt_ns(int pid)
{
	char a[64], b[64], p[64];
	ssize_t na, nb;

	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", pid);
	na = readlink("/proc/self/ns/mnt", a, sizeof(a));
	nb = readlink(p, b, sizeof(b));
	/* Unreadable (another user's process): assume ours, as most are. */
	return na > 0 && nb > 0 && (na != nb || memcmp(a, b, na));
}

/* The first file mapped by pid whose basename names the library. 0 or -ENOENT. */
static int find_mapped(int pid, const char *name, char *path, size_t len)
{
	char maps[64], *line = NULL, *p, *nl, *base;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* "start-end perms offset dev inode   /path": the path is the first '/'. */
		p = strchr(line, '/');
		if (!p)
			continue;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		base = strrchr(p, '/') + 1;
		if (lib_matches(base, name) && strlen(p) < len) {
			strcpy(path, p);
			ret = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

/*
 * The library in the linker cache, for this architecture: ldconfig -p lists
 * "\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6"
 * with 32-bit entries ("(libc6)") beside. 0 or -ENOENT.
 */
static int find_cached(const char *name, char *path, size_t len)
{
#if defined(__x86_64__)
	const char *arch = "x86-64";
#elif defined(__aarch64__)
	const char *arch = "AArch64";
#else
	const char *arch = NULL;
#endif
	char *line = NULL, *soname, *flags, *p, *nl;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	f = popen("/sbin/ldconfig -p 2>/dev/null", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		soname = line + strspn(line, " \t");
		flags = strstr(soname, " (");
		p = strstr(soname, " => ");
		if (!flags || !p || flags > p)
			continue;
		*flags = '\0';
		flags += 2;
		p += 4;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!lib_matches(soname, name) || (arch && !strstr(flags, arch)) ||
		    strlen(p) >= len)
			continue;
		strcpy(path, p);
		ret = 0;
		break;
	}
	free(line);
	pclose(f);
	return ret;
}

/*
 * The main executable of pid. readlink gives a name to show, but it may be
 * " (deleted)" or in another mount namespace: keep it only when it is the very
 * file /proc/PID/exe opens, else use /proc/PID/root or /proc/PID/exe itself.
 */
static int resolve_exe(int pid, char *out, size_t outlen, char *err, size_t errlen)
{
	char exe[64], link[PATH_MAX], root[PATH_MAX + 32];
	struct stat want, st;
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, link, sizeof(link) - 1);
	if (n < 0 || stat(exe, &want)) {
		snprintf(err, errlen, "main executable of pid %d: %s", pid, strerror(errno));
		return -1;
	}
	link[n] = '\0';
	if (!stat(link, &st) && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
		return out_path(out, outlen, err, errlen, link, "", link);
	snprintf(root, sizeof(root), "/proc/%d/root%s", pid, link);
	if (!stat(root, &st) && st.st_dev == want.st_dev && st.st_ino == want.st_ino)
		return out_path(out, outlen, err, errlen, link, "", root);
	return out_path(out, outlen, err, errlen, link, "", exe);
}

int target_resolve(const char *target, int pid, const char *exe_hint, char *out, size_t outlen,
		   char *err, size_t errlen)
{
	char path[PATH_MAX], prefix[48] = "", lib[NAME_MAX + 1];
	const char *names[2] = { target, NULL };
	unsigned i;
	int ret;

	if (pid > 0)
		snprintf(prefix, sizeof(prefix), "/proc/%d/root", pid);

	/* The main executable. */
	if (!*target) {
		if (pid > 0)
			return resolve_exe(pid, out, outlen, err, errlen);
		if (!exe_hint || !*exe_hint) {
			snprintf(err, errlen, "main executable: give a pid or a command");
			return -1;
		}
		ret = proc_find_exec(exe_hint, path, sizeof(path));
		if (ret) {
			snprintf(err, errlen, "%s: %s", exe_hint, strerror(-ret));
			return -1;
		}
		return out_path(out, outlen, err, errlen, exe_hint, "", path);
	}

	/* A path: as is, or as the process sees it. */
	if (strchr(target, '/')) {
		ret = out_path(out, outlen, err, errlen, target, *target == '/' ? prefix : "",
			       target);
		if (!ret && access(out, F_OK)) {
			snprintf(err, errlen, "%s: %s", target, strerror(errno));
			return -1;
		}
		return ret;
	}

	/* A short name: "ssl" stands for "libssl" too. */
	if (strncmp(target, "lib", 3) &&
	    (size_t)snprintf(lib, sizeof(lib), "lib%s", target) < sizeof(lib))
		names[1] = lib;
	for (i = 0; pid > 0 && i < 2 && names[i]; i++) {
		if (!find_mapped(pid, names[i], path, sizeof(path)))
			return out_path(out, outlen, err, errlen, target,
					other_mnt_ns(pid) ? prefix : "", path);
	}
	/* The command about to run, named by its basename ("myapp" for ./build/myapp). */
	if (pid <= 0 && exe_hint &&
	    lib_matches(strrchr(exe_hint, '/') ? strrchr(exe_hint, '/') + 1 : exe_hint, target) &&
	    !proc_find_exec(exe_hint, path, sizeof(path)))
		return out_path(out, outlen, err, errlen, target, "", path);
	for (i = 0; i < 2 && names[i]; i++) {
		if (!find_cached(names[i], path, sizeof(path)))
			return out_path(out, outlen, err, errlen, target, "", path);
	}
	if (pid > 0)
		snprintf(err, errlen, "%s: no such library mapped in pid %d or in the linker cache",
			 target, pid);
	else
		snprintf(err, errlen, "%s: no such library in the linker cache", target);
	return -1;
}
