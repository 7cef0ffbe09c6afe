// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Function and USDT probes through the agent-trace command: output, USDT in C
 * and in Python, libraries by short name with -p, dlopen after attach,
 * stripped binaries, -l, and the bad inputs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

	if (access("/usr/bin/python3.11", X_OK))
		cr_skip_test("/usr/bin/python3.11 is not installed");
	tmp_name(script, sizeof(script), "py", "py");
	write_text(script, "def greet(name):\n    return 'hi ' + name\n"
			   "for n in ['a', 'b', 'c', 'd', 'e']:\n    greet(n)\n");
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
	char msg[512];

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
	/* A truncated ELF: a clear error, no crash. */
	{
		char *elf = slurp(FUNCS), path[64], spec[96];
		FILE *f;

		snprintf(path, sizeof(path), "/tmp/agent-trace-trunc.%d", getpid());
		f = fopen(path, "w");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(elf, 1, 3000, f), 3000);
		fclose(f);
		free(elf);
		snprintf(spec, sizeof(spec), "%s:plain", path);
		snprintf(msg, sizeof(msg),
			 "agent-trace: probe '%s': %s: corrupt ELF (section headers extend past "
			 "the end of the file)\n",
			 spec, path);
		expect_error((char *[]){ AT, "-u", spec, "--", FUNCS, NULL }, 2, msg);
		unlink(path);
	}
	/* A Go function's return probe goes on its RETs: an offset in it is the entry's. */
	snprintf(msg, sizeof(msg),
		 "agent-trace: probe ':main.add+0x4': a return probe on Go function main.add in "
		 "%s goes on its RET instructions, not at an offset; add '@entry'\n",
		 build_path("gofuncs"));
	expect_error((char *[]){ AT, "-u", ":main.add+0x4(long a) -> long", "--",
				 (char *)build_path("gofuncs"), NULL },
		     2, msg);
	expect_error((char *[]){ AT, "--usdt", "python:x", "--", FUNCS, NULL }, 2,
		     "agent-trace: --usdt 'python:x': expected TARGET:PROVIDER:NAME\n");
}

/* Where objdump starts plain's instructions in path: offsets from plain, and its address. */
static size_t plain_insns(const char *path, uint64_t *offs, size_t max, uint64_t *addr)
{
	char cmd[PATH_MAX + 96], line[512];
	unsigned long long a, start = 0;
	size_t n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "objdump -d --no-show-raw-insn --disassemble=plain %s", path);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " <plain>:"))
			sscanf(line, "%llx", &start);
		else if (start && n < max && sscanf(line, " %llx:\t", &a) == 1 && a >= start)
			offs[n++] = a - start;
	}
	cr_assert_eq(pclose(f), 0, "%s", cmd);
	cr_assert_gt(n, 3, "%s", cmd);
	*addr = start;
	return n;
}

Test(probe_cli, offset_inside_instruction_refused)
{
	char msg[1024], spec[PATH_MAX + 64], marker[64], sh[96], pf[64];
	uint64_t offs[64], addr;

	plain_insns(FUNCS, offs, 64, &addr);
	/* Byte 2 of the 3-byte mov at plain+0x1: a breakpoint there killed the target. */
	cr_assert_eq(offs[1], 1);
	cr_assert_eq(offs[2], 4);
	snprintf(
		msg, sizeof(msg),
		"agent-trace: probe ':plain+0x2': offset 0x2 is inside the instruction at plain+0x1 "
		"(0x%llx: mov rbp, rsp, 3 bytes) in %s: probes go on instruction boundaries\n",
		(unsigned long long)addr + 1, FUNCS);
	expect_error((char *[]){ AT, "-u", ":plain+0x2@entry", "--", FUNCS, "plain", "3", NULL }, 2,
		     msg);

	/* The held command never runs. */
	snprintf(marker, sizeof(marker), "/tmp/agent-trace-insn.%d", getpid());
	snprintf(spec, sizeof(spec), "%s:plain+0x2@entry", FUNCS);
	snprintf(msg, sizeof(msg),
		 "agent-trace: probe '%s:plain+0x2': offset 0x2 is inside the instruction at "
		 "plain+0x1 (0x%llx: mov rbp, rsp, 3 bytes) in %s: probes go on instruction "
		 "boundaries\n",
		 FUNCS, (unsigned long long)addr + 1, FUNCS);
	snprintf(sh, sizeof(sh), "echo ran > %s", marker);
	expect_error((char *[]){ AT, "-u", spec, "--", "/bin/sh", "-c", sh, NULL }, 2, msg);
	cr_assert_neq(access(marker, F_OK), 0, "the held command ran");

	/* A return probe needs the entry: past it the top of the stack is no return address. */
	snprintf(msg, sizeof(msg),
		 "agent-trace: probe ':plain+0x4': offset 0x4 is not the entry of plain in %s: a "
		 "return probe goes on a function's entry, where the return address is on top of "
		 "the stack; add '@entry'\n",
		 FUNCS);
	expect_error((char *[]){ AT, "-u", ":plain+0x4", "--", FUNCS, "plain", "3", NULL }, 2, msg);

	/* A probe file's function probe, the same. */
	tmp_name(pf, sizeof(pf), "insn", "yaml");
	write_text(pf, "probes:\n  - name: mid\n    kind: function\n    attach: ':plain+0x2'\n"
		       "    when: entry\n");
	snprintf(msg, sizeof(msg),
		 "agent-trace: %s: probe 'mid': offset 0x2 is inside the instruction at plain+0x1 "
		 "(0x%llx: mov rbp, rsp, 3 bytes) in %s: probes go on instruction boundaries\n",
		 pf, (unsigned long long)addr + 1, FUNCS);
	expect_error((char *[]){ AT, "-C", pf, "--", FUNCS, "plain", "3", NULL }, 2, msg);
	unlink(pf);
}

Test(probe_cli, offset_on_boundary_counts_every_call)
{
	uint64_t offs[64], addr;
	char spec[96], *out;

	char name[32], want[128];

	plain_insns(FUNCS, offs, 64, &addr);
	/* The third instruction: past the prologue, x still in edi. */
	snprintf(name, sizeof(name), "plain+0x%llx", (unsigned long long)offs[2]);
	snprintf(spec, sizeof(spec), ":%s(int x)@entry", name);
	out = run_ok((char *[]){ AT, "-u", spec, "--", FUNCS, "plain", "3", NULL });
	/* Reported under its offset, not as the function's entry would be. */
	snprintf(want, sizeof(want), " funcs:%s(x=", name);
	cr_assert_eq(count_lines(out, want), 4, "%s", out);
	cr_assert_eq(count_lines(out, " funcs:plain("), 0, "%s", out);
	/* plain(0), plain(1), plain(2), plain(-5): each once, the argument as passed. */
	for (int i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), " funcs:%s(x=%d)", name, i < 3 ? i : -5);
		cr_assert_eq(count_lines(out, want), 1, "%s: %s", want, out);
	}
	/* plain N exits 0 only when plain(-5) returned -1: the code ran unharmed. */
	cr_assert_eq(count_lines(out, "+++ exited with 0 +++"), 1, "%s", out);
	snprintf(want, sizeof(want), "funcs:%s", name);
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "%*s 4        0 ",
		 32 - (int)strlen(want) + 8, "");
	cr_assert_eq(count_lines(out, want), 1, "%s: %s", want, out);
	free(out);

	/* The JSON's probe is the same name. */
	out = run_ok((char *[]){ AT, "-q", "--json", "-u", spec, "--", FUNCS, "plain", "3", NULL });
	for (int i = 0; i < 4; i++) {
		snprintf(want, sizeof(want),
			 ",\"probe\":\"funcs:%s\",\"probe_id\":0,\"args\":{\"x\":%d},\"ret\":null,"
			 "\"failing\":false,\"dur_ns\":null}",
			 name, i < 3 ? i : -5);
		cr_assert_eq(count_lines(out, want), 1, "%s: %s", want, out);
	}
	cr_assert_eq(count_lines(out, "\"probe\":\"funcs:plain\""), 0, "%s", out);
	free(out);

	/* The metrics' probe label too: scraped while funcs waits before its calls. */
	{
		char addr[32], outf[64], errf[64], *body = NULL;
		int port = free_port(), code = -1, st;
		pid_t tracer;

		snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
		tmp_name(outf, sizeof(outf), "offmetrics", "out");
		tmp_name(errf, sizeof(errf), "offmetrics", "err");
		tracer = spawn_logged((char *[]){ AT, "-q", "--metrics", addr, "-u", spec, "--",
						  FUNCS, "delay", "3", "3000", NULL },
				      outf, errf);
		for (int i = 0; i < 1000 && (code = http_get(port, "/metrics", &body)) != 200;
		     i++) {
			free(body);
			body = NULL;
			usleep(10 * 1000);
		}
		cr_assert_eq(code, 200, "%s", slurp(errf));
		snprintf(want, sizeof(want), "agent_trace_probe_hits_total{probe=\"funcs:%s\"} ",
			 name);
		cr_assert_eq(count_lines(body, want), 1, "%s", body);
		cr_assert_eq(count_lines(body, "probe=\"funcs:plain\""), 0, "%s", body);
		free(body);
		cr_assert_eq(waitpid(tracer, &st, 0), tracer);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", slurp(errf));
		unlink(outf);
		unlink(errf);
	}

	/* A bare file offset is reported as written. */
	snprintf(name, sizeof(name), "0x%llx", (unsigned long long)(offs[2] + addr));
	snprintf(spec, sizeof(spec), ":%s(int x)@entry", name);
	out = run_ok((char *[]){ AT, "-q", "-u", spec, "--", FUNCS, "plain", "3", NULL });
	snprintf(want, sizeof(want), " funcs:%s(x=-5)", name);
	cr_assert_eq(count_lines(out, want), 1, "%s: %s", want, out);
	free(out);
}

/*
 * The ELF entry point is jumped to with argc on top of the stack: a return
 * probe there overwrote argc and the target printed its usage. Refused; a
 * glob leaves it out of its return probes; '@entry' on it is harmless.
 */
Test(probe_cli, return_probe_on_entry_point_refused)
{
	char msg[1024], *out;

	snprintf(msg, sizeof(msg),
		 "agent-trace: probe ':_start': _start is the entry point of %s: it is jumped to, "
		 "not called, so it has no return address for a return probe; add '@entry'\n",
		 FUNCS);
	expect_error((char *[]){ AT, "-u", ":_start", "--", FUNCS, "plain", "2", NULL }, 2, msg);
	snprintf(msg, sizeof(msg),
		 "agent-trace: probe ':_start': _start is the entry point "
		 "of %s: it is jumped to, not called, so it has no return address for a return "
		 "probe; add '@entry'\n",
		 FUNCS);
	expect_error((char *[]){ AT, "-u", ":_start@return", "--", FUNCS, "plain", "2", NULL }, 2,
		     msg);
	/* A glob that matches only the entry point matches nothing it can probe. */
	snprintf(msg, sizeof(msg), "agent-trace: probe ':_st*': no function matches '_st*' in %s\n",
		 FUNCS);
	expect_error((char *[]){ AT, "-u", ":_st*", "--", FUNCS, "plain", "2", NULL }, 2, msg);
	out = run_ok((char *[]){ AT, "-u", ":_start@entry", "--", FUNCS, "plain", "2", NULL });
	cr_assert_eq(count_lines(out, " funcs:_start("), 1, "%s", out);
	/* plain N exits 0 only when its argument arrived intact and the calls ran. */
	cr_assert_eq(count_lines(out, "+++ exited with 0 +++"), 1, "%s", out);
	free(out);
}

static void copy_file(const char *from, const char *dir)
{
	char to[PATH_MAX], buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	snprintf(to, sizeof(to), "%s/%s", dir, strrchr(from, '/') + 1);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		_exit(126);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			_exit(126);
	close(in);
	close(out);
}

/*
 * Starts "funcs waitlib N": it says it is ready, then waits for a byte on *go
 * before calling lib_add(i, 4) N times. With dir, it runs in a mount namespace
 * of its own from copies of funcs and libatfuncs.so on a tmpfs mounted at dir,
 * paths that do not exist in ours.
 */
static pid_t start_waitlib(const char *n, const char *dir, int *go)
{
	int ends[2]; /* its stdin, its stdout */
	pid_t pid = fork_piped((const int[]){ 0, 1 }, ends, 2);
	char b;

	if (pid == 0) {
		char exe[PATH_MAX];

		snprintf(exe, sizeof(exe), "%s", FUNCS);
		if (dir) {
			if (unshare(CLONE_NEWNS) ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
			    mount("tmpfs", dir, "tmpfs", 0, "size=64m"))
				_exit(125);
			copy_file(FUNCS, dir);
			copy_file(build_path("libatfuncs.so"), dir);
			snprintf(exe, sizeof(exe), "%s/funcs", dir);
		}
		execl(exe, exe, "waitlib", n, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(read(ends[1], &b, 1), 1, "target did not start");
	close(ends[1]);
	*go = ends[0];
	return pid;
}

/*
 * Runs agent-trace with args on a target started by start_waitlib, releases
 * the target once the probes are attached (meanwhile runs before that), and
 * returns agent-trace's stdout after both have exited.
 */
static char *trace_waitlib(pid_t target, int go, char *const args[], void (*meanwhile)(void))
{
	char outf[64], errf[64], *out;
	int st, before = links_of("func_entry"), exits = links_of("sched_process_exit");
	pid_t tracer;

	snprintf(outf, sizeof(outf), "/tmp/agent-trace-lib.%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/agent-trace-lib.%d.err", getpid());
	tracer = fork();
	if (tracer == 0) {
		freopen(outf, "w", stdout);
		freopen(errf, "w", stderr);
		execv(AT, args);
		_exit(127);
	}
	for (int i = 0; i < 500 && links_of("func_entry") <= before; i++)
		usleep(10 * 1000);
	cr_assert_gt(links_of("func_entry"), before, "agent-trace did not attach: %s", slurp(errf));
	/*
	 * The function links go in before the rest: the target is released
	 * once sched_process_exit is in too (it sees the target leave; a target
	 * gone before it is "exited before tracing began").
	 */
	for (int i = 0; i < 500 && links_of("sched_process_exit") <= exits; i++)
		usleep(10 * 1000);
	cr_assert_gt(links_of("sched_process_exit"), exits, "agent-trace did not attach: %s",
		     slurp(errf));
	if (meanwhile)
		meanwhile();
	cr_assert_eq(write(go, "g", 1), 1);
	close(go);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "target status %d", st);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", slurp(errf));
	out = slurp(outf);
	unlink(outf);
	unlink(errf);
	return out;
}

static void lib_add_elsewhere(void)
{
	/* Another process calling the same library function is not traced. */
	free(run_ok((char *[]){ FUNCS, "lib", "7", NULL }));
}

/*
 * -u libatfuncs:lib_add -p on the start_waitlib target (released at go, meanwhile
 * run before): its five calls alone are traced, by their short library name.
 */
static void trace_lib_add(pid_t target, int go, void (*meanwhile)(void))
{
	char pidarg[16], who[64], *out;

	snprintf(pidarg, sizeof(pidarg), "%d", target);
	out = trace_waitlib(target, go,
			    (char *[]){ AT, "-u", "libatfuncs:lib_add(int a, int b) -> int", "-p",
					pidarg, NULL },
			    meanwhile);
	snprintf(who, sizeof(who), " %d/%d libatfuncs:lib_add(", target, target);
	cr_assert_eq(count_lines(out, ":lib_add("), 5, "only the traced process: %s", out);
	cr_assert_eq(count_lines(out, who), 5, "%s", out);
	cr_assert_eq(count_lines(out, "lib_add(a=4, b=4) = 8 <"), 1, "%s", out);
	free(out);
}

Test(probe_cli, list_and_short_library_name_with_pid)
{
	char pidarg[16], *out, *err;
	pid_t target;
	int go, st;

	target = start_waitlib("5", NULL, &go);
	snprintf(pidarg, sizeof(pidarg), "%d", target);

	/* -l resolves the short name through the target's own mappings. */
	st = run_capture((char *[]){ AT, "-l", "libatfuncs:lib_*", "-p", pidarg, NULL }, &out,
			 &err);
	expect_ok_lines(st, out, err,
			(const struct nlines[]){ { "libatfuncs.so:lib_add", 1 }, {} });

	trace_lib_add(target, go, lib_add_elsewhere);
}

Test(probe_cli, target_in_another_mount_namespace)
{
	char dir[64], path[PATH_MAX];
	struct stat sb;
	pid_t target;
	int go;

	snprintf(dir, sizeof(dir), "/tmp/agent-trace-mntns.%d", getpid());
	cr_assert(mkdir(dir, 0755) == 0 || errno == EEXIST);
	target = start_waitlib("5", dir, &go);
	/* Its library path means nothing here: only /proc/PID/root reaches it. */
	snprintf(path, sizeof(path), "%s/libatfuncs.so", dir);
	cr_assert_neq(stat(path, &sb), 0, "%s is visible outside the namespace", path);

	trace_lib_add(target, go, NULL);
	rmdir(dir);
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

Test(probe_cli, offset_checked_by_check_with_pid)
{
	char pf[64], pidarg[16], msg[1024];
	uint64_t offs[64], addr;
	pid_t target;
	int go, st;
	FILE *f;

	plain_insns(FUNCS, offs, 64, &addr);
	snprintf(pf, sizeof(pf), "/tmp/agent-trace-insn-check.%d.yaml", getpid());
	f = fopen(pf, "w");
	cr_assert_not_null(f);
	fputs("probes:\n  - name: mid\n    kind: function\n    attach: ':plain+0x2@entry'\n", f);
	fclose(f);
	target = start_waitlib("0", NULL, &go);
	snprintf(pidarg, sizeof(pidarg), "%d", target);
	/* --check -p resolves in the process's executable, as attaching would. */
	snprintf(msg, sizeof(msg),
		 "agent-trace: %s: probe 'mid': offset 0x2 is inside the instruction at plain+0x1 "
		 "(0x%llx: mov rbp, rsp, 3 bytes) in %s: probes go on instruction boundaries\n",
		 pf, (unsigned long long)addr + 1, FUNCS);
	expect_error((char *[]){ AT, "--check", pf, "-p", pidarg, NULL }, 2, msg);
	unlink(pf);
	cr_assert_eq(write(go, "g", 1), 1);
	close(go);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "target status %d", st);
}

/*
 * limits.exe_files bounds the kernel's exec match set: with room for one of
 * two matching executables, the other is counted and said, and the run goes on.
 */
Test(probe_cli, exe_files_past_the_limit_are_counted_and_said)
{
	char yaml[64], outf[64], errf[64];
	char *out, *err;
	int st;

	tmp_names("exefiles", yaml, outf, errf);
	write_text(yaml,
		   "targets: {exe: ['%s', '%s']}\nlimits: {exe_files: 1}\n"
		   "probes:\n  - {name: ppid, kind: syscall, attach: getppid}\n",
		   build_path("calls"), build_path("funcs"));
	st = run_capture((char *[]){ (char *)build_path("agent-trace"), "-q", "-d", "0.2", "-C",
				     yaml, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	cr_assert_eq(count_lines(err, "agent-trace: targets: exe: 1 more executables match than "
				      "limits.exe_files (1) holds; they are not traced: raise it"),
		     1, "%s", err);
	free(out);
	free(err);
	unlink(yaml);
}

/* Lines of out that are exactly line. */
static size_t exact_lines(const char *out, const char *line)
{
	size_t n = 0, len = strlen(line);

	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, line, len) && (l[len] == '\n' || !l[len]);
	return n;
}

/* -l's output for argv (exit 0, nothing on stderr), to free. */
static char *list_out(char *const argv[])
{
	char *out, *err;
	int st = run_capture(argv, &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_str_eq(err, "");
	free(err);
	return out;
}

/*
 * -l PATH lists everything in the program, then the USDT probes of the libraries
 * it links: libatfuncs.so, found through funcs' RUNPATH ($ORIGIN), not the cache.
 * Each probe once, however many sites (atlib:pick has two; -v counts them).
 */
Test(probe_cli, list_program_and_its_libraries_usdt_once)
{
	const char *funcs = build_path("funcs");
	char lib[PATH_MAX], pat[PATH_MAX + 16], want[4 * PATH_MAX], *all, *star, *out;

	snprintf(lib, sizeof(lib), "%s", build_path("libatfuncs.so"));
	all = list_out((char *[]){ AT, "-l", (char *)funcs, NULL });
	snprintf(want, sizeof(want), "uprobe:%s:plain", funcs);
	cr_assert_eq(exact_lines(all, want), 1, "%s", all);
	snprintf(want, sizeof(want), "usdt:%s:atfuncs:tick", funcs);
	cr_assert_eq(exact_lines(all, want), 1, "%s", all);
	snprintf(want, sizeof(want), "usdt:%s:atlib:pick", lib);
	cr_assert_eq(exact_lines(all, want), 1, "once, not once per site: %s", all);
	/* The libraries' functions are theirs to list (-l LIB:GLOB), not the program's. */
	cr_assert_eq(count_lines(all, ":lib_add"), 0, "%s", all);
	/* The last lines are the library's: the program's own come first. */
	snprintf(want, sizeof(want), "\nusdt:%s:atlib:pick\n", lib);
	cr_assert(strlen(all) > strlen(want) && !strcmp(all + strlen(all) - strlen(want), want),
		  "%s", all);

	/* PATH alone is PATH:*. */
	snprintf(pat, sizeof(pat), "%s:*", funcs);
	star = list_out((char *[]){ AT, "-l", pat, NULL });
	cr_assert_str_eq(star, all);
	free(star);
	free(all);

	/* A glob over NAME, or over PROVIDER:NAME; -v counts the sites. */
	snprintf(pat, sizeof(pat), "%s:pick", funcs);
	out = list_out((char *[]){ AT, "-v", "-l", pat, NULL });
	snprintf(want, sizeof(want), "usdt:%s:atlib:pick (2 sites)\n", lib);
	cr_assert_str_eq(out, want);
	free(out);
	snprintf(pat, sizeof(pat), "%s:at*:ti*", funcs);
	out = list_out((char *[]){ AT, "-v", "-l", pat, NULL });
	snprintf(want, sizeof(want), "usdt:%s:atfuncs:tick (1 site)\n", funcs);
	cr_assert_str_eq(out, want);
	free(out);

	/* A library is listed alone: not with the libraries it links (libc). */
	snprintf(pat, sizeof(pat), "%s:*", lib);
	out = list_out((char *[]){ AT, "-l", pat, NULL });
	snprintf(want, sizeof(want), ":%s:", lib);
	cr_assert_eq(count_lines(out, want), count_lines(out, ":"), "%s", out);
	snprintf(want, sizeof(want), "uprobe:%s:lib_pick", lib);
	cr_assert_eq(exact_lines(out, want), 1, "%s", out);
	free(out);
}

/* A pattern that is no path and names no target: one error line, exit 2. */
Test(probe_cli, list_needs_a_target)
{
	expect_error((char *[]){ AT, "-l", "main*", NULL }, 2,
		     "agent-trace: -l 'main*': give a target (TARGET:GLOB or a path) or -p PID\n");
}
