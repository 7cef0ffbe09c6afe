// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent-trace command end to end: output formats, -p on a running
 * process, signals, and one clear line and exit code for each bad input.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "stracecmp.h"

#define AT (char *)build_path("agent-trace")
#define CALLS (char *)build_path("calls")

Test(cli, bad_input_one_line_and_exit_code)
{
	char noexec[64], want[128];
	FILE *f;

	/* A file without any execute bit: even root gets EACCES from execve. */
	snprintf(noexec, sizeof(noexec), "/tmp/agent-trace-noexec.%d", getpid());
	f = fopen(noexec, "w");
	cr_assert_not_null(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(noexec, 0644);
	snprintf(want, sizeof(want), "agent-trace: cannot execute '%s': Permission denied\n",
		 noexec);
	expect_error((char *[]){ AT, NULL }, 2,
		     "agent-trace: nothing to trace: give -p PID or -- CMD (see --help)\n");
	expect_error((char *[]){ AT, "-e", "opn", "--", CALLS, NULL }, 2,
		     "agent-trace: -e: unknown syscall or class 'opn'\n");
	expect_error((char *[]){ AT, "-e", "%files", "-p", "1", NULL }, 2,
		     "agent-trace: -e: unknown syscall or class '%files'\n");
	expect_error((char *[]){ AT, "-p", "12x", NULL }, 2,
		     "agent-trace: -p '12x': not a process id\n");
	expect_error((char *[]){ AT, "-d", "soon", "-p", "1", NULL }, 2,
		     "agent-trace: -d 'soon': not a positive number of seconds\n");
	expect_error((char *[]){ AT, "--bogus", NULL }, 2,
		     "agent-trace: unknown option '--bogus' (see --help)\n");
	expect_error((char *[]){ AT, "-p", NULL }, 2,
		     "agent-trace: option '-p' needs an argument\n");
	expect_error((char *[]){ AT, "-c", "--no-latency", "-T", "--", CALLS, "counts", NULL }, 2,
		     "agent-trace: -T and --no-latency contradict each other; keep one\n");
	expect_error((char *[]){ AT, "-p", "999999999", NULL }, 1,
		     "agent-trace: -p 999999999: no such process\n");
	expect_error((char *[]){ AT, "--", "/nonexistent/cmd", NULL }, 1,
		     "agent-trace: '/nonexistent/cmd': No such file or directory\n");
	expect_error((char *[]){ AT, "--", "no-such-command-here", NULL }, 1,
		     "agent-trace: 'no-such-command-here': command not found\n");
	expect_error((char *[]){ AT, "--", noexec, NULL }, 1, want);
	unlink(noexec);
	expect_error((char *[]){ AT, "-o", "/nonexistent/out", "-p", "1", NULL }, 1,
		     "agent-trace: -o /nonexistent/out: No such file or directory\n");
}

Test(cli, unprivileged_user_is_told_which_capabilities)
{
	/* setpriv (util-linux) drops root and every capability. */
	expect_error((char *[]){ "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
				 "--clear-groups", "--inh-caps=-all", AT, "-p", "1", NULL },
		     1,
		     "agent-trace: missing capabilities CAP_BPF CAP_PERFMON (or CAP_SYS_ADMIN): "
		     "run as root or grant them\n");
}

Test(cli, text_output_and_summary)
{
	char path[64], want[256];
	char *out, *err;
	int st;

	snprintf(path, sizeof(path), "/tmp/agent-trace-cli.%d", getpid());
	st = run_capture((char *[]){ AT, "-e", "openat,write,exit_group", "--", CALLS, "basic",
				     path, "5", NULL },
			 &out, &err);
	unlink(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_str_eq(err, "");
	/* Without -T, strace's way: no durations, the call seen at its exit alone. */
	snprintf(want, sizeof(want),
		 "openat(AT_FDCWD, \"%s\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640) = 3\n", path);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, " write(3, \"xxxx\\n\", 5) = 5\n"), "%s", out);
	cr_assert(strstr(out, "openat(AT_FDCWD, \"/nonexistent/agent-trace\", O_RDONLY) "
			      "= -1 ENOENT (No such file or directory)\n"),
		  "%s", out);
	cr_assert_eq(count_lines(out, " <0."), 0, "%s", out);
	cr_assert_eq(count_lines(out, "exit_group(3) = ?"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "+++ exited with 3 +++"), 1, "%s", out);
	/* The summary: header, a write row with one call and no error, the loss line. */
	cr_assert_eq(count_lines(out, "syscall                calls   errors"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "write                      1        0"), 1, "%s", out);
	cr_assert_eq(count_lines(out,
				 "lost: 0 (ring buffer full), 0 (queue full), 0 (thread state)"),
		     1, "%s", out);
	free(out);
	free(err);
}

Test(cli, json_lines_schema)
{
	char path[64], want[256];
	char *out, *err;
	int st;

	snprintf(path, sizeof(path), "/tmp/agent-trace-json.%d", getpid());
	st = run_capture((char *[]){ AT, "--json", "-e", "execve,openat", "--", CALLS, "basic",
				     path, "5", NULL },
			 &out, &err);
	unlink(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	snprintf(want, sizeof(want),
		 "\"syscall\":\"openat\",\"nr\":257,\"args\":{\"dfd\":-100,\"filename\":"
		 "\"%s\",\"flags\":\"O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC\",\"mode\":\"0640\"},"
		 "\"ret\":3,\"errno\":null,\"dur_ns\":null,\"truncated\":false}",
		 path);
	cr_assert_eq(count_lines(out, want), 1, "%s", out);
	cr_assert_eq(count_lines(out,
				 "\"filename\":\"/nonexistent/agent-trace\",\"flags\":"
				 "\"O_RDONLY\",\"mode\":\"000\"},\"ret\":-2,\"errno\":\"ENOENT\""),
		     1, "%s", out);
	/*
	 * Seen at its exit: the path was kept at exec, argv and envp's count
	 * read from the new image; envp's old address is gone.
	 */
	snprintf(want, sizeof(want),
		 "\"syscall\":\"execve\",\"nr\":59,\"args\":{\"filename\":\"%s\","
		 "\"argv\":[\"%s\",\"basic\",\"%s\",\"5\"],\"envp\":{\"addr\":null,\"vars\":",
		 CALLS, CALLS, path);
	cr_assert_eq(count_lines(out, want), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"ret\":0,\"errno\":null"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "{\"type\":\"exit\","), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"comm\":\"calls\",\"code\":3,\"signal\":null}"), 1, "%s",
		     out);
	cr_assert_eq(count_lines(out, "{\"type\":\"summary\",\"elapsed_s\":"), 1, "%s", out);
	cr_assert_eq(
		count_lines(
			out,
			"\"lost\":{\"ringbuf\":0,\"queue\":0,\"state\":0,\"proc_table\":0,\"depth\":0,\"unpaired_ret\":0,"
			"\"pending\":0,\"go_unmatched\":0,\"path_table\":0,\"output\":0},"
			"\"cpu_s\":"),
		1, "%s", out);
	/* Every line is one object. */
	for (const char *l = out; *l; l = strchr(l, '\n') + 1)
		cr_assert(*l == '{' && strchr(l, '\n')[-1] == '}', "not a JSON line: %s", l);
	free(out);
	free(err);
}

/* -T: durations in the text lines, the JSON and the summary (entry and exit paired). */
Test(cli, durations_with_T)
{
	char path[64];
	char *out, *err;
	int st;

	snprintf(path, sizeof(path), "/tmp/agent-trace-dur.%d", getpid());
	st = run_capture((char *[]){ AT, "-T", "-e", "openat,write,exit_group", "--", CALLS,
				     "basic", path, "5", NULL },
			 &out, &err);
	expect_ok_lines(st, out, err,
			(const struct nlines[]){ { " write(3, \"xxxx\\n\", 5) = 5 <0.0", 1 },
						 { "exit_group(3) = ?", 1 },
						 { "exit_group(3) = ? <", 0 },
						 { "syscall                calls   errors", 1 },
						 {} });

	st = run_capture((char *[]){ AT, "-T", "--json", "-e", "write", "--", CALLS, "basic", path,
				     "5", NULL },
			 &out, &err);
	expect_ok_lines(st, out, err,
			(const struct nlines[]){ { "\"ret\":5,\"errno\":null,\"dur_ns\":", 1 },
						 { "\"dur_ns\":null", 0 },
						 {} });

	st = run_capture((char *[]){ AT, "-c", "-T", "-e", "write", "--", CALLS, "basic", path, "5",
				     NULL },
			 &out, &err);
	unlink(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_eq(count_lines(out, "errors   total(ms)    avg(us)"), 1, "%s", out);
	cr_assert(strstr(out, "\nwrite                      1        0       0."), "%s", out);
	free(out);
	free(err);
}

Test(cli, summary_only_mode)
{
	char *out, *err;
	int st = run_capture((char *[]){ AT, "-c", "-e", "getppid", "--", CALLS, "threads", NULL },
			     &out, &err);

	expect_ok_lines(st, out, err,
			(const struct nlines[]){ { "getppid(", 0, "no events with -c" },
						 { "getppid                  100        0", 1 },
						 { "total                    100        0", 1 },
						 {} });
}

/* Whether s has a line that is exactly line. */
static bool has_line(const char *s, const char *line)
{
	size_t len = strlen(line);

	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, line, len) && (l[len] == '\n' || !l[len]))
			return true;
	return false;
}

/* The summary row of syscall name, as -c without -T prints it. */
static bool has_count_row(const char *s, const char *name, int calls, int errors)
{
	char line[64];

	snprintf(line, sizeof(line), "%-18s %9d %8d", name, calls, errors);
	return has_line(s, line);
}

/* calls and errors of the row of syscall name in a summary table; -1 when absent. */
static int row_of(const char *s, const char *name, int *errors)
{
	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char n[32];
		int c, e;

		if (sscanf(l, "%31s %d %d", n, &c, &e) == 3 && !strcmp(n, name)) {
			*errors = e;
			return c;
		}
	}
	return -1;
}

Test(cli, no_latency_counts_exactly)
{
	char *out, *err, *ref, *referr;
	int st = run_capture((char *[]){ AT, "-c", "--no-latency", "--", CALLS, "counts", NULL },
			     &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_str_eq(err, "");
	/* Calls and errors only: no time columns. */
	cr_assert(has_line(out, "syscall                calls   errors"), "%s", out);
	cr_assert_eq(count_lines(out, "(ms)"), 0, "%s", out);
	cr_assert_eq(count_lines(out, "(us)"), 0, "%s", out);
	cr_assert_eq(count_lines(out, "%time"), 0, "%s", out);
	/* The counts target's known calls (tests/targets/calls.c). */
	cr_assert(has_count_row(out, "getppid", 9, 0), "%s", out);
	cr_assert(has_count_row(out, "dup", 5, 3), "%s", out);
	cr_assert(has_count_row(out, "kill", 1, 0), "%s", out);
	cr_assert(has_count_row(out, "rt_sigreturn", 1, 0), "%s", out);
	cr_assert(has_count_row(out, "clone3", 3, 0), "%s", out);
	cr_assert(has_count_row(out, "exit", 2, 0), "%s", out);
	cr_assert(has_count_row(out, "exit_group", 1, 0), "%s", out);
	cr_assert(has_count_row(out, "pause", 1, 1), "%s", out);
	cr_assert(has_count_row(out, "pipe2", 1, 0), "%s", out);
	cr_assert(has_count_row(out, "execve", 1, 0), "%s", out);
	cr_assert_eq(count_lines(out,
				 "lost: 0 (ring buffer full), 0 (queue full), 0 (thread state)"),
		     1, "%s", out);

	/* Every row is what -c -T, which pairs entry and exit, counts too. */
	st = run_capture((char *[]){ AT, "-c", "-T", "--", CALLS, "counts", NULL }, &ref, &referr);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, referr);
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		char name[32];
		int calls, errors, rcalls, rerrors;

		if (sscanf(l, "%31s %d %d", name, &calls, &errors) != 3 || !strcmp(name, "total"))
			continue;
		/* pthread_join waits on a futex only when the thread has not ended yet. */
		if (!strcmp(name, "futex"))
			continue;
		rcalls = row_of(ref, name, &rerrors);
		cr_assert_eq(calls, rcalls, "%s: %d calls, -c counted %d\n%s\n%s", name, calls,
			     rcalls, out, ref);
		cr_assert_eq(errors, rerrors, "%s: %d errors, -c counted %d", name, errors,
			     rerrors);
	}
	free(out);
	free(err);
	free(ref);
	free(referr);
}

Test(cli, no_latency_json_summary)
{
	char *out, *err;
	int st = run_capture((char *[]){ AT, "-c", "--no-latency", "--json", "-e", "dup,exit_group",
					 "--", CALLS, "counts", NULL },
			     &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	/* The same fields as with times, null as dur_ns is for a call without one. */
	cr_assert_eq(count_lines(out, "{\"syscall\":\"dup\",\"calls\":5,\"errors\":3,"
				      "\"total_ns\":null,\"avg_ns\":null,\"p50_ns\":null,"
				      "\"p99_ns\":null,\"max_ns\":null}"),
		     1, "%s", out);
	cr_assert_eq(count_lines(out, "{\"syscall\":\"exit_group\",\"calls\":1,\"errors\":0,"
				      "\"total_ns\":null"),
		     1, "%s", out);
	cr_assert_eq(count_lines(out, "\"syscall\":\"getppid\""), 0, "not selected: %s", out);
	free(out);
	free(err);
}

/* Links are freed when their last fd closes, possibly from a work queue: give it a moment. */
static int links_settle(const char *name, int want)
{
	int n = links_of(name);

	for (int i = 0; i < 100 && n != want; i++) {
		usleep(10 * 1000);
		n = links_of(name);
	}
	return n;
}

/* agent-trace's links on the syscall tracepoints: sys_exit_only, or with -T sys_enter and sys_exit. */
static int syscall_links(void)
{
	return links_of("sys_enter") + links_of("sys_exit") + links_of("sys_exit_only");
}

/* links_settle for syscall_links(). */
static int links_settle_sys(int want)
{
	int n = syscall_links();

	for (int i = 0; i < 100 && n != want; i++) {
		usleep(10 * 1000);
		n = syscall_links();
	}
	return n;
}

/*
 * Waits until agent-trace has attached all its syscall programs. The skeleton
 * attaches them in order and sched_process_exit comes last: waiting for
 * sys_enter alone released the target before sys_exit was attached, and its
 * first calls went unseen. before: sched_process_exit links before the tracer.
 */
static void wait_attached(int before)
{
	for (int i = 0; i < 500 && links_of("sched_process_exit") <= before; i++)
		usleep(10 * 1000);
	cr_assert_gt(links_of("sched_process_exit"), before, "agent-trace did not attach");
}

/*
 * Runs agent-trace OPTS... -p on a target waiting to make ncalls getppid calls
 * (then an openat that fails, then exit), and returns what it printed. Checks
 * that it attached programs on the syscall tracepoints, ended by itself with
 * 0 and nothing on stderr once the target exited, and left no link behind.
 */
static char *trace_waiting(char *const opts[], const char *ncalls, const char *tag)
{
	char outf[64], errf[64], pidarg[16], *argv[16] = { AT };
	int release, st, n = 1, before = syscall_links(), exits = links_of("sched_process_exit");
	pid_t target = start_waiting_target(&release, ncalls), tracer;
	char *out, *err;

	for (; *opts && n < 13; opts++)
		argv[n++] = *opts;
	snprintf(pidarg, sizeof(pidarg), "%d", target);
	argv[n++] = "-p";
	argv[n++] = pidarg;
	snprintf(outf, sizeof(outf), "/tmp/agent-trace-%s.%d.out", tag, getpid());
	snprintf(errf, sizeof(errf), "/tmp/agent-trace-%s.%d.err", tag, getpid());
	tracer = spawn_logged(argv, outf, errf);
	wait_attached(exits);
	cr_assert_gt(syscall_links(), before, "no program on the syscall tracepoints");
	cr_assert_eq(write(release, "g", 1), 1);
	close(release);
	cr_assert_eq(waitpid(target, &st, 0), target);
	/* The tracer ends by itself once its only target has exited. */
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	out = slurp(outf);
	err = slurp(errf);
	unlink(outf);
	unlink(errf);
	cr_assert_str_eq(err, "");
	free(err);
	cr_assert_eq(links_settle_sys(before), before, "links left behind");
	return out;
}

Test(cli, attach_to_running_process)
{
	char *out = trace_waiting((char *[]){ "--json", "-e", "getppid,openat", NULL }, "5", "p");

	cr_assert_eq(count_lines(out, "\"syscall\":\"getppid\",\"nr\":110,\"args\":{},\"ret\":"), 5,
		     "%s", out);
	cr_assert_eq(count_lines(out, "\"filename\":\"/nonexistent/waited\""), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"syscall\":\"openat\",\"nr\":257"), 1, "%s", out);
	cr_assert_eq(count_lines(out, "\"type\":\"exit\""), 1, "%s", out);
	cr_assert_eq(count_lines(out, "{\"syscall\":\"getppid\",\"calls\":5,\"errors\":0"), 1, "%s",
		     out);
	free(out);
}

Test(cli, no_latency_attached_to_running_process)
{
	char *out = trace_waiting((char *[]){ "-c", "--no-latency", "-e",
					      "getppid,openat,read,exit_group", NULL },
				  "4", "pc");

	cr_assert(has_count_row(out, "getppid", 4, 0), "%s", out);
	cr_assert(has_count_row(out, "openat", 1, 1), "%s", out);
	cr_assert(has_count_row(out, "exit_group", 1, 0), "%s", out);
	/* Counted as it returns: the read the target was blocked in at attach counts. */
	cr_assert(has_count_row(out, "read", 1, 0), "%s", out);
	free(out);
}

/* -T pairs entry and exit: both programs attach, and both go at the end. */
Test(cli, durations_attached_to_running_process)
{
	int enters = links_of("sys_enter");
	char *out =
		trace_waiting((char *[]){ "-c", "-T", "-e", "getppid,openat", NULL }, "3", "pt");

	cr_assert(strstr(out, "\ngetppid                    3        0 "), "%s", out);
	cr_assert_eq(count_lines(out, "errors   total(ms)"), 1, "%s", out);
	cr_assert_eq(links_settle("sys_enter", enters), enters);
	free(out);
}

static void stop_with(int sig)
{
	char outf[64], errf[64], pidarg[16];
	int release, st, before = syscall_links(), exits = links_of("sched_process_exit");
	pid_t target = start_waiting_target(&release, "0"), tracer;
	char *out;

	snprintf(outf, sizeof(outf), "/tmp/agent-trace-s.%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/agent-trace-s.%d.err", getpid());
	snprintf(pidarg, sizeof(pidarg), "%d", target);
	tracer = spawn_logged((char *[]){ AT, "-p", pidarg, NULL }, outf, errf);
	wait_attached(exits);
	cr_assert_gt(syscall_links(), before, "no program on the syscall tracepoints");
	kill(tracer, sig);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	out = slurp(outf);
	if (sig == SIGKILL) {
		cr_assert(WIFSIGNALED(st));
	} else {
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
		cr_assert_eq(count_lines(out, "syscall                calls"), 1, "%s", out);
	}
	/* Links are owned by file descriptors: nothing stays attached either way. */
	cr_assert_eq(links_settle_sys(before), before, "links left behind after signal %d", sig);
	/* The target was never harmed. */
	cr_assert_eq(write(release, "g", 1), 1);
	close(release);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(outf);
	unlink(errf);
	free(out);
}

Test(cli, sigterm_detaches_and_summarises)
{
	stop_with(SIGTERM);
}

Test(cli, sigint_detaches_and_summarises)
{
	stop_with(SIGINT);
}

Test(cli, sigkill_leaves_nothing_attached)
{
	stop_with(SIGKILL);
}

Test(cli, duration_ends_the_trace)
{
	char pidarg[16], *out, *err;
	int release, st;
	pid_t target = start_waiting_target(&release, "0");

	snprintf(pidarg, sizeof(pidarg), "%d", target);
	st = run_capture((char *[]){ AT, "-q", "-d", "0.3", "-p", pidarg, NULL }, &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	cr_assert_str_eq(out, "", "-q: no summary");
	cr_assert_eq(write(release, "g", 1), 1);
	close(release);
	waitpid(target, &st, 0);
	free(out);
	free(err);
}

Test(cli, process_gone_before_attach)
{
	char pidarg[16], want[128], stat[64], buf[256] = "";
	int st, before = syscall_links();
	pid_t zombie = fork();

	/* A zombie has exited but is still listed: the probes go in too late for it. */
	if (zombie == 0)
		_exit(0);
	snprintf(stat, sizeof(stat), "/proc/%d/stat", zombie);
	for (int i = 0; i < 500 && !strstr(buf, ") Z "); i++) {
		FILE *f = fopen(stat, "r");

		cr_assert_not_null(f);
		cr_assert_not_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		usleep(1000);
	}
	snprintf(pidarg, sizeof(pidarg), "%d", zombie);
	snprintf(want, sizeof(want), "agent-trace: -p %d: process exited before tracing began\n",
		 zombie);
	expect_error((char *[]){ AT, "-p", pidarg, NULL }, 1, want);
	cr_assert_eq(waitpid(zombie, &st, 0), zombie);
	cr_assert_eq(links_settle_sys(before), before, "nothing left attached");
}

Test(cli, output_file)
{
	char outf[64], *out, *err, *file;
	int st;

	snprintf(outf, sizeof(outf), "/tmp/agent-trace-o.%d", getpid());
	st = run_capture((char *[]){ AT, "-o", outf, "-e", "getppid", "--", CALLS, "threads",
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	cr_assert_str_eq(out, "", "everything goes to the file");
	file = slurp(outf);
	unlink(outf);
	cr_assert_eq(count_lines(file, "getppid() = "), 100, "%s", file);
	cr_assert_eq(count_lines(file, "getppid                  100        0"), 1, "%s", file);
	free(out);
	free(err);
	free(file);
}

Test(cli, capture_limit_boundaries)
{
	static const struct {
		const char *s, *n, *line, *why;
	} cuts[] = {
		{ "24", "24", "write(3, \"%s\\n\", 24) = 24", "exactly the limit is not cut" },
		{ "23", "24", "write(3, \"%s\"..., 24) = 24" },
		/* The largest limit reads real bytes, not stale ones. */
		{ "254", "254", "write(3, \"%s\\n\", 254) = 254" },
		/* Paths are whole, whatever -s says, as strace's. */
		{ "8", "5", "openat(AT_FDCWD, \"/nonexistent/agent-trace\", O_RDONLY) = -1 ENOENT",
		  "a path is not cut at -s" },
	};
	char path[64], line[512], xs[256], *out, *err;
	int st;

	/* basic PATH N writes N bytes, N - 1 x and a newline. */
	snprintf(path, sizeof(path), "/tmp/agent-trace-s.%d", getpid());
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int n = atoi(cuts[i].n), s = atoi(cuts[i].s);

		memset(xs, 'x', sizeof(xs));
		xs[n - 1 < s ? n - 1 : s] = '\0';
		snprintf(line, sizeof(line), cuts[i].line, xs);
		st = run_capture((char *[]){ AT, "-s", (char *)cuts[i].s, "-e", "openat,write",
					     "--", CALLS, "basic", path, (char *)cuts[i].n, NULL },
				 &out, &err);
		expect_ok_lines(st, out, err,
				(const struct nlines[]){ { line, 1, cuts[i].why }, {} });
	}
	unlink(path);
}

/*
 * A probe file of function probes alone loads the syscall programs but
 * leaves them out of the tracepoints (each would run for every syscall on
 * the machine, and every uretprobe return is one); a reload that adds a
 * syscall probe attaches them, and the new probe sees its calls.
 */
Test(cli, syscall_programs_only_once_a_syscall_probe_exists)
{
	char yaml[64], outf[64], errf[64], pidarg[16];
	int release, st, before = syscall_links(), exits = links_of("sched_process_exit");
	int enters = links_of("sys_enter"), sysexits = links_of("sys_exit");
	pid_t target = start_waiting_target(&release, "7"), tracer;
	char *out;

	tmp_names("sysdefer", yaml, outf, errf);
	write_text(yaml, "probes:\n  - {name: allocs, kind: function, attach: 'libc:malloc', "
			 "action: count}\n");
	snprintf(pidarg, sizeof(pidarg), "%d", target);
	tracer = spawn_logged((char *[]){ AT, "--json", "-C", yaml, "-p", pidarg, NULL }, outf,
			      errf);
	wait_attached(exits);
	usleep(100 * 1000);
	cr_assert_eq(syscall_links(), before, "no syscall program attached for function probes");
	write_text(yaml, "probes:\n  - {name: allocs, kind: function, attach: 'libc:malloc', "
			 "action: count}\n  - {name: ppid, kind: syscall, attach: getppid}\n");
	cr_assert_eq(kill(tracer, SIGHUP), 0);
	cr_assert_eq(links_settle("sys_enter", enters + 1), enters + 1, "%s", slurp(errf));
	cr_assert_eq(links_of("sys_exit"), sysexits + 1);
	cr_assert_eq(write(release, "g", 1), 1);
	close(release);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", slurp(errf));
	out = slurp(outf);
	cr_assert_eq(count_lines(out,
				 "\"probe_name\":\"ppid\",\"probe_id\":1,\"syscall\":\"getppid\""),
		     7, "%s", out);
	free(out);
	cr_assert_eq(links_settle_sys(before), before, "links left behind");
	unlink(yaml);
	unlink(outf);
	unlink(errf);
}

/*
 * strace's classes select what strace's do: each class (and its spellings)
 * on a Python script whose calls fall in all of them, run under strace 6.1
 * and agent-trace, gives the same syscalls. (Not compared: how many times;
 * Python's start-up varies by a call or two between runs.)
 */
Test(cli, syscall_classes_select_what_strace_selects)
{
	static const char *const classes[] = {
		"%net",	    "%network", "network", "%desc",	 "desc",   "%file",
		"file",	    "%stat",	"%lstat",  "%fstat",	 "%%stat", "%statfs",
		"%fstatfs", "%%statfs", "%pure",   "%creds",	 "%clock", "%process",
		"%memory",  "%signal",	"%ipc",	   "%net,%stat",
	};
	char script[64], sout[64], spec[64], want[4096], got[4096];

	tmp_name(script, sizeof(script), "classes", "py");
	tmp_name(sout, sizeof(sout), "classes", "strace");
	write_text(
		script,
		"import ctypes, os, signal, socket, time\n"
		"libc = ctypes.CDLL(None, use_errno=True)\n"
		"buf = ctypes.create_string_buffer(512)\n"
		"s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
		"c = socket.socket(); c.connect(s.getsockname())\n"
		"a, _ = s.accept(); c.send(b'hi'); a.recv(2)\n"
		"for x in (c, a, s): x.close()\n"
		"libc.syscall(4, b'/tmp', buf); libc.syscall(6, b'/tmp', buf)\n" /* stat lstat */
		"libc.syscall(137, b'/', buf); libc.syscall(138, 0, buf)\n" /* statfs fstatfs */
		"libc.syscall(229, 0, buf); libc.syscall(228, 1, buf)\n" /* clock_getres, gettime */
		"os.getuid(); os.getgid(); os.getpid(); os.getppid()\n"
		"signal.signal(signal.SIGUSR1, signal.SIG_IGN); os.kill(os.getpid(), 0)\n"
		"libc.syscall(29, 0, 4096, 0o1600)\n" /* shmget */
		"os.stat('/tmp'); os.lstat('/tmp'); os.statvfs('/')\n");
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		char *out, *err, *sto;
		int st;

		snprintf(spec, sizeof(spec), "trace=%s", classes[i]);
		st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", spec,
					     "/usr/bin/python3.11", script, NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace -e %s: %s", spec, err);
		free(out), free(err);
		sto = slurp(sout);
		call_names(sto, false, want, sizeof(want));
		free(sto);
		st = run_capture((char *[]){ AT, "-q", "-e", spec, "--", "/usr/bin/python3.11",
					     script, NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "agent-trace -e %s: %s", spec, err);
		call_names(out, true, got, sizeof(got));
		free(out), free(err);
		cr_assert_str_eq(got, want, "-e %s: agent-trace:\n%s\nstrace:\n%s", spec, got,
				 want);
		/* The script makes calls of every class: none passes by being empty. */
		cr_assert(want[0], "-e %s: strace saw no call", spec);
	}
	expect_error((char *[]){ AT, "-e", "trace=net", "--", CALLS, NULL }, 2,
		     "agent-trace: -e: unknown syscall or class 'net'\n");
	unlink(script);
	unlink(sout);
}

/*
 * JSON keeps UTF-8 as it is and escapes an invalid byte as \udcXX: a file
 * named café.txt comes out as "café.txt" (not "caf\u00c3\u00a9.txt", which a
 * reader takes for cafÃ©.txt), one with byte 0xff as "bad\udcff.txt", which
 * Python's surrogateescape turns back into the very bytes.
 */
Test(cli, json_strings_keep_utf8_and_mark_invalid_bytes)
{
	char dir[64], good[128], bad[128], want[192], py[512];
	char *out, *err;
	int st;

	tmp_name(dir, sizeof(dir), "utf8", "d");
	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(good, sizeof(good), "%s/caf\xc3\xa9.txt", dir);
	snprintf(bad, sizeof(bad), "%s/bad\xff.txt", dir);
	st = run_capture((char *[]){ AT, "-q", "--json", "-e", "trace=openat", "--",
				     "/usr/bin/touch", good, bad, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(want, sizeof(want), "\"filename\":\"%s\"", good);
	cr_assert(strstr(out, want), "no %s in:\n%s", want, out);
	snprintf(want, sizeof(want), "\"filename\":\"%s/bad\\udcff.txt\"", dir);
	cr_assert(strstr(out, want), "no %s in:\n%s", want, out);
	/* A JSON reader gets both names back, byte for byte. */
	snprintf(py, sizeof(py),
		 "import json, sys\n"
		 "names = [json.loads(l)['args']['filename'].encode('utf-8', 'surrogateescape')\n"
		 "         for l in open(sys.argv[1]) if '\"openat\"' in l]\n"
		 "assert b'%s/caf\\xc3\\xa9.txt' in names, names\n"
		 "assert b'%s/bad\\xff.txt' in names, names\n",
		 dir, dir);
	{
		char script[64], data[64], *o2, *e2;

		tmp_name(script, sizeof(script), "utf8", "py");
		tmp_name(data, sizeof(data), "utf8", "json");
		write_text(script, "%s", py);
		write_text(data, "%s", out);
		st = run_capture((char *[]){ "/usr/bin/python3.11", script, data, NULL }, &o2, &e2);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", e2);
		free(o2), free(e2);
		unlink(script), unlink(data);
	}
	free(out), free(err);
	unlink(good), unlink(bad), rmdir(dir);
}

/*
 * fcntl and futex show the arguments their command takes, as strace does,
 * though the registers past them hold junk (calls unused): the same lines
 * as strace 6.1's, and JSON without the untaken ones.
 */
Test(cli, arguments_a_call_does_not_take_are_left_out)
{
	char sout[64];
	char *out, *err, *sto;
	int st, lines = 0;

	tmp_name(sout, sizeof(sout), "unused", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e",
				     "trace=fcntl,futex", CALLS, "unused", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", "trace=fcntl,futex", "--", CALLS, "unused",
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	lines = same_lines(sto, out, NULL, NULL);
	cr_assert_eq(lines, 6, "strace:\n%s\nagent-trace:\n%s", sto, out);
	/*
	 * The dup's number depends on the fds the test inherits (10 and up may
	 * be open): read it from the line, then the flags of the test's stdin,
	 * whatever it is: read-only.
	 */
	const char *dup = strstr(out, "F_DUPFD_CLOEXEC, 10) = ");
	char want[64];
	int fd = -1;

	cr_assert(dup && sscanf(dup, "F_DUPFD_CLOEXEC, 10) = %d", &fd) == 1 && fd >= 10, "%s", out);
	snprintf(want, sizeof(want), "fcntl(%d, F_GETFL) = ", fd);
	cr_assert(strstr(out, want) && strstr(out, " (flags O_RDONLY"), "%s", out);
	free(out), free(err), free(sto);
	st = run_capture((char *[]){ AT, "-q", "--json", "-e", "trace=fcntl,futex", "--", CALLS,
				     "unused", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(want, sizeof(want), "\"args\":{\"fd\":%d,\"cmd\":\"F_GETFL\"},\"ret\":", fd);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, "\"cmd\":\"F_SETFD\",\"arg\":\"0\"}"), "%s", out);
	cr_assert(strstr(out, "\"op\":\"FUTEX_WAKE_PRIVATE\",\"val\":1},\"ret\":0"), "%s", out);
	cr_assert(strstr(out,
			 "\"op\":\"FUTEX_WAIT_BITSET_PRIVATE\",\"val\":8,\"utime\":null,"
			 "\"val3\":\"FUTEX_BITSET_MATCH_ANY\"},\"ret\":-11,\"errno\":\"EAGAIN\""),
		  "%s", out);
	free(out), free(err);
	unlink(sout);
}

/*
 * A 64-bit process's 32-bit calls (int $0x80, calls compat) decode with the
 * i386 table: the same lines as strace 6.1's (getpid 3 times, write's bytes,
 * open's path and errno), strace's personality lines around them, the i386
 * number and the ABI in JSON, rows of their own in the summary, and -e by
 * name selecting both ABIs' calls.
 */
Test(cli, compat_calls_decode_as_i386)
{
	char sout[64], want[128];
	char *out, *err, *sto;
	int st, lines = 0;
	char *const at[] = {
		AT, "-q", "-e", "trace=getpid,write,open", "--", CALLS, "compat", NULL
	};

	tmp_name(sout, sizeof(sout), "compat", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e",
				     "trace=getpid,write,open", CALLS, "compat", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
	free(out), free(err);
	st = run_capture(at, &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	{
		static const char *const at_skip[] = { "[ Process PID=", "hi\n", NULL };
		static const char *const st_skip[] = { "hi\n", NULL };

		lines = same_lines(sto, out, at_skip, st_skip);
	}
	cr_assert_geq(lines, 7, "strace:\n%s\nagent-trace:\n%s", sto, out);
	cr_assert(strstr(out, "write(1, \"hi\\n\", 3) = 3\n"), "%s", out);
	cr_assert(strstr(out, "open(\"/nonexistent/i386\", O_RDONLY) = -1 ENOENT"), "%s", out);
	/* strace's lines at each change of ABI, around the four 32-bit calls. */
	{
		const char *m32 = strstr(out, "runs in 32 bit mode. ]\n");
		const char *m64 = strstr(out, "runs in 64 bit mode. ]\n");

		cr_assert(m32 && m64 && m32 < m64, "%s", out);
		cr_assert_eq(count_lines(m32, "getpid() = "), 4, "%s", out);
		cr_assert_eq(count_lines(m64, "getpid() = "), 1, "%s", out);
		cr_assert_eq(count_lines(out, "runs in 32 bit mode"), 1, "%s", out);
	}
	free(out), free(err), free(sto);

	st = run_capture((char *[]){ AT, "-q", "--json", "-e", "trace=getpid,open", "--", CALLS,
				     "compat", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert_eq(count_lines(out,
				 "\"syscall\":\"getpid\",\"nr\":20,\"abi\":\"i386\",\"args\":{}"),
		     3, "%s", out);
	cr_assert_eq(count_lines(out, "\"syscall\":\"getpid\",\"nr\":39,\"args\":{}"), 2, "%s",
		     out);
	snprintf(want, sizeof(want),
		 "\"syscall\":\"open\",\"nr\":5,\"abi\":\"i386\",\"args\":{\"filename\":"
		 "\"/nonexistent/i386\",\"flags\":\"O_RDONLY\"");
	cr_assert(strstr(out, want), "%s", out);
	free(out), free(err);

	/* With -T the entry and exit programs pair them: the same calls, with durations. */
	st = run_capture((char *[]){ AT, "-q", "-T", "--json", "-e", "trace=getpid,open", "--",
				     CALLS, "compat", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert_eq(count_lines(out,
				 "\"syscall\":\"getpid\",\"nr\":20,\"abi\":\"i386\",\"args\":{}"),
		     3, "%s", out);
	cr_assert(strstr(out, want), "%s", out);
	free(out), free(err);

	st = run_capture((char *[]){ AT, "-c", "-e", "trace=getpid", "--", CALLS, "compat", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(err, "\ngetpid (i386)              3        0\n") ||
			  strstr(out, "\ngetpid (i386)              3        0\n"),
		  "%s%s", out, err);
	cr_assert(strstr(err, "\ngetpid                     2        0\n") ||
			  strstr(out, "\ngetpid                     2        0\n"),
		  "%s%s", out, err);
	free(out), free(err);
	unlink(sout);
}

/* Microseconds since the epoch of the first line's -ttt time, or of HH:MM:SS.uuuuuu today. */
static double first_time(const char *out, bool epoch)
{
	int h, m;
	double sec;

	if (epoch)
		return strtod(out, NULL);
	cr_assert_eq(sscanf(out, "%d:%d:%lf", &h, &m, &sec), 3, "%s", out);
	return h * 3600 + m * 60 + sec;
}

/* The wall clock now, as -ttt (epoch) or -tt (seconds since local midnight) shows it. */
static double wall_now(bool epoch)
{
	struct timespec ts;
	struct tm tm;
	time_t s;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (epoch)
		return (double)ts.tv_sec + ts.tv_nsec / 1e9;
	s = ts.tv_sec;
	localtime_r(&s, &tm);
	return tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec + ts.tv_nsec / 1e9;
}

/*
 * strace's time columns: -tt and -ttt are the wall clock of each call
 * (between the times before and after the run), -t the same to the second,
 * -r the time since the line before (0 for the first, never negative), -t
 * -r both, as "HH:MM:SS (+     0.000123)".
 */
Test(cli, wall_clock_and_relative_time_columns)
{
	char path[64];
	char *out, *err;
	int st;

	tmp_name(path, sizeof(path), "times", "out");
	for (int epoch = 0; epoch < 2; epoch++) {
		double before = wall_now(epoch), after, t;

		st = run_capture((char *[]){ AT, "-q", epoch ? "-ttt" : "-tt", "-e", "trace=openat",
					     "--", CALLS, "basic", path, "10", NULL },
				 &out, &err);
		after = wall_now(epoch);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
		t = first_time(out, epoch);
		cr_assert(t >= before - 1e-6 && t <= after + 1e-6, "%f not in [%f, %f]: %s", t,
			  before, after, out);
		cr_assert(strstr(out, epoch ? "." : ":"), "%s", out);
		free(out), free(err);
	}
	st = run_capture((char *[]){ AT, "-q", "-t", "-e", "trace=openat", "--", CALLS, "basic",
				     path, "10", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	cr_assert(out[2] == ':' && out[5] == ':' && out[8] == ' ', "HH:MM:SS: %s", out);
	free(out), free(err);

	st = run_capture((char *[]){ AT, "-q", "-r", "-e", "trace=openat", "--", CALLS, "basic",
				     path, "10", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	cr_assert(!strncmp(out, "     0.000000 ", 14), "the first line's delta is 0: %s", out);
	cr_assert_geq(count_lines(out, "openat("), 3, "%s", out);
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		cr_assert_geq(strtod(l, NULL), 0, "no negative delta: %s", out);
	free(out), free(err);

	st = run_capture((char *[]){ AT, "-q", "-t", "-r", "-e", "trace=openat", "--", CALLS,
				     "basic", path, "10", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	cr_assert(!strncmp(out + 8, " (+     0.000000) ", 18), "%s", out);
	free(out), free(err);
	expect_error((char *[]){ AT, "-tttt", "--", CALLS, NULL }, 2,
		     "agent-trace: -t: at most three (-ttt)\n");
	unlink(path);
}

/* The records the summary says were delivered ("records: N delivered"). */
static long records_delivered(const char *s)
{
	const char *p = strstr(s, "records: ");

	cr_assert_not_null(p, "%s", s);
	return strtol(p + 9, NULL, 10);
}

/*
 * -Z, -z and -e status= as strace's: only failed, only successful, or the
 * listed kinds of calls make lines, decided in the kernel (no record is made
 * for the others: the delivered count says so), while the counts take every
 * call. calls basic makes one failing openat among its others and exits
 * with exit_group (unfinished: it never returns).
 */
Test(cli, status_filters_make_no_records_for_the_others)
{
	static const struct {
		const char *opt, *opt2;
		int ok, failed, unfinished;
	} cases[] = {
		{ "-Z", NULL, 0, 1, 0 },
		{ "-z", NULL, 1, 0, 0 },
		{ "-e", "status=failed,unfinished", 0, 1, 1 },
		{ "-e", "status=!failed", 1, 0, 1 },
		{ "-e", "status=all", 1, 1, 1 },
	};
	char path[64];
	char *out, *err;
	int st, all_ok;

	tmp_name(path, sizeof(path), "status", "out");
	st = run_capture((char *[]){ AT, "-e", "trace=openat,exit_group", "--", CALLS, "basic",
				     path, "10", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	all_ok = (int)count_lines(out, "openat(") - 1;
	cr_assert_geq(all_ok, 3, "%s", out);
	cr_assert_eq(count_lines(out, "= -1 ENOENT"), 1, "%s", out);
	free(out), free(err);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *const argv[] = { AT,
				       (char *)cases[i].opt,
				       (char *)(cases[i].opt2 ? cases[i].opt2 : "-q"),
				       "-e",
				       "trace=openat,exit_group",
				       "--",
				       CALLS,
				       "basic",
				       path,
				       "10",
				       NULL };
		/* The calls', and the process's exit record. */
		long want = cases[i].ok * all_ok + cases[i].failed + cases[i].unfinished + 1;

		st = run_capture(argv, &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s %s: %s", cases[i].opt,
			  cases[i].opt2 ? cases[i].opt2 : "", err);
		cr_assert_eq(count_lines(out, "= -1 ENOENT"), (size_t)cases[i].failed,
			     "case %zu: %s", i, out);
		cr_assert_eq(count_lines(out, "exit_group(3) = ?"), (size_t)cases[i].unfinished,
			     "case %zu: %s", i, out);
		cr_assert_eq(count_lines(out, "openat(") - count_lines(out, "= -1 ENOENT"),
			     (size_t)(cases[i].ok * all_ok), "case %zu: %s", i, out);
		if (cases[i].opt2)
			cr_assert_eq(records_delivered(strstr(out, "records: ") ? out : err), want,
				     "case %zu: %s%s", i, out, err);
		free(out), free(err);
	}
	/* The counts take every call: -c -Z still counts the successful ones. */
	st = run_capture((char *[]){ AT, "-c", "-Z", "-e", "trace=openat", "--", CALLS, "basic",
				     path, "10", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	{
		char row[64];

		snprintf(row, sizeof(row), "\n%-18s %9d %8d\n", "openat", all_ok + 1, 1);
		cr_assert(strstr(out, row) || strstr(err, row), "%s%s", out, err);
	}
	free(out), free(err);
	expect_error(
		(char *[]){ AT, "-e", "status=bogus", "--", CALLS, NULL }, 2,
		"agent-trace: -e status=: unknown status 'bogus'; expected successful, failed, "
		"unfinished, unavailable, detached, none or all\n");
	expect_error((char *[]){ AT, "-e", "status=none", "--", CALLS, NULL }, 2,
		     "agent-trace: -e status=none: selects no calls\n");
	unlink(path);
}

/* The line of out (agent-trace's when at, else strace's) holding needle, normalised. */
static void line_with(const char *out, const char *needle, bool at, char *buf, size_t size)
{
	const char *p = strstr(out, needle), *l;

	cr_assert_not_null(p, "no %s in:\n%s", needle, out);
	for (l = p; l > out && l[-1] != '\n'; l--)
		;
	strace_norm(l, at, buf, size);
}

/*
 * -x and -xx as strace's: a string with a byte past printable ASCII all in
 * \xNN (a plain one as it is), and with -xx every string; the same lines
 * as strace 6.1 for an openat of a plain path and a read of binary bytes.
 */
Test(cli, hex_strings_as_strace)
{
	char path[64], sout[64], a[512], b[512];
	const char *opts[] = { "-x", "-xx" };

	tmp_name(path, sizeof(path), "hex", "dat");
	tmp_name(sout, sizeof(sout), "hex", "strace");
	write_text(path, "ab\x01\xff"
			 "cd\n");
	for (int i = 0; i < 2; i++) {
		char *out, *err, *sto;
		int st;

		st = run_capture((char *[]){ "/usr/bin/strace", (char *)opts[i], "-qq", "-o", sout,
					     "-e", "trace=openat,read", "/bin/cat", path, NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
		free(out), free(err);
		st = run_capture((char *[]){ AT, (char *)opts[i], "-q", "-e", "trace=openat,read",
					     "--", "/bin/cat", path, NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
		sto = slurp(sout);
		/* The read of the file's bytes: hex with either. */
		line_with(sto, "\\x61\\x62\\x01\\xff\\x63\\x64\\x0a", false, a, sizeof(a));
		line_with(out, "\\x61\\x62\\x01\\xff\\x63\\x64\\x0a", true, b, sizeof(b));
		cr_assert_str_eq(b, a, "%s", opts[i]);
		/* The path: as it is with -x, hex with -xx. */
		if (i == 0) {
			line_with(sto, path, false, a, sizeof(a));
			line_with(out, path, true, b, sizeof(b));
		} else {
			line_with(sto, "\\x2f\\x74\\x6d\\x70\\x2f\\x61", false, a, sizeof(a));
			line_with(out, "\\x2f\\x74\\x6d\\x70\\x2f\\x61", true, b, sizeof(b));
		}
		cr_assert_str_eq(b, a, "%s", opts[i]);
		free(out), free(err), free(sto);
	}
	expect_error((char *[]){ AT, "-xxx", "--", CALLS, NULL }, 2,
		     "agent-trace: -x: at most two (-xx)\n");
	unlink(path), unlink(sout);
}

/*
 * -ff -o FILE as strace's: each process's lines in FILE.PID (calls fork: the
 * parent's openat and exit in its file, the child's in its own, no line of
 * one in the other's), FILE itself not made, the summary on stderr; -ff
 * without -o is -f; -c with -ff is refused.
 */
Test(cli, ff_writes_one_file_per_process)
{
	char base[64], path[320];
	char *out, *err, *pf, *cf;
	int st;
	pid_t parent = 0, child = 0;

	tmp_name(base, sizeof(base), "ff", "trace");
	st = run_capture((char *[]){ AT, "-ff", "-o", base, "-e", "trace=openat,clone,exit_group",
				     "--", CALLS, "fork", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(access(base, F_OK), "%s itself is not made", base);
	cr_assert(strstr(err, "\nopenat "), "the summary on stderr: %s", err);
	cr_assert_str_eq(out, "");
	{
		/* The parent's clone returned the child's pid; its own pid is in its lines. */
		char *p = NULL;
		FILE *ls = popen("ls /tmp", "r");
		char name[256];

		cr_assert_not_null(ls);
		while (fgets(name, sizeof(name), ls)) {
			name[strcspn(name, "\n")] = '\0';
			snprintf(path, sizeof(path), "/tmp/%s", name);
			if (strncmp(path, base, strlen(base)) || path[strlen(base)] != '.')
				continue;
			p = slurp(path);
			if (strstr(p, "/nonexistent/parent"))
				parent = (pid_t)atoi(path + strlen(base) + 1);
			else if (strstr(p, "/nonexistent/child"))
				child = (pid_t)atoi(path + strlen(base) + 1);
			free(p);
		}
		pclose(ls);
	}
	cr_assert(parent > 0 && child > 0 && parent != child, "files of %d and %d", parent, child);
	snprintf(path, sizeof(path), "%s.%d", base, parent);
	pf = slurp(path);
	unlink(path);
	snprintf(path, sizeof(path), "%s.%d", base, child);
	cf = slurp(path);
	unlink(path);
	{
		char own[32];

		snprintf(own, sizeof(own), " %d/%d ", parent, parent);
		cr_assert_eq(count_lines(pf, own), count_lines(pf, " = ") + 1, "%s", pf);
		snprintf(own, sizeof(own), " %d/%d ", child, child);
		cr_assert_eq(count_lines(cf, own), count_lines(cf, " = ") + 1, "%s", cf);
		snprintf(own, sizeof(own), "clone(");
		cr_assert_eq(count_lines(pf, own), 1, "%s", pf);
		snprintf(own, sizeof(own), ") = %d\n", child);
		cr_assert(strstr(pf, own), "the clone's return: %s", pf);
	}
	cr_assert(strstr(pf, "+++ exited with 0 +++"), "%s", pf);
	cr_assert(strstr(cf, "+++ exited with 7 +++"), "%s", cf);
	cr_assert_null(strstr(pf, "/nonexistent/child"));
	cr_assert_null(strstr(cf, "/nonexistent/parent"));
	free(pf), free(cf), free(out), free(err);
	expect_error(
		(char *[]){ AT, "-c", "-ff", "-o", base, "--", CALLS, NULL }, 2,
		"agent-trace: -c and -ff contradict each other (-c writes no lines); keep one\n");
}

/* The "--- SIG... ---" lines of out, si_pid's numbers as P, each tool's prefix cut. */
static void signal_lines(const char *out, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = strstr(l, "--- SIG"), *e = strchr(l, '\n');

		if (!p || (e && p > e))
			continue;
		for (; *p && *p != '\n' && n + 2 < size; p++) {
			if (!strncmp(p, "si_pid=", 7)) {
				n += (size_t)snprintf(buf + n, size - n, "si_pid=P");
				p += 6 + strspn(p + 7, "0123456789");
				continue;
			}
			buf[n++] = *p;
		}
		buf[n++] = '\n';
		buf[n] = '\0';
	}
}

/*
 * Signal delivery lines as strace's (calls signals: kill, sigqueue with a
 * value, tgkill, the SIGCHLD of a child that exits 5 and of one a fault
 * kills, whose own SIGSEGV line has si_addr): the same lines as strace 6.1
 * -f, the JSON siginfo, and -e signal= choosing which.
 */
Test(cli, signal_delivery_lines_as_strace)
{
	char sout[64], a[2048], b[2048];
	char *out, *err, *sto;
	int st;

	tmp_name(sout, sizeof(sout), "signals", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-f", "-qq", "-o", sout, "-e", "trace=none",
				     CALLS, "signals", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-f", "-e", "trace=exit_group", "--", CALLS,
				     "signals", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	signal_lines(sto, a, sizeof(a));
	signal_lines(out, b, sizeof(b));
	cr_assert_eq(count_lines(a, "--- SIG"), 6, "%s", sto);
	cr_assert_str_eq(b, a, "agent-trace:\n%s\nstrace:\n%s", b, a);
	cr_assert(strstr(out,
			 "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---"),
		  "%s", out);
	free(out), free(err), free(sto);

	st = run_capture((char *[]){ AT, "-q", "--json", "-e", "trace=exit_group", "--", CALLS,
				     "signals", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, "\"type\":\"signal\""), "%s", out);
	cr_assert(strstr(out, "\"signal\":\"SIGUSR2\",\"siginfo\":{\"si_signo\":\"SIGUSR2\","
			      "\"si_code\":\"SI_QUEUE\",\"si_pid\":"),
		  "%s", out);
	cr_assert(strstr(out, ",\"si_uid\":0,\"si_int\":42,\"si_ptr\":\"0x2a\"}}"), "%s", out);
	cr_assert(strstr(out, "\"si_code\":\"CLD_EXITED\",\"si_pid\":"), "%s", out);
	cr_assert(strstr(out, "\"si_status\":5,"), "%s", out);
	free(out), free(err);

	/* -e signal= picks: SIGCHLD only, none, all but SIGUSR1. */
	st = run_capture((char *[]){ AT, "-q", "-e", "signal=SIGCHLD", "-e", "trace=exit_group",
				     "--", CALLS, "signals", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert_eq(count_lines(out, "--- "), 2, "%s", out);
	cr_assert_eq(count_lines(out, "--- SIGCHLD "), 2, "%s", out);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", "signal=none", "-e", "trace=exit_group", "--",
				     CALLS, "signals", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert_eq(count_lines(out, "--- "), 0, "%s", out);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", "signal=!usr1", "-e", "trace=exit_group", "--",
				     CALLS, "signals", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert_eq(count_lines(out, "--- "), 3, "%s", out);
	cr_assert_eq(count_lines(out, "--- SIGUSR1 "), 0, "%s", out);
	free(out), free(err);
	expect_error((char *[]){ AT, "-e", "signal=SIGFOO", "--", CALLS, NULL }, 2,
		     "agent-trace: -e signal=: unknown signal 'SIGFOO'\n");
	unlink(sout);
}

/*
 * Structures as strace decodes them (calls structs): a stat's mode and size,
 * a character device's st_rdev, pipe2's two fds, an input timespec with its
 * clock, a resource limit, wait4's statuses of a child that exits 3 and one
 * SIGTERM kills; the same lines as strace 6.1's, and JSON objects.
 */
Test(cli, structures_decode_as_strace)
{
	char path[64], sout[64], a[512];
	char *out, *err, *sto;
	const char *calls = "trace=newfstatat,fstat,pipe2,clock_nanosleep,prlimit64,wait4";
	int st, lines = 0;

	tmp_name(path, sizeof(path), "structs", "file");
	tmp_name(sout, sizeof(sout), "structs", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", (char *)calls,
				     CALLS, "structs", path, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", (char *)calls, "--", CALLS, "structs", path,
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	{
		/* strace's SIGCHLD lines: ptrace keeps the signal the target ignores. */
		static const char *const st_skip[] = { "--- ", NULL };

		lines = same_lines(sto, out, NULL, st_skip);
	}
	cr_assert_geq(lines, 8, "strace:\n%s\nagent-trace:\n%s", sto, out);
	snprintf(a, sizeof(a),
		 "newfstatat(AT_FDCWD, \"%s\", {st_mode=S_IFREG|0640, st_size=10, ...}, 0) = 0",
		 path);
	cr_assert(strstr(out, a), "%s", out);
	cr_assert(strstr(out,
			 "fstat(3, {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0"),
		  "%s", out);
	cr_assert(strstr(out,
			 "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000000}, NULL)"),
		  "%s", out);
	cr_assert(strstr(out, "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = "), "%s", out);
	cr_assert(strstr(out, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}], 0, NULL) = "), "%s",
		  out);
	free(out), free(err), free(sto);

	st = run_capture((char *[]){ AT, "-q", "--json", "-e", (char *)calls, "--", CALLS,
				     "structs", path, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out,
			 "\"statbuf\":{\"st_mode\":\"S_IFREG|0640\",\"st_size\":10,\"st_dev\":"),
		  "%s", out);
	{
		/* The two fds pipe2 returned (the lowest free: which, the test's own fds say). */
		const char *f = strstr(out, "\"fildes\":[");
		int r0 = -1, r1 = -1;

		cr_assert(f && sscanf(f, "\"fildes\":[%d,%d]", &r0, &r1) == 2 && r0 > 2 && r1 > r0,
			  "%s", out);
	}
	cr_assert(strstr(out, "\"rqtp\":{\"tv_sec\":0,\"tv_nsec\":1000000}"), "%s", out);
	cr_assert(strstr(out, "\"stat_addr\":\"WIFEXITED(s) && WEXITSTATUS(s) == 3\""), "%s", out);
	free(out), free(err);
	unlink(sout);
}

/*
 * -X raw and -X verbose print named constants and flags as strace's do
 * (numbers by kind, then the names in a comment): the same lines as strace
 * 6.1's for openat, lseek, mmap, socket and kill; JSON keeps the names.
 */
Test(cli, constants_print_raw_or_verbose_as_strace)
{
	static const char *const styles[] = { "raw", "verbose" };
	const char *calls = "trace=openat,lseek,mmap,munmap,socket,kill,close,unlink";
	char path[64], sout[64];
	char *out, *err, *sto;
	int st;

	tmp_name(path, sizeof(path), "xlat", "file");
	tmp_name(sout, sizeof(sout), "xlat", "strace");
	for (int i = 0; i < 2; i++) {
		int lines;

		st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-X", (char *)styles[i],
					     "-o", sout, "-e", (char *)calls, CALLS, "xlat", path,
					     NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
		free(out), free(err);
		st = run_capture((char *[]){ AT, "-q", "-X", (char *)styles[i], "-e", (char *)calls,
					     "--", CALLS, "xlat", path, NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
		sto = slurp(sout);
		lines = same_lines(sto, out, NULL, NULL);
		cr_assert_geq(lines, 12, "strace:\n%s\nagent-trace:\n%s", sto, out);
		if (i == 0) {
			cr_assert(
				strstr(out,
				       "openat(-100, \"/nonexistent/xlat\", 0x80000) = -1 ENOENT"),
				"%s", out);
			cr_assert(strstr(out, "socket(0x1, 0x1|0x80000, 0) = "), "%s", out);
			cr_assert(strstr(out, " lseek(3, 0, 0x2) = 0"), "%s", out);
		} else {
			cr_assert(strstr(out, "openat(-100 /* AT_FDCWD */, \"/nonexistent/xlat\", "
					      "0x80000 /* O_RDONLY|O_CLOEXEC */) = -1 ENOENT"),
				  "%s", out);
			cr_assert(strstr(out,
					 "socket(0x1 /* AF_UNIX */, 0x1 /* SOCK_STREAM */|0x80000 "
					 "/* SOCK_CLOEXEC */, 0) = "),
				  "%s", out);
			cr_assert(strstr(out, "kill(0, 0) = 0"), "%s", out);
		}
		free(out), free(err), free(sto);
	}
	/* So do the flags inside structures: poll's events and revents, epoll's. */
	for (int i = 0; i < 2; i++) {
		st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-X", (char *)styles[i],
					     "-o", sout, "-e", "trace=poll,epoll_ctl,epoll_wait",
					     CALLS, "polls", NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
		free(out), free(err);
		st = run_capture((char *[]){ AT, "-q", "-X", (char *)styles[i], "-e",
					     "trace=poll,epoll_ctl,epoll_wait", "--", CALLS,
					     "polls", NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
		sto = slurp(sout);
		cr_assert_eq(same_calls(sto, out, NULL), 8, "strace:\n%s\nagent-trace:\n%s", sto,
			     out);
		cr_assert(strstr(out, i ? "events=0x1 /* POLLIN */}" : "events=0x1}"), "%s", out);
		free(out), free(err), free(sto);
	}
	/* fcntl's and futex's own arguments and F_GETFD's flags follow -X too. */
	for (int i = 0; i < 2; i++) {
		st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-X", (char *)styles[i],
					     "-o", sout, "-e", "trace=fcntl,futex", CALLS, "unused",
					     NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
		free(out), free(err);
		st = run_capture((char *[]){ AT, "-q", "-X", (char *)styles[i], "-e",
					     "trace=fcntl,futex", "--", CALLS, "unused", NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
		sto = slurp(sout);
		cr_assert_eq(same_lines(sto, out, NULL, NULL), 6, "strace:\n%s\nagent-trace:\n%s",
			     sto, out);
		free(out), free(err), free(sto);
	}
	st = run_capture((char *[]){ AT, "-q", "--json", "-X", "raw", "-e", "trace=lseek", "--",
				     CALLS, "xlat", path, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, "\"args\":{\"fd\":3,\"offset\":0,\"whence\":\"SEEK_END\"}"), "%s",
		  out);
	free(out), free(err);
	expect_error((char *[]){ AT, "-X", "names", "--", CALLS, NULL }, 2,
		     "agent-trace: -X 'names': must be raw, abbrev or verbose\n");
	unlink(sout);
}

/* The variables of this process's environment, which the tools' children inherit. */
static int environ_count(void)
{
	extern char **environ;
	int n = 0;

	while (environ[n])
		n++;
	return n;
}

/*
 * execve's argv and envp as strace prints them: a failed exec's from the
 * caller's arrays, a successful one's from the new image's first stack (its
 * old pointers are gone: envp's address is ? without -T), at most -s
 * strings; the same lines as strace 6.1's with -T, and JSON arrays.
 */
/*
 * An environment of 600 variables (past the bounded loop's 512; bpf_loop
 * counts it whole): the exec's count is strace's, "/ * 600 vars * /".
 */
Test(cli, execve_counts_a_large_environment)
{
	static char vars[600][8];
	char *argv[7 + 600 + 2], *out, *err;
	int st, n = 0;

	argv[n++] = AT;
	argv[n++] = "-q";
	argv[n++] = "-e";
	argv[n++] = "trace=execve";
	argv[n++] = "--";
	argv[n++] = "/usr/bin/env";
	argv[n++] = "-i";
	for (int i = 0; i < 600; i++) {
		snprintf(vars[i], sizeof(vars[i]), "V%d=x", i);
		argv[n++] = vars[i];
	}
	argv[n++] = "/bin/true";
	argv[n] = NULL;
	st = run_capture(argv, &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	/* Without -T a successful exec's envp address is gone: "?". */
	cr_assert(strstr(out, "execve(\"/bin/true\", [\"/bin/true\"], ? /* 600 vars */) = 0"), "%s",
		  out);
	free(out), free(err);
}

Test(cli, execve_argv_and_envp_as_strace)
{
	char *const cmd[] = { "/bin/sh", "-c", "exec /nonexistent/x \"a b\" \"c\\\"d\"", NULL };
	char sout[64], line[512];
	char *out, *err, *sto;
	char *argv[80];
	int st, n = 0;

	tmp_name(sout, sizeof(sout), "execve", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", "trace=execve",
				     cmd[0], cmd[1], cmd[2], NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 127, "strace: %s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-T", "-e", "trace=execve", "--", cmd[0], cmd[1],
				     cmd[2], NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	{
		/* -T's durations, which strace prints with -T only. */
		for (char *d; (d = strstr(out, " <0."));)
			memmove(d, strchr(d, '>') + 1, strlen(strchr(d, '>') + 1) + 1);
		cr_assert_eq(same_lines(sto, out, NULL, NULL), 2, "strace:\n%s\nagent-trace:\n%s",
			     sto, out);
	}
	snprintf(line, sizeof(line),
		 "execve(\"/nonexistent/x\", [\"/nonexistent/x\", \"a b\", \"c\\\"d\"], 0x");
	cr_assert(strstr(out, line), "%s", out);
	snprintf(line, sizeof(line), " /* %d vars */) = -1 ENOENT", environ_count());
	cr_assert(strstr(out, line), "%s", out);
	free(out), free(err), free(sto);
	unlink(sout);

	/* Without -T a successful exec's envp address is gone; at most -s strings. */
	argv[n++] = AT, argv[n++] = "-q", argv[n++] = "-s", argv[n++] = "4", argv[n++] = "-e";
	argv[n++] = "trace=execve", argv[n++] = "--", argv[n++] = "/bin/true";
	for (int i = 0; i < 6; i++)
		argv[n++] = i == 2 ? "long argument" : "x";
	argv[n] = NULL;
	st = run_capture(argv, &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(line, sizeof(line),
		 "execve(\"/bin/true\", [\"/bin\"..., \"x\", \"x\", \"long\"..., ...], ? /* %d "
		 "vars */) = 0",
		 environ_count());
	cr_assert(strstr(out, line), "%s", out);
	free(out), free(err);
	{
		/* Strings past the slot's 247 bytes: the last one cut, not the slot lost. */
		char y[101];

		memset(y, 'y', 100);
		y[100] = '\0';
		st = run_capture((char *[]){ AT, "-q", "-s", "200", "-e", "trace=execve", "--",
					     "/bin/true", y, y, y, NULL },
				 &out, &err);
		cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
		cr_assert(strstr(out, "execve(\"/bin/true\", [\"/bin/true\", \"yyyy"), "%s", out);
		cr_assert(strstr(out, "yyy\"...], ? /* "), "%s", out);
		free(out), free(err);
	}
	st = run_capture((char *[]){ AT, "-q", "--json", "-e", "trace=execve", "--", "/bin/true",
				     "a", "b c", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(line, sizeof(line),
		 "\"args\":{\"filename\":\"/bin/true\",\"argv\":[\"/bin/true\",\"a\",\"b c\"],"
		 "\"envp\":{\"addr\":null,\"vars\":%d}}",
		 environ_count());
	cr_assert(strstr(out, line), "%s", out);
	free(out), free(err);
}

/* strace -f's lines without their "PID " prefixes (with two processes every line has one). */
static void drop_pid_prefix(char *s)
{
	char *w = s;

	for (char *l = s; *l;) {
		char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);
		size_t d = strspn(l, "0123456789");

		if (d && l[d] == ' ') {
			/* strace pads the pid to 5 columns. */
			d += strspn(l + d, " ");
			l += d, len -= d;
		}
		memmove(w, l, len);
		w += len;
		l += len;
	}
	*w = '\0';
}

/*
 * -P PATH, decided in the kernel: the calls that name the path and those on
 * fds open on its file (made by the call that creates it, duplicated,
 * inherited by a child) and none on another file, even on a number the
 * path's fd had; the same lines as strace 6.1's -P, and the counts of -c.
 */
/*
 * -P's file table (AT_TRACE_INODES) full: a path created and renamed away
 * 1,100 times is 1,100 files; those past the table's room are counted in the
 * summary's "-P file table full" (JSON lost.path_table), never silently
 * missed, and the calls naming the path are all there (the path matches
 * by string whatever the table holds).
 */
Test(cli, path_table_full_is_counted)
{
	char path[64];
	char *out, *err;
	unsigned long long lost = 0;
	const char *l;
	int st;

	snprintf(path, sizeof(path), "/tmp/at-recreate.%d", getpid());
	unlink(path);
	st = run_capture((char *[]){ AT, "-c", "-P", path, "-e", "trace=openat,rename", "--", CALLS,
				     "recreate", "1100", path, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	for (int i = 0; i < 1100; i++) {
		char p[80];

		snprintf(p, sizeof(p), "%s.%d", path, i);
		unlink(p);
	}
	l = strstr(out, " (Go entries without return), ");
	cr_assert(l && sscanf(l, " (Go entries without return), %llu (-P file table full)",
			      &lost) == 1,
		  "%s", err);
	/* The table holds 1,024 inodes: the 1,100 files' last 76 have no room. */
	cr_assert_eq(lost, 1100 - 1024, "%llu lost: %s", lost, out);
	cr_assert(strstr(out, "\nopenat                  1100 ") &&
			  strstr(out, "\nrename                  1100 "),
		  "%s", out);
	free(out), free(err);
}

Test(cli, path_tracing_as_strace)
{
	char path[64], other[64], sout[64];
	char *out, *err, *sto;
	int st;

	tmp_name(path, sizeof(path), "paths", "file");
	tmp_name(other, sizeof(other), "paths", "other");
	tmp_name(sout, sizeof(sout), "paths", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-f", "-o", sout, "-P", path, CALLS,
				     "paths", path, other, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-f", "-P", path, "--", CALLS, "paths", path, other,
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	drop_pid_prefix(sto);
	{
		/* strace's SIGCHLD line: ptrace keeps the signal the target ignores. */
		static const char *const st_skip[] = { "--- ", NULL };

		cr_assert_eq(same_lines(sto, out, NULL, st_skip), 10,
			     "strace:\n%s\nagent-trace:\n%s", sto, out);
	}
	cr_assert(strstr(out, ", \"child\\n\", 6) = 6\n"), "the child's write: %s", out);
	cr_assert_eq(count_lines(out, other), 0, "%s", out);
	cr_assert_eq(count_lines(out, "+++ exited"), 0, "strace -P shows no exits: %s", out);
	cr_assert_eq(count_lines(out, " <0."), 0, "no durations without -T: %s", out);
	free(out), free(err), free(sto);
	unlink(sout);

	st = run_capture((char *[]){ AT, "-q", "-c", "-f", "-P", path, "--", CALLS, "paths", path,
				     other, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	{
		/* Paired (-P decides at entry): the table has times; calls and errors checked. */
		static const struct {
			const char *name;
			int calls, errors;
		} rows[] = { { "openat", 1, 0 },    { "write", 2, 0 }, { "close", 2, 0 },
			     { "unlink", 2, 1 },    { "dup", 1, 0 },   { "lseek", 1, 0 },
			     { "newfstatat", 1, 0 } };
		int e;

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			cr_assert_eq(row_of(out, rows[i].name, &e), rows[i].calls, "%s: %s",
				     rows[i].name, out);
			cr_assert_eq(e, rows[i].errors, "%s: %s", rows[i].name, out);
		}
	}
	cr_assert_eq(row_of(out, "read", &st), -1, "another file's read: %s", out);
	free(out), free(err);
	expect_error((char *[]){ AT, "-P", "", "--", CALLS, NULL }, 2,
		     "agent-trace: -P: empty path\n");
	expect_error(
		(char *[]){ AT,	  "-P", "/a", "-P", "/b", "-P", "/c", "-P", "/d", "-P",	 "/e",
			    "-P", "/f", "-P", "/g", "-P", "/h", "-P", "/i", "--", CALLS, NULL },
		2, "agent-trace: -P '/i': at most 8 paths, their resolved forms counted\n");
}

/*
 * More structures as strace decodes them (calls structs2): a sigaction and
 * its old one, a signal mask with a real-time signal, utsname, sysinfo,
 * itimerval, itimerspec, statx's buffer, an epoll_event; the same lines as
 * strace 6.1's where the values do not move between the two runs, the
 * shapes of the others, and JSON objects.
 */
Test(cli, more_structures_decode_as_strace)
{
	const char *calls = "trace=rt_sigaction,rt_sigprocmask,uname,sysinfo,setitimer,getitimer,"
			    "timerfd_settime,timerfd_gettime,statx,epoll_ctl";
	/* Left, uptime and free memory move between the runs: their shapes are checked below. */
	static const char *const moving[] = { "sysinfo(", "getitimer(",
					      "setitimer(ITIMER_REAL, {it_interval={tv_sec=0",
					      "timerfd_gettime(", NULL };
	char path[64], sout[64], a[512];
	char *out, *err, *sto;
	int st, lines;

	tmp_name(path, sizeof(path), "structs2", "file");
	tmp_name(sout, sizeof(sout), "structs2", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", (char *)calls,
				     CALLS, "structs2", path, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", (char *)calls, "--", CALLS, "structs2", path,
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	{
		/* agent-trace's prefix is before the name: skip lists match from the name on. */
		char *o = strdup(out), *w = o;

		for (const char *l = out; *l;) {
			const char *p = l, *nl = strchr(l, '\n');
			size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);

			for (int f = 0; f < 2 && (p = strchr(p + strspn(p, " "), ' ')); f++)
				p++;
			if (!p || !starts_any(p, moving)) {
				memcpy(w, l, len);
				w += len;
			}
			l += len;
		}
		*w = '\0';
		lines = same_lines(sto, o, NULL, moving);
		free(o);
	}
	cr_assert_eq(lines, 8, "strace:\n%s\nagent-trace:\n%s", sto, out);
	cr_assert(strstr(out, " rt_sigprocmask(SIG_BLOCK, [CHLD RT_8], [], 8) = 0\n"), "%s", out);
	cr_assert(strstr(out, "sa_mask=[CHLD], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x"),
		  "%s", out);
	cr_assert(strstr(out, "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0\n"), "%s", out);
	cr_assert(strstr(out, " sysinfo({uptime="), "%s", out);
	cr_assert(strstr(out, ", procs="), "%s", out);
	cr_assert(strstr(out, ", totalhigh=0, freehigh=0, mem_unit=1}) = 0\n"), "%s", out);
	cr_assert(strstr(out, " getitimer(ITIMER_REAL, {it_interval={tv_sec=1, tv_usec=0}, "
			      "it_value={tv_sec=4, tv_usec="),
		  "%s", out);
	cr_assert(strstr(out, " timerfd_gettime(3, {it_interval={tv_sec=0, tv_nsec=0}, "
			      "it_value={tv_sec=0, tv_nsec="),
		  "%s", out);
	snprintf(a, sizeof(a),
		 " statx(AT_FDCWD, \"%s\", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, "
		 "{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, "
		 "stx_mode=S_IFREG|0640, stx_size=3, ...}) = 0\n",
		 path);
	cr_assert(strstr(out, a), "%s", out);
	free(out), free(err), free(sto);
	unlink(sout);

	st = run_capture((char *[]){ AT, "-q", "--json", "-e", (char *)calls, "--", CALLS,
				     "structs2", path, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, "\"nset\":[\"SIGCHLD\",\"SIGRT_8\"],\"oset\":[]"), "%s", out);
	cr_assert(strstr(out, "\"oact\":{\"sa_handler\":\"SIG_DFL\",\"sa_mask\":[],"
			      "\"sa_flags\":\"0\"}"),
		  "%s", out);
	cr_assert(strstr(out, "\"name\":{\"sysname\":\"Linux\",\"nodename\":\""), "%s", out);
	cr_assert(strstr(out, "\"event\":{\"events\":\"EPOLLIN\",\"data\":{\"u32\":7,\"u64\":7}}"),
		  "%s", out);
	cr_assert(strstr(out, "\"stx_mode\":\"S_IFREG|0640\",\"stx_size\":3,\"stx_blksize\":"),
		  "%s", out);
	cr_assert(strstr(out, "\"value\":{\"it_interval\":{\"tv_sec\":1,\"tv_usec\":0},"
			      "\"it_value\":{\"tv_sec\":5,\"tv_usec\":0}}"),
		  "%s", out);
	free(out), free(err);
}

/*
 * poll's fds and their revents and epoll_wait's events, arrays read at the
 * call's exit as long as nfds and the result say: the same lines as strace
 * 6.1's (a timeout, an empty list too), and JSON arrays.
 */
Test(cli, poll_and_epoll_arrays_as_strace)
{
	const char *calls = "trace=poll,epoll_wait,epoll_ctl";
	char sout[64];
	char *out, *err, *sto;
	int st;

	tmp_name(sout, sizeof(sout), "polls", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", (char *)calls,
				     CALLS, "polls", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", (char *)calls, "--", CALLS, "polls", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	cr_assert_eq(same_lines(sto, out, NULL, NULL), 8, "strace:\n%s\nagent-trace:\n%s", sto,
		     out);
	cr_assert(strstr(out, "], 2, 100) = 2 ([{fd="), "%s", out);
	cr_assert(strstr(out, "events=POLLPRI}], 1, 10) = 0 (Timeout)\n"), "%s", out);
	cr_assert(strstr(out, ", [], 4, 10) = 0\n"), "%s", out);
	free(out), free(err), free(sto);
	unlink(sout);
	st = run_capture((char *[]){ AT, "-q", "--json", "-e", "trace=poll,epoll_wait", "--", CALLS,
				     "polls", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, "\"events\":\"POLLPRI\",\"revents\":\"0\"}],\"nfds\":1"), "%s", out);
	cr_assert(strstr(out, "\"events\":[{\"events\":\"EPOLLIN\",\"data\":{\"u32\":"), "%s", out);
	cr_assert(strstr(out, "\"events\":[],\"maxevents\":4"), "%s", out);
	free(out), free(err);
}

/*
 * What differs between two runs of a program: set_tid_address's result (the
 * pid), getrandom's bytes, a port the kernel picked (htons(P)).
 */
static void run_norm(char *l)
{
	char *p;

	if (!strncmp(l, "set_tid_address(", 16) && (p = strstr(l, ") = ")))
		strcpy(p + 4, "P");
	if (!strncmp(l, "getrandom(\"", 11) && (p = strchr(l + 11, '"')))
		memmove(l + 11, p, strlen(p) + 1);
	for (p = strstr(l, "htons("); p; p = strstr(p + 1, "htons(")) {
		size_t n = strspn(p + 6, "0123456789");

		if (n) {
			p[6] = 'P';
			memmove(p + 7, p + 6 + n, strlen(p + 6 + n) + 1);
		}
	}
}

/* The Python script of the side-by-side test: a TCP exchange on 127.0.0.1, a datagram, a file. */
static const char side_py[] =
	"import socket, sys\n"
	"srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
	"srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
	"srv.bind((\"127.0.0.1\", 0))\n"
	"srv.listen(1)\n"
	"c = socket.create_connection((\"127.0.0.1\", srv.getsockname()[1]))\n"
	"s, peer = srv.accept()\n"
	"c.sendall(b\"ping\\n\")\n"
	"open(sys.argv[1], \"w\").write(repr(s.recv(16)))\n"
	"s.send(b\"pong\")\n"
	"c.recv(4)\n"
	"u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
	"u.sendto(b\"dgram\", (\"127.0.0.1\", 9))\n"
	"for x in (s, c, srv, u):\n"
	"    x.close()\n";

/*
 * The side-by-side test: `ls -la` on a directory of known files,
 * every call traced, and a Python script's socket calls, each run under
 * strace 6.1 and under agent-trace -T -s 32: every call line the same but
 * for what differs between two runs (pids, random bytes, ports, addresses).
 */
Test(cli, ls_and_python_side_by_side_as_strace, .timeout = 120)
{
	char dir[64], path[128], sout[64], aout[64], script[128], note[128];
	const struct timespec when[2] = { { .tv_sec = 1700000000 }, { .tv_sec = 1700000000 } };
	char *out, *err, *sto;
	int st, n;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/at-side.%d", getpid());
	cr_assert(!mkdir(dir, 0755) || errno == EEXIST, "%s", strerror(errno));
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert(!mkdir(path, 0700) || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/a", dir);
	cr_assert((f = fopen(path, "w")) && fputs("alpha\n", f) >= 0 && !fclose(f));
	snprintf(path, sizeof(path), "%s/link", dir);
	cr_assert(!symlink("a", path) || errno == EEXIST);
	snprintf(script, sizeof(script), "%s/side.py", dir);
	cr_assert((f = fopen(script, "w")) && fputs(side_py, f) >= 0 && !fclose(f));
	const char *const names[] = { "sub", "a", "side.py", "." };
	for (unsigned i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		cr_assert(!utimensat(AT_FDCWD, path, when, 0), "%s: %s", path, strerror(errno));
	}
	setenv("LC_ALL", "C", 1);
	tmp_name(sout, sizeof(sout), "side", "strace");
	tmp_name(aout, sizeof(aout), "side", "out");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "/usr/bin/ls", "-la",
				     dir, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	/* ls's listing on stdout, the trace in a file (strace's too). */
	st = run_capture((char *[]){ AT, "-q", "-T", "-s", "32", "-o", aout, "--", "/usr/bin/ls",
				     "-la", dir, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out);
	out = slurp(aout);
	sto = slurp(sout);
	n = same_calls(sto, out, run_norm);
	cr_assert_gt(n, 60, "strace:\n%s\nagent-trace:\n%s", sto, out);
	/* ., .., a, link, side.py, sub; then the end of the directory. */
	cr_assert(strstr(out, " /* 6 entries */, 32768) = "), "%s", out);
	cr_assert(strstr(out, " /* 0 entries */, 32768) = 0"), "%s", out);
	cr_assert(strstr(out, "readlink(\""), "%s", out);
	cr_assert(strstr(out, "write(1, \"total "), "%s", out);
	free(out), free(err), free(sto);

	snprintf(note, sizeof(note), "%s/got", dir);
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", "trace=%network",
				     "/usr/bin/python3.11", script, note, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-T", "-s", "32", "-e", "trace=%network", "--",
				     "/usr/bin/python3.11", script, note, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	unsetenv("LC_ALL");
	sto = slurp(sout);
	n = same_calls(sto, out, run_norm);
	cr_assert_eq(n, 15, "strace:\n%s\nagent-trace:\n%s", sto, out);
	cr_assert(strstr(out, "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = "), "%s",
		  out);
	cr_assert(strstr(out, ", SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"), "%s", out);
	cr_assert(strstr(out, "sendto(") &&
			  strstr(out,
				 "\"dgram\", 5, 0, {sa_family=AF_INET, "
				 "sin_port=htons(9), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 5"),
		  "%s", out);
	free(out), free(err), free(sto);
	unlink(sout);
	unlink(aout);
	for (unsigned i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, i == 0 ? "link" : i == 1 ? "got" : "a");
		unlink(path);
	}
	unlink(script);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/*
 * sigaltstack's stack_t in and out, getsockopt's int value and its length
 * as given and as the call left it ([16 => 4]), rt_sigtimedwait's set,
 * siginfo and signal taken: with -T each line strace 6.1's; JSON has the
 * fields; without -T getsockopt's length as left.
 */
/*
 * The calls target in mode MODE under strace 6.1 and under agent-trace -T,
 * each tracing CALLS (an -e expression): strace's trace into *sto,
 * agent-trace's into *out (the caller frees both).
 */
static void trace_both(const char *calls, const char *mode, char **sto, char **out)
{
	char sout[64], *o, *err;
	int st;

	tmp_name(sout, sizeof(sout), mode, "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", (char *)calls,
				     CALLS, (char *)mode, NULL },
			 &o, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
	free(o), free(err);
	st = run_capture((char *[]){ AT, "-q", "-T", "-e", (char *)calls, "--", CALLS, (char *)mode,
				     NULL },
			 out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(err);
	*sto = slurp(sout);
	unlink(sout);
}

/* rt_sigtimedwait's siginfo with its sender's pid as P (the two tools' targets differ). */
static void si_pid_norm(char *l)
{
	char *p = strstr(l, "si_pid=");

	if (p) {
		size_t n = strspn(p + 7, "0123456789");

		p[7] = 'P';
		memmove(p + 8, p + 7 + n, strlen(p + 7 + n) + 1);
	}
}

Test(cli, sigaltstack_getsockopt_sigtimedwait_as_strace)
{
	const char *calls = "trace=sigaltstack,getsockopt,rt_sigtimedwait";
	char *out, *err, *sto;
	int st;

	trace_both(calls, "altstack", &sto, &out);
	cr_assert_eq(same_calls(sto, out, si_pid_norm), 8, "strace:\n%s\nagent-trace:\n%s", sto,
		     out);
	cr_assert(strstr(out,
			 "rt_sigtimedwait([USR1], {si_signo=SIGUSR1, si_code=SI_USER, si_pid="),
		  "%s", out);
	cr_assert(strstr(out, ", si_uid=0}, NULL, 8) = 10 (SIGUSR1)"), "%s", out);
	cr_assert(strstr(out, "rt_sigtimedwait([USR2], 0x") &&
			  strstr(out, ", {tv_sec=0, tv_nsec=1000000}, 8) = -1 EAGAIN"),
		  "%s", out);
	cr_assert(strstr(out, "sigaltstack({ss_sp=0x") &&
			  strstr(out, ", ss_flags=0, ss_size=65536}, "
				      "NULL) = 0"),
		  "%s", out);
	cr_assert(strstr(out,
			 "sigaltstack({ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}, NULL) = 0"),
		  "%s", out);
	cr_assert(strstr(out, ", SOL_SOCKET, SO_TYPE, [2], [16 => 4]) = 0"), "%s", out);
	cr_assert(strstr(out, "getsockopt(-1, SOL_SOCKET, SO_ERROR, 0x"), "%s", out);
	free(out), free(sto);
	st = run_capture((char *[]){ AT, "-q", "--json", "-T", "-e", (char *)calls, "--", CALLS,
				     "altstack", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, "\"uoss\":{\"ss_sp\":\"0x"), "%s", out);
	cr_assert(strstr(out, "\"ss_flags\":\"0\",\"ss_size\":65536}"), "%s", out);
	cr_assert(strstr(out, "\"optval\":2,\"optlen\":{\"in\":16,\"out\":4}"), "%s", out);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", "trace=getsockopt", "--", CALLS, "altstack",
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, ", SOL_SOCKET, SO_TYPE, [2], [4]) = 0"), "%s", out);
	free(out), free(err);
}

/* What was left of a timeout as L: "left {tv_sec=L, tv_usec=L}" (it differs run to run). */
static void left_norm(char *l)
{
	for (char *p = strstr(l, "left {"); p; p = strstr(p + 1, "left {"))
		for (char *q = p + 6; *q && *q != '}'; q++)
			if (*q >= '0' && *q <= '9') {
				size_t n = strspn(q, "0123456789");

				*q = 'L';
				memmove(q + 1, q + n, strlen(q + n) + 1);
			}
}

/*
 * select's fd_sets, as given and as the call left them ("in [3], out [4]"),
 * and what was left of the timeouts of select, pselect6 and ppoll: with -T
 * each line is strace 6.1's but for the time left; JSON has the sets and
 * the ready fds, and "left" inside the timeout; without -T the arguments
 * are read at the exit (the sets as the call left them).
 */
Test(cli, select_and_ppoll_as_strace)
{
	const char *calls = "trace=select,pselect6,ppoll";
	char *out, *err, *sto;
	int st, n;

	trace_both(calls, "selects", &sto, &out);
	n = same_calls(sto, out, left_norm);
	cr_assert_eq(n, 5, "strace:\n%s\nagent-trace:\n%s", sto, out);
	/* The pipe's fds: the lowest free ones, whatever the test inherited. */
	const char *l = strstr(out, " select(");
	int r = -1, w = -1, nfds = -1, r2 = -1, w2 = -1;
	char want[256];

	cr_assert(
		l &&
			sscanf(l,
			       " select(%d, [%d], [%d], NULL, {tv_sec=1, tv_usec=0}) = 2 (in [%d], "
			       "out [%d], left {tv_sec=0, tv_usec=",
			       &nfds, &r, &w, &r2, &w2) == 5 &&
			nfds == w + 1 && r2 == r && w2 == w,
		"%s", out);
	snprintf(want, sizeof(want),
		 "select(%d, [%d], NULL, NULL, {tv_sec=0, tv_usec=1000}) = 0 "
		 "(Timeout)",
		 nfds, w);
	cr_assert(strstr(out, want), "%s", out);
	snprintf(want, sizeof(want),
		 ", NULL, 8) = 1 ([{fd=%d, revents=POLLIN}], left {tv_sec=0, "
		 "tv_nsec=",
		 r);
	cr_assert(strstr(out, want), "%s", out);
	free(out), free(sto);
	st = run_capture((char *[]){ AT, "-q", "-T", "--json", "-e", (char *)calls, "--", CALLS,
				     "selects", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(want, sizeof(want),
		 "\"inp\":{\"fds\":[%d],\"ready\":[%d]},\"outp\":{\"fds\":[%d],"
		 "\"ready\":[%d]},\"exp\":null,\"tvp\":{\"tv_sec\":1,\"tv_usec\":0,\"left\":"
		 "{\"tv_sec\":0,",
		 r, r, w, w);
	cr_assert(strstr(out, want), "%s", out);
	snprintf(want, sizeof(want), "\"inp\":{\"fds\":[%d],\"ready\":[]}", w);
	cr_assert(strstr(out, want), "%s", out);
	free(out), free(err);
	/* Without -T: read at the exit, the set the timeout emptied is empty. */
	st = run_capture((char *[]){ AT, "-q", "-e", "trace=select", "--", CALLS, "selects", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(want, sizeof(want), " select(%d, [%d], [%d], NULL, {tv_sec=0, tv_usec=", nfds, r,
		 w);
	cr_assert(strstr(out, want), "%s", out);
	snprintf(want, sizeof(want),
		 " select(%d, [], NULL, NULL, {tv_sec=0, tv_usec=0}) = 0 "
		 "(Timeout)\n",
		 nfds);
	cr_assert(strstr(out, want), "%s", out);
	free(out), free(err);
}

/* A clone3 line with its TIDs as T (the two tools' threads differ). */
static void tid_norm(char *l)
{
	for (char *p = l; (p = strstr(p, "parent_tid=[")); p += 13) {
		char *q = p + 12 + strspn(p + 12, "0123456789");

		memmove(p + 13, q, strlen(q) + 1);
		p[12] = 'T';
	}
	for (char *p = strrchr(l, '='); p && p[1] == ' ' && p[2] >= '1' && p[2] <= '9';) {
		strcpy(p + 2, "T");
		break;
	}
}

/*
 * clone3's struct clone_args as strace prints it, with the thread's TID
 * the kernel stored at parent_tid ("=> {parent_tid=[T]}"): pthread_create's
 * 4 calls, each the same line as strace 6.1's but for TIDs and addresses.
 */
Test(cli, clone3_args_as_strace)
{
	char sout[64], a[1024], b[1024];
	char *out, *err, *sto;
	const char *sl, *al;
	int st, n = 0;

	tmp_name(sout, sizeof(sout), "clone3", "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-qq", "-o", sout, "-e", "trace=clone3",
				     CALLS, "threads", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-e", "trace=clone3", "--", CALLS, "threads", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	for (sl = sto, al = out; (sl = strstr(sl, "clone3(")) && (al = strstr(al, "clone3("));
	     sl++, al++, n++) {
		strace_norm(sl, false, a, sizeof(a));
		strace_norm(al, false, b, sizeof(b));
		tid_norm(a);
		tid_norm(b);
		cr_assert_str_eq(b, a, "agent-trace's line, then strace's:\n%s\n%s", b, a);
	}
	cr_assert_eq(n, 4, "strace:\n%s\nagent-trace:\n%s", sto, out);
	cr_assert(strstr(out,
			 "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x"),
		  "%s", out);
	cr_assert(strstr(out, "} => {parent_tid=["), "%s", out);
	free(out), free(err), free(sto);
	unlink(sout);
}
