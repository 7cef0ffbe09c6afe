/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What probetab.c (the probe table) gives attach.c (the links). */
#ifndef AT_PROBETAB_H
#define AT_PROBETAB_H

#include <stdint.h>

struct session;

/* Turns id's table entry off: the programs skip its hits from then on. */
void probe_table_clear(struct session *s, uint32_t id);

#endif /* AT_PROBETAB_H */
