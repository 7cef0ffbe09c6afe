// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Many names resolved in one file at once (funcs_resolve_names, the
 * follower's resolve of a new file): each as funcs_resolve resolves it alone,
 * the missing ones named, duplicates, refusals, USDT sites; on the test
 * targets the Makefile builds.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elf_file.h"
#include "funcs.h"
#include "uspec.h"
#include "unit_targets.h"

/* SPEC "path:func" parsed. */
static struct uspec spec(const char *path, const char *func)
{
	char s[PATH_MAX + 256], err[512];
	struct uspec u;

	snprintf(s, sizeof(s), "%s:%s", path, func);
	cr_assert_eq(uspec_parse(s, &u, err, sizeof(err)), 0, "%s", err);
	return u;
}

/* funcs_resolve of path:func alone: the one offset (the oracle for the resolve of many). */
static uint64_t one(const char *path, const char *func)
{
	struct uspec u = spec(path, func);
	struct resolve_scope sc = {};
	char rpath[PATH_MAX], err[512];
	struct funcs fs = {};
	uint64_t off;
	bool go;

	cr_assert_eq(funcs_resolve(&u, NULL, &sc, rpath, &go, &fs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fs.n, 1);
	off = fs.v[0].off;
	funcs_free(&fs);
	return off;
}

static int many(const char *path, const char *func, const char *provider, struct func_want *w,
		size_t n, char *err, size_t errlen)
{
	struct uspec u = spec(path, func);
	struct resolve_scope sc = {};
	char rpath[PATH_MAX];
	bool go;

	err[0] = '\0';
	return funcs_resolve_names(&u, provider, &sc, rpath, &go, w, n, err, errlen);
}

Test(funcs, names_found_each_as_alone)
{
	const char *path = unit_target("many");
	struct func_want w[200];
	char names[200][16], err[512];

	for (int i = 0; i < 200; i++) {
		snprintf(names[i], sizeof(names[i]), "fn_%03d", i * 5);
		w[i].name = names[i];
	}
	cr_assert_eq(many(path, "fn_000", NULL, w, 200, err, sizeof(err)), 200, "%s", err);
	cr_assert_str_empty(err);
	for (int i = 0; i < 200; i++) {
		cr_assert_eq(w[i].err, 0, "%s", names[i]);
		cr_assert_eq(w[i].off, one(path, names[i]), "%s", names[i]);
	}
}

Test(funcs, missing_names_reported_by_name)
{
	const char *path = unit_target("many");
	struct func_want w[] = { { .name = "fn_001" },
				 { .name = "nope_a" },
				 { .name = "fn_002" },
				 { .name = "nope_b" } };
	char err[512], want[PATH_MAX + 64];

	cr_assert_eq(many(path, "fn_000", NULL, w, 4, err, sizeof(err)), 2);
	cr_assert_eq(w[0].err, 0);
	cr_assert_eq(w[1].err, -ENOENT);
	cr_assert_eq(w[2].err, 0);
	cr_assert_eq(w[3].err, -ENOENT);
	cr_assert_eq(w[0].off, one(path, "fn_001"));
	cr_assert_eq(w[2].off, one(path, "fn_002"));
	snprintf(want, sizeof(want), "no such function 'nope_a', 'nope_b' in %s", path);
	cr_assert_str_eq(err, want);
}

Test(funcs, missing_names_cut_to_the_buffer)
{
	const char *path = unit_target("many");
	char names[64][16], err[256], want[PATH_MAX + 64];
	struct func_want w[64];

	for (int i = 0; i < 64; i++) {
		snprintf(names[i], sizeof(names[i]), "nope_%02d", i);
		w[i].name = names[i];
	}
	cr_assert_eq(many(path, "fn_000", NULL, w, 64, err, sizeof(err)), 0);
	/* As many names as leave room for the file's, then "...". */
	cr_assert(!strncmp(err, "no such function 'nope_00', 'nope_01', ", 39), "%s", err);
	snprintf(want, sizeof(want), "', ... in %s", path);
	cr_assert(strstr(err, want), "%s", err);
	cr_assert_lt(strlen(err), sizeof(err) - 1);
}

Test(funcs, duplicate_names_each_resolved)
{
	const char *path = unit_target("many");
	struct func_want w[] = { { .name = "fn_005" }, { .name = "fn_006" }, { .name = "fn_005" } };
	char err[512];

	cr_assert_eq(many(path, "fn_000", NULL, w, 3, err, sizeof(err)), 3, "%s", err);
	cr_assert_eq(w[0].off, w[2].off);
	cr_assert_eq(w[0].off, one(path, "fn_005"));
	cr_assert_neq(w[0].off, w[1].off);
}

Test(funcs, spec_offset_applies_to_each_name)
{
	const char *path = unit_target("many");
	struct func_want w[] = { { .name = "fn_010" }, { .name = "fn_011" } };
	char err[512];

	/* Each fn_ starts with push %rbp, one byte: +0x1 is the next instruction. */
	cr_assert_eq(many(path, "fn_000+0x1@entry", NULL, w, 2, err, sizeof(err)), 2, "%s", err);
	cr_assert_eq(w[0].off, one(path, "fn_010") + 1);
	cr_assert_eq(w[1].off, one(path, "fn_011") + 1);
}

Test(funcs, refused_names_give_their_reason)
{
	const char *path = unit_target("many");
	struct func_want w[] = { { .name = "fn_010" }, { .name = "nope" } };
	char err[512];

	/* Past the end of every fn_: refused (-EINVAL), the missing one still named. */
	cr_assert_eq(many(path, "fn_000+0x4000@entry", NULL, w, 2, err, sizeof(err)), 0);
	cr_assert_eq(w[0].err, -EINVAL);
	cr_assert_eq(w[1].err, -ENOENT);
	cr_assert(strstr(err, "no such function 'nope' in "), "%s", err);
	cr_assert(strstr(err, "; offset 0x4000 is past the end of fn_010"), "%s", err);
}

Test(funcs, raw_offset_as_an_empty_name)
{
	const char *path = unit_target("many");
	uint64_t off = one(path, "fn_042");
	struct func_want w[] = { { .name = "" } };
	char func[32], err[512];

	snprintf(func, sizeof(func), "0x%llx", (unsigned long long)off);
	cr_assert_eq(many(path, func, NULL, w, 1, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(w[0].off, off);
}

Test(funcs, usdt_sites_in_one_walk)
{
	const char *path = unit_target("funcs");
	struct func_want w[] = { { .name = "tick" }, { .name = "nope" }, { .name = "tick" } };
	struct uspec u = spec(path, "tick");
	struct resolve_scope sc = {};
	char rpath[PATH_MAX], err[512], want[PATH_MAX + 64];
	struct funcs fs = {};
	bool go;

	cr_assert_eq(funcs_resolve(&u, "atfuncs", &sc, rpath, &go, &fs, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(many(path, "tick", "atfuncs", w, 3, err, sizeof(err)), 2);
	cr_assert_eq(w[0].off, fs.v[0].off);
	cr_assert_eq(w[2].off, fs.v[0].off);
	cr_assert_eq(w[1].err, -ENOENT);
	snprintf(want, sizeof(want), "no USDT probe atfuncs:nope in %s", path);
	cr_assert_str_eq(err, want);
	funcs_free(&fs);
}

/* A Go return probe by name: on the function's RETs; one that never returns is refused. */
Test(funcs, go_return_probes_on_the_rets_of_every_name)
{
	const char *path = unit_target("gofuncs");
	struct func_want w[] = { { .name = "main.add" }, { .name = "runtime.goexit.abi0" } };
	char err[512];

	cr_assert_eq(many(path, "main.add", NULL, w, 2, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(w[0].err, 0);
	cr_assert_geq(w[0].nret, 1);
	for (unsigned i = 0; i < w[0].nret; i++)
		cr_assert_gt(w[0].ret[i], w[0].off, "a RET after the entry");
	cr_assert_eq(w[1].err, -EINVAL);
	cr_assert(strstr(err, "runtime.goexit.abi0 in "), "%s", err);
	cr_assert(strstr(err, "has no RET instruction"), "%s", err);
	/* Entry only: both take it, no RETs. */
	cr_assert_eq(many(path, "main.add@entry", NULL, w, 2, err, sizeof(err)), 2, "%s", err);
	cr_assert_eq(w[0].nret, 0);
	cr_assert_eq(w[1].nret, 0);
}

Test(funcs, no_such_file)
{
	struct func_want w[] = { { .name = "x" } };
	char err[512];

	cr_assert_eq(many("/nonexistent/at-fol", "x", NULL, w, 1, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "/nonexistent/at-fol"), "%s", err);
}
