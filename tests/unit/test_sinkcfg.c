// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The exporting sinks as the command line and output.sinks give them, and their bad inputs. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "probefile.h"
#include "util.h"

#define S 1000000000ull

static int parse(struct config *cfg, char *err, int argc, char **argv)
{
	return cli_parse(argc, argv, cfg, err, 256);
}

#define PARSE(cfg, err, ...)                                                \
	parse(cfg, err, sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
	      (char *[]){ __VA_ARGS__ })

Test(sinkcfg, durations_and_sizes)
{
	uint64_t v;

	cr_assert_eq(parse_duration_ns("5", &v), 0);
	cr_assert_eq(v, 5 * S);
	cr_assert_eq(parse_duration_ns("1.5s", &v), 0);
	cr_assert_eq(v, 1500000000ull);
	cr_assert_eq(parse_duration_ns("250ms", &v), 0);
	cr_assert_eq(v, 250000000ull);
	cr_assert_eq(parse_duration_ns("2m", &v), 0);
	cr_assert_eq(v, 120 * S);
	cr_assert_eq(parse_duration_ns("1h", &v), 0);
	cr_assert_eq(v, 3600 * S);
	cr_assert_eq(parse_duration_ns("0", &v), 0);
	cr_assert_eq(v, 0);
	for (const char *const *b =
		     (const char *const[]){ "", "-1", "5x", "s", " 5", "1e30", "5 s", NULL };
	     *b; b++)
		cr_assert_eq(parse_duration_ns(*b, &v), -1, "'%s' is not a duration", *b);
	cr_assert_eq(parse_bytes("64M", &v), 0);
	cr_assert_eq(v, 64ull << 20);
	cr_assert_eq(parse_bytes("4096", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(parse_bytes("1k", &v), 0);
	cr_assert_eq(v, 1024);
	cr_assert_eq(parse_bytes("1T", &v), -1);
	cr_assert_eq(parse_bytes("-1", &v), -1);
}

Test(sinkcfg, cli_otlp_and_its_options)
{
	struct config c;
	char err[256];

	cr_assert_eq(PARSE(&c, err, "at", "-p", "1", "--otlp", "http://127.0.0.1:4318",
			   "--otlp-header-file", "/etc/h", "--otlp-ca", "/etc/ca.pem",
			   "--otlp-interval", "2s", "--otlp-temporality", "delta", "--otlp-signals",
			   "metrics", "--otlp-compression", "none", "--json-file", "/tmp/x.json",
			   "--flush-timeout", "500ms"),
		     0, "%s", err);
	cr_assert_eq(c.exp.n, 2);
	const struct otlp_config *o = &c.exp.sinks[0].otlp;

	cr_assert_eq(c.exp.sinks[0].type, SINK_OTLP);
	cr_assert_str_eq(o->endpoint, "http://127.0.0.1:4318");
	cr_assert_str_eq(o->headers_file, "/etc/h");
	cr_assert_str_eq(o->headers_env, "OTEL_EXPORTER_OTLP_HEADERS");
	cr_assert_str_eq(o->ca_file, "/etc/ca.pem");
	cr_assert_eq(o->interval_ns, 2 * S);
	cr_assert_eq(o->temporality, OTLP_DELTA);
	cr_assert_eq(o->signals, OTLP_SIGNAL_METRICS);
	cr_assert(!o->gzip);
	cr_assert_eq(o->timeout_ns, 10 * S);
	cr_assert_eq(c.exp.sinks[1].type, SINK_FILE);
	cr_assert_str_eq(c.exp.sinks[1].file.path, "/tmp/x.json");
	cr_assert_eq(c.exp.sinks[1].file.max_bytes, 100ull << 20);
	cr_assert_eq(c.exp.sinks[1].file.keep, 5);
	cr_assert_eq(c.exp.shutdown_ns, S / 2);

	/* Defaults. */
	cr_assert_eq(PARSE(&c, err, "at", "-p", "1", "--otlp", "https://c:4318"), 0, "%s", err);
	cr_assert_eq(c.exp.sinks[0].otlp.signals, OTLP_SIGNAL_LOGS | OTLP_SIGNAL_METRICS);
	cr_assert(c.exp.sinks[0].otlp.gzip);
	cr_assert_eq(c.exp.sinks[0].otlp.temporality, OTLP_CUMULATIVE);
	cr_assert_eq(c.exp.sinks[0].otlp.interval_ns, 10 * S);
	cr_assert_eq(c.exp.shutdown_ns, 5 * S);
}

Test(sinkcfg, cli_bad_inputs)
{
	static const struct {
		const char *args[6];
		const char *want;
	} cases[] = {
		{ { "at", "-p", "1", "--otlp", "collector:4318" }, "not an http:// or https://" },
		{ { "at", "-p", "1", "--otlp-ca", "/x" }, "--otlp-ca: give --otlp URL before it" },
		{ { "at", "-p", "1", "--otlp" }, "option '--otlp' needs an argument" },
		{ { "at", "--otlp", "http://a", "--otlp-interval", "10ms" }, "100ms or more" },
		{ { "at", "--otlp", "http://a", "--otlp-temporality", "sum" },
		  "delta or cumulative" },
		{ { "at", "--otlp", "http://a", "--otlp-signals", "traces" },
		  "unknown signal 'traces'" },
		{ { "at", "--otlp", "http://a", "--otlp-compression", "zstd" }, "gzip or none" },
		{ { "at", "-p", "1", "--flush-timeout", "soon" }, "not a duration" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char err[256];
		int argc = 0;

		while (argc < 6 && cases[i].args[argc])
			argc++;
		cr_assert_eq(cli_parse(argc, (char **)cases[i].args, &c, err, sizeof(err)), -1,
			     "case %zu", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: '%s' lacks '%s'", i, err,
			  cases[i].want);
	}
}

static const char head[] = "targets: {pids: [1]}\n"
			   "probes:\n"
			   "  - name: opens\n"
			   "    kind: syscall\n"
			   "    attach: openat\n";

static struct probefile *pf_ok(const char *output)
{
	char text[4096], err[512];
	struct probefile *pf = NULL;

	snprintf(text, sizeof(text), "%s%s", head, output);
	cr_assert_eq(probefile_parse("t.yaml", text, strlen(text), &pf, err, sizeof(err)), 0, "%s",
		     err);
	return pf;
}

static void pf_bad(const char *output, const char *want)
{
	char text[4096], err[512];
	struct probefile *pf = NULL;

	snprintf(text, sizeof(text), "%s%s", head, output);
	cr_assert_eq(probefile_parse("t.yaml", text, strlen(text), &pf, err, sizeof(err)), -1,
		     "accepted:\n%s", output);
	cr_assert(strstr(err, want), "'%s' lacks '%s'", err, want);
	cr_assert(!strncmp(err, "t.yaml:", 7), "'%s' names the file", err);
}

Test(sinkcfg, probe_file_sinks)
{
	struct probefile *pf = pf_ok("output:\n"
				     "  metrics: 127.0.0.1:9464\n"
				     "  flush_timeout: 2s\n"
				     "  sinks:\n"
				     "    - type: otlp\n"
				     "      endpoint: http://127.0.0.1:4318\n"
				     "      signals: [logs]\n"
				     "      compression: none\n"
				     "      timeout: 3s\n"
				     "      headers_file: /etc/agent-trace/h\n"
				     "      temporality: delta\n"
				     "      interval: 1s\n"
				     "      batch: {max_items: 100, max_bytes: 64K, window: 20s}\n"
				     "      queue: {items: 1000, bytes: 8M}\n"
				     "      retry: {initial: 100ms, max: 2s, max_elapsed: 1m}\n"
				     "    - type: file\n"
				     "      path: /var/log/at.json\n"
				     "      max_size: 10M\n"
				     "      keep: 3\n");
	const struct pf_output *o = &pf->output;
	const struct otlp_config *oc = &o->exp.sinks[0].otlp;

	cr_assert_str_eq(o->metrics, "127.0.0.1:9464");
	cr_assert(o->exp.has_shutdown);
	cr_assert_eq(o->exp.shutdown_ns, 2 * S);
	cr_assert_eq(o->exp.n, 2);
	cr_assert_eq(o->exp.sinks[0].type, SINK_OTLP);
	cr_assert_str_eq(oc->endpoint, "http://127.0.0.1:4318");
	cr_assert_eq(oc->signals, OTLP_SIGNAL_LOGS);
	cr_assert(!oc->gzip);
	cr_assert_eq(oc->timeout_ns, 3 * S);
	cr_assert_str_eq(oc->headers_file, "/etc/agent-trace/h");
	cr_assert_eq(oc->temporality, OTLP_DELTA);
	cr_assert_eq(oc->interval_ns, S);
	cr_assert_eq(oc->flow.batch.max_items, 100);
	cr_assert_eq(oc->flow.batch.max_bytes, 64 << 10);
	cr_assert_eq(oc->flow.batch.window_ns, 20 * S);
	cr_assert_eq(oc->flow.queue_items, 1000);
	cr_assert_eq(oc->flow.queue_bytes, 8 << 20);
	cr_assert_eq(oc->flow.retry.initial_ns, S / 10);
	cr_assert_eq(oc->flow.retry.max_ns, 2 * S);
	cr_assert_eq(oc->flow.retry.max_elapsed_ns, 60 * S);
	cr_assert_eq(o->exp.sinks[1].type, SINK_FILE);
	cr_assert_str_eq(o->exp.sinks[1].file.path, "/var/log/at.json");
	cr_assert_eq(o->exp.sinks[1].file.max_bytes, 10 << 20);
	cr_assert_eq(o->exp.sinks[1].file.keep, 3);
	probefile_free(pf);
}

Test(sinkcfg, probe_file_sink_errors)
{
	pf_bad("output:\n  sinks:\n    - type: kafka\n", "unknown value 'kafka'");
	pf_bad("output:\n  sinks:\n    - type: otlp\n", "no endpoint");
	pf_bad("output:\n  sinks:\n    - type: otlp\n      endpoint: collector:4318\n",
	       "not an http:// or https:// URL");
	pf_bad("output:\n  sinks:\n    - type: otlp\n      endpoint: http://a\n      path: /x\n",
	       "'path' is not a setting of a otlp sink");
	pf_bad("output:\n  sinks:\n    - type: file\n      path: /x\n      keep: -1\n",
	       "out of range");
	pf_bad("output:\n  sinks:\n    - type: file\n", "no path");
	pf_bad("output:\n  sinks:\n    - {type: otlp, endpoint: 'http://a', timeout: soon}\n",
	       "'soon' is not a duration");
	pf_bad("output:\n  sinks:\n    - {type: otlp, endpoint: 'http://a', tiemout: 1s}\n",
	       "did you mean 'timeout'");
	pf_bad("output:\n  sinks:\n    - {type: otlp, endpoint: 'http://a', batch: {max_bytes: 1G}}\n",
	       "out of range");
	pf_bad("output:\n  sinks:\n    - {type: otlp, endpoint: 'http://a', retry: {initial: 5s, "
	       "max: 1s}}\n",
	       "max is shorter than initial");
	pf_bad("output:\n  metrics: localhost\n", "is not ADDR:PORT");
	pf_bad("output:\n  sinks: {type: otlp}\n", "expected a list of sinks");
}
