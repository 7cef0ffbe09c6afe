// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -C: the probe file merged with the command line, watched, and reloaded as one transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"
#include "probedir.h"
#include "probefile.h"
#include "proc.h"
#include "reload.h"
#include "setup.h"
#include "targets.h"

/* The diff of a reload as log lines, each behind the agent-trace prefix. */
static void log_lines(const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(stderr, "agent-trace:   %.*s\n", n, p);
		p = nl ? nl + 1 : NULL;
	}
}

static struct pid_origin *origin_of(struct probe_source *ps, const char *file, pid_t pid)
{
	for (unsigned i = 0; i < ps->npids; i++)
		if (ps->pids[i].pid == pid && !strcmp(ps->pids[i].file, file))
			return &ps->pids[i];
	return NULL;
}

static struct pid_origin *origin_add(struct probe_source *ps, const char *file, pid_t pid)
{
	struct pid_origin *o;

	if (ps->npids == ps->cap_pids) {
		unsigned cap = ps->cap_pids ? 2 * ps->cap_pids : 16;
		struct pid_origin *n = realloc(ps->pids, cap * sizeof(*n));

		if (!n)
			return NULL;
		ps->pids = n;
		ps->cap_pids = cap;
	}
	o = &ps->pids[ps->npids++];
	*o = (struct pid_origin){ .pid = pid };
	snprintf(o->file, sizeof(o->file), "%s", file);
	return o;
}

/* The line for a pids target that has exited, once while its file names it. */
static void say_gone(struct pid_origin *o)
{
	if (o->warned)
		return;
	fprintf(stderr,
		"agent-trace: %s: targets: pid %d: no such process; skipped, the rest of the set "
		"applies\n",
		o->file, (int)o->pid);
	o->warned = true;
}

/*
 * The daemon's filter on each file's pids (probedir_opts.keep_pid): a process
 * that has exited is left out of the set rather than refusing it, since a
 * node's set outlives the processes a file once named. Said once per file and
 * pid; a pid that exists again (reused) is a target again and may be said again.
 */
static bool keep_live_pid(void *ctx, const char *file, pid_t pid)
{
	struct probe_source *ps = ctx;
	struct pid_origin *o = origin_of(ps, file, pid);
	bool alive = proc_tgid(pid) > 0;
	struct pid_origin tmp;

	/* Out of memory: judged all the same, only its line may come again. */
	if (!o && !(o = origin_add(ps, file, pid))) {
		tmp = (struct pid_origin){ .pid = pid };
		snprintf(tmp.file, sizeof(tmp.file), "%s", file);
		o = &tmp;
	}
	o->seen = true;
	if (alive)
		o->warned = false;
	else
		say_gone(o);
	return alive;
}

/* -C FILE, or the daemon's directory of probe files merged into one. */
static int load_set(struct probe_source *ps, const struct config *cfg, struct probefile **pf,
		    char *err, size_t errlen)
{
	struct probedir_opts o = { .warn = stderr, .keep_pid = keep_live_pid, .ctx = ps };
	unsigned k = 0;

	if (!cfg->daemon)
		return probefile_load(cfg->probe_file, pf, err, errlen);
	for (unsigned i = 0; i < ps->npids; i++)
		ps->pids[i].seen = false;
	if (probedir_load_opts(cfg->config_dir, &o, pf, err, errlen))
		return -1;
	/* The set is read: what no file names any more is forgotten. */
	for (unsigned i = 0; i < ps->npids; i++)
		if (ps->pids[i].seen)
			ps->pids[k++] = ps->pids[i];
	ps->npids = k;
	return 0;
}

/* The pids of t that have exited, removed from t, each said once per file; how many. */
static unsigned drop_gone(struct probe_source *ps, struct pf_targets *t)
{
	unsigned k = 0, n = t->npids;

	for (unsigned i = 0; i < n; i++) {
		if (proc_tgid(t->pids[i]) > 0) {
			t->pids[k++] = t->pids[i];
			continue;
		}
		for (unsigned j = 0; j < ps->npids; j++)
			if (ps->pids[j].pid == t->pids[i])
				say_gone(&ps->pids[j]);
	}
	t->npids = k;
	return n - k;
}

int probe_source__apply_targets(struct probe_source *ps, const struct config *cfg,
				struct session *s, struct pf_targets *t, FILE *log, char *err,
				size_t errlen)
{
	int ret = targets_apply(s, t, log, err, errlen);

	/* A pid that exited between the read of the set and now: skipped as the read would. */
	if (ret < 0 && ret != -EINTR && cfg->daemon && drop_gone(ps, t))
		ret = targets_apply(s, t, log, err, errlen);
	return ret;
}

void probe_source__reload(struct probe_source *ps, const struct config *cfg, struct session *s,
			  const struct resolve_scope *pc)
{
	struct probefile *npf;
	struct plan_diff d;
	char err[1024], *diff = NULL;
	size_t difflen = 0;
	FILE *mem;
	int ret;

	/* A reload is a set-up of its own: progress lines once it has taken a second. */
	setup_progress_begin();
	if (load_set(ps, cfg, &npf, err, sizeof(err))) {
		fprintf(stderr, "agent-trace: reload: %s; the current probes run on\n", err);
		return;
	}
	/* -C: a pid that is gone refuses the reload (the daemon's set skipped it: load_set). */
	for (unsigned i = 0; !cfg->daemon && i < npf->targets.npids; i++) {
		if (proc_tgid(npf->targets.pids[i]) < 0) {
			fprintf(stderr,
				"agent-trace: reload: %s: targets: pid %d: no such process; the "
				"current probes run on\n",
				cfg->probe_file, npf->targets.pids[i]);
			probefile_free(npf);
			return;
		}
	}
	mem = open_memstream(&diff, &difflen);
	plan_diff(&ps->plan, npf, mem, &d);
	if (mem)
		fclose(mem);
	if (cfg->dry_run) {
		fprintf(stderr,
			"agent-trace: reload (dry run, nothing applied): %u new, %u changed, %u "
			"removed, %u unchanged\n",
			d.added, d.changed, d.removed, d.unchanged);
		log_lines(diff);
		goto out;
	}
	ret = plan_apply(s, &ps->plan, npf, pc, &d, err, sizeof(err));
	if (ret) {
		fprintf(stderr,
			"agent-trace: reload: %s: %s; rolled back, the current probes run on\n",
			cfg->probe_file, err);
		goto out;
	}
	fprintf(stderr, "agent-trace: reload: %u new, %u changed, %u removed, %u unchanged\n",
		d.added, d.changed, d.removed, d.unchanged);
	log_lines(diff);
	if (probe_source__apply_targets(ps, cfg, s, &npf->targets, stderr, err, sizeof(err)) < 0)
		fprintf(stderr, "agent-trace: reload: %s\n", err);
	if (memcmp(&npf->limits, &ps->pf->limits, sizeof(npf->limits)) ||
	    memcmp(&npf->output, &ps->pf->output, sizeof(npf->output)))
		fprintf(stderr, "agent-trace: reload: output and limits take effect at restart\n");
	probefile_free(ps->pf);
	ps->pf = npf;
	npf = NULL;
out:
	free(diff);
	probefile_free(npf);
}

/* Watches the probe file's directory: editors that replace the file by rename count too. */
static int watch_probe_file(struct probe_source *ps, const struct config *cfg)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(cfg->probe_file, '/');

	if (cfg->daemon) {
		/*
		 * The directory itself, and the events of every probe file and dot entry
		 * in it: a ConfigMap's update is a new ..data symlink renamed over the
		 * old one, and the names seen (..data_tmp, ..data) are none of the probe
		 * files'. base stays "".
		 */
		ps->base[0] = '\0';
		ps->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ps->ino_fd < 0)
			return log_error(EXIT_RUNTIME, "--config-dir %s: inotify: %s",
					 cfg->config_dir, strerror(errno));
		if (inotify_add_watch(ps->ino_fd, cfg->config_dir,
				      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
					      IN_DELETE) < 0)
			return log_error(EXIT_RUNTIME, "--config-dir %s: watching: %s",
					 cfg->config_dir, strerror(errno));
		return 0;
	}
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s",
			 (int)(slash - cfg->probe_file + (slash == cfg->probe_file)),
			 cfg->probe_file);
		snprintf(ps->base, sizeof(ps->base), "%s", slash + 1);
	} else {
		snprintf(dir, sizeof(dir), ".");
		snprintf(ps->base, sizeof(ps->base), "%s", cfg->probe_file);
	}
	ps->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ps->ino_fd < 0)
		return log_error(EXIT_RUNTIME, "-C %s: inotify: %s", cfg->probe_file,
				 strerror(errno));
	if (inotify_add_watch(ps->ino_fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0)
		return log_error(EXIT_RUNTIME, "-C %s: watching %s: %s", cfg->probe_file, dir,
				 strerror(errno));
	return 0;
}

bool probe_source__changed(struct probe_source *ps)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;

	while ((n = read(ps->ino_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->len &&
			    (ps->base[0] ? !strcmp(ev->name, ps->base) : probedir_counts(ev->name)))
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}

int probe_source__load(struct probe_source *ps, struct config *c)
{
	char err[1024];

	if (load_set(ps, c, &ps->pf, err, sizeof(err)))
		return log_error(EXIT_USAGE, "%s", err);
	if (!c->bufsize_given && ps->pf->limits.ringbuf_bytes)
		c->ringbuf_bytes = ps->pf->limits.ringbuf_bytes;
	if (!c->str_given && ps->pf->limits.str_max)
		c->str_max = ps->pf->limits.str_max;
	/* The file checked its strings against its own limit; -s may be shorter. */
	for (unsigned i = 0; c->str_given && i < ps->pf->nprobes; i++) {
		const struct pf_probe *fp = &ps->pf->probes[i];

		for (unsigned k = 0; k < fp->filter.ncond; k++) {
			const struct at_cond *cd = &fp->filter.cond[k];

			if (cd->is_str && cd->field != AT_FLD_COMM && cd->slen > c->str_max)
				return log_error(EXIT_USAGE,
						 "%s: probe '%s': filter string \"%.*s\" is longer "
						 "than -s %u and can never match; raise -s",
						 c->probe_file, fp->name, (int)cd->slen, cd->str,
						 c->str_max);
		}
	}
	if (!c->output && ps->pf->output.file[0])
		c->output = ps->pf->output.file;
	if (!c->json && ps->pf->output.has_format)
		c->json = ps->pf->output.format == PF_FMT_JSON;
	if (!c->metrics && ps->pf->output.metrics[0]) {
		c->metrics = ps->pf->output.metrics;
		if (metrics_parse_addr(c->metrics, &c->metrics_addr, err, sizeof(err)))
			return log_error(EXIT_USAGE, "%s: %s", c->probe_file, err);
	}
	/* The command line's sinks first, then the file's. */
	for (unsigned i = 0; i < ps->pf->output.exp.n; i++) {
		if (c->exp.n == SINKS_MAX)
			return log_error(EXIT_USAGE,
					 "%s: output: sinks: with the command line's, at "
					 "most %d sinks",
					 c->probe_file, SINKS_MAX);
		c->exp.sinks[c->exp.n++] = ps->pf->output.exp.sinks[i];
	}
	if (!c->exp.has_shutdown && ps->pf->output.exp.has_shutdown)
		c->exp.shutdown_ns = ps->pf->output.exp.shutdown_ns;
	/* A daemon waits for a set that names its targets: an empty directory is a start. */
	if (!c->daemon && !c->npids && !c->cmd && !ps->pf->targets.npids &&
	    !targets_open_ended(&ps->pf->targets))
		return log_error(EXIT_USAGE,
				 "%s: nothing to trace: give -p PID, -- CMD, or a targets section",
				 c->probe_file);
	return watch_probe_file(ps, c);
}

void probe_source__free(struct probe_source *ps)
{
	plan_free(&ps->plan);
	probefile_free(ps->pf);
	ps->pf = NULL;
	free(ps->pids);
	ps->pids = NULL;
	ps->npids = ps->cap_pids = 0;
	if (ps->ino_fd >= 0)
		close(ps->ino_fd);
	ps->ino_fd = -1;
}
