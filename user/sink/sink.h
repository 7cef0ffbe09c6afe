/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The sink interface: a format that turns events and the summary into bytes. */
/*
 * Text and JSON lines are its first two implementations (text.c, json.c).
 * output.c is the front they share: it opens the destination, buffers their
 * lines, flushes them at each batch, counts what a failed write lost and
 * closes; a sink that is not a line stream (OTLP) adds its own flush and
 * close hooks here when it comes.
 */
#ifndef AT_SINK_H
#define AT_SINK_H

#include <stdbool.h>

#include "decode.h"
#include "strbuf.h"
#include "summary.h"

struct sink;

struct sink_ops {
	/*
	 * Writes ev as whole lines into line (nothing for an event the format
	 * does not show). line holds the longest record: SINK_LINE_MAX.
	 */
	void (*event)(const struct sink *s, const struct event *ev, struct out *line);
	/* Writes the summary; out may be too small (snprintf convention: sized by a first pass). */
	void (*summary)(const struct sink *s, const struct summary *sm, struct out *out);
};

/* A sink: its format and what the trace was asked for. */
struct sink {
	const struct sink_ops *ops;
	bool exit_only;	   /* syscalls seen at sys_exit alone: no durations, no time columns */
	bool has_syscalls; /* syscalls are traced: the summary shows their table */
};

extern const struct sink_ops text_sink_ops;
extern const struct sink_ops json_sink_ops;

/* Room for a call's arguments: every slot escaped (JSON's \u00XX: 6x), plus the scalars. */
#define CALL_TEXT_MAX (AT_SLOTS * AT_STR_MAX * 6 + 1024)
/* A whole line: the decoded call, its head, names and labels, the return. */
#define SINK_LINE_MAX (2 * CALL_TEXT_MAX)

#endif /* AT_SINK_H */
