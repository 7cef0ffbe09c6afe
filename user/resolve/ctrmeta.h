/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A container's name and image as its runtime wrote them on the node: no API client. */
/*
 * Three sources, tried in order, each optional:
 *   the OCI config.json of the container (DIR/ID/config.json or
 *     DIR/ID/userdata/config.json in each state directory, as podmeta finds
 *     it): containerd's CRI annotations io.kubernetes.cri.container-name and
 *     .image-name, cri-o's io.kubernetes.container.name and
 *     io.kubernetes.cri-o.ImageName;
 *   containers/storage's DIR/containers.json (podman, cri-o, buildah): the
 *     entry of the id, its first name and its metadata's "image-name";
 *   docker's DOCKER_DIR/ID/config.v2.json: "Name" (its leading '/' dropped)
 *     and "Config": {"Image"}.
 * What none gives is left "".
 */
#ifndef AT_CTRMETA_H
#define AT_CTRMETA_H

#include <stdbool.h>
#include <stddef.h>

#define CTR_NAME_MAX 127
#define CTR_IMAGE_MAX 255

/* AT_DOCKER_DIR overrides it. */
#define CTRMETA_DOCKER_DIR "/var/lib/docker/containers"

struct ctr_meta {
	char name[CTR_NAME_MAX +
		  1]; /* the runtime's name (podman, docker; Kubernetes' container name) */
	char image[CTR_IMAGE_MAX + 1]; /* the image reference it was created from */
};

/* The fields an OCI config.json's annotations name, into out (others left). Whether any was set. */
bool ctrmeta_parse_oci(const char *text, size_t len, struct ctr_meta *out);

/* The entry of container id (64 hex digits) in a containers/storage containers.json. */
bool ctrmeta_parse_storage(const char *text, size_t len, const char *id, struct ctr_meta *out);

/* A docker config.v2.json's Name and Config.Image. */
bool ctrmeta_parse_docker(const char *text, size_t len, struct ctr_meta *out);

/*
 * Container id's name and image from the node's files: oci_dirs is
 * colon-separated (NULL: $AT_OCI_STATE_DIRS, else podmeta's default),
 * docker_dir NULL for $AT_DOCKER_DIR, else CTRMETA_DOCKER_DIR. Each file is
 * read whole, at most 16 MiB. Whether anything was found.
 */
bool ctrmeta_lookup(const char *oci_dirs, const char *docker_dir, const char *id,
		    struct ctr_meta *out);

#endif /* AT_CTRMETA_H */
