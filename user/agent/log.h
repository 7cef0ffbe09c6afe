/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* agent-trace's own lines on stderr: errors behind its prefix, libbpf's messages. */
#ifndef AT_LOG_H
#define AT_LOG_H

#include <stdbool.h>

/* Writes "agent-trace: " and the message as one line on stderr; returns status (an exit code). */
int log_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Routes libbpf's messages to stderr: its warnings always, its info and debug lines with -v. */
void log_libbpf(bool verbose);

#endif /* AT_LOG_H */
