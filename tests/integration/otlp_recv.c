// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The OTLP test receiver as a child process: start, control, stats, log, stop. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "otlp_recv.h"

/*
 * tests/otlp/receiver.js of the tree this binary was built in: the nearest parent
 * of the binary's directory that has it (BUILD may be nested, build/san).
 */
static const char *receiver_js(void)
{
	static char path[PATH_MAX + 32];
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	cr_assert(n > 0);
	dir[n] = '\0';
	for (char *slash = strrchr(dir, '/'); slash && slash != dir; slash = strrchr(dir, '/')) {
		*slash = '\0';
		snprintf(path, sizeof(path), "%s/tests/otlp/receiver.js", dir);
		if (!access(path, R_OK))
			return path;
	}
	cr_assert_fail("no tests/otlp/receiver.js above %s", dir);
	return NULL;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The receiver's first two stdout lines, "listening PORT" and "control PORT". */
static void read_ports(struct otlp_recv *r)
{
	char buf[128] = "";
	size_t len = 0;
	long end = now_ms() + 10000;

	while (!strchr(buf, '\n') || !strchr(strchr(buf, '\n') + 1, '\n')) {
		struct pollfd p = { .fd = r->stdout_fd, .events = POLLIN };
		long left = end - now_ms();
		ssize_t n;

		cr_assert(left > 0 && poll(&p, 1, (int)left) == 1,
			  "OTLP receiver: no ports in 10 s; stderr: %s", slurp(r->err));
		n = read(r->stdout_fd, buf + len, sizeof(buf) - 1 - len);
		cr_assert(n > 0, "OTLP receiver ended before it listened; stderr: %s",
			  slurp(r->err));
		len += (size_t)n;
		buf[len] = '\0';
	}
	cr_assert_eq(sscanf(buf, "listening %d\ncontrol %d\n", &r->port, &r->control_port), 2,
		     "OTLP receiver said: %s", buf);
}

void otlp_recv_start(struct otlp_recv *r, const char *tag, const struct otlp_recv_opts *o)
{
	const struct otlp_recv_opts none = { 0 };
	char port[16], max[32];
	char *argv[12] = { "node", (char *)receiver_js(), "--port", port, "--out", r->out };
	int argc = 6;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	o = o ? o : &none;
	snprintf(port, sizeof(port), "%d", o->port);
	if (o->max_bytes) {
		snprintf(max, sizeof(max), "%zu", o->max_bytes);
		argv[argc++] = "--max-bytes";
		argv[argc++] = max;
	}
	if (o->no_check)
		argv[argc++] = "--no-check";
	tmp_name(r->out, sizeof(r->out), tag, "otlp.jsonl");
	tmp_name(r->err, sizeof(r->err), tag, "otlp.err");
	pid = fork_piped((const int[]){ 1 }, &r->stdout_fd, 1);
	if (pid == 0) {
		int e = open(r->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (e < 0 || dup2(e, 2) < 0)
			_exit(126);
		execvp("node", argv);
		dprintf(2, "exec node: %s\n", strerror(errno));
		_exit(127);
	}
	r->pid = pid;
	read_ports(r);
	snprintf(r->url, sizeof(r->url), "http://127.0.0.1:%d", r->port);
}

void otlp_recv_stop(struct otlp_recv *r, bool keep)
{
	int st;

	if (r->pid <= 0)
		return;
	cr_assert_eq(kill(r->pid, SIGTERM), 0);
	cr_assert_eq(waitpid(r->pid, &st, 0), r->pid);
	r->pid = 0;
	close(r->stdout_fd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "OTLP receiver: wait status %d on SIGTERM; stderr: %s", st, slurp(r->err));
	if (!keep) {
		unlink(r->out);
		unlink(r->err);
	}
}

struct buf {
	char *s;
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	char *s = realloc(b->s, b->len + size * n + 1);

	if (!s)
		return 0;
	memcpy(s + b->len, p, size * n);
	b->s = s;
	b->len += size * n;
	s[b->len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct otlp_http *h = ctx;
	size_t len = size * n;
	const char *name = "retry-after:";

	if (len > strlen(name) && !strncasecmp(p, name, strlen(name))) {
		const char *v = p + strlen(name);
		size_t vlen = len - strlen(name);

		/* Trimmed of the blanks around it and the line's CRLF. */
		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen && strchr(" \t\r\n", v[vlen - 1]))
			vlen--;
		if (vlen >= sizeof(h->retry_after))
			vlen = sizeof(h->retry_after) - 1;
		memcpy(h->retry_after, v, vlen);
		h->retry_after[vlen] = '\0';
	}
	return len;
}

int otlp_http(const char *url, struct otlp_http *h)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct buf b = { 0 };
	char line[128];
	long status = -1;
	CURLcode rc;

	cr_assert_not_null(c);
	h->resp = NULL;
	h->retry_after[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms ? h->timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (h->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, h->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->len);
	}
	if (h->method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, h->method);
	/* No "Expect: 100-continue" round trip on larger bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (h->content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", h->content_type);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (h->content_encoding) {
		snprintf(line, sizeof(line), "Content-Encoding: %s", h->content_encoding);
		hdrs = curl_slist_append(hdrs, line);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || status <= 0) {
		free(b.s);
		return -1;
	}
	h->resp = b.s ? b.s : strdup("");
	return (int)status;
}

void otlp_recv_control(const struct otlp_recv *r, const char *fmt, ...)
{
	char url[64], cmd[512];
	struct otlp_http h = { .content_type = "application/json", .body = cmd };
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	h.len = strlen(cmd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/control", r->control_port);
	st = otlp_http(url, &h);
	cr_assert_eq(st, 200, "OTLP receiver control %s: %d %s", cmd, st, h.resp ? h.resp : "");
	free(h.resp);
}

static char *get_stats(const struct otlp_recv *r)
{
	struct otlp_http h = { 0 };
	char url[64];
	int st;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/stats", r->control_port);
	st = otlp_http(url, &h);
	cr_assert_eq(st, 200, "OTLP receiver /stats: %d", st);
	return h.resp;
}

/*
 * A number in the receiver's /stats object by key, "by_status.X" inside
 * by_status: the object is the receiver's own, flat but for by_status, with
 * key names that no other key ends in after its quote.
 */
static long stat_of(const char *json, const char *key)
{
	const char *dot = strchr(key, '.'), *in = json, *p;
	char needle[64];

	if (dot) {
		snprintf(needle, sizeof(needle), "\"%.*s\":{", (int)(dot - key), key);
		in = strstr(json, needle);
		cr_assert_not_null(in, "no %s in /stats: %s", needle, json);
		key = dot + 1;
	}
	snprintf(needle, sizeof(needle), "\"%s\":", key);
	p = strstr(in, needle);
	if (dot && (!p || p > strchr(in, '}')))
		return 0;
	cr_assert_not_null(p, "no %s in /stats: %s", needle, json);
	return strtol(p + strlen(needle), NULL, 10);
}

long otlp_recv_stat(const struct otlp_recv *r, const char *key)
{
	char *json = get_stats(r);
	long v = stat_of(json, key);

	free(json);
	return v;
}

void otlp_recv_stats(const struct otlp_recv *r, struct otlp_stats *s)
{
	char *json = get_stats(r);

	*s = (struct otlp_stats){
		.requests = stat_of(json, "requests"),
		.valid = stat_of(json, "valid"),
		.invalid = stat_of(json, "invalid"),
		.faulted = stat_of(json, "faulted"),
		.log_records = stat_of(json, "log_records"),
		.data_points = stat_of(json, "data_points"),
		.reset = stat_of(json, "by_status.reset"),
		.closed = stat_of(json, "by_status.closed"),
		.aborted = stat_of(json, "by_status.aborted"),
	};
	free(json);
}

long otlp_recv_wait(const struct otlp_recv *r, const char *key, long n, unsigned timeout_ms)
{
	long end = now_ms() + timeout_ms, v;

	while ((v = otlp_recv_stat(r, key)) < n && now_ms() < end)
		usleep(10 * 1000);
	return v;
}

char *otlp_recv_log(const struct otlp_recv *r, size_t *nlines)
{
	FILE *f = fopen(r->out, "r");
	char *s = NULL, *last;
	size_t len = 0, n = 0;
	struct stat st;

	cr_assert_not_null(f, "%s: %s", r->out, strerror(errno));
	cr_assert_eq(fstat(fileno(f), &st), 0);
	cr_assert_not_null(s = malloc((size_t)st.st_size + 1));
	len = fread(s, 1, (size_t)st.st_size, f);
	fclose(f);
	s[len] = '\0';
	/* A line the receiver is still writing has no newline yet. */
	last = strrchr(s, '\n');
	if (last)
		last[1] = '\0';
	else
		s[0] = '\0';
	for (const char *p = s; (p = strchr(p, '\n')); p++)
		n++;
	if (nlines)
		*nlines = n;
	return s;
}

long otlp_recv_count(const struct otlp_recv *r, const char *cmd, char *const *args)
{
	char *argv[20] = { "/usr/bin/env", "node", "tests/otlp/count.js", (char *)cmd,
			   (char *)r->out };
	char *out = NULL, *err = NULL;
	int n = 5, st;
	long v = -1;

	for (; *args && n < 19; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	st = run_capture(argv, &out, &err);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "count.js %s: %s", cmd, err);
	if (strncmp(out, "none", 4))
		v = strtol(out, NULL, 10);
	free(out);
	free(err);
	return v;
}
