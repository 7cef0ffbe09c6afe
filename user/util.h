/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers every stage uses. */
#ifndef AT_UTIL_H
#define AT_UTIL_H

#include <stddef.h>

/* Formats a one-line reason into err (when errlen > 0) and returns -1. */
int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* AT_UTIL_H */
