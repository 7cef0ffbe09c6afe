/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A SPEC (or a USDT site) resolved in its ELF file to the functions and offsets to probe. */
#ifndef AT_FUNCS_H
#define AT_FUNCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "uspec.h"

/* Where a SPEC's target is looked for. */
struct resolve_scope {
	pid_t pid;	 /* a traced process for /proc look-ups, 0 if none yet */
	const char *exe; /* the main executable when there is no pid (-- CMD) */
};

/* One function to attach: collected first, attached after, so a glob is all or nothing. */
struct func {
	char name[USPEC_NAME_MAX]; /* "" for a raw file offset */
	uint64_t off;		   /* file offset of the probe */
};

struct funcs {
	struct func *v;
	size_t n, cap;
	uint64_t extra; /* func+0xOFF */
};

/*
 * A SPEC, or with provider a USDT site, resolved in its file (path gets
 * PATH_MAX bytes) to the functions to attach, each offset checked; *go tells
 * a Go binary. 0, -EINVAL with err, or -EINTR when set-up was cancelled.
 * fs is the caller's to free with funcs_free, success or not.
 */
int funcs_resolve(const struct uspec *u, const char *provider, const struct resolve_scope *sc,
		  char *path, bool *go, struct funcs *fs, char *err, size_t errlen);

void funcs_free(struct funcs *fs);

#endif /* AT_FUNCS_H */
