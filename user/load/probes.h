/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Function probes on a live session: a SPEC resolved to functions, each its own
 * probe id (the BPF cookie of its links), added and removed at run time
 * without disturbing the others. The probe table is probetab.c's, the links
 * and batches attach.c's, the SPEC's functions resolve/funcs.c's.
 */
#ifndef AT_PROBES_H
#define AT_PROBES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "funcs.h"
#include "record.h"
#include "spec.h"
#include "stats.h"
#include "uspec.h"

struct session;
struct aggregate;
struct bpf_link;
struct mlink;
struct pf_probe;

/* One attached probe: a function, a USDT site, or probe-file syscalls. */
struct probe {
	struct uspec spec;		   /* what was asked: types for decoding, predicate */
	uint64_t syscalls[AT_NR_MAX / 64]; /* kind AT_KIND_SYSCALL: the numbers it is listed on */
	char label[64];			   /* the probe file's name for it, "" for -u and --usdt */
	uint8_t kind;			   /* enum at_probe_kind */
	uint8_t actions;		   /* AT_ACT_* as listed; 0 for -u and --usdt (events) */
	uint8_t hist_of;		   /* enum at_hist_of */
	uint8_t scrub;			   /* PF_SCRUB_* applied to captured strings */
	uint8_t pf_when;		   /* enum pf_when of a probe-file probe */
	char name[USPEC_NAME_MAX * 2];	   /* "libc:malloc", the function's own name for globs */
	char path[PATH_MAX];		   /* the ELF file the links are on */
	uint64_t off;			   /* file offset of the function */
	uint64_t go_ret[GO_MAX_RETS];	   /* a Go function's RETs: its return probe's sites */
	unsigned go_nret;		   /* 0 but for a Go function's return probe */
	char provider[64];		   /* USDT provider; empty for function probes */
	struct bpf_link *entry;		   /* uprobe link, NULL for return-only probes */
	struct bpf_link *ret;		   /* uretprobe link, NULL for entry-only probes */
	struct mlink *mentry;		   /* or the uprobe_multi entry link it shares */
	struct mlink *mret;		   /* and the uprobe_multi return link (Go: go_return's) */
	/*
	 * aggregate: its table, fed by the writer thread (output_record); NULL
	 * for none. Events are written as lines only when actions has
	 * AT_ACT_EVENT. Closed when the probe is removed, freed with it.
	 */
	struct aggregate *agg;
	uint32_t id;  /* probe id = BPF cookie = record probe_id */
	bool removed; /* detached; kept so late records still decode */
};

/*
 * Resolves a SPEC and attaches one probe per matching function. On success
 * returns the number of probes and stores their ids in ids (up to max). On
 * failure returns -EINVAL when the SPEC names something that is not there (a
 * usage error), -EINTR when set-up was cancelled (setup_cancel) and another
 * negative errno when the system refused, with a reason in err; nothing of
 * this call stays attached.
 */
int probes__add(struct session *s, const struct uspec *u, const struct resolve_scope *sc,
		uint32_t *ids, size_t max, char *err, size_t errlen);

/*
 * Attaches one USDT probe: u->target and u->func name the file and the probe
 * NAME, provider its provider; u->args type the probe's arguments. Each hit is
 * an entry-only record. Same return convention as probes__add (1 on success,
 * its id in *id).
 */
int probes__add_usdt(struct session *s, const struct uspec *u, const char *provider,
		     const struct resolve_scope *sc, uint32_t *id, char *err, size_t errlen);

/*
 * Attaches the probes of one probe-file entry: functions (one probe per match
 * of a glob), a USDT site, or syscalls (one probe listed on each selected
 * number, AT_SYS_PROBES at most per number). Its filter, actions, sampling
 * and rate limit go into the kernel's probe table. Same return convention as
 * probes__add.
 */
int probes__add_file(struct session *s, const struct pf_probe *fp, const struct resolve_scope *sc,
		     uint32_t *ids, size_t max, char *err, size_t errlen);

/*
 * Resolves a SPEC (or, with provider, a USDT probe) as probes__add would,
 * attaching nothing: the number of functions it names, or -EINVAL with err
 * (-EINTR when set-up was cancelled).
 */
int probes__resolve(const struct uspec *u, const char *provider, const struct resolve_scope *sc,
		    char *err, size_t errlen);

/*
 * A batch of function probes attached together (uprobe_multi links only;
 * without them probes attach as they are added, as outside a batch). After
 * probes__batch_begin, probes__add and probes__add_file resolve their
 * functions, fill and enable their probe-table entries and hand out their
 * ids as always, but attach nothing: probes__batch_commit then makes one
 * return link, then one entry link, per file for all of them, each held by
 * all its ids, so probes__remove(id) keeps it for the others and the last
 * id closes it. USDT and syscall probes attach at once, batch or not.
 * One batch at a time: 0, or -EBUSY while one is open.
 */
int probes__batch_begin(struct session *s);

/*
 * Attaches the open batch's probes (those not removed meanwhile); no batch
 * open: 0. On failure every probe of the batch is detached and removed (its
 * id stays handed out; records already in flight still decode) and it
 * returns -EINTR when set-up was cancelled (setup_cancel), or -EIO (a link
 * the kernel refused) or -ENOMEM with a reason in err. Either way the batch
 * is closed.
 */
int probes__batch_commit(struct session *s, char *err, size_t errlen);

/* Closes the open batch, its probes removed unattached (a failed set-up). */
void probes__batch_abort(struct session *s);

/* Detaches one probe; its records already in flight still decode. 0 or -ENOENT. */
int probes__remove(struct session *s, uint32_t id);

/* The probe with this id, or NULL. Safe from the reader thread. */
const struct probe *probes__get(struct session *s, uint32_t id);

/*
 * Sets the ABI probe id's entry reads arguments and results with (Go's
 * register ABI or SysV), for a probe that waited for its file and finds it
 * in a Go binary, or not. 0 or -errno.
 */
int probes__set_abi(struct session *s, uint32_t id, bool go);

/* Highest probe id handed out + 1. */
uint32_t probes__count(struct session *s);

/* What happened to a probe's hits, summed over CPUs. 0 or -errno. */
int probes__counts(struct session *s, uint32_t id, struct at_probe_counts *out);

#endif /* AT_PROBES_H */
