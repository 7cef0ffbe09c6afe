/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* -l: what can be probed in a program or library, without attaching anything. */
#ifndef AT_LIST_H
#define AT_LIST_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * Writes one line per function ("uprobe:PATH:NAME") and USDT probe
 * ("usdt:PATH:PROVIDER:NAME", once however many sites it has; verbose adds
 * " (N sites)") of the target in pattern "[TARGET:]GLOB": a path alone is
 * the whole file, another pattern without ':' a glob in the main program of
 * pid. For a program (one with an interpreter), the USDT probes of the
 * libraries it links (DT_NEEDED, found as ld.so finds them) follow, under
 * their own paths. Returns 0, or -1 with err.
 */
int list_probes(FILE *out, const char *pattern, pid_t pid, bool verbose, char *err, size_t errlen);

#endif /* AT_LIST_H */
