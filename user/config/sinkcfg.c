// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sink defaults, one place for the command line and the probe file. */
#include <string.h>

#include "sinkcfg.h"

#define NS_PER_S 1000000000ull

void sink_config_init(struct sink_config *s, enum sink_type t)
{
	memset(s, 0, sizeof(*s));
	s->type = (uint8_t)t;
	if (t == SINK_OTLP) {
		s->otlp.signals = OTLP_SIGNAL_LOGS | OTLP_SIGNAL_METRICS;
		s->otlp.gzip = true;
		s->otlp.timeout_ns = 10 * NS_PER_S;
		strcpy(s->otlp.headers_env, "OTEL_EXPORTER_OTLP_HEADERS");
		s->otlp.interval_ns = 10 * NS_PER_S;
		s->otlp.temporality = OTLP_CUMULATIVE;
	} else if (t == SINK_FILE) {
		s->file.max_bytes = 100ull << 20;
		s->file.keep = 5;
	}
}
