// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The checks before anything is loaded (user/load/syscheck.c): a missing
 * capability, no BTF, a locked-down kernel. Each is one line and exit 1, in a
 * normal run and in daemon mode alike.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")

Test(syscheck, one_missing_capability_is_named)
{
	/* As root, but with a bounding set of one: exec grants that capability alone. */
	expect_error((char *[]){ "/usr/bin/setpriv", "--bounding-set=-all,+bpf", AT, "-p", "1",
				 NULL },
		     1,
		     "agent-trace: missing capability CAP_PERFMON (it has CAP_BPF; or "
		     "CAP_SYS_ADMIN): run as root or grant it\n");
	expect_error((char *[]){ "/usr/bin/setpriv", "--bounding-set=-all,+perfmon", AT, "-p", "1",
				 NULL },
		     1,
		     "agent-trace: missing capability CAP_BPF (it has CAP_PERFMON; or "
		     "CAP_SYS_ADMIN): run as root or grant it\n");
	/* Every capability dropped, still uid 0. */
	expect_error((char *[]){ "/usr/bin/setpriv", "--bounding-set=-all", AT, "-p", "1", NULL },
		     1,
		     "agent-trace: missing capabilities CAP_BPF CAP_PERFMON (or CAP_SYS_ADMIN): "
		     "run as root or grant them\n");
}

Test(syscheck, daemon_without_capabilities_refuses_to_start)
{
	char dir[64], lock[64], msg[160];

	tmp_name(dir, sizeof(dir), "syscheck", "d");
	tmp_name(lock, sizeof(lock), "syscheck", "lock");
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(msg, sizeof(msg),
		 "agent-trace: missing capabilities CAP_BPF CAP_PERFMON (or CAP_SYS_ADMIN): run "
		 "as root or grant them\n");
	expect_error((char *[]){ "/usr/bin/setpriv", "--bounding-set=-all", AT, "daemon",
				 "--config-dir", dir, "--lock-file", lock, NULL },
		     1, msg);
	unlink(lock);
	rmdir(dir);
}

/* The kernel's own path, hidden: an empty tmpfs over /sys/kernel/btf in a mount namespace. */
Test(syscheck, no_btf_in_the_kernel)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "mount -t tmpfs none /sys/kernel/btf && exec %s -p 1", AT);
	expect_error((char *[]){ "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh",
				 "-c", cmd, NULL },
		     1,
		     "agent-trace: kernel has no BTF (/sys/kernel/btf/vmlinux: No such file or "
		     "directory): CO-RE programs need CONFIG_DEBUG_INFO_BTF=y\n");
	/* The host's is untouched. */
	cr_assert_eq(access("/sys/kernel/btf/vmlinux", R_OK), 0);
	expect_error((char *[]){ "/usr/bin/env", "AT_BTF_PATH=/nonexistent/vmlinux", AT, "-p", "1",
				 NULL },
		     1,
		     "agent-trace: kernel has no BTF (/nonexistent/vmlinux: No such file or "
		     "directory): CO-RE programs need CONFIG_DEBUG_INFO_BTF=y\n");
}

/*
 * Lockdown as /sys/kernel/security/lockdown shows it, from a file of the
 * test's (AT_LOCKDOWN_PATH): confidentiality refuses, integrity runs (it
 * forbids only bpf_probe_write_user, which agent-trace never calls).
 */
Test(syscheck, lockdown_confidentiality_refuses_integrity_runs)
{
	char path[64], env[96], want[320], *out, *err;
	int st;

	tmp_name(path, sizeof(path), "lockdown", "txt");
	snprintf(env, sizeof(env), "AT_LOCKDOWN_PATH=%s", path);
	write_text(path, "none integrity [confidentiality]\n");
	snprintf(want, sizeof(want),
		 "agent-trace: the kernel's lockdown mode is confidentiality (%s): it forbids BPF "
		 "programs that read kernel memory, as agent-trace's do; boot with "
		 "lockdown=integrity or none\n",
		 path);
	expect_error((char *[]){ "/usr/bin/env", env, AT, "-p", "1", NULL }, 1, want);

	write_text(path, "none [integrity] confidentiality\n");
	st = run_capture((char *[]){ "/usr/bin/env", env, AT, "-q", "-e", "getppid", "--",
				     (char *)build_path("calls"), "counts", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x: %s", st, err);
	cr_assert_str_eq(err, "");
	free(out);
	free(err);
	unlink(path);
}
