// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Go functions' entry (after the stack check) and RET instructions, through Capstone. */
#include <string.h>

#include "elf_file.h"
#include "gofunc.h"
#include "insn.h"

/*
 * The stack check Go's compiler puts first in a function that may grow its
 * stack (amd64, ABIInternal: the g in R14, g.stackguard0 at 16):
 *
 *   small frames   cmp rsp, qword ptr [r14 + 0x10]
 *   larger ones    lea r12, [rsp - N]; cmp r12, qword ptr [r14 + 0x10]
 *   huge ones      mov r12, rsp; sub r12, N; jb M; cmp r12, qword ptr [r14 + 0x10]
 *
 * then "jbe M" to the call of runtime.morestack at the function's end, which
 * jumps back to its first instruction. None of them moves SP or touches an
 * argument register: the instruction after the jbe, reached once per call,
 * sees SP and the arguments as the first one did. Go 1.19's DWARF puts
 * prologue_end there too.
 */
#define STACKGUARD "qword ptr [r14 + 0x10]"
#define PROLOGUE_MAX 6 /* instructions of the longest form */

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Whether in is one of the check's instructions before its last jbe. */
static bool check_insn(const struct insn *in, bool *cmp)
{
	*cmp = !strcmp(in->text, "cmp rsp, " STACKGUARD) ||
	       !strcmp(in->text, "cmp r12, " STACKGUARD);
	return *cmp || starts(in->text, "lea r12, [rsp - ") || !strcmp(in->text, "mov r12, rsp") ||
	       starts(in->text, "sub r12, ") || starts(in->text, "jb ");
}

void go_scan__init(struct go_scan *sc, struct go_sites *gs)
{
	memset(gs, 0, sizeof(*gs));
	memset(sc, 0, sizeof(*sc));
	sc->gs = gs;
	sc->in_prologue = true;
}

int go_scan__insn(void *ctx, const struct insn *in)
{
	struct go_scan *sc = ctx;
	struct go_sites *gs = sc->gs;
	bool cmp;

	if (in->is_ret) {
		if (gs->nret < GO_MAX_RETS)
			gs->ret[gs->nret++] = in->off;
		else
			gs->too_many = true;
	}
	if (!sc->in_prologue)
		return 0;
	sc->n++;
	if (sc->checked && starts(in->text, "jbe ")) {
		/* The entry: the instruction after this one. */
		gs->entry = in->off + in->size;
		sc->in_prologue = false;
		return 0;
	}
	if (sc->n > PROLOGUE_MAX || !check_insn(in, &cmp)) {
		/* No stack check (a NOSPLIT function): the entry is the first instruction. */
		sc->in_prologue = false;
		gs->entry = 0;
		return 0;
	}
	sc->checked = cmp;
	return 0;
}

int go_sites__find(struct elf_file *ef, const struct elf_func *f, struct go_sites *gs,
		   uint64_t *bad)
{
	struct go_scan sc;
	int ret;

	go_scan__init(&sc, gs);
	ret = insn__for_each(ef, f, f->size, go_scan__insn, &sc, bad);
	if (ret)
		return ret;
	/* A function of stack-check instructions only: nothing after them to probe. */
	if (sc.in_prologue)
		gs->entry = 0;
	return 0;
}
