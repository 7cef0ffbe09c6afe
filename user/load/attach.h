/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What attach.c (the links) gives probetab.c (the probe table): attaching and detaching probes. */
#ifndef AT_ATTACH_H
#define AT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe;
struct probe_batch;
struct session;

/* Link fds whose last probe went: closed together by close_fds. */
struct fdset {
	int *v;
	size_t n;
};

/* Room for the multi link fds of n probes (each holds at most two). */
void fdset_init(struct fdset *fs, size_t n);
/* Closes fs's fds (close_fds) and frees its room. */
void fdset_close(struct fdset *fs);
/* Closes the link fds of fs, many at once: their grace periods overlap. */
void close_fds(struct fdset *fs);

/* Destroys p's perf links; its multi links' fds go to fs when p held the last reference. */
void destroy_links(struct probe *p, struct fdset *fs);

/*
 * Attaches the n (>= 1) probes of one add, all in one file, their table
 * entries already written: one link (pair) each, or uprobe_multi links they
 * share, or, while a batch is open, none until its commit. 0, or -EINTR
 * (set-up cancelled) / -EIO with err; what was made is for the caller's
 * rollback to undo (destroy_links).
 */
int attach_probes(struct session *s, struct probe **ps, size_t n, char *err, size_t errlen);

/*
 * A uprobe_multi link of the entry (or with ret the return) program on the n
 * offsets of path, each with its cookie (a probe id): one bpf(BPF_LINK_CREATE),
 * since libbpf 1.1 has no call for it. The fd or -errno.
 */
int uprobe_multi_fd(struct session *s, const char *path, const uint64_t *offs,
		    const uint64_t *cookies, size_t n, bool ret);

/*
 * A uprobe_multi link of go_return, an entry-style uprobe, on the n offsets
 * of path (the RET instructions of Go functions), each with its cookie. The
 * fd or -errno.
 */
int go_return_fd(struct session *s, const char *path, const uint64_t *offs, const uint64_t *cookies,
		 size_t n);

/* Frees a batch (probes__batch_begin), its probes left as they are. */
void batch_free(struct probe_batch *b);

#endif /* AT_ATTACH_H */
