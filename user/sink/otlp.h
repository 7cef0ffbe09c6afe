/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The OTLP sink's configuration rules: endpoint URLs, header sources, the response's rejections. */
/*
 * otlp_sink_open (xsink.h) is the sink; these are the parts of it that are
 * pure rules, apart so unit tests pin them: which URL each signal goes to,
 * how the headers file and the OTEL_EXPORTER_OTLP_HEADERS form are read,
 * and what a partial success rejected.
 */
#ifndef AT_OTLP_H
#define AT_OTLP_H

#include <stddef.h>
#include <stdint.h>

#define OTLP_URL_MAX 1040 /* an endpoint (sinkcfg.h: 1024) and "/v1/metrics" */

/* The URL of each signal and the signals that are sent. */
struct otlp_urls {
	char logs[OTLP_URL_MAX];    /* "" when logs are not sent */
	char metrics[OTLP_URL_MAX]; /* "" when metrics are not sent */
	uint8_t signals;	    /* OTLP_SIGNAL_* (sinkcfg.h) */
};

/*
 * The URLs for endpoint and the wanted signals: http:// or https:// with a
 * host; /v1/logs and /v1/metrics appended to the base (one trailing slash
 * dropped), unless the endpoint ends in one of them, when that signal alone
 * goes there. 0, or -EINVAL with the reason in err (after "--otlp 'URL': ").
 */
int otlp_urls(const char *endpoint, uint8_t signals, struct otlp_urls *u, char *err, size_t errlen);

/* Request headers, each "Name: value" as curl takes them. */
struct otlp_headers {
	char **v;
	size_t n;
};

/*
 * Adds the "Name: value" lines of the file at path (blank lines and lines
 * starting with # skipped). 0, or -errno with "PATH: reason" or
 * "PATH:LINE: reason" in err.
 */
int otlp_headers_file(struct otlp_headers *h, const char *path, char *err, size_t errlen);

/*
 * Adds the headers of value in OTEL_EXPORTER_OTLP_HEADERS form: key=value
 * pairs separated by commas, blanks around each trimmed, values %-decoded.
 * what names the source in errors ("$OTEL_EXPORTER_OTLP_HEADERS"). 0, or
 * -EINVAL with "WHAT: entry N: reason" in err.
 */
int otlp_headers_env(struct otlp_headers *h, const char *value, const char *what, char *err,
		     size_t errlen);

void otlp_headers_free(struct otlp_headers *h);

/*
 * The integer after key in a JSON response body (the partialSuccess's
 * "rejectedLogRecords" or "rejectedDataPoints"; a number or a quoted string),
 * 0 when the key is not there.
 */
uint64_t otlp_rejected(const char *body, size_t len, const char *key);

#endif /* AT_OTLP_H */
