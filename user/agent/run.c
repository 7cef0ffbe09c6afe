// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The trace: set-up (load, attach, release the target), the loop until the end, the summary. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdtab.h"
#include "log.h"
#include "decode_sys.h"
#include "metrics.h"
#include "output.h"
#include "probefile.h"
#include "probes.h"
#include "proc.h"
#include "queue.h"
#include "reload.h"
#include "run.h"
#include "strbuf.h"
#include "session.h"
#include "setup.h"
#include "targets.h"
#include "xsink.h"

/* Reader poll timeout: the longest a lone record waits before it is shown. */
#define POLL_MS 5
/* How often the main loop checks whether traced processes are left. */
#define TICK_MS 20

/* The processes the command line named: -p PIDs and -- CMD. */
struct named_procs {
	struct held_child child;   /* -- CMD; pid 0 when none */
	pid_t tgids[CLI_MAX_PIDS]; /* -p targets resolved to processes */
	int pidfds[CLI_MAX_PIDS];  /* readable once the process has exited */
};

/* One trace, from the command line to the summary. */
struct tracer {
	struct config cfg;	      /* the command line, merged with the probe file */
	struct output out;	      /* where events and the summary go */
	struct session *sess;	      /* the BPF programs and maps */
	struct queue q;		      /* records from the reader to the writer thread */
	struct named_procs named;     /* what the trace waits for */
	struct probe_source file;     /* -C: the probe file and its reloads */
	int sigfd;		      /* SIGINT, SIGTERM, SIGHUP, blocked and read here */
	struct setup_watch watch;     /* reads sigfd while set-up runs */
	bool interrupted;	      /* set-up was cancelled by a signal */
	uint64_t setup_done_ns;	      /* when the target was released: -d counts from here */
	struct metrics metrics;	      /* --metrics: bound in prepare, served once set-up is done */
	struct fd_shadow_bits shadow; /* -y: the calls the fd tables follow (fdtab.h) */
};

/* Set-up gave up on a signal: the line comes once everything is undone (see teardown). */
static int interrupted(struct tracer *t)
{
	t->interrupted = true;
	return EXIT_RUNTIME;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* -p targets: each must exist now; a pidfd tells later whether it exited. */
static int resolve_pids(struct tracer *t)
{
	for (unsigned i = 0; i < t->cfg.npids; i++) {
		pid_t tgid = proc_tgid(t->cfg.pids[i]);

		if (tgid < 0)
			return log_error(EXIT_RUNTIME, "-p %d: %s", t->cfg.pids[i],
					 tgid == -ESRCH ? "no such process" : strerror(-tgid));
		t->named.tgids[i] = tgid;
		t->named.pidfds[i] = (int)syscall(SYS_pidfd_open, tgid, 0);
		if (t->named.pidfds[i] < 0)
			return log_error(EXIT_RUNTIME, "-p %d: %s", t->cfg.pids[i],
					 errno == ESRCH ? "no such process" : strerror(errno));
	}
	return 0;
}

/* A target that exited while the probes went in was never seen leaving: an error. */
static int check_alive(struct tracer *t)
{
	for (unsigned i = 0; i < t->cfg.npids; i++) {
		struct pollfd p = { .fd = t->named.pidfds[i], .events = POLLIN };

		if (poll(&p, 1, 0) == 1 && session__has_pid(t->sess, t->named.tgids[i]))
			return log_error(EXIT_RUNTIME, "-p %d: process exited before tracing began",
					 t->cfg.pids[i]);
	}
	return 0;
}

static int block_signals(struct tracer *t)
{
	sigset_t set;

	/* An ignored signal never reaches a signalfd: a parent's SIG_IGN must not stick. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	t->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return t->sigfd < 0 ? -errno : 0;
}

/* Where -u and probe-file SPECs are resolved: the first traced process, or -- CMD's file. */
static struct resolve_scope scope_of(const struct tracer *t)
{
	struct resolve_scope pc = {
		.pid = t->cfg.npids ? t->named.tgids[0] : 0,
		.exe = t->cfg.cmd ? t->named.child.path : NULL,
	};

	if (!pc.pid && !pc.exe && t->file.pf && t->file.pf->targets.npids) {
		pid_t tgid = proc_tgid(t->file.pf->targets.pids[0]);

		pc.pid = tgid > 0 ? tgid : 0;
	}
	return pc;
}

/* A reload of the probe file, its SPECs resolved where the first ones were. */
static void reload(struct tracer *t)
{
	struct resolve_scope pc = scope_of(t);

	probe_source__reload(&t->file, &t->cfg, t->sess, &pc);
}

/* Whether every process the command line named (-p, -- CMD) has exited; false when none. */
static bool named_exited(const struct tracer *t)
{
	struct pollfd p[CLI_MAX_PIDS + 1];
	nfds_t n = 0;

	for (unsigned i = 0; i < t->cfg.npids; i++)
		p[n++] = (struct pollfd){ .fd = t->named.pidfds[i], .events = POLLIN };
	if (t->named.child.pid) {
		siginfo_t si = { .si_pid = 0 };

		/* Our own child: asked without reaping it (teardown reaps it at the end). */
		if (waitid(P_PID, (id_t)t->named.child.pid, &si, WEXITED | WNOHANG | WNOWAIT) ||
		    !si.si_pid)
			return false;
		if (!n)
			return true;
	}
	/* A pidfd is readable once its process has exited, reaped or not. */
	return n && poll(p, n, 0) == (int)n;
}

/*
 * Waits for the end: -d elapsed, a signal, or the traced processes gone.
 * Without exe or comm targets that is every traced process; with them, new
 * processes may match at any time, so it is the ones the command line named
 * (-p, -- CMD: their followed children are not waited for), and without those
 * only a signal or -d ends it.
 */
static void run(struct tracer *t)
{
	/* -d counts from the release of the target: -d 1 traces one full second after attach. */
	uint64_t deadline =
		t->cfg.duration > 0 ? t->setup_done_ns + (uint64_t)(t->cfg.duration * 1e9) : 0;
	bool open_ended = t->file.pf && targets_open_ended(&t->file.pf->targets);
	uint64_t reload_at = 0;

	/* A stop that came after the last probe went in, during the last steps. */
	if (atomic_load(&t->watch.signo))
		return;
	/* Reloads from here on are not set-up: nothing may cancel them. */
	setup_reset();
	/* A SIGHUP during set-up asked for a reload of the file as it is now. */
	if (atomic_load(&t->watch.hup))
		reload(t);

	for (;;) {
		struct pollfd p[2] = { { .fd = t->sigfd, .events = POLLIN },
				       { .fd = t->file.ino_fd, .events = POLLIN } };
		struct signalfd_siginfo si;
		int ms = TICK_MS;

		if (deadline) {
			uint64_t now = now_ns();

			if (now >= deadline)
				return;
			if (deadline - now < (uint64_t)ms * 1000000)
				ms = (int)((deadline - now) / 1000000) + 1;
		}
		if (poll(p, 2, ms) > 0) {
			if ((p[0].revents & POLLIN) &&
			    read(t->sigfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGHUP || !t->file.pf)
					return;
				reload(t);
			}
			/* A change on disk: reload once writes have settled for a tick. */
			if ((p[1].revents & POLLIN) && probe_source__changed(&t->file))
				reload_at = now_ns() + (uint64_t)TICK_MS * 1000000;
		}
		if (reload_at && now_ns() >= reload_at) {
			reload_at = 0;
			reload(t);
		}
		/* A daemon ends on a signal (or -d) only: its targets come and go. */
		if (!t->cfg.daemon && (open_ended ? named_exited(t) : session__empty(t->sess))) {
			/* The exit program deletes, then reports: let its record land. */
			poll(NULL, 0, TICK_MS);
			return;
		}
	}
}

/* The reader of stdout or of an -o pipe went away: end the trace as Ctrl-C would, quietly. */
static void output_gone(void)
{
	/* SIGTERM is blocked in every thread and read from the run loop's signalfd. */
	kill(getpid(), SIGTERM);
}

static int open_output(struct tracer *t)
{
	int ret;

	t->out.on_closed = output_gone;
	t->out.json = t->cfg.json;
	t->out.times = t->cfg.times;
	t->out.per_pid = t->cfg.per_pid;
	escape_set_hex((enum escape_hex)t->cfg.hex);
	sys_set_xlat((enum xlat_style)t->cfg.xlat);
	sys_set_str_max(t->cfg.str_max);
	t->out.relative = t->cfg.relative;
	t->out.events = !t->cfg.summary_only;
	t->out.exit_only = t->cfg.exit_only;
	t->out.no_dur = t->cfg.ntrace_paths && !t->cfg.durations && !t->cfg.probe_file;
	t->out.path_traced = t->cfg.ntrace_paths != 0;
	for (unsigned i = 0; i < AT_NR_MAX / 64; i++)
		t->out.has_syscalls |= t->cfg.selected[i] != 0;
	/* -y: fd tables, and the calls that change them recorded; -c has no lines to show them. */
	if (t->cfg.fd_paths && !t->cfg.summary_only) {
		t->out.fdtab = fdtab__new(t->cfg.fd_paths);
		if (!t->out.fdtab)
			return log_error(EXIT_RUNTIME, "-y: out of memory");
		fdtab_calls(t->cfg.fd_paths, &t->shadow);
	}
	ret = output_open(&t->out, t->cfg.output);
	if (ret)
		return log_error(EXIT_RUNTIME, "-o %s: %s",
				 t->cfg.output ? t->cfg.output : "stdout", strerror(-ret));
	return 0;
}

/* -u: each SPEC resolved in the first traced process, or for -- CMD in its executable. */
static int add_probes(struct tracer *t)
{
	struct resolve_scope pc = scope_of(t);
	unsigned nspecs = t->cfg.nuprobes + t->cfg.nusdts;
	char err[1024];
	int ret;

	/*
	 * The SPECs' functions in one batch: one link per file and mode for all
	 * of them, attached once every SPEC has resolved (a process exit closes
	 * links one by one, a grace period each). Given up, the session undoes it.
	 */
	if ((ret = probes__batch_begin(t->sess)))
		return log_error(EXIT_RUNTIME, "probe batch: %s", strerror(-ret));
	for (unsigned i = 0; i < t->cfg.nuprobes; i++) {
		const struct uspec *u = &t->cfg.uprobes[i];
		char where[USPEC_NAME_MAX * 2 + 32];

		/* Between SPECs: a stop asked for ends set-up here, the session undoes the rest. */
		if (setup_cancelled())
			return interrupted(t);
		setup_progress("attaching", i, nspecs, "SPECs");
		ret = probes__add(t->sess, u, &pc, NULL, 0, err, sizeof(err));
		if (ret == -EINTR)
			return interrupted(t);
		uspec_where(u, where, sizeof(where));
		if (ret < 0)
			return log_error(ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME,
					 "probe '%s': %s", where, err);
	}
	ret = probes__batch_commit(t->sess, err, sizeof(err));
	if (ret == -EINTR)
		return interrupted(t);
	if (ret)
		return log_error(EXIT_RUNTIME, "%s", err);
	for (unsigned i = 0; i < t->cfg.nusdts; i++) {
		const struct usdt_arg *ua = &t->cfg.usdts[i];
		uint32_t id;

		if (setup_cancelled())
			return interrupted(t);
		setup_progress("attaching", t->cfg.nuprobes + i, nspecs, "SPECs");
		ret = probes__add_usdt(t->sess, &ua->spec, ua->provider, &pc, &id, err,
				       sizeof(err));
		if (ret == -EINTR)
			return interrupted(t);
		if (ret < 0)
			return log_error(ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME,
					 "usdt '%s:%s:%s': %s", ua->spec.target, ua->provider,
					 ua->spec.func, err);
	}
	if (t->file.pf) {
		if (setup_cancelled())
			return interrupted(t);
		ret = probe_source__apply_targets(&t->file, &t->cfg, t->sess, &t->file.pf->targets,
						  t->cfg.verbose ? stderr : NULL, err, sizeof(err));
		if (ret == -EINTR)
			return interrupted(t);
		if (ret < 0)
			return log_error(EXIT_RUNTIME, "%s: %s", t->cfg.probe_file, err);
		ret = plan_apply(t->sess, &t->file.plan, t->file.pf, &pc, NULL, err, sizeof(err));
		if (ret == -EINTR)
			return interrupted(t);
		if (ret)
			return log_error(ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "%s: %s",
					 t->cfg.probe_file, err);
	}
	return 0;
}

/* The reader's side of the queue: records in, the writer woken after each batch. */
static void on_record(void *ctx, const void *data, size_t size)
{
	queue_push(ctx, data, size);
}

static void on_batch(void *ctx)
{
	queue_kick(ctx);
}

/* The exporting sinks (--otlp, --json-file, output.sinks): opened before anything is attached. */
static int open_sinks(struct tracer *t)
{
	struct xsink_env env = { .sess = t->sess,
				 .start_ns = t->out.start_ns,
				 .start_unix_ns = t->out.start_unix_ns,
				 .syscall_durations = !t->cfg.exit_only,
				 .queue_dropped = &t->q.dropped,
				 .output_lost = &t->out.lost };
	char err[512];

	if (!t->cfg.exp.n)
		return 0;
	if (xsinks_open(t->out.xs, &t->out.nxs, &t->cfg.exp, &env, err, sizeof(err)))
		return log_error(EXIT_USAGE, "%s", err);
	return 0;
}

static int start(struct tracer *t)
{
	struct session_opts so = {
		.selected = t->cfg.selected,
		.shadow = t->out.fdtab ? &t->shadow : NULL,
		.on_record = on_record,
		.on_batch = on_batch,
		.ctx = &t->q,
		.ringbuf_bytes = t->cfg.ringbuf_bytes,
		.str_max = t->cfg.str_max,
		.poll_ms = POLL_MS,
		.follow = t->cfg.follow,
		.stream = !t->cfg.summary_only,
		.status_mask = t->cfg.status_mask,
		.signal_mask = t->cfg.signal_mask,
		.no_signals = t->cfg.no_signals,
		.max_procs = t->file.pf ? t->file.pf->limits.processes : 0,
		.max_thread_state = t->file.pf ? t->file.pf->limits.thread_state : 0,
		.max_exe_files = t->file.pf ? t->file.pf->limits.exe_files : 0,
		.max_followed = t->file.pf ? t->file.pf->limits.followed : 0,
		.max_followed_files = t->file.pf ? t->file.pf->limits.followed_files : 0,
		.max_namespaces = t->file.pf ? t->file.pf->limits.namespaces : 0,
		.max_candidates = t->file.pf ? t->file.pf->limits.candidates : 0,
		/* A probe file may add either kind at any reload. */
		.syscall_probes = t->file.pf != NULL,
		.no_func_probes = !t->file.pf && !t->cfg.nuprobes && !t->cfg.nusdts,
		.exit_only = t->cfg.exit_only,
		.trace_paths = (const char(*)[AT_STR_MAX])t->cfg.trace_paths,
		.ntrace_paths = t->cfg.ntrace_paths,
		.stack = t->cfg.stack,
	};
	char err[512];
	int ret;

	setup_progress_begin();
	if (setup_cancelled())
		return interrupted(t);
	/* Loading cannot be cut short (the verifier runs in the kernel): checked after. */
	t->sess = session__open(&so, err, sizeof(err));
	if (!t->sess)
		return log_error(EXIT_RUNTIME, "%s", err);
	t->out.sess = t->sess;
	if (setup_cancelled())
		return interrupted(t);
	if (t->cfg.cmd) {
		if (proc_spawn_held(t->cfg.cmd, &t->named.child, err, sizeof(err)))
			return log_error(EXIT_RUNTIME, "%s", err);
		if ((ret = session__add_held(t->sess, t->named.child.pid)))
			return log_error(EXIT_RUNTIME, "tracing pid %d: %s", t->named.child.pid,
					 strerror(-ret));
		/* -y: its fds as they are while it is held, before its first call. */
		if (t->out.fdtab)
			fdtab__seed(t->out.fdtab, (uint32_t)t->named.child.pid);
	}
	for (unsigned i = 0; i < t->cfg.npids; i++) {
		if ((ret = session__add_pid(t->sess, t->named.tgids[i])))
			return log_error(EXIT_RUNTIME, "-p %d: %s", t->cfg.pids[i], strerror(-ret));
		/* -y: its fds at attach; the calls after it are in the stream. */
		if (t->out.fdtab)
			fdtab__seed(t->out.fdtab, (uint32_t)t->named.tgids[i]);
	}
	/* Time 0: just before the first probe goes in, so records made while attaching count up. */
	t->out.start_ns = now_ns();
	/* Event times are relative to start_ns; wall-clock ones (-t, exports) from this. */
	{
		struct timespec rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		t->out.start_unix_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec -
				       (now_ns() - t->out.start_ns);
	}
	if ((ret = open_sinks(t)))
		return ret;
	if ((ret = add_probes(t)))
		return ret;
	if (setup_cancelled())
		return interrupted(t);
	if (session__attach(t->sess, err, sizeof(err)))
		return log_error(EXIT_RUNTIME, "%s", err);
	if ((ret = queue_init(&t->q,
			      t->file.pf && t->file.pf->limits.queue ? t->file.pf->limits.queue :
								       QUEUE_DEFAULT_LEN,
			      output_record, output_flush, &t->out)) ||
	    (ret = queue_start(&t->q)))
		return log_error(EXIT_RUNTIME, "record queue: %s", strerror(-ret));
	if ((ret = session__start(t->sess)))
		return log_error(EXIT_RUNTIME, "reader thread: %s", strerror(-ret));
	/*
	 * Set-up is over: signals are run()'s again. One that came once every
	 * probe was in still counts: a held command is then never released, and
	 * with -p tracing had begun, so run() ends it as a stop.
	 */
	setup_watch__stop(&t->watch);
	if (setup_cancelled() && t->cfg.cmd)
		return interrupted(t);
	t->setup_done_ns = now_ns();
	if (t->cfg.metrics) {
		struct metrics_opts mo = { .sess = t->sess,
					   .queue_dropped = &t->q.dropped,
					   .output_lost = &t->out.lost,
					   .syscall_durations = !t->cfg.exit_only,
					   .xs = t->out.xs,
					   .nxs = t->out.nxs,
					   .out = &t->out,
					   .health_timeout_ns = t->cfg.health_ns };

		if ((ret = metrics__start(&t->metrics, &mo)))
			return log_error(EXIT_RUNTIME, "--metrics %s: cannot serve: %s",
					 t->cfg.metrics, strerror(-ret));
	}
	if (t->cfg.cmd) {
		ret = proc_release(&t->named.child);
		if (ret)
			return log_error(EXIT_RUNTIME, "cannot execute '%s': %s", t->cfg.cmd[0],
					 strerror(-ret));
	}
	return check_alive(t);
}

/* -y: fds shown without their paths because a table was full: said, with -q too. */
static void warn_fdtab(struct tracer *t)
{
	struct fdtab_counters c;

	if (!t->out.fdtab)
		return;
	fdtab__counters(t->out.fdtab, &c);
	if (c.procs_over || c.fds_over)
		fprintf(stderr,
			"agent-trace: -y: fds shown without their paths: %llu processes past the "
			"%d tables, %llu fds at or past %d\n",
			(unsigned long long)c.procs_over, FDTAB_MAX_PROCS,
			(unsigned long long)c.fds_over, FDTAB_MAX_FD);
}

/* With -q there is no summary, but loss is never silent: one line on stderr. */
static void warn_loss(struct tracer *t)
{
	struct snapshot snap = { .queue_lost = atomic_load(&t->q.dropped),
				 .output_lost = t->out.lost };

	if (!snapshot__read_counters(&snap, t->sess))
		output_loss_line(stderr, &snap);
}

/*
 * Stops, drains, writes the summary: elapsed from time 0 (t->out.start_ns, before
 * the first attach) to end_ns (tracing stopped). The exit status: 1 when the
 * output failed.
 */
static int finish(struct tracer *t, uint64_t end_ns)
{
	struct snapshot snap = { 0 };
	int ret, code = EXIT_OK;

	/* The last scrape is done before the summary: nothing reads the maps beside it. */
	metrics__stop(&t->metrics);
	session__stop(t->sess);
	/* The reader has delivered the tail of the trace: the writer drains the queue. */
	queue_close(&t->q);
	/* What the sinks hold goes out now, within the flush timeout; the rest is counted. */
	xsinks_stop(t->out.xs, t->out.nxs, t->cfg.exp.shutdown_ns);
	if (xsinks_snapshot(t->out.xs, t->out.nxs, &snap))
		code = log_error(EXIT_RUNTIME, "summary: out of memory");
	/* A closed pipe (| head) ends the trace as other tools do: no summary, no error. */
	if (output_closed(&t->out))
		goto out;
	warn_fdtab(t);
	if (t->cfg.quiet && !t->cfg.summary_only) {
		output_close(&t->out);
		warn_loss(t);
		output_sink_lines(stderr, &snap, true);
		goto out;
	}
	snap.elapsed_s = (double)(end_ns - t->out.start_ns) / 1e9;
	snapshot__self(&snap);
	if ((ret = snapshot__read(&snap, t->sess))) {
		code = ret == -ENOMEM ?
			       log_error(EXIT_RUNTIME, "summary: out of memory") :
			       log_error(EXIT_RUNTIME, "reading statistics: %s", strerror(-ret));
		goto out;
	}
	snap.queue_lost = atomic_load(&t->q.dropped);
	/* Every record has been written or counted: the writer has finished. */
	snap.output_lost = t->out.lost;
	output_summary(&t->out, &snap);
	output_close(&t->out);
	if (output_closed(&t->out))
		goto out;
	/*
	 * Writing to a file (-o), or to an output that failed: the account of
	 * delivery and loss is (also) shown here.
	 */
	if ((t->cfg.output && !t->cfg.per_pid) || output_failed(&t->out)) {
		output_records_line(stderr, &snap);
		output_sink_lines(stderr, &snap, false);
	}
out:
	snapshot__free(&snap);
	return output_failed(&t->out) ? EXIT_RUNTIME : code;
}

/* Before set-up: the probe file, the system, the -p processes, the output, the signals. */
static int prepare(struct tracer *t)
{
	char err[512];
	int code, ret;

	/*
	 * Until signals are blocked, SIGINT simply ends agent-trace: nothing is
	 * attached yet, and a probe file or -o FILE that is a FIFO may block.
	 */
	if (t->cfg.probe_file && (code = probe_source__load(&t->file, &t->cfg)))
		return code;
	if (session__check_system(err, sizeof(err)))
		return log_error(EXIT_RUNTIME, "%s", err);
	if ((code = resolve_pids(t)) || (code = open_output(t)))
		return code;
	/* Bound now, served after set-up: a port in use fails before anything is attached. */
	if (t->cfg.metrics && (ret = metrics__bind(&t->metrics, &t->cfg.metrics_addr)))
		return log_error(EXIT_RUNTIME, "--metrics %s: %s", t->cfg.metrics, strerror(-ret));
	/*
	 * Signals go to the signalfd before set-up (load, resolve, attach), the
	 * steps that take a while; a watcher turns SIGINT and SIGTERM into a cancel.
	 */
	if (block_signals(t))
		return log_error(EXIT_RUNTIME, "signals: %s", strerror(errno));
	setup_progress_to(t->cfg.quiet ? NULL : stderr);
	if ((ret = setup_watch__start(&t->watch, t->sigfd, t->file.pf != NULL)))
		return log_error(EXIT_RUNTIME, "signal watcher: %s", strerror(-ret));
	return 0;
}

/* Undoes everything, whatever step was reached; returns the exit status code becomes. */
static int teardown(struct tracer *t, int code)
{
	setup_watch__stop(&t->watch);
	metrics__stop(&t->metrics);
	if (t->named.child.pid) {
		if (t->named.child.go_fd >= 0)
			proc_abort(&t->named.child);
		else
			waitpid(t->named.child.pid, NULL, WNOHANG);
	}
	/*
	 * The writer may still be formatting records, which look their probes
	 * up in the session (a stop late in set-up): stop the reader, let the
	 * writer drain and end, then free the session.
	 */
	if (t->sess)
		session__stop(t->sess);
	queue_free(&t->q);
	/* The writer has ended: nothing changes the fd tables any more. */
	fdtab__free(t->out.fdtab);
	t->out.fdtab = NULL;
	/* Their metrics read the session's maps: gone first. */
	xsinks_free(t->out.xs, &t->out.nxs);
	session__free(t->sess);
	probe_source__free(&t->file);
	for (unsigned i = 0; i < CLI_MAX_PIDS; i++)
		if (t->named.pidfds[i] >= 0)
			close(t->named.pidfds[i]);
	if (t->sigfd >= 0)
		close(t->sigfd);
	/* After finish() this only closes; on a set-up error it may still be the first to fail. */
	if (output_close(&t->out) && output_failed(&t->out) && !code)
		code = EXIT_RUNTIME;
	/* Said last, once it is true: the links are gone and the held command reaped. */
	if (t->interrupted)
		log_error(EXIT_RUNTIME, "interrupted during set-up; nothing left attached");
	return code;
}

/*
 * The daemon's lock: an flock on cfg->lock_file held for its life (the kernel
 * drops it however the daemon ends), with the holder's pid written in the file
 * for the refusal's message. Taken before anything is loaded. Returns the fd,
 * or -1 with the error printed and *code set.
 */
static int take_lock(const struct config *cfg, int *code)
{
	char buf[32] = "";
	int fd = open(cfg->lock_file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	ssize_t n;

	if (fd < 0) {
		*code = log_error(EXIT_RUNTIME, "--lock-file %s: %s", cfg->lock_file,
				  strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			n = pread(fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			*code = log_error(EXIT_RUNTIME,
					  "another agent-trace daemon holds %s (pid %s)",
					  cfg->lock_file, buf[0] ? buf : "unknown");
		} else {
			*code = log_error(EXIT_RUNTIME, "--lock-file %s: %s", cfg->lock_file,
					  strerror(e));
		}
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n) {
		*code = log_error(EXIT_RUNTIME, "--lock-file %s: %s", cfg->lock_file,
				  strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int agent_run(const struct config *cfg)
{
	struct tracer t = { .cfg = *cfg,
			    .file = { .ino_fd = -1 },
			    .sigfd = -1,
			    .watch = { .stop_fd = -1 },
			    .metrics = { .fd = -1 },
			    .named.child = { .go_fd = -1, .err_fd = -1 } };
	int code = EXIT_OK, lock_fd = -1;

	if (cfg->daemon && (lock_fd = take_lock(cfg, &code)) < 0)
		return code;
	for (unsigned i = 0; i < CLI_MAX_PIDS; i++)
		t.named.pidfds[i] = -1;
	log_libbpf(t.cfg.verbose);
	signal(SIGPIPE, SIG_IGN);

	code = prepare(&t);
	if (!code) {
		code = start(&t);
		/* The writer's SIGTERM for a closed pipe (output_gone) in set-up: a quiet end, status 0. */
		if (t.interrupted && output_closed(&t.out)) {
			t.interrupted = false;
			code = EXIT_OK;
		} else if (!code) {
			run(&t);
			/* The end of tracing, before detaching (which may take a while) begins. */
			code = finish(&t, now_ns());
		}
	}
	code = teardown(&t, code);
	/* Released last: a successor may start once everything is detached. */
	if (lock_fd >= 0)
		close(lock_fd);
	return code;
}
