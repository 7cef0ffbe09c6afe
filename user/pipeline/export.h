/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* An exporting sink's queue and sender thread: batches out, retries, drops counted, a deadline at stop. */
/*
 * The writer thread pushes each event, already encoded for the sink, with
 * exporter_push: never blocking, dropping the oldest when the queue is full.
 * The sender thread takes batches by the batch policy (batch.h), hands each
 * to the sink's send, and acts on the outcome: done, retried after the
 * retry policy's delay (retry.h; the batch is kept and re-sent, while the
 * queue keeps absorbing or dropping), split in two (too large), or dropped
 * and counted. Drops since the last successful send are given to the next
 * batch (export_batch.gap) so the backend can see the gap. An optional tick
 * runs on the sender thread every tick_ns (periodic metrics).
 *
 * exporter_stop sends what is queued until it is empty or the deadline has
 * passed (retries included), counts the rest as BQ_DROP_SHUTDOWN, and joins.
 * received + dropped == pushed, exactly, once stopped.
 */
#ifndef AT_EXPORT_H
#define AT_EXPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "retry.h"

/* What a sink's send is given. */
struct export_batch {
	const struct bq_item *items; /* oldest first */
	size_t n;
	size_t bytes;	     /* sum of the items' lengths */
	const uint64_t *gap; /* BQ_DROP_N: items dropped since the last delivered batch */
};

/* What a send did. */
struct export_result {
	enum retry_class cls;	 /* retry_classify of the status, RETRY_OK when delivered */
	long status;		 /* HTTP status, 0 for a connection error or a non-HTTP sink */
	uint64_t retry_after_ns; /* the receiver's Retry-After, 0 for none */
	uint64_t rejected;	 /* delivered, but this many items rejected (partial_success) */
	uint64_t failed;	 /* RETRY_OK, yet this many last items unwritten (write_error) */
	uint64_t wire_bytes;	 /* bytes put on the wire (compressed) */
	char msg[160];		 /* why it failed, for the one error line (rate-limited) */
};

struct export_ops {
	/* Sends one batch; fills res. Runs on the sender thread only. */
	void (*send)(void *ctx, const struct export_batch *b, struct export_result *res);
	/* Optional: runs on the sender thread every tick_ns, and once at stop (final=true). */
	void (*tick)(void *ctx, bool final);
};

struct exporter_opts {
	const char *name; /* the sink in messages and labels: "otlp logs", "file /var/log/x.json" */
	const struct export_ops *ops;
	void *ctx;
	size_t queue_items; /* queue bounds (default 65536 items, 64 MiB) */
	size_t queue_bytes;
	struct batch_policy batch; /* default 512 items, 1 MiB, 1 s window */
	struct retry_policy retry; /* default retry_policy_default */
	uint64_t tick_ns;	   /* 0: no tick */
	/* The clock (CLOCK_MONOTONIC ns) and the sleep: replaced in unit tests. NULL: real. */
	uint64_t (*now_ns)(void);
};

/* Counters of one sink: read with exporter_stats from any thread. */
struct export_stats {
	uint64_t pushed;  /* items the writer pushed */
	uint64_t sent;	  /* items delivered (accepted by the receiver) */
	uint64_t batches; /* batches delivered */
	uint64_t failed;  /* send attempts that failed (each retry counts) */
	uint64_t retries; /* send attempts that were retries */
	uint64_t bytes;	  /* bytes on the wire of delivered batches */
	uint64_t dropped[BQ_DROP_N];
	uint64_t queued;	  /* items waiting now (in flight included) */
	uint64_t queued_bytes;	  /* their bytes */
	uint64_t last_ok_unix_ns; /* CLOCK_REALTIME of the last delivered batch, 0 for none */
	/* The exporter's clock (CLOCK_MONOTONIC) at the first failed attempt since the last */
	uint64_t failing_since_ns; /* delivered batch, 0 while none failed (/healthz) */
	uint64_t last_fail_ns;	   /* and at the last failed attempt, 0 for none */
};

struct exporter {
	struct exporter_opts o;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* the sender's: items arrived, or stop */
	struct bq q;
	struct export_stats st;	 /* under mu */
	uint64_t gap[BQ_DROP_N]; /* drops not yet reported to the backend */
	uint64_t last_send_ns;
	uint64_t stop_deadline_ns; /* set by exporter_stop */
	bool stopping;
	bool running;
	pthread_t thread;
	char *name;
};

/* Fills unset fields of o with the defaults above. */
void exporter_opts_defaults(struct exporter_opts *o);

/* 0 or -errno. The opts are copied (name too). */
int exporter_init(struct exporter *e, const struct exporter_opts *o);
/* Starts the sender thread. 0 or -errno. */
int exporter_start(struct exporter *e);
/* Writer side: queues len bytes as one item. Never blocks on the sink. */
void exporter_push(struct exporter *e, const void *data, size_t len);
/* Sends what is queued within deadline_ns from now, drops the rest (counted), joins. */
void exporter_stop(struct exporter *e, uint64_t deadline_ns);
void exporter_free(struct exporter *e);
/* A copy of the counters. */
void exporter_stats(struct exporter *e, struct export_stats *out);

#endif /* AT_EXPORT_H */
