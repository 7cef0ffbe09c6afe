/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The layout of struct elf_file, shared by elf_file.c (sections, notes) and elf_syms.c (symbols). */
#ifndef AT_ELF_PRIV_H
#define AT_ELF_PRIV_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	char go_err[192];  /* why a stripped Go binary's .gopclntab gave no functions */
};

/*
 * Virtual address to file offset through the section that holds it, the symbol's
 * st_shndx (hint) first: the same for ET_EXEC and ET_DYN, as the uprobe API wants
 * file offsets. 0 or -ENOENT.
 */
int elf_file__addr_to_off(const struct elf_file *ef, uint64_t addr, size_t hint, uint64_t *off);

/* Frees the symbol table elf_syms.c built (elf_file__close). */
void elf_file__free_syms(struct elf_file *ef);

#endif /* AT_ELF_PRIV_H */
