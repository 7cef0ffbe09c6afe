/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Decoding of function-call records by their probe's SPEC types. */
#ifndef AT_FDECODE_H
#define AT_FDECODE_H

#include <stddef.h>

#include "probes.h"
#include "record.h"

/* `size=16, path="/etc/x"`; snprintf convention (returns the full length). */
size_t fdecode_args(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size);
/* The return value by the SPEC's type: "16", "0x7f...", "NULL"; "?" when there is none. */
size_t fdecode_ret(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size);
/* `"size":16,"path":"/etc/x"` (the inside of a JSON object). */
size_t fdecode_args_json(const struct at_call_rec *r, const struct probe *p, char *buf,
			 size_t size);
/* The return value as a JSON value: number, "0x..." string, or null. */
size_t fdecode_ret_json(const struct at_call_rec *r, const struct probe *p, char *buf, size_t size);

#endif /* AT_FDECODE_H */
