/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside the probe-file parser: an entry's attach key, with args, ret and when merged into it. */
#ifndef AT_PF_ATTACH_H
#define AT_PF_ATTACH_H

#include "pf_probe.h"

/*
 * Reads attach (and args, ret, when) by the entry's kind: the syscall
 * selection into p->syscalls, or the merged SPEC into p->spec. 0 or -1.
 */
int pf_parse_attach(struct pf_entry_ctx *ec);

#endif /* AT_PF_ATTACH_H */
