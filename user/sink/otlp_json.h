/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* OTLP/HTTP JSON encoders: LogRecords of events, the logs envelope, metrics of a snapshot. */
/*
 * The OTLP/HTTP JSON mapping of the opentelemetry-proto messages:
 * lowerCamelCase field names, 64-bit integers as decimal strings, enums as
 * their integers, attribute values as AnyValue. Pure functions of their
 * arguments (no clock, no host name lookup), so unit tests compare them with
 * golden files; the sink (otlp.c) gives them the times and the resource.
 */
#ifndef AT_OTLP_JSON_H
#define AT_OTLP_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "export.h"
#include "snapshot.h"
#include "strbuf.h"

/* Who sends: the resource and the instrumentation scope of every request. */
struct otlp_resource {
	const char *service_version; /* service.version and the scope's version */
	const char *host_name;	     /* host.name; NULL or "": left out */
};

/* OTLP's SeverityNumber values the events use. */
enum otlp_severity { OTLP_SEV_INFO = 9, OTLP_SEV_WARN = 13 };

/*
 * One LogRecord object for ev: times (start_unix_ns + ev->ts_ns), severity
 * (WARN for a failing call), a body as the text sink's line reads
 * (`openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3`) and the event's fields
 * as attributes. A record of six long captures takes some 20 KiB; typical
 * ones under 1 KiB.
 */
void otlp_log_record(struct out *o, const struct event *ev, uint64_t start_unix_ns);

/*
 * An ExportLogsServiceRequest with b's items (each a LogRecord object, as
 * otlp_log_record wrote it) as the one scope's logRecords; b->gap's non-zero
 * causes as the scope's "agent_trace.dropped.CAUSE" attributes.
 */
void otlp_logs_request(struct out *o, const struct otlp_resource *r, const struct export_batch *b);

/* What an ExportMetricsServiceRequest is made of besides the snapshot. */
struct otlp_metrics_opts {
	uint8_t temporality; /* enum otlp_temporality (sinkcfg.h) */
	uint64_t start_unix_ns; /* startTimeUnixNano: the run's start, or the previous export (delta) */
	uint64_t time_unix_ns;	    /* timeUnixNano: when cur was read */
	bool syscall_durations;	    /* syscalls are timed: their duration histograms */
	uint64_t rss_bytes;	    /* process.memory.usage; 0: left out */
	uint64_t run_start_unix_ns; /* the run's start: cumulative-only metrics (aggregates) */
};

/*
 * An ExportMetricsServiceRequest of cur: per-syscall calls, errors and
 * duration histograms, per-probe counters and duration histograms, records
 * lost per cause, records read, reader batches, the agent's CPU time and
 * memory; the same set as the Prometheus renderer (prom.c), probes removed
 * left out. With OTLP_DELTA each sum and histogram is cur less prev (prev
 * NULL: the first export, cur as it is); probes are matched by id.
 */
void otlp_metrics_request(struct out *o, const struct otlp_resource *r, const struct snapshot *cur,
			  const struct snapshot *prev, const struct otlp_metrics_opts *mo);

/*
 * The explicit bounds of every duration histogram, in nanoseconds: the
 * kernel's power-of-two bucket groups up to 2^36 ns, each bound the highest
 * value of its group (values <= bound fall in it), as prom.c's "le".
 */
#define OTLP_HIST_BOUNDS 35
uint64_t otlp_hist_bound_ns(unsigned i);

#endif /* AT_OTLP_JSON_H */
