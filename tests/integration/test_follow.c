// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Targets across containers, with a real runtime: a probe file that names a
 * binary by its path inside the containers (/usr/bin/funcs) sees it in two
 * containers of one image (one attachment: the layer's inode), in one of
 * another image (its own) and, by a second path, on the host; every record
 * carries its container's id, counts are exact per container, and once the
 * containers are gone the agent's per-process state and files are released.
 * Also: a container started later from an image already probed is seen from
 * its first call; an image replaced by another (a new inode) is caught; a
 * library short name resolves through the container's own linker cache; a
 * binary replaced on the host (mv new old) is caught at its next exec; a
 * library dlopened later by a path no linker cache or map named at the
 * process's start is attached when it is mapped, on the host and inside a
 * container; and targets: all traces processes no target names.
 * Podman's configuration and storage are the test's own (podman_scratch).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define PODMAN "/usr/bin/podman"

static char dir[64], store[96], run_dir[96], tmp_dir[96];

/* podman with the test's storage, then the rest of the command line (printf). */
#define PODMAN_SH(fmt, ...)                                                            \
	sh(PODMAN " --root %s --runroot %s --tmpdir %s " fmt, store, run_dir, tmp_dir, \
	   ##__VA_ARGS__)

/*
 * A rootfs at DIR/NAME with the binaries bins (space-separated, build
 * paths) in /usr/bin, their libraries at their paths, and extra shell text
 * run in it ($r), imported as localhost/at-follow-NAME:TAG.
 */
static void image(const char *name, const char *tag, const char *bins, const char *extra)
{
	free(sh("set -e; r=%s/%s-%s; rm -rf $r; mkdir -p $r/usr/bin; for b in %s; do"
		" cp $b $r/usr/bin/; for l in $(ldd $b | grep -o '/[^ ]*'); do"
		" mkdir -p $r$(dirname $l); cp -L $l $r$l; done; done;"
		" cp %s $r/usr/bin/; echo %s-%s > $r/image; %s;"
		" tar -C $r -cf $r.tar .",
		dir, name, tag, bins, build_path("libatfuncs.so"), name, tag, extra ? extra : ":"));
	free(PODMAN_SH("import -q %s/%s-%s.tar localhost/at-follow-%s:%s", dir, name, tag, name,
		       tag));
}

static void setup(void)
{
	podman_scratch("follow", dir, store, run_dir, tmp_dir);
}

static void teardown(void)
{
	if (!dir[0])
		return;
	free(sh(PODMAN " --root %s --runroot %s --tmpdir %s rm -f -a -t 0 >/dev/null 2>&1;" PODMAN
		       " --root %s --runroot %s --tmpdir %s rmi -af >/dev/null 2>&1; rm -rf %s",
		store, run_dir, tmp_dir, store, run_dir, tmp_dir, dir));
}

TestSuite(follow, .init = setup, .fini = teardown, .timeout = 120);

/*
 * A detached container of image NAME:TAG running args (a shell word list);
 * its full id. podman's output goes to a file: conmon keeps what it
 * inherited open for the container's life, and a pipe would not end.
 */
static char *run_ctr(const char *name, const char *tag, const char *args)
{
	char cmd[1024], cid[96], *id;
	pid_t p;
	int st;

	snprintf(cmd, sizeof(cmd),
		 PODMAN " --root %s --runroot %s --tmpdir %s run -d --network none "
			"localhost/at-follow-%s:%s %s",
		 store, run_dir, tmp_dir, name, tag, args);
	snprintf(cid, sizeof(cid), "%s/cid", dir);
	p = spawn_logged((char *[]){ "/bin/sh", "-c", cmd, NULL }, cid, "/dev/null");
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %d", cmd, st);
	id = slurp(cid);
	id[strcspn(id, "\n")] = '\0';
	cr_assert_eq(strlen(id), 64, "podman run: %s", id);
	return id;
}

/* Waits for a container to end; asserts it exited 0. */
static void wait_ctr(const char *id)
{
	char *code = PODMAN_SH("wait %s", id);

	cr_assert_eq(atoi(code), 0, "container %.12s exited %s", id, code);
	free(code);
}

/* Lines of s holding both needles. */
static size_t lines2(const char *s, const char *a, const char *b)
{
	size_t n = 0;

	for (const char *l = s; l && *l;) {
		const char *e = strchr(l, '\n');
		char *line = strndup(l, e ? (size_t)(e - l) : strlen(l));

		n += strstr(line, a) && (!b || strstr(line, b));
		free(line);
		l = e ? e + 1 : NULL;
	}
	return n;
}

/* "container_id":"ID" as the JSON lines put it. */
static const char *cid(const char *id)
{
	static char b[4][96];
	static int k;

	snprintf(b[k % 4], sizeof(b[0]), "\"container_id\":\"%s\"", id);
	return b[k++ % 4];
}

/* An agent-trace run on probe file text y: started, waited for until attached. */
struct agent {
	char yaml[64], out[64], err[64];
	pid_t pid;
	int port;
};

static void agent_start(struct agent *a, const char *y)
{
	char addr[32], *body = NULL;
	int st = -1;

	tmp_names("follow", a->yaml, a->out, a->err);
	write_text(a->yaml, "%s", y);
	a->port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", a->port);
	a->pid = spawn_logged((char *[]){ AT, "-C", a->yaml, "--json", "--metrics", addr, NULL },
			      a->out, a->err);
	/* /healthz answers once set-up is done. */
	for (int i = 0; i < 1000 && st != 200; i++) {
		free(body);
		body = NULL;
		st = http_get(a->port, "/healthz", &body);
		if (st != 200)
			usleep(10 * 1000);
	}
	free(body);
	cr_assert_eq(st, 200, "agent-trace did not start: %s", slurp(a->err));
}

/* The value of an unlabelled series in /metrics now. */
static long long metric(const struct agent *a, const char *name)
{
	char *body = NULL, key[128], *p;
	long long v = -1;

	cr_assert_eq(http_get(a->port, "/metrics", &body), 200);
	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(body, key);
	if (p)
		v = atoll(p + strlen(key));
	free(body);
	return v;
}

/* Stops the agent (SIGINT) and returns its stdout; its stderr in *err. */
static char *agent_stop(struct agent *a, char **err)
{
	int st;

	kill(a->pid, SIGINT);
	cr_assert_eq(waitpid(a->pid, &st, 0), a->pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace: status %d: %s", st,
		  slurp(a->err));
	*err = slurp(a->err);
	return slurp(a->out);
}

Test(follow, one_attachment_per_image_exact_counts_per_container)
{
	char host[96], y[1024], *a1, *a2, *b1, *out, *err;
	struct agent ag;
	pid_t hp;
	int st;

	image("a", "1", build_path("funcs"), NULL);
	image("b", "1", build_path("funcs"), NULL);
	/* The same program on the host, at a path of its own. */
	snprintf(host, sizeof(host), "%s/host/funcs", dir);
	free(sh("mkdir -p %s/host && cp %s %s %s/host/", dir, build_path("funcs"),
		build_path("libatfuncs.so"), dir));
	/* The main executable of each target: no such file on the host, nor a pid to ask. */
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  exe: [/usr/bin/funcs, %s]\n"
		 "probes:\n"
		 "  - name: plain\n"
		 "    kind: function\n"
		 "    attach: ':plain(int x) -> int'\n",
		 host);
	agent_start(&ag, y);
	a1 = run_ctr("a", "1", "/usr/bin/funcs delay 10 5000");
	a2 = run_ctr("a", "1", "/usr/bin/funcs delay 20 5000");
	b1 = run_ctr("b", "1", "/usr/bin/funcs delay 30 5000");
	hp = spawn_logged((char *[]){ host, "delay", "40", "3000", NULL }, "/dev/null",
			  "/dev/null");
	/* While they run: four processes followed, three files (a's, b's, the host's)... */
	for (int i = 0; i < 500 && metric(&ag, "agent_trace_follow_files") < 3; i++)
		usleep(10 * 1000);
	cr_assert_eq(metric(&ag, "agent_trace_follow_processes"), 4, "%lld",
		     metric(&ag, "agent_trace_follow_processes"));
	cr_assert_eq(metric(&ag, "agent_trace_follow_files"), 3, "%lld",
		     metric(&ag, "agent_trace_follow_files"));
	wait_ctr(a1);
	wait_ctr(a2);
	wait_ctr(b1);
	cr_assert_eq(waitpid(hp, &st, 0), hp);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* ...and after they are gone, none: released by the sweep (FOLLOW_SWEEP_MS). */
	for (int i = 0; i < 300 && metric(&ag, "agent_trace_follow_files"); i++)
		usleep(10 * 1000);
	cr_assert_eq(metric(&ag, "agent_trace_follow_files"), 0);
	cr_assert_eq(metric(&ag, "agent_trace_follow_processes"), 0);
	cr_assert_eq(metric(&ag, "agent_trace_follow_files_released_total"), 3);
	out = agent_stop(&ag, &err);

	/* plain(0..N-1) and plain(-5): N + 1 calls each, each with its container's id. */
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", cid(a1)), 11, "%s", out);
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", cid(a2)), 21);
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", cid(b1)), 31);
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", "\"args\":{\"x\":-5}"), 4);
	cr_assert_eq(lines2(out, "\"type\":\"call\",", "\"probe_name\":\"plain\""),
		     11 + 21 + 31 + 41);
	/* The host's 41 carry no container id. */
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", "\"container_id\""), 63);
	/* Two containers of image a, one attachment: three files in all, the host's one of them. */
	cr_assert_eq(count_lines(err, "attached in"), 3, "%s", err);
	cr_assert_eq(count_lines(err, "attached in /"), 3);
	cr_assert(strstr(out, "\"follow\":{\"procs\":0,\"files\":0,\"attached\":3,\"released\":3,"
			      "\"failed\":0"),
		  "%s", out);
	free(a1);
	free(a2);
	free(b1);
	free(out);
	free(err);
}

Test(follow, later_container_of_a_probed_image_from_its_first_call)
{
	char *hold, *late, *newer, *out, *err;
	struct agent ag;

	image("a", "1", build_path("funcs"), NULL);
	agent_start(&ag, "targets:\n"
			 "  exe: [/usr/bin/funcs]\n"
			 "probes:\n"
			 "  - name: plain\n"
			 "    kind: function\n"
			 "    attach: '/usr/bin/funcs:plain(int x) -> int'\n");
	/* One container of the image holds its attachment... */
	hold = run_ctr("a", "1", "/usr/bin/funcs delay 5 4000");
	wait_lines(ag.err, "attached in", 1);
	/* ...so a later one calls at once, with nothing left to attach. */
	late = run_ctr("a", "1", "/usr/bin/funcs plain 7");
	wait_ctr(late);
	/* The image replaced (a new build of the tag: new layer, new inode) is attached anew. */
	image("a", "2", build_path("funcs"), NULL);
	newer = run_ctr("a", "2", "/usr/bin/funcs delay 9 1500");
	wait_ctr(newer);
	wait_ctr(hold);
	out = agent_stop(&ag, &err);
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", cid(late)), 8, "%s", out);
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", cid(hold)), 6);
	cr_assert_eq(lines2(out, "\"probe_name\":\"plain\"", cid(newer)), 10);
	cr_assert_eq(count_lines(err, "attached in"), 2, "%s", err);
	free(hold);
	free(late);
	free(newer);
	free(out);
	free(err);
}

Test(follow, library_short_name_through_the_containers_linker_cache)
{
	char *id, *out, *err, *path;
	struct agent ag;

	/* libsqlite3 where the host has none: /opt/sqlite/lib, known from the image's ld.so.cache. */
	image("sql", "1", build_path("sqlq"),
	      "l=$(ls $r/lib/x86_64-linux-gnu/libsqlite3.so.0* | head -1); mkdir -p $r/opt/sqlite/lib;"
	      " mv $r/lib/x86_64-linux-gnu/libsqlite3.so.0* $r/opt/sqlite/lib/;"
	      " mkdir -p $r/etc; echo /opt/sqlite/lib > $r/etc/ld.so.conf; /sbin/ldconfig -r $r");
	path = sh("ls %s/sql-1/opt/sqlite/lib/", dir);
	cr_assert(strstr(path, "libsqlite3.so.0"), "%s", path);
	free(path);
	agent_start(&ag, "targets:\n"
			 "  exe: [/usr/bin/sqlq]\n"
			 "probes:\n"
			 "  - name: prepares\n"
			 "    kind: function\n"
			 "    attach: 'libsqlite3:sqlite3_prepare_v2(ptr db, str sql) -> int'\n");
	id = run_ctr("sql", "1", "/usr/bin/sqlq delay 1500");
	wait_ctr(id);
	out = agent_stop(&ag, &err);
	/* shapes prepares its ten statements (SQLite prepares its own schema reads besides). */
	cr_assert_eq(lines2(out, cid(id), "\"sql\":\"SELECT name FROM users WHERE id = "), 5,
		     "%s\n%s", out, err);
	cr_assert_eq(lines2(out, cid(id), "\"sql\":\"INSERT INTO logs VALUES ("), 3);
	cr_assert_eq(lines2(out, cid(id), "\"sql\":\"CREATE TABLE "), 2);
	/* The first INSERT fails: no such table yet (SQLITE_ERROR). */
	cr_assert_eq(lines2(out, "\"sql\":\"INSERT INTO logs VALUES (1, 'first')\"}", "\"ret\":1,"),
		     1);
	cr_assert_eq(lines2(err, "attached in", "/opt/sqlite/lib/libsqlite3.so.0"), 1, "%s", err);
	free(id);
	free(out);
	free(err);
}

Test(follow, binary_replaced_on_the_host_is_caught_at_its_next_exec)
{
	char bin[96], y[512], *out, *err;
	struct agent ag;
	int mmaps;

	snprintf(bin, sizeof(bin), "%s/svc/funcs", dir);
	free(sh("mkdir -p %s/svc && cp %s %s %s/svc/", dir, build_path("funcs"),
		build_path("libatfuncs.so"), dir));
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  exe: [%s]\n"
		 "probes:\n"
		 "  - name: plain\n"
		 "    kind: function\n"
		 "    attach: '%s:plain(int x) -> int'\n",
		 bin, bin);
	mmaps = links_of("mmap_exec"); /* another agent's, if any */
	agent_start(&ag, y);
	/* A probe's file named by its path: no library mapped later can be it, no mmap program. */
	cr_assert_eq(links_of("mmap_exec"), mmaps);
	/* The old file's run, then a new file at the path's (gcc -o new && mv), caught at its exec. */
	free(sh("%s delay 3 0 >/dev/null", bin));
	free(sh("cp %s %s.new && mv %s.new %s", bin, bin, bin, bin));
	free(sh("%s delay 4 800 >/dev/null", bin));
	out = agent_stop(&ag, &err);
	cr_assert_eq(count_lines(out, "\"type\":\"attach\""), 2, "%s", out);
	cr_assert_eq(lines2(out, "\"type\":\"call\",", "\"probe_name\":\"plain\""), 4 + 5, "%s\n%s",
		     out, err);
	cr_assert_eq(count_lines(err, "attached in"), 1, "%s", err);
	free(out);
	free(err);
}

Test(follow, library_dlopened_later_by_a_path_found_nowhere_at_start)
{
	char lib[96], tout[96], y[512], *out, *err;
	struct agent ag;
	int st, mmaps;
	pid_t p;

	/* A directory of the test's: in no linker cache, no library directory, no map. */
	snprintf(lib, sizeof(lib), "%s/late/libatlate.so", dir);
	snprintf(tout, sizeof(tout), "%s/late/out", dir);
	free(sh("mkdir -p %s/late && cp %s %s", dir, build_path("libatlate.so"), lib));
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  exe: [%s]\n"
		 "probes:\n"
		 "  - name: late\n"
		 "    kind: function\n"
		 "    attach: 'libatlate:late_add(int a, int b) -> int'\n",
		 build_path("dllate"));
	mmaps = links_of("mmap_exec"); /* another agent's, if any */
	agent_start(&ag, y);
	/* A short name found nowhere yet: executable mappings of traced processes are watched. */
	for (int i = 0; i < 300 && links_of("mmap_exec") != mmaps + 1; i++)
		usleep(10 * 1000);
	cr_assert_eq(links_of("mmap_exec"), mmaps + 1);
	write_text(tout, "%s", ""); /* there before the child opens it: wait_lines reads it */
	p = spawn_logged((char *[]){ (char *)build_path("dllate"), lib, "7", NULL }, tout,
			 "/dev/null");
	/* Followed, with the library nowhere: nothing to attach. */
	wait_lines(tout, "ready", 1);
	for (int i = 0; i < 500 && metric(&ag, "agent_trace_follow_processes") < 1; i++)
		usleep(10 * 1000);
	cr_assert_eq(metric(&ag, "agent_trace_follow_processes"), 1);
	cr_assert_eq(metric(&ag, "agent_trace_follow_files_attached_total"), 0);
	/* dlopen: its mapping is seen and the library attached, before any call. */
	kill(p, SIGUSR1);
	wait_lines(tout, "loaded", 1);
	wait_lines(ag.err, "attached in", 1);
	kill(p, SIGUSR1);
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "dllate: status %d", st);
	out = agent_stop(&ag, &err);
	/* late_add(0..6, 2): seven calls, each with its arguments and return. */
	cr_assert_eq(lines2(out, "\"type\":\"call\",", "\"probe_name\":\"late\""), 7, "%s\n%s", out,
		     err);
	cr_assert_eq(lines2(out, "\"args\":{\"a\":6,\"b\":2}", "\"ret\":8,"), 1, "%s", out);
	cr_assert_eq(lines2(err, "attached in", "/late/libatlate.so for pid"), 1, "%s", err);
	cr_assert_eq(count_lines(err, "attached in"), 1, "%s", err);
	/* Gone with the agent. */
	cr_assert_eq(links_of("mmap_exec"), mmaps);
	free(out);
	free(err);
}

/* Waits until container id's output has a line with needle (podman logs). */
static void wait_ctr_log(const char *id, const char *needle)
{
	char *log = NULL;

	for (int i = 0; i < 200; i++) {
		free(log);
		log = PODMAN_SH("logs %s 2>&1", id);
		if (strstr(log, needle))
			break;
		usleep(20 * 1000);
	}
	cr_assert(strstr(log, needle), "container %.12s never said '%s': %s", id, needle, log);
	free(log);
}

Test(follow, library_dlopened_later_inside_a_container_by_short_name)
{
	char extra[256], *id, *out, *err;
	struct agent ag;

	/* /opt/late is in no linker cache of the image's, and the host has no such path. */
	snprintf(extra, sizeof(extra), "mkdir -p $r/opt/late && cp %s $r/opt/late/",
		 build_path("libatlate.so"));
	image("late", "1", build_path("dllate"), extra);
	agent_start(&ag, "targets:\n"
			 "  exe: [/usr/bin/dllate]\n"
			 "probes:\n"
			 "  - name: late\n"
			 "    kind: function\n"
			 "    attach: 'libatlate:late_add(int a, int b) -> int'\n");
	id = run_ctr("late", "1", "/usr/bin/dllate /opt/late/libatlate.so 4");
	wait_ctr_log(id, "ready");
	for (int i = 0; i < 500 && metric(&ag, "agent_trace_follow_processes") < 1; i++)
		usleep(10 * 1000);
	cr_assert_eq(metric(&ag, "agent_trace_follow_files_attached_total"), 0);
	/* Its dlopen (signals from the host reach a container's init that waits for them). */
	free(PODMAN_SH("kill -s USR1 %s >/dev/null", id));
	wait_ctr_log(id, "loaded");
	wait_lines(ag.err, "attached in", 1);
	free(PODMAN_SH("kill -s USR1 %s >/dev/null", id));
	wait_ctr(id);
	out = agent_stop(&ag, &err);
	cr_assert_eq(lines2(out, "\"probe_name\":\"late\"", cid(id)), 4, "%s\n%s", out, err);
	cr_assert_eq(lines2(out, "\"args\":{\"a\":3,\"b\":2}", "\"ret\":5,"), 1, "%s", out);
	cr_assert_eq(lines2(err, "attached in", "/opt/late/libatlate.so for pid"), 1, "%s", err);
	free(id);
	free(out);
	free(err);
}

Test(follow, all_traces_every_process)
{
	char bin[96], y[512], *out, *err, pidcol[32];
	struct agent ag;
	pid_t p;
	int st;

	snprintf(bin, sizeof(bin), "%s/any/funcs", dir);
	free(sh("mkdir -p %s/any && cp %s %s %s/any/", dir, build_path("funcs"),
		build_path("libatfuncs.so"), dir));
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  all: true\n"
		 "probes:\n"
		 "  - name: plain\n"
		 "    kind: function\n"
		 "    attach: '%s:plain(int x) -> int'\n"
		 "  - name: ppid\n"
		 "    kind: syscall\n"
		 "    attach: getppid\n",
		 bin);
	agent_start(&ag, y);
	/* Neither is named by any target; every process is one. */
	p = spawn_logged((char *[]){ bin, "plain", "12", NULL }, "/dev/null", "/dev/null");
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	p = spawn_logged((char *[]){ (char *)build_path("calls"), "many", "300", NULL },
			 "/dev/null", "/dev/null");
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(pidcol, sizeof(pidcol), "\"pid\":%d,", p);
	out = agent_stop(&ag, &err);
	cr_assert_eq(lines2(out, "\"type\":\"call\",", "\"probe_name\":\"plain\""), 13, "%s", err);
	cr_assert_eq(lines2(out, "\"syscall\":\"getppid\"", pidcol), 300);
	/* The agent's own calls are never traced. */
	snprintf(pidcol, sizeof(pidcol), "\"pid\":%d,", ag.pid);
	cr_assert_eq(lines2(out, pidcol, NULL), 0);
	free(out);
	free(err);
}
