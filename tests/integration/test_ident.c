// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Identity on every record, host side: a host process's OTLP resource
 * (process.pid, process.executable.path, host.name, k8s.node.name from
 * NODE_NAME) on every log record and its records' metrics, checked by the
 * test receiver against the OpenTelemetry definitions; the identity cache's
 * state before and after the process, in /metrics and the JSON summary.
 * The container side is in test_container.c.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "otlp_recv.h"

#define AT (char *)build_path("agent-trace")
#define NCALLS "300"
#define N 300L

TestSuite(ident_otlp, .timeout = 60);

/* The number after "KEY": in s after anchor. */
static long field_after(const char *s, const char *anchor, const char *key)
{
	const char *p = strstr(s, anchor);
	char k[64];

	cr_assert_not_null(p, "no %s in %s", anchor, s);
	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(p, k);
	cr_assert_not_null(p, "no %s after %s in %s", key, anchor, s);
	return strtol(p + strlen(k), NULL, 10);
}

Test(ident_otlp, a_host_process_resource)
{
	char out[64], err[64], calls[PATH_MAX], host[256], res_pid[64], res_exe[PATH_MAX + 32],
		res_host[300], *text, *log, *p;
	struct otlp_recv r;
	int st;
	pid_t at, pid;

	cr_assert_not_null(realpath(build_path("calls"), calls));
	cr_assert_eq(gethostname(host, sizeof(host)), 0);
	otlp_recv_start(&r, "id-host", NULL);
	tmp_name(out, sizeof(out), "id-host", "json");
	tmp_name(err, sizeof(err), "id-host", "err");
	cr_assert_eq(setenv("NODE_NAME", "node-test-7", 1), 0);
	at = spawn_logged((char *[]){ AT, "--json", "-o", out, "--otlp", r.url, "--otlp-interval",
				      "200ms", "-e", "getppid", "--", calls, "many", NCALLS, "300",
				      NULL },
			  "/dev/null", err);
	unsetenv("NODE_NAME");
	cr_assert_eq(waitpid(at, &st, 0), at);
	text = slurp(err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "agent-trace: %d: %s", st, text);
	/* With -o, stderr has the account of delivery alone: no error line. */
	cr_assert_null(strstr(text, "agent-trace:"), "%s", text);
	free(text);
	text = slurp(out);
	/* The traced process's pid, from its first JSON record. */
	p = strstr(text, "\"syscall\":\"getppid\"");
	cr_assert_not_null(p, "%s", text);
	while (p > text && strncmp(p, "\"pid\":", 6))
		p--;
	pid = (pid_t)strtol(p + 6, NULL, 10);
	cr_assert_gt(pid, 0);
	snprintf(res_pid, sizeof(res_pid), "res:process.pid=%d", pid);
	snprintf(res_exe, sizeof(res_exe), "res:process.executable.path=%s", calls);
	snprintf(res_host, sizeof(res_host), "res:host.name=%s", host);
	/* Every getppid record in the process's resource, with the node's attributes. */
	cr_assert_eq(otlp_recv_count(&r, "logs",
				     (char *[]){ res_pid, res_exe, res_host,
						 "res:k8s.node.name=node-test-7",
						 "res:service.name=agent-trace",
						 "syscall.name=getppid", NULL }),
		     N, "%ld %ld %ld %ld", otlp_recv_count(&r, "logs", (char *[]){ res_pid, NULL }),
		     otlp_recv_count(&r, "logs", (char *[]){ res_exe, NULL }),
		     otlp_recv_count(&r, "logs", (char *[]){ res_host, NULL }),
		     otlp_recv_count(&r, "logs", (char *[]){ "syscall.name=getppid", NULL }));
	cr_assert_eq(otlp_recv_count(&r, "logs", (char *[]){ "syscall.name=getppid", NULL }), N);
	/* Its exit too; no container on the host. */
	cr_assert_eq(
		otlp_recv_count(&r, "logs",
				(char *[]){ res_pid, res_exe, "agent_trace.event=exit", NULL }),
		1);
	log = otlp_recv_log(&r, NULL);
	cr_assert_null(strstr(log, "container.id"), "a host process has no container");
	cr_assert_null(strstr(log, "agent_trace.resources.folded"));
	free(log);
	/* Its records by container: the host's, in the node's resource (no process attributes). */
	cr_assert_eq(otlp_recv_count(&r, "metric",
				     (char *[]){ "agent_trace.syscall.records",
						 "syscall.name=getppid",
						 "res:k8s.node.name=node-test-7", NULL }),
		     N);
	/* One entry for the process, read once from /proc, released at its exit. */
	p = strstr(text, "{\"type\":\"summary\"");
	cr_assert_not_null(p, "%s", text);
	cr_assert_eq(field_after(p, "\"ident_cache\":{\"process\":", "misses"), 1, "%s", p);
	cr_assert_eq(field_after(p, "\"ident_cache\":{\"process\":", "released"), 1, "%s", p);
	cr_assert_eq(field_after(p, "\"ident_cache\":{\"process\":", "entries"), 0, "%s", p);
	cr_assert_geq(field_after(p, "\"ident_cache\":{\"process\":", "hits"), N, "%s", p);
	cr_assert_eq(otlp_recv_stat(&r, "invalid"), 0);
	free(text);
	unlink(out);
	unlink(err);
	otlp_recv_stop(&r, false);
}
