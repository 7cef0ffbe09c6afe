// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ELF symbols: versioned look-up by name, globs, the function at an offset, data objects. */
#include <errno.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "elf_file.h"
#include "elf_priv.h"
#include "gopclntab.h"
#include "setup.h"

void elf_file__free_syms(struct elf_file *ef)
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

/* A function of a stripped Go binary, from .gopclntab (gopclntab.c): a .symtab stand-in. */
static int add_go_func(void *ctx, const struct gopcln_func *g)
{
	struct esym e = { .name = g->name, .value = g->addr, .size = g->size };

	return add_sym(ctx, &e);
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
	if (!err && ef->is_go && ef->stripped)
		err = gopclntab__for_each(ef, add_go_func, ef);
	if (err) {
		elf_file__free_syms(ef);
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

	if (!s || elf_file__addr_to_off(ef, s->value, s->shndx, off))
		return -ENOENT;
	*size = s->size;
	return 0;
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
		if (elf_file__addr_to_off(ef, s->value, s->shndx, &f.off))
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
	if (!best || elf_file__addr_to_off(ef, best->value, best->shndx, &f->off))
		return -ENOENT;
	f->name = best->name;
	f->addr = best->value;
	f->size = best->size;
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
			if (elf_file__addr_to_off(ef, sym.st_value, sym.st_shndx, &off))
				return -ENOENT;
			if (size > sym.st_size)
				size = sym.st_size;
			ret = elf_file__read(ef, off, buf, size);
			return ret ? ret : (ssize_t)size;
		}
	}
	return -ENOENT;
}
