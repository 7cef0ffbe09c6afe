/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The session's insides, shared by the files that implement it (session.c, probes.c). */
#ifndef AT_SESSION_PRIV_H
#define AT_SESSION_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "probes.h"
#include "session.h"
#include "worker.h"
#include "agent_trace.skel.h"

struct probe_batch;
struct follow;
struct pending_extra;

struct session {
	struct agent_trace_bpf *skel; /* the one BPF object: every program and map */
	struct ring_buffer *rb;
	int wake_fd; /* reader_open_epoll(): the ring's wakeups (edge-triggered), and stop_fd */
	int stop_fd; /* eventfd written by session__stop: ends the reader's sleep */
	/* The ring's consumer and producer positions, mapped read-only (reader.c). */
	const unsigned long *cons_pos, *prod_pos;
	struct at_pid_bits *pid_bits;	  /* the traced_bits map, mapped */
	struct at_pid_bits *pending_bits; /* the pending_bits map (candidates), mapped */
	struct pending_extra *extra;	  /* what confirmed candidates added (pending.c) */
	struct session_opts opts;
	struct worker reader;
	bool stopped;
	struct reader_stats
		rstats; /* written by the reader alone, relaxed: --metrics reads it live */
	int ncpus;
	bool uprobe_multi; /* function probes use uprobe_multi links (probe_uprobe_multi) */
	bool all;	   /* every process is traced (session__trace_all) */
	bool open_targets; /* processes join by what they run: a probe may wait for its file */
	bool sys_deferred; /* syscall programs loaded, attached at the first syscall probe */
	pthread_mutex_t probes_lock;		       /* serialises probes__add/remove */
	_Atomic(struct probe *) probes[AT_MAX_PROBES]; /* by id; published once complete */
	atomic_uint nprobes;			       /* ids handed out */
	struct probe_batch *batch; /* open batch (probes__batch_begin), NULL if none */
	struct follow *follow;	   /* function probes into each traced process's files */
};

/*
 * Attaches the syscall programs a session loaded for probe-file syscall
 * probes but left detached while it had none (only function probes, no -e).
 * Once done, a no-op. 0 or -errno with err.
 */
int session_attach_syscalls(struct session *s, char *err, size_t errlen);

/*
 * Candidates' accounting (pending.c). pending_open maps the candidate bitmap
 * and makes the totals confirmed candidates add to; pending_close undoes it.
 * pending_add_stat adds to out what confirmed candidates added to the
 * statistics entry key (a probe id, or AT_PENDING_SYS | nr), and
 * pending_add_counts the same to a probe's counts; pending_reset forgets a
 * probe id's (its slot is reused). pending_clear clears tgid's bit (a
 * process added by userspace is no candidate).
 */
int pending_open(struct session *s, char *err, size_t errlen);
void pending_close(struct session *s);
void pending_add_stat(struct session *s, uint32_t key, struct at_stat *out);
void pending_add_counts(struct session *s, uint32_t id, struct at_probe_counts *out);
void pending_reset(struct session *s, uint32_t id);
void pending_clear(struct session *s, pid_t tgid);
/* Merges one CPU's (or one candidate's) statistics or counts p into out. */
void stat_merge(struct at_stat *out, const struct at_stat *p);
void counts_merge(struct at_probe_counts *out, const struct at_probe_counts *p);

/* Detaches every probe's links (session stop). */
void probes__detach_all(struct session *s);
/* Frees every probe (session free). */
void probes__free_all(struct session *s);

#endif /* AT_SESSION_PRIV_H */
