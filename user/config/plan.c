// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe-file entries to probe ids, and reloads applied as a diff in one transaction. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "session.h"
#include "targets.h"
#include "setup.h"
#include "util.h"

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case PF_SYSCALL:
		return "syscall";
	case PF_FUNCTION:
		return "function";
	case PF_USDT:
		return "usdt";
	}
	return "?";
}

/*
 * Whether an entry is unchanged. Where it stood in the file does not matter:
 * pos is the last member, and everything before it is compared. The parser
 * zeroes each entry first, so padding compares equal too.
 */
_Static_assert(offsetof(struct pf_probe, pos) + sizeof(struct pf_pos) == sizeof(struct pf_probe),
	       "pos must stay the last member of struct pf_probe");

static bool same(const struct pf_probe *applied, const struct pf_probe *next)
{
	return !memcmp(applied, next, offsetof(struct pf_probe, pos));
}

static int find(const struct plan *p, const char *name)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].def.name, name))
			return (int)i;
	return -1;
}

static int find_new(const struct probefile *pf, const char *name)
{
	for (unsigned i = 0; i < pf->nprobes; i++)
		if (!strcmp(pf->probes[i].name, name))
			return (int)i;
	return -1;
}

void plan_diff(const struct plan *cur, const struct probefile *pf, FILE *log, struct plan_diff *out)
{
	struct plan_diff d = {};

	for (unsigned i = 0; i < pf->nprobes; i++) {
		const struct pf_probe *np = &pf->probes[i];
		int j = find(cur, np->name);

		if (j < 0) {
			d.added++;
			if (log)
				fprintf(log, "+ %s: new %s probe on %s\n", np->name,
					kind_name(np->kind), np->attach);
		} else if (!same(&cur->v[j].def, np)) {
			d.changed++;
			if (log)
				fprintf(log, "~ %s: changed, replaced (%s probe on %s)\n", np->name,
					kind_name(np->kind), np->attach);
		} else {
			d.unchanged++;
		}
	}
	for (unsigned j = 0; j < cur->n; j++) {
		if (find_new(pf, cur->v[j].def.name) >= 0)
			continue;
		d.removed++;
		if (log)
			fprintf(log, "- %s: removed (%s probe on %s)\n", cur->v[j].def.name,
				kind_name(cur->v[j].def.kind), cur->v[j].def.attach);
	}
	if (out)
		*out = d;
}

static void remove_ids(struct session *s, struct plan_entry *e)
{
	for (unsigned k = 0; k < e->nids; k++)
		probes__remove(s, e->ids[k]);
}

/* Attaches one entry's probes into e. 0, or a negative errno with err. */
static int attach_entry(struct session *s, const struct pf_probe *fp,
			const struct resolve_scope *pc, struct plan_entry *e, char *err,
			size_t errlen)
{
	uint32_t *ids = calloc(AT_MAX_PROBES, sizeof(*ids));
	char why[1024];
	int n;

	if (!ids) {
		fail(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = probes__add_file(s, fp, pc, ids, AT_MAX_PROBES, why, sizeof(why));
	if (n < 0) {
		fail(err, errlen, "probe '%s': %s", fp->name, why);
		free(ids);
		return n;
	}
	e->def = *fp;
	e->ids = ids;
	e->nids = (unsigned)n;
	return 0;
}

int plan_apply(struct session *s, struct plan *cur, const struct probefile *pf,
	       const struct resolve_scope *pc, struct plan_diff *out, char *err, size_t errlen)
{
	struct plan next = { .n = pf->nprobes };
	bool *kept = calloc(cur->n ? cur->n : 1, sizeof(*kept));
	bool *fresh = calloc(pf->nprobes ? pf->nprobes : 1, sizeof(*fresh));
	struct plan_diff d = {};
	int ret = 0;

	/* Targets by what processes run: a probe's file may be in them only. */
	session__set_open_targets(s, targets_open_ended(&pf->targets));
	next.v = calloc(pf->nprobes ? pf->nprobes : 1, sizeof(*next.v));
	if (!kept || !fresh || !next.v) {
		ret = -ENOMEM;
		fail(err, errlen, "out of memory");
		goto out;
	}
	/*
	 * New and changed entries first, while the old set still runs; their
	 * function probes in one batch, attached together once all are resolved:
	 * one link per file and mode for all of them, not one per entry.
	 */
	ret = probes__batch_begin(s);
	if (ret) {
		fail(err, errlen, "probe batch: %s", strerror(-ret));
		goto out;
	}
	for (unsigned i = 0; i < pf->nprobes; i++) {
		const struct pf_probe *np = &pf->probes[i];
		int j = find(cur, np->name);

		/* A stop asked for (Ctrl-C during set-up): undo the entries done so far. */
		if (setup_cancelled()) {
			ret = -EINTR;
			fail(err, errlen, "interrupted");
			goto rollback;
		}
		setup_progress("attaching", i, pf->nprobes, "probe file entries");
		if (j >= 0 && same(&cur->v[j].def, np)) {
			next.v[i] = cur->v[j];
			kept[j] = true;
			d.unchanged++;
			continue;
		}
		ret = attach_entry(s, np, pc, &next.v[i], err, errlen);
		if (ret)
			goto rollback;
		fresh[i] = true;
		if (j >= 0)
			d.changed++;
		else
			d.added++;
	}
	ret = probes__batch_commit(s, err, errlen);
	if (ret)
		goto rollback;
	/* Committed: the old versions of changed entries and the removed ones go. */
	for (unsigned j = 0; j < cur->n; j++) {
		if (kept[j])
			continue;
		remove_ids(s, &cur->v[j]);
		free(cur->v[j].ids);
		if (find_new(pf, cur->v[j].def.name) < 0)
			d.removed++;
	}
	free(cur->v);
	*cur = next;
	if (out)
		*out = d;
	goto out_flags;

rollback:
	/* The batch's probes, not attached yet (or no more after a failed commit), go first. */
	probes__batch_abort(s);
	for (unsigned i = 0; i < pf->nprobes; i++) {
		if (!fresh[i])
			continue;
		remove_ids(s, &next.v[i]);
		free(next.v[i].ids);
	}
out:
	free(next.v);
out_flags:
	free(kept);
	free(fresh);
	return ret;
}

void plan_free(struct plan *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->v[i].ids);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
