// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * otlp_sink [PORT]: the least an OTLP/HTTP receiver can do, for the export benchmark.
 *
 * tests/otlp/receiver.js parses every body even with --no-check (node's
 * JSON.parse and gunzip: a few microseconds a record), so at the rates the
 * bench asks for it measures node, not agent-trace. This one parses nothing:
 * it accepts HTTP/1.1 keep-alive connections on 127.0.0.1, reads each
 * request's headers and its Content-Length body, answers 200 `{}`, and counts
 * requests and body bytes. `GET /stats` answers the counts as JSON:
 *   {"requests":N,"bytes":N,"logs":N,"metrics":N,"cpu_s":S}
 * (requests: POSTs answered; logs, metrics: those to /v1/logs and /v1/metrics;
 * cpu_s: this process's own CPU). Prints "listening PORT" once it listens.
 * One thread and poll(): agent-trace keeps one connection per signal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 64
#define HDR_MAX 16384

struct conn {
	int fd;
	char hdr[HDR_MAX]; /* the request's head, until its blank line */
	size_t hlen;
	uint64_t body_left; /* bytes of the current body still to read (skipped) */
	bool in_body;
	int kind; /* 0: other, 1: /v1/logs, 2: /v1/metrics, 3: /stats */
};

static struct {
	uint64_t requests, bytes, logs, metrics;
} st;

static struct conn conns[MAX_CONNS];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Writes all of buf (blocking: answers are a few dozen bytes); -1 when the peer is gone. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The value of header name in the head h (NUL-terminated), or NULL. */
static const char *header(const char *h, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = strstr(h, "\r\n"); l; l = strstr(l, "\r\n")) {
		l += 2;
		if (!strncasecmp(l, name, n) && l[n] == ':') {
			l += n + 1;
			while (*l == ' ' || *l == '\t')
				l++;
			return l;
		}
	}
	return NULL;
}

/* The request is in (head read, body skipped): answer it. -1 when the peer is gone. */
static int answer(struct conn *c)
{
	char body[256], msg[512];
	int blen, mlen;

	if (c->kind == 3) {
		blen = snprintf(body, sizeof(body),
				"{\"requests\":%llu,\"bytes\":%llu,\"logs\":%llu,\"metrics\":%llu,"
				"\"cpu_s\":%.6f}\n",
				(unsigned long long)st.requests, (unsigned long long)st.bytes,
				(unsigned long long)st.logs, (unsigned long long)st.metrics,
				cpu_s());
	} else {
		blen = snprintf(body, sizeof(body), "{}");
		st.requests++;
		st.logs += c->kind == 1;
		st.metrics += c->kind == 2;
	}
	mlen = snprintf(msg, sizeof(msg),
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Content-Length: %d\r\n\r\n%s",
			blen, body);
	return write_all(c->fd, msg, (size_t)mlen);
}

/* A complete head in c->hdr: what the request is and how long its body. -1: bad request. */
static int start_request(struct conn *c)
{
	const char *v;

	c->hdr[c->hlen] = '\0';
	if (!strncmp(c->hdr, "GET /stats", 10))
		c->kind = 3;
	else if (!strncmp(c->hdr, "POST /v1/logs", 13))
		c->kind = 1;
	else if (!strncmp(c->hdr, "POST /v1/metrics", 16))
		c->kind = 2;
	else
		c->kind = 0;
	v = header(c->hdr, "Content-Length");
	c->body_left = v ? strtoull(v, NULL, 10) : 0;
	if ((v = header(c->hdr, "Transfer-Encoding")) && !strncasecmp(v, "chunked", 7))
		return -1; /* libcurl sends a Content-Length for a POST of a known size */
	v = header(c->hdr, "Expect");
	if (v && !strncasecmp(v, "100-continue", 12) &&
	    write_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25))
		return -1;
	c->in_body = true;
	return 0;
}

/* Takes what the socket has; -1 when the connection is to be closed. */
static int serve(struct conn *c)
{
	char buf[65536];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	size_t off = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	while (off < (size_t)n) {
		if (c->in_body) {
			size_t take = (size_t)n - off;

			if (take > c->body_left)
				take = (size_t)c->body_left;
			c->body_left -= take;
			st.bytes += take;
			off += take;
			if (!c->body_left) {
				c->in_body = false;
				c->hlen = 0;
				if (answer(c))
					return -1;
			}
			continue;
		}
		/* The head, byte by byte up to its blank line (heads are a few hundred bytes). */
		if (c->hlen >= HDR_MAX - 1)
			return -1;
		c->hdr[c->hlen++] = buf[off++];
		if (c->hlen >= 4 && !memcmp(c->hdr + c->hlen - 4, "\r\n\r\n", 4)) {
			if (start_request(c))
				return -1;
			if (!c->body_left) {
				c->in_body = false;
				c->hlen = 0;
				if (answer(c))
					return -1;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(argc > 1 ? (uint16_t)atoi(argv[1]) : 0),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sigaction sig = { .sa_handler = on_signal };
	struct pollfd pfd[MAX_CONNS + 1];
	socklen_t slen = sizeof(sa);
	int one = 1, lfd;

	sigaction(SIGINT, &sig, NULL);
	sigaction(SIGTERM, &sig, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &slen)) {
		fprintf(stderr, "otlp_sink: 127.0.0.1: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	printf("listening %u\n", ntohs(sa.sin_port));
	fflush(stdout);
	while (!stop) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < MAX_CONNS; i++)
			pfd[n++] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "otlp_sink: poll: %s\n", strerror(errno));
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			int i = 0;

			while (fd >= 0 && i < MAX_CONNS && conns[i].fd >= 0)
				i++;
			if (fd >= 0 && i == MAX_CONNS) {
				close(fd);
			} else if (fd >= 0) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				conns[i] = (struct conn){ .fd = fd };
			}
		}
		for (int i = 0; i < MAX_CONNS; i++) {
			if (conns[i].fd < 0 || !(pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (serve(&conns[i])) {
				close(conns[i].fd);
				conns[i].fd = -1;
			}
		}
	}
	printf("requests=%llu bytes=%llu logs=%llu metrics=%llu cpu_s=%.6f\n",
	       (unsigned long long)st.requests, (unsigned long long)st.bytes,
	       (unsigned long long)st.logs, (unsigned long long)st.metrics, cpu_s());
	return 0;
}
