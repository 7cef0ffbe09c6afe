/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A sink's capped queue of encoded items and the batching rule, with no clock or thread of its own. */
/*
 * Every exporting sink (OTLP, the JSON-lines file) keeps what the writer
 * thread encoded for it in a bq: bounded in items and in bytes; when a push
 * would pass either bound the oldest items are dropped and counted, so the
 * writer never waits on a sink. Not thread-safe: the exporter (export.h)
 * holds its lock around every call. The batching rule is a pure function of
 * the clock it is given, so unit tests drive it with a fake one.
 */
#ifndef AT_BATCH_H
#define AT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why items were dropped: per sink, in the summary, the metrics and the next batch. */
#define BQ_DROPS(X)                                                            \
	X(BQ_DROP_FULL, "queue_full", "queue full")                            \
	X(BQ_DROP_REJECTED, "rejected", "rejected by the receiver")            \
	X(BQ_DROP_TOO_LARGE, "too_large", "too large for the receiver")        \
	X(BQ_DROP_PARTIAL, "partial_success", "rejected in a partial success") \
	X(BQ_DROP_EXPIRED, "retries_exhausted", "retried too long")            \
	X(BQ_DROP_SHUTDOWN, "shutdown", "unsent at the shutdown deadline")     \
	X(BQ_DROP_ERROR, "write_error", "a write failed")

enum bq_drop {
#define BQ_DROP_ENUM(e, key, text) e,
	BQ_DROPS(BQ_DROP_ENUM)
#undef BQ_DROP_ENUM
		BQ_DROP_N
};

/* Each cause's key ("queue_full") and words ("queue full"), by enum bq_drop. */
extern const char *const bq_drop_key[BQ_DROP_N];
extern const char *const bq_drop_text[BQ_DROP_N];

struct bq_item {
	char *data;
	uint32_t len;
};

struct bq {
	struct bq_item *ring; /* max_items slots */
	size_t max_items;     /* bound in items */
	size_t max_bytes;     /* bound in bytes of data */
	size_t head;	      /* oldest item */
	size_t n;	      /* items queued */
	size_t bytes;	      /* bytes of data queued */
	uint64_t pushed;      /* items ever pushed (accepted or not) */
	uint64_t dropped[BQ_DROP_N];
};

/* An empty queue of at most max_items items and max_bytes bytes. 0 or -ENOMEM. */
int bq_init(struct bq *q, size_t max_items, size_t max_bytes);
void bq_free(struct bq *q);

/*
 * Copies len bytes in as the newest item, dropping the oldest items (counted
 * BQ_DROP_FULL) until it fits; an item larger than max_bytes is itself
 * dropped, counted. 0, -E2BIG when it was too large, -ENOMEM (counted full).
 */
int bq_push(struct bq *q, const void *data, size_t len);

/*
 * Moves the oldest items out into out (room for max items), no more than
 * max_bytes of data in all but always at least one item when any is queued.
 * The caller owns each item's data (free()). Returns how many were taken.
 */
size_t bq_take(struct bq *q, struct bq_item *out, size_t max, size_t max_bytes);

/* Counts n items as dropped for cause (items taken out and then not delivered). */
void bq_count_drop(struct bq *q, enum bq_drop cause, uint64_t n);

/* When a batch goes out: the first item after a quiet spell at once, the rest gathered. */
struct batch_policy {
	size_t max_items;   /* a batch at most this many items: sent as soon as this many wait */
	size_t max_bytes;   /* nor more than this many bytes: sent as soon as this many wait */
	uint64_t window_ns; /* after a send, items gather this long before the next */
};

/*
 * How long to wait, from now_ns, before sending what is queued: 0 for at
 * once, UINT64_MAX when nothing is. A batch is due when max_items or
 * max_bytes are waiting, or window_ns after the previous send (last_send_ns;
 * 0 for never): so the first item after a quiet spell longer than the window
 * goes out at once, and those that follow it within the window gather.
 */
uint64_t batch_wait_ns(const struct batch_policy *p, const struct bq *q, uint64_t last_send_ns,
		       uint64_t now_ns);

#endif /* AT_BATCH_H */
