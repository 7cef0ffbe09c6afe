/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rendering of function-call events by their probe's SPEC types. */
#ifndef AT_FDECODE_H
#define AT_FDECODE_H

#include <stdbool.h>

#include "decode.h"
#include "strbuf.h"

/* `size=16, path="/etc/x"`, or for JSON `"size":16,"path":"/etc/x"` (inside an object). */
void func_put_args(struct out *o, const struct event *ev, bool json);
/*
 * Argument i's value alone as in that JSON (null past the last): for sinks that
 * wrap each value; a scalar always (a Go slice's bytes, an interface's type word).
 */
void func_put_arg_json(struct out *o, const struct event *ev, unsigned i);
/*
 * The return value by the SPEC's type: "16", "0x7f...", "NULL"; "?" when there
 * is none. For JSON a number, a "0x..." string, or null.
 */
void func_put_ret(struct out *o, const struct event *ev, bool json);
/*
 * The return value as one JSON scalar, for an attribute: func_put_ret's, or
 * of a Go result tuple its first result (an interface: its type word).
 */
void func_put_ret_scalar(struct out *o, const struct event *ev);

#endif /* AT_FDECODE_H */
