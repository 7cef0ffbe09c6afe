// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Containers and pods as targets, with a real runtime: a probe file that
 * selects containers by id (one running before the agent), by name and by
 * image traces every process in them (children forked there and processes
 * podman exec starts there included) and nothing else (another container of
 * the same image, the host); pods are selected by namespace and name from
 * the OCI annotations the runtime wrote. Counts are exact per container.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "podtest.h"

static struct podtest pt;

static void setup(void)
{
	pt_setup(&pt, "ctrtargets");
}

static void teardown(void)
{
	pt_teardown(&pt);
}

TestSuite(ctrtargets, .init = setup, .fini = teardown, .timeout = 150);

/* getppid records of container id (NULL: with no container id) in the JSON lines out. */
static size_t ppids(const char *out, const char *id)
{
	if (id)
		return pt_lines2(out, "\"syscall\":\"getppid\"", pt_cid(id));
	return pt_lines2(out, "\"syscall\":\"getppid\"", NULL) -
	       pt_lines2(out, "\"syscall\":\"getppid\"", "\"container_id\"");
}

/* The agent reads the test's private podman storage for names, images and annotations. */
static void state_dirs(void)
{
	char dirs[256];

	snprintf(dirs, sizeof(dirs), "%s/overlay-containers:%s/overlay-containers", pt.store,
		 pt.run_dir);
	setenv("AT_OCI_STATE_DIRS", dirs, 1);
}

Test(ctrtargets, by_id_name_and_image_every_process_in_them_and_nothing_else)
{
	char y[1024], name[64], *pre, *other, *tgt, *byimg, *nomatch, *out, *err;
	struct pt_agent ag;
	pid_t hp;
	int st;

	state_dirs();
	pt_image(&pt, "at-ctr-a", "1", build_path("calls"), NULL);
	pt_image(&pt, "at-ctr-b", "1", build_path("calls"), NULL);
	/* Two running before the agent, waiting for a signal: one selected by its id. */
	pre = pt_run(&pt, NULL, "localhost/at-ctr-a:1", "/usr/bin/calls onsig 30");
	other = pt_run(&pt, NULL, "localhost/at-ctr-a:1", "/usr/bin/calls onsig 40");
	snprintf(y, sizeof(y),
		 "targets:\n"
		 "  containers:\n"
		 "    - id: %.12s\n"
		 "    - name: 'tgt-*'\n"
		 "    - image: 'at-ctr-b:*'\n"
		 "probes:\n"
		 "  - name: ppid\n"
		 "    kind: syscall\n"
		 "    attach: getppid\n",
		 pre);
	pt_agent_start(&ag, "ctrtargets", y);
	free(pt_podman(&pt, "kill -s USR1 %s %s >/dev/null", pre, other));
	pt_wait(&pt, pre);
	pt_wait(&pt, other);
	/* Started later: matched at their first exec, by name, by image, and not at all. */
	snprintf(name, sizeof(name), "--name tgt-%d", getpid());
	tgt = pt_run(&pt, name, "localhost/at-ctr-a:1", "/usr/bin/calls many 50 3000");
	byimg = pt_run(&pt, NULL, "localhost/at-ctr-b:1", "/usr/bin/calls many 60 300");
	snprintf(name, sizeof(name), "--name nomatch-%d", getpid());
	nomatch = pt_run(&pt, name, "localhost/at-ctr-a:1", "/usr/bin/calls many 70 300");
	/* A process podman exec starts in a target container: in its namespace, a target. */
	free(pt_podman(&pt, "exec %s /usr/bin/calls many 7 >/dev/null", tgt));
	/* The host's: no container. */
	hp = spawn_logged((char *[]){ (char *)build_path("calls"), "many", "80", NULL },
			  "/dev/null", "/dev/null");
	cr_assert_eq(waitpid(hp, &st, 0), hp);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pt_wait(&pt, byimg);
	pt_wait(&pt, nomatch);
	pt_wait(&pt, tgt);
	cr_assert_geq(pt_metric(&ag, "agent_trace_follow_rejected_total"), 1);
	out = pt_agent_stop(&ag, &err);

	/* onsig 30: 30 calls of its own and 5 of the child it forked (no -f: in the container). */
	cr_assert_eq(ppids(out, pre), 35, "%s\n%s", out, err);
	cr_assert_eq(ppids(out, other), 0);
	cr_assert_eq(ppids(out, tgt), 50 + 7);
	cr_assert_eq(ppids(out, byimg), 60);
	cr_assert_eq(ppids(out, nomatch), 0);
	cr_assert_eq(ppids(out, NULL), 0, "host processes are not targets");
	cr_assert_eq(pt_lines2(out, "\"syscall\":\"getppid\"", NULL), 35 + 57 + 60);
	free(pre);
	free(other);
	free(tgt);
	free(byimg);
	free(nomatch);
	free(out);
	free(err);
}

static const char pods_yaml[] = "targets:\n"
				"  pods:\n"
				"    - {namespace: %s, name: 'checkout-*'}\n"
				"probes:\n"
				"  - name: ppid\n"
				"    kind: syscall\n"
				"    attach: getppid\n";

/* podman exec of calls many N in container id. */
static void exec_many(const char *id, int n)
{
	free(pt_podman(&pt, "exec %s /usr/bin/calls many %d >/dev/null", id, n));
}

Test(ctrtargets, pods_by_namespace_and_name_from_the_runtimes_annotations_and_a_reload)
{
	char y[512], *in, *wrong_pod, *wrong_ns, *out, *err;
	struct pt_agent ag;

	state_dirs();
	pt_image(&pt, "at-ctr-a", "1", build_path("calls"), NULL);
	snprintf(y, sizeof(y), pods_yaml, "shop");
	pt_agent_start(&ag, "ctrtargets", y);
	/* What a CRI runtime writes into each container's config.json. */
	in = pt_run(&pt,
		    "--annotation io.kubernetes.pod.namespace=shop"
		    " --annotation io.kubernetes.pod.name=checkout-7f9c"
		    " --annotation io.kubernetes.container.name=app",
		    "localhost/at-ctr-a:1", "/usr/bin/calls many 21 8000");
	wrong_pod = pt_run(&pt,
			   "--annotation io.kubernetes.pod.namespace=shop"
			   " --annotation io.kubernetes.pod.name=cart-1",
			   "localhost/at-ctr-a:1", "/usr/bin/calls many 22 300");
	wrong_ns = pt_run(&pt,
			  "--annotation io.kubernetes.pod.namespace=staging"
			  " --annotation io.kubernetes.pod.name=checkout-1",
			  "localhost/at-ctr-a:1", "/usr/bin/calls many 23 8000");
	exec_many(in, 3);
	exec_many(wrong_ns, 4);
	/* Now the other namespace: the verdicts given under the old selectors go. */
	write_text(ag.yaml, pods_yaml, "staging");
	kill(ag.pid, SIGHUP);
	wait_lines(ag.err, "reload:", 1);
	/* The one traced stays (a reload adds targets); its container's new processes do not. */
	exec_many(in, 5);
	exec_many(wrong_ns, 6);
	pt_wait(&pt, in);
	pt_wait(&pt, wrong_pod);
	pt_wait(&pt, wrong_ns);
	out = pt_agent_stop(&ag, &err);
	cr_assert_eq(ppids(out, in), 21 + 3, "%s\n%s", out, err);
	cr_assert_eq(ppids(out, wrong_ns), 6);
	cr_assert_eq(pt_lines2(out, "\"syscall\":\"getppid\"", NULL), 21 + 3 + 6);
	free(in);
	free(wrong_pod);
	free(wrong_ns);
	free(out);
	free(err);
}
