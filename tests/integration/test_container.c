// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Container identity with a real runtime: a podman container (runc, the
 * cgroupfs manager) running targets/calls from an image imported from a
 * rootfs the set-up builds, traced by -p beside a host process; every record
 * of the container's process carries podman's id for it, the host's none.
 * A container process that is gone before its records are decoded has the
 * id on every record too: the records carry their cgroup's id.
 * Podman's configuration and storage are the test's own (CONTAINERS_CONF,
 * --root): nothing under /etc or /var/lib/containers is touched.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define PODMAN "/usr/bin/podman"
#define NCALLS "100"
/* The short-lived container process's name: a target by comm no other test's process has. */
#define SHORT_COMM "at-cgid-short"
#define SHORT_CALLS 50

static char dir[64], image[64], name[64], store[96], run_dir[96], tmp_dir[96];

/* podman with the test's storage: the command line's start. */
#define PODMAN_ARGS PODMAN, "--root", store, "--runroot", run_dir, "--tmpdir", tmp_dir

static void setup(void)
{
	char *out;

	podman_scratch("ctr", dir, store, run_dir, tmp_dir);
	snprintf(image, sizeof(image), "localhost/agent-trace-ident:%d", getpid());
	snprintf(name, sizeof(name), "agent-trace-ident-%d", getpid());
	/* The image: the target and the libraries it loads, at their paths; no registry. */
	free(sh("set -e; r=%s/rootfs; mkdir -p $r; cp %s $r/calls; cp %s $r/" SHORT_COMM ";"
		" for l in $(ldd %s | grep -o '/[^ ]*'); do"
		" mkdir -p $r$(dirname $l); cp -L $l $r$l; done;"
		" tar -C $r -cf %s/rootfs.tar .",
		dir, build_path("calls"), build_path("calls"), build_path("calls"), dir));
	out = sh(PODMAN " --root %s --runroot %s --tmpdir %s import -q %s/rootfs.tar %s", store,
		 run_dir, tmp_dir, dir, image);
	free(out);
}

static void teardown(void)
{
	char *out, *err;

	if (!dir[0])
		return;
	run_capture((char *[]){ PODMAN_ARGS, "rm", "-f", "-i", name, NULL }, &out, &err);
	free(out);
	free(err);
	run_capture((char *[]){ PODMAN_ARGS, "rmi", "-af", NULL }, &out, &err);
	free(out);
	free(err);
	free(sh("rm -rf %s", dir));
}

TestSuite(container, .init = setup, .fini = teardown, .timeout = 60);

/* podman inspect's answer for the container: --format FMT, the line without its newline. */
static char *inspect(const char *fmt)
{
	char *out, *err, *nl;
	int st = run_capture((char *[]){ PODMAN_ARGS, "inspect", "--format", (char *)fmt, name,
					 NULL },
			     &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "podman inspect: %s", err);
	free(err);
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	return out;
}

/* Lines of s holding every needle (up to three, NULL-ended). */
static size_t lines_with(const char *s, const char *a, const char *b, const char *c)
{
	size_t n = 0;

	for (const char *l = s; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char *line = strndup(l, len);

		n += strstr(line, a) && (!b || strstr(line, b)) && (!c || strstr(line, c));
		free(line);
		l = e ? e + 1 : NULL;
	}
	return n;
}

/* Waits until agent-trace's last program (sched_process_exit) is attached. */
static void wait_attached(int before)
{
	for (int i = 0; i < 1000 && links_of("sched_process_exit") <= before; i++)
		usleep(10 * 1000);
	cr_assert_gt(links_of("sched_process_exit"), before, "agent-trace did not attach");
}

/* Waits (10 s at most) until the file at path has n lines with needle. */
static void wait_for_lines(const char *path, const char *needle, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 1000 && got < n; i++) {
		char *text = slurp(path);

		got = lines_with(text, needle, NULL, NULL);
		free(text);
		if (got < n)
			usleep(10 * 1000);
	}
	cr_assert_geq(got, n, "%zu lines with %s in %s", got, needle, path);
}

/* What a container run traced beside a host process gave: agent-trace's output, the ids. */
struct ctr_run {
	char *out;  /* agent-trace's stdout */
	char *id;   /* podman's id of the container */
	char *cpid; /* its process's pid on the host */
	pid_t host; /* the host process's */
};

/*
 * Starts the container (calls hold NCALLS) and a host calls wait 7, traces
 * both with agent-trace OPT -e getppid -p CONTAINER,HOST, releases them and
 * returns what it printed. Checks that all three ended with 0, stderr empty.
 */
static void trace_container(const char *opt, struct ctr_run *r)
{
	char outf[64], errf[64], pids[64], ready[8] = "", pid_col[64], *err;
	int ends[2], host_release, st, exits = links_of("sched_process_exit");
	pid_t run, tracer;

	/* The container's process says ready, then waits on its stdin (podman -i passes it on). */
	run = fork_piped((const int[]){ 0, 1 }, ends, 2);
	if (run == 0) {
		execv(PODMAN, (char *[]){ PODMAN_ARGS, "run", "-i", "--rm", "--network", "none",
					  "--name", name, image, "/calls", "hold", NCALLS, NULL });
		_exit(127);
	}
	cr_assert_eq(read(ends[1], ready, 6), 6, "the container did not start");
	cr_assert_str_eq(ready, "ready\n");
	r->id = inspect("{{.Id}}");
	r->cpid = inspect("{{.State.Pid}}");
	cr_assert_eq(strlen(r->id), 64, "%s", r->id);
	cr_assert_gt(atoi(r->cpid), 0, "%s", r->cpid);
	r->host = start_waiting_target(&host_release, "7");

	tmp_name(outf, sizeof(outf), "ctr", "out");
	tmp_name(errf, sizeof(errf), "ctr", "err");
	snprintf(pids, sizeof(pids), "%s,%d", r->cpid, r->host);
	tracer = spawn_logged((char *[]){ AT, (char *)opt, "-e", "getppid", "-p", pids, NULL },
			      outf, errf);
	wait_attached(exits);
	cr_assert_eq(write(ends[0], "g", 1), 1);
	cr_assert_eq(write(host_release, "g", 1), 1);
	close(host_release);
	/*
	 * The container's process is kept until agent-trace has written its
	 * calls: its identity is read when its first record is decoded, and a
	 * process gone by then has none (README: Container identity).
	 */
	cr_assert_eq(read(ends[1], ready, 5), 5, "the container's calls did not end");
	snprintf(pid_col, sizeof(pid_col), !strcmp(opt, "--json") ? "\"pid\":%s," : " %s/%s ",
		 r->cpid, r->cpid);
	wait_for_lines(outf, pid_col, atoi(NCALLS));
	/* A byte, not EOF: podman run -i does not pass its stdin's end on to the container. */
	cr_assert_eq(write(ends[0], "g", 1), 1);
	close(ends[0]);
	cr_assert_eq(waitpid(r->host, &st, 0), r->host);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(waitpid(run, &st, 0), run);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "podman run: status %d", st);
	/* The tracer ends by itself once both targets have exited. */
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace: status %d", st);
	r->out = slurp(outf);
	err = slurp(errf);
	unlink(outf);
	unlink(errf);
	cr_assert_str_eq(err, "");
	free(err);
}

static void ctr_run_free(struct ctr_run *r)
{
	free(r->out);
	free(r->id);
	free(r->cpid);
}

Test(container, every_record_of_a_container_process_has_its_id)
{
	char want[128], host_pid[32], ctr_pid[32];
	struct ctr_run r;

	trace_container("--json", &r);
	snprintf(ctr_pid, sizeof(ctr_pid), "\"pid\":%s,", r.cpid);
	snprintf(host_pid, sizeof(host_pid), "\"pid\":%d,", r.host);
	snprintf(want, sizeof(want), ",\"container_id\":\"%s\",", r.id);
	/* Every getppid of the container's process, and its exit, with podman's id for it. */
	cr_assert_eq(lines_with(r.out, ctr_pid, "\"syscall\":\"getppid\"", NULL), atoi(NCALLS),
		     "%s", r.out);
	cr_assert_eq(lines_with(r.out, ctr_pid, "\"syscall\":\"getppid\"", want), atoi(NCALLS),
		     "%s", r.out);
	cr_assert_eq(lines_with(r.out, ctr_pid, "\"type\":\"exit\"", want), 1, "%s", r.out);
	/* The host process beside it: its records, none with a container or a pod. */
	cr_assert_eq(lines_with(r.out, host_pid, "\"syscall\":\"getppid\"", NULL), 7, "%s", r.out);
	cr_assert_eq(lines_with(r.out, host_pid, "container_id", NULL), 0, "%s", r.out);
	cr_assert_eq(lines_with(r.out, "pod_uid", NULL, NULL), 0, "%s", r.out);
	cr_assert_eq(lines_with(r.out, "container_id", NULL, NULL), atoi(NCALLS) + 1, "%s", r.out);
	ctr_run_free(&r);
}

/* Text lines: the id's first 12 digits after the container process's pid/tid, none on the host's. */
Test(container, text_lines_show_the_short_id)
{
	char ctr[128], host[64];
	struct ctr_run r;

	trace_container("-q", &r);
	snprintf(ctr, sizeof(ctr), " %s/%s [c:%.12s] getppid() = ", r.cpid, r.cpid, r.id);
	snprintf(host, sizeof(host), " %d/%d getppid() = ", r.host, r.host);
	cr_assert_eq(lines_with(r.out, ctr, NULL, NULL), atoi(NCALLS), "%s", r.out);
	cr_assert_eq(lines_with(r.out, host, NULL, NULL), 7, "%s", r.out);
	cr_assert_eq(lines_with(r.out, "[c:", NULL, NULL), atoi(NCALLS) + 1, "%s", r.out);
	snprintf(ctr, sizeof(ctr), " %s/%s [c:%.12s] +++ exited with 0 +++", r.cpid, r.cpid, r.id);
	cr_assert_eq(lines_with(r.out, ctr, NULL, NULL), 1, "%s", r.out);
	ctr_run_free(&r);
}

/*
 * A process that ends before the writer sees any of its records: podman
 * exec'ed in a running container (traced from its exec, a comm target)
 * while agent-trace is stopped, so /proc has nothing of it when its exec,
 * getppid calls and exit are decoded. Every one has the container's id,
 * from the cgroup id the records carry.
 */
Test(container, a_short_lived_container_process_has_its_id_on_every_record)
{
	char conf[64], outf[64], errf[64], want[128], calls[8], ready[8] = "", *out, *err, *id;
	int st, ends[2], execs = links_of("sched_process_e");
	pid_t run, tracer;

	/* The container's main process, not a target: it keeps the container (and its cgroup). */
	run = fork_piped((const int[]){ 0, 1 }, ends, 2);
	if (run == 0) {
		execv(PODMAN, (char *[]){ PODMAN_ARGS, "run", "-i", "--rm", "--network", "none",
					  "--name", name, image, "/calls", "hold", "0", NULL });
		_exit(127);
	}
	cr_assert_eq(read(ends[1], ready, 6), 6, "the container did not start");
	cr_assert_str_eq(ready, "ready\n");
	id = inspect("{{.Id}}");
	cr_assert_eq(strlen(id), 64, "%s", id);

	tmp_name(conf, sizeof(conf), "ctr", "yaml");
	tmp_name(outf, sizeof(outf), "ctr", "out");
	tmp_name(errf, sizeof(errf), "ctr", "err");
	write_text(conf, "targets:\n"
			 "  comm: [" SHORT_COMM "]\n"
			 "probes:\n"
			 "  - name: ppid\n"
			 "    kind: syscall\n"
			 "    attach: getppid\n");
	tracer = spawn_logged((char *[]){ AT, "--json", "-C", conf, NULL }, outf, errf);
	/* sched_process_exec and _exit attach last: then exec is watched. */
	for (int i = 0; i < 1000 && links_of("sched_process_e") < execs + 2; i++)
		usleep(10 * 1000);
	cr_assert_geq(links_of("sched_process_e"), execs + 2, "agent-trace did not attach");
	/* The records wait in the ring buffer until the process is gone. */
	cr_assert_eq(kill(tracer, SIGSTOP), 0);
	snprintf(calls, sizeof(calls), "%d", SHORT_CALLS);
	st = run_capture((char *[]){ PODMAN_ARGS, "exec", name, "/" SHORT_COMM, "many", calls,
				     NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "podman exec: status %d: %s", st, err);
	free(out);
	free(err);
	cr_assert_eq(kill(tracer, SIGCONT), 0);
	wait_for_lines(outf, "\"type\":\"exit\"", 1);
	/* The main process: released, it says done and ends at the next byte. */
	cr_assert_eq(write(ends[0], "g", 1), 1);
	cr_assert_eq(read(ends[1], ready, 5), 5, "the container's main process did not go on");
	cr_assert_eq(write(ends[0], "g", 1), 1);
	close(ends[0]);
	cr_assert_eq(waitpid(run, &st, 0), run);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "podman run: status %d", st);
	kill(tracer, SIGINT);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace: status %d", st);
	out = slurp(outf);
	err = slurp(errf);
	unlink(outf);
	unlink(errf);
	unlink(conf);
	cr_assert_str_eq(err, "");
	snprintf(want, sizeof(want), ",\"container_id\":\"%s\",", id);
	cr_assert_eq(lines_with(out, "\"type\":\"syscall\"", "\"probe_name\":\"ppid\"", NULL),
		     SHORT_CALLS, "%s", out);
	cr_assert_eq(lines_with(out, "\"type\":\"syscall\"", "\"probe_name\":\"ppid\"", want),
		     SHORT_CALLS, "%s", out);
	cr_assert_eq(lines_with(out, "\"type\":\"attach\"", want, NULL), 1, "%s", out);
	cr_assert_eq(lines_with(out, "\"type\":\"exit\"", want, NULL), 1, "%s", out);
	free(out);
	free(err);
	free(id);
}
