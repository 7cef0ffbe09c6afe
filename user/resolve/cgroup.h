/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A process's container and pod from the text of its /proc/PID/cgroup. */
#ifndef AT_CGROUP_H
#define AT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The runtime a container id's cgroup name says started it. */
enum cg_runtime {
	CG_RT_NONE = 0,	  /* no container */
	CG_RT_DOCKER,	  /* "/docker/ID", "docker-ID.scope" */
	CG_RT_CONTAINERD, /* "cri-containerd-ID.scope", a bare ID under kubepods */
	CG_RT_CRIO,	  /* "crio-ID.scope" */
	CG_RT_PODMAN,	  /* "libpod-ID.scope", "/libpod_parent/libpod-ID" */
};

/* A container id: 64 lowercase hex digits, as every runtime above names them. */
#define CG_ID_LEN 64
/* A pod UID: 8-4-4-4-12 hex digits with dashes (the cgroup name may use underscores). */
#define CG_UID_LEN 36

struct cgroup_ident {
	char id[CG_ID_LEN + 1];	      /* container.id, "" when not in a container */
	char pod_uid[CG_UID_LEN + 1]; /* k8s.pod.uid with dashes, "" when not in a pod */
	uint8_t runtime;	      /* enum cg_runtime: CG_RT_NONE exactly when id is "" */
};

/*
 * The container and pod of the cgroup file's text (len bytes, no NUL
 * needed): lines "HIERARCHY:CONTROLLERS:PATH" of cgroup v1 and the v2 line
 * "0::PATH". The lines are tried in order of preference (the v2 line, then
 * the name=systemd, pids and memory hierarchies, then the others) and the
 * first whose path names a container or a pod is used: on a hybrid layout
 * the v2 line may be a bare "/". In one path the innermost container wins
 * (docker in docker: the container the process is in). Lines without the two
 * colons, paths not starting with '/', and names that only look like ids
 * (wrong length, not hex) are ignored. Returns whether out names a
 * container or a pod; out is zeroed otherwise.
 */
bool cgroup_parse(const char *text, size_t len, struct cgroup_ident *out);

/* One cgroup path (len bytes) as cgroup_parse reads each line's. */
bool cgroup_parse_path(const char *path, size_t len, struct cgroup_ident *out);

/* The container.runtime value of rt ("docker", "containerd", "cri-o", "podman"), NULL for none. */
const char *cgroup_runtime_name(unsigned rt);

#endif /* AT_CGROUP_H */
