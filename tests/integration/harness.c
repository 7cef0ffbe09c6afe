// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Integration harness: trace a target with the real BPF programs, keep every record. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "harness.h"
#include "plan.h"
#include "probefile.h"
#include "probes.h"
#include "proc.h"
#include "session.h"
#include "syscalls.h"

const char *build_path(const char *name)
{
	static char paths[8][PATH_MAX];
	static int next;
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *p = paths[next++ % 8];

	cr_assert(n > 0);
	exe[n] = '\0';
	dir = dirname(dirname(exe)); /* build/tests/x -> build */
	if (!strcmp(name, "agent-trace"))
		snprintf(p, PATH_MAX, "%s/agent-trace", dir);
	else
		snprintf(p, PATH_MAX, "%s/targets/%s", dir, name);
	return p;
}

static void on_record(void *ctx, const void *data, size_t size)
{
	const struct at_rec_hdr *h = data;
	struct trace *t = ctx;

	if (h->type == AT_REC_SYSCALL || h->type == AT_REC_FUNC) {
		struct timespec now;

		if (t->nrecs == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 256;
			t->recs = realloc(t->recs, t->cap * sizeof(*t->recs));
			t->read_ns = realloc(t->read_ns, t->cap * sizeof(*t->read_ns));
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		t->read_ns[t->nrecs] = now.tv_sec * 1000000000ull + now.tv_nsec;
		memset(&t->recs[t->nrecs], 0, sizeof(*t->recs));
		memcpy(&t->recs[t->nrecs++], data, size);
	} else if (t->nprocs < 64) {
		memcpy(&t->procs[t->nprocs++], data, sizeof(struct at_proc_rec));
	}
}

void trace_cmd(char *const argv[], const struct trace_opts *o, struct trace *t)
{
	uint64_t sel[AT_NR_MAX / 64];
	struct session_opts so = {
		.selected = sel,
		.on_record = on_record,
		.ctx = t,
		.ringbuf_bytes = o->ringbuf_bytes ? o->ringbuf_bytes : 4 << 20,
		.str_max = o->str_max ? o->str_max : 64,
		.poll_ms = o->poll_ms ? o->poll_ms : 5,
		.follow = o->follow,
		.stream = !o->summary_only,
		.syscall_probes = o->probe_file != NULL,
		.exit_only = o->exit_only,
	};
	struct held_child c;
	struct session *s;
	struct plan plan = {};
	char err[1024];
	int waited = 0;

	memset(t, 0, sizeof(*t));
	/* As the first -e does: a positive list starts from none, '!' from all. */
	memset(sel, (o->select && o->select[0] != '!') || o->no_syscalls ? 0 : 0xff, sizeof(sel));
	if (o->select)
		cr_assert_eq(cli_parse_select(o->select, sel, err, sizeof(err)), 0, "%s", err);
	s = session__open(&so, err, sizeof(err));
	cr_assert_not_null(s, "session__open: %s", err);
	cr_assert_eq(proc_spawn_held(argv, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(session__add_held(s, c.pid), 0);
	for (int i = 0; i < 4 && o->uprobes[i]; i++) {
		struct resolve_scope pc = { .exe = c.path };
		struct uspec u;
		uint32_t id;

		cr_assert_eq(uspec_parse(o->uprobes[i], &u, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(probes__add(s, &u, &pc, &id, 1, err, sizeof(err)), 1, "%s", err);
		cr_assert_eq(id, (uint32_t)i, "probe ids are handed out in order");
		t->nprobes++;
	}
	if (o->remove_first)
		cr_assert_eq(probes__remove(s, 0), 0);
	if (o->probe_file) {
		struct resolve_scope pc = { .exe = c.path };
		struct probefile *pf;

		cr_assert_eq(probefile_parse("test.yaml", o->probe_file, strlen(o->probe_file), &pf,
					     err, sizeof(err)),
			     0, "%s", err);
		cr_assert_eq(plan_apply(s, &plan, pf, &pc, NULL, err, sizeof(err)), 0, "%s", err);
		probefile_free(pf);
	}
	cr_assert_eq(session__attach(s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(session__start(s), 0);
	cr_assert_eq(proc_release(&c), 0);
	if (o->running)
		o->running(s, &plan, c.pid, c.path);
	if (o->on_stop) {
		int st;

		cr_assert_eq(waitpid(c.pid, &st, WUNTRACED), c.pid);
		cr_assert(WIFSTOPPED(st), "target status %d", st);
		o->on_stop(s, c.path);
		cr_assert_eq(kill(c.pid, SIGCONT), 0);
	}
	/* The kernel drops a process from the traced set when it exits. */
	while (!session__empty(s) && waited < 10000) {
		usleep(10 * 1000);
		waited += 10;
	}
	cr_assert(session__empty(s), "traced processes still alive after 10s");
	{
		struct reader_stats rs;

		session__reader_stats(s, &rs);
		t->batches = rs.batches;
	}
	session__stop(s);
	t->pid = c.pid;
	cr_assert_eq(waitpid(c.pid, &t->status, 0), c.pid);
	t->stats = calloc(AT_NR_MAX, sizeof(*t->stats));
	cr_assert_eq(session__stats(s, t->stats), 0);
	cr_assert_eq(session__counters(s, &t->lost), 0);
	t->nprobes = probes__count(s);
	for (unsigned i = 0; i < t->nprobes && i < 8; i++) {
		cr_assert_eq(session__probe_stats(s, i, &t->pstats[i]), 0);
		cr_assert_eq(probes__counts(s, i, &t->pcounts[i]), 0);
	}
	plan_free(&plan);
	session__free(s);
}

void die_with_test(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts argv with stdout and stderr to files. */
pid_t spawn_logged(char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (!pid) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		die_with_test();
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

void fallback(bool on)
{
	if (on)
		cr_assert_eq(setenv("AT_NO_UPROBE_MULTI", "1", 1), 0);
	else
		cr_assert_eq(unsetenv("AT_NO_UPROBE_MULTI"), 0);
}

void trace_many(const char *mode, const char *n, bool no_multi, const char *y,
		const struct trace_opts *hooks, struct trace *t)
{
	char *argv[] = { (char *)build_path("many"), (char *)mode, (char *)n, NULL };
	struct trace_opts o = *hooks;

	o.no_syscalls = true;
	o.probe_file = y;
	fallback(no_multi);
	trace_cmd(argv, &o, t);
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "status %d", t->status);
}

void trace_free(struct trace *t)
{
	free(t->recs);
	free(t->read_ns);
	free(t->stats);
}

size_t trace_find(const struct trace *t, const char *name, pid_t pid,
		  const struct at_call_rec **out, size_t max)
{
	int nr = syscall_by_name(name);
	size_t n = 0;

	cr_assert(nr >= 0, "unknown syscall %s", name);
	for (size_t i = 0; i < t->nrecs; i++) {
		const struct at_call_rec *r = &t->recs[i];

		if (r->hdr.type != AT_REC_SYSCALL || r->nr != (unsigned)nr ||
		    (pid && r->hdr.pid != (unsigned)pid))
			continue;
		if (n < max)
			out[n] = r;
		n++;
	}
	return n;
}

size_t trace_probe_recs(const struct trace *t, uint32_t type, uint32_t probe_id,
			const struct at_call_rec **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nrecs; i++) {
		const struct at_call_rec *r = &t->recs[i];

		if ((type && r->hdr.type != type) || r->hdr.probe_id != probe_id)
			continue;
		if (n < max)
			out[n] = r;
		n++;
	}
	return n;
}

size_t trace_calls(const struct trace *t, uint32_t probe_id, const struct at_call_rec **out,
		   size_t max)
{
	return trace_probe_recs(t, AT_REC_FUNC, probe_id, out, max);
}

const char *slot_str(const struct at_call_rec *r, int i)
{
	static char buf[AT_STR_MAX + 1];

	memcpy(buf, r->slot[i], r->slot_len[i]);
	buf[r->slot_len[i]] = '\0';
	return buf;
}

static char *drain(int fd)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);
	ssize_t n;

	while ((n = read(fd, s + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2)
			s = realloc(s, cap *= 2);
	}
	s[len] = '\0';
	close(fd);
	return s;
}

pid_t fork_piped(const int *fds, int *ends, int n)
{
	int p[4][2];
	pid_t pid;

	cr_assert_leq(n, 4);
	for (int i = 0; i < n; i++)
		cr_assert_eq(pipe(p[i]), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0)
		die_with_test();
	for (int i = 0; i < n; i++) {
		/* A pipe's end 0 reads, end 1 writes: the child reads its stdin (fd 0). */
		int child = fds[i] == 0 ? 0 : 1;

		if (pid == 0) {
			dup2(p[i][child], fds[i]);
			close(p[i][!child]);
		} else {
			close(p[i][child]);
			ends[i] = p[i][!child];
		}
	}
	return pid;
}

int run_capture(char *const argv[], char **out, char **err)
{
	int ends[2], st;
	pid_t pid = fork_piped((const int[]){ 1, 2 }, ends, 2);

	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	/* stderr is small: read stdout to the end first, then stderr. */
	*out = drain(ends[0]);
	*err = drain(ends[1]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return st;
}

size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *e = strchr(l, '\n');
		char line[4096];
		size_t len = e ? (size_t)(e - l) : strlen(l);

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, l, len);
		line[len] = '\0';
		n += strstr(line, needle) != NULL;
	}
	return n;
}

/* Runs agent-trace with args; asserts the exit code and that stderr is exactly one line. */
void expect_error(char *const argv[], int code, const char *msg)
{
	char *out, *err;
	int st = run_capture(argv, &out, &err);

	cr_assert(WIFEXITED(st), "agent-trace died: status %d", st);
	cr_assert_eq(WEXITSTATUS(st), code, "exit %d, want %d; stderr: %s", WEXITSTATUS(st), code,
		     err);
	cr_assert_str_eq(err, msg);
	free(out);
	free(err);
}

void expect_ok_lines(int st, char *out, char *err, const struct nlines *want)
{
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	for (const struct nlines *w = want; w->needle; w++) {
		size_t n = count_lines(out, w->needle);

		cr_assert_eq(n, w->n, "%s%s%zu lines with '%s', want %zu: %s", w->why ? w->why : "",
			     w->why ? ": " : "", n, w->needle, w->n, out);
	}
	free(out);
	free(err);
}

void tmp_name(char *buf, size_t size, const char *tag, const char *suffix)
{
	snprintf(buf, size, "/tmp/agent-trace-%s.%d.%s", tag, getpid(), suffix);
}

void tmp_names(const char *tag, char yaml[64], char out[64], char err[64])
{
	tmp_name(yaml, 64, tag, "yaml");
	tmp_name(out, 64, tag, "out");
	tmp_name(err, 64, tag, "err");
}

void write_text(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "w");
	va_list ap;

	cr_assert_not_null(f, "%s", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	cr_assert_eq(fclose(f), 0, "%s", path);
}

int plan_reload(struct session *s, struct plan *plan, const char *exe, const char *y,
		struct plan_diff *d, char *err, size_t size)
{
	struct resolve_scope pc = { .exe = exe };
	struct probefile *pf;
	int ret;

	cr_assert_eq(probefile_parse("reload.yaml", y, strlen(y), &pf, err, size), 0, "%s", err);
	ret = plan_apply(s, plan, pf, &pc, d, err, size);
	probefile_free(pf);
	return ret;
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 20);

	cr_assert_not_null(f);
	fread(s, 1, (1 << 20) - 1, f);
	fclose(f);
	return s;
}

/*
 * Number of BPF links of type (0: any) whose program is named name (NULL:
 * any) or has the id prog_id (0: any): what a tracer leaves attached.
 */
static int count_links(const char *name, __u32 prog_id, __u32 type)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info li = {};
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(li), plen = sizeof(pi);
		int fd = bpf_link_get_fd_by_id(id), pfd;

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &li, &len) && (!type || li.type == type) &&
		    (!prog_id || li.prog_id == prog_id)) {
			pfd = bpf_prog_get_fd_by_id(li.prog_id);
			if (pfd >= 0 && !bpf_obj_get_info_by_fd(pfd, &pi, &plen) &&
			    /* The kernel keeps the first 15 characters of a program's name. */
			    (!name || !strncmp(pi.name, name, sizeof(pi.name) - 1)))
				n++;
			if (pfd >= 0)
				close(pfd);
		}
		close(fd);
	}
	return n;
}

void fdinfo_lines(pid_t pid, void (*fn)(void *ctx, const char *line), void *ctx)
{
	char pat[64], line[256];
	glob_t g = {};

	snprintf(pat, sizeof(pat), "/proc/%d/fdinfo/*", pid);
	glob(pat, 0, NULL, &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");

		while (f && fgets(line, sizeof(line), f))
			fn(ctx, line);
		if (f)
			fclose(f);
	}
	globfree(&g);
}

int links_of(const char *name)
{
	return count_links(name, 0, 0);
}

int links_of_type(const char *name, uint32_t type)
{
	return count_links(name, 0, type);
}

int links_of_prog(int prog_fd, uint32_t type)
{
	struct bpf_prog_info pi = {};
	__u32 plen = sizeof(pi);

	cr_assert_eq(bpf_obj_get_info_by_fd(prog_fd, &pi, &plen), 0, "program fd %d", prog_fd);
	return count_links(NULL, pi.id, type);
}

pid_t start_waiting_target(int *release_fd, const char *ncalls)
{
	const char *calls = build_path("calls");
	int ends[2]; /* its stdin, its stdout */
	char ready[8] = "";
	pid_t pid = fork_piped((const int[]){ 0, 1 }, ends, 2);

	if (pid == 0) {
		execl(calls, calls, "wait", ncalls, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(read(ends[1], ready, 6), 6);
	cr_assert_str_eq(ready, "ready\n");
	close(ends[1]);
	*release_fd = ends[0];
	return pid;
}

/* A port nothing listens on now: the kernel's pick for a socket bound to port 0. */
int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

char *sh(const char *fmt, ...)
{
	char cmd[4096], *out, *err;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = run_capture((char *[]){ "/bin/sh", "-c", cmd, NULL }, &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %d: %s%s", cmd, st, out, err);
	free(err);
	return out;
}

void podman_scratch(const char *tag, char dir[64], char store[96], char run_dir[96],
		    char tmp_dir[96])
{
	char conf[96];

	/* Skipped with the reason where they are missing; in CI (CI set) that fails. */
	if ((access("/usr/bin/podman", X_OK) || access("/usr/bin/runc", X_OK)) && getenv("CI"))
		cr_assert_fail("podman and runc are not installed (make deps installs them)");
	if (access("/usr/bin/podman", X_OK) || access("/usr/bin/runc", X_OK))
		cr_skip_test("podman and runc are not installed (make deps installs them)");
	snprintf(dir, 64, "/tmp/agent-trace-%s.%d", tag, getpid());
	snprintf(store, 96, "%s/root", dir);
	snprintf(run_dir, 96, "%s/run", dir);
	snprintf(tmp_dir, 96, "%s/tmp", dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	/*
	 * crun refuses this machine's hybrid cgroup layout: runc, and podman's
	 * own cgroupfs manager rather than systemd's; the hard limits are lower
	 * than podman's default ulimits.
	 */
	snprintf(conf, sizeof(conf), "%s/containers.conf", dir);
	write_text(conf, "[containers]\n"
			 "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n"
			 "[engine]\n"
			 "cgroup_manager = \"cgroupfs\"\n"
			 "runtime = \"runc\"\n"
			 "events_logger = \"file\"\n");
	setenv("CONTAINERS_CONF", conf, 1);
}

void wait_lines(const char *path, const char *needle, size_t n)
{
	for (int i = 0; i < 1000; i++) {
		char *s = slurp(path);
		size_t c = count_lines(s, needle);

		free(s);
		if (c >= n)
			return;
		usleep(10000);
	}
	cr_assert_fail("%s never showed '%s' %zu times:\n%s", path, needle, n, slurp(path));
}

/*
 * GET path from 127.0.0.1:port, HTTP/1.0 so the server closes when done:
 * the HTTP status (-1: no connection), the body in *body (malloc'd).
 */
int http_get(int port, const char *path, char **body)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), *sep;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	ssize_t n;

	cr_assert(fd >= 0 && buf);
	*body = NULL;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		free(buf);
		return -1;
	}
	dprintf(fd, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap)
			cr_assert_not_null(buf = realloc(buf, cap *= 2));
	}
	close(fd);
	buf[len] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	cr_assert_not_null(sep, "no HTTP header end: %s", buf);
	cr_assert_eq(sscanf(buf, "HTTP/1.%*d %d", &status), 1, "%s", buf);
	*body = strdup(sep + 4);
	free(buf);
	return status;
}
