// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Pod and container names: OCI annotations, the kubelet's log tree (fixture trees), the cache. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podmeta.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define UID "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
#define UID2 "99999999-5f60-4a7b-8c9d-0e1f2a3b4c5d"

static char base[64], pods[96], ctrs[96], oci[96], oci2[96], dirs[200];

static void mkdirs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mkdirs(const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	for (char *p = path + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/at-podmeta.%d", getpid());
	snprintf(pods, sizeof(pods), "%s/pods", base);
	snprintf(ctrs, sizeof(ctrs), "%s/containers", base);
	snprintf(oci, sizeof(oci), "%s/k8s.io", base);
	snprintf(oci2, sizeof(oci2), "%s/storage", base);
	snprintf(dirs, sizeof(dirs), "%s:%s", oci, oci2);
	mkdirs("%s", pods);
	mkdirs("%s", ctrs);
	mkdirs("%s", oci);
	mkdirs("%s", oci2);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void teardown(void)
{
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(podmeta, .init = setup, .fini = teardown);

static bool parse(const char *json, struct pod_meta *m)
{
	memset(m, 0, sizeof(*m));
	return podmeta_parse_oci(json, strlen(json), m);
}

Test(podmeta, oci_annotations_of_cri_o_and_podman)
{
	struct pod_meta m;

	cr_assert(parse("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/calls\"],"
			"\"env\":[\"a=b\"]},\"annotations\":{\"io.kubernetes.pod.name\":\"web-0\","
			"\"io.kubernetes.pod.namespace\":\"shop\",\"io.kubernetes.container.name\":"
			"\"app\",\"io.podman.annotations.autoremove\":\"TRUE\"},\"linux\":{}}",
			&m));
	cr_assert_str_eq(m.pod, "web-0");
	cr_assert_str_eq(m.ns, "shop");
	cr_assert_str_eq(m.container, "app");
}

/* runc's own spec is indented with tabs; containerd's CRI annotation names. */
Test(podmeta, oci_annotations_of_containerd_tab_indented)
{
	struct pod_meta m;

	cr_assert(parse("{\n\t\"ociVersion\": \"1.1.0\",\n\t\"annotations\": {\n"
			"\t\t\"io.kubernetes.cri.container-type\": \"container\",\n"
			"\t\t\"io.kubernetes.cri.sandbox-name\": \"db-7f9c\",\n"
			"\t\t\"io.kubernetes.cri.sandbox-namespace\": \"kube-system\",\n"
			"\t\t\"io.kubernetes.cri.container-name\": \"postgres\"\n\t}\n}\n",
			&m));
	cr_assert_str_eq(m.pod, "db-7f9c");
	cr_assert_str_eq(m.ns, "kube-system");
	cr_assert_str_eq(m.container, "postgres");
}

/* Names only at the top level's annotations; values that are no Kubernetes name are not taken. */
Test(podmeta, oci_only_top_level_annotations_and_valid_names)
{
	struct pod_meta m;

	cr_assert_not(parse("{\"process\":{\"annotations\":{\"io.kubernetes.pod.name\":\"x\"}},"
			    "\"annotations\":{\"io.kubernetes.pod.name\":\"Bad_Name\","
			    "\"io.kubernetes.pod.namespace\":\"\"}}",
			    &m));
	cr_assert_str_eq(m.pod, "");
	cr_assert_not(parse("not json {", &m));
	cr_assert_not(parse("", &m));
	cr_assert_not(parse("[\"annotations\",{\"io.kubernetes.pod.name\":\"x\"}]", &m));
	/* A nested object before the annotations does not lose the place. */
	cr_assert(parse("{\"a\":{\"b\":[{\"c\":\"d\"},[1,2]]},\"annotations\":"
			"{\"io.kubernetes.container.name\":\"side-car\"}}",
			&m));
	cr_assert_str_eq(m.container, "side-car");
}

Test(podmeta, pod_dir_names)
{
	struct pod_meta m = { 0 };

	cr_assert(podmeta_parse_pod_dir("shop_web-0_" UID, UID, &m));
	cr_assert_str_eq(m.ns, "shop");
	cr_assert_str_eq(m.pod, "web-0");
	memset(&m, 0, sizeof(m));
	cr_assert_not(podmeta_parse_pod_dir("shop_web-0_" UID2, UID, &m));
	cr_assert_not(podmeta_parse_pod_dir("_web-0_" UID, UID, &m));
	cr_assert_not(podmeta_parse_pod_dir("shop__" UID, UID, &m));
	cr_assert_not(podmeta_parse_pod_dir("shop-web-0-" UID, UID, &m));
	cr_assert_not(podmeta_parse_pod_dir(UID, UID, &m));
	cr_assert_str_eq(m.pod, "");
}

Test(podmeta, container_log_link_names)
{
	struct pod_meta m = { 0 };

	cr_assert(podmeta_parse_container_log("web-0_shop_app-" ID_A ".log", "web-0", "shop", ID_A,
					      &m));
	cr_assert_str_eq(m.container, "app");
	memset(&m, 0, sizeof(m));
	cr_assert_not(podmeta_parse_container_log("web-0_shop_app-" ID_B ".log", "web-0", "shop",
						  ID_A, &m));
	cr_assert_not(podmeta_parse_container_log("web-1_shop_app-" ID_A ".log", "web-0", "shop",
						  ID_A, &m));
	cr_assert_not(
		podmeta_parse_container_log("web-0_shop_-" ID_A ".log", "web-0", "shop", ID_A, &m));
	cr_assert_not(podmeta_parse_container_log("web-0_shop_app-" ID_A ".txt", "web-0", "shop",
						  ID_A, &m));
	cr_assert_str_eq(m.container, "");
}

static struct podmeta_cache *cache(uint32_t max)
{
	struct podmeta_cache *c = podmeta_cache__new(&(struct podmeta_opts){
		.pods_dir = pods, .containers_dir = ctrs, .oci_dirs = dirs, .max_entries = max });

	cr_assert_not_null(c);
	return c;
}

static const struct cgroup_ident ctr_a = { .id = ID_A, .pod_uid = UID, .runtime = CG_RT_CRIO };

/* The kubelet's tree: the pod by its UID, the container by /var/log/containers' link. */
Test(podmeta, from_the_log_tree)
{
	struct podmeta_cache *c = cache(0);
	char link[512];
	const struct pod_meta *m;
	struct podmeta_stats st;

	mkdirs("%s/other_web-1_%s/app", pods, UID2);
	mkdirs("%s/shop_web-0_%s/app", pods, UID);
	mkdirs("%s/shop_web-0_%s/init", pods, UID);
	snprintf(link, sizeof(link), "%s/shop_web-0_%s/app/0.log", pods, UID);
	put(link, "log\n");
	snprintf(link, sizeof(link), "%s/web-0_shop_app-%s.log", ctrs, ID_A);
	cr_assert_eq(symlink("../pods/whatever/app/0.log", link), 0);
	snprintf(link, sizeof(link), "%s/web-0_shop_init-%s.log", ctrs, ID_B);
	cr_assert_eq(symlink("../pods/whatever/init/0.log", link), 0);
	m = podmeta_cache__get(c, &ctr_a);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->ns, "shop");
	cr_assert_str_eq(m->pod, "web-0");
	cr_assert_str_eq(m->container, "app");
	/* Once read, kept: the tree may change, the answer does not. */
	nftw(pods, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	m = podmeta_cache__get(c, &ctr_a);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->container, "app");
	podmeta_cache__stats(c, &st);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.found, 1);
	cr_assert_eq(st.entries, 1);
	podmeta_cache__free(c);
}

/* dockershim's layout: no /var/log/containers link, N.log a link to the runtime's own log. */
Test(podmeta, container_by_the_log_link_target)
{
	struct podmeta_cache *c = cache(0);
	char link[512];
	const struct pod_meta *m;

	mkdirs("%s/shop_web-0_%s/app", pods, UID);
	mkdirs("%s/shop_web-0_%s/sidecar", pods, UID);
	snprintf(link, sizeof(link), "%s/shop_web-0_%s/app/1.log", pods, UID);
	cr_assert_eq(symlink("/var/lib/docker/containers/" ID_B "/" ID_B "-json.log", link), 0);
	snprintf(link, sizeof(link), "%s/shop_web-0_%s/sidecar/0.log", pods, UID);
	cr_assert_eq(symlink("/var/lib/docker/containers/" ID_A "/" ID_A "-json.log", link), 0);
	m = podmeta_cache__get(c, &ctr_a);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->pod, "web-0");
	cr_assert_str_eq(m->container, "sidecar");
	podmeta_cache__free(c);
}

/* The config.json first (the second state directory, a bundle in userdata/); the tree fills in. */
Test(podmeta, oci_first_then_the_log_tree)
{
	struct podmeta_cache *c = cache(0);
	char path[512];
	const struct pod_meta *m;

	mkdirs("%s/%s/userdata", oci2, ID_A);
	snprintf(path, sizeof(path), "%s/%s/userdata/config.json", oci2, ID_A);
	put(path, "{\"annotations\":{\"io.kubernetes.container.name\":\"from-oci\"}}");
	mkdirs("%s/shop_web-0_%s/app", pods, UID);
	m = podmeta_cache__get(c, &ctr_a);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->container, "from-oci");
	cr_assert_str_eq(m->pod, "web-0");
	cr_assert_str_eq(m->ns, "shop");
	podmeta_cache__free(c);
}

/* No pod: a podman container with annotations; one with none, and a host cgroup, give NULL. */
Test(podmeta, container_without_a_pod)
{
	struct podmeta_cache *c = cache(0);
	const struct cgroup_ident b = { .id = ID_B, .runtime = CG_RT_PODMAN },
				  cc = { .id = ID_C, .runtime = CG_RT_PODMAN }, host = { 0 };
	char path[512];
	const struct pod_meta *m;
	struct podmeta_stats st;

	mkdirs("%s/%s", oci, ID_B);
	snprintf(path, sizeof(path), "%s/%s/config.json", oci, ID_B);
	put(path, "{\"annotations\":{\"io.kubernetes.pod.name\":\"p\","
		  "\"io.kubernetes.pod.namespace\":\"n\"}}");
	m = podmeta_cache__get(c, &b);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->pod, "p");
	cr_assert_str_eq(m->ns, "n");
	cr_assert_str_eq(m->container, "");
	cr_assert_null(podmeta_cache__get(c, &cc));
	cr_assert_null(podmeta_cache__get(c, &cc));
	cr_assert_null(podmeta_cache__get(c, &host));
	podmeta_cache__stats(c, &st);
	cr_assert_eq(st.misses, 2);
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.found, 1);
	podmeta_cache__free(c);
}

/* Bounded: more containers than the table holds replace the oldest of their set. */
Test(podmeta, bounded)
{
	struct podmeta_cache *c = cache(4);
	struct podmeta_stats st;

	for (int i = 0; i < 40; i++) {
		struct cgroup_ident id = { .runtime = CG_RT_PODMAN };

		snprintf(id.id, sizeof(id.id), "%064x", i);
		cr_assert_null(podmeta_cache__get(c, &id));
	}
	podmeta_cache__stats(c, &st);
	cr_assert_eq(st.max, 4);
	cr_assert_leq(st.entries, 4);
	cr_assert_eq(st.misses, 40);
	cr_assert_eq(st.evictions, 40 - st.entries);
	podmeta_cache__free(c);
}

/* The directories from the environment when the options do not name them. */
Test(podmeta, directories_from_the_environment)
{
	struct podmeta_cache *c;
	const struct pod_meta *m;

	mkdirs("%s/shop_web-0_%s/app", pods, UID);
	setenv("AT_PODS_LOG_DIR", pods, 1);
	setenv("AT_CONTAINERS_LOG_DIR", ctrs, 1);
	setenv("AT_OCI_STATE_DIRS", oci, 1);
	c = podmeta_cache__new(NULL);
	cr_assert_not_null(c);
	m = podmeta_cache__get(c, &ctr_a);
	cr_assert_not_null(m);
	cr_assert_str_eq(m->pod, "web-0");
	podmeta_cache__free(c);
	unsetenv("AT_PODS_LOG_DIR");
	unsetenv("AT_CONTAINERS_LOG_DIR");
	unsetenv("AT_OCI_STATE_DIRS");
}
