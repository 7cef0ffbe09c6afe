/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Instructions of a function, decoded with Capstone from the ELF file: where
 * the instruction boundaries are (a uprobe must go on one: a breakpoint in the
 * middle of an instruction corrupts it) and which instructions return.
 */
#ifndef AT_INSN_H
#define AT_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;
struct elf_func;

/* One decoded instruction. */
struct insn {
	uint64_t addr;	/* virtual address, as disassemblers show it */
	uint64_t off;	/* bytes from the function's start */
	uint16_t size;	/* length in bytes */
	bool is_ret;	/* returns to the caller (ret, retf, ...) */
	char text[192]; /* "mov rbp, rsp" (Intel syntax on x86) */
};

/*
 * Decodes function f (f->off, f->addr and f->size from elf_file) from its first
 * byte, in order, calling cb for each instruction that starts before f's
 * offset end (f->size when end is larger). Stops when cb returns nonzero and
 * returns that value; else 0. -ENOTSUP when there is no decoder for the file's
 * machine, -EILSEQ when bytes before end do not decode (*bad, when not NULL,
 * gets the offset of the first), -ERANGE when f's bytes are not in the file,
 * -ELIBACC when Capstone (insn__library()) cannot be loaded, -ENOMEM.
 */
int insn__for_each(struct elf_file *ef, const struct elf_func *f, uint64_t end,
		   int (*cb)(void *ctx, const struct insn *in), void *ctx, uint64_t *bad);

/*
 * The instruction of f that holds byte off (off < f->size): off is a boundary
 * when in->off == off. 0, -ERANGE when off is not inside f, or as
 * insn__for_each (-EILSEQ: *bad is the first offset that does not decode).
 */
int insn__at(struct elf_file *ef, const struct elf_func *f, uint64_t off, struct insn *in,
	     uint64_t *bad);

/* The name of the decoder's instruction set for e_machine ("x86-64"), or NULL if none. */
const char *insn__arch_name(uint16_t machine);
/* The Capstone library loaded at the first decode ("libcapstone.so.4"). */
const char *insn__library(void);

#endif /* AT_INSN_H */
