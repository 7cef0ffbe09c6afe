/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The applied probe file: which probe ids each probe-file entry owns, and a
 * reload done as a transaction. Unchanged entries keep their links and
 * counters; new and changed ones are attached first (their function probes
 * as one batch: one link per file and mode for all of them), and if any fails
 * everything this reload attached is removed again, so the old set runs on
 * untouched; only then are removed and replaced entries detached.
 */
#ifndef AT_PLAN_H
#define AT_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "probefile.h"
#include "probes.h"

struct plan_entry {
	struct pf_probe def; /* as parsed: compared up to its position in the file */
	uint32_t *ids;	     /* probe ids attached for it (a glob makes several) */
	unsigned nids;
};

struct plan {
	struct plan_entry *v;
	unsigned n;
};

/* What a reload would do, by probe-file entry. */
enum plan_change { PLAN_UNCHANGED = 0, PLAN_NEW, PLAN_CHANGED, PLAN_REMOVED };

/* Counts of a diff, for logs and tests. */
struct plan_diff {
	unsigned added, changed, removed, unchanged;
};

/*
 * Compares the applied plan with a probe file and writes one line per entry
 * that would change ("+ name", "~ name", "- name") to log when it is not NULL.
 */
void plan_diff(const struct plan *cur, const struct probefile *pf, FILE *log,
	       struct plan_diff *out);

/*
 * Makes the session run pf's probes: the diff applied as one transaction.
 * Returns 0, or a negative errno with a reason in err and nothing changed
 * (-EINVAL when pf names something that is not there).
 */
int plan_apply(struct session *s, struct plan *cur, const struct probefile *pf,
	       const struct resolve_scope *pc, struct plan_diff *out, char *err, size_t errlen);

/* Frees the plan's bookkeeping; the probes stay with the session. */
void plan_free(struct plan *p);

#endif /* AT_PLAN_H */
