/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A SPEC (or a USDT site) resolved in its ELF file to the functions and offsets to probe. */
#ifndef AT_FUNCS_H
#define AT_FUNCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gofunc.h"
#include "uspec.h"

/* Where a SPEC's target is looked for. */
struct resolve_scope {
	pid_t pid;	 /* a traced process for /proc look-ups, 0 if none yet */
	const char *exe; /* the main executable when there is no pid (-- CMD) */
};

/* One function to attach: collected first, attached after, so a glob is all or nothing. */
struct func {
	char name[USPEC_NAME_MAX]; /* "" for a raw file offset */
	uint64_t off; /* file offset of the probe (a Go function's: after its stack check) */
	uint64_t ret[GO_MAX_RETS]; /* a Go function's return probe: its RETs' file offsets */
	unsigned nret;		   /* 0 but for a Go function's return probe */
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

/* One name of a resolve of many: the name in, where its probe goes out. */
struct func_want {
	const char *name; /* a function (plain or versioned), a USDT probe; "" for u's raw offset */
	uint64_t off;	  /* the probe's file offset, when err is 0 */
	int err;	  /* 0, -ENOENT (not in the file) or -EINVAL (there, but refused) */
	uint64_t ret[GO_MAX_RETS]; /* a Go function's return probe: its RETs' file offsets */
	unsigned nret;		   /* 0 but for a Go function's return probe */
};

struct elf_file;

/*
 * The n names of w, each as funcs_resolve resolves a plain name of SPEC u
 * (its offset and when; u->func and is_glob are not looked at), in the open
 * file ef at path: its symbols (or USDT notes) read once for all of them, a
 * binary search each. A name may come twice. Each want gets its err; err
 * names those not found, then the first refused one's reason. The number
 * found, or -EINVAL with err when the file takes none. In a Go binary the
 * entry goes after the stack check and a return probe on the RETs.
 */
int funcs_resolve_in(struct elf_file *ef, const char *path, const struct uspec *u,
		     const char *provider, struct func_want *w, size_t n, char *err, size_t errlen);

/*
 * The same in u's target, found as funcs_resolve finds it (path gets
 * PATH_MAX bytes, *go tells a Go binary): one open for all the names. The
 * number found, or -EINVAL with err (no such file, not ELF, as above).
 */
int funcs_resolve_names(const struct uspec *u, const char *provider, const struct resolve_scope *sc,
			char *path, bool *go, struct func_want *w, size_t n, char *err,
			size_t errlen);

#endif /* AT_FUNCS_H */
