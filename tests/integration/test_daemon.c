// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * agent-trace daemon: a directory of probe files laid out as a Kubernetes
 * ConfigMap volume (timestamped directory, ..data symlink, per-key symlinks),
 * updated by the kubelet's symlink swap; the lock; SIGTERM.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

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
