// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function instructions through Capstone: boundaries for uprobes, returns. */
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "elf_file.h"
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

#define CS_STR(x) #x
#define CS_SONAME(major) "libcapstone.so." CS_STR(major)

/*
 * Capstone, loaded when the first offset needs decoding: the library's tables
 * are relocated as it is mapped, 3 MiB of resident memory that agent-trace
 * would otherwise pay on every run, and a probe at a function's entry (the
 * usual case) decodes nothing.
 */
static struct {
	cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
	cs_err (*option)(csh handle, cs_opt_type type, size_t value);
	cs_insn *(*malloc)(csh handle);
	bool (*disasm_iter)(csh handle, const uint8_t **code, size_t *size, uint64_t *address,
			    cs_insn *insn);
	bool (*insn_group)(csh handle, const cs_insn *insn, unsigned int group_id);
	void (*free)(cs_insn *insn, size_t count);
	cs_err (*close)(csh *handle);
	bool loaded;
} cs;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;

static void cs_load(void)
{
	void *h = dlopen(CS_SONAME(CS_API_MAJOR), RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	/* POSIX allows the cast from dlsym's void * to a function pointer. */
	*(void **)&cs.open = dlsym(h, "cs_open");
	*(void **)&cs.option = dlsym(h, "cs_option");
	*(void **)&cs.malloc = dlsym(h, "cs_malloc");
	*(void **)&cs.disasm_iter = dlsym(h, "cs_disasm_iter");
	*(void **)&cs.insn_group = dlsym(h, "cs_insn_group");
	*(void **)&cs.free = dlsym(h, "cs_free");
	*(void **)&cs.close = dlsym(h, "cs_close");
	cs.loaded = cs.open && cs.option && cs.malloc && cs.disasm_iter && cs.insn_group &&
		    cs.free && cs.close;
}

const char *insn__library(void)
{
	return CS_SONAME(CS_API_MAJOR);
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

	pthread_once(&cs_once, cs_load);
	if (!cs.loaded)
		return -ELIBACC;
	if (cs.open(a->arch, a->mode, &h) != CS_ERR_OK)
		return -ENOTSUP; /* a Capstone built without this architecture */
	/* Details carry the instruction groups, which say what returns. */
	cs.option(h, CS_OPT_DETAIL, CS_OPT_ON);
	ci = cs.malloc(h);
	if (!ci) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (pc - f->addr < end) {
		/* Advances code, len and pc past the instruction. */
		if (!cs.disasm_iter(h, &code, &len, &pc, ci)) {
			if (bad)
				*bad = pc - f->addr;
			ret = -EILSEQ;
			break;
		}
		in.addr = ci->address;
		in.off = ci->address - f->addr;
		in.size = ci->size;
		in.is_ret = cs.insn_group(h, ci, CS_GRP_RET);
		snprintf(in.text, sizeof(in.text), "%s%s%s", ci->mnemonic, ci->op_str[0] ? " " : "",
			 ci->op_str);
		ret = cb(ctx, &in);
		if (ret)
			break;
	}
	cs.free(ci, 1);
out_close:
	cs.close(&h);
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
