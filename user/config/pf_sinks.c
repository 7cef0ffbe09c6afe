// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The probe file's output.sinks: each item a mapping with a type and that type's settings. */
/*
 *   output:
 *     sinks:
 *       - type: otlp
 *         endpoint: http://collector:4318     /v1/logs and /v1/metrics appended
 *         signals: [logs, metrics]
 *         compression: gzip | none
 *         timeout: 10s
 *         headers_file: /etc/agent-trace/otlp-headers    "Name: value" lines
 *         headers_env: OTEL_EXPORTER_OTLP_HEADERS
 *         ca_file: /etc/ssl/certs/collector-ca.pem
 *         interval: 10s                       metrics every
 *         temporality: cumulative | delta
 *         batch: { max_items: 512, max_bytes: 1M, window: 1s }
 *         queue: { items: 65536, bytes: 64M }
 *         retry: { initial: 500ms, max: 30s, max_elapsed: 5m }
 *       - type: file
 *         path: /var/log/agent-trace/events.json
 *         max_size: 100M
 *         keep: 5
 *         batch, queue as above
 */
#include <string.h>

#include "pf_sinks.h"

int pf_get_duration(struct pf_ctx *c, const yaml_node_t *n, const char *where, uint64_t min_ns,
		    uint64_t *out)
{
	static const char what[] = "a duration such as 5s, 500ms or 2m";
	const char *s;

	if (pf_get_scalar(c, n, where, what, &s))
		return -1;
	if (parse_duration_ns(s, out))
		return pf_errat(c, n, where, "'%.64s' is not a duration; expected %s", s, what);
	if (*out < min_ns)
		return pf_errat(c, n, where, "'%.64s' is too short; expected at least %.3g s", s,
				min_ns / 1e9);
	return 0;
}

/* A byte count ("64M", "4096") in [min, max]. */
static int get_bytes(struct pf_ctx *c, const yaml_node_t *n, const char *where, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	static const char what[] = "a size such as 1M, 64K or 4096";
	const char *s;

	if (pf_get_scalar(c, n, where, what, &s))
		return -1;
	if (parse_bytes(s, out))
		return pf_errat(c, n, where, "'%.64s' is not a size; expected %s", s, what);
	if (*out < min || *out > max)
		return pf_errat(c, n, where,
				"%.64s is out of range; expected from %llu to %llu bytes", s,
				(unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int get_path(struct pf_ctx *c, const yaml_node_t *n, const char *where, char *dst,
		    size_t size)
{
	const char *s;

	if (pf_get_scalar(c, n, where, "a file path", &s))
		return -1;
	if (!*s || strlen(s) >= size)
		return pf_errat(c, n, where, "%s; expected a path of at most %zu bytes",
				*s ? "too long" : "empty", size - 1);
	strcpy(dst, s);
	return 0;
}

static int load_batch(struct pf_ctx *c, yaml_node_t *n, const char *where, struct batch_policy *b)
{
	enum { B_ITEMS, B_BYTES, B_WINDOW, B_N };
	static const char *const keys[B_N] = {
		[B_ITEMS] = "max_items", [B_BYTES] = "max_bytes", [B_WINDOW] = "window"
	};
	yaml_node_t *v[B_N], *k[B_N];
	long long x;
	uint64_t u;

	if (pf_expect(c, n, YAML_MAPPING_NODE, where,
		      "a mapping with max_items, max_bytes, window") ||
	    pf_map_keys(c, n, where, keys, B_N, v, k))
		return -1;
	if (v[B_ITEMS]) {
		if (pf_get_int(c, v[B_ITEMS], where, 1, 1 << 20, "from 1 to 1048576", &x))
			return -1;
		b->max_items = (size_t)x;
	}
	if (v[B_BYTES]) {
		if (get_bytes(c, v[B_BYTES], where, 1024, 64ull << 20, &u))
			return -1;
		b->max_bytes = (size_t)u;
	}
	if (v[B_WINDOW] && pf_get_duration(c, v[B_WINDOW], where, 0, &b->window_ns))
		return -1;
	return 0;
}

static int load_queue(struct pf_ctx *c, yaml_node_t *n, const char *where, struct sink_flow *f)
{
	enum { Q_ITEMS, Q_BYTES, Q_N };
	static const char *const keys[Q_N] = { [Q_ITEMS] = "items", [Q_BYTES] = "bytes" };
	yaml_node_t *v[Q_N], *k[Q_N];
	long long x;
	uint64_t u;

	if (pf_expect(c, n, YAML_MAPPING_NODE, where, "a mapping with items, bytes") ||
	    pf_map_keys(c, n, where, keys, Q_N, v, k))
		return -1;
	if (v[Q_ITEMS]) {
		if (pf_get_int(c, v[Q_ITEMS], where, 1, 1 << 24, "from 1 to 16777216", &x))
			return -1;
		f->queue_items = (size_t)x;
	}
	if (v[Q_BYTES]) {
		if (get_bytes(c, v[Q_BYTES], where, 4096, 4ull << 30, &u))
			return -1;
		f->queue_bytes = (size_t)u;
	}
	return 0;
}

static int load_retry(struct pf_ctx *c, yaml_node_t *n, const char *where, struct retry_policy *r)
{
	enum { R_INITIAL, R_MAX, R_ELAPSED, R_N };
	static const char *const keys[R_N] = {
		[R_INITIAL] = "initial", [R_MAX] = "max", [R_ELAPSED] = "max_elapsed"
	};
	yaml_node_t *v[R_N], *k[R_N];

	if (pf_expect(c, n, YAML_MAPPING_NODE, where, "a mapping with initial, max, max_elapsed") ||
	    pf_map_keys(c, n, where, keys, R_N, v, k))
		return -1;
	if (v[R_INITIAL] && pf_get_duration(c, v[R_INITIAL], where, 1000000, &r->initial_ns))
		return -1;
	if (v[R_MAX] && pf_get_duration(c, v[R_MAX], where, 1000000, &r->max_ns))
		return -1;
	if (v[R_ELAPSED] && pf_get_duration(c, v[R_ELAPSED], where, 0, &r->max_elapsed_ns))
		return -1;
	/* Unset fields (0) take the exporter's defaults. */
	if (r->max_ns && r->max_ns < r->initial_ns)
		return pf_errat(c, n, where, "max is shorter than initial; make max the longer");
	return 0;
}

enum {
	K_TYPE,
	K_ENDPOINT,
	K_SIGNALS,
	K_COMPRESSION,
	K_TIMEOUT,
	K_HEADERS_FILE,
	K_HEADERS_ENV,
	K_CA_FILE,
	K_INTERVAL,
	K_TEMPORALITY,
	K_PATH,
	K_MAX_SIZE,
	K_KEEP,
	K_BATCH,
	K_QUEUE,
	K_RETRY,
	K_N
};

static const char *const sink_keys[K_N] = {
	[K_TYPE] = "type",
	[K_ENDPOINT] = "endpoint",
	[K_SIGNALS] = "signals",
	[K_COMPRESSION] = "compression",
	[K_TIMEOUT] = "timeout",
	[K_HEADERS_FILE] = "headers_file",
	[K_HEADERS_ENV] = "headers_env",
	[K_CA_FILE] = "ca_file",
	[K_INTERVAL] = "interval",
	[K_TEMPORALITY] = "temporality",
	[K_PATH] = "path",
	[K_MAX_SIZE] = "max_size",
	[K_KEEP] = "keep",
	[K_BATCH] = "batch",
	[K_QUEUE] = "queue",
	[K_RETRY] = "retry",
};

/* Keys only one type has. */
static const unsigned char otlp_only[] = { K_ENDPOINT,	   K_SIGNALS,	  K_COMPRESSION, K_TIMEOUT,
					   K_HEADERS_FILE, K_HEADERS_ENV, K_CA_FILE,	 K_INTERVAL,
					   K_TEMPORALITY,  K_RETRY };
static const unsigned char file_only[] = { K_PATH, K_MAX_SIZE, K_KEEP };

static int load_otlp(struct pf_ctx *c, yaml_node_t *const v[K_N], const char *where,
		     struct otlp_config *o)
{
	static const char *const signals[] = { "logs", "metrics" };
	static const char *const comps[] = { "gzip", "none" };
	static const char *const temps[] = { "delta", "cumulative" };
	unsigned idx;
	const char *s;

	if (!v[K_ENDPOINT])
		return pf_errat(c, v[K_TYPE], where,
				"no endpoint; an otlp sink needs one, e.g. "
				"endpoint: http://127.0.0.1:4318");
	if (pf_get_scalar(c, v[K_ENDPOINT], where, "a URL", &s))
		return -1;
	if (strncmp(s, "http://", 7) && strncmp(s, "https://", 8))
		return pf_errat(c, v[K_ENDPOINT], where,
				"'%.64s' is not an http:// or https:// URL", s);
	if (strlen(s) >= sizeof(o->endpoint))
		return pf_errat(c, v[K_ENDPOINT], where, "URL too long");
	strcpy(o->endpoint, s);
	if (v[K_SIGNALS]) {
		o->signals = 0;
		for (unsigned i = 0; i < pf_nitems(v[K_SIGNALS]); i++) {
			if (pf_one_of(c, pf_item(c, v[K_SIGNALS], i), where, signals, 2, &idx))
				return -1;
			o->signals |= idx ? OTLP_SIGNAL_METRICS : OTLP_SIGNAL_LOGS;
		}
		if (!o->signals)
			return pf_errat(c, v[K_SIGNALS], where,
					"empty; expected logs, metrics or both");
	}
	if (v[K_COMPRESSION]) {
		if (pf_one_of(c, v[K_COMPRESSION], where, comps, 2, &idx))
			return -1;
		o->gzip = idx == 0;
	}
	if (v[K_TIMEOUT] && pf_get_duration(c, v[K_TIMEOUT], where, 1000000, &o->timeout_ns))
		return -1;
	if (v[K_HEADERS_FILE] &&
	    get_path(c, v[K_HEADERS_FILE], where, o->headers_file, sizeof(o->headers_file)))
		return -1;
	if (v[K_HEADERS_ENV] &&
	    get_path(c, v[K_HEADERS_ENV], where, o->headers_env, sizeof(o->headers_env)))
		return -1;
	if (v[K_CA_FILE] && get_path(c, v[K_CA_FILE], where, o->ca_file, sizeof(o->ca_file)))
		return -1;
	if (v[K_INTERVAL] && pf_get_duration(c, v[K_INTERVAL], where, 100000000, &o->interval_ns))
		return -1;
	if (v[K_TEMPORALITY]) {
		if (pf_one_of(c, v[K_TEMPORALITY], where, temps, 2, &idx))
			return -1;
		o->temporality = idx ? OTLP_CUMULATIVE : OTLP_DELTA;
	}
	if (v[K_RETRY] && load_retry(c, v[K_RETRY], where, &o->flow.retry))
		return -1;
	return 0;
}

static int load_file(struct pf_ctx *c, yaml_node_t *const v[K_N], const char *where,
		     struct file_sink_config *f)
{
	long long x;

	if (!v[K_PATH])
		return pf_errat(c, v[K_TYPE], where, "no path; a file sink needs one");
	if (get_path(c, v[K_PATH], where, f->path, sizeof(f->path)))
		return -1;
	if (v[K_MAX_SIZE] && get_bytes(c, v[K_MAX_SIZE], where, 0, 1ull << 40, &f->max_bytes))
		return -1;
	if (v[K_KEEP]) {
		if (pf_get_int(c, v[K_KEEP], where, 0, 1000, "from 0 to 1000", &x))
			return -1;
		f->keep = (unsigned)x;
	}
	return 0;
}

static int load_sink(struct pf_ctx *c, yaml_node_t *n, unsigned i, struct sink_config *sc)
{
	static const char *const types[] = { "otlp", "file" };
	yaml_node_t *v[K_N], *k[K_N];
	struct sink_flow *flow;
	char where[48];
	unsigned t;

	snprintf(where, sizeof(where), "output: sinks[%u]", i);
	if (pf_expect(c, n, YAML_MAPPING_NODE, where, "a mapping with type and its settings") ||
	    pf_map_keys(c, n, where, sink_keys, K_N, v, k))
		return -1;
	if (!v[K_TYPE])
		return pf_errat(c, n, where, "no type; expected type: otlp or type: file");
	if (pf_one_of(c, v[K_TYPE], where, types, 2, &t))
		return -1;
	const unsigned char *other = t ? otlp_only : file_only;
	size_t nother = t ? sizeof(otlp_only) : sizeof(file_only);

	for (size_t j = 0; j < nother; j++)
		if (v[other[j]])
			return pf_errat(c, k[other[j]], where, "'%s' is not a setting of a %s sink",
					sink_keys[other[j]], types[t]);
	sink_config_init(sc, t ? SINK_FILE : SINK_OTLP);
	if (t ? load_file(c, v, where, &sc->file) : load_otlp(c, v, where, &sc->otlp))
		return -1;
	flow = t ? &sc->file.flow : &sc->otlp.flow;
	if (v[K_BATCH] && load_batch(c, v[K_BATCH], where, &flow->batch))
		return -1;
	if (v[K_QUEUE] && load_queue(c, v[K_QUEUE], where, flow))
		return -1;
	return 0;
}

int pf_load_sinks(struct pf_ctx *c, yaml_node_t *n, struct export_config *exp)
{
	if (pf_expect(c, n, YAML_SEQUENCE_NODE, "output: sinks", "a list of sinks"))
		return -1;
	for (unsigned i = 0; i < pf_nitems(n); i++) {
		if (exp->n == SINKS_MAX)
			return pf_errat(c, pf_item(c, n, i), "output: sinks",
					"too many sinks; at most %d", SINKS_MAX);
		if (load_sink(c, pf_item(c, n, i), i, &exp->sinks[exp->n]))
			return -1;
		exp->n++;
	}
	return 0;
}
