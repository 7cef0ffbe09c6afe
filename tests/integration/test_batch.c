// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe files and -u SPECs of many one-function entries: their function
 * probes attached as one batch, one uprobe_multi link per file and mode for
 * all of them. Exact counts, removal of one entry by reload, reloads that add
 * entries, rollback of a reload whose link the kernel refuses, the fallback,
 * and a SIGKILLed agent whose probes must be gone within 2 s (the kernel
 * closes a dead process's links one by one, a grace period each).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "plan.h"
#include "probefile.h"
#include "probes.h"
#include "session.h"
#include "session_priv.h" /* the session's own programs, to count its links alone */
#include "setup.h"
#include "uprobe_multi.h"
#include "uspec.h"

#define MAXR 4096
#define ENOTSUPP_TEXT "the kernel cannot put a uprobe on the instruction there (ENOTSUPP)"

static const struct at_call_rec *recs[MAXR];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A probe file: entries p<first>..p<first+n-1> on fn_<first>..; skip: an entry left out (-1: none). */
static char *entries(int first, int n, int skip, const char *extra)
{
	size_t cap = (size_t)n * 96 + 4096, len = 0;
	char *y = malloc(cap);

	cr_assert_not_null(y);
	len += (size_t)snprintf(y + len, cap - len, "probes:\n");
	for (int i = first; i < first + n; i++)
		if (i != skip)
			len += (size_t)snprintf(y + len, cap - len,
						"  - name: p%d\n    kind: function\n"
						"    attach: ':fn_%03d(int x) -> int'\n",
						i, i);
	snprintf(y + len, cap - len, "%s", extra ? extra : "");
	return y;
}

/* trap_insn's file offset in many, from nm and the section headers. */
static uint64_t trap_off(void)
{
	char cmd[PATH_MAX + 160], line[256];
	unsigned long long addr = 0, vaddr = 0, off = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "nm %s | awk '$3 == \"trap_insn\" { print $1 }'; "
		 "readelf -SW %s | awk '$2 == \".text\" { print $4, $5 }'",
		 build_path("many"), build_path("many"));
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(line, sizeof(line), p));
	cr_assert_eq(sscanf(line, "%llx", &addr), 1, "%s", line);
	cr_assert_not_null(fgets(line, sizeof(line), p));
	cr_assert_eq(sscanf(line, "%llx %llx", &vaddr, &off), 2, "%s", line);
	pclose(p);
	return addr - vaddr + off;
}

/* The session's multi links of each program and its perf links, summed. */
struct links {
	int entry, ret, perf;
};

static struct links links_now(struct session *s)
{
	int ef = bpf_program__fd(s->skel->progs.func_entry);
	int rf = bpf_program__fd(s->skel->progs.func_return);

	return (struct links){ .entry = links_of_prog(ef, AT_BPF_LINK_TYPE_UPROBE_MULTI),
			       .ret = links_of_prog(rf, AT_BPF_LINK_TYPE_UPROBE_MULTI),
			       .perf = links_of_prog(ef, BPF_LINK_TYPE_PERF_EVENT) +
				       links_of_prog(rf, BPF_LINK_TYPE_PERF_EVENT) };
}

/* What the callbacks saw, while the session was there to ask. */
static struct {
	bool multi;
	struct links before, after; /* around the reload */
	int reload_ret;
	char reload_err[1024];
	unsigned nprobes_after;
	int fnum[AT_MAX_PROBES]; /* fn_N of each id, from its name (-1: not an fn_) */
	int fadd[AT_MAX_PROBES]; /* what fn_N adds to its argument: 0xN */
	const char *reload;	 /* the probe file applied at the target's stop */
} seen;

static void note_names(struct session *s)
{
	for (uint32_t id = 0; id < probes__count(s); id++) {
		const char *fn = strstr(probes__get(s, id)->name, ":fn_");

		seen.fnum[id] = fn ? (int)strtol(fn + 4, NULL, 10) : -1;
		seen.fadd[id] = fn ? (int)strtol(fn + 4, NULL, 16) : -1;
	}
}

/* At many's SIGSTOP (between its two rounds): links counted, seen.reload applied. */
static void reload_at_stop(struct session *s, struct plan *plan, pid_t pid, const char *exe)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
	cr_assert(WIFSTOPPED(st), "target status %d", st);
	seen.multi = session__uprobe_multi(s);
	seen.before = links_now(s);
	if (seen.reload)
		seen.reload_ret = plan_reload(s, plan, exe, seen.reload, NULL, seen.reload_err,
					      sizeof(seen.reload_err));
	seen.after = links_now(s);
	seen.nprobes_after = probes__count(s);
	note_names(s);
	cr_assert_eq(kill(pid, SIGCONT), 0);
}

/* many twophase 2 under probe file y, y2 applied at its stop. */
static void run_reload(bool no_multi, const char *y, const char *y2, struct trace *t)
{
	memset(&seen, 0, sizeof(seen));
	seen.reload = y2;
	trace_many("twophase", "2", no_multi, y, &(struct trace_opts){ .running = reload_at_stop },
		   t);
	cr_assert_eq(seen.multi, !no_multi);
	cr_assert_eq(t->lost.orphan_ret, 0);
	cr_assert_eq(t->lost.depth_lost, 0);
	cr_assert_eq(t->lost.rb_lost, 0);
}

/* Probe id's calls: want of them, each returning its argument plus its function's number. */
static void assert_calls(const struct trace *t, uint32_t id, size_t want)
{
	size_t n = trace_calls(t, id, recs, MAXR);

	cr_assert_eq(n, want, "probe %u (fn_%03d): %zu calls, want %zu", id, seen.fnum[id], n,
		     want);
	for (size_t i = 0; i < n; i++) {
		/* Round r passes r: the first two before the stop, the last two after. */
		int arg = (int)(i % 2);

		cr_assert_eq((int)recs[i]->args[0], arg, "probe %u call %zu", id, i);
		cr_assert_eq((int)recs[i]->ret, arg + seen.fadd[id], "probe %u call %zu", id, i);
	}
}

/*
 * 100 one-function entries: one entry link and one return link for them all
 * (there were 200 links, one per entry and mode). A reload drops p3 and adds
 * p100..p109: p3's id goes silent, the others count on through the same two
 * links, and the ten new entries share two new ones.
 */
Test(batch, hundred_entries_are_two_links_and_a_reload_adds_two)
{
	char *y = entries(0, 100, -1, NULL), *y2 = entries(0, 110, 3, NULL);
	struct trace t;

	run_reload(false, y, y2, &t);
	cr_assert_eq(seen.before.entry, 1, "one entry link for 100 entries");
	cr_assert_eq(seen.before.ret, 1, "one return link for 100 entries");
	cr_assert_eq(seen.before.perf, 0);
	cr_assert_eq(seen.reload_ret, 0, "%s", seen.reload_err);
	cr_assert_eq(seen.after.entry, 2, "the old link kept, the ten new entries' one added");
	cr_assert_eq(seen.after.ret, 2);
	cr_assert_eq(seen.after.perf, 0);
	cr_assert_eq(seen.nprobes_after, 110);
	for (uint32_t id = 0; id < 100; id++) {
		cr_assert_eq(seen.fnum[id], (int)id);
		assert_calls(&t, id, id == 3 ? 2 : 4);
	}
	for (uint32_t id = 100; id < 110; id++) {
		cr_assert_eq(seen.fnum[id], (int)id);
		cr_assert_eq(trace_calls(&t, id, recs, MAXR), 2, "probe %u", id);
		cr_assert_eq((int)recs[0]->ret, seen.fadd[id]);
		cr_assert_eq((int)recs[1]->ret, 1 + seen.fadd[id]);
	}
	cr_assert_eq(t.pcounts[3].hits, 2, "p3 silent after its removal");
	cr_assert_eq(t.pcounts[4].hits, 4);
	trace_free(&t);
	free(y);
	free(y2);
}

/* Without uprobe_multi: a link pair per probe, the same counts. */
Test(batch, fallback_has_a_link_pair_per_entry_and_the_same_counts, .timeout = 60)
{
	char *y = entries(0, 10, -1, NULL), *y2 = entries(0, 12, 3, NULL);
	struct trace t;

	run_reload(true, y, y2, &t);
	cr_assert_eq(seen.before.entry + seen.before.ret, 0);
	cr_assert_eq(seen.before.perf, 20);
	cr_assert_eq(seen.reload_ret, 0, "%s", seen.reload_err);
	cr_assert_eq(seen.after.perf, 20 - 2 + 4);
	for (uint32_t id = 0; id < 10; id++)
		assert_calls(&t, id, id == 3 ? 2 : 4);
	for (uint32_t id = 10; id < 12; id++)
		cr_assert_eq(trace_calls(&t, id, recs, MAXR), 2, "probe %u", id);
	trace_free(&t);
	free(y);
	free(y2);
}

/*
 * A reload adding 20 entries and one the kernel refuses (a uprobe on int3,
 * only known when the link is made, after every entry resolved): the return
 * link made for the 20 is closed again, their ids removed, the error names the
 * entry, and the 100 entries run on with their two links.
 */
Test(batch, reload_with_a_refused_entry_rolls_the_whole_batch_back)
{
	char *y = entries(0, 100, -1, NULL);
	char *y2 = entries(0, 120, -1,
			   "  - name: bad\n    kind: function\n    attach: ':trap_insn@entry'\n");
	struct trace t;
	char want[512];

	run_reload(false, y, y2, &t);
	cr_assert_eq(seen.before.entry, 1);
	cr_assert_eq(seen.before.ret, 1);
	cr_assert_neq(seen.reload_ret, 0);
	snprintf(want, sizeof(want), "probe 'bad': attaching to many:trap_insn at 0x%llx in %s: %s",
		 (unsigned long long)trap_off(), build_path("many"), ENOTSUPP_TEXT);
	cr_assert_str_eq(seen.reload_err, want);
	cr_assert_eq(seen.after.entry, 1, "rolled back");
	cr_assert_eq(seen.after.ret, 1, "rolled back: the 20 entries' return link closed");
	cr_assert_eq(seen.after.perf, 0);
	/* The 21 ids were handed out, and all removed. */
	cr_assert_eq(seen.nprobes_after, 121);
	for (uint32_t id = 0; id < 100; id++) {
		cr_assert_eq(seen.fnum[id], (int)id);
		assert_calls(&t, id, 4);
	}
	for (uint32_t id = 100; id < 121; id++)
		cr_assert_eq(trace_calls(&t, id, recs, MAXR), 0, "probe %u", id);
	trace_free(&t);
	free(y);
	free(y2);
}

/* The API at many's stop: a batch committed without one of its probes, one cancelled. */
static struct {
	struct links before, after_commit, after_cancel;
	int commit, cancelled, removed_pending, begin_twice;
	char err[256];
	uint32_t first; /* the first batch's first id */
} api;

static void batch_at_stop(struct session *s, struct plan *plan, pid_t pid, const char *exe)
{
	struct resolve_scope pc = { .exe = exe };
	uint32_t ids[16];
	struct uspec u;
	int st;

	(void)plan;
	cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
	cr_assert(WIFSTOPPED(st), "target status %d", st);
	api.before = links_now(s);
	/* fn_010..fn_019 in a batch; one removed before the commit is left out of its links. */
	cr_assert_eq(probes__batch_begin(s), 0);
	api.begin_twice = probes__batch_begin(s);
	cr_assert_eq(uspec_parse(":fn_01*(int x) -> int", &u, api.err, sizeof(api.err)), 0);
	cr_assert_eq(probes__add(s, &u, &pc, ids, 16, api.err, sizeof(api.err)), 10, "%s", api.err);
	api.first = ids[0];
	api.removed_pending = probes__remove(s, ids[4]);
	api.commit = probes__batch_commit(s, api.err, sizeof(api.err));
	api.after_commit = links_now(s);
	/* fn_020..fn_029, cancelled before its links: -EINTR, all ten removed. */
	cr_assert_eq(probes__batch_begin(s), 0);
	cr_assert_eq(uspec_parse(":fn_02*(int x) -> int", &u, api.err, sizeof(api.err)), 0);
	cr_assert_eq(probes__add(s, &u, &pc, ids, 16, api.err, sizeof(api.err)), 10, "%s", api.err);
	setup_cancel();
	api.cancelled = probes__batch_commit(s, api.err, sizeof(api.err));
	setup_reset();
	api.after_cancel = links_now(s);
	for (uint32_t k = 0; k < 10; k++)
		cr_assert(probes__get(s, ids[k])->removed, "id %u", ids[k]);
	note_names(s);
	cr_assert_eq(kill(pid, SIGCONT), 0);
}

Test(batch, api_commit_leaves_out_removed_probes_and_a_cancelled_commit_rolls_back)
{
	char *y = entries(0, 10, -1, NULL);
	struct trace t;

	memset(&api, 0, sizeof(api));
	memset(&seen, 0, sizeof(seen));
	trace_many("twophase", "1", false, y, &(struct trace_opts){ .running = batch_at_stop }, &t);
	cr_assert_eq(api.begin_twice, -EBUSY);
	cr_assert_eq(api.removed_pending, 0);
	cr_assert_eq(api.commit, 0, "%s", api.err);
	cr_assert_eq(api.cancelled, -EINTR);
	cr_assert_str_eq(api.err, "interrupted while attaching");
	cr_assert_eq(api.before.entry, 1);
	cr_assert_eq(api.after_commit.entry, 2);
	cr_assert_eq(api.after_commit.ret, 2);
	cr_assert_eq(api.after_cancel.entry, 2, "the cancelled batch made no link");
	cr_assert_eq(api.after_cancel.ret, 2);
	cr_assert_eq(api.first, 10);
	/* The file's ten: both rounds; the batch's nine: the second; the removed one: none. */
	for (uint32_t id = 0; id < 10; id++)
		cr_assert_eq(trace_calls(&t, id, recs, MAXR), 2, "probe %u", id);
	for (uint32_t id = 10; id < 30; id++) {
		size_t n = trace_calls(&t, id, recs, MAXR);

		cr_assert_eq(n, id < 20 && id != 14 ? 1 : 0, "probe %u: %zu calls", id, n);
		if (n)
			cr_assert_eq((int)recs[0]->ret, seen.fadd[id], "probe %u", id);
	}
	trace_free(&t);
	free(y);
}

/* What a run of agent-trace held when it was ready, and how fast it went when SIGKILLed. */
struct killed {
	int multi, multi_ret, perf; /* its links by type, from its fdinfo */
	double reaped_s;	    /* SIGKILL to waitpid */
	double gone_s;		    /* SIGKILL to the last of its links gone */
	int left;		    /* its links still there after 30 s */
};

static bool file_has(const char *path, const char *needle)
{
	char *s = slurp(path);
	bool has = strstr(s, needle) != NULL;

	free(s);
	return has;
}

/* What own_links() gathers from one fdinfo line after another. */
struct own {
	__u32 *ids;
	unsigned n, max;
	struct killed *k;
};

static void own_line(void *ctx, const char *line)
{
	struct own *o = ctx;
	char type[64];
	__u32 id;

	if (sscanf(line, "link_type: %63s", type) == 1) {
		o->k->multi += !strcmp(type, "uprobe_multi");
		o->k->multi_ret += !strcmp(type, "uretprobe_multi");
		o->k->perf += !strcmp(type, "perf");
	}
	if (sscanf(line, "link_id: %u", &id) == 1 && o->n < o->max)
		o->ids[o->n++] = id;
}

/* The BPF links pid holds, from its fds' fdinfo: ids into ids, counts by type into k. */
static unsigned own_links(pid_t pid, __u32 *ids, unsigned max, struct killed *k)
{
	struct own o = { .ids = ids, .max = max, .k = k };

	fdinfo_lines(pid, own_line, &o);
	return o.n;
}

static int alive(const __u32 *ids, unsigned n)
{
	int left = 0;

	for (unsigned i = 0; i < n; i++) {
		int fd = bpf_link_get_fd_by_id(ids[i]);

		if (fd >= 0) {
			left++;
			close(fd);
		}
	}
	return left;
}

/*
 * agent-trace ARGS -- many wait 1: once many says "ready" (set-up done), its
 * links are counted and agent-trace is SIGKILLed; then timed until reaped and
 * until its links are gone. many then reads EOF and exits.
 */
static void run_and_kill(char **args, struct killed *k)
{
	char outf[64], errf[64], *argv[64] = { (char *)build_path("agent-trace") };
	__u32 ids[4096];
	unsigned argc = 1, n;
	int in[2], st = 0;
	double t0;
	pid_t ap;

	memset(k, 0, sizeof(*k));
	while (*args) {
		cr_assert_lt(argc, sizeof(argv) / sizeof(argv[0]) - 5, "too many arguments");
		argv[argc++] = *args++;
	}
	argv[argc++] = "--";
	argv[argc++] = (char *)build_path("many");
	argv[argc++] = "wait";
	argv[argc++] = "1";
	snprintf(outf, sizeof(outf), "/tmp/at-batch-%d.out", getpid());
	snprintf(errf, sizeof(errf), "/tmp/at-batch-%d.err", getpid());
	cr_assert_eq(pipe(in), 0);
	ap = fork();
	cr_assert_geq(ap, 0);
	if (!ap) {
		die_with_test();
		int o = open(outf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(in[0], 0);
		dup2(o, 1);
		dup2(e, 2);
		close(in[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	t0 = now_s();
	while (!(access(outf, F_OK) == 0 && file_has(outf, "ready\n")) && now_s() - t0 < 60) {
		if (waitpid(ap, &st, WNOHANG) == ap)
			cr_assert_fail("agent-trace ended (status %d): %s", st, slurp(errf));
		usleep(5000);
	}
	cr_assert(file_has(outf, "ready\n"), "not ready in 60 s: %s", slurp(errf));
	n = own_links(ap, ids, 4096, k);
	t0 = now_s();
	cr_assert_eq(kill(ap, SIGKILL), 0);
	while (waitpid(ap, &st, WNOHANG) != ap)
		usleep(2000);
	k->reaped_s = now_s() - t0;
	while ((k->left = alive(ids, n)) && now_s() - t0 < 30)
		usleep(2000);
	k->gone_s = now_s() - t0;
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "agent status %d", st);
	/* many reads EOF and ends. */
	close(in[1]);
	unlink(outf);
	unlink(errf);
}

/* A probe file at path: n one-function entries on fn_000.., then the globs. */
static void write_file(const char *path, int n, const char *const *globs)
{
	char *y = entries(0, n, -1, NULL);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(y, f);
	for (int i = 0; globs && globs[i]; i++)
		fprintf(f, "  - name: g%d\n    kind: function\n    attach: ':%s(int x) -> int'\n",
			i, globs[i]);
	cr_assert_eq(fclose(f), 0);
	free(y);
}

static void sigkill_file(int n, const char *const *globs, int probes)
{
	char path[64];
	struct killed k;

	fallback(false);
	snprintf(path, sizeof(path), "/tmp/at-batch-%d.yaml", getpid());
	write_file(path, n, globs);
	run_and_kill((char *[]){ "-q", "-c", "-C", path, NULL }, &k);
	unlink(path);
	cr_log_info("%d probes in %d entries: reaped %.3f s, links gone %.3f s", probes,
		    n + (globs ? 3 : 0), k.reaped_s, k.gone_s);
	cr_assert_eq(k.multi, 1, "one entry link for the whole file");
	cr_assert_eq(k.multi_ret, 1, "one return link for the whole file");
	cr_assert_eq(k.perf, 0);
	cr_assert_eq(k.left, 0, "links left 30 s after the SIGKILL");
	cr_assert_lt(k.gone_s, 2.0, "%d entries' probes gone %.2f s after the SIGKILL", n,
		     k.gone_s);
}

Test(batch, sigkilled_agent_with_100_entries_is_gone_within_2s, .timeout = 120)
{
	sigkill_file(100, NULL, 100);
}

/* 500 probes: 200 one-function entries and three globs of 100 (a file takes 256 entries). */
Test(batch, sigkilled_agent_with_500_probes_is_gone_within_2s, .timeout = 180)
{
	static const char *const globs[] = { "fn_2*", "fn_3*", "fn_4*", NULL };

	sigkill_file(200, globs, 500);
}

/* -u SPECs are one batch too: 20 SPECs, one link per mode, and a SIGKILL is as quick. */
Test(batch, twenty_specs_are_two_links, .timeout = 60)
{
	char *args[48] = { "-q", "-c" }, specs[20][32];
	unsigned argc = 2;
	struct killed k;

	fallback(false);
	for (int i = 0; i < 20; i++) {
		snprintf(specs[i], sizeof(specs[i]), ":fn_%03d(int x)", i);
		args[argc++] = "-u";
		args[argc++] = specs[i];
	}
	args[argc] = NULL;
	run_and_kill(args, &k);
	cr_assert_eq(k.multi, 1);
	cr_assert_eq(k.multi_ret, 1);
	cr_assert_eq(k.perf, 0);
	cr_assert_eq(k.left, 0);
	cr_assert_lt(k.gone_s, 2.0, "gone %.2f s after the SIGKILL", k.gone_s);
}

/*
 * agent-trace ARGS -p PID on a running many, which maps the file: a uprobe
 * on int3 is refused when the link is made, not only once a process maps it.
 */
static int run_on_many(char **args, char **out, char **err)
{
	char *target[] = { (char *)build_path("many"), "sleep", "30", NULL };
	char *argv[32] = { (char *)build_path("agent-trace") }, pid[16], exe[PATH_MAX] = "",
	     link[64];
	unsigned argc = 1;
	pid_t tp = spawn_logged(target, "/dev/null", "/dev/null");
	ssize_t n;
	int st;

	/* Mapped once it has exec'd: its exe link names many. */
	snprintf(link, sizeof(link), "/proc/%d/exe", tp);
	for (int i = 0; i < 1000; i++) {
		n = readlink(link, exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		if (!strcmp(exe, build_path("many")))
			break;
		usleep(1000);
	}
	cr_assert_str_eq(exe, build_path("many"));
	snprintf(pid, sizeof(pid), "%d", tp);
	while (*args)
		argv[argc++] = *args++;
	argv[argc++] = "-p";
	argv[argc++] = pid;
	argv[argc] = NULL;
	st = run_capture(argv, out, err);
	kill(tp, SIGKILL);
	waitpid(tp, NULL, 0);
	return st;
}

/* Exact counts through the CLI: 100 entries' table lines, and a refused entry at set-up. */
Test(batch, cli_counts_each_entry_and_refuses_a_bad_one_whole, .timeout = 60)
{
	char path[64], *out, *err, want[512];
	FILE *f;
	int st;

	fallback(false);
	snprintf(path, sizeof(path), "/tmp/at-batch-cli-%d.yaml", getpid());
	write_file(path, 100, NULL);
	st = run_capture((char *[]){ (char *)build_path("agent-trace"), "-q", "-c", "-C", path,
				     "--", (char *)build_path("many"), "calls", "3", NULL },
			 &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, err);
	cr_assert_eq(count_lines(out, "] hits 3, filtered 0, events 0,"), 100, "%s", out);
	free(out);
	free(err);
	/* The same file and an entry on int3, with -p: many is mapped, so the kernel refuses. */
	f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("  - name: bad\n    kind: function\n    attach: ':trap_insn@entry'\n", f);
	cr_assert_eq(fclose(f), 0);
	st = run_on_many((char *[]){ "-q", "-c", "-C", path, NULL }, &out, &err);
	unlink(path);
	snprintf(want, sizeof(want),
		 "agent-trace: %s: probe 'bad': attaching to many:trap_insn at 0x%llx in %s: %s\n",
		 path, (unsigned long long)trap_off(), build_path("many"), ENOTSUPP_TEXT);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, err);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);

	/* A -u SPEC refused with the others: named as the command line gave it. */
	st = run_on_many((char *[]){ "-q", "-c", "-u", ":fn_001(int x)", "-u", ":trap_insn@entry",
				     NULL },
			 &out, &err);
	snprintf(
		want, sizeof(want),
		"agent-trace: probe ':trap_insn': attaching to many:trap_insn at 0x%llx in %s: %s\n",
		(unsigned long long)trap_off(), build_path("many"), ENOTSUPP_TEXT);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d: %s", st, err);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);
}

/* Two entries on one function share one link, the offset in it twice: each counts every call. */
Test(batch, two_entries_on_one_function_each_count_every_call, .timeout = 60)
{
	char path[64], *out, *err;
	int st;

	fallback(false);
	tmp_name(path, sizeof(path), "batch-dup", "yaml");
	write_text(path, "probes:\n"
			 "  - {name: a, kind: function, attach: ':fn_001(int x) -> int'}\n"
			 "  - {name: b, kind: function, attach: ':fn_001(int x) -> int'}\n"
			 "  - {name: c, kind: function, attach: ':fn_00*(int x) -> int'}\n");
	st = run_capture((char *[]){ (char *)build_path("agent-trace"), "-q", "-c", "-C", path,
				     "--", (char *)build_path("many"), "calls", "3", NULL },
			 &out, &err);
	unlink(path);
	expect_ok_lines(st, out, err,
			(const struct nlines[]){ { "[a] hits 3, filtered 0,", 1 },
						 { "[b] hits 3, filtered 0,", 1 },
						 { "[c] hits 3, filtered 0,", 10 },
						 { "many:fn_001 ", 3 },
						 {} });
}
