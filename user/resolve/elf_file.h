/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ELF files through libelf: function symbols, file offsets for uprobes, Go detection, USDT notes. */
#ifndef AT_ELF_FILE_H
#define AT_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elf_file;

/*
 * Opens path. NULL with errno set and a one-line reason in err: "not an ELF
 * file" (ENOEXEC), "corrupt ELF (...)" (EINVAL), strerror(errno) of the open.
 */
struct elf_file *elf_file__open(const char *path, char *err, size_t errlen);
void elf_file__close(struct elf_file *ef);

/* Go binaries (a .go.buildinfo section or a Go build-id note). */
bool elf_file__is_go(const struct elf_file *ef);
/* No .symtab: only .dynsym is there. */
bool elf_file__stripped(const struct elf_file *ef);

/*
 * Resolves a function by name in .symtab then .dynsym. A plain name also matches
 * its versioned forms (memcpy matches memcpy@@GLIBC_2.14, the default version
 * first); a versioned name matches exactly. Sets *off to the file offset that a
 * uprobe attaches to and *size to the symbol size. 0 or -ENOENT.
 */
int elf_file__resolve(struct elf_file *ef, const char *name, uint64_t *off, uint64_t *size);

/* A function symbol, as handed to the iteration callback. */
struct elf_func {
	const char *name; /* symbol name (without version) */
	uint64_t off;	  /* file offset for uprobes */
	uint64_t addr;	  /* st_value: its virtual address, as disassemblers show it */
	uint64_t size;	  /* symbol size in bytes */
};

/*
 * The function symbol whose bytes hold file offset off: a defined STT_FUNC or
 * STT_GNU_IFUNC with st_value <= address < st_value + st_size, from .symtab
 * first, then .dynsym; of nested ones the closest start. f->name lives as long
 * as ef. 0, or -ENOENT when no function contains off.
 */
int elf_file__func_at(struct elf_file *ef, uint64_t off, struct elf_func *f);

/*
 * Calls cb for each defined function (STT_FUNC / STT_GNU_IFUNC, nonzero address)
 * whose name matches glob (fnmatch; NULL matches all), each name once, sorted by
 * name. Stops when cb returns nonzero and returns that value; else 0.
 */
int elf_file__for_each_func(struct elf_file *ef, const char *glob,
			    int (*cb)(void *ctx, const struct elf_func *f), void *ctx);

/*
 * File offset to virtual address through the allocated section whose file
 * contents hold it; *avail gets the bytes from off to that section's end (what
 * a function's code may span). 0 or -ENOENT.
 */
int elf_file__off_to_addr(struct elf_file *ef, uint64_t off, uint64_t *addr, uint64_t *avail);

/* e_machine (EM_X86_64, ...): which instruction set the code is in. */
uint16_t elf_file__machine(const struct elf_file *ef);
/* The ELF header's e_entry (a virtual address; 0 when the file has none). */
uint64_t elf_file__entry(const struct elf_file *ef);

/* Reads size bytes of the file at offset off (function code for disassembly). 0 or -errno. */
int elf_file__read(struct elf_file *ef, uint64_t off, void *buf, size_t size);

/*
 * Reads the first size bytes (at most the symbol's st_size) of the data object
 * (STT_OBJECT) name from .dynsym, else .symtab: a version string, for example.
 * The bytes read, or -ENOENT (no such object, or not in the file: .bss) or -errno.
 */
ssize_t elf_file__read_object(struct elf_file *ef, const char *name, void *buf, size_t size);

/* What ld.so reads of a file's dynamic section, and whether it is a program. */
#define ELF_NEEDED_MAX 64
struct elf_dyn {
	const char *needed[ELF_NEEDED_MAX]; /* DT_NEEDED names, in order */
	unsigned nneeded;		    /* entries in needed (more are left out) */
	const char *runpath;		    /* DT_RUNPATH, NULL when none */
	const char *rpath;		    /* DT_RPATH, NULL when none */
	bool interp;			    /* a PT_INTERP: a program ld.so starts, not a library */
};

/* Fills d (strings live as long as ef). A file without a dynamic section has none of it. */
void elf_file__dynamic(struct elf_file *ef, struct elf_dyn *d);

/* A USDT probe from .note.stapsdt. */
struct elf_usdt {
	const char *provider;
	const char *name;
	const char *args;   /* argument descriptors, e.g. "8@%rdi -4@%esi" */
	uint64_t off;	    /* file offset of the probe site */
	uint64_t semaphore; /* semaphore address, 0 if none */
};

/* Calls cb for each USDT probe, in note order. Same return convention as for_each_func. */
int elf_file__for_each_usdt(struct elf_file *ef, int (*cb)(void *ctx, const struct elf_usdt *u),
			    void *ctx);

#endif /* AT_ELF_FILE_H */
