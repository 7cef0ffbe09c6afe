// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's container image (make image, deploy/): built from this tree into
 * the test's own podman storage, it runs, holds exactly the libraries the binary
 * loads, and traces a host process from inside a container (--pid=host), both
 * privileged and with the least-privilege DaemonSet's capabilities alone.
 * Podman's configuration and storage are the test's own (CONTAINERS_CONF,
 * --root): nothing under /etc or /var/lib/containers is touched.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
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
#define IMAGE "localhost/agent-trace:latest"

static char dir[64], store[96], run_dir[96], tmp_dir[96], build[PATH_MAX];

#define PODMAN_ARGS PODMAN, "--root", store, "--runroot", run_dir, "--tmpdir", tmp_dir

static void setup(void)
{
	char root[PATH_MAX];

	podman_scratch("img", dir, store, run_dir, tmp_dir);
	/* The tree's own make image, for this build directory, into the test's storage. */
	snprintf(build, sizeof(build), "%s", AT);
	dirname(build);
	snprintf(root, sizeof(root), "%s", build);
	while (strcmp(root, "/")) {
		char mk[PATH_MAX + 16];

		dirname(root);
		snprintf(mk, sizeof(mk), "%s/Makefile", root);
		if (!access(mk, R_OK))
			break;
	}
	cr_assert_str_neq(root, "/", "no Makefile above %s", build);
	free(sh("make -s -C %s image BUILD=%s PODMAN_FLAGS='--root %s --runroot %s --tmpdir %s'",
		root, build, store, run_dir, tmp_dir));
}

static void teardown(void)
{
	char *out, *err;

	if (!dir[0])
		return;
	/* A container a failed test left running goes first, then the images. */
	run_capture((char *[]){ PODMAN_ARGS, "rm", "-af", "-t", "0", NULL }, &out, &err);
	free(out);
	free(err);
	run_capture((char *[]){ PODMAN_ARGS, "rmi", "-af", NULL }, &out, &err);
	free(out);
	free(err);
	free(sh("rm -rf %s", dir));
}

TestSuite(image, .init = setup, .fini = teardown, .timeout = 60);

/* The rootfs: the binary, each library ldd names (the loader too) as a file, the CA bundle. */
Test(image, rootfs_has_the_binary_and_exactly_its_libraries)
{
	char *libs, *missing, *extra;

	libs = sh("ldd %s | grep -o '/[^ ]*' | sort | tr '\\n' ' '", AT);
	cr_assert(strstr(libs, "/ld-linux"), "%s", libs);
	missing = sh("cd %s/image/rootfs; for l in %s; do [ -f .$l ] && [ ! -L .$l ] ||"
		     " echo $l; done; cmp usr/bin/agent-trace %s || echo agent-trace;"
		     " cmp etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt ||"
		     " echo certs; [ -d etc/agent-trace ] && [ -d tmp ] || echo dirs;"
		     " grep -q '^root:x:0:0:' etc/passwd || echo passwd",
		     build, libs, AT);
	cr_assert_str_eq(missing, "");
	/* Nothing else holds code but libcapstone, which the agent dlopens (user/resolve/insn.c). */
	extra = sh(
		"cd %s/image/rootfs; find . -type f \\( -name '*.so' -o -name '*.so.[0-9]*' \\) |"
		" sed 's/^\\.//' | sort |"
		" grep -v libcapstone | while read l; do case ' %s' in *\" $l \"*) ;;"
		" *) echo $l;; esac; done",
		build, libs);
	cr_assert_str_eq(extra, "");
	free(libs);
	free(missing);
	free(extra);
}

Test(image, runs_the_agent_and_says_its_version)
{
	char *want = sh("%s --version", AT), *got;

	got = sh(PODMAN " --root %s --runroot %s --tmpdir %s run --rm --privileged --pid=host"
			" --network none -v /sys/kernel/btf:/sys/kernel/btf:ro " IMAGE " --version",
		 store, run_dir, tmp_dir);
	cr_assert_str_eq(got, want);
	cr_assert(!strncmp(got, "agent-trace ", 12), "%s", got);
	free(want);
	free(got);
}

/*
 * Traces a host calls wait 7 from a container (--pid=host, the host's BTF and
 * cgroups, as the DaemonSet mounts them) with opts; returns agent-trace's stdout.
 */
static char *trace_from_container(const char *const *opts)
{
	char outf[64], errf[64], pid[16], *argv[48], *out, *err;
	int release, st, n = 0, exits = links_of("sched_process_exit");
	pid_t target = start_waiting_target(&release, "7"), run;
	const char *head[] = { PODMAN_ARGS, "run",
			       "--rm",	    "--pid=host",
			       "--network", "none",
			       "-v",	    "/sys/kernel/btf:/sys/kernel/btf:ro",
			       "-v",	    "/sys/fs/cgroup:/sys/fs/cgroup:ro",
			       NULL };

	for (int i = 0; head[i]; i++)
		argv[n++] = (char *)head[i];
	for (int i = 0; opts[i]; i++)
		argv[n++] = (char *)opts[i];
	snprintf(pid, sizeof(pid), "%d", target);
	argv[n++] = "-p";
	argv[n++] = pid;
	argv[n] = NULL;
	tmp_name(outf, sizeof(outf), "img", "out");
	tmp_name(errf, sizeof(errf), "img", "err");
	run = spawn_logged(argv, outf, errf);
	for (int i = 0; i < 2000 && links_of("sched_process_exit") <= exits; i++)
		usleep(10 * 1000);
	cr_assert_gt(links_of("sched_process_exit"), exits, "agent-trace did not attach: %s",
		     slurp(errf));
	cr_assert_eq(write(release, "g", 1), 1);
	close(release);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The agent ends by itself once its target has exited, and the container with it. */
	cr_assert_eq(waitpid(run, &st, 0), run);
	out = slurp(outf);
	err = slurp(errf);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "podman run: status %d: %s%s", st, out,
		  err);
	cr_assert_str_eq(err, "");
	free(err);
	unlink(outf);
	unlink(errf);
	return out;
}

Test(image, traces_a_host_process_from_a_privileged_container)
{
	char *out = trace_from_container(
		(const char *const[]){ "--privileged", IMAGE, "-c", "-e", "getppid", NULL });

	cr_assert(strstr(out, "\ngetppid                    7        0\n"), "%s", out);
	cr_assert(strstr(out, "\ntotal                      7        0\n"), "%s", out);
	free(out);
}

/*
 * The least-privilege DaemonSet's capabilities alone (no SYS_ADMIN either: this
 * kernel has uprobe_multi links, README Kubernetes): a syscall and a function probe.
 */
Test(image, traces_with_the_least_privilege_capabilities)
{
	char *out = trace_from_container((const char *const[]){
		"--cap-drop", "all", "--cap-add",
		"BPF,PERFMON,SYS_PTRACE,DAC_READ_SEARCH,SYS_RESOURCE", "--security-opt",
		"seccomp=unconfined", "--security-opt", "apparmor=unconfined", IMAGE, "-c", "-e",
		"getppid", "-u", "libc:syscall", NULL });

	cr_assert(strstr(out, "\ngetppid                    7        0\n"), "%s", out);
	cr_assert(strstr(out, "\nlibc:syscall                             7        0 "), "%s", out);
	free(out);
}
