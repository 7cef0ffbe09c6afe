// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The DaemonSet's pod run by podman kube play: tests/deploy/kube_pod.py makes
 * a Pod of deploy/kubernetes/daemonset.yaml's template and plays it with the
 * ConfigMap, the image from make image; the agent, with the host's pid
 * namespace and the manifest's mounts, traces a workload container podman
 * starts afterwards and serves /healthz and /metrics on the pod's port 9464,
 * which count exactly the workload's calls. What podman 4.3 cannot play and
 * what the test changes for itself are kube_pod.py's to say (README:
 * Kubernetes, "Locally with podman"); the pod's network, its
 * containers.conf and its storage are the test's own: nothing under /etc is
 * touched.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define PODMAN "/usr/bin/podman"
/* podman names a played pod's containers POD-CONTAINER. */
#define POD "agent-trace"
#define AGENT POD "-agent-trace"
/* The workload: this many calls fork, then one calls threads (100 getppid). */
#define FORKS 3

static char dir[64], store[96], run_dir[96], tmp_dir[96], root[PATH_MAX], net[32], comm[16],
	wl_image[64];

#define PODMAN_ARGS PODMAN, "--root", store, "--runroot", run_dir, "--tmpdir", tmp_dir

/* The tree above the build directory: its Makefile, deploy/ and tests/deploy/. */
static void find_root(void)
{
	snprintf(root, sizeof(root), "%s", AT);
	dirname(root);
	while (strcmp(root, "/")) {
		char mk[PATH_MAX + 16];

		dirname(root);
		snprintf(mk, sizeof(mk), "%s/Makefile", root);
		if (!access(mk, R_OK))
			return;
	}
	cr_assert_fail("no Makefile above %s", AT);
}

static void setup(void)
{
	char build[PATH_MAX], conf[96];

	podman_scratch("kube", dir, store, run_dir, tmp_dir);
	find_root();
	snprintf(build, sizeof(build), "%s", AT);
	dirname(build);
	/*
	 * podman 4.3 ignores the pod's hostPID (played from 4.5): the host's pid
	 * namespace for the played containers comes from containers.conf. The
	 * networks are the test's own too, not /etc/cni/net.d's.
	 */
	snprintf(conf, sizeof(conf), "%s/kube.conf", dir);
	free(sh("sed '/^\\[containers\\]/a pidns = \"host\"' %s/containers.conf > %s &&"
		" printf '[network]\\nnetwork_config_dir = \"%s/net\"\\n' >> %s && mkdir %s/net",
		dir, conf, dir, conf, dir));
	setenv("CONTAINERS_CONF", conf, 1);
	free(sh("make -s -C %s image BUILD=%s PODMAN_FLAGS='--root %s --runroot %s --tmpdir %s'",
		root, build, store, run_dir, tmp_dir));
	/*
	 * The workload's image: calls in /usr/local/bin under a name of this
	 * test's own (the probe's filter names it: another test's calls on the
	 * host, or another run's workload, is not counted), a shell, and their
	 * libraries.
	 */
	snprintf(comm, sizeof(comm), "atk-%d", getpid());
	snprintf(wl_image, sizeof(wl_image), "localhost/agent-trace-workload:%d", getpid());
	free(sh("set -e; r=%s/wl; mkdir -p $r/usr/local/bin $r/bin; cp %s $r/usr/local/bin/%s;"
		" cp -L /bin/sh $r/bin/sh; for l in $(ldd %s | grep -o '/[^ ]*'; ldd /bin/sh |"
		" grep -o '/[^ ]*'); do mkdir -p $r$(dirname $l); [ -e $r$l ] || cp -L $l $r$l;"
		" done; tar -C $r -cf %s/wl.tar .",
		dir, build_path("calls"), comm, build_path("calls"), dir));
	free(sh(PODMAN " --root %s --runroot %s --tmpdir %s import -q %s/wl.tar %s", store, run_dir,
		tmp_dir, dir, wl_image));
	/* A bridge network podman names and numbers as free on the host now. */
	snprintf(net, sizeof(net), "atk-%d", getpid());
	free(sh(PODMAN " --root %s --runroot %s --tmpdir %s network create %s", store, run_dir,
		tmp_dir, net));
}

/*
 * Runs podman with args after the storage options to its end, its stdout and
 * stderr into files (a pipe would be held open by the conmon it starts, which
 * outlives it): the wait status, stdout and stderr malloc'd in out and err.
 */
static int podman_run(const char *const *args, char **out, char **err)
{
	char outf[96], errf[96], *argv[32] = { PODMAN_ARGS };
	int n = 7, st;
	pid_t pid;

	for (int i = 0; args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	snprintf(outf, sizeof(outf), "%s/podman.out", dir);
	snprintf(errf, sizeof(errf), "%s/podman.err", dir);
	pid = spawn_logged(argv, outf, errf);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	*out = slurp(outf);
	*err = slurp(errf);
	return st;
}

/* As podman_run, asserting it exits 0 (what says what ran); its stdout. */
static char *podman(const char *what, const char *const *args)
{
	char *out, *err;
	int st = podman_run(args, &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %d: %s%s", what, st, out, err);
	free(err);
	return out;
}

/* As podman_run, for the clean-up: whatever it says. */
static void podman_quiet(const char *const *args)
{
	char *out, *err;

	podman_run(args, &out, &err);
	free(out);
	free(err);
}

static void teardown(void)
{
	if (!dir[0])
		return;
	podman_quiet((const char *const[]){ "pod", "rm", "-f", "-t", "0", POD, NULL });
	podman_quiet((const char *const[]){ "rm", "-af", "-t", "0", NULL });
	podman_quiet((const char *const[]){ "rmi", "-af", NULL });
	if (net[0]) {
		podman_quiet((const char *const[]){ "network", "rm", "-f", net, NULL });
		/* The CNI host-local allocator's directory for the network, empty by now. */
		free(sh("rm -rf /var/lib/cni/networks/%s", net));
	}
	free(sh("rm -rf %s", dir));
}

TestSuite(kube, .init = setup, .fini = teardown, .timeout = 90);

/* podman inspect --type type --format FMT of name, the line without its newline. */
static char *inspect(const char *type, const char *name, const char *fmt)
{
	char *out, *err, *nl;
	int st = run_capture((char *[]){ PODMAN_ARGS, "inspect", "--type", (char *)type, "--format",
					 (char *)fmt, (char *)name, NULL },
			     &out, &err);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "podman inspect %s: %s", name, err);
	free(err);
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	return out;
}

/*
 * GET path from the pod's IP at the manifest's port 9464, HTTP/1.0, as a
 * scrape reaches the pod (the harness's http_get asks 127.0.0.1): the whole
 * answer, or NULL when nothing answers.
 */
static char *pod_get(const char *ip, const char *path)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9464) };
	struct timeval tv = { .tv_sec = 10 };
	char req[128], *buf;
	size_t len = 0, cap = 1 << 20;
	ssize_t n;
	int fd;

	cr_assert_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1, "pod IP '%s'", ip);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	buf = malloc(cap);
	cr_assert(buf);
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (!len) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Lines of s that hold both a and b. */
static size_t lines_with(const char *s, const char *a, const char *b)
{
	size_t n = 0;

	for (const char *l = s; l && *l;) {
		const char *e = strchr(l, '\n');
		char *line = strndup(l, e ? (size_t)(e - l) : strlen(l));

		n += strstr(line, a) && strstr(line, b);
		free(line);
		l = e ? e + 1 : NULL;
	}
	return n;
}

/* The agent's container log (stdout and stderr: records and messages), once n lines hold a and b. */
static char *agent_log(const char *a, const char *b, size_t n)
{
	char *out = NULL, *err;

	for (int i = 0; i < 100; i++) {
		int st;

		free(out);
		st = run_capture((char *[]){ PODMAN_ARGS, "logs", AGENT, NULL }, &out, &err);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "podman logs: %s", err);
		free(err);
		if (lines_with(out, a, b) >= n)
			break;
		usleep(100 * 1000);
	}
	return out;
}

Test(kube, the_daemonset_pod_traces_a_workload_container)
{
	char yaml[96], wl[96], cid_file[96], lock[96], pid_ns[64], want_ns[64], path[PATH_MAX + 64];
	char node[80], needle[160], *out, *agent_pid, *infra, *ip, *cid, *s;
	struct utsname u;
	int port = free_port();
	ssize_t n;

	/* The Pod and ConfigMap, and the test's file that names the workload (README). */
	cr_assert_eq(uname(&u), 0);
	snprintf(node, sizeof(node), "%s", u.nodename);
	snprintf(wl, sizeof(wl), "%s/workload.yaml", dir);
	/*
	 * The ConfigMap's /usr/local/bin glob matches the workload's calls in its
	 * container (paths as each process sees them), and makes every exec on
	 * the node a candidate: traced from its exec until the reader confirms or
	 * rejects it by path, its counts kept apart meanwhile (the workload's runc
	 * init calls getppid twice and its /bin/sh once, for $PPID, before their
	 * rejects: in no total). The probe's own filter keeps the node's other
	 * targets (python3, the host's /usr/local/bin) out.
	 */
	write_text(wl,
		   "# The workload's calls only: the ConfigMap's targets cover the node.\n"
		   "probes:\n"
		   "  - {name: workload-getppid, kind: syscall, attach: getppid,\n"
		   "     filter: comm == \"%s\", action: count}\n",
		   comm);
	snprintf(yaml, sizeof(yaml), "%s/play.yaml", dir);
	snprintf(lock, sizeof(lock), "%s/agent-trace.lock", dir);
	free(sh("python3 %s/tests/deploy/kube_pod.py --deploy %s/deploy/kubernetes --node-name %s"
		" --lock %s --host-port %d --probe-file workload.yaml=%s > %s",
		root, root, node, lock, port, wl, yaml));
	free(podman("podman kube play",
		    (const char *const[]){ "kube", "play", "--network", net, yaml, NULL }));

	/* The agent in its container: the host's pid namespace, the manifest's mounts and env. */
	agent_pid = inspect("container", AGENT, "{{.State.Pid}}");
	cr_assert_gt(atoi(agent_pid), 0, "%s", agent_pid);
	snprintf(path, sizeof(path), "/proc/%s/ns/pid", agent_pid);
	n = readlink(path, pid_ns, sizeof(pid_ns) - 1);
	cr_assert_gt(n, 0);
	pid_ns[n] = '\0';
	n = readlink("/proc/self/ns/pid", want_ns, sizeof(want_ns) - 1);
	cr_assert_gt(n, 0);
	want_ns[n] = '\0';
	cr_assert_str_eq(pid_ns, want_ns, "the agent is not in the host's pid namespace");
	s = sh("awk '{ print $5 }' /proc/%s/mountinfo | grep -xE '/etc/agent-trace|/host/proc|"
	       "/sys/fs/cgroup|/sys/kernel/btf|/run/agent-trace.lock' | sort -u | tr '\\n' ' '",
	       agent_pid);
	cr_assert_str_eq(s, "/etc/agent-trace /host/proc /run/agent-trace.lock /sys/fs/cgroup "
			    "/sys/kernel/btf ");
	free(s);
	/* The ConfigMap's probe file, as the ConfigMap holds it, in the mounted directory. */
	s = sh("cd /proc/%s/root/etc/agent-trace && ls && python3 -c 'import sys, yaml;"
	       " d = yaml.safe_load(open(sys.argv[1]))[\"data\"];"
	       " sys.exit(any(open(k).read() != v for k, v in d.items()))' "
	       "%s/deploy/kubernetes/configmap.yaml && echo same",
	       agent_pid, root);
	cr_assert_str_eq(s, "probes.yaml\nworkload.yaml\nsame\n", "%s", s);
	free(s);
	s = sh("tr '\\0' '\\n' < /proc/%s/environ | grep '^NODE_NAME='", agent_pid);
	snprintf(needle, sizeof(needle), "NODE_NAME=%s\n", node);
	cr_assert_str_eq(s, needle);
	free(s);

	/* /healthz on the pod's IP at the manifest's port, once every probe is in. */
	snprintf(needle, sizeof(needle), "{{(index .NetworkSettings.Networks \"%s\").IPAddress}}",
		 net);
	infra = inspect("pod", POD, "{{.InfraContainerID}}");
	ip = inspect("container", infra, needle);
	s = NULL;
	for (int i = 0; i < 200 && !(s = pod_get(ip, "/healthz")); i++)
		usleep(50 * 1000);
	cr_assert(s, "nothing answers on %s:9464: %s", ip, agent_log("", "", 0));
	cr_assert(!strncmp(s, "HTTP/1.1 200 ", 13) && strstr(s, "\r\n\r\n"), "%s", s);
	cr_assert_str_eq(strstr(s, "\r\n\r\n") + 4, "ok\n");
	free(s);

	/* The workload: a container of its own (its own pid namespace, no network). */
	snprintf(cid_file, sizeof(cid_file), "%s/wl.cid", dir);
	snprintf(needle, sizeof(needle),
		 "i=0; while [ $i -lt %d ]; do /usr/local/bin/%s fork || exit 1; i=$((i + 1));"
		 " done;"
		 " exec /usr/local/bin/%s threads",
		 FORKS, comm, comm);
	free(podman("the workload",
		    (const char *const[]){ "run", "--rm", "--cidfile", cid_file, "--pid", "private",
					   "--network", "none", wl_image, "/bin/sh", "-c", needle,
					   NULL }));
	cid = slurp(cid_file);
	cr_assert_eq(strlen(cid), 64, "%s", cid);

	/*
	 * The records on the agent's stdout (the ConfigMap's format: json): an
	 * attach and an exit for each of the FORKS + 1 processes, every one with
	 * the workload container's id. The last one has the pid of two rejected
	 * candidates, the container's runc init and the /bin/sh it executed,
	 * which exec'd it: its exec ends their rejects, so its records are kept.
	 * (A reader that judged the shell's exec only after that exec, some ms
	 * later, would find calls at /proc/PID/exe and keep the shell instead:
	 * an attach with "sh", none with calls'. The fork runs leave the time.)
	 */
	snprintf(needle, sizeof(needle), "\"container_id\":\"%s\"", cid);
	out = agent_log(needle, "\"type\":\"exit\"", FORKS + 1);
	cr_assert_eq(lines_with(out, needle, "{\"type\":\"attach\","), FORKS + 1, "%s", out);
	cr_assert_eq(lines_with(out, needle, ",\"code\":0,\"signal\":null}"), FORKS + 1, "%s", out);
	cr_assert_eq(count_lines(out, needle), 2 * (FORKS + 1), "%s", out);
	snprintf(needle, sizeof(needle), "\"comm\":\"%s\"", comm);
	cr_assert_eq(count_lines(out, needle), 2 * (FORKS + 1), "%s", out);
	free(out);

	/*
	 * The counts at the scrape, once the records are out (the writer adds a
	 * record to its probe's table before any later line is written): the
	 * ConfigMap's failed-opens has the parent's one failing open of each
	 * fork run (its table is made of records, and a rejected candidate's are
	 * dropped), the test's file's probe matched the 100 getppid calls.
	 */
	s = pod_get(ip, "/metrics");
	cr_assert(s && !strncmp(s, "HTTP/1.1 200 ", 13), "%s", s);
	snprintf(needle, sizeof(needle),
		 "\nagent_trace_probe_aggregate_failing_total{probe=\"failed-opens\","
		 "function=\"failed-opens\",value=\"/nonexistent/parent\"} %d\n",
		 FORKS);
	cr_assert(strstr(s, needle), "no %s in:\n%s", needle, s);
	cr_assert(strstr(s, "\nagent_trace_probe_matched_total{probe=\"workload-getppid\","
			    "function=\"workload-getppid\"} 100\n"),
		  "%s", s);
	/*
	 * libc-connect is in too (each traced process's own libc); its count is
	 * the node's: python3 and /usr/local/bin programs on the host are the
	 * ConfigMap's targets as well.
	 */
	cr_assert(strstr(s, "\nagent_trace_probe_hits_total{probe=\"libc-connect\","
			    "function=\"libc:connect\"} "),
		  "%s", s);
	free(s);

	/* SIGTERM, as the kubelet stops a pod: the daemon flushes and exits 0. */
	free(podman("podman pod stop",
		    (const char *const[]){ "pod", "stop", "-t", "10", POD, NULL }));
	s = inspect("container", AGENT, "{{.State.ExitCode}}");
	cr_assert_str_eq(s, "0");
	free(s);
	free(cid);
	free(ip);
	free(infra);
	free(agent_pid);
}
