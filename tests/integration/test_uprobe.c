// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Function probes through the real uprobe programs: targets with functions
 * called a known number of times; counts, arguments, strings, return values,
 * the failing flag and the kernel statistics checked exactly.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <bpf/libbpf.h>

#include "harness.h"
#include "probes.h"
#include "session.h"
#include "session_priv.h"
#include "uspec.h"

#define MAXR 1024

static char *funcs(void)
{
	return (char *)build_path("funcs");
}

static void assert_clean(const struct trace *t)
{
	cr_assert(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0, "target status %d",
		  t->status);
	cr_assert_eq(t->lost.rb_lost, 0);
	cr_assert_eq(t->lost.depth_lost, 0);
	cr_assert_eq(t->lost.orphan_ret, 0);
	cr_assert_eq(t->lost.state_lost, 0);
}

/* funcs MODE [N] traced with o's probes and hooks (and exit_group, for its end), nothing lost. */
static void trace_funcs(const char *mode, const char *n, struct trace_opts o, struct trace *t)
{
	char *argv[] = { funcs(), (char *)mode, (char *)n, NULL };

	o.select = "exit_group";
	trace_cmd(argv, &o, t);
	assert_clean(t);
}

/* argv traced with one SPEC (and exit_group, for its end), nothing lost: the SPEC's calls in r. */
static size_t trace_spec(char **argv, const char *spec, struct trace *t,
			 const struct at_call_rec **r)
{
	trace_cmd(argv, &(struct trace_opts){ .select = "exit_group", .uprobes = { spec } }, t);
	assert_clean(t);
	return trace_calls(t, 0, r, MAXR);
}

static uint64_t hist_sum(const struct at_stat *s)
{
	uint64_t n = 0;

	for (int b = 0; b < AT_HIST_BUCKETS; b++)
		n += s->hist[b];
	return n;
}

Test(uprobe, plain_function_args_ret_failing)
{
	char *argv[] = { funcs(), "plain", "10", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;
	size_t n;

	n = trace_spec(argv, ":plain(int x) -> int", &t, r);
	cr_assert_eq(n, 11);
	for (size_t i = 0; i < n; i++) {
		int x = i < 10 ? (int)i : -5;

		cr_assert_eq(r[i]->hdr.type, AT_REC_FUNC);
		cr_assert_eq(r[i]->hdr.pid, (unsigned)t.pid);
		cr_assert_eq(r[i]->hdr.tid, (unsigned)t.pid);
		cr_assert_eq((int)r[i]->args[0], x);
		cr_assert_eq((int)r[i]->ret, x < 0 ? -1 : 2 * x);
		cr_assert_eq(!!(r[i]->flags & AT_CALL_FAILING), x < 0, "call %zu", i);
		cr_assert_geq(r[i]->hdr.ts_ns, r[i]->enter_ns);
	}
	cr_assert_eq(t.pstats[0].count, 11);
	cr_assert_eq(t.pstats[0].errors, 1);
	cr_assert_eq(hist_sum(&t.pstats[0]), 11);
	cr_assert_geq(t.pstats[0].total_ns, t.pstats[0].max_ns);
	trace_free(&t);
}

static bool saw_sys_programs;

/* Whether programs run on the syscall tracepoints (none when no syscall is traced). */
static bool traces_syscalls(const struct session *s)
{
	return bpf_program__fd(s->skel->progs.sys_enter) >= 0 ||
	       bpf_program__fd(s->skel->progs.sys_exit_only) >= 0;
}

static void note_sys_programs(struct session *s, struct plan *plan, pid_t pid, const char *path)
{
	(void)plan, (void)pid, (void)path;
	saw_sys_programs = traces_syscalls(s);
}

/*
 * A function probe alone runs nothing on the syscall tracepoints: every
 * uretprobe return is a syscall, which would pay two programs per call.
 */
Test(uprobe, function_probe_alone_leaves_syscalls_alone)
{
	char *argv[] = { funcs(), "plain", "10", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;

	saw_sys_programs = true;
	trace_cmd(argv,
		  &(struct trace_opts){ .no_syscalls = true,
					.uprobes = { ":plain(int x) -> int" },
					.running = note_sys_programs },
		  &t);
	assert_clean(&t);
	cr_assert_not(saw_sys_programs);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 11);
	cr_assert_eq(t.pstats[0].count, 11);
	cr_assert_eq(t.pstats[0].errors, 1);
	for (size_t i = 0; i < t.nrecs; i++)
		cr_assert_neq(t.recs[i].hdr.type, AT_REC_SYSCALL);
	trace_free(&t);

	saw_sys_programs = false;
	trace_cmd(argv,
		  &(struct trace_opts){ .select = "exit_group",
					.uprobes = { ":plain(int x) -> int" },
					.running = note_sys_programs },
		  &t);
	cr_assert(saw_sys_programs);
	trace_free(&t);
}

Test(uprobe, recursion_pairs_innermost_first)
{
	char *argv[] = { funcs(), "fact", "5", NULL };
	const struct at_call_rec *r[MAXR];
	static const long want[] = { 1, 2, 6, 24, 120 };
	struct trace t;

	cr_assert_eq(trace_spec(argv, ":fact(int n) -> long", &t, r), 5);
	for (int i = 0; i < 5; i++) {
		cr_assert_eq((int)r[i]->args[0], i + 1, "returns come innermost first");
		cr_assert_eq(r[i]->ret, want[i]);
		cr_assert_eq(r[i]->flags & AT_CALL_FAILING, 0);
		if (i) {
			/* Each call contains the one it made. */
			cr_assert_leq(r[i]->enter_ns, r[i - 1]->enter_ns);
			cr_assert_geq(r[i]->hdr.ts_ns, r[i - 1]->hdr.ts_ns);
		}
	}
	cr_assert_eq(t.pstats[0].count, 5);
	trace_free(&t);
}

Test(uprobe, threads_never_mix)
{
	char *argv[] = { funcs(), "threads", NULL };
	const struct at_call_rec *r[MAXR];
	unsigned per_x[5] = { 0 };
	struct trace t;
	size_t n;

	n = trace_spec(argv, ":plain(int x) -> int", &t, r);
	cr_assert_eq(n, 100);
	for (size_t i = 0; i < n; i++) {
		int x = (int)r[i]->args[0];

		cr_assert(x >= 1 && x <= 4);
		cr_assert_eq(r[i]->ret, 2 * x, "a return paired with another thread's entry");
		cr_assert_neq(r[i]->hdr.tid, (unsigned)t.pid);
		per_x[x]++;
	}
	for (int x = 1; x <= 4; x++)
		cr_assert_eq(per_x[x], 25);
	trace_free(&t);
}

Test(uprobe, strings_and_pointer_predicates)
{
	const struct at_call_rec *r[MAXR];
	struct trace t;

	trace_funcs("paths", NULL,
		    (struct trace_opts){ .uprobes = { ":check_path(str path, int flags) -> int",
						      ":maybe_alloc(u64 n) -> ptr" } },
		    &t);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 3);
	cr_assert_str_eq(slot_str(r[0], 0), "/ok/one");
	cr_assert_eq(r[0]->args[1], 0x101);
	cr_assert_eq(r[0]->ret, 1);
	cr_assert_eq(r[0]->flags, 0);
	cr_assert_str_eq(slot_str(r[1], 0), "/bad/two");
	cr_assert_eq((int)r[1]->ret, -1);
	cr_assert(r[1]->flags & AT_CALL_FAILING);
	/* Cut at the 64-byte limit, and flagged. */
	cr_assert_eq(r[2]->slot_len[0], 64);
	cr_assert(r[2]->slot_flags[0] & AT_SF_TRUNC);
	cr_assert(!strncmp(slot_str(r[2], 0), "/ok/three-with-a-rather-long-name", 33));
	cr_assert_eq(r[2]->ret, 3);

	cr_assert_eq(trace_calls(&t, 1, r, MAXR), 2);
	cr_assert_eq(r[0]->args[0], 8);
	cr_assert_neq(r[0]->ret, 0);
	cr_assert_eq(r[0]->flags & AT_CALL_FAILING, 0);
	cr_assert_eq(r[1]->args[0], 0);
	cr_assert_eq(r[1]->ret, 0);
	cr_assert(r[1]->flags & AT_CALL_FAILING, "NULL is failing for ptr");
	cr_assert_eq(t.pstats[0].errors, 1);
	cr_assert_eq(t.pstats[1].errors, 1);
	trace_free(&t);
}

Test(uprobe, two_probes_on_one_function_both_see_every_call)
{
	const struct at_call_rec *a[MAXR], *b[MAXR];
	struct trace t;

	trace_funcs("plain", "10",
		    (struct trace_opts){
			    .uprobes = { ":plain(int x) -> int", ":plain(int x) -> int != 0" } },
		    &t);
	cr_assert_eq(trace_calls(&t, 0, a, MAXR), 11);
	cr_assert_eq(trace_calls(&t, 1, b, MAXR), 11);
	for (int i = 0; i < 11; i++) {
		cr_assert_eq(a[i]->args[0], b[i]->args[0]);
		cr_assert_eq(a[i]->ret, b[i]->ret);
	}
	cr_assert_eq(t.pstats[0].errors, 1, "default predicate: < 0");
	cr_assert_eq(t.pstats[1].errors, 10, "!= 0: every call but plain(0)");
	trace_free(&t);
}

Test(uprobe, removing_a_probe_leaves_the_other)
{
	const struct at_call_rec *r[MAXR];
	struct trace t;

	trace_funcs("plain", "10",
		    (struct trace_opts){ .uprobes = { ":plain(int x) -> int", ":plain(int x)" },
					 .remove_first = true },
		    &t);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 0);
	cr_assert_eq(t.pstats[0].count, 0);
	cr_assert_eq(trace_calls(&t, 1, r, MAXR), 11);
	cr_assert_eq(t.pstats[1].count, 11);
	trace_free(&t);
}

Test(uprobe, shared_library_function)
{
	char spec[512];
	char *argv[] = { funcs(), "lib", "10", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;
	int sum = 0;

	snprintf(spec, sizeof(spec), "%s:lib_add(int a, int b) -> int",
		 build_path("libatfuncs.so"));
	cr_assert_eq(trace_spec(argv, spec, &t, r), 10);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq((int)r[i]->args[0], sum);
		cr_assert_eq((int)r[i]->args[1], i);
		sum += i;
		cr_assert_eq((int)r[i]->ret, sum);
	}
	trace_free(&t);
}

Test(uprobe, entry_only_and_return_only)
{
	const struct at_call_rec *r[MAXR];
	struct trace t;

	trace_funcs(
		"plain", "3",
		(struct trace_opts){ .uprobes = { ":plain(int x)@entry", ":plain -> int@return" } },
		&t);
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 4);
	for (int i = 0; i < 4; i++) {
		cr_assert(r[i]->flags & AT_CALL_ENTRY_ONLY);
		cr_assert_eq((int)r[i]->args[0], i < 3 ? i : -5);
	}
	cr_assert_eq(trace_calls(&t, 1, r, MAXR), 4);
	for (int i = 0; i < 4; i++) {
		cr_assert(r[i]->flags & AT_CALL_RETURN_ONLY);
		cr_assert_eq((int)r[i]->ret, i < 3 ? 2 * i : -1);
		cr_assert_eq(!!(r[i]->flags & AT_CALL_FAILING), i == 3);
	}
	trace_free(&t);
}

/* Mid-run: probe 0 removed and probe 2 added while probe 1 keeps counting. */
static void swap_probes(struct session *s, const char *exe)
{
	struct resolve_scope pc = { .exe = exe };
	struct uspec u;
	char err[256];
	uint32_t id;

	cr_assert_eq(probes__remove(s, 0), 0);
	cr_assert_eq(uspec_parse(":plain -> int@return", &u, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(probes__add(s, &u, &pc, &id, 1, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(id, 2);
}

Test(uprobe, probes_added_and_removed_on_a_running_target)
{
	const struct at_call_rec *r[MAXR];
	struct trace t;

	trace_funcs(
		"twophase", "6",
		(struct trace_opts){ .uprobes = { ":plain(int x) -> int", ":plain(int x)@entry" },
				     .on_stop = swap_probes },
		&t);
	cr_assert_eq(t.nprobes, 3);
	cr_assert_eq(t.pstats[0].count, 6);
	cr_assert_eq(t.pstats[1].count, 12);
	cr_assert_eq(t.pstats[2].count, 6);
	/* Probe 0 saw the first phase only, probe 2 the second only, probe 1 both. */
	cr_assert_eq(trace_calls(&t, 0, r, MAXR), 6);
	for (int i = 0; i < 6; i++)
		cr_assert_eq((int)r[i]->args[0], i);
	cr_assert_eq(trace_calls(&t, 1, r, MAXR), 12);
	for (int i = 0; i < 12; i++)
		cr_assert_eq((int)r[i]->args[0], i < 6 ? i : 100 + i - 6);
	cr_assert_eq(trace_calls(&t, 2, r, MAXR), 6);
	for (int i = 0; i < 6; i++) {
		cr_assert(r[i]->flags & AT_CALL_RETURN_ONLY);
		cr_assert_eq((int)r[i]->ret, 2 * (100 + i));
	}
	trace_free(&t);
}

Test(uprobe, go_function_arguments_in_go_registers)
{
	char *argv[] = { (char *)build_path("gofuncs"), "10", NULL };
	const struct at_call_rec *r[MAXR];
	struct trace t;
	long sum = 0;

	cr_assert_eq(trace_spec(argv, ":main.add(long a, long b)@entry", &t, r), 10);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(r[i]->hdr.pid, (unsigned)t.pid);
		cr_assert(r[i]->flags & AT_CALL_ENTRY_ONLY);
		cr_assert_eq((long)r[i]->args[0], sum, "a of call %d (RAX)", i);
		cr_assert_eq((long)r[i]->args[1], i, "b of call %d (RBX)", i);
		sum += i;
	}
	cr_assert_eq(t.pstats[0].count, 10);
	trace_free(&t);
}
