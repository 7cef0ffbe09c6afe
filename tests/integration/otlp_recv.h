/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The OTLP test receiver (tests/otlp/receiver.js) as a child of an integration test. */
#ifndef AT_OTLP_RECV_H
#define AT_OTLP_RECV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A running receiver: node tests/otlp/receiver.js --port 0 --out FILE. It checks
 * every request against the OpenTelemetry definitions and records the valid ones.
 */
struct otlp_recv {
	pid_t pid;	  /* node; killed with the test's process (die_with_test) */
	int stdout_fd;	  /* its stdout, kept open until otlp_recv_stop */
	int port;	  /* OTLP/HTTP port on 127.0.0.1 */
	int control_port; /* serves /control and /stats even while port is down */
	char url[64];	  /* "http://127.0.0.1:PORT", the --otlp argument */
	char out[64];	  /* the log: one JSON line per valid request */
	char err[64];	  /* its stderr: a line per rejected request says why */
};

/* The receiver's GET /stats. */
struct otlp_stats {
	long requests;	  /* to /v1/... (not /control, /stats) that arrived */
	long valid;	  /* checked and recorded in the log */
	long invalid;	  /* rejected as malformed: 400, 413, 415 */
	long faulted;	  /* met an injected fault: status, reset, slow with the client gone */
	long log_records; /* log records in the valid requests */
	long data_points; /* metric data points in the valid requests */
	long reset;	  /* by_status "reset": connections destroyed unanswered */
	long closed;	  /* by_status "closed": slow answers the client left before */
	long aborted;	  /* by_status "aborted": requests the client left half-sent */
};

/* How to start a receiver; all zero: the defaults. */
struct otlp_recv_opts {
	int port;	  /* --port: 0, any free one */
	size_t max_bytes; /* --max-bytes, larger bodies get 413: 0, the receiver's 64 MiB */
	bool no_check;	  /* --no-check: parse and count only (benchmarks) */
};

/*
 * Starts a receiver (o NULL: the defaults) with scratch files named by tag
 * (tmp_name), waits (10 s at most) for the ports it prints. Asserts on
 * failure, with its stderr.
 */
void otlp_recv_start(struct otlp_recv *r, const char *tag, const struct otlp_recv_opts *o);

/*
 * SIGTERM, then waits for it; asserts a clean exit (status 0), never leaving a
 * zombie. Removes its scratch files unless keep.
 */
void otlp_recv_stop(struct otlp_recv *r, bool keep);

/*
 * Sends a control command (JSON, printf format) to the control port and asserts
 * it was taken (200). Modes, each with an optional "count": N (the next N
 * requests, then back to ok):
 *   {"mode":"ok"}
 *   {"mode":"status","status":503,"retry_after":"1"}   Retry-After only if given
 *   {"mode":"slow","delay_ms":2000}    answers late; nothing recorded if the client left
 *   {"mode":"reset"}                   reads the request, destroys the connection
 *   {"mode":"partial_success","rejected":K,"message":"..."}  200 with partialSuccess
 *   {"mode":"down"} and {"mode":"down","for_ms":N}   closes the OTLP port (N ms)
 *   {"mode":"up"}                      listens on the same port again
 */
void otlp_recv_control(const struct otlp_recv *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* GET /stats, asserting it answered. */
void otlp_recv_stats(const struct otlp_recv *r, struct otlp_stats *s);

/*
 * One number of /stats by key: "valid", "log_records", ..., or "by_status.503"
 * (0 when that status was never sent). Asserts the receiver answered.
 */
long otlp_recv_stat(const struct otlp_recv *r, const char *key);

/*
 * Waits until stat key is at least n, polling every 10 ms for timeout_ms at most.
 * Returns its last value (below n on timeout: assert on it).
 */
long otlp_recv_wait(const struct otlp_recv *r, const char *key, long n, unsigned timeout_ms);

/*
 * The log's complete lines (a line being written is left out), NUL-terminated,
 * malloc'd; *nlines, unless NULL, is how many.
 */
char *otlp_recv_log(const struct otlp_recv *r, size_t *nlines);

/*
 * node tests/otlp/count.js CMD LOG ARGS... on r's log (args NULL-ended, at
 * most 15): the number it prints, -1 for "none".
 */
long otlp_recv_count(const struct otlp_recv *r, const char *cmd, char *const *args);

/* An HTTP exchange (libcurl) on one connection of its own. */
struct otlp_http {
	const char *method;	      /* NULL: POST if body, GET otherwise */
	const char *content_type;     /* NULL: none */
	const char *content_encoding; /* NULL: none (identity) */
	const void *body;	      /* NULL: no body */
	size_t len;		      /* of body */
	long timeout_ms;	      /* 0: 5000 */
	char *resp;		      /* out: the response body, malloc'd, NUL-terminated */
	char retry_after[32];	      /* out: its Retry-After header, "" if none */
};

/*
 * Sends h to url; returns the HTTP status, or -1 when there was no answer
 * (refused, reset, timed out), h->resp then NULL. free(h->resp) afterwards.
 */
int otlp_http(const char *url, struct otlp_http *h);

#endif /* AT_OTLP_RECV_H */
