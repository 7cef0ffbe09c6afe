// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /proc/PID/cgroup parsing: each runtime's layout in cgroup v1 and v2, hostile text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
#define UID_ "1b2c3d4e_5f60_4a7b_8c9d_0e1f2a3b4c5d"

static struct cgroup_ident ci;

static bool parse(const char *text)
{
	return cgroup_parse(text, strlen(text), &ci);
}

static void want(unsigned rt, const char *id, const char *uid)
{
	cr_assert_eq(ci.runtime, rt, "runtime %u, want %u", ci.runtime, rt);
	cr_assert_str_eq(ci.id, id);
	cr_assert_str_eq(ci.pod_uid, uid);
}

/* A v1 layout (as this machine's): every controller's line with the same path, and "0::/". */
static char *v1(const char *path)
{
	static char b[8192];

	snprintf(b, sizeof(b),
		 "12:name=systemd:%s\n11:pids:%s\n4:memory:%s\n3:cpu,cpuacct:%s\n0::/\n", path,
		 path, path, path);
	return b;
}

static char *v2(const char *path)
{
	static char b[8192];

	snprintf(b, sizeof(b), "0::%s\n", path);
	return b;
}

Test(cgroup, docker_cgroupfs_and_systemd)
{
	cr_assert(parse(v1("/docker/" ID)));
	want(CG_RT_DOCKER, ID, "");
	cr_assert(parse(v2("/system.slice/docker-" ID ".scope")));
	want(CG_RT_DOCKER, ID, "");
	cr_assert_str_eq(cgroup_runtime_name(ci.runtime), "docker");
}

Test(cgroup, containerd_and_crio_in_kubepods_systemd)
{
	cr_assert(parse(v2("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
			   ".slice/cri-containerd-" ID ".scope")));
	want(CG_RT_CONTAINERD, ID, UID);
	cr_assert_str_eq(cgroup_runtime_name(ci.runtime), "containerd");
	/* Guaranteed QoS: no QoS level in the pod's slice. */
	cr_assert(parse(v1("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope")));
	want(CG_RT_CRIO, ID, UID);
	cr_assert_str_eq(cgroup_runtime_name(ci.runtime), "cri-o");
	cr_assert(parse(v2("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
			   ".slice/docker-" ID ".scope")));
	want(CG_RT_DOCKER, ID, UID);
}

Test(cgroup, kubepods_cgroupfs)
{
	cr_assert(parse(v1("/kubepods/burstable/pod" UID "/" ID)));
	want(CG_RT_CONTAINERD, ID, UID);
	cr_assert(parse(v2("/kubepods/pod" UID "/" ID)));
	want(CG_RT_CONTAINERD, ID, UID);
	/* The pod's own cgroup (no container below it yet): the pod alone. */
	cr_assert(parse(v2("/kubepods/besteffort/pod" UID)));
	want(CG_RT_NONE, "", UID);
}

Test(cgroup, podman_systemd_and_cgroupfs)
{
	cr_assert(parse(v2("/machine.slice/libpod-" ID ".scope")));
	want(CG_RT_PODMAN, ID, "");
	cr_assert_str_eq(cgroup_runtime_name(ci.runtime), "podman");
	/* Podman 4.3, cgroup_manager = "cgroupfs", on this machine's hybrid layout. */
	cr_assert(parse("9:name=systemd:/libpod_parent/libpod-" ID "\n"
			"8:pids:/libpod_parent/libpod-" ID "\n"
			"4:memory:/libpod_parent/libpod-" ID "\n"
			"1:cpu:/libpod_parent/libpod-" ID "\n"
			"0::/libpod_parent/libpod-" ID "\n"));
	want(CG_RT_PODMAN, ID, "");
	/* Something the container made below its own cgroup. */
	cr_assert(parse(v2("/libpod_parent/libpod-" ID "/init.scope")));
	want(CG_RT_PODMAN, ID, "");
}

/* The runtimes' monitors sit beside the container: they are not in it. */
Test(cgroup, conmon_is_not_the_container)
{
	cr_assert_not(parse("8:pids:/libpod_parent/conmon\n9:name=systemd:/\n0::/\n"));
	want(CG_RT_NONE, "", "");
	cr_assert_not(parse(v2("/machine.slice/libpod-conmon-" ID ".scope")));
	cr_assert_not(parse(v2("/kubepods.slice/crio-conmon-" ID ".scope")));
	want(CG_RT_NONE, "", "");
}

Test(cgroup, host_processes_have_none)
{
	/* This machine's own: v1 controllers, a bare v2 root, a 32-digit name. */
	cr_assert_not(parse("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/"
			    "81fd56742a87f9ea11f9808a307643db\n0::/\n"));
	cr_assert_not(parse(v2("/user.slice/user-1000.slice/session-3.scope")));
	cr_assert_not(parse(v2("/system.slice/containerd.service")));
	cr_assert_not(parse(v2("/")));
	/* A bare id outside docker and kubepods: nothing says whose it is. */
	cr_assert_not(parse(v2("/foo/" ID)));
	want(CG_RT_NONE, "", "");
}

/* The v2 line first, then name=systemd, pids, memory: the first line naming a container. */
Test(cgroup, line_preference)
{
	cr_assert(parse("4:memory:/docker/" ID2 "\n8:pids:/docker/" ID2 "\n0::/docker/" ID "\n"));
	want(CG_RT_DOCKER, ID, "");
	cr_assert(parse("4:memory:/docker/" ID2 "\n9:name=systemd:/docker/" ID
			"\n8:pids:/docker/" ID2 "\n0::/\n"));
	want(CG_RT_DOCKER, ID, "");
	cr_assert(parse("3:cpu:/docker/" ID2 "\n4:memory:/docker/" ID "\n"));
	want(CG_RT_DOCKER, ID, "");
	/* A controller named in a list counts; one that only starts with the name does not. */
	cr_assert(parse("3:cpu:/docker/" ID2 "\n5:cpuset,pids:/docker/" ID "\n6:pidsx:/docker/" ID2
			"\n"));
	want(CG_RT_DOCKER, ID, "");
	/* No preferred line names one: any other does. */
	cr_assert(parse("9:name=systemd:/\n0::/\n3:cpu:/docker/" ID2 "\n"));
	want(CG_RT_DOCKER, ID2, "");
}

/* A reader in its own cgroup namespace: the path relative to its root. */
Test(cgroup, paths_relative_to_a_cgroup_namespace)
{
	cr_assert(parse(
		v2("/../../kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope")));
	want(CG_RT_CONTAINERD, ID, UID);
}

/* Docker in docker, kind: the innermost container is the process's. */
Test(cgroup, nested_ids_the_innermost)
{
	cr_assert(parse(v2("/docker/" ID2 "/docker/" ID)));
	want(CG_RT_DOCKER, ID, "");
	cr_assert(
		parse(v2("/system.slice/docker-" ID2 ".scope/kubepods/burstable/pod" UID "/" ID)));
	want(CG_RT_CONTAINERD, ID, UID);
	/* An id-like name below the container that is not an id: the container still. */
	cr_assert(parse(v2("/docker/" ID "/docker/" ID2 "0")));
	want(CG_RT_DOCKER, ID, "");
}

Test(cgroup, no_newline_crlf_and_empty_lines)
{
	const char *t = "0::/docker/" ID;

	cr_assert(cgroup_parse(t, strlen(t), &ci));
	want(CG_RT_DOCKER, ID, "");
	cr_assert(parse("\n\n0::/docker/" ID "\n\n"));
	want(CG_RT_DOCKER, ID, "");
	/* The length bounds the text: a cut id is no id. */
	cr_assert_not(cgroup_parse(t, strlen(t) - 1, &ci));
	cr_assert_not(cgroup_parse(t, 0, &ci));
	/* A CR is part of the name: "ID\r" is not an id. */
	cr_assert_not(parse("0::/docker/" ID "\r\n"));
}

Test(cgroup, garbage_is_ignored)
{
	static const char *const bad[] = {
		"",
		"garbage",
		":::::",
		"0:",
		"0::",
		"0::docker/" ID,      /* not absolute */
		"docker/" ID,	      /* no colons */
		"0::/docker/" ID "x", /* 65 characters */
		"0::/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		"0::/docker-" ID ".scopex",		   /* a wrong suffix */
		"0::/docker-" ID,			   /* no suffix */
		"0::/xdocker-" ID ".scope",		   /* a wrong prefix */
		"0::/kubepods/podnot-a-uid/" ID "/../x\n", /* the pod is not; the id is */
		"0::/kubepods/pod1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5 d",
		"0::/kubepods-burstable-pod" UID_ ".slic",
		"0::/kubepods-burstable-podX" UID_ ".slice",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool got = parse(bad[i]);

		if (i == 12) {
			/* Only the id is taken: a bad pod name does not leave a half UID behind. */
			cr_assert(got);
			want(CG_RT_CONTAINERD, ID, "");
			continue;
		}
		cr_assert_not(got, "%s", bad[i]);
		want(CG_RT_NONE, "", "");
	}
}

Test(cgroup, embedded_nul_and_binary_bytes)
{
	static const char t[] = "0::/do\0cker/" ID "\n\xff\xfe:\x01:/docker/" ID2 "\n";

	cr_assert(cgroup_parse(t, sizeof(t) - 1, &ci));
	want(CG_RT_DOCKER, ID2, "");
}

/* A megabyte line, thousands of components, an id at the end: found, nothing overflows. */
Test(cgroup, overlong_lines)
{
	size_t n = 1u << 20;
	char *t = malloc(n + 200), *p = t;

	cr_assert_not_null(t);
	p += sprintf(p, "0::");
	while ((size_t)(p - t) < n)
		p += sprintf(p, "/x%07zu", (size_t)(p - t));
	p += sprintf(p, "/docker/" ID);
	cr_assert(cgroup_parse(t, (size_t)(p - t), &ci));
	want(CG_RT_DOCKER, ID, "");
	/* One name a megabyte long. */
	memset(t + 4, 'a', n);
	cr_assert_not(cgroup_parse(t, n + 4, &ci));
	free(t);
}
