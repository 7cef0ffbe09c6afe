/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Integration harness: trace a target with the real BPF programs, keep every record. */
#ifndef AT_HARNESS_H
#define AT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"
#include "stats.h"

struct session;
struct plan;

struct trace {
	struct at_call_rec *recs; /* every syscall record, in arrival order */
	uint64_t *read_ns;	  /* CLOCK_MONOTONIC when the reader handed recs[i] on */
	size_t nrecs, cap;
	struct at_proc_rec procs[64]; /* fork and exit records */
	size_t nprocs;
	struct at_stat *stats; /* kernel statistics, AT_NR_MAX */
	struct at_counters lost;
	struct at_stat pstats[8];	   /* statistics of probe ids 0..7 */
	struct at_probe_counts pcounts[8]; /* what happened to the hits of probe ids 0..7 */
	unsigned nprobes;		   /* probes attached */
	uint64_t batches;		   /* reader wakeups that found records, before the stop */
	pid_t pid;			   /* the traced command */
	int status;			   /* its wait status */
};

struct trace_opts {
	const char *select;	/* -e expression, NULL for all */
	bool follow;		/* -f */
	bool summary_only;	/* statistics only, no syscall records (-c) */
	bool exit_only;		/* no durations: sys_exit alone, as the CLI without -T */
	unsigned poll_ms;	/* the reader's longest wait without a wakeup; 0: 5 */
	size_t ringbuf_bytes;	/* the ring buffer's size, a power of two; 0: 4 MiB */
	unsigned str_max;	/* 0: 64 */
	const char *uprobes[4]; /* -u SPECs, probe ids 0..3 in order */
	bool remove_first;	/* remove probe 0 before the target runs */
	/* Called once when the target stops itself (SIGSTOP), then it is continued. */
	void (*on_stop)(struct session *s, const char *exe);
	bool no_syscalls;	/* trace no syscalls of its own (probe files add theirs) */
	const char *probe_file; /* probe-file text, applied before the target runs */
	/* Called once the target runs, on the test's thread, with the applied plan. */
	void (*running)(struct session *s, struct plan *plan, pid_t pid, const char *exe);
};

struct plan_diff;

/*
 * Applies probe-file text y to a running session as a reload (scope: the target
 * exe; what changed into d unless NULL). y must parse; returns plan_apply's 0 or
 * -errno, its message in err.
 */
int plan_reload(struct session *s, struct plan *plan, const char *exe, const char *y,
		struct plan_diff *d, char *err, size_t size);

/* Records of type (0: any) and probe id, and the count of them. */
size_t trace_probe_recs(const struct trace *t, uint32_t type, uint32_t probe_id,
			const struct at_call_rec **out, size_t max);

/* Function records of probe id, and the count of them. */
size_t trace_calls(const struct trace *t, uint32_t probe_id, const struct at_call_rec **out,
		   size_t max);

/* Path of a built target (build/targets/NAME) or of the agent-trace binary ("agent-trace"). */
const char *build_path(const char *name);

/* Runs argv held until attached, traces it to its exit. Asserts on setup failures. */
void trace_cmd(char *const argv[], const struct trace_opts *o, struct trace *t);
void trace_free(struct trace *t);

/* on: sessions attach one uprobe link per probe (AT_NO_UPROBE_MULTI), not uprobe_multi. */
void fallback(bool on);
/*
 * Traces many MODE N under probe-file text y with no syscalls of its own, with the
 * hooks of hooks, the fallback on when no_multi; asserts the run exits 0.
 */
void trace_many(const char *mode, const char *n, bool no_multi, const char *y,
		const struct trace_opts *hooks, struct trace *t);

/* Records of syscall `name` from process pid (0: any), and the count of them. */
size_t trace_find(const struct trace *t, const char *name, pid_t pid,
		  const struct at_call_rec **out, size_t max);
/* The captured string of slot i as a NUL-terminated string (static buffer). */
const char *slot_str(const struct at_call_rec *r, int i);

/*
 * In a child the test forked: it is killed when the test's process ends, so a
 * test that fails half-way leaves no tracer or target running behind it.
 */
void die_with_test(void);
/* Starts argv with its stdout and stderr written to the files out and err; returns its pid. */
pid_t spawn_logged(char *const argv[], const char *out, const char *err);

/*
 * Forks a child killed with the test, with a pipe for each of its n (at most 4)
 * fds: fd 0 it reads, the others it writes; the parent gets the other ends in
 * ends. Returns the pid (0 in the child, which then execs).
 */
pid_t fork_piped(const int *fds, int *ends, int n);
/*
 * Starts targets/calls wait NCALLS: it says ready, then waits on its stdin to make
 * NCALLS getppid calls. Returns its pid; *release_fd is the pipe that releases it.
 */
pid_t start_waiting_target(int *release_fd, const char *ncalls);

/* Runs a command line to completion, capturing stdout and stderr. Returns the wait status. */
int run_capture(char *const argv[], char **out, char **err);

/* needle must stand on n lines of a command's output; why, unless NULL, says what that shows. */
struct nlines {
	const char *needle;
	size_t n;
	const char *why;
};
/*
 * Asserts a command ended with exit 0 (wait status st) and that out has each
 * want (up to one with no needle), then frees out and err.
 */
void expect_ok_lines(int st, char *out, char *err, const struct nlines *want);

/* path = /tmp/agent-trace-TAG.PID.SUFFIX, a test's scratch file. */
void tmp_name(char *buf, size_t size, const char *tag, const char *suffix);
/* The probe file, stdout and stderr a test's command uses: tag's .yaml, .out and .err. */
void tmp_names(const char *tag, char yaml[64], char out[64], char err[64]);
/* Writes (printf) the whole file at path, asserting it could. */
void write_text(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waits up to 10 s for the file at path to hold needle on n lines or more; asserts it does. */
void wait_lines(const char *path, const char *needle, size_t n);
/* Lines of s that contain needle. */
size_t count_lines(const char *s, const char *needle);
/* Runs argv; asserts the exit code and that stderr is exactly msg. */
void expect_error(char *const argv[], int code, const char *msg);

/* The whole file, NUL-terminated (at most 1 MiB). */
char *slurp(const char *path);
/* Calls fn with each line of each of pid's /proc/PID/fdinfo files (its BPF objects say what they are). */
void fdinfo_lines(pid_t pid, void (*fn)(void *ctx, const char *line), void *ctx);
/* Runs a shell command line (printf format); asserts it exits 0. Its stdout, malloc'd. */
char *sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A podman scratch area for a test: /tmp/agent-trace-TAG.PID with its own
 * storage (store, run_dir, tmp_dir for --root, --runroot, --tmpdir) and a
 * containers.conf (runc, cgroupfs, ulimits) in CONTAINERS_CONF. Skips the
 * test when podman or runc is missing; fails it in CI.
 */
void podman_scratch(const char *tag, char dir[64], char store[96], char run_dir[96],
		    char tmp_dir[96]);
/* A TCP port on 127.0.0.1 nothing listens on now (the kernel's pick for port 0). */
int free_port(void);
/* Number of BPF links whose program is named name. */
int links_of(const char *name);
/* Number of BPF links of type (BPF_LINK_TYPE_*, 0: any) whose program is named name. */
int links_of_type(const char *name, uint32_t type);
/* Number of BPF links of type (0: any) of the program prog_fd: one session's own. */
int links_of_prog(int prog_fd, uint32_t type);

/*
 * GET path from 127.0.0.1:port, HTTP/1.0 so the server closes when done:
 * the HTTP status (-1: no connection), the body in *body (malloc'd).
 */
int http_get(int port, const char *path, char **body);
#endif /* AT_HARNESS_H */
