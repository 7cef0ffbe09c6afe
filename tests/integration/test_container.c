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
#include "otlp_recv.h"

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
/* What a run adds: agent-trace's options, podman run's, a step while the targets wait. */
struct ctr_opts {
	char *const *opts;     /* agent-trace's options before -e, NULL-ended */
	char *const *run_opts; /* podman run's before the image; NULL: none */
	/* After every getppid line is written, before the targets end; NULL: none. */
	void (*mid)(const struct ctr_run *r, void *ctx);
	void *ctx;
};

static void trace_container_with(const struct ctr_opts *co, struct ctr_run *r)
{
	char outf[64], errf[64], pids[64], ready[8] = "", pid_col[64], *err;
	int ends[2], host_release, st, exits = links_of("sched_process_exit");
	bool json = false;
	pid_t run, tracer;
	char *argv[32];
	int n = 0;

	/* The container's process says ready, then waits on its stdin (podman -i passes it on). */
	run = fork_piped((const int[]){ 0, 1 }, ends, 2);
	if (run == 0) {
		char *pargv[48] = { PODMAN_ARGS, "run",	 "-i",	   "--rm",
				    "--network", "none", "--name", name };
		int k = 0;

		while (pargv[k])
			k++;
		for (char *const *o = co->run_opts; o && *o && k < 40; o++)
			pargv[k++] = *o;
		pargv[k++] = image;
		pargv[k++] = "/calls";
		pargv[k++] = "hold";
		pargv[k++] = NCALLS;
		pargv[k] = NULL;
		execv(PODMAN, pargv);
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
	argv[n++] = AT;
	for (char *const *o = co->opts; *o && n < 24; o++) {
		json |= !strcmp(*o, "--json");
		argv[n++] = *o;
	}
	argv[n++] = "-e";
	argv[n++] = "getppid";
	argv[n++] = "-p";
	argv[n++] = pids;
	argv[n] = NULL;
	tracer = spawn_logged(argv, outf, errf);
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
	snprintf(pid_col, sizeof(pid_col), json ? "\"pid\":%s," : " %s/%s ", r->cpid, r->cpid);
	wait_for_lines(outf, pid_col, atoi(NCALLS));
	if (co->mid) {
		/* The host process's calls too (it is not kept: its exit may be written as well). */
		snprintf(pid_col, sizeof(pid_col), json ? "\"pid\":%d," : " %d/%d getppid", r->host,
			 r->host);
		wait_for_lines(outf, pid_col, 7);
		co->mid(r, co->ctx);
	}
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

static void trace_container(const char *opt, struct ctr_run *r)
{
	trace_container_with(&(struct ctr_opts){ .opts = (char *[]){ (char *)opt, NULL } }, r);
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

/* What the scrape in the middle of a run saw. */
struct scrape {
	int port;
	char *text;
};

static void scrape_metrics(const struct ctr_run *r, void *ctx)
{
	struct scrape *sc = ctx;
	char url[64];
	struct otlp_http h = { 0 };

	(void)r;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", sc->port);
	cr_assert_eq(otlp_http(url, &h), 200, "GET /metrics");
	sc->text = h.resp;
}

static void has_line(const char *s, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = s; (p = strstr(p, line)); p++)
		if ((p == s || p[-1] == '\n') && p[n] == '\n')
			return;
	cr_assert_fail("no line '%s' in:\n%s", line, s);
}

/*
 * The container's OTLP resource: container.id and .runtime from its cgroup,
 * k8s.pod.name, .namespace.name and .container.name from the annotations in
 * its OCI config.json (podman's, in the test's storage), the process's pid
 * and executable path as seen in the container, the node's names from the
 * environment; the host process in a resource of its own. Its records by
 * container in OTLP metrics (a resource per container) and in /metrics
 * (container="ID", "" for the host); the identity caches' state mid-run and
 * in the summary: every process entry released at exit.
 */
Test(container, otlp_resource_and_metrics_label_of_a_container)
{
	char dirs[256], maddr[32], want[160], res_id[96], res_pid[48], res_hpid[48];
	struct scrape sc = { .port = free_port() };
	struct otlp_recv rv;
	struct ctr_run r;

	otlp_recv_start(&rv, "ctr-otlp", NULL);
	snprintf(maddr, sizeof(maddr), "127.0.0.1:%d", sc.port);
	snprintf(dirs, sizeof(dirs), "%s/overlay-containers:%s/vfs-containers", store, store);
	cr_assert_eq(setenv("AT_OCI_STATE_DIRS", dirs, 1), 0);
	cr_assert_eq(setenv("NODE_NAME", "node-ctr", 1), 0);
	cr_assert_eq(setenv("AT_HOST_NAME", "host-override", 1), 0);
	trace_container_with(
		&(struct ctr_opts){
			.opts = (char *[]){ "--otlp", rv.url, "--otlp-interval", "200ms",
					    "--metrics", maddr, NULL },
			.run_opts = (char *[]){ "--annotation", "io.kubernetes.pod.name=web-0",
						"--annotation", "io.kubernetes.pod.namespace=shop",
						"--annotation", "io.kubernetes.container.name=app",
						NULL },
			.mid = scrape_metrics,
			.ctx = &sc },
		&r);
	unsetenv("AT_OCI_STATE_DIRS");
	unsetenv("NODE_NAME");
	unsetenv("AT_HOST_NAME");
	snprintf(res_id, sizeof(res_id), "res:container.id=%s", r.id);
	snprintf(res_pid, sizeof(res_pid), "res:process.pid=%s", r.cpid);
	snprintf(res_hpid, sizeof(res_hpid), "res:process.pid=%d", r.host);
	/* Every getppid of the container's process in its resource, with every attribute. */
	cr_assert_eq(otlp_recv_count(&rv, "logs",
				     (char *[]){ res_id, res_pid, "res:container.runtime=podman",
						 "res:k8s.pod.name=web-0",
						 "res:k8s.namespace.name=shop",
						 "res:k8s.container.name=app",
						 "res:process.executable.path=/calls",
						 "res:host.name=host-override",
						 "res:k8s.node.name=node-ctr",
						 "syscall.name=getppid", NULL }),
		     atoi(NCALLS));
	cr_assert_eq(otlp_recv_count(&rv, "logs",
				     (char *[]){ res_hpid, "syscall.name=getppid", NULL }),
		     7);
	cr_assert_eq(otlp_recv_count(&rv, "logs", (char *[]){ res_id, res_hpid, NULL }), 0,
		     "the host process has no container");
	/* OTLP metrics: the container's records in its resource; the host's in the node's. */
	cr_assert_eq(otlp_recv_count(&rv, "metric",
				     (char *[]){ "agent_trace.syscall.records",
						 "syscall.name=getppid", res_id,
						 "res:k8s.pod.name=web-0", NULL }),
		     atoi(NCALLS));
	cr_assert_eq(otlp_recv_count(&rv, "metric-sum",
				     (char *[]){ "agent_trace.syscall.records",
						 "syscall.name=getppid",
						 "res:k8s.node.name=node-ctr", NULL }),
		     atoi(NCALLS) + 7, "the last export: the container's and the host's");
	cr_assert_eq(otlp_recv_stat(&rv, "invalid"), 0);
	/* /metrics while the targets waited: the container label, the caches' entries. */
	cr_assert_not_null(sc.text);
	snprintf(want, sizeof(want),
		 "agent_trace_syscall_records_total{syscall=\"getppid\",container=\"%s\"} %s", r.id,
		 NCALLS);
	has_line(sc.text, want);
	has_line(sc.text,
		 "agent_trace_syscall_records_total{syscall=\"getppid\",container=\"\"} 7");
	has_line(sc.text, "agent_trace_ident_cache_entries{cache=\"pod\"} 1");
	has_line(sc.text, "agent_trace_ident_cache_misses_total{cache=\"pod\"} 1");
	has_line(sc.text, "agent_trace_ident_cache_misses_total{cache=\"process\"} 2");
	has_line(sc.text, "agent_trace_container_records_folded_total 0");
	/* At the end: both processes read once, both released at their exit, none held. */
	cr_assert(strstr(r.out, "identity: processes 0 held of 16384 ("), "%s", r.out);
	cr_assert(strstr(r.out, " 2 misses, 0 evicted, 2 released at exit); cgroups "), "%s",
		  r.out);
	cr_assert(strstr(r.out, "; pods 1 held of 1024 ("), "%s", r.out);
	cr_assert(strstr(r.out, " hits, 1 misses, 0 evicted, 1 named)\n"), "%s", r.out);
	free(sc.text);
	ctr_run_free(&r);
	otlp_recv_stop(&rv, false);
}
