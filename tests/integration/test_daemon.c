// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * agent-trace daemon: a directory of probe files laid out as a Kubernetes
 * ConfigMap volume (timestamped directory, ..data symlink, per-key symlinks),
 * updated by the kubelet's symlink swap; the lock; SIGTERM.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "otlp_recv.h"

struct daemon_dir {
	char root[64]; /* scratch: the lock, the FIFO, the output */
	char dir[96];  /* --config-dir */
	char lock[96]; /* --lock-file */
	char fifo[96]; /* probed's phases */
	char out[96], err[96];
};

/*
 * Set-up is done once --metrics serves /healthz: the port is bound (and
 * connects) before, but requests are answered only once every probe is in.
 */
static void wait_served(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 30 };
	static const char req[] = "GET /healthz HTTP/1.0\r\n\r\n";
	char buf[64] = "";

	for (int i = 0; i < 1000; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		cr_assert_geq(fd, 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)) &&
		    write(fd, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1 &&
		    read(fd, buf, sizeof(buf) - 1) > 0) {
			close(fd);
			cr_assert(!strncmp(buf, "HTTP/1.", 7), "%s", buf);
			return;
		}
		close(fd);
		usleep(10000);
	}
	cr_assert_fail("the daemon never served on port %d", port);
}

/*
 * One update as the kubelet's atomic writer does it: the files in a new
 * timestamped directory, ..data_tmp pointing at it, renamed over ..data; the
 * visible names are symlinks to ..data/NAME, made once.
 */
static void configmap_write(const struct daemon_dir *d, int gen, const char *a, const char *b)
{
	char ts[160], f[200], tmp[160], data[160], link[160];

	snprintf(ts, sizeof(ts), "%s/..2026_12_02_06_00_0%d.%d", d->dir, gen, 1000 + gen);
	cr_assert_eq(mkdir(ts, 0755), 0);
	snprintf(f, sizeof(f), "%s/a.yaml", ts);
	write_text(f, "%s", a);
	snprintf(f, sizeof(f), "%s/b.yaml", ts);
	write_text(f, "%s", b);
	snprintf(tmp, sizeof(tmp), "%s/..data_tmp", d->dir);
	snprintf(data, sizeof(data), "%s/..data", d->dir);
	cr_assert_eq(symlink(strrchr(ts, '/') + 1, tmp), 0);
	cr_assert_eq(rename(tmp, data), 0);
	if (gen == 1) {
		snprintf(link, sizeof(link), "%s/a.yaml", d->dir);
		cr_assert_eq(symlink("..data/a.yaml", link), 0);
		snprintf(link, sizeof(link), "%s/b.yaml", d->dir);
		cr_assert_eq(symlink("..data/b.yaml", link), 0);
	}
}

/*
 * As start_waiting_target, under a name of its own (path, a symlink to
 * targets/calls): its comm is the test's alone, whatever else runs calls.
 */
static pid_t start_named_calls(const char *path, int *release_fd)
{
	int ends[2]; /* its stdin, its stdout */
	char ready[8] = "";
	pid_t pid;

	cr_assert_eq(symlink(build_path("calls"), path), 0);
	pid = fork_piped((const int[]){ 0, 1 }, ends, 2);
	if (pid == 0) {
		execl(path, path, "wait", "7", (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(read(ends[1], ready, 6), 6);
	cr_assert_str_eq(ready, "ready\n");
	close(ends[1]);
	*release_fd = ends[0];
	return pid;
}

static void scratch(struct daemon_dir *d)
{
	snprintf(d->root, sizeof(d->root), "/tmp/agent-trace-daemon.%d", (int)getpid());
	cr_assert_eq(mkdir(d->root, 0700), 0);
	snprintf(d->dir, sizeof(d->dir), "%s/conf", d->root);
	cr_assert_eq(mkdir(d->dir, 0755), 0);
	snprintf(d->lock, sizeof(d->lock), "%s/lock", d->root);
	snprintf(d->fifo, sizeof(d->fifo), "%s/go", d->root);
	snprintf(d->out, sizeof(d->out), "%s/out", d->root);
	snprintf(d->err, sizeof(d->err), "%s/err", d->root);
	cr_assert_eq(mkfifo(d->fifo, 0600), 0);
}

static void scratch_remove(const struct daemon_dir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->root);
	cr_assert_eq(system(cmd), 0);
}

Test(daemon, configmap_dir_reload_lock_and_sigterm, .timeout = 90)
{
	struct daemon_dir d;
	char sys_yaml[256], comm[16], calls_path[128], port[32], b1[512], b2[600], msg[256], *e, *o;
	int port_n = free_port(), rel, fd, st;
	pid_t calls, probed, agent;

	scratch(&d);
	snprintf(port, sizeof(port), "127.0.0.1:%d", port_n);
	/* The targets run before the daemon starts: a comm target and a pid target. */
	snprintf(comm, sizeof(comm), "atd%d", (int)getpid());
	snprintf(calls_path, sizeof(calls_path), "%s/%s", d.root, comm);
	snprintf(sys_yaml, sizeof(sys_yaml),
		 "targets: {comm: [%s]}\n"
		 "probes:\n  - name: sys\n    kind: syscall\n    attach: getppid\n",
		 comm);
	calls = start_named_calls(calls_path, &rel);
	probed = fork();
	cr_assert_geq(probed, 0);
	if (!probed) {
		die_with_test();
		execl(build_path("probed"), "probed", "phases", "10", d.fifo, (char *)NULL);
		_exit(127);
	}
	snprintf(b1, sizeof(b1),
		 "targets: {pids: [%d]}\n"
		 "probes:\n  - name: fn\n    kind: function\n"
		 "    attach: '%s:step(int i) -> int'\n",
		 (int)probed, build_path("probed"));
	configmap_write(&d, 1, sys_yaml, b1);

	char *argv[] = { (char *)build_path("agent-trace"),
			 "daemon",
			 "--config-dir",
			 d.dir,
			 "--lock-file",
			 d.lock,
			 "--json",
			 "-o",
			 d.out,
			 "--metrics",
			 port,
			 NULL };
	agent = spawn_logged(argv, "/dev/null", d.err);
	wait_served(port_n);

	/* Both files' probes run: 7 getppid calls of calls, 10 step calls of probed. */
	cr_assert_eq(write(rel, "x", 1), 1);
	fd = open(d.fifo, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "1", 1), 1);
	wait_lines(d.out, "\"probe_name\":\"sys\",\"probe_id\"", 7);
	wait_lines(d.out, "\"probe_name\":\"fn\",\"probe\":", 10);

	/* A second daemon on the same lock: one line, exit 1, before anything is loaded. */
	snprintf(msg, sizeof(msg), "agent-trace: another agent-trace daemon holds %s (pid %d)\n",
		 d.lock, (int)agent);
	expect_error((char *[]){ (char *)build_path("agent-trace"), "daemon", "--config-dir", d.dir,
				 "--lock-file", d.lock, NULL },
		     1, msg);

	/* The swap to a new set: fn filtered to i >= 205, sys unchanged. */
	snprintf(b2, sizeof(b2), "%s    filter: i >= 205\n", b1);
	configmap_write(&d, 2, sys_yaml, b2);
	wait_lines(d.err, "reload: 0 new, 1 changed, 0 removed, 1 unchanged", 1);
	cr_assert_eq(write(fd, "2", 1), 1); /* step(200..209): 5 pass */
	wait_lines(d.out, "\"probe_name\":\"fn\",\"probe\":", 15);

	/* A broken set is refused naming the file; the last set runs on. */
	configmap_write(&d, 3, sys_yaml, "probes: [\n");
	wait_lines(d.err, "the current probes run on", 1);
	cr_assert_eq(write(fd, "3", 1), 1); /* step(300..309): all pass */
	wait_lines(d.out, "\"probe_name\":\"fn\",\"probe\":", 25);
	e = slurp(d.err);
	snprintf(msg, sizeof(msg), "agent-trace: reload: %s/b.yaml:", d.dir);
	cr_assert_eq(count_lines(e, msg), 1, "%s", e);
	cr_assert_eq(count_lines(e, "YAML syntax"), 1, "%s", e);
	free(e);

	/* SIGTERM: flushed, status 0. */
	close(fd);
	cr_assert_eq(kill(agent, SIGTERM), 0);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	e = slurp(d.err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	o = slurp(d.out);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"sys\",\"probe_id\""), 7, "%s", o);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"fn\",\"probe\":"), 25, "%s", o);
	cr_assert_eq(count_lines(o, "\"args\":{\"i\":204}"), 0, "filtered after the swap");
	cr_assert_eq(count_lines(o, "\"args\":{\"i\":205}"), 1);
	free(o);
	free(e);
	close(rel);
	kill(calls, SIGKILL);
	waitpid(calls, NULL, 0);
	waitpid(probed, NULL, 0);
	scratch_remove(&d);
}

Test(daemon, empty_dir_waits_for_its_first_file, .timeout = 60)
{
	struct daemon_dir d;
	char port[32], tmp[128], file[128], *e;
	int port_n = free_port(), st;
	pid_t agent;

	scratch(&d);
	snprintf(port, sizeof(port), "127.0.0.1:%d", port_n);
	char *argv[] = { (char *)build_path("agent-trace"),
			 "daemon",
			 "--config-dir",
			 d.dir,
			 "--lock-file",
			 d.lock,
			 "-o",
			 d.out,
			 "--metrics",
			 port,
			 NULL };
	agent = spawn_logged(argv, "/dev/null", d.err);
	wait_served(port_n);
	/* No probe file, no target: it runs on, and the lock file names it. */
	e = slurp(d.lock);
	cr_assert_eq(atoi(e), agent, "%s", e);
	free(e);
	cr_assert_eq(waitpid(agent, &st, WNOHANG), 0);
	/* A file written elsewhere and renamed in: the first set. */
	snprintf(tmp, sizeof(tmp), "%s/.p.yaml.tmp", d.dir);
	snprintf(file, sizeof(file), "%s/p.yaml", d.dir);
	write_text(tmp, "probes:\n  - {name: opens, kind: syscall, attach: openat}\n");
	cr_assert_eq(rename(tmp, file), 0);
	wait_lines(d.err, "reload: 1 new, 0 changed, 0 removed, 0 unchanged", 1);
	cr_assert_eq(kill(agent, SIGTERM), 0);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	e = slurp(d.err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	/* The temporary name is a dot file: never read, so never an error. */
	cr_assert_eq(count_lines(e, "reload: 1 new"), 1, "%s", e);
	cr_assert_eq(count_lines(e, "the current probes run on"), 0, "%s", e);
	free(e);
	scratch_remove(&d);
}

/* Releases a target of start_waiting_target and reaps it: its pid names no process any more. */
static void end_target(int rel, pid_t pid)
{
	int st;

	cr_assert_eq(write(rel, "x", 1), 1);
	close(rel);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}

/*
 * b.yaml names two pids: one gone before the daemon starts, one that exits
 * while it runs. Each is skipped with one line naming b.yaml, at start and at
 * the reload after its exit, and never again at later reloads; a.yaml's comm
 * target and the rest of the set apply throughout. -C on the same file, a
 * one-shot run, still refuses a pid that is gone.
 */
Test(daemon, exited_pid_target_is_skipped_once, .timeout = 90)
{
	struct daemon_dir d;
	char comm[16], calls_path[128], port[32], a1[256], a2[320], a3[400], b[256], one[128];
	char line1[256], line2[256], msg[256], *e, *o;
	int port_n = free_port(), rel, rel1, rel2, st;
	pid_t calls, gone1, gone2, agent;

	scratch(&d);
	snprintf(port, sizeof(port), "127.0.0.1:%d", port_n);
	snprintf(comm, sizeof(comm), "atx%d", (int)getpid());
	snprintf(calls_path, sizeof(calls_path), "%s/%s", d.root, comm);
	calls = start_named_calls(calls_path, &rel);
	gone1 = start_waiting_target(&rel1, "0");
	gone2 = start_waiting_target(&rel2, "0");
	end_target(rel1, gone1);
	snprintf(a1, sizeof(a1),
		 "targets: {comm: [%s]}\n"
		 "probes:\n  - {name: sys, kind: syscall, attach: getppid}\n",
		 comm);
	snprintf(a2, sizeof(a2), "%s  - {name: sys2, kind: syscall, attach: getpid}\n", a1);
	snprintf(a3, sizeof(a3), "%s  - {name: sys3, kind: syscall, attach: gettid}\n", a2);
	snprintf(b, sizeof(b),
		 "targets: {pids: [%d, %d]}\n"
		 "probes:\n  - {name: opens, kind: syscall, attach: openat}\n",
		 (int)gone1, (int)gone2);
	snprintf(line1, sizeof(line1),
		 "agent-trace: %s/b.yaml: targets: pid %d: no such process; skipped, the rest of "
		 "the set applies",
		 d.dir, (int)gone1);
	snprintf(line2, sizeof(line2),
		 "agent-trace: %s/b.yaml: targets: pid %d: no such process; skipped, the rest of "
		 "the set applies",
		 d.dir, (int)gone2);
	configmap_write(&d, 1, a1, b);

	char *argv[] = { (char *)build_path("agent-trace"),
			 "daemon",
			 "--config-dir",
			 d.dir,
			 "--lock-file",
			 d.lock,
			 "--json",
			 "-o",
			 d.out,
			 "--metrics",
			 port,
			 NULL };
	agent = spawn_logged(argv, "/dev/null", d.err);
	wait_served(port_n);
	e = slurp(d.err);
	cr_assert_eq(count_lines(e, line1), 1, "%s", e);
	cr_assert_eq(count_lines(e, "no such process"), 1, "%s", e);
	free(e);

	/* The second pid exits; a change to a.yaml alone reloads the set, which applies. */
	end_target(rel2, gone2);
	configmap_write(&d, 2, a2, b);
	wait_lines(d.err, "reload: 1 new, 0 changed, 0 removed, 2 unchanged", 1);
	configmap_write(&d, 3, a3, b);
	wait_lines(d.err, "reload: 1 new, 0 changed, 0 removed, 3 unchanged", 1);
	e = slurp(d.err);
	cr_assert_eq(count_lines(e, line1), 1, "%s", e);
	cr_assert_eq(count_lines(e, line2), 1, "%s", e);
	cr_assert_eq(count_lines(e, "no such process"), 2, "%s", e);
	cr_assert_eq(count_lines(e, "the current probes run on"), 0, "%s", e);
	free(e);

	/* The comm target was traced all along: its 7 getppid calls. */
	cr_assert_eq(write(rel, "x", 1), 1);
	wait_lines(d.out, "\"probe_name\":\"sys\",\"probe_id\"", 7);

	/* A one-shot -C on b.yaml keeps refusing a pid that is gone: exit 1, one line. */
	snprintf(one, sizeof(one), "%s/b.yaml", d.dir);
	snprintf(msg, sizeof(msg), "agent-trace: %s: targets: pid %d: no such process\n", one,
		 (int)gone1);
	expect_error((char *[]){ (char *)build_path("agent-trace"), "-q", "-C", one, NULL }, 1,
		     msg);

	cr_assert_eq(kill(agent, SIGTERM), 0);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	e = slurp(d.err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	cr_assert_eq(count_lines(e, "no such process"), 2, "%s", e);
	o = slurp(d.out);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"sys\",\"probe_id\""), 7, "%s", o);
	free(o);
	free(e);
	close(rel);
	waitpid(calls, NULL, 0);
	scratch_remove(&d);
}

/* GET /healthz: the HTTP status (-1: no answer), the body in body. */
static int healthz(int port, char *body, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static const char req[] = "GET /healthz HTTP/1.0\r\n\r\n";
	struct timeval tv = { .tv_sec = 10 };
	char buf[1024];
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -1;
	const char *sep;

	cr_assert_geq(fd, 0);
	body[0] = '\0';
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return -1;
	}
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || !(sep = strstr(buf, "\r\n\r\n")))
		return -1;
	snprintf(body, size, "%s", sep + 4);
	return status;
}

/* Polls /healthz every 50 ms, 15 s at most, until it answers want; the last body in body. */
static void wait_health(int port, int want, char *body, size_t size)
{
	int st = -1;

	for (int i = 0; i < 300 && (st = healthz(port, body, size)) != want; i++)
		usleep(50 * 1000);
	cr_assert_eq(st, want, "/healthz: %d %s", st, body);
}

/* The thread of pid named comm (/proc/PID/task/TID/comm); 0 for none. */
static pid_t thread_named(pid_t pid, const char *comm)
{
	char path[300], name[32] = "";
	struct dirent *de;
	pid_t tid = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	cr_assert_not_null(d);
	while (!tid && (de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid, de->d_name);
		f = fopen(path, "r");
		if (f && fgets(name, sizeof(name), f) && !strncmp(name, comm, strlen(comm)) &&
		    name[strlen(comm)] == '\n')
			tid = atoi(de->d_name);
		if (f)
			fclose(f);
	}
	closedir(d);
	return tid;
}

/*
 * The reader thread stopped on its own (ptrace stops one thread, the rest of
 * the daemon runs on): records wait in the ring, and after --health-timeout
 * /healthz says 503 with the reason; let go, the reader drains the ring, 200
 * again, and every record arrives.
 */
Test(daemon, healthz_fails_while_the_reader_is_stuck, .timeout = 90)
{
	struct daemon_dir d;
	char port[32], yaml[160], body[512], *e;
	int port_n = free_port(), rel, st;
	pid_t target, agent, reader;

	scratch(&d);
	snprintf(port, sizeof(port), "127.0.0.1:%d", port_n);
	target = start_waiting_target(&rel, "500");
	snprintf(yaml, sizeof(yaml), "%s/a.yaml", d.dir);
	write_text(yaml,
		   "targets: {pids: [%d]}\n"
		   "probes:\n  - {name: sys, kind: syscall, attach: getppid}\n",
		   (int)target);
	char *argv[] = { (char *)build_path("agent-trace"),
			 "daemon",
			 "--config-dir",
			 d.dir,
			 "--lock-file",
			 d.lock,
			 "--json",
			 "-o",
			 d.out,
			 "--metrics",
			 port,
			 "--health-timeout",
			 "1s",
			 NULL };
	agent = spawn_logged(argv, "/dev/null", d.err);
	wait_served(port_n);
	cr_assert_eq(healthz(port_n, body, sizeof(body)), 200, "%s", body);
	cr_assert_str_eq(body, "ok\n");

	/* Idle is healthy: nothing to read for longer than the threshold. */
	usleep(1500 * 1000);
	cr_assert_eq(healthz(port_n, body, sizeof(body)), 200, "%s", body);

	reader = thread_named(agent, "at-reader");
	cr_assert_gt(reader, 0, "no at-reader thread in %d", (int)agent);
	cr_assert_eq(ptrace(PTRACE_SEIZE, reader, NULL, NULL), 0, "%s", strerror(errno));
	cr_assert_eq(ptrace(PTRACE_INTERRUPT, reader, NULL, NULL), 0, "%s", strerror(errno));
	cr_assert_eq(waitpid(reader, &st, __WALL), reader);
	cr_assert(WIFSTOPPED(st), "status 0x%x", st);

	/* 500 records wait unread. */
	cr_assert_eq(write(rel, "x", 1), 1);
	close(rel);
	cr_assert_eq(waitpid(target, &st, 0), target);
	wait_health(port_n, 503, body, sizeof(body));
	cr_assert(!strncmp(body, "ring buffer: ", 13), "%s", body);
	cr_assert(strstr(body, " bytes unread and not read for "), "%s", body);
	cr_assert(strstr(body, " s: the reader is stuck\n"), "%s", body);
	cr_assert_eq(count_lines(body, "\n"), 0, "one line: %s", body);

	cr_assert_eq(ptrace(PTRACE_DETACH, reader, NULL, NULL), 0, "%s", strerror(errno));
	wait_health(port_n, 200, body, sizeof(body));
	cr_assert_str_eq(body, "ok\n");
	wait_lines(d.out, "\"probe_name\":\"sys\",\"probe_id\"", 500);

	cr_assert_eq(kill(agent, SIGTERM), 0);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	e = slurp(d.err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	free(e);
	scratch_remove(&d);
}

/*
 * An OTLP sink sending metrics every 200 ms: 200 while the receiver takes
 * them, 503 naming the sink once every export has failed for longer than
 * --health-timeout (the receiver's port closed: connections refused), 200
 * again once it is back.
 */
Test(daemon, healthz_fails_while_otlp_exports_fail, .timeout = 90)
{
	struct daemon_dir d;
	struct otlp_recv r;
	char port[32], yaml[160], body[512], want[160], *e;
	int port_n = free_port(), rel, st;
	pid_t target, agent;

	scratch(&d);
	otlp_recv_start(&r, "healthz", NULL);
	snprintf(port, sizeof(port), "127.0.0.1:%d", port_n);
	target = start_waiting_target(&rel, "0");
	snprintf(yaml, sizeof(yaml), "%s/a.yaml", d.dir);
	write_text(yaml,
		   "targets: {pids: [%d]}\n"
		   "probes:\n  - {name: sys, kind: syscall, attach: getppid}\n"
		   "output:\n  sinks:\n"
		   "    - {type: otlp, endpoint: '%s', interval: 200ms,\n"
		   "       retry: {initial: 100ms, max: 200ms}}\n",
		   (int)target, r.url);
	char *argv[] = { (char *)build_path("agent-trace"),
			 "daemon",
			 "--config-dir",
			 d.dir,
			 "--lock-file",
			 d.lock,
			 "-o",
			 d.out,
			 "--metrics",
			 port,
			 "--health-timeout",
			 "1s",
			 NULL };
	agent = spawn_logged(argv, "/dev/null", d.err);
	wait_served(port_n);

	/* A working receiver: healthy for well past the threshold, requests arriving. */
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(healthz(port_n, body, sizeof(body)), 200, "%s", body);
		cr_assert_str_eq(body, "ok\n");
		usleep(200 * 1000);
	}
	cr_assert_geq(otlp_recv_wait(&r, "valid", 5, 5000), 5);

	otlp_recv_control(&r, "{\"mode\":\"down\"}");
	wait_health(port_n, 503, body, sizeof(body));
	snprintf(want, sizeof(want), "otlp metrics %s/v1/metrics: every export has failed for ",
		 r.url);
	cr_assert(!strncmp(body, want, strlen(want)), "%s", body);
	cr_assert(strstr(body, " attempts)\n"), "%s", body);

	otlp_recv_control(&r, "{\"mode\":\"up\"}");
	wait_health(port_n, 200, body, sizeof(body));
	cr_assert_str_eq(body, "ok\n");

	cr_assert_eq(kill(agent, SIGTERM), 0);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	e = slurp(d.err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	free(e);
	cr_assert_eq(write(rel, "x", 1), 1);
	close(rel);
	waitpid(target, NULL, 0);
	otlp_recv_stop(&r, false);
	scratch_remove(&d);
}

/* The BPF programs and links pid holds, by id, from its fdinfo. */
struct bpf_ids {
	uint32_t prog[64], link[64];
	unsigned nprog, nlink;
};

static void add_id(uint32_t *v, unsigned *n, uint32_t id)
{
	for (unsigned i = 0; i < *n; i++)
		if (v[i] == id)
			return;
	cr_assert_lt(*n, 64u);
	v[(*n)++] = id;
}

static void on_fdinfo(void *ctx, const char *line)
{
	struct bpf_ids *ids = ctx;
	unsigned id;

	if (sscanf(line, "prog_id: %u", &id) == 1)
		add_id(ids->prog, &ids->nprog, id);
	else if (sscanf(line, "link_id: %u", &id) == 1)
		add_id(ids->link, &ids->nlink, id);
}

/* How many of ids' programs and links the kernel still has. */
static unsigned bpf_ids_alive(const struct bpf_ids *ids)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ids->nprog; i++) {
		int fd = bpf_prog_get_fd_by_id(ids->prog[i]);

		n += fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	for (unsigned i = 0; i < ids->nlink; i++) {
		int fd = bpf_link_get_fd_by_id(ids->link[i]);

		n += fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return n;
}

/*
 * SIGKILL: no clean-up runs, yet the kernel frees every program and link the
 * daemon held (they are owned by its file descriptors). Checked by id: other
 * agents may run on the machine, so a count by program name would be theirs
 * too. A new daemon takes the lock at once and traces the same target again.
 */
Test(daemon, sigkill_leaves_nothing_attached_and_a_restart_traces_again, .timeout = 90)
{
	struct daemon_dir d;
	struct bpf_ids ids = {};
	char port[32], b[512], out2[128], *e, *o;
	int port_n = free_port(), fd, st;
	unsigned alive = 0;
	pid_t probed, agent;

	scratch(&d);
	snprintf(port, sizeof(port), "127.0.0.1:%d", port_n);
	snprintf(out2, sizeof(out2), "%s/out2", d.root);
	probed = fork();
	cr_assert_geq(probed, 0);
	if (!probed) {
		die_with_test();
		execl(build_path("probed"), "probed", "phases", "10", d.fifo, (char *)NULL);
		_exit(127);
	}
	snprintf(b, sizeof(b),
		 "targets: {pids: [%d]}\n"
		 "probes:\n  - name: fn\n    kind: function\n"
		 "    attach: '%s:step(int i) -> int'\n"
		 "  - {name: sys, kind: syscall, attach: getppid}\n",
		 (int)probed, build_path("probed"));
	snprintf(out2, sizeof(out2), "%s/b.yaml", d.dir);
	write_text(out2, "%s", b);
	snprintf(out2, sizeof(out2), "%s/out2", d.root);

	char *argv[] = { (char *)build_path("agent-trace"),
			 "daemon",
			 "--config-dir",
			 d.dir,
			 "--lock-file",
			 d.lock,
			 "--json",
			 "-o",
			 d.out,
			 "--metrics",
			 port,
			 NULL };
	agent = spawn_logged(argv, "/dev/null", d.err);
	wait_served(port_n);
	fd = open(d.fifo, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "1", 1), 1);
	wait_lines(d.out, "\"probe_name\":\"fn\",\"probe\":", 10);

	fdinfo_lines(agent, on_fdinfo, &ids);
	/* The syscall and process programs and the function probe's: each attached by a link. */
	cr_assert_geq(ids.nprog, 3u, "%u programs", ids.nprog);
	cr_assert_geq(ids.nlink, 3u, "%u links", ids.nlink);
	cr_assert_eq(bpf_ids_alive(&ids), ids.nprog + ids.nlink);

	cr_assert_eq(kill(agent, SIGKILL), 0);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status 0x%x", st);
	/* Freed once the last reference goes, after an RCU grace period or so. */
	for (int i = 0; i < 500 && (alive = bpf_ids_alive(&ids)); i++)
		usleep(20 * 1000);
	cr_assert_eq(alive, 0u, "%u of %u programs and links left after SIGKILL", alive,
		     ids.nprog + ids.nlink);

	/* The restart: the lock is free, the same set, the same target, records again. */
	argv[8] = out2;
	agent = spawn_logged(argv, "/dev/null", d.err);
	wait_served(port_n);
	e = slurp(d.lock);
	cr_assert_eq(atoi(e), agent, "%s", e);
	free(e);
	cr_assert_eq(write(fd, "2", 1), 1);
	wait_lines(out2, "\"probe_name\":\"fn\",\"probe\":", 10);
	cr_assert_eq(kill(agent, SIGTERM), 0);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	e = slurp(d.err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x\n%s", st, e);
	free(e);
	o = slurp(out2);
	cr_assert_eq(count_lines(o, "\"probe_name\":\"fn\",\"probe\":"), 10, "%s", o);
	cr_assert_eq(count_lines(o, "\"args\":{\"i\":200}"), 1, "%s", o);
	cr_assert_eq(count_lines(o, "\"args\":{\"i\":209}"), 1, "%s", o);
	free(o);
	close(fd);
	cr_assert_eq(waitpid(probed, &st, 0), probed);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "probed status 0x%x", st);
	scratch_remove(&d);
}
