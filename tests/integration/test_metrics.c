// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --metrics: the Prometheus endpoint scraped while a trace runs, checked by promtool. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define AT (char *)build_path("agent-trace")
#define CALLS (char *)build_path("calls")

/* Waits (10 s at most) until /healthz answers: agent-trace serves once set-up is done. */
static void wait_serving(int port, pid_t tracer)
{
	char *body = NULL;
	int st = -1;

	for (int i = 0; i < 1000 && (st = http_get(port, "/healthz", &body)) != 200; i++) {
		cr_assert_eq(waitpid(tracer, NULL, WNOHANG), 0, "agent-trace ended");
		usleep(10 * 1000);
	}
	cr_assert_eq(st, 200);
	cr_assert_str_eq(body, "ok\n");
	free(body);
}

/* promtool's verdict on an exposition: its exit status, its complaints in *msg. */
static int promtool_check(const char *text, char **msg)
{
	char path[64], *out;
	int st;

	tmp_name(path, sizeof(path), "prom", "txt");
	write_text(path, "%s", text);
	st = run_capture((char *[]){ "/bin/sh", "-c", "exec promtool check metrics < \"$0\"", path,
				     NULL },
			 &out, msg);
	free(out);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void release(int fd, pid_t pid)
{
	int st;

	cr_assert_eq(write(fd, "g", 1), 1);
	close(fd);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/*
 * agent-trace -T --metrics 127.0.0.1:PORT -e getppid -p A,B: A makes 5 getppid
 * calls and exits, B holds the trace open; the scrape in between shows the 5
 * calls, the histogram counts them, and promtool accepts the whole text.
 */
Test(metrics, scrape_during_trace)
{
	char addr[32], pids[32], outf[64], errf[64], *body, *msg;
	int rel_a, rel_b, port = free_port(), st;
	pid_t a = start_waiting_target(&rel_a, "5"), b = start_waiting_target(&rel_b, "0"), tracer;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(pids, sizeof(pids), "%d,%d", a, b);
	tmp_name(outf, sizeof(outf), "metrics", "out");
	tmp_name(errf, sizeof(errf), "metrics", "err");
	tracer = spawn_logged((char *[]){ AT, "-q", "-T", "--metrics", addr, "-e", "getppid", "-p",
					  pids, NULL },
			      outf, errf);
	wait_serving(port, tracer);
	release(rel_a, a);
	/* A has exited: its calls are in the kernel's statistics, read at the scrape. */
	cr_assert_eq(http_get(port, "/metrics", &body), 200);
	cr_assert_eq(count_lines(body, "agent_trace_syscalls_total{syscall=\"getppid\"} 5"), 1,
		     "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_syscall_errors_total{syscall=\"getppid\"} 0"),
		     1, "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_syscall_duration_seconds_count{syscall="
				       "\"getppid\"} 5"),
		     1, "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_syscall_duration_seconds_bucket{syscall="
				       "\"getppid\",le=\"+Inf\"} 5"),
		     1, "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_lost_records_total{cause=\"ringbuf\"} 0"), 1,
		     "%s", body);
	cr_assert_eq(count_lines(body, "# TYPE process_cpu_seconds_total counter"), 1);
	cr_assert_eq(count_lines(body, "# TYPE process_resident_memory_bytes gauge"), 1);
	cr_assert_eq(promtool_check(body, &msg), 0, "promtool: %s\n%s", msg, body);
	cr_assert_str_eq(msg, "");
	free(msg);
	free(body);
	cr_assert_eq(http_get(port, "/nothing", &body), 404);
	free(body);
	/* B's exit ends the trace: 0, and the port is closed with it. */
	release(rel_b, b);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, slurp(errf));
	cr_assert_eq(http_get(port, "/healthz", &body), -1, "still serving after the end");
	unlink(outf);
	unlink(errf);
}

/* The value of the one sample of a Prometheus API answer; NAN when there is none. */
static double api_value(const char *json)
{
	const char *v = strstr(json, "\"value\":[");

	if (!v || !(v = strstr(v, ",\"")))
		return NAN;
	return strtod(v + 2, NULL);
}

/* GET of the query API of the Prometheus on port: the answer's value, NAN when not yet. */
static double query(int port, const char *q)
{
	char path[512], *body;
	double v = NAN;

	snprintf(path, sizeof(path), "/api/v1/query?query=%s", q);
	if (http_get(port, path, &body) == 200)
		v = api_value(body);
	free(body);
	return v;
}

/* The le bounds around the median: the first bucket holding half of count, and the one before. */
static void median_bucket(const char *text, const char *series, double count, double *lo,
			  double *hi)
{
	const char *p = text;
	double prev = 0;

	while ((p = strstr(p, series))) {
		double le, n;

		p += strlen(series);
		cr_assert_eq(sscanf(p, "%lf\"} %lf", &le, &n), 2, "%s", p);
		if (n >= count / 2) {
			*lo = prev;
			*hi = le;
			return;
		}
		prev = le;
	}
	cr_assert_fail("no bucket holds the median in:\n%s", text);
}

/*
 * A real Prometheus server (Debian's) scraping agent-trace every second:
 * its query API returns the getppid count the target made, and a median from
 * the histogram that lies within the bucket the exposition put it in.
 */
Test(metrics, prometheus_server_scrapes, .timeout = 60)
{
	char addr[32], pids[32], outf[64], errf[64], yml[64], dir[64], web[48], cfg[96];
	char db[96], *body, *plog;
	int rel_a, rel_b, port = free_port(), pport = free_port(), st;
	pid_t a = start_waiting_target(&rel_a, "5"), b = start_waiting_target(&rel_b, "0"), tracer,
	      prom;
	double n = NAN, median, lo, hi;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(pids, sizeof(pids), "%d,%d", a, b);
	tmp_name(outf, sizeof(outf), "metrics-p", "out");
	tmp_name(errf, sizeof(errf), "metrics-p", "err");
	tmp_name(yml, sizeof(yml), "metrics-p", "yml");
	tmp_name(dir, sizeof(dir), "metrics-p", "tsdb");
	write_text(yml,
		   "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: at\n"
		   "    static_configs:\n      - targets: ['%s']\n",
		   addr);
	snprintf(cfg, sizeof(cfg), "--config.file=%s", yml);
	snprintf(db, sizeof(db), "--storage.tsdb.path=%s", dir);
	snprintf(web, sizeof(web), "--web.listen-address=127.0.0.1:%d", pport);
	tracer = spawn_logged((char *[]){ AT, "-q", "-T", "--metrics", addr, "-e", "getppid", "-p",
					  pids, NULL },
			      outf, errf);
	wait_serving(port, tracer);
	release(rel_a, a);
	prom = spawn_logged((char *[]){ "/usr/bin/prometheus", cfg, db, web, NULL }, "/dev/null",
			    "/dev/null");
	/* Prometheus starts, then scrapes every second: 40 s at most for a sample. */
	for (int i = 0; i < 160 && isnan(n); i++) {
		cr_assert_eq(waitpid(prom, NULL, WNOHANG), 0, "prometheus ended");
		usleep(250 * 1000);
		n = query(pport, "agent_trace_syscalls_total%7Bsyscall%3D%22getppid%22%7D");
	}
	cr_assert_eq(n, 5.0, "getppid in Prometheus: %f", n);
	median = query(pport, "histogram_quantile(0.5%2Cagent_trace_syscall_duration_seconds_"
			      "bucket%7Bsyscall%3D%22getppid%22%7D)");
	cr_assert_eq(http_get(port, "/metrics", &body), 200);
	median_bucket(body, "agent_trace_syscall_duration_seconds_bucket{syscall=\"getppid\",le=\"",
		      5, &lo, &hi);
	cr_assert(median >= lo && median <= hi, "median %g outside [%g, %g]", median, lo, hi);
	free(body);
	kill(prom, SIGTERM);
	cr_assert_eq(waitpid(prom, &st, 0), prom);
	release(rel_b, b);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	run_capture((char *[]){ "/bin/rm", "-rf", dir, NULL }, &body, &plog);
	free(body);
	free(plog);
	unlink(yml);
	unlink(outf);
	unlink(errf);
}

/* A port in use: one line, status 1, before anything is loaded; a bad address: usage, 2. */
Test(metrics, bad_address_and_port_in_use)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char addr[32], want[128];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(addr, sizeof(addr), ":%d", ntohs(a.sin_port));
	snprintf(want, sizeof(want), "agent-trace: --metrics %s: Address already in use\n", addr);
	/* ":PORT" is 127.0.0.1: the port taken there is refused. */
	expect_error((char *[]){ AT, "--metrics", addr, "--", CALLS, "counts", NULL }, 1, want);
	close(fd);
	expect_error((char *[]){ AT, "--metrics", "9464", "--", CALLS, NULL }, 2,
		     "agent-trace: --metrics '9464': expected ADDR:PORT\n");
	expect_error((char *[]){ AT, "--metrics", "localhost:9464", "--", CALLS, NULL }, 2,
		     "agent-trace: --metrics 'localhost:9464': not an IP address\n");
	expect_error((char *[]){ AT, "--metrics", "127.0.0.1:70000", "--", CALLS, NULL }, 2,
		     "agent-trace: --metrics '127.0.0.1:70000': port must be from 1 to 65535\n");
}

/* The scrape's text, asked again (3 s at most) until it has line: the writer adds asynchronously. */
static char *scrape_until(int port, const char *line)
{
	char *body = NULL;

	for (int i = 0; i < 300; i++) {
		cr_assert_eq(http_get(port, "/metrics", &body), 200);
		if (count_lines(body, line))
			return body;
		free(body);
		usleep(10 * 1000);
	}
	cr_assert_fail("no '%s' in the scrapes", line);
	return NULL;
}

/*
 * A probe file aggregating sqlite3_prepare_v2 by its scrubbed SQL, with -p on
 * targets/sqlq wait: once it has prepared its statements, the scrape has a
 * series per statement shape (calls, failing, durations), and promtool takes it.
 */
Test(metrics, aggregate_by_sql_during_trace, .timeout = 30)
{
	char addr[32], pid_s[16], file[64], outf[64], errf[64], b = 0, *body, *msg;
	int ends[2], port = free_port(), st;
	pid_t target = fork_piped((const int[]){ 0, 1 }, ends, 2), tracer;
	const char *sqlq = build_path("sqlq");

	if (!target) {
		execl(sqlq, sqlq, "wait", (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(read(ends[1], &b, 1), 1);
	cr_assert_eq(b, 'r');
	tmp_names("metrics-agg", file, outf, errf);
	write_text(file,
		   "probes:\n  - name: queries\n    kind: function\n"
		   "    attach: libsqlite3:sqlite3_prepare_v2(ptr db, str sql, int nbyte, ptr "
		   "stmt, ptr tail) -> int != 0\n    scrub: sql\n    aggregate: sql\n");
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(pid_s, sizeof(pid_s), "%d", target);
	tracer = spawn_logged((char *[]){ AT, "-q", "--metrics", addr, "-C", file, "-p", pid_s,
					  NULL },
			      outf, errf);
	wait_serving(port, tracer);
	cr_assert_eq(write(ends[0], "g", 1), 1);
	cr_assert_eq(read(ends[1], &b, 1), 1);
	cr_assert_eq(b, 'd');
#define L "{probe=\"queries\",function=\"libsqlite3:sqlite3_prepare_v2\",value="
	body = scrape_until(port, "agent_trace_probe_aggregate_calls_total" L
				  "\"INSERT INTO logs VALUES (?)\"} 3");
	cr_assert_eq(count_lines(body, "agent_trace_probe_aggregate_calls_total" L
				       "\"SELECT name FROM users WHERE id = ?\"} 5"),
		     1, "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_probe_aggregate_failing_total" L
				       "\"SELECT name FROM users WHERE id = ?\"} 0"),
		     1, "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_probe_aggregate_failing_total" L
				       "\"INSERT INTO logs VALUES (?)\"} 1"),
		     1, "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_probe_aggregate_duration_seconds_count" L
				       "\"SELECT name FROM users WHERE id = ?\"} 5"),
		     1, "%s", body);
	cr_assert_eq(count_lines(body, "agent_trace_probe_aggregate_duration_seconds_bucket" L
				       "\"INSERT INTO logs VALUES (?)\",le=\"+Inf\"} 3"),
		     1, "%s", body);
#undef L
	cr_assert_eq(count_lines(body, "# TYPE agent_trace_probe_aggregate_calls_total counter"),
		     1);
	cr_assert_eq(promtool_check(body, &msg), 0, "promtool: %s\n%s", msg, body);
	cr_assert_str_eq(msg, "");
	free(msg);
	free(body);
	/* A reload that keeps the probe (another is added) keeps its table. */
	write_text(file,
		   "probes:\n  - name: queries\n    kind: function\n"
		   "    attach: libsqlite3:sqlite3_prepare_v2(ptr db, str sql, int nbyte, ptr "
		   "stmt, ptr tail) -> int != 0\n    scrub: sql\n    aggregate: sql\n"
		   "  - name: opens\n    kind: syscall\n    attach: openat\n");
	kill(tracer, SIGHUP);
	body = scrape_until(port,
			    "agent_trace_probe_hits_total{probe=\"opens\",function=\"opens\"} 0");
	cr_assert_eq(count_lines(body,
				 "agent_trace_probe_aggregate_calls_total{probe=\"queries\","
				 "function=\"libsqlite3:sqlite3_prepare_v2\",value=\"SELECT name "
				 "FROM users WHERE id = ?\"} 5"),
		     1, "%s", body);
	free(body);
	/* One that removes it frees it: its series go. */
	write_text(file, "probes:\n  - name: opens\n    kind: syscall\n    attach: openat\n");
	kill(tracer, SIGHUP);
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(http_get(port, "/metrics", &body), 200);
		if (!strstr(body, "queries"))
			break;
		free(body);
		body = NULL;
		usleep(10 * 1000);
	}
	cr_assert_not_null(body, "the removed probe is still scraped");
	cr_assert_null(strstr(body, "agent_trace_probe_aggregate"), "%s", body);
	free(body);
	/* The target's exit ends the trace. */
	cr_assert_eq(write(ends[0], "g", 1), 1);
	close(ends[0]);
	close(ends[1]);
	cr_assert_eq(waitpid(target, &st, 0), target);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(waitpid(tracer, &st, 0), tracer);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, slurp(errf));
	unlink(file);
	unlink(outf);
	unlink(errf);
}
