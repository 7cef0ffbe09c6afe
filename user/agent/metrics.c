// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Prometheus endpoint: each scrape reads the kernel's state then and renders it. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrtab.h"
#include "ident.h"
#include "health.h"
#include "metrics.h"
#include "output.h"
#include "prom.h"
#include "snapshot.h"
#include "util.h"
#include "xsink.h"

int metrics_parse_addr(const char *arg, struct metrics_addr *out, char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':');
	char host[64];
	size_t hlen;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (!colon)
		return fail(err, errlen, "--metrics '%s': expected ADDR:PORT", arg);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || errno || port < 1 || port > 65535)
		return fail(err, errlen, "--metrics '%s': port must be from 1 to 65535", arg);
	hlen = (size_t)(colon - arg);
	if (hlen >= sizeof(host))
		return fail(err, errlen, "--metrics '%s': not an IP address", arg);
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->sa;

		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return fail(err, errlen, "--metrics '%s': not an IP address", arg);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->sa;

	/* A bare :PORT is loopback: metrics are for a local scraper unless an address is given. */
	if (inet_pton(AF_INET, hlen ? host : "127.0.0.1", &s4->sin_addr) != 1)
		return fail(err, errlen, "--metrics '%s': not an IP address", arg);
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	out->len = sizeof(*s4);
	return 0;
}

int metrics__bind(struct metrics *m, const struct metrics_addr *a)
{
	int one = 1, ret;

	m->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return -errno;
	/* A restart right after a previous run must not wait out TIME_WAIT. */
	setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->fd, (const struct sockaddr *)&a->sa, a->len) || listen(m->fd, 16)) {
		ret = -errno;
		close(m->fd);
		m->fd = -1;
		return ret;
	}
	return 0;
}

/*
 * The exposition into a malloc'd buffer: rendered once to learn its size,
 * then into a buffer that fits. NULL when out of memory or the maps failed.
 */
static char *render(struct metrics *m, size_t *len)
{
	struct snapshot snap = { 0 };
	struct prom_opts po = { .syscall_durations = m->opts.syscall_durations };
	struct ctr_rows rows = { 0 };
	struct ident_counters ic;
	struct out o = out_init(NULL, 0);
	char *buf = NULL;

	/* Map lookups and probes__get are safe beside the reader and a reload. */
	if (snapshot__read(&snap, m->opts.sess))
		goto out;
	snap.queue_lost = atomic_load(m->opts.queue_dropped);
	/* Written by the writer thread alone: a relaxed read sees a whole 64-bit value. */
	snap.output_lost = __atomic_load_n(m->opts.output_lost, __ATOMIC_RELAXED);
	snapshot__self(&snap);
	po.rss_bytes = snapshot_rss_bytes();
	if (xsinks_snapshot(m->opts.xs, m->opts.nxs, &snap))
		goto out;
	if (m->opts.out) {
		output_ident_counters(m->opts.out, &ic);
		po.ident = &ic;
		if (output_ctr_rows(m->opts.out, &rows))
			goto out;
		po.containers = &rows;
	}
	prom_render(&o, &snap, &po);
	buf = malloc(o.len + 1);
	if (!buf)
		goto out;
	o = out_init(buf, o.len + 1);
	prom_render(&o, &snap, &po);
	*len = out_end(&o);
out:
	ctr_rows__free(&rows);
	snapshot__free(&snap);
	return buf;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* 200 "ok", or 503 and the one-line reason (health.h): the reader stuck, a sink failing. */
static enum MHD_Result healthz(struct MHD_Connection *c, struct metrics *m)
{
	static const char text[] = "text/plain; charset=utf-8";
	char why[512];
	int n;

	if (!health_check(m->opts.sess, m->opts.xs, m->opts.nxs, m->opts.health_timeout_ns, why,
			  sizeof(why) - 1))
		return reply(c, MHD_HTTP_OK, text, "ok\n", 3, MHD_RESPMEM_PERSISTENT);
	n = (int)strlen(why);
	why[n++] = '\n';
	return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, why, (size_t)n, MHD_RESPMEM_MUST_COPY);
}

/* One request: GET or HEAD of /metrics or /healthz; anything else 404 or 405. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **req)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct metrics *m = cls;
	size_t len = 0;
	char *body;

	(void)version, (void)data, (void)data_len, (void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "method not allowed\n", 19,
			     MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/healthz"))
		return healthz(c, m);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, text, "not found\n", 10,
			     MHD_RESPMEM_PERSISTENT);
	body = render(m, &len);
	if (!body)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "reading statistics failed\n",
			     26, MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_OK, PROM_CONTENT_TYPE, body, len, MHD_RESPMEM_MUST_FREE);
}

int metrics__start(struct metrics *m, const struct metrics_opts *o)
{
	m->opts = *o;
	/*
	 * One internal thread polls and answers: scrapes are serialised, so
	 * render() needs no lock of its own. The socket is ours (bound before
	 * set-up); the daemon closes it when stopped.
	 */
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				on_request, m, MHD_OPTION_LISTEN_SOCKET, m->fd,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
	if (!m->d)
		return -EIO;
	m->fd = -1;
	return 0;
}

void metrics__stop(struct metrics *m)
{
	if (m->d)
		MHD_stop_daemon(m->d);
	m->d = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
