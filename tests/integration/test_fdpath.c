// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -y and -yy against strace 6.1 on targets/fds: files opened, duplicated,
 * closed and reused, a fork, an exec with a close-on-exec fd, a pipe,
 * /dev/null and a TCP connection on 127.0.0.1; then the cases where reading
 * /proc at print time would be wrong, with -e leaving the fd calls out (the
 * kernel sends them for the table alone), and the JSON fields.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "stracecmp.h"

#define AT (char *)build_path("agent-trace")
#define FDS (char *)build_path("fds")
#define CALLS_E "trace=openat,write,read,dup,dup2,dup3,close,pipe2,accept,listen"

/* A scratch directory for the target's files. */
static void scratch_dir(char *dir, size_t size, const char *tag)
{
	tmp_name(dir, size, tag, "d");
	mkdir(dir, 0755);
}

/*
 * One line in a form both tools share: no prefix (strace -f's "PID ",
 * agent-trace's time and pid/tid), addresses as ADDR, and what differs
 * between two runs (pipe and socket inodes, the ports of 127.0.0.1) as N.
 */
static void norm(const char *line, bool at, char *out, size_t size)
{
	char tmp[1024];
	const char *p = line;
	size_t n = 0;

	if (!at)
		p += strspn(p, "0123456789"), p += strspn(p, " ");
	strace_norm(p, at, tmp, sizeof(tmp));
	for (const char *q = tmp; *q && n + 2 < size; q++) {
		bool num_after = (q > tmp && (q[-1] == '[' || q[-1] == '>')) ||
				 (q >= tmp + 10 && !strncmp(q - 10, "127.0.0.1:", 10));

		if (num_after && *q >= '0' && *q <= '9') {
			q += strspn(q, "0123456789") - 1;
			out[n++] = 'N';
		} else {
			out[n++] = *q;
		}
	}
	out[n] = 0;
}

/* The syscall lines of a trace, normalised, one per line; process and signal lines left out. */
static char *lines_of(const char *text, bool at)
{
	size_t cap = strlen(text) * 2 + 16, n = 0;
	char *res = malloc(cap);

	cr_assert(res);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char buf[1024];

		norm(l, at, buf, sizeof(buf));
		/* Binary reads (ld.so's of libc) print in hex today, strace in octal: not -y's. */
		if (!buf[0] || strstr(buf, "+++") == buf || strstr(buf, "---") == buf ||
		    strstr(buf, "ELF"))
			continue;
		n += (size_t)snprintf(res + n, cap - n, "%s\n", buf);
	}
	res[n] = 0;
	return res;
}

/* agent-trace's and strace's lines of targets/fds with opt (-y, -yy), the same. */
static void same_as_strace(const char *opt, const char *tag)
{
	char dir[64], sout[64];
	char *out, *err, *sto, *a, *b;
	int st;

	scratch_dir(dir, sizeof(dir), tag);
	tmp_name(sout, sizeof(sout), tag, "strace");
	st = run_capture((char *[]){ "/usr/bin/strace", "-f", "-qq", (char *)opt, "-o", sout, "-e",
				     CALLS_E, FDS, dir, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "strace: %s", err);
	free(out), free(err);
	st = run_capture((char *[]){ AT, "-q", "-f", (char *)opt, "-e", CALLS_E, "--", FDS, dir,
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	sto = slurp(sout);
	a = lines_of(out, true);
	b = lines_of(sto, false);
	cr_assert_str_eq(a, b, "agent-trace:\n%s\nstrace:\n%s", a, b);
	/* What the comparison covers: the reuse, the fork, the exec, the pipe. */
	cr_assert(strstr(a, "write(3</tmp/") && strstr(a, "/c>, \"c\", 1) = 1"), "%s", a);
	cr_assert(strstr(a, "write(4</tmp/") && strstr(a, "/d>, \"child-d\", 7) = 7"), "%s", a);
	cr_assert(strstr(a, "/a>, \"parent-a\", 8) = 8"), "%s", a);
	cr_assert(strstr(a, "write(21, \"gone\", 4) = -1 EBADF"), "%s", a);
	cr_assert(strstr(a, "pipe2([N<pipe:[N]>, 6<pipe:[N]>], 0) = 0"), "%s", a);
	free(out), free(err), free(sto), free(a), free(b);
	unlink(sout);
	free(sh("rm -rf %s", dir));
}

Test(fdpath, y_lines_as_strace, .timeout = 60)
{
	same_as_strace("-y", "fdpath-y");
}

Test(fdpath, yy_lines_as_strace, .timeout = 60)
{
	char dir[64];
	char *out, *err;
	int st;

	same_as_strace("-yy", "fdpath-yy");
	/* The endpoints themselves, and a device's numbers. */
	scratch_dir(dir, sizeof(dir), "fdpath-yy2");
	st = run_capture((char *[]){ AT, "-q", "-yy", "-e", "trace=write,read,openat", "--", FDS,
				     dir, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, "write(6<TCP:[127.0.0.1:") && strstr(out, "->127.0.0.1:"), "%s", out);
	cr_assert(strstr(out, "write(5</dev/null<char 1:3>>, \"null\", 4) = 4"), "%s", out);
	free(out), free(err);
	free(sh("rm -rf %s", dir));
}

/*
 * Only write traced: the calls that make, copy and close fds are not shown
 * and not counted, yet the kernel sends them for the table. /proc at print
 * time would name c for the first write to 3 (closed and reused) and nothing
 * for 5 (closed right after the write) and 20 (the process gone).
 */
static void stream_paths(const char *opt)
{
	char dir[64], want[256];
	char *out, *err;
	int st;

	scratch_dir(dir, sizeof(dir), "fdpath-stream");
	/* Without -T one program at sys_exit; with it the paired entry and exit. */
	st = run_capture((char *[]){ AT, "-y", "-e", "trace=write", (char *)opt, "--", FDS, dir,
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(want, sizeof(want), "write(3<%s/a>, \"a\", 1) = 1", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	snprintf(want, sizeof(want), "write(4<%s/a>, \"dup-a\", 5) = 5", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	snprintf(want, sizeof(want), "write(3<%s/c>, \"c\", 1) = 1", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	snprintf(want, sizeof(want), "write(5<%s/e>, \"e\", 1) = 1", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	snprintf(want, sizeof(want), "write(20<%s/c>, \"kept\", 4) = 4", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	cr_assert(strstr(out, "write(21, \"gone\", 4) = -1 EBADF"), "%s", out);
	/* Not shown, not counted: the summary has write alone. */
	cr_assert(!strstr(out, "openat") && !strstr(out, "close") && !strstr(out, " dup(") &&
			  !strstr(out, "\ndup"),
		  "%s", out);
	cr_assert_eq(count_lines(out, "write("), 11, "%s", out);
	free(out), free(err);
	/* -c with -y: the same table as without -y (no records, nothing to name). */
	st = run_capture((char *[]){ AT, "-c", "-y", "-e", "trace=write", "--", FDS, dir, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	cr_assert(strstr(out, "write ") && !strstr(out, "openat"), "%s", out);
	free(out), free(err);
	free(sh("rm -rf %s", dir));
}

Test(fdpath, paths_from_the_stream_not_from_proc_at_print_time, .timeout = 60)
{
	stream_paths("-s64"); /* the default -s: one program at sys_exit */
}

Test(fdpath, paths_from_the_stream_with_durations, .timeout = 60)
{
	stream_paths("-T");
}

/* JSON: "fds" by argument name, "ret_fd" for the result, -yy's socket and device objects. */
Test(fdpath, json_fields, .timeout = 60)
{
	char dir[64], want[256];
	char *out, *err;
	int st;

	scratch_dir(dir, sizeof(dir), "fdpath-json");
	st = run_capture((char *[]){ AT, "-q", "--json", "-yy", "-e", "trace=write,openat,pipe2",
				     "--", FDS, dir, NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "%s", err);
	snprintf(want, sizeof(want), "\"fds\":{\"fd\":{\"path\":\"%s/c\"}},\"ret\":1,", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	snprintf(want, sizeof(want), "\"fds\":{\"dfd\":{\"path\":\"");
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	snprintf(want, sizeof(want), "\"ret_fd\":{\"path\":\"%s/e\"}", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	cr_assert(strstr(out, "\"fds\":{\"fd\":{\"path\":\"/dev/null\",\"dev\":{\"type\":\"char\","
			      "\"major\":1,\"minor\":3}}}"),
		  "%s", out);
	cr_assert(strstr(out, "\"fds\":{\"fildes\":[{\"path\":\"pipe:["), "%s", out);
	cr_assert(strstr(out, "\"socket\":{\"proto\":\"TCP\",\"local\":\"127.0.0.1:"), "%s", out);
	cr_assert(strstr(out, ",\"peer\":\"127.0.0.1:"), "%s", out);
	/* An fd nothing is known of has no entry: 21 after the exec. */
	cr_assert(strstr(out, "\"args\":{\"fd\":21,\"buf\":\"gone\",\"count\":4},\"fds\":{},"),
		  "%s", out);
	free(out), free(err);
	free(sh("rm -rf %s", dir));
}

Test(fdpath, more_than_two_y_is_refused)
{
	expect_error((char *[]){ AT, "-yyy", "--", "true", NULL }, 2,
		     "agent-trace: -y: at most two (-yy)\n");
}

static void count_link(void *ctx, const char *line)
{
	*(int *)ctx += !strncmp(line, "link_type:", 10);
}

/* BPF links process pid holds. */
static int own_links(pid_t pid)
{
	int n = 0;

	fdinfo_lines(pid, count_link, &n);
	return n;
}

/*
 * -p: the table of a process already running starts from /proc/PID/fd (a
 * file, and a socketpair the table never saw made), then follows its calls:
 * the close and the reuse of 3 after attach, with only write traced.
 */
Test(fdpath, attached_process_seeded_from_proc, .timeout = 60)
{
	char dir[64], outf[64], errf[64], pidarg[16], want[256], ready[8] = "";
	int ends[2], st;
	pid_t target, tracer;
	char *out;

	scratch_dir(dir, sizeof(dir), "fdpath-p");
	target = fork_piped((const int[]){ 0, 1 }, ends, 2);
	if (target == 0) {
		execl(FDS, FDS, "wait", dir, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(read(ends[1], ready, 6), 6);
	cr_assert_str_eq(ready, "ready\n");
	tmp_name(outf, sizeof(outf), "fdpath-p", "out");
	tmp_name(errf, sizeof(errf), "fdpath-p", "err");
	snprintf(pidarg, sizeof(pidarg), "%d", target);
	tracer = spawn_logged((char *[]){ AT, "-q", "-y", "-e", "trace=write", "-p", pidarg, NULL },
			      outf, errf);
	/* Its own links, not the machine's: other tracers may run meanwhile. */
	for (int i = 0; i < 500 && own_links(tracer) < 3; i++)
		usleep(10 * 1000);
	cr_assert_geq(own_links(tracer), 3, "agent-trace did not attach");
	usleep(200 * 1000);
	cr_assert_eq(write(ends[0], "g", 1), 1);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert(WIFEXITED(st) && !WEXITSTATUS(st), "target status %d", st);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	out = slurp(outf);
	snprintf(want, sizeof(want), "write(3<%s/w>, \"w\", 1) = 1", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	cr_assert(strstr(out, "write(4<socket:["), "%s", out);
	snprintf(want, sizeof(want), "write(3<%s/x>, \"x\", 1) = 1", dir);
	cr_assert(strstr(out, want), "%s\n%s", want, out);
	free(out);
	close(ends[0]), close(ends[1]);
	unlink(outf), unlink(errf);
	free(sh("rm -rf %s", dir));
}
