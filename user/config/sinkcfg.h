/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exporting sinks a run sends to, as the command line and the probe file's output.sinks give them. */
#ifndef AT_SINKCFG_H
#define AT_SINKCFG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "retry.h"

#define SINKS_MAX 8

enum sink_type { SINK_OTLP = 1, SINK_FILE };

/* OTLP's aggregationTemporality values. */
enum otlp_temporality { OTLP_DELTA = 1, OTLP_CUMULATIVE = 2 };

/* What goes to the receiver. */
#define OTLP_SIGNAL_LOGS (1u << 0)    /* every event as a LogRecord, to /v1/logs */
#define OTLP_SIGNAL_METRICS (1u << 1) /* counts and histograms every interval, to /v1/metrics */

/* Queue and batch settings of one sink; 0 fields take the exporter's defaults. */
struct sink_flow {
	size_t queue_items, queue_bytes;
	struct batch_policy batch;
	struct retry_policy retry;
};

struct otlp_config {
	/*
	 * http://HOST:PORT or https://...: the base URL; /v1/logs and /v1/metrics
	 * are appended (as OTEL_EXPORTER_OTLP_ENDPOINT), unless it already ends
	 * in one of them, and then that signal alone goes there.
	 */
	char endpoint[1024];
	uint8_t signals;     /* OTLP_SIGNAL_*; default both */
	bool gzip;	     /* Content-Encoding: gzip (default on) */
	uint64_t timeout_ns; /* per request (default 10 s) */
	/* Authentication headers, never on the command line: "Name: value" lines of a file, */
	char headers_file[PATH_MAX];
	/* and/or this environment variable as OTEL_EXPORTER_OTLP_HEADERS ("k=v,k2=v2", %-encoded). */
	char headers_env[128];	/* default "OTEL_EXPORTER_OTLP_HEADERS" */
	char ca_file[PATH_MAX]; /* https: the CA bundle to verify the receiver with; "" system */
	uint64_t interval_ns;	/* metrics every (default 10 s) */
	uint8_t temporality;	/* enum otlp_temporality (default cumulative) */
	struct sink_flow flow;
};

/* JSON lines to a file, rotated by size: PATH, PATH.1 ... PATH.KEEP. */
struct file_sink_config {
	char path[PATH_MAX];
	uint64_t max_bytes; /* rotate when a write would pass this (default 100 MiB); 0: never */
	unsigned keep;	    /* rotated files kept (default 5) */
	struct sink_flow flow;
};

struct sink_config {
	uint8_t type; /* enum sink_type */
	struct otlp_config otlp;
	struct file_sink_config file;
};

struct export_config {
	struct sink_config sinks[SINKS_MAX];
	unsigned n;
	uint64_t shutdown_ns; /* SIGTERM/SIGINT: flush within this (default 5 s) */
	bool has_shutdown;
};

/* Defaults for a sink of type t (everything else zeroed). */
void sink_config_init(struct sink_config *s, enum sink_type t);

#endif /* AT_SINKCFG_H */
