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

/* Who sends: the attributes of every resource, and the instrumentation scope. */
struct otlp_resource {
	const char *service_version; /* service.version and the scope's version */
	const char *host_name;	     /* host.name; NULL or "": left out */
	const char *node_name;	     /* k8s.node.name ($NODE_NAME); NULL or "": left out */
};

/* Resources (processes) one logs request holds at most; the records of more are folded. */
#define OTLP_RESOURCES_MAX 64

struct ctr_rows;

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
 * The resource attributes of ev's process, as KeyValue objects separated by
 * commas (no brackets): process.pid, process.executable.path,
 * container.id, container.runtime, k8s.pod.uid, k8s.namespace.name,
 * k8s.pod.name, k8s.container.name, each when known.
 */
void otlp_proc_attrs(struct out *o, const struct event *ev);

/*
 * One queued logs item: ev's process attributes (otlp_proc_attrs), a
 * newline (which JSON text never holds unescaped), then its LogRecord.
 */
void otlp_log_item(struct out *o, const struct event *ev, uint64_t start_unix_ns);

/*
 * An ExportLogsServiceRequest of b's items (otlp_log_item's): one
 * ResourceLogs per distinct process attributes, in order of first
 * appearance, each resource with r's attributes (service.*, host.name,
 * k8s.node.name, telemetry.sdk.*) before the process's, and its records in
 * their order. Past OTLP_RESOURCES_MAX resources, the other records go in
 * one last ResourceLogs with r's attributes alone (each record keeps
 * process.pid and container.id as its own attributes), whose scope says how
 * many as "agent_trace.resources.folded". b->gap's non-zero causes are the
 * first scope's "agent_trace.dropped.CAUSE" attributes.
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
	const struct ctr_rows *containers; /* records by container (ctrtab.h); NULL: none */
};

/*
 * An ExportMetricsServiceRequest of cur: per-syscall calls, errors and
 * duration histograms, per-probe counters and duration histograms, records
 * lost per cause, records read, reader batches, the agent's CPU time and
 * memory; the same set as the Prometheus renderer (prom.c), probes removed
 * left out; all in one ResourceMetrics of r's attributes. With
 * mo->containers, the records counted per container (always cumulative:
 * agent_trace.syscall.records, agent_trace.probe.records and .failing, the
 * duration of timed probes' records) in one more ResourceMetrics per
 * container, with its container.* and k8s.* attributes; the host's records in
 * the first, those folded past the bound there with agent_trace.container
 * "other". With OTLP_DELTA each sum and histogram is cur less prev (prev
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
