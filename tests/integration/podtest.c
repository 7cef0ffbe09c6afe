// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Tests with a real container runtime: podman scratch areas, images, containers, an agent. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "podtest.h"

#define AT (char *)build_path("agent-trace")

void pt_setup(struct podtest *p, const char *tag)
{
	podman_scratch(tag, p->dir, p->store, p->run_dir, p->tmp_dir);
}

void pt_teardown(struct podtest *p)
{
	if (!p->dir[0])
		return;
	free(sh(PT_PODMAN
		" --root %s --runroot %s --tmpdir %s rm -f -a -t 0 >/dev/null 2>&1;" PT_PODMAN
		" --root %s --runroot %s --tmpdir %s rmi -af >/dev/null 2>&1;"
		" rm -rf %s",
		p->store, p->run_dir, p->tmp_dir, p->store, p->run_dir, p->tmp_dir, p->dir));
}

char *pt_podman(const struct podtest *p, const char *fmt, ...)
{
	char rest[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	return sh(PT_PODMAN " --root %s --runroot %s --tmpdir %s %s", p->store, p->run_dir,
		  p->tmp_dir, rest);
}

void pt_image(const struct podtest *p, const char *name, const char *tag, const char *bins,
	      const char *extra)
{
	free(sh("set -e; r=%s/%s-%s; rm -rf $r; mkdir -p $r/usr/bin; for b in %s; do"
		" cp $b $r/usr/bin/; for l in $(ldd $b | grep -o '/[^ ]*'); do"
		" mkdir -p $r$(dirname $l); cp -L $l $r$l; done; done;"
		" echo %s-%s > $r/image; %s; tar -C $r -cf $r.tar .",
		p->dir, name, tag, bins, name, tag, extra ? extra : ":"));
	free(pt_podman(p, "import -q %s/%s-%s.tar localhost/%s:%s", p->dir, name, tag, name, tag));
}

char *pt_run(const struct podtest *p, const char *opts, const char *image, const char *args)
{
	char cmd[2048], cid[96], *id;
	pid_t pid;
	int st;

	snprintf(cmd, sizeof(cmd),
		 PT_PODMAN " --root %s --runroot %s --tmpdir %s run -d --network none %s %s %s",
		 p->store, p->run_dir, p->tmp_dir, opts ? opts : "", image, args);
	snprintf(cid, sizeof(cid), "%s/cid", p->dir);
	pid = spawn_logged((char *[]){ "/bin/sh", "-c", cmd, NULL }, cid, "/dev/null");
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %d", cmd, st);
	id = slurp(cid);
	id[strcspn(id, "\n")] = '\0';
	cr_assert_eq(strlen(id), 64, "podman run: %s", id);
	return id;
}

void pt_wait(const struct podtest *p, const char *id)
{
	char *code = pt_podman(p, "wait %s", id);

	cr_assert_eq(atoi(code), 0, "container %.12s exited %s", id, code);
	free(code);
}

void pt_agent_start(struct pt_agent *a, const char *tag, const char *y)
{
	char addr[32], *body = NULL;
	int st = -1;

	tmp_names(tag, a->yaml, a->out, a->err);
	write_text(a->yaml, "%s", y);
	a->port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", a->port);
	a->pid = spawn_logged((char *[]){ AT, "-C", a->yaml, "--json", "--metrics", addr, NULL },
			      a->out, a->err);
	/* /healthz answers once set-up is done. */
	for (int i = 0; i < 1000 && st != 200; i++) {
		free(body);
		body = NULL;
		st = http_get(a->port, "/healthz", &body);
		if (st != 200)
			usleep(10 * 1000);
	}
	free(body);
	cr_assert_eq(st, 200, "agent-trace did not start: %s", slurp(a->err));
}

long long pt_metric(const struct pt_agent *a, const char *name)
{
	char *body = NULL, key[128], *p;
	long long v = -1;

	cr_assert_eq(http_get(a->port, "/metrics", &body), 200);
	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(body, key);
	if (p)
		v = atoll(p + strlen(key));
	free(body);
	return v;
}

char *pt_agent_stop(struct pt_agent *a, char **err)
{
	int st;

	kill(a->pid, SIGINT);
	cr_assert_eq(waitpid(a->pid, &st, 0), a->pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace: status %d: %s", st,
		  slurp(a->err));
	*err = slurp(a->err);
	return slurp(a->out);
}

size_t pt_lines2(const char *s, const char *a, const char *b)
{
	size_t n = 0;

	for (const char *l = s; l && *l;) {
		const char *e = strchr(l, '\n');
		char *line = strndup(l, e ? (size_t)(e - l) : strlen(l));

		n += strstr(line, a) && (!b || strstr(line, b));
		free(line);
		l = e ? e + 1 : NULL;
	}
	return n;
}

const char *pt_cid(const char *id)
{
	static char b[4][96];
	static int k;

	snprintf(b[k % 4], sizeof(b[0]), "\"container_id\":\"%s\"", id);
	return b[k++ % 4];
}
