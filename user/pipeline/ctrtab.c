// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-container record counts: container slots, rows in an open-addressing table, one mutex. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ctrtab.h"
#include "decode.h"
#include "probes.h"

struct slot {
	struct ctr_container c;
	uint64_t last_ns; /* the latest record's time (the event's) */
	bool used;
};

struct ctrtab {
	pthread_mutex_t lock;  /* the writer's adds against the renderers' reads */
	struct slot *slots;    /* max_containers + 1: [CTR_HOST] is the host's */
	struct ctr_row **rows; /* max_rows: the rows as added */
	uint32_t *hash;	       /* mask + 1 entries: a row's index + 1, 0 free */
	uint32_t mask;
	uint32_t nrows;
	uint32_t max_containers, max_rows;
	uint64_t idle_ns;
	uint64_t folded, dropped, evicted;
};

struct ctrtab *ctrtab__new(const struct ctrtab_opts *o)
{
	struct ctrtab *t = calloc(1, sizeof(*t));
	uint32_t cap = 2;

	if (!t)
		return NULL;
	t->max_containers = o && o->max_containers ? o->max_containers : CTRTAB_CONTAINERS_DEFAULT;
	t->max_rows = o && o->max_rows ? o->max_rows : CTRTAB_ROWS_DEFAULT;
	t->idle_ns = o && o->idle_ns ? o->idle_ns : CTRTAB_IDLE_NS;
	if (t->max_containers >= CTR_OTHER) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	/* Twice the rows, a power of two: probes stay short with every row taken. */
	while (cap < 2 * t->max_rows)
		cap *= 2;
	t->mask = cap - 1;
	t->slots = calloc(t->max_containers + 1, sizeof(*t->slots));
	t->rows = calloc(t->max_rows, sizeof(*t->rows));
	t->hash = calloc(cap, sizeof(*t->hash));
	if (!t->slots || !t->rows || !t->hash) {
		ctrtab__free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->slots[CTR_HOST].used = true;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void ctrtab__free(struct ctrtab *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; t->rows && i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->slots);
	free(t->hash);
	if (t->slots)
		pthread_mutex_destroy(&t->lock);
	free(t);
}

static uint32_t hash_of(const struct ctrtab *t, uint8_t kind, uint32_t id, uint16_t ctr)
{
	uint64_t k = (uint64_t)kind << 48 | (uint64_t)ctr << 32 | id;

	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & t->mask;
}

/* Rebuilds the hash of the rows left (after an eviction). */
static void rehash(struct ctrtab *t)
{
	memset(t->hash, 0, ((size_t)t->mask + 1) * sizeof(*t->hash));
	for (uint32_t r = 0; r < t->nrows; r++) {
		const struct ctr_row *w = t->rows[r];
		uint32_t i = hash_of(t, w->kind, w->id, w->ctr);

		while (t->hash[i])
			i = (i + 1) & t->mask;
		t->hash[i] = r + 1;
	}
}

/* Drops container slot s and its rows: its series end. */
static void evict(struct ctrtab *t, uint16_t s)
{
	uint32_t kept = 0;

	for (uint32_t r = 0; r < t->nrows; r++) {
		if (t->rows[r]->ctr == s)
			free(t->rows[r]);
		else
			t->rows[kept++] = t->rows[r];
	}
	t->nrows = kept;
	rehash(t);
	memset(&t->slots[s], 0, sizeof(t->slots[s]));
	t->evicted++;
}

/* The slot of ev's container: found, taken, made free by evicting an idle one, or CTR_OTHER. */
static uint16_t slot_of(struct ctrtab *t, const struct event *ev)
{
	const struct cgroup_ident *id = ev->ident;
	uint16_t free_slot = 0, idle = 0;
	uint64_t oldest = UINT64_MAX;

	if (!id || !id->id[0])
		return CTR_HOST;
	for (uint16_t s = 1; s <= t->max_containers; s++) {
		struct slot *sl = &t->slots[s];

		if (!sl->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (!memcmp(sl->c.id.id, id->id, sizeof(id->id))) {
			sl->last_ns = ev->ts_ns;
			return s;
		}
		if (sl->last_ns < oldest) {
			oldest = sl->last_ns;
			idle = s;
		}
	}
	if (!free_slot && idle && ev->ts_ns >= oldest + t->idle_ns) {
		evict(t, idle);
		free_slot = idle;
	}
	if (!free_slot) {
		t->folded++;
		return CTR_OTHER;
	}
	t->slots[free_slot] = (struct slot){ .c.id = *id, .last_ns = ev->ts_ns, .used = true };
	if (ev->pod)
		t->slots[free_slot].c.pod = *ev->pod;
	return free_slot;
}

/* The row of (kind, id, ctr), added when there is room; NULL when every row is taken. */
static struct ctr_row *row_of(struct ctrtab *t, uint8_t kind, uint32_t id, uint16_t ctr)
{
	uint32_t i = hash_of(t, kind, id, ctr);
	struct ctr_row *w;

	for (; t->hash[i]; i = (i + 1) & t->mask) {
		w = t->rows[t->hash[i] - 1];
		if (w->kind == kind && w->id == id && w->ctr == ctr)
			return w;
	}
	if (t->nrows == t->max_rows || !(w = calloc(1, sizeof(*w))))
		return NULL;
	*w = (struct ctr_row){ .id = id, .ctr = ctr, .kind = kind };
	t->rows[t->nrows++] = w;
	t->hash[i] = t->nrows;
	return w;
}

void ctrtab__event(struct ctrtab *t, const struct event *ev)
{
	bool failing, timed;
	struct ctr_row *w;
	uint64_t dur;
	uint32_t id;
	uint8_t kind;

	/* Calls only: a process event's probe and number are not set. */
	if (ev->kind != EV_SYSCALL && ev->kind != EV_CALL)
		return;
	kind = ev->probe ? CTR_PROBE : CTR_SYSCALL;
	id = ev->probe ? ev->probe->id : ev->nr;
	/* What the kernel counts as failing: a syscall's errno, a function's predicate. */
	failing = ev->kind == EV_SYSCALL ? ev->err != 0 && !(ev->flags & EV_ENTRY_ONLY) :
					   (ev->flags & EV_FAILING) != 0;
	timed = !(ev->flags & (EV_ENTRY_ONLY | EV_RETURN_ONLY | EV_NO_DUR | EV_NORETURN));
	dur = timed ? ev->dur_ns : 0;
	pthread_mutex_lock(&t->lock);
	w = row_of(t, kind, id, slot_of(t, ev));
	if (w) {
		w->st.count++;
		w->st.errors += failing;
		w->st.total_ns += dur;
		if (dur > w->st.max_ns)
			w->st.max_ns = dur;
		w->st.hist[at_hist_bucket(dur) & (AT_HIST_BUCKETS - 1)]++;
		w->timed |= timed;
	} else {
		t->dropped++;
	}
	pthread_mutex_unlock(&t->lock);
}

static int by_key(const void *a, const void *b)
{
	const struct ctr_row *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->ctr > y->ctr) - (x->ctr < y->ctr);
}

int ctrtab__read(struct ctrtab *t, struct ctr_rows *out)
{
	int ret = 0;

	*out = (struct ctr_rows){ .max_containers = t->max_containers, .max_rows = t->max_rows };
	pthread_mutex_lock(&t->lock);
	out->v = calloc(t->nrows ? t->nrows : 1, sizeof(*out->v));
	out->ctr = calloc(t->max_containers + 1, sizeof(*out->ctr));
	if (!out->v || !out->ctr) {
		ret = -ENOMEM;
	} else {
		for (uint32_t r = 0; r < t->nrows; r++)
			out->v[out->n++] = *t->rows[r];
		for (uint32_t s = 0; s <= t->max_containers; s++)
			out->ctr[s] = t->slots[s].c;
		out->nctr = t->max_containers + 1;
		out->folded = t->folded;
		out->dropped = t->dropped;
		out->evicted = t->evicted;
	}
	pthread_mutex_unlock(&t->lock);
	if (ret) {
		ctr_rows__free(out);
		return ret;
	}
	qsort(out->v, out->n, sizeof(*out->v), by_key);
	return 0;
}

void ctr_rows__free(struct ctr_rows *r)
{
	free(r->v);
	free(r->ctr);
	r->v = NULL;
	r->ctr = NULL;
	r->n = 0;
	r->nctr = 0;
}

const char *ctr_rows_label(const struct ctr_rows *r, uint16_t ctr)
{
	if (ctr == CTR_OTHER)
		return "other";
	return ctr < r->nctr ? r->ctr[ctr].id.id : "";
}
