/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Daemon mode's --config-dir: every probe file of a directory merged into one. */
#ifndef AT_PROBEDIR_H
#define AT_PROBEDIR_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "probefile.h"

/*
 * Reads every *.yaml and *.yml file directly in dir (names starting with '.'
 * skipped: a ConfigMap's ..data and its timestamped directories), in name
 * order, and merges them: probes appended (a name defined twice is an error
 * naming both files), targets unioned, output.sinks appended; format, file,
 * metrics, flush_timeout and every limit are taken from the first file that
 * sets them, and a later file setting another value gets one warning line on
 * warn (NULL: none). No file at all gives an empty probefile. Returns 0 and
 * *out, or -1 with one line in err naming the file.
 */
int probedir_load(const char *dir, FILE *warn, struct probefile **out, char *err, size_t errlen);

/* What probedir_load_opts does besides merging. */
struct probedir_opts {
	FILE *warn; /* the first-wins warnings (and keep_pid's, its own); NULL: none */
	/*
	 * Optional: asked for each pids target of each file, with the file's path;
	 * a pid it returns false for is left out of the merged set (the daemon
	 * skips processes that have exited). NULL: every pid is kept.
	 */
	bool (*keep_pid)(void *ctx, const char *file, pid_t pid);
	void *ctx;
};

/* probedir_load, with o's warnings and pid filter. */
int probedir_load_opts(const char *dir, const struct probedir_opts *o, struct probefile **out,
		       char *err, size_t errlen);

/*
 * Whether a change to the entry name in the directory may change the set: a
 * probe file, or a name starting with '.' (a ConfigMap swaps ..data); an
 * output file written there (-o DIR/out) does not.
 */
bool probedir_counts(const char *name);

#endif /* AT_PROBEDIR_H */
