// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BPF lifecycle: check, open, configure, load, attach, read, stop. */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "session.h"
#include "syscalls.h"
#include "sysspec.h"
#include "session_priv.h"
#include "uprobe_multi.h"
#include "util.h"

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

int session__check_system(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &hdr, d))
		return fail(err, errlen, "cannot read capabilities: %s", strerror(errno));
	if (!has_cap(d, CAP_SYS_ADMIN) && !(has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON))) {
		char missing[64] = "";

		if (!has_cap(d, CAP_BPF))
			strcat(missing, "CAP_BPF ");
		if (!has_cap(d, CAP_PERFMON))
			strcat(missing, "CAP_PERFMON ");
		missing[strlen(missing) - 1] = '\0';
		return fail(err, errlen,
			    "missing capabilities %s (or CAP_SYS_ADMIN): run as root or grant them",
			    missing);
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return fail(err, errlen,
			    "kernel has no BTF (/sys/kernel/btf/vmlinux: %s): CO-RE programs need "
			    "CONFIG_DEBUG_INFO_BTF=y",
			    strerror(errno));
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1)
		return fail(err, errlen,
			    "kernel has no BPF ring buffer (needs Linux 5.8 or later)");
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) != 1)
		return fail(err, errlen,
			    "kernel has no BPF task storage (needs Linux 5.11 or later)");
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	s->rstats.records++;
	s->opts.on_record(s->opts.ctx, data, size);
	return 0;
}

/*
 * How func_entry and usdt_hit read strings and buffers, best first: sleepable with the
 * string kfunc (6.12+), sleepable touching the pages first, or non-sleepable
 * (bpf_probe_read_user: a page not faulted in yet is unreadable).
 */
enum user_reads { READS_COPY_STR, READS_TOUCH, READS_NOFAULT };

/* Sets the object up for reads: the entry programs' flag and the rodata that matches it. */
static void uprobes_set_reads(struct uprobe_bpf *u, enum user_reads reads)
{
	struct bpf_program *entries[] = { u->progs.func_entry, u->progs.usdt_hit };

	u->rodata->sleepable = reads != READS_NOFAULT;
	u->rodata->copy_str_kfunc = reads == READS_COPY_STR;
	for (unsigned i = 0; i < 2 && reads != READS_NOFAULT; i++)
		bpf_program__set_flags(entries[i],
				       bpf_program__flags(entries[i]) | BPF_F_SLEEPABLE);
}

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
	const char *off = getenv("AT_NO_UPROBE_MULTI");
	struct at_uprobe_multi_attr a = {};
	__u64 offset = 0;
	int prog, link, err;

	if (off && off[0] && strcmp(off, "0"))
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

/* The function probe programs write to the syscall object's ring buffer, counters and filter. */
static int load_uprobes(struct session *s, enum user_reads reads)
{
	struct uprobe_bpf *u = uprobe_bpf__open();
	int ret;

	if (!u)
		return -errno;
	/*
	 * Loaded for uprobe_multi links, the function programs attach any number
	 * of functions of a file in one link, but no longer as perf uprobes:
	 * load_func_probes() chose which.
	 */
	if (s->uprobe_multi && ((ret = bpf_program__set_expected_attach_type(
					 u->progs.func_entry, AT_BPF_TRACE_UPROBE_MULTI)) ||
				(ret = bpf_program__set_expected_attach_type(
					 u->progs.func_return, AT_BPF_TRACE_UPROBE_MULTI)))) {
		uprobe_bpf__destroy(u);
		return ret;
	}
	u->rodata->str_max = s->opts.str_max;
	u->rodata->stream = s->opts.stream;
	/* Nothing to verify for probes that will never be added: start-up is shorter. */
	if (s->opts.no_func_probes) {
		bpf_program__set_autoload(u->progs.func_entry, false);
		bpf_program__set_autoload(u->progs.func_return, false);
		bpf_program__set_autoload(u->progs.usdt_hit, false);
	}
	u->rodata->wakeup_bytes = s->skel->rodata->wakeup_bytes;
	u->rodata->max_thread_state = s->opts.max_thread_state;
	uprobes_set_reads(u, reads);
	if ((ret = bpf_map__reuse_fd(u->maps.events, bpf_map__fd(s->skel->maps.events))) ||
	    (ret = bpf_map__reuse_fd(u->maps.counters, bpf_map__fd(s->skel->maps.counters))) ||
	    (ret = bpf_map__reuse_fd(u->maps.traced, bpf_map__fd(s->skel->maps.traced))) ||
	    (ret = bpf_map__reuse_fd(u->maps.traced_bits,
				     bpf_map__fd(s->skel->maps.traced_bits))) ||
	    (ret = bpf_map__reuse_fd(u->maps.probes, bpf_map__fd(s->skel->maps.probes))) ||
	    (ret = bpf_map__reuse_fd(u->maps.probe_stats,
				     bpf_map__fd(s->skel->maps.probe_stats))) ||
	    (ret = bpf_map__reuse_fd(u->maps.probe_counts,
				     bpf_map__fd(s->skel->maps.probe_counts))) ||
	    (ret = bpf_map__reuse_fd(u->maps.probe_state,
				     bpf_map__fd(s->skel->maps.probe_state))) ||
	    (ret = bpf_map__reuse_fd(u->maps.call_frames,
				     bpf_map__fd(s->skel->maps.call_frames))) ||
	    (ret = bpf_map__reuse_fd(u->maps.thread_states,
				     bpf_map__fd(s->skel->maps.thread_states))) ||
	    (ret = uprobe_bpf__load(u))) {
		uprobe_bpf__destroy(u);
		return ret;
	}
	s->uskel = u;
	return 0;
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

/*
 * Loads the function probe programs with the best reads the kernel takes:
 * sleepable uprobes fault pages in (this kernel allows them; older ones
 * refuse the flag, 6.11 and older lack the string kfunc). A refused attempt
 * is quiet (its libbpf messages shown with -v only) and the next one is
 * tried. AT_NO_SLEEPABLE=1 and AT_NO_COPY_STR=1 skip the sleepable or the
 * kfunc attempts (tests run the fallbacks with them).
 */
static int load_func_probes(struct session *s)
{
	static const char *const names[] = { "sleepable, bpf_copy_from_user_str",
					     "sleepable, pages touched with bpf_copy_from_user",
					     "non-sleepable, bpf_probe_read_user" };
	enum user_reads reads = READS_COPY_STR;
	int ret;

	if (s->opts.no_func_probes || getenv("AT_NO_SLEEPABLE"))
		reads = READS_NOFAULT;
	else if (getenv("AT_NO_COPY_STR"))
		reads = READS_TOUCH;
	/* The printer in use, kept to restore and to print through. */
	loud_print = libbpf_set_print(NULL);
	libbpf_set_print(loud_print);
	/* The kernel says once whether it has uprobe_multi links. */
	s->uprobe_multi = !s->opts.no_func_probes && probe_uprobe_multi();
	for (enum user_reads first = reads;;) {
		if (reads != READS_NOFAULT || s->uprobe_multi)
			libbpf_set_print(quiet_print);
		ret = load_uprobes(s, reads);
		libbpf_set_print(loud_print);
		if (!ret)
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
	if (!ret && !s->opts.no_func_probes)
		load_diag(loud_print, LIBBPF_DEBUG,
			  "agent-trace: function probes read user memory %s\n", names[reads]);
	return ret;
}

/* Whether the syscall bitmap selects any syscall (a NULL one selects none). */
static bool any_selected(const uint64_t *selected)
{
	for (unsigned i = 0; selected && i < AT_NR_MAX / 64; i++)
		if (selected[i])
			return true;
	return false;
}

struct session *session__open(const struct session_opts *opts, char *err, size_t errlen)
{
	struct session *s;
	bool sys;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	s->opts = *opts;
	s->ncpus = libbpf_num_possible_cpus();
	pthread_mutex_init(&s->probes_lock, NULL);
	s->skel = syscalls_bpf__open();
	if (!s->skel) {
		fail(err, errlen, "opening BPF object: %s", strerror(errno));
		goto err_free;
	}

	/* Read-only settings: fixed before load, folded by the verifier. */
	s->skel->rodata->follow_forks = opts->follow;
	s->skel->rodata->stream = opts->stream;
	s->skel->rodata->exit_only = opts->exit_only;
	s->skel->rodata->nr_rt_sigreturn = syscall_by_name("rt_sigreturn");
	s->skel->rodata->nr_execve = syscall_by_name("execve");
	/*
	 * Without durations: one program at sys_exit, no clock at entry, instead
	 * of the entry/exit pair. No syscall selected and no probe file: none.
	 * Each program on the syscall tracepoints runs for every syscall of every
	 * process, and a uretprobe's return is a syscall (uretprobe) itself: with
	 * them attached, a function probe alone paid two programs per return.
	 */
	sys = opts->syscall_probes || any_selected(opts->selected);
	bpf_program__set_autoload(s->skel->progs.sys_enter, sys && !opts->exit_only);
	bpf_program__set_autoload(s->skel->progs.sys_exit, sys && !opts->exit_only);
	bpf_program__set_autoload(s->skel->progs.sys_exit_only, sys && opts->exit_only);
	s->skel->rodata->str_max = opts->str_max;
	s->skel->rodata->max_thread_state = opts->max_thread_state;
	s->skel->rodata->syscall_probes = opts->syscall_probes;
	/* Wake the reader every eighth of the buffer: big batches, ample headroom. */
	s->skel->rodata->wakeup_bytes =
		opts->ringbuf_bytes / 8 > 256 * 1024 ? 256 * 1024 : opts->ringbuf_bytes / 8;
	syscall_specs((struct at_sys_spec *)s->skel->rodata->specs);
	if (opts->max_procs &&
	    (ret = bpf_map__set_max_entries(s->skel->maps.traced, opts->max_procs))) {
		fail(err, errlen, "process table size %u: %s", opts->max_procs, strerror(-ret));
		goto err_destroy;
	}
	ret = bpf_map__set_max_entries(s->skel->maps.events, opts->ringbuf_bytes);
	if (ret) {
		fail(err, errlen, "ring buffer size %zu: %s", opts->ringbuf_bytes, strerror(-ret));
		goto err_destroy;
	}

	ret = syscalls_bpf__load(s->skel);
	if (ret) {
		fail(err, errlen, "loading BPF programs: %s%s", strerror(-ret),
		     ret == -EPERM ? " (needs CAP_BPF and CAP_PERFMON)" :
				     " (run with -v for details)");
		goto err_destroy;
	}
	ret = load_func_probes(s);
	if (ret) {
		fail(err, errlen, "loading function probe programs: %s (run with -v for details)",
		     strerror(-ret));
		goto err_destroy;
	}
	/* The selection lives in .bss: it can change while the probes run. */
	memcpy(s->skel->bss->selected, opts->selected, sizeof(s->skel->bss->selected));

	s->pid_bits = mmap(NULL, sizeof(*s->pid_bits), PROT_READ | PROT_WRITE, MAP_SHARED,
			   bpf_map__fd(s->skel->maps.traced_bits), 0);
	if (s->pid_bits == MAP_FAILED) {
		fail(err, errlen, "mapping the traced-process bitmap: %s", strerror(errno));
		goto err_destroy;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_sample, s, NULL);
	if (!s->rb) {
		fail(err, errlen, "ring buffer: %s", strerror(errno));
		goto err_unmap;
	}
	/*
	 * libbpf's own epoll is level-triggered: it reports the buffer readable
	 * whenever a record is pending, so the reader would spin at the event rate
	 * and the programs' BPF_RB_NO_WAKEUP would batch nothing. Edge-triggered,
	 * only the programs' explicit wakeups (wakeup_bytes pending) end the wait
	 * early; otherwise the reader drains every poll_ms.
	 */
	s->wake_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->wake_fd < 0) {
		fail(err, errlen, "ring buffer epoll: %s", strerror(errno));
		goto err_rb;
	}
	if (epoll_ctl(s->wake_fd, EPOLL_CTL_ADD, bpf_map__fd(s->skel->maps.events),
		      &(struct epoll_event){ .events = EPOLLIN | EPOLLET })) {
		fail(err, errlen, "ring buffer epoll: %s", strerror(errno));
		goto err_epoll;
	}
	return s;

err_epoll:
	close(s->wake_fd);
err_rb:
	ring_buffer__free(s->rb);
err_unmap:
	munmap(s->pid_bits, sizeof(*s->pid_bits));
err_destroy:
	uprobe_bpf__destroy(s->uskel);
	syscalls_bpf__destroy(s->skel);
err_free:
	free(s);
	return NULL;
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

int session__set_exec_targets(struct session *s, const char (*comms)[16], unsigned ncomm,
			      const struct at_inode_key *inodes, unsigned ninodes)
{
	struct at_comm_key ck[AT_MAX_TARGET_COMMS] = {};
	int ret;

	if (ncomm > AT_MAX_TARGET_COMMS || ninodes > AT_MAX_TARGET_INODES)
		return -E2BIG;
	for (unsigned i = 0; i < ncomm; i++)
		strncpy(ck[i].comm, comms[i], sizeof(ck[i].comm) - 1);
	/* Off while the sets change, then on again if anything is left to match. */
	__atomic_store_n(&s->skel->bss->exec_match, 0, __ATOMIC_SEQ_CST);
	if ((ret = refill(bpf_map__fd(s->skel->maps.target_inodes), inodes, ninodes,
			  sizeof(*inodes))) ||
	    (ret = refill(bpf_map__fd(s->skel->maps.target_comms), ck, ncomm, sizeof(ck[0]))))
		return ret;
	__atomic_store_n(&s->skel->bss->exec_match, ncomm || ninodes, __ATOMIC_SEQ_CST);
	return 0;
}

int session__add_pid(struct session *s, pid_t tgid)
{
	return add_pid(s, tgid, true);
}

int session__add_held(struct session *s, pid_t tgid)
{
	/* Counting at sys_exit only, the held read would count: the exec sets the bit. */
	return add_pid(s, tgid, !s->opts.exit_only);
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

bool session__traces_syscalls(const struct session *s)
{
	return bpf_program__fd(s->skel->progs.sys_enter) >= 0 ||
	       bpf_program__fd(s->skel->progs.sys_exit_only) >= 0;
}

bool session__empty(struct session *s)
{
	__u32 key;

	return bpf_map_get_next_key(bpf_map__fd(s->skel->maps.traced), NULL, &key) == -ENOENT;
}

int session__attach(struct session *s, char *err, size_t errlen)
{
	int ret = syscalls_bpf__attach(s->skel);

	if (ret) {
		/* The skeleton keeps the links it made; detach them all. */
		syscalls_bpf__detach(s->skel);
		fail(err, errlen, "attaching probes: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

static void *reader_main(void *arg)
{
	struct session *s = arg;

	while (!atomic_load(&s->stop)) {
		uint64_t before = s->rstats.records;

		struct epoll_event ev;

		/*
		 * The programs wake us only when a batch is pending; the timeout
		 * bounds how long a lone record waits, then consume() takes it.
		 */
		epoll_wait(s->wake_fd, &ev, 1, (int)s->opts.poll_ms);
		ring_buffer__consume(s->rb);
		if (s->rstats.records != before) {
			s->rstats.batches++;
			if (s->opts.on_batch)
				s->opts.on_batch(s->opts.ctx);
		}
	}
	return NULL;
}

int session__start(struct session *s)
{
	int ret = pthread_create(&s->reader, NULL, reader_main, s);

	if (ret)
		return -ret;
	s->reader_running = true;
	return 0;
}

void session__stop(struct session *s)
{
	if (s->stopped)
		return;
	s->stopped = true;
	syscalls_bpf__detach(s->skel);
	probes__detach_all(s);
	atomic_store(&s->stop, true);
	if (s->reader_running) {
		pthread_join(s->reader, NULL);
		s->reader_running = false;
	}
	/* Nothing writes any more: what is left is the tail of the trace. */
	ring_buffer__consume(s->rb);
	if (s->opts.on_batch)
		s->opts.on_batch(s->opts.ctx);
}

/* Sums one per-CPU statistics entry. */
static int sum_stat(struct session *s, int fd, __u32 key, struct at_stat *percpu,
		    struct at_stat *out)
{
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, &key, percpu))
		return -errno;
	for (int c = 0; c < s->ncpus; c++) {
		const struct at_stat *p = &percpu[c];

		if (!p->count)
			continue;
		out->count += p->count;
		out->errors += p->errors;
		out->total_ns += p->total_ns;
		if (p->max_ns > out->max_ns)
			out->max_ns = p->max_ns;
		for (int b = 0; b < AT_HIST_BUCKETS; b++)
			out->hist[b] += p->hist[b];
	}
	return 0;
}

int session__stats(struct session *s, struct at_stat *out)
{
	struct at_stat *percpu = calloc(s->ncpus, sizeof(*percpu));
	int ret = 0;

	if (!percpu)
		return -ENOMEM;
	for (__u32 nr = 0; nr < AT_NR_MAX && !ret; nr++)
		ret = sum_stat(s, bpf_map__fd(s->skel->maps.stats), nr, percpu, &out[nr]);
	free(percpu);
	return ret;
}

int session__probe_stats(struct session *s, uint32_t id, struct at_stat *out)
{
	struct at_stat *percpu = calloc(s->ncpus, sizeof(*percpu));
	int ret;

	if (!percpu)
		return -ENOMEM;
	ret = sum_stat(s, bpf_map__fd(s->uskel->maps.probe_stats), id, percpu, out);
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
		out->rb_lost += percpu[c].rb_lost;
		out->state_lost += percpu[c].state_lost;
		out->tgid_full += percpu[c].tgid_full;
		out->depth_lost += percpu[c].depth_lost;
		out->orphan_ret += percpu[c].orphan_ret;
	}
	free(percpu);
	return 0;
}

void session__reader_stats(struct session *s, struct reader_stats *out)
{
	*out = s->rstats;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	session__stop(s);
	ring_buffer__free(s->rb);
	close(s->wake_fd);
	munmap(s->pid_bits, sizeof(*s->pid_bits));
	probes__free_all(s);
	uprobe_bpf__destroy(s->uskel);
	syscalls_bpf__destroy(s->skel);
	pthread_mutex_destroy(&s->probes_lock);
	free(s);
}
