// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Instruction boundaries (user/resolve/insn.c) and the offsets a function probe may
 * take (probes__resolve), on the test targets the Makefile builds, with
 * objdump as the independent judge of where instructions start.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_file.h"
#include "insn.h"
#include "probes.h"
#include "uspec.h"
#include "unit_targets.h"

/* An instruction as objdump sees it. */
struct od_insn {
	uint64_t off;  /* from the function's start */
	char mnem[32]; /* its mnemonic */
};

/* objdump's instructions of func in path; returns how many, *addr gets func's address. */
static size_t objdump(const char *path, const char *func, struct od_insn *v, size_t max,
		      uint64_t *addr)
{
	char cmd[PATH_MAX + 128], line[512], want[128];
	unsigned long long a, start = 0;
	bool in = false;
	size_t n = 0;
	FILE *f;

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
		/* "    11f9:\tpush   rbp" */
		if (in && sscanf(line, " %llx:\t%31s", &a, mnem) == 2) {
			cr_assert_lt(n, max);
			v[n].off = a - start;
			snprintf(v[n].mnem, sizeof(v[n].mnem), "%s", mnem);
			n++;
		} else if (in && line[0] == '\n') {
			in = false;
		}
	}
	cr_assert_eq(pclose(f), 0, "%s", cmd);
	cr_assert_gt(n, 3, "objdump found no instructions of %s in %s", func, path);
	*addr = start;
	return n;
}

static bool is_boundary(const struct od_insn *v, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].off == off)
			return true;
	return false;
}

/* probes__resolve of "path:spec" (spec after the ':'): the count, or -EINVAL with err. */
static int resolve(const char *path, const char *spec, char *err, size_t errlen)
{
	struct resolve_scope pc = {};
	char s[PATH_MAX + 256];
	struct uspec u;

	snprintf(s, sizeof(s), "%s:%s", path, spec);
	cr_assert_eq(uspec_parse(s, &u, err, errlen), 0, "%s", err);
	err[0] = '\0';
	return probes__resolve(&u, NULL, &pc, err, errlen);
}

static void resolve_ok(const char *path, const char *spec)
{
	char err[1024];
	int n = resolve(path, spec, err, sizeof(err));

	cr_assert_eq(n, 1, "%s: %d %s", spec, n, err);
}

static void resolve_bad(const char *path, const char *spec, const char *want)
{
	char err[1024];
	int n = resolve(path, spec, err, sizeof(err));

	cr_assert_eq(n, -EINVAL, "%s: %d", spec, n);
	cr_assert_str_eq(err, want, "%s", spec);
}

static struct elf_file *open_ok(const char *path)
{
	char err[256];
	struct elf_file *ef = elf_file__open(path, err, sizeof(err));

	cr_assert_not_null(ef, "%s: %s", path, err);
	return ef;
}

/* plain as elf_file finds it: file offset, size, address. */
static struct elf_func plain_of(const char *path)
{
	struct elf_file *ef = open_ok(path);
	struct elf_func f = { .name = "plain" };
	uint64_t avail;

	cr_assert_eq(elf_file__resolve(ef, "plain", &f.off, &f.size), 0);
	cr_assert_eq(elf_file__off_to_addr(ef, f.off, &f.addr, &avail), 0);
	cr_assert_geq(avail, f.size);
	elf_file__close(ef);
	return f;
}

struct walk {
	struct insn v[64];
	size_t n;
};

static int walk_cb(void *ctx, const struct insn *in)
{
	struct walk *w = ctx;

	cr_assert_lt(w->n, 64);
	w->v[w->n++] = *in;
	return 0;
}

/* funcs' plain as objdump lists it (od, n, its address) and as the ELF reader resolves it (f). */
struct plain {
	const char *path;
	struct od_insn od[64];
	size_t n;
	uint64_t addr;
	struct elf_func f;
};

static struct plain plain_load(void)
{
	struct plain p = { .path = unit_target("funcs") };

	p.n = objdump(p.path, "plain", p.od, 64, &p.addr);
	p.f = plain_of(p.path);
	return p;
}

Test(insn, decodes_as_objdump_does)
{
	struct plain p = plain_load();
	struct elf_file *ef = open_ok(p.path);
	struct walk w = {};
	struct insn in;

	cr_assert_eq(p.f.addr, p.addr);
	cr_assert_eq(insn__for_each(ef, &p.f, p.f.size, walk_cb, &w, NULL), 0);
	cr_assert_eq(w.n, p.n, "capstone %zu instructions, objdump %zu", w.n, p.n);
	for (size_t i = 0; i < p.n; i++) {
		char mnem[32];

		sscanf(w.v[i].text, "%31s", mnem);
		cr_assert_eq(w.v[i].off, p.od[i].off, "instruction %zu", i);
		cr_assert_eq(w.v[i].addr, p.addr + p.od[i].off);
		cr_assert_eq(w.v[i].size, (i + 1 < p.n ? p.od[i + 1].off : p.f.size) - p.od[i].off);
		cr_assert_str_eq(mnem, p.od[i].mnem, "instruction %zu", i);
		/* The one return is plain's last instruction: what Go return probes will need. */
		cr_assert_eq(w.v[i].is_ret, !strcmp(p.od[i].mnem, "ret"), "%s", w.v[i].text);
	}
	cr_assert_str_eq(p.od[p.n - 1].mnem, "ret");
	cr_assert_str_eq(w.v[1].text, "mov rbp, rsp");

	/* Each byte maps to the instruction holding it. */
	for (uint64_t off = 0; off < p.f.size; off++) {
		size_t k = 0;

		while (k + 1 < p.n && p.od[k + 1].off <= off)
			k++;
		cr_assert_eq(insn__at(ef, &p.f, off, &in, NULL), 0);
		cr_assert_eq(in.off, p.od[k].off, "byte 0x%llx", (unsigned long long)off);
	}
	cr_assert_eq(insn__at(ef, &p.f, p.f.size, &in, NULL), -ERANGE);
	cr_assert_str_eq(insn__arch_name(EM_X86_64), "x86-64");
	cr_assert_null(insn__arch_name(EM_AARCH64));
	elf_file__close(ef);
}

Test(insn, func_offsets_on_boundaries_only)
{
	struct plain p = plain_load();
	char spec[64], want[1024];
	size_t accepted = 0;

	/* Every byte of plain: accepted exactly where objdump starts an instruction. */
	for (uint64_t off = 0; off < p.f.size; off++) {
		char err[1024];
		int r;

		snprintf(spec, sizeof(spec), "plain+0x%llx@entry", (unsigned long long)off);
		r = resolve(p.path, spec, err, sizeof(err));
		cr_assert_eq(r, is_boundary(p.od, p.n, off) ? 1 : -EINVAL, "%s: %s", spec, err);
		accepted += r == 1;
	}
	cr_assert_eq(accepted, p.n);

	/* Inside the 3-byte mov at plain+0x1: the case. */
	cr_assert_eq(p.od[1].off, 1);
	cr_assert_eq(p.od[2].off, 4);
	snprintf(want, sizeof(want),
		 "offset 0x2 is inside the instruction at plain+0x1 (0x%llx: mov rbp, rsp, 3 "
		 "bytes) in %s: probes go on instruction boundaries",
		 (unsigned long long)p.addr + 1, p.path);
	resolve_bad(p.path, "plain+0x2@entry", want);
	/* A glob is all or nothing: one function refused refuses it. */
	resolve_bad(p.path, "*lai*+0x2@entry", want);

	/* Past the end: the size named. */
	snprintf(spec, sizeof(spec), "plain+0x%llx@entry", (unsigned long long)p.f.size);
	snprintf(want, sizeof(want), "offset 0x%llx is past the end of plain (%llu bytes) in %s",
		 (unsigned long long)p.f.size, (unsigned long long)p.f.size, p.path);
	resolve_bad(p.path, spec, want);
	snprintf(want, sizeof(want), "offset 0x100000 is past the end of plain (%llu bytes) in %s",
		 (unsigned long long)p.f.size, p.path);
	resolve_bad(p.path, "plain+0x100000@entry", want);
}

Test(insn, return_probes_only_at_entry)
{
	const char *path = unit_target("funcs");
	char want[1024];

	resolve_ok(path, "plain");
	resolve_ok(path, "plain+0x0@return");
	/* At +0x4 the top of the stack is the saved rbp: a uretprobe would overwrite it. */
	snprintf(want, sizeof(want),
		 "offset 0x4 is not the entry of plain in %s: a return probe goes on a "
		 "function's entry, where the return address is on top of the stack; add '@entry'",
		 path);
	resolve_bad(path, "plain+0x4", want);
	resolve_bad(path, "plain+0x4@return", want);
	resolve_ok(path, "plain+0x4@entry");
}

Test(insn, bare_offsets_checked_in_their_function)
{
	const char *paths[] = { unit_target("funcs"), unit_target("funcs-stripped") };

	/* funcs finds plain in .symtab, funcs-stripped in .dynsym. */
	for (int i = 0; i < 2; i++) {
		const char *path = paths[i];
		struct elf_func f = plain_of(path), at;
		struct elf_file *ef = open_ok(path);
		char spec[64], want[1024];

		cr_assert_eq(elf_file__stripped(ef), i == 1);
		cr_assert_eq(elf_file__func_at(ef, f.off + 2, &at), 0);
		cr_assert_str_eq(at.name, "plain");
		cr_assert_eq(at.off, f.off);
		cr_assert_eq(at.addr, f.addr);
		cr_assert_eq(at.size, f.size);
		cr_assert_eq(elf_file__func_at(ef, 0x10, &at), -ENOENT);
		elf_file__close(ef);

		snprintf(spec, sizeof(spec), "0x%llx@entry", (unsigned long long)f.off);
		resolve_ok(path, spec);
		snprintf(spec, sizeof(spec), "0x%llx@entry", (unsigned long long)f.off + 4);
		resolve_ok(path, spec);
		snprintf(spec, sizeof(spec), "0x%llx", (unsigned long long)f.off);
		resolve_ok(path, spec);

		snprintf(spec, sizeof(spec), "0x%llx@entry", (unsigned long long)f.off + 2);
		snprintf(want, sizeof(want),
			 "offset 0x%llx is inside the instruction at plain+0x1 (0x%llx: mov rbp, "
			 "rsp, 3 bytes) in %s: probes go on instruction boundaries",
			 (unsigned long long)f.off + 2, (unsigned long long)f.addr + 1, path);
		resolve_bad(path, spec, want);

		snprintf(spec, sizeof(spec), "0x%llx", (unsigned long long)f.off + 4);
		snprintf(want, sizeof(want),
			 "offset 0x%llx is not the entry of plain in %s: a return probe goes on a "
			 "function's entry, where the return address is on top of the stack; add "
			 "'@entry'",
			 (unsigned long long)f.off + 4, path);
		resolve_bad(path, spec, want);

		/* The ELF header: in no function at all. */
		snprintf(
			want, sizeof(want),
			"offset 0x10 is in no function of %s (no function symbol holds it), so its "
			"instruction boundaries cannot be checked",
			path);
		resolve_bad(path, "0x10@entry", want);
	}
}

/* A copy of funcs at path with len bytes at file offset off replaced by bytes. */
static void patched_copy(char *path, uint64_t off, const void *bytes, size_t len)
{
	char *src = NULL;
	size_t size = 0;
	FILE *in = fopen(unit_target("funcs"), "r");
	int fd;

	cr_assert_not_null(in);
	src = malloc(1 << 20);
	size = fread(src, 1, 1 << 20, in);
	fclose(in);
	cr_assert_gt(size, off + len);
	memcpy(src + off, bytes, len);
	strcpy(path, "/tmp/test_insn.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, src, size), (ssize_t)size);
	close(fd);
	free(src);
}

Test(insn, undecodable_code_refused)
{
	struct elf_func f = plain_of(unit_target("funcs"));
	/* 0x06 (push es) does not exist in 64-bit mode. */
	const unsigned char bad = 0x06;
	char path[64], want[1024];

	patched_copy(path, f.off + 1, &bad, 1);
	snprintf(want, sizeof(want),
		 "cannot decode the instruction at plain+0x1 (0x%llx) in %s, so offset 0x4 is not "
		 "known to be an instruction boundary",
		 (unsigned long long)f.addr + 1, path);
	resolve_bad(path, "plain+0x4@entry", want);
	/* Nor does a probe go on the byte itself: it is no known instruction. */
	snprintf(want, sizeof(want),
		 "cannot decode the instruction at plain+0x1 (0x%llx) in %s, so offset 0x1 is not "
		 "known to be an instruction boundary",
		 (unsigned long long)f.addr + 1, path);
	resolve_bad(path, "plain+0x1@entry", want);
	/* The entry needs no decoding. */
	resolve_ok(path, "plain@entry");
	unlink(path);
}

Test(insn, no_decoder_only_offset_zero)
{
	/* e_machine sits at byte 18 of the ELF header; AArch64 has no decoder here. */
	const uint16_t machine = EM_AARCH64;
	char path[64], want[1024];

	patched_copy(path, 18, &machine, sizeof(machine));
	resolve_ok(path, "plain@entry");
	snprintf(want, sizeof(want),
		 "offset 0x4: no instruction decoder for ELF machine %u (%s), so its instruction "
		 "boundaries cannot be checked; only offset 0 is allowed",
		 EM_AARCH64, path);
	resolve_bad(path, "plain+0x4@entry", want);
	unlink(path);
}
