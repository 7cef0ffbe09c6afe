/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Exporting sinks: fed each event on the writer thread, each with its own queues and sender. */
/*
 * Besides the line sink of the terminal or -o (sink.h), a run may export to
 * several sinks at once (sinkcfg.h): OTLP/HTTP (otlp.c) and rotated JSON-lines
 * files (file.c). Each encodes an event on the writer thread and pushes it to
 * its own exporter (export.h), which never blocks: a dead backend never
 * stalls the terminal or another sink. Its exporters' counters are read with
 * exporter_stats for the summary, /metrics and the closing line.
 */
#ifndef AT_XSINK_H
#define AT_XSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "export.h"
#include "sinkcfg.h"

struct session;
struct xsink;

/* What every exporting sink is given about the run. */
struct xsink_env {
	struct session *sess;	/* the maps periodic metrics read (snapshot__read) */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at attach: event times are relative to it */
	uint64_t start_unix_ns; /* CLOCK_REALTIME at start_ns */
	bool syscall_durations; /* syscalls are timed: their histograms mean something */
	_Atomic uint64_t *queue_dropped; /* the record queue's drops, for the agent's own metrics */
	const uint64_t *output_lost;	 /* the line sink's failed lines */
};

struct xsink_ops {
	/* Encodes ev and queues it (writer thread). */
	void (*event)(struct xsink *x, const struct event *ev);
	/* Sends what is queued within deadline_ns (a last metrics export included), then stops. */
	void (*stop)(struct xsink *x, uint64_t deadline_ns);
	void (*free)(struct xsink *x);
};

struct xsink {
	const struct xsink_ops *ops;
	struct exporter *exp[2]; /* its queues and senders: OTLP logs and metrics; a file's one */
	unsigned nexp;
	bool stopped; /* xsinks_stop ran: xsinks_free does not stop it again */
};

/*
 * Opens the sink c describes (nothing is sent yet: a receiver that is down is
 * not an error here). NULL with one line in err ("--otlp 'x': ...").
 */
struct xsink *otlp_sink_open(const struct otlp_config *c, const struct xsink_env *env, char *err,
			     size_t errlen);
struct xsink *file_sink_open(const struct file_sink_config *c, const struct xsink_env *env,
			     char *err, size_t errlen);

/* The sinks of cfg, opened in order into xs (*n of them). 0, or -1 with one line in err. */
int xsinks_open(struct xsink **xs, unsigned *n, const struct export_config *cfg,
		const struct xsink_env *env, char *err, size_t errlen);
/* Stops every sink, all within one deadline_ns from now. */
void xsinks_stop(struct xsink *const *xs, unsigned n, uint64_t deadline_ns);
/* Stops (at once) and frees every sink; *n becomes 0. */
void xsinks_free(struct xsink **xs, unsigned *n);

struct snapshot;
/* Copies every exporter's counters into snap->sinks (freed by snapshot__free). 0 or -ENOMEM. */
int xsinks_snapshot(struct xsink *const *xs, unsigned n, struct snapshot *snap);

#endif /* AT_XSINK_H */
