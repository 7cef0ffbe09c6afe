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
#include "podtest.h"

#define AT (char *)build_path("agent-trace")

static struct podtest pt;
/* podman with the test's storage, then the rest of the command line (printf). */
#define PODMAN_SH(fmt, ...) pt_podman(&pt, fmt, ##__VA_ARGS__)

/*
 * A rootfs at DIR/NAME with the binaries bins (space-separated, build
 * paths) in /usr/bin, their libraries at their paths and libatfuncs.so, and
 * extra shell text run in it ($r), imported as localhost/at-follow-NAME:TAG.
 */
static void image(const char *name, const char *tag, const char *bins, const char *extra)
{
	char ref[64], more[1024];

	snprintf(ref, sizeof(ref), "at-follow-%s", name);
	snprintf(more, sizeof(more), "cp %s $r/usr/bin/; %s", build_path("libatfuncs.so"),
		 extra ? extra : ":");
	pt_image(&pt, ref, tag, bins, more);
}

static void setup(void)
{
	pt_setup(&pt, "follow");
}

static void teardown(void)
{
	pt_teardown(&pt);
}

TestSuite(follow, .init = setup, .fini = teardown, .timeout = 120);

/* A detached container of image NAME:TAG running args (a shell word list); its full id. */
static char *run_ctr(const char *name, const char *tag, const char *args)
{
	char ref[96];

	snprintf(ref, sizeof(ref), "localhost/at-follow-%s:%s", name, tag);
	return pt_run(&pt, NULL, ref, args);
}

Test(follow, one_attachment_per_image_exact_counts_per_container)
{
	char host[96], y[1024], *a1, *a2, *b1, *out, *err;
	struct pt_agent ag;
	pid_t hp;
	int st;

	image("a", "1", build_path("funcs"), NULL);
	image("b", "1", build_path("funcs"), NULL);
	/* The same program on the host, at a path of its own. */
	snprintf(host, sizeof(host), "%s/host/funcs", pt.dir);
	free(sh("mkdir -p %s/host && cp %s %s %s/host/", pt.dir, build_path("funcs"),
		build_path("libatfuncs.so"), pt.dir));
	/* The main executable of each target: no such file on the host, nor a pid to ask. */
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  exe: [/usr/bin/funcs, %s]\n"
		 "probes:\n"
		 "  - name: plain\n"
		 "    kind: function\n"
		 "    attach: ':plain(int x) -> int'\n",
		 host);
	pt_agent_start(&ag, "follow", y);
	a1 = run_ctr("a", "1", "/usr/bin/funcs delay 10 5000");
	a2 = run_ctr("a", "1", "/usr/bin/funcs delay 20 5000");
	b1 = run_ctr("b", "1", "/usr/bin/funcs delay 30 5000");
	hp = spawn_logged((char *[]){ host, "delay", "40", "3000", NULL }, "/dev/null",
			  "/dev/null");
	/* While they run: four processes followed, three files (a's, b's, the host's)... */
	for (int i = 0; i < 500 && pt_metric(&ag, "agent_trace_follow_files") < 3; i++)
		usleep(10 * 1000);
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_processes"), 4, "%lld",
		     pt_metric(&ag, "agent_trace_follow_processes"));
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_files"), 3, "%lld",
		     pt_metric(&ag, "agent_trace_follow_files"));
	pt_wait(&pt, a1);
	pt_wait(&pt, a2);
	pt_wait(&pt, b1);
	cr_assert_eq(waitpid(hp, &st, 0), hp);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* ...and after they are gone, none: released by the sweep (FOLLOW_SWEEP_MS). */
	for (int i = 0; i < 300 && pt_metric(&ag, "agent_trace_follow_files"); i++)
		usleep(10 * 1000);
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_files"), 0);
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_processes"), 0);
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_files_released_total"), 3);
	out = pt_agent_stop(&ag, &err);

	/* plain(0..N-1) and plain(-5): N + 1 calls each, each with its container's id. */
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", pt_cid(a1)), 11, "%s", out);
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", pt_cid(a2)), 21);
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", pt_cid(b1)), 31);
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", "\"args\":{\"x\":-5}"), 4);
	cr_assert_eq(pt_lines2(out, "\"type\":\"call\",", "\"probe_name\":\"plain\""),
		     11 + 21 + 31 + 41);
	/* The host's 41 carry no container id. */
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", "\"container_id\""), 63);
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
	struct pt_agent ag;

	image("a", "1", build_path("funcs"), NULL);
	pt_agent_start(&ag, "follow",
		       "targets:\n"
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
	pt_wait(&pt, late);
	/* The image replaced (a new build of the tag: new layer, new inode) is attached anew. */
	image("a", "2", build_path("funcs"), NULL);
	newer = run_ctr("a", "2", "/usr/bin/funcs delay 9 1500");
	pt_wait(&pt, newer);
	pt_wait(&pt, hold);
	out = pt_agent_stop(&ag, &err);
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", pt_cid(late)), 8, "%s", out);
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", pt_cid(hold)), 6);
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"plain\"", pt_cid(newer)), 10);
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
	struct pt_agent ag;

	/* libsqlite3 where the host has none: /opt/sqlite/lib, known from the image's ld.so.cache. */
	image("sql", "1", build_path("sqlq"),
	      "l=$(ls $r/lib/x86_64-linux-gnu/libsqlite3.so.0* | head -1); mkdir -p $r/opt/sqlite/lib;"
	      " mv $r/lib/x86_64-linux-gnu/libsqlite3.so.0* $r/opt/sqlite/lib/;"
	      " mkdir -p $r/etc; echo /opt/sqlite/lib > $r/etc/ld.so.conf; /sbin/ldconfig -r $r");
	path = sh("ls %s/at-follow-sql-1/opt/sqlite/lib/", pt.dir);
	cr_assert(strstr(path, "libsqlite3.so.0"), "%s", path);
	free(path);
	pt_agent_start(&ag, "follow",
		       "targets:\n"
		       "  exe: [/usr/bin/sqlq]\n"
		       "probes:\n"
		       "  - name: prepares\n"
		       "    kind: function\n"
		       "    attach: 'libsqlite3:sqlite3_prepare_v2(ptr db, str sql) -> int'\n");
	id = run_ctr("sql", "1", "/usr/bin/sqlq delay 1500");
	pt_wait(&pt, id);
	out = pt_agent_stop(&ag, &err);
	/* shapes prepares its ten statements (SQLite prepares its own schema reads besides). */
	cr_assert_eq(pt_lines2(out, pt_cid(id), "\"sql\":\"SELECT name FROM users WHERE id = "), 5,
		     "%s\n%s", out, err);
	cr_assert_eq(pt_lines2(out, pt_cid(id), "\"sql\":\"INSERT INTO logs VALUES ("), 3);
	cr_assert_eq(pt_lines2(out, pt_cid(id), "\"sql\":\"CREATE TABLE "), 2);
	/* The first INSERT fails: no such table yet (SQLITE_ERROR). */
	cr_assert_eq(pt_lines2(out, "\"sql\":\"INSERT INTO logs VALUES (1, 'first')\"}",
			       "\"ret\":1,"),
		     1);
	cr_assert_eq(pt_lines2(err, "attached in", "/opt/sqlite/lib/libsqlite3.so.0"), 1, "%s",
		     err);
	free(id);
	free(out);
	free(err);
}

Test(follow, binary_replaced_on_the_host_is_caught_at_its_next_exec)
{
	char bin[96], y[512], *out, *err;
	struct pt_agent ag;
	int mmaps;

	snprintf(bin, sizeof(bin), "%s/svc/funcs", pt.dir);
	free(sh("mkdir -p %s/svc && cp %s %s %s/svc/", pt.dir, build_path("funcs"),
		build_path("libatfuncs.so"), pt.dir));
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  exe: [%s]\n"
		 "probes:\n"
		 "  - name: plain\n"
		 "    kind: function\n"
		 "    attach: '%s:plain(int x) -> int'\n",
		 bin, bin);
	mmaps = links_of("mmap_exec"); /* another agent's, if any */
	pt_agent_start(&ag, "follow", y);
	/* A probe's file named by its path: no library mapped later can be it, no mmap program. */
	cr_assert_eq(links_of("mmap_exec"), mmaps);
	/* The old file's run, then a new file at the path's (gcc -o new && mv), caught at its exec. */
	free(sh("%s delay 3 0 >/dev/null", bin));
	free(sh("cp %s %s.new && mv %s.new %s", bin, bin, bin, bin));
	free(sh("%s delay 4 800 >/dev/null", bin));
	out = pt_agent_stop(&ag, &err);
	cr_assert_eq(count_lines(out, "\"type\":\"attach\""), 2, "%s", out);
	cr_assert_eq(pt_lines2(out, "\"type\":\"call\",", "\"probe_name\":\"plain\""), 4 + 5,
		     "%s\n%s", out, err);
	cr_assert_eq(count_lines(err, "attached in"), 1, "%s", err);
	free(out);
	free(err);
}

Test(follow, library_dlopened_later_by_a_path_found_nowhere_at_start)
{
	char lib[96], tout[96], y[512], *out, *err;
	struct pt_agent ag;
	int st, mmaps;
	pid_t p;

	/* A directory of the test's: in no linker cache, no library directory, no map. */
	snprintf(lib, sizeof(lib), "%s/late/libatlate.so", pt.dir);
	snprintf(tout, sizeof(tout), "%s/late/out", pt.dir);
	free(sh("mkdir -p %s/late && cp %s %s", pt.dir, build_path("libatlate.so"), lib));
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  exe: [%s]\n"
		 "probes:\n"
		 "  - name: late\n"
		 "    kind: function\n"
		 "    attach: 'libatlate:late_add(int a, int b) -> int'\n",
		 build_path("dllate"));
	mmaps = links_of("mmap_exec"); /* another agent's, if any */
	pt_agent_start(&ag, "follow", y);
	/* A short name found nowhere yet: executable mappings of traced processes are watched. */
	for (int i = 0; i < 300 && links_of("mmap_exec") != mmaps + 1; i++)
		usleep(10 * 1000);
	cr_assert_eq(links_of("mmap_exec"), mmaps + 1);
	write_text(tout, "%s", ""); /* there before the child opens it: wait_lines reads it */
	p = spawn_logged((char *[]){ (char *)build_path("dllate"), lib, "7", NULL }, tout,
			 "/dev/null");
	/* Followed, with the library nowhere: nothing to attach. */
	wait_lines(tout, "ready", 1);
	for (int i = 0; i < 500 && pt_metric(&ag, "agent_trace_follow_processes") < 1; i++)
		usleep(10 * 1000);
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_processes"), 1);
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_files_attached_total"), 0);
	/* dlopen: its mapping is seen and the library attached, before any call. */
	kill(p, SIGUSR1);
	wait_lines(tout, "loaded", 1);
	wait_lines(ag.err, "attached in", 1);
	kill(p, SIGUSR1);
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "dllate: status %d", st);
	out = pt_agent_stop(&ag, &err);
	/* late_add(0..6, 2): seven calls, each with its arguments and return. */
	cr_assert_eq(pt_lines2(out, "\"type\":\"call\",", "\"probe_name\":\"late\""), 7, "%s\n%s",
		     out, err);
	cr_assert_eq(pt_lines2(out, "\"args\":{\"a\":6,\"b\":2}", "\"ret\":8,"), 1, "%s", out);
	cr_assert_eq(pt_lines2(err, "attached in", "/late/libatlate.so for pid"), 1, "%s", err);
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
	struct pt_agent ag;

	/* /opt/late is in no linker cache of the image's, and the host has no such path. */
	snprintf(extra, sizeof(extra), "mkdir -p $r/opt/late && cp %s $r/opt/late/",
		 build_path("libatlate.so"));
	image("late", "1", build_path("dllate"), extra);
	pt_agent_start(&ag, "follow",
		       "targets:\n"
		       "  exe: [/usr/bin/dllate]\n"
		       "probes:\n"
		       "  - name: late\n"
		       "    kind: function\n"
		       "    attach: 'libatlate:late_add(int a, int b) -> int'\n");
	id = run_ctr("late", "1", "/usr/bin/dllate /opt/late/libatlate.so 4");
	wait_ctr_log(id, "ready");
	for (int i = 0; i < 500 && pt_metric(&ag, "agent_trace_follow_processes") < 1; i++)
		usleep(10 * 1000);
	cr_assert_eq(pt_metric(&ag, "agent_trace_follow_files_attached_total"), 0);
	/* Its dlopen (signals from the host reach a container's init that waits for them). */
	free(PODMAN_SH("kill -s USR1 %s >/dev/null", id));
	wait_ctr_log(id, "loaded");
	wait_lines(ag.err, "attached in", 1);
	free(PODMAN_SH("kill -s USR1 %s >/dev/null", id));
	pt_wait(&pt, id);
	out = pt_agent_stop(&ag, &err);
	cr_assert_eq(pt_lines2(out, "\"probe_name\":\"late\"", pt_cid(id)), 4, "%s\n%s", out, err);
	cr_assert_eq(pt_lines2(out, "\"args\":{\"a\":3,\"b\":2}", "\"ret\":5,"), 1, "%s", out);
	cr_assert_eq(pt_lines2(err, "attached in", "/opt/late/libatlate.so for pid"), 1, "%s", err);
	free(id);
	free(out);
	free(err);
}

Test(follow, all_traces_every_process)
{
	char bin[96], y[512], *out, *err, pidcol[32];
	struct pt_agent ag;
	pid_t p;
	int st;

	snprintf(bin, sizeof(bin), "%s/any/funcs", pt.dir);
	free(sh("mkdir -p %s/any && cp %s %s %s/any/", pt.dir, build_path("funcs"),
		build_path("libatfuncs.so"), pt.dir));
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
	pt_agent_start(&ag, "follow", y);
	/* Neither is named by any target; every process is one. */
	p = spawn_logged((char *[]){ bin, "plain", "12", NULL }, "/dev/null", "/dev/null");
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	p = spawn_logged((char *[]){ (char *)build_path("calls"), "many", "300", NULL },
			 "/dev/null", "/dev/null");
	cr_assert_eq(waitpid(p, &st, 0), p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(pidcol, sizeof(pidcol), "\"pid\":%d,", p);
	out = pt_agent_stop(&ag, &err);
	cr_assert_eq(pt_lines2(out, "\"type\":\"call\",", "\"probe_name\":\"plain\""), 13, "%s",
		     err);
	cr_assert_eq(pt_lines2(out, "\"syscall\":\"getppid\"", pidcol), 300);
	/* The agent's own calls are never traced. */
	snprintf(pidcol, sizeof(pidcol), "\"pid\":%d,", ag.pid);
	cr_assert_eq(pt_lines2(out, pidcol, NULL), 0);
	free(out);
	free(err);
}
