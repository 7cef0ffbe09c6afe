// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent-trace command end to end: output formats, -p on a running
 * process, signals, and one clear line and exit code for each bad input.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

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
	/* Seen at its exit: the old image's pointers are gone, the path was kept at exec. */
	snprintf(want, sizeof(want),
		 "\"syscall\":\"execve\",\"nr\":59,\"args\":{\"filename\":\"%s\","
		 "\"argv\":null,\"envp\":null}",
		 CALLS);
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
			"\"pending\":0,\"go_unmatched\":0,\"output\":0},"
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
		const char *s, *line, *why;
	} cuts[] = {
		{ "24", "openat(AT_FDCWD, \"/nonexistent/agent-trace\", O_RDONLY)",
		  "exactly the limit is not cut" },
		{ "23", "openat(AT_FDCWD, \"/nonexistent/agent-trac\"..., O_RDONLY)" },
		/* The largest limit reads real strings, not stale bytes. */
		{ "254", "openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC)" },
	};
	char path[64], *out, *err;
	int st;

	/* The target opens "/nonexistent/agent-trace" (24 bytes): -s 24 fits, -s 23 cuts. */
	snprintf(path, sizeof(path), "/tmp/agent-trace-s.%d", getpid());
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		st = run_capture((char *[]){ AT, "-s", (char *)cuts[i].s, "-e", "openat", "--",
					     CALLS, "basic", path, "5", NULL },
				 &out, &err);
		expect_ok_lines(st, out, err,
				(const struct nlines[]){ { cuts[i].line, 1, cuts[i].why }, {} });
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
