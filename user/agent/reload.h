/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* -C: the probe file merged with the command line, watched, and reloaded as one transaction. */
#ifndef AT_RELOAD_H
#define AT_RELOAD_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h"
#include "plan.h"
#include "probes.h"

struct session;

/* A daemon's pids target: which file named it, and whether its absence was said. */
struct pid_origin {
	pid_t pid;
	bool warned; /* the "no such process; skipped" line was printed for it */
	bool seen;   /* named by the set being loaded */
	char file[PATH_MAX];
};

/* The probe file as last applied, and the watch on it. */
struct probe_source {
	struct probefile *pf;	 /* as last applied; NULL without -C */
	struct plan plan;	 /* its entries' probe ids */
	int ino_fd;		 /* inotify on the file's directory, -1 without -C */
	char base[NAME_MAX + 1]; /* the file's name in that directory, as inotify names it */
	/* The daemon: every (file, pid) of the pids targets, so a gone one is said once. */
	struct pid_origin *pids;
	unsigned npids, cap_pids;
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

/*
 * targets_apply of t, the set (or a reload's new set) of ps. In daemon mode a
 * pids target that exited since the set was read is skipped with its line, as
 * the load skips those already gone. targets_apply's result.
 */
int probe_source__apply_targets(struct probe_source *ps, const struct config *cfg,
				struct session *s, struct pf_targets *t, FILE *log, char *err,
				size_t errlen);

/* Frees the file and its plan and ends the watch. */
void probe_source__free(struct probe_source *ps);

#endif /* AT_RELOAD_H */
