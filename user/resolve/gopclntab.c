// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Go's pclntab function table (runtime/symtab.go's pcHeader, functab and
 * _func; debug/gosym/pclntab.go). The header: a 4-byte magic, two zero bytes,
 * the pc quantum, the pointer size, then pointer-sized words:
 *
 *   Go 1.16/1.17 (0xfffffffa): nfunc nfiles funcnametab cutab filetab pctab pclntab
 *   Go 1.18 on (0xfffffff0, 1.20 on 0xfffffff1): nfunc nfiles textStart
 *                              funcnametab cutab filetab pctab pclntab
 *
 * The table offsets are from the header's start. At pclntab come nfunc+1
 * functab entries {entry, funcoff} and the end PC: pointer-sized absolute
 * addresses up to 1.17, 4-byte offsets from textStart from 1.18. funcoff is
 * from pclntab, to the function's _func: its entry again (same size as in the
 * functab), then a 4-byte name offset into funcnametab. Go 1.26 writes 0 for
 * textStart (it needed a relocation): its moduledata's text field stands in,
 * else the .text section's address.
 * Everything is read from an untrusted file: each offset is checked against
 * the section's size before it is used.
 */
#include <errno.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "elf_priv.h"
#include "gopclntab.h"

#define GO116_MAGIC 0xfffffffaU
#define GO118_MAGIC 0xfffffff0U
#define GO120_MAGIC 0xfffffff1U
#define GO12_MAGIC 0xfffffffbU /* Go 1.2 to 1.15: not read here */

/* The parsed header, and the byte order and sizes to read the rest with. */
struct pcln {
	const unsigned char *d;
	size_t size;
	bool msb;	  /* big-endian table (the magic says) */
	unsigned ptrsize; /* header words, and 1.16 addresses */
	unsigned fsz;	  /* a functab field: 4 from 1.18, else ptrsize */
	unsigned version;
	uint64_t nfunc;
	uint64_t text_start;	 /* 0 up to 1.17: entries are addresses */
	uint64_t hdr_text_start; /* the header's own: 0 up to 1.17 and from 1.26 */
	uint64_t funcnametab;
	uint64_t functab;
};

static int pcln_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pcln_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An n-byte (4 or 8) unsigned integer at off, which the caller checked lies within. */
static uint64_t rd(const struct pcln *p, uint64_t off, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p->d[off + (p->msb ? n - 1 - i : i)] << (8 * i);
	return v;
}

static uint32_t rd32_magic(const unsigned char *d, bool msb)
{
	struct pcln p = { .d = d, .msb = msb };

	return rd(&p, 0, 4);
}

/* Magic, byte order and version. 0 or -EINVAL. */
static int read_magic(struct pcln *p, char *err, size_t errlen)
{
	static const struct {
		uint32_t magic;
		unsigned version;
	} known[] = { { GO116_MAGIC, 116 }, { GO118_MAGIC, 118 }, { GO120_MAGIC, 120 } };
	uint32_t le = rd32_magic(p->d, false), be = rd32_magic(p->d, true);
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (le == known[i].magic || be == known[i].magic) {
			p->msb = be == known[i].magic;
			p->version = known[i].version;
			return 0;
		}
	}
	if (le == GO12_MAGIC || be == GO12_MAGIC)
		return pcln_err(
			err, errlen,
			"Go 1.2 to 1.15 layout (magic 0xfffffffb): only Go 1.16 on is read");
	return pcln_err(err, errlen, "bad magic 0x%08x: not a Go 1.16+ pclntab", le);
}

/* Whether n entries of sz bytes at off lie within the table. */
static bool fits(const struct pcln *p, uint64_t off, uint64_t n, uint64_t sz)
{
	return off <= p->size && n <= (p->size - off) / sz;
}

/* The header, each table offset checked against the size. 0 or -EINVAL. */
static int read_header(struct pcln *p, uint64_t text, char *err, size_t errlen)
{
	unsigned words, w_names, w_pcln;
	uint64_t nfunc;

	if (p->size < 8)
		return pcln_err(err, errlen, "truncated header (%zu bytes)", p->size);
	if (read_magic(p, err, errlen))
		return -EINVAL;
	p->ptrsize = p->d[7];
	if (p->d[4] || p->d[5] || (p->d[6] != 1 && p->d[6] != 2 && p->d[6] != 4) ||
	    (p->ptrsize != 4 && p->ptrsize != 8))
		return pcln_err(err, errlen, "bad header (pad %u %u, quantum %u, pointer size %u)",
				p->d[4], p->d[5], p->d[6], p->d[7]);
	words = p->version == 116 ? 7 : 8;
	w_names = p->version == 116 ? 2 : 3;
	w_pcln = p->version == 116 ? 6 : 7;
	if (!fits(p, 8, words, p->ptrsize))
		return pcln_err(err, errlen, "truncated header (%zu bytes, %u needed)", p->size,
				8 + words * p->ptrsize);
	p->fsz = p->version == 116 ? p->ptrsize : 4;
	nfunc = rd(p, 8, p->ptrsize);
	p->funcnametab = rd(p, 8 + w_names * p->ptrsize, p->ptrsize);
	p->functab = rd(p, 8 + w_pcln * p->ptrsize, p->ptrsize);
	if (p->funcnametab >= p->size)
		return pcln_err(err, errlen,
				"funcnametab offset 0x%llx is past the end (%zu bytes)",
				(unsigned long long)p->funcnametab, p->size);
	/* nfunc {entry, funcoff} pairs and the end PC. */
	if (!fits(p, p->functab, 1, p->fsz) || nfunc > ((p->size - p->functab) / p->fsz - 1) / 2)
		return pcln_err(err, errlen,
				"nfunc %llu at offset 0x%llx does not fit in the table (%zu bytes)",
				(unsigned long long)nfunc, (unsigned long long)p->functab, p->size);
	p->nfunc = nfunc;
	if (p->version != 116) {
		p->text_start = rd(p, 8 + 2 * p->ptrsize, p->ptrsize);
		p->hdr_text_start = p->text_start;
		if (!p->text_start)
			p->text_start = text;
		if (!p->text_start && nfunc)
			return pcln_err(err, errlen,
					"textStart is 0 (Go 1.26) and there is no .text address");
	}
	return 0;
}

/* The i-th function of a checked header: 0 with *f, or -EINVAL. */
static int read_func(const struct pcln *p, uint64_t i, struct gopcln_func *f, char *err,
		     size_t errlen)
{
	uint64_t ft = p->functab + 2 * i * p->fsz, entry, end, fo, nameoff, name;
	unsigned long long n = i;
	const char *s;

	entry = rd(p, ft, p->fsz);
	fo = rd(p, ft + p->fsz, p->fsz);
	end = rd(p, ft + 2 * p->fsz, p->fsz);
	if (end < entry)
		return pcln_err(err, errlen, "function %llu: entry 0x%llx is after the next one's",
				n, (unsigned long long)entry);
	/* The _func: its entry, then the 4-byte name offset. */
	if (fo > p->size - p->functab || !fits(p, p->functab + fo, 1, p->fsz + 4))
		return pcln_err(err, errlen, "function %llu: _func offset 0x%llx is past the end",
				n, (unsigned long long)fo);
	fo += p->functab;
	if (rd(p, fo, p->fsz) != entry)
		return pcln_err(err, errlen,
				"function %llu: entry 0x%llx in its _func differs from 0x%llx in "
				"the function table",
				n, (unsigned long long)rd(p, fo, p->fsz),
				(unsigned long long)entry);
	nameoff = rd(p, fo + p->fsz, 4);
	name = p->funcnametab + nameoff;
	if (nameoff >= p->size - p->funcnametab)
		return pcln_err(err, errlen, "function %llu: name offset 0x%llx is past the end", n,
				(unsigned long long)nameoff);
	s = (const char *)p->d + name;
	if (!*s || !memchr(s, '\0', p->size - name))
		return pcln_err(err, errlen,
				"function %llu: name at 0x%llx is empty or runs past the end", n,
				(unsigned long long)name);
	if (entry > UINT64_MAX - p->text_start || end > UINT64_MAX - p->text_start)
		return pcln_err(err, errlen, "function %llu: address overflows", n);
	f->name = s;
	f->addr = p->text_start + entry;
	f->size = end - entry;
	return 0;
}

int gopclntab_parse(const void *data, size_t size, uint64_t text,
		    int (*cb)(void *ctx, const struct gopcln_func *f), void *ctx,
		    struct gopcln_info *info, char *err, size_t errlen)
{
	struct pcln p = { .d = data, .size = size };
	struct gopcln_func f;
	uint64_t i;
	int ret;

	if (read_header(&p, text, err, errlen))
		return -EINVAL;
	/* All checked first: a table that lies halfway gives nothing, not half. */
	for (i = 0; i < p.nfunc; i++)
		if (read_func(&p, i, &f, err, errlen))
			return -EINVAL;
	if (info)
		*info = (struct gopcln_info){ .version = p.version,
					      .ptrsize = p.ptrsize,
					      .text_start = p.text_start,
					      .header_text_start = p.hdr_text_start,
					      .nfunc = p.nfunc };
	for (i = 0; cb && i < p.nfunc; i++) {
		read_func(&p, i, &f, err, errlen);
		ret = cb(ctx, &f);
		if (ret)
			return ret;
	}
	return 0;
}

/* ef's section named name (elf_file checked that each lies within the file), or 0. */
static size_t sec_named(const struct elf_file *ef, const char *name)
{
	const char *n;
	size_t i;

	for (i = 1; i < ef->shnum; i++) {
		n = elf_strptr(ef->elf, ef->shstrndx, ef->shdrs[i].sh_name);
		if (n && !strcmp(n, name))
			return i;
	}
	return 0;
}

/*
 * The addend of an R_X86_64_RELATIVE relocation at addr, or 0: what a
 * position-independent binary's loader writes there, when the file holds 0.
 */
static uint64_t relative_addend(const struct elf_file *ef, uint64_t addr)
{
	GElf_Rela r;
	size_t i, k;

	if (ef->machine != EM_X86_64)
		return 0;
	for (i = 1; i < ef->shnum; i++) {
		const GElf_Shdr *sh = &ef->shdrs[i];
		Elf_Data *d;

		if (sh->sh_type != SHT_RELA || !sh->sh_entsize)
			continue;
		d = elf_getdata(elf_getscn(ef->elf, i), NULL);
		for (k = 0; d && k < sh->sh_size / sh->sh_entsize && gelf_getrela(d, k, &r); k++)
			if (r.r_offset == addr && GELF_R_TYPE(r.r_info) == R_X86_64_RELATIVE)
				return r.r_addend;
	}
	return 0;
}

/* Word w of the moduledata in section mi, relocated. */
static uint64_t module_word(const struct elf_file *ef, const struct pcln *p, size_t mi, unsigned w)
{
	uint64_t v = rd(p, w * p->ptrsize, p->ptrsize);

	return v ? v : relative_addend(ef, ef->shdrs[mi].sh_addr + w * p->ptrsize);
}

/*
 * Where Go 1.26's entry offsets start, from its moduledata (the .go.module
 * section): .text's address is that only when the Go code comes first in it,
 * not when C code linked in (cgo, external linking) comes before. The first
 * word points to the pclntab, the 23rd is the text field; the layout up to it
 * has not changed since Go 1.16. Taken only when the first word is the
 * pclntab's address and text lies in .text; else 0.
 */
static uint64_t module_text(const struct elf_file *ef, size_t pi, size_t ti, unsigned ptrsize)
{
	size_t mi = sec_named(ef, ".go.module");
	struct pcln p = { .ptrsize = ptrsize };
	const GElf_Shdr *t = &ef->shdrs[ti];
	uint64_t text;
	Elf_Data *d;

	if (!mi || !ti || (ptrsize != 4 && ptrsize != 8))
		return 0;
	d = elf_getdata(elf_getscn(ef->elf, mi), NULL);
	if (!d || !d->d_buf || d->d_size < 23 * (size_t)ptrsize)
		return 0;
	p.d = d->d_buf;
	p.size = d->d_size;
	p.msb = elf_getident(ef->elf, NULL)[EI_DATA] == ELFDATA2MSB;
	text = module_word(ef, &p, mi, 22);
	if (module_word(ef, &p, mi, 0) != ef->shdrs[pi].sh_addr || text < t->sh_addr ||
	    text - t->sh_addr >= t->sh_size)
		return 0;
	return text;
}

static int is_entry(void *ctx, const struct gopcln_func *f)
{
	return f->addr == *(const uint64_t *)ctx;
}

/*
 * Whether the functions' base holds. Where it is a guess (Go 1.26 without a
 * usable moduledata: .text's address), the program's entry point, which Go's
 * own linker makes _rt0_amd64_linux, must be one of them: with C code linked
 * first, it is C's _start, and every Go address would be off.
 */
static bool base_holds(const struct elf_file *ef, const void *d, size_t size, uint64_t text,
		       bool from_module)
{
	struct gopcln_info info;
	uint64_t entry = ef->entry;
	char why[8];

	if (gopclntab_parse(d, size, text, NULL, NULL, &info, why, sizeof(why)))
		return true; /* the caller reports the table's own error */
	if (info.version == 116 || info.header_text_start || from_module || !entry)
		return true;
	return gopclntab_parse(d, size, text, is_entry, &entry, NULL, why, sizeof(why)) == 1;
}

int gopclntab__for_each(struct elf_file *ef, int (*cb)(void *ctx, const struct gopcln_func *f),
			void *ctx)
{
	/* A PIE has it in its RELRO segment, under that segment's prefix. */
	size_t pi = sec_named(ef, ".gopclntab") ?: sec_named(ef, ".data.rel.ro.gopclntab");
	size_t ti = sec_named(ef, ".text");
	char why[sizeof(ef->go_err) - 16];
	uint64_t text;
	Elf_Data *d;

	ef->go_err[0] = '\0';
	if (!pi || ef->shdrs[pi].sh_type != SHT_PROGBITS) {
		snprintf(ef->go_err, sizeof(ef->go_err), "no .gopclntab section");
		return 0;
	}
	d = elf_getdata(elf_getscn(ef->elf, pi), NULL);
	if (!d || !d->d_buf) {
		snprintf(ef->go_err, sizeof(ef->go_err), ".gopclntab: %s", elf_errmsg(-1));
		return 0;
	}
	text = d->d_size >= 8 ? module_text(ef, pi, ti, ((unsigned char *)d->d_buf)[7]) : 0;
	if (!base_holds(ef, d->d_buf, d->d_size, text ?: (ti ? ef->shdrs[ti].sh_addr : 0), text)) {
		snprintf(ef->go_err, sizeof(ef->go_err),
			 ".gopclntab: textStart is 0 (Go 1.26) and the entry point 0x%llx is no Go "
			 "function from .text's start (C code linked first?)",
			 (unsigned long long)ef->entry);
		return 0;
	}
	if (!text && ti)
		text = ef->shdrs[ti].sh_addr;
	/* Checked apart first, so that a callback's error is not taken for the table's. */
	if (gopclntab_parse(d->d_buf, d->d_size, text, NULL, NULL, NULL, why, sizeof(why))) {
		snprintf(ef->go_err, sizeof(ef->go_err), ".gopclntab: %s", why);
		return 0;
	}
	return gopclntab_parse(d->d_buf, d->d_size, text, cb, ctx, NULL, why, sizeof(why));
}

const char *elf_file__go_err(const struct elf_file *ef)
{
	return ef->go_err;
}

const char *elf_file__stripped_note(const struct elf_file *ef, char *buf, size_t len)
{
	if (!ef->stripped)
		snprintf(buf, len, "%s", "");
	else if (!ef->is_go)
		snprintf(buf, len, " (stripped: only .dynsym was searched)");
	else if (ef->go_err[0])
		snprintf(buf, len, " (stripped Go binary: %s)", ef->go_err);
	else
		snprintf(buf, len, " (stripped Go binary: .dynsym and .gopclntab were searched)");
	return buf;
}
