/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User stacks symbolized (-k): each address to its mapping's file, the
 * function holding it (.symtab, then .dynsym, a stripped Go binary's
 * .gopclntab) and the address in the file, as strace -k prints them.
 */
#ifndef AT_SYMBOLIZE_H
#define AT_SYMBOLIZE_H

#include <stdint.h>

#include "maps.h"

/* Processes whose mappings are kept, and ELF files whose symbols are; the oldest goes first. */
#define SYMBOLIZE_PROCS 64
#define SYMBOLIZE_FILES 64

/* One frame. Strings live until the next symbolizer__stack or symbolizer__forget. */
struct sym_frame {
	uint64_t ip;	  /* the address taken (a return address for the frames after the first) */
	const char *file; /* the mapping's path; NULL when no mapping is known */
	const char *sym;  /* the function; NULL when none is known */
	uint64_t off;	  /* from the function's start to ip */
	/*
	 * ip as an address of the file (strace's [0x...]): its ELF virtual
	 * address; ip itself when the mapping is not an ELF file that was read.
	 * A return address's function is the one holding the byte before it (the
	 * call), which may end its function.
	 */
	uint64_t rel;
};

struct symbolizer;

/* NULL with errno when out of memory. */
struct symbolizer *symbolizer__new(void);
void symbolizer__free(struct symbolizer *s);

/*
 * The frames of a stack of process pid: ips (bpf_get_stack's: the user ip,
 * then return addresses found by frame pointers) and top, ntop words at the
 * stack pointer, from which the first frame's caller is found by its CFI
 * when the first function keeps no frame pointer. Writes at most max frames
 * to out and returns how many.
 */
unsigned symbolizer__stack(struct symbolizer *s, uint32_t pid, const uint64_t *ips, unsigned nips,
			   const uint64_t *top, unsigned ntop, struct sym_frame *out, unsigned max);

/* pid exec'ed: its mappings are read again when next needed. */
void symbolizer__forget(struct symbolizer *s, uint32_t pid);

#endif /* AT_SYMBOLIZE_H */
