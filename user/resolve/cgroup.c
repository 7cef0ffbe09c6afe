// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /proc/PID/cgroup text to the container id, its runtime and the pod UID: pure parsing. */
/*
 * The names each runtime gives a container's cgroup, by cgroup driver:
 *   docker      cgroupfs "/docker/ID", systemd "/system.slice/docker-ID.scope"
 *   containerd  systemd "cri-containerd-ID.scope", cgroupfs "/kubepods/QOS/podUID/ID"
 *   cri-o       systemd "crio-ID.scope" (its monitor: "crio-conmon-ID.scope", not the container)
 *   podman      systemd "libpod-ID.scope" (monitor "libpod-conmon-ID.scope"), cgroupfs
 *               "/libpod_parent/libpod-ID" and below it
 *   kubelet     systemd "kubepods-QOS-podUID.slice" (UID's dashes as underscores),
 *               cgroupfs "/kubepods/QOS/podUID"
 * A reader in its own cgroup namespace sees paths relative to its root
 * ("/../../kubepods.slice/..."): components are matched one by one, so a
 * prefix of ".." changes nothing.
 */
#include <string.h>

#include "cgroup.h"

/* One path component. */
struct comp {
	const char *p;
	size_t n;
};

static bool is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_id(const char *p, size_t n)
{
	if (n != CG_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex_lower(p[i]))
			return false;
	return true;
}

static bool comp_is(struct comp c, const char *s)
{
	return c.n == strlen(s) && !memcmp(c.p, s, c.n);
}

static bool has_prefix(struct comp c, const char *s)
{
	size_t n = strlen(s);

	return c.n >= n && !memcmp(c.p, s, n);
}

/* c is PREFIX ID SUFFIX with a container id in the middle. */
static bool affixed_id(struct comp c, const char *prefix, const char *suffix, const char **id)
{
	size_t a = strlen(prefix), b = strlen(suffix);

	if (c.n != a + CG_ID_LEN + b || memcmp(c.p, prefix, a) ||
	    memcmp(c.p + a + CG_ID_LEN, suffix, b))
		return false;
	*id = c.p + a;
	return is_id(*id, CG_ID_LEN);
}

/* A pod UID of 36 characters, dashes or underscores between the groups, copied with dashes. */
static bool pod_uid(const char *p, char out[CG_UID_LEN + 1])
{
	for (size_t i = 0; i < CG_UID_LEN; i++) {
		bool sep = i == 8 || i == 13 || i == 18 || i == 23;

		if (sep ? p[i] != '-' && p[i] != '_' : !is_hex_lower(p[i]))
			return false;
		out[i] = sep ? '-' : p[i];
	}
	out[CG_UID_LEN] = '\0';
	return true;
}

/* "podUID" (cgroupfs) or "kubepods[-QOS]-podUID.slice" (systemd), below a kubepods component. */
static bool pod_comp(struct comp c, char out[CG_UID_LEN + 1])
{
	static const char slice[] = ".slice";
	size_t tail = 3 + CG_UID_LEN + sizeof(slice) - 1;

	if (c.n == 3 + CG_UID_LEN && has_prefix(c, "pod"))
		return pod_uid(c.p + 3, out);
	if (!has_prefix(c, "kubepods-") || c.n < strlen("kubepods-") + tail ||
	    memcmp(c.p + c.n - (sizeof(slice) - 1), slice, sizeof(slice) - 1))
		return false;
	/* "-pod" right before the UID: "kubepods-pod..." (guaranteed) or "kubepods-QOS-pod...". */
	if (memcmp(c.p + c.n - tail - 1, "-pod", 4))
		return false;
	return pod_uid(c.p + c.n - tail + 3, out);
}

/* The container a component names, given the one before it: its id and runtime, or CG_RT_NONE. */
static unsigned container_comp(struct comp c, struct comp prev, bool kube, const char **id)
{
	if (affixed_id(c, "docker-", ".scope", id))
		return CG_RT_DOCKER;
	if (affixed_id(c, "cri-containerd-", ".scope", id))
		return CG_RT_CONTAINERD;
	if (affixed_id(c, "crio-", ".scope", id))
		return CG_RT_CRIO;
	if (affixed_id(c, "libpod-", ".scope", id) || affixed_id(c, "libpod-", "", id))
		return CG_RT_PODMAN;
	if (!is_id(c.p, c.n))
		return CG_RT_NONE;
	*id = c.p;
	/* A bare id: docker's cgroupfs driver, or the kubelet's (containerd's CRI by default). */
	if (comp_is(prev, "docker"))
		return CG_RT_DOCKER;
	return kube ? CG_RT_CONTAINERD : CG_RT_NONE;
}

bool cgroup_parse_path(const char *path, size_t len, struct cgroup_ident *out)
{
	struct comp prev = { "", 0 };
	char uid[CG_UID_LEN + 1];
	bool kube = false;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (!len || path[0] != '/')
		return false;
	while (i < len) {
		const char *slash, *id = NULL;
		struct comp c;
		unsigned rt;

		while (i < len && path[i] == '/')
			i++;
		slash = memchr(path + i, '/', len - i);
		c = (struct comp){ path + i, (slash ? (size_t)(slash - path) : len) - i };
		i += c.n;
		if (!c.n)
			break;
		if (comp_is(c, "kubepods") || has_prefix(c, "kubepods-") ||
		    has_prefix(c, "kubepods."))
			kube = true;
		if (kube && pod_comp(c, uid))
			memcpy(out->pod_uid, uid, sizeof(uid));
		rt = container_comp(c, prev, kube, &id);
		/* Later components are nested deeper: the innermost container is the process's. */
		if (rt != CG_RT_NONE) {
			memcpy(out->id, id, CG_ID_LEN);
			out->id[CG_ID_LEN] = '\0';
			out->runtime = (uint8_t)rt;
		}
		prev = c;
	}
	return out->id[0] || out->pod_uid[0];
}

/* Lower is preferred: the v2 line, then the hierarchies every runtime puts its containers in. */
static int line_rank(const char *ctl, size_t n, bool v2)
{
	static const char *const pref[] = { "name=systemd", "pids", "memory" };
	int best = 4;

	if (v2)
		return 0;
	while (n) {
		const char *comma = memchr(ctl, ',', n);
		size_t k = comma ? (size_t)(comma - ctl) : n;

		for (int r = 0; r < 3; r++)
			if (k == strlen(pref[r]) && !memcmp(ctl, pref[r], k) && r + 1 < best)
				best = r + 1;
		ctl += k;
		n -= k;
		if (n) {
			ctl++;
			n--;
		}
	}
	return best;
}

bool cgroup_parse(const char *text, size_t len, struct cgroup_ident *out)
{
	struct cgroup_ident cur;
	int best = 5;

	memset(out, 0, sizeof(*out));
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		const char *c1 = memchr(text, ':', n), *c2 = NULL, *path;
		int rank;

		if (c1)
			c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - text));
		if (c2) {
			path = c2 + 1;
			rank = line_rank(c1 + 1, (size_t)(c2 - c1 - 1),
					 c1 - text == 1 && text[0] == '0' && c2 == c1 + 1);
			if (rank < best &&
			    cgroup_parse_path(path, n - (size_t)(path - text), &cur)) {
				*out = cur;
				best = rank;
			}
		}
		text += n;
		len -= n;
		if (len) {
			text++;
			len--;
		}
	}
	return best < 5;
}

const char *cgroup_runtime_name(unsigned rt)
{
	switch (rt) {
	case CG_RT_DOCKER:
		return "docker";
	case CG_RT_CONTAINERD:
		return "containerd";
	case CG_RT_CRIO:
		return "cri-o";
	case CG_RT_PODMAN:
		return "podman";
	}
	return NULL;
}
