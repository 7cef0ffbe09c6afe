// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function instructions through Capstone: boundaries for uprobes, returns. */
#include <capstone/capstone.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "elfsym.h"
#include "insn.h"

/* A decoder per ELF machine: another instruction set is one more entry. */
static const struct insn_arch {
	uint16_t machine; /* e_machine */
	cs_arch arch;	  /* Capstone's architecture */
	cs_mode mode;	  /* and mode */
	uint8_t max_len;  /* longest instruction, in bytes */
	const char *name; /* for messages */
} arches[] = {
	{ .machine = EM_X86_64,
	  .arch = CS_ARCH_X86,
	  .mode = CS_MODE_64,
	  .max_len = 15,
	  .name = "x86-64" },
};

static const struct insn_arch *arch_of(uint16_t machine)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].machine == machine)
			return &arches[i];
	return NULL;
}

const char *insn__arch_name(uint16_t machine)
{
	const struct insn_arch *a = arch_of(machine);

	return a ? a->name : NULL;
}

/* Decodes code (len bytes at f's address) up to end, handing each instruction to cb. */
static int decode(const struct insn_arch *a, const struct elf_func *f, const uint8_t *code,
		  size_t len, uint64_t end, int (*cb)(void *ctx, const struct insn *in), void *ctx,
		  uint64_t *bad)
{
	uint64_t pc = f->addr;
	struct insn in;
	cs_insn *ci;
	csh h;
	int ret = 0;

	if (cs_open(a->arch, a->mode, &h) != CS_ERR_OK)
		return -ENOTSUP; /* a Capstone built without this architecture */
	/* Details carry the instruction groups, which say what returns. */
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	ci = cs_malloc(h);
	if (!ci) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (pc - f->addr < end) {
		/* Advances code, len and pc past the instruction. */
		if (!cs_disasm_iter(h, &code, &len, &pc, ci)) {
			if (bad)
				*bad = pc - f->addr;
			ret = -EILSEQ;
			break;
		}
		in.addr = ci->address;
		in.off = ci->address - f->addr;
		in.size = ci->size;
		in.is_ret = cs_insn_group(h, ci, CS_GRP_RET);
		snprintf(in.text, sizeof(in.text), "%s%s%s", ci->mnemonic, ci->op_str[0] ? " " : "",
			 ci->op_str);
		ret = cb(ctx, &in);
		if (ret)
			break;
	}
	cs_free(ci, 1);
out_close:
	cs_close(&h);
	return ret;
}

int insn__for_each(struct elf_file *ef, const struct elf_func *f, uint64_t end,
		   int (*cb)(void *ctx, const struct insn *in), void *ctx, uint64_t *bad)
{
	const struct insn_arch *a = arch_of(elf_file__machine(ef));
	uint64_t addr, avail, len;
	uint8_t *code;
	int ret;

	if (!a)
		return -ENOTSUP;
	if (end > f->size)
		end = f->size;
	if (!end)
		return 0;
	/* The code must be in the file, within one section: a symbol may claim any size. */
	if (elf_file__off_to_addr(ef, f->off, &addr, &avail) || avail < end)
		return -ERANGE;
	/* The last instruction starting before end may run past it, never past f. */
	len = end + a->max_len - 1;
	if (len > f->size)
		len = f->size;
	if (len > avail)
		len = avail;
	code = malloc(len);
	if (!code)
		return -ENOMEM;
	ret = elf_file__read(ef, f->off, code, len);
	if (!ret)
		ret = decode(a, f, code, len, end, cb, ctx, bad);
	free(code);
	return ret;
}

struct at_find {
	uint64_t off;	 /* the byte looked for */
	struct insn *in; /* gets the instruction holding it */
};

static int find_cb(void *ctx, const struct insn *in)
{
	struct at_find *c = ctx;

	if (in->off + in->size <= c->off)
		return 0;
	*c->in = *in;
	return 1;
}

int insn__at(struct elf_file *ef, const struct elf_func *f, uint64_t off, struct insn *in,
	     uint64_t *bad)
{
	struct at_find c = { .off = off, .in = in };
	int ret;

	if (off >= f->size)
		return -ERANGE;
	/* Only the instructions up to the one holding off. */
	ret = insn__for_each(ef, f, off + 1, find_cb, &c, bad);
	if (ret == 1)
		return 0;
	/* Decoding is contiguous, so it reached off; 0 would leave *in unset: never say so. */
	return ret ? ret : -EILSEQ;
}
