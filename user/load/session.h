/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tracing session: the BPF objects loaded and configured, the traced set of
 * processes, the probes attached, and the reader thread that drains the ring
 * buffer into a record callback.
 */
#ifndef AT_SESSION_H
#define AT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"
#include "spec.h"
#include "stats.h"

/* Called for each record, on the reader thread (or the stopping thread while draining). */
typedef void (*record_fn)(void *ctx, const void *data, size_t size);

struct fd_shadow_bits;

struct session_opts {
	const uint64_t *selected;	     /* syscall bitmap, AT_NR_MAX bits */
	const struct fd_shadow_bits *shadow; /* -y: the fd table's calls (fdtab.h); NULL: none */
	record_fn on_record;		     /* receives every record */
	void (*on_batch)(void *ctx); /* optional: after each batch of records (flush point) */
	void *ctx;		     /* passed to on_record and on_batch */
	size_t ringbuf_bytes;	     /* ring buffer size, power of two, >= page size */
	unsigned str_max;	     /* capture limit per slot, 1..AT_CAP_MAX */
	unsigned poll_ms;	     /* batch window: a record after a busy one waits this */
	bool follow;		     /* trace children forked by traced processes */
	bool stream;		     /* false: statistics only, no syscall records */
	uint8_t status_mask;	     /* AT_STATUS_* of the syscalls that make records; 0: all */
	/* Signal delivery lines (with syscall lines): bit sig - 1 of those wanted; 0: all. */
	uint64_t signal_mask;
	bool no_signals;	     /* -e signal=none: no signal lines */
	unsigned max_procs;	     /* traced-process table size; 0: 8192 */
	unsigned max_thread_state;   /* per-thread state entries (calls in flight); 0: no bound */
	unsigned max_exe_files;	     /* executable inodes exec may match; 0: AT_MAX_TARGET_INODES */
	unsigned max_followed;	     /* processes followed into their files; 0: FOLLOW_MAX_PROCS */
	unsigned max_followed_files; /* files attached for them; 0: FOLLOW_MAX_SITES */
	unsigned max_namespaces;     /* mount namespaces with a verdict; 0: AT_MAX_TARGET_MNTNS */
	unsigned max_candidates;     /* candidates' accounting entries; 0: AT_MAX_PENDING */
	bool syscall_probes;	     /* probe-file syscall probes may be added (their code loads) */
	bool no_func_probes;	     /* no function or USDT probe will be added: not loaded */
	bool exit_only; /* no durations: syscalls seen at sys_exit alone (counted, and streamed) */
	/* -P: only syscalls touching these paths (at most AT_TRACE_PATHS); needs !exit_only. */
	const char (*trace_paths)[AT_STR_MAX];
	unsigned ntrace_paths;
	bool stack; /* -k: every syscall and function record sends its user stack first */
};

/* What the reader saw: records delivered and wakeups that delivered them. */
struct reader_stats {
	uint64_t records;      /* records handed to on_record */
	uint64_t batches;      /* polls that returned at least one record */
	uint64_t last_poll_ns; /* CLOCK_MONOTONIC of the reader's last look at the ring */
	uint64_t unread;       /* bytes in the ring not consumed yet */
};

struct session;

/*
 * Checks what the kernel must offer (BTF, ring buffer, task storage, privileges).
 * Returns 0, or -1 with a one-line reason in err.
 */
int session__check_system(char *err, size_t errlen);

/* Opens, configures and loads the BPF object. NULL with a reason in err. */
struct session *session__open(const struct session_opts *opts, char *err, size_t errlen);
/* Adds a process (tgid) to the traced set. 0 or -errno. */
int session__add_pid(struct session *s, pid_t tgid);
/* Executable file names an exec compares (struct at_name_key): whole names and prefixes. */
struct exec_names {
	const struct at_name_key *v; /* at most AT_MAX_TARGET_NAMES */
	unsigned n;
	uint32_t lens; /* bit L: some entry of v is an L-byte prefix */
	bool any;      /* every exec is a candidate (a name that starts with a wildcard) */
};

/*
 * Sets what an exec must match to join the traced set: command names (at most
 * AT_MAX_TARGET_COMMS), executable inodes (at most session__max_exe_files)
 * and file names (names may be NULL), a match by name being a candidate its
 * record says so of (AT_EXEC_NAME). Replaces the previous sets; empty sets
 * turn matching off. 0 or -errno.
 */
int session__set_exec_targets(struct session *s, const char (*comms)[AT_COMM_LEN], unsigned ncomm,
			      const struct at_inode_key *inodes, unsigned ninodes,
			      const struct exec_names *names);
/*
 * Container and pod targets on or off: every exec in a mount namespace with
 * no verdict yet is a candidate (AT_EXEC_CTR) the reader confirms and gives
 * a verdict (session__set_mntns_verdict); one in a namespace whose verdict is
 * "target" joins (AT_EXEC_MNTNS), and so do the children forked there. The
 * verdicts given before are dropped. Call it before session__set_exec_targets.
 * 0 or -errno.
 */
int session__set_ctr_targets(struct session *s, bool on);
/*
 * A candidate's verdict (an exec the kernel matched by file name or in a
 * container with no verdict yet): what it added to the statistics and
 * counts meanwhile is added to the totals when keep, dropped otherwise, and
 * it is a candidate no more (signals reach it from now on).
 */
void session__settle_pid(struct session *s, pid_t tgid, bool keep);
/*
 * Late additions of candidates settled already (a call that was under way
 * at its verdict): added to the totals unless rejected(ctx, tgid) says the
 * candidate was rejected. For a periodic sweep.
 */
void session__settle_late(struct session *s, bool (*rejected)(void *ctx, pid_t tgid), void *ctx);
/* The verdict on mount namespace mntns (NS_GET_MNTNS_ID's id). 0 or -errno. */
int session__set_mntns_verdict(struct session *s, __u64 mntns, bool target);
/*
 * Every process is traced but the agent's own (targets: all), or, off, only
 * those of the traced map again. 0 or -errno.
 */
int session__trace_all(struct session *s, bool on);
/*
 * Whether processes join the traced set by what they run (all, exe, comm):
 * then a function probe whose file is not on this host is not an error but
 * waits for the processes that have it.
 */
void session__set_open_targets(struct session *s, bool on);
/* Whether every process is traced (session__trace_all). */
bool session__traces_all(const struct session *s);
/* Takes a process out of the traced set (a candidate exec that did not match). 0 or -errno. */
int session__remove_pid(struct session *s, pid_t tgid);
/*
 * Whether a traced process's exec is reported (an AT_EXEC_TRACED record):
 * function probes follow a process into the files of its new image.
 */
void session__report_execs(struct session *s, bool on);
/* How many executable inodes the exec match set holds (limits.exe_files). */
unsigned session__max_exe_files(const struct session *s);
/*
 * Adds a child held before its execve (proc_spawn_held): with exit_only its
 * calls count from the execve on, so the read that held it is not counted.
 * Otherwise the same as session__add_pid. 0 or -errno.
 */
int session__add_held(struct session *s, pid_t tgid);
/*
 * Follows a traced process into its own files: function probes are put on
 * its copy of their file (a container's library, a replaced binary) unless
 * they are on that inode already. session__add_pid does it; all: true
 * processes are handed in by the scan.
 */
void session__follow_pid(struct session *s, pid_t tgid);
struct pf_targets;
/* The targets an exec that matched by file name only is confirmed against. 0 or -ENOMEM. */
int session__set_candidate_targets(struct session *s, const struct pf_targets *t);
struct follow_stats;
/* What following processes holds and did (follow.h). */
void session__follow_stats(struct session *s, struct follow_stats *out);
/* Whether tgid is still in the traced set (the kernel removes it when it exits). */
bool session__has_pid(struct session *s, pid_t tgid);
/* Whether no traced process is left. */
bool session__empty(struct session *s);

/*
 * Whether function probes attach through uprobe_multi links (one per file and
 * probe mode for all the functions one SPEC or probe-file entry matched)
 * rather than one perf uprobe link each.
 */
bool session__uprobe_multi(const struct session *s);
/* Attaches every program; on failure nothing stays attached. 0 or -errno with err. */
int session__attach(struct session *s, char *err, size_t errlen);
/* Starts the reader thread (pipeline/reader.c). 0 or -errno. */
int session__start(struct session *s);
/* Detaches the probes, stops the reader and delivers what is left in the ring buffer. */
void session__stop(struct session *s);
/* Per-syscall statistics summed over CPUs into out[AT_NR_MAX]. 0 or -errno. */
int session__stats(struct session *s, struct at_stat *out);
/* Statistics of function probe id summed over CPUs. 0 or -errno. */
int session__probe_stats(struct session *s, uint32_t id, struct at_stat *out);
/* Loss counters summed over CPUs. 0 or -errno. */
int session__counters(struct session *s, struct at_counters *out);
void session__reader_stats(struct session *s, struct reader_stats *out);
/* Detaches if needed and frees everything. NULL is fine. */
void session__free(struct session *s);

#endif /* AT_SESSION_H */
