// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Function and USDT probes through the agent-trace command: output, USDT in C
 * and in Python, libraries by short name with -p, dlopen after attach,
 * stripped binaries, -l, and the bad inputs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define FUNCS (char *)build_path("funcs")

static char *run_ok(char *const argv[])
{
	char *out, *err;
	int st = run_capture(argv, &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_str_eq(err, "");
	free(err);
	return out;
}

Test(probe_cli, text_line_and_histogram)
{
	char *out = run_ok(
		(char *[]){ AT, "-u", ":plain(int x) -> int", "--", FUNCS, "plain", "3", NULL });

	cr_assert_eq(count_lines(out, " funcs:plain(x=0) = 0 <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, " funcs:plain(x=2) = 4 <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, " funcs:plain(x=-5) = -1 [failing] <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "funcs:plain                              4        1"), 1,
		     "%s", out);
	cr_assert_eq(count_lines(out, "@funcs:plain latency (ns):"), 1, "%s", out);
	cr_assert_geq(count_lines(out, "|@"), 1, "histogram bars: %s", out);
	cr_assert_eq(count_lines(out, "syscall "), 0, "no syscall table without -e: %s", out);
	free(out);
}

Test(probe_cli, usdt_in_c_program)
{
	char spec[512], *out;

	snprintf(spec, sizeof(spec), "%s:atfuncs:tick(int i, str label)", FUNCS);
	out = run_ok((char *[]){ AT, "--json", "--usdt", spec, "--", FUNCS, "usdt", "4", NULL });
	for (int i = 0; i < 4; i++) {
		char want[128];

		snprintf(want, sizeof(want),
			 "\"args\":{\"i\":%d,\"label\":\"tick-%d\"},\"ret\":null", i, i);
		cr_assert_eq(count_lines(out, want), 1, "%s", out);
	}
	snprintf(spec, sizeof(spec), "\"probe\":\"%s:atfuncs:tick\",\"probe_id\":0,", FUNCS);
	cr_assert_eq(count_lines(out, spec), 5, "4 hits and the summary: %s", out);
	cr_assert_eq(count_lines(out, "\"probe_id\":0,\"calls\":4,\"failing\":0"), 1, "%s", out);
	free(out);
}

Test(probe_cli, python_function_calls_through_usdt)
{
	char script[64], *out;
	FILE *f;

	if (access("/usr/bin/python3.11", X_OK))
		cr_skip_test("/usr/bin/python3.11 is not installed");
	snprintf(script, sizeof(script), "/tmp/agent-trace-py.%d.py", getpid());
	f = fopen(script, "w");
	cr_assert_not_null(f);
	fputs("def greet(name):\n    return 'hi ' + name\n"
	      "for n in ['a', 'b', 'c', 'd', 'e']:\n    greet(n)\n",
	      f);
	fclose(f);
	/* 3.11 fires function__return for every Python frame (function__entry only for some). */
	out = run_ok((char *[]){ AT, "--usdt",
				 "/usr/bin/python3.11:python:function__return(str file, str func, "
				 "int line)",
				 "--", "/usr/bin/python3.11", script, NULL });
	unlink(script);
	cr_assert_eq(count_lines(out, "func=\"greet\", line=2)"), 5, "%s", out);
	cr_assert_eq(count_lines(out, "func=\"<module>\", line=3)"), 1, "%s", out);
	free(out);
}

Test(probe_cli, library_dlopened_after_attach)
{
	char spec[512], *out;
	const char *lib = build_path("libatdl.so");

	snprintf(spec, sizeof(spec), "%s:dl_mul(int a, int b) -> int", lib);
	out = run_ok((char *[]){ AT, "-u", spec, "--", FUNCS, "dlopen", "3", (char *)lib, NULL });
	cr_assert_eq(count_lines(out, "libatdl.so:dl_mul(a=0, b=3) = 0 <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "libatdl.so:dl_mul(a=2, b=3) = 6 <"), 1, "%s", out);
	cr_assert_eq(count_lines(out, ":dl_mul("), 3, "%s", out);
	free(out);
}

Test(probe_cli, stripped_binary_uses_dynsym)
{
	char want[512];
	char *out = run_ok((char *[]){ AT, "-u", ":plain(int x) -> int", "--",
				       (char *)build_path("funcs-stripped"), "plain", "2", NULL });

	cr_assert_eq(count_lines(out, "funcs-stripped:plain(x=1) = 2 <"), 1, "%s", out);
	free(out);
	snprintf(want, sizeof(want),
		 "agent-trace: probe ':nosuch': no such function 'nosuch' in %s (stripped: only "
		 ".dynsym was searched)\n",
		 build_path("funcs-stripped"));
	expect_error((char *[]){ AT, "-u", ":nosuch", "--", (char *)build_path("funcs-stripped"),
				 "plain", "2", NULL },
		     2, want);
}

Test(probe_cli, bad_probe_input)
{
	expect_error((char *[]){ AT, "-u", "libc:malloc(u64 size) -> ptrr", "-p", "1", NULL }, 2,
		     "agent-trace: -u 'libc:malloc(u64 size) -> ptrr': unknown type 'ptrr' at "
		     "column 30\n");
	expect_error((char *[]){ AT, "-u", "malloc", "-p", "1", NULL }, 2,
		     "agent-trace: -u 'malloc': expected TARGET:FUNC\n");
	expect_error((char *[]){ AT, "-u", "libnosuch:f", "--", FUNCS, NULL }, 2,
		     "agent-trace: probe 'libnosuch:f': libnosuch: no such library in the linker "
		     "cache\n");
	expect_error((char *[]){ AT, "-u", "/etc/hostname:f", "--", FUNCS, NULL }, 2,
		     "agent-trace: probe '/etc/hostname:f': /etc/hostname: not an ELF file\n");
	expect_error((char *[]){ AT, "--usdt", "/usr/bin/python3.11:python:nosuch", "--", FUNCS,
				 NULL },
		     2,
		     "agent-trace: usdt '/usr/bin/python3.11:python:nosuch': no USDT probe "
		     "python:nosuch in /usr/bin/python3.11\n");
	expect_error((char *[]){ AT, "--usdt", "python:x", "--", FUNCS, NULL }, 2,
		     "agent-trace: --usdt 'python:x': expected TARGET:PROVIDER:NAME\n");
}

Test(probe_cli, list_and_short_library_name_with_pid)
{
	char pidarg[16], outf[64], errf[64], *out, *err;
	int in[2], ready[2], st, before = links_of("func_entry");
	pid_t target, tracer;
	char b;

	/* A running funcs process that waits, then calls lib_add 5 times. */
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(ready), 0);
	target = fork();
	if (target == 0) {
		dup2(in[0], 0);
		dup2(ready[1], 1);
		close(in[1]);
		close(ready[0]);
		execl(FUNCS, FUNCS, "waitlib", "5", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(ready[1]);
	cr_assert_eq(read(ready[0], &b, 1), 1);
	snprintf(pidarg, sizeof(pidarg), "%d", target);

	/* -l resolves the short name through the target's own mappings. */
	st = run_capture((char *[]){ AT, "-l", "libatfuncs:lib_*", "-p", pidarg, NULL }, &out,
			 &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	cr_assert_eq(count_lines(out, "libatfuncs.so:lib_add"), 1, "%s", out);
	free(out);
	free(err);

	snprintf(outf, sizeof(outf), "/tmp/agent-trace-lib.%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/agent-trace-lib.%d.err", getpid());
	tracer = fork();
	if (tracer == 0) {
		freopen(outf, "w", stdout);
		freopen(errf, "w", stderr);
		execl(AT, AT, "-u", "libatfuncs:lib_add(int a, int b) -> int", "-p", pidarg,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && links_of("func_entry") <= before; i++)
		usleep(10 * 1000);
	cr_assert_gt(links_of("func_entry"), before, "agent-trace did not attach");
	/* Another process calling the same library function is not traced. */
	free(run_ok((char *[]){ FUNCS, "lib", "7", NULL }));
	cr_assert_eq(write(in[1], "g", 1), 1);
	close(in[1]);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	out = slurp(outf);
	unlink(outf);
	unlink(errf);
	snprintf(outf, sizeof(outf), " %d/%d libatfuncs:lib_add(", target, target);
	cr_assert_eq(count_lines(out, ":lib_add("), 5, "only the traced process: %s", out);
	cr_assert_eq(count_lines(out, outf), 5, "%s", out);
	cr_assert_eq(count_lines(out, "lib_add(a=4, b=4) = 8 <"), 1, "%s", out);
	free(out);
}

Test(probe_cli, glob_makes_one_probe_per_function)
{
	char *out = run_ok((char *[]){ AT, "--json", "-u", ":[pf][la]*(int x)", "--", FUNCS, "fact",
				       "3", NULL });

	/* fact and plain match (frame_dummy does not): two probes, each its own counts. */
	cr_assert_eq(count_lines(out, "\"type\":\"probe_summary\""), 2, "%s", out);
	cr_assert_eq(count_lines(out, "\"probe\":\"funcs:fact\",\"probe_id\":0,\"calls\":3,"), 1,
		     "%s", out);
	cr_assert_eq(count_lines(out, "\"probe\":\"funcs:plain\",\"probe_id\":1,\"calls\":0,"), 1,
		     "%s", out);
	cr_assert_eq(count_lines(out, "\"probe\":\"funcs:fact\",\"probe_id\":0,\"args\":{\"x\":"),
		     3, "%s", out);
	free(out);
}
