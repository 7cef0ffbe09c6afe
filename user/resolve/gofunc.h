/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where the probes of a Go function go, from its instructions: the entry
 * after the stack-check prologue (so that a call whose stack grows, which
 * runtime.morestack restarts from the top, is seen once), and every RET
 * instruction, each an entry-style uprobe that sees the return (a uretprobe
 * rewrites the return address, which Go's stack copies do not survive).
 */
#ifndef AT_GOFUNC_H
#define AT_GOFUNC_H

#include <stdbool.h>
#include <stdint.h>

struct elf_file;
struct elf_func;
struct insn;

/* RET instructions of one function the return probe takes (each a uprobe). */
#define GO_MAX_RETS 32

struct go_sites {
	uint64_t entry;		   /* bytes from the function's start to its entry probe */
	uint64_t ret[GO_MAX_RETS]; /* bytes from its start to each RET instruction */
	unsigned nret;		   /* RETs found; more than GO_MAX_RETS: too_many */
	bool too_many;		   /* more than GO_MAX_RETS RETs */
};

/*
 * A walk of a function's instructions, in order, for go_sites: insn__for_each's
 * callback (ctx a struct go_scan). Apart so that tests can feed it instructions.
 */
struct go_scan {
	struct go_sites *gs;
	unsigned n;	  /* instructions seen */
	bool in_prologue; /* only stack-check instructions so far */
	bool checked;	  /* the last one compared against g.stackguard0 */
};

void go_scan__init(struct go_scan *sc, struct go_sites *gs);
int go_scan__insn(void *ctx, const struct insn *in);

/*
 * The sites of Go function f of ef (f->off, f->addr, f->size as elf_file
 * gives them), decoded with Capstone. 0, or as insn__for_each (-ENOTSUP,
 * -EILSEQ with *bad, -ERANGE, -ELIBACC, -ENOMEM).
 */
int go_sites__find(struct elf_file *ef, const struct elf_func *f, struct go_sites *gs,
		   uint64_t *bad);

#endif /* AT_GOFUNC_H */
