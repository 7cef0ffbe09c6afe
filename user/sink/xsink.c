// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The set of exporting sinks of a run: opened in order, stopped within one deadline, counted. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "snapshot.h"
#include "xsink.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int xsinks_open(struct xsink **xs, unsigned *n, const struct export_config *cfg,
		const struct xsink_env *env, char *err, size_t errlen)
{
	*n = 0;
	for (unsigned i = 0; i < cfg->n; i++) {
		const struct sink_config *sc = &cfg->sinks[i];
		struct xsink *x = sc->type == SINK_OTLP ?
					  otlp_sink_open(&sc->otlp, env, err, errlen) :
					  file_sink_open(&sc->file, env, err, errlen);

		if (!x) {
			xsinks_free(xs, n);
			return -1;
		}
		xs[(*n)++] = x;
	}
	return 0;
}

void xsinks_stop(struct xsink *const *xs, unsigned n, uint64_t deadline_ns)
{
	uint64_t end = mono_ns() + deadline_ns;

	/* One deadline for all: each sink gets what the ones before it left. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t now = mono_ns();

		xs[i]->ops->stop(xs[i], now < end ? end - now : 0);
		xs[i]->stopped = true;
	}
}

void xsinks_free(struct xsink **xs, unsigned *n)
{
	for (unsigned i = 0; i < *n; i++) {
		if (!xs[i]->stopped)
			xs[i]->ops->stop(xs[i], 0);
		xs[i]->ops->free(xs[i]);
		xs[i] = NULL;
	}
	*n = 0;
}

int xsinks_snapshot(struct xsink *const *xs, unsigned n, struct snapshot *snap)
{
	unsigned total = 0, k = 0;

	for (unsigned i = 0; i < n; i++)
		total += xs[i]->nexp;
	free(snap->sinks);
	snap->sinks = NULL;
	snap->nsinks = 0;
	if (!total)
		return 0;
	snap->sinks = calloc(total, sizeof(*snap->sinks));
	if (!snap->sinks)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < xs[i]->nexp; j++, k++) {
			snap->sinks[k].name = xs[i]->exp[j]->name;
			exporter_stats(xs[i]->exp[j], &snap->sinks[k].st);
		}
	}
	snap->nsinks = k;
	return 0;
}
