// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ELF files through libelf: checked opening, sections, offsets for uprobes, Go detection, USDT notes. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_file.h"
#include "elf_priv.h"

#define NT_STAPSDT 3

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

/* Formats the one-line reason into err and returns -errnum: libbpf's 0 or -errno, with a message. */
static int elf_err(char *err, size_t errlen, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int elf_err(char *err, size_t errlen, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
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
 * truncated file it reports zero sections, as if there were none. 0 or -errno.
 */
static int load_sections(struct elf_file *ef, const GElf_Ehdr *eh, char *err, size_t errlen)
{
	size_t i;

	if (!in_file(ef, eh->e_phoff, eh->e_phnum, eh->e_phentsize))
		return elf_err(err, errlen, EINVAL,
			       "corrupt ELF (program headers extend past the end of the file)");
	/* e_shnum is 0 with more than SHN_LORESERVE sections: the count is in section 0. */
	if (eh->e_shoff &&
	    !in_file(ef, eh->e_shoff, eh->e_shnum ? eh->e_shnum : 1, eh->e_shentsize))
		return elf_err(err, errlen, EINVAL,
			       "corrupt ELF (section headers extend past the end of the file)");
	if (elf_getshdrnum(ef->elf, &ef->shnum) || elf_getshdrstrndx(ef->elf, &ef->shstrndx))
		return elf_err(err, errlen, EINVAL, "corrupt ELF (%s)", elf_errmsg(-1));
	if (eh->e_shoff && !in_file(ef, eh->e_shoff, ef->shnum, eh->e_shentsize))
		return elf_err(err, errlen, EINVAL,
			       "corrupt ELF (section headers extend past the end of the file)");
	if (ef->shnum && ef->shstrndx >= ef->shnum)
		return elf_err(err, errlen, EINVAL, "corrupt ELF (bad section name table index)");
	ef->shdrs = calloc(ef->shnum ? ef->shnum : 1, sizeof(*ef->shdrs));
	if (!ef->shdrs)
		return elf_err(err, errlen, ENOMEM, "out of memory");
	for (i = 0; i < ef->shnum; i++) {
		GElf_Shdr *sh = &ef->shdrs[i];

		if (!gelf_getshdr(elf_getscn(ef->elf, i), sh))
			return elf_err(err, errlen, EINVAL, "corrupt ELF (section %zu: %s)", i,
				       elf_errmsg(-1));
		if (sh->sh_type != SHT_NOBITS &&
		    (sh->sh_offset > ef->fsize || sh->sh_size > ef->fsize - sh->sh_offset))
			return elf_err(err, errlen, EINVAL,
				       "corrupt ELF (section %zu extends past the end of the file)",
				       i);
	}
	return 0;
}

/* What a file that is not a regular one is, as the error names it. -EINVAL. */
static int not_regular(const struct stat *st, char *err, size_t errlen)
{
	const char *what = S_ISFIFO(st->st_mode) ? "a FIFO" :
			   S_ISDIR(st->st_mode)	 ? "a directory" :
			   S_ISCHR(st->st_mode)	 ? "a character device" :
			   S_ISBLK(st->st_mode)	 ? "a block device" :
			   S_ISSOCK(st->st_mode) ? "a socket" :
						   NULL;

	if (what)
		return elf_err(err, errlen, EINVAL, "is %s, not an ELF file", what);
	return elf_err(err, errlen, EINVAL, "not a regular file");
}

/* The failed call's errno, as its message and its return. */
static int sys_err(char *err, size_t errlen)
{
	int e = errno;

	return elf_err(err, errlen, e, "%s", strerror(e));
}

/* Opens path into ef->fd, a regular file only; ef->fsize gets its size. 0 or -errno. */
static int open_regular(struct elf_file *ef, const char *path, char *err, size_t errlen)
{
	struct stat st;

	/* Refused before opening: opening a device can act on it (a tape rewinds). */
	if (stat(path, &st))
		return sys_err(err, errlen);
	if (!S_ISREG(st.st_mode))
		return not_regular(&st, err, errlen);
	/* Non-blocking: a FIFO put in the file's place since the stat must not hang us. */
	ef->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (ef->fd < 0 || fstat(ef->fd, &st))
		return sys_err(err, errlen);
	if (!S_ISREG(st.st_mode))
		return not_regular(&st, err, errlen);
	ef->fsize = st.st_size;
	return 0;
}

/* The ELF header of an executable or shared library, through libelf. 0 or -errno. */
static int read_header(struct elf_file *ef, GElf_Ehdr *eh, char *err, size_t errlen)
{
	unsigned char magic[SELFMAG];

	/* Our own magic check: libelf takes anything and calls it ELF_K_NONE or an archive. */
	if (pread(ef->fd, magic, sizeof(magic), 0) != sizeof(magic) ||
	    memcmp(magic, ELFMAG, SELFMAG))
		return elf_err(err, errlen, ENOEXEC, "not an ELF file");
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	/* libelf refuses e.g. section headers past the end of a truncated file. */
	if (!ef->elf)
		return elf_err(err, errlen, EINVAL, "corrupt ELF (%s)", elf_errmsg(-1));
	if (elf_kind(ef->elf) != ELF_K_ELF)
		return elf_err(err, errlen, ENOEXEC, "not an ELF file");
	if (!gelf_getehdr(ef->elf, eh))
		return elf_err(err, errlen, EINVAL, "corrupt ELF (%s)", elf_errmsg(-1));
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return elf_err(err, errlen, ENOEXEC,
			       "not an executable or shared library (ELF type %u)", eh->e_type);
	return 0;
}

struct elf_file *elf_file__open(const char *path, char *err, size_t errlen)
{
	struct elf_file *ef;
	GElf_Ehdr eh;
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = -elf_err(err, errlen, EINVAL, "libelf too old");
		return NULL;
	}
	ef = calloc(1, sizeof(*ef));
	if (!ef) {
		errno = -elf_err(err, errlen, ENOMEM, "out of memory");
		return NULL;
	}
	ef->fd = -1;
	ret = open_regular(ef, path, err, errlen);
	if (!ret)
		ret = read_header(ef, &eh, err, errlen);
	if (!ret)
		ret = load_sections(ef, &eh, err, errlen);
	if (ret) {
		elf_file__close(ef);
		errno = -ret;
		return NULL;
	}
	ef->machine = eh.e_machine;
	ef->entry = eh.e_entry;

	ef->is_go = find_sec(ef, ".go.buildinfo", NULL) || has_go_note(ef);
	ef->stripped = true;
	for (size_t i = 1; i < ef->shnum; i++)
		if (ef->shdrs[i].sh_type == SHT_SYMTAB)
			ef->stripped = false;
	return ef;
}

/* Also frees what a failed elf_file__open had built: each part is empty until made. */
void elf_file__close(struct elf_file *ef)
{
	if (!ef)
		return;
	elf_file__free_syms(ef);
	free(ef->shdrs);
	elf_end(ef->elf);
	if (ef->fd >= 0)
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

int elf_file__addr_to_off(const struct elf_file *ef, uint64_t addr, size_t hint, uint64_t *off)
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

void elf_file__dynamic(struct elf_file *ef, struct elf_dyn *d)
{
	size_t i, n, k, phnum;
	GElf_Phdr ph;
	GElf_Dyn dyn;
	Elf_Data *data;
	const char *s;

	memset(d, 0, sizeof(*d));
	if (!elf_getphdrnum(ef->elf, &phnum))
		for (i = 0; i < phnum; i++)
			if (gelf_getphdr(ef->elf, (int)i, &ph) && ph.p_type == PT_INTERP)
				d->interp = true;
	for (i = 1; i < ef->shnum; i++) {
		const GElf_Shdr *sh = &ef->shdrs[i];

		if (sh->sh_type != SHT_DYNAMIC || !sh->sh_entsize || sh->sh_link >= ef->shnum)
			continue;
		data = elf_getdata(elf_getscn(ef->elf, i), NULL);
		if (!data)
			continue;
		n = sh->sh_size / sh->sh_entsize;
		for (k = 0; k < n && gelf_getdyn(data, (int)k, &dyn) && dyn.d_tag != DT_NULL; k++) {
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH &&
			    dyn.d_tag != DT_RPATH)
				continue;
			s = elf_strptr(ef->elf, sh->sh_link, dyn.d_un.d_val);
			if (!s || !*s)
				continue;
			if (dyn.d_tag == DT_RUNPATH)
				d->runpath = s;
			else if (dyn.d_tag == DT_RPATH)
				d->rpath = s;
			else if (d->nneeded < ELF_NEEDED_MAX)
				d->needed[d->nneeded++] = s;
		}
		break;
	}
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
		if (elf_file__addr_to_off(ef, pc, 0, &u.off))
			continue;
		u.semaphore = sema;
		ret = cb(ctx, &u);
		if (ret)
			return ret;
	}
	return 0;
}
