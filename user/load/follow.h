/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Following traced processes into their own files. A function probe names
 * its file as the user wrote it ("libc", "/usr/bin/python3", the main
 * executable), and each traced process may have another file by that name:
 * a container's own libc, a binary replaced on disk since the probe went
 * in. So every traced process's files are looked up in its own mount
 * namespace, and each file a probe is not on yet gets the probe's links:
 * once per inode (containers from one image share the layer's inode, and
 * with it one attachment), held by the processes using it, released by a
 * sweep once none of them is left. A thread of its own does it, off the
 * reader's path; the reader only hands it pids and confirms exec candidates.
 */
#ifndef AT_FOLLOW_H
#define AT_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct session;
struct probe;
struct funcs;
struct pf_targets;

/* How often dead processes are swept and their files' links released. */
#define FOLLOW_SWEEP_MS 1000
/* Processes followed at once, files (sites) attached at once, by default (limits.followed,
 * limits.followed_files): past these, counted. */
#define FOLLOW_MAX_PROCS 65536
#define FOLLOW_MAX_SITES 4096
/* Pids waiting for the thread: past this, counted as dropped. */
#define FOLLOW_QUEUE 16384

struct follow_stats {
	uint64_t procs;	   /* processes followed now (the agent's per-process state) */
	uint64_t sites;	   /* files probes were attached to for them, now */
	uint64_t attached; /* files attached since the start */
	uint64_t released; /* files released since the start (no process uses them) */
	uint64_t failed;   /* files a probe could not be attached to */
	uint64_t over;	   /* processes or files past the bounds above */
	uint64_t dropped;  /* pids the queue had no room for */
	uint64_t rejected; /* exec candidates whose path did not match */
};

struct follow;

struct follow *follow_new(struct session *s);
/* Starts the thread. 0 or -errno. */
int follow_start(struct follow *f);
/* Stops the thread and closes every link it made. */
void follow_stop(struct follow *f);
void follow_free(struct follow *f);

/* A process joined the traced set (or, with exec, a traced one exec'ed a new image). */
void follow_pid(struct follow *f, pid_t pid, bool exec);

/* The targets exec candidates (AT_EXEC_NAME) are confirmed against from now on. 0 or -ENOMEM. */
int follow_set_targets(struct follow *f, const struct pf_targets *t);

/*
 * The reader's look at a record before it goes on: process records hand
 * their pid to the thread; a candidate exec is confirmed by path, or its
 * process leaves the traced set. Returns false when the record is not to be
 * passed on (a candidate that did not match and its records, a traced
 * process's exec that only the thread needs, a file a traced process
 * mapped executable: the thread's, when a probe's library short name may
 * stand for it).
 */
bool follow_record(struct follow *f, const void *data, size_t size);

/*
 * The n probes of one add (ps, their functions fs, in the file path they were
 * attached to, "" for none: a file not on this host; go: a Go binary's, whose
 * argument registers the probes read) are followed into every traced
 * process. 0 or -ENOMEM.
 */
int follow_group(struct follow *f, struct probe *const *ps, const struct funcs *fs, size_t n,
		 const char *path, bool go);

void follow_get_stats(struct follow *f, struct follow_stats *st);

#endif /* AT_FOLLOW_H */
