/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The trace: set-up (load, attach, release the target), the loop until the end, the summary. */
#ifndef AT_RUN_H
#define AT_RUN_H

#include "cli.h"

/* Traces what cfg asks for until it ends (-d, a signal, the targets gone). The exit status. */
int agent_run(const struct config *cfg);

#endif /* AT_RUN_H */
