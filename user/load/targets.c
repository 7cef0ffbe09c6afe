// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe-file targets: pids, executables and command names, now and at every exec. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "proc.h"
#include "session.h"
#include "setup.h"
#include "targets.h"
#include "util.h"

/* The executables t names, as the kernel sees files: (dev, inode). */
struct inodes {
	struct at_inode_key *k; /* cap entries */
	unsigned n, cap;
	unsigned over; /* executables that matched but did not fit */
};

static void inodes_free(struct inodes *in)
{
	free(in->k);
	free(in);
}

static struct at_inode_key key_of(const struct stat *st)
{
	/* The kernel's dev_t: major in the top 12 bits, minor in the low 20. */
	struct at_inode_key k = {
		.ino = st->st_ino,
		.dev = (__u32)(major(st->st_dev) << 20 | minor(st->st_dev)),
	};

	return k;
}

static int add_inode(struct inodes *in, const struct stat *st)
{
	struct at_inode_key k = key_of(st);

	for (unsigned i = 0; i < in->n; i++)
		if (in->k[i].ino == k.ino && in->k[i].dev == k.dev)
			return 0;
	if (in->n == in->cap) {
		in->over++;
		return -1;
	}
	in->k[in->n++] = k;
	return 0;
}

static bool has_inode(const struct inodes *in, const struct stat *st)
{
	struct at_inode_key k = key_of(st);

	for (unsigned i = 0; i < in->n; i++)
		if (in->k[i].ino == k.ino && in->k[i].dev == k.dev)
			return true;
	return false;
}

/* Paths and globs to inodes; a pattern that matches nothing now is fine (it may appear). */
static int resolve_exes(const struct pf_targets *t, struct inodes *in, char *err, size_t errlen)
{
	in->k = calloc(in->cap, sizeof(*in->k));
	if (!in->k)
		return fail(err, errlen, "out of memory");
	for (unsigned i = 0; i < t->nexe; i++) {
		glob_t g = {};
		int r = glob(t->exe[i], GLOB_NOSORT, NULL, &g);

		if (r == GLOB_NOMATCH) {
			globfree(&g);
			continue;
		}
		if (r) {
			globfree(&g);
			return fail(err, errlen, "targets: exe '%s': cannot expand", t->exe[i]);
		}
		for (size_t k = 0; k < g.gl_pathc; k++) {
			struct stat st;

			if (stat(g.gl_pathv[k], &st) || !S_ISREG(st.st_mode))
				continue;
			/* One that does not fit is counted (and said once, after): the rest go in. */
			add_inode(in, &st);
		}
		globfree(&g);
	}
	return 0;
}

static bool comm_matches(const struct pf_targets *t, const char *comm)
{
	for (unsigned i = 0; i < t->ncomm; i++)
		if (!strcmp(t->comm[i], comm))
			return true;
	return false;
}

/*
 * Running processes that match by executable or name join the traced set: how
 * many did, or -EINTR when set-up was cancelled meanwhile.
 */
static int scan_proc(struct session *s, const struct pf_targets *t, const struct inodes *in,
		     FILE *log)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int added = 0;
	unsigned seen = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[64], comm[32] = "";
		struct stat st;
		bool match = false;
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		FILE *f;

		/* Thousands of processes take a while: a stop asked for ends the scan. */
		if (!(++seen % 256) && setup_cancelled()) {
			closedir(d);
			return -EINTR;
		}
		if (*end || pid <= 0 || session__has_pid(s, (pid_t)pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		if (t->ncomm && comm_matches(t, comm))
			match = true;
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		if (!match && in->n && !stat(path, &st) && has_inode(in, &st))
			match = true;
		if (!match || session__add_pid(s, (pid_t)pid))
			continue;
		added++;
		if (log)
			fprintf(log, "agent-trace: tracing %ld (%s): a target of the probe file\n",
				pid, comm);
	}
	closedir(d);
	return added;
}

int targets_apply(struct session *s, const struct pf_targets *t, FILE *log, char *err,
		  size_t errlen)
{
	struct inodes *in = calloc(1, sizeof(*in));
	int added = 0, ret;

	if (!in)
		return fail(err, errlen, "out of memory");
	in->cap = session__max_exe_files(s);
	for (unsigned i = 0; i < t->npids; i++) {
		pid_t tgid = proc_tgid(t->pids[i]);

		if (tgid < 0) {
			inodes_free(in);
			return fail(err, errlen, "targets: pid %d: %s", t->pids[i],
				    tgid == -ESRCH ? "no such process" : strerror(-tgid));
		}
	}
	if (resolve_exes(t, in, err, errlen)) {
		inodes_free(in);
		return -1;
	}
	/* Never silent: the files past the bound are not matched at exec, and said so. */
	if (in->over)
		fprintf(stderr,
			"agent-trace: targets: exe: %u more executables match than limits.exe_files "
			"(%u) holds; they are not traced: raise it\n",
			in->over, in->cap);
	for (unsigned i = 0; i < t->npids; i++) {
		pid_t tgid = proc_tgid(t->pids[i]);

		if (tgid < 0 || session__has_pid(s, tgid))
			continue;
		if ((ret = session__add_pid(s, tgid))) {
			inodes_free(in);
			return fail(err, errlen, "targets: pid %d: %s", t->pids[i], strerror(-ret));
		}
		added++;
	}
	/* The kernel's match sets first, then the scan: a process exec'ing in between is seen. */
	ret = session__set_exec_targets(s, t->comm, t->ncomm, in->k, in->n);
	if (ret) {
		inodes_free(in);
		return fail(err, errlen, "targets: %s", strerror(-ret));
	}
	if (t->ncomm || in->n) {
		ret = scan_proc(s, t, in, log);
		if (ret < 0) {
			inodes_free(in);
			fail(err, errlen, "interrupted");
			return ret;
		}
		added += ret;
	}
	inodes_free(in);
	return added;
}

bool targets_open_ended(const struct pf_targets *t)
{
	return t->nexe || t->ncomm;
}
