// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The BPF object's lifecycle: open (configure, load, map), attach, stats, free. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "follow.h"
#include "reader.h"
#include "fdtab.h"
#include "session.h"
#include "session_priv.h"
#include "syscalls.h"
#include "sysspec.h"
#include "uprobe_multi.h"
#include "util.h"

/*
 * How func_entry, func_return and usdt_hit read strings and buffers, best first: sleepable with the
 * string kfunc (6.12+), sleepable touching the pages first, or non-sleepable
 * (bpf_probe_read_user: a page not faulted in yet is unreadable).
 */
enum user_reads { READS_COPY_STR, READS_TOUCH, READS_NOFAULT };

/*
 * Whether the kernel has uprobe_multi links (Linux 6.6). A program of that
 * attach type is loaded and linked to "/": a kernel that knows the link type
 * gets as far as the path and refuses a directory with EBADF; one that does
 * not refuses the program or the attach type with EINVAL (or EOPNOTSUPP
 * without uprobes). AT_NO_UPROBE_MULTI=1 forces the per-probe links.
 */
static bool probe_uprobe_multi(void)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = AT_BPF_TRACE_UPROBE_MULTI);
	struct at_uprobe_multi_attr a = {};
	__u64 offset = 0;
	int prog, link, err;

	if (env_flag("AT_NO_UPROBE_MULTI"))
		return false;
	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "at_probe_um", "GPL", insns, 2, &po);
	if (prog < 0)
		return false;
	a.prog_fd = (__u32)prog;
	a.attach_type = AT_BPF_TRACE_UPROBE_MULTI;
	a.path = (__u64)(unsigned long)"/";
	a.offsets = (__u64)(unsigned long)&offset;
	a.cnt = 1;
	link = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	err = errno; /* close() may change it */
	if (link >= 0)
		close(link);
	close(prog);
	return link < 0 && err == EBADF;
}

/* libbpf's printer while a load that may fall back runs: its messages become debug output. */
static libbpf_print_fn_t loud_print;

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return loud_print ? loud_print(LIBBPF_DEBUG, fmt, ap) : 0;
}

/* A loader diagnostic for -v: libbpf's info or debug level, which the CLI shows only with -v. */
static void load_diag(libbpf_print_fn_t print, enum libbpf_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (print)
		print(level, fmt, ap);
	va_end(ap);
}

/* Whether the syscall bitmap selects any syscall (a NULL one selects none). */
static bool any_selected(const uint64_t *selected)
{
	for (unsigned i = 0; selected && i < AT_NR_MAX / 64; i++)
		if (selected[i])
			return true;
	return false;
}

/*
 * The slot kinds of the calls this run records (bit k: kind k), for the
 * programs' slot_kinds: -e's calls and -y's; every kind when probe-file
 * syscall probes may come with a reload.
 */
static __u32 slot_kinds_used(const struct session_opts *o, const struct at_sys_spec *specs)
{
	__u32 m = 0;

	if (o->syscall_probes)
		return ~0u;
	for (unsigned nr = 0; nr < AT_NR_MAX; nr++) {
		bool sel = o->selected && (o->selected[nr / 64] >> (nr % 64) & 1);

		if (!sel && !(o->shadow && (o->shadow->calls[nr / 64] >> (nr % 64) & 1)))
			continue;
		for (unsigned i = 0; i < AT_SLOTS; i++)
			m |= 1u << (specs[nr].slot_kind[i] & 31);
	}
	return m;
}

/* The function probe programs: entries, returns and USDT hits. */
static void set_func_programs(struct agent_trace_bpf *k, bool load, enum user_reads reads,
			      bool multi)
{
	struct bpf_program *sleepers[] = { k->progs.func_entry, k->progs.func_return,
					   k->progs.usdt_hit };
	bool load_mmap;
	int ncpus;

	/* Nothing to verify for probes that will never be added: start-up is shorter. */
	bpf_program__set_autoload(k->progs.func_entry, load);
	bpf_program__set_autoload(k->progs.func_return, load);
	bpf_program__set_autoload(k->progs.go_return, load);
	/*
	 * Go calls in flight: no room is paid for where no probe can be added.
	 * An LRU keeps up to 128 free entries on each CPU's own list and evicts
	 * once the shared list is empty, so those come on top of AT_GO_CALLS.
	 */
	ncpus = libbpf_num_possible_cpus();
	bpf_map__set_max_entries(k->maps.go_calls,
				 load ? AT_GO_CALLS + 128u * (unsigned)(ncpus > 0 ? ncpus : 1) : 1);
	/* A base helper, the same for every program type: probed as a kprobe's. */
	bpf_program__set_autoload(k->progs.go_exit_sweep,
				  load && libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
								  BPF_FUNC_for_each_map_elem,
								  NULL) == 1);
	bpf_program__set_autoload(k->progs.usdt_hit, load);
	/*
	 * Attached by the follower while a probe names its library by short name
	 * (follow.c); they need bpf_find_vma (5.17): without it, not loaded, and
	 * the follower says so when one is needed.
	 */
	load_mmap = load &&
		    libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma, NULL) == 1;
	bpf_program__set_autoload(k->progs.mmap_exec, load_mmap);
	bpf_program__set_autoattach(k->progs.mmap_exec, false);
	bpf_program__set_autoload(k->progs.mmap_exec_raw, load_mmap);
	bpf_program__set_autoattach(k->progs.mmap_exec_raw, false);
	/*
	 * Loaded for uprobe_multi links, the function programs attach any number
	 * of functions of a file in one link, but no longer as perf uprobes:
	 * load() chose which.
	 */
	if (load && multi) {
		bpf_program__set_expected_attach_type(k->progs.func_entry,
						      AT_BPF_TRACE_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(k->progs.func_return,
						      AT_BPF_TRACE_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(k->progs.go_return,
						      AT_BPF_TRACE_UPROBE_MULTI);
	}
	/* The entry programs' flag and the rodata that matches it. */
	k->rodata->sleepable = load && reads != READS_NOFAULT;
	k->rodata->copy_str_kfunc = load && reads == READS_COPY_STR;
	for (unsigned i = 0; i < ARRAY_SIZE(sleepers) && k->rodata->sleepable; i++)
		bpf_program__set_flags(sleepers[i],
				       bpf_program__flags(sleepers[i]) | BPF_F_SLEEPABLE);
}

/*
 * Opens the object and sets it up for this run: read-only settings (fixed
 * before load, folded by the verifier), which programs load and how, map
 * sizes. 0, or -errno with err.
 */
static int configure(struct session *s, bool funcs, enum user_reads reads, char *err, size_t errlen)
{
	const struct session_opts *o = &s->opts;
	struct agent_trace_bpf *k;
	bool sys;
	int ret;

	k = agent_trace_bpf__open();
	if (!k)
		return fail(err, errlen, "opening BPF object: %s", strerror(errno));
	s->skel = k;
	k->rodata->follow_forks = o->follow;
	k->rodata->stream = o->stream;
	k->rodata->status_mask = o->status_mask ? o->status_mask : AT_STATUS_ALL;
	k->rodata->exit_only = o->exit_only;
	k->rodata->stack_all = o->stack && o->stream;
	k->rodata->nr_rt_sigreturn = syscall_by_name("rt_sigreturn");
	k->rodata->nr_rt_sigreturn32 = syscall_next_by_name("rt_sigreturn", AT_NR_COMPAT - 1);
	k->rodata->nr_execve = syscall_by_name("execve");
	k->rodata->nr_execve32 = syscall_next_by_name("execve", AT_NR_COMPAT - 1);
	for (unsigned i = 0; i < o->ntrace_paths && i < AT_TRACE_PATHS; i++) {
		size_t n = strlen(o->trace_paths[i]);

		if (n >= AT_STR_MAX)
			return fail(err, errlen, "-P '%.64s...': longer than %d bytes",
				    o->trace_paths[i], AT_STR_MAX - 1);
		memcpy((char *)k->rodata->trace_paths[i], o->trace_paths[i], n + 1);
		k->rodata->trace_path_len[i] = (__u32)n;
		k->rodata->trace_path_n = i + 1;
	}
	/*
	 * Without durations: one program at sys_exit, no clock at entry, instead
	 * of the entry/exit pair. No syscall selected and no probe file: none.
	 * Each program on the syscall tracepoints runs for every syscall of every
	 * process, and a uretprobe's return is a syscall (uretprobe) itself: with
	 * them attached, a function probe alone paid two programs per return.
	 */
	sys = o->syscall_probes || any_selected(o->selected);
	bpf_program__set_autoload(k->progs.sys_enter, sys && !o->exit_only);
	bpf_program__set_autoload(k->progs.sys_exit, sys && !o->exit_only);
	bpf_program__set_autoload(k->progs.sys_exit_only, sys && o->exit_only);
	/* Signal delivery lines go with syscall lines, as strace's (-e signal=none: none). */
	bpf_program__set_autoload(k->progs.signal_deliver,
				  o->stream && any_selected(o->selected) && !o->no_signals);
	k->rodata->signal_mask = o->signal_mask ? o->signal_mask : ~0ULL;
	/*
	 * A probe file whose probes are all functions needs the syscall
	 * programs only once a reload adds a syscall probe: loaded now (the
	 * verifier runs once, at start), attached then (session_attach_syscalls).
	 */
	s->sys_deferred = o->syscall_probes && !any_selected(o->selected);
	bpf_program__set_autoattach(k->progs.sys_enter, !s->sys_deferred);
	bpf_program__set_autoattach(k->progs.sys_exit, !s->sys_deferred);
	bpf_program__set_autoattach(k->progs.sys_exit_only, !s->sys_deferred);
	set_func_programs(k, funcs, reads, s->uprobe_multi);
	k->rodata->str_max = o->str_max;
	k->rodata->max_thread_state = o->max_thread_state;
	k->rodata->syscall_probes = o->syscall_probes;
	/* Wake the reader every eighth of the buffer: big batches, ample headroom. */
	k->rodata->wakeup_bytes = o->ringbuf_bytes / 8 > 256 * 1024 ? 256 * 1024 :
								      o->ringbuf_bytes / 8;
	syscall_specs((struct at_sys_spec *)k->rodata->specs);
	k->rodata->slot_kinds = slot_kinds_used(o, (const struct at_sys_spec *)k->rodata->specs);
	/* A base helper, the same for every program type: probed as a kprobe's. */
	k->rodata->have_bpf_loop =
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop, NULL) == 1;
	if (o->max_procs && (ret = bpf_map__set_max_entries(k->maps.traced, o->max_procs)))
		return fail(err, errlen, "process table size %u: %s", o->max_procs, strerror(-ret));
	if ((o->max_namespaces &&
	     (ret = bpf_map__set_max_entries(k->maps.target_mntns, o->max_namespaces))) ||
	    (o->max_candidates &&
	     (ret = bpf_map__set_max_entries(k->maps.pending_acct, o->max_candidates))))
		return fail(err, errlen, "table size: %s", strerror(-ret));
	if (o->max_exe_files &&
	    (ret = bpf_map__set_max_entries(k->maps.target_inodes, o->max_exe_files)))
		return fail(err, errlen, "executable table size %u: %s", o->max_exe_files,
			    strerror(-ret));
	ret = bpf_map__set_max_entries(k->maps.events, o->ringbuf_bytes);
	if (ret)
		return fail(err, errlen, "ring buffer size %zu: %s", o->ringbuf_bytes,
			    strerror(-ret));
	return 0;
}

/*
 * Start-up work: the verifier is most of it. AT_VERIFIER_STATS=1 prints each
 * loaded program's statistics (the kernel's log level 4: instructions
 * processed, states, time) to stderr after the load; AT_VERIFIER_LOG=PROG:FILE
 * writes program PROG's whole log (level 2, every instruction as verified,
 * hundreds of MB for a big program) to FILE, which tools/verifier-cost.py
 * sums by function and source line.
 */
enum { STATS_LOG = 1024, STATS_PROGS = 32, FULL_LOG = 1u << 29 };

struct verifier_logs {
	char stats[STATS_PROGS][STATS_LOG];
	char *full;
	const char *full_path;
};

/* The object's i-th program that loads, the first STATS_PROGS of them; NULL past them. */
static struct bpf_program *loaded_prog(struct agent_trace_bpf *k, size_t i)
{
	struct bpf_program *p;

	if (i >= STATS_PROGS)
		return NULL;
	bpf_object__for_each_program(p, k->obj) {
		if (bpf_program__autoload(p) && !i--)
			return p;
	}
	return NULL;
}

static void verifier_logs_begin(struct agent_trace_bpf *k, struct verifier_logs *v)
{
	const char *spec = getenv("AT_VERIFIER_LOG");
	struct bpf_program *p;

	for (size_t i = 0; env_flag("AT_VERIFIER_STATS") && (p = loaded_prog(k, i)); i++) {
		v->stats[i][0] = '\0';
		bpf_program__set_log_buf(p, v->stats[i], STATS_LOG);
		bpf_program__set_log_level(p, 4);
	}
	if (spec && strchr(spec, ':')) {
		char name[128];
		size_t n = (size_t)(strchr(spec, ':') - spec);

		snprintf(name, sizeof(name), "%.*s", (int)n, spec);
		p = bpf_object__find_program_by_name(k->obj, name);
		if (!p) {
			fprintf(stderr, "agent-trace: AT_VERIFIER_LOG '%s': no such program\n",
				spec);
			return;
		}
		if (!v->full && !(v->full = malloc(FULL_LOG))) {
			fprintf(stderr, "agent-trace: AT_VERIFIER_LOG '%s': %s\n", spec,
				strerror(errno));
			return;
		}
		v->full[0] = '\0';
		v->full_path = spec + n + 1;
		bpf_program__set_log_buf(p, v->full, FULL_LOG);
		bpf_program__set_log_level(p, 2);
	}
}

static void verifier_logs_end(struct agent_trace_bpf *k, struct verifier_logs *v)
{
	struct bpf_program *p;
	FILE *f;

	for (size_t i = 0; env_flag("AT_VERIFIER_STATS") && (p = loaded_prog(k, i)); i++) {
		for (char *l = v->stats[i]; *l; l++)
			if (*l == '\n')
				*l = ' ';
		fprintf(stderr, "agent-trace: verifier: %s: %s\n", bpf_program__name(p),
			v->stats[i]);
	}
	if (!v->full_path)
		return;
	f = fopen(v->full_path, "w");
	if (!f || fputs(v->full, f) < 0 || fclose(f))
		fprintf(stderr, "agent-trace: AT_VERIFIER_LOG: %s: %s\n", v->full_path,
			strerror(errno));
	v->full_path = NULL;
}

/* One load attempt: a fresh object configured for it, loaded (quietly if quiet). */
static int load_once(struct session *s, bool funcs, enum user_reads reads, bool quiet, char *err,
		     size_t errlen)
{
	static struct verifier_logs vlogs;
	bool vlog = env_flag("AT_VERIFIER_STATS") || getenv("AT_VERIFIER_LOG");
	int ret;

	agent_trace_bpf__destroy(s->skel);
	s->skel = NULL;
	ret = configure(s, funcs, reads, err, errlen);
	if (ret)
		return ret;
	if (vlog)
		verifier_logs_begin(s->skel, &vlogs);
	if (quiet)
		libbpf_set_print(quiet_print);
	ret = agent_trace_bpf__load(s->skel);
	libbpf_set_print(loud_print);
	if (vlog && !ret)
		verifier_logs_end(s->skel, &vlogs);
	return ret;
}

/*
 * After every attempt failed: which part the kernel refused, said as the two
 * objects of old said it. If the object loads without the function programs,
 * they were the refused part.
 */
static int load_failed(struct session *s, int ret, char *err, size_t errlen)
{
	int sys = ret;

	if (!s->opts.no_func_probes) {
		sys = load_once(s, false, READS_NOFAULT, true, err, errlen);
		if (!sys)
			return fail(err, errlen,
				    "loading function probe programs: %s (run with -v for details)",
				    strerror(-ret));
		if (err[0])
			return sys; /* configure()'s own message */
	}
	fail(err, errlen, "loading BPF programs: %s%s", strerror(-sys),
	     sys == -EPERM ? " (needs CAP_BPF and CAP_PERFMON)" : " (run with -v for details)");
	return sys;
}

/*
 * Loads the object with the best reads the kernel takes for the function
 * probe programs: sleepable uprobes fault pages in (this kernel allows them;
 * older ones refuse the flag, 6.11 and older lack the string kfunc). A
 * refused attempt is quiet (its libbpf messages shown with -v only) and the
 * next one is tried on a freshly opened object: libbpf loads an object's
 * programs all at once. AT_NO_SLEEPABLE=1 and AT_NO_COPY_STR=1 skip the
 * sleepable or the kfunc attempts (tests run the fallbacks with them).
 */
static int load(struct session *s, char *err, size_t errlen)
{
	static const char *const names[] = { "sleepable, bpf_copy_from_user_str",
					     "sleepable, pages touched with bpf_copy_from_user",
					     "non-sleepable, bpf_probe_read_user" };
	bool funcs = !s->opts.no_func_probes;
	enum user_reads reads = READS_COPY_STR;
	int ret;

	if (!funcs || env_flag("AT_NO_SLEEPABLE"))
		reads = READS_NOFAULT;
	else if (env_flag("AT_NO_COPY_STR"))
		reads = READS_TOUCH;
	/* The printer in use, kept to restore and to print through. */
	loud_print = libbpf_set_print(NULL);
	libbpf_set_print(loud_print);
	/* The kernel says once whether it has uprobe_multi links. */
	s->uprobe_multi = funcs && probe_uprobe_multi();
	for (enum user_reads first = reads;;) {
		err[0] = '\0';
		ret = load_once(s, funcs, reads, reads != READS_NOFAULT || s->uprobe_multi, err,
				errlen);
		if (!ret || err[0])
			break;
		if (reads != READS_NOFAULT) {
			load_diag(loud_print, LIBBPF_INFO,
				  "agent-trace: function probes: %s refused (%s), trying %s\n",
				  names[reads], strerror(-ret), names[reads + 1]);
			reads++;
			continue;
		}
		/* A kernel with the link type may still refuse programs of it: per-probe links. */
		if (!s->uprobe_multi)
			break;
		load_diag(
			loud_print, LIBBPF_INFO,
			"agent-trace: function probes: uprobe_multi programs refused (%s), trying "
			"per-probe links\n",
			strerror(-ret));
		s->uprobe_multi = false;
		reads = first;
	}
	if (ret)
		return err[0] ? ret : load_failed(s, ret, err, errlen);
	if (funcs)
		load_diag(loud_print, LIBBPF_DEBUG,
			  "agent-trace: function probes read user memory %s\n", names[reads]);
	return 0;
}

/* The kernel state userspace writes directly: the syscall selection and the pid bitmap. */
static int map_shared(struct session *s, char *err, size_t errlen)
{
	/* The selection lives in .bss: it can change while the probes run. */
	memcpy(s->skel->bss->selected, s->opts.selected, sizeof(s->skel->bss->selected));
	if (s->opts.shadow) {
		_Static_assert(sizeof(s->opts.shadow->calls) == sizeof(s->skel->bss->shadowed),
			       "shadowed bitmap");
		memcpy(s->skel->bss->shadowed, s->opts.shadow->calls,
		       sizeof(s->skel->bss->shadowed));
		memcpy(s->skel->bss->fd_result, s->opts.shadow->fd_result,
		       sizeof(s->skel->bss->fd_result));
		memcpy(s->skel->bss->fd_pair, s->opts.shadow->fd_pair,
		       sizeof(s->skel->bss->fd_pair));
	}
	s->pid_bits = mmap(NULL, sizeof(*s->pid_bits), PROT_READ | PROT_WRITE, MAP_SHARED,
			   bpf_map__fd(s->skel->maps.traced_bits), 0);
	if (s->pid_bits == MAP_FAILED) {
		s->pid_bits = NULL;
		return fail(err, errlen, "mapping the traced-process bitmap: %s", strerror(errno));
	}
	return pending_open(s, err, errlen);
}

/*
 * -P: the traced paths' files that exist now, by inode, for fd arguments
 * (the kernel adds those its matching calls open). A path that does not
 * exist yet is compared by string only until a call opens it.
 */
static int trace_path_inodes(struct session *s, char *err, size_t errlen)
{
	int fd = bpf_map__fd(s->skel->maps.trace_inodes);
	__u8 one = 1;

	for (unsigned i = 0; i < s->opts.ntrace_paths; i++) {
		struct stat st;
		struct at_inode_key k = {};

		if (stat(s->opts.trace_paths[i], &st))
			continue;
		k.ino = st.st_ino;
		k.dev = (__u32)(major(st.st_dev) << 20 | minor(st.st_dev));
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			return fail(err, errlen, "-P '%.64s': %s", s->opts.trace_paths[i],
				    strerror(errno));
	}
	return 0;
}

/* Frees what session__open made, as far as it got. */
static void session_close(struct session *s)
{
	follow_free(s->follow);
	reader__close(s);
	if (s->pid_bits)
		munmap(s->pid_bits, sizeof(*s->pid_bits));
	pending_close(s);
	probes__free_all(s);
	agent_trace_bpf__destroy(s->skel);
	pthread_mutex_destroy(&s->probes_lock);
	free(s);
}

struct session *session__open(const struct session_opts *opts, char *err, size_t errlen)
{
	struct session *s;

	s = calloc(1, sizeof(*s));
	if (!s) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	s->opts = *opts;
	s->ncpus = libbpf_num_possible_cpus();
	s->wake_fd = -1;
	s->stop_fd = -1;
	pthread_mutex_init(&s->probes_lock, NULL);
	s->follow = follow_new(s);
	if (!s->follow) {
		fail(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	if (load(s, err, errlen) || map_shared(s, err, errlen) ||
	    trace_path_inodes(s, err, errlen) || reader__open(s, err, errlen)) {
		session_close(s);
		return NULL;
	}
	return s;
}

/* Adds tgid to the traced map, and to the bitmap the programs filter on when bit is set. */
static int add_pid(struct session *s, pid_t tgid, bool bit)
{
	__u32 key = tgid;
	__u8 one = 1;

	if (tgid <= 0 || (unsigned)tgid >= AT_PID_LIMIT)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.traced), &key, &one, BPF_ANY))
		return -errno;
	/* Named by userspace: certain, not a candidate (a bit a gone one left is cleared). */
	pending_clear(s, tgid);
	if (bit)
		__atomic_fetch_or(&s->pid_bits->w[tgid / 64], 1ULL << (tgid % 64),
				  __ATOMIC_SEQ_CST);
	return 0;
}

/* Empties a hash map, then fills it with n keys of size ksz. 0 or -errno. */
static int refill(int fd, const void *keys, unsigned n, size_t ksz)
{
	char k[64];
	__u8 one = 1;

	while (!bpf_map_get_next_key(fd, NULL, k))
		if (bpf_map_delete_elem(fd, k))
			return -errno;
	for (unsigned i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * ksz, &one, BPF_ANY))
			return -errno;
	return 0;
}

int session__set_exec_targets(struct session *s, const char (*comms)[AT_COMM_LEN], unsigned ncomm,
			      const struct at_inode_key *inodes, unsigned ninodes,
			      const struct exec_names *names)
{
	static const struct exec_names none;
	struct at_comm_key ck[AT_MAX_TARGET_COMMS] = {};
	int ret;

	if (!names)
		names = &none;
	if (ncomm > AT_MAX_TARGET_COMMS || ninodes > session__max_exe_files(s) ||
	    names->n > AT_MAX_TARGET_NAMES)
		return -E2BIG;
	for (unsigned i = 0; i < ncomm; i++)
		strncpy(ck[i].comm, comms[i], sizeof(ck[i].comm) - 1);
	/* Off while the sets change, then on again if anything is left to match. */
	__atomic_store_n(&s->skel->bss->exec_match, 0, __ATOMIC_SEQ_CST);
	if ((ret = refill(bpf_map__fd(s->skel->maps.target_inodes), inodes, ninodes,
			  sizeof(*inodes))) ||
	    (ret = refill(bpf_map__fd(s->skel->maps.target_comms), ck, ncomm, sizeof(ck[0]))) ||
	    (ret = refill(bpf_map__fd(s->skel->maps.target_names), names->v, names->n,
			  sizeof(*names->v))))
		return ret;
	__atomic_store_n(&s->skel->bss->exec_name_lens, names->lens, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->skel->bss->exec_name_any, names->any, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->skel->bss->exec_match, ncomm || ninodes || names->n || names->any,
			 __ATOMIC_SEQ_CST);
	return 0;
}

int session__set_ctr_targets(struct session *s, bool on)
{
	int fd = bpf_map__fd(s->skel->maps.target_mntns);
	__u64 key, next;

	/* Off while the verdicts go: each was given under the selectors replaced. */
	__atomic_store_n(&s->skel->bss->exec_ctr, 0, __ATOMIC_SEQ_CST);
	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key) && errno != ENOENT)
			return -errno;
	}
	__atomic_store_n(&s->skel->bss->exec_ctr, on, __ATOMIC_SEQ_CST);
	return 0;
}

int session__set_mntns_verdict(struct session *s, __u64 mntns, bool target)
{
	__u8 v = target;

	if (bpf_map_update_elem(bpf_map__fd(s->skel->maps.target_mntns), &mntns, &v, BPF_ANY))
		return -errno;
	return 0;
}

int session__trace_all(struct session *s, bool on)
{
	int fd = bpf_map__fd(s->skel->maps.traced);
	pid_t self = getpid();
	__u32 key, next;
	int ret;

	if (!s->pid_bits)
		return -ENOTSUP;
	s->all = on;
	/* Every bit but the agent's (it must not trace its own writes), or the map's again. */
	for (size_t i = 0; i < AT_PID_WORDS; i++)
		__atomic_store_n(&s->pid_bits->w[i], on ? ~0ULL : 0, __ATOMIC_SEQ_CST);
	if (on) {
		__atomic_fetch_and(&s->pid_bits->w[self / 64], ~(1ULL << (self % 64)),
				   __ATOMIC_SEQ_CST);
		return 0;
	}
	for (ret = bpf_map_get_next_key(fd, NULL, &next); !ret;
	     ret = bpf_map_get_next_key(fd, &key, &next)) {
		key = next;
		if (key < AT_PID_LIMIT)
			__atomic_fetch_or(&s->pid_bits->w[key / 64], 1ULL << (key % 64),
					  __ATOMIC_SEQ_CST);
	}
	return 0;
}

void session__set_open_targets(struct session *s, bool on)
{
	s->open_targets = on;
}

bool session__traces_all(const struct session *s)
{
	return s->all;
}

int session__remove_pid(struct session *s, pid_t tgid)
{
	__u32 key = (__u32)tgid;

	if (tgid <= 0 || (unsigned)tgid >= AT_PID_LIMIT)
		return -EINVAL;
	if (!s->all)
		__atomic_fetch_and(&s->pid_bits->w[tgid / 64], ~(1ULL << (tgid % 64)),
				   __ATOMIC_SEQ_CST);
	if (bpf_map_delete_elem(bpf_map__fd(s->skel->maps.traced), &key) && errno != ENOENT)
		return -errno;
	return 0;
}

void session__report_execs(struct session *s, bool on)
{
	__atomic_store_n(&s->skel->bss->exec_report, on, __ATOMIC_SEQ_CST);
}

unsigned session__max_exe_files(const struct session *s)
{
	return s->opts.max_exe_files ? s->opts.max_exe_files : AT_MAX_TARGET_INODES;
}

int session__add_pid(struct session *s, pid_t tgid)
{
	int ret = add_pid(s, tgid, true);

	if (!ret)
		follow_pid(s->follow, tgid, false);
	return ret;
}

int session__add_held(struct session *s, pid_t tgid)
{
	/* Counting at sys_exit only, the held read would count: the exec sets the bit. */
	/* Held before its execve: its exec, a traced process's, is followed (AT_EXEC_TRACED). */
	return add_pid(s, tgid, !s->opts.exit_only);
}

void session__follow_pid(struct session *s, pid_t tgid)
{
	follow_pid(s->follow, tgid, false);
}

int session__set_candidate_targets(struct session *s, const struct pf_targets *t)
{
	return follow_set_targets(s->follow, t);
}

void session__follow_stats(struct session *s, struct follow_stats *out)
{
	follow_get_stats(s->follow, out);
}

bool session__has_pid(struct session *s, pid_t tgid)
{
	__u32 key = tgid;
	__u8 v;

	return !bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.traced), &key, &v);
}

bool session__uprobe_multi(const struct session *s)
{
	return s->uprobe_multi;
}

bool session__empty(struct session *s)
{
	__u32 key;

	return bpf_map_get_next_key(bpf_map__fd(s->skel->maps.traced), NULL, &key) == -ENOENT;
}

int session_attach_syscalls(struct session *s, char *err, size_t errlen)
{
	struct agent_trace_bpf *k = s->skel;
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
	} progs[] = { { k->progs.sys_enter, &k->links.sys_enter },
		      { k->progs.sys_exit, &k->links.sys_exit },
		      { k->progs.sys_exit_only, &k->links.sys_exit_only } };

	if (!s->sys_deferred)
		return 0;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_link *l;

		if (!bpf_program__autoload(progs[i].prog) || *progs[i].link)
			continue;
		l = bpf_program__attach(progs[i].prog);
		if (!l) {
			int ret = -errno;

			return fail(err, errlen, "attaching %s: %s",
				    bpf_program__name(progs[i].prog), strerror(-ret)),
			       ret;
		}
		/* The skeleton's detach destroys it with the others. */
		*progs[i].link = l;
	}
	s->sys_deferred = false;
	return 0;
}

int session__attach(struct session *s, char *err, size_t errlen)
{
	int ret = agent_trace_bpf__attach(s->skel);

	if (ret) {
		/* The skeleton keeps the links it made; detach them all. */
		agent_trace_bpf__detach(s->skel);
		fail(err, errlen, "attaching probes: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

/* Sums one per-CPU statistics entry. */
static int sum_stat(struct session *s, int fd, __u32 key, struct at_stat *percpu,
		    struct at_stat *out)
{
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, &key, percpu))
		return -errno;
	for (int c = 0; c < s->ncpus; c++)
		stat_merge(out, &percpu[c]);
	return 0;
}

int session__stats(struct session *s, struct at_stat *out)
{
	struct at_stat *percpu = calloc(s->ncpus, sizeof(*percpu));
	int ret = 0;

	if (!percpu)
		return -ENOMEM;
	for (__u32 nr = 0; nr < AT_NR_MAX && !ret; nr++) {
		ret = sum_stat(s, bpf_map__fd(s->skel->maps.stats), nr, percpu, &out[nr]);
		pending_add_stat(s, AT_PENDING_SYS | nr, &out[nr]);
	}
	free(percpu);
	return ret;
}

int session__probe_stats(struct session *s, uint32_t id, struct at_stat *out)
{
	struct at_stat *percpu = calloc(s->ncpus, sizeof(*percpu));
	int ret;

	if (!percpu)
		return -ENOMEM;
	ret = sum_stat(s, bpf_map__fd(s->skel->maps.probe_stats), id, percpu, out);
	if (!ret)
		pending_add_stat(s, id, out);
	free(percpu);
	return ret;
}

int session__counters(struct session *s, struct at_counters *out)
{
	struct at_counters *percpu;
	__u32 zero = 0;

	percpu = calloc(s->ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.counters), &zero, percpu)) {
		int ret = -errno;

		free(percpu);
		return ret;
	}
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < s->ncpus; c++) {
#define ADD_COUNTER(f, json, text) out->f += percpu[c].f;
		AT_COUNTERS(ADD_COUNTER)
#undef ADD_COUNTER
	}
	free(percpu);
	return 0;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	session__stop(s);
	session_close(s);
}
