/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* -C: the probe file merged with the command line, watched, and reloaded as one transaction. */
#ifndef AT_RELOAD_H
#define AT_RELOAD_H

#include <limits.h>
#include <stdbool.h>

#include "cli.h"
#include "plan.h"
#include "probes.h"

struct session;

/* The probe file as last applied, and the watch on it. */
struct probe_source {
	struct probefile *pf;	 /* as last applied; NULL without -C */
	struct plan plan;	 /* its entries' probe ids */
	int ino_fd;		 /* inotify on the file's directory, -1 without -C */
	char base[NAME_MAX + 1]; /* the file's name in that directory, as inotify names it */
};

/*
 * Reads cfg->probe_file and merges it into cfg (the command line wins where
 * both speak), then watches it. 0, or an exit status with the error printed.
 */
int probe_source__load(struct probe_source *ps, struct config *cfg);

/* Whether the pending inotify events name the probe file (daemon: see probedir_counts). */
bool probe_source__changed(struct probe_source *ps);

/*
 * SIGHUP or a change on disk: reads the file again and applies the difference
 * to s as one transaction, SPECs resolved in pc; each outcome is one line on
 * stderr. An invalid file or a failed attach changes nothing.
 */
void probe_source__reload(struct probe_source *ps, const struct config *cfg, struct session *s,
			  const struct resolve_scope *pc);

/* Frees the file and its plan and ends the watch. */
void probe_source__free(struct probe_source *ps);

#endif /* AT_RELOAD_H */
