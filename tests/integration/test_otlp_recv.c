// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The OTLP test receiver and its C helper alone, with no agent: faults, checks, counts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness.h"
#include "otlp_recv.h"

/* A request of two log records, as the OTLP/HTTP JSON mapping writes it. */
static const char LOGS[] =
	"{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"agent-trace\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":"
	"\"agent-trace\"},\"logRecords\":["
	"{\"timeUnixNano\":\"1700000000000000000\",\"severityNumber\":9,"
	"\"body\":{\"stringValue\":\"openat = 3\"},\"attributes\":[{\"key\":\"pid\","
	"\"value\":{\"intValue\":\"42\"}}]},"
	"{\"timeUnixNano\":\"1700000000000000001\",\"severityNumber\":13,"
	"\"body\":{\"stringValue\":\"connect = -111\"},"
	"\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\"}"
	"]}]}]}";

/* One sum data point: a counter. */
static const char METRICS[] =
	"{\"resourceMetrics\":[{\"resource\":{},\"scopeMetrics\":[{\"metrics\":[{\"name\":"
	"\"calls\",\"sum\":{\"aggregationTemporality\":1,\"isMonotonic\":true,\"dataPoints\":"
	"[{\"timeUnixNano\":\"2\",\"asInt\":\"5\"}]}}]}]}]}";

/* POSTs body as JSON to the receiver's path; returns the status, the body in *resp. */
static int post(const struct otlp_recv *r, const char *path, const void *body, size_t len,
		const char *encoding, char retry_after[32], char **resp)
{
	struct otlp_http h = { .content_type = "application/json",
			       .content_encoding = encoding,
			       .body = body,
			       .len = len };
	char url[128];
	int st;

	snprintf(url, sizeof(url), "%s%s", r->url, path);
	st = otlp_http(url, &h);
	if (retry_after)
		memcpy(retry_after, h.retry_after, sizeof(h.retry_after));
	if (resp)
		*resp = h.resp;
	else
		free(h.resp);
	return st;
}

static int post_logs(const struct otlp_recv *r, char retry_after[32])
{
	return post(r, "/v1/logs", LOGS, strlen(LOGS), NULL, retry_after, NULL);
}

/* s gzip-compressed (zlib's gzip wrapper: windowBits 15 + 16), malloc'd. */
static void *gzip(const char *s, size_t *len)
{
	z_stream z = { 0 };
	size_t cap = compressBound(strlen(s)) + 32;
	unsigned char *out = malloc(cap);

	cr_assert_not_null(out);
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)s;
	z.avail_in = (unsigned)strlen(s);
	z.next_out = out;
	z.avail_out = (unsigned)cap;
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* 503 with Retry-After for two requests, then back to ok by itself. */
Test(otlp_recv, status_for_count_then_ok)
{
	struct otlp_recv r;
	struct otlp_stats s;
	char ra[32], *log;
	size_t n, zlen;
	void *z = gzip(LOGS, &zlen);

	otlp_recv_start(&r, "otlp_status", NULL);
	otlp_recv_control(&r,
			  "{\"mode\":\"status\",\"status\":503,\"retry_after\":\"1\",\"count\":2}");
	cr_assert_eq(post_logs(&r, ra), 503);
	cr_assert_str_eq(ra, "1");
	cr_assert_eq(post_logs(&r, ra), 503);
	cr_assert_eq(post(&r, "/v1/logs", z, zlen, "gzip", ra, NULL), 200);
	cr_assert_str_eq(ra, "");
	free(z);

	otlp_recv_stats(&r, &s);
	cr_assert_eq(s.requests, 3);
	cr_assert_eq(s.valid, 1);
	cr_assert_eq(s.invalid, 0);
	cr_assert_eq(s.faulted, 2);
	cr_assert_eq(s.log_records, 2);
	cr_assert_eq(s.data_points, 0);
	cr_assert_eq(otlp_recv_stat(&r, "by_status.503"), 2);
	cr_assert_eq(otlp_recv_stat(&r, "by_status.200"), 1);
	cr_assert_eq(otlp_recv_stat(&r, "by_status.400"), 0);

	/* The one that got through is in the log, decompressed, as sent. */
	log = otlp_recv_log(&r, &n);
	cr_assert_eq(n, 1);
	cr_assert_not_null(strstr(log, "{\"path\":\"/v1/logs\",\"encoding\":\"gzip\","));
	cr_assert_not_null(strstr(log, "\"body\":{\"resourceLogs\":"));
	cr_assert_not_null(strstr(log, "\"traceId\":\"5b8efff798038103d269b633813fc60c\""));
	free(log);
	otlp_recv_stop(&r, false);
}

/* A misspelt field, a 64-bit integer as a number: 400, counted, not recorded. */
Test(otlp_recv, invalid_rejected)
{
	char *bad = strdup(LOGS), *num, *resp, *log;
	struct otlp_recv r;
	struct otlp_stats s;
	size_t n;

	cr_assert_not_null(bad);
	memcpy(strstr(bad, "logRecords"), "logRecordz", 10);
	otlp_recv_start(&r, "otlp_invalid", NULL);
	cr_assert_eq(post(&r, "/v1/logs", bad, strlen(bad), NULL, NULL, &resp), 400);
	cr_assert_not_null(strstr(resp, "scopeLogs[0].logRecordz: no such field"), "%s", resp);
	free(resp);
	free(bad);

	cr_assert_not_null(num = strdup(METRICS));
	memcpy(strstr(num, "\"asInt\":\"5\""), "\"asInt\": 5 ", 11);
	cr_assert_eq(post(&r, "/v1/metrics", num, strlen(num), NULL, NULL, &resp), 400);
	cr_assert_not_null(strstr(resp, "asInt: number 5 has the wrong type"), "%s", resp);
	free(resp);
	free(num);
	/* Metrics are not logs. */
	cr_assert_eq(post(&r, "/v1/logs", METRICS, strlen(METRICS), NULL, NULL, NULL), 400);
	cr_assert_eq(post(&r, "/v1/metrics", METRICS, strlen(METRICS), NULL, NULL, NULL), 200);

	otlp_recv_stats(&r, &s);
	cr_assert_eq(s.requests, 4);
	cr_assert_eq(s.valid, 1);
	cr_assert_eq(s.invalid, 3);
	cr_assert_eq(s.data_points, 1);
	cr_assert_eq(otlp_recv_stat(&r, "by_status.400"), 3);
	log = otlp_recv_log(&r, &n);
	cr_assert_eq(n, 1);
	cr_assert_not_null(strstr(log, "{\"path\":\"/v1/metrics\",\"encoding\":\"identity\","));
	free(log);
	otlp_recv_stop(&r, false);
}

/* partial_success answers 200 with the rejection; reset answers nothing. */
Test(otlp_recv, partial_success_and_reset)
{
	struct otlp_recv r;
	struct otlp_stats s;
	char *resp;

	otlp_recv_start(&r, "otlp_partial", NULL);
	otlp_recv_control(&r, "{\"mode\":\"partial_success\",\"rejected\":1,\"message\":\"old\","
			      "\"count\":1}");
	cr_assert_eq(post(&r, "/v1/logs", LOGS, strlen(LOGS), NULL, NULL, &resp), 200);
	cr_assert_str_eq(resp, "{\"partialSuccess\":{\"rejectedLogRecords\":\"1\","
			       "\"errorMessage\":\"old\"}}\n");
	free(resp);
	otlp_recv_control(&r, "{\"mode\":\"reset\",\"count\":1}");
	cr_assert_eq(post_logs(&r, NULL), -1);
	cr_assert_eq(post_logs(&r, NULL), 200);

	otlp_recv_stats(&r, &s);
	cr_assert_eq(s.requests, 3);
	cr_assert_eq(s.valid, 2);
	cr_assert_eq(s.faulted, 1);
	cr_assert_eq(s.reset, 1);
	cr_assert_eq(s.log_records, 4);
	otlp_recv_stop(&r, false);
}

/* slow past the client's timeout: no answer, nothing recorded; down refuses until up. */
Test(otlp_recv, slow_and_down)
{
	struct otlp_http h = { .content_type = "application/json",
			       .body = LOGS,
			       .len = sizeof(LOGS) - 1,
			       .timeout_ms = 100 };
	struct otlp_recv r;
	char url[128];
	size_t n;

	otlp_recv_start(&r, "otlp_slow", NULL);
	snprintf(url, sizeof(url), "%s/v1/logs", r.url);
	otlp_recv_control(&r, "{\"mode\":\"slow\",\"delay_ms\":400,\"count\":1}");
	cr_assert_eq(otlp_http(url, &h), -1);
	cr_assert_eq(otlp_recv_wait(&r, "by_status.closed", 1, 3000), 1);
	cr_assert_eq(otlp_recv_stat(&r, "valid"), 0);

	otlp_recv_control(&r, "{\"mode\":\"down\"}");
	cr_assert_eq(post_logs(&r, NULL), -1);
	otlp_recv_control(&r, "{\"mode\":\"up\"}");
	cr_assert_eq(post_logs(&r, NULL), 200);
	cr_assert_eq(otlp_recv_stat(&r, "requests"), 2);
	cr_assert_eq(otlp_recv_stat(&r, "faulted"), 1);
	free(otlp_recv_log(&r, &n));
	cr_assert_eq(n, 1);
	otlp_recv_stop(&r, false);
}

/* --max-bytes: a larger body is refused with 413 and counted invalid. */
Test(otlp_recv, max_bytes)
{
	struct otlp_recv r;
	struct otlp_stats s;

	otlp_recv_start(&r, "otlp_max", &(struct otlp_recv_opts){ .max_bytes = sizeof(LOGS) - 2 });
	cr_assert_eq(post_logs(&r, NULL), 413);
	cr_assert_eq(post(&r, "/v1/metrics", METRICS, strlen(METRICS), NULL, NULL, NULL), 200);
	otlp_recv_stats(&r, &s);
	cr_assert_eq(s.requests, 2);
	cr_assert_eq(s.invalid, 1);
	cr_assert_eq(s.valid, 1);
	cr_assert_eq(otlp_recv_stat(&r, "by_status.413"), 1);
	otlp_recv_stop(&r, false);
}
