// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Before anything is loaded: what the process and the kernel must offer
 * (capabilities, BTF, a lockdown mode that lets BPF read kernel memory, the
 * ring buffer and task storage map types), each refusal one line naming what
 * is missing (session__check_system, declared in session.h).
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "session.h"
#include "util.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define LOCKDOWN_PATH "/sys/kernel/security/lockdown"

/*
 * The kernel file a check reads, or the environment's stand-in for it: tests
 * point AT_BTF_PATH and AT_LOCKDOWN_PATH at files of their own. Only the
 * checks read them (libbpf still loads the kernel's own BTF).
 */
static const char *kernel_file(const char *env, const char *path)
{
	const char *v = getenv(env);

	return v && v[0] ? v : path;
}

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* Loading tracing programs takes CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (before 5.8, all). */
static int check_caps(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};
	bool bpf, perfmon;

	if (syscall(SYS_capget, &hdr, d))
		return fail(err, errlen, "cannot read capabilities: %s", strerror(errno));
	bpf = has_cap(d, CAP_BPF);
	perfmon = has_cap(d, CAP_PERFMON);
	if (has_cap(d, CAP_SYS_ADMIN) || (bpf && perfmon))
		return 0;
	if (!bpf && !perfmon)
		return fail(err, errlen,
			    "missing capabilities CAP_BPF CAP_PERFMON (or CAP_SYS_ADMIN): run as "
			    "root or grant them");
	return fail(err, errlen,
		    "missing capability %s (it has %s; or CAP_SYS_ADMIN): run as root or grant it",
		    bpf ? "CAP_PERFMON" : "CAP_BPF", bpf ? "CAP_BPF" : "CAP_PERFMON");
}

static int check_btf(char *err, size_t errlen)
{
	const char *path = kernel_file("AT_BTF_PATH", BTF_PATH);

	if (access(path, R_OK))
		return fail(err, errlen,
			    "kernel has no BTF (%s: %s): CO-RE programs need "
			    "CONFIG_DEBUG_INFO_BTF=y",
			    path, strerror(errno));
	return 0;
}

/*
 * The lockdown LSM's mode, shown as "none integrity [confidentiality]" with
 * the current one in brackets. Confidentiality turns off bpf_probe_read_kernel
 * (LOCKDOWN_BPF_READ_KERNEL), which every CO-RE read of a kernel struct is:
 * the programs would fail in the verifier with an unknown helper. Integrity,
 * Secure Boot's usual mode, forbids only bpf_probe_write_user, which
 * agent-trace never calls, so it runs there. No file (no lockdown LSM, no
 * securityfs) is no lockdown.
 */
static int check_lockdown(char *err, size_t errlen)
{
	const char *path = kernel_file("AT_LOCKDOWN_PATH", LOCKDOWN_PATH);
	char buf[128] = "";
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (strstr(buf, "[confidentiality]"))
		return fail(err, errlen,
			    "the kernel's lockdown mode is confidentiality (%s): it forbids BPF "
			    "programs that read kernel memory, as agent-trace's do; boot with "
			    "lockdown=integrity or none",
			    path);
	return 0;
}

int session__check_system(char *err, size_t errlen)
{
	if (check_caps(err, errlen) || check_btf(err, errlen) || check_lockdown(err, errlen))
		return -1;
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1)
		return fail(err, errlen,
			    "kernel has no BPF ring buffer (needs Linux 5.8 or later)");
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) != 1)
		return fail(err, errlen,
			    "kernel has no BPF task storage (needs Linux 5.11 or later)");
	return 0;
}
