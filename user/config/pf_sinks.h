/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The probe file's output.sinks list: OTLP receivers and rotated JSON-lines files. */
#ifndef AT_PF_SINKS_H
#define AT_PF_SINKS_H

#include "pf_yaml.h"
#include "sinkcfg.h"

/* Appends each item of the output.sinks list n to exp. 0 or -1 with the message in c. */
int pf_load_sinks(struct pf_ctx *c, yaml_node_t *n, struct export_config *exp);

/* A duration scalar ("5s", "500ms", "2m", a bare number of seconds) at n. 0 or -1. */
int pf_get_duration(struct pf_ctx *c, const yaml_node_t *n, const char *where, uint64_t min_ns,
		    uint64_t *out);

#endif /* AT_PF_SINKS_H */
