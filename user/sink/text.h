/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The text sink's pieces that are also written outside the summary (stderr lines). */
#ifndef AT_TEXT_H
#define AT_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"
#include "strbuf.h"

/* The one-line "records: N delivered ...; lost: ...; agent-trace cpu ..." account. */
void text_records_line(struct out *o, const struct snapshot *s);
/* The loss line of -q: "agent-trace: lost N records (...), ..."; whether any was lost. */
bool text_loss_line(struct out *o, const struct snapshot *s);
/*
 * One line per exporting sink: sent, batches, bytes, retries, dropped by
 * cause; with drops_only, only the sinks that dropped something, as
 * "agent-trace: sink NAME: ..." lines for stderr (-q: loss is never silent).
 */
void text_sink_lines(struct out *o, const struct snapshot *s, bool drops_only);
/*
 * A latency histogram as bars, bpftrace style: one line per power of two
 * from the first to the last non-empty one.
 */
void text_hist(struct out *o, const uint32_t *hist);

#endif /* AT_TEXT_H */
