/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where a SPEC's target lives: the main executable, a library mapped or cached, a path. */
#ifndef AT_TARGET_H
#define AT_TARGET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Resolves a SPEC target to a path: "" is the main executable of pid
 * (/proc/PID/exe) or exe_hint when pid is 0; a short name ("libc", "libssl",
 * "libfoo.so.1") is the library mapped by pid (/proc/PID/maps) or, without a pid
 * or when not mapped, the linker cache (ldconfig -p); a path is used as is,
 * through /proc/PID/root when pid is given (other mount namespaces).
 * 0, or -1 with a reason in err ("libfoo: no such library mapped in pid 12 or in the linker cache").
 */
int target_resolve(const char *target, int pid, const char *exe_hint, char *out, size_t outlen,
		   char *err, size_t errlen);

/*
 * The root under which pid's paths are found: "/proc/PID/root" when pid lives
 * in another mount namespace than ours, else "" (also for pid 0).
 */
void target_root(int pid, char *out, size_t outlen);

/* Whether a file's basename is one the short name target stands for ("ssl": libssl.so.3). */
bool target_names_file(const char *target, const char *base);

#endif /* AT_TARGET_H */
