// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Container names and images: CRI annotations, containers/storage, docker, looked up in fixture trees. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrmeta.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* Two entries, the second one's metadata a JSON string with escapes, as podman writes it. */
static const char storage[] =
	"[{\"id\":\"" ID_A "\",\"names\":[\"other\"],\"image\":\"1477\","
	"\"metadata\":\"{\\\"image-name\\\":\\\"localhost/other:1\\\",\\\"name\\\":\\\"other\\\"}\"},\n"
	" {\"id\":\"" ID_B
	"\",\"names\":[\"webx\",\"alias\"],\"image\":\"1477\",\"layer\":\"0ea7\","
	"\"metadata\":\"{\\\"image-name\\\":\\\"localhost/myimg:v3\\\",\\\"image-id\\\":\\\"1477\\\","
	"\\\"name\\\":\\\"webx\\\",\\\"created-at\\\":1796218965}\","
	"\"created\":\"2026-12-02T13:42:45Z\",\"flags\":{\"MountLabel\":\"\"}}]";

Test(ctrmeta, storage_entry_of_the_id)
{
	struct ctr_meta m = { 0 };

	cr_assert(ctrmeta_parse_storage(storage, strlen(storage), ID_B, &m));
	cr_expect_str_eq(m.name, "webx");
	cr_expect_str_eq(m.image, "localhost/myimg:v3");
	m = (struct ctr_meta){ 0 };
	cr_assert(ctrmeta_parse_storage(storage, strlen(storage), ID_A, &m));
	cr_expect_str_eq(m.name, "other");
	cr_expect_str_eq(m.image, "localhost/other:1");
	m = (struct ctr_meta){ 0 };
	cr_expect_not(ctrmeta_parse_storage(storage, strlen(storage), ID_C, &m));
	cr_expect_str_eq(m.name, "");
	/* Not JSON, or cut short: nothing, no crash. */
	cr_expect_not(ctrmeta_parse_storage("[{\"id\":", 7, ID_B, &m));
	cr_expect_not(ctrmeta_parse_storage("{{{{", 4, ID_B, &m));
}

Test(ctrmeta, cri_annotations)
{
	static const char containerd[] =
		"{\"ociVersion\":\"1.1.0\",\"process\":{\"env\":[\"A=1\"]},\"annotations\":{"
		"\"io.kubernetes.cri.container-type\":\"container\","
		"\"io.kubernetes.cri.container-name\":\"checkout\","
		"\"io.kubernetes.cri.image-name\":\"registry.example/shop/checkout:2.4\"}}";
	static const char crio[] =
		"{\"annotations\":{\"io.kubernetes.container.name\":\"web\","
		"\"io.kubernetes.cri-o.ImageName\":\"docker.io/library/nginx:1.25\"},"
		"\"mounts\":[{\"destination\":\"/proc\"}]}";
	static const char podman[] = "{\"annotations\":{\"io.container.manager\":\"libpod\"}}";
	struct ctr_meta m = { 0 };

	cr_assert(ctrmeta_parse_oci(containerd, strlen(containerd), &m));
	cr_expect_str_eq(m.name, "checkout");
	cr_expect_str_eq(m.image, "registry.example/shop/checkout:2.4");
	m = (struct ctr_meta){ 0 };
	cr_assert(ctrmeta_parse_oci(crio, strlen(crio), &m));
	cr_expect_str_eq(m.name, "web");
	cr_expect_str_eq(m.image, "docker.io/library/nginx:1.25");
	m = (struct ctr_meta){ 0 };
	cr_expect_not(ctrmeta_parse_oci(podman, strlen(podman), &m));
}

Test(ctrmeta, docker_config)
{
	static const char cfg[] =
		"{\"ID\":\"" ID_C "\",\"Name\":\"/api\",\"Config\":{\"Hostname\":\"x\","
		"\"Image\":\"myorg/api:7\",\"Labels\":{\"Image\":\"not this\"}},\"Image\":\"sha256:12\"}";
	struct ctr_meta m = { 0 };

	cr_assert(ctrmeta_parse_docker(cfg, strlen(cfg), &m));
	cr_expect_str_eq(m.name, "api");
	cr_expect_str_eq(m.image, "myorg/api:7");
}

Test(ctrmeta, too_long_values_are_left_out)
{
	char text[1024];
	struct ctr_meta m = { 0 };

	snprintf(text, sizeof(text), "{\"Name\":\"/%0300d\",\"Config\":{\"Image\":\"i:1\"}}", 7);
	cr_assert(ctrmeta_parse_docker(text, strlen(text), &m));
	cr_expect_str_eq(m.name, "");
	cr_expect_str_eq(m.image, "i:1");
}

/* The lookup across a tree: storage in the second state dir, docker's own dir. */
Test(ctrmeta, lookup_in_the_node_files)
{
	char base[64], path[512], dirs[300];
	struct ctr_meta m;
	FILE *f;

	snprintf(base, sizeof(base), "/tmp/at-ctrmeta.%d", getpid());
	snprintf(path, sizeof(path), "mkdir -p %s/oci/%s %s/store %s/docker/%s", base, ID_A, base,
		 base, ID_C);
	cr_assert_eq(system(path), 0);
	snprintf(path, sizeof(path), "%s/oci/%s/config.json", base, ID_A);
	cr_assert((f = fopen(path, "w")));
	fputs("{\"annotations\":{\"io.kubernetes.cri.container-name\":\"sidecar\"}}", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/store/containers.json", base);
	cr_assert((f = fopen(path, "w")));
	fputs(storage, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/docker/%s/config.v2.json", base, ID_C);
	cr_assert((f = fopen(path, "w")));
	fputs("{\"Name\":\"/api\",\"Config\":{\"Image\":\"myorg/api:7\"}}", f);
	fclose(f);
	snprintf(dirs, sizeof(dirs), "%s/oci:%s/store", base, base);
	snprintf(path, sizeof(path), "%s/docker", base);

	/* The annotation's name stays, the storage's image fills in. */
	cr_assert(ctrmeta_lookup(dirs, path, ID_A, &m));
	cr_expect_str_eq(m.name, "sidecar");
	cr_expect_str_eq(m.image, "localhost/other:1");
	cr_assert(ctrmeta_lookup(dirs, path, ID_B, &m));
	cr_expect_str_eq(m.name, "webx");
	cr_assert(ctrmeta_lookup(dirs, path, ID_C, &m));
	cr_expect_str_eq(m.name, "api");
	cr_expect_str_eq(m.image, "myorg/api:7");
	cr_expect_not(ctrmeta_lookup(dirs, path,
				     "dddddddddddddddddddddddddddddddddddddddddddddddd"
				     "dddddddddddddddd",
				     &m));
	snprintf(path, sizeof(path), "rm -rf %s", base);
	cr_assert_eq(system(path), 0);
}
