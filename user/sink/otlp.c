// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The OTLP/HTTP sink: events as logs and periodic metrics, JSON over libcurl, gzip by zlib. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ctrtab.h"
#include "otlp.h"
#include "otlp_json.h"
#include "snapshot.h"
#include "xsink.h"

#define NS_PER_S 1000000000ull
/* Of a response body, enough for a partialSuccess or an error message; the rest is discarded. */
#define RESP_MAX (64u << 10)
/*
 * zlib level 1: measured on batches of 512 LogRecords (about 900 bytes each)
 * with this zlib, 2.1 us a record against level 6's 6.8 us, for a ratio of
 * 28 against 43. CPU per exported event is what the agent is held to; the
 * bytes saved past 28:1 are not worth three times the CPU.
 */
#define GZIP_LEVEL 1
/* Metrics requests kept while the receiver is away: 32 intervals, the oldest dropped first. */
#define METRICS_QUEUE 32
/* A LogRecord's buffer to begin with: typical ones take under 1 KiB, the longest about 64. */
#define EVBUF_INIT (64u << 10)

static const char metrics_head[] = "{\"resourceMetrics\":[";

struct otlp_sink;

/* One signal's connection: its URL, its curl handle (kept alive), its buffers. */
struct otlp_conn {
	struct otlp_sink *s;
	bool metrics;
	CURL *h;
	struct curl_slist *hdrs;
	char *body; /* the request being sent */
	size_t body_size;
	unsigned char *gz; /* and gzipped */
	size_t gz_size;
	z_stream z;
	bool z_ok;
	char resp[RESP_MAX]; /* what fit of the response body */
	size_t resp_len;
	uint64_t retry_after_ns; /* from the response's Retry-After, 0 for none */
	char errbuf[CURL_ERROR_SIZE];
};

struct otlp_sink {
	struct xsink x;
	struct otlp_config c;
	struct xsink_env env;
	struct otlp_urls urls;
	struct otlp_headers hdrs;
	struct otlp_resource res;
	char host[256];
	char node[256];
	/* Records by container, fed by the writer's events, read by the metrics tick. */
	struct ctrtab *ctrs;
	struct exporter logs, metrics;
	bool logs_init, metrics_init;
	struct otlp_conn lc, mc;
	char *evbuf; /* the writer thread's LogRecord, grown to the largest yet */
	size_t evbuf_size;
	uint64_t enc_failed; /* LogRecords not queued: no memory to grow evbuf (writer thread) */
	/* Delta temporality: the previous export's snapshot and when it was read. */
	struct snapshot prev;
	bool has_prev;
	uint64_t prev_unix_ns;
};

/* snprintf, where a cut message is fine (and gcc's truncation warning is not). */
__attribute__((format(printf, 3, 4))) static void msgf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Configuration rules */

static bool ends_with(const char *s, size_t n, const char *tail)
{
	size_t tn = strlen(tail);

	return n >= tn && !strcmp(s + n - tn, tail);
}

int otlp_urls(const char *endpoint, uint8_t signals, struct otlp_urls *u, char *err, size_t errlen)
{
	static const char logs[] = "/v1/logs", metrics[] = "/v1/metrics";
	size_t n = strlen(endpoint), scheme;
	char base[OTLP_URL_MAX];

	memset(u, 0, sizeof(*u));
	if (!strncasecmp(endpoint, "http://", 7))
		scheme = 7;
	else if (!strncasecmp(endpoint, "https://", 8))
		scheme = 8;
	else {
		snprintf(err, errlen, "not an http:// or https:// URL");
		return -EINVAL;
	}
	if (!endpoint[scheme] || endpoint[scheme] == '/') {
		snprintf(err, errlen, "no host in the URL");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)endpoint[i] <= ' ' || endpoint[i] == 0x7f) {
			snprintf(err, errlen, "a blank or control character in the URL");
			return -EINVAL;
		}
	}
	if (n + sizeof(metrics) > sizeof(base)) {
		snprintf(err, errlen, "the URL is too long");
		return -EINVAL;
	}
	/* A signal's own path: that signal alone goes there. */
	if (ends_with(endpoint, n, logs)) {
		u->signals = signals & OTLP_SIGNAL_LOGS;
		snprintf(u->logs, sizeof(u->logs), "%s", u->signals ? endpoint : "");
		if (!u->signals)
			snprintf(err, errlen, "the URL is for logs, which are not sent");
	} else if (ends_with(endpoint, n, metrics)) {
		u->signals = signals & OTLP_SIGNAL_METRICS;
		snprintf(u->metrics, sizeof(u->metrics), "%s", u->signals ? endpoint : "");
		if (!u->signals)
			snprintf(err, errlen, "the URL is for metrics, which are not sent");
	} else {
		memcpy(base, endpoint, n + 1);
		if (base[n - 1] == '/')
			base[n - 1] = '\0';
		u->signals = signals & (OTLP_SIGNAL_LOGS | OTLP_SIGNAL_METRICS);
		if (u->signals & OTLP_SIGNAL_LOGS)
			msgf(u->logs, sizeof(u->logs), "%s%s", base, logs);
		if (u->signals & OTLP_SIGNAL_METRICS)
			msgf(u->metrics, sizeof(u->metrics), "%s%s", base, metrics);
		if (!u->signals)
			snprintf(err, errlen, "neither logs nor metrics are sent");
	}
	return u->signals ? 0 : -EINVAL;
}

/* RFC 9110's token characters: a header name. */
static bool is_token(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("!#$%&'*+-.^_`|~", s[i]))
			return false;
	return true;
}

/* Visible characters, blanks and bytes past ASCII: no CR, LF, NUL or other controls. */
static bool is_field_value(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f)
			return false;
	return true;
}

static const char *trim(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

/* "Name: value", or "Name;" for an empty value (curl drops a header "Name:"). */
static int add_header(struct otlp_headers *h, const char *name, size_t nn, const char *value,
		      size_t vn)
{
	char **v = realloc(h->v, (h->n + 1) * sizeof(*v));
	char *line;

	if (!v)
		return -ENOMEM;
	h->v = v;
	if (vn)
		line = malloc(nn + vn + 3);
	else
		line = malloc(nn + 2);
	if (!line)
		return -ENOMEM;
	if (vn)
		sprintf(line, "%.*s: %.*s", (int)nn, name, (int)vn, value);
	else
		sprintf(line, "%.*s;", (int)nn, name);
	h->v[h->n++] = line;
	return 0;
}

int otlp_headers_file(struct otlp_headers *h, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t len;
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		size_t n = (size_t)len, nn, vn;
		const char *s, *colon, *name, *value;

		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		s = trim(line, &n);
		if (!n || s[0] == '#')
			continue;
		colon = memchr(s, ':', n);
		if (!colon) {
			snprintf(err, errlen, "%s:%u: not a 'Name: value' header", path, lineno);
			ret = -EINVAL;
			break;
		}
		nn = (size_t)(colon - s);
		name = trim(s, &nn);
		vn = n - (size_t)(colon + 1 - s);
		value = trim(colon + 1, &vn);
		if (!is_token(name, nn)) {
			snprintf(err, errlen, "%s:%u: not a header name before ':'", path, lineno);
			ret = -EINVAL;
			break;
		}
		if (!is_field_value(value, vn)) {
			snprintf(err, errlen, "%s:%u: a control character in the value", path,
				 lineno);
			ret = -EINVAL;
			break;
		}
		if ((ret = add_header(h, name, nn, value, vn))) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, strerror(-ret));
			break;
		}
	}
	if (!ret && ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s:%u: read error", path, lineno + 1);
	}
	free(line);
	fclose(f);
	return ret;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int otlp_headers_env(struct otlp_headers *h, const char *value, const char *what, char *err,
		     size_t errlen)
{
	unsigned entry = 0;

	for (const char *p = value; *p;) {
		const char *end = strchr(p, ','), *s, *eq, *key, *val;
		size_t n, kn, vn, dn = 0;
		char *dec;
		int ret;

		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		s = trim(p, &n);
		p = *end ? end + 1 : end;
		entry++;
		if (!n)
			continue;
		eq = memchr(s, '=', n);
		if (!eq) {
			snprintf(err, errlen, "%s: entry %u: not key=value", what, entry);
			return -EINVAL;
		}
		kn = (size_t)(eq - s);
		key = trim(s, &kn);
		vn = n - (size_t)(eq + 1 - s);
		val = trim(eq + 1, &vn);
		if (!is_token(key, kn)) {
			snprintf(err, errlen, "%s: entry %u: not a header name before '='", what,
				 entry);
			return -EINVAL;
		}
		dec = malloc(vn + 1);
		if (!dec)
			return -ENOMEM;
		for (size_t i = 0; i < vn; i++) {
			int hi, lo;

			if (val[i] != '%') {
				dec[dn++] = val[i];
				continue;
			}
			hi = i + 2 < vn ? hexval(val[i + 1]) : -1;
			lo = hi >= 0 ? hexval(val[i + 2]) : -1;
			if (lo < 0) {
				free(dec);
				snprintf(err, errlen,
					 "%s: entry %u: a %% not followed by two hex digits", what,
					 entry);
				return -EINVAL;
			}
			dec[dn++] = (char)(hi << 4 | lo);
			i += 2;
		}
		if (!is_field_value(dec, dn)) {
			free(dec);
			snprintf(err, errlen, "%s: entry %u: a control character in the value",
				 what, entry);
			return -EINVAL;
		}
		ret = add_header(h, key, kn, dec, dn);
		free(dec);
		if (ret)
			return ret;
	}
	return 0;
}

void otlp_headers_free(struct otlp_headers *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

uint64_t otlp_rejected(const char *body, size_t len, const char *key)
{
	size_t kn = strlen(key);
	const char *end = body + len;

	for (const char *p = body; (p = memmem(p, (size_t)(end - p), key, kn)); p += kn) {
		const char *q = p + kn;
		uint64_t v = 0;

		/* The key itself, quoted: "rejectedLogRecords": */
		if (p == body || p[-1] != '"' || q >= end || *q != '"')
			continue;
		for (q++; q < end && isspace((unsigned char)*q); q++)
			;
		if (q >= end || *q != ':')
			continue;
		for (q++; q < end && isspace((unsigned char)*q); q++)
			;
		if (q < end && *q == '"')
			q++;
		for (; q < end && *q >= '0' && *q <= '9'; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		return v;
	}
	return 0;
}

/* Sending */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct otlp_conn *c = ctx;
	size_t n = size * nmemb, room = sizeof(c->resp) - 1 - c->resp_len;

	memcpy(c->resp + c->resp_len, data, n < room ? n : room);
	c->resp_len += n < room ? n : room;
	c->resp[c->resp_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	static const char ra[] = "retry-after:";
	struct otlp_conn *c = ctx;
	size_t n = size * nmemb, vn;
	char value[128];
	const char *v;
	uint64_t ns;

	/* A new response (after a 100 Continue): forget the previous one's. */
	if (n >= 5 && !memcmp(data, "HTTP/", 5))
		c->retry_after_ns = 0;
	if (n < sizeof(ra) - 1 || strncasecmp(data, ra, sizeof(ra) - 1))
		return n;
	vn = n - (sizeof(ra) - 1);
	while (vn && (data[sizeof(ra) - 2 + vn] == '\n' || data[sizeof(ra) - 2 + vn] == '\r'))
		vn--;
	v = trim(data + sizeof(ra) - 1, &vn);
	if (vn >= sizeof(value))
		return n;
	memcpy(value, v, vn);
	value[vn] = '\0';
	if (!retry_after_parse(value, time(NULL), &ns))
		c->retry_after_ns = ns;
	return n;
}

/* Grows *buf to at least n bytes. */
static int reserve(void *bufp, size_t *size, size_t n)
{
	char **buf = bufp;
	char *nb;

	if (n <= *size)
		return 0;
	nb = realloc(*buf, n);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*size = n;
	return 0;
}

/* The request body of b into c->body: the logs envelope, or the metrics requests merged. */
static ssize_t build_body(struct otlp_conn *c, const struct export_batch *b)
{
	struct out o;
	size_t n;

	if (c->metrics && b->n == 1) {
		if (reserve(&c->body, &c->body_size, b->items[0].len + 1))
			return -ENOMEM;
		memcpy(c->body, b->items[0].data, b->items[0].len);
		return b->items[0].len;
	}
	for (int pass = 0; pass < 2; pass++) {
		o = out_init(c->body, c->body_size);
		if (!c->metrics) {
			otlp_logs_request(&o, &c->s->res, b);
		} else {
			/* Requests each {"resourceMetrics":[X]}: one with X1,X2... */
			out_puts(&o, metrics_head);
			for (size_t i = 0; i < b->n; i++) {
				size_t hn = sizeof(metrics_head) - 1, len = b->items[i].len;

				if (i)
					out_putc(&o, ',');
				out_write(&o, b->items[i].data + hn, len - hn - 2);
			}
			out_puts(&o, "]}");
		}
		n = out_end(&o);
		if (n < c->body_size)
			return (ssize_t)n;
		if (reserve(&c->body, &c->body_size, n + 1 + n / 4))
			return -ENOMEM;
	}
	return -ENOMEM;
}

/* c->body's len bytes gzipped into c->gz: the compressed length, or -1. */
static ssize_t gzip_body(struct otlp_conn *c, size_t len)
{
	size_t bound;

	if (deflateReset(&c->z) != Z_OK)
		return -1;
	bound = deflateBound(&c->z, len) + 32;
	if (reserve(&c->gz, &c->gz_size, bound))
		return -1;
	c->z.next_in = (unsigned char *)c->body;
	c->z.avail_in = (uInt)len;
	c->z.next_out = c->gz;
	c->z.avail_out = (uInt)c->gz_size;
	if (deflate(&c->z, Z_FINISH) != Z_STREAM_END)
		return -1;
	return (ssize_t)(c->gz_size - c->z.avail_out);
}

/* "HTTP 400", and the start of what the receiver said, on one line. */
static void put_status_msg(const struct otlp_conn *c, struct export_result *res)
{
	struct out o = out_init(res->msg, sizeof(res->msg));
	size_t n = c->resp_len;

	out_printf(&o, "HTTP %ld", res->status);
	if (n && !(n == 2 && !memcmp(c->resp, "{}", 2))) {
		out_puts(&o, ": ");
		for (size_t i = 0; i < n && o.len + 1 < o.size; i++)
			out_putc(&o, (unsigned char)c->resp[i] < ' ' ? ' ' : c->resp[i]);
	}
	out_end(&o);
}

static void otlp_send(void *ctx, const struct export_batch *b, struct export_result *res)
{
	struct otlp_conn *c = ctx;
	ssize_t len = build_body(c, b), zlen;
	const void *data = c->body;
	CURLcode rc;
	long status = 0;

	memset(res, 0, sizeof(*res));
	if (len < 0) {
		/* No memory for the request: a failure like a connection error, retried. */
		res->cls = retry_classify(0);
		snprintf(res->msg, sizeof(res->msg), "no memory for the request");
		return;
	}
	if (c->s->c.gzip) {
		zlen = gzip_body(c, (size_t)len);
		if (zlen < 0) {
			res->cls = retry_classify(0);
			snprintf(res->msg, sizeof(res->msg), "gzip failed");
			return;
		}
		data = c->gz;
		len = zlen;
	}
	c->resp_len = 0;
	c->resp[0] = '\0';
	c->retry_after_ns = 0;
	c->errbuf[0] = '\0';
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(c->h);
	res->wire_bytes = (uint64_t)len;
	if (rc != CURLE_OK) {
		res->cls = retry_classify(0);
		msgf(res->msg, sizeof(res->msg), "%s",
		     c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
	res->status = status;
	res->cls = retry_classify(status);
	res->retry_after_ns = c->retry_after_ns;
	if (res->cls == RETRY_OK) {
		uint64_t r =
			otlp_rejected(c->resp, c->resp_len,
				      c->metrics ? "rejectedDataPoints" : "rejectedLogRecords");

		/*
		 * Items are LogRecords, so logs count exactly; a metrics item is a
		 * whole request, counted rejected when any of its points was.
		 */
		if (c->metrics && r)
			r = 1;
		res->rejected = r < b->n ? r : b->n;
	} else {
		put_status_msg(c, res);
	}
}

/* Metrics */

/* What the snapshot does not read from the session: the agent's own counters. */
static void snapshot_agent(struct otlp_sink *s, struct snapshot *snap)
{
	if (s->env.queue_dropped)
		snap->queue_lost = atomic_load(s->env.queue_dropped);
	/* Written by the writer thread alone: a relaxed read sees a whole 64-bit value. */
	if (s->env.output_lost)
		snap->output_lost = __atomic_load_n(s->env.output_lost, __ATOMIC_RELAXED);
	snapshot__self(snap);
}

/* Every interval and at stop (sender thread): one request of the counters, queued. */
static void otlp_tick(void *ctx, bool final)
{
	struct otlp_conn *c = ctx;
	struct otlp_sink *s = c->s;
	struct snapshot cur = { 0 };
	uint64_t now = realtime_ns();
	struct otlp_metrics_opts mo = {
		.temporality = s->c.temporality,
		.start_unix_ns = s->env.start_unix_ns,
		.time_unix_ns = now,
		.syscall_durations = s->env.syscall_durations,
		.rss_bytes = snapshot_rss_bytes(),
		.run_start_unix_ns = s->env.start_unix_ns,
	};
	bool delta = s->c.temporality == OTLP_DELTA;
	struct ctr_rows rows = { 0 };
	struct out o;
	size_t n;
	char *buf;

	(void) final;
	if (s->env.sess && snapshot__read(&cur, s->env.sess)) {
		snapshot__free(&cur);
		return;
	}
	snapshot_agent(s, &cur);
	if (delta && s->has_prev)
		mo.start_unix_ns = s->prev_unix_ns;
	if (s->ctrs && !ctrtab__read(s->ctrs, &rows))
		mo.containers = &rows;
	/* Measured, then written: a request's size depends on the syscalls and probes seen. */
	o = out_init(NULL, 0);
	otlp_metrics_request(&o, &s->res, &cur, s->has_prev ? &s->prev : NULL, &mo);
	n = out_end(&o);
	buf = malloc(n + 1);
	if (buf) {
		o = out_init(buf, n + 1);
		otlp_metrics_request(&o, &s->res, &cur, s->has_prev ? &s->prev : NULL, &mo);
		exporter_push(&s->metrics, buf, out_end(&o));
		free(buf);
	}
	ctr_rows__free(&rows);
	if (!delta) {
		snapshot__free(&cur);
		return;
	}
	if (s->has_prev)
		snapshot__free(&s->prev);
	s->prev = cur;
	s->has_prev = true;
	s->prev_unix_ns = now;
}

/* The sink */

static void otlp_event(struct xsink *x, const struct event *ev)
{
	struct otlp_sink *s = (struct otlp_sink *)x;
	struct out o;
	size_t n;

	if (s->ctrs)
		ctrtab__event(s->ctrs, ev);
	if (!s->logs_init)
		return;
	o = out_init(s->evbuf, s->evbuf_size);
	otlp_log_item(&o, ev, s->env.start_unix_ns);
	n = out_end(&o);
	/* Cut, it would be invalid JSON: written again into room enough (rare: long captures). */
	if (n >= s->evbuf_size) {
		if (reserve(&s->evbuf, &s->evbuf_size, n + 1)) {
			s->enc_failed++;
			return;
		}
		o = out_init(s->evbuf, s->evbuf_size);
		otlp_log_item(&o, ev, s->env.start_unix_ns);
		n = out_end(&o);
	}
	exporter_push(&s->logs, s->evbuf, n);
}

struct stop_arg {
	struct exporter *e;
	uint64_t deadline_ns;
};

static void *stop_thread(void *p)
{
	struct stop_arg *a = p;

	exporter_stop(a->e, a->deadline_ns);
	return NULL;
}

/* Both signals within the one deadline: the metrics' last export beside the logs' flush. */
static void otlp_stop(struct xsink *x, uint64_t deadline_ns)
{
	struct otlp_sink *s = (struct otlp_sink *)x;
	struct stop_arg a = { .e = &s->metrics, .deadline_ns = deadline_ns };
	pthread_t t;
	bool joined = false;

	if (s->logs_init && s->metrics_init && !pthread_create(&t, NULL, stop_thread, &a))
		joined = true;
	else if (s->metrics_init)
		exporter_stop(&s->metrics, deadline_ns);
	if (s->logs_init)
		exporter_stop(&s->logs, deadline_ns);
	if (joined)
		pthread_join(t, NULL);
}

static void conn_free(struct otlp_conn *c)
{
	if (c->h)
		curl_easy_cleanup(c->h);
	curl_slist_free_all(c->hdrs);
	if (c->z_ok)
		deflateEnd(&c->z);
	free(c->body);
	free(c->gz);
}

static void otlp_free(struct xsink *x)
{
	struct otlp_sink *s = (struct otlp_sink *)x;

	if (!s)
		return;
	if (s->logs_init)
		exporter_free(&s->logs);
	if (s->metrics_init)
		exporter_free(&s->metrics);
	conn_free(&s->lc);
	conn_free(&s->mc);
	otlp_headers_free(&s->hdrs);
	if (s->has_prev)
		snapshot__free(&s->prev);
	ctrtab__free(s->ctrs);
	free(s->evbuf);
	free(s);
}

static const struct xsink_ops otlp_ops = {
	.event = otlp_event,
	.stop = otlp_stop,
	.free = otlp_free,
};

static const struct export_ops send_ops = { .send = otlp_send };
static const struct export_ops metrics_ops = { .send = otlp_send, .tick = otlp_tick };

/* The curl handle of one signal: every option but the body, once. */
static int conn_open(struct otlp_sink *s, struct otlp_conn *c, const char *url, bool metrics)
{
	static const char ua[] = "agent-trace/" AT_VERSION;

	c->s = s;
	c->metrics = metrics;
	c->h = curl_easy_init();
	if (!c->h)
		return -ENOMEM;
	c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->hdrs && s->c.gzip)
		c->hdrs = curl_slist_append(c->hdrs, "Content-Encoding: gzip");
	/* No "Expect: 100-continue" round trip before each larger body. */
	if (c->hdrs)
		c->hdrs = curl_slist_append(c->hdrs, "Expect:");
	for (size_t i = 0; c->hdrs && i < s->hdrs.n; i++)
		c->hdrs = curl_slist_append(c->hdrs, s->hdrs.v[i]);
	if (!c->hdrs)
		return -ENOMEM;
	if (s->c.gzip) {
		if (deflateInit2(&c->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
		    Z_OK)
			return -ENOMEM;
		c->z_ok = true;
	}
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_POST, 1L);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(c->h, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)(s->c.timeout_ns / 1000000));
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, (long)(s->c.timeout_ns / 1000000));
	curl_easy_setopt(c->h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->errbuf);
	if (s->c.ca_file[0])
		curl_easy_setopt(c->h, CURLOPT_CAINFO, s->c.ca_file);
	return 0;
}

/* The exporter of one signal, started. */
static int exporter_open(struct otlp_sink *s, bool metrics)
{
	const struct sink_flow *f = &s->c.flow;
	char name[sizeof(s->urls.logs) + 16];
	struct exporter_opts o = {
		.name = name,
		.ops = metrics ? &metrics_ops : &send_ops,
		.ctx = metrics ? &s->mc : &s->lc,
		.queue_items = metrics ? METRICS_QUEUE : f->queue_items,
		.queue_bytes = f->queue_bytes,
		.batch = f->batch,
		.retry = f->retry,
		.tick_ns = metrics ? s->c.interval_ns : 0,
	};
	struct exporter *e = metrics ? &s->metrics : &s->logs;
	int ret;

	/* Named by signal and URL: several receivers stay apart in the summary and /metrics. */
	snprintf(name, sizeof(name), "otlp %s %s", metrics ? "metrics" : "logs",
		 metrics ? s->urls.metrics : s->urls.logs);
	/* A metrics item is a whole request: one a batch, sent as soon as it is queued. */
	if (metrics)
		o.batch = (struct batch_policy){ .max_items = 1 };
	exporter_opts_defaults(&o);
	if ((ret = exporter_init(e, &o)))
		return ret;
	if (metrics)
		s->metrics_init = true;
	else
		s->logs_init = true;
	return exporter_start(e);
}

/* Headers from the file and the environment. */
static int read_headers(struct otlp_sink *s, char *err, size_t errlen)
{
	const char *env = s->c.headers_env[0] ? getenv(s->c.headers_env) : NULL;
	char what[sizeof(s->c.headers_env) + 1];
	int ret;

	if (s->c.headers_file[0] &&
	    (ret = otlp_headers_file(&s->hdrs, s->c.headers_file, err, errlen)))
		return ret;
	if (!env || !env[0])
		return 0;
	snprintf(what, sizeof(what), "$%s", s->c.headers_env);
	return otlp_headers_env(&s->hdrs, env, what, err, errlen);
}

/*
 * host.name: $AT_HOST_NAME, else the host name (in a pod without hostNetwork
 * that is the pod's: a DaemonSet sets AT_HOST_NAME, or NODE_NAME below);
 * k8s.node.name: $NODE_NAME (the downward API's spec.nodeName), else none.
 */
static void resource_names(struct otlp_sink *s)
{
	const char *h = getenv("AT_HOST_NAME"), *n = getenv("NODE_NAME");

	if (h && h[0])
		snprintf(s->host, sizeof(s->host), "%s", h);
	else if (gethostname(s->host, sizeof(s->host) - 1))
		s->host[0] = '\0';
	snprintf(s->node, sizeof(s->node), "%s", n ? n : "");
}

struct xsink *otlp_sink_open(const struct otlp_config *c, const struct xsink_env *env, char *err,
			     size_t errlen)
{
	struct otlp_sink *s = calloc(1, sizeof(*s));
	char why[512];
	int ret;

	why[0] = '\0';
	if (!s) {
		snprintf(err, errlen, "--otlp '%s': %s", c->endpoint, strerror(ENOMEM));
		return NULL;
	}
	s->c = *c;
	s->env = *env;
	s->x.ops = &otlp_ops;
	if ((ret = otlp_urls(c->endpoint, c->signals, &s->urls, why, sizeof(why))) ||
	    (ret = read_headers(s, why, sizeof(why))))
		goto err_free;
	if (c->ca_file[0] && access(c->ca_file, R_OK)) {
		ret = -errno;
		msgf(why, sizeof(why), "CA file %s: %s", c->ca_file, strerror(-ret));
		goto err_free;
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		ret = -EIO;
		snprintf(why, sizeof(why), "libcurl: %s", curl_easy_strerror(curl_init_rc));
		goto err_free;
	}
	resource_names(s);
	s->res = (struct otlp_resource){ .service_version = AT_VERSION,
					 .host_name = s->host,
					 .node_name = s->node };
	/* The metrics' per-container records: nothing to count them for without metrics. */
	if ((s->urls.signals & OTLP_SIGNAL_METRICS) && !(s->ctrs = ctrtab__new(NULL))) {
		ret = -errno;
		goto err_free;
	}
	ret = -ENOMEM;
	if ((s->urls.signals & OTLP_SIGNAL_LOGS) &&
	    (reserve(&s->evbuf, &s->evbuf_size, EVBUF_INIT) ||
	     (ret = conn_open(s, &s->lc, s->urls.logs, false)) || (ret = exporter_open(s, false))))
		goto err_free;
	if ((s->urls.signals & OTLP_SIGNAL_METRICS) &&
	    ((ret = conn_open(s, &s->mc, s->urls.metrics, true)) || (ret = exporter_open(s, true))))
		goto err_free;
	if (s->logs_init)
		s->x.exp[s->x.nexp++] = &s->logs;
	if (s->metrics_init)
		s->x.exp[s->x.nexp++] = &s->metrics;
	return &s->x;

err_free:
	if (!why[0])
		snprintf(why, sizeof(why), "%s", strerror(-ret));
	snprintf(err, errlen, "--otlp '%s': %s", c->endpoint, why);
	/* Exporters started are stopped at once: nothing was queued. */
	if (s->logs_init)
		exporter_stop(&s->logs, 0);
	if (s->metrics_init)
		exporter_stop(&s->metrics, 0);
	otlp_free(&s->x);
	return NULL;
}
