// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-value tables of a probe's calls: a bounded hash table, read as top rows plus other. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "decode.h"
#include "uspec.h"

/* One tracked value: its statistics and its bytes. Never moved or freed before close. */
struct agg_entry {
	struct at_stat st;
	uint64_t hash;
	uint16_t len;
	char key[];
};

struct aggregate {
	pthread_mutex_t lock;	  /* the writer's adds against the readers */
	struct agg_entry **slots; /* open addressing, mask + 1 slots, at most half used */
	size_t mask;
	struct agg_entry **order; /* the entries as added: what a read sorts */
	size_t n;		  /* entries tracked */
	struct at_stat other;	  /* values the full table could not take */
	struct at_stat unread;	  /* calls with no bytes for the argument */
	unsigned top, max;
	uint8_t arg;
	char by[AGG_BY_MAX];
	bool closed; /* the probe was removed: rows freed, adds ignored */
};

/* As the kernel's stat_add (bpf/lib/stats.bpf.h), so rows read as the probe's own row does. */
static void stat_add(struct at_stat *st, bool failing, uint64_t dur)
{
	st->count++;
	st->errors += failing;
	st->total_ns += dur;
	if (dur > st->max_ns)
		st->max_ns = dur;
	st->hist[at_hist_bucket(dur) & (AT_HIST_BUCKETS - 1)]++;
}

static void stat_merge(struct at_stat *to, const struct at_stat *from)
{
	to->count += from->count;
	to->errors += from->errors;
	to->total_ns += from->total_ns;
	if (from->max_ns > to->max_ns)
		to->max_ns = from->max_ns;
	for (unsigned b = 0; b < AT_HIST_BUCKETS; b++)
		to->hist[b] += from->hist[b];
}

/* FNV-1a, 64 bits: short keys, no adversary worth more (the table is bounded anyway). */
static uint64_t hash_of(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

struct aggregate *aggregate__new(const struct aggregate_opts *o)
{
	struct aggregate *a;
	size_t cap = 2;

	if (o->top < 1 || o->top > AGG_TOP_MAX || o->max < o->top || o->max > AGG_MAX_MAX ||
	    o->arg >= AT_MAX_ARGS) {
		errno = EINVAL;
		return NULL;
	}
	/* Twice max, a power of two: probes stay short with the table full. */
	while (cap < 2 * (size_t)o->max)
		cap *= 2;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->slots = calloc(cap, sizeof(*a->slots));
	a->order = calloc(o->max, sizeof(*a->order));
	if (!a->slots || !a->order) {
		free(a->slots);
		free(a->order);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->mask = cap - 1;
	a->top = o->top;
	a->max = o->max;
	a->arg = o->arg;
	snprintf(a->by, sizeof(a->by), "%s", o->by ? o->by : "");
	return a;
}

/* The entry of a value, added when there is room; NULL when the table is full. Locked. */
static struct agg_entry *lookup(struct aggregate *a, const char *val, size_t len)
{
	uint64_t h = hash_of(val, len);
	size_t i = h & a->mask;
	struct agg_entry *e;

	for (; (e = a->slots[i]); i = (i + 1) & a->mask)
		if (e->hash == h && e->len == len && !memcmp(e->key, val, len))
			return e;
	if (a->n == a->max)
		return NULL;
	/* Out of memory is counted as other too: the call is never lost from the sum. */
	e = calloc(1, sizeof(*e) + len);
	if (!e)
		return NULL;
	e->hash = h;
	e->len = (uint16_t)len;
	memcpy(e->key, val, len);
	a->slots[i] = e;
	a->order[a->n++] = e;
	return e;
}

void aggregate__add(struct aggregate *a, const char *val, size_t len, bool failing, uint64_t dur_ns)
{
	struct agg_entry *e;

	if (len > AGG_VALUE_MAX)
		len = AGG_VALUE_MAX;
	pthread_mutex_lock(&a->lock);
	if (!a->closed) {
		if (!val) {
			stat_add(&a->unread, failing, dur_ns);
		} else {
			e = lookup(a, val, len);
			stat_add(e ? &e->st : &a->other, failing, dur_ns);
		}
	}
	pthread_mutex_unlock(&a->lock);
}

void aggregate__event(struct aggregate *a, const struct event *ev)
{
	const struct event_arg *arg;
	bool failing;
	uint64_t dur = 0;
	size_t n;

	if (ev->kind != EV_SYSCALL && ev->kind != EV_CALL)
		return;
	/* What the kernel counts as failing: a syscall's errno, a function's predicate. */
	failing = ev->kind == EV_SYSCALL ? ev->err != 0 && !(ev->flags & EV_ENTRY_ONLY) :
					   (ev->flags & EV_FAILING) != 0;
	if (!(ev->flags & (EV_ENTRY_ONLY | EV_RETURN_ONLY | EV_NO_DUR | EV_NORETURN)))
		dur = ev->dur_ns;
	arg = a->arg < ev->nargs ? &ev->args[a->arg] : NULL;
	if (!arg || !arg->bytes || !arg->value || (arg->flags & EVA_FAULTED)) {
		aggregate__add(a, NULL, 0, failing, dur);
		return;
	}
	n = arg->len;
	/* char[N] reads as a string: up to its NUL, as every sink shows it. */
	if (ev->kind == EV_CALL && arg->type == UT_CHARS)
		n = strnlen(arg->bytes, n);
	aggregate__add(a, arg->bytes, n, failing, dur);
}

/* Most calls first; ties by value, bytewise, a prefix first: the same order at every read. */
static int by_calls(const void *x, const void *y)
{
	const struct agg_entry *a = *(struct agg_entry *const *)x,
			       *b = *(struct agg_entry *const *)y;
	int c;

	if (a->st.count != b->st.count)
		return a->st.count < b->st.count ? 1 : -1;
	c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/* Fills out under the lock: a sort of the entries, then one copy of the top rows. */
static int read_locked(struct aggregate *a, struct agg_rows *out)
{
	size_t shown = a->n < a->top ? a->n : a->top;
	struct agg_entry **sorted = NULL;
	struct at_stat other = a->other;

	if (a->closed)
		return 0;
	out->values = a->n;
	out->full = a->n == a->max;
	out->v = calloc(shown + 2, sizeof(*out->v));
	if (a->n)
		sorted = malloc(a->n * sizeof(*sorted));
	if (!out->v || (a->n && !sorted)) {
		free(sorted);
		return -ENOMEM;
	}
	if (a->n) {
		memcpy(sorted, a->order, a->n * sizeof(*sorted));
		qsort(sorted, a->n, sizeof(*sorted), by_calls);
	}
	for (size_t i = 0; i < shown; i++) {
		struct agg_row *r = &out->v[out->n++];

		r->st = sorted[i]->st;
		r->len = sorted[i]->len;
		memcpy(r->value, sorted[i]->key, sorted[i]->len);
	}
	for (size_t i = shown; i < a->n; i++)
		stat_merge(&other, &sorted[i]->st);
	free(sorted);
	if (other.count)
		out->v[out->n++] = (struct agg_row){ .st = other, .kind = AGG_ROW_OTHER };
	if (a->unread.count)
		out->v[out->n++] = (struct agg_row){ .st = a->unread, .kind = AGG_ROW_UNREADABLE };
	return 0;
}

int aggregate__read(struct aggregate *a, struct agg_rows *out)
{
	int ret;

	*out = (struct agg_rows){ .top = a->top, .max = a->max };
	memcpy(out->by, a->by, sizeof(out->by));
	pthread_mutex_lock(&a->lock);
	ret = read_locked(a, out);
	pthread_mutex_unlock(&a->lock);
	if (ret)
		agg_rows__free(out);
	return ret;
}

void agg_rows__free(struct agg_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* The entries and their index; the struct and its lock stay. Locked. */
static void drop_rows(struct aggregate *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->order[i]);
	free(a->order);
	free(a->slots);
	a->order = NULL;
	a->slots = NULL;
	a->n = 0;
}

void aggregate__close(struct aggregate *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	drop_rows(a);
	a->closed = true;
	pthread_mutex_unlock(&a->lock);
}

void aggregate__free(struct aggregate *a)
{
	if (!a)
		return;
	drop_rows(a);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
