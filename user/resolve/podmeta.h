/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A container's pod name, namespace and container name, from what the node shows: no API client. */
/*
 * Two sources, tried in order, each optional:
 *   the OCI runtime's config.json of the container: its annotations
 *     io.kubernetes.pod.name / .pod.namespace / .container.name (cri-o, podman, and any
 *     runtime given them), io.kubernetes.cri.sandbox-name / .sandbox-namespace /
 *     .container-name (containerd's CRI); found as DIR/ID/config.json or
 *     DIR/ID/userdata/config.json in each of a list of state directories;
 *   the kubelet's log layout: /var/log/pods/NAMESPACE_POD_UID/CONTAINER/N.log,
 *     the pod's directory found by its UID (from the cgroup), the container by
 *     /var/log/containers/POD_NAMESPACE_CONTAINER-ID.log, the link the kubelet
 *     makes for every container, or else by an N.log link whose target names the id.
 * What neither gives is left empty: the OpenTelemetry Collector's k8sattributes
 * processor fills it in from container.id or k8s.pod.uid.
 */
#ifndef AT_PODMETA_H
#define AT_PODMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

#define POD_NS_MAX 63	 /* a namespace: a DNS-1123 label */
#define POD_NAME_MAX 253 /* a pod name: a DNS-1123 subdomain */
#define POD_CTR_MAX 63	 /* a container name: a DNS-1123 label */

/* Containers whose names are kept at most, by default. */
#define PODMETA_MAX_DEFAULT 1024u

/* The default directories, each overridden by the environment variable named beside it. */
#define PODMETA_PODS_DIR "/var/log/pods"	     /* AT_PODS_LOG_DIR */
#define PODMETA_CONTAINERS_DIR "/var/log/containers" /* AT_CONTAINERS_LOG_DIR */
/* AT_OCI_STATE_DIRS, colon-separated: containerd (k8s.io, moby), cri-o, podman (root). */
#define PODMETA_OCI_DIRS                                                                  \
	"/run/containerd/io.containerd.runtime.v2.task/k8s.io:"                           \
	"/run/containerd/io.containerd.runtime.v2.task/moby:"                             \
	"/run/containers/storage/overlay-containers:/var/lib/containers/storage/overlay-" \
	"containers"

struct pod_meta {
	char ns[POD_NS_MAX + 1];	 /* k8s.namespace.name, "" when unknown */
	char pod[POD_NAME_MAX + 1];	 /* k8s.pod.name, "" when unknown */
	char container[POD_CTR_MAX + 1]; /* k8s.container.name, "" when unknown */
};

/* Whether m names anything. */
static inline bool pod_meta_known(const struct pod_meta *m)
{
	return m->ns[0] || m->pod[0] || m->container[0];
}

/*
 * The annotations of an OCI config.json's text (len bytes) into out: the
 * fields it names are set, the others left as they are. Returns whether any
 * was set; a text that is not a JSON object sets none.
 */
bool podmeta_parse_oci(const char *text, size_t len, struct pod_meta *out);

/*
 * A kubelet pod log directory's name "NAMESPACE_POD_UID": whether it is the
 * pod of uid (36 characters, with dashes), and then its namespace and name
 * into out. Neither may hold '_' (DNS-1123), so the split is exact.
 */
bool podmeta_parse_pod_dir(const char *name, const char *uid, struct pod_meta *out);

/*
 * A /var/log/containers link's name "POD_NAMESPACE_CONTAINER-ID.log": whether
 * it is container id (64 hex digits) of pod in ns, and then its container name
 * into out.
 */
bool podmeta_parse_container_log(const char *name, const char *pod, const char *ns, const char *id,
				 struct pod_meta *out);

struct podmeta_opts {
	const char *pods_dir;	    /* NULL: $AT_PODS_LOG_DIR, else PODMETA_PODS_DIR */
	const char *containers_dir; /* NULL: $AT_CONTAINERS_LOG_DIR, else PODMETA_CONTAINERS_DIR */
	const char *oci_dirs; /* colon-separated; NULL: $AT_OCI_STATE_DIRS, else the default */
	uint32_t max_entries; /* containers kept at most: PODMETA_MAX_DEFAULT when 0 */
};

struct podmeta_stats {
	uint64_t hits;	    /* look-ups answered from the cache */
	uint64_t misses;    /* look-ups that read the node's files */
	uint64_t found;	    /* of which found a name */
	uint64_t evictions; /* entries replaced because their set was full */
	uint32_t entries;   /* entries held now */
	uint32_t max;	    /* the bound */
};

struct podmeta_cache;

/* A cache of opts' bound (NULL: the defaults). NULL and errno set on failure. Writer thread only. */
struct podmeta_cache *podmeta_cache__new(const struct podmeta_opts *opts);
void podmeta_cache__free(struct podmeta_cache *c);

/*
 * The names of the container (or pod) id names, NULL when none is known. Read
 * once per container id (per pod UID when there is no container id) and kept,
 * an answer of none included. The pointer stays valid until the next call on c.
 */
const struct pod_meta *podmeta_cache__get(struct podmeta_cache *c, const struct cgroup_ident *id);

void podmeta_cache__stats(const struct podmeta_cache *c, struct podmeta_stats *st);

#endif /* AT_PODMETA_H */
