/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* -l: what can be probed in a program or library, without attaching anything. */
#ifndef AT_LIST_H
#define AT_LIST_H

#include <stdio.h>
#include <sys/types.h>

/*
 * Writes one line per function ("uprobe:PATH:NAME") and USDT probe
 * ("usdt:PATH:PROVIDER:NAME") of the target in pattern "[TARGET:]GLOB" (no
 * ':' means a glob in the main program of pid). Returns 0, or -1 with err.
 */
int list_probes(FILE *out, const char *pattern, pid_t pid, char *err, size_t errlen);

#endif /* AT_LIST_H */
