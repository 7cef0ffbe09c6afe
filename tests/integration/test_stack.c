// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -k and the probe-file stack action: the stack target's known call chains
 * (main -> outer -> inner -> write, main -> via_lib -> lib_say in
 * libatstack -> write) as frames after each line, built PIE, non-PIE and
 * stripped; each frame's address checked against the symbol table (nm), the
 * first four against strace 6.1's -k; JSON frames; a function probe's stack;
 * the sys_enter/sys_exit pair (-T) as the exit-only program.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")

/* The frame lines (" > ...") right after the first line holding call, NUL-joined with '\n'. */
static char *frames_after(const char *out, const char *call)
{
	const char *l = strstr(out, call), *p, *e;
	char *r;
	size_t n = 0;

	cr_assert_not_null(l, "no line with %s in:\n%s", call, out);
	p = strchr(l, '\n');
	cr_assert_not_null(p);
	p++;
	for (e = p; !strncmp(e, " > ", 3);) {
		const char *nl = strchr(e, '\n');

		cr_assert_not_null(nl);
		e = nl + 1;
	}
	n = (size_t)(e - p);
	r = malloc(n + 1);
	cr_assert_not_null(r);
	memcpy(r, p, n);
	r[n] = '\0';
	return r;
}

/* Frame line i (0 first) of frames, without its newline (static buffer). */
static const char *frame(const char *frames, unsigned i)
{
	static char buf[1024];
	const char *p = frames, *nl;

	for (; i; i--) {
		p = strchr(p, '\n');
		cr_assert_not_null(p, "too few frames:\n%s", frames);
		p++;
	}
	nl = strchr(p, '\n');
	cr_assert_not_null(nl, "too few frames:\n%s", frames);
	snprintf(buf, sizeof(buf), "%.*s", (int)(nl - p), p);
	return buf;
}

/* st_value of function sym in file, by nm (.dynsym with -D). */
static unsigned long long sym_addr(const char *file, const char *sym, bool dyn)
{
	char *o = sh("nm %s %s | awk '$3 == \"%s\" { print $1 }'", dyn ? "-D" : "", file, sym);
	unsigned long long v = strtoull(o, NULL, 16);

	cr_assert(v, "no %s in %s", sym, file);
	free(o);
	return v;
}

/*
 * Frame line l is " > FILE(SYM+0xOFF) [0xADDR]" with ADDR = SYM's address +
 * OFF: the file and function right, the address the file's.
 */
static void expect_frame(const char *l, const char *file, const char *sym, bool dyn)
{
	char want[512];
	unsigned long long off, addr;
	const char *p;

	snprintf(want, sizeof(want), " > %s(%s+0x", file, sym);
	cr_assert(!strncmp(l, want, strlen(want)), "frame '%s', want '%s...'", l, want);
	p = l + strlen(want);
	cr_assert_eq(sscanf(p, "%llx) [0x%llx]", &off, &addr), 2, "frame '%s'", l);
	cr_assert_eq(addr, sym_addr(file, sym, dyn) + off, "frame '%s': %s at %#llx", l, sym,
		     sym_addr(file, sym, dyn));
}

/* Runs agent-trace ARGS... -- target; asserts exit 0; its stdout. */
static char *run_k(char *const argv[])
{
	char *out, *err;
	int st = run_capture(argv, &out, &err);

	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "exit %d: %s", st, err);
	free(err);
	return out;
}

/* The two writes' chains, by file and function, in order. */
static void expect_chains(const char *out, const char *target, bool dyn)
{
	const char *exe = build_path(target), *lib = build_path("libatstack.so");
	char *f = frames_after(out, "write(1, \"inner\\n\", 6) = 6");

	cr_assert(!strncmp(frame(f, 0), " > /usr/lib/x86_64-linux-gnu/libc.so.6(__write+0x", 48),
		  "%s", f);
	expect_frame(frame(f, 1), exe, "inner", dyn);
	expect_frame(frame(f, 2), exe, "outer", dyn);
	expect_frame(frame(f, 3), exe, "main", dyn);
	free(f);
	f = frames_after(out, "write(1, \"lib\\n\", 4) = 4");
	expect_frame(frame(f, 1), lib, "lib_say", false);
	expect_frame(frame(f, 2), exe, "via_lib", dyn);
	expect_frame(frame(f, 3), exe, "main", dyn);
	free(f);
}

Test(stack, pie_syscall_frames_name_the_chain)
{
	char *out = run_k((char *[]){ AT, "-q", "-k", "-e", "write", "--",
				      (char *)build_path("stack"), NULL });

	expect_chains(out, "stack", false);
	free(out);
}

Test(stack, non_pie_frames_are_absolute)
{
	char *out = run_k((char *[]){ AT, "-q", "-k", "-e", "write", "--",
				      (char *)build_path("stack-nopie"), NULL });
	char *f;

	expect_chains(out, "stack-nopie", false);
	f = frames_after(out, "write(1, \"inner\\n\", 6) = 6");
	cr_assert(strstr(frame(f, 1), "[0x40"), "an ET_EXEC's address is its own: %s", f);
	free(f);
	free(out);
}

Test(stack, stripped_binary_resolves_by_dynsym)
{
	char *out = run_k((char *[]){ AT, "-q", "-k", "-e", "write", "--",
				      (char *)build_path("stack-stripped"), NULL });
	char *nosym = sh("nm %s 2>&1 || true", build_path("stack-stripped"));

	cr_assert(strstr(nosym, "no symbols"), "stripped: %s", nosym);
	free(nosym);
	expect_chains(out, "stack-stripped", true);
	free(out);
}

/* With -T the record is sent by sys_exit after sys_enter: the same frames. */
Test(stack, durations_program_pair_sends_the_same)
{
	char *out = run_k((char *[]){ AT, "-q", "-T", "-k", "-e", "write", "--",
				      (char *)build_path("stack"), NULL });

	expect_chains(out, "stack", false);
	free(out);
}

/*
 * exit_group, seen at the thread's exit without -T, has its stack from libc's
 * _exit. The process is gone when it is symbolized: named from the mappings
 * its earlier stacks had read (the writes'), else raw addresses.
 */
Test(stack, exit_group_at_thread_exit_from_the_cache)
{
	char *out = run_k((char *[]){ AT, "-q", "-k", "-e", "write,exit_group", "--",
				      (char *)build_path("stack"), NULL });
	char *f = frames_after(out, "exit_group(0) = ?");

	cr_assert(!strncmp(frame(f, 0), " > /usr/lib/x86_64-linux-gnu/libc.so.6(_exit+0x", 47),
		  "%s", f);
	free(f);
	free(out);
	out = run_k((char *[]){ AT, "-q", "-k", "-e", "exit_group", "--",
				(char *)build_path("stack"), NULL });
	f = frames_after(out, "exit_group(0) = ?");
	cr_assert(!strncmp(frame(f, 0), " > ? [0x7f", 10), "no mappings were read: %s", f);
	free(f);
	free(out);
}

/* Without -k no line has frames: nothing is taken unless asked. */
Test(stack, no_frames_without_k)
{
	char *out = run_k(
		(char *[]){ AT, "-q", "-e", "write", "--", (char *)build_path("stack"), NULL });

	cr_assert_null(strstr(out, " > "), "%s", out);
	free(out);
}

/* The first four frames of strace 6.1's -k, line for line. */
Test(stack, first_frames_match_strace)
{
	char *out = run_k((char *[]){ AT, "-q", "-k", "-e", "write", "--",
				      (char *)build_path("stack"), NULL });
	char *st = sh("strace -k -e trace=write %s 2>&1 >/dev/null", build_path("stack"));
	char *a = frames_after(out, "write(1, \"inner\\n\", 6) = 6");
	char *b = frames_after(st, "write(1, \"inner\\n\", 6)");

	for (unsigned i = 0; i < 4; i++) {
		char mine[1024];

		snprintf(mine, sizeof(mine), "%s", frame(a, i));
		cr_assert_str_eq(mine, frame(b, i), "frame %u:\n%s\nstrace:\n%s", i, a, b);
	}
	free(a);
	free(b);
	free(st);
	free(out);
}

/* JSON: "stack" as an array of frames, names and files exact, in order. */
Test(stack, json_frames)
{
	char *out = run_k((char *[]){ AT, "-q", "--json", "-k", "-e", "write", "--",
				      (char *)build_path("stack"), NULL });
	const char *l = strstr(out, "\"buf\":\"inner\\n\"");
	char want[2048];
	const char *exe = build_path("stack");

	cr_assert_not_null(l, "%s", out);
	l = strstr(l, ",\"stack\":[{\"ip\":\"0x");
	cr_assert_not_null(l, "%s", out);
	cr_assert_not_null(strstr(l, "\"file\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\","
				     "\"sym\":\"__write\",\"off\":"),
			   "%s", l);
	snprintf(want, sizeof(want), "\"file\":\"%s\",\"sym\":\"inner\",\"off\":36", exe);
	cr_assert_not_null(strstr(l, want), "%s in %s", want, l);
	cr_assert(strstr(l, want) < strstr(l, "\"sym\":\"outer\""), "%s", l);
	cr_assert(strstr(l, "\"sym\":\"outer\"") < strstr(l, "\"sym\":\"main\""), "%s", l);
	free(out);
}

/*
 * The probe file's stack action on a function and a syscall probe; at the
 * function's entry (when: entry) its first frame is the function itself.
 */
Test(stack, probe_file_stack_action)
{
	char yaml[64], outp[64], errp[64];
	char *out, *err, *f;
	const char *exe = build_path("stack");
	int st;

	tmp_names("stack-action", yaml, outp, errp);
	write_text(yaml, "probes:\n"
			 "  - name: inner-in\n"
			 "    kind: function\n"
			 "    attach: ':inner(int n)'\n"
			 "    when: entry\n"
			 "    action: [event, stack]\n"
			 "  - name: inner\n"
			 "    kind: function\n"
			 "    attach: ':inner(int n)'\n"
			 "    action: [event, stack]\n"
			 "  - name: writes\n"
			 "    kind: syscall\n"
			 "    attach: write\n"
			 "    action: [event, stack]\n"
			 "  - name: plain\n"
			 "    kind: syscall\n"
			 "    attach: clock_nanosleep\n");
	st = run_capture((char *[]){ AT, "-q", "-C", yaml, "--", (char *)exe, NULL }, &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "exit %d: %s", st, err);
	f = frames_after(out, "[inner-in] stack:inner(n=1)");
	expect_frame(frame(f, 0), exe, "inner", false);
	cr_assert(strstr(frame(f, 0), "(inner+0x0)"), "%s", f);
	expect_frame(frame(f, 1), exe, "outer", false);
	expect_frame(frame(f, 2), exe, "main", false);
	free(f);
	/* At the return the function's frame is gone: its caller first. */
	f = frames_after(out, "[inner] stack:inner(n=1) = 0x7");
	expect_frame(frame(f, 0), exe, "outer", false);
	expect_frame(frame(f, 1), exe, "main", false);
	free(f);
	f = frames_after(out, "[writes] write(1, \"inner\\n\", 6) = 6");
	expect_frame(frame(f, 1), exe, "inner", false);
	free(f);
	/* A probe without the action has none. */
	f = frames_after(out, "[plain] clock_nanosleep(");
	cr_assert_str_eq(f, "", "%s", out);
	free(f);
	free(out);
	free(err);
}

/* -k with -u: each function line has its stack too. */
Test(stack, k_with_function_probe)
{
	const char *exe = build_path("stack");
	char *out = run_k(
		(char *[]){ AT, "-q", "-k", "-u", ":outer(int n)@entry", "--", (char *)exe, NULL });
	char *f = frames_after(out, "stack:outer(n=0)");

	expect_frame(frame(f, 0), exe, "outer", false);
	expect_frame(frame(f, 1), exe, "main", false);
	free(f);
	free(out);
}

/* A stripped Go binary: its frames named from .gopclntab (Go keeps frame pointers). */
Test(stack, stripped_go_names_from_gopclntab)
{
	const char *exe = build_path("gofuncs-stripped");
	char *out = run_k(
		(char *[]){ AT, "-q", "-k", "-u", ":main.add", "--", (char *)exe, "3000", NULL });
	char *f = frames_after(out, "gofuncs-stripped:main.add() = ");
	char want[512];

	snprintf(want, sizeof(want), " > %s(main.add+0x", exe);
	cr_assert(!strncmp(frame(f, 0), want, strlen(want)), "%s", f);
	snprintf(want, sizeof(want), " > %s(runtime.main+0x", exe);
	cr_assert(strstr(f, want), "%s", f);
	free(f);
	free(out);
}

Test(stack, k_and_c_refused)
{
	expect_error((char *[]){ AT, "-k", "-c", "--", "true", NULL }, 2,
		     "agent-trace: -k and -c contradict each other (-c writes no lines); keep "
		     "one\n");
}

Test(stack, stack_action_needs_event)
{
	char yaml[64], outp[64], errp[64];
	char msg[256];

	tmp_names("stack-noevent", yaml, outp, errp);
	write_text(yaml, "probes:\n"
			 "  - name: w\n"
			 "    kind: syscall\n"
			 "    attach: write\n"
			 "    action: [count, stack]\n");
	snprintf(msg, sizeof(msg),
		 "agent-trace: %s:5:13: probes[0] 'w': action: stack applies to events; add "
		 "'event' to action\n",
		 yaml);
	expect_error((char *[]){ AT, "--check", yaml, NULL }, 2, msg);
}
