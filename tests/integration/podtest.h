/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Tests with a real container runtime: a podman scratch area (the test's own
 * storage and containers.conf), images built from build outputs, detached
 * containers, and an agent-trace run on a probe file with its /metrics.
 */
#ifndef AT_PODTEST_H
#define AT_PODTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PT_PODMAN "/usr/bin/podman"

struct podtest {
	char dir[64], store[96], run_dir[96], tmp_dir[96];
};

/* The scratch area /tmp/agent-trace-TAG.PID (podman_scratch); skipped without podman. */
void pt_setup(struct podtest *p, const char *tag);
/* Every container and image of it removed, the area too. */
void pt_teardown(struct podtest *p);
/* podman with p's storage and the rest of the command line (printf); asserts exit 0. */
char *pt_podman(const struct podtest *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A rootfs at DIR/NAME-TAG with the binaries bins (space-separated, build
 * paths) in /usr/bin and their libraries at their paths, and extra shell text
 * run in it ($r), imported as localhost/NAME:TAG.
 */
void pt_image(const struct podtest *p, const char *name, const char *tag, const char *bins,
	      const char *extra);
/*
 * podman run -d --network none OPTS IMAGE ARGS (shell words): the
 * container's full id, malloc'd. Its output goes to a file: conmon keeps what
 * it inherited open for the container's life, and a pipe would not end.
 */
char *pt_run(const struct podtest *p, const char *opts, const char *image, const char *args);
/* Waits for a container to end; asserts it exited 0. */
void pt_wait(const struct podtest *p, const char *id);

/* An agent-trace run on a probe file, with --json and --metrics. */
struct pt_agent {
	char yaml[64], out[64], err[64];
	pid_t pid;
	int port;
};
/* Started on probe file text y (tag names its files), waited for until /healthz answers. */
void pt_agent_start(struct pt_agent *a, const char *tag, const char *y);
/* The value of an unlabelled series in /metrics now; -1 if absent. */
long long pt_metric(const struct pt_agent *a, const char *name);
/* Stops it (SIGINT), asserts exit 0: its stdout, its stderr in *err (both malloc'd). */
char *pt_agent_stop(struct pt_agent *a, char **err);

/* Lines of s holding a and (unless NULL) b. */
size_t pt_lines2(const char *s, const char *a, const char *b);
/* "container_id":"ID" as JSON lines put it (one of 4 static buffers). */
const char *pt_cid(const char *id);

#endif /* AT_PODTEST_H */
