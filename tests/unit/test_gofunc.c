// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Go functions' probe sites (user/resolve/gofunc.c): the entry after the
 * stack check and every RET, on instruction sequences of each prologue form
 * and on the Go target the Makefile builds, with objdump (its instructions,
 * and Go's DWARF prologue_end) as the independent judge.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_file.h"
#include "gofunc.h"
#include "insn.h"
#include "probes.h"
#include "uspec.h"
#include "unit_targets.h"

/* Instructions fed to go_scan one by one: text and size, offsets following. */
struct fake {
	const char *text;
	uint16_t size;
	bool ret;
};

static void scan(const struct fake *v, size_t n, struct go_sites *gs)
{
	struct go_scan sc;
	uint64_t off = 0;

	go_scan__init(&sc, gs);
	for (size_t i = 0; i < n; i++) {
		struct insn in = {
			.addr = 0x1000 + off, .off = off, .size = v[i].size, .is_ret = v[i].ret
		};

		snprintf(in.text, sizeof(in.text), "%s", v[i].text);
		cr_assert_eq(go_scan__insn(&sc, &in), 0);
		off += v[i].size;
	}
}

Test(gofunc, small_frame_check)
{
	static const struct fake v[] = {
		{ "cmp rsp, qword ptr [r14 + 0x10]", 4 },
		{ "jbe 0x1040", 6 },
		{ "sub rsp, 0x18", 4 },
		{ "mov qword ptr [rsp + 0x10], rbp", 5 },
		{ "add rsp, 0x18", 4 },
		{ "ret", 1, true },
		{ "call 0x2000", 5 },
		{ "jmp 0x1000", 5 },
	};
	struct go_sites gs;

	scan(v, sizeof(v) / sizeof(v[0]), &gs);
	cr_assert_eq(gs.entry, 10, "after the jbe: %llu", (unsigned long long)gs.entry);
	cr_assert_eq(gs.nret, 1);
	cr_assert_eq(gs.ret[0], 23);
	cr_assert(!gs.too_many);
}

Test(gofunc, large_and_huge_frame_checks)
{
	static const struct fake large[] = {
		{ "lea r12, [rsp - 0x1b0]", 8 },
		{ "cmp r12, qword ptr [r14 + 0x10]", 4 },
		{ "jbe 0x10cc", 6 },
		{ "sub rsp, 0x230", 7 },
		{ "ret", 1, true },
		{ "ret", 1, true },
	};
	static const struct fake huge[] = {
		{ "mov r12, rsp", 3 }, { "sub r12, 0x2000", 7 },
		{ "jb 0x1100", 2 },    { "cmp r12, qword ptr [r14 + 0x10]", 4 },
		{ "jbe 0x1100", 2 },   { "push rbp", 1 },
		{ "ret", 1, true },
	};
	struct go_sites gs;

	scan(large, sizeof(large) / sizeof(large[0]), &gs);
	cr_assert_eq(gs.entry, 18);
	cr_assert_eq(gs.nret, 2);
	cr_assert_eq(gs.ret[0], 25);
	cr_assert_eq(gs.ret[1], 26);
	scan(huge, sizeof(huge) / sizeof(huge[0]), &gs);
	cr_assert_eq(gs.entry, 18, "after the second jump, the jbe: %llu",
		     (unsigned long long)gs.entry);
	cr_assert_eq(gs.nret, 1);
	cr_assert_eq(gs.ret[0], 19);
}

/* No stack check, or something that only looks like one: the entry stays at the first byte. */
Test(gofunc, no_check_entry_at_zero)
{
	static const struct fake nosplit[] = {
		{ "mov rcx, rax", 3 },
		{ "cmp rsp, qword ptr [r14 + 0x10]", 4 },
		{ "jbe 0x1040", 6 },
		{ "ret", 1, true },
	};
	static const struct fake no_jbe[] = {
		{ "cmp rsp, qword ptr [r14 + 0x10]", 4 },
		{ "ja 0x1040", 6 },
		{ "ret", 1, true },
	};
	static const struct fake jbe_alone[] = {
		{ "lea r12, [rsp - 0x100]", 8 },
		{ "jbe 0x1040", 6 },
		{ "ret", 1, true },
	};
	struct go_sites gs;

	scan(nosplit, 4, &gs);
	cr_assert_eq(gs.entry, 0);
	cr_assert_eq(gs.nret, 1);
	cr_assert_eq(gs.ret[0], 13);
	scan(no_jbe, 3, &gs);
	cr_assert_eq(gs.entry, 0);
	scan(jbe_alone, 3, &gs);
	cr_assert_eq(gs.entry, 0, "a jbe after no stack-guard compare is no check");
}

Test(gofunc, too_many_rets)
{
	struct fake v[GO_MAX_RETS + 1];
	struct go_sites gs;

	for (size_t i = 0; i < GO_MAX_RETS + 1; i++)
		v[i] = (struct fake){ "ret", 1, true };
	scan(v, GO_MAX_RETS, &gs);
	cr_assert_eq(gs.nret, GO_MAX_RETS);
	cr_assert(!gs.too_many);
	scan(v, GO_MAX_RETS + 1, &gs);
	cr_assert_eq(gs.nret, GO_MAX_RETS);
	cr_assert(gs.too_many);
}

/* objdump's view of func in path: its address, its RETs, the instruction after its first jbe. */
struct od {
	uint64_t addr;
	uint64_t ret[GO_MAX_RETS];
	unsigned nret;
	uint64_t after_jbe; /* 0: no jbe */
};

static void objdump_func(const char *path, const char *func, struct od *od)
{
	char cmd[PATH_MAX + 128], line[512], want[128];
	unsigned long long a, start = 0;
	bool in = false, jbe = false;
	FILE *f;

	memset(od, 0, sizeof(*od));
	snprintf(cmd, sizeof(cmd), "objdump -d --no-show-raw-insn -M intel --disassemble=%s %s",
		 func, path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	snprintf(want, sizeof(want), " <%s>:", func);
	while (fgets(line, sizeof(line), f)) {
		char mnem[32];

		if (strstr(line, want) && sscanf(line, "%llx", &start) == 1) {
			in = true;
			continue;
		}
		if (!in || sscanf(line, " %llx:\t%31s", &a, mnem) != 2)
			continue;
		if (jbe && !od->after_jbe)
			od->after_jbe = a - start;
		if (!strcmp(mnem, "jbe"))
			jbe = true;
		if (!strcmp(mnem, "ret")) {
			cr_assert_lt(od->nret, GO_MAX_RETS);
			od->ret[od->nret++] = a - start;
		}
	}
	cr_assert_eq(pclose(f), 0, "%s", cmd);
	od->addr = start;
}

/* Whether Go's DWARF line table marks addr as a prologue's end. */
static bool dwarf_prologue_end(const char *path, uint64_t addr)
{
	char cmd[PATH_MAX + 64], line[512];
	bool next = false, found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "objdump --dwarf=rawline %s", path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *to = strstr(line, " to 0x");

		if (strstr(line, "Set prologue_end to true")) {
			next = true;
			continue;
		}
		/* "Special opcode 184: advance Address by 18 to 0x482d72 and Line by 0 to 48" */
		if (next && to && strstr(line, "Address")) {
			next = false;
			found = found || strtoull(to + 4, NULL, 16) == addr;
		}
	}
	pclose(f);
	return found;
}

static void sites_of(const char *path, const char *func, struct go_sites *gs)
{
	char err[256];
	struct elf_file *ef = elf_file__open(path, err, sizeof(err));
	struct elf_func fn = { .name = func };
	uint64_t avail, bad = 0;

	cr_assert_not_null(ef, "%s: %s", path, err);
	cr_assert_eq(elf_file__resolve(ef, func, &fn.off, &fn.size), 0, "%s", func);
	cr_assert_eq(elf_file__off_to_addr(ef, fn.off, &fn.addr, &avail), 0);
	cr_assert_eq(go_sites__find(ef, &fn, gs, &bad), 0, "%s: bad at %llu", func,
		     (unsigned long long)bad);
	elf_file__close(ef);
}

/* The target's functions: each with a stack check enters after it, where DWARF says too. */
Test(gofunc, real_go_functions)
{
	static const struct {
		const char *name;
		bool checked; /* has a stack check */
		unsigned nret;
	} fns[] = {
		{ "main.Deep", true, 2 },   { "main.Block", true, 1 },	{ "main.Risky", true, 1 },
		{ "main.Multi", false, 3 }, { "main.Parse", false, 2 }, { "main.touch", false, 1 },
	};
	const char *path = unit_target("goret");

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		struct go_sites gs;
		struct od od;

		sites_of(path, fns[i].name, &gs);
		objdump_func(path, fns[i].name, &od);
		cr_assert_eq(gs.nret, od.nret, "%s: %u RETs, objdump %u", fns[i].name, gs.nret,
			     od.nret);
		cr_assert_eq(gs.nret, fns[i].nret, "%s", fns[i].name);
		for (unsigned k = 0; k < gs.nret; k++)
			cr_assert_eq(gs.ret[k], od.ret[k], "%s RET %u", fns[i].name, k);
		if (!fns[i].checked) {
			cr_assert_eq(gs.entry, 0, "%s", fns[i].name);
			continue;
		}
		cr_assert_neq(od.after_jbe, 0, "%s", fns[i].name);
		cr_assert_eq(gs.entry, od.after_jbe, "%s: entry +0x%llx, after the jbe +0x%llx",
			     fns[i].name, (unsigned long long)gs.entry,
			     (unsigned long long)od.after_jbe);
		cr_assert(dwarf_prologue_end(path, od.addr + gs.entry),
			  "%s: DWARF has no prologue_end at 0x%llx", fns[i].name,
			  (unsigned long long)(od.addr + gs.entry));
	}
}

/* Stripped, the functions' sizes from .gopclntab (padding included): the same sites. */
Test(gofunc, stripped_same_sites)
{
	static const char *const fns[] = { "main.Deep", "main.Block", "main.Multi", "main.Parse" };

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		struct go_sites a, b;

		sites_of(unit_target("goret"), fns[i], &a);
		sites_of(unit_target("goret-stripped"), fns[i], &b);
		cr_assert_eq(a.entry, b.entry, "%s", fns[i]);
		cr_assert_eq(a.nret, b.nret, "%s", fns[i]);
		for (unsigned k = 0; k < a.nret; k++)
			cr_assert_eq(a.ret[k], b.ret[k], "%s", fns[i]);
	}
}

static int resolve(const char *spec, char *err, size_t errlen)
{
	struct resolve_scope sc = {};
	char s[PATH_MAX + 256];
	struct uspec u;

	snprintf(s, sizeof(s), "%s:%s", unit_target("goret"), spec);
	cr_assert_eq(uspec_parse(s, &u, err, errlen), 0, "%s", err);
	err[0] = '\0';
	return probes__resolve(&u, NULL, &sc, err, errlen);
}

/* Return probes on Go resolve; a function that never returns, or an offset, is refused. */
Test(gofunc, resolve_and_refusals)
{
	char err[1024], want[1024];

	cr_assert_eq(resolve("main.Deep(long n) -> long", err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(resolve("main.Parse -> (long, error) @return", err, sizeof(err)), 1, "%s",
		     err);
	cr_assert_eq(resolve("main.Deep+0x12(long n)@entry", err, sizeof(err)), 1, "%s", err);
	/* A glob skips the functions that cannot return, and keeps the others. */
	cr_assert_eq(resolve("runtime.goexit*", err, sizeof(err)), 2, "%s", err);

	cr_assert_eq(resolve("runtime.goexit.abi0 -> long", err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "Go function runtime.goexit.abi0 in %s has no RET instruction: it never returns "
		 "to its caller (it ends in a jump or a call that does not return); add '@entry'",
		 unit_target("goret"));
	cr_assert_str_eq(err, want);
	cr_assert_eq(resolve("main.Deep+0x12 -> long", err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "a return probe on Go function main.Deep in %s goes on its RET instructions, not "
		 "at an offset; add '@entry'",
		 unit_target("goret"));
	cr_assert_str_eq(err, want);
}
