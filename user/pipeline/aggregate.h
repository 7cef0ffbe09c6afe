/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Aggregation by a field: calls, failing calls and latency per distinct value, bounded. */
/*
 * A probe-file probe with `aggregate:` owns one table, keyed by the bytes of
 * one captured argument after scrubbing. The writer thread adds each event
 * (aggregate__event); the summary and the Prometheus scrape read the top rows
 * (aggregate__read) from other threads: a mutex guards the table, held by the
 * writer for one lookup and one at_stat update.
 *
 * Bounds: at most max distinct values are tracked; once the table is full a
 * value not in it is counted in the "other" row. A read returns the top rows
 * by calls (ties: by value, bytewise), and the rows past top folded into
 * "other" too, so the rows of a read always add up to every call added.
 */
#ifndef AT_AGGREGATE_H
#define AT_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "stats.h"

#define AGG_TOP_DEFAULT 20	 /* rows a read returns (shown, exported) */
#define AGG_TOP_MAX 1000	 /* a bound on Prometheus series per probe */
#define AGG_MAX_DEFAULT 1024	 /* distinct values tracked */
#define AGG_MAX_MAX 16384	 /* ~1.1 KiB each (a histogram): 18 MiB per probe at most */
#define AGG_VALUE_MAX AT_STR_MAX /* a value is at most one capture slot */
#define AGG_BY_MAX 32		 /* an argument's name (struct uarg.name) */

struct aggregate;
struct event;

/* What a table is keyed by and how big it may grow. */
struct aggregate_opts {
	unsigned top;	/* rows a read returns, 1..AGG_TOP_MAX */
	unsigned max;	/* distinct values tracked, top..AGG_MAX_MAX */
	uint8_t arg;	/* the event argument (index) whose captured bytes are the key */
	const char *by; /* its name, for renderers (copied, cut at AGG_BY_MAX - 1 bytes) */
};

/* What a row of a read stands for. */
enum agg_row_kind {
	AGG_ROW_VALUE = 0,  /* one distinct value */
	AGG_ROW_OTHER,	    /* values past top, and values the full table could not take */
	AGG_ROW_UNREADABLE, /* calls whose argument had no bytes: NULL, unreadable */
};

/* One row of a read. */
struct agg_row {
	struct at_stat st;	   /* calls, failing, durations, histogram */
	uint16_t len;		   /* bytes of value */
	uint8_t kind;		   /* enum agg_row_kind; value is empty unless AGG_ROW_VALUE */
	char value[AGG_VALUE_MAX]; /* the key's bytes, not NUL-terminated */
};

/* A read: a copy, owned by the caller, that the table may change under freely. */
struct agg_rows {
	struct agg_row *v;   /* top value rows by calls, then other and unreadable (if called) */
	size_t n;	     /* entries of v */
	uint64_t values;     /* distinct values tracked */
	bool full;	     /* the table reached max: some values went to other untracked */
	unsigned top, max;   /* the table's bounds */
	char by[AGG_BY_MAX]; /* the argument's name */
};

/* A new, empty table; NULL with errno (EINVAL: a bound out of range, ENOMEM). */
struct aggregate *aggregate__new(const struct aggregate_opts *o);

/*
 * Adds one call of value val (len bytes, cut at AGG_VALUE_MAX; NULL: the
 * argument had no bytes), failing or not, with its duration (0 when it has
 * none, as the kernel's statistics add it).
 */
void aggregate__add(struct aggregate *a, const char *val, size_t len, bool failing,
		    uint64_t dur_ns);

/* Adds a decoded call event by its key argument: the writer thread's one call. */
void aggregate__event(struct aggregate *a, const struct event *ev);

/* The top rows and the rest as other, into out. 0 or -ENOMEM; agg_rows__free either way. */
int aggregate__read(struct aggregate *a, struct agg_rows *out);
void agg_rows__free(struct agg_rows *r);

/*
 * Frees the rows (the probe was removed): reads return nothing and adds are
 * ignored from now on, so a record of the probe still in flight is harmless.
 */
void aggregate__close(struct aggregate *a);

/* Frees the table; NULL is fine. Nothing may use it any more. */
void aggregate__free(struct aggregate *a);

#endif /* AT_AGGREGATE_H */
