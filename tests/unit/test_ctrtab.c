// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Records by container: rows per (syscall or probe, container), the bounds, "other", eviction. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ctrtab.h"
#include "decode.h"
#include "probes.h"

#define NR_READ 0

static struct probe probe1 = { .id = 1 };

/* A call of probe 1 (or a read syscall, probe NULL) at time ts in container id ("" the host). */
static void add(struct ctrtab *t, const struct probe *p, const char *cid, uint64_t ts, uint64_t dur,
		bool failing)
{
	struct cgroup_ident ci = { .runtime = CG_RT_PODMAN };
	struct event ev = { .kind = p ? EV_CALL : EV_SYSCALL,
			    .probe = p,
			    .nr = NR_READ,
			    .ts_ns = ts,
			    .dur_ns = dur,
			    .flags = p && failing ? EV_FAILING : 0,
			    .err = !p && failing ? 2 : 0 };

	snprintf(ci.id, sizeof(ci.id), "%s", cid);
	ev.ident = cid[0] ? &ci : NULL;
	ctrtab__event(t, &ev);
}

static const struct ctr_row *row(const struct ctr_rows *r, uint8_t kind, const char *label)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].kind == kind && !strcmp(ctr_rows_label(r, r->v[i].ctr), label))
			return &r->v[i];
	return NULL;
}

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

Test(ctrtab, rows_by_series_and_container)
{
	struct ctrtab *t = ctrtab__new(NULL);
	struct ctr_rows r;
	const struct ctr_row *w;

	cr_assert_not_null(t);
	for (int i = 0; i < 5; i++)
		add(t, &probe1, A, 1, 1000, i == 0);
	add(t, &probe1, "", 1, 10, false);
	add(t, NULL, A, 1, 0, true);
	add(t, NULL, A, 1, 0, false);
	/* Not a call: not counted. */
	ctrtab__event(t, &(struct event){ .kind = EV_EXIT, .pid = 1 });
	cr_assert_eq(ctrtab__read(t, &r), 0);
	cr_assert_eq(r.n, 3);
	/* By kind, id, then container: the syscall's first. */
	cr_assert_eq(r.v[0].kind, CTR_SYSCALL);
	cr_assert_eq(r.v[0].st.count, 2);
	cr_assert_eq(r.v[0].st.errors, 1);
	w = row(&r, CTR_PROBE, A);
	cr_assert_not_null(w);
	cr_assert_eq(w->st.count, 5);
	cr_assert_eq(w->st.errors, 1);
	cr_assert_eq(w->st.total_ns, 5000);
	cr_assert(w->timed);
	w = row(&r, CTR_PROBE, "");
	cr_assert_not_null(w);
	cr_assert_eq(w->st.count, 1);
	cr_assert_eq(w->ctr, CTR_HOST);
	cr_assert_eq(r.folded + r.dropped + r.evicted, 0);
	ctr_rows__free(&r);
	ctrtab__free(t);
}

/* Two container slots: a third container is "other" until one has been idle long enough. */
Test(ctrtab, bounded_other_and_eviction_of_the_idle)
{
	struct ctrtab *t =
		ctrtab__new(&(struct ctrtab_opts){ .max_containers = 2, .idle_ns = 100 });
	struct ctr_rows r;

	cr_assert_not_null(t);
	add(t, &probe1, A, 10, 0, false);
	add(t, &probe1, B, 20, 0, false);
	add(t, &probe1, C, 50, 0, false);
	add(t, &probe1, C, 60, 0, false);
	cr_assert_eq(ctrtab__read(t, &r), 0);
	cr_assert_eq(row(&r, CTR_PROBE, "other")->st.count, 2);
	cr_assert_eq(r.folded, 2);
	cr_assert_null(row(&r, CTR_PROBE, C));
	ctr_rows__free(&r);
	/* A's last record at 10: idle for 100 at 110, so C takes its slot and A's series end. */
	add(t, &probe1, B, 105, 0, false);
	add(t, &probe1, C, 110, 0, false);
	cr_assert_eq(ctrtab__read(t, &r), 0);
	cr_assert_eq(r.evicted, 1);
	cr_assert_null(row(&r, CTR_PROBE, A));
	cr_assert_eq(row(&r, CTR_PROBE, B)->st.count, 2);
	cr_assert_eq(row(&r, CTR_PROBE, C)->st.count, 1);
	cr_assert_eq(row(&r, CTR_PROBE, "other")->st.count, 2);
	ctr_rows__free(&r);
	ctrtab__free(t);
}

/* Rows bounded: past max_rows a record is dropped and counted. */
Test(ctrtab, rows_bounded)
{
	struct ctrtab *t = ctrtab__new(&(struct ctrtab_opts){ .max_rows = 2 });
	struct ctr_rows r;

	add(t, &probe1, A, 1, 0, false);
	add(t, &probe1, B, 1, 0, false);
	add(t, &probe1, C, 1, 0, false);
	add(t, &probe1, A, 1, 0, false);
	cr_assert_eq(ctrtab__read(t, &r), 0);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.dropped, 1);
	cr_assert_eq(row(&r, CTR_PROBE, A)->st.count, 2);
	ctr_rows__free(&r);
	ctrtab__free(t);
}
