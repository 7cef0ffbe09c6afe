/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The queue between the reader, which drains the ring buffer, and the writer
 * thread, which formats records and writes them to the sink: a bounded
 * single-producer single-consumer ring of records. When it is full the reader
 * waits while the writer makes progress (the kernel's ring buffer absorbs the
 * burst meanwhile); a sink that takes nothing for QUEUE_STALL_MS is stuck, and
 * records that find the queue full are then dropped and counted, so the
 * reader keeps draining and a stop never waits on the sink.
 */
#ifndef AT_QUEUE_H
#define AT_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "worker.h"

/* Records the queue holds by default (limits.queue). */
#define QUEUE_DEFAULT_LEN 2048
/*
 * Records larger than a slot (captures past their inline part, up to
 * AT_EXT_MAX bytes more) are copied to the heap, at most this many bytes of
 * them queued at once: past it they are dropped and counted as a full
 * queue's are. The slots stay the size of an inline record.
 */
#define QUEUE_BIG_BUDGET (4u << 20)
/* How long the writer may take nothing before the reader drops rather than waits. */
#define QUEUE_STALL_MS 250

/* Receives each record on the writer thread, in order; flush after a run of them. */
typedef void (*queue_record_fn)(void *ctx, const void *data, size_t size);
typedef void (*queue_flush_fn)(void *ctx);

struct queue {
	/* A record of at most a slot's size in place; a larger one's heap copy's address. */
	struct at_call_rec *slots;
	uint32_t *sizes;	  /* | QUEUE_SIZE_BIG: the slot holds the heap copy's address */
	size_t big_budget;	  /* bytes of heap copies allowed at once (QUEUE_BIG_BUDGET) */
	_Atomic size_t big_bytes; /* bytes of heap copies queued now */
	size_t cap;
	_Atomic size_t head;	  /* written by the reader: next slot to fill */
	_Atomic size_t tail;	  /* written by the writer: next slot to take */
	_Atomic uint64_t dropped; /* records that found the queue full */
	uint64_t high;		  /* most records ever waiting (reader side) */
	pthread_mutex_t mu;	  /* only for sleeping: the writer on empty, the reader on full */
	pthread_cond_t cv;	  /* the writer's: records arrived */
	pthread_cond_t space;	  /* the reader's: the writer took records */
	atomic_bool reader_waits;
	atomic_bool writer_sleeps; /* set (under mu) before the writer waits on cv: kick it */
	bool stuck;		   /* reader side: the writer took nothing for QUEUE_STALL_MS */
	size_t stuck_tail;	   /* the tail then: until it moves, full means drop at once */
	struct worker writer;	   /* asked to stop: the queue is closed */
	queue_record_fn on_record;
	queue_flush_fn on_flush;
	void *ctx;
};

#define QUEUE_SIZE_BIG (1u << 31)

/* Allocates a queue of cap records. 0 or -errno. */
int queue_init(struct queue *q, size_t cap, queue_record_fn on_record, queue_flush_fn on_flush,
	       void *ctx);
/* Starts the writer thread. 0 or -errno. */
int queue_start(struct queue *q);
/* Reader side: copies a record in, or drops and counts it when the queue is full. */
void queue_push(struct queue *q, const void *data, size_t size);
/* Reader side, after a batch: wakes the writer if it sleeps (a fence and a load if not). */
void queue_kick(struct queue *q);
/* Lets the writer drain what is queued, then joins it. */
void queue_close(struct queue *q);
void queue_free(struct queue *q);

#endif /* AT_QUEUE_H */
