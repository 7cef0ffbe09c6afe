// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Stripped Go binaries (go build -ldflags='-s -w', no .symtab): -l and -u
 * and probe files through the functions of .gopclntab, the same calls and
 * arguments as on the unstripped build, as a plain executable and as a PIE;
 * and a corrupt table refused with its reason.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define MAXR 1024

/* argv traced with one SPEC (and exit_group, for its end), nothing lost: the SPEC's calls in r. */
static size_t trace_spec(char **argv, const char *spec, struct trace *t,
			 const struct at_call_rec **r)
{
	trace_cmd(argv, &(struct trace_opts){ .select = "exit_group", .uprobes = { spec } }, t);
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "target status %d",
		  t->status);
	cr_assert_eq(t->lost.rb_lost, 0);
	cr_assert_eq(t->lost.state_lost, 0);
	return trace_calls(t, 0, r, MAXR);
}

/* main.add's 300 calls in target name: each one's arguments, in order (Go's RAX, RBX). */
static void add_calls(const char *name)
{
	char *argv[] = { (char *)build_path(name), "300", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;
	long sum = 0;

	cr_assert_eq(trace_spec(argv, ":main.add(long a, long b)@entry", &t, r), 300, "%s", name);
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(r[i]->hdr.pid, (unsigned)t.pid);
		cr_assert(r[i]->flags & AT_CALL_ENTRY_ONLY);
		cr_assert_eq((long)r[i]->args[0], sum, "%s: a of call %d", name, i);
		cr_assert_eq((long)r[i]->args[1], i, "%s: b of call %d", name, i);
		sum += i;
	}
	cr_assert_eq(t.pstats[0].count, 300);
	trace_free(&t);
}

Test(gostrip, entry_probe_counts_and_arguments_as_unstripped)
{
	add_calls("gofuncs");
	add_calls("gofuncs-stripped");
	add_calls("gofuncs-pie-stripped");
}

/* A probe file's function probe, with a filter, on the stripped build: the same counts. */
Test(gostrip, probe_file_with_filter)
{
	char *argv[] = { (char *)build_path("gofuncs-stripped"), "100", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace_opts o = {
		.no_syscalls = true,
		.probe_file = "probes:\n"
			      "  - name: adds\n"
			      "    kind: function\n"
			      "    attach: ':main.add(long a, long b)@entry'\n"
			      "    filter: b >= 40 and b < 50\n",
	};
	struct trace t;

	trace_cmd(argv, &o, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	cr_assert_eq(t.pcounts[0].hits, 100);
	cr_assert_eq(t.pcounts[0].matched, 10);
	cr_assert_eq(t.pcounts[0].filtered, 90);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 10);
	for (int k = 0; k < 10; k++) {
		long b = 40 + k;

		cr_assert_eq((long)r[k]->args[1], b);
		cr_assert_eq((long)r[k]->args[0], b * (b - 1) / 2, "a of call %ld", b);
	}
	trace_free(&t);
}

/* -l TARGET:GLOB's output, exit 0 and nothing on stderr. */
static char *list(const char *target, const char *glob)
{
	char pat[PATH_MAX + 64], *out, *err;
	int st;

	snprintf(pat, sizeof(pat), "%s:%s", build_path(target), glob);
	st = run_capture((char *[]){ AT, "-l", pat, NULL }, &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_str_eq(err, "");
	free(err);
	return out;
}

Test(gostrip, list_main_functions)
{
	const char *names[] = { "gofuncs-stripped", "gofuncs-pie-stripped" };

	for (int i = 0; i < 2; i++) {
		static const char *const mains[] = { "(*point).move",
						     "(*request).route",
						     "(*request).serve",
						     "add",
						     "check",
						     "greet",
						     "init.0",
						     "kind",
						     "main",
						     "sum",
						     "types" };
		char want[16 * PATH_MAX], *out = list(names[i], "main.*"), *hit;
		size_t n = 0;

		/* gofuncs.go's functions, in name order. */
		for (size_t k = 0; k < sizeof(mains) / sizeof(mains[0]); k++)
			n += (size_t)snprintf(want + n, sizeof(want) - n, "uprobe:%s:main.%s\n",
					      build_path(names[i]), mains[k]);
		cr_assert_str_eq(out, want);
		free(out);
		/* The runtime too: the whole table, each name once. */
		out = list(names[i], "*");
		cr_assert_gt(count_lines(out, "uprobe:"), 1000, "%s", names[i]);
		hit = strstr(out, ":runtime.mallocgc\n");
		cr_assert(hit && !strstr(hit + 1, ":runtime.mallocgc\n"), "%s", names[i]);
		free(out);
	}
}

Test(gostrip, cli_probe_on_stripped_binary)
{
	const char *path = build_path("gofuncs-stripped");
	char spec[PATH_MAX + 64], *out, *err;
	int st;

	snprintf(spec, sizeof(spec), "%s:main.add(long a, long b)@entry", path);
	st = run_capture((char *[]){ AT, "-q", "-u", spec, "--", (char *)path, "4", NULL }, &out,
			 &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_eq(count_lines(out, ":main.add("), 4, "%s", out);
	cr_assert_eq(count_lines(out, ":main.add(a=0, b=0)"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ":main.add(a=0, b=1)"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ":main.add(a=1, b=2)"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ":main.add(a=3, b=3)"), 1, "%s", out);
	free(out);
	free(err);
}

Test(gostrip, missing_function_and_corrupt_table)
{
	const char *path = build_path("gofuncs-stripped");
	char msg[3 * PATH_MAX], copy[64], cmd[2 * PATH_MAX], pat[128];
	unsigned long long off;
	FILE *f;

	snprintf(msg, sizeof(msg),
		 "agent-trace: probe ':main.nosuch': no such function 'main.nosuch' in %s "
		 "(stripped Go binary: .dynsym and .gopclntab were searched)\n",
		 path);
	expect_error((char *[]){ AT, "-u", ":main.nosuch@entry", "--", (char *)path, NULL }, 2,
		     msg);

	/* The table's magic overwritten: its reason, for -l and for -u. */
	tmp_name(copy, sizeof(copy), "gostrip", "bin");
	snprintf(
		cmd, sizeof(cmd),
		"readelf -SW %s | sed -n 's/.* \\.gopclntab *PROGBITS *[0-9a-f]* \\([0-9a-f]*\\) .*/\\1/p'",
		path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%llx", &off), 1);
	pclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cp %s %s && printf 'NOGO' | dd of=%s bs=1 seek=%llu conv=notrunc status=none",
		 path, copy, copy, off);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(pat, sizeof(pat), "%s:main.*", copy);
	snprintf(msg, sizeof(msg),
		 "agent-trace: -l '%s': %s: .gopclntab: bad magic 0x4f474f4e: not a Go 1.16+ "
		 "pclntab\n",
		 pat, copy);
	expect_error((char *[]){ AT, "-l", pat, NULL }, 2, msg);
	snprintf(msg, sizeof(msg),
		 "agent-trace: probe ':main.add': no such function 'main.add' in %s (stripped Go "
		 "binary: .gopclntab: bad magic 0x4f474f4e: not a Go 1.16+ pclntab)\n",
		 copy);
	expect_error((char *[]){ AT, "-u", ":main.add@entry", "--", copy, NULL }, 2, msg);
	unlink(copy);
}
