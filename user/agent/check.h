/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* --check: a probe file validated, its SPECs resolved when a process is given; nothing loaded. */
#ifndef AT_CHECK_H
#define AT_CHECK_H

#include "cli.h"

/* Checks cfg->check_file; "FILE: valid, N probes" on stdout. The exit status. */
int agent_check(const struct config *cfg);

#endif /* AT_CHECK_H */
