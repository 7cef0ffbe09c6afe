// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Go argument types on a real Go binary (targets/gofuncs types): a string in
 * two registers read to exactly its length, a []byte in three with its length
 * and capacity, an interface's two words, a pointer receiver, the integer after
 * each in the register the ABI shifts it to, filters on a Go string in the
 * kernel, and the refusals.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MAXR 64
#define AT (char *)build_path("agent-trace")

/* A call record word: args, then Go's more (word 8 is the last). */
static uint64_t word(const struct at_call_rec *r, unsigned k)
{
	return k < AT_MAX_ARGS ? r->args[k] : r->more[k - AT_MAX_ARGS];
}

/* Slot 0 holds exactly want (its length, its bytes), with flags as given. */
static void assert_slot(const struct at_call_rec *r, const char *want, uint16_t flags)
{
	size_t n = strlen(want);

	cr_assert_eq(r->slot_arg[0], 0, "slot 0 holds the first argument");
	cr_assert_eq(r->slot_len[0], n, "%u bytes read, want %zu (\"%s\")", r->slot_len[0], n,
		     want);
	cr_assert_eq(memcmp(r->slot[0], want, n), 0, "bytes \"%.*s\", want \"%s\"", (int)n,
		     r->slot[0], want);
	cr_assert_eq(r->slot_flags[0] & (AT_SF_TRUNC | AT_SF_FAULT), flags, "flags %#x",
		     r->slot_flags[0]);
}

/* gofuncs types FILE traced with o, nothing lost; FILE's three words (type, data, pt) in w. */
static void trace_types(struct trace_opts o, struct trace *t, unsigned long long w[3])
{
	char file[64];
	char *argv[] = { (char *)build_path("gofuncs"), "types", file, NULL };
	FILE *f;

	tmp_name(file, sizeof(file), "goargs", "words");
	o.select = "exit_group";
	trace_cmd(argv, &o, t);
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "target status %d",
		  t->status);
	cr_assert_eq(t->lost.rb_lost, 0);
	f = fopen(file, "r");
	cr_assert_not_null(f, "%s", file);
	cr_assert_eq(fscanf(f, "%llx %llx %llx", &w[0], &w[1], &w[2]), 3);
	fclose(f);
	unlink(file);
}

Test(goargs, strings_slices_interfaces_in_their_registers)
{
	const struct at_call_rec *r[MAXR];
	unsigned long long w[3];
	struct trace t;

	trace_types((struct trace_opts){ .uprobes = {
						 ":main.greet(gostr s, long n)@entry",
						 ":main.sum([]byte b, long n)@entry",
						 ":main.kind(goiface v, long n)@entry",
						 ":main.(*point).move(ptr p, gostr s, long n)@entry",
					 } },
		    &t, w);

	/* s (RAX, RBX), n (RCX): the string's length in word 8. */
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 12);
	for (int i = 0; i < 10; i++) {
		/* Substrings of a longer string: a read past the length would show its rest. */
		assert_slot(r[i], i < 6 ? "hello" : "world", 0);
		cr_assert_eq((long)r[i]->args[1], i < 6 ? i : 100 + i - 6, "n of call %d", i);
		cr_assert_eq(word(r[i], 8), 5, "length of call %d", i);
	}
	assert_slot(r[10], "", 0);
	cr_assert_eq(r[10]->args[1], 42);
	cr_assert_eq(word(r[10], 8), 0);
	/* 100 bytes, cut at the capture limit (64) and flagged so. */
	cr_assert_eq(r[11]->slot_len[0], 64);
	cr_assert(r[11]->slot_flags[0] & AT_SF_TRUNC);
	for (int k = 0; k < 64; k++)
		cr_assert_eq(r[11]->slot[0][k], 'x');
	cr_assert_eq(r[11]->args[1], 7);
	cr_assert_eq(word(r[11], 8), 100);

	/* b (RAX, RBX, RCX), n (RDI): length in word 7, capacity in word 8. */
	cr_assert_eq(trace_calls(&t, 1, r, MAXR), 3);
	for (int i = 0; i < 2; i++) {
		assert_slot(r[i], "2345", 0);
		cr_assert_eq(r[i]->args[1], (uint64_t)i + 1);
		cr_assert_eq(word(r[i], 7), 4, "len");
		cr_assert_eq(word(r[i], 8), 14, "cap: digits[2:6] of 16");
	}
	cr_assert_eq(r[2]->args[0], 0, "a nil slice");
	cr_assert_eq(r[2]->slot_len[0], 0);
	cr_assert_eq(word(r[2], 7), 0);
	cr_assert_eq(word(r[2], 8), 0);
	cr_assert_eq(r[2]->args[1], 3);

	/* v (RAX type, RBX data), n (RCX): the data word in word 8. */
	cr_assert_eq(trace_calls(&t, 2, r, MAXR), 2);
	cr_assert_eq(r[0]->args[0], 0, "nil interface: no type");
	cr_assert_eq(word(r[0], 8), 0);
	cr_assert_eq(r[0]->args[1], 5);
	cr_assert_eq(r[1]->args[0], w[0], "type word %#llx, want %#llx",
		     (unsigned long long)r[1]->args[0], w[0]);
	cr_assert_eq(word(r[1], 8), w[1], "data word");
	cr_assert_eq(w[1], w[2], "a pointer's interface holds the pointer");
	cr_assert_eq(r[1]->args[1], 6);

	/* The receiver first (RAX), then s (RBX, RCX), then n (RDI). */
	cr_assert_eq(trace_calls(&t, 3, r, MAXR), 1);
	cr_assert_eq(r[0]->args[0], w[2], "receiver");
	cr_assert_eq(r[0]->slot_arg[0], 1);
	cr_assert_eq(r[0]->slot_len[0], 5);
	cr_assert_eq(memcmp(r[0]->slot[0], "hello", 5), 0);
	cr_assert_eq(r[0]->args[2], 10);
	trace_free(&t);
}

/* A -s of 4: the capture size bounds a Go string like any other. */
Test(goargs, capture_size_bounds_go_strings)
{
	const struct at_call_rec *r[MAXR];
	unsigned long long w[3];
	struct trace t;

	trace_types((struct trace_opts){ .str_max = 4,
					 .uprobes = { ":main.greet(gostr s, long n)@entry" } },
		    &t, w);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 12);
	assert_slot(r[0], "hell", AT_SF_TRUNC);
	assert_slot(r[10], "", 0);
	trace_free(&t);
}

Test(goargs, filters_on_go_strings_in_the_kernel)
{
	const struct at_call_rec *r[MAXR];
	unsigned long long w[3];
	struct trace t;

	trace_types(
		(struct trace_opts){
			.no_syscalls = true,
			.probe_file = "probes:\n"
				      "  - name: hello\n"
				      "    kind: function\n"
				      "    attach: ':main.greet(gostr s, long n)@entry'\n"
				      "    filter: s == \"hello\"\n"
				      "  - name: world\n"
				      "    kind: function\n"
				      "    attach: ':main.greet(gostr s, long n)@entry'\n"
				      "    filter: s startswith \"wor\"\n"
				      "  - name: late-world\n"
				      "    kind: function\n"
				      "    attach: ':main.greet(gostr s, long n)@entry'\n"
				      "    filter: s startswith \"wor\" and n >= 102\n"
				      "  - name: not-hello\n"
				      "    kind: function\n"
				      "    attach: ':main.greet(gostr s, long n)@entry'\n"
				      "    filter: s != \"hello\" and n < 100\n"
				      "  - name: nil-iface\n"
				      "    kind: function\n"
				      "    attach: ':main.kind(goiface v, long n)@entry'\n"
				      "    filter: v == 0\n"
				      "  - name: iface-of-something\n"
				      "    kind: function\n"
				      "    attach: ':main.kind(goiface v, long n)@entry'\n"
				      "    filter: v != 0 and n == 6\n",
		},
		&t, w);
	/* An over-read "hello" would be "hello, world: ..." and equal nothing. */
	cr_assert_eq(t.pcounts[0].hits, 12);
	cr_assert_eq(t.pcounts[0].matched, 6);
	cr_assert_eq(t.pcounts[0].filtered, 6);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 6);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(r[i]->args[1], (uint64_t)i);
	cr_assert_eq(t.pcounts[1].matched, 4);
	cr_assert_eq(t.pcounts[1].filtered, 8);
	cr_assert_eq(t.pcounts[2].matched, 2);
	cr_assert_eq(trace_calls(&t, 2, r, MAXR), 2);
	cr_assert_eq(r[0]->args[1], 102);
	cr_assert_eq(r[1]->args[1], 103);
	/* "" with n 42 and the 100 x's with n 7. */
	cr_assert_eq(t.pcounts[3].matched, 2);
	/* An interface compares by its type word: 0 is nil. */
	cr_assert_eq(t.pcounts[4].hits, 2);
	cr_assert_eq(t.pcounts[4].matched, 1);
	cr_assert_eq(trace_calls(&t, 4, r, MAXR), 1);
	cr_assert_eq(r[0]->args[1], 5);
	cr_assert_eq(t.pcounts[5].matched, 1);
	cr_assert_eq(trace_calls(&t, 5, r, MAXR), 1);
	cr_assert_eq(r[0]->args[0], w[0]);
	trace_free(&t);
}

/* The command's text and JSON, and its refusals. */
Test(goargs, cli_output_and_refusals)
{
	char file[64], *out, *err;
	int st;

	tmp_name(file, sizeof(file), "goargs-cli", "words");
	st = run_capture((char *[]){ AT, "-q", "--json", "-u", ":main.sum([]byte b, long n)@entry",
				     "-u", ":main.kind(goiface v, long n)@entry", "-u",
				     ":main.greet(gostr s, long n)@entry", "--",
				     (char *)build_path("gofuncs"), "types", file, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_not_null(strstr(out, "\"args\":{\"b\":{\"bytes\":\"2345\",\"len\":4,\"cap\":14},"
				       "\"n\":1}"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "\"args\":{\"b\":{\"bytes\":null,\"len\":0,\"cap\":0},"
				       "\"n\":3}"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "\"args\":{\"v\":{\"type\":null,\"data\":null},\"n\":5}"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "\"args\":{\"s\":\"hello\",\"n\":5}"), "%s", out);
	cr_assert_not_null(strstr(out, "\"args\":{\"s\":\"\",\"n\":42}"), "%s", out);
	free(out);
	free(err);

	st = run_capture((char *[]){ AT, "-q", "-u", ":main.sum([]byte b, long n)@entry", "-u",
				     ":main.greet(gostr s, long n)@entry", "--",
				     (char *)build_path("gofuncs"), "types", file, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_not_null(strstr(out, "gofuncs:main.sum(b=\"2345\"(len=4 cap=14), n=2)\n"), "%s",
			   out);
	cr_assert_not_null(strstr(out, "gofuncs:main.greet(s=\"world\", n=103)\n"), "%s", out);
	cr_assert_not_null(strstr(out, "gofuncs:main.greet(s=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"..., n=7)\n"),
			   "%s", out);
	free(out);
	free(err);
	unlink(file);

	/* A Go type on a C binary: refused, naming the argument. */
	st = run_capture((char *[]){ AT, "-u", ":plain(int a, gostr s)@entry", "--",
				     (char *)build_path("funcs"), NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
	cr_assert_not_null(strstr(err, "agent-trace: probe ':plain': argument 's' is gostr, a Go "
				       "type, and "),
			   "%s", err);
	cr_assert_not_null(strstr(err, "/funcs is not a Go binary\n"), "%s", err);
	free(out);
	free(err);

	/* The same in a probe file checked against a process (symbols resolved). */
	{
		char yaml[64], spec[PATH_MAX + 64], pid[16];
		pid_t sleeper = fork();

		cr_assert_geq(sleeper, 0);
		if (!sleeper) {
			execlp("sleep", "sleep", "60", (char *)NULL);
			_exit(127);
		}
		snprintf(pid, sizeof(pid), "%d", sleeper);
		tmp_name(yaml, sizeof(yaml), "goargs-check", "yaml");
		snprintf(spec, sizeof(spec), "%s:plain(int a, gostr s)@entry", build_path("funcs"));
		write_text(yaml, "probes:\n  - {name: g, kind: function, attach: '%s'}\n", spec);
		st = run_capture((char *[]){ AT, "--check", yaml, "-p", pid, NULL }, &out, &err);
		kill(sleeper, SIGKILL);
		waitpid(sleeper, NULL, 0);
		unlink(yaml);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d: %s", st, out);
		cr_assert_not_null(strstr(err,
					  ": probe 'g': argument 's' is gostr, a Go type, and "),
				   "%s", err);
		free(out);
		free(err);
	}

	/* More than Go's 9 integer argument registers. */
	st = run_capture((char *[]){ AT, "-u", ":main.sum(gobytes a, gobytes b, gobytes c, int n)",
				     "--", (char *)build_path("gofuncs"), NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
	cr_assert_str_eq(err,
			 "agent-trace: -u ':main.sum(gobytes a, gobytes b, gobytes c, int n)': "
			 "argument 'n' needs Go register 10, there are 9 at column 48\n");
	free(out);
	free(err);
}
