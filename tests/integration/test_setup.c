// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Set-up of the agent-trace command (issue 11): a target file that would
 * block, Ctrl-C while the probes go in, progress lines, where time 0 and -d
 * start, and when a trace with open-ended targets ends.
 */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define PROBED (char *)build_path("probed")
/*
 * Entries of the slow probe file: each one opens the library and sorts its
 * symbols, 7 to 90 ms here depending on the load; more than Ctrl-C leaves
 * time to attach.
 */
#define SLOW_ENTRIES 200

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A FIFO with no writer: opening it for reading blocked agent-trace for ever. */
Test(setup, fifo_target_refused_at_once, .timeout = 20)
{
	char fifo[64], spec[96], pat[96], want[256];

	snprintf(fifo, sizeof(fifo), "/tmp/agent-trace-fifo.%d", getpid());
	unlink(fifo);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	snprintf(spec, sizeof(spec), "%s:foo", fifo);
	snprintf(want, sizeof(want), "agent-trace: probe '%s': %s: is a FIFO, not an ELF file\n",
		 spec, fifo);
	expect_error((char *[]){ AT, "-u", spec, "--", "/bin/sleep", "0.1", NULL }, 2, want);
	snprintf(pat, sizeof(pat), "%s:*", fifo);
	snprintf(want, sizeof(want), "agent-trace: -l '%s': %s: is a FIFO, not an ELF file\n", pat,
		 fifo);
	expect_error((char *[]){ AT, "-l", pat, NULL }, 2, want);
	unlink(fifo);
}

/* The largest library at hand with many symbols: LLVM's, which clang (a build dependency) uses. */
static const char *big_library(char *path, size_t len)
{
	glob_t g = {};

	cr_assert_eq(glob("/usr/lib/x86_64-linux-gnu/libLLVM-*.so.1", 0, NULL, &g), 0,
		     "no libLLVM: install llvm (tools/install-deps.sh)");
	snprintf(path, len, "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return path;
}

/* n entry-only SPECs on distinct functions of a large library ("LIB:FUNC@entry"). */
static char **slow_specs(unsigned n)
{
	char lib[256], pat[300], *out, *err, *line, *save, **v = calloc(n + 1, sizeof(*v));
	unsigned i = 0;
	int st;

	cr_assert_not_null(v);
	big_library(lib, sizeof(lib));
	snprintf(pat, sizeof(pat), "%s:LLVM*", lib);
	st = run_capture((char *[]){ AT, "-l", pat, NULL }, &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", err);
	for (line = strtok_r(out, "\n", &save); line && i < n; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "uprobe:", 7))
			cr_assert_geq(asprintf(&v[i++], "%s@entry", line + 7), 0);
	cr_assert_eq(i, n, "only %u functions in %s", i, lib);
	free(out);
	free(err);
	return v;
}

static void free_specs(char **v)
{
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/*
 * A probe file whose set-up takes seconds for real: first (with step) a probe
 * on probed's step(), then n entries on distinct functions of a large library,
 * each resolved in a file of tens of thousands of symbols.
 */
static void write_slow_file(const char *pf, unsigned n, bool step)
{
	char **specs = slow_specs(n);
	FILE *f = fopen(pf, "w");

	cr_assert_not_null(f);
	fputs("probes:\n", f);
	if (step)
		fprintf(f, "  - {name: step, kind: function, attach: \"%s:step(int i)@entry\"}\n",
			PROBED);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "  - {name: p%u, kind: function, attach: \"%s\"}\n", i, specs[i]);
	fclose(f);
	free_specs(specs);
}

/* The child of agent-trace: the held command, once set-up has come that far. */
static pid_t child_of(pid_t parent)
{
	for (int tries = 0; tries < 1000; tries++) {
		char path[64], buf[512];
		glob_t g = {};

		glob("/proc/[0-9]*/stat", 0, NULL, &g);
		for (size_t i = 0; i < g.gl_pathc; i++) {
			FILE *f = fopen(g.gl_pathv[i], "r");
			char *rp;
			int pid, ppid;

			if (!f)
				continue;
			buf[0] = '\0';
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = '\0';
			fclose(f);
			/* "pid (comm) state ppid": comm may hold anything but the last ')'. */
			rp = strrchr(buf, ')');
			if (rp && sscanf(buf, "%d", &pid) == 1 &&
			    sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == parent) {
				globfree(&g);
				return pid;
			}
		}
		globfree(&g);
		snprintf(path, sizeof(path), "/proc/%d", parent);
		cr_assert_eq(access(path, F_OK), 0, "agent-trace ended before holding its command");
		usleep(5 * 1000);
	}
	cr_assert_fail("agent-trace never started its command");
	return -1;
}

/* Waits up to limit seconds for pid to end; its status, or kills it and fails. */
static int wait_bounded(pid_t pid, double limit, double *took)
{
	double t0 = mono_s();
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (mono_s() - t0 > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			cr_assert_fail("still running %.1f s later", limit);
		}
		usleep(2 * 1000);
	}
	*took = mono_s() - t0;
	return st;
}

/* The ids of the BPF programs pid holds (its fdinfo says): its own, as each tracer loads its own. */
struct ids {
	__u32 *v;
	unsigned n, max;
};

static void prog_id_line(void *ctx, const char *line)
{
	struct ids *ids = ctx;
	__u32 id;

	if (sscanf(line, "prog_id: %u", &id) == 1 && ids->n < ids->max)
		ids->v[ids->n++] = id;
}

static unsigned prog_ids_of(pid_t pid, __u32 *v, unsigned max)
{
	struct ids ids = { .v = v, .max = max };

	fdinfo_lines(pid, prog_id_line, &ids);
	return ids.n;
}

/* Links on any of these programs: other tracers on the machine do not count. */
static int links_on(const __u32 *ids, unsigned n)
{
	__u32 id = 0;
	int links = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &li, &len))
			for (unsigned i = 0; i < n; i++)
				links += li.prog_id == ids[i];
		close(fd);
	}
	return links;
}

/* links_on() once it is 0, or after 3 s what it is then: links go from a work queue. */
static int links_settle_on(const __u32 *ids, unsigned n)
{
	int links = links_on(ids, n);

	for (int i = 0; i < 300 && links; i++) {
		usleep(10 * 1000);
		links = links_on(ids, n);
	}
	return links;
}

/* Whether file holds needle; polled while agent-trace writes it. */
static bool file_has(const char *file, const char *needle)
{
	char *s = slurp(file);
	bool has = strstr(s, needle) != NULL;

	free(s);
	return has;
}

/*
 * Ctrl-C while the probe file's entries go in, after waiting wait_s once the
 * command is held (or, with progress, until a progress line showed): exit 1
 * within limit seconds, the entries rolled back, the command never run and
 * its process reaped by agent-trace. Returns what agent-trace wrote on stderr.
 */
static char *interrupt_setup(bool quiet, double wait_s, bool progress, double limit, bool specs)
{
	char pf[64], outf[64], errf[64], marker[64], cmd[128], *argv[80] = { AT }, **sv = NULL;
	unsigned argc = 1;
	__u32 progs[256];
	unsigned nprogs;
	int st, n;
	pid_t tracer, held;
	double took;
	char *err;

	/* Orphans come to this process: a held command agent-trace did not reap would show. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	snprintf(pf, sizeof(pf), "/tmp/agent-trace-slow.%d.yaml", getpid());
	snprintf(outf, sizeof(outf), "/tmp/agent-trace-int.%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/agent-trace-int.%d.err", getpid());
	snprintf(marker, sizeof(marker), "/tmp/agent-trace-ran.%d", getpid());
	snprintf(cmd, sizeof(cmd), "touch %s", marker);
	unlink(marker);
	if (quiet)
		argv[argc++] = "-q";
	if (specs) {
		/* As many -u as the command line takes. */
		sv = slow_specs(32);
		for (unsigned i = 0; i < 32; i++) {
			argv[argc++] = "-u";
			argv[argc++] = sv[i];
		}
	} else {
		write_slow_file(pf, SLOW_ENTRIES, false);
		argv[argc++] = "-C";
		argv[argc++] = pf;
	}
	argv[argc++] = "--";
	argv[argc++] = "/bin/sh";
	argv[argc++] = "-c";
	argv[argc++] = cmd;
	tracer = spawn_logged(argv, outf, errf);
	/* The command is held right before the first probe goes in. */
	held = child_of(tracer);
	if (progress) {
		double t0 = mono_s();

		while (!file_has(errf, "agent-trace: attaching ") && mono_s() - t0 < 10)
			usleep(10 * 1000);
		cr_assert(file_has(errf, "agent-trace: attaching "), "no progress line in 10 s");
	} else {
		usleep((useconds_t)(wait_s * 1e6));
	}
	/* Its programs are loaded by now (the command is held after that). */
	nprogs = prog_ids_of(tracer, progs, 256);
	cr_assert_gt(nprogs, 0);
	cr_assert_eq(waitpid(tracer, &st, WNOHANG), 0, "set-up was over before the signal");
	kill(tracer, SIGINT);
	st = wait_bounded(tracer, 60, &took);
	cr_log_info("SIGINT to exit: %.3f s", took);
	err = slurp(errf);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, err);
	cr_assert_lt(took, limit, "took %.3f s to end after SIGINT", took);
	/* Reaped by agent-trace: not left a zombie, nor reparented here. */
	cr_assert_eq(waitpid(held, NULL, WNOHANG), -1, "the held command was not reaped");
	cr_assert_eq(errno, ECHILD);
	cr_assert_eq(kill(held, 0), -1);
	cr_assert_eq(access(marker, F_OK), -1, "the held command ran");
	n = links_settle_on(progs, nprogs);
	cr_assert_eq(n, 0, "%d links left behind", n);
	if (sv)
		free_specs(sv);
	unlink(pf);
	unlink(outf);
	unlink(errf);
	return err;
}

#define INTERRUPTED "agent-trace: interrupted during set-up; nothing left attached\n"

/* stderr of an interrupted set-up is that one line alone; frees it. */
static void expect_interrupted(char *err)
{
	cr_assert_str_eq(err, INTERRUPTED);
	free(err);
}

Test(setup, sigint_during_attach_rolls_back_and_reaps, .timeout = 120)
{
	expect_interrupted(interrupt_setup(true, 0.1, false, 2.0, false));
}

/* The same between -u SPECs. */
Test(setup, sigint_between_specs_rolls_back_and_reaps, .timeout = 120)
{
	expect_interrupted(interrupt_setup(true, 0.1, false, 2.0, true));
}

/* Past a second of set-up, a progress line; the interrupted line comes last. */
Test(setup, progress_line_when_setup_is_slow, .timeout = 120)
{
	/* Over a second of set-up: more to roll back, one grace period per probe today. */
	char *err = interrupt_setup(false, 0, true, 30.0, false), *last;
	unsigned done;

	cr_assert_eq(sscanf(err, "agent-trace: attaching %u of 200 probe file entries\n", &done), 1,
		     "%s", err);
	cr_assert_gt(done, 0);
	last = strstr(err, INTERRUPTED);
	cr_assert_not_null(last, "%s", err);
	cr_assert_str_eq(last, INTERRUPTED);
	free(err);
}

/* -q: no progress line, however long set-up takes. */
Test(setup, quiet_has_no_progress_line, .timeout = 120)
{
	expect_interrupted(interrupt_setup(true, 1.3, false, 30.0, false));
}

/*
 * comm and exe targets are open-ended, but -- CMD names the process to follow:
 * the trace ends when it has exited. Without CMD only a signal or -d ends it.
 */
Test(setup, open_ended_targets_end_with_cmd, .timeout = 120)
{
	char pf[64], outf[64], errf[64], *out, *err;
	double took;
	pid_t tracer;
	int st;

	tmp_names("comm", pf, outf, errf);
	write_text(pf,
		   "targets: {comm: [at-no-such-comm]}\n"
		   "probes:\n"
		   "  - {name: steps, kind: function, attach: \"%s:step(int i)\", action: count}\n",
		   PROBED);
	tracer = spawn_logged(
		(char *[]){ AT, "--json", "-C", pf, "--", PROBED, "steps", "7", NULL }, outf, errf);
	st = wait_bounded(tracer, 10, &took);
	out = slurp(outf);
	err = slurp(errf);
	cr_assert_str_eq(err, "", "status %d", st);
	/* The whole run was seen: 7 calls counted, the exit reported, the summary made. */
	expect_ok_lines(st, out, err,
			(const struct nlines[]){ { "\"probe_name\":\"steps\"", 1 },
						 { "\"calls\":7,", 1 },
						 { "{\"type\":\"exit\",", 1 },
						 { "{\"type\":\"summary\",", 1 },
						 {} });

	/* No command: it runs until -d. */
	tracer = spawn_logged((char *[]){ AT, "-q", "-C", pf, "-d", "0.5", NULL }, outf, errf);
	st = wait_bounded(tracer, 10, &took);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	cr_assert_geq(took, 0.5);
	unlink(pf);
	unlink(outf);
	unlink(errf);
}

/* The "time" of a JSON line, or -1. */
static double time_of(const char *line)
{
	const char *t = strstr(line, "\"time\":");

	return t ? strtod(t + 7, NULL) : -1;
}

/*
 * Time 0 is just before the first probe goes in: a process traced with -p is
 * seen while the probe file's entries attach, with real, increasing times,
 * none 0. The probe on it is a -u SPEC: the SPECs attach (as one batch)
 * before the probe file, whose function entries then attach all together.
 */
Test(setup, records_during_attach_have_real_times, .timeout = 120)
{
	char pf[64], outf[64], errf[64], pidarg[16], step[PATH_MAX + 32], *out, *err, *line, *save;
	double prev = 0, first = -1, took;
	unsigned n = 0, early = 0;
	pid_t target, tracer;
	int st;

	snprintf(pf, sizeof(pf), "/tmp/agent-trace-t0.%d.yaml", getpid());
	snprintf(outf, sizeof(outf), "/tmp/agent-trace-t0.%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/agent-trace-t0.%d.err", getpid());
	write_slow_file(pf, 40, false);
	snprintf(step, sizeof(step), "%s:step(int i)@entry", PROBED);
	/* step() about once a millisecond, for far longer than the test. */
	target = fork();
	cr_assert_geq(target, 0);
	if (!target) {
		die_with_test();
		execl(PROBED, PROBED, "spin", "100000000", "1", (char *)NULL);
		_exit(127);
	}
	snprintf(pidarg, sizeof(pidarg), "%d", target);
	tracer = spawn_logged((char *[]){ AT, "--json", "-q", "-u", step, "-C", pf, "-d", "0.3",
					  "-p", pidarg, NULL },
			      outf, errf);
	st = wait_bounded(tracer, 60, &took);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
	out = slurp(outf);
	err = slurp(errf);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double t;

		if (!strstr(line, "\"type\":\"call\"") || !strstr(line, ":step\",\"probe_id\":0,"))
			continue;
		t = time_of(line);
		cr_assert_gt(t, 0.0, "a record stamped 0: %s", line);
		cr_assert_geq(t, prev, "times go back: %s", line);
		if (first < 0)
			first = t;
		prev = t;
		n++;
		/* Made while the other 40 entries were still going in. */
		if (t < 0.2)
			early++;
	}
	cr_log_info("%u records, first at %.6f s, %u in the first 0.2 s, run %.3f s", n, first,
		    early, took);
	cr_assert_gt(n, 100, "%u records", n);
	cr_assert_gt(early, 10, "first record at %.6f s", first);
	free(out);
	free(err);
	unlink(pf);
	unlink(outf);
	unlink(errf);
}

/*
 * -d counts from the release of the command, after set-up: the command's
 * first record comes at set-up's end (time 0 was before it), and the trace
 * goes on for -d after it; the summary's elapsed_s is from time 0.
 */
Test(setup, duration_counts_from_release, .timeout = 120)
{
	char pf[64], outf[64], errf[64], *out, *err, *line, *save, *sum;
	double first = -1, elapsed, took;
	pid_t tracer;
	int st;

	snprintf(pf, sizeof(pf), "/tmp/agent-trace-d.%d.yaml", getpid());
	snprintf(outf, sizeof(outf), "/tmp/agent-trace-d.%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/agent-trace-d.%d.err", getpid());
	write_slow_file(pf, 40, true);
	/* step() about once a millisecond for about 2 s: longer than -d. */
	tracer = spawn_logged((char *[]){ AT, "--json", "-C", pf, "-d", "0.5", "--", PROBED, "spin",
					  "2000", "1", NULL },
			      outf, errf);
	st = wait_bounded(tracer, 60, &took);
	out = slurp(outf);
	err = slurp(errf);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	sum = strstr(out, "{\"type\":\"summary\",\"elapsed_s\":");
	cr_assert_not_null(sum, "%s", out);
	elapsed = strtod(sum + strlen("{\"type\":\"summary\",\"elapsed_s\":"), NULL);
	for (line = strtok_r(out, "\n", &save); line && first < 0;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "\"type\":\"call\"") && strstr(line, "\"probe_name\":\"step\""))
			first = time_of(line);
	cr_log_info("first record at %.3f s, elapsed %.3f s, run %.3f s", first, elapsed, took);
	/* Attaching 40 entries in a large library takes longer than this. */
	cr_assert_gt(first, 0.1, "first record at %.6f s: time 0 was not before set-up", first);
	cr_assert_geq(elapsed - first, 0.45, "traced %.3f s after release", elapsed - first);
	cr_assert_lt(elapsed - first, 5.0);
	free(out);
	free(err);
	unlink(pf);
	unlink(outf);
	unlink(errf);
}
