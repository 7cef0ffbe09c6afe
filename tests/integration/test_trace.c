// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Syscall tracing through the real BPF programs: targets with known calls,
 * every field of what comes out checked.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "decode_sys.h"
#include "syscalls.h"

#define MAXR 4096

static int nr_of(const char *name)
{
	return syscall_by_name(name);
}

/* Every syscall the kernel counted came out as a record, and nothing was lost. */
static void assert_complete(const struct trace *t)
{
	cr_assert_eq(t->lost.rb_lost, 0);
	cr_assert_eq(t->lost.state_lost, 0);
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		uint64_t n = 0;

		for (size_t i = 0; i < t->nrecs; i++)
			n += t->recs[i].hdr.type == AT_REC_SYSCALL && t->recs[i].nr == nr;
		cr_assert_eq(n, t->stats[nr].count, "syscall %u: %lu records, %lu counted", nr,
			     (unsigned long)n, (unsigned long)t->stats[nr].count);
	}
}

/*
 * The basic target, every field. exit_only: seen at sys_exit alone (the CLI
 * without -T): the same records, without entry times, flagged so.
 */
static void basic_calls(bool exit_only)
{
	char path[64], line[1024], want[512];
	char *argv[] = { (char *)build_path("calls"), "basic", path, "100", NULL };
	const struct at_call_rec *r[MAXR];
	__u16 nodur = exit_only ? AT_CALL_NO_DUR : 0;
	struct trace t;
	size_t n;
	long fd = -1;

	snprintf(path, sizeof(path), "/tmp/agent-trace-basic.%d", getpid());
	trace_cmd(argv, &(struct trace_opts){ .exit_only = exit_only }, &t);
	unlink(path);

	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 3);
	cr_assert(t.nrecs > 5);

	/* Traced from the first instruction: the first record is the execve, which succeeded. */
	cr_assert_eq(t.recs[0].nr, (unsigned)nr_of("execve"));
	cr_assert_eq(t.recs[0].ret, 0);
	cr_assert_eq(t.recs[0].hdr.pid, (unsigned)t.pid);
	cr_assert_str_eq(slot_str(&t.recs[0], 0), argv[0]);
	/* At its exit the registers are the new image's: the path was kept at exec. */
	cr_assert_eq(t.recs[0].flags, exit_only ? AT_CALL_NO_DUR | AT_CALL_ARGS_GONE : 0);
	cr_assert_eq(t.recs[0].slot_arg[0], 0);
	/* argv from the new image, in slot 1, whichever mode: its 4 strings and envp's count. */
	cr_assert_eq(t.recs[0].slot_arg[1], 1);
	cr_assert_eq(((const struct at_argv_head *)t.recs[0].slot[1])->argc, 4);
	cr_assert_geq(((const struct at_argv_head *)t.recs[0].slot[1])->envc, 0);
	decode_args(&t.recs[0], line, sizeof(line));
	snprintf(want, sizeof(want),
		 "\"%s\", [\"%s\", \"basic\", \"/tmp/agent-trace-basic.%d\", "
		 "\"100\"], %s",
		 argv[0], argv[0], getpid(), exit_only ? "? /* " : "0x");
	cr_assert(!strncmp(line, want, strlen(want)), "%s\n%s", line, want);
	cr_assert(strstr(line, " vars */"), "%s", line);
	snprintf(path, sizeof(path), "/tmp/agent-trace-basic.%d", getpid());

	/* The dynamic loader's first openat is seen. */
	n = trace_find(&t, "openat", t.pid, r, MAXR);
	cr_assert_geq(n, 3);
	cr_assert_str_eq(slot_str(r[0], 0), "/etc/ld.so.cache");
	cr_assert_geq(r[0]->ret, 0);

	/* openat(AT_FDCWD, path, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640) = fd */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(slot_str(r[i], 0), path))
			continue;
		cr_assert_eq(fd, -1, "path opened twice");
		cr_assert_eq((int)r[i]->args[0], AT_FDCWD);
		cr_assert_eq(r[i]->args[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
		cr_assert_eq(r[i]->args[3], 0640);
		cr_assert_eq(r[i]->slot_arg[0], 1);
		cr_assert_eq(r[i]->flags, nodur);
		cr_assert_geq(r[i]->ret, 3);
		if (exit_only)
			cr_assert_eq(r[i]->hdr.ts_ns, r[i]->enter_ns);
		else
			cr_assert_geq(r[i]->hdr.ts_ns, r[i]->enter_ns);
		fd = r[i]->ret;
		decode_args(r[i], line, sizeof(line));
		cr_assert(strstr(line, "AT_FDCWD, \"/tmp/agent-trace-basic.") == line, "%s", line);
		cr_assert(strstr(line, "\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640"), "%s", line);
	}
	cr_assert_neq(fd, -1, "openat of %s not seen", path);

	/* The failing open: ENOENT. */
	for (size_t i = 0, seen = 0; i < n; i++) {
		if (strcmp(slot_str(r[i], 0), "/nonexistent/agent-trace"))
			continue;
		cr_assert_eq(++seen, 1);
		cr_assert_eq(r[i]->ret, -ENOENT);
		cr_assert_eq(r[i]->args[2], O_RDONLY);
		decode_ret(r[i], line, sizeof(line));
		cr_assert_str_eq(line, "-1 ENOENT (No such file or directory)");
	}

	/* write(fd, "xxx...", 100) = 100, captured up to the 64-byte limit. */
	n = trace_find(&t, "write", t.pid, r, MAXR);
	cr_assert_eq(n, 1);
	cr_assert_eq((long)r[0]->args[0], fd);
	cr_assert_eq(r[0]->args[2], 100);
	cr_assert_eq(r[0]->ret, 100);
	cr_assert_eq(r[0]->slot_arg[0], 1);
	cr_assert_eq(r[0]->slot_len[0], 64);
	cr_assert_eq(r[0]->flags, nodur);
	cr_assert_eq(r[0]->slot_flags[0], AT_SF_TRUNC);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(r[0]->slot[0][i], 'x');

	/* exit_group(3): reported at entry, no return. */
	n = trace_find(&t, "exit_group", t.pid, r, MAXR);
	cr_assert_eq(n, 1);
	cr_assert_eq(r[0]->args[0], 3);
	cr_assert_eq(r[0]->flags, AT_CALL_NORETURN | nodur);
	cr_assert_eq(&t.recs[t.nrecs - 1], r[0], "exit_group is the last call");

	/* The exit record carries the wait status. */
	cr_assert_eq(t.nprocs, 1);
	cr_assert_eq(t.procs[0].hdr.type, AT_REC_PROC_EXIT);
	cr_assert_eq(t.procs[0].hdr.pid, (unsigned)t.pid);
	cr_assert_eq(t.procs[0].exit_code, 3 << 8);
	cr_assert_str_eq(t.procs[0].comm, "calls");

	/* The kernel's statistics agree with the stream, errors included. */
	assert_complete(&t);
	cr_assert_geq(t.stats[nr_of("openat")].errors, 1);
	cr_assert_eq(t.stats[nr_of("write")].errors, 0);
	cr_assert_eq(t.stats[nr_of("write")].count, 1);
	cr_assert_eq(t.stats[nr_of("exit_group")].count, 1);
	if (exit_only)
		cr_assert_eq(t.stats[nr_of("openat")].total_ns, 0, "no clock without durations");
	else
		cr_assert_gt(t.stats[nr_of("openat")].total_ns, 0);
	trace_free(&t);
}

Test(trace, basic_calls_every_field)
{
	basic_calls(false);
}

Test(trace, basic_calls_every_field_at_exit_alone)
{
	basic_calls(true);
}

/* A read that blocks until another thread writes; exit_only: seen at its exit alone. */
static void blocking_read(bool exit_only)
{
	char *argv[] = { (char *)build_path("calls"), "pipe", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;
	size_t n, reads = 0;

	trace_cmd(argv, &(struct trace_opts){ .select = "read,write", .exit_only = exit_only }, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);

	n = trace_find(&t, "read", t.pid, r, MAXR);
	for (size_t i = 0; i < n; i++) {
		if (r[i]->args[2] != 16)
			continue;
		reads++;
		cr_assert_eq(r[i]->hdr.tid, (unsigned)t.pid, "read by the main thread");
		cr_assert_eq(r[i]->ret, 4);
		cr_assert_eq(r[i]->slot_len[0], 4);
		cr_assert_str_eq(slot_str(r[i], 0), "ping");
		/* It blocked ~200 ms until the other thread wrote. */
		if (exit_only)
			cr_assert_eq(r[i]->flags, AT_CALL_NO_DUR);
		else
			cr_assert_geq(r[i]->hdr.ts_ns - r[i]->enter_ns, 150 * 1000 * 1000ull);
	}
	cr_assert_eq(reads, 1);

	n = trace_find(&t, "write", t.pid, r, MAXR);
	cr_assert_eq(n, 1);
	cr_assert_neq(r[0]->hdr.tid, (unsigned)t.pid, "written by the other thread");
	cr_assert_str_eq(slot_str(r[0], 0), "ping");
	cr_assert_eq(r[0]->ret, 4);
	assert_complete(&t);
	trace_free(&t);
}

Test(trace, blocking_read_pairs_entry_and_exit)
{
	blocking_read(false);
}

Test(trace, blocking_read_at_exit_alone)
{
	blocking_read(true);
}

static void threads_counted(bool exit_only)
{
	char *argv[] = { (char *)build_path("calls"), "threads", NULL };
	const struct at_call_rec *r[MAXR];
	pid_t tids[8] = { 0 };
	int ntids = 0;
	struct trace t;
	size_t n;

	trace_cmd(argv, &(struct trace_opts){ .select = "getppid", .exit_only = exit_only }, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);

	n = trace_find(&t, "getppid", 0, r, MAXR);
	cr_assert_eq(n, 100);
	cr_assert_eq(t.nrecs, 100, "only the selected syscall is traced");
	for (size_t i = 0; i < n; i++) {
		int k;

		cr_assert_eq(r[i]->hdr.pid, (unsigned)t.pid);
		cr_assert_eq(r[i]->ret, getpid(), "getppid returns the test process");
		for (k = 0; k < ntids && tids[k] != (pid_t)r[i]->hdr.tid; k++)
			;
		if (k == ntids) {
			cr_assert_lt(ntids, 4);
			tids[ntids++] = r[i]->hdr.tid;
		}
		cr_assert_neq(r[i]->hdr.tid, (unsigned)t.pid, "called from the worker threads");
	}
	cr_assert_eq(ntids, 4);
	cr_assert_eq(t.stats[nr_of("getppid")].count, 100);
	cr_assert_eq(t.stats[nr_of("getppid")].errors, 0);
	assert_complete(&t);
	trace_free(&t);
}

Test(trace, threads_counted_exactly)
{
	threads_counted(false);
}

Test(trace, threads_counted_exactly_at_exit_alone)
{
	threads_counted(true);
}

Test(trace, summary_only_counts_in_kernel)
{
	char *argv[] = { (char *)build_path("calls"), "threads", NULL };
	const struct at_stat *s;
	struct trace t;
	uint64_t hist = 0;

	trace_cmd(argv, &(struct trace_opts){ .select = "getppid", .summary_only = true }, &t);
	cr_assert_eq(t.nrecs, 0, "no records with -c");
	s = &t.stats[nr_of("getppid")];
	cr_assert_eq(s->count, 100);
	for (int b = 0; b < AT_HIST_BUCKETS; b++)
		hist += s->hist[b];
	cr_assert_eq(hist, 100);
	cr_assert_gt(s->total_ns, 0);
	cr_assert_geq(s->total_ns, s->max_ns);
	/* The exit record still arrives: it ends the trace. */
	cr_assert_eq(t.nprocs, 1);
	trace_free(&t);
}

/*
 * --no-latency: one program at sys_exit, exit and exit_group counted as the
 * thread exits. The counts target's numbers are known (tests/targets/calls.c).
 */
Test(trace, count_only_exact_without_times)
{
	char *argv[] = { (char *)build_path("calls"), "counts", NULL };
	static const struct {
		const char *name;
		uint64_t count, errors;
	} want[] = {
		{ "getppid", 9, 0 },	  { "dup", 5, 3 },    { "kill", 1, 0 },
		{ "rt_sigreturn", 1, 0 }, { "clone3", 3, 0 }, { "exit", 2, 0 },
		{ "exit_group", 1, 0 },	  { "pause", 1, 1 },  { "execve", 1, 0 },
		{ "getpid", 1, 0 },	  { "pipe2", 1, 0 },
	};
	struct trace t;

	trace_cmd(argv, &(struct trace_opts){ .summary_only = true, .exit_only = true }, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status %d", t.status);
	cr_assert_eq(t.nrecs, 0, "no records when counting");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct at_stat *s = &t.stats[nr_of(want[i].name)];

		cr_assert_eq(s->count, want[i].count, "%s: %lu calls", want[i].name,
			     (unsigned long)s->count);
		cr_assert_eq(s->errors, want[i].errors, "%s: %lu errors", want[i].name,
			     (unsigned long)s->errors);
	}
	/* The held read before execve is agent-trace's, not the command's: ld.so's and one. */
	cr_assert_eq(t.stats[nr_of("read")].count, 2);
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++)
		cr_assert(!t.stats[nr].total_ns && !t.stats[nr].max_ns && !t.stats[nr].hist[0],
			  "syscall %u was timed", nr);
	cr_assert_eq(t.nprocs, 1, "the exit record still ends the trace");
	trace_free(&t);
}

/*
 * Streamed at sys_exit alone: one record per counted call, exit from the
 * worker threads and exit_group from the exiting threads' registers,
 * rt_sigreturn by its number, the clone3 children's returns left out.
 */
Test(trace, streamed_at_exit_alone_one_record_per_call)
{
	char *argv[] = { (char *)build_path("calls"), "counts", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;
	size_t n;

	trace_cmd(argv, &(struct trace_opts){ .exit_only = true }, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status %d", t.status);
	assert_complete(&t);
	cr_assert_eq(trace_find(&t, "getppid", 0, r, MAXR), 9);
	cr_assert_eq(trace_find(&t, "rt_sigreturn", 0, r, MAXR), 1);
	n = trace_find(&t, "clone3", 0, r, MAXR);
	cr_assert_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		cr_assert_gt(r[i]->ret, 0, "the parent's return: the new thread's id");
		cr_assert_eq(r[i]->hdr.tid, (unsigned)t.pid);
	}
	n = trace_find(&t, "exit", 0, r, MAXR);
	cr_assert_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		cr_assert_neq(r[i]->hdr.tid, (unsigned)t.pid, "called by the worker threads");
		cr_assert_eq(r[i]->flags, AT_CALL_NORETURN | AT_CALL_NO_DUR);
	}
	n = trace_find(&t, "dup", 0, r, MAXR);
	cr_assert_eq(n, 5);
	for (size_t i = 0, failed = 0; i < n; i++) {
		failed += r[i]->ret == -EBADF;
		if (i == n - 1)
			cr_assert_eq(failed, 3);
	}
	n = trace_find(&t, "pause", 0, r, MAXR);
	cr_assert_eq(n, 1);
	cr_assert_eq(r[0]->ret, -514, "killed inside: ERESTARTNOHAND, never restarted");
	n = trace_find(&t, "exit_group", 0, r, MAXR);
	cr_assert_eq(n, 1);
	cr_assert_eq(r[0]->args[0], 0);
	cr_assert_eq(r[0]->hdr.tid, (unsigned)t.pid);
	for (size_t i = 0; i < t.nrecs; i++) {
		cr_assert_eq(t.recs[i].hdr.pid, (unsigned)t.pid);
		cr_assert(t.recs[i].flags & AT_CALL_NO_DUR);
		cr_assert_eq(t.recs[i].hdr.ts_ns, t.recs[i].enter_ns);
		if (i)
			cr_assert_geq(t.recs[i].hdr.ts_ns,
				      t.recs[i - 1].hdr.ts_ns - 50 * 1000000ull,
				      "records come in about time order");
	}
	trace_free(&t);
}

/*
 * The wakeup policy: records wake the reader each time another wakeup_bytes
 * (256 KiB with the 4 MiB buffer) is written, long before its poll timeout.
 * 20,000 records of 112 bytes, in bursts of 1000 that the reader drains in
 * the gaps (10 ms: ample for a reader built with the sanitizers), cross 8 times; with no wakeups the reader would see them in one
 * batch, at the exit record's wakeup, and woken per record in 20 (a burst).
 */
Test(trace, a_burst_wakes_the_reader_per_wakeup_bytes)
{
	char *argv[] = { (char *)build_path("calls"), "bursts", "20000", "10000", NULL };
	const struct at_call_rec *r[8];
	struct trace t;

	trace_cmd(argv,
		  &(struct trace_opts){ .select = "getppid", .exit_only = true, .poll_ms = 2000 },
		  &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	cr_assert_eq(trace_find(&t, "getppid", 0, r, 8), 20000);
	cr_assert_eq(t.nrecs, 20000, "only getppid is selected");
	cr_assert_eq(r[0]->ret, getpid());
	cr_assert_eq(t.lost.rb_lost, 0);
	cr_assert_geq(t.batches, 4, "%lu batches", (unsigned long)t.batches);
	cr_assert_leq(t.batches, 60, "%lu batches: woken per record?", (unsigned long)t.batches);
	trace_free(&t);
}

/* Counting only the selected calls: exit_group deselected is not counted either. */
Test(trace, count_only_selection)
{
	char *argv[] = { (char *)build_path("calls"), "counts", NULL };
	struct trace t;

	trace_cmd(argv,
		  &(struct trace_opts){
			  .select = "dup,exit", .summary_only = true, .exit_only = true },
		  &t);
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		uint64_t want = nr == (unsigned)nr_of("dup")  ? 5 :
				nr == (unsigned)nr_of("exit") ? 2 :
								0;

		cr_assert_eq(t.stats[nr].count, want, "syscall %u: %lu", nr,
			     (unsigned long)t.stats[nr].count);
	}
	trace_free(&t);
}

Test(trace, exclusion_and_classes)
{
	char path[64];
	char *argv[] = { (char *)build_path("calls"), "basic", path, "10", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;

	snprintf(path, sizeof(path), "/tmp/agent-trace-class.%d", getpid());
	trace_cmd(argv, &(struct trace_opts){ .select = "file" }, &t);
	cr_assert_geq(trace_find(&t, "openat", 0, r, MAXR), 3);
	cr_assert_eq(trace_find(&t, "execve", 0, r, MAXR), 1);
	cr_assert_eq(trace_find(&t, "write", 0, r, MAXR), 0, "write takes no file name");
	cr_assert_eq(trace_find(&t, "close", 0, r, MAXR), 0);
	trace_free(&t);

	trace_cmd(argv, &(struct trace_opts){ .select = "!openat,memory" }, &t);
	unlink(path);
	cr_assert_eq(trace_find(&t, "openat", 0, r, MAXR), 0);
	cr_assert_eq(trace_find(&t, "mmap", 0, r, MAXR), 0);
	cr_assert_eq(trace_find(&t, "write", 0, r, MAXR), 1);
	cr_assert_geq(trace_find(&t, "close", 0, r, MAXR), 1);
	trace_free(&t);
}

static void check_fork(bool follow, bool exit_only)
{
	char *argv[] = { (char *)build_path("calls"), "fork", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;
	pid_t child = 0;
	size_t n;

	trace_cmd(argv, &(struct trace_opts){ .follow = follow, .exit_only = exit_only }, &t);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);

	/* The parent's clone returned the child's pid, and wait4 reaped it. */
	n = trace_find(&t, "clone", t.pid, r, MAXR);
	cr_assert_eq(n, 1);
	child = (pid_t)r[0]->ret;
	cr_assert_gt(child, 0);
	n = trace_find(&t, "wait4", t.pid, r, MAXR);
	cr_assert_eq(n, 1);
	cr_assert_eq(r[0]->ret, child);
	n = trace_find(&t, "openat", t.pid, r, MAXR);
	cr_assert_str_eq(slot_str(r[n - 1], 0), "/nonexistent/parent");

	n = trace_find(&t, "openat", child, r, MAXR);
	if (!follow) {
		cr_assert_eq(n, 0, "without -f the child is not traced");
		for (size_t i = 0; i < t.nrecs; i++)
			cr_assert_eq(t.recs[i].hdr.pid, (unsigned)t.pid);
		cr_assert_eq(t.nprocs, 1);
		trace_free(&t);
		return;
	}
	cr_assert_eq(n, 1);
	cr_assert_str_eq(slot_str(r[0], 0), "/nonexistent/child");
	cr_assert_eq(r[0]->ret, -ENOENT);
	cr_assert_eq(r[0]->hdr.tid, (unsigned)child);
	n = trace_find(&t, "exit_group", child, r, MAXR);
	cr_assert_eq(n, 1);
	cr_assert_eq(r[0]->args[0], 7);
	cr_assert_eq(r[0]->flags, AT_CALL_NORETURN | (exit_only ? AT_CALL_NO_DUR : 0));

	/* fork, child exit (7), parent exit (0), in that order. */
	cr_assert_eq(t.nprocs, 3);
	cr_assert_eq(t.procs[0].hdr.type, AT_REC_PROC_FORK);
	cr_assert_eq(t.procs[0].hdr.pid, (unsigned)child);
	cr_assert_eq(t.procs[0].ppid, (unsigned)t.pid);
	cr_assert_eq(t.procs[1].hdr.type, AT_REC_PROC_EXIT);
	cr_assert_eq(t.procs[1].hdr.pid, (unsigned)child);
	cr_assert_eq(t.procs[1].exit_code, 7 << 8);
	cr_assert_eq(t.procs[2].hdr.pid, (unsigned)t.pid);
	cr_assert_eq(t.procs[2].exit_code, 0);
	assert_complete(&t);
	trace_free(&t);
}

Test(trace, fork_followed_with_f)
{
	check_fork(true, false);
}

Test(trace, fork_followed_with_f_at_exit_alone)
{
	check_fork(true, true);
}

Test(trace, fork_not_followed_without_f)
{
	check_fork(false, false);
}

Test(trace, fork_not_followed_without_f_at_exit_alone)
{
	check_fork(false, true);
}
