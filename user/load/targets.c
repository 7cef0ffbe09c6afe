// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe-file targets: every process, pids, executables and command names, now and at every exec. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctrmeta.h"
#include "podmeta.h"
#include "proc.h"
#include "session.h"
#include "setup.h"
#include "targets.h"
#include "util.h"

/* The executables t names on this host, as the kernel sees files: (dev, inode). */
struct inodes {
	struct at_inode_key *k; /* cap entries */
	unsigned n, cap;
	unsigned over; /* executables that matched but did not fit */
};

/* The file names exec compares, from the patterns' last components. */
struct names {
	struct at_name_key v[AT_MAX_TARGET_NAMES];
	struct exec_names en;
	unsigned over; /* names that did not fit */
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

	for (unsigned i = 0; in && i < in->n; i++)
		if (in->k[i].ino == k.ino && in->k[i].dev == k.dev)
			return true;
	return false;
}

static bool has_wildcard(const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
			return true;
	return false;
}

/* A name (n bytes of s) for exec to compare, whole or as a prefix. */
static void add_name(struct names *nm, const char *s, size_t n, bool prefix)
{
	struct at_name_key k = {};

	if (n > AT_NAME_LEN - 1) {
		/* The kernel compares the first 31 bytes: as a prefix, confirmed by path. */
		n = AT_NAME_LEN - 1;
		prefix = true;
	}
	memcpy(k.name, s, n);
	if (prefix)
		nm->en.lens |= 1u << n;
	for (unsigned i = 0; i < nm->en.n; i++)
		if (!memcmp(&nm->v[i], &k, sizeof(k)))
			return;
	if (nm->en.n == AT_MAX_TARGET_NAMES) {
		nm->over++;
		return;
	}
	nm->v[nm->en.n++] = k;
}

/* A pattern's last component: whole when literal, up to its first wildcard otherwise. */
static void pattern_name(struct names *nm, const char *pattern)
{
	const char *base = strrchr(pattern, '/') + 1;
	size_t lit = 0;

	while (base[lit] && !has_wildcard(base + lit, 1))
		lit++;
	if (!base[lit])
		add_name(nm, base, lit, false);
	else if (lit)
		add_name(nm, base, lit, true);
	else
		nm->en.any = true; /* "*.py": every exec is a candidate */
}

/*
 * Paths and globs to inodes on this host and to the names exec compares; a
 * pattern that matches nothing here is fine (it may appear, or be in a
 * container). A symlink's target's name is compared too (python3 ->
 * python3.11).
 */
static int resolve_exes(const struct pf_targets *t, struct inodes *in, struct names *nm, char *err,
			size_t errlen)
{
	in->k = calloc(in->cap, sizeof(*in->k));
	if (!in->k)
		return fail(err, errlen, "out of memory");
	for (unsigned i = 0; i < t->nexe; i++) {
		glob_t g = {};
		int r = glob(t->exe[i], GLOB_NOSORT, NULL, &g);

		pattern_name(nm, t->exe[i]);
		if (r == GLOB_NOMATCH) {
			globfree(&g);
			continue;
		}
		if (r) {
			globfree(&g);
			return fail(err, errlen, "targets: exe '%s': cannot expand", t->exe[i]);
		}
		for (size_t k = 0; k < g.gl_pathc; k++) {
			char real[PATH_MAX];
			struct stat st;

			if (stat(g.gl_pathv[k], &st) || !S_ISREG(st.st_mode))
				continue;
			/* One that does not fit is counted (and said once, after): the rest go in. */
			add_inode(in, &st);
			if (realpath(g.gl_pathv[k], real) && strcmp(real, g.gl_pathv[k]))
				add_name(nm, strrchr(real, '/') + 1, strlen(strrchr(real, '/') + 1),
					 false);
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
 * Whether pid's executable is t's by path: as the process sees it, or a
 * literal path of t naming the same file in its root. host, when not NULL,
 * holds the inodes the patterns name here.
 */
static bool exe_matches(const struct pf_targets *t, const struct inodes *host, pid_t pid)
{
	char path[64], link[PATH_MAX];
	struct stat exe;
	bool deleted;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &exe))
		return false;
	if (has_inode(host, &exe))
		return true;
	/* A file replaced or removed since the exec: the path it had. */
	if (proc_exe_link(pid, link, sizeof(link), &deleted))
		return false;
	for (unsigned i = 0; i < t->nexe; i++) {
		char in_root[PATH_MAX + 32];
		struct stat st;

		if (!fnmatch(t->exe[i], link, FNM_PATHNAME))
			return true;
		if (has_wildcard(t->exe[i], SIZE_MAX))
			continue;
		snprintf(in_root, sizeof(in_root), "/proc/%d/root%s", pid, t->exe[i]);
		if (!stat(in_root, &st) && st.st_dev == exe.st_dev && st.st_ino == exe.st_ino)
			return true;
	}
	return false;
}

bool targets_exe_matches(const struct pf_targets *t, pid_t pid)
{
	return t->nexe && exe_matches(t, NULL, pid);
}

bool targets_exec_matches(const struct pf_targets *t, pid_t pid, const char *path)
{
	char exe[64];

	for (unsigned i = 0; *path == '/' && i < t->nexe; i++)
		if (!fnmatch(t->exe[i], path, FNM_PATHNAME))
			return true;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	if (access(exe, F_OK))
		return *path != '/';
	return targets_exe_matches(t, pid);
}

/* Container and pod selectors */

/* Containers whose runtime names are kept (set-up and reader threads share them). */
#define CTR_CACHE 256

/* What the selectors see of a container: its runtime's names, its pod's. */
struct ctr_names {
	char id[CG_ID_LEN + 1]; /* "" unused */
	struct ctr_meta cm;
	struct pod_meta pm;
};

static struct {
	pthread_mutex_t lock;
	struct podmeta_cache *pods;
	struct ctr_names e[CTR_CACHE];
	unsigned next;
} ctrs = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* id's names, read once (the runtime writes them before the container starts). Under lock. */
static const struct ctr_names *ctr_names(const struct cgroup_ident *id)
{
	const char *key = id->id[0] ? id->id : id->pod_uid;
	const struct pod_meta *pm;
	struct ctr_names *e;

	for (unsigned i = 0; i < CTR_CACHE; i++)
		if (!strcmp(ctrs.e[i].id, key))
			return &ctrs.e[i];
	if (!ctrs.pods)
		ctrs.pods = podmeta_cache__new(NULL);
	e = &ctrs.e[ctrs.next++ % CTR_CACHE];
	*e = (struct ctr_names){ 0 };
	snprintf(e->id, sizeof(e->id), "%s", key);
	if (id->id[0])
		ctrmeta_lookup(NULL, NULL, id->id, &e->cm);
	if (ctrs.pods && (pm = podmeta_cache__get(ctrs.pods, id)))
		e->pm = *pm;
	return e;
}

static bool glob_ok(const char *pat, const char *s)
{
	return !pat[0] || (s[0] && !fnmatch(pat, s, 0));
}

/* The whole reference, or with no '/' in the pattern its last component ("nginx:*"). */
static bool image_ok(const char *pat, const char *img)
{
	const char *base = strrchr(img, '/');

	if (!pat[0])
		return true;
	if (!img[0])
		return false;
	return !fnmatch(pat, img, 0) || (!strchr(pat, '/') && base && !fnmatch(pat, base + 1, 0));
}

static bool ctr_sel_ok(const struct pf_ctr_sel *sel, const struct cgroup_ident *id,
		       const struct ctr_names *n)
{
	if (!id->id[0] || strncmp(id->id, sel->id, strlen(sel->id)))
		return false;
	/* The runtime's name, or on Kubernetes the container's. */
	if (sel->name[0] && !glob_ok(sel->name, n->cm.name) && !glob_ok(sel->name, n->pm.container))
		return false;
	return image_ok(sel->image, n->cm.image);
}

static bool pod_sel_ok(const struct pf_pod_sel *sel, const struct ctr_names *n)
{
	return (n->pm.ns[0] || n->pm.pod[0]) && glob_ok(sel->ns, n->pm.ns) &&
	       glob_ok(sel->name, n->pm.pod);
}

int targets_ctr_match(const struct pf_targets *t, pid_t pid)
{
	char path[64], text[8192];
	struct cgroup_ident id = { 0 };
	const struct ctr_names *n;
	bool match = false;
	ssize_t len;
	int fd;

	if (!t->nctrs && !t->npods)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, text, sizeof(text));
	close(fd);
	if (len <= 0)
		return -1;
	if (!cgroup_parse(text, (size_t)len, &id) || (!id.id[0] && !id.pod_uid[0]))
		return 0;
	pthread_mutex_lock(&ctrs.lock);
	n = ctr_names(&id);
	for (unsigned i = 0; !match && i < t->nctrs; i++)
		match = ctr_sel_ok(&t->ctrs[i], &id, n);
	for (unsigned i = 0; !match && i < t->npods; i++)
		match = pod_sel_ok(&t->pods[i], n);
	pthread_mutex_unlock(&ctrs.lock);
	return match;
}

/*
 * Running processes that match by executable or name (every one, with all)
 * join the traced set: how many did, or -EINTR when set-up was cancelled
 * meanwhile.
 */
static int scan_proc(struct session *s, const struct pf_targets *t, const struct inodes *in,
		     FILE *log)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int added = 0;
	unsigned seen = 0;
	pid_t self = getpid();

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[64], comm[32] = "";
		bool match;
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		FILE *f;

		/* Thousands of processes take a while: a stop asked for ends the scan. */
		if (!(++seen % 256) && setup_cancelled()) {
			closedir(d);
			return -EINTR;
		}
		if (*end || pid <= 0 || pid == self || session__has_pid(s, (pid_t)pid))
			continue;
		if (t->all) {
			/* Traced already (every bit is set): function probes must find its files. */
			session__follow_pid(s, (pid_t)pid);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		match = t->ncomm && comm_matches(t, comm);
		if (!match && t->nexe)
			match = exe_matches(t, in, (pid_t)pid);
		if (!match && targets_ctr_match(t, (pid_t)pid) == 1) {
			uint64_t ns;

			match = true;
			/* Its children and its container's later execs join in the kernel. */
			if (!proc_mntns_id((pid_t)pid, &ns))
				session__set_mntns_verdict(s, ns, true);
		}
		if (!match || session__add_pid(s, (pid_t)pid))
			continue;
		session__follow_pid(s, (pid_t)pid);
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
	struct names *nm = calloc(1, sizeof(*nm));
	int added = 0, ret = -1;

	if (!in || !nm) {
		free(nm);
		free(in);
		return fail(err, errlen, "out of memory");
	}
	nm->en.v = nm->v;
	in->cap = session__max_exe_files(s);
	for (unsigned i = 0; i < t->npids; i++) {
		pid_t tgid = proc_tgid(t->pids[i]);

		if (tgid < 0) {
			fail(err, errlen, "targets: pid %d: %s", t->pids[i],
			     tgid == -ESRCH ? "no such process" : strerror(-tgid));
			goto out;
		}
	}
	if (resolve_exes(t, in, nm, err, errlen))
		goto out;
	/* Never silent: the files past the bound are not matched at exec, and said so. */
	if (in->over)
		fprintf(stderr,
			"agent-trace: targets: exe: %u more executables match than limits.exe_files "
			"(%u) holds; they are not traced: raise it\n",
			in->over, in->cap);
	if (nm->over)
		fprintf(stderr,
			"agent-trace: targets: exe: %u file names past the %d exec compares; "
			"processes exec'ing them later are not traced\n",
			nm->over, AT_MAX_TARGET_NAMES);
	for (unsigned i = 0; i < t->npids; i++) {
		pid_t tgid = proc_tgid(t->pids[i]);

		if (tgid < 0 || session__has_pid(s, tgid))
			continue;
		if ((ret = session__add_pid(s, tgid))) {
			fail(err, errlen, "targets: pid %d: %s", t->pids[i], strerror(-ret));
			ret = -1;
			goto out;
		}
		session__follow_pid(s, tgid);
		added++;
	}
	/* What confirms a match by name from here on, before the kernel makes any. */
	if ((ret = session__set_candidate_targets(s, t))) {
		fail(err, errlen, "targets: %s", strerror(-ret));
		ret = -1;
		goto out;
	}
	/* The kernel's match sets first, then the scan: a process exec'ing in between is seen. */
	ret = session__set_ctr_targets(s, t->nctrs || t->npods);
	if (!ret && (t->nctrs || t->npods)) {
		uint64_t ns;
		int m = targets_ctr_match(t, 1);

		/* The host's (or the agent's container's) init: its namespace's execs are the most. */
		if (m >= 0 && !proc_mntns_id(1, &ns))
			session__set_mntns_verdict(s, ns, m == 1);
	}
	if (!ret)
		ret = session__set_exec_targets(s, t->comm, t->ncomm, in->k, in->n, &nm->en);
	if (!ret && t->all != session__traces_all(s))
		ret = session__trace_all(s, t->all);
	if (ret) {
		fail(err, errlen, "targets: %s", strerror(-ret));
		ret = -1;
		goto out;
	}
	if (targets_open_ended(t)) {
		ret = scan_proc(s, t, in, log);
		if (ret < 0) {
			fail(err, errlen, "interrupted");
			goto out;
		}
		added += ret;
	}
	ret = added;
out:
	inodes_free(in);
	free(nm);
	return ret;
}

bool targets_open_ended(const struct pf_targets *t)
{
	return t->nexe || t->ncomm || t->all || t->nctrs || t->npods;
}
