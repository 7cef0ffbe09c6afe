/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The sink interface: a format that turns events and the summary into bytes. */
/*
 * A sink is an ops table over the output (output.h): output.c opens it, hands
 * it each decoded event, a flush at the end of each batch of records, the
 * summary, and closes it. Text and JSON lines are its first two
 * implementations (text.c, json.c); they share the line stream below (its
 * buffer, write(2), the exact count of what a failed write lost) and differ
 * in their formats. A sink that is not a line stream (OTLP) brings its own
 * open, flush and close.
 */
#ifndef AT_SINK_H
#define AT_SINK_H

#include <stdbool.h>

#include "decode.h"
#include "snapshot.h"
#include "strbuf.h"
#include "summary.h"

struct output;

struct sink_ops {
	/* Opens the destination: path, or stdout when NULL. 0 or -errno. */
	int (*open)(struct output *o, const char *path);
	/* Takes one event; what a failed destination loses is counted in o->lost. */
	void (*event)(struct output *o, const struct event *ev);
	/* The end of a batch of records: makes what was taken visible. */
	void (*flush)(struct output *o);
	/* The summary of snap, after the events. */
	void (*summary)(struct output *o, const struct snapshot *snap);
	/* Writes what is pending and closes; safe to call twice. 0 or -errno. */
	int (*close)(struct output *o);
};

extern const struct sink_ops text_sink_ops;
extern const struct sink_ops json_sink_ops;

/*
 * A line format: writes ev as whole lines into line (nothing for an event it
 * does not show); line holds the longest record, SINK_LINE_MAX.
 */
typedef void line_event_fn(const struct output *o, const struct event *ev, struct out *line);
/* Writes the summary; out may be too small (snprintf convention: sized by a first pass). */
typedef void line_summary_fn(const struct output *o, const struct summary *sm, struct out *out);

/* The JSON sink's format of an event, one line: also what the file sink (file.c) writes. */
void json_event_line(const struct output *o, const struct event *ev, struct out *line);

/* The line stream the text and JSON sinks share (output.c). */
int lines_open(struct output *o, const char *path);
void lines_event(struct output *o, const struct event *ev, line_event_fn *fmt);
void lines_flush(struct output *o);
void lines_summary(struct output *o, const struct snapshot *snap, line_summary_fn *fmt);
int lines_close(struct output *o);

/* Captured bytes of one call at most: the inline slots and the record's continuations. */
#define CALL_BYTES_MAX (AT_SLOTS * AT_STR_MAX + AT_EXT_MAX)
/* Room for a call's arguments: every byte escaped (JSON's \u00XX: 6x), plus the scalars. */
#define CALL_TEXT_MAX (CALL_BYTES_MAX * 6 + 1024)
/* A whole line: the decoded call, its head, names and labels, the return. */
#define SINK_LINE_MAX (2 * CALL_TEXT_MAX)

#endif /* AT_SINK_H */
