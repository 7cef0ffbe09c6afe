// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -l: functions and USDT probes of an ELF file, bpftrace -l style. */
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "elf_file.h"
#include "gopclntab.h"
#include "list.h"
#include "target.h"

struct list_ctx {
	FILE *out;
	const char *path;
	const char *glob;
	unsigned n;
};

static int print_func(void *ctx, const struct elf_func *f)
{
	struct list_ctx *l = ctx;

	fprintf(l->out, "uprobe:%s:%s\n", l->path, f->name);
	l->n++;
	return 0;
}

static int print_usdt(void *ctx, const struct elf_usdt *u)
{
	struct list_ctx *l = ctx;
	char full[512];

	/* The glob applies to PROVIDER:NAME as well as to NAME alone. */
	snprintf(full, sizeof(full), "%s:%s", u->provider, u->name);
	if (fnmatch(l->glob, full, 0) && fnmatch(l->glob, u->name, 0))
		return 0;
	fprintf(l->out, "usdt:%s:%s:%s\n", l->path, u->provider, u->name);
	l->n++;
	return 0;
}

int list_probes(FILE *out, const char *pattern, pid_t pid, char *err, size_t errlen)
{
	char target[PATH_MAX] = "", path[PATH_MAX], why[512];
	const char *colon = strrchr(pattern, ':');
	struct list_ctx l = { .out = out, .path = path, .glob = colon ? colon + 1 : pattern };
	struct elf_file *ef;
	int ret;

	if (colon)
		snprintf(target, sizeof(target), "%.*s", (int)(colon - pattern), pattern);
	if (!*l.glob)
		l.glob = "*";
	if (!target[0] && !pid) {
		snprintf(err, errlen, "-l '%s': give a target (TARGET:GLOB) or -p PID", pattern);
		return -1;
	}
	if (target_resolve(target, pid, NULL, path, sizeof(path), why, sizeof(why))) {
		snprintf(err, errlen, "-l '%s': %s", pattern, why);
		return -1;
	}
	ef = elf_file__open(path, why, sizeof(why));
	if (!ef) {
		snprintf(err, errlen, "-l '%s': %s: %s", pattern, path, why);
		return -1;
	}
	ret = elf_file__for_each_func(ef, l.glob, print_func, &l);
	if (!ret)
		ret = elf_file__for_each_usdt(ef, print_usdt, &l);
	/* A stripped Go binary whose .gopclntab is bad: say so rather than list nothing. */
	if (!ret && !l.n && *elf_file__go_err(ef)) {
		snprintf(err, errlen, "-l '%s': %s: %s", pattern, path, elf_file__go_err(ef));
		elf_file__close(ef);
		return -1;
	}
	elf_file__close(ef);
	if (ret) {
		snprintf(err, errlen, "-l '%s': %s: cannot read symbols", pattern, path);
		return -1;
	}
	return 0;
}
