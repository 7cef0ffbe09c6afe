/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* --metrics ADDR:PORT: /metrics (Prometheus text) and /healthz (health.h), by libmicrohttpd. */
#ifndef AT_METRICS_H
#define AT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct session;
struct output;
struct MHD_Daemon;
struct xsink;

/* Where to listen: an IPv4 or [IPv6] address and a port. */
struct metrics_addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

/* What a scrape reads: the session's maps, and the counters of the threads around it. */
struct metrics_opts {
	struct session *sess;
	_Atomic uint64_t *queue_dropped; /* the record queue's drops */
	const uint64_t *output_lost;	 /* the writer's failed lines */
	bool syscall_durations;		 /* syscalls are timed: their histograms */
	struct xsink *const *xs;	 /* exporting sinks: their queues' counters */
	unsigned nxs;
	const struct output *out;   /* identity caches, records by container; NULL: left out */
	uint64_t health_timeout_ns; /* --health-timeout: /healthz's threshold, 0 the defaults */
};

struct metrics {
	struct metrics_opts opts;
	struct MHD_Daemon *d; /* serving since metrics__start */
	int fd;		      /* the bound, listening socket; -1 before metrics__bind */
};

/*
 * Parses ADDR:PORT ("127.0.0.1:9464", "[::1]:9464", ":9464" for 127.0.0.1:
 * never every interface unless asked, "0.0.0.0:9464"). 0, or -1 with a
 * message in err.
 */
int metrics_parse_addr(const char *arg, struct metrics_addr *out, char *err, size_t errlen);

/* Binds and listens (before set-up: a port in use fails with nothing attached). 0 or -errno. */
int metrics__bind(struct metrics *m, const struct metrics_addr *a);

/* Serves on the bound socket from libmicrohttpd's own thread. 0 or -errno. */
int metrics__start(struct metrics *m, const struct metrics_opts *o);

/* Stops serving (a scrape in progress ends first) and closes the socket. Idempotent. */
void metrics__stop(struct metrics *m);

#endif /* AT_METRICS_H */
