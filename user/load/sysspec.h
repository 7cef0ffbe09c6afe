/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The kernel capture spec of each syscall: which arguments are strings or buffers. */
#ifndef AT_SYSSPEC_H
#define AT_SYSSPEC_H

#include "record.h"
#include "spec.h"

/*
 * What the BPF side must capture for each syscall: filled from syscall_table.
 * At most AT_SLOTS string/buffer arguments per call, first ones first.
 */
void syscall_specs(struct at_sys_spec specs[AT_NR_MAX]);

#endif /* AT_SYSSPEC_H */
