// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A sink's capped queue: a ring of copied items, bounded in items and bytes, drop-oldest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

const char *const bq_drop_key[BQ_DROP_N] = {
#define BQ_DROP_KEY(e, key, text) [e] = key,
	BQ_DROPS(BQ_DROP_KEY)
#undef BQ_DROP_KEY
};

const char *const bq_drop_text[BQ_DROP_N] = {
#define BQ_DROP_TEXT(e, key, text) [e] = text,
	BQ_DROPS(BQ_DROP_TEXT)
#undef BQ_DROP_TEXT
};

int bq_init(struct bq *q, size_t max_items, size_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	if (!max_items || !max_bytes)
		return -EINVAL;
	q->ring = calloc(max_items, sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	q->max_items = max_items;
	q->max_bytes = max_bytes;
	return 0;
}

void bq_free(struct bq *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->ring[(q->head + i) % q->max_items].data);
	free(q->ring);
	q->ring = NULL;
	q->n = 0;
	q->bytes = 0;
}

/* Takes the oldest item off the ring; the caller owns its data. */
static struct bq_item pop_oldest(struct bq *q)
{
	struct bq_item it = q->ring[q->head];

	q->ring[q->head] = (struct bq_item){ 0 };
	q->head = (q->head + 1) % q->max_items;
	q->n--;
	q->bytes -= it.len;
	return it;
}

int bq_push(struct bq *q, const void *data, size_t len)
{
	char *copy;

	q->pushed++;
	/* Nothing else dropped for an item that could never fit: the queue keeps what it has. */
	if (len > q->max_bytes || len > UINT32_MAX) {
		q->dropped[BQ_DROP_FULL]++;
		return -E2BIG;
	}
	/* The copy first, so that a failed allocation costs this item and none of the queued. */
	copy = malloc(len ? len : 1);
	if (!copy) {
		q->dropped[BQ_DROP_FULL]++;
		return -ENOMEM;
	}
	memcpy(copy, data, len);
	while (q->n && (q->n == q->max_items || q->bytes + len > q->max_bytes)) {
		free(pop_oldest(q).data);
		q->dropped[BQ_DROP_FULL]++;
	}
	q->ring[(q->head + q->n) % q->max_items] = (struct bq_item){ .data = copy, .len = len };
	q->n++;
	q->bytes += len;
	return 0;
}

size_t bq_take(struct bq *q, struct bq_item *out, size_t max, size_t max_bytes)
{
	size_t k = 0, bytes = 0;

	while (k < max && q->n) {
		uint32_t len = q->ring[q->head].len;

		/* The first item goes whatever its size: a batch is never empty. */
		if (k && bytes + len > max_bytes)
			break;
		out[k++] = pop_oldest(q);
		bytes += len;
	}
	return k;
}

void bq_count_drop(struct bq *q, enum bq_drop cause, uint64_t n)
{
	q->dropped[cause] += n;
}

uint64_t batch_wait_ns(const struct batch_policy *p, const struct bq *q, uint64_t last_send_ns,
		       uint64_t now_ns)
{
	uint64_t due;

	if (!q->n)
		return UINT64_MAX;
	if ((p->max_items && q->n >= p->max_items) || (p->max_bytes && q->bytes >= p->max_bytes))
		return 0;
	if (!last_send_ns)
		return 0;
	due = last_send_ns + p->window_ns;
	if (due < last_send_ns) /* a window too long to add: never by time */
		return UINT64_MAX - 1;
	return due > now_ns ? due - now_ns : 0;
}
